//! Selectors and node selectors.

use k8s_openapi::api::core::v1 as k;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector as KLabelSelector;
use spillway_core::spec::{
    LabelSelector, NodeSelector, NodeSelectorTerm, Operator, PreferredSchedulingTerm, Requirement,
};

use crate::error::FieldError;

fn operator(object: &str, path: &str, op: &str, allow_int: bool) -> Result<Operator, FieldError> {
    match Operator::parse(op) {
        Some(o @ (Operator::Gt | Operator::Lt)) if !allow_int => Err(FieldError::new(
            object,
            format!("{path}.operator"),
            format!(
                "{o:?} is not a valid label selector operator: supported values: \"In\", \"NotIn\", \"Exists\", \"DoesNotExist\"",
                o = o.as_str()
            ),
        )),
        Some(o) => Ok(o),
        None => Err(FieldError::new(
            object,
            format!("{path}.operator"),
            format!(
                "unknown operator {op:?}: supported values: \"In\", \"NotIn\", \"Exists\", \"DoesNotExist\"{}",
                if allow_int { ", \"Gt\", \"Lt\"" } else { "" }
            ),
        )),
    }
}

/// A `metav1.LabelSelector`.
pub(crate) fn label_selector(
    object: &str,
    path: &str,
    s: &KLabelSelector,
) -> Result<LabelSelector, FieldError> {
    let mut exprs = Vec::new();
    for (i, r) in s.match_expressions.iter().flatten().enumerate() {
        let p = format!("{path}.matchExpressions[{i}]");
        exprs.push(Requirement {
            key: r.key.clone(),
            operator: operator(object, &p, &r.operator, false)?,
            values: r.values.clone().unwrap_or_default(),
        });
    }
    Ok(LabelSelector {
        match_labels: s.match_labels.clone().unwrap_or_default(),
        match_expressions: exprs,
    })
}

fn node_requirements(
    object: &str,
    path: &str,
    reqs: Option<&Vec<k::NodeSelectorRequirement>>,
) -> Result<Vec<Requirement>, FieldError> {
    let mut out = Vec::new();
    for (i, r) in reqs.into_iter().flatten().enumerate() {
        let p = format!("{path}[{i}]");
        out.push(Requirement {
            key: r.key.clone(),
            operator: operator(object, &p, &r.operator, true)?,
            values: r.values.clone().unwrap_or_default(),
        });
    }
    Ok(out)
}

/// A `NodeSelectorTerm`.
pub(crate) fn node_selector_term(
    object: &str,
    path: &str,
    t: &k::NodeSelectorTerm,
) -> Result<NodeSelectorTerm, FieldError> {
    Ok(NodeSelectorTerm {
        match_expressions: node_requirements(
            object,
            &format!("{path}.matchExpressions"),
            t.match_expressions.as_ref(),
        )?,
        match_fields: node_requirements(
            object,
            &format!("{path}.matchFields"),
            t.match_fields.as_ref(),
        )?,
    })
}

/// A `NodeSelector`.
pub(crate) fn node_selector(
    object: &str,
    path: &str,
    s: &k::NodeSelector,
) -> Result<NodeSelector, FieldError> {
    let mut terms = Vec::with_capacity(s.node_selector_terms.len());
    for (i, t) in s.node_selector_terms.iter().enumerate() {
        terms.push(node_selector_term(
            object,
            &format!("{path}.nodeSelectorTerms[{i}]"),
            t,
        )?);
    }
    Ok(NodeSelector { terms })
}

/// Preferred scheduling terms.
pub(crate) fn preferred_terms(
    object: &str,
    path: &str,
    ts: &[k::PreferredSchedulingTerm],
) -> Result<Vec<PreferredSchedulingTerm>, FieldError> {
    ts.iter()
        .enumerate()
        .map(|(i, t)| {
            Ok(PreferredSchedulingTerm {
                weight: t.weight,
                preference: node_selector_term(
                    object,
                    &format!("{path}[{i}].preference"),
                    &t.preference,
                )?,
            })
        })
        .collect()
}
