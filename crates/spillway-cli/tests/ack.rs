//! The ACK/ASM examples end to end: each reproduces what its seed document says
//! happens, and `doctor` and `capacity` answer on them; bad ACK input is exit 2
//! with the field named.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn spillway(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spillway"))
        .args(args)
        .output()
        .expect("run spillway")
}

fn example(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

fn json(args: &[&str]) -> Value {
    let out = spillway(args);
    assert!(
        out.status.code() == Some(0) || out.status.code() == Some(1),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json output")
}

fn results(file: &str) -> Vec<Value> {
    let v = json(&["schedule", &example(file), "-o", "json"]);
    v["results"].as_array().cloned().unwrap_or_default()
}

fn findings(file: &str) -> Vec<Value> {
    json(&["doctor", &example(file), "-o", "json"])
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn checks(findings: &[Value]) -> Vec<(String, String, String)> {
    findings
        .iter()
        .map(|f| {
            (
                f["severity"].as_str().unwrap_or_default().to_string(),
                f["check"].as_str().unwrap_or_default().to_string(),
                f["object"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[test]
fn overflow_canary_is_pending_and_doctor_says_which_toleration_is_wrong() {
    let out = spillway(&["doctor", &example("asm-gateway-overflow.yaml")]);
    assert_eq!(out.status.code(), Some(1), "errors found: exit 1");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("pod istio-system/istio-ingressgateway-canary-7kq2m"),
        "{text}"
    );
    assert!(text.contains("mykey=myvalue:NoSchedule"), "{text}");
    assert!(
        text.contains("has key mykey but value \"othervalue\""),
        "{text}"
    );
    assert!(
        text.contains("{key: mykey, operator: Equal, value: myvalue, effect: NoSchedule}"),
        "{text}"
    );
    assert!(
        text.contains("{key: virtual-kubelet.io/provider, operator: Equal, value: alibabacloud, effect: NoSchedule}"),
        "{text}"
    );
    // The gateway replicas themselves are fine.
    assert!(!text.contains("istio-ingressgateway-1-"), "{text}");
}

#[test]
fn eci_zones_spread_with_vswitch_random_and_follow_the_list_with_vswitch_ordered() {
    let r = results("asm-gateway-ha-eci-zones.yaml");
    assert_eq!(r.len(), 9);
    let mut zonal: BTreeMap<String, usize> = BTreeMap::new();
    for p in &r[..6] {
        let zone = p["zone"].as_str().unwrap().to_string();
        // The vSwitch of the zone it landed in.
        let vswitch = p["eci"]["vswitch"].as_str().unwrap();
        assert_eq!(
            &vswitch[vswitch.len() - 1..],
            &zone[zone.len() - 1..],
            "{p}"
        );
        *zonal.entry(zone).or_default() += 1;
    }
    assert_eq!(
        zonal.values().copied().collect::<Vec<_>>(),
        vec![2, 2, 2],
        "{zonal:?}"
    );
    for p in &r[6..] {
        assert_eq!(
            p["zone"], "cn-hangzhou-j",
            "VSwitchOrdered: first listed zone"
        );
        assert_eq!(p["eci"]["vswitch"], "vsw-bp1j");
    }
    let f = findings("asm-gateway-ha-eci-zones.yaml");
    assert_eq!(
        checks(&f),
        vec![(
            "warning".to_string(),
            "single-zone-failure".to_string(),
            "deployment/istio-ingressgateway-ordered".to_string()
        )]
    );
    assert!(f[0]["fix"].as_str().unwrap().contains("VSwitchRandom"));
}

#[test]
fn serverless_gateway_runs_on_eci_and_doctor_flags_its_anti_affinity() {
    let r = results("asm-serverless-gateway.yaml");
    assert_eq!(r.len(), 2, "replicaCount 2 (= minReplicas)");
    let zones: Vec<&str> = r.iter().map(|p| p["zone"].as_str().unwrap()).collect();
    assert_eq!(
        zones,
        ["cn-hangzhou-h", "cn-hangzhou-i"],
        "default spreading over zones"
    );
    for p in &r {
        assert!(
            p["pod"]
                .as_str()
                .unwrap()
                .starts_with("istio-system/istio-ingressgateway-")
        );
        assert!(
            p["assigned"]
                .as_str()
                .unwrap()
                .starts_with("virtual-kubelet-")
        );
        assert_eq!(p["eci"]["spec"], "1-2Gi");
        let notes = p["admission"].as_array().unwrap();
        assert!(
            notes
                .iter()
                .any(|n| n.as_str().unwrap().contains("alibabacloud.com/eci=true")),
            "{notes:?}"
        );
    }
    let f = findings("asm-serverless-gateway.yaml");
    assert!(
        checks(&f).contains(&(
            "warning".to_string(),
            "anti-affinity-on-eci".to_string(),
            "istiogateway/ingressgateway".to_string()
        )),
        "{f:?}"
    );
}

#[test]
fn meshed_pods_are_two_of_two_and_eci_pods_grow_by_the_sidecar() {
    let r = results("eci-pods-in-mesh.yaml");
    let by_pod: BTreeMap<&str, &Value> =
        r.iter().map(|p| (p["pod"].as_str().unwrap(), p)).collect();
    let eci = |p: &Value| {
        p["assigned"]
            .as_str()
            .unwrap()
            .starts_with("virtual-kubelet-")
    };
    let fe = by_pod["web/frontend-eci"];
    assert_eq!(fe["ready"], "2/2");
    assert!(eci(fe), "pod label alibabacloud.com/eci=true");
    // 500m + 100m proxy, 1Gi + 128Mi: rounded up to 1 vCPU / 2 GiB.
    assert_eq!(fe["eci"]["spec"], "1-2Gi");
    let f = by_pod["web/frontend"];
    assert_eq!(f["ready"], "2/2");
    assert!(!eci(f), "no ECI label: stays on ECS");
    let report = by_pod["web/report"];
    assert_eq!(report["ready"], "1/1", "sidecar.istio.io/inject=false");
    let carts: Vec<&&Value> = by_pod
        .iter()
        .filter(|(k, _)| k.starts_with("shop/cart-"))
        .map(|(_, v)| v)
        .collect();
    assert_eq!(carts.len(), 2, "the Deployment's two replicas");
    for c in carts {
        assert_eq!(c["ready"], "2/2");
        assert!(eci(c), "namespace label alibabacloud.com/eci=true");
        // 1 vCPU + 100m, 2Gi + 128Mi: 2 vCPU / 4 GiB.
        assert_eq!(c["eci"]["spec"], "2-4Gi");
        let price = c["eci"]["pricePerHour"].as_f64().unwrap();
        assert!((price - (2.0 * 0.000_049 + 4.0 * 0.000_006_13) * 3600.0).abs() < 1e-9);
    }
}

#[test]
fn istiogateway_expands_and_fills_ecs_first_then_eci() {
    let r = results("asm-istiogateway.yaml");
    assert_eq!(r.len(), 5, "replicaCount 5");
    let ecs = r
        .iter()
        .filter(|p| p["assigned"] == "cn-hangzhou.10.0.1.10")
        .count();
    assert_eq!(ecs, 3, "the ECS node takes three 1-cpu replicas");
    assert_eq!(r[0]["assigned"], "cn-hangzhou.10.0.1.10", "ECS first");
    for p in &r {
        assert!(
            p["pod"]
                .as_str()
                .unwrap()
                .starts_with("istio-system/istio-ingressgateway-1-")
        );
    }
    // The default spreading of the gateway's ReplicaSet and Service sends replica
    // 3 to ECI while ECS still has room: doctor explains it.
    let f = findings("asm-istiogateway.yaml");
    let overflow = f
        .iter()
        .find(|x| x["check"] == "overflow-before-ecs-is-full")
        .expect("overflow finding");
    assert_eq!(overflow["object"], "istiogateway/ingressgateway-1");
    assert!(
        overflow["problem"]
            .as_str()
            .unwrap()
            .contains("PodTopologySpread")
    );
}

#[test]
fn capacity_counts_ecs_then_eci_and_finds_the_nodes_to_add() {
    let v = json(&[
        "capacity",
        &example("asm-gateway-overflow.yaml"),
        "--pod",
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/gateway-pod.yaml")
            .to_string_lossy(),
        "--max",
        "12",
        "-o",
        "json",
    ]);
    // The example's six replicas filled the ECS node: every new one goes to ECI.
    assert_eq!(v["ecsBeforeOverflow"], 0);
    assert_eq!(v["eci"], 12);
    let v = json(&[
        "capacity",
        &example("asm-istiogateway.yaml"),
        "--workload",
        "ingressgateway-1",
        "--add-nodes",
        "cn-hangzhou.10.0.1.10",
        "--zones",
        "cn-hangzhou-h,cn-hangzhou-i",
        "--replicas",
        "10",
        "-o",
        "json",
    ]);
    assert_eq!(v["result"]["nodes"], 4, "{v}");
    // The search checked the count below it too.
    let tried = v["result"]["tried"].as_array().unwrap();
    assert!(
        tried.iter().any(|t| t[0] == 3 && t[1].as_u64() > Some(0)),
        "{v}"
    );
    assert!((v["result"]["nodePricePerHour"].as_f64().unwrap() - 1.152).abs() < 1e-9);
}

/// Writes `text` to a fresh temporary file named `name`.
fn scenario_file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("spillway-ack-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

const CLUSTER: &str = "ack: {vswitches: [{id: vsw-h, zone: z-h}]}\nvirtualNodes:\n- {zone: z-h}\n";

fn pod(annotations: &str, labels: &str, requests: &str) -> String {
    format!(
        "{CLUSTER}incoming:\n- metadata:\n    name: p\n    labels: {{{labels}}}\n    annotations: {{{annotations}}}\n  spec:\n    containers:\n    - name: c\n      resources: {{requests: {{{requests}}}}}\n"
    )
}

#[test]
fn bad_ack_input_is_exit_2_naming_the_field() {
    let cases = [
        (
            "strategy",
            pod(
                "k8s.aliyun.com/eci-schedule-strategy: VSwitchFastest",
                "",
                "cpu: 1",
            ),
            "metadata.annotations[k8s.aliyun.com/eci-schedule-strategy]",
        ),
        (
            "vswitch-list",
            pod("k8s.aliyun.com/eci-vswitch: 'vsw-h,,vsw-h'", "", "cpu: 1"),
            "metadata.annotations[k8s.aliyun.com/eci-vswitch]",
        ),
        (
            "unknown-vswitch",
            pod("k8s.aliyun.com/eci-vswitch: vsw-nowhere", "", "cpu: 1"),
            "vsw-nowhere",
        ),
        (
            "use-specs",
            pod("k8s.aliyun.com/eci-use-specs: 3-5Gi", "", "cpu: 1"),
            "metadata.annotations[k8s.aliyun.com/eci-use-specs]",
        ),
        (
            "impossible-spec",
            pod("", "alibabacloud.com/eci: 'true'", "cpu: 100"),
            "pod default/p",
        ),
        (
            "gateway-type",
            format!(
                "{CLUSTER}istioGateways:\n- metadata: {{name: gw}}\n  spec: {{replicaCount: two}}\n"
            ),
            "spec.replicaCount",
        ),
        (
            "gateway-field",
            format!("{CLUSTER}istioGateways:\n- metadata: {{name: gw}}\n  spec: {{replicas: 2}}\n"),
            "replicas",
        ),
        (
            "virtual-node",
            "virtualNodes:\n- {zone: z, quota: {gpu: '1'}}\n".to_string(),
            "virtualNodes[0]: quota.gpu",
        ),
        (
            "settings",
            "ack: {eci: {prices: {vcpu: 1}}}\n".to_string(),
            "ack",
        ),
    ];
    for (name, text, field) in cases {
        let path = scenario_file(&format!("{name}.yaml"), &text);
        let out = spillway(&["schedule", path.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains(field), "{name}: {err}");
        assert!(err.contains(&format!("{name}.yaml")), "{name}: {err}");
        assert!(!err.contains("panicked"), "{name}: {err}");
    }
}
