//! Nodes.

use k8s_openapi::api::core::v1 as k;
use spillway_core::spec::{ContainerImage, Node, Taint, TaintEffect};

use crate::error::FieldError;

/// A `v1.Node` as the scheduler sees it: labels, taints, cordon, allocatable, images.
///
/// # Errors
/// An unknown taint effect or a malformed quantity.
pub fn node(n: &k::Node) -> Result<Node, FieldError> {
    let name = n.metadata.name.clone().unwrap_or_default();
    let object = format!("node/{name}");
    let spec = n.spec.as_ref();
    let mut taints = Vec::new();
    for (i, t) in spec
        .and_then(|s| s.taints.as_ref())
        .into_iter()
        .flatten()
        .enumerate()
    {
        let effect = TaintEffect::parse(&t.effect).ok_or_else(|| {
            FieldError::new(
                &object,
                format!("spec.taints[{i}].effect"),
                format!("unknown taint effect {:?}: supported values: \"NoSchedule\", \"PreferNoSchedule\", \"NoExecute\"", t.effect),
            )
        })?;
        taints.push(Taint {
            key: t.key.clone(),
            value: t.value.clone().unwrap_or_default(),
            effect,
        });
    }
    let status = n.status.as_ref();
    let allocatable = super::resource_list(
        &object,
        "status.allocatable",
        status.and_then(|s| s.allocatable.as_ref()),
    )?;
    let images = status
        .and_then(|s| s.images.as_ref())
        .into_iter()
        .flatten()
        .map(|i| ContainerImage {
            names: i.names.clone().unwrap_or_default(),
            size_bytes: i.size_bytes.unwrap_or(0),
        })
        .collect();
    Ok(Node {
        name,
        labels: n.metadata.labels.clone().unwrap_or_default(),
        taints,
        unschedulable: spec.and_then(|s| s.unschedulable).unwrap_or(false),
        allocatable,
        images,
    })
}
