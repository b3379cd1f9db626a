//! `spillway schedule`.

use std::io::Write;
use std::path::Path;

use comfy_table::{Table, presets::NOTHING};
use spillway_core::{Profile, Scheduler, TieBreak, TieBreaker};
use spillway_kube::{PodResult, Report, Scenario};

use crate::Output;

pub(crate) fn run(path: &Path, output: Output, tie_break: TieBreak) -> anyhow::Result<()> {
    let scenario = Scenario::load(path)?;
    for note in &scenario.ignored {
        eprintln!("spillway: ignored {note}");
    }
    let snapshot = scenario.compile()?;
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
        Output::Table => {
            let mut table = Table::new();
            table
                .load_preset(NOTHING)
                .set_header(["POD", "NODE", "SCORE", "STATUS"]);
            for ev in &evaluations {
                let pod = cluster.pod_key(ev.pod);
                match ev.assigned {
                    Some(node) => {
                        let total = ev
                            .feasible
                            .iter()
                            .find(|s| s.node == node)
                            .map_or(0, |s| s.total);
                        let ties = if ev.best.len() > 1 {
                            format!(" (tied with {})", ev.best.len() - 1)
                        } else {
                            String::new()
                        };
                        table.add_row([
                            pod,
                            cluster.node_name(node).to_string(),
                            total.to_string(),
                            format!("Scheduled{ties}"),
                        ]);
                    }
                    None if ev.pre_enqueue.is_some() => {
                        let why = ev
                            .pre_enqueue
                            .as_ref()
                            .map(|r| r.message(cluster))
                            .unwrap_or_default();
                        table.add_row([
                            pod,
                            "<none>".into(),
                            "-".into(),
                            format!("SchedulingGated: {why}"),
                        ]);
                    }
                    None => {
                        let msg = ev.message(cluster).unwrap_or_default();
                        table.add_row([
                            pod,
                            "<none>".into(),
                            "-".into(),
                            format!("Pending: {msg}"),
                        ]);
                    }
                }
            }
            writeln!(out, "{table}")?;
        }
    }
    Ok(())
}
