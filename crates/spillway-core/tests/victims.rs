//! `Scheduler::filter_without_victims`, kube-scheduler's check of a
//! preemption candidate: the victims leave the node, PreFilter's counts are
//! taken again without them, and the state given is left as it was.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use spillway_core::{Cluster, ClusterSpec, NodeBuilder, PodBuilder, Profile, Scheduler};

const HOST: &str = "kubernetes.io/hostname";

#[test]
fn victims_leave_the_spread_counts_and_the_state_is_untouched() {
    let node = |name: &str| {
        NodeBuilder::new(name)
            .capacity("8", "16Gi", 110)
            .label(HOST, name)
            .build()
    };
    let replica = |name: &str, on: &str| {
        PodBuilder::new(name)
            .label("app", "gw")
            .node_name(on)
            .requests("100m", "128Mi")
            .build()
    };
    let spec = ClusterSpec {
        nodes: vec![node("a"), node("b")],
        running: vec![replica("r1", "a"), replica("r2", "a"), replica("r3", "b")],
        incoming: vec![
            PodBuilder::new("p")
                .label("app", "gw")
                .spread(1, HOST, true, "app", "gw")
                .requests("100m", "128Mi")
                .build(),
        ],
        ..ClusterSpec::default()
    };
    let snapshot = Cluster::compile(&spec).unwrap();
    let cluster = &snapshot.cluster;
    let scheduler = Scheduler::new(cluster, Profile::default());
    let (state, pod) = (&snapshot.state, snapshot.incoming[0]);
    let a = cluster.node_by_name("a").unwrap();
    let b = cluster.node_by_name("b").unwrap();
    let r = |name: &str| cluster.pod_by_key("default", name).unwrap();

    // a has 2 replicas, b has 1: on a the skew would be 2.
    let verdicts = scheduler.filter_without_victims(
        state,
        pod,
        &[
            (a, vec![]),
            (a, vec![r("r1")]),
            (a, vec![r("r3")]),
            (b, vec![]),
            (a, vec![r("r1"), r("r2")]),
        ],
    );
    let rejected: Vec<bool> = verdicts.iter().map(Option::is_some).collect();
    // r1 gone: a 1, b 1, skew 1 on a — fits. r3 is on b, not a: not removed.
    // Each candidate starts from the state as given (r1 is back for b).
    assert_eq!(rejected, [true, false, true, false, false]);
    let message = verdicts[0].as_ref().unwrap().message(cluster);
    assert!(
        message.contains("didn't match pod topology spread constraints"),
        "{message}"
    );
    // The state given is untouched.
    assert_eq!(state.pods_on(a).len(), 2);
    assert_eq!(state.pods_on(b).len(), 1);
    assert!(scheduler.filter_among(state, pod, &[a]).feasible.is_empty());
}
