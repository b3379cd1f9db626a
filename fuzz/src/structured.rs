//! Structured scenarios for the `scenario_json` target.
//!
//! [`Scenario`] is built by `arbitrary` from the fuzzer's bytes and rendered with
//! [`Scenario::to_json`] as the golden object form (`{"nodes": [...], "pods":
//! [...], "incoming": [...], ...}`). Every string comes from a small vocabulary
//! (mostly valid, a few invalid entries), so most inputs decode and compile and the
//! engine's plugins see overlapping labels, taints, selectors and topology keys.

use arbitrary::Arbitrary;
use serde_json::{Map, Value, json};

/// A word of a fixed vocabulary.
pub trait Word: Copy {
    /// The string.
    fn s(self) -> &'static str;
}

/// A string from a fixed vocabulary: one of the valid words for most bytes, one of
/// the `invalid` ones (values the loader or the API server rejects) for byte 255,
/// so that most scenarios (which take ~100 picks) still compile.
macro_rules! vocab {
    ($(#[$m:meta])* $name:ident = [$($s:expr),+ $(,)?] $(invalid [$($bad:expr),+ $(,)?])?) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy)]
        pub struct $name(u8);

        impl $name {
            const VALID: &'static [&'static str] = &[$($s),+];
            const INVALID: &'static [&'static str] = &[$($($bad),+)?];
        }

        impl Word for $name {
            fn s(self) -> &'static str {
                let i = usize::from(self.0);
                if self.0 == 255 && !Self::INVALID.is_empty() {
                    Self::INVALID[i % Self::INVALID.len()]
                } else {
                    Self::VALID[i % Self::VALID.len()]
                }
            }
        }

        impl<'a> Arbitrary<'a> for $name {
            fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
                Ok($name(u.arbitrary()?))
            }
        }
    };
}

vocab!(
    /// Label and topology keys.
    Key = [
        "zone",
        "topology.kubernetes.io/zone",
        "kubernetes.io/hostname",
        "app",
        "tier",
        "example.com/disk",
    ] invalid ["", "bad key/x/y"]
);
vocab!(
    /// Label values (numeric ones for `Gt`/`Lt`).
    Val = ["a", "b", "c", "", "1", "10"] invalid ["-3", "not valid!"]
);
vocab!(
    /// Node names (pods bind to them; matchFields and nodeName select them).
    NodeName = ["n0", "n1", "n2", "n3", "n4"] invalid ["", "missing"]
);
vocab!(
    /// Pod names, used instead of the pod's index for name byte 255 (so names
    /// rarely collide).
    PodName = ["p0", "p1", "q0", "q1"] invalid [""]
);
vocab!(
    /// Namespaces (empty is `default`).
    Ns = ["", "default", "ns1", "ns2"]
);
vocab!(
    /// Label selector operators.
    Op = ["In", "NotIn", "Exists", "DoesNotExist"] invalid ["Gt", "Lt", "Bogus"]
);
vocab!(
    /// Node selector operators.
    NodeOp = ["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"] invalid ["Bogus"]
);
vocab!(
    /// Taint effects.
    Effect = ["NoSchedule", "PreferNoSchedule", "NoExecute"] invalid ["", "Bogus"]
);
vocab!(
    /// Toleration operators.
    TolOp = ["Equal", "Exists", ""] invalid ["Bogus"]
);
vocab!(
    /// Container resource names (`pods` is only valid in allocatable).
    ResName = [
        "cpu",
        "memory",
        "ephemeral-storage",
        "example.com/gpu",
        "hugepages-2Mi",
    ] invalid ["pods", ""]
);
vocab!(
    /// Pod-level resource names.
    PodResName = ["cpu", "memory", "hugepages-2Mi"] invalid ["ephemeral-storage"]
);
vocab!(
    /// Allocatable resource names.
    AllocName = [
        "cpu",
        "memory",
        "pods",
        "ephemeral-storage",
        "example.com/gpu",
        "hugepages-2Mi",
    ] invalid [""]
);
vocab!(
    /// Quantity strings: ordinary and extreme ones, then negative and malformed.
    Qty = [
        "0",
        "1",
        "100m",
        "2",
        "4",
        "1Gi",
        "512Mi",
        "110",
        "1e3",
        "1n",
        "0.5",
        "1E",
        "1e20",
        "9223372036854775807",
        "8Ei",
    ] invalid ["-1", "1e30", "bogus", " 1"]
);
vocab!(
    /// `whenUnsatisfiable`.
    Unsat = ["DoNotSchedule", "ScheduleAnyway"] invalid ["Bogus"]
);
vocab!(
    /// `nodeAffinityPolicy` / `nodeTaintsPolicy`.
    Policy = ["Honor", "Ignore"] invalid ["Bogus"]
);
vocab!(
    /// `matchFields` keys.
    FieldKey = ["metadata.name"] invalid ["metadata.uid"]
);
vocab!(
    /// Pod phases (terminated pods are dropped by the loader).
    Phase = ["Running", "Pending", "Succeeded", "Failed"]
);
vocab!(
    /// Owner kinds for the system default spread constraints (Jobs are not used).
    OwnerKind = ["ReplicaSet", "StatefulSet", "ReplicationController", "Job"]
);
vocab!(
    /// Owner and controller names.
    OwnerName = ["web", "db", "other"]
);
vocab!(
    /// Container images (ImageLocality).
    Image = ["nginx:1", "busybox", "registry.example.com/app:v2", ""]
);
vocab!(
    /// An init container's `restartPolicy`.
    Restart = ["Always"] invalid ["Never"]
);
vocab!(
    /// `preemptionPolicy`.
    Preempt = ["Never", "PreemptLowerPriority"] invalid ["Bogus"]
);

/// An integer: 1..=4 for most bytes, any `i32` (zero, negative, extreme) for
/// byte 255.
#[derive(Debug, Clone, Copy, Arbitrary)]
pub struct Num(u8, i32);

impl Num {
    fn v(self) -> i64 {
        if self.0 == 255 {
            i64::from(self.1)
        } else {
            1 + i64::from(self.0 % 4)
        }
    }
}

/// Label pairs (truncated to 4 when rendered).
type Labels = Vec<(Key, Val)>;

/// Truncates a list to at most `n` items (keeps each run small).
fn cap<T>(v: &[T], n: usize) -> &[T] {
    &v[..v.len().min(n)]
}

fn labels(l: &[(Key, Val)]) -> Value {
    Value::Object(
        cap(l, 4)
            .iter()
            .map(|(k, v)| (k.s().to_string(), json!(v.s())))
            .collect(),
    )
}

fn resources<R: Word>(r: &[(R, Qty)]) -> Value {
    Value::Object(
        cap(r, 4)
            .iter()
            .map(|(k, v)| (k.s().to_string(), json!(v.s())))
            .collect(),
    )
}

/// A requirement of a label selector (`O` = [`Op`]) or node selector ([`NodeOp`]).
/// Unless `raw` is 255, its values are made to fit the operator (none for `Exists`,
/// one integer for `Gt`), as the API server's validation demands.
#[derive(Debug, Clone, Arbitrary)]
pub struct Expr<O> {
    key: Key,
    op: O,
    values: Vec<Val>,
    raw: u8,
}

impl<O: Word> Expr<O> {
    fn to_json(&self) -> Value {
        let op = self.op.s();
        let mut vals: Vec<&str> = cap(&self.values, 3).iter().map(|v| v.s()).collect();
        if self.raw != 255 {
            match op {
                "Exists" | "DoesNotExist" => vals.clear(),
                "Gt" | "Lt" => {
                    let n = vals.first().map_or(0, |v| v.len());
                    vals = vec![["1", "10", "-3", "0"][n % 4]];
                }
                _ if vals.is_empty() => vals.push("a"),
                _ => {}
            }
        }
        let mut m = Map::new();
        m.insert("key".into(), json!(self.key.s()));
        m.insert("operator".into(), json!(op));
        if !vals.is_empty() {
            m.insert("values".into(), json!(vals));
        }
        Value::Object(m)
    }
}

/// A `metav1.LabelSelector`.
#[derive(Debug, Clone, Arbitrary)]
pub struct Selector {
    match_labels: Labels,
    exprs: Vec<Expr<Op>>,
}

impl Selector {
    fn to_json(&self) -> Value {
        let e: Vec<Value> = cap(&self.exprs, 3).iter().map(|e| e.to_json()).collect();
        json!({ "matchLabels": labels(&self.match_labels), "matchExpressions": e })
    }
}

/// A `NodeSelectorTerm`.
#[derive(Debug, Clone, Arbitrary)]
pub struct NodeTerm {
    exprs: Vec<Expr<NodeOp>>,
    /// `matchFields`: key, `NotIn` (else `In`), the node name.
    fields: Vec<(FieldKey, bool, NodeName)>,
}

impl NodeTerm {
    fn to_json(&self) -> Value {
        let e: Vec<Value> = cap(&self.exprs, 3).iter().map(|e| e.to_json()).collect();
        let f: Vec<Value> = cap(&self.fields, 2)
            .iter()
            .map(|(k, not_in, n)| {
                let op = if *not_in { "NotIn" } else { "In" };
                json!({ "key": k.s(), "operator": op, "values": [n.s()] })
            })
            .collect();
        json!({ "matchExpressions": e, "matchFields": f })
    }
}

/// A `PodAffinityTerm`.
#[derive(Debug, Clone, Arbitrary)]
pub struct AffinityTerm {
    selector: Option<Selector>,
    namespaces: Option<Vec<Ns>>,
    ns_selector: Option<Selector>,
    topology_key: Key,
    match_label_keys: Vec<Key>,
    mismatch_label_keys: Vec<Key>,
}

impl AffinityTerm {
    fn to_json(&self) -> Value {
        let mut m = Map::new();
        if let Some(s) = &self.selector {
            m.insert("labelSelector".into(), s.to_json());
        }
        if let Some(ns) = &self.namespaces {
            let ns: Vec<&str> = cap(ns, 3).iter().map(|n| n.s()).collect();
            m.insert("namespaces".into(), json!(ns));
        }
        if let Some(s) = &self.ns_selector {
            m.insert("namespaceSelector".into(), s.to_json());
        }
        m.insert("topologyKey".into(), json!(self.topology_key.s()));
        let keys = |k: &[Key]| -> Vec<&str> { cap(k, 2).iter().map(|k| k.s()).collect() };
        if !self.match_label_keys.is_empty() {
            m.insert("matchLabelKeys".into(), json!(keys(&self.match_label_keys)));
        }
        if !self.mismatch_label_keys.is_empty() {
            m.insert(
                "mismatchLabelKeys".into(),
                json!(keys(&self.mismatch_label_keys)),
            );
        }
        Value::Object(m)
    }
}

/// `podAffinity` or `podAntiAffinity`.
#[derive(Debug, Clone, Arbitrary)]
pub struct PodAffinity {
    required: Vec<AffinityTerm>,
    preferred: Vec<(Num, AffinityTerm)>,
}

impl PodAffinity {
    fn to_json(&self) -> Value {
        let req: Vec<Value> = cap(&self.required, 2)
            .iter()
            .map(AffinityTerm::to_json)
            .collect();
        let pref: Vec<Value> = cap(&self.preferred, 2)
            .iter()
            .map(|(w, t)| json!({ "weight": w.v(), "podAffinityTerm": t.to_json() }))
            .collect();
        json!({
            "requiredDuringSchedulingIgnoredDuringExecution": req,
            "preferredDuringSchedulingIgnoredDuringExecution": pref,
        })
    }
}

/// A `TopologySpreadConstraint`.
#[derive(Debug, Clone, Arbitrary)]
pub struct Spread {
    max_skew: Num,
    topology_key: Key,
    when: Unsat,
    selector: Option<Selector>,
    min_domains: Option<Num>,
    affinity_policy: Option<Policy>,
    taints_policy: Option<Policy>,
    match_label_keys: Vec<Key>,
}

impl Spread {
    fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("maxSkew".into(), json!(self.max_skew.v()));
        m.insert("topologyKey".into(), json!(self.topology_key.s()));
        m.insert("whenUnsatisfiable".into(), json!(self.when.s()));
        if let Some(s) = &self.selector {
            m.insert("labelSelector".into(), s.to_json());
        }
        if let (Some(d), "DoNotSchedule") = (self.min_domains, self.when.s()) {
            m.insert("minDomains".into(), json!(d.v()));
        }
        if let Some(p) = self.affinity_policy {
            m.insert("nodeAffinityPolicy".into(), json!(p.s()));
        }
        if let Some(p) = self.taints_policy {
            m.insert("nodeTaintsPolicy".into(), json!(p.s()));
        }
        if !self.match_label_keys.is_empty() {
            let k: Vec<&str> = cap(&self.match_label_keys, 2)
                .iter()
                .map(|k| k.s())
                .collect();
            m.insert("matchLabelKeys".into(), json!(k));
        }
        Value::Object(m)
    }
}

/// A container.
#[derive(Debug, Clone, Arbitrary)]
pub struct Container {
    image: Image,
    requests: Vec<(ResName, Qty)>,
    limits: Vec<(ResName, Qty)>,
    host_port: Option<(Num, bool)>,
    restart: Option<Restart>,
}

impl Container {
    fn to_json(&self, name: String, init: bool) -> Value {
        let mut m = Map::new();
        m.insert("name".into(), json!(name));
        m.insert("image".into(), json!(self.image.s()));
        m.insert(
            "resources".into(),
            json!({ "requests": resources(&self.requests), "limits": resources(&self.limits) }),
        );
        if let Some((port, udp)) = self.host_port {
            m.insert(
                "ports".into(),
                json!([{
                    "containerPort": 80,
                    "hostPort": port.v(),
                    "protocol": if udp { "UDP" } else { "TCP" },
                }]),
            );
        }
        if let (true, Some(r)) = (init, self.restart) {
            m.insert("restartPolicy".into(), json!(r.s()));
        }
        Value::Object(m)
    }
}

/// A toleration (`None` fields are left out). `Exists` is forced when there is no
/// key, and then no value is given, as the API server's validation demands.
#[derive(Debug, Clone, Arbitrary)]
pub struct Toleration {
    key: Option<Key>,
    op: Option<TolOp>,
    value: Option<Val>,
    effect: Option<Effect>,
}

impl Toleration {
    fn to_json(&self) -> Value {
        let mut m = Map::new();
        let op = match (self.key, self.op) {
            (None, _) => Some("Exists"),
            (Some(_), op) => op.map(TolOp::s),
        };
        if let Some(k) = self.key {
            m.insert("key".into(), json!(k.s()));
        }
        if let Some(o) = op {
            m.insert("operator".into(), json!(o));
        }
        if let (Some(v), false) = (self.value, op == Some("Exists")) {
            m.insert("value".into(), json!(v.s()));
        }
        if let Some(e) = self.effect {
            m.insert("effect".into(), json!(e.s()));
        }
        Value::Object(m)
    }
}

/// A pod, running (bound with `nodeName`) or incoming.
#[derive(Debug, Clone, Arbitrary)]
pub struct Pod {
    name: PodName,
    namespace: Ns,
    labels: Labels,
    node_name: Option<NodeName>,
    /// An incoming pod with a `nodeName` only when this is 255 (scenario 091).
    bind_incoming: u8,
    phase: Option<Phase>,
    owner: Option<(OwnerKind, OwnerName)>,
    containers: Vec<Container>,
    init_containers: Vec<Container>,
    overhead: Vec<(ResName, Qty)>,
    pod_resources: Option<Vec<(PodResName, Qty)>>,
    node_selector: Labels,
    required_node: Option<Vec<NodeTerm>>,
    preferred_node: Vec<(Num, NodeTerm)>,
    affinity: Option<PodAffinity>,
    anti_affinity: Option<PodAffinity>,
    tolerations: Vec<Toleration>,
    spread: Vec<Spread>,
    gates: Vec<PodName>,
    priority: Option<Num>,
    preemption: Option<Preempt>,
}

impl Pod {
    /// Pod `index`, bound to one of `nodes` nodes when `bound`.
    fn to_json(&self, index: usize, bound: bool, nodes: usize) -> Value {
        let name = if self.name.0 == 255 {
            self.name.s().to_string()
        } else {
            format!("{}{index}", if bound { "running" } else { "pod" })
        };
        let mut spec = Map::new();
        let containers: Vec<Value> = cap(&self.containers, 3)
            .iter()
            .enumerate()
            .map(|(i, c)| c.to_json(format!("c{i}"), false))
            .collect();
        spec.insert("containers".into(), json!(containers));
        if !self.init_containers.is_empty() {
            let init: Vec<Value> = cap(&self.init_containers, 2)
                .iter()
                .enumerate()
                .map(|(i, c)| c.to_json(format!("init{i}"), true))
                .collect();
            spec.insert("initContainers".into(), json!(init));
        }
        if !self.overhead.is_empty() {
            spec.insert("overhead".into(), resources(&self.overhead));
        }
        if let Some(r) = &self.pod_resources {
            spec.insert("resources".into(), json!({ "requests": resources(r) }));
        }
        // Running pods are bound; incoming ones usually not (scenario 091 binds one).
        match (bound, self.node_name) {
            (true, Some(n)) if n.0 == 255 => spec.insert("nodeName".into(), json!(n.s())),
            (true, n) => {
                let i = usize::from(n.map_or(0, |n| n.0)) % nodes.max(1);
                spec.insert("nodeName".into(), json!(format!("n{i}")))
            }
            (false, Some(n)) if self.bind_incoming == 255 => {
                spec.insert("nodeName".into(), json!(n.s()))
            }
            _ => None,
        };
        if !self.node_selector.is_empty() {
            spec.insert("nodeSelector".into(), labels(&self.node_selector));
        }
        let mut affinity = Map::new();
        if self.required_node.is_some() || !self.preferred_node.is_empty() {
            let mut na = Map::new();
            if let Some(terms) = &self.required_node {
                let t: Vec<Value> = cap(terms, 2).iter().map(NodeTerm::to_json).collect();
                na.insert(
                    "requiredDuringSchedulingIgnoredDuringExecution".into(),
                    json!({ "nodeSelectorTerms": t }),
                );
            }
            if !self.preferred_node.is_empty() {
                let p: Vec<Value> = cap(&self.preferred_node, 2)
                    .iter()
                    .map(|(w, t)| json!({ "weight": w.v(), "preference": t.to_json() }))
                    .collect();
                na.insert(
                    "preferredDuringSchedulingIgnoredDuringExecution".into(),
                    json!(p),
                );
            }
            affinity.insert("nodeAffinity".into(), Value::Object(na));
        }
        if let Some(a) = &self.affinity {
            affinity.insert("podAffinity".into(), a.to_json());
        }
        if let Some(a) = &self.anti_affinity {
            affinity.insert("podAntiAffinity".into(), a.to_json());
        }
        if !affinity.is_empty() {
            spec.insert("affinity".into(), Value::Object(affinity));
        }
        if !self.tolerations.is_empty() {
            let t: Vec<Value> = cap(&self.tolerations, 3)
                .iter()
                .map(Toleration::to_json)
                .collect();
            spec.insert("tolerations".into(), json!(t));
        }
        if !self.spread.is_empty() {
            let s: Vec<Value> = cap(&self.spread, 2).iter().map(Spread::to_json).collect();
            spec.insert("topologySpreadConstraints".into(), json!(s));
        }
        if !self.gates.is_empty() && !bound {
            let g: Vec<Value> = cap(&self.gates, 2)
                .iter()
                .map(|g| json!({ "name": format!("gate{}", g.s()) }))
                .collect();
            spec.insert("schedulingGates".into(), json!(g));
        }
        if let Some(p) = self.priority {
            spec.insert("priority".into(), json!(p.v()));
        }
        if let Some(p) = self.preemption {
            spec.insert("preemptionPolicy".into(), json!(p.s()));
        }
        let mut meta = Map::new();
        meta.insert("name".into(), json!(name));
        if !self.namespace.s().is_empty() {
            meta.insert("namespace".into(), json!(self.namespace.s()));
        }
        meta.insert("labels".into(), labels(&self.labels));
        if let Some((kind, name)) = self.owner {
            let api = if kind.s() == "ReplicationController" {
                "v1"
            } else {
                "apps/v1"
            };
            meta.insert(
                "ownerReferences".into(),
                json!([{
                    "apiVersion": api, "kind": kind.s(), "name": name.s(),
                    "uid": "u", "controller": true,
                }]),
            );
        }
        let mut pod = json!({ "metadata": meta, "spec": spec });
        if let Some(p) = self.phase {
            pod["status"] = json!({ "phase": p.s() });
        }
        pod
    }
}

/// A node.
#[derive(Debug, Clone, Arbitrary)]
pub struct Node {
    name: NodeName,
    labels: Labels,
    taints: Vec<(Key, Option<Val>, Effect)>,
    allocatable: Vec<(AllocName, Qty)>,
    unschedulable: bool,
    images: Vec<(Image, Num)>,
}

impl Node {
    /// Node `index` is named `n<index>`, or for name byte 255 by its `name`
    /// (possibly a duplicate or empty).
    fn to_json(&self, index: usize) -> Value {
        let name = if self.name.0 == 255 {
            self.name.s().to_string()
        } else {
            format!("n{index}")
        };
        let taints: Vec<Value> = cap(&self.taints, 3)
            .iter()
            .map(|(k, v, e)| {
                let mut m = Map::new();
                m.insert("key".into(), json!(k.s()));
                if let Some(v) = v {
                    m.insert("value".into(), json!(v.s()));
                }
                m.insert("effect".into(), json!(e.s()));
                Value::Object(m)
            })
            .collect();
        let images: Vec<Value> = cap(&self.images, 2)
            .iter()
            .map(|(i, size)| json!({ "names": [i.s()], "sizeBytes": size.v() * 10_000_000 }))
            .collect();
        // Most nodes get a hostname label matching their name, like real ones.
        let mut l = labels(&self.labels);
        if let Some(m) = l.as_object_mut() {
            m.entry("kubernetes.io/hostname")
                .or_insert_with(|| json!(name));
        }
        json!({
            "metadata": { "name": name, "labels": l },
            "spec": { "taints": taints, "unschedulable": self.unschedulable },
            "status": { "allocatable": resources(&self.allocatable), "images": images },
        })
    }
}

/// A Service, ReplicaSet, StatefulSet or ReplicationController that may select
/// pods (PodTopologySpread's system default constraints).
#[derive(Debug, Clone, Arbitrary)]
pub struct Controller {
    kind: OwnerKind,
    name: OwnerName,
    namespace: Ns,
    selector: Labels,
    exprs: Vec<Expr<Op>>,
}

/// A whole scenario.
#[derive(Debug, Clone, Arbitrary)]
pub struct Scenario {
    nodes: Vec<Node>,
    running: Vec<Pod>,
    incoming: Vec<Pod>,
    namespaces: Vec<(Ns, Labels)>,
    services: Vec<(OwnerName, Ns, Labels)>,
    controllers: Vec<Controller>,
}

impl Scenario {
    /// The golden object form of the scenario, as JSON.
    pub fn to_json(&self) -> Value {
        let nodes: Vec<Value> = cap(&self.nodes, 6)
            .iter()
            .enumerate()
            .map(|(i, n)| n.to_json(i))
            .collect();
        // Running pods need a node to be bound to.
        let running = if nodes.is_empty() {
            &[][..]
        } else {
            cap(&self.running, 6)
        };
        let pods: Vec<Value> = running
            .iter()
            .enumerate()
            .map(|(i, p)| p.to_json(i, true, nodes.len()))
            .collect();
        let incoming: Vec<Value> = cap(&self.incoming, 4)
            .iter()
            .enumerate()
            .map(|(i, p)| p.to_json(i, false, nodes.len()))
            .collect();
        let namespaces: Vec<Value> = cap(&self.namespaces, 3)
            .iter()
            .map(|(n, l)| json!({ "metadata": { "name": n.s(), "labels": labels(l) } }))
            .collect();
        let services: Vec<Value> = cap(&self.services, 2)
            .iter()
            .map(|(n, ns, sel)| {
                json!({
                    "metadata": { "name": n.s(), "namespace": ns.s() },
                    "spec": { "selector": labels(sel) },
                })
            })
            .collect();
        let (mut rs, mut ss, mut rc) = (Vec::new(), Vec::new(), Vec::new());
        for c in cap(&self.controllers, 3) {
            let meta = json!({ "name": c.name.s(), "namespace": c.namespace.s() });
            let exprs: Vec<Value> = cap(&c.exprs, 2).iter().map(|e| e.to_json()).collect();
            let sel = json!({ "matchLabels": labels(&c.selector), "matchExpressions": exprs });
            match c.kind.s() {
                "ReplicaSet" => rs.push(json!({ "metadata": meta, "spec": { "selector": sel } })),
                "StatefulSet" => ss.push(json!({
                    "metadata": meta,
                    "spec": { "selector": sel, "serviceName": "s", "template": {} },
                })),
                _ => rc
                    .push(json!({ "metadata": meta, "spec": { "selector": labels(&c.selector) } })),
            }
        }
        json!({
            "description": "fuzz",
            "nodes": nodes,
            "pods": pods,
            "incoming": incoming,
            "namespaces": namespaces,
            "services": services,
            "replicaSets": rs,
            "statefulSets": ss,
            "replicationControllers": rc,
        })
    }
}
