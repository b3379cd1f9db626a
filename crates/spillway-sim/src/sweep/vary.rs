//! `--vary` specs: keys into the simulation file and the values runs give them.

use std::collections::BTreeSet;
use std::fmt;

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::Duration;

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

    /// The bounds of a range (`None` for a list).
    pub fn bounds(&self) -> Option<(f64, f64)> {
        match self.values {
            Values::IntRange(a, b) => Some((a as f64, b as f64)),
            Values::RealRange(a, b) => Some((a, b)),
            Values::List(_) => None,
        }
    }

    /// The place of this key in a simulation file's document (its last key
    /// added, as null, when the mapping lacks it).
    pub(super) fn slot<'a>(&self, doc: &'a mut Value) -> Result<&'a mut Value, String> {
        locate(doc, &self.path)
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
pub(super) const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a 64, continuing from `hash`.
pub(super) fn fnv1a(mut hash: u64, bytes: &[u8]) -> u64 {
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
