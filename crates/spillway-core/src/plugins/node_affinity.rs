//! NodeAffinity: `spec.nodeSelector` and required node affinity (filter, with a
//! PreFilter that narrows to `matchFields metadata.name` nodes) and preferred node
//! affinity (score: the sum of matching weights, normalised to 100).

use crate::Cluster;
use crate::cluster::selector::all_match;
use crate::cluster::template::Template;
use crate::framework::{Code, Plugin, Rejection};
use crate::ids::NodeIdx;

/// `ErrReasonPod`.
pub(crate) const REASON: &str = "node(s) didn't match Pod's node affinity/selector";
/// `errReasonConflict`.
pub(crate) const REASON_CONFLICT: &str = "pod affinity terms conflict";

/// Filter (`RequiredNodeAffinity.Match`): the node selector, then the ORed terms.
#[inline]
pub(crate) fn passes(cluster: &Cluster, t: &Template, node: NodeIdx) -> bool {
    let labels = &cluster.nodes.labels[node.index()];
    if !all_match(&t.node_selector, labels, &cluster.strings) {
        return false;
    }
    match &t.required_terms {
        None => true,
        Some(terms) => {
            let name = &cluster.nodes.names[node.index()];
            terms
                .iter()
                .any(|term| term.matches(labels, name, &cluster.strings))
        }
    }
}

pub(crate) fn rejection() -> Rejection {
    Rejection::fixed(
        Plugin::NodeAffinity,
        Code::UnschedulableAndUnresolvable,
        REASON,
    )
}

pub(crate) fn conflict() -> Rejection {
    Rejection::fixed(
        Plugin::NodeAffinity,
        Code::UnschedulableAndUnresolvable,
        REASON_CONFLICT,
    )
}

/// Score: the summed weights of the preferred terms the node matches.
pub(crate) fn score(cluster: &Cluster, t: &Template, node: NodeIdx) -> i64 {
    let Some(terms) = &t.preferred_terms else {
        return 0;
    };
    let labels = &cluster.nodes.labels[node.index()];
    let name = &cluster.nodes.names[node.index()];
    terms
        .iter()
        .filter(|(_, term)| term.matches(labels, name, &cluster.strings))
        .map(|(w, _)| w)
        .sum()
}
