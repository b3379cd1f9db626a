//! Shards of a sweep, reading their outputs back, and merging them.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::SweepResult;
use crate::error::SimError;

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
                let message = if other == name.as_path() {
                    format!("run {run} is in it twice (the same file given twice?)")
                } else {
                    format!("run {run} is also in {}", other.display())
                };
                return Err(SimError::field(name, "records", message));
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
