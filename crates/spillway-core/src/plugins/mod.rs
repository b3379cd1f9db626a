//! One module per scheduler plugin, named as upstream names them.
//!
//! Each module holds the plugin's extension points as plain functions over the
//! compiled [`Cluster`](crate::Cluster), the [`ClusterState`](crate::ClusterState)
//! and the pod's compiled template; the framework (`crate::framework`) calls them in
//! profile order. Reason strings are byte-for-byte upstream's.

pub(crate) mod image_locality;
pub(crate) mod inter_pod_affinity;
pub(crate) mod node_affinity;
pub(crate) mod node_name;
pub(crate) mod node_ports;
pub(crate) mod node_resources_balanced_allocation;
pub(crate) mod node_resources_fit;
pub(crate) mod node_unschedulable;
pub(crate) mod pod_topology_spread;
pub(crate) mod resource_allocation;
pub(crate) mod scheduling_gates;
pub(crate) mod taint_toleration;

/// `framework.MaxNodeScore`.
pub const MAX_NODE_SCORE: i64 = 100;

/// `helper.DefaultNormalizeScore`: scales scores so the highest becomes
/// `max_priority` (integer division), optionally reversed.
pub fn default_normalize_score(max_priority: i64, reverse: bool, scores: &mut [i64]) {
    let max_count = scores.iter().copied().fold(0, i64::max);
    if max_count == 0 {
        if reverse {
            scores.iter_mut().for_each(|s| *s = max_priority);
        }
        return;
    }
    for s in scores.iter_mut() {
        let mut score = max_priority * *s / max_count;
        if reverse {
            score = max_priority - score;
        }
        *s = score;
    }
}
