//! spillway-core: the compiled cluster model and an engine that reproduces
//! kube-scheduler v1.35's filter and score semantics exactly.
#![forbid(unsafe_code)]

mod builder;
mod cluster;
mod error;
pub mod framework;
mod ids;
mod intern;
pub mod plugins;
mod quantity;
pub mod spec;

pub use builder::{NodeBuilder, PodBuilder, selector};
pub use cluster::{Cluster, ClusterSpec, ClusterState, NAMESPACE_NAME_LABEL, Snapshot};
pub use error::Error;
pub use framework::{Evaluation, Plugin, Profile, Scheduler, TieBreak, TieBreaker};
pub use ids::{NodeIdx, PodIdx, ScalarIdx, Sym, TemplateIdx};
pub use quantity::{Quantity, QuantityError};
