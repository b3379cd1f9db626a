//! Every `spillway doctor` check on a scenario that has exactly that mistake, and
//! admission rules seen through whole scenarios.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use spillway_kube::Scenario;
use spillway_kube::doctor::{self, Finding, Severity};

/// An ECS node labelled and tainted for the gateway, a plain worker in zone i, and
/// a virtual node per zone.
const CLUSTER: &str = r#"
virtualNodes:
- {zone: z-h}
- {zone: z-i}
nodes:
- metadata:
    name: ecs-gw
    labels: {kubernetes.io/hostname: ecs-gw, topology.kubernetes.io/zone: z-h, mykey4pod: asmgateway}
  spec:
    taints: [{key: mykey, value: myvalue, effect: NoSchedule}]
  status: {allocatable: {cpu: "4", memory: 16Gi, pods: "110"}}
- metadata:
    name: worker
    labels: {kubernetes.io/hostname: worker, topology.kubernetes.io/zone: z-i}
  status: {allocatable: {cpu: "4", memory: 16Gi, pods: "110"}}
"#;

fn scenario(rest: &str) -> Scenario {
    Scenario::parse(Path::new("t.yaml"), &format!("{CLUSTER}{rest}")).unwrap()
}

fn diagnose(rest: &str) -> Vec<Finding> {
    let s = scenario(rest);
    let snapshot = s.compile().unwrap();
    doctor::diagnose(&s, &snapshot).unwrap()
}

fn has(findings: &[Finding], severity: Severity, check: &str) -> bool {
    findings
        .iter()
        .any(|f| f.severity == severity && f.check == check)
}

/// An incoming gateway pod with the given affinity/toleration YAML (indented 4).
fn gateway(name: &str, spec: &str) -> String {
    format!(
        "incoming:\n- metadata: {{name: {name}, labels: {{app: gw}}}}\n  spec:\n    containers: [{{name: c, resources: {{requests: {{cpu: 100m}}}}}}]\n{spec}"
    )
}

const SEED_AFFINITY: &str = "    affinity:\n      nodeAffinity:\n        requiredDuringSchedulingIgnoredDuringExecution:\n          nodeSelectorTerms:\n          - matchExpressions: [{key: mykey4pod, operator: In, values: [asmgateway]}]\n          - matchExpressions: [{key: type, operator: In, values: [virtual-kubelet]}]\n";

const PREFERENCES: &str = "        preferredDuringSchedulingIgnoredDuringExecution:\n        - {weight: 80, preference: {matchExpressions: [{key: mykey4pod, operator: In, values: [asmgateway]}]}}\n        - {weight: 20, preference: {matchExpressions: [{key: type, operator: In, values: [virtual-kubelet]}]}}\n";

#[test]
fn only_required_affinity_sends_the_first_replica_to_eci_while_ecs_fits() {
    let spec = format!(
        "{SEED_AFFINITY}    tolerations:\n    - {{key: mykey, operator: Equal, value: myvalue, effect: NoSchedule}}\n    - {{key: virtual-kubelet.io/provider, operator: Equal, value: alibabacloud, effect: NoSchedule}}\n"
    );
    let f = diagnose(&gateway("p", &spec));
    let x = f
        .iter()
        .find(|x| x.check == "overflow-before-ecs-is-full")
        .expect("finding");
    assert!(x.problem.contains("replica 1"), "{x:?}");
    assert!(x.problem.contains("no preferred node affinity"), "{x:?}");
}

#[test]
fn a_selector_label_no_node_has_is_an_error() {
    let f = diagnose(&gateway("p", "    nodeSelector: {disk: nvme}\n"));
    assert!(
        has(&f, Severity::Error, "selector-matches-no-node"),
        "{f:#?}"
    );
    assert!(f[0].field.contains("spec.nodeSelector[disk]"));
}

#[test]
fn a_mistyped_affinity_value_names_the_requirement_and_the_values_nodes_have() {
    let spec = SEED_AFFINITY.replace("values: [asmgateway]", "values: [asmgatway]");
    let f = diagnose(&gateway(
        "p",
        &format!(
            "{spec}    tolerations: [{{key: virtual-kubelet.io/provider, operator: Exists}}]\n"
        ),
    ));
    let x = f
        .iter()
        .find(|x| x.check == "affinity-matches-no-node")
        .expect("finding");
    // The other term still reaches the virtual nodes: a warning, not Pending.
    assert_eq!(x.severity, Severity::Warning);
    assert!(
        x.field
            .ends_with("nodeSelectorTerms[0].matchExpressions[0]"),
        "{x:?}"
    );
    assert!(x.problem.contains("mykey4pod=asmgateway"), "{x:?}");
}

#[test]
fn affinity_that_reaches_no_node_is_an_error() {
    let spec = "    affinity:\n      nodeAffinity:\n        requiredDuringSchedulingIgnoredDuringExecution:\n          nodeSelectorTerms:\n          - matchExpressions: [{key: pool, operator: In, values: [gpu]}]\n";
    let f = diagnose(&gateway("p", spec));
    assert!(
        has(&f, Severity::Error, "affinity-matches-no-node"),
        "{f:#?}"
    );
}

#[test]
fn a_toleration_with_the_wrong_value_keeps_pods_off_the_ecs_node() {
    let spec = format!(
        "{SEED_AFFINITY}    tolerations:\n    - {{key: mykey, operator: Equal, value: other, effect: NoSchedule}}\n    - {{key: virtual-kubelet.io/provider, operator: Equal, value: alibabacloud, effect: NoSchedule}}\n"
    );
    let f = diagnose(&gateway("p", &spec));
    let x = f
        .iter()
        .find(|x| x.check == "taint-not-tolerated")
        .expect("finding");
    // The virtual nodes remain: the pods skip ECS instead of staying Pending.
    assert_eq!(x.severity, Severity::Warning);
    assert!(
        x.problem.contains("mykey=myvalue:NoSchedule on ecs-gw"),
        "{x:?}"
    );
    assert!(x.fix.contains("value: myvalue"), "{x:?}");
    assert!(
        has(&f, Severity::Warning, "toleration-matches-no-taint"),
        "{f:#?}"
    );
}

#[test]
fn virtual_nodes_without_their_toleration_are_out_of_reach() {
    let spec = SEED_AFFINITY.replace(
        "          - matchExpressions: [{key: mykey4pod, operator: In, values: [asmgateway]}]\n",
        "",
    );
    let f = diagnose(&gateway("p", &spec));
    let x = f
        .iter()
        .find(|x| x.check == "taint-not-tolerated")
        .expect("finding");
    assert_eq!(x.severity, Severity::Error, "nothing reachable is left");
    assert!(x.problem.contains("reach virtual nodes"), "{x:?}");
    assert!(x.fix.contains("virtual-kubelet.io/provider"), "{x:?}");
}

#[test]
fn a_preference_that_matches_no_node_never_counts() {
    let spec = "    affinity:\n      nodeAffinity:\n        preferredDuringSchedulingIgnoredDuringExecution:\n        - weight: 80\n          preference: {matchExpressions: [{key: mykey4pod, operator: In, values: [gw]}]}\n";
    let f = diagnose(&gateway("p", spec));
    assert!(
        has(&f, Severity::Warning, "preference-matches-no-node"),
        "{f:#?}"
    );
}

#[test]
fn anti_affinity_on_eci_only_pods_is_flagged() {
    let spec = format!(
        "{}    tolerations: [{{key: virtual-kubelet.io/provider, operator: Exists}}]\n      podAntiAffinity:\n        preferredDuringSchedulingIgnoredDuringExecution:\n        - weight: 100\n          podAffinityTerm: {{labelSelector: {{matchLabels: {{app: gw}}}}, topologyKey: kubernetes.io/hostname}}\n",
        "    affinity:\n      nodeAffinity:\n        requiredDuringSchedulingIgnoredDuringExecution:\n          nodeSelectorTerms:\n          - matchExpressions: [{key: type, operator: In, values: [virtual-kubelet]}]\n"
    );
    // YAML: the podAntiAffinity must sit under affinity, before tolerations.
    let spec = spec.replace(
        "    tolerations: [{key: virtual-kubelet.io/provider, operator: Exists}]\n      podAntiAffinity:",
        "      podAntiAffinity:",
    ) + "    tolerations: [{key: virtual-kubelet.io/provider, operator: Exists}]\n";
    let f = diagnose(&gateway("p", &spec));
    assert!(has(&f, Severity::Warning, "anti-affinity-on-eci"), "{f:#?}");
}

#[test]
fn replicas_on_one_node_are_one_failure_from_an_outage() {
    let mut text = String::from("incoming:\n");
    for i in 0..3 {
        text.push_str(&format!(
            "- metadata: {{name: p{i}, labels: {{app: web}}, ownerReferences: [{{apiVersion: apps/v1, kind: ReplicaSet, name: web-1, uid: u, controller: true}}]}}\n  spec:\n    nodeSelector: {{kubernetes.io/hostname: worker}}\n    containers: [{{name: c}}]\n"
        ));
    }
    text.push_str("replicaSets:\n- metadata: {name: web-1}\n  spec:\n    replicas: 3\n    selector: {matchLabels: {app: web}}\n    template:\n      metadata: {labels: {app: web}}\n      spec: {containers: [{name: c}]}\n");
    let f = diagnose(&text);
    let x = f
        .iter()
        .find(|x| x.check == "single-node-failure")
        .expect("finding");
    assert_eq!(x.object, "replicaset/web-1");
    assert!(has(&f, Severity::Warning, "single-zone-failure"), "{f:#?}");
}

#[test]
fn gateways_sharing_a_load_balancer_clash_on_their_listeners() {
    let svc = |name: &str, port: i32| {
        format!(
            "- metadata: {{name: {name}, annotations: {{service.beta.kubernetes.io/alibaba-cloud-loadbalancer-id: lb-1}}}}\n  spec: {{type: LoadBalancer, ports: [{{port: {port}}}], selector: {{app: {name}}}}}\n"
        )
    };
    let f = diagnose(&format!(
        "services:\n{}{}",
        svc("gw-a", 80),
        svc("gw-b", 80)
    ));
    assert!(has(&f, Severity::Error, "shared-load-balancer"), "{f:#?}");
    let f = diagnose(&format!(
        "services:\n{}{}",
        svc("gw-a", 80),
        svc("gw-b", 8080)
    ));
    assert!(has(&f, Severity::Warning, "shared-load-balancer"), "{f:#?}");
}

#[test]
fn a_virtual_node_without_its_taint_is_flagged() {
    let text = "---\nnodes:\n- metadata: {name: vk-bare, labels: {type: virtual-kubelet}}\n  status: {allocatable: {cpu: '1000', pods: '1000'}}\n";
    let f = diagnose(text);
    assert!(
        f.iter()
            .any(|x| x.check == "virtual-node-untainted" && x.object == "node/vk-bare"),
        "{f:#?}"
    );
}

#[test]
fn a_clean_scenario_has_no_findings() {
    let spec = format!(
        "{SEED_AFFINITY}{PREFERENCES}    tolerations:\n    - {{key: mykey, operator: Equal, value: myvalue, effect: NoSchedule}}\n    - {{key: virtual-kubelet.io/provider, operator: Equal, value: alibabacloud, effect: NoSchedule}}\n"
    );
    assert_eq!(diagnose(&gateway("p", &spec)), Vec::<Finding>::new());
}

#[test]
fn pods_already_injected_are_not_injected_again() {
    let text = "namespaces:\n- metadata: {name: shop, labels: {istio-injection: enabled}}\nincoming:\n- metadata: {name: a, namespace: shop}\n  spec: {containers: [{name: app}, {name: istio-proxy}]}\n- metadata: {name: b, namespace: shop}\n  spec: {containers: [{name: app}]}\n";
    let s = scenario(text);
    let names = |i: usize| -> Vec<String> {
        s.incoming[i]
            .spec
            .as_ref()
            .unwrap()
            .containers
            .iter()
            .map(|c| c.name.clone())
            .collect()
    };
    assert_eq!(names(0), ["app", "istio-proxy"]);
    assert_eq!(names(1), ["app", "istio-proxy"]);
    assert_eq!(s.pod_details(0, None).unwrap().ready, "2/2");
}

#[test]
fn deployments_create_their_missing_replicas_after_the_incoming_pods() {
    let text = "incoming:\n- metadata: {name: first}\n  spec: {containers: [{name: c}]}\ndeployments:\n- metadata: {name: web}\n  spec:\n    replicas: 3\n    selector: {matchLabels: {app: web}}\n    template:\n      metadata: {labels: {app: web}}\n      spec: {containers: [{name: c}]}\n";
    let s = scenario(text);
    assert_eq!(s.incoming.len(), 4);
    assert_eq!(s.incoming[0].metadata.name.as_deref(), Some("first"));
    for p in &s.incoming[1..] {
        let name = p.metadata.name.clone().unwrap();
        assert!(name.starts_with("web-"), "{name}");
        let owner = &p.metadata.owner_references.as_ref().unwrap()[0];
        assert_eq!(owner.kind, "ReplicaSet");
    }
    assert_eq!(s.replica_sets.len(), 1, "the Deployment's ReplicaSet");
    // Loading twice gives the same pods (deterministic names).
    let again = scenario(text);
    assert_eq!(again.incoming, s.incoming);
}
