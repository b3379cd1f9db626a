//! Cluster objects outside the pods: LoadBalancer Services sharing one SLB, and
//! virtual nodes without the taint that keeps ordinary pods off ECI.

use std::collections::BTreeMap;

use super::{Finding, Nodes, Severity};
use crate::Scenario;

/// The Service annotation that reuses an existing Alibaba Cloud load balancer.
pub(crate) const LOADBALANCER_ID: &str = "service.beta.kubernetes.io/alibaba-cloud-loadbalancer-id";

pub(super) fn check(scenario: &Scenario, nodes: &Nodes) -> Vec<Finding> {
    let mut out = Vec::new();
    // Services of type LoadBalancer, by the SLB they reuse: name and ports.
    type Listeners = Vec<(i32, String)>;
    let mut by_lb: BTreeMap<&str, Vec<(String, Listeners)>> = BTreeMap::new();
    for svc in &scenario.services {
        let spec = svc.spec.as_ref();
        if spec.and_then(|s| s.type_.as_deref()) != Some("LoadBalancer") {
            continue;
        }
        let Some(lb) = svc
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(LOADBALANCER_ID))
        else {
            continue;
        };
        let ports = spec
            .and_then(|s| s.ports.as_ref())
            .into_iter()
            .flatten()
            .map(|p| (p.port, p.protocol.clone().unwrap_or_else(|| "TCP".into())))
            .collect();
        let name = format!(
            "service/{}/{}",
            svc.metadata.namespace.as_deref().unwrap_or("default"),
            svc.metadata.name.as_deref().unwrap_or_default()
        );
        by_lb.entry(lb.as_str()).or_default().push((name, ports));
    }
    for (lb, services) in by_lb.into_iter().filter(|(_, s)| s.len() > 1) {
        let (first, first_ports) = &services[0];
        for (other, ports) in &services[1..] {
            let clash: Vec<String> = ports
                .iter()
                .filter(|p| first_ports.contains(p))
                .map(|(port, proto)| format!("{port}/{proto}"))
                .collect();
            let (severity, problem) = if clash.is_empty() {
                (
                    Severity::Warning,
                    format!(
                        "shares load balancer {lb} with {first}: one SLB failure or quota limit hits both"
                    ),
                )
            } else {
                (
                    Severity::Error,
                    format!(
                        "shares load balancer {lb} with {first} and both listen on {}: the listeners conflict and one Service's traffic goes to the other's pods",
                        clash.join(", ")
                    ),
                )
            };
            out.push(Finding {
                severity,
                check: "shared-load-balancer",
                object: other.clone(),
                field: format!("metadata.annotations[{LOADBALANCER_ID}]"),
                problem,
                fix: "give each gateway Service its own load balancer (drop the reused load balancer ID), or use distinct listener ports".to_string(),
            });
        }
    }
    for (i, node) in nodes.specs.iter().enumerate() {
        let Some((_, (key, value))) = nodes.kinds.get(i).and_then(|k| k.label_and_taint()) else {
            continue;
        };
        if !node.taints.iter().any(|t| t.key == key) {
            out.push(Finding {
                severity: Severity::Warning,
                check: "virtual-node-untainted",
                object: format!("node/{}", node.name),
                field: "spec.taints".to_string(),
                problem: format!(
                    "the virtual node lacks the taint {key}={value}:NoSchedule, so any pod may land on ECI"
                ),
                fix: format!("taint it: kubectl taint node {} {key}={value}:NoSchedule", node.name),
            });
        }
    }
    out
}
