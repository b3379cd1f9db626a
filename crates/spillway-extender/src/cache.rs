//! Cluster state: nodes, running pods and namespaces, compiled for the engine.
//!
//! The objects are kept as a [`Scenario`] (the same model `spillway schedule`
//! reads) and compiled into the core's [`Cluster`] and [`ClusterState`]. A
//! request's pod is evaluated as a *probe*: its scheduling spec without its
//! name, compiled into the model once (known, not placed) and shared by every
//! pod with the same spec (the replicas of one ReplicaSet), so that a stream of
//! new pods does not grow the model. Requests evaluate under a read lock, many
//! at once. Changes take the write lock, so a request sees the state before a
//! change or after it, never half of it:
//!
//! - a bound pod (the bind verb, or a watcher event) is assumed onto its node
//!   incrementally, after checking under the same lock that it still fits, so
//!   two binds can never book the same capacity twice;
//! - a deleted pod is removed incrementally;
//! - a node or namespace change (or too many probes and pods added since the
//!   last compile) marks the model stale; the next request compiles it again
//!   from the objects.
//!
//! The last [`SEEN_PODS`] pods of requests are kept as sent, for the bind verb.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::hash::BuildHasher;
use std::path::Path;
use std::sync::{Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard, TryLockError};

use foldhash::fast::RandomState;

use k8s_openapi::api::core::v1 as k;
use spillway_core::spec;
use spillway_core::{Cluster, ClusterState, NodeIdx, PodIdx, Profile, Scheduler};
use spillway_kube::ack::specs::SpecTable;
use spillway_kube::ack::virtual_node::{ZONE_LABEL, node_kind};
use spillway_kube::{FieldError, LoadError, Scenario};

/// Distinct probes kept before the model is compiled afresh (which drops
/// them).
const MAX_PROBES: usize = 1_000;
/// Pods added to the compiled model (probes, bound pods) before it is compiled
/// afresh: a removed pod's record stays in the model until then.
const MAX_ADDED: usize = 10_000;
/// Pods of requests kept for the bind verb, the most recent first out last.
/// kube-scheduler binds a pod right after filtering and prioritizing it.
pub const SEEN_PODS: usize = 1_024;

/// Sizes of the cache, for metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CacheStats {
    /// Nodes known.
    pub nodes: usize,
    /// Running (bound) pods known.
    pub pods: usize,
    /// Distinct pod specs of requests compiled into the model (see the
    /// module docs).
    pub probes: usize,
    /// Times the model was compiled.
    pub generation: u64,
}

/// What policies need to know about a node beyond the engine's model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeInfo {
    /// A virtual node (pods on it run as ECI instances).
    pub is_virtual: bool,
    /// `topology.kubernetes.io/zone`, if set.
    pub zone: Option<String>,
}

/// A workload: pods of one controller (namespace, kind, name; a Deployment's
/// ReplicaSets count as the Deployment), or without a controller, pods with the
/// same labels in one namespace.
pub type WorkloadKey = (String, String);

/// The cluster state, shared by every request.
#[derive(Debug, Default)]
pub struct Cache {
    inner: RwLock<Inner>,
    /// The last pods of requests, by `namespace/name` (for the bind verb).
    seen: Mutex<Seen>,
}

#[derive(Debug, Default)]
struct Seen {
    pods: HashMap<String, k::Pod>,
    order: VecDeque<String>,
}

#[derive(Debug, Default)]
struct Inner {
    scenario: Scenario,
    /// Node name → index in `scenario.nodes`, converted node, info.
    nodes: HashMap<String, (usize, spec::Node, NodeInfo)>,
    /// `namespace/name` → index in `scenario.running`.
    running: HashMap<String, usize>,
    /// Running pods per workload and node.
    workloads: HashMap<WorkloadKey, BTreeMap<String, u32>>,
    /// Nodes as a request last sent them in full, and the node they are.
    sent: SentNodes,
    model: Option<Model>,
    generation: u64,
}

/// The JSON of nodes as requests sent them (`Nodes`), for the nodes the cache
/// holds as those objects: a node sent again byte for byte is known without
/// decoding it. Forgotten when the node changes any other way.
#[derive(Debug, Default)]
struct SentNodes {
    hasher: RandomState,
    /// Node name → the hash of its JSON, and the JSON.
    by_name: HashMap<String, (u64, Box<str>)>,
    /// Hash of the JSON → node name.
    by_hash: HashMap<u64, String>,
}

impl SentNodes {
    /// The name of the node `json` is, if it was sent before, byte for byte,
    /// and the cache still holds it.
    fn name_of(&self, json: &str) -> Option<&str> {
        let name = self.by_hash.get(&self.hasher.hash_one(json))?;
        let (_, held) = self.by_name.get(name)?;
        (held.as_ref() == json).then_some(name.as_str())
    }

    fn remember(&mut self, name: &str, json: &str) {
        self.forget(name);
        let hash = self.hasher.hash_one(json);
        self.by_name.insert(name.to_string(), (hash, json.into()));
        self.by_hash.insert(hash, name.to_string());
    }

    fn forget(&mut self, name: &str) {
        if let Some((hash, _)) = self.by_name.remove(name)
            && self.by_hash.get(&hash).is_some_and(|n| n == name)
        {
            self.by_hash.remove(&hash);
        }
    }
}

#[derive(Debug)]
struct Model {
    cluster: Cluster,
    state: ClusterState,
    /// A pod's converted spec without name and UID → its probe.
    probes: HashMap<spec::Pod, PodIdx>,
    /// Running pods' indices by `namespace/name`.
    running: HashMap<String, PodIdx>,
    /// Pods added to `cluster` since it was compiled.
    added: usize,
    /// Each node's [`NodeInfo`] by index (as `Inner::nodes` has it by name).
    infos: Vec<Option<NodeInfo>>,
    /// Each node's zone by index, numbered (see [`View::zone_id`]).
    zone_ids: Vec<Option<usize>>,
    /// The number of zones.
    zones: usize,
    /// Node names → index, as `cluster.node_by_name`.
    names: NameIndex,
    /// `scenario.spec_table()` (the ACK settings never change after load).
    spec_table: Option<SpecTable>,
}

/// Node names → index, laid out for thousands of lookups per request (one
/// per candidate): the names back to back in one buffer and an
/// open-addressing table of (hash, index), so that a lookup reads two compact
/// arrays instead of a map entry and a key allocated elsewhere on the heap.
/// Answers exactly what [`Cluster::node_by_name`] answers.
#[derive(Debug, Default)]
struct NameIndex {
    hasher: RandomState,
    /// Every node's name, back to back.
    text: String,
    /// Each node's name in `text`, by node index.
    spans: Vec<(usize, usize)>,
    /// (high half of the hash, node index + 1), 0 for an empty slot; a power
    /// of two long, at most half full.
    slots: Vec<(u32, u32)>,
}

impl NameIndex {
    fn new(cluster: &Cluster) -> NameIndex {
        let n = cluster.node_count();
        let mut index = NameIndex {
            hasher: RandomState::default(),
            text: String::new(),
            spans: Vec::with_capacity(n),
            slots: vec![(0, 0); (2 * n).next_power_of_two().max(16)],
        };
        for node in cluster.node_indices() {
            let name = cluster.node_name(node);
            let start = index.text.len();
            index.text.push_str(name);
            index.spans.push((start, index.text.len()));
            let (tag, mut slot) = index.place(name);
            let mask = index.slots.len() - 1;
            while index.slots[slot].1 != 0 {
                slot = (slot + 1) & mask;
            }
            // Node indices are u32 (`NodeIdx`), so this cannot overflow.
            index.slots[slot] = (tag, node.index() as u32 + 1);
        }
        index
    }

    /// The tag and first slot of `name`.
    fn place(&self, name: &str) -> (u32, usize) {
        let hash = self.hasher.hash_one(name);
        ((hash >> 32) as u32, hash as usize & (self.slots.len() - 1))
    }

    fn get(&self, name: &str) -> Option<NodeIdx> {
        if self.spans.is_empty() {
            return None;
        }
        let (tag, mut slot) = self.place(name);
        let mask = self.slots.len() - 1;
        loop {
            let &(t, v) = self.slots.get(slot)?;
            if v == 0 {
                return None;
            }
            let idx = (v - 1) as usize;
            if t == tag
                && let Some(&(start, end)) = self.spans.get(idx)
                && self.text.get(start..end) == Some(name)
            {
                return NodeIdx::from_index(idx);
            }
            slot = (slot + 1) & mask;
        }
    }
}

/// One pod's evaluation context: the compiled cluster, its state, the pod,
/// and what the policies read beside.
#[derive(Debug)]
pub struct View<'a> {
    /// The compiled cluster.
    pub cluster: &'a Cluster,
    /// What is placed where.
    pub state: &'a ClusterState,
    /// The pod.
    pub pod: PodIdx,
    /// The objects (ACK settings, prices).
    pub scenario: &'a Scenario,
    nodes: &'a HashMap<String, (usize, spec::Node, NodeInfo)>,
    infos: &'a [Option<NodeInfo>],
    zone_ids: &'a [Option<usize>],
    zones: usize,
    names: &'a NameIndex,
    spec_table: Option<&'a SpecTable>,
    workloads: &'a HashMap<WorkloadKey, BTreeMap<String, u32>>,
    running: &'a HashMap<String, PodIdx>,
}

impl View<'_> {
    /// A scheduler with the default profile.
    pub fn scheduler(&self) -> Scheduler<'_> {
        Scheduler::new(self.cluster, Profile::default())
    }

    /// A node's index, if the cache knows it.
    pub fn node(&self, name: &str) -> Option<NodeIdx> {
        self.names.get(name)
    }

    /// A node's kind and zone, if the cache knows it.
    pub fn info(&self, name: &str) -> Option<&NodeInfo> {
        self.nodes.get(name).map(|(_, _, i)| i)
    }

    /// A candidate's kind and zone: [`View::info`] of `name`, read by the
    /// index `idx` (what [`View::node`] gives for `name`) when there is one,
    /// without looking the name up again.
    pub fn info_at(&self, name: &str, idx: Option<NodeIdx>) -> Option<&NodeInfo> {
        match idx.and_then(|i| self.infos.get(i.index())) {
            Some(Some(info)) => Some(info),
            _ => self.info(name),
        }
    }

    /// The zone of the node at `idx` as a number below [`View::zone_count`]
    /// (nodes of one zone share it), for counting per zone without comparing
    /// names.
    pub fn zone_id(&self, idx: NodeIdx) -> Option<usize> {
        self.zone_ids.get(idx.index()).copied().flatten()
    }

    /// The number of zones of the nodes the model holds.
    pub fn zone_count(&self) -> usize {
        self.zones
    }

    /// Every node the cache knows, by name.
    pub fn node_names(&self) -> impl Iterator<Item = &str> {
        self.nodes.keys().map(String::as_str)
    }

    /// The ECI spec table of the scenario's ACK settings
    /// (`scenario.spec_table()`, built once per model), if they are valid.
    pub fn spec_table(&self) -> Option<&SpecTable> {
        self.spec_table
    }

    /// The running pods the model holds, by UID (pods without one are left
    /// out). Built on each call: for the preempt verb, not per candidate.
    pub fn running_by_uid(&self) -> HashMap<&str, PodIdx> {
        self.scenario
            .running
            .iter()
            .filter_map(|pod| {
                let uid = pod.metadata.uid.as_deref().filter(|u| !u.is_empty())?;
                Some((uid, *self.running.get(&pod_key(pod))?))
            })
            .collect()
    }

    /// Running pods of a workload per node.
    pub fn workload(&self, key: &WorkloadKey) -> Option<&BTreeMap<String, u32>> {
        self.workloads.get(key)
    }
}

/// The workload a pod belongs to.
pub fn workload_key(pod: &k::Pod) -> WorkloadKey {
    let ns = pod
        .metadata
        .namespace
        .clone()
        .unwrap_or_else(|| "default".into());
    let owner = pod
        .metadata
        .owner_references
        .as_deref()
        .unwrap_or_default()
        .iter()
        .find(|o| o.controller == Some(true));
    let labels = pod.metadata.labels.as_ref();
    match owner {
        // A Deployment's ReplicaSets are `<deployment>-<pod-template-hash>`:
        // count the Deployment, so the old and new replicas of a rollout
        // spread together.
        Some(o) if o.kind == "ReplicaSet" => {
            let hash = labels.and_then(|l| l.get("pod-template-hash"));
            match hash.and_then(|h| o.name.strip_suffix(h.as_str())?.strip_suffix('-')) {
                Some(deployment) => (ns, format!("Deployment/{deployment}")),
                None => (ns, format!("ReplicaSet/{}", o.name)),
            }
        }
        Some(o) => (ns, format!("{}/{}", o.kind, o.name)),
        None => {
            let text: Vec<String> = labels
                .into_iter()
                .flatten()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            (ns, format!("labels:{}", text.join(",")))
        }
    }
}

fn sorted(mut names: Vec<String>) -> Vec<String> {
    names.sort_unstable();
    names
}

fn pod_key(pod: &k::Pod) -> String {
    format!(
        "{}/{}",
        pod.metadata.namespace.as_deref().unwrap_or("default"),
        pod.metadata.name.as_deref().unwrap_or_default()
    )
}

/// A pod's spec as its probe: without what differs between the replicas of
/// one controller and no plugin reads for the pod being scheduled.
fn probe_spec(mut pod: spec::Pod) -> spec::Pod {
    pod.name.clear();
    pod.uid.clear();
    pod
}

fn info_of(node: &k::Node) -> NodeInfo {
    NodeInfo {
        is_virtual: node_kind(node).is_virtual(),
        zone: node
            .metadata
            .labels
            .as_ref()
            .and_then(|l| l.get(ZONE_LABEL))
            .cloned(),
    }
}

/// A pod that is bound and not finished.
fn is_running(pod: &k::Pod) -> bool {
    let bound = pod
        .spec
        .as_ref()
        .and_then(|s| s.node_name.as_deref())
        .is_some_and(|n| !n.is_empty());
    let phase = pod.status.as_ref().and_then(|s| s.phase.as_deref());
    bound && !matches!(phase, Some("Succeeded" | "Failed"))
}

impl Cache {
    /// A cache holding a scenario's nodes, running pods, namespaces and ACK
    /// settings (its incoming pods are ignored).
    ///
    /// # Errors
    /// A node or pod the conversion rejects, or a model that does not compile.
    pub fn from_scenario(mut scenario: Scenario) -> Result<Cache, LoadError> {
        scenario.incoming.clear();
        let mut inner = Inner {
            scenario,
            ..Inner::default()
        };
        inner.index().map_err(|e| e.at(&inner.scenario.path))?;
        inner.compile()?;
        Ok(Cache {
            inner: RwLock::new(inner),
            seen: Mutex::default(),
        })
    }

    fn read(&self) -> RwLockReadGuard<'_, Inner> {
        self.inner.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Inner> {
        self.inner.write().unwrap_or_else(|p| p.into_inner())
    }

    fn seen(&self) -> MutexGuard<'_, Seen> {
        self.seen.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The names of the nodes the cache knows, sorted.
    pub fn node_names(&self) -> Vec<String> {
        sorted(self.read().nodes.keys().cloned().collect())
    }

    /// The running pods the cache knows, as `namespace/name`, sorted.
    pub fn pod_keys(&self) -> Vec<String> {
        sorted(self.read().running.keys().cloned().collect())
    }

    /// The namespaces the cache knows, sorted.
    pub fn namespace_names(&self) -> Vec<String> {
        sorted(
            self.read()
                .scenario
                .namespaces
                .iter()
                .filter_map(|n| n.metadata.name.clone())
                .collect(),
        )
    }

    /// A node's kind and zone, if the cache knows it.
    pub fn node_info(&self, name: &str) -> Option<NodeInfo> {
        self.read().nodes.get(name).map(|(_, _, i)| i.clone())
    }

    /// Sizes, for metrics.
    pub fn stats(&self) -> CacheStats {
        let inner = self.read();
        CacheStats {
            nodes: inner.nodes.len(),
            pods: inner.running.len(),
            probes: inner.model.as_ref().map_or(0, |m| m.probes.len()),
            generation: inner.generation,
        }
    }

    /// Adds or updates nodes (the full objects kube-scheduler sends when the
    /// extender is not `nodeCacheCapable`). A node equal to the object the
    /// cache holds costs a comparison; one whose scheduling-relevant content
    /// is unchanged, a conversion and a comparison; nothing more.
    ///
    /// # Errors
    /// A node the conversion rejects (named with its field).
    pub fn upsert_nodes(&self, nodes: &[k::Node]) -> Result<(), FieldError> {
        // kube-scheduler sends the same objects request after request: when
        // every one is the object held, or converts to what is held, nothing
        // changes. (A node that does not convert takes the path below, which
        // reports it.)
        {
            let inner = self.read();
            let unchanged = |n: &k::Node| {
                inner.holds(n)
                    || spillway_kube::node(n).is_ok_and(|s| inner.converts_to_held(n, &s))
            };
            if nodes.iter().all(unchanged) {
                return Ok(());
            }
        }
        let converted = nodes
            .iter()
            .map(|n| spillway_kube::node(n).map(|s| (n, s)))
            .collect::<Result<Vec<_>, _>>()?;
        let unchanged = {
            let inner = self.read();
            converted.iter().all(|(n, s)| inner.converts_to_held(n, s))
        };
        if unchanged {
            return Ok(());
        }
        let mut inner = self.write();
        for (n, s) in converted {
            inner.put_node(n, s);
        }
        Ok(())
    }

    /// For each node as sent in a request (the JSON of a `v1.Node`), its name
    /// when the cache holds exactly that object because a request sent it
    /// before, byte for byte; `None` for the others, which the caller decodes
    /// and gives to [`Cache::upsert_nodes_as_sent`].
    pub fn known_nodes(&self, sent: &[&str]) -> Vec<Option<String>> {
        let inner = self.read();
        sent.iter()
            .map(|json| inner.sent.name_of(json).map(str::to_string))
            .collect()
    }

    /// [`Cache::upsert_nodes`] for nodes decoded from a request, each with its
    /// JSON as sent, which [`Cache::known_nodes`] then knows.
    ///
    /// # Errors
    /// A node the conversion rejects (named with its field).
    pub fn upsert_nodes_as_sent(&self, nodes: &[(k::Node, &str)]) -> Result<(), FieldError> {
        let converted = nodes
            .iter()
            .map(|(n, json)| spillway_kube::node(n).map(|s| (n, s, *json)))
            .collect::<Result<Vec<_>, _>>()?;
        let mut inner = self.write();
        for (n, s, json) in converted {
            let name = s.name.clone();
            if !inner.converts_to_held(n, &s) {
                inner.put_node(n, s);
            }
            inner.sent.remember(&name, json);
        }
        Ok(())
    }

    /// Adds or updates one node (a watcher event).
    ///
    /// # Errors
    /// A node the conversion rejects.
    pub fn apply_node(&self, node: &k::Node) -> Result<(), FieldError> {
        self.upsert_nodes(std::slice::from_ref(node))
    }

    /// Forgets a node and the pods bound to it.
    pub fn delete_node(&self, name: &str) {
        let mut inner = self.write();
        inner.sent.forget(name);
        let Some((index, _, _)) = inner.nodes.remove(name) else {
            return;
        };
        inner.scenario.nodes.remove(index);
        let gone: Vec<String> = inner
            .scenario
            .running
            .iter()
            .filter(|p| p.spec.as_ref().and_then(|s| s.node_name.as_deref()) == Some(name))
            .map(pod_key)
            .collect();
        for key in gone {
            inner.forget_pod(&key);
        }
        inner.reindex_nodes();
        inner.model = None;
    }

    /// Adds or updates a namespace (its labels feed namespace selectors).
    pub fn apply_namespace(&self, ns: &k::Namespace) {
        let mut inner = self.write();
        let name = ns.metadata.name.clone().unwrap_or_default();
        let list = &mut inner.scenario.namespaces;
        match list
            .iter_mut()
            .find(|n| n.metadata.name.as_deref() == Some(&name))
        {
            Some(old) if old.metadata.labels == ns.metadata.labels => return,
            Some(old) => *old = ns.clone(),
            None => list.push(ns.clone()),
        }
        inner.model = None;
    }

    /// Forgets a namespace.
    pub fn delete_namespace(&self, name: &str) {
        let mut inner = self.write();
        let before = inner.scenario.namespaces.len();
        inner
            .scenario
            .namespaces
            .retain(|n| n.metadata.name.as_deref() != Some(name));
        if inner.scenario.namespaces.len() != before {
            inner.model = None;
        }
    }

    /// A pod event: bound and not finished → running on its node (assumed
    /// incrementally); otherwise forgotten.
    ///
    /// # Errors
    /// A pod the conversion rejects.
    pub fn apply_pod(&self, pod: &k::Pod) -> Result<(), FieldError> {
        let key = pod_key(pod);
        if !is_running(pod) {
            // Pending (perhaps about to be bound through the bind verb, so
            // still remembered as seen) or finished.
            self.write().forget_pod(&key);
            return Ok(());
        }
        let converted = spillway_kube::pod(pod)?;
        let mut inner = self.write();
        if let Some(&i) = inner.running.get(&key)
            && inner.scenario.running.get(i).map(|p| &p.spec) == Some(&pod.spec)
        {
            return Ok(());
        }
        inner.forget_pod(&key);
        inner.add_running(pod.clone(), &converted);
        Ok(())
    }

    /// Forgets a pod (`namespace/name`).
    pub fn delete_pod(&self, key: &str) {
        self.seen().forget(key);
        let mut inner = self.write();
        inner.forget_pod(key);
    }

    /// Evaluates `pod` against the cluster: runs `f` with the pod's probe
    /// (under a read lock when a pod with the same spec was seen before), and
    /// keeps the pod for the bind verb.
    ///
    /// # Errors
    /// A pod the conversion rejects, or a model that does not compile.
    pub fn with_pod<R>(
        &self,
        pod: &k::Pod,
        f: impl FnOnce(&View<'_>) -> R,
    ) -> Result<R, LoadError> {
        let converted = self
            .read()
            .scenario
            .incoming_spec(pod)
            .map_err(|e| e.at(Path::new("request")))?;
        self.seen().remember(pod);
        let probe = probe_spec(converted);
        {
            let inner = self.read();
            if let Some(model) = &inner.model
                && let Some(&idx) = model.probes.get(&probe)
            {
                return Ok(f(&inner.view(model, idx)));
            }
        }
        let mut inner = self.write();
        let idx = inner.probe(probe)?;
        match &inner.model {
            Some(model) => Ok(f(&inner.view(model, idx))),
            None => Err(no_model()),
        }
    }

    /// As [`Cache::with_pod`], when that needs no waiting: `None` when a
    /// writer holds (or waits for) the cache, or when the pod's spec has no
    /// probe yet (compiling one takes the write lock). For answering on the
    /// async runtime without blocking it.
    pub fn try_with_pod<R>(
        &self,
        pod: &k::Pod,
        f: impl FnOnce(&View<'_>) -> R,
    ) -> Option<Result<R, LoadError>> {
        let inner = match self.inner.try_read() {
            Ok(inner) => inner,
            Err(TryLockError::Poisoned(p)) => p.into_inner(),
            Err(TryLockError::WouldBlock) => return None,
        };
        let converted = match inner.scenario.incoming_spec(pod) {
            Ok(converted) => converted,
            Err(e) => return Some(Err(e.at(Path::new("request")))),
        };
        let model = inner.model.as_ref()?;
        let &idx = model.probes.get(&probe_spec(converted))?;
        self.seen().remember(pod);
        Some(Ok(f(&inner.view(model, idx))))
    }

    /// Binds a pod that a request showed before to a node: checks under the
    /// write lock that it still fits there (so concurrent binds never
    /// double-book), then assumes it.
    ///
    /// # Errors
    /// An unknown pod or node, or a pod that no longer fits (the message gives
    /// the upstream reason).
    pub fn bind(&self, namespace: &str, name: &str, uid: &str, node: &str) -> Result<(), String> {
        let key = format!(
            "{}/{name}",
            if namespace.is_empty() {
                "default"
            } else {
                namespace
            }
        );
        let pod = self
            .seen()
            .pods
            .get(&key)
            .filter(|p| p.metadata.uid.as_deref().unwrap_or_default() == uid)
            .cloned()
            .ok_or_else(|| {
                format!("pod {key} (uid {uid:?}) was not seen in a filter or prioritize request")
            })?;
        let mut bound = pod;
        if let Some(s) = bound.spec.as_mut() {
            s.node_name = Some(node.to_string());
        }
        let mut inner = self.write();
        if inner.running.contains_key(&key) {
            return Err(format!("pod {key} is already bound"));
        }
        let fails = |e: &dyn std::fmt::Display| format!("pod {key}: {e}");
        let probe = inner
            .scenario
            .incoming_spec(&bound)
            .map_err(|e| fails(&e))?;
        let running = spillway_kube::pod(&bound).map_err(|e| fails(&e))?;
        let idx = inner.probe(probe_spec(probe)).map_err(|e| fails(&e))?;
        let Some(model) = inner.model.as_ref() else {
            return Err(no_model().to_string());
        };
        let node_idx = model
            .cluster
            .node_by_name(node)
            .ok_or_else(|| format!("node {node:?} is not in the cache"))?;
        let scheduler = Scheduler::new(&model.cluster, Profile::default());
        let ev = scheduler.filter_among(&model.state, idx, &[node_idx]);
        if let Some((_, r)) = ev.rejected.first() {
            return Err(format!(
                "pod {key} does not fit on {node}: {}",
                r.message(&model.cluster)
            ));
        }
        inner.add_running(bound, &running);
        Ok(())
    }
}

impl Seen {
    /// Keeps `pod` (the newest of [`SEEN_PODS`]).
    fn remember(&mut self, pod: &k::Pod) {
        let key = pod_key(pod);
        if let Some(held) = self.pods.get_mut(&key) {
            if held != pod {
                *held = pod.clone();
            }
            return;
        }
        if self.order.len() >= SEEN_PODS
            && let Some(oldest) = self.order.pop_front()
        {
            self.pods.remove(&oldest);
        }
        self.pods.insert(key.clone(), pod.clone());
        self.order.push_back(key);
    }

    fn forget(&mut self, key: &str) {
        if self.pods.remove(key).is_some() {
            self.order.retain(|k| k != key);
        }
    }
}

impl Inner {
    /// Whether `node` is, field for field, the object held under its name.
    fn holds(&self, node: &k::Node) -> bool {
        let name = node.metadata.name.as_deref().unwrap_or_default();
        self.nodes
            .get(name)
            .and_then(|(i, _, _)| self.scenario.nodes.get(*i))
            .is_some_and(|held| held == node)
    }

    /// Whether `node`, converted to `converted`, is what the cache holds under
    /// its name for scheduling (the spec and the policies' info).
    fn converts_to_held(&self, node: &k::Node, converted: &spec::Node) -> bool {
        self.nodes
            .get(converted.name.as_str())
            .is_some_and(|(_, old, info)| old == converted && *info == info_of(node))
    }

    /// Indexes the scenario's nodes and running pods.
    fn index(&mut self) -> Result<(), FieldError> {
        self.nodes.clear();
        for (i, n) in self.scenario.nodes.iter().enumerate() {
            let s = spillway_kube::node(n)?;
            self.nodes.insert(s.name.clone(), (i, s, info_of(n)));
        }
        self.running.clear();
        self.workloads.clear();
        let pods = std::mem::take(&mut self.scenario.running);
        for p in pods {
            self.track_running(p);
        }
        Ok(())
    }

    fn reindex_nodes(&mut self) {
        for (i, n) in self.scenario.nodes.iter().enumerate() {
            if let Some(name) = n.metadata.name.as_deref()
                && let Some(entry) = self.nodes.get_mut(name)
            {
                entry.0 = i;
            }
        }
    }

    fn put_node(&mut self, node: &k::Node, converted: spec::Node) {
        self.sent.forget(&converted.name);
        let info = info_of(node);
        match self.nodes.get_mut(converted.name.as_str()) {
            Some(entry) => {
                if let Some(slot) = self.scenario.nodes.get_mut(entry.0) {
                    *slot = node.clone();
                }
                entry.1 = converted;
                entry.2 = info;
            }
            None => {
                self.scenario.nodes.push(node.clone());
                let i = self.scenario.nodes.len() - 1;
                self.nodes
                    .insert(converted.name.clone(), (i, converted, info));
            }
        }
        self.model = None;
    }

    /// Records a running pod in the objects and the workload counts.
    fn track_running(&mut self, pod: k::Pod) {
        let key = pod_key(&pod);
        if let Some(node) = pod.spec.as_ref().and_then(|s| s.node_name.clone()) {
            *self
                .workloads
                .entry(workload_key(&pod))
                .or_default()
                .entry(node)
                .or_default() += 1;
        }
        self.scenario.running.push(pod);
        self.running.insert(key, self.scenario.running.len() - 1);
    }

    /// Adds a running pod to the objects and, when compiled, to the model.
    fn add_running(&mut self, pod: k::Pod, converted: &spec::Pod) {
        let key = pod_key(&pod);
        let node = pod.spec.as_ref().and_then(|s| s.node_name.clone());
        self.track_running(pod);
        let Some(model) = self.model.as_mut() else {
            return;
        };
        let Some(node_idx) = node.as_deref().and_then(|n| model.cluster.node_by_name(n)) else {
            // A pod on a node the cache does not know yet: the next compile
            // (after the node arrives) places it.
            self.model = None;
            return;
        };
        // A removed pod of the same name keeps its record until the next
        // compile: this one then goes under another name.
        let mut compiled = std::borrow::Cow::Borrowed(converted);
        let namespace = match converted.namespace.as_str() {
            "" => "default",
            ns => ns,
        };
        if model
            .cluster
            .pod_by_key(namespace, &converted.name)
            .is_some()
        {
            compiled.to_mut().name = format!("{}\u{0}{}", converted.name, model.added);
        }
        let Ok(idx) = model.cluster.add_pod(&compiled) else {
            self.model = None;
            return;
        };
        model.added += 1;
        model.state.assume(&model.cluster, idx, node_idx);
        model.running.insert(key, idx);
    }

    /// Forgets a running pod everywhere.
    fn forget_pod(&mut self, key: &str) {
        if let Some(model) = self.model.as_mut()
            && let Some(idx) = model.running.remove(key)
        {
            model.state.remove(&model.cluster, idx);
        }
        let Some(i) = self.running.remove(key) else {
            return;
        };
        let pod = self.scenario.running.swap_remove(i);
        if let Some(moved) = self.scenario.running.get(i) {
            self.running.insert(pod_key(moved), i);
        }
        if let Some(node) = pod.spec.as_ref().and_then(|s| s.node_name.as_deref()) {
            let wk = workload_key(&pod);
            if let Some(counts) = self.workloads.get_mut(&wk) {
                if let Some(c) = counts.get_mut(node) {
                    *c = c.saturating_sub(1);
                    if *c == 0 {
                        counts.remove(node);
                    }
                }
                if counts.is_empty() {
                    self.workloads.remove(&wk);
                }
            }
        }
    }

    fn compile(&mut self) -> Result<(), LoadError> {
        let snapshot = self.scenario.compile()?;
        let mut running = HashMap::with_capacity(self.running.len());
        for p in &self.scenario.running {
            let key = pod_key(p);
            if let Some((ns, name)) = key.split_once('/')
                && let Some(idx) = snapshot.cluster.pod_by_key(ns, name)
            {
                running.insert(key, idx);
            }
        }
        let infos: Vec<Option<NodeInfo>> = snapshot
            .cluster
            .node_indices()
            .map(|n| {
                let name = snapshot.cluster.node_name(n);
                self.nodes.get(name).map(|(_, _, info)| info.clone())
            })
            .collect();
        let (zone_ids, zones) = {
            let mut numbers: HashMap<&str, usize> = HashMap::new();
            let ids = infos
                .iter()
                .map(|info| {
                    let zone = info.as_ref()?.zone.as_deref()?;
                    let next = numbers.len();
                    Some(*numbers.entry(zone).or_insert(next))
                })
                .collect();
            (ids, numbers.len())
        };
        let names = NameIndex::new(&snapshot.cluster);
        let spec_table = self.scenario.spec_table().ok();
        self.model = Some(Model {
            cluster: snapshot.cluster,
            state: snapshot.state,
            probes: HashMap::new(),
            running,
            added: 0,
            infos,
            zone_ids,
            zones,
            names,
            spec_table,
        });
        self.generation += 1;
        Ok(())
    }

    fn ensure_compiled(&mut self) -> Result<(), LoadError> {
        let full = self
            .model
            .as_ref()
            .is_some_and(|m| m.probes.len() >= MAX_PROBES || m.added >= MAX_ADDED);
        if full {
            // Probes are compiled again when their pods come back.
            self.model = None;
        }
        if self.model.is_none() {
            self.compile()?;
        }
        Ok(())
    }

    /// The probe of a pod spec ([`probe_spec`]), compiled into the model the
    /// first time.
    fn probe(&mut self, probe: spec::Pod) -> Result<PodIdx, LoadError> {
        if let Some(model) = &self.model
            && let Some(&idx) = model.probes.get(&probe)
        {
            return Ok(idx);
        }
        self.ensure_compiled()?;
        let Some(model) = self.model.as_mut() else {
            return Err(no_model());
        };
        // A name no Kubernetes object can have.
        let mut compiled = probe.clone();
        compiled.name = format!("\u{0}probe-{}", model.added);
        let idx = model
            .cluster
            .add_pod(&compiled)
            .map_err(|source| LoadError::Compile {
                path: "request".into(),
                source,
            })?;
        model.added += 1;
        model.state.sync(&model.cluster);
        model.probes.insert(probe, idx);
        Ok(idx)
    }

    fn view<'a>(&'a self, model: &'a Model, pod: PodIdx) -> View<'a> {
        View {
            cluster: &model.cluster,
            state: &model.state,
            pod,
            scenario: &self.scenario,
            nodes: &self.nodes,
            infos: &model.infos,
            zone_ids: &model.zone_ids,
            zones: model.zones,
            names: &model.names,
            spec_table: model.spec_table.as_ref(),
            workloads: &self.workloads,
            running: &model.running,
        }
    }
}

/// The model is compiled before every use; this names the impossible case
/// rather than panicking.
fn no_model() -> LoadError {
    LoadError::Shape {
        path: "cache".into(),
        message: "the model is not compiled".into(),
    }
}
