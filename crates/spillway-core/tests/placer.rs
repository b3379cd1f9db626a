//! The fast placement path (`Placer`) against the full evaluation
//! (`Scheduler::schedule`) on random clusters: the same node for every pod, by name
//! and by seeded tie-break, whatever mix of templates arrives.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use spillway_core::framework::Placer;
use spillway_core::spec::{Operator, Requirement, TaintEffect, TolerationOperator};
use spillway_core::{
    Cluster, ClusterSpec, NodeBuilder, PodBuilder, Profile, Scheduler, TieBreak, TieBreaker,
};

const ZONES: [&str; 3] = ["a", "b", "c"];

#[derive(Debug, Clone)]
struct NodeShape {
    cpu_m: u32,
    mem_mi: u32,
    pods: u8,
    zone: usize,
    disk: bool,
    prefer_no_schedule: bool,
    no_schedule: bool,
    cordoned: bool,
}

fn node_shape() -> impl Strategy<Value = NodeShape> {
    (
        500u32..4000,
        256u32..8192,
        1u8..6,
        0usize..3,
        any::<bool>(),
        any::<bool>(),
        prop::bool::weighted(0.2),
        prop::bool::weighted(0.1),
    )
        .prop_map(
            |(cpu_m, mem_mi, pods, zone, disk, prefer_no_schedule, no_schedule, cordoned)| {
                NodeShape {
                    cpu_m,
                    mem_mi,
                    pods,
                    zone,
                    disk,
                    prefer_no_schedule,
                    no_schedule,
                    cordoned,
                }
            },
        )
}

#[derive(Debug, Clone)]
struct PodShape {
    cpu_m: Option<u32>,
    mem_mi: Option<u32>,
    prefer_ssd: Option<i32>,
    require_zone: Option<usize>,
    tolerate: bool,
    host_port: Option<i32>,
    image: usize,
}

fn pod_shape() -> impl Strategy<Value = PodShape> {
    (
        prop::option::weighted(0.8, 0u32..1500),
        prop::option::weighted(0.8, 0u32..2048),
        prop::option::weighted(0.5, 1i32..100),
        prop::option::weighted(0.2, 0usize..3),
        any::<bool>(),
        prop::option::weighted(0.15, 8080i32..8083),
        0usize..3,
    )
        .prop_map(
            |(cpu_m, mem_mi, prefer_ssd, require_zone, tolerate, host_port, image)| PodShape {
                cpu_m,
                mem_mi,
                prefer_ssd,
                require_zone,
                tolerate,
                host_port,
                image,
            },
        )
}

fn build(nodes: &[NodeShape], templates: &[PodShape], order: &[usize]) -> ClusterSpec {
    let nodes = nodes
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut b = NodeBuilder::new(&format!("node-{i}"))
                .capacity(
                    &format!("{}m", s.cpu_m),
                    &format!("{}Mi", s.mem_mi),
                    i64::from(s.pods),
                )
                .label("zone", ZONES[s.zone]);
            if s.disk {
                b = b
                    .label("disk", "ssd")
                    .image(&["registry/app:1"], 300 * 1024 * 1024);
            }
            if s.prefer_no_schedule {
                b = b.taint("noisy", "true", TaintEffect::PreferNoSchedule);
            }
            if s.no_schedule {
                b = b.taint("dedicated", "gw", TaintEffect::NoSchedule);
            }
            if s.cordoned {
                b = b.unschedulable();
            }
            b.build()
        })
        .collect();
    let incoming = order
        .iter()
        .enumerate()
        .map(|(i, &k)| {
            let s = &templates[k % templates.len()];
            let mut b = PodBuilder::new(&format!("pod-{i}"))
                .label("tmpl", &k.to_string())
                .image(["registry/app:1", "other:2", "nginx"][s.image]);
            if let Some(c) = s.cpu_m {
                b = b.request("cpu", &format!("{c}m"));
            }
            if let Some(m) = s.mem_mi {
                b = b.request("memory", &format!("{m}Mi"));
            }
            if let Some(w) = s.prefer_ssd {
                b = b.preferred_node_term(w, &[Requirement::new("disk", Operator::In, &["ssd"])]);
            }
            if let Some(z) = s.require_zone {
                b = b.required_node_term(
                    &[Requirement::new("zone", Operator::NotIn, &[ZONES[z]])],
                    &[],
                );
            }
            if s.tolerate {
                b = b.toleration("dedicated", TolerationOperator::Exists, "", None);
            }
            if let Some(p) = s.host_port {
                b = b.host_port(p, "TCP", "");
            }
            b.build()
        })
        .collect();
    ClusterSpec {
        nodes,
        incoming,
        ..ClusterSpec::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn placer_agrees_with_full_evaluation(
        nodes in prop::collection::vec(node_shape(), 1..12),
        templates in prop::collection::vec(pod_shape(), 1..4),
        order in prop::collection::vec(0usize..4, 1..40),
        seed in prop::option::of(any::<u64>()),
    ) {
        let spec = build(&nodes, &templates, &order);
        let snap = Cluster::compile(&spec).unwrap();
        let scheduler = Scheduler::new(&snap.cluster, Profile::default());
        let mode = seed.map_or(TieBreak::Name, TieBreak::Seed);
        let (mut fast, mut full) = (snap.state.clone(), snap.state.clone());
        let (mut t1, mut t2) = (TieBreaker::new(mode), TieBreaker::new(mode));
        let mut placer = Placer::new(&scheduler);
        for &pod in &snap.incoming {
            let a = placer.place(&mut fast, pod, &mut t1);
            let b = scheduler.schedule(&mut full, pod, &mut t2).assigned;
            prop_assert_eq!(a, b, "pod {}", snap.cluster.pod_key(pod));
        }
    }
}
