//! The simulator end to end: the bundled scenario's story, the controllers
//! (rollouts, scale-down victims, evictions, node pools, Pending retries), the
//! HPA in the loop, determinism, and bad input.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use spillway_sim::{Outcome, SimError, Simulation};

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

/// Writes files into a fresh directory and returns its path.
fn dir(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let d = std::env::temp_dir().join(format!("spillway-sim-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    for (f, text) in files {
        std::fs::write(d.join(f), text).unwrap();
    }
    d
}

fn run(name: &str, scenario: &str, sim: &str) -> Outcome {
    let d = dir(name, &[("cluster.yaml", scenario), ("sim.yaml", sim)]);
    let s = Simulation::load(&d.join("sim.yaml")).unwrap_or_else(|e| panic!("{e}"));
    s.run(None).unwrap_or_else(|e| panic!("{e}"))
}

fn load_err(name: &str, scenario: &str, sim: &str) -> String {
    let d = dir(name, &[("cluster.yaml", scenario), ("sim.yaml", sim)]);
    match Simulation::load(&d.join("sim.yaml")) {
        Ok(_) => panic!("{name}: accepted"),
        Err(e) => e.to_string(),
    }
}

/// `n` ECS nodes of 4 cpu (zones a/b alternating) and, optionally, a virtual node
/// per zone; one Deployment `web` of `replicas` pods of 1 cpu.
fn cluster(n: usize, virtual_nodes: bool, replicas: i32, extra: &str) -> String {
    let mut s = String::new();
    if virtual_nodes {
        s.push_str("virtualNodes:\n- {zone: a}\n- {zone: b}\n");
    }
    s.push_str("nodes:\n");
    for i in 0..n {
        let zone = if i % 2 == 0 { "a" } else { "b" };
        s.push_str(&format!(
            "- metadata: {{name: ecs-{i}, labels: {{kubernetes.io/hostname: ecs-{i}, topology.kubernetes.io/zone: {zone}}}}}\n  status: {{allocatable: {{cpu: '4', memory: 16Gi, pods: '110'}}}}\n"
        ));
    }
    s.push_str(&format!(
        "deployments:\n- metadata: {{name: web}}\n  spec:\n    replicas: {replicas}\n    selector: {{matchLabels: {{app: web}}}}\n{extra}    template:\n      metadata: {{labels: {{app: web}}}}\n      spec:\n        tolerations: [{{key: virtual-kubelet.io/provider, operator: Exists}}]\n        affinity:\n          nodeAffinity:\n            preferredDuringSchedulingIgnoredDuringExecution:\n            - {{weight: 100, preference: {{matchExpressions: [{{key: type, operator: NotIn, values: [virtual-kubelet]}}]}}}}\n        containers: [{{name: c, resources: {{requests: {{cpu: '1', memory: 1Gi}}}}}}]\n"
    ));
    s
}

const FLAT: &str = "    load: {unit: cores, trace: {constant: {value: 1}}}\n";

#[test]
fn the_bundled_spike_fills_ecs_overflows_to_eci_and_comes_back() {
    let sim = Simulation::load(&examples().join("asm-gateway-spike.yaml")).unwrap();
    let o = sim.run(None).unwrap();
    let at = |t: u64| &o.steps[(t / o.step_seconds) as usize].workloads[0];
    // Before the spike: four replicas, all on ECS.
    assert_eq!((at(1800).ecs, at(1800).eci), (4, 0));
    // During the spike: the four ECS nodes full (3 each), the rest on ECI.
    let peak = o.steps.iter().map(|s| s.workloads[0].eci).max().unwrap();
    assert!(peak >= 10, "peak ECI {peak}");
    let at_peak = o.steps.iter().find(|s| s.workloads[0].eci == peak).unwrap();
    assert_eq!(
        at_peak.workloads[0].ecs, 12,
        "ECS is full before ECI is used"
    );
    let s = &o.summary.workloads[0];
    let (from, to) = s.overflow_spans[0];
    assert!(
        (3600..4800).contains(&from),
        "overflow starts with the spike: {from}"
    );
    assert!(
        to.is_some_and(|t| t < 2 * 3600 + 1800),
        "and ends after it: {to:?}"
    );
    // After the spike: back on ECS only.
    assert_eq!(at(9000).eci, 0);
    // The zone failure at 3h: the replicas in cn-hangzhou-h stop serving.
    assert!(at(3 * 3600).survive_zone < at(3 * 3600 - 60).survive_zone);
    assert_eq!(at(3 * 3600).ready, 2);
    // After the eviction delay they are replaced in the other zone.
    assert_eq!(at(3 * 3600 + 600).ready, 4);
    assert_eq!(at(3 * 3600 + 600).by_zone.get("cn-hangzhou-i"), Some(&4));
    // Cost: ECS nodes for the whole run, ECI for the spike.
    assert!(o.summary.cost_eci > 0.0 && o.summary.cost_ecs > o.summary.cost_eci);
    assert!((s.cost_eci - o.summary.cost_eci).abs() < 1e-9);
}

#[test]
fn the_same_file_and_seed_give_identical_json() {
    let sim = Simulation::load(&examples().join("asm-gateway-spike.yaml")).unwrap();
    let a = serde_json::to_string(&sim.run(None).unwrap()).unwrap();
    let b = serde_json::to_string(
        &Simulation::load(&examples().join("asm-gateway-spike.yaml"))
            .unwrap()
            .run(None)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(a, b);
    let c = serde_json::to_string(&sim.run(Some(7)).unwrap()).unwrap();
    assert_ne!(a, c, "another seed, other noise");
}

#[test]
fn a_rollout_honours_max_surge_and_max_unavailable() {
    let strategy =
        "    strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}\n";
    let o = run(
        "rollout",
        &cluster(4, false, 4, strategy),
        &format!(
            "scenario: cluster.yaml\nsettings: {{duration: 20m, step: 15s}}\nworkloads:\n  web:\n{FLAT}events:\n- {{at: 5m, rollout: {{workload: web, image: web:2}}}}\n"
        ),
    );
    let mut rolled = false;
    for s in &o.steps {
        let w = &s.workloads[0];
        assert!(w.pods <= 5, "maxSurge 1: at most 5 pods at {}: {w:?}", s.t);
        if s.t >= 300 {
            assert!(w.ready >= 4, "maxUnavailable 0: 4 ready at {}: {w:?}", s.t);
        }
        rolled |= w.up_to_date == 4 && w.pods == 4;
    }
    assert!(rolled, "the rollout completes");
    let last = &o.steps.last().unwrap().workloads[0];
    assert_eq!((last.up_to_date, last.pods, last.ready), (4, 4, 4));
}

#[test]
fn scaling_down_deletes_the_most_co_located_pods_first() {
    // One ECS node holds 4 pods; 10 replicas put 6 on the one virtual node; scaling
    // to 4 deletes from the node with the most related pods: the virtual node.
    let one_vn =
        cluster(1, false, 10, "").replace("nodes:\n", "virtualNodes:\n- {zone: a}\nnodes:\n");
    let o = run(
        "scale-down",
        &one_vn,
        &format!(
            "scenario: cluster.yaml\nsettings: {{duration: 10m, step: 15s}}\nworkloads:\n  web:\n{FLAT}events:\n- {{at: 5m, scale: {{workload: web, replicas: 4}}}}\n"
        ),
    );
    let before = &o.steps[(240 / 15) as usize].workloads[0];
    assert_eq!((before.ecs, before.eci), (4, 6));
    let after = &o.steps.last().unwrap().workloads[0];
    assert_eq!((after.ecs, after.eci), (4, 0));
    // With two virtual nodes (3 pods each) the ECS node is the most co-located:
    // upstream ranks by co-location, not by node kind.
    let o = run(
        "scale-down-2",
        &cluster(1, true, 10, ""),
        &format!(
            "scenario: cluster.yaml\nsettings: {{duration: 10m, step: 15s}}\nworkloads:\n  web:\n{FLAT}events:\n- {{at: 5m, scale: {{workload: web, replicas: 4}}}}\n"
        ),
    );
    let after = &o.steps.last().unwrap().workloads[0];
    assert!(after.ecs < 4, "{after:?}");
}

#[test]
fn pods_of_a_failed_node_are_evicted_after_the_delay_and_pend_when_nothing_fits() {
    // Two ECS nodes of 4 cpu, 6 replicas of 1 cpu; node ecs-0 fails: its pods wait
    // for the eviction delay, then only 2 fit on ecs-1.
    let o = run(
        "evict",
        &cluster(2, false, 6, ""),
        &format!(
            "scenario: cluster.yaml\nsettings: {{duration: 15m, step: 15s, evictionDelay: 2m}}\nworkloads:\n  web:\n{FLAT}events:\n- {{at: 5m, nodeDown: ecs-0}}\n"
        ),
    );
    let w = |t: u64| o.steps[(t / 15) as usize].workloads[0].clone();
    assert_eq!(w(240).ready, 6);
    let down = w(300);
    assert_eq!(down.pods, 6, "still counted until evicted");
    assert!(down.ready < 6);
    let later = w(600);
    assert_eq!(later.ecs, 4, "ecs-1 is full");
    assert_eq!(later.pending, 2, "the rest is Pending: {later:?}");
    let span = &o.summary.pending[0];
    assert!(
        span.reason.starts_with("0/2 nodes are available:"),
        "{}",
        span.reason
    );
    assert!(span.reason.contains("Insufficient cpu"), "{}", span.reason);
    assert!(span.reason.contains("untolerated taint"), "{}", span.reason);
    assert_eq!(span.from, 420, "evicted at 5m + 2m, Pending from then");
}

#[test]
fn a_node_pool_grows_for_pending_pods() {
    let o = run(
        "pool",
        &cluster(1, false, 6, ""),
        "scenario: cluster.yaml\nsettings:\n  duration: 10m\n  step: 15s\n  nodePools: [{template: ecs-0, max: 2, provisioningDelay: 1m}]\nworkloads:\n  web:\n    load: {unit: cores, trace: {constant: {value: 1}}}\n",
    );
    let first = &o.steps[0].workloads[0];
    assert_eq!(first.pending, 2, "one 4-cpu node for 6 pods");
    let last = &o.steps.last().unwrap().workloads[0];
    assert_eq!((last.pending, last.ecs), (0, 6));
    let ready_at = o
        .steps
        .iter()
        .find(|s| s.events.iter().any(|e| e.contains("ready")))
        .unwrap();
    assert_eq!(
        ready_at.t, 60,
        "requested at 0s, when the pods first failed; ready 1m later"
    );
}

#[test]
fn the_hpa_scales_with_load_and_stabilises_scale_down() {
    let hpa = "    hpa: {minReplicas: 2, maxReplicas: 20, cpuUtilization: 50}\n";
    let o = run(
        "hpa",
        &cluster(6, false, 2, ""),
        &format!(
            "scenario: cluster.yaml\nsettings: {{duration: 30m, step: 15s}}\nworkloads:\n  web:\n    load: {{unit: cores, trace: {{step: {{before: 1, after: 8, at: 5m}}}}}}\n{hpa}events:\n- {{at: 15m, scale: {{workload: web, replicas: 2}}}}\n"
        ),
    );
    let w = |t: u64| o.steps[(t / 15) as usize].workloads[0].clone();
    assert_eq!(w(240).desired, 2, "1 core over 2 pods is 50%");
    // 8 cores at 50% of 1-cpu pods: 16 replicas.
    assert_eq!(w(14 * 60).desired, 16, "{:?}", w(14 * 60));
    // A manual scale-down is overridden at the same sync, within the rate limit
    // of an HPA without behaviour (double, at least 4, per sync).
    assert_eq!(w(15 * 60).desired, 4);
    assert_eq!(w(15 * 60 + 30).desired, 16);
}

const SCENARIO: &str = "nodes:\n- metadata: {name: n1, labels: {topology.kubernetes.io/zone: a}}\n  status: {allocatable: {cpu: '4', pods: '10'}}\ndeployments:\n- metadata: {name: web}\n  spec:\n    replicas: 1\n    selector: {matchLabels: {app: web}}\n    template:\n      metadata: {labels: {app: web}}\n      spec: {containers: [{name: c, resources: {requests: {cpu: 100m}}}]}\n";

#[test]
fn bad_simulation_files_name_the_field_or_line() {
    let base = "scenario: cluster.yaml\nsettings: {duration: 1h}\nworkloads:\n  web:\n    load: {unit: cores, trace: {constant: {value: 1}}}\n";
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "negative",
            base.replace("duration: 1h", "duration: -1"),
            "a duration cannot be negative",
        ),
        (
            "zero-step",
            base.replace("duration: 1h", "duration: 1h, step: 0s"),
            "settings.step",
        ),
        (
            "unknown-workload",
            format!("{base}events:\n- {{at: 1m, scale: {{workload: api, replicas: 2}}}}\n"),
            "events[0].scale.workload",
        ),
        (
            "unknown-node",
            format!("{base}events:\n- {{at: 1m, nodeDown: n9}}\n"),
            "events[0].nodeDown",
        ),
        (
            "late-event",
            format!("{base}events:\n- {{at: 2h, zoneDown: a}}\n"),
            "events[0].at",
        ),
        (
            "not-a-workload",
            base.replace("  web:\n", "  deployment/api:\n"),
            "workloads.deployment/api",
        ),
        (
            "short-trace",
            base.replace(
                "{constant: {value: 1}}",
                "{table: {points: [{at: 0s, value: 1}, {at: 30m, value: 2}]}}",
            ),
            "the trace ends at 30m",
        ),
    ];
    for (name, sim, want) in cases {
        let e = load_err(name, SCENARIO, &sim);
        assert!(e.contains(want), "{name}: {e}");
        assert!(e.contains("sim.yaml"), "{name}: {e}");
    }
    // A malformed CSV trace: its file and line.
    let d = dir(
        "csv",
        &[
            ("cluster.yaml", SCENARIO),
            ("load.csv", "time,value\n0,1\n10m,two\n"),
            (
                "sim.yaml",
                &base.replace("{constant: {value: 1}}", "{csv: {file: load.csv}}"),
            ),
        ],
    );
    let e = Simulation::load(&d.join("sim.yaml")).expect_err("malformed CSV");
    assert!(matches!(&e, SimError::Line { line: 3, .. }), "{e}");
    assert!(e.to_string().contains("load.csv"), "{e}");
}
