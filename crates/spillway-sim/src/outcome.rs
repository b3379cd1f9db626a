//! What a simulation run produces: a per-step timeline and a summary. Plain data,
//! serialised deterministically (ordered maps, no hash iteration), so the same
//! file and seed give byte-identical JSON.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A whole run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    /// The seed the run used.
    pub seed: u64,
    /// Seconds between steps.
    pub step_seconds: u64,
    /// Seconds simulated.
    pub duration_seconds: u64,
    /// Currency of every cost.
    pub currency: String,
    /// The workloads, in the order of every per-workload list.
    pub workloads: Vec<String>,
    /// One entry per step, in time order.
    pub steps: Vec<Step>,
    /// What the run amounts to.
    pub summary: Summary,
}

/// The cluster at the end of one step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Step {
    /// Seconds since the start.
    pub t: u64,
    /// Per workload, in [`Outcome::workloads`] order.
    pub workloads: Vec<WorkloadStep>,
    /// Pods Pending (unschedulable or waiting for a retry), all workloads.
    pub pending: usize,
    /// Pods of the simulated workloads on ECS nodes.
    pub ecs_pods: usize,
    /// Pods of the simulated workloads on ECI (virtual nodes).
    pub eci_pods: usize,
    /// ECS cost so far (nodes with a known price, while up).
    pub cost_ecs: f64,
    /// ECI cost so far (per second, rounded specs).
    pub cost_eci: f64,
    /// Events applied at this step, for people (`node cn-hangzhou.10.0.1.10 down`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<String>,
}

/// One workload at the end of one step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadStep {
    /// The load (in the trace's unit).
    pub load: f64,
    /// Replicas the controllers want (HPA or manual).
    pub desired: i32,
    /// Pods that exist (any phase).
    pub pods: usize,
    /// Pods Ready (serving).
    pub ready: usize,
    /// Pods of the newest ReplicaSet (kubectl's UP-TO-DATE).
    pub up_to_date: usize,
    /// Pods placed on ECS nodes.
    pub ecs: usize,
    /// Pods placed on virtual nodes (ECI).
    pub eci: usize,
    /// Pods not placed.
    pub pending: usize,
    /// Placed pods per zone.
    pub by_zone: BTreeMap<String, usize>,
    /// Average CPU utilisation of the ready pods, percent of their requests.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub utilization: Option<f64>,
    /// Ready replicas left after the worst single ECS node failure.
    pub survive_node: usize,
    /// Ready replicas left after the worst single zone failure.
    pub survive_zone: usize,
}

/// What the run amounts to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// Per workload, in [`Outcome::workloads`] order.
    pub workloads: Vec<WorkloadSummary>,
    /// ECS cost over the run.
    pub cost_ecs: f64,
    /// ECI cost over the run.
    pub cost_eci: f64,
    /// Every pod that was Pending, with how long and why.
    pub pending: Vec<PendingSpan>,
}

/// One workload over the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadSummary {
    /// The workload.
    pub name: String,
    /// Most replicas at once.
    pub peak_replicas: usize,
    /// Most replicas on ECI at once.
    pub peak_eci: usize,
    /// When that peak was first reached.
    pub peak_eci_at: Option<u64>,
    /// When the first replica went to ECI.
    pub overflow_start: Option<u64>,
    /// Seconds with at least one replica on ECI.
    pub overflow_seconds: u64,
    /// Periods with replicas on ECI: `[from, to)`; `to` is `None` when it lasted
    /// to the end.
    pub overflow_spans: Vec<(u64, Option<u64>)>,
    /// Pod-seconds spent Pending.
    pub pending_seconds: u64,
    /// Fewest ready replicas left after the worst single ECS node failure, over
    /// the run, and when.
    pub min_survive_node: usize,
    /// When [`WorkloadSummary::min_survive_node`] happened first.
    pub min_survive_node_at: u64,
    /// Fewest ready replicas left after the worst single zone failure.
    pub min_survive_zone: usize,
    /// When [`WorkloadSummary::min_survive_zone`] happened first.
    pub min_survive_zone_at: u64,
    /// ECI cost of this workload over the run.
    pub cost_eci: f64,
}

/// A pod that could not be placed for a while.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingSpan {
    /// The workload.
    pub workload: String,
    /// The pod (`namespace/name`).
    pub pod: String,
    /// When it first failed to schedule.
    pub from: u64,
    /// When it was placed or deleted; `None`: still Pending at the end.
    pub to: Option<u64>,
    /// kube-scheduler's message at the first failure.
    pub reason: String,
}
