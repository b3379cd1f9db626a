//! The ASM gateway overflow in plain Rust: one ECS node reserved for the gateway,
//! two virtual nodes for ECI overflow, replicas placed one after another.
//!
//! Run: `cargo run -p spillway-core --example overflow`.

use spillway_core::spec::{Operator, Requirement, TaintEffect, TolerationOperator};
use spillway_core::{
    Cluster, ClusterSpec, Error, NodeBuilder, PodBuilder, Profile, Scheduler, TieBreak, TieBreaker,
};

fn main() -> Result<(), Error> {
    let ecs = NodeBuilder::new("cn-hangzhou.10.0.1.10")
        .capacity("3900m", "12858Mi", 64)
        .label("topology.kubernetes.io/zone", "cn-hangzhou-h")
        .label("mykey4pod", "asmgateway")
        .taint("mykey", "myvalue", TaintEffect::NoSchedule)
        .build();
    let virtual_node = |zone: &str| {
        NodeBuilder::new(&format!("virtual-kubelet-{zone}"))
            .capacity("1000", "4Ti", 1000)
            .label("topology.kubernetes.io/zone", zone)
            .label("type", "virtual-kubelet")
            .taint(
                "virtual-kubelet.io/provider",
                "alibabacloud",
                TaintEffect::NoSchedule,
            )
            .build()
    };
    let on_ecs = Requirement::new("mykey4pod", Operator::In, &["asmgateway"]);
    let on_virtual = Requirement::new("type", Operator::In, &["virtual-kubelet"]);
    let gateway = |i: usize| {
        PodBuilder::new(&format!("istio-ingressgateway-{i}"))
            .namespace("istio-system")
            .label("app", "istio-ingressgateway")
            .requests("1", "1Gi")
            .required_node_term(std::slice::from_ref(&on_ecs), &[])
            .required_node_term(std::slice::from_ref(&on_virtual), &[])
            .preferred_node_term(80, std::slice::from_ref(&on_ecs))
            .preferred_node_term(20, std::slice::from_ref(&on_virtual))
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
    let spec = ClusterSpec {
        nodes: vec![
            ecs,
            virtual_node("cn-hangzhou-h"),
            virtual_node("cn-hangzhou-i"),
        ],
        incoming: (0..6).map(gateway).collect(),
        ..ClusterSpec::default()
    };
    let snapshot = Cluster::compile(&spec)?;
    let cluster = &snapshot.cluster;
    let mut state = snapshot.state.clone();
    let scheduler = Scheduler::new(cluster, Profile::default());
    let mut tie = TieBreaker::new(TieBreak::Name);
    for &pod in &snapshot.incoming {
        let ev = scheduler.schedule(&mut state, pod, &mut tie);
        let node = ev.assigned.map_or("<pending>", |n| cluster.node_name(n));
        println!("{:<40} -> {node}", cluster.pod_key(pod));
        for (n, rejection) in &ev.rejected {
            println!(
                "{:<40}    {}: {}",
                "",
                cluster.node_name(*n),
                rejection.message(cluster)
            );
        }
    }
    Ok(())
}
