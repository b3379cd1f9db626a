//! Port of kube-scheduler v1.35's own NodeAffinity test tables
//! (`pkg/scheduler/framework/plugins/nodeaffinity/node_affinity_test.go`):
//! `TestNodeAffinity` (PreFilter + Filter) and `TestNodeAffinityPriority` (Score +
//! NormalizeScore), driven through the public engine API, one node per filter case.
//!
//! Upstream calls the plugin's PreFilter/Filter directly; here a whole scheduling cycle
//! runs, so a node left out by NodeAffinity's `PreFilterResult` is reported the way the
//! framework reports it (`node(s) didn't satisfy plugin(s) [NodeAffinity]`, code
//! UnschedulableAndUnresolvable) instead of with the Filter status upstream asserts for
//! the same node when it calls Filter by hand.
//!
//! Skipped upstream cases (reason):
//! - TestNodeAffinity "Matches added affinity and Pod's node affinity": `NodeAffinityArgs.addedAffinity` is not expressible through `Profile`.
//! - TestNodeAffinity "Matches added affinity but not Pod's node affinity": same (addedAffinity).
//! - TestNodeAffinity "Doesn't match added affinity": same (addedAffinity).
//! - TestNodeAffinityPriority "added affinity": same (addedAffinity).
//! - TestNodeAffinityPriority "added affinity and pod has default affinity": same (addedAffinity).
//! - Test_isSchedulableAfterNodeChange (all cases): queueing hints, no effect on one scheduling cycle.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Debug;

use spillway_core::framework::{Code, Evaluation};
use spillway_core::spec::{
    Node, NodeAffinity, NodeSelector, NodeSelectorTerm, Operator, Pod, PreferredSchedulingTerm,
    Requirement,
};
use spillway_core::{Cluster, ClusterSpec, Error, Plugin, Profile, Quantity, Scheduler, Snapshot};

/// `ErrReasonPod`.
const ERR_REASON_POD: &str = "node(s) didn't match Pod's node affinity/selector";
/// `errReasonConflict`.
const ERR_REASON_CONFLICT: &str = "pod affinity terms conflict";
/// The framework's status for nodes a PreFilterResult left out.
const NARROWED: &str = "node(s) didn't satisfy plugin(s) [NodeAffinity]";

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

fn node(name: &str, labels: &[(&str, &str)]) -> Node {
    let mut n = Node {
        name: name.to_string(),
        ..Node::default()
    };
    for (k, v) in labels {
        n.labels.insert((*k).to_string(), (*v).to_string());
    }
    // Room for the pod, so that NodeResourcesFit never decides these cases.
    n.allocatable
        .insert("pods".to_string(), Quantity::from_value(110));
    n
}

/// `&v1.Pod{}`: no containers, nothing set.
fn pod() -> Pod {
    Pod {
        namespace: "default".to_string(),
        name: "pod".to_string(),
        ..Pod::default()
    }
}

fn req(key: &str, op: Operator, values: &[&str]) -> Requirement {
    Requirement::new(key, op, values)
}

fn term(exprs: Vec<Requirement>, fields: Vec<Requirement>) -> NodeSelectorTerm {
    NodeSelectorTerm {
        match_expressions: exprs,
        match_fields: fields,
    }
}

fn name_in(name: &str) -> Requirement {
    req("metadata.name", Operator::In, &[name])
}

fn with_node_selector(mut p: Pod, selector: &[(&str, &str)]) -> Pod {
    let sel = p.node_selector.get_or_insert_with(Default::default);
    for (k, v) in selector {
        sel.insert((*k).to_string(), (*v).to_string());
    }
    p
}

fn with_required(mut p: Pod, terms: Vec<NodeSelectorTerm>) -> Pod {
    p.node_affinity = Some(NodeAffinity {
        required: Some(NodeSelector { terms }),
        preferred: None,
    });
    p
}

fn with_preferred(mut p: Pod, terms: Vec<(i32, Vec<Requirement>)>) -> Pod {
    p.node_affinity = Some(NodeAffinity {
        required: None,
        preferred: Some(
            terms
                .into_iter()
                .map(|(weight, exprs)| PreferredSchedulingTerm {
                    weight,
                    preference: term(exprs, Vec::new()),
                })
                .collect(),
        ),
    });
    p
}

fn compile(nodes: Vec<Node>, pod: Pod) -> Result<Snapshot, Error> {
    Cluster::compile(&ClusterSpec {
        nodes,
        incoming: vec![pod],
        ..ClusterSpec::default()
    })
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

/// Runs every case and reports each failing one by its upstream name.
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
// TestNodeAffinity
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy)]
enum Want {
    /// The node passes every filter.
    Fits,
    /// The node is rejected by NodeAffinity with this code and message.
    Rejected(Code, &'static str),
    /// NodeAffinity's PreFilter rejects the pod (every node gets this status).
    PreFilterRejected(&'static str),
    /// The API server rejects the pod, or the scheduler never places it on the node:
    /// compiling fails, or the node is rejected by NodeAffinity.
    NotPlacedOrInvalid,
}

struct FilterCase {
    name: &'static str,
    pod: Pod,
    labels: &'static [(&'static str, &'static str)],
    /// Upstream's node name; upstream often leaves it empty, an empty name becomes `node`.
    node_name: &'static str,
    want_pre_filter_skip: bool,
    want_pre_filter_names: Option<&'static [&'static str]>,
    want: Want,
}

fn filter_cases() -> Vec<FilterCase> {
    use Code::UnschedulableAndUnresolvable as UU;
    use Operator::*;
    vec![
        FilterCase {
            name: "missing labels",
            pod: with_node_selector(pod(), &[("foo", "bar")]),
            labels: &[],
            node_name: "",
            want_pre_filter_skip: false,
            want_pre_filter_names: None,
            want: Want::Rejected(UU, ERR_REASON_POD),
        },
        FilterCase {
            name: "same labels",
            pod: with_node_selector(pod(), &[("foo", "bar")]),
            labels: &[("foo", "bar")],
            node_name: "",
            want_pre_filter_skip: false,
            want_pre_filter_names: None,
            want: Want::Fits,
        },
        FilterCase {
            name: "node labels are superset",
            pod: with_node_selector(pod(), &[("foo", "bar")]),
            labels: &[("foo", "bar"), ("baz", "blah")],
            node_name: "",
            want_pre_filter_skip: false,
            want_pre_filter_names: None,
            want: Want::Fits,
        },
        FilterCase {
            name: "node labels are subset",
            pod: with_node_selector(pod(), &[("foo", "bar"), ("baz", "blah")]),
            labels: &[("foo", "bar")],
            node_name: "",
            want_pre_filter_skip: false,
            want_pre_filter_names: None,
            want: Want::Rejected(UU, ERR_REASON_POD),
        },
        FilterCase {
            name: "Pod with matchExpressions using In operator that matches the existing node",
            pod: with_required(
                pod(),
                vec![term(vec![req("foo", In, &["bar", "value2"])], vec![])],
            ),
            labels: &[("foo", "bar")],
            node_name: "",
            want_pre_filter_skip: false,
            want_pre_filter_names: None,
            want: Want::Fits,
        },
        FilterCase {
            name: "Pod with matchExpressions using Gt operator that matches the existing node",
            pod: with_required(
                pod(),
                vec![term(vec![req("kernel-version", Gt, &["0204"])], vec![])],
            ),
            labels: &[("kernel-version", "0206")],
            node_name: "",
            want_pre_filter_skip: false,
            want_pre_filter_names: None,
            want: Want::Fits,
        },
        FilterCase {
            name: "Pod with matchExpressions using NotIn operator that matches the existing node",
            pod: with_required(
                pod(),
                vec![term(vec![req("mem-type", NotIn, &["DDR", "DDR2"])], vec![])],
            ),
            labels: &[("mem-type", "DDR3")],
            node_name: "",
            want_pre_filter_skip: false,
            want_pre_filter_names: None,
            want: Want::Fits,
        },
        FilterCase {
            name: "Pod with matchExpressions using Exists operator that matches the existing node",
            pod: with_required(pod(), vec![term(vec![req("GPU", Exists, &[])], vec![])]),
            labels: &[("GPU", "NVIDIA-GRID-K1")],
            node_name: "",
            want_pre_filter_skip: false,
            want_pre_filter_names: None,
            want: Want::Fits,
        },
        FilterCase {
            name: "Pod with affinity that don't match node's labels won't schedule onto the node",
            pod: with_required(
                pod(),
                vec![term(vec![req("foo", In, &["value1", "value2"])], vec![])],
            ),
            labels: &[("foo", "bar")],
            node_name: "",
            want_pre_filter_skip: false,
            want_pre_filter_names: None,
            want: Want::Rejected(UU, ERR_REASON_POD),
        },
        FilterCase {
            name: "Pod with empty MatchExpressions is not a valid value will match no objects and won't schedule onto the node",
            pod: with_required(pod(), vec![term(vec![], vec![])]),
            labels: &[("foo", "bar")],
            node_name: "",
            want_pre_filter_skip: false,
            want_pre_filter_names: None,
            want: Want::Rejected(UU, ERR_REASON_POD),
        },
        FilterCase {
            name: "Pod with no Affinity will schedule onto a node",
            pod: pod(),
            labels: &[("foo", "bar")],
            node_name: "",
            want_pre_filter_skip: true,
            want_pre_filter_names: None,
            want: Want::Fits,
        },
        FilterCase {
            name: "Pod with Affinity but nil NodeSelector will schedule onto a node",
            pod: Pod {
                node_affinity: Some(NodeAffinity {
                    required: None,
                    preferred: None,
                }),
                ..pod()
            },
            labels: &[("foo", "bar")],
            node_name: "",
            want_pre_filter_skip: true,
            want_pre_filter_names: None,
            want: Want::Fits,
        },
        FilterCase {
            name: "Pod with multiple matchExpressions ANDed that matches the existing node",
            pod: with_required(
                pod(),
                vec![term(
                    vec![
                        req("GPU", Exists, &[]),
                        req("GPU", NotIn, &["AMD", "INTER"]),
                    ],
                    vec![],
                )],
            ),
            labels: &[("GPU", "NVIDIA-GRID-K1")],
            node_name: "",
            want_pre_filter_skip: false,
            want_pre_filter_names: None,
            want: Want::Fits,
        },
        FilterCase {
            name: "Pod with multiple matchExpressions ANDed that doesn't match the existing node",
            pod: with_required(
                pod(),
                vec![term(
                    vec![req("GPU", Exists, &[]), req("GPU", In, &["AMD", "INTER"])],
                    vec![],
                )],
            ),
            labels: &[("GPU", "NVIDIA-GRID-K1")],
            node_name: "",
            want_pre_filter_skip: false,
            want_pre_filter_names: None,
            want: Want::Rejected(UU, ERR_REASON_POD),
        },
        FilterCase {
            name: "Pod with multiple NodeSelectorTerms ORed in affinity, matches the node's labels and will schedule onto the node",
            pod: with_required(
                pod(),
                vec![
                    term(vec![req("foo", In, &["bar", "value2"])], vec![]),
                    term(vec![req("diffkey", In, &["wrong", "value2"])], vec![]),
                ],
            ),
            labels: &[("foo", "bar")],
            node_name: "",
            want_pre_filter_skip: false,
            want_pre_filter_names: None,
            want: Want::Fits,
        },
        FilterCase {
            name: "Pod with an Affinity and a PodSpec.NodeSelector(the old thing that we are deprecating) both are satisfied, will schedule onto the node",
            pod: with_node_selector(
                with_required(pod(), vec![term(vec![req("foo", Exists, &[])], vec![])]),
                &[("foo", "bar")],
            ),
            labels: &[("foo", "bar")],
            node_name: "",
            want_pre_filter_skip: false,
            want_pre_filter_names: None,
            want: Want::Fits,
        },
        FilterCase {
            name: "Pod with an Affinity matches node's labels but the PodSpec.NodeSelector(the old thing that we are deprecating) is not satisfied, won't schedule onto the node",
            pod: with_node_selector(
                with_required(pod(), vec![term(vec![req("foo", Exists, &[])], vec![])]),
                &[("foo", "bar")],
            ),
            labels: &[("foo", "barrrrrr")],
            node_name: "",
            want_pre_filter_skip: false,
            want_pre_filter_names: None,
            want: Want::Rejected(UU, ERR_REASON_POD),
        },
        FilterCase {
            // Upstream: the value is not a valid label value, so the term fails to parse
            // and matches nothing (`nodeSelectorTerm.match` returns its parseErr). The API
            // server rejects such values for new pods (`IsValidLabelValue` in
            // ValidateNodeSelectorRequirement); either outcome keeps the pod off the node.
            name: "Pod with an invalid value in Affinity term won't be scheduled onto the node",
            pod: with_required(
                pod(),
                vec![term(
                    vec![req("foo", NotIn, &["invalid value: ___@#$%^"])],
                    vec![],
                )],
            ),
            labels: &[("foo", "bar")],
            node_name: "",
            want_pre_filter_skip: false,
            want_pre_filter_names: None,
            want: Want::NotPlacedOrInvalid,
        },
        FilterCase {
            name: "Pod with matchFields using In operator that matches the existing node",
            pod: with_required(pod(), vec![term(vec![], vec![name_in("node1")])]),
            labels: &[],
            node_name: "node1",
            want_pre_filter_skip: false,
            want_pre_filter_names: Some(&["node1"]),
            want: Want::Fits,
        },
        FilterCase {
            // Upstream's Filter says ErrReasonPod; in a full cycle node2 is left out by the
            // PreFilterResult before Filter runs.
            name: "Pod with matchFields using In operator that does not match the existing node",
            pod: with_required(pod(), vec![term(vec![], vec![name_in("node1")])]),
            labels: &[],
            node_name: "node2",
            want_pre_filter_skip: false,
            want_pre_filter_names: Some(&["node1"]),
            want: Want::Rejected(UU, NARROWED),
        },
        FilterCase {
            name: "Pod with two terms: matchFields does not match, but matchExpressions matches",
            pod: with_required(
                pod(),
                vec![
                    term(vec![], vec![name_in("node1"), name_in("node2")]),
                    term(vec![req("foo", In, &["bar"])], vec![]),
                ],
            ),
            labels: &[("foo", "bar")],
            node_name: "node2",
            want_pre_filter_skip: false,
            want_pre_filter_names: None,
            want: Want::Fits,
        },
        FilterCase {
            // Upstream's Filter says ErrReasonPod; node2 is left out by the PreFilterResult.
            name: "Pod with one term: matchFields does not match, but matchExpressions matches",
            pod: with_required(
                pod(),
                vec![term(vec![req("foo", In, &["bar"])], vec![name_in("node1")])],
            ),
            labels: &[("foo", "bar")],
            node_name: "node2",
            want_pre_filter_skip: false,
            want_pre_filter_names: Some(&["node1"]),
            want: Want::Rejected(UU, NARROWED),
        },
        FilterCase {
            name: "Pod with one term: both matchFields and matchExpressions match",
            pod: with_required(
                pod(),
                vec![term(vec![req("foo", In, &["bar"])], vec![name_in("node1")])],
            ),
            labels: &[("foo", "bar")],
            node_name: "node1",
            want_pre_filter_skip: false,
            want_pre_filter_names: Some(&["node1"]),
            want: Want::Fits,
        },
        FilterCase {
            name: "Pod with two terms: both matchFields and matchExpressions do not match",
            pod: with_required(
                pod(),
                vec![
                    term(vec![], vec![name_in("node1")]),
                    term(vec![req("foo", In, &["not-match-to-bar"])], vec![]),
                ],
            ),
            labels: &[("foo", "bar")],
            node_name: "node2",
            want_pre_filter_skip: false,
            want_pre_filter_names: None,
            want: Want::Rejected(UU, ERR_REASON_POD),
        },
        FilterCase {
            name: "Pod with two terms of node.Name affinity",
            pod: with_required(
                pod(),
                vec![
                    term(vec![], vec![name_in("node1")]),
                    term(vec![], vec![name_in("node2")]),
                ],
            ),
            labels: &[],
            node_name: "node2",
            want_pre_filter_skip: false,
            want_pre_filter_names: Some(&["node1", "node2"]),
            want: Want::Fits,
        },
        FilterCase {
            name: "Pod with two conflicting mach field requirements",
            pod: with_required(
                pod(),
                vec![term(vec![], vec![name_in("node1"), name_in("node2")])],
            ),
            labels: &[("foo", "bar")],
            node_name: "node2",
            want_pre_filter_skip: false,
            want_pre_filter_names: None,
            want: Want::PreFilterRejected(ERR_REASON_CONFLICT),
        },
        FilterCase {
            // Upstream skips PreFilter here; the engine always runs it: same verdict.
            name: "Matches node selector correctly even if PreFilter is not called",
            pod: with_node_selector(pod(), &[("foo", "bar")]),
            labels: &[("foo", "bar"), ("baz", "blah")],
            node_name: "",
            want_pre_filter_skip: false,
            want_pre_filter_names: None,
            want: Want::Fits,
        },
        FilterCase {
            name: "Matches node affinity correctly even if PreFilter is not called",
            pod: with_required(
                pod(),
                vec![term(
                    vec![
                        req("GPU", Exists, &[]),
                        req("GPU", NotIn, &["AMD", "INTER"]),
                    ],
                    vec![],
                )],
            ),
            labels: &[("GPU", "NVIDIA-GRID-K1")],
            node_name: "",
            want_pre_filter_skip: false,
            want_pre_filter_names: None,
            want: Want::Fits,
        },
    ]
}

fn check_filter(c: &FilterCase) -> Result<(), String> {
    let name = c.name;
    let node_name = if c.node_name.is_empty() {
        "node"
    } else {
        c.node_name
    };
    let snap = match compile(vec![node(node_name, c.labels)], c.pod.clone()) {
        Ok(s) => s,
        Err(e) if matches!(c.want, Want::NotPlacedOrInvalid) => {
            // The API server's answer: the pod cannot exist.
            return eq(
                name,
                "compile error kind",
                matches!(e, Error::Invalid { .. }),
                true,
            );
        }
        Err(e) => return Err(format!("{name}: compile: {e}")),
    };
    let ev = evaluate(&snap);
    eq(
        name,
        "NodeAffinity PreFilter Skip",
        ev.skipped_filter.contains(&Plugin::NodeAffinity),
        c.want_pre_filter_skip,
    )?;
    eq(
        name,
        "PreFilterResult node names",
        ev.pre_filter_node_names.clone(),
        c.want_pre_filter_names
            .map(|n| n.iter().map(|s| s.to_string()).collect::<Vec<_>>()),
    )?;
    match c.want {
        Want::Fits => {
            eq(name, "pre_filter", ev.pre_filter.clone(), None)?;
            eq(name, "rejected nodes", ev.rejected.len(), 0)?;
            eq(name, "feasible nodes", ev.feasible.len(), 1)
        }
        Want::Rejected(code, reason) => {
            eq(name, "pre_filter", ev.pre_filter.clone(), None)?;
            eq(name, "feasible nodes", ev.feasible.len(), 0)?;
            let (_, r) = ev.rejected.first().ok_or(format!("{name}: not rejected"))?;
            eq(name, "plugin", r.plugin, Plugin::NodeAffinity)?;
            eq(name, "code", r.code, code)?;
            eq(
                name,
                "message",
                r.message(&snap.cluster),
                reason.to_string(),
            )
        }
        Want::PreFilterRejected(reason) => {
            let r = ev
                .pre_filter
                .as_ref()
                .ok_or(format!("{name}: PreFilter did not reject"))?;
            eq(name, "PreFilter plugin", r.plugin, Plugin::NodeAffinity)?;
            eq(
                name,
                "PreFilter code",
                r.code,
                Code::UnschedulableAndUnresolvable,
            )?;
            eq(
                name,
                "PreFilter message",
                r.message(&snap.cluster),
                reason.to_string(),
            )?;
            eq(name, "feasible nodes", ev.feasible.len(), 0)
        }
        Want::NotPlacedOrInvalid => {
            eq(name, "feasible nodes", ev.feasible.len(), 0)?;
            let (_, r) = ev.rejected.first().ok_or(format!("{name}: not rejected"))?;
            eq(name, "plugin", r.plugin, Plugin::NodeAffinity)?;
            eq(name, "code", r.code, Code::UnschedulableAndUnresolvable)?;
            eq(
                name,
                "message",
                r.message(&snap.cluster),
                ERR_REASON_POD.to_string(),
            )
        }
    }
}

#[test]
fn test_node_affinity() {
    run_table(&filter_cases(), check_filter);
}

// ---------------------------------------------------------------------------------------
// TestNodeAffinityPriority
// ---------------------------------------------------------------------------------------

type Labels = &'static [(&'static str, &'static str)];

const LABEL1: Labels = &[("foo", "bar")];
const LABEL2: Labels = &[("key", "value")];
const LABEL3: Labels = &[("az", "az1")];
const LABEL4: Labels = &[("abc", "az11"), ("def", "az22")];
const LABEL5: Labels = &[("foo", "bar"), ("key", "value"), ("az", "az1")];

fn affinity1() -> Pod {
    with_preferred(pod(), vec![(2, vec![req("foo", Operator::In, &["bar"])])])
}

fn affinity2() -> Pod {
    use Operator::In;
    with_preferred(
        pod(),
        vec![
            (2, vec![req("foo", In, &["bar"])]),
            (4, vec![req("key", In, &["value"])]),
            (
                5,
                vec![
                    req("foo", In, &["bar"]),
                    req("key", In, &["value"]),
                    req("az", In, &["az1"]),
                ],
            ),
        ],
    )
}

#[derive(Debug)]
enum WantScore {
    /// NodeAffinity's PreScore returns Skip (so every node scores 0 for it).
    Skip,
    /// Normalised scores, in node order.
    Scores(&'static [i64]),
    /// PreScore fails on the pod; the engine must refuse the pod at compile time (the
    /// API server rejects it too).
    Invalid,
}

struct ScoreCase {
    name: &'static str,
    pod: Pod,
    nodes: Vec<(&'static str, Labels)>,
    want: WantScore,
}

fn score_cases() -> Vec<ScoreCase> {
    vec![
        ScoreCase {
            // Upstream calls Score without PreScore: 0 everywhere. In a cycle PreScore
            // skips the plugin, which contributes 0 to every node.
            name: "all nodes are same priority as NodeAffinity is nil",
            pod: pod(),
            nodes: vec![("node1", LABEL1), ("node2", LABEL2), ("node3", LABEL3)],
            want: WantScore::Skip,
        },
        ScoreCase {
            name: "Skip is returned in PreScore when NodeAffinity is nil",
            pod: pod(),
            nodes: vec![("node1", LABEL1)],
            want: WantScore::Skip,
        },
        ScoreCase {
            name: "PreScore returns error when an incoming Pod has a broken affinity",
            pod: with_preferred(
                pod(),
                vec![(2, vec![req("invalid key", Operator::In, &["bar"])])],
            ),
            nodes: vec![("node1", LABEL1)],
            want: WantScore::Invalid,
        },
        ScoreCase {
            name: "no node matches preferred scheduling requirements in NodeAffinity of pod so all nodes' priority is zero",
            pod: affinity1(),
            nodes: vec![("node1", LABEL4), ("node2", LABEL2), ("node3", LABEL3)],
            want: WantScore::Scores(&[0, 0, 0]),
        },
        ScoreCase {
            name: "only node1 matches the preferred scheduling requirements of pod",
            pod: affinity1(),
            nodes: vec![("node1", LABEL1), ("node2", LABEL2), ("node3", LABEL3)],
            want: WantScore::Scores(&[100, 0, 0]),
        },
        ScoreCase {
            name: "all nodes matches the preferred scheduling requirements of pod but with different priorities ",
            pod: affinity2(),
            nodes: vec![("node1", LABEL1), ("node5", LABEL5), ("node2", LABEL2)],
            want: WantScore::Scores(&[18, 100, 36]),
        },
        ScoreCase {
            name: "calculate the priorities correctly even if PreScore is not called",
            pod: affinity2(),
            nodes: vec![("node1", LABEL1), ("node5", LABEL5), ("node2", LABEL2)],
            want: WantScore::Scores(&[18, 100, 36]),
        },
    ]
}

fn check_score(c: &ScoreCase) -> Result<(), String> {
    let name = c.name;
    let nodes: Vec<Node> = c.nodes.iter().map(|(n, l)| node(n, l)).collect();
    let snap = match (compile(nodes, c.pod.clone()), &c.want) {
        (Err(e), WantScore::Invalid) => {
            return eq(
                name,
                "compile error kind",
                matches!(e, Error::Invalid { .. }),
                true,
            );
        }
        (Ok(_), WantScore::Invalid) => {
            return Err(format!(
                "{name}: compiled a pod whose preferred term has an invalid label key"
            ));
        }
        (Err(e), _) => return Err(format!("{name}: compile: {e}")),
        (Ok(s), _) => s,
    };
    let ev = evaluate(&snap);
    eq(name, "feasible nodes", ev.feasible.len(), c.nodes.len())?;
    let scores: Vec<Option<(i64, i64)>> = ev
        .feasible
        .iter()
        .map(|ns| {
            ns.plugins
                .iter()
                .find(|p| p.0 == Plugin::NodeAffinity)
                .map(|p| (p.1, p.2))
        })
        .collect();
    match c.want {
        WantScore::Skip => {
            eq(
                name,
                "NodeAffinity PreScore Skip",
                ev.skipped_score.contains(&Plugin::NodeAffinity),
                true,
            )?;
            eq(
                name,
                "NodeAffinity scores",
                scores,
                vec![None; c.nodes.len()],
            )
        }
        WantScore::Scores(want) => {
            eq(
                name,
                "NodeAffinity PreScore Skip",
                ev.skipped_score.contains(&Plugin::NodeAffinity),
                false,
            )?;
            let normalized: Vec<Option<i64>> = scores.iter().map(|s| s.map(|s| s.1)).collect();
            eq(
                name,
                "normalized scores",
                normalized,
                want.iter().map(|s| Some(*s)).collect(),
            )
        }
        WantScore::Invalid => unreachable!(),
    }
}

#[test]
fn test_node_affinity_priority() {
    run_table(&score_cases(), check_score);
}
