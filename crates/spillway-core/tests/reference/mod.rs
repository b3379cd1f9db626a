//! A plain reference implementation of kube-scheduler v1.35.4's default profile,
//! written against the input types of `spillway_core::spec` only.
//!
//! It is deliberately naive: for every incoming pod it recounts everything from the
//! list of placed pods, runs PreFilter/Filter for every node in upstream order,
//! then PreScore/Score/NormalizeScore for every score plugin, picks the best node
//! (ties by name) and assumes the pod there. No caching, no interning, no shared
//! code with the engine: each function names the upstream function it ports.
//!
//! Covered: NodeUnschedulable, NodeName, TaintToleration, NodeAffinity, NodePorts,
//! NodeResourcesFit (LeastAllocated), NodeResourcesBalancedAllocation,
//! ImageLocality, PodTopologySpread (with the system default constraints),
//! InterPodAffinity, SchedulingGates (PreEnqueue), DynamicResources (always 0),
//! the FitError message and the PostFilter message (DynamicResources, then
//! DefaultPreemption's dry run). Volume plugins skip (no volumes in scope).

#![allow(dead_code)]

mod interpod_affinity;
pub mod labels;
mod noderesources;
pub mod resources;
mod simple;
mod topology_spread;

use std::collections::{BTreeMap, BTreeSet};

use spillway_core::ClusterSpec;
use spillway_core::spec::{
    LabelSelector, Labels, Node, Operator, Pod, PodAffinityTerm, PreemptionPolicy, Requirement,
};

use simple::NodeAffinityPreFilter;

/// A status code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Code {
    /// `Unschedulable`.
    Unschedulable,
    /// `UnschedulableAndUnresolvable`.
    UnschedulableAndUnresolvable,
}

impl Code {
    /// Upstream's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Unschedulable => "Unschedulable",
            Code::UnschedulableAndUnresolvable => "UnschedulableAndUnresolvable",
        }
    }
}

/// A rejecting status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub plugin: &'static str,
    pub code: Code,
    pub reasons: Vec<String>,
}

impl Rejection {
    fn new(plugin: &'static str, code: Code, reason: &str) -> Rejection {
        Rejection {
            plugin,
            code,
            reasons: vec![reason.to_string()],
        }
    }

    /// `Status.Message()`: the reasons joined by ", ".
    pub fn message(&self) -> String {
        self.reasons.join(", ")
    }
}

/// Plugin name -> (raw, normalized, weighted) score on one node.
pub type PluginScores = BTreeMap<String, (i64, i64, i64)>;

/// What one scheduling cycle decided for one pod, keyed by node name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodOutcome {
    /// `namespace/name`.
    pub pod: String,
    /// A PreEnqueue plugin (SchedulingGates) gated the pod.
    pub gated: bool,
    /// Rejected node -> (plugin, code, message).
    pub rejected: BTreeMap<String, (String, String, String)>,
    /// Feasible node -> plugin -> (raw, normalized, weighted); plus the total.
    pub scores: BTreeMap<String, (PluginScores, i64)>,
    /// The node the pod was assumed on.
    pub assigned: Option<String>,
    /// `FitError.Error()` without the PostFilter part.
    pub filter_message: Option<String>,
    /// The full unschedulable message.
    pub message: Option<String>,
}

/// The cluster as the scheduler cache sees it.
#[derive(Debug, Clone)]
pub struct World {
    pub nodes: Vec<Node>,
    /// Namespace name -> labels (including `kubernetes.io/metadata.name`).
    pub namespaces: BTreeMap<String, Labels>,
    /// Every pod in the cache with its node index, in the order added.
    pub placed: Vec<(Pod, usize)>,
}

impl World {
    /// The pods on node `n`.
    pub fn pods_on(&self, n: usize) -> impl Iterator<Item = &Pod> + '_ {
        self.placed
            .iter()
            .filter(move |(_, m)| *m == n)
            .map(|(p, _)| p)
    }

    /// `GetNamespaceLabelsSnapshot`.
    pub fn namespace_labels(&self, ns: &str) -> Labels {
        self.namespaces.get(ns).cloned().unwrap_or_default()
    }

    fn node_resources(&self, n: usize) -> resources::NodeResources {
        resources::node_resources(&self.nodes[n].allocatable, self.pods_on(n))
    }
}

/// The API server's mutation of a pod at creation: the default namespace, and
/// `matchLabelKeys`/`mismatchLabelKeys` merged into the label selectors
/// (`pkg/registry/core/pod/strategy.go`: `applyMatchLabelKeysAndMismatchLabelKeys`,
/// `applyMatchLabelKeys`).
pub fn admit(pod: &Pod) -> Pod {
    let mut p = pod.clone();
    if p.namespace.is_empty() {
        p.namespace = "default".to_string();
    }
    let labels = p.labels.clone();
    let apply = |sel: &mut LabelSelector, keys: &[String], op: Operator| {
        for k in keys {
            if let Some(v) = labels.get(k) {
                sel.match_expressions.push(Requirement {
                    key: k.clone(),
                    operator: op,
                    values: vec![v.clone()],
                });
            }
        }
    };
    let apply_term = |t: &mut PodAffinityTerm| {
        if t.match_label_keys.is_empty() && t.mismatch_label_keys.is_empty() {
            return;
        }
        let Some(sel) = t.label_selector.as_mut() else {
            return;
        };
        apply(sel, &t.match_label_keys, Operator::In);
        apply(sel, &t.mismatch_label_keys, Operator::NotIn);
    };
    for a in [p.pod_affinity.as_mut(), p.pod_anti_affinity.as_mut()]
        .into_iter()
        .flatten()
    {
        for t in a.preferred.iter_mut() {
            apply_term(&mut t.term);
        }
        for t in a.required.iter_mut() {
            apply_term(t);
        }
    }
    for c in p.topology_spread_constraints.iter_mut() {
        if c.match_label_keys.is_empty() {
            continue;
        }
        if let Some(sel) = c.label_selector.as_mut() {
            apply(sel, &c.match_label_keys, Operator::In);
        }
    }
    p
}

/// What the PreFilter phase produced.
struct PreFilter {
    /// Candidate node names, when NodeAffinity narrowed them.
    node_names: Option<BTreeSet<String>>,
    run_node_affinity: bool,
    /// Wanted host ports; `None` when NodePorts skipped.
    host_ports: Option<Vec<spillway_core::spec::ContainerPort>>,
    fit: resources::Resource,
    spread: Option<topology_spread::FilterState>,
    inter_pod: Option<interpod_affinity::FilterState>,
}

/// `RunPreFilterPlugins` in profile order: NodeAffinity, NodePorts,
/// NodeResourcesFit, (volume plugins skip), PodTopologySpread, InterPodAffinity,
/// (DynamicResources skips).
fn pre_filter(world: &World, pod: &Pod) -> Result<PreFilter, Rejection> {
    let (run_node_affinity, node_names) = match simple::node_affinity_pre_filter(pod) {
        NodeAffinityPreFilter::Skip => (false, None),
        NodeAffinityPreFilter::Run(names) => (true, names),
        NodeAffinityPreFilter::Conflict => {
            return Err(Rejection::new(
                "NodeAffinity",
                Code::UnschedulableAndUnresolvable,
                "pod affinity terms conflict",
            ));
        }
    };
    let ports = simple::host_ports(pod);
    Ok(PreFilter {
        node_names,
        run_node_affinity,
        host_ports: if ports.is_empty() { None } else { Some(ports) },
        fit: noderesources::fit_pre_filter(pod),
        spread: topology_spread::pre_filter(world, pod),
        inter_pod: interpod_affinity::pre_filter(world, pod),
    })
}

/// `RunFilterPlugins` for one node, in profile order, stopping at the first
/// rejection.
fn filter_node(world: &World, pod: &Pod, pre: &PreFilter, n: usize) -> Option<Rejection> {
    let node = &world.nodes[n];
    if let Some(r) = simple::node_unschedulable_filter(pod, node) {
        return Some(r);
    }
    if let Some(r) = simple::node_name_filter(pod, node) {
        return Some(r);
    }
    if let Some(r) = simple::taint_toleration_filter(pod, node) {
        return Some(r);
    }
    if pre.run_node_affinity
        && let Some(r) = simple::node_affinity_filter(pod, node)
    {
        return Some(r);
    }
    if let Some(wanted) = &pre.host_ports
        && let Some(r) = simple::node_ports_filter(wanted, &simple::used_ports(world.pods_on(n)))
    {
        return Some(r);
    }
    if let Some(r) = noderesources::fit_filter(&pre.fit, &world.node_resources(n)) {
        return Some(r);
    }
    if let Some(s) = &pre.spread
        && let Some(r) = topology_spread::filter(s, pod, node)
    {
        return Some(r);
    }
    if let Some(s) = &pre.inter_pod
        && let Some(r) = interpod_affinity::filter(s, node)
    {
        return Some(r);
    }
    None
}

/// `FitError.Error()`'s histogram: `0/N nodes are available: <count> <reason>, ...`
/// with the entries sorted as strings.
fn fit_error<'a>(num_nodes: usize, statuses: impl Iterator<Item = &'a [String]>) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for reasons in statuses {
        for r in reasons {
            *counts.entry(r.as_str()).or_default() += 1;
        }
    }
    let mut parts: Vec<String> = counts.iter().map(|(r, n)| format!("{n} {r}")).collect();
    parts.sort();
    let mut msg = format!("0/{num_nodes} nodes are available:");
    if !parts.is_empty() {
        msg.push_str(&format!(" {}.", parts.join(", ")));
    }
    msg
}

const PREEMPTION_NOT_HELPFUL: &str = "Preemption is not helpful for scheduling";
const NO_VICTIMS: &str = "No preemption victims found for incoming pod";

/// `SelectVictimsOnNode`'s first step: remove every lower-priority pod from the node
/// (PreFilter extensions' `RemovePod` for the spread state; the other states are
/// recomputed, which gives the same counts) and run the filters again. `None` when
/// the pod then fits.
fn dry_run_node(world: &World, pod: &Pod, pre: &PreFilter, n: usize) -> Option<Vec<String>> {
    let victims: Vec<usize> = world
        .placed
        .iter()
        .enumerate()
        .filter(|(_, (p, m))| *m == n && p.priority < pod.priority)
        .map(|(i, _)| i)
        .collect();
    if victims.is_empty() {
        return Some(vec![NO_VICTIMS.to_string()]);
    }
    let mut trial = world.clone();
    let mut spread = pre.spread.clone();
    for &i in victims.iter().rev() {
        let (victim, _) = trial.placed.remove(i);
        if let Some(s) = spread.as_mut() {
            topology_spread::remove_pod(s, pod, &victim, &world.nodes[n]);
        }
    }
    let trial_pre = PreFilter {
        node_names: pre.node_names.clone(),
        run_node_affinity: pre.run_node_affinity,
        host_ports: pre.host_ports.clone(),
        fit: pre.fit.clone(),
        spread,
        inter_pod: pre
            .inter_pod
            .as_ref()
            .and_then(|_| interpod_affinity::pre_filter(&trial, pod)),
    };
    filter_node(&trial, pod, &trial_pre, n).map(|r| r.reasons)
}

/// PostFilter: DynamicResources ("no new claims to deallocate"), then
/// DefaultPreemption. `None` when preemption found a candidate (success, no
/// message) or the pod was pinned with `spec.nodeName` (such pods never reach a
/// scheduling queue; the golden data reports them without a PostFilter part).
fn post_filter(
    world: &World,
    pod: &Pod,
    pre: &PreFilter,
    rejected: &[(usize, Rejection)],
) -> Option<String> {
    if pod.node_name.is_some() {
        return None;
    }
    let preemption = if pod.preemption_policy == PreemptionPolicy::Never {
        "not eligible due to preemptionPolicy=Never.".to_string()
    } else {
        let mut statuses: Vec<Vec<String>> = Vec::new();
        for (n, r) in rejected {
            if r.code == Code::UnschedulableAndUnresolvable {
                statuses.push(vec![PREEMPTION_NOT_HELPFUL.to_string()]);
            } else {
                statuses.push(dry_run_node(world, pod, pre, *n)?);
            }
        }
        fit_error(world.nodes.len(), statuses.iter().map(Vec::as_slice))
    };
    Some(format!(
        "no new claims to deallocate, preemption: {preemption}"
    ))
}

/// Score plugins in profile order with their weights (VolumeBinding always skips).
const SCORE_PLUGINS: [(&str, i64); 8] = [
    ("TaintToleration", 3),
    ("NodeAffinity", 2),
    ("NodeResourcesFit", 1),
    ("PodTopologySpread", 2),
    ("InterPodAffinity", 2),
    ("DynamicResources", 2),
    ("NodeResourcesBalancedAllocation", 1),
    ("ImageLocality", 1),
];

/// PreScore/Score/NormalizeScore of every plugin over the feasible nodes:
/// plugin -> (raw, normalized) per feasible node, skipped plugins absent.
fn score(world: &World, pod: &Pod, feasible: &[usize]) -> Vec<(&'static str, Vec<i64>, Vec<i64>)> {
    let mut columns = Vec::new();
    for (plugin, _) in SCORE_PLUGINS {
        let (raw, normalized) = match plugin {
            "TaintToleration" => {
                let raw: Vec<i64> = feasible
                    .iter()
                    .map(|&n| simple::taint_toleration_score(pod, &world.nodes[n]))
                    .collect();
                let mut norm = raw.clone();
                simple::default_normalize_score(100, true, &mut norm);
                (raw, norm)
            }
            "NodeAffinity" => {
                if !simple::node_affinity_scores(pod) {
                    continue;
                }
                let raw: Vec<i64> = feasible
                    .iter()
                    .map(|&n| simple::node_affinity_score(pod, &world.nodes[n]))
                    .collect();
                let mut norm = raw.clone();
                simple::default_normalize_score(100, false, &mut norm);
                (raw, norm)
            }
            "NodeResourcesFit" => {
                let req = noderesources::score_pod_requests(pod, false);
                let raw: Vec<i64> = feasible
                    .iter()
                    .map(|&n| noderesources::fit_score(&world.node_resources(n), &req))
                    .collect();
                (raw.clone(), raw)
            }
            "PodTopologySpread" => match topology_spread::score(world, pod, feasible) {
                Some(s) => s,
                None => continue,
            },
            "InterPodAffinity" => match interpod_affinity::score(world, pod, feasible) {
                Some(s) => s,
                None => continue,
            },
            "DynamicResources" => (vec![0; feasible.len()], vec![0; feasible.len()]),
            "NodeResourcesBalancedAllocation" => {
                let req = noderesources::score_pod_requests(pod, true);
                if noderesources::balanced_skips(&req) {
                    continue;
                }
                let raw: Vec<i64> = feasible
                    .iter()
                    .map(|&n| noderesources::balanced_score(&world.node_resources(n), &req))
                    .collect();
                (raw.clone(), raw)
            }
            "ImageLocality" => {
                let states = simple::image_states(&world.nodes);
                let raw: Vec<i64> = feasible
                    .iter()
                    .map(|&n| {
                        simple::image_locality_score(
                            pod,
                            &world.nodes[n],
                            &states,
                            world.nodes.len(),
                        )
                    })
                    .collect();
                (raw.clone(), raw)
            }
            _ => unreachable!(),
        };
        columns.push((plugin, raw, normalized));
    }
    columns
}

/// One scheduling cycle for `pod` (already admitted) against `world`.
pub fn schedule_one(world: &World, pod: &Pod) -> PodOutcome {
    let num_nodes = world.nodes.len();
    let mut out = PodOutcome {
        pod: format!("{}/{}", pod.namespace, pod.name),
        gated: false,
        rejected: BTreeMap::new(),
        scores: BTreeMap::new(),
        assigned: None,
        filter_message: None,
        message: None,
    };
    // PreEnqueue: SchedulingGates.
    if !pod.scheduling_gates.is_empty() {
        out.gated = true;
        return out;
    }
    let record = |out: &mut PodOutcome, n: usize, r: &Rejection| {
        out.rejected.insert(
            world.nodes[n].name.clone(),
            (
                r.plugin.to_string(),
                r.code.as_str().to_string(),
                r.message(),
            ),
        );
    };
    let pre = match pre_filter(world, pod) {
        Ok(pre) => pre,
        Err(r) => {
            for n in 0..num_nodes {
                record(&mut out, n, &r);
            }
            let m = format!("0/{num_nodes} nodes are available: {}.", r.message());
            // DynamicResources' PostFilter finds no state of its (never run) PreFilter.
            out.message = Some(format!("{m} not found"));
            out.filter_message = Some(m);
            return out;
        }
    };
    let mut rejected: Vec<(usize, Rejection)> = Vec::new();
    let mut feasible: Vec<usize> = Vec::new();
    for n in 0..num_nodes {
        if let Some(names) = &pre.node_names
            && !names.contains(&world.nodes[n].name)
        {
            rejected.push((
                n,
                Rejection::new(
                    "NodeAffinity",
                    Code::UnschedulableAndUnresolvable,
                    "node(s) didn't satisfy plugin(s) [NodeAffinity]",
                ),
            ));
            continue;
        }
        match filter_node(world, pod, &pre, n) {
            None => feasible.push(n),
            Some(r) => rejected.push((n, r)),
        }
    }
    for (n, r) in &rejected {
        record(&mut out, *n, r);
    }
    if feasible.is_empty() {
        let m = fit_error(
            num_nodes,
            rejected.iter().map(|(_, r)| r.reasons.as_slice()),
        );
        out.message = Some(match post_filter(world, pod, &pre, &rejected) {
            Some(p) => format!("{m} {p}"),
            None => m.clone(),
        });
        out.filter_message = Some(m);
        return out;
    }
    let columns = score(world, pod, &feasible);
    let weight = |p: &str| SCORE_PLUGINS.iter().find(|(q, _)| *q == p).map(|(_, w)| *w);
    let mut best: Option<(i64, &str)> = None;
    for (i, &n) in feasible.iter().enumerate() {
        let mut plugins = BTreeMap::new();
        let mut total = 0;
        for (p, raw, norm) in &columns {
            let w = weight(p).unwrap_or(0);
            plugins.insert(p.to_string(), (raw[i], norm[i], norm[i] * w));
            total += norm[i] * w;
        }
        let name = world.nodes[n].name.as_str();
        best = match best {
            Some((t, b)) if t > total || (t == total && b <= name) => Some((t, b)),
            _ => Some((total, name)),
        };
        out.scores.insert(name.to_string(), (plugins, total));
    }
    out.assigned = best.map(|(_, b)| b.to_string());
    out
}

/// Builds the cache from a [`ClusterSpec`] and schedules every incoming pod in
/// order, assuming each scheduled pod before the next.
pub fn schedule_all(spec: &ClusterSpec) -> Vec<PodOutcome> {
    let mut namespaces: BTreeMap<String, Labels> = BTreeMap::new();
    for ns in &spec.namespaces {
        let mut l = ns.labels.clone();
        l.insert("kubernetes.io/metadata.name".to_string(), ns.name.clone());
        namespaces.insert(ns.name.clone(), l);
    }
    let running: Vec<Pod> = spec.running.iter().map(admit).collect();
    let incoming: Vec<Pod> = spec.incoming.iter().map(admit).collect();
    for p in running.iter().chain(incoming.iter()) {
        namespaces.entry(p.namespace.clone()).or_insert_with(|| {
            Labels::from([(
                "kubernetes.io/metadata.name".to_string(),
                p.namespace.clone(),
            )])
        });
    }
    let mut world = World {
        nodes: spec.nodes.clone(),
        namespaces,
        placed: Vec::new(),
    };
    for p in running {
        let n = world
            .nodes
            .iter()
            .position(|n| Some(&n.name) == p.node_name.as_ref())
            .expect("running pod on an existing node");
        world.placed.push((p, n));
    }
    let mut outcomes = Vec::new();
    for p in incoming {
        let o = schedule_one(&world, &p);
        if let Some(a) = &o.assigned {
            let n = world
                .nodes
                .iter()
                .position(|n| &n.name == a)
                .expect("assigned node exists");
            world.placed.push((p, n));
        }
        outcomes.push(o);
    }
    outcomes
}
