//! InterPodAffinity's PreScore, Score and NormalizeScore.

use std::collections::HashMap;

use crate::cluster::matchers::Links;
use crate::cluster::selector::label;
use crate::cluster::template::Template;
use crate::ids::{NodeIdx, Sym};
use crate::plugins::MAX_NODE_SCORE;
use crate::{Cluster, ClusterState};

use super::term_matches;

/// PreScore and Score: each feasible node's summed weights over the topology pairs
/// it is in; `None` when the plugin skips (nothing contributes).
pub(crate) fn score(
    cluster: &Cluster,
    state: &ClusterState,
    t: &Template,
    links: &Links,
    hard_pod_affinity_weight: i64,
    ignore_existing_preferred: bool,
    feasible: &[NodeIdx],
) -> Option<Vec<i64>> {
    let pa = &t.pod_affinity;
    let has_constraints =
        !pa.preferred_affinity.is_empty() || !pa.preferred_anti_affinity.is_empty();
    if ignore_existing_preferred && !has_constraints {
        return None;
    }
    // Terms of existing templates that select the incoming pod, with their weights.
    let mut symmetric: Vec<(crate::cluster::matchers::MatcherIdx, Sym, i64)> = Vec::new();
    for &u in &cluster.matchers.with_terms {
        let tu = &cluster.templates[u.index()];
        let Some(own) = cluster.matchers.links[u.index()].own else {
            continue;
        };
        let upa = &tu.pod_affinity;
        if hard_pod_affinity_weight > 0 {
            for term in &upa.required_affinity {
                if term_matches(cluster, term, t) {
                    symmetric.push((own, term.topology_key, hard_pod_affinity_weight));
                }
            }
        }
        for (w, term) in &upa.preferred_affinity {
            if term_matches(cluster, term, t) {
                symmetric.push((own, term.topology_key, *w));
            }
        }
        for (w, term) in &upa.preferred_anti_affinity {
            if term_matches(cluster, term, t) {
                symmetric.push((own, term.topology_key, -*w));
            }
        }
    }
    let incoming = pa
        .preferred_affinity
        .iter()
        .zip(&links.preferred_affinity)
        .map(|((w, term), &m)| (m, term.topology_key, *w))
        .chain(
            pa.preferred_anti_affinity
                .iter()
                .zip(&links.preferred_anti_affinity)
                .map(|((w, term), &m)| (m, term.topology_key, -*w)),
        );
    let contributions: Vec<_> = incoming.chain(symmetric).collect();

    let mut topology: HashMap<Sym, HashMap<Sym, i64>> = HashMap::new();
    for node in cluster.node_indices() {
        let labels = &cluster.nodes.labels[node.index()];
        if labels.is_empty() {
            continue;
        }
        for &(m, key, weight) in &contributions {
            let n = state.matched(m, node);
            if n == 0 {
                continue;
            }
            if let Some(v) = label(labels, key) {
                *topology.entry(key).or_default().entry(v).or_insert(0) += weight * i64::from(n);
            }
        }
    }
    if topology.is_empty() {
        return None;
    }
    Some(
        feasible
            .iter()
            .map(|&node| {
                let labels = &cluster.nodes.labels[node.index()];
                topology
                    .iter()
                    .filter_map(|(key, values)| label(labels, *key).and_then(|v| values.get(&v)))
                    .sum()
            })
            .collect(),
    )
}

/// NormalizeScore: min-max scaled to 0-100 over the feasible nodes.
pub(crate) fn normalize(raw: &[i64]) -> Vec<i64> {
    let min = raw.iter().copied().min().unwrap_or(0);
    let max = raw.iter().copied().max().unwrap_or(0);
    let diff = max - min;
    raw.iter()
        .map(|&s| {
            if diff > 0 {
                (MAX_NODE_SCORE as f64 * ((s - min) as f64 / diff as f64)) as i64
            } else {
                0
            }
        })
        .collect()
}
