//! InterPodAffinity's PreFilter and Filter.

use std::collections::HashMap;

use crate::cluster::matchers::{Links, MatcherIdx};
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

/// Matching pods per topology pair; entries are positive (upstream deletes zeros).
pub(crate) type Counts = HashMap<(Sym, Sym), i64>;

/// The PreFilter state: matching pods per topology pair.
#[derive(Debug, Default)]
pub(crate) struct PreFilterState {
    /// Pods matching all the incoming pod's required affinity terms.
    pub affinity: Counts,
    /// Pods matching the incoming pod's required anti-affinity terms.
    pub anti_affinity: Counts,
    /// Existing pods whose required anti-affinity terms match the incoming pod.
    pub existing_anti_affinity: Counts,
    /// Whether the incoming pod matches all of its own affinity terms (the
    /// first-pod rule).
    pub self_match: bool,
}

/// Which of a [`PreFilterState`]'s maps a source counts into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Map {
    Affinity,
    AntiAffinity,
    ExistingAntiAffinity,
}

/// Pods counted by `matcher` add to `map` at `(key, node's value)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Source {
    pub matcher: MatcherIdx,
    pub key: Sym,
    pub map: Map,
}

/// What the incoming pod's PreFilter counts: the pods matching all its required
/// affinity terms (once per term's key), the pods matching each required
/// anti-affinity term, and the existing pods whose required anti-affinity terms
/// select it.
pub(crate) fn sources(cluster: &Cluster, t: &Template, links: &Links) -> Vec<Source> {
    let pa = &t.pod_affinity;
    let mut out = Vec::new();
    if let Some(all) = links.affinity_all {
        out.extend(pa.required_affinity.iter().map(|term| Source {
            matcher: all,
            key: term.topology_key,
            map: Map::Affinity,
        }));
    }
    for (term, &m) in pa.required_anti_affinity.iter().zip(&links.anti_affinity) {
        out.push(Source {
            matcher: m,
            key: term.topology_key,
            map: Map::AntiAffinity,
        });
    }
    for &u in &cluster.matchers.with_terms {
        let Some(own) = cluster.matchers.links[u.index()].own else {
            continue;
        };
        for term in &cluster.templates[u.index()]
            .pod_affinity
            .required_anti_affinity
        {
            if term_matches(cluster, term, t) {
                out.push(Source {
                    matcher: own,
                    key: term.topology_key,
                    map: Map::ExistingAntiAffinity,
                });
            }
        }
    }
    out
}

impl PreFilterState {
    /// A state with nothing counted.
    pub(crate) fn empty(cluster: &Cluster, t: &Template) -> PreFilterState {
        let pa = &t.pod_affinity;
        PreFilterState {
            self_match: !pa.required_affinity.is_empty()
                && pa
                    .required_affinity
                    .iter()
                    .all(|term| term_matches(cluster, term, t)),
            ..PreFilterState::default()
        }
    }

    /// Adds `delta` pods of `source` on `node` (nothing when the node lacks the key).
    pub(crate) fn add(&mut self, cluster: &Cluster, source: &Source, node: NodeIdx, delta: i64) {
        let Some(v) = label(&cluster.nodes.labels[node.index()], source.key).filter(|_| delta != 0)
        else {
            return;
        };
        let counts = match source.map {
            Map::Affinity => &mut self.affinity,
            Map::AntiAffinity => &mut self.anti_affinity,
            Map::ExistingAntiAffinity => &mut self.existing_anti_affinity,
        };
        let entry = counts.entry((source.key, v)).or_insert(0);
        *entry += delta;
        if *entry == 0 {
            counts.remove(&(source.key, v));
        }
    }

    /// PreFilter's Skip: no required term, and no existing pod's required
    /// anti-affinity selects the pod.
    pub(crate) fn skips(&self, t: &Template) -> bool {
        self.existing_anti_affinity.is_empty()
            && t.pod_affinity.required_affinity.is_empty()
            && t.pod_affinity.required_anti_affinity.is_empty()
    }
}

/// PreFilter; `None` means Skip.
pub(crate) fn pre_filter(
    cluster: &Cluster,
    state: &ClusterState,
    t: &Template,
    links: &Links,
) -> Option<PreFilterState> {
    let mut s = PreFilterState::empty(cluster, t);
    for source in sources(cluster, t, links) {
        for node in cluster.node_indices() {
            s.add(
                cluster,
                &source,
                node,
                i64::from(state.matched(source.matcher, node)),
            );
        }
    }
    (!s.skips(t)).then_some(s)
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
