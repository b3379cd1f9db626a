//! The server under concurrent, mixed good and bad requests over loopback TCP
//! (a short, CI-sized run of `benches/examples/extender_load.rs`): every valid
//! filter and prioritize is answered 200 with exactly the in-process answer,
//! every malformed one 400, every oversized one 413, nothing 5xx; the
//! server's own counters agree, and bad requests leave no trace in the cache.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use serde_json::{Value, json};
use spillway_extender::server::{self, AppState};
use spillway_extender::wire::{self, ExtenderArgs};
use spillway_extender::{Cache, Config, Extender};
use spillway_kube::Scenario;

const ZONES: [&str; 3] = ["cn-hangzhou-h", "cn-hangzhou-i", "cn-hangzhou-j"];
const ECS: usize = 60;
const VIRTUAL: usize = 3;
const LIMIT: usize = 64 << 10;
const WORKERS: usize = 4;
const ROUNDS: usize = 60;

fn ecs_name(i: usize) -> String {
    format!("cn-hangzhou.10.0.{}.{}", i / 256, i % 256)
}

fn node(i: usize) -> Value {
    let zone = ZONES[i % 3];
    if i >= ECS {
        let name = format!("virtual-kubelet-{zone}-{i}");
        return json!({
            "metadata": {"name": name, "labels": {"type": "virtual-kubelet", "kubernetes.io/hostname": name,
                                                  "topology.kubernetes.io/zone": zone}},
            "spec": {"taints": [{"key": "virtual-kubelet.io/provider", "value": "alibabacloud", "effect": "NoSchedule"}]},
            "status": {"allocatable": {"cpu": "1000", "memory": "4Ti", "pods": "1000"},
                       "capacity": {"cpu": "1000", "memory": "4Ti", "pods": "1000"}}
        });
    }
    let name = ecs_name(i);
    json!({
        "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, "topology.kubernetes.io/zone": zone,
                                              "mykey4pod": "asmgateway", "kubernetes.io/os": "linux"}},
        "spec": {"taints": [{"key": "mykey", "value": "myvalue", "effect": "NoSchedule"}]},
        "status": {"allocatable": {"cpu": "7900m", "memory": "28Gi", "pods": "110"},
                   "capacity": {"cpu": "8", "memory": "32Gi", "pods": "110"},
                   "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"}],
                   "images": [{"names": ["registry/asm/proxyv2:1.24.6"], "sizeBytes": 98_551_020}]}
    })
}

fn gateway(name: &str, node: Option<&str>) -> Value {
    let mut pod = json!({
        "metadata": {"name": name, "namespace": "istio-system", "uid": format!("uid-{name}"),
                     "labels": {"app": "istio-ingressgateway", "pod-template-hash": "5d8f"},
                     "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                          "name": "istio-ingressgateway-5d8f", "uid": "rs", "controller": true}]},
        "spec": {
            "containers": [{"name": "istio-proxy", "image": "proxyv2",
                            "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}}}],
            "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
                {"matchExpressions": [{"key": "mykey4pod", "operator": "In", "values": ["asmgateway"]}]},
                {"matchExpressions": [{"key": "type", "operator": "In", "values": ["virtual-kubelet"]}]}]}}},
            "tolerations": [{"key": "mykey", "operator": "Equal", "value": "myvalue", "effect": "NoSchedule"},
                            {"key": "virtual-kubelet.io/provider", "operator": "Exists"}]
        }
    });
    if let Some(node) = node {
        pod["spec"]["nodeName"] = json!(node);
        pod["status"] = json!({"phase": "Running"});
    }
    pod
}

/// The server on its own runtime; stops when dropped.
struct Running {
    addr: SocketAddr,
    state: Arc<AppState<Extender>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.stop.take().unwrap().send(());
        self.thread.take().unwrap().join().unwrap();
    }
}

fn start(nodes: &[Value]) -> Running {
    let pods: Vec<Value> = (0..40)
        .map(|i| gateway(&format!("gw-running-{i}"), Some(&ecs_name(i * i % ECS))))
        .collect();
    let doc = json!({"ack": {"region": "cn-hangzhou"}, "nodes": nodes, "pods": pods,
                     "namespaces": [{"metadata": {"name": "istio-system"}}]});
    let scenario = Scenario::parse(Path::new("load.json"), &doc.to_string()).unwrap();
    let config = Config::parse(&format!("limits: {{maxBodyBytes: {LIMIT}}}")).unwrap();
    let extender = Extender::new(config.clone(), Cache::from_scenario(scenario).unwrap());
    let state = Arc::new(AppState::new(extender, &config).unwrap());
    state.set_ready(true);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let app = server::router(Arc::clone(&state));
    let thread = thread::spawn(move || {
        let shutdown = async {
            let _ = stopped.await;
        };
        runtime
            .block_on(server::serve(listener, app, None, shutdown))
            .unwrap();
    });
    Running {
        addr,
        state,
        stop: Some(stop),
        thread: Some(thread),
    }
}

/// One keep-alive HTTP/1.1 connection, reopened when the server closes it.
struct Client {
    addr: SocketAddr,
    conn: Option<(TcpStream, BufReader<TcpStream>)>,
}

impl Client {
    /// `method path` with `body`: the status and the body of the answer. A
    /// body the server refuses before reading it all still gets its answer
    /// (written before the server closed the connection).
    fn send(&mut self, method: &str, path: &str, body: &[u8]) -> (u16, Vec<u8>) {
        if self.conn.is_none() {
            let stream = TcpStream::connect(self.addr).unwrap();
            stream.set_nodelay(true).unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(20)))
                .unwrap();
            let reader = BufReader::new(stream.try_clone().unwrap());
            self.conn = Some((stream, reader));
        }
        let (stream, reader) = self.conn.as_mut().unwrap();
        let mut request = format!(
            "{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes();
        request.extend_from_slice(body);
        let wrote = stream.write_all(&request).is_ok();
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        let status: u16 = line
            .split(' ')
            .nth(1)
            .unwrap_or_else(|| panic!("no status line ({line:?})"))
            .parse()
            .unwrap();
        let (mut length, mut close) = (0, false);
        loop {
            line.clear();
            reader.read_line(&mut line).unwrap();
            let header = line.trim_end().to_ascii_lowercase();
            if header.is_empty() {
                break;
            }
            if let Some(v) = header.strip_prefix("content-length:") {
                length = v.trim().parse().unwrap();
            }
            close |= header == "connection: close";
        }
        let mut answer = vec![0; length];
        reader.read_exact(&mut answer).unwrap();
        if close || !wrote || status == 413 {
            self.conn = None;
        }
        (status, answer)
    }
}

/// The body of a filter or prioritize request.
fn args(pod: &Value, candidates: &Value) -> Vec<u8> {
    let mut doc = json!({ "Pod": pod });
    match candidates {
        Value::Array(names) if names.first().is_some_and(Value::is_string) => {
            doc["NodeNames"] = candidates.clone();
        }
        _ => doc["Nodes"] = json!({"metadata": {}, "items": candidates}),
    }
    serde_json::to_vec(&doc).unwrap()
}

/// Small deterministic generator.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

/// A bad request and the status it must get.
fn bad(kind: usize, rng: &mut Rng, valid: &[u8]) -> (Vec<u8>, u16) {
    match kind {
        0 => (valid[..rng.below(valid.len())].to_vec(), 400),
        1 => {
            let mut b = valid.to_vec();
            let at = rng.below(b.len());
            b[at] = 1 + rng.below(8) as u8; // a raw control character
            (b, 400)
        }
        2 => {
            let wrong = [
                r#"{"Pod":"p","NodeNames":["a"]}"#,
                r#"{"Pod":{"metadata":{"name":7}},"NodeNames":["a"]}"#,
                r#"{"Pod":{"metadata":{"name":"p"}},"NodeNames":[1,2]}"#,
                r#"{"Pod":{"metadata":{"name":"p"}},"Nodes":[{"metadata":{"name":"a"}}]}"#,
                r#"[{"Pod":null}]"#,
            ];
            (wrong[rng.below(wrong.len())].as_bytes().to_vec(), 400)
        }
        3 => {
            let empty = [
                r#"{"Pod":null,"NodeNames":["a"]}"#,
                r#"{"NodeNames":["a"]}"#,
                r#"{"Pod":{"metadata":{"name":"p"}}}"#,
                "null",
            ];
            (empty[rng.below(empty.len())].as_bytes().to_vec(), 400)
        }
        _ => {
            let mut b = valid.to_vec();
            b.resize(LIMIT + 1 + rng.below(LIMIT), b' '); // trailing spaces: valid JSON, too long
            (b, 413)
        }
    }
}

/// What one client thread saw.
#[derive(Default)]
struct Seen {
    valid: usize,
    bad: usize,
    oversized: usize,
    failures: Vec<String>,
}

#[test]
fn mixed_good_and_bad_requests_from_concurrent_clients() {
    let nodes: Vec<Value> = (0..ECS + VIRTUAL).map(node).collect();
    let names: Vec<Value> = nodes
        .iter()
        .map(|n| n["metadata"]["name"].clone())
        .collect();
    let run = start(&nodes);

    // The answers every valid request must get, computed in process: ECS
    // nodes pass, virtual nodes are held, every ECS node is scored.
    let ecs_nodes = Value::Array(nodes[..ECS].to_vec());
    let ecs_names = Value::Array(names[..ECS].to_vec());
    let all_names = Value::Array(names.clone());
    let all_nodes = Value::Array(nodes.clone());
    let reference = |candidates: &Value, verb: &str| {
        let pod = gateway("gw-reference", None);
        let a: ExtenderArgs = wire::decode(&args(&pod, candidates)).unwrap();
        let backend = run.state.backend();
        match verb {
            "filter" => wire::encode(&backend.filter(&a).unwrap()),
            _ => wire::encode(&backend.prioritize(&a).unwrap()),
        }
    };
    let cases = [
        (
            &all_names,
            &ecs_names,
            reference(&all_names, "filter"),
            reference(&ecs_names, "prioritize"),
        ),
        (
            &all_nodes,
            &ecs_nodes,
            reference(&all_nodes, "filter"),
            reference(&ecs_nodes, "prioritize"),
        ),
    ];
    let filtered: Value = serde_json::from_slice(&cases[0].2).unwrap();
    assert_eq!(filtered["NodeNames"], ecs_names, "every ECS node passes");
    assert_eq!(
        filtered["FailedAndUnresolvableNodes"]
            .as_object()
            .unwrap()
            .len(),
        VIRTUAL,
        "every virtual node is held while ECS has room"
    );
    let scores: Vec<Value> = serde_json::from_slice(&cases[0].3).unwrap();
    assert_eq!(scores.len(), ECS);
    assert!(
        scores
            .iter()
            .all(|s| (0..=10).contains(&s["Score"].as_i64().unwrap()))
    );

    let seen: Vec<Seen> = thread::scope(|s| {
        let handles: Vec<_> = (0..WORKERS)
            .map(|w| {
                let (addr, cases) = (run.addr, &cases);
                s.spawn(move || {
                    let mut client = Client { addr, conn: None };
                    let mut rng = Rng(w as u64 + 1);
                    let mut seen = Seen::default();
                    for round in 0..ROUNDS {
                        let (all, passing, filter_ref, prioritize_ref) = &cases[rng.below(2)];
                        let pod = gateway(&format!("gw-{w}-{round}"), None);
                        let filter_body = args(&pod, all);
                        if rng.below(4) == 0 {
                            let kind = rng.below(5);
                            let (body, want) = bad(kind, &mut rng, &filter_body);
                            let path = ["/filter", "/prioritize"][rng.below(2)];
                            let (status, answer) = client.send("POST", path, &body);
                            if status != want {
                                let text = String::from_utf8_lossy(&answer);
                                seen.failures
                                    .push(format!("bad #{kind} {path}: {status} {text}"));
                            }
                            seen.bad += 1;
                            seen.oversized += usize::from(want == 413);
                            continue;
                        }
                        for (path, body, want) in [
                            ("/filter", filter_body, filter_ref),
                            ("/prioritize", args(&pod, passing), prioritize_ref),
                        ] {
                            let (status, answer) = client.send("POST", path, &body);
                            if status != 200 || answer != *want {
                                let text =
                                    String::from_utf8_lossy(&answer[..answer.len().min(300)]);
                                seen.failures.push(format!("valid {path}: {status} {text}"));
                            }
                        }
                        seen.valid += 1;
                    }
                    seen
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });

    let failures: Vec<&String> = seen.iter().flat_map(|s| &s.failures).collect();
    assert!(
        failures.is_empty(),
        "{} wrong answers: {failures:#?}",
        failures.len()
    );
    let valid: usize = seen.iter().map(|s| s.valid).sum();
    let bad_sent: usize = seen.iter().map(|s| s.bad).sum();
    let oversized: usize = seen.iter().map(|s| s.oversized).sum();
    assert!(
        valid > 50 && bad_sent > 10 && oversized > 0,
        "{valid} {bad_sent} {oversized}"
    );

    // The server counted the same: no error, every bad request refused.
    let mut client = Client {
        addr: run.addr,
        conn: None,
    };
    let (status, metrics) = client.send("GET", "/metrics", b"");
    assert_eq!(status, 200);
    let metrics = String::from_utf8(metrics).unwrap();
    let count = |outcome: &str| -> usize {
        metrics
            .lines()
            .filter(|l| {
                l.starts_with("spillway_extender_requests_total{")
                    && l.contains(&format!("outcome=\"{outcome}\""))
            })
            .map(|l| l.rsplit(' ').next().unwrap().parse::<usize>().unwrap())
            .sum()
    };
    assert_eq!(count("ok"), 2 * valid, "{metrics}");
    assert_eq!(count("bad_request"), bad_sent - oversized, "{metrics}");
    assert_eq!(count("too_large"), oversized, "{metrics}");
    assert_eq!(count("error") + count("timeout"), 0, "{metrics}");

    // Every valid pod (a new name each) has the references' spec: one probe
    // for all of them, so the model did not grow with the stream of pods; bad
    // requests never reached the cache, and the full Node objects, equal to
    // the cache's, did not make it compile the model again.
    let stats = run.state.backend().cache().stats();
    assert!(valid > 10, "{valid}");
    assert_eq!(stats.probes, 1, "{stats:?}");
    assert_eq!(stats.generation, 1, "{stats:?}");
}
