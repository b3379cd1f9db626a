//! Port of kube-scheduler v1.35's own NodeUnschedulable test table
//! (`pkg/scheduler/framework/plugins/nodeunschedulable/node_unschedulable_test.go`):
//! `TestNodeUnschedulable` (Filter), driven through the public engine API.
//!
//! Skipped upstream cases (reason):
//! - TestIsSchedulableAfterNodeChange, TestIsSchedulableAfterPodTolerationChange (all cases): queueing hints, no effect on one scheduling cycle.
//! - deferred in-place resize cases of later upstream versions: InPlacePodVerticalScalingSchedulerPreemption does not exist / is off in v1.35.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Debug;

use spillway_core::framework::{Code, Evaluation};
use spillway_core::spec::{Node, Pod, TaintEffect, Toleration, TolerationOperator};
use spillway_core::{Cluster, ClusterSpec, Plugin, Profile, Quantity, Scheduler, Snapshot};

/// `ErrReasonUnschedulable`.
const ERR_REASON_UNSCHEDULABLE: &str = "node(s) were unschedulable";

fn node(unschedulable: bool) -> Node {
    let mut n = Node {
        name: "node".to_string(),
        unschedulable,
        ..Node::default()
    };
    n.allocatable
        .insert("pods".to_string(), Quantity::from_value(110));
    n
}

fn pod(tolerations: Vec<Toleration>) -> Pod {
    Pod {
        namespace: "default".to_string(),
        name: "pod".to_string(),
        tolerations,
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
    /// `Some(reason)`: rejected by NodeUnschedulable (UnschedulableAndUnresolvable).
    want_status: Option<&'static str>,
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "Does not schedule pod to unschedulable node (node.Spec.Unschedulable==true)",
            pod: pod(vec![]),
            node: node(true),
            want_status: Some(ERR_REASON_UNSCHEDULABLE),
        },
        Case {
            name: "Schedule pod to normal node",
            pod: pod(vec![]),
            node: node(false),
            want_status: None,
        },
        Case {
            name: "Schedule pod with toleration to unschedulable node (node.Spec.Unschedulable==true)",
            pod: pod(vec![Toleration {
                key: "node.kubernetes.io/unschedulable".to_string(),
                operator: TolerationOperator::Equal,
                value: String::new(),
                effect: Some(TaintEffect::NoSchedule),
            }]),
            node: node(true),
            want_status: None,
        },
    ]
}

fn check(c: &Case) -> Result<(), String> {
    let name = c.name;
    let (snap, ev) = evaluate(c.node.clone(), c.pod.clone());
    match c.want_status {
        None => {
            eq(name, "rejected nodes", ev.rejected.len(), 0)?;
            eq(name, "feasible nodes", ev.feasible.len(), 1)
        }
        Some(reason) => {
            eq(name, "feasible nodes", ev.feasible.len(), 0)?;
            let (_, r) = ev.rejected.first().ok_or(format!("{name}: not rejected"))?;
            eq(name, "plugin", r.plugin, Plugin::NodeUnschedulable)?;
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
fn test_node_unschedulable() {
    let cases = cases();
    assert!(!cases.is_empty());
    let failures: Vec<String> = cases.iter().filter_map(|c| check(c).err()).collect();
    assert!(
        failures.is_empty(),
        "failed cases:\n{}",
        failures.join("\n")
    );
}
