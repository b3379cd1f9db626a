//! TaintToleration: filters on untolerated `NoSchedule`/`NoExecute` taints and scores
//! by the number of untolerated `PreferNoSchedule` taints (fewer is better).

use crate::Cluster;
use crate::cluster::template::Template;
use crate::framework::{Code, Plugin, Rejection};
use crate::ids::NodeIdx;
use crate::spec::TaintEffect;

/// `ErrReasonNotMatch` (v1.35 no longer names the taint).
pub(crate) const REASON: &str = "node(s) had untolerated taint(s)";

/// Filter: every `NoSchedule`/`NoExecute` taint is tolerated.
#[inline]
pub(crate) fn passes(cluster: &Cluster, t: &Template, node: NodeIdx) -> bool {
    cluster.nodes.taints[node.index()]
        .iter()
        .filter(|taint| {
            matches!(
                taint.effect,
                TaintEffect::NoSchedule | TaintEffect::NoExecute
            )
        })
        .all(|taint| {
            t.tolerations
                .iter()
                .any(|tol| tol.tolerates(taint.key, taint.value, taint.effect))
        })
}

pub(crate) fn rejection() -> Rejection {
    Rejection::fixed(
        Plugin::TaintToleration,
        Code::UnschedulableAndUnresolvable,
        REASON,
    )
}

/// Score: untolerated `PreferNoSchedule` taints, counted against the tolerations whose
/// effect is empty or `PreferNoSchedule`. NormalizeScore reverses it.
pub(crate) fn score(cluster: &Cluster, t: &Template, node: NodeIdx) -> i64 {
    let tols = t.tolerations.iter().filter(|tol| {
        tol.effect
            .is_none_or(|e| e == TaintEffect::PreferNoSchedule)
    });
    let mut count = 0;
    for taint in &cluster.nodes.taints[node.index()] {
        if taint.effect != TaintEffect::PreferNoSchedule {
            continue;
        }
        if !tols
            .clone()
            .any(|tol| tol.tolerates(taint.key, taint.value, taint.effect))
        {
            count += 1;
        }
    }
    count
}
