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
    constraints: Vec<Constraint<'a>>,
    counts: Vec<HashMap<Sym, i64>>,
    min: Vec<i64>,
    self_match: Vec<bool>,
}

/// PreFilter (`calPreFilterState`); `None` means Skip (no hard constraint).
pub(crate) fn pre_filter<'a>(
    cluster: &Cluster,
    state: &ClusterState,
    statics: &Statics,
    t: &Template,
    constraints: Vec<Constraint<'a>>,
) -> Option<PreFilterState<'a>> {
    if constraints.is_empty() {
        return None;
    }
    let mut counts: Vec<HashMap<Sym, i64>> = vec![HashMap::new(); constraints.len()];
    for node in cluster.node_indices() {
        if !has_all_keys(cluster, &constraints, node) {
            continue;
        }
        for (i, c) in constraints.iter().enumerate() {
            if !c.includes(statics, node) {
                continue;
            }
            if let Some(v) = c.value(cluster, node) {
                *counts[i].entry(v).or_insert(0) += i64::from(state.matched(c.matcher, node));
            }
        }
    }
    let min = constraints
        .iter()
        .zip(&counts)
        .map(|(c, by_domain)| {
            if (by_domain.len() as i64) < c.min_domains {
                // Fewer eligible domains than minDomains: the global minimum is 0.
                0
            } else {
                by_domain
                    .values()
                    .copied()
                    .min()
                    .unwrap_or(i64::from(i32::MAX))
            }
        })
        .collect();
    let self_match = constraints
        .iter()
        .map(|c| c.selector.matches(&t.labels, &cluster.strings))
        .collect();
    Some(PreFilterState {
        constraints,
        counts,
        min,
        self_match,
    })
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
