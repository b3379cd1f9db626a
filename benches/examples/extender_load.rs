//! Load on the scheduler extender (`spillway serve`) over loopback HTTP.
//!
//! The real server (`spillway_extender::server::{router, serve}`, the real
//! `Extender` and `Cache`) runs in this process on its own tokio runtime, as
//! `spillway serve` runs it, listening on 127.0.0.1; clients are plain
//! HTTP/1.1 keep-alive connections, one per worker thread. Each measured unit
//! is what kube-scheduler does per pod: a filter POST, then a prioritize POST
//! with the nodes the filter passed, with the default policies
//! (strict-overflow; cost + spread).
//!
//! - `latency`: 5,000 nodes sent as `NodeNames` (`nodeCacheCapable: true`;
//!   4,990 gateway ECS nodes in 3 zones + 10 virtual nodes, 5,020 running
//!   pods), and 500 full Node objects sent as `Nodes` (about 5 KB of JSON
//!   each), each with a new pod per request (kube-scheduler's case) and with
//!   one pod repeated (the cache's probe hit), at 1 and 4 concurrent workers
//!   (1 first: after a burst, the server's idle blocking threads linger).
//! - `bad`: maximum rate from 4 workers with `limits.maxBodyBytes: 1 MiB`, 10 %
//!   of requests malformed (truncated, garbage bytes, wrong types, no pod) or
//!   oversized; every valid answer must be byte-identical to the in-process
//!   answer, every bad one 400 (413 when oversized), never a 5xx; the process's
//!   resident memory is sampled every second.
//!
//! Every answer is checked: the reference answer of each mode is computed in
//! process (`Extender::filter`/`prioritize` + `wire::encode`), checked once
//! for its shape (virtual nodes held while ECS fits, scores 0–10 for every
//! candidate), and every HTTP answer must equal it byte for byte. Any wrong
//! answer, 5xx or transport error makes the run exit 1.
//!
//! Run: `cargo run --release -p spillway-benches --example extender_load --
//! [latency|bad|all] [--secs S] [--bad-secs S] [--workers 1,4]
//! [--only names|nodes]` (`EXTENDER_LOAD_BAD_SECS` also sets `--bad-secs`).
//! Figures and analysis: docs/PERFORMANCE.md, "Scheduler extender".

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use spillway_extender::server::{self, AppState};
use spillway_extender::wire::{self, ExtenderArgs};
use spillway_extender::{Cache, Config, Extender};
use spillway_kube::Scenario;

const ZONES: [&str; 3] = ["cn-hangzhou-h", "cn-hangzhou-i", "cn-hangzhou-j"];
/// The gateway's ReplicaSet (`<deployment>-<pod-template-hash>`).
const GATEWAY_RS: &str = "istio-ingressgateway-5d8f9c6b5";
const GATEWAY_HASH: &str = "5d8f9c6b5";
/// The largest body of the `bad` run.
const BAD_RUN_LIMIT: usize = 1 << 20;
/// Pairs per worker not measured at the start of a latency case.
const WARM_UP_PAIRS: usize = 20;

/// The allocator of the `spillway` binary, so the server here runs as it does
/// there.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

type Res<T> = Result<T, String>;

// ---------------------------------------------------------------- the cluster

/// The name of the `i`th ECS node, ACK style.
fn ecs_name(i: usize) -> String {
    format!(
        "cn-hangzhou.10.{}.{}.{}",
        (i >> 16) & 255,
        (i >> 8) & 255,
        i & 255
    )
}

fn virtual_name(i: usize) -> String {
    format!("virtual-kubelet-{}-{i}", ZONES[i % ZONES.len()])
}

/// Images every ECS node holds (DaemonSets, the mesh, the gateway).
fn images() -> Vec<Value> {
    let repos = [
        ("acs/kube-proxy", "v1.35.4-aliyun.1", 33_124_560),
        ("acs/terway", "v1.12.3", 92_331_052),
        ("acs/csi-plugin", "v1.33.1", 71_002_311),
        ("acs/node-problem-detector", "v0.8.20", 54_339_870),
        ("acs/logtail", "v2.1.3", 88_774_102),
        ("acs/arms-prometheus-agent", "v4.0.7", 61_220_905),
        ("acs/coredns", "v1.11.3", 18_021_554),
        ("asm/proxyv2", "1.24.6", 98_551_020),
        ("acs/pause", "3.10", 297_180),
        ("shop/web", "1.4.2", 143_998_317),
    ];
    repos
        .iter()
        .enumerate()
        .map(|(j, (repo, tag, size))| {
            let digest: String = (0..64)
                .map(|k| char::from(b"0123456789abcdef"[(j * 7 + k * 13) % 16]))
                .collect();
            json!({
                "names": [
                    format!("registry-cn-hangzhou-vpc.ack.aliyuncs.com/{repo}@sha256:{digest}"),
                    format!("registry-cn-hangzhou-vpc.ack.aliyuncs.com/{repo}:{tag}"),
                ],
                "sizeBytes": size,
            })
        })
        .collect()
}

fn conditions(ready_message: &str) -> Value {
    let at = "2026-11-21T08:00:00Z";
    let c = |t: &str, status: &str, reason: &str, message: &str| {
        json!({"type": t, "status": status, "lastHeartbeatTime": at,
               "lastTransitionTime": "2026-10-02T11:23:45Z", "reason": reason, "message": message})
    };
    json!([
        c(
            "MemoryPressure",
            "False",
            "KubeletHasSufficientMemory",
            "kubelet has sufficient memory available"
        ),
        c(
            "DiskPressure",
            "False",
            "KubeletHasNoDiskPressure",
            "kubelet has no disk pressure"
        ),
        c(
            "PIDPressure",
            "False",
            "KubeletHasSufficientPID",
            "kubelet has sufficient PID available"
        ),
        c("Ready", "True", "KubeletReady", ready_message),
        c(
            "NetworkUnavailable",
            "False",
            "RouteCreated",
            "RouteController created a route"
        ),
    ])
}

/// A gateway-pool ECS node as the API server returns it (about 4 KB of JSON).
fn ecs_node(i: usize) -> Value {
    let name = ecs_name(i);
    let zone = ZONES[i % ZONES.len()];
    let ip = format!("10.{}.{}.{}", (i >> 16) & 255, (i >> 8) & 255, i & 255);
    json!({
        "metadata": {
            "name": name,
            "uid": format!("6f1c2d3e-0000-4000-8000-{i:012}"),
            "resourceVersion": format!("{}", 48_000_000 + i),
            "creationTimestamp": "2026-10-02T11:20:00Z",
            "labels": {
                "alibabacloud.com/nodepool-id": "np4f3c0a8e2b1d4c7f9e6a5b3c2d1e0f",
                "beta.kubernetes.io/arch": "amd64",
                "beta.kubernetes.io/instance-type": "ecs.g7.2xlarge",
                "beta.kubernetes.io/os": "linux",
                "failure-domain.beta.kubernetes.io/region": "cn-hangzhou",
                "failure-domain.beta.kubernetes.io/zone": zone,
                "kubernetes.io/arch": "amd64",
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "mykey4pod": "asmgateway",
                "node.kubernetes.io/instance-type": "ecs.g7.2xlarge",
                "topology.kubernetes.io/region": "cn-hangzhou",
                "topology.kubernetes.io/zone": zone,
            },
            "annotations": {
                "node.alpha.kubernetes.io/ttl": "0",
                "volumes.kubernetes.io/controller-managed-attach-detach": "true",
            },
        },
        "spec": {
            "podCIDR": format!("172.{}.{}.0/24", 16 + (i >> 8) % 16, i & 255),
            "podCIDRs": [format!("172.{}.{}.0/24", 16 + (i >> 8) % 16, i & 255)],
            "providerID": format!("cn-hangzhou.i-bp1{i:017}"),
            "taints": [{"key": "mykey", "value": "myvalue", "effect": "NoSchedule"}],
        },
        "status": {
            "capacity": {"cpu": "8", "memory": "32617268Ki", "pods": "110",
                         "ephemeral-storage": "123722704Ki", "hugepages-1Gi": "0", "hugepages-2Mi": "0"},
            "allocatable": {"cpu": "7900m", "memory": "28969780Ki", "pods": "110",
                            "ephemeral-storage": "114022843818", "hugepages-1Gi": "0", "hugepages-2Mi": "0"},
            "conditions": conditions("kubelet is posting ready status"),
            "addresses": [{"type": "InternalIP", "address": ip}, {"type": "Hostname", "address": name}],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "machineID": format!("20230620{i:024}"),
                "systemUUID": format!("d2f1c3b4-{i:04}-4e5f-8a9b-0c1d2e3f4a5b"),
                "bootID": format!("0b1c2d3e-4f5a-4b6c-8d7e-{i:012}"),
                "kernelVersion": "5.10.134-18.al8.x86_64",
                "osImage": "Alibaba Cloud Linux 3.2104 U11 (OpenAnolis Edition)",
                "containerRuntimeVersion": "containerd://1.7.27",
                "kubeletVersion": "v1.35.4-aliyun.1",
                "kubeProxyVersion": "v1.35.4-aliyun.1",
                "operatingSystem": "linux",
                "architecture": "amd64",
            },
            "images": images(),
        },
    })
}

/// An ACK virtual node (virtual-kubelet) as the API server returns it.
fn virtual_node(i: usize) -> Value {
    let name = virtual_name(i);
    let zone = ZONES[i % ZONES.len()];
    json!({
        "metadata": {
            "name": name,
            "uid": format!("9a8b7c6d-0000-4000-8000-{i:012}"),
            "resourceVersion": format!("{}", 47_000_000 + i),
            "creationTimestamp": "2026-10-02T11:20:00Z",
            "labels": {
                "alibabacloud.com/virtual-node": "true",
                "kubernetes.io/hostname": name,
                "kubernetes.io/role": "agent",
                "kubernetes.io/os": "linux",
                "topology.kubernetes.io/region": "cn-hangzhou",
                "topology.kubernetes.io/zone": zone,
                "type": "virtual-kubelet",
            },
        },
        "spec": {
            "taints": [{"key": "virtual-kubelet.io/provider", "value": "alibabacloud", "effect": "NoSchedule"}],
        },
        "status": {
            "capacity": {"cpu": "1000", "memory": "4Ti", "pods": "1000", "ephemeral-storage": "10Ti"},
            "allocatable": {"cpu": "1000", "memory": "4Ti", "pods": "1000", "ephemeral-storage": "10Ti"},
            "conditions": conditions("ok"),
            "addresses": [{"type": "InternalIP", "address": format!("10.255.0.{i}")}],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "machineID": "", "systemUUID": "", "bootID": "",
                "kernelVersion": "", "osImage": "", "containerRuntimeVersion": "",
                "kubeletVersion": "v1.35.4-vk-v2.13.0", "kubeProxyVersion": "",
                "operatingSystem": "linux", "architecture": "amd64",
            },
        },
    })
}

/// A gateway replica as kube-scheduler sends it (the seed's required ECS OR
/// virtual affinity, preferred ECS 80 / virtual 20, both tolerations), bound
/// to `node` when given.
fn gateway_pod(name: &str, node: Option<&str>) -> Value {
    let mut pod = json!({
        "metadata": {
            "name": name,
            "generateName": format!("{GATEWAY_RS}-"),
            "namespace": "istio-system",
            "uid": format!("uid-{name}"),
            "resourceVersion": "51234567",
            "creationTimestamp": "2026-11-21T08:00:00Z",
            "labels": {"app": "istio-ingressgateway", "istio": "ingressgateway",
                       "pod-template-hash": GATEWAY_HASH, "sidecar.istio.io/inject": "false"},
            "annotations": {"prometheus.io/path": "/stats/prometheus", "prometheus.io/port": "15020",
                            "prometheus.io/scrape": "true"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": GATEWAY_RS,
                                 "uid": "0e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b",
                                 "controller": true, "blockOwnerDeletion": true}],
        },
        "spec": {
            "containers": [{
                "name": "istio-proxy",
                "image": "registry-cn-hangzhou-vpc.ack.aliyuncs.com/asm/proxyv2:1.24.6",
                "args": ["proxy", "router", "--domain", "$(POD_NAMESPACE).svc.cluster.local",
                         "--proxyLogLevel=warning", "--log_output_level=default:info"],
                "ports": [{"containerPort": 8080, "protocol": "TCP"}, {"containerPort": 8443, "protocol": "TCP"},
                          {"containerPort": 15090, "name": "http-envoy-prom", "protocol": "TCP"}],
                "env": [{"name": "POD_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}},
                        {"name": "POD_NAMESPACE", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}},
                        {"name": "ISTIO_META_ROUTER_MODE", "value": "standard"}],
                "resources": {"requests": {"cpu": "500m", "memory": "1Gi"},
                              "limits": {"cpu": "2", "memory": "2Gi"}},
                "readinessProbe": {"httpGet": {"path": "/healthz/ready", "port": 15021, "scheme": "HTTP"},
                                   "periodSeconds": 2, "failureThreshold": 30},
                "volumeMounts": [{"name": "kube-api-access-x7k2p", "readOnly": true,
                                  "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}],
                "terminationMessagePath": "/dev/termination-log",
                "terminationMessagePolicy": "File",
                "imagePullPolicy": "IfNotPresent",
            }],
            "affinity": {"nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
                    {"matchExpressions": [{"key": "mykey4pod", "operator": "In", "values": ["asmgateway"]}]},
                    {"matchExpressions": [{"key": "type", "operator": "In", "values": ["virtual-kubelet"]}]},
                ]},
                "preferredDuringSchedulingIgnoredDuringExecution": [
                    {"weight": 80, "preference": {"matchExpressions": [{"key": "mykey4pod", "operator": "In", "values": ["asmgateway"]}]}},
                    {"weight": 20, "preference": {"matchExpressions": [{"key": "type", "operator": "In", "values": ["virtual-kubelet"]}]}},
                ],
            }},
            "tolerations": [
                {"key": "mykey", "operator": "Equal", "value": "myvalue", "effect": "NoSchedule"},
                {"key": "virtual-kubelet.io/provider", "operator": "Exists"},
                {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
                {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
            ],
            "volumes": [{"name": "kube-api-access-x7k2p", "projected": {"defaultMode": 420, "sources": [
                {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
            ]}}],
            "serviceAccountName": "istio-ingressgateway",
            "schedulerName": "default-scheduler",
            "restartPolicy": "Always",
            "dnsPolicy": "ClusterFirst",
            "terminationGracePeriodSeconds": 30,
            "priority": 0,
            "enableServiceLinks": true,
            "preemptionPolicy": "PreemptLowerPriority",
        },
        "status": {"phase": "Pending", "qosClass": "Burstable"},
    });
    if let Some(node) = node {
        pod["spec"]["nodeName"] = json!(node);
        pod["status"] = json!({"phase": "Running", "qosClass": "Burstable", "podIP": "172.16.0.9"});
    }
    pod
}

/// A running pod of another workload.
fn web_pod(i: usize, node: &str) -> Value {
    json!({
        "metadata": {"name": format!("web-7d8f9c6b5-{i:06}"), "namespace": "shop",
                     "labels": {"app": "web", "pod-template-hash": "7d8f9c6b5"},
                     "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                          "name": "web-7d8f9c6b5", "uid": "1f0e", "controller": true}]},
        "spec": {"nodeName": node,
                 "containers": [{"name": "web", "image": "registry-cn-hangzhou-vpc.ack.aliyuncs.com/shop/web:1.4.2",
                                 "resources": {"requests": {"cpu": "250m", "memory": "512Mi"}}}],
                 "tolerations": [{"key": "mykey", "operator": "Exists"}]},
        "status": {"phase": "Running"},
    })
}

/// A generated cluster: the Node objects (ECS first), their names, and the
/// scenario the extender's cache is built from.
struct Fleet {
    nodes: Vec<Value>,
    names: Vec<String>,
    ecs: Vec<String>,
    virtuals: Vec<String>,
    /// Running pods.
    pods: Vec<Value>,
}

/// `ecs` ECS nodes and `virtuals` virtual nodes; gateway replicas spread
/// unevenly over the ECS nodes (2–6 on a sixth of them, uneven per zone) and
/// a few on virtual nodes, plus pods of another workload.
fn fleet(ecs: usize, virtuals: usize) -> Fleet {
    let mut nodes: Vec<Value> = (0..ecs).map(ecs_node).collect();
    nodes.extend((0..virtuals).map(virtual_node));
    let ecs_names: Vec<String> = (0..ecs).map(ecs_name).collect();
    let virtual_names: Vec<String> = (0..virtuals).map(virtual_name).collect();
    let mut names = ecs_names.clone();
    names.extend(virtual_names.iter().cloned());
    let mut pods = Vec::new();
    // 3 replicas per 5 nodes, skewed toward low indices (and so toward some
    // zones), so spread scores vary.
    for i in 0..ecs * 3 / 5 {
        let node = &ecs_names[(i * i + 7 * i) % ecs];
        pods.push(gateway_pod(&format!("{GATEWAY_RS}-r{i:05}"), Some(node)));
    }
    for i in 0..3 * virtuals {
        let node = &virtual_names[i % virtuals];
        pods.push(gateway_pod(&format!("{GATEWAY_RS}-v{i:05}"), Some(node)));
    }
    for i in 0..ecs * 2 / 5 {
        pods.push(web_pod(i, &ecs_names[(i * 3) % ecs]));
    }
    Fleet {
        nodes,
        names,
        ecs: ecs_names,
        virtuals: virtual_names,
        pods,
    }
}

impl Fleet {
    fn scenario(&self) -> Res<Scenario> {
        let doc = json!({
            "ack": {"region": "cn-hangzhou"},
            "nodes": self.nodes,
            "pods": self.pods,
            "namespaces": [{"metadata": {"name": "istio-system"}}, {"metadata": {"name": "shop"}}],
        });
        Scenario::parse(Path::new("extender-load.json"), &doc.to_string())
            .map_err(|e| e.to_string())
    }
}

// ----------------------------------------------------------------- the server

/// The server on its own runtime, on 127.0.0.1.
struct Running {
    addr: SocketAddr,
    state: Arc<AppState<Extender>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<thread::JoinHandle<()>>,
}

fn start(config: &Config, scenario: Scenario) -> Res<Running> {
    let cache = Cache::from_scenario(scenario).map_err(|e| e.to_string())?;
    let state = Arc::new(
        AppState::new(Extender::new(config.clone(), cache), config).map_err(|e| e.to_string())?,
    );
    state.set_ready(true);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let app = server::router(Arc::clone(&state));
    let thread = thread::spawn(move || {
        let shutdown = async {
            let _ = stopped.await;
        };
        if let Err(e) = runtime.block_on(server::serve(listener, app, None, shutdown)) {
            eprintln!("server: {e}");
        }
    });
    Ok(Running {
        addr,
        state,
        stop: Some(stop),
        thread: Some(thread),
    })
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

// ----------------------------------------------------------------- the client

/// One keep-alive HTTP/1.1 connection (reopened after the server closes it).
struct Client {
    addr: SocketAddr,
    conn: Option<(TcpStream, BufReader<TcpStream>)>,
}

struct Answer {
    status: u16,
    body: Vec<u8>,
}

/// `POST path` with `body`, as the bytes to write.
fn request(path: &str, body: &[u8]) -> Vec<u8> {
    let mut r = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAccept: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    r.extend_from_slice(body);
    r
}

impl Client {
    fn new(addr: SocketAddr) -> Client {
        Client { addr, conn: None }
    }

    /// Sends a request (as [`request`] writes it) and reads the answer. A
    /// write that fails (the server refused an oversized body and closed)
    /// still reads the answer the server sent before closing.
    fn send(&mut self, bytes: &[u8]) -> io::Result<Answer> {
        if self.conn.is_none() {
            let stream = TcpStream::connect(self.addr)?;
            stream.set_nodelay(true)?;
            stream.set_read_timeout(Some(Duration::from_secs(10)))?;
            let reader = BufReader::with_capacity(64 << 10, stream.try_clone()?);
            self.conn = Some((stream, reader));
        }
        let Some((stream, reader)) = self.conn.as_mut() else {
            return Err(io::Error::other("no connection"));
        };
        let wrote = stream.write_all(bytes);
        let read = read_answer(reader);
        match read {
            Ok((answer, keep)) => {
                if !keep || wrote.is_err() {
                    self.conn = None;
                }
                Ok(answer)
            }
            Err(e) => {
                self.conn = None;
                Err(match wrote {
                    Err(w) => io::Error::other(format!("write: {w}; read: {e}")),
                    Ok(()) => e,
                })
            }
        }
    }
}

/// Reads one response; `true` when the connection stays open.
fn read_answer(r: &mut BufReader<TcpStream>) -> io::Result<(Answer, bool)> {
    let mut line = String::new();
    if r.read_line(&mut line)? == 0 {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    let status = line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| io::Error::other(format!("bad status line {line:?}")))?;
    let (mut length, mut chunked, mut close) = (None, false, false);
    loop {
        line.clear();
        r.read_line(&mut line)?;
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            let value = value.trim();
            match name.to_ascii_lowercase().as_str() {
                "content-length" => length = value.parse::<usize>().ok(),
                "transfer-encoding" => chunked = value.eq_ignore_ascii_case("chunked"),
                "connection" => close = value.eq_ignore_ascii_case("close"),
                _ => {}
            }
        }
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            line.clear();
            r.read_line(&mut line)?;
            let size = usize::from_str_radix(line.trim_end().split(';').next().unwrap_or(""), 16)
                .map_err(|_| io::Error::other("bad chunk size"))?;
            let start = body.len();
            body.resize(start + size, 0);
            r.read_exact(&mut body[start..])?;
            line.clear();
            r.read_line(&mut line)?;
            if size == 0 {
                break;
            }
        }
    } else if let Some(n) = length {
        body.resize(n, 0);
        r.read_exact(&mut body)?;
    } else {
        r.read_to_end(&mut body)?;
        close = true;
    }
    // The server closes the connection after refusing a body it did not read.
    Ok((Answer { status, body }, !close && status != 413))
}

// ---------------------------------------------------------- requests, answers

/// Candidates as kube-scheduler sends them.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Form {
    /// `NodeNames` (`nodeCacheCapable: true`).
    Names,
    /// `Nodes`, full objects.
    Nodes,
}

/// The request bodies of one mode, without the pod: `{"Pod":` + pod + one of
/// these.
struct Mode {
    form: Form,
    filter_tail: String,
    prioritize_tail: String,
    /// The answers every request of this mode must get.
    filter_ref: Vec<u8>,
    prioritize_ref: Vec<u8>,
}

fn tail(form: Form, fleet: &Fleet, keep: &dyn Fn(&str) -> bool) -> Res<String> {
    let idx: Vec<usize> = (0..fleet.names.len())
        .filter(|&i| keep(&fleet.names[i]))
        .collect();
    let s = match form {
        Form::Names => {
            let names: Vec<&String> = idx.iter().map(|&i| &fleet.names[i]).collect();
            format!(
                ",\"NodeNames\":{}}}",
                serde_json::to_string(&names).map_err(|e| e.to_string())?
            )
        }
        Form::Nodes => {
            let items: Vec<&Value> = idx.iter().map(|&i| &fleet.nodes[i]).collect();
            format!(
                ",\"Nodes\":{{\"metadata\":{{}},\"items\":{}}}}}",
                serde_json::to_string(&items).map_err(|e| e.to_string())?
            )
        }
    };
    Ok(s)
}

fn body(pod: &str, tail: &str) -> Vec<u8> {
    let mut b = Vec::with_capacity(8 + pod.len() + tail.len());
    b.extend_from_slice(b"{\"Pod\":");
    b.extend_from_slice(pod.as_bytes());
    b.extend_from_slice(tail.as_bytes());
    b
}

fn pod_json(name: &str) -> String {
    gateway_pod(name, None).to_string()
}

/// Builds a mode's bodies and reference answers (computed in process), and
/// checks the references' shape: every ECS candidate passes in order, every
/// virtual one is held by strict-overflow, every passing node gets a score.
fn mode(form: Form, fleet: &Fleet, state: &AppState<Extender>) -> Res<Mode> {
    let ecs: std::collections::HashSet<&str> = fleet.ecs.iter().map(String::as_str).collect();
    let filter_tail = tail(form, fleet, &|_| true)?;
    let prioritize_tail = tail(form, fleet, &|n| ecs.contains(n))?;
    let extender = state.backend();
    let pod = pod_json("gw-reference");
    let decode = |b: &[u8]| wire::decode::<ExtenderArgs>(b).map_err(|e| e.to_string());
    let filtered = extender
        .filter(&decode(&body(&pod, &filter_tail))?)
        .map_err(|e| e.to_string())?;
    let passed = match form {
        Form::Names => filtered
            .node_names
            .as_ref()
            .map(|n| n.to_vec())
            .unwrap_or_default(),
        Form::Nodes => match &filtered.nodes {
            Some(l) => l.names().map_err(|e| e.to_string())?,
            None => Vec::new(),
        },
    };
    if passed != fleet.ecs {
        return Err(format!(
            "reference filter: {} nodes passed, expected the {} ECS nodes in order",
            passed.len(),
            fleet.ecs.len()
        ));
    }
    let held = filtered
        .failed_and_unresolvable_nodes
        .clone()
        .unwrap_or_default();
    let mut virtuals: Vec<&String> = fleet.virtuals.iter().collect();
    virtuals.sort_unstable();
    if held.keys().collect::<Vec<_>>() != virtuals
        || !held.values().all(|r| r.contains("strict-overflow"))
        || filtered
            .failed_nodes
            .as_ref()
            .is_some_and(|f| !f.is_empty())
    {
        return Err(format!(
            "reference filter: virtual nodes not held: {held:?}"
        ));
    }
    let scores = extender
        .prioritize(&decode(&body(&pod, &prioritize_tail))?)
        .map_err(|e| e.to_string())?;
    let hosts: Vec<&String> = scores.iter().map(|h| &h.host).collect();
    if hosts != fleet.ecs.iter().collect::<Vec<_>>()
        || scores.iter().any(|h| !(0..=10).contains(&h.score))
    {
        return Err("reference prioritize: not one score 0–10 per candidate".into());
    }
    let mut histogram = BTreeMap::new();
    for h in &scores {
        *histogram.entry(h.score).or_insert(0usize) += 1;
    }
    let (filter_ref, prioritize_ref) = (wire::encode(&filtered), wire::encode(&scores));
    println!(
        "  reference: filter passes {} ECS, holds {} virtual; prioritize scores {histogram:?} (score: nodes); answers' FNV-1a {:016x} {:016x}",
        passed.len(),
        held.len(),
        fnv(&filter_ref),
        fnv(&prioritize_ref)
    );
    Ok(Mode {
        form,
        filter_tail,
        prioritize_tail,
        filter_ref,
        prioritize_ref,
    })
}

/// FNV-1a, to compare the reference answers of two builds at a glance.
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xCBF2_9CE4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3)
    })
}

/// A short description of a wrong answer.
fn describe(a: &Answer) -> String {
    let text = String::from_utf8_lossy(&a.body[..a.body.len().min(200)]).into_owned();
    format!("{} ({} bytes): {text}", a.status, a.body.len())
}

// ------------------------------------------------------------------ latencies

/// One pair's round trips.
#[derive(Clone, Copy)]
struct Pair {
    filter: Duration,
    prioritize: Duration,
}

#[derive(Default)]
struct WorkerResult {
    pairs: Vec<Pair>,
    errors: Vec<String>,
}

/// Sends filter + prioritize pairs until `deadline`; the first
/// [`WARM_UP_PAIRS`] are not recorded. Building bodies and checking answers
/// happen outside the timed round trips.
fn pairs(
    addr: SocketAddr,
    mode: &Mode,
    label: &str,
    distinct: bool,
    deadline: Instant,
) -> WorkerResult {
    let mut client = Client::new(addr);
    let mut out = WorkerResult::default();
    let repeated = pod_json(&format!("gw-{label}"));
    let mut j = 0usize;
    while Instant::now() < deadline && out.errors.len() < 10 {
        let pod = if distinct {
            pod_json(&format!("gw-{label}-{j}"))
        } else {
            repeated.clone()
        };
        let f = request("/filter", &body(&pod, &mode.filter_tail));
        let p = request("/prioritize", &body(&pod, &mode.prioritize_tail));
        let t0 = Instant::now();
        let fa = client.send(&f);
        let filter = t0.elapsed();
        match fa {
            Ok(a) if a.status == 200 && a.body == mode.filter_ref => {}
            Ok(a) => {
                out.errors.push(format!("filter: {}", describe(&a)));
                continue;
            }
            Err(e) => {
                out.errors.push(format!("filter: {e}"));
                continue;
            }
        }
        let t1 = Instant::now();
        let pa = client.send(&p);
        let prioritize = t1.elapsed();
        match pa {
            Ok(a) if a.status == 200 && a.body == mode.prioritize_ref => {}
            Ok(a) => {
                out.errors.push(format!("prioritize: {}", describe(&a)));
                continue;
            }
            Err(e) => {
                out.errors.push(format!("prioritize: {e}"));
                continue;
            }
        }
        if j >= WARM_UP_PAIRS {
            out.pairs.push(Pair { filter, prioritize });
        }
        j += 1;
    }
    out
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1e3)
}

struct Summary {
    row: String,
    p99: Duration,
}

fn summarize(name: &str, workers: usize, wall: Duration, pairs: &[Pair]) -> Summary {
    let mut total: Vec<Duration> = pairs.iter().map(|p| p.filter + p.prioritize).collect();
    let mut f: Vec<Duration> = pairs.iter().map(|p| p.filter).collect();
    let mut p: Vec<Duration> = pairs.iter().map(|p| p.prioritize).collect();
    total.sort_unstable();
    f.sort_unstable();
    p.sort_unstable();
    let rate = pairs.len() as f64 / wall.as_secs_f64();
    Summary {
        row: format!(
            "| {name} | {workers} | {} | {rate:.0} | {} | {} | **{}** | {} | {} / {} | {} / {} |",
            pairs.len(),
            ms(percentile(&total, 0.5)),
            ms(percentile(&total, 0.9)),
            ms(percentile(&total, 0.99)),
            ms(total.last().copied().unwrap_or_default()),
            ms(percentile(&f, 0.5)),
            ms(percentile(&f, 0.99)),
            ms(percentile(&p, 0.5)),
            ms(percentile(&p, 0.99)),
        ),
        p99: percentile(&total, 0.99),
    }
}

const TABLE_HEAD: &str = "| case | workers | pairs | pairs/s | p50 ms | p90 ms | p99 ms | max ms | filter p50 / p99 | prioritize p50 / p99 |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |";

/// Runs one case with `workers` threads for `secs`.
fn case(
    run: &Running,
    mode: &Mode,
    name: &str,
    distinct: bool,
    workers: usize,
    secs: f64,
) -> Res<Summary> {
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    let start = Instant::now();
    let results: Vec<WorkerResult> = thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                let label = format!(
                    "{}-{}-{workers}-{w}",
                    if mode.form == Form::Names { "n" } else { "o" },
                    if distinct { "d" } else { "r" }
                );
                s.spawn(move || pairs(run.addr, mode, &label, distinct, deadline))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let wall = start.elapsed();
    let errors: Vec<&String> = results.iter().flat_map(|r| &r.errors).collect();
    if !errors.is_empty() {
        return Err(format!(
            "{name}, {workers} workers: {} wrong answers, first: {}",
            errors.len(),
            errors[0]
        ));
    }
    let all: Vec<Pair> = results
        .iter()
        .flat_map(|r| r.pairs.iter().copied())
        .collect();
    Ok(summarize(name, workers, wall, &all))
}

fn latency(secs: f64, worker_counts: &[usize], only: Option<Form>) -> Res<()> {
    let mut rows = Vec::new();
    let mut failed = Vec::new();
    for (form, ecs, virtuals, target) in [
        (Form::Names, 4_990, 10, Duration::from_millis(2)),
        (Form::Nodes, 490, 10, Duration::from_millis(20)),
    ] {
        if only.is_some_and(|f| f != form) {
            continue;
        }
        let t = Instant::now();
        let fleet = fleet(ecs, virtuals);
        let run = start(&Config::default(), fleet.scenario()?)?;
        let mode = mode(form, &fleet, &run.state)?;
        let what = match form {
            Form::Names => "NodeNames",
            Form::Nodes => "Nodes",
        };
        let node_bytes: usize = fleet.nodes.iter().map(|n| n.to_string().len()).sum();
        println!(
            "{what}: {} nodes ({ecs} ECS, {virtuals} virtual; {:.1} KB of JSON per node on average), {} running pods; filter body {} KB, answer {} KB; prioritize body {} KB, answer {} KB; set up in {:.1} s",
            fleet.names.len(),
            node_bytes as f64 / 1024.0 / fleet.nodes.len() as f64,
            fleet.pods.len(),
            mode.filter_tail.len() / 1024,
            mode.filter_ref.len() / 1024,
            mode.prioritize_tail.len() / 1024,
            mode.prioritize_ref.len() / 1024,
            t.elapsed().as_secs_f64()
        );
        let nodes = fleet.names.len();
        drop(fleet);
        for &workers in worker_counts {
            for distinct in [true, false] {
                let name = format!(
                    "{nodes} {what}, {}",
                    if distinct { "new pod each" } else { "same pod" }
                );
                let s = case(&run, &mode, &name, distinct, workers, secs)?;
                println!("{}", s.row);
                // kube-scheduler runs one scheduling cycle at a time: the
                // targets are for one request in flight.
                if workers == 1 && s.p99 > target {
                    failed.push(format!("{name}, {workers} workers: p99 {} ms", ms(s.p99)));
                }
                rows.push(s.row);
            }
        }
        let stats = run.state.backend().cache().stats();
        println!(
            "  cache after: {} nodes, {} pods, {} probes, compiled {} times; RSS {} MiB",
            stats.nodes,
            stats.pods,
            stats.probes,
            stats.generation,
            rss_kib().unwrap_or(0) / 1024
        );
    }
    println!("\n{TABLE_HEAD}");
    for r in &rows {
        println!("{r}");
    }
    if !failed.is_empty() {
        println!(
            "\np99 over target (one request in flight): {}",
            failed.join("; ")
        );
    }
    Ok(())
}

// ---------------------------------------------------------------- bad inputs

/// SplitMix64: small, seeded, good enough to pick cases.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// The kinds of bad request, and the status each must get.
const BAD_KINDS: [(&str, u16); 5] = [
    ("truncated", 400),
    ("garbage", 400),
    ("wrong type", 400),
    ("no pod or nodes", 400),
    ("oversized", 413),
];

/// A bad body of kind `kind` (an index into [`BAD_KINDS`]).
fn bad_body(kind: usize, rng: &mut Rng, valid: &[u8], oversized: &[u8]) -> Vec<u8> {
    match kind {
        // Cut anywhere: an object cut short is never complete JSON.
        0 => valid[..rng.below(valid.len())].to_vec(),
        // A span overwritten with random bytes, one of them a control
        // character, which JSON allows nowhere unescaped.
        1 => {
            let mut b = valid.to_vec();
            let at = rng.below(b.len());
            let n = (1 + rng.below(64)).min(b.len() - at);
            for x in &mut b[at..at + n] {
                *x = rng.next() as u8;
            }
            b[at] = 1 + rng.below(8) as u8;
            b
        }
        2 => {
            const WRONG: [&str; 7] = [
                r#"{"Pod":"istio-ingressgateway","NodeNames":["a"]}"#,
                r#"{"Pod":{"metadata":{"name":7}},"NodeNames":["a"]}"#,
                r#"{"Pod":{"metadata":{"name":"p"},"spec":{"containers":{"name":"c"}}},"NodeNames":["a"]}"#,
                r#"{"Pod":{"metadata":{"name":"p"}},"NodeNames":[1,2,3]}"#,
                r#"{"Pod":{"metadata":{"name":"p"}},"NodeNames":{"a":"b"}}"#,
                r#"{"Pod":{"metadata":{"name":"p"}},"Nodes":[{"metadata":{"name":"a"}}]}"#,
                r#"[{"Pod":null},{"NodeNames":["a"]}]"#,
            ];
            WRONG[rng.below(WRONG.len())].as_bytes().to_vec()
        }
        3 => {
            const EMPTY: [&str; 4] = [
                r#"{"Pod":null,"NodeNames":["a"]}"#,
                r#"{"NodeNames":["a"]}"#,
                r#"{"Pod":{"metadata":{"name":"p"}}}"#,
                "null",
            ];
            EMPTY[rng.below(EMPTY.len())].as_bytes().to_vec()
        }
        _ => oversized.to_vec(),
    }
}

/// RSS of this process in KiB.
fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

#[derive(Default)]
struct MixedResult {
    pairs: Vec<Pair>,
    good: usize,
    /// Per bad kind: (sent, answered as expected).
    bad: [(usize, usize); BAD_KINDS.len()],
    server_errors: usize,
    wrong: Vec<String>,
}

/// Valid pairs (new pod each) mixed with bad requests, so 10 % of requests
/// are bad: a bad request takes the place of a pair with probability 2/11.
fn mixed(
    addr: SocketAddr,
    mode: &Mode,
    oversized: &[u8],
    w: usize,
    deadline: Instant,
) -> MixedResult {
    let mut client = Client::new(addr);
    let mut rng = Rng(0x5EED_0000 + w as u64);
    let mut out = MixedResult::default();
    let mut j = 0usize;
    let wrong = |out: &mut MixedResult, what: String| {
        if out.wrong.len() < 20 {
            out.wrong.push(what);
        }
    };
    while Instant::now() < deadline {
        j += 1;
        let pod = pod_json(&format!("gw-mixed-{w}-{j}"));
        if rng.below(11) < 2 {
            let kind = rng.below(BAD_KINDS.len());
            let valid = body(&pod, &mode.filter_tail);
            let path = if rng.below(2) == 0 {
                "/filter"
            } else {
                "/prioritize"
            };
            let r = request(path, &bad_body(kind, &mut rng, &valid, oversized));
            out.bad[kind].0 += 1;
            match client.send(&r) {
                Ok(a) if a.status == BAD_KINDS[kind].1 => out.bad[kind].1 += 1,
                Ok(a) => {
                    if a.status >= 500 {
                        out.server_errors += 1;
                    }
                    wrong(
                        &mut out,
                        format!("{} {path}: {}", BAD_KINDS[kind].0, describe(&a)),
                    );
                }
                Err(e) => wrong(&mut out, format!("{} {path}: {e}", BAD_KINDS[kind].0)),
            }
            continue;
        }
        let f = request("/filter", &body(&pod, &mode.filter_tail));
        let p = request("/prioritize", &body(&pod, &mode.prioritize_tail));
        let mut times = [Duration::ZERO; 2];
        let mut ok = true;
        for (i, (r, reference)) in [(&f, &mode.filter_ref), (&p, &mode.prioritize_ref)]
            .into_iter()
            .enumerate()
        {
            let t = Instant::now();
            let a = client.send(r);
            times[i] = t.elapsed();
            match a {
                Ok(a) if a.status == 200 && a.body == *reference => out.good += 1,
                Ok(a) => {
                    if a.status >= 500 {
                        out.server_errors += 1;
                    }
                    wrong(&mut out, format!("valid #{i}: {}", describe(&a)));
                    ok = false;
                }
                Err(e) => {
                    wrong(&mut out, format!("valid #{i}: {e}"));
                    ok = false;
                }
            }
        }
        if ok {
            out.pairs.push(Pair {
                filter: times[0],
                prioritize: times[1],
            });
        }
    }
    out
}

fn bad(secs: f64) -> Res<()> {
    let fleet = fleet(4_990, 10);
    let mut config = Config::default();
    config.limits.max_body_bytes = BAD_RUN_LIMIT;
    let run = start(&config, fleet.scenario()?)?;
    let mode = mode(Form::Names, &fleet, &run.state)?;
    drop(fleet);
    // Valid JSON, a list of 60,000 names: over the limit by its size alone.
    let many: Vec<String> = (0..60_000).map(ecs_name).collect();
    let oversized = format!(
        "{{\"Pod\":{},\"NodeNames\":{}}}",
        pod_json("gw-oversized"),
        serde_json::to_string(&many).map_err(|e| e.to_string())?
    )
    .into_bytes();
    println!(
        "bad inputs: {secs} s at maximum rate, 4 workers, maxBodyBytes {BAD_RUN_LIMIT}, oversized body {} KB",
        oversized.len() / 1024
    );
    let workers = 4;
    let done = AtomicBool::new(false);
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    let start_time = Instant::now();
    let (results, samples) = thread::scope(|s| {
        let sampler = s.spawn(|| {
            let mut samples = Vec::new();
            let t0 = Instant::now();
            while !done.load(Ordering::Acquire) {
                let stats = run.state.backend().cache().stats();
                samples.push((t0.elapsed().as_secs_f64(), rss_kib().unwrap_or(0), stats));
                let next = Duration::from_secs(samples.len() as u64);
                while !done.load(Ordering::Acquire) && t0.elapsed() < next {
                    thread::sleep(Duration::from_millis(20));
                }
            }
            samples.push((
                t0.elapsed().as_secs_f64(),
                rss_kib().unwrap_or(0),
                run.state.backend().cache().stats(),
            ));
            samples
        });
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                let (mode, oversized) = (&mode, &oversized);
                s.spawn(move || mixed(run.addr, mode, oversized, w, deadline))
            })
            .collect();
        let results: Vec<MixedResult> = handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect();
        done.store(true, Ordering::Release);
        (results, sampler.join().unwrap_or_default())
    });
    let wall = start_time.elapsed();
    let good: usize = results.iter().map(|r| r.good).sum();
    let server_errors: usize = results.iter().map(|r| r.server_errors).sum();
    let wrong: Vec<&String> = results.iter().flat_map(|r| &r.wrong).collect();
    let mut bad_sent = 0;
    let mut report = String::new();
    for (k, (kind, status)) in BAD_KINDS.iter().enumerate() {
        let sent: usize = results.iter().map(|r| r.bad[k].0).sum();
        let expected: usize = results.iter().map(|r| r.bad[k].1).sum();
        bad_sent += sent;
        let _ = write!(report, "{kind} {expected}/{sent} → {status}; ");
    }
    let total = good + bad_sent;
    let pairs: Vec<Pair> = results
        .iter()
        .flat_map(|r| r.pairs.iter().copied())
        .collect();
    let summary = summarize("mixed, 10 % bad", workers, wall, &pairs);
    println!(
        "  {total} requests in {:.1} s ({:.0}/s): {good} valid, all 200 and identical to the reference unless listed below; {bad_sent} bad ({:.1} %): {report}5xx: {server_errors}",
        wall.as_secs_f64(),
        total as f64 / wall.as_secs_f64(),
        100.0 * bad_sent as f64 / total.max(1) as f64
    );
    println!("{TABLE_HEAD}\n{}", summary.row);
    let rss: Vec<u64> = samples.iter().map(|s| s.1).collect();
    let max = rss.iter().copied().max().unwrap_or(0);
    println!(
        "  RSS MiB: start {}, end {}, max {}; after 1/3 of the run {} → end {}",
        rss.first().copied().unwrap_or(0) / 1024,
        rss.last().copied().unwrap_or(0) / 1024,
        max / 1024,
        rss.get(rss.len() / 3).copied().unwrap_or(0) / 1024,
        rss.last().copied().unwrap_or(0) / 1024,
    );
    let mut line = String::from("  per second (s: RSS MiB, probes, compiles):");
    for (t, kib, stats) in &samples {
        let _ = write!(
            line,
            " {t:.0}: {}, {}, {};",
            kib / 1024,
            stats.probes,
            stats.generation
        );
    }
    println!("{line}");
    if !wrong.is_empty() || server_errors > 0 {
        return Err(format!(
            "{} wrong answers ({server_errors} 5xx), first: {}",
            wrong.len(),
            wrong.first().map_or("", |s| s.as_str())
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------- main

fn main() -> ExitCode {
    let mut what = String::from("all");
    let mut secs = 10.0;
    let mut bad_secs: f64 = std::env::var("EXTENDER_LOAD_BAD_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30.0);
    let mut workers = vec![1, 4];
    let mut only = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().unwrap_or_default();
        match a.as_str() {
            "--secs" => secs = value().parse().unwrap_or(secs),
            "--bad-secs" => bad_secs = value().parse().unwrap_or(bad_secs),
            "--workers" => {
                workers = value()
                    .split(',')
                    .filter_map(|w| w.parse().ok())
                    .filter(|&w| w > 0)
                    .collect();
            }
            "--only" => {
                only = match value().as_str() {
                    "names" => Some(Form::Names),
                    "nodes" => Some(Form::Nodes),
                    _ => None,
                }
            }
            "latency" | "bad" | "all" => what = a,
            _ => {
                eprintln!(
                    "usage: extender_load [latency|bad|all] [--secs S] [--bad-secs S] [--workers 1,4] [--only names|nodes]"
                );
                return ExitCode::from(2);
            }
        }
    }
    let mut result = Ok(());
    if what != "bad" {
        result = latency(secs, &workers, only);
    }
    if result.is_ok() && what != "latency" {
        result = bad(bad_secs);
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("extender_load: {e}");
            ExitCode::FAILURE
        }
    }
}
