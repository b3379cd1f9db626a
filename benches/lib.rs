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

/// A `scheduler_perf` default pod (100m / 500Mi) labelled `key=value`.
fn perf_pod(name: String, key: &str, value: &str) -> PodBuilder {
    PodBuilder::new(&name)
        .requests("100m", "500Mi")
        .label(key, value)
}

fn nodes(n: usize) -> Vec<spillway_core::spec::Node> {
    (0..n).map(|i| node(i).build()).collect()
}

fn spread_running(
    nodes: usize,
    pods: impl Iterator<Item = spillway_core::spec::Pod>,
) -> Vec<spillway_core::spec::Pod> {
    pods.enumerate()
        .map(|(i, mut p)| {
            p.node_name = Some(format!("node-{:05}", i % nodes.max(1)));
            p
        })
        .collect()
}

/// SchedulingPodAntiAffinity: pods labelled `color=green` with a required
/// anti-affinity to `color=green` on `kubernetes.io/hostname`: `running` placed
/// one per node, then `incoming` more.
pub fn pod_anti_affinity(nodes_n: usize, running: usize, incoming: usize) -> ClusterSpec {
    let pod = |name: String| {
        perf_pod(name, "color", "green")
            .pod_affinity(true, "color", "green", "kubernetes.io/hostname")
            .build()
    };
    ClusterSpec {
        nodes: nodes(nodes_n),
        namespaces: Vec::new(),
        running: spread_running(nodes_n, (0..running).map(|i| pod(format!("init-{i}")))),
        incoming: (0..incoming).map(|i| pod(format!("pod-{i}"))).collect(),
    }
}

/// SchedulingPodAffinity: `running` pods labelled `foo=bar` spread over the nodes,
/// then `incoming` pods with a required affinity to `foo=bar` in the same zone.
pub fn pod_affinity(nodes_n: usize, running: usize, incoming: usize) -> ClusterSpec {
    ClusterSpec {
        nodes: nodes(nodes_n),
        namespaces: Vec::new(),
        running: spread_running(
            nodes_n,
            (0..running).map(|i| perf_pod(format!("init-{i}"), "foo", "bar").build()),
        ),
        incoming: (0..incoming)
            .map(|i| {
                perf_pod(format!("pod-{i}"), "app", "web")
                    .pod_affinity(false, "foo", "bar", "topology.kubernetes.io/zone")
                    .build()
            })
            .collect(),
    }
}

/// SchedulingPreferredPodAffinity / AntiAffinity: `running` pods labelled
/// `foo=bar`, then `incoming` pods preferring (anti-)affinity to them on hostname.
pub fn preferred_pod_affinity(
    nodes_n: usize,
    running: usize,
    incoming: usize,
    anti: bool,
) -> ClusterSpec {
    let pod = |name: String| {
        perf_pod(name, "foo", "bar")
            .preferred_pod_affinity(anti, 1, "foo", "bar", "kubernetes.io/hostname")
            .build()
    };
    ClusterSpec {
        nodes: nodes(nodes_n),
        namespaces: Vec::new(),
        running: spread_running(nodes_n, (0..running).map(|i| pod(format!("init-{i}")))),
        incoming: (0..incoming).map(|i| pod(format!("pod-{i}"))).collect(),
    }
}

/// TopologySpreading / PreferredTopologySpreading: pods labelled `app=spread`
/// spread by zone with maxSkew 5 (`hard`: DoNotSchedule, else ScheduleAnyway).
pub fn topology_spreading(
    nodes_n: usize,
    running: usize,
    incoming: usize,
    hard: bool,
) -> ClusterSpec {
    let pod = |name: String| {
        perf_pod(name, "app", "spread")
            .spread(5, "topology.kubernetes.io/zone", hard, "app", "spread")
            .build()
    };
    ClusterSpec {
        nodes: nodes(nodes_n),
        namespaces: Vec::new(),
        running: spread_running(nodes_n, (0..running).map(|i| pod(format!("init-{i}")))),
        incoming: (0..incoming).map(|i| pod(format!("pod-{i}"))).collect(),
    }
}

/// A named workload with kube-scheduler's `scheduler_perf` threshold for the same
/// shape (pods/s at 5,000 nodes, where upstream scores ~10 % of the nodes).
#[derive(Debug, Clone, Copy)]
pub struct Workload {
    /// Benchmark name.
    pub name: &'static str,
    /// Builds the cluster.
    pub build: fn() -> ClusterSpec,
    /// Upstream's threshold for the shape, if it has one.
    pub upstream_threshold: Option<f64>,
}

/// The headline workloads at 5,000 nodes.
pub fn workloads() -> Vec<Workload> {
    let w = |name, build, upstream_threshold| Workload {
        name,
        build,
        upstream_threshold,
    };
    vec![
        w(
            "scheduling_basic_5000n_1000i_10000p",
            || scheduling_basic(5000, 1000, 10_000),
            Some(680.0),
        ),
        w(
            "asm_overflow_5000n_10000p",
            || asm_overflow(5000, 10_000),
            Some(220.0),
        ),
        w(
            "pod_anti_affinity_5000n_1000i_2000p",
            || pod_anti_affinity(5000, 1000, 2000),
            Some(60.0),
        ),
        w(
            "pod_affinity_5000n_5000i_5000p",
            || pod_affinity(5000, 5000, 5000),
            Some(35.0),
        ),
        w(
            "preferred_affinity_5000n_5000i_5000p",
            || preferred_pod_affinity(5000, 5000, 5000, false),
            Some(90.0),
        ),
        w(
            "preferred_anti_affinity_5000n_5000i_5000p",
            || preferred_pod_affinity(5000, 5000, 5000, true),
            Some(90.0),
        ),
        w(
            "topology_spreading_5000n_5000i_5000p",
            || topology_spreading(5000, 5000, 5000, true),
            Some(460.0),
        ),
        w(
            "preferred_topology_spreading_5000n_5000i_5000p",
            || topology_spreading(5000, 5000, 5000, false),
            Some(340.0),
        ),
    ]
}

/// A day of traffic on a large cluster, as simulation files: `nodes` ECS nodes
/// (8 cpu, three zones) plus a virtual node per zone, and `workloads` Deployments
/// (2-cpu replicas, 5 to 200 with an HPA at 70% CPU) under a diurnal load with a
/// spike each and noise; a zone fails for an hour. Returns (scenario, simulation).
pub fn simulation_day(nodes: usize, workloads: usize) -> (String, String) {
    use std::fmt::Write as _;
    let zones = ["cn-hangzhou-h", "cn-hangzhou-i", "cn-hangzhou-j"];
    let mut s = String::from(
        "ack:\n  instanceTypes:\n    ecs.g7.2xlarge: {cpu: 8, memory: 32, pricePerHour: 2.304}\nvirtualNodes:\n",
    );
    for z in zones {
        let _ = writeln!(s, "- {{zone: {z}}}");
    }
    s.push_str("nodes:\n");
    for i in 0..nodes {
        let z = zones[i % 3];
        let _ = writeln!(
            s,
            "- metadata: {{name: node-{i:05}, labels: {{kubernetes.io/hostname: node-{i:05}, topology.kubernetes.io/zone: {z}, node.kubernetes.io/instance-type: ecs.g7.2xlarge}}}}\n  status: {{allocatable: {{cpu: 7800m, memory: 28Gi, pods: '64'}}}}"
        );
    }
    let (mut deployments, mut services, mut hpas) = (String::new(), String::new(), String::new());
    for w in 0..workloads {
        let _ = writeln!(
            deployments,
            "- metadata: {{name: app-{w}, namespace: shop}}\n  spec:\n    replicas: 5\n    selector: {{matchLabels: {{app: app-{w}}}}}\n    template:\n      metadata: {{labels: {{app: app-{w}}}}}\n      spec:\n        tolerations: [{{key: virtual-kubelet.io/provider, operator: Exists}}]\n        containers: [{{name: c, resources: {{requests: {{cpu: '2', memory: 2Gi}}}}}}]"
        );
        let _ = writeln!(
            services,
            "- metadata: {{name: app-{w}, namespace: shop}}\n  spec: {{selector: {{app: app-{w}}}}}"
        );
        let _ = writeln!(
            hpas,
            "- metadata: {{name: app-{w}, namespace: shop}}\n  spec:\n    scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: app-{w}}}\n    minReplicas: 5\n    maxReplicas: 200\n    metrics: [{{type: Resource, resource: {{name: cpu, target: {{type: Utilization, averageUtilization: 70}}}}}}]"
        );
    }
    let _ = write!(
        s,
        "deployments:\n{deployments}services:\n{services}horizontalPodAutoscalers:\n{hpas}"
    );
    let mut sim = String::from(
        "scenario: cluster.yaml\nsettings: {duration: 24h, step: 15s, seed: 7}\nworkloads:\n",
    );
    for w in 0..workloads {
        let _ = writeln!(
            sim,
            "  deployment/app-{w}:\n    load:\n      unit: rps\n      perReplica: 1000\n      trace:\n        sum:\n        - diurnal: {{min: 3000, max: {}, peakAt: {}h}}\n        - spike: {{base: 0, peak: 40000, at: {}h, rise: 10m, hold: 30m, fall: 20m}}\n        - random: {{base: 0, spread: 500}}",
            20_000 + w * 5000,
            12 + w % 6,
            2 + w % 20
        );
    }
    sim.push_str(
        "events:\n- {at: 6h, zoneDown: cn-hangzhou-h}\n- {at: 7h, zoneUp: cn-hangzhou-h}\n",
    );
    (s, sim)
}
