#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Ports of kube-scheduler's own InterPodAffinity unit tests
//! (`pkg/scheduler/framework/plugins/interpodaffinity/{filtering,scoring}_test.go`),
//! case names kept, driven through the whole spillway framework.
//!
//! Upstream calls one plugin's PreFilter+Filter (or PreScore+Score+NormalizeScore) on
//! a snapshot; here every case is compiled into a cluster and evaluated with
//! `Profile::default()`. Nodes get ample capacity and no taints, so no other plugin
//! interferes; filter cases assert the InterPodAffinity status (code and reason) of
//! every node, score cases the normalized InterPodAffinity score of every node.
//! A PreFilter/PreScore `Skip` is asserted through `Evaluation::skipped_filter` /
//! `skipped_score`.
//!
//! Translations: upstream's empty namespace is `default` (the API server defaults it;
//! a term's `namespaces: [""]` becomes `default` too); running pods without a name get
//! a generated one.
//!
//! Skipped upstream cases:
//! - TestRequiredAffinitySingleNode "PodAffinity fails PreFilter with an invalid
//!   affinity label syntax" and "PodAntiAffinity fails PreFilter with an invalid
//!   antiaffinity label syntax": label values are not validated by spillway (the API
//!   server rejects such pods before they reach the scheduler).
//! - TestPreferredAffinity "invalid Affinity fails PreScore" and "invalid AntiAffinity
//!   fails PreScore": same reason.
//! - TestPreferredAffinity "No nodes to score": with no node nothing is feasible and the
//!   framework never runs PreScore; nothing to observe.
//! - TestPreFilterDisabled: calls Filter without PreFilter; the framework always runs
//!   PreFilter first and there is no API to call a plugin's Filter alone.
//! - TestPreFilterStateClone, TestGetTPMapMatchingIncomingAffinityAntiAffinity:
//!   internal state only, not observable through filter or score results.
//!
//! Adapted cases (noted at each case): terms without a topologyKey get `region`
//! (spillway rejects an empty topologyKey as the API server does); an existing pod on a
//! node missing from upstream's snapshot is dropped (upstream skips node infos without
//! a node); an incoming pod's irrelevant `spec.nodeName` is dropped (it would pin the
//! pod through the NodeName filter).

use std::collections::BTreeMap;

use spillway_core::framework::{Code, Evaluation, Plugin, Profile, Scheduler};
use spillway_core::spec::{
    LabelSelector, Labels, Namespace, Node, Operator, Pod, PodAffinity, PodAffinityTerm,
    Requirement, WeightedPodAffinityTerm,
};
use spillway_core::{Cluster, ClusterSpec, NodeBuilder, PodBuilder, Snapshot};

// Upstream reason strings (`interpodaffinity/plugin.go`).
const AFFINITY: &str = "node(s) didn't match pod affinity rules";
const ANTI: &str = "node(s) didn't match pod anti-affinity rules";
const EXISTING_ANTI: &str = "node(s) didn't satisfy existing pods anti-affinity rules";

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

fn ns(name: &str, pairs: &[(&str, &str)]) -> Namespace {
    Namespace {
        name: name.into(),
        labels: labels(pairs),
    }
}

/// Upstream's `namespaces` fixture (scoring_test.go).
fn team_namespaces() -> Vec<Namespace> {
    vec![
        ns("subteam1.team1", &[("team", "team1")]),
        ns("subteam2.team1", &[("team", "team1")]),
        ns("subteam1.team2", &[("team", "team2")]),
        ns("subteam2.team2", &[("team", "team2")]),
    ]
}

fn req(key: &str, op: Operator, values: &[&str]) -> Requirement {
    Requirement::new(key, op, values)
}

fn sel(reqs: &[Requirement]) -> LabelSelector {
    LabelSelector {
        match_labels: Default::default(),
        match_expressions: reqs.to_vec(),
    }
}

/// A term selecting pods by `reqs` over `topology_key` (own namespace).
fn term(reqs: &[Requirement], topology_key: &str) -> PodAffinityTerm {
    PodAffinityTerm {
        label_selector: Some(sel(reqs)),
        topology_key: topology_key.into(),
        ..PodAffinityTerm::default()
    }
}

fn weighted(weight: i32, term: PodAffinityTerm) -> WeightedPodAffinityTerm {
    WeightedPodAffinityTerm { weight, term }
}

/// `v1.Affinity` restricted to pod (anti-)affinity.
#[derive(Debug, Clone, Default)]
struct Affinity {
    affinity: Option<PodAffinity>,
    anti: Option<PodAffinity>,
}

fn required(terms: Vec<PodAffinityTerm>) -> Option<PodAffinity> {
    Some(PodAffinity {
        required: terms,
        preferred: Vec::new(),
    })
}

fn preferred(terms: Vec<WeightedPodAffinityTerm>) -> Option<PodAffinity> {
    Some(PodAffinity {
        required: Vec::new(),
        preferred: terms,
    })
}

/// A terse pod builder in the style of upstream's `st.MakePod()`.
#[derive(Debug, Clone)]
struct MakePod(Pod);

impl MakePod {
    fn new() -> MakePod {
        MakePod(PodBuilder::new("").build())
    }

    fn name(mut self, name: &str) -> MakePod {
        self.0.name = name.into();
        self
    }

    /// Upstream's `""` namespace is `default`.
    fn namespace(mut self, ns: &str) -> MakePod {
        self.0.namespace = if ns.is_empty() { "default" } else { ns }.into();
        self
    }

    fn label(mut self, k: &str, v: &str) -> MakePod {
        self.0.labels.insert(k.into(), v.into());
        self
    }

    fn labels(mut self, pairs: &[(&str, &str)]) -> MakePod {
        for (k, v) in pairs {
            self.0.labels.insert(k.to_string(), v.to_string());
        }
        self
    }

    fn node(mut self, n: &str) -> MakePod {
        self.0.node_name = Some(n.into());
        self
    }

    fn slot(&mut self, anti: bool) -> &mut PodAffinity {
        let s = if anti {
            &mut self.0.pod_anti_affinity
        } else {
            &mut self.0.pod_affinity
        };
        s.get_or_insert_with(PodAffinity::default)
    }

    /// Adds a required term.
    fn required(mut self, anti: bool, t: PodAffinityTerm) -> MakePod {
        self.slot(anti).required.push(t);
        self
    }

    /// `PodAffinityIn` / `PodAntiAffinityIn` with `*WithRequiredReq`.
    fn aff_in(self, anti: bool, key: &str, topo: &str, vals: &[&str]) -> MakePod {
        self.required(anti, term(&[req(key, Operator::In, vals)], topo))
    }

    /// `PodAffinityNotIn` / `PodAntiAffinityNotIn` with `*WithRequiredReq`.
    fn aff_not_in(self, anti: bool, key: &str, topo: &str, vals: &[&str]) -> MakePod {
        self.required(anti, term(&[req(key, Operator::NotIn, vals)], topo))
    }

    /// `PodAffinityExists` / `PodAntiAffinityExists` with `*WithRequiredReq`.
    fn aff_exists(self, anti: bool, key: &str, topo: &str) -> MakePod {
        self.required(anti, term(&[req(key, Operator::Exists, &[])], topo))
    }

    fn affinity(mut self, a: &Affinity) -> MakePod {
        self.0.pod_affinity = a.affinity.clone();
        self.0.pod_anti_affinity = a.anti.clone();
        self
    }

    fn obj(self) -> Pod {
        self.0
    }
}

fn pod() -> MakePod {
    MakePod::new()
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

/// The expected InterPodAffinity Filter status of a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    Fits,
    /// `UnschedulableAndUnresolvable`, ErrReasonAffinityRulesNotMatch.
    Affinity,
    /// `Unschedulable`, ErrReasonAntiAffinityRulesNotMatch.
    Anti,
    /// `Unschedulable`, ErrReasonExistingAntiAffinityRulesNotMatch.
    ExistingAnti,
}

impl Want {
    fn got(self) -> Got {
        let ipa = |code, reason: &str| Got::Rejected(Plugin::InterPodAffinity, code, reason.into());
        match self {
            Want::Fits => Got::Fits,
            Want::Affinity => ipa(Code::UnschedulableAndUnresolvable, AFFINITY),
            Want::Anti => ipa(Code::Unschedulable, ANTI),
            Want::ExistingAnti => ipa(Code::Unschedulable, EXISTING_ANTI),
        }
    }
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

fn incoming_pod(p: &Pod) -> Pod {
    let mut p = p.clone();
    if p.name.is_empty() {
        p.name = "incoming".into();
    }
    p
}

fn compile(
    nodes: &[Node],
    namespaces: &[Namespace],
    running: &[Pod],
    incoming: &[Pod],
) -> Snapshot {
    Cluster::compile(&ClusterSpec {
        nodes: nodes.to_vec(),
        namespaces: namespaces.to_vec(),
        running: name_pods(running),
        incoming: incoming.iter().map(incoming_pod).collect(),
    })
    .expect("cluster compiles")
}

/// Every node's outcome, by node name.
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

struct FilterCase {
    name: &'static str,
    pod: Pod,
    pods: Vec<Pod>,
    nodes: Vec<Node>,
    namespaces: Vec<Namespace>,
    /// Upstream expects PreFilter to return Skip.
    pre_filter_skip: bool,
    /// Expected Filter status per node, in node order.
    want: Vec<Want>,
}

fn run_filter_case(i: usize, c: &FilterCase, failures: &mut Vec<String>) {
    let snap = compile(
        &c.nodes,
        &c.namespaces,
        &c.pods,
        std::slice::from_ref(&c.pod),
    );
    let ev =
        Scheduler::new(&snap.cluster, Profile::default()).evaluate(&snap.state, snap.incoming[0]);
    let skipped = ev.skipped_filter.contains(&Plugin::InterPodAffinity);
    if skipped != c.pre_filter_skip {
        failures.push(format!(
            "[{i}] {:?}: PreFilter skipped = {skipped}, want {}",
            c.name, c.pre_filter_skip
        ));
    }
    let got = outcomes(&snap, &ev);
    for (n, want) in c.nodes.iter().zip(&c.want) {
        let g = got.get(&n.name).cloned();
        if g.as_ref() != Some(&want.got()) {
            failures.push(format!(
                "[{i}] {:?}: node {}: got {g:?}, want {:?}",
                c.name,
                n.name,
                want.got()
            ));
        }
    }
}

struct ScoreCase {
    name: &'static str,
    pod: Pod,
    pods: Vec<Pod>,
    nodes: Vec<Node>,
    profile: Profile,
    /// Normalized InterPodAffinity scores per node, in node order; `None`: PreScore
    /// returns Skip.
    want: Option<Vec<i64>>,
}

fn run_score_case(i: usize, c: &ScoreCase, failures: &mut Vec<String>) {
    let snap = compile(
        &c.nodes,
        &team_namespaces(),
        &c.pods,
        std::slice::from_ref(&c.pod),
    );
    let ev =
        Scheduler::new(&snap.cluster, c.profile.clone()).evaluate(&snap.state, snap.incoming[0]);
    if ev.feasible.len() != c.nodes.len() {
        failures.push(format!(
            "[{i}] {:?}: {} of {} nodes feasible, rejected: {:?}",
            c.name,
            ev.feasible.len(),
            c.nodes.len(),
            ev.rejected
        ));
        return;
    }
    let skipped = ev.skipped_score.contains(&Plugin::InterPodAffinity);
    let scores: Vec<Option<i64>> = ev
        .feasible
        .iter()
        .map(|s| {
            s.plugins
                .iter()
                .find(|p| p.0 == Plugin::InterPodAffinity)
                .map(|p| p.2)
        })
        .collect();
    match &c.want {
        None => {
            if !skipped || scores.iter().any(Option::is_some) {
                failures.push(format!(
                    "[{i}] {:?}: want PreScore Skip, got skipped={skipped}, scores {scores:?}",
                    c.name
                ));
            }
        }
        Some(want) => {
            let want: Vec<Option<i64>> = want.iter().map(|s| Some(*s)).collect();
            if skipped || scores != want {
                failures.push(format!(
                    "[{i}] {:?}: got skipped={skipped}, scores {scores:?}, want {want:?}",
                    c.name
                ));
            }
        }
    }
}

// ---------------------------------------------------------------------------
// filtering_test.go: TestRequiredAffinitySingleNode
// ---------------------------------------------------------------------------

fn single_node_cases() -> Vec<FilterCase> {
    let pod_label = [("service", "securityscan")];
    let pod_label2 = [("security", "S1")];
    let node1 = || vec![node("node1", &[("region", "r1"), ("zone", "z11")])];
    // `pod := st.MakePod().Labels(podLabel).Node("node1").Obj()`
    let existing = || pod().labels(&pod_label).node("node1").obj();
    let case = |name, pod: MakePod, pods: Vec<Pod>, skip, want| FilterCase {
        name,
        pod: pod.obj(),
        pods,
        nodes: node1(),
        namespaces: team_namespaces(),
        pre_filter_skip: skip,
        want: vec![want],
    };
    vec![
        case(
            "A pod that has no required pod affinity scheduling rules can schedule onto a node with no existing pods",
            pod(),
            vec![],
            true,
            Want::Fits,
        ),
        case(
            "satisfies with requiredDuringSchedulingIgnoredDuringExecution in PodAffinity using In operator that matches the existing pod",
            pod().labels(&pod_label2).aff_in(
                false,
                "service",
                "region",
                &["securityscan", "value2"],
            ),
            vec![existing()],
            false,
            Want::Fits,
        ),
        case(
            "satisfies the pod with requiredDuringSchedulingIgnoredDuringExecution in PodAffinity using not in operator in labelSelector that matches the existing pod",
            pod().labels(&pod_label2).aff_not_in(
                false,
                "service",
                "region",
                &["securityscan3", "value3"],
            ),
            vec![existing()],
            false,
            Want::Fits,
        ),
        // Adapted: upstream's term has no topologyKey; `region` is used.
        case(
            "Does not satisfy the PodAffinity with labelSelector because of diff Namespace",
            pod().labels(&pod_label2).required(
                false,
                PodAffinityTerm {
                    namespaces: vec!["DiffNameSpace".into()],
                    ..term(
                        &[req("service", Operator::In, &["securityscan", "value2"])],
                        "region",
                    )
                },
            ),
            vec![
                pod()
                    .namespace("ns")
                    .label("service", "securityscan")
                    .node("node1")
                    .obj(),
            ],
            false,
            Want::Affinity,
        ),
        // Adapted: upstream's term has topologyKey ""; `region` is used.
        case(
            "Doesn't satisfy the PodAffinity because of unmatching labelSelector with the existing pod",
            pod().labels(&pod_label).aff_in(
                false,
                "service",
                "region",
                &["antivirusscan", "value2"],
            ),
            vec![existing()],
            false,
            Want::Affinity,
        ),
        case(
            "satisfies the PodAffinity with different label Operators in multiple RequiredDuringSchedulingIgnoredDuringExecution ",
            pod()
                .labels(&pod_label2)
                .required(
                    false,
                    term(
                        &[
                            req("service", Operator::Exists, &[]),
                            req("wrongkey", Operator::DoesNotExist, &[]),
                        ],
                        "region",
                    ),
                )
                .required(
                    false,
                    term(
                        &[
                            req("service", Operator::In, &["securityscan"]),
                            req("service", Operator::NotIn, &["WrongValue"]),
                        ],
                        "region",
                    ),
                ),
            vec![existing()],
            false,
            Want::Fits,
        ),
        case(
            "The labelSelector requirements(items of matchExpressions) are ANDed, the pod cannot schedule onto the node because one of the matchExpression item don't match.",
            pod()
                .labels(&pod_label2)
                .required(
                    false,
                    term(
                        &[
                            req("service", Operator::Exists, &[]),
                            req("wrongkey", Operator::DoesNotExist, &[]),
                        ],
                        "region",
                    ),
                )
                .required(
                    false,
                    term(
                        &[
                            req("service", Operator::In, &["securityscan2"]),
                            req("service", Operator::NotIn, &["WrongValue"]),
                        ],
                        "region",
                    ),
                ),
            vec![existing()],
            false,
            Want::Affinity,
        ),
        case(
            "satisfies the PodAffinity and PodAntiAffinity with the existing pod",
            pod()
                .labels(&pod_label2)
                .aff_in(false, "service", "region", &["securityscan", "value2"])
                .aff_in(true, "service", "node", &["antivirusscan", "value2"]),
            vec![existing()],
            false,
            Want::Fits,
        ),
        case(
            "satisfies the PodAffinity and PodAntiAffinity and PodAntiAffinity symmetry with the existing pod",
            pod()
                .labels(&pod_label2)
                .aff_in(false, "service", "region", &["securityscan", "value2"])
                .aff_in(true, "service", "node", &["antivirusscan", "value2"]),
            vec![
                pod()
                    .node("node1")
                    .labels(&pod_label)
                    .aff_in(true, "service", "node", &["antivirusscan", "value2"])
                    .obj(),
            ],
            false,
            Want::Fits,
        ),
        case(
            "satisfies the PodAffinity but doesn't satisfy the PodAntiAffinity with the existing pod",
            pod()
                .labels(&pod_label2)
                .aff_in(false, "service", "region", &["securityscan", "value2"])
                .aff_in(true, "service", "zone", &["securityscan", "value2"]),
            vec![existing()],
            false,
            Want::Anti,
        ),
        case(
            "satisfies the PodAffinity and PodAntiAffinity but doesn't satisfy PodAntiAffinity symmetry with the existing pod",
            pod()
                .labels(&pod_label)
                .aff_in(false, "service", "region", &["securityscan", "value2"])
                .aff_in(true, "service", "node", &["antivirusscan", "value2"]),
            vec![
                pod()
                    .labels(&pod_label)
                    .node("node1")
                    .aff_in(true, "service", "zone", &["securityscan", "value2"])
                    .obj(),
            ],
            false,
            Want::ExistingAnti,
        ),
        // Adapted: upstream's existing pod sits on node2, which is not in the snapshot
        // (a node info without a node, which the plugin skips); it is dropped.
        case(
            "pod matches its own Label in PodAffinity and that matches the existing pod Labels",
            pod().labels(&pod_label).aff_not_in(
                false,
                "service",
                "region",
                &["securityscan", "value2"],
            ),
            vec![],
            false,
            Want::Affinity,
        ),
        case(
            "verify that PodAntiAffinity from existing pod is respected when pod has no AntiAffinity constraints. doesn't satisfy PodAntiAffinity symmetry with the existing pod",
            pod().labels(&pod_label),
            vec![
                pod()
                    .node("node1")
                    .labels(&pod_label)
                    .aff_in(true, "service", "zone", &["securityscan", "value2"])
                    .obj(),
            ],
            false,
            Want::ExistingAnti,
        ),
        case(
            "verify that PodAntiAffinity from existing pod is respected when pod has no AntiAffinity constraints. satisfy PodAntiAffinity symmetry with the existing pod",
            pod().labels(&pod_label),
            vec![
                pod()
                    .node("node1")
                    .labels(&pod_label)
                    .aff_not_in(true, "service", "zone", &["securityscan", "value2"])
                    .obj(),
            ],
            true,
            Want::Fits,
        ),
        case(
            "satisfies the PodAntiAffinity with existing pod but doesn't satisfy PodAntiAffinity symmetry with incoming pod",
            pod()
                .labels(&pod_label)
                .aff_exists(true, "service", "region")
                .aff_exists(true, "security", "region"),
            vec![
                pod()
                    .node("node1")
                    .labels(&pod_label2)
                    .aff_exists(true, "security", "zone")
                    .obj(),
            ],
            false,
            Want::Anti,
        ),
        case(
            "PodAntiAffinity symmetry check a1: incoming pod and existing pod partially match each other on AffinityTerms",
            pod()
                .labels(&pod_label)
                .aff_exists(true, "service", "zone")
                .aff_exists(true, "security", "zone"),
            vec![
                pod()
                    .node("node1")
                    .labels(&pod_label2)
                    .aff_exists(true, "security", "zone")
                    .obj(),
            ],
            false,
            Want::Anti,
        ),
        case(
            "PodAntiAffinity symmetry check a2: incoming pod and existing pod partially match each other on AffinityTerms",
            pod()
                .labels(&pod_label2)
                .aff_exists(true, "security", "zone"),
            vec![
                pod()
                    .node("node1")
                    .labels(&pod_label)
                    .aff_exists(true, "service", "zone")
                    .aff_exists(true, "security", "zone")
                    .obj(),
            ],
            false,
            Want::ExistingAnti,
        ),
        case(
            "PodAntiAffinity symmetry check b1: incoming pod and existing pod partially match each other on AffinityTerms",
            pod()
                .labels(&[("abc", ""), ("xyz", "")])
                .aff_exists(true, "abc", "zone")
                .aff_exists(true, "def", "zone"),
            vec![
                pod()
                    .node("node1")
                    .labels(&[("def", ""), ("xyz", "")])
                    .aff_exists(true, "abc", "zone")
                    .aff_exists(true, "def", "zone")
                    .obj(),
            ],
            false,
            Want::Anti,
        ),
        case(
            "PodAntiAffinity symmetry check b2: incoming pod and existing pod partially match each other on AffinityTerms",
            pod()
                .labels(&[("def", ""), ("xyz", "")])
                .aff_exists(true, "abc", "zone")
                .aff_exists(true, "def", "zone"),
            vec![
                pod()
                    .node("node1")
                    .labels(&[("abc", ""), ("xyz", "")])
                    .aff_exists(true, "abc", "zone")
                    .aff_exists(true, "def", "zone")
                    .obj(),
            ],
            false,
            Want::Anti,
        ),
        case(
            "affinity with NamespaceSelector",
            pod().labels(&pod_label2).required(
                false,
                PodAffinityTerm {
                    namespace_selector: Some(sel(&[req("team", Operator::In, &["team1"])])),
                    ..term(
                        &[req("service", Operator::In, &["securityscan", "value2"])],
                        "region",
                    )
                },
            ),
            vec![
                pod()
                    .namespace("subteam1.team1")
                    .labels(&pod_label)
                    .node("node1")
                    .obj(),
            ],
            false,
            Want::Fits,
        ),
        case(
            "affinity with non-matching NamespaceSelector",
            pod().labels(&pod_label2).required(
                false,
                PodAffinityTerm {
                    namespace_selector: Some(sel(&[req("team", Operator::In, &["team1"])])),
                    ..term(
                        &[req("service", Operator::In, &["securityscan", "value2"])],
                        "region",
                    )
                },
            ),
            vec![
                pod()
                    .namespace("subteam1.team2")
                    .labels(&pod_label)
                    .node("node1")
                    .obj(),
            ],
            false,
            Want::Affinity,
        ),
        case(
            "anti-affinity with matching NamespaceSelector",
            pod()
                .namespace("subteam1.team1")
                .labels(&pod_label2)
                .required(
                    true,
                    PodAffinityTerm {
                        namespace_selector: Some(sel(&[req("team", Operator::In, &["team1"])])),
                        ..term(
                            &[req("service", Operator::In, &["securityscan", "value2"])],
                            "zone",
                        )
                    },
                ),
            vec![
                pod()
                    .namespace("subteam2.team1")
                    .labels(&pod_label)
                    .node("node1")
                    .obj(),
            ],
            false,
            Want::Anti,
        ),
        case(
            "anti-affinity with matching all NamespaceSelector",
            pod()
                .namespace("subteam1.team1")
                .labels(&pod_label2)
                .required(
                    true,
                    PodAffinityTerm {
                        namespace_selector: Some(LabelSelector::default()),
                        ..term(
                            &[req("service", Operator::In, &["securityscan", "value2"])],
                            "zone",
                        )
                    },
                ),
            vec![
                pod()
                    .namespace("subteam2.team1")
                    .labels(&pod_label)
                    .node("node1")
                    .obj(),
            ],
            false,
            Want::Anti,
        ),
        case(
            "anti-affinity with non-matching NamespaceSelector",
            pod()
                .namespace("subteam1.team1")
                .labels(&pod_label2)
                .required(
                    true,
                    PodAffinityTerm {
                        namespace_selector: Some(sel(&[req("team", Operator::In, &["team1"])])),
                        ..term(
                            &[req("service", Operator::In, &["securityscan", "value2"])],
                            "zone",
                        )
                    },
                ),
            vec![
                pod()
                    .namespace("subteam1.team2")
                    .labels(&pod_label)
                    .node("node1")
                    .obj(),
            ],
            false,
            Want::Fits,
        ),
    ]
}

#[test]
fn required_affinity_single_node() {
    let cases = single_node_cases();
    assert_eq!(cases.len(), 24);
    let mut failures = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        run_filter_case(i, c, &mut failures);
    }
    finish("TestRequiredAffinitySingleNode", failures);
}

// ---------------------------------------------------------------------------
// filtering_test.go: TestRequiredAffinityMultipleNodes
// ---------------------------------------------------------------------------

fn multiple_nodes_cases() -> Vec<FilterCase> {
    let rg_china = [("region", "China")];
    let rg_china_az1 = [("region", "China"), ("az", "az1")];
    let rg_india = [("region", "India")];
    let rzh = |name: &str, zone: &str| {
        node(
            name,
            &[("region", "r1"), ("zone", zone), ("hostname", name)],
        )
    };
    let case =
        |name, pod: MakePod, pods: Vec<Pod>, nodes: Vec<Node>, skip, want: Vec<Want>| FilterCase {
            name,
            pod: pod.obj(),
            pods,
            nodes,
            namespaces: vec![ns("NS1", &[])],
            pre_filter_skip: skip,
            want,
        };
    use Want::{Affinity as Aff, Anti, ExistingAnti as EA, Fits};
    vec![
        case(
            "A pod can be scheduled onto all the nodes that have the same topology key & label value with one of them has an existing pod that matches the affinity rules",
            pod().aff_in(false, "foo", "region", &["bar"]),
            vec![pod().name("p1").node("node1").label("foo", "bar").obj()],
            vec![
                node("node1", &rg_china),
                node("node2", &rg_china_az1),
                node("node3", &rg_india),
            ],
            false,
            vec![Fits, Fits, Aff],
        ),
        case(
            "The affinity rule is to schedule all of the pods of this collection to the same zone. The first pod of the collection should not be blocked from being scheduled onto any node, even there's no existing pod that matches the rule anywhere.",
            pod()
                .labels(&[("foo", "bar"), ("service", "securityscan")])
                .aff_in(false, "foo", "zone", &["bar"])
                .aff_in(false, "service", "zone", &["securityscan"]),
            vec![pod().name("p1").node("nodeA").label("foo", "bar").obj()],
            vec![
                node("nodeA", &[("zone", "az1"), ("hostname", "h1")]),
                node("nodeB", &[("zone", "az2"), ("hostname", "h2")]),
            ],
            false,
            vec![Fits, Fits],
        ),
        case(
            "The first pod of the collection can only be scheduled on nodes labelled with the requested topology keys",
            pod()
                .labels(&[("foo", "bar"), ("service", "securityscan")])
                .aff_in(false, "foo", "zone", &["bar"])
                .aff_in(false, "service", "zone", &["securityscan"]),
            vec![pod().name("p1").node("nodeA").label("foo", "bar").obj()],
            vec![
                node("nodeA", &[("zoneLabel", "az1"), ("hostname", "h1")]),
                node("nodeB", &[("zoneLabel", "az2"), ("hostname", "h2")]),
            ],
            false,
            vec![Aff, Aff],
        ),
        case(
            "NodeA and nodeB have same topologyKey and label value. NodeA has an existing pod that matches the inter pod affinity rule. The pod can not be scheduled onto nodeA and nodeB.",
            pod().aff_in(true, "foo", "region", &["abc"]),
            vec![pod().node("nodeA").label("foo", "abc").obj()],
            vec![
                node("nodeA", &[("region", "r1"), ("hostname", "nodeA")]),
                node("nodeB", &[("region", "r1"), ("hostname", "nodeB")]),
            ],
            false,
            vec![Anti, Anti],
        ),
        case(
            "This test ensures that anti-affinity matches a pod when any term of the anti-affinity rule matches a pod.",
            pod().aff_in(true, "foo", "region", &["abc"]).aff_in(
                true,
                "service",
                "zone",
                &["securityscan"],
            ),
            vec![
                pod()
                    .node("nodeA")
                    .labels(&[("foo", "abc"), ("service", "securityscan")])
                    .obj(),
            ],
            vec![
                node(
                    "nodeA",
                    &[("region", "r1"), ("zone", "z1"), ("hostname", "nodeA")],
                ),
                node(
                    "nodeB",
                    &[("region", "r1"), ("zone", "z2"), ("hostname", "nodeB")],
                ),
            ],
            false,
            vec![Anti, Anti],
        ),
        case(
            "NodeA and nodeB have same topologyKey and label value. NodeA has an existing pod that matches the inter pod affinity rule. The pod can not be scheduled onto nodeA and nodeB but can be scheduled onto nodeC",
            pod().aff_in(true, "foo", "region", &["abc"]),
            vec![pod().node("nodeA").label("foo", "abc").obj()],
            vec![
                node("nodeA", &rg_china),
                node("nodeB", &rg_china_az1),
                node("nodeC", &rg_india),
            ],
            false,
            vec![Anti, Anti, Fits],
        ),
        case(
            "NodeA and nodeB have same topologyKey and label value. NodeA has an existing pod that matches the inter pod affinity rule. The pod can not be scheduled onto nodeA, nodeB, but can be scheduled onto nodeC (NodeC has an existing pod that match the inter pod affinity rule but in different namespace)",
            pod()
                .namespace("NS1")
                .label("foo", "123")
                .aff_in(true, "foo", "region", &["bar"]),
            vec![
                pod()
                    .node("nodeA")
                    .namespace("NS1")
                    .label("foo", "bar")
                    .obj(),
                pod()
                    .node("nodeC")
                    .namespace("NS2")
                    .aff_in(true, "foo", "region", &["123"])
                    .obj(),
            ],
            vec![
                node("nodeA", &rg_china),
                node("nodeB", &rg_china_az1),
                node("nodeC", &rg_india),
            ],
            false,
            vec![Anti, Anti, Fits],
        ),
        case(
            "Test existing pod's anti-affinity: if an existing pod has a term with invalid topologyKey, labelSelector of the term is firstly checked, and then topologyKey of the term is also checked",
            pod().label("foo", ""),
            vec![
                pod()
                    .node("nodeA")
                    .aff_exists(true, "foo", "invalid-node-label")
                    .obj(),
            ],
            vec![rzh("nodeA", "z1"), rzh("nodeB", "z1")],
            true,
            vec![Fits, Fits],
        ),
        // Adapted: upstream's incoming pod also has `.Node("nodeA")`, which would pin it
        // to nodeA through the NodeName filter; it is dropped.
        case(
            "Test incoming pod's anti-affinity: even if labelSelector matches, we still check if topologyKey matches",
            pod().aff_exists(true, "foo", "invalid-node-label"),
            vec![pod().node("nodeA").label("foo", "").obj()],
            vec![rzh("nodeA", "z1"), rzh("nodeB", "z1")],
            false,
            vec![Fits, Fits],
        ),
        case(
            "Test existing pod's anti-affinity: incoming pod wouldn't considered as a fit as it violates each existingPod's terms on all nodes",
            pod().label("foo", "").label("bar", ""),
            vec![
                pod().node("nodeA").aff_exists(true, "foo", "zone").obj(),
                pod().node("nodeA").aff_exists(true, "bar", "region").obj(),
            ],
            vec![rzh("nodeA", "z1"), rzh("nodeB", "z2")],
            false,
            vec![EA, EA],
        ),
        case(
            "Test incoming pod's anti-affinity: incoming pod wouldn't considered as a fit as it at least violates one anti-affinity rule of existingPod",
            pod()
                .aff_exists(true, "foo", "zone")
                .aff_exists(true, "bar", "region"),
            vec![
                pod().node("nodeA").label("foo", "").obj(),
                pod().node("nodeB").label("bar", "").obj(),
            ],
            vec![rzh("nodeA", "z1"), rzh("nodeB", "z2")],
            false,
            vec![Anti, Anti],
        ),
        case(
            "Test existing pod's anti-affinity: only when labelSelector and topologyKey both match, it's counted as a single term match - case when one term has invalid topologyKey",
            pod().label("foo", "").label("bar", ""),
            vec![
                pod()
                    .node("nodeA")
                    .aff_exists(true, "foo", "invalid-node-label")
                    .aff_exists(true, "bar", "zone")
                    .obj(),
            ],
            vec![rzh("nodeA", "z1"), rzh("nodeB", "z2")],
            false,
            vec![EA, Fits],
        ),
        case(
            "Test incoming pod's anti-affinity: only when labelSelector and topologyKey both match, it's counted as a single term match - case when one term has invalid topologyKey",
            pod()
                .aff_exists(true, "foo", "invalid-node-label")
                .aff_exists(true, "bar", "zone"),
            vec![
                pod()
                    .name("podA")
                    .node("nodeA")
                    .labels(&[("foo", ""), ("bar", "")])
                    .obj(),
            ],
            vec![rzh("nodeA", "z1"), rzh("nodeB", "z2")],
            false,
            vec![Anti, Fits],
        ),
        case(
            "Test existing pod's anti-affinity: only when labelSelector and topologyKey both match, it's counted as a single term match - case when all terms have valid topologyKey",
            pod().label("foo", "").label("bar", ""),
            vec![
                pod()
                    .node("nodeA")
                    .aff_exists(true, "foo", "region")
                    .aff_exists(true, "bar", "zone")
                    .obj(),
            ],
            vec![rzh("nodeA", "z1"), rzh("nodeB", "z2")],
            false,
            vec![EA, EA],
        ),
        case(
            "Test incoming pod's anti-affinity: only when labelSelector and topologyKey both match, it's counted as a single term match - case when all terms have valid topologyKey",
            pod()
                .aff_exists(true, "foo", "region")
                .aff_exists(true, "bar", "zone"),
            vec![
                pod()
                    .node("nodeA")
                    .labels(&[("foo", ""), ("bar", "")])
                    .obj(),
            ],
            vec![rzh("nodeA", "z1"), rzh("nodeB", "z2")],
            false,
            vec![Anti, Anti],
        ),
        case(
            "Test existing pod's anti-affinity: existingPod on nodeA and nodeB has at least one anti-affinity term matches incoming pod, so incoming pod can only be scheduled to nodeC",
            pod().label("foo", "").label("bar", ""),
            vec![
                pod()
                    .node("nodeA")
                    .aff_exists(true, "foo", "zone")
                    .aff_exists(true, "labelA", "zone")
                    .obj(),
                pod()
                    .node("nodeB")
                    .aff_exists(true, "bar", "zone")
                    .aff_exists(true, "labelB", "zone")
                    .obj(),
            ],
            vec![rzh("nodeA", "z1"), rzh("nodeB", "z2"), rzh("nodeC", "z3")],
            false,
            vec![EA, EA, Fits],
        ),
        case(
            "Test incoming pod's affinity: firstly check if all affinityTerms match, and then check if all topologyKeys match",
            pod()
                .aff_exists(false, "foo", "region")
                .aff_exists(false, "bar", "zone"),
            vec![
                pod()
                    .name("pod1")
                    .labels(&[("foo", ""), ("bar", "")])
                    .node("nodeA")
                    .obj(),
            ],
            vec![rzh("nodeA", "z1"), rzh("nodeB", "z1")],
            false,
            vec![Fits, Fits],
        ),
        case(
            "Test incoming pod's affinity: firstly check if all affinityTerms match, and then check if all topologyKeys match, and the match logic should be satisfied on the same pod",
            pod()
                .aff_exists(false, "foo", "region")
                .aff_exists(false, "bar", "zone"),
            vec![
                pod().node("nodeA").name("pod1").label("foo", "").obj(),
                pod().node("nodeB").name("pod2").label("bar", "").obj(),
            ],
            vec![rzh("nodeA", "z1"), rzh("nodeB", "z2")],
            false,
            vec![Aff, Aff],
        ),
    ]
}

#[test]
fn required_affinity_multiple_nodes() {
    let cases = multiple_nodes_cases();
    assert_eq!(cases.len(), 18);
    let mut failures = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        assert_eq!(c.nodes.len(), c.want.len(), "{}", c.name);
        run_filter_case(i, c, &mut failures);
    }
    finish("TestRequiredAffinityMultipleNodes", failures);
}

// ---------------------------------------------------------------------------
// filtering_test.go: TestPreFilterStateAddRemovePod
//
// Upstream compares the PreFilter state after AddPod/RemovePod with a state computed
// from scratch, and checks the (anti-)affinity counts. Observable here: adding the pod
// to the state (`ClusterState::assume`) gives the same filter verdicts as compiling it
// as a running pod, those verdicts follow from upstream's expected counts, and
// removing it again restores the original verdicts.
// ---------------------------------------------------------------------------

struct AddRemoveCase {
    name: &'static str,
    pending: Pod,
    existing: Vec<Pod>,
    added: Pod,
    nodes: Vec<Node>,
    /// Filter verdicts once `added` is in place, derived from upstream's
    /// `expectedAntiAffinity` / `expectedAffinity` counts.
    want_after_add: Vec<Want>,
}

fn add_remove_cases() -> Vec<AddRemoveCase> {
    let selector1 = [("foo", "bar")];
    let anti_foo_bar = Affinity {
        affinity: None,
        anti: required(vec![term(&[req("foo", Operator::In, &["bar"])], "region")]),
    };
    let complex_terms = || {
        vec![
            term(&[req("foo", Operator::In, &["bar", "buzz"])], "region"),
            term(
                &[req(
                    "service",
                    Operator::NotIn,
                    &["bar", "security", "test"],
                )],
                "zone",
            ),
        ]
    };
    let anti_complex = Affinity {
        affinity: None,
        anti: required(complex_terms()),
    };
    let affinity_complex = Affinity {
        affinity: required(complex_terms()),
        anti: None,
    };
    let nodes = || {
        vec![
            node("nodeA", &[("region", "r1"), ("zone", "z11")]),
            node("nodeB", &[("region", "r1"), ("zone", "z12")]),
            node("nodeC", &[("region", "r2"), ("zone", "z21")]),
        ]
    };
    use Want::{Affinity as Aff, Anti, ExistingAnti as EA};
    vec![
        // expectedAntiAffinity {region=r1: 2}: nodeA and nodeB are in r1; nodeC (r2) is
        // blocked by p2's anti-affinity towards foo=bar.
        AddRemoveCase {
            name: "preFilterState anti-affinity terms are updated correctly after adding and removing a pod",
            pending: pod()
                .name("pending")
                .labels(&selector1)
                .affinity(&anti_foo_bar)
                .obj(),
            existing: vec![
                pod().name("p1").labels(&selector1).node("nodeA").obj(),
                pod().name("p2").node("nodeC").affinity(&anti_foo_bar).obj(),
            ],
            added: pod()
                .name("addedPod")
                .labels(&selector1)
                .node("nodeB")
                .affinity(&anti_foo_bar)
                .obj(),
            nodes: nodes(),
            want_after_add: vec![Anti, Anti, EA],
        },
        // expectedAntiAffinity {region=r1: 2, zone=z11: 2, zone=z21: 1}: every node is
        // in one of these domains.
        AddRemoveCase {
            name: "preFilterState anti-affinity terms are updated correctly after adding and removing a pod",
            pending: pod()
                .name("pending")
                .labels(&selector1)
                .affinity(&anti_complex)
                .obj(),
            existing: vec![
                pod().name("p1").labels(&selector1).node("nodeA").obj(),
                pod().name("p2").node("nodeC").affinity(&anti_foo_bar).obj(),
            ],
            added: pod()
                .name("addedPod")
                .labels(&selector1)
                .node("nodeA")
                .affinity(&anti_complex)
                .obj(),
            nodes: nodes(),
            want_after_add: vec![Anti, Anti, Anti],
        },
        // expectedAffinity {region=r1: 2, zone=z11: 2}: only nodeA is in both domains,
        // and the added pod's anti-affinity (region r1) then blocks it.
        AddRemoveCase {
            name: "preFilterState matching pod affinity and anti-affinity are updated correctly after adding and removing a pod",
            pending: pod()
                .name("pending")
                .labels(&selector1)
                .affinity(&affinity_complex)
                .obj(),
            existing: vec![
                pod().name("p1").labels(&selector1).node("nodeA").obj(),
                pod()
                    .name("p2")
                    .node("nodeC")
                    .affinity(&Affinity {
                        affinity: affinity_complex.affinity.clone(),
                        anti: anti_foo_bar.anti.clone(),
                    })
                    .obj(),
            ],
            added: pod()
                .name("addedPod")
                .labels(&selector1)
                .node("nodeA")
                .affinity(&anti_complex)
                .obj(),
            nodes: nodes(),
            want_after_add: vec![EA, Aff, Aff],
        },
    ]
}

#[test]
fn pre_filter_state_add_remove_pod() {
    let cases = add_remove_cases();
    let mut failures = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        let target = c.added.node_name.clone().unwrap();
        let mut unbound = c.added.clone();
        unbound.node_name = None;
        let mut snap = compile(&c.nodes, &[], &c.existing, &[c.pending.clone(), unbound]);
        let (pending, added) = (snap.incoming[0], snap.incoming[1]);
        let node = snap.cluster.node_by_name(&target).unwrap();
        let scheduler = Scheduler::new(&snap.cluster, Profile::default());
        let before = outcomes(&snap, &scheduler.evaluate(&snap.state, pending));

        snap.state.assume(&snap.cluster, added, node);
        let after_add = outcomes(&snap, &scheduler.evaluate(&snap.state, pending));
        for (n, want) in c.nodes.iter().zip(&c.want_after_add) {
            if after_add.get(&n.name) != Some(&want.got()) {
                failures.push(format!(
                    "[{i}] {:?}: after AddPod, node {}: got {:?}, want {:?}",
                    c.name,
                    n.name,
                    after_add.get(&n.name),
                    want.got()
                ));
            }
        }

        // The state after AddPod equals the state computed with the pod already there.
        let mut all = c.existing.clone();
        all.push(c.added.clone());
        let fresh = compile(&c.nodes, &[], &all, std::slice::from_ref(&c.pending));
        let fresh_ev = Scheduler::new(&fresh.cluster, Profile::default())
            .evaluate(&fresh.state, fresh.incoming[0]);
        let from_scratch = outcomes(&fresh, &fresh_ev);
        if from_scratch != after_add {
            failures.push(format!(
                "[{i}] {:?}: after AddPod {after_add:?} differs from a fresh state {from_scratch:?}",
                c.name
            ));
        }

        // RemovePod restores the original state.
        snap.state.remove(&snap.cluster, added);
        let after_remove = outcomes(&snap, &scheduler.evaluate(&snap.state, pending));
        if after_remove != before {
            failures.push(format!(
                "[{i}] {:?}: after RemovePod {after_remove:?}, before AddPod {before:?}",
                c.name
            ));
        }
    }
    finish("TestPreFilterStateAddRemovePod", failures);
}

// ---------------------------------------------------------------------------
// scoring_test.go: TestPreferredAffinity
// ---------------------------------------------------------------------------

fn s1() -> [(&'static str, &'static str); 1] {
    [("security", "S1")]
}

fn s2() -> [(&'static str, &'static str); 1] {
    [("security", "S2")]
}

fn preferred_affinity_cases() -> Vec<ScoreCase> {
    let rg_china = [("region", "China")];
    let rg_india = [("region", "India")];
    let az1 = [("az", "az1")];
    let az2 = [("az", "az2")];
    let rg_china_az1 = [("region", "China"), ("az", "az1")];
    let security = |v: &str| req("security", Operator::In, &[v]);

    let stay_with_s1_in_region = Affinity {
        affinity: preferred(vec![weighted(5, term(&[security("S1")], "region"))]),
        anti: None,
    };
    let stay_with_s2_in_region = Affinity {
        affinity: preferred(vec![weighted(6, term(&[security("S2")], "region"))]),
        anti: None,
    };
    let affinity3 = Affinity {
        affinity: preferred(vec![
            weighted(
                8,
                term(
                    &[
                        req("security", Operator::NotIn, &["S1"]),
                        req("security", Operator::In, &["S2"]),
                    ],
                    "region",
                ),
            ),
            weighted(
                2,
                term(
                    &[
                        req("security", Operator::Exists, &[]),
                        req("wrongkey", Operator::DoesNotExist, &[]),
                    ],
                    "region",
                ),
            ),
        ]),
        anti: None,
    };
    let hard_affinity = Affinity {
        affinity: required(vec![
            term(
                &[req("security", Operator::In, &["S1", "value2"])],
                "region",
            ),
            term(
                &[
                    req("security", Operator::Exists, &[]),
                    req("wrongkey", Operator::DoesNotExist, &[]),
                ],
                "region",
            ),
        ]),
        anti: None,
    };
    let away_from_s1_in_az = Affinity {
        affinity: None,
        anti: preferred(vec![weighted(5, term(&[security("S1")], "az"))]),
    };
    let away_from_s2_in_az = Affinity {
        affinity: None,
        anti: preferred(vec![weighted(5, term(&[security("S2")], "az"))]),
    };
    let stay_s1_away_s2 = Affinity {
        affinity: preferred(vec![weighted(8, term(&[security("S1")], "region"))]),
        anti: preferred(vec![weighted(5, term(&[security("S2")], "az"))]),
    };
    let ns_term = || PodAffinityTerm {
        namespaces: vec!["subteam2.team2".into()],
        namespace_selector: Some(sel(&[req("team", Operator::In, &["team1"])])),
        ..term(&[security("S1")], "region")
    };
    let affinity_ns_selector = Affinity {
        affinity: preferred(vec![weighted(5, ns_term())]),
        anti: None,
    };
    let anti_affinity_ns_selector = Affinity {
        affinity: None,
        anti: preferred(vec![weighted(5, ns_term())]),
    };

    let on = |n: &str, l: &[(&str, &str)]| pod().node(n).labels(l).obj();
    let on_with =
        |n: &str, l: &[(&str, &str)], a: &Affinity| pod().node(n).labels(l).affinity(a).obj();
    let profile = |ignore: bool| Profile {
        hard_pod_affinity_weight: 1,
        ignore_preferred_terms_of_existing_pods: ignore,
        ..Profile::default()
    };
    let case = |name, pod: Pod, pods, nodes, want| ScoreCase {
        name,
        pod,
        pods,
        nodes,
        profile: profile(false),
        want,
    };
    vec![
        case(
            "all nodes are same priority as Affinity is nil",
            pod().labels(&s1()).obj(),
            vec![],
            vec![
                node("node1", &rg_china),
                node("node2", &rg_india),
                node("node3", &az1),
            ],
            None,
        ),
        case(
            "Affinity: pod that matches topology key & pods in nodes will get high score comparing to otherswhich doesn't match either pods in nodes or in topology key",
            pod().labels(&s1()).affinity(&stay_with_s1_in_region).obj(),
            vec![on("node1", &s1()), on("node2", &s2()), on("node3", &s1())],
            vec![
                node("node1", &rg_china),
                node("node2", &rg_india),
                node("node3", &az1),
            ],
            Some(vec![100, 0, 0]),
        ),
        case(
            "All the nodes that have the same topology key & label value with one of them has an existing pod that match the affinity rules, have the same score",
            pod().affinity(&stay_with_s1_in_region).obj(),
            vec![on("node1", &s1())],
            vec![
                node("node1", &rg_china),
                node("node2", &rg_china_az1),
                node("node3", &rg_india),
            ],
            Some(vec![100, 100, 0]),
        ),
        case(
            "Affinity: nodes in one region has more matching pods comparing to other region, so the region which has more matches will get high score",
            pod().labels(&s1()).affinity(&stay_with_s2_in_region).obj(),
            vec![
                on("node1", &s2()),
                on("node1", &s2()),
                on("node2", &s2()),
                on("node3", &s2()),
                on("node4", &s2()),
                on("node5", &s2()),
            ],
            vec![
                node("node1", &rg_china),
                node("node2", &rg_india),
                node("node3", &rg_china),
                node("node4", &rg_china),
                node("node5", &rg_india),
            ],
            Some(vec![100, 0, 100, 100, 0]),
        ),
        case(
            "Affinity: different Label operators and values for pod affinity scheduling preference, including some match failures ",
            pod().labels(&s1()).affinity(&affinity3).obj(),
            vec![on("node1", &s1()), on("node2", &s2()), on("node3", &s1())],
            vec![
                node("node1", &rg_china),
                node("node2", &rg_india),
                node("node3", &az1),
            ],
            Some(vec![20, 100, 0]),
        ),
        case(
            "Affinity symmetry: considered only the preferredDuringSchedulingIgnoredDuringExecution in pod affinity symmetry",
            pod().labels(&s2()).obj(),
            vec![
                on_with("node1", &s1(), &stay_with_s1_in_region),
                on_with("node2", &s2(), &stay_with_s2_in_region),
            ],
            vec![
                node("node1", &rg_china),
                node("node2", &rg_india),
                node("node3", &az1),
            ],
            Some(vec![0, 100, 0]),
        ),
        case(
            "Affinity symmetry with namespace selector",
            pod().namespace("subteam1.team1").labels(&s1()).obj(),
            vec![
                on_with("node1", &s1(), &affinity_ns_selector),
                on_with("node2", &s2(), &stay_with_s2_in_region),
            ],
            vec![
                node("node1", &rg_china),
                node("node2", &rg_india),
                node("node3", &az1),
            ],
            Some(vec![100, 0, 0]),
        ),
        case(
            "AntiAffinity symmetry with namespace selector",
            pod().namespace("subteam1.team1").labels(&s1()).obj(),
            vec![
                on_with("node1", &s1(), &anti_affinity_ns_selector),
                on_with("node2", &s2(), &stay_with_s2_in_region),
            ],
            vec![
                node("node1", &rg_china),
                node("node2", &rg_india),
                node("node3", &az1),
            ],
            Some(vec![0, 100, 100]),
        ),
        case(
            "Affinity symmetry: considered RequiredDuringSchedulingIgnoredDuringExecution in pod affinity symmetry",
            pod().labels(&s1()).obj(),
            vec![
                on_with("node1", &s1(), &hard_affinity),
                on_with("node2", &s2(), &hard_affinity),
            ],
            vec![
                node("node1", &rg_china),
                node("node2", &rg_india),
                node("node3", &az1),
            ],
            Some(vec![100, 100, 0]),
        ),
        case(
            "Anti Affinity: pod that does not match existing pods in node will get high score ",
            pod().labels(&s1()).affinity(&away_from_s1_in_az).obj(),
            vec![on("node1", &s1()), on("node2", &s2())],
            vec![node("node1", &az1), node("node2", &rg_china)],
            Some(vec![0, 100]),
        ),
        case(
            "Anti Affinity: pod that does not match topology key & match the pods in nodes will get higher score comparing to others ",
            pod().labels(&s1()).affinity(&away_from_s1_in_az).obj(),
            vec![on("node1", &s1()), on("node2", &s1())],
            vec![node("node1", &az1), node("node2", &rg_china)],
            Some(vec![0, 100]),
        ),
        case(
            "Anti Affinity: one node has more matching pods comparing to other node, so the node which has more unmatches will get high score",
            pod().labels(&s1()).affinity(&away_from_s1_in_az).obj(),
            vec![on("node1", &s1()), on("node1", &s1()), on("node2", &s2())],
            vec![node("node1", &az1), node("node2", &rg_india)],
            Some(vec![0, 100]),
        ),
        case(
            "Anti Affinity symmetry: the existing pods in node which has anti affinity match will get high score",
            pod().labels(&s2()).obj(),
            vec![
                on_with("node1", &s1(), &away_from_s2_in_az),
                on_with("node2", &s2(), &away_from_s1_in_az),
            ],
            vec![node("node1", &az1), node("node2", &az2)],
            Some(vec![0, 100]),
        ),
        case(
            "Affinity and Anti Affinity: considered only preferredDuringSchedulingIgnoredDuringExecution in both pod affinity & anti affinity",
            pod().labels(&s1()).affinity(&stay_s1_away_s2).obj(),
            vec![on("node1", &s1()), on("node2", &s1())],
            vec![node("node1", &rg_china), node("node2", &az1)],
            Some(vec![100, 0]),
        ),
        case(
            "Affinity and Anti Affinity: considering both affinity and anti-affinity, the pod to schedule and existing pods have the same labels",
            pod().labels(&s1()).affinity(&stay_s1_away_s2).obj(),
            vec![
                on("node1", &s1()),
                on("node1", &s1()),
                on("node2", &s1()),
                on("node3", &s1()),
                on("node3", &s1()),
                on("node4", &s1()),
                on("node5", &s1()),
            ],
            vec![
                node("node1", &rg_china_az1),
                node("node2", &rg_india),
                node("node3", &rg_china),
                node("node4", &rg_china),
                node("node5", &rg_india),
            ],
            Some(vec![100, 0, 100, 100, 0]),
        ),
        case(
            "Affinity and Anti Affinity and symmetry: considered only preferredDuringSchedulingIgnoredDuringExecution in both pod affinity & anti affinity & symmetry",
            pod().labels(&s1()).affinity(&stay_s1_away_s2).obj(),
            vec![
                on("node1", &s1()),
                on("node2", &s2()),
                on_with("node3", &[], &stay_s1_away_s2),
                on_with("node4", &[], &away_from_s1_in_az),
            ],
            vec![
                node("node1", &rg_china),
                node("node2", &az1),
                node("node3", &rg_india),
                node("node4", &az2),
            ],
            Some(vec![100, 0, 100, 0]),
        ),
        case(
            "Avoid panic when partial nodes in a topology don't have pods with affinity",
            pod().labels(&s1()).obj(),
            vec![on("node1", &s1()), on_with("node2", &[], &stay_s1_away_s2)],
            vec![node("node1", &rg_china), node("node2", &rg_china)],
            Some(vec![0, 0]),
        ),
        case(
            "Affinity with pods matching NamespaceSelector",
            pod()
                .namespace("subteam1.team1")
                .labels(&s1())
                .affinity(&affinity_ns_selector)
                .obj(),
            vec![
                pod()
                    .node("node1")
                    .namespace("subteam1.team1")
                    .labels(&s1())
                    .obj(),
                pod()
                    .node("node1")
                    .namespace("subteam1.team1")
                    .labels(&s1())
                    .obj(),
                pod()
                    .node("node1")
                    .namespace("subteam1.team2")
                    .labels(&s1())
                    .obj(),
                pod()
                    .node("node2")
                    .namespace("subteam2.team1")
                    .labels(&s1())
                    .obj(),
            ],
            vec![node("node1", &rg_china), node("node2", &rg_india)],
            Some(vec![100, 0]),
        ),
        case(
            "Affinity with pods matching both NamespaceSelector and Namespaces fields",
            pod()
                .namespace("subteam1.team1")
                .labels(&s1())
                .affinity(&affinity_ns_selector)
                .obj(),
            vec![
                pod()
                    .node("node1")
                    .namespace("subteam1.team1")
                    .labels(&s1())
                    .obj(),
                pod()
                    .node("node1")
                    .namespace("subteam1.team1")
                    .labels(&s1())
                    .obj(),
                pod()
                    .node("node1")
                    .namespace("subteam2.team2")
                    .labels(&s1())
                    .obj(),
                pod()
                    .node("node2")
                    .namespace("subteam2.team1")
                    .labels(&s1())
                    .obj(),
            ],
            vec![node("node1", &rg_china), node("node2", &rg_india)],
            Some(vec![100, 0]),
        ),
        case(
            "Affinity with pods matching NamespaceSelector",
            pod()
                .namespace("subteam1.team1")
                .labels(&s1())
                .affinity(&anti_affinity_ns_selector)
                .obj(),
            vec![
                pod()
                    .node("node1")
                    .namespace("subteam1.team1")
                    .labels(&s1())
                    .obj(),
                pod()
                    .node("node1")
                    .namespace("subteam1.team1")
                    .labels(&s1())
                    .obj(),
                pod()
                    .node("node1")
                    .namespace("subteam1.team2")
                    .labels(&s1())
                    .obj(),
                pod()
                    .node("node2")
                    .namespace("subteam2.team1")
                    .labels(&s1())
                    .obj(),
            ],
            vec![node("node1", &rg_china), node("node2", &rg_india)],
            Some(vec![0, 100]),
        ),
        case(
            "Affinity with pods matching both NamespaceSelector and Namespaces fields",
            pod()
                .namespace("subteam1.team1")
                .labels(&s1())
                .affinity(&anti_affinity_ns_selector)
                .obj(),
            vec![
                pod()
                    .node("node1")
                    .namespace("subteam1.team1")
                    .labels(&s1())
                    .obj(),
                pod()
                    .node("node1")
                    .namespace("subteam1.team1")
                    .labels(&s1())
                    .obj(),
                pod()
                    .node("node1")
                    .namespace("subteam2.team2")
                    .labels(&s1())
                    .obj(),
                pod()
                    .node("node2")
                    .namespace("subteam2.team1")
                    .labels(&s1())
                    .obj(),
            ],
            vec![node("node1", &rg_china), node("node2", &rg_india)],
            Some(vec![0, 100]),
        ),
        ScoreCase {
            profile: profile(true),
            ..case(
                "Ignore preferred terms of existing pods",
                pod().labels(&s2()).obj(),
                vec![
                    on_with("node1", &s1(), &stay_s1_away_s2),
                    on_with("node2", &s2(), &stay_with_s2_in_region),
                ],
                vec![node("node1", &rg_china), node("node2", &rg_india)],
                None,
            )
        },
        case(
            "Do not ignore preferred terms of existing pods",
            pod().labels(&s2()).obj(),
            vec![
                on_with("node1", &s1(), &stay_s1_away_s2),
                on_with("node2", &s2(), &stay_with_s2_in_region),
            ],
            vec![node("node1", &rg_china), node("node2", &rg_india)],
            Some(vec![0, 100]),
        ),
    ]
}

#[test]
fn preferred_affinity() {
    let cases = preferred_affinity_cases();
    assert_eq!(cases.len(), 23);
    let mut failures = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        run_score_case(i, c, &mut failures);
    }
    finish("TestPreferredAffinity", failures);
}

// ---------------------------------------------------------------------------
// scoring_test.go: TestPreferredAffinityWithHardPodAffinitySymmetricWeight
// ---------------------------------------------------------------------------

fn hard_weight_cases() -> Vec<ScoreCase> {
    let service_s1 = [("service", "S1")];
    let hard_pod_affinity = Affinity {
        affinity: required(vec![PodAffinityTerm {
            // Upstream: `Namespaces: []string{"", "subteam2.team2"}`.
            namespaces: vec!["default".into(), "subteam2.team2".into()],
            namespace_selector: Some(sel(&[req("team", Operator::In, &["team1"])])),
            ..term(&[req("service", Operator::In, &["S1"])], "region")
        }]),
        anti: None,
    };
    let pods = || {
        vec![
            pod().node("node1").affinity(&hard_pod_affinity).obj(),
            pod().node("node2").affinity(&hard_pod_affinity).obj(),
        ]
    };
    let nodes = || {
        vec![
            node("node1", &[("region", "China")]),
            node("node2", &[("region", "India")]),
            node("node3", &[("az", "az1")]),
        ]
    };
    let case = |name, namespace: &str, weight: i64, want| ScoreCase {
        name,
        pod: pod().namespace(namespace).labels(&service_s1).obj(),
        pods: pods(),
        nodes: nodes(),
        profile: Profile {
            hard_pod_affinity_weight: weight,
            ..Profile::default()
        },
        want,
    };
    // v1.DefaultHardPodAffinitySymmetricWeight
    let default_weight = 1;
    vec![
        case(
            "with default weight",
            "",
            default_weight,
            Some(vec![100, 100, 0]),
        ),
        case("with zero weight", "", 0, None),
        case(
            "with no matching namespace",
            "subteam1.team2",
            default_weight,
            None,
        ),
        case(
            "with matching NamespaceSelector",
            "subteam1.team1",
            default_weight,
            Some(vec![100, 100, 0]),
        ),
        case(
            "with matching Namespaces",
            "subteam2.team2",
            default_weight,
            Some(vec![100, 100, 0]),
        ),
    ]
}

#[test]
fn preferred_affinity_with_hard_pod_affinity_symmetric_weight() {
    let cases = hard_weight_cases();
    assert_eq!(cases.len(), 5);
    let mut failures = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        run_score_case(i, c, &mut failures);
    }
    finish(
        "TestPreferredAffinityWithHardPodAffinitySymmetricWeight",
        failures,
    );
}
