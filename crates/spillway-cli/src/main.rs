//! The `spillway` command.
#![forbid(unsafe_code)]

mod capacity;
mod doctor;
mod explain;
mod schedule;
mod serve;
mod simulate;
mod sweep;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use spillway_core::{Snapshot, TieBreak};
use spillway_kube::Scenario;

/// mimalloc: `spillway serve` allocates many short-lived strings and node
/// objects per request, and glibc's allocator spent about a third of the
/// request time in malloc and free (docs/PERFORMANCE.md, "Scheduler
/// extender").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    /// JSON (for `schedule`, the golden data's format).
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
    /// Why one incoming pod lands where it lands, or stays Pending: every node's
    /// filter verdict, every plugin's score.
    Explain {
        /// Scenario file.
        scenario: PathBuf,
        /// The incoming pod: `namespace/name`, or a name unique among incoming pods.
        pod: String,
        /// Show one node in detail: every filter plugin's verdict, every score.
        #[arg(long)]
        node: Option<String>,
        /// Output format.
        #[arg(long, short, value_enum, default_value_t = Output::Table)]
        output: Output,
        /// Tie-break for this pod and the ones placed before it.
        #[arg(long, default_value = "name")]
        tie_break: TieBreak,
        /// Score rows to show, best first.
        #[arg(long, default_value_t = 10, conflicts_with = "all")]
        top: usize,
        /// Show every feasible node's scores.
        #[arg(long)]
        all: bool,
    },
    /// Simulate the cluster over time: load → HPA → scheduling → overflow to ECI,
    /// failures, rollouts and cost. Without a file, runs the bundled simulation
    /// (examples/asm-gateway-spike.yaml).
    Simulate {
        /// Simulation file (YAML).
        file: Option<PathBuf>,
        /// Output format.
        #[arg(long, short, value_enum, default_value_t = simulate::SimOutput::Table)]
        output: simulate::SimOutput,
        /// Also write an HTML report with charts to this file.
        #[arg(long, value_name = "PATH.html")]
        report: Option<PathBuf>,
        /// Seed of every random choice (default: the file's).
        #[arg(long)]
        seed: Option<u64>,
        /// Timeline row spacing in the table (e.g. 5m; default: about 40 rows).
        #[arg(long, value_parser = parse_duration)]
        every: Option<spillway_sim::Duration>,
    },
    /// Run a simulation many times with values varied (in parallel), and report
    /// the distributions of peak ECI replicas, cost and pending time, and which
    /// values keep ECI use under a bound.
    Sweep {
        /// Simulation file (YAML).
        file: PathBuf,
        /// Runs of the whole sweep; run i uses seed (file seed + i).
        #[arg(long, default_value_t = 100)]
        runs: usize,
        /// A value to vary: KEY=a..b (a number or duration drawn per run) or
        /// KEY=x,y,z (taken in turn). KEY is a dotted path into the file, such as
        /// settings.eciStartupLatency or events[0].at. Repeatable.
        #[arg(long, value_name = "KEY=VALUES")]
        vary: Vec<String>,
        /// Run one slice: i/N runs the indices r with r mod N = i (0 ≤ i < N);
        /// `spillway merge` joins the slices' JSON outputs.
        #[arg(long, value_name = "i/N")]
        shard: Option<String>,
        /// Report which values keep peak ECI replicas at or below this.
        #[arg(long, value_name = "K")]
        eci_bound: Option<usize>,
        /// Threads (default: one per CPU).
        #[arg(long)]
        threads: Option<usize>,
        /// Output format (json is what `merge` reads).
        #[arg(long, short, value_enum, default_value_t = sweep::SweepOutput::Table)]
        output: sweep::SweepOutput,
        /// No progress bar on stderr (it shows only on a terminal).
        #[arg(long)]
        no_progress: bool,
    },
    /// Join the JSON outputs of a sweep's shards (`spillway sweep --shard i/N
    /// --output json`) and report the whole sweep.
    Merge {
        /// Shard outputs.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Report which values keep peak ECI replicas at or below this.
        #[arg(long, value_name = "K")]
        eci_bound: Option<usize>,
        /// Output format.
        #[arg(long, short, value_enum, default_value_t = sweep::SweepOutput::Table)]
        output: sweep::SweepOutput,
    },
    /// Find the mistakes the ACK/ASM documents warn about: affinity or
    /// tolerations that match no node, virtual nodes out of reach, overflow to ECI
    /// while ECS still fits, replicas one node or zone failure takes down, shared
    /// load balancers. Exits 1 when it finds an error.
    Doctor {
        /// Scenario file.
        scenario: PathBuf,
        /// Output format.
        #[arg(long, short, value_enum, default_value_t = Output::Table)]
        output: Output,
    },
    /// How many more replicas fit on ECS before overflow to ECI starts, and how
    /// many on ECI within quota, per node and zone; with --add-nodes, the least
    /// number of ECS nodes of a template that keeps --replicas replicas on ECS.
    Capacity {
        /// Scenario file.
        scenario: PathBuf,
        /// A file with the pod to add copies of.
        #[arg(
            long,
            conflicts_with = "workload",
            required_unless_present = "workload"
        )]
        pod: Option<PathBuf>,
        /// A workload of the scenario to add replicas of: istiogateway/NAME,
        /// deployment/NAME, replicaset/NAME, statefulset/NAME, or a bare name.
        #[arg(long)]
        workload: Option<String>,
        /// Stop after this many replicas.
        #[arg(long, default_value_t = 10_000)]
        max: usize,
        /// A node of the scenario, or a file with a Node, to add copies of.
        #[arg(long, value_name = "TEMPLATE")]
        add_nodes: Option<String>,
        /// Zones to spread the added nodes over, round-robin (comma-separated).
        #[arg(long, value_delimiter = ',', requires = "add_nodes")]
        zones: Vec<String>,
        /// With --add-nodes: the replica count to keep on ECS (default --max).
        #[arg(long, requires = "add_nodes")]
        replicas: Option<usize>,
        /// Output format.
        #[arg(long, short, value_enum, default_value_t = Output::Table)]
        output: Output,
    },
    /// Run the kube-scheduler extender: POST PREFIX/VERB (filter, prioritize,
    /// preempt, bind), /healthz, /readyz and /metrics, over HTTP or HTTPS.
    /// Stops gracefully on SIGTERM or SIGINT.
    Serve {
        /// Address to listen on [default: the file's `listen`, else
        /// 127.0.0.1:8888].
        #[arg(long, value_name = "ADDR")]
        listen: Option<String>,
        /// Configuration file (YAML): urlPrefix, verbs, policies, cluster,
        /// limits, tls, log.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Log format [default: the file's `log.format`, else text].
        #[arg(long, value_enum)]
        log_format: Option<serve::LogFormatArg>,
    },
}

/// Exit code for bad input (unreadable, malformed or invalid scenario files, a pod
/// or node that is not in the scenario, a bad `serve` configuration or TLS file).
const EXIT_BAD_INPUT: u8 = 2;

/// Reads, admits and compiles a scenario, noting on stderr what it ignores.
pub(crate) fn load(path: &Path) -> anyhow::Result<(Scenario, Snapshot)> {
    let scenario = Scenario::load(path)?;
    for note in &scenario.ignored {
        eprintln!("spillway: ignored {note}");
    }
    let snapshot = scenario.compile()?;
    Ok((scenario, snapshot))
}

/// An error and its causes, `: `-separated, leaving out a cause whose text
/// the message already holds (errors that print their source).
fn describe(e: &anyhow::Error) -> String {
    let mut out = e.to_string();
    for cause in e.chain().skip(1) {
        let text = cause.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
    }
    out
}

fn parse_duration(s: &str) -> Result<spillway_sim::Duration, String> {
    spillway_sim::Duration::parse(s)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Schedule {
            scenario,
            output,
            tie_break,
        } => schedule::run(&scenario, output, tie_break),
        Command::Explain {
            scenario,
            pod,
            node,
            output,
            tie_break,
            top,
            all,
        } => explain::run(&explain::Args {
            scenario: &scenario,
            pod: &pod,
            node: node.as_deref(),
            output,
            tie_break,
            top: (!all).then_some(top),
        }),
        Command::Doctor { scenario, output } => doctor::run(&scenario, output),
        Command::Simulate {
            file,
            output,
            report,
            seed,
            every,
        } => simulate::run(&simulate::Args {
            file: file.as_deref(),
            output,
            report: report.as_ref(),
            seed,
            every,
        }),
        Command::Sweep {
            file,
            runs,
            vary,
            shard,
            eci_bound,
            threads,
            output,
            no_progress,
        } => sweep::run_sweep(&sweep::SweepArgs {
            file,
            runs,
            vary,
            shard,
            output,
            eci_bound,
            threads,
            no_progress,
        }),
        Command::Merge {
            files,
            eci_bound,
            output,
        } => sweep::run_merge(&sweep::MergeArgs {
            files,
            output,
            eci_bound,
        }),
        Command::Capacity {
            scenario,
            pod,
            workload,
            max,
            add_nodes,
            zones,
            replicas,
            output,
        } => capacity::run(&capacity::Args {
            scenario: &scenario,
            pod: pod.as_ref(),
            workload: workload.as_deref(),
            max,
            add_nodes: add_nodes.as_deref(),
            zones: &zones,
            replicas,
            output,
        }),
        Command::Serve {
            listen,
            config,
            log_format,
        } => serve::run(&serve::Args {
            listen: listen.as_deref(),
            config: config.as_deref(),
            log_format,
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // A closed pipe (`spillway ... | head`) is the reader's choice, not an error.
        Err(e)
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            ExitCode::SUCCESS
        }
        Err(e) if e.downcast_ref::<doctor::Errors>().is_some() => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("spillway: {}", describe(&e));
            if e.downcast_ref::<spillway_kube::LoadError>().is_some()
                || e.downcast_ref::<spillway_sim::SimError>().is_some()
                || e.downcast_ref::<explain::NotFound>().is_some()
                || e.downcast_ref::<spillway_extender::config::ConfigError>()
                    .is_some()
                || e.downcast_ref::<spillway_extender::server::ServerError>()
                    .is_some()
                || e.downcast_ref::<serve::BadSetting>().is_some()
            {
                ExitCode::from(EXIT_BAD_INPUT)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}
