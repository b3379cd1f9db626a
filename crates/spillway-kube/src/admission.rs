//! What a real ACK/ASM cluster does to a scenario's objects before the scheduler
//! sees them, in the order the cluster does it:
//!
//! 1. virtual nodes declared briefly register as Node objects;
//! 2. each ASM IstioGateway becomes its Deployment, Service and HPA;
//! 3. each Deployment gets its ReplicaSet, and every ReplicaSet and StatefulSet
//!    creates the pods it still lacks (after the scenario's own incoming pods,
//!    workload by workload, in file order);
//! 4. every incoming pod passes the admission webhooks: Istio sidecar injection,
//!    then ACK's ECI routing and vSwitch zone choice.
//!
//! Pods already holding what a webhook adds (a sidecar, for example) are left as
//! they are, so objects dumped from a live cluster are not admitted twice.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1 as k;

use crate::Scenario;
use crate::ack::eci::{self, EciAdmission, EciContext};
use crate::ack::specs::{self, SpecTable};
use crate::ack::virtual_node::{self, ZONE_LABEL};
use crate::convert::pod_object;
use crate::error::{FieldError, LoadError};
use crate::istio::{gateway, inject};
use crate::workloads;

/// What admission did to one incoming pod.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PodAdmission {
    /// The workload that created the pod (`replicaset/web-5d8f7c9b64`), if admission
    /// created it.
    pub created_by: Option<String>,
    /// Whether Istio injected the sidecar, and why.
    pub sidecar: Option<(bool, String)>,
    /// ECI routing and zone choice.
    pub eci: EciAdmission,
}

impl PodAdmission {
    /// What admission did, for people.
    pub fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if let Some(by) = &self.created_by {
            notes.push(format!("created by {by}"));
        }
        if let Some((injected, why)) = &self.sidecar {
            let what = if *injected {
                "sidecar injected"
            } else {
                "no sidecar"
            };
            notes.push(format!("{what}: {why}"));
        }
        notes.extend(self.eci.notes.iter().cloned());
        notes
    }
}

/// `namespace/name` of a pod.
pub(crate) fn pod_key(pod: &k::Pod) -> String {
    let ns = pod
        .metadata
        .namespace
        .as_deref()
        .filter(|s| !s.is_empty())
        .unwrap_or("default");
    format!("{ns}/{}", pod.metadata.name.as_deref().unwrap_or_default())
}

impl Scenario {
    /// Applies admission (see the module docs) to the objects read.
    pub(crate) fn admit(&mut self) -> Result<(), LoadError> {
        let path = self.path.clone();
        let at = |e: FieldError| e.at(&path);
        for (i, decl) in self.virtual_nodes.iter().enumerate() {
            let node = decl.to_node(i, self.ack.region.as_deref()).map_err(at)?;
            self.nodes.push(node);
        }
        let ctx = self.eci_context().map_err(at)?;
        for gw in &self.istio_gateways {
            let x = gateway::expand(gw, &self.ack.mesh.proxy_image).map_err(at)?;
            self.deployments.push(x.deployment);
            self.services.push(x.service);
            self.hpas.extend(x.hpa);
        }
        for d in &self.deployments {
            let rs = workloads::replica_set_of(d).map_err(at)?;
            let exists = self.replica_sets.iter().any(|r| {
                r.metadata.name == rs.metadata.name && r.metadata.namespace == rs.metadata.namespace
            });
            if !exists {
                self.replica_sets.push(rs);
            }
        }
        let mut created: Vec<(String, k::Pod)> = Vec::new();
        {
            let existing: Vec<k::Pod> =
                if self.replica_sets.is_empty() && self.stateful_sets.is_empty() {
                    Vec::new()
                } else {
                    self.running.iter().chain(&self.incoming).cloned().collect()
                };
            for rs in &self.replica_sets {
                let by = format!(
                    "replicaset/{}",
                    rs.metadata.name.as_deref().unwrap_or_default()
                );
                for pod in workloads::missing_pods_of_replica_set(rs, &existing).map_err(at)? {
                    created.push((by.clone(), pod));
                }
            }
            for ss in &self.stateful_sets {
                let by = format!(
                    "statefulset/{}",
                    ss.metadata.name.as_deref().unwrap_or_default()
                );
                for pod in workloads::missing_pods_of_stateful_set(ss, &existing).map_err(at)? {
                    created.push((by.clone(), pod));
                }
            }
        }
        let mut by: BTreeMap<String, String> = BTreeMap::new();
        for (workload, pod) in created {
            by.insert(pod_key(&pod), workload);
            self.incoming.push(pod);
        }
        let table = self.spec_table().map_err(at)?;
        let mut admission = BTreeMap::new();
        let mut incoming = std::mem::take(&mut self.incoming);
        for pod in &mut incoming {
            let key = pod_key(pod);
            let mut record = self.admit_pod(pod, &ctx, &table).map_err(at)?;
            record.created_by = by.remove(&key);
            admission.insert(key, record);
        }
        self.incoming = incoming;
        self.admission = admission;
        Ok(())
    }

    /// Passes one incoming pod through the admission webhooks: sidecar injection,
    /// then ECI routing and zone choice; checks its ECI annotations.
    pub(crate) fn admit_pod(
        &self,
        pod: &mut k::Pod,
        ctx: &EciContext,
        table: &SpecTable,
    ) -> Result<PodAdmission, FieldError> {
        let ns_name = pod
            .metadata
            .namespace
            .as_deref()
            .filter(|s| !s.is_empty())
            .unwrap_or("default");
        let ns = self
            .namespaces
            .iter()
            .find(|n| n.metadata.name.as_deref() == Some(ns_name));
        let injection = inject::inject(pod, ns, &self.ack.mesh)?;
        let eci = eci::admit(pod, ns, ctx)?;
        if let Some(value) = pod
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(eci::USE_SPECS_ANNOTATION))
        {
            specs::parse_use_specs(value, table).map_err(|message| {
                FieldError::new(
                    &pod_object(pod),
                    format!("metadata.annotations[{}]", eci::USE_SPECS_ANNOTATION),
                    message,
                )
            })?;
        }
        if eci.routed.is_some() {
            // A pod that can only run on ECI must fit an ECI spec.
            specs::size(pod, table, &self.ack)?;
        }
        // Say why there is no sidecar only where the mesh was asked about.
        let asked = |labels: Option<&BTreeMap<String, String>>, keys: &[&str]| {
            labels.is_some_and(|l| keys.iter().any(|k| l.contains_key(*k)))
        };
        let mesh_labels = [
            inject::NAMESPACE_LABEL,
            inject::REVISION_LABEL,
            inject::INJECT_LABEL,
        ];
        let asked = injection.injected
            || asked(ns.and_then(|n| n.metadata.labels.as_ref()), &mesh_labels)
            || asked(pod.metadata.labels.as_ref(), &mesh_labels)
            || asked(pod.metadata.annotations.as_ref(), &[inject::INJECT_LABEL]);
        Ok(PodAdmission {
            created_by: None,
            sidecar: asked.then_some((injection.injected, injection.reason)),
            eci,
        })
    }

    /// The ECI spec table of the scenario's settings (the bundled table, or the
    /// `ack.eci` override, with the region's extras).
    ///
    /// # Errors
    /// A bad `ack.eci.specs` or `ack.eci.regions` table.
    pub fn spec_table(&self) -> Result<SpecTable, FieldError> {
        SpecTable::new(&self.ack).map_err(|message| FieldError::new("ack", "eci", message))
    }

    /// The virtual node kinds and zones present and every known vSwitch's zone.
    pub(crate) fn eci_context(&self) -> Result<EciContext, FieldError> {
        let mut ctx = EciContext {
            seed: self.ack.eci.seed,
            ..EciContext::default()
        };
        for node in &self.nodes {
            let kind = virtual_node::node_kind(node);
            if kind.is_virtual() {
                ctx.kinds.insert(kind);
                if let Some(zone) = node
                    .metadata
                    .labels
                    .as_ref()
                    .and_then(|l| l.get(ZONE_LABEL))
                {
                    ctx.zones.insert(zone.clone());
                }
            }
        }
        let declared = self
            .ack
            .vswitches
            .iter()
            .map(|v| (v.id.clone(), v.zone.clone()));
        let on_nodes = self
            .virtual_nodes
            .iter()
            .flat_map(|d| d.vswitches.iter().map(|v| (v.clone(), d.zone.clone())));
        for (id, zone) in declared.chain(on_nodes) {
            if let Some(other) = ctx.vswitch_zones.get(&id).filter(|z| **z != zone) {
                return Err(FieldError::new(
                    "ack",
                    "vswitches",
                    format!("vSwitch {id} is declared in zone {other} and in zone {zone}"),
                ));
            }
            ctx.vswitch_zones.insert(id, zone);
        }
        Ok(ctx)
    }
}
