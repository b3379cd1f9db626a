//! Workloads into pods: Deployments, ReplicaSets, StatefulSets.
//!
//! A scenario may list workloads instead of (or next to) their pods. Scheduling
//! needs the pods each workload still has to create, shaped as its controller
//! creates them: the template's labels and annotations, an `ownerReferences`
//! entry with `controller: true` (PodTopologySpread's system default constraints
//! find the controlling ReplicaSet or StatefulSet through it), and the identity a
//! StatefulSet gives its pods.
//!
//! Validation is the API server's for the fields used here: a non-empty
//! selector with the operators `In`, `NotIn`, `Exists` and `DoesNotExist`,
//! template labels that match it, and non-negative replicas.
//!
//! One deviation from the cluster: Kubernetes hashes a `spew` dump of the pod
//! template (FNV-32a) for `pod-template-hash` and `controller-revision-hash`,
//! which cannot be reproduced outside Go. Here the hash is FNV-1a 32-bit over
//! the template's canonical JSON (`serde_json::to_string`), followed by the
//! collision count as Kubernetes appends it, and encoded as Kubernetes encodes
//! it (`rand.SafeEncodeString` of the decimal value). The value differs from
//! the cluster's; its shape and its stability (same template, same hash) are
//! the same. Pod names of ReplicaSets are random in a cluster
//! (`generateName`); here they are derived deterministically from the
//! ReplicaSet's name, with the same alphabet and length.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::apps::v1 as apps;
use k8s_openapi::api::core::v1 as k;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta, OwnerReference};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::error::FieldError;

/// `rand.SafeEncodeString`'s alphabet (no vowels, no confusable characters).
const ALPHANUMS: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// The label a Deployment adds to its ReplicaSets and their pods.
pub(crate) const POD_TEMPLATE_HASH_LABEL: &str = "pod-template-hash";
/// The label naming a StatefulSet pod.
pub(crate) const STATEFUL_SET_POD_NAME_LABEL: &str = "statefulset.kubernetes.io/pod-name";
/// The label carrying a StatefulSet pod's ordinal.
pub(crate) const POD_INDEX_LABEL: &str = "apps.kubernetes.io/pod-index";
/// The label naming the controller revision a StatefulSet pod was created from.
pub(crate) const CONTROLLER_REVISION_HASH_LABEL: &str = "controller-revision-hash";

/// The Deployment annotation carrying the revision.
const REVISION_ANNOTATION: &str = "deployment.kubernetes.io/revision";
/// The ReplicaSet annotation carrying the Deployment's replicas.
const DESIRED_REPLICAS_ANNOTATION: &str = "deployment.kubernetes.io/desired-replicas";
/// The ReplicaSet annotation carrying replicas plus max surge.
const MAX_REPLICAS_ANNOTATION: &str = "deployment.kubernetes.io/max-replicas";
/// Deployment annotations the controller does not copy to its ReplicaSets.
const ANNOTATIONS_NOT_COPIED: [&str; 6] = [
    "kubectl.kubernetes.io/last-applied-configuration",
    REVISION_ANNOTATION,
    "deployment.kubernetes.io/revision-history",
    DESIRED_REPLICAS_ANNOTATION,
    MAX_REPLICAS_ANNOTATION,
    "deprecated.deployment.rollback.to",
];

/// Longest object name (`validation.DNS1123SubdomainMaxLength` is not what
/// `generateName` uses: `names.SimpleNameGenerator` keeps names to 63).
const MAX_NAME_LENGTH: usize = 63;
/// Length of the random suffix `generateName` appends.
const RANDOM_LENGTH: usize = 5;
/// Longest controller-revision name prefix (`history.ControllerRevisionName`).
const MAX_REVISION_PREFIX_LENGTH: usize = 223;

/// A Deployment's current ReplicaSet, as the Deployment controller creates it.
///
/// Name `<deployment>-<pod-template-hash>`; labels, template labels and
/// selector carry `pod-template-hash`; replicas are the Deployment's (default
/// 1); the Deployment controls it. The hash follows the module's documented
/// recipe, not the cluster's value.
pub(crate) fn replica_set_of(d: &apps::Deployment) -> Result<apps::ReplicaSet, FieldError> {
    let name = object_name(&d.metadata);
    let object = format!("deployment/{name}");
    let name = required_name(&object, &d.metadata)?;
    let Some(spec) = d.spec.as_ref() else {
        return Err(FieldError::new(&object, "spec.selector", "Required value"));
    };
    let replicas = validate(
        &object,
        "deployment",
        &spec.selector,
        Some(&spec.template),
        spec.replicas,
    )?;
    let collision_count = d.status.as_ref().and_then(|s| s.collision_count);
    let hash = compute_hash(&object, &spec.template, collision_count)?;
    let rs_name = format!("{name}-{hash}");

    let mut template = spec.template.clone();
    let template_meta = template.metadata.get_or_insert_with(ObjectMeta::default);
    template_meta
        .labels
        .get_or_insert_with(BTreeMap::new)
        .insert(POD_TEMPLATE_HASH_LABEL.to_string(), hash.clone());
    let labels = template_meta.labels.clone();

    let mut selector = spec.selector.clone();
    selector
        .match_labels
        .get_or_insert_with(BTreeMap::new)
        .insert(POD_TEMPLATE_HASH_LABEL.to_string(), hash);

    let mut annotations: BTreeMap<String, String> = d
        .metadata
        .annotations
        .iter()
        .flatten()
        .filter(|(k, _)| !ANNOTATIONS_NOT_COPIED.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    annotations.insert(REVISION_ANNOTATION.to_string(), "1".to_string());
    annotations.insert(
        DESIRED_REPLICAS_ANNOTATION.to_string(),
        replicas.to_string(),
    );
    let surge = max_surge(&object, spec, replicas)?;
    annotations.insert(
        MAX_REPLICAS_ANNOTATION.to_string(),
        (i64::from(replicas) + i64::from(surge)).to_string(),
    );

    Ok(apps::ReplicaSet {
        metadata: ObjectMeta {
            name: Some(rs_name),
            namespace: d.metadata.namespace.clone(),
            labels,
            annotations: Some(annotations),
            owner_references: Some(vec![controller_ref("Deployment", name, &d.metadata)]),
            ..ObjectMeta::default()
        },
        spec: Some(apps::ReplicaSetSpec {
            min_ready_seconds: spec.min_ready_seconds,
            replicas: Some(replicas),
            selector,
            template: Some(template),
        }),
        status: None,
    })
}

/// The pods a ReplicaSet still has to create: `spec.replicas` (default 1) minus
/// the pods it already has, in creation order.
///
/// The pods it has are the active pods (not Succeeded, not Failed, not being
/// deleted) of its namespace that match its selector and are either controlled
/// by it or orphans it adopts. New pods are named `<rs>-<5 chars>`
/// deterministically, never reusing a name taken in the namespace.
pub(crate) fn missing_pods_of_replica_set(
    rs: &apps::ReplicaSet,
    existing: &[k::Pod],
) -> Result<Vec<k::Pod>, FieldError> {
    let name = object_name(&rs.metadata);
    let object = format!("replicaset/{name}");
    let name = required_name(&object, &rs.metadata)?;
    let Some(spec) = rs.spec.as_ref() else {
        return Err(FieldError::new(&object, "spec.selector", "Required value"));
    };
    let replicas = validate(
        &object,
        "replicaset",
        &spec.selector,
        spec.template.as_ref(),
        spec.replicas,
    )?;
    let Some(template) = spec.template.as_ref() else {
        return Err(FieldError::new(&object, "spec.template", "Required value"));
    };
    let selector = Selector::compile(&object, &spec.selector)?;
    let ns = namespace_of(&rs.metadata);
    let uid = rs.metadata.uid.as_deref().filter(|u| !u.is_empty());

    let have = existing
        .iter()
        .filter(|p| namespace_of(&p.metadata) == ns)
        .filter(|p| !is_terminal(p) && p.metadata.deletion_timestamp.is_none())
        .filter(|p| claims(p, "ReplicaSet", name, uid, &selector))
        .count();
    let missing = usize::try_from(replicas).unwrap_or(0).saturating_sub(have);

    let taken: BTreeSet<&str> = existing
        .iter()
        .filter(|p| namespace_of(&p.metadata) == ns)
        .filter_map(|p| p.metadata.name.as_deref())
        .collect();
    let prefix = generate_name_base(name);
    let owner = controller_ref("ReplicaSet", name, &rs.metadata);
    let mut names = Vec::with_capacity(missing);
    let mut attempt: u64 = 0;
    while names.len() < missing {
        let candidate = format!("{prefix}{}", suffix(name, attempt));
        attempt += 1;
        if taken.contains(candidate.as_str()) || names.contains(&candidate) {
            continue;
        }
        names.push(candidate);
    }
    Ok(names
        .into_iter()
        .map(|pod_name| pod_from_template(template, ns, pod_name, owner.clone()))
        .collect())
}

/// The pods a StatefulSet still has to create: the ordinals in
/// `[start, start + replicas)` (`spec.ordinals.start`, default 0; replicas
/// default 1) that none of its pods has, lowest first.
///
/// Its pods are those of its namespace named `<set>-<ordinal>` that match its
/// selector and are either controlled by it or orphans it adopts; Succeeded and
/// Failed pods do not count (the controller replaces them). New pods carry the
/// StatefulSet identity: `statefulset.kubernetes.io/pod-name`,
/// `apps.kubernetes.io/pod-index`, `controller-revision-hash`, `spec.hostname`,
/// `spec.subdomain` (from `spec.serviceName`) and a `persistentVolumeClaim`
/// volume per `volumeClaimTemplates` entry (`<claim>-<set>-<ordinal>`).
pub(crate) fn missing_pods_of_stateful_set(
    ss: &apps::StatefulSet,
    existing: &[k::Pod],
) -> Result<Vec<k::Pod>, FieldError> {
    let name = object_name(&ss.metadata);
    let object = format!("statefulset/{name}");
    let name = required_name(&object, &ss.metadata)?;
    let Some(spec) = ss.spec.as_ref() else {
        return Err(FieldError::new(&object, "spec.selector", "Required value"));
    };
    let replicas = validate(
        &object,
        "statefulset",
        &spec.selector,
        Some(&spec.template),
        spec.replicas,
    )?;
    let start = spec.ordinals.as_ref().and_then(|o| o.start).unwrap_or(0);
    if start < 0 {
        return Err(FieldError::new(
            &object,
            "spec.ordinals.start",
            format!("Invalid value: {start}: must be greater than or equal to 0"),
        ));
    }
    let selector = Selector::compile(&object, &spec.selector)?;
    let ns = namespace_of(&ss.metadata);
    let uid = ss.metadata.uid.as_deref().filter(|u| !u.is_empty());

    let same_ns = || {
        existing
            .iter()
            .filter(move |p| namespace_of(&p.metadata) == ns && !is_terminal(p))
    };
    let present: BTreeSet<i64> = same_ns()
        .filter(|p| {
            // An orphan being deleted is not adopted; an owned one still holds its ordinal.
            p.metadata.deletion_timestamp.is_none() || controller_of(p).is_some()
        })
        .filter(|p| claims(p, "StatefulSet", name, uid, &selector))
        .filter_map(|p| ordinal_of(p.metadata.name.as_deref()?, name))
        .collect();
    // A name held by a pod the set does not own cannot be created either.
    let taken: BTreeSet<&str> = same_ns()
        .filter_map(|p| p.metadata.name.as_deref())
        .collect();

    let collision_count = ss.status.as_ref().and_then(|s| s.collision_count);
    let hash = compute_hash(&object, &spec.template, collision_count)?;
    let revision = format!("{}-{hash}", truncate(name, MAX_REVISION_PREFIX_LENGTH));
    let owner = controller_ref("StatefulSet", name, &ss.metadata);
    let service_name = spec.service_name.as_deref().filter(|s| !s.is_empty());

    let end = i64::from(start) + i64::from(replicas);
    let mut pods = Vec::new();
    for ordinal in i64::from(start)..end {
        let pod_name = format!("{name}-{ordinal}");
        if present.contains(&ordinal) || taken.contains(pod_name.as_str()) {
            continue;
        }
        let mut pod = pod_from_template(&spec.template, ns, pod_name.clone(), owner.clone());
        let labels = pod.metadata.labels.get_or_insert_with(BTreeMap::new);
        labels.insert(STATEFUL_SET_POD_NAME_LABEL.to_string(), pod_name.clone());
        labels.insert(POD_INDEX_LABEL.to_string(), ordinal.to_string());
        labels.insert(CONTROLLER_REVISION_HASH_LABEL.to_string(), revision.clone());
        let pod_spec = pod.spec.get_or_insert_with(k::PodSpec::default);
        pod_spec.hostname = Some(pod_name);
        if let Some(service) = service_name {
            pod_spec.subdomain = Some(service.to_string());
        }
        add_claim_volumes(
            pod_spec,
            spec.volume_claim_templates.as_deref(),
            name,
            ordinal,
        );
        pods.push(pod);
    }
    Ok(pods)
}

/// `updateStorage`: one `persistentVolumeClaim` volume per claim template,
/// replacing a template volume of the same name; the other volumes follow.
fn add_claim_volumes(
    spec: &mut k::PodSpec,
    claims: Option<&[k::PersistentVolumeClaim]>,
    set: &str,
    ordinal: i64,
) {
    let claims: Vec<&str> = claims
        .into_iter()
        .flatten()
        .filter_map(|c| c.metadata.name.as_deref())
        .collect();
    if claims.is_empty() {
        return;
    }
    let mut volumes: Vec<k::Volume> = claims
        .iter()
        .map(|claim| k::Volume {
            name: (*claim).to_string(),
            persistent_volume_claim: Some(k::PersistentVolumeClaimVolumeSource {
                claim_name: format!("{claim}-{set}-{ordinal}"),
                read_only: Some(false),
            }),
            ..k::Volume::default()
        })
        .collect();
    volumes.extend(
        spec.volumes
            .take()
            .into_iter()
            .flatten()
            .filter(|v| !claims.contains(&v.name.as_str())),
    );
    spec.volumes = Some(volumes);
}

/// `controller.GetPodFromTemplate`: labels, annotations and finalizers of the
/// template, the owner, and the template's spec as is (a `nodeName` in the
/// template pins the pod, as in a cluster). No status: the pod is Pending.
fn pod_from_template(
    template: &k::PodTemplateSpec,
    namespace: &str,
    name: String,
    owner: OwnerReference,
) -> k::Pod {
    let meta = template.metadata.as_ref();
    k::Pod {
        metadata: ObjectMeta {
            name: Some(name),
            namespace: Some(namespace.to_string()),
            labels: meta.and_then(|m| m.labels.clone()),
            annotations: meta.and_then(|m| m.annotations.clone()),
            finalizers: meta.and_then(|m| m.finalizers.clone()),
            owner_references: Some(vec![owner]),
            ..ObjectMeta::default()
        },
        spec: template.spec.clone(),
        status: None,
    }
}

/// `metav1.NewControllerRef`.
fn controller_ref(kind: &str, name: &str, meta: &ObjectMeta) -> OwnerReference {
    OwnerReference {
        api_version: "apps/v1".to_string(),
        kind: kind.to_string(),
        name: name.to_string(),
        uid: uid_of(meta, name),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }
}

/// `metadata.uid`, or `uid-<namespace>-<name>` when the scenario gives none.
fn uid_of(meta: &ObjectMeta, name: &str) -> String {
    match meta.uid.as_deref().filter(|u| !u.is_empty()) {
        Some(uid) => uid.to_string(),
        None => format!("uid-{}-{name}", namespace_of(meta)),
    }
}

/// The namespace, `default` when absent or empty.
fn namespace_of(meta: &ObjectMeta) -> &str {
    meta.namespace
        .as_deref()
        .filter(|s| !s.is_empty())
        .unwrap_or("default")
}

/// The name for messages (empty when absent).
fn object_name(meta: &ObjectMeta) -> &str {
    meta.name.as_deref().unwrap_or_default()
}

/// The name, which a workload must have.
fn required_name<'a>(object: &str, meta: &'a ObjectMeta) -> Result<&'a str, FieldError> {
    meta.name
        .as_deref()
        .filter(|n| !n.is_empty())
        .ok_or_else(|| FieldError::new(object, "metadata.name", "Required value"))
}

/// Succeeded or Failed.
fn is_terminal(p: &k::Pod) -> bool {
    matches!(
        p.status.as_ref().and_then(|s| s.phase.as_deref()),
        Some("Succeeded" | "Failed")
    )
}

/// The pod's controller reference, if any.
fn controller_of(p: &k::Pod) -> Option<&OwnerReference> {
    p.metadata
        .owner_references
        .iter()
        .flatten()
        .find(|o| o.controller == Some(true))
}

/// `PodControllerRefManager.ClaimPods`: the pod matches the selector and is
/// controlled by this controller or is an orphan (which it adopts). A
/// controlled pod whose labels no longer match is released, so it does not
/// count. UIDs are compared only when both sides have one.
fn claims(p: &k::Pod, kind: &str, name: &str, uid: Option<&str>, selector: &Selector) -> bool {
    if !selector.matches(p.metadata.labels.as_ref()) {
        return false;
    }
    match controller_of(p) {
        None => true,
        Some(o) => {
            o.kind == kind
                && o.name == name
                && (uid.is_none() || o.uid.is_empty() || Some(o.uid.as_str()) == uid)
        }
    }
}

/// `getParentNameAndOrdinal`: the ordinal of `<set>-<ordinal>`, if the pod
/// belongs to `set` by name.
fn ordinal_of(pod_name: &str, set: &str) -> Option<i64> {
    let (parent, ordinal) = pod_name.rsplit_once('-')?;
    if parent != set || ordinal.is_empty() || !ordinal.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    ordinal.parse::<i32>().ok().map(i64::from)
}

/// The API server's validation of the fields used here; the replicas (default 1).
fn validate(
    object: &str,
    kind: &str,
    selector: &LabelSelector,
    template: Option<&k::PodTemplateSpec>,
    replicas: Option<i32>,
) -> Result<i32, FieldError> {
    let replicas = replicas.unwrap_or(1);
    if replicas < 0 {
        return Err(FieldError::new(
            object,
            "spec.replicas",
            format!("Invalid value: {replicas}: must be greater than or equal to 0"),
        ));
    }
    if selector.match_labels.as_ref().is_none_or(|m| m.is_empty())
        && selector
            .match_expressions
            .as_ref()
            .is_none_or(|e| e.is_empty())
    {
        return Err(FieldError::new(
            object,
            "spec.selector",
            format!("Required value: empty selector is invalid for {kind}"),
        ));
    }
    let compiled = Selector::compile(object, selector)?;
    if let Some(template) = template {
        let labels = template.metadata.as_ref().and_then(|m| m.labels.as_ref());
        if !compiled.matches(labels) {
            return Err(FieldError::new(
                object,
                "spec.template.metadata.labels",
                "does not match spec.selector",
            ));
        }
    }
    Ok(replicas)
}

/// One requirement of a compiled selector.
enum Test<'a> {
    /// `matchLabels`: the label has this value.
    Equals(&'a str),
    /// The label exists with one of the values.
    In(&'a [String]),
    /// The label is absent or has none of the values.
    NotIn(&'a [String]),
    /// The label exists.
    Exists,
    /// The label is absent.
    DoesNotExist,
}

/// `metav1.LabelSelectorAsSelector`: requirements ANDed.
struct Selector<'a> {
    /// Key and test of each requirement.
    requirements: Vec<(&'a str, Test<'a>)>,
}

impl<'a> Selector<'a> {
    /// Compiles `spec.selector`, validating each expression as
    /// `ValidateLabelSelectorRequirement` does.
    fn compile(object: &str, s: &'a LabelSelector) -> Result<Selector<'a>, FieldError> {
        let mut requirements: Vec<(&str, Test)> = s
            .match_labels
            .iter()
            .flatten()
            .map(|(k, v)| (k.as_str(), Test::Equals(v.as_str())))
            .collect();
        for (i, r) in s.match_expressions.iter().flatten().enumerate() {
            let path = format!("spec.selector.matchExpressions[{i}]");
            let values = r.values.as_deref().unwrap_or_default();
            let test = match r.operator.as_str() {
                "In" | "NotIn" if values.is_empty() => {
                    return Err(FieldError::new(
                        object,
                        format!("{path}.values"),
                        "Required value: must be specified when `operator` is 'In' or 'NotIn'",
                    ));
                }
                "Exists" | "DoesNotExist" if !values.is_empty() => {
                    return Err(FieldError::new(
                        object,
                        format!("{path}.values"),
                        "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                    ));
                }
                "In" => Test::In(values),
                "NotIn" => Test::NotIn(values),
                "Exists" => Test::Exists,
                "DoesNotExist" => Test::DoesNotExist,
                other => {
                    return Err(FieldError::new(
                        object,
                        format!("{path}.operator"),
                        format!(
                            "Unsupported value: {other:?}: supported values: \"In\", \"NotIn\", \"Exists\", \"DoesNotExist\""
                        ),
                    ));
                }
            };
            requirements.push((r.key.as_str(), test));
        }
        Ok(Selector { requirements })
    }

    /// Whether the labels satisfy every requirement.
    fn matches(&self, labels: Option<&BTreeMap<String, String>>) -> bool {
        self.requirements.iter().all(|(key, test)| {
            let value = labels.and_then(|l| l.get(*key));
            match test {
                Test::Equals(v) => value.is_some_and(|x| x == v),
                Test::In(vs) => value.is_some_and(|x| vs.contains(x)),
                Test::NotIn(vs) => value.is_none_or(|x| !vs.contains(x)),
                Test::Exists => value.is_some(),
                Test::DoesNotExist => value.is_none(),
            }
        })
    }
}

/// `deploymentutil.MaxSurge`: 0 unless the strategy is RollingUpdate (the
/// default), whose `maxSurge` defaults to 25% and rounds up;
/// `ResolveFenceposts` is not needed for the surge alone.
fn max_surge(object: &str, spec: &apps::DeploymentSpec, replicas: i32) -> Result<i32, FieldError> {
    let strategy = spec.strategy.as_ref();
    if strategy
        .and_then(|s| s.type_.as_deref())
        .is_some_and(|t| t != "RollingUpdate")
    {
        return Ok(0);
    }
    let surge = strategy
        .and_then(|s| s.rolling_update.as_ref())
        .and_then(|r| r.max_surge.as_ref());
    let field = "spec.strategy.rollingUpdate.maxSurge";
    match surge {
        None => Ok(scaled_percent(25, replicas)),
        Some(IntOrString::Int(n)) => Ok(*n),
        Some(IntOrString::String(s)) => {
            let Some(pct) = s.strip_suffix('%') else {
                return Err(FieldError::new(
                    object,
                    field,
                    format!("invalid value {s:?}: a percentage (\"25%\") or an integer"),
                ));
            };
            let pct: i32 = pct.parse().map_err(|_| {
                FieldError::new(
                    object,
                    field,
                    format!("invalid value {s:?}: a percentage (\"25%\") or an integer"),
                )
            })?;
            Ok(scaled_percent(pct, replicas))
        }
    }
}

/// `ceil(percent * total / 100)`, saturating.
fn scaled_percent(percent: i32, total: i32) -> i32 {
    let scaled = (i64::from(percent) * i64::from(total) + 99).div_euclid(100);
    i32::try_from(scaled).unwrap_or(if scaled < 0 { i32::MIN } else { i32::MAX })
}

/// 32-bit FNV-1a.
fn fnv1a(bytes: &[u8]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in bytes {
        h ^= u32::from(*b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// `controller.ComputeHash` with the module's documented deviation: FNV-1a over
/// the template's JSON, then the collision count as 8 little-endian bytes (a
/// `uint32` in an 8-byte buffer, as Kubernetes writes it), encoded with
/// `rand.SafeEncodeString(fmt.Sprint(sum))`.
fn compute_hash(
    object: &str,
    template: &k::PodTemplateSpec,
    collision_count: Option<i32>,
) -> Result<String, FieldError> {
    let json = serde_json::to_string(template)
        .map_err(|e| FieldError::new(object, "spec.template", e.to_string()))?;
    let mut bytes = json.into_bytes();
    if let Some(c) = collision_count {
        bytes.extend_from_slice(&c.to_le_bytes());
        bytes.extend_from_slice(&[0; 4]);
    }
    Ok(safe_encode(&fnv1a(&bytes).to_string()))
}

/// `rand.SafeEncodeString`: each byte mapped into the alphabet.
fn safe_encode(s: &str) -> String {
    s.bytes()
        .map(|b| char::from(ALPHANUMS[usize::from(b) % ALPHANUMS.len()]))
        .collect()
}

/// The deterministic stand-in for `generateName`'s random suffix: five
/// characters of the alphabet from FNV-1a of `<rs-name>/<attempt>`.
fn suffix(rs_name: &str, attempt: u64) -> String {
    let mut h = fnv1a(format!("{rs_name}/{attempt}").as_bytes());
    let n = ALPHANUMS.len() as u32;
    (0..RANDOM_LENGTH)
        .map(|_| {
            let c = ALPHANUMS[(h % n) as usize];
            h /= n;
            char::from(c)
        })
        .collect()
}

/// `getPodsPrefix` then `names.SimpleNameGenerator`: `<rs>-`, cut so that the
/// name with its suffix stays within 63 characters.
fn generate_name_base(rs_name: &str) -> String {
    let base = format!("{rs_name}-");
    truncate(&base, MAX_NAME_LENGTH - RANDOM_LENGTH).to_string()
}

/// The first `max` bytes of `s`, cut back to a character boundary.
fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelectorRequirement, Time};

    fn labels(pairs: &[(&str, &str)]) -> Option<BTreeMap<String, String>> {
        Some(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    fn template(pairs: &[(&str, &str)]) -> k::PodTemplateSpec {
        k::PodTemplateSpec {
            metadata: Some(ObjectMeta {
                labels: labels(pairs),
                annotations: labels(&[("note", "x")]),
                ..ObjectMeta::default()
            }),
            spec: Some(k::PodSpec {
                containers: vec![k::Container {
                    name: "c".into(),
                    image: Some("nginx".into()),
                    ..k::Container::default()
                }],
                ..k::PodSpec::default()
            }),
        }
    }

    fn selector(pairs: &[(&str, &str)]) -> LabelSelector {
        LabelSelector {
            match_labels: labels(pairs),
            match_expressions: None,
        }
    }

    fn meta(ns: Option<&str>, name: &str) -> ObjectMeta {
        ObjectMeta {
            name: Some(name.into()),
            namespace: ns.map(str::to_string),
            ..ObjectMeta::default()
        }
    }

    fn deployment(replicas: Option<i32>) -> apps::Deployment {
        apps::Deployment {
            metadata: ObjectMeta {
                annotations: labels(&[
                    ("team", "edge"),
                    ("kubectl.kubernetes.io/last-applied-configuration", "{}"),
                ]),
                ..meta(Some("shop"), "web")
            },
            spec: Some(apps::DeploymentSpec {
                replicas,
                selector: selector(&[("app", "web")]),
                template: template(&[("app", "web"), ("tier", "front")]),
                ..apps::DeploymentSpec::default()
            }),
            status: None,
        }
    }

    fn replica_set(ns: Option<&str>, name: &str, replicas: Option<i32>) -> apps::ReplicaSet {
        apps::ReplicaSet {
            metadata: meta(ns, name),
            spec: Some(apps::ReplicaSetSpec {
                replicas,
                selector: selector(&[("app", "web")]),
                template: Some(template(&[("app", "web")])),
                ..apps::ReplicaSetSpec::default()
            }),
            status: None,
        }
    }

    fn stateful_set(replicas: Option<i32>, start: Option<i32>) -> apps::StatefulSet {
        apps::StatefulSet {
            metadata: meta(Some("db"), "pg"),
            spec: Some(apps::StatefulSetSpec {
                replicas,
                ordinals: start.map(|s| apps::StatefulSetOrdinals { start: Some(s) }),
                selector: selector(&[("app", "pg")]),
                service_name: Some("pg-headless".into()),
                template: template(&[("app", "pg")]),
                ..apps::StatefulSetSpec::default()
            }),
            status: None,
        }
    }

    fn pod(
        ns: Option<&str>,
        name: &str,
        pairs: &[(&str, &str)],
        owner: Option<(&str, &str)>,
    ) -> k::Pod {
        k::Pod {
            metadata: ObjectMeta {
                labels: labels(pairs),
                owner_references: owner.map(|(kind, name)| {
                    vec![OwnerReference {
                        api_version: "apps/v1".into(),
                        kind: kind.into(),
                        name: name.into(),
                        uid: String::new(),
                        controller: Some(true),
                        block_owner_deletion: Some(true),
                    }]
                }),
                ..meta(ns, name)
            },
            spec: Some(k::PodSpec {
                node_name: Some("n1".into()),
                ..k::PodSpec::default()
            }),
            status: Some(k::PodStatus {
                phase: Some("Running".into()),
                ..k::PodStatus::default()
            }),
        }
    }

    fn with_phase(mut p: k::Pod, phase: &str) -> k::Pod {
        p.status = Some(k::PodStatus {
            phase: Some(phase.into()),
            ..k::PodStatus::default()
        });
        p
    }

    fn owner(p: &k::Pod) -> OwnerReference {
        let refs = p.metadata.owner_references.clone().unwrap_or_default();
        assert_eq!(refs.len(), 1, "one owner reference");
        refs.into_iter().next().unwrap_or_default()
    }

    fn label<'a>(m: &'a ObjectMeta, key: &str) -> Option<&'a str> {
        m.labels.as_ref()?.get(key).map(String::as_str)
    }

    fn is_hash(s: &str) -> bool {
        !s.is_empty() && s.len() <= 10 && s.bytes().all(|b| ALPHANUMS.contains(&b))
    }

    #[test]
    fn safe_encode_matches_kubernetes() {
        // Digits '0'..'9' are bytes 48..57; 48 % 27 = 21 ('4'), 57 % 27 = 3 ('f').
        assert_eq!(safe_encode("0123456789"), "456789bcdf");
        assert_eq!(fnv1a(b""), 0x811c_9dc5);
        assert_eq!(fnv1a(b"a"), 0xe40c_292c);
    }

    #[test]
    fn deployment_replica_set_shape() {
        let d = deployment(Some(4));
        let rs = replica_set_of(&d).map_err(|e| e.to_string());
        let Ok(rs) = rs else {
            panic!("{rs:?}");
        };
        let name = rs.metadata.name.clone().unwrap_or_default();
        let Some(hash) = name.strip_prefix("web-") else {
            panic!("name {name}");
        };
        assert!(is_hash(hash), "hash {hash}");
        assert_eq!(rs.metadata.namespace.as_deref(), Some("shop"));
        assert_eq!(label(&rs.metadata, "app"), Some("web"));
        assert_eq!(label(&rs.metadata, "tier"), Some("front"));
        assert_eq!(label(&rs.metadata, POD_TEMPLATE_HASH_LABEL), Some(hash));
        let annotations = rs.metadata.annotations.clone().unwrap_or_default();
        assert_eq!(
            annotations.get(REVISION_ANNOTATION).map(String::as_str),
            Some("1")
        );
        assert_eq!(annotations.get("team").map(String::as_str), Some("edge"));
        assert_eq!(
            annotations
                .get(DESIRED_REPLICAS_ANNOTATION)
                .map(String::as_str),
            Some("4")
        );
        assert_eq!(
            annotations.get(MAX_REPLICAS_ANNOTATION).map(String::as_str),
            Some("5")
        );
        assert!(!annotations.contains_key("kubectl.kubernetes.io/last-applied-configuration"));
        let o = OwnerReference {
            api_version: "apps/v1".into(),
            kind: "Deployment".into(),
            name: "web".into(),
            uid: "uid-shop-web".into(),
            controller: Some(true),
            block_owner_deletion: Some(true),
        };
        assert_eq!(rs.metadata.owner_references, Some(vec![o]));
        let spec = rs.spec.clone().unwrap_or_default();
        assert_eq!(spec.replicas, Some(4));
        assert_eq!(
            spec.selector.match_labels,
            labels(&[("app", "web"), (POD_TEMPLATE_HASH_LABEL, hash)])
        );
        let tmeta = spec.template.and_then(|t| t.metadata).unwrap_or_default();
        assert_eq!(label(&tmeta, POD_TEMPLATE_HASH_LABEL), Some(hash));
        assert_eq!(label(&tmeta, "tier"), Some("front"));

        // Its pods carry the hash and are controlled by it.
        let pods = missing_pods_of_replica_set(&rs, &[]).map_err(|e| e.to_string());
        let Ok(pods) = pods else { panic!("{pods:?}") };
        assert_eq!(pods.len(), 4);
        assert!(
            pods.iter()
                .all(|p| label(&p.metadata, POD_TEMPLATE_HASH_LABEL) == Some(hash))
        );
        assert_eq!(owner(&pods[0]).uid, format!("uid-shop-{name}"));
    }

    #[test]
    fn deployment_hash_is_stable_and_follows_the_template() {
        let a = replica_set_of(&deployment(Some(1))).map(|r| r.metadata.name);
        let b = replica_set_of(&deployment(Some(7))).map(|r| r.metadata.name);
        assert_eq!(a, b, "replicas are not part of the template");
        let mut d = deployment(Some(1));
        if let Some(s) = d.spec.as_mut() {
            s.template.spec = None;
        }
        let c = replica_set_of(&d).map(|r| r.metadata.name);
        assert_ne!(a, c);
        d.status = Some(apps::DeploymentStatus {
            collision_count: Some(1),
            ..apps::DeploymentStatus::default()
        });
        let e = replica_set_of(&d).map(|r| r.metadata.name);
        assert_ne!(c, e, "the collision count changes the hash");
        assert!(a.is_ok());
    }

    #[test]
    fn max_surge_follows_the_strategy() {
        let surge = |strategy: Option<apps::DeploymentStrategy>, replicas| {
            let mut d = deployment(Some(replicas));
            if let Some(s) = d.spec.as_mut() {
                s.strategy = strategy;
            }
            replica_set_of(&d)
                .map(|rs| rs.metadata.annotations.unwrap_or_default())
                .map(|a| a.get(MAX_REPLICAS_ANNOTATION).cloned())
                .map_err(|e| e.to_string())
        };
        let rolling = |v: IntOrString| {
            Some(apps::DeploymentStrategy {
                type_: None,
                rolling_update: Some(apps::RollingUpdateDeployment {
                    max_surge: Some(v),
                    max_unavailable: None,
                }),
            })
        };
        let recreate = Some(apps::DeploymentStrategy {
            type_: Some("Recreate".into()),
            rolling_update: None,
        });
        assert_eq!(surge(recreate, 4), Ok(Some("4".into())));
        assert_eq!(surge(rolling(IntOrString::Int(2)), 4), Ok(Some("6".into())));
        assert_eq!(
            surge(rolling(IntOrString::String("50%".into())), 3),
            Ok(Some("5".into()))
        );
        assert!(surge(rolling(IntOrString::String("x".into())), 3).is_err());
    }

    #[test]
    fn replica_set_counts_owned_and_adopted_pods() {
        let rs = replica_set(Some("shop"), "web-abc", Some(3));
        let existing = vec![
            pod(
                Some("shop"),
                "web-abc-owned",
                &[("app", "web")],
                Some(("ReplicaSet", "web-abc")),
            ),
            pod(Some("shop"), "orphan", &[("app", "web")], None),
            // Not counted: another ReplicaSet's, another namespace, wrong labels,
            // terminated, being deleted.
            pod(
                Some("shop"),
                "other",
                &[("app", "web")],
                Some(("ReplicaSet", "web-def")),
            ),
            pod(
                Some("prod"),
                "elsewhere",
                &[("app", "web")],
                Some(("ReplicaSet", "web-abc")),
            ),
            pod(Some("shop"), "db", &[("app", "db")], None),
            with_phase(
                pod(
                    Some("shop"),
                    "done",
                    &[("app", "web")],
                    Some(("ReplicaSet", "web-abc")),
                ),
                "Succeeded",
            ),
            with_phase(
                pod(Some("shop"), "failed", &[("app", "web")], None),
                "Failed",
            ),
            k::Pod {
                metadata: ObjectMeta {
                    deletion_timestamp: serde_json::from_str::<Time>("\"2024-01-01T00:00:00Z\"")
                        .ok(),
                    ..pod(Some("shop"), "leaving", &[("app", "web")], None).metadata
                },
                ..k::Pod::default()
            },
        ];
        let pods = missing_pods_of_replica_set(&rs, &existing).map_err(|e| e.to_string());
        let Ok(pods) = pods else { panic!("{pods:?}") };
        assert_eq!(pods.len(), 1);
        let p = &pods[0];
        let name = p.metadata.name.clone().unwrap_or_default();
        let suffix = name.strip_prefix("web-abc-").unwrap_or_default();
        assert_eq!(suffix.len(), 5, "name {name}");
        assert!(suffix.bytes().all(|b| ALPHANUMS.contains(&b)));
        assert_eq!(p.metadata.namespace.as_deref(), Some("shop"));
        assert_eq!(p.metadata.labels, labels(&[("app", "web")]));
        assert_eq!(p.metadata.annotations, labels(&[("note", "x")]));
        let o = owner(p);
        assert_eq!(
            (
                o.api_version.as_str(),
                o.kind.as_str(),
                o.name.as_str(),
                o.uid.as_str()
            ),
            ("apps/v1", "ReplicaSet", "web-abc", "uid-shop-web-abc")
        );
        assert_eq!(
            (o.controller, o.block_owner_deletion),
            (Some(true), Some(true))
        );
        assert!(p.status.is_none());
        assert_eq!(p.spec, template(&[]).spec);
    }

    #[test]
    fn replica_set_pods_in_other_namespaces_do_not_count() {
        let rs = replica_set(None, "web-abc", Some(2));
        let existing = vec![
            pod(
                Some("default"),
                "a",
                &[("app", "web")],
                Some(("ReplicaSet", "web-abc")),
            ),
            pod(
                Some("shop"),
                "b",
                &[("app", "web")],
                Some(("ReplicaSet", "web-abc")),
            ),
        ];
        let pods = missing_pods_of_replica_set(&rs, &existing).map_err(|e| e.to_string());
        assert_eq!(pods.as_ref().map(Vec::len), Ok(1));
        let ns = pods
            .ok()
            .and_then(|p| p.into_iter().next()?.metadata.namespace);
        assert_eq!(ns.as_deref(), Some("default"));
    }

    #[test]
    fn uid_mismatch_and_released_pods_do_not_count() {
        let mut rs = replica_set(Some("shop"), "web-abc", Some(2));
        rs.metadata.uid = Some("u1".into());
        let mut stale = pod(
            Some("shop"),
            "a",
            &[("app", "web")],
            Some(("ReplicaSet", "web-abc")),
        );
        if let Some(o) = stale.metadata.owner_references.as_mut() {
            o[0].uid = "u0".into();
        }
        // Owned, but its labels no longer match: the controller releases it.
        let released = pod(
            Some("shop"),
            "b",
            &[("app", "x")],
            Some(("ReplicaSet", "web-abc")),
        );
        let kept = pod(
            Some("shop"),
            "c",
            &[("app", "web")],
            Some(("ReplicaSet", "web-abc")),
        );
        let pods = missing_pods_of_replica_set(&rs, &[stale, released, kept]);
        let pods = pods.map_err(|e| e.to_string());
        assert_eq!(pods.as_ref().map(Vec::len), Ok(1));
        let uid = pods.ok().and_then(|p| Some(owner(p.first()?).uid));
        assert_eq!(uid.as_deref(), Some("u1"));
    }

    #[test]
    fn replica_set_names_are_deterministic_and_unique() {
        let rs = replica_set(Some("shop"), "web-abc", Some(5));
        let first = missing_pods_of_replica_set(&rs, &[]).map_err(|e| e.to_string());
        let second = missing_pods_of_replica_set(&rs, &[]).map_err(|e| e.to_string());
        let names = |r: &Result<Vec<k::Pod>, String>| -> Vec<String> {
            r.iter()
                .flatten()
                .filter_map(|p| p.metadata.name.clone())
                .collect()
        };
        let a = names(&first);
        assert_eq!(a.len(), 5);
        assert_eq!(a, names(&second));
        let unique: BTreeSet<&String> = a.iter().collect();
        assert_eq!(unique.len(), 5);
        // A name already taken in the namespace (by an unrelated pod) is skipped.
        let squatter = pod(Some("shop"), &a[0], &[("app", "other")], None);
        let third = missing_pods_of_replica_set(&rs, &[squatter]).map_err(|e| e.to_string());
        let c = names(&third);
        assert_eq!(c.len(), 5);
        assert!(!c.contains(&a[0]));
        assert_eq!(c[..4], a[1..]);
    }

    #[test]
    fn long_replica_set_names_are_cut_for_the_suffix() {
        let long = "x".repeat(70);
        let rs = replica_set(None, &long, Some(1));
        let pods = missing_pods_of_replica_set(&rs, &[]).map_err(|e| e.to_string());
        let name = pods
            .ok()
            .and_then(|p| p.into_iter().next()?.metadata.name)
            .unwrap_or_default();
        assert_eq!(name.len(), 63);
        assert!(name.starts_with(&"x".repeat(58)));
    }

    #[test]
    fn replicas_default_to_one_and_zero_creates_nothing() {
        let rs = replica_set(None, "web-abc", None);
        let n = missing_pods_of_replica_set(&rs, &[]).map(|p| p.len());
        assert_eq!(n, Ok(1));
        let rs = replica_set(None, "web-abc", Some(0));
        let n = missing_pods_of_replica_set(&rs, &[]).map(|p| p.len());
        assert_eq!(n, Ok(0));
        let n = replica_set_of(&deployment(None)).map(|rs| rs.spec.and_then(|s| s.replicas));
        assert_eq!(n, Ok(Some(1)));
        let ss = stateful_set(None, None);
        let n = missing_pods_of_stateful_set(&ss, &[]).map(|p| p.len());
        assert_eq!(n, Ok(1));
    }

    #[test]
    fn more_pods_than_replicas_create_nothing() {
        let rs = replica_set(None, "web-abc", Some(1));
        let existing = vec![
            pod(None, "a", &[("app", "web")], None),
            pod(None, "b", &[("app", "web")], None),
        ];
        let n = missing_pods_of_replica_set(&rs, &existing).map(|p| p.len());
        assert_eq!(n, Ok(0));
    }

    #[test]
    fn template_node_name_is_kept() {
        let mut rs = replica_set(None, "web-abc", Some(1));
        if let Some(t) = rs.spec.as_mut().and_then(|s| s.template.as_mut()) {
            t.spec.get_or_insert_with(Default::default).node_name = Some("pinned".into());
        }
        let pods = missing_pods_of_replica_set(&rs, &[]).map_err(|e| e.to_string());
        let node = pods
            .ok()
            .and_then(|p| p.into_iter().next()?.spec?.node_name);
        assert_eq!(node.as_deref(), Some("pinned"));
    }

    #[test]
    fn stateful_set_fills_missing_ordinals() {
        let ss = stateful_set(Some(3), None);
        let existing = vec![
            pod(
                Some("db"),
                "pg-1",
                &[("app", "pg")],
                Some(("StatefulSet", "pg")),
            ),
            // Terminated: its ordinal is recreated.
            with_phase(
                pod(
                    Some("db"),
                    "pg-2",
                    &[("app", "pg")],
                    Some(("StatefulSet", "pg")),
                ),
                "Failed",
            ),
            // Another namespace's pg-0 does not hold ordinal 0 here.
            pod(
                Some("other"),
                "pg-0",
                &[("app", "pg")],
                Some(("StatefulSet", "pg")),
            ),
        ];
        let pods = missing_pods_of_stateful_set(&ss, &existing).map_err(|e| e.to_string());
        let Ok(pods) = pods else { panic!("{pods:?}") };
        let names: Vec<&str> = pods
            .iter()
            .filter_map(|p| p.metadata.name.as_deref())
            .collect();
        assert_eq!(names, ["pg-0", "pg-2"]);
        let hash = label(&pods[0].metadata, CONTROLLER_REVISION_HASH_LABEL).unwrap_or_default();
        assert!(
            is_hash(hash.strip_prefix("pg-").unwrap_or_default()),
            "{hash}"
        );
        for (p, ordinal) in pods.iter().zip(["0", "2"]) {
            let name = format!("pg-{ordinal}");
            assert_eq!(p.metadata.namespace.as_deref(), Some("db"));
            assert_eq!(label(&p.metadata, "app"), Some("pg"));
            assert_eq!(
                label(&p.metadata, STATEFUL_SET_POD_NAME_LABEL),
                Some(name.as_str())
            );
            assert_eq!(label(&p.metadata, POD_INDEX_LABEL), Some(ordinal));
            assert_eq!(
                label(&p.metadata, CONTROLLER_REVISION_HASH_LABEL),
                Some(hash)
            );
            let spec = p.spec.clone().unwrap_or_default();
            assert_eq!(spec.hostname.as_deref(), Some(name.as_str()));
            assert_eq!(spec.subdomain.as_deref(), Some("pg-headless"));
            let o = owner(p);
            assert_eq!(
                (
                    o.kind.as_str(),
                    o.name.as_str(),
                    o.uid.as_str(),
                    o.controller
                ),
                ("StatefulSet", "pg", "uid-db-pg", Some(true))
            );
        }
    }

    #[test]
    fn stateful_set_adopts_orphans_by_name_only() {
        let ss = stateful_set(Some(2), None);
        let existing = vec![
            // An orphan named as a member is adopted and holds its ordinal.
            pod(Some("db"), "pg-0", &[("app", "pg")], None),
            // A matching orphan not named as a member is not.
            pod(Some("db"), "stray-1", &[("app", "pg")], None),
        ];
        let pods = missing_pods_of_stateful_set(&ss, &existing).map_err(|e| e.to_string());
        let names: Vec<String> = pods
            .iter()
            .flatten()
            .filter_map(|p| p.metadata.name.clone())
            .collect();
        assert_eq!(names, ["pg-1"]);
    }

    #[test]
    fn stateful_set_ordinals_start() {
        let mut ss = stateful_set(Some(3), Some(5));
        if let Some(s) = ss.spec.as_mut() {
            s.service_name = None;
        }
        let existing = vec![
            pod(
                Some("db"),
                "pg-6",
                &[("app", "pg")],
                Some(("StatefulSet", "pg")),
            ),
            // Outside [5, 8): condemned, holds no slot.
            pod(
                Some("db"),
                "pg-0",
                &[("app", "pg")],
                Some(("StatefulSet", "pg")),
            ),
        ];
        let pods = missing_pods_of_stateful_set(&ss, &existing).map_err(|e| e.to_string());
        let Ok(pods) = pods else { panic!("{pods:?}") };
        let names: Vec<&str> = pods
            .iter()
            .filter_map(|p| p.metadata.name.as_deref())
            .collect();
        assert_eq!(names, ["pg-5", "pg-7"]);
        assert_eq!(label(&pods[1].metadata, POD_INDEX_LABEL), Some("7"));
        assert_eq!(
            pods[0].spec.as_ref().and_then(|s| s.subdomain.clone()),
            None
        );
        let mut bad = stateful_set(Some(1), Some(-1));
        bad.metadata.name = Some("pg".into());
        let err = missing_pods_of_stateful_set(&bad, &[]).map_err(|e| e.field);
        assert_eq!(err.map(|p| p.len()), Err("spec.ordinals.start".to_string()));
    }

    #[test]
    fn stateful_set_claim_volumes() {
        let mut ss = stateful_set(Some(1), None);
        if let Some(s) = ss.spec.as_mut() {
            s.volume_claim_templates = Some(vec![k::PersistentVolumeClaim {
                metadata: ObjectMeta {
                    name: Some("data".into()),
                    ..ObjectMeta::default()
                },
                ..k::PersistentVolumeClaim::default()
            }]);
            s.template.spec.get_or_insert_with(Default::default).volumes = Some(vec![
                k::Volume {
                    name: "data".into(),
                    empty_dir: Some(k::EmptyDirVolumeSource::default()),
                    ..k::Volume::default()
                },
                k::Volume {
                    name: "tmp".into(),
                    empty_dir: Some(k::EmptyDirVolumeSource::default()),
                    ..k::Volume::default()
                },
            ]);
        }
        let pods = missing_pods_of_stateful_set(&ss, &[]).map_err(|e| e.to_string());
        let volumes = pods
            .ok()
            .and_then(|p| p.into_iter().next()?.spec?.volumes)
            .unwrap_or_default();
        let shape: Vec<(String, Option<String>)> = volumes
            .iter()
            .map(|v| {
                (
                    v.name.clone(),
                    v.persistent_volume_claim
                        .as_ref()
                        .map(|c| c.claim_name.clone()),
                )
            })
            .collect();
        assert_eq!(
            shape,
            [
                ("data".to_string(), Some("data-pg-0".to_string())),
                ("tmp".to_string(), None)
            ]
        );
    }

    #[test]
    fn selector_mismatch_is_an_error() {
        let mut d = deployment(Some(1));
        if let Some(s) = d.spec.as_mut() {
            s.selector = selector(&[("app", "api")]);
        }
        let err = replica_set_of(&d).map(|_| ());
        assert_eq!(
            err,
            Err(FieldError::new(
                "deployment/web",
                "spec.template.metadata.labels",
                "does not match spec.selector"
            ))
        );
        let mut ss = stateful_set(Some(1), None);
        if let Some(s) = ss.spec.as_mut() {
            s.selector.match_expressions = Some(vec![LabelSelectorRequirement {
                key: "app".into(),
                operator: "NotIn".into(),
                values: Some(vec!["pg".into()]),
            }]);
        }
        let err = missing_pods_of_stateful_set(&ss, &[]).map_err(|e| (e.object, e.field));
        assert_eq!(
            err.map(|p| p.len()),
            Err((
                "statefulset/pg".to_string(),
                "spec.template.metadata.labels".to_string()
            ))
        );
    }

    #[test]
    fn match_expressions_select() {
        let mut rs = replica_set(None, "web-abc", Some(3));
        if let Some(s) = rs.spec.as_mut() {
            s.selector.match_expressions = Some(vec![
                LabelSelectorRequirement {
                    key: "tier".into(),
                    operator: "In".into(),
                    values: Some(vec!["front".into(), "edge".into()]),
                },
                LabelSelectorRequirement {
                    key: "canary".into(),
                    operator: "DoesNotExist".into(),
                    values: None,
                },
                LabelSelectorRequirement {
                    key: "app".into(),
                    operator: "Exists".into(),
                    values: None,
                },
                LabelSelectorRequirement {
                    key: "env".into(),
                    operator: "NotIn".into(),
                    values: Some(vec!["dev".into()]),
                },
            ]);
            s.template = Some(template(&[("app", "web"), ("tier", "edge")]));
        }
        let existing = vec![
            pod(None, "a", &[("app", "web"), ("tier", "front")], None),
            pod(
                None,
                "b",
                &[("app", "web"), ("tier", "front"), ("canary", "1")],
                None,
            ),
            pod(None, "c", &[("app", "web"), ("tier", "back")], None),
            pod(
                None,
                "d",
                &[("app", "web"), ("tier", "edge"), ("env", "dev")],
                None,
            ),
            pod(
                None,
                "e",
                &[("app", "web"), ("tier", "edge"), ("env", "prod")],
                None,
            ),
        ];
        let n = missing_pods_of_replica_set(&rs, &existing).map(|p| p.len());
        assert_eq!(n, Ok(1), "a and e are adopted");
    }

    #[test]
    fn invalid_selectors_are_errors() {
        let with = |reqs: Vec<LabelSelectorRequirement>, match_labels: bool| {
            let mut rs = replica_set(None, "web-abc", Some(1));
            if let Some(s) = rs.spec.as_mut() {
                s.selector.match_expressions = Some(reqs);
                if !match_labels {
                    s.selector.match_labels = None;
                }
            }
            missing_pods_of_replica_set(&rs, &[]).map(|p| p.len())
        };
        let req = |op: &str, values: Option<Vec<String>>| LabelSelectorRequirement {
            key: "app".into(),
            operator: op.into(),
            values,
        };
        let err = with(vec![req("Gt", Some(vec!["1".into()]))], true);
        let Err(e) = err else { panic!("Gt accepted") };
        assert_eq!(e.object, "replicaset/web-abc");
        assert_eq!(e.field, "spec.selector.matchExpressions[0].operator");
        assert!(e.message.contains("\"Gt\""), "{}", e.message);
        let err = with(vec![req("In", None)], true).map_err(|e| e.field);
        assert_eq!(err, Err("spec.selector.matchExpressions[0].values".into()));
        let err = with(vec![req("Exists", Some(vec!["web".into()]))], true).map_err(|e| e.field);
        assert_eq!(err, Err("spec.selector.matchExpressions[0].values".into()));
        let err = with(vec![], false).map_err(|e| e.field);
        assert_eq!(err, Err("spec.selector".into()));
    }

    #[test]
    fn negative_replicas_and_missing_parts_are_errors() {
        let rs = replica_set(None, "web-abc", Some(-1));
        let err = missing_pods_of_replica_set(&rs, &[]).map_err(|e| e.field);
        assert_eq!(err.map(|p| p.len()), Err("spec.replicas".into()));
        let mut rs = replica_set(None, "web-abc", Some(1));
        if let Some(s) = rs.spec.as_mut() {
            s.template = None;
        }
        let err = missing_pods_of_replica_set(&rs, &[]).map_err(|e| e.field);
        assert_eq!(err.map(|p| p.len()), Err("spec.template".into()));
        let mut d = deployment(Some(1));
        d.metadata.name = None;
        let err = replica_set_of(&d).map_err(|e| e.field);
        assert_eq!(err.map(|_| ()), Err("metadata.name".into()));
        let mut d = deployment(Some(1));
        d.spec = None;
        let err = replica_set_of(&d).map_err(|e| (e.object, e.field));
        assert_eq!(
            err.map(|_| ()),
            Err(("deployment/web".into(), "spec.selector".into()))
        );
    }

    #[test]
    fn ordinals_parse_like_the_controller() {
        assert_eq!(ordinal_of("pg-12", "pg"), Some(12));
        assert_eq!(ordinal_of("pg-x-1", "pg"), None);
        assert_eq!(ordinal_of("pg-", "pg"), None);
        assert_eq!(ordinal_of("pg-+1", "pg"), None);
        assert_eq!(ordinal_of("web-pg-1", "web-pg"), Some(1));
    }
}
