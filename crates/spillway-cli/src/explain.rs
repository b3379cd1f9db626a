//! `spillway explain`: why one pod lands where it lands, or stays Pending.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

use comfy_table::{Table, presets::NOTHING};
use serde_json::{Value, json};
use spillway_core::framework::{FilterVerdict, NodeScores};
use spillway_core::{
    Cluster, ClusterState, Evaluation, NodeIdx, PodIdx, Profile, Scheduler, TieBreak, TieBreaker,
};

use crate::Output;

/// What to show.
pub(crate) struct Args<'a> {
    pub scenario: &'a Path,
    pub pod: &'a str,
    pub node: Option<&'a str>,
    pub output: Output,
    pub tie_break: TieBreak,
    /// Score rows to show; `None` for all.
    pub top: Option<usize>,
}

/// A user's mistake in naming the pod or node: bad input, like a bad scenario.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct NotFound(pub String);

pub(crate) fn run(args: &Args<'_>) -> anyhow::Result<()> {
    let (_, snapshot) = crate::load(args.scenario)?;
    let cluster = &snapshot.cluster;
    let pod = find_pod(cluster, &snapshot.incoming, args.pod)?;
    let node = args
        .node
        .map(|n| {
            cluster
                .node_by_name(n)
                .ok_or_else(|| NotFound(format!("node {n:?} is not in the scenario")))
        })
        .transpose()?;
    let scheduler = Scheduler::new(cluster, Profile::default());
    let mut state = snapshot.state.clone();
    let mut tie = TieBreaker::new(args.tie_break);
    let position = snapshot
        .incoming
        .iter()
        .position(|&p| p == pod)
        .unwrap_or(0);
    for &earlier in &snapshot.incoming[..position] {
        scheduler.schedule(&mut state, earlier, &mut tie);
    }
    let before = state.clone();
    let ev = scheduler.schedule(&mut state, pod, &mut tie);
    let node_detail = node.map(|n| (n, scheduler.filter_verdicts(&before, pod, n)));
    let view = View {
        cluster,
        scheduler: &scheduler,
        state: &before,
        ev: &ev,
        position,
        total: snapshot.incoming.len(),
    };
    let mut out = std::io::stdout().lock();
    match args.output {
        Output::Json => {
            serde_json::to_writer_pretty(&mut out, &view.json(args.top, node_detail.as_ref()))?;
            writeln!(out)?;
        }
        Output::Table => write!(out, "{}", view.text(args.top, node_detail.as_ref()))?,
    }
    Ok(())
}

/// `namespace/name`, or a bare name when it is unique among incoming pods.
fn find_pod(cluster: &Cluster, incoming: &[PodIdx], name: &str) -> Result<PodIdx, NotFound> {
    let key = |p: &PodIdx| cluster.pod_key(*p);
    let matches: Vec<PodIdx> = incoming
        .iter()
        .copied()
        .filter(|p| {
            if name.contains('/') {
                key(p) == name
            } else {
                key(p).rsplit('/').next() == Some(name)
            }
        })
        .collect();
    match matches.as_slice() {
        [p] => Ok(*p),
        [] => {
            let (ns, n) = name.split_once('/').unwrap_or(("default", name));
            Err(NotFound(match cluster.pod_by_key(ns, n) {
                Some(_) => format!(
                    "pod {name} is already running; explain covers the scenario's incoming pods"
                ),
                None => format!("pod {name:?} is not among the scenario's incoming pods"),
            }))
        }
        many => Err(NotFound(format!(
            "pod name {name:?} is ambiguous: {}; give namespace/name",
            many.iter().map(key).collect::<Vec<_>>().join(", ")
        ))),
    }
}

struct View<'a> {
    cluster: &'a Cluster,
    scheduler: &'a Scheduler<'a>,
    state: &'a ClusterState,
    ev: &'a Evaluation,
    position: usize,
    total: usize,
}

/// Rejected nodes grouped by plugin and reason, largest group first.
type Groups<'a> = Vec<((String, String), Vec<&'a str>)>;

impl View<'_> {
    fn name(&self, n: NodeIdx) -> &str {
        self.cluster.node_name(n)
    }

    fn groups(&self) -> Groups<'_> {
        let mut by: BTreeMap<(String, String), Vec<&str>> = BTreeMap::new();
        for (n, r) in &self.ev.rejected {
            by.entry((r.plugin.name().to_string(), r.message(self.cluster)))
                .or_default()
                .push(self.name(*n));
        }
        let mut groups: Groups<'_> = by.into_iter().collect();
        groups.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then_with(|| a.0.cmp(&b.0)));
        groups
    }

    /// Feasible nodes, best total first, then by name.
    fn ranked(&self) -> Vec<&NodeScores> {
        let mut rows: Vec<&NodeScores> = self.ev.feasible.iter().collect();
        rows.sort_by(|a, b| {
            b.total
                .cmp(&a.total)
                .then_with(|| self.name(a.node).cmp(self.name(b.node)))
        });
        rows
    }

    fn outcome(&self) -> String {
        let ev = self.ev;
        match (ev.assigned, &ev.pre_enqueue) {
            (Some(n), _) => {
                let total = ev
                    .feasible
                    .iter()
                    .find(|s| s.node == n)
                    .map_or(0, |s| s.total);
                let others: Vec<&str> = ev
                    .best
                    .iter()
                    .filter(|&&b| b != n)
                    .map(|&b| self.name(b))
                    .collect();
                let ties = match others.len() {
                    0 => String::new(),
                    k => format!("; tied with {k} other node(s): {}", examples(&others, 3)),
                };
                format!("Scheduled on {}, total {total}{ties}", self.name(n))
            }
            (None, Some(r)) => format!("SchedulingGated: {}", r.message(self.cluster)),
            (None, None) => format!("Pending: {}", ev.message(self.cluster).unwrap_or_default()),
        }
    }

    fn text(&self, top: Option<usize>, node: Option<&NodeDetail>) -> String {
        let (cluster, ev) = (self.cluster, self.ev);
        let mut s = String::new();
        let _ = writeln!(
            s,
            "Pod {} (incoming pod {} of {}; the {} before it placed first)",
            cluster.pod_key(ev.pod),
            self.position + 1,
            self.total,
            self.position
        );
        let _ = writeln!(s, "{}", self.outcome());
        if let Some(r) = &ev.pre_filter {
            let _ = writeln!(
                s,
                "\nPreFilter: {} rejected the pod on every node: {}",
                r.plugin,
                r.message(cluster)
            );
        }
        if let Some(names) = &ev.pre_filter_node_names {
            let _ = writeln!(
                s,
                "\nPreFilter: NodeAffinity narrowed the candidates to {}",
                names.join(", ")
            );
        }
        if ev.pre_enqueue.is_none() && ev.pre_filter.is_none() {
            let _ = writeln!(
                s,
                "PreFilter skipped: {}",
                join(ev.skipped_filter.iter().map(|p| p.name()))
            );
        }
        let groups = self.groups();
        let _ = writeln!(
            s,
            "\nFilter: {} nodes, {} feasible, {} rejected",
            ev.num_nodes,
            ev.feasible.len(),
            ev.rejected.len()
        );
        if !groups.is_empty() {
            let mut t = table(["NODES", "PLUGIN", "REASON", "EXAMPLES"]);
            for ((plugin, reason), nodes) in &groups {
                t.add_row([
                    nodes.len().to_string(),
                    plugin.clone(),
                    reason.clone(),
                    examples(nodes, 3),
                ]);
            }
            s.push_str(&render(t));
        }
        if !ev.feasible.is_empty() {
            let ranked = self.ranked();
            let shown = top.unwrap_or(ranked.len()).min(ranked.len());
            let _ = writeln!(
                s,
                "\nScores (normalized x weight), best first, {shown} of {} feasible node(s):",
                ranked.len()
            );
            let plugins: Vec<&str> = ranked[0].plugins.iter().map(|p| p.0.name()).collect();
            let mut t = Table::new();
            t.load_preset(NOTHING);
            t.set_header(
                std::iter::once("NODE")
                    .chain(plugins.iter().copied())
                    .chain(["TOTAL"]),
            );
            for row in ranked.iter().take(shown) {
                let best = if ev.best.contains(&row.node) {
                    " *"
                } else {
                    ""
                };
                t.add_row(
                    std::iter::once(self.name(row.node).to_string())
                        .chain(row.plugins.iter().map(|p| p.3.to_string()))
                        .chain([format!("{}{best}", row.total)]),
                );
            }
            s.push_str(&render(t));
            let _ = writeln!(
                s,
                "(* best; PreScore skipped: {})",
                join(ev.skipped_score.iter().map(|p| p.name()))
            );
        }
        let uses = self.cluster.selector_uses(self.state, ev.pod);
        if !uses.is_empty() {
            let _ = writeln!(s, "\nSelectors counting placed pods (matcher graph):");
            let mut t = table(["PLUGIN", "ROLE", "SELECTOR", "TEMPLATES", "PODS"]);
            for u in uses {
                t.add_row([
                    u.plugin.name().to_string(),
                    u.role,
                    u.selector,
                    u.templates.to_string(),
                    u.pods.to_string(),
                ]);
            }
            s.push_str(&render(t));
        }
        if let Some(detail) = node {
            s.push_str(&self.node_text(detail));
        }
        s
    }

    fn node_text(&self, (node, verdicts): &NodeDetail) -> String {
        let (cluster, ev) = (self.cluster, self.ev);
        let mut s = String::new();
        let scores = ev.feasible.iter().find(|f| f.node == *node);
        let status = match (scores, ev.rejected.iter().find(|(n, _)| n == node)) {
            (Some(f), _) if ev.best.contains(node) => format!("feasible, total {} (best)", f.total),
            (Some(f), _) => format!("feasible, total {}", f.total),
            (None, Some((_, r))) => format!("rejected by {}: {}", r.plugin, r.message(cluster)),
            (None, None) => "not evaluated".to_string(),
        };
        let _ = writeln!(s, "\nNode {}: {status}", self.name(*node));
        match verdicts {
            Err(r) => {
                let _ = writeln!(
                    s,
                    "PreFilter {} rejected the pod: {}",
                    r.plugin,
                    r.message(cluster)
                );
            }
            Ok(vs) => {
                let _ = writeln!(
                    s,
                    "Filter plugins, each run on its own (upstream stops at the first rejection):"
                );
                let mut t = table(["PLUGIN", "VERDICT"]);
                for (p, v) in vs {
                    t.add_row([p.name().to_string(), verdict_text(cluster, v)]);
                }
                s.push_str(&render(t));
            }
        }
        if let Some(f) = scores {
            let _ = writeln!(s, "Score plugins:");
            let mut t = table(["PLUGIN", "RAW", "NORMALIZED", "WEIGHT", "WEIGHTED"]);
            for &(p, raw, norm, weighted) in &f.plugins {
                let weight = self.scheduler.profile().weight(p).unwrap_or(0);
                t.add_row([
                    p.name().to_string(),
                    raw.to_string(),
                    norm.to_string(),
                    weight.to_string(),
                    weighted.to_string(),
                ]);
            }
            t.add_row([
                "total".to_string(),
                String::new(),
                String::new(),
                String::new(),
                f.total.to_string(),
            ]);
            s.push_str(&render(t));
        }
        s
    }

    fn json(&self, top: Option<usize>, node: Option<&NodeDetail>) -> Value {
        let (cluster, ev) = (self.cluster, self.ev);
        let ranked = self.ranked();
        let shown = top.unwrap_or(ranked.len()).min(ranked.len());
        let scores: Vec<Value> = ranked
            .iter()
            .take(shown)
            .map(|f| self.scores_json(f))
            .collect();
        let mut v = json!({
            "pod": cluster.pod_key(ev.pod),
            "position": self.position + 1,
            "incoming": self.total,
            "assigned": ev.assigned.map(|n| self.name(n)),
            "best": ev.best.iter().map(|&n| self.name(n)).collect::<Vec<_>>(),
            "message": ev.message(cluster),
            "nodes": ev.num_nodes,
            "feasible": ev.feasible.len(),
            "skippedFilterPlugins": ev.skipped_filter.iter().map(|p| p.name()).collect::<Vec<_>>(),
            "skippedScorePlugins": ev.skipped_score.iter().map(|p| p.name()).collect::<Vec<_>>(),
            "rejected": self.groups().iter().map(|((plugin, reason), nodes)| json!({
                "plugin": plugin, "reason": reason, "count": nodes.len(), "nodes": nodes,
            })).collect::<Vec<_>>(),
            "scores": scores,
            "selectors": cluster.selector_uses(self.state, ev.pod).into_iter().map(|u| json!({
                "plugin": u.plugin.name(), "role": u.role, "selector": u.selector,
                "templates": u.templates, "pods": u.pods,
            })).collect::<Vec<_>>(),
        });
        if let Some(r) = ev.pre_enqueue.as_ref().or(ev.pre_filter.as_ref()) {
            v["rejectedBeforeFilter"] =
                json!({"plugin": r.plugin.name(), "reason": r.message(cluster)});
        }
        if let Some((n, verdicts)) = node {
            let filters = match verdicts {
                Err(r) => json!({"preFilterRejected": r.message(cluster)}),
                Ok(vs) => json!(vs.iter().map(|(p, v)| json!({"plugin": p.name(), "verdict": verdict_text(cluster, v)})).collect::<Vec<_>>()),
            };
            v["node"] = json!({
                "name": self.name(*n),
                "filters": filters,
                "scores": ev.feasible.iter().find(|f| f.node == *n).map(|f| self.scores_json(f)),
            });
        }
        v
    }

    fn scores_json(&self, f: &NodeScores) -> Value {
        json!({
            "node": self.name(f.node),
            "total": f.total,
            "best": self.ev.best.contains(&f.node),
            "plugins": f.plugins.iter().map(|&(p, raw, norm, weighted)| json!({
                "plugin": p.name(), "raw": raw, "normalized": norm,
                "weight": self.scheduler.profile().weight(p).unwrap_or(0), "weighted": weighted,
            })).collect::<Vec<_>>(),
        })
    }
}

type NodeDetail = (
    NodeIdx,
    Result<Vec<(spillway_core::Plugin, FilterVerdict)>, spillway_core::framework::Rejection>,
);

fn verdict_text(cluster: &Cluster, v: &FilterVerdict) -> String {
    match v {
        FilterVerdict::Pass => "pass".into(),
        FilterVerdict::Skipped => "skipped (PreFilter)".into(),
        FilterVerdict::Rejected(r) => {
            format!("rejected ({}): {}", r.code.as_str(), r.message(cluster))
        }
    }
}

fn join<'a>(it: impl Iterator<Item = &'a str>) -> String {
    let v: Vec<&str> = it.collect();
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

fn examples(nodes: &[&str], n: usize) -> String {
    match nodes.len() {
        len if len <= n => nodes.join(", "),
        len => format!("{}, and {} more", nodes[..n].join(", "), len - n),
    }
}

fn table<const N: usize>(header: [&str; N]) -> Table {
    let mut t = Table::new();
    t.load_preset(NOTHING).set_header(header);
    t
}

/// kubectl's spacing, indented two spaces, no trailing blanks.
fn render(mut t: Table) -> String {
    for c in t.column_iter_mut() {
        c.set_padding((0, 3));
    }
    t.lines().map(|l| format!("  {}\n", l.trim_end())).collect()
}
