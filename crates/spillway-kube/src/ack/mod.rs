//! Alibaba Cloud ACK: virtual nodes, ECI routing, zones, specs and cost.

pub mod eci;
pub mod settings;
pub mod specs;
pub mod virtual_node;
