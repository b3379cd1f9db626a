//! PodTopologySpread's PreFilter and Filter (`DoNotSchedule` constraints).

use std::collections::HashMap;

use crate::cluster::template::Template;
use crate::framework::statics::Statics;
use crate::framework::{Code, Plugin, Rejection};
use crate::ids::{NodeIdx, Sym};
use crate::{Cluster, ClusterState};

use super::{Constraint, has_all_keys};

/// `ErrReasonConstraintsNotMatch`.
pub(crate) const REASON: &str = "node(s) didn't match pod topology spread constraints";
/// `ErrReasonNodeLabelNotMatch`.
pub(crate) const REASON_LABEL: &str =
    "node(s) didn't match pod topology spread constraints (missing required label)";

/// The PreFilter state: matching pods per domain of each constraint, and the global
/// minimum (already lowered to 0 when there are fewer domains than `minDomains`).
#[derive(Debug)]
pub(crate) struct PreFilterState<'a> {
    pub constraints: Vec<Constraint<'a>>,
    /// Per constraint, matching pods per eligible domain (every eligible domain has
    /// an entry, possibly 0).
    pub counts: Vec<HashMap<Sym, i64>>,
    pub min: Vec<i64>,
    self_match: Vec<bool>,
}

impl<'a> PreFilterState<'a> {
    /// A state with no pod counted yet (every count 0); `None` means Skip (no hard
    /// constraint).
    pub(crate) fn empty(
        cluster: &Cluster,
        statics: &Statics,
        t: &Template,
        constraints: Vec<Constraint<'a>>,
    ) -> Option<PreFilterState<'a>> {
        if constraints.is_empty() {
            return None;
        }
        let mut counts: Vec<HashMap<Sym, i64>> = vec![HashMap::new(); constraints.len()];
        for node in cluster.node_indices() {
            for (i, by_domain) in counts.iter_mut().enumerate() {
                if let Some(v) = eligible_domain(cluster, statics, &constraints, i, node) {
                    by_domain.insert(v, 0);
                }
            }
        }
        let self_match = constraints
            .iter()
            .map(|c| c.selector.matches(&t.labels, &cluster.strings))
            .collect();
        let min = vec![0; constraints.len()];
        Some(PreFilterState {
            constraints,
            counts,
            min,
            self_match,
        })
    }

    /// Sets each constraint's global minimum from `min_count`, the smallest count
    /// over its domains (`None` without domains).
    pub(crate) fn set_min(&mut self, i: usize, min_count: Option<i64>) {
        let c = &self.constraints[i];
        self.min[i] = if (self.counts[i].len() as i64) < c.min_domains {
            // Fewer eligible domains than minDomains: the global minimum is 0.
            0
        } else {
            min_count.unwrap_or(i64::from(i32::MAX))
        };
    }
}

/// The domain a node's pods count in for constraint `i`, if the node is eligible:
/// it has every constraint's key and passes the constraint's node inclusion
/// policies.
pub(crate) fn eligible_domain(
    cluster: &Cluster,
    statics: &Statics,
    constraints: &[Constraint<'_>],
    i: usize,
    node: NodeIdx,
) -> Option<Sym> {
    if !has_all_keys(cluster, constraints, node) || !constraints[i].includes(statics, node) {
        return None;
    }
    constraints[i].value(cluster, node)
}

/// PreFilter (`calPreFilterState`); `None` means Skip (no hard constraint).
pub(crate) fn pre_filter<'a>(
    cluster: &Cluster,
    state: &ClusterState,
    statics: &Statics,
    t: &Template,
    constraints: Vec<Constraint<'a>>,
) -> Option<PreFilterState<'a>> {
    let mut s = PreFilterState::empty(cluster, statics, t, constraints)?;
    for node in cluster.node_indices() {
        for i in 0..s.constraints.len() {
            if let Some(v) = eligible_domain(cluster, statics, &s.constraints, i, node)
                && let Some(count) = s.counts[i].get_mut(&v)
            {
                *count += i64::from(state.matched(s.constraints[i].matcher, node));
            }
        }
    }
    for i in 0..s.constraints.len() {
        let min = s.counts[i].values().copied().min();
        s.set_min(i, min);
    }
    Some(s)
}

/// Filter: the node must have every key, and placing the pod there must keep each
/// constraint's skew within `maxSkew`.
pub(crate) fn filter(
    cluster: &Cluster,
    s: &PreFilterState<'_>,
    node: NodeIdx,
) -> Option<Rejection> {
    for (i, c) in s.constraints.iter().enumerate() {
        let Some(v) = c.value(cluster, node) else {
            return Some(Rejection::fixed(
                Plugin::PodTopologySpread,
                Code::UnschedulableAndUnresolvable,
                REASON_LABEL,
            ));
        };
        let matching = s.counts[i].get(&v).copied().unwrap_or(0);
        let skew = matching + i64::from(s.self_match[i]) - s.min[i];
        if skew > c.max_skew {
            return Some(Rejection::fixed(
                Plugin::PodTopologySpread,
                Code::Unschedulable,
                REASON,
            ));
        }
    }
    None
}
