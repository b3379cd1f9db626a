//! spillway-extender: a kube-scheduler extender on spillway's engine.
//!
//! kube-scheduler calls an extender over HTTP (`extenders` in
//! KubeSchedulerConfiguration) to filter and prioritize the nodes it found
//! for a pod, to bind it, and to vet preemptions. This crate answers those
//! calls with the same rules as `spillway schedule`:
//!
//! - [`wire`]: the `k8s.io/kube-scheduler/extender/v1` messages, decoded as
//!   tolerantly as Go does and encoded as Go does;
//! - [`policy`]: strict-overflow (virtual nodes only when no ECS node can take
//!   the pod), cost, spread, and upstream's default profile;
//! - [`cache`]: the cluster state (a scenario file, the bind verb, and with the
//!   `kube` feature, watchers on the API server), changed atomically;
//! - [`extender`]: the verbs over policies and cache, and [`answer`]: their
//!   answers written to the wire straight from the request;
//! - [`server`]: the HTTP(S) server (`spillway serve`): limits, timeouts,
//!   metrics, health, graceful shutdown.
//!
//! ```
//! use spillway_extender::{Cache, Config, Extender, wire};
//!
//! let extender = Extender::new(Config::default(), Cache::default());
//! let args: wire::ExtenderArgs = wire::decode(br#"{"Pod":null,"NodeNames":["a"]}"#).unwrap();
//! assert!(extender.filter(&args).is_err()); // no pod: HTTP 400
//! ```
#![forbid(unsafe_code)]

pub mod answer;
pub mod cache;
pub mod config;
pub mod extender;
pub mod policy;
pub mod server;
pub mod watch;
pub mod wire;

pub use cache::{Cache, CacheStats};
pub use config::Config;
pub use extender::{BadRequest, Binder, Extender, Wait};
