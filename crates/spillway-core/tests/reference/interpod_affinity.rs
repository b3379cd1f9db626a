//! InterPodAffinity (`plugins/interpodaffinity/{filtering,scoring,plugin}.go` and
//! the `AffinityTerm` helpers of `pkg/scheduler/framework/types.go`).

use std::collections::{BTreeMap, BTreeSet};

use spillway_core::spec::{Labels, Node, Pod, PodAffinityTerm};

use super::labels::Selector;
use super::{Code, Rejection, World};

/// `fwk.AffinityTerm`.
#[derive(Debug, Clone)]
pub struct AffinityTerm {
    pub namespaces: BTreeSet<String>,
    pub selector: Selector,
    pub topology_key: String,
    pub namespace_selector: Selector,
}

impl AffinityTerm {
    /// `newAffinityTerm` (with `getNamespacesFromPodAffinityTerm`).
    fn new(owner: &Pod, term: &PodAffinityTerm) -> AffinityTerm {
        let namespaces = if term.namespaces.is_empty() && term.namespace_selector.is_none() {
            BTreeSet::from([owner.namespace.clone()])
        } else {
            term.namespaces.iter().cloned().collect()
        };
        AffinityTerm {
            namespaces,
            selector: Selector::from_label_selector(term.label_selector.as_ref()),
            topology_key: term.topology_key.clone(),
            namespace_selector: Selector::from_label_selector(term.namespace_selector.as_ref()),
        }
    }

    /// `AffinityTerm.Matches`.
    pub fn matches(&self, pod: &Pod, ns_labels: &Labels) -> bool {
        if self.namespaces.contains(&pod.namespace) || self.namespace_selector.matches(ns_labels) {
            return self.selector.matches(&pod.labels);
        }
        false
    }

    /// `mergeAffinityTermNamespacesIfNotEmpty`: the incoming pod's namespace selector
    /// is resolved against the namespace lister, unless it selects everything.
    fn merge_namespaces(&mut self, world: &World) {
        if self.namespace_selector.is_empty() {
            return;
        }
        for (name, labels) in &world.namespaces {
            if self.namespace_selector.matches(labels) {
                self.namespaces.insert(name.clone());
            }
        }
        self.namespace_selector = Selector::Nothing;
    }
}

/// `PodInfo.RequiredAffinityTerms`.
fn required_affinity_terms(pod: &Pod) -> Vec<AffinityTerm> {
    pod.pod_affinity
        .iter()
        .flat_map(|a| a.required.iter())
        .map(|t| AffinityTerm::new(pod, t))
        .collect()
}

/// `PodInfo.RequiredAntiAffinityTerms`.
fn required_anti_affinity_terms(pod: &Pod) -> Vec<AffinityTerm> {
    pod.pod_anti_affinity
        .iter()
        .flat_map(|a| a.required.iter())
        .map(|t| AffinityTerm::new(pod, t))
        .collect()
}

/// `PodInfo.PreferredAffinityTerms` with weights.
fn preferred_affinity_terms(pod: &Pod) -> Vec<(AffinityTerm, i64)> {
    pod.pod_affinity
        .iter()
        .flat_map(|a| a.preferred.iter())
        .map(|t| (AffinityTerm::new(pod, &t.term), i64::from(t.weight)))
        .collect()
}

/// `PodInfo.PreferredAntiAffinityTerms` with weights.
fn preferred_anti_affinity_terms(pod: &Pod) -> Vec<(AffinityTerm, i64)> {
    pod.pod_anti_affinity
        .iter()
        .flat_map(|a| a.preferred.iter())
        .map(|t| (AffinityTerm::new(pod, &t.term), i64::from(t.weight)))
        .collect()
}

/// `podMatchesAllAffinityTerms` (the terms' namespace selectors were merged, so no
/// namespace labels are passed).
fn pod_matches_all_affinity_terms(terms: &[AffinityTerm], pod: &Pod) -> bool {
    if terms.is_empty() {
        return false;
    }
    let nil = Labels::new();
    terms.iter().all(|t| t.matches(pod, &nil))
}

type Counts = BTreeMap<(String, String), i64>;

fn bump(m: &mut Counts, node: &Node, key: &str, v: i64) {
    if let Some(tv) = node.labels.get(key) {
        *m.entry((key.to_string(), tv.clone())).or_insert(0) += v;
    }
}

/// The PreFilter state.
#[derive(Debug, Clone)]
pub struct FilterState {
    existing_anti_affinity_counts: Counts,
    affinity_counts: Counts,
    anti_affinity_counts: Counts,
    required_affinity: Vec<AffinityTerm>,
    required_anti_affinity: Vec<AffinityTerm>,
    pod: Pod,
}

/// `InterPodAffinity.PreFilter`; `None` is Skip.
pub fn pre_filter(world: &World, pod: &Pod) -> Option<FilterState> {
    let mut required_affinity = required_affinity_terms(pod);
    let mut required_anti_affinity = required_anti_affinity_terms(pod);
    for t in required_affinity
        .iter_mut()
        .chain(required_anti_affinity.iter_mut())
    {
        t.merge_namespaces(world);
    }
    let ns_labels = world.namespace_labels(&pod.namespace);

    // getExistingAntiAffinityCounts
    let mut existing = Counts::new();
    for (n, node) in world.nodes.iter().enumerate() {
        for existing_pod in world.pods_on(n) {
            for t in required_anti_affinity_terms(existing_pod) {
                if t.matches(pod, &ns_labels) {
                    bump(&mut existing, node, &t.topology_key, 1);
                }
            }
        }
    }

    // getIncomingAffinityAntiAffinityCounts
    let mut affinity = Counts::new();
    let mut anti = Counts::new();
    if !required_affinity.is_empty() || !required_anti_affinity.is_empty() {
        let nil = Labels::new();
        for (n, node) in world.nodes.iter().enumerate() {
            for existing_pod in world.pods_on(n) {
                if pod_matches_all_affinity_terms(&required_affinity, existing_pod) {
                    for t in &required_affinity {
                        bump(&mut affinity, node, &t.topology_key, 1);
                    }
                }
                for t in &required_anti_affinity {
                    if t.matches(existing_pod, &nil) {
                        bump(&mut anti, node, &t.topology_key, 1);
                    }
                }
            }
        }
    }

    if existing.is_empty() && required_affinity.is_empty() && required_anti_affinity.is_empty() {
        return None;
    }
    Some(FilterState {
        existing_anti_affinity_counts: existing,
        affinity_counts: affinity,
        anti_affinity_counts: anti,
        required_affinity,
        required_anti_affinity,
        pod: pod.clone(),
    })
}

fn count(m: &Counts, key: &str, value: &str) -> i64 {
    m.get(&(key.to_string(), value.to_string()))
        .copied()
        .unwrap_or(0)
}

/// `satisfyPodAffinity`.
fn satisfy_pod_affinity(s: &FilterState, node: &Node) -> bool {
    let mut pods_exist = true;
    for t in &s.required_affinity {
        match node.labels.get(&t.topology_key) {
            Some(v) => {
                if count(&s.affinity_counts, &t.topology_key, v) <= 0 {
                    pods_exist = false;
                }
            }
            None => return false,
        }
    }
    if !pods_exist {
        return s.affinity_counts.is_empty()
            && pod_matches_all_affinity_terms(&s.required_affinity, &s.pod);
    }
    true
}

/// `satisfyPodAntiAffinity`.
fn satisfy_pod_anti_affinity(s: &FilterState, node: &Node) -> bool {
    if !s.anti_affinity_counts.is_empty() {
        for t in &s.required_anti_affinity {
            if let Some(v) = node.labels.get(&t.topology_key)
                && count(&s.anti_affinity_counts, &t.topology_key, v) > 0
            {
                return false;
            }
        }
    }
    true
}

/// `satisfyExistingPodsAntiAffinity`.
fn satisfy_existing_pods_anti_affinity(s: &FilterState, node: &Node) -> bool {
    if !s.existing_anti_affinity_counts.is_empty() {
        for (k, v) in &node.labels {
            if count(&s.existing_anti_affinity_counts, k, v) > 0 {
                return false;
            }
        }
    }
    true
}

/// `InterPodAffinity.Filter`.
pub fn filter(s: &FilterState, node: &Node) -> Option<Rejection> {
    if !satisfy_pod_affinity(s, node) {
        return Some(Rejection::new(
            "InterPodAffinity",
            Code::UnschedulableAndUnresolvable,
            "node(s) didn't match pod affinity rules",
        ));
    }
    if !satisfy_pod_anti_affinity(s, node) {
        return Some(Rejection::new(
            "InterPodAffinity",
            Code::Unschedulable,
            "node(s) didn't match pod anti-affinity rules",
        ));
    }
    if !satisfy_existing_pods_anti_affinity(s, node) {
        return Some(Rejection::new(
            "InterPodAffinity",
            Code::Unschedulable,
            "node(s) didn't satisfy existing pods anti-affinity rules",
        ));
    }
    None
}

/// `podWithAffinity`: what `NodeInfo.PodsWithAffinity` holds.
fn has_pod_affinity(pod: &Pod) -> bool {
    pod.pod_affinity.is_some() || pod.pod_anti_affinity.is_some()
}

type ScoreMap = BTreeMap<String, BTreeMap<String, i64>>;

/// `scoreMap.processTerm`.
fn process_term(
    m: &mut ScoreMap,
    term: &AffinityTerm,
    weight: i64,
    pod: &Pod,
    ns_labels: &Labels,
    node: &Node,
    multiplier: i64,
) {
    if term.matches(pod, ns_labels)
        && let Some(tv) = node.labels.get(&term.topology_key)
    {
        *m.entry(term.topology_key.clone())
            .or_default()
            .entry(tv.clone())
            .or_insert(0) += weight * multiplier;
    }
}

/// `PreScore` + `Score` + `NormalizeScore` (hardPodAffinityWeight 1,
/// ignorePreferredTermsOfExistingPods false); `None` is Skip. Returns (raw,
/// normalized) in the order of `feasible`.
pub fn score(world: &World, pod: &Pod, feasible: &[usize]) -> Option<(Vec<i64>, Vec<i64>)> {
    const HARD_POD_AFFINITY_WEIGHT: i64 = 1;
    let mut pref_affinity = preferred_affinity_terms(pod);
    let mut pref_anti = preferred_anti_affinity_terms(pod);
    let has_constraints = !pref_affinity.is_empty() || !pref_anti.is_empty();
    for (t, _) in pref_affinity.iter_mut().chain(pref_anti.iter_mut()) {
        t.merge_namespaces(world);
    }
    let ns_labels = world.namespace_labels(&pod.namespace);
    let nil = Labels::new();

    let mut topology_score = ScoreMap::new();
    let mut any = false;
    for (n, node) in world.nodes.iter().enumerate() {
        let mut topo = ScoreMap::new();
        for existing in world.pods_on(n) {
            if !has_constraints && !has_pod_affinity(existing) {
                continue;
            }
            // processExistingPod
            if node.labels.is_empty() {
                continue;
            }
            for (t, w) in &pref_affinity {
                process_term(&mut topo, t, *w, existing, &nil, node, 1);
            }
            for (t, w) in &pref_anti {
                process_term(&mut topo, t, *w, existing, &nil, node, -1);
            }
            for t in required_affinity_terms(existing) {
                process_term(
                    &mut topo,
                    &t,
                    HARD_POD_AFFINITY_WEIGHT,
                    pod,
                    &ns_labels,
                    node,
                    1,
                );
            }
            for (t, w) in preferred_affinity_terms(existing) {
                process_term(&mut topo, &t, w, pod, &ns_labels, node, 1);
            }
            for (t, w) in preferred_anti_affinity_terms(existing) {
                process_term(&mut topo, &t, w, pod, &ns_labels, node, -1);
            }
        }
        if !topo.is_empty() {
            any = true;
            for (k, vals) in topo {
                let slot = topology_score.entry(k).or_default();
                for (v, s) in vals {
                    *slot.entry(v).or_insert(0) += s;
                }
            }
        }
    }
    if !any {
        return None;
    }

    let raw: Vec<i64> = feasible
        .iter()
        .map(|&n| {
            let node = &world.nodes[n];
            let mut s = 0;
            for (k, vals) in &topology_score {
                if let Some(v) = node.labels.get(k) {
                    s += vals.get(v).copied().unwrap_or(0);
                }
            }
            s
        })
        .collect();

    let mut min_count = i64::MAX;
    let mut max_count = i64::MIN;
    for &s in &raw {
        max_count = max_count.max(s);
        min_count = min_count.min(s);
    }
    let diff = max_count - min_count;
    let normalized = raw
        .iter()
        .map(|&s| {
            let f = if diff > 0 {
                100.0 * ((s - min_count) as f64 / diff as f64)
            } else {
                0.0
            };
            f as i64
        })
        .collect();
    Some((raw, normalized))
}
