//! The extender/v1 wire format against Go: upstream's `TestCompatibility`, every request and answer kube-scheduler v1.35.4 exchanged with the recording mock (`fixtures/golden/extender/`), and `encoding/json`'s edge cases.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use serde_json::{Value, json};
use spillway_extender::wire::{
    self, ExtenderArgs, ExtenderBindingArgs, ExtenderBindingResult, ExtenderFilterResult,
    ExtenderPreemptionArgs, ExtenderPreemptionResult, HostPriority, HostPriorityList, MetaPod,
    MetaVictims, NameList, NodeList, Victims,
};

use k8s_openapi::api::core::v1::{Node, Pod};

fn extender_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/golden/extender")
}

fn decode<T: DeserializeOwned + Default>(what: &str, body: &[u8]) -> T {
    wire::decode(body).unwrap_or_else(|e| panic!("{what}: does not decode: {e}"))
}

fn encode_str<T: Serialize + ?Sized>(value: &T) -> String {
    String::from_utf8(wire::encode(value)).expect("encode writes UTF-8")
}

// ---------------------------------------------------------------------------
// Views: every extender/v1 field of a decoded message as JSON, so messages of
// any type compare in one table. Pods and nodes are shown by name (and the pod
// by namespace); their contents are k8s-openapi's business and are checked in
// `compatibility_nested_objects`.
// ---------------------------------------------------------------------------

trait Fields {
    fn fields(&self) -> Value;
}

fn pod_view(pod: Option<&Pod>) -> Value {
    pod.map_or(
        Value::Null,
        |p| json!({"name": p.metadata.name, "namespace": p.metadata.namespace}),
    )
}

fn node_list_view(list: Option<&NodeList>) -> Value {
    list.map_or(Value::Null, |l| {
        let nodes = l.nodes().expect("every item is a v1.Node");
        assert_eq!(nodes.len(), l.items.len());
        json!({"kind": l.kind, "apiVersion": l.api_version, "names": l.names().unwrap()})
    })
}

impl Fields for ExtenderArgs {
    fn fields(&self) -> Value {
        json!({
            "Pod": pod_view(self.pod.as_ref()),
            "Nodes": node_list_view(self.nodes.as_ref()),
            "NodeNames": self.node_names,
        })
    }
}

impl Fields for ExtenderFilterResult {
    fn fields(&self) -> Value {
        json!({
            "Nodes": node_list_view(self.nodes.as_ref()),
            "NodeNames": self.node_names,
            "FailedNodes": self.failed_nodes,
            "FailedAndUnresolvableNodes": self.failed_and_unresolvable_nodes,
            "Error": self.error,
        })
    }
}

impl Fields for HostPriority {
    fn fields(&self) -> Value {
        json!({"Host": self.host, "Score": self.score})
    }
}

impl Fields for Vec<HostPriority> {
    fn fields(&self) -> Value {
        Value::Array(self.iter().map(Fields::fields).collect())
    }
}

impl Fields for ExtenderBindingArgs {
    fn fields(&self) -> Value {
        json!({
            "PodName": self.pod_name,
            "PodNamespace": self.pod_namespace,
            "PodUID": self.pod_uid,
            "Node": self.node,
        })
    }
}

impl Fields for ExtenderBindingResult {
    fn fields(&self) -> Value {
        json!({"Error": self.error})
    }
}

fn meta_victims_view(m: Option<&BTreeMap<String, Option<MetaVictims>>>) -> Value {
    m.map_or(Value::Null, |m| {
        m.iter()
            .map(|(node, v)| {
                let v = v.as_ref().map_or(Value::Null, |v| {
                    json!({
                        "Pods": v.pods.as_ref().map(|pods| pods
                            .iter()
                            .map(|p| p.as_ref().map(|p| json!({"UID": p.uid})))
                            .collect::<Vec<_>>()),
                        "NumPDBViolations": v.num_pdb_violations,
                    })
                });
                (node.clone(), v)
            })
            .collect()
    })
}

fn victims_view(m: Option<&BTreeMap<String, Option<Victims>>>) -> Value {
    m.map_or(Value::Null, |m| {
        m.iter()
            .map(|(node, v)| {
                let v = v.as_ref().map_or(Value::Null, |v| {
                    json!({
                        "Pods": v.pods.as_ref().map(|pods| pods
                            .iter()
                            .map(|p| pod_view(p.as_ref()))
                            .collect::<Vec<_>>()),
                        "NumPDBViolations": v.num_pdb_violations,
                    })
                });
                (node.clone(), v)
            })
            .collect()
    })
}

impl Fields for ExtenderPreemptionArgs {
    fn fields(&self) -> Value {
        json!({
            "Pod": pod_view(self.pod.as_ref()),
            "NodeNameToVictims": victims_view(self.node_name_to_victims.as_ref()),
            "NodeNameToMetaVictims": meta_victims_view(self.node_name_to_meta_victims.as_ref()),
        })
    }
}

impl Fields for ExtenderPreemptionResult {
    fn fields(&self) -> Value {
        json!({
            "NodeNameToMetaVictims": meta_victims_view(self.node_name_to_meta_victims.as_ref()),
        })
    }
}

fn view<T: DeserializeOwned + Default + Fields>(body: &[u8]) -> Result<Value, String> {
    wire::decode::<T>(body)
        .map(|m| m.fields())
        .map_err(|e| e.to_string())
}

fn roundtrip<T: DeserializeOwned + Default + Serialize>(body: &[u8]) -> Vec<u8> {
    wire::encode(&decode::<T>("roundtrip", body))
}

// ---------------------------------------------------------------------------
// 1. Upstream's TestCompatibility
// (staging/src/k8s.io/kube-scheduler/extender/v1/types_test.go).
// ---------------------------------------------------------------------------

/// Decodes into one message type and views it.
type Viewer = fn(&[u8]) -> Result<Value, String>;
/// Decodes into one message type and encodes it again.
type Reencoder = fn(&[u8]) -> Vec<u8>;

struct Compat {
    name: &'static str,
    /// The JSON upstream's test expects `json.Marshal` to write.
    json: &'static str,
    /// Every field of the decoded message.
    want: Value,
    /// Decodes into the case's type and views it.
    view: Viewer,
    /// `encode(decode(json))` and what it must be, for messages without a Pod
    /// (ours are k8s-openapi's and re-encode differently from Go's; the
    /// server never sends a Pod back).
    reencode: Option<(Reencoder, &'static str)>,
}

const POD: &str = r#"{"metadata":{"name":"podname","creationTimestamp":null},"spec":{"containers":null},"status":{}}"#;
const NODE_LIST: &str = r#"{"metadata":{},"items":[{"metadata":{"name":"nodename","creationTimestamp":null},"spec":{},"status":{"daemonEndpoints":{"kubeletEndpoint":{"Port":0}},"nodeInfo":{"machineID":"","systemUUID":"","bootID":"","kernelVersion":"","osImage":"","containerRuntimeVersion":"","kubeletVersion":"","kubeProxyVersion":"","operatingSystem":"","architecture":""}}}]}"#;

const PREEMPTION_RESULT: &str =
    r#"{"NodeNameToMetaVictims":{"foo":{"Pods":[{"UID":"myuid"}],"NumPDBViolations":1}}}"#;
const PREEMPTION_ARGS: &str = r#"{"Pod":{"metadata":{"name":"podname","creationTimestamp":null},"spec":{"containers":null},"status":{}},"NodeNameToVictims":{"foo":{"Pods":[{"metadata":{"name":"podname","creationTimestamp":null},"spec":{"containers":null},"status":{}}],"NumPDBViolations":1}},"NodeNameToMetaVictims":{"foo":{"Pods":[{"UID":"myuid"}],"NumPDBViolations":1}}}"#;
const ARGS: &str = r#"{"Pod":{"metadata":{"name":"podname","creationTimestamp":null},"spec":{"containers":null},"status":{}},"Nodes":{"metadata":{},"items":[{"metadata":{"name":"nodename","creationTimestamp":null},"spec":{},"status":{"daemonEndpoints":{"kubeletEndpoint":{"Port":0}},"nodeInfo":{"machineID":"","systemUUID":"","bootID":"","kernelVersion":"","osImage":"","containerRuntimeVersion":"","kubeletVersion":"","kubeProxyVersion":"","operatingSystem":"","architecture":""}}}]},"NodeNames":["node1"]}"#;
/// As in upstream's test, which predates `FailedAndUnresolvableNodes`.
const FILTER_RESULT: &str = r#"{"Nodes":{"metadata":{},"items":[{"metadata":{"name":"nodename","creationTimestamp":null},"spec":{},"status":{"daemonEndpoints":{"kubeletEndpoint":{"Port":0}},"nodeInfo":{"machineID":"","systemUUID":"","bootID":"","kernelVersion":"","osImage":"","containerRuntimeVersion":"","kubeletVersion":"","kubeProxyVersion":"","operatingSystem":"","architecture":""}}}]},"NodeNames":["node1"],"FailedNodes":{"foo":"bar"},"Error":"myerror"}"#;
/// What Go's `json.Marshal` writes for that message with today's struct: the
/// field added since, `FailedAndUnresolvableNodes` (nil), is `null` between
/// `FailedNodes` and `Error`.
const FILTER_RESULT_TODAY: &str = r#"{"Nodes":{"metadata":{},"items":[{"metadata":{"name":"nodename","creationTimestamp":null},"spec":{},"status":{"daemonEndpoints":{"kubeletEndpoint":{"Port":0}},"nodeInfo":{"machineID":"","systemUUID":"","bootID":"","kernelVersion":"","osImage":"","containerRuntimeVersion":"","kubeletVersion":"","kubeProxyVersion":"","operatingSystem":"","architecture":""}}}]},"NodeNames":["node1"],"FailedNodes":{"foo":"bar"},"FailedAndUnresolvableNodes":null,"Error":"myerror"}"#;
const BINDING_ARGS: &str = r#"{"PodName":"mypodname","PodNamespace":"mypodnamespace","PodUID":"mypoduid","Node":"mynode"}"#;
const BINDING_RESULT: &str = r#"{"Error":"myerror"}"#;
const HOST_PRIORITY: &str = r#"{"Host":"myhost","Score":1}"#;

fn compat_cases() -> Vec<Compat> {
    let pod = json!({"name": "podname", "namespace": null});
    let nodes = json!({"kind": null, "apiVersion": null, "names": ["nodename"]});
    let meta = json!({"foo": {"Pods": [{"UID": "myuid"}], "NumPDBViolations": 1}});
    vec![
        Compat {
            name: "ExtenderPreemptionResult",
            json: PREEMPTION_RESULT,
            want: json!({"NodeNameToMetaVictims": meta}),
            view: view::<ExtenderPreemptionResult>,
            reencode: Some((roundtrip::<ExtenderPreemptionResult>, PREEMPTION_RESULT)),
        },
        Compat {
            name: "ExtenderPreemptionArgs",
            json: PREEMPTION_ARGS,
            want: json!({
                "Pod": pod,
                "NodeNameToVictims": {"foo": {"Pods": [pod], "NumPDBViolations": 1}},
                "NodeNameToMetaVictims": meta,
            }),
            view: view::<ExtenderPreemptionArgs>,
            reencode: None,
        },
        Compat {
            name: "ExtenderArgs",
            json: ARGS,
            want: json!({"Pod": pod, "Nodes": nodes, "NodeNames": ["node1"]}),
            view: view::<ExtenderArgs>,
            reencode: None,
        },
        Compat {
            name: "ExtenderFilterResult",
            json: FILTER_RESULT,
            want: json!({
                "Nodes": nodes,
                "NodeNames": ["node1"],
                "FailedNodes": {"foo": "bar"},
                "FailedAndUnresolvableNodes": null,
                "Error": "myerror",
            }),
            view: view::<ExtenderFilterResult>,
            // The node items are echoed as sent, so this is byte-exact too.
            reencode: Some((roundtrip::<ExtenderFilterResult>, FILTER_RESULT_TODAY)),
        },
        Compat {
            name: "ExtenderBindingArgs",
            json: BINDING_ARGS,
            want: json!({
                "PodName": "mypodname",
                "PodNamespace": "mypodnamespace",
                "PodUID": "mypoduid",
                "Node": "mynode",
            }),
            view: view::<ExtenderBindingArgs>,
            reencode: Some((roundtrip::<ExtenderBindingArgs>, BINDING_ARGS)),
        },
        Compat {
            name: "ExtenderBindingResult",
            json: BINDING_RESULT,
            want: json!({"Error": "myerror"}),
            view: view::<ExtenderBindingResult>,
            reencode: Some((roundtrip::<ExtenderBindingResult>, BINDING_RESULT)),
        },
        Compat {
            name: "HostPriority",
            json: HOST_PRIORITY,
            want: json!({"Host": "myhost", "Score": 1}),
            view: view::<HostPriority>,
            reencode: Some((roundtrip::<HostPriority>, HOST_PRIORITY)),
        },
    ]
}

#[test]
fn compatibility() {
    for case in compat_cases() {
        let got = (case.view)(case.json.as_bytes())
            .unwrap_or_else(|e| panic!("{}: does not decode: {e}", case.name));
        assert_eq!(got, case.want, "{}: decoded fields", case.name);

        // Upstream decodes every message lowercased too: Go matches field
        // names ignoring case. (The values in these cases are lowercase
        // already, so the messages must be equal.)
        let lower = case.json.to_ascii_lowercase();
        let got_lower = (case.view)(lower.as_bytes())
            .unwrap_or_else(|e| panic!("{} lowercased: does not decode: {e}", case.name));
        assert_eq!(got_lower, got, "{}: lowercased keys", case.name);

        if let Some((reencode, want)) = case.reencode {
            let out = String::from_utf8(reencode(case.json.as_bytes())).unwrap();
            assert_eq!(out, want, "{}: encode(decode(json))", case.name);
        }
    }
}

/// The Pod and Node objects of the compatibility cases, as k8s-openapi reads
/// them. (Inside these objects keys are case-sensitive: k8s-openapi's
/// deserializers, unlike Go's `encoding/json`, do not fold case. kube-scheduler
/// always writes the canonical keys, so only the extender/v1 layer above is
/// checked lowercased.)
#[test]
fn compatibility_nested_objects() {
    let check_pod = |what: &str, pod: &Pod| {
        assert_eq!(pod.metadata.name.as_deref(), Some("podname"), "{what}");
        assert_eq!(pod.metadata.creation_timestamp, None, "{what}");
        assert!(
            pod.spec.as_ref().unwrap().containers.is_empty(),
            "{what}: containers null"
        );
        assert!(pod.status.is_some(), "{what}: status {{}}");
    };
    let check_node = |what: &str, node: &Node| {
        assert_eq!(node.metadata.name.as_deref(), Some("nodename"), "{what}");
        let status = node.status.as_ref().unwrap();
        let port = status
            .daemon_endpoints
            .as_ref()
            .and_then(|d| d.kubelet_endpoint.as_ref())
            .map(|k| k.port);
        assert_eq!(port, Some(0), "{what}: kubeletEndpoint.Port");
        let info = status.node_info.as_ref().unwrap();
        assert_eq!(info.machine_id, "", "{what}");
        assert_eq!(info.architecture, "", "{what}");
    };

    let args: ExtenderArgs = decode("ExtenderArgs", ARGS.as_bytes());
    check_pod("ExtenderArgs.Pod", args.pod.as_ref().unwrap());
    let nodes = args.nodes.as_ref().unwrap();
    assert_eq!(nodes.items.len(), 1);
    check_node("ExtenderArgs.Nodes", &nodes.node(0).unwrap());
    assert_eq!(nodes.metadata.as_ref().unwrap().get(), "{}");

    let filter: ExtenderFilterResult = decode("ExtenderFilterResult", FILTER_RESULT.as_bytes());
    check_node(
        "ExtenderFilterResult.Nodes",
        &filter.nodes.as_ref().unwrap().node(0).unwrap(),
    );

    let preempt: ExtenderPreemptionArgs =
        decode("ExtenderPreemptionArgs", PREEMPTION_ARGS.as_bytes());
    check_pod("ExtenderPreemptionArgs.Pod", preempt.pod.as_ref().unwrap());
    let victims = &preempt.node_name_to_victims.as_ref().unwrap()["foo"];
    let victims = victims.as_ref().unwrap();
    assert_eq!(victims.num_pdb_violations, 1);
    let pods = victims.pods.as_ref().unwrap();
    assert_eq!(pods.len(), 1);
    check_pod("NodeNameToVictims.foo.Pods[0]", pods[0].as_ref().unwrap());
    assert_eq!(
        preempt.node_name_to_meta_victims.unwrap()["foo"],
        Some(MetaVictims {
            pods: Some(vec![Some(MetaPod {
                uid: "myuid".into()
            })]),
            num_pdb_violations: 1,
        })
    );

    // The upstream pod alone, through k8s-openapi.
    let pod: Pod = serde_json::from_str(POD).unwrap();
    check_pod("POD", &pod);
    let list: NodeList = serde_json::from_str(NODE_LIST).unwrap();
    assert_eq!(encode_str(&list), NODE_LIST);
}

// ---------------------------------------------------------------------------
// The recorded exchanges (fixtures/golden/extender/).
// ---------------------------------------------------------------------------

/// One `wire/NN-<mode>-<verb>.<request|response>.json`.
struct WireFile {
    file: String,
    mode: String,
    verb: String,
    bytes: Vec<u8>,
}

fn wire_files(suffix: &str) -> Vec<WireFile> {
    let dir = extender_dir().join("wire");
    let mut out = Vec::new();
    for entry in fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let file = path.file_name().unwrap().to_str().unwrap().to_string();
        let Some(stem) = file.strip_suffix(suffix) else {
            continue;
        };
        let mut parts = stem.splitn(3, '-');
        let (_nn, mode, verb) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        );
        out.push(WireFile {
            file: file.clone(),
            mode: mode.to_string(),
            verb: verb.to_string(),
            bytes: fs::read(&path).unwrap(),
        });
    }
    out.sort_by(|a, b| a.file.cmp(&b.file));
    out
}

/// The pod the client calls were about (`scenario.json`'s incoming pod).
fn scenario_pod() -> (String, String) {
    let scenario: Value =
        serde_json::from_slice(&fs::read(extender_dir().join("scenario.json")).unwrap()).unwrap();
    let incoming = scenario["incoming"].as_array().unwrap();
    assert_eq!(incoming.len(), 1, "scenario.json has one incoming pod");
    let meta = &incoming[0]["metadata"];
    (
        meta["name"].as_str().unwrap().to_string(),
        meta["namespace"].as_str().unwrap().to_string(),
    )
}

/// A request's `Nodes` exactly as sent.
#[derive(Deserialize)]
struct RawRequest {
    #[serde(rename = "Nodes")]
    nodes: Option<Box<RawValue>>,
}

#[test]
fn recorded_requests_decode() {
    let (pod_name, pod_namespace) = scenario_pod();
    let requests = wire_files(".request.json");
    let verbs: Vec<&str> = requests.iter().map(|r| r.verb.as_str()).collect();
    assert_eq!(requests.len(), 12, "{verbs:?}");
    for req in &requests {
        let what = req.file.as_str();
        assert!(
            req.verb == "filter" || req.verb == "prioritize",
            "{what}: verb {}",
            req.verb
        );
        let args: ExtenderArgs = decode(what, &req.bytes);
        let doc: Value = serde_json::from_slice(&req.bytes).unwrap();

        let pod = args.pod.as_ref().unwrap();
        assert_eq!(
            pod.metadata.name.as_deref(),
            Some(pod_name.as_str()),
            "{what}"
        );
        assert_eq!(
            pod.metadata.namespace.as_deref(),
            Some(pod_namespace.as_str()),
            "{what}"
        );

        if req.mode == "names" {
            // nodeCacheCapable: names only, `"Nodes":null`.
            assert_eq!(doc["Nodes"], Value::Null, "{what}");
            assert!(args.nodes.is_none(), "{what}");
            let want: Vec<String> = serde_json::from_value(doc["NodeNames"].clone()).unwrap();
            assert!(!want.is_empty(), "{what}");
            assert_eq!(
                args.node_names.as_ref().map(|n| n.to_vec()),
                Some(want),
                "{what}"
            );
            continue;
        }

        // Full node objects, `"NodeNames":null`.
        assert_eq!(doc["NodeNames"], Value::Null, "{what}");
        assert!(args.node_names.is_none(), "{what}");
        let nodes = args.nodes.as_ref().unwrap();
        let want_items = doc["Nodes"]["items"].as_array().unwrap();
        let want_names: Vec<&str> = want_items
            .iter()
            .map(|n| n["metadata"]["name"].as_str().unwrap())
            .collect();
        assert!(!want_names.is_empty(), "{what}");
        let names = nodes.names().unwrap();
        assert_eq!(names, want_names, "{what}");

        // Kept as sent: all of them re-encode to the very bytes of the request.
        let all = nodes.subset(|_| true);
        let encoded = wire::encode(&all);
        let encoded_value: Value = serde_json::from_slice(&encoded).unwrap();
        assert_eq!(encoded_value, doc["Nodes"], "{what}: Nodes as JSON values");
        let raw: RawRequest = serde_json::from_slice(&req.bytes).unwrap();
        let raw = raw.nodes.unwrap();
        assert_eq!(
            String::from_utf8(encoded).unwrap(),
            raw.get(),
            "{what}: Nodes byte for byte"
        );
        for (i, (item, want)) in all.items.iter().zip(want_items).enumerate() {
            let item_value: Value = serde_json::from_str(item.get()).unwrap();
            assert_eq!(&item_value, want, "{what}: items[{i}]");
        }

        // A proper subset keeps the order and the bytes of what it keeps.
        let workers = nodes.subset(|i| names[i].starts_with("worker-"));
        let want_workers: Vec<&str> = want_names
            .iter()
            .copied()
            .filter(|n| n.starts_with("worker-"))
            .collect();
        assert_eq!(workers.names().unwrap(), want_workers, "{what}");
        for (item, name) in workers.items.iter().zip(&want_workers) {
            let i = want_names.iter().position(|n| n == name).unwrap();
            assert_eq!(item.get(), all.items[i].get(), "{what}: {name}");
            assert!(raw.get().contains(item.get()), "{what}: {name} as sent");
        }
    }
}

/// A recorded answer: the HTTP status and the body as recorded.
#[derive(Deserialize)]
struct RecordedResponse {
    status: u16,
    body: Box<RawValue>,
}

/// `client-output/<file>.json` of a mode, found by its extender URL
/// (`…/names` is `names-node-cache-capable.json`).
fn client_output(mode: &str) -> Value {
    let dir = extender_dir().join("client-output");
    let mut found = Vec::new();
    for entry in fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let doc: Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
        let url = doc["extender"].as_str().unwrap();
        if url.rsplit('/').next() == Some(mode) {
            let stem = path.file_stem().unwrap().to_str().unwrap();
            assert!(stem.starts_with(mode), "{}", path.display());
            found.push(doc);
        }
    }
    assert_eq!(found.len(), 1, "one client output for mode {mode}");
    found.pop().unwrap()
}

fn failed_map(v: &Value) -> Option<BTreeMap<String, String>> {
    serde_json::from_value(v.clone()).unwrap()
}

#[test]
fn recorded_responses_match_client() {
    let responses = wire_files(".response.json");
    assert_eq!(responses.len(), 12);
    let (mut filters, mut prioritizes, mut skipped) = (Vec::new(), Vec::new(), Vec::new());
    for resp in &responses {
        let what = resp.file.as_str();
        let recorded: RecordedResponse = serde_json::from_slice(&resp.bytes).unwrap();
        let client = client_output(&resp.mode);
        let body = recorded.body.get().as_bytes();
        if recorded.status != 200 {
            // The upstream client does not read the body of a non-200 answer
            // (`send` returns "failed <verb> with extender at URL <url>, code
            // <status>" first); the mock's `{"Error": …}` there is never
            // decoded, so there is nothing to compare it with.
            let err = client[&resp.verb]["error"].as_str().unwrap();
            assert!(
                err.ends_with(&format!("code {}", recorded.status)),
                "{what}: {err}"
            );
            skipped.push(resp.mode.clone() + "-" + &resp.verb);
            continue;
        }
        match resp.verb.as_str() {
            "filter" => {
                let got: ExtenderFilterResult = decode(what, body);
                let want = &client["filter"];
                // The client passes on NodeNames (nodeCacheCapable) or the
                // items of Nodes; with Error set it returns no nodes.
                let names = match (&got.node_names, &got.nodes) {
                    (Some(names), _) => names.to_vec(),
                    (None, Some(nodes)) => nodes.names().unwrap(),
                    (None, None) => Vec::new(),
                };
                let want_names: Vec<String> =
                    serde_json::from_value(want["nodes"].clone()).unwrap();
                assert_eq!(names, want_names, "{what}: nodes");
                assert_eq!(
                    got.failed_nodes,
                    failed_map(&want["failedNodes"]),
                    "{what}: failedNodes"
                );
                assert_eq!(
                    got.failed_and_unresolvable_nodes,
                    failed_map(&want["failedAndUnresolvableNodes"]),
                    "{what}: failedAndUnresolvableNodes"
                );
                assert_eq!(
                    got.error,
                    want["error"].as_str().unwrap_or_default(),
                    "{what}: error"
                );
                if let Some(nodes) = &got.nodes {
                    assert!(nodes.nodes().is_ok(), "{what}: every item a v1.Node");
                }
                // Where the mock wrote all five fields, our encoding of what we
                // read is the same document.
                let body_value: Value = serde_json::from_slice(body).unwrap();
                let all_five = [
                    "Nodes",
                    "NodeNames",
                    "FailedNodes",
                    "FailedAndUnresolvableNodes",
                    "Error",
                ]
                .iter()
                .all(|k| body_value.get(k).is_some());
                if all_five {
                    let again: Value = serde_json::from_slice(&wire::encode(&got)).unwrap();
                    assert_eq!(again, body_value, "{what}: re-encoded");
                }
                filters.push(resp.mode.clone());
            }
            "prioritize" => {
                let got: Vec<HostPriority> = decode(what, body);
                let want = &client["prioritize"]["hostPriorityList"];
                assert_eq!(got.fields(), *want, "{what}: hostPriorityList");
                let list: HostPriorityList = decode(what, body);
                assert_eq!(list.as_ref(), Some(&got), "{what}");
                prioritizes.push(resp.mode.clone());
            }
            verb => panic!("{what}: verb {verb}"),
        }
    }
    assert_eq!(filters, ["caps", "lower", "error", "unknown", "names"]);
    assert_eq!(prioritizes, ["caps", "lower", "unknown", "names"]);
    assert_eq!(
        skipped,
        ["error-prioritize", "http500-filter", "http500-prioritize"]
    );
}

// ---------------------------------------------------------------------------
// 4. encoding/json's semantics.
// ---------------------------------------------------------------------------

#[test]
fn null_document_is_the_empty_message() {
    for body in ["null", " null\n", "\t\r\nnull"] {
        let args: ExtenderArgs = decode(body, body.as_bytes());
        assert_eq!(
            args.fields(),
            json!({"Pod": null, "Nodes": null, "NodeNames": null})
        );
        let filter: ExtenderFilterResult = decode(body, body.as_bytes());
        assert_eq!(filter.fields(), ExtenderFilterResult::default().fields());
        let hp: HostPriority = decode(body, body.as_bytes());
        assert_eq!(hp, HostPriority::default());
        let bind: ExtenderBindingArgs = decode(body, body.as_bytes());
        assert_eq!(bind, ExtenderBindingArgs::default());
        let result: ExtenderPreemptionResult = decode(body, body.as_bytes());
        assert_eq!(result, ExtenderPreemptionResult::default());
        let list: HostPriorityList = decode(body, body.as_bytes());
        assert_eq!(list, None);
    }
}

#[test]
fn non_object_documents_are_errors() {
    let decoders: [(&str, Viewer); 5] = [
        ("ExtenderArgs", view::<ExtenderArgs>),
        ("ExtenderFilterResult", view::<ExtenderFilterResult>),
        ("ExtenderBindingArgs", view::<ExtenderBindingArgs>),
        ("ExtenderPreemptionArgs", view::<ExtenderPreemptionArgs>),
        ("HostPriority", view::<HostPriority>),
    ];
    for (name, decoder) in decoders {
        for body in [
            "[]", "[{}]", r#""x""#, "1", "true", "false", "", " ", "{", "nul",
        ] {
            assert!(
                decoder(body.as_bytes()).is_err(),
                "{name} from {body:?} must fail"
            );
        }
    }
    // And a list is not an object.
    for body in ["{}", r#"{"Host":"a"}"#, "1", r#""a""#] {
        assert!(
            view::<Vec<HostPriority>>(body.as_bytes()).is_err(),
            "[]HostPriority from {body:?} must fail"
        );
    }
    assert_eq!(view::<Vec<HostPriority>>(b"[]").unwrap(), json!([]));
}

#[test]
fn keys_match_ignoring_case() {
    struct Case {
        body: &'static str,
        want: Value,
    }
    let names = |n: &[&str]| json!({"Pod": null, "Nodes": null, "NodeNames": n});
    let cases = [
        Case {
            body: r#"{"NodeNames":["a"]}"#,
            want: names(&["a"]),
        },
        Case {
            body: r#"{"NODENAMES":["a"]}"#,
            want: names(&["a"]),
        },
        Case {
            body: r#"{"nodeNames":["a"]}"#,
            want: names(&["a"]),
        },
        Case {
            body: r#"{"nodenames":["a"]}"#,
            want: names(&["a"]),
        },
        Case {
            body: r#"{"nOdEnAmEs":["a"]}"#,
            want: names(&["a"]),
        },
        // Go folds `ſ` (U+017F) with `s`: "NodeNameſ" is NodeNames
        // (`foldName` maps both to "NODENAMES"; before Go 1.21
        // `equalFoldRight` did the same).
        Case {
            body: r#"{"NodeNameſ":["a"]}"#,
            want: names(&["a"]),
        },
        Case {
            body: r#"{"nodenameſ":["a"]}"#,
            want: names(&["a"]),
        },
        // An escaped key is matched after unescaping.
        Case {
            body: r#"{"\u004eode\u004eames":["a"]}"#,
            want: names(&["a"]),
        },
        Case {
            body: r#"{"NodeName\u017f":["a"]}"#,
            want: names(&["a"]),
        },
        // Other non-ASCII letters fold only with themselves.
        Case {
            body: r#"{"NodeNamés":["a"]}"#,
            want: json!({"Pod": null, "Nodes": null, "NodeNames": null}),
        },
        Case {
            body: r#"{"NodeNames ":["a"]," NodeNames":["b"],"Node_Names":["c"]}"#,
            want: json!({"Pod": null, "Nodes": null, "NodeNames": null}),
        },
        Case {
            body: r#"{"pod":{"metadata":{"name":"p"}},"NODES":{"items":[{"metadata":{"name":"n"}}]}}"#,
            want: json!({
                "Pod": {"name": "p", "namespace": null},
                "Nodes": {"kind": null, "apiVersion": null, "names": ["n"]},
                "NodeNames": null,
            }),
        },
    ];
    for case in &cases {
        assert_eq!(
            view::<ExtenderArgs>(case.body.as_bytes()).unwrap(),
            case.want,
            "{}",
            case.body
        );
    }

    let bind = |body: &str| decode::<ExtenderBindingArgs>(body, body.as_bytes());
    let want = ExtenderBindingArgs {
        pod_namespace: "ns".into(),
        ..ExtenderBindingArgs::default()
    };
    assert_eq!(bind(r#"{"PodNameſpace":"ns"}"#), want);
    assert_eq!(bind(r#"{"podnameſpace":"ns"}"#), want);
    assert_eq!(bind(r#"{"PODNAMEſPACE":"ns"}"#), want);
    // `ı` (U+0131, dotless i) is not in `i`'s fold set.
    assert_eq!(bind(r#"{"PodUıD":"u"}"#), ExtenderBindingArgs::default());
    assert_eq!(
        bind(r#"{"poduid":"u","NODE":"n","podname":"p"}"#),
        ExtenderBindingArgs {
            pod_name: "p".into(),
            pod_uid: "u".into(),
            node: "n".into(),
            ..ExtenderBindingArgs::default()
        }
    );

    // Every field of the result types, lowercase and uppercase.
    let filter = r#"{"nodenames":["a"],"FAILEDNODES":{"b":"x"},"failedandunresolvablenodes":{"c":"y"},"error":"e"}"#;
    assert_eq!(
        view::<ExtenderFilterResult>(filter.as_bytes()).unwrap(),
        json!({
            "Nodes": null,
            "NodeNames": ["a"],
            "FailedNodes": {"b": "x"},
            "FailedAndUnresolvableNodes": {"c": "y"},
            "Error": "e",
        })
    );
    let meta = r#"{"nodenametometavictims":{"n":{"pods":[{"uid":"u"}],"numpdbviolations":2}}}"#;
    assert_eq!(
        view::<ExtenderPreemptionResult>(meta.as_bytes()).unwrap(),
        json!({"NodeNameToMetaVictims": {"n": {"Pods": [{"UID": "u"}], "NumPDBViolations": 2}}})
    );
}

#[test]
fn duplicate_keys_last_wins() {
    let cases: [(&str, Value); 5] = [
        (
            r#"{"Host":"a","Host":"b"}"#,
            json!({"Host": "b", "Score": 0}),
        ),
        (
            r#"{"Host":"a","host":"b","HOST":"c"}"#,
            json!({"Host": "c", "Score": 0}),
        ),
        (r#"{"Score":1,"score":2}"#, json!({"Host": "", "Score": 2})),
        // `null` is a no-op on a string or a number: the earlier value stays.
        (
            r#"{"Score":1,"Score":null}"#,
            json!({"Host": "", "Score": 1}),
        ),
        (
            r#"{"Host":"a","host":null}"#,
            json!({"Host": "a", "Score": 0}),
        ),
    ];
    for (body, want) in cases {
        assert_eq!(
            view::<HostPriority>(body.as_bytes()).unwrap(),
            want,
            "{body}"
        );
    }
    let args = [
        (
            r#"{"NodeNames":["a"],"nodenames":["b","c"]}"#,
            json!(["b", "c"]),
        ),
        // On a slice `null` sets nil.
        (r#"{"NodeNames":["a"],"NodeNames":null}"#, Value::Null),
        (r#"{"NodeNames":null,"NodeNames":[]}"#, json!([])),
    ];
    for (body, want) in args {
        assert_eq!(
            view::<ExtenderArgs>(body.as_bytes()).unwrap()["NodeNames"],
            want,
            "{body}"
        );
    }
    assert_eq!(
        view::<ExtenderFilterResult>(
            br#"{"Error":"x","error":"y","FailedNodes":{"a":"1","a":"2"}}"#
        )
        .unwrap(),
        json!({
            "Nodes": null,
            "NodeNames": null,
            "FailedNodes": {"a": "2"},
            "FailedAndUnresolvableNodes": null,
            "Error": "y",
        })
    );
}

#[test]
fn unknown_keys_are_ignored() {
    let body = br#"{"Extra":{"deep":[1,2.5,{"x":null}],"s":"\u00e9"},"Host":"h","Pod":"not a HostPriority field","Score":3,"Scores":"x","":1}"#;
    assert_eq!(
        decode::<HostPriority>("unknown", body),
        HostPriority {
            host: "h".into(),
            score: 3
        }
    );
    let args: ExtenderArgs = decode(
        "unknown",
        br#"{"kind":"ExtenderArgs","apiVersion":"v1","NodeNames":["a"],"Host":{}}"#,
    );
    assert_eq!(args.node_names.unwrap(), ["a"]);
}

#[test]
fn nulls_leave_zero_values() {
    assert_eq!(
        decode::<ExtenderBindingResult>("null", br#"{"Error":null}"#),
        ExtenderBindingResult::default()
    );
    assert_eq!(
        decode::<HostPriority>("null", br#"{"Host":null,"Score":null}"#),
        HostPriority::default()
    );
    assert_eq!(
        decode::<ExtenderBindingArgs>(
            "null",
            br#"{"PodName":null,"PodNamespace":null,"PodUID":null,"Node":null}"#
        ),
        ExtenderBindingArgs::default()
    );
    let filter: ExtenderFilterResult = decode(
        "null",
        br#"{"Nodes":null,"NodeNames":null,"FailedNodes":null,"FailedAndUnresolvableNodes":null,"Error":null}"#,
    );
    assert_eq!(filter.fields(), ExtenderFilterResult::default().fields());
    assert!(filter.failed_nodes.is_none());

    // Inside a slice or a map, `null` is the element's zero value.
    let args: ExtenderArgs = decode("null", br#"{"NodeNames":["a",null,"b"]}"#);
    assert_eq!(args.node_names.unwrap(), ["a", "", "b"]);
    let filter: ExtenderFilterResult = decode(
        "null",
        br#"{"FailedNodes":{"a":null},"FailedAndUnresolvableNodes":{}}"#,
    );
    assert_eq!(
        filter.failed_nodes,
        Some(BTreeMap::from([("a".to_string(), String::new())]))
    );
    assert_eq!(filter.failed_and_unresolvable_nodes, Some(BTreeMap::new()));
    // Pointers are nil.
    let result: ExtenderPreemptionResult = decode(
        "null",
        br#"{"NodeNameToMetaVictims":{"a":null,"b":{"Pods":[null,{"UID":null}],"NumPDBViolations":null}}}"#,
    );
    assert_eq!(
        result.node_name_to_meta_victims,
        Some(BTreeMap::from([
            ("a".to_string(), None),
            (
                "b".to_string(),
                Some(MetaVictims {
                    pods: Some(vec![None, Some(MetaPod::default())]),
                    num_pdb_violations: 0,
                })
            ),
        ]))
    );
    let args: ExtenderArgs = decode("null", br#"{"Pod":null,"Nodes":null}"#);
    assert!(args.pod.is_none() && args.nodes.is_none());
}

#[test]
fn wrong_types_are_errors_naming_the_field() {
    struct Case {
        body: &'static str,
        decode: Viewer,
        field: &'static str,
    }
    let cases = [
        Case {
            body: r#"{"Host":"h","Score":"1"}"#,
            decode: view::<HostPriority>,
            field: "Score",
        },
        Case {
            body: r#"{"Score":1.5}"#,
            decode: view::<HostPriority>,
            field: "Score",
        },
        Case {
            body: r#"{"Score":1.0}"#,
            decode: view::<HostPriority>,
            field: "Score",
        },
        Case {
            body: r#"{"Score":1e2}"#,
            decode: view::<HostPriority>,
            field: "Score",
        },
        Case {
            body: r#"{"Score":true}"#,
            decode: view::<HostPriority>,
            field: "Score",
        },
        Case {
            body: r#"{"Score":9223372036854775808}"#,
            decode: view::<HostPriority>,
            field: "Score",
        },
        Case {
            body: r#"{"score":"1"}"#,
            decode: view::<HostPriority>,
            field: "score",
        },
        Case {
            body: r#"[{"Host":"a","Score":1},{"Host":"b","Score":"2"}]"#,
            decode: view::<Vec<HostPriority>>,
            field: "Score",
        },
        Case {
            body: r#"{"Host":1}"#,
            decode: view::<HostPriority>,
            field: "Host",
        },
        Case {
            body: r#"{"NodeNames":"a"}"#,
            decode: view::<ExtenderArgs>,
            field: "NodeNames",
        },
        Case {
            body: r#"{"NodeNames":[1]}"#,
            decode: view::<ExtenderArgs>,
            field: "NodeNames",
        },
        Case {
            body: r#"{"Nodes":[]}"#,
            decode: view::<ExtenderArgs>,
            field: "Nodes",
        },
        // Not read by position as a struct could be.
        Case {
            body: r#"{"Nodes":["NodeList","v1",{},[{"metadata":{"name":"n"}}]]}"#,
            decode: view::<ExtenderArgs>,
            field: "Nodes",
        },
        Case {
            body: r#"{"Nodes":{"items":{}}}"#,
            decode: view::<ExtenderArgs>,
            field: "Nodes",
        },
        Case {
            body: r#"{"Pod":[]}"#,
            decode: view::<ExtenderArgs>,
            field: "Pod",
        },
        Case {
            body: r#"{"NodeNameToMetaVictims":{"n":[[],0]}}"#,
            decode: view::<ExtenderPreemptionResult>,
            field: "NodeNameToMetaVictims",
        },
        Case {
            body: r#"{"NodeNameToVictims":{"n":{"Pods":[[]]}}}"#,
            decode: view::<ExtenderPreemptionArgs>,
            field: "Pods",
        },
        Case {
            body: r#"{"Pod":"p"}"#,
            decode: view::<ExtenderArgs>,
            field: "Pod",
        },
        Case {
            body: r#"{"Error":1}"#,
            decode: view::<ExtenderFilterResult>,
            field: "Error",
        },
        Case {
            body: r#"{"FailedNodes":[]}"#,
            decode: view::<ExtenderFilterResult>,
            field: "FailedNodes",
        },
        Case {
            body: r#"{"FailedAndUnresolvableNodes":{"a":1}}"#,
            decode: view::<ExtenderFilterResult>,
            field: "FailedAndUnresolvableNodes",
        },
        Case {
            body: r#"{"PodUID":{}}"#,
            decode: view::<ExtenderBindingArgs>,
            field: "PodUID",
        },
        Case {
            body: r#"{"NodeNameToMetaVictims":{"n":{"NumPDBViolations":"1"}}}"#,
            decode: view::<ExtenderPreemptionResult>,
            field: "NumPDBViolations",
        },
    ];
    for case in &cases {
        let err = (case.decode)(case.body.as_bytes()).expect_err(case.body);
        assert!(err.contains(case.field), "{}: {err}", case.body);
    }
    // The largest int64 still fits.
    assert_eq!(
        view::<HostPriority>(br#"{"Score":9223372036854775807}"#).unwrap()["Score"],
        json!(i64::MAX)
    );
    assert_eq!(
        view::<HostPriority>(br#"{"Score":-9223372036854775808}"#).unwrap()["Score"],
        json!(i64::MIN)
    );
}

#[test]
fn trailing_data_is_an_error() {
    for body in [
        r#"{} x"#,
        "{}{}",
        "{},",
        "null null",
        r#"{"Error":""}]"#,
        "{}\u{0}",
    ] {
        assert!(
            wire::decode::<ExtenderBindingResult>(body.as_bytes()).is_err(),
            "{body:?}"
        );
    }
    // Whitespace around the document is fine.
    for body in [" {} ", "\n{}\n", "\t{}\r\n"] {
        assert_eq!(
            decode::<ExtenderBindingResult>(body, body.as_bytes()),
            ExtenderBindingResult::default()
        );
    }
}

#[test]
fn encode_escapes_strings_as_go_does() {
    // (input, what json.Marshal writes for it)
    let cases: [(&str, &str); 13] = [
        ("<script>", r"\u003cscript\u003e"),
        ("a&b", r"a\u0026b"),
        ("\u{2028}\u{2029}", r"\u2028\u2029"),
        ("é ü 世 😀", "é ü 世 😀"),
        ("\"quoted\"", r#"\"quoted\""#),
        ("back\\slash", r"back\\slash"),
        ("\n\r\t", r"\n\r\t"),
        // Go 1.22+ writes \b and \f short too.
        ("\u{8}\u{c}", r"\b\f"),
        ("\u{1}\u{1f}\u{0}", r"\u0001\u001f\u0000"),
        // DEL is not escaped by Go.
        ("\u{7f}", "\u{7f}"),
        ("'/=+?", "'/=+?"),
        ("\u{2027}\u{202a}\u{feff}", "\u{2027}\u{202a}\u{feff}"),
        ("x<y>z&\u{2028}é", r"x\u003cy\u003ez\u0026\u2028é"),
    ];
    for (input, want) in cases {
        let hp = HostPriority {
            host: input.to_string(),
            score: 7,
        };
        assert_eq!(
            encode_str(&hp),
            format!(r#"{{"Host":"{want}","Score":7}}"#),
            "{input:?}"
        );
        // And back.
        assert_eq!(
            decode::<HostPriority>(input, &wire::encode(&hp)),
            hp,
            "{input:?}"
        );
    }
    // Map keys are escaped the same way.
    let filter = ExtenderFilterResult {
        failed_nodes: Some(BTreeMap::from([("<&>".to_string(), "a>b".to_string())])),
        ..ExtenderFilterResult::default()
    };
    assert_eq!(
        encode_str(&filter),
        r#"{"Nodes":null,"NodeNames":null,"FailedNodes":{"\u003c\u0026\u003e":"a\u003eb"},"FailedAndUnresolvableNodes":null,"Error":""}"#
    );
}

#[test]
fn encode_sorts_map_keys() {
    // Go sorts map keys by their bytes.
    let filter: ExtenderFilterResult = decode(
        "keys",
        r#"{"FailedNodes":{"b":"1","a":"2","B":"3","é":"4","_":"5","a0":"6","":"7"},"FailedAndUnresolvableNodes":{"z":"","y":""}}"#
            .as_bytes(),
    );
    assert_eq!(
        encode_str(&filter),
        r#"{"Nodes":null,"NodeNames":null,"FailedNodes":{"":"7","B":"3","_":"5","a":"2","a0":"6","b":"1","é":"4"},"FailedAndUnresolvableNodes":{"y":"","z":""},"Error":""}"#
    );
    let result: ExtenderPreemptionResult = decode(
        "keys",
        br#"{"NodeNameToMetaVictims":{"n2":null,"n10":{"Pods":[],"NumPDBViolations":0},"N":{}}}"#,
    );
    assert_eq!(
        encode_str(&result),
        r#"{"NodeNameToMetaVictims":{"N":{"Pods":null,"NumPDBViolations":0},"n10":{"Pods":[],"NumPDBViolations":0},"n2":null}}"#
    );
}

#[test]
fn encode_writes_every_field_in_order() {
    // Go writes nil pointers, slices and maps as null, and every field.
    let cases: [(String, &str); 9] = [
        (
            encode_str(&ExtenderArgs::default()),
            r#"{"Pod":null,"Nodes":null,"NodeNames":null}"#,
        ),
        (
            encode_str(&ExtenderFilterResult::default()),
            r#"{"Nodes":null,"NodeNames":null,"FailedNodes":null,"FailedAndUnresolvableNodes":null,"Error":""}"#,
        ),
        (
            encode_str(&ExtenderFilterResult {
                node_names: Some(NameList::new()),
                failed_nodes: Some(BTreeMap::new()),
                ..ExtenderFilterResult::default()
            }),
            r#"{"Nodes":null,"NodeNames":[],"FailedNodes":{},"FailedAndUnresolvableNodes":null,"Error":""}"#,
        ),
        (
            encode_str(&HostPriority::default()),
            r#"{"Host":"","Score":0}"#,
        ),
        (encode_str(&HostPriorityList::None), "null"),
        (
            encode_str(&Some(vec![
                HostPriority {
                    host: "a".into(),
                    score: 10,
                },
                HostPriority {
                    host: "b".into(),
                    score: -1,
                },
            ])),
            r#"[{"Host":"a","Score":10},{"Host":"b","Score":-1}]"#,
        ),
        (
            encode_str(&ExtenderBindingArgs::default()),
            r#"{"PodName":"","PodNamespace":"","PodUID":"","Node":""}"#,
        ),
        (
            encode_str(&ExtenderPreemptionResult::default()),
            r#"{"NodeNameToMetaVictims":null}"#,
        ),
        (
            encode_str(&ExtenderPreemptionArgs::default()),
            r#"{"Pod":null,"NodeNameToVictims":null,"NodeNameToMetaVictims":null}"#,
        ),
    ];
    for (got, want) in cases {
        assert_eq!(got, want);
    }
    assert_eq!(
        encode_str(&MetaVictims::default()),
        r#"{"Pods":null,"NumPDBViolations":0}"#
    );
    assert_eq!(
        encode_str(&Victims::default()),
        r#"{"Pods":null,"NumPDBViolations":0}"#
    );
    assert_eq!(
        encode_str(&ExtenderBindingResult::default()),
        r#"{"Error":""}"#
    );
}
