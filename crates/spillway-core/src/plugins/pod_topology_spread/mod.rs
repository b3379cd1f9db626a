//! PodTopologySpread: spreads matching pods over topology domains. `DoNotSchedule`
//! constraints filter (skew), `ScheduleAnyway` constraints and the system default
//! constraints (for pods selected by a Service or owned by a ReplicaSet,
//! StatefulSet or ReplicationController) score.

pub(crate) mod filtering;
pub(crate) mod scoring;

use crate::Cluster;
use crate::cluster::matchers::{Links, MatcherIdx};
use crate::cluster::selector::{Selector, label};
use crate::cluster::template::Template;
use crate::framework::statics::Statics;
use crate::ids::{NodeIdx, Sym};

/// A system default constraint, resolved against the cluster's strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DefaultConstraint {
    /// `None` when no node or pod of the cluster names the key (no node has it).
    pub key: Option<Sym>,
    pub max_skew: i64,
    pub hard: bool,
}

/// One constraint as the plugin evaluates it (`topologySpreadConstraint`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Constraint<'a> {
    pub key: Option<Sym>,
    pub max_skew: i64,
    pub selector: &'a Selector,
    pub min_domains: i64,
    pub honor_node_affinity: bool,
    pub honor_node_taints: bool,
    pub matcher: MatcherIdx,
}

impl Constraint<'_> {
    /// The node's value for the constraint's key.
    #[inline]
    pub(crate) fn value(&self, cluster: &Cluster, node: NodeIdx) -> Option<Sym> {
        self.key
            .and_then(|k| label(&cluster.nodes.labels[node.index()], k))
    }

    /// `matchNodeInclusionPolicies`.
    #[inline]
    pub(crate) fn includes(&self, statics: &Statics, node: NodeIdx) -> bool {
        (!self.honor_node_affinity || statics.node_affinity_ok[node.index()])
            && (!self.honor_node_taints || statics.taints_ok[node.index()])
    }
}

/// The pod's constraints of one kind (`getConstraints` / `initPreScoreState`): its
/// own when it has any, else the system defaults over the default selector.
pub(crate) fn constraints<'a>(
    t: &'a Template,
    links: &Links,
    defaults: &[DefaultConstraint],
    hard: bool,
) -> Vec<Constraint<'a>> {
    if t.spread.has_own {
        let (cs, ms) = if hard {
            (&t.spread.hard, &links.spread_hard)
        } else {
            (&t.spread.soft, &links.spread_soft)
        };
        return cs
            .iter()
            .zip(ms)
            .map(|(c, &m)| Constraint {
                key: Some(c.topology_key),
                max_skew: c.max_skew,
                selector: &c.selector,
                min_domains: c.min_domains,
                honor_node_affinity: c.honor_node_affinity,
                honor_node_taints: c.honor_node_taints,
                matcher: m,
            })
            .collect();
    }
    let (Some(selector), Some(matcher)) = (&t.spread.default_selector, links.spread_default) else {
        return Vec::new();
    };
    defaults
        .iter()
        .filter(|d| d.hard == hard)
        .map(|d| Constraint {
            key: d.key,
            max_skew: d.max_skew,
            selector,
            min_domains: 1,
            honor_node_affinity: true,
            honor_node_taints: false,
            matcher,
        })
        .collect()
}

/// `nodeLabelsMatchSpreadConstraints`: the node has every constraint's key.
#[inline]
pub(crate) fn has_all_keys(
    cluster: &Cluster,
    constraints: &[Constraint<'_>],
    node: NodeIdx,
) -> bool {
    constraints.iter().all(|c| c.value(cluster, node).is_some())
}
