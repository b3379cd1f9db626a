//! The conformance suite: every golden scenario (upstream kube-scheduler v1.35.4's
//! own results, `fixtures/golden/`) through the real `spillway schedule` binary,
//! compared field by field with the expected file.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn golden() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/golden")
}

fn schedule_json(scenario: &Path) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_spillway"))
        .args(["schedule", "--output", "json", "--tie-break", "name"])
        .arg(scenario)
        .output()
        .expect("run spillway");
    assert!(
        out.status.success(),
        "{}: {}",
        scenario.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json output")
}

/// Compares every key of every pod result; returns the differences.
fn differences(name: &str, got: &Value, want: &Value) -> Vec<String> {
    let mut diffs = Vec::new();
    if got["k8sVersion"] != want["k8sVersion"] {
        diffs.push(format!(
            "{name}: k8sVersion {} != {}",
            got["k8sVersion"], want["k8sVersion"]
        ));
    }
    let (Some(g), Some(w)) = (got["results"].as_array(), want["results"].as_array()) else {
        return vec![format!("{name}: no results array")];
    };
    if g.len() != w.len() {
        diffs.push(format!("{name}: {} results, expected {}", g.len(), w.len()));
    }
    for (g, w) in g.iter().zip(w) {
        let (Some(go), Some(wo)) = (g.as_object(), w.as_object()) else {
            continue;
        };
        // spillway's additions to a result (see `PodDetails`); nothing else may differ.
        const ADDED: [&str; 4] = ["ready", "zone", "eci", "admission"];
        let keys: std::collections::BTreeSet<&String> = go
            .keys()
            .filter(|k| !ADDED.contains(&k.as_str()))
            .chain(wo.keys())
            .collect();
        for k in keys {
            if go.get(k) != wo.get(k) {
                diffs.push(format!(
                    "{name} {}: {k}: got {} want {}",
                    w["pod"],
                    go.get(k).map_or("<absent>".into(), Value::to_string),
                    wo.get(k).map_or("<absent>".into(), Value::to_string)
                ));
            }
        }
    }
    diffs
}

#[test]
fn every_golden_scenario_matches_upstream_exactly() {
    let dir = golden();
    let mut scenarios: Vec<PathBuf> = std::fs::read_dir(dir.join("scenarios"))
        .expect("golden scenarios")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    scenarios.sort();
    assert!(
        scenarios.len() >= 64,
        "golden corpus missing: {} scenarios",
        scenarios.len()
    );
    let mut diffs = Vec::new();
    for s in &scenarios {
        let name = s.file_name().unwrap().to_string_lossy().to_string();
        let want: Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join("expected").join(&name)).unwrap(),
        )
        .unwrap();
        diffs.extend(differences(&name, &schedule_json(s), &want));
    }
    assert!(
        diffs.is_empty(),
        "{} differences:\n{}",
        diffs.len(),
        diffs.join("\n")
    );
}

#[test]
fn extender_e2e_scenario_without_extender_matches_upstream() {
    let dir = golden().join("extender");
    let want: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("e2e-no-extender.json")).unwrap())
            .unwrap();
    let diffs = differences(
        "e2e-no-extender",
        &schedule_json(&dir.join("scenario-e2e.json")),
        &want,
    );
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
}
