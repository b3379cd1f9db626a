//! Label selectors, node selectors and taints, as apimachinery and
//! component-helpers evaluate them.
//!
//! Upstream sources ported here:
//! * `apimachinery/pkg/labels/selector.go` (`Requirement.Matches`, `Selector.Empty`,
//!   `Nothing()`, `Everything()`),
//! * `apimachinery/pkg/apis/meta/v1/helpers.go` (`LabelSelectorAsSelector`),
//! * `component-helpers/scheduling/corev1/nodeaffinity/nodeaffinity.go`
//!   (`nodeSelectorTerm.match`, `LazyErrorNodeSelector.Match`,
//!   `GetRequiredNodeAffinity`),
//! * `component-helpers/scheduling/corev1/helpers.go` (`ToleratesTaint`,
//!   `FindMatchingUntoleratedTaint`).

use spillway_core::spec::{
    LabelSelector, Labels, Node, NodeSelectorTerm, Operator, Pod, Requirement, Taint, TaintEffect,
    Toleration, TolerationOperator,
};

/// A parsed `labels.Selector`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    /// `labels.Nothing()`: matches nothing; `Empty()` is false.
    Nothing,
    /// An `internalSelector`: the requirements ANDed. No requirements is
    /// `labels.Everything()`, which matches everything and whose `Empty()` is true.
    Requirements(Vec<Requirement>),
}

impl Selector {
    /// `labels.Everything()`.
    pub fn everything() -> Selector {
        Selector::Requirements(Vec::new())
    }

    /// `metav1.LabelSelectorAsSelector`: nil is Nothing, `{}` is Everything.
    pub fn from_label_selector(s: Option<&LabelSelector>) -> Selector {
        let Some(s) = s else {
            return Selector::Nothing;
        };
        let mut reqs = Vec::new();
        for (k, v) in &s.match_labels {
            reqs.push(Requirement {
                key: k.clone(),
                operator: Operator::In,
                values: vec![v.clone()],
            });
        }
        reqs.extend(s.match_expressions.iter().cloned());
        Selector::Requirements(reqs)
    }

    /// `labels.Selector.Matches`.
    pub fn matches(&self, labels: &Labels) -> bool {
        match self {
            Selector::Nothing => false,
            Selector::Requirements(reqs) => reqs.iter().all(|r| requirement_matches(r, labels)),
        }
    }

    /// `labels.Selector.Empty()`: true only for a selector without requirements
    /// (Everything); false for Nothing.
    pub fn is_empty(&self) -> bool {
        match self {
            Selector::Nothing => false,
            Selector::Requirements(reqs) => reqs.is_empty(),
        }
    }
}

/// `labels.Requirement.Matches`.
pub fn requirement_matches(r: &Requirement, labels: &Labels) -> bool {
    let value = labels.get(&r.key);
    match r.operator {
        Operator::In => value.is_some_and(|v| r.values.contains(v)),
        Operator::NotIn => value.is_none_or(|v| !r.values.contains(v)),
        Operator::Exists => value.is_some(),
        Operator::DoesNotExist => value.is_none(),
        Operator::Gt | Operator::Lt => {
            // strconv.ParseInt(value, 10, 64) on both sides; any failure: no match.
            let Some(v) = value else {
                return false;
            };
            let Ok(lhs) = v.parse::<i64>() else {
                return false;
            };
            if r.values.len() != 1 {
                return false;
            }
            let Ok(rhs) = r.values[0].parse::<i64>() else {
                return false;
            };
            if r.operator == Operator::Gt {
                lhs > rhs
            } else {
                lhs < rhs
            }
        }
    }
}

/// `nodeSelectorTerm.match`: matchExpressions over labels, matchFields over
/// `metadata.name`, ANDed; an empty term matches nothing.
pub fn node_selector_term_matches(term: &NodeSelectorTerm, node: &Node) -> bool {
    if term.match_expressions.is_empty() && term.match_fields.is_empty() {
        return false;
    }
    // nodeSelectorRequirementsAsSelector: only the six known operators parse; In/NotIn
    // need values, Exists/DoesNotExist none, Gt/Lt one integer. A parse error makes
    // the whole term not match.
    for r in &term.match_expressions {
        let ok = match r.operator {
            Operator::In | Operator::NotIn => !r.values.is_empty(),
            Operator::Exists | Operator::DoesNotExist => r.values.is_empty(),
            Operator::Gt | Operator::Lt => {
                r.values.len() == 1 && r.values[0].parse::<i64>().is_ok()
            }
        };
        if !ok {
            return false;
        }
    }
    if !term.match_expressions.is_empty()
        && !term
            .match_expressions
            .iter()
            .all(|r| requirement_matches(r, &node.labels))
    {
        return false;
    }
    // nodeSelectorRequirementsAsFieldSelector: In/NotIn with exactly one value.
    // The node's field set is always {metadata.name: name}, so it is never empty.
    for r in &term.match_fields {
        if r.values.len() != 1 {
            return false;
        }
        let field_value = if r.key == "metadata.name" {
            node.name.as_str()
        } else {
            ""
        };
        let ok = match r.operator {
            Operator::In => field_value == r.values[0],
            Operator::NotIn => field_value != r.values[0],
            _ => return false,
        };
        if !ok {
            return false;
        }
    }
    true
}

/// `nodeaffinity.GetRequiredNodeAffinity(pod).Match(node)`: `spec.nodeSelector`
/// (every label equal) and the required node affinity terms (ORed).
pub fn required_node_affinity_matches(pod: &Pod, node: &Node) -> bool {
    if let Some(sel) = &pod.node_selector {
        for (k, v) in sel {
            if node.labels.get(k) != Some(v) {
                return false;
            }
        }
    }
    if let Some(required) = pod.node_affinity.as_ref().and_then(|a| a.required.as_ref()) {
        return required
            .terms
            .iter()
            .any(|t| node_selector_term_matches(t, node));
    }
    true
}

/// `Toleration.ToleratesTaint`.
pub fn tolerates(t: &Toleration, taint: &Taint) -> bool {
    if let Some(effect) = t.effect
        && effect != taint.effect
    {
        return false;
    }
    if !t.key.is_empty() && t.key != taint.key {
        return false;
    }
    match t.operator {
        TolerationOperator::Equal => t.value == taint.value,
        TolerationOperator::Exists => true,
    }
}

/// `TolerationsTolerateTaint`.
pub fn tolerations_tolerate(tolerations: &[Toleration], taint: &Taint) -> bool {
    tolerations.iter().any(|t| tolerates(t, taint))
}

/// `FindMatchingUntoleratedTaint` with `DoNotScheduleTaintsFilterFunc`
/// (NoSchedule and NoExecute): whether some such taint is not tolerated.
pub fn has_untolerated_do_not_schedule_taint(node: &Node, tolerations: &[Toleration]) -> bool {
    node.taints.iter().any(|taint| {
        matches!(
            taint.effect,
            TaintEffect::NoSchedule | TaintEffect::NoExecute
        ) && !tolerations_tolerate(tolerations, taint)
    })
}
