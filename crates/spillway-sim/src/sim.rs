//! A simulation, loaded and checked: the admitted scenario, each workload with
//! its trace and HPA, and the events in time order.

use std::path::{Path, PathBuf};

use spillway_kube::Scenario;
use spillway_kube::ack::virtual_node::ZONE_LABEL;
use spillway_kube::replicas::WorkloadRef;

use crate::error::SimError;
use crate::file::{Action, HpaOverride, ScenarioRef, SimFile};
use crate::hpa::HpaSpec;
use crate::trace::{LoadSpec, Trace};

/// A loaded simulation, ready to run (as often as wanted, with any seed).
#[derive(Debug, Clone)]
pub struct Simulation {
    /// The simulation file.
    pub path: PathBuf,
    /// The file as written.
    pub file: SimFile,
    /// The scenario, admitted (pods as the scheduler sees them).
    pub scenario: Scenario,
    /// The simulated workloads, in name order.
    pub workloads: Vec<SimWorkload>,
    /// The events, in time order (stable for equal times): time, action, and the
    /// field they came from.
    pub events: Vec<(u64, Action, String)>,
}

/// One simulated workload.
#[derive(Debug, Clone)]
pub struct SimWorkload {
    /// Its name in the simulation file.
    pub name: String,
    /// The scenario's workload.
    pub workload: WorkloadRef,
    /// Its load.
    pub load: LoadSpec,
    /// Its HPA, if it has one.
    pub hpa: Option<HpaSpec>,
    /// Replicas at the start (the Deployment's).
    pub initial_replicas: i32,
}

impl Simulation {
    /// Reads a simulation file and its scenario, and checks everything that can be
    /// checked before running.
    ///
    /// # Errors
    /// Unreadable or malformed files, unknown workloads, nodes or zones in events,
    /// traces shorter than the run, negative or zero durations.
    pub fn load(path: &Path) -> Result<Simulation, SimError> {
        let file = SimFile::read(path)?;
        Simulation::new(path, file)
    }

    /// Checks a decoded simulation file against its scenario.
    ///
    /// # Errors
    /// As [`Simulation::load`].
    pub fn new(path: &Path, file: SimFile) -> Result<Simulation, SimError> {
        let scenario = match &file.scenario {
            ScenarioRef::Path(_) => {
                let p = file.scenario_path(path).unwrap_or_default();
                Scenario::load(&p)?
            }
            ScenarioRef::Inline(v) => {
                let text = serde_json::to_string(v)
                    .map_err(|e| SimError::field(path, "scenario", e.to_string()))?;
                Scenario::parse(path, &text)?
            }
        };
        Simulation::with_scenario(path, file, scenario)
    }

    /// Checks a decoded simulation file against a scenario already loaded (the
    /// bundled simulation carries its scenario inside the binary).
    ///
    /// # Errors
    /// As [`Simulation::load`].
    pub fn with_scenario(
        path: &Path,
        file: SimFile,
        scenario: Scenario,
    ) -> Result<Simulation, SimError> {
        let s = &file.settings;
        if s.step.secs() == 0 {
            return Err(SimError::field(
                path,
                "settings.step",
                "must be longer than 0s",
            ));
        }
        if s.duration.secs() == 0 {
            return Err(SimError::field(
                path,
                "settings.duration",
                "must be longer than 0s",
            ));
        }
        if s.step.secs() > s.duration.secs() {
            return Err(SimError::field(
                path,
                "settings.step",
                "is longer than the duration",
            ));
        }
        if s.hpa_sync_period.secs() == 0 {
            return Err(SimError::field(
                path,
                "settings.hpaSyncPeriod",
                "must be longer than 0s",
            ));
        }
        let base = path.parent().unwrap_or(Path::new("."));
        let mut workloads = Vec::new();
        for (name, spec) in &file.workloads {
            let field = format!("workloads.{name}");
            let workload = scenario
                .workload(name)
                .map_err(|e| SimError::field(path, &field, e.message))?;
            spec.load.validate(path, &format!("{field}.load"))?;
            // Build once to check the trace (CSV files, coverage of the run).
            Trace::build(
                &spec.load.trace,
                base,
                path,
                &format!("{field}.load.trace"),
                s.seed,
                s.duration.secs(),
                s.step.secs(),
            )?;
            let hpa = match &spec.hpa {
                Some(o) => Some(
                    hpa_override(o)
                        .map_err(|(f, m)| SimError::field(path, format!("{field}.hpa.{f}"), m))?,
                ),
                None => match scenario.hpa_of(&workload) {
                    Some(h) => Some(HpaSpec::from_k8s(h).map_err(|(f, m)| {
                        SimError::field(
                            path,
                            format!("{field} (HorizontalPodAutoscaler of the scenario): {f}"),
                            m,
                        )
                    })?),
                    None => None,
                },
            };
            workloads.push(SimWorkload {
                name: name.clone(),
                initial_replicas: scenario.replicas_of(&workload),
                workload,
                load: spec.load.clone(),
                hpa,
            });
        }
        let mut events = Vec::with_capacity(file.events.len());
        for (i, e) in file.events.iter().enumerate() {
            let field = format!("events[{i}]");
            let action = e.action(path, &field)?;
            if e.at.secs() >= s.duration.secs() {
                return Err(SimError::field(
                    path,
                    format!("{field}.at"),
                    format!("{} is not before the end of the run ({})", e.at, s.duration),
                ));
            }
            check_action(&scenario, &workloads, &action)
                .map_err(|(f, m)| SimError::field(path, format!("{field}.{f}"), m))?;
            events.push((e.at.secs(), action, field));
        }
        events.sort_by_key(|(t, _, _)| *t);
        for (i, pool) in s.node_pools.iter().enumerate() {
            if !scenario
                .nodes
                .iter()
                .any(|n| n.metadata.name.as_deref() == Some(pool.template.as_str()))
            {
                return Err(SimError::field(
                    path,
                    format!("settings.nodePools[{i}].template"),
                    format!("no node {:?} in the scenario", pool.template),
                ));
            }
        }
        Ok(Simulation {
            path: path.to_path_buf(),
            file,
            scenario,
            workloads,
            events,
        })
    }
}

/// Checks that an event names things that exist.
fn check_action(
    scenario: &Scenario,
    workloads: &[SimWorkload],
    action: &Action,
) -> Result<(), (String, String)> {
    let node = |field: &str, name: &str| {
        if scenario
            .nodes
            .iter()
            .any(|n| n.metadata.name.as_deref() == Some(name))
        {
            Ok(())
        } else {
            Err((
                field.to_string(),
                format!("no node {name:?} in the scenario"),
            ))
        }
    };
    let zone = |field: &str, z: &str| {
        let known = scenario.nodes.iter().any(|n| {
            n.metadata
                .labels
                .as_ref()
                .and_then(|l| l.get(ZONE_LABEL))
                .is_some_and(|v| v == z)
        });
        if known {
            Ok(())
        } else {
            Err((field.to_string(), format!("no node in zone {z:?}")))
        }
    };
    let workload = |field: &str, w: &str| {
        if workloads.iter().any(|x| x.name == w) {
            Ok(())
        } else {
            Err((
                field.to_string(),
                format!("{w:?} is not a simulated workload (see workloads:)"),
            ))
        }
    };
    match action {
        Action::NodeDown(n) => node("nodeDown", n),
        Action::NodeUp(n) => node("nodeUp", n),
        Action::Cordon(n) => node("cordon", n),
        Action::Uncordon(n) => node("uncordon", n),
        Action::ZoneDown(z) => zone("zoneDown", z),
        Action::ZoneUp(z) => zone("zoneUp", z),
        Action::Rollout { workload: w, .. } => {
            workload("rollout.workload", w)?;
            let sim = workloads.iter().find(|x| &x.name == w);
            if sim.is_some_and(|s| s.workload.deployment.is_none()) {
                return Err((
                    "rollout.workload".into(),
                    format!("{w:?} has no Deployment to roll out"),
                ));
            }
            Ok(())
        }
        Action::Scale {
            workload: w,
            replicas,
        } => {
            workload("scale.workload", w)?;
            if *replicas < 0 {
                return Err(("scale.replicas".into(), "must not be negative".into()));
            }
            Ok(())
        }
    }
}

/// The simulation file's HPA settings, read as a HorizontalPodAutoscaler would
/// be (the same defaults and checks).
fn hpa_override(o: &HpaOverride) -> Result<HpaSpec, (String, String)> {
    let behavior = match &o.behavior {
        Some(v) => Some(
            serde_json::from_value(v.clone())
                .map_err(|e| ("behavior".to_string(), e.to_string()))?,
        ),
        None => None,
    };
    let hpa = k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler {
        spec: Some(
            k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscalerSpec {
                min_replicas: o.min_replicas,
                max_replicas: o.max_replicas,
                behavior,
                metrics: Some(vec![k8s_openapi::api::autoscaling::v2::MetricSpec {
                    type_: "Resource".into(),
                    resource: Some(k8s_openapi::api::autoscaling::v2::ResourceMetricSource {
                        name: "cpu".into(),
                        target: k8s_openapi::api::autoscaling::v2::MetricTarget {
                            type_: "Utilization".into(),
                            average_utilization: Some(o.cpu_utilization.unwrap_or(80)),
                            ..Default::default()
                        },
                    }),
                    ..Default::default()
                }]),
                ..Default::default()
            },
        ),
        ..Default::default()
    };
    HpaSpec::from_k8s(&hpa)
}
