//! The terminal report: a summary block and a kubectl-like timeline.
//!
//! Columns are left-aligned, separated by three spaces, without borders, like
//! `kubectl get`. Headers may take two lines (name, then unit) so that ten
//! workloads still fit a wide terminal: each workload gets one
//! `ECS/ECI/PEND` column, and the cluster-wide columns (DESIRED, UTIL%,
//! SURVIVE) add workloads up (sum, ready-weighted average, worst workload).

use crate::outcome::{Outcome, Step};

use super::{amount, clock, length, money, plural, span};

/// Spans of overflow listed per workload before `+N more`.
const MAX_SPANS: usize = 4;
/// Pending pods listed before `… and N more`.
const MAX_PENDING: usize = 20;

/// A terminal report: a summary block (per workload: peak replicas, peak ECI
/// and when, overflow start and total overflow time with its spans as
/// `2h05m–2h50m`, pod-seconds Pending, fewest ready replicas left after the
/// worst single node and zone failure and when; then cost of ECS and ECI with
/// the currency, and the Pending pods with kube-scheduler's reasons) followed by
/// a timeline table with one row per `every` seconds.
///
/// The timeline keeps the steps whose `t` is a multiple of `every` (every step
/// when `every` is 0) and every step with events. Its columns: TIME (`1h05m`),
/// one column per workload with its `ECS/ECI/PEND` pods, DESIRED (replicas the
/// controllers want, summed over workloads), UTIL% (CPU utilisation of the ready
/// pods, averaged over them), SURVIVE (`node/zone`: ready replicas left after
/// the worst single node / zone failure, of the worst-off workload), COST (the
/// cluster's ECS + ECI cost so far) and EVENTS.
///
/// Text from the input (workload names, reasons, events) has its control
/// characters replaced by spaces, so it cannot drive the terminal.
pub fn table(outcome: &Outcome, every: u64) -> String {
    let mut out = String::new();
    out.push_str(&headline(outcome));
    out.push_str("\n\n");
    out.push_str(&summary(outcome));
    out.push('\n');
    out.push_str(&cost_line(outcome));
    out.push_str("\n\n");
    out.push_str(&pending(outcome));
    out.push('\n');
    out.push_str(&timeline(outcome, every));
    out
}

/// `spillway simulation: 2 workloads, 6h in 15s steps, seed 42`.
fn headline(outcome: &Outcome) -> String {
    format!(
        "spillway simulation: {}, {} in {} steps, seed {}",
        plural(outcome.workloads.len(), "workload"),
        length(outcome.duration_seconds),
        length(outcome.step_seconds),
        outcome.seed
    )
}

/// The per-workload summary table.
fn summary(outcome: &Outcome) -> String {
    let currency = clean(&outcome.currency);
    let mut rows: Vec<Vec<String>> = vec![
        [
            "WORKLOAD",
            "PEAK",
            "PEAK ECI",
            "OVERFLOW",
            "OVERFLOW",
            "PENDING",
            "FEWEST READY",
            "FEWEST READY",
            "ECI COST",
            "OVERFLOW SPANS",
        ]
        .map(String::from)
        .to_vec(),
        vec![
            String::new(),
            "REPLICAS".into(),
            String::new(),
            "STARTS".into(),
            "TOTAL".into(),
            "POD-SECONDS".into(),
            "AFTER NODE LOSS".into(),
            "AFTER ZONE LOSS".into(),
            currency,
            String::new(),
        ],
    ];
    for w in &outcome.summary.workloads {
        let peak_eci = match w.peak_eci_at {
            Some(at) if w.peak_eci > 0 => format!("{} at {}", w.peak_eci, clock(at)),
            _ => w.peak_eci.to_string(),
        };
        let mut spans: Vec<String> = w
            .overflow_spans
            .iter()
            .take(MAX_SPANS)
            .map(|&(from, to)| span(from, to))
            .collect();
        if w.overflow_spans.len() > MAX_SPANS {
            spans.push(format!("+{} more", w.overflow_spans.len() - MAX_SPANS));
        }
        rows.push(vec![
            clean(&w.name),
            w.peak_replicas.to_string(),
            peak_eci,
            w.overflow_start.map_or_else(|| "-".into(), clock),
            if w.overflow_seconds == 0 {
                "-".into()
            } else {
                length(w.overflow_seconds)
            },
            w.pending_seconds.to_string(),
            format!("{} at {}", w.min_survive_node, clock(w.min_survive_node_at)),
            format!("{} at {}", w.min_survive_zone, clock(w.min_survive_zone_at)),
            amount(w.cost_eci),
            if spans.is_empty() {
                "-".into()
            } else {
                spans.join(", ")
            },
        ]);
    }
    align(&rows)
}

/// `Cost: ECS CNY 1,200.00, ECI CNY 112.50, total CNY 1,312.50 (ECI 8.6%)`.
fn cost_line(outcome: &Outcome) -> String {
    let currency = clean(&outcome.currency);
    let (ecs, eci) = (outcome.summary.cost_ecs, outcome.summary.cost_eci);
    let total = ecs + eci;
    let share = if total > 0.0 {
        format!(" (ECI {:.1}%)", eci / total * 100.0)
    } else {
        String::new()
    };
    format!(
        "Cost: ECS {}, ECI {}, total {}{share}",
        money(ecs, &currency),
        money(eci, &currency),
        money(total, &currency)
    )
}

/// The Pending pods with their reasons, the first [`MAX_PENDING`].
fn pending(outcome: &Outcome) -> String {
    let all = &outcome.summary.pending;
    if all.is_empty() {
        return "Pending pods: none\n".into();
    }
    let mut out = format!("Pending pods: {}\n", all.len());
    let mut rows = vec![
        ["WORKLOAD", "POD", "PENDING", "FOR", "REASON"]
            .map(String::from)
            .to_vec(),
    ];
    for p in all.iter().take(MAX_PENDING) {
        let end = p.to.unwrap_or(outcome.duration_seconds);
        let lasted = length(end.saturating_sub(p.from));
        rows.push(vec![
            clean(&p.workload),
            clean(&p.pod),
            span(p.from, p.to),
            if p.to.is_some() {
                lasted
            } else {
                format!("{lasted}+")
            },
            clean(&p.reason),
        ]);
    }
    out.push_str(&align(&rows));
    if all.len() > MAX_PENDING {
        out.push_str(&format!("… and {} more\n", all.len() - MAX_PENDING));
    }
    out
}

/// The timeline: one row per kept step.
fn timeline(outcome: &Outcome, every: u64) -> String {
    let many = outcome.workloads.len() > 1;
    let mut first = vec!["TIME".to_string()];
    let mut second = vec![String::new()];
    for name in &outcome.workloads {
        first.push(clean(name));
        second.push("ECS/ECI/PEND".into());
    }
    first.extend(["DESIRED", "UTIL%", "SURVIVE", "COST", "EVENTS"].map(String::from));
    second.extend([
        if many { "sum" } else { "" }.to_string(),
        if many { "avg" } else { "" }.to_string(),
        if many {
            "node/zone, worst"
        } else {
            "node/zone"
        }
        .to_string(),
        clean(&outcome.currency),
        String::new(),
    ]);
    let mut rows = vec![first, second];
    for step in outcome.steps.iter().filter(|s| keep(s, every)) {
        rows.push(row(step));
    }
    let mut out = align(&rows);
    if rows.len() == 2 {
        out.push_str("(no steps)\n");
    }
    out
}

/// Whether the timeline shows this step.
fn keep(step: &Step, every: u64) -> bool {
    every == 0 || step.t.is_multiple_of(every) || !step.events.is_empty()
}

/// One timeline row.
fn row(step: &Step) -> Vec<String> {
    let mut cells = vec![clock(step.t)];
    for w in &step.workloads {
        cells.push(format!("{}/{}/{}", w.ecs, w.eci, w.pending));
    }
    let desired: i64 = step.workloads.iter().map(|w| i64::from(w.desired)).sum();
    cells.push(desired.to_string());
    // Average over the ready pods of the workloads that report utilisation.
    let (weighted, ready) = step
        .workloads
        .iter()
        .filter_map(|w| w.utilization.map(|u| (u, w.ready)))
        .fold((0.0, 0usize), |(sum, n), (u, r)| {
            (sum + u * r as f64, n + r)
        });
    cells.push(if ready > 0 {
        format!("{:.0}", weighted / ready as f64)
    } else {
        "-".into()
    });
    let node = step.workloads.iter().map(|w| w.survive_node).min();
    let zone = step.workloads.iter().map(|w| w.survive_zone).min();
    cells.push(match (node, zone) {
        (Some(n), Some(z)) => format!("{n}/{z}"),
        _ => "-".into(),
    });
    cells.push(amount(step.cost_ecs + step.cost_eci));
    cells.push(clean(&step.events.join("; ")));
    cells
}

/// Text from the input with control characters (newlines, escape sequences)
/// replaced by spaces.
fn clean(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Left-aligned columns, three spaces apart, no trailing spaces.
fn align(rows: &[Vec<String>]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0; columns];
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            line.push_str(cell);
            if i + 1 < row.len() {
                let pad = widths[i] - cell.chars().count() + 3;
                line.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::fixture::sample;
    use super::*;

    /// The timeline's data rows (after the two header lines).
    fn timeline_rows(report: &str) -> Vec<&str> {
        let lines: Vec<&str> = report.lines().collect();
        let start = lines
            .iter()
            .position(|l| l.starts_with("TIME"))
            .unwrap_or(lines.len());
        lines[start + 2..].to_vec()
    }

    #[test]
    fn report_table_summary_has_the_numbers() {
        let report = table(&sample(), 900);
        assert!(report.starts_with("spillway simulation: 2 workloads, 1h in 5m steps, seed 42"));
        let gw = report
            .lines()
            .find(|l| l.starts_with("gw "))
            .unwrap_or_default();
        for part in [
            "5 at 0h40m",
            "0h20m",
            "25m",
            "600",
            "2 at 0h35m",
            "112.50",
            "0h20m–0h45m",
        ] {
            assert!(gw.contains(part), "{part:?} missing from {gw:?}");
        }
        let api = report
            .lines()
            .find(|l| l.starts_with("api "))
            .unwrap_or_default();
        assert!(api.contains("0 at 0h05m"), "{api}");
        assert!(api.ends_with("   -"), "{api}");
        assert!(
            report
                .contains("Cost: ECS CNY 1,200.00, ECI CNY 112.50, total CNY 1,312.50 (ECI 8.6%)")
        );
        assert!(report.contains("Pending pods: 2\n"));
        assert!(
            report.contains("0h35m–0h40m   5m     0/5 nodes are available: 3 Insufficient cpu")
        );
        assert!(report.contains("0h35m–end     25m+"));
    }

    #[test]
    fn report_table_rows_follow_every_and_events() {
        let outcome = sample();
        let report = table(&outcome, 900);
        let rows = timeline_rows(&report);
        let times: Vec<&str> = rows
            .iter()
            .map(|r| r.split_whitespace().next().unwrap_or_default())
            .collect();
        // Multiples of 15m, plus 0h20m (spike) and 0h35m (zone failure).
        assert_eq!(
            times,
            ["0h15m", "0h20m", "0h30m", "0h35m", "0h45m", "1h00m"]
        );
        let failure = rows[3];
        assert!(failure.contains("4/3/2"), "{failure}");
        assert!(failure.contains("zone cn-hangzhou-i down; node cn-hangzhou.10.0.1.10 down"));
        // DESIRED summed over both workloads: gw 9 + api 2.
        assert!(failure.contains("   11   "), "{failure}");
        // Worst workload: api survives a node failure with 0.
        assert!(failure.contains("   0/1   "), "{failure}");
        assert!(failure.contains("   750.00   "), "{failure}");
        assert_eq!(timeline_rows(&table(&outcome, 0)).len(), 12);
        assert_eq!(timeline_rows(&table(&outcome, 3600)).len(), 3);
    }

    #[test]
    fn report_table_columns_are_three_spaces_apart() {
        let report = table(&sample(), 1800);
        let header = report
            .lines()
            .find(|l| l.starts_with("TIME"))
            .unwrap_or_default();
        assert!(
            header.starts_with("TIME    gw             api            DESIRED"),
            "{header}"
        );
        assert!(report.lines().all(|l| l == l.trim_end()));
    }

    #[test]
    fn report_table_cleans_control_characters() {
        let mut outcome = sample();
        outcome.workloads[0] = "gw\u{1b}[31m".into();
        outcome.summary.workloads[0].name = "gw\n2".into();
        let report = table(&outcome, 1800);
        assert!(!report.contains('\u{1b}'));
        assert!(report.contains("gw 2 "));
    }

    #[test]
    fn report_table_single_workload_has_plain_headers() {
        let mut outcome = sample();
        outcome.workloads.truncate(1);
        outcome.summary.workloads.truncate(1);
        for step in &mut outcome.steps {
            step.workloads.truncate(1);
        }
        let report = table(&outcome, 3600);
        assert!(!report.contains("worst"));
        let rows = timeline_rows(&report);
        // gw at 1h00m: 5 ready, 5 - 2 survive a node, 5 / 2 a zone.
        assert!(
            rows[2].starts_with("1h00m   5/0/0          5         62      3/2   "),
            "{}",
            rows[2]
        );
    }
}
