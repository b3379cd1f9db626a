//! The extender's HTTP server: kube-scheduler's `HTTPExtender` calls
//! `POST PREFIX/VERB` with a JSON body; this answers with [`wire`](crate::wire)'s
//! Go-exact JSON.
//!
//! Routes:
//! - `POST PREFIX/VERB` for each verb whose name in `config.verbs` is not
//!   empty (a turned-off verb is a 404, as is any other path; another method
//!   on a verb path is a 405). The path is matched literally, whatever
//!   characters the verb name has.
//! - `GET /healthz`: always 200 `ok` (liveness).
//! - `GET /readyz`: 200 once the caller has called [`AppState::set_ready`]
//!   (the cache is loaded), 503 before.
//! - `GET /metrics`: Prometheus metrics, OpenMetrics text:
//!   `spillway_extender_requests_total{verb, outcome}` (outcome `ok`,
//!   `bad_request`, `too_large`, `timeout` or `error`; verb the canonical
//!   name, whatever path segment is configured),
//!   `spillway_extender_request_duration_seconds{verb}` (buckets from 50 µs to
//!   5 s), and `spillway_extender_cache_{nodes,pods,probes,generation}` read
//!   from [`Backend::stats`] at scrape time.
//!
//! A verb request:
//! 1. the body is read up to `limits.maxBodyBytes` (413 above it); the
//!    `Content-Type` is not checked (kube-scheduler sends `application/json`);
//! 2. decoding, the verb and encoding run on tokio's blocking pool
//!    (`spawn_blocking`), so a large filter does not stall other connections;
//! 3. all of it within `limits.timeout` (4 s by default, under kube-scheduler's
//!    5 s `httpTimeout`), or 503 with a message. The work itself cannot be
//!    interrupted: it finishes in the background and its answer is dropped;
//! 4. 200 with `application/json`: domain failures (no node fits) are in-band,
//!    in the answer's `Error` and `FailedNodes`. Malformed JSON, a field of the
//!    wrong type and [`BadRequest`] are 400 with the message as `text/plain`.
//!    A panic is a 500 `internal error`, and the server goes on answering.
//!
//! One log line per request (targets under `spillway_extender::server`):
//! `debug` when it went well, `warn` for 400, 413 and 503, `error` for 500.
//!
//! The router is generic over [`Backend`], the four verbs and the cache
//! sizes, which [`Extender`] implements; tests drive it with doubles that
//! panic or sleep.
//!
//! ```
//! use std::sync::Arc;
//!
//! use axum::body::Body;
//! use axum::http::Request;
//! use spillway_extender::server::{self, AppState};
//! use spillway_extender::{Cache, Config, Extender};
//! use tower::ServiceExt;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let config = Config::parse("urlPrefix: /spillway")?;
//! let state = Arc::new(AppState::new(Extender::new(config.clone(), Cache::default()), &config)?);
//! let app = server::router(Arc::clone(&state));
//! let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
//!
//! let readyz = || Request::get("/readyz").body(Body::empty());
//! let response = runtime.block_on(app.clone().oneshot(readyz()?))?;
//! assert_eq!(response.status(), 503);
//! state.set_ready(true);
//! let response = runtime.block_on(app.clone().oneshot(readyz()?))?;
//! assert_eq!(response.status(), 200);
//!
//! // The bind verb is off by default.
//! let bind = Request::post("/spillway/bind").body(Body::from("{}"))?;
//! assert_eq!(runtime.block_on(app.oneshot(bind))?.status(), 404);
//! # Ok(())
//! # }
//! ```

mod conn;
mod handlers;
mod metrics;
mod tls;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::routing::get;
use tower_http::catch_panic::CatchPanicLayer;

pub use conn::serve;
pub use tls::load_tls;

use self::metrics::{Metrics, Verb};
use crate::cache::CacheStats;
use crate::config::Config;
use crate::extender::{BadRequest, Extender, Wait, no_answer};
use crate::wire::{
    self, ExtenderArgs, ExtenderBindingArgs, ExtenderBindingResult, ExtenderFilterResult,
    ExtenderPreemptionArgs, ExtenderPreemptionResult, HostPriority,
};

/// What answers the verbs: [`Extender`] in production, doubles in tests.
///
/// Called on the blocking pool, several requests at a time.
pub trait Backend: Send + Sync + 'static {
    /// The filter verb.
    ///
    /// # Errors
    /// A request that cannot be answered (400).
    fn filter(&self, args: &ExtenderArgs) -> Result<ExtenderFilterResult, BadRequest>;

    /// The prioritize verb.
    ///
    /// # Errors
    /// A request that cannot be answered (400).
    fn prioritize(&self, args: &ExtenderArgs) -> Result<Vec<HostPriority>, BadRequest>;

    /// The filter verb's answer as JSON (by default, [`Backend::filter`]'s
    /// encoded).
    ///
    /// # Errors
    /// As [`Backend::filter`].
    fn filter_json(&self, args: &ExtenderArgs) -> Result<Vec<u8>, BadRequest> {
        self.filter(args).map(|r| wire::encode(&r))
    }

    /// The prioritize verb's answer as JSON (by default,
    /// [`Backend::prioritize`]'s encoded).
    ///
    /// # Errors
    /// As [`Backend::prioritize`].
    fn prioritize_json(&self, args: &ExtenderArgs) -> Result<Vec<u8>, BadRequest> {
        self.prioritize(args).map(|r| wire::encode(&r))
    }

    /// [`Backend::filter_json`] if it needs no waiting (for a lock, a
    /// compile); `None` sends the request to the blocking pool. By default
    /// `None`.
    fn filter_json_now(&self, args: &ExtenderArgs) -> Option<Result<Vec<u8>, BadRequest>> {
        let _ = args;
        None
    }

    /// [`Backend::prioritize_json`] if it needs no waiting; as
    /// [`Backend::filter_json_now`].
    fn prioritize_json_now(&self, args: &ExtenderArgs) -> Option<Result<Vec<u8>, BadRequest>> {
        let _ = args;
        None
    }

    /// The bind verb (failures are in-band, in the result's `Error`).
    fn bind(&self, args: &ExtenderBindingArgs) -> ExtenderBindingResult;

    /// The preempt verb.
    ///
    /// # Errors
    /// A request that cannot be answered (400).
    fn preempt(
        &self,
        args: &ExtenderPreemptionArgs,
    ) -> Result<ExtenderPreemptionResult, BadRequest>;

    /// The cache's sizes, read at each scrape of `/metrics` (on the async
    /// runtime: keep it cheap).
    fn stats(&self) -> CacheStats;
}

impl Backend for Extender {
    fn filter(&self, args: &ExtenderArgs) -> Result<ExtenderFilterResult, BadRequest> {
        Extender::filter(self, args)
    }

    fn prioritize(&self, args: &ExtenderArgs) -> Result<Vec<HostPriority>, BadRequest> {
        Extender::prioritize(self, args)
    }

    fn filter_json(&self, args: &ExtenderArgs) -> Result<Vec<u8>, BadRequest> {
        let answer = self.filter_answer(args, Wait::Yes)?;
        answer.map(|a| a.to_json()).ok_or_else(no_answer)
    }

    fn prioritize_json(&self, args: &ExtenderArgs) -> Result<Vec<u8>, BadRequest> {
        let answer = self.prioritize_answer(args, Wait::Yes)?;
        answer.map(|a| a.to_json()).ok_or_else(no_answer)
    }

    fn filter_json_now(&self, args: &ExtenderArgs) -> Option<Result<Vec<u8>, BadRequest>> {
        let answer = self.filter_answer(args, Wait::No);
        answer.map(|a| a.map(|a| a.to_json())).transpose()
    }

    fn prioritize_json_now(&self, args: &ExtenderArgs) -> Option<Result<Vec<u8>, BadRequest>> {
        let answer = self.prioritize_answer(args, Wait::No);
        answer.map(|a| a.map(|a| a.to_json())).transpose()
    }

    fn bind(&self, args: &ExtenderBindingArgs) -> ExtenderBindingResult {
        Extender::bind(self, args)
    }

    fn preempt(
        &self,
        args: &ExtenderPreemptionArgs,
    ) -> Result<ExtenderPreemptionResult, BadRequest> {
        Extender::preempt(self, args)
    }

    fn stats(&self) -> CacheStats {
        self.cache().stats()
    }
}

/// The server could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// A TLS file is unreadable or unusable.
    #[error("{}: {message}", path.display())]
    Tls {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A verb's path is one of the server's own (`/healthz`, `/readyz`,
    /// `/metrics`).
    #[error(
        "verbs.{verb}: {path} is the server's own endpoint; set a urlPrefix or rename the verb"
    )]
    Route {
        /// The verb (`filter`, `prioritize`, `preempt`, `bind`).
        verb: &'static str,
        /// Its path.
        path: String,
    },
}

/// The server's own paths, outside the prefix.
const OWN_PATHS: [&str; 3] = ["/healthz", "/readyz", "/metrics"];

/// Everything a request needs: the backend, the routes and limits taken from
/// the configuration, readiness and metrics.
#[derive(Debug)]
pub struct AppState<B> {
    backend: Arc<B>,
    /// `PREFIX/VERB` → verb, for the enabled verbs.
    routes: HashMap<String, Verb>,
    max_body_bytes: usize,
    timeout: Duration,
    ready: Arc<AtomicBool>,
    metrics: Metrics,
}

impl<B: Backend> AppState<B> {
    /// State for `backend`, with `config`'s prefix, verb names and limits (its
    /// TLS and log settings are the caller's). Not ready until
    /// [`set_ready`](Self::set_ready).
    ///
    /// # Errors
    /// A verb whose path is `/healthz`, `/readyz` or `/metrics` (an empty
    /// prefix and a verb so named).
    pub fn new(backend: B, config: &Config) -> Result<AppState<B>, ServerError> {
        let names = [
            (Verb::Filter, &config.verbs.filter),
            (Verb::Prioritize, &config.verbs.prioritize),
            (Verb::Preempt, &config.verbs.preempt),
            (Verb::Bind, &config.verbs.bind),
        ];
        let mut routes = HashMap::new();
        for (verb, name) in names {
            if name.is_empty() {
                continue;
            }
            let path = format!("{}/{name}", config.url_prefix);
            if OWN_PATHS.contains(&path.as_str()) {
                return Err(ServerError::Route {
                    verb: verb.as_str(),
                    path,
                });
            }
            routes.insert(path, verb);
        }
        let metrics = Metrics::new(
            Verb::ALL
                .into_iter()
                .filter(|v| routes.values().any(|r| r == v)),
        );
        Ok(AppState {
            backend: Arc::new(backend),
            routes,
            max_body_bytes: config.limits.max_body_bytes,
            timeout: config.limits.timeout,
            ready: Arc::new(AtomicBool::new(false)),
            metrics,
        })
    }

    /// The backend.
    pub fn backend(&self) -> &Arc<B> {
        &self.backend
    }

    /// Marks the server ready (`/readyz` answers 200) or not (503).
    pub fn set_ready(&self, ready: bool) {
        self.ready.store(ready, Ordering::Release);
    }

    /// The readiness flag itself, for a task that loads or watches the
    /// cluster and outlives this borrow.
    pub fn ready_flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.ready)
    }

    /// The enabled verbs' paths, sorted.
    pub fn verb_paths(&self) -> Vec<&str> {
        let mut paths: Vec<&str> = self.routes.keys().map(String::as_str).collect();
        paths.sort_unstable();
        paths
    }
}

/// The application: the routes of the module docs, with the body limit,
/// panic catching, logging and metrics. Serve it with [`serve`], or drive it
/// in-process with `tower::ServiceExt::oneshot`.
pub fn router<B: Backend>(state: Arc<AppState<B>>) -> Router {
    Router::new()
        .route("/healthz", get(handlers::healthz))
        .route("/readyz", get(handlers::readyz::<B>))
        .route("/metrics", get(handlers::metrics_handler::<B>))
        .fallback(handlers::verb::<B>)
        .layer(CatchPanicLayer::custom(handlers::panicked))
        .layer(DefaultBodyLimit::max(state.max_body_bytes))
        .layer(middleware::from_fn_with_state(
            Arc::clone(&state),
            handlers::observe::<B>,
        ))
        .with_state(state)
}
