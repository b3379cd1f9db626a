//! One scheduling cycle for one pod: every node filtered, every feasible node scored.

use crate::cluster::template::{NodeNames, Template};
use crate::ids::{NodeIdx, PodIdx};
use crate::plugins::pod_topology_spread::{self as pts, DefaultConstraint};
use crate::plugins::resource_allocation::{self, Key, Vectors};
use crate::plugins::{
    MAX_NODE_SCORE, default_normalize_score, inter_pod_affinity as ipa, node_affinity, node_name,
    node_ports, node_resources_balanced_allocation as balanced, node_resources_fit,
    node_unschedulable, scheduling_gates, taint_toleration,
};
use crate::{Cluster, ClusterState};

use super::statics::{StaticVerdict, Statics};
use super::{Code, Plugin, Profile, Reason, Rejection, TieBreaker};

/// Runs the framework of one [`Profile`] over a compiled [`Cluster`].
///
/// The scheduler holds no placement state: pass the [`ClusterState`] to evaluate
/// against, and [`ClusterState::assume`] the chosen node (or use
/// [`Scheduler::schedule`], which does both).
#[derive(Debug)]
pub struct Scheduler<'c> {
    pub(super) cluster: &'c Cluster,
    pub(super) profile: Profile,
    pub(super) fit_keys: Vec<(Key, i64)>,
    pub(super) balanced_keys: Vec<(Key, i64)>,
    pub(super) default_spread: Vec<DefaultConstraint>,
}

/// The scores of one feasible node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeScores {
    /// The node.
    pub node: NodeIdx,
    /// Per scoring plugin, in profile order: raw score, normalised score, weighted
    /// score (normalised × weight, what the framework adds up).
    pub plugins: Vec<(Plugin, i64, i64, i64)>,
    /// Sum of the weighted scores.
    pub total: i64,
}

/// Everything one scheduling cycle found out about one pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    /// The pod.
    pub pod: PodIdx,
    /// Number of nodes in the cluster.
    pub num_nodes: usize,
    /// Set when a PreEnqueue plugin gated the pod: nothing else ran.
    pub pre_enqueue: Option<Rejection>,
    /// Set when a PreFilter plugin rejected the pod: every node has this status.
    pub pre_filter: Option<Rejection>,
    /// Node names a PreFilter narrowed the candidates to (sorted, possibly
    /// including names of nodes that do not exist).
    pub pre_filter_node_names: Option<Vec<String>>,
    /// Plugins whose PreFilter returned Skip, sorted by name.
    pub skipped_filter: Vec<Plugin>,
    /// Plugins whose PreScore returned Skip, sorted by name.
    pub skipped_score: Vec<Plugin>,
    /// Every rejected node with its status, in node order.
    pub rejected: Vec<(NodeIdx, Rejection)>,
    /// Scores of every feasible node, in node order.
    pub feasible: Vec<NodeScores>,
    /// The feasible nodes with the highest total, sorted by name.
    pub best: Vec<NodeIdx>,
    /// The node chosen (by [`Scheduler::schedule`]); `None` when unschedulable or not
    /// yet chosen.
    pub assigned: Option<NodeIdx>,
    /// The PostFilter message (DynamicResources, then DefaultPreemption) when no node
    /// is feasible; `None` when PostFilter did not run or succeeded.
    pub post_filter: Option<String>,
}

impl Evaluation {
    fn new(pod: PodIdx, num_nodes: usize) -> Evaluation {
        Evaluation {
            pod,
            num_nodes,
            pre_enqueue: None,
            pre_filter: None,
            pre_filter_node_names: None,
            skipped_filter: Vec::new(),
            skipped_score: Vec::new(),
            rejected: Vec::new(),
            feasible: Vec::new(),
            best: Vec::new(),
            assigned: None,
            post_filter: None,
        }
    }

    /// Whether some node passed every filter.
    pub fn is_schedulable(&self) -> bool {
        !self.feasible.is_empty()
    }
}

/// What the PreFilter phase decided, and the state it computed for Filter.
pub(super) struct PreFilter<'t> {
    /// Candidate node names, when a PreFilter narrowed them.
    pub(super) names: Option<Vec<String>>,
    pub(super) run_node_ports: bool,
    pub(super) spread: Option<pts::filtering::PreFilterState<'t>>,
    pub(super) inter_pod: Option<ipa::filtering::PreFilterState>,
}

impl<'c> Scheduler<'c> {
    /// A scheduler running `profile` over `cluster`.
    pub fn new(cluster: &'c Cluster, profile: Profile) -> Scheduler<'c> {
        let fit_keys = resource_allocation::resolve(cluster, &profile.fit_resources);
        let balanced_keys = resource_allocation::resolve(cluster, &profile.balanced_resources);
        let default_spread = profile
            .default_spread_constraints
            .iter()
            .map(|d| DefaultConstraint {
                key: cluster.strings.get(&d.topology_key),
                max_skew: d.max_skew,
                hard: d.hard,
            })
            .collect();
        Scheduler {
            cluster,
            profile,
            fit_keys,
            balanced_keys,
            default_spread,
        }
    }

    /// The cluster.
    pub fn cluster(&self) -> &'c Cluster {
        self.cluster
    }

    /// The profile.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// Evaluates `pod` against `state`, picks a node with `tie`, and assumes the pod
    /// there. Unschedulable and gated pods are not placed.
    pub fn schedule(
        &self,
        state: &mut ClusterState,
        pod: PodIdx,
        tie: &mut TieBreaker,
    ) -> Evaluation {
        let mut ev = self.evaluate(state, pod);
        ev.assigned = tie.pick(&ev.best);
        if let Some(node) = ev.assigned {
            state.assume(self.cluster, pod, node);
        }
        ev
    }

    /// One scheduling cycle for `pod` against `state`: every node filtered, every
    /// feasible node scored. Nothing is placed.
    pub fn evaluate(&self, state: &ClusterState, pod: PodIdx) -> Evaluation {
        self.evaluate_nodes(state, pod, None, true, usize::MAX)
    }

    /// One scheduling cycle for `pod` over some candidate nodes only, as
    /// kube-scheduler runs Filter on the nodes it samples and scores the ones that
    /// pass (a scheduler extender gets exactly those). PreFilter still sees the
    /// whole cluster (spread and affinity counts come from every node), Filter
    /// runs on the candidates in the order given, and scores are normalised over
    /// the feasible candidates. `num_nodes` is the number of candidates.
    ///
    /// ```
    /// use spillway_core::{Cluster, ClusterSpec, NodeBuilder, PodBuilder, Profile, Scheduler};
    ///
    /// let spec = ClusterSpec {
    ///     nodes: ["a", "b", "c"].map(|n| NodeBuilder::new(n).capacity("4", "8Gi", 110).build()).to_vec(),
    ///     incoming: vec![PodBuilder::new("p").requests("1", "1Gi").build()],
    ///     ..ClusterSpec::default()
    /// };
    /// let snapshot = Cluster::compile(&spec).unwrap();
    /// let cluster = &snapshot.cluster;
    /// let scheduler = Scheduler::new(cluster, Profile::default());
    /// let b = cluster.node_by_name("b").unwrap();
    /// let c = cluster.node_by_name("c").unwrap();
    /// let ev = scheduler.evaluate_among(&snapshot.state, snapshot.incoming[0], &[c, b]);
    /// assert_eq!(ev.num_nodes, 2);
    /// assert_eq!(ev.feasible.iter().map(|s| s.node).collect::<Vec<_>>(), [c, b]);
    /// assert_eq!(ev.best, [b, c]);
    /// ```
    pub fn evaluate_among(
        &self,
        state: &ClusterState,
        pod: PodIdx,
        candidates: &[NodeIdx],
    ) -> Evaluation {
        self.evaluate_nodes(state, pod, Some(candidates), true, usize::MAX)
    }

    /// As [`Scheduler::evaluate_among`], without the scores: PreFilter and
    /// Filter only (`feasible` lists the passing candidates with no plugin
    /// scores and a total of 0; `best` is empty; PostFilter does not run).
    pub fn filter_among(
        &self,
        state: &ClusterState,
        pod: PodIdx,
        candidates: &[NodeIdx],
    ) -> Evaluation {
        self.evaluate_nodes(state, pod, Some(candidates), false, usize::MAX)
    }

    /// As [`Scheduler::filter_among`], stopping once `limit` candidates pass
    /// (as kube-scheduler stops at `numFeasibleNodesToFind`): `feasible`
    /// holds the first `limit` passing candidates in candidate order, and the
    /// candidates after the last of them are in neither `feasible` nor
    /// `rejected`.
    ///
    /// ```
    /// use spillway_core::{Cluster, ClusterSpec, NodeBuilder, PodBuilder, Profile, Scheduler};
    ///
    /// let spec = ClusterSpec {
    ///     nodes: vec![
    ///         NodeBuilder::new("small").capacity("1", "8Gi", 110).build(),
    ///         NodeBuilder::new("a").capacity("4", "8Gi", 110).build(),
    ///         NodeBuilder::new("b").capacity("4", "8Gi", 110).build(),
    ///     ],
    ///     incoming: vec![PodBuilder::new("p").requests("2", "1Gi").build()],
    ///     ..ClusterSpec::default()
    /// };
    /// let snapshot = Cluster::compile(&spec).unwrap();
    /// let cluster = &snapshot.cluster;
    /// let scheduler = Scheduler::new(cluster, Profile::default());
    /// let nodes: Vec<_> = cluster.node_indices().collect();
    /// let ev = scheduler.filter_first_among(&snapshot.state, snapshot.incoming[0], &nodes, 1);
    /// assert_eq!(ev.feasible.len(), 1);
    /// assert_eq!(cluster.node_name(ev.feasible[0].node), "a");
    /// assert_eq!(ev.rejected.len(), 1); // "small"; "b" was not filtered
    /// ```
    pub fn filter_first_among(
        &self,
        state: &ClusterState,
        pod: PodIdx,
        candidates: &[NodeIdx],
        limit: usize,
    ) -> Evaluation {
        self.evaluate_nodes(state, pod, Some(candidates), false, limit)
    }

    /// Filters `pod` on each candidate node as if that node's victims were
    /// gone: the check kube-scheduler makes of a preemption candidate
    /// (`SelectVictimsOnNode`: the victims removed, PreFilter's counts updated
    /// without them, the Filter plugins run again). `None` where the pod then
    /// fits. A victim not placed on its candidate node is not removed.
    ///
    /// ```
    /// use spillway_core::{Cluster, ClusterSpec, NodeBuilder, PodBuilder, Profile, Scheduler};
    ///
    /// let spec = ClusterSpec {
    ///     nodes: vec![NodeBuilder::new("a").capacity("4", "8Gi", 110).build()],
    ///     running: vec![PodBuilder::new("low").node_name("a").requests("3", "1Gi").build()],
    ///     incoming: vec![PodBuilder::new("p").requests("2", "1Gi").build()],
    ///     ..ClusterSpec::default()
    /// };
    /// let snapshot = Cluster::compile(&spec).unwrap();
    /// let cluster = &snapshot.cluster;
    /// let scheduler = Scheduler::new(cluster, Profile::default());
    /// let a = cluster.node_by_name("a").unwrap();
    /// let low = cluster.pod_by_key("default", "low").unwrap();
    /// let (state, pod) = (&snapshot.state, snapshot.incoming[0]);
    /// // With "low" in place the pod does not fit; without it, it does.
    /// let verdicts = scheduler.filter_without_victims(state, pod, &[(a, vec![]), (a, vec![low])]);
    /// assert!(verdicts[0].is_some());
    /// assert!(verdicts[1].is_none());
    /// ```
    pub fn filter_without_victims(
        &self,
        state: &ClusterState,
        pod: PodIdx,
        candidates: &[(NodeIdx, Vec<PodIdx>)],
    ) -> Vec<Option<Rejection>> {
        let cluster = self.cluster;
        let t = cluster.template_of(pod);
        let mut trial = state.clone();
        trial.sync(cluster);
        candidates
            .iter()
            .map(|(node, victims)| {
                let removed: Vec<PodIdx> = victims
                    .iter()
                    .copied()
                    .filter(|&v| trial.placement(v) == Some(*node))
                    .collect();
                for &v in &removed {
                    trial.remove(cluster, v);
                }
                let verdict = self.filter_one(&trial, pod, t, *node);
                for &v in &removed {
                    trial.assume(cluster, v, *node);
                }
                verdict
            })
            .collect()
    }

    fn evaluate_nodes(
        &self,
        state: &ClusterState,
        pod: PodIdx,
        candidates: Option<&[NodeIdx]>,
        score: bool,
        limit: usize,
    ) -> Evaluation {
        let cluster = self.cluster;
        let synced;
        let state = if state.is_synced(cluster) {
            state
        } else {
            synced = {
                let mut s = state.clone();
                s.sync(cluster);
                s
            };
            &synced
        };
        let t = cluster.template_of(pod);
        let all: Vec<NodeIdx>;
        let nodes = match candidates {
            Some(c) => c,
            None => {
                all = cluster.node_indices().collect();
                &all
            }
        };
        let mut ev = Evaluation::new(pod, nodes.len());
        if let Some(r) = scheduling_gates::pre_enqueue(t) {
            ev.pre_enqueue = Some(r);
            return ev;
        }
        let pre = match self.pre_filter(state, pod, t, &mut ev.skipped_filter) {
            Ok(pre) => {
                ev.pre_filter_node_names = pre.names.clone();
                pre
            }
            Err(rejection) => {
                ev.rejected = nodes.iter().map(|&n| (n, rejection.clone())).collect();
                ev.pre_filter = Some(rejection);
                // DynamicResources' PostFilter finds no state of its PreFilter, which
                // never ran, and fails with the cycle state's "not found".
                ev.post_filter = Some("not found".to_string());
                return ev;
            }
        };
        let feasible = self.filter_all(state, pod, &pre, nodes, limit, &mut ev);
        if !score {
            ev.feasible = feasible
                .into_iter()
                .map(|node| NodeScores {
                    node,
                    plugins: Vec::new(),
                    total: 0,
                })
                .collect();
            return ev;
        }
        if feasible.is_empty() {
            ev.post_filter = self.post_filter(state, pod, t, &ev);
            return ev;
        }
        self.score(state, pod, t, &feasible, &mut ev);
        ev
    }

    /// The PreFilter plugins in profile order; records the ones that skip.
    pub(super) fn pre_filter<'t>(
        &self,
        state: &ClusterState,
        pod: PodIdx,
        t: &'t Template,
        skipped: &mut Vec<Plugin>,
    ) -> Result<PreFilter<'t>, Rejection> {
        let cluster = self.cluster;
        skipped.clear();
        let mut names = None;
        if !t.node_affinity_filter {
            skipped.push(Plugin::NodeAffinity);
        } else if let NodeNames::Some(n) = &t.prefilter_node_names {
            if n.is_empty() {
                return Err(node_affinity::conflict());
            }
            names = Some(n.clone());
        }
        let run_node_ports = !node_ports::skips(t);
        if !run_node_ports {
            skipped.push(Plugin::NodePorts);
        }
        // No volumes are in scope: the volume plugins skip.
        skipped.extend([
            Plugin::VolumeRestrictions,
            Plugin::NodeVolumeLimits,
            Plugin::VolumeBinding,
            Plugin::VolumeZone,
        ]);
        let links = &cluster.matchers.links[cluster.pod_template(pod).index()];
        let statics = cluster.statics(cluster.pod_template(pod));
        let hard = pts::constraints(t, links, &self.default_spread, true);
        let spread = pts::filtering::pre_filter(cluster, state, statics, t, hard);
        if spread.is_none() {
            skipped.push(Plugin::PodTopologySpread);
        }
        let inter_pod = ipa::filtering::pre_filter(cluster, state, t, links);
        if inter_pod.is_none() {
            skipped.push(Plugin::InterPodAffinity);
        }
        // No resource claims are in scope: DynamicResources skips.
        skipped.push(Plugin::DynamicResources);
        skipped.sort_by_key(|p| p.name());
        Ok(PreFilter {
            names,
            run_node_ports,
            spread,
            inter_pod,
        })
    }

    fn filter_all(
        &self,
        state: &ClusterState,
        pod: PodIdx,
        pre: &PreFilter<'_>,
        nodes: &[NodeIdx],
        limit: usize,
        ev: &mut Evaluation,
    ) -> Vec<NodeIdx> {
        let cluster = self.cluster;
        let t = cluster.template_of(pod);
        let statics = cluster.statics(cluster.pod_template(pod));
        let node_name = cluster.record(pod).node_name.as_deref();
        let mut feasible = Vec::new();
        for &node in nodes {
            if feasible.len() >= limit {
                break;
            }
            match self.filter_node(
                state,
                t,
                statics.verdict[node.index()],
                node_name,
                pre,
                node,
            ) {
                None => feasible.push(node),
                Some(r) => ev.rejected.push((node, r)),
            }
        }
        feasible
    }

    /// The Filter plugins in profile order, stopping at the first rejection.
    fn filter_node(
        &self,
        state: &ClusterState,
        t: &Template,
        verdict: StaticVerdict,
        node_name: Option<&str>,
        pre: &PreFilter<'_>,
        node: NodeIdx,
    ) -> Option<Rejection> {
        let cluster = self.cluster;
        match verdict {
            StaticVerdict::Narrowed => return Some(narrowed_rejection()),
            StaticVerdict::NodeUnschedulable => return Some(node_unschedulable::rejection()),
            _ if !node_name::passes(cluster, node_name, node) => {
                return Some(node_name::rejection());
            }
            StaticVerdict::TaintToleration => return Some(taint_toleration::rejection()),
            StaticVerdict::NodeAffinity => return Some(node_affinity::rejection()),
            StaticVerdict::Pass => {}
        }
        if pre.run_node_ports && !node_ports::passes(state, t, node) {
            return Some(node_ports::rejection());
        }
        if let Some(r) = node_resources_fit::filter(
            cluster,
            state,
            t,
            node,
            &self.profile.fit_ignored_resources,
            &self.profile.fit_ignored_resource_groups,
        ) {
            return Some(r);
        }
        if let Some(s) = &pre.spread
            && let Some(r) = pts::filtering::filter(cluster, s, node)
        {
            return Some(r);
        }
        if let Some(s) = &pre.inter_pod {
            return ipa::filtering::filter(cluster, t, s, node);
        }
        None
    }

    fn score(
        &self,
        state: &ClusterState,
        pod: PodIdx,
        t: &Template,
        feasible: &[NodeIdx],
        ev: &mut Evaluation,
    ) {
        let cluster = self.cluster;
        let statics: &Statics = cluster.statics(cluster.pod_template(pod));
        let links = &cluster.matchers.links[cluster.pod_template(pod).index()];
        let mut fit = Vectors::new(t, &self.fit_keys, false);
        let mut bal = Vectors::new(t, &self.balanced_keys, true);
        // No volumes are in scope: VolumeBinding's PreScore skips.
        let mut skipped = vec![Plugin::VolumeBinding];
        let mut columns: Vec<(Plugin, i64, Vec<i64>, Vec<i64>)> = Vec::new();
        for &(plugin, weight) in &self.profile.score_weights {
            let raw: Vec<i64> = match plugin {
                Plugin::TaintToleration => feasible
                    .iter()
                    .map(|n| statics.taint_score[n.index()])
                    .collect(),
                Plugin::NodeAffinity if t.preferred_terms.is_none() => {
                    skipped.push(plugin);
                    continue;
                }
                Plugin::NodeAffinity => feasible
                    .iter()
                    .map(|n| statics.affinity_score[n.index()])
                    .collect(),
                Plugin::NodeResourcesFit => feasible
                    .iter()
                    .map(|&n| {
                        fit.fill(cluster, state, n);
                        resource_allocation::fit_score(
                            &self.profile.fit_strategy,
                            &self.fit_keys,
                            &fit.requested,
                            &fit.allocatable,
                        )
                    })
                    .collect(),
                // Best-effort pods skip, so that they do not pile onto one node
                // (kubernetes#129138).
                Plugin::NodeResourcesBalancedAllocation if bal.is_best_effort() => {
                    skipped.push(plugin);
                    continue;
                }
                Plugin::NodeResourcesBalancedAllocation => feasible
                    .iter()
                    .map(|&n| {
                        bal.fill(cluster, state, n);
                        balanced::score(&bal.requested, &bal.allocatable)
                    })
                    .collect(),
                Plugin::PodTopologySpread => {
                    let soft = pts::constraints(t, links, &self.default_spread, false);
                    let require_all = t.spread.has_own || !self.profile.spread_system_defaulted;
                    let Some(scores) =
                        pts::scoring::score(cluster, state, statics, soft, require_all, feasible)
                    else {
                        skipped.push(plugin);
                        continue;
                    };
                    let normalized = pts::scoring::normalize(&scores);
                    columns.push((plugin, weight, scores.raw, normalized));
                    continue;
                }
                Plugin::InterPodAffinity => {
                    let raw = ipa::scoring::contributions(
                        cluster,
                        t,
                        links,
                        self.profile.hard_pod_affinity_weight,
                        self.profile.ignore_preferred_terms_of_existing_pods,
                    )
                    .and_then(|c| ipa::scoring::score(cluster, state, &c, feasible));
                    let Some(raw) = raw else {
                        skipped.push(plugin);
                        continue;
                    };
                    let normalized = ipa::scoring::normalize(&raw);
                    columns.push((plugin, weight, raw, normalized));
                    continue;
                }
                Plugin::ImageLocality => feasible
                    .iter()
                    .map(|n| statics.image_score[n.index()])
                    .collect(),
                Plugin::DynamicResources => vec![0; feasible.len()],
                _ => continue,
            };
            let mut normalized = raw.clone();
            match plugin {
                Plugin::TaintToleration => {
                    default_normalize_score(MAX_NODE_SCORE, true, &mut normalized)
                }
                Plugin::NodeAffinity => {
                    default_normalize_score(MAX_NODE_SCORE, false, &mut normalized)
                }
                _ => {}
            }
            columns.push((plugin, weight, raw, normalized));
        }
        skipped.retain(|p| self.profile.weight(*p).is_some());
        skipped.sort_by_key(|p| p.name());
        skipped.dedup();
        ev.skipped_score = skipped;

        let mut max_total = i64::MIN;
        for (i, &node) in feasible.iter().enumerate() {
            let plugins: Vec<(Plugin, i64, i64, i64)> = columns
                .iter()
                .map(|(p, w, raw, norm)| (*p, raw[i], norm[i], norm[i] * w))
                .collect();
            let total = plugins.iter().map(|p| p.3).sum();
            max_total = max_total.max(total);
            ev.feasible.push(NodeScores {
                node,
                plugins,
                total,
            });
        }
        let mut best: Vec<NodeIdx> = ev
            .feasible
            .iter()
            .filter(|s| s.total == max_total)
            .map(|s| s.node)
            .collect();
        best.sort_by(|a, b| cluster.node_name(*a).cmp(cluster.node_name(*b)));
        ev.best = best;
    }

    /// PostFilter: DynamicResources (nothing to deallocate), then DefaultPreemption's
    /// dry run. Returns the combined message, or `None` when PostFilter found a
    /// preemption candidate (its success status has no message).
    fn post_filter(
        &self,
        state: &ClusterState,
        pod: PodIdx,
        t: &Template,
        ev: &Evaluation,
    ) -> Option<String> {
        let cluster = self.cluster;
        // Pods that already carry spec.nodeName never reach a real scheduling queue;
        // the golden data reports them without a PostFilter part.
        if cluster.record(pod).node_name.is_some() {
            return None;
        }
        let preemption = if t.preemption_never {
            "not eligible due to preemptionPolicy=Never.".to_string()
        } else {
            let mut statuses = Vec::with_capacity(ev.rejected.len());
            for (node, r) in &ev.rejected {
                let status = if r.code == Code::UnschedulableAndUnresolvable {
                    vec![Reason::Fixed(PREEMPTION_NOT_HELPFUL)]
                } else {
                    self.dry_run_preemption(state, pod, t, *node)?
                };
                statuses.push(status);
            }
            super::message::fit_error(cluster, ev.num_nodes, statuses.iter().map(Vec::as_slice))
        };
        Some(format!(
            "no new claims to deallocate, preemption: {preemption}"
        ))
    }

    /// `SelectVictimsOnNode`: removes every lower-priority pod from the node and
    /// filters again. `None` when the pod then fits (a preemption candidate).
    fn dry_run_preemption(
        &self,
        state: &ClusterState,
        pod: PodIdx,
        t: &Template,
        node: NodeIdx,
    ) -> Option<Vec<Reason>> {
        let cluster = self.cluster;
        let victims: Vec<PodIdx> = state
            .pods_on(node)
            .iter()
            .copied()
            .filter(|&p| cluster.template_of(p).priority < t.priority)
            .collect();
        if victims.is_empty() {
            return Some(vec![Reason::Fixed(NO_VICTIMS)]);
        }
        let mut trial = state.clone();
        for v in victims {
            trial.remove(cluster, v);
        }
        self.filter_one(&trial, pod, t, node).map(|r| r.reasons)
    }

    /// PreFilter over `state`, then the Filter plugins on one node.
    fn filter_one(
        &self,
        state: &ClusterState,
        pod: PodIdx,
        t: &Template,
        node: NodeIdx,
    ) -> Option<Rejection> {
        let cluster = self.cluster;
        let statics = cluster.statics(cluster.pod_template(pod));
        let pre = match self.pre_filter(state, pod, t, &mut Vec::new()) {
            Ok(pre) => pre,
            Err(r) => return Some(r),
        };
        let node_name = cluster.record(pod).node_name.as_deref();
        self.filter_node(
            state,
            t,
            statics.verdict[node.index()],
            node_name,
            &pre,
            node,
        )
    }
}

/// DefaultPreemption's status for nodes where preemption cannot help.
const PREEMPTION_NOT_HELPFUL: &str = "Preemption is not helpful for scheduling";
/// DefaultPreemption's status for nodes without lower-priority pods.
const NO_VICTIMS: &str = "No preemption victims found for incoming pod";

/// The status of a node left out by a PreFilter result (`SetAbsentNodesStatus`).
pub(super) fn narrowed_rejection() -> Rejection {
    Rejection {
        plugin: Plugin::NodeAffinity,
        code: Code::UnschedulableAndUnresolvable,
        reasons: vec![Reason::PreFilterNarrowed(vec![Plugin::NodeAffinity])],
    }
}
