//! cost: the marginal cost of placing the pod on each candidate.
//!
//! An ECS node is already paid for: placing one more pod there costs nothing,
//! and it scores 10. On a virtual node the pod becomes an ECI instance billed
//! per second for its rounded spec (the ACK rules of `spillway schedule`:
//! requests incl. sidecars, `eci-use-specs`, the spec table and prices of the
//! scenario's `ack` settings); those score `10 × (1 − cost / highest cost)`
//! among the candidates, so the dearest scores 0. A pod that cannot be sized
//! (no spec holds it) gets 0 on virtual nodes.

use spillway_kube::ack::specs;

use super::Input;
use crate::wire::MAX_EXTENDER_PRIORITY;

/// The score per candidate.
pub fn score(input: &Input<'_>) -> Vec<i64> {
    let view = input.view;
    let eci_price = view.spec_table().and_then(|table| {
        specs::size(input.pod, table, &view.scenario.ack)
            .ok()
            .and_then(|s| s.price_per_second)
    });
    let costs: Vec<Option<f64>> = input
        .candidates
        .iter()
        .map(|&(name, idx)| match view.info_at(name, idx) {
            Some(info) if info.is_virtual => eci_price,
            Some(_) => Some(0.0),
            None => None,
        })
        .collect();
    let top = costs.iter().flatten().copied().fold(0.0, f64::max);
    costs
        .iter()
        .map(|c| match c {
            Some(c) if top > 0.0 => (MAX_EXTENDER_PRIORITY as f64 * (1.0 - c / top)).round() as i64,
            Some(_) => MAX_EXTENDER_PRIORITY,
            None => 0,
        })
        .collect()
}
