//! Resource requests and capacities: `framework.Resource` and the request arithmetic
//! of `k8s.io/component-helpers/resource.PodRequests`.

use std::collections::HashMap;

use crate::Quantity;
use crate::error::Error;
use crate::ids::ScalarIdx;
use crate::spec::{Container, Pod, ResourceList};

/// `schedutil.DefaultMilliCPURequest`: the cpu a container without a cpu request
/// counts as when scoring.
pub const DEFAULT_MILLI_CPU_REQUEST: i64 = 100;
/// `schedutil.DefaultMemoryRequest`: 200 MiB.
pub const DEFAULT_MEMORY_REQUEST: i64 = 200 * 1024 * 1024;

/// How the scheduler reads a resource name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Cpu,
    Memory,
    EphemeralStorage,
    Pods,
    /// Extended, hugepages, prefixed native or attachable-volumes resources
    /// (`schedutil.IsScalarResourceName`).
    Scalar,
    /// Anything else: the scheduler ignores it.
    Other,
}

pub(crate) fn kind(name: &str) -> Kind {
    match name {
        "cpu" => Kind::Cpu,
        "memory" => Kind::Memory,
        "ephemeral-storage" => Kind::EphemeralStorage,
        "pods" => Kind::Pods,
        n if n.contains('/')
            || n.starts_with("hugepages-")
            || n.starts_with("attachable-volumes-") =>
        {
            Kind::Scalar
        }
        _ => Kind::Other,
    }
}

/// Scalar resource names, interned.
#[derive(Debug, Clone, Default)]
pub(crate) struct Scalars {
    names: Vec<String>,
    by_name: HashMap<String, ScalarIdx>,
}

impl Scalars {
    pub(crate) fn intern(&mut self, name: &str) -> Result<ScalarIdx, Error> {
        if let Some(&i) = self.by_name.get(name) {
            return Ok(i);
        }
        let i = crate::ids::checked_index(self.names.len(), ScalarIdx::from_index)?;
        self.names.push(name.to_string());
        self.by_name.insert(name.to_string(), i);
        Ok(i)
    }

    pub(crate) fn get(&self, name: &str) -> Option<ScalarIdx> {
        self.by_name.get(name).copied()
    }

    pub(crate) fn name(&self, i: ScalarIdx) -> &str {
        self.names.get(i.index()).map_or("", String::as_str)
    }
}

/// `framework.Resource`: integer amounts as the scheduler compares them
/// (cpu in millicores, everything else in whole units).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub(crate) struct Res {
    pub cpu: i64,
    pub memory: i64,
    pub ephemeral: i64,
    /// Sorted by index. Zero entries are kept: upstream's map keeps them too.
    pub scalars: Vec<(ScalarIdx, i64)>,
}

impl Res {
    pub(crate) fn scalar(&self, i: ScalarIdx) -> i64 {
        self.scalars
            .binary_search_by_key(&i, |&(k, _)| k)
            .map_or(0, |p| self.scalars[p].1)
    }

    /// `Resource.SetMaxResource` applied to an empty resource: the integer form of a list.
    pub(crate) fn from_list(list: &ResourceList, scalars: &mut Scalars) -> Result<Res, Error> {
        let mut r = Res::default();
        for (name, q) in list {
            match kind(name) {
                Kind::Cpu => r.cpu = q.milli_value().max(0),
                Kind::Memory => r.memory = q.value().max(0),
                Kind::EphemeralStorage => r.ephemeral = q.value().max(0),
                Kind::Scalar => r.scalars.push((scalars.intern(name)?, q.value().max(0))),
                Kind::Pods | Kind::Other => {}
            }
        }
        r.scalars.sort_unstable();
        Ok(r)
    }

    /// Adds `other` into `self` (`sign` +1 or -1). Arithmetic wraps on overflow,
    /// as Go's int64 does upstream.
    pub(crate) fn add(&mut self, other: &Res, sign: i64) {
        self.cpu = self.cpu.wrapping_add(sign.wrapping_mul(other.cpu));
        self.memory = self.memory.wrapping_add(sign.wrapping_mul(other.memory));
        self.ephemeral = self
            .ephemeral
            .wrapping_add(sign.wrapping_mul(other.ephemeral));
        for &(k, v) in &other.scalars {
            match self.scalars.binary_search_by_key(&k, |&(k, _)| k) {
                Ok(p) => self.scalars[p].1 = self.scalars[p].1.wrapping_add(sign.wrapping_mul(v)),
                Err(p) => self.scalars.insert(p, (k, sign.wrapping_mul(v))),
            }
        }
    }

    /// Whether every amount is zero and no scalar was named (the early return of `fitsRequest`).
    pub(crate) fn is_empty(&self) -> bool {
        self.cpu == 0 && self.memory == 0 && self.ephemeral == 0 && self.scalars.is_empty()
    }
}

fn add_list(into: &mut ResourceList, other: &ResourceList) {
    for (k, v) in other {
        let e = into.entry(k.clone()).or_insert(Quantity::ZERO);
        *e = e.checked_add(*v).unwrap_or(Quantity::from_nanos(i128::MAX));
    }
}

fn max_list(into: &mut ResourceList, other: &ResourceList) {
    for (k, v) in other {
        let e = into.entry(k.clone()).or_insert(*v);
        if *v > *e {
            *e = *v;
        }
    }
}

/// `applyNonMissing`: adds the defaults for keys the container does not request at all.
fn with_defaults(reqs: &ResourceList, defaults: Option<&ResourceList>) -> ResourceList {
    let mut out = reqs.clone();
    if let Some(defaults) = defaults {
        for (k, v) in defaults {
            out.entry(k.clone()).or_insert(*v);
        }
    }
    out
}

/// Resources the pod-level `spec.resources` may set (`IsSupportedPodLevelResource`).
pub(crate) fn is_supported_pod_level(name: &str) -> bool {
    matches!(name, "cpu" | "memory") || name.starts_with("hugepages-")
}

/// `resource.PodRequests`: containers summed, init containers as a running maximum
/// (native sidecars accumulate), pod-level requests override, overhead added.
/// `defaults` is `NonMissingContainerRequests`.
pub(crate) fn pod_requests(pod: &Pod, defaults: Option<&ResourceList>) -> ResourceList {
    let mut reqs = ResourceList::new();
    for c in &pod.containers {
        add_list(&mut reqs, &with_defaults(&c.requests, defaults));
    }
    let mut sidecars = ResourceList::new();
    let mut init = ResourceList::new();
    for c in &pod.init_containers {
        let creqs = with_defaults(&c.requests, defaults);
        let use_now = if c.restart_policy_always {
            add_list(&mut reqs, &creqs);
            add_list(&mut sidecars, &creqs);
            sidecars.clone()
        } else {
            let mut tmp = creqs;
            add_list(&mut tmp, &sidecars);
            tmp
        };
        max_list(&mut init, &use_now);
    }
    max_list(&mut reqs, &init);
    if let Some(pod_level) = pod.pod_requests.as_ref().filter(|r| !r.is_empty()) {
        for (k, v) in pod_level {
            if is_supported_pod_level(k) {
                reqs.insert(k.clone(), *v);
            }
        }
    }
    if let Some(overhead) = &pod.overhead {
        add_list(&mut reqs, overhead);
    }
    reqs
}

/// The defaults the resource scorers apply to every container (100m cpu, 200Mi memory).
pub(crate) fn scoring_defaults() -> ResourceList {
    let mut d = ResourceList::new();
    d.insert(
        "cpu".into(),
        Quantity::from_milli(DEFAULT_MILLI_CPU_REQUEST),
    );
    d.insert(
        "memory".into(),
        Quantity::from_value(DEFAULT_MEMORY_REQUEST),
    );
    d
}

/// `getNonMissingContainerRequests`: the scoring defaults a pod's containers get.
pub(crate) fn non_missing_defaults(pod: &Pod, requests: &ResourceList) -> ResourceList {
    let pod_level = pod.pod_requests.as_ref().is_some_and(|r| !r.is_empty());
    let mut d = scoring_defaults();
    if pod_level {
        d.retain(|k, _| !requests.contains_key(k));
    }
    d
}

/// Validates one resource list of a container (`validateContainerResourceName`
/// and non-negative amounts).
pub(crate) fn validate_requests(
    object: &str,
    path: &str,
    list: &ResourceList,
) -> Result<(), Error> {
    for (name, q) in list {
        let field = format!("{path}[{name}]");
        if q.is_negative() {
            return Err(Error::invalid(
                object,
                field,
                "must be greater than or equal to 0",
            ));
        }
        match kind(name) {
            Kind::Cpu | Kind::Memory | Kind::EphemeralStorage | Kind::Scalar => {}
            Kind::Pods | Kind::Other => {
                return Err(Error::invalid(
                    object,
                    field,
                    "must be a standard resource type or fully qualified",
                ));
            }
        }
    }
    Ok(())
}

/// The requests of every container, checked.
pub(crate) fn validate_containers(
    object: &str,
    field: &str,
    cs: &[Container],
) -> Result<(), Error> {
    for (i, c) in cs.iter().enumerate() {
        validate_requests(
            object,
            &format!("{field}[{i}].resources.requests"),
            &c.requests,
        )?;
    }
    Ok(())
}

/// `v1helper.IsExtendedResourceName`: domain-prefixed, outside `kubernetes.io/`.
pub(crate) fn is_extended_resource(name: &str) -> bool {
    name.contains('/') && !name.contains("kubernetes.io/") && !name.starts_with("requests.")
}
