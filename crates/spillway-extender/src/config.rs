//! The server's configuration file (YAML): verbs, policies, cluster state,
//! limits, TLS and logs.
//!
//! ```yaml
//! urlPrefix: /spillway          # routes are PREFIX/filter, PREFIX/prioritize, ...
//! verbs: {filter: filter, prioritize: prioritize, preempt: preempt, bind: ""}
//! policies:
//!   filter: [strict-overflow]   # strict-overflow, upstream
//!   prioritize:                 # cost, spread, upstream; weighted, scaled to 0-10
//!   - {policy: cost, weight: 2}
//!   - {policy: spread, weight: 1}
//! strictOverflow: {scope: candidates}   # or cluster
//! cluster:
//!   scenario: cluster.yaml      # initial nodes, pods, namespaces (optional)
//!   watch: false                # kube-rs watchers (the `kube` feature)
//!   bind: record                # record (cache only) or api (create the Binding)
//! limits: {maxBodyBytes: 16777216, timeout: 4s}
//! tls: {certFile: tls.crt, keyFile: tls.key, clientCAFile: ca.crt}
//! log: {format: json}
//! ```
//!
//! ```
//! use spillway_extender::config::{Config, PolicyName};
//!
//! let config = Config::parse("policies: {filter: [strict-overflow]}").unwrap();
//! assert_eq!(config.policies.filter, [PolicyName::StrictOverflow]);
//! assert_eq!(config.verbs.filter, "filter");
//! assert!(Config::parse("policies: {filter: [cheapest]}").is_err());
//! ```

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

/// The whole file. Every key is optional.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Config {
    /// Address to listen on (`--listen` overrides it).
    pub listen: Option<String>,
    /// Path prefix of every verb (the path part of the extender's `urlPrefix`);
    /// empty by default, so `/filter` works.
    pub url_prefix: String,
    /// Verb names; an empty name turns the verb off.
    pub verbs: Verbs,
    /// Which policies answer each verb.
    pub policies: Policies,
    /// Settings of strict-overflow.
    pub strict_overflow: StrictOverflow,
    /// Where the cluster state comes from.
    pub cluster: ClusterSource,
    /// Request limits.
    pub limits: Limits,
    /// TLS (off when absent).
    pub tls: Option<Tls>,
    /// Logs.
    pub log: Log,
}

/// Verb names, as the extender stanza's `filterVerb`, `prioritizeVerb`,
/// `preemptVerb` and `bindVerb`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Verbs {
    /// `filter` by default.
    pub filter: String,
    /// `prioritize` by default.
    pub prioritize: String,
    /// `preempt` by default.
    pub preempt: String,
    /// Off by default: binding is kube-scheduler's unless spillway is the binder.
    pub bind: String,
}

impl Default for Verbs {
    fn default() -> Verbs {
        Verbs {
            filter: "filter".into(),
            prioritize: "prioritize".into(),
            preempt: "preempt".into(),
            bind: String::new(),
        }
    }
}

/// A policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PolicyName {
    /// Virtual nodes pass only when no ECS candidate can take the pod.
    StrictOverflow,
    /// Marginal cost: ECS nodes already paid for first, then ECI by price.
    Cost,
    /// Fewer replicas of the pod's workload on the node and in its zone first.
    Spread,
    /// kube-scheduler's default profile, from the core.
    Upstream,
}

impl PolicyName {
    /// The name as configured.
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyName::StrictOverflow => "strict-overflow",
            PolicyName::Cost => "cost",
            PolicyName::Spread => "spread",
            PolicyName::Upstream => "upstream",
        }
    }
}

/// A prioritize policy with its weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Weighted {
    /// The policy.
    pub policy: PolicyName,
    /// Its weight (≥ 1).
    #[serde(default = "one")]
    pub weight: u32,
}

fn one() -> u32 {
    1
}

/// The policies of each verb.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Policies {
    /// Filter policies; a node passes when every one passes it.
    pub filter: Vec<PolicyName>,
    /// Prioritize policies; their weighted sum is scaled to 0–10.
    pub prioritize: Vec<Weighted>,
}

impl Default for Policies {
    fn default() -> Policies {
        Policies {
            filter: vec![PolicyName::StrictOverflow],
            prioritize: vec![
                Weighted {
                    policy: PolicyName::Cost,
                    weight: 1,
                },
                Weighted {
                    policy: PolicyName::Spread,
                    weight: 1,
                },
            ],
        }
    }
}

/// Where strict-overflow looks for an ECS node that can take the pod.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    /// The candidates kube-scheduler sent (the nodes that passed its filters).
    #[default]
    Candidates,
    /// Every ECS node in the cache (guards against kube-scheduler's node
    /// sampling, at the price of a Pending cycle when the fitting ECS node was
    /// not sampled).
    Cluster,
}

/// Settings of strict-overflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct StrictOverflow {
    /// Where to look for ECS capacity.
    pub scope: Scope,
}

/// How the bind verb binds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BindMode {
    /// Record the binding in the cache only (tests, dry runs).
    #[default]
    Record,
    /// Create the `pods/binding` subresource through the API server (the
    /// `kube` feature), then record it.
    Api,
}

/// Where the cluster state comes from.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ClusterSource {
    /// A scenario or snapshot file (as `spillway schedule` reads) loaded at
    /// start; relative to the config file.
    pub scenario: Option<PathBuf>,
    /// Watch nodes, pods and namespaces (in-cluster config or kubeconfig).
    pub watch: bool,
    /// How the bind verb binds.
    pub bind: BindMode,
}

/// Request limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Limits {
    /// Largest request body; larger ones get 413.
    pub max_body_bytes: usize,
    /// Time to answer one request (below kube-scheduler's 5 s default
    /// `httpTimeout`).
    #[serde(with = "seconds")]
    pub timeout: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_body_bytes: 16 << 20,
            timeout: Duration::from_secs(4),
        }
    }
}

/// TLS: a certificate and key, and optionally the CA that client
/// certificates must chain to (`tlsConfig` of the extender stanza).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Tls {
    /// PEM certificate chain.
    pub cert_file: PathBuf,
    /// PEM private key.
    pub key_file: PathBuf,
    /// PEM CA bundle; when set, clients must present a certificate it signed.
    #[serde(default, rename = "clientCAFile")]
    pub client_ca_file: Option<PathBuf>,
}

/// Log format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// Logs.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Log {
    /// Format.
    pub format: LogFormat,
    /// `RUST_LOG`-style filter (`RUST_LOG` overrides it).
    pub level: String,
}

impl Default for Log {
    fn default() -> Log {
        Log {
            format: LogFormat::Text,
            level: "info".into(),
        }
    }
}

/// Durations as `4s`, `500ms` or a number of seconds.
mod seconds {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Secs(f64),
            Text(String),
        }
        let bad = |s: &str| {
            serde::de::Error::custom(format!("{s:?}: expected a duration such as 4s or 500ms"))
        };
        let secs = match Raw::deserialize(d)? {
            Raw::Secs(s) => s,
            Raw::Text(t) => {
                let t = t.trim();
                if let Some(ms) = t.strip_suffix("ms") {
                    ms.trim().parse::<f64>().map_err(|_| bad(t))? / 1000.0
                } else if let Some(s) = t.strip_suffix('s') {
                    s.trim().parse::<f64>().map_err(|_| bad(t))?
                } else {
                    return Err(bad(t));
                }
            }
        };
        if !(secs.is_finite() && secs > 0.0 && secs <= 3600.0) {
            return Err(serde::de::Error::custom(format!(
                "{secs}: a timeout must be above 0 and at most an hour"
            )));
        }
        Ok(Duration::from_secs_f64(secs))
    }
}

/// A configuration that did not load.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// Unreadable file.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Bad content; the message names the field.
    #[error("{}: {message}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

impl Config {
    /// Parses a configuration.
    ///
    /// # Errors
    /// Malformed YAML, unknown keys or policies, a policy in the wrong verb, a
    /// zero weight, or a prefix that is not a path; the message names the field.
    pub fn parse(text: &str) -> Result<Config, String> {
        let config: Config = if text.trim().is_empty() {
            Config::default()
        } else {
            serde_saphyr::from_str(text).map_err(|e| e.to_string())?
        };
        config.check()?;
        Ok(config)
    }

    /// Reads a configuration file; a relative `cluster.scenario` is resolved
    /// against the file's folder.
    ///
    /// # Errors
    /// As [`Config::parse`], naming the file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let mut config = Config::parse(&text).map_err(|message| ConfigError::Invalid {
            path: path.to_path_buf(),
            message,
        })?;
        let dir = path.parent().unwrap_or(Path::new("."));
        if let Some(s) = &mut config.cluster.scenario
            && s.is_relative()
        {
            *s = dir.join(&*s);
        }
        if let Some(tls) = &mut config.tls {
            for p in [&mut tls.cert_file, &mut tls.key_file]
                .into_iter()
                .chain(tls.client_ca_file.as_mut())
            {
                if p.is_relative() {
                    *p = dir.join(&*p);
                }
            }
        }
        Ok(config)
    }

    fn check(&self) -> Result<(), String> {
        if !self.url_prefix.is_empty()
            && (!self.url_prefix.starts_with('/') || self.url_prefix.ends_with('/'))
        {
            return Err(format!(
                "urlPrefix: {:?}: a path such as /spillway (leading /, no trailing /), or empty",
                self.url_prefix
            ));
        }
        for (i, p) in self.policies.filter.iter().enumerate() {
            if !matches!(p, PolicyName::StrictOverflow | PolicyName::Upstream) {
                return Err(format!(
                    "policies.filter[{i}]: {} only prioritizes (filter policies: strict-overflow, upstream)",
                    p.as_str()
                ));
            }
        }
        for (i, w) in self.policies.prioritize.iter().enumerate() {
            if w.policy == PolicyName::StrictOverflow {
                return Err(format!(
                    "policies.prioritize[{i}]: strict-overflow only filters (prioritize policies: cost, spread, upstream)"
                ));
            }
            if w.weight == 0 || w.weight > 100 {
                return Err(format!(
                    "policies.prioritize[{i}].weight: {}: between 1 and 100",
                    w.weight
                ));
            }
        }
        let verbs = [
            ("verbs.filter", &self.verbs.filter),
            ("verbs.prioritize", &self.verbs.prioritize),
            ("verbs.preempt", &self.verbs.preempt),
            ("verbs.bind", &self.verbs.bind),
        ];
        for (field, v) in verbs {
            if v.contains('/') || v.chars().any(char::is_whitespace) {
                return Err(format!("{field}: {v:?}: a verb is one path segment"));
            }
        }
        for (i, (f, a)) in verbs.iter().enumerate() {
            if !a.is_empty() && verbs[i + 1..].iter().any(|(_, b)| a == b) {
                return Err(format!("{f}: {a:?} names two verbs"));
            }
        }
        Ok(())
    }
}
