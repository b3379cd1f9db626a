//! upstream: kube-scheduler's default profile, from the engine, over the
//! candidates: its Filter verdicts with upstream's reason strings, and its
//! weighted total scaled to 0–10. For testing, and for clusters whose own
//! scheduler runs a reduced profile.

use spillway_core::framework::Code;

use super::{Input, Rejection};
use crate::wire::MAX_EXTENDER_PRIORITY;

/// The engine's Filter verdict per candidate.
pub fn filter(input: &Input<'_>) -> Vec<Option<Rejection>> {
    let view = input.view;
    let known: Vec<_> = input.candidates.iter().filter_map(|(_, i)| *i).collect();
    let ev = view.scheduler().filter_among(view.state, view.pod, &known);
    input
        .candidates
        .iter()
        .map(|(_, idx)| {
            let idx = (*idx)?;
            ev.rejected
                .iter()
                .find(|(n, _)| *n == idx)
                .map(|(_, r)| Rejection {
                    reason: r.message(view.cluster),
                    unresolvable: r.code == Code::UnschedulableAndUnresolvable,
                })
        })
        .collect()
}

/// The engine's total per candidate, `total × 10 / best total` (0 for
/// candidates that do not pass its filters).
pub fn score(input: &Input<'_>) -> Vec<i64> {
    let view = input.view;
    let known: Vec<_> = input.candidates.iter().filter_map(|(_, i)| *i).collect();
    let ev = view
        .scheduler()
        .evaluate_among(view.state, view.pod, &known);
    let best = ev.feasible.iter().map(|s| s.total).max().unwrap_or(0);
    input
        .candidates
        .iter()
        .map(|(_, idx)| {
            let Some(idx) = *idx else { return 0 };
            match ev.feasible.iter().find(|s| s.node == idx) {
                Some(s) if best > 0 => s.total.max(0) * MAX_EXTENDER_PRIORITY / best,
                _ => 0,
            }
        })
        .collect()
}
