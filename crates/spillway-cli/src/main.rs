//! The `spillway` command.
#![forbid(unsafe_code)]

mod schedule;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use spillway_core::TieBreak;

/// Predicts where Kubernetes pods land, with kube-scheduler v1.35's exact rules.
#[derive(Debug, Parser)]
#[command(name = "spillway", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Output {
    /// A table for people.
    Table,
    /// The golden data's JSON format.
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Place the scenario's incoming pods in order, assuming each before the next.
    Schedule {
        /// Scenario file: YAML or JSON, the object form or a `kubectl get -o yaml` dump.
        scenario: PathBuf,
        /// Output format.
        #[arg(long, short, value_enum, default_value_t = Output::Table)]
        output: Output,
        /// How to pick among tied best nodes: `name` (first by node name, the
        /// default) or `seed:N` (a seeded random choice).
        #[arg(long, default_value = "name")]
        tie_break: TieBreak,
    },
}

/// Exit code for bad input (unreadable, malformed or invalid scenario files).
const EXIT_BAD_INPUT: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Schedule {
            scenario,
            output,
            tie_break,
        } => schedule::run(&scenario, output, tie_break),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("spillway: {e:#}");
            if e.downcast_ref::<spillway_kube::LoadError>().is_some() {
                ExitCode::from(EXIT_BAD_INPUT)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}
