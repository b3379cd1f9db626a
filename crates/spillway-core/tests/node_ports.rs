//! Port of kube-scheduler v1.35's own NodePorts test table
//! (`pkg/scheduler/framework/plugins/nodeports/node_ports_test.go`): `TestNodePorts`
//! (PreFilter + Filter), driven through the public engine API.
//!
//! Upstream's `newPod` sets `spec.nodeName: m1` on both the incoming and the existing
//! pod; the node here is called `m1` so that NodeName passes.
//!
//! Skipped upstream cases (reason):
//! - TestPreFilterDisabled: calls Filter without PreFilter (an internal error path); a cycle always runs PreFilter.
//! - Test_isSchedulableAfterPodDeleted (all cases): queueing hints, no effect on one scheduling cycle.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Debug;

use spillway_core::framework::{Code, Evaluation};
use spillway_core::spec::{Container, ContainerPort, Node, Pod};
use spillway_core::{Cluster, ClusterSpec, Plugin, Profile, Quantity, Scheduler, Snapshot};

/// `ErrReason`.
const ERR_REASON: &str = "node(s) didn't have free ports for the requested pod ports";

fn node() -> Node {
    let mut n = Node {
        name: "m1".to_string(),
        ..Node::default()
    };
    n.allocatable
        .insert("pods".to_string(), Quantity::from_value(110));
    n
}

/// `"PROTOCOL/hostIP/hostPort"` as upstream's `newPod` parses it.
fn port(info: &str) -> ContainerPort {
    let parts: Vec<&str> = info.split('/').collect();
    ContainerPort {
        container_port: 0,
        host_port: parts[2].parse().unwrap(),
        host_ip: parts[1].to_string(),
        protocol: parts[0].to_string(),
    }
}

/// Upstream's `newPod(host, hostPortInfos...)`: one container with the ports.
fn new_pod(name: &str, host: &str, ports: &[&str]) -> Pod {
    Pod {
        namespace: "default".to_string(),
        name: name.to_string(),
        node_name: Some(host.to_string()),
        containers: vec![Container {
            name: "container".to_string(),
            ports: ports.iter().map(|p| port(p)).collect(),
            ..Container::default()
        }],
        ..Pod::default()
    }
}

/// `st.MakePod().InitContainerPort(sidecar, [{containerPort: 8001, hostPort: 8001, TCP}])`.
fn init_container_port_pod(sidecar: bool) -> Pod {
    Pod {
        namespace: "default".to_string(),
        name: "pod".to_string(),
        init_containers: vec![Container {
            name: "init-container".to_string(),
            image: "pause".to_string(),
            ports: vec![ContainerPort {
                container_port: 8001,
                host_port: 8001,
                host_ip: String::new(),
                protocol: "TCP".to_string(),
            }],
            restart_policy_always: sidecar,
            ..Container::default()
        }],
        ..Pod::default()
    }
}

fn evaluate(existing: Option<Pod>, pod: Pod) -> (Snapshot, Evaluation) {
    let snap = Cluster::compile(&ClusterSpec {
        nodes: vec![node()],
        running: existing.into_iter().collect(),
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
    /// The pod already on the node (upstream's `framework.NewNodeInfo(pods...)`).
    existing: Option<Pod>,
    want_pre_filter_skip: bool,
    /// `Some(reason)`: rejected by NodePorts (Unschedulable).
    want_filter_status: Option<&'static str>,
}

fn cases() -> Vec<Case> {
    let existing = |ports: &[&str]| Some(new_pod("existing", "m1", ports));
    vec![
        Case {
            name: "skip filter",
            pod: Pod {
                namespace: "default".to_string(),
                name: "pod".to_string(),
                ..Pod::default()
            },
            existing: None,
            want_pre_filter_skip: true,
            want_filter_status: None,
        },
        Case {
            name: "other port",
            pod: new_pod("pod", "m1", &["UDP/127.0.0.1/8080"]),
            existing: existing(&["UDP/127.0.0.1/9090"]),
            want_pre_filter_skip: false,
            want_filter_status: None,
        },
        Case {
            name: "same udp port",
            pod: new_pod("pod", "m1", &["UDP/127.0.0.1/8080"]),
            existing: existing(&["UDP/127.0.0.1/8080"]),
            want_pre_filter_skip: false,
            want_filter_status: Some(ERR_REASON),
        },
        Case {
            name: "same tcp port",
            pod: new_pod("pod", "m1", &["TCP/127.0.0.1/8080"]),
            existing: existing(&["TCP/127.0.0.1/8080"]),
            want_pre_filter_skip: false,
            want_filter_status: Some(ERR_REASON),
        },
        Case {
            name: "different host ip",
            pod: new_pod("pod", "m1", &["TCP/127.0.0.1/8080"]),
            existing: existing(&["TCP/127.0.0.2/8080"]),
            want_pre_filter_skip: false,
            want_filter_status: None,
        },
        Case {
            name: "different protocol",
            pod: new_pod("pod", "m1", &["UDP/127.0.0.1/8080"]),
            existing: existing(&["TCP/127.0.0.1/8080"]),
            want_pre_filter_skip: false,
            want_filter_status: None,
        },
        Case {
            name: "second udp port conflict",
            pod: new_pod("pod", "m1", &["UDP/127.0.0.1/8000", "UDP/127.0.0.1/8080"]),
            existing: existing(&["UDP/127.0.0.1/8080"]),
            want_pre_filter_skip: false,
            want_filter_status: Some(ERR_REASON),
        },
        Case {
            name: "first tcp port conflict",
            pod: new_pod("pod", "m1", &["TCP/127.0.0.1/8001", "UDP/127.0.0.1/8080"]),
            existing: existing(&["TCP/127.0.0.1/8001", "UDP/127.0.0.1/8081"]),
            want_pre_filter_skip: false,
            want_filter_status: Some(ERR_REASON),
        },
        Case {
            name: "first tcp port conflict due to 0.0.0.0 hostIP",
            pod: new_pod("pod", "m1", &["TCP/0.0.0.0/8001"]),
            existing: existing(&["TCP/127.0.0.1/8001"]),
            want_pre_filter_skip: false,
            want_filter_status: Some(ERR_REASON),
        },
        Case {
            name: "TCP hostPort conflict due to 0.0.0.0 hostIP",
            pod: new_pod("pod", "m1", &["TCP/10.0.10.10/8001", "TCP/0.0.0.0/8001"]),
            existing: existing(&["TCP/127.0.0.1/8001"]),
            want_pre_filter_skip: false,
            want_filter_status: Some(ERR_REASON),
        },
        Case {
            name: "second tcp port conflict to 0.0.0.0 hostIP",
            pod: new_pod("pod", "m1", &["TCP/127.0.0.1/8001"]),
            existing: existing(&["TCP/0.0.0.0/8001"]),
            want_pre_filter_skip: false,
            want_filter_status: Some(ERR_REASON),
        },
        Case {
            name: "second different protocol",
            pod: new_pod("pod", "m1", &["UDP/127.0.0.1/8001"]),
            existing: existing(&["TCP/0.0.0.0/8001"]),
            want_pre_filter_skip: false,
            want_filter_status: None,
        },
        Case {
            name: "UDP hostPort conflict due to 0.0.0.0 hostIP",
            pod: new_pod("pod", "m1", &["UDP/127.0.0.1/8001"]),
            existing: existing(&["TCP/0.0.0.0/8001", "UDP/0.0.0.0/8001"]),
            want_pre_filter_skip: false,
            want_filter_status: Some(ERR_REASON),
        },
        Case {
            name: "non-sidecar initContainer using hostPort",
            pod: init_container_port_pod(false),
            existing: existing(&["TCP/0.0.0.0/8001"]),
            want_pre_filter_skip: true,
            want_filter_status: None,
        },
        Case {
            name: "TCP hostPort conflict from sidecar initContainer",
            pod: init_container_port_pod(true),
            existing: existing(&["TCP/0.0.0.0/8001"]),
            want_pre_filter_skip: false,
            want_filter_status: Some(ERR_REASON),
        },
    ]
}

fn check(c: &Case) -> Result<(), String> {
    let name = c.name;
    let (snap, ev) = evaluate(c.existing.clone(), c.pod.clone());
    eq(
        name,
        "NodePorts PreFilter Skip",
        ev.skipped_filter.contains(&Plugin::NodePorts),
        c.want_pre_filter_skip,
    )?;
    match c.want_filter_status {
        None => {
            eq(name, "rejected nodes", ev.rejected.len(), 0)?;
            eq(name, "feasible nodes", ev.feasible.len(), 1)
        }
        Some(reason) => {
            eq(name, "feasible nodes", ev.feasible.len(), 0)?;
            let (_, r) = ev.rejected.first().ok_or(format!("{name}: not rejected"))?;
            eq(name, "plugin", r.plugin, Plugin::NodePorts)?;
            eq(name, "code", r.code, Code::Unschedulable)?;
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
fn test_node_ports() {
    let cases = cases();
    assert!(!cases.is_empty());
    let failures: Vec<String> = cases.iter().filter_map(|c| check(c).err()).collect();
    assert!(
        failures.is_empty(),
        "failed cases:\n{}",
        failures.join("\n")
    );
}
