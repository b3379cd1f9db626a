//! The server's Prometheus metrics (prometheus-client, OpenMetrics text).
//!
//! - `spillway_extender_requests_total{verb, outcome}`: verb requests by outcome
//!   (`ok`, `bad_request`, `too_large`, `timeout`, `error`);
//! - `spillway_extender_request_duration_seconds{verb}`: time from the request
//!   to the response, every outcome included; buckets from 50 µs to 5 s (a
//!   filter over a few nodes answers well under a millisecond, kube-scheduler
//!   gives up after 5 s);
//! - `spillway_extender_cache_{nodes,pods,probes,generation}`: the cache's
//!   sizes, read at scrape time.
//!
//! Every (verb, outcome) pair of an enabled verb is created at start, so rates
//! start from 0 rather than from the first error.

use std::fmt::Write as _;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};

use crate::cache::CacheStats;

/// Latency buckets, in seconds: fine-grained under 1 ms, up to
/// kube-scheduler's 5 s `httpTimeout`.
const BUCKETS: [f64; 17] = [
    0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.000_75, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1,
    0.25, 0.5, 1.0, 2.5, 5.0,
];

/// The four verbs of `extender/v1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Verb {
    Filter,
    Prioritize,
    Preempt,
    Bind,
}

impl Verb {
    pub(crate) const ALL: [Verb; 4] = [Verb::Filter, Verb::Prioritize, Verb::Preempt, Verb::Bind];

    /// The verb's canonical name (the metrics label; the configured path
    /// segment may differ).
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Verb::Filter => "filter",
            Verb::Prioritize => "prioritize",
            Verb::Preempt => "preempt",
            Verb::Bind => "bind",
        }
    }
}

impl EncodeLabelValue for Verb {
    fn encode(&self, encoder: &mut LabelValueEncoder<'_>) -> Result<(), std::fmt::Error> {
        encoder.write_str(self.as_str())
    }
}

/// How a verb request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Outcome {
    /// 200 with an answer (domain failures are in-band, so still `ok`).
    Ok,
    /// 400: malformed JSON, a field of the wrong type, or a request the
    /// extender cannot answer.
    BadRequest,
    /// 413: the body is over `limits.maxBodyBytes`.
    TooLarge,
    /// 503: no answer within `limits.timeout`.
    Timeout,
    /// 500: the handler panicked.
    Error,
}

impl Outcome {
    const ALL: [Outcome; 5] = [
        Outcome::Ok,
        Outcome::BadRequest,
        Outcome::TooLarge,
        Outcome::Timeout,
        Outcome::Error,
    ];

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::BadRequest => "bad_request",
            Outcome::TooLarge => "too_large",
            Outcome::Timeout => "timeout",
            Outcome::Error => "error",
        }
    }
}

impl EncodeLabelValue for Outcome {
    fn encode(&self, encoder: &mut LabelValueEncoder<'_>) -> Result<(), std::fmt::Error> {
        encoder.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct RequestLabels {
    verb: Verb,
    outcome: Outcome,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct VerbLabels {
    verb: Verb,
}

fn latency_histogram() -> Histogram {
    Histogram::new(BUCKETS)
}

/// The registry and the metrics in it.
#[derive(Debug)]
pub(crate) struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<VerbLabels, Histogram, fn() -> Histogram>,
    nodes: Gauge,
    pods: Gauge,
    probes: Gauge,
    generation: Gauge<u64, AtomicU64>,
}

impl Metrics {
    /// Metrics for the enabled `verbs`.
    pub(crate) fn new(verbs: impl IntoIterator<Item = Verb>) -> Metrics {
        let mut registry = Registry::with_prefix("spillway_extender");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency: Family<VerbLabels, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(latency_histogram);
        for verb in verbs {
            let _ = latency.get_or_create(&VerbLabels { verb });
            for outcome in Outcome::ALL {
                let _ = requests.get_or_create(&RequestLabels { verb, outcome });
            }
        }
        registry.register(
            "requests",
            "Extender verb requests, by verb and outcome",
            requests.clone(),
        );
        registry.register_with_unit(
            "request_duration",
            "Time to answer an extender verb request",
            Unit::Seconds,
            latency.clone(),
        );
        let nodes = Gauge::default();
        let pods = Gauge::default();
        let probes = Gauge::default();
        let generation = Gauge::<u64, AtomicU64>::default();
        registry.register("cache_nodes", "Nodes in the cache", nodes.clone());
        registry.register("cache_pods", "Bound pods in the cache", pods.clone());
        registry.register(
            "cache_probes",
            "Pods seen in requests and compiled, not bound",
            probes.clone(),
        );
        registry.register(
            "cache_generation",
            "Times the cluster model was compiled",
            generation.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            nodes,
            pods,
            probes,
            generation,
        }
    }

    /// Counts one verb request.
    pub(crate) fn record(&self, verb: Verb, outcome: Outcome, elapsed: Duration) {
        self.requests
            .get_or_create(&RequestLabels { verb, outcome })
            .inc();
        self.latency
            .get_or_create(&VerbLabels { verb })
            .observe(elapsed.as_secs_f64());
    }

    /// The OpenMetrics text of every metric, the cache gauges set from
    /// `stats`.
    pub(crate) fn render(&self, stats: CacheStats) -> Result<String, std::fmt::Error> {
        let saturate = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        self.nodes.set(saturate(stats.nodes));
        self.pods.set(saturate(stats.pods));
        self.probes.set(saturate(stats.probes));
        self.generation.set(stats.generation);
        let mut out = String::with_capacity(4096);
        prometheus_client::encoding::text::encode(&mut out, &self.registry)?;
        Ok(out)
    }
}
