//! Compiled pod templates: everything the plugins read from a pod, validated and
//! interned once and shared by every pod with the same scheduling-relevant spec.

use crate::error::Error;
use crate::ids::Sym;
use crate::intern::Interner;
use crate::spec::{self, Pod, TaintEffect, TolerationOperator};

use super::affinity::{PodAffinityTerms, Spread, compile_affinity, compile_spread};
use super::resources::{self, Res, Scalars};
use super::selector::{At, LabelSet, Req, Term, compile_labels, compile_term, sort_reqs};

/// A compiled toleration (`v1.Toleration.ToleratesTaint`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Toleration {
    /// `None`: an empty key, which matches every key.
    pub key: Option<Sym>,
    /// `None`: `Exists`; `Some(v)`: `Equal` to `v`.
    pub value: Option<Sym>,
    /// `None`: every effect.
    pub effect: Option<TaintEffect>,
}

impl Toleration {
    #[inline]
    pub(crate) fn tolerates(&self, key: Sym, value: Sym, effect: TaintEffect) -> bool {
        self.effect.is_none_or(|e| e == effect)
            && self.key.is_none_or(|k| k == key)
            && self.value.is_none_or(|v| v == value)
    }
}

/// A host port a container asks for, sanitised (`0.0.0.0` and `TCP` defaults).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct HostPort {
    pub ip: String,
    pub protocol: String,
    pub port: i32,
}

/// `0.0.0.0`: a host port bound on every address.
pub(crate) const BIND_ALL: &str = "0.0.0.0";

/// Node names a NodeAffinity PreFilter narrows the candidates to (`PreFilterResult`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum NodeNames {
    /// No narrowing.
    All,
    /// Exactly these names (sorted); empty means the terms conflict.
    Some(Vec<String>),
}

/// The compiled, scheduling-relevant part of a pod spec.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Template {
    pub namespace: Sym,
    pub labels: LabelSet,
    pub scheduling_gates: Vec<String>,
    /// Exact requests (`PodRequests`): what NodeResourcesFit filters on and what a
    /// placed pod adds to `NodeInfo.Requested`.
    pub requests: Res,
    /// Requests with the non-missing cpu/memory defaults (`NodeInfo.NonZeroRequested`
    /// and the scorers with `useRequested=false`).
    pub nonzero_requests: Res,
    /// Requests with the cpu/memory defaults applied to every container that lacks
    /// them, as the resource scorers with `useRequested=false` compute them.
    pub score_requests: Res,
    pub host_ports: Vec<HostPort>,
    pub tolerations: Vec<Toleration>,
    /// Whether the tolerations tolerate `node.kubernetes.io/unschedulable:NoSchedule`.
    pub tolerates_unschedulable: bool,
    /// Whether NodeAffinity's PreFilter runs (some nodeSelector or required affinity).
    pub node_affinity_filter: bool,
    /// `spec.nodeSelector` as requirements.
    pub node_selector: Vec<Req>,
    /// Required node affinity terms, ORed; `None` when unset. `Some(empty)` matches no node.
    pub required_terms: Option<Vec<Term>>,
    pub prefilter_node_names: NodeNames,
    /// Preferred node affinity; `None` lets NodeAffinity skip PreScore.
    pub preferred_terms: Option<Vec<(i64, Term)>>,
    /// Normalised image names of init and regular containers, in that order.
    pub images: Vec<Sym>,
    pub num_containers: usize,
    pub priority: i32,
    pub preemption_never: bool,
    /// Inter-pod affinity terms.
    pub pod_affinity: PodAffinityTerms,
    /// Topology spread constraints.
    pub spread: Spread,
}

/// `v1.TaintNodeUnschedulable`.
pub(crate) const TAINT_NODE_UNSCHEDULABLE: &str = "node.kubernetes.io/unschedulable";

/// ImageLocality's `normalizedImageName`: adds `:latest` when no tag is given.
pub(crate) fn normalized_image_name(name: &str) -> String {
    let colon = name.rfind(':');
    let slash = name.rfind('/');
    if colon.map_or(-1, |c| c as i64) <= slash.map_or(-1, |s| s as i64) {
        format!("{name}:latest")
    } else {
        name.to_string()
    }
}

pub(crate) fn compile(
    strings: &mut Interner,
    scalars: &mut Scalars,
    pod: &Pod,
) -> Result<Template, Error> {
    let object = format!("pod {}", pod.key());
    let object = object.as_str();
    resources::validate_containers(object, "spec.containers", &pod.containers)?;
    resources::validate_containers(object, "spec.initContainers", &pod.init_containers)?;
    if let Some(o) = &pod.overhead {
        resources::validate_requests(object, "spec.overhead", o)?;
    }
    if let Some(r) = &pod.pod_requests {
        resources::validate_requests(object, "spec.resources.requests", r)?;
        if let Some(name) = r.keys().find(|k| !resources::is_supported_pod_level(k)) {
            return Err(Error::invalid(
                object,
                format!("spec.resources.requests[{name}]"),
                "pod-level resources support only cpu, memory and hugepages",
            ));
        }
    }
    let exact = resources::pod_requests(pod, None);
    let defaults = resources::non_missing_defaults(pod, &exact);
    let nonzero = resources::pod_requests(pod, Some(&defaults));
    let scoring = resources::pod_requests(pod, Some(&resources::scoring_defaults()));

    let mut host_ports = Vec::new();
    let sidecars = pod
        .init_containers
        .iter()
        .enumerate()
        .filter(|(_, c)| c.restart_policy_always);
    let with_paths = sidecars
        .map(|(i, c)| (format!("spec.initContainers[{i}]"), c))
        .chain(
            pod.containers
                .iter()
                .enumerate()
                .map(|(i, c)| (format!("spec.containers[{i}]"), c)),
        );
    for (path, c) in with_paths {
        for (pi, p) in c.ports.iter().enumerate() {
            if !(0..=65535).contains(&p.host_port) {
                return Err(Error::invalid(
                    object,
                    format!("{path}.ports[{pi}].hostPort"),
                    "must be between 0 and 65535, inclusive",
                ));
            }
            if p.host_port == 0 {
                continue;
            }
            host_ports.push(HostPort {
                ip: if p.host_ip.is_empty() {
                    BIND_ALL.into()
                } else {
                    p.host_ip.clone()
                },
                protocol: if p.protocol.is_empty() {
                    "TCP".into()
                } else {
                    p.protocol.clone()
                },
                port: p.host_port,
            });
        }
    }

    let mut tolerations = Vec::with_capacity(pod.tolerations.len());
    for (i, t) in pod.tolerations.iter().enumerate() {
        let value = match t.operator {
            TolerationOperator::Exists => {
                if !t.value.is_empty() {
                    return Err(Error::invalid(
                        object,
                        format!("spec.tolerations[{i}].value"),
                        "must be empty when `operator` is 'Exists'",
                    ));
                }
                None
            }
            TolerationOperator::Equal => {
                if t.key.is_empty() {
                    return Err(Error::invalid(
                        object,
                        format!("spec.tolerations[{i}].operator"),
                        "must be 'Exists' when `key` is empty, which means \"match all values and all keys\"",
                    ));
                }
                Some(strings.intern(&t.value))
            }
        };
        let key = (!t.key.is_empty()).then(|| strings.intern(&t.key));
        tolerations.push(Toleration {
            key,
            value,
            effect: t.effect,
        });
    }
    let unsched_key = strings.intern(TAINT_NODE_UNSCHEDULABLE);
    let empty = strings.intern("");
    let tolerates_unschedulable = tolerations
        .iter()
        .any(|t| t.tolerates(unsched_key, empty, TaintEffect::NoSchedule));

    let mut node_selector: Vec<Req> = pod
        .node_selector
        .iter()
        .flatten()
        .map(|(k, v)| Req::In(strings.intern(k), vec![strings.intern(v)]))
        .collect();
    sort_reqs(&mut node_selector);

    let na = pod.node_affinity.as_ref();
    let required = na.and_then(|a| a.required.as_ref());
    let mut required_terms = None;
    if let Some(sel) = required {
        let mut terms = Vec::with_capacity(sel.terms.len());
        for (i, t) in sel.terms.iter().enumerate() {
            let at = At {
                object,
                path: format!(
                    "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[{i}]"
                ),
            };
            if let Some(t) = compile_term(strings, t, &at)? {
                terms.push(t);
            }
        }
        required_terms = Some(terms);
    }
    let prefilter_node_names = required.map_or(NodeNames::All, prefilter_names);

    let mut preferred_terms = None;
    if let Some(prefs) = na.and_then(|a| a.preferred.as_ref()) {
        let mut terms = Vec::with_capacity(prefs.len());
        for (i, p) in prefs.iter().enumerate() {
            let path = format!(
                "spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[{i}]"
            );
            if !(0..=100).contains(&p.weight) {
                return Err(Error::invalid(
                    object,
                    format!("{path}.weight"),
                    "must be in the range 1-100",
                ));
            }
            let at = At {
                object,
                path: format!("{path}.preference"),
            };
            // NewPreferredSchedulingTerms skips zero weights and empty terms.
            if let Some(t) = compile_term(strings, &p.preference, &at)?
                && p.weight != 0
            {
                // A term labels.NewRequirement cannot parse fails PreScore, and with
                // it the scheduling cycle: reject it here.
                if let Some(Req::Unparseable(_, why)) =
                    t.exprs.iter().find(|r| matches!(r, Req::Unparseable(..)))
                {
                    return Err(Error::invalid(
                        object,
                        format!("{}.matchExpressions", at.path),
                        *why,
                    ));
                }
                terms.push((i64::from(p.weight), t));
            }
        }
        preferred_terms = Some(terms);
    }

    let images = pod
        .init_containers
        .iter()
        .chain(&pod.containers)
        .map(|c| strings.intern(&normalized_image_name(&c.image)))
        .collect();

    let namespace = strings.intern(&pod.namespace);
    let labels = compile_labels(strings, &pod.labels);
    let pod_affinity = compile_affinity(strings, object, namespace, &labels, pod)?;
    let spread = compile_spread(strings, object, &labels, pod)?;
    Ok(Template {
        namespace,
        labels,
        scheduling_gates: pod.scheduling_gates.clone(),
        requests: Res::from_list(&exact, scalars)?,
        nonzero_requests: Res::from_list(&nonzero, scalars)?,
        score_requests: Res::from_list(&scoring, scalars)?,
        host_ports,
        tolerations,
        tolerates_unschedulable,
        node_affinity_filter: required.is_some() || pod.node_selector.is_some(),
        node_selector,
        required_terms,
        prefilter_node_names,
        preferred_terms,
        images,
        num_containers: pod.init_containers.len() + pod.containers.len(),
        priority: pod.priority,
        preemption_never: pod.preemption_policy == spec::PreemptionPolicy::Never,
        pod_affinity,
        spread,
    })
}

/// NodeAffinity's PreFilter: the node names the required terms pin the pod to.
fn prefilter_names(sel: &spec::NodeSelector) -> NodeNames {
    use std::collections::BTreeSet;
    if sel.terms.is_empty() {
        return NodeNames::All;
    }
    let mut union: BTreeSet<String> = BTreeSet::new();
    for t in &sel.terms {
        let mut term_names: Option<BTreeSet<String>> = None;
        for r in &t.match_fields {
            if r.key == "metadata.name" && r.operator == spec::Operator::In {
                let s: BTreeSet<String> = r.values.iter().cloned().collect();
                term_names = Some(match term_names {
                    None => s,
                    Some(prev) => prev.intersection(&s).cloned().collect(),
                });
            }
        }
        match term_names {
            // A term without a metadata.name affinity admits every node: the terms are ORed.
            None => return NodeNames::All,
            Some(names) => union.extend(names),
        }
    }
    NodeNames::Some(union.into_iter().collect())
}
