//! PodTopologySpread (`plugins/podtopologyspread/{common,filtering,scoring}.go`).
//!
//! Upstream quirks kept on purpose:
//! * `countPodsMatchSelector` returns 0 for a selector without requirements
//!   (`labelSelector: {}`), while the self-match and the preemption `RemovePod`
//!   update use `Selector.Matches` (kubernetes#141339, fixed after v1.35);
//! * with system default constraints nodes missing a topology key are not ignored
//!   when scoring, and the empty value becomes a domain of its own for the
//!   normalizing weight;
//! * the hostname constraint is counted per node at Score time, without the node
//!   inclusion policies.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use spillway_core::spec::{
    LabelSelector, Node, Pod, SpreadPolicy, TopologySpreadConstraint, UnsatisfiableAction,
};

use super::labels::{
    Selector, has_untolerated_do_not_schedule_taint, required_node_affinity_matches,
};
use super::{Code, Rejection, World};

pub const HOSTNAME: &str = "kubernetes.io/hostname";
pub const ZONE: &str = "topology.kubernetes.io/zone";

/// The parsed `topologySpreadConstraint`.
#[derive(Debug, Clone)]
pub struct Constraint {
    pub max_skew: i64,
    pub topology_key: String,
    pub selector: Selector,
    pub min_domains: i64,
    pub node_affinity_honor: bool,
    pub node_taints_honor: bool,
}

impl Constraint {
    /// `matchNodeInclusionPolicies`.
    fn includes_node(&self, pod: &Pod, node: &Node) -> bool {
        if self.node_affinity_honor && !required_node_affinity_matches(pod, node) {
            return false;
        }
        if self.node_taints_honor && has_untolerated_do_not_schedule_taint(node, &pod.tolerations) {
            return false;
        }
        true
    }
}

/// `filterTopologySpreadConstraints` (the pod's matchLabelKeys were merged into the
/// selector at admission, which is idempotent with the scheduler's own merge).
fn own_constraints(pod: &Pod, action: UnsatisfiableAction) -> Vec<Constraint> {
    pod.topology_spread_constraints
        .iter()
        .filter(|c| c.when_unsatisfiable == action)
        .map(|c: &TopologySpreadConstraint| Constraint {
            max_skew: i64::from(c.max_skew),
            topology_key: c.topology_key.clone(),
            selector: Selector::from_label_selector(c.label_selector.as_ref()),
            min_domains: i64::from(c.min_domains.unwrap_or(1)),
            node_affinity_honor: c.node_affinity_policy != Some(SpreadPolicy::Ignore),
            node_taints_honor: c.node_taints_policy == Some(SpreadPolicy::Honor),
        })
        .collect()
}

/// `buildDefaultConstraints` with the system defaults (hostname maxSkew 3, zone
/// maxSkew 5, both ScheduleAnyway).
fn default_constraints(pod: &Pod, action: UnsatisfiableAction) -> Vec<Constraint> {
    if action != UnsatisfiableAction::ScheduleAnyway {
        return Vec::new();
    }
    let selector = match &pod.default_spread_selector {
        None => return Vec::new(),
        Some(s) => Selector::from_label_selector(Some::<&LabelSelector>(s)),
    };
    if selector.is_empty() {
        return Vec::new();
    }
    [(HOSTNAME, 3), (ZONE, 5)]
        .into_iter()
        .map(|(key, skew)| Constraint {
            max_skew: skew,
            topology_key: key.to_string(),
            selector: selector.clone(),
            min_domains: 1,
            node_affinity_honor: true,
            node_taints_honor: false,
        })
        .collect()
}

fn constraints(pod: &Pod, action: UnsatisfiableAction) -> Vec<Constraint> {
    if pod.topology_spread_constraints.is_empty() {
        default_constraints(pod, action)
    } else {
        own_constraints(pod, action)
    }
}

/// `nodeLabelsMatchSpreadConstraints`.
fn node_has_all_keys(node: &Node, cs: &[Constraint]) -> bool {
    cs.iter().all(|c| node.labels.contains_key(&c.topology_key))
}

/// `countPodsMatchSelector`.
fn count_pods_match_selector<'a>(
    pods: impl Iterator<Item = &'a Pod>,
    selector: &Selector,
    namespace: &str,
) -> i64 {
    if selector.is_empty() {
        return 0;
    }
    pods.filter(|p| p.namespace == namespace && selector.matches(&p.labels))
        .count() as i64
}

/// The PreFilter state.
#[derive(Debug, Clone)]
pub struct FilterState {
    constraints: Vec<Constraint>,
    /// Per constraint: topology value -> matching pods.
    tp_value_to_match_num: Vec<BTreeMap<String, i64>>,
}

/// `PodTopologySpread.PreFilter`; `None` is Skip (no hard constraints).
pub fn pre_filter(world: &World, pod: &Pod) -> Option<FilterState> {
    let cs = constraints(pod, UnsatisfiableAction::DoNotSchedule);
    if cs.is_empty() {
        return None;
    }
    let mut counts = vec![BTreeMap::new(); cs.len()];
    for (n, node) in world.nodes.iter().enumerate() {
        if !node_has_all_keys(node, &cs) {
            continue;
        }
        for (i, c) in cs.iter().enumerate() {
            if !c.includes_node(pod, node) {
                continue;
            }
            let value = node.labels[&c.topology_key].clone();
            let count = count_pods_match_selector(world.pods_on(n), &c.selector, &pod.namespace);
            *counts[i].entry(value).or_insert(0) += count;
        }
    }
    Some(FilterState {
        constraints: cs,
        tp_value_to_match_num: counts,
    })
}

/// `PodTopologySpread.RemovePod` (`updateWithPod` with delta -1), as preemption's
/// dry run applies it for each victim.
pub fn remove_pod(state: &mut FilterState, preemptor: &Pod, victim: &Pod, node: &Node) {
    if victim.namespace != preemptor.namespace {
        return;
    }
    if !node_has_all_keys(node, &state.constraints) {
        return;
    }
    for (i, c) in state.constraints.iter().enumerate() {
        if !c.selector.matches(&victim.labels) {
            continue;
        }
        if !c.includes_node(preemptor, node) {
            continue;
        }
        let value = node.labels[&c.topology_key].clone();
        *state.tp_value_to_match_num[i].entry(value).or_insert(0) -= 1;
    }
}

/// `PodTopologySpread.Filter`.
pub fn filter(state: &FilterState, pod: &Pod, node: &Node) -> Option<Rejection> {
    for (i, c) in state.constraints.iter().enumerate() {
        let Some(tp_val) = node.labels.get(&c.topology_key) else {
            return Some(Rejection::new(
                "PodTopologySpread",
                Code::UnschedulableAndUnresolvable,
                "node(s) didn't match pod topology spread constraints (missing required label)",
            ));
        };
        let counts = &state.tp_value_to_match_num[i];
        let mut min_match = counts
            .values()
            .copied()
            .min()
            .unwrap_or(i64::from(i32::MAX));
        if (counts.len() as i64) < c.min_domains {
            min_match = 0;
        }
        let self_match = i64::from(c.selector.matches(&pod.labels));
        let match_num = counts.get(tp_val).copied().unwrap_or(0);
        if match_num + self_match - min_match > c.max_skew {
            return Some(Rejection::new(
                "PodTopologySpread",
                Code::Unschedulable,
                "node(s) didn't match pod topology spread constraints",
            ));
        }
    }
    None
}

/// `PreScore` + `Score` + `NormalizeScore` over the feasible nodes; `None` is Skip.
/// Returns (raw, normalized) in the order of `feasible`.
pub fn score(world: &World, pod: &Pod, feasible: &[usize]) -> Option<(Vec<i64>, Vec<i64>)> {
    if world.nodes.is_empty() {
        return None;
    }
    let own = !pod.topology_spread_constraints.is_empty();
    // PodTopologySpreadArgs.defaultingType is System.
    let require_all_topologies = own;
    let cs = constraints(pod, UnsatisfiableAction::ScheduleAnyway);
    if cs.is_empty() {
        return None;
    }

    // initPreScoreState
    let mut ignored = vec![false; world.nodes.len()];
    let mut counts: Vec<BTreeMap<String, i64>> = vec![BTreeMap::new(); cs.len()];
    let mut topo_size = vec![0usize; cs.len()];
    for &n in feasible {
        let node = &world.nodes[n];
        if require_all_topologies && !node_has_all_keys(node, &cs) {
            ignored[n] = true;
            continue;
        }
        for (i, c) in cs.iter().enumerate() {
            if c.topology_key == HOSTNAME {
                continue;
            }
            let value = node
                .labels
                .get(&c.topology_key)
                .cloned()
                .unwrap_or_default();
            if let Entry::Vacant(e) = counts[i].entry(value) {
                e.insert(0);
                topo_size[i] += 1;
            }
        }
    }
    let num_ignored = feasible.iter().filter(|n| ignored[**n]).count();
    let weights: Vec<f64> = cs
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let size = if c.topology_key == HOSTNAME {
                feasible.len() - num_ignored
            } else {
                topo_size[i]
            };
            ((size + 2) as f64).ln()
        })
        .collect();

    // processAllNode
    for (n, node) in world.nodes.iter().enumerate() {
        if require_all_topologies && !node_has_all_keys(node, &cs) {
            continue;
        }
        for (i, c) in cs.iter().enumerate() {
            if !c.includes_node(pod, node) {
                continue;
            }
            let value = node
                .labels
                .get(&c.topology_key)
                .cloned()
                .unwrap_or_default();
            if let Some(slot) = counts[i].get_mut(&value) {
                *slot += count_pods_match_selector(world.pods_on(n), &c.selector, &pod.namespace);
            }
        }
    }

    // Score
    let raw: Vec<i64> = feasible
        .iter()
        .map(|&n| {
            if ignored[n] {
                return 0;
            }
            let node = &world.nodes[n];
            let mut score = 0.0f64;
            for (i, c) in cs.iter().enumerate() {
                if let Some(v) = node.labels.get(&c.topology_key) {
                    let cnt = if c.topology_key == HOSTNAME {
                        count_pods_match_selector(world.pods_on(n), &c.selector, &pod.namespace)
                    } else {
                        counts[i][v]
                    };
                    score += cnt as f64 * weights[i] + (c.max_skew - 1) as f64;
                }
            }
            score.round() as i64
        })
        .collect();

    // NormalizeScore
    let mut min_score = i64::MAX;
    let mut max_score = 0i64;
    for (k, &n) in feasible.iter().enumerate() {
        if ignored[n] {
            continue;
        }
        min_score = min_score.min(raw[k]);
        max_score = max_score.max(raw[k]);
    }
    let normalized = feasible
        .iter()
        .enumerate()
        .map(|(k, &n)| {
            if ignored[n] {
                0
            } else if max_score == 0 {
                100
            } else {
                100 * (max_score + min_score - raw[k]) / max_score
            }
        })
        .collect();
    Some((raw, normalized))
}
