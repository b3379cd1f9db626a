//! spillway-kube: Kubernetes objects in and out of spillway.
//!
//! Reads scenario files (YAML or JSON; the golden object form or `kubectl get -o
//! yaml` dumps) into k8s-openapi types, applies what a real ACK/ASM cluster does
//! before scheduling (virtual nodes, workload expansion, the IstioGateway
//! resource, Istio sidecar injection, ECI routing and zones: [`ack`], [`istio`],
//! `docs/ack-asm.md`), converts them into `spillway-core`'s input model with the
//! API server's defaulting where the scheduler depends on it, and writes results in
//! the golden data's JSON format. [`doctor`] and [`capacity`] answer questions on a
//! scenario. Errors name the file, the object and the field.
//!
//! ```
//! use std::path::Path;
//! use spillway_core::{Profile, Scheduler, TieBreak, TieBreaker};
//! use spillway_kube::Scenario;
//!
//! // One ECS node, one virtual node declared briefly, and a pod routed to ECI by
//! // its namespace's label, in a namespace that injects the Istio sidecar.
//! let yaml = r#"
//! virtualNodes:
//! - {zone: cn-hangzhou-h, vswitches: [vsw-h1]}
//! nodes:
//! - metadata: {name: ecs-1, labels: {topology.kubernetes.io/zone: cn-hangzhou-h}}
//!   status: {allocatable: {cpu: "4", memory: 16Gi, pods: "110"}}
//! namespaces:
//! - metadata: {name: shop, labels: {istio-injection: enabled, alibabacloud.com/eci: "true"}}
//! incoming:
//! - metadata: {name: cart, namespace: shop}
//!   spec: {containers: [{name: cart, resources: {requests: {cpu: "1", memory: 2Gi}}}]}
//! "#;
//! let scenario = Scenario::parse(Path::new("example.yaml"), yaml)?;
//! let snapshot = scenario.compile()?;
//! let scheduler = Scheduler::new(&snapshot.cluster, Profile::default());
//! let mut state = snapshot.state.clone();
//! let ev = scheduler.schedule(&mut state, snapshot.incoming[0], &mut TieBreaker::new(TieBreak::Name));
//! let node = ev.assigned.map(|n| snapshot.cluster.node_name(n));
//! assert_eq!(node, Some("virtual-kubelet-cn-hangzhou-h"));
//!
//! let details = scenario.pod_details(0, node).expect("incoming pod 0");
//! assert_eq!(details.ready, "2/2"); // the injected sidecar
//! let eci = details.eci.expect("on a virtual node");
//! assert_eq!(eci.spec.as_deref(), Some("2-4Gi")); // 1.1 vCPU / 2.125 GiB rounded up
//! assert_eq!(eci.vswitch.as_deref(), Some("vsw-h1"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
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
pub mod replicas;
pub mod report;
mod scenario;
mod workloads;

pub use admission::PodAdmission;
pub use convert::{node, pod};
pub use error::{FieldError, LoadError};
pub use report::{PodResult, Report};
pub use scenario::Scenario;
