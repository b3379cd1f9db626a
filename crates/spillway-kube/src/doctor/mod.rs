//! `spillway doctor`: the mistakes the ACK/ASM documents warn about, found in a
//! scenario before production finds them. Each finding names the object and the
//! field, says what happens, and how to fix it.
//!
//! Checks run per workload (the pods of one controller, or a bare pod) on its
//! first incoming pod, after admission (so ECI routing and sidecars are in), and
//! on where the scheduler places every incoming pod.

mod placement;
mod reach;
mod services;

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1 as k;
use serde::Serialize;
use spillway_core::{Snapshot, spec};

use crate::Scenario;
use crate::ack::virtual_node::{self, NodeKind};
use crate::error::LoadError;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Pods will not run as intended (Pending, or an outage on one failure).
    Error,
    /// Works, but not as the configuration suggests.
    Warning,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// How bad.
    pub severity: Severity,
    /// Short name of the check (`affinity-matches-no-node`).
    pub check: &'static str,
    /// The object: `istiogateway/NAME`, `replicaset/NAME`, `pod NS/NAME`,
    /// `service/NAME`, `node/NAME`.
    pub object: String,
    /// The field at fault.
    pub field: String,
    /// What happens.
    pub problem: String,
    /// How to fix it.
    pub fix: String,
}

/// The incoming pods of one workload.
pub(crate) struct Workload {
    /// How findings name it.
    pub name: String,
    /// Its incoming pods, in scheduling order (indices into `Scenario::incoming`).
    pub pods: Vec<usize>,
    /// The first pod, converted.
    pub spec: spec::Pod,
    /// Its ECI zone follows a vSwitch list (`VSwitchOrdered` or fail-fast).
    pub eci_ordered: bool,
}

/// The scenario's nodes, converted, with their ACK kinds.
pub(crate) struct Nodes {
    pub specs: Vec<spec::Node>,
    pub kinds: Vec<NodeKind>,
}

impl Nodes {
    pub(crate) fn is_virtual(&self, i: usize) -> bool {
        self.kinds.get(i).is_some_and(|k| k.is_virtual())
    }
}

/// Runs every check.
///
/// # Errors
/// A node or pod that does not convert (the snapshot compiled, so this does not
/// happen for scenarios that schedule).
pub fn diagnose(scenario: &Scenario, snapshot: &Snapshot) -> Result<Vec<Finding>, LoadError> {
    let at = |e: crate::FieldError| e.at(&scenario.path);
    let nodes = Nodes {
        specs: scenario
            .nodes
            .iter()
            .map(crate::convert::node)
            .collect::<Result<_, _>>()
            .map_err(at)?,
        kinds: scenario.nodes.iter().map(virtual_node::node_kind).collect(),
    };
    let workloads = workloads(scenario).map_err(at)?;
    let mut findings = Vec::new();
    for w in &workloads {
        findings.extend(reach::check(scenario, &nodes, w));
    }
    findings.extend(placement::check(snapshot, &nodes, &workloads));
    findings.extend(services::check(scenario, &nodes));
    findings
        .sort_by(|a, b| (a.severity, &a.object, a.check).cmp(&(b.severity, &b.object, b.check)));
    findings.dedup();
    Ok(findings)
}

/// Groups incoming pods by the workload that owns them.
fn workloads(scenario: &Scenario) -> Result<Vec<Workload>, crate::FieldError> {
    let mut order: Vec<String> = Vec::new();
    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, pod) in scenario.incoming.iter().enumerate() {
        let name = workload_name(scenario, pod);
        if !groups.contains_key(&name) {
            order.push(name.clone());
        }
        groups.entry(name).or_default().push(i);
    }
    let mut out = Vec::with_capacity(order.len());
    for name in order {
        let pods = groups.remove(&name).unwrap_or_default();
        let Some(pod) = pods.first().and_then(|&i| scenario.incoming.get(i)) else {
            continue;
        };
        let eci_ordered = scenario
            .admission
            .get(&crate::admission::pod_key(pod))
            .and_then(|a| a.eci.plan.as_ref())
            .is_some_and(|p| p.ordered());
        out.push(Workload {
            name,
            spec: crate::convert::pod(pod)?,
            pods,
            eci_ordered,
        });
    }
    Ok(out)
}

/// `istiogateway/NAME`, `deployment/NAME`, `replicaset/NAME`, `statefulset/NAME`,
/// or `pod NS/NAME` for a bare pod.
pub(crate) fn workload_name(scenario: &Scenario, pod: &k::Pod) -> String {
    let ns = pod
        .metadata
        .namespace
        .clone()
        .unwrap_or_else(|| "default".into());
    let Some(owner) = controller(&pod.metadata) else {
        return crate::convert::pod_object(pod);
    };
    if owner.kind != "ReplicaSet" {
        return format!("{}/{}", owner.kind.to_ascii_lowercase(), owner.name);
    }
    let rs = scenario.replica_sets.iter().find(|r| {
        r.metadata.name.as_deref() == Some(owner.name.as_str())
            && r.metadata
                .namespace
                .clone()
                .unwrap_or_else(|| "default".into())
                == ns
    });
    let Some(deployment) = rs.and_then(|r| controller(&r.metadata)) else {
        return format!("replicaset/{}", owner.name);
    };
    let gateway = scenario.istio_gateways.iter().find(|g| {
        g.metadata
            .name
            .as_deref()
            .is_some_and(|n| format!("istio-{n}") == deployment.name)
    });
    match gateway.and_then(|g| g.metadata.name.as_deref()) {
        Some(g) => format!("istiogateway/{g}"),
        None => format!("deployment/{}", deployment.name),
    }
}

fn controller(
    meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
) -> Option<&k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference> {
    meta.owner_references
        .iter()
        .flatten()
        .find(|o| o.controller == Some(true))
}
