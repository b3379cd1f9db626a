//! Port of kube-scheduler v1.35's own TaintToleration test tables
//! (`pkg/scheduler/framework/plugins/tainttoleration/taint_toleration_test.go`):
//! `TestTaintTolerationFilter` and `TestTaintTolerationScore` (PreScore + Score +
//! NormalizeScore), driven through the public engine API.
//!
//! v1.35's Filter no longer names the taint: its reason is `node(s) had untolerated
//! taint(s)` (older test tables say `node(s) had untolerated taint {key: value}`).
//!
//! Skipped upstream cases (reason):
//! - cases with `Gt`/`Lt` toleration operators: TaintTolerationComparisonOperators is alpha (off by default) in v1.35.
//! - TestIsSchedulableAfterNodeChange, Test_isSchedulableAfterPodChange (all cases): queueing hints, no effect on one scheduling cycle.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Debug;

use spillway_core::framework::{Code, Evaluation};
use spillway_core::spec::{Node, Pod, Taint, TaintEffect, Toleration, TolerationOperator};
use spillway_core::{Cluster, ClusterSpec, Plugin, Profile, Quantity, Scheduler, Snapshot};

/// v1.35's Filter reason.
const ERR_REASON: &str = "node(s) had untolerated taint(s)";

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

fn taint(key: &str, value: &str, effect: TaintEffect) -> Taint {
    Taint {
        key: key.to_string(),
        value: value.to_string(),
        effect,
    }
}

/// A toleration as upstream writes it; an empty operator means `Equal`.
fn tol(
    key: &str,
    operator: TolerationOperator,
    value: &str,
    effect: Option<TaintEffect>,
) -> Toleration {
    Toleration {
        key: key.to_string(),
        operator,
        value: value.to_string(),
        effect,
    }
}

/// `nodeWithTaints`, plus room for one pod so that NodeResourcesFit never decides.
fn node_with_taints(name: &str, taints: Vec<Taint>) -> Node {
    let mut n = Node {
        name: name.to_string(),
        taints,
        ..Node::default()
    };
    n.allocatable
        .insert("pods".to_string(), Quantity::from_value(110));
    n
}

/// `podWithTolerations`: no containers.
fn pod_with_tolerations(name: &str, tolerations: Vec<Toleration>) -> Pod {
    Pod {
        namespace: "default".to_string(),
        name: name.to_string(),
        tolerations,
        ..Pod::default()
    }
}

fn compile(nodes: Vec<Node>, pod: Pod) -> Snapshot {
    Cluster::compile(&ClusterSpec {
        nodes,
        incoming: vec![pod],
        ..ClusterSpec::default()
    })
    .expect("compile")
}

fn evaluate(snap: &Snapshot) -> Evaluation {
    Scheduler::new(&snap.cluster, Profile::default()).evaluate(&snap.state, snap.incoming[0])
}

fn eq<T: PartialEq + Debug>(case: &str, what: &str, got: T, want: T) -> Result<(), String> {
    if got == want {
        Ok(())
    } else {
        Err(format!("{case}: {what}: got {got:?}, want {want:?}"))
    }
}

fn run_table<C>(cases: &[C], check: impl Fn(&C) -> Result<(), String>) {
    assert!(!cases.is_empty(), "no cases");
    let failures: Vec<String> = cases.iter().filter_map(|c| check(c).err()).collect();
    assert!(
        failures.is_empty(),
        "failed cases:\n{}",
        failures.join("\n")
    );
}

// ---------------------------------------------------------------------------------------
// TestTaintTolerationScore
// ---------------------------------------------------------------------------------------

struct ScoreCase {
    name: &'static str,
    pod: Pod,
    nodes: Vec<Node>,
    /// Normalised scores, in node order.
    expected: &'static [(&'static str, i64)],
}

fn score_cases() -> Vec<ScoreCase> {
    use TaintEffect::*;
    use TolerationOperator::Equal;
    vec![
        // basic test case
        ScoreCase {
            name: "node with taints tolerated by the pod, gets a higher score than those node with intolerable taints",
            pod: pod_with_tolerations(
                "pod1",
                vec![tol("foo", Equal, "bar", Some(PreferNoSchedule))],
            ),
            nodes: vec![
                node_with_taints("nodeA", vec![taint("foo", "bar", PreferNoSchedule)]),
                node_with_taints("nodeB", vec![taint("foo", "blah", PreferNoSchedule)]),
            ],
            expected: &[("nodeA", 100), ("nodeB", 0)],
        },
        // the count of taints that are tolerated by pod, does not matter.
        ScoreCase {
            name: "the nodes that all of their taints are tolerated by the pod, get the same score, no matter how many tolerable taints a node has",
            pod: pod_with_tolerations(
                "pod1",
                vec![
                    tol("cpu-type", Equal, "arm64", Some(PreferNoSchedule)),
                    tol("disk-type", Equal, "ssd", Some(PreferNoSchedule)),
                ],
            ),
            nodes: vec![
                node_with_taints("nodeA", vec![]),
                node_with_taints("nodeB", vec![taint("cpu-type", "arm64", PreferNoSchedule)]),
                node_with_taints(
                    "nodeC",
                    vec![
                        taint("cpu-type", "arm64", PreferNoSchedule),
                        taint("disk-type", "ssd", PreferNoSchedule),
                    ],
                ),
            ],
            expected: &[("nodeA", 100), ("nodeB", 100), ("nodeC", 100)],
        },
        // the count of taints on a node that are not tolerated by pod, matters.
        ScoreCase {
            name: "the more intolerable taints a node has, the lower score it gets.",
            pod: pod_with_tolerations(
                "pod1",
                vec![tol("foo", Equal, "bar", Some(PreferNoSchedule))],
            ),
            nodes: vec![
                node_with_taints("nodeA", vec![]),
                node_with_taints("nodeB", vec![taint("cpu-type", "arm64", PreferNoSchedule)]),
                node_with_taints(
                    "nodeC",
                    vec![
                        taint("cpu-type", "arm64", PreferNoSchedule),
                        taint("disk-type", "ssd", PreferNoSchedule),
                    ],
                ),
            ],
            expected: &[("nodeA", 100), ("nodeB", 50), ("nodeC", 0)],
        },
        // taints-tolerations priority only takes care about the taints and tolerations that have effect PreferNoSchedule
        ScoreCase {
            name: "only taints and tolerations that have effect PreferNoSchedule are checked by taints-tolerations priority function",
            pod: pod_with_tolerations(
                "pod1",
                vec![
                    tol("cpu-type", Equal, "arm64", Some(NoSchedule)),
                    tol("disk-type", Equal, "ssd", Some(NoSchedule)),
                ],
            ),
            nodes: vec![
                node_with_taints("nodeA", vec![]),
                node_with_taints("nodeB", vec![taint("cpu-type", "arm64", NoSchedule)]),
                node_with_taints(
                    "nodeC",
                    vec![
                        taint("cpu-type", "arm64", PreferNoSchedule),
                        taint("disk-type", "ssd", PreferNoSchedule),
                    ],
                ),
            ],
            expected: &[("nodeA", 100), ("nodeB", 100), ("nodeC", 0)],
        },
        ScoreCase {
            name: "Default behaviour No taints and tolerations, lands on node with no taints",
            //pod without tolerations
            pod: pod_with_tolerations("pod1", vec![]),
            nodes: vec![
                //Node without taints
                node_with_taints("nodeA", vec![]),
                node_with_taints("nodeB", vec![taint("cpu-type", "arm64", PreferNoSchedule)]),
            ],
            expected: &[("nodeA", 100), ("nodeB", 0)],
        },
    ]
}

fn check_score(c: &ScoreCase) -> Result<(), String> {
    let name = c.name;
    let snap = compile(c.nodes.clone(), c.pod.clone());
    let ev = evaluate(&snap);
    eq(name, "rejected nodes", ev.rejected.len(), 0)?;
    let got: Vec<(String, Option<i64>)> = ev
        .feasible
        .iter()
        .map(|ns| {
            let score = ns
                .plugins
                .iter()
                .find(|p| p.0 == Plugin::TaintToleration)
                .map(|p| p.2);
            (snap.cluster.node_name(ns.node).to_string(), score)
        })
        .collect();
    let want: Vec<(String, Option<i64>)> = c
        .expected
        .iter()
        .map(|(n, s)| (n.to_string(), Some(*s)))
        .collect();
    eq(name, "normalized TaintToleration scores", got, want)
}

#[test]
fn test_taint_toleration_score() {
    run_table(&score_cases(), check_score);
}

// ---------------------------------------------------------------------------------------
// TestTaintTolerationFilter
// ---------------------------------------------------------------------------------------

struct FilterCase {
    name: &'static str,
    pod: Pod,
    node: Node,
    /// `Some(reason)`: rejected by TaintToleration (UnschedulableAndUnresolvable).
    want_status: Option<&'static str>,
}

fn filter_cases() -> Vec<FilterCase> {
    use TaintEffect::*;
    use TolerationOperator::{Equal, Exists};
    vec![
        FilterCase {
            name: "A pod having no tolerations can't be scheduled onto a node with nonempty taints",
            pod: pod_with_tolerations("pod1", vec![]),
            node: node_with_taints("nodeA", vec![taint("dedicated", "user1", NoSchedule)]),
            want_status: Some(ERR_REASON),
        },
        FilterCase {
            name: "A pod which can be scheduled on a dedicated node assigned to user1 with effect NoSchedule",
            pod: pod_with_tolerations(
                "pod1",
                vec![tol("dedicated", Equal, "user1", Some(NoSchedule))],
            ),
            node: node_with_taints("nodeA", vec![taint("dedicated", "user1", NoSchedule)]),
            want_status: None,
        },
        FilterCase {
            name: "A pod which can't be scheduled on a dedicated node assigned to user2 with effect NoSchedule",
            pod: pod_with_tolerations(
                "pod1",
                vec![tol("dedicated", Equal, "user2", Some(NoSchedule))],
            ),
            node: node_with_taints("nodeA", vec![taint("dedicated", "user1", NoSchedule)]),
            want_status: Some(ERR_REASON),
        },
        FilterCase {
            name: "A pod can be scheduled onto the node, with a toleration uses operator Exists that tolerates the taints on the node",
            pod: pod_with_tolerations("pod1", vec![tol("foo", Exists, "", Some(NoSchedule))]),
            node: node_with_taints("nodeA", vec![taint("foo", "bar", NoSchedule)]),
            want_status: None,
        },
        FilterCase {
            name: "A pod has multiple tolerations, node has multiple taints, all the taints are tolerated, pod can be scheduled onto the node",
            pod: pod_with_tolerations(
                "pod1",
                vec![
                    tol("dedicated", Equal, "user2", Some(NoSchedule)),
                    tol("foo", Exists, "", Some(NoSchedule)),
                ],
            ),
            node: node_with_taints(
                "nodeA",
                vec![
                    taint("dedicated", "user2", NoSchedule),
                    taint("foo", "bar", NoSchedule),
                ],
            ),
            want_status: None,
        },
        FilterCase {
            name: "A pod has a toleration that keys and values match the taint on the node, but (non-empty) effect doesn't match, can't be scheduled onto the node",
            pod: pod_with_tolerations(
                "pod1",
                vec![tol("foo", Equal, "bar", Some(PreferNoSchedule))],
            ),
            node: node_with_taints("nodeA", vec![taint("foo", "bar", NoSchedule)]),
            want_status: Some(ERR_REASON),
        },
        FilterCase {
            name: "The pod has a toleration that keys and values match the taint on the node, the effect of toleration is empty, and the effect of taint is NoSchedule. Pod can be scheduled onto the node",
            pod: pod_with_tolerations("pod1", vec![tol("foo", Equal, "bar", None)]),
            node: node_with_taints("nodeA", vec![taint("foo", "bar", NoSchedule)]),
            want_status: None,
        },
        FilterCase {
            name: "The pod has a toleration that key and value don't match the taint on the node, but the effect of taint on node is PreferNoSchedule. Pod can be scheduled onto the node",
            pod: pod_with_tolerations(
                "pod1",
                vec![tol("dedicated", Equal, "user2", Some(NoSchedule))],
            ),
            node: node_with_taints("nodeA", vec![taint("dedicated", "user1", PreferNoSchedule)]),
            want_status: None,
        },
        FilterCase {
            name: "The pod has no toleration, but the effect of taint on node is PreferNoSchedule. Pod can be scheduled onto the node",
            pod: pod_with_tolerations("pod1", vec![]),
            node: node_with_taints("nodeA", vec![taint("dedicated", "user1", PreferNoSchedule)]),
            want_status: None,
        },
    ]
}

fn check_filter(c: &FilterCase) -> Result<(), String> {
    let name = c.name;
    let snap = compile(vec![c.node.clone()], c.pod.clone());
    let ev = evaluate(&snap);
    match c.want_status {
        None => {
            eq(name, "rejected nodes", ev.rejected.len(), 0)?;
            eq(name, "feasible nodes", ev.feasible.len(), 1)
        }
        Some(reason) => {
            eq(name, "feasible nodes", ev.feasible.len(), 0)?;
            let (_, r) = ev.rejected.first().ok_or(format!("{name}: not rejected"))?;
            eq(name, "plugin", r.plugin, Plugin::TaintToleration)?;
            eq(name, "code", r.code, Code::UnschedulableAndUnresolvable)?;
            eq(
                name,
                "message",
                r.message(&snap.cluster),
                reason.to_string(),
            )
        }
    }
}

#[test]
fn test_taint_toleration_filter() {
    run_table(&filter_cases(), check_filter);
}
