//! The input model: nodes and pods as plain Rust values, close to the Kubernetes API
//! but free of any serialisation framework.
//!
//! `spillway-kube` converts Kubernetes objects into these types; tests and library
//! users build them with [`crate::NodeBuilder`] and [`crate::PodBuilder`]. Nothing here
//! is validated: [`crate::Cluster::compile`] validates, canonicalises and interns
//! everything once, reporting bad input with the object and field path.

mod node;
mod pod;
mod selector;

pub use node::{ContainerImage, Node, Taint, TaintEffect};
pub use pod::{
    Container, ContainerPort, NodeAffinity, Pod, PodAffinity, PodAffinityTerm, PreemptionPolicy,
    SpreadPolicy, Toleration, TolerationOperator, TopologySpreadConstraint, UnsatisfiableAction,
    WeightedPodAffinityTerm,
};
pub use selector::{
    LabelSelector, NodeSelector, NodeSelectorTerm, Operator, PreferredSchedulingTerm, Requirement,
};

use std::collections::BTreeMap;

use crate::Quantity;

/// Labels, node selectors, and the like: string keys to string values.
pub type Labels = BTreeMap<String, String>;

/// Named resource quantities (requests, allocatable, overhead), keyed by resource name
/// (`cpu`, `memory`, `ephemeral-storage`, `pods`, `example.com/gpu`, `hugepages-2Mi`, ...).
pub type ResourceList = BTreeMap<String, Quantity>;

/// A namespace: its labels are what `namespaceSelector`s match.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Namespace {
    /// `metadata.name`.
    pub name: String,
    /// `metadata.labels` (the API server always adds
    /// `kubernetes.io/metadata.name=<name>`; the compiler does too).
    pub labels: Labels,
}
