//! `spillway capacity`: how many more replicas of a workload fit on ECS before
//! overflow to ECI starts, how many then fit on ECI within the virtual nodes'
//! quota, and how many ECS nodes of a template keep a replica count off ECI.
//!
//! The scenario's own incoming pods are placed first (they are the plan); then
//! copies of the probe (new replicas of a workload, or a pod from a file) are
//! placed one by one with the exact scheduler, until one stays Pending or the
//! limit is reached.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1 as k;
use serde::Serialize;
use spillway_core::framework::Placer;
use spillway_core::{Cluster, ClusterSpec, Profile, Scheduler, TieBreak, TieBreaker};

use crate::Scenario;
use crate::ack::specs;
use crate::ack::virtual_node::{self, ZONE_LABEL};
use crate::error::{FieldError, LoadError};

/// What to add.
#[derive(Debug, Clone)]
pub enum Probe {
    /// Copies of this pod (names get `-1`, `-2`, ... appended).
    Pod(Box<k::Pod>),
    /// New replicas of a workload of the scenario: `istiogateway/NAME`,
    /// `deployment/NAME`, `replicaset/NAME`, `statefulset/NAME`, or a bare name.
    Workload(String),
}

/// Where one probe replica landed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Landing {
    /// The replica (`namespace/name`).
    pub pod: String,
    /// Its node.
    pub node: String,
    /// The node's zone.
    pub zone: Option<String>,
    /// Whether the node is virtual (the pod runs on ECI).
    pub eci: bool,
}

/// The answer of [`capacity`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Capacity {
    /// Replicas placed, in order.
    pub placed: Vec<Landing>,
    /// Replicas placed on ECS before the first one went to a virtual node.
    pub ecs_before_overflow: usize,
    /// Replicas on ECS in all.
    pub ecs: usize,
    /// Replicas on ECI in all.
    pub eci: usize,
    /// Why placing stopped: the first Pending replica's message, or the limit.
    pub stopped: String,
    /// Price per hour of the ECI replicas (ECI prices' currency), when known.
    pub eci_price_per_hour: Option<f64>,
    /// Currency of the price.
    pub currency: String,
}

impl Capacity {
    /// Replicas per node: `(node, zone, eci, count)`, by node name.
    pub fn per_node(&self) -> Vec<(String, Option<String>, bool, usize)> {
        let mut m: BTreeMap<&str, (Option<String>, bool, usize)> = BTreeMap::new();
        for l in &self.placed {
            m.entry(&l.node).or_insert((l.zone.clone(), l.eci, 0)).2 += 1;
        }
        m.into_iter()
            .map(|(n, (z, e, c))| (n.to_string(), z, e, c))
            .collect()
    }

    /// Replicas per zone: `(zone, on ECS, on ECI)`.
    pub fn per_zone(&self) -> Vec<(String, usize, usize)> {
        let mut m: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        for l in &self.placed {
            let e = m
                .entry(l.zone.clone().unwrap_or_else(|| "<none>".into()))
                .or_default();
            if l.eci {
                e.1 += 1;
            } else {
                e.0 += 1;
            }
        }
        m.into_iter().map(|(z, (a, b))| (z, a, b)).collect()
    }
}

/// Places up to `max` new replicas of `probe` after the scenario's own incoming pods.
///
/// # Errors
/// An unknown workload, a probe the admission or conversion rejects.
pub fn capacity(scenario: &Scenario, probe: &Probe, max: usize) -> Result<Capacity, LoadError> {
    let at = |e: FieldError| e.at(&scenario.path);
    let probes = probe_pods(scenario, probe, max).map_err(at)?;
    let run = place(scenario, &probes, &[])?;
    let table = scenario.spec_table().map_err(at)?;
    let mut out = Capacity {
        placed: Vec::new(),
        ecs_before_overflow: 0,
        ecs: 0,
        eci: 0,
        stopped: format!("the limit of {max} replicas"),
        eci_price_per_hour: Some(0.0),
        currency: scenario.ack.eci.prices.currency.clone(),
    };
    for (pod, result) in probes.iter().zip(run) {
        let Ok(landing) = result else {
            if let Err(message) = result {
                out.stopped = format!("{}: {message}", crate::admission::pod_key(pod));
            }
            break;
        };
        if landing.eci {
            out.eci += 1;
            let price = specs::size(pod, &table, &scenario.ack)
                .ok()
                .and_then(|s| s.price_per_second);
            out.eci_price_per_hour = match (out.eci_price_per_hour, price) {
                (Some(total), Some(p)) => Some(total + p * 3600.0),
                _ => None,
            };
        } else {
            out.ecs += 1;
            if out.eci == 0 {
                out.ecs_before_overflow += 1;
            }
        }
        out.placed.push(landing);
    }
    Ok(out)
}

/// The answer of [`nodes_needed`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodesNeeded {
    /// The least number of template nodes that keeps every replica on ECS;
    /// `None` when even one node per replica does not.
    pub nodes: Option<usize>,
    /// Every count tried, with how many replicas did not land on ECS.
    pub tried: Vec<(usize, usize)>,
    /// The template's instance type (label `node.kubernetes.io/instance-type`).
    pub instance_type: Option<String>,
    /// Its hourly price from `ack.instanceTypes`, when known.
    pub node_price_per_hour: Option<f64>,
}

/// The least number of ECS nodes like `template` that, added to the cluster
/// (round-robin over `zones` when given), keeps `replicas` new replicas of
/// `probe` off ECI and out of Pending: an exponential then binary search over
/// the count, each step an exact placement.
///
/// # Errors
/// As [`capacity`], and a template that does not convert.
pub fn nodes_needed(
    scenario: &Scenario,
    probe: &Probe,
    template: &k::Node,
    zones: &[String],
    replicas: usize,
) -> Result<NodesNeeded, LoadError> {
    let at = |e: FieldError| e.at(&scenario.path);
    let probes = probe_pods(scenario, probe, replicas).map_err(at)?;
    let instance_type = template
        .metadata
        .labels
        .as_ref()
        .and_then(|l| l.get(INSTANCE_TYPE_LABEL))
        .cloned();
    let node_price_per_hour = instance_type
        .as_ref()
        .and_then(|t| scenario.ack.instance_types.get(t))
        .and_then(|t| t.price_per_hour);
    let answer = |nodes, tried| NodesNeeded {
        nodes,
        tried,
        instance_type: instance_type.clone(),
        node_price_per_hour,
    };
    let mut tried = Vec::new();
    let mut off_ecs = |count: usize| -> Result<usize, LoadError> {
        let extra = clones(template, zones, count);
        let run = place(scenario, &probes, &extra)?;
        let off = run.iter().filter(|r| !matches!(r, Ok(l) if !l.eci)).count();
        tried.push((count, off));
        Ok(off)
    };
    if off_ecs(0)? == 0 {
        return Ok(answer(Some(0), tried));
    }
    // Exponential search for a count that works, then binary search below it.
    let (mut low, mut high) = (0usize, 1usize);
    loop {
        if off_ecs(high)? == 0 {
            break;
        }
        if high >= replicas.max(1) {
            return Ok(answer(None, tried));
        }
        low = high;
        high = (high * 2).min(replicas.max(1));
    }
    while high - low > 1 {
        let mid = low + (high - low) / 2;
        if off_ecs(mid)? == 0 {
            high = mid;
        } else {
            low = mid;
        }
    }
    Ok(answer(Some(high), tried))
}

/// The label naming an ECS node's instance type.
pub const INSTANCE_TYPE_LABEL: &str = "node.kubernetes.io/instance-type";

/// `count` copies of a node, named `<template>-new-<i>`, zones round-robin.
fn clones(template: &k::Node, zones: &[String], count: usize) -> Vec<k::Node> {
    let base = template
        .metadata
        .name
        .clone()
        .unwrap_or_else(|| "node".into());
    (1..=count)
        .map(|i| {
            let mut n = template.clone();
            let name = format!("{base}-new-{i}");
            n.metadata.name = Some(name.clone());
            n.metadata.uid = None;
            let labels = n.metadata.labels.get_or_insert_with(BTreeMap::new);
            labels.insert("kubernetes.io/hostname".into(), name);
            if !zones.is_empty() {
                let zone = zones[(i - 1) % zones.len()].clone();
                labels.insert(ZONE_LABEL.into(), zone.clone());
                labels.insert("failure-domain.beta.kubernetes.io/zone".into(), zone);
            }
            // A new node has pulled no image yet.
            if let Some(status) = n.status.as_mut() {
                status.images = None;
            }
            n
        })
        .collect()
}

/// Places the scenario's incoming pods, then the probes, on the scenario's nodes
/// plus `extra`; the probes' landings, or the message of the first Pending one
/// (and nothing after it).
fn place(
    scenario: &Scenario,
    probes: &[k::Pod],
    extra: &[k::Node],
) -> Result<Vec<Result<Landing, String>>, LoadError> {
    let at = |e: FieldError| e.at(&scenario.path);
    let mut spec: ClusterSpec = scenario.to_cluster_spec()?;
    for n in extra {
        spec.nodes.push(crate::convert::node(n).map_err(at)?);
    }
    let first_probe = spec.incoming.len();
    for p in probes {
        spec.incoming.push(scenario.spec_pod(p).map_err(at)?);
    }
    let snapshot = Cluster::compile(&spec).map_err(|source| LoadError::Compile {
        path: scenario.path.clone(),
        source,
    })?;
    let cluster = &snapshot.cluster;
    let scheduler = Scheduler::new(cluster, Profile::default());
    let mut placer = Placer::new(&scheduler);
    let mut state = snapshot.state.clone();
    let mut tie = TieBreaker::new(TieBreak::Name);
    let mut out = Vec::with_capacity(probes.len());
    for (i, &pod) in snapshot.incoming.iter().enumerate() {
        let node = placer.place(&mut state, pod, &mut tie);
        if i < first_probe {
            continue;
        }
        let Some(node) = node else {
            let message = scheduler
                .evaluate(&state, pod)
                .message(cluster)
                .unwrap_or_else(|| "not schedulable".into());
            out.push(Err(message));
            break;
        };
        let name = cluster.node_name(node).to_string();
        let eci = virtual_node::node_kind_of_labels(
            scenario
                .nodes
                .iter()
                .chain(extra)
                .find(|n| n.metadata.name.as_deref() == Some(name.as_str()))
                .and_then(|n| n.metadata.labels.as_ref()),
        )
        .is_virtual();
        out.push(Ok(Landing {
            pod: cluster.pod_key(pod),
            zone: cluster.node_label(node, ZONE_LABEL).map(str::to_string),
            node: name,
            eci,
        }));
    }
    Ok(out)
}

/// `count` new replicas of the probe, admitted as the cluster would admit them.
fn probe_pods(scenario: &Scenario, probe: &Probe, count: usize) -> Result<Vec<k::Pod>, FieldError> {
    match probe {
        Probe::Pod(pod) => {
            let mut pods: Vec<k::Pod> = (1..=count)
                .map(|i| {
                    let mut p = (**pod).clone();
                    let name = p.metadata.name.clone().unwrap_or_else(|| "probe".into());
                    p.metadata.name = Some(format!("{name}-{i}"));
                    if let Some(spec) = p.spec.as_mut() {
                        spec.node_name = None;
                    }
                    p.status = None;
                    p
                })
                .collect();
            let ctx = scenario.eci_context()?;
            let table = scenario.spec_table()?;
            for p in &mut pods {
                scenario.admit_pod(p, &ctx, &table)?;
            }
            Ok(pods)
        }
        Probe::Workload(name) => {
            let w = scenario.workload(name)?;
            scenario.new_replicas(&w, count, &[])
        }
    }
}
