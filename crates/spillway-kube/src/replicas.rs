//! New replicas of a scenario's workloads, made as their controllers make them and
//! admitted as the cluster admits them: what `spillway capacity` probes with and
//! what the simulator scales.

use k8s_openapi::api::apps::v1 as apps;
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::core::v1 as k;
use spillway_core::spec;

use crate::Scenario;
use crate::error::FieldError;
use crate::workloads;

/// A workload of a scenario that has a pod template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkloadRef {
    /// How it was named (`istiogateway/NAME`, `deployment/NAME`, ...).
    pub name: String,
    /// The namespace.
    pub namespace: String,
    /// The Deployment behind it, if any.
    pub deployment: Option<String>,
    /// The controller that owns its pods.
    pub controller: Controller,
}

/// The controller of a workload's pods.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Controller {
    /// A ReplicaSet (of a Deployment, or on its own).
    ReplicaSet(String),
    /// A StatefulSet.
    StatefulSet(String),
}

impl Controller {
    /// `ReplicaSet` or `StatefulSet`, as in `ownerReferences`.
    pub fn kind(&self) -> &'static str {
        match self {
            Controller::ReplicaSet(_) => "ReplicaSet",
            Controller::StatefulSet(_) => "StatefulSet",
        }
    }

    /// Its name.
    pub fn name(&self) -> &str {
        match self {
            Controller::ReplicaSet(n) | Controller::StatefulSet(n) => n,
        }
    }
}

fn ns_of(meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta) -> String {
    meta.namespace
        .clone()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "default".into())
}

impl Scenario {
    /// Finds a workload: `istiogateway/NAME`, `deployment/NAME`,
    /// `replicaset/NAME`, `statefulset/NAME`, or a bare name (tried in that order).
    ///
    /// # Errors
    /// No such workload (the message lists the known ones).
    pub fn workload(&self, name: &str) -> Result<WorkloadRef, FieldError> {
        let (kind, bare) = name.split_once('/').unwrap_or(("", name));
        let named = |m: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta| {
            m.name.as_deref() == Some(bare)
        };
        let deployment: Option<&apps::Deployment> = match kind {
            "istiogateway" | "" if self.istio_gateways.iter().any(|g| named(&g.metadata)) => {
                let gw = self.istio_gateways.iter().find(|g| named(&g.metadata));
                let ns = gw.map(|g| {
                    g.metadata
                        .namespace
                        .clone()
                        .unwrap_or_else(|| "istio-system".into())
                });
                self.deployments.iter().find(|d| {
                    d.metadata.name.as_deref() == Some(format!("istio-{bare}").as_str())
                        && Some(ns_of(&d.metadata)) == ns
                })
            }
            "deployment" | "" => self.deployments.iter().find(|d| named(&d.metadata)),
            _ => None,
        };
        if let Some(d) = deployment {
            let d_name = d.metadata.name.clone().unwrap_or_default();
            let ns = ns_of(&d.metadata);
            let rs = self.replica_sets.iter().rev().find(|r| {
                ns_of(&r.metadata) == ns
                    && r.metadata.owner_references.iter().flatten().any(|o| {
                        o.controller == Some(true) && o.kind == "Deployment" && o.name == d_name
                    })
            });
            if let Some(rs) = rs {
                return Ok(WorkloadRef {
                    name: name.to_string(),
                    namespace: ns,
                    deployment: Some(d_name),
                    controller: Controller::ReplicaSet(
                        rs.metadata.name.clone().unwrap_or_default(),
                    ),
                });
            }
        }
        if matches!(kind, "" | "replicaset")
            && let Some(rs) = self.replica_sets.iter().find(|r| named(&r.metadata))
        {
            return Ok(WorkloadRef {
                name: name.to_string(),
                namespace: ns_of(&rs.metadata),
                deployment: None,
                controller: Controller::ReplicaSet(bare.to_string()),
            });
        }
        if matches!(kind, "" | "statefulset")
            && let Some(ss) = self.stateful_sets.iter().find(|s| named(&s.metadata))
        {
            return Ok(WorkloadRef {
                name: name.to_string(),
                namespace: ns_of(&ss.metadata),
                deployment: None,
                controller: Controller::StatefulSet(bare.to_string()),
            });
        }
        let mut known: Vec<String> = self
            .istio_gateways
            .iter()
            .filter_map(|g| {
                g.metadata
                    .name
                    .as_ref()
                    .map(|n| format!("istiogateway/{n}"))
            })
            .chain(
                self.deployments
                    .iter()
                    .filter_map(|d| d.metadata.name.as_ref().map(|n| format!("deployment/{n}"))),
            )
            .chain(
                self.replica_sets
                    .iter()
                    .filter_map(|r| r.metadata.name.as_ref().map(|n| format!("replicaset/{n}"))),
            )
            .chain(
                self.stateful_sets
                    .iter()
                    .filter_map(|s| s.metadata.name.as_ref().map(|n| format!("statefulset/{n}"))),
            )
            .collect();
        known.sort();
        Err(FieldError::new(
            "workload",
            name,
            format!(
                "no such workload in the scenario (known: {})",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            ),
        ))
    }

    /// Whether a pod belongs to the workload (its controller owns it).
    pub fn owns(&self, w: &WorkloadRef, pod: &k::Pod) -> bool {
        ns_of(&pod.metadata) == w.namespace
            && pod.metadata.owner_references.iter().flatten().any(|o| {
                o.controller == Some(true)
                    && o.kind == w.controller.kind()
                    && o.name == w.controller.name()
            })
    }

    /// `count` new replicas of the workload, named so that they clash with no pod
    /// of the scenario nor of `also`, admitted (sidecar, ECI) as the cluster would.
    ///
    /// # Errors
    /// The controller's template does not expand, or admission rejects a pod.
    pub fn new_replicas(
        &self,
        w: &WorkloadRef,
        count: usize,
        also: &[k::Pod],
    ) -> Result<Vec<k::Pod>, FieldError> {
        let existing: Vec<k::Pod> = self
            .running
            .iter()
            .chain(&self.incoming)
            .chain(also)
            .cloned()
            .collect();
        let have = existing.iter().filter(|p| self.owns(w, p)).count();
        let want = i32::try_from(have + count).unwrap_or(i32::MAX);
        let mut pods = match &w.controller {
            Controller::ReplicaSet(name) => {
                let rs = self.replica_sets.iter().find(|r| {
                    r.metadata.name.as_deref() == Some(name.as_str())
                        && ns_of(&r.metadata) == w.namespace
                });
                let Some(rs) = rs else {
                    return Err(FieldError::new(
                        "workload",
                        &w.name,
                        format!("replicaset/{name} is gone"),
                    ));
                };
                let mut rs = rs.clone();
                rs.spec.get_or_insert_with(Default::default).replicas = Some(want);
                workloads::missing_pods_of_replica_set(&rs, &existing)?
            }
            Controller::StatefulSet(name) => {
                let ss = self.stateful_sets.iter().find(|s| {
                    s.metadata.name.as_deref() == Some(name.as_str())
                        && ns_of(&s.metadata) == w.namespace
                });
                let Some(ss) = ss else {
                    return Err(FieldError::new(
                        "workload",
                        &w.name,
                        format!("statefulset/{name} is gone"),
                    ));
                };
                let mut ss = ss.clone();
                ss.spec.get_or_insert_with(Default::default).replicas = Some(want);
                workloads::missing_pods_of_stateful_set(&ss, &existing)?
            }
        };
        pods.truncate(count);
        let ctx = self.eci_context()?;
        let table = self.spec_table()?;
        for p in &mut pods {
            self.admit_pod(p, &ctx, &table)?;
        }
        Ok(pods)
    }

    /// Rolls the workload's Deployment out to a changed pod template: the
    /// Deployment gets the new template and a new ReplicaSet (which joins the
    /// scenario's ReplicaSets, replicas 0); returns the workload pointing at it.
    ///
    /// # Errors
    /// A workload without a Deployment, or a template the controller rejects.
    pub fn rollout(
        &mut self,
        w: &WorkloadRef,
        change: impl FnOnce(&mut k::PodTemplateSpec),
    ) -> Result<WorkloadRef, FieldError> {
        let Some(d_name) = &w.deployment else {
            return Err(FieldError::new(
                "workload",
                &w.name,
                "a rollout needs a Deployment",
            ));
        };
        let d = self.deployments.iter_mut().find(|d| {
            d.metadata.name.as_deref() == Some(d_name.as_str()) && ns_of(&d.metadata) == w.namespace
        });
        let Some(d) = d else {
            return Err(FieldError::new(
                "workload",
                &w.name,
                format!("deployment/{d_name} is gone"),
            ));
        };
        let spec = d.spec.get_or_insert_with(Default::default);
        change(&mut spec.template);
        let mut rs = workloads::replica_set_of(d)?;
        rs.spec.get_or_insert_with(Default::default).replicas = Some(0);
        let rs_name = rs.metadata.name.clone().unwrap_or_default();
        if !self.replica_sets.iter().any(|r| {
            r.metadata.name.as_deref() == Some(rs_name.as_str())
                && ns_of(&r.metadata) == w.namespace
        }) {
            self.replica_sets.push(rs);
        }
        Ok(WorkloadRef {
            controller: Controller::ReplicaSet(rs_name),
            ..w.clone()
        })
    }

    /// A pod in the core's input form, with its default spread selector.
    ///
    /// # Errors
    /// A field the conversion rejects.
    pub fn spec_pod(&self, pod: &k::Pod) -> Result<spec::Pod, FieldError> {
        let mut p = crate::convert::pod(pod)?;
        p.default_spread_selector = self.default_selector(pod)?;
        Ok(p)
    }

    /// The HorizontalPodAutoscaler that targets the workload's Deployment.
    pub fn hpa_of(&self, w: &WorkloadRef) -> Option<&HorizontalPodAutoscaler> {
        let d = w.deployment.as_deref()?;
        self.hpas.iter().find(|h| {
            ns_of(&h.metadata) == w.namespace
                && h.spec.as_ref().is_some_and(|s| {
                    s.scale_target_ref.kind == "Deployment" && s.scale_target_ref.name == d
                })
        })
    }

    /// The Deployment's replicas, or the controller's.
    pub fn replicas_of(&self, w: &WorkloadRef) -> i32 {
        let from_deployment = w.deployment.as_deref().and_then(|d| {
            self.deployments
                .iter()
                .find(|x| {
                    x.metadata.name.as_deref() == Some(d) && ns_of(&x.metadata) == w.namespace
                })
                .map(|x| x.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1))
        });
        from_deployment.unwrap_or_else(|| match &w.controller {
            Controller::ReplicaSet(n) => self
                .replica_sets
                .iter()
                .find(|r| r.metadata.name.as_deref() == Some(n.as_str()))
                .and_then(|r| r.spec.as_ref().and_then(|s| s.replicas))
                .unwrap_or(1),
            Controller::StatefulSet(n) => self
                .stateful_sets
                .iter()
                .find(|s| s.metadata.name.as_deref() == Some(n.as_str()))
                .and_then(|s| s.spec.as_ref().and_then(|s| s.replicas))
                .unwrap_or(1),
        })
    }
}
