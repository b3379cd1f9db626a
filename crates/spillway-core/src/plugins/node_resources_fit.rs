//! NodeResourcesFit: the node must have room for the pod's requests (filter), and
//! nodes are scored by the configured strategy (LeastAllocated by default).

use crate::cluster::resources::is_extended_resource;
use crate::cluster::template::Template;
use crate::framework::{Code, Plugin, Reason, Rejection, Resource};
use crate::ids::NodeIdx;
use crate::{Cluster, ClusterState};

/// `fitsRequest`: calls `insufficient(resource, requested, used, capacity)` for each
/// resource the node lacks, in upstream's order, until it returns `false`.
fn check(
    cluster: &Cluster,
    state: &ClusterState,
    t: &Template,
    node: NodeIdx,
    ignored: &[String],
    ignored_groups: &[String],
    mut insufficient: impl FnMut(Resource, i64, i64, i64) -> bool,
) {
    let n = node.index();
    let alloc = &cluster.nodes.allocatable[n];
    let used = &state.requested[n];
    let pods = state.pod_count[n];
    let allowed = cluster.nodes.allowed_pods[n];
    if pods + 1 > allowed && !insufficient(Resource::Pods, 1, pods, allowed) {
        return;
    }
    let req = &t.requests;
    if req.is_empty() {
        return;
    }
    let mut short = |resource, requested: i64, used: i64, capacity: i64| {
        // Go's int64 wraps where absurd amounts overflow.
        !(requested > 0 && requested > capacity.wrapping_sub(used))
            || insufficient(resource, requested, used, capacity)
    };
    if !short(Resource::Cpu, req.cpu, used.cpu, alloc.cpu)
        || !short(Resource::Memory, req.memory, used.memory, alloc.memory)
        || !short(
            Resource::EphemeralStorage,
            req.ephemeral,
            used.ephemeral,
            alloc.ephemeral,
        )
    {
        return;
    }
    for &(s, q) in &req.scalars {
        if q == 0 {
            continue;
        }
        let name = cluster.scalar_name(s);
        if is_extended_resource(name) {
            let group = name.split('/').next().unwrap_or_default();
            if ignored.iter().any(|i| i == name) || ignored_groups.iter().any(|g| g == group) {
                continue;
            }
        }
        if !short(Resource::Scalar(s), q, used.scalar(s), alloc.scalar(s)) {
            return;
        }
    }
}

/// Whether the pod fits the node (Filter, without building the status).
#[inline]
pub(crate) fn fits(
    cluster: &Cluster,
    state: &ClusterState,
    t: &Template,
    node: NodeIdx,
    ignored: &[String],
    ignored_groups: &[String],
) -> bool {
    let mut ok = true;
    check(
        cluster,
        state,
        t,
        node,
        ignored,
        ignored_groups,
        |_, _, _, _| {
            ok = false;
            false
        },
    );
    ok
}

/// Filter (`fitsRequest`). A request larger than the node's whole allocatable makes
/// the status `UnschedulableAndUnresolvable`: preemption cannot help there.
pub(crate) fn filter(
    cluster: &Cluster,
    state: &ClusterState,
    t: &Template,
    node: NodeIdx,
    ignored: &[String],
    ignored_groups: &[String],
) -> Option<Rejection> {
    let mut reasons = Vec::new();
    let mut unresolvable = false;
    check(
        cluster,
        state,
        t,
        node,
        ignored,
        ignored_groups,
        |resource, requested, used, capacity| {
            // "Too many pods" never makes the status unresolvable.
            unresolvable |= resource != Resource::Pods && requested > capacity;
            reasons.push(Reason::Insufficient {
                resource,
                requested,
                used,
                capacity,
            });
            true
        },
    );
    if reasons.is_empty() {
        return None;
    }
    let code = if unresolvable {
        Code::UnschedulableAndUnresolvable
    } else {
        Code::Unschedulable
    };
    Some(Rejection {
        plugin: Plugin::NodeResourcesFit,
        code,
        reasons,
    })
}
