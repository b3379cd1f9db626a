//! Named, sized, seeded benchmark workloads for spillway's engine, mirroring
//! kube-scheduler's `scheduler_perf` shapes: nodes of 4 cpu / 32Gi / 110 pods over
//! three zones, pods of one template.

use spillway_core::spec::{Operator, Requirement, TaintEffect, TolerationOperator};
use spillway_core::{ClusterSpec, NodeBuilder, PodBuilder};

/// The three zones nodes are spread over, round robin.
pub const ZONES: [&str; 3] = ["zone-a", "zone-b", "zone-c"];

/// A `scheduler_perf` default node: 4 cpu, 32Gi, 110 pods, in a zone.
fn node(i: usize) -> NodeBuilder {
    NodeBuilder::new(&format!("node-{i:05}"))
        .capacity("4", "32Gi", 110)
        .label("topology.kubernetes.io/zone", ZONES[i % ZONES.len()])
}

/// SchedulingBasic: `nodes` default nodes, `running` pods already placed round robin,
/// and `incoming` pods of 100m cpu / 500Mi, without constraints.
pub fn scheduling_basic(nodes: usize, running: usize, incoming: usize) -> ClusterSpec {
    let pod = |name: String| {
        PodBuilder::new(&name)
            .requests("100m", "500Mi")
            .label("app", "basic")
    };
    ClusterSpec {
        nodes: (0..nodes).map(|i| node(i).build()).collect(),
        namespaces: Vec::new(),
        running: (0..running)
            .map(|i| {
                pod(format!("init-{i}"))
                    .node_name(&format!("node-{:05}", i % nodes.max(1)))
                    .build()
            })
            .collect(),
        incoming: (0..incoming)
            .map(|i| pod(format!("pod-{i}")).build())
            .collect(),
    }
}

/// The seed's ECS-first overflow: half the nodes form the gateway pool (labelled
/// `mykey4pod=asmgateway`, tainted `mykey=myvalue:NoSchedule`), the rest are
/// ordinary workers, plus one virtual node per zone (`type=virtual-kubelet`, tainted,
/// 1000 cpu / 4Ti / 1000 pods). `incoming` gateway pods of 1100m / 1Gi carry the
/// seed's required (ECS OR virtual) and preferred (80 ECS / 20 virtual) node
/// affinity and both tolerations: three fit per pool node, the rest overflow.
pub fn asm_overflow(nodes: usize, incoming: usize) -> ClusterSpec {
    let mut spec_nodes: Vec<_> = (0..nodes)
        .map(|i| {
            let n = node(i);
            if i % 2 == 0 {
                n.label("mykey4pod", "asmgateway")
                    .taint("mykey", "myvalue", TaintEffect::NoSchedule)
                    .build()
            } else {
                n.build()
            }
        })
        .collect();
    for z in ZONES {
        spec_nodes.push(
            NodeBuilder::new(&format!("virtual-kubelet-{z}"))
                .capacity("1000", "4Ti", 1000)
                .label("topology.kubernetes.io/zone", z)
                .label("type", "virtual-kubelet")
                .taint(
                    "virtual-kubelet.io/provider",
                    "alibabacloud",
                    TaintEffect::NoSchedule,
                )
                .build(),
        );
    }
    let ecs = Requirement::new("mykey4pod", Operator::In, &["asmgateway"]);
    let virt = Requirement::new("type", Operator::In, &["virtual-kubelet"]);
    let gateway = |i: usize| {
        PodBuilder::new(&format!("istio-ingressgateway-{i}"))
            .namespace("istio-system")
            .label("app", "istio-ingressgateway")
            .requests("1100m", "1Gi")
            .required_node_term(std::slice::from_ref(&ecs), &[])
            .required_node_term(std::slice::from_ref(&virt), &[])
            .preferred_node_term(80, std::slice::from_ref(&ecs))
            .preferred_node_term(20, std::slice::from_ref(&virt))
            .toleration(
                "mykey",
                TolerationOperator::Equal,
                "myvalue",
                Some(TaintEffect::NoSchedule),
            )
            .toleration(
                "virtual-kubelet.io/provider",
                TolerationOperator::Equal,
                "alibabacloud",
                Some(TaintEffect::NoSchedule),
            )
            .build()
    };
    ClusterSpec {
        nodes: spec_nodes,
        namespaces: Vec::new(),
        running: Vec::new(),
        incoming: (0..incoming).map(gateway).collect(),
    }
}
