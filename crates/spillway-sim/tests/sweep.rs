//! Sweeps: `--vary` specs, setting values in the simulation file, determinism
//! across threads and shards, merging shards, percentiles and the ECI-bound
//! breakdown. The sweeps run a tiny simulation (one ECS node, one virtual
//! node, a gateway under a spike, 30 minutes in 15 s steps) written to a
//! temporary directory.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Value, json};
use spillway_sim::file::SimFile;
use spillway_sim::sweep::{
    self, RunRecord, Shard, Stats, SweepResult, Vary, VaryKind, WorkloadRecord, merge, merge_named,
    nearest_rank, read_result, report, set_path, table,
};
use spillway_sim::{Duration, Simulation};

const CLUSTER: &str = r#"ack:
  region: cn-hangzhou
  instanceTypes:
    ecs.g7.xlarge: {cpu: 4, memory: 16, pricePerHour: 1.152}
virtualNodes:
- {zone: cn-hangzhou-h, vswitches: [vsw-h]}
nodes:
- metadata:
    name: ecs-1
    labels: {kubernetes.io/hostname: ecs-1, topology.kubernetes.io/zone: cn-hangzhou-h, node.kubernetes.io/instance-type: ecs.g7.xlarge}
  status:
    allocatable: {cpu: 3800m, memory: 14Gi, pods: "64"}
namespaces:
- metadata: {name: istio-system, labels: {istio-injection: disabled}}
---
apiVersion: istio.alibabacloud.com/v1beta1
kind: IstioGateway
metadata: {name: gw, namespace: istio-system}
spec:
  replicaCount: 2
  minReplicas: 2
  maxReplicas: 20
  cpu: {targetAverageUtilization: 80}
  resources:
    requests: {cpu: "1", memory: 1Gi}
    limits: {cpu: "1", memory: 2Gi}
  tolerations:
  - {key: virtual-kubelet.io/provider, operator: Equal, value: alibabacloud, effect: NoSchedule}
"#;

const SIM: &str = r#"scenario: cluster.yaml
settings: {duration: 30m, step: 15s, seed: 7, eciStartupLatency: 30s}
workloads:
  istiogateway/gw:
    load:
      unit: rps
      perReplica: 1000
      trace:
        sum:
        - spike: {base: 1500, peak: 9000, at: 5m, rise: 2m, hold: 10m, fall: 5m}
        - random: {base: 0, spread: 300, every: 1m}
events:
- {at: 20m, nodeDown: ecs-1}
- {at: 25m, nodeUp: ecs-1}
"#;

const PEAK: &str = "workloads.istiogateway/gw.load.trace.sum[0].spike.peak";

/// A fresh directory with the tiny scenario and simulation; returns the
/// simulation file.
fn tiny(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("spillway-sweep-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("cluster.yaml"), CLUSTER).unwrap();
    std::fs::write(dir.join("sim.yaml"), SIM).unwrap();
    dir.join("sim.yaml")
}

fn cleanup(sim: &Path) {
    if let Some(dir) = sim.parent() {
        let _ = std::fs::remove_dir_all(dir);
    }
}

fn specs(s: &[&str]) -> Vec<Vary> {
    s.iter().map(|x| Vary::parse(x).unwrap()).collect()
}

/// The sweep the determinism tests share: a spike peak range, a duration range
/// and a list.
fn varied() -> Vec<Vary> {
    specs(&[
        &format!("{PEAK}=3000..12000"),
        "settings.eciStartupLatency=10s..90s",
        "settings.evictionDelay=1m,5m",
    ])
}

fn run(
    sim: &Path,
    runs: usize,
    vary: &[Vary],
    shard: Option<(usize, usize)>,
    threads: Option<usize>,
) -> SweepResult {
    sweep::sweep(sim, runs, vary, shard, threads, || {}).unwrap()
}

#[test]
fn vary_ranges_draw_within_bounds_reproducibly() {
    let ints = Vary::parse(" a.b = 1..5 ").unwrap();
    assert_eq!(ints.spec(), "a.b=1..5");
    assert_eq!(ints.key(), "a.b");
    assert_eq!(ints.kind(), VaryKind::Integer);
    let drawn: Vec<i64> = (0..200)
        .map(|r| ints.value(3, r).as_i64().unwrap())
        .collect();
    assert!(drawn.iter().all(|x| (1..=5).contains(x)), "{drawn:?}");
    for v in 1..=5 {
        assert!(drawn.contains(&v), "{v} never drawn: {drawn:?}");
    }
    // Per run, whatever else was drawn before.
    assert_eq!(ints.value(3, 17), ints.value(3, 17));
    assert_eq!(ints.value(3, 17).as_i64(), Some(drawn[17]));

    let reals = Vary::parse("x=0.5..1.5").unwrap();
    assert_eq!(reals.kind(), VaryKind::Number);
    let xs: Vec<f64> = (0..100)
        .map(|r| reals.value(3, r).as_f64().unwrap())
        .collect();
    assert!(xs.iter().all(|x| (0.5..=1.5).contains(x)), "{xs:?}");
    assert!(xs.iter().any(|x| x.fract() != 0.0 && *x != 0.5));
    assert!(xs.iter().any(|x| *x < 0.75) && xs.iter().any(|x| *x > 1.25));

    let secs = Vary::parse("settings.eciStartupLatency=10s..90s").unwrap();
    assert_eq!(secs.kind(), VaryKind::Duration);
    let ds: Vec<u64> = (0..100)
        .map(|r| secs.value(3, r).as_u64().unwrap())
        .collect();
    assert!(ds.iter().all(|x| (10..=90).contains(x)), "{ds:?}");
    // A plain number is seconds next to a duration.
    let mixed = Vary::parse("settings.step=0..2m").unwrap();
    assert_eq!(mixed.kind(), VaryKind::Duration);
    assert!((0..100).all(|r| mixed.value(1, r).as_u64().unwrap() <= 120));

    // The key and the file seed are part of the generator's seed.
    let a = Vary::parse("a=0..1000000").unwrap();
    let b = Vary::parse("b=0..1000000").unwrap();
    let seq = |v: &Vary, seed| (0..20).map(|r| v.value(seed, r)).collect::<Vec<_>>();
    assert_ne!(seq(&a, 1), seq(&b, 1));
    assert_ne!(seq(&a, 1), seq(&a, 2));
    // A one-value range.
    assert_eq!(Vary::parse("a=4..4").unwrap().value(9, 9), json!(4));
}

#[test]
fn vary_lists_cycle_by_run_index() {
    let zones = Vary::parse("events[0].zoneDown=x,y,z").unwrap();
    assert_eq!(zones.kind(), VaryKind::Text);
    let got: Vec<Value> = (0..6).map(|r| zones.value(99, r)).collect();
    assert_eq!(
        got,
        [
            json!("x"),
            json!("y"),
            json!("z"),
            json!("x"),
            json!("y"),
            json!("z")
        ]
    );

    let durations = Vary::parse("settings.step=30s,1m,2").unwrap();
    assert_eq!(durations.kind(), VaryKind::Duration);
    assert_eq!(
        (0..3).map(|r| durations.value(0, r)).collect::<Vec<_>>(),
        [json!(30), json!(60), json!(2)]
    );

    let numbers = Vary::parse("k=1, 2.5").unwrap();
    assert_eq!(numbers.kind(), VaryKind::Number);
    assert_eq!(numbers.value(0, 1), json!(2.5));
    assert_eq!(Vary::parse("k=1,2").unwrap().kind(), VaryKind::Integer);

    let text = Vary::parse("k=true,b").unwrap();
    assert_eq!(text.value(0, 0), json!(true));
    assert_eq!(text.value(0, 1), json!("b"));
    assert_eq!(Vary::parse("k=7").unwrap().value(5, 123), json!(7));
}

#[test]
fn vary_rejects_malformed_specs() {
    for (bad, says) in [
        ("", "expected KEY=a..b"),
        ("settings.step", "expected KEY=a..b"),
        ("=1..2", "no key"),
        ("a=", "no value"),
        ("a=5..1", "lower bound is above"),
        ("a=10m..1m", "lower bound is above"),
        ("a=1..", "both bounds"),
        ("a=..2", "both bounds"),
        ("a=1..x", "two numbers"),
        ("a=1s..2.5", "two numbers"),
        ("a=1,,2", "empty item"),
        ("a=1,", "empty item"),
        ("a.=1", "empty name"),
        ("a..b=1", "empty name"),
        ("events[x].at=1", "not a list index"),
        ("events[-1].at=1", "not a list index"),
        ("events[0.at=1", "without `]`"),
        ("events[0]x.at=1", "expected [INDEX]"),
        ("events]0.at=1", "without `[`"),
        ("scenario.nodes=1", "scenario is read once"),
        ("settings.seed=1..3", "sets the seed"),
    ] {
        match Vary::parse(bad) {
            Ok(v) => panic!("{bad:?} accepted as {v:?}"),
            Err(e) => assert!(e.contains(says), "{bad:?}: {e}"),
        }
    }
}

#[test]
fn set_path_sets_nested_values_list_items_and_slash_names() {
    let mut doc: Value = serde_yaml_ng::from_str(SIM).unwrap();
    set_path(&mut doc, "settings.eciStartupLatency", json!(45)).unwrap();
    set_path(&mut doc, "events[1].at", json!("26m")).unwrap();
    set_path(&mut doc, PEAK, json!(5000)).unwrap();
    set_path(
        &mut doc,
        "workloads.istiogateway/gw.load.perReplica",
        json!(1200.5),
    )
    .unwrap();
    // A key left at its default is added.
    set_path(&mut doc, "settings.evictionDelay", json!(90)).unwrap();
    assert_eq!(doc["settings"]["eciStartupLatency"], json!(45));
    assert_eq!(doc["events"][1]["at"], json!("26m"));
    assert_eq!(
        doc["workloads"]["istiogateway/gw"]["load"]["trace"]["sum"][0]["spike"]["peak"],
        json!(5000)
    );
    // The simulation file decodes from the changed document.
    let file: SimFile = serde_json::from_value(doc).unwrap();
    assert_eq!(file.settings.eci_startup_latency, Duration(45));
    assert_eq!(file.events[1].at, Duration(26 * 60));
    assert_eq!(
        file.workloads["istiogateway/gw"].load.per_replica,
        Some(1200.5)
    );
    assert_eq!(file.settings.eviction_delay, Duration(90));
}

#[test]
fn set_path_errors_name_the_key_and_create_nothing() {
    let original: Value = serde_yaml_ng::from_str(SIM).unwrap();
    for (key, says) in [
        (
            "workloads.nope.load.perReplica",
            "no key \"nope\" in workloads",
        ),
        ("events[5].at", "events has 2 entries; [5] is out of range"),
        (
            "workloads.istiogateway/gw.load",
            "is a mapping, not a single value",
        ),
        ("events", "is a list, not a single value"),
        ("settings.step[0]", "settings.step is a string, not a list"),
        (
            "settings.step.x",
            "settings.step is a string, not a mapping",
        ),
        ("events.at", "events is a list, not a mapping"),
    ] {
        let mut doc = original.clone();
        match set_path(&mut doc, key, json!(1)) {
            Ok(()) => panic!("{key}: set"),
            Err(e) => {
                assert!(e.starts_with(&format!("{key}: ")), "{key}: {e}");
                assert!(e.contains(says), "{key}: {e}");
            }
        }
        assert_eq!(doc, original, "{key}: the document changed");
    }
}

#[test]
fn a_key_the_file_lacks_fails_the_sweep_naming_it() {
    let sim = tiny("missing-key");
    let err = sweep::sweep(
        &sim,
        3,
        &specs(&["settings.nodePool=1,2"]),
        None,
        None,
        || {},
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("settings.nodePool"), "{err}");
    assert!(err.contains("unknown field"), "{err}");
    let err = sweep::sweep(
        &sim,
        3,
        &specs(&["workloads.nope.load.perReplica=1,2"]),
        None,
        None,
        || {},
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("no key \"nope\" in workloads"), "{err}");
    assert!(err.contains("sim.yaml"), "{err}");
    let twice = sweep::sweep(
        &sim,
        3,
        &specs(&["settings.step=15s", "settings.step=30s"]),
        None,
        None,
        || {},
    )
    .unwrap_err()
    .to_string();
    assert!(twice.contains("varied twice"), "{twice}");
    let shard = sweep::sweep(&sim, 3, &[], Some((2, 2)), None, || {})
        .unwrap_err()
        .to_string();
    assert!(shard.contains("--shard"), "{shard}");
    cleanup(&sim);
}

#[test]
fn runs_without_vary_match_plain_simulations() {
    let sim = tiny("plain");
    let result = run(&sim, 3, &[], None, Some(1));
    let loaded = Simulation::load(&sim).unwrap();
    assert_eq!(result.records.len(), 3);
    assert_eq!(result.currency, "CNY");
    for (i, rec) in result.records.iter().enumerate() {
        let outcome = loaded.run(Some(7 + i as u64)).unwrap();
        let w = &outcome.summary.workloads[0];
        assert_eq!((rec.run, rec.seed), (i, 7 + i as u64));
        assert_eq!(rec.workloads[0].name, "istiogateway/gw");
        assert_eq!(rec.workloads[0].peak_eci, w.peak_eci);
        assert_eq!(rec.workloads[0].peak_replicas, w.peak_replicas);
        assert_eq!(rec.peak_eci, w.peak_eci);
        assert_eq!(rec.overflow_seconds, w.overflow_seconds);
        assert_eq!(rec.pending_seconds, w.pending_seconds);
        assert_eq!(rec.workloads[0].min_survive_zone, w.min_survive_zone);
        assert_eq!(rec.cost_eci, outcome.summary.cost_eci);
        assert_eq!(
            rec.cost_total,
            outcome.summary.cost_ecs + outcome.summary.cost_eci
        );
    }
    cleanup(&sim);
}

#[test]
fn json_is_identical_across_threads_and_shards() {
    let sim = tiny("determinism");
    let vary = varied();
    let calls = AtomicUsize::new(0);
    let one = sweep::sweep(&sim, 20, &vary, None, Some(1), || {
        calls.fetch_add(1, Ordering::Relaxed);
    })
    .unwrap();
    assert_eq!(calls.load(Ordering::Relaxed), 20);
    let two = run(&sim, 20, &vary, None, Some(2));
    let j1 = sweep::json(&one, Some(6)).unwrap();
    let j2 = sweep::json(&two, Some(6)).unwrap();
    assert_eq!(j1, j2);

    assert_eq!(one.records.len(), 20);
    assert!(one.failed.is_empty(), "{:?}", one.failed);
    assert_eq!(
        one.records.iter().map(|r| r.run).collect::<Vec<_>>(),
        (0..20).collect::<Vec<_>>()
    );
    assert_eq!(one.records[19].seed, 26);
    // The varied values take effect: the spike's peak drives peak ECI.
    let peaks: std::collections::BTreeSet<usize> = one.records.iter().map(|r| r.peak_eci).collect();
    assert!(peaks.len() > 2, "{peaks:?}");
    let low = one
        .records
        .iter()
        .min_by_key(|r| r.values[PEAK].as_i64())
        .unwrap();
    let high = one
        .records
        .iter()
        .max_by_key(|r| r.values[PEAK].as_i64())
        .unwrap();
    assert!(low.peak_eci < high.peak_eci, "{low:?} {high:?}");
    assert_eq!(one.records[3].values["settings.evictionDelay"], json!(300));

    let s0 = run(&sim, 20, &vary, Some((0, 2)), None);
    let s1 = run(&sim, 20, &vary, Some((1, 2)), Some(2));
    assert_eq!(s0.shard, Some(Shard { index: 0, count: 2 }));
    assert!(s0.records.iter().all(|r| r.run % 2 == 0) && s0.records.len() == 10);
    assert!(s1.records.iter().all(|r| r.run % 2 == 1) && s1.records.len() == 10);
    let merged = merge(vec![s1.clone(), s0.clone()]).unwrap();
    assert_eq!(sweep::json(&merged, Some(6)).unwrap(), j1);
    // Through files, as `spillway merge` reads them.
    let dir = sim.parent().unwrap();
    let (p0, p1) = (dir.join("shard-0.json"), dir.join("shard-1.json"));
    std::fs::write(&p0, sweep::json(&s0, None).unwrap()).unwrap();
    std::fs::write(&p1, sweep::json(&s1, Some(3)).unwrap()).unwrap();
    let r0 = read_result(&p0).unwrap();
    assert_eq!(r0, s0);
    let merged = merge_named(vec![(p0, r0), (p1.clone(), read_result(&p1).unwrap())]).unwrap();
    assert_eq!(sweep::json(&merged, Some(6)).unwrap(), j1);
    cleanup(&sim);
}

#[test]
fn runs_the_values_break_are_reported_with_their_values() {
    let sim = tiny("failures");
    let result = run(&sim, 4, &specs(&["settings.step=0,15s"]), None, None);
    assert_eq!(
        result.records.iter().map(|r| r.run).collect::<Vec<_>>(),
        [1, 3]
    );
    assert_eq!(
        result.failed.iter().map(|f| f.run).collect::<Vec<_>>(),
        [0, 2]
    );
    let f = &result.failed[0];
    assert_eq!(f.values["settings.step"], json!(0));
    assert_eq!(f.seed, 7);
    assert!(
        f.error.contains("settings.step: must be longer than 0s"),
        "{}",
        f.error
    );
    let text = table(&report(&result, None));
    assert!(text.contains("runs: 2 done, 2 failed (of 4)"), "{text}");
    assert!(
        text.contains("run 0 (seed 7, settings.step=0s): "),
        "{text}"
    );

    // A value the file's types refuse.
    let typed = run(&sim, 2, &specs(&["settings.duration=abc,30m"]), None, None);
    assert_eq!(typed.failed.len(), 1);
    assert!(
        typed.failed[0].error.contains("abc"),
        "{}",
        typed.failed[0].error
    );

    let all = run(&sim, 3, &specs(&["settings.step=0"]), None, None);
    assert!(all.records.is_empty());
    assert_eq!(all.failed.len(), 3);
    assert!(report(&all, Some(1)).metrics.is_none());
    cleanup(&sim);
}

#[test]
fn merge_refuses_parts_of_other_sweeps_and_duplicates() {
    let sim = tiny("merge");
    let vary = specs(&["settings.eciStartupLatency=10s..90s"]);
    let a = run(&sim, 6, &vary, Some((0, 2)), None);
    let b = run(&sim, 6, &vary, Some((1, 2)), None);
    assert!(merge(vec![a.clone(), b.clone()]).is_ok());

    let err = |parts: Vec<SweepResult>| merge(parts).unwrap_err();
    let dup = err(vec![a.clone(), b.clone(), a.clone()]);
    assert!(
        dup.contains("part 3") && dup.contains("run 0 is also in part 1"),
        "{dup}"
    );

    let mut other = b.clone();
    other.file = "elsewhere/other.yaml".into();
    let e = err(vec![a.clone(), other]);
    assert!(
        e.contains("part 2: file") && e.contains("other.yaml"),
        "{e}"
    );

    let mut moved = b.clone();
    moved.file = format!("./{}", b.file);
    assert!(
        merge(vec![a.clone(), moved]).is_ok(),
        "same file name, another path"
    );

    let mut edited = b.clone();
    edited.digest = "0000000000000000".into();
    assert!(err(vec![a.clone(), edited]).contains("digest"));

    let mut longer = b.clone();
    longer.runs = 8;
    assert!(err(vec![a.clone(), longer]).contains("runs"));

    let mut revary = b.clone();
    revary.vary = specs(&["settings.eciStartupLatency=10s..60s"]);
    let e = err(vec![a.clone(), revary]);
    assert!(e.contains("vary") && e.contains("10s..60s"), "{e}");

    let mut stray = a.clone();
    stray.records.push(b.records[0].clone());
    let e = err(vec![stray]);
    assert!(e.contains("run 1 does not belong to shard 0/2"), "{e}");

    assert!(err(Vec::new()).contains("nothing to merge"));

    // Errors of merge_named name the files.
    let mut bad = b.clone();
    bad.runs = 9;
    let e = merge_named(vec![
        (PathBuf::from("/out/shard-0.json"), a.clone()),
        (PathBuf::from("/out/shard-1.json"), bad),
    ])
    .unwrap_err()
    .to_string();
    assert!(
        e.starts_with("/out/shard-1.json: runs:") && e.contains("/out/shard-0.json"),
        "{e}"
    );

    // One shard alone: the other's runs are missing.
    let half = merge(vec![a]).unwrap();
    let rep = report(&half, None);
    assert_eq!(rep.missing, [1, 3, 5]);
    assert_eq!((rep.done, rep.expected), (3, 6));
    assert!(table(&rep).contains("missing runs (no shard holds them): 1, 3, 5"));
    // A shard's own report misses nothing.
    assert!(report(&b, None).missing.is_empty());
    cleanup(&sim);
}

#[test]
fn percentiles_are_nearest_rank() {
    let data = [15, 20, 35, 40, 50];
    for (p, want) in [
        (0, 15),
        (5, 15),
        (20, 15),
        (21, 20),
        (30, 20),
        (40, 20),
        (50, 35),
        (95, 50),
        (100, 50),
    ] {
        assert_eq!(nearest_rank(&data, p), Some(want), "p{p}");
    }
    assert_eq!(nearest_rank::<u32>(&[], 50), None);
    let hundred: Vec<u32> = (1..=100).collect();
    assert_eq!(nearest_rank(&hundred, 95), Some(95));
    assert_eq!(nearest_rank(&hundred, 50), Some(50));
    assert_eq!(
        Stats::of(vec![3.5, 1.0, 2.0]),
        Some(Stats {
            min: 1.0,
            p50: 2.0,
            p95: 3.5,
            max: 3.5
        })
    );
    assert_eq!(Stats::<u64>::of(Vec::new()), None);

    // Over a result's records: 20 runs with peak ECI 20, 19, …, 1.
    let result = synthetic(&[], (0..20).map(|i| (20 - i, BTreeMap::new())).collect());
    let m = report(&result, None).metrics.unwrap();
    assert_eq!(
        m.peak_eci,
        Stats {
            min: 1,
            p50: 10,
            p95: 19,
            max: 20
        }
    );
    assert_eq!(m.cost_eci.p95, 19.0 * 0.5);
    assert_eq!(m.cost_total.max, 20.0 * 0.5 + 10.0);
    assert_eq!(m.overflow_seconds.p50, 10 * 60);
    let text = table(&report(&result, None));
    let row = |name: &str| {
        let line = text.lines().find(|l| l.starts_with(name)).unwrap();
        line[name.len()..]
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(row("peak ECI replicas"), "1 10 19 20", "{text}");
    assert_eq!(row("overflow time"), "1m 10m 19m 20m", "{text}");
    assert!(text.contains("nearest rank"), "{text}");
}

/// A result with one record per `(peak ECI, values)`, costs and overflow
/// following the peak.
fn synthetic(vary: &[&str], runs: Vec<(usize, BTreeMap<String, Value>)>) -> SweepResult {
    let records = runs
        .into_iter()
        .enumerate()
        .map(|(run, (peak, values))| RunRecord {
            run,
            seed: run as u64,
            values,
            workloads: vec![WorkloadRecord {
                name: "istiogateway/gw".into(),
                peak_replicas: peak + 4,
                peak_eci: peak,
                overflow_seconds: peak as u64 * 60,
                pending_seconds: 0,
                min_survive_node: 1,
                min_survive_zone: 0,
            }],
            peak_eci: peak,
            overflow_seconds: peak as u64 * 60,
            pending_seconds: 0,
            cost_ecs: 10.0,
            cost_eci: peak as f64 * 0.5,
            cost_total: 10.0 + peak as f64 * 0.5,
        })
        .collect::<Vec<_>>();
    SweepResult {
        file: "sim.yaml".into(),
        digest: "0".into(),
        currency: "CNY".into(),
        runs: records.len(),
        shard: None,
        vary: specs(vary),
        records,
        failed: Vec::new(),
    }
}

#[test]
fn eci_bound_breaks_values_down_within_and_above() {
    // k = a keeps ECI at 2; b alternates 0 and 10 by run parity; c needs 10.
    let runs = (0..30usize)
        .map(|i| {
            let k = ["a", "b", "c"][i % 3];
            let peak = match k {
                "a" => 2,
                "b" => i % 2 * 10,
                _ => 10,
            };
            let values = BTreeMap::from([
                ("k".to_string(), json!(k)),
                ("n".to_string(), json!(i + 1)),
                ("d".to_string(), json!(if peak <= 5 { 30 } else { 90 })),
            ]);
            (peak, values)
        })
        .collect();
    let result = synthetic(&["k=a,b,c", "n=1..100", "d=30s,90s"], runs);
    let rep = report(&result, Some(5));
    let b = rep.eci_bound.clone().unwrap();
    assert_eq!((b.bound, b.within, b.over), (5, 15, 15));
    assert_eq!(b.fraction, 0.5);

    let k = &b.keys[0];
    assert_eq!(k.key, "k");
    assert!(!k.binned);
    let counts: Vec<(&str, usize, usize)> = k
        .values
        .iter()
        .map(|c| (c.label.as_str(), c.within, c.over))
        .collect();
    assert_eq!(counts, [("a", 10, 0), ("b", 5, 5), ("c", 0, 10)]);
    assert_eq!(k.range, Some((json!("a"), json!("c"))));
    assert_eq!(k.within_range, Some((json!("a"), json!("b"))));
    assert_eq!(k.over_range, Some((json!("b"), json!("c"))));

    // 30 distinct values: grouped into tenths of the spec's range 1..100.
    let n = &b.keys[1];
    assert!(n.binned);
    let bins: Vec<(&str, usize)> = n
        .values
        .iter()
        .map(|c| (c.label.as_str(), c.within + c.over))
        .collect();
    assert_eq!(bins, [("1..10", 10), ("11..20", 10), ("21..30", 10)]);
    assert_eq!(n.values[0].from, json!(1));
    assert_eq!(n.values[0].to, json!(10));
    assert_eq!(n.range, Some((json!(1), json!(30))));

    // Durations print as durations.
    let d = &b.keys[2];
    let counts: Vec<(&str, usize, usize)> = d
        .values
        .iter()
        .map(|c| (c.label.as_str(), c.within, c.over))
        .collect();
    assert_eq!(counts, [("30s", 15, 0), ("1m30s", 0, 15)]);

    let text = table(&rep);
    assert!(
        text.contains("peak ECI replicas ≤ 5: 15 of 30 runs (50.0%)"),
        "{text}"
    );
    assert!(
        text.contains("k: a..c (within the bound: a..b; above: b..c)"),
        "{text}"
    );
    assert!(text.contains("  b       5        5       50%"), "{text}");
    assert!(
        text.contains("d: 30s..1m30s (within the bound: 30s; above: 1m30s)"),
        "{text}"
    );
    assert!(text.contains("  1..10    "), "{text}");

    // Without a bound, no breakdown; JSON carries it when asked.
    assert!(report(&result, None).eci_bound.is_none());
    let j: Value = serde_json::from_str(&sweep::json(&result, Some(5)).unwrap()).unwrap();
    assert_eq!(j["report"]["eciBound"]["within"], json!(15));
    assert_eq!(
        j["report"]["eciBound"]["keys"][0]["values"][1]["over"],
        json!(5)
    );
    assert_eq!(j["records"].as_array().unwrap().len(), 30);
}

#[test]
fn real_ranges_bin_into_tenths() {
    let runs = (0..40usize)
        .map(|i| {
            let x = 0.5 + i as f64 / 40.0;
            (
                usize::from(x > 1.0) * 10,
                BTreeMap::from([("x".to_string(), json!(x))]),
            )
        })
        .collect();
    let result = synthetic(&["x=0.5..1.5"], runs);
    let b = report(&result, Some(5)).eci_bound.unwrap();
    let x = &b.keys[0];
    assert!(x.binned);
    let bins: Vec<(&str, usize, usize)> = x
        .values
        .iter()
        .map(|c| (c.label.as_str(), c.within, c.over))
        .collect();
    assert_eq!(
        bins,
        [
            ("0.5..0.6", 4, 0),
            ("0.6..0.7", 4, 0),
            ("0.7..0.8", 4, 0),
            ("0.8..0.9", 4, 0),
            ("0.9..1", 4, 0),
            ("1..1.1", 1, 3),
            ("1.1..1.2", 0, 4),
            ("1.2..1.3", 0, 4),
            ("1.3..1.4", 0, 4),
            ("1.4..1.5", 0, 4)
        ]
    );
}
