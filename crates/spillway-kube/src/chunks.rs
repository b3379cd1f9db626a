//! Fast reading of large `kubectl get -o yaml` dumps.
//!
//! YAML parsing is the slow part of loading a cluster dump (tens of MB/s). kubectl
//! prints objects in a regular shape — `---`-separated documents, or a `List` whose
//! `items:` are column-0 `- ` entries — so the text splits into one chunk per
//! object without parsing, and the chunks parse into their k8s-openapi types in
//! parallel (rayon), skipping the generic value tree. Anything that does not split
//! cleanly, or any chunk that does not parse, sends the whole file down the
//! ordinary path, which reports errors with their positions.

use k8s_openapi::api::apps::v1 as apps;
use k8s_openapi::api::core::v1 as k;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use rayon::prelude::*;
use serde::Deserialize;
use serde::de::DeserializeOwned;

/// One decoded object of a dump.
#[derive(Debug)]
pub(crate) enum Object {
    Node(Box<k::Node>),
    Pod(Box<k::Pod>),
    Namespace(Box<k::Namespace>),
    Service(Box<k::Service>),
    ReplicaSet(Box<apps::ReplicaSet>),
    StatefulSet(Box<apps::StatefulSet>),
    ReplicationController(Box<k::ReplicationController>),
    /// A kind the scheduler does not use: why it is ignored.
    Other(String),
}

/// Splits kubectl-shaped YAML into per-object chunks (each a standalone YAML
/// mapping), in file order; `None` when the text is not in that shape.
fn split(text: &str) -> Option<Vec<String>> {
    let mut chunks = Vec::new();
    for doc in documents(text) {
        let lines: Vec<&str> = doc.lines().filter(|l| !is_blank(l)).collect();
        if lines.is_empty() {
            continue;
        }
        match lines.iter().position(|l| l.starts_with("items:")) {
            None => {
                // The object form (nodes:/pods:/incoming:) goes the ordinary way.
                if !lines.iter().any(|l| l.starts_with("kind:")) {
                    return None;
                }
                chunks.push(lines.join("\n"));
            }
            Some(at) => {
                if !lines[at].trim_end().eq("items:") {
                    return None;
                }
                let mut current: Option<Vec<String>> = None;
                for line in &lines[at + 1..] {
                    if let Some(rest) = line.strip_prefix("- ") {
                        chunks.extend(current.take().map(|c| c.join("\n")));
                        current = Some(vec![format!("  {rest}")]);
                    } else if line.starts_with(' ') {
                        current.as_mut()?.push((*line).to_string());
                    } else {
                        // Back at column 0: the List's own fields (kind, metadata).
                        break;
                    }
                }
                chunks.extend(current.map(|c| c.join("\n")));
            }
        }
    }
    Some(chunks)
}

fn is_blank(line: &str) -> bool {
    let t = line.trim_start();
    t.is_empty() || t.starts_with('#')
}

/// The `---`-separated documents of a YAML stream.
fn documents(text: &str) -> Vec<String> {
    let mut docs = vec![String::new()];
    for line in text.lines() {
        if line.trim_end() == "---" {
            docs.push(String::new());
        } else if let Some(doc) = docs.last_mut() {
            doc.push_str(line);
            doc.push('\n');
        }
    }
    docs
}

/// The object's `kind:`, on a line at the chunk's top-level indentation.
fn kind(chunk: &str) -> Option<&str> {
    let indent = |l: &str| l.len() - l.trim_start_matches(' ').len();
    let base = indent(chunk.lines().next()?);
    chunk
        .lines()
        .filter(|l| indent(l) == base)
        .find_map(|l| l.trim_start().strip_prefix("kind:"))
        .map(|k| k.trim().trim_matches('"'))
}

fn decode<T: DeserializeOwned>(chunk: &str) -> Option<T> {
    serde_saphyr::from_str_with_options(chunk, crate::scenario::yaml_options(chunk.len())).ok()
}

#[derive(Deserialize)]
struct Named {
    #[serde(default)]
    metadata: ObjectMeta,
}

/// A pod's chunk without its `status` block, except `phase` (all the scheduler
/// reads of it): the status is a sizeable part of a running pod's text.
fn without_pod_status(chunk: &str) -> String {
    let indent = |l: &str| l.len() - l.trim_start_matches(' ').len();
    let base = chunk.lines().next().map_or(0, indent);
    let mut out = String::with_capacity(chunk.len());
    let mut in_status = false;
    for line in chunk.lines() {
        let i = indent(line);
        if i == base {
            in_status = line[i..].starts_with("status:") && line.trim_end().ends_with("status:");
            if in_status {
                out.push_str(line);
                out.push('\n');
                continue;
            }
        }
        let keep = !in_status || (i == base + 2 && line[i..].starts_with("phase:"));
        if keep {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

fn object(chunk: &str) -> Option<Object> {
    Some(match kind(chunk)? {
        "Node" => Object::Node(decode(chunk)?),
        "Pod" => Object::Pod(decode(&without_pod_status(chunk))?),
        "Namespace" => Object::Namespace(decode(chunk)?),
        "Service" => Object::Service(decode(chunk)?),
        "ReplicaSet" => Object::ReplicaSet(decode(chunk)?),
        "StatefulSet" => Object::StatefulSet(decode(chunk)?),
        "ReplicationController" => Object::ReplicationController(decode(chunk)?),
        other => {
            let meta = decode::<Named>(chunk)?.metadata;
            let name = meta.name.unwrap_or_default();
            let object = match meta.namespace.filter(|ns| !ns.is_empty()) {
                Some(ns) => format!("{}/{ns}/{name}", other.to_ascii_lowercase()),
                None => format!("{}/{name}", other.to_ascii_lowercase()),
            };
            Object::Other(format!(
                "{object}: kind {other:?} is not used by the scheduler"
            ))
        }
    })
}

/// The objects of a kubectl-shaped YAML dump, or `None` to take the ordinary path.
pub(crate) fn objects(text: &str) -> Option<Vec<Object>> {
    let chunks = split(text)?;
    chunks.par_iter().map(|c| object(c)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_lists_and_documents_in_order() {
        let text = "apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Node\n  metadata:\n    name: a\n- kind: Pod\n  apiVersion: v1\n  metadata:\n    name: p\n  spec:\n    containers:\n    - name: c\nkind: List\nmetadata:\n  resourceVersion: \"\"\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns\n";
        let objects = objects(text).unwrap_or_default();
        let names: Vec<String> = objects
            .iter()
            .map(|o| match o {
                Object::Node(n) => format!("node {}", n.metadata.name.clone().unwrap_or_default()),
                Object::Pod(p) => format!("pod {}", p.metadata.name.clone().unwrap_or_default()),
                Object::Namespace(n) => {
                    format!("ns {}", n.metadata.name.clone().unwrap_or_default())
                }
                _ => "other".into(),
            })
            .collect();
        assert_eq!(names, ["node a", "pod p", "ns ns"]);
    }

    #[test]
    fn pod_status_keeps_only_the_phase() {
        let chunk = "  kind: Pod\n  status:\n    phase: Succeeded\n    conditions:\n    - type: Ready\n      status: \"False\"\n    podIP: 10.0.0.1\n  spec:\n    nodeName: n\n";
        assert_eq!(
            without_pod_status(chunk),
            "  kind: Pod\n  status:\n    phase: Succeeded\n  spec:\n    nodeName: n\n"
        );
    }

    #[test]
    fn irregular_shapes_take_the_ordinary_path() {
        assert!(objects("items: [{kind: Node}]\nkind: List\n").is_none());
        assert!(objects("nodes: []\nincoming: []\n").is_none());
        assert!(objects("apiVersion: v1\nkind: Pod\nmetadata: {name: [broken\n").is_none());
    }
}
