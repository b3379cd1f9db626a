//! The `spillway` binary end to end: the bundled example, output formats, and every
//! class of bad input (exit code 2, a message naming file, object and field, no panic).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn spillway(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spillway"))
        .args(args)
        .output()
        .expect("run spillway")
}

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/asm-gateway-overflow.yaml")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Writes `text` to a fresh temporary file named `name`.
fn scenario_file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("spillway-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn example_fills_the_ecs_node_then_overflows_to_virtual_nodes() {
    let out = spillway(&["schedule", example().to_str().unwrap(), "--output", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let assigned: Vec<Option<&str>> = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["assigned"].as_str())
        .collect();
    let ecs = "cn-hangzhou.10.0.1.10";
    assert_eq!(&assigned[..3], &[Some(ecs); 3], "the ECS node fills first");
    for a in &assigned[3..6] {
        assert!(
            a.is_some_and(|n| n.starts_with("virtual-kubelet-")),
            "overflow goes to virtual nodes: {assigned:?}"
        );
    }
    // The fourth replica no longer fits on ECS.
    let fourth = &v["results"][3];
    assert_eq!(
        fourth["filtered"][ecs],
        serde_json::json!(["Insufficient cpu"])
    );
    // The canary with a mismatched toleration stays Pending with upstream's message.
    let canary = &v["results"][6];
    assert!(canary["assigned"].is_null());
    assert_eq!(
        canary["message"],
        "0/5 nodes are available: 2 node(s) didn't match Pod's node affinity/selector, 3 node(s) had untolerated taint(s). \
         no new claims to deallocate, preemption: 0/5 nodes are available: 5 Preemption is not helpful for scheduling."
    );
}

#[test]
fn table_output_lists_pods_and_pending_reasons() {
    let out = spillway(&["schedule", example().to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.lines().next().unwrap().starts_with("POD"), "{text}");
    assert!(
        text.contains("istio-system/istio-ingressgateway-1-2ssq6"),
        "{text}"
    );
    assert!(
        text.contains(
            "0/5 nodes are available: 2 node(s) didn't match Pod's node affinity/selector"
        ),
        "{text}"
    );
    assert!(
        text.lines().all(|l| !l.ends_with(' ')),
        "no trailing spaces:\n{text}"
    );
}

#[test]
fn seeded_tie_break_is_deterministic_and_stays_among_the_best() {
    let run = |seed: &str| {
        let out = spillway(&[
            "schedule",
            example().to_str().unwrap(),
            "-o",
            "json",
            "--tie-break",
            seed,
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let a = run("seed:7");
    assert_eq!(a, run("seed:7"));
    for r in a["results"].as_array().unwrap() {
        if let Some(node) = r["assigned"].as_str() {
            assert!(r["best"].as_array().unwrap().iter().any(|b| b == node));
        }
    }
}

#[test]
fn invalid_tie_break_is_a_usage_error() {
    let out = spillway(&[
        "schedule",
        example().to_str().unwrap(),
        "--tie-break",
        "random",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("tie-break"), "{}", stderr(&out));
}

const NODE: &str = r#"
apiVersion: v1
kind: Node
metadata:
  name: node-1
  labels: {kubernetes.io/hostname: node-1}
status:
  allocatable: {cpu: "4", memory: 8Gi, pods: "110"}
"#;

fn pod(spec: &str) -> String {
    format!(
        "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: shop\nspec:\n{spec}"
    )
}

/// Runs a bad scenario and checks exit code 2 and that the message names everything.
fn assert_bad_input(name: &str, text: &str, needles: &[&str]) {
    let path = scenario_file(name, text);
    let out = spillway(&["schedule", path.to_str().unwrap()]);
    let err = stderr(&out);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{name}: exit code; stderr: {err}"
    );
    assert!(!err.contains("panicked"), "{name}: {err}");
    assert!(
        err.contains(path.to_str().unwrap()),
        "{name}: message names the file: {err}"
    );
    for n in needles {
        assert!(
            err.contains(n),
            "{name}: message should contain {n:?}: {err}"
        );
    }
}

#[test]
fn unknown_operator_names_object_and_field() {
    let text = format!(
        "{NODE}{}",
        pod(
            "  affinity:\n    nodeAffinity:\n      requiredDuringSchedulingIgnoredDuringExecution:\n        nodeSelectorTerms:\n        - matchExpressions:\n          - {key: zone, operator: Within, values: [a]}\n  containers: [{name: app, image: nginx}]\n"
        )
    );
    assert_bad_input(
        "unknown-operator.yaml",
        &text,
        &[
            "pod shop/web",
            "nodeSelectorTerms[0].matchExpressions[0].operator",
            "Within",
        ],
    );
}

#[test]
fn bad_quantity_names_object_and_field() {
    let text = format!(
        "{NODE}{}",
        pod("  containers:\n  - name: app\n    resources: {requests: {cpu: 2 cores}}\n")
    );
    assert_bad_input(
        "bad-quantity.yaml",
        &text,
        &[
            "pod shop/web",
            "spec.containers[0].resources.requests[cpu]",
            "2 cores",
        ],
    );
}

#[test]
fn bad_node_quantity_names_the_node() {
    let text = NODE.replace("memory: 8Gi", "memory: 8GiB");
    assert_bad_input(
        "bad-node-quantity.yaml",
        &text,
        &["node/node-1", "status.allocatable[memory]"],
    );
}

#[test]
fn duplicate_node_name_is_rejected() {
    assert_bad_input(
        "duplicate-node.yaml",
        &format!("{NODE}---{NODE}"),
        &["node/node-1", "duplicate node name"],
    );
}

#[test]
fn pod_bound_to_a_missing_node_is_rejected() {
    let text = format!(
        "{NODE}{}",
        pod("  nodeName: node-9\n  containers: [{name: app, image: nginx}]\n")
    );
    assert_bad_input(
        "missing-node.yaml",
        &text,
        &["pod shop/web", "spec.nodeName", "node-9"],
    );
}

#[test]
fn malformed_yaml_is_rejected_with_a_position() {
    assert_bad_input(
        "malformed.yaml",
        "apiVersion: v1\nkind: Node\nmetadata: {name: [unclosed\n",
        &["malformed YAML", "line"],
    );
}

#[test]
fn malformed_json_is_rejected_with_a_position() {
    assert_bad_input(
        "malformed.json",
        "{\"nodes\": [",
        &["malformed JSON", "line"],
    );
}

#[test]
fn wrongly_typed_field_is_named() {
    let text = format!(
        "{NODE}{}",
        pod("  priority: high\n  containers: [{name: app, image: nginx}]\n")
    );
    assert_bad_input("wrong-type.yaml", &text, &["pod shop/web", "spec.priority"]);
}

#[test]
fn unknown_object_form_key_is_rejected() {
    assert_bad_input(
        "unknown-key.json",
        r#"{"nodes": [], "incomming": []}"#,
        &["incomming"],
    );
}

#[test]
fn missing_file_is_bad_input() {
    let out = spillway(&["schedule", "/nonexistent/scenario.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("/nonexistent/scenario.yaml"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn explain_shows_why_the_fourth_replica_overflows() {
    let ex = example();
    let out = spillway(&[
        "explain",
        ex.to_str().unwrap(),
        "istio-system/istio-ingressgateway-1-4mzp8",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("Scheduled on virtual-kubelet-cn-hangzhou-h, total 698"),
        "{text}"
    );
    assert!(text.contains("incoming pod 4 of 7"), "{text}");
    // The ECS node is summarised under its reason.
    let fit = text
        .lines()
        .find(|l| l.contains("Insufficient cpu"))
        .expect("fit line");
    assert!(
        fit.contains("NodeResourcesFit") && fit.contains("cn-hangzhou.10.0.1.10"),
        "{fit}"
    );
}

#[test]
fn explain_node_detail_runs_every_filter_and_shows_score_arithmetic() {
    let ex = example();
    let out = spillway(&[
        "explain",
        ex.to_str().unwrap(),
        "istio-ingressgateway-1-2ssq6",
        "--node",
        "cn-hangzhou.10.0.1.10",
        "-o",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["assigned"], "cn-hangzhou.10.0.1.10");
    let filters = v["node"]["filters"].as_array().unwrap();
    assert_eq!(filters.len(), 13, "every Filter plugin of the profile");
    assert!(
        filters
            .iter()
            .all(|f| f["verdict"] == "pass" || f["verdict"] == "skipped (PreFilter)")
    );
    let plugins = v["node"]["scores"]["plugins"].as_array().unwrap();
    let total: i64 = plugins
        .iter()
        .map(|p| p["weighted"].as_i64().unwrap())
        .sum();
    assert_eq!(total, v["node"]["scores"]["total"].as_i64().unwrap());
    for p in plugins {
        assert_eq!(
            p["weighted"].as_i64(),
            Some(p["normalized"].as_i64().unwrap() * p["weight"].as_i64().unwrap())
        );
    }
}

#[test]
fn explain_pending_pod_reports_upstream_message() {
    let ex = example();
    let out = spillway(&[
        "explain",
        ex.to_str().unwrap(),
        "istio-ingressgateway-canary-7kq2m",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("Pending: 0/5 nodes are available: 2 node(s) didn't match Pod's node affinity/selector, 3 node(s) had untolerated taint(s)."), "{text}");
}

#[test]
fn explain_unknown_pod_or_node_is_bad_input() {
    let ex = example();
    let out = spillway(&["explain", ex.to_str().unwrap(), "no-such-pod"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no-such-pod"), "{}", stderr(&out));
    let out = spillway(&[
        "explain",
        ex.to_str().unwrap(),
        "reviews-v1-7d8f9c6b5-x2x9q",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("already running"), "{}", stderr(&out));
    let out = spillway(&[
        "explain",
        ex.to_str().unwrap(),
        "istio-ingressgateway-1-2ssq6",
        "--node",
        "ghost",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("ghost"), "{}", stderr(&out));
}

#[test]
fn ha_example_places_one_replica_per_node_then_per_zone() {
    let ha = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/asm-gateway-ha.yaml");
    let out = spillway(&["schedule", ha.to_str().unwrap(), "-o", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let placed: Vec<(String, String)> = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["pod"].as_str().unwrap().to_string(),
                r["assigned"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let of = |app: &str| {
        placed
            .iter()
            .filter(|(p, _)| p.contains(app))
            .map(|(_, n)| n.as_str())
            .collect::<Vec<_>>()
    };
    // Hostname: the first six replicas take six different nodes, ECS first.
    let hostname = of("istio-ingressgateway-1-");
    let distinct: std::collections::BTreeSet<&str> = hostname[..6].iter().copied().collect();
    assert_eq!(distinct.len(), 6, "{hostname:?}");
    assert!(
        hostname[..3].iter().all(|n| n.starts_with("ecs-")),
        "{hostname:?}"
    );
    assert!(
        hostname[6].starts_with("ecs-"),
        "the seventh doubles up on ECS: {hostname:?}"
    );
    // Zone: the first three replicas take the three zones, the fourth doubles up.
    // Node names carry the zone: `ecs-h-1`, `virtual-kubelet-cn-hangzhou-j`.
    let zone_of = |n: &str| {
        n.strip_prefix("ecs-")
            .map_or(n.chars().last(), |rest| rest.chars().next())
    };
    let zone = of("istio-ingressgateway-2-");
    let zones: std::collections::BTreeSet<Option<char>> =
        zone[..3].iter().map(|n| zone_of(n)).collect();
    assert_eq!(zones.len(), 3, "one replica per zone: {zone:?}");
    assert!(zone[3].starts_with("ecs-"), "{zone:?}");
}
