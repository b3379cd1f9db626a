//! Cluster-wide ACK/ASM settings of a scenario (its `ack:` key): the region, the
//! vSwitches and their zones, ECI specs and prices, ECS instance types and prices,
//! and the mesh's sidecar defaults. Every field has a documented default
//! (docs/ack-asm.md), so a scenario names only what differs.

use std::collections::BTreeMap;

use serde::Deserialize;

/// The `ack:` key of a scenario.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct AckSettings {
    /// Region ID (`cn-hangzhou`); picks the region's extra ECI specs.
    pub region: Option<String>,
    /// vSwitches and their zones, besides those declared on virtual nodes.
    pub vswitches: Vec<VSwitch>,
    /// ECI specs, prices and the seed of `VSwitchRandom`.
    pub eci: EciSettings,
    /// ECS instance types (`ecs.g7.xlarge`): size and hourly price, for ECS nodes'
    /// cost and for instance types named in `k8s.aliyun.com/eci-use-specs`.
    pub instance_types: BTreeMap<String, InstanceType>,
    /// Istio/ASM sidecar injection defaults.
    pub mesh: MeshSettings,
}

/// A vSwitch: its ID and the zone it is in.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VSwitch {
    /// `vsw-...`.
    pub id: String,
    /// The zone (`cn-hangzhou-h`).
    pub zone: String,
}

/// ECI settings.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct EciSettings {
    /// Replaces the bundled table of specs supported in all regions.
    pub specs: Option<Vec<SpecRow>>,
    /// Extra specs per region (added to the table when `region` matches).
    pub regions: BTreeMap<String, Vec<SpecRow>>,
    /// Unit prices.
    pub prices: Prices,
    /// Seed of the `VSwitchRandom` choice (with the pod's name).
    pub seed: u64,
}

/// One row of the ECI spec table: a vCPU count and the memory sizes (GiB) offered
/// with it.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SpecRow {
    /// vCPUs (0.25, 0.5, 1, 2, ...).
    pub cpu: f64,
    /// Memory sizes in GiB.
    pub memory: Vec<f64>,
}

/// ECI unit prices (pay-as-you-go, vCPU and memory mode).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct Prices {
    /// Currency of all prices (`CNY`).
    pub currency: String,
    /// Price of one vCPU for one second.
    pub vcpu_second: f64,
    /// Price of one GiB of memory for one second.
    pub memory_gib_second: f64,
}

impl Default for Prices {
    /// Alibaba Cloud's published ECI unit prices (China site, pay-as-you-go):
    /// 0.000049 CNY per vCPU-second and 0.00000613 CNY per GiB-second.
    fn default() -> Prices {
        Prices {
            currency: "CNY".to_string(),
            vcpu_second: 0.000_049,
            memory_gib_second: 0.000_006_13,
        }
    }
}

/// An ECS instance type.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InstanceType {
    /// vCPUs.
    pub cpu: f64,
    /// Memory in GiB.
    pub memory: f64,
    /// Pay-as-you-go price per hour, in the ECI prices' currency.
    #[serde(default)]
    pub price_per_hour: Option<f64>,
}

/// Mesh-wide sidecar settings (Istio's `values.global.proxy` and injection
/// template defaults).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct MeshSettings {
    /// The istio-proxy container's resources.
    pub proxy: ProxyResources,
    /// Whether the `istio-init` init container is injected (false with Istio CNI).
    pub init_container: bool,
    /// Inject istio-proxy as a native sidecar (restartable init container).
    pub native_sidecars: bool,
    /// The proxy image.
    pub proxy_image: String,
}

impl Default for MeshSettings {
    fn default() -> MeshSettings {
        MeshSettings {
            proxy: ProxyResources::default(),
            init_container: true,
            native_sidecars: false,
            proxy_image:
                "registry-cn-hangzhou.ack.aliyuncs.com/acs/proxyv2:1.22.6.28-g1e5a8f4e-aliyun"
                    .to_string(),
        }
    }
}

/// Requests and limits of the injected proxy, as Kubernetes quantities.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct ProxyResources {
    /// CPU request (`100m`).
    pub cpu: String,
    /// Memory request (`128Mi`).
    pub memory: String,
    /// CPU limit (`2000m`).
    pub cpu_limit: String,
    /// Memory limit (`1024Mi`).
    pub memory_limit: String,
}

impl Default for ProxyResources {
    /// Istio's defaults: requests 100m / 128Mi, limits 2000m / 1024Mi.
    fn default() -> ProxyResources {
        ProxyResources {
            cpu: "100m".to_string(),
            memory: "128Mi".to_string(),
            cpu_limit: "2000m".to_string(),
            memory_limit: "1024Mi".to_string(),
        }
    }
}
