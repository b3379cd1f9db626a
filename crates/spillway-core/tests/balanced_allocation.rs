//! Port of kube-scheduler v1.35's own NodeResourcesBalancedAllocation test table
//! (`pkg/scheduler/framework/plugins/noderesources/balanced_allocation_test.go`):
//! `TestNodeResourcesBalancedAllocation` (PreScore + Score), driven through the public
//! engine API; the plugin's `resources` argument is `Profile::balanced_resources`.
//!
//! Upstream scores nodes with Score alone; here the pod goes through a whole cycle, so
//! every node of a ported case must pass the filters. Upstream's incoming pod specs
//! carry `spec.nodeName` (they are shared with the existing pods); it is dropped from
//! the incoming pod, as Score ignores it and NodeName would reject the other node.
//!
//! Skipped upstream cases (reason):
//! - "include DRA resource on a node for balanced resource allocation": DRAExtendedResource is alpha (off by default) in v1.35.
//! - "include DRA resource on a node for balanced resource allocation if PreScore not called": same (DRAExtendedResource).
//! - TestBalancedAllocationSignPod (all cases): pod signatures (opportunistic batching) are internal, no effect on one pod's cycle.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Debug;

use spillway_core::framework::ResourceSpec;
use spillway_core::spec::{Container, Node, Pod, ResourceList};
use spillway_core::{Cluster, ClusterSpec, Plugin, Profile, Quantity, Scheduler};

fn q(s: &str) -> Quantity {
    Quantity::parse(s).unwrap()
}

fn list(pairs: &[(&str, &str)]) -> ResourceList {
    pairs.iter().map(|(k, v)| (k.to_string(), q(v))).collect()
}

/// `makeNode(name, milliCPU, memory, extendedResource)`, plus room for pods.
fn make_node(name: &str, milli_cpu: i64, memory: i64, extended: &[(&str, i64)]) -> Node {
    let mut n = Node {
        name: name.to_string(),
        ..Node::default()
    };
    n.allocatable
        .insert("cpu".to_string(), Quantity::from_milli(milli_cpu));
    n.allocatable
        .insert("memory".to_string(), Quantity::from_value(memory));
    for (k, v) in extended {
        n.allocatable
            .insert(k.to_string(), Quantity::from_value(*v));
    }
    n.allocatable
        .insert("pods".to_string(), Quantity::from_value(110));
    n
}

fn spec_pod(name: &str, node: Option<&str>, containers: &[&[(&str, &str)]]) -> Pod {
    Pod {
        namespace: "default".to_string(),
        name: name.to_string(),
        node_name: node.map(str::to_string),
        containers: containers
            .iter()
            .enumerate()
            .map(|(i, reqs)| Container {
                name: format!("c{i}"),
                requests: list(reqs),
                ..Container::default()
            })
            .collect(),
        ..Pod::default()
    }
}

const CPU_AND_MEMORY_AND_GPU: &[&[(&str, &str)]] = &[
    &[("cpu", "1000m"), ("memory", "2000")],
    &[
        ("cpu", "2000m"),
        ("memory", "3000"),
        ("nvidia.com/gpu", "3"),
    ],
];
const CPU_ONLY: &[&[(&str, &str)]] = &[
    &[("cpu", "1000m"), ("memory", "0")],
    &[("cpu", "2000m"), ("memory", "0")],
];
const CPU_AND_MEMORY: &[&[(&str, &str)]] = &[
    &[("cpu", "1000m"), ("memory", "2000")],
    &[("cpu", "2000m"), ("memory", "3000")],
];

/// `cpuAndMemoryAndGPU` (spec.nodeName node1).
fn cpu_and_memory_and_gpu(name: &str) -> Pod {
    spec_pod(name, Some("node1"), CPU_AND_MEMORY_AND_GPU)
}
/// `cpuOnly` (spec.nodeName node1).
fn cpu_only(name: &str) -> Pod {
    spec_pod(name, Some("node1"), CPU_ONLY)
}
/// `cpuAndMemory` (spec.nodeName node2).
fn cpu_and_memory(name: &str) -> Pod {
    spec_pod(name, Some("node2"), CPU_AND_MEMORY)
}
/// An incoming pod with a shared spec, without its `spec.nodeName`.
fn incoming(mut p: Pod) -> Pod {
    p.name = "incoming".to_string();
    p.node_name = None;
    p
}

fn default_set() -> Vec<ResourceSpec> {
    vec![ResourceSpec::new("cpu", 1), ResourceSpec::new("memory", 1)]
}

fn gpu_set() -> Vec<ResourceSpec> {
    vec![
        ResourceSpec::new("cpu", 1),
        ResourceSpec::new("memory", 1),
        ResourceSpec::new("nvidia.com/gpu", 1),
    ]
}

#[derive(Debug)]
enum Want {
    /// PreScore returns Skip.
    Skip,
    /// Scores in node order.
    Scores(&'static [i64]),
}

struct Case {
    name: &'static str,
    pod: Pod,
    pods: Vec<Pod>,
    nodes: Vec<Node>,
    args: Vec<ResourceSpec>,
    want: Want,
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            // bestEffort pods, skip in PreScore
            name: "nothing scheduled, nothing requested, skip in PreScore",
            pod: spec_pod("incoming", None, &[]),
            pods: vec![],
            nodes: vec![
                make_node("node1", 4000, 10000, &[]),
                make_node("node2", 4000, 10000, &[]),
            ],
            args: default_set(),
            want: Want::Skip,
        },
        Case {
            // Node1: CPU 3000/4000 = 75%, Memory 5000/10000 = 50%, std 0.125 -> 87
            // Node2: CPU 3000/6000 = 50%, Memory 50% -> 100
            name: "nothing scheduled, resources requested, differently sized nodes",
            pod: incoming(cpu_and_memory("x")),
            pods: vec![],
            nodes: vec![
                make_node("node1", 4000, 10000, &[]),
                make_node("node2", 6000, 10000, &[]),
            ],
            args: default_set(),
            want: Want::Scores(&[87, 100]),
        },
        Case {
            // Node1: CPU 6000/10000 = 60%, Memory 5000/20000 = 25% -> 82
            // Node2: CPU 6000/10000 = 60%, Memory 10000/20000 = 50% -> 95
            name: "resources requested, pods scheduled with resources",
            pod: incoming(cpu_and_memory("x")),
            pods: vec![cpu_only("p1"), cpu_and_memory("p2")],
            nodes: vec![
                make_node("node1", 10000, 20000, &[]),
                make_node("node2", 10000, 20000, &[]),
            ],
            args: default_set(),
            want: Want::Scores(&[82, 95]),
        },
        Case {
            // Node2: CPU 60%, Memory 10000/50000 = 20% -> 80
            name: "resources requested, pods scheduled with resources, differently sized nodes",
            pod: incoming(cpu_and_memory("x")),
            pods: vec![cpu_only("p1"), cpu_and_memory("p2")],
            nodes: vec![
                make_node("node1", 10000, 20000, &[]),
                make_node("node2", 10000, 50000, &[]),
            ],
            args: default_set(),
            want: Want::Scores(&[82, 80]),
        },
        Case {
            // Node1: CPU 6000/6000 = 1, Memory 0 -> 50; Node2: CPU 1, Memory 50% -> 75
            name: "requested resources at node capacity",
            pod: incoming(cpu_only("x")),
            pods: vec![cpu_only("p1"), cpu_and_memory("p2")],
            nodes: vec![
                make_node("node1", 6000, 10000, &[]),
                make_node("node2", 6000, 10000, &[]),
            ],
            args: default_set(),
            want: Want::Scores(&[50, 75]),
        },
        Case {
            // Node1: CPU 3000/3500, Memory 5000/40000, GPU 4/8 -> 70
            // Node2: CPU 3000/3500, Memory 5000/40000, GPU 1/8 -> 65
            name: "include scalar resource on a node for balanced resource allocation",
            pod: spec_pod(
                "incoming",
                None,
                &[&[("memory", "0"), ("nvidia.com/gpu", "1")]],
            ),
            pods: vec![cpu_and_memory("p1"), cpu_and_memory_and_gpu("p2")],
            nodes: vec![
                make_node("node1", 3500, 40000, &[("nvidia.com/gpu", 8)]),
                make_node("node2", 3500, 40000, &[("nvidia.com/gpu", 8)]),
            ],
            args: gpu_set(),
            want: Want::Scores(&[70, 65]),
        },
        Case {
            // The pod does not request the scalar resource: it is skipped on both nodes.
            name: "node without the scalar resource should skip the scalar resource",
            pod: incoming(cpu_and_memory("x")),
            pods: vec![],
            nodes: vec![
                make_node("node1", 3500, 40000, &[("nvidia.com/gpu", 8)]),
                make_node("node2", 3500, 40000, &[]),
            ],
            args: gpu_set(),
            want: Want::Scores(&[63, 63]),
        },
        Case {
            // Upstream skips PreScore; the engine always runs it: same scores.
            name: "resources requested, pods scheduled with resources if PreScore not called",
            pod: incoming(cpu_and_memory("x")),
            pods: vec![cpu_only("p1"), cpu_and_memory("p2")],
            nodes: vec![
                make_node("node1", 10000, 20000, &[]),
                make_node("node2", 10000, 20000, &[]),
            ],
            args: default_set(),
            want: Want::Scores(&[82, 95]),
        },
    ]
}

fn eq<T: PartialEq + Debug>(case: &str, what: &str, got: T, want: T) -> Result<(), String> {
    if got == want {
        Ok(())
    } else {
        Err(format!("{case}: {what}: got {got:?}, want {want:?}"))
    }
}

fn check(c: &Case) -> Result<(), String> {
    let name = c.name;
    let snap = Cluster::compile(&ClusterSpec {
        nodes: c.nodes.clone(),
        running: c.pods.clone(),
        incoming: vec![c.pod.clone()],
        ..ClusterSpec::default()
    })
    .map_err(|e| format!("{name}: compile: {e}"))?;
    let profile = Profile {
        balanced_resources: c.args.clone(),
        ..Profile::default()
    };
    let ev = Scheduler::new(&snap.cluster, profile).evaluate(&snap.state, snap.incoming[0]);
    eq(name, "rejected nodes", ev.rejected.len(), 0)?;
    eq(name, "feasible nodes", ev.feasible.len(), c.nodes.len())?;
    let scores: Vec<Option<(i64, i64)>> = ev
        .feasible
        .iter()
        .map(|ns| {
            ns.plugins
                .iter()
                .find(|p| p.0 == Plugin::NodeResourcesBalancedAllocation)
                .map(|p| (p.1, p.2))
        })
        .collect();
    let skipped = ev
        .skipped_score
        .contains(&Plugin::NodeResourcesBalancedAllocation);
    match c.want {
        Want::Skip => {
            eq(name, "PreScore Skip", skipped, true)?;
            eq(name, "scores", scores, vec![None; c.nodes.len()])
        }
        Want::Scores(want) => {
            eq(name, "PreScore Skip", skipped, false)?;
            // The plugin has no NormalizeScore: raw and normalised scores are equal.
            eq(
                name,
                "scores (raw, normalized)",
                scores,
                want.iter().map(|s| Some((*s, *s))).collect(),
            )
        }
    }
}

#[test]
fn test_node_resources_balanced_allocation() {
    let cases = cases();
    assert!(!cases.is_empty());
    let failures: Vec<String> = cases.iter().filter_map(|c| check(c).err()).collect();
    assert!(
        failures.is_empty(),
        "failed cases:\n{}",
        failures.join("\n")
    );
}
