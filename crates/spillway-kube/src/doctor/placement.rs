//! Checks on where the scheduler places the incoming pods: overflow to ECI while
//! an ECS node still fits (preferred rules do not guarantee ECS first), and
//! workloads that one node or one zone failure takes down.

use std::collections::{BTreeMap, BTreeSet};

use spillway_core::{Evaluation, Profile, Scheduler, Snapshot, TieBreak, TieBreaker};

use super::reach::names;
use super::{Finding, Nodes, Severity, Workload};
use crate::ack::virtual_node::ZONE_LABEL;

pub(super) fn check(snapshot: &Snapshot, nodes: &Nodes, workloads: &[Workload]) -> Vec<Finding> {
    let cluster = &snapshot.cluster;
    let mut state = snapshot.state.clone();
    let scheduler = Scheduler::new(cluster, Profile::default());
    let mut tie = TieBreaker::new(TieBreak::Name);
    let evaluations: Vec<Evaluation> = snapshot
        .incoming
        .iter()
        .map(|&pod| scheduler.schedule(&mut state, pod, &mut tie))
        .collect();
    // Scenario node index of a compiled node (the same names).
    let index: BTreeMap<&str, usize> = nodes
        .specs
        .iter()
        .enumerate()
        .map(|(i, n)| (n.name.as_str(), i))
        .collect();
    let node_of = |ev: &Evaluation| {
        ev.assigned
            .and_then(|n| index.get(cluster.node_name(n)).copied())
    };
    let mut out = Vec::new();
    for w in workloads {
        if let Some(f) = early_overflow(cluster, nodes, w, &evaluations, &index) {
            out.push(f);
        }
        let placed: Vec<usize> = w
            .pods
            .iter()
            .filter_map(|&p| evaluations.get(p).and_then(node_of))
            .collect();
        out.extend(failure_domains(nodes, w, &placed));
    }
    out
}

/// The first pod of the workload placed on a virtual node while an ECS node was
/// feasible for it.
fn early_overflow(
    cluster: &spillway_core::Cluster,
    nodes: &Nodes,
    w: &Workload,
    evaluations: &[Evaluation],
    index: &BTreeMap<&str, usize>,
) -> Option<Finding> {
    let at = |n| index.get(cluster.node_name(n)).copied();
    for (nth, &p) in w.pods.iter().enumerate() {
        let ev = evaluations.get(p)?;
        let chosen = ev.assigned?;
        if !at(chosen).is_some_and(|i| nodes.is_virtual(i)) {
            continue;
        }
        let ecs = ev
            .feasible
            .iter()
            .filter(|s| at(s.node).is_some_and(|i| !nodes.is_virtual(i)))
            .max_by_key(|s| s.total)?;
        let won = ev.feasible.iter().find(|s| s.node == chosen)?;
        // The plugins that gave the virtual node more than the ECS node.
        let mut diff: Vec<String> = won
            .plugins
            .iter()
            .filter_map(|(plugin, _, _, w_virtual)| {
                let w_ecs = ecs
                    .plugins
                    .iter()
                    .find(|x| x.0 == *plugin)
                    .map_or(0, |x| x.3);
                (w_virtual > &w_ecs).then(|| format!("{} +{}", plugin.name(), w_virtual - w_ecs))
            })
            .collect();
        if diff.is_empty() {
            diff.push("a tie broken by node name".to_string());
        }
        let pod = cluster.pod_key(ev.pod);
        let preferred = w
            .spec
            .node_affinity
            .as_ref()
            .and_then(|a| a.preferred.as_ref())
            .is_some_and(|p| !p.is_empty());
        let against = if preferred {
            "outweigh the preferred node affinity"
        } else {
            "decide, as the pod has no preferred node affinity for ECS"
        };
        return Some(Finding {
            severity: Severity::Warning,
            check: "overflow-before-ecs-is-full",
            object: w.name.clone(),
            field: "spec.affinity".to_string(),
            problem: format!(
                "replica {} ({pod}) goes to virtual node {} (score {}) while ECS node {} still fits it (score {}): {} {against}",
                nth + 1,
                cluster.node_name(chosen),
                won.total,
                cluster.node_name(ecs.node),
                ecs.total,
                diff.join(", "),
            ),
            fix: "preferred rules do not guarantee ECS first (Alibaba Cloud says so too): to fill ECS before ECI, use an ACK ResourcePolicy (ECS unit, then ECI), or drop what outweighs the preference (e.g. hostname anti-affinity or spread); check with `spillway explain`".to_string(),
        });
    }
    None
}

/// A workload whose placed pods all share one ECS node or one zone.
fn failure_domains(nodes: &Nodes, w: &Workload, placed: &[usize]) -> Vec<Finding> {
    let mut out = Vec::new();
    if placed.len() < 2 {
        return out;
    }
    // ECI pods are separate instances: only ECS nodes are shared hardware.
    let mut per_node: BTreeMap<usize, usize> = BTreeMap::new();
    for &i in placed.iter().filter(|&&i| !nodes.is_virtual(i)) {
        *per_node.entry(i).or_default() += 1;
    }
    if let Some((&node, &count)) = per_node.iter().max_by_key(|(_, c)| **c)
        && count == placed.len()
    {
        out.push(Finding {
                severity: Severity::Error,
                check: "single-node-failure",
                object: w.name.clone(),
                field: "spec.affinity.podAntiAffinity".to_string(),
                problem: format!(
                    "all {count} replicas land on node {}: one node failure takes the workload down",
                    names(nodes, &[node])
                ),
                fix: "spread replicas over nodes: preferred pod anti-affinity on kubernetes.io/hostname (weight 100), or a topologySpreadConstraint on kubernetes.io/hostname".to_string(),
            });
    }
    let zones: BTreeSet<&str> = placed
        .iter()
        .filter_map(|&i| nodes.specs.get(i))
        .filter_map(|n| n.labels.get(ZONE_LABEL).map(String::as_str))
        .collect();
    let all_zones: BTreeSet<&str> = nodes
        .specs
        .iter()
        .filter_map(|n| n.labels.get(ZONE_LABEL).map(String::as_str))
        .collect();
    if zones.len() == 1 && all_zones.len() > 1 {
        let zone = zones.iter().next().copied().unwrap_or_default();
        out.push(Finding {
            severity: Severity::Warning,
            check: "single-zone-failure",
            object: w.name.clone(),
            field: "spec.topologySpreadConstraints".to_string(),
            problem: format!(
                "all {} replicas land in zone {zone} of {}: one zone failure takes the workload down",
                placed.len(),
                all_zones.len()
            ),
            fix: if w.eci_ordered {
                "with VSwitchOrdered (or eci-fail-strategy fail-fast) ECI follows the vSwitch list: use k8s.aliyun.com/eci-schedule-strategy: VSwitchRandom with a topologySpreadConstraint on topology.kubernetes.io/zone".to_string()
            } else {
                "spread replicas over zones: preferred pod anti-affinity or a topologySpreadConstraint on topology.kubernetes.io/zone; for ECI pods, k8s.aliyun.com/eci-vswitch with one vSwitch per zone".to_string()
            },
        });
    }
    out
}
