//! The extender: each verb's answer from the policies over the cache.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use k8s_openapi::api::core::v1 as k;
use spillway_core::{NodeIdx, PodIdx};

use crate::answer::{FilterAnswer, PriorityAnswer};
use crate::cache::{Cache, View};
use crate::config::{BindMode, Config};
use crate::policy::{self, Filtered, Input};
use crate::wire::{
    ExtenderArgs, ExtenderBindingArgs, ExtenderBindingResult, ExtenderFilterResult,
    ExtenderPreemptionArgs, ExtenderPreemptionResult, HostPriority, MetaPod, MetaVictims, NameList,
    NodeList,
};

/// A request that decoded but cannot be answered (no pod, neither `Nodes` nor
/// `NodeNames`): the server answers 400 with the message.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadRequest(pub String);

/// Whether answering may wait: for the cache's lock held by a writer, for
/// a pod spec to compile, for nodes sent in full to be cached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// Wait (on the blocking pool).
    Yes,
    /// Give no answer rather than wait (on the async runtime).
    No,
}

/// The candidates' names, and the policies' outcome (`None`: no opinion).
type Judged<'a, R> = (Cow<'a, NameList>, Option<R>);

/// Creates bindings where pods really get bound (the API server), for the
/// bind verb's `api` mode.
pub trait Binder: Send + Sync + std::fmt::Debug {
    /// Binds `namespace/name` (with `uid`) to `node`.
    ///
    /// # Errors
    /// The API server refused, with its message.
    fn bind(&self, namespace: &str, name: &str, uid: &str, node: &str) -> Result<(), String>;
}

/// The extender: configuration, policies and cluster state. Shared by every
/// request (`&self` everywhere; the cache synchronises).
///
/// ```
/// use spillway_extender::{Cache, Config, Extender, wire};
///
/// let extender = Extender::new(Config::default(), Cache::default());
/// let args: wire::ExtenderArgs = wire::decode(
///     br#"{"Pod":{"metadata":{"name":"p"},"spec":{"containers":[{"name":"c"}]}},"NodeNames":["n1"]}"#,
/// )
/// .unwrap();
/// let result = extender.filter(&args).unwrap();
/// // The cache knows no node n1: it cannot be judged, so it does not pass.
/// assert!(result.node_names.unwrap().is_empty());
/// assert!(result.failed_nodes.unwrap()["n1"].contains("not in spillway's cache"));
/// ```
#[derive(Debug)]
pub struct Extender {
    config: Config,
    cache: Arc<Cache>,
    binder: Option<Box<dyn Binder>>,
}

impl Extender {
    /// An extender answering with `config`'s policies over `cache`.
    pub fn new(config: Config, cache: Cache) -> Extender {
        Extender {
            config,
            cache: Arc::new(cache),
            binder: None,
        }
    }

    /// The same extender, binding through `binder` in the bind verb's `api`
    /// mode.
    pub fn with_binder(mut self, binder: Box<dyn Binder>) -> Extender {
        self.binder = Some(binder);
        self
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The cluster state.
    pub fn cache(&self) -> &Cache {
        &self.cache
    }

    /// The cluster state, to feed it from elsewhere (the watchers).
    pub fn shared_cache(&self) -> Arc<Cache> {
        Arc::clone(&self.cache)
    }

    /// The request's pod and candidates (nodes sent in full update the cache
    /// first), and `policies` run over them. The outcome is `None` when the
    /// pod cannot be modelled (volumes, claims, a field the conversion
    /// rejects): the extender then has no opinion. With [`Wait::No`], `None`
    /// instead of waiting: for nodes sent in full, a cache held by a writer,
    /// or a pod spec not compiled yet.
    fn with_input<'a, R>(
        &self,
        args: &'a ExtenderArgs,
        wait: Wait,
        policies: impl FnOnce(&Input<'_>) -> R,
    ) -> Result<Option<Judged<'a, R>>, BadRequest> {
        let pod = args
            .pod
            .as_ref()
            .ok_or_else(|| BadRequest("ExtenderArgs: no Pod".into()))?;
        let names = match (&args.nodes, &args.node_names) {
            (Some(_), _) if wait == Wait::No => return Ok(None),
            (Some(list), _) => Cow::Owned(self.upsert(list)?),
            (None, Some(names)) => Cow::Borrowed(names),
            (None, None) => {
                return Err(BadRequest(
                    "ExtenderArgs: neither Nodes nor NodeNames".into(),
                ));
            }
        };
        let run = |view: &View<'_>| {
            let candidates: Vec<_> = names.iter().map(|n| (n, view.node(n))).collect();
            policies(&Input {
                view,
                pod,
                candidates: &candidates,
                config: &self.config,
            })
        };
        let outcome = match wait {
            Wait::Yes => self.cache.with_pod(pod, run),
            Wait::No => match self.cache.try_with_pod(pod, run) {
                Some(outcome) => outcome,
                None => return Ok(None),
            },
        };
        Ok(Some((names, outcome.ok())))
    }

    /// Brings the cache up to date with nodes sent in full, and returns their
    /// names. Only the nodes that differ, byte for byte, from what a request
    /// sent before are decoded.
    fn upsert(&self, list: &NodeList) -> Result<NameList, BadRequest> {
        let sent: Vec<&str> = list.items.iter().map(|raw| raw.get()).collect();
        let mut names = self.cache.known_nodes(&sent);
        let mut fresh = Vec::new();
        for (i, name) in names.iter().enumerate() {
            if name.is_none() {
                let node = list
                    .node(i)
                    .map_err(|e| BadRequest(format!("Nodes: {e}")))?;
                fresh.push((i, node));
            }
        }
        // (Nothing new, the common case: no write lock.)
        if !fresh.is_empty() {
            for (i, node) in &fresh {
                names[*i] = Some(node.metadata.name.clone().unwrap_or_default());
            }
            let decoded: Vec<(k::Node, &str)> =
                fresh.into_iter().map(|(i, node)| (node, sent[i])).collect();
            self.cache
                .upsert_nodes_as_sent(&decoded)
                .map_err(|e| BadRequest(format!("Nodes: {e}")))?;
        }
        Ok(names.into_iter().flatten().collect())
    }

    /// The filter verb's verdict, to encode ([`FilterAnswer::to_json`]) or
    /// to read ([`FilterAnswer::to_result`]). See [`Extender::filter`].
    /// `None` only with [`Wait::No`], when answering would wait.
    ///
    /// # Errors
    /// As [`Extender::filter`].
    pub fn filter_answer<'a>(
        &self,
        args: &'a ExtenderArgs,
        wait: Wait,
    ) -> Result<Option<FilterAnswer<'a>>, BadRequest> {
        let judged = self.with_input(args, wait, |input| {
            policy::filter(&self.config.policies.filter, input)
        })?;
        Ok(judged.map(|(names, filtered)| {
            let filtered = filtered.unwrap_or_else(|| Filtered {
                passed: vec![true; names.len()],
                ..Filtered::default()
            });
            FilterAnswer {
                nodes: args.nodes.as_ref(),
                names,
                filtered,
            }
        }))
    }

    /// The filter verb: the candidates every filter policy passes, and a
    /// reason for each other one. Answers in the form asked: `Nodes` (the
    /// nodes as sent, which also update the cache) or `NodeNames`. A pod
    /// the engine cannot model (volumes, resource claims) passes everywhere.
    ///
    /// # Errors
    /// A request without a pod or candidates, or with a node that does not
    /// decode or that the conversion rejects.
    pub fn filter(&self, args: &ExtenderArgs) -> Result<ExtenderFilterResult, BadRequest> {
        let answer = self.filter_answer(args, Wait::Yes)?;
        answer.map(|a| a.to_result()).ok_or_else(no_answer)
    }

    /// The prioritize verb's scores, to encode ([`PriorityAnswer::to_json`])
    /// or to read ([`PriorityAnswer::to_result`]). See
    /// [`Extender::prioritize`]. `None` only with [`Wait::No`], when
    /// answering would wait.
    ///
    /// # Errors
    /// As [`Extender::prioritize`].
    pub fn prioritize_answer<'a>(
        &self,
        args: &'a ExtenderArgs,
        wait: Wait,
    ) -> Result<Option<PriorityAnswer<'a>>, BadRequest> {
        let judged = self.with_input(args, wait, |input| {
            policy::prioritize(&self.config.policies.prioritize, input)
        })?;
        Ok(judged.map(|(names, scores)| {
            let scores = scores.unwrap_or_else(|| vec![0; names.len()]);
            PriorityAnswer { names, scores }
        }))
    }

    /// The prioritize verb: a score 0–10 per candidate, in candidate order
    /// (0 everywhere for a pod the engine cannot model).
    ///
    /// # Errors
    /// A request without a pod or candidates, or with a node that does not
    /// decode or that the conversion rejects.
    pub fn prioritize(&self, args: &ExtenderArgs) -> Result<Vec<HostPriority>, BadRequest> {
        let answer = self.prioritize_answer(args, Wait::Yes)?;
        answer.map(|a| a.to_result()).ok_or_else(no_answer)
    }

    /// The bind verb: records the binding in the cache after checking that
    /// the pod still fits (mode `record`), or creates it through the API
    /// server first (mode `api`, the `kube` feature). A refusal is the
    /// result's `Error`.
    pub fn bind(&self, args: &ExtenderBindingArgs) -> ExtenderBindingResult {
        let binder = match (self.config.cluster.bind, &self.binder) {
            (BindMode::Record, _) => None,
            (BindMode::Api, Some(b)) => Some(b),
            (BindMode::Api, None) => {
                return ExtenderBindingResult {
                    error: "bind mode api needs a connection to the API server (spillway built with the kube feature)".into(),
                };
            }
        };
        let (ns, name, node) = (&args.pod_namespace, &args.pod_name, &args.node);
        // Checked and booked under the cache's lock first, so concurrent binds
        // cannot both take the last room; undone if the API server refuses.
        if let Err(error) = self.cache.bind(ns, name, &args.pod_uid, node) {
            return ExtenderBindingResult { error };
        }
        if let Some(b) = binder
            && let Err(error) = b.bind(ns, name, &args.pod_uid, node)
        {
            let ns = if ns.is_empty() {
                "default"
            } else {
                ns.as_str()
            };
            self.cache.delete_pod(&format!("{ns}/{name}"));
            return ExtenderBindingResult { error };
        }
        ExtenderBindingResult::default()
    }

    /// The preempt verb: the candidate nodes and victims the extender accepts,
    /// by victim UID. Each candidate is filtered again with its victims
    /// removed (as kube-scheduler's `SelectVictimsOnNode` does), and the
    /// filter policies keep or drop it ([`policy::preempt`]); kept nodes keep
    /// their victims as sent.
    ///
    /// # Errors
    /// A request without a pod.
    pub fn preempt(
        &self,
        args: &ExtenderPreemptionArgs,
    ) -> Result<ExtenderPreemptionResult, BadRequest> {
        let pod = args
            .pod
            .as_ref()
            .ok_or_else(|| BadRequest("ExtenderPreemptionArgs: no Pod".into()))?;
        let mut victims: BTreeMap<String, Option<MetaVictims>> = BTreeMap::new();
        if let Some(meta) = &args.node_name_to_meta_victims {
            victims.extend(meta.iter().map(|(n, v)| (n.clone(), v.clone())));
        }
        if let Some(full) = &args.node_name_to_victims {
            for (node, v) in full {
                let meta = v.as_ref().map(|v| MetaVictims {
                    pods: v.pods.as_ref().map(|pods| {
                        pods.iter()
                            .map(|p| {
                                p.as_ref().map(|p| MetaPod {
                                    uid: p.metadata.uid.clone().unwrap_or_default(),
                                })
                            })
                            .collect()
                    }),
                    num_pdb_violations: v.num_pdb_violations,
                });
                victims.entry(node.clone()).or_insert(meta);
            }
        }
        let filters = &self.config.policies.filter;
        if !filters.is_empty() {
            // A pod the engine cannot model: no opinion, as in the filter verb.
            if let Ok(keep) = self.cache.with_pod(pod, |view| {
                let candidates: Vec<_> =
                    victims.keys().map(|n| (n.as_str(), view.node(n))).collect();
                let fits = fits_without_victims(view, &candidates, &victims);
                let input = Input {
                    view,
                    pod,
                    candidates: &candidates,
                    config: &self.config,
                };
                policy::preempt(filters, &input, &fits)
            }) {
                let mut keep = keep.into_iter();
                victims.retain(|_, _| keep.next().unwrap_or(true));
            }
        }
        Ok(ExtenderPreemptionResult {
            node_name_to_meta_victims: Some(victims),
        })
    }
}

/// What [`Wait::Yes`] never gives: no answer.
pub(crate) fn no_answer() -> BadRequest {
    BadRequest("the extender gave no answer".into())
}

/// Whether the pod fits on each candidate once its victims (by UID, among the
/// running pods the cache holds) are gone. An unknown node does not.
fn fits_without_victims(
    view: &View<'_>,
    candidates: &[(&str, Option<NodeIdx>)],
    victims: &BTreeMap<String, Option<MetaVictims>>,
) -> Vec<bool> {
    let by_uid = view.running_by_uid();
    let trials: Vec<(NodeIdx, Vec<PodIdx>)> = candidates
        .iter()
        .filter_map(|&(name, idx)| {
            let pods = victims.get(name).and_then(|v| v.as_ref()?.pods.as_ref());
            let removed = pods
                .into_iter()
                .flatten()
                .filter_map(|p| by_uid.get(p.as_ref()?.uid.as_str()).copied())
                .collect();
            Some((idx?, removed))
        })
        .collect();
    let mut verdicts = view
        .scheduler()
        .filter_without_victims(view.state, view.pod, &trials)
        .into_iter();
    candidates
        .iter()
        .map(|(_, idx)| idx.is_some() && verdicts.next().is_some_and(|v| v.is_none()))
        .collect()
}
