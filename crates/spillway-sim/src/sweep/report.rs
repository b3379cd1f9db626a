//! Distributions over a sweep's runs, and the ECI-bound breakdown.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::shard::{Shard, run_indices};
use super::text::format_value;
use super::vary::{Vary, VaryKind};
use super::{RunFailure, SweepResult};

/// Values a key takes, at most, before the breakdown of an ECI bound groups
/// numbers into [`BINS`] ranges.
pub const MAX_DISTINCT: usize = 12;
/// Ranges the breakdown of an ECI bound groups numbers into when a key has more
/// than [`MAX_DISTINCT`] values.
pub const BINS: usize = 10;

/// The nearest-rank percentile of ascending data: the smallest value with at
/// least `percent`% of the data at or below it, i.e. the value at 1-based rank
/// `⌈percent·n / 100⌉` (rank 1 for 0%). `None` for no data.
///
/// ```
/// use spillway_sim::sweep::nearest_rank;
/// let data = [15, 20, 35, 40, 50];
/// assert_eq!(nearest_rank(&data, 30), Some(20));
/// assert_eq!(nearest_rank(&data, 50), Some(35));
/// assert_eq!(nearest_rank(&data, 100), Some(50));
/// ```
pub fn nearest_rank<T: Copy>(sorted: &[T], percent: u32) -> Option<T> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let rank = (percent.min(100) as usize * n).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

/// Minimum, nearest-rank median and 95th percentile, and maximum.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Stats<T> {
    /// Smallest.
    pub min: T,
    /// Nearest-rank 50th percentile.
    pub p50: T,
    /// Nearest-rank 95th percentile.
    pub p95: T,
    /// Largest.
    pub max: T,
}

impl<T: Copy + PartialOrd> Stats<T> {
    /// The stats of some data, or `None` for none (NaN sorts last).
    pub fn of(mut data: Vec<T>) -> Option<Stats<T>> {
        data.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Greater));
        Some(Stats {
            min: *data.first()?,
            p50: nearest_rank(&data, 50)?,
            p95: nearest_rank(&data, 95)?,
            max: *data.last()?,
        })
    }
}

/// The distributions over the completed runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Metrics {
    /// Peak ECI replicas ([`RunRecord::peak_eci`]).
    pub peak_eci: Stats<usize>,
    /// ECI cost.
    pub cost_eci: Stats<f64>,
    /// ECS + ECI cost.
    pub cost_total: Stats<f64>,
    /// Pod-seconds Pending.
    pub pending_seconds: Stats<u64>,
    /// Seconds with any replica on ECI.
    pub overflow_seconds: Stats<u64>,
}

/// A sweep's report: what ran, the distributions, and with an ECI bound which
/// values keep ECI use under it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// The simulation file.
    pub file: String,
    /// Runs of the whole sweep.
    pub runs: usize,
    /// The shard reported on, if one.
    pub shard: Option<Shard>,
    /// Runs the result should hold (the shard's, or all).
    pub expected: usize,
    /// The varied keys.
    pub vary: Vec<Vary>,
    /// Currency of the costs.
    pub currency: String,
    /// Runs that completed.
    pub done: usize,
    /// Runs that failed, with their values and errors.
    pub failed: Vec<RunFailure>,
    /// Run indices the result should hold but does not (shards not merged).
    pub missing: Vec<usize>,
    /// Distributions over the completed runs; `None` when none completed.
    pub metrics: Option<Metrics>,
    /// With an ECI bound: how many runs stayed within it, and by which values.
    pub eci_bound: Option<BoundReport>,
}

/// Runs within an ECI bound, and the values of each varied key among them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BoundReport {
    /// The bound: peak ECI replicas ([`RunRecord::peak_eci`]) at most this.
    pub bound: usize,
    /// Completed runs within the bound.
    pub within: usize,
    /// Completed runs above it.
    pub over: usize,
    /// `within / (within + over)`; 0 without completed runs.
    pub fraction: f64,
    /// One per varied key, in `--vary` order.
    pub keys: Vec<KeyBreakdown>,
}

/// The values of one varied key among the runs within and above the bound.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyBreakdown {
    /// The key.
    pub key: String,
    /// Its values among all completed runs: smallest and largest (`None`
    /// without completed runs).
    pub range: Option<(Value, Value)>,
    /// Its values among runs within the bound.
    pub within_range: Option<(Value, Value)>,
    /// Its values among runs above the bound.
    pub over_range: Option<(Value, Value)>,
    /// Whether numbers were grouped into [`BINS`] equal ranges (more than
    /// [`MAX_DISTINCT`] distinct values).
    pub binned: bool,
    /// Each distinct value (or range), in order, with its counts.
    pub values: Vec<ValueCount>,
}

/// Runs with one value (or range of values) of a key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ValueCount {
    /// The value, or `from..to`, as the table prints it (durations as `1m30s`).
    pub label: String,
    /// The value, or the lower end of the range.
    pub from: Value,
    /// The value, or the upper end of the range (inclusive).
    pub to: Value,
    /// Runs within the bound.
    pub within: usize,
    /// Runs above it.
    pub over: usize,
}

/// The report of a result: run counts, failures, missing runs, the
/// distributions of peak ECI replicas (all workloads at one step), ECI
/// and total cost, pending pod-seconds and overflow time over the completed
/// runs, and with `eci_bound` the runs within it and the breakdown of each
/// varied key.
pub fn report(result: &SweepResult, eci_bound: Option<usize>) -> Report {
    let expected = run_indices(result.runs, result.shard);
    let present: BTreeSet<usize> = result
        .records
        .iter()
        .map(|r| r.run)
        .chain(result.failed.iter().map(|f| f.run))
        .collect();
    let missing = expected
        .iter()
        .copied()
        .filter(|r| !present.contains(r))
        .collect();
    let recs = &result.records;
    let metrics = (|| {
        Some(Metrics {
            peak_eci: Stats::of(recs.iter().map(|r| r.peak_eci).collect())?,
            cost_eci: Stats::of(recs.iter().map(|r| r.cost_eci).collect())?,
            cost_total: Stats::of(recs.iter().map(|r| r.cost_total).collect())?,
            pending_seconds: Stats::of(recs.iter().map(|r| r.pending_seconds).collect())?,
            overflow_seconds: Stats::of(recs.iter().map(|r| r.overflow_seconds).collect())?,
        })
    })();
    let eci_bound = eci_bound.map(|bound| bound_report(result, bound));
    Report {
        file: result.file.clone(),
        runs: result.runs,
        shard: result.shard,
        expected: expected.len(),
        vary: result.vary.clone(),
        currency: result.currency.clone(),
        done: recs.len(),
        failed: result.failed.clone(),
        missing,
        metrics,
        eci_bound,
    }
}

/// Sort order of values: numbers ascending, then everything else by its JSON.
fn value_order(a: &Value, b: &Value) -> std::cmp::Ordering {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x.total_cmp(&y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.to_string().cmp(&b.to_string()),
    }
}

/// Smallest and largest of some values.
fn value_range<'a>(values: impl Iterator<Item = &'a Value>) -> Option<(Value, Value)> {
    let mut v: Vec<&Value> = values.collect();
    v.sort_by(|a, b| value_order(a, b));
    Some(((*v.first()?).clone(), (*v.last()?).clone()))
}

/// The ECI-bound part of a report.
fn bound_report(result: &SweepResult, bound: usize) -> BoundReport {
    let within = result
        .records
        .iter()
        .filter(|r| r.peak_eci <= bound)
        .count();
    let over = result.records.len() - within;
    let keys = result
        .vary
        .iter()
        .map(|v| breakdown(result, v, bound))
        .collect();
    BoundReport {
        bound,
        within,
        over,
        fraction: if result.records.is_empty() {
            0.0
        } else {
            within as f64 / result.records.len() as f64
        },
        keys,
    }
}

/// One key's breakdown.
fn breakdown(result: &SweepResult, vary: &Vary, bound: usize) -> KeyBreakdown {
    let key = vary.key();
    let pairs: Vec<(&Value, bool)> = result
        .records
        .iter()
        .filter_map(|r| r.values.get(key).map(|v| (v, r.peak_eci <= bound)))
        .collect();
    let range = value_range(pairs.iter().map(|(v, _)| *v));
    let within_range = value_range(pairs.iter().filter(|(_, w)| *w).map(|(v, _)| *v));
    let over_range = value_range(pairs.iter().filter(|(_, w)| !*w).map(|(v, _)| *v));
    let mut distinct: Vec<&Value> = pairs.iter().map(|(v, _)| *v).collect();
    distinct.sort_by(|a, b| value_order(a, b));
    distinct.dedup();
    let numeric: Option<Vec<f64>> = pairs.iter().map(|(v, _)| v.as_f64()).collect();
    let kind = vary.kind();
    let mut values = Vec::new();
    let binned = distinct.len() > MAX_DISTINCT && numeric.is_some();
    if let (true, Some(xs), Some((lo, hi))) = (binned, &numeric, &range) {
        // The spec's bounds for a range, else the values seen.
        let (lo, hi) = vary
            .bounds()
            .unwrap_or((lo.as_f64().unwrap_or(0.0), hi.as_f64().unwrap_or(0.0)));
        let whole = matches!(kind, VaryKind::Integer | VaryKind::Duration)
            && xs.iter().all(|x| x.fract() == 0.0);
        // BINS equal parts of [lo, hi]: bin k holds lo + k·w ≤ x < lo + (k+1)·w
        // (the last one also hi), w = (hi − lo) / BINS; whole numbers are
        // labelled by the first and last whole number each holds.
        let edges: Vec<f64> = (0..=BINS)
            .map(|k| lo + (hi - lo) * k as f64 / BINS as f64)
            .collect();
        let mut counts = vec![(0usize, 0usize); BINS];
        for (x, (_, w)) in xs.iter().zip(&pairs) {
            let k = edges[1..BINS].iter().take_while(|e| *x >= **e).count();
            if *w {
                counts[k].0 += 1;
            } else {
                counts[k].1 += 1;
            }
        }
        for (k, (w, o)) in counts.into_iter().enumerate() {
            if w + o == 0 {
                continue;
            }
            let (from, to) = match (whole, k + 1 == BINS) {
                (true, true) => (edges[k].ceil(), hi),
                (true, false) => (edges[k].ceil(), edges[k + 1].ceil() - 1.0),
                (false, _) => (edges[k], edges[k + 1]),
            };
            let as_value = |x: f64| {
                if whole {
                    Value::from(x as i64)
                } else {
                    serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
                }
            };
            let (from, to) = (as_value(from), as_value(to));
            let label = if from == to {
                format_value(&from, kind)
            } else {
                format!("{}..{}", format_value(&from, kind), format_value(&to, kind))
            };
            values.push(ValueCount {
                label,
                from,
                to,
                within: w,
                over: o,
            });
        }
    } else {
        for d in distinct {
            let within = pairs.iter().filter(|(v, w)| *v == d && *w).count();
            let over = pairs.iter().filter(|(v, w)| *v == d && !*w).count();
            values.push(ValueCount {
                label: format_value(d, kind),
                from: d.clone(),
                to: d.clone(),
                within,
                over,
            });
        }
    }
    KeyBreakdown {
        key: key.to_string(),
        range,
        within_range,
        over_range,
        binned,
        values,
    }
}
