//! Sweeps: many runs of one simulation file, with some of its values varied, and
//! the distributions of what they give.
//!
//! Run `i` of `N` uses seed `file seed + i` (wrapping) and, for each [`Vary`],
//! one value: a range `KEY=a..b` draws it uniformly in `[a, b]` from a ChaCha8
//! generator seeded by the file seed, `i` and `KEY` (so a run gets the same
//! values whatever the sharding or the thread count); a list `KEY=x,y,z` takes
//! the values in turn (`i mod len`). `KEY` is a dotted path into the simulation
//! file (`settings.eciStartupLatency`, `events[0].at`,
//! `workloads.istiogateway/gw.load.trace.sum[1].spike.peak`); it must name a
//! single value the file has, or a key the file format knows that is left at
//! its default (`settings.evictionDelay`).
//!
//! Each run keeps a small [`RunRecord`] (not the whole outcome). A
//! [`SweepResult`] holds the records of one sweep or shard; [`merge`] joins
//! shards, [`report`] turns a result into distributions (nearest-rank
//! percentiles) and, with an ECI bound, which varied values keep ECI use under
//! it. Everything is deterministic: the same file, runs and specs give
//! byte-identical [`json`], however the runs were spread over threads or
//! shards.
//!
//! ```
//! use spillway_sim::sweep::Vary;
//!
//! let v = Vary::parse("settings.eciStartupLatency=10s..90s").unwrap();
//! assert_eq!(v.key(), "settings.eciStartupLatency");
//! let secs = v.value(42, 7).as_u64().unwrap();
//! assert!((10..=90).contains(&secs));
//! assert_eq!(v.value(42, 7), v.value(42, 7));
//!
//! let zones = Vary::parse("events[0].zoneDown=cn-hangzhou-h,cn-hangzhou-i").unwrap();
//! assert_eq!(zones.value(42, 3), "cn-hangzhou-i");
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use spillway_kube::Scenario;

use crate::error::SimError;
use crate::file::{ScenarioRef, SimFile};
use crate::outcome::Outcome;
use crate::report::{length, money, plural};
use crate::{Duration, Simulation};

/// Values a key takes, at most, before the breakdown of an ECI bound groups
/// numbers into [`BINS`] ranges.
pub const MAX_DISTINCT: usize = 12;
/// Ranges the breakdown of an ECI bound groups numbers into when a key has more
/// than [`MAX_DISTINCT`] values.
pub const BINS: usize = 10;
/// Failed runs the table lists before `… and N more`.
const MAX_FAILED_LISTED: usize = 20;
/// Missing run indices the table lists before `… and N more`.
const MAX_MISSING_LISTED: usize = 20;

/// What the values of a [`Vary`] are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum VaryKind {
    /// Whole numbers (a range of two integers draws integers).
    Integer,
    /// Numbers with a fraction (a range with a non-integer bound draws reals).
    Number,
    /// Durations, written back as whole seconds.
    Duration,
    /// Anything else: strings, booleans, or a mix.
    Text,
}

/// One `--vary` spec: a key of the simulation file and the values it takes.
///
/// Compared, printed and serialised as its spec text (`KEY=a..b`).
#[derive(Debug, Clone)]
pub struct Vary {
    /// The spec as given, trimmed: `key=values`.
    spec: String,
    /// The dotted path.
    key: String,
    /// The path's segments.
    path: Vec<Segment>,
    /// The values.
    values: Values,
    /// What they are.
    kind: VaryKind,
}

/// A step of a key's path.
#[derive(Debug, Clone, PartialEq)]
enum Segment {
    /// A mapping key.
    Key(String),
    /// A list index.
    Index(usize),
}

/// The values of a spec.
#[derive(Debug, Clone)]
enum Values {
    /// Integers (or whole seconds) drawn uniformly in `[lo, hi]`.
    IntRange(i64, i64),
    /// Reals drawn uniformly in `[lo, hi]`.
    RealRange(f64, f64),
    /// Taken in turn.
    List(Vec<Value>),
}

impl Vary {
    /// Parses `KEY=a..b` (a range of numbers or durations, `a ≤ b`) or
    /// `KEY=x,y,z` (values taken in turn; one value is allowed). List items are
    /// integers, reals, durations (`30s`, `1m`: written as seconds), `true` or
    /// `false`, or else strings.
    ///
    /// # Errors
    /// No `=`, an empty key or value, a key that is not a path
    /// (`name[0].name`), an empty list item, range bounds that are not both
    /// numbers or both durations, or `a > b`. Keys under `scenario` (the scenario
    /// is read once per sweep) and `settings.seed` (the run sets the seed) are
    /// refused.
    pub fn parse(spec: &str) -> Result<Vary, String> {
        let spec = spec.trim();
        let Some((key, rhs)) = spec.split_once('=') else {
            return Err(format!(
                "{spec:?}: expected KEY=a..b (a range) or KEY=x,y,z (a list)"
            ));
        };
        let (key, rhs) = (key.trim(), rhs.trim());
        let path = parse_key(key).map_err(|e| format!("{spec:?}: {e}"))?;
        if matches!(path.first(), Some(Segment::Key(k)) if k == "scenario") {
            return Err(format!(
                "{spec:?}: the scenario is read once per sweep; vary the simulation file's settings, workloads or events"
            ));
        }
        if path == [Segment::Key("settings".into()), Segment::Key("seed".into())] {
            return Err(format!(
                "{spec:?}: each run sets the seed (file seed + run index); vary other keys"
            ));
        }
        if rhs.is_empty() {
            return Err(format!("{spec:?}: no value after `=`"));
        }
        let (values, kind) = match rhs.split_once("..") {
            Some((a, b)) => {
                parse_range(a.trim(), b.trim()).map_err(|e| format!("{spec:?}: {e}"))?
            }
            None => parse_list(rhs).map_err(|e| format!("{spec:?}: {e}"))?,
        };
        Ok(Vary {
            spec: format!("{key}={rhs}"),
            key: key.to_string(),
            path,
            values,
            kind,
        })
    }

    /// The key (dotted path).
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The spec, `KEY=values`.
    pub fn spec(&self) -> &str {
        &self.spec
    }

    /// What the values are.
    pub fn kind(&self) -> VaryKind {
        self.kind
    }

    /// The value of run `run` of a sweep whose file has seed `file_seed`.
    ///
    /// A range draws one 64-bit number from ChaCha8 seeded with 32 bytes: the
    /// file seed, the run index (both little-endian `u64`), the FNV-1a 64 hash
    /// of the key, and `spillway`. Integers are `lo + ⌊u·n / 2⁶⁴⌋` with
    /// `n = hi − lo + 1`; reals are `lo + (hi − lo)·(u >> 11) / (2⁵³ − 1)`. A list
    /// gives its item `run mod len`.
    pub fn value(&self, file_seed: u64, run: usize) -> Value {
        match &self.values {
            Values::List(items) => items
                .get(run % items.len().max(1))
                .cloned()
                .unwrap_or(Value::Null),
            Values::IntRange(lo, hi) => {
                let n = (i128::from(*hi) - i128::from(*lo) + 1) as u128;
                let u = u128::from(self.draw(file_seed, run));
                let offset = ((u * n) >> 64) as i128;
                Value::from((i128::from(*lo) + offset) as i64)
            }
            Values::RealRange(lo, hi) => {
                let u = (self.draw(file_seed, run) >> 11) as f64 / ((1u64 << 53) - 1) as f64;
                let x = (lo + (hi - lo) * u).clamp(*lo, *hi);
                serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
            }
        }
    }

    /// One 64-bit number of the run's generator for this key.
    fn draw(&self, file_seed: u64, run: usize) -> u64 {
        let mut seed = [0u8; 32];
        seed[..8].copy_from_slice(&file_seed.to_le_bytes());
        seed[8..16].copy_from_slice(&(run as u64).to_le_bytes());
        seed[16..24].copy_from_slice(&fnv1a(FNV_OFFSET, self.key.as_bytes()).to_le_bytes());
        seed[24..].copy_from_slice(b"spillway");
        ChaCha8Rng::from_seed(seed).next_u64()
    }
}

impl PartialEq for Vary {
    fn eq(&self, other: &Vary) -> bool {
        self.spec == other.spec
    }
}

impl fmt::Display for Vary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.spec)
    }
}

impl Serialize for Vary {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.spec)
    }
}

impl<'de> Deserialize<'de> for Vary {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Vary, D::Error> {
        let text = String::deserialize(d)?;
        Vary::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// `a.b[0][1].c` into segments; map keys may hold `/` but not `.`, `[` or `]`.
fn parse_key(key: &str) -> Result<Vec<Segment>, String> {
    if key.is_empty() {
        return Err("no key before `=`".into());
    }
    let mut path = Vec::new();
    for part in key.split('.') {
        let (name, mut rest) = match part.find('[') {
            Some(i) => part.split_at(i),
            None => (part, ""),
        };
        if name.is_empty() {
            return Err(format!(
                "key {key:?}: an empty name (write keys as a.b[0].c)"
            ));
        }
        if name.contains(']') {
            return Err(format!("key {key:?}: `]` without `[` in {part:?}"));
        }
        path.push(Segment::Key(name.to_string()));
        while !rest.is_empty() {
            let Some(inner) = rest.strip_prefix('[') else {
                return Err(format!(
                    "key {key:?}: {part:?}: expected [INDEX] after {name:?}"
                ));
            };
            let Some((digits, after)) = inner.split_once(']') else {
                return Err(format!("key {key:?}: {part:?}: `[` without `]`"));
            };
            let index = digits
                .parse::<usize>()
                .ok()
                .filter(|_| digits.bytes().all(|b| b.is_ascii_digit()))
                .ok_or_else(|| {
                    format!("key {key:?}: [{digits}] is not a list index (0, 1, 2 …)")
                })?;
            path.push(Segment::Index(index));
            rest = after;
        }
    }
    Ok(path)
}

/// `a..b`: both integers, both reals, or both durations (plain numbers are
/// seconds).
fn parse_range(a: &str, b: &str) -> Result<(Values, VaryKind), String> {
    if a.is_empty() || b.is_empty() {
        return Err("a range needs both bounds: a..b".into());
    }
    let (values, kind) = if let (Ok(lo), Ok(hi)) = (a.parse::<i64>(), b.parse::<i64>()) {
        if lo > hi {
            return Err(format!("{a}..{b}: the lower bound is above the upper"));
        }
        (Values::IntRange(lo, hi), VaryKind::Integer)
    } else if let (Some(lo), Some(hi)) = (real(a), real(b)) {
        if lo > hi {
            return Err(format!("{a}..{b}: the lower bound is above the upper"));
        }
        (Values::RealRange(lo, hi), VaryKind::Number)
    } else if let (Ok(lo), Ok(hi)) = (Duration::parse(a), Duration::parse(b)) {
        if lo > hi {
            return Err(format!("{a}..{b}: the lower bound is above the upper"));
        }
        let lo = i64::try_from(lo.secs()).map_err(|_| format!("{a}: too long"))?;
        let hi = i64::try_from(hi.secs()).map_err(|_| format!("{b}: too long"))?;
        (Values::IntRange(lo, hi), VaryKind::Duration)
    } else {
        return Err(format!(
            "{a}..{b}: the bounds must be two numbers (800..1200, 0.5..1.5) or two durations (10s..90s)"
        ));
    };
    Ok((values, kind))
}

/// A finite real.
fn real(s: &str) -> Option<f64> {
    s.parse::<f64>().ok().filter(|x| x.is_finite())
}

/// `x,y,z`.
fn parse_list(rhs: &str) -> Result<(Values, VaryKind), String> {
    let mut items = Vec::new();
    let mut kinds = BTreeSet::new();
    for item in rhs.split(',') {
        let item = item.trim();
        if item.is_empty() {
            return Err(format!("{rhs}: an empty item in the list"));
        }
        let (value, kind) = if let Ok(n) = item.parse::<i64>() {
            (Value::from(n), 0)
        } else if let Some(x) = real(item) {
            (
                serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number),
                1,
            )
        } else if let Ok(d) = Duration::parse(item) {
            (Value::from(d.secs()), 2)
        } else if item == "true" || item == "false" {
            (Value::Bool(item == "true"), 3)
        } else {
            (Value::String(item.to_string()), 3)
        };
        items.push(value);
        kinds.insert(kind);
    }
    let kind = match (kinds.contains(&3), kinds.contains(&2), kinds.contains(&1)) {
        (true, _, _) => VaryKind::Text,
        (false, true, true) => VaryKind::Text,
        (false, true, false) => VaryKind::Duration,
        (false, false, true) => VaryKind::Number,
        (false, false, false) => VaryKind::Integer,
    };
    Ok((Values::List(items), kind))
}

/// The FNV-1a offset basis.
const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a 64, continuing from `hash`.
fn fnv1a(mut hash: u64, bytes: &[u8]) -> u64 {
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// Sets the value at `key` (a dotted path as in [`Vary`]) in a document.
///
/// # Errors
/// A malformed key, or a path that does not exist (only its last key may be
/// new) or does not end at a single value (a mapping or a list); the message
/// starts with the key.
///
/// ```
/// use serde_json::json;
/// use spillway_sim::sweep::set_path;
///
/// let mut doc = json!({"workloads": {"istiogateway/gw": {"load": {"perReplica": 800}}}});
/// set_path(&mut doc, "workloads.istiogateway/gw.load.perReplica", json!(1000)).unwrap();
/// assert_eq!(doc["workloads"]["istiogateway/gw"]["load"]["perReplica"], 1000);
/// set_path(&mut doc, "workloads.istiogateway/gw.load.unit", json!("rps")).unwrap();
/// assert_eq!(doc["workloads"]["istiogateway/gw"]["load"]["unit"], "rps");
/// assert!(set_path(&mut doc, "workloads.istiogateway/other.load.unit", json!("rps")).is_err());
/// assert!(set_path(&mut doc, "workloads", json!(1)).is_err());
/// ```
pub fn set_path(doc: &mut Value, key: &str, value: Value) -> Result<(), String> {
    let path = parse_key(key)?;
    let slot = locate(doc, &path).map_err(|e| format!("{key}: {e}"))?;
    *slot = value;
    Ok(())
}

/// The single value at `path`.
fn locate<'a>(doc: &'a mut Value, path: &[Segment]) -> Result<&'a mut Value, String> {
    let mut here = doc;
    let mut at = String::new();
    for (n, seg) in path.iter().enumerate() {
        let last = n + 1 == path.len();
        let place = if at.is_empty() {
            "the top level".to_string()
        } else {
            at.clone()
        };
        here = match (seg, here) {
            // The last key may be new (a setting left at its default); the
            // simulation file's decoding refuses keys it does not know.
            (Segment::Key(k), Value::Object(map)) => {
                if last {
                    map.entry(k.clone()).or_insert(Value::Null)
                } else {
                    map.get_mut(k)
                        .ok_or_else(|| format!("no key {k:?} in {place}"))?
                }
            }
            (Segment::Index(i), Value::Array(list)) => {
                let n = list.len();
                list.get_mut(*i).ok_or_else(|| {
                    let entries = if n == 1 { "entry" } else { "entries" };
                    format!("{place} has {n} {entries}; [{i}] is out of range")
                })?
            }
            (Segment::Key(k), other) => {
                return Err(format!(
                    "{place} is {}, not a mapping with key {k:?}",
                    describe(other)
                ));
            }
            (Segment::Index(i), other) => {
                return Err(format!(
                    "{place} is {}, not a list to take [{i}] of",
                    describe(other)
                ));
            }
        };
        match seg {
            Segment::Key(k) if at.is_empty() => at.push_str(k),
            Segment::Key(k) => {
                at.push('.');
                at.push_str(k);
            }
            Segment::Index(i) => at.push_str(&format!("[{i}]")),
        }
    }
    match here {
        Value::Object(_) | Value::Array(_) => {
            Err(format!("is {}, not a single value", describe(here)))
        }
        v => Ok(v),
    }
}

/// `a mapping`, `a list`, `a number`, … for messages.
fn describe(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// `i/N`: the runs `r` with `r % N == i` (0-based `i < N`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// This shard, `0..count`.
    pub index: usize,
    /// How many shards.
    pub count: usize,
}

impl Shard {
    /// Parses `i/N` with `i < N`.
    ///
    /// # Errors
    /// Not two whole numbers around `/`, `N` = 0, or `i ≥ N`.
    pub fn parse(s: &str) -> Result<Shard, String> {
        let bad = || format!("{s:?}: expected i/N with 0 ≤ i < N, such as 0/4");
        let (i, n) = s.trim().split_once('/').ok_or_else(bad)?;
        let index = i.trim().parse::<usize>().map_err(|_| bad())?;
        let count = n.trim().parse::<usize>().map_err(|_| bad())?;
        Shard::new(index, count).ok_or_else(bad)
    }

    /// Shard `index` of `count`, if `index < count`.
    pub fn new(index: usize, count: usize) -> Option<Shard> {
        (index < count).then_some(Shard { index, count })
    }

    /// Whether run `run` belongs to this shard.
    pub fn holds(&self, run: usize) -> bool {
        run % self.count == self.index
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Serialize for Shard {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Shard {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Shard, D::Error> {
        let text = String::deserialize(d)?;
        Shard::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// The run indices of a sweep of `runs` runs, or of one shard of it, ascending.
pub fn run_indices(runs: usize, shard: Option<Shard>) -> Vec<usize> {
    (0..runs)
        .filter(|r| shard.is_none_or(|s| s.holds(*r)))
        .collect()
}

/// The runs of one sweep (or shard): the shard output format.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SweepResult {
    /// The simulation file, as given.
    pub file: String,
    /// FNV-1a 64 (hex) of the simulation file's bytes followed by its scenario
    /// file's (an inline scenario is part of the simulation file): shards of one
    /// sweep must agree.
    pub digest: String,
    /// Currency of every cost (the scenario's ECI price currency).
    pub currency: String,
    /// Runs of the whole sweep (not of this shard).
    pub runs: usize,
    /// The shard this result holds, or `None` for all runs.
    pub shard: Option<Shard>,
    /// The varied keys.
    pub vary: Vec<Vary>,
    /// The runs that completed, by run index.
    pub records: Vec<RunRecord>,
    /// The runs that failed, by run index.
    #[serde(default)]
    pub failed: Vec<RunFailure>,
}

/// What one run gives, in brief.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunRecord {
    /// The run index, `0..runs`.
    pub run: usize,
    /// Its seed: the file's seed + the run index.
    pub seed: u64,
    /// The value of each varied key.
    pub values: BTreeMap<String, Value>,
    /// Per workload, in name order.
    pub workloads: Vec<WorkloadRecord>,
    /// Most replicas of the simulated workloads on ECI at any one step.
    pub peak_eci: usize,
    /// Seconds with at least one replica of any simulated workload on ECI.
    pub overflow_seconds: u64,
    /// Pod-seconds spent Pending, summed over the workloads.
    pub pending_seconds: u64,
    /// ECS cost over the run.
    pub cost_ecs: f64,
    /// ECI cost over the run.
    pub cost_eci: f64,
    /// ECS + ECI.
    pub cost_total: f64,
}

/// One workload of a run, in brief.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadRecord {
    /// The workload.
    pub name: String,
    /// Most replicas at once.
    pub peak_replicas: usize,
    /// Most replicas on ECI at once.
    pub peak_eci: usize,
    /// Seconds with at least one replica on ECI.
    pub overflow_seconds: u64,
    /// Pod-seconds Pending.
    pub pending_seconds: u64,
    /// Fewest ready replicas left after the worst single ECS node failure.
    pub min_survive_node: usize,
    /// Fewest ready replicas left after the worst single zone failure.
    pub min_survive_zone: usize,
}

/// A run that did not complete: its values made the file invalid, or the run
/// failed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunFailure {
    /// The run index.
    pub run: usize,
    /// Its seed.
    pub seed: u64,
    /// The value of each varied key.
    pub values: BTreeMap<String, Value>,
    /// Why.
    pub error: String,
}

/// Runs `runs` simulations of the file at `sim_path` (or the runs of one shard
/// `(i, N)`), in parallel: on a pool of `threads` threads when given, else on
/// rayon's global pool. `progress` is called once after each run.
///
/// The file is read once (as a JSON value), its scenario loaded once; each run
/// sets its varied values in a copy of the value, decodes the simulation file
/// from it and runs it. A run whose values make the file invalid, or that
/// fails, becomes a [`RunFailure`]; the others a [`RunRecord`]. Both lists are
/// in run order.
///
/// # Errors
/// The file or its scenario does not load, a varied key is given twice or does
/// not lead to a single value the file has or can have (the error names the
/// key), the shard
/// is not `i < N`, or the thread pool cannot start (`threads` = 0).
pub fn sweep(
    sim_path: &Path,
    runs: usize,
    vary: &[Vary],
    shard: Option<(usize, usize)>,
    threads: Option<usize>,
    progress: impl Fn() + Sync,
) -> Result<SweepResult, SimError> {
    let shard = match shard {
        Some((i, n)) => Some(Shard::new(i, n).ok_or_else(|| {
            SimError::field(
                sim_path,
                "--shard",
                format!("{i}/{n}: expected i/N with 0 ≤ i < N"),
            )
        })?),
        None => None,
    };
    let mut seen = BTreeSet::new();
    for v in vary {
        if !seen.insert(v.key()) {
            return Err(SimError::field(
                sim_path,
                v.key(),
                "varied twice: give one --vary per key",
            ));
        }
    }
    let text = std::fs::read_to_string(sim_path).map_err(|source| SimError::Io {
        path: sim_path.to_path_buf(),
        source,
    })?;
    let base = SimFile::parse(sim_path, &text)?;
    let doc: Value =
        serde_yaml_ng::from_str(&text).map_err(|e| SimError::field(sim_path, "", e.to_string()))?;
    {
        // Every key must lead somewhere the file can hold a value: a wrong
        // path, or a new key the file format does not know, stops the sweep
        // (a value a run cannot use only fails that run).
        let mut probe = doc.clone();
        for v in vary {
            *locate(&mut probe, &v.path).map_err(|e| SimError::field(sim_path, v.key(), e))? =
                v.value(base.settings.seed, 0);
        }
        if let Err(e) = serde_json::from_value::<SimFile>(probe)
            && e.to_string().starts_with("unknown field")
        {
            let keys: Vec<&str> = vary.iter().map(Vary::key).collect();
            return Err(SimError::field(sim_path, keys.join(", "), e.to_string()));
        }
    }
    let mut digest = fnv1a(FNV_OFFSET, text.as_bytes());
    let scenario = match &base.scenario {
        ScenarioRef::Path(_) => {
            let p = base.scenario_path(sim_path).unwrap_or_default();
            let scenario_text = std::fs::read_to_string(&p).map_err(|source| SimError::Io {
                path: p.clone(),
                source,
            })?;
            digest = fnv1a(digest, scenario_text.as_bytes());
            Scenario::parse(&p, &scenario_text)?
        }
        ScenarioRef::Inline(v) => {
            let scenario_text = serde_json::to_string(v)
                .map_err(|e| SimError::field(sim_path, "scenario", e.to_string()))?;
            Scenario::parse(sim_path, &scenario_text)?
        }
    };
    let file_seed = base.settings.seed;
    let indices = run_indices(runs, shard);
    let one = |run: usize| {
        let result = run_one(sim_path, &doc, &scenario, vary, file_seed, run);
        progress();
        result
    };
    let work = || indices.par_iter().map(|r| one(*r)).collect::<Vec<_>>();
    let results = match threads {
        Some(t) => {
            if t == 0 {
                return Err(SimError::field(sim_path, "--threads", "must be at least 1"));
            }
            rayon::ThreadPoolBuilder::new()
                .num_threads(t)
                .build()
                .map_err(|e| SimError::field(sim_path, "--threads", e.to_string()))?
                .install(work)
        }
        None => work(),
    };
    let mut records = Vec::new();
    let mut failed = Vec::new();
    for r in results {
        match r {
            Ok(rec) => records.push(rec),
            Err(f) => failed.push(f),
        }
    }
    Ok(SweepResult {
        file: sim_path.display().to_string(),
        digest: format!("{digest:016x}"),
        currency: scenario.ack.eci.prices.currency.clone(),
        runs,
        shard,
        vary: vary.to_vec(),
        records,
        failed,
    })
}

/// One run: values, file, simulation, record.
fn run_one(
    sim_path: &Path,
    doc: &Value,
    scenario: &Scenario,
    vary: &[Vary],
    file_seed: u64,
    run: usize,
) -> Result<RunRecord, RunFailure> {
    let seed = file_seed.wrapping_add(run as u64);
    let mut doc = doc.clone();
    let mut values = BTreeMap::new();
    let mut error = None;
    for v in vary {
        let value = v.value(file_seed, run);
        values.insert(v.key().to_string(), value.clone());
        if error.is_none() {
            match locate(&mut doc, &v.path) {
                Ok(slot) => *slot = value,
                Err(e) => error = Some(format!("{}: {}: {e}", sim_path.display(), v.key())),
            }
        }
    }
    let fail = |error: String| RunFailure {
        run,
        seed,
        values: values.clone(),
        error,
    };
    if let Some(e) = error {
        return Err(fail(e));
    }
    let file: SimFile = serde_json::from_value(doc)
        .map_err(|e| fail(SimError::field(sim_path, "", e.to_string()).to_string()))?;
    let sim = Simulation::with_scenario(sim_path, file, scenario.clone())
        .map_err(|e| fail(e.to_string()))?;
    let outcome = sim.run(Some(seed)).map_err(|e| fail(e.to_string()))?;
    Ok(record(run, seed, values, &outcome))
}

/// The brief of an outcome.
fn record(run: usize, seed: u64, values: BTreeMap<String, Value>, outcome: &Outcome) -> RunRecord {
    let summary = &outcome.summary;
    let workloads: Vec<WorkloadRecord> = summary
        .workloads
        .iter()
        .map(|w| WorkloadRecord {
            name: w.name.clone(),
            peak_replicas: w.peak_replicas,
            peak_eci: w.peak_eci,
            overflow_seconds: w.overflow_seconds,
            pending_seconds: w.pending_seconds,
            min_survive_node: w.min_survive_node,
            min_survive_zone: w.min_survive_zone,
        })
        .collect();
    let eci_at = |s: &crate::outcome::Step| s.workloads.iter().map(|w| w.eci).sum::<usize>();
    let overflow_steps = outcome.steps.iter().filter(|s| eci_at(s) > 0).count() as u64;
    RunRecord {
        run,
        seed,
        values,
        peak_eci: outcome.steps.iter().map(eci_at).max().unwrap_or(0),
        overflow_seconds: overflow_steps * outcome.step_seconds,
        pending_seconds: workloads.iter().map(|w| w.pending_seconds).sum(),
        workloads,
        cost_ecs: summary.cost_ecs,
        cost_eci: summary.cost_eci,
        cost_total: summary.cost_ecs + summary.cost_eci,
    }
}

/// Reads a sweep result (the JSON that `spillway sweep --output json` writes;
/// its `report` is ignored).
///
/// # Errors
/// An unreadable file, or JSON that is not a sweep result (the message names the
/// field).
pub fn read_result(path: &Path) -> Result<SweepResult, SimError> {
    let text = std::fs::read_to_string(path).map_err(|source| SimError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let de = &mut serde_json::Deserializer::from_str(&text);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let field = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_data() {
            SimError::field(path, field.trim_start_matches('.'), inner.to_string())
        } else {
            SimError::Syntax {
                path: path.to_path_buf(),
                message: format!("not a sweep result (JSON): {inner}"),
            }
        }
    })
}

/// Joins the results of the shards of one sweep. Errors name the part (`part
/// 2`); see [`merge_named`].
///
/// # Errors
/// As [`merge_named`].
pub fn merge(parts: Vec<SweepResult>) -> Result<SweepResult, String> {
    merge_named(
        parts
            .into_iter()
            .enumerate()
            .map(|(i, p)| (PathBuf::from(format!("part {}", i + 1)), p))
            .collect(),
    )
    .map_err(|e| e.to_string())
}

/// Joins the results of the shards of one sweep, each with the name (file)
/// errors give it. The result holds every record and failure in run order and
/// no shard; runs that no part holds are reported by [`report`] as missing.
///
/// # Errors
/// No parts; a part from another sweep: another simulation file name, digest
/// (file or scenario content), run count or `--vary` specs than the first part;
/// a run index that appears twice, is not below the run count, or is not in
/// its part's shard.
pub fn merge_named(parts: Vec<(PathBuf, SweepResult)>) -> Result<SweepResult, SimError> {
    let Some((first_name, first)) = parts.first() else {
        return Err(SimError::field("merge", "", "nothing to merge"));
    };
    let base_name = |f: &str| {
        Path::new(f)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let first_file = base_name(&first.file);
    for (name, p) in &parts[1..] {
        let vs = |r: &SweepResult| {
            r.vary
                .iter()
                .map(|v| v.spec().to_string())
                .collect::<Vec<_>>()
        };
        let mismatch = if base_name(&p.file) != first_file {
            Some(("file", format!("{:?}", p.file), format!("{:?}", first.file)))
        } else if p.digest != first.digest {
            Some((
                "digest",
                format!("{} (the simulation file or its scenario differs)", p.digest),
                first.digest.clone(),
            ))
        } else if p.runs != first.runs {
            Some(("runs", p.runs.to_string(), first.runs.to_string()))
        } else if p.vary != first.vary {
            Some(("vary", format!("{:?}", vs(p)), format!("{:?}", vs(first))))
        } else {
            None
        };
        if let Some((field, this, that)) = mismatch {
            return Err(SimError::field(
                name,
                field,
                format!(
                    "{this}, but {} has {that}: not a shard of the same sweep",
                    first_name.display()
                ),
            ));
        }
    }
    let mut owner: BTreeMap<usize, &Path> = BTreeMap::new();
    for (name, p) in &parts {
        let runs = p
            .records
            .iter()
            .map(|r| r.run)
            .chain(p.failed.iter().map(|f| f.run));
        for run in runs {
            if run >= first.runs {
                return Err(SimError::field(
                    name,
                    "records",
                    format!("run {run} is beyond the sweep's {} runs", first.runs),
                ));
            }
            if let Some(s) = p.shard
                && !s.holds(run)
            {
                return Err(SimError::field(
                    name,
                    "records",
                    format!("run {run} does not belong to shard {s}"),
                ));
            }
            if let Some(other) = owner.insert(run, name) {
                return Err(SimError::field(
                    name,
                    "records",
                    format!("run {run} is also in {}", other.display()),
                ));
            }
        }
    }
    let mut merged = SweepResult {
        file: first.file.clone(),
        digest: first.digest.clone(),
        currency: first.currency.clone(),
        runs: first.runs,
        shard: None,
        vary: first.vary.clone(),
        records: Vec::new(),
        failed: Vec::new(),
    };
    for (_, p) in parts {
        merged.records.extend(p.records);
        merged.failed.extend(p.failed);
    }
    merged.records.sort_by_key(|r| r.run);
    merged.failed.sort_by_key(|f| f.run);
    Ok(merged)
}

/// The nearest-rank percentile of ascending data: the smallest value with at
/// least `percent`% of the data at or below it, i.e. the value at 1-based rank
/// `⌈percent·n / 100⌉` (rank 1 for 0%). `None` for no data.
///
/// ```
/// use spillway_sim::sweep::nearest_rank;
/// let data = [15, 20, 35, 40, 50];
/// assert_eq!(nearest_rank(&data, 30), Some(20));
/// assert_eq!(nearest_rank(&data, 50), Some(35));
/// assert_eq!(nearest_rank(&data, 100), Some(50));
/// ```
pub fn nearest_rank<T: Copy>(sorted: &[T], percent: u32) -> Option<T> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let rank = (percent.min(100) as usize * n).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

/// Minimum, nearest-rank median and 95th percentile, and maximum.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Stats<T> {
    /// Smallest.
    pub min: T,
    /// Nearest-rank 50th percentile.
    pub p50: T,
    /// Nearest-rank 95th percentile.
    pub p95: T,
    /// Largest.
    pub max: T,
}

impl<T: Copy + PartialOrd> Stats<T> {
    /// The stats of some data, or `None` for none (NaN sorts last).
    pub fn of(mut data: Vec<T>) -> Option<Stats<T>> {
        data.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Greater));
        Some(Stats {
            min: *data.first()?,
            p50: nearest_rank(&data, 50)?,
            p95: nearest_rank(&data, 95)?,
            max: *data.last()?,
        })
    }
}

/// The distributions over the completed runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Metrics {
    /// Peak ECI replicas ([`RunRecord::peak_eci`]).
    pub peak_eci: Stats<usize>,
    /// ECI cost.
    pub cost_eci: Stats<f64>,
    /// ECS + ECI cost.
    pub cost_total: Stats<f64>,
    /// Pod-seconds Pending.
    pub pending_seconds: Stats<u64>,
    /// Seconds with any replica on ECI.
    pub overflow_seconds: Stats<u64>,
}

/// A sweep's report: what ran, the distributions, and with an ECI bound which
/// values keep ECI use under it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// The simulation file.
    pub file: String,
    /// Runs of the whole sweep.
    pub runs: usize,
    /// The shard reported on, if one.
    pub shard: Option<Shard>,
    /// Runs the result should hold (the shard's, or all).
    pub expected: usize,
    /// The varied keys.
    pub vary: Vec<Vary>,
    /// Currency of the costs.
    pub currency: String,
    /// Runs that completed.
    pub done: usize,
    /// Runs that failed, with their values and errors.
    pub failed: Vec<RunFailure>,
    /// Run indices the result should hold but does not (shards not merged).
    pub missing: Vec<usize>,
    /// Distributions over the completed runs; `None` when none completed.
    pub metrics: Option<Metrics>,
    /// With an ECI bound: how many runs stayed within it, and by which values.
    pub eci_bound: Option<BoundReport>,
}

/// Runs within an ECI bound, and the values of each varied key among them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BoundReport {
    /// The bound: peak ECI replicas ([`RunRecord::peak_eci`]) at most this.
    pub bound: usize,
    /// Completed runs within the bound.
    pub within: usize,
    /// Completed runs above it.
    pub over: usize,
    /// `within / (within + over)`; 0 without completed runs.
    pub fraction: f64,
    /// One per varied key, in `--vary` order.
    pub keys: Vec<KeyBreakdown>,
}

/// The values of one varied key among the runs within and above the bound.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyBreakdown {
    /// The key.
    pub key: String,
    /// Its values among all completed runs: smallest and largest (`None`
    /// without completed runs).
    pub range: Option<(Value, Value)>,
    /// Its values among runs within the bound.
    pub within_range: Option<(Value, Value)>,
    /// Its values among runs above the bound.
    pub over_range: Option<(Value, Value)>,
    /// Whether numbers were grouped into [`BINS`] equal ranges (more than
    /// [`MAX_DISTINCT`] distinct values).
    pub binned: bool,
    /// Each distinct value (or range), in order, with its counts.
    pub values: Vec<ValueCount>,
}

/// Runs with one value (or range of values) of a key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ValueCount {
    /// The value, or `from..to`, as the table prints it (durations as `1m30s`).
    pub label: String,
    /// The value, or the lower end of the range.
    pub from: Value,
    /// The value, or the upper end of the range (inclusive).
    pub to: Value,
    /// Runs within the bound.
    pub within: usize,
    /// Runs above it.
    pub over: usize,
}

/// The report of a result: run counts, failures, missing runs, the
/// distributions of peak ECI replicas (all workloads at one step), ECI
/// and total cost, pending pod-seconds and overflow time over the completed
/// runs, and with `eci_bound` the runs within it and the breakdown of each
/// varied key.
pub fn report(result: &SweepResult, eci_bound: Option<usize>) -> Report {
    let expected = run_indices(result.runs, result.shard);
    let present: BTreeSet<usize> = result
        .records
        .iter()
        .map(|r| r.run)
        .chain(result.failed.iter().map(|f| f.run))
        .collect();
    let missing = expected
        .iter()
        .copied()
        .filter(|r| !present.contains(r))
        .collect();
    let recs = &result.records;
    let metrics = (|| {
        Some(Metrics {
            peak_eci: Stats::of(recs.iter().map(|r| r.peak_eci).collect())?,
            cost_eci: Stats::of(recs.iter().map(|r| r.cost_eci).collect())?,
            cost_total: Stats::of(recs.iter().map(|r| r.cost_total).collect())?,
            pending_seconds: Stats::of(recs.iter().map(|r| r.pending_seconds).collect())?,
            overflow_seconds: Stats::of(recs.iter().map(|r| r.overflow_seconds).collect())?,
        })
    })();
    let eci_bound = eci_bound.map(|bound| bound_report(result, bound));
    Report {
        file: result.file.clone(),
        runs: result.runs,
        shard: result.shard,
        expected: expected.len(),
        vary: result.vary.clone(),
        currency: result.currency.clone(),
        done: recs.len(),
        failed: result.failed.clone(),
        missing,
        metrics,
        eci_bound,
    }
}

/// Sort order of values: numbers ascending, then everything else by its JSON.
fn value_order(a: &Value, b: &Value) -> std::cmp::Ordering {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x.total_cmp(&y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.to_string().cmp(&b.to_string()),
    }
}

/// Smallest and largest of some values.
fn value_range<'a>(values: impl Iterator<Item = &'a Value>) -> Option<(Value, Value)> {
    let mut v: Vec<&Value> = values.collect();
    v.sort_by(|a, b| value_order(a, b));
    Some(((*v.first()?).clone(), (*v.last()?).clone()))
}

/// The ECI-bound part of a report.
fn bound_report(result: &SweepResult, bound: usize) -> BoundReport {
    let within = result
        .records
        .iter()
        .filter(|r| r.peak_eci <= bound)
        .count();
    let over = result.records.len() - within;
    let keys = result
        .vary
        .iter()
        .map(|v| breakdown(result, v, bound))
        .collect();
    BoundReport {
        bound,
        within,
        over,
        fraction: if result.records.is_empty() {
            0.0
        } else {
            within as f64 / result.records.len() as f64
        },
        keys,
    }
}

/// One key's breakdown.
fn breakdown(result: &SweepResult, vary: &Vary, bound: usize) -> KeyBreakdown {
    let key = vary.key();
    let pairs: Vec<(&Value, bool)> = result
        .records
        .iter()
        .filter_map(|r| r.values.get(key).map(|v| (v, r.peak_eci <= bound)))
        .collect();
    let range = value_range(pairs.iter().map(|(v, _)| *v));
    let within_range = value_range(pairs.iter().filter(|(_, w)| *w).map(|(v, _)| *v));
    let over_range = value_range(pairs.iter().filter(|(_, w)| !*w).map(|(v, _)| *v));
    let mut distinct: Vec<&Value> = pairs.iter().map(|(v, _)| *v).collect();
    distinct.sort_by(|a, b| value_order(a, b));
    distinct.dedup();
    let numeric: Option<Vec<f64>> = pairs.iter().map(|(v, _)| v.as_f64()).collect();
    let kind = vary.kind();
    let mut values = Vec::new();
    let binned = distinct.len() > MAX_DISTINCT && numeric.is_some();
    if let (true, Some(xs), Some((lo, hi))) = (binned, &numeric, &range) {
        // The spec's bounds for a range, else the values seen.
        let (lo, hi) = match vary.values {
            Values::IntRange(a, b) => (a as f64, b as f64),
            Values::RealRange(a, b) => (a, b),
            Values::List(_) => (lo.as_f64().unwrap_or(0.0), hi.as_f64().unwrap_or(0.0)),
        };
        let whole = matches!(kind, VaryKind::Integer | VaryKind::Duration)
            && xs.iter().all(|x| x.fract() == 0.0);
        // BINS equal parts of [lo, hi]: bin k holds lo + k·w ≤ x < lo + (k+1)·w
        // (the last one also hi), w = (hi − lo) / BINS; whole numbers are
        // labelled by the first and last whole number each holds.
        let edges: Vec<f64> = (0..=BINS)
            .map(|k| lo + (hi - lo) * k as f64 / BINS as f64)
            .collect();
        let mut counts = vec![(0usize, 0usize); BINS];
        for (x, (_, w)) in xs.iter().zip(&pairs) {
            let k = edges[1..BINS].iter().take_while(|e| *x >= **e).count();
            if *w {
                counts[k].0 += 1;
            } else {
                counts[k].1 += 1;
            }
        }
        for (k, (w, o)) in counts.into_iter().enumerate() {
            if w + o == 0 {
                continue;
            }
            let (from, to) = match (whole, k + 1 == BINS) {
                (true, true) => (edges[k].ceil(), hi),
                (true, false) => (edges[k].ceil(), edges[k + 1].ceil() - 1.0),
                (false, _) => (edges[k], edges[k + 1]),
            };
            let as_value = |x: f64| {
                if whole {
                    Value::from(x as i64)
                } else {
                    serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
                }
            };
            let (from, to) = (as_value(from), as_value(to));
            let label = if from == to {
                format_value(&from, kind)
            } else {
                format!("{}..{}", format_value(&from, kind), format_value(&to, kind))
            };
            values.push(ValueCount {
                label,
                from,
                to,
                within: w,
                over: o,
            });
        }
    } else {
        for d in distinct {
            let within = pairs.iter().filter(|(v, w)| *v == d && *w).count();
            let over = pairs.iter().filter(|(v, w)| *v == d && !*w).count();
            values.push(ValueCount {
                label: format_value(d, kind),
                from: d.clone(),
                to: d.clone(),
                within,
                over,
            });
        }
    }
    KeyBreakdown {
        key: key.to_string(),
        range,
        within_range,
        over_range,
        binned,
        values,
    }
}

/// A value for people: durations as `1m30s`, reals with at most three
/// decimals, strings as written (control characters replaced).
pub fn format_value(v: &Value, kind: VaryKind) -> String {
    match v {
        Value::Number(n) => {
            if kind == VaryKind::Duration
                && let Some(s) = n.as_u64()
            {
                return Duration(s).to_string();
            }
            if let Some(i) = n.as_i64() {
                return i.to_string();
            }
            if let Some(u) = n.as_u64() {
                return u.to_string();
            }
            let fixed = format!("{:.3}", n.as_f64().unwrap_or(0.0));
            let trimmed = fixed.trim_end_matches('0').trim_end_matches('.');
            if trimmed == "-0" {
                "0".into()
            } else {
                trimmed.to_string()
            }
        }
        Value::String(s) => clean(s),
        other => clean(&other.to_string()),
    }
}

/// Control characters replaced by spaces, so input cannot drive the terminal.
fn clean(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Left-aligned columns, three spaces apart, no trailing spaces; each line
/// indented by `indent`.
fn align(rows: &[Vec<String>], indent: &str) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0; columns];
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in rows {
        let mut line = indent.to_string();
        for (i, cell) in row.iter().enumerate() {
            line.push_str(cell);
            if i + 1 < row.len() {
                let pad = widths[i] - cell.chars().count() + 3;
                line.push_str(&" ".repeat(pad));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The values of a record or failure, `key=value, …`, in `--vary` order.
fn values_text(vary: &[Vary], values: &BTreeMap<String, Value>) -> String {
    vary.iter()
        .filter_map(|v| {
            values
                .get(v.key())
                .map(|x| format!("{}={}", clean(v.key()), format_value(x, v.kind())))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A report for a terminal:
///
/// - a headline (file, runs, shard) and the varied keys;
/// - runs done, failed and missing;
/// - a table of MIN, P50, P95 and MAX (nearest-rank percentiles over the
///   completed runs) for peak ECI replicas (all workloads at one step),
///   ECI cost, total cost, pending pod-seconds and overflow time (seconds with
///   any replica on ECI);
/// - with an ECI bound: the share of runs within it and, per varied key, its
///   range overall, within and above the bound, and runs per value (or per
///   range of values) within and above;
/// - the failed runs with their values and errors, and the missing run indices.
pub fn table(report: &Report) -> String {
    let mut out = String::new();
    let scope = match report.shard {
        Some(s) => format!(
            "{}, shard {s} ({})",
            plural(report.runs, "run"),
            plural(report.expected, "run")
        ),
        None => plural(report.runs, "run"),
    };
    out.push_str(&format!(
        "spillway sweep: {}, {scope}\n",
        clean(&report.file)
    ));
    if !report.vary.is_empty() {
        out.push_str("varied:\n");
        for v in &report.vary {
            out.push_str(&format!("  {}\n", clean(v.spec())));
        }
    }
    let mut counts = format!("runs: {} done", report.done);
    if !report.failed.is_empty() {
        counts.push_str(&format!(", {} failed", report.failed.len()));
    }
    if !report.missing.is_empty() {
        counts.push_str(&format!(", {} missing", report.missing.len()));
    }
    counts.push_str(&format!(" (of {})\n", report.expected));
    out.push_str(&counts);
    out.push('\n');
    match &report.metrics {
        Some(m) => {
            let cur = &report.currency;
            let mut rows = vec![["", "MIN", "P50", "P95", "MAX"].map(String::from).to_vec()];
            let row = |name: &str, s: [String; 4]| {
                let mut r = vec![name.to_string()];
                r.extend(s);
                r
            };
            let counts = |s: &Stats<usize>| [s.min, s.p50, s.p95, s.max].map(|x| x.to_string());
            let moneys = |s: &Stats<f64>| [s.min, s.p50, s.p95, s.max].map(|x| money(x, cur));
            let seconds = |s: &Stats<u64>| [s.min, s.p50, s.p95, s.max].map(|x| x.to_string());
            let times = |s: &Stats<u64>| [s.min, s.p50, s.p95, s.max].map(length);
            rows.push(row("peak ECI replicas", counts(&m.peak_eci)));
            rows.push(row("ECI cost", moneys(&m.cost_eci)));
            rows.push(row("total cost", moneys(&m.cost_total)));
            rows.push(row("pending pod-seconds", seconds(&m.pending_seconds)));
            rows.push(row("overflow time", times(&m.overflow_seconds)));
            out.push_str(&align(&rows, ""));
            out.push_str(
                "(over the completed runs; P50/P95: nearest rank; peak ECI replicas: all workloads at one step; overflow time: any replica on ECI)\n",
            );
        }
        None => out.push_str("no completed runs\n"),
    }
    if let Some(b) = &report.eci_bound {
        out.push('\n');
        let done = b.within + b.over;
        out.push_str(&format!(
            "peak ECI replicas ≤ {}: {} of {} ({:.1}%)\n",
            b.bound,
            b.within,
            plural(done, "run"),
            b.fraction * 100.0
        ));
        for (k, v) in b.keys.iter().zip(&report.vary) {
            let kind = v.kind();
            let span = |r: &Option<(Value, Value)>| match r {
                Some((a, z)) if a == z => format_value(a, kind),
                Some((a, z)) => format!("{}..{}", format_value(a, kind), format_value(z, kind)),
                None => "none".into(),
            };
            out.push_str(&format!(
                "\n{}: {} (within the bound: {}; above: {})\n",
                clean(&k.key),
                span(&k.range),
                span(&k.within_range),
                span(&k.over_range)
            ));
            let mut rows = vec![
                [
                    if k.binned { "VALUES" } else { "VALUE" },
                    "WITHIN",
                    "ABOVE",
                    "WITHIN%",
                ]
                .map(String::from)
                .to_vec(),
            ];
            for c in &k.values {
                let share = 100.0 * c.within as f64 / (c.within + c.over).max(1) as f64;
                rows.push(vec![
                    c.label.clone(),
                    c.within.to_string(),
                    c.over.to_string(),
                    format!("{share:.0}%"),
                ]);
            }
            out.push_str(&align(&rows, "  "));
        }
    }
    if !report.failed.is_empty() {
        out.push_str("\nfailed runs:\n");
        for f in report.failed.iter().take(MAX_FAILED_LISTED) {
            let values = values_text(&report.vary, &f.values);
            let values = if values.is_empty() {
                String::new()
            } else {
                format!(", {values}")
            };
            out.push_str(&format!(
                "  run {} (seed {}{values}): {}\n",
                f.run,
                f.seed,
                clean(&f.error)
            ));
        }
        if report.failed.len() > MAX_FAILED_LISTED {
            out.push_str(&format!(
                "  … and {} more\n",
                report.failed.len() - MAX_FAILED_LISTED
            ));
        }
    }
    if !report.missing.is_empty() {
        let listed: Vec<String> = report
            .missing
            .iter()
            .take(MAX_MISSING_LISTED)
            .map(ToString::to_string)
            .collect();
        let more = report.missing.len().saturating_sub(MAX_MISSING_LISTED);
        out.push_str(&format!(
            "\nmissing runs (no shard holds them): {}{}\n",
            listed.join(", "),
            if more > 0 {
                format!(" … and {more} more")
            } else {
                String::new()
            }
        ));
    }
    out
}

/// A result and its report as one JSON document (pretty-printed, with a final
/// newline): the result's fields (`file`, `digest`, `currency`, `runs`,
/// `shard`, `vary`, `records`, `failed`) then `report`. [`read_result`] reads it
/// back (ignoring `report`), so outputs can be merged again.
///
/// # Errors
/// Only if serialisation fails, which these types do not do.
pub fn json(result: &SweepResult, eci_bound: Option<usize>) -> Result<String, serde_json::Error> {
    #[derive(Serialize)]
    struct Output<'a> {
        #[serde(flatten)]
        result: &'a SweepResult,
        report: Report,
    }
    let mut text = serde_json::to_string_pretty(&Output {
        result,
        report: report(result, eci_bound),
    })?;
    text.push('\n');
    Ok(text)
}
