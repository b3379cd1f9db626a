//! Reports of a run: terminal table, CSV, HTML with SVG charts.
//!
//! All three read an [`Outcome`](crate::Outcome) and nothing else, so the same
//! outcome always gives the same bytes:
//!
//! - [`table()`]: a summary block and a kubectl-like timeline for a terminal;
//! - [`csv()`]: one row per step and workload, for spreadsheets and scripts;
//! - [`html()`]: a self-contained page (inline CSS and SVG, no scripts, no
//!   network) with the summary, charts of replicas by node kind, cumulative cost
//!   and Pending pods, and the events.
//!
//! Times are written as a clock since the start of the run (`1h05m`), lengths
//! of time compactly (`45m`, `1h05m`), and money with two decimals and the
//! outcome's currency (`CNY 1,234.56`).

mod chart;
mod csv;
mod html;
mod table;

pub use self::csv::csv;
pub use self::html::html;
pub use self::table::table;

/// Fill colour of ECS replicas (and the ECS cost line) in the HTML charts.
pub const ECS_COLOUR: &str = "#1f77b4";
/// Fill colour of ECI replicas (and the ECI cost line) in the HTML charts.
pub const ECI_COLOUR: &str = "#ff7f0e";
/// Fill colour of Pending pods in the HTML charts.
pub const PENDING_COLOUR: &str = "#d62728";
/// Colour of event markers in the HTML charts.
pub const EVENT_COLOUR: &str = "#7b3294";

/// An instant since the start of the run as a clock: `0h00m`, `1h05m`,
/// `1h05m30s` (seconds only when there are any).
pub(crate) fn clock(t: u64) -> String {
    let (h, m, s) = (t / 3600, t % 3600 / 60, t % 60);
    if s == 0 {
        format!("{h}h{m:02}m")
    } else {
        format!("{h}h{m:02}m{s:02}s")
    }
}

/// A length of time, compactly: `0s`, `30s`, `45m`, `1m30s`, `2h`, `1h05m`.
pub(crate) fn length(secs: u64) -> String {
    if secs == 0 {
        return "0s".into();
    }
    let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 || (h > 0 && s > 0) {
        if h > 0 {
            out.push_str(&format!("{m:02}m"));
        } else {
            out.push_str(&format!("{m}m"));
        }
    }
    if s > 0 {
        if h > 0 || m > 0 {
            out.push_str(&format!("{s:02}s"));
        } else {
            out.push_str(&format!("{s}s"));
        }
    }
    out
}

/// A period `[from, to)`: `2h05m–2h50m`; `2h05m–end` when it lasted to the end.
pub(crate) fn span(from: u64, to: Option<u64>) -> String {
    match to {
        Some(to) => format!("{}–{}", clock(from), clock(to)),
        None => format!("{}–end", clock(from)),
    }
}

/// An amount with two decimals and thousands separators: `1,234.56`.
pub(crate) fn amount(x: f64) -> String {
    if !x.is_finite() {
        return format!("{x}");
    }
    let fixed = format!("{:.2}", x.abs());
    let (int, frac) = fixed.split_once('.').unwrap_or((fixed.as_str(), "00"));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    // `-0.00` reads as a bug: only amounts that round to non-zero get a sign.
    let sign = if x < 0.0 && fixed.bytes().any(|b| b.is_ascii_digit() && b != b'0') {
        "-"
    } else {
        ""
    };
    format!("{sign}{grouped}.{frac}")
}

/// An amount with its currency: `CNY 1,234.56` (just the amount when the
/// currency is empty).
pub(crate) fn money(x: f64, currency: &str) -> String {
    let currency = currency.trim();
    if currency.is_empty() {
        amount(x)
    } else {
        format!("{currency} {}", amount(x))
    }
}

/// `n thing` or `n things`.
pub(crate) fn plural(n: usize, thing: &str) -> String {
    if n == 1 {
        format!("{n} {thing}")
    } else {
        format!("{n} {thing}s")
    }
}

/// Text for HTML and SVG, with `&`, `<`, `>`, `"` and `'` escaped.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The steps that carry events, grouped: `(t, "event; event")`, in time order.
pub(crate) fn event_steps(outcome: &crate::Outcome) -> Vec<(u64, String)> {
    outcome
        .steps
        .iter()
        .filter(|s| !s.events.is_empty())
        .map(|s| (s.t, s.events.join("; ")))
        .collect()
}

#[cfg(test)]
pub(crate) mod fixture {
    //! A small outcome the report tests share: a gateway that fills ECS and
    //! overflows to ECI, a zone failure, Pending pods, and a second workload.

    use std::collections::BTreeMap;

    use crate::outcome::{Outcome, PendingSpan, Step, Summary, WorkloadStep, WorkloadSummary};

    /// A workload step with the given placement.
    pub(crate) fn ws(
        ecs: usize,
        eci: usize,
        pending: usize,
        zones: &[(&str, usize)],
    ) -> WorkloadStep {
        let placed = ecs + eci;
        WorkloadStep {
            load: (placed + pending) as f64 * 100.0,
            desired: (placed + pending) as i32,
            pods: placed + pending,
            ready: placed,
            up_to_date: placed + pending,
            ecs,
            eci,
            pending,
            by_zone: zones
                .iter()
                .map(|(z, n)| ((*z).to_string(), *n))
                .collect::<BTreeMap<_, _>>(),
            utilization: if placed > 0 { Some(61.6) } else { None },
            survive_node: placed.saturating_sub(2),
            survive_zone: placed / 2,
        }
    }

    /// Twelve 5-minute steps: 0h05m … 1h00m.
    pub(crate) fn sample() -> Outcome {
        let mut steps = Vec::new();
        for i in 1..=12u64 {
            let t = i * 300;
            let (ecs, eci, pending) = match i {
                1..=3 => (4, 0, 0),
                4..=6 => (6, 3, 0),
                7 => (4, 3, 2),
                8 => (4, 5, 0),
                _ => (5, 0, 0),
            };
            let gw_zones: &[(&str, usize)] = if i == 7 {
                &[("cn-hangzhou-h", ecs), ("eci:cn-hangzhou-j", eci)]
            } else {
                &[
                    ("cn-hangzhou-h", ecs / 2),
                    ("cn-hangzhou-i", ecs - ecs / 2 + eci),
                ]
            };
            let gw = ws(ecs, eci, pending, gw_zones);
            let api = ws(2, 0, 0, &[("cn-hangzhou-k", 2)]);
            let events = match i {
                4 => vec!["spike on gw starts".to_string()],
                7 => vec![
                    "zone cn-hangzhou-i down".to_string(),
                    "node cn-hangzhou.10.0.1.10 down".to_string(),
                ],
                _ => Vec::new(),
            };
            steps.push(Step {
                t,
                pending: gw.pending + api.pending,
                ecs_pods: gw.ecs + api.ecs,
                eci_pods: gw.eci + api.eci,
                cost_ecs: i as f64 * 100.0,
                cost_eci: if i >= 4 { (i - 3) as f64 * 12.5 } else { 0.0 },
                workloads: vec![gw, api],
                events,
            });
        }
        Outcome {
            seed: 42,
            step_seconds: 300,
            duration_seconds: 3600,
            currency: "CNY".into(),
            workloads: vec!["gw".into(), "api".into()],
            steps,
            summary: Summary {
                workloads: vec![
                    WorkloadSummary {
                        name: "gw".into(),
                        peak_replicas: 9,
                        peak_eci: 5,
                        peak_eci_at: Some(2400),
                        overflow_start: Some(1200),
                        overflow_seconds: 1500,
                        overflow_spans: vec![(1200, Some(2700))],
                        pending_seconds: 600,
                        min_survive_node: 2,
                        min_survive_node_at: 2100,
                        min_survive_zone: 2,
                        min_survive_zone_at: 2100,
                        cost_eci: 112.5,
                    },
                    WorkloadSummary {
                        name: "api".into(),
                        peak_replicas: 2,
                        peak_eci: 0,
                        peak_eci_at: None,
                        overflow_start: None,
                        overflow_seconds: 0,
                        overflow_spans: Vec::new(),
                        pending_seconds: 0,
                        min_survive_node: 0,
                        min_survive_node_at: 300,
                        min_survive_zone: 1,
                        min_survive_zone_at: 300,
                        cost_eci: 0.0,
                    },
                ],
                cost_ecs: 1200.0,
                cost_eci: 112.5,
                pending: vec![
                    PendingSpan {
                        workload: "gw".into(),
                        pod: "istio-system/gw-7d9f-abcde".into(),
                        from: 2100,
                        to: Some(2400),
                        reason: "0/5 nodes are available: 3 Insufficient cpu, 2 node(s) had untolerated taint {node.kubernetes.io/unreachable: }.".into(),
                    },
                    PendingSpan {
                        workload: "gw".into(),
                        pod: "istio-system/gw-7d9f-fghij".into(),
                        from: 2100,
                        to: None,
                        reason: "0/5 nodes are available: 5 Insufficient cpu.".into(),
                    },
                ],
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_clock_and_length_formats() {
        assert_eq!(clock(0), "0h00m");
        assert_eq!(clock(3900), "1h05m");
        assert_eq!(clock(3930), "1h05m30s");
        assert_eq!(clock(90_000), "25h00m");
        assert_eq!(length(0), "0s");
        assert_eq!(length(30), "30s");
        assert_eq!(length(90), "1m30s");
        assert_eq!(length(2700), "45m");
        assert_eq!(length(7200), "2h");
        assert_eq!(length(3900), "1h05m");
        assert_eq!(length(3630), "1h00m30s");
        assert_eq!(span(7500, Some(10_200)), "2h05m–2h50m");
        assert_eq!(span(7500, None), "2h05m–end");
    }

    #[test]
    fn report_money_formats() {
        assert_eq!(amount(0.0), "0.00");
        assert_eq!(amount(1234.564), "1,234.56");
        assert_eq!(amount(999.999), "1,000.00");
        assert_eq!(amount(1_234_567.0), "1,234,567.00");
        assert_eq!(amount(-12.5), "-12.50");
        assert_eq!(amount(-0.001), "0.00");
        assert_eq!(money(12.5, "CNY"), "CNY 12.50");
        assert_eq!(money(12.5, ""), "12.50");
        assert_eq!(plural(1, "pod"), "1 pod");
        assert_eq!(plural(3, "pod"), "3 pods");
    }

    #[test]
    fn report_escape_covers_markup() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"y\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;y&quot;"
        );
        assert_eq!(escape("gw-1 – ok"), "gw-1 – ok");
    }

    #[test]
    fn report_event_steps_group_one_step() {
        let outcome = fixture::sample();
        let events = event_steps(&outcome);
        assert_eq!(events.len(), 2);
        assert_eq!(events[0], (1200, "spike on gw starts".to_string()));
        assert_eq!(events[1].0, 2100);
        assert!(events[1].1.contains("zone cn-hangzhou-i down; node"));
    }
}
