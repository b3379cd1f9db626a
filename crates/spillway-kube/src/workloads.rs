//! Workloads into pods: Deployments, ReplicaSets, StatefulSets.
