//! One timed run of each benchmark workload, beside upstream's threshold: a quick
//! look on any machine (`cargo bench -p spillway-benches` measures properly).
//! Run: `cargo run --release -p spillway-benches --example quick [FILTER]`.

use std::time::Instant;

use spillway_benches::workloads;
use spillway_core::framework::Placer;
use spillway_core::{Cluster, Profile, Scheduler, TieBreak, TieBreaker};

/// Pods per workload checked against the full evaluation.
const VERIFY: usize = 50;

fn main() {
    let filter = std::env::args().nth(1).unwrap_or_default();
    println!(
        "{:<48} {:>7} {:>7} {:>12} {:>10} {:>8}",
        "WORKLOAD", "PODS", "PLACED", "PODS/S", "UPSTREAM", "RATIO"
    );
    for w in workloads().into_iter().filter(|w| w.name.contains(&filter)) {
        let snapshot = match Cluster::compile(&(w.build)()) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("{}: {e}", w.name);
                continue;
            }
        };
        let scheduler = Scheduler::new(&snapshot.cluster, Profile::default());
        let mut placer = Placer::new(&scheduler);
        let mut state = snapshot.state.clone();
        let mut tie = TieBreaker::new(TieBreak::Name);
        let start = Instant::now();
        let placed = snapshot
            .incoming
            .iter()
            .filter(|&&p| placer.place(&mut state, p, &mut tie).is_some())
            .count();
        let rate = snapshot.incoming.len() as f64 / start.elapsed().as_secs_f64();
        // The fast path must place exactly where the full evaluation does: check the
        // first pods of every workload.
        let (mut fast, mut full) = (snapshot.state.clone(), snapshot.state.clone());
        let (mut t1, mut t2) = (
            TieBreaker::new(TieBreak::Name),
            TieBreaker::new(TieBreak::Name),
        );
        let mut placer = Placer::new(&scheduler);
        for &pod in snapshot.incoming.iter().take(VERIFY) {
            let a = placer.place(&mut fast, pod, &mut t1);
            let b = scheduler.schedule(&mut full, pod, &mut t2).assigned;
            assert_eq!(
                a,
                b,
                "{}: {} placed differently",
                w.name,
                snapshot.cluster.pod_key(pod)
            );
        }
        let upstream = w.upstream_threshold.unwrap_or(f64::NAN);
        println!(
            "{:<48} {:>7} {:>7} {:>12.0} {:>10.0} {:>7.0}x",
            w.name,
            snapshot.incoming.len(),
            placed,
            rate,
            upstream,
            rate / upstream
        );
    }
}
