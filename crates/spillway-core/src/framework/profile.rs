//! The scheduling profile: score weights and plugin arguments.

use super::Plugin;

/// A resource a scoring strategy looks at, with its weight (`config.ResourceSpec`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceSpec {
    /// Resource name (`cpu`, `memory`, `example.com/gpu`).
    pub name: String,
    /// Weight.
    pub weight: i64,
}

impl ResourceSpec {
    /// Shorthand constructor.
    pub fn new(name: &str, weight: i64) -> ResourceSpec {
        ResourceSpec {
            name: name.to_string(),
            weight,
        }
    }

    /// `cpu:1, memory:1`, upstream's default.
    pub fn cpu_and_memory() -> Vec<ResourceSpec> {
        vec![ResourceSpec::new("cpu", 1), ResourceSpec::new("memory", 1)]
    }
}

/// NodeResourcesFit's scoring strategy (`config.ScoringStrategy`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScoringStrategy {
    /// Favour nodes with more free resources (the default).
    LeastAllocated,
    /// Favour nodes with fewer free resources (bin packing).
    MostAllocated,
    /// A broken-linear function of utilisation: `(utilization 0-100, score 0-10)` points,
    /// utilisations increasing.
    RequestedToCapacityRatio(Vec<(i64, i64)>),
}

/// A cluster-level default topology spread constraint (PodTopologySpread's
/// `defaultConstraints`), applied to pods without constraints of their own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefaultSpreadConstraint {
    /// Topology key.
    pub topology_key: String,
    /// `maxSkew`.
    pub max_skew: i64,
    /// `DoNotSchedule` when true, `ScheduleAnyway` otherwise.
    pub hard: bool,
}

impl DefaultSpreadConstraint {
    /// kube-scheduler's system defaults (`defaultingType: System`): hostname with
    /// maxSkew 3 and zone with maxSkew 5, both `ScheduleAnyway`.
    pub fn system() -> Vec<DefaultSpreadConstraint> {
        vec![
            DefaultSpreadConstraint {
                topology_key: "kubernetes.io/hostname".into(),
                max_skew: 3,
                hard: false,
            },
            DefaultSpreadConstraint {
                topology_key: "topology.kubernetes.io/zone".into(),
                max_skew: 5,
                hard: false,
            },
        ]
    }
}

/// The scheduling profile. [`Profile::default`] is kube-scheduler v1.35's
/// `default-scheduler` profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// Score plugin weights, in score order. A plugin absent here does not score.
    pub score_weights: Vec<(Plugin, i64)>,
    /// NodeResourcesFit's scoring strategy.
    pub fit_strategy: ScoringStrategy,
    /// NodeResourcesFit's scoring resources.
    pub fit_resources: Vec<ResourceSpec>,
    /// NodeResourcesFit's `ignoredResources`.
    pub fit_ignored_resources: Vec<String>,
    /// NodeResourcesFit's `ignoredResourceGroups`.
    pub fit_ignored_resource_groups: Vec<String>,
    /// NodeResourcesBalancedAllocation's resources.
    pub balanced_resources: Vec<ResourceSpec>,
    /// InterPodAffinity's `hardPodAffinityWeight`.
    pub hard_pod_affinity_weight: i64,
    /// InterPodAffinity's `ignorePreferredTermsOfExistingPods`.
    pub ignore_preferred_terms_of_existing_pods: bool,
    /// PodTopologySpread's default constraints.
    pub default_spread_constraints: Vec<DefaultSpreadConstraint>,
    /// PodTopologySpread's `defaultingType: System` (then nodes missing a default
    /// constraint's key still score on the others).
    pub spread_system_defaulted: bool,
}

impl Default for Profile {
    fn default() -> Profile {
        Profile {
            score_weights: vec![
                (Plugin::TaintToleration, 3),
                (Plugin::NodeAffinity, 2),
                (Plugin::NodeResourcesFit, 1),
                (Plugin::VolumeBinding, 1),
                (Plugin::PodTopologySpread, 2),
                (Plugin::InterPodAffinity, 2),
                (Plugin::DynamicResources, 2),
                (Plugin::NodeResourcesBalancedAllocation, 1),
                (Plugin::ImageLocality, 1),
            ],
            fit_strategy: ScoringStrategy::LeastAllocated,
            fit_resources: ResourceSpec::cpu_and_memory(),
            fit_ignored_resources: Vec::new(),
            fit_ignored_resource_groups: Vec::new(),
            balanced_resources: ResourceSpec::cpu_and_memory(),
            hard_pod_affinity_weight: 1,
            ignore_preferred_terms_of_existing_pods: false,
            default_spread_constraints: DefaultSpreadConstraint::system(),
            spread_system_defaulted: true,
        }
    }
}

impl Profile {
    /// The weight of a score plugin, if it scores.
    pub fn weight(&self, plugin: Plugin) -> Option<i64> {
        self.score_weights
            .iter()
            .find(|(p, _)| *p == plugin)
            .map(|(_, w)| *w)
    }
}
