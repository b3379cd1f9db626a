//! Scenario files: the golden object form and `kubectl get -o yaml` dumps.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use k8s_openapi::api::apps::v1 as apps;
use k8s_openapi::api::core::v1 as k;
use rayon::prelude::*;
use serde::de::DeserializeOwned;
use serde_json::Value;
use spillway_core::spec::{LabelSelector, Namespace, Operator, Requirement};
use spillway_core::{Cluster, ClusterSpec, Snapshot};

use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;

use crate::ack::settings::AckSettings;
use crate::ack::virtual_node::VirtualNodeDecl;
use crate::admission::PodAdmission;
use crate::chunks::{self, Object};
use crate::convert;
use crate::error::{FieldError, LoadError};
use crate::istio::gateway::IstioGateway;

/// The Kubernetes objects of one scenario.
#[derive(Debug, Clone, Default)]
pub struct Scenario {
    /// The file it came from (for messages).
    pub path: PathBuf,
    /// The object form's `description`.
    pub description: Option<String>,
    /// Nodes, in file order.
    pub nodes: Vec<k::Node>,
    /// Pods already bound to a node.
    pub running: Vec<k::Pod>,
    /// Pods to schedule, in file order.
    pub incoming: Vec<k::Pod>,
    /// Namespaces.
    pub namespaces: Vec<k::Namespace>,
    /// Services (for PodTopologySpread's default constraints).
    pub services: Vec<k::Service>,
    /// ReplicaSets (same).
    pub replica_sets: Vec<apps::ReplicaSet>,
    /// StatefulSets (same).
    pub stateful_sets: Vec<apps::StatefulSet>,
    /// ReplicationControllers (same).
    pub replication_controllers: Vec<k::ReplicationController>,
    /// Deployments (expanded into a ReplicaSet and its pods).
    pub deployments: Vec<apps::Deployment>,
    /// ASM IstioGateways (expanded into a Deployment, Service and HPA).
    pub istio_gateways: Vec<IstioGateway>,
    /// HorizontalPodAutoscalers (read, and created for gateways).
    pub hpas: Vec<HorizontalPodAutoscaler>,
    /// Virtual nodes declared briefly (`virtualNodes:`); their Node objects are in
    /// `nodes`.
    pub virtual_nodes: Vec<VirtualNodeDecl>,
    /// ACK/ASM settings (`ack:`).
    pub ack: AckSettings,
    /// What admission (workload expansion, sidecar injection, ECI routing) did,
    /// per incoming pod (`namespace/name`).
    pub admission: BTreeMap<String, PodAdmission>,
    /// Objects read but not used, each with the reason (`configmap/x: kind
    /// "ConfigMap" is not used by the scheduler`, terminated pods).
    pub ignored: Vec<String>,
}

/// Keys of the object form (see `fixtures/golden/README.md`).
const OBJECT_FORM_KEYS: [&str; 14] = [
    "description",
    "ack",
    "virtualNodes",
    "deployments",
    "istioGateways",
    "horizontalPodAutoscalers",
    "nodes",
    "pods",
    "incoming",
    "namespaces",
    "services",
    "replicaSets",
    "statefulSets",
    "replicationControllers",
];

/// How an object is named in messages before it is decoded.
fn object_name(kind: &str, v: &Value, fallback: &str) -> String {
    let meta = v.get("metadata");
    let field = |f: &str| meta.and_then(|m| m.get(f)).and_then(Value::as_str);
    display_name(kind, field("name"), field("namespace"), fallback)
}

/// `pod NAMESPACE/NAME` for pods, `KIND/NAME` for other objects, else `fallback`.
pub(crate) fn display_name(
    kind: &str,
    name: Option<&str>,
    namespace: Option<&str>,
    fallback: &str,
) -> String {
    let ns = namespace.filter(|s| !s.is_empty());
    match (kind, name) {
        ("Pod", Some(n)) => format!("pod {}/{n}", ns.unwrap_or("default")),
        (_, Some(n)) => format!("{}/{n}", kind.to_ascii_lowercase()),
        (_, None) => fallback.to_string(),
    }
}

fn decode<T: DeserializeOwned>(kind: &str, v: Value, fallback: &str) -> Result<T, FieldError> {
    let object = object_name(kind, &v, fallback);
    serde_path_to_error::deserialize(v).map_err(|e| {
        let field = e.path().to_string();
        FieldError::new(
            &object,
            if field == "." { String::new() } else { field },
            e.into_inner().to_string(),
        )
    })
}

impl Scenario {
    /// Reads a scenario file (YAML or JSON, either shape) and applies admission
    /// (see [`crate::PodAdmission`]): what the scheduler of a real ACK/ASM cluster
    /// would see.
    ///
    /// # Errors
    /// The file cannot be read, is malformed, holds an object with a bad field, or
    /// admission rejects an object.
    pub fn load(path: &Path) -> Result<Scenario, LoadError> {
        let mut s = Scenario::load_objects(path)?;
        s.admit()?;
        Ok(s)
    }

    /// Reads a file's objects as written, without admission (for a probe pod or
    /// a node template that is admitted into another scenario).
    ///
    /// # Errors
    /// As [`Scenario::load`], except admission.
    pub fn load_objects(path: &Path) -> Result<Scenario, LoadError> {
        let text = std::fs::read_to_string(path).map_err(|source| LoadError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Scenario::parse_objects(path, &text)
    }

    /// Parses scenario text and applies admission; `path` is only used in messages.
    ///
    /// # Errors
    /// As [`Scenario::load`].
    pub fn parse(path: &Path, text: &str) -> Result<Scenario, LoadError> {
        let mut s = Scenario::parse_objects(path, text)?;
        s.admit()?;
        Ok(s)
    }

    fn parse_objects(path: &Path, text: &str) -> Result<Scenario, LoadError> {
        let mut s = Scenario {
            path: path.to_path_buf(),
            ..Scenario::default()
        };
        if !looks_like_json(text)
            && let Some(objects) = chunks::objects(text)
        {
            objects.into_iter().for_each(|o| s.add(o));
        } else {
            s.read_text(text)?;
        }
        Ok(s)
    }

    /// Reads text through the generic value tree (every shape; errors with positions).
    fn read_text(&mut self, text: &str) -> Result<(), LoadError> {
        let s = self;
        let docs = parse_documents(&s.path, text)?;
        // A document without `kind` is in the object form (it may stand beside
        // Kubernetes manifests in a multi-document file).
        for (i, doc) in docs.into_iter().enumerate() {
            match doc {
                Value::Object(map)
                    if !map.contains_key("kind") && !map.contains_key("apiVersion") =>
                {
                    s.read_object_form(map)?;
                }
                doc => s.read_document(doc, i)?,
            }
        }
        Ok(())
    }

    fn read_object_form(&mut self, map: serde_json::Map<String, Value>) -> Result<(), LoadError> {
        for (key, value) in map {
            if key == "description" {
                self.description = value.as_str().map(str::to_string);
                continue;
            }
            if key == "ack" {
                self.ack = decode("Settings", value, "ack").map_err(|e| e.at(&self.path))?;
                continue;
            }
            if !OBJECT_FORM_KEYS.contains(&key.as_str()) {
                return Err(LoadError::Shape {
                    path: self.path.clone(),
                    message: format!(
                        "unknown key {key:?}: expected one of {}",
                        OBJECT_FORM_KEYS.join(", ")
                    ),
                });
            }
            let Value::Array(items) = value else {
                if value.is_null() {
                    continue;
                }
                return Err(LoadError::Shape {
                    path: self.path.clone(),
                    message: format!("{key}: expected a list"),
                });
            };
            let kind = match key.as_str() {
                "virtualNodes" => "VirtualNode",
                "deployments" => "Deployment",
                "istioGateways" => "IstioGateway",
                "horizontalPodAutoscalers" => "HorizontalPodAutoscaler",
                "nodes" => "Node",
                "pods" | "incoming" => "Pod",
                "namespaces" => "Namespace",
                "services" => "Service",
                "replicaSets" => "ReplicaSet",
                "statefulSets" => "StatefulSet",
                _ => "ReplicationController",
            };
            for (i, item) in items.into_iter().enumerate() {
                let at = format!("{key}[{i}]");
                if key == "incoming" {
                    let pod: k::Pod = decode("Pod", item, &at).map_err(|e| e.at(&self.path))?;
                    self.add_pod(pod, true);
                } else if key == "pods" {
                    let pod: k::Pod = decode("Pod", item, &at).map_err(|e| e.at(&self.path))?;
                    self.add_pod(pod, false);
                } else {
                    self.add_object(kind, item, &at)?;
                }
            }
        }
        Ok(())
    }

    fn read_document(&mut self, doc: Value, index: usize) -> Result<(), LoadError> {
        if doc.is_null() {
            return Ok(());
        }
        let kind = doc
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if kind.is_empty() {
            return Err(LoadError::Shape {
                path: self.path.clone(),
                message: format!(
                    "document {index}: no `kind`: expected a Kubernetes object, a List, or the object form"
                ),
            });
        }
        if kind == "List" || kind.ends_with("List") {
            let items = match doc.get("items") {
                Some(Value::Array(items)) => items.clone(),
                Some(Value::Null) | None => Vec::new(),
                Some(_) => {
                    return Err(LoadError::Shape {
                        path: self.path.clone(),
                        message: format!("document {index}: {kind}.items: expected a list"),
                    });
                }
            };
            let item_kind = kind
                .strip_suffix("List")
                .filter(|k| !k.is_empty())
                .map(str::to_string);
            for (i, item) in items.into_iter().enumerate() {
                let k = item
                    .get("kind")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .or_else(|| item_kind.clone())
                    .unwrap_or_default();
                self.add_kubectl_object(&k, item, &format!("document {index} items[{i}]"))?;
            }
            return Ok(());
        }
        self.add_kubectl_object(&kind, doc, &format!("document {index}"))
    }

    /// A pod from a kubectl dump: bound pods are running, the others incoming.
    /// Adds a decoded object of a kubectl dump: bound pods are running, the others
    /// incoming.
    fn add(&mut self, object: Object) {
        match object {
            Object::Pod(pod) => {
                let bound = pod
                    .spec
                    .as_ref()
                    .and_then(|s| s.node_name.as_deref())
                    .is_some_and(|n| !n.is_empty());
                self.add_pod(*pod, !bound);
            }
            Object::Node(n) => self.nodes.push(*n),
            Object::Namespace(n) => self.namespaces.push(*n),
            Object::Service(x) => self.services.push(*x),
            Object::ReplicaSet(x) => self.replica_sets.push(*x),
            Object::StatefulSet(x) => self.stateful_sets.push(*x),
            Object::ReplicationController(x) => self.replication_controllers.push(*x),
            Object::Deployment(x) => self.deployments.push(*x),
            Object::IstioGateway(x) => self.istio_gateways.push(*x),
            Object::HorizontalPodAutoscaler(x) => self.hpas.push(*x),
            Object::Other(why) => self.ignored.push(why),
        }
    }

    fn add_kubectl_object(&mut self, kind: &str, v: Value, at: &str) -> Result<(), LoadError> {
        if kind == "Pod" {
            let pod: k::Pod = decode("Pod", v, at).map_err(|e| e.at(&self.path))?;
            let bound = pod
                .spec
                .as_ref()
                .and_then(|s| s.node_name.as_deref())
                .is_some_and(|n| !n.is_empty());
            self.add_pod(pod, !bound);
            return Ok(());
        }
        self.add_object(kind, v, at)
    }

    fn add_pod(&mut self, pod: k::Pod, incoming: bool) {
        let phase = pod
            .status
            .as_ref()
            .and_then(|s| s.phase.as_deref())
            .unwrap_or_default();
        if matches!(phase, "Succeeded" | "Failed") {
            // kube-scheduler's pod informer drops terminated pods.
            self.ignored.push(format!(
                "{}: phase {phase}, not in the scheduler cache",
                convert::pod_object(&pod)
            ));
            return;
        }
        if incoming {
            self.incoming.push(pod);
        } else {
            self.running.push(pod);
        }
    }

    fn add_object(&mut self, kind: &str, v: Value, at: &str) -> Result<(), LoadError> {
        let path = self.path.clone();
        let e = |e: FieldError| e.at(&path);
        match kind {
            "Node" => self.nodes.push(decode(kind, v, at).map_err(e)?),
            "Namespace" => self.namespaces.push(decode(kind, v, at).map_err(e)?),
            "Service" => self.services.push(decode(kind, v, at).map_err(e)?),
            "ReplicaSet" => self.replica_sets.push(decode(kind, v, at).map_err(e)?),
            "StatefulSet" => self.stateful_sets.push(decode(kind, v, at).map_err(e)?),
            "ReplicationController" => self
                .replication_controllers
                .push(decode(kind, v, at).map_err(e)?),
            "Deployment" => self.deployments.push(decode(kind, v, at).map_err(e)?),
            "IstioGateway" => self.istio_gateways.push(decode(kind, v, at).map_err(e)?),
            "HorizontalPodAutoscaler" => self.hpas.push(decode(kind, v, at).map_err(e)?),
            "VirtualNode" => self.virtual_nodes.push(decode(kind, v, at).map_err(e)?),
            other => self.ignored.push(format!(
                "{}: kind {other:?} is not used by the scheduler",
                object_name(other, &v, at)
            )),
        }
        Ok(())
    }

    /// Converts the objects into the core's input model: nodes, namespaces, running
    /// and incoming pods, with each incoming pod's default spread selector derived
    /// from the Services and controllers that select it.
    ///
    /// # Errors
    /// A field the conversion rejects, or an incoming pod with volumes or resource
    /// claims (their plugins are not in scope yet).
    pub fn to_cluster_spec(&self) -> Result<ClusterSpec, LoadError> {
        let at = |e: FieldError| e.at(&self.path);
        // Conversions are independent: large dumps convert in parallel.
        let mut spec = ClusterSpec {
            nodes: self
                .nodes
                .par_iter()
                .map(convert::node)
                .collect::<Result<_, _>>()
                .map_err(at)?,
            namespaces: self
                .namespaces
                .iter()
                .map(|ns| Namespace {
                    name: ns.metadata.name.clone().unwrap_or_default(),
                    labels: ns.metadata.labels.clone().unwrap_or_default(),
                })
                .collect(),
            running: self
                .running
                .par_iter()
                .map(convert::pod)
                .collect::<Result<_, _>>()
                .map_err(at)?,
            incoming: Vec::new(),
        };
        for p in &self.incoming {
            spec.incoming.push(self.incoming_spec(p).map_err(at)?);
        }
        Ok(spec)
    }

    /// Converts a pod to schedule against this scenario: its spec with the
    /// system-default spread selector the scenario's Services and controllers
    /// give it.
    ///
    /// # Errors
    /// A field the conversion rejects, or volumes or resource claims (their
    /// plugins are not in scope yet).
    pub fn incoming_spec(&self, p: &k::Pod) -> Result<spillway_core::spec::Pod, FieldError> {
        if let Some((field, what)) = convert::unsupported_volume(p) {
            return Err(FieldError::new(
                &convert::pod_object(p),
                field,
                format!("{what}: volume and claim plugins are not modelled yet"),
            ));
        }
        let mut pod = convert::pod(p)?;
        pod.default_spread_selector = self.default_selector(p)?;
        Ok(pod)
    }

    /// Converts and compiles the scenario.
    ///
    /// # Errors
    /// As [`Scenario::to_cluster_spec`], and the core's checks (duplicate nodes,
    /// pods bound to missing nodes, invalid selectors).
    pub fn compile(&self) -> Result<Snapshot, LoadError> {
        let spec = self.to_cluster_spec()?;
        Cluster::compile(&spec).map_err(|source| LoadError::Compile {
            path: self.path.clone(),
            source,
        })
    }

    /// `helper.DefaultSelector`: the Services selecting the pod merged, plus its
    /// controlling ReplicationController's selector, or the requirements of its
    /// controlling ReplicaSet or StatefulSet. `None` when empty.
    pub(crate) fn default_selector(
        &self,
        pod: &k::Pod,
    ) -> Result<Option<LabelSelector>, FieldError> {
        let ns = pod
            .metadata
            .namespace
            .as_deref()
            .filter(|s| !s.is_empty())
            .unwrap_or("default");
        let labels = pod.metadata.labels.clone().unwrap_or_default();
        let same_ns = |m: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta| {
            m.namespace
                .as_deref()
                .filter(|s| !s.is_empty())
                .unwrap_or("default")
                == ns
        };
        let mut set: BTreeMap<String, String> = BTreeMap::new();
        for svc in &self.services {
            // Services with nil selectors match nothing, not everything.
            let Some(sel) = svc.spec.as_ref().and_then(|s| s.selector.as_ref()) else {
                continue;
            };
            if same_ns(&svc.metadata) && sel.iter().all(|(k, v)| labels.get(k) == Some(v)) {
                set.extend(sel.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
        }
        let mut exprs: Vec<Requirement> = Vec::new();
        let owner = pod
            .metadata
            .owner_references
            .iter()
            .flatten()
            .find(|o| o.controller == Some(true));
        if let Some(o) = owner {
            let object = convert::pod_object(pod);
            match (o.api_version.as_str(), o.kind.as_str()) {
                ("v1", "ReplicationController") => {
                    if let Some(rc) = self.replication_controllers.iter().find(|r| {
                        same_ns(&r.metadata) && r.metadata.name.as_deref() == Some(o.name.as_str())
                    }) {
                        set.extend(
                            rc.spec
                                .as_ref()
                                .and_then(|s| s.selector.clone())
                                .unwrap_or_default(),
                        );
                    }
                }
                ("apps/v1", "ReplicaSet") => {
                    if let Some(rs) = self.replica_sets.iter().find(|r| {
                        same_ns(&r.metadata) && r.metadata.name.as_deref() == Some(o.name.as_str())
                    }) && let Some(spec) = &rs.spec
                    {
                        exprs.extend(requirements(&object, &spec.selector)?);
                    }
                }
                ("apps/v1", "StatefulSet") => {
                    if let Some(ss) = self.stateful_sets.iter().find(|r| {
                        same_ns(&r.metadata) && r.metadata.name.as_deref() == Some(o.name.as_str())
                    }) && let Some(spec) = &ss.spec
                    {
                        exprs.extend(requirements(&object, &spec.selector)?);
                    }
                }
                _ => {}
            }
        }
        if set.is_empty() && exprs.is_empty() {
            return Ok(None);
        }
        Ok(Some(LabelSelector {
            match_labels: set,
            match_expressions: exprs,
        }))
    }
}

/// A controller's selector as requirements (`LabelSelectorAsSelector().Requirements()`).
fn requirements(
    object: &str,
    sel: &k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector,
) -> Result<Vec<Requirement>, FieldError> {
    let s = convert::label_selector(object, "ownerReferences selector", sel)?;
    let mut out: Vec<Requirement> = s
        .match_labels
        .iter()
        .map(|(k, v)| Requirement {
            key: k.clone(),
            operator: Operator::In,
            values: vec![v.clone()],
        })
        .collect();
    out.extend(s.match_expressions);
    Ok(out)
}

/// Splits text into documents: one JSON value, or YAML documents.
fn looks_like_json(text: &str) -> bool {
    let trimmed = text.trim_start();
    trimmed.starts_with('{') || trimmed.starts_with('[')
}

fn parse_documents(path: &Path, text: &str) -> Result<Vec<Value>, LoadError> {
    if looks_like_json(text) {
        let v: Value = serde_json::from_str(text).map_err(|e| LoadError::Syntax {
            path: path.to_path_buf(),
            format: "JSON",
            message: e.to_string(),
        })?;
        return Ok(match v {
            Value::Array(items) => vec![serde_json::json!({"kind": "List", "items": items})],
            v => vec![v],
        });
    }
    let options = yaml_options(text.len());
    serde_saphyr::from_multiple_with_options::<Value>(text, options).map_err(|e| {
        LoadError::Syntax {
            path: path.to_path_buf(),
            format: "YAML",
            message: e.to_string(),
        }
    })
}

/// YAML parser limits that grow with the input (a large cluster dump has millions
/// of nodes) but keep what it can expand into proportional to its size: alias
/// bombs are rejected instead of exhausting memory.
pub(crate) fn yaml_options(input_len: usize) -> serde_saphyr::Options {
    let mut options = serde_saphyr::Options::default();
    if let Some(budget) = options.budget.as_mut() {
        budget.max_events = budget.max_events.max(input_len);
        budget.max_nodes = budget.max_nodes.max(input_len);
        budget.max_documents = budget.max_documents.max(input_len / 16);
        budget.max_total_scalar_bytes = budget.max_total_scalar_bytes.max(2 * input_len);
    }
    options
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast path for kubectl dumps must read what the ordinary path reads.
    #[test]
    fn kubectl_dumps_read_the_same_both_ways() {
        let dump = "apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Node\n  metadata:\n    name: a\n    labels: {zone: z1}\n  status:\n    allocatable: {cpu: 2, memory: 4Gi, pods: \"10\", example.com/gpu: 1.5e0}\n  spec:\n    taints:\n    - key: \"on\"\n      value: \"yes\"\n      effect: NoSchedule\n# a comment between items\n- kind: Pod\n  apiVersion: v1\n  metadata:\n    name: p\n    namespace: shop\n    labels:\n      app: web\n      \"version\": '1.10'\n    annotations:\n      note: |\n        two\n        lines\n  spec:\n    nodeName: a\n    tolerations: [{key: \"on\", operator: Exists}]\n    containers:\n    - name: c\n      resources:\n        requests: {cpu: 100m}\n  status:\n    phase: Running\n    conditions:\n    - type: Ready\n      status: \"True\"\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: cm, namespace: shop}\nkind: List\nmetadata:\n  resourceVersion: \"\"\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: q\n  namespace: shop\nspec:\n  containers:\n  - name: c\n    resources:\n      limits: {memory: 1Gi}\n---\n\r\napiVersion: v1\r\nkind: Service\r\nmetadata: {name: web, namespace: shop}\r\nspec:\r\n  selector: {app: web}\r\n";
        let path = Path::new("dump.yaml");
        let fast = Scenario::parse(path, dump).map_err(|e| e.to_string());
        let mut ordinary = Scenario {
            path: path.to_path_buf(),
            ..Scenario::default()
        };
        let read = ordinary.read_text(dump).map_err(|e| e.to_string());
        assert_eq!(read, Ok(()));
        let (Ok(fast), ordinary) = (fast, ordinary) else {
            panic!("the dump does not load");
        };
        assert_eq!(fast.ignored, ordinary.ignored);
        assert_eq!(fast.services, ordinary.services);
        assert_eq!(fast.incoming.len(), 1);
        let spec = |s: &Scenario| format!("{:?}", s.to_cluster_spec().map_err(|e| e.to_string()));
        assert_eq!(spec(&fast), spec(&ordinary));
        assert!(
            chunks::objects(dump).is_some(),
            "the fast path was not taken"
        );
    }
}
