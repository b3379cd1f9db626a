//! Istio sidecar injection.
