//! The simulation file (YAML): the scenario, each workload's load, events, and
//! settings.
//!
//! ```yaml
//! scenario: asm-istiogateway.yaml   # a scenario file (relative to this file), or one inline
//! settings: {duration: 6h, step: 15s, seed: 1, eciStartupLatency: 30s}
//! workloads:
//!   istiogateway/ingressgateway-1:
//!     load:
//!       unit: rps
//!       perReplica: 800
//!       trace: {spike: {base: 1500, peak: 9000, at: 2h, rise: 10m, hold: 40m, fall: 20m}}
//! events:
//! - {at: 3h, zoneDown: cn-hangzhou-h}
//! - {at: 4h, zoneUp: cn-hangzhou-h}
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use crate::Duration;
use crate::error::SimError;
use crate::trace::LoadSpec;

/// A simulation file, as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SimFile {
    /// The scenario: a path (relative to the simulation file) or an inline
    /// scenario in the object form.
    pub scenario: ScenarioRef,
    /// Run settings.
    #[serde(default)]
    pub settings: Settings,
    /// The simulated workloads, by name (`istiogateway/NAME`, `deployment/NAME`,
    /// or a bare name).
    pub workloads: BTreeMap<String, WorkloadSpec>,
    /// What happens, at what time.
    #[serde(default)]
    pub events: Vec<Event>,
}

/// Where the scenario is.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum ScenarioRef {
    /// A file path.
    Path(String),
    /// An inline scenario (the object form).
    Inline(Value),
}

/// Run settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Settings {
    /// How long to simulate.
    pub duration: Duration,
    /// Time between steps.
    pub step: Duration,
    /// Seed of every random choice (traces, tie-breaks).
    pub seed: u64,
    /// From binding to Ready for a pod on ECI (instance creation, image pull).
    pub eci_startup_latency: Duration,
    /// From binding to Ready for a pod on ECS.
    pub ecs_startup_latency: Duration,
    /// From a node failure to the eviction of its pods (the default tolerations'
    /// `tolerationSeconds` of `node.kubernetes.io/unreachable`).
    pub eviction_delay: Duration,
    /// HPA sync period.
    pub hpa_sync_period: Duration,
    /// ECS node pools that grow when pods stay Pending.
    pub node_pools: Vec<NodePool>,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            duration: Duration(6 * 3600),
            step: Duration(15),
            seed: 0,
            eci_startup_latency: Duration(30),
            ecs_startup_latency: Duration(5),
            eviction_delay: Duration(300),
            hpa_sync_period: Duration(15),
            node_pools: Vec::new(),
        }
    }
}

/// An ECS node pool that grows by copies of a template node.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NodePool {
    /// A node of the scenario to copy.
    pub template: String,
    /// At most this many nodes added.
    pub max: usize,
    /// From the scale-up decision to the node being Ready.
    #[serde(default = "default_provisioning")]
    pub provisioning_delay: Duration,
    /// Zones to spread added nodes over, round-robin (default: the template's).
    #[serde(default)]
    pub zones: Vec<String>,
}

fn default_provisioning() -> Duration {
    Duration(180)
}

/// One simulated workload.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WorkloadSpec {
    /// Its load over time.
    pub load: LoadSpec,
    /// HPA settings replacing the scenario's (an IstioGateway's cpu target and
    /// min/maxReplicas, or a HorizontalPodAutoscaler object).
    #[serde(default)]
    pub hpa: Option<HpaOverride>,
}

/// HPA settings in a simulation file.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HpaOverride {
    /// `minReplicas` (default 1).
    #[serde(default)]
    pub min_replicas: Option<i32>,
    /// `maxReplicas`.
    pub max_replicas: i32,
    /// Target average CPU utilisation, percent of requests (default 80).
    #[serde(default)]
    pub cpu_utilization: Option<i32>,
    /// autoscaling/v2 `behavior`, as in a HorizontalPodAutoscaler.
    #[serde(default)]
    pub behavior: Option<Value>,
}

/// Something that happens at a time. Exactly one kind per event.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Event {
    /// When.
    pub at: Duration,
    /// A node fails (NotReady): nothing new lands on it; its pods stop serving and
    /// are evicted after `evictionDelay`.
    #[serde(default)]
    pub node_down: Option<String>,
    /// A failed node comes back.
    #[serde(default)]
    pub node_up: Option<String>,
    /// Every node of a zone fails (ECS and virtual).
    #[serde(default)]
    pub zone_down: Option<String>,
    /// A failed zone comes back.
    #[serde(default)]
    pub zone_up: Option<String>,
    /// `kubectl cordon`.
    #[serde(default)]
    pub cordon: Option<String>,
    /// `kubectl uncordon`.
    #[serde(default)]
    pub uncordon: Option<String>,
    /// A rollout of a new pod template.
    #[serde(default)]
    pub rollout: Option<Rollout>,
    /// Manual scaling (the HPA, if any, takes over at its next sync).
    #[serde(default)]
    pub scale: Option<Scale>,
}

/// A new pod template for a workload.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Rollout {
    /// The workload.
    pub workload: String,
    /// A new image for every container (default: a `spillway-rollout` annotation
    /// changes, which is enough for a new ReplicaSet).
    #[serde(default)]
    pub image: Option<String>,
    /// New requests for the first container (`{cpu: 500m, memory: 1Gi}`).
    #[serde(default)]
    pub requests: Option<BTreeMap<String, String>>,
}

/// Manual scaling.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Scale {
    /// The workload.
    pub workload: String,
    /// The new replica count.
    pub replicas: i32,
}

/// What an event does, once checked.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// A node fails.
    NodeDown(String),
    /// A node recovers.
    NodeUp(String),
    /// A zone fails.
    ZoneDown(String),
    /// A zone recovers.
    ZoneUp(String),
    /// A node is cordoned.
    Cordon(String),
    /// A node is uncordoned.
    Uncordon(String),
    /// A rollout.
    Rollout {
        /// The workload.
        workload: String,
        /// New image.
        image: Option<String>,
        /// New requests of the first container.
        requests: Option<BTreeMap<String, String>>,
    },
    /// Manual scaling.
    Scale {
        /// The workload.
        workload: String,
        /// Replicas.
        replicas: i32,
    },
}

impl Event {
    /// The event's one action.
    ///
    /// # Errors
    /// None or several kinds given.
    pub fn action(&self, path: &Path, field: &str) -> Result<Action, SimError> {
        let mut kinds: Vec<Action> = Vec::new();
        let mut push = |a: Option<Action>| kinds.extend(a);
        push(self.node_down.clone().map(Action::NodeDown));
        push(self.node_up.clone().map(Action::NodeUp));
        push(self.zone_down.clone().map(Action::ZoneDown));
        push(self.zone_up.clone().map(Action::ZoneUp));
        push(self.cordon.clone().map(Action::Cordon));
        push(self.uncordon.clone().map(Action::Uncordon));
        push(self.rollout.clone().map(|r| Action::Rollout {
            workload: r.workload,
            image: r.image,
            requests: r.requests,
        }));
        push(self.scale.clone().map(|s| Action::Scale {
            workload: s.workload,
            replicas: s.replicas,
        }));
        match kinds.len() {
            1 => Ok(kinds.remove(0)),
            0 => Err(SimError::field(
                path,
                field,
                "an event needs one of nodeDown, nodeUp, zoneDown, zoneUp, cordon, uncordon, rollout, scale",
            )),
            n => Err(SimError::field(
                path,
                field,
                format!("{n} kinds in one event: give one per event"),
            )),
        }
    }
}

impl SimFile {
    /// Reads and decodes a simulation file (structure only; see
    /// [`crate::Simulation::load`] for the checks that need the scenario).
    ///
    /// # Errors
    /// Unreadable file, malformed YAML, unknown or mistyped field (named).
    pub fn read(path: &Path) -> Result<SimFile, SimError> {
        let text = std::fs::read_to_string(path).map_err(|source| SimError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        SimFile::parse(path, &text)
    }

    /// Decodes simulation file text; `path` is for messages.
    ///
    /// # Errors
    /// As [`SimFile::read`].
    pub fn parse(path: &Path, text: &str) -> Result<SimFile, SimError> {
        // serde_yaml_ng's messages carry the field path and the line; a path
        // tracker cannot be used here (trace specs are recursive types).
        serde_yaml_ng::from_str(text).map_err(|e| SimError::Syntax {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
    }

    /// The scenario file path, resolved against the simulation file's folder.
    pub fn scenario_path(&self, sim_path: &Path) -> Option<PathBuf> {
        match &self.scenario {
            ScenarioRef::Path(p) => Some(sim_path.parent().unwrap_or(Path::new(".")).join(p)),
            ScenarioRef::Inline(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_and_names_bad_fields() {
        let ok = "scenario: s.yaml\nsettings: {duration: 2h, step: 15s}\nworkloads:\n  gw:\n    load: {unit: cores, trace: {constant: {value: 2}}}\nevents:\n- {at: 1h, zoneDown: z}\n";
        let f = SimFile::parse(Path::new("sim.yaml"), ok);
        let Ok(f) = f else {
            panic!("{f:?}");
        };
        assert_eq!(f.settings.duration, Duration(7200));
        assert_eq!(
            f.events[0].action(Path::new("sim.yaml"), "events[0]").ok(),
            Some(Action::ZoneDown("z".into()))
        );
        for (bad, field) in [
            (
                "scenario: s.yaml\nsettings: {duration: -5}\nworkloads: {}\n",
                "settings.duration: -5: a duration cannot be negative at line 2",
            ),
            (
                "scenario: s.yaml\nsettings: {durashun: 5m}\nworkloads: {}\n",
                "settings: unknown field `durashun`",
            ),
            (
                "scenario: s.yaml\nworkloads: {}\nevents: [{at: 1h, nodeDown: a, zoneDown: b}]\n",
                "events[0]: 2 kinds in one event",
            ),
        ] {
            let r = SimFile::parse(Path::new("sim.yaml"), bad).and_then(|f| {
                f.events
                    .iter()
                    .enumerate()
                    .map(|(i, e)| e.action(Path::new("sim.yaml"), &format!("events[{i}]")))
                    .collect::<Result<Vec<_>, _>>()
                    .map(|_| ())
            });
            let Err(e) = r else {
                panic!("{bad}: accepted");
            };
            assert!(e.to_string().contains(field), "{bad}: {e}");
        }
    }
}
