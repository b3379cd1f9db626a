//! ACK virtual nodes: recognising them, and declaring them briefly.
//!
//! Two kinds exist. The virtual node of the `ack-virtual-node` component
//! (virtual-kubelet) carries the label `type=virtual-kubelet` and the taint
//! `virtual-kubelet.io/provider=alibabacloud:NoSchedule`; an ECI VNode carries the
//! label `k8s.aliyun.com/vnode=true` and the taint
//! `k8s.aliyun.com/vnode=true:NoSchedule`. Behind either, capacity is elastic: the
//! node reports a quota (by default what the ACK virtual node reports: 1000 vCPU,
//! 4 TiB memory, 1000 pods, 10 TiB ephemeral storage), not a machine.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1 as k;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Deserialize;

use crate::error::FieldError;

/// The label and taint key of virtual-kubelet virtual nodes.
pub const VIRTUAL_KUBELET_LABEL: KeyValue = ("type", "virtual-kubelet");
/// The taint of virtual-kubelet virtual nodes: key, value (effect NoSchedule).
pub const VIRTUAL_KUBELET_TAINT: KeyValue = ("virtual-kubelet.io/provider", "alibabacloud");
/// The label of ECI VNodes (also their taint key and value, effect NoSchedule).
pub const VNODE_LABEL: KeyValue = ("k8s.aliyun.com/vnode", "true");
/// The zone label.
pub const ZONE_LABEL: &str = "topology.kubernetes.io/zone";

/// A label or taint: key and value.
pub type KeyValue = (&'static str, &'static str);

/// What a node is, for ACK.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NodeKind {
    /// An ECS instance (any node that is not virtual).
    Ecs,
    /// An ACK virtual node (virtual-kubelet, `type=virtual-kubelet`).
    VirtualKubelet,
    /// An ECI VNode (`k8s.aliyun.com/vnode=true`).
    Vnode,
}

impl NodeKind {
    /// Whether pods on this node run as ECI instances.
    pub fn is_virtual(self) -> bool {
        self != NodeKind::Ecs
    }

    /// The node's label that marks the kind, and the taint virtual nodes carry.
    pub fn label_and_taint(self) -> Option<(KeyValue, KeyValue)> {
        match self {
            NodeKind::Ecs => None,
            NodeKind::VirtualKubelet => Some((VIRTUAL_KUBELET_LABEL, VIRTUAL_KUBELET_TAINT)),
            NodeKind::Vnode => Some((VNODE_LABEL, VNODE_LABEL)),
        }
    }
}

/// The kind of a node, from its labels.
pub fn node_kind(node: &k::Node) -> NodeKind {
    node_kind_of_labels(node.metadata.labels.as_ref())
}

/// The kind of a node with these labels.
pub fn node_kind_of_labels(labels: Option<&BTreeMap<String, String>>) -> NodeKind {
    let has =
        |(key, value): (&str, &str)| labels.and_then(|l| l.get(key)).is_some_and(|v| v == value);
    if has(VIRTUAL_KUBELET_LABEL) {
        NodeKind::VirtualKubelet
    } else if has(VNODE_LABEL) {
        NodeKind::Vnode
    } else {
        NodeKind::Ecs
    }
}

/// A virtual node declared briefly in a scenario's `virtualNodes:`.
///
/// ```yaml
/// virtualNodes:
/// - zone: cn-hangzhou-h
///   vswitches: [vsw-h1]
///   quota: {cpu: "500", memory: 2Ti, pods: "500"}
/// ```
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VirtualNodeDecl {
    /// The zone (`cn-hangzhou-h`).
    pub zone: String,
    /// vSwitch IDs in that zone that ECI pods of this node use.
    #[serde(default)]
    pub vswitches: Vec<String>,
    /// `virtual-kubelet` (default) or `vnode`.
    #[serde(default = "default_kind")]
    pub kind: NodeKind,
    /// Node name; default `virtual-kubelet-<zone>` (ACK's naming) or `vnode-<zone>`.
    #[serde(default)]
    pub name: Option<String>,
    /// Region; default the scenario's `ack.region`, else the zone without its last
    /// `-x` part.
    #[serde(default)]
    pub region: Option<String>,
    /// Capacity quota: `cpu`, `memory`, `pods`, `ephemeral-storage`; missing
    /// entries take the ACK defaults.
    #[serde(default)]
    pub quota: BTreeMap<String, Quantity>,
    /// Extra labels.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

fn default_kind() -> NodeKind {
    NodeKind::VirtualKubelet
}

/// The capacity an ACK virtual node reports by default.
pub const DEFAULT_QUOTA: [(&str, &str); 4] = [
    ("cpu", "1000"),
    ("memory", "4Ti"),
    ("pods", "1000"),
    ("ephemeral-storage", "10Ti"),
];

impl VirtualNodeDecl {
    /// The node's name.
    pub fn node_name(&self) -> String {
        self.name.clone().unwrap_or_else(|| match self.kind {
            NodeKind::Vnode => format!("vnode-{}", self.zone),
            _ => format!("virtual-kubelet-{}", self.zone),
        })
    }

    /// The Node object, as the virtual node registers itself.
    ///
    /// # Errors
    /// An `ecs` kind, an empty zone, or a quota of a resource other than cpu,
    /// memory, pods and ephemeral-storage.
    pub fn to_node(&self, index: usize, region: Option<&str>) -> Result<k::Node, FieldError> {
        let object = format!("virtualNodes[{index}]");
        let Some(((label_key, label_value), (taint_key, taint_value))) =
            self.kind.label_and_taint()
        else {
            return Err(FieldError::new(
                &object,
                "kind",
                "must be virtual-kubelet or vnode",
            ));
        };
        if self.zone.trim().is_empty() {
            return Err(FieldError::new(&object, "zone", "must not be empty"));
        }
        for key in self.quota.keys() {
            if !DEFAULT_QUOTA.iter().any(|(k, _)| k == key) {
                return Err(FieldError::new(
                    &object,
                    format!("quota.{key}"),
                    "a virtual node's quota is cpu, memory, pods or ephemeral-storage",
                ));
            }
        }
        let name = self.node_name();
        let region = self
            .region
            .clone()
            .or_else(|| region.map(str::to_string))
            .unwrap_or_else(|| match self.zone.rsplit_once('-') {
                Some((r, _)) => r.to_string(),
                None => self.zone.clone(),
            });
        let mut labels: BTreeMap<String, String> = [
            ("kubernetes.io/os", "linux"),
            ("kubernetes.io/arch", "amd64"),
            ("beta.kubernetes.io/os", "linux"),
            ("beta.kubernetes.io/arch", "amd64"),
            ("kubernetes.io/hostname", name.as_str()),
            (ZONE_LABEL, self.zone.as_str()),
            ("failure-domain.beta.kubernetes.io/zone", self.zone.as_str()),
            ("topology.kubernetes.io/region", region.as_str()),
            ("failure-domain.beta.kubernetes.io/region", region.as_str()),
            ("kubernetes.io/role", "agent"),
            (label_key, label_value),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        if self.kind == NodeKind::VirtualKubelet {
            labels.insert(
                "virtual-kubelet.io/provider-name".into(),
                "alibabacloud".into(),
            );
        }
        labels.extend(self.labels.clone());
        let quota: BTreeMap<String, Quantity> = DEFAULT_QUOTA
            .iter()
            .map(|(k, v)| {
                let given = self.quota.get(*k).cloned();
                (
                    k.to_string(),
                    given.unwrap_or_else(|| Quantity(v.to_string())),
                )
            })
            .collect();
        Ok(k::Node {
            metadata: ObjectMeta {
                name: Some(name),
                labels: Some(labels),
                ..ObjectMeta::default()
            },
            spec: Some(k::NodeSpec {
                taints: Some(vec![k::Taint {
                    key: taint_key.to_string(),
                    value: Some(taint_value.to_string()),
                    effect: "NoSchedule".to_string(),
                    ..k::Taint::default()
                }]),
                ..k::NodeSpec::default()
            }),
            status: Some(k::NodeStatus {
                capacity: Some(quota.clone()),
                allocatable: Some(quota),
                conditions: Some(vec![k::NodeCondition {
                    type_: "Ready".to_string(),
                    status: "True".to_string(),
                    ..k::NodeCondition::default()
                }]),
                ..k::NodeStatus::default()
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decl(yaml: &str) -> VirtualNodeDecl {
        match serde_yaml_ng::from_str(yaml) {
            Ok(d) => d,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn a_brief_declaration_becomes_the_node_ack_registers() {
        let node = decl("zone: cn-hangzhou-h\nvswitches: [vsw-h1]\nquota: {cpu: \"500\"}\n")
            .to_node(0, None);
        let Ok(node) = node else {
            panic!("{node:?}");
        };
        assert_eq!(
            node.metadata.name.as_deref(),
            Some("virtual-kubelet-cn-hangzhou-h")
        );
        assert_eq!(node_kind(&node), NodeKind::VirtualKubelet);
        let labels = node.metadata.labels.clone().unwrap_or_default();
        assert_eq!(
            labels.get(ZONE_LABEL).map(String::as_str),
            Some("cn-hangzhou-h")
        );
        assert_eq!(
            labels
                .get("topology.kubernetes.io/region")
                .map(String::as_str),
            Some("cn-hangzhou")
        );
        let taints = node.spec.and_then(|s| s.taints).unwrap_or_default();
        assert_eq!(taints.len(), 1);
        assert_eq!(taints[0].key, "virtual-kubelet.io/provider");
        assert_eq!(taints[0].value.as_deref(), Some("alibabacloud"));
        let alloc = node.status.and_then(|s| s.allocatable).unwrap_or_default();
        assert_eq!(alloc.get("cpu"), Some(&Quantity("500".into())));
        assert_eq!(alloc.get("memory"), Some(&Quantity("4Ti".into())));
        assert_eq!(alloc.get("pods"), Some(&Quantity("1000".into())));
    }

    #[test]
    fn vnodes_carry_their_own_label_and_taint() {
        let Ok(node) = decl("zone: cn-shanghai-b\nkind: vnode\n").to_node(0, Some("cn-shanghai"))
        else {
            panic!("vnode");
        };
        assert_eq!(node.metadata.name.as_deref(), Some("vnode-cn-shanghai-b"));
        assert_eq!(node_kind(&node), NodeKind::Vnode);
        let taints = node.spec.and_then(|s| s.taints).unwrap_or_default();
        assert_eq!(taints[0].key, "k8s.aliyun.com/vnode");
    }

    #[test]
    fn bad_declarations_name_the_field() {
        let bad = decl("zone: z\nquota: {nvidia.com/gpu: \"1\"}\n").to_node(2, None);
        assert!(
            matches!(bad, Err(e) if e.object == "virtualNodes[2]" && e.field == "quota.nvidia.com/gpu")
        );
        let ecs = decl("zone: z\nkind: ecs\n").to_node(0, None);
        assert!(matches!(ecs, Err(e) if e.field == "kind"));
        assert!(serde_yaml_ng::from_str::<VirtualNodeDecl>("zone: z\nkind: fargate\n").is_err());
        assert!(serde_yaml_ng::from_str::<VirtualNodeDecl>("zone: z\nvswitch: [a]\n").is_err());
    }

    #[test]
    fn ordinary_nodes_are_ecs() {
        let mut labels = BTreeMap::new();
        labels.insert("type".to_string(), "worker".to_string());
        assert_eq!(node_kind_of_labels(Some(&labels)), NodeKind::Ecs);
        assert_eq!(node_kind_of_labels(None), NodeKind::Ecs);
    }
}
