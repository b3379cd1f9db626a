//! How an incoming pod runs where it lands: containers ready, zone, and on a
//! virtual node its ECI vSwitch, spec and price.

use k8s_openapi::api::core::v1 as k;

use crate::Scenario;
use crate::ack::specs;
use crate::ack::virtual_node::{self, ZONE_LABEL};
use crate::admission::pod_key;
use crate::report::{EciDetails, PodDetails};

impl Scenario {
    /// The details of incoming pod `index` placed on `node` (`None`: Pending).
    pub fn pod_details(&self, index: usize, node: Option<&str>) -> Option<PodDetails> {
        let pod = self.incoming.get(index)?;
        let admission = self.admission.get(&pod_key(pod));
        let node = node.and_then(|name| {
            self.nodes
                .iter()
                .find(|n| n.metadata.name.as_deref() == Some(name))
        });
        let zone = node
            .and_then(|n| n.metadata.labels.as_ref())
            .and_then(|l| l.get(ZONE_LABEL))
            .cloned();
        let eci = node
            .filter(|n| virtual_node::node_kind(n).is_virtual())
            .map(|_| self.eci_details(pod, zone.as_deref()));
        Some(PodDetails {
            ready: ready(pod),
            zone,
            eci,
            admission: admission.map(|a| a.notes()).unwrap_or_default(),
        })
    }

    fn eci_details(&self, pod: &k::Pod, zone: Option<&str>) -> EciDetails {
        let admission = self.admission.get(&pod_key(pod));
        // The pod's own vSwitch for the zone, else the first declared in it.
        let vswitch = zone.and_then(|z| {
            admission
                .and_then(|a| a.eci.vswitch_by_zone.get(z).cloned())
                .or_else(|| {
                    self.ack
                        .vswitches
                        .iter()
                        .filter(|v| v.zone == z)
                        .map(|v| v.id.clone())
                        .chain(
                            self.virtual_nodes
                                .iter()
                                .filter(|d| d.zone == z)
                                .flat_map(|d| d.vswitches.iter().cloned()),
                        )
                        .next()
                })
        });
        let sized = self
            .spec_table()
            .map_err(|e| e.message)
            .and_then(|table| specs::size(pod, &table, &self.ack).map_err(|e| e.message));
        let currency = self.ack.eci.prices.currency.clone();
        match sized {
            Ok(s) => EciDetails {
                vswitch,
                spec: Some(s.spec),
                price_per_hour: s.price_per_second.map(|p| p * 3600.0),
                currency,
                problem: None,
            },
            Err(problem) => EciDetails {
                vswitch,
                currency,
                problem: Some(problem),
                ..EciDetails::default()
            },
        }
    }
}

/// `READY` once running: regular containers plus native sidecars.
fn ready(pod: &k::Pod) -> String {
    let spec = pod.spec.as_ref();
    let regular = spec.map_or(0, |s| s.containers.len());
    let sidecars = spec
        .and_then(|s| s.init_containers.as_ref())
        .into_iter()
        .flatten()
        .filter(|c| c.restart_policy.as_deref() == Some("Always"))
        .count();
    let n = regular + sidecars;
    format!("{n}/{n}")
}
