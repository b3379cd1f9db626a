//! spread: fewer replicas of the pod's workload on the node and in its zone
//! score higher, so a gateway survives the loss of a node or a zone.
//!
//! The workload is the pod's controller (namespace, kind and name of the
//! owner reference with `controller: true`), or for a pod without one, the
//! pods of its namespace with the same labels. Counts are the running pods the
//! cache knows, on every node (not only the candidates). The score is
//! upstream's former SelectorSpread: per node `10 × (max − count) / max` over
//! the candidates, blended with the same per zone at weight 2/3 when the
//! candidates have zones. A virtual node counts its zone's replicas but none of
//! its own: each ECI pod is its own instance, so a virtual node is no single
//! point of failure.

use spillway_core::NodeIdx;

use super::{Input, fewer_is_better};
use crate::cache::workload_key;

/// The weight of zone spreading against node spreading (upstream's
/// `zoneWeighting`).
const ZONE_WEIGHT: f64 = 2.0 / 3.0;

/// The score per candidate.
pub fn score(input: &Input<'_>) -> Vec<i64> {
    let view = input.view;
    let counts = view.workload(&workload_key(input.pod));
    // The workload's replicas by node index (each counted node's name looked
    // up once, not once per candidate) and per zone (by zone number).
    let mut on_node: Vec<u32> = Vec::new();
    let mut per_zone: Vec<f64> = vec![0.0; view.zone_count()];
    if let Some(counts) = counts {
        on_node = vec![0; view.cluster.node_count()];
        for (node, c) in counts {
            let Some(idx) = view.node(node) else {
                continue;
            };
            if let Some(slot) = on_node.get_mut(idx.index()) {
                *slot = *c;
            }
            if let Some(zone) = view.zone_id(idx).and_then(|z| per_zone.get_mut(z)) {
                *zone += f64::from(*c);
            }
        }
    }
    let node_count = |name: &str, idx: Option<NodeIdx>| -> f64 {
        match view.info_at(name, idx) {
            Some(i) if i.is_virtual => 0.0,
            // A node the model knows: its name is the one counted at `idx`.
            _ => match idx {
                Some(i) => on_node.get(i.index()).map_or(0.0, |c| f64::from(*c)),
                None => counts
                    .and_then(|c| c.get(name))
                    .map_or(0.0, |c| f64::from(*c)),
            },
        }
    };
    let nodes: Vec<f64> = input
        .candidates
        .iter()
        .map(|&(n, idx)| node_count(n, idx))
        .collect();
    let zones: Vec<Option<f64>> = input
        .candidates
        .iter()
        .map(|&(_, idx)| {
            let zone = view.zone_id(idx?)?;
            per_zone.get(zone).copied()
        })
        .collect();
    let top_node = nodes.iter().copied().fold(0.0, f64::max);
    let top_zone = zones.iter().flatten().copied().fold(0.0, f64::max);
    let have_zones = zones.iter().any(Option::is_some);
    nodes
        .iter()
        .zip(&zones)
        .map(|(&n, z)| {
            let mut s = fewer_is_better(n, top_node);
            if have_zones && let Some(z) = z {
                s = s * (1.0 - ZONE_WEIGHT) + ZONE_WEIGHT * fewer_is_better(*z, top_zone);
            }
            s as i64
        })
        .collect()
}
