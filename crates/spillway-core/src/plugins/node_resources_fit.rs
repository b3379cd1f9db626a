//! NodeResourcesFit: the node must have room for the pod's requests (filter), and
//! nodes are scored by the configured strategy (LeastAllocated by default).

use crate::cluster::resources::is_extended_resource;
use crate::cluster::template::Template;
use crate::framework::{Code, Plugin, Reason, Rejection, Resource};
use crate::ids::NodeIdx;
use crate::{Cluster, ClusterState};

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
    let n = node.index();
    let alloc = &cluster.nodes.allocatable[n];
    let used = &state.requested[n];
    let pods = state.pod_count[n];
    let allowed = cluster.nodes.allowed_pods[n];
    let mut reasons = Vec::new();
    let mut unresolvable = false;
    if pods + 1 > allowed {
        reasons.push(Reason::Insufficient {
            resource: Resource::Pods,
            requested: 1,
            used: pods,
            capacity: allowed,
        });
    }
    let req = &t.requests;
    if !req.is_empty() {
        let mut check = |resource, requested: i64, used: i64, capacity: i64| {
            if requested > 0 && requested > capacity - used {
                unresolvable |= requested > capacity;
                reasons.push(Reason::Insufficient {
                    resource,
                    requested,
                    used,
                    capacity,
                });
            }
        };
        check(Resource::Cpu, req.cpu, used.cpu, alloc.cpu);
        check(Resource::Memory, req.memory, used.memory, alloc.memory);
        check(
            Resource::EphemeralStorage,
            req.ephemeral,
            used.ephemeral,
            alloc.ephemeral,
        );
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
            check(Resource::Scalar(s), q, used.scalar(s), alloc.scalar(s));
        }
    }
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
