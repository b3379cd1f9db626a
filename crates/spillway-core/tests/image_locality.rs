//! Port of kube-scheduler v1.35's own ImageLocality test tables
//! (`pkg/scheduler/framework/plugins/imagelocality/image_locality_test.go`):
//! `TestImageLocalityPriority` (Score; ImageLocality has no NormalizeScore) and
//! `TestNormalizedImageName`, driven through the public engine API.
//!
//! `TestNormalizedImageName` tests an internal helper; it is ported through its only
//! observable effect: a pod image written as the input matches a node image listed
//! under the normalised name (one node, one 2000 MB image, one container: score 100).
//!
//! Skipped upstream cases (reason): none.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Debug;

use spillway_core::spec::{Container, ContainerImage, Node, Pod};
use spillway_core::{Cluster, ClusterSpec, Plugin, Profile, Quantity, Scheduler};

const MB: i64 = 1024 * 1024;

type Images = &'static [(&'static [&'static str], i64)];

const NODE_403002000: Images = &[
    (&["gcr.io/40:latest", "gcr.io/40:v1", "gcr.io/40:v1"], 40),
    (&["gcr.io/300:latest", "gcr.io/300:v1"], 300),
    (&["gcr.io/2000:latest"], 2000),
];
const NODE_25010: Images = &[
    (&["gcr.io/250:latest"], 250),
    (&["gcr.io/10:latest", "gcr.io/10:v1"], 10),
];
const NODE_60040900: Images = &[
    (&["gcr.io/600:latest"], 600),
    (&["gcr.io/40:latest"], 40),
    (&["gcr.io/900:latest"], 900),
];
const NODE_300600900: Images = &[
    (&["gcr.io/300:latest"], 300),
    (&["gcr.io/600:latest"], 600),
    (&["gcr.io/900:latest"], 900),
];
const NODE_400030: Images = &[(&["gcr.io/4000:latest"], 4000), (&["gcr.io/30:latest"], 30)];
const NODE_203040: Images = &[
    (&["gcr.io/20:latest"], 20),
    (&["gcr.io/30:latest"], 30),
    (&["gcr.io/40:latest"], 40),
];
const NODE_WITH_NO_IMAGES: Images = &[];

/// `makeImageNode`, plus room for one pod so that NodeResourcesFit never decides.
fn make_image_node(name: &str, images: Images) -> Node {
    let mut n = Node {
        name: name.to_string(),
        images: images
            .iter()
            .map(|(names, size_mb)| ContainerImage {
                names: names.iter().map(|s| s.to_string()).collect(),
                size_bytes: size_mb * MB,
            })
            .collect(),
        ..Node::default()
    };
    n.allocatable
        .insert("pods".to_string(), Quantity::from_value(110));
    n
}

fn container(image: &str) -> Container {
    Container {
        name: image.replace(['/', '.', ':', '@'], "-"),
        image: image.to_string(),
        ..Container::default()
    }
}

/// A pod spec with these container images and init container images.
fn pod(images: &[&str], init_images: &[&str]) -> Pod {
    Pod {
        namespace: "default".to_string(),
        name: "pod".to_string(),
        containers: images.iter().map(|i| container(i)).collect(),
        init_containers: init_images.iter().map(|i| container(i)).collect(),
        ..Pod::default()
    }
}

/// ImageLocality's score of every node, in node order.
fn image_scores(nodes: Vec<Node>, pod: Pod) -> Vec<(String, Option<i64>)> {
    let snap = Cluster::compile(&ClusterSpec {
        nodes,
        incoming: vec![pod],
        ..ClusterSpec::default()
    })
    .expect("compile");
    let ev =
        Scheduler::new(&snap.cluster, Profile::default()).evaluate(&snap.state, snap.incoming[0]);
    assert!(
        ev.rejected.is_empty(),
        "a node was rejected: {:?}",
        ev.rejected
    );
    ev.feasible
        .iter()
        .map(|ns| {
            let score = ns
                .plugins
                .iter()
                .find(|p| p.0 == Plugin::ImageLocality)
                .map(|p| p.1);
            (snap.cluster.node_name(ns.node).to_string(), score)
        })
        .collect()
}

fn eq<T: PartialEq + Debug>(case: &str, what: &str, got: T, want: T) -> Result<(), String> {
    if got == want {
        Ok(())
    } else {
        Err(format!("{case}: {what}: got {got:?}, want {want:?}"))
    }
}

// ---------------------------------------------------------------------------------------
// TestImageLocalityPriority
// ---------------------------------------------------------------------------------------

struct Case {
    name: &'static str,
    pod: Pod,
    nodes: Vec<Node>,
    expected: &'static [(&'static str, i64)],
}

fn cases() -> Vec<Case> {
    let test40250 = pod(&["gcr.io/40", "gcr.io/250"], &[]);
    let test40300 = pod(&["gcr.io/40", "gcr.io/300"], &[]);
    let test_min_max = pod(&["gcr.io/10", "gcr.io/4000"], &[]);
    let test300600900 = pod(&["gcr.io/300", "gcr.io/600", "gcr.io/900"], &[]);
    let test3040 = pod(&["gcr.io/30", "gcr.io/40"], &[]);
    let test30_init300 = pod(&["gcr.io/30"], &["gcr.io/300"]);
    vec![
        Case {
            // Pod: gcr.io/40 gcr.io/250
            // Node1: gcr.io/40:latest 40MB; Score: 0 (40M/2 < 23M, min-threshold)
            // Node2: gcr.io/250:latest 250MB; Score: 100 * (250M/2 - 23M)/(1000M * 2 - 23M) = 5
            name: "two images spread on two nodes, prefer the larger image one",
            pod: test40250,
            nodes: vec![
                make_image_node("node1", NODE_403002000),
                make_image_node("node2", NODE_25010),
            ],
            expected: &[("node1", 0), ("node2", 5)],
        },
        Case {
            // Pod: gcr.io/40 gcr.io/300
            // Node1: 100 * ((40M + 300M)/2 - 23M)/(1000M * 2 - 23M) = 7; Node2: 0
            name: "two images on one node, prefer this node",
            pod: test40300,
            nodes: vec![
                make_image_node("node1", NODE_403002000),
                make_image_node("node2", NODE_25010),
            ],
            expected: &[("node1", 7), ("node2", 0)],
        },
        Case {
            // Pod: gcr.io/4000 gcr.io/10
            // Node1: 100 (4000 * 1/2 >= 1000M * 2, max-threshold); Node2: 0 (min-threshold)
            name: "if exceed limit, use limit",
            pod: test_min_max.clone(),
            nodes: vec![
                make_image_node("node1", NODE_400030),
                make_image_node("node2", NODE_25010),
            ],
            expected: &[("node1", 100), ("node2", 0)],
        },
        Case {
            // Node1: 100 * (4000M/3 - 23M)/(1000M * 2 - 23M) = 66; Node2: 0; Node3: 0
            name: "if exceed limit, use limit (with node which has no images present)",
            pod: test_min_max,
            nodes: vec![
                make_image_node("node1", NODE_400030),
                make_image_node("node2", NODE_25010),
                make_image_node("node3", NODE_WITH_NO_IMAGES),
            ],
            expected: &[("node1", 66), ("node2", 0), ("node3", 0)],
        },
        Case {
            // Node1: 100 * (600M * 2/3 + 900M * 2/3 - 23M) / (1000M * 3 - 23M) = 32
            // Node2: 100 * (300M * 1/3 + 600M * 2/3 + 900M * 2/3 - 23M) / (1000M *3 - 23M) = 36
            name: "pod with multiple large images, node2 is preferred",
            pod: test300600900,
            nodes: vec![
                make_image_node("node1", NODE_60040900),
                make_image_node("node2", NODE_300600900),
                make_image_node("node3", NODE_WITH_NO_IMAGES),
            ],
            expected: &[("node1", 32), ("node2", 36), ("node3", 0)],
        },
        Case {
            // Node1: 100 * (30M + 40M * 1/2 - 23M) / (1000M * 2 - 23M) = 1; Node2: 0
            name: "pod with multiple small images",
            pod: test3040,
            nodes: vec![
                make_image_node("node1", NODE_203040),
                make_image_node("node2", NODE_400030),
            ],
            expected: &[("node1", 1), ("node2", 0)],
        },
        Case {
            // Pod: gcr.io/30  InitContainers: gcr.io/300
            // Node1: 100 * (300M * 1/2 - 23M) / (1000M * 2 - 23M) = 6; Node2: 0
            name: "include InitContainers: two images spread on two nodes, prefer the larger image one",
            pod: test30_init300,
            nodes: vec![
                make_image_node("node1", NODE_403002000),
                make_image_node("node2", NODE_203040),
            ],
            expected: &[("node1", 6), ("node2", 0)],
        },
    ]
}

#[test]
fn test_image_locality_priority() {
    let cases = cases();
    assert!(!cases.is_empty());
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|c| {
            let got = image_scores(c.nodes.clone(), c.pod.clone());
            let want = c
                .expected
                .iter()
                .map(|(n, s)| (n.to_string(), Some(*s)))
                .collect();
            eq(c.name, "ImageLocality scores", got, want).err()
        })
        .collect();
    assert!(
        failures.is_empty(),
        "failed cases:\n{}",
        failures.join("\n")
    );
}

// ---------------------------------------------------------------------------------------
// TestNormalizedImageName
// ---------------------------------------------------------------------------------------

/// `getImageFakeDigest("root")`: `sha256:` + hex(sha256("root")).
const ROOT_DIGEST: &str = "sha256:4813494d137e1631bba301d5acab6e7bb7aa74ce1185d456565ef51d737677b2";

#[test]
fn test_normalized_image_name() {
    let root_digest = format!("root@{ROOT_DIGEST}");
    let cases: Vec<(&str, &str, String)> = vec![
        ("add :latest postfix 1", "root", "root:latest".to_string()),
        (
            "add :latest postfix 2",
            "gcr.io:5000/root",
            "gcr.io:5000/root:latest".to_string(),
        ),
        ("keep it as is 1", "root:tag", "root:tag".to_string()),
        ("keep it as is 2", &root_digest, root_digest.clone()),
    ];
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|(name, input, output)| {
            let node = {
                let mut n = make_image_node("node1", &[]);
                n.images.push(ContainerImage {
                    names: vec![output.clone()],
                    size_bytes: 2000 * MB,
                });
                n
            };
            let got = image_scores(vec![node], pod(&[input], &[]));
            eq(
                name,
                "ImageLocality score of a node holding the normalised name",
                got,
                vec![("node1".to_string(), Some(100))],
            )
            .err()
        })
        .collect();
    assert!(
        failures.is_empty(),
        "failed cases:\n{}",
        failures.join("\n")
    );
}
