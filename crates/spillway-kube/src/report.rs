//! Scheduling results as JSON, in the format of the golden data
//! (`fixtures/golden/README.md`, "Expected file format").

use std::collections::BTreeMap;

use serde::Serialize;
use spillway_core::framework::Rejection;
use spillway_core::{Cluster, Evaluation};

/// The Kubernetes version whose semantics spillway reproduces.
pub const K8S_VERSION: &str = "v1.35.4";

/// A status as the golden data prints it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct StatusJson {
    /// Status code.
    pub code: String,
    /// Plugin.
    pub plugin: String,
    /// Reasons.
    pub reasons: Vec<String>,
}

impl StatusJson {
    fn new(r: &Rejection, cluster: &Cluster) -> StatusJson {
        StatusJson {
            code: r.code.as_str().to_string(),
            plugin: r.plugin.name().to_string(),
            reasons: r
                .reasons
                .iter()
                .map(|x| x.message(cluster).into_owned())
                .collect(),
        }
    }
}

/// One pod's result.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PodResult {
    /// `namespace/name`.
    pub pod: String,
    /// Nodes that passed PreFilter and Filter, sorted by name.
    pub feasible: Vec<String>,
    /// Rejected nodes and their reasons.
    pub filtered: BTreeMap<String, Vec<String>>,
    /// Rejected nodes and the plugin that rejected them.
    pub filtered_by: BTreeMap<String, String>,
    /// Set when a PreEnqueue plugin gated the pod.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pre_enqueue_status: Option<StatusJson>,
    /// Set when a PreFilter plugin rejected the pod.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pre_filter_status: Option<StatusJson>,
    /// The node set a PreFilter narrowed to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pre_filter_node_names: Option<Vec<String>>,
    /// Plugins whose PreFilter returned Skip.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped_filter_plugins: Option<Vec<String>>,
    /// Plugins whose PreScore returned Skip.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped_score_plugins: Option<Vec<String>>,
    /// Weighted scores per feasible node, with `total`.
    pub scores: BTreeMap<String, BTreeMap<String, i64>>,
    /// Feasible nodes with the highest total, sorted by name.
    pub best: Vec<String>,
    /// The node the pod was placed on.
    pub assigned: Option<String>,
    /// The full unschedulable message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The message without its PostFilter part.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filter_message: Option<String>,
    /// spillway's additions (not in the golden format): containers ready once
    /// running (`2/2` with a sidecar), zone, ECI size and cost, admission notes.
    #[serde(flatten)]
    pub details: Option<PodDetails>,
}

/// What spillway adds to a pod's result: how it runs where it lands.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct PodDetails {
    /// `READY` as kubectl shows it once the pod runs: `2/2` for a meshed pod.
    pub ready: String,
    /// The zone of the node it lands on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    /// Set when it lands on a virtual node: the ECI instance.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eci: Option<EciDetails>,
    /// What admission did to the pod.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub admission: Vec<String>,
}

/// The ECI instance of a pod on a virtual node.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct EciDetails {
    /// The vSwitch it uses, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vswitch: Option<String>,
    /// The spec it runs as (`2-4Gi`, or an ECS instance type).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spec: Option<String>,
    /// Price per hour, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price_per_hour: Option<f64>,
    /// Currency of the price.
    pub currency: String,
    /// Why no spec could be chosen, if none could.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

impl PodResult {
    /// Builds the golden-format result of one evaluation.
    pub fn new(cluster: &Cluster, ev: &Evaluation) -> PodResult {
        let name = |n| cluster.node_name(n).to_string();
        let mut feasible: Vec<String> = ev.feasible.iter().map(|s| name(s.node)).collect();
        feasible.sort();
        let names = |ps: &[spillway_core::Plugin]| {
            ps.iter().map(|p| p.name().to_string()).collect::<Vec<_>>()
        };
        let ran_filters = ev.pre_enqueue.is_none() && ev.pre_filter.is_none();
        let ran_scores = ran_filters && !ev.feasible.is_empty();
        PodResult {
            pod: cluster.pod_key(ev.pod),
            feasible,
            filtered: ev
                .rejected
                .iter()
                .map(|(n, r)| {
                    (
                        name(*n),
                        r.reasons
                            .iter()
                            .map(|x| x.message(cluster).into_owned())
                            .collect(),
                    )
                })
                .collect(),
            filtered_by: ev
                .rejected
                .iter()
                .map(|(n, r)| (name(*n), r.plugin.name().to_string()))
                .collect(),
            pre_enqueue_status: ev.pre_enqueue.as_ref().map(|r| StatusJson::new(r, cluster)),
            pre_filter_status: ev.pre_filter.as_ref().map(|r| StatusJson::new(r, cluster)),
            pre_filter_node_names: ev.pre_filter_node_names.clone(),
            skipped_filter_plugins: ran_filters.then(|| names(&ev.skipped_filter)),
            skipped_score_plugins: ran_scores.then(|| names(&ev.skipped_score)),
            scores: ev
                .feasible
                .iter()
                .map(|s| {
                    let mut m: BTreeMap<String, i64> = s
                        .plugins
                        .iter()
                        .map(|(p, _, _, weighted)| (p.name().to_string(), *weighted))
                        .collect();
                    m.insert("total".into(), s.total);
                    (name(s.node), m)
                })
                .collect(),
            best: ev.best.iter().map(|&n| name(n)).collect(),
            assigned: ev.assigned.map(name),
            message: ev.message(cluster),
            filter_message: ev.filter_message(cluster),
            details: None,
        }
    }
}

/// The whole run: `{"k8sVersion": ..., "results": [...]}`.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// [`K8S_VERSION`].
    pub k8s_version: String,
    /// One result per incoming pod, in order.
    pub results: Vec<PodResult>,
}
