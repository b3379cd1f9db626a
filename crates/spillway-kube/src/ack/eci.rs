//! ECI routing admission and zone choice, as ACK applies them before scheduling.
//!
//! - The label `alibabacloud.com/eci=true` (or the legacy `eci=true`) on a pod or
//!   on its namespace sends the pod to virtual nodes, and it has the highest
//!   priority: the pod's nodeSelector, affinity and anti-affinity and topology
//!   spread constraints are overridden (ACK, "Comparison of virtual node scheduling
//!   solutions", usage notes).
//! - `k8s.aliyun.com/eci-vswitch` lists up to 10 vSwitches (one zone each) the ECI
//!   instance may use; `k8s.aliyun.com/eci-schedule-strategy` is `VSwitchRandom`
//!   (ECI's default: requests spread over the listed vSwitches at random) or
//!   `VSwitchOrdered` (in the listed order). Topology spread and affinity are
//!   honoured for ECI pods across the listed zones, except under `VSwitchOrdered`
//!   or `k8s.aliyun.com/eci-fail-strategy: fail-fast`, where the zone follows the
//!   list (ACK, "Spread ECI pods across zones", usage notes).
//!
//! spillway models one virtual node per zone (as ACK registers them). A listed
//! vSwitch restricts the virtual nodes a pod may use to the listed zones; ECS nodes
//! are not affected. ECI inventory is not modelled, so under `VSwitchOrdered` the
//! first listed vSwitch whose zone has a virtual node is the one used.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1 as k;
use rand::SeedableRng;
use rand::seq::IndexedRandom;

use super::virtual_node::{NodeKind, ZONE_LABEL};
use crate::convert::pod_object;
use crate::error::FieldError;

/// The routing labels: current and legacy.
pub const ECI_LABELS: [&str; 2] = ["alibabacloud.com/eci", "eci"];
/// The vSwitch list annotation.
pub const VSWITCH_ANNOTATION: &str = "k8s.aliyun.com/eci-vswitch";
/// The zone strategy annotation.
pub const STRATEGY_ANNOTATION: &str = "k8s.aliyun.com/eci-schedule-strategy";
/// The failure strategy annotation.
pub const FAIL_STRATEGY_ANNOTATION: &str = "k8s.aliyun.com/eci-fail-strategy";
/// The ECI spec list annotation.
pub const USE_SPECS_ANNOTATION: &str = "k8s.aliyun.com/eci-use-specs";
/// At most this many vSwitches per pod.
pub const MAX_VSWITCHES: usize = 10;

/// How the listed vSwitches are used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// `VSwitchRandom` (the default): at random.
    Random,
    /// `VSwitchOrdered`: in the listed order.
    Ordered,
}

/// A pod's vSwitch plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VSwitchPlan {
    /// The listed vSwitches with their zones, in order.
    pub vswitches: Vec<(String, String)>,
    /// The strategy.
    pub strategy: Strategy,
    /// `eci-fail-strategy: fail-fast`.
    pub fail_fast: bool,
}

impl VSwitchPlan {
    /// Whether the zone follows the list rather than spread and affinity.
    pub fn ordered(&self) -> bool {
        self.strategy == Strategy::Ordered || self.fail_fast
    }
}

/// What the cluster offers ECI pods: the virtual node kinds present, the zones
/// that have a virtual node, and every known vSwitch's zone.
#[derive(Debug, Clone, Default)]
pub struct EciContext {
    /// Virtual node kinds present.
    pub kinds: BTreeSet<NodeKind>,
    /// Zones with at least one virtual node.
    pub zones: BTreeSet<String>,
    /// vSwitch ID → zone.
    pub vswitch_zones: BTreeMap<String, String>,
    /// Seed of `VSwitchRandom`.
    pub seed: u64,
}

/// What the ECI admission did to one pod.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EciAdmission {
    /// Why the pod was routed to virtual nodes, if it was.
    pub routed: Option<String>,
    /// The pod's vSwitch plan, if it lists vSwitches.
    pub plan: Option<VSwitchPlan>,
    /// The pod's scheduling fields that routing overrode (`nodeSelector`,
    /// `nodeAffinity`, `podAffinity`, `podAntiAffinity`,
    /// `topologySpreadConstraints`).
    pub overridden: Vec<String>,
    /// Whether the pod's required node affinity was rewritten to keep virtual
    /// nodes to the listed zones.
    pub zones_restricted: bool,
    /// The vSwitch used in each zone the pod may run ECI in.
    pub vswitch_by_zone: BTreeMap<String, String>,
    /// What was changed, for people.
    pub notes: Vec<String>,
}

/// Why a pod goes to virtual nodes by label, if it does.
pub fn routing_label(pod: &k::Pod, namespace: Option<&k::Namespace>) -> Option<String> {
    let has = |labels: Option<&BTreeMap<String, String>>| {
        ECI_LABELS.into_iter().find(|key| {
            labels
                .and_then(|l| l.get(*key))
                .is_some_and(|v| v == "true")
        })
    };
    if let Some(key) = has(pod.metadata.labels.as_ref()) {
        return Some(format!("pod label {key}=true"));
    }
    let ns = namespace?;
    has(ns.metadata.labels.as_ref()).map(|key| {
        format!(
            "namespace {} label {key}=true",
            ns.metadata.name.as_deref().unwrap_or_default()
        )
    })
}

fn annotation<'a>(pod: &'a k::Pod, key: &str) -> Option<&'a str> {
    pod.metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(key))
        .map(String::as_str)
}

/// Reads the pod's vSwitch annotations.
///
/// # Errors
/// A malformed or over-long list, an unknown vSwitch, an unknown strategy.
pub fn vswitch_plan(pod: &k::Pod, ctx: &EciContext) -> Result<Option<VSwitchPlan>, FieldError> {
    let object = pod_object(pod);
    let field = |key: &str| format!("metadata.annotations[{key}]");
    let strategy = match annotation(pod, STRATEGY_ANNOTATION) {
        None | Some("VSwitchRandom") => Strategy::Random,
        Some("VSwitchOrdered") => Strategy::Ordered,
        Some(other) => {
            return Err(FieldError::new(
                &object,
                field(STRATEGY_ANNOTATION),
                format!("{other:?}: must be VSwitchOrdered or VSwitchRandom"),
            ));
        }
    };
    let fail_fast = match annotation(pod, FAIL_STRATEGY_ANNOTATION) {
        None | Some("fail-back") => false,
        Some("fail-fast") => true,
        Some(other) => {
            return Err(FieldError::new(
                &object,
                field(FAIL_STRATEGY_ANNOTATION),
                format!("{other:?}: must be fail-back or fail-fast"),
            ));
        }
    };
    let Some(list) = annotation(pod, VSWITCH_ANNOTATION) else {
        return Ok(None);
    };
    let bad = |message: String| FieldError::new(&object, field(VSWITCH_ANNOTATION), message);
    let ids: Vec<&str> = list.split(',').map(str::trim).collect();
    if ids.len() > MAX_VSWITCHES {
        return Err(bad(format!(
            "{} vSwitches: at most {MAX_VSWITCHES} are allowed",
            ids.len()
        )));
    }
    let mut vswitches = Vec::with_capacity(ids.len());
    for id in ids {
        if id.is_empty() || id.contains(char::is_whitespace) {
            return Err(bad(format!(
                "{list:?}: expected comma-separated vSwitch IDs (vsw-...)"
            )));
        }
        if vswitches.iter().any(|(v, _): &(String, String)| v == id) {
            return Err(bad(format!("vSwitch {id} is listed twice")));
        }
        let Some(zone) = ctx.vswitch_zones.get(id) else {
            return Err(bad(format!(
                "vSwitch {id} is not declared: list it under ack.vswitches (with its zone) or on a virtual node"
            )));
        };
        vswitches.push((id.to_string(), zone.clone()));
    }
    Ok(Some(VSwitchPlan {
        vswitches,
        strategy,
        fail_fast,
    }))
}

/// Applies ECI routing and the vSwitch plan to an incoming pod.
///
/// # Errors
/// As [`vswitch_plan`], and a pod routed to ECI or limited to vSwitches whose
/// zones have no virtual node.
pub fn admit(
    pod: &mut k::Pod,
    namespace: Option<&k::Namespace>,
    ctx: &EciContext,
) -> Result<EciAdmission, FieldError> {
    let routed = routing_label(pod, namespace);
    let plan = vswitch_plan(pod, ctx)?;
    let mut out = EciAdmission {
        routed: routed.clone(),
        ..EciAdmission::default()
    };
    let object = pod_object(pod);
    // The zones the pod may run ECI in, and the vSwitch used in each.
    let zones: Option<Vec<(String, String)>> = match &plan {
        None => None,
        Some(_) if routed.is_none() && ctx.kinds.is_empty() => {
            out.notes.push(format!(
                "ECI: {VSWITCH_ANNOTATION} has no effect: the scenario has no virtual node"
            ));
            None
        }
        Some(plan) => {
            let usable: Vec<&(String, String)> = plan
                .vswitches
                .iter()
                .filter(|(_, zone)| ctx.zones.contains(zone))
                .collect();
            if usable.is_empty() {
                return Err(FieldError::new(
                    &object,
                    format!("metadata.annotations[{VSWITCH_ANNOTATION}]"),
                    "no listed vSwitch is in a zone with a virtual node",
                ));
            }
            let chosen: Vec<&(String, String)> = if plan.ordered() {
                usable[..1].to_vec()
            } else if routed.is_some() {
                // Routed pods ignore spread and affinity: ECI picks a vSwitch.
                let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(ctx.seed ^ fnv(&object));
                usable.choose(&mut rng).into_iter().copied().collect()
            } else {
                // Spread and affinity choose among the zones; the first listed
                // vSwitch of each zone serves it.
                let mut seen = BTreeSet::new();
                usable
                    .into_iter()
                    .filter(|(_, z)| seen.insert(z.clone()))
                    .collect()
            };
            Some(chosen.into_iter().cloned().collect())
        }
    };
    if let Some(zones) = &zones {
        out.vswitch_by_zone = zones.iter().map(|(v, z)| (z.clone(), v.clone())).collect();
    }
    let zone_names: Option<Vec<String>> = zones
        .as_ref()
        .map(|zs| zs.iter().map(|(_, z)| z.clone()).collect());
    if let Some(why) = &routed {
        if ctx.kinds.is_empty() {
            return Err(FieldError::new(
                &object,
                "metadata.labels",
                format!("{why} routes the pod to ECI, but the scenario has no virtual node"),
            ));
        }
        let spec = pod.spec.get_or_insert_with(k::PodSpec::default);
        let affinity = spec.affinity.as_ref();
        let dropped: Vec<&str> = [
            ("nodeSelector", spec.node_selector.is_some()),
            (
                "nodeAffinity",
                affinity.is_some_and(|a| a.node_affinity.is_some()),
            ),
            (
                "podAffinity",
                affinity.is_some_and(|a| a.pod_affinity.is_some()),
            ),
            (
                "podAntiAffinity",
                affinity.is_some_and(|a| a.pod_anti_affinity.is_some()),
            ),
            (
                "topologySpreadConstraints",
                spec.topology_spread_constraints.is_some(),
            ),
        ]
        .into_iter()
        .filter_map(|(f, set)| set.then_some(f))
        .collect();
        out.overridden = dropped.iter().map(|f| f.to_string()).collect();
        spec.node_selector = None;
        spec.topology_spread_constraints = None;
        let terms = ctx
            .kinds
            .iter()
            .filter_map(|kind| kind.label_and_taint())
            .map(|((key, value), _)| {
                let mut exprs = vec![requirement(key, "In", &[value])];
                if let Some(zones) = &zone_names {
                    exprs.push(requirement(ZONE_LABEL, "In", zones));
                }
                term(exprs)
            })
            .collect();
        spec.affinity = Some(k::Affinity {
            node_affinity: Some(k::NodeAffinity {
                required_during_scheduling_ignored_during_execution: Some(k::NodeSelector {
                    node_selector_terms: terms,
                }),
                ..k::NodeAffinity::default()
            }),
            ..k::Affinity::default()
        });
        let tolerations = spec.tolerations.get_or_insert_with(Vec::new);
        for (_, (key, _)) in ctx.kinds.iter().filter_map(|k| k.label_and_taint()) {
            if !tolerations.iter().any(|t| t.key.as_deref() == Some(key)) {
                tolerations.push(k::Toleration {
                    key: Some(key.to_string()),
                    operator: Some("Exists".to_string()),
                    effect: Some("NoSchedule".to_string()),
                    ..k::Toleration::default()
                });
            }
        }
        let mut note = format!("ECI: {why}: runs on virtual nodes");
        if !dropped.is_empty() {
            note.push_str(&format!("; overrides its {}", dropped.join(", ")));
        }
        out.notes.push(note);
    } else if let Some(zones) = &zone_names {
        restrict_virtual_zones(pod, ctx, zones);
        out.zones_restricted = true;
        out.notes.push(format!(
            "ECI: on virtual nodes only zone(s) {} (k8s.aliyun.com/eci-vswitch)",
            zones.join(", ")
        ));
    }
    if let (Some(plan), Some(zones)) = (&plan, &zone_names) {
        if plan.ordered() {
            let why = if plan.fail_fast {
                "eci-fail-strategy fail-fast"
            } else {
                "VSwitchOrdered"
            };
            out.notes.push(format!(
                "ECI: {why}: the zone follows the vSwitch list ({}), not spread or affinity",
                zones.join(", ")
            ));
        } else if routed.is_some() {
            out.notes.push(format!(
                "ECI: VSwitchRandom picked zone {} (seed {})",
                zones.join(", "),
                ctx.seed
            ));
        }
    }
    out.plan = plan;
    Ok(out)
}

/// Limits the pod's virtual nodes to `zones`, leaving ECS nodes as they were:
/// every required term T becomes (T and not virtual) or (T and zone in zones).
fn restrict_virtual_zones(pod: &mut k::Pod, ctx: &EciContext, zones: &[String]) {
    let spec = pod.spec.get_or_insert_with(k::PodSpec::default);
    let affinity = spec.affinity.get_or_insert_with(k::Affinity::default);
    let node_affinity = affinity
        .node_affinity
        .get_or_insert_with(k::NodeAffinity::default);
    let required = node_affinity
        .required_during_scheduling_ignored_during_execution
        .get_or_insert_with(|| k::NodeSelector {
            node_selector_terms: vec![k::NodeSelectorTerm::default()],
        });
    let not_virtual: Vec<k::NodeSelectorRequirement> = ctx
        .kinds
        .iter()
        .filter_map(|k| k.label_and_taint())
        .map(|((key, value), _)| requirement(key, "NotIn", &[value]))
        .collect();
    let in_zones = requirement(ZONE_LABEL, "In", zones);
    let mut terms = Vec::with_capacity(required.node_selector_terms.len() * 2);
    for t in required.node_selector_terms.drain(..) {
        let mut ecs = t.clone();
        ecs.match_expressions
            .get_or_insert_with(Vec::new)
            .extend(not_virtual.iter().cloned());
        let mut eci = t;
        eci.match_expressions
            .get_or_insert_with(Vec::new)
            .push(in_zones.clone());
        terms.push(ecs);
        terms.push(eci);
    }
    required.node_selector_terms = terms;
}

fn requirement<S: AsRef<str>>(key: &str, op: &str, values: &[S]) -> k::NodeSelectorRequirement {
    k::NodeSelectorRequirement {
        key: key.to_string(),
        operator: op.to_string(),
        values: Some(values.iter().map(|v| v.as_ref().to_string()).collect()),
    }
}

fn term(exprs: Vec<k::NodeSelectorRequirement>) -> k::NodeSelectorTerm {
    k::NodeSelectorTerm {
        match_expressions: Some(exprs),
        match_fields: None,
    }
}

/// FNV-1a (64-bit): a stable per-pod seed.
fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

    fn pod(labels: &[(&str, &str)], annotations: &[(&str, &str)]) -> k::Pod {
        let map = |kv: &[(&str, &str)]| {
            Some(
                kv.iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect::<BTreeMap<_, _>>(),
            )
        };
        k::Pod {
            metadata: ObjectMeta {
                name: Some("gw-1".into()),
                namespace: Some("shop".into()),
                labels: map(labels),
                annotations: map(annotations),
                ..ObjectMeta::default()
            },
            spec: Some(k::PodSpec {
                node_selector: map(&[("disk", "ssd")]),
                topology_spread_constraints: Some(vec![k::TopologySpreadConstraint {
                    max_skew: 1,
                    topology_key: ZONE_LABEL.into(),
                    when_unsatisfiable: "DoNotSchedule".into(),
                    ..k::TopologySpreadConstraint::default()
                }]),
                ..k::PodSpec::default()
            }),
            ..k::Pod::default()
        }
    }

    fn namespace(labels: &[(&str, &str)]) -> k::Namespace {
        k::Namespace {
            metadata: ObjectMeta {
                name: Some("shop".into()),
                labels: Some(
                    labels
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect(),
                ),
                ..ObjectMeta::default()
            },
            ..k::Namespace::default()
        }
    }

    fn ctx() -> EciContext {
        EciContext {
            kinds: [NodeKind::VirtualKubelet].into_iter().collect(),
            zones: ["cn-hangzhou-h", "cn-hangzhou-i"]
                .into_iter()
                .map(String::from)
                .collect(),
            vswitch_zones: [
                ("vsw-h1", "cn-hangzhou-h"),
                ("vsw-h2", "cn-hangzhou-h"),
                ("vsw-i1", "cn-hangzhou-i"),
                ("vsw-j1", "cn-hangzhou-j"),
            ]
            .into_iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect(),
            seed: 7,
        }
    }

    fn required_terms(p: &k::Pod) -> Vec<Vec<(String, String, Vec<String>)>> {
        p.spec
            .as_ref()
            .and_then(|s| s.affinity.as_ref())
            .and_then(|a| a.node_affinity.as_ref())
            .and_then(|n| {
                n.required_during_scheduling_ignored_during_execution
                    .as_ref()
            })
            .map(|r| {
                r.node_selector_terms
                    .iter()
                    .map(|t| {
                        t.match_expressions
                            .iter()
                            .flatten()
                            .map(|e| {
                                (
                                    e.key.clone(),
                                    e.operator.clone(),
                                    e.values.clone().unwrap_or_default(),
                                )
                            })
                            .collect()
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn the_label_on_the_pod_or_namespace_routes_to_virtual_nodes() {
        assert_eq!(
            routing_label(&pod(&[("alibabacloud.com/eci", "true")], &[]), None).as_deref(),
            Some("pod label alibabacloud.com/eci=true")
        );
        assert_eq!(
            routing_label(&pod(&[], &[]), Some(&namespace(&[("eci", "true")]))).as_deref(),
            Some("namespace shop label eci=true")
        );
        assert_eq!(
            routing_label(&pod(&[("alibabacloud.com/eci", "false")], &[]), None),
            None
        );
        assert_eq!(routing_label(&pod(&[], &[]), Some(&namespace(&[]))), None);
    }

    #[test]
    fn routing_overrides_selector_affinity_and_spread() {
        let mut p = pod(&[], &[]);
        let ns = namespace(&[("alibabacloud.com/eci", "true")]);
        let Ok(out) = admit(&mut p, Some(&ns), &ctx()) else {
            panic!("admit");
        };
        assert!(out.routed.is_some());
        let spec = p.spec.clone().unwrap_or_default();
        assert_eq!(spec.node_selector, None);
        assert_eq!(spec.topology_spread_constraints, None);
        assert_eq!(
            required_terms(&p),
            vec![vec![(
                "type".to_string(),
                "In".to_string(),
                vec!["virtual-kubelet".to_string()]
            )]]
        );
        let tolerations = spec.tolerations.unwrap_or_default();
        assert!(
            tolerations
                .iter()
                .any(|t| t.key.as_deref() == Some("virtual-kubelet.io/provider"))
        );
        assert!(out.notes[0].contains("overrides its nodeSelector, topologySpreadConstraints"));
    }

    #[test]
    fn ordered_vswitches_pick_the_first_zone_with_a_virtual_node() {
        let mut p = pod(
            &[("alibabacloud.com/eci", "true")],
            &[
                (VSWITCH_ANNOTATION, "vsw-j1, vsw-i1,vsw-h1"),
                (STRATEGY_ANNOTATION, "VSwitchOrdered"),
            ],
        );
        let Ok(out) = admit(&mut p, None, &ctx()) else {
            panic!("admit");
        };
        // vsw-j1's zone has no virtual node: the next one is used.
        assert_eq!(
            out.vswitch_by_zone,
            [("cn-hangzhou-i".to_string(), "vsw-i1".to_string())]
                .into_iter()
                .collect()
        );
        assert_eq!(
            required_terms(&p)[0][1].2,
            vec!["cn-hangzhou-i".to_string()]
        );
    }

    #[test]
    fn random_vswitches_are_seeded_for_routed_pods_and_left_to_the_scheduler_otherwise() {
        let annotations = [(VSWITCH_ANNOTATION, "vsw-h1,vsw-i1")];
        let mut a = pod(&[("eci", "true")], &annotations);
        let mut b = pod(&[("eci", "true")], &annotations);
        let (Ok(x), Ok(y)) = (admit(&mut a, None, &ctx()), admit(&mut b, None, &ctx())) else {
            panic!("admit");
        };
        assert_eq!(x.vswitch_by_zone.len(), 1);
        assert_eq!(
            x.vswitch_by_zone, y.vswitch_by_zone,
            "same seed, same pod, same pick"
        );
        // Not routed: virtual nodes limited to both zones, ECS untouched.
        let mut c = pod(&[], &annotations);
        let Ok(z) = admit(&mut c, None, &ctx()) else {
            panic!("admit");
        };
        assert_eq!(z.vswitch_by_zone.len(), 2);
        let terms = required_terms(&c);
        assert_eq!(terms.len(), 2);
        assert_eq!(
            terms[0],
            vec![(
                "type".to_string(),
                "NotIn".to_string(),
                vec!["virtual-kubelet".to_string()]
            )]
        );
        assert_eq!(
            terms[1],
            vec![(
                ZONE_LABEL.to_string(),
                "In".to_string(),
                vec!["cn-hangzhou-h".to_string(), "cn-hangzhou-i".to_string()]
            )]
        );
        // The pod's own selector and spread stay.
        assert!(c.spec.and_then(|s| s.node_selector).is_some());
    }

    #[test]
    fn bad_annotations_name_the_field() {
        let cases = [
            (
                vec![(STRATEGY_ANNOTATION, "VSwitchFastest")],
                STRATEGY_ANNOTATION,
            ),
            (
                vec![(FAIL_STRATEGY_ANNOTATION, "retry")],
                FAIL_STRATEGY_ANNOTATION,
            ),
            (
                vec![(VSWITCH_ANNOTATION, "vsw-h1,,vsw-i1")],
                VSWITCH_ANNOTATION,
            ),
            (
                vec![(VSWITCH_ANNOTATION, "vsw-h1 vsw-i1")],
                VSWITCH_ANNOTATION,
            ),
            (
                vec![(VSWITCH_ANNOTATION, "vsw-h1,vsw-h1")],
                VSWITCH_ANNOTATION,
            ),
            (
                vec![(VSWITCH_ANNOTATION, "vsw-nowhere")],
                VSWITCH_ANNOTATION,
            ),
            (
                vec![(VSWITCH_ANNOTATION, "a,b,c,d,e,f,g,h,i,j,k")],
                VSWITCH_ANNOTATION,
            ),
        ];
        for (annotations, key) in cases {
            let mut p = pod(&[], &annotations);
            let err = admit(&mut p, None, &ctx());
            assert!(
                matches!(&err, Err(e) if e.field == format!("metadata.annotations[{key}]")),
                "{annotations:?}: {err:?}"
            );
        }
        let mut lonely = pod(&[("eci", "true")], &[]);
        let err = admit(&mut lonely, None, &EciContext::default());
        assert!(matches!(err, Err(e) if e.message.contains("no virtual node")));
    }
}
