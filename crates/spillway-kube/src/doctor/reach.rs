//! Which nodes a workload can reach: affinity and selectors that match no node,
//! taints it does not tolerate, tolerations that match nothing, and pod
//! anti-affinity where pods run on ECI only.

use spillway_core::spec::{self, TaintEffect, TolerationOperator};

use super::{Finding, Nodes, Severity, Workload};
use crate::Scenario;
use crate::ack::virtual_node::VIRTUAL_KUBELET_TAINT;

const REQUIRED: &str = "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution";
const PREFERRED: &str =
    "spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution";

/// Tolerations Kubernetes adds to every pod, which match no taint most of the time.
const DEFAULT_TOLERATIONS: [&str; 2] = [
    "node.kubernetes.io/not-ready",
    "node.kubernetes.io/unreachable",
];

pub(super) fn check(scenario: &Scenario, nodes: &Nodes, w: &Workload) -> Vec<Finding> {
    let mut out = Vec::new();
    let pod = &w.spec;
    let finding = |severity, check, field: String, problem: String, fix: String| Finding {
        severity,
        check,
        object: w.name.clone(),
        field,
        problem,
        fix,
    };
    let selector_ok = |n: &spec::Node| {
        pod.node_selector
            .iter()
            .flatten()
            .all(|(k, v)| n.labels.get(k) == Some(v))
    };
    let terms: Vec<&spec::NodeSelectorTerm> = pod
        .node_affinity
        .as_ref()
        .and_then(|a| a.required.as_ref())
        .map(|r| r.terms.iter().collect())
        .unwrap_or_default();
    let term_ok =
        |n: &spec::Node| terms.is_empty() || terms.iter().any(|t| t.matches(&n.labels, &n.name));
    // Nodes the pod's labels rules reach.
    let reach: Vec<usize> = (0..nodes.specs.len())
        .filter(|&i| selector_ok(&nodes.specs[i]) && term_ok(&nodes.specs[i]))
        .collect();

    // nodeSelector entries no node carries.
    for (key, value) in pod.node_selector.iter().flatten() {
        if !nodes.specs.iter().any(|n| n.labels.get(key) == Some(value)) {
            out.push(finding(
                Severity::Error,
                "selector-matches-no-node",
                format!("spec.nodeSelector[{key}]"),
                format!("no node has the label {key}={value}{}: the pods stay Pending", seen_values(nodes, key)),
                format!("label the intended nodes (kubectl label node NODE {key}={value}) or correct the selector"),
            ));
        }
    }
    // Required terms that match no node (not those ECI zone admission wrote).
    let admission = scenario.admission.get(&w.spec.key());
    let rewritten = admission.is_some_and(|a| a.eci.zones_restricted || a.eci.routed.is_some());
    for (i, term) in terms.iter().enumerate() {
        if nodes.specs.iter().any(|n| term.matches(&n.labels, &n.name))
            || (rewritten && !reach.is_empty())
        {
            continue;
        }
        let culprit = term.match_expressions.iter().enumerate().find(|(_, r)| {
            let one = spec::NodeSelectorTerm {
                match_expressions: vec![(*r).clone()],
                match_fields: Vec::new(),
            };
            !nodes.specs.iter().any(|n| one.matches(&n.labels, &n.name))
        });
        let (field, what) = match culprit {
            Some((j, r)) => (
                format!("{REQUIRED}.nodeSelectorTerms[{i}].matchExpressions[{j}]"),
                format!(
                    "{} {} [{}] matches no node{}",
                    r.key,
                    r.operator.as_str(),
                    r.values.join(", "),
                    seen_values(nodes, &r.key)
                ),
            ),
            None => (
                format!("{REQUIRED}.nodeSelectorTerms[{i}]"),
                "its requirements together match no node".to_string(),
            ),
        };
        let (severity, effect) = if reach.is_empty() {
            (
                Severity::Error,
                "no term matches a node: the pods stay Pending".to_string(),
            )
        } else {
            (
                Severity::Warning,
                format!(
                    "the pods can only reach the nodes of the other terms ({})",
                    names(nodes, &reach)
                ),
            )
        };
        out.push(finding(
            severity,
            "affinity-matches-no-node",
            field,
            format!("term {i}: {what}; {effect}"),
            "label the intended nodes with the term's key and value, or correct the term"
                .to_string(),
        ));
    }
    // Preferred terms that match no node carry no weight.
    let preferred = pod
        .node_affinity
        .as_ref()
        .and_then(|a| a.preferred.as_ref());
    for (i, p) in preferred.into_iter().flatten().enumerate() {
        if !nodes
            .specs
            .iter()
            .any(|n| p.preference.matches(&n.labels, &n.name))
        {
            out.push(finding(
                Severity::Warning,
                "preference-matches-no-node",
                format!("{PREFERRED}[{i}].preference"),
                format!(
                    "the preference (weight {}) matches no node, so it never counts",
                    p.weight
                ),
                "correct the preference's labels or drop it".to_string(),
            ));
        }
    }
    if reach.is_empty() {
        return out;
    }

    // Taints on the reachable nodes that the pod does not tolerate.
    let untolerated = |i: usize| -> Vec<&spec::Taint> {
        nodes.specs[i]
            .taints
            .iter()
            .filter(|t| t.effect != TaintEffect::PreferNoSchedule)
            .filter(|t| !pod.tolerations.iter().any(|tol| tol.tolerates(t)))
            .collect()
    };
    let blocked: Vec<usize> = reach
        .iter()
        .copied()
        .filter(|&i| !untolerated(i).is_empty())
        .collect();
    let open: Vec<usize> = reach
        .iter()
        .copied()
        .filter(|&i| untolerated(i).is_empty())
        .collect();
    let mut taints: Vec<&spec::Taint> = blocked.iter().flat_map(|&i| untolerated(i)).collect();
    taints.sort_by(|a, b| (&a.key, &a.value, a.effect).cmp(&(&b.key, &b.value, b.effect)));
    taints.dedup();
    for taint in taints {
        let on: Vec<usize> = blocked
            .iter()
            .copied()
            .filter(|&i| nodes.specs[i].taints.contains(taint))
            .collect();
        let virtual_only = on.iter().all(|&i| nodes.is_virtual(i));
        let near = pod
            .tolerations
            .iter()
            .enumerate()
            .find(|(_, t)| t.key == taint.key)
            .map(|(j, t)| {
                format!(
                    " (tolerations[{j}] has key {} but {} {:?}{})",
                    t.key,
                    if t.operator == TolerationOperator::Exists {
                        "operator Exists, effect"
                    } else {
                        "value"
                    },
                    if t.operator == TolerationOperator::Exists {
                        String::new()
                    } else {
                        t.value.clone()
                    },
                    t.effect
                        .map(|e| format!(", effect {}", e.as_str()))
                        .unwrap_or_default()
                )
            })
            .unwrap_or_default();
        let consequence = if open.is_empty() {
            "no reachable node is left: the pods stay Pending".to_string()
        } else if virtual_only {
            format!(
                "the pods never overflow to ECI; they only use {}",
                names(nodes, &open)
            )
        } else {
            format!(
                "the pods skip these nodes and only use {}",
                names(nodes, &open)
            )
        };
        let what = if virtual_only && taint.key == VIRTUAL_KUBELET_TAINT.0 {
            "the required terms reach virtual nodes, but the pod does not tolerate their taint"
        } else {
            "the pod's affinity reaches nodes whose taint it does not tolerate"
        };
        out.push(finding(
            if open.is_empty() {
                Severity::Error
            } else {
                Severity::Warning
            },
            "taint-not-tolerated",
            "spec.tolerations".to_string(),
            format!(
                "{what}: {} on {}{near}; {consequence}",
                taint_text(taint),
                names(nodes, &on)
            ),
            format!(
                "add the toleration {{key: {}, operator: Equal, value: {}, effect: {}}}",
                taint.key,
                taint.value,
                taint.effect.as_str()
            ),
        ));
    }

    // Tolerations that match no node's taint (typos, stale keys).
    for (j, t) in pod.tolerations.iter().enumerate() {
        if t.key.is_empty() || DEFAULT_TOLERATIONS.contains(&t.key.as_str()) {
            continue;
        }
        let any = nodes
            .specs
            .iter()
            .any(|n| n.taints.iter().any(|taint| t.tolerates(taint)));
        if !any {
            let same_key: Vec<String> = nodes
                .specs
                .iter()
                .flat_map(|n| n.taints.iter())
                .filter(|taint| taint.key == t.key)
                .map(taint_text)
                .collect();
            let hint = if same_key.is_empty() {
                String::new()
            } else {
                format!(" (nodes have {})", dedup(same_key).join(", "))
            };
            out.push(finding(
                Severity::Warning,
                "toleration-matches-no-taint",
                format!("spec.tolerations[{j}]"),
                format!(
                    "the toleration for key {} matches no node's taint{hint}",
                    t.key
                ),
                "make key, value and effect equal the node's taint, or drop the toleration"
                    .to_string(),
            ));
        }
    }

    // Pod anti-affinity where the pods can only run on ECI.
    let eci_only = open.iter().all(|&i| nodes.is_virtual(i));
    let overridden =
        admission.is_some_and(|a| a.eci.overridden.iter().any(|f| f == "podAntiAffinity"));
    let has_anti = pod
        .pod_anti_affinity
        .as_ref()
        .is_some_and(|a| !a.required.is_empty() || !a.preferred.is_empty());
    if overridden || (has_anti && eci_only && !open.is_empty()) {
        let why = if overridden {
            "ECI routing by label overrides the pod's anti-affinity"
        } else {
            "the pods can only run on ECI (virtual nodes), where pod anti-affinity does not spread them (not supported on ACK Serverless)"
        };
        out.push(finding(
            Severity::Warning,
            "anti-affinity-on-eci",
            "spec.affinity.podAntiAffinity".to_string(),
            why.to_string(),
            "spread ECI pods over zones with the annotations k8s.aliyun.com/eci-vswitch (one vSwitch per zone) and k8s.aliyun.com/eci-schedule-strategy: VSwitchRandom".to_string(),
        ));
    }
    out
}

fn taint_text(t: &spec::Taint) -> String {
    format!("{}={}:{}", t.key, t.value, t.effect.as_str())
}

/// " (nodes have KEY=a, KEY=b)" or " (no node has the key KEY)".
fn seen_values(nodes: &Nodes, key: &str) -> String {
    let values: Vec<String> = nodes
        .specs
        .iter()
        .filter_map(|n| n.labels.get(key).map(|v| format!("{key}={v}")))
        .collect();
    if values.is_empty() {
        format!(" (no node has the label key {key})")
    } else {
        format!(" (nodes have {})", dedup(values).join(", "))
    }
}

fn dedup(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v.dedup();
    v
}

/// Node names, at most five, then a count.
pub(super) fn names(nodes: &Nodes, idx: &[usize]) -> String {
    let mut list: Vec<&str> = idx
        .iter()
        .filter_map(|&i| nodes.specs.get(i))
        .map(|n| n.name.as_str())
        .collect();
    let more = list.len().saturating_sub(5);
    list.truncate(5);
    let mut text = list.join(", ");
    if more > 0 {
        text.push_str(&format!(" and {more} more"));
    }
    text
}
