//! InterPodAffinity's PreFilter and Filter.

use std::collections::HashMap;

use crate::cluster::matchers::Links;
use crate::cluster::selector::label;
use crate::cluster::template::Template;
use crate::framework::{Code, Plugin, Rejection};
use crate::ids::{NodeIdx, Sym};
use crate::{Cluster, ClusterState};

use super::term_matches;

/// `ErrReasonExistingAntiAffinityRulesNotMatch`.
pub(crate) const REASON_EXISTING_ANTI: &str =
    "node(s) didn't satisfy existing pods anti-affinity rules";
/// `ErrReasonAffinityRulesNotMatch`.
pub(crate) const REASON_AFFINITY: &str = "node(s) didn't match pod affinity rules";
/// `ErrReasonAntiAffinityRulesNotMatch`.
pub(crate) const REASON_ANTI: &str = "node(s) didn't match pod anti-affinity rules";

type Counts = HashMap<(Sym, Sym), i64>;

/// The PreFilter state: matching pods per topology pair.
#[derive(Debug, Default)]
pub(crate) struct PreFilterState {
    /// Pods matching all the incoming pod's required affinity terms.
    affinity: Counts,
    /// Pods matching the incoming pod's required anti-affinity terms.
    anti_affinity: Counts,
    /// Existing pods whose required anti-affinity terms match the incoming pod.
    existing_anti_affinity: Counts,
    /// Whether the incoming pod matches all of its own affinity terms (the
    /// first-pod rule).
    self_match: bool,
}

fn add(counts: &mut Counts, cluster: &Cluster, node: NodeIdx, key: Sym, n: u32) {
    if n == 0 {
        return;
    }
    if let Some(v) = label(&cluster.nodes.labels[node.index()], key) {
        *counts.entry((key, v)).or_insert(0) += i64::from(n);
    }
}

/// PreFilter; `None` means Skip (no required terms, and no existing pod's required
/// anti-affinity selects the pod).
pub(crate) fn pre_filter(
    cluster: &Cluster,
    state: &ClusterState,
    t: &Template,
    links: &Links,
) -> Option<PreFilterState> {
    let pa = &t.pod_affinity;
    let mut s = PreFilterState::default();
    for &u in &cluster.matchers.with_terms {
        let tu = &cluster.templates[u.index()];
        let Some(own) = cluster.matchers.links[u.index()].own else {
            continue;
        };
        for term in &tu.pod_affinity.required_anti_affinity {
            if !term_matches(cluster, term, t) {
                continue;
            }
            for node in cluster.node_indices() {
                add(
                    &mut s.existing_anti_affinity,
                    cluster,
                    node,
                    term.topology_key,
                    state.matched(own, node),
                );
            }
        }
    }
    if s.existing_anti_affinity.is_empty()
        && pa.required_affinity.is_empty()
        && pa.required_anti_affinity.is_empty()
    {
        return None;
    }
    if let Some(all) = links.affinity_all {
        for node in cluster.node_indices() {
            let n = state.matched(all, node);
            for term in &pa.required_affinity {
                add(&mut s.affinity, cluster, node, term.topology_key, n);
            }
        }
        s.self_match = pa
            .required_affinity
            .iter()
            .all(|term| term_matches(cluster, term, t));
    }
    for (term, &m) in pa.required_anti_affinity.iter().zip(&links.anti_affinity) {
        for node in cluster.node_indices() {
            add(
                &mut s.anti_affinity,
                cluster,
                node,
                term.topology_key,
                state.matched(m, node),
            );
        }
    }
    Some(s)
}

/// Filter: affinity, then anti-affinity, then existing pods' anti-affinity.
pub(crate) fn filter(
    cluster: &Cluster,
    t: &Template,
    s: &PreFilterState,
    node: NodeIdx,
) -> Option<Rejection> {
    let labels = &cluster.nodes.labels[node.index()];
    let mut pods_exist = true;
    for term in &t.pod_affinity.required_affinity {
        match label(labels, term.topology_key) {
            // All topology labels must exist on the node.
            None => return Some(affinity_rejection()),
            Some(v) => {
                if s.affinity
                    .get(&(term.topology_key, v))
                    .copied()
                    .unwrap_or(0)
                    <= 0
                {
                    pods_exist = false;
                }
            }
        }
    }
    // The first pod of a series with affinity to itself may go anywhere its terms'
    // topologies exist, as long as no other pod matches.
    if !(pods_exist || s.affinity.is_empty() && s.self_match) {
        return Some(affinity_rejection());
    }
    if !s.anti_affinity.is_empty() {
        for term in &t.pod_affinity.required_anti_affinity {
            if let Some(v) = label(labels, term.topology_key)
                && s.anti_affinity
                    .get(&(term.topology_key, v))
                    .copied()
                    .unwrap_or(0)
                    > 0
            {
                return Some(Rejection::fixed(
                    Plugin::InterPodAffinity,
                    Code::Unschedulable,
                    REASON_ANTI,
                ));
            }
        }
    }
    if !s.existing_anti_affinity.is_empty()
        && labels
            .iter()
            .any(|&pair| s.existing_anti_affinity.get(&pair).copied().unwrap_or(0) > 0)
    {
        return Some(Rejection::fixed(
            Plugin::InterPodAffinity,
            Code::Unschedulable,
            REASON_EXISTING_ANTI,
        ));
    }
    None
}

fn affinity_rejection() -> Rejection {
    Rejection::fixed(
        Plugin::InterPodAffinity,
        Code::UnschedulableAndUnresolvable,
        REASON_AFFINITY,
    )
}
