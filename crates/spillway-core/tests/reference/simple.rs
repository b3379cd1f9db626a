//! The plugins that look at one node and the incoming pod only:
//! NodeUnschedulable, NodeName, TaintToleration, NodeAffinity, NodePorts and
//! ImageLocality (`pkg/scheduler/framework/plugins/<name>/*.go`).

use std::collections::{BTreeMap, BTreeSet};

use spillway_core::spec::{ContainerPort, Node, Pod, Taint, TaintEffect, Toleration};

use super::labels::{
    has_untolerated_do_not_schedule_taint, node_selector_term_matches,
    required_node_affinity_matches, tolerations_tolerate,
};
use super::{Code, Rejection};

// ---- NodeUnschedulable -------------------------------------------------------

/// `NodeUnschedulable.Filter`.
pub fn node_unschedulable_filter(pod: &Pod, node: &Node) -> Option<Rejection> {
    if !node.unschedulable {
        return None;
    }
    let taint = Taint {
        key: "node.kubernetes.io/unschedulable".to_string(),
        value: String::new(),
        effect: TaintEffect::NoSchedule,
    };
    if tolerations_tolerate(&pod.tolerations, &taint) {
        return None;
    }
    Some(Rejection::new(
        "NodeUnschedulable",
        Code::UnschedulableAndUnresolvable,
        "node(s) were unschedulable",
    ))
}

// ---- NodeName ----------------------------------------------------------------

/// `NodeName.Filter`.
pub fn node_name_filter(pod: &Pod, node: &Node) -> Option<Rejection> {
    match pod.node_name.as_deref() {
        None | Some("") => None,
        Some(n) if n == node.name => None,
        Some(_) => Some(Rejection::new(
            "NodeName",
            Code::UnschedulableAndUnresolvable,
            "node(s) didn't match the requested node name",
        )),
    }
}

// ---- TaintToleration ---------------------------------------------------------

/// `TaintToleration.Filter`.
pub fn taint_toleration_filter(pod: &Pod, node: &Node) -> Option<Rejection> {
    if has_untolerated_do_not_schedule_taint(node, &pod.tolerations) {
        Some(Rejection::new(
            "TaintToleration",
            Code::UnschedulableAndUnresolvable,
            "node(s) had untolerated taint(s)",
        ))
    } else {
        None
    }
}

/// `TaintToleration.Score`: the number of PreferNoSchedule taints not tolerated by
/// the pod's tolerations whose effect is empty or PreferNoSchedule.
pub fn taint_toleration_score(pod: &Pod, node: &Node) -> i64 {
    let tolerations: Vec<Toleration> = pod
        .tolerations
        .iter()
        .filter(|t| t.effect.is_none() || t.effect == Some(TaintEffect::PreferNoSchedule))
        .cloned()
        .collect();
    node.taints
        .iter()
        .filter(|t| t.effect == TaintEffect::PreferNoSchedule)
        .filter(|t| !tolerations_tolerate(&tolerations, t))
        .count() as i64
}

// ---- NodeAffinity ------------------------------------------------------------

/// What `NodeAffinity.PreFilter` decided.
pub enum NodeAffinityPreFilter {
    /// Skip: no nodeSelector and no required node affinity.
    Skip,
    /// Run Filter; `Some(names)` narrows the candidate nodes.
    Run(Option<BTreeSet<String>>),
    /// The `metadata.name` terms conflict.
    Conflict,
}

/// `NodeAffinity.PreFilter`.
pub fn node_affinity_pre_filter(pod: &Pod) -> NodeAffinityPreFilter {
    let required = pod.node_affinity.as_ref().and_then(|a| a.required.as_ref());
    if required.is_none() && pod.node_selector.is_none() {
        return NodeAffinityPreFilter::Skip;
    }
    let Some(required) = required else {
        return NodeAffinityPreFilter::Run(None);
    };
    if required.terms.is_empty() {
        return NodeAffinityPreFilter::Run(None);
    }
    let mut node_names: Option<BTreeSet<String>> = None;
    for t in &required.terms {
        let mut term_names: Option<BTreeSet<String>> = None;
        for r in &t.match_fields {
            if r.key == "metadata.name" && r.operator == spillway_core::spec::Operator::In {
                let s: BTreeSet<String> = r.values.iter().cloned().collect();
                term_names = Some(match term_names {
                    None => s,
                    Some(prev) => prev.intersection(&s).cloned().collect(),
                });
            }
        }
        let Some(term_names) = term_names else {
            // A term without a metadata.name In: every node is eligible.
            return NodeAffinityPreFilter::Run(None);
        };
        node_names = Some(match node_names {
            None => term_names,
            Some(prev) => prev.union(&term_names).cloned().collect(),
        });
    }
    match node_names {
        Some(n) if n.is_empty() => NodeAffinityPreFilter::Conflict,
        other => NodeAffinityPreFilter::Run(other),
    }
}

/// `NodeAffinity.Filter`.
pub fn node_affinity_filter(pod: &Pod, node: &Node) -> Option<Rejection> {
    if required_node_affinity_matches(pod, node) {
        None
    } else {
        Some(Rejection::new(
            "NodeAffinity",
            Code::UnschedulableAndUnresolvable,
            "node(s) didn't match Pod's node affinity/selector",
        ))
    }
}

/// `NodeAffinity.PreScore`: skip unless the pod has preferred terms (a present but
/// empty list still scores).
pub fn node_affinity_scores(pod: &Pod) -> bool {
    pod.node_affinity
        .as_ref()
        .is_some_and(|a| a.preferred.is_some())
}

/// `NodeAffinity.Score`: the summed weights of the matching preferred terms.
pub fn node_affinity_score(pod: &Pod, node: &Node) -> i64 {
    let Some(terms) = pod
        .node_affinity
        .as_ref()
        .and_then(|a| a.preferred.as_ref())
    else {
        return 0;
    };
    terms
        .iter()
        .filter(|t| t.weight != 0)
        .filter(|t| node_selector_term_matches(&t.preference, node))
        .map(|t| i64::from(t.weight))
        .sum()
}

// ---- NodePorts ---------------------------------------------------------------

/// `schedutil.GetHostPorts`: host ports of containers and of restartable init
/// containers.
pub fn host_ports(pod: &Pod) -> Vec<ContainerPort> {
    let mut ports = Vec::new();
    for c in &pod.init_containers {
        if !c.restart_policy_always {
            continue;
        }
        ports.extend(c.ports.iter().filter(|p| p.host_port > 0).cloned());
    }
    for c in &pod.containers {
        ports.extend(c.ports.iter().filter(|p| p.host_port > 0).cloned());
    }
    ports
}

/// `HostPortInfo`: ip -> set of (protocol, port).
pub type HostPortInfo = BTreeMap<String, BTreeSet<(String, i32)>>;

fn sanitize(ip: &str, protocol: &str) -> (String, String) {
    let ip = if ip.is_empty() { "0.0.0.0" } else { ip };
    let protocol = if protocol.is_empty() { "TCP" } else { protocol };
    (ip.to_string(), protocol.to_string())
}

/// `NodeInfo.UsedPorts` from the pods on a node.
pub fn used_ports<'a>(pods: impl Iterator<Item = &'a Pod>) -> HostPortInfo {
    let mut info = HostPortInfo::new();
    for p in pods {
        for port in host_ports(p) {
            if port.host_port <= 0 {
                continue;
            }
            let (ip, proto) = sanitize(&port.host_ip, &port.protocol);
            info.entry(ip).or_default().insert((proto, port.host_port));
        }
    }
    info
}

/// `HostPortInfo.CheckConflict`.
fn check_conflict(info: &HostPortInfo, ip: &str, protocol: &str, port: i32) -> bool {
    if port <= 0 {
        return false;
    }
    let (ip, proto) = sanitize(ip, protocol);
    let pp = (proto, port);
    if ip == "0.0.0.0" {
        return info.values().any(|m| m.contains(&pp));
    }
    ["0.0.0.0".to_string(), ip]
        .iter()
        .any(|k| info.get(k).is_some_and(|m| m.contains(&pp)))
}

/// `NodePorts.Filter`.
pub fn node_ports_filter(wanted: &[ContainerPort], in_use: &HostPortInfo) -> Option<Rejection> {
    for p in wanted {
        if check_conflict(in_use, &p.host_ip, &p.protocol, p.host_port) {
            return Some(Rejection::new(
                "NodePorts",
                Code::Unschedulable,
                "node(s) didn't have free ports for the requested pod ports",
            ));
        }
    }
    None
}

// ---- ImageLocality -----------------------------------------------------------

const MB: i64 = 1024 * 1024;
const MIN_THRESHOLD: i64 = 23 * MB;
const MAX_CONTAINER_THRESHOLD: i64 = 1000 * MB;

/// `normalizedImageName`.
fn normalized_image_name(name: &str) -> String {
    let colon = name.rfind(':').map(|i| i as i64).unwrap_or(-1);
    let slash = name.rfind('/').map(|i| i as i64).unwrap_or(-1);
    if colon <= slash {
        format!("{name}:latest")
    } else {
        name.to_string()
    }
}

/// The scheduler cache's image states: image name -> (size of the first node
/// reporting it, number of nodes reporting it).
pub fn image_states(nodes: &[Node]) -> BTreeMap<String, (i64, i64)> {
    let mut sizes: BTreeMap<String, i64> = BTreeMap::new();
    let mut holders: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for n in nodes {
        for img in &n.images {
            for name in &img.names {
                sizes.entry(name.clone()).or_insert(img.size_bytes);
                holders
                    .entry(name.clone())
                    .or_default()
                    .insert(n.name.clone());
            }
        }
    }
    sizes
        .into_iter()
        .map(|(k, s)| {
            let c = holders[&k].len() as i64;
            (k, (s, c))
        })
        .collect()
}

/// `ImageLocality.Score`.
pub fn image_locality_score(
    pod: &Pod,
    node: &Node,
    states: &BTreeMap<String, (i64, i64)>,
    total_nodes: usize,
) -> i64 {
    let on_node: BTreeSet<&String> = node.images.iter().flat_map(|i| i.names.iter()).collect();
    let mut sum: i64 = 0;
    for c in pod.init_containers.iter().chain(pod.containers.iter()) {
        let name = normalized_image_name(&c.image);
        if on_node.contains(&name) {
            let (size, num_nodes) = states[&name];
            let spread = num_nodes as f64 / total_nodes as f64;
            sum += (size as f64 * spread) as i64;
        }
    }
    let num_containers = (pod.init_containers.len() + pod.containers.len()) as i64;
    let max_threshold = MAX_CONTAINER_THRESHOLD * num_containers;
    if sum < MIN_THRESHOLD {
        sum = MIN_THRESHOLD;
    } else if sum > max_threshold {
        sum = max_threshold;
    }
    100 * (sum - MIN_THRESHOLD) / (max_threshold - MIN_THRESHOLD)
}

/// `helper.DefaultNormalizeScore`.
pub fn default_normalize_score(max_priority: i64, reverse: bool, scores: &mut [i64]) {
    let max_count = scores.iter().copied().fold(0, i64::max);
    if max_count == 0 {
        if reverse {
            for s in scores.iter_mut() {
                *s = max_priority;
            }
        }
        return;
    }
    for s in scores.iter_mut() {
        let mut v = max_priority * *s / max_count;
        if reverse {
            v = max_priority - v;
        }
        *s = v;
    }
}
