//! strict-overflow: a virtual node passes only when no ECS node can take the
//! pod.
//!
//! Preferred node affinity (ECS 80, virtual 20) only weighs in the score, and
//! other plugins (spread, balanced allocation, a virtual node's vast free
//! capacity) can outweigh it: pods then land on ECI while ECS has room. This
//! filter makes the order a rule. With `scope: candidates` (the default) an
//! ECS node "can take the pod" when it is among the candidates kube-scheduler
//! sent and passes the engine's filters; with `scope: cluster` any ECS node
//! the cache knows counts, which guards against kube-scheduler's node sampling
//! (`percentageOfNodesToScore`) leaving the free ECS node out of this cycle's
//! candidates (the pod then waits one cycle rather than overflowing).
//! ECS candidates are never rejected here.

use spillway_core::NodeIdx;

use super::{Input, Rejection};
use crate::cache::View;
use crate::config::Scope;

/// Names listed in the reason before `and N more`.
const LISTED: usize = 3;

/// The verdict per candidate.
pub fn filter(input: &Input<'_>) -> Vec<Option<Rejection>> {
    let view = input.view;
    let is_virtual = |name: &str| view.info(name).is_some_and(|i| i.is_virtual);
    let is_virtual_at = |c: &(&str, Option<NodeIdx>)| is_virtual_candidate(view, c);
    let ecs: Vec<NodeIdx> = match input.config.strict_overflow.scope {
        Scope::Candidates => input
            .candidates
            .iter()
            .filter(|c| !is_virtual_at(c))
            .filter_map(|(_, idx)| *idx)
            .collect(),
        Scope::Cluster => {
            let mut names: Vec<&str> = view.node_names().filter(|n| !is_virtual(n)).collect();
            names.sort_unstable();
            names.into_iter().filter_map(|n| view.node(n)).collect()
        }
    };
    // Only whether an ECS node fits matters, and the first few for the
    // reason: the engine stops after finding one more than it lists.
    let fits = if ecs.is_empty() || !input.candidates.iter().any(is_virtual_at) {
        Vec::new()
    } else {
        view.scheduler()
            .filter_first_among(view.state, view.pod, &ecs, LISTED + 1)
            .feasible
    };
    if fits.is_empty() {
        return vec![None; input.candidates.len()];
    }
    let mut listed: Vec<&str> = fits
        .iter()
        .take(LISTED)
        .map(|s| view.cluster.node_name(s.node))
        .collect();
    listed.sort_unstable();
    let reason = format!(
        "virtual node held for overflow: ECS node(s) can take the pod ({}{}) [spillway strict-overflow]",
        listed.join(", "),
        if fits.len() > LISTED { " and more" } else { "" }
    );
    input
        .candidates
        .iter()
        .map(|c| {
            is_virtual_at(c).then(|| Rejection {
                reason: reason.clone(),
                unresolvable: true,
            })
        })
        .collect()
}

/// In the preempt verb: whether each candidate is a virtual node held back
/// because an ECS candidate fits once its victims are gone (`fits`, per
/// candidate). Preemption then makes room on ECS rather than on ECI.
pub fn held_in_preemption(input: &Input<'_>, fits: &[bool]) -> Vec<bool> {
    let is_virtual = |c: &(&str, Option<NodeIdx>)| is_virtual_candidate(input.view, c);
    let ecs_fits = input
        .candidates
        .iter()
        .zip(fits)
        .any(|(c, &f)| f && c.1.is_some() && !is_virtual(c));
    input
        .candidates
        .iter()
        .map(|c| ecs_fits && is_virtual(c))
        .collect()
}

/// Whether a candidate is a virtual node.
fn is_virtual_candidate(view: &View<'_>, &(name, idx): &(&str, Option<NodeIdx>)) -> bool {
    view.info_at(name, idx).is_some_and(|i| i.is_virtual)
}
