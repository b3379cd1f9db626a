//! `spillway serve`: the scheduler extender over HTTP(S) until SIGTERM or
//! SIGINT, then a graceful stop (no new connections, requests in flight
//! answered); a second signal exits at once.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::ValueEnum;
use spillway_extender::config::{BindMode, ConfigError, LogFormat};
use spillway_extender::server::{self, AppState};
use spillway_extender::watch::{self, Live};
use spillway_extender::{Cache, Config, Extender};
use spillway_kube::Scenario;
use tracing_subscriber::EnvFilter;

/// Where to listen without `--listen` or `listen:` in the configuration.
const DEFAULT_LISTEN: &str = "127.0.0.1:8888";

/// Exit code when a second signal cuts the drain short.
const EXIT_FORCED: i32 = 1;

/// `--log-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum LogFormatArg {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// The command line of `spillway serve`.
pub(crate) struct Args<'a> {
    pub(crate) listen: Option<&'a str>,
    pub(crate) config: Option<&'a Path>,
    pub(crate) log_format: Option<LogFormatArg>,
}

/// A setting from outside the configuration file (`RUST_LOG`) that is not
/// usable: bad input, like a bad configuration.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct BadSetting(String);

/// The extender's cluster state at start: the `cluster.scenario` file when
/// set (admitted and compiled as `spillway schedule` does), else empty.
pub(crate) fn build_cache(config: &Config) -> anyhow::Result<Cache> {
    match &config.cluster.scenario {
        Some(path) => {
            let scenario = Scenario::load(path)?;
            for note in &scenario.ignored {
                tracing::warn!("{}: ignored {note}", path.display());
            }
            Ok(Cache::from_scenario(scenario)?)
        }
        None => Ok(Cache::default()),
    }
}

pub(crate) fn run(args: &Args<'_>) -> anyhow::Result<()> {
    let mut config = match args.config {
        Some(path) => Config::load(path)?,
        None => Config::default(),
    };
    match args.log_format {
        Some(LogFormatArg::Text) => config.log.format = LogFormat::Text,
        Some(LogFormatArg::Json) => config.log.format = LogFormat::Json,
        None => {}
    }
    init_logging(&config, args.config)?;

    let tls = config.tls.as_ref().map(server::load_tls).transpose()?;
    let live_needed = config.cluster.watch || config.cluster.bind == BindMode::Api;
    if live_needed && !watch::AVAILABLE {
        return Err(BadSetting(
            "cluster.watch and cluster.bind: api need spillway built with the kube feature (cargo build --features spillway-extender/kube)".into(),
        )
        .into());
    }
    if !config.verbs.bind.is_empty() && config.cluster.bind == BindMode::Record {
        tracing::warn!(
            "verbs.bind is on with cluster.bind: record: bindings are recorded in spillway's cache only, pods are not bound in the cluster"
        );
    }
    let cache = build_cache(&config)?;
    let listen = args
        .listen
        .or(config.listen.as_deref())
        .unwrap_or(DEFAULT_LISTEN);

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let live = if live_needed {
        Some(runtime.block_on(Live::connect()).map_err(BadSetting)?)
    } else {
        None
    };
    let mut extender = Extender::new(config.clone(), cache);
    if let Some(live) = &live {
        extender = extender.with_binder(live.binder(runtime.handle().clone()));
    }
    let shared_cache = extender.shared_cache();
    let state = Arc::new(AppState::new(extender, &config)?);
    let result = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        let addr = listener.local_addr()?;
        // Installed before the line below, so a signal sent by whoever waits
        // for that line is already a graceful stop.
        let mut signals = Signals::new().context("installing the signal handlers")?;
        match live.filter(|_| config.cluster.watch) {
            // Ready once the watchers have listed nodes, pods and namespaces.
            Some(live) => {
                let ready = state.ready_flag();
                tokio::spawn(async move {
                    if let Err(e) = live.watch(shared_cache, ready).await {
                        tracing::error!("{e}");
                    }
                });
            }
            // build_cache loaded everything there is to load.
            None => state.set_ready(true),
        }
        let scheme = if tls.is_some() { "https" } else { "http" };
        eprintln!(
            "spillway serve: listening on {scheme}://{addr}{}",
            config.url_prefix
        );
        tracing::info!(
            %addr,
            tls = tls.is_some(),
            client_certificates = config.tls.as_ref().is_some_and(|t| t.client_ca_file.is_some()),
            verbs = ?state.verb_paths(),
            timeout = ?config.limits.timeout,
            max_body_bytes = config.limits.max_body_bytes,
            "serving"
        );
        let shutdown = async move {
            let signal = signals.next().await;
            tracing::info!(
                signal,
                "stopping: no new connections, answering requests in flight"
            );
            tokio::spawn(async move {
                let signal = signals.next().await;
                tracing::warn!(signal, "second signal: exiting without draining");
                std::process::exit(EXIT_FORCED);
            });
        };
        server::serve(listener, server::router(state), tls, shutdown).await?;
        tracing::info!("stopped");
        anyhow::Ok(())
    });
    // Work that timed out may still run on the blocking pool; do not wait
    // for it.
    runtime.shutdown_timeout(Duration::from_secs(1));
    result
}

/// Logs on stderr, text or JSON; the level from `RUST_LOG` when set, else
/// `log.level`. Panics are logged too (as errors), so JSON logs stay JSON.
fn init_logging(config: &Config, config_path: Option<&Path>) -> anyhow::Result<()> {
    let filter = match std::env::var("RUST_LOG") {
        Ok(env) if !env.trim().is_empty() => {
            EnvFilter::try_new(&env).map_err(|e| BadSetting(format!("RUST_LOG: {env:?}: {e}")))?
        }
        _ => EnvFilter::try_new(&config.log.level).map_err(|e| {
            let message = format!("log.level: {:?}: {e}", config.log.level);
            match config_path {
                Some(path) => anyhow::Error::new(ConfigError::Invalid {
                    path: path.to_path_buf(),
                    message,
                }),
                None => anyhow::Error::new(BadSetting(message)),
            }
        })?,
    };
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let installed = match config.log.format {
        LogFormat::Text => builder.with_ansi(ansi).try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
    installed.map_err(|e| anyhow::anyhow!("installing the logger: {e}"))?;
    std::panic::set_hook(Box::new(|info| {
        let location = info.location().map(ToString::to_string).unwrap_or_default();
        let payload = info.payload();
        let message = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("(not a string)");
        tracing::error!(%location, "panic: {message}");
    }));
    Ok(())
}

/// SIGTERM (Kubernetes stopping the pod) and SIGINT (Ctrl-C).
struct Signals {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
}

impl Signals {
    /// Installs the handlers (from then on these signals no longer kill the
    /// process).
    fn new() -> std::io::Result<Signals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Signals {
                term: signal(SignalKind::terminate())?,
                int: signal(SignalKind::interrupt())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Signals {})
    }

    /// The next signal's name.
    async fn next(&mut self) -> &'static str {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.term.recv() => "SIGTERM",
                _ = self.int.recv() => "SIGINT",
            }
        }
        #[cfg(not(unix))]
        {
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
            "Ctrl-C"
        }
    }
}
