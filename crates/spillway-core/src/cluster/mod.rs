//! The compiled cluster: nodes, namespaces and pod templates in interned, columnar
//! form, plus the mutable [`ClusterState`] of what is placed where.

pub(crate) mod affinity;
pub(crate) mod matchers;
pub(crate) mod node;
pub(crate) mod resources;
pub(crate) mod selector;
pub(crate) mod template;

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::error::Error;
use crate::ids::{NodeIdx, PodIdx, Sym, TemplateIdx, checked_index};
use crate::intern::Interner;
use crate::spec::{self, Namespace};

use node::Nodes;
use resources::{Res, Scalars};
use selector::LabelSet;
use template::{HostPort, Template};

/// Everything to compile: nodes, namespaces, running pods and pods to schedule.
#[derive(Debug, Clone, Default)]
pub struct ClusterSpec {
    /// The nodes, in the order ties are reported.
    pub nodes: Vec<spec::Node>,
    /// Namespaces with their labels. Namespaces used by pods but not listed are
    /// created with only `kubernetes.io/metadata.name`.
    pub namespaces: Vec<Namespace>,
    /// Pods already bound (`node_name` set), in the scheduler cache before any
    /// incoming pod.
    pub running: Vec<spec::Pod>,
    /// Pods to schedule, in order.
    pub incoming: Vec<spec::Pod>,
}

/// A compiled cluster with its initial state and the pods to schedule.
#[derive(Debug)]
pub struct Snapshot {
    /// The compiled cluster.
    pub cluster: Cluster,
    /// The running pods placed on their nodes.
    pub state: ClusterState,
    /// The incoming pods, in order.
    pub incoming: Vec<PodIdx>,
}

/// One pod: its identity and its template.
#[derive(Debug, Clone)]
pub(crate) struct PodRecord {
    pub namespace: String,
    pub name: String,
    pub template: TemplateIdx,
    /// `spec.nodeName` as given.
    pub node_name: Option<String>,
}

/// The immutable, compiled cluster.
///
/// Node data is stored column by column; pods share compiled [templates](TemplateIdx).
/// Per-template results that placements cannot change (which nodes pass the node
/// affinity and taint filters, preferred-affinity scores) are computed once, on
/// first use, and cached here; the cache is safe to share across threads.
#[derive(Debug, Default)]
pub struct Cluster {
    pub(crate) strings: Interner,
    pub(crate) scalars: Scalars,
    pub(crate) nodes: Nodes,
    pub(crate) namespaces: HashMap<Sym, LabelSet>,
    pub(crate) templates: Vec<Template>,
    template_ids: HashMap<Template, TemplateIdx>,
    pub(crate) statics: Vec<OnceLock<crate::framework::statics::Statics>>,
    pub(crate) matchers: matchers::Matchers,
    pub(crate) pods: Vec<PodRecord>,
    pod_ids: HashMap<(String, String), PodIdx>,
}

/// `kubernetes.io/metadata.name`, the label the API server puts on every namespace.
pub const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";

impl Cluster {
    /// Compiles a cluster: nodes and namespaces, the running pods placed on their
    /// nodes, and the incoming pods ready to schedule.
    ///
    /// # Errors
    /// Bad input, named by object and field: a duplicate node or pod, a running pod
    /// on a node that does not exist, a selector or toleration the API server would
    /// reject, a negative quantity.
    pub fn compile(spec: &ClusterSpec) -> Result<Snapshot, Error> {
        let mut cluster = Cluster::default();
        for n in &spec.nodes {
            cluster
                .nodes
                .add(&mut cluster.strings, &mut cluster.scalars, n)?;
        }
        cluster.nodes.rank_names();
        for ns in &spec.namespaces {
            cluster.add_namespace(ns);
        }
        let mut state = ClusterState::new(&cluster);
        for p in &spec.running {
            let idx = cluster.add_pod(p)?;
            let node = match p.node_name.as_deref().filter(|n| !n.is_empty()) {
                Some(n) => cluster.node_by_name(n).ok_or_else(|| Error::UnknownNode {
                    pod: p.key(),
                    node: n.to_string(),
                })?,
                None => {
                    return Err(Error::invalid(
                        &format!("pod {}", p.key()),
                        "spec.nodeName",
                        "a running pod must be bound to a node",
                    ));
                }
            };
            state.assume(&cluster, idx, node);
        }
        let mut incoming = Vec::with_capacity(spec.incoming.len());
        for p in &spec.incoming {
            incoming.push(cluster.add_pod(p)?);
        }
        state.fit(&cluster);
        Ok(Snapshot {
            cluster,
            state,
            incoming,
        })
    }

    /// Adds or replaces a namespace's labels (before any pod is added: matchers read
    /// namespace labels when templates are registered).
    fn add_namespace(&mut self, ns: &Namespace) {
        let mut labels = ns.labels.clone();
        labels.insert(NAMESPACE_NAME_LABEL.into(), ns.name.clone());
        let sym = self.strings.intern(&ns.name);
        let compiled = selector::compile_labels(&mut self.strings, &labels);
        self.namespaces.insert(sym, compiled);
    }

    fn ensure_namespace(&mut self, name: &str) -> Sym {
        let sym = self.strings.intern(name);
        if !self.namespaces.contains_key(&sym) {
            self.add_namespace(&Namespace {
                name: name.to_string(),
                labels: Default::default(),
            });
        }
        sym
    }

    /// Compiles a pod (sharing the template of an identical earlier pod) and returns
    /// its index. The pod is not placed: see [`ClusterState::assume`].
    ///
    /// # Errors
    /// A duplicate `namespace/name`, or a field the API server would reject.
    pub fn add_pod(&mut self, pod: &spec::Pod) -> Result<PodIdx, Error> {
        let mut pod = std::borrow::Cow::Borrowed(pod);
        if pod.namespace.is_empty() {
            pod.to_mut().namespace = "default".into();
        }
        let key = (pod.namespace.clone(), pod.name.clone());
        if self.pod_ids.contains_key(&key) {
            return Err(Error::DuplicatePod(pod.key()));
        }
        self.ensure_namespace(&pod.namespace);
        let template = template::compile(&mut self.strings, &mut self.scalars, &pod)?;
        let tidx = match self.template_ids.get(&template) {
            Some(&t) => t,
            None => {
                let t = checked_index(self.templates.len(), TemplateIdx::from_index)?;
                self.template_ids.insert(template.clone(), t);
                self.templates.push(template);
                self.statics.push(OnceLock::new());
                self.matchers
                    .add_template(t, &self.templates, &self.namespaces, &self.strings);
                t
            }
        };
        let idx = checked_index(self.pods.len(), PodIdx::from_index)?;
        self.pods.push(PodRecord {
            namespace: pod.namespace.clone(),
            name: pod.name.clone(),
            template: tidx,
            node_name: pod.node_name.clone().filter(|n| !n.is_empty()),
        });
        self.pod_ids.insert(key, idx);
        Ok(idx)
    }

    /// Number of nodes.
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// All node indices, in input order.
    pub fn node_indices(&self) -> impl Iterator<Item = NodeIdx> + '_ {
        (0..self.nodes.len()).filter_map(NodeIdx::from_index)
    }

    /// A node's name.
    pub fn node_name(&self, node: NodeIdx) -> &str {
        self.nodes
            .names
            .get(node.index())
            .map_or("", String::as_str)
    }

    /// The node called `name`.
    pub fn node_by_name(&self, name: &str) -> Option<NodeIdx> {
        self.nodes.by_name.get(name).copied()
    }

    /// A node's label value.
    pub fn node_label(&self, node: NodeIdx, key: &str) -> Option<&str> {
        let key = self.strings.get(key)?;
        let labels = self.nodes.labels.get(node.index())?;
        selector::label(labels, key).map(|v| self.strings.resolve(v))
    }

    /// Number of pods (running and incoming).
    pub fn pod_count(&self) -> usize {
        self.pods.len()
    }

    /// A pod's `namespace/name`.
    pub fn pod_key(&self, pod: PodIdx) -> String {
        self.pods
            .get(pod.index())
            .map_or_else(String::new, |p| format!("{}/{}", p.namespace, p.name))
    }

    /// The pod called `namespace/name`.
    pub fn pod_by_key(&self, namespace: &str, name: &str) -> Option<PodIdx> {
        self.pod_ids
            .get(&(namespace.to_string(), name.to_string()))
            .copied()
    }

    /// Number of distinct compiled templates.
    pub fn template_count(&self) -> usize {
        self.templates.len()
    }

    /// The template a pod was compiled into.
    pub fn pod_template(&self, pod: PodIdx) -> TemplateIdx {
        self.pods
            .get(pod.index())
            .map_or_else(TemplateIdx::default, |p| p.template)
    }

    pub(crate) fn record(&self, pod: PodIdx) -> &PodRecord {
        &self.pods[pod.index()]
    }

    pub(crate) fn template_of(&self, pod: PodIdx) -> &Template {
        &self.templates[self.pods[pod.index()].template.index()]
    }

    /// A scalar resource's name.
    pub(crate) fn scalar_name(&self, i: crate::ids::ScalarIdx) -> &str {
        self.scalars.name(i)
    }
}

/// What is placed where: the part of the cluster that placements change.
///
/// Kept apart from the immutable [`Cluster`] so that one compiled cluster can be
/// shared by many simulations, each with its own state.
#[derive(Debug, Clone)]
pub struct ClusterState {
    pub(crate) requested: Vec<Res>,
    pub(crate) nonzero: Vec<(i64, i64)>,
    pub(crate) pod_count: Vec<i64>,
    pub(crate) used_ports: Vec<Vec<HostPort>>,
    pub(crate) node_pods: Vec<Vec<PodIdx>>,
    pub(crate) placement: Vec<Option<NodeIdx>>,
    /// Per matcher, the number of placed pods it counts on each node.
    pub(crate) matcher_counts: Vec<Vec<u32>>,
    /// Per matcher, the number of placed pods it counts in all.
    pub(crate) matcher_totals: Vec<u64>,
    /// Nodes changed by placements, oldest first: what cached per-template results
    /// must catch up with. `changes[i]` is change number `changes_base + i`.
    pub(crate) changes: Vec<NodeIdx>,
    pub(crate) changes_base: u64,
}

impl ClusterState {
    /// An empty state sized for `cluster`.
    pub fn new(cluster: &Cluster) -> ClusterState {
        let mut s = ClusterState {
            requested: Vec::new(),
            nonzero: Vec::new(),
            pod_count: Vec::new(),
            used_ports: Vec::new(),
            node_pods: Vec::new(),
            placement: Vec::new(),
            matcher_counts: Vec::new(),
            matcher_totals: Vec::new(),
            changes: Vec::new(),
            changes_base: 0,
        };
        s.fit(cluster);
        s
    }

    fn fit(&mut self, cluster: &Cluster) {
        let n = cluster.node_count();
        self.requested.resize(n, Res::default());
        self.nonzero.resize(n, (0, 0));
        self.pod_count.resize(n, 0);
        self.used_ports.resize(n, Vec::new());
        self.node_pods.resize(n, Vec::new());
        self.placement.resize(cluster.pod_count(), None);
        // Matchers registered after pods were placed start from a full count.
        while self.matcher_counts.len() < cluster.matchers.len() {
            let m = self.matcher_counts.len();
            let mut counts = vec![0u32; n];
            for (node, pods) in self.node_pods.iter().enumerate() {
                counts[node] = pods
                    .iter()
                    .filter(|p| {
                        cluster.matchers.counted_by[cluster.pod_template(**p).index()]
                            .iter()
                            .any(|x| x.index() == m)
                    })
                    .count() as u32;
            }
            self.matcher_totals
                .push(counts.iter().map(|&c| u64::from(c)).sum());
            self.matcher_counts.push(counts);
        }
    }

    /// The number of the next change.
    pub(crate) fn change_count(&self) -> u64 {
        self.changes_base + self.changes.len() as u64
    }

    /// Nodes changed since change number `since`, or `None` when the log no longer
    /// reaches back that far.
    pub(crate) fn changes_since(&self, since: u64) -> Option<&[NodeIdx]> {
        let from = since.checked_sub(self.changes_base)?;
        self.changes.get(usize::try_from(from).ok()?..)
    }

    fn log_change(&mut self, node: NodeIdx) {
        // Keep the log bounded: readers that fell further behind recompute in full.
        let cap = 4 * self.requested.len() + 1024;
        if self.changes.len() >= cap {
            let drop = self.changes.len() / 2;
            self.changes.drain(..drop);
            self.changes_base += drop as u64;
        }
        self.changes.push(node);
    }

    /// Brings the state up to date with pods and matchers added to the cluster since
    /// it was created. [`ClusterState::assume`] does this on its own; call it before
    /// evaluating after [`Cluster::add_pod`].
    pub fn sync(&mut self, cluster: &Cluster) {
        self.fit(cluster);
    }

    /// Whether the state knows every node, pod and matcher of `cluster`.
    pub fn is_synced(&self, cluster: &Cluster) -> bool {
        self.placement.len() == cluster.pod_count()
            && self.requested.len() == cluster.node_count()
            && self.matcher_counts.len() == cluster.matchers.len()
    }

    /// Pods counted by a matcher on a node.
    #[inline]
    pub(crate) fn matched(&self, m: matchers::MatcherIdx, node: NodeIdx) -> u32 {
        self.matcher_counts
            .get(m.index())
            .map_or(0, |c| c[node.index()])
    }

    /// Places `pod` on `node` (kube-scheduler's assume step), updating requested
    /// resources, ports and pod counts. A pod already placed is moved.
    pub fn assume(&mut self, cluster: &Cluster, pod: PodIdx, node: NodeIdx) {
        self.fit(cluster);
        if self.placement[pod.index()].is_some() {
            self.remove(cluster, pod);
        }
        self.apply(cluster, pod, node, 1);
        self.placement[pod.index()] = Some(node);
        self.node_pods[node.index()].push(pod);
    }

    /// Removes a placed pod (a deletion or eviction). Does nothing for a pod that is
    /// not placed.
    pub fn remove(&mut self, cluster: &Cluster, pod: PodIdx) {
        self.fit(cluster);
        let Some(node) = self.placement[pod.index()].take() else {
            return;
        };
        self.apply(cluster, pod, node, -1);
        let pods = &mut self.node_pods[node.index()];
        if let Some(p) = pods.iter().position(|&p| p == pod) {
            pods.swap_remove(p);
        }
    }

    fn apply(&mut self, cluster: &Cluster, pod: PodIdx, node: NodeIdx, sign: i64) {
        let t = cluster.template_of(pod);
        let n = node.index();
        self.requested[n].add(&t.requests, sign);
        self.nonzero[n].0 = self.nonzero[n]
            .0
            .wrapping_add(sign.wrapping_mul(t.nonzero_requests.cpu));
        self.nonzero[n].1 = self.nonzero[n]
            .1
            .wrapping_add(sign.wrapping_mul(t.nonzero_requests.memory));
        self.pod_count[n] += sign;
        for m in &cluster.matchers.counted_by[cluster.pod_template(pod).index()] {
            let c = &mut self.matcher_counts[m.index()][n];
            let total = &mut self.matcher_totals[m.index()];
            if sign > 0 {
                *c += 1;
                *total += 1;
            } else if *c > 0 {
                *c -= 1;
                *total -= 1;
            }
        }
        self.log_change(node);
        let ports = &mut self.used_ports[n];
        for hp in &t.host_ports {
            if sign > 0 {
                ports.push(hp.clone());
            } else if let Some(p) = ports.iter().position(|x| x == hp) {
                ports.swap_remove(p);
            }
        }
    }

    /// Where a pod is placed.
    pub fn placement(&self, pod: PodIdx) -> Option<NodeIdx> {
        self.placement.get(pod.index()).copied().flatten()
    }

    /// Pods placed on `node`, in no particular order.
    pub fn pods_on(&self, node: NodeIdx) -> &[PodIdx] {
        self.node_pods.get(node.index()).map_or(&[], Vec::as_slice)
    }

    /// Requested millicores on a node.
    pub fn requested_milli_cpu(&self, node: NodeIdx) -> i64 {
        self.requested.get(node.index()).map_or(0, |r| r.cpu)
    }

    /// Requested memory bytes on a node.
    pub fn requested_memory(&self, node: NodeIdx) -> i64 {
        self.requested.get(node.index()).map_or(0, |r| r.memory)
    }
}
