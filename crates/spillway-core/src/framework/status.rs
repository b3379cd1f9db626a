//! Filter outcomes: a rejected node is a result, not an error.

use std::borrow::Cow;

use crate::Cluster;
use crate::ids::ScalarIdx;

use super::Plugin;

/// Why a node was rejected, as upstream's status codes say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Code {
    /// `Unschedulable`: preemption might help.
    Unschedulable,
    /// `UnschedulableAndUnresolvable`: preemption cannot help.
    UnschedulableAndUnresolvable,
}

impl Code {
    /// Upstream's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Unschedulable => "Unschedulable",
            Code::UnschedulableAndUnresolvable => "UnschedulableAndUnresolvable",
        }
    }
}

/// A resource dimension of NodeResourcesFit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Resource {
    /// The pod count (`Too many pods`).
    Pods,
    /// Millicores.
    Cpu,
    /// Bytes.
    Memory,
    /// Bytes.
    EphemeralStorage,
    /// An extended or other scalar resource.
    Scalar(ScalarIdx),
}

/// One reason string of a status, with its structured detail. Messages are built
/// only when shown ([`Reason::message`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Reason {
    /// A fixed upstream reason string.
    Fixed(&'static str),
    /// `Insufficient <resource>` / `Too many pods`.
    Insufficient {
        /// The resource.
        resource: Resource,
        /// What the pod asks for.
        requested: i64,
        /// What is already requested on the node.
        used: i64,
        /// The node's allocatable amount.
        capacity: i64,
    },
    /// `node(s) didn't satisfy plugin(s) [..]`: left out by a PreFilter result.
    PreFilterNarrowed(Vec<Plugin>),
    /// `waiting for scheduling gates: [..]`.
    SchedulingGates(Vec<String>),
    /// A message from outside (an extender).
    Text(String),
}

impl Reason {
    /// The upstream reason string.
    pub fn message<'a>(&'a self, cluster: &'a Cluster) -> Cow<'a, str> {
        match self {
            Reason::Fixed(s) => Cow::Borrowed(s),
            Reason::Insufficient { resource, .. } => match resource {
                Resource::Pods => Cow::Borrowed("Too many pods"),
                Resource::Cpu => Cow::Borrowed("Insufficient cpu"),
                Resource::Memory => Cow::Borrowed("Insufficient memory"),
                Resource::EphemeralStorage => Cow::Borrowed("Insufficient ephemeral-storage"),
                Resource::Scalar(i) => {
                    Cow::Owned(format!("Insufficient {}", cluster.scalar_name(*i)))
                }
            },
            Reason::PreFilterNarrowed(plugins) => {
                let names: Vec<&str> = plugins.iter().map(|p| p.name()).collect();
                Cow::Owned(format!(
                    "node(s) didn't satisfy plugin(s) [{}]",
                    names.join(" ")
                ))
            }
            Reason::SchedulingGates(gates) => Cow::Owned(format!(
                "waiting for scheduling gates: [{}]",
                gates.join(" ")
            )),
            Reason::Text(s) => Cow::Borrowed(s),
        }
    }
}

/// A non-success status: which plugin said no, how firmly, and why.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Rejection {
    /// The rejecting plugin.
    pub plugin: Plugin,
    /// The status code.
    pub code: Code,
    /// The reasons, in upstream order.
    pub reasons: Vec<Reason>,
}

impl Rejection {
    /// A rejection with one fixed reason.
    pub fn fixed(plugin: Plugin, code: Code, reason: &'static str) -> Rejection {
        Rejection {
            plugin,
            code,
            reasons: vec![Reason::Fixed(reason)],
        }
    }

    /// Reason strings joined by `", "` (upstream's `Status.Message`).
    pub fn message(&self, cluster: &Cluster) -> String {
        let parts: Vec<Cow<'_, str>> = self.reasons.iter().map(|r| r.message(cluster)).collect();
        parts.join(", ")
    }
}
