//! Pod resource requests and node accounting.
//!
//! Ported from `component-helpers/resource/helpers.go` (`PodRequests`,
//! `aggregateContainerResourcesByFn`, `applyNonMissing`, `maxResourceList`,
//! `IsPodLevelRequestsSet`), `pkg/scheduler/framework/types.go`
//! (`PodInfo.CalculateResource`, `getNonMissingContainerRequests`, `Resource.Add`,
//! `Resource.SetMaxResource`) and `pkg/scheduler/util` (`IsScalarResourceName`,
//! `DefaultMilliCPURequest`, `DefaultMemoryRequest`).
//!
//! Quantities are summed exactly (as `resource.Quantity.Add` does) and only turned
//! into integers at the end (`MilliValue` for cpu, `Value` otherwise, both rounding
//! up).

use std::collections::BTreeMap;

use spillway_core::Quantity;
use spillway_core::spec::{Pod, ResourceList};

/// A `v1.ResourceList` with exact values.
pub type RList = BTreeMap<String, Quantity>;

/// `schedutil.DefaultMilliCPURequest` (0.1 core).
pub const DEFAULT_MILLI_CPU_REQUEST: i64 = 100;
/// `schedutil.DefaultMemoryRequest` (200 MiB).
pub const DEFAULT_MEMORY_REQUEST: i64 = 200 * 1024 * 1024;

fn add_list(into: &mut RList, list: &ResourceList) {
    for (k, v) in list {
        let cur = into.get(k).copied().unwrap_or(Quantity::ZERO);
        into.insert(k.clone(), Quantity::from_nanos(cur.nanos() + v.nanos()));
    }
}

/// `maxResourceList`.
fn max_list(into: &mut RList, list: &RList) {
    for (k, v) in list {
        match into.get(k) {
            Some(cur) if *cur >= *v => {}
            _ => {
                into.insert(k.clone(), *v);
            }
        }
    }
}

/// `applyNonMissing`: a copy with each missing key of `non_missing` filled in.
fn apply_non_missing(reqs: &ResourceList, non_missing: &RList) -> RList {
    let mut out: RList = reqs.clone();
    for (k, v) in non_missing {
        if !reqs.contains_key(k) {
            out.insert(k.clone(), *v);
        }
    }
    out
}

/// `IsSupportedPodLevelResource`.
fn is_supported_pod_level_resource(name: &str) -> bool {
    name == "cpu" || name == "memory" || name.starts_with("hugepages-")
}

/// `IsPodLevelRequestsSet`.
pub fn is_pod_level_requests_set(pod: &Pod) -> bool {
    pod.pod_requests
        .as_ref()
        .is_some_and(|r| r.keys().any(|k| is_supported_pod_level_resource(k)))
}

/// `resource.PodRequests` with `SkipPodLevelResources: false` (PodLevelResources is
/// on in v1.35), no status resources, and the given `NonMissingContainerRequests`.
pub fn pod_requests(pod: &Pod, non_missing: &RList) -> RList {
    let container_list = |reqs: &ResourceList| -> RList {
        if non_missing.is_empty() {
            reqs.clone()
        } else {
            apply_non_missing(reqs, non_missing)
        }
    };
    let mut result = RList::new();
    for c in &pod.containers {
        add_list(&mut result, &container_list(&c.requests));
    }
    let mut restartable = RList::new();
    let mut init = RList::new();
    for c in &pod.init_containers {
        let mut resources = container_list(&c.requests);
        if c.restart_policy_always {
            add_list(&mut result, &resources);
            add_list(&mut restartable, &resources);
            resources = restartable.clone();
        } else {
            add_list(&mut resources, &restartable);
        }
        max_list(&mut init, &resources);
    }
    max_list(&mut result, &init);
    if is_pod_level_requests_set(pod)
        && let Some(pl) = &pod.pod_requests
    {
        for (k, v) in pl {
            if is_supported_pod_level_resource(k) {
                result.insert(k.clone(), *v);
            }
        }
    }
    if let Some(overhead) = &pod.overhead {
        add_list(&mut result, overhead);
    }
    result
}

/// The non-zero defaults for cpu and memory.
pub fn default_non_missing() -> RList {
    let mut m = RList::new();
    m.insert(
        "cpu".to_string(),
        Quantity::from_milli(DEFAULT_MILLI_CPU_REQUEST),
    );
    m.insert(
        "memory".to_string(),
        Quantity::from_value(DEFAULT_MEMORY_REQUEST),
    );
    m
}

/// `getNonMissingContainerRequests`.
fn non_missing_container_requests(requests: &RList, pod_level_set: bool) -> RList {
    if !pod_level_set {
        return default_non_missing();
    }
    let mut m = RList::new();
    if !requests.contains_key("cpu") {
        m.insert(
            "cpu".to_string(),
            Quantity::from_milli(DEFAULT_MILLI_CPU_REQUEST),
        );
    }
    if !requests.contains_key("memory") {
        m.insert(
            "memory".to_string(),
            Quantity::from_value(DEFAULT_MEMORY_REQUEST),
        );
    }
    m
}

/// `IsScalarResourceName`: extended resources (domain-qualified, not
/// `kubernetes.io/`, not `requests.`), hugepages, prefixed native resources and
/// attachable volumes.
pub fn is_scalar_resource_name(name: &str) -> bool {
    let prefixed_native = name.contains("kubernetes.io/");
    let native = !name.contains('/') || prefixed_native;
    let extended = !native && !name.starts_with("requests.");
    extended
        || name.starts_with("hugepages-")
        || prefixed_native
        || name.starts_with("attachable-volumes-")
}

/// `framework.Resource`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resource {
    pub milli_cpu: i64,
    pub memory: i64,
    pub ephemeral_storage: i64,
    pub allowed_pod_number: i64,
    pub scalar: BTreeMap<String, i64>,
}

impl Resource {
    /// `Resource.Add`.
    pub fn add(&mut self, list: &RList) {
        for (k, q) in list {
            match k.as_str() {
                "cpu" => self.milli_cpu += q.milli_value(),
                "memory" => self.memory += q.value(),
                "pods" => self.allowed_pod_number += q.value(),
                "ephemeral-storage" => self.ephemeral_storage += q.value(),
                _ if is_scalar_resource_name(k) => {
                    *self.scalar.entry(k.clone()).or_default() += q.value();
                }
                _ => {}
            }
        }
    }

    /// `Resource.SetMaxResource`.
    pub fn set_max(&mut self, list: &RList) {
        for (k, q) in list {
            match k.as_str() {
                "memory" => self.memory = self.memory.max(q.value()),
                "cpu" => self.milli_cpu = self.milli_cpu.max(q.milli_value()),
                "ephemeral-storage" => {
                    self.ephemeral_storage = self.ephemeral_storage.max(q.value())
                }
                _ if is_scalar_resource_name(k) => {
                    let cur = self.scalar.get(k).copied().unwrap_or(0);
                    self.scalar.insert(k.clone(), cur.max(q.value()));
                }
                _ => {}
            }
        }
    }
}

/// `PodInfo.CalculateResource`: what a pod adds to its node's `Requested`, and its
/// non-zero cpu and memory (what it adds to `NonZeroRequested`).
pub fn calculate_resource(pod: &Pod) -> (Resource, i64, i64) {
    let requests = pod_requests(pod, &RList::new());
    let non_missing = non_missing_container_requests(&requests, is_pod_level_requests_set(pod));
    let non0 = if non_missing.is_empty() {
        requests.clone()
    } else {
        pod_requests(pod, &non_missing)
    };
    let non0_cpu = non0
        .get("cpu")
        .copied()
        .unwrap_or(Quantity::ZERO)
        .milli_value();
    let non0_mem = non0
        .get("memory")
        .copied()
        .unwrap_or(Quantity::ZERO)
        .value();
    let mut res = Resource::default();
    res.add(&requests);
    (res, non0_cpu, non0_mem)
}

/// A node's `Allocatable`, `Requested`, `NonZeroRequested` and pod count.
#[derive(Debug, Clone, Default)]
pub struct NodeResources {
    pub allocatable: Resource,
    pub requested: Resource,
    pub non_zero_cpu: i64,
    pub non_zero_mem: i64,
    pub pod_count: i64,
}

/// Accounts for `pods` on a node with `allocatable`.
pub fn node_resources<'a>(
    allocatable: &ResourceList,
    pods: impl Iterator<Item = &'a Pod>,
) -> NodeResources {
    let mut nr = NodeResources::default();
    nr.allocatable.add(allocatable);
    for p in pods {
        let (res, c, m) = calculate_resource(p);
        nr.requested.milli_cpu += res.milli_cpu;
        nr.requested.memory += res.memory;
        nr.requested.ephemeral_storage += res.ephemeral_storage;
        for (k, v) in res.scalar {
            *nr.requested.scalar.entry(k).or_default() += v;
        }
        nr.non_zero_cpu += c;
        nr.non_zero_mem += m;
        nr.pod_count += 1;
    }
    nr
}
