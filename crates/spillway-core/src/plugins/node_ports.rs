//! NodePorts: a pod's host ports must be free on the node.

use crate::ClusterState;
use crate::cluster::template::{BIND_ALL, HostPort, Template};
use crate::framework::{Code, Plugin, Rejection};
use crate::ids::NodeIdx;

/// `ErrReason`.
pub(crate) const REASON: &str = "node(s) didn't have free ports for the requested pod ports";

/// PreFilter: skipped when the pod asks for no host port.
pub(crate) fn skips(t: &Template) -> bool {
    t.host_ports.is_empty()
}

/// `HostPortInfo.CheckConflict`: `0.0.0.0` conflicts with every address.
fn conflicts(used: &[HostPort], want: &HostPort) -> bool {
    used.iter().any(|u| {
        u.port == want.port
            && u.protocol == want.protocol
            && (want.ip == BIND_ALL || u.ip == BIND_ALL || u.ip == want.ip)
    })
}

/// Filter (`fitsPorts`).
#[inline]
pub(crate) fn passes(state: &ClusterState, t: &Template, node: NodeIdx) -> bool {
    let used = &state.used_ports[node.index()];
    t.host_ports.iter().all(|p| !conflicts(used, p))
}

pub(crate) fn rejection() -> Rejection {
    Rejection::fixed(Plugin::NodePorts, Code::Unschedulable, REASON)
}
