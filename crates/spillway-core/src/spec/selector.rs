use super::Labels;

/// A selector operator. Label selectors (`metav1.LabelSelector`) allow `In`, `NotIn`,
/// `Exists` and `DoesNotExist`; node selectors additionally allow `Gt` and `Lt`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operator {
    /// The label exists and its value is one of the values.
    In,
    /// The label is absent or its value is none of the values.
    NotIn,
    /// The label exists.
    Exists,
    /// The label is absent.
    DoesNotExist,
    /// The label exists and, as an integer, is greater than the single value.
    Gt,
    /// The label exists and, as an integer, is less than the single value.
    Lt,
}

impl Operator {
    /// The API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Operator::In => "In",
            Operator::NotIn => "NotIn",
            Operator::Exists => "Exists",
            Operator::DoesNotExist => "DoesNotExist",
            Operator::Gt => "Gt",
            Operator::Lt => "Lt",
        }
    }

    /// Parses the API spelling (case-sensitive, as the API server is).
    pub fn parse(s: &str) -> Option<Operator> {
        match s {
            "In" => Some(Operator::In),
            "NotIn" => Some(Operator::NotIn),
            "Exists" => Some(Operator::Exists),
            "DoesNotExist" => Some(Operator::DoesNotExist),
            "Gt" => Some(Operator::Gt),
            "Lt" => Some(Operator::Lt),
            _ => None,
        }
    }
}

/// One selector requirement: `key operator values`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Requirement {
    /// Label key (or field name for `matchFields`).
    pub key: String,
    /// Operator.
    pub operator: Operator,
    /// Values; their number depends on the operator.
    pub values: Vec<String>,
}

impl Requirement {
    /// Shorthand constructor.
    pub fn new(key: &str, operator: Operator, values: &[&str]) -> Requirement {
        Requirement {
            key: key.to_string(),
            operator,
            values: values.iter().map(|v| v.to_string()).collect(),
        }
    }
}

/// A `metav1.LabelSelector`: `matchLabels` and `matchExpressions`, ANDed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct LabelSelector {
    /// `matchLabels`.
    pub match_labels: Labels,
    /// `matchExpressions`.
    pub match_expressions: Vec<Requirement>,
}

/// A `NodeSelector`: terms ORed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct NodeSelector {
    /// `nodeSelectorTerms`.
    pub terms: Vec<NodeSelectorTerm>,
}

/// A `NodeSelectorTerm`: expressions and fields ANDed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct NodeSelectorTerm {
    /// `matchExpressions` over node labels.
    pub match_expressions: Vec<Requirement>,
    /// `matchFields` over node fields (only `metadata.name`).
    pub match_fields: Vec<Requirement>,
}

/// A weighted preferred node selector term.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct PreferredSchedulingTerm {
    /// Weight, 1-100.
    pub weight: i32,
    /// The term.
    pub preference: NodeSelectorTerm,
}
