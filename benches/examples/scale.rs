//! How placement cost grows with nodes and pods, and the time to load a large
//! `kubectl get -o yaml` dump.
//! Run: `cargo run --release -p spillway-benches --example scale [rates|load]`.

use std::fmt::Write as _;
use std::time::Instant;

use spillway_benches::{scheduling_basic, topology_spreading};
use spillway_core::framework::Placer;
use spillway_core::{Cluster, ClusterSpec, Profile, Scheduler, TieBreak, TieBreaker};

/// Pods placed per second on a workload.
fn rate(spec: &ClusterSpec) -> f64 {
    let snapshot = match Cluster::compile(spec) {
        Ok(s) => s,
        Err(e) => panic!("workload does not compile: {e}"),
    };
    let scheduler = Scheduler::new(&snapshot.cluster, Profile::default());
    let mut placer = Placer::new(&scheduler);
    let mut state = snapshot.state.clone();
    let mut tie = TieBreaker::new(TieBreak::Name);
    let start = Instant::now();
    for &pod in &snapshot.incoming {
        placer.place(&mut state, pod, &mut tie);
    }
    snapshot.incoming.len() as f64 / start.elapsed().as_secs_f64()
}

/// A `kubectl get nodes,pods -o yaml`-style dump: nodes with the usual labels,
/// conditions and capacity, pods with owner references, labels, requests and status.
fn kubectl_dump(nodes: usize, pods: usize) -> String {
    let mut s = String::from("apiVersion: v1\nkind: List\nitems:\n");
    for i in 0..nodes {
        let _ = write!(
            s,
            "- apiVersion: v1\n  kind: Node\n  metadata:\n    name: node-{i:05}\n    labels:\n      kubernetes.io/hostname: node-{i:05}\n      kubernetes.io/os: linux\n      kubernetes.io/arch: amd64\n      node.kubernetes.io/instance-type: ecs.g7.xlarge\n      topology.kubernetes.io/region: cn-hangzhou\n      topology.kubernetes.io/zone: zone-{z}\n  spec:\n    podCIDR: 10.{a}.{b}.0/24\n  status:\n    capacity: {{cpu: \"4\", memory: 32Gi, pods: \"110\", ephemeral-storage: 100Gi}}\n    allocatable: {{cpu: 3900m, memory: 30Gi, pods: \"110\", ephemeral-storage: 95Gi}}\n    conditions:\n    - {{type: Ready, status: \"True\", reason: KubeletReady, message: kubelet is posting ready status}}\n    nodeInfo: {{architecture: amd64, kubeletVersion: v1.35.4, operatingSystem: linux, osImage: Alibaba Cloud Linux 3, containerRuntimeVersion: containerd://1.7.27, kernelVersion: 5.10.134, kubeProxyVersion: \"\", machineID: \"\", systemUUID: \"\", bootID: \"\"}}\n",
            z = i % 3,
            a = i / 256,
            b = i % 256
        );
    }
    for i in 0..pods {
        let _ = write!(
            s,
            "- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: web-7d8f9c6b5-{i:06}\n    namespace: shop\n    labels: {{app: web, pod-template-hash: 7d8f9c6b5}}\n    ownerReferences:\n    - {{apiVersion: apps/v1, kind: ReplicaSet, name: web-7d8f9c6b5, uid: 1f0e, controller: true, blockOwnerDeletion: true}}\n  spec:\n    nodeName: node-{n:05}\n    containers:\n    - name: web\n      image: registry.cn-hangzhou.aliyuncs.com/shop/web:1.4.2\n      ports: [{{containerPort: 8080, protocol: TCP}}]\n      resources:\n        requests: {{cpu: 100m, memory: 256Mi}}\n        limits: {{cpu: 500m, memory: 512Mi}}\n    restartPolicy: Always\n    schedulerName: default-scheduler\n    serviceAccountName: default\n    tolerations:\n    - {{key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute, tolerationSeconds: 300}}\n    - {{key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 300}}\n  status:\n    phase: Running\n    podIP: 10.0.{a}.{b}\n    qosClass: Burstable\n",
            n = i % nodes.max(1),
            a = i / 256 % 256,
            b = i % 256
        );
    }
    s
}

fn main() {
    match std::env::args().nth(1).as_deref() {
        Some("rates") => rates(),
        Some("load") => load(),
        _ => {
            rates();
            load();
        }
    }
}

fn rates() {
    println!("Placement rate (pods/s), every node scored, 1,000 pods running first:");
    println!(
        "{:<28} {:>10} {:>12} {:>12} {:>12}",
        "workload", "nodes", "1k pods", "10k pods", "100k pods"
    );
    for (name, make) in [
        (
            "SchedulingBasic",
            scheduling_basic as fn(usize, usize, usize) -> ClusterSpec,
        ),
        ("TopologySpreading (zone)", |n, r, p| {
            topology_spreading(n, r, p, true)
        }),
    ] {
        for nodes in [500usize, 5000, 15000] {
            let rates: Vec<String> = [1000usize, 10_000, 100_000]
                .iter()
                .map(|&pods| {
                    // 110 pods per node: 500 nodes cannot take 100k pods.
                    if pods + 1000 > nodes * 100 {
                        "n/a (full)".to_string()
                    } else {
                        format!("{:.0}", rate(&make(nodes, 1000, pods)))
                    }
                })
                .collect();
            println!(
                "{name:<28} {nodes:>10} {:>12} {:>12} {:>12}",
                rates[0], rates[1], rates[2]
            );
        }
    }
}

fn load() {
    let dump = kubectl_dump(5000, 50_000);
    let path = std::env::temp_dir().join("spillway-scale-dump.yaml");
    if let Err(e) = std::fs::write(&path, &dump) {
        panic!("{}: {e}", path.display());
    }
    let start = Instant::now();
    let scenario = spillway_kube::Scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let parsed = start.elapsed().as_secs_f64();
    let spec = scenario.to_cluster_spec().unwrap_or_else(|e| panic!("{e}"));
    let converted = start.elapsed().as_secs_f64();
    let snapshot = Cluster::compile(&spec).unwrap_or_else(|e| panic!("{e}"));
    let total = start.elapsed().as_secs_f64();
    println!(
        "Loading a 5,000-node / 50,000-pod kubectl YAML dump ({:.0} MiB): {parsed:.2} s to parse, {converted:.2} s \
         converted, {total:.2} s compiled ({} pods running).",
        dump.len() as f64 / (1024.0 * 1024.0),
        snapshot.cluster.pod_count()
    );
    if std::env::var_os("KEEP_DUMP").is_none() {
        let _ = std::fs::remove_file(&path);
    }
}
