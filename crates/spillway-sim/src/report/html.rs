//! The HTML report: one self-contained page (inline CSS and SVG, no scripts,
//! nothing fetched).
//!
//! Layout, top to bottom: the headline; the summary per workload and the cost;
//! the charts (replicas by node kind summed over workloads, with one small
//! chart per workload below it when there are several; cumulative cost; Pending
//! pods); the events; the Pending pods with their reasons. Replicas are drawn
//! summed, ECS at the bottom and ECI stacked on it, because that is the
//! question the report answers (how much overflowed, when); stacking ECS and ECI
//! of ten workloads in one chart would give twenty bands nobody can read, so
//! each workload gets its own small chart instead.

use std::fmt::Write as _;

use crate::outcome::Outcome;

use super::chart::{Area, Chart, Event, Line, Shape, YFormat};
use super::{
    ECI_COLOUR, ECS_COLOUR, PENDING_COLOUR, amount, clock, escape, event_steps, length, money,
    plural, span,
};

/// Colour of the desired-replicas and total-cost lines.
const TARGET_COLOUR: &str = "#333333";
/// Pending pods listed before `… and N more`.
const MAX_PENDING: usize = 500;
/// Width of the main charts.
const WIDE: f64 = 1100.0;
/// Width of the per-workload charts.
const NARROW: f64 = 540.0;

/// The page's style sheet.
const STYLE: &str = "\
body{margin:0;background:#f6f6f6;color:#222;font:14px/1.4 'DejaVu Sans',Arial,Helvetica,sans-serif}
main{max-width:1120px;margin:0 auto;padding:16px 20px 40px;background:#fff}
h1{font-size:22px;margin:4px 0 2px}
h2{font-size:17px;margin:22px 0 6px;border-bottom:1px solid #ddd;padding-bottom:3px}
h3{font-size:14px;margin:14px 0 4px}
p.meta{color:#555;margin:0 0 8px}
table{border-collapse:collapse;margin:4px 0 8px;font-size:13px}
th,td{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f0f0f0;font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums}
td.reason{max-width:560px}
svg.chart{display:block;max-width:100%;height:auto}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));gap:10px}
.note{color:#666;font-size:12px}
";

/// A self-contained HTML report (no network, no scripts): a title, the summary
/// as HTML tables (per workload: peak replicas, peak on ECI, overflow start,
/// total and spans, pod-seconds Pending, fewest ready replicas after the worst
/// node and zone failure; the cost of ECS and ECI with the currency), three
/// inline SVG charts (replicas on ECS and ECI stacked, with the desired
/// replicas as a dashed line and, for several workloads, a small chart per
/// workload; cumulative cost of ECS, ECI and both; Pending pods), with time in
/// hours and minutes, events as numbered vertical markers with labels, and a
/// legend each; then the events and the Pending pods with their reasons.
///
/// Every string from the input (workload names, pods, reasons, events, the
/// currency) is escaped.
pub fn html(outcome: &Outcome) -> String {
    let mut s = String::new();
    let title = format!(
        "spillway simulation: {}, {}",
        plural(outcome.workloads.len(), "workload"),
        length(outcome.duration_seconds)
    );
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n<main>\n",
        escape(&title)
    );
    let _ = writeln!(s, "<h1>{}</h1>", escape(&title));
    let _ = writeln!(
        s,
        "<p class=\"meta\">Workloads: {}. {} simulated in {} steps, seed {}. Costs in {}.</p>",
        escape(&outcome.workloads.join(", ")),
        length(outcome.duration_seconds),
        length(outcome.step_seconds),
        outcome.seed,
        escape(&outcome.currency)
    );

    summary(&mut s, outcome);
    cost(&mut s, outcome);

    let events: Vec<Event> = event_steps(outcome)
        .into_iter()
        .enumerate()
        .map(|(i, (t, text))| Event { n: i + 1, t, text })
        .collect();
    charts(&mut s, outcome, &events);
    events_table(&mut s, &events);
    pending(&mut s, outcome);

    s.push_str("</main>\n</body>\n</html>\n");
    s
}

/// The per-workload summary table.
fn summary(s: &mut String, outcome: &Outcome) {
    s.push_str("<h2 id=\"summary\">Summary</h2>\n<table class=\"summary\">\n<tr><th>Workload</th><th>Peak replicas</th><th>Peak on ECI</th><th>Overflow starts</th><th>Overflow total</th><th>Overflow spans</th><th>Pending (pod-seconds)</th><th>Fewest ready after worst node loss</th><th>Fewest ready after worst zone loss</th>");
    let _ = writeln!(s, "<th>ECI cost ({})</th></tr>", escape(&outcome.currency));
    for w in &outcome.summary.workloads {
        let peak_eci = match w.peak_eci_at {
            Some(at) if w.peak_eci > 0 => format!("{} at {}", w.peak_eci, clock(at)),
            _ => w.peak_eci.to_string(),
        };
        let spans = if w.overflow_spans.is_empty() {
            "–".to_string()
        } else {
            w.overflow_spans
                .iter()
                .map(|&(from, to)| span(from, to))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = writeln!(
            s,
            "<tr><td>{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{} at {}</td><td>{} at {}</td><td class=\"num\">{}</td></tr>",
            escape(&w.name),
            w.peak_replicas,
            peak_eci,
            w.overflow_start.map_or_else(|| "–".into(), clock),
            if w.overflow_seconds == 0 {
                "–".into()
            } else {
                length(w.overflow_seconds)
            },
            spans,
            w.pending_seconds,
            w.min_survive_node,
            clock(w.min_survive_node_at),
            w.min_survive_zone,
            clock(w.min_survive_zone_at),
            amount(w.cost_eci),
        );
    }
    s.push_str("</table>\n");
}

/// The cost table: ECS, ECI, total, with the currency.
fn cost(s: &mut String, outcome: &Outcome) {
    let currency = &outcome.currency;
    let (ecs, eci) = (outcome.summary.cost_ecs, outcome.summary.cost_eci);
    let total = ecs + eci;
    let share = |x: f64| {
        if total > 0.0 {
            format!("{:.1}%", x / total * 100.0)
        } else {
            "–".into()
        }
    };
    s.push_str(
        "<h3>Cost</h3>\n<table class=\"cost\">\n<tr><th></th><th>Cost</th><th>Share</th></tr>\n",
    );
    for (name, x) in [("ECS", ecs), ("ECI", eci)] {
        let _ = writeln!(
            s,
            "<tr><th>{name}</th><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            escape(&money(x, currency)),
            share(x)
        );
    }
    let _ = writeln!(
        s,
        "<tr><th>Total</th><td class=\"num\">{}</td><td></td></tr>\n</table>",
        escape(&money(total, currency))
    );
}

/// The three charts, and one small chart per workload when there are several.
fn charts(s: &mut String, outcome: &Outcome, events: &[Event]) {
    let times: Vec<u64> = outcome.steps.iter().map(|st| st.t).collect();
    // Summed from the workloads, like the desired line, so the summed chart
    // and the per-workload charts agree.
    let ecs: Vec<f64> = outcome
        .steps
        .iter()
        .map(|st| st.workloads.iter().map(|w| w.ecs as f64).sum())
        .collect();
    let placed: Vec<f64> = outcome
        .steps
        .iter()
        .map(|st| st.workloads.iter().map(|w| (w.ecs + w.eci) as f64).sum())
        .collect();
    let desired: Vec<f64> = outcome
        .steps
        .iter()
        .map(|st| st.workloads.iter().map(|w| f64::from(w.desired)).sum())
        .collect();
    let many = outcome.workloads.len() > 1;

    s.push_str("<h2 id=\"replicas\">Replicas by node kind</h2>\n");
    let replicas = Chart {
        title: if many {
            "Replicas of all workloads on ECS and ECI".into()
        } else {
            "Replicas on ECS and ECI".into()
        },
        y_label: "pods".into(),
        width: WIDE,
        plot_height: 260.0,
        times: &times,
        end: outcome.duration_seconds,
        shape: Shape::Step,
        areas: replica_areas(&ecs, &placed),
        lines: vec![Line {
            class: "line desired".into(),
            colour: TARGET_COLOUR,
            label: "desired replicas".into(),
            values: desired,
            dashed: true,
        }],
        events,
        event_text: true,
        max_lanes: 4,
        y_format: YFormat::Count,
    };
    s.push_str(&replicas.svg());
    s.push('\n');

    if many {
        s.push_str("<h3>Per workload</h3>\n<div class=\"grid\">\n");
        for (i, name) in outcome.workloads.iter().enumerate() {
            let pick = |f: &dyn Fn(&crate::outcome::WorkloadStep) -> f64| -> Vec<f64> {
                outcome
                    .steps
                    .iter()
                    .map(|st| st.workloads.get(i).map_or(0.0, f))
                    .collect()
            };
            let ecs = pick(&|w| w.ecs as f64);
            let placed = pick(&|w| (w.ecs + w.eci) as f64);
            let chart = Chart {
                title: name.clone(),
                y_label: "pods".into(),
                width: NARROW,
                plot_height: 150.0,
                times: &times,
                end: outcome.duration_seconds,
                shape: Shape::Step,
                areas: replica_areas(&ecs, &placed),
                lines: vec![Line {
                    class: "line desired".into(),
                    colour: TARGET_COLOUR,
                    label: "desired".into(),
                    values: pick(&|w| f64::from(w.desired)),
                    dashed: true,
                }],
                events,
                event_text: false,
                max_lanes: 2,
                y_format: YFormat::Count,
            };
            s.push_str(&chart.svg());
            s.push('\n');
        }
        s.push_str("</div>\n");
    }

    s.push_str("<h2 id=\"cost\">Cumulative cost</h2>\n");
    let cost_ecs: Vec<f64> = outcome.steps.iter().map(|st| st.cost_ecs).collect();
    let cost_eci: Vec<f64> = outcome.steps.iter().map(|st| st.cost_eci).collect();
    let cost_total: Vec<f64> = outcome
        .steps
        .iter()
        .map(|st| st.cost_ecs + st.cost_eci)
        .collect();
    let currency = outcome.currency.trim();
    let cost = Chart {
        title: "Cost so far: ECS and ECI".into(),
        y_label: if currency.is_empty() {
            "cost".into()
        } else {
            format!("cost ({currency})")
        },
        width: WIDE,
        plot_height: 220.0,
        times: &times,
        end: outcome.duration_seconds,
        shape: Shape::Linear,
        areas: Vec::new(),
        lines: vec![
            Line {
                class: "line ecs".into(),
                colour: ECS_COLOUR,
                label: "ECS".into(),
                values: cost_ecs,
                dashed: false,
            },
            Line {
                class: "line eci".into(),
                colour: ECI_COLOUR,
                label: "ECI".into(),
                values: cost_eci,
                dashed: false,
            },
            Line {
                class: "line total".into(),
                colour: TARGET_COLOUR,
                label: "total".into(),
                values: cost_total,
                dashed: true,
            },
        ],
        events,
        event_text: false,
        max_lanes: 2,
        y_format: YFormat::Amount,
    };
    s.push_str(&cost.svg());
    s.push('\n');

    s.push_str("<h2 id=\"pending-chart\">Pending pods</h2>\n");
    let pending: Vec<f64> = outcome.steps.iter().map(|st| st.pending as f64).collect();
    let pending = Chart {
        title: "Pods Pending (not placed on ECS or ECI)".into(),
        y_label: "pods".into(),
        width: WIDE,
        plot_height: 160.0,
        times: &times,
        end: outcome.duration_seconds,
        shape: Shape::Step,
        areas: vec![Area {
            class: "area pending".into(),
            colour: PENDING_COLOUR,
            label: "Pending".into(),
            lower: vec![0.0; times.len()],
            upper: pending,
        }],
        lines: Vec::new(),
        events,
        event_text: false,
        max_lanes: 2,
        y_format: YFormat::Count,
    };
    s.push_str(&pending.svg());
    s.push('\n');
}

/// ECS from zero, ECI stacked on ECS.
fn replica_areas(ecs: &[f64], placed: &[f64]) -> Vec<Area> {
    vec![
        Area {
            class: "area ecs".into(),
            colour: ECS_COLOUR,
            label: "ECS nodes".into(),
            lower: vec![0.0; ecs.len()],
            upper: ecs.to_vec(),
        },
        Area {
            class: "area eci".into(),
            colour: ECI_COLOUR,
            label: "ECI (virtual nodes)".into(),
            lower: ecs.to_vec(),
            upper: placed.to_vec(),
        },
    ]
}

/// The events table, numbered like the chart markers.
fn events_table(s: &mut String, events: &[Event]) {
    s.push_str("<h2 id=\"events\">Events</h2>\n");
    if events.is_empty() {
        s.push_str("<p>No events.</p>\n");
        return;
    }
    s.push_str("<table class=\"events\">\n<tr><th>#</th><th>Time</th><th>Events</th></tr>\n");
    for e in events {
        let _ = writeln!(
            s,
            "<tr><td>E{}</td><td>{}</td><td>{}</td></tr>",
            e.n,
            clock(e.t),
            escape(&e.text)
        );
    }
    s.push_str("</table>\n");
}

/// The Pending pods with their reasons, the first [`MAX_PENDING`].
fn pending(s: &mut String, outcome: &Outcome) {
    let all = &outcome.summary.pending;
    s.push_str("<h2 id=\"pending\">Pending pods</h2>\n");
    if all.is_empty() {
        s.push_str("<p>No pod was Pending.</p>\n");
        return;
    }
    let _ = writeln!(
        s,
        "<p>{} Pending during the run.</p>",
        if all.len() == 1 {
            "1 pod was".to_string()
        } else {
            format!("{} pods were", all.len())
        }
    );
    s.push_str("<table class=\"pending\">\n<tr><th>Workload</th><th>Pod</th><th>Pending</th><th>For</th><th>kube-scheduler's reason</th></tr>\n");
    for p in all.iter().take(MAX_PENDING) {
        let end = p.to.unwrap_or(outcome.duration_seconds);
        let lasted = length(end.saturating_sub(p.from));
        let _ = writeln!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}{}</td><td class=\"reason\">{}</td></tr>",
            escape(&p.workload),
            escape(&p.pod),
            span(p.from, p.to),
            lasted,
            if p.to.is_none() {
                " (still Pending)"
            } else {
                ""
            },
            escape(&p.reason)
        );
    }
    s.push_str("</table>\n");
    if all.len() > MAX_PENDING {
        let _ = writeln!(
            s,
            "<p class=\"note\">… and {} more (the CSV report has every step).</p>",
            all.len() - MAX_PENDING
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::sample;
    use super::*;

    #[test]
    fn report_html_escapes_input_strings() {
        let mut outcome = sample();
        let evil = "<script>alert(1)</script>";
        outcome.workloads[0] = evil.into();
        outcome.summary.workloads[0].name = evil.into();
        outcome.summary.pending[0].reason = format!("0/5 nodes {evil}");
        outcome.summary.pending[0].pod = format!("ns/{evil}");
        outcome.steps[3].events = vec![format!("spike on {evil}")];
        outcome.currency = "<i>CNY</i>".into();
        let page = html(&outcome);
        assert!(!page.contains("<script"), "unescaped script tag");
        assert!(!page.contains("<i>"));
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        // Name in the summary, the meta line, the small chart's title, the
        // reason, the pod and the event (table, marker tooltip and label).
        assert!(page.matches("&lt;script&gt;").count() >= 7);
    }

    #[test]
    fn report_html_costs_carry_the_currency() {
        let page = html(&sample());
        assert!(page.contains("<td class=\"num\">CNY 1,200.00</td>"));
        assert!(page.contains("<td class=\"num\">CNY 112.50</td>"));
        assert!(page.contains("<tr><th>Total</th><td class=\"num\">CNY 1,312.50</td>"));
        assert!(page.contains("<th>ECI cost (CNY)</th>"));
        assert!(page.contains(">cost (CNY)</text>"));
        assert!(page.contains(">91.4%<"));
    }

    #[test]
    fn report_html_is_self_contained_with_three_charts() {
        let outcome = sample();
        let page = html(&outcome);
        assert!(page.starts_with("<!DOCTYPE html>"));
        assert!(page.trim_end().ends_with("</html>"));
        for banned in ["<script", "http://", "https://", "<link", "@import", "url("] {
            let outside_svg_ns = page.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
            assert!(!outside_svg_ns.contains(banned), "{banned} in the page");
        }
        // Replicas, one per workload (2), cost, pending.
        assert_eq!(page.matches("<svg ").count(), 5);
        assert!(page.contains("<path class=\"area ecs\""));
        assert!(page.contains("<path class=\"area eci\""));
        assert!(page.contains("<path class=\"area pending\""));
        assert!(page.contains("<path class=\"line eci\""));
        // Two event steps, marked on each of the five charts.
        assert_eq!(page.matches("<g class=\"event-marker\">").count(), 10);
        assert!(page.contains("<tr><td>E2</td><td>0h35m</td><td>zone cn-hangzhou-i down; node cn-hangzhou.10.0.1.10 down</td></tr>"));
        assert!(page.contains("<td>gw</td><td class=\"num\">9</td><td>5 at 0h40m</td><td>0h20m</td><td>25m</td><td>0h20m–0h45m</td><td class=\"num\">600</td><td>2 at 0h35m</td>"));
        assert!(page.contains("<p>2 pods were Pending during the run.</p>"));
        assert!(page.contains("<td>0h35m–end</td><td>25m (still Pending)</td>"));
    }

    #[test]
    fn report_html_single_workload_has_no_small_charts() {
        let mut outcome = sample();
        outcome.workloads.truncate(1);
        outcome.summary.workloads.truncate(1);
        outcome.summary.pending.truncate(1);
        for step in &mut outcome.steps {
            step.workloads.truncate(1);
        }
        let page = html(&outcome);
        assert_eq!(page.matches("<svg ").count(), 3);
        assert!(!page.contains("Per workload"));
        assert!(page.contains("<p>1 pod was Pending during the run.</p>"));
    }
}
