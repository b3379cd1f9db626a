//! Kubernetes objects (k8s-openapi types) into spillway's input model, with the
//! API server's defaulting where the scheduler depends on it.

mod node;
mod pod;
mod selector;

pub use node::node;
pub use pod::pod;
pub(crate) use pod::{pod_object, unsupported_volume};
pub(crate) use selector::label_selector;

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::api::resource::Quantity as KQuantity;
use spillway_core::Quantity;
use spillway_core::spec::ResourceList;

use crate::error::FieldError;

/// Parses a resource list, naming the field of a bad quantity.
pub(crate) fn resource_list(
    object: &str,
    path: &str,
    list: Option<&BTreeMap<String, KQuantity>>,
) -> Result<ResourceList, FieldError> {
    let mut out = ResourceList::new();
    for (name, q) in list.into_iter().flatten() {
        // Quantity.UnmarshalJSON trims surrounding spaces before parsing.
        let parsed = Quantity::parse(q.0.trim()).map_err(|e| {
            FieldError::new(object, format!("{path}[{name}]"), format!("{:?}: {e}", q.0))
        })?;
        out.insert(name.clone(), parsed);
    }
    Ok(out)
}
