//! The HorizontalPodAutoscaler (autoscaling/v2) algorithm, as kube-controller-manager
//! v1.35 computes it for resource metrics (`cpu` and `memory` with `Utilization`
//! targets).
//!
//! [`Hpa::sync`] is one reconcile of `pkg/controller/podautoscaler/horizontal.go`
//! (`reconcileAutoscaler`): the special cases for a target at zero replicas or
//! outside `[minReplicas, maxReplicas]`, one replica proposal per metric from
//! `replica_calculator.go` (`GetResourceReplicas`, `groupPods`, the missing and
//! unready pod rules, the tolerance), the largest proposal, then either the
//! behaviour path (`normalizeDesiredReplicasWithBehaviors`: stabilisation windows
//! over past recommendations, rate limits from the scale events of the last
//! `periodSeconds`, `selectPolicy`) or, when `spec.behavior` is unset, the legacy
//! path (`normalizeDesiredReplicas`: a 5-minute scale-down stabilisation and a
//! scale-up cap of `max(2 × current, 4)`), and the final bounds.
//!
//! The controller's flags keep their defaults unless a [`ControllerConfig`] says
//! otherwise: sync period 15 s (the caller calls [`Hpa::sync`] that often),
//! tolerance 0.1, CPU initialisation period 5 min, initial readiness delay 30 s,
//! downscale stabilisation 5 min.
//!
//! # Simplifications
//!
//! Upstream reads pods from the API and samples from metrics-server; the simulator
//! hands over [`PodSample`]s instead, so:
//!
//! * A metric sample is taken at `now` and covers [`ControllerConfig::metric_window`]
//!   seconds (30 s by default). Upstream reads the sample's own timestamp and
//!   window; they only matter for CPU pods still inside the initialisation period
//!   (a sample counts once one full window has passed since the Ready condition
//!   last changed).
//! * A running pod always has a start time and a Ready condition (upstream treats
//!   a pod without either as unready for CPU).
//! * A pod's request is the sum over its containers; a request of 0 stands for a
//!   container without a request for that resource, which upstream rejects with
//!   `missing request for <resource>` (and so does [`Hpa::sync`]: the metric is
//!   invalid, nothing scales on it).
//! * One `Utilization` target per resource, cpu first, then memory (upstream keeps
//!   the order of `spec.metrics`, which only decides which metric a tie or the
//!   first error is reported for).
//! * Metrics returned for pods that are not in the list cannot occur (upstream
//!   skips them).
//! * Arithmetic is done in `i128`/`f64` and saturates at the `i32` bounds where
//!   upstream's `int32`/`int64` would wrap or be undefined; within any real range
//!   the numbers are upstream's.

use std::fmt;

use k8s_openapi::api::autoscaling::v2 as autoscaling;
use spillway_core::Quantity;

/// How often kube-controller-manager reconciles each HPA
/// (`--horizontal-pod-autoscaler-sync-period`), in seconds: call [`Hpa::sync`]
/// this often.
pub const SYNC_PERIOD_SECONDS: u64 = 15;

/// The controller's default tolerance (`--horizontal-pod-autoscaler-tolerance`).
pub const DEFAULT_TOLERANCE: f64 = 0.1;

/// The CPU utilisation target the API server fills in when `spec.metrics` is empty.
pub const DEFAULT_CPU_UTILIZATION: i32 = 80;

/// The longest `stabilizationWindowSeconds` the API server accepts.
pub const MAX_STABILIZATION_WINDOW_SECONDS: u64 = 3600;

/// The longest `periodSeconds` of a scaling policy the API server accepts.
pub const MAX_PERIOD_SECONDS: u64 = 1800;

/// Legacy path (no `spec.behavior`): scale up to at most this factor of current…
const SCALE_UP_LIMIT_FACTOR: f64 = 2.0;
/// …or to this many replicas, whichever is more.
const SCALE_UP_LIMIT_MINIMUM: f64 = 4.0;

/// kube-controller-manager's HPA flags that are not part of the HPA object.
///
/// ```
/// use spillway_sim::hpa::ControllerConfig;
///
/// let config = ControllerConfig::default();
/// assert_eq!(config.cpu_initialization_period, 300);
/// assert_eq!(config.downscale_stabilization_window, 300);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ControllerConfig {
    /// `--horizontal-pod-autoscaler-cpu-initialization-period` (seconds, default
    /// 300): how long after its start a pod's CPU samples are distrusted.
    pub cpu_initialization_period: u64,
    /// `--horizontal-pod-autoscaler-initial-readiness-delay` (seconds, default 30):
    /// after the initialisation period, an unready pod whose Ready condition last
    /// changed within this long after its start is taken as never ready.
    pub initial_readiness_delay: u64,
    /// `--horizontal-pod-autoscaler-downscale-stabilization` (seconds, default
    /// 300): the scale-down window when `spec.behavior` is unset.
    pub downscale_stabilization_window: u64,
    /// The window each metrics-server sample covers (seconds, default 30); see the
    /// module documentation.
    pub metric_window: u64,
}

impl Default for ControllerConfig {
    fn default() -> ControllerConfig {
        ControllerConfig {
            cpu_initialization_period: 300,
            initial_readiness_delay: 30,
            downscale_stabilization_window: 300,
            metric_window: 30,
        }
    }
}

/// A resource an HPA can target with a `Utilization` metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Resource {
    /// `cpu`, in millicores.
    Cpu,
    /// `memory`, in bytes.
    Memory,
}

impl Resource {
    /// The Kubernetes resource name: `cpu` or `memory`.
    pub fn name(self) -> &'static str {
        match self {
            Resource::Cpu => "cpu",
            Resource::Memory => "memory",
        }
    }

    /// Factor from the sample's unit to upstream's `MilliValue()`.
    fn milli_factor(self) -> i128 {
        match self {
            Resource::Cpu => 1,
            Resource::Memory => 1000,
        }
    }
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One pod of the scale target as the HPA sees it: its status and its latest
/// metrics-server sample.
///
/// `Default` is a pod that is running, not Ready, started at time 0, with no
/// requests and no metrics; set what matters:
///
/// ```
/// use spillway_sim::hpa::PodSample;
///
/// let pod = PodSample {
///     ready: true,
///     cpu_request_milli: 500,
///     cpu_usage_milli: Some(400),
///     ..PodSample::default()
/// };
/// assert!(!pod.pending && !pod.deleting);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PodSample {
    /// The pod's Ready condition is True.
    pub ready: bool,
    /// The pod is in phase Pending: not scheduled yet, or scheduled but its
    /// containers have not all started (an ECI instance still being created). The
    /// HPA counts such a pod as unready: left out of the average, and as using
    /// nothing when it would scale up.
    pub pending: bool,
    /// The pod has a deletion timestamp (it is terminating) or is in phase Failed:
    /// the HPA ignores it and its metrics.
    pub deleting: bool,
    /// When the pod started (`status.startTime`), in simulation seconds.
    pub started_at: u64,
    /// When the Ready condition last changed (`lastTransitionTime`), in simulation
    /// seconds.
    pub ready_changed_at: u64,
    /// The pod's CPU request (sum over its containers), in millicores; 0 means a
    /// container has none.
    pub cpu_request_milli: i64,
    /// The pod's memory request (sum over its containers), in bytes; 0 means a
    /// container has none.
    pub memory_request_bytes: i64,
    /// The pod's CPU usage in the latest sample, in millicores; `None` when
    /// metrics-server has no sample for the pod.
    pub cpu_usage_milli: Option<i64>,
    /// The pod's memory usage in the latest sample, in bytes; `None` when
    /// metrics-server has no sample for the pod.
    pub memory_usage_bytes: Option<i64>,
}

impl PodSample {
    /// The request, in upstream's milli-units.
    fn request_milli(&self, resource: Resource) -> i128 {
        let value = match resource {
            Resource::Cpu => self.cpu_request_milli,
            Resource::Memory => self.memory_request_bytes,
        };
        i128::from(value) * resource.milli_factor()
    }

    /// The sampled usage, in upstream's milli-units.
    fn usage_milli(&self, resource: Resource) -> Option<i128> {
        let value = match resource {
            Resource::Cpu => self.cpu_usage_milli,
            Resource::Memory => self.memory_usage_bytes,
        };
        value.map(|v| i128::from(v) * resource.milli_factor())
    }
}

/// The kind of an `HPAScalingPolicy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyKind {
    /// `Pods`: at most `value` replicas added (removed) per period.
    Pods,
    /// `Percent`: at most `value` percent of the replicas at the start of the
    /// period added (removed) per period.
    Percent,
}

/// `HPAScalingPolicy`: one rate limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// `type`.
    pub kind: PolicyKind,
    /// `value` (> 0).
    pub value: i32,
    /// `periodSeconds` (1..=1800).
    pub period_seconds: u64,
}

/// `selectPolicy`: how several policies of one direction combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Select {
    /// `Max`: the policy that allows the largest change.
    Max,
    /// `Min`: the policy that allows the smallest change.
    Min,
    /// `Disabled`: no scaling in this direction.
    Disabled,
}

/// `HPAScalingRules`: the behaviour of one direction.
#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    /// `stabilizationWindowSeconds` (≤ 3600).
    pub stabilization_window_seconds: u64,
    /// `selectPolicy`.
    pub select: Select,
    /// `policies` (at least one).
    pub policies: Vec<Policy>,
    /// `tolerance` (beta `HPAConfigurableTolerance`, on in v1.35): the tolerance of
    /// this direction; `None` uses [`HpaSpec::tolerance`].
    pub tolerance: Option<f64>,
}

impl Rules {
    /// Upstream's default scale-up rules: no stabilisation, the larger of 4 pods
    /// or 100 % per 15 s.
    pub fn default_scale_up() -> Rules {
        Rules {
            stabilization_window_seconds: 0,
            select: Select::Max,
            policies: vec![
                Policy {
                    kind: PolicyKind::Pods,
                    value: 4,
                    period_seconds: 15,
                },
                Policy {
                    kind: PolicyKind::Percent,
                    value: 100,
                    period_seconds: 15,
                },
            ],
            tolerance: None,
        }
    }

    /// Upstream's default scale-down rules: a 300 s window (the controller's
    /// `--horizontal-pod-autoscaler-downscale-stabilization` default) and 100 %
    /// per 15 s.
    pub fn default_scale_down() -> Rules {
        Rules {
            stabilization_window_seconds: 300,
            select: Select::Max,
            policies: vec![Policy {
                kind: PolicyKind::Percent,
                value: 100,
                period_seconds: 15,
            }],
            tolerance: None,
        }
    }

    /// The longest `periodSeconds` of the policies (`getLongestPolicyPeriod`).
    fn longest_policy_period(&self) -> u64 {
        self.policies
            .iter()
            .map(|p| p.period_seconds)
            .max()
            .unwrap_or(0)
    }
}

/// `HorizontalPodAutoscalerBehavior`, defaulted as the API server defaults it.
#[derive(Debug, Clone, PartialEq)]
pub struct Behavior {
    /// `scaleUp`.
    pub scale_up: Rules,
    /// `scaleDown`.
    pub scale_down: Rules,
}

impl Default for Behavior {
    /// Upstream's defaults for both directions ([`Rules::default_scale_up`],
    /// [`Rules::default_scale_down`]).
    fn default() -> Behavior {
        Behavior {
            scale_up: Rules::default_scale_up(),
            scale_down: Rules::default_scale_down(),
        }
    }
}

/// What the simulator needs of a HorizontalPodAutoscaler's spec.
#[derive(Debug, Clone, PartialEq)]
pub struct HpaSpec {
    /// `minReplicas` (default 1, ≥ 1).
    pub min_replicas: i32,
    /// `maxReplicas` (≥ `min_replicas`).
    pub max_replicas: i32,
    /// A `Resource` metric on `cpu` with this `averageUtilization` (percent of
    /// request).
    pub cpu_utilization: Option<i32>,
    /// A `Resource` metric on `memory` with this `averageUtilization` (percent of
    /// request).
    pub memory_utilization: Option<i32>,
    /// `behavior`. `None` (the field unset) is not the same as the defaults: the
    /// controller then takes its legacy path (5-minute scale-down stabilisation,
    /// scale-up capped at `max(2 × current, 4)` per sync).
    pub behavior: Option<Behavior>,
    /// The cluster-wide tolerance (`--horizontal-pod-autoscaler-tolerance`, 0.1),
    /// used in each direction whose rules set none.
    pub tolerance: f64,
}

/// An error converting or validating an HPA: the field path
/// (`spec.behavior.scaleUp.policies[0].value`) and the message.
pub type FieldError = (String, String);

impl HpaSpec {
    /// An HPA from `min_replicas` to `max_replicas` with the API server's default
    /// metric (cpu at 80 %), no `behavior` and the default tolerance.
    ///
    /// ```
    /// use spillway_sim::hpa::HpaSpec;
    ///
    /// let spec = HpaSpec::new(2, 10);
    /// assert_eq!(spec.cpu_utilization, Some(80));
    /// assert!(spec.validate().is_ok());
    /// ```
    pub fn new(min_replicas: i32, max_replicas: i32) -> HpaSpec {
        HpaSpec {
            min_replicas,
            max_replicas,
            cpu_utilization: Some(DEFAULT_CPU_UTILIZATION),
            memory_utilization: None,
            behavior: None,
            tolerance: DEFAULT_TOLERANCE,
        }
    }

    /// Reads an autoscaling/v2 HorizontalPodAutoscaler as the API server would
    /// store it: `minReplicas` defaults to 1, an empty `metrics` to cpu at 80 %,
    /// and a set `behavior` has its unset fields filled with upstream's defaults
    /// (`SetDefaults_HorizontalPodAutoscaler`); then the object is validated as
    /// the API server validates it (`maxReplicas ≥ minReplicas ≥ 1`, policy values
    /// > 0, `periodSeconds` in 1..=1800, windows ≤ 3600, tolerances ≥ 0).
    ///
    /// ```
    /// use k8s_openapi::api::autoscaling::v2::{
    ///     HorizontalPodAutoscaler, HorizontalPodAutoscalerSpec, MetricSpec, MetricTarget,
    ///     ResourceMetricSource,
    /// };
    /// use spillway_sim::hpa::HpaSpec;
    ///
    /// let hpa = HorizontalPodAutoscaler {
    ///     spec: Some(HorizontalPodAutoscalerSpec {
    ///         max_replicas: 10,
    ///         metrics: Some(vec![MetricSpec {
    ///             type_: "Resource".into(),
    ///             resource: Some(ResourceMetricSource {
    ///                 name: "cpu".into(),
    ///                 target: MetricTarget {
    ///                     type_: "Utilization".into(),
    ///                     average_utilization: Some(60),
    ///                     ..Default::default()
    ///                 },
    ///             }),
    ///             ..Default::default()
    ///         }]),
    ///         ..Default::default()
    ///     }),
    ///     ..Default::default()
    /// };
    /// let spec = HpaSpec::from_k8s(&hpa).map_err(|(field, message)| format!("{field}: {message}"))?;
    /// assert_eq!((spec.min_replicas, spec.max_replicas), (1, 10));
    /// assert_eq!(spec.cpu_utilization, Some(60));
    /// assert!(spec.behavior.is_none());
    /// # Ok::<(), String>(())
    /// ```
    ///
    /// # Errors
    /// The first invalid field, with its path (`spec.maxReplicas`,
    /// `spec.behavior.scaleDown.policies[0].periodSeconds`, …) and upstream's
    /// message; a metric spillway does not simulate (any type but `Resource`, a
    /// resource other than cpu and memory, an `AverageValue` target) is an error
    /// naming `spec.metrics[i]` or the offending field under it.
    pub fn from_k8s(hpa: &autoscaling::HorizontalPodAutoscaler) -> Result<HpaSpec, FieldError> {
        let Some(spec) = hpa.spec.as_ref() else {
            return Err(field_err("spec", "Required value"));
        };
        let min_replicas = spec.min_replicas.unwrap_or(1);
        if min_replicas < 1 {
            return Err(field_err(
                "spec.minReplicas",
                format!("Invalid value: {min_replicas}: must be greater than or equal to 1"),
            ));
        }
        if spec.max_replicas < 1 {
            return Err(field_err(
                "spec.maxReplicas",
                format!(
                    "Invalid value: {}: must be greater than 0",
                    spec.max_replicas
                ),
            ));
        }
        if spec.max_replicas < min_replicas {
            return Err(field_err(
                "spec.maxReplicas",
                format!(
                    "Invalid value: {}: must be greater than or equal to `minReplicas`",
                    spec.max_replicas
                ),
            ));
        }
        let mut out = HpaSpec {
            min_replicas,
            max_replicas: spec.max_replicas,
            cpu_utilization: None,
            memory_utilization: None,
            behavior: None,
            tolerance: DEFAULT_TOLERANCE,
        };
        let metrics = spec.metrics.as_deref().unwrap_or(&[]);
        if metrics.is_empty() {
            out.cpu_utilization = Some(DEFAULT_CPU_UTILIZATION);
        }
        for (i, metric) in metrics.iter().enumerate() {
            let (resource, target) = metric_from_k8s(metric, &format!("spec.metrics[{i}]"))?;
            let slot = match resource {
                Resource::Cpu => &mut out.cpu_utilization,
                Resource::Memory => &mut out.memory_utilization,
            };
            if slot.is_some() {
                return Err(field_err(
                    format!("spec.metrics[{i}]"),
                    format!(
                        "a second {resource} Utilization target: spillway simulates one target per resource"
                    ),
                ));
            }
            *slot = Some(target);
        }
        if let Some(behavior) = spec.behavior.as_ref() {
            out.behavior = Some(Behavior {
                scale_up: rules_from_k8s(
                    behavior.scale_up.as_ref(),
                    Rules::default_scale_up(),
                    "spec.behavior.scaleUp",
                )?,
                scale_down: rules_from_k8s(
                    behavior.scale_down.as_ref(),
                    Rules::default_scale_down(),
                    "spec.behavior.scaleDown",
                )?,
            });
        }
        out.validate()?;
        Ok(out)
    }

    /// Checks what the API server checks, with its field paths, and that the
    /// tolerances are finite and not negative.
    ///
    /// ```
    /// use spillway_sim::hpa::HpaSpec;
    ///
    /// let mut spec = HpaSpec::new(3, 2);
    /// assert_eq!(spec.validate().unwrap_err().0, "spec.maxReplicas");
    /// spec.max_replicas = 5;
    /// assert!(spec.validate().is_ok());
    /// ```
    ///
    /// # Errors
    /// The first invalid field and why.
    pub fn validate(&self) -> Result<(), FieldError> {
        if self.min_replicas < 1 {
            return Err(field_err(
                "spec.minReplicas",
                format!(
                    "Invalid value: {}: must be greater than or equal to 1",
                    self.min_replicas
                ),
            ));
        }
        if self.max_replicas < self.min_replicas {
            return Err(field_err(
                "spec.maxReplicas",
                format!(
                    "Invalid value: {}: must be greater than or equal to `minReplicas`",
                    self.max_replicas
                ),
            ));
        }
        for (name, target) in [
            ("cpu", self.cpu_utilization),
            ("memory", self.memory_utilization),
        ] {
            if let Some(t) = target
                && t < 1
            {
                return Err(field_err(
                    format!("spec.metrics[{name}].resource.target.averageUtilization"),
                    format!("Invalid value: {t}: must be greater than 0"),
                ));
            }
        }
        if !(self.tolerance.is_finite() && self.tolerance >= 0.0) {
            return Err(field_err(
                "tolerance",
                format!(
                    "Invalid value: {}: must be a finite number greater than or equal to zero",
                    self.tolerance
                ),
            ));
        }
        if let Some(b) = &self.behavior {
            validate_rules(&b.scale_up, "spec.behavior.scaleUp")?;
            validate_rules(&b.scale_down, "spec.behavior.scaleDown")?;
        }
        Ok(())
    }

    /// The metrics in the order they are evaluated.
    fn metrics(&self) -> Vec<(Resource, i32)> {
        let mut out = Vec::with_capacity(2);
        if let Some(t) = self.cpu_utilization {
            out.push((Resource::Cpu, t));
        }
        if let Some(t) = self.memory_utilization {
            out.push((Resource::Memory, t));
        }
        out
    }

    /// The tolerances in force (`tolerancesForHpa`).
    fn tolerances(&self) -> Tolerances {
        let mut t = Tolerances {
            scale_down: self.tolerance,
            scale_up: self.tolerance,
        };
        if let Some(b) = &self.behavior {
            if let Some(down) = b.scale_down.tolerance {
                t.scale_down = down;
            }
            if let Some(up) = b.scale_up.tolerance {
                t.scale_up = up;
            }
        }
        t
    }
}

fn field_err(field: impl Into<String>, message: impl Into<String>) -> FieldError {
    (field.into(), message.into())
}

/// One `spec.metrics[i]` entry: must be a `Resource` metric on cpu or memory
/// with an `averageUtilization` target.
fn metric_from_k8s(
    metric: &autoscaling::MetricSpec,
    path: &str,
) -> Result<(Resource, i32), FieldError> {
    const TYPES: [&str; 5] = [
        "ContainerResource",
        "External",
        "Object",
        "Pods",
        "Resource",
    ];
    let kind = metric.type_.as_str();
    if kind.is_empty() {
        return Err(field_err(
            format!("{path}.type"),
            "Required value: must specify a metric source type",
        ));
    }
    if !TYPES.contains(&kind) {
        return Err(field_err(
            format!("{path}.type"),
            format!(
                "Unsupported value: \"{kind}\": supported values: \"ContainerResource\", \"External\", \"Object\", \"Pods\", \"Resource\""
            ),
        ));
    }
    if kind != "Resource" {
        return Err(field_err(
            path,
            format!(
                "metric type \"{kind}\" is not simulated: spillway simulates Resource metrics (cpu, memory) with Utilization targets only"
            ),
        ));
    }
    let others = [
        ("containerResource", metric.container_resource.is_some()),
        ("external", metric.external.is_some()),
        ("object", metric.object.is_some()),
        ("pods", metric.pods.is_some()),
    ];
    if let Some((other, _)) = others.iter().find(|(_, set)| *set) {
        return Err(field_err(
            format!("{path}.{other}"),
            "Forbidden: must populate the given metric source only",
        ));
    }
    let Some(source) = metric.resource.as_ref() else {
        return Err(field_err(
            format!("{path}.resource"),
            "Required value: must populate information for the given metric source",
        ));
    };
    let resource = match source.name.as_str() {
        "" => {
            return Err(field_err(
                format!("{path}.resource.name"),
                "Required value: must specify a resource name",
            ));
        }
        "cpu" => Resource::Cpu,
        "memory" => Resource::Memory,
        other => {
            return Err(field_err(
                format!("{path}.resource.name"),
                format!(
                    "resource \"{other}\" is not simulated: spillway simulates cpu and memory only"
                ),
            ));
        }
    };
    let target = &source.target;
    let target_path = format!("{path}.resource.target");
    match target.type_.as_str() {
        "" => {
            return Err(field_err(
                format!("{target_path}.type"),
                "Required value: must specify a metric target type",
            ));
        }
        "Utilization" | "Value" | "AverageValue" => {}
        other => {
            return Err(field_err(
                format!("{target_path}.type"),
                format!(
                    "Invalid value: \"{other}\": must be either Utilization, Value, or AverageValue"
                ),
            ));
        }
    }
    if let Some(value) = target.value.as_ref()
        && !quantity_is_positive(&value.0)
    {
        return Err(field_err(
            format!("{target_path}.value"),
            format!("Invalid value: \"{}\": must be positive", value.0),
        ));
    }
    if let Some(value) = target.average_value.as_ref()
        && !quantity_is_positive(&value.0)
    {
        return Err(field_err(
            format!("{target_path}.averageValue"),
            format!("Invalid value: \"{}\": must be positive", value.0),
        ));
    }
    if let Some(u) = target.average_utilization
        && u < 1
    {
        return Err(field_err(
            format!("{target_path}.averageUtilization"),
            format!("Invalid value: {u}: must be greater than 0"),
        ));
    }
    match (target.average_utilization, target.average_value.as_ref()) {
        (None, None) => Err(field_err(
            format!("{target_path}.averageUtilization"),
            "Required value: must set either a target raw value or a target utilization",
        )),
        (Some(_), Some(_)) => Err(field_err(
            format!("{target_path}.averageValue"),
            "Forbidden: may not set both a target raw value and a target utilization",
        )),
        (None, Some(_)) => Err(field_err(
            format!("{target_path}.averageValue"),
            "AverageValue targets are not simulated: spillway simulates Utilization targets only",
        )),
        (Some(u), None) => Ok((resource, u)),
    }
}

fn quantity_is_positive(s: &str) -> bool {
    Quantity::parse(s.trim()).is_ok_and(|q| q.nanos() > 0)
}

/// `GenerateHPAScale{Up,Down}Rules` (unset fields take the defaults), then the
/// API server's checks of the fields the user set.
fn rules_from_k8s(
    rules: Option<&autoscaling::HPAScalingRules>,
    defaults: Rules,
    path: &str,
) -> Result<Rules, FieldError> {
    let Some(rules) = rules else {
        return Ok(defaults);
    };
    let mut out = defaults;
    if let Some(w) = rules.stabilization_window_seconds {
        if w < 0 {
            return Err(field_err(
                format!("{path}.stabilizationWindowSeconds"),
                format!("Invalid value: {w}: must be greater than or equal to zero"),
            ));
        }
        out.stabilization_window_seconds = u64::try_from(w).unwrap_or(0);
    }
    if let Some(select) = rules.select_policy.as_deref() {
        out.select = match select {
            "Max" => Select::Max,
            "Min" => Select::Min,
            "Disabled" => Select::Disabled,
            other => {
                return Err(field_err(
                    format!("{path}.selectPolicy"),
                    format!(
                        "Unsupported value: \"{other}\": supported values: \"Disabled\", \"Max\", \"Min\""
                    ),
                ));
            }
        };
    }
    if let Some(policies) = rules.policies.as_ref() {
        let mut converted = Vec::with_capacity(policies.len());
        for (i, p) in policies.iter().enumerate() {
            let ppath = format!("{path}.policies[{i}]");
            let kind = match p.type_.as_str() {
                "Pods" => PolicyKind::Pods,
                "Percent" => PolicyKind::Percent,
                other => {
                    return Err(field_err(
                        format!("{ppath}.type"),
                        format!(
                            "Unsupported value: \"{other}\": supported values: \"Percent\", \"Pods\""
                        ),
                    ));
                }
            };
            if p.value <= 0 {
                return Err(field_err(
                    format!("{ppath}.value"),
                    format!("Invalid value: {}: must be greater than zero", p.value),
                ));
            }
            if p.period_seconds <= 0 {
                return Err(field_err(
                    format!("{ppath}.periodSeconds"),
                    format!(
                        "Invalid value: {}: must be greater than zero",
                        p.period_seconds
                    ),
                ));
            }
            converted.push(Policy {
                kind,
                value: p.value,
                period_seconds: u64::try_from(p.period_seconds).unwrap_or(0),
            });
        }
        out.policies = converted;
    }
    if let Some(q) = rules.tolerance.as_ref() {
        let text = q.0.trim();
        let parsed = Quantity::parse(text).map_err(|e| {
            field_err(
                format!("{path}.tolerance"),
                format!("Invalid value: \"{text}\": {e}"),
            )
        })?;
        if parsed.is_negative() {
            return Err(field_err(
                format!("{path}.tolerance"),
                format!("Invalid value: \"{text}\": must be greater than or equal to zero"),
            ));
        }
        // AsApproximateFloat64.
        out.tolerance = Some(parsed.nanos() as f64 / 1e9);
    }
    Ok(out)
}

/// `validateScalingRules` on converted rules.
fn validate_rules(rules: &Rules, path: &str) -> Result<(), FieldError> {
    if rules.stabilization_window_seconds > MAX_STABILIZATION_WINDOW_SECONDS {
        return Err(field_err(
            format!("{path}.stabilizationWindowSeconds"),
            format!(
                "Invalid value: {}: must be less than or equal to {MAX_STABILIZATION_WINDOW_SECONDS}",
                rules.stabilization_window_seconds
            ),
        ));
    }
    if rules.policies.is_empty() {
        return Err(field_err(
            format!("{path}.policies"),
            "Required value: must specify at least one Policy",
        ));
    }
    for (i, p) in rules.policies.iter().enumerate() {
        if p.value <= 0 {
            return Err(field_err(
                format!("{path}.policies[{i}].value"),
                format!("Invalid value: {}: must be greater than zero", p.value),
            ));
        }
        if p.period_seconds == 0 {
            return Err(field_err(
                format!("{path}.policies[{i}].periodSeconds"),
                "Invalid value: 0: must be greater than zero",
            ));
        }
        if p.period_seconds > MAX_PERIOD_SECONDS {
            return Err(field_err(
                format!("{path}.policies[{i}].periodSeconds"),
                format!(
                    "Invalid value: {}: must be less than or equal to {MAX_PERIOD_SECONDS}",
                    p.period_seconds
                ),
            ));
        }
    }
    if let Some(t) = rules.tolerance
        && !(t.is_finite() && t >= 0.0)
    {
        return Err(field_err(
            format!("{path}.tolerance"),
            format!("Invalid value: {t}: must be greater than or equal to zero"),
        ));
    }
    Ok(())
}

/// Why a desired count was cut back (the `ScalingLimited` condition's reason).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalingLimit {
    /// `ScaleUpLimit`: a scale-up rate limit (policies, or the legacy cap).
    ScaleUpLimit,
    /// `ScaleDownLimit`: a scale-down rate limit.
    ScaleDownLimit,
    /// `TooManyReplicas`: `maxReplicas`.
    TooManyReplicas,
    /// `TooFewReplicas`: `minReplicas`.
    TooFewReplicas,
}

impl ScalingLimit {
    /// Upstream's condition reason (`ScaleUpLimit`, …).
    pub fn reason(self) -> &'static str {
        match self {
            ScalingLimit::ScaleUpLimit => "ScaleUpLimit",
            ScalingLimit::ScaleDownLimit => "ScaleDownLimit",
            ScalingLimit::TooManyReplicas => "TooManyReplicas",
            ScalingLimit::TooFewReplicas => "TooFewReplicas",
        }
    }

    /// Upstream's condition message.
    pub fn message(self) -> &'static str {
        match self {
            ScalingLimit::ScaleUpLimit => {
                "the desired replica count is increasing faster than the maximum scale rate"
            }
            ScalingLimit::ScaleDownLimit => {
                "the desired replica count is decreasing faster than the maximum scale rate"
            }
            ScalingLimit::TooManyReplicas => {
                "the desired replica count is more than the maximum replica count"
            }
            ScalingLimit::TooFewReplicas => {
                "the desired replica count is less than the minimum replica count"
            }
        }
    }

    fn summary(self) -> &'static str {
        match self {
            ScalingLimit::ScaleUpLimit => "scale-up limited by policy",
            ScalingLimit::ScaleDownLimit => "scale-down limited by policy",
            ScalingLimit::TooManyReplicas => "limited to maxReplicas",
            ScalingLimit::TooFewReplicas => "raised to minReplicas",
        }
    }
}

/// Why a metric proposed what it proposed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProposalBasis {
    /// The usage ratio is within the tolerance: the current replica count.
    WithinTolerance,
    /// Counting missing or unready pods would reverse the scale direction: the
    /// current replica count.
    DirectionReversed,
    /// `ceil(ratio × pods counted)`.
    Scaled,
}

/// One metric's replica proposal (`GetResourceReplicas`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetricProposal {
    /// The proposed replica count.
    pub replicas: i32,
    /// The current average utilisation, percent of request, over the pods whose
    /// samples count (what `kubectl get hpa` shows).
    pub utilization: i32,
    /// The average usage per counted pod, in millicores (cpu) or bytes (memory).
    pub average_usage: i64,
    /// Why this count.
    pub basis: ProposalBasis,
}

/// The outcome of one metric in one sync.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricResult {
    /// The metric's resource.
    pub resource: Resource,
    /// Its `averageUtilization` target.
    pub target_utilization: i32,
    /// The proposal, or why the metric is invalid this time (upstream's error,
    /// e.g. `did not receive metrics for targeted pods (pods might be unready)`).
    pub outcome: Result<MetricProposal, String>,
}

/// What one sync decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// The replica count the controller writes to the scale subresource (the
    /// current count when it does not scale).
    pub desired: i32,
    /// Why, in words: the metric that drove it (`cpu utilization 120% above target
    /// 80%`, `within tolerance …`), then any stabilisation or limit applied.
    pub reason: String,
    /// The limit that cut the count back, if any.
    pub limit: Option<ScalingLimit>,
    /// Past recommendations (the stabilisation window) changed the count.
    pub stabilized: bool,
    /// Each metric's proposal or error, cpu first (empty when no metric was
    /// evaluated: target at zero replicas or outside the bounds).
    pub metrics: Vec<MetricResult>,
}

/// A past unstabilised recommendation (`timestampedRecommendation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Recommendation {
    replicas: i32,
    at: u64,
}

/// A past scale event (`timestampedScaleEvent`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ScaleEvent {
    /// Replicas added (scale-up events) or removed (scale-down events).
    change: i32,
    at: u64,
    outdated: bool,
}

/// The controller's memory for one HPA: its spec, the past recommendations and
/// the scale events, as kube-controller-manager keeps them per HPA.
///
/// ```
/// use spillway_sim::hpa::{Hpa, HpaSpec, PodSample};
///
/// let mut spec = HpaSpec::new(1, 10);
/// spec.cpu_utilization = Some(50);
/// let mut hpa = Hpa::new(spec);
/// let busy = PodSample {
///     ready: true,
///     cpu_request_milli: 1000,
///     cpu_usage_milli: Some(900),
///     ..PodSample::default()
/// };
/// // 90% against a 50% target on 2 pods: ceil(1.8 × 2) = 4.
/// let decision = hpa.sync(600, 2, &[busy.clone(), busy]);
/// assert_eq!(decision.desired, 4);
/// assert_eq!(decision.reason, "cpu utilization 90% above target 50%");
/// ```
#[derive(Debug, Clone)]
pub struct Hpa {
    spec: HpaSpec,
    config: ControllerConfig,
    /// `None` until the first sync (upstream's nil list: the first sync records
    /// the current count).
    recommendations: Option<Vec<Recommendation>>,
    scale_up_events: Vec<ScaleEvent>,
    scale_down_events: Vec<ScaleEvent>,
}

impl Hpa {
    /// The controller's state for `spec`, with default controller flags.
    ///
    /// ```
    /// use spillway_sim::hpa::{Hpa, HpaSpec};
    ///
    /// let hpa = Hpa::new(HpaSpec::new(1, 3));
    /// assert_eq!(hpa.spec().max_replicas, 3);
    /// ```
    pub fn new(spec: HpaSpec) -> Hpa {
        Hpa::with_config(spec, ControllerConfig::default())
    }

    /// The controller's state for `spec`, with the given controller flags.
    pub fn with_config(spec: HpaSpec, config: ControllerConfig) -> Hpa {
        Hpa {
            spec,
            config,
            recommendations: None,
            scale_up_events: Vec::new(),
            scale_down_events: Vec::new(),
        }
    }

    /// The HPA's spec.
    pub fn spec(&self) -> &HpaSpec {
        &self.spec
    }

    /// The controller flags.
    pub fn config(&self) -> &ControllerConfig {
        &self.config
    }

    /// Replaces the spec (the HPA object was edited), keeping the recommendations
    /// and scale events as the controller does.
    pub fn set_spec(&mut self, spec: HpaSpec) {
        self.spec = spec;
    }

    /// One reconcile at time `now` (seconds) of a scale target whose
    /// `spec.replicas` is `current_replicas` and whose pods (those its selector
    /// matches, in any phase) are `pods`.
    ///
    /// Returns the replica count the controller writes to the scale subresource
    /// and why. Records the unstabilised recommendation and, when the count
    /// changes, the scale event, as the controller does; call it every
    /// [`SYNC_PERIOD_SECONDS`] with non-decreasing `now`.
    ///
    /// ```
    /// use spillway_sim::hpa::{Hpa, HpaSpec};
    ///
    /// let mut hpa = Hpa::new(HpaSpec::new(2, 5));
    /// // Outside the bounds: straight to the bound, no metrics needed.
    /// assert_eq!(hpa.sync(0, 9, &[]).desired, 5);
    /// // A target at zero replicas is left alone.
    /// assert_eq!(hpa.sync(15, 0, &[]).desired, 0);
    /// ```
    pub fn sync(&mut self, now: u64, current_replicas: i32, pods: &[PodSample]) -> Decision {
        let current = current_replicas;
        // recordInitialRecommendation.
        if self.recommendations.is_none() {
            self.recommendations = Some(vec![Recommendation {
                replicas: current,
                at: now,
            }]);
        }
        let min = self.spec.min_replicas;
        let max = self.spec.max_replicas;
        let mut decision = Decision {
            desired: current,
            reason: String::new(),
            limit: None,
            stabilized: false,
            metrics: Vec::new(),
        };
        let desired;
        if current == 0 && min != 0 {
            decision.reason =
                "scaling is disabled since the replica count of the target is zero".into();
            return decision;
        } else if current > max {
            desired = max;
            decision.reason = "Current number of replicas above Spec.MaxReplicas".into();
        } else if current < min {
            desired = min;
            decision.reason = "Current number of replicas below Spec.MinReplicas".into();
        } else {
            let outcome = self.compute_replicas_for_metrics(now, current, pods);
            decision.metrics = outcome.results;
            let (metric_desired, chosen) = match outcome.proposal {
                Ok(p) => p,
                Err(err) => {
                    decision.reason = format!(
                        "failed to compute desired number of replicas based on listed metrics: {err}"
                    );
                    return decision;
                }
            };
            let mut prenormalized = 0;
            if metric_desired > prenormalized {
                prenormalized = metric_desired;
            }
            let mut reason = describe_metrics(&decision.metrics, chosen, current, prenormalized);
            let (normalized, stabilized, limit) = self.normalize(now, current, prenormalized);
            if stabilized != prenormalized {
                decision.stabilized = true;
                // Stabilising only ever lowers a scale-up and raises a scale-down.
                reason.push_str(if stabilized < prenormalized {
                    "; scale-up stabilized: recent recommendations were lower than current one, applying the lowest recent recommendation"
                } else {
                    "; scale-down stabilized: recent recommendations were higher than current one, applying the highest recent recommendation"
                });
            }
            if normalized != stabilized
                && let Some(limit) = limit
            {
                decision.limit = Some(limit);
                reason.push_str(&format!(
                    "; {}: {} ({})",
                    limit.summary(),
                    limit.message(),
                    limit.reason()
                ));
            }
            if let Some(err) = outcome.invalid_error {
                reason.push_str(&format!("; scaling on the valid metrics only: {err}"));
            }
            decision.reason = reason;
            desired = normalized;
        }
        if desired != current {
            self.store_scale_event(now, current, desired);
        }
        decision.desired = desired;
        decision
    }

    /// `computeReplicasForMetrics`: the largest proposal, or the error when every
    /// metric is invalid or some are and the valid ones would scale down.
    fn compute_replicas_for_metrics(
        &self,
        now: u64,
        current: i32,
        pods: &[PodSample],
    ) -> MetricsOutcome {
        let tolerances = self.spec.tolerances();
        let specs = self.spec.metrics();
        let mut results = Vec::with_capacity(specs.len());
        let mut replicas = 0;
        let mut chosen = None;
        let mut invalid = 0usize;
        let mut first_error = None;
        for (i, &(resource, target)) in specs.iter().enumerate() {
            match get_resource_replicas(
                current,
                target,
                resource,
                tolerances,
                pods,
                now,
                &self.config,
            ) {
                Ok(p) => {
                    if replicas == 0 || p.replicas > replicas {
                        replicas = p.replicas;
                        chosen = Some(i);
                    }
                    results.push(MetricResult {
                        resource,
                        target_utilization: target,
                        outcome: Ok(p),
                    });
                }
                Err(e) => {
                    let e = format!(
                        "failed to get {resource} resource metric value: failed to get {resource} utilization: {e}"
                    );
                    if invalid == 0 {
                        first_error = Some(e.clone());
                    }
                    invalid += 1;
                    results.push(MetricResult {
                        resource,
                        target_utilization: target,
                        outcome: Err(e),
                    });
                }
            }
        }
        let invalid_error = first_error.map(|e| {
            format!(
                "invalid metrics ({invalid} invalid out of {}), first error is: {e}",
                specs.len()
            )
        });
        let proposal = if invalid >= specs.len() || (invalid > 0 && replicas < current) {
            match invalid_error.clone() {
                Some(e) => Err(e),
                // No metrics at all: upstream returns -1 without an error and goes on.
                None => Ok((-1, None)),
            }
        } else {
            Ok((replicas, chosen))
        };
        MetricsOutcome {
            results,
            proposal,
            invalid_error: if invalid > 0 && invalid < specs.len() {
                invalid_error
            } else {
                None
            },
        }
    }

    /// `normalizeDesiredReplicasWithBehaviors` or, without `spec.behavior`,
    /// `normalizeDesiredReplicas`: (normalised, stabilised, limit applied).
    fn normalize(
        &mut self,
        now: u64,
        current: i32,
        prenormalized: i32,
    ) -> (i32, i32, Option<ScalingLimit>) {
        let min = self.spec.min_replicas;
        let max = self.spec.max_replicas;
        let recommendations = self.recommendations.get_or_insert_with(Vec::new);
        match &self.spec.behavior {
            Some(behavior) => {
                let stabilized = stabilize_recommendation_with_behaviors(
                    recommendations,
                    now,
                    current,
                    prenormalized,
                    behavior.scale_up.stabilization_window_seconds,
                    behavior.scale_down.stabilization_window_seconds,
                );
                let arg = Normalization {
                    now,
                    current,
                    desired: stabilized,
                    min,
                    max,
                    scale_up: &behavior.scale_up,
                    scale_down: &behavior.scale_down,
                };
                let (desired, limit) = convert_desired_replicas_with_behavior_rate(
                    &arg,
                    &self.scale_up_events,
                    &self.scale_down_events,
                );
                (desired, stabilized, limit)
            }
            None => {
                let stabilized = stabilize_recommendation(
                    recommendations,
                    now,
                    self.config.downscale_stabilization_window,
                    prenormalized,
                );
                let (desired, limit) =
                    convert_desired_replicas_with_rules(current, stabilized, min, max);
                (desired, stabilized, limit)
            }
        }
    }

    /// `storeScaleEvent`: only with `spec.behavior` (nothing reads the events
    /// otherwise); reuses the last outdated slot.
    fn store_scale_event(&mut self, now: u64, prev: i32, new: i32) {
        let Some(behavior) = &self.spec.behavior else {
            return;
        };
        let (events, rules, change) = if new > prev {
            (
                &mut self.scale_up_events,
                &behavior.scale_up,
                i64::from(new) - i64::from(prev),
            )
        } else {
            (
                &mut self.scale_down_events,
                &behavior.scale_down,
                i64::from(prev) - i64::from(new),
            )
        };
        store_event(
            events,
            rules.longest_policy_period(),
            now,
            saturate_i32(change),
        );
    }
}

/// What `compute_replicas_for_metrics` found.
struct MetricsOutcome {
    results: Vec<MetricResult>,
    /// (largest proposal, index of the metric that made it), or the error that
    /// stops this sync.
    proposal: Result<(i32, Option<usize>), String>,
    /// Some metrics were invalid but the sync goes on with the others.
    invalid_error: Option<String>,
}

/// The first part of [`Decision::reason`]: what the metrics said.
fn describe_metrics(
    results: &[MetricResult],
    chosen: Option<usize>,
    current: i32,
    prenormalized: i32,
) -> String {
    let one = |r: &MetricResult| match &r.outcome {
        Ok(p) => format!(
            "{} utilization {}%, target {}%",
            r.resource, p.utilization, r.target_utilization
        ),
        Err(_) => format!("{} invalid", r.resource),
    };
    let all = results.iter().map(one).collect::<Vec<_>>().join("; ");
    if results.is_empty() {
        return if prenormalized < current {
            "no metrics: all metrics below target".into()
        } else {
            "no metrics".into()
        };
    }
    let chosen = chosen.and_then(|i| results.get(i));
    if prenormalized > current {
        if let Some(r) = chosen
            && let Ok(p) = &r.outcome
        {
            return format!(
                "{} utilization {}% above target {}%",
                r.resource, p.utilization, r.target_utilization
            );
        }
        return format!("above target ({all})");
    }
    if prenormalized < current {
        return format!("all metrics below target ({all})");
    }
    match chosen.map(|r| &r.outcome) {
        Some(Ok(p)) if p.basis == ProposalBasis::WithinTolerance => {
            format!("within tolerance ({all})")
        }
        Some(Ok(p)) if p.basis == ProposalBasis::DirectionReversed => {
            format!(
                "no change: counting missing or unready pods would reverse the scale direction ({all})"
            )
        }
        _ => format!("at target ({all})"),
    }
}

/// `Tolerances`: the band of usage ratios that leaves the count alone.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Tolerances {
    scale_down: f64,
    scale_up: f64,
}

impl Tolerances {
    fn is_within(self, ratio: f64) -> bool {
        (1.0 - self.scale_down) <= ratio && ratio <= (1.0 + self.scale_up)
    }
}

/// How `groupPods` classifies a pod.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Group {
    /// Counted with its sample.
    Ready,
    /// Pending, or (cpu) not ready or still warming up: left out, and as 0 % on a
    /// scale-up.
    Unready,
    /// No sample: 0 % on a scale-up, the fallback on a scale-down.
    Missing,
    /// Terminating or failed: left out entirely.
    Ignored,
}

/// `groupPods` for one pod.
fn group_pod(pod: &PodSample, resource: Resource, now: u64, config: &ControllerConfig) -> Group {
    if pod.deleting {
        return Group::Ignored;
    }
    if pod.pending {
        return Group::Unready;
    }
    if pod.usage_milli(resource).is_none() {
        return Group::Missing;
    }
    if resource == Resource::Cpu {
        let unready = if pod
            .started_at
            .saturating_add(config.cpu_initialization_period)
            > now
        {
            // Still within the initialisation period: ignore the sample if the pod
            // is unready, or if one metric window has not passed since the last
            // readiness transition (the sample is taken at `now`).
            !pod.ready || now < pod.ready_changed_at.saturating_add(config.metric_window)
        } else {
            // Ignore the sample if the pod is unready and has never been ready.
            !pod.ready
                && pod
                    .started_at
                    .saturating_add(config.initial_readiness_delay)
                    > pod.ready_changed_at
        };
        if unready {
            return Group::Unready;
        }
    }
    Group::Ready
}

/// `GetResourceUtilizationRatio` over the pods that have a metric: (usage ratio,
/// utilisation percent, average usage in milli-units).
fn resource_utilization_ratio(
    metrics: &[Option<i128>],
    requests: &[i128],
    target: i32,
) -> Result<(f64, i32, i64), String> {
    let mut metrics_total: i128 = 0;
    let mut requests_total: i128 = 0;
    let mut entries: i128 = 0;
    for (metric, request) in metrics.iter().zip(requests) {
        if let Some(m) = metric {
            metrics_total += m;
            requests_total += request;
            entries += 1;
        }
    }
    if requests_total == 0 || entries == 0 {
        return Err("no metrics returned matched known pods".into());
    }
    let percent = metrics_total * 100 / requests_total;
    let utilization = percent.clamp(i128::from(i32::MIN), i128::from(i32::MAX)) as i32;
    let average =
        (metrics_total / entries).clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64;
    Ok((
        f64::from(utilization) / f64::from(target),
        utilization,
        average,
    ))
}

/// `int32(math.Ceil(x))`, saturating.
fn ceil_i32(x: f64) -> i32 {
    x.ceil() as i32
}

fn saturate_i32(x: i64) -> i32 {
    x.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32
}

/// `GetResourceReplicas`: one metric's replica proposal.
fn get_resource_replicas(
    current: i32,
    target: i32,
    resource: Resource,
    tolerances: Tolerances,
    pods: &[PodSample],
    now: u64,
    config: &ControllerConfig,
) -> Result<MetricProposal, String> {
    // The resource metrics API returns nothing when no pod has a sample.
    if !pods.iter().any(|p| p.usage_milli(resource).is_some()) {
        return Err(format!(
            "unable to get metrics for resource {resource}: no metrics returned from resource metrics API"
        ));
    }
    let groups: Vec<Group> = pods
        .iter()
        .map(|p| group_pod(p, resource, now, config))
        .collect();
    let count = |g: Group| groups.iter().filter(|&&x| x == g).count();
    let ready_count = count(Group::Ready);
    let unready_count = count(Group::Unready);
    let missing_count = count(Group::Missing);
    // removeMetricsForPods(ignored), (unready): only ready pods keep a sample.
    let mut metrics: Vec<Option<i128>> = pods
        .iter()
        .zip(&groups)
        .map(|(p, g)| match g {
            Group::Ready => p.usage_milli(resource),
            _ => None,
        })
        .collect();
    if ready_count == 0 {
        return Err("did not receive metrics for targeted pods (pods might be unready)".into());
    }
    let mut requests = Vec::with_capacity(pods.len());
    for (i, p) in pods.iter().enumerate() {
        let r = p.request_milli(resource);
        if r <= 0 {
            return Err(format!("missing request for {resource} in Pod #{i}"));
        }
        requests.push(r);
    }

    let (usage_ratio, utilization, raw) = resource_utilization_ratio(&metrics, &requests, target)?;
    let average_usage = raw / resource.milli_factor() as i64;
    let proposal = |replicas: i32, basis: ProposalBasis| MetricProposal {
        replicas,
        utilization,
        average_usage,
        basis,
    };

    let scale_up_with_unready = unready_count > 0 && usage_ratio > 1.0;
    if !scale_up_with_unready && missing_count == 0 {
        if tolerances.is_within(usage_ratio) {
            return Ok(proposal(current, ProposalBasis::WithinTolerance));
        }
        return Ok(proposal(
            ceil_i32(usage_ratio * ready_count as f64),
            ProposalBasis::Scaled,
        ));
    }

    if missing_count > 0 {
        if usage_ratio < 1.0 {
            // On a scale-down, missing pods use 100 % of their request, or the
            // target when it is above 100 %.
            let fallback = i128::from(target.max(100));
            for ((m, g), r) in metrics.iter_mut().zip(&groups).zip(&requests) {
                if *g == Group::Missing {
                    *m = Some(r * fallback / 100);
                }
            }
        } else if usage_ratio > 1.0 {
            // On a scale-up, missing pods use nothing.
            for (m, g) in metrics.iter_mut().zip(&groups) {
                if *g == Group::Missing {
                    *m = Some(0);
                }
            }
        }
    }
    if scale_up_with_unready {
        for (m, g) in metrics.iter_mut().zip(&groups) {
            if *g == Group::Unready {
                *m = Some(0);
            }
        }
    }

    let (new_usage_ratio, _, _) = resource_utilization_ratio(&metrics, &requests, target)?;
    if tolerances.is_within(new_usage_ratio) {
        return Ok(proposal(current, ProposalBasis::WithinTolerance));
    }
    if (usage_ratio < 1.0 && new_usage_ratio > 1.0) || (usage_ratio > 1.0 && new_usage_ratio < 1.0)
    {
        return Ok(proposal(current, ProposalBasis::DirectionReversed));
    }
    let counted = metrics.iter().filter(|m| m.is_some()).count();
    let new_replicas = ceil_i32(new_usage_ratio * counted as f64);
    if (new_usage_ratio < 1.0 && new_replicas > current)
        || (new_usage_ratio > 1.0 && new_replicas < current)
    {
        return Ok(proposal(current, ProposalBasis::DirectionReversed));
    }
    Ok(proposal(new_replicas, ProposalBasis::Scaled))
}

/// `t` is after `now - window` (`timestamp.After(cutoff)`).
fn after_cutoff(t: u64, now: u64, window: u64) -> bool {
    i128::from(t) > i128::from(now) - i128::from(window)
}

/// `t` is before `now - window` (`timestamp.Before(cutoff)`).
fn before_cutoff(t: u64, now: u64, window: u64) -> bool {
    i128::from(t) < i128::from(now) - i128::from(window)
}

/// `stabilizeRecommendation` (legacy path): the highest recommendation of the
/// window; the newest replaces the last outdated one.
fn stabilize_recommendation(
    recommendations: &mut Vec<Recommendation>,
    now: u64,
    window: u64,
    prenormalized: i32,
) -> i32 {
    let mut max_recommendation = prenormalized;
    let mut old = None;
    for (i, rec) in recommendations.iter().enumerate() {
        if before_cutoff(rec.at, now, window) {
            old = Some(i);
        } else if rec.replicas > max_recommendation {
            max_recommendation = rec.replicas;
        }
    }
    record(recommendations, old, prenormalized, now);
    max_recommendation
}

fn record(recommendations: &mut Vec<Recommendation>, old: Option<usize>, replicas: i32, now: u64) {
    let rec = Recommendation { replicas, at: now };
    match old.and_then(|i| recommendations.get_mut(i)) {
        Some(slot) => *slot = rec,
        None => recommendations.push(rec),
    }
}

/// `stabilizeRecommendationWithBehaviors`: bring the current count within the
/// lowest recommendation of the scale-up window and the highest of the
/// scale-down window; record the new recommendation.
fn stabilize_recommendation_with_behaviors(
    recommendations: &mut Vec<Recommendation>,
    now: u64,
    current: i32,
    desired: i32,
    up_window: u64,
    down_window: u64,
) -> i32 {
    let mut up_recommendation = desired;
    let mut down_recommendation = desired;
    let mut old = None;
    for (i, rec) in recommendations.iter().enumerate() {
        if after_cutoff(rec.at, now, up_window) {
            up_recommendation = up_recommendation.min(rec.replicas);
        }
        if after_cutoff(rec.at, now, down_window) {
            down_recommendation = down_recommendation.max(rec.replicas);
        }
        if before_cutoff(rec.at, now, up_window) && before_cutoff(rec.at, now, down_window) {
            old = Some(i);
        }
    }
    let mut recommendation = current;
    if recommendation < up_recommendation {
        recommendation = up_recommendation;
    }
    if recommendation > down_recommendation {
        recommendation = down_recommendation;
    }
    record(recommendations, old, desired, now);
    recommendation
}

/// `NormalizationArg`.
struct Normalization<'a> {
    now: u64,
    current: i32,
    desired: i32,
    min: i32,
    max: i32,
    scale_up: &'a Rules,
    scale_down: &'a Rules,
}

/// `convertDesiredReplicasWithBehaviorRate`: the rate limits and the bounds.
fn convert_desired_replicas_with_behavior_rate(
    arg: &Normalization<'_>,
    up_events: &[ScaleEvent],
    down_events: &[ScaleEvent],
) -> (i32, Option<ScalingLimit>) {
    if arg.desired > arg.current {
        let mut scale_up_limit = calculate_scale_up_limit_with_scaling_rules(
            arg.now,
            arg.current,
            up_events,
            down_events,
            arg.scale_up,
        );
        if scale_up_limit < arg.current {
            // No further scale-up until the events age out.
            scale_up_limit = arg.current;
        }
        let (maximum_allowed, limit) = if arg.max > scale_up_limit {
            (scale_up_limit, ScalingLimit::ScaleUpLimit)
        } else {
            (arg.max, ScalingLimit::TooManyReplicas)
        };
        if arg.desired > maximum_allowed {
            return (maximum_allowed, Some(limit));
        }
    } else if arg.desired < arg.current {
        let mut scale_down_limit = calculate_scale_down_limit_with_behaviors(
            arg.now,
            arg.current,
            up_events,
            down_events,
            arg.scale_down,
        );
        if scale_down_limit > arg.current {
            // No further scale-down until the events age out.
            scale_down_limit = arg.current;
        }
        let (minimum_allowed, limit) = if arg.min < scale_down_limit {
            (scale_down_limit, ScalingLimit::ScaleDownLimit)
        } else {
            (arg.min, ScalingLimit::TooFewReplicas)
        };
        if arg.desired < minimum_allowed {
            return (minimum_allowed, Some(limit));
        }
    }
    (arg.desired, None)
}

/// `convertDesiredReplicasWithRules` (legacy path).
fn convert_desired_replicas_with_rules(
    current: i32,
    desired: i32,
    min: i32,
    max: i32,
) -> (i32, Option<ScalingLimit>) {
    let scale_up_limit = calculate_scale_up_limit(current);
    let (maximum_allowed, limit) = if max > scale_up_limit {
        (scale_up_limit, ScalingLimit::ScaleUpLimit)
    } else {
        (max, ScalingLimit::TooManyReplicas)
    };
    if desired < min {
        return (min, Some(ScalingLimit::TooFewReplicas));
    }
    if desired > maximum_allowed {
        return (maximum_allowed, Some(limit));
    }
    (desired, None)
}

/// `calculateScaleUpLimit` (legacy path).
fn calculate_scale_up_limit(current: i32) -> i32 {
    (SCALE_UP_LIMIT_FACTOR * f64::from(current)).max(SCALE_UP_LIMIT_MINIMUM) as i32
}

/// `getReplicasChangePerPeriod`: replicas changed by the events of the last
/// `period` seconds.
fn replicas_change_per_period(now: u64, period: u64, events: &[ScaleEvent]) -> i64 {
    events
        .iter()
        .filter(|e| after_cutoff(e.at, now, period))
        .map(|e| i64::from(e.change))
        .sum()
}

/// `calculateScaleUpLimitWithScalingRules`.
fn calculate_scale_up_limit_with_scaling_rules(
    now: u64,
    current: i32,
    up_events: &[ScaleEvent],
    down_events: &[ScaleEvent],
    rules: &Rules,
) -> i32 {
    let (mut result, pick): (i64, fn(i64, i64) -> i64) = match rules.select {
        Select::Disabled => return current,
        Select::Min => (i64::from(i32::MAX), i64::min),
        Select::Max => (i64::from(i32::MIN), i64::max),
    };
    for policy in &rules.policies {
        let added = replicas_change_per_period(now, policy.period_seconds, up_events);
        let deleted = replicas_change_per_period(now, policy.period_seconds, down_events);
        let period_start = i64::from(current) - added + deleted;
        let proposed = match policy.kind {
            PolicyKind::Pods => period_start + i64::from(policy.value),
            // Rounded up, or a small target would never grow.
            PolicyKind::Percent => {
                (period_start as f64 * (1.0 + f64::from(policy.value) / 100.0)).ceil() as i64
            }
        };
        result = pick(result, proposed);
    }
    saturate_i32(result)
}

/// `calculateScaleDownLimitWithBehaviors`.
fn calculate_scale_down_limit_with_behaviors(
    now: u64,
    current: i32,
    up_events: &[ScaleEvent],
    down_events: &[ScaleEvent],
    rules: &Rules,
) -> i32 {
    let (mut result, pick): (i64, fn(i64, i64) -> i64) = match rules.select {
        Select::Disabled => return current,
        Select::Min => (i64::from(i32::MIN), i64::max),
        Select::Max => (i64::from(i32::MAX), i64::min),
    };
    for policy in &rules.policies {
        let added = replicas_change_per_period(now, policy.period_seconds, up_events);
        let deleted = replicas_change_per_period(now, policy.period_seconds, down_events);
        let period_start = i64::from(current) - added + deleted;
        let proposed = match policy.kind {
            PolicyKind::Pods => period_start - i64::from(policy.value),
            // int32(float64(...)): truncated toward zero.
            PolicyKind::Percent => {
                (period_start as f64 * (1.0 - f64::from(policy.value) / 100.0)) as i64
            }
        };
        result = pick(result, proposed);
    }
    saturate_i32(result)
}

/// `markScaleEventsOutdated` then the store of `storeScaleEvent`.
fn store_event(events: &mut Vec<ScaleEvent>, longest_period: u64, now: u64, change: i32) {
    let mut old = None;
    for (i, e) in events.iter_mut().enumerate() {
        if before_cutoff(e.at, now, longest_period) {
            e.outdated = true;
        }
        if e.outdated {
            old = Some(i);
        }
    }
    let event = ScaleEvent {
        change,
        at: now,
        outdated: false,
    };
    match old.and_then(|i| events.get_mut(i)) {
        Some(slot) => *slot = event,
        None => events.push(event),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// "Now" in ported tests; upstream's zero-value times (pod start, Ready
    /// transition) are 0, long before it.
    const NOW: u64 = 1_000_000;
    /// `hotCPUCreationTime`: started just now.
    const HOT: u64 = NOW;
    /// `coolCPUCreationTime`: started 3 minutes ago.
    const COOL: u64 = NOW - 180;
    /// upstream's `numContainersPerPod` in replica_calculator_test.go: each
    /// container requests the pod's quantity and reports the level.
    const CONTAINERS: i64 = 2;

    /// Upstream's testing constants: `defaultTestingCPUInitializationPeriod`
    /// (2 min), `defaultTestingDelayOfInitialReadinessStatus` (10 s), and the
    /// fake metrics' one-minute window.
    fn test_config() -> ControllerConfig {
        ControllerConfig {
            cpu_initialization_period: 120,
            initial_readiness_delay: 10,
            downscale_stabilization_window: 300,
            metric_window: 60,
        }
    }

    fn tol(down: f64, up: f64) -> Tolerances {
        Tolerances {
            scale_down: down,
            scale_up: up,
        }
    }

    /// A pod of upstream's fixtures: Running, Ready condition as given, started
    /// (and last transitioned) at `start`.
    fn fixture_pod(ready: bool, start: u64, request: Option<i64>, usage: Option<i64>) -> PodSample {
        PodSample {
            ready,
            started_at: start,
            ready_changed_at: start,
            cpu_request_milli: request.unwrap_or(0),
            cpu_usage_milli: usage,
            ..PodSample::default()
        }
    }

    #[derive(Clone, Copy, PartialEq)]
    enum Phase {
        Running,
        Pending,
        Failed,
    }

    /// `replicaCalcTestCase` for resource metrics.
    struct CalcCase {
        current: i32,
        target: i32,
        /// Per-pod CPU request in millicores (each of the two containers requests it).
        requests: Vec<i64>,
        /// Per-pod level (each of the two containers reports it); pods past the
        /// end have no metrics.
        levels: Vec<i64>,
        ready: Vec<bool>,
        start: Vec<u64>,
        phase: Vec<Phase>,
        deleting: Vec<bool>,
        tolerances: Tolerances,
    }

    impl CalcCase {
        fn new(current: i32, target: i32) -> CalcCase {
            CalcCase {
                current,
                target,
                requests: Vec::new(),
                levels: Vec::new(),
                ready: Vec::new(),
                start: Vec::new(),
                phase: Vec::new(),
                deleting: Vec::new(),
                tolerances: tol(0.1, 0.1),
            }
        }
        fn requests(mut self, r: &[i64]) -> CalcCase {
            self.requests = r.to_vec();
            self
        }
        fn uniform_requests(self, n: usize, r: i64) -> CalcCase {
            self.requests(&vec![r; n])
        }
        fn levels(mut self, l: &[i64]) -> CalcCase {
            self.levels = l.to_vec();
            self
        }
        fn ready(mut self, r: &[bool]) -> CalcCase {
            self.ready = r.to_vec();
            self
        }
        fn start(mut self, s: &[u64]) -> CalcCase {
            self.start = s.to_vec();
            self
        }
        fn phase(mut self, p: &[Phase]) -> CalcCase {
            self.phase = p.to_vec();
            self
        }
        fn deleting(mut self, d: &[bool]) -> CalcCase {
            self.deleting = d.to_vec();
            self
        }
        fn tolerances(mut self, down: f64, up: f64) -> CalcCase {
            self.tolerances = tol(down, up);
            self
        }

        /// The pod list of upstream's fake client: `currentReplicas` pods, or as
        /// many as `podPhase` lists.
        fn pods(&self) -> Vec<PodSample> {
            let n = (self.current.max(0) as usize).max(self.phase.len());
            (0..n)
                .map(|i| {
                    let phase = self.phase.get(i).copied().unwrap_or(Phase::Running);
                    let mut pod = fixture_pod(
                        self.ready.get(i).copied().unwrap_or(true),
                        self.start.get(i).copied().unwrap_or(0),
                        self.requests.get(i).map(|r| r * CONTAINERS),
                        self.levels.get(i).map(|l| l * CONTAINERS),
                    );
                    pod.pending = phase == Phase::Pending;
                    pod.deleting =
                        phase == Phase::Failed || self.deleting.get(i).copied().unwrap_or(false);
                    pod
                })
                .collect()
        }

        fn run(&self) -> Result<MetricProposal, String> {
            get_resource_replicas(
                self.current,
                self.target,
                Resource::Cpu,
                self.tolerances,
                &self.pods(),
                NOW,
                &test_config(),
            )
        }

        /// Asserts upstream's expected replicas, utilisation and raw value.
        #[track_caller]
        fn expect(&self, replicas: i32, utilization: i32, raw: i64) {
            match self.run() {
                Ok(p) => {
                    assert_eq!(p.replicas, replicas, "replicas");
                    assert_eq!(p.utilization, utilization, "utilization");
                    assert_eq!(p.average_usage, raw, "raw value");
                }
                Err(e) => panic!("unexpected error: {e}"),
            }
        }

        #[track_caller]
        fn expect_error(&self, contains: &str) {
            match self.run() {
                Ok(p) => panic!("expected an error containing {contains:?}, got {p:?}"),
                Err(e) => assert!(e.contains(contains), "{e:?} should contain {contains:?}"),
            }
        }
    }

    // ---- replica_calculator_test.go: resource metrics ----

    #[test]
    fn test_replica_calc_scale_up() {
        CalcCase::new(3, 30)
            .uniform_requests(3, 1000)
            .levels(&[300, 500, 700])
            .expect(5, 50, CONTAINERS * 500);
    }

    #[test]
    fn test_replica_calc_scale_up_unready_less_scale() {
        CalcCase::new(3, 30)
            .ready(&[false, true, true])
            .uniform_requests(3, 1000)
            .levels(&[300, 500, 700])
            .expect(4, 60, CONTAINERS * 600);
    }

    #[test]
    fn test_replica_calc_scale_up_hot_cpu_less_scale() {
        CalcCase::new(3, 30)
            .start(&[HOT, COOL, COOL])
            .uniform_requests(3, 1000)
            .levels(&[300, 500, 700])
            .expect(4, 60, CONTAINERS * 600);
    }

    #[test]
    fn test_replica_calc_scale_up_unready_no_scale() {
        CalcCase::new(3, 30)
            .ready(&[true, false, false])
            .uniform_requests(3, 1000)
            .levels(&[400, 500, 700])
            .expect(3, 40, CONTAINERS * 400);
    }

    #[test]
    fn test_replica_calc_scale_hot_cpu_no_scale() {
        CalcCase::new(3, 30)
            .ready(&[true, false, false])
            .start(&[COOL, HOT, HOT])
            .uniform_requests(3, 1000)
            .levels(&[400, 500, 700])
            .expect(3, 40, CONTAINERS * 400);
    }

    #[test]
    fn test_replica_calc_scale_up_ignores_failed_pods() {
        CalcCase::new(2, 30)
            .ready(&[true, true, false, false])
            .phase(&[Phase::Running, Phase::Running, Phase::Failed, Phase::Failed])
            .uniform_requests(4, 1000)
            .levels(&[500, 700])
            .expect(4, 60, CONTAINERS * 600);
    }

    #[test]
    fn test_replica_calc_scale_up_ignores_deletion_pods() {
        CalcCase::new(2, 30)
            .ready(&[true, true, false, false])
            .phase(&[Phase::Running; 4])
            .deleting(&[false, false, true, true])
            .uniform_requests(4, 1000)
            .levels(&[500, 700])
            .expect(4, 60, CONTAINERS * 600);
    }

    #[test]
    fn test_replica_calc_scale_down() {
        CalcCase::new(5, 50)
            .uniform_requests(5, 1000)
            .levels(&[100, 300, 500, 250, 250])
            .expect(3, 28, CONTAINERS * 280);
    }

    #[test]
    fn test_replica_calc_scale_down_exclude_unready_pods() {
        CalcCase::new(5, 50)
            .ready(&[true, true, true, false, false])
            .uniform_requests(5, 1000)
            .levels(&[100, 300, 500, 250, 250])
            .expect(2, 30, CONTAINERS * 300);
    }

    #[test]
    fn test_replica_calc_scale_down_exclude_unscheduled_pods() {
        CalcCase::new(5, 50)
            .ready(&[true, false, false, false, false])
            .phase(&[
                Phase::Running,
                Phase::Pending,
                Phase::Pending,
                Phase::Pending,
                Phase::Pending,
            ])
            .uniform_requests(5, 1000)
            .levels(&[100])
            .expect(1, 10, CONTAINERS * 100);
    }

    #[test]
    fn test_replica_calc_scale_down_ignore_hot_cpu_pods() {
        CalcCase::new(5, 50)
            .start(&[COOL, COOL, COOL, HOT, HOT])
            .uniform_requests(5, 1000)
            .levels(&[100, 300, 500, 250, 250])
            .expect(2, 30, CONTAINERS * 300);
    }

    #[test]
    fn test_replica_calc_scale_down_ignores_failed_pods() {
        let mut phase = vec![Phase::Running; 5];
        phase.extend([Phase::Failed, Phase::Failed]);
        CalcCase::new(5, 50)
            .ready(&[true, true, true, true, true, false, false])
            .phase(&phase)
            .uniform_requests(7, 1000)
            .levels(&[100, 300, 500, 250, 250])
            .expect(3, 28, CONTAINERS * 280);
    }

    #[test]
    fn test_replica_calc_scale_down_ignores_deletion_pods() {
        CalcCase::new(5, 50)
            .ready(&[true, true, true, true, true, false, false])
            .phase(&[Phase::Running; 7])
            .deleting(&[false, false, false, false, false, true, true])
            .uniform_requests(7, 1000)
            .levels(&[100, 300, 500, 250, 250])
            .expect(3, 28, CONTAINERS * 280);
    }

    /// Regression test for kubernetes#83561 (upstream checks it on a container
    /// metric): terminating pods that still run and report near-idle samples must
    /// not drag the average down.
    #[test]
    fn test_replica_calc_scale_down_ignores_deletion_pods_still_running() {
        CalcCase::new(5, 50)
            .phase(&[Phase::Running; 7])
            .deleting(&[false, false, false, false, false, true, true])
            .uniform_requests(7, 1000)
            .levels(&[100, 300, 500, 250, 250, 0, 0])
            .expect(3, 28, CONTAINERS * 280);
    }

    #[test]
    fn test_replica_calc_tolerance() {
        CalcCase::new(3, 100)
            .requests(&[900, 1000, 1100])
            .levels(&[1010, 1030, 1020])
            .expect(3, 102, CONTAINERS * 1020);
    }

    /// TestReplicaCalcResourceTolerance: configurable (per-direction) tolerances.
    #[test]
    fn test_replica_calc_resource_tolerance() {
        let mixed = [900, 1000, 1100];
        let cases: [(&str, CalcCase, i32, i32, i64); 6] = [
            (
                "within default tolerance",
                CalcCase::new(3, 100)
                    .requests(&mixed)
                    .levels(&[1010, 1030, 1020]),
                3,
                102,
                CONTAINERS * 1020,
            ),
            (
                "outside 0% tolerance",
                CalcCase::new(3, 100)
                    .tolerances(0.0, 0.0)
                    .requests(&mixed)
                    .levels(&[909, 1010, 1111]),
                4,
                101,
                CONTAINERS * 1010,
            ),
            (
                "within 200% scale-up tolerance",
                CalcCase::new(3, 100)
                    .tolerances(0.1, 2.0)
                    .requests(&mixed)
                    .levels(&[1890, 1910, 1900]),
                3,
                190,
                CONTAINERS * 1900,
            ),
            (
                "outside 8% scale-up tolerance (superfluous scale-down tolerance)",
                CalcCase::new(3, 100)
                    .tolerances(2.0, 0.08)
                    .requests(&mixed)
                    .levels(&[1100, 1080, 1090]),
                4,
                109,
                CONTAINERS * 1090,
            ),
            (
                "within 36% scale-down tolerance",
                CalcCase::new(3, 100)
                    .tolerances(0.36, 0.1)
                    .requests(&mixed)
                    .levels(&[660, 640, 650]),
                3,
                65,
                CONTAINERS * 650,
            ),
            (
                "outside 34% scale-down tolerance",
                CalcCase::new(3, 100)
                    .tolerances(0.34, 0.1)
                    .requests(&mixed)
                    .levels(&[660, 640, 650]),
                2,
                65,
                CONTAINERS * 650,
            ),
        ];
        for (name, case, replicas, utilization, raw) in cases {
            let p = case.run().unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(
                (p.replicas, p.utilization, p.average_usage),
                (replicas, utilization, raw),
                "{name}"
            );
        }
    }

    #[test]
    fn test_replica_calc_missing_metrics() {
        // "some pods missing metrics scales down"
        CalcCase::new(4, 100)
            .uniform_requests(4, 1000)
            .levels(&[400, 95])
            .expect(3, 24, 495);
    }

    #[test]
    fn test_replica_calc_empty_metrics() {
        CalcCase::new(4, 100)
            .uniform_requests(3, 1000)
            .expect_error("unable to get metrics for resource cpu: no metrics returned from resource metrics API");
    }

    #[test]
    fn test_replica_calc_empty_cpu_request() {
        CalcCase::new(1, 100)
            .levels(&[200])
            .expect_error("missing request for");
    }

    #[test]
    fn test_replica_calc_missing_metrics_no_change_eq() {
        CalcCase::new(2, 100)
            .uniform_requests(2, 1000)
            .levels(&[1000])
            .expect(2, 100, CONTAINERS * 1000);
    }

    #[test]
    fn test_replica_calc_missing_metrics_no_change_gt() {
        CalcCase::new(2, 100)
            .uniform_requests(2, 1000)
            .levels(&[1900])
            .expect(2, 190, CONTAINERS * 1900);
    }

    #[test]
    fn test_replica_calc_missing_metrics_no_change_lt() {
        CalcCase::new(2, 100)
            .uniform_requests(2, 1000)
            .levels(&[600])
            .expect(2, 60, CONTAINERS * 600);
    }

    #[test]
    fn test_replica_calc_missing_metrics_unready_change() {
        CalcCase::new(3, 50)
            .ready(&[false, true, true])
            .uniform_requests(3, 1000)
            .levels(&[100, 450])
            .expect(3, 45, CONTAINERS * 450);
    }

    #[test]
    fn test_replica_calc_missing_metrics_hot_cpu_no_change() {
        CalcCase::new(3, 50)
            .start(&[HOT, COOL, COOL])
            .uniform_requests(3, 1000)
            .levels(&[100, 450])
            .expect(3, 45, CONTAINERS * 450);
    }

    #[test]
    fn test_replica_calc_missing_metrics_unready_scale_up() {
        CalcCase::new(3, 50)
            .ready(&[false, true, true])
            .uniform_requests(3, 1000)
            .levels(&[100, 2000])
            .expect(4, 200, CONTAINERS * 2000);
    }

    #[test]
    fn test_replica_calc_missing_metrics_hot_cpu_scale_up() {
        CalcCase::new(3, 50)
            .ready(&[false, true, true])
            .start(&[HOT, COOL, COOL])
            .uniform_requests(3, 1000)
            .levels(&[100, 2000])
            .expect(4, 200, CONTAINERS * 2000);
    }

    #[test]
    fn test_replica_calc_missing_metrics_unready_scale_down() {
        CalcCase::new(4, 50)
            .ready(&[false, true, true, true])
            .uniform_requests(4, 1000)
            .levels(&[100, 100, 100])
            .expect(3, 10, CONTAINERS * 100);
    }

    #[test]
    fn test_replica_calc_missing_metrics_scale_down_target_over_100() {
        CalcCase::new(4, 300)
            .ready(&[false, true, true, true])
            .requests(&[1000, 1000, 2000, 2000])
            .levels(&[200, 100, 100])
            .expect(2, 6, CONTAINERS * 100);
    }

    #[test]
    fn test_replica_calc_during_rolling_update_with_max_surge() {
        CalcCase::new(2, 50)
            .phase(&[Phase::Running; 3])
            .uniform_requests(3, 1000)
            .levels(&[100, 100])
            .expect(2, 10, CONTAINERS * 100);
    }

    #[test]
    fn test_replica_calc_computed_tolerance_alg_implementation() {
        let start_pods: i32 = 10;
        // 150 mCPU per pod; each pod asks for twice what it uses.
        let total_used: i64 = i64::from(start_pods) * 150;
        let total_requested: i64 = 2 * total_used;
        let requested_to_used = (total_requested / total_used) as f64;
        let per_pod_requested = total_requested / i64::from(start_pods);
        // Force a minimal scaling event by satisfying (tolerance < 1 - resourcesUsedRatio).
        let target = (1.0 / (requested_to_used * (1.0 - 0.1))).abs() + 0.01;
        let final_target = (target * 100.0) as i32;
        let used_ratio = total_used as f64 / (total_requested as f64 * target);
        let final_pods = (used_ratio * f64::from(start_pods)).ceil() as i32;
        let deltas = [100, -100, 10, -10, 2, -2, 1, -1, 0, 0];
        let requests: Vec<i64> = deltas.iter().map(|d| per_pod_requested + d).collect();
        let mut case = CalcCase::new(start_pods, final_target)
            .requests(&requests)
            .levels(&[total_used / 10; 10]);
        let utilization = (total_used * 100 / total_requested) as i32;
        case.expect(final_pods, utilization, CONTAINERS * total_used / 10);
        assert_ne!(final_pods, start_pods, "the first half must scale");

        // Very close to the tolerance margin: no scaling.
        let target = (1.0 / (requested_to_used * (1.0 - 0.1))).abs() + 0.004;
        case.target = (target * 100.0) as i32;
        case.expect(start_pods, utilization, CONTAINERS * total_used / 10);
    }

    /// TestGroupPods.
    #[test]
    fn test_group_pods() {
        let config = ControllerConfig {
            metric_window: 30,
            ..test_config()
        };
        let with = |ready: bool, start_ago: u64, transition_ago: u64| PodSample {
            ready,
            started_at: NOW - start_ago,
            ready_changed_at: NOW - transition_ago,
            cpu_request_milli: 100,
            memory_request_bytes: 100,
            cpu_usage_milli: Some(1),
            memory_usage_bytes: Some(1),
            ..PodSample::default()
        };
        let mut missing = with(true, 180, 180);
        missing.cpu_usage_milli = None;
        let mut pending = with(false, 0, 0);
        pending.pending = true;
        pending.cpu_usage_milli = None;
        let mut deleted = with(false, 0, 0);
        deleted.pending = true;
        deleted.deleting = true;
        let cases: Vec<(&str, PodSample, Resource, u64, Group)> = vec![
            (
                "count in a ready pod - memory",
                with(false, 0, 0),
                Resource::Memory,
                30,
                Group::Ready,
            ),
            (
                "count in a ready pod with fresh metrics during initialization period - CPU",
                with(true, 60, 30),
                Resource::Cpu,
                30,
                Group::Ready,
            ),
            (
                "unready a ready pod without fresh metrics during initialization period - CPU",
                with(true, 60, 30),
                Resource::Cpu,
                60,
                Group::Unready,
            ),
            (
                "unready an unready pod during initialization period - CPU",
                with(false, 600, 594),
                Resource::Cpu,
                30,
                Group::Unready,
            ),
            (
                "count in a ready pod without fresh metrics after initialization period - CPU",
                with(true, 180, 180),
                Resource::Cpu,
                60,
                Group::Ready,
            ),
            (
                "count in an unready pod that was ready after initialization period - CPU",
                with(false, 600, 540),
                Resource::Cpu,
                30,
                Group::Ready,
            ),
            (
                "unready pod that has never been ready after initialization period - CPU",
                with(false, 600, 590),
                Resource::Cpu,
                30,
                Group::Ready,
            ),
            ("a missing pod", missing, Resource::Cpu, 30, Group::Missing),
            (
                "pending pods are unreadied",
                pending,
                Resource::Cpu,
                30,
                Group::Unready,
            ),
            (
                "ignore pods with deletion timestamps",
                deleted,
                Resource::Cpu,
                30,
                Group::Ignored,
            ),
        ];
        for (name, pod, resource, window, want) in cases {
            let config = ControllerConfig {
                metric_window: window,
                ..config
            };
            assert_eq!(group_pod(&pod, resource, NOW, &config), want, "{name}");
        }
        // "several pods": one unready (hot, no transition yet), one ready, one missing.
        let mut hot = with(true, 0, 0);
        hot.ready_changed_at = NOW;
        let mut several_missing = with(true, 180, 180);
        several_missing.cpu_usage_milli = None;
        let several = [hot, with(true, 180, 180), several_missing];
        let groups: Vec<Group> = several
            .iter()
            .map(|p| group_pod(p, Resource::Cpu, NOW, &config))
            .collect();
        assert_eq!(
            groups,
            [Group::Unready, Group::Ready, Group::Missing],
            "several pods"
        );
    }

    /// "ignore pods in a failed state" (failed pods are `deleting` samples) and
    /// the memory variant of an unready pod: for memory only Pending makes a pod
    /// unready.
    #[test]
    fn test_group_pods_failed_and_memory() {
        let failed = PodSample {
            deleting: true,
            cpu_usage_milli: Some(1),
            ..PodSample::default()
        };
        assert_eq!(
            group_pod(&failed, Resource::Cpu, NOW, &test_config()),
            Group::Ignored
        );
        let unready_hot = PodSample {
            ready: false,
            started_at: NOW,
            ready_changed_at: NOW,
            memory_usage_bytes: Some(5),
            ..PodSample::default()
        };
        assert_eq!(
            group_pod(&unready_hot, Resource::Memory, NOW, &test_config()),
            Group::Ready
        );
        assert_eq!(
            group_pod(&unready_hot, Resource::Cpu, NOW, &test_config()),
            Group::Missing
        );
    }

    #[test]
    fn test_replica_calc_memory_scale_up() {
        // Memory ignores readiness: an unready pod's sample counts.
        let gib: i64 = 1 << 30;
        let pods = [
            PodSample {
                ready: false,
                memory_request_bytes: gib,
                memory_usage_bytes: Some(gib / 10 * 9),
                ..PodSample::default()
            },
            PodSample {
                ready: true,
                memory_request_bytes: gib,
                memory_usage_bytes: Some(gib / 10 * 9),
                ..PodSample::default()
            },
        ];
        let p = get_resource_replicas(
            2,
            60,
            Resource::Memory,
            tol(0.1, 0.1),
            &pods,
            NOW,
            &test_config(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        // 89% (truncated) / 60% = 1.483 → ceil(2.97) = 3.
        assert_eq!((p.replicas, p.utilization), (3, 89));
        assert_eq!(p.average_usage, gib / 10 * 9);
        let err = get_resource_replicas(
            2,
            60,
            Resource::Cpu,
            tol(0.1, 0.1),
            &pods,
            NOW,
            &test_config(),
        );
        assert!(
            err.as_ref()
                .is_err_and(|e| e.contains("no metrics returned")),
            "{err:?}"
        );
    }

    // ---- horizontal_test.go: whole reconciles ----

    /// `testCase` of horizontal_test.go (resource metric on cpu): pods with the
    /// given requests (per pod, 1 CPU by default) and levels (per pod).
    struct SyncCase {
        min: i32,
        max: i32,
        current: i32,
        target: i32,
        requests: Vec<i64>,
        levels: Vec<i64>,
        ready: Vec<bool>,
        start: Vec<u64>,
        phase: Vec<Phase>,
        deleting: Vec<bool>,
        scale_up: Option<Rules>,
        /// `recommendations: []timestampedRecommendation{}` (an empty, non-nil log)
        /// instead of the first sync recording the current count.
        empty_recommendations: bool,
    }

    impl SyncCase {
        fn new(min: i32, max: i32, current: i32, target: i32) -> SyncCase {
            SyncCase {
                min,
                max,
                current,
                target,
                requests: Vec::new(),
                levels: Vec::new(),
                ready: Vec::new(),
                start: Vec::new(),
                phase: Vec::new(),
                deleting: Vec::new(),
                scale_up: None,
                empty_recommendations: false,
            }
        }

        fn pods(&self) -> Vec<PodSample> {
            (0..self.requests.len())
                .map(|i| {
                    let phase = self.phase.get(i).copied().unwrap_or(Phase::Running);
                    let mut pod = fixture_pod(
                        self.ready.get(i).copied().unwrap_or(true),
                        self.start.get(i).copied().unwrap_or(0),
                        self.requests.get(i).copied(),
                        self.levels.get(i).copied(),
                    );
                    pod.pending = phase == Phase::Pending;
                    pod.deleting =
                        phase == Phase::Failed || self.deleting.get(i).copied().unwrap_or(false);
                    pod
                })
                .collect()
        }

        fn run(&self) -> Decision {
            let mut spec = HpaSpec::new(self.min, self.max);
            spec.cpu_utilization = Some(self.target);
            if let Some(up) = &self.scale_up {
                spec.behavior = Some(Behavior {
                    scale_up: up.clone(),
                    scale_down: Rules::default_scale_down(),
                });
            }
            let mut hpa = Hpa::with_config(spec, test_config());
            if self.empty_recommendations {
                hpa.recommendations = Some(Vec::new());
            }
            hpa.sync(NOW, self.current, &self.pods())
        }
    }

    fn one_cpu(n: usize) -> Vec<i64> {
        vec![1000; n]
    }

    #[test]
    fn test_scale_up() {
        let mut c = SyncCase::new(2, 6, 3, 30);
        c.requests = one_cpu(3);
        c.levels = vec![300, 500, 700];
        let d = c.run();
        assert_eq!(d.desired, 5);
        assert_eq!(d.reason, "cpu utilization 50% above target 30%");
        assert_eq!(d.limit, None);
    }

    #[test]
    fn test_scale_up_unready_less_scale() {
        let mut c = SyncCase::new(2, 6, 3, 30);
        c.requests = one_cpu(3);
        c.levels = vec![300, 500, 700];
        c.ready = vec![false, true, true];
        assert_eq!(c.run().desired, 4);
    }

    #[test]
    fn test_scale_up_hot_cpu_less_scale() {
        let mut c = SyncCase::new(2, 6, 3, 30);
        c.requests = one_cpu(3);
        c.levels = vec![300, 500, 700];
        c.start = vec![HOT, COOL, COOL];
        assert_eq!(c.run().desired, 4);
    }

    #[test]
    fn test_scale_up_unready_no_scale() {
        let mut c = SyncCase::new(2, 6, 3, 30);
        c.requests = one_cpu(3);
        c.levels = vec![400, 500, 700];
        c.ready = vec![true, false, false];
        let d = c.run();
        assert_eq!(d.desired, 3);
        // 40% would scale up, but with the unready pods at 0% it is 13%.
        assert!(
            d.reason
                .starts_with("no change: counting missing or unready pods"),
            "{}",
            d.reason
        );
    }

    #[test]
    fn test_scale_up_hot_cpu_no_scale() {
        let mut c = SyncCase::new(2, 6, 3, 30);
        c.requests = one_cpu(3);
        c.levels = vec![400, 500, 700];
        c.ready = vec![true, false, false];
        c.start = vec![COOL, HOT, HOT];
        assert_eq!(c.run().desired, 3);
    }

    #[test]
    fn test_scale_up_ignores_failed_pods() {
        let mut c = SyncCase::new(2, 6, 2, 30);
        c.requests = one_cpu(4);
        c.levels = vec![500, 700];
        c.ready = vec![true, true, false, false];
        c.phase = vec![Phase::Running, Phase::Running, Phase::Failed, Phase::Failed];
        assert_eq!(c.run().desired, 4);
    }

    #[test]
    fn test_scale_up_ignores_deletion_pods() {
        let mut c = SyncCase::new(2, 6, 2, 30);
        c.requests = one_cpu(4);
        c.levels = vec![500, 700];
        c.ready = vec![true, true, false, false];
        c.deleting = vec![false, false, true, true];
        assert_eq!(c.run().desired, 4);
    }

    fn scale_down_case() -> SyncCase {
        let mut c = SyncCase::new(2, 6, 5, 50);
        c.requests = one_cpu(5);
        c.levels = vec![100, 300, 500, 250, 250];
        c.empty_recommendations = true;
        c
    }

    #[test]
    fn test_scale_down() {
        let d = scale_down_case().run();
        assert_eq!(d.desired, 3);
        assert!(
            d.reason.starts_with("all metrics below target"),
            "{}",
            d.reason
        );
        assert!(!d.stabilized);
    }

    #[test]
    fn test_scale_down_stabilize_initial_size() {
        let mut c = scale_down_case();
        c.empty_recommendations = false;
        let d = c.run();
        assert_eq!(d.desired, 5);
        assert!(d.stabilized);
        assert!(d.reason.contains("scale-down stabilized"), "{}", d.reason);
    }

    #[test]
    fn test_scale_down_with_scaling_rules() {
        let mut c = scale_down_case();
        c.scale_up = Some(generate_scaling_rules(0, 0, 100, 15, 30));
        assert_eq!(c.run().desired, 3);
    }

    #[test]
    fn test_scale_down_include_unready_pods() {
        let mut c = scale_down_case();
        c.ready = vec![true, true, true, false, false];
        let d = c.run();
        assert_eq!(d.desired, 2);
        let utilization = d
            .metrics
            .first()
            .and_then(|m| m.outcome.as_ref().ok())
            .map(|p| p.utilization);
        assert_eq!(utilization, Some(30));
    }

    #[test]
    fn test_scale_down_ignore_hot_cpu_pods() {
        let mut c = scale_down_case();
        c.start = vec![COOL, COOL, COOL, HOT, HOT];
        assert_eq!(c.run().desired, 2);
    }

    #[test]
    fn test_scale_down_ignores_failed_pods() {
        let mut c = scale_down_case();
        c.requests = one_cpu(7);
        c.ready = vec![true, true, true, true, true, false, false];
        c.phase = vec![Phase::Running; 5];
        c.phase.extend([Phase::Failed, Phase::Failed]);
        let d = c.run();
        assert_eq!(d.desired, 3);
        let utilization = d
            .metrics
            .first()
            .and_then(|m| m.outcome.as_ref().ok())
            .map(|p| p.utilization);
        assert_eq!(utilization, Some(28));
    }

    #[test]
    fn test_scale_down_ignores_deletion_pods() {
        let mut c = scale_down_case();
        c.requests = one_cpu(7);
        c.ready = vec![true, true, true, true, true, false, false];
        c.deleting = vec![false, false, false, false, false, true, true];
        assert_eq!(c.run().desired, 3);
    }

    #[test]
    fn test_tolerance() {
        let mut c = SyncCase::new(1, 5, 3, 100);
        c.requests = vec![900, 1000, 1100];
        c.levels = vec![1010, 1030, 1020];
        let d = c.run();
        assert_eq!(d.desired, 3);
        assert_eq!(
            d.reason,
            "within tolerance (cpu utilization 102%, target 100%)"
        );
    }

    #[test]
    fn test_min_replicas() {
        let mut c = SyncCase::new(2, 5, 3, 90);
        c.requests = vec![900, 1000, 1100];
        c.levels = vec![10, 95, 10];
        c.empty_recommendations = true;
        let d = c.run();
        assert_eq!(d.desired, 2);
        assert_eq!(d.limit, Some(ScalingLimit::TooFewReplicas));
    }

    #[test]
    fn test_min_replicas_desired_zero() {
        let mut c = SyncCase::new(2, 5, 3, 90);
        c.requests = vec![900, 1000, 1100];
        c.levels = vec![0, 0, 0];
        c.empty_recommendations = true;
        let d = c.run();
        assert_eq!(d.desired, 2);
        assert_eq!(d.limit, Some(ScalingLimit::TooFewReplicas));
    }

    #[test]
    fn test_zero_replicas() {
        let c = SyncCase::new(3, 5, 0, 90);
        let d = c.run();
        assert_eq!(d.desired, 0);
        assert_eq!(
            d.reason,
            "scaling is disabled since the replica count of the target is zero"
        );
    }

    #[test]
    fn test_too_few_replicas() {
        let d = SyncCase::new(3, 5, 2, 90).run();
        assert_eq!(d.desired, 3);
        assert_eq!(
            d.reason,
            "Current number of replicas below Spec.MinReplicas"
        );
    }

    #[test]
    fn test_too_many_replicas() {
        let d = SyncCase::new(3, 5, 10, 90).run();
        assert_eq!(d.desired, 5);
        assert_eq!(
            d.reason,
            "Current number of replicas above Spec.MaxReplicas"
        );
    }

    #[test]
    fn test_scale_up_rc_immediately() {
        assert_eq!(SyncCase::new(2, 6, 1, 90).run().desired, 2);
    }

    #[test]
    fn test_scale_down_rc_immediately() {
        assert_eq!(SyncCase::new(2, 5, 6, 90).run().desired, 5);
    }

    #[test]
    fn test_max_replicas() {
        let mut c = SyncCase::new(2, 5, 3, 90);
        c.requests = vec![900, 1000, 1100];
        c.levels = vec![8000, 9500, 1000];
        let d = c.run();
        assert_eq!(d.desired, 5);
        assert_eq!(d.limit, Some(ScalingLimit::TooManyReplicas));
    }

    #[test]
    fn test_missing_metrics() {
        let mut c = SyncCase::new(2, 6, 4, 100);
        c.requests = one_cpu(4);
        c.levels = vec![400, 95];
        c.empty_recommendations = true;
        assert_eq!(c.run().desired, 3);
    }

    #[test]
    fn test_empty_metrics() {
        let mut c = SyncCase::new(2, 6, 4, 100);
        c.requests = one_cpu(4);
        let d = c.run();
        assert_eq!(d.desired, 4);
        assert!(
            d.reason
                .starts_with("failed to compute desired number of replicas"),
            "{}",
            d.reason
        );
        assert!(d.metrics.first().is_some_and(|m| m.outcome.is_err()));
    }

    #[test]
    fn test_empty_cpu_request() {
        let mut c = SyncCase::new(1, 5, 1, 100);
        c.requests = vec![0];
        c.levels = vec![200];
        let d = c.run();
        assert_eq!(d.desired, 1);
        assert!(d.reason.contains("missing request for cpu"), "{}", d.reason);
    }

    #[test]
    fn test_event_created() {
        let mut c = SyncCase::new(1, 5, 1, 50);
        c.requests = vec![200];
        c.levels = vec![200];
        assert_eq!(c.run().desired, 2);
    }

    #[test]
    fn test_event_not_created() {
        let mut c = SyncCase::new(1, 5, 2, 50);
        c.requests = vec![400, 400];
        c.levels = vec![200, 200];
        assert_eq!(c.run().desired, 2);
    }

    #[test]
    fn test_missing_reports() {
        let mut c = SyncCase::new(1, 5, 4, 50);
        c.requests = vec![200];
        c.levels = vec![200];
        c.empty_recommendations = true;
        assert_eq!(c.run().desired, 2);
    }

    #[test]
    fn test_upscale_cap() {
        let mut c = SyncCase::new(1, 100, 3, 10);
        c.requests = vec![100, 100, 100];
        c.levels = vec![100, 200, 300];
        c.scale_up = Some(generate_scaling_rules(0, 0, 700, 60, 0));
        let d = c.run();
        assert_eq!(d.desired, 24);
        assert_eq!(d.limit, Some(ScalingLimit::ScaleUpLimit));
        assert!(
            d.reason.contains("scale-up limited by policy"),
            "{}",
            d.reason
        );
    }

    #[test]
    fn test_upscale_cap_greater_than_max_replicas() {
        let mut c = SyncCase::new(1, 20, 3, 10);
        c.requests = vec![100, 100, 100];
        c.levels = vec![100, 200, 300];
        c.scale_up = Some(generate_scaling_rules(0, 0, 700, 60, 0));
        let d = c.run();
        assert_eq!(d.desired, 20);
        assert_eq!(d.limit, Some(ScalingLimit::TooManyReplicas));
    }

    /// Without `spec.behavior` the cap is `max(2 × current, 4)`.
    #[test]
    fn test_upscale_cap_legacy() {
        let mut c = SyncCase::new(1, 100, 3, 10);
        c.requests = vec![100, 100, 100];
        c.levels = vec![100, 200, 300];
        let d = c.run();
        assert_eq!(d.desired, 6);
        assert_eq!(d.limit, Some(ScalingLimit::ScaleUpLimit));
    }

    #[test]
    fn test_more_replicas_than_spec_no_scale() {
        let mut c = SyncCase::new(1, 8, 4, 50);
        c.requests = one_cpu(5);
        c.levels = vec![500; 5];
        assert_eq!(c.run().desired, 4);
    }

    /// TestScaleUpOneMetricInvalid, with an invalid memory metric (no memory
    /// requests) standing in for upstream's unknown metric type.
    #[test]
    fn test_scale_up_one_metric_invalid() {
        let mut spec = HpaSpec::new(2, 6);
        spec.cpu_utilization = Some(30);
        spec.memory_utilization = Some(50);
        let mut hpa = Hpa::with_config(spec, test_config());
        let pods: Vec<PodSample> = [300, 400, 500]
            .iter()
            .map(|&l| PodSample {
                memory_usage_bytes: Some(1),
                ..fixture_pod(true, 0, Some(1000), Some(l))
            })
            .collect();
        let d = hpa.sync(NOW, 3, &pods);
        assert_eq!(d.desired, 4);
        assert!(d.metrics.get(1).is_some_and(|m| m.outcome.is_err()));
        assert!(
            d.reason.contains("invalid metrics (1 invalid out of 2)"),
            "{}",
            d.reason
        );
    }

    /// TestNoScaleDownOneMetricInvalid: an invalid metric blocks a scale-down.
    #[test]
    fn test_no_scale_down_one_metric_invalid() {
        let mut spec = HpaSpec::new(2, 6);
        spec.cpu_utilization = Some(50);
        spec.memory_utilization = Some(50);
        let mut hpa = Hpa::with_config(spec, test_config());
        hpa.recommendations = Some(Vec::new());
        let pods: Vec<PodSample> = [100, 300, 500, 250, 250]
            .iter()
            .map(|&l| PodSample {
                memory_usage_bytes: Some(1),
                ..fixture_pod(true, 0, Some(1000), Some(l))
            })
            .collect();
        let d = hpa.sync(NOW, 5, &pods);
        assert_eq!(d.desired, 5);
        assert!(d.reason.starts_with("failed to compute"), "{}", d.reason);
        // The same pods with memory requests scale down to 3.
        let mut spec = HpaSpec::new(2, 6);
        spec.cpu_utilization = Some(50);
        let mut hpa = Hpa::with_config(spec, test_config());
        hpa.recommendations = Some(Vec::new());
        assert_eq!(hpa.sync(NOW, 5, &pods).desired, 3);
    }

    // ---- horizontal_test.go: normalisation ----

    /// `generateScalingRules`.
    fn generate_scaling_rules(
        pods: i32,
        pods_period: u64,
        percent: i32,
        percent_period: u64,
        window: u64,
    ) -> Rules {
        let mut policies = Vec::new();
        if pods != 0 {
            policies.push(Policy {
                kind: PolicyKind::Pods,
                value: pods,
                period_seconds: pods_period,
            });
        }
        if percent != 0 {
            policies.push(Policy {
                kind: PolicyKind::Percent,
                value: percent,
                period_seconds: percent_period,
            });
        }
        Rules {
            stabilization_window_seconds: window,
            select: Select::Max,
            policies,
            tolerance: None,
        }
    }

    /// `generateEventsUniformDistribution`: events spread over the last `period`
    /// seconds, each in the middle of its segment.
    fn generate_events_uniform_distribution(raw: &[i32], period: u64) -> Vec<ScaleEvent> {
        let segment = period as f64 / raw.len() as f64;
        raw.iter()
            .enumerate()
            .map(|(i, &change)| {
                let boundary = (period as f64 - segment * (i + 1) as f64 + segment / 2.0) as u64;
                ScaleEvent {
                    change,
                    at: NOW - boundary,
                    outdated: false,
                }
            })
            .collect()
    }

    #[test]
    fn test_convert_desired_replicas_with_rules() {
        let cases = [
            (
                5,
                7,
                3,
                8,
                7,
                None,
                "prenormalized desired replicas within range",
            ),
            (
                3,
                1,
                2,
                8,
                2,
                Some(ScalingLimit::TooFewReplicas),
                "prenormalized desired replicas < minReplicas",
            ),
            (
                1,
                0,
                0,
                10,
                0,
                None,
                "prenormalized desired zeroed replicas within range",
            ),
            (
                20,
                1000,
                1,
                10,
                10,
                Some(ScalingLimit::TooManyReplicas),
                "maxReplicas is the limit because maxReplicas < scaleUpLimit",
            ),
            (
                3,
                1000,
                1,
                2000,
                calculate_scale_up_limit(3),
                Some(ScalingLimit::ScaleUpLimit),
                "scaleUpLimit is the limit because scaleUpLimit < maxReplicas",
            ),
        ];
        for (current, desired, min, max, want, limit, name) in cases {
            assert_eq!(
                convert_desired_replicas_with_rules(current, desired, min, max),
                (want, limit),
                "{name}"
            );
        }
        assert_eq!(calculate_scale_up_limit(3), 6);
        assert_eq!(calculate_scale_up_limit(1), 4);
    }

    #[test]
    fn test_calculate_scale_up_limit_with_scaling_rules() {
        let mut rules = generate_scaling_rules(2, 60, 50, 60, 300);
        rules.select = Select::Min;
        assert_eq!(
            calculate_scale_up_limit_with_scaling_rules(NOW, 1, &[], &[], &rules),
            2
        );
        rules.select = Select::Max;
        assert_eq!(
            calculate_scale_up_limit_with_scaling_rules(NOW, 1, &[], &[], &rules),
            3
        );
        rules.select = Select::Disabled;
        assert_eq!(
            calculate_scale_up_limit_with_scaling_rules(NOW, 1, &[], &[], &rules),
            1
        );
    }

    #[test]
    fn test_calculate_scale_down_limit_with_behaviors() {
        let mut rules = generate_scaling_rules(2, 60, 50, 60, 300);
        rules.select = Select::Min;
        assert_eq!(
            calculate_scale_down_limit_with_behaviors(NOW, 5, &[], &[], &rules),
            3
        );
        rules.select = Select::Max;
        assert_eq!(
            calculate_scale_down_limit_with_behaviors(NOW, 5, &[], &[], &rules),
            2
        );
        rules.select = Select::Disabled;
        assert_eq!(
            calculate_scale_down_limit_with_behaviors(NOW, 5, &[], &[], &rules),
            5
        );
    }

    struct RulesCase {
        name: &'static str,
        up_events: Vec<ScaleEvent>,
        down_events: Vec<ScaleEvent>,
        min: i32,
        max: i32,
        scale_up: Option<Rules>,
        scale_down: Option<Rules>,
        current: i32,
        desired: i32,
        expected: i32,
        limit: Option<ScalingLimit>,
    }

    fn rules_case(
        name: &'static str,
        min: i32,
        max: i32,
        current: i32,
        desired: i32,
        expected: i32,
    ) -> RulesCase {
        RulesCase {
            name,
            up_events: Vec::new(),
            down_events: Vec::new(),
            min,
            max,
            scale_up: None,
            scale_down: None,
            current,
            desired,
            expected,
            limit: None,
        }
    }

    impl RulesCase {
        fn up(mut self, r: Rules) -> RulesCase {
            self.scale_up = Some(r);
            self
        }
        fn down(mut self, r: Rules) -> RulesCase {
            self.scale_down = Some(r);
            self
        }
        fn up_events(mut self, e: Vec<ScaleEvent>) -> RulesCase {
            self.up_events = e;
            self
        }
        fn down_events(mut self, e: Vec<ScaleEvent>) -> RulesCase {
            self.down_events = e;
            self
        }
        fn limit(mut self, l: ScalingLimit) -> RulesCase {
            self.limit = Some(l);
            self
        }
    }

    /// TestScalingWithRules (`convertDesiredReplicasWithBehaviorRate`).
    #[test]
    fn test_scaling_with_rules() {
        use ScalingLimit::*;
        let ev = generate_events_uniform_distribution;
        let cases = vec![
            rules_case("prenormalized desired replicas within range", 3, 8, 5, 7, 7),
            rules_case("prenormalized desired replicas < minReplicas", 2, 8, 3, 1, 2).limit(TooFewReplicas),
            rules_case(
                "prenormalized desired replicas within range when minReplicas is 0",
                0,
                10,
                1,
                0,
                0,
            ),
            rules_case(
                "maxReplicas is the limit because maxReplicas < scaleUpLimit",
                1,
                10,
                20,
                1000,
                10,
            )
            .limit(TooManyReplicas),
            rules_case(
                "desired replica count is more than the maximum replica count",
                100,
                150,
                100,
                1000,
                150,
            )
            .limit(TooManyReplicas),
            rules_case(
                "scaleUpLimit is the limit because scaleUpLimit < maxReplicas with user policies",
                1,
                2000,
                3,
                1000,
                4,
            )
            .up(generate_scaling_rules(0, 0, 1, 60, 0))
            .limit(ScaleUpLimit),
            rules_case(
                "scaleDownLimit is the limit because scaleDownLimit > minReplicas with user defined policies",
                3,
                2000,
                1000,
                3,
                980,
            )
            .down(generate_scaling_rules(20, 60, 0, 0, 0))
            .limit(ScaleDownLimit),
            rules_case("scaleUp with default behavior", 1, 1000, 10, 50, 20).limit(ScaleUpLimit),
            rules_case("scaleUp with pods policy larger than percent policy", 1, 1000, 10, 500, 110)
                .up(generate_scaling_rules(100, 60, 100, 60, 0))
                .limit(ScaleUpLimit),
            rules_case("scaleUp with percent policy larger than pods policy", 1, 1000, 10, 500, 20)
                .up(generate_scaling_rules(2, 60, 100, 60, 0))
                .limit(ScaleUpLimit),
            rules_case(
                "scaleUp with spec MaxReplicas limitation with large pod policy",
                1,
                1000,
                10,
                50,
                50,
            )
            .up(generate_scaling_rules(100, 60, 0, 0, 0)),
            rules_case(
                "scaleUp with spec MaxReplicas limitation with large percent policy",
                1,
                1000,
                10,
                50,
                50,
            )
            .up(generate_scaling_rules(10000, 60, 0, 0, 0)),
            rules_case("scaleUp with pod policy limitation", 1, 1000, 10, 50, 40)
                .up(generate_scaling_rules(30, 60, 0, 0, 0))
                .limit(ScaleUpLimit),
            rules_case("scaleUp with percent policy limitation", 1, 1000, 10, 50, 30)
                .up(generate_scaling_rules(0, 0, 200, 60, 0))
                .limit(ScaleUpLimit),
            rules_case("scaleDown with percent policy larger than pod policy", 1, 1000, 100, 2, 80)
                .down(generate_scaling_rules(20, 60, 1, 60, 300))
                .limit(ScaleDownLimit),
            rules_case("scaleDown with pod policy larger than percent policy", 1, 1000, 100, 2, 98)
                .down(generate_scaling_rules(2, 60, 1, 60, 300))
                .limit(ScaleDownLimit),
            rules_case(
                "scaleDown with spec MinReplicas=nil limitation with large pod policy",
                1,
                1000,
                10,
                0,
                1,
            )
            .down(generate_scaling_rules(100, 60, 0, 0, 300))
            .limit(TooFewReplicas),
            rules_case(
                "scaleDown with spec MinReplicas limitation with large pod policy",
                1,
                1000,
                10,
                0,
                1,
            )
            .down(generate_scaling_rules(100, 60, 0, 0, 300))
            .limit(TooFewReplicas),
            rules_case(
                "scaleDown with spec MinReplicas limitation with large percent policy",
                5,
                1000,
                10,
                2,
                5,
            )
            .down(generate_scaling_rules(0, 0, 100, 60, 300))
            .limit(TooFewReplicas),
            rules_case("scaleDown with pod policy limitation", 1, 1000, 10, 2, 5)
                .down(generate_scaling_rules(5, 60, 0, 0, 300))
                .limit(ScaleDownLimit),
            rules_case("scaleDown with percent policy limitation", 1, 1000, 10, 5, 5)
                .down(generate_scaling_rules(0, 0, 50, 60, 300)),
            rules_case(
                "scaleUp with spec MaxReplicas limitation with large pod policy and events",
                1,
                200,
                100,
                500,
                200,
            )
            .up_events(ev(&[1, 5, 9], 120))
            .up(generate_scaling_rules(300, 60, 0, 0, 0))
            .limit(TooManyReplicas),
            rules_case(
                "scaleUp with spec MaxReplicas limitation with large percent policy and events",
                1,
                200,
                100,
                500,
                200,
            )
            .up_events(ev(&[1, 5, 9], 120))
            .up(generate_scaling_rules(0, 0, 10000, 60, 0))
            .limit(TooManyReplicas),
            rules_case(
                "scaleUp with currentReplicas limitation with rate.PeriodSeconds with a lot of recent scale up events",
                1,
                1000,
                100,
                500,
                100,
            )
            .up_events(ev(&[1, 5, 9], 120))
            .up(generate_scaling_rules(5, 120, 0, 0, 0))
            .limit(ScaleUpLimit),
            rules_case("scaleUp with pod policy and previous scale up events", 1, 1000, 100, 500, 235)
                .up_events(ev(&[1, 5, 9], 120))
                .up(generate_scaling_rules(150, 120, 0, 0, 0))
                .limit(ScaleUpLimit),
            rules_case("scaleUp with percent policy and previous scale up events", 1, 1000, 100, 500, 255)
                .up_events(ev(&[1, 5, 9], 120))
                .up(generate_scaling_rules(0, 0, 200, 120, 0))
                .limit(ScaleUpLimit),
            rules_case("scaleDown with default policy and previous events", 1, 1000, 10, 5, 5)
                .down_events(ev(&[1, 5, 9], 120)),
            rules_case(
                "scaleDown with spec MinReplicas=nil limitation with large pod policy and previous events",
                1,
                1000,
                100,
                0,
                1,
            )
            .down_events(ev(&[1, 5, 9], 120))
            .down(generate_scaling_rules(115, 120, 0, 0, 300))
            .limit(TooFewReplicas),
            rules_case(
                "scaleDown with spec MinReplicas limitation with large pod policy and previous events",
                5,
                1000,
                100,
                0,
                5,
            )
            .down_events(ev(&[1, 5, 9], 120))
            .down(generate_scaling_rules(130, 120, 0, 0, 300))
            .limit(TooFewReplicas),
            rules_case(
                "scaleDown with spec MinReplicas limitation with large percent policy and previous events",
                5,
                1000,
                100,
                2,
                5,
            )
            .down_events(ev(&[1, 5, 9], 120))
            .down(generate_scaling_rules(0, 0, 100, 120, 300))
            .limit(TooFewReplicas),
            rules_case("scaleDown with pod policy limitation and previous events", 1, 1000, 100, 2, 100)
                .down_events(ev(&[1, 5, 9], 120))
                .down(generate_scaling_rules(5, 120, 0, 0, 300))
                .limit(ScaleDownLimit),
            rules_case("scaleDown with percent policy limitation and previous events", 1, 1000, 100, 0, 56)
                .down_events(ev(&[2, 4, 6], 120))
                .down(generate_scaling_rules(0, 0, 50, 120, 300))
                .limit(ScaleDownLimit),
            rules_case("scaleDown with previous events preventing further scale down", 1, 1000, 100, 0, 100)
                .down_events(ev(&[10, 10, 10], 120))
                .down(generate_scaling_rules(0, 0, 10, 120, 300))
                .limit(ScaleDownLimit),
            rules_case("scaleDown with with previous events still allowing more scale down", 1, 1000, 10, 5, 5)
                .down_events(ev(&[10, 10, 10], 120))
                .down(generate_scaling_rules(0, 0, 1000, 120, 300)),
            rules_case("check 'outdated' flag for events for one behavior for up", 1, 1000, 100, 200, 200)
                .up_events(ev(&[8, 12, 9, 11], 120))
                .up(generate_scaling_rules(1000, 60, 0, 0, 0)),
            rules_case(
                "check that events were not marked 'outdated' for two different policies in the behavior for up",
                1,
                1000,
                100,
                200,
                200,
            )
            .up_events(ev(&[8, 12, 9, 11], 120))
            .up(generate_scaling_rules(1000, 120, 100, 60, 0)),
            rules_case(
                "check that events were marked 'outdated' for two different policies in the behavior for up",
                1,
                1000,
                100,
                200,
                200,
            )
            .up_events(ev(&[8, 12, 9, 11], 120))
            .up(generate_scaling_rules(1000, 30, 100, 60, 0)),
            rules_case("check 'outdated' flag for events for one behavior for down", 1, 1000, 100, 5, 5)
                .down_events(ev(&[8, 12, 9, 11], 120))
                .down(generate_scaling_rules(1000, 60, 0, 0, 300)),
            rules_case(
                "check that events were not marked 'outdated' for two different policies in the behavior for down",
                1,
                1000,
                100,
                5,
                5,
            )
            .down_events(ev(&[8, 12, 9, 11], 120))
            .down(generate_scaling_rules(1000, 120, 100, 60, 300)),
            rules_case(
                "check that events were marked 'outdated' for two different policies in the behavior for down",
                1,
                1000,
                100,
                5,
                5,
            )
            .down_events(ev(&[8, 12, 9, 11], 120))
            .down(generate_scaling_rules(1000, 30, 100, 60, 300)),
        ];
        for c in cases {
            // GenerateHPAScale{Up,Down}Rules: unset rules take the defaults.
            let up = c.scale_up.clone().unwrap_or_else(Rules::default_scale_up);
            let down = c
                .scale_down
                .clone()
                .unwrap_or_else(Rules::default_scale_down);
            let arg = Normalization {
                now: NOW,
                current: c.current,
                desired: c.desired,
                min: c.min,
                max: c.max,
                scale_up: &up,
                scale_down: &down,
            };
            let got =
                convert_desired_replicas_with_behavior_rate(&arg, &c.up_events, &c.down_events);
            assert_eq!(got, (c.expected, c.limit), "{}", c.name);
        }
    }

    /// TestNormalizeDesiredReplicas (legacy `stabilizeRecommendation`, 5-minute
    /// window).
    #[test]
    fn test_normalize_desired_replicas() {
        let rec = |replicas: i32, ago: u64| Recommendation {
            replicas,
            at: NOW - ago,
        };
        let cases = [
            ("empty log", vec![], 5, 5, 1),
            ("stabilize", vec![rec(4, 120), rec(5, 60)], 3, 5, 3),
            ("no stabilize", vec![rec(1, 120), rec(2, 60)], 3, 3, 3),
            (
                "no stabilize - old recommendations",
                vec![rec(10, 600), rec(9, 540)],
                3,
                3,
                2,
            ),
            (
                "stabilize - old recommendations",
                vec![rec(10, 600), rec(4, 60), rec(5, 120), rec(9, 540)],
                3,
                5,
                4,
            ),
        ];
        for (name, mut recs, desired, want, len) in cases {
            assert_eq!(
                stabilize_recommendation(&mut recs, NOW, 300, desired),
                want,
                "{name}"
            );
            assert_eq!(recs.len(), len, "{name}: log length");
        }
    }

    /// TestNormalizeDesiredReplicasWithBehavior
    /// (`stabilizeRecommendationWithBehaviors`).
    #[test]
    fn test_normalize_desired_replicas_with_behavior() {
        let rec = |replicas: i32, ago: u64| Recommendation {
            replicas,
            at: NOW - ago,
        };
        // (name, log, current, desired, expected, stored recommendations, up window, down window)
        type Case = (
            &'static str,
            Vec<Recommendation>,
            i32,
            i32,
            i32,
            Vec<i32>,
            u64,
            u64,
        );
        let cases: Vec<Case> = vec![
            (
                "empty recommendations for scaling down",
                vec![],
                100,
                5,
                5,
                vec![5],
                0,
                0,
            ),
            (
                "simple scale down stabilization",
                vec![rec(4, 120), rec(5, 60)],
                100,
                3,
                5,
                vec![4, 5, 3],
                0,
                180,
            ),
            (
                "simple scale up stabilization",
                vec![rec(4, 120), rec(5, 60)],
                1,
                7,
                4,
                vec![4, 5, 7],
                300,
                0,
            ),
            (
                "no scale down stabilization",
                vec![rec(1, 120), rec(2, 60)],
                100,
                3,
                3,
                vec![1, 2, 3],
                300,
                0,
            ),
            (
                "no scale up stabilization",
                vec![rec(4, 120), rec(5, 60)],
                1,
                3,
                3,
                vec![4, 5, 3],
                0,
                300,
            ),
            (
                "no scale down stabilization, reuse recommendation element",
                vec![rec(10, 600), rec(9, 540)],
                100,
                3,
                3,
                vec![10, 3],
                0,
                0,
            ),
            (
                "no scale up stabilization, reuse recommendation element",
                vec![rec(10, 600), rec(9, 540)],
                1,
                100,
                100,
                vec![10, 100],
                0,
                0,
            ),
            (
                "scale down stabilization, reuse one of obsolete recommendation element",
                vec![rec(10, 600), rec(4, 60), rec(5, 120), rec(9, 540)],
                100,
                3,
                5,
                vec![10, 4, 5, 3],
                0,
                180,
            ),
            (
                "scale up stabilization, reuse one of obsolete recommendation element",
                vec![rec(10, 6000), rec(6, 60), rec(5, 120), rec(9, 180)],
                1,
                100,
                5,
                vec![100, 6, 5, 9],
                300,
                0,
            ),
        ];
        for (name, mut recs, current, desired, want, stored, up, down) in cases {
            let got =
                stabilize_recommendation_with_behaviors(&mut recs, NOW, current, desired, up, down);
            assert_eq!(got, want, "{name}");
            let stored_got: Vec<i32> = recs.iter().map(|r| r.replicas).collect();
            assert_eq!(stored_got, stored, "{name}: stored recommendations");
        }
    }

    /// TestStoreScaleEvents (and `getReplicasChangePerPeriod(60, …)` before the
    /// store).
    #[test]
    fn test_store_scale_events() {
        let event = |change: i32, ago: u64| ScaleEvent {
            change,
            at: NOW - ago,
            outdated: false,
        };
        // (name, previous events, rules, expected (change, outdated) after, expected change in 60 s)
        type Case = (
            &'static str,
            Vec<ScaleEvent>,
            Option<Rules>,
            Vec<(i32, bool)>,
            i64,
        );
        let cases: Vec<Case> = vec![
            (
                "empty entries with default behavior",
                vec![],
                None,
                vec![],
                0,
            ),
            (
                "empty entries with two-policy-behavior",
                vec![],
                Some(generate_scaling_rules(10, 60, 100, 60, 0)),
                vec![(5, false)],
                0,
            ),
            (
                "one outdated entry to be kept untouched without behavior",
                vec![event(7, 61)],
                None,
                vec![(7, false)],
                0,
            ),
            (
                "one outdated entry to be replaced with behavior",
                vec![event(7, 61)],
                Some(generate_scaling_rules(10, 60, 100, 60, 0)),
                vec![(5, false)],
                0,
            ),
            (
                "one actual entry to be not touched with behavior",
                vec![event(7, 58)],
                Some(generate_scaling_rules(10, 60, 100, 60, 0)),
                vec![(7, false), (5, false)],
                7,
            ),
            (
                "two entries, one of them to be replaced",
                vec![event(7, 61), event(6, 59)],
                Some(generate_scaling_rules(10, 60, 0, 0, 0)),
                vec![(5, false), (6, false)],
                6,
            ),
            (
                "replace one entry, use policies with different periods",
                vec![event(8, 29), event(6, 59), event(7, 61), event(9, 61)],
                Some(generate_scaling_rules(10, 60, 100, 30, 0)),
                vec![(8, false), (6, false), (7, true), (5, false)],
                14,
            ),
            (
                "two entries, both actual",
                vec![event(7, 58), event(6, 59)],
                Some(generate_scaling_rules(10, 120, 100, 30, 0)),
                vec![(7, false), (6, false), (5, false)],
                13,
            ),
        ];
        for (name, prev, rules, want, change) in cases {
            for up in [true, false] {
                let mut spec = HpaSpec::new(1, 100);
                spec.behavior = rules.clone().map(|r| Behavior {
                    scale_up: r.clone(),
                    scale_down: r,
                });
                let mut hpa = Hpa::new(spec);
                if up {
                    hpa.scale_up_events = prev.clone();
                } else {
                    hpa.scale_down_events = prev.clone();
                }
                let events = |h: &Hpa| {
                    if up {
                        h.scale_up_events.clone()
                    } else {
                        h.scale_down_events.clone()
                    }
                };
                assert_eq!(
                    replicas_change_per_period(NOW, 60, &events(&hpa)),
                    change,
                    "{name}"
                );
                hpa.store_scale_event(NOW, 10, if up { 15 } else { 5 });
                let got: Vec<(i32, bool)> = events(&hpa)
                    .iter()
                    .map(|e| (e.change, e.outdated))
                    .collect();
                assert_eq!(got, want, "{name} (up: {up})");
            }
        }
    }

    // ---- sequences of syncs ----

    /// Sequences start here, long after the pods of `busy_pods` started (at 0).
    const T0: u64 = 10_000;

    fn busy_pods(n: usize, usage: i64) -> Vec<PodSample> {
        (0..n)
            .map(|_| PodSample {
                ready: true,
                cpu_request_milli: 1000,
                cpu_usage_milli: Some(usage),
                ..PodSample::default()
            })
            .collect()
    }

    /// The default scale-down window delays a scale-down by 300 s after the last
    /// higher recommendation, with and without `spec.behavior`.
    #[test]
    fn stabilization_window_delays_scale_down() {
        for behavior in [None, Some(Behavior::default())] {
            let mut spec = HpaSpec::new(1, 10);
            spec.cpu_utilization = Some(50);
            spec.behavior = behavior.clone();
            let mut hpa = Hpa::new(spec);
            let start = T0;
            // At target with 4 pods: recommendation 4.
            assert_eq!(hpa.sync(start, 4, &busy_pods(4, 500)).desired, 4);
            // Load drops to 10%: the raw proposal is 1, held at 4 for 300 s.
            let mut t = start;
            let mut desired = 4;
            while desired == 4 {
                t += SYNC_PERIOD_SECONDS;
                let d = hpa.sync(t, 4, &busy_pods(4, 100));
                desired = d.desired;
                if desired == 4 {
                    assert!(d.stabilized, "{behavior:?} at {t}: {}", d.reason);
                }
                assert!(t <= start + 400, "never scaled down");
            }
            assert_eq!(desired, 1, "{behavior:?}");
            // Legacy: the window keeps recommendations at exactly the cutoff; with
            // behaviour only those strictly after it.
            let expected = if behavior.is_none() {
                start + 315
            } else {
                start + 300
            };
            assert_eq!(t, expected, "{behavior:?}");
        }
    }

    /// A scale-up window holds the count at the lowest recommendation of the
    /// window, then the rate limit applies.
    #[test]
    fn stabilization_window_delays_scale_up() {
        let mut spec = HpaSpec::new(1, 20);
        spec.cpu_utilization = Some(50);
        let mut up = Rules::default_scale_up();
        up.stabilization_window_seconds = 60;
        spec.behavior = Some(Behavior {
            scale_up: up,
            scale_down: Rules::default_scale_down(),
        });
        let mut hpa = Hpa::new(spec);
        assert_eq!(hpa.sync(T0, 2, &busy_pods(2, 500)).desired, 2);
        for step in 1..=3 {
            let d = hpa.sync(T0 + 15 * step, 2, &busy_pods(2, 1000));
            assert_eq!(d.desired, 2, "step {step}: {}", d.reason);
            assert!(d.stabilized);
            assert!(d.reason.contains("scale-up stabilized"), "{}", d.reason);
        }
        // The recommendation of 2 at T0 leaves the window; 4 remains the lowest.
        let d = hpa.sync(T0 + 60, 2, &busy_pods(2, 1000));
        assert_eq!(d.desired, 4, "{}", d.reason);
        assert!(!d.stabilized);
    }

    /// Default behaviour: each sync may add max(4 pods, 100 %) of the count at
    /// the start of the last 15 s; the legacy path max(2 × current, 4).
    #[test]
    fn scale_up_rate_limited_per_period() {
        let run = |behavior: Option<Behavior>| {
            let mut spec = HpaSpec::new(1, 100);
            spec.cpu_utilization = Some(10);
            spec.behavior = behavior;
            let mut hpa = Hpa::new(spec);
            let mut current = 1;
            let mut path = vec![];
            for step in 0..4u64 {
                let pods = busy_pods(current as usize, 1000);
                current = hpa
                    .sync(T0 + step * SYNC_PERIOD_SECONDS, current, &pods)
                    .desired;
                path.push(current);
            }
            path
        };
        assert_eq!(run(Some(Behavior::default())), vec![5, 10, 20, 40]);
        assert_eq!(run(None), vec![4, 8, 16, 32]);
    }

    /// Two syncs within one policy period share its budget: the second is
    /// limited by the first one's scale event.
    #[test]
    fn scale_events_share_policy_period() {
        let mut spec = HpaSpec::new(1, 100);
        spec.cpu_utilization = Some(10);
        spec.behavior = Some(Behavior {
            scale_up: generate_scaling_rules(2, 60, 0, 0, 0),
            scale_down: Rules::default_scale_down(),
        });
        let mut hpa = Hpa::new(spec);
        assert_eq!(hpa.sync(T0, 2, &busy_pods(2, 1000)).desired, 4);
        let d = hpa.sync(T0 + 15, 4, &busy_pods(4, 1000));
        assert_eq!(d.desired, 4, "{}", d.reason);
        assert_eq!(d.limit, Some(ScalingLimit::ScaleUpLimit));
        // After the period the budget is back.
        assert_eq!(hpa.sync(T0 + 61, 4, &busy_pods(4, 1000)).desired, 6);
    }

    #[test]
    fn select_policy_min_and_disabled() {
        let sync_with = |select: Select| {
            let mut up = generate_scaling_rules(4, 15, 100, 15, 0);
            up.select = select;
            let mut spec = HpaSpec::new(1, 100);
            spec.cpu_utilization = Some(10);
            spec.behavior = Some(Behavior {
                scale_up: up,
                scale_down: Rules::default_scale_down(),
            });
            Hpa::new(spec).sync(T0, 10, &busy_pods(10, 1000))
        };
        assert_eq!(sync_with(Select::Max).desired, 20);
        assert_eq!(sync_with(Select::Min).desired, 14);
        let disabled = sync_with(Select::Disabled);
        assert_eq!(disabled.desired, 10);
        assert_eq!(disabled.limit, Some(ScalingLimit::ScaleUpLimit));
    }

    #[test]
    fn scale_down_disabled() {
        let mut down = Rules::default_scale_down();
        down.select = Select::Disabled;
        down.stabilization_window_seconds = 0;
        let mut spec = HpaSpec::new(1, 100);
        spec.cpu_utilization = Some(50);
        spec.behavior = Some(Behavior {
            scale_up: Rules::default_scale_up(),
            scale_down: down,
        });
        let d = Hpa::new(spec).sync(T0, 10, &busy_pods(10, 100));
        assert_eq!(d.desired, 10);
        assert_eq!(d.limit, Some(ScalingLimit::ScaleDownLimit));
    }

    /// The largest proposal of several metrics wins.
    #[test]
    fn largest_metric_proposal_wins() {
        let mut spec = HpaSpec::new(1, 20);
        spec.cpu_utilization = Some(50);
        spec.memory_utilization = Some(50);
        let pods: Vec<PodSample> = (0..4)
            .map(|_| PodSample {
                ready: true,
                cpu_request_milli: 1000,
                cpu_usage_milli: Some(500),
                memory_request_bytes: 1000,
                memory_usage_bytes: Some(1000),
                ..PodSample::default()
            })
            .collect();
        let d = Hpa::new(spec).sync(T0, 4, &pods);
        assert_eq!(d.desired, 8);
        assert_eq!(d.reason, "memory utilization 100% above target 50%");
        assert_eq!(d.metrics.len(), 2);
    }

    /// Configurable tolerance (behavior.scaleUp.tolerance) on a whole sync.
    #[test]
    fn behavior_tolerance_applies() {
        let mut spec = HpaSpec::new(1, 20);
        spec.cpu_utilization = Some(100);
        spec.behavior = Some(Behavior::default());
        let pods = busy_pods(10, 1050);
        assert_eq!(Hpa::new(spec.clone()).sync(T0, 10, &pods).desired, 10);
        if let Some(b) = spec.behavior.as_mut() {
            b.scale_up.tolerance = Some(0.01);
        }
        assert_eq!(Hpa::new(spec).sync(T0, 10, &pods).desired, 11);
    }

    /// Pending pods (unscheduled, or ECI still starting) are unready, not
    /// missing: on a scale-down they are left out instead of counting as 100 %.
    #[test]
    fn pending_pods_are_unready_not_missing() {
        let mut pods = busy_pods(2, 100);
        pods.push(PodSample {
            pending: true,
            cpu_request_milli: 1000,
            ..PodSample::default()
        });
        let p = get_resource_replicas(
            3,
            50,
            Resource::Cpu,
            tol(0.1, 0.1),
            &pods,
            NOW,
            &test_config(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.replicas, 1);
        if let Some(pod) = pods.last_mut() {
            pod.pending = false;
        }
        let p = get_resource_replicas(
            3,
            50,
            Resource::Cpu,
            tol(0.1, 0.1),
            &pods,
            NOW,
            &test_config(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        // Missing: (200 + 1000) / 3000 = 40% → 0.8 × 3 = 2.4 → 3 = current.
        assert_eq!(p.replicas, 3);
    }

    // ---- HpaSpec::from_k8s ----

    fn k8s_hpa(mut json: serde_json::Value) -> autoscaling::HorizontalPodAutoscaler {
        if let Some(obj) = json.as_object_mut() {
            obj.insert("apiVersion".into(), "autoscaling/v2".into());
            obj.insert("kind".into(), "HorizontalPodAutoscaler".into());
        }
        serde_json::from_value(json).unwrap_or_else(|e| panic!("bad fixture: {e}"))
    }

    fn k8s_err(json: serde_json::Value) -> (String, String) {
        match HpaSpec::from_k8s(&k8s_hpa(json)) {
            Ok(spec) => panic!("expected an error, got {spec:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn from_k8s_defaults() {
        let spec = HpaSpec::from_k8s(&k8s_hpa(serde_json::json!({
            "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "gw"}, "maxReplicas": 5}
        })))
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(spec, HpaSpec::new(1, 5));

        let spec = HpaSpec::from_k8s(&k8s_hpa(serde_json::json!({
            "spec": {
                "scaleTargetRef": {"kind": "Deployment", "name": "gw"},
                "minReplicas": 2, "maxReplicas": 5,
                "metrics": [
                    {"type": "Resource", "resource": {"name": "memory", "target": {"type": "Utilization", "averageUtilization": 70}}}
                ],
                "behavior": {"scaleUp": {"stabilizationWindowSeconds": 60, "tolerance": "50m"},
                             "scaleDown": {"policies": [{"type": "Pods", "value": 1, "periodSeconds": 60}]}}
            }
        })))
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(spec.cpu_utilization, None);
        assert_eq!(spec.memory_utilization, Some(70));
        let behavior = spec.behavior.unwrap_or_else(|| panic!("behavior"));
        let mut up = Rules::default_scale_up();
        up.stabilization_window_seconds = 60;
        up.tolerance = Some(0.05);
        assert_eq!(behavior.scale_up, up);
        assert_eq!(behavior.scale_down.stabilization_window_seconds, 300);
        assert_eq!(behavior.scale_down.select, Select::Max);
        assert_eq!(
            behavior.scale_down.policies,
            vec![Policy {
                kind: PolicyKind::Pods,
                value: 1,
                period_seconds: 60
            }]
        );
    }

    #[test]
    fn from_k8s_empty_behavior_takes_defaults() {
        let spec = HpaSpec::from_k8s(&k8s_hpa(serde_json::json!({
            "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "gw"}, "maxReplicas": 5, "behavior": {}}
        })))
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(spec.behavior, Some(Behavior::default()));
    }

    #[test]
    fn from_k8s_rejects() {
        let base = |spec: serde_json::Value| {
            let mut s = serde_json::json!({"scaleTargetRef": {"kind": "Deployment", "name": "gw"}, "maxReplicas": 5});
            if let (Some(obj), Some(extra)) = (s.as_object_mut(), spec.as_object()) {
                for (k, v) in extra {
                    obj.insert(k.clone(), v.clone());
                }
            }
            serde_json::json!({ "spec": s })
        };
        let cases = [
            (serde_json::json!({"minReplicas": 0}), "spec.minReplicas"),
            (serde_json::json!({"maxReplicas": 0}), "spec.maxReplicas"),
            (serde_json::json!({"minReplicas": 6}), "spec.maxReplicas"),
            (
                serde_json::json!({"metrics": [{"type": "External", "external": {"metric": {"name": "qps"}, "target": {"type": "Value", "value": "1"}}}]}),
                "spec.metrics[0]",
            ),
            (
                serde_json::json!({"metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}},
                                                {"type": "Pods", "pods": {"metric": {"name": "qps"}, "target": {"type": "AverageValue", "averageValue": "1"}}}]}),
                "spec.metrics[1]",
            ),
            (
                serde_json::json!({"metrics": [{"type": "Cheese"}]}),
                "spec.metrics[0].type",
            ),
            (
                serde_json::json!({"metrics": [{"type": "Resource", "resource": {"name": "nvidia.com/gpu", "target": {"type": "Utilization", "averageUtilization": 50}}}]}),
                "spec.metrics[0].resource.name",
            ),
            (
                serde_json::json!({"metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "AverageValue", "averageValue": "500m"}}}]}),
                "spec.metrics[0].resource.target.averageValue",
            ),
            (
                serde_json::json!({"metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 0}}}]}),
                "spec.metrics[0].resource.target.averageUtilization",
            ),
            (
                serde_json::json!({"metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization"}}}]}),
                "spec.metrics[0].resource.target.averageUtilization",
            ),
            (
                serde_json::json!({"metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}},
                                                {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 60}}}]}),
                "spec.metrics[1]",
            ),
            (
                serde_json::json!({"behavior": {"scaleUp": {"stabilizationWindowSeconds": 3601}}}),
                "spec.behavior.scaleUp.stabilizationWindowSeconds",
            ),
            (
                serde_json::json!({"behavior": {"scaleDown": {"stabilizationWindowSeconds": -1}}}),
                "spec.behavior.scaleDown.stabilizationWindowSeconds",
            ),
            (
                serde_json::json!({"behavior": {"scaleUp": {"selectPolicy": "Fastest"}}}),
                "spec.behavior.scaleUp.selectPolicy",
            ),
            (
                serde_json::json!({"behavior": {"scaleUp": {"policies": []}}}),
                "spec.behavior.scaleUp.policies",
            ),
            (
                serde_json::json!({"behavior": {"scaleUp": {"policies": [{"type": "Pods", "value": 0, "periodSeconds": 15}]}}}),
                "spec.behavior.scaleUp.policies[0].value",
            ),
            (
                serde_json::json!({"behavior": {"scaleDown": {"policies": [{"type": "Percent", "value": 10, "periodSeconds": 1801}]}}}),
                "spec.behavior.scaleDown.policies[0].periodSeconds",
            ),
            (
                serde_json::json!({"behavior": {"scaleDown": {"policies": [{"type": "Percent", "value": 10, "periodSeconds": 0}]}}}),
                "spec.behavior.scaleDown.policies[0].periodSeconds",
            ),
            (
                serde_json::json!({"behavior": {"scaleDown": {"policies": [{"type": "Replicas", "value": 10, "periodSeconds": 15}]}}}),
                "spec.behavior.scaleDown.policies[0].type",
            ),
            (
                serde_json::json!({"behavior": {"scaleDown": {"tolerance": "-0.1"}}}),
                "spec.behavior.scaleDown.tolerance",
            ),
            (
                serde_json::json!({"behavior": {"scaleDown": {"tolerance": "lots"}}}),
                "spec.behavior.scaleDown.tolerance",
            ),
        ];
        for (spec, field) in cases {
            let (got, message) = k8s_err(base(spec.clone()));
            assert_eq!(got, field, "{spec}: {message}");
            assert!(!message.is_empty());
        }
        let (field, message) = k8s_err(serde_json::json!({}));
        assert_eq!(
            (field.as_str(), message.as_str()),
            ("spec", "Required value")
        );
    }

    #[test]
    fn validate_hand_built_specs() {
        let mut spec = HpaSpec::new(1, 3);
        assert!(spec.validate().is_ok());
        spec.tolerance = f64::NAN;
        assert_eq!(
            spec.validate().map_err(|e| e.0),
            Err("tolerance".to_string())
        );
        spec.tolerance = 0.1;
        let mut behavior = Behavior::default();
        behavior.scale_down.policies.clear();
        spec.behavior = Some(behavior);
        assert_eq!(
            spec.validate().map_err(|e| e.0),
            Err("spec.behavior.scaleDown.policies".to_string())
        );
        spec.behavior = None;
        spec.cpu_utilization = Some(0);
        assert!(spec.validate().is_err());
    }

    /// A hand-built spec without metrics behaves as upstream does when it
    /// computes from an empty list: desired 0, normalised to minReplicas.
    #[test]
    fn no_metrics_scales_to_min() {
        let mut spec = HpaSpec::new(2, 10);
        spec.cpu_utilization = None;
        let mut hpa = Hpa::new(spec);
        hpa.recommendations = Some(Vec::new());
        let d = hpa.sync(0, 5, &[]);
        assert_eq!(d.desired, 2);
        assert_eq!(d.limit, Some(ScalingLimit::TooFewReplicas));
    }
}
