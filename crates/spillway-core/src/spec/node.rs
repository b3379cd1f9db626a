use super::{Labels, ResourceList};

/// A node as the scheduler sees it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Node {
    /// `metadata.name`.
    pub name: String,
    /// `metadata.labels`.
    pub labels: Labels,
    /// `spec.taints`.
    pub taints: Vec<Taint>,
    /// `spec.unschedulable` (cordoned).
    pub unschedulable: bool,
    /// `status.allocatable`: what the scheduler fits pods into.
    pub allocatable: ResourceList,
    /// `status.images`: images present on the node, for ImageLocality.
    pub images: Vec<ContainerImage>,
}

/// A node taint.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Taint {
    /// Taint key.
    pub key: String,
    /// Taint value (may be empty).
    pub value: String,
    /// Taint effect.
    pub effect: TaintEffect,
}

/// A taint effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TaintEffect {
    /// `NoSchedule`: filtered unless tolerated.
    NoSchedule,
    /// `PreferNoSchedule`: scored by TaintToleration.
    PreferNoSchedule,
    /// `NoExecute`: filtered unless tolerated.
    NoExecute,
}

impl TaintEffect {
    /// The API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            TaintEffect::NoSchedule => "NoSchedule",
            TaintEffect::PreferNoSchedule => "PreferNoSchedule",
            TaintEffect::NoExecute => "NoExecute",
        }
    }

    /// Parses the API spelling.
    pub fn parse(s: &str) -> Option<TaintEffect> {
        match s {
            "NoSchedule" => Some(TaintEffect::NoSchedule),
            "PreferNoSchedule" => Some(TaintEffect::PreferNoSchedule),
            "NoExecute" => Some(TaintEffect::NoExecute),
            _ => None,
        }
    }
}

/// One entry of `status.images`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ContainerImage {
    /// All names the image is known by (`repo:tag`, `repo@sha256:...`).
    pub names: Vec<String>,
    /// Size in bytes.
    pub size_bytes: i64,
}
