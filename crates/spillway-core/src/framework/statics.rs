//! Per-template results that no placement can change, computed once per template.

use crate::Cluster;
use crate::cluster::template::{NodeNames, Template};
use crate::plugins::{image_locality, node_affinity, node_unschedulable, taint_toleration};

/// The first static filter that rejects a node, in filter order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StaticVerdict {
    Pass,
    /// Left out by NodeAffinity's PreFilter result (`matchFields metadata.name`):
    /// no filter runs on the node.
    Narrowed,
    NodeUnschedulable,
    TaintToleration,
    NodeAffinity,
}

/// Static filter verdicts and raw scores of one template, one entry per node.
#[derive(Debug, Clone)]
pub(crate) struct Statics {
    pub verdict: Vec<StaticVerdict>,
    /// TaintToleration's raw score (untolerated `PreferNoSchedule` taints).
    pub taint_score: Vec<i64>,
    /// NodeAffinity's raw score (matching preferred weights).
    pub affinity_score: Vec<i64>,
    /// ImageLocality's final score.
    pub image_score: Vec<i64>,
    /// Whether the node matches the pod's nodeSelector and required node affinity
    /// (PodTopologySpread's `nodeAffinityPolicy: Honor`).
    pub node_affinity_ok: Vec<bool>,
    /// Whether the pod tolerates the node's NoSchedule/NoExecute taints
    /// (PodTopologySpread's `nodeTaintsPolicy: Honor`).
    pub taints_ok: Vec<bool>,
}

impl Statics {
    pub(crate) fn compute(cluster: &Cluster, t: &Template) -> Statics {
        let n = cluster.node_count();
        let mut s = Statics {
            verdict: Vec::with_capacity(n),
            taint_score: Vec::with_capacity(n),
            affinity_score: Vec::with_capacity(n),
            image_score: Vec::with_capacity(n),
            node_affinity_ok: Vec::with_capacity(n),
            taints_ok: Vec::with_capacity(n),
        };
        for node in cluster.node_indices() {
            let taints_ok = taint_toleration::passes(cluster, t, node);
            let affinity_ok = node_affinity::passes(cluster, t, node);
            let narrowed = match &t.prefilter_node_names {
                NodeNames::All => false,
                NodeNames::Some(names) => names
                    .binary_search_by(|n| n.as_str().cmp(cluster.node_name(node)))
                    .is_err(),
            };
            let v = if narrowed {
                StaticVerdict::Narrowed
            } else if !node_unschedulable::passes(cluster, t, node) {
                StaticVerdict::NodeUnschedulable
            } else if !taints_ok {
                StaticVerdict::TaintToleration
            } else if t.node_affinity_filter && !affinity_ok {
                StaticVerdict::NodeAffinity
            } else {
                StaticVerdict::Pass
            };
            s.taints_ok.push(taints_ok);
            s.node_affinity_ok.push(affinity_ok);
            s.verdict.push(v);
            s.taint_score
                .push(taint_toleration::score(cluster, t, node));
            s.affinity_score
                .push(node_affinity::score(cluster, t, node));
            s.image_score.push(image_locality::score(cluster, t, node));
        }
        s
    }
}

impl Cluster {
    /// The static results of a template, computed on first use.
    pub(crate) fn statics(&self, t: crate::ids::TemplateIdx) -> &Statics {
        self.statics[t.index()].get_or_init(|| Statics::compute(self, &self.templates[t.index()]))
    }
}
