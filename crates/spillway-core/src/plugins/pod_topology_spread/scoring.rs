//! PodTopologySpread's PreScore, Score and NormalizeScore (`ScheduleAnyway`
//! constraints and the system defaults).

use std::collections::HashMap;

use crate::cluster::selector::label;
use crate::framework::statics::Statics;
use crate::ids::{NodeIdx, Sym};
use crate::plugins::MAX_NODE_SCORE;
use crate::{Cluster, ClusterState};

use super::{Constraint, has_all_keys};

/// `v1.LabelHostname`: its counts are per node and read at Score time.
pub(crate) const HOSTNAME: &str = "kubernetes.io/hostname";

/// Raw scores of the feasible nodes, or `None` when the plugin skips (no soft
/// constraint). `ignored[i]` marks nodes missing a key (scored 0 after normalising).
pub(crate) struct Scores {
    pub raw: Vec<i64>,
    pub ignored: Vec<bool>,
}

/// `topologyNormalizingWeight`.
fn normalizing_weight(size: usize) -> f64 {
    ((size + 2) as f64).ln()
}

/// PreScore and Score over the feasible nodes. `require_all` is upstream's
/// `requireAllTopologies` (the pod has its own constraints, or the profile is not
/// system-defaulted).
pub(crate) fn score(
    cluster: &Cluster,
    state: &ClusterState,
    statics: &Statics,
    constraints: &[Constraint<'_>],
    require_all: bool,
    feasible: &[NodeIdx],
) -> Option<Scores> {
    if constraints.is_empty() {
        return None;
    }
    let hostname = cluster.strings.get(HOSTNAME);
    let is_hostname = |c: &Constraint<'_>| c.key.is_some() && c.key == hostname;
    // A node without the key counts in the domain of the empty value when not all
    // keys are required (upstream reads the missing label as "").
    let empty = cluster.strings.get("");
    let value_or_empty = |c: &Constraint<'_>, node| c.value(cluster, node).or(empty);

    let mut ignored = vec![false; feasible.len()];
    let mut counts: Vec<HashMap<Option<Sym>, i64>> = vec![HashMap::new(); constraints.len()];
    for (j, &node) in feasible.iter().enumerate() {
        if require_all && !has_all_keys(cluster, constraints, node) {
            ignored[j] = true;
            continue;
        }
        for (i, c) in constraints.iter().enumerate() {
            if !is_hostname(c) {
                counts[i].entry(value_or_empty(c, node)).or_insert(0);
            }
        }
    }
    let scored_nodes = ignored.iter().filter(|i| !**i).count();
    let weights: Vec<f64> = constraints
        .iter()
        .zip(&counts)
        .map(|(c, by_domain)| {
            normalizing_weight(if is_hostname(c) {
                scored_nodes
            } else {
                by_domain.len()
            })
        })
        .collect();

    for node in cluster.node_indices() {
        if require_all && !has_all_keys(cluster, constraints, node) {
            continue;
        }
        for (i, c) in constraints.iter().enumerate() {
            if is_hostname(c) || !c.includes(statics, node) {
                continue;
            }
            if let Some(count) = counts[i].get_mut(&value_or_empty(c, node)) {
                *count += i64::from(state.matched(c.matcher, node));
            }
        }
    }

    let raw = feasible
        .iter()
        .zip(&ignored)
        .map(|(&node, &ign)| {
            if ign {
                return 0;
            }
            let mut score = 0f64;
            for (i, c) in constraints.iter().enumerate() {
                let Some(v) = c
                    .key
                    .and_then(|k| label(&cluster.nodes.labels[node.index()], k))
                else {
                    continue;
                };
                let count = if is_hostname(c) {
                    i64::from(state.matched(c.matcher, node))
                } else {
                    counts[i].get(&Some(v)).copied().unwrap_or(0)
                };
                score += count as f64 * weights[i] + (c.max_skew - 1) as f64;
            }
            score.round() as i64
        })
        .collect();
    Some(Scores { raw, ignored })
}

/// NormalizeScore: fewer matching pods score higher; ignored nodes score 0.
pub(crate) fn normalize(scores: &Scores) -> Vec<i64> {
    let considered = scores
        .raw
        .iter()
        .zip(&scores.ignored)
        .filter(|(_, i)| !**i)
        .map(|(s, _)| *s);
    let min = considered.clone().min().unwrap_or(i64::MAX);
    let max = considered.max().unwrap_or(0).max(0);
    scores
        .raw
        .iter()
        .zip(&scores.ignored)
        .map(|(&s, &ign)| {
            if ign {
                0
            } else if max == 0 {
                MAX_NODE_SCORE
            } else {
                MAX_NODE_SCORE * (max + min - s) / max
            }
        })
        .collect()
}
