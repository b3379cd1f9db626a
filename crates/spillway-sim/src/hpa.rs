//! The HorizontalPodAutoscaler (autoscaling/v2) algorithm.
