//! `spillway schedule`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use comfy_table::{Table, presets::NOTHING};
use spillway_core::{Cluster, Evaluation};
use spillway_core::{Profile, Scheduler, TieBreak, TieBreaker};
use spillway_kube::report::PodDetails;
use spillway_kube::{PodResult, Report, Scenario};

use crate::Output;

pub(crate) fn run(path: &Path, output: Output, tie_break: TieBreak) -> anyhow::Result<()> {
    let (scenario, snapshot) = crate::load(path)?;
    let (cluster, mut state) = (&snapshot.cluster, snapshot.state.clone());
    let scheduler = Scheduler::new(cluster, Profile::default());
    let mut tie = TieBreaker::new(tie_break);
    let evaluations: Vec<_> = snapshot
        .incoming
        .iter()
        .map(|&pod| scheduler.schedule(&mut state, pod, &mut tie))
        .collect();
    // Incoming pods compile in scenario order, so index i is scenario.incoming[i].
    let details: Vec<Option<PodDetails>> = evaluations
        .iter()
        .enumerate()
        .map(|(i, ev)| scenario.pod_details(i, ev.assigned.map(|n| cluster.node_name(n))))
        .collect();
    let mut out = std::io::stdout().lock();
    match output {
        Output::Json => {
            let report = Report {
                k8s_version: spillway_kube::report::K8S_VERSION.to_string(),
                results: evaluations
                    .iter()
                    .zip(details)
                    .map(|(ev, details)| PodResult {
                        details,
                        ..PodResult::new(cluster, ev)
                    })
                    .collect(),
            };
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
        }
        Output::Table => write!(out, "{}", table(&scenario, cluster, &evaluations, &details))?,
    }
    Ok(())
}

/// kubectl-style: one row per pod, then the reason of every pod left Pending,
/// what admission did, and what ECI costs.
fn table(
    scenario: &Scenario,
    cluster: &Cluster,
    evaluations: &[Evaluation],
    details: &[Option<PodDetails>],
) -> String {
    let mut table = Table::new();
    table
        .load_preset(NOTHING)
        .set_header(["POD", "READY", "NODE", "ZONE", "SCORE", "STATUS", "ECI"]);
    let mut pending = Vec::new();
    let mut notes: BTreeMap<String, usize> = BTreeMap::new();
    let (mut eci_pods, mut eci_price, mut priced) = (0usize, 0.0f64, true);
    for (ev, d) in evaluations.iter().zip(details) {
        let pod = cluster.pod_key(ev.pod);
        let d = d.clone().unwrap_or_default();
        for note in d
            .admission
            .iter()
            .filter(|n| !n.starts_with("no sidecar") && !n.starts_with("created by"))
        {
            *notes.entry(note.clone()).or_default() += 1;
        }
        let (node, score, status) = match ev.assigned {
            Some(node) => {
                let total = ev
                    .feasible
                    .iter()
                    .find(|s| s.node == node)
                    .map_or(0, |s| s.total);
                let status = match ev.best.len() {
                    1 => "Scheduled".to_string(),
                    n => format!("Scheduled ({n} tied)"),
                };
                (
                    cluster.node_name(node).to_string(),
                    total.to_string(),
                    status,
                )
            }
            None => {
                let (status, why) = match &ev.pre_enqueue {
                    Some(r) => ("SchedulingGated", r.message(cluster)),
                    None => ("Pending", ev.message(cluster).unwrap_or_default()),
                };
                pending.push(format!("  {pod}: {why}"));
                ("<none>".to_string(), "-".to_string(), status.to_string())
            }
        };
        let eci = match &d.eci {
            None => String::new(),
            Some(e) => {
                eci_pods += 1;
                match e.price_per_hour {
                    Some(p) => eci_price += p,
                    None => priced = false,
                }
                let spec = e.spec.clone().unwrap_or_else(|| "no spec".into());
                let vswitch = e
                    .vswitch
                    .as_deref()
                    .map(|v| format!(" {v}"))
                    .unwrap_or_default();
                match e.price_per_hour {
                    Some(p) => format!("{spec}{vswitch} {p:.4} {}/h", e.currency),
                    None => format!("{spec}{vswitch}"),
                }
            }
        };
        table.add_row([
            pod,
            d.ready,
            node,
            d.zone.unwrap_or_else(|| "-".into()),
            score,
            status,
            eci,
        ]);
    }
    // kubectl's spacing: no margin, three spaces between columns.
    for column in table.column_iter_mut() {
        column.set_padding((0, 3));
    }
    let mut text: String = table
        .lines()
        .map(|l| format!("{}\n", l.trim_end()))
        .collect();
    let scheduled = evaluations.iter().filter(|e| e.assigned.is_some()).count();
    text.push_str(&format!(
        "\n{scheduled}/{} pods scheduled",
        evaluations.len()
    ));
    if pending.is_empty() {
        text.push('\n');
    } else {
        text.push_str(&format!(
            ", {} not:\n{}\n",
            pending.len(),
            pending.join("\n")
        ));
    }
    if eci_pods > 0 {
        let currency = &scenario.ack.eci.prices.currency;
        if priced {
            text.push_str(&format!(
                "{eci_pods} pod(s) on ECI: {eci_price:.4} {currency}/h in all\n"
            ));
        } else {
            text.push_str(&format!(
                "{eci_pods} pod(s) on ECI (some without a price)\n"
            ));
        }
    }
    if !notes.is_empty() {
        text.push_str("\nAdmission:\n");
        for (note, n) in notes {
            text.push_str(&format!(
                "  {note} ({n} pod{})\n",
                if n == 1 { "" } else { "s" }
            ));
        }
    }
    text
}
