//! NodeName: a pod with `spec.nodeName` fits only that node.

use crate::Cluster;
use crate::framework::{Code, Plugin, Rejection};
use crate::ids::NodeIdx;

/// `ErrReason`.
pub(crate) const REASON: &str = "node(s) didn't match the requested node name";

/// Filter (`Fits`).
#[inline]
pub(crate) fn passes(cluster: &Cluster, node_name: Option<&str>, node: NodeIdx) -> bool {
    node_name.is_none_or(|n| n == cluster.nodes.names[node.index()])
}

pub(crate) fn rejection() -> Rejection {
    Rejection::fixed(Plugin::NodeName, Code::UnschedulableAndUnresolvable, REASON)
}
