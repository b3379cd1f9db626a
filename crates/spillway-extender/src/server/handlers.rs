//! The handlers: the server's own endpoints, the verbs, and the layer that
//! times, counts and logs every request.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tracing::{debug, error, warn};

use super::metrics::{Outcome, Verb};
use super::{AppState, Backend};
use crate::extender::BadRequest;
use crate::wire::{self, ExtenderArgs, ExtenderBindingArgs, ExtenderPreemptionArgs};

/// How a verb request ended, for the metrics and the log line (a response
/// extension, read by [`observe`]).
#[derive(Debug, Clone)]
struct Observed {
    outcome: Outcome,
    /// The error, for the log.
    detail: Option<String>,
}

/// A `text/plain` response; the body ends with a newline, as Go's
/// `http.Error` writes it.
fn text(status: StatusCode, message: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{message}\n"),
    )
        .into_response()
}

/// A failed verb request: `status` with `message`, and the outcome for
/// [`observe`].
fn failure(status: StatusCode, outcome: Outcome, message: &str, detail: String) -> Response {
    let mut response = text(status, message);
    response.extensions_mut().insert(Observed {
        outcome,
        detail: Some(detail),
    });
    response
}

/// The answer of [`CatchPanicLayer`](tower_http::catch_panic::CatchPanicLayer):
/// a panic outside the blocking pool (in [`Backend::stats`], or a bug here) is
/// still a 500 and a log line.
pub(super) fn panicked(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let detail = format!("handler panicked: {}", panic_message(panic.as_ref()));
    failure(
        StatusCode::INTERNAL_SERVER_ERROR,
        Outcome::Error,
        "internal error",
        detail,
    )
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(not a string)")
}

pub(super) async fn healthz() -> Response {
    text(StatusCode::OK, "ok")
}

pub(super) async fn readyz<B: Backend>(State(state): State<Arc<AppState<B>>>) -> Response {
    if state.ready.load(Ordering::Acquire) {
        text(StatusCode::OK, "ok")
    } else {
        text(
            StatusCode::SERVICE_UNAVAILABLE,
            "not ready: the cache is not loaded",
        )
    }
}

pub(super) async fn metrics_handler<B: Backend>(State(state): State<Arc<AppState<B>>>) -> Response {
    match state.metrics.render(state.backend.stats()) {
        Ok(body) => (
            [(
                header::CONTENT_TYPE,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
            )],
            body,
        )
            .into_response(),
        Err(_) => text(
            StatusCode::INTERNAL_SERVER_ERROR,
            "metrics could not be encoded",
        ),
    }
}

/// Every path that is not the server's own: a verb, or 404.
pub(super) async fn verb<B: Backend>(
    State(state): State<Arc<AppState<B>>>,
    request: Request,
) -> Response {
    let Some(&verb) = state.routes.get(request.uri().path()) else {
        return text(StatusCode::NOT_FOUND, "404 page not found");
    };
    if request.method() != Method::POST {
        let mut response = text(
            StatusCode::METHOD_NOT_ALLOWED,
            "method not allowed: use POST",
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    let deadline = tokio::time::Instant::now() + state.timeout;
    let timed_out = || {
        let message = format!(
            "{}: no answer within {:?} (limits.timeout)",
            verb.as_str(),
            state.timeout
        );
        failure(
            StatusCode::SERVICE_UNAVAILABLE,
            Outcome::Timeout,
            &message,
            message.clone(),
        )
    };

    let body = match tokio::time::timeout_at(deadline, Bytes::from_request(request, &())).await {
        Err(_) => return timed_out(),
        Ok(Ok(body)) => body,
        Ok(Err(rejection)) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            let message = format!(
                "request body over {} bytes (limits.maxBodyBytes)",
                state.max_body_bytes
            );
            return failure(
                StatusCode::PAYLOAD_TOO_LARGE,
                Outcome::TooLarge,
                &message,
                message.clone(),
            );
        }
        Ok(Err(rejection)) => {
            let message = rejection.body_text();
            return failure(
                StatusCode::BAD_REQUEST,
                Outcome::BadRequest,
                &message,
                message.clone(),
            );
        }
    };

    // A small filter or prioritize request whose answer needs no waiting is
    // answered here, on the async worker: the hop to the blocking pool and
    // back costs about 0.1 ms, a fifth of a 5,000-name request's work.
    // Anything else (a larger body, a pod spec to compile, a writer holding
    // the cache) goes to the blocking pool, under the timeout.
    let request = if body.len() <= INLINE_MAX_BODY {
        let request = match decode(verb, &body) {
            Ok(request) => request,
            Err(message) => return answered(Err(message)),
        };
        if let Some(result) = answer_now(&*state.backend, &request) {
            return answered(result);
        }
        Some(request)
    } else {
        None
    };
    let backend = Arc::clone(&state.backend);
    let work = tokio::task::spawn_blocking(move || {
        let request = match request {
            Some(request) => request,
            None => decode(verb, &body)?,
        };
        answer(&*backend, &request)
    });
    match tokio::time::timeout_at(deadline, work).await {
        Err(_) => timed_out(),
        Ok(Ok(result)) => answered(result),
        Ok(Err(join_error)) => {
            let detail = match join_error.try_into_panic() {
                Ok(panic) => format!("panicked: {}", panic_message(panic.as_ref())),
                Err(join_error) => join_error.to_string(),
            };
            failure(
                StatusCode::INTERNAL_SERVER_ERROR,
                Outcome::Error,
                "internal error",
                detail,
            )
        }
    }
}

/// Bodies up to this size may be answered on the async worker (5,000 node
/// names with a pod are about 125 KB; their answer takes about 0.5 ms).
const INLINE_MAX_BODY: usize = 256 << 10;

/// A decoded verb request.
enum Decoded {
    Filter(ExtenderArgs),
    Prioritize(ExtenderArgs),
    Preempt(ExtenderPreemptionArgs),
    Bind(ExtenderBindingArgs),
}

/// Decodes a verb request; the error is the 400 message.
fn decode(verb: Verb, body: &[u8]) -> Result<Decoded, String> {
    let bad = |e: wire::DecodeError| e.to_string();
    Ok(match verb {
        Verb::Filter => Decoded::Filter(wire::decode(body).map_err(bad)?),
        Verb::Prioritize => Decoded::Prioritize(wire::decode(body).map_err(bad)?),
        Verb::Preempt => Decoded::Preempt(wire::decode(body).map_err(bad)?),
        Verb::Bind => Decoded::Bind(wire::decode(body).map_err(bad)?),
    })
}

/// Answers and encodes a request (on the blocking pool); the error is the
/// 400 message.
fn answer<B: Backend>(backend: &B, request: &Decoded) -> Result<Vec<u8>, String> {
    let bad = |e: BadRequest| e.to_string();
    Ok(match request {
        Decoded::Filter(args) => backend.filter_json(args).map_err(bad)?,
        Decoded::Prioritize(args) => backend.prioritize_json(args).map_err(bad)?,
        Decoded::Preempt(args) => wire::encode(&backend.preempt(args).map_err(bad)?),
        Decoded::Bind(args) => wire::encode(&backend.bind(args)),
    })
}

/// [`answer`] if that needs no waiting (filter and prioritize only).
fn answer_now<B: Backend>(backend: &B, request: &Decoded) -> Option<Result<Vec<u8>, String>> {
    let answer = match request {
        Decoded::Filter(args) => backend.filter_json_now(args)?,
        Decoded::Prioritize(args) => backend.prioritize_json_now(args)?,
        Decoded::Preempt(_) | Decoded::Bind(_) => return None,
    };
    Some(answer.map_err(|e| e.to_string()))
}

/// The response to an answered request: 200 with the JSON, or 400.
fn answered(result: Result<Vec<u8>, String>) -> Response {
    match result {
        Ok(json) => {
            let mut response = (
                [(header::CONTENT_TYPE, "application/json")],
                Body::from(json),
            )
                .into_response();
            response.extensions_mut().insert(Observed {
                outcome: Outcome::Ok,
                detail: None,
            });
            response
        }
        Err(message) => failure(
            StatusCode::BAD_REQUEST,
            Outcome::BadRequest,
            &message,
            message.clone(),
        ),
    }
}

/// The outermost layer: times every request, counts verb requests in the
/// metrics and writes the log line.
pub(super) async fn observe<B: Backend>(
    State(state): State<Arc<AppState<B>>>,
    request: Request,
    next: Next,
) -> Response {
    let start = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let verb = state.routes.get(&path).copied();
    let response = next.run(request).await;
    let elapsed = start.elapsed();
    let status = response.status().as_u16();
    let observed = response.extensions().get::<Observed>();
    if let (Some(verb), Some(observed)) = (verb, observed) {
        state.metrics.record(verb, observed.outcome, elapsed);
    }
    let verb = verb.map(Verb::as_str);
    // Milliseconds to the microsecond.
    let elapsed_ms = (elapsed.as_secs_f64() * 1e6).round() / 1e3;
    match observed {
        Some(Observed {
            outcome: Outcome::Error,
            detail,
        }) => error!(
            %method, %path, verb, status, elapsed_ms,
            error = detail.as_deref().unwrap_or_default(),
            "request failed"
        ),
        Some(Observed {
            outcome: outcome @ (Outcome::BadRequest | Outcome::TooLarge | Outcome::Timeout),
            detail,
        }) => warn!(
            %method, %path, verb, status, elapsed_ms,
            outcome = outcome.as_str(),
            error = detail.as_deref().unwrap_or_default(),
            "request refused"
        ),
        Some(Observed {
            outcome: Outcome::Ok,
            ..
        })
        | None => debug!(%method, %path, verb, status, elapsed_ms, "request"),
    }
    response
}
