//! Istio sidecar injection, as the Istio/ASM sidecar-injector webhook does it.
//!
//! Whether a pod is injected follows the webhook's selectors (which see namespace
//! labels and the pod's *labels*) and then Istio's `injectRequired` (which also reads
//! the deprecated pod *annotation*):
//!
//! | namespace labels | injected when |
//! |---|---|
//! | `istio-injection=enabled` | the pod does not say false (revision `default`) |
//! | `istio-injection=<anything else>` | never |
//! | `istio.io/rev=<rev>` (no `istio-injection`) | the pod does not say false |
//! | neither | pod label `sidecar.istio.io/inject: "true"`, or pod label `istio.io/rev=<rev>` and the pod does not say false |
//!
//! "The pod says" is the label `sidecar.istio.io/inject`, or when that label is absent
//! the annotation of the same name. Pods with `hostNetwork`, pods in `kube-system`
//! and `kube-public`, and pods that are already injected (annotation
//! `sidecar.istio.io/status` or a container `istio-proxy`) are never injected.
//!
//! The injected containers follow Istio's sidecar template: `istio-proxy` (appended
//! to the containers, or a restartable init container with native sidecars) and
//! `istio-init` (first init container), both with the proxy's resources.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1 as k;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity as KQuantity;
use spillway_core::Quantity;

use crate::ack::settings::MeshSettings;
use crate::convert::pod_object;
use crate::error::FieldError;

/// The name of the injected proxy container.
pub const PROXY_CONTAINER: &str = "istio-proxy";
/// The name of the injected init container that sets up traffic redirection.
pub const INIT_CONTAINER: &str = "istio-init";
/// The pod label (and deprecated annotation) that asks for or refuses injection.
pub const INJECT_LABEL: &str = "sidecar.istio.io/inject";
/// The annotation the injector writes on injected pods.
pub const STATUS_ANNOTATION: &str = "sidecar.istio.io/status";
/// The namespace label that turns injection on (`enabled`) or off (anything else).
pub const NAMESPACE_LABEL: &str = "istio-injection";
/// The namespace or pod label that selects a control-plane revision.
pub const REVISION_LABEL: &str = "istio.io/rev";

/// Namespaces Istio never injects.
const IGNORED_NAMESPACES: [&str; 2] = ["kube-system", "kube-public"];

/// The per-pod resource annotations: (annotation, requests or limits, resource).
const RESOURCE_ANNOTATIONS: [(&str, Section, &str); 4] = [
    ("sidecar.istio.io/proxyCPU", Section::Requests, "cpu"),
    ("sidecar.istio.io/proxyMemory", Section::Requests, "memory"),
    ("sidecar.istio.io/proxyCPULimit", Section::Limits, "cpu"),
    (
        "sidecar.istio.io/proxyMemoryLimit",
        Section::Limits,
        "memory",
    ),
];

/// Whether and why a pod gets the sidecar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Injection {
    /// Whether the sidecar was injected.
    pub injected: bool,
    /// Why, e.g. "namespace shop has istio-injection=enabled" or
    /// "pod label sidecar.istio.io/inject=false".
    pub reason: String,
}

/// Injects the Istio sidecar into `pod` when the webhook would, and says why or why
/// not. `namespace` is the pod's namespace object (its labels select injection);
/// `None` when the scenario does not declare it, which reads as no labels.
///
/// When injected, the pod gets `istio-proxy` (image `mesh.proxy_image` or the pod's
/// `sidecar.istio.io/proxyImage` when it contains a `/`; port 15090
/// `http-envoy-prom`), appended to the containers, or first among the init
/// containers with `restartPolicy: Always` when native sidecars are on
/// (`mesh.native_sidecars`, overridden by the pod annotation
/// `sidecar.istio.io/nativeSidecar`). With `mesh.init_container` (and unless the pod
/// sets `sidecar.istio.io/interceptionMode: NONE` without native sidecars)
/// `istio-init` goes before every other init container. Both take the proxy's
/// resources: `mesh.proxy`, or, when the pod sets any of the annotations
/// `sidecar.istio.io/proxyCPU`, `proxyMemory`, `proxyCPULimit`, `proxyMemoryLimit`,
/// exactly the annotated values (Istio's template then ignores the mesh defaults,
/// so an unannotated request or limit is left unset). The pod gets the annotations
/// `sidecar.istio.io/status`, `istio.io/rev` and `kubectl.kubernetes.io/default-container`,
/// and the labels `security.istio.io/tlsMode`, `service.istio.io/canonical-name` and
/// `service.istio.io/canonical-revision` (kept when the pod sets them).
///
/// # Errors
/// A missing `spec`; a `sidecar.istio.io/inject` label or annotation that is not a
/// boolean (`true`/`false`; Istio's `y`, `yes`, `on`, `n`, `no`, `off` and any case
/// are accepted) when it decides; a resource annotation or `mesh.proxy` value that
/// is not a non-negative quantity.
pub fn inject(
    pod: &mut k::Pod,
    namespace: Option<&k::Namespace>,
    mesh: &MeshSettings,
) -> Result<Injection, FieldError> {
    let object = pod_object(pod);
    let ns_name = pod
        .metadata
        .namespace
        .as_deref()
        .filter(|s| !s.is_empty())
        .or_else(|| namespace.and_then(|n| n.metadata.name.as_deref()))
        .unwrap_or("default")
        .to_string();
    let empty = BTreeMap::new();
    let ns_labels = namespace
        .and_then(|n| n.metadata.labels.as_ref())
        .unwrap_or(&empty);
    match decide(pod, &object, &ns_name, ns_labels)? {
        Decision::Skip(reason) => Ok(Injection {
            injected: false,
            reason,
        }),
        Decision::Inject { revision, reason } => {
            apply(pod, &object, mesh, &revision)?;
            Ok(Injection {
                injected: true,
                reason,
            })
        }
    }
}

/// The webhook's decision.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Decision {
    /// Not injected, and why.
    Skip(String),
    /// Injected by `revision`'s injector, and why.
    Inject { revision: String, reason: String },
}

/// What the pod says about injection: the label, or the annotation when the label
/// is absent.
struct PodChoice {
    /// `None` when unset or empty (Istio then uses the namespace's default).
    value: Option<bool>,
    /// `pod label sidecar.istio.io/inject=false`, for reasons.
    source: String,
}

/// Istio's reading of `sidecar.istio.io/inject` (`injectRequired`: `y`, `yes`,
/// `true`, `on` in any case are true); other values that are not a boolean are
/// rejected rather than read as false.
fn parse_bool(object: &str, field: &str, value: &str) -> Result<Option<bool>, FieldError> {
    match value.to_ascii_lowercase().as_str() {
        "" => Ok(None),
        "y" | "yes" | "true" | "on" => Ok(Some(true)),
        "n" | "no" | "false" | "off" => Ok(Some(false)),
        _ => Err(FieldError::new(
            object,
            field,
            format!("invalid value {value:?}: use \"true\" or \"false\""),
        )),
    }
}

fn pod_choice(pod: &k::Pod, object: &str) -> Result<PodChoice, FieldError> {
    if let Some(v) = pod
        .metadata
        .labels
        .as_ref()
        .and_then(|l| l.get(INJECT_LABEL))
    {
        return Ok(PodChoice {
            value: parse_bool(object, &format!("metadata.labels[{INJECT_LABEL}]"), v)?,
            source: format!("pod label {INJECT_LABEL}={v}"),
        });
    }
    if let Some(v) = pod
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(INJECT_LABEL))
    {
        return Ok(PodChoice {
            value: parse_bool(object, &format!("metadata.annotations[{INJECT_LABEL}]"), v)?,
            source: format!("pod annotation {INJECT_LABEL}={v}"),
        });
    }
    Ok(PodChoice {
        value: None,
        source: String::new(),
    })
}

fn decide(
    pod: &k::Pod,
    object: &str,
    ns: &str,
    ns_labels: &BTreeMap<String, String>,
) -> Result<Decision, FieldError> {
    let Some(spec) = pod.spec.as_ref() else {
        return Err(FieldError::new(object, "spec", "missing"));
    };
    if spec.host_network == Some(true) {
        return Ok(Decision::Skip("pod uses hostNetwork".to_string()));
    }
    if IGNORED_NAMESPACES.contains(&ns) {
        return Ok(Decision::Skip(format!("namespace {ns} is never injected")));
    }
    if pod
        .metadata
        .annotations
        .as_ref()
        .is_some_and(|a| a.contains_key(STATUS_ANNOTATION))
    {
        return Ok(Decision::Skip(format!(
            "already injected: annotation {STATUS_ANNOTATION} is set"
        )));
    }
    let has_proxy = spec
        .containers
        .iter()
        .chain(spec.init_containers.iter().flatten())
        .any(|c| c.name == PROXY_CONTAINER);
    if has_proxy {
        return Ok(Decision::Skip(format!(
            "already injected: container {PROXY_CONTAINER} is present"
        )));
    }
    let choice = pod_choice(pod, object)?;
    let says_false = choice.value == Some(false);

    // The namespace-level webhooks.
    if let Some(v) = ns_labels.get(NAMESPACE_LABEL) {
        if v != "enabled" {
            return Ok(Decision::Skip(format!(
                "namespace {ns} has {NAMESPACE_LABEL}={v}"
            )));
        }
        if says_false {
            return Ok(Decision::Skip(choice.source));
        }
        return Ok(Decision::Inject {
            revision: "default".to_string(),
            reason: format!("namespace {ns} has {NAMESPACE_LABEL}=enabled"),
        });
    }
    if let Some(rev) = ns_labels.get(REVISION_LABEL) {
        if rev.is_empty() {
            return Ok(Decision::Skip(format!(
                "namespace {ns} has an empty {REVISION_LABEL} label, which selects no revision"
            )));
        }
        if says_false {
            return Ok(Decision::Skip(choice.source));
        }
        return Ok(Decision::Inject {
            revision: rev.clone(),
            reason: format!("namespace {ns} has {REVISION_LABEL}={rev}"),
        });
    }

    // The object-selector webhooks: they read pod labels only.
    let labels = pod.metadata.labels.as_ref();
    if let Some(rev) = labels.and_then(|l| l.get(REVISION_LABEL)) {
        if rev.is_empty() {
            return Ok(Decision::Skip(format!(
                "pod label {REVISION_LABEL} is empty, which selects no revision"
            )));
        }
        if says_false {
            return Ok(Decision::Skip(choice.source));
        }
        return Ok(Decision::Inject {
            revision: rev.clone(),
            reason: format!("pod label {REVISION_LABEL}={rev}"),
        });
    }
    match labels.and_then(|l| l.get(INJECT_LABEL)) {
        Some(v) if v == "true" => Ok(Decision::Inject {
            revision: "default".to_string(),
            reason: format!("pod label {INJECT_LABEL}=true"),
        }),
        Some(v) if choice.value == Some(true) => Ok(Decision::Skip(format!(
            "pod label {INJECT_LABEL}={v}: without a namespace label Istio's object selector \
             matches only the exact value \"true\""
        ))),
        Some(_) if says_false => Ok(Decision::Skip(choice.source)),
        _ => match choice.value {
            Some(true) => Ok(Decision::Skip(format!(
                "{} has no effect: namespace {ns} has no {NAMESPACE_LABEL} or {REVISION_LABEL} \
                 label and Istio's object selector reads only the pod label",
                choice.source
            ))),
            Some(false) => Ok(Decision::Skip(choice.source)),
            None => Ok(Decision::Skip(format!(
                "neither namespace {ns} nor the pod has an injection label"
            ))),
        },
    }
}

/// Requests or limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Requests,
    Limits,
}

/// A checked, trimmed quantity string.
fn checked_quantity(object: &str, field: &str, value: &str) -> Result<KQuantity, FieldError> {
    let trimmed = value.trim();
    let q = Quantity::parse(trimmed)
        .map_err(|e| FieldError::new(object, field, format!("{value:?}: {e}")))?;
    if q.is_negative() {
        return Err(FieldError::new(
            object,
            field,
            format!("{value:?}: must be greater than or equal to 0"),
        ));
    }
    Ok(KQuantity(trimmed.to_string()))
}

/// The proxy's resources for this pod (Istio's `resources` template).
fn proxy_resources(
    object: &str,
    annotations: &BTreeMap<String, String>,
    mesh: &MeshSettings,
) -> Result<k::ResourceRequirements, FieldError> {
    let mut requests = BTreeMap::new();
    let mut limits = BTreeMap::new();
    let annotated = RESOURCE_ANNOTATIONS
        .iter()
        .any(|(a, _, _)| annotations.contains_key(*a));
    if annotated {
        for (annotation, section, resource) in RESOURCE_ANNOTATIONS {
            if let Some(v) = annotations.get(annotation) {
                let q =
                    checked_quantity(object, &format!("metadata.annotations[{annotation}]"), v)?;
                match section {
                    Section::Requests => requests.insert(resource.to_string(), q),
                    Section::Limits => limits.insert(resource.to_string(), q),
                };
            }
        }
    } else {
        let p = &mesh.proxy;
        let defaults = [
            ("cpu", &p.cpu, Section::Requests, "cpu"),
            ("memory", &p.memory, Section::Requests, "memory"),
            ("cpuLimit", &p.cpu_limit, Section::Limits, "cpu"),
            ("memoryLimit", &p.memory_limit, Section::Limits, "memory"),
        ];
        for (key, value, section, resource) in defaults {
            if value.trim().is_empty() {
                continue;
            }
            let q = checked_quantity("ack", &format!("mesh.proxy.{key}"), value)?;
            match section {
                Section::Requests => requests.insert(resource.to_string(), q),
                Section::Limits => limits.insert(resource.to_string(), q),
            };
        }
    }
    Ok(k::ResourceRequirements {
        requests: (!requests.is_empty()).then_some(requests),
        limits: (!limits.is_empty()).then_some(limits),
        ..Default::default()
    })
}

/// The workload name Istio derives for a pod (`DeploymentMeta.Name`): a
/// ReplicaSet owner without its pod-template hash, another controller's name, or
/// the pod's name.
fn workload_name(pod: &k::Pod) -> String {
    let meta = &pod.metadata;
    let owner = meta
        .owner_references
        .iter()
        .flatten()
        .find(|o| o.controller == Some(true));
    if let Some(o) = owner {
        if o.kind == "ReplicaSet" {
            let hash = meta
                .labels
                .as_ref()
                .and_then(|l| l.get("pod-template-hash"));
            if let Some(h) = hash
                && let Some(base) = o.name.strip_suffix(&format!("-{h}"))
            {
                return base.to_string();
            }
        }
        return o.name.clone();
    }
    match meta.name.as_deref().filter(|n| !n.is_empty()) {
        Some(n) => n.to_string(),
        None => meta
            .generate_name
            .as_deref()
            .unwrap_or_default()
            .trim_end_matches('-')
            .to_string(),
    }
}

/// `s` cut to 63 bytes (a label value's limit) without a trailing `-`, as Istio's
/// `trunc 63 | trimSuffix "-"`.
fn label_value(s: &str) -> String {
    let mut end = s.len().min(63);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    let cut = &s[..end];
    cut.strip_suffix('-').unwrap_or(cut).to_string()
}

/// A JSON list of names, `null` when empty (Go's nil slice).
fn json_list(names: &[&str]) -> String {
    if names.is_empty() {
        return "null".to_string();
    }
    let items: Vec<String> = names
        .iter()
        .map(|n| serde_json::Value::String((*n).to_string()).to_string())
        .collect();
    format!("[{}]", items.join(","))
}

/// Adds the sidecar, its init container, labels and annotations.
fn apply(
    pod: &mut k::Pod,
    object: &str,
    mesh: &MeshSettings,
    revision: &str,
) -> Result<(), FieldError> {
    let empty = BTreeMap::new();
    let annotations = pod.metadata.annotations.as_ref().unwrap_or(&empty);
    let resources = proxy_resources(object, annotations, mesh)?;
    let image = annotations
        .get("sidecar.istio.io/proxyImage")
        .filter(|i| i.contains('/'))
        .unwrap_or(&mesh.proxy_image)
        .clone();
    let native = match annotations.get("sidecar.istio.io/nativeSidecar") {
        Some(v) => v != "false",
        None => mesh.native_sidecars,
    };
    let interception_none = annotations
        .get("sidecar.istio.io/interceptionMode")
        .is_some_and(|m| m == "NONE");
    let with_init = mesh.init_container && !interception_none;

    let first_app = pod
        .spec
        .as_ref()
        .and_then(|s| s.containers.first())
        .map(|c| c.name.clone());
    let workload = workload_name(pod);

    let proxy = k::Container {
        name: PROXY_CONTAINER.to_string(),
        image: Some(image.clone()),
        ports: Some(vec![k::ContainerPort {
            container_port: 15090,
            name: Some("http-envoy-prom".to_string()),
            protocol: Some("TCP".to_string()),
            ..Default::default()
        }]),
        resources: Some(resources.clone()),
        restart_policy: native.then(|| "Always".to_string()),
        ..Default::default()
    };
    let mut injected_inits: Vec<&str> = Vec::new();
    let mut injected_containers: Vec<&str> = Vec::new();
    let mut new_inits = Vec::new();
    if with_init {
        new_inits.push(k::Container {
            name: INIT_CONTAINER.to_string(),
            image: Some(image),
            resources: Some(resources),
            ..Default::default()
        });
        injected_inits.push(INIT_CONTAINER);
    }

    let Some(spec) = pod.spec.as_mut() else {
        return Err(FieldError::new(object, "spec", "missing"));
    };
    if native {
        new_inits.push(proxy);
        injected_inits.push(PROXY_CONTAINER);
    } else {
        spec.containers.push(proxy);
        injected_containers.push(PROXY_CONTAINER);
    }
    if !new_inits.is_empty() {
        new_inits.extend(spec.init_containers.take().unwrap_or_default());
        spec.init_containers = Some(new_inits);
    }

    let status = format!(
        "{{\"initContainers\":{},\"containers\":{},\"revision\":{}}}",
        json_list(&injected_inits),
        json_list(&injected_containers),
        serde_json::Value::String(revision.to_string())
    );
    let annotations = pod.metadata.annotations.get_or_insert_with(BTreeMap::new);
    annotations.insert(STATUS_ANNOTATION.to_string(), status);
    annotations.insert(REVISION_LABEL.to_string(), revision.to_string());
    if let Some(app) = first_app {
        annotations
            .entry("kubectl.kubernetes.io/default-container".to_string())
            .or_insert_with(|| app.clone());
        annotations
            .entry("kubectl.kubernetes.io/default-logs-container".to_string())
            .or_insert(app);
    }

    let labels = pod.metadata.labels.get_or_insert_with(BTreeMap::new);
    let pick = |keys: &[&str]| {
        keys.iter()
            .find_map(|k| labels.get(*k).filter(|v| !v.is_empty()).cloned())
    };
    let canonical_name = pick(&[
        "service.istio.io/canonical-name",
        "app.kubernetes.io/name",
        "app",
    ])
    .unwrap_or(workload);
    let canonical_revision = pick(&[
        "service.istio.io/canonical-revision",
        "app.kubernetes.io/version",
        "version",
    ])
    .unwrap_or_else(|| "latest".to_string());
    labels
        .entry("security.istio.io/tlsMode".to_string())
        .or_insert_with(|| "istio".to_string());
    labels.insert(
        "service.istio.io/canonical-name".to_string(),
        label_value(&canonical_name),
    );
    labels.insert(
        "service.istio.io/canonical-revision".to_string(),
        label_value(&canonical_revision),
    );
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use serde_json::json;

    use super::*;

    fn pod(labels: serde_json::Value, annotations: serde_json::Value) -> k::Pod {
        serde_json::from_value(json!({
            "metadata": {
                "name": "web-7d4b9c-x2x", "namespace": "shop",
                "labels": labels, "annotations": annotations
            },
            "spec": {"containers": [
                {"name": "app", "image": "shop:1",
                 "resources": {"requests": {"cpu": "500m", "memory": "256Mi"}}}
            ]}
        }))
        .unwrap()
    }

    fn ns(labels: serde_json::Value) -> k::Namespace {
        serde_json::from_value(json!({"metadata": {"name": "shop", "labels": labels}})).unwrap()
    }

    /// Injects with default mesh settings; returns (injected, reason, pod after).
    fn run(
        pod_labels: serde_json::Value,
        pod_annotations: serde_json::Value,
        ns_labels: Option<serde_json::Value>,
    ) -> (bool, String, k::Pod) {
        let mut p = pod(pod_labels, pod_annotations);
        let n = ns_labels.map(ns);
        let r = inject(&mut p, n.as_ref(), &MeshSettings::default()).unwrap();
        (r.injected, r.reason, p)
    }

    fn names(cs: Option<&Vec<k::Container>>) -> Vec<String> {
        cs.into_iter().flatten().map(|c| c.name.clone()).collect()
    }

    fn quantity(r: Option<&BTreeMap<String, KQuantity>>, name: &str) -> Option<String> {
        r.and_then(|m| m.get(name)).map(|q| q.0.clone())
    }

    #[test]
    fn namespace_enabled_injects_unless_the_pod_says_false() {
        let (inj, reason, p) = run(
            json!({}),
            json!({}),
            Some(json!({"istio-injection": "enabled"})),
        );
        assert!(inj);
        assert_eq!(reason, "namespace shop has istio-injection=enabled");
        let spec = p.spec.as_ref().unwrap();
        assert_eq!(names(Some(&spec.containers)), ["app", "istio-proxy"]);
        assert_eq!(names(spec.init_containers.as_ref()), ["istio-init"]);

        let (inj, reason, p) = run(
            json!({"sidecar.istio.io/inject": "false"}),
            json!({}),
            Some(json!({"istio-injection": "enabled"})),
        );
        assert!(!inj);
        assert_eq!(reason, "pod label sidecar.istio.io/inject=false");
        assert_eq!(p.spec.as_ref().unwrap().containers.len(), 1);
        assert!(p.metadata.annotations.as_ref().unwrap().is_empty());

        let (inj, reason, _) = run(
            json!({}),
            json!({"sidecar.istio.io/inject": "false"}),
            Some(json!({"istio-injection": "enabled"})),
        );
        assert!(!inj);
        assert_eq!(reason, "pod annotation sidecar.istio.io/inject=false");
    }

    #[test]
    fn the_pod_label_beats_the_annotation() {
        let (inj, _, _) = run(
            json!({"sidecar.istio.io/inject": "true"}),
            json!({"sidecar.istio.io/inject": "false"}),
            Some(json!({"istio-injection": "enabled"})),
        );
        assert!(inj);
        let (inj, reason, _) = run(
            json!({"sidecar.istio.io/inject": "false"}),
            json!({"sidecar.istio.io/inject": "true"}),
            Some(json!({"istio-injection": "enabled"})),
        );
        assert!(!inj);
        assert_eq!(reason, "pod label sidecar.istio.io/inject=false");
        // A bad annotation is ignored when the label decides.
        let (inj, _, _) = run(
            json!({"sidecar.istio.io/inject": "true"}),
            json!({"sidecar.istio.io/inject": "maybe"}),
            None,
        );
        assert!(inj);
    }

    #[test]
    fn namespace_disabled_beats_the_pod_label() {
        let (inj, reason, p) = run(
            json!({"sidecar.istio.io/inject": "true"}),
            json!({}),
            Some(json!({"istio-injection": "disabled"})),
        );
        assert!(!inj);
        assert_eq!(reason, "namespace shop has istio-injection=disabled");
        assert_eq!(p.spec.as_ref().unwrap().containers.len(), 1);
        let (inj, _, _) = run(
            json!({"istio.io/rev": "canary"}),
            json!({}),
            Some(json!({"istio-injection": "disabled", "istio.io/rev": "canary"})),
        );
        assert!(!inj);
    }

    #[test]
    fn revision_labels() {
        let (inj, reason, p) = run(
            json!({}),
            json!({}),
            Some(json!({"istio.io/rev": "asm-1-22"})),
        );
        assert!(inj);
        assert_eq!(reason, "namespace shop has istio.io/rev=asm-1-22");
        let a = p.metadata.annotations.as_ref().unwrap();
        assert!(a[STATUS_ANNOTATION].contains("\"revision\":\"asm-1-22\""));
        assert_eq!(a[REVISION_LABEL], "asm-1-22");

        let (inj, reason, _) = run(
            json!({"sidecar.istio.io/inject": "false"}),
            json!({}),
            Some(json!({"istio.io/rev": "asm-1-22"})),
        );
        assert!(!inj);
        assert_eq!(reason, "pod label sidecar.istio.io/inject=false");

        // istio-injection takes precedence over istio.io/rev.
        let (inj, _, p) = run(
            json!({}),
            json!({}),
            Some(json!({"istio-injection": "enabled", "istio.io/rev": "canary"})),
        );
        assert!(inj);
        assert_eq!(
            p.metadata.annotations.as_ref().unwrap()[REVISION_LABEL],
            "default"
        );

        // Pod label istio.io/rev without namespace labels.
        let (inj, reason, p) = run(
            json!({"istio.io/rev": "canary"}),
            json!({}),
            Some(json!({})),
        );
        assert!(inj);
        assert_eq!(reason, "pod label istio.io/rev=canary");
        assert_eq!(
            p.metadata.annotations.as_ref().unwrap()[REVISION_LABEL],
            "canary"
        );
        let (inj, _, _) = run(
            json!({"istio.io/rev": "canary"}),
            json!({"sidecar.istio.io/inject": "false"}),
            None,
        );
        assert!(!inj);
    }

    #[test]
    fn without_namespace_labels_only_the_pod_label_true_injects() {
        let (inj, reason, _) = run(json!({"sidecar.istio.io/inject": "true"}), json!({}), None);
        assert!(inj);
        assert_eq!(reason, "pod label sidecar.istio.io/inject=true");
        let (inj, reason, _) = run(
            json!({}),
            json!({"sidecar.istio.io/inject": "true"}),
            Some(json!({})),
        );
        assert!(!inj);
        assert!(reason.contains("has no effect"), "{reason}");
        let (inj, reason, _) = run(json!({"sidecar.istio.io/inject": "yes"}), json!({}), None);
        assert!(!inj);
        assert!(reason.contains("exact value"), "{reason}");
        let (inj, reason, _) = run(json!({}), json!({}), None);
        assert!(!inj);
        assert_eq!(
            reason,
            "neither namespace shop nor the pod has an injection label"
        );
        // Istio's other true spellings count where the label is read by injectRequired.
        let (inj, _, _) = run(
            json!({"sidecar.istio.io/inject": "Yes"}),
            json!({}),
            Some(json!({"istio-injection": "enabled"})),
        );
        assert!(inj);
    }

    #[test]
    fn hard_skips() {
        let mut p = pod(json!({"sidecar.istio.io/inject": "true"}), json!({}));
        p.spec.as_mut().unwrap().host_network = Some(true);
        let r = inject(&mut p, None, &MeshSettings::default()).unwrap();
        assert_eq!(
            r,
            Injection {
                injected: false,
                reason: "pod uses hostNetwork".to_string()
            }
        );

        for system in ["kube-system", "kube-public"] {
            let mut p = pod(json!({"sidecar.istio.io/inject": "true"}), json!({}));
            p.metadata.namespace = Some(system.to_string());
            let r = inject(&mut p, None, &MeshSettings::default()).unwrap();
            assert!(!r.injected);
            assert!(r.reason.contains(system), "{}", r.reason);
        }
    }

    #[test]
    fn injected_pods_are_not_injected_twice() {
        let enabled = Some(json!({"istio-injection": "enabled"}));
        let (inj, _, mut p) = run(json!({}), json!({}), enabled.clone());
        assert!(inj);
        let n = ns(json!({"istio-injection": "enabled"}));
        let before = p.clone();
        let r = inject(&mut p, Some(&n), &MeshSettings::default()).unwrap();
        assert!(!r.injected);
        assert!(r.reason.contains(STATUS_ANNOTATION), "{}", r.reason);
        assert_eq!(p, before);

        // As the API server holds it, without the status annotation.
        p.metadata
            .annotations
            .as_mut()
            .unwrap()
            .remove(STATUS_ANNOTATION);
        let r = inject(&mut p, Some(&n), &MeshSettings::default()).unwrap();
        assert!(!r.injected);
        assert!(r.reason.contains("container istio-proxy"), "{}", r.reason);
        assert_eq!(p.spec.as_ref().unwrap().containers.len(), 2);
    }

    #[test]
    fn bad_inject_values_are_errors() {
        let mut p = pod(json!({"sidecar.istio.io/inject": "enabled"}), json!({}));
        let e = inject(&mut p, None, &MeshSettings::default()).unwrap_err();
        assert_eq!(e.object, "pod shop/web-7d4b9c-x2x");
        assert_eq!(e.field, "metadata.labels[sidecar.istio.io/inject]");
        let mut p = pod(json!({}), json!({"sidecar.istio.io/inject": "1"}));
        let e = inject(&mut p, None, &MeshSettings::default()).unwrap_err();
        assert_eq!(e.field, "metadata.annotations[sidecar.istio.io/inject]");
    }

    #[test]
    fn injected_containers_labels_and_annotations() {
        let (_, _, p) = run(
            json!({"app": "web"}),
            json!({}),
            Some(json!({"istio-injection": "enabled"})),
        );
        let spec = p.spec.as_ref().unwrap();
        let proxy = &spec.containers[1];
        let mesh = MeshSettings::default();
        assert_eq!(proxy.image.as_deref(), Some(mesh.proxy_image.as_str()));
        assert_eq!(proxy.restart_policy, None);
        let port = &proxy.ports.as_ref().unwrap()[0];
        assert_eq!(
            (
                port.container_port,
                port.name.as_deref(),
                port.protocol.as_deref()
            ),
            (15090, Some("http-envoy-prom"), Some("TCP"))
        );
        let r = proxy.resources.as_ref().unwrap();
        assert_eq!(
            quantity(r.requests.as_ref(), "cpu").as_deref(),
            Some("100m")
        );
        assert_eq!(
            quantity(r.requests.as_ref(), "memory").as_deref(),
            Some("128Mi")
        );
        assert_eq!(quantity(r.limits.as_ref(), "cpu").as_deref(), Some("2000m"));
        assert_eq!(
            quantity(r.limits.as_ref(), "memory").as_deref(),
            Some("1024Mi")
        );
        let init = &spec.init_containers.as_ref().unwrap()[0];
        assert_eq!(init.resources, proxy.resources);
        assert_eq!(init.image, proxy.image);

        let a = p.metadata.annotations.as_ref().unwrap();
        assert_eq!(
            a[STATUS_ANNOTATION],
            r#"{"initContainers":["istio-init"],"containers":["istio-proxy"],"revision":"default"}"#
        );
        assert_eq!(a["kubectl.kubernetes.io/default-container"], "app");
        let l = p.metadata.labels.as_ref().unwrap();
        assert_eq!(l["security.istio.io/tlsMode"], "istio");
        assert_eq!(l["service.istio.io/canonical-name"], "web");
        assert_eq!(l["service.istio.io/canonical-revision"], "latest");

        // Without an app label: the workload's name (ReplicaSet owner without its hash).
        let (_, _, p) = run(
            json!({}),
            json!({}),
            Some(json!({"istio-injection": "enabled"})),
        );
        assert_eq!(
            p.metadata.labels.as_ref().unwrap()["service.istio.io/canonical-name"],
            "web-7d4b9c-x2x"
        );
        let mut p = pod(json!({"pod-template-hash": "7d4b9c"}), json!({}));
        p.metadata.owner_references = Some(vec![
            serde_json::from_value(json!({
                "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-7d4b9c",
                "uid": "u", "controller": true
            }))
            .unwrap(),
        ]);
        let n = ns(json!({"istio-injection": "enabled"}));
        assert!(
            inject(&mut p, Some(&n), &MeshSettings::default())
                .unwrap()
                .injected
        );
        assert_eq!(
            p.metadata.labels.as_ref().unwrap()["service.istio.io/canonical-name"],
            "web"
        );
    }

    #[test]
    fn native_sidecars_and_no_init_container() {
        let mesh = MeshSettings {
            native_sidecars: true,
            ..MeshSettings::default()
        };
        let mut p = pod(json!({"sidecar.istio.io/inject": "true"}), json!({}));
        p.spec.as_mut().unwrap().init_containers = Some(vec![
            serde_json::from_value(json!({"name": "migrate"})).unwrap(),
        ]);
        assert!(inject(&mut p, None, &mesh).unwrap().injected);
        let spec = p.spec.as_ref().unwrap();
        assert_eq!(names(Some(&spec.containers)), ["app"]);
        assert_eq!(
            names(spec.init_containers.as_ref()),
            ["istio-init", "istio-proxy", "migrate"]
        );
        assert_eq!(
            spec.init_containers.as_ref().unwrap()[1]
                .restart_policy
                .as_deref(),
            Some("Always")
        );
        assert_eq!(
            p.metadata.annotations.as_ref().unwrap()[STATUS_ANNOTATION],
            r#"{"initContainers":["istio-init","istio-proxy"],"containers":null,"revision":"default"}"#
        );

        let mesh = MeshSettings {
            init_container: false,
            ..MeshSettings::default()
        };
        let mut p = pod(json!({"sidecar.istio.io/inject": "true"}), json!({}));
        assert!(inject(&mut p, None, &mesh).unwrap().injected);
        let spec = p.spec.as_ref().unwrap();
        assert_eq!(names(Some(&spec.containers)), ["app", "istio-proxy"]);
        assert_eq!(spec.init_containers, None);
        assert!(
            p.metadata.annotations.as_ref().unwrap()[STATUS_ANNOTATION]
                .starts_with(r#"{"initContainers":null,"#)
        );

        // Per-pod annotation turns native sidecars off.
        let mesh = MeshSettings {
            native_sidecars: true,
            ..MeshSettings::default()
        };
        let mut p = pod(
            json!({"sidecar.istio.io/inject": "true"}),
            json!({"sidecar.istio.io/nativeSidecar": "false"}),
        );
        assert!(inject(&mut p, None, &mesh).unwrap().injected);
        assert_eq!(
            names(Some(&p.spec.as_ref().unwrap().containers)),
            ["app", "istio-proxy"]
        );
    }

    #[test]
    fn resource_annotations_replace_the_mesh_defaults() {
        let (_, _, p) = run(
            json!({"sidecar.istio.io/inject": "true"}),
            json!({"sidecar.istio.io/proxyCPU": "200m", "sidecar.istio.io/proxyMemoryLimit": "2Gi"}),
            None,
        );
        let spec = p.spec.as_ref().unwrap();
        let r = spec.containers[1].resources.as_ref().unwrap();
        assert_eq!(
            quantity(r.requests.as_ref(), "cpu").as_deref(),
            Some("200m")
        );
        // Istio's template uses only the annotated values once any is set.
        assert_eq!(quantity(r.requests.as_ref(), "memory"), None);
        assert_eq!(quantity(r.limits.as_ref(), "cpu"), None);
        assert_eq!(
            quantity(r.limits.as_ref(), "memory").as_deref(),
            Some("2Gi")
        );
        assert_eq!(
            spec.init_containers.as_ref().unwrap()[0].resources.as_ref(),
            Some(r)
        );

        let (_, _, p) = run(
            json!({"sidecar.istio.io/inject": "true"}),
            json!({
                "sidecar.istio.io/proxyCPU": "1", "sidecar.istio.io/proxyMemory": "1Gi",
                "sidecar.istio.io/proxyCPULimit": "2", "sidecar.istio.io/proxyMemoryLimit": "2Gi"
            }),
            None,
        );
        let r = p.spec.as_ref().unwrap().containers[1]
            .resources
            .clone()
            .unwrap();
        assert_eq!(
            quantity(r.requests.as_ref(), "memory").as_deref(),
            Some("1Gi")
        );
        assert_eq!(quantity(r.limits.as_ref(), "cpu").as_deref(), Some("2"));

        for (annotation, value) in [
            ("sidecar.istio.io/proxyCPU", "fast"),
            ("sidecar.istio.io/proxyMemoryLimit", "-1Gi"),
        ] {
            let mut p = pod(
                json!({"sidecar.istio.io/inject": "true"}),
                json!({ annotation: value }),
            );
            let before = p.clone();
            let e = inject(&mut p, None, &MeshSettings::default()).unwrap_err();
            assert_eq!(e.field, format!("metadata.annotations[{annotation}]"));
            assert_eq!(p, before);
        }
    }

    #[test]
    fn mesh_resources_are_checked_and_used() {
        let mut mesh = MeshSettings::default();
        mesh.proxy.cpu = "250m".to_string();
        mesh.proxy.memory_limit = String::new();
        let mut p = pod(json!({"sidecar.istio.io/inject": "true"}), json!({}));
        assert!(inject(&mut p, None, &mesh).unwrap().injected);
        let r = p.spec.as_ref().unwrap().containers[1]
            .resources
            .clone()
            .unwrap();
        assert_eq!(
            quantity(r.requests.as_ref(), "cpu").as_deref(),
            Some("250m")
        );
        assert_eq!(quantity(r.limits.as_ref(), "memory"), None);

        mesh.proxy.memory = "a lot".to_string();
        let mut p = pod(json!({"sidecar.istio.io/inject": "true"}), json!({}));
        let e = inject(&mut p, None, &mesh).unwrap_err();
        assert_eq!(
            (e.object.as_str(), e.field.as_str()),
            ("ack", "mesh.proxy.memory")
        );
    }
}
