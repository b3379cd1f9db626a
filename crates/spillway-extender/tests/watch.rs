//! The `kube` feature against an API server that speaks Kubernetes' list and
//! watch protocol over loopback HTTP: kube-rs' watchers fill the cache (list,
//! then ADDED / MODIFIED / DELETED events), a relist after the watch expires
//! (410 Gone) deletes what the list no longer returns, a failed list is
//! retried, and the binder creates the `pods/binding` subresource the way
//! kube-scheduler's DefaultBinder does.
//!
//! The server is a fake kept to the parts of the protocol kube-rs uses: a
//! list answers `{kind}List` with `metadata.resourceVersion` and items without
//! `kind`/`apiVersion` (as the API server sends them); a watch streams one
//! JSON event per line from that list's version on.
#![cfg(feature = "kube")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use futures::StreamExt;
use serde_json::{Value, json};
use spillway_extender::watch::Live;
use spillway_extender::{Cache, server};
use tokio::sync::broadcast;

/// One kind of object on the fake API server.
struct Kind {
    objects: BTreeMap<String, Value>,
    events: broadcast::Sender<String>,
    /// Every event with its resource version, for watches that start behind.
    history: Vec<(u64, String)>,
    /// Lists to fail (500) before answering.
    failing_lists: u32,
}

struct Api {
    kinds: Mutex<BTreeMap<&'static str, Kind>>,
    version: AtomicU64,
    bindings: Mutex<Vec<(String, Value)>>,
    /// Answer bindings with 409 Conflict.
    refuse_bindings: AtomicBool,
}

const KINDS: [(&str, &str); 3] = [
    ("nodes", "Node"),
    ("pods", "Pod"),
    ("namespaces", "Namespace"),
];

impl Api {
    fn new() -> Arc<Api> {
        let kinds = KINDS
            .iter()
            .map(|&(plural, _)| {
                let kind = Kind {
                    objects: BTreeMap::new(),
                    events: broadcast::channel(64).0,
                    history: Vec::new(),
                    failing_lists: 0,
                };
                (plural, kind)
            })
            .collect();
        Arc::new(Api {
            kinds: Mutex::new(kinds),
            version: AtomicU64::new(1),
            bindings: Mutex::new(Vec::new()),
            refuse_bindings: AtomicBool::new(false),
        })
    }

    fn key(obj: &Value) -> String {
        let meta = &obj["metadata"];
        match meta["namespace"].as_str() {
            Some(ns) => format!("{ns}/{}", meta["name"].as_str().unwrap()),
            None => meta["name"].as_str().unwrap().to_string(),
        }
    }

    /// Records and sends a watch event for `obj` (as of `rv`).
    fn send(kind: &mut Kind, plural: &str, rv: u64, typ: &str, mut obj: Value) {
        obj["kind"] = json!(kind_name(plural));
        obj["apiVersion"] = json!("v1");
        let line = format!("{}\n", json!({"type": typ, "object": obj}));
        kind.history.push((rv, line.clone()));
        let _ = kind.events.send(line);
    }

    /// Creates or replaces an object; watchers see ADDED or MODIFIED.
    fn put(&self, plural: &str, mut obj: Value) {
        let rv = self.version.fetch_add(1, Ordering::SeqCst) + 1;
        obj["metadata"]["resourceVersion"] = json!(rv.to_string());
        let mut kinds = self.kinds.lock().unwrap();
        let kind = kinds.get_mut(plural).unwrap();
        let typ = match kind.objects.insert(Api::key(&obj), obj.clone()) {
            Some(_) => "MODIFIED",
            None => "ADDED",
        };
        Api::send(kind, plural, rv, typ, obj);
    }

    /// Deletes an object; watchers see DELETED unless `silently` (an event
    /// the watch missed).
    fn delete(&self, plural: &str, key: &str, silently: bool) {
        let rv = self.version.fetch_add(1, Ordering::SeqCst) + 1;
        let mut kinds = self.kinds.lock().unwrap();
        let kind = kinds.get_mut(plural).unwrap();
        let mut obj = kind.objects.remove(key).unwrap();
        obj["metadata"]["resourceVersion"] = json!(rv.to_string());
        if !silently {
            Api::send(kind, plural, rv, "DELETED", obj);
        }
    }

    /// Ends the watches on `plural` with 410 Gone: the client lists again.
    fn expire(&self, plural: &str) {
        let kinds = self.kinds.lock().unwrap();
        let gone = json!({"type": "ERROR", "object": {
            "kind": "Status", "apiVersion": "v1", "status": "Failure",
            "message": "too old resource version", "reason": "Expired", "code": 410}});
        let _ = kinds[plural].events.send(format!("{gone}\n"));
    }

    fn fail_next_lists(&self, plural: &str, n: u32) {
        self.kinds
            .lock()
            .unwrap()
            .get_mut(plural)
            .unwrap()
            .failing_lists = n;
    }
}

fn kind_name(plural: &str) -> &'static str {
    KINDS.iter().find(|(p, _)| *p == plural).unwrap().1
}

fn status(code: StatusCode, message: &str) -> Response {
    let body = json!({"kind": "Status", "apiVersion": "v1", "status": "Failure",
        "message": message, "code": code.as_u16()});
    Response::builder()
        .status(code)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

/// GET /api/v1/{plural} (list or watch) and
/// POST /api/v1/namespaces/{ns}/pods/{name}/binding.
async fn handle(State(api): State<Arc<Api>>, request: Request) -> Response {
    let path = request.uri().path().to_string();
    let query = request.uri().query().unwrap_or_default().to_string();
    let parts: Vec<&str> = path.trim_start_matches("/api/v1/").split('/').collect();
    match (request.method().clone(), parts.as_slice()) {
        (Method::POST, ["namespaces", ns, "pods", name, "binding"]) => {
            let body = axum::body::to_bytes(request.into_body(), 1 << 20)
                .await
                .unwrap();
            let binding: Value = serde_json::from_slice(&body).unwrap();
            if api.refuse_bindings.load(Ordering::SeqCst) {
                return status(
                    StatusCode::CONFLICT,
                    &format!("pod {name} is already assigned to node \"elsewhere\""),
                );
            }
            api.bindings
                .lock()
                .unwrap()
                .push((format!("{ns}/{name}"), binding.clone()));
            Response::builder()
                .status(StatusCode::CREATED)
                .header("content-type", "application/json")
                .body(Body::from(binding.to_string()))
                .unwrap()
        }
        (Method::GET, [plural]) if KINDS.iter().any(|(p, _)| p == plural) => {
            let plural = KINDS.iter().find(|(p, _)| p == plural).unwrap().0;
            if query.split('&').any(|q| q == "watch=true") {
                let from: u64 = query
                    .split('&')
                    .find_map(|q| q.strip_prefix("resourceVersion="))
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
                // The events after `from`, then the live ones (taken under
                // one lock, so none is lost or sent twice).
                let (behind, events) = {
                    let kinds = api.kinds.lock().unwrap();
                    let kind = &kinds[plural];
                    let behind: Vec<String> = kind
                        .history
                        .iter()
                        .filter(|(rv, _)| *rv > from)
                        .map(|(_, line)| line.clone())
                        .collect();
                    (behind, kind.events.subscribe())
                };
                let live = futures::stream::unfold(events, |mut events| async move {
                    let line = events.recv().await.ok()?;
                    Some((line, events))
                });
                let stream = futures::stream::iter(behind)
                    .chain(live)
                    .map(|line| Ok::<_, std::io::Error>(Bytes::from(line)));
                return Response::builder()
                    .header("content-type", "application/json")
                    .body(Body::from_stream(stream))
                    .unwrap();
            }
            let mut kinds = api.kinds.lock().unwrap();
            let kind = kinds.get_mut(plural).unwrap();
            if kind.failing_lists > 0 {
                kind.failing_lists -= 1;
                return status(StatusCode::INTERNAL_SERVER_ERROR, "etcd is unavailable");
            }
            let list = json!({
                "kind": format!("{}List", kind_name(plural)),
                "apiVersion": "v1",
                "metadata": {"resourceVersion": api.version.load(Ordering::SeqCst).to_string()},
                "items": kind.objects.values().collect::<Vec<_>>(),
            });
            Response::builder()
                .header("content-type", "application/json")
                .body(Body::from(list.to_string()))
                .unwrap()
        }
        _ => status(StatusCode::NOT_FOUND, &format!("no route {path}")),
    }
}

/// Serves `api` on a loopback port; a kube-rs client for it.
async fn start(api: &Arc<Api>) -> kube::Client {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let app = Router::new().fallback(handle).with_state(Arc::clone(api));
    tokio::spawn(server::serve(
        listener,
        app,
        None,
        std::future::pending::<()>(),
    ));
    let config = kube::Config::new(url.parse().unwrap());
    kube::Client::try_from(config).unwrap()
}

fn node(name: &str, cpu: &str) -> Value {
    json!({"metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}},
        "status": {"allocatable": {"cpu": cpu, "memory": "8Gi", "pods": "110"}}})
}

fn pod(ns: &str, name: &str, node: &str) -> Value {
    json!({"metadata": {"namespace": ns, "name": name, "uid": format!("uid-{name}")},
        "spec": {"nodeName": node, "containers": [{"name": "c",
            "resources": {"requests": {"cpu": "1"}}}]},
        "status": {"phase": "Running"}})
}

fn namespace(name: &str) -> Value {
    json!({"metadata": {"name": name}})
}

/// Waits (up to 20 s: a relist waits out kube-rs' 0.8 s backoff) for `done`.
async fn until(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..400 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting until {what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watchers_fill_the_cache_and_a_relist_deletes_what_is_gone() {
    let api = Api::new();
    api.put("namespaces", namespace("default"));
    api.put("namespaces", namespace("istio-system"));
    api.put("nodes", node("n1", "4"));
    api.put("nodes", node("n2", "4"));
    api.put("pods", pod("istio-system", "gw-1", "n1"));
    // The first pod list fails: the watcher retries it.
    api.fail_next_lists("pods", 1);
    let client = start(&api).await;

    let cache = Arc::new(Cache::default());
    let ready = Arc::new(AtomicBool::new(false));
    let watching =
        tokio::spawn(Live::from_client(client).watch(Arc::clone(&cache), Arc::clone(&ready)));
    until("ready", || ready.load(Ordering::SeqCst)).await;
    assert_eq!(cache.node_names(), ["n1", "n2"]);
    assert_eq!(cache.pod_keys(), ["istio-system/gw-1"]);
    assert_eq!(cache.namespace_names(), ["default", "istio-system"]);
    assert!(!cache.node_info("n1").unwrap().is_virtual);

    // Events as they come: a new node, a changed one, a pod added and one deleted.
    api.put("nodes", node("n3", "8"));
    let mut virtual_n2 = node("n2", "4");
    virtual_n2["metadata"]["labels"]["type"] = json!("virtual-kubelet");
    api.put("nodes", virtual_n2);
    api.put("pods", pod("istio-system", "gw-2", "n3"));
    api.delete("pods", "istio-system/gw-1", false);
    until("the events are applied", || {
        cache.node_names() == ["n1", "n2", "n3"]
            && cache.pod_keys() == ["istio-system/gw-2"]
            && cache.node_info("n2").is_some_and(|i| i.is_virtual)
    })
    .await;
    assert_eq!(cache.stats().pods, 1);

    // Deletions the watch missed, then the watch expires: the relist drops
    // what it no longer returns.
    api.delete("nodes", "n1", true);
    api.delete("namespaces", "default", true);
    api.expire("nodes");
    api.expire("namespaces");
    until("the relist is applied", || {
        cache.node_names() == ["n2", "n3"] && cache.namespace_names() == ["istio-system"]
    })
    .await;
    assert!(!watching.is_finished(), "the watchers keep running");
    watching.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binder_creates_the_binding_subresource() {
    let api = Api::new();
    let client = start(&api).await;
    let binder = Live::from_client(client).binder(tokio::runtime::Handle::current());
    // The bind verb runs on a blocking thread; so does the binder here.
    let bound = tokio::task::spawn_blocking(move || {
        let first = binder.bind("istio-system", "gw-1", "uid-gw-1", "n1");
        (binder, first)
    })
    .await
    .unwrap();
    let (binder, first) = bound;
    assert_eq!(first, Ok(()));
    let bindings = api.bindings.lock().unwrap().clone();
    assert_eq!(bindings.len(), 1);
    let (pod, binding) = &bindings[0];
    assert_eq!(pod, "istio-system/gw-1");
    // As DefaultBinder writes it.
    assert_eq!(
        binding,
        &json!({"apiVersion": "v1", "kind": "Binding",
            "metadata": {"name": "gw-1", "namespace": "istio-system", "uid": "uid-gw-1"},
            "target": {"kind": "Node", "name": "n1"}})
    );

    // The API server's refusal comes back with its message.
    api.refuse_bindings.store(true, Ordering::SeqCst);
    let refused =
        tokio::task::spawn_blocking(move || binder.bind("istio-system", "gw-2", "", "n1"))
            .await
            .unwrap()
            .unwrap_err();
    assert!(
        refused.contains("binding istio-system/gw-2 to n1"),
        "{refused}"
    );
    assert!(refused.contains("already assigned"), "{refused}");
}
