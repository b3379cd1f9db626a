//! The IstioGateway resource of ASM.
//!
//! ASM (Alibaba Cloud Service Mesh) defines the CRD `istio.alibabacloud.com/v1beta1`
//! `IstioGateway`. For a gateway named `NAME` its controller creates, in the
//! gateway's namespace (normally `istio-system`), a Deployment `istio-NAME`, a
//! Service `istio-NAME` and, when autoscaling is configured, a
//! HorizontalPodAutoscaler `istio-NAME`. [`expand`] reproduces those objects so
//! the scheduler-facing parts (pod template labels, affinity, tolerations, node
//! selector, resources, host ports, replica count) can be simulated.
//!
//! Decoding is strict: unknown spec fields and wrong value types are errors, and
//! [`expand`] rejects values the ASM controller or the API server would reject,
//! naming the field (`spec.maxReplicas`, `spec.podLabels.app`, ...).
//!
//! Defaults chosen where the gateway leaves a field out:
//! - `gatewayType`: `ingress`; `replicaCount`: 1; `serviceType`: `LoadBalancer`;
//!   `externalTrafficPolicy`: `Cluster`; `dnsPolicy`: `ClusterFirst`;
//!   `rollingMaxSurge`: `100%`; `rollingMaxUnavailable`: `25%`.
//! - `resources`: the ASM documentation's example values, requests cpu `200m`,
//!   memory `256Mi`, limits cpu `2`, memory `2G` ([`default_proxy_resources`]).
//! - `sds.resources`: Istio's proxy defaults, requests `100m` / `128Mi`, limits
//!   `2000m` / `1024Mi` ([`default_sds_resources`]).
//! - `ports`: `http2` 80 and `https` 443 when the list is absent.
//! - HPA: `minReplicas` 1, and a cpu utilization target of 80% when neither `cpu`
//!   nor `memory` is given.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::apps::v1::{
    Deployment, DeploymentSpec, DeploymentStrategy, RollingUpdateDeployment,
};
use k8s_openapi::api::autoscaling::v2::{
    CrossVersionObjectReference, HorizontalPodAutoscaler, HorizontalPodAutoscalerSpec, MetricSpec,
    MetricTarget, ResourceMetricSource,
};
use k8s_openapi::api::core::v1::{
    Affinity, ConfigMapVolumeSource, Container, ContainerPort, EnvVar, PodSpec, PodTemplateSpec,
    ResourceRequirements, SecretVolumeSource, SecurityContext, Service, ServicePort, ServiceSpec,
    Toleration, Volume, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::Deserialize;

use crate::error::FieldError;

/// The `apiVersion` of the IstioGateway CRD.
pub const API_VERSION: &str = "istio.alibabacloud.com/v1beta1";

/// The `kind` of the IstioGateway CRD.
pub const KIND: &str = "IstioGateway";

/// The namespace used when the gateway's metadata has none.
pub const DEFAULT_NAMESPACE: &str = "istio-system";

/// The gateway annotation that, when `"false"`, stops ASM from syncing the
/// replica count after creation. Copied onto the Deployment.
pub const REPLICAS_MANAGED_BY_ASM: &str = "asm.alibabacloud.com/replicas-managed-by-asm";

/// The image of the `ingress-sds` container added when `sds.enabled` is true.
///
/// A plausible ASM image; it only matters for the ImageLocality score (which
/// nodes already hold the image), never for feasibility.
pub const SDS_IMAGE: &str = "registry-cn-hangzhou.ack.aliyuncs.com/acs/node-agent-k8s:1.22";

/// The name of the gateway's proxy container.
pub const PROXY_CONTAINER: &str = "istio-proxy";

/// The name of the SDS container.
pub const SDS_CONTAINER: &str = "ingress-sds";

/// The pod annotation that disables sidecar injection (set on gateway pods:
/// they are the proxy).
const INJECT_ANNOTATION: &str = "sidecar.istio.io/inject";

/// Envoy's readiness/status port, added to the proxy container when not listed.
const STATUS_PORT: (i32, &str) = (15021, "status-port");

/// Envoy's Prometheus port, added to the proxy container when not listed.
const PROM_PORT: (i32, &str) = (15090, "http-envoy-prom");

/// The utilization target used when an HPA exists and neither `cpu` nor
/// `memory` is given.
const DEFAULT_CPU_UTILIZATION: i32 = 80;

/// An ASM `IstioGateway` (`istio.alibabacloud.com/v1beta1`).
///
/// Decoding checks `apiVersion` and `kind`, rejects unknown top-level fields
/// (`status` is accepted and ignored) and unknown spec fields.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "RawIstioGateway")]
pub struct IstioGateway {
    /// The gateway's metadata; `name` is required by [`expand`].
    pub metadata: ObjectMeta,
    /// The gateway's spec.
    pub spec: IstioGatewaySpec,
}

/// The wire form, before `apiVersion` and `kind` are checked.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawIstioGateway {
    api_version: String,
    kind: String,
    #[serde(default)]
    metadata: ObjectMeta,
    #[serde(default)]
    spec: IstioGatewaySpec,
    #[serde(default)]
    status: Option<serde::de::IgnoredAny>,
}

impl TryFrom<RawIstioGateway> for IstioGateway {
    type Error = String;

    fn try_from(raw: RawIstioGateway) -> Result<IstioGateway, String> {
        let _ignored_status = raw.status;
        if raw.api_version != API_VERSION {
            return Err(format!(
                "apiVersion: expected \"{API_VERSION}\", got \"{}\"",
                raw.api_version
            ));
        }
        if raw.kind != KIND {
            return Err(format!("kind: expected \"{KIND}\", got \"{}\"", raw.kind));
        }
        Ok(IstioGateway {
            metadata: raw.metadata,
            spec: raw.spec,
        })
    }
}

/// The spec of an [`IstioGateway`]. Every field is optional; the module
/// documentation lists the defaults.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IstioGatewaySpec {
    /// ACK cluster ids the gateway is deployed to (kept, not used by scheduling).
    pub cluster_ids: Option<Vec<String>>,
    /// `ingress` (default) or `egress`.
    pub gateway_type: Option<String>,
    /// Initial replica count (default 1).
    pub replica_count: Option<i32>,
    /// HPA minimum (default 1 when `maxReplicas` is set).
    pub min_replicas: Option<i32>,
    /// HPA maximum; setting it creates an HPA.
    pub max_replicas: Option<i32>,
    /// HPA cpu utilization target.
    pub cpu: Option<UtilizationTarget>,
    /// HPA memory utilization target.
    pub memory: Option<UtilizationTarget>,
    /// The `istio-proxy` container's resources.
    pub resources: Option<ResourceRequirements>,
    /// The SDS container.
    pub sds: Option<SdsSpec>,
    /// Service ports; each also becomes a container port.
    pub ports: Option<Vec<GatewayPort>>,
    /// `LoadBalancer` (default), `NodePort` (also `Nodeport`) or `ClusterIP`.
    pub service_type: Option<String>,
    /// Annotations of the Service (e.g. the SLB instance id).
    pub service_annotations: Option<BTreeMap<String, String>>,
    /// `Cluster` (default) or `Local`; only for `LoadBalancer` and `NodePort`.
    pub external_traffic_policy: Option<String>,
    /// The pods' affinity.
    pub affinity: Option<Affinity>,
    /// The pods' tolerations.
    pub tolerations: Option<Vec<Toleration>>,
    /// The pods' node selector.
    pub node_selector: Option<BTreeMap<String, String>>,
    /// Extra pod annotations.
    pub pod_annotations: Option<BTreeMap<String, String>>,
    /// Extra pod labels (may not change `app` or `istio`).
    pub pod_labels: Option<BTreeMap<String, String>>,
    /// Environment of the `istio-proxy` container.
    pub env: Option<Vec<EnvVar>>,
    /// The Deployment's `maxSurge` (default `100%`).
    pub rolling_max_surge: Option<IntOrString>,
    /// The Deployment's `maxUnavailable` (default `25%`).
    pub rolling_max_unavailable: Option<IntOrString>,
    /// Run the proxy as root (uid 0) instead of Istio's proxy user 1337.
    pub run_as_root: Option<bool>,
    /// Run the pods in the host network; every container port becomes a host port.
    pub host_network: Option<bool>,
    /// The pods' DNS policy (default `ClusterFirst`).
    pub dns_policy: Option<String>,
    /// ConfigMaps mounted into the proxy container.
    pub config_volumes: Option<Vec<ConfigVolume>>,
    /// Secrets mounted into the proxy container.
    pub secret_volumes: Option<Vec<SecretVolume>>,
}

/// An HPA resource target (`cpu:` / `memory:` of the spec).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UtilizationTarget {
    /// Target average utilization in percent of the request; must be > 0.
    pub target_average_utilization: i32,
}

/// The SDS container settings.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SdsSpec {
    /// Add the `ingress-sds` container (default false).
    #[serde(default)]
    pub enabled: bool,
    /// Its resources (default [`default_sds_resources`]).
    pub resources: Option<ResourceRequirements>,
}

/// One gateway port: a Service port and a container port.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GatewayPort {
    /// Port name (required when there is more than one port).
    pub name: Option<String>,
    /// The Service port.
    pub port: i32,
    /// The container port; `port` when absent or 0.
    pub target_port: Option<i32>,
    /// `TCP` (default), `UDP`, `SCTP`, or an Istio protocol (`HTTP`, `HTTP2`,
    /// `HTTPS`, `GRPC`, `GRPC-Web`, `TLS`, `Mongo`, `MySQL`, `Redis`), which is TCP
    /// on the wire. Case-insensitive.
    pub protocol: Option<String>,
}

/// A ConfigMap mounted into the proxy container.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConfigVolume {
    /// Volume name.
    pub name: String,
    /// The ConfigMap.
    pub config_map_name: String,
    /// Where it is mounted.
    pub mount_path: String,
}

/// A Secret mounted into the proxy container.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SecretVolume {
    /// Volume name.
    pub name: String,
    /// The Secret.
    pub secret_name: String,
    /// Where it is mounted.
    pub mount_path: String,
}

/// What the ASM controller creates for one gateway.
#[derive(Debug, Clone, PartialEq)]
pub struct Expansion {
    /// The Deployment `istio-NAME`.
    pub deployment: k8s_openapi::api::apps::v1::Deployment,
    /// The Service `istio-NAME`.
    pub service: k8s_openapi::api::core::v1::Service,
    /// The HPA `istio-NAME`, when `maxReplicas` (or `minReplicas`) is set.
    pub hpa: Option<k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler>,
    /// Replicas the scheduler places first: replicaCount (default 1), raised to
    /// minReplicas and capped at maxReplicas when an HPA exists.
    pub replicas: i32,
    /// Human-readable notes on what was derived (e.g. "HPA 2..5 on cpu 80%",
    /// "replicas raised from 1 to minReplicas 2").
    pub notes: Vec<String>,
}

/// The proxy container's resources when the gateway gives none: the ASM
/// documentation's example, requests cpu `200m` / memory `256Mi`, limits cpu
/// `2` / memory `2G`.
pub fn default_proxy_resources() -> ResourceRequirements {
    resources(("200m", "256Mi"), ("2", "2G"))
}

/// The SDS container's resources when `sds.resources` is absent: requests
/// `100m` / `128Mi`, limits `2000m` / `1024Mi`.
pub fn default_sds_resources() -> ResourceRequirements {
    resources(("100m", "128Mi"), ("2000m", "1024Mi"))
}

fn resources(requests: (&str, &str), limits: (&str, &str)) -> ResourceRequirements {
    let pair = |(cpu, memory): (&str, &str)| {
        BTreeMap::from([
            ("cpu".to_string(), Quantity(cpu.to_string())),
            ("memory".to_string(), Quantity(memory.to_string())),
        ])
    };
    ResourceRequirements {
        requests: Some(pair(requests)),
        limits: Some(pair(limits)),
        ..ResourceRequirements::default()
    }
}

/// `ingress` or `egress`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum GatewayType {
    Ingress,
    Egress,
}

impl GatewayType {
    fn as_str(self) -> &'static str {
        match self {
            GatewayType::Ingress => "ingress",
            GatewayType::Egress => "egress",
        }
    }
}

/// Builds errors attributed to `istiogateway/NAME`.
struct Ctx {
    object: String,
}

impl Ctx {
    fn err(&self, field: impl Into<String>, message: impl Into<String>) -> FieldError {
        FieldError::new(&self.object, field, message)
    }
}

/// The HPA bounds and targets.
struct Autoscaling {
    min: i32,
    max: i32,
    cpu: Option<i32>,
    memory: Option<i32>,
}

/// Expands a gateway into the Deployment, Service and HPA that ASM creates.
///
/// `proxy_image` is the `istio-proxy` image (the mesh's proxy version); it only
/// matters for ImageLocality. Errors name the object (`istiogateway/NAME`) and
/// the field (`spec.maxReplicas`, ...).
pub fn expand(gateway: &IstioGateway, proxy_image: &str) -> Result<Expansion, FieldError> {
    let raw_name = gateway.metadata.name.as_deref().unwrap_or("");
    let ctx = Ctx {
        object: if raw_name.is_empty() {
            "istiogateway".to_string()
        } else {
            format!("istiogateway/{raw_name}")
        },
    };
    check_name(&ctx, raw_name)?;
    let spec = &gateway.spec;
    let mut notes = Vec::new();

    let name = format!("istio-{raw_name}");
    let namespace = gateway
        .metadata
        .namespace
        .as_deref()
        .filter(|ns| !ns.is_empty())
        .unwrap_or(DEFAULT_NAMESPACE)
        .to_string();
    let gateway_type = match spec.gateway_type.as_deref() {
        None | Some("ingress") => GatewayType::Ingress,
        Some("egress") => GatewayType::Egress,
        Some(other) => {
            return Err(ctx.err(
                "spec.gatewayType",
                format!("\"{other}\" is not one of \"ingress\", \"egress\""),
            ));
        }
    };

    // Labels: the object labels, the selector, and the pod labels.
    let istio_label = format!("{}gateway", gateway_type.as_str());
    let selector = BTreeMap::from([
        ("app".to_string(), name.clone()),
        ("istio".to_string(), istio_label),
    ]);
    let mut object_labels = selector.clone();
    object_labels.insert("asm-system".to_string(), "true".to_string());
    object_labels.insert("provider".to_string(), "asm".to_string());
    object_labels.insert("asm-gateway-name".to_string(), name.clone());
    object_labels.insert(
        "gateway-type".to_string(),
        gateway_type.as_str().to_string(),
    );
    let pod_labels = pod_labels(&ctx, spec, &selector, &object_labels, &mut notes)?;
    let pod_annotations = pod_annotations(spec, &mut notes);

    // Replicas and autoscaling.
    let replica_count = spec.replica_count.unwrap_or(1);
    if replica_count < 0 {
        return Err(ctx.err(
            "spec.replicaCount",
            format!("must not be negative, got {replica_count}"),
        ));
    }
    let autoscaling = autoscaling(&ctx, spec, &mut notes)?;
    let replicas = initial_replicas(spec, replica_count, autoscaling.as_ref(), &mut notes);
    let managed_by_asm = gateway
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(REPLICAS_MANAGED_BY_ASM));
    if managed_by_asm.map(String::as_str) == Some("false") {
        let manager = if autoscaling.is_some() {
            "the HPA"
        } else {
            "the user"
        };
        notes.push(format!(
            "{REPLICAS_MANAGED_BY_ASM} is \"false\": ASM sets the initial {replicas} \
             replica(s) only; afterwards replicas are managed by {manager}"
        ));
    }

    // Rolling update.
    let max_surge = rolling_value(
        &ctx,
        "spec.rollingMaxSurge",
        spec.rolling_max_surge.as_ref(),
        "100%",
        false,
    )?;
    let max_unavailable = rolling_value(
        &ctx,
        "spec.rollingMaxUnavailable",
        spec.rolling_max_unavailable.as_ref(),
        "25%",
        true,
    )?;
    if is_zero(&max_surge) && is_zero(&max_unavailable) {
        return Err(ctx.err(
            "spec.rollingMaxUnavailable",
            "may not be 0 when rollingMaxSurge is 0",
        ));
    }

    // Ports.
    let host_network = spec.host_network.unwrap_or(false);
    let (service_ports, mut proxy_ports) = ports(&ctx, spec, &mut notes)?;
    if host_network {
        for port in &mut proxy_ports {
            port.host_port = Some(port.container_port);
        }
        notes.push(
            "hostNetwork: every container port is also a host port (NodePorts filter)".to_string(),
        );
    }

    // Containers and volumes.
    let (volumes, mounts) = volumes(&ctx, spec)?;
    let run_as_root = spec.run_as_root.unwrap_or(false);
    let uid = if run_as_root { 0 } else { 1337 };
    let proxy_resources = match &spec.resources {
        Some(r) => r.clone(),
        None => {
            notes.push(
                "resources not set: requests cpu 200m, memory 256Mi; limits cpu 2, memory 2G \
                 (the ASM docs' example)"
                    .to_string(),
            );
            default_proxy_resources()
        }
    };
    let mut containers = vec![Container {
        name: PROXY_CONTAINER.to_string(),
        image: Some(proxy_image.to_string()),
        resources: Some(proxy_resources),
        ports: Some(proxy_ports),
        env: spec.env.clone(),
        volume_mounts: (!mounts.is_empty()).then_some(mounts),
        security_context: Some(SecurityContext {
            run_as_user: Some(uid),
            run_as_group: Some(uid),
            run_as_non_root: Some(!run_as_root),
            ..SecurityContext::default()
        }),
        ..Container::default()
    }];
    match &spec.sds {
        Some(sds) if sds.enabled => {
            containers.push(Container {
                name: SDS_CONTAINER.to_string(),
                image: Some(SDS_IMAGE.to_string()),
                resources: Some(sds.resources.clone().unwrap_or_else(default_sds_resources)),
                ..Container::default()
            });
            notes.push(format!("sds enabled: second container {SDS_CONTAINER}"));
        }
        Some(sds) if sds.resources.is_some() => {
            notes.push("sds.resources ignored: sds is not enabled".to_string());
        }
        _ => {}
    }

    let dns_policy = match spec.dns_policy.as_deref() {
        None => "ClusterFirst",
        Some(p @ ("ClusterFirst" | "ClusterFirstWithHostNet" | "Default")) => p,
        Some("None") => {
            return Err(ctx.err(
                "spec.dnsPolicy",
                "\"None\" requires a dnsConfig, which an IstioGateway cannot set",
            ));
        }
        Some(other) => {
            return Err(ctx.err(
                "spec.dnsPolicy",
                format!(
                    "\"{other}\" is not one of \"ClusterFirst\", \"ClusterFirstWithHostNet\", \
                     \"Default\""
                ),
            ));
        }
    };

    let pod_spec = PodSpec {
        containers,
        affinity: spec.affinity.clone(),
        tolerations: spec.tolerations.clone(),
        node_selector: spec.node_selector.clone(),
        service_account_name: Some(format!("{name}-service-account")),
        dns_policy: Some(dns_policy.to_string()),
        host_network: host_network.then_some(true),
        termination_grace_period_seconds: Some(30),
        restart_policy: Some("Always".to_string()),
        scheduler_name: Some("default-scheduler".to_string()),
        volumes: (!volumes.is_empty()).then_some(volumes),
        ..PodSpec::default()
    };

    let object_meta = |annotations: Option<BTreeMap<String, String>>| ObjectMeta {
        name: Some(name.clone()),
        namespace: Some(namespace.clone()),
        labels: Some(object_labels.clone()),
        annotations,
        ..ObjectMeta::default()
    };

    let deployment_annotations =
        managed_by_asm.map(|v| BTreeMap::from([(REPLICAS_MANAGED_BY_ASM.to_string(), v.clone())]));
    let deployment = Deployment {
        metadata: object_meta(deployment_annotations),
        spec: Some(DeploymentSpec {
            replicas: Some(replicas),
            selector: LabelSelector {
                match_labels: Some(selector.clone()),
                ..LabelSelector::default()
            },
            strategy: Some(DeploymentStrategy {
                type_: Some("RollingUpdate".to_string()),
                rolling_update: Some(RollingUpdateDeployment {
                    max_surge: Some(max_surge),
                    max_unavailable: Some(max_unavailable),
                }),
            }),
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(pod_labels),
                    annotations: Some(pod_annotations),
                    ..ObjectMeta::default()
                }),
                spec: Some(pod_spec),
            },
            ..DeploymentSpec::default()
        }),
        status: None,
    };

    let (service_type, traffic_policy) = service_type(&ctx, spec)?;
    let service = Service {
        metadata: object_meta(spec.service_annotations.clone()),
        spec: Some(ServiceSpec {
            type_: Some(service_type.to_string()),
            external_traffic_policy: traffic_policy.map(str::to_string),
            ports: Some(service_ports),
            selector: Some(selector),
            ..ServiceSpec::default()
        }),
        status: None,
    };

    let hpa = autoscaling.map(|a| HorizontalPodAutoscaler {
        metadata: object_meta(None),
        spec: Some(HorizontalPodAutoscalerSpec {
            scale_target_ref: CrossVersionObjectReference {
                api_version: Some("apps/v1".to_string()),
                kind: "Deployment".to_string(),
                name: name.clone(),
            },
            min_replicas: Some(a.min),
            max_replicas: a.max,
            metrics: Some(
                [("cpu", a.cpu), ("memory", a.memory)]
                    .into_iter()
                    .filter_map(|(resource, target)| {
                        target.map(|t| utilization_metric(resource, t))
                    })
                    .collect(),
            ),
            behavior: None,
        }),
        status: None,
    });

    Ok(Expansion {
        deployment,
        service,
        hpa,
        replicas,
        notes,
    })
}

/// The gateway name must make `istio-NAME` a valid DNS label (Service name and
/// label value: at most 63 characters).
fn check_name(ctx: &Ctx, name: &str) -> Result<(), FieldError> {
    if name.is_empty() {
        return Err(ctx.err("metadata.name", "required"));
    }
    let valid_chars = name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    let alnum = |b: Option<u8>| b.is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    if !valid_chars || !alnum(name.bytes().next()) || !alnum(name.bytes().last()) {
        return Err(ctx.err(
            "metadata.name",
            format!(
                "\"{name}\" is not a DNS label (lower-case letters, digits and '-', \
                 starting and ending with a letter or digit)"
            ),
        ));
    }
    let full = "istio-".len() + name.len();
    if full > 63 {
        return Err(ctx.err(
            "metadata.name",
            format!("\"istio-{name}\" is {full} characters; at most 63 are allowed"),
        ));
    }
    Ok(())
}

/// Base pod labels plus `podLabels`; `app` and `istio` may not change.
fn pod_labels(
    ctx: &Ctx,
    spec: &IstioGatewaySpec,
    selector: &BTreeMap<String, String>,
    base: &BTreeMap<String, String>,
    notes: &mut Vec<String>,
) -> Result<BTreeMap<String, String>, FieldError> {
    let mut labels = base.clone();
    for (key, value) in spec.pod_labels.iter().flatten() {
        if let Some(fixed) = selector.get(key) {
            if fixed != value {
                return Err(ctx.err(
                    format!("spec.podLabels.{key}"),
                    format!(
                        "may not override the selector label {key}=\"{fixed}\" (got \"{value}\")"
                    ),
                ));
            }
            continue;
        }
        if let Some(old) = labels.insert(key.clone(), value.clone())
            && &old != value
        {
            notes.push(format!(
                "podLabels sets {key}=\"{value}\" over ASM's \"{old}\""
            ));
        }
    }
    Ok(labels)
}

/// `podAnnotations` plus `sidecar.istio.io/inject: "false"`.
fn pod_annotations(spec: &IstioGatewaySpec, notes: &mut Vec<String>) -> BTreeMap<String, String> {
    let mut annotations = spec.pod_annotations.clone().unwrap_or_default();
    if let Some(old) = annotations.insert(INJECT_ANNOTATION.to_string(), "false".to_string())
        && old != "false"
    {
        notes.push(format!(
            "podAnnotations {INJECT_ANNOTATION}=\"{old}\" replaced by \"false\": \
             a gateway is the proxy and is never injected"
        ));
    }
    annotations
}

/// The HPA, when `maxReplicas` or `minReplicas` is set.
fn autoscaling(
    ctx: &Ctx,
    spec: &IstioGatewaySpec,
    notes: &mut Vec<String>,
) -> Result<Option<Autoscaling>, FieldError> {
    let target = |field: &str, t: &Option<UtilizationTarget>| -> Result<Option<i32>, FieldError> {
        match t {
            None => Ok(None),
            Some(t) if t.target_average_utilization > 0 => Ok(Some(t.target_average_utilization)),
            Some(t) => Err(ctx.err(
                format!("spec.{field}.targetAverageUtilization"),
                format!("must be above 0, got {}", t.target_average_utilization),
            )),
        }
    };
    let cpu = target("cpu", &spec.cpu)?;
    let memory = target("memory", &spec.memory)?;
    let (min, max) = match (spec.min_replicas, spec.max_replicas) {
        (None, None) => {
            if cpu.is_some() || memory.is_some() {
                notes.push(
                    "cpu/memory utilization targets ignored: no HPA without maxReplicas"
                        .to_string(),
                );
            }
            return Ok(None);
        }
        (Some(_), None) => {
            return Err(ctx.err("spec.maxReplicas", "required when minReplicas is set"));
        }
        (min, Some(max)) => (min.unwrap_or(1), max),
    };
    if min < 1 {
        return Err(ctx.err("spec.minReplicas", format!("must be at least 1, got {min}")));
    }
    if max < min {
        return Err(ctx.err(
            "spec.maxReplicas",
            format!("{max} is below minReplicas {min}"),
        ));
    }
    let (cpu, default_note) = if cpu.is_none() && memory.is_none() {
        (Some(DEFAULT_CPU_UTILIZATION), " (default target)")
    } else {
        (cpu, "")
    };
    let targets: Vec<String> = [("cpu", cpu), ("memory", memory)]
        .into_iter()
        .filter_map(|(r, t)| t.map(|t| format!("{r} {t}%")))
        .collect();
    notes.push(format!(
        "HPA {min}..{max} on {}{default_note}",
        targets.join(", ")
    ));
    Ok(Some(Autoscaling {
        min,
        max,
        cpu,
        memory,
    }))
}

/// The Deployment's initial replica count.
fn initial_replicas(
    spec: &IstioGatewaySpec,
    replica_count: i32,
    autoscaling: Option<&Autoscaling>,
    notes: &mut Vec<String>,
) -> i32 {
    let Some(a) = autoscaling else {
        return replica_count;
    };
    if spec.replica_count == Some(0) {
        // The HPA controller leaves a target at 0 replicas alone ("scaling is
        // disabled since the replica count of the target is zero").
        notes.push("replicaCount 0: the HPA does not scale a Deployment at 0 replicas".to_string());
        return 0;
    }
    if replica_count < a.min {
        notes.push(format!(
            "replicas raised from {replica_count} to minReplicas {}",
            a.min
        ));
        a.min
    } else if replica_count > a.max {
        notes.push(format!(
            "replicas capped from {replica_count} to maxReplicas {}",
            a.max
        ));
        a.max
    } else {
        replica_count
    }
}

/// A rolling-update bound: a non-negative integer or a percentage (`"25%"`).
fn rolling_value(
    ctx: &Ctx,
    field: &str,
    value: Option<&IntOrString>,
    default: &str,
    at_most_100_percent: bool,
) -> Result<IntOrString, FieldError> {
    let Some(value) = value else {
        return Ok(IntOrString::String(default.to_string()));
    };
    match value {
        IntOrString::Int(n) if *n < 0 => {
            Err(ctx.err(field, format!("must not be negative, got {n}")))
        }
        IntOrString::Int(_) => Ok(value.clone()),
        IntOrString::String(s) => {
            let percent = s
                .strip_suffix('%')
                .filter(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
                .map(|digits| digits.parse::<u64>());
            match percent {
                Some(Ok(p)) if at_most_100_percent && p > 100 => {
                    Err(ctx.err(field, format!("\"{s}\" is above 100%")))
                }
                Some(Ok(_)) => Ok(value.clone()),
                _ => Err(ctx.err(
                    field,
                    format!("\"{s}\" is neither an integer nor a percentage like \"25%\""),
                )),
            }
        }
    }
}

fn is_zero(value: &IntOrString) -> bool {
    match value {
        IntOrString::Int(n) => *n == 0,
        IntOrString::String(s) => s
            .strip_suffix('%')
            .is_some_and(|d| d.bytes().all(|b| b == b'0')),
    }
}

/// The Kubernetes protocol of a gateway port's protocol.
fn wire_protocol(protocol: Option<&str>) -> Option<&'static str> {
    let Some(protocol) = protocol else {
        return Some("TCP");
    };
    match protocol.to_ascii_uppercase().as_str() {
        "TCP" | "HTTP" | "HTTP2" | "HTTPS" | "GRPC" | "GRPC-WEB" | "TLS" | "MONGO" | "MYSQL"
        | "REDIS" => Some("TCP"),
        "UDP" => Some("UDP"),
        "SCTP" => Some("SCTP"),
        _ => None,
    }
}

/// Service ports and the proxy container's ports.
fn ports(
    ctx: &Ctx,
    spec: &IstioGatewaySpec,
    notes: &mut Vec<String>,
) -> Result<(Vec<ServicePort>, Vec<ContainerPort>), FieldError> {
    let defaults;
    let ports: &[GatewayPort] = match &spec.ports {
        Some(ports) => ports,
        None => {
            defaults = [("http2", 80), ("https", 443)].map(|(name, port)| GatewayPort {
                name: Some(name.to_string()),
                port,
                target_port: None,
                protocol: None,
            });
            notes.push("ports not set: http2 80 and https 443".to_string());
            &defaults
        }
    };
    if ports.is_empty() {
        return Err(ctx.err("spec.ports", "at least one port is required"));
    }
    let mut service_ports = Vec::with_capacity(ports.len());
    let mut container_ports: Vec<ContainerPort> = Vec::with_capacity(ports.len() + 2);
    let mut seen_ports = BTreeMap::new();
    let mut seen_names = BTreeMap::new();
    for (i, p) in ports.iter().enumerate() {
        let field = format!("spec.ports[{i}]");
        if !(1..=65535).contains(&p.port) {
            return Err(ctx.err(
                format!("{field}.port"),
                format!("{} is not a port number (1..65535)", p.port),
            ));
        }
        let target = match p.target_port {
            None | Some(0) => p.port,
            Some(t) if (1..=65535).contains(&t) => t,
            Some(t) => {
                return Err(ctx.err(
                    format!("{field}.targetPort"),
                    format!("{t} is not a port number (1..65535)"),
                ));
            }
        };
        let Some(protocol) = wire_protocol(p.protocol.as_deref()) else {
            return Err(ctx.err(
                format!("{field}.protocol"),
                format!(
                    "\"{}\" is not TCP, UDP, SCTP or an Istio protocol (HTTP, HTTP2, HTTPS, \
                     GRPC, GRPC-Web, TLS, Mongo, MySQL, Redis)",
                    p.protocol.as_deref().unwrap_or_default()
                ),
            ));
        };
        if let Some(j) = seen_ports.insert((p.port, protocol), i) {
            return Err(ctx.err(
                format!("{field}.port"),
                format!(
                    "duplicate port {}/{protocol} (also spec.ports[{j}])",
                    p.port
                ),
            ));
        }
        match p.name.as_deref().filter(|n| !n.is_empty()) {
            Some(name) => {
                if let Some(j) = seen_names.insert(name, i) {
                    return Err(ctx.err(
                        format!("{field}.name"),
                        format!("duplicate name \"{name}\" (also spec.ports[{j}])"),
                    ));
                }
            }
            None if ports.len() > 1 => {
                return Err(ctx.err(
                    format!("{field}.name"),
                    "required when there is more than one port",
                ));
            }
            None => {}
        }
        service_ports.push(ServicePort {
            name: p.name.clone().filter(|n| !n.is_empty()),
            port: p.port,
            target_port: Some(IntOrString::Int(target)),
            protocol: Some(protocol.to_string()),
            ..ServicePort::default()
        });
        let listed = container_ports
            .iter()
            .any(|c| c.container_port == target && c.protocol.as_deref() == Some(protocol));
        if !listed {
            container_ports.push(ContainerPort {
                container_port: target,
                name: p.name.clone().filter(|n| !n.is_empty()),
                protocol: Some(protocol.to_string()),
                ..ContainerPort::default()
            });
        }
    }
    for (port, name) in [STATUS_PORT, PROM_PORT] {
        let listed = container_ports
            .iter()
            .any(|c| c.container_port == port && c.protocol.as_deref() == Some("TCP"));
        if listed {
            continue;
        }
        let name_taken = container_ports
            .iter()
            .any(|c| c.name.as_deref() == Some(name));
        container_ports.push(ContainerPort {
            container_port: port,
            name: (!name_taken).then(|| name.to_string()),
            protocol: Some("TCP".to_string()),
            ..ContainerPort::default()
        });
    }
    Ok((service_ports, container_ports))
}

/// ConfigMap and Secret volumes, and their mounts in the proxy container.
fn volumes(
    ctx: &Ctx,
    spec: &IstioGatewaySpec,
) -> Result<(Vec<Volume>, Vec<VolumeMount>), FieldError> {
    let mut volumes = Vec::new();
    let mut mounts = Vec::new();
    let mut names = BTreeSet::new();
    let mut add = |field: String, name: &str, mount_path: &str, volume: Volume| {
        if name.is_empty() {
            return Err(ctx.err(format!("{field}.name"), "required"));
        }
        if mount_path.is_empty() {
            return Err(ctx.err(format!("{field}.mountPath"), "required"));
        }
        if !names.insert(name.to_string()) {
            return Err(ctx.err(
                format!("{field}.name"),
                format!("duplicate volume name \"{name}\""),
            ));
        }
        volumes.push(volume);
        mounts.push(VolumeMount {
            name: name.to_string(),
            mount_path: mount_path.to_string(),
            read_only: Some(true),
            ..VolumeMount::default()
        });
        Ok(())
    };
    for (i, v) in spec.config_volumes.iter().flatten().enumerate() {
        add(
            format!("spec.configVolumes[{i}]"),
            &v.name,
            &v.mount_path,
            Volume {
                name: v.name.clone(),
                config_map: Some(ConfigMapVolumeSource {
                    name: v.config_map_name.clone(),
                    ..ConfigMapVolumeSource::default()
                }),
                ..Volume::default()
            },
        )?;
    }
    for (i, v) in spec.secret_volumes.iter().flatten().enumerate() {
        add(
            format!("spec.secretVolumes[{i}]"),
            &v.name,
            &v.mount_path,
            Volume {
                name: v.name.clone(),
                secret: Some(SecretVolumeSource {
                    secret_name: Some(v.secret_name.clone()),
                    ..SecretVolumeSource::default()
                }),
                ..Volume::default()
            },
        )?;
    }
    Ok((volumes, mounts))
}

/// The Service type and its external traffic policy.
fn service_type(
    ctx: &Ctx,
    spec: &IstioGatewaySpec,
) -> Result<(&'static str, Option<&'static str>), FieldError> {
    let service_type = match spec.service_type.as_deref() {
        None | Some("LoadBalancer") => "LoadBalancer",
        Some("NodePort" | "Nodeport") => "NodePort",
        Some("ClusterIP") => "ClusterIP",
        Some(other) => {
            return Err(ctx.err(
                "spec.serviceType",
                format!("\"{other}\" is not one of \"LoadBalancer\", \"NodePort\", \"ClusterIP\""),
            ));
        }
    };
    let policy = match spec.external_traffic_policy.as_deref() {
        None | Some("Cluster") => "Cluster",
        Some("Local") => "Local",
        Some(other) => {
            return Err(ctx.err(
                "spec.externalTrafficPolicy",
                format!("\"{other}\" is not one of \"Cluster\", \"Local\""),
            ));
        }
    };
    if service_type == "ClusterIP" {
        if policy == "Local" {
            return Err(ctx.err(
                "spec.externalTrafficPolicy",
                "\"Local\" is only allowed for serviceType LoadBalancer or NodePort",
            ));
        }
        return Ok((service_type, None));
    }
    Ok((service_type, Some(policy)))
}

fn utilization_metric(resource: &str, utilization: i32) -> MetricSpec {
    MetricSpec {
        type_: "Resource".to_string(),
        resource: Some(ResourceMetricSource {
            name: resource.to_string(),
            target: MetricTarget {
                type_: "Utilization".to_string(),
                average_utilization: Some(utilization),
                ..MetricTarget::default()
            },
        }),
        ..MetricSpec::default()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    const IMAGE: &str =
        "registry-cn-hangzhou.ack.aliyuncs.com/acs/proxyv2:1.22.6.28-g1e5a8f4e-aliyun";

    const EXAMPLE: &str = r#"
apiVersion: istio.alibabacloud.com/v1beta1
kind: IstioGateway
metadata:
  name: ingressgateway-1
  namespace: istio-system
  annotations:
    asm.alibabacloud.com/replicas-managed-by-asm: "false"
spec:
  clusterIds: ["c1234"]
  gatewayType: ingress
  replicaCount: 2
  minReplicas: 2
  maxReplicas: 5
  cpu: {targetAverageUtilization: 80}
  memory: {targetAverageUtilization: 70}
  resources: {requests: {cpu: 200m, memory: 256Mi}, limits: {cpu: "2", memory: 2G}}
  sds: {enabled: true, resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {cpu: 2000m, memory: 1024Mi}}}
  ports:
  - {name: status-port, port: 15020, targetPort: 15020}
  - {name: http2, port: 80, targetPort: 80, protocol: TCP}
  - {name: https, port: 443, targetPort: 443}
  serviceType: LoadBalancer
  serviceAnnotations: {service.beta.kubernetes.io/alibaba-cloud-loadbalancer-id: lb-xxx}
  externalTrafficPolicy: Local
  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms:
        - matchExpressions: [{key: mykey4pod, operator: In, values: [asmgateway]}]
        - matchExpressions: [{key: type, operator: In, values: [virtual-kubelet]}]
  tolerations:
  - {key: mykey, operator: Equal, value: myvalue, effect: NoSchedule}
  - {key: virtual-kubelet.io/provider, operator: Equal, value: alibabacloud, effect: NoSchedule}
  nodeSelector: {k: v}
  podAnnotations: {pa: pv}
  podLabels: {pl: lv}
  env: [{name: A, value: b}]
  rollingMaxSurge: 100%
  rollingMaxUnavailable: 25%
  runAsRoot: false
  hostNetwork: false
  dnsPolicy: ClusterFirst
  configVolumes: [{name: cfg, configMapName: my-config, mountPath: /etc/cfg}]
  secretVolumes: [{name: certs, secretName: my-certs, mountPath: /etc/certs}]
"#;

    fn decode(yaml: &str) -> IstioGateway {
        serde_yaml_ng::from_str(yaml).unwrap()
    }

    fn decode_err(yaml: &str) -> String {
        serde_yaml_ng::from_str::<IstioGateway>(yaml)
            .unwrap_err()
            .to_string()
    }

    /// A minimal gateway named `gw` with the given spec lines (indented 2).
    fn minimal(spec: &str) -> IstioGateway {
        decode(&format!(
            "apiVersion: istio.alibabacloud.com/v1beta1\nkind: IstioGateway\n\
             metadata: {{name: gw}}\nspec:\n{spec}\n"
        ))
    }

    fn expand_err(spec: &str) -> FieldError {
        expand(&minimal(spec), IMAGE).unwrap_err()
    }

    fn pod_spec(e: &Expansion) -> &PodSpec {
        e.deployment
            .spec
            .as_ref()
            .unwrap()
            .template
            .spec
            .as_ref()
            .unwrap()
    }

    fn pod_meta(e: &Expansion) -> &ObjectMeta {
        e.deployment
            .spec
            .as_ref()
            .unwrap()
            .template
            .metadata
            .as_ref()
            .unwrap()
    }

    fn container<'a>(e: &'a Expansion, name: &str) -> Option<&'a Container> {
        pod_spec(e).containers.iter().find(|c| c.name == name)
    }

    fn quantities(r: &Option<BTreeMap<String, Quantity>>) -> Vec<(String, String)> {
        r.iter()
            .flatten()
            .map(|(k, v)| (k.clone(), v.0.clone()))
            .collect()
    }

    fn pairs(m: &[(&str, &str)]) -> Vec<(String, String)> {
        m.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn labels(m: &Option<BTreeMap<String, String>>) -> Vec<(String, String)> {
        m.iter()
            .flatten()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    fn proxy_ports(e: &Expansion) -> Vec<(i32, Option<String>, Option<i32>)> {
        container(e, PROXY_CONTAINER)
            .unwrap()
            .ports
            .iter()
            .flatten()
            .map(|p| (p.container_port, p.name.clone(), p.host_port))
            .collect()
    }

    #[test]
    fn example_names_namespace_and_kinds() {
        let e = expand(&decode(EXAMPLE), IMAGE).unwrap();
        assert_eq!(
            e.deployment.metadata.name.as_deref(),
            Some("istio-ingressgateway-1")
        );
        assert_eq!(
            e.deployment.metadata.namespace.as_deref(),
            Some("istio-system")
        );
        assert_eq!(
            e.service.metadata.name.as_deref(),
            Some("istio-ingressgateway-1")
        );
        assert_eq!(
            e.service.metadata.namespace.as_deref(),
            Some("istio-system")
        );
        let hpa = e.hpa.as_ref().unwrap();
        assert_eq!(hpa.metadata.name.as_deref(), Some("istio-ingressgateway-1"));
        let target = &hpa.spec.as_ref().unwrap().scale_target_ref;
        assert_eq!(target.kind, "Deployment");
        assert_eq!(target.name, "istio-ingressgateway-1");
        assert_eq!(target.api_version.as_deref(), Some("apps/v1"));
        assert_eq!(
            pod_spec(&e).service_account_name.as_deref(),
            Some("istio-ingressgateway-1-service-account")
        );
    }

    #[test]
    fn namespace_defaults_to_istio_system() {
        let mut g = minimal("  {}");
        g.metadata.namespace = None;
        let e = expand(&g, IMAGE).unwrap();
        assert_eq!(
            e.deployment.metadata.namespace.as_deref(),
            Some(DEFAULT_NAMESPACE)
        );
        g.metadata.namespace = Some("mesh".to_string());
        let e = expand(&g, IMAGE).unwrap();
        assert_eq!(e.service.metadata.namespace.as_deref(), Some("mesh"));
    }

    #[test]
    fn labels_selector_and_annotations() {
        let e = expand(&decode(EXAMPLE), IMAGE).unwrap();
        let selector = pairs(&[
            ("app", "istio-ingressgateway-1"),
            ("istio", "ingressgateway"),
        ]);
        let spec = e.deployment.spec.as_ref().unwrap();
        assert_eq!(labels(&spec.selector.match_labels), selector);
        assert_eq!(spec.selector.match_expressions, None);
        let svc = e.service.spec.as_ref().unwrap();
        assert_eq!(labels(&svc.selector), selector);
        assert_eq!(
            labels(&pod_meta(&e).labels),
            pairs(&[
                ("app", "istio-ingressgateway-1"),
                ("asm-gateway-name", "istio-ingressgateway-1"),
                ("asm-system", "true"),
                ("gateway-type", "ingress"),
                ("istio", "ingressgateway"),
                ("pl", "lv"),
                ("provider", "asm"),
            ])
        );
        assert_eq!(
            labels(&pod_meta(&e).annotations),
            pairs(&[("pa", "pv"), ("sidecar.istio.io/inject", "false")])
        );
        assert_eq!(
            labels(&e.deployment.metadata.annotations),
            pairs(&[(REPLICAS_MANAGED_BY_ASM, "false")])
        );
        assert!(
            e.notes.iter().any(|n| n.contains("managed by the HPA")),
            "{:?}",
            e.notes
        );
    }

    /// The pod template's labels are those of the gateway pod in the golden
    /// seed scenario, minus `pod-template-hash` (added by the ReplicaSet step).
    #[test]
    fn labels_match_the_golden_seed_pod() {
        let scenario: serde_json::Value = serde_json::from_str(include_str!(
            "../../../../fixtures/golden/scenarios/001-asm-seed-single-replica.json"
        ))
        .unwrap();
        let mut want: BTreeMap<String, String> =
            serde_json::from_value(scenario["incoming"][0]["metadata"]["labels"].clone()).unwrap();
        assert!(want.remove("pod-template-hash").is_some());
        let e = expand(&minimal("  {}").with_name("ingressgateway-1"), IMAGE).unwrap();
        assert_eq!(pod_meta(&e).labels.as_ref(), Some(&want));
    }

    impl IstioGateway {
        fn with_name(mut self, name: &str) -> IstioGateway {
            self.metadata.name = Some(name.to_string());
            self
        }
    }

    #[test]
    fn egress_gateway_labels() {
        let e = expand(&minimal("  gatewayType: egress"), IMAGE).unwrap();
        let l = pod_meta(&e).labels.as_ref().unwrap();
        assert_eq!(l.get("istio").map(String::as_str), Some("egressgateway"));
        assert_eq!(l.get("gateway-type").map(String::as_str), Some("egress"));
        let svc = e.service.spec.as_ref().unwrap();
        assert_eq!(
            svc.selector
                .as_ref()
                .unwrap()
                .get("istio")
                .map(String::as_str),
            Some("egressgateway")
        );
    }

    #[test]
    fn pod_labels_may_repeat_but_not_change_app() {
        let e = expand(
            &minimal("  podLabels: {app: istio-gw, provider: me}"),
            IMAGE,
        )
        .unwrap();
        let l = pod_meta(&e).labels.as_ref().unwrap();
        assert_eq!(l.get("app").map(String::as_str), Some("istio-gw"));
        assert_eq!(l.get("provider").map(String::as_str), Some("me"));
        assert!(
            e.notes.iter().any(|n| n.contains("provider")),
            "{:?}",
            e.notes
        );

        let err = expand_err("  podLabels: {app: other}");
        assert_eq!(err.field, "spec.podLabels.app");
        assert_eq!(err.object, "istiogateway/gw");
        let err = expand_err("  podLabels: {istio: x}");
        assert_eq!(err.field, "spec.podLabels.istio");
    }

    #[test]
    fn inject_annotation_is_forced_off() {
        let e = expand(
            &minimal("  podAnnotations: {sidecar.istio.io/inject: \"true\"}"),
            IMAGE,
        )
        .unwrap();
        assert_eq!(
            pod_meta(&e)
                .annotations
                .as_ref()
                .unwrap()
                .get(INJECT_ANNOTATION)
                .map(String::as_str),
            Some("false")
        );
        assert!(e.notes.iter().any(|n| n.contains(INJECT_ANNOTATION)));
    }

    #[test]
    fn given_resources_and_sds_container() {
        let e = expand(&decode(EXAMPLE), IMAGE).unwrap();
        assert_eq!(pod_spec(&e).containers.len(), 2);
        let proxy = container(&e, PROXY_CONTAINER).unwrap();
        assert_eq!(proxy.image.as_deref(), Some(IMAGE));
        let r = proxy.resources.as_ref().unwrap();
        assert_eq!(
            quantities(&r.requests),
            pairs(&[("cpu", "200m"), ("memory", "256Mi")])
        );
        assert_eq!(
            quantities(&r.limits),
            pairs(&[("cpu", "2"), ("memory", "2G")])
        );
        let sds = container(&e, SDS_CONTAINER).unwrap();
        assert_eq!(sds.image.as_deref(), Some(SDS_IMAGE));
        let r = sds.resources.as_ref().unwrap();
        assert_eq!(
            quantities(&r.requests),
            pairs(&[("cpu", "100m"), ("memory", "128Mi")])
        );
        assert_eq!(
            quantities(&r.limits),
            pairs(&[("cpu", "2000m"), ("memory", "1024Mi")])
        );
    }

    #[test]
    fn given_resources_differ_from_defaults() {
        let e = expand(
            &minimal("  resources: {requests: {cpu: \"1\", memory: 1Gi}}\n  sds: {enabled: true}"),
            IMAGE,
        )
        .unwrap();
        let r = container(&e, PROXY_CONTAINER)
            .unwrap()
            .resources
            .as_ref()
            .unwrap();
        assert_eq!(
            quantities(&r.requests),
            pairs(&[("cpu", "1"), ("memory", "1Gi")])
        );
        assert_eq!(r.limits, None);
        let sds = container(&e, SDS_CONTAINER).unwrap();
        assert_eq!(sds.resources.as_ref(), Some(&default_sds_resources()));
    }

    #[test]
    fn defaults_of_an_empty_spec() {
        let e = expand(&minimal("  {}"), IMAGE).unwrap();
        assert_eq!(e.replicas, 1);
        assert_eq!(e.deployment.spec.as_ref().unwrap().replicas, Some(1));
        assert!(e.hpa.is_none());
        assert_eq!(pod_spec(&e).containers.len(), 1);
        assert!(container(&e, SDS_CONTAINER).is_none());
        let r = container(&e, PROXY_CONTAINER)
            .unwrap()
            .resources
            .as_ref()
            .unwrap();
        assert_eq!(
            quantities(&r.requests),
            pairs(&[("cpu", "200m"), ("memory", "256Mi")])
        );
        assert_eq!(
            quantities(&r.limits),
            pairs(&[("cpu", "2"), ("memory", "2G")])
        );
        let svc = e.service.spec.as_ref().unwrap();
        assert_eq!(svc.type_.as_deref(), Some("LoadBalancer"));
        assert_eq!(svc.external_traffic_policy.as_deref(), Some("Cluster"));
        let svc_ports: Vec<(i32, Option<String>)> = svc
            .ports
            .iter()
            .flatten()
            .map(|p| (p.port, p.name.clone()))
            .collect();
        assert_eq!(
            svc_ports,
            vec![
                (80, Some("http2".to_string())),
                (443, Some("https".to_string()))
            ]
        );
        assert_eq!(
            proxy_ports(&e),
            vec![
                (80, Some("http2".to_string()), None),
                (443, Some("https".to_string()), None),
                (15021, Some("status-port".to_string()), None),
                (15090, Some("http-envoy-prom".to_string()), None),
            ]
        );
        let p = pod_spec(&e);
        assert_eq!(p.dns_policy.as_deref(), Some("ClusterFirst"));
        assert_eq!(p.restart_policy.as_deref(), Some("Always"));
        assert_eq!(p.scheduler_name.as_deref(), Some("default-scheduler"));
        assert_eq!(p.termination_grace_period_seconds, Some(30));
        assert_eq!(p.host_network, None);
        assert_eq!(p.affinity, None);
        assert_eq!(p.volumes, None);
        let strategy = e
            .deployment
            .spec
            .as_ref()
            .unwrap()
            .strategy
            .as_ref()
            .unwrap();
        let ru = strategy.rolling_update.as_ref().unwrap();
        assert_eq!(ru.max_surge, Some(IntOrString::String("100%".to_string())));
        assert_eq!(
            ru.max_unavailable,
            Some(IntOrString::String("25%".to_string()))
        );
        assert_eq!(e.deployment.metadata.annotations, None);
    }

    #[test]
    fn example_ports_and_status_ports() {
        let e = expand(&decode(EXAMPLE), IMAGE).unwrap();
        // 15020 takes the name status-port, so 15021 is added unnamed.
        assert_eq!(
            proxy_ports(&e),
            vec![
                (15020, Some("status-port".to_string()), None),
                (80, Some("http2".to_string()), None),
                (443, Some("https".to_string()), None),
                (15021, None, None),
                (15090, Some("http-envoy-prom".to_string()), None),
            ]
        );
        let svc = e.service.spec.as_ref().unwrap();
        let ports: Vec<(i32, Option<IntOrString>, Option<String>)> = svc
            .ports
            .iter()
            .flatten()
            .map(|p| (p.port, p.target_port.clone(), p.protocol.clone()))
            .collect();
        let tcp = Some("TCP".to_string());
        assert_eq!(
            ports,
            vec![
                (15020, Some(IntOrString::Int(15020)), tcp.clone()),
                (80, Some(IntOrString::Int(80)), tcp.clone()),
                (443, Some(IntOrString::Int(443)), tcp),
            ]
        );
    }

    #[test]
    fn target_port_and_protocol_mapping() {
        let e = expand(
            &minimal(
                "  ports:\n  - {name: http2, port: 80, targetPort: 8080, protocol: HTTP2}\n  \
                 - {name: https, port: 443, targetPort: 0, protocol: HTTPS}\n  \
                 - {name: dns, port: 53, protocol: UDP}\n  \
                 - {name: status-port, port: 15021}",
            ),
            IMAGE,
        )
        .unwrap();
        let c: Vec<(i32, Option<String>)> = container(&e, PROXY_CONTAINER)
            .unwrap()
            .ports
            .iter()
            .flatten()
            .map(|p| (p.container_port, p.protocol.clone()))
            .collect();
        let tcp = || Some("TCP".to_string());
        assert_eq!(
            c,
            vec![
                (8080, tcp()),
                (443, tcp()),
                (53, Some("UDP".to_string())),
                (15021, tcp()),
                (15090, tcp()),
            ]
        );
        let svc = e.service.spec.as_ref().unwrap();
        let first = &svc.ports.as_ref().unwrap()[0];
        assert_eq!(first.target_port, Some(IntOrString::Int(8080)));
        assert_eq!(first.protocol.as_deref(), Some("TCP"));
    }

    #[test]
    fn host_network_sets_host_ports() {
        let e = expand(
            &minimal("  hostNetwork: true\n  ports: [{name: http2, port: 80}]"),
            IMAGE,
        )
        .unwrap();
        assert_eq!(pod_spec(&e).host_network, Some(true));
        let ports = proxy_ports(&e);
        assert_eq!(ports.len(), 3);
        for (port, _, host) in ports {
            assert_eq!(host, Some(port));
        }
    }

    #[test]
    fn hpa_bounds_and_metrics() {
        let e = expand(&decode(EXAMPLE), IMAGE).unwrap();
        let spec = e.hpa.as_ref().unwrap().spec.as_ref().unwrap();
        assert_eq!(spec.min_replicas, Some(2));
        assert_eq!(spec.max_replicas, 5);
        let metrics: Vec<(String, String, Option<i32>)> = spec
            .metrics
            .iter()
            .flatten()
            .map(|m| {
                assert_eq!(m.type_, "Resource");
                let r = m.resource.as_ref().unwrap();
                (
                    r.name.clone(),
                    r.target.type_.clone(),
                    r.target.average_utilization,
                )
            })
            .collect();
        assert_eq!(
            metrics,
            vec![
                ("cpu".to_string(), "Utilization".to_string(), Some(80)),
                ("memory".to_string(), "Utilization".to_string(), Some(70)),
            ]
        );
        assert!(
            e.notes
                .iter()
                .any(|n| n == "HPA 2..5 on cpu 80%, memory 70%"),
            "{:?}",
            e.notes
        );
        assert_eq!(e.replicas, 2);
    }

    #[test]
    fn hpa_defaults() {
        let e = expand(&minimal("  maxReplicas: 4"), IMAGE).unwrap();
        let spec = e.hpa.as_ref().unwrap().spec.as_ref().unwrap();
        assert_eq!(spec.min_replicas, Some(1));
        assert_eq!(spec.max_replicas, 4);
        let metrics = spec.metrics.as_ref().unwrap();
        assert_eq!(metrics.len(), 1);
        let r = metrics[0].resource.as_ref().unwrap();
        assert_eq!(r.name, "cpu");
        assert_eq!(r.target.average_utilization, Some(80));

        let e = expand(
            &minimal("  maxReplicas: 4\n  memory: {targetAverageUtilization: 60}"),
            IMAGE,
        )
        .unwrap();
        let metrics = e.hpa.unwrap().spec.unwrap().metrics.unwrap();
        assert_eq!(metrics.len(), 1);
        assert_eq!(metrics[0].resource.as_ref().unwrap().name, "memory");

        let e = expand(&minimal("  cpu: {targetAverageUtilization: 60}"), IMAGE).unwrap();
        assert!(e.hpa.is_none());
        assert!(
            e.notes.iter().any(|n| n.contains("ignored")),
            "{:?}",
            e.notes
        );
    }

    #[test]
    fn replicas_raised_capped_and_zero() {
        let e = expand(&minimal("  minReplicas: 3\n  maxReplicas: 5"), IMAGE).unwrap();
        assert_eq!(e.replicas, 3);
        assert_eq!(e.deployment.spec.as_ref().unwrap().replicas, Some(3));
        assert!(
            e.notes
                .iter()
                .any(|n| n == "replicas raised from 1 to minReplicas 3"),
            "{:?}",
            e.notes
        );

        let e = expand(&minimal("  replicaCount: 9\n  maxReplicas: 5"), IMAGE).unwrap();
        assert_eq!(e.replicas, 5);
        assert!(
            e.notes
                .iter()
                .any(|n| n == "replicas capped from 9 to maxReplicas 5")
        );

        let e = expand(
            &minimal("  replicaCount: 4\n  minReplicas: 2\n  maxReplicas: 5"),
            IMAGE,
        )
        .unwrap();
        assert_eq!(e.replicas, 4);
        assert!(!e.notes.iter().any(|n| n.starts_with("replicas ")));

        let e = expand(&minimal("  replicaCount: 9"), IMAGE).unwrap();
        assert_eq!(e.replicas, 9);

        let e = expand(&minimal("  replicaCount: 0\n  maxReplicas: 5"), IMAGE).unwrap();
        assert_eq!(e.replicas, 0);
        assert!(e.hpa.is_some());
    }

    #[test]
    fn strategy_values() {
        let e = expand(&decode(EXAMPLE), IMAGE).unwrap();
        let strategy = e
            .deployment
            .spec
            .as_ref()
            .unwrap()
            .strategy
            .clone()
            .unwrap();
        assert_eq!(strategy.type_.as_deref(), Some("RollingUpdate"));
        let ru = strategy.rolling_update.unwrap();
        assert_eq!(ru.max_surge, Some(IntOrString::String("100%".to_string())));
        assert_eq!(
            ru.max_unavailable,
            Some(IntOrString::String("25%".to_string()))
        );

        let e = expand(
            &minimal("  rollingMaxSurge: 1\n  rollingMaxUnavailable: 0"),
            IMAGE,
        )
        .unwrap();
        let ru = e
            .deployment
            .spec
            .unwrap()
            .strategy
            .unwrap()
            .rolling_update
            .unwrap();
        assert_eq!(ru.max_surge, Some(IntOrString::Int(1)));
        assert_eq!(ru.max_unavailable, Some(IntOrString::Int(0)));
    }

    #[test]
    fn service_type_policy_and_annotations() {
        let e = expand(&decode(EXAMPLE), IMAGE).unwrap();
        let svc = e.service.spec.as_ref().unwrap();
        assert_eq!(svc.type_.as_deref(), Some("LoadBalancer"));
        assert_eq!(svc.external_traffic_policy.as_deref(), Some("Local"));
        assert_eq!(
            labels(&e.service.metadata.annotations),
            pairs(&[(
                "service.beta.kubernetes.io/alibaba-cloud-loadbalancer-id",
                "lb-xxx"
            )])
        );

        let e = expand(&minimal("  serviceType: Nodeport"), IMAGE).unwrap();
        let svc = e.service.spec.unwrap();
        assert_eq!(svc.type_.as_deref(), Some("NodePort"));
        assert_eq!(svc.external_traffic_policy.as_deref(), Some("Cluster"));

        let e = expand(&minimal("  serviceType: ClusterIP"), IMAGE).unwrap();
        let svc = e.service.spec.unwrap();
        assert_eq!(svc.type_.as_deref(), Some("ClusterIP"));
        assert_eq!(svc.external_traffic_policy, None);
    }

    #[test]
    fn pod_spec_fields_from_the_example() {
        let e = expand(&decode(EXAMPLE), IMAGE).unwrap();
        let p = pod_spec(&e);
        let terms = &p
            .affinity
            .as_ref()
            .unwrap()
            .node_affinity
            .as_ref()
            .unwrap()
            .required_during_scheduling_ignored_during_execution
            .as_ref()
            .unwrap()
            .node_selector_terms;
        assert_eq!(terms.len(), 2);
        let tolerations = p.tolerations.as_ref().unwrap();
        assert_eq!(tolerations.len(), 2);
        assert_eq!(
            tolerations[1].key.as_deref(),
            Some("virtual-kubelet.io/provider")
        );
        assert_eq!(labels(&p.node_selector), pairs(&[("k", "v")]));
        let proxy = container(&e, PROXY_CONTAINER).unwrap();
        let env = proxy.env.as_ref().unwrap();
        assert_eq!(
            (env[0].name.as_str(), env[0].value.as_deref()),
            ("A", Some("b"))
        );
        let volumes = p.volumes.as_ref().unwrap();
        assert_eq!(volumes.len(), 2);
        assert_eq!(volumes[0].config_map.as_ref().unwrap().name, "my-config");
        assert_eq!(
            volumes[1].secret.as_ref().unwrap().secret_name.as_deref(),
            Some("my-certs")
        );
        let mounts: Vec<(&str, &str)> = proxy
            .volume_mounts
            .iter()
            .flatten()
            .map(|m| (m.name.as_str(), m.mount_path.as_str()))
            .collect();
        assert_eq!(mounts, vec![("cfg", "/etc/cfg"), ("certs", "/etc/certs")]);
        let sc = proxy.security_context.as_ref().unwrap();
        assert_eq!(sc.run_as_user, Some(1337));
        assert_eq!(sc.run_as_non_root, Some(true));
        assert_eq!(
            decode(EXAMPLE).spec.cluster_ids,
            Some(vec!["c1234".to_string()])
        );

        let e = expand(&minimal("  runAsRoot: true\n  dnsPolicy: Default"), IMAGE).unwrap();
        let sc = container(&e, PROXY_CONTAINER)
            .unwrap()
            .security_context
            .clone()
            .unwrap();
        assert_eq!(sc.run_as_user, Some(0));
        assert_eq!(pod_spec(&e).dns_policy.as_deref(), Some("Default"));
    }

    #[test]
    fn json_decodes_too() {
        let g: IstioGateway = serde_json::from_str(
            r#"{"apiVersion":"istio.alibabacloud.com/v1beta1","kind":"IstioGateway",
                "metadata":{"name":"gw"},"spec":{"replicaCount":3},"status":{"x":1}}"#,
        )
        .unwrap();
        assert_eq!(g.spec.replica_count, Some(3));
        assert_eq!(expand(&g, IMAGE).unwrap().replicas, 3);
    }

    #[test]
    fn decode_errors() {
        let head = "apiVersion: istio.alibabacloud.com/v1beta1\nkind: IstioGateway\nmetadata: {name: gw}\n";
        let err = decode_err(&format!("{head}spec: {{replicas: 2}}"));
        assert!(err.contains("unknown field `replicas`"), "{err}");
        let err = decode_err(&format!("{head}spec: {{replicaCount: two}}"));
        assert!(err.contains("invalid type"), "{err}");
        let err = decode_err(&format!("{head}spec: {{ports: 80}}"));
        assert!(err.contains("invalid type"), "{err}");
        let err = decode_err(&format!("{head}spec: {{ports: [{{port: 80, foo: 1}}]}}"));
        assert!(err.contains("unknown field `foo`"), "{err}");
        let err = decode_err(&format!("{head}spec: {{cpu: {{}}}}"));
        assert!(err.contains("targetAverageUtilization"), "{err}");
        let err = decode_err(&format!("{head}sepc: {{}}"));
        assert!(err.contains("unknown field `sepc`"), "{err}");
        let err = decode_err(
            "apiVersion: istio.alibabacloud.com/v1beta1\nkind: Gateway\nmetadata: {name: gw}\n",
        );
        assert!(err.contains("kind: expected \"IstioGateway\""), "{err}");
        let err = decode_err("apiVersion: networking.istio.io/v1\nkind: IstioGateway\n");
        assert!(err.contains("apiVersion: expected"), "{err}");
        let err = decode_err("kind: IstioGateway\nmetadata: {name: gw}\n");
        assert!(err.contains("apiVersion"), "{err}");
    }

    #[test]
    fn path_to_error_names_the_field() {
        let yaml = "apiVersion: istio.alibabacloud.com/v1beta1\nkind: IstioGateway\n\
                    spec: {replicaCount: \"two\"}\n";
        let de = serde_yaml_ng::Deserializer::from_str(yaml);
        let err = serde_path_to_error::deserialize::<_, IstioGateway>(de).unwrap_err();
        assert_eq!(err.path().to_string(), "spec.replicaCount");
    }

    #[test]
    fn expand_errors() {
        let cases: &[(&str, &str, &str)] = &[
            ("  gatewayType: sideways", "spec.gatewayType", "sideways"),
            (
                "  minReplicas: 2\n  maxReplicas: 1",
                "spec.maxReplicas",
                "1 is below minReplicas 2",
            ),
            ("  minReplicas: 2", "spec.maxReplicas", "required"),
            (
                "  minReplicas: 0\n  maxReplicas: 1",
                "spec.minReplicas",
                "at least 1",
            ),
            ("  replicaCount: -1", "spec.replicaCount", "negative"),
            (
                "  serviceType: ExternalName",
                "spec.serviceType",
                "ExternalName",
            ),
            (
                "  externalTrafficPolicy: Remote",
                "spec.externalTrafficPolicy",
                "Remote",
            ),
            (
                "  serviceType: ClusterIP\n  externalTrafficPolicy: Local",
                "spec.externalTrafficPolicy",
                "only allowed",
            ),
            (
                "  rollingMaxUnavailable: \"25\"",
                "spec.rollingMaxUnavailable",
                "\"25\"",
            ),
            (
                "  rollingMaxSurge: 25 %",
                "spec.rollingMaxSurge",
                "percentage",
            ),
            ("  rollingMaxSurge: -1", "spec.rollingMaxSurge", "negative"),
            (
                "  rollingMaxUnavailable: 101%",
                "spec.rollingMaxUnavailable",
                "above 100%",
            ),
            (
                "  rollingMaxSurge: 0%\n  rollingMaxUnavailable: 0",
                "spec.rollingMaxUnavailable",
                "may not be 0",
            ),
            (
                "  maxReplicas: 3\n  cpu: {targetAverageUtilization: 0}",
                "spec.cpu.targetAverageUtilization",
                "above 0",
            ),
            ("  ports: []", "spec.ports", "at least one"),
            ("  ports: [{port: 0}]", "spec.ports[0].port", "not a port"),
            (
                "  ports: [{port: 80, targetPort: 70000}]",
                "spec.ports[0].targetPort",
                "70000",
            ),
            (
                "  ports: [{port: 80, protocol: QUIC}]",
                "spec.ports[0].protocol",
                "QUIC",
            ),
            (
                "  ports: [{name: a, port: 80}, {name: b, port: 80}]",
                "spec.ports[1].port",
                "duplicate",
            ),
            (
                "  ports: [{name: a, port: 80}, {name: a, port: 81}]",
                "spec.ports[1].name",
                "duplicate",
            ),
            (
                "  ports: [{name: a, port: 80}, {port: 81}]",
                "spec.ports[1].name",
                "required",
            ),
            ("  dnsPolicy: None", "spec.dnsPolicy", "dnsConfig"),
            ("  dnsPolicy: Sometimes", "spec.dnsPolicy", "Sometimes"),
            (
                "  configVolumes: [{name: v, configMapName: c, mountPath: /a}]\n  \
                 secretVolumes: [{name: v, secretName: s, mountPath: /b}]",
                "spec.secretVolumes[0].name",
                "duplicate",
            ),
        ];
        for (spec, field, message) in cases {
            let err = expand_err(spec);
            assert_eq!(err.object, "istiogateway/gw", "{spec}");
            assert_eq!(&err.field, field, "{spec}: {err}");
            assert!(err.message.contains(message), "{spec}: {err}");
        }
    }

    #[test]
    fn name_errors() {
        let mut g = minimal("  {}");
        g.metadata.name = None;
        let err = expand(&g, IMAGE).unwrap_err();
        assert_eq!(
            (err.object.as_str(), err.field.as_str()),
            ("istiogateway", "metadata.name")
        );
        let err = expand(&g.clone().with_name("Bad_Name"), IMAGE).unwrap_err();
        assert_eq!(err.field, "metadata.name");
        let err = expand(&g.clone().with_name(&"a".repeat(58)), IMAGE).unwrap_err();
        assert!(err.message.contains("64 characters"), "{err}");
        assert!(expand(&g.with_name(&"a".repeat(57)), IMAGE).is_ok());
    }
}
