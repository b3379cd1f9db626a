//! Upstream's unschedulable message (`FitError.Error`), built only when shown.

use std::collections::HashMap;

use crate::Cluster;

use super::{Evaluation, Reason};

/// `0/N nodes are available: <count> <reason>, ...` with the reasons counted over
/// all nodes and sorted as strings (so `10 x` sorts before `2 y`, as upstream's do).
pub(crate) fn fit_error<'a>(
    cluster: &Cluster,
    num_nodes: usize,
    statuses: impl Iterator<Item = &'a [Reason]>,
) -> String {
    let mut counts: HashMap<String, usize> = HashMap::new();
    for reasons in statuses {
        for r in reasons {
            *counts.entry(r.message(cluster).into_owned()).or_default() += 1;
        }
    }
    let mut parts: Vec<String> = counts
        .into_iter()
        .map(|(r, n)| format!("{n} {r}"))
        .collect();
    parts.sort();
    let mut msg = format!("0/{num_nodes} nodes are available:");
    if !parts.is_empty() {
        msg.push_str(&format!(" {}.", parts.join(", ")));
    }
    msg
}

impl Evaluation {
    /// The unschedulable message without its PostFilter part (`filterMessage` of the
    /// golden data); `None` when the pod is schedulable or gated.
    pub fn filter_message(&self, cluster: &Cluster) -> Option<String> {
        if self.is_schedulable() || self.pre_enqueue.is_some() {
            return None;
        }
        if self.num_nodes == 0 {
            return Some("no nodes available to schedule pods".to_string());
        }
        Some(match &self.pre_filter {
            Some(r) => format!(
                "0/{} nodes are available: {}.",
                self.num_nodes,
                r.message(cluster)
            ),
            None => fit_error(
                cluster,
                self.num_nodes,
                self.rejected.iter().map(|(_, r)| r.reasons.as_slice()),
            ),
        })
    }

    /// The full unschedulable message, as kube-scheduler puts it in the pod's
    /// `PodScheduled` condition and `FailedScheduling` event.
    pub fn message(&self, cluster: &Cluster) -> Option<String> {
        let m = self.filter_message(cluster)?;
        Some(match &self.post_filter {
            Some(p) if self.num_nodes > 0 => format!("{m} {p}"),
            _ => m,
        })
    }
}
