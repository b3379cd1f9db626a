//! InterPodAffinity's PreScore, Score and NormalizeScore.

use std::collections::HashMap;

use crate::cluster::matchers::{Links, MatcherIdx};
use crate::cluster::selector::label;
use crate::cluster::template::Template;
use crate::ids::{NodeIdx, Sym};
use crate::plugins::MAX_NODE_SCORE;
use crate::{Cluster, ClusterState};

use super::term_matches;

/// A weighted count: pods counted by `matcher` add `weight` per pod to the
/// topology pair `(key, node's value)` of their node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Contribution {
    pub matcher: MatcherIdx,
    pub key: Sym,
    pub weight: i64,
}

/// PreScore's sources of score for an incoming pod: its own preferred terms over
/// the pods they select, and the terms of existing pods that select it (required
/// affinity with `hardPodAffinityWeight`, preferred affinity and anti-affinity).
/// `None` when PreScore skips regardless of placements.
pub(crate) fn contributions(
    cluster: &Cluster,
    t: &Template,
    links: &Links,
    hard_pod_affinity_weight: i64,
    ignore_existing_preferred: bool,
) -> Option<Vec<Contribution>> {
    let pa = &t.pod_affinity;
    let has_constraints =
        !pa.preferred_affinity.is_empty() || !pa.preferred_anti_affinity.is_empty();
    if ignore_existing_preferred && !has_constraints {
        return None;
    }
    let c = |matcher, key, weight| Contribution {
        matcher,
        key,
        weight,
    };
    let mut out: Vec<Contribution> = pa
        .preferred_affinity
        .iter()
        .zip(&links.preferred_affinity)
        .map(|((w, term), &m)| c(m, term.topology_key, *w))
        .chain(
            pa.preferred_anti_affinity
                .iter()
                .zip(&links.preferred_anti_affinity)
                .map(|((w, term), &m)| c(m, term.topology_key, -*w)),
        )
        .collect();
    for &u in &cluster.matchers.with_terms {
        let Some(own) = cluster.matchers.links[u.index()].own else {
            continue;
        };
        let upa = &cluster.templates[u.index()].pod_affinity;
        if hard_pod_affinity_weight > 0 {
            for term in upa
                .required_affinity
                .iter()
                .filter(|term| term_matches(cluster, term, t))
            {
                out.push(c(own, term.topology_key, hard_pod_affinity_weight));
            }
        }
        for (w, term) in upa
            .preferred_affinity
            .iter()
            .filter(|(_, term)| term_matches(cluster, term, t))
        {
            out.push(c(own, term.topology_key, *w));
        }
        for (w, term) in upa
            .preferred_anti_affinity
            .iter()
            .filter(|(_, term)| term_matches(cluster, term, t))
        {
            out.push(c(own, term.topology_key, -*w));
        }
    }
    Some(out)
}

/// The PreScore state: summed weights per topology key and value.
pub(crate) type Topology = HashMap<Sym, HashMap<Sym, i64>>;

/// Whether a node's pods contribute: nodes without labels do not
/// (`processExistingPod`).
pub(crate) fn contributes(cluster: &Cluster, node: NodeIdx) -> bool {
    !cluster.nodes.labels[node.index()].is_empty()
}

/// Score: the summed weights of the topology pairs the node is in.
pub(crate) fn raw(cluster: &Cluster, topology: &Topology, node: NodeIdx) -> i64 {
    let labels = &cluster.nodes.labels[node.index()];
    topology
        .iter()
        .filter_map(|(key, values)| label(labels, *key).and_then(|v| values.get(&v)))
        .sum()
}

/// PreScore and Score of the feasible nodes; `None` when the plugin skips (no
/// pod contributes).
pub(crate) fn score(
    cluster: &Cluster,
    state: &ClusterState,
    contributions: &[Contribution],
    feasible: &[NodeIdx],
) -> Option<Vec<i64>> {
    let mut topology = Topology::new();
    for node in cluster.node_indices().filter(|&n| contributes(cluster, n)) {
        let labels = &cluster.nodes.labels[node.index()];
        for c in contributions {
            let n = state.matched(c.matcher, node);
            if n == 0 {
                continue;
            }
            if let Some(v) = label(labels, c.key) {
                *topology.entry(c.key).or_default().entry(v).or_insert(0) +=
                    c.weight * i64::from(n);
            }
        }
    }
    if topology.is_empty() {
        return None;
    }
    Some(
        feasible
            .iter()
            .map(|&node| raw(cluster, &topology, node))
            .collect(),
    )
}

/// NormalizeScore: min-max scaled to 0-100 over the feasible nodes.
pub(crate) fn normalize(raw: &[i64]) -> Vec<i64> {
    let min = raw.iter().copied().min().unwrap_or(0);
    let max = raw.iter().copied().max().unwrap_or(0);
    raw.iter().map(|&s| normalized(s, min, max)).collect()
}

/// One node's normalised score.
pub(crate) fn normalized(raw: i64, min: i64, max: i64) -> i64 {
    let diff = max - min;
    if diff > 0 {
        (MAX_NODE_SCORE as f64 * ((raw - min) as f64 / diff as f64)) as i64
    } else {
        0
    }
}
