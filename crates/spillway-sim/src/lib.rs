//! spillway-sim: the capacity-planning simulator.
//!
//! A simulation file describes a cluster (a scenario, as `spillway schedule`
//! reads it), the load on each workload over time, and what happens (node and
//! zone failures, rollouts, manual scaling). The simulator steps through time like
//! the cluster would: the HorizontalPodAutoscaler turns load into replicas, the
//! Deployment and ReplicaSet controllers create and delete pods, kube-scheduler
//! (spillway's exact engine) places them on ECS or overflows them to ECI, and
//! failed nodes' pods are evicted and rescheduled. The outcome is a timeline and a
//! summary: where replicas ran, when overflow started and ended, what stayed
//! Pending, how many replicas the worst single node or zone failure would leave,
//! and what it cost.
#![forbid(unsafe_code)]

mod controllers;
mod duration;
pub mod error;
pub mod file;
pub mod hpa;
pub mod outcome;
pub mod report;
mod run;
mod setup;
mod sim;
pub mod sweep;
pub mod trace;

pub use duration::Duration;
pub use error::SimError;
pub use outcome::Outcome;
pub use sim::{SimWorkload, Simulation};

impl Simulation {
    /// Runs the simulation; `seed` replaces the file's seed.
    ///
    /// # Errors
    /// A rollout whose template does not expand, or a scenario that no longer
    /// compiles after a change.
    pub fn run(&self, seed: Option<u64>) -> Result<Outcome, SimError> {
        run::run(self, seed.unwrap_or(self.file.settings.seed))
    }
}
