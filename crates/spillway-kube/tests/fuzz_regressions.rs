//! Inputs that crash the scheduling pipeline, minimised: found by the fuzz targets
//! (`fuzz/`, `scripts/fuzz-smoke.sh`), or by reading the code they pointed at for
//! the same bug. Each must load, compile and schedule without a panic; errors are
//! fine. Resource arithmetic now wraps like Go's int64 instead of panicking on
//! overflow, and the YAML budget grows with the input instead of being unbounded.

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

/// Found by `scenario_json`: two running pods of cpu `1E` (each saturated to
/// i64::MAX millicores) wrap the node's requested total negative, and the fit
/// check `allocatable - requested` then overflowed on a node whose allocatable is
/// itself saturated. Go's int64 wraps there; so does spillway now.
#[test]
fn fit_check_free_amount_overflow() {
    let text = r#"{
        "nodes": [{"metadata": {"name": "n0"}, "status": {"allocatable": {"cpu": "1E", "pods": "10"}}}],
        "pods": [
            {"metadata": {"name": "a"}, "spec": {"nodeName": "n0",
                "containers": [{"name": "c", "resources": {"requests": {"cpu": "1E"}}}]}},
            {"metadata": {"name": "b"}, "spec": {"nodeName": "n0",
                "containers": [{"name": "c", "resources": {"requests": {"cpu": "1E"}}}]}}
        ],
        "incoming": [
            {"metadata": {"name": "p"}, "spec": {
                "containers": [{"name": "c", "resources": {"requests": {"cpu": "1"}}}]}}
        ]
    }"#;
    assert!(run(text).is_ok());
}

/// A YAML "billion laughs" of strings: one 30 KB scalar replayed 10^4 times
/// through nested aliases. `parse_documents` (`spillway-kube/src/scenario.rs`) sets
/// `serde_saphyr::Options::budget = None`, so every copy is materialised: this
/// 30 KB file allocates ~330 MB, one more nesting level (10^5 copies) 3.3 GB, and
/// 10^6 copies exhaust memory (libFuzzer: out-of-memory). serde-saphyr's default
/// budget rejects it at once ("budget breached: ScalarBytes"); so does upstream's
/// YAML decoder ("excessive aliasing").
#[test]
fn yaml_alias_bomb_is_rejected() {
    let mut text = format!("description:\n  s: &s \"{}\"\n", "x".repeat(30_000));
    text.push_str(&format!("  a0: &a0 [{}]\n", ["*s"; 10].join(",")));
    for level in 1..4 {
        let prev = format!("*a{}", level - 1);
        let refs = [prev.as_str(); 10].join(",");
        text.push_str(&format!("  a{level}: &a{level} [{refs}]\n"));
    }
    assert!(Scenario::parse(Path::new("fuzz.yaml"), &text).is_err());
}

/// A running pod requesting 1E cpu (10^21 milli, saturated to `i64::MAX`) and an
/// incoming best-effort pod: the pod fits (it requests nothing), then scoring adds
/// its non-zero default (100m) to the node's non-zero cpu: "attempt to add with
/// overflow" at `spillway-core/src/plugins/resource_allocation.rs:71`
/// (`allocatable_and_requested`, from `Vectors::fill` in NodeResourcesFit's score).
#[test]
fn scoring_request_sum_overflow() {
    let text = r#"{
        "nodes": [{"metadata": {"name": "n0"},
                   "status": {"allocatable": {"cpu": "4", "memory": "1Gi", "pods": "10"}}}],
        "pods": [{"metadata": {"name": "a"}, "spec": {"nodeName": "n0",
            "containers": [{"name": "c", "resources": {"requests": {"cpu": "1E"}}}]}}],
        "incoming": [{"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c"}]}}]
    }"#;
    assert_eq!(run(text), Ok(vec![Some("n0".to_string())]));
}

/// Like [`running_pod_requests_sum_overflow`], but the second pod requests no cpu:
/// `Res::add` is fine (adds 0) and the non-zero totals overflow instead (the
/// second pod counts the 100m default): "attempt to add with overflow" at
/// `spillway-core/src/cluster/mod.rs:411` (`ClusterState::apply`, the `nonzero`
/// sums; line 412 for memory), from `assume` during `Cluster::compile`.
#[test]
fn running_pod_nonzero_sum_overflow() {
    let text = r#"{
        "nodes": [{"metadata": {"name": "n0"}, "status": {"allocatable": {}}}],
        "pods": [
            {"metadata": {"name": "a"}, "spec": {"nodeName": "n0",
                "containers": [{"name": "c", "resources": {"requests": {"cpu": "1E"}}}]}},
            {"metadata": {"name": "b"}, "spec": {"nodeName": "n0", "containers": [{"name": "c"}]}}
        ]
    }"#;
    assert_eq!(run(text), Ok(vec![]));
}
