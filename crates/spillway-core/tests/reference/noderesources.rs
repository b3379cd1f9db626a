//! NodeResourcesFit (filter, LeastAllocated score) and
//! NodeResourcesBalancedAllocation (`plugins/noderesources/fit.go`,
//! `resource_allocation.go`, `least_allocated.go`, `balanced_allocation.go`).

use spillway_core::Quantity;
use spillway_core::spec::Pod;

use super::resources::{
    NodeResources, RList, Resource, default_non_missing, is_scalar_resource_name, pod_requests,
};
use super::{Code, Rejection};

/// `computePodResourceRequest`: what PreFilter stores for Filter.
pub fn fit_pre_filter(pod: &Pod) -> Resource {
    let mut r = Resource::default();
    r.set_max(&pod_requests(pod, &RList::new()));
    r
}

/// `fitsRequest` + `Fit.Filter`.
pub fn fit_filter(req: &Resource, node: &NodeResources) -> Option<Rejection> {
    // (reason, unresolvable)
    let mut insufficient: Vec<(String, bool)> = Vec::new();
    if node.pod_count + 1 > node.allocatable.allowed_pod_number {
        insufficient.push(("Too many pods".to_string(), false));
    }
    let all_zero = req.milli_cpu == 0
        && req.memory == 0
        && req.ephemeral_storage == 0
        && req.scalar.is_empty();
    if !all_zero {
        let a = &node.allocatable;
        let u = &node.requested;
        if req.milli_cpu > 0 && req.milli_cpu > a.milli_cpu - u.milli_cpu {
            insufficient.push(("Insufficient cpu".to_string(), req.milli_cpu > a.milli_cpu));
        }
        if req.memory > 0 && req.memory > a.memory - u.memory {
            insufficient.push(("Insufficient memory".to_string(), req.memory > a.memory));
        }
        if req.ephemeral_storage > 0
            && req.ephemeral_storage > a.ephemeral_storage - u.ephemeral_storage
        {
            insufficient.push((
                "Insufficient ephemeral-storage".to_string(),
                req.ephemeral_storage > a.ephemeral_storage,
            ));
        }
        // Upstream iterates a Go map here; the generator requests at most one scalar
        // resource per pod, so the order cannot matter.
        for (name, &q) in &req.scalar {
            if q == 0 {
                continue;
            }
            let alloc = a.scalar.get(name).copied().unwrap_or(0);
            let used = u.scalar.get(name).copied().unwrap_or(0);
            if q > alloc - used {
                insufficient.push((format!("Insufficient {name}"), q > alloc));
            }
        }
    }
    if insufficient.is_empty() {
        return None;
    }
    let code = if insufficient.iter().any(|(_, u)| *u) {
        Code::UnschedulableAndUnresolvable
    } else {
        Code::Unschedulable
    };
    Some(Rejection {
        plugin: "NodeResourcesFit",
        code,
        reasons: insufficient.into_iter().map(|(r, _)| r).collect(),
    })
}

/// The default scoring resources of both plugins: cpu and memory, weight 1.
const RESOURCES: [&str; 2] = ["cpu", "memory"];

/// `calculatePodResourceRequest` for each scoring resource. `use_requested` is
/// false for NodeResourcesFit (non-zero defaults) and true for BalancedAllocation.
pub fn score_pod_requests(pod: &Pod, use_requested: bool) -> Vec<i64> {
    let non_missing = if use_requested {
        RList::new()
    } else {
        default_non_missing()
    };
    let reqs = pod_requests(pod, &non_missing);
    RESOURCES
        .iter()
        .map(|r| {
            let q = reqs.get(*r).copied().unwrap_or(Quantity::ZERO);
            if *r == "cpu" {
                q.milli_value()
            } else {
                q.value()
            }
        })
        .collect()
}

/// `calculateResourceAllocatableRequest` for each scoring resource:
/// (allocatable, requested), skipping (leaving 0, 0) where allocatable is 0.
fn allocatable_and_requested(
    node: &NodeResources,
    pod_requests: &[i64],
    use_requested: bool,
) -> (Vec<i64>, Vec<i64>) {
    let mut alloc = vec![0; RESOURCES.len()];
    let mut req = vec![0; RESOURCES.len()];
    for (i, name) in RESOURCES.iter().enumerate() {
        let pod_req = pod_requests[i];
        if pod_req == 0 && is_scalar_resource_name(name) {
            continue;
        }
        let (a, r) = match *name {
            "cpu" => (
                node.allocatable.milli_cpu,
                if use_requested {
                    node.requested.milli_cpu
                } else {
                    node.non_zero_cpu
                } + pod_req,
            ),
            "memory" => (
                node.allocatable.memory,
                if use_requested {
                    node.requested.memory
                } else {
                    node.non_zero_mem
                } + pod_req,
            ),
            _ => (0, 0),
        };
        if a == 0 {
            continue;
        }
        alloc[i] = a;
        req[i] = r;
    }
    (alloc, req)
}

/// `leastRequestedScore`.
fn least_requested_score(requested: i64, capacity: i64) -> i64 {
    if capacity == 0 || requested > capacity {
        return 0;
    }
    (capacity - requested) * 100 / capacity
}

/// NodeResourcesFit's Score with the LeastAllocated strategy.
pub fn fit_score(node: &NodeResources, pod_requests: &[i64]) -> i64 {
    let (alloc, req) = allocatable_and_requested(node, pod_requests, false);
    let mut node_score = 0;
    let mut weight_sum = 0;
    for i in 0..RESOURCES.len() {
        if alloc[i] == 0 {
            continue;
        }
        node_score += least_requested_score(req[i], alloc[i]);
        weight_sum += 1;
    }
    if weight_sum == 0 {
        0
    } else {
        node_score / weight_sum
    }
}

/// `BalancedAllocation.PreScore` skips best-effort pods (all requests zero).
pub fn balanced_skips(pod_requests: &[i64]) -> bool {
    pod_requests.iter().all(|r| *r == 0)
}

/// `balancedResourceScorer`.
pub fn balanced_score(node: &NodeResources, pod_requests: &[i64]) -> i64 {
    let (alloc, req) = allocatable_and_requested(node, pod_requests, true);
    let mut fractions: Vec<f64> = Vec::new();
    let mut total = 0.0;
    for i in 0..RESOURCES.len() {
        if alloc[i] == 0 {
            continue;
        }
        let mut f = req[i] as f64 / alloc[i] as f64;
        if f > 1.0 {
            f = 1.0;
        }
        total += f;
        fractions.push(f);
    }
    let mut std = 0.0;
    if fractions.len() == 2 {
        std = ((fractions[0] - fractions[1]) / 2.0).abs();
    } else if fractions.len() > 2 {
        let mean = total / fractions.len() as f64;
        let mut sum = 0.0;
        for f in &fractions {
            sum += (f - mean) * (f - mean);
        }
        std = (sum / fractions.len() as f64).sqrt();
    }
    ((1.0 - std) * 100.0) as i64
}
