//! Sweeps: many runs of one simulation file, with some of its values varied, and
//! the distributions of what they give.
//!
//! Run `i` of `N` uses seed `file seed + i` (wrapping) and, for each [`Vary`],
//! one value: a range `KEY=a..b` draws it uniformly in `[a, b]` from a ChaCha8
//! generator seeded by the file seed, `i` and `KEY` (so a run gets the same
//! values whatever the sharding or the thread count); a list `KEY=x,y,z` takes
//! the values in turn (`i mod len`). `KEY` is a dotted path into the simulation
//! file (`settings.eciStartupLatency`, `events[0].at`,
//! `workloads.istiogateway/gw.load.trace.sum[1].spike.peak`); it must name a
//! single value the file has, or a key the file format knows that is left at
//! its default (`settings.evictionDelay`).
//!
//! Each run keeps a small [`RunRecord`] (not the whole outcome). A
//! [`SweepResult`] holds the records of one sweep or shard; [`merge`] joins
//! shards, [`report`] turns a result into distributions (nearest-rank
//! percentiles) and, with an ECI bound, which varied values keep ECI use under
//! it. Everything is deterministic: the same file, runs and specs give
//! byte-identical [`json`], however the runs were spread over threads or
//! shards.
//!
//! ```
//! use spillway_sim::sweep::Vary;
//!
//! let v = Vary::parse("settings.eciStartupLatency=10s..90s").unwrap();
//! assert_eq!(v.key(), "settings.eciStartupLatency");
//! let secs = v.value(42, 7).as_u64().unwrap();
//! assert!((10..=90).contains(&secs));
//! assert_eq!(v.value(42, 7), v.value(42, 7));
//!
//! let zones = Vary::parse("events[0].zoneDown=cn-hangzhou-h,cn-hangzhou-i").unwrap();
//! assert_eq!(zones.value(42, 3), "cn-hangzhou-i");
//! ```

mod report;
mod shard;
mod text;
mod vary;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use spillway_kube::Scenario;

pub use report::{
    BINS, BoundReport, KeyBreakdown, MAX_DISTINCT, Metrics, Report, Stats, ValueCount,
    nearest_rank, report,
};
pub use shard::{Shard, merge, merge_named, read_result, run_indices};
pub use text::{format_value, json, table};
pub use vary::{Vary, VaryKind, set_path};

use crate::Simulation;
use crate::error::SimError;
use crate::file::{ScenarioRef, SimFile};
use crate::outcome::Outcome;
use vary::{FNV_OFFSET, fnv1a};

/// The runs of one sweep (or shard): the shard output format.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SweepResult {
    /// The simulation file, as given.
    pub file: String,
    /// FNV-1a 64 (hex) of the simulation file's bytes followed by its scenario
    /// file's (an inline scenario is part of the simulation file): shards of one
    /// sweep must agree.
    pub digest: String,
    /// Currency of every cost (the scenario's ECI price currency).
    pub currency: String,
    /// Runs of the whole sweep (not of this shard).
    pub runs: usize,
    /// The shard this result holds, or `None` for all runs.
    pub shard: Option<Shard>,
    /// The varied keys.
    pub vary: Vec<Vary>,
    /// The runs that completed, by run index.
    pub records: Vec<RunRecord>,
    /// The runs that failed, by run index.
    #[serde(default)]
    pub failed: Vec<RunFailure>,
}

/// What one run gives, in brief.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunRecord {
    /// The run index, `0..runs`.
    pub run: usize,
    /// Its seed: the file's seed + the run index.
    pub seed: u64,
    /// The value of each varied key.
    pub values: BTreeMap<String, Value>,
    /// Per workload, in name order.
    pub workloads: Vec<WorkloadRecord>,
    /// Most replicas of the simulated workloads on ECI at any one step.
    pub peak_eci: usize,
    /// Seconds with at least one replica of any simulated workload on ECI.
    pub overflow_seconds: u64,
    /// Pod-seconds spent Pending, summed over the workloads.
    pub pending_seconds: u64,
    /// ECS cost over the run.
    pub cost_ecs: f64,
    /// ECI cost over the run.
    pub cost_eci: f64,
    /// ECS + ECI.
    pub cost_total: f64,
}

/// One workload of a run, in brief.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadRecord {
    /// The workload.
    pub name: String,
    /// Most replicas at once.
    pub peak_replicas: usize,
    /// Most replicas on ECI at once.
    pub peak_eci: usize,
    /// Seconds with at least one replica on ECI.
    pub overflow_seconds: u64,
    /// Pod-seconds Pending.
    pub pending_seconds: u64,
    /// Fewest ready replicas left after the worst single ECS node failure.
    pub min_survive_node: usize,
    /// Fewest ready replicas left after the worst single zone failure.
    pub min_survive_zone: usize,
}

/// A run that did not complete: its values made the file invalid, or the run
/// failed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunFailure {
    /// The run index.
    pub run: usize,
    /// Its seed.
    pub seed: u64,
    /// The value of each varied key.
    pub values: BTreeMap<String, Value>,
    /// Why.
    pub error: String,
}

/// Runs `runs` simulations of the file at `sim_path` (or the runs of one shard
/// `(i, N)`), in parallel: on a pool of `threads` threads when given, else on
/// rayon's global pool. `progress` is called once after each run.
///
/// The file is read once (as a JSON value), its scenario loaded once; each run
/// sets its varied values in a copy of the value, decodes the simulation file
/// from it and runs it. A run whose values make the file invalid, or that
/// fails, becomes a [`RunFailure`]; the others a [`RunRecord`]. Both lists are
/// in run order.
///
/// # Errors
/// The file or its scenario does not load, a varied key is given twice or does
/// not lead to a single value the file has or can have (the error names the
/// key), the shard
/// is not `i < N`, or the thread pool cannot start (`threads` = 0).
pub fn sweep(
    sim_path: &Path,
    runs: usize,
    vary: &[Vary],
    shard: Option<(usize, usize)>,
    threads: Option<usize>,
    progress: impl Fn() + Sync,
) -> Result<SweepResult, SimError> {
    let shard = match shard {
        Some((i, n)) => Some(Shard::new(i, n).ok_or_else(|| {
            SimError::field(
                sim_path,
                "--shard",
                format!("{i}/{n}: expected i/N with 0 ≤ i < N"),
            )
        })?),
        None => None,
    };
    let mut seen = BTreeSet::new();
    for v in vary {
        if !seen.insert(v.key()) {
            return Err(SimError::field(
                sim_path,
                v.key(),
                "varied twice: give one --vary per key",
            ));
        }
    }
    let text = std::fs::read_to_string(sim_path).map_err(|source| SimError::Io {
        path: sim_path.to_path_buf(),
        source,
    })?;
    let base = SimFile::parse(sim_path, &text)?;
    let doc: Value =
        serde_yaml_ng::from_str(&text).map_err(|e| SimError::field(sim_path, "", e.to_string()))?;
    {
        // Every key must lead somewhere the file can hold a value: a wrong
        // path, or a new key the file format does not know, stops the sweep
        // (a value a run cannot use only fails that run).
        let mut probe = doc.clone();
        for v in vary {
            *v.slot(&mut probe)
                .map_err(|e| SimError::field(sim_path, v.key(), e))? =
                v.value(base.settings.seed, 0);
        }
        if let Err(e) = serde_json::from_value::<SimFile>(probe)
            && e.to_string().starts_with("unknown field")
        {
            let keys: Vec<&str> = vary.iter().map(Vary::key).collect();
            return Err(SimError::field(
                sim_path,
                format!("--vary {}", keys.join(", ")),
                e.to_string(),
            ));
        }
    }
    let mut digest = fnv1a(FNV_OFFSET, text.as_bytes());
    let scenario = match &base.scenario {
        ScenarioRef::Path(_) => {
            let p = base.scenario_path(sim_path).unwrap_or_default();
            let scenario_text = std::fs::read_to_string(&p).map_err(|source| SimError::Io {
                path: p.clone(),
                source,
            })?;
            digest = fnv1a(digest, scenario_text.as_bytes());
            Scenario::parse(&p, &scenario_text)?
        }
        ScenarioRef::Inline(v) => {
            let scenario_text = serde_json::to_string(v)
                .map_err(|e| SimError::field(sim_path, "scenario", e.to_string()))?;
            Scenario::parse(sim_path, &scenario_text)?
        }
    };
    let file_seed = base.settings.seed;
    let indices = run_indices(runs, shard);
    let one = |run: usize| {
        let result = run_one(sim_path, &doc, &scenario, vary, file_seed, run);
        progress();
        result
    };
    let work = || indices.par_iter().map(|r| one(*r)).collect::<Vec<_>>();
    let results = match threads {
        Some(t) => {
            if t == 0 {
                return Err(SimError::field(sim_path, "--threads", "must be at least 1"));
            }
            rayon::ThreadPoolBuilder::new()
                .num_threads(t)
                .build()
                .map_err(|e| SimError::field(sim_path, "--threads", e.to_string()))?
                .install(work)
        }
        None => work(),
    };
    let mut records = Vec::new();
    let mut failed = Vec::new();
    for r in results {
        match r {
            Ok(rec) => records.push(rec),
            Err(f) => failed.push(f),
        }
    }
    Ok(SweepResult {
        file: sim_path.display().to_string(),
        digest: format!("{digest:016x}"),
        currency: scenario.ack.eci.prices.currency.clone(),
        runs,
        shard,
        vary: vary.to_vec(),
        records,
        failed,
    })
}

/// One run: values, file, simulation, record.
fn run_one(
    sim_path: &Path,
    doc: &Value,
    scenario: &Scenario,
    vary: &[Vary],
    file_seed: u64,
    run: usize,
) -> Result<RunRecord, RunFailure> {
    let seed = file_seed.wrapping_add(run as u64);
    let mut doc = doc.clone();
    let mut values = BTreeMap::new();
    let mut error = None;
    for v in vary {
        let value = v.value(file_seed, run);
        values.insert(v.key().to_string(), value.clone());
        if error.is_none() {
            match v.slot(&mut doc) {
                Ok(slot) => *slot = value,
                Err(e) => error = Some(format!("{}: {}: {e}", sim_path.display(), v.key())),
            }
        }
    }
    let fail = |error: String| RunFailure {
        run,
        seed,
        values: values.clone(),
        error,
    };
    if let Some(e) = error {
        return Err(fail(e));
    }
    let file: SimFile = serde_json::from_value(doc)
        .map_err(|e| fail(SimError::field(sim_path, "", e.to_string()).to_string()))?;
    let sim = Simulation::with_scenario(sim_path, file, scenario.clone())
        .map_err(|e| fail(e.to_string()))?;
    let outcome = sim.run(Some(seed)).map_err(|e| fail(e.to_string()))?;
    Ok(record(run, seed, values, &outcome))
}

/// The brief of an outcome.
fn record(run: usize, seed: u64, values: BTreeMap<String, Value>, outcome: &Outcome) -> RunRecord {
    let summary = &outcome.summary;
    let workloads: Vec<WorkloadRecord> = summary
        .workloads
        .iter()
        .map(|w| WorkloadRecord {
            name: w.name.clone(),
            peak_replicas: w.peak_replicas,
            peak_eci: w.peak_eci,
            overflow_seconds: w.overflow_seconds,
            pending_seconds: w.pending_seconds,
            min_survive_node: w.min_survive_node,
            min_survive_zone: w.min_survive_zone,
        })
        .collect();
    let eci_at = |s: &crate::outcome::Step| s.workloads.iter().map(|w| w.eci).sum::<usize>();
    let overflow_steps = outcome.steps.iter().filter(|s| eci_at(s) > 0).count() as u64;
    RunRecord {
        run,
        seed,
        values,
        peak_eci: outcome.steps.iter().map(eci_at).max().unwrap_or(0),
        overflow_seconds: overflow_steps * outcome.step_seconds,
        pending_seconds: workloads.iter().map(|w| w.pending_seconds).sum(),
        workloads,
        cost_ecs: summary.cost_ecs,
        cost_eci: summary.cost_eci,
        cost_total: summary.cost_ecs + summary.cost_eci,
    }
}
