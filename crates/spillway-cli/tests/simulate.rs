//! `spillway simulate`, `sweep` and `merge` end to end: the bundled spike story
//! (ECS fills, overflow to ECI and back, the zone failure at 3h), its table, JSON,
//! CSV and HTML outputs, determinism, bad simulation files (exit 2 naming the
//! file and the line or field), and sweeps that give the same bytes whatever the
//! threads or shards.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// The workspace root, where `examples/` is.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs `spillway` in the workspace root.
fn spillway(args: &[&str]) -> Output {
    spillway_in(&root(), args)
}

/// Runs `spillway` in `dir`.
fn spillway_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spillway"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run spillway")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts exit 0 and returns stdout.
fn ok(o: &Output) -> String {
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(o));
    stdout(o)
}

/// Asserts exit 2 (bad input), nothing on stdout and no panic; returns stderr.
fn bad_input(o: &Output) -> String {
    let err = stderr(o);
    assert_eq!(
        o.status.code(),
        Some(2),
        "stdout: {}\nstderr: {err}",
        stdout(o)
    );
    assert!(o.stdout.is_empty(), "no output on bad input: {}", stdout(o));
    assert!(err.starts_with("spillway: "), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    err
}

/// `spillway simulate -o json` on the bundled simulation, parsed.
fn bundled_json() -> Value {
    let out = spillway(&["simulate", "--output", "json"]);
    serde_json::from_str(&ok(&out)).expect("simulate JSON")
}

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!(
            "spillway-cli-simulate-{}-{name}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    /// Writes `text` to `name` in the directory; returns its path.
    fn write(&self, name: &str, text: impl AsRef<[u8]>) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// As the reports write an instant: `1h05m`, `1h03m30s`.
fn clock(t: u64) -> String {
    let (h, m, s) = (t / 3600, t % 3600 / 60, t % 60);
    if s == 0 {
        format!("{h}h{m:02}m")
    } else {
        format!("{h}h{m:02}m{s:02}s")
    }
}

fn u(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a count: {v}"))
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

const GATEWAY: &str = "istiogateway/ingressgateway-1";

// ---------------------------------------------------------------------------
// The bundled simulation.
// ---------------------------------------------------------------------------

#[test]
fn simulate_without_a_file_prints_the_summary_of_the_bundled_spike() {
    let v = bundled_json();
    let s = &v["summary"]["workloads"][0];
    let text = ok(&spillway(&["simulate"]));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "spillway simulation: 1 workload, 5h in 15s steps, seed 42"
    );
    for header in [
        "PEAK ECI",
        "OVERFLOW SPANS",
        "AFTER NODE LOSS",
        "AFTER ZONE LOSS",
    ] {
        assert!(text.contains(header), "{header:?} missing:\n{text}");
    }
    // The gateway's summary row says what the JSON says.
    let row = lines
        .iter()
        .find(|l| l.starts_with(GATEWAY))
        .unwrap_or_else(|| panic!("no summary row:\n{text}"));
    let (from, to) = (u(&s["overflowSpans"][0][0]), u(&s["overflowSpans"][0][1]));
    for part in [
        format!("   {}   ", u(&s["peakReplicas"])),
        format!("{} at {}", u(&s["peakEci"]), clock(u(&s["peakEciAt"]))),
        format!("   {}   ", clock(u(&s["overflowStart"]))),
        format!(
            "{} at {}",
            u(&s["minSurviveNode"]),
            clock(u(&s["minSurviveNodeAt"]))
        ),
        format!(
            "{} at {}",
            u(&s["minSurviveZone"]),
            clock(u(&s["minSurviveZoneAt"]))
        ),
        format!("   {:.2}   ", f(&s["costEci"])),
        format!("{}–{}", clock(from), clock(to)),
    ] {
        assert!(row.contains(&part), "{part:?} missing from {row:?}");
    }
    // Cost of ECS and ECI (both under 1,000: no thousands separator).
    let (ecs, eci) = (f(&v["summary"]["costEcs"]), f(&v["summary"]["costEci"]));
    assert!(
        text.contains(&format!(
            "Cost: ECS CNY {ecs:.2}, ECI CNY {eci:.2}, total CNY {:.2} (ECI ",
            ecs + eci
        )),
        "{text}"
    );
    assert!(text.contains("\nPending pods: none\n"), "{text}");

    // The timeline: 5h / 40 rounded up to whole minutes is 8m, plus the rows of
    // the three events (3h00m, 3h05m evictions, 3h45m), none on an 8m mark.
    let start = lines.iter().position(|l| l.starts_with("TIME")).unwrap();
    assert!(lines[start + 1].contains("ECS/ECI/PEND"), "{text}");
    let rows: Vec<Vec<&str>> = lines[start + 2..]
        .iter()
        .take_while(|l| !l.is_empty())
        .map(|l| l.split_whitespace().collect())
        .collect();
    let mut want: Vec<u64> = (0..18_000).step_by(480).collect();
    want.extend([10_800, 11_100, 13_500]);
    want.sort_unstable();
    let times: Vec<&str> = rows.iter().map(|r| r[0]).collect();
    assert_eq!(
        times,
        want.iter().map(|&t| clock(t)).collect::<Vec<_>>(),
        "{text}"
    );
    // Each row's ECS/ECI/PEND and SURVIVE cells are the JSON step's.
    for (row, &t) in rows.iter().zip(&want) {
        let w = &v["steps"][(t / 15) as usize]["workloads"][0];
        assert_eq!(
            row[1],
            format!("{}/{}/{}", u(&w["ecs"]), u(&w["eci"]), u(&w["pending"])),
            "{row:?}"
        );
        assert!(
            row.contains(&format!("{}/{}", u(&w["surviveNode"]), u(&w["surviveZone"])).as_str()),
            "{row:?}"
        );
    }
    let failure = lines
        .iter()
        .find(|l| l.starts_with("3h00m "))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(failure.ends_with("zone cn-hangzhou-h down"), "{failure}");
}

#[test]
fn simulate_every_sets_the_timeline_spacing() {
    let text = ok(&spillway(&["simulate", "--every", "1h"]));
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.iter().position(|l| l.starts_with("TIME")).unwrap();
    let times: Vec<&str> = lines[start + 2..]
        .iter()
        .map(|l| l.split_whitespace().next().unwrap_or_default())
        .collect();
    assert_eq!(
        times,
        [
            "0h00m", "1h00m", "2h00m", "3h00m", "3h05m", "3h45m", "4h00m"
        ],
        "{text}"
    );
}

#[test]
fn the_bundled_story_fills_ecs_then_overflows_to_eci_and_comes_back() {
    let v = bundled_json();
    assert_eq!(v["workloads"], serde_json::json!([GATEWAY]));
    assert_eq!(
        (
            u(&v["seed"]),
            u(&v["stepSeconds"]),
            u(&v["durationSeconds"])
        ),
        (42, 15, 5 * 3600)
    );
    assert_eq!(v["currency"], "CNY");
    let steps = v["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 5 * 3600 / 15, "one step per 15s");
    let gw = |s: &Value| s["workloads"][0].clone();
    for (i, s) in steps.iter().enumerate() {
        let w = gw(s);
        assert_eq!(u(&s["t"]), 15 * i as u64);
        assert_eq!(
            u(&w["ecs"]) + u(&w["eci"]) + u(&w["pending"]),
            u(&w["pods"]),
            "every pod is on ECS, on ECI or Pending at {}",
            s["t"]
        );
        assert_eq!(u(&s["ecsPods"]), u(&w["ecs"]));
        assert_eq!(u(&s["eciPods"]), u(&w["eci"]));
    }

    // ECI is used at the peak; the peak is where the summary says.
    let s = &v["summary"]["workloads"][0];
    let peak_eci = steps.iter().map(|s| u(&gw(s)["eci"])).max().unwrap();
    assert!(peak_eci > 0, "the spike overflows to ECI");
    assert_eq!(u(&s["peakEci"]), peak_eci);
    let at = u(&s["peakEciAt"]);
    assert_eq!(u(&gw(&steps[(at / 15) as usize])["eci"]), peak_eci);

    // ECS fills before ECI is used: 4 nodes x 3 replicas of 2 cpu, all taken at
    // the first step with a replica on ECI, and ECS never holds more.
    let ecs_capacity = steps.iter().map(|s| u(&gw(s)["ecs"])).max().unwrap();
    assert_eq!(ecs_capacity, 12);
    let first = steps.iter().position(|s| u(&gw(s)["eci"]) > 0).unwrap();
    assert_eq!(u(&gw(&steps[first])["ecs"]), ecs_capacity);
    assert!(u(&gw(&steps[first - 1])["ecs"]) < ecs_capacity);
    assert_eq!(u(&s["overflowStart"]), u(&steps[first]["t"]));
    assert!(
        (3600..3600 + 600).contains(&u(&s["overflowStart"])),
        "the overflow starts as the spike rises (1h, 10m rise): {}",
        s["overflowStart"]
    );

    // The overflow ends before the end of the run, and its spans are closed.
    assert_eq!(u(&gw(steps.last().unwrap())["eci"]), 0);
    let spans = s["overflowSpans"].as_array().unwrap();
    assert!(!spans.is_empty());
    for span in spans {
        let (from, to) = (u(&span[0]), u(&span[1]));
        assert!(from < to && to < 5 * 3600, "{span}");
    }
    let last = spans.last().unwrap();
    assert!(
        steps[(u(&last[1]) / 15) as usize..]
            .iter()
            .all(|s| u(&gw(s)["eci"]) == 0),
        "no ECI after the last span"
    );
    let covered: u64 = spans.iter().map(|p| u(&p[1]) - u(&p[0])).sum();
    assert_eq!(u(&s["overflowSeconds"]), covered);
    assert_eq!(u(&s["peakReplicas"]), {
        steps.iter().map(|s| u(&gw(s)["pods"])).max().unwrap()
    });

    // Cost: ECS and ECI both paid; cumulative, the last step is the summary.
    let (ecs, eci) = (f(&v["summary"]["costEcs"]), f(&v["summary"]["costEci"]));
    assert!(ecs > 0.0 && eci > 0.0, "ECS {ecs}, ECI {eci}");
    assert!(ecs > eci, "ECI only during the spike: ECS {ecs}, ECI {eci}");
    assert!((f(&s["costEci"]) - eci).abs() < 1e-9);
    let end = steps.last().unwrap();
    assert!((f(&end["costEcs"]) - ecs).abs() < 1e-9);
    assert!((f(&end["costEci"]) - eci).abs() < 1e-9);
    for pair in steps.windows(2) {
        assert!(f(&pair[1]["costEcs"]) >= f(&pair[0]["costEcs"]));
        assert!(f(&pair[1]["costEci"]) >= f(&pair[0]["costEci"]));
    }
    // Four ecs.g7.2xlarge at 2.304/h for 5h, less the two of zone h while it
    // is down (3h to 3h45m).
    let want = 2.304 * (4.0 * 5.0 - 2.0 * 0.75);
    assert!((ecs - want).abs() < 1e-6, "ECS cost {ecs}, want {want}");
    assert_eq!(v["summary"]["pending"], serde_json::json!([]));
}

#[test]
fn the_zone_failure_at_3h_lowers_ready_and_surviving_replicas() {
    let v = bundled_json();
    let steps = v["steps"].as_array().unwrap();
    let step = |t: u64| &steps[(t / 15) as usize];
    let gw = |t: u64| step(t)["workloads"][0].clone();
    let (before, down) = (gw(3 * 3600 - 15), gw(3 * 3600));
    assert_eq!(
        step(3 * 3600)["events"],
        serde_json::json!(["zone cn-hangzhou-h down"])
    );
    assert_eq!(u(&before["ready"]), 4);
    assert!(u(&down["ready"]) < u(&before["ready"]), "{down}");
    assert!(
        u(&down["surviveZone"]) < u(&before["surviveZone"]),
        "{down}"
    );
    assert!(
        u(&down["surviveNode"]) < u(&before["surviveNode"]),
        "{down}"
    );
    // The pods of the failed zone still count until evicted (5m later), then
    // are replaced in the other zone.
    assert_eq!(u(&down["pods"]), 4);
    let evicted = step(3 * 3600 + 300);
    assert_eq!(
        evicted["events"],
        serde_json::json!(["2 pod(s) evicted from failed nodes"])
    );
    let after = gw(3 * 3600 + 600);
    assert_eq!(u(&after["ready"]), 4);
    assert_eq!(after["byZone"], serde_json::json!({"cn-hangzhou-i": 4}));
    assert_eq!(
        step(3 * 3600 + 45 * 60)["events"],
        serde_json::json!(["zone cn-hangzhou-h up"])
    );
    // The summary's fewest ready after a zone loss starts with the failure.
    let s = &v["summary"]["workloads"][0];
    assert_eq!(u(&s["minSurviveZoneAt"]), 3 * 3600);
    assert_eq!(u(&s["minSurviveZone"]), u(&down["surviveZone"]));
    assert!(u(&s["minSurviveNode"]) <= u(&down["surviveNode"]));
}

#[test]
fn the_bundled_simulation_runs_from_any_directory() {
    let dir = TempDir::new("anywhere");
    let there = spillway_in(&dir.0, &["simulate", "--output", "json"]);
    let here = spillway(&["simulate", "--output", "json"]);
    assert_eq!(ok(&there), ok(&here));
}

// ---------------------------------------------------------------------------
// Output formats and determinism.
// ---------------------------------------------------------------------------

#[test]
fn report_writes_a_self_contained_html_page_with_charts() {
    let dir = TempDir::new("report");
    let page = dir.0.join("run.html");
    let text = ok(&spillway(&["simulate", "--report", page.to_str().unwrap()]));
    assert!(
        text.ends_with(&format!("\nHTML report: {}\n", page.display())),
        "{text}"
    );
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(
        html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"),
        "{html:.200}"
    );
    assert!(html.contains("<title>spillway simulation: 1 workload, 5h</title>"));
    assert!(html.contains("<svg"));
    assert!(html.contains("zone cn-hangzhou-h down"));
    assert!(html.ends_with("</html>\n"));
    assert!(!html.contains("<script"), "no scripts");

    // With --output json the report is the same and stdout is only JSON.
    let again = dir.0.join("again.html");
    let out = ok(&spillway(&[
        "simulate",
        "--output",
        "json",
        "--report",
        again.to_str().unwrap(),
    ]));
    serde_json::from_str::<Value>(&out).expect("stdout is JSON only");
    assert_eq!(std::fs::read_to_string(&again).unwrap(), html);
}

#[test]
fn report_to_an_unwritable_path_fails_naming_it() {
    let dir = TempDir::new("report-bad");
    let page = dir.0.join("no-such-dir").join("run.html");
    let out = spillway(&["simulate", "--report", page.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("run.html"), "{}", stderr(&out));
    assert!(!page.exists());
}

#[test]
fn json_is_byte_identical_for_the_same_seed() {
    let a = spillway(&["simulate", "--output", "json", "--seed", "7"]);
    let b = spillway(&["simulate", "--output", "json", "--seed", "7"]);
    assert_eq!(ok(&a), ok(&b));
    let a: Value = serde_json::from_slice(&a.stdout).unwrap();
    assert_eq!(u(&a["seed"]), 7);
    // The file's seed (42) is the default.
    let default = ok(&spillway(&["simulate", "--output", "json"]));
    let explicit = ok(&spillway(&["simulate", "--output", "json", "--seed", "42"]));
    assert_eq!(default, explicit);
    // Another seed, other noise in the trace: other steps, not just the seed field.
    let other: Value = serde_json::from_str(&ok(&spillway(&[
        "simulate", "--output", "json", "--seed", "8",
    ])))
    .unwrap();
    assert_ne!(a["steps"], other["steps"]);
}

#[test]
fn csv_has_a_header_and_one_row_per_step() {
    let v = bundled_json();
    let steps = v["steps"].as_array().unwrap();
    let text = ok(&spillway(&["simulate", "--output", "csv"]));
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(
        header,
        [
            "t",
            "workload",
            "load",
            "desired",
            "pods",
            "ready",
            "ecs",
            "eci",
            "pending",
            "utilization",
            "survive_node",
            "survive_zone",
            "cost_ecs",
            "cost_eci",
            "events",
            "zone:cn-hangzhou-h",
            "zone:cn-hangzhou-i",
        ]
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), steps.len(), "one workload: one row per step");
    for (row, step) in rows.iter().zip(steps) {
        let w = &step["workloads"][0];
        assert_eq!(row.len(), header.len(), "{row:?}");
        assert_eq!(row[0], step["t"].to_string());
        assert_eq!(row[1], GATEWAY);
        assert_eq!(row[6], w["ecs"].to_string());
        assert_eq!(row[7], w["eci"].to_string());
    }
    assert_eq!(rows[10_800 / 15][14], "zone cn-hangzhou-h down");
}

// ---------------------------------------------------------------------------
// Bad simulation files: exit 2, the file and the line or field named.
// ---------------------------------------------------------------------------

/// A simulation of the bundled cluster (by absolute path) for `duration`, with
/// the gateway's load from `trace`, then `extra` lines.
fn sim_file(duration: &str, trace: &str, extra: &str) -> String {
    let cluster = root().join("examples/asm-gateway-spike-cluster.yaml");
    format!(
        "scenario: '{}'\nsettings: {{duration: {duration}, step: 15s, seed: 1}}\nworkloads:\n  {GATEWAY}:\n    load:\n      unit: rps\n      perReplica: 1000\n      trace: {trace}\n{extra}",
        cluster.display()
    )
}

const CONSTANT: &str = "{constant: {value: 3000}}";

#[test]
fn a_simulation_file_in_a_temp_dir_runs_with_a_csv_trace() {
    // The control for the bad files below: the same file, valid, runs.
    let dir = TempDir::new("valid");
    dir.write("load.csv", "time,value\n0,3000\n30m,6000\n1h,3000\n");
    let sim = dir.write("sim.yaml", sim_file("1h", "{csv: {file: load.csv}}", ""));
    let out = spillway(&["simulate", sim.to_str().unwrap(), "--output", "json"]);
    let v: Value = serde_json::from_str(&ok(&out)).unwrap();
    let steps = v["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 240);
    assert_eq!(f(&steps[0]["workloads"][0]["load"]), 3000.0);
    let peak = steps
        .iter()
        .map(|s| f(&s["workloads"][0]["load"]))
        .fold(0.0, f64::max);
    assert!(peak > 3000.0 && peak <= 6000.0, "{peak}");
}

#[test]
fn a_negative_duration_is_exit_2_naming_file_and_line() {
    let dir = TempDir::new("negative");
    let sim = dir.write("sim.yaml", sim_file("-5m", CONSTANT, ""));
    let err = bad_input(&spillway(&["simulate", sim.to_str().unwrap()]));
    assert!(err.contains(&sim.display().to_string()), "{err}");
    assert!(err.contains("settings.duration"), "{err}");
    assert!(
        err.contains("\"-5m\": a duration cannot be negative"),
        "{err}"
    );
    assert!(err.contains("line 2"), "{err}");
}

#[test]
fn an_event_on_an_unknown_workload_is_exit_2_naming_the_field() {
    let dir = TempDir::new("unknown-workload");
    let sim = dir.write(
        "sim.yaml",
        sim_file(
            "1h",
            CONSTANT,
            "events:\n- {at: 10m, scale: {workload: deployment/nope, replicas: 3}}\n",
        ),
    );
    let err = bad_input(&spillway(&["simulate", sim.to_str().unwrap()]));
    assert!(err.contains(&sim.display().to_string()), "{err}");
    assert!(err.contains("events[0].scale.workload"), "{err}");
    assert!(err.contains("deployment/nope"), "{err}");
}

#[test]
fn a_csv_trace_shorter_than_the_run_is_exit_2_naming_the_field() {
    let dir = TempDir::new("short-csv");
    dir.write("short.csv", "time,value\n0,3000\n10m,3000\n");
    let sim = dir.write("sim.yaml", sim_file("1h", "{csv: {file: short.csv}}", ""));
    let err = bad_input(&spillway(&["simulate", sim.to_str().unwrap()]));
    assert!(err.contains(&sim.display().to_string()), "{err}");
    assert!(
        err.contains(&format!("workloads.{GATEWAY}.load.trace.csv.file")),
        "{err}"
    );
    assert!(err.contains("short.csv ends at 10m"), "{err}");
}

#[test]
fn a_malformed_csv_trace_is_exit_2_naming_its_file_and_line() {
    let dir = TempDir::new("bad-csv");
    let csv = dir.write("load.csv", "time,value\n0,3000\n10m,lots\n1h,3000\n");
    let sim = dir.write("sim.yaml", sim_file("1h", "{csv: {file: load.csv}}", ""));
    let err = bad_input(&spillway(&["simulate", sim.to_str().unwrap()]));
    assert!(err.contains(&format!("{}: line 3", csv.display())), "{err}");
    assert!(err.contains("\"lots\" is not a number"), "{err}");
}

// ---------------------------------------------------------------------------
// Sweeps and merges.
// ---------------------------------------------------------------------------

const SPIKE: &str = "examples/asm-gateway-spike.yaml";
const VARY: &str =
    "workloads.istiogateway/ingressgateway-1.load.trace.sum[1].spike.peak=10000..40000";

/// `spillway sweep` of 8 runs of the bundled file with the spike's peak varied.
fn sweep(extra: &[&str]) -> Output {
    let mut args = vec!["sweep", SPIKE, "--runs", "8", "--vary", VARY];
    args.extend(extra);
    spillway(&args)
}

/// Nearest-rank percentile of sorted values.
fn nearest_rank(sorted: &[u64], p: f64) -> u64 {
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted[rank.max(1) - 1]
}

#[test]
fn sweep_reports_percentiles_and_the_eci_bound() {
    let json: Value =
        serde_json::from_str(&ok(&sweep(&["--output", "json", "--threads", "1"]))).unwrap();
    let records = json["records"].as_array().unwrap();
    let mut peaks: Vec<u64> = records.iter().map(|r| u(&r["peakEci"])).collect();
    peaks.sort_unstable();
    let within = peaks.iter().filter(|&&p| p <= 10).count();

    let text = ok(&sweep(&["--eci-bound", "10"]));
    assert!(text.contains("runs: 8 done (of 8)"), "{text}");
    let header = text
        .lines()
        .find(|l| l.contains("P50"))
        .unwrap_or_else(|| panic!("no P50:\n{text}"));
    assert_eq!(
        header.split_whitespace().collect::<Vec<_>>(),
        ["MIN", "P50", "P95", "MAX"]
    );
    let row: Vec<&str> = text
        .lines()
        .find(|l| l.starts_with("peak ECI replicas "))
        .unwrap_or_else(|| panic!("{text}"))
        .split_whitespace()
        .skip(3)
        .collect();
    let want = [
        peaks[0],
        nearest_rank(&peaks, 0.5),
        nearest_rank(&peaks, 0.95),
        peaks[peaks.len() - 1],
    ]
    .map(|p| p.to_string());
    assert_eq!(row, want, "{text}");
    assert!(
        text.contains(&format!("peak ECI replicas ≤ 10: {within} of 8 runs")),
        "{text}"
    );
}

#[test]
fn sweep_json_is_the_same_for_any_threads_and_for_merged_shards() {
    let one = ok(&sweep(&["--output", "json", "--threads", "1"]));
    let two = ok(&sweep(&["--output", "json", "--threads", "2"]));
    assert_eq!(one, two, "threads do not change the JSON");

    let v: Value = serde_json::from_str(&one).unwrap();
    let records = v["records"].as_array().unwrap();
    assert_eq!(records.len(), 8);
    let key = VARY.split_once('=').unwrap().0;
    for (i, r) in records.iter().enumerate() {
        assert_eq!(u(&r["run"]), i as u64);
        assert_eq!(u(&r["seed"]), 42 + i as u64, "run i uses seed 42 + i");
        let peak = f(&r["values"][key]);
        assert!((10_000.0..=40_000.0).contains(&peak), "{peak}");
    }
    assert_eq!(v["failed"], serde_json::json!([]));

    let dir = TempDir::new("shards");
    let a = dir.write(
        "a.json",
        ok(&sweep(&["--output", "json", "--shard", "0/2"])),
    );
    let b = dir.write(
        "b.json",
        ok(&sweep(&["--output", "json", "--shard", "1/2"])),
    );
    let shard: Value = serde_json::from_slice(&std::fs::read(&a).unwrap()).unwrap();
    let runs: Vec<u64> = shard["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| u(&r["run"]))
        .collect();
    assert_eq!(runs, [0, 2, 4, 6], "shard 0/2 runs the even indices");
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
    let merged = ok(&spillway(&["merge", a, b, "--output", "json"]));
    assert_eq!(merged, one, "merged shards are the unsharded sweep");
    let reversed = ok(&spillway(&["merge", b, a, "--output", "json"]));
    assert_eq!(reversed, one, "in any order");

    // A shard given twice.
    let err = bad_input(&spillway(&["merge", a, a]));
    assert!(err.contains("twice"), "{err}");
    assert!(err.contains("a.json"), "{err}");
}

#[test]
fn sweep_bad_vary_and_shard_are_exit_2_naming_them() {
    let err = bad_input(&spillway(&[
        "sweep",
        SPIKE,
        "--runs",
        "2",
        "--vary",
        "nokey=1..2",
    ]));
    assert!(err.contains(SPIKE), "{err}");
    assert!(err.contains("nokey"), "{err}");

    let err = bad_input(&spillway(&[
        "sweep", SPIKE, "--runs", "2", "--shard", "3/2",
    ]));
    assert!(err.contains("--shard"), "{err}");
    assert!(err.contains("3/2"), "{err}");
}
