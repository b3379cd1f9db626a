//! Placing pods fast: the node [`Scheduler::schedule`] would choose, without the
//! per-node report, and with the best-node search kept incremental.
//!
//! For a pod whose scores depend only on its node (no topology spreading and no
//! inter-pod affinity in play), every feasible node's total is a function of that
//! node's own state, except for the maxima NodeAffinity and TaintToleration
//! normalise by. A [`Board`] keeps, per template, every node's total in a max
//! tournament tree ordered by (total, name). A placement changes one node, so the
//! next pod of the template updates one leaf (O(log n)) and reads the root; the
//! normalisation maxima are tracked with per-value counts and trigger a rebuild only
//! when they move. Pods with spread constraints or affinity terms in play take the
//! full evaluation.

use std::collections::{BTreeMap, HashMap};

use crate::cluster::matchers::MatcherIdx;
use crate::cluster::template::Template;
use crate::ids::{NodeIdx, PodIdx, TemplateIdx};
use crate::plugins::resource_allocation::{self, Vectors};
use crate::plugins::{
    MAX_NODE_SCORE, inter_pod_affinity, node_ports, node_resources_balanced_allocation as balanced,
    node_resources_fit, pod_topology_spread as pts,
};
use crate::{Cluster, ClusterState};

use super::statics::{StaticVerdict, Statics};
use super::{Plugin, Scheduler, TieBreak, TieBreaker};

/// Places pods one after another with the same results as [`Scheduler::schedule`],
/// keeping per-template results between placements.
///
/// ```
/// use spillway_core::{Cluster, ClusterSpec, NodeBuilder, PodBuilder, Profile, Scheduler, TieBreak, TieBreaker};
/// use spillway_core::framework::Placer;
///
/// let spec = ClusterSpec {
///     nodes: (0..3).map(|i| NodeBuilder::new(&format!("n{i}")).capacity("2", "4Gi", 10).build()).collect(),
///     incoming: (0..5).map(|i| PodBuilder::new(&format!("p{i}")).requests("500m", "1Gi").build()).collect(),
///     ..ClusterSpec::default()
/// };
/// let snapshot = Cluster::compile(&spec).unwrap();
/// let scheduler = Scheduler::new(&snapshot.cluster, Profile::default());
/// let (mut fast, mut full) = (snapshot.state.clone(), snapshot.state.clone());
/// let mut placer = Placer::new(&scheduler);
/// let (mut t1, mut t2) = (TieBreaker::new(TieBreak::Name), TieBreaker::new(TieBreak::Name));
/// for &pod in &snapshot.incoming {
///     let a = placer.place(&mut fast, pod, &mut t1);
///     let b = scheduler.schedule(&mut full, pod, &mut t2).assigned;
///     assert_eq!(a, b);
/// }
/// ```
#[derive(Debug)]
pub struct Placer<'s, 'c> {
    scheduler: &'s Scheduler<'c>,
    boards: HashMap<TemplateIdx, Board>,
    /// Per template, the matchers of the templates whose inter-pod affinity terms
    /// select it: while none of their pods is placed, InterPodAffinity skips.
    symmetric: HashMap<TemplateIdx, Vec<MatcherIdx>>,
}

/// At most this many templates keep a board at once.
const MAX_BOARDS: usize = 64;

impl<'s, 'c> Placer<'s, 'c> {
    /// A placer over `scheduler`'s cluster and profile.
    pub fn new(scheduler: &'s Scheduler<'c>) -> Placer<'s, 'c> {
        Placer {
            scheduler,
            boards: HashMap::new(),
            symmetric: HashMap::new(),
        }
    }

    /// Places `pod` on the node [`Scheduler::schedule`] would choose and returns it;
    /// `None` (and nothing placed) when the pod is unschedulable or gated.
    pub fn place(
        &mut self,
        state: &mut ClusterState,
        pod: PodIdx,
        tie: &mut TieBreaker,
    ) -> Option<NodeIdx> {
        let cluster = self.scheduler.cluster;
        state.sync(cluster);
        let node = match self.board_for(state, pod) {
            Some(board) => board.best(cluster, tie),
            None => tie.pick(&self.scheduler.evaluate(state, pod).best),
        }?;
        state.assume(cluster, pod, node);
        Some(node)
    }

    /// The template's board, caught up with `state`; `None` when the pod needs the
    /// full evaluation.
    fn board_for(&mut self, state: &ClusterState, pod: PodIdx) -> Option<&mut Board> {
        let s = self.scheduler;
        let cluster = s.cluster;
        let tidx = cluster.pod_template(pod);
        let t = cluster.template_of(pod);
        if !t.scheduling_gates.is_empty()
            || cluster.record(pod).node_name.is_some()
            || !self.node_local(state, tidx, t)
        {
            return None;
        }
        if !self.boards.contains_key(&tidx) && self.boards.len() >= MAX_BOARDS {
            self.boards.clear();
        }
        let board = self
            .boards
            .entry(tidx)
            .or_insert_with(|| Board::build(s, state, tidx));
        board.catch_up(s, state, tidx);
        Some(board)
    }

    /// Whether every score and filter of the template depends only on the node
    /// itself: no spread constraint (own or default), no affinity term of its own,
    /// and no placed pod whose terms select it.
    fn node_local(&mut self, state: &ClusterState, tidx: TemplateIdx, t: &Template) -> bool {
        let s = self.scheduler;
        let cluster = s.cluster;
        let links = &cluster.matchers.links[tidx.index()];
        if !t.pod_affinity.is_empty()
            || !pts::constraints(t, links, &s.default_spread, true).is_empty()
            || !pts::constraints(t, links, &s.default_spread, false).is_empty()
        {
            return false;
        }
        let symmetric = self.symmetric.entry(tidx).or_insert_with(|| {
            cluster
                .matchers
                .with_terms
                .iter()
                .filter(|u| {
                    let pa = &cluster.templates[u.index()].pod_affinity;
                    let selects = |term| inter_pod_affinity::term_matches(cluster, term, t);
                    pa.required_anti_affinity.iter().any(selects)
                        || (s.profile.hard_pod_affinity_weight > 0
                            && pa.required_affinity.iter().any(selects))
                        || pa.preferred_affinity.iter().any(|(_, term)| selects(term))
                        || pa
                            .preferred_anti_affinity
                            .iter()
                            .any(|(_, term)| selects(term))
                })
                .filter_map(|u| cluster.matchers.links[u.index()].own)
                .collect()
        });
        symmetric
            .iter()
            .all(|m| state.matcher_totals.get(m.index()).is_none_or(|&n| n == 0))
    }
}

/// One template's node totals, ordered for the best-node search.
#[derive(Debug)]
struct Board {
    /// The state change this board has caught up with.
    synced: u64,
    feasible: Vec<bool>,
    /// Raw TaintToleration / NodeAffinity scores of the feasible nodes, counted by
    /// value: their maxima are what NormalizeScore divides by.
    taint_counts: BTreeMap<i64, u32>,
    affinity_counts: BTreeMap<i64, u32>,
    /// The maxima the leaves were computed with.
    max_taint: i64,
    max_affinity: i64,
    /// A max tournament tree of `key(total, name rank)`; 0 for infeasible nodes.
    tree: Vec<u64>,
    leaves: usize,
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

fn key_rank(k: u64) -> u32 {
    u32::MAX - u32::try_from(k & u64::from(u32::MAX)).unwrap_or(0)
}

fn max_of(counts: &BTreeMap<i64, u32>) -> i64 {
    counts.keys().next_back().copied().unwrap_or(0).max(0)
}

fn bump(counts: &mut BTreeMap<i64, u32>, value: i64, up: bool) {
    if up {
        *counts.entry(value).or_insert(0) += 1;
    } else if let Some(c) = counts.get_mut(&value) {
        *c -= 1;
        if *c == 0 {
            counts.remove(&value);
        }
    }
}

impl Board {
    fn build(s: &Scheduler<'_>, state: &ClusterState, tidx: TemplateIdx) -> Board {
        let n = s.cluster.node_count();
        let leaves = n.next_power_of_two().max(1);
        let mut board = Board {
            synced: 0,
            feasible: vec![false; n],
            taint_counts: BTreeMap::new(),
            affinity_counts: BTreeMap::new(),
            max_taint: 0,
            max_affinity: 0,
            tree: vec![0; 2 * leaves],
            leaves,
        };
        board.rebuild(s, state, tidx);
        board
    }

    /// Recomputes every node.
    fn rebuild(&mut self, s: &Scheduler<'_>, state: &ClusterState, tidx: TemplateIdx) {
        let cluster = s.cluster;
        let t = &cluster.templates[tidx.index()];
        let statics = cluster.statics(tidx);
        self.taint_counts.clear();
        self.affinity_counts.clear();
        for node in cluster.node_indices() {
            let ok = feasible(s, state, t, statics, node);
            self.feasible[node.index()] = ok;
            if ok {
                bump(
                    &mut self.taint_counts,
                    statics.taint_score[node.index()],
                    true,
                );
                bump(
                    &mut self.affinity_counts,
                    statics.affinity_score[node.index()],
                    true,
                );
            }
        }
        self.max_taint = max_of(&self.taint_counts);
        self.max_affinity = max_of(&self.affinity_counts);
        let mut scorer = Scorer::new(s, t, statics, self.max_taint, self.max_affinity);
        self.tree.iter_mut().for_each(|k| *k = 0);
        for node in cluster.node_indices() {
            if self.feasible[node.index()] {
                self.tree[self.leaves + node.index()] = key(
                    scorer.total(state, node),
                    cluster.nodes.name_rank[node.index()],
                );
            }
        }
        for i in (1..self.leaves).rev() {
            self.tree[i] = self.tree[2 * i].max(self.tree[2 * i + 1]);
        }
        self.synced = state.change_count();
    }

    /// Recomputes the nodes changed since the last call; rebuilds when a
    /// normalisation maximum moved or the change log no longer reaches back.
    fn catch_up(&mut self, s: &Scheduler<'_>, state: &ClusterState, tidx: TemplateIdx) {
        let cluster = s.cluster;
        let changed = match state.changes_since(self.synced) {
            Some(c) if c.len() <= cluster.node_count() / 4 + 1 => c,
            _ => return self.rebuild(s, state, tidx),
        };
        let t = &cluster.templates[tidx.index()];
        let statics = cluster.statics(tidx);
        for &node in changed {
            let ok = feasible(s, state, t, statics, node);
            let was = std::mem::replace(&mut self.feasible[node.index()], ok);
            if ok != was {
                bump(
                    &mut self.taint_counts,
                    statics.taint_score[node.index()],
                    ok,
                );
                bump(
                    &mut self.affinity_counts,
                    statics.affinity_score[node.index()],
                    ok,
                );
            }
        }
        if max_of(&self.taint_counts) != self.max_taint
            || max_of(&self.affinity_counts) != self.max_affinity
        {
            return self.rebuild(s, state, tidx);
        }
        let mut scorer = Scorer::new(s, t, statics, self.max_taint, self.max_affinity);
        for &node in changed {
            let k = if self.feasible[node.index()] {
                key(
                    scorer.total(state, node),
                    cluster.nodes.name_rank[node.index()],
                )
            } else {
                0
            };
            let mut i = self.leaves + node.index();
            self.tree[i] = k;
            while i > 1 {
                i /= 2;
                self.tree[i] = self.tree[2 * i].max(self.tree[2 * i + 1]);
            }
        }
        self.synced = state.change_count();
    }

    /// The chosen node: the best total, ties broken as [`TieBreaker::pick`] does over
    /// the tied nodes sorted by name.
    fn best(&self, cluster: &Cluster, tie: &mut TieBreaker) -> Option<NodeIdx> {
        let root = self.tree.get(1).copied().unwrap_or(0);
        if root == 0 {
            return None;
        }
        if tie.mode() == TieBreak::Name {
            return Some(cluster.nodes.by_rank[key_rank(root) as usize]);
        }
        let best = key_total(root);
        let mut ranks = Vec::new();
        let mut stack = vec![1usize];
        while let Some(i) = stack.pop() {
            if key_total(self.tree[i]) != best || self.tree[i] == 0 {
                continue;
            }
            if i >= self.leaves {
                ranks.push(key_rank(self.tree[i]));
            } else {
                stack.extend([2 * i, 2 * i + 1]);
            }
        }
        ranks.sort_unstable();
        let tied: Vec<NodeIdx> = ranks
            .into_iter()
            .map(|r| cluster.nodes.by_rank[r as usize])
            .collect();
        tie.pick(&tied)
    }
}

/// The Filter plugins that can reject a node-local pod, after the static ones.
fn feasible(
    s: &Scheduler<'_>,
    state: &ClusterState,
    t: &Template,
    statics: &Statics,
    node: NodeIdx,
) -> bool {
    statics.verdict[node.index()] == StaticVerdict::Pass
        && (node_ports::skips(t) || node_ports::passes(state, t, node))
        && node_resources_fit::fits(
            s.cluster,
            state,
            t,
            node,
            &s.profile.fit_ignored_resources,
            &s.profile.fit_ignored_resource_groups,
        )
}

/// A node's total for a node-local pod: the score plugins of the profile, in order,
/// as [`Scheduler::evaluate`] computes them.
struct Scorer<'a> {
    s: &'a Scheduler<'a>,
    statics: &'a Statics,
    max_taint: i64,
    max_affinity: i64,
    affinity_scored: bool,
    fit: Vectors<'a>,
    balanced: Vectors<'a>,
}

impl<'a> Scorer<'a> {
    fn new(
        s: &'a Scheduler<'a>,
        t: &Template,
        statics: &'a Statics,
        max_taint: i64,
        max_affinity: i64,
    ) -> Scorer<'a> {
        Scorer {
            s,
            statics,
            max_taint,
            max_affinity,
            affinity_scored: t.preferred_terms.is_some(),
            fit: Vectors::new(t, &s.fit_keys, false),
            balanced: Vectors::new(t, &s.balanced_keys, true),
        }
    }

    fn total(&mut self, state: &ClusterState, node: NodeIdx) -> i64 {
        let (cluster, n) = (self.s.cluster, node.index());
        let mut total = 0;
        for &(plugin, weight) in &self.s.profile.score_weights {
            let score = match plugin {
                // DefaultNormalizeScore, reversed.
                Plugin::TaintToleration if self.max_taint == 0 => MAX_NODE_SCORE,
                Plugin::TaintToleration => {
                    MAX_NODE_SCORE - MAX_NODE_SCORE * self.statics.taint_score[n] / self.max_taint
                }
                Plugin::NodeAffinity if !self.affinity_scored || self.max_affinity == 0 => 0,
                Plugin::NodeAffinity => {
                    MAX_NODE_SCORE * self.statics.affinity_score[n] / self.max_affinity
                }
                Plugin::NodeResourcesFit => {
                    self.fit.fill(cluster, state, node);
                    resource_allocation::fit_score(
                        &self.s.profile.fit_strategy,
                        &self.s.fit_keys,
                        &self.fit.requested,
                        &self.fit.allocatable,
                    )
                }
                Plugin::NodeResourcesBalancedAllocation if self.balanced.is_best_effort() => 0,
                Plugin::NodeResourcesBalancedAllocation => {
                    self.balanced.fill(cluster, state, node);
                    balanced::score(&self.balanced.requested, &self.balanced.allocatable)
                }
                Plugin::ImageLocality => self.statics.image_score[n],
                _ => 0,
            };
            total += score * weight;
        }
        total
    }
}
