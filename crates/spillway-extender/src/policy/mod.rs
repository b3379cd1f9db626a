//! The policies: each judges or scores the candidate nodes of one pod.
//!
//! Filter policies ([`strict_overflow`], [`upstream`]) give each rejected
//! candidate a reason, which kube-scheduler shows in the pod's
//! FailedScheduling event; a candidate passes when every configured policy
//! passes it. Prioritize policies ([`cost`], [`spread`], [`upstream`]) give each
//! candidate 0–10; the configured weights combine them into one 0–10 score.

pub mod cost;
pub mod spread;
pub mod strict_overflow;
pub mod upstream;

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1 as k;
use spillway_core::NodeIdx;

use crate::cache::View;
use crate::config::{Config, PolicyName, Weighted};
use crate::wire::MAX_EXTENDER_PRIORITY;

/// What a policy sees: the pod, its candidates and the cluster.
#[derive(Debug)]
pub struct Input<'a> {
    /// The cluster with the pod compiled in.
    pub view: &'a View<'a>,
    /// The pod as sent.
    pub pod: &'a k::Pod,
    /// The candidates as sent, with their index in the model (`None` for a
    /// node the cache does not know).
    pub candidates: &'a [(&'a str, Option<NodeIdx>)],
    /// The configuration.
    pub config: &'a Config,
}

/// Why a candidate does not pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// The message kube-scheduler shows.
    pub reason: String,
    /// Preemption cannot help (`FailedAndUnresolvableNodes`).
    pub unresolvable: bool,
}

/// The outcome of the filter policies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filtered {
    /// Whether each candidate passes, in candidate order.
    pub passed: Vec<bool>,
    /// Rejected ones that preemption might help.
    pub failed: BTreeMap<String, String>,
    /// Rejected ones that preemption cannot help.
    pub unresolvable: BTreeMap<String, String>,
}

/// Runs the filter policies in order; a candidate's first rejection stands.
/// A candidate the cache does not know is rejected (it cannot be judged).
pub fn filter(policies: &[PolicyName], input: &Input<'_>) -> Filtered {
    let mut verdicts: Vec<Option<Rejection>> = input
        .candidates
        .iter()
        .map(|(name, idx)| {
            idx.is_none().then(|| Rejection {
                reason: format!("node {name} is not in spillway's cache"),
                unresolvable: false,
            })
        })
        .collect();
    for p in policies {
        let result = match p {
            PolicyName::StrictOverflow => strict_overflow::filter(input),
            PolicyName::Upstream => upstream::filter(input),
            PolicyName::Cost | PolicyName::Spread => continue,
        };
        for (v, r) in verdicts.iter_mut().zip(result) {
            if v.is_none() {
                *v = r;
            }
        }
    }
    let mut out = Filtered {
        passed: verdicts.iter().map(Option::is_none).collect(),
        ..Filtered::default()
    };
    for (&(name, _), v) in input.candidates.iter().zip(verdicts) {
        match v {
            None => {}
            Some(r) if r.unresolvable => {
                out.unresolvable.insert(name.to_string(), r.reason);
            }
            Some(r) => {
                out.failed.insert(name.to_string(), r.reason);
            }
        }
    }
    out
}

/// The preempt verb's judgement, in candidate order: whether each candidate
/// stays a preemption candidate, given whether the pod fits on it once its
/// victims are gone (`fits`, from the engine). A candidate the cache does not
/// know drops out (the filter verb rejects it too); with upstream, so does
/// one the pod still does not fit on; with strict-overflow, a virtual node
/// while an ECS candidate fits after its own preemption.
pub fn preempt(policies: &[PolicyName], input: &Input<'_>, fits: &[bool]) -> Vec<bool> {
    let mut keep: Vec<bool> = input.candidates.iter().map(|(_, i)| i.is_some()).collect();
    for p in policies {
        match p {
            PolicyName::Upstream => keep.iter_mut().zip(fits).for_each(|(k, f)| *k &= f),
            PolicyName::StrictOverflow => keep
                .iter_mut()
                .zip(strict_overflow::held_in_preemption(input, fits))
                .for_each(|(k, held)| *k &= !held),
            PolicyName::Cost | PolicyName::Spread => {}
        }
    }
    keep
}

/// Runs the prioritize policies and combines them: each candidate's score is
/// `round(Σ weight × score / Σ weight)`, 0–10, in candidate order.
pub fn prioritize(policies: &[Weighted], input: &Input<'_>) -> Vec<i64> {
    let n = input.candidates.len();
    let mut sum = vec![0u64; n];
    let mut weights = 0u64;
    for w in policies {
        let scores = match w.policy {
            PolicyName::Cost => cost::score(input),
            PolicyName::Spread => spread::score(input),
            PolicyName::Upstream => upstream::score(input),
            PolicyName::StrictOverflow => continue,
        };
        weights += u64::from(w.weight);
        for (s, x) in sum.iter_mut().zip(scores) {
            *s += u64::from(w.weight) * x.clamp(0, MAX_EXTENDER_PRIORITY) as u64;
        }
    }
    sum.into_iter()
        .map(|s| (s + weights / 2).checked_div(weights).unwrap_or(0) as i64)
        .collect()
}

/// `max × (top − x) / top`, rounded down, or `max` when `top` is 0: the
/// fewer, the higher (upstream's old SelectorSpread normalisation).
pub(crate) fn fewer_is_better(x: f64, top: f64) -> f64 {
    if top <= 0.0 {
        MAX_EXTENDER_PRIORITY as f64
    } else {
        MAX_EXTENDER_PRIORITY as f64 * (top - x) / top
    }
}
