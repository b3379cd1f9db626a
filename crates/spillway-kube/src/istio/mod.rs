//! Istio / ASM: sidecar injection and the IstioGateway resource.

pub mod gateway;
pub mod inject;
