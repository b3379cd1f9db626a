//! Compiled inter-pod affinity terms and topology spread constraints.

use crate::error::Error;
use crate::ids::Sym;
use crate::intern::Interner;
use crate::spec::{self, SpreadPolicy, UnsatisfiableAction};

use super::selector::{At, LabelSet, Req, Selector, compile_selector, label, sort_reqs};

/// Which namespaces a pod (anti-)affinity term applies to (`AffinityTerm.Namespaces`
/// and `NamespaceSelector`): a pod's namespace matches when it is listed or its
/// labels match the selector.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Namespaces {
    pub names: Vec<Sym>,
    pub selector: Selector,
}

impl Namespaces {
    /// `names.Has(ns) || selector.Matches(nsLabels)`.
    pub(crate) fn matches(&self, ns: Sym, ns_labels: &[(Sym, Sym)], strings: &Interner) -> bool {
        self.names.binary_search(&ns).is_ok() || self.selector.matches(ns_labels, strings)
    }
}

/// A compiled `PodAffinityTerm` (`framework.AffinityTerm`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct AffinityTerm {
    pub selector: Selector,
    pub namespaces: Namespaces,
    pub topology_key: Sym,
}

impl AffinityTerm {
    /// `AffinityTerm.Matches`: the pod's namespace is in scope and its labels match.
    pub(crate) fn matches(
        &self,
        ns: Sym,
        ns_labels: &[(Sym, Sym)],
        labels: &[(Sym, Sym)],
        strings: &Interner,
    ) -> bool {
        self.namespaces.matches(ns, ns_labels, strings) && self.selector.matches(labels, strings)
    }
}

/// A pod's inter-pod affinity, compiled.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub(crate) struct PodAffinityTerms {
    pub required_affinity: Vec<AffinityTerm>,
    pub required_anti_affinity: Vec<AffinityTerm>,
    pub preferred_affinity: Vec<(i64, AffinityTerm)>,
    pub preferred_anti_affinity: Vec<(i64, AffinityTerm)>,
}

impl PodAffinityTerms {
    /// Whether the pod has any term at all.
    pub(crate) fn is_empty(&self) -> bool {
        self.required_affinity.is_empty()
            && self.required_anti_affinity.is_empty()
            && self.preferred_affinity.is_empty()
            && self.preferred_anti_affinity.is_empty()
    }
}

/// The API server's merge of `matchLabelKeys` / `mismatchLabelKeys` into the label
/// selector at pod creation (`In [value]` / `NotIn [value]` for each key the pod has).
fn merge_label_keys(
    strings: &mut Interner,
    selector: Selector,
    pod_labels: &LabelSet,
    match_keys: &[String],
    mismatch_keys: &[String],
) -> Selector {
    let Selector::Reqs(mut reqs) = selector else {
        return selector;
    };
    let mut add = |keys: &[String], negate: bool, reqs: &mut Vec<Req>| {
        for k in keys {
            let key = strings.intern(k);
            if let Some(v) = label(pod_labels, key) {
                reqs.push(if negate {
                    Req::NotIn(key, vec![v])
                } else {
                    Req::In(key, vec![v])
                });
            }
        }
    };
    add(match_keys, false, &mut reqs);
    add(mismatch_keys, true, &mut reqs);
    sort_reqs(&mut reqs);
    reqs.dedup();
    Selector::Reqs(reqs)
}

fn compile_term(
    strings: &mut Interner,
    pod_ns: Sym,
    pod_labels: &LabelSet,
    t: &spec::PodAffinityTerm,
    at: &At<'_>,
) -> Result<AffinityTerm, Error> {
    if t.topology_key.is_empty() {
        return Err(Error::invalid(
            at.object,
            format!("{}.topologyKey", at.path),
            "can not be empty",
        ));
    }
    let sel_at = At {
        object: at.object,
        path: format!("{}.labelSelector", at.path),
    };
    let selector = compile_selector(strings, t.label_selector.as_ref(), &sel_at)?;
    let selector = merge_label_keys(
        strings,
        selector,
        pod_labels,
        &t.match_label_keys,
        &t.mismatch_label_keys,
    );
    let ns_at = At {
        object: at.object,
        path: format!("{}.namespaceSelector", at.path),
    };
    let ns_selector = compile_selector(strings, t.namespace_selector.as_ref(), &ns_at)?;
    // getNamespacesFromPodAffinityTerm: no namespaces and no selector means the pod's own.
    let mut names: Vec<Sym> = if t.namespaces.is_empty() && t.namespace_selector.is_none() {
        vec![pod_ns]
    } else {
        t.namespaces.iter().map(|n| strings.intern(n)).collect()
    };
    names.sort_unstable();
    names.dedup();
    Ok(AffinityTerm {
        selector,
        namespaces: Namespaces {
            names,
            selector: ns_selector,
        },
        topology_key: strings.intern(&t.topology_key),
    })
}

fn compile_weight(object: &str, path: &str, w: i32) -> Result<i64, Error> {
    if !(1..=100).contains(&w) {
        return Err(Error::invalid(
            object,
            format!("{path}.weight"),
            "must be in the range 1-100",
        ));
    }
    Ok(i64::from(w))
}

/// Compiles a pod's `podAffinity` and `podAntiAffinity`.
pub(crate) fn compile_affinity(
    strings: &mut Interner,
    object: &str,
    pod_ns: Sym,
    pod_labels: &LabelSet,
    pod: &spec::Pod,
) -> Result<PodAffinityTerms, Error> {
    let mut out = PodAffinityTerms::default();
    for (anti, a) in [(false, &pod.pod_affinity), (true, &pod.pod_anti_affinity)] {
        let Some(a) = a else { continue };
        let base = if anti {
            "spec.affinity.podAntiAffinity"
        } else {
            "spec.affinity.podAffinity"
        };
        for (i, t) in a.required.iter().enumerate() {
            let at = At {
                object,
                path: format!("{base}.requiredDuringSchedulingIgnoredDuringExecution[{i}]"),
            };
            let term = compile_term(strings, pod_ns, pod_labels, t, &at)?;
            if anti {
                out.required_anti_affinity.push(term)
            } else {
                out.required_affinity.push(term)
            }
        }
        for (i, t) in a.preferred.iter().enumerate() {
            let path = format!("{base}.preferredDuringSchedulingIgnoredDuringExecution[{i}]");
            let weight = compile_weight(object, &path, t.weight)?;
            let at = At {
                object,
                path: format!("{path}.podAffinityTerm"),
            };
            let term = compile_term(strings, pod_ns, pod_labels, &t.term, &at)?;
            if anti {
                out.preferred_anti_affinity.push((weight, term));
            } else {
                out.preferred_affinity.push((weight, term));
            }
        }
    }
    Ok(out)
}

/// A compiled topology spread constraint (`topologySpreadConstraint`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct SpreadConstraint {
    pub max_skew: i64,
    pub topology_key: Sym,
    pub selector: Selector,
    pub min_domains: i64,
    /// `nodeAffinityPolicy: Honor` (the default).
    pub honor_node_affinity: bool,
    /// `nodeTaintsPolicy: Honor` (default `Ignore`).
    pub honor_node_taints: bool,
}

/// A pod's spread constraints split by `whenUnsatisfiable`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub(crate) struct Spread {
    /// `DoNotSchedule` constraints: PodTopologySpread's filter.
    pub hard: Vec<SpreadConstraint>,
    /// `ScheduleAnyway` constraints: its score.
    pub soft: Vec<SpreadConstraint>,
    /// Whether the pod sets any constraint (then system defaults do not apply).
    pub has_own: bool,
    /// The selector of the system default constraints (`helper.DefaultSelector`),
    /// when not empty.
    pub default_selector: Option<Selector>,
}

/// Compiles `topologySpreadConstraints` (validated like the API server does) and the
/// default spread selector.
pub(crate) fn compile_spread(
    strings: &mut Interner,
    object: &str,
    pod_labels: &LabelSet,
    pod: &spec::Pod,
) -> Result<Spread, Error> {
    let mut out = Spread {
        has_own: !pod.topology_spread_constraints.is_empty(),
        ..Spread::default()
    };
    for (i, c) in pod.topology_spread_constraints.iter().enumerate() {
        let path = format!("spec.topologySpreadConstraints[{i}]");
        if c.max_skew <= 0 {
            return Err(Error::invalid(
                object,
                format!("{path}.maxSkew"),
                "must be greater than zero",
            ));
        }
        if c.topology_key.is_empty() {
            return Err(Error::invalid(
                object,
                format!("{path}.topologyKey"),
                "can not be empty",
            ));
        }
        if let Some(m) = c.min_domains {
            if m <= 0 {
                return Err(Error::invalid(
                    object,
                    format!("{path}.minDomains"),
                    "must be greater than zero",
                ));
            }
            if c.when_unsatisfiable != UnsatisfiableAction::DoNotSchedule {
                return Err(Error::invalid(
                    object,
                    format!("{path}.minDomains"),
                    "can only use minDomains if whenUnsatisfiable=DoNotSchedule",
                ));
            }
        }
        let at = At {
            object,
            path: format!("{path}.labelSelector"),
        };
        let selector = compile_selector(strings, c.label_selector.as_ref(), &at)?;
        let selector = merge_label_keys(strings, selector, pod_labels, &c.match_label_keys, &[]);
        let constraint = SpreadConstraint {
            max_skew: i64::from(c.max_skew),
            topology_key: strings.intern(&c.topology_key),
            selector,
            min_domains: i64::from(c.min_domains.unwrap_or(1)),
            honor_node_affinity: c.node_affinity_policy != Some(SpreadPolicy::Ignore),
            honor_node_taints: c.node_taints_policy == Some(SpreadPolicy::Honor),
        };
        match c.when_unsatisfiable {
            UnsatisfiableAction::DoNotSchedule => out.hard.push(constraint),
            UnsatisfiableAction::ScheduleAnyway => out.soft.push(constraint),
        }
    }
    if let Some(sel) = &pod.default_spread_selector {
        let at = At {
            object,
            path: "(default spread selector)".into(),
        };
        let compiled = compile_selector(strings, Some(sel), &at)?;
        if !compiled.is_everything() {
            out.default_selector = Some(compiled);
        }
    }
    Ok(out)
}
