//! Terse builders for nodes and pods, for tests, examples and library users.
//!
//! Quantities are written as Kubernetes writes them (`"200m"`, `"256Mi"`); a
//! quantity that does not parse panics, because builders take literals written
//! by programmers, not input from users.

use crate::Quantity;
use crate::spec::{
    Container, ContainerImage, ContainerPort, LabelSelector, Node, NodeAffinity, NodeSelector,
    NodeSelectorTerm, Operator, Pod, PodAffinity, PodAffinityTerm, PreferredSchedulingTerm,
    Requirement, ResourceList, Taint, TaintEffect, Toleration, TolerationOperator,
    TopologySpreadConstraint, UnsatisfiableAction, WeightedPodAffinityTerm,
};

#[allow(clippy::panic)]
fn q(s: &str) -> Quantity {
    match Quantity::parse(s) {
        Ok(q) => q,
        Err(e) => panic!("builder quantity {s:?}: {e}"),
    }
}

fn list(pairs: &[(&str, &str)]) -> ResourceList {
    pairs.iter().map(|(k, v)| (k.to_string(), q(v))).collect()
}

/// Builds a [`Node`].
///
/// ```
/// use spillway_core::NodeBuilder;
/// let node = NodeBuilder::new("n1").capacity("4", "16Gi", 110).label("zone", "a").build();
/// assert_eq!(node.labels["zone"], "a");
/// ```
#[derive(Debug, Clone)]
pub struct NodeBuilder(Node);

impl NodeBuilder {
    /// A node with the `kubernetes.io/hostname` label and nothing allocatable.
    pub fn new(name: &str) -> NodeBuilder {
        let mut n = Node {
            name: name.to_string(),
            ..Node::default()
        };
        n.labels
            .insert("kubernetes.io/hostname".into(), name.into());
        NodeBuilder(n)
    }

    /// Sets allocatable cpu, memory and pods.
    pub fn capacity(mut self, cpu: &str, memory: &str, pods: i64) -> NodeBuilder {
        self.0.allocatable.insert("cpu".into(), q(cpu));
        self.0.allocatable.insert("memory".into(), q(memory));
        self.0
            .allocatable
            .insert("pods".into(), Quantity::from_value(pods));
        self
    }

    /// Sets one allocatable resource.
    pub fn allocatable(mut self, name: &str, amount: &str) -> NodeBuilder {
        self.0.allocatable.insert(name.into(), q(amount));
        self
    }

    /// Adds a label.
    pub fn label(mut self, key: &str, value: &str) -> NodeBuilder {
        self.0.labels.insert(key.into(), value.into());
        self
    }

    /// Adds a taint.
    pub fn taint(mut self, key: &str, value: &str, effect: TaintEffect) -> NodeBuilder {
        self.0.taints.push(Taint {
            key: key.into(),
            value: value.into(),
            effect,
        });
        self
    }

    /// Cordons the node.
    pub fn unschedulable(mut self) -> NodeBuilder {
        self.0.unschedulable = true;
        self
    }

    /// Adds an image (`status.images`).
    pub fn image(mut self, names: &[&str], size_bytes: i64) -> NodeBuilder {
        self.0.images.push(ContainerImage {
            names: names.iter().map(|s| s.to_string()).collect(),
            size_bytes,
        });
        self
    }

    /// The node.
    pub fn build(self) -> Node {
        self.0
    }
}

/// Builds a [`Pod`] with one container (`app`), to which requests, ports and the
/// image apply.
///
/// ```
/// use spillway_core::PodBuilder;
/// let pod = PodBuilder::new("web-1").requests("100m", "128Mi").label("app", "web").build();
/// assert_eq!(pod.namespace, "default");
/// ```
#[derive(Debug, Clone)]
pub struct PodBuilder(Pod);

impl PodBuilder {
    /// A pod in `default` with one container `app` (image `nginx`), no requests.
    pub fn new(name: &str) -> PodBuilder {
        PodBuilder(Pod {
            namespace: "default".into(),
            name: name.into(),
            containers: vec![Container {
                name: "app".into(),
                image: "nginx".into(),
                ..Container::default()
            }],
            ..Pod::default()
        })
    }

    fn main(&mut self) -> &mut Container {
        if self.0.containers.is_empty() {
            self.0.containers.push(Container {
                name: "app".into(),
                ..Container::default()
            });
        }
        let last = self.0.containers.len() - 1;
        &mut self.0.containers[last]
    }

    /// Sets the namespace.
    pub fn namespace(mut self, ns: &str) -> PodBuilder {
        self.0.namespace = ns.into();
        self
    }

    /// Adds a label.
    pub fn label(mut self, key: &str, value: &str) -> PodBuilder {
        self.0.labels.insert(key.into(), value.into());
        self
    }

    /// Sets the last container's cpu and memory requests.
    pub fn requests(mut self, cpu: &str, memory: &str) -> PodBuilder {
        let c = self.main();
        c.requests.insert("cpu".into(), q(cpu));
        c.requests.insert("memory".into(), q(memory));
        self
    }

    /// Sets one request of the last container.
    pub fn request(mut self, name: &str, amount: &str) -> PodBuilder {
        self.main().requests.insert(name.into(), q(amount));
        self
    }

    /// Adds a container with these requests.
    pub fn container(mut self, name: &str, requests: &[(&str, &str)]) -> PodBuilder {
        self.0.containers.push(Container {
            name: name.into(),
            requests: list(requests),
            ..Container::default()
        });
        self
    }

    /// Adds an init container; `sidecar` makes it `restartPolicy: Always`.
    pub fn init_container(
        mut self,
        name: &str,
        requests: &[(&str, &str)],
        sidecar: bool,
    ) -> PodBuilder {
        self.0.init_containers.push(Container {
            name: name.into(),
            requests: list(requests),
            restart_policy_always: sidecar,
            ..Container::default()
        });
        self
    }

    /// Sets `spec.overhead`.
    pub fn overhead(mut self, overhead: &[(&str, &str)]) -> PodBuilder {
        self.0.overhead = Some(list(overhead));
        self
    }

    /// Sets the last container's image.
    pub fn image(mut self, image: &str) -> PodBuilder {
        self.main().image = image.into();
        self
    }

    /// Adds a host port to the last container.
    pub fn host_port(mut self, port: i32, protocol: &str, host_ip: &str) -> PodBuilder {
        self.main().ports.push(ContainerPort {
            container_port: port,
            host_port: port,
            host_ip: host_ip.into(),
            protocol: protocol.into(),
        });
        self
    }

    /// Sets `spec.nodeName`.
    pub fn node_name(mut self, node: &str) -> PodBuilder {
        self.0.node_name = Some(node.into());
        self
    }

    /// Adds a `spec.nodeSelector` entry.
    pub fn node_selector(mut self, key: &str, value: &str) -> PodBuilder {
        self.0
            .node_selector
            .get_or_insert_with(Default::default)
            .insert(key.into(), value.into());
        self
    }

    /// Adds a required node affinity term (terms are ORed).
    pub fn required_node_term(
        mut self,
        exprs: &[Requirement],
        fields: &[Requirement],
    ) -> PodBuilder {
        let na = self
            .0
            .node_affinity
            .get_or_insert_with(NodeAffinity::default);
        na.required
            .get_or_insert_with(NodeSelector::default)
            .terms
            .push(NodeSelectorTerm {
                match_expressions: exprs.to_vec(),
                match_fields: fields.to_vec(),
            });
        self
    }

    /// Adds a preferred node affinity term.
    pub fn preferred_node_term(mut self, weight: i32, exprs: &[Requirement]) -> PodBuilder {
        let na = self
            .0
            .node_affinity
            .get_or_insert_with(NodeAffinity::default);
        na.preferred
            .get_or_insert_with(Vec::new)
            .push(PreferredSchedulingTerm {
                weight,
                preference: NodeSelectorTerm {
                    match_expressions: exprs.to_vec(),
                    match_fields: Vec::new(),
                },
            });
        self
    }

    /// Adds a toleration; an empty `value` with `Exists` is the usual form.
    pub fn toleration(
        mut self,
        key: &str,
        operator: TolerationOperator,
        value: &str,
        effect: Option<TaintEffect>,
    ) -> PodBuilder {
        self.0.tolerations.push(Toleration {
            key: key.into(),
            operator,
            value: value.into(),
            effect,
        });
        self
    }

    /// Adds a required (anti-)affinity term selecting `key=value` pods over `topology_key`.
    pub fn pod_affinity(
        mut self,
        anti: bool,
        key: &str,
        value: &str,
        topology_key: &str,
    ) -> PodBuilder {
        let term = affinity_term(key, value, topology_key);
        self.affinity_mut(anti).required.push(term);
        self
    }

    /// Adds a preferred (anti-)affinity term selecting `key=value` pods over `topology_key`.
    pub fn preferred_pod_affinity(
        mut self,
        anti: bool,
        weight: i32,
        key: &str,
        value: &str,
        topology_key: &str,
    ) -> PodBuilder {
        let term = affinity_term(key, value, topology_key);
        self.affinity_mut(anti)
            .preferred
            .push(WeightedPodAffinityTerm { weight, term });
        self
    }

    fn affinity_mut(&mut self, anti: bool) -> &mut PodAffinity {
        let slot = if anti {
            &mut self.0.pod_anti_affinity
        } else {
            &mut self.0.pod_affinity
        };
        slot.get_or_insert_with(PodAffinity::default)
    }

    /// Adds a topology spread constraint over pods labelled `key=value`.
    pub fn spread(
        mut self,
        max_skew: i32,
        topology_key: &str,
        hard: bool,
        key: &str,
        value: &str,
    ) -> PodBuilder {
        self.0
            .topology_spread_constraints
            .push(TopologySpreadConstraint {
                max_skew,
                topology_key: topology_key.into(),
                when_unsatisfiable: if hard {
                    UnsatisfiableAction::DoNotSchedule
                } else {
                    UnsatisfiableAction::ScheduleAnyway
                },
                label_selector: Some(selector(key, value)),
                min_domains: None,
                node_affinity_policy: None,
                node_taints_policy: None,
                match_label_keys: Vec::new(),
            });
        self
    }

    /// Sets `spec.priority`.
    pub fn priority(mut self, priority: i32) -> PodBuilder {
        self.0.priority = priority;
        self
    }

    /// Adds a scheduling gate.
    pub fn scheduling_gate(mut self, name: &str) -> PodBuilder {
        self.0.scheduling_gates.push(name.into());
        self
    }

    /// The pod.
    pub fn build(self) -> Pod {
        self.0
    }
}

/// A label selector `key=value`.
pub fn selector(key: &str, value: &str) -> LabelSelector {
    LabelSelector {
        match_labels: [(key.to_string(), value.to_string())].into(),
        match_expressions: Vec::new(),
    }
}

fn affinity_term(key: &str, value: &str, topology_key: &str) -> PodAffinityTerm {
    PodAffinityTerm {
        label_selector: Some(LabelSelector {
            match_labels: Default::default(),
            match_expressions: vec![Requirement::new(key, Operator::In, &[value])],
        }),
        topology_key: topology_key.into(),
        ..PodAffinityTerm::default()
    }
}
