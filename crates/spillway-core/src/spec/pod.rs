use super::{LabelSelector, Labels, NodeSelector, PreferredSchedulingTerm, ResourceList};

/// A pod as the scheduler sees it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Pod {
    /// `metadata.namespace` (`default` when empty).
    pub namespace: String,
    /// `metadata.name`.
    pub name: String,
    /// `metadata.uid`.
    pub uid: String,
    /// `metadata.labels`.
    pub labels: Labels,
    /// `spec.nodeName`: set for running pods; on an incoming pod it pins the pod
    /// (the NodeName filter).
    pub node_name: Option<String>,
    /// `spec.schedulingGates` names; a gated pod is not scheduled.
    pub scheduling_gates: Vec<String>,
    /// `spec.containers`.
    pub containers: Vec<Container>,
    /// `spec.initContainers`.
    pub init_containers: Vec<Container>,
    /// `spec.overhead`.
    pub overhead: Option<ResourceList>,
    /// `spec.resources.requests` (pod-level resources).
    pub pod_requests: Option<ResourceList>,
    /// `spec.nodeSelector`. `Some(empty)` and `None` differ upstream (only `None`
    /// lets NodeAffinity skip its PreFilter).
    pub node_selector: Option<Labels>,
    /// `spec.affinity.nodeAffinity`.
    pub node_affinity: Option<NodeAffinity>,
    /// `spec.affinity.podAffinity`.
    pub pod_affinity: Option<PodAffinity>,
    /// `spec.affinity.podAntiAffinity`.
    pub pod_anti_affinity: Option<PodAffinity>,
    /// `spec.tolerations`.
    pub tolerations: Vec<Toleration>,
    /// `spec.topologySpreadConstraints`.
    pub topology_spread_constraints: Vec<TopologySpreadConstraint>,
    /// The selector PodTopologySpread's system default constraints use: the merged
    /// selectors of the Services selecting the pod and of its controlling
    /// ReplicaSet, StatefulSet or ReplicationController (upstream
    /// `helper.DefaultSelector`). `None` or an empty selector: no default spreading.
    pub default_spread_selector: Option<LabelSelector>,
    /// `spec.priority`.
    pub priority: i32,
    /// `spec.preemptionPolicy`.
    pub preemption_policy: PreemptionPolicy,
}

impl Pod {
    /// `namespace/name`.
    pub fn key(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }
}

/// A container (regular or init).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Container {
    /// `name`.
    pub name: String,
    /// `image`.
    pub image: String,
    /// `resources.requests`. A missing key and an explicit zero differ upstream
    /// (only a missing cpu/memory request gets the scoring defaults).
    pub requests: ResourceList,
    /// `ports`.
    pub ports: Vec<ContainerPort>,
    /// `restartPolicy: Always` on an init container: a native sidecar.
    pub restart_policy_always: bool,
}

/// A container port; only ports with a `host_port` matter to scheduling.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ContainerPort {
    /// `containerPort`.
    pub container_port: i32,
    /// `hostPort` (0 when unset).
    pub host_port: i32,
    /// `hostIP` (empty means all addresses).
    pub host_ip: String,
    /// `protocol` (empty means TCP).
    pub protocol: String,
}

/// A toleration.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Toleration {
    /// `key`; empty matches every key.
    pub key: String,
    /// `operator`.
    pub operator: TolerationOperator,
    /// `value`.
    pub value: String,
    /// `effect`; `None` matches every effect.
    pub effect: Option<super::TaintEffect>,
}

impl Toleration {
    /// `v1.Toleration.ToleratesTaint`: the effect (when set) and the key (when not
    /// empty) match, and the value matches unless the operator is `Exists`.
    ///
    /// ```
    /// use spillway_core::spec::{Taint, TaintEffect, Toleration, TolerationOperator};
    /// let taint = Taint { key: "mykey".into(), value: "myvalue".into(), effect: TaintEffect::NoSchedule };
    /// let t = Toleration { key: "mykey".into(), operator: TolerationOperator::Equal, value: "myvalue".into(), effect: None };
    /// assert!(t.tolerates(&taint));
    /// let other = Toleration { value: "othervalue".into(), ..t };
    /// assert!(!other.tolerates(&taint));
    /// ```
    pub fn tolerates(&self, taint: &super::Taint) -> bool {
        self.effect.is_none_or(|e| e == taint.effect)
            && (self.key.is_empty() || self.key == taint.key)
            && (self.operator == TolerationOperator::Exists || self.value == taint.value)
    }
}

/// A toleration operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TolerationOperator {
    /// `Equal` (also the meaning of an empty operator).
    #[default]
    Equal,
    /// `Exists`.
    Exists,
}

/// `spec.affinity.nodeAffinity`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct NodeAffinity {
    /// `requiredDuringSchedulingIgnoredDuringExecution`.
    pub required: Option<NodeSelector>,
    /// `preferredDuringSchedulingIgnoredDuringExecution`.
    pub preferred: Option<Vec<PreferredSchedulingTerm>>,
}

/// `spec.affinity.podAffinity` or `spec.affinity.podAntiAffinity`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct PodAffinity {
    /// `requiredDuringSchedulingIgnoredDuringExecution`.
    pub required: Vec<PodAffinityTerm>,
    /// `preferredDuringSchedulingIgnoredDuringExecution`.
    pub preferred: Vec<WeightedPodAffinityTerm>,
}

/// A pod (anti-)affinity term.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct PodAffinityTerm {
    /// `labelSelector`; `None` matches no pod.
    pub label_selector: Option<LabelSelector>,
    /// `namespaces`.
    pub namespaces: Vec<String>,
    /// `namespaceSelector`; `Some(empty)` selects every namespace.
    pub namespace_selector: Option<LabelSelector>,
    /// `topologyKey`.
    pub topology_key: String,
    /// `matchLabelKeys`.
    pub match_label_keys: Vec<String>,
    /// `mismatchLabelKeys`.
    pub mismatch_label_keys: Vec<String>,
}

/// A weighted pod (anti-)affinity term.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct WeightedPodAffinityTerm {
    /// Weight, 1-100.
    pub weight: i32,
    /// The term.
    pub term: PodAffinityTerm,
}

/// A topology spread constraint.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TopologySpreadConstraint {
    /// `maxSkew`.
    pub max_skew: i32,
    /// `topologyKey`.
    pub topology_key: String,
    /// `whenUnsatisfiable`.
    pub when_unsatisfiable: UnsatisfiableAction,
    /// `labelSelector`.
    pub label_selector: Option<LabelSelector>,
    /// `minDomains`.
    pub min_domains: Option<i32>,
    /// `nodeAffinityPolicy` (default `Honor`).
    pub node_affinity_policy: Option<SpreadPolicy>,
    /// `nodeTaintsPolicy` (default `Ignore`).
    pub node_taints_policy: Option<SpreadPolicy>,
    /// `matchLabelKeys`.
    pub match_label_keys: Vec<String>,
}

/// `whenUnsatisfiable`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnsatisfiableAction {
    /// `DoNotSchedule`: a filter.
    DoNotSchedule,
    /// `ScheduleAnyway`: a score.
    ScheduleAnyway,
}

/// `nodeAffinityPolicy` / `nodeTaintsPolicy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SpreadPolicy {
    /// `Honor`.
    Honor,
    /// `Ignore`.
    Ignore,
}

/// `spec.preemptionPolicy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PreemptionPolicy {
    /// `PreemptLowerPriority` (default).
    #[default]
    PreemptLowerPriority,
    /// `Never`.
    Never,
}
