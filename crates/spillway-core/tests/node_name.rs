//! Port of kube-scheduler v1.35's own NodeName test table
//! (`pkg/scheduler/framework/plugins/nodename/node_name_test.go`): `TestNodeName`
//! (Filter), driven through the public engine API.
//!
//! Skipped upstream cases (reason):
//! - TestNodeName_PreFilter "assigned pod with nodeName set, prefilter restricts to assigned node": NodeName has no PreFilter in v1.35 (added later, behind InPlacePodVerticalScalingSchedulerPreemption).
//! - TestNodeName_PreFilter "unassigned pod without nodeName set, prefilter returns nil": same (no PreFilter in v1.35).
//! - Test_isSchedulableAfterNodeChange (all cases, where present): queueing hints, no effect on one scheduling cycle.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Debug;

use spillway_core::framework::{Code, Evaluation};
use spillway_core::spec::{Node, Pod};
use spillway_core::{Cluster, ClusterSpec, Plugin, Profile, Quantity, Scheduler, Snapshot};

/// `ErrReason`.
const ERR_REASON: &str = "node(s) didn't match the requested node name";

fn node(name: &str) -> Node {
    let mut n = Node {
        name: name.to_string(),
        ..Node::default()
    };
    n.allocatable
        .insert("pods".to_string(), Quantity::from_value(110));
    n
}

/// A pod with `spec.nodeName` (`st.MakePod().Node(..)`), or none.
fn pod(node_name: Option<&str>) -> Pod {
    Pod {
        namespace: "default".to_string(),
        name: "pod".to_string(),
        node_name: node_name.map(str::to_string),
        ..Pod::default()
    }
}

fn evaluate(node: Node, pod: Pod) -> (Snapshot, Evaluation) {
    let snap = Cluster::compile(&ClusterSpec {
        nodes: vec![node],
        incoming: vec![pod],
        ..ClusterSpec::default()
    })
    .expect("compile");
    let ev =
        Scheduler::new(&snap.cluster, Profile::default()).evaluate(&snap.state, snap.incoming[0]);
    (snap, ev)
}

fn eq<T: PartialEq + Debug>(case: &str, what: &str, got: T, want: T) -> Result<(), String> {
    if got == want {
        Ok(())
    } else {
        Err(format!("{case}: {what}: got {got:?}, want {want:?}"))
    }
}

struct Case {
    name: &'static str,
    pod: Pod,
    node: Node,
    /// `Some(reason)`: rejected by NodeName (UnschedulableAndUnresolvable).
    want_status: Option<&'static str>,
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            // Upstream's node has no name; a node here must have one.
            name: "no host specified",
            pod: pod(None),
            node: node("node"),
            want_status: None,
        },
        Case {
            name: "host matches",
            pod: pod(Some("foo")),
            node: node("foo"),
            want_status: None,
        },
        Case {
            name: "host doesn't match",
            pod: pod(Some("bar")),
            node: node("foo"),
            want_status: Some(ERR_REASON),
        },
    ]
}

fn check(c: &Case) -> Result<(), String> {
    let name = c.name;
    let (snap, ev) = evaluate(c.node.clone(), c.pod.clone());
    // NodeName has no PreFilter in v1.35: nothing narrows the candidates.
    eq(
        name,
        "PreFilterResult",
        ev.pre_filter_node_names.clone(),
        None,
    )?;
    match c.want_status {
        None => {
            eq(name, "rejected nodes", ev.rejected.len(), 0)?;
            eq(name, "feasible nodes", ev.feasible.len(), 1)
        }
        Some(reason) => {
            eq(name, "feasible nodes", ev.feasible.len(), 0)?;
            let (_, r) = ev.rejected.first().ok_or(format!("{name}: not rejected"))?;
            eq(name, "plugin", r.plugin, Plugin::NodeName)?;
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
fn test_node_name() {
    let cases = cases();
    assert!(!cases.is_empty());
    let failures: Vec<String> = cases.iter().filter_map(|c| check(c).err()).collect();
    assert!(
        failures.is_empty(),
        "failed cases:\n{}",
        failures.join("\n")
    );
}
