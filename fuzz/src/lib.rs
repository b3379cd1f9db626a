//! Shared code of spillway's fuzz targets.
//!
//! * [`run_scenario`]: the `spillway schedule` pipeline (parse, compile, schedule
//!   every incoming pod, render messages and the JSON report), which must never
//!   panic whatever the text. Errors are fine.
//! * [`structured`]: structured scenarios built with `arbitrary` from a small vocabulary,
//!   so that the fuzzer gets past decoding and deep into the engine.

use std::path::Path;

use spillway_core::{Profile, Scheduler, TieBreak, TieBreaker};
use spillway_kube::{PodResult, Scenario};

pub mod structured;

/// Inputs longer than this are skipped, to keep each run fast.
pub const MAX_INPUT: usize = 64 * 1024;

/// Parses `text` as a scenario file, compiles it and schedules every incoming pod
/// in order, as `spillway schedule` does. Returns how far it got (for debugging):
/// 0 = parse error, 1 = compile error, 2 = scheduled.
pub fn run_scenario(text: &str) -> u8 {
    let scenario = match Scenario::parse(Path::new("fuzz.yaml"), text) {
        Ok(s) => s,
        Err(e) => {
            // Error messages are part of the API: rendering them must not panic.
            let _ = e.to_string();
            return 0;
        }
    };
    let mut snapshot = match scenario.compile() {
        Ok(s) => s,
        Err(e) => {
            let _ = e.to_string();
            return 1;
        }
    };
    let cluster = &snapshot.cluster;
    let scheduler = Scheduler::new(cluster, Profile::default());
    let mut tie = TieBreaker::new(TieBreak::Name);
    for &pod in &snapshot.incoming {
        let ev = scheduler.schedule(&mut snapshot.state, pod, &mut tie);
        let _ = ev.message(cluster);
        let _ = PodResult::new(cluster, &ev);
    }
    2
}

/// The extender's verbs over a fixed cluster (the golden extender scenario:
/// gateway ECS nodes, virtual nodes, workers): decode a request body as
/// kube-scheduler would send it and answer it, as the server does. Nothing
/// may panic; errors are fine. Returns whether the body decoded.
pub mod extender {
    use std::sync::OnceLock;

    use spillway_extender::{Cache, Config, Extender, wire};
    use spillway_kube::Scenario;

    fn extender() -> &'static Extender {
        static EXTENDER: OnceLock<Extender> = OnceLock::new();
        EXTENDER.get_or_init(|| {
            let text = include_str!("../../fixtures/golden/extender/scenario.json");
            let cache = Scenario::parse(std::path::Path::new("scenario.json"), text)
                .ok()
                .and_then(|s| Cache::from_scenario(s).ok())
                .unwrap_or_default();
            Extender::new(Config::default(), cache)
        })
    }

    /// Filter then prioritize (`ExtenderArgs`).
    pub fn args(body: &[u8]) -> bool {
        let Ok(args) = wire::decode::<wire::ExtenderArgs>(body) else {
            return false;
        };
        let ext = extender();
        if let Ok(r) = ext.filter(&args) {
            let _ = wire::encode(&r);
        }
        if let Ok(r) = ext.prioritize(&args) {
            let _ = wire::encode(&r);
        }
        true
    }

    /// Bind (`ExtenderBindingArgs`).
    pub fn bind(body: &[u8]) -> bool {
        let Ok(args) = wire::decode::<wire::ExtenderBindingArgs>(body) else {
            return false;
        };
        let _ = wire::encode(&extender().bind(&args));
        true
    }

    /// Preempt (`ExtenderPreemptionArgs`).
    pub fn preempt(body: &[u8]) -> bool {
        let Ok(args) = wire::decode::<wire::ExtenderPreemptionArgs>(body) else {
            return false;
        };
        if let Ok(r) = extender().preempt(&args) {
            let _ = wire::encode(&r);
        }
        true
    }
}
