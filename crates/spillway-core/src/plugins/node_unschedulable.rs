//! NodeUnschedulable: cordoned nodes reject pods that do not tolerate
//! `node.kubernetes.io/unschedulable:NoSchedule`.

use crate::Cluster;
use crate::cluster::template::Template;
use crate::framework::{Code, Plugin, Rejection};
use crate::ids::NodeIdx;

/// `ErrReasonUnschedulable`.
pub(crate) const REASON: &str = "node(s) were unschedulable";

/// Filter.
#[inline]
pub(crate) fn passes(cluster: &Cluster, t: &Template, node: NodeIdx) -> bool {
    !cluster.nodes.unschedulable[node.index()] || t.tolerates_unschedulable
}

pub(crate) fn rejection() -> Rejection {
    Rejection::fixed(
        Plugin::NodeUnschedulable,
        Code::UnschedulableAndUnresolvable,
        REASON,
    )
}
