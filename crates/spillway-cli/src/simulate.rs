//! `spillway simulate`.

use std::io::Write;
use std::path::{Path, PathBuf};

use spillway_kube::Scenario;
use spillway_sim::file::SimFile;
use spillway_sim::{Duration, Simulation, report};

/// The bundled simulation (`examples/asm-gateway-spike.yaml`) and its scenario,
/// inside the binary so that `spillway simulate` works from any directory.
const BUNDLED: &str = include_str!("../../../examples/asm-gateway-spike.yaml");
const BUNDLED_SCENARIO: &str = include_str!("../../../examples/asm-gateway-spike-cluster.yaml");

/// Output formats of a simulation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum SimOutput {
    /// A summary and a timeline for people.
    Table,
    /// The whole outcome as JSON (byte-identical for the same file and seed).
    Json,
    /// One row per step and workload.
    Csv,
}

/// What to run.
pub(crate) struct Args<'a> {
    pub file: Option<&'a Path>,
    pub output: SimOutput,
    pub report: Option<&'a PathBuf>,
    pub seed: Option<u64>,
    pub every: Option<Duration>,
}

/// Loads a simulation file, or the bundled one.
pub(crate) fn load(file: Option<&Path>) -> anyhow::Result<Simulation> {
    Ok(match file {
        Some(path) => Simulation::load(path)?,
        None => {
            let path = Path::new("examples/asm-gateway-spike.yaml");
            let sim = SimFile::parse(path, BUNDLED)?;
            let scenario = Scenario::parse(
                Path::new("examples/asm-gateway-spike-cluster.yaml"),
                BUNDLED_SCENARIO,
            )?;
            Simulation::with_scenario(path, sim, scenario)?
        }
    })
}

pub(crate) fn run(args: &Args<'_>) -> anyhow::Result<()> {
    let sim = load(args.file)?;
    let outcome = sim.run(args.seed)?;
    let mut out = std::io::stdout().lock();
    match args.output {
        SimOutput::Json => {
            serde_json::to_writer_pretty(&mut out, &outcome)?;
            writeln!(out)?;
        }
        SimOutput::Csv => write!(out, "{}", report::csv(&outcome)?)?,
        SimOutput::Table => {
            // About 40 timeline rows, on whole minutes.
            let every = args.every.map_or_else(
                || {
                    (outcome.duration_seconds / 40)
                        .max(outcome.step_seconds)
                        .div_ceil(60)
                        * 60
                },
                |d| d.secs().max(outcome.step_seconds),
            );
            write!(out, "{}", report::table(&outcome, every))?;
        }
    }
    if let Some(path) = args.report {
        std::fs::write(path, report::html(&outcome))
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        if args.output == SimOutput::Table {
            writeln!(out, "\nHTML report: {}", path.display())?;
        }
    }
    Ok(())
}
