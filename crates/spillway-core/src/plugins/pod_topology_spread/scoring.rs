//! PodTopologySpread's PreScore, Score and NormalizeScore (`ScheduleAnyway`
//! constraints and the system defaults).

use std::collections::{HashMap, HashSet};

use crate::cluster::selector::label;
use crate::framework::statics::Statics;
use crate::ids::{NodeIdx, Sym};
use crate::plugins::MAX_NODE_SCORE;
use crate::{Cluster, ClusterState};

use super::{Constraint, has_all_keys};

/// `v1.LabelHostname`: its counts are per node and read at Score time.
pub(crate) const HOSTNAME: &str = "kubernetes.io/hostname";

/// Raw scores of the feasible nodes. `ignored[i]` marks nodes missing a key
/// (scored 0 after normalising).
pub(crate) struct Scores {
    pub raw: Vec<i64>,
    pub ignored: Vec<bool>,
}

/// `topologyNormalizingWeight`.
pub(crate) fn normalizing_weight(size: usize) -> f64 {
    ((size + 2) as f64).ln()
}

/// The PreScore state (`preScoreState`): matching pods per domain of each
/// non-hostname constraint, and each constraint's normalising weight.
#[derive(Debug)]
pub(crate) struct SoftState<'a> {
    pub constraints: Vec<Constraint<'a>>,
    /// upstream's `requireAllTopologies`.
    pub require_all: bool,
    /// Per constraint, matching pods per domain value (`None`: the empty value
    /// before any pod interned it).
    pub counts: Vec<HashMap<Option<Sym>, i64>>,
    pub weights: Vec<f64>,
    hostname: Option<Sym>,
    empty: Option<Sym>,
}

impl<'a> SoftState<'a> {
    /// An empty state; `counts` and `weights` are filled by the caller.
    pub(crate) fn new(
        cluster: &Cluster,
        constraints: Vec<Constraint<'a>>,
        require_all: bool,
    ) -> SoftState<'a> {
        let n = constraints.len();
        SoftState {
            constraints,
            require_all,
            counts: vec![HashMap::new(); n],
            weights: vec![0.0; n],
            hostname: cluster.strings.get(HOSTNAME),
            empty: cluster.strings.get(""),
        }
    }

    /// Whether constraint `i` counts per node (hostname) instead of per domain.
    pub(crate) fn is_hostname(&self, i: usize) -> bool {
        let key = self.constraints[i].key;
        key.is_some() && key == self.hostname
    }

    /// The domain a node counts in for constraint `i`: a node without the key
    /// counts in the domain of the empty value when not all keys are required
    /// (upstream reads the missing label as "").
    pub(crate) fn domain(&self, cluster: &Cluster, i: usize, node: NodeIdx) -> Option<Sym> {
        self.constraints[i].value(cluster, node).or(self.empty)
    }

    /// Nodes missing one of the keys, when all are required, are not scored.
    pub(crate) fn ignored(&self, cluster: &Cluster, node: NodeIdx) -> bool {
        self.require_all && !has_all_keys(cluster, &self.constraints, node)
    }

    /// Whether `node`'s pods count toward constraint `i` (PreScore's
    /// `processAllNode`).
    pub(crate) fn counts_node(
        &self,
        cluster: &Cluster,
        statics: &Statics,
        i: usize,
        node: NodeIdx,
    ) -> bool {
        !self.is_hostname(i)
            && !self.ignored(cluster, node)
            && self.constraints[i].includes(statics, node)
    }

    /// Score of a node that is not ignored: each constraint whose key the node has
    /// adds `count × weight + maxSkew − 1`; the sum is rounded.
    pub(crate) fn raw(&self, cluster: &Cluster, state: &ClusterState, node: NodeIdx) -> i64 {
        let labels = &cluster.nodes.labels[node.index()];
        let mut score = 0f64;
        for (i, c) in self.constraints.iter().enumerate() {
            let Some(v) = c.key.and_then(|k| label(labels, k)) else {
                continue;
            };
            let count = if self.is_hostname(i) {
                i64::from(state.matched(c.matcher, node))
            } else {
                self.counts[i].get(&Some(v)).copied().unwrap_or(0)
            };
            score += count as f64 * self.weights[i] + (c.max_skew - 1) as f64;
        }
        score.round() as i64
    }
}

/// PreScore and Score over the feasible nodes; `None` when the plugin skips (no
/// soft constraint). `require_all` is upstream's `requireAllTopologies` (the pod has
/// its own constraints, or the profile is not system-defaulted).
pub(crate) fn score(
    cluster: &Cluster,
    state: &ClusterState,
    statics: &Statics,
    constraints: Vec<Constraint<'_>>,
    require_all: bool,
    feasible: &[NodeIdx],
) -> Option<Scores> {
    if constraints.is_empty() {
        return None;
    }
    let mut s = SoftState::new(cluster, constraints, require_all);
    let ignored: Vec<bool> = feasible.iter().map(|&n| s.ignored(cluster, n)).collect();
    let scored = feasible
        .iter()
        .zip(&ignored)
        .filter(|(_, i)| !**i)
        .map(|(n, _)| *n);
    for i in 0..s.constraints.len() {
        if s.is_hostname(i) {
            s.weights[i] = normalizing_weight(scored.clone().count());
            continue;
        }
        let domains: HashSet<Option<Sym>> =
            scored.clone().map(|n| s.domain(cluster, i, n)).collect();
        s.weights[i] = normalizing_weight(domains.len());
        s.counts[i] = domains.into_iter().map(|d| (d, 0)).collect();
    }
    for node in cluster.node_indices() {
        for i in 0..s.constraints.len() {
            if !s.counts_node(cluster, statics, i, node) {
                continue;
            }
            let d = s.domain(cluster, i, node);
            if let Some(count) = s.counts[i].get_mut(&d) {
                *count += i64::from(state.matched(s.constraints[i].matcher, node));
            }
        }
    }
    let raw = feasible
        .iter()
        .zip(&ignored)
        .map(|(&node, &ign)| if ign { 0 } else { s.raw(cluster, state, node) })
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
    let (min, max) = (
        considered.clone().min().unwrap_or(i64::MAX),
        considered.max().unwrap_or(0).max(0),
    );
    scores
        .raw
        .iter()
        .zip(&scores.ignored)
        .map(|(&s, &ign)| normalized(s, ign, min, max))
        .collect()
}

/// One node's normalised score given the minimum and maximum raw scores of the
/// scored nodes.
pub(crate) fn normalized(raw: i64, ignored: bool, min: i64, max: i64) -> i64 {
    if ignored {
        0
    } else if max == 0 {
        MAX_NODE_SCORE
    } else {
        MAX_NODE_SCORE * (max + min - raw) / max
    }
}
