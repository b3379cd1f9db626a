//! Pods.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1 as k;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity as KQuantity;
use spillway_core::spec::{
    Container, ContainerPort, NodeAffinity, Pod, PodAffinity, PodAffinityTerm, PreemptionPolicy,
    SpreadPolicy, TaintEffect, Toleration, TolerationOperator, TopologySpreadConstraint,
    UnsatisfiableAction, WeightedPodAffinityTerm,
};

use super::selector::{label_selector, node_selector, preferred_terms};
use crate::error::FieldError;

/// `pod NAMESPACE/NAME`, the way errors name a pod.
pub(crate) fn pod_object(p: &k::Pod) -> String {
    let ns = p
        .metadata
        .namespace
        .as_deref()
        .filter(|s| !s.is_empty())
        .unwrap_or("default");
    format!(
        "pod {ns}/{}",
        p.metadata.name.as_deref().unwrap_or_default()
    )
}

/// The API server's defaulting of requests from limits (`SetDefaults_Pod`): a
/// resource with a limit and no request requests its limit.
fn requests_with_limits(
    r: Option<&k::ResourceRequirements>,
) -> Option<BTreeMap<String, KQuantity>> {
    let r = r?;
    let mut req = r.requests.clone().unwrap_or_default();
    for (name, q) in r.limits.iter().flatten() {
        req.entry(name.clone()).or_insert_with(|| q.clone());
    }
    Some(req)
}

fn container(
    object: &str,
    path: &str,
    c: &k::Container,
    init: bool,
) -> Result<Container, FieldError> {
    let requests = requests_with_limits(c.resources.as_ref());
    let mut ports = Vec::new();
    for p in c.ports.iter().flatten() {
        ports.push(ContainerPort {
            container_port: p.container_port,
            host_port: p.host_port.unwrap_or(0),
            host_ip: p.host_ip.clone().unwrap_or_default(),
            protocol: p.protocol.clone().unwrap_or_default(),
        });
    }
    let restart_policy_always = match c.restart_policy.as_deref() {
        None => false,
        Some("Always") if init => true,
        Some(other) => {
            return Err(FieldError::new(
                object,
                format!("{path}.restartPolicy"),
                format!("unsupported value {other:?}: only init containers may set \"Always\""),
            ));
        }
    };
    Ok(Container {
        name: c.name.clone(),
        image: c.image.clone().unwrap_or_default(),
        requests: super::resource_list(
            object,
            &format!("{path}.resources.requests"),
            requests.as_ref(),
        )?,
        ports,
        restart_policy_always,
    })
}

fn toleration(object: &str, path: &str, t: &k::Toleration) -> Result<Toleration, FieldError> {
    let operator = match t.operator.as_deref().unwrap_or("") {
        "" | "Equal" => TolerationOperator::Equal,
        "Exists" => TolerationOperator::Exists,
        other => {
            return Err(FieldError::new(
                object,
                format!("{path}.operator"),
                format!(
                    "unknown toleration operator {other:?}: supported values: \"Equal\", \"Exists\""
                ),
            ));
        }
    };
    let effect = match t.effect.as_deref().unwrap_or("") {
        "" => None,
        e => Some(TaintEffect::parse(e).ok_or_else(|| {
            FieldError::new(
                object,
                format!("{path}.effect"),
                format!("unknown taint effect {e:?}: supported values: \"NoSchedule\", \"PreferNoSchedule\", \"NoExecute\""),
            )
        })?),
    };
    Ok(Toleration {
        key: t.key.clone().unwrap_or_default(),
        operator,
        value: t.value.clone().unwrap_or_default(),
        effect,
    })
}

fn affinity_term(
    object: &str,
    path: &str,
    t: &k::PodAffinityTerm,
) -> Result<PodAffinityTerm, FieldError> {
    Ok(PodAffinityTerm {
        label_selector: t
            .label_selector
            .as_ref()
            .map(|s| label_selector(object, &format!("{path}.labelSelector"), s))
            .transpose()?,
        namespaces: t.namespaces.clone().unwrap_or_default(),
        namespace_selector: t
            .namespace_selector
            .as_ref()
            .map(|s| label_selector(object, &format!("{path}.namespaceSelector"), s))
            .transpose()?,
        topology_key: t.topology_key.clone(),
        match_label_keys: t.match_label_keys.clone().unwrap_or_default(),
        mismatch_label_keys: t.mismatch_label_keys.clone().unwrap_or_default(),
    })
}

fn pod_affinity_of(
    object: &str,
    path: &str,
    required: Option<&Vec<k::PodAffinityTerm>>,
    preferred: Option<&Vec<k::WeightedPodAffinityTerm>>,
) -> Result<PodAffinity, FieldError> {
    let mut a = PodAffinity::default();
    for (i, t) in required.into_iter().flatten().enumerate() {
        a.required.push(affinity_term(
            object,
            &format!("{path}.requiredDuringSchedulingIgnoredDuringExecution[{i}]"),
            t,
        )?);
    }
    for (i, t) in preferred.into_iter().flatten().enumerate() {
        let p = format!("{path}.preferredDuringSchedulingIgnoredDuringExecution[{i}]");
        a.preferred.push(WeightedPodAffinityTerm {
            weight: t.weight,
            term: affinity_term(
                object,
                &format!("{p}.podAffinityTerm"),
                &t.pod_affinity_term,
            )?,
        });
    }
    Ok(a)
}

fn spread_policy(
    object: &str,
    path: &str,
    v: Option<&str>,
) -> Result<Option<SpreadPolicy>, FieldError> {
    match v {
        None => Ok(None),
        Some("Honor") => Ok(Some(SpreadPolicy::Honor)),
        Some("Ignore") => Ok(Some(SpreadPolicy::Ignore)),
        Some(other) => Err(FieldError::new(
            object,
            path,
            format!("unsupported value {other:?}: supported values: \"Honor\", \"Ignore\""),
        )),
    }
}

fn spread(
    object: &str,
    path: &str,
    c: &k::TopologySpreadConstraint,
) -> Result<TopologySpreadConstraint, FieldError> {
    let when_unsatisfiable = match c.when_unsatisfiable.as_str() {
        "DoNotSchedule" => UnsatisfiableAction::DoNotSchedule,
        "ScheduleAnyway" => UnsatisfiableAction::ScheduleAnyway,
        other => {
            return Err(FieldError::new(
                object,
                format!("{path}.whenUnsatisfiable"),
                format!(
                    "unsupported value {other:?}: supported values: \"DoNotSchedule\", \"ScheduleAnyway\""
                ),
            ));
        }
    };
    Ok(TopologySpreadConstraint {
        max_skew: c.max_skew,
        topology_key: c.topology_key.clone(),
        when_unsatisfiable,
        label_selector: c
            .label_selector
            .as_ref()
            .map(|s| label_selector(object, &format!("{path}.labelSelector"), s))
            .transpose()?,
        min_domains: c.min_domains,
        node_affinity_policy: spread_policy(
            object,
            &format!("{path}.nodeAffinityPolicy"),
            c.node_affinity_policy.as_deref(),
        )?,
        node_taints_policy: spread_policy(
            object,
            &format!("{path}.nodeTaintsPolicy"),
            c.node_taints_policy.as_deref(),
        )?,
        match_label_keys: c.match_label_keys.clone().unwrap_or_default(),
    })
}

/// A `v1.Pod` as the scheduler sees it, with requests defaulted from limits as the
/// API server does. `default_spread_selector` is left unset: the scenario sets it
/// from its Services and controllers.
///
/// # Errors
/// An unknown operator, effect or policy, or a malformed quantity, named by field.
pub fn pod(p: &k::Pod) -> Result<Pod, FieldError> {
    let object = pod_object(p);
    let object = object.as_str();
    let spec = p
        .spec
        .as_ref()
        .ok_or_else(|| FieldError::new(object, "spec", "missing"))?;
    let mut containers = Vec::with_capacity(spec.containers.len());
    for (i, c) in spec.containers.iter().enumerate() {
        containers.push(container(
            object,
            &format!("spec.containers[{i}]"),
            c,
            false,
        )?);
    }
    let mut init_containers = Vec::new();
    for (i, c) in spec.init_containers.iter().flatten().enumerate() {
        init_containers.push(container(
            object,
            &format!("spec.initContainers[{i}]"),
            c,
            true,
        )?);
    }
    let mut tolerations = Vec::new();
    for (i, t) in spec.tolerations.iter().flatten().enumerate() {
        tolerations.push(toleration(object, &format!("spec.tolerations[{i}]"), t)?);
    }
    let mut topology_spread_constraints = Vec::new();
    for (i, c) in spec
        .topology_spread_constraints
        .iter()
        .flatten()
        .enumerate()
    {
        topology_spread_constraints.push(spread(
            object,
            &format!("spec.topologySpreadConstraints[{i}]"),
            c,
        )?);
    }
    let affinity = spec.affinity.as_ref();
    let node_affinity = match affinity.and_then(|a| a.node_affinity.as_ref()) {
        None => None,
        Some(na) => {
            let base = "spec.affinity.nodeAffinity";
            Some(NodeAffinity {
                required: na
                    .required_during_scheduling_ignored_during_execution
                    .as_ref()
                    .map(|s| {
                        node_selector(
                            object,
                            &format!("{base}.requiredDuringSchedulingIgnoredDuringExecution"),
                            s,
                        )
                    })
                    .transpose()?,
                preferred: na
                    .preferred_during_scheduling_ignored_during_execution
                    .as_ref()
                    .map(|t| {
                        preferred_terms(
                            object,
                            &format!("{base}.preferredDuringSchedulingIgnoredDuringExecution"),
                            t,
                        )
                    })
                    .transpose()?,
            })
        }
    };
    let pod_affinity = affinity
        .and_then(|a| a.pod_affinity.as_ref())
        .map(|a| {
            pod_affinity_of(
                object,
                "spec.affinity.podAffinity",
                a.required_during_scheduling_ignored_during_execution
                    .as_ref(),
                a.preferred_during_scheduling_ignored_during_execution
                    .as_ref(),
            )
        })
        .transpose()?;
    let pod_anti_affinity = affinity
        .and_then(|a| a.pod_anti_affinity.as_ref())
        .map(|a| {
            pod_affinity_of(
                object,
                "spec.affinity.podAntiAffinity",
                a.required_during_scheduling_ignored_during_execution
                    .as_ref(),
                a.preferred_during_scheduling_ignored_during_execution
                    .as_ref(),
            )
        })
        .transpose()?;
    let preemption_policy = match spec.preemption_policy.as_deref() {
        None | Some("PreemptLowerPriority") => PreemptionPolicy::PreemptLowerPriority,
        Some("Never") => PreemptionPolicy::Never,
        Some(other) => {
            return Err(FieldError::new(
                object,
                "spec.preemptionPolicy",
                format!(
                    "unsupported value {other:?}: supported values: \"Never\", \"PreemptLowerPriority\""
                ),
            ));
        }
    };
    let pod_requests = requests_with_limits(spec.resources.as_ref())
        .map(|r| super::resource_list(object, "spec.resources.requests", Some(&r)))
        .transpose()?;
    Ok(Pod {
        namespace: p
            .metadata
            .namespace
            .clone()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "default".into()),
        name: p.metadata.name.clone().unwrap_or_default(),
        uid: p.metadata.uid.clone().unwrap_or_default(),
        labels: p.metadata.labels.clone().unwrap_or_default(),
        node_name: spec.node_name.clone().filter(|n| !n.is_empty()),
        scheduling_gates: spec
            .scheduling_gates
            .iter()
            .flatten()
            .map(|g| g.name.clone())
            .collect(),
        containers,
        init_containers,
        overhead: spec
            .overhead
            .as_ref()
            .map(|o| super::resource_list(object, "spec.overhead", Some(o)))
            .transpose()?,
        pod_requests,
        node_selector: spec.node_selector.clone(),
        node_affinity,
        pod_affinity,
        pod_anti_affinity,
        tolerations,
        topology_spread_constraints,
        default_spread_selector: None,
        priority: spec.priority.unwrap_or(0),
        preemption_policy,
    })
}

/// Volume sources that would make a volume plugin (VolumeBinding, VolumeZone,
/// NodeVolumeLimits, VolumeRestrictions) run for an incoming pod: not in scope yet.
pub(crate) fn unsupported_volume(p: &k::Pod) -> Option<(String, &'static str)> {
    let spec = p.spec.as_ref()?;
    if spec.resource_claims.as_ref().is_some_and(|c| !c.is_empty()) {
        return Some((
            "spec.resourceClaims".into(),
            "resource claims (DynamicResources)",
        ));
    }
    for (i, v) in spec.volumes.iter().flatten().enumerate() {
        let kind = if v.persistent_volume_claim.is_some() {
            "persistentVolumeClaim"
        } else if v.ephemeral.is_some() {
            "ephemeral"
        } else if v.csi.is_some() {
            "csi"
        } else if v.gce_persistent_disk.is_some() {
            "gcePersistentDisk"
        } else if v.aws_elastic_block_store.is_some() {
            "awsElasticBlockStore"
        } else if v.azure_disk.is_some() {
            "azureDisk"
        } else if v.rbd.is_some() {
            "rbd"
        } else if v.iscsi.is_some() {
            "iscsi"
        } else if v.cinder.is_some() {
            "cinder"
        } else {
            continue;
        };
        return Some((format!("spec.volumes[{i}].{kind}"), kind));
    }
    None
}
