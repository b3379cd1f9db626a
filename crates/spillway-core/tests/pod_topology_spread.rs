#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Ports of kube-scheduler's own PodTopologySpread unit tests
//! (`pkg/scheduler/framework/plugins/podtopologyspread/{filtering,scoring}_test.go`),
//! case names kept, driven through the whole spillway framework with v1.35's default
//! feature gates (NodeInclusionPolicyInPodTopologySpread and
//! MatchLabelKeysInPodTopologySpread on; spillway merges `matchLabelKeys` into the
//! selector at compile time, as the API server does).
//!
//! Upstream calls one plugin's PreFilter+Filter (or PreScore+Score+NormalizeScore) on
//! a snapshot; here every case is compiled into a cluster and evaluated. Nodes get
//! ample capacity; filter cases assert every node's PodTopologySpread status (code, and
//! the reason upstream's Filter returns with it), score cases the normalized
//! PodTopologySpread score of every candidate node. A PreFilter/PreScore `Skip` is
//! asserted through `Evaluation::skipped_filter` / `skipped_score`.
//!
//! Where upstream's unit test expects PodTopologySpread to pass a node that the full
//! framework rejects earlier (NodeAffinity, TaintToleration: upstream marks these
//! "in real case, it's false"), the case lists the node as `blocked` by that plugin.
//! Upstream score tests' `failedNodes` are made infeasible with an untolerated
//! `NoSchedule` taint (which PodTopologySpread ignores under the default
//! `nodeTaintsPolicy: Ignore`).
//!
//! TestPreFilterState, TestPreFilterStateAddPod and TestPreFilterStateRemovePod compare
//! the internal PreFilter state. Observable here are the Filter verdicts that state
//! implies: each case transcribes upstream's expected `TpPairToMatchNum`, global
//! minimum (`TpKeyToCriticalPaths[key][0]`) and constraints, and the test derives the
//! verdict of every node with upstream's Filter arithmetic
//! (`matchNum + selfMatch - minMatchNum > maxSkew`, missing key: unresolvable).
//! AddPod / RemovePod are `ClusterState::assume` / `ClusterState::remove`.
//! TestPreScoreStateEmptyNodes is observable only through the scores its state gives
//! with no matching pods (`maxSkew - 1` per constraint; ignored nodes score 0).
//!
//! Skipped upstream cases:
//! - TestPreFilterState "feature gate disabled with NodeAffinityPolicy", "feature gate
//!   disabled with NodeTaintsPolicy", "matchLabelKeys ignored when feature gate
//!   disabled", "no pod is matched when LabelSelector is nil when feature gate
//!   disabled": feature gates off, not v1.35's defaults.
//! - TestPreFilterStateAddPod "add a pod when scheduling node affinity unmatched pod
//!   with NodeInclusionPolicy disabled", "add a pod when scheduling node affinity
//!   matched pod with NodeInclusionPolicy disabled", "add a pod when scheduling taint
//!   untolerated pod with NodeInclusionPolicy disabled": feature gate off.
//! - TestPreFilterStateRemovePod "remove a pod when scheduling node affinity unmatched
//!   pod with NodeInclusionPolicy disabled", "remove a pod when scheduling node affinity
//!   matched pod with NodeInclusionPolicy disabled": feature gate off.
//! - TestPreFilterStateRemovePod "remove a pod when scheduling node affinity matched
//!   pod with NodeInclusionPolicy enabled": removes existingPods[0] (on node-a) through
//!   node-b's NodeInfo, a test-data artifact no real removal can reproduce.
//! - TestSingleConstraint and TestPodTopologySpreadScore "terminating Pods should be
//!   excluded": `spec::Pod` has no deletionTimestamp; terminating pods are not modelled.
//! - TestPodTopologySpreadScore "minDomains has no effect when ScheduleAnyway": the API
//!   server (and `Cluster::compile`) rejects minDomains with ScheduleAnyway.
//! - TestPodTopologySpreadScore "matchLabelKeys ignored when feature gate disabled":
//!   feature gate off.
//! - TestPreScoreStateEmptyNodes "default constraints and a replicaset, but pod has
//!   constraints": the pod's DoNotSchedule zone constraint rejects the only node (no
//!   zone label), so PreScore never runs.
//! - TestPreScoreStateEmptyNodes "NodeAffinityPolicy honored with labelSelectors",
//!   "NodeAffinityPolicy ignored with labelSelectors", "NodeAffinityPolicy honored with
//!   nodeAffinity", "NodeAffinityPolicy ignored with nodeAffinity", "NodeTaintsPolicy
//!   honored", "NodeTaintsPolicy ignored": with no existing pod the inclusion policies
//!   change no count, so nothing distinguishes them in filter or score results.
//! - TestPreFilterDisabled: calls Filter without PreFilter; the framework always runs
//!   PreFilter first and there is no API to call a plugin's Filter alone.
//!
//! Adapted cases: TestPodTopologySpreadScore's six NodeAffinityPolicy/NodeTaintsPolicy
//! cases list node-c as a candidate although NodeAffinity/TaintToleration rejects it;
//! here node-c is filtered out and the expected scores of node-a and node-b are
//! recomputed with upstream's scoring code (see `score_inclusion_policy_cases`).

use std::collections::BTreeMap;

use spillway_core::framework::{
    Code, DefaultSpreadConstraint, Evaluation, Plugin, Profile, Scheduler,
};
use spillway_core::spec::{
    LabelSelector, Labels, Node, NodeAffinity, NodeSelector, NodeSelectorTerm, Operator, Pod,
    Requirement, SpreadPolicy, Taint, TaintEffect, Toleration, TolerationOperator,
    TopologySpreadConstraint, UnsatisfiableAction,
};
use spillway_core::{Cluster, ClusterSpec, NodeBuilder, PodBuilder, Snapshot};

// Upstream reason strings (`podtopologyspread/filtering.go`).
const CONSTRAINTS: &str = "node(s) didn't match pod topology spread constraints";
const MISSING_LABEL: &str =
    "node(s) didn't match pod topology spread constraints (missing required label)";

const HOSTNAME: &str = "kubernetes.io/hostname";
const ZONE: &str = "topology.kubernetes.io/zone";
const UNSCHEDULABLE_TAINT: &str = "node.kubernetes.io/unschedulable";

// ---------------------------------------------------------------------------
// Builders
// ---------------------------------------------------------------------------

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A node with exactly these labels and room for anything the tests place.
fn node(name: &str, pairs: &[(&str, &str)]) -> Node {
    let mut n = NodeBuilder::new(name).capacity("64", "256Gi", 1000).build();
    n.labels = labels(pairs);
    n
}

/// Upstream's `taints`: `node.kubernetes.io/unschedulable:NoSchedule`.
fn tainted(mut n: Node) -> Node {
    n.taints.push(Taint {
        key: UNSCHEDULABLE_TAINT.into(),
        value: String::new(),
        effect: TaintEffect::NoSchedule,
    });
    n
}

/// `st.MakeNode().Name(name).Label("zone", zone).Label("node", name)`.
fn zn(name: &str, zone: &str) -> Node {
    node(name, &[("zone", zone), ("node", name)])
}

/// `st.MakeNode().Name(name).Label(v1.LabelHostname, name)`.
fn hn(name: &str) -> Node {
    node(name, &[(HOSTNAME, name)])
}

/// `st.MakeNode().Name(name).Label("zone", zone).Label(v1.LabelHostname, name)`.
fn zhn(name: &str, zone: &str) -> Node {
    node(name, &[("zone", zone), (HOSTNAME, name)])
}

fn exists(key: &str) -> Option<LabelSelector> {
    Some(LabelSelector {
        match_labels: Default::default(),
        match_expressions: vec![Requirement::new(key, Operator::Exists, &[])],
    })
}

/// `fooSelector`.
fn foo() -> Option<LabelSelector> {
    exists("foo")
}

/// `barSelector`.
fn bar() -> Option<LabelSelector> {
    exists("bar")
}

/// `st.MakeLabelSelector().Label(k, v)`.
fn match_label(k: &str, v: &str) -> Option<LabelSelector> {
    Some(spillway_core::selector(k, v))
}

/// `st.MakeLabelSelector().Obj()`: the empty (match-everything) selector.
fn empty_selector() -> Option<LabelSelector> {
    Some(LabelSelector::default())
}

const HARD: bool = true;
const SOFT: bool = false;
const IGNORE: Option<SpreadPolicy> = Some(SpreadPolicy::Ignore);
const HONOR: Option<SpreadPolicy> = Some(SpreadPolicy::Honor);

/// A terse pod builder in the style of upstream's `st.MakePod()`.
#[derive(Debug, Clone)]
struct MakePod(Pod);

impl MakePod {
    fn namespace(mut self, ns: &str) -> MakePod {
        self.0.namespace = ns.into();
        self
    }

    fn label(mut self, k: &str, v: &str) -> MakePod {
        self.0.labels.insert(k.into(), v.into());
        self
    }

    fn node(mut self, n: &str) -> MakePod {
        self.0.node_name = Some(n.into());
        self
    }

    /// `SpreadConstraint(maxSkew, key, mode, selector, minDomains, nodeAffinityPolicy,
    /// nodeTaintsPolicy, matchLabelKeys)`.
    #[allow(clippy::too_many_arguments)]
    fn spread(
        mut self,
        max_skew: i32,
        key: &str,
        hard: bool,
        selector: Option<LabelSelector>,
        min_domains: Option<i32>,
        node_affinity_policy: Option<SpreadPolicy>,
        node_taints_policy: Option<SpreadPolicy>,
        match_label_keys: &[&str],
    ) -> MakePod {
        self.0
            .topology_spread_constraints
            .push(TopologySpreadConstraint {
                max_skew,
                topology_key: key.into(),
                when_unsatisfiable: if hard {
                    UnsatisfiableAction::DoNotSchedule
                } else {
                    UnsatisfiableAction::ScheduleAnyway
                },
                label_selector: selector,
                min_domains,
                node_affinity_policy,
                node_taints_policy,
                match_label_keys: match_label_keys.iter().map(|s| s.to_string()).collect(),
            });
        self
    }

    /// `SpreadConstraint(maxSkew, key, mode, selector, nil, nil, nil, nil)`.
    fn sc(self, max_skew: i32, key: &str, hard: bool, selector: Option<LabelSelector>) -> MakePod {
        self.spread(max_skew, key, hard, selector, None, None, None, &[])
    }

    /// `NodeSelector(map)`.
    fn node_selector(mut self, k: &str, v: &str) -> MakePod {
        self.0
            .node_selector
            .get_or_insert_with(Default::default)
            .insert(k.into(), v.into());
        self
    }

    fn node_affinity(mut self, op: Operator, key: &str, vals: &[&str]) -> MakePod {
        self.0.node_affinity = Some(NodeAffinity {
            required: Some(NodeSelector {
                terms: vec![NodeSelectorTerm {
                    match_expressions: vec![Requirement::new(key, op, vals)],
                    match_fields: Vec::new(),
                }],
            }),
            preferred: None,
        });
        self
    }

    /// `NodeAffinityIn(key, vals, st.NodeSelectorTypeMatchExpressions)`.
    fn node_affinity_in(self, key: &str, vals: &[&str]) -> MakePod {
        self.node_affinity(Operator::In, key, vals)
    }

    /// `NodeAffinityNotIn(key, vals)`.
    fn node_affinity_not_in(self, key: &str, vals: &[&str]) -> MakePod {
        self.node_affinity(Operator::NotIn, key, vals)
    }

    /// `Toleration(key)`: `key` Exists, NoSchedule.
    fn toleration(mut self, key: &str) -> MakePod {
        self.0.tolerations.push(Toleration {
            key: key.into(),
            operator: TolerationOperator::Exists,
            value: String::new(),
            effect: Some(TaintEffect::NoSchedule),
        });
        self
    }

    /// The selector of the Services / controllers that select the pod
    /// (`helper.DefaultSelector`).
    fn default_selector(mut self, sel: Option<LabelSelector>) -> MakePod {
        self.0.default_spread_selector = sel;
        self
    }

    fn obj(self) -> Pod {
        self.0
    }
}

fn pod(name: &str) -> MakePod {
    MakePod(PodBuilder::new(name).build())
}

/// `st.MakePod().Name(name).Node(node).Label("foo", "")`.
fn foo_on(name: &str, node: &str) -> Pod {
    pod(name).node(node).label("foo", "").obj()
}

/// `st.MakePod().Name(name).Node(node).Label("bar", "")`.
fn bar_on(name: &str, node: &str) -> Pod {
    pod(name).node(node).label("bar", "").obj()
}

/// `PodTopologySpreadArgs{DefaultingType: ListDefaulting, DefaultConstraints: ..}`.
fn list_defaulting(defaults: &[(&str, i64, bool)]) -> Profile {
    Profile {
        default_spread_constraints: defaults
            .iter()
            .map(|&(key, max_skew, hard)| DefaultSpreadConstraint {
                topology_key: key.into(),
                max_skew,
                hard,
            })
            .collect(),
        spread_system_defaulted: false,
        ..Profile::default()
    }
}

// ---------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------

/// What one node's filters said.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Got {
    Fits,
    Rejected(Plugin, Code, String),
}

fn pts_status(code: Code) -> Got {
    let reason = match code {
        Code::Unschedulable => CONSTRAINTS,
        Code::UnschedulableAndUnresolvable => MISSING_LABEL,
    };
    Got::Rejected(Plugin::PodTopologySpread, code, reason.into())
}

/// Upstream's expected PreFilter state, as far as Filter reads it.
#[derive(Debug, Clone, Default)]
struct State {
    /// Per DoNotSchedule constraint: topology key, maxSkew, whether the incoming pod
    /// matches its (merged) selector.
    constraints: Vec<(&'static str, i64, bool)>,
    /// `TpPairToMatchNum`.
    counts: Vec<(&'static str, &'static str, i64)>,
    /// Per key: `minMatchNum` (`TpKeyToCriticalPaths[key][0].MatchNum`, or 0 with fewer
    /// domains than minDomains).
    min: Vec<(&'static str, i64)>,
}

impl State {
    /// Upstream's `PodTopologySpread.Filter` over this state.
    fn verdict(&self, node: &Node) -> Got {
        for &(key, max_skew, self_match) in &self.constraints {
            let Some(value) = node.labels.get(key) else {
                return pts_status(Code::UnschedulableAndUnresolvable);
            };
            let match_num = self
                .counts
                .iter()
                .find(|(k, v, _)| *k == key && v == value)
                .map_or(0, |c| c.2);
            let min = self
                .min
                .iter()
                .find(|(k, _)| *k == key)
                .map(|m| m.1)
                .expect("min for every key");
            if match_num + i64::from(self_match) - min > max_skew {
                return pts_status(Code::Unschedulable);
            }
        }
        Got::Fits
    }
}

#[derive(Debug, Clone)]
enum Expect {
    /// PreFilter returns Skip (every node not blocked by another plugin fits).
    Skip,
    /// PreFilter succeeds with this state.
    State(State),
    /// Filter status codes per node, in node order (`None`: Success).
    Codes(Vec<Option<Code>>),
}

/// A change to the state before the pod is evaluated.
#[derive(Debug, Clone)]
enum Op {
    /// AddPod: a pod bound to its `node_name`.
    Add(Pod),
    /// RemovePod of an existing pod, by name.
    Remove(&'static str),
    /// RemovePod of a pod that is not placed.
    RemoveUnplaced(Pod),
}

struct FilterCase {
    name: &'static str,
    pod: Pod,
    nodes: Vec<Node>,
    existing: Vec<Pod>,
    profile: Profile,
    ops: Vec<Op>,
    expect: Expect,
    /// Nodes an earlier filter plugin rejects in the full framework.
    blocked: Vec<(&'static str, Plugin)>,
}

/// A filter case with the default profile, no state changes and no blocked node.
fn fcase(
    name: &'static str,
    pod: MakePod,
    nodes: Vec<Node>,
    existing: Vec<Pod>,
    expect: Expect,
) -> FilterCase {
    FilterCase {
        name,
        pod: pod.obj(),
        nodes,
        existing,
        profile: Profile::default(),
        ops: Vec::new(),
        expect,
        blocked: Vec::new(),
    }
}

impl FilterCase {
    fn blocked(mut self, blocked: &[(&'static str, Plugin)]) -> FilterCase {
        self.blocked = blocked.to_vec();
        self
    }

    fn profile(mut self, profile: Profile) -> FilterCase {
        self.profile = profile;
        self
    }

    fn ops(mut self, ops: Vec<Op>) -> FilterCase {
        self.ops = ops;
        self
    }
}

fn state(
    constraints: &[(&'static str, i64, bool)],
    counts: &[(&'static str, &'static str, i64)],
    min: &[(&'static str, i64)],
) -> Expect {
    Expect::State(State {
        constraints: constraints.to_vec(),
        counts: counts.to_vec(),
        min: min.to_vec(),
    })
}

const S: Option<Code> = None;
const U: Option<Code> = Some(Code::Unschedulable);
const UU: Option<Code> = Some(Code::UnschedulableAndUnresolvable);

fn codes(c: &[Option<Code>]) -> Expect {
    Expect::Codes(c.to_vec())
}

fn name_pods(running: &[Pod]) -> Vec<Pod> {
    running
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let mut p = p.clone();
            if p.name.is_empty() {
                p.name = format!("existing-{i}");
            }
            p
        })
        .collect()
}

fn compile(nodes: &[Node], running: &[Pod], incoming: Vec<Pod>) -> Snapshot {
    Cluster::compile(&ClusterSpec {
        nodes: nodes.to_vec(),
        namespaces: Vec::new(),
        running: name_pods(running),
        incoming,
    })
    .expect("cluster compiles")
}

fn outcomes(snap: &Snapshot, ev: &Evaluation) -> BTreeMap<String, Got> {
    let c = &snap.cluster;
    let mut out = BTreeMap::new();
    for (n, r) in &ev.rejected {
        out.insert(
            c.node_name(*n).to_string(),
            Got::Rejected(r.plugin, r.code, r.message(c)),
        );
    }
    for s in &ev.feasible {
        out.insert(c.node_name(s.node).to_string(), Got::Fits);
    }
    out
}

fn finish(test: &str, failures: Vec<String>) {
    assert!(
        failures.is_empty(),
        "{test}: {} failing case(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn run_filter_case(i: usize, c: &FilterCase, failures: &mut Vec<String>) {
    let mut incoming = vec![c.pod.clone()];
    for op in &c.ops {
        match op {
            Op::Add(p) | Op::RemoveUnplaced(p) => {
                let mut p = p.clone();
                p.node_name = None;
                incoming.push(p);
            }
            Op::Remove(_) => {}
        }
    }
    let mut snap = compile(&c.nodes, &c.existing, incoming);
    for (k, op) in c.ops.iter().enumerate() {
        let (cluster, state) = (&snap.cluster, &mut snap.state);
        match op {
            Op::Add(p) => {
                let target = cluster
                    .node_by_name(p.node_name.as_deref().unwrap())
                    .unwrap();
                state.assume(cluster, snap.incoming[1 + k], target);
            }
            Op::Remove(name) => {
                let p = cluster.pod_by_key("default", name).unwrap();
                assert!(state.placement(p).is_some(), "{name} is placed");
                state.remove(cluster, p);
            }
            Op::RemoveUnplaced(_) => state.remove(cluster, snap.incoming[1 + k]),
        }
    }
    let ev =
        Scheduler::new(&snap.cluster, c.profile.clone()).evaluate(&snap.state, snap.incoming[0]);
    let skipped = ev.skipped_filter.contains(&Plugin::PodTopologySpread);
    let want_skip = matches!(c.expect, Expect::Skip);
    if skipped != want_skip {
        failures.push(format!(
            "[{i}] {:?}: PreFilter skipped = {skipped}, want {want_skip}",
            c.name
        ));
    }
    let got = outcomes(&snap, &ev);
    for (j, n) in c.nodes.iter().enumerate() {
        let want = if let Some((_, plugin)) = c.blocked.iter().find(|b| b.0 == n.name) {
            // Only the plugin matters: its own status is not under test.
            match got.get(&n.name) {
                Some(Got::Rejected(p, _, _)) if p == plugin => continue,
                _ => Got::Rejected(*plugin, Code::UnschedulableAndUnresolvable, "..".into()),
            }
        } else {
            match &c.expect {
                Expect::Skip => Got::Fits,
                Expect::State(s) => s.verdict(n),
                Expect::Codes(codes) => codes[j].map_or(Got::Fits, pts_status),
            }
        };
        if got.get(&n.name) != Some(&want) {
            failures.push(format!(
                "[{i}] {:?}: node {}: got {:?}, want {want:?}",
                c.name,
                n.name,
                got.get(&n.name)
            ));
        }
    }
}

fn run_filter_cases(test: &str, cases: &[FilterCase]) {
    let mut failures = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        if let Expect::Codes(codes) = &c.expect {
            assert_eq!(codes.len(), c.nodes.len(), "{}", c.name);
        }
        run_filter_case(i, c, &mut failures);
    }
    finish(test, failures);
}

struct ScoreCase {
    name: &'static str,
    pod: Pod,
    existing: Vec<Pod>,
    /// Candidate nodes.
    nodes: Vec<Node>,
    /// Nodes that fail filtering (`failedNodes`), made infeasible with an extra
    /// untolerated taint.
    failed: Vec<Node>,
    /// Nodes the pod's own spec makes infeasible, added as they are.
    infeasible: Vec<Node>,
    profile: Profile,
    /// Normalized PodTopologySpread scores of the candidates, in order; `None`: PreScore
    /// returns Skip.
    want: Option<Vec<i64>>,
    /// Raw scores, when the case checks them.
    want_raw: Option<Vec<i64>>,
}

fn scase(
    name: &'static str,
    pod: MakePod,
    existing: Vec<Pod>,
    nodes: Vec<Node>,
    failed: Vec<Node>,
    want: &[i64],
) -> ScoreCase {
    ScoreCase {
        name,
        pod: pod.obj(),
        existing,
        nodes,
        failed,
        infeasible: Vec::new(),
        // `DefaultingType: config.SystemDefaulting`, as TestPodTopologySpreadScore has.
        profile: Profile::default(),
        want: Some(want.to_vec()),
        want_raw: None,
    }
}

fn run_score_case(i: usize, c: &ScoreCase, failures: &mut Vec<String>) {
    let mut nodes = c.nodes.clone();
    nodes.extend(c.failed.iter().map(|n| {
        let mut n = n.clone();
        n.taints.push(Taint {
            key: "failed-node".into(),
            value: String::new(),
            effect: TaintEffect::NoSchedule,
        });
        n
    }));
    nodes.extend(c.infeasible.iter().cloned());
    let snap = compile(&nodes, &c.existing, vec![c.pod.clone()]);
    let ev =
        Scheduler::new(&snap.cluster, c.profile.clone()).evaluate(&snap.state, snap.incoming[0]);
    let feasible: Vec<&str> = ev
        .feasible
        .iter()
        .map(|s| snap.cluster.node_name(s.node))
        .collect();
    let candidates: Vec<&str> = c.nodes.iter().map(|n| n.name.as_str()).collect();
    if feasible != candidates {
        failures.push(format!(
            "[{i}] {:?}: feasible {feasible:?}, want {candidates:?}; rejected {:?}",
            c.name, ev.rejected
        ));
        return;
    }
    let skipped = ev.skipped_score.contains(&Plugin::PodTopologySpread);
    let entry = |s: &spillway_core::framework::NodeScores| {
        s.plugins
            .iter()
            .find(|p| p.0 == Plugin::PodTopologySpread)
            .map(|p| (p.1, p.2))
    };
    let got: Vec<Option<(i64, i64)>> = ev.feasible.iter().map(entry).collect();
    match &c.want {
        None => {
            if !skipped || got.iter().any(Option::is_some) {
                failures.push(format!(
                    "[{i}] {:?}: want PreScore Skip, got skipped={skipped}, (raw, normalized) {got:?}",
                    c.name
                ));
            }
        }
        Some(want) => {
            let normalized: Vec<Option<i64>> = got.iter().map(|g| g.map(|g| g.1)).collect();
            let want_n: Vec<Option<i64>> = want.iter().map(|s| Some(*s)).collect();
            if skipped || normalized != want_n {
                failures.push(format!(
                    "[{i}] {:?}: got skipped={skipped}, normalized {normalized:?}, want {want_n:?}",
                    c.name
                ));
            }
            if let Some(raw) = &c.want_raw {
                let got_raw: Vec<Option<i64>> = got.iter().map(|g| g.map(|g| g.0)).collect();
                let want_r: Vec<Option<i64>> = raw.iter().map(|s| Some(*s)).collect();
                if got_raw != want_r {
                    failures.push(format!(
                        "[{i}] {:?}: raw {got_raw:?}, want {want_r:?}",
                        c.name
                    ));
                }
            }
        }
    }
}

fn run_score_cases(test: &str, cases: &[ScoreCase]) {
    let mut failures = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        run_score_case(i, c, &mut failures);
    }
    finish(test, failures);
}

// ---------------------------------------------------------------------------
// filtering_test.go: TestPreFilterState
// ---------------------------------------------------------------------------

fn abxy() -> Vec<Node> {
    vec![
        zn("node-a", "zone1"),
        zn("node-b", "zone1"),
        zn("node-x", "zone2"),
        zn("node-y", "zone2"),
    ]
}

/// p-a1, p-a2, p-b1, p-y1, p-y2 (all `foo`).
fn pods_32() -> Vec<Pod> {
    vec![
        foo_on("p-a1", "node-a"),
        foo_on("p-a2", "node-a"),
        foo_on("p-b1", "node-b"),
        foo_on("p-y1", "node-y"),
        foo_on("p-y2", "node-y"),
    ]
}

/// p-a1, p-a2, p-b1, p-y1..p-y4 (all `foo`).
fn pods_34() -> Vec<Pod> {
    vec![
        foo_on("p-a1", "node-a"),
        foo_on("p-a2", "node-a"),
        foo_on("p-b1", "node-b"),
        foo_on("p-y1", "node-y"),
        foo_on("p-y2", "node-y"),
        foo_on("p-y3", "node-y"),
        foo_on("p-y4", "node-y"),
    ]
}

/// Nodes node-a, node-b (label `foo`) and node-c (label `bar`), keyed by `node`.
fn abc_foo_bar() -> Vec<Node> {
    vec![
        node("node-a", &[("node", "node-a"), ("foo", "")]),
        node("node-b", &[("node", "node-b"), ("foo", "")]),
        node("node-c", &[("node", "node-c"), ("bar", "")]),
    ]
}

/// Nodes node-a, node-b, and node-c (tainted, label `bar`), keyed by `node`.
fn abc_tainted() -> Vec<Node> {
    vec![
        node("node-a", &[("node", "node-a")]),
        node("node-b", &[("node", "node-b")]),
        tainted(node("node-c", &[("node", "node-c"), ("bar", "")])),
    ]
}

/// p-a (node-a), p-b, p-c (node-b) labelled `bar`; p-d on node-c unlabelled.
fn bar_pods_abbc() -> Vec<Pod> {
    vec![
        bar_on("p-a", "node-a"),
        bar_on("p-b", "node-b"),
        bar_on("p-c", "node-b"),
        pod("p-d").node("node-c").obj(),
    ]
}

fn pre_filter_state_cases() -> Vec<FilterCase> {
    use Plugin::{NodeAffinity as NA, TaintToleration as TT};
    let p = || pod("p").label("foo", "");
    vec![
        fcase(
            "clean cluster with one spreadConstraint",
            p().sc(5, "zone", HARD, match_label("foo", "bar")),
            abxy(),
            vec![],
            state(
                &[("zone", 5, false)],
                &[("zone", "zone1", 0), ("zone", "zone2", 0)],
                &[("zone", 0)],
            ),
        ),
        fcase(
            "normal case with one spreadConstraint",
            p().sc(1, "zone", HARD, foo()),
            abxy(),
            pods_32(),
            state(
                &[("zone", 1, true)],
                &[("zone", "zone1", 3), ("zone", "zone2", 2)],
                &[("zone", 2)],
            ),
        ),
        fcase(
            "normal case with null label selector",
            p().sc(1, "zone", HARD, None),
            abxy(),
            pods_32(),
            state(
                &[("zone", 1, false)],
                &[("zone", "zone1", 0), ("zone", "zone2", 0)],
                &[("zone", 0)],
            ),
        ),
        fcase(
            "normal case with one spreadConstraint, on a 3-zone cluster",
            p().sc(1, "zone", HARD, foo()),
            {
                let mut n = abxy();
                n.push(zn("node-o", "zone3"));
                n.push(zn("node-p", "zone3"));
                n
            },
            pods_32(),
            state(
                &[("zone", 1, true)],
                &[
                    ("zone", "zone1", 3),
                    ("zone", "zone2", 2),
                    ("zone", "zone3", 0),
                ],
                &[("zone", 0)],
            ),
        ),
        fcase(
            "namespace mismatch doesn't count",
            p().sc(1, "zone", HARD, foo()),
            abxy(),
            vec![
                foo_on("p-a1", "node-a"),
                pod("p-a2")
                    .namespace("ns1")
                    .node("node-a")
                    .label("foo", "")
                    .obj(),
                foo_on("p-b1", "node-b"),
                pod("p-y1")
                    .namespace("ns2")
                    .node("node-y")
                    .label("foo", "")
                    .obj(),
                foo_on("p-y2", "node-y"),
            ],
            state(
                &[("zone", 1, true)],
                &[("zone", "zone1", 2), ("zone", "zone2", 1)],
                &[("zone", 1)],
            ),
        ),
        fcase(
            "normal case with two spreadConstraints",
            p().sc(1, "zone", HARD, foo()).sc(1, "node", HARD, foo()),
            abxy(),
            pods_34(),
            state(
                &[("zone", 1, true), ("node", 1, true)],
                &[
                    ("zone", "zone1", 3),
                    ("zone", "zone2", 4),
                    ("node", "node-a", 2),
                    ("node", "node-b", 1),
                    ("node", "node-x", 0),
                    ("node", "node-y", 4),
                ],
                &[("zone", 3), ("node", 0)],
            ),
        ),
        fcase(
            "soft spreadConstraints should be bypassed",
            p().sc(1, "zone", SOFT, foo())
                .sc(1, "zone", HARD, foo())
                .sc(1, "node", SOFT, foo())
                .sc(1, "node", HARD, foo()),
            vec![
                zn("node-a", "zone1"),
                zn("node-b", "zone1"),
                zn("node-y", "zone2"),
            ],
            pods_34(),
            state(
                &[("zone", 1, true), ("node", 1, true)],
                &[
                    ("zone", "zone1", 3),
                    ("zone", "zone2", 4),
                    ("node", "node-a", 2),
                    ("node", "node-b", 1),
                    ("node", "node-y", 4),
                ],
                &[("zone", 3), ("node", 1)],
            ),
        ),
        fcase(
            "different labelSelectors - simple version",
            p().label("bar", "")
                .sc(1, "zone", HARD, foo())
                .sc(1, "node", HARD, bar()),
            vec![
                zn("node-a", "zone1"),
                zn("node-b", "zone1"),
                zn("node-y", "zone2"),
            ],
            vec![foo_on("p-a", "node-a"), bar_on("p-b", "node-b")],
            state(
                &[("zone", 1, true), ("node", 1, true)],
                &[
                    ("zone", "zone1", 1),
                    ("zone", "zone2", 0),
                    ("node", "node-a", 0),
                    ("node", "node-b", 1),
                    ("node", "node-y", 0),
                ],
                &[("zone", 0), ("node", 0)],
            ),
        ),
        fcase(
            "different labelSelectors - complex pods",
            p().label("bar", "")
                .sc(1, "zone", HARD, foo())
                .sc(1, "node", HARD, bar()),
            vec![
                zn("node-a", "zone1"),
                zn("node-b", "zone1"),
                zn("node-y", "zone2"),
            ],
            vec![
                foo_on("p-a1", "node-a"),
                pod("p-a2")
                    .node("node-a")
                    .label("foo", "")
                    .label("bar", "")
                    .obj(),
                foo_on("p-b1", "node-b"),
                foo_on("p-y1", "node-y"),
                pod("p-y2")
                    .node("node-y")
                    .label("foo", "")
                    .label("bar", "")
                    .obj(),
                foo_on("p-y3", "node-y"),
                pod("p-y4")
                    .node("node-y")
                    .label("foo", "")
                    .label("bar", "")
                    .obj(),
            ],
            state(
                &[("zone", 1, true), ("node", 1, true)],
                &[
                    ("zone", "zone1", 3),
                    ("zone", "zone2", 4),
                    ("node", "node-a", 1),
                    ("node", "node-b", 0),
                    ("node", "node-y", 2),
                ],
                &[("zone", 3), ("node", 0)],
            ),
        ),
        fcase(
            "two spreadConstraints, and with podAffinity",
            p().node_affinity_not_in("node", &["node-x"])
                .sc(1, "zone", HARD, foo())
                .sc(1, "node", HARD, foo()),
            abxy(),
            pods_34(),
            state(
                &[("zone", 1, true), ("node", 1, true)],
                &[
                    ("zone", "zone1", 3),
                    ("zone", "zone2", 4),
                    ("node", "node-a", 2),
                    ("node", "node-b", 1),
                    ("node", "node-y", 4),
                ],
                &[("zone", 3), ("node", 1)],
            ),
        )
        .blocked(&[("node-x", NA)]),
        // The next four have no nodes: only PreFilter's Skip (or not) is observable.
        fcase(
            "default constraints and a service",
            pod("p")
                .label("foo", "bar")
                .label("baz", "kar")
                .default_selector(match_label("foo", "bar")),
            vec![],
            vec![],
            Expect::State(State::default()),
        )
        .profile(list_defaulting(&[
            ("node", 3, true),
            ("node", 2, false),
            ("rack", 5, true),
        ])),
        // The Service selects `baz=kep`, not the pod: no default selector.
        fcase(
            "default constraints and a service that doesn't match",
            pod("p").label("foo", "bar"),
            vec![],
            vec![],
            Expect::Skip,
        )
        .profile(list_defaulting(&[("node", 3, true)])),
        fcase(
            "default constraints and a service, but pod has constraints",
            pod("p")
                .label("foo", "bar")
                .label("baz", "tar")
                .sc(1, "zone", HARD, match_label("baz", "tar"))
                .sc(2, "planet", SOFT, match_label("fot", "rok"))
                .default_selector(match_label("foo", "bar")),
            vec![],
            vec![],
            Expect::State(State::default()),
        )
        .profile(list_defaulting(&[("node", 2, true)])),
        fcase(
            "default soft constraints and a service",
            pod("p")
                .label("foo", "bar")
                .default_selector(match_label("foo", "bar")),
            vec![],
            vec![],
            Expect::Skip,
        )
        .profile(list_defaulting(&[("node", 2, false)])),
        fcase(
            "TpKeyToDomainsNum is calculated when MinDomains is enabled",
            p().sc(1, "zone", HARD, foo()).sc(1, "node", HARD, foo()),
            abxy(),
            pods_34(),
            state(
                &[("zone", 1, true), ("node", 1, true)],
                &[
                    ("zone", "zone1", 3),
                    ("zone", "zone2", 4),
                    ("node", "node-a", 2),
                    ("node", "node-b", 1),
                    ("node", "node-x", 0),
                    ("node", "node-y", 4),
                ],
                &[("zone", 3), ("node", 0)],
            ),
        ),
        fcase(
            "NodeAffinityPolicy honored with labelSelectors",
            p().node_selector("foo", "").sc(1, "node", HARD, bar()),
            abc_foo_bar(),
            bar_pods_abbc(),
            state(
                &[("node", 1, false)],
                &[("node", "node-a", 1), ("node", "node-b", 2)],
                &[("node", 1)],
            ),
        )
        .blocked(&[("node-c", NA)]),
        fcase(
            "NodeAffinityPolicy ignored with labelSelectors",
            p().node_selector("foo", "")
                .spread(1, "node", HARD, bar(), None, IGNORE, None, &[]),
            abc_foo_bar(),
            bar_pods_abbc(),
            state(
                &[("node", 1, false)],
                &[
                    ("node", "node-a", 1),
                    ("node", "node-b", 2),
                    ("node", "node-c", 0),
                ],
                &[("node", 0)],
            ),
        )
        .blocked(&[("node-c", NA)]),
        fcase(
            "NodeAffinityPolicy honored with nodeAffinity",
            p().node_affinity_in("foo", &[""])
                .sc(1, "node", HARD, bar()),
            abc_foo_bar(),
            vec![
                bar_on("p-a", "node-a"),
                bar_on("p-c", "node-b"),
                bar_on("p-d", "node-b"),
                pod("p-e").node("node-c").obj(),
            ],
            state(
                &[("node", 1, false)],
                &[("node", "node-a", 1), ("node", "node-b", 2)],
                &[("node", 1)],
            ),
        )
        .blocked(&[("node-c", NA)]),
        fcase(
            "NodeAffinityPolicy ignored with nodeAffinity",
            p().node_affinity_in("foo", &[""]).spread(
                1,
                "node",
                HARD,
                bar(),
                None,
                IGNORE,
                None,
                &[],
            ),
            abc_foo_bar(),
            bar_pods_abbc(),
            state(
                &[("node", 1, false)],
                &[
                    ("node", "node-a", 1),
                    ("node", "node-b", 2),
                    ("node", "node-c", 0),
                ],
                &[("node", 0)],
            ),
        )
        .blocked(&[("node-c", NA)]),
        fcase(
            "NodeTaintsPolicy ignored",
            p().sc(1, "node", HARD, bar()),
            abc_tainted(),
            bar_pods_abbc(),
            state(
                &[("node", 1, false)],
                &[
                    ("node", "node-a", 1),
                    ("node", "node-b", 2),
                    ("node", "node-c", 0),
                ],
                &[("node", 0)],
            ),
        )
        .blocked(&[("node-c", TT)]),
        fcase(
            "NodeTaintsPolicy honored",
            p().spread(1, "node", HARD, bar(), None, None, HONOR, &[]),
            abc_tainted(),
            bar_pods_abbc(),
            state(
                &[("node", 1, false)],
                &[("node", "node-a", 1), ("node", "node-b", 2)],
                &[("node", 1)],
            ),
        )
        .blocked(&[("node-c", TT)]),
        fcase(
            "NodeTaintsPolicy honored with tolerated taints",
            p().toleration(UNSCHEDULABLE_TAINT).spread(
                1,
                "node",
                HARD,
                bar(),
                None,
                None,
                HONOR,
                &[],
            ),
            abc_tainted(),
            bar_pods_abbc(),
            state(
                &[("node", 1, false)],
                &[
                    ("node", "node-a", 1),
                    ("node", "node-b", 2),
                    ("node", "node-c", 0),
                ],
                &[("node", 0)],
            ),
        ),
        fcase(
            "two node inclusion Constraints, zone: honor/ignore, node: ignore/ignore",
            p().node_selector("foo", "")
                .sc(1, "zone", HARD, foo())
                .spread(1, "node", HARD, foo(), None, IGNORE, None, &[]),
            vec![
                node(
                    "node-a",
                    &[("zone", "zone1"), ("node", "node-a"), ("foo", "")],
                ),
                node("node-b", &[("zone", "zone1"), ("node", "node-b")]),
                node(
                    "node-x",
                    &[("zone", "zone2"), ("node", "node-x"), ("foo", "")],
                ),
            ],
            vec![
                foo_on("p-b1", "node-b"),
                foo_on("p-b2", "node-b"),
                foo_on("p-x1", "node-x"),
            ],
            state(
                &[("zone", 1, true), ("node", 1, true)],
                &[
                    ("zone", "zone1", 0),
                    ("zone", "zone2", 1),
                    ("node", "node-a", 0),
                    ("node", "node-b", 2),
                    ("node", "node-x", 1),
                ],
                &[("zone", 0), ("node", 0)],
            ),
        )
        .blocked(&[("node-b", NA)]),
        fcase(
            "two node inclusion Constraints, zone: honor/honor, node: honor/ignore",
            p().spread(1, "zone", HARD, foo(), None, None, HONOR, &[])
                .sc(1, "node", HARD, foo()),
            vec![
                node(
                    "node-a",
                    &[("zone", "zone1"), ("node", "node-a"), ("foo", "")],
                ),
                tainted(node("node-b", &[("zone", "zone1"), ("node", "node-b")])),
                node(
                    "node-x",
                    &[("zone", "zone2"), ("node", "node-x"), ("foo", "")],
                ),
            ],
            vec![
                foo_on("p-b1", "node-b"),
                foo_on("p-b2", "node-b"),
                foo_on("p-x1", "node-x"),
            ],
            state(
                &[("zone", 1, true), ("node", 1, true)],
                &[
                    ("zone", "zone1", 0),
                    ("zone", "zone2", 1),
                    ("node", "node-a", 0),
                    ("node", "node-b", 2),
                    ("node", "node-x", 1),
                ],
                &[("zone", 0), ("node", 0)],
            ),
        )
        .blocked(&[("node-b", TT)]),
        fcase(
            "two node inclusion Constraints, zone: honor/ignore, node: honor/ignore",
            p().node_selector("foo", "")
                .sc(1, "zone", HARD, foo())
                .sc(1, "node", HARD, foo()),
            vec![
                node("node-a", &[("zone", "zone1"), ("node", "node-a")]),
                tainted(node(
                    "node-b",
                    &[("zone", "zone1"), ("node", "node-b"), ("foo", "")],
                )),
                node(
                    "node-x",
                    &[("zone", "zone2"), ("node", "node-x"), ("foo", "")],
                ),
                node("node-y", &[("zone", "zone2"), ("node", "node-y")]),
            ],
            vec![
                foo_on("p-a1", "node-a"),
                foo_on("p-a2", "node-a"),
                foo_on("p-x1", "node-x"),
                foo_on("p-y1", "node-y"),
            ],
            state(
                &[("zone", 1, true), ("node", 1, true)],
                &[
                    ("zone", "zone1", 0),
                    ("zone", "zone2", 1),
                    ("node", "node-b", 0),
                    ("node", "node-x", 1),
                ],
                &[("zone", 0), ("node", 0)],
            ),
        )
        .blocked(&[("node-a", NA), ("node-b", TT), ("node-y", NA)]),
        fcase(
            "two node inclusion Constraints, zone: ignore/ignore, node: honor/honor",
            p().node_selector("foo", "")
                .spread(1, "zone", HARD, foo(), None, IGNORE, None, &[])
                .spread(1, "node", HARD, foo(), None, None, HONOR, &[]),
            vec![
                node("node-a", &[("zone", "zone1"), ("node", "node-a")]),
                tainted(node(
                    "node-b",
                    &[("zone", "zone1"), ("node", "node-b"), ("foo", "")],
                )),
                node(
                    "node-x",
                    &[("zone", "zone2"), ("node", "node-x"), ("foo", "")],
                ),
                node(
                    "node-y",
                    &[("zone", "zone2"), ("node", "node-y"), ("foo", "")],
                ),
            ],
            vec![
                foo_on("p-a1", "node-a"),
                foo_on("p-a2", "node-a"),
                foo_on("p-x1", "node-x"),
                foo_on("p-x2", "node-x"),
                foo_on("p-y1", "node-y"),
            ],
            state(
                &[("zone", 1, true), ("node", 1, true)],
                &[
                    ("zone", "zone1", 2),
                    ("zone", "zone2", 3),
                    ("node", "node-x", 2),
                    ("node", "node-y", 1),
                ],
                &[("zone", 2), ("node", 1)],
            ),
        )
        .blocked(&[("node-a", NA), ("node-b", TT)]),
        fcase(
            "matchLabelKeys ANDed with LabelSelector when LabelSelector isn't empty",
            p().label("bar", "a")
                .spread(1, "zone", HARD, foo(), None, None, None, &["bar"]),
            abxy(),
            vec![
                foo_on("p-a1", "node-a"),
                pod("p-a2")
                    .node("node-a")
                    .label("foo", "")
                    .label("bar", "a")
                    .obj(),
                foo_on("p-b1", "node-b"),
                pod("p-y1")
                    .node("node-y")
                    .label("foo", "")
                    .label("bar", "a")
                    .obj(),
                bar_on("p-y2", "node-y"),
            ],
            state(
                &[("zone", 1, true)],
                &[("zone", "zone1", 1), ("zone", "zone2", 1)],
                &[("zone", 1)],
            ),
        ),
        fcase(
            "matchLabelKeys ANDed with LabelSelector when LabelSelector is empty",
            pod("p").label("foo", "a").spread(
                1,
                "zone",
                HARD,
                empty_selector(),
                None,
                None,
                None,
                &["foo"],
            ),
            abxy(),
            foo_a_pods(),
            state(
                &[("zone", 1, true)],
                &[("zone", "zone1", 3), ("zone", "zone2", 2)],
                &[("zone", 2)],
            ),
        ),
        fcase(
            "key in matchLabelKeys is ignored when LabelSelector is nil when feature gate enabled",
            p().spread(1, "zone", HARD, None, None, None, None, &["bar"]),
            abxy(),
            foo_a_pods(),
            state(
                &[("zone", 1, false)],
                &[("zone", "zone1", 0), ("zone", "zone2", 0)],
                &[("zone", 0)],
            ),
        ),
        fcase(
            "key in matchLabelKeys is ignored when it isn't exist in pod.labels",
            p().spread(1, "zone", HARD, foo(), None, None, None, &["bar"]),
            abxy(),
            foo_a_pods(),
            state(
                &[("zone", 1, true)],
                &[("zone", "zone1", 3), ("zone", "zone2", 2)],
                &[("zone", 2)],
            ),
        ),
        fcase(
            "skip if not specified",
            p(),
            vec![zn("node-a", "zone1")],
            vec![],
            Expect::Skip,
        ),
    ]
}

/// p-a1, p-a2, p-b1, p-y1, p-y2 labelled `foo=a`.
fn foo_a_pods() -> Vec<Pod> {
    ["p-a1", "p-a2", "p-b1", "p-y1", "p-y2"]
        .iter()
        .zip(["node-a", "node-a", "node-b", "node-y", "node-y"])
        .map(|(name, n)| pod(name).node(n).label("foo", "a").obj())
        .collect()
}

#[test]
fn pre_filter_state() {
    let cases = pre_filter_state_cases();
    assert_eq!(cases.len(), 31);
    run_filter_cases("TestPreFilterState", &cases);
}

// ---------------------------------------------------------------------------
// filtering_test.go: TestPreFilterStateAddPod
// ---------------------------------------------------------------------------

fn pre_filter_state_add_pod_cases() -> Vec<FilterCase> {
    let p = || pod("p").label("foo", "");
    let ab = || vec![zn("node-a", "zone1"), zn("node-b", "zone1")];
    let ax = || vec![zn("node-a", "zone1"), zn("node-x", "zone2")];
    let abx = || {
        vec![
            zn("node-a", "zone1"),
            zn("node-b", "zone1"),
            zn("node-x", "zone2"),
        ]
    };
    // node-a (zone1, foo=bar), node-b (zone2, foo="").
    let ab_foo = || {
        vec![
            node(
                "node-a",
                &[("zone", "zone1"), ("node", "node-a"), ("foo", "bar")],
            ),
            node(
                "node-b",
                &[("zone", "zone2"), ("node", "node-b"), ("foo", "")],
            ),
        ]
    };
    let zoned = |name: &str, n: &str, zone: &str| {
        pod(name).node(n).label("foo", "").label("zone", zone).obj()
    };
    let add = |p: Pod| vec![Op::Add(p)];
    vec![
        fcase(
            "node a and b both impact current min match",
            p().sc(1, "node", HARD, foo()),
            ab(),
            vec![],
            state(
                &[("node", 1, true)],
                &[("node", "node-a", 1), ("node", "node-b", 0)],
                &[("node", 0)],
            ),
        )
        .ops(add(foo_on("p-a1", "node-a"))),
        fcase(
            "only node a impacts current min match",
            p().sc(1, "node", HARD, foo()),
            ab(),
            vec![foo_on("p-b1", "node-b")],
            state(
                &[("node", 1, true)],
                &[("node", "node-a", 1), ("node", "node-b", 1)],
                &[("node", 1)],
            ),
        )
        .ops(add(foo_on("p-a1", "node-a"))),
        fcase(
            "add a pod in a different namespace doesn't change topologyKeyToMinPodsMap",
            p().sc(1, "node", HARD, foo()),
            ab(),
            vec![foo_on("p-b1", "node-b")],
            state(
                &[("node", 1, true)],
                &[("node", "node-a", 0), ("node", "node-b", 1)],
                &[("node", 0)],
            ),
        )
        .ops(add(pod("p-a1")
            .namespace("ns1")
            .node("node-a")
            .label("foo", "")
            .obj())),
        fcase(
            "add pod on non-critical node won't trigger re-calculation",
            p().sc(1, "node", HARD, foo()),
            ab(),
            vec![foo_on("p-b1", "node-b")],
            state(
                &[("node", 1, true)],
                &[("node", "node-a", 0), ("node", "node-b", 2)],
                &[("node", 0)],
            ),
        )
        .ops(add(foo_on("p-b2", "node-b"))),
        fcase(
            "node a and x both impact topologyKeyToMinPodsMap on zone and node",
            p().sc(1, "zone", HARD, foo()).sc(1, "node", HARD, foo()),
            ax(),
            vec![],
            state(
                &[("zone", 1, true), ("node", 1, true)],
                &[
                    ("zone", "zone1", 1),
                    ("zone", "zone2", 0),
                    ("node", "node-a", 1),
                    ("node", "node-x", 0),
                ],
                &[("zone", 0), ("node", 0)],
            ),
        )
        .ops(add(foo_on("p-a1", "node-a"))),
        fcase(
            "only node a impacts topologyKeyToMinPodsMap on zone and node",
            p().sc(1, "zone", HARD, foo()).sc(1, "node", HARD, foo()),
            ax(),
            vec![foo_on("p-x1", "node-x")],
            state(
                &[("zone", 1, true), ("node", 1, true)],
                &[
                    ("zone", "zone1", 1),
                    ("zone", "zone2", 1),
                    ("node", "node-a", 1),
                    ("node", "node-x", 1),
                ],
                &[("zone", 1), ("node", 1)],
            ),
        )
        .ops(add(foo_on("p-a1", "node-a"))),
        fcase(
            "node a impacts topologyKeyToMinPodsMap on node, node x impacts topologyKeyToMinPodsMap on zone",
            p().sc(1, "zone", HARD, foo()).sc(1, "node", HARD, foo()),
            abx(),
            vec![
                foo_on("p-b1", "node-b"),
                foo_on("p-b2", "node-b"),
                foo_on("p-x1", "node-x"),
            ],
            state(
                &[("zone", 1, true), ("node", 1, true)],
                &[
                    ("zone", "zone1", 3),
                    ("zone", "zone2", 1),
                    ("node", "node-a", 1),
                    ("node", "node-b", 2),
                    ("node", "node-x", 1),
                ],
                &[("zone", 1), ("node", 1)],
            ),
        )
        .ops(add(foo_on("p-a1", "node-a"))),
        fcase(
            "Constraints hold different labelSelectors, node a impacts topologyKeyToMinPodsMap on zone",
            p().label("bar", "")
                .sc(1, "zone", HARD, foo())
                .sc(1, "node", HARD, bar()),
            abx(),
            vec![
                pod("p-b1").node("node-b").label("foo", "").label("bar", "").obj(),
                pod("p-x1").node("node-x").label("foo", "").label("bar", "").obj(),
                bar_on("p-x2", "node-x"),
            ],
            state(
                &[("zone", 1, true), ("node", 1, true)],
                &[
                    ("zone", "zone1", 2),
                    ("zone", "zone2", 1),
                    ("node", "node-a", 0),
                    ("node", "node-b", 1),
                    ("node", "node-x", 2),
                ],
                &[("zone", 1), ("node", 0)],
            ),
        )
        .ops(add(foo_on("p-a1", "node-a"))),
        fcase(
            "Constraints hold different labelSelectors, node a impacts topologyKeyToMinPodsMap on both zone and node",
            p().label("bar", "")
                .sc(1, "zone", HARD, foo())
                .sc(1, "node", HARD, bar()),
            abx(),
            vec![
                bar_on("p-b1", "node-b"),
                pod("p-x1").node("node-x").label("foo", "").label("bar", "").obj(),
                bar_on("p-x2", "node-x"),
            ],
            state(
                &[("zone", 1, true), ("node", 1, true)],
                &[
                    ("zone", "zone1", 1),
                    ("zone", "zone2", 1),
                    ("node", "node-a", 1),
                    ("node", "node-b", 1),
                    ("node", "node-x", 2),
                ],
                &[("zone", 1), ("node", 1)],
            ),
        )
        .ops(add(pod("p-a1")
            .node("node-a")
            .label("foo", "")
            .label("bar", "")
            .obj())),
        fcase(
            "add a pod when scheduling node affinity unmatched pod with NodeInclusionPolicy enabled",
            p().node_affinity_not_in("foo", &["bar"])
                .sc(1, "zone", HARD, foo()),
            ab_foo(),
            vec![
                zoned("p-a2", "node-a", "zone1"),
                zoned("p-b1", "node-b", "zone2"),
            ],
            state(
                &[("zone", 1, true)],
                &[("zone", "zone2", 1)],
                &[("zone", 1)],
            ),
        )
        .ops(add(zoned("p-a1", "node-a", "zone1")))
        .blocked(&[("node-a", Plugin::NodeAffinity)]),
        fcase(
            "add a pod when scheduling node affinity matched pod with NodeInclusionPolicy enabled",
            p().sc(1, "zone", HARD, foo()),
            ab_foo(),
            vec![
                zoned("p-a1", "node-a", "zone1"),
                zoned("p-b2", "node-b", "zone2"),
            ],
            state(
                &[("zone", 1, true)],
                &[("zone", "zone1", 1), ("zone", "zone2", 2)],
                &[("zone", 1)],
            ),
        )
        .ops(add(zoned("p-b1", "node-b", "zone2"))),
        fcase(
            "add a label selector not matched pod when with NodeInclusionPolicy enabled",
            p().sc(1, "zone", HARD, foo()),
            ab_foo(),
            vec![
                zoned("p-a1", "node-a", "zone1"),
                zoned("p-b2", "node-b", "zone2"),
            ],
            state(
                &[("zone", 1, true)],
                &[("zone", "zone1", 1), ("zone", "zone2", 1)],
                &[("zone", 1)],
            ),
        )
        .ops(add(pod("p-b1").node("node-b").label("zone", "zone2").obj())),
        fcase(
            "add a pod when scheduling taint tolerated pod with NodeInclusionPolicy enabled",
            p().toleration(UNSCHEDULABLE_TAINT)
                .sc(1, "zone", HARD, foo()),
            vec![
                tainted(zn("node-a", "zone1")),
                zn("node-b", "zone2"),
            ],
            vec![
                zoned("p-a1", "node-a", "zone1"),
                zoned("p-b2", "node-b", "zone2"),
            ],
            state(
                &[("zone", 1, true)],
                &[("zone", "zone1", 1), ("zone", "zone2", 2)],
                &[("zone", 1)],
            ),
        )
        .ops(add(zoned("p-b1", "node-b", "zone2"))),
    ]
}

#[test]
fn pre_filter_state_add_pod() {
    let cases = pre_filter_state_add_pod_cases();
    assert_eq!(cases.len(), 13);
    run_filter_cases("TestPreFilterStateAddPod", &cases);
}

// ---------------------------------------------------------------------------
// filtering_test.go: TestPreFilterStateRemovePod
// ---------------------------------------------------------------------------

fn pre_filter_state_remove_pod_cases() -> Vec<FilterCase> {
    let p = || pod("p").label("foo", "");
    let abx = || {
        vec![
            zn("node-a", "zone1"),
            zn("node-b", "zone1"),
            zn("node-x", "zone2"),
        ]
    };
    let zone1 = || {
        state(
            &[("zone", 1, true)],
            &[("zone", "zone1", 2), ("zone", "zone2", 2)],
            &[("zone", 2)],
        )
    };
    let abxy_pods = || {
        vec![
            foo_on("p-a1", "node-a"),
            foo_on("p-b1", "node-b"),
            foo_on("p-x1", "node-x"),
            foo_on("p-y1", "node-y"),
        ]
    };
    vec![
        fcase(
            "one spreadConstraint on zone, topologyKeyToMinPodsMap unchanged",
            p().sc(1, "zone", HARD, foo()),
            abx(),
            vec![
                foo_on("p-a1", "node-a"),
                foo_on("p-b1", "node-b"),
                foo_on("p-x1", "node-x"),
            ],
            state(
                &[("zone", 1, true)],
                &[("zone", "zone1", 1), ("zone", "zone2", 1)],
                &[("zone", 1)],
            ),
        )
        .ops(vec![Op::Remove("p-a1")]),
        fcase(
            "one spreadConstraint on node, topologyKeyToMinPodsMap changed",
            p().sc(1, "zone", HARD, foo()),
            abxy(),
            abxy_pods(),
            state(
                &[("zone", 1, true)],
                &[("zone", "zone1", 1), ("zone", "zone2", 2)],
                &[("zone", 1)],
            ),
        )
        .ops(vec![Op::Remove("p-a1")]),
        fcase(
            "delete an irrelevant pod won't help",
            p().sc(1, "zone", HARD, foo()),
            abxy(),
            {
                let mut pods = vec![bar_on("p-a0", "node-a")];
                pods.extend(abxy_pods());
                pods
            },
            zone1(),
        )
        .ops(vec![Op::Remove("p-a0")]),
        fcase(
            "delete a non-existing pod won't help",
            p().sc(1, "zone", HARD, foo()),
            abxy(),
            abxy_pods(),
            zone1(),
        )
        .ops(vec![Op::RemoveUnplaced(bar_on("p-a0", "node-a"))]),
        fcase(
            "two spreadConstraints",
            p().sc(1, "zone", HARD, foo()).sc(1, "node", HARD, foo()),
            abx(),
            vec![
                foo_on("p-a1", "node-a"),
                foo_on("p-a2", "node-a"),
                foo_on("p-b1", "node-b"),
                foo_on("p-x1", "node-x"),
                foo_on("p-x2", "node-x"),
            ],
            state(
                &[("zone", 1, true), ("node", 1, true)],
                &[
                    ("zone", "zone1", 3),
                    ("zone", "zone2", 1),
                    ("node", "node-a", 2),
                    ("node", "node-b", 1),
                    ("node", "node-x", 1),
                ],
                &[("zone", 1), ("node", 1)],
            ),
        )
        .ops(vec![Op::Remove("p-x1")]),
        // Upstream's deletedPodIdx is 0 here, so the removed pod is existingPods[0]
        // (p-a2 on node-a), not the `deletedPod` field.
        fcase(
            "remove a pod when scheduling node affinity unmatched pod with NodeInclusionPolicy enabled",
            p().node_affinity_not_in("foo", &["bar"])
                .sc(1, "zone", HARD, foo()),
            vec![
                node("node-a", &[("zone", "zone1"), ("node", "node-a"), ("foo", "bar")]),
                node("node-b", &[("zone", "zone2"), ("node", "node-b"), ("foo", "")]),
            ],
            vec![
                pod("p-a2").node("node-a").label("foo", "").label("zone", "zone1").obj(),
                pod("p-b1").node("node-b").label("foo", "").label("zone", "zone2").obj(),
            ],
            state(
                &[("zone", 1, true)],
                &[("zone", "zone2", 1)],
                &[("zone", 1)],
            ),
        )
        .ops(vec![Op::Remove("p-a2")])
        .blocked(&[("node-a", Plugin::NodeAffinity)]),
    ]
}

#[test]
fn pre_filter_state_remove_pod() {
    let cases = pre_filter_state_remove_pod_cases();
    assert_eq!(cases.len(), 6);
    run_filter_cases("TestPreFilterStateRemovePod", &cases);
}

// ---------------------------------------------------------------------------
// filtering_test.go: TestSingleConstraint
// ---------------------------------------------------------------------------

fn single_constraint_cases() -> Vec<FilterCase> {
    use Plugin::{NodeAffinity as NA, TaintToleration as TT};
    let p = || pod("p").label("foo", "");
    // Spread 2/1/0/3 over node-a, node-b, node-x, node-y.
    let pods_2103 = || {
        vec![
            foo_on("p-a1", "node-a"),
            foo_on("p-a2", "node-a"),
            foo_on("p-b1", "node-b"),
            foo_on("p-y1", "node-y"),
            foo_on("p-y2", "node-y"),
            foo_on("p-y3", "node-y"),
        ]
    };
    let abc = || {
        vec![
            node("node-a", &[("node", "node-a")]),
            node("node-b", &[("node", "node-b")]),
            node("node-c", &[("node", "node-c")]),
        ]
    };
    let pods_221 = || {
        vec![
            foo_on("p-a1", "node-a"),
            foo_on("p-a2", "node-a"),
            foo_on("p-b1", "node-b"),
            foo_on("p-b2", "node-b"),
            foo_on("p-c1", "node-c"),
        ]
    };
    let pods_zone_21 = || {
        vec![
            foo_on("p-b1", "node-a"),
            foo_on("p-b2", "node-b"),
            foo_on("p-y1", "node-y"),
        ]
    };
    // node-a, node-b, node-x labelled `foo`; node-y not.
    let abxy_foo = || {
        vec![
            node("node-a", &[("node", "node-a"), ("foo", "")]),
            node("node-b", &[("node", "node-b"), ("foo", "")]),
            node("node-x", &[("node", "node-x"), ("foo", "")]),
            node("node-y", &[("node", "node-y")]),
        ]
    };
    let abxy_tainted = || {
        vec![
            node("node-a", &[("node", "node-a"), ("foo", "")]),
            node("node-b", &[("node", "node-b"), ("foo", "")]),
            node("node-x", &[("node", "node-x"), ("foo", "")]),
            tainted(node("node-y", &[("node", "node-y")])),
        ]
    };
    vec![
        fcase(
            "no existing pods",
            p().sc(1, "zone", HARD, foo()),
            abxy(),
            vec![],
            codes(&[S, S, S, S]),
        ),
        fcase(
            "no existing pods, incoming pod doesn't match itself",
            p().sc(1, "zone", HARD, bar()),
            abxy(),
            vec![],
            codes(&[S, S, S, S]),
        ),
        fcase(
            "existing pods in a different namespace do not count",
            p().sc(1, "zone", HARD, foo()),
            abxy(),
            vec![
                pod("p-a1")
                    .namespace("ns1")
                    .node("node-a")
                    .label("foo", "")
                    .obj(),
                pod("p-b1")
                    .namespace("ns2")
                    .node("node-a")
                    .label("foo", "")
                    .obj(),
                foo_on("p-x1", "node-x"),
                foo_on("p-y1", "node-y"),
            ],
            codes(&[S, S, U, U]),
        ),
        fcase(
            "existing pods do not match null selector",
            p().sc(1, "zone", HARD, None),
            abxy(),
            vec![foo_on("p-x1", "node-x"), foo_on("p-y1", "node-y")],
            codes(&[S, S, S, S]),
        ),
        fcase(
            "pods spread across zones as 3/3, all nodes fit",
            p().sc(1, "zone", HARD, foo()),
            abxy(),
            pods_2103(),
            codes(&[S, S, S, S]),
        ),
        fcase(
            "pods spread across zones as 1/2 due to absence of label 'zone' on node-b",
            p().sc(1, "zone", HARD, foo()),
            vec![
                zn("node-a", "zone1"),
                node("node-b", &[("zon", "zone1"), ("node", "node-b")]),
                zn("node-x", "zone2"),
                zn("node-y", "zone2"),
            ],
            vec![
                foo_on("p-a1", "node-a"),
                foo_on("p-b1", "node-b"),
                foo_on("p-x1", "node-x"),
                foo_on("p-y1", "node-y"),
            ],
            codes(&[S, UU, U, U]),
        ),
        fcase(
            "pod cannot be scheduled as all nodes don't have label 'rack'",
            p().sc(1, "rack", HARD, foo()),
            vec![zn("node-a", "zone1"), zn("node-x", "zone2")],
            vec![],
            codes(&[UU, UU]),
        ),
        fcase(
            "pods spread across nodes as 2/1/0/3, only node-x fits",
            p().sc(1, "node", HARD, foo()),
            abxy(),
            pods_2103(),
            codes(&[U, U, S, U]),
        ),
        fcase(
            "pods spread across nodes as 2/1/0/3, maxSkew is 2, node-b and node-x fit",
            p().sc(2, "node", HARD, foo()),
            abxy(),
            pods_2103(),
            codes(&[U, S, S, U]),
        ),
        fcase(
            "pods spread across nodes as 2/1/0/3, but pod doesn't match itself",
            pod("p").label("bar", "").sc(1, "node", HARD, foo()),
            abxy(),
            pods_2103(),
            codes(&[U, S, S, U]),
        ),
        // Upstream: node-b and node-x "in real case, it's false" (NodeAffinity).
        fcase(
            "incoming pod has nodeAffinity, pods spread as 2/~1~/~0~/3, hence node-a fits",
            p().node_affinity_in("node", &["node-a", "node-y"])
                .sc(1, "node", HARD, foo()),
            abxy(),
            pods_2103(),
            codes(&[S, S, S, U]),
        )
        .blocked(&[("node-b", NA), ("node-x", NA)]),
        // Upstream: node-b "in real case, it's Unschedulable" (NodeAffinity).
        fcase(
            "incoming pod has nodeAffinity, pods spread as 0/~2~/0/1, hence node-a fits",
            p().node_affinity_not_in("node", &["node-b"])
                .sc(1, "zone", HARD, foo()),
            abxy(),
            vec![
                foo_on("p-b1", "node-b"),
                foo_on("p-b2", "node-b"),
                foo_on("p-y1", "node-y"),
            ],
            codes(&[S, S, U, U]),
        )
        .blocked(&[("node-b", NA)]),
        fcase(
            "pods spread across nodes as 2/2/1, maxSkew is 2, and the number of domains < minDomains, then the third node fits",
            p().spread(2, "node", HARD, foo(), Some(4), None, None, &[]),
            abc(),
            pods_221(),
            codes(&[U, U, S]),
        ),
        fcase(
            "pods spread across nodes as 2/2/1, maxSkew is 2, and the number of domains > minDomains, then the all nodes fit",
            p().spread(2, "node", HARD, foo(), Some(2), None, None, &[]),
            abc(),
            pods_221(),
            codes(&[S, S, S]),
        ),
        fcase(
            "pods spread across zone as 2/1, maxSkew is 2 and the number of domains < minDomains, then the third and fourth nodes fit",
            p().spread(2, "zone", HARD, foo(), Some(3), None, None, &[]),
            abxy(),
            pods_zone_21(),
            codes(&[U, U, S, S]),
        ),
        fcase(
            "pods spread across zone as 2/1, maxSkew is 2 and the number of domains > minDomains, then the all nodes fit",
            p().spread(2, "zone", HARD, foo(), Some(1), None, None, &[]),
            abxy(),
            pods_zone_21(),
            codes(&[S, S, S, S]),
        ),
        // Upstream: node-y "in real case" is rejected by NodeAffinity.
        fcase(
            "NodeAffinityPolicy honored with labelSelectors",
            p().node_selector("foo", "").sc(1, "node", HARD, foo()),
            abxy_foo(),
            pods_zone_21(),
            codes(&[U, U, S, S]),
        )
        .blocked(&[("node-y", NA)]),
        fcase(
            "NodeAffinityPolicy ignored with labelSelectors",
            p().node_selector("foo", "")
                .spread(1, "node", HARD, foo(), None, IGNORE, None, &[]),
            abxy_foo(),
            pods_zone_21(),
            codes(&[U, U, S, U]),
        )
        .blocked(&[("node-y", NA)]),
        fcase(
            "NodeAffinityPolicy honored with nodeAffinity",
            p().node_affinity_in("foo", &[""])
                .sc(1, "node", HARD, foo()),
            abxy_foo(),
            pods_zone_21(),
            codes(&[U, U, S, S]),
        )
        .blocked(&[("node-y", NA)]),
        fcase(
            "NodeAffinityPolicy ignored with labelSelectors",
            p().node_affinity_in("foo", &[""]).spread(
                1,
                "node",
                HARD,
                foo(),
                None,
                IGNORE,
                None,
                &[],
            ),
            abxy_foo(),
            pods_zone_21(),
            codes(&[U, U, S, U]),
        )
        .blocked(&[("node-y", NA)]),
        fcase(
            "NodeTaintsPolicy honored",
            p().spread(1, "node", HARD, foo(), None, None, HONOR, &[]),
            abxy_tainted(),
            pods_zone_21(),
            codes(&[U, U, S, S]),
        )
        .blocked(&[("node-y", TT)]),
        fcase(
            "NodeTaintsPolicy ignored",
            p().sc(1, "node", HARD, foo()),
            abxy_tainted(),
            pods_zone_21(),
            codes(&[U, U, S, U]),
        )
        .blocked(&[("node-y", TT)]),
    ]
}

#[test]
fn single_constraint() {
    let cases = single_constraint_cases();
    assert_eq!(cases.len(), 22);
    run_filter_cases("TestSingleConstraint", &cases);
}

// ---------------------------------------------------------------------------
// filtering_test.go: TestMultipleConstraints
// ---------------------------------------------------------------------------

fn multiple_constraints_cases() -> Vec<FilterCase> {
    use Plugin::{NodeAffinity as NA, TaintToleration as TT};
    let p = || pod("p").label("foo", "");
    let pf = || pod("p").label("foo", "").label("bar", "");
    let zone_node = || p().sc(1, "zone", HARD, foo()).sc(1, "node", HARD, foo());
    let foo_zone_bar_node = || pf().sc(1, "zone", HARD, foo()).sc(1, "node", HARD, bar());
    let pods_abny = || {
        vec![
            foo_on("p-a1", "node-a"),
            foo_on("p-b1", "node-b"),
            foo_on("p-y1", "node-y"),
        ]
    };
    let zn_foo =
        |name: &str, zone: &str| node(name, &[("zone", zone), ("node", name), ("foo", "")]);
    vec![
        fcase(
            "two Constraints on zone and node, spreads = [3/3, 2/1/0/3]",
            zone_node(),
            abxy(),
            vec![
                foo_on("p-a1", "node-a"),
                foo_on("p-a2", "node-a"),
                foo_on("p-b1", "node-b"),
                foo_on("p-y1", "node-y"),
                foo_on("p-y2", "node-y"),
                foo_on("p-y3", "node-y"),
            ],
            codes(&[U, U, S, U]),
        ),
        fcase(
            "two Constraints on zone and node, spreads = [3/4, 2/1/0/4]",
            zone_node(),
            abxy(),
            pods_34(),
            codes(&[U, U, U, U]),
        ),
        fcase(
            "Constraints hold different labelSelectors, spreads = [1/0, 1/0/0/1]",
            foo_zone_bar_node(),
            abxy(),
            vec![foo_on("p-a1", "node-a"), bar_on("p-y1", "node-y")],
            codes(&[U, U, S, U]),
        ),
        fcase(
            "Constraints hold different labelSelectors, spreads = [1/0, 0/0/1/1]",
            foo_zone_bar_node(),
            abxy(),
            vec![
                foo_on("p-a1", "node-a"),
                bar_on("p-x1", "node-x"),
                bar_on("p-y1", "node-y"),
            ],
            codes(&[U, U, U, U]),
        ),
        fcase(
            "Constraints hold different labelSelectors, spreads = [2/3, 1/0/0/1]",
            foo_zone_bar_node(),
            abxy(),
            vec![
                foo_on("p-a1", "node-a"),
                pod("p-a2")
                    .node("node-a")
                    .label("foo", "")
                    .label("bar", "")
                    .obj(),
                foo_on("p-y1", "node-y"),
                pod("p-y2")
                    .node("node-y")
                    .label("foo", "")
                    .label("bar", "")
                    .obj(),
                foo_on("p-y3", "node-y"),
            ],
            codes(&[U, S, U, U]),
        ),
        fcase(
            "Constraints hold different labelSelectors but pod doesn't match itself on 'zone' constraint",
            pod("p")
                .label("bar", "")
                .sc(1, "zone", HARD, foo())
                .sc(1, "node", HARD, bar()),
            abxy(),
            vec![
                foo_on("p-a1", "node-a"),
                bar_on("p-x1", "node-x"),
                bar_on("p-y1", "node-y"),
            ],
            codes(&[S, S, U, U]),
        ),
        fcase(
            "two Constraints on zone and node, absence of label 'node' on node-x, spreads = [1/1, 1/0/0/1]",
            zone_node(),
            vec![
                zn("node-a", "zone1"),
                zn("node-b", "zone1"),
                node("node-x", &[("zone", "zone2")]),
                zn("node-y", "zone2"),
            ],
            vec![foo_on("p-a1", "node-a"), foo_on("p-y3", "node-y")],
            codes(&[U, S, UU, U]),
        ),
        fcase(
            "two node inclusion Constraints, zone: honor/ignore, node: ignore/ignore",
            p().node_selector("foo", "")
                .sc(1, "zone", HARD, foo())
                .spread(1, "node", HARD, foo(), None, IGNORE, None, &[]),
            vec![
                zn_foo("node-a", "zone1"),
                zn_foo("node-b", "zone1"),
                zn_foo("node-x", "zone2"),
                zn("node-y", "zone2"),
            ],
            pods_abny(),
            codes(&[U, U, S, U]),
        )
        .blocked(&[("node-y", NA)]),
        fcase(
            "two node inclusion Constraints, zone: honor/honor, node: honor/ignore",
            p().spread(1, "zone", HARD, foo(), None, None, HONOR, &[])
                .sc(1, "node", HARD, foo()),
            vec![
                zn_foo("node-a", "zone1"),
                zn_foo("node-b", "zone1"),
                zn_foo("node-x", "zone2"),
                tainted(zn("node-y", "zone2")),
            ],
            pods_abny(),
            codes(&[U, U, S, U]),
        )
        .blocked(&[("node-y", TT)]),
        // Upstream: node-b Success and node-y Unschedulable from PodTopologySpread; in
        // the full framework NodeAffinity / TaintToleration reject them first.
        fcase(
            "two node inclusion Constraints, zone: honor/ignore, node: honor/ignore",
            p().node_selector("foo", "")
                .sc(1, "zone", HARD, foo())
                .sc(1, "node", HARD, foo()),
            vec![
                zn_foo("node-a", "zone1"),
                zn("node-b", "zone1"),
                zn_foo("node-x", "zone2"),
                tainted(zn_foo("node-y", "zone2")),
            ],
            pods_abny(),
            codes(&[U, S, S, U]),
        )
        .blocked(&[("node-b", NA), ("node-y", TT)]),
        fcase(
            "two node inclusion Constraints, zone: honor/honor, node: ignore/ignore",
            p().node_selector("foo", "")
                .spread(1, "zone", HARD, foo(), None, None, HONOR, &[])
                .spread(1, "node", HARD, foo(), None, IGNORE, None, &[]),
            vec![
                zn_foo("node-a", "zone1"),
                zn("node-b", "zone1"),
                zn_foo("node-x", "zone2"),
                tainted(zn_foo("node-y", "zone2")),
            ],
            pods_abny(),
            codes(&[U, U, S, U]),
        )
        .blocked(&[("node-b", NA), ("node-y", TT)]),
    ]
}

#[test]
fn multiple_constraints() {
    let cases = multiple_constraints_cases();
    assert_eq!(cases.len(), 11);
    run_filter_cases("TestMultipleConstraints", &cases);
}

// ---------------------------------------------------------------------------
// scoring_test.go: TestPreScoreSkip
// ---------------------------------------------------------------------------

#[test]
fn pre_score_skip() {
    let cases = vec![
        ScoreCase {
            profile: list_defaulting(&[]),
            want: None,
            ..scase(
                "the pod doesn't have soft topology spread Constraints",
                pod("p"),
                vec![],
                vec![hn("node-a"), hn("node-b")],
                vec![],
                &[],
            )
        },
        // The pod's owner rs2 does not exist (only rs1 does): no default selector.
        ScoreCase {
            profile: list_defaulting(&[("planet", 2, false)]),
            want: None,
            ..scase(
                "default constraints and a replicaset that doesn't match",
                pod("p").label("foo", "bar").label("baz", "sup"),
                vec![],
                vec![node("node-a", &[("planet", "mars")])],
                vec![],
                &[],
            )
        },
    ];
    run_score_cases("TestPreScoreSkip", &cases);
}

// ---------------------------------------------------------------------------
// scoring_test.go: TestPreScoreStateEmptyNodes
//
// No existing pods: every count is 0, so a node's raw score is the sum of
// `maxSkew - 1` over the constraints whose key it has, and ignored nodes score 0.
// ---------------------------------------------------------------------------

#[test]
fn pre_score_state_empty_nodes() {
    let p = || pod("p").label("foo", "");
    let list = || list_defaulting(&[]);
    let cases = vec![
        ScoreCase {
            profile: list(),
            want_raw: Some(vec![0, 0, 0]),
            ..scase(
                "normal case",
                p().sc(1, "zone", SOFT, foo()).sc(1, HOSTNAME, SOFT, foo()),
                vec![],
                vec![
                    zhn("node-a", "zone1"),
                    zhn("node-b", "zone1"),
                    zhn("node-x", "zone2"),
                ],
                vec![],
                &[100, 100, 100],
            )
        },
        ScoreCase {
            profile: list(),
            want_raw: Some(vec![0, 0, 0]),
            ..scase(
                "null selector",
                p().sc(1, "zone", SOFT, None),
                vec![],
                vec![
                    zhn("node-a", "zone1"),
                    zhn("node-b", "zone1"),
                    zhn("node-x", "zone2"),
                ],
                vec![],
                &[100, 100, 100],
            )
        },
        // IgnoredNodes = {node-x}.
        ScoreCase {
            profile: list(),
            ..scase(
                "node-x doesn't have label zone",
                p().sc(1, "zone", SOFT, foo()).sc(1, HOSTNAME, SOFT, bar()),
                vec![],
                vec![zhn("node-a", "zone1"), zhn("node-b", "zone1"), hn("node-x")],
                vec![],
                &[100, 100, 0],
            )
        },
        // Hostname (maxSkew 3) and zone (maxSkew 5); nodes without a zone are a
        // separate zone, not ignored: raw 2+4 with a zone, 2 without.
        ScoreCase {
            want_raw: Some(vec![6, 6, 2, 2]),
            ..scase(
                "system default constraints and a replicaset",
                pod("p")
                    .label("foo", "tar")
                    .label("baz", "sup")
                    .default_selector(foo()),
                vec![],
                vec![
                    node("node-a", &[(HOSTNAME, "node-a"), (ZONE, "mars")]),
                    node("node-b", &[(HOSTNAME, "node-b"), (ZONE, "mars")]),
                    hn("node-c"),
                    hn("node-d"),
                ],
                vec![],
                &[33, 33, 100, 100],
            )
        },
        // Soft defaults: hostname (maxSkew 1), planet (maxSkew 2); rack is hard.
        ScoreCase {
            profile: list_defaulting(&[
                (HOSTNAME, 1, false),
                ("rack", 2, true),
                ("planet", 2, false),
            ]),
            want_raw: Some(vec![1]),
            ..scase(
                "default constraints and a replicaset",
                pod("p")
                    .label("foo", "tar")
                    .label("baz", "sup")
                    .default_selector(foo()),
                vec![],
                vec![node(
                    "node-a",
                    &[("rack", "rack1"), (HOSTNAME, "node-a"), ("planet", "mars")],
                )],
                vec![],
                &[100],
            )
        },
    ];
    run_score_cases("TestPreScoreStateEmptyNodes", &cases);
}

// ---------------------------------------------------------------------------
// scoring_test.go: TestPodTopologySpreadScore
// ---------------------------------------------------------------------------

fn score_cases() -> Vec<ScoreCase> {
    let p = || pod("p").label("foo", "");
    let host1 = |max_skew: i32, sel: Option<LabelSelector>| p().sc(max_skew, HOSTNAME, SOFT, sel);
    let abcd = || vec![hn("node-a"), hn("node-b"), hn("node-c"), hn("node-d")];
    // 2/1/0/3 over node-a..node-d.
    let pods_2103 = || {
        vec![
            foo_on("p-a1", "node-a"),
            foo_on("p-a2", "node-a"),
            foo_on("p-b1", "node-b"),
            foo_on("p-d1", "node-d"),
            foo_on("p-d2", "node-d"),
            foo_on("p-d3", "node-d"),
        ]
    };
    // 4/3/2/1 over node-a..node-d.
    let pods_4321 = || {
        vec![
            foo_on("p-a1", "node-a"),
            foo_on("p-a2", "node-a"),
            foo_on("p-a3", "node-a"),
            foo_on("p-a4", "node-a"),
            foo_on("p-b1", "node-b"),
            foo_on("p-b2", "node-b"),
            foo_on("p-b3", "node-b"),
            foo_on("p-c1", "node-c"),
            foo_on("p-c2", "node-c"),
            foo_on("p-d1", "node-d"),
        ]
    };
    // 4/2/1/3 over node-a, node-b, node-x, node-y.
    let pods_4213 = || {
        vec![
            foo_on("p-a1", "node-a"),
            foo_on("p-a2", "node-a"),
            foo_on("p-a3", "node-a"),
            foo_on("p-a4", "node-a"),
            foo_on("p-b1", "node-b"),
            foo_on("p-b2", "node-b"),
            foo_on("p-x1", "node-x"),
            foo_on("p-y1", "node-y"),
            foo_on("p-y2", "node-y"),
            foo_on("p-y3", "node-y"),
        ]
    };
    let zhabxy = || {
        vec![
            zhn("node-a", "zone1"),
            zhn("node-b", "zone1"),
            zhn("node-x", "zone2"),
            zhn("node-y", "zone2"),
        ]
    };
    let two_selectors = || {
        pod("p")
            .label("foo", "")
            .label("bar", "")
            .sc(1, "zone", SOFT, foo())
            .sc(1, HOSTNAME, SOFT, bar())
    };
    // P{foo} on node-a, P{foo, bar} on node-b, P{foo} P{bar} on node-y.
    let pods_diff = || {
        vec![
            foo_on("p-a1", "node-a"),
            pod("p-b1")
                .node("node-b")
                .label("foo", "")
                .label("bar", "")
                .obj(),
            foo_on("p-y1", "node-y"),
            bar_on("p-y2", "node-y"),
        ]
    };
    let zhabcd = || {
        vec![
            zhn("node-a", "zone1"),
            zhn("node-b", "zone1"),
            zhn("node-c", "zone2"),
            zhn("node-d", "zone2"),
        ]
    };
    vec![
        scase(
            "one constraint on node, no existing pods",
            host1(1, foo()),
            vec![],
            vec![hn("node-a"), hn("node-b")],
            vec![],
            &[100, 100],
        ),
        scase(
            "one constraint on node, only one node is candidate",
            host1(1, foo()),
            vec![
                foo_on("p-a1", "node-a"),
                foo_on("p-a2", "node-a"),
                foo_on("p-b1", "node-b"),
            ],
            vec![hn("node-a")],
            vec![hn("node-b")],
            &[100],
        ),
        scase(
            "one constraint on node, all nodes have the same number of matching pods",
            host1(1, foo()),
            vec![foo_on("p-a1", "node-a"), foo_on("p-b1", "node-b")],
            vec![hn("node-a"), hn("node-b")],
            vec![],
            &[100, 100],
        ),
        scase(
            "one constraint on node, all 4 nodes are candidates",
            host1(1, foo()),
            pods_2103(),
            abcd(),
            vec![],
            &[20, 60, 100, 0],
        ),
        scase(
            "one constraint on node, null selector",
            host1(1, None),
            pods_2103(),
            abcd(),
            vec![],
            &[100, 100, 100, 100],
        ),
        scase(
            "one constraint on node, all 4 nodes are candidates, maxSkew=2",
            host1(2, foo()),
            pods_2103(),
            abcd(),
            vec![],
            &[33, 66, 100, 16],
        ),
        scase(
            "one constraint on node, all 4 nodes are candidates, maxSkew=3",
            host1(3, foo()),
            pods_4321(),
            abcd(),
            vec![],
            &[44, 66, 77, 100],
        ),
        // A Service selecting `foo=""`: the system default constraints apply.
        scase(
            "system defaulting, nodes don't have zone, pods match service",
            p().default_selector(match_label("foo", "")),
            pods_4321(),
            abcd(),
            vec![],
            &[44, 66, 77, 100],
        ),
        scase(
            "one constraint on node, 3 out of 4 nodes are candidates",
            host1(1, foo()),
            pods_4213(),
            vec![hn("node-a"), hn("node-b"), hn("node-x")],
            vec![hn("node-y")],
            &[33, 83, 100],
        ),
        scase(
            "one constraint on node, 3 out of 4 nodes are candidates, one node doesn't match topology key",
            host1(1, foo()),
            pods_4213(),
            vec![
                hn("node-a"),
                node("node-b", &[("n", "node-b")]),
                hn("node-x"),
            ],
            vec![hn("node-y")],
            &[16, 0, 100],
        ),
        scase(
            "one constraint on zone, 3 out of 4 nodes are candidates",
            p().sc(1, "zone", SOFT, foo()),
            pods_4213(),
            vec![
                zhn("node-a", "zone1"),
                zhn("node-b", "zone1"),
                zhn("node-x", "zone2"),
            ],
            vec![zhn("node-y", "zone2")],
            &[75, 75, 100],
        ),
        scase(
            "two Constraints on zone and node, 2 out of 4 nodes are candidates",
            p().sc(1, "zone", SOFT, foo()).sc(1, HOSTNAME, SOFT, foo()),
            vec![
                foo_on("p-a1", "node-a"),
                foo_on("p-a2", "node-a"),
                foo_on("p-b1", "node-b"),
                foo_on("p-x1", "node-x"),
                foo_on("p-x2", "node-x"),
                foo_on("p-y1", "node-y"),
                foo_on("p-y2", "node-y"),
                foo_on("p-y3", "node-y"),
                foo_on("p-y4", "node-y"),
            ],
            vec![zhn("node-a", "zone1"), zhn("node-x", "zone2")],
            vec![zhn("node-b", "zone1"), zhn("node-y", "zone2")],
            &[100, 63],
        ),
        scase(
            "two Constraints on zone and node, with different labelSelectors",
            two_selectors(),
            pods_diff(),
            zhabxy(),
            vec![],
            &[60, 20, 100, 60],
        ),
        scase(
            "two Constraints on zone and node, with different labelSelectors, some nodes have 0 pods",
            two_selectors(),
            vec![
                bar_on("p-b1", "node-b"),
                foo_on("p-x1", "node-x"),
                pod("p-y1")
                    .node("node-y")
                    .label("foo", "")
                    .label("bar", "")
                    .obj(),
            ],
            zhabxy(),
            vec![],
            &[100, 60, 40, 0],
        ),
        scase(
            "two Constraints on zone and node, with different labelSelectors, 3 out of 4 nodes are candidates",
            two_selectors(),
            pods_diff(),
            vec![
                zhn("node-a", "zone1"),
                zhn("node-b", "zone1"),
                zhn("node-x", "zone2"),
            ],
            vec![zhn("node-y", "zone2")],
            &[50, 25, 100],
        ),
        scase(
            "existing pods in a different namespace do not count",
            host1(1, foo()),
            vec![
                pod("p-a1")
                    .namespace("ns1")
                    .node("node-a")
                    .label("foo", "")
                    .obj(),
                foo_on("p-a2", "node-a"),
                foo_on("p-b1", "node-b"),
                foo_on("p-b2", "node-b"),
            ],
            vec![hn("node-a"), hn("node-b")],
            vec![],
            &[100, 33],
        ),
        scase(
            "matchLabelKeys ANDed with LabelSelector when LabelSelector is empty",
            pod("p")
                .label("foo", "")
                .label("bar", "")
                .spread(
                    1,
                    "zone",
                    SOFT,
                    empty_selector(),
                    None,
                    None,
                    None,
                    &["foo"],
                )
                .spread(
                    1,
                    HOSTNAME,
                    SOFT,
                    empty_selector(),
                    None,
                    None,
                    None,
                    &["bar"],
                ),
            vec![
                foo_on("p-a1", "node-a"),
                pod("p-b1")
                    .node("node-b")
                    .label("foo", "")
                    .label("bar", "")
                    .obj(),
                foo_on("p-y1", "node-c"),
                bar_on("p-y2", "node-c"),
            ],
            zhabcd(),
            vec![],
            &[60, 20, 60, 100],
        ),
        scase(
            "matchLabelKeys ANDed with LabelSelector when LabelSelector isn't empty",
            pod("p")
                .label("foo", "")
                .label("bar", "")
                .label("baz", "")
                .sc(1, "zone", SOFT, foo())
                .spread(1, HOSTNAME, SOFT, bar(), None, None, None, &["baz"]),
            vec![
                foo_on("p-a1", "node-a"),
                pod("p-b1")
                    .node("node-b")
                    .label("foo", "")
                    .label("bar", "")
                    .label("baz", "")
                    .obj(),
                foo_on("p-c1", "node-c"),
                bar_on("p-c2", "node-c"),
                pod("p-d3")
                    .node("node-c")
                    .label("bar", "")
                    .label("baz", "")
                    .obj(),
            ],
            zhabcd(),
            vec![],
            &[60, 20, 60, 100],
        ),
    ]
}

#[test]
fn pod_topology_spread_score() {
    let cases = score_cases();
    assert_eq!(cases.len(), 18);
    run_score_cases("TestPodTopologySpreadScore", &cases);
}

/// TestPodTopologySpreadScore's NodeAffinityPolicy / NodeTaintsPolicy cases, adapted:
/// upstream scores node-c although the pod's nodeSelector / nodeAffinity or node-c's
/// untolerated taint rejects it; here node-c is filtered out. Matching pods spread
/// 2/1/~1~ over the `node` key. Upstream's code then gives, for the candidates
/// node-a and node-b: one domain each (`TopologyNormalizingWeight = ln(2+2)`), node-c's
/// pods uncounted under either policy (its domain has no candidate), raw scores
/// round(2·ln 4) = 3 and round(ln 4) = 1, normalized 100·(3+1−3)/3 = 33 and 100.
fn score_inclusion_policy_cases() -> Vec<ScoreCase> {
    let p = || pod("p").label("foo", "");
    let pods = || {
        vec![
            foo_on("p-a1", "node-a"),
            foo_on("p-a2", "node-a"),
            foo_on("p-b1", "node-b"),
            foo_on("p-c1", "node-c"),
        ]
    };
    let ab_foo = || {
        vec![
            node("node-a", &[("node", "node-a"), ("foo", "")]),
            node("node-b", &[("node", "node-b"), ("foo", "")]),
        ]
    };
    let c_plain = || node("node-c", &[("node", "node-c")]);
    let ab = || {
        vec![
            node("node-a", &[("node", "node-a")]),
            node("node-b", &[("node", "node-b")]),
        ]
    };
    let c_tainted = || tainted(node("node-c", &[("node", "node-c")]));
    // node-c is rejected by NodeAffinity / TaintToleration on its own (no extra
    // `failedNodes` taint).
    let case = |name, pod: MakePod, nodes: Vec<Node>, extra: Node| ScoreCase {
        infeasible: vec![extra],
        ..scase(name, pod, pods(), nodes, vec![], &[33, 100])
    };
    vec![
        case(
            "NodeAffinityPolicy honoed with labelSelectors",
            p().node_selector("foo", "").sc(1, "node", SOFT, foo()),
            ab_foo(),
            c_plain(),
        ),
        case(
            "NodeAffinityPolicy ignored with labelSelectors",
            p().node_selector("foo", "")
                .spread(1, "node", SOFT, foo(), None, IGNORE, None, &[]),
            ab_foo(),
            c_plain(),
        ),
        case(
            "NodeAffinityPolicy honoed with nodeAffinity",
            p().node_affinity_in("foo", &[""])
                .sc(1, "node", SOFT, foo()),
            ab_foo(),
            c_plain(),
        ),
        case(
            "NodeAffinityPolicy ignored with nodeAffinity",
            p().node_affinity_in("foo", &[""]).spread(
                1,
                "node",
                SOFT,
                foo(),
                None,
                IGNORE,
                None,
                &[],
            ),
            ab_foo(),
            c_plain(),
        ),
        case(
            "NodeTaintsPolicy honored",
            p().spread(1, "node", SOFT, foo(), None, None, HONOR, &[]),
            ab(),
            c_tainted(),
        ),
        case(
            "NodeTaintsPolicy ignored",
            p().sc(1, "node", SOFT, foo()),
            ab(),
            c_tainted(),
        ),
    ]
}

#[test]
fn pod_topology_spread_score_inclusion_policies_adapted() {
    let cases = score_inclusion_policy_cases();
    assert_eq!(cases.len(), 6);
    run_score_cases("TestPodTopologySpreadScore (adapted)", &cases);
}
