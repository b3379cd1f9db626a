//! The requests kube-scheduler v1.35.4's HTTPExtender really sent
//! (fixtures/golden/extender/wire), answered by the real server over the
//! golden extender scenario (a gateway ECS node with room, two workers, a
//! virtual node): Go's JSON, nodes only from those sent (byte for byte in the
//! `Nodes` form), every candidate accounted for, and the policies' verdicts.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::Value;
use spillway_extender::server::{self, AppState};
use spillway_extender::wire::{self, ExtenderArgs, ExtenderFilterResult, HostPriority};
use spillway_extender::{Cache, Config, Extender};
use spillway_kube::Scenario;
use tower::ServiceExt;

const GATEWAY_ECS: &str = "cn-hangzhou.10.0.1.10";
const VIRTUAL: &str = "virtual-kubelet-cn-hangzhou-h";

fn golden() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/golden/extender")
}

fn app(config: &str) -> axum::Router {
    let text = std::fs::read_to_string(golden().join("scenario.json")).unwrap();
    let scenario = Scenario::parse(Path::new("scenario.json"), &text).unwrap();
    let config = Config::parse(config).unwrap();
    let extender = Extender::new(config.clone(), Cache::from_scenario(scenario).unwrap());
    let state = AppState::new(extender, &config).unwrap();
    state.set_ready(true);
    server::router(Arc::new(state))
}

/// The recorded requests of one verb: (file name, body).
fn recorded(verb: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(golden().join("wire"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .ends_with(&format!("-{verb}.request.json"))
        })
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    assert!(out.len() >= 6, "{verb}: {out:?}");
    out
}

async fn post(app: &axum::Router, path: &str, body: &str) -> (StatusCode, String, String) {
    let request = Request::post(path)
        .body(Body::from(body.to_owned()))
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (
        status,
        content_type,
        String::from_utf8(bytes.to_vec()).unwrap(),
    )
}

/// The candidates a request sent, and each `Nodes` item's raw text by name.
fn sent(body: &str) -> (Vec<String>, Vec<(String, String)>) {
    let args: ExtenderArgs = wire::decode(body.as_bytes()).unwrap();
    match &args.nodes {
        Some(list) => {
            let names = list.names().unwrap();
            let raw = names
                .iter()
                .cloned()
                .zip(list.items.iter().map(|r| r.get().to_string()))
                .collect();
            (names, raw)
        }
        None => (args.node_names.unwrap().to_vec(), Vec::new()),
    }
}

#[tokio::test]
async fn recorded_filter_requests_get_go_json_over_the_nodes_sent() {
    let app = app("policies: {filter: [strict-overflow]}");
    for (file, body) in recorded("filter") {
        let (status, content_type, answer) = post(&app, "/filter", &body).await;
        assert_eq!(status, StatusCode::OK, "{file}: {answer}");
        assert_eq!(content_type, "application/json", "{file}");
        let result: ExtenderFilterResult = wire::decode(answer.as_bytes()).unwrap();
        // Go's encoding: re-encoding the decoded answer gives the same bytes.
        assert_eq!(
            String::from_utf8(wire::encode(&result)).unwrap(),
            answer,
            "{file}"
        );
        let (candidates, raw) = sent(&body);
        let passed = match &result.nodes {
            Some(list) => {
                assert!(
                    result.node_names.is_none(),
                    "{file}: answers in the form asked"
                );
                let names = list.names().unwrap();
                for (name, text) in names.iter().zip(&list.items) {
                    let original = raw.iter().find(|(n, _)| n == name).unwrap();
                    assert_eq!(text.get(), original.1, "{file}: {name} as sent");
                }
                names
            }
            None => result.node_names.clone().unwrap().to_vec(),
        };
        let failed = result.failed_nodes.clone().unwrap_or_default();
        let held = result
            .failed_and_unresolvable_nodes
            .clone()
            .unwrap_or_default();
        // Every candidate once: passed, failed or held; nothing else.
        let mut all: Vec<&String> = passed
            .iter()
            .chain(failed.keys())
            .chain(held.keys())
            .collect();
        all.sort();
        let mut expected: Vec<&String> = candidates.iter().collect();
        expected.sort();
        assert_eq!(all, expected, "{file}");
        // The gateway ECS node has room: the virtual node is held for overflow.
        assert!(passed.iter().any(|n| n == GATEWAY_ECS), "{file}");
        if candidates.iter().any(|n| n == VIRTUAL) {
            assert!(
                held[VIRTUAL].contains("ECS node(s) can take the pod (cn-hangzhou.10.0.1.10)"),
                "{file}: {held:?}"
            );
        }
    }
}

#[tokio::test]
async fn recorded_filter_requests_with_upstream_rules_reject_as_upstream_does() {
    let app = app("policies: {filter: [strict-overflow, upstream]}");
    for (file, body) in recorded("filter") {
        let (status, _, answer) = post(&app, "/filter", &body).await;
        assert_eq!(status, StatusCode::OK, "{file}: {answer}");
        let result: ExtenderFilterResult = wire::decode(answer.as_bytes()).unwrap();
        let passed = result
            .nodes
            .as_ref()
            .map(|l| l.names().unwrap())
            .or(result.node_names.as_ref().map(|n| n.to_vec()))
            .unwrap();
        assert_eq!(passed, [GATEWAY_ECS], "{file}");
        let held = result.failed_and_unresolvable_nodes.unwrap();
        for worker in ["worker-1", "worker-2"] {
            if let Some(reason) = held.get(worker) {
                assert_eq!(
                    reason, "node(s) didn't match Pod's node affinity/selector",
                    "{file}"
                );
            }
        }
    }
}

#[tokio::test]
async fn recorded_prioritize_requests_get_a_score_per_candidate() {
    let app = app("");
    for (file, body) in recorded("prioritize") {
        let (status, content_type, answer) = post(&app, "/prioritize", &body).await;
        assert_eq!(status, StatusCode::OK, "{file}: {answer}");
        assert_eq!(content_type, "application/json", "{file}");
        let list: Vec<Value> = serde_json::from_str(&answer).unwrap();
        let (candidates, _) = sent(&body);
        let hosts: Vec<&str> = list.iter().map(|h| h["Host"].as_str().unwrap()).collect();
        assert_eq!(
            hosts, candidates,
            "{file}: one entry per candidate, in order"
        );
        for h in &list {
            assert_eq!(
                h.as_object().unwrap().len(),
                2,
                "{file}: Host and Score only"
            );
            let score = h["Score"].as_i64().unwrap();
            assert!((0..=10).contains(&score), "{file}: {h}");
        }
        let decoded: Vec<HostPriority> = list
            .iter()
            .map(|h| wire::decode(h.to_string().as_bytes()).unwrap())
            .collect();
        let score = |n: &str| decoded.iter().find(|h| h.host == n).map(|h| h.score);
        // cost + spread: the ECS node already paid for beats the virtual node.
        if let (Some(ecs), Some(vk)) = (score(GATEWAY_ECS), score(VIRTUAL)) {
            assert!(ecs > vk, "{file}: {answer}");
        }
    }
}
