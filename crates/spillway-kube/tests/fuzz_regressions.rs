//! Inputs the fuzz targets (`fuzz/`, `scripts/fuzz-smoke.sh`) found crashing the
//! scheduling pipeline, minimised. Each must load, compile and schedule without a
//! panic; errors are fine. Tests marked `#[ignore = "crash: ..."]` still panic (in
//! builds with overflow checks, such as `cargo test`) and wait for an engine fix.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use spillway_core::{Profile, Scheduler, TieBreak, TieBreaker};
use spillway_kube::{PodResult, Scenario};

/// What the fuzz targets do: parse, compile, schedule every incoming pod, render
/// the message and the report. Returns the placements (`None` when unschedulable),
/// or the load error's message.
fn run(text: &str) -> Result<Vec<Option<String>>, String> {
    let scenario = Scenario::parse(Path::new("fuzz.json"), text).map_err(|e| e.to_string())?;
    let mut snapshot = scenario.compile().map_err(|e| e.to_string())?;
    let cluster = &snapshot.cluster;
    let scheduler = Scheduler::new(cluster, Profile::default());
    let mut tie = TieBreaker::new(TieBreak::Name);
    let mut placed = Vec::new();
    for &pod in &snapshot.incoming {
        let ev = scheduler.schedule(&mut snapshot.state, pod, &mut tie);
        let _ = ev.message(cluster);
        let _ = PodResult::new(cluster, &ev);
        placed.push(ev.assigned.map(|n| cluster.node_name(n).to_string()));
    }
    Ok(placed)
}

/// NodeResourcesFit's LeastAllocated score computes `(capacity - requested) *
/// MAX_NODE_SCORE` in `i64`, which overflows when allocatable memory is 1E (10^18
/// bytes). Upstream's Go int64 arithmetic wraps there; spillway panics with
/// "attempt to multiply with overflow" at
/// `spillway-core/src/plugins/resource_allocation.rs:149` (`least_requested_score`).
#[test]
#[ignore = "crash: least_requested_score multiplies (capacity - requested) * 100 with overflow for allocatable memory 1E"]
fn least_requested_score_huge_allocatable() {
    let text = r#"{
        "nodes": [{"metadata": {"name": "n0"}, "status": {"allocatable": {"cpu": "4", "memory": "1E", "pods": "10"}}}],
        "incoming": [{"metadata": {"name": "p"}, "spec": {"containers": []}}]
    }"#;
    assert_eq!(run(text), Ok(vec![Some("n0".to_string())]));
}

/// Two running pods on one node whose cpu requests add up past `i64::MAX`
/// milli-cpu (1E cores is 10^21 milli, saturated to `i64::MAX`, then 1 more):
/// "attempt to add with overflow" at `spillway-core/src/cluster/resources.rs:110`
/// (`Res::add`, from `ClusterState::assume` during `Cluster::compile`). Upstream's
/// `Resource.Add` wraps in int64.
#[test]
#[ignore = "crash: Res::add overflows summing requests of running pods (cpu 1E + 1) during compile"]
fn running_pod_requests_sum_overflow() {
    let text = r#"{
        "nodes": [{"metadata": {"name": "n0"}, "status": {"allocatable": {}}}],
        "pods": [
            {"metadata": {"name": "a"}, "spec": {"nodeName": "n0",
                "containers": [{"name": "c", "resources": {"requests": {"cpu": "1E"}}}]}},
            {"metadata": {"name": "b"}, "spec": {"nodeName": "n0",
                "containers": [{"name": "c", "resources": {"requests": {"cpu": "1"}}}]}}
        ]
    }"#;
    assert_eq!(run(text), Ok(vec![]));
}
