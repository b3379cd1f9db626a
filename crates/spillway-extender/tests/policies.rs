//! The policies over a small ACK cluster: two gateway ECS nodes (zones h and
//! i, room for two gateway replicas each) and two virtual nodes (one per zone).
//! strict-overflow never passes a virtual node while an ECS candidate fits;
//! binds never double-book; cost, spread and upstream rank as documented.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::Arc;

use k8s_openapi::api::core::v1 as k;
use proptest::prelude::*;
use serde_json::json;
use spillway_extender::config::{PolicyName, Scope, Weighted};
use spillway_extender::wire::{self, ExtenderArgs, ExtenderBindingArgs, ExtenderPreemptionArgs};
use spillway_extender::{Cache, Config, Extender};
use spillway_kube::Scenario;

const ECS_H: &str = "ecs-h";
const ECS_I: &str = "ecs-i";
const VK_H: &str = "virtual-kubelet-cn-hangzhou-h";
const VK_I: &str = "virtual-kubelet-cn-hangzhou-i";
const ALL: [&str; 4] = [ECS_H, ECS_I, VK_H, VK_I];

fn ecs(name: &str, zone: &str, cpu: &str) -> serde_json::Value {
    json!({
        "metadata": {"name": name, "labels": {
            "kubernetes.io/hostname": name,
            "topology.kubernetes.io/zone": zone,
            "mykey4pod": "asmgateway"}},
        "spec": {"taints": [{"key": "mykey", "value": "myvalue", "effect": "NoSchedule"}]},
        "status": {"allocatable": {"cpu": cpu, "memory": "16Gi", "pods": "64"}}
    })
}

fn cluster(cpu_h: &str, cpu_i: &str) -> Scenario {
    let doc = json!({
        "ack": {"region": "cn-hangzhou"},
        "virtualNodes": [{"zone": "cn-hangzhou-h"}, {"zone": "cn-hangzhou-i"}],
        "nodes": [ecs(ECS_H, "cn-hangzhou-h", cpu_h), ecs(ECS_I, "cn-hangzhou-i", cpu_i)],
        "namespaces": [{"metadata": {"name": "istio-system"}}]
    });
    Scenario::parse(std::path::Path::new("cluster.json"), &doc.to_string()).unwrap()
}

/// A gateway replica as the seed writes it: required ECS or virtual, both
/// tolerations, owned by one ReplicaSet.
fn gateway(name: &str, cpu: &str) -> k::Pod {
    serde_json::from_value(json!({
        "metadata": {
            "name": name, "namespace": "istio-system", "uid": format!("uid-{name}"),
            "labels": {"app": "istio-ingressgateway"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                "name": "istio-ingressgateway-5d8f", "uid": "rs-uid", "controller": true}]
        },
        "spec": {
            "containers": [{"name": "istio-proxy", "image": "proxyv2",
                "resources": {"requests": {"cpu": cpu, "memory": "1Gi"}}}],
            "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [
                    {"matchExpressions": [{"key": "mykey4pod", "operator": "In", "values": ["asmgateway"]}]},
                    {"matchExpressions": [{"key": "type", "operator": "In", "values": ["virtual-kubelet"]}]}
                ]}}},
            "tolerations": [
                {"key": "mykey", "operator": "Equal", "value": "myvalue", "effect": "NoSchedule"},
                {"key": "virtual-kubelet.io/provider", "operator": "Exists"}
            ]
        }
    }))
    .unwrap()
}

fn extender(scenario: Scenario, configure: impl FnOnce(&mut Config)) -> Extender {
    let mut config = Config::default();
    configure(&mut config);
    Extender::new(config, Cache::from_scenario(scenario).unwrap())
}

fn names_args(pod: &k::Pod, nodes: &[&str]) -> ExtenderArgs {
    ExtenderArgs {
        pod: Some(pod.clone()),
        nodes: None,
        node_names: Some(nodes.iter().map(ToString::to_string).collect()),
    }
}

fn bind(ext: &Extender, pod: &k::Pod, node: &str) -> String {
    ext.bind(&ExtenderBindingArgs {
        pod_name: pod.metadata.name.clone().unwrap(),
        pod_namespace: "istio-system".into(),
        pod_uid: pod.metadata.uid.clone().unwrap(),
        node: node.into(),
    })
    .error
}

fn scores(ext: &Extender, pod: &k::Pod, nodes: &[&str]) -> BTreeMap<String, i64> {
    ext.prioritize(&names_args(pod, nodes))
        .unwrap()
        .into_iter()
        .map(|h| (h.host, h.score))
        .collect()
}

#[test]
fn strict_overflow_holds_virtual_nodes_while_ecs_fits_then_releases_them() {
    let ext = extender(cluster("4", "4"), |_| {});
    let mut n = 0;
    let mut next = || {
        n += 1;
        gateway(&format!("gw-{n}"), "1500m")
    };
    // ECS has room: both virtual nodes are held, with a reason naming the ECS nodes.
    let pod = next();
    let r = ext.filter(&names_args(&pod, &ALL)).unwrap();
    assert_eq!(r.node_names.unwrap(), [ECS_H, ECS_I]);
    let held = r.failed_and_unresolvable_nodes.unwrap();
    assert_eq!(held.keys().collect::<Vec<_>>(), [VK_H, VK_I]);
    assert!(
        held[VK_H].contains("ECS node(s) can take the pod (ecs-h, ecs-i)"),
        "{held:?}"
    );
    assert!(held[VK_H].contains("strict-overflow"));
    assert_eq!(r.failed_nodes.unwrap(), BTreeMap::new());
    // Fill ECS: two replicas per node (2 × 1500m of 4 cpu).
    assert_eq!(bind(&ext, &pod, ECS_H), "");
    for node in [ECS_H, ECS_I, ECS_I] {
        let p = next();
        let r = ext.filter(&names_args(&p, &ALL)).unwrap();
        assert!(
            !r.node_names
                .unwrap()
                .iter()
                .any(|n| n.starts_with("virtual"))
        );
        assert_eq!(bind(&ext, &p, node), "");
    }
    // A fifth replica: no ECS node fits, the virtual nodes pass.
    let p = next();
    let r = ext.filter(&names_args(&p, &ALL)).unwrap();
    assert_eq!(r.node_names.unwrap(), ALL.to_vec());
    // Binding it to a full ECS node is refused with upstream's reason.
    let err = bind(&ext, &p, ECS_H);
    assert!(err.contains("Insufficient cpu"), "{err}");
    assert_eq!(bind(&ext, &p, VK_I), "");
    assert_eq!(ext.cache().stats().pods, 5);
}

#[test]
fn strict_overflow_scope_cluster_sees_ecs_nodes_outside_the_candidates() {
    let pod = gateway("gw", "1");
    // kube-scheduler sampled only ecs-h (full) and a virtual node.
    let candidates = ext_sampled(Scope::Candidates, &pod);
    assert_eq!(candidates, [ECS_H, VK_H]);
    let cluster_wide = ext_sampled(Scope::Cluster, &pod);
    assert_eq!(cluster_wide, [ECS_H]);
}

fn ext_sampled(scope: Scope, pod: &k::Pod) -> Vec<String> {
    let ext = extender(cluster("500m", "4"), |c| c.strict_overflow.scope = scope);
    ext.filter(&names_args(pod, &[ECS_H, VK_H]))
        .unwrap()
        .node_names
        .unwrap()
        .to_vec()
}

#[test]
fn concurrent_binds_never_double_book_a_node() {
    // Room for exactly two replicas on ecs-h.
    let ext = Arc::new(extender(cluster("3", "3"), |_| {}));
    let pods: Vec<k::Pod> = (0..8)
        .map(|i| gateway(&format!("race-{i}"), "1500m"))
        .collect();
    for p in &pods {
        ext.filter(&names_args(p, &ALL)).unwrap();
    }
    let outcomes: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = pods
            .iter()
            .map(|p| {
                let ext = Arc::clone(&ext);
                s.spawn(move || bind(&ext, p, ECS_H))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let ok = outcomes.iter().filter(|e| e.is_empty()).count();
    assert_eq!(ok, 2, "{outcomes:?}");
    assert!(
        outcomes
            .iter()
            .filter(|e| !e.is_empty())
            .all(|e| e.contains("Insufficient cpu"))
    );
}

#[test]
fn bind_refuses_unknown_pods_and_nodes() {
    let ext = extender(cluster("4", "4"), |_| {});
    let pod = gateway("gw", "1");
    assert!(bind(&ext, &pod, ECS_H).contains("was not seen"));
    ext.filter(&names_args(&pod, &ALL)).unwrap();
    assert!(bind(&ext, &pod, "nope").contains("not in the cache"));
    assert_eq!(bind(&ext, &pod, ECS_H), "");
    assert!(bind(&ext, &pod, ECS_I).contains("already bound"));
}

#[test]
fn replicas_share_one_probe_and_bind_remembers_the_last_pods_seen() {
    let ext = extender(cluster("64", "64"), |_| {});
    let first = gateway("gw-0", "1");
    ext.filter(&names_args(&first, &ALL)).unwrap();
    // 1,100 more replicas of the same ReplicaSet: one compiled probe for all.
    for i in 1..=1_100 {
        ext.filter(&names_args(&gateway(&format!("gw-{i}"), "1"), &ALL))
            .unwrap();
    }
    assert_eq!(ext.cache().stats().probes, 1);
    // A different spec is a second probe.
    ext.filter(&names_args(&gateway("big", "2"), &ALL)).unwrap();
    assert_eq!(ext.cache().stats().probes, 2);
    // The first pod fell out of the last 1,024 seen; a recent one binds, and
    // after its bind the replicas still fit elsewhere.
    assert!(bind(&ext, &first, ECS_H).contains("was not seen"));
    assert_eq!(bind(&ext, &gateway("gw-1100", "1"), ECS_H), "");
    assert_eq!(ext.cache().stats().pods, 1);
    let r = ext
        .filter(&names_args(&gateway("gw-1101", "1"), &ALL))
        .unwrap();
    assert_eq!(r.node_names.unwrap(), [ECS_H, ECS_I]);
}

#[test]
fn cost_prefers_ecs_already_paid_for() {
    let ext = extender(cluster("4", "4"), |c| {
        c.policies.prioritize = vec![Weighted {
            policy: PolicyName::Cost,
            weight: 1,
        }];
    });
    let s = scores(&ext, &gateway("gw", "1"), &ALL);
    assert_eq!(s[ECS_H], 10);
    assert_eq!(s[ECS_I], 10);
    assert_eq!(s[VK_H], 0);
    assert_eq!(s[VK_I], 0);
    // Only virtual candidates at the same price: no preference among them.
    let s = scores(&ext, &gateway("gw", "1"), &[VK_H, VK_I]);
    assert_eq!(s[VK_H], s[VK_I]);
}

#[test]
fn spread_prefers_the_node_and_zone_with_fewer_replicas() {
    let ext = extender(cluster("8", "8"), |c| {
        c.policies.prioritize = vec![Weighted {
            policy: PolicyName::Spread,
            weight: 1,
        }];
    });
    let first = gateway("gw-1", "1");
    ext.filter(&names_args(&first, &ALL)).unwrap();
    assert_eq!(bind(&ext, &first, ECS_H), "");
    let s = scores(&ext, &gateway("gw-2", "1"), &ALL);
    // ecs-h holds a replica in zone h: it scores 0; ecs-i and the zone-i virtual
    // node score 10; the zone-h virtual node has no replica itself but its zone does.
    assert_eq!(s[ECS_H], 0, "{s:?}");
    assert_eq!(s[ECS_I], 10, "{s:?}");
    assert_eq!(s[VK_I], 10, "{s:?}");
    assert_eq!(s[VK_H], 3, "{s:?}");
}

#[test]
fn upstream_filter_gives_upstream_reasons_and_scores_relative_to_the_best() {
    let ext = extender(cluster("4", "1"), |c| {
        c.policies.filter = vec![PolicyName::Upstream];
        c.policies.prioritize = vec![Weighted {
            policy: PolicyName::Upstream,
            weight: 1,
        }];
    });
    let r = ext.filter(&names_args(&gateway("big", "2"), &ALL)).unwrap();
    assert_eq!(r.node_names.clone().unwrap(), [ECS_H, VK_H, VK_I], "{r:?}");
    // 2 cpu can never fit a 1-cpu node: upstream marks that unresolvable.
    assert_eq!(
        r.failed_and_unresolvable_nodes.unwrap()[ECS_I],
        "Insufficient cpu"
    );
    // No tolerations: the taints reject every node, unresolvably.
    let mut plain = gateway("plain", "1");
    plain.spec.as_mut().unwrap().tolerations = None;
    let r = ext.filter(&names_args(&plain, &ALL)).unwrap();
    let un = r.failed_and_unresolvable_nodes.unwrap();
    assert_eq!(un.len(), 4);
    assert_eq!(un[ECS_H], "node(s) had untolerated taint(s)");
    let s = scores(&ext, &gateway("gw", "2"), &ALL);
    assert_eq!(s.values().copied().max(), Some(10));
    assert_eq!(s[ECS_I], 0, "does not fit: {s:?}");
    // As the golden data shows, the default profile ranks the empty virtual
    // nodes above the ECS node that has room: why strict-overflow exists.
    assert!(s[VK_H] > s[ECS_H], "{s:?}");
}

#[test]
fn full_node_objects_update_the_cache_and_come_back_as_sent() {
    let ext = extender(cluster("4", "4"), |_| {});
    let text = format!(
        r#"{{"Pod":{},"Nodes":{{"metadata":{{}},"items":[{},{}]}}}}"#,
        serde_json::to_string(&gateway("gw", "1")).unwrap(),
        r#"{"metadata":{"name":"ecs-new","labels":{"mykey4pod":"asmgateway","topology.kubernetes.io/zone":"cn-hangzhou-j"}},"spec":{"taints":[{"key":"mykey","value":"myvalue","effect":"NoSchedule"}]},"status":{"allocatable":{"cpu":"4","memory":"8Gi","pods":"10"}}}"#,
        r#"{"metadata":{"name":"virtual-kubelet-cn-hangzhou-h","labels":{"type":"virtual-kubelet","topology.kubernetes.io/zone":"cn-hangzhou-h"}},"spec":{"taints":[{"key":"virtual-kubelet.io/provider","value":"alibabacloud","effect":"NoSchedule"}]},"status":{"allocatable":{"cpu":"1000","memory":"4Ti","pods":"1000"}}}"#,
    );
    let args: ExtenderArgs = wire::decode(text.as_bytes()).unwrap();
    let r = ext.filter(&args).unwrap();
    assert!(r.node_names.is_none());
    let nodes = r.nodes.as_ref().unwrap();
    assert_eq!(nodes.names().unwrap(), ["ecs-new"]);
    let out = String::from_utf8(wire::encode(&r)).unwrap();
    assert!(out.starts_with(&format!(
        r#"{{"Nodes":{{"metadata":{{}},"items":[{}]}},"NodeNames":null,"FailedNodes":{{}},"FailedAndUnresolvableNodes":{{"virtual-kubelet-cn-hangzhou-h":"#,
        r#"{"metadata":{"name":"ecs-new","labels":{"mykey4pod":"asmgateway","topology.kubernetes.io/zone":"cn-hangzhou-j"}},"spec":{"taints":[{"key":"mykey","value":"myvalue","effect":"NoSchedule"}]},"status":{"allocatable":{"cpu":"4","memory":"8Gi","pods":"10"}}}"#
    )), "{out}");
    assert_eq!(ext.cache().stats().nodes, 5);
}

#[test]
fn bad_requests_are_refused_with_a_message() {
    let ext = extender(cluster("4", "4"), |_| {});
    let no_pod = ext.filter(&ExtenderArgs::default()).unwrap_err();
    assert!(no_pod.to_string().contains("no Pod"));
    let args = ExtenderArgs {
        pod: Some(gateway("gw", "1")),
        ..ExtenderArgs::default()
    };
    assert!(
        ext.prioritize(&args)
            .unwrap_err()
            .to_string()
            .contains("neither Nodes nor NodeNames")
    );
    assert!(ext.preempt(&ExtenderPreemptionArgs::default()).is_err());
}

/// A preempt request: the pod and, per candidate node, the victims' UIDs.
fn preemption(pod: &k::Pod, victims: &[(&str, &[&str])]) -> ExtenderPreemptionArgs {
    let meta: BTreeMap<_, _> = victims
        .iter()
        .map(|(node, uids)| {
            let pods: Vec<_> = uids.iter().map(|u| json!({"UID": u})).collect();
            (
                node.to_string(),
                json!({"Pods": pods, "NumPDBViolations": 0}),
            )
        })
        .collect();
    serde_json::from_value(json!({"Pod": pod, "NodeNameToMetaVictims": meta})).unwrap()
}

fn kept(ext: &Extender, args: &ExtenderPreemptionArgs) -> Vec<String> {
    let r = ext.preempt(args).unwrap();
    r.node_name_to_meta_victims.unwrap().into_keys().collect()
}

#[test]
fn preempt_answers_by_uid_and_converts_full_victims() {
    let ext = extender(cluster("4", "4"), |_| {});
    let args: ExtenderPreemptionArgs = wire::decode(
        br#"{"Pod":{"metadata":{"name":"p"}},
            "NodeNameToVictims":{"ecs-h":{"Pods":[{"metadata":{"name":"v","uid":"uid-v"}}],"NumPDBViolations":1}},
            "NodeNameToMetaVictims":{"ecs-i":{"Pods":[{"UID":"uid-w"}],"NumPDBViolations":0}}}"#,
    )
    .unwrap();
    let r = ext.preempt(&args).unwrap();
    assert_eq!(
        String::from_utf8(wire::encode(&r)).unwrap(),
        r#"{"NodeNameToMetaVictims":{"ecs-h":{"Pods":[{"UID":"uid-v"}],"NumPDBViolations":1},"ecs-i":{"Pods":[{"UID":"uid-w"}],"NumPDBViolations":0}}}"#
    );
}

#[test]
fn preempt_reruns_the_filters_without_the_victims() {
    let strict_upstream = |c: &mut Config| {
        c.policies.filter = vec![PolicyName::StrictOverflow, PolicyName::Upstream];
    };
    let ext = extender(cluster("4", "4"), strict_upstream);
    // Each ECS node runs two 1.5-CPU replicas: 1 CPU free.
    for (name, node) in [("a", ECS_H), ("b", ECS_H), ("c", ECS_I), ("d", ECS_I)] {
        let p = gateway(name, "1500m");
        ext.filter(&names_args(&p, &[node])).unwrap();
        assert_eq!(bind(&ext, &p, node), "");
    }
    let pod = gateway("big", "2");
    // ecs-h fits once "a" is gone; ecs-i does not without a victim the cache
    // holds; the virtual node is held while ecs-h can be made room on; a node
    // the cache does not know drops out.
    let args = preemption(
        &pod,
        &[
            (ECS_H, &["uid-a"]),
            (ECS_I, &["uid-unknown"]),
            (VK_H, &[]),
            ("gone", &[]),
        ],
    );
    assert_eq!(kept(&ext, &args), [ECS_H]);
    // A victim on another node than its candidate is not removed.
    let args = preemption(&pod, &[(ECS_H, &["uid-c"]), (VK_H, &[])]);
    assert_eq!(kept(&ext, &args), [VK_H]);
    // Both victims of ecs-i: it fits too.
    let args = preemption(&pod, &[(ECS_I, &["uid-c", "uid-d"]), (VK_H, &[])]);
    assert_eq!(kept(&ext, &args), [ECS_I]);

    // strict-overflow alone never drops an ECS candidate, and holds the
    // virtual node only while an ECS candidate fits after preemption.
    let ext = extender(cluster("4", "4"), |_| {});
    for (name, node) in [("a", ECS_H), ("b", ECS_H)] {
        let p = gateway(name, "1500m");
        ext.filter(&names_args(&p, &[node])).unwrap();
        assert_eq!(bind(&ext, &p, node), "");
    }
    let args = preemption(&pod, &[(ECS_H, &["uid-unknown"]), (VK_H, &[])]);
    assert_eq!(kept(&ext, &args), [ECS_H, VK_H]);
    let args = preemption(&pod, &[(ECS_H, &["uid-b"]), (VK_H, &[])]);
    assert_eq!(kept(&ext, &args), [ECS_H]);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// The guarantee: whatever the ECS capacity, the pods already bound and
    /// the pod's size, a virtual node passes strict-overflow exactly when no
    /// ECS candidate passes the engine's filters.
    #[test]
    fn no_virtual_node_passes_while_an_ecs_candidate_fits(
        cpu_h in 0u32..8, cpu_i in 0u32..8, bound in proptest::collection::vec((0u32..4, any::<bool>()), 0..6), size in 1u32..5,
    ) {
        let scenario = cluster(&format!("{}500m", cpu_h), &format!("{}500m", cpu_i));
        let ext = extender(scenario, |c| c.policies.filter = vec![PolicyName::StrictOverflow, PolicyName::Upstream]);
        for (i, (cpu, zone_h)) in bound.iter().enumerate() {
            let p = gateway(&format!("b{i}"), &format!("{}500m", cpu));
            ext.filter(&names_args(&p, &ALL)).unwrap();
            let _ = bind(&ext, &p, if *zone_h { ECS_H } else { ECS_I });
        }
        let pod = gateway("probe", &format!("{size}"));
        let r = ext.filter(&names_args(&pod, &ALL)).unwrap();
        let passed = r.node_names.unwrap();
        let ecs_fits = passed.iter().any(|n| n.starts_with("ecs"));
        let virtual_passes = passed.iter().any(|n| n.starts_with("virtual"));
        prop_assert!(ecs_fits != virtual_passes, "{passed:?}");
    }
}

/// A binder standing in for the API server: refuses pods named `refused-*`.
#[derive(Debug)]
struct FakeApi;

impl spillway_extender::extender::Binder for FakeApi {
    fn bind(&self, _: &str, name: &str, _: &str, _: &str) -> Result<(), String> {
        if name.starts_with("refused") {
            Err("pods \"refused\" is forbidden".into())
        } else {
            Ok(())
        }
    }
}

#[test]
fn api_bind_mode_books_only_what_the_api_server_accepts() {
    let api = |c: &mut Config| c.cluster.bind = spillway_extender::config::BindMode::Api;
    let without = extender(cluster("4", "4"), api);
    let pod = gateway("gw", "1");
    without.filter(&names_args(&pod, &ALL)).unwrap();
    assert!(bind(&without, &pod, ECS_H).contains("needs a connection to the API server"));

    let ext = extender(cluster("4", "4"), api).with_binder(Box::new(FakeApi));
    let refused = gateway("refused-1", "1");
    ext.filter(&names_args(&refused, &ALL)).unwrap();
    assert!(bind(&ext, &refused, ECS_H).contains("forbidden"));
    assert_eq!(ext.cache().stats().pods, 0, "the refused booking is undone");
    ext.filter(&names_args(&pod, &ALL)).unwrap();
    assert_eq!(bind(&ext, &pod, ECS_H), "");
    assert_eq!(ext.cache().stats().pods, 1);
}
