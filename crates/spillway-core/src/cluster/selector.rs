//! Compiled label selectors and node selector terms.
//!
//! Upstream parses `labels.Requirement`s and `fields.Selector`s from the API types at
//! every scheduling cycle; here they are validated and interned once per template.

use crate::error::Error;
use crate::ids::Sym;
use crate::intern::Interner;
use crate::spec::{self, Operator};

/// Sorted `(key, value)` pairs: the compiled form of a label map.
pub(crate) type LabelSet = Vec<(Sym, Sym)>;

/// Looks a key up in a compiled label set.
#[inline]
pub(crate) fn label(labels: &[(Sym, Sym)], key: Sym) -> Option<Sym> {
    labels
        .binary_search_by_key(&key, |&(k, _)| k)
        .ok()
        .map(|i| labels[i].1)
}

/// Interns a label map into a sorted label set.
pub(crate) fn compile_labels(strings: &mut Interner, labels: &spec::Labels) -> LabelSet {
    let mut out: LabelSet = labels
        .iter()
        .map(|(k, v)| (strings.intern(k), strings.intern(v)))
        .collect();
    out.sort_unstable();
    out
}

/// One compiled label requirement (`labels.Requirement`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Req {
    /// Key present with one of the (sorted) values.
    In(Sym, Vec<Sym>),
    /// Key absent, or present with none of the values.
    NotIn(Sym, Vec<Sym>),
    /// Key present.
    Exists(Sym),
    /// Key absent.
    DoesNotExist(Sym),
    /// Key present and its integer value greater than the bound.
    Gt(Sym, i64),
    /// Key present and its integer value less than the bound.
    Lt(Sym, i64),
    /// A node selector requirement the API server accepts but `labels.NewRequirement`
    /// cannot parse (an invalid label value, a non-integer `Gt`/`Lt` bound): upstream
    /// drops the whole term, which then matches no node.
    Unparseable(Sym, &'static str),
}

impl Req {
    /// `labels.Requirement.Matches`.
    #[inline]
    pub(crate) fn matches(&self, labels: &[(Sym, Sym)], strings: &Interner) -> bool {
        match self {
            Req::In(k, vs) => label(labels, *k).is_some_and(|v| vs.binary_search(&v).is_ok()),
            Req::NotIn(k, vs) => label(labels, *k).is_none_or(|v| vs.binary_search(&v).is_err()),
            Req::Exists(k) => label(labels, *k).is_some(),
            Req::DoesNotExist(k) => label(labels, *k).is_none(),
            Req::Gt(k, bound) => label(labels, *k)
                .and_then(|v| strings.int(v))
                .is_some_and(|v| v > *bound),
            Req::Lt(k, bound) => label(labels, *k)
                .and_then(|v| strings.int(v))
                .is_some_and(|v| v < *bound),
            Req::Unparseable(..) => false,
        }
    }
}

/// All requirements must match (an empty list matches everything).
#[inline]
pub(crate) fn all_match(reqs: &[Req], labels: &[(Sym, Sym)], strings: &Interner) -> bool {
    reqs.iter().all(|r| r.matches(labels, strings))
}

/// Where a requirement comes from, for error messages.
pub(crate) struct At<'a> {
    pub object: &'a str,
    pub path: String,
}

impl At<'_> {
    fn err(&self, field: &str, message: impl Into<String>) -> Error {
        Error::invalid(self.object, format!("{}.{field}", self.path), message)
    }
}

/// Compiles one requirement, validating it as the API server does
/// (`ValidateNodeSelectorRequirement` / `ValidateLabelSelectorRequirement`).
pub(crate) fn compile_req(
    strings: &mut Interner,
    r: &spec::Requirement,
    allow_int_ops: bool,
    at: &At<'_>,
) -> Result<Req, Error> {
    if let Err(why) = validate_label_key(&r.key) {
        return Err(at.err("key", format!("invalid label key {:?}: {why}", r.key)));
    }
    let key = strings.intern(&r.key);
    if let Some(v) = r.values.iter().find(|v| !is_label_value(v))
        && matches!(r.operator, Operator::In | Operator::NotIn)
    {
        if !allow_int_ops {
            return Err(at.err("values", format!("invalid label value {v:?}")));
        }
        return Ok(Req::Unparseable(key, "a value is not a valid label value"));
    }
    let sorted = |strings: &mut Interner| {
        let mut vs: Vec<Sym> = r.values.iter().map(|v| strings.intern(v)).collect();
        vs.sort_unstable();
        vs.dedup();
        vs
    };
    match r.operator {
        Operator::In | Operator::NotIn => {
            if r.values.is_empty() {
                return Err(at.err(
                    "values",
                    format!(
                        "must be specified when `operator` is '{}'",
                        r.operator.as_str()
                    ),
                ));
            }
            let vs = sorted(strings);
            Ok(if r.operator == Operator::In {
                Req::In(key, vs)
            } else {
                Req::NotIn(key, vs)
            })
        }
        Operator::Exists | Operator::DoesNotExist => {
            if !r.values.is_empty() {
                return Err(at.err(
                    "values",
                    format!(
                        "may not be specified when `operator` is '{}'",
                        r.operator.as_str()
                    ),
                ));
            }
            Ok(if r.operator == Operator::Exists {
                Req::Exists(key)
            } else {
                Req::DoesNotExist(key)
            })
        }
        Operator::Gt | Operator::Lt => {
            if !allow_int_ops {
                return Err(at.err(
                    "operator",
                    format!(
                        "not a valid label selector operator: {:?}",
                        r.operator.as_str()
                    ),
                ));
            }
            let [value] = r.values.as_slice() else {
                return Err(at.err(
                    "values",
                    format!(
                        "must be specified single value when `operator` is '{}'",
                        r.operator.as_str()
                    ),
                ));
            };
            let Some(bound) = crate::intern::parse_go_int(value) else {
                return Ok(Req::Unparseable(key, "the Gt/Lt value is not an integer"));
            };
            Ok(if r.operator == Operator::Gt {
                Req::Gt(key, bound)
            } else {
                Req::Lt(key, bound)
            })
        }
    }
}

/// A compiled `metav1.LabelSelector` (`metav1.LabelSelectorAsSelector`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Selector {
    /// A nil selector: matches nothing.
    Nothing,
    /// Requirements ANDed; empty matches everything.
    Reqs(Vec<Req>),
}

impl Selector {
    /// Whether `labels` satisfy the selector.
    #[inline]
    pub(crate) fn matches(&self, labels: &[(Sym, Sym)], strings: &Interner) -> bool {
        match self {
            Selector::Nothing => false,
            Selector::Reqs(reqs) => all_match(reqs, labels, strings),
        }
    }

    /// Whether the selector selects every label set (`labels.Everything()`).
    pub(crate) fn is_everything(&self) -> bool {
        matches!(self, Selector::Reqs(r) if r.is_empty())
    }
}

/// Compiles a label selector; `None` is the nil selector.
pub(crate) fn compile_selector(
    strings: &mut Interner,
    sel: Option<&spec::LabelSelector>,
    at: &At<'_>,
) -> Result<Selector, Error> {
    let Some(sel) = sel else {
        return Ok(Selector::Nothing);
    };
    let mut reqs = Vec::with_capacity(sel.match_labels.len() + sel.match_expressions.len());
    for (k, v) in &sel.match_labels {
        if let Err(why) = validate_label_key(k) {
            return Err(at.err("matchLabels", format!("invalid label key {k:?}: {why}")));
        }
        if !is_label_value(v) {
            return Err(at.err(
                &format!("matchLabels[{k}]"),
                format!("invalid label value {v:?}"),
            ));
        }
        reqs.push(Req::In(strings.intern(k), vec![strings.intern(v)]));
    }
    for (i, r) in sel.match_expressions.iter().enumerate() {
        let at = At {
            object: at.object,
            path: format!("{}.matchExpressions[{i}]", at.path),
        };
        reqs.push(compile_req(strings, r, false, &at)?);
    }
    sort_reqs(&mut reqs);
    Ok(Selector::Reqs(reqs))
}

/// Requirements in a canonical order, so equal selectors compile equal.
pub(crate) fn sort_reqs(reqs: &mut [Req]) {
    reqs.sort_unstable();
}

/// A `matchFields` requirement: only `metadata.name` exists.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum NameField {
    /// `metadata.name In [name]`.
    In(String),
    /// `metadata.name NotIn [name]`.
    NotIn(String),
}

/// A compiled `NodeSelectorTerm`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Term {
    /// `matchExpressions`, ANDed. Empty: labels are not checked.
    pub exprs: Vec<Req>,
    /// `matchFields`, ANDed.
    pub fields: Vec<NameField>,
}

impl Term {
    /// `nodeSelectorTerm.match`.
    #[inline]
    pub(crate) fn matches(&self, labels: &[(Sym, Sym)], name: &str, strings: &Interner) -> bool {
        all_match(&self.exprs, labels, strings)
            && self.fields.iter().all(|f| match f {
                NameField::In(n) => n == name,
                NameField::NotIn(n) => n != name,
            })
    }
}

/// Compiles a node selector term; `None` for an empty term, which upstream skips
/// (`isEmptyNodeSelectorTerm`: it selects no node).
pub(crate) fn compile_term(
    strings: &mut Interner,
    term: &spec::NodeSelectorTerm,
    at: &At<'_>,
) -> Result<Option<Term>, Error> {
    if term.match_expressions.is_empty() && term.match_fields.is_empty() {
        return Ok(None);
    }
    let mut exprs = Vec::with_capacity(term.match_expressions.len());
    for (i, r) in term.match_expressions.iter().enumerate() {
        let at = At {
            object: at.object,
            path: format!("{}.matchExpressions[{i}]", at.path),
        };
        exprs.push(compile_req(strings, r, true, &at)?);
    }
    let mut fields = Vec::with_capacity(term.match_fields.len());
    for (i, r) in term.match_fields.iter().enumerate() {
        let at = At {
            object: at.object,
            path: format!("{}.matchFields[{i}]", at.path),
        };
        if r.key != "metadata.name" {
            return Err(at.err(
                "key",
                format!("not a valid field selector key: {:?}", r.key),
            ));
        }
        let [value] = r.values.as_slice() else {
            return Err(at.err("values", "must have one element"));
        };
        fields.push(match r.operator {
            Operator::In => NameField::In(value.clone()),
            Operator::NotIn => NameField::NotIn(value.clone()),
            other => {
                return Err(at.err(
                    "operator",
                    format!(
                        "Unsupported value: {:?}: supported values: \"In\", \"NotIn\"",
                        other.as_str()
                    ),
                ));
            }
        });
    }
    Ok(Some(Term { exprs, fields }))
}

/// `validation.IsQualifiedName`: an optional DNS-subdomain prefix and `/`, then a
/// name of at most 63 alphanumerics, `-`, `_` and `.`, starting and ending
/// alphanumeric.
pub(crate) fn validate_label_key(key: &str) -> Result<(), &'static str> {
    let (prefix, name) = match key.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    if let Some(p) = prefix {
        let dns_label = |l: &str| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        };
        if p.is_empty() || p.len() > 253 || !p.split('.').all(dns_label) {
            return Err("prefix part must be a lowercase RFC 1123 subdomain");
        }
    }
    if name.is_empty() {
        return Err("name part must be non-empty");
    }
    if !is_label_value(name) {
        return Err(
            "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (at most 63)",
        );
    }
    Ok(())
}

/// `validation.IsValidLabelValue`: empty, or at most 63 alphanumerics, `-`, `_` and
/// `.`, starting and ending alphanumeric.
pub(crate) fn is_label_value(v: &str) -> bool {
    let ok = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.');
    v.is_empty()
        || (v.len() <= 63
            && v.bytes().all(ok)
            && v.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
            && v.bytes().last().is_some_and(|b| b.is_ascii_alphanumeric()))
}

impl spec::NodeSelectorTerm {
    /// Whether a node with these labels and this name satisfies the term, decided
    /// by the same compiled code NodeAffinity uses. An empty term, an invalid one, or
    /// one with a requirement upstream cannot parse selects no node.
    ///
    /// For diagnostics on plain specs; the engine matches compiled terms.
    ///
    /// ```
    /// use spillway_core::spec::{NodeSelectorTerm, Operator, Requirement};
    /// let term = NodeSelectorTerm {
    ///     match_expressions: vec![Requirement::new("type", Operator::In, &["virtual-kubelet"])],
    ///     match_fields: vec![],
    /// };
    /// let labels = [("type".to_string(), "virtual-kubelet".to_string())].into_iter().collect();
    /// assert!(term.matches(&labels, "vk-1"));
    /// assert!(!term.matches(&Default::default(), "ecs-1"));
    /// ```
    pub fn matches(&self, labels: &spec::Labels, node_name: &str) -> bool {
        let mut strings = Interner::default();
        let at = At {
            object: "",
            path: String::new(),
        };
        match compile_term(&mut strings, self, &at) {
            Ok(Some(term)) => {
                let labels = compile_labels(&mut strings, labels);
                term.matches(&labels, node_name, &strings)
            }
            _ => false,
        }
    }
}
