//! `spillway sweep` and `spillway merge`: many runs of one simulation file with
//! varied values, their distributions, and the merge of sharded sweeps.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use spillway_sim::SimError;
use spillway_sim::sweep::{self, Shard, SweepResult, Vary};

/// Output formats of a sweep or a merge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum SweepOutput {
    /// The report for people: distributions, the ECI bound, failed runs.
    Table,
    /// The runs' records and the report as JSON: the shard format `merge` reads
    /// (byte-identical for the same file, runs and --vary, whatever the threads
    /// or shards).
    Json,
}

/// What `spillway sweep` runs.
#[derive(Debug, Clone)]
pub(crate) struct SweepArgs {
    /// The simulation file.
    pub file: PathBuf,
    /// Runs of the whole sweep (run i uses seed file seed + i).
    pub runs: usize,
    /// `KEY=a..b` or `KEY=x,y,z` specs.
    pub vary: Vec<String>,
    /// `i/N`: run only the indices r with r % N == i.
    pub shard: Option<String>,
    /// Output format.
    pub output: SweepOutput,
    /// Report the runs whose peak ECI replicas stay at most this.
    pub eci_bound: Option<usize>,
    /// Threads (default: one per CPU).
    pub threads: Option<usize>,
    /// No progress bar on stderr.
    pub no_progress: bool,
}

/// What `spillway merge` joins.
#[derive(Debug, Clone)]
pub(crate) struct MergeArgs {
    /// Outputs of `spillway sweep --output json` (shards of one sweep).
    pub files: Vec<PathBuf>,
    /// Output format.
    pub output: SweepOutput,
    /// As for a sweep.
    pub eci_bound: Option<usize>,
}

/// Runs a sweep and prints its report (or its JSON). Exits 2 (a [`SimError`])
/// on bad input, and when every run failed (after printing the report).
pub(crate) fn run_sweep(args: &SweepArgs) -> anyhow::Result<()> {
    if args.runs == 0 {
        return Err(SimError::field(&args.file, "--runs", "must be at least 1").into());
    }
    let vary = args
        .vary
        .iter()
        .map(|s| Vary::parse(s).map_err(|e| SimError::field(&args.file, "--vary", e)))
        .collect::<Result<Vec<_>, _>>()?;
    let shard = match &args.shard {
        Some(s) => Some(Shard::parse(s).map_err(|e| SimError::field(&args.file, "--shard", e))?),
        None => None,
    };
    let count = sweep::run_indices(args.runs, shard).len();
    let bar = progress_bar(count as u64, args.no_progress);
    let result = sweep::sweep(
        &args.file,
        args.runs,
        &vary,
        shard.map(|s| (s.index, s.count)),
        args.threads,
        || bar.inc(1),
    );
    bar.finish_and_clear();
    let result = result?;
    print(&result, args.output, args.eci_bound)?;
    all_failed(&result)
}

/// Merges shard outputs and prints the report (or the merged JSON).
pub(crate) fn run_merge(args: &MergeArgs) -> anyhow::Result<()> {
    let parts = args
        .files
        .iter()
        .map(|p| sweep::read_result(p).map(|r| (p.clone(), r)))
        .collect::<Result<Vec<_>, _>>()?;
    let merged = sweep::merge_named(parts)?;
    print(&merged, args.output, args.eci_bound)?;
    all_failed(&merged)
}

/// A progress bar on stderr, hidden when stderr is not a terminal or when
/// asked.
fn progress_bar(len: u64, hidden: bool) -> ProgressBar {
    if hidden || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {pos}/{len} runs, {elapsed} elapsed, ETA {eta}")
    {
        bar.set_style(style);
    }
    bar
}

/// Writes the report or the JSON to stdout.
fn print(
    result: &SweepResult,
    output: SweepOutput,
    eci_bound: Option<usize>,
) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match output {
        SweepOutput::Json => out.write_all(sweep::json(result, eci_bound)?.as_bytes())?,
        SweepOutput::Table => {
            out.write_all(sweep::table(&sweep::report(result, eci_bound)).as_bytes())?;
        }
    }
    out.flush()?;
    Ok(())
}

/// An error (exit 2) when runs were made and every one failed.
fn all_failed(result: &SweepResult) -> anyhow::Result<()> {
    match result.failed.first() {
        Some(first) if result.records.is_empty() => Err(SimError::field(
            &result.file,
            format!("run {}", first.run),
            format!(
                "every run failed ({}); the first: {}",
                result.failed.len(),
                first.error
            ),
        )
        .into()),
        _ => Ok(()),
    }
}
