//! What `spillway explain` shows beyond an [`Evaluation`]: every Filter plugin's own
//! verdict on one node, and the selectors a pod's plugins count pods with.

use crate::cluster::matchers::{Matcher, MatcherIdx};
use crate::cluster::selector::{Req, Selector};
use crate::ids::{NodeIdx, PodIdx};
use crate::intern::Interner;
use crate::plugins::{
    inter_pod_affinity as ipa, node_affinity, node_name, node_ports, node_resources_fit,
    node_unschedulable, pod_topology_spread as pts, taint_toleration,
};
use crate::{Cluster, ClusterState};

use super::evaluate::narrowed_rejection;
use super::statics::StaticVerdict;
use super::{Plugin, Rejection, Scheduler};

/// One Filter plugin's verdict on one node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilterVerdict {
    /// The plugin passes the node.
    Pass,
    /// The plugin's PreFilter returned Skip: its Filter does not run.
    Skipped,
    /// The plugin rejects the node.
    Rejected(Rejection),
}

/// A selector one of the pod's plugins counts placed pods with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectorUse {
    /// The plugin.
    pub plugin: Plugin,
    /// What the selector is for (`DoNotSchedule constraint 0`, `required anti-affinity term 1`, ...).
    pub role: String,
    /// The selector, rendered like `kubectl` prints selectors.
    pub selector: String,
    /// How many compiled templates' pods it counts (edges in the matcher graph).
    pub templates: usize,
    /// How many placed pods it counts now.
    pub pods: u64,
}

impl Scheduler<'_> {
    /// Every Filter plugin of the profile on one node, each run on its own (upstream
    /// stops at the first rejection; [`Evaluation::rejected`](super::Evaluation) names
    /// that one). `Err` when a PreFilter plugin rejects the pod outright.
    pub fn filter_verdicts(
        &self,
        state: &ClusterState,
        pod: PodIdx,
        node: NodeIdx,
    ) -> Result<Vec<(Plugin, FilterVerdict)>, Rejection> {
        let cluster = self.cluster;
        let mut synced = state.clone();
        synced.sync(cluster);
        let state = &synced;
        let t = cluster.template_of(pod);
        let pre = self.pre_filter(state, pod, t, &mut Vec::new())?;
        let verdict = |ok: bool, r: fn() -> Rejection| {
            if ok {
                FilterVerdict::Pass
            } else {
                FilterVerdict::Rejected(r())
            }
        };
        let of = |r: Option<Rejection>| r.map_or(FilterVerdict::Pass, FilterVerdict::Rejected);
        let node_name = cluster.record(pod).node_name.as_deref();
        let narrowed = cluster.statics(cluster.pod_template(pod)).verdict[node.index()]
            == StaticVerdict::Narrowed;
        Ok(Plugin::FILTER
            .iter()
            .map(|&p| {
                let v = match p {
                    Plugin::NodeUnschedulable => verdict(
                        node_unschedulable::passes(cluster, t, node),
                        node_unschedulable::rejection,
                    ),
                    Plugin::NodeName => verdict(
                        node_name::passes(cluster, node_name, node),
                        node_name::rejection,
                    ),
                    Plugin::TaintToleration => verdict(
                        taint_toleration::passes(cluster, t, node),
                        taint_toleration::rejection,
                    ),
                    Plugin::NodeAffinity if !t.node_affinity_filter => FilterVerdict::Skipped,
                    Plugin::NodeAffinity if narrowed => {
                        FilterVerdict::Rejected(narrowed_rejection())
                    }
                    Plugin::NodeAffinity => verdict(
                        node_affinity::passes(cluster, t, node),
                        node_affinity::rejection,
                    ),
                    Plugin::NodePorts if !pre.run_node_ports => FilterVerdict::Skipped,
                    Plugin::NodePorts => {
                        verdict(node_ports::passes(state, t, node), node_ports::rejection)
                    }
                    Plugin::NodeResourcesFit => of(node_resources_fit::filter(
                        cluster,
                        state,
                        t,
                        node,
                        &self.profile.fit_ignored_resources,
                        &self.profile.fit_ignored_resource_groups,
                    )),
                    Plugin::PodTopologySpread => match &pre.spread {
                        None => FilterVerdict::Skipped,
                        Some(s) => of(pts::filtering::filter(cluster, s, node)),
                    },
                    Plugin::InterPodAffinity => match &pre.inter_pod {
                        None => FilterVerdict::Skipped,
                        Some(s) => of(ipa::filtering::filter(cluster, t, s, node)),
                    },
                    _ => FilterVerdict::Skipped,
                };
                (p, v)
            })
            .collect())
    }
}

impl Cluster {
    /// The selectors the pod's PodTopologySpread and InterPodAffinity plugins count
    /// placed pods with, how many templates each counts (the matcher graph's edges)
    /// and how many placed pods it counts in `state`.
    pub fn selector_uses(&self, state: &ClusterState, pod: PodIdx) -> Vec<SelectorUse> {
        let links = &self.matchers.links[self.pod_template(pod).index()];
        let mut uses = Vec::new();
        let mut add = |plugin, role: String, m: MatcherIdx| {
            let templates = self
                .matchers
                .counted_by
                .iter()
                .filter(|ms| ms.contains(&m))
                .count();
            let pods = state
                .matcher_counts
                .get(m.index())
                .map_or(0, |c| c.iter().map(|&n| u64::from(n)).sum());
            uses.push(SelectorUse {
                plugin,
                role,
                selector: describe_matcher(&self.matchers.kinds[m.index()], &self.strings),
                templates,
                pods,
            });
        };
        for (i, &m) in links.spread_hard.iter().enumerate() {
            add(
                Plugin::PodTopologySpread,
                format!("DoNotSchedule constraint {i}"),
                m,
            );
        }
        for (i, &m) in links.spread_soft.iter().enumerate() {
            add(
                Plugin::PodTopologySpread,
                format!("ScheduleAnyway constraint {i}"),
                m,
            );
        }
        if let Some(m) = links.spread_default {
            add(
                Plugin::PodTopologySpread,
                "system default constraints".into(),
                m,
            );
        }
        if let Some(m) = links.affinity_all {
            add(
                Plugin::InterPodAffinity,
                "required affinity (all terms)".into(),
                m,
            );
        }
        for (i, &m) in links.anti_affinity.iter().enumerate() {
            add(
                Plugin::InterPodAffinity,
                format!("required anti-affinity term {i}"),
                m,
            );
        }
        for (i, &m) in links.preferred_affinity.iter().enumerate() {
            add(
                Plugin::InterPodAffinity,
                format!("preferred affinity term {i}"),
                m,
            );
        }
        for (i, &m) in links.preferred_anti_affinity.iter().enumerate() {
            add(
                Plugin::InterPodAffinity,
                format!("preferred anti-affinity term {i}"),
                m,
            );
        }
        uses
    }
}

fn describe_selector(s: &Selector, strings: &Interner) -> String {
    let Selector::Reqs(reqs) = s else {
        return "<none>".into();
    };
    if reqs.is_empty() {
        return "<everything>".into();
    }
    let r = |sym| strings.resolve(sym);
    let values = |vs: &[crate::ids::Sym]| vs.iter().map(|&v| r(v)).collect::<Vec<_>>().join(",");
    reqs.iter()
        .map(|q| match q {
            Req::In(k, vs) if vs.len() == 1 => format!("{}={}", r(*k), values(vs)),
            Req::In(k, vs) => format!("{} in ({})", r(*k), values(vs)),
            Req::NotIn(k, vs) => format!("{} notin ({})", r(*k), values(vs)),
            Req::Exists(k) => r(*k).to_string(),
            Req::DoesNotExist(k) => format!("!{}", r(*k)),
            Req::Gt(k, b) => format!("{}>{b}", r(*k)),
            Req::Lt(k, b) => format!("{}<{b}", r(*k)),
            Req::Unparseable(k, why) => format!("{} <unparseable: {why}>", r(*k)),
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn describe_matcher(m: &Matcher, strings: &Interner) -> String {
    match m {
        Matcher::Spread {
            selector,
            namespace,
        } => {
            format!(
                "{} in namespace {}",
                describe_selector(selector, strings),
                strings.resolve(*namespace)
            )
        }
        Matcher::Term {
            selector,
            namespaces,
        } => {
            let mut ns: Vec<&str> = namespaces
                .names
                .iter()
                .map(|&n| strings.resolve(n))
                .collect();
            if !matches!(namespaces.selector, Selector::Nothing) {
                ns.push("<namespaceSelector>");
            }
            format!(
                "{} in namespaces [{}]",
                describe_selector(selector, strings),
                ns.join(",")
            )
        }
        Matcher::AllTerms(terms) => terms
            .iter()
            .map(|(s, _)| describe_selector(s, strings))
            .collect::<Vec<_>>()
            .join(" AND "),
        Matcher::Template(t) => format!("pods of template {}", t.index()),
    }
}
