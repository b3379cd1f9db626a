//! The shared scorer of NodeResourcesFit and NodeResourcesBalancedAllocation
//! (`resourceAllocationScorer`) and the three fit strategies.

use crate::cluster::resources::Res;
use crate::cluster::template::Template;
use crate::framework::{ResourceSpec, ScoringStrategy};
use crate::ids::{NodeIdx, ScalarIdx};
use crate::{Cluster, ClusterState};

use super::MAX_NODE_SCORE;

/// A scoring resource resolved against the cluster's resource names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Key {
    Cpu,
    Memory,
    EphemeralStorage,
    /// A scalar resource; `None` when no node or pod in the cluster names it.
    Scalar(Option<ScalarIdx>),
    /// Not something the scorer can read (e.g. `pods`): always skipped.
    Other,
}

/// Resolves the resources of a strategy.
pub(crate) fn resolve(cluster: &Cluster, specs: &[ResourceSpec]) -> Vec<(Key, i64)> {
    use crate::cluster::resources::{Kind, kind};
    specs
        .iter()
        .map(|s| {
            let key = match kind(&s.name) {
                Kind::Cpu => Key::Cpu,
                Kind::Memory => Key::Memory,
                Kind::EphemeralStorage => Key::EphemeralStorage,
                Kind::Scalar => Key::Scalar(cluster.scalars.get(&s.name)),
                Kind::Pods | Kind::Other => Key::Other,
            };
            (key, s.weight)
        })
        .collect()
}

/// The pod's request of one scoring resource (`calculatePodResourceRequest`).
pub(crate) fn pod_request(req: &Res, key: Key) -> i64 {
    match key {
        Key::Cpu => req.cpu,
        Key::Memory => req.memory,
        Key::EphemeralStorage => req.ephemeral,
        Key::Scalar(Some(s)) => req.scalar(s),
        Key::Scalar(None) | Key::Other => 0,
    }
}

/// `calculateResourceAllocatableRequest`: the node's allocatable amount and the
/// amount requested after placing the pod; `(0, 0)` means "skip this resource".
#[inline]
pub(crate) fn allocatable_and_requested(
    cluster: &Cluster,
    state: &ClusterState,
    node: NodeIdx,
    key: Key,
    pod_request: i64,
    use_requested: bool,
) -> (i64, i64) {
    let n = node.index();
    let alloc = &cluster.nodes.allocatable[n];
    let requested = &state.requested[n];
    let (nz_cpu, nz_mem) = state.nonzero[n];
    match key {
        Key::Cpu => (
            alloc.cpu,
            if use_requested { requested.cpu } else { nz_cpu }.wrapping_add(pod_request),
        ),
        Key::Memory => (
            alloc.memory,
            if use_requested {
                requested.memory
            } else {
                nz_mem
            }
            .wrapping_add(pod_request),
        ),
        Key::EphemeralStorage => (
            alloc.ephemeral,
            requested.ephemeral.wrapping_add(pod_request),
        ),
        Key::Scalar(Some(s)) => {
            if pod_request == 0 {
                return (0, 0);
            }
            match alloc.scalars.binary_search_by_key(&s, |&(k, _)| k) {
                Ok(p) => (
                    alloc.scalars[p].1,
                    requested.scalar(s).wrapping_add(pod_request),
                ),
                Err(_) => (0, 0),
            }
        }
        Key::Scalar(None) | Key::Other => (0, 0),
    }
}

/// One scoring pass of `resourceAllocationScorer`: the pod's requests of each
/// scoring resource, and per-node scratch vectors.
#[derive(Debug)]
pub(crate) struct Vectors<'a> {
    keys: &'a [(Key, i64)],
    pod_requests: Vec<i64>,
    use_requested: bool,
    /// Requested amounts after placing the pod, per resource.
    pub requested: Vec<i64>,
    /// Allocatable amounts, per resource (0: resource skipped).
    pub allocatable: Vec<i64>,
}

impl<'a> Vectors<'a> {
    /// The pod's requests (`calculatePodResourceRequestList`): with the cpu/memory
    /// defaults unless `use_requested`.
    pub(crate) fn new(t: &Template, keys: &'a [(Key, i64)], use_requested: bool) -> Vectors<'a> {
        let req = if use_requested {
            &t.requests
        } else {
            &t.score_requests
        };
        Vectors {
            keys,
            pod_requests: keys.iter().map(|&(k, _)| pod_request(req, k)).collect(),
            use_requested,
            requested: Vec::with_capacity(keys.len()),
            allocatable: Vec::with_capacity(keys.len()),
        }
    }

    /// Whether the pod requests none of the resources (a best-effort pod).
    pub(crate) fn is_best_effort(&self) -> bool {
        self.pod_requests.iter().all(|&r| r == 0)
    }

    /// Fills the vectors for a node the way `resourceAllocationScorer.score` does
    /// (entries whose allocatable is 0 stay 0).
    pub(crate) fn fill(&mut self, cluster: &Cluster, state: &ClusterState, node: NodeIdx) {
        self.requested.clear();
        self.allocatable.clear();
        for (&(key, _), &pr) in self.keys.iter().zip(&self.pod_requests) {
            let (a, r) =
                allocatable_and_requested(cluster, state, node, key, pr, self.use_requested);
            self.requested.push(if a == 0 { 0 } else { r });
            self.allocatable.push(a);
        }
    }
}

fn least_requested_score(requested: i64, capacity: i64) -> i64 {
    if capacity == 0 || requested > capacity {
        return 0;
    }
    // Go's int64 arithmetic wraps on overflow (absurd allocatable amounts).
    capacity
        .wrapping_sub(requested)
        .wrapping_mul(MAX_NODE_SCORE)
        / capacity
}

fn most_requested_score(requested: i64, capacity: i64) -> i64 {
    if capacity == 0 {
        return 0;
    }
    // requested can exceed capacity because pods without requests count the defaults.
    requested.min(capacity).wrapping_mul(MAX_NODE_SCORE) / capacity
}

/// `helper.BuildBrokenLinearFunction` over `(utilization, score)` points already
/// scaled to `MaxNodeScore`.
fn broken_linear(shape: &[(i64, i64)], p: i64) -> i64 {
    for (i, &(u, s)) in shape.iter().enumerate() {
        if p <= u {
            if i == 0 {
                return s;
            }
            let (pu, ps) = shape[i - 1];
            return ps + (s - ps) * (p - pu) / (u - pu);
        }
    }
    shape.last().map_or(0, |&(_, s)| s)
}

/// `maxUtilization`.
const MAX_UTILIZATION: i64 = 100;
/// `config.MaxCustomPriorityScore`.
const MAX_CUSTOM_PRIORITY_SCORE: i64 = 10;

/// The NodeResourcesFit strategy score for one node.
pub(crate) fn fit_score(
    strategy: &ScoringStrategy,
    weights: &[(Key, i64)],
    requested: &[i64],
    allocatable: &[i64],
) -> i64 {
    let mut node_score = 0i64;
    let mut weight_sum = 0i64;
    match strategy {
        ScoringStrategy::LeastAllocated | ScoringStrategy::MostAllocated => {
            for i in 0..requested.len() {
                if allocatable[i] == 0 {
                    continue;
                }
                let w = weights[i].1;
                let s = if matches!(strategy, ScoringStrategy::LeastAllocated) {
                    least_requested_score(requested[i], allocatable[i])
                } else {
                    most_requested_score(requested[i], allocatable[i])
                };
                node_score += s * w;
                weight_sum += w;
            }
            if weight_sum == 0 {
                0
            } else {
                node_score / weight_sum
            }
        }
        ScoringStrategy::RequestedToCapacityRatio(points) => {
            let shape: Vec<(i64, i64)> = points
                .iter()
                .map(|&(u, s)| (u, s * (MAX_NODE_SCORE / MAX_CUSTOM_PRIORITY_SCORE)))
                .collect();
            for i in 0..requested.len() {
                if allocatable[i] == 0 {
                    continue;
                }
                let (r, c) = (requested[i], allocatable[i]);
                let s = if c == 0 || r > c {
                    broken_linear(&shape, MAX_UTILIZATION)
                } else {
                    broken_linear(&shape, r.wrapping_mul(MAX_UTILIZATION) / c)
                };
                if s > 0 {
                    node_score += s * weights[i].1;
                    weight_sum += weights[i].1;
                }
            }
            if weight_sum == 0 {
                0
            } else {
                (node_score as f64 / weight_sum as f64).round() as i64
            }
        }
    }
}
