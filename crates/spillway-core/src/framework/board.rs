//! A template's incremental best-node search.
//!
//! A node's total splits into a *node-local* part — NodeResourcesFit,
//! NodeResourcesBalancedAllocation, ImageLocality: functions of the node's own
//! requests and images — and a *group* part: TaintToleration and NodeAffinity
//! (static raw scores, normalised by their maximum over the feasible nodes),
//! PodTopologySpread and InterPodAffinity (filters and scores that read pod counts
//! per topology domain, normalised over the feasible nodes). Nodes whose group
//! inputs are equal — the same raw TaintToleration and NodeAffinity scores, the
//! same values for the topology keys the pod's constraints and terms use, and, for
//! keys whose values are unique per node such as `kubernetes.io/hostname`, the same
//! own pod counts — get the same group part, so they form a *group*. Each group
//! keeps its locally feasible nodes ordered by (node-local total, name).
//!
//! The per-domain counts are kept by deltas: a placement changes the counts of one
//! node, which the board reads from the state's change log. Choosing a node then
//! costs one evaluation per group, through the same plugin code the full
//! evaluation uses (each group's best node stands for the group), instead of one
//! per node. Groups are few in practice (zones × a handful of counts); in the worst
//! case every node is its own group and the search is linear, still exact.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use crate::cluster::matchers::MatcherIdx;
use crate::cluster::selector::label;
use crate::cluster::template::Template;
use crate::ids::{NodeIdx, Sym, TemplateIdx};
use crate::plugins::inter_pod_affinity::{filtering as ipa_filtering, scoring as ipa_scoring};
use crate::plugins::pod_topology_spread::{
    self as pts, filtering as pts_filtering, scoring as pts_scoring,
};
use crate::plugins::resource_allocation::{self, Vectors};
use crate::plugins::{
    MAX_NODE_SCORE, node_ports, node_resources_balanced_allocation as balanced, node_resources_fit,
};
use crate::{Cluster, ClusterState};

use super::statics::{StaticVerdict, Statics};
use super::{Plugin, Scheduler, TieBreak, TieBreaker};

/// Where one source of per-domain pod counts adds its pods.
#[derive(Debug, Clone, Copy)]
enum Target {
    /// PodTopologySpread filter constraint `i`.
    Hard(usize),
    /// PodTopologySpread score constraint `i` (counted per domain).
    Soft(usize),
    /// A hostname PodTopologySpread score constraint: read per node at Score time.
    SoftPerNode,
    /// InterPodAffinity PreFilter counts.
    Filter(ipa_filtering::Source),
    /// InterPodAffinity PreScore weights.
    Score(ipa_scoring::Contribution),
}

/// One source of counts: pods of `matcher` on eligible nodes.
#[derive(Debug)]
struct Counter {
    matcher: MatcherIdx,
    target: Target,
    key: Option<Sym>,
    /// Whether the key's values are unique per node: then the node's own count is
    /// its domain's count and belongs to the node's group key.
    per_node: bool,
    eligible: Vec<bool>,
    /// The count last added for each node.
    last: Vec<u32>,
}

/// The feasible-so-far nodes of one group, best first from the back.
#[derive(Debug, Default)]
struct Group {
    members: BTreeSet<u64>,
}

/// One template's incremental state.
#[derive(Debug)]
pub(super) struct Board<'c> {
    tidx: TemplateIdx,
    synced: u64,
    counters: Vec<Counter>,
    hard: Option<pts_filtering::PreFilterState<'c>>,
    /// Per hard constraint, the number of domains at each count (for the minimum).
    hard_domains: Vec<BTreeMap<i64, u32>>,
    soft: Option<pts_scoring::SoftState<'c>>,
    filter: ipa_filtering::PreFilterState,
    /// InterPodAffinity's PreScore topology; `None` when it always skips.
    topology: Option<ipa_scoring::Topology>,
    /// Pods behind each topology entry: an entry exists while this is positive.
    topology_pods: HashMap<(Sym, Sym), i64>,
    /// Static group-key part per node; `None` for nodes no filter can pass.
    class: Vec<Option<u32>>,
    groups: Vec<Group>,
    group_ids: HashMap<Vec<u32>, usize>,
    node_group: Vec<usize>,
    /// The node's key in its group, 0 when not locally feasible.
    node_key: Vec<u64>,
}

/// Tree key: higher total first, then the first node by name.
fn key(total: i64, rank: u32) -> u64 {
    let total = u64::try_from(total.max(0))
        .unwrap_or(0)
        .min(u64::from(u32::MAX - 1));
    ((total + 1) << 32) | u64::from(u32::MAX - rank)
}

fn key_total(k: u64) -> i64 {
    i64::try_from(k >> 32).unwrap_or(0) - 1
}

fn key_rank(k: u64) -> usize {
    (u32::MAX - u32::try_from(k & u64::from(u32::MAX)).unwrap_or(0)) as usize
}

/// Whether no two nodes share a value for `key`.
fn unique_valued(cluster: &Cluster, key: Sym) -> bool {
    let mut seen = HashSet::new();
    cluster
        .nodes
        .labels
        .iter()
        .filter_map(|l| label(l, key))
        .all(|v| seen.insert(v))
}

impl<'c> Board<'c> {
    /// Builds the board of `tidx` against `state`.
    pub(super) fn new(s: &Scheduler<'c>, state: &ClusterState, tidx: TemplateIdx) -> Board<'c> {
        let cluster: &'c Cluster = s.cluster;
        let t: &'c Template = &cluster.templates[tidx.index()];
        let statics = cluster.statics(tidx);
        let links = &cluster.matchers.links[tidx.index()];
        let n = cluster.node_count();
        let mut counters = Vec::new();
        let mut unique: HashMap<Sym, bool> = HashMap::new();
        let mut counter = |matcher, target, key: Option<Sym>, eligible: Vec<bool>| {
            // Hostname score constraints read each node's own count whatever the
            // labels say, so that count always belongs to the group key.
            let per_node = matches!(target, Target::SoftPerNode)
                || key
                    .is_some_and(|k| *unique.entry(k).or_insert_with(|| unique_valued(cluster, k)));
            Counter {
                matcher,
                target,
                key,
                per_node,
                eligible,
                last: vec![0; n],
            }
        };

        let hard = pts_filtering::PreFilterState::empty(
            cluster,
            statics,
            t,
            pts::constraints(t, links, &s.default_spread, true),
        );
        if let Some(h) = &hard {
            for (i, c) in h.constraints.iter().enumerate() {
                let eligible = cluster
                    .node_indices()
                    .map(|node| {
                        pts_filtering::eligible_domain(cluster, statics, &h.constraints, i, node)
                            .is_some()
                    })
                    .collect();
                counters.push(counter(c.matcher, Target::Hard(i), c.key, eligible));
            }
        }
        let soft_constraints = pts::constraints(t, links, &s.default_spread, false);
        let soft = (!soft_constraints.is_empty()).then(|| {
            let require_all = t.spread.has_own || !s.profile.spread_system_defaulted;
            pts_scoring::SoftState::new(cluster, soft_constraints, require_all)
        });
        if let Some(soft) = &soft {
            for (i, c) in soft.constraints.iter().enumerate() {
                let (target, eligible) = if soft.is_hostname(i) {
                    (Target::SoftPerNode, vec![true; n])
                } else {
                    let e = cluster
                        .node_indices()
                        .map(|node| soft.counts_node(cluster, statics, i, node))
                        .collect();
                    (Target::Soft(i), e)
                };
                counters.push(counter(c.matcher, target, c.key, eligible));
            }
        }
        for source in ipa_filtering::sources(cluster, t, links) {
            counters.push(counter(
                source.matcher,
                Target::Filter(source),
                Some(source.key),
                vec![true; n],
            ));
        }
        let contributions = ipa_scoring::contributions(
            cluster,
            t,
            links,
            s.profile.hard_pod_affinity_weight,
            s.profile.ignore_preferred_terms_of_existing_pods,
        );
        for c in contributions.iter().flatten() {
            let eligible = cluster
                .node_indices()
                .map(|node| ipa_scoring::contributes(cluster, node))
                .collect();
            counters.push(counter(c.matcher, Target::Score(*c), Some(c.key), eligible));
        }

        let hard_domains = hard
            .as_ref()
            .map(|h| {
                h.counts
                    .iter()
                    .map(|by_domain| match u32::try_from(by_domain.len()) {
                        Ok(0) | Err(_) => BTreeMap::new(),
                        Ok(domains) => BTreeMap::from([(0, domains)]),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let mut board = Board {
            tidx,
            synced: 0,
            counters,
            hard,
            hard_domains,
            soft,
            filter: ipa_filtering::PreFilterState::empty(cluster, t),
            topology: contributions.map(|_| ipa_scoring::Topology::new()),
            topology_pods: HashMap::new(),
            class: Vec::new(),
            groups: Vec::new(),
            group_ids: HashMap::new(),
            node_group: vec![usize::MAX; n],
            node_key: vec![0; n],
        };
        board.class = board.classes(cluster, t, statics);
        for node in cluster.node_indices() {
            board.count(cluster, state, node);
        }
        let mut local = Local::new(s, t);
        for node in cluster.node_indices() {
            board.regroup(s, state, t, statics, &mut local, node);
        }
        board.synced = state.change_count();
        board
    }

    /// The static part of each node's group key: the raw TaintToleration and
    /// NodeAffinity scores, and per topology key its value (or, for keys unique per
    /// node, whether the node has it).
    fn classes(&self, cluster: &Cluster, t: &Template, statics: &Statics) -> Vec<Option<u32>> {
        let mut keys: Vec<(Sym, bool)> = self
            .counters
            .iter()
            .filter_map(|c| c.key.map(|k| (k, c.per_node)))
            .collect();
        keys.sort_unstable();
        keys.dedup();
        let mut ids: HashMap<Vec<u32>, u32> = HashMap::new();
        cluster
            .node_indices()
            .map(|node| {
                if statics.verdict[node.index()] != StaticVerdict::Pass {
                    return None;
                }
                let raw = |v: i64| u32::try_from(v).unwrap_or(u32::MAX);
                let mut sig = vec![raw(statics.taint_score[node.index()])];
                if t.preferred_terms.is_some() {
                    sig.push(raw(statics.affinity_score[node.index()]));
                }
                let labels = &cluster.nodes.labels[node.index()];
                for &(k, per_node) in &keys {
                    let v = label(labels, k);
                    sig.push(match (per_node, v) {
                        (_, None) => 0,
                        (true, Some(_)) => 1,
                        (false, Some(v)) => u32::try_from(v.index()).unwrap_or(u32::MAX - 1) + 1,
                    });
                }
                let next = u32::try_from(ids.len()).unwrap_or(u32::MAX);
                Some(*ids.entry(sig).or_insert(next))
            })
            .collect()
    }

    /// Brings the counts of `node` up to date.
    fn count(&mut self, cluster: &Cluster, state: &ClusterState, node: NodeIdx) {
        let n = node.index();
        for c in &mut self.counters {
            let now = if c.eligible[n] {
                state.matched(c.matcher, node)
            } else {
                0
            };
            let delta = i64::from(now) - i64::from(c.last[n]);
            if delta == 0 {
                continue;
            }
            c.last[n] = now;
            match c.target {
                Target::Hard(i) => {
                    let Some(h) = &mut self.hard else { continue };
                    let Some(v) = pts_filtering::eligible_domain(
                        cluster,
                        cluster.statics(self.tidx),
                        &h.constraints,
                        i,
                        node,
                    ) else {
                        continue;
                    };
                    let Some(count) = h.counts[i].get_mut(&v) else {
                        continue;
                    };
                    let domains = &mut self.hard_domains[i];
                    if let Some(d) = domains.get_mut(count) {
                        *d -= 1;
                        if *d == 0 {
                            domains.remove(count);
                        }
                    }
                    *count += delta;
                    *domains.entry(*count).or_insert(0) += 1;
                }
                Target::Soft(i) => {
                    let Some(soft) = &mut self.soft else { continue };
                    let d = soft.domain(cluster, i, node);
                    *soft.counts[i].entry(d).or_insert(0) += delta;
                }
                Target::SoftPerNode => {}
                Target::Filter(source) => self.filter.add(cluster, &source, node, delta),
                Target::Score(contribution) => {
                    let (Some(topology), Some(v)) = (
                        &mut self.topology,
                        label(&cluster.nodes.labels[n], contribution.key),
                    ) else {
                        continue;
                    };
                    let pods = self.topology_pods.entry((contribution.key, v)).or_insert(0);
                    *pods += delta;
                    let values = topology.entry(contribution.key).or_default();
                    *values.entry(v).or_insert(0) += contribution.weight * delta;
                    if *pods == 0 {
                        self.topology_pods.remove(&(contribution.key, v));
                        values.remove(&v);
                        if values.is_empty() {
                            topology.remove(&contribution.key);
                        }
                    }
                }
            }
        }
    }

    /// Puts `node` in the group its current counts give and orders it there by its
    /// node-local total, if it is locally feasible.
    fn regroup(
        &mut self,
        s: &Scheduler<'_>,
        state: &ClusterState,
        t: &Template,
        statics: &Statics,
        local: &mut Local<'_>,
        node: NodeIdx,
    ) {
        let n = node.index();
        let Some(class) = self.class[n] else { return };
        let mut gkey = vec![class];
        gkey.extend(
            self.counters
                .iter()
                .filter(|c| c.per_node)
                .map(|c| c.last[n]),
        );
        let next = self.groups.len();
        let g = *self.group_ids.entry(gkey).or_insert(next);
        if g == next {
            self.groups.push(Group::default());
        }
        let old = self.node_group[n];
        if old != usize::MAX && self.node_key[n] != 0 {
            self.groups[old].members.remove(&self.node_key[n]);
        }
        self.node_group[n] = g;
        self.node_key[n] = if locally_feasible(s, state, t, node) {
            key(
                local.total(state, statics, node),
                s.cluster.nodes.name_rank[n],
            )
        } else {
            0
        };
        if self.node_key[n] != 0 {
            self.groups[g].members.insert(self.node_key[n]);
        }
    }

    /// Catches up with the placements since the last call.
    pub(super) fn catch_up(&mut self, s: &Scheduler<'c>, state: &ClusterState) {
        let Some(changed) = state.changes_since(self.synced) else {
            *self = Board::new(s, state, self.tidx);
            return;
        };
        if changed.is_empty() {
            return;
        }
        let cluster = s.cluster;
        let t = &cluster.templates[self.tidx.index()];
        let statics = cluster.statics(self.tidx);
        let mut local = Local::new(s, t);
        let mut seen = HashSet::new();
        for &node in changed {
            if seen.insert(node) {
                self.count(cluster, state, node);
                self.regroup(s, state, t, statics, &mut local, node);
            }
        }
        self.synced = state.change_count();
    }

    /// The node the full evaluation would choose, tie broken by `tie`.
    pub(super) fn best(
        &mut self,
        s: &Scheduler<'c>,
        state: &ClusterState,
        tie: &mut TieBreaker,
    ) -> Option<NodeIdx> {
        let cluster = s.cluster;
        let t = &cluster.templates[self.tidx.index()];
        let statics = cluster.statics(self.tidx);
        if let Some(h) = &mut self.hard {
            for i in 0..h.constraints.len() {
                let min = self.hard_domains[i].keys().next().copied();
                h.set_min(i, min);
            }
        }
        let filter_skips = self.filter.skips(t);
        // The groups with a feasible node, each standing for its members.
        let candidates: Vec<(usize, NodeIdx)> = self
            .groups
            .iter()
            .enumerate()
            .filter_map(|(g, group)| {
                let best = *group.members.last()?;
                let rep = cluster.nodes.by_rank[key_rank(best)];
                let rejected = self
                    .hard
                    .as_ref()
                    .is_some_and(|h| pts_filtering::filter(cluster, h, rep).is_some())
                    || (!filter_skips
                        && ipa_filtering::filter(cluster, t, &self.filter, rep).is_some());
                (!rejected).then_some((g, rep))
            })
            .collect();
        if candidates.is_empty() {
            return None;
        }
        let group_scores = self.group_scores(s, state, t, statics, &candidates);
        let totals: Vec<i64> = candidates
            .iter()
            .zip(&group_scores)
            .map(|(&(g, _), extra)| {
                self.groups[g].members.last().map_or(0, |&k| key_total(k)) + extra
            })
            .collect();
        let best_total = totals.iter().copied().max()?;
        let tied_groups = candidates
            .iter()
            .zip(&totals)
            .filter(|(_, total)| **total == best_total)
            .map(|(c, _)| c.0);
        if tie.mode() == TieBreak::Name {
            let rank = tied_groups
                .filter_map(|g| self.groups[g].members.last().map(|&k| key_rank(k)))
                .min()?;
            return Some(cluster.nodes.by_rank[rank]);
        }
        let mut ranks: Vec<usize> = Vec::new();
        for g in tied_groups {
            let members = &self.groups[g].members;
            let top = members.last().map_or(0, |&k| key_total(k));
            ranks.extend(
                members
                    .iter()
                    .rev()
                    .take_while(|&&k| key_total(k) == top)
                    .map(|&k| key_rank(k)),
            );
        }
        ranks.sort_unstable();
        let tied: Vec<NodeIdx> = ranks
            .into_iter()
            .map(|r| cluster.nodes.by_rank[r])
            .collect();
        tie.pick(&tied)
    }

    /// The weighted group part of each candidate's total: TaintToleration,
    /// NodeAffinity, PodTopologySpread and InterPodAffinity, normalised over the
    /// candidates as NormalizeScore does over the feasible nodes.
    fn group_scores(
        &mut self,
        s: &Scheduler<'_>,
        state: &ClusterState,
        t: &Template,
        statics: &Statics,
        candidates: &[(usize, NodeIdx)],
    ) -> Vec<i64> {
        let cluster = s.cluster;
        let mut extra = vec![0i64; candidates.len()];
        for &(plugin, weight) in &s.profile.score_weights {
            match plugin {
                Plugin::TaintToleration => {
                    let raw = |rep: NodeIdx| statics.taint_score[rep.index()];
                    let max = candidates
                        .iter()
                        .map(|&(_, rep)| raw(rep))
                        .max()
                        .unwrap_or(0);
                    for (e, &(_, rep)) in extra.iter_mut().zip(candidates) {
                        // DefaultNormalizeScore, reversed.
                        let norm = if max == 0 {
                            MAX_NODE_SCORE
                        } else {
                            MAX_NODE_SCORE - MAX_NODE_SCORE * raw(rep) / max
                        };
                        *e += weight * norm;
                    }
                }
                Plugin::NodeAffinity if t.preferred_terms.is_some() => {
                    let raw = |rep: NodeIdx| statics.affinity_score[rep.index()];
                    let max = candidates
                        .iter()
                        .map(|&(_, rep)| raw(rep))
                        .max()
                        .unwrap_or(0);
                    for (e, &(_, rep)) in extra.iter_mut().zip(candidates) {
                        *e += weight
                            * if max == 0 {
                                0
                            } else {
                                MAX_NODE_SCORE * raw(rep) / max
                            };
                    }
                }
                Plugin::PodTopologySpread => {
                    let Some(soft) = &mut self.soft else { continue };
                    let ignored: Vec<bool> = candidates
                        .iter()
                        .map(|&(_, rep)| soft.ignored(cluster, rep))
                        .collect();
                    let scored = || {
                        candidates
                            .iter()
                            .zip(&ignored)
                            .filter(|(_, i)| !**i)
                            .map(|(c, _)| *c)
                    };
                    let feasible_nodes = |g: usize| self.groups[g].members.len();
                    for i in 0..soft.constraints.len() {
                        let size = if soft.is_hostname(i) {
                            scored().map(|(g, _)| feasible_nodes(g)).sum()
                        } else {
                            let per_node = self.counters.iter().any(|c| {
                                matches!(c.target, Target::Soft(j) if j == i) && c.per_node
                            });
                            let mut domains = HashSet::new();
                            let mut size = 0;
                            for (g, rep) in scored() {
                                let domain = soft.domain(cluster, i, rep);
                                if per_node && soft.constraints[i].value(cluster, rep).is_some() {
                                    size += feasible_nodes(g);
                                } else if domains.insert(domain) {
                                    size += 1;
                                }
                            }
                            size
                        };
                        soft.weights[i] = pts_scoring::normalizing_weight(size);
                    }
                    let raw: Vec<i64> = candidates
                        .iter()
                        .zip(&ignored)
                        .map(|(&(_, rep), &ign)| {
                            if ign {
                                0
                            } else {
                                soft.raw(cluster, state, rep)
                            }
                        })
                        .collect();
                    let scores = pts_scoring::Scores { raw, ignored };
                    for (e, norm) in extra.iter_mut().zip(pts_scoring::normalize(&scores)) {
                        *e += weight * norm;
                    }
                }
                Plugin::InterPodAffinity => {
                    let Some(topology) = self.topology.as_ref().filter(|t| !t.is_empty()) else {
                        continue;
                    };
                    let raw: Vec<i64> = candidates
                        .iter()
                        .map(|&(_, rep)| ipa_scoring::raw(cluster, topology, rep))
                        .collect();
                    for (e, norm) in extra.iter_mut().zip(ipa_scoring::normalize(&raw)) {
                        *e += weight * norm;
                    }
                }
                _ => {}
            }
        }
        extra
    }
}

/// The Filter plugins that read only the node itself, after the static ones.
fn locally_feasible(s: &Scheduler<'_>, state: &ClusterState, t: &Template, node: NodeIdx) -> bool {
    (node_ports::skips(t) || node_ports::passes(state, t, node))
        && node_resources_fit::fits(
            s.cluster,
            state,
            t,
            node,
            &s.profile.fit_ignored_resources,
            &s.profile.fit_ignored_resource_groups,
        )
}

/// The node-local part of a node's total: the score plugins that read only the
/// node, weighted, in profile order.
struct Local<'a> {
    s: &'a Scheduler<'a>,
    fit: Vectors<'a>,
    balanced: Vectors<'a>,
}

impl<'a> Local<'a> {
    fn new(s: &'a Scheduler<'a>, t: &Template) -> Local<'a> {
        Local {
            s,
            fit: Vectors::new(t, &s.fit_keys, false),
            balanced: Vectors::new(t, &s.balanced_keys, true),
        }
    }

    fn total(&mut self, state: &ClusterState, statics: &Statics, node: NodeIdx) -> i64 {
        let cluster = self.s.cluster;
        let mut total = 0;
        for &(plugin, weight) in &self.s.profile.score_weights {
            total += weight
                * match plugin {
                    Plugin::NodeResourcesFit => {
                        self.fit.fill(cluster, state, node);
                        resource_allocation::fit_score(
                            &self.s.profile.fit_strategy,
                            &self.s.fit_keys,
                            &self.fit.requested,
                            &self.fit.allocatable,
                        )
                    }
                    // Best-effort pods skip BalancedAllocation.
                    Plugin::NodeResourcesBalancedAllocation if self.balanced.is_best_effort() => 0,
                    Plugin::NodeResourcesBalancedAllocation => {
                        self.balanced.fill(cluster, state, node);
                        balanced::score(&self.balanced.requested, &self.balanced.allocatable)
                    }
                    Plugin::ImageLocality => statics.image_score[node.index()],
                    _ => 0,
                };
        }
        total
    }
}
