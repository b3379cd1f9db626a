//! ImageLocality: favours nodes that already have the pod's images, weighted by
//! image size and by how widely the image is spread (to avoid piling up).

use crate::Cluster;
use crate::cluster::template::Template;
use crate::ids::NodeIdx;

use super::MAX_NODE_SCORE;

const MB: i64 = 1024 * 1024;
/// `minThreshold`.
const MIN_THRESHOLD: i64 = 23 * MB;
/// `maxContainerThreshold`.
const MAX_CONTAINER_THRESHOLD: i64 = 1000 * MB;

/// Score (`calculatePriority(sumImageScores(..))`); ImageLocality does not normalise.
pub(crate) fn score(cluster: &Cluster, t: &Template, node: NodeIdx) -> i64 {
    let total_nodes = cluster.node_count() as f64;
    let on_node = &cluster.nodes.images[node.index()];
    let mut sum = 0i64;
    for image in &t.images {
        if on_node.binary_search(image).is_err() {
            continue;
        }
        if let Some(state) = cluster.nodes.image_states.get(image) {
            let spread = state.num_nodes as f64 / total_nodes;
            sum = sum.wrapping_add((state.size as f64 * spread) as i64);
        }
    }
    let max_threshold = MAX_CONTAINER_THRESHOLD * t.num_containers as i64;
    let clamped = if sum < MIN_THRESHOLD {
        MIN_THRESHOLD
    } else {
        sum.min(max_threshold)
    };
    if max_threshold == MIN_THRESHOLD {
        return 0;
    }
    MAX_NODE_SCORE * (clamped - MIN_THRESHOLD) / (max_threshold - MIN_THRESHOLD)
}
