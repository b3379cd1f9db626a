//! The golden corpus against every engine configuration: the full evaluation
//! (`Scheduler::schedule`) and the fast placement path (`Placer`), by name and by
//! seeded tie-break. The CLI test `golden.rs` checks every reported field; this one
//! checks that the configurations place every pod identically.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use serde_json::Value;
use spillway_core::framework::Placer;
use spillway_core::{NodeIdx, Profile, Scheduler, TieBreak, TieBreaker};
use spillway_kube::{PodResult, Scenario};

fn scenarios() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/golden/scenarios");
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    assert!(v.len() >= 64);
    v
}

fn expected(scenario: &Path) -> Vec<Value> {
    let path = scenario
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("expected")
        .join(scenario.file_name().unwrap());
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v["results"].as_array().unwrap().clone()
}

#[test]
fn full_evaluation_matches_every_golden_result() {
    for s in scenarios() {
        let snap = Scenario::load(&s).unwrap().compile().unwrap();
        let scheduler = Scheduler::new(&snap.cluster, Profile::default());
        let mut state = snap.state.clone();
        let mut tie = TieBreaker::new(TieBreak::Name);
        for (pod, want) in snap.incoming.iter().zip(expected(&s)) {
            let ev = scheduler.schedule(&mut state, *pod, &mut tie);
            let got = serde_json::to_value(PodResult::new(&snap.cluster, &ev)).unwrap();
            assert_eq!(got, want, "{}", s.display());
        }
    }
}

fn placements(s: &Path, tie: TieBreak, fast: bool) -> Vec<Option<NodeIdx>> {
    let snap = Scenario::load(s).unwrap().compile().unwrap();
    let scheduler = Scheduler::new(&snap.cluster, Profile::default());
    let mut placer = Placer::new(&scheduler);
    let mut state = snap.state.clone();
    let mut tie = TieBreaker::new(tie);
    snap.incoming
        .iter()
        .map(|&pod| {
            if fast {
                placer.place(&mut state, pod, &mut tie)
            } else {
                scheduler.schedule(&mut state, pod, &mut tie).assigned
            }
        })
        .collect()
}

#[test]
fn fast_placement_agrees_with_full_evaluation_on_every_golden_scenario() {
    for s in scenarios() {
        for tie in [TieBreak::Name, TieBreak::Seed(1), TieBreak::Seed(42)] {
            assert_eq!(
                placements(&s, tie, true),
                placements(&s, tie, false),
                "{} {tie:?}",
                s.display()
            );
        }
    }
}
