//! The terminal table and the JSON document of a sweep.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use super::SweepResult;
use super::report::{Report, Stats, report};
use super::vary::{Vary, VaryKind};
use crate::Duration;
use crate::report::{length, money, plural};

/// Failed runs the table lists before `… and N more`.
const MAX_FAILED_LISTED: usize = 20;
/// Missing run indices the table lists before `… and N more`.
const MAX_MISSING_LISTED: usize = 20;

/// A value for people: durations as `1m30s`, reals with at most three
/// decimals, strings as written (control characters replaced).
pub fn format_value(v: &Value, kind: VaryKind) -> String {
    match v {
        Value::Number(n) => {
            if kind == VaryKind::Duration
                && let Some(s) = n.as_u64()
            {
                return Duration(s).to_string();
            }
            if let Some(i) = n.as_i64() {
                return i.to_string();
            }
            if let Some(u) = n.as_u64() {
                return u.to_string();
            }
            let fixed = format!("{:.3}", n.as_f64().unwrap_or(0.0));
            let trimmed = fixed.trim_end_matches('0').trim_end_matches('.');
            if trimmed == "-0" {
                "0".into()
            } else {
                trimmed.to_string()
            }
        }
        Value::String(s) => clean(s),
        other => clean(&other.to_string()),
    }
}

/// Control characters replaced by spaces, so input cannot drive the terminal.
fn clean(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Left-aligned columns, three spaces apart, no trailing spaces; each line
/// indented by `indent`.
fn align(rows: &[Vec<String>], indent: &str) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0; columns];
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in rows {
        let mut line = indent.to_string();
        for (i, cell) in row.iter().enumerate() {
            line.push_str(cell);
            if i + 1 < row.len() {
                let pad = widths[i] - cell.chars().count() + 3;
                line.push_str(&" ".repeat(pad));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The values of a record or failure, `key=value, …`, in `--vary` order.
fn values_text(vary: &[Vary], values: &BTreeMap<String, Value>) -> String {
    vary.iter()
        .filter_map(|v| {
            values
                .get(v.key())
                .map(|x| format!("{}={}", clean(v.key()), format_value(x, v.kind())))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A report for a terminal:
///
/// - a headline (file, runs, shard) and the varied keys;
/// - runs done, failed and missing;
/// - a table of MIN, P50, P95 and MAX (nearest-rank percentiles over the
///   completed runs) for peak ECI replicas (all workloads at one step),
///   ECI cost, total cost, pending pod-seconds and overflow time (seconds with
///   any replica on ECI);
/// - with an ECI bound: the share of runs within it and, per varied key, its
///   range overall, within and above the bound, and runs per value (or per
///   range of values) within and above;
/// - the failed runs with their values and errors, and the missing run indices.
pub fn table(report: &Report) -> String {
    let mut out = String::new();
    let scope = match report.shard {
        Some(s) => format!(
            "{}, shard {s} ({})",
            plural(report.runs, "run"),
            plural(report.expected, "run")
        ),
        None => plural(report.runs, "run"),
    };
    out.push_str(&format!(
        "spillway sweep: {}, {scope}\n",
        clean(&report.file)
    ));
    if !report.vary.is_empty() {
        out.push_str("varied:\n");
        for v in &report.vary {
            out.push_str(&format!("  {}\n", clean(v.spec())));
        }
    }
    let mut counts = format!("runs: {} done", report.done);
    if !report.failed.is_empty() {
        counts.push_str(&format!(", {} failed", report.failed.len()));
    }
    if !report.missing.is_empty() {
        counts.push_str(&format!(", {} missing", report.missing.len()));
    }
    counts.push_str(&format!(" (of {})\n", report.expected));
    out.push_str(&counts);
    out.push('\n');
    match &report.metrics {
        Some(m) => {
            let cur = &report.currency;
            let mut rows = vec![["", "MIN", "P50", "P95", "MAX"].map(String::from).to_vec()];
            let row = |name: &str, s: [String; 4]| {
                let mut r = vec![name.to_string()];
                r.extend(s);
                r
            };
            let counts = |s: &Stats<usize>| [s.min, s.p50, s.p95, s.max].map(|x| x.to_string());
            let moneys = |s: &Stats<f64>| [s.min, s.p50, s.p95, s.max].map(|x| money(x, cur));
            let seconds = |s: &Stats<u64>| [s.min, s.p50, s.p95, s.max].map(|x| x.to_string());
            let times = |s: &Stats<u64>| [s.min, s.p50, s.p95, s.max].map(length);
            rows.push(row("peak ECI replicas", counts(&m.peak_eci)));
            rows.push(row("ECI cost", moneys(&m.cost_eci)));
            rows.push(row("total cost", moneys(&m.cost_total)));
            rows.push(row("pending pod-seconds", seconds(&m.pending_seconds)));
            rows.push(row("overflow time", times(&m.overflow_seconds)));
            out.push_str(&align(&rows, ""));
            out.push_str(
                "(over the completed runs; P50/P95: nearest rank; peak ECI replicas: all workloads at one step; overflow time: any replica on ECI)\n",
            );
        }
        None => out.push_str("no completed runs\n"),
    }
    if let Some(b) = &report.eci_bound {
        out.push('\n');
        let done = b.within + b.over;
        out.push_str(&format!(
            "peak ECI replicas ≤ {}: {} of {} ({:.1}%)\n",
            b.bound,
            b.within,
            plural(done, "run"),
            b.fraction * 100.0
        ));
        for (k, v) in b.keys.iter().zip(&report.vary) {
            let kind = v.kind();
            let span = |r: &Option<(Value, Value)>| match r {
                Some((a, z)) if a == z => format_value(a, kind),
                Some((a, z)) => format!("{}..{}", format_value(a, kind), format_value(z, kind)),
                None => "none".into(),
            };
            out.push_str(&format!(
                "\n{}: {} (within the bound: {}; above: {})\n",
                clean(&k.key),
                span(&k.range),
                span(&k.within_range),
                span(&k.over_range)
            ));
            let mut rows = vec![
                [
                    if k.binned { "VALUES" } else { "VALUE" },
                    "WITHIN",
                    "ABOVE",
                    "WITHIN%",
                ]
                .map(String::from)
                .to_vec(),
            ];
            for c in &k.values {
                let share = 100.0 * c.within as f64 / (c.within + c.over).max(1) as f64;
                rows.push(vec![
                    c.label.clone(),
                    c.within.to_string(),
                    c.over.to_string(),
                    format!("{share:.0}%"),
                ]);
            }
            out.push_str(&align(&rows, "  "));
        }
    }
    if !report.failed.is_empty() {
        out.push_str("\nfailed runs:\n");
        for f in report.failed.iter().take(MAX_FAILED_LISTED) {
            let values = values_text(&report.vary, &f.values);
            let values = if values.is_empty() {
                String::new()
            } else {
                format!(", {values}")
            };
            out.push_str(&format!(
                "  run {} (seed {}{values}): {}\n",
                f.run,
                f.seed,
                clean(&f.error)
            ));
        }
        if report.failed.len() > MAX_FAILED_LISTED {
            out.push_str(&format!(
                "  … and {} more\n",
                report.failed.len() - MAX_FAILED_LISTED
            ));
        }
    }
    if !report.missing.is_empty() {
        let listed: Vec<String> = report
            .missing
            .iter()
            .take(MAX_MISSING_LISTED)
            .map(ToString::to_string)
            .collect();
        let more = report.missing.len().saturating_sub(MAX_MISSING_LISTED);
        out.push_str(&format!(
            "\nmissing runs (no shard holds them): {}{}\n",
            listed.join(", "),
            if more > 0 {
                format!(" … and {more} more")
            } else {
                String::new()
            }
        ));
    }
    out
}

/// A result and its report as one JSON document (pretty-printed, with a final
/// newline): the result's fields (`file`, `digest`, `currency`, `runs`,
/// `shard`, `vary`, `records`, `failed`) then `report`. [`read_result`] reads it
/// back (ignoring `report`), so outputs can be merged again.
///
/// # Errors
/// Only if serialisation fails, which these types do not do.
pub fn json(result: &SweepResult, eci_bound: Option<usize>) -> Result<String, serde_json::Error> {
    #[derive(Serialize)]
    struct Output<'a> {
        #[serde(flatten)]
        result: &'a SweepResult,
        report: Report,
    }
    let mut text = serde_json::to_string_pretty(&Output {
        result,
        report: report(result, eci_bound),
    })?;
    text.push('\n');
    Ok(text)
}
