//! spillway-core: the compiled cluster model and an engine that reproduces
//! kube-scheduler v1.35's filter and score semantics exactly.
//!
//! ```
//! use spillway_core::spec::{Operator, Requirement, TaintEffect, TolerationOperator};
//! use spillway_core::{Cluster, ClusterSpec, NodeBuilder, Plugin, PodBuilder, Profile, Scheduler, TieBreak, TieBreaker};
//!
//! // An ECS node reserved (labelled and tainted) for the gateway, and a virtual node.
//! let ecs = NodeBuilder::new("ecs-1")
//!     .capacity("4", "16Gi", 64)
//!     .label("mykey4pod", "asmgateway")
//!     .taint("mykey", "myvalue", TaintEffect::NoSchedule)
//!     .build();
//! let virtual_node = NodeBuilder::new("virtual-kubelet")
//!     .capacity("1000", "4Ti", 1000)
//!     .label("type", "virtual-kubelet")
//!     .taint("virtual-kubelet.io/provider", "alibabacloud", TaintEffect::NoSchedule)
//!     .build();
//!
//! // Gateway replicas: ECS or virtual (required), ECS preferred 80 to 20.
//! let on_ecs = Requirement::new("mykey4pod", Operator::In, &["asmgateway"]);
//! let on_virtual = Requirement::new("type", Operator::In, &["virtual-kubelet"]);
//! let gateway = |i: usize| {
//!     PodBuilder::new(&format!("gateway-{i}"))
//!         .requests("1500m", "1Gi")
//!         .required_node_term(&[on_ecs.clone()], &[])
//!         .required_node_term(&[on_virtual.clone()], &[])
//!         .preferred_node_term(80, &[on_ecs.clone()])
//!         .preferred_node_term(20, &[on_virtual.clone()])
//!         .toleration("mykey", TolerationOperator::Equal, "myvalue", Some(TaintEffect::NoSchedule))
//!         .toleration("virtual-kubelet.io/provider", TolerationOperator::Exists, "", None)
//!         .build()
//! };
//!
//! let spec = ClusterSpec {
//!     nodes: vec![ecs, virtual_node],
//!     incoming: (0..3).map(gateway).collect(),
//!     ..ClusterSpec::default()
//! };
//! let snapshot = Cluster::compile(&spec).expect("valid cluster");
//! let (cluster, mut state) = (&snapshot.cluster, snapshot.state);
//! let scheduler = Scheduler::new(cluster, Profile::default());
//! let mut tie = TieBreaker::new(TieBreak::Name);
//!
//! let placed: Vec<&str> = snapshot
//!     .incoming
//!     .iter()
//!     .map(|&pod| {
//!         let ev = scheduler.schedule(&mut state, pod, &mut tie);
//!         // Every plugin's raw, normalised and weighted score on every feasible node.
//!         for node in &ev.feasible {
//!             let (_, raw, normalized, weighted) =
//!                 node.plugins.iter().find(|p| p.0 == Plugin::NodeAffinity).copied().unwrap();
//!             assert!(normalized <= 100 && weighted == 2 * normalized && raw <= 80);
//!         }
//!         ev.assigned.map_or("<pending>", |n| cluster.node_name(n))
//!     })
//!     .collect();
//! // Two replicas fill the ECS node (2 × 1500m of 4 cpu); the third overflows.
//! assert_eq!(placed, ["ecs-1", "ecs-1", "virtual-kubelet"]);
//! ```
//!
//! # What it is
//!
//! Three representations, one direction: plain input values ([`spec`], built by
//! `spillway-kube` from Kubernetes objects or by [`NodeBuilder`]/[`PodBuilder`]) are
//! compiled once into a [`Cluster`]: strings interned to integer ids, node data in
//! columns, pods folded into shared *templates* (pods whose scheduling-relevant spec
//! is identical). The [`Scheduler`] runs the framework's extension points
//! (PreEnqueue, PreFilter, Filter, PostFilter, PreScore, Score, NormalizeScore) over
//! the plugins of a [`Profile`] — by default kube-scheduler's `default-scheduler`,
//! weights and arguments included — against a [`ClusterState`], which holds what is
//! placed where and is updated incrementally when a pod is assumed or removed.
//!
//! # What it is not
//!
//! It does not parse YAML or JSON, speak HTTP or know k8s-openapi types: that is
//! `spillway-kube`'s job. Volumes and resource claims are not modelled: their plugins
//! (VolumeRestrictions, NodeVolumeLimits, VolumeBinding, VolumeZone,
//! DynamicResources) skip as they do for pods without volumes or claims.
//!
//! # Invariants
//!
//! - Every node is filtered and every feasible node scored (upstream's
//!   `percentageOfNodesToScore: 100`); scores are reported even when a single node is
//!   feasible.
//! - Ties are broken by node name or a seeded generator ([`TieBreak`]), never by
//!   unseeded randomness.
//! - Per-template results no placement can change (taint and node-affinity
//!   verdicts, preferred node-affinity and image scores) are computed once per
//!   template; per-selector pod counts live in the state and are updated only for
//!   the selectors a placed pod's template matches (a petgraph bipartite graph of
//!   templates and selectors).
//! - Bad input is an [`Error`] naming the object and field, never a panic.
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
