//! spillway-kube: Kubernetes objects in and out of spillway.
//!
//! Reads scenario files (YAML or JSON; the golden object form or `kubectl get -o
//! yaml` dumps) into k8s-openapi types, converts them into `spillway-core`'s input
//! model with the API server's defaulting where the scheduler depends on it, and
//! writes results in the golden data's JSON format. Errors name the file, the
//! object and the field.
//!
//! This crate does not pick a Kubernetes version feature of k8s-openapi; binaries do
//! (`v1_35`).

pub mod ack;
mod admission;
pub mod capacity;
mod chunks;
mod convert;
mod details;
pub mod doctor;
mod error;
pub mod istio;
pub mod report;
mod scenario;
mod workloads;

pub use admission::PodAdmission;
pub use convert::{node, pod};
pub use error::{FieldError, LoadError};
pub use report::{PodResult, Report};
pub use scenario::Scenario;
