//! `spillway schedule`.

use std::io::Write;
use std::path::Path;

use comfy_table::{Table, presets::NOTHING};
use spillway_core::{Cluster, Evaluation};
use spillway_core::{Profile, Scheduler, TieBreak, TieBreaker};
use spillway_kube::{PodResult, Report};

use crate::Output;

pub(crate) fn run(path: &Path, output: Output, tie_break: TieBreak) -> anyhow::Result<()> {
    let snapshot = crate::load(path)?;
    let (cluster, mut state) = (&snapshot.cluster, snapshot.state.clone());
    let scheduler = Scheduler::new(cluster, Profile::default());
    let mut tie = TieBreaker::new(tie_break);
    let evaluations: Vec<_> = snapshot
        .incoming
        .iter()
        .map(|&pod| scheduler.schedule(&mut state, pod, &mut tie))
        .collect();
    let mut out = std::io::stdout().lock();
    match output {
        Output::Json => {
            let report = Report {
                k8s_version: spillway_kube::report::K8S_VERSION.to_string(),
                results: evaluations
                    .iter()
                    .map(|ev| PodResult::new(cluster, ev))
                    .collect(),
            };
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
        }
        Output::Table => write!(out, "{}", table(cluster, &evaluations))?,
    }
    Ok(())
}

/// kubectl-style: one row per pod, then the reason of every pod left Pending.
fn table(cluster: &Cluster, evaluations: &[Evaluation]) -> String {
    let mut table = Table::new();
    table
        .load_preset(NOTHING)
        .set_header(["POD", "NODE", "SCORE", "STATUS"]);
    let mut pending = Vec::new();
    for ev in evaluations {
        let pod = cluster.pod_key(ev.pod);
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
        table.add_row([pod, node, score, status]);
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
    text
}
