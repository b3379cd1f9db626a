//! The HTTP server: routes, status codes, limits, metrics, panics, timeouts,
//! graceful shutdown and TLS, in-process (`oneshot`) and over loopback TCP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use spillway_extender::config::Tls;
use spillway_extender::server::{self, AppState, Backend, ServerError};
use spillway_extender::wire::{
    self, ExtenderArgs, ExtenderBindingArgs, ExtenderBindingResult, ExtenderFilterResult,
    ExtenderPreemptionArgs, ExtenderPreemptionResult, HostPriority,
};
use spillway_extender::{BadRequest, Cache, CacheStats, Config, Extender};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, oneshot};
use tower::ServiceExt;

/// A backend told what to do by the first node name of a filter request:
/// `panic`, `bad` (a [`BadRequest`]), `wait` (signal `entered`, then block
/// until the test releases it); anything else passes every node.
#[derive(Debug)]
struct Double {
    entered: Arc<Notify>,
    gate: Mutex<mpsc::Receiver<()>>,
    panic_in_stats: AtomicBool,
}

/// The test's side of a [`Double`]: dropping it releases every waiting
/// request.
struct Controls {
    entered: Arc<Notify>,
    release: mpsc::Sender<()>,
}

fn double() -> (Double, Controls) {
    let entered = Arc::new(Notify::new());
    let (release, gate) = mpsc::channel();
    let double = Double {
        entered: Arc::clone(&entered),
        gate: Mutex::new(gate),
        panic_in_stats: AtomicBool::new(false),
    };
    (double, Controls { entered, release })
}

impl Backend for Double {
    fn filter(&self, args: &ExtenderArgs) -> Result<ExtenderFilterResult, BadRequest> {
        let names = args.node_names.clone().unwrap_or_default();
        match names.get(0) {
            Some("panic") => panic!("the double was told to panic"),
            Some("bad") => return Err(BadRequest("no pod in the request".into())),
            Some("wait") => {
                self.entered.notify_one();
                let _ = self.gate.lock().unwrap().recv();
            }
            _ => {}
        }
        Ok(ExtenderFilterResult {
            node_names: Some(names),
            ..ExtenderFilterResult::default()
        })
    }

    /// Answers `now` without waiting, panics on `panic-now`; anything else
    /// goes to the blocking pool.
    fn filter_json_now(&self, args: &ExtenderArgs) -> Option<Result<Vec<u8>, BadRequest>> {
        match args.node_names.as_ref()?.get(0) {
            Some("now") => Some(Ok(br#"{"answered":"now"}"#.to_vec())),
            Some("panic-now") => panic!("the double was told to panic without waiting"),
            _ => None,
        }
    }

    fn prioritize(&self, args: &ExtenderArgs) -> Result<Vec<HostPriority>, BadRequest> {
        Ok(args
            .node_names
            .iter()
            .flat_map(|names| names.iter())
            .map(|host| HostPriority {
                host: host.to_string(),
                score: 7,
            })
            .collect())
    }

    fn bind(&self, args: &ExtenderBindingArgs) -> ExtenderBindingResult {
        ExtenderBindingResult {
            error: format!("no node {}", args.node),
        }
    }

    fn preempt(
        &self,
        _args: &ExtenderPreemptionArgs,
    ) -> Result<ExtenderPreemptionResult, BadRequest> {
        Ok(ExtenderPreemptionResult::default())
    }

    fn stats(&self) -> CacheStats {
        assert!(
            !self.panic_in_stats.load(Ordering::Relaxed),
            "the double was told to panic in stats"
        );
        CacheStats {
            nodes: 3,
            pods: 5,
            probes: 1,
            generation: 7,
        }
    }
}

fn state(yaml: &str) -> (Arc<AppState<Double>>, Controls) {
    let config = Config::parse(yaml).unwrap();
    let (double, controls) = double();
    (Arc::new(AppState::new(double, &config).unwrap()), controls)
}

fn app_for(yaml: &str) -> (Router, Arc<AppState<Double>>, Controls) {
    let (state, controls) = state(yaml);
    (server::router(Arc::clone(&state)), state, controls)
}

struct Answer {
    status: StatusCode,
    content_type: String,
    body: String,
}

async fn call(app: &Router, method: &str, path: &str, body: impl Into<Body>) -> Answer {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .body(body.into())
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    Answer {
        status,
        content_type,
        body: String::from_utf8(body.to_vec()).unwrap(),
    }
}

async fn post(app: &Router, path: &str, body: &str) -> Answer {
    call(app, "POST", path, body.to_owned()).await
}

const FILTER_AB: &str = r#"{"Pod":{"metadata":{"name":"p"}},"NodeNames":["a","b"]}"#;

#[tokio::test]
async fn small_requests_are_answered_without_waiting_when_the_backend_can() {
    let (app, _state, _c) = app_for("");
    let now = post(&app, "/filter", r#"{"NodeNames":["now"]}"#).await;
    assert_eq!(
        (now.status, now.body.as_str()),
        (StatusCode::OK, r#"{"answered":"now"}"#)
    );
    // A body over 256 KiB always goes to the blocking pool.
    let big = format!(r#"{{"NodeNames":["now"{}]}}"#, r#","x""#.repeat(70_000));
    let pooled = post(&app, "/filter", &big).await;
    assert_eq!(pooled.status, StatusCode::OK);
    assert!(
        pooled
            .body
            .starts_with(r#"{"Nodes":null,"NodeNames":["now","x","#),
        "{}",
        &pooled.body[..80]
    );
    // So does what the backend cannot answer without waiting.
    assert_eq!(
        post(&app, "/filter", FILTER_AB).await.status,
        StatusCode::OK
    );
    // A malformed small body is a 400 as before.
    let bad = post(&app, "/filter", r#"{"NodeNames":[1]}"#).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("NodeNames"), "{}", bad.body);

    // A panic on the async worker is a 500 too, and the server goes on.
    let answer = post(&app, "/filter", r#"{"NodeNames":["panic-now"]}"#).await;
    assert_eq!(answer.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(answer.body, "internal error\n");
    assert_eq!(
        post(&app, "/filter", r#"{"NodeNames":["now"]}"#)
            .await
            .status,
        StatusCode::OK
    );
    let metrics = call(&app, "GET", "/metrics", Body::empty()).await.body;
    for line in [
        r#"spillway_extender_requests_total{verb="filter",outcome="ok"} 4"#,
        r#"spillway_extender_requests_total{verb="filter",outcome="error"} 1"#,
        r#"spillway_extender_requests_total{verb="filter",outcome="bad_request"} 1"#,
    ] {
        assert!(metrics.contains(line), "{line} in {metrics}");
    }
}

#[tokio::test]
async fn healthz_always_readyz_once_ready() {
    let (app, state, _c) = app_for("");
    let healthz = call(&app, "GET", "/healthz", Body::empty()).await;
    assert_eq!(
        (healthz.status, healthz.body.as_str()),
        (StatusCode::OK, "ok\n")
    );
    let readyz = call(&app, "GET", "/readyz", Body::empty()).await;
    assert_eq!(readyz.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(readyz.body.contains("not ready"), "{}", readyz.body);
    state.set_ready(true);
    assert_eq!(
        call(&app, "GET", "/readyz", Body::empty()).await.status,
        StatusCode::OK
    );
    state.ready_flag().store(false, Ordering::Release);
    assert_eq!(
        call(&app, "GET", "/readyz", Body::empty()).await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
}

#[tokio::test]
async fn filter_answers_go_json() {
    let (app, _state, _c) = app_for("");
    let answer = post(&app, "/filter", FILTER_AB).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.content_type, "application/json");
    let expected = ExtenderFilterResult {
        node_names: Some(["a", "b"].into_iter().collect()),
        ..ExtenderFilterResult::default()
    };
    assert_eq!(answer.body.as_bytes(), wire::encode(&expected));
}

#[tokio::test]
async fn prioritize_answers_an_array() {
    let (app, _state, _c) = app_for("");
    let answer = post(&app, "/prioritize", FILTER_AB).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        answer.body,
        r#"[{"Host":"a","Score":7},{"Host":"b","Score":7}]"#
    );
}

#[tokio::test]
async fn preempt_answers_and_bind_is_off_by_default() {
    let (app, _state, _c) = app_for("");
    let answer = post(&app, "/preempt", "{}").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.body, r#"{"NodeNameToMetaVictims":null}"#);
    assert_eq!(
        post(&app, "/bind", "{}").await.status,
        StatusCode::NOT_FOUND
    );

    let (binder, _state, _c) = app_for("verbs: {bind: bind}");
    let answer = post(&binder, "/bind", r#"{"PodName":"p","Node":"n<1>"}"#).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.body, r#"{"Error":"no node n\u003c1\u003e"}"#);
}

#[tokio::test]
async fn content_type_is_not_required() {
    let (app, _state, _c) = app_for("");
    for content_type in [None, Some("text/plain"), Some("application/json")] {
        let mut request = Request::post("/filter");
        if let Some(ct) = content_type {
            request = request.header(header::CONTENT_TYPE, ct);
        }
        let request = request.body(Body::from(FILTER_AB)).unwrap();
        let response = app.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{content_type:?}");
    }
}

#[tokio::test]
async fn unknown_paths_disabled_verbs_and_other_methods() {
    let (app, _state, _c) = app_for("verbs: {prioritize: ''}");
    for path in [
        "/",
        "/nope",
        "/filter/",
        "/filter/x",
        "/Filter",
        "/prioritize",
    ] {
        let answer = post(&app, path, FILTER_AB).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{path}");
    }
    let request = Request::get("/filter").body(Body::empty()).unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.headers()[header::ALLOW], "POST");
    // The query string is not part of the path.
    assert_eq!(
        post(&app, "/filter?x=1", FILTER_AB).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn prefix_and_verb_names_route_literally() {
    let (app, state, _c) = app_for("urlPrefix: /spillway\nverbs: {filter: 'f{x}', preempt: ''}");
    assert_eq!(
        state.verb_paths(),
        ["/spillway/f{x}", "/spillway/prioritize"]
    );
    assert_eq!(
        post(&app, "/spillway/f{x}", FILTER_AB).await.status,
        StatusCode::OK
    );
    assert_eq!(
        post(&app, "/spillway/prioritize", FILTER_AB).await.status,
        StatusCode::OK
    );
    for path in [
        "/spillway/fy",
        "/spillway/filter",
        "/filter",
        "/prioritize",
        "/spillway",
    ] {
        assert_eq!(
            post(&app, path, FILTER_AB).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    // The server's own endpoints stay at the root.
    assert_eq!(
        call(&app, "GET", "/healthz", Body::empty()).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_verb_on_an_own_path_is_refused() {
    let config = Config::parse("verbs: {filter: metrics}").unwrap();
    let err = AppState::new(double().0, &config).unwrap_err();
    assert!(
        matches!(err, ServerError::Route { verb: "filter", .. }),
        "{err}"
    );
    assert!(err.to_string().contains("/metrics"), "{err}");
    // Under a prefix it is fine.
    let config = Config::parse("urlPrefix: /x\nverbs: {filter: metrics}").unwrap();
    assert!(AppState::new(double().0, &config).is_ok());
}

#[tokio::test]
async fn malformed_requests_are_400_with_a_message() {
    let (app, _state, _c) = app_for("");
    for (body, needle) in [
        ("{", "EOF"),
        ("[]", ""),
        (r#"{"Pod": 5}"#, "Pod"),
        (r#"{"NodeNames": "a"}"#, "NodeNames"),
        (r#"{"NodeNames": ["bad"]}"#, "no pod in the request"),
    ] {
        let answer = post(&app, "/filter", body).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(answer.content_type, "text/plain; charset=utf-8", "{body}");
        assert!(answer.body.trim().len() > 3, "{body}: {:?}", answer.body);
        assert!(answer.body.contains(needle), "{body}: {:?}", answer.body);
    }
    // Go's json.Unmarshal takes `null` as an empty message.
    assert_eq!(post(&app, "/filter", "null").await.status, StatusCode::OK);
}

#[tokio::test]
async fn bodies_over_the_limit_are_413() {
    let (app, _state, _c) = app_for("limits: {maxBodyBytes: 64}");
    let big = format!(r#"{{"NodeNames":["{}"]}}"#, "a".repeat(100));
    let answer = post(&app, "/filter", &big).await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(answer.body.contains("64 bytes"), "{}", answer.body);
    // At the limit it is fine.
    let exact = format!(r#"{{"NodeNames":["{}"]}}"#, "a".repeat(64 - 18));
    assert_eq!(exact.len(), 64);
    assert_eq!(post(&app, "/filter", &exact).await.status, StatusCode::OK);
    let metrics = call(&app, "GET", "/metrics", Body::empty()).await.body;
    assert!(
        metrics
            .contains(r#"spillway_extender_requests_total{verb="filter",outcome="too_large"} 1"#),
        "{metrics}"
    );
}

#[tokio::test]
async fn metrics_count_requests_and_show_the_cache() {
    let (app, _state, _c) = app_for("");
    let before = call(&app, "GET", "/metrics", Body::empty()).await;
    assert_eq!(before.status, StatusCode::OK);
    assert!(
        before
            .content_type
            .starts_with("application/openmetrics-text")
    );
    // Every (verb, outcome) of an enabled verb exists from the start.
    assert!(
        before
            .body
            .contains(r#"spillway_extender_requests_total{verb="filter",outcome="ok"} 0"#),
        "{}",
        before.body
    );
    assert!(!before.body.contains(r#"verb="bind""#), "{}", before.body);

    assert_eq!(
        post(&app, "/filter", FILTER_AB).await.status,
        StatusCode::OK
    );
    assert_eq!(
        post(&app, "/filter", "{").await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        post(&app, "/prioritize", FILTER_AB).await.status,
        StatusCode::OK
    );
    let _ = call(&app, "GET", "/filter", Body::empty()).await; // 405: not counted

    let after = call(&app, "GET", "/metrics", Body::empty()).await.body;
    for line in [
        r#"spillway_extender_requests_total{verb="filter",outcome="ok"} 1"#,
        r#"spillway_extender_requests_total{verb="filter",outcome="bad_request"} 1"#,
        r#"spillway_extender_requests_total{verb="prioritize",outcome="ok"} 1"#,
        r#"spillway_extender_requests_total{verb="preempt",outcome="ok"} 0"#,
        r#"spillway_extender_request_duration_seconds_count{verb="filter"} 2"#,
        r#"spillway_extender_request_duration_seconds_bucket{le="5.0",verb="filter"} 2"#,
        r#"spillway_extender_request_duration_seconds_bucket{le="0.0001",verb="filter"}"#,
        "# TYPE spillway_extender_request_duration_seconds histogram",
        "spillway_extender_cache_nodes 3",
        "spillway_extender_cache_pods 5",
        "spillway_extender_cache_probes 1",
        "spillway_extender_cache_generation 7",
        "# EOF",
    ] {
        assert!(after.contains(line), "{line} not in\n{after}");
    }
}

#[tokio::test]
async fn a_panic_is_500_and_the_server_goes_on() {
    let (app, state, _c) = app_for("");
    let answer = post(&app, "/filter", r#"{"NodeNames":["panic"]}"#).await;
    assert_eq!(answer.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(answer.body, "internal error\n");
    assert_eq!(
        post(&app, "/filter", FILTER_AB).await.status,
        StatusCode::OK
    );

    // A panic outside the blocking pool (here in the metrics handler) is
    // caught by the CatchPanicLayer.
    state
        .backend()
        .panic_in_stats
        .store(true, Ordering::Relaxed);
    let answer = call(&app, "GET", "/metrics", Body::empty()).await;
    assert_eq!(answer.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(answer.body, "internal error\n");
    state
        .backend()
        .panic_in_stats
        .store(false, Ordering::Relaxed);

    let metrics = call(&app, "GET", "/metrics", Body::empty()).await.body;
    assert!(
        metrics.contains(r#"spillway_extender_requests_total{verb="filter",outcome="error"} 1"#),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"spillway_extender_requests_total{verb="filter",outcome="ok"} 1"#),
        "{metrics}"
    );
}

#[tokio::test]
async fn no_answer_in_time_is_503() {
    let (app, _state, controls) = app_for("limits: {timeout: 50ms}");
    let answer = post(&app, "/filter", r#"{"NodeNames":["wait"]}"#).await;
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(answer.content_type, "text/plain; charset=utf-8");
    assert!(
        answer.body.contains("no answer within 50ms"),
        "{}",
        answer.body
    );
    // The late work finishes in the background; the server answers meanwhile.
    assert_eq!(
        post(&app, "/filter", FILTER_AB).await.status,
        StatusCode::OK
    );
    controls.release.send(()).unwrap();
    let metrics = call(&app, "GET", "/metrics", Body::empty()).await.body;
    assert!(
        metrics.contains(r#"spillway_extender_requests_total{verb="filter",outcome="timeout"} 1"#),
        "{metrics}"
    );
}

#[tokio::test]
async fn the_extender_is_a_backend() {
    let config = Config::default();
    let extender = Extender::new(config.clone(), Cache::default());
    let state = Arc::new(AppState::new(extender, &config).unwrap());
    let app = server::router(state);
    assert_eq!(
        call(&app, "GET", "/healthz", Body::empty()).await.status,
        StatusCode::OK
    );
    // No pod, no candidates: a request the extender cannot answer.
    assert_eq!(
        post(&app, "/filter", "{}").await.status,
        StatusCode::BAD_REQUEST
    );
    let metrics = call(&app, "GET", "/metrics", Body::empty()).await.body;
    assert!(
        metrics.contains("spillway_extender_cache_nodes 0"),
        "{metrics}"
    );
}

// Over TCP.

/// A server on a loopback port, stopped by `stop`.
struct Running {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<io::Result<()>>,
}

async fn start(app: Router, tls: Option<Arc<rustls::ServerConfig>>) -> Running {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let shutdown = async move {
        let _ = stopped.await;
    };
    let task = tokio::spawn(server::serve(listener, app, tls, shutdown));
    Running {
        addr,
        stop: Some(stop),
        task,
    }
}

impl Running {
    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        tokio::time::timeout(Duration::from_secs(2), self.task)
            .await
            .expect("the server stops")
            .unwrap()
            .unwrap();
    }
}

/// One HTTP/1.1 request with `Connection: close`; the status and body.
async fn raw_request<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    method: &str,
    path: &str,
    body: &str,
) -> io::Result<(u16, String)> {
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await?;
    let response = String::from_utf8_lossy(&response).into_owned();
    let status = response
        .strip_prefix("HTTP/1.1 ")
        .and_then(|r| r.get(..3))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| io::Error::other(format!("not an HTTP response: {response:?}")))?;
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default();
    Ok((status, body))
}

async fn tcp_request(addr: SocketAddr, method: &str, path: &str, body: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    raw_request(&mut stream, method, path, body).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_over_tcp() {
    let (app, _state, _c) = app_for("urlPrefix: /spillway");
    let server = start(app, None).await;
    assert_eq!(
        tcp_request(server.addr, "GET", "/healthz", "").await,
        (200, "ok\n".into())
    );
    let (status, body) = tcp_request(server.addr, "POST", "/spillway/filter", FILTER_AB).await;
    assert_eq!(status, 200);
    assert!(
        body.starts_with(r#"{"Nodes":null,"NodeNames":["a","b"]"#),
        "{body}"
    );
    assert_eq!(
        tcp_request(server.addr, "POST", "/filter", FILTER_AB)
            .await
            .0,
        404
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_limit_holds_for_chunked_bodies() {
    let (app, _state, _c) = app_for("limits: {maxBodyBytes: 64}");
    let server = start(app, None).await;
    let chunk = format!(r#"{{"NodeNames":["{}"]}}"#, "a".repeat(100));
    let request = format!(
        "POST /filter HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\
         Connection: close\r\n\r\n{:x}\r\n{chunk}\r\n0\r\n\r\n",
        chunk.len()
    );
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let response = String::from_utf8_lossy(&response);
    assert!(response.starts_with("HTTP/1.1 413 "), "{response}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_drains_requests_in_flight() {
    let (app, _state, controls) = app_for("");
    let server = start(app, None).await;
    let addr = server.addr;
    let in_flight = tokio::spawn(async move {
        tcp_request(addr, "POST", "/filter", r#"{"NodeNames":["wait"]}"#).await
    });
    controls.entered.notified().await;

    let Running { stop, task, .. } = server;
    stop.unwrap().send(()).unwrap();
    // New connections are refused once shutdown has begun...
    tokio::time::timeout(Duration::from_secs(2), async {
        while TcpStream::connect(addr).await.is_ok() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the listener closes");
    // ...while the request in flight is still answered, and the server
    // stops after it.
    assert!(!task.is_finished());
    controls.release.send(()).unwrap();
    let (status, body) = in_flight.await.unwrap();
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(r#""NodeNames":["wait"]"#), "{body}");
    tokio::time::timeout(Duration::from_secs(2), task)
        .await
        .expect("the server stops after draining")
        .unwrap()
        .unwrap();
}

// TLS.

/// A CA, a server certificate for localhost and a client certificate, as
/// PEM files in a folder of their own.
struct Pki {
    dir: PathBuf,
    ca: rustls_pki_types::CertificateDer<'static>,
    client_cert: rustls_pki_types::CertificateDer<'static>,
    client_key: rustls_pki_types::PrivateKeyDer<'static>,
}

impl Pki {
    fn new(name: &str) -> Pki {
        use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};

        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("server-tls-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();

        let ca_key = KeyPair::generate().unwrap();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca_cert = ca_params.self_signed(&ca_key).unwrap();
        let ca = Issuer::new(ca_params, ca_key);

        let server_key = KeyPair::generate().unwrap();
        let server_cert = CertificateParams::new(vec!["localhost".into()])
            .unwrap()
            .signed_by(&server_key, &ca)
            .unwrap();
        let client_key = KeyPair::generate().unwrap();
        let client_cert = CertificateParams::new(vec!["kube-scheduler".into()])
            .unwrap()
            .signed_by(&client_key, &ca)
            .unwrap();

        std::fs::write(dir.join("ca.crt"), ca_cert.pem()).unwrap();
        std::fs::write(dir.join("tls.crt"), server_cert.pem()).unwrap();
        std::fs::write(dir.join("tls.key"), server_key.serialize_pem()).unwrap();
        Pki {
            dir,
            ca: ca_cert.der().clone(),
            client_cert: client_cert.der().clone(),
            client_key: rustls_pki_types::PrivateKeyDer::Pkcs8(client_key.serialize_der().into()),
        }
    }

    fn tls(&self, client_ca: bool) -> Tls {
        Tls {
            cert_file: self.dir.join("tls.crt"),
            key_file: self.dir.join("tls.key"),
            client_ca_file: client_ca.then(|| self.dir.join("ca.crt")),
        }
    }

    fn connector(&self, with_client_cert: bool) -> tokio_rustls::TlsConnector {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(self.ca.clone()).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots);
        let config = if with_client_cert {
            builder
                .with_client_auth_cert(vec![self.client_cert.clone()], self.client_key.clone_key())
                .unwrap()
        } else {
            builder.with_no_client_auth()
        };
        tokio_rustls::TlsConnector::from(Arc::new(config))
    }

    async fn request(
        &self,
        addr: SocketAddr,
        with_client_cert: bool,
        path: &str,
    ) -> io::Result<(u16, String)> {
        let tcp = TcpStream::connect(addr).await?;
        let name = rustls_pki_types::ServerName::try_from("localhost").unwrap();
        let mut tls = self.connector(with_client_cert).connect(name, tcp).await?;
        raw_request(&mut tls, "GET", path, "").await
    }
}

impl Drop for Pki {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_https() {
    let pki = Pki::new("https");
    let tls = server::load_tls(&pki.tls(false)).unwrap();
    let (app, _state, _c) = app_for("");
    let server = start(app, Some(tls)).await;
    let (status, body) = pki.request(server.addr, false, "/healthz").await.unwrap();
    assert_eq!((status, body.as_str()), (200, "ok\n"));
    // Plain HTTP on the TLS port gets no HTTP answer.
    let mut tcp = TcpStream::connect(server.addr).await.unwrap();
    assert!(raw_request(&mut tcp, "GET", "/healthz", "").await.is_err());
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_certificates_when_a_client_ca_is_set() {
    let pki = Pki::new("mtls");
    let tls = server::load_tls(&pki.tls(true)).unwrap();
    let (app, _state, _c) = app_for("");
    let server = start(app, Some(tls)).await;
    let (status, _) = pki.request(server.addr, true, "/healthz").await.unwrap();
    assert_eq!(status, 200);
    // Without a certificate, the handshake (TLS 1.3: the first read) fails.
    let refused = pki.request(server.addr, false, "/healthz").await;
    assert!(refused.is_err(), "{refused:?}");
    // And the server still serves the next client.
    let (status, _) = pki.request(server.addr, true, "/healthz").await.unwrap();
    assert_eq!(status, 200);
    server.stop().await;
}

#[test]
fn tls_file_errors_name_the_file() {
    let pki = Pki::new("errors");
    let mut tls = pki.tls(true);

    tls.cert_file = pki.dir.join("missing.crt");
    let err = server::load_tls(&tls).unwrap_err().to_string();
    assert!(err.contains("missing.crt"), "{err}");

    // A key where the certificate should be.
    tls.cert_file = pki.dir.join("tls.key");
    let err = server::load_tls(&tls).unwrap_err().to_string();
    assert!(
        err.contains("tls.key") && err.contains("no CERTIFICATE"),
        "{err}"
    );

    // A certificate where the key should be.
    let mut tls = pki.tls(false);
    tls.key_file = pki.dir.join("tls.crt");
    let err = server::load_tls(&tls).unwrap_err().to_string();
    assert!(
        err.contains("tls.crt") && err.contains("no private key"),
        "{err}"
    );

    // A key that does not go with the certificate.
    let other = rcgen::KeyPair::generate().unwrap();
    std::fs::write(pki.dir.join("other.key"), other.serialize_pem()).unwrap();
    let mut tls = pki.tls(false);
    tls.key_file = pki.dir.join("other.key");
    let err = server::load_tls(&tls).unwrap_err().to_string();
    assert!(
        err.contains("other.key") && err.contains("tls.crt"),
        "{err}"
    );

    let mut tls = pki.tls(true);
    tls.client_ca_file = Some(pki.dir.join("tls.key"));
    let err = server::load_tls(&tls).unwrap_err().to_string();
    assert!(err.contains("tls.key"), "{err}");
}
