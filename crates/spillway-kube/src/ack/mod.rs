//! Alibaba Cloud ACK: virtual nodes, ECI routing, zones, specs and cost.

pub mod settings;
pub mod specs;
