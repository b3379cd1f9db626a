//! Which pods count for which selector: the template-to-matcher graph.
//!
//! PodTopologySpread and InterPodAffinity count placed pods that match a selector
//! (per node, then per topology domain). Upstream recounts every pod of every node in
//! each scheduling cycle. Here every selector that any template uses is a *matcher*;
//! whether the pods of a template count for a matcher depends only on the two
//! templates, so it is decided once, when a template or matcher is added, and kept
//! as the edges of a bipartite graph (petgraph). The state keeps, per matcher, the
//! number of matching pods on each node; placing or removing a pod updates only the
//! matchers its template has edges to.

use std::collections::HashMap;

use petgraph::graph::{DiGraph, NodeIndex};

use crate::ids::{Sym, TemplateIdx};
use crate::intern::Interner;

use super::affinity::{AffinityTerm, Namespaces};
use super::selector::{LabelSet, Selector};
use super::template::Template;

/// Index of a matcher.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct MatcherIdx(pub u32);

impl MatcherIdx {
    pub(crate) fn index(self) -> usize {
        self.0 as usize
    }
}

/// A predicate over pods that only reads their template.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Matcher {
    /// Pods of namespace `namespace` whose labels match (`countPodsMatchSelector`).
    Spread { selector: Selector, namespace: Sym },
    /// Pods matching one affinity term.
    Term {
        selector: Selector,
        namespaces: Namespaces,
    },
    /// Pods matching every one of several terms (`podMatchesAllAffinityTerms`).
    AllTerms(Vec<(Selector, Namespaces)>),
    /// The pods of one template.
    Template(TemplateIdx),
}

impl Matcher {
    pub(crate) fn term(t: &AffinityTerm) -> Matcher {
        Matcher::Term {
            selector: t.selector.clone(),
            namespaces: t.namespaces.clone(),
        }
    }

    fn matches(
        &self,
        idx: TemplateIdx,
        t: &Template,
        ns_labels: &LabelSet,
        strings: &Interner,
    ) -> bool {
        match self {
            // countPodsMatchSelector (v1.35) counts nothing for an empty selector.
            Matcher::Spread {
                selector,
                namespace,
            } => {
                !selector.is_everything()
                    && t.namespace == *namespace
                    && selector.matches(&t.labels, strings)
            }
            Matcher::Term {
                selector,
                namespaces,
            } => {
                namespaces.matches(t.namespace, ns_labels, strings)
                    && selector.matches(&t.labels, strings)
            }
            Matcher::AllTerms(terms) => {
                !terms.is_empty()
                    && terms.iter().all(|(selector, namespaces)| {
                        namespaces.matches(t.namespace, ns_labels, strings)
                            && selector.matches(&t.labels, strings)
                    })
            }
            Matcher::Template(u) => *u == idx,
        }
    }
}

/// A vertex of the matcher graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Vertex {
    Template(TemplateIdx),
    Matcher(MatcherIdx),
}

/// The matchers each template reads, by plugin.
#[derive(Debug, Clone, Default)]
pub(crate) struct Links {
    /// Per `spread.hard` constraint.
    pub spread_hard: Vec<MatcherIdx>,
    /// Per `spread.soft` constraint.
    pub spread_soft: Vec<MatcherIdx>,
    /// For the system default constraints.
    pub spread_default: Option<MatcherIdx>,
    /// Required affinity terms, all at once.
    pub affinity_all: Option<MatcherIdx>,
    /// Per required anti-affinity term.
    pub anti_affinity: Vec<MatcherIdx>,
    /// Per preferred affinity term.
    pub preferred_affinity: Vec<MatcherIdx>,
    /// Per preferred anti-affinity term.
    pub preferred_anti_affinity: Vec<MatcherIdx>,
    /// The template's own pods, when it has inter-pod affinity terms (for the
    /// symmetric rules that existing pods' terms impose on incoming pods).
    pub own: Option<MatcherIdx>,
}

/// All matchers, the graph, and the per-template adjacency the engine uses.
#[derive(Debug, Clone, Default)]
pub(crate) struct Matchers {
    pub kinds: Vec<Matcher>,
    ids: HashMap<Matcher, MatcherIdx>,
    /// Matchers each template's pods count for (the graph's out-edges, flattened).
    pub counted_by: Vec<Vec<MatcherIdx>>,
    /// What each template reads.
    pub links: Vec<Links>,
    /// Templates that carry inter-pod affinity terms.
    pub with_terms: Vec<TemplateIdx>,
    pub graph: DiGraph<Vertex, ()>,
    template_vertex: Vec<NodeIndex>,
    matcher_vertex: Vec<NodeIndex>,
}

impl Matchers {
    /// Registers a new template: adds edges from it to existing matchers, then
    /// registers the matchers it reads (with edges from every template).
    pub(crate) fn add_template(
        &mut self,
        idx: TemplateIdx,
        templates: &[Template],
        namespaces: &HashMap<Sym, LabelSet>,
        strings: &Interner,
    ) {
        let t = &templates[idx.index()];
        let empty = LabelSet::new();
        let ns_labels = namespaces.get(&t.namespace).unwrap_or(&empty);
        let v = self.graph.add_node(Vertex::Template(idx));
        self.template_vertex.push(v);
        let mut counted = Vec::new();
        for (m, kind) in self.kinds.iter().enumerate() {
            if kind.matches(idx, t, ns_labels, strings) {
                let m = MatcherIdx(m as u32);
                counted.push(m);
                self.graph.add_edge(v, self.matcher_vertex[m.index()], ());
            }
        }
        self.counted_by.push(counted);

        let mut links = Links::default();
        let reg = |kind: Matcher, this: &mut Matchers| {
            this.register(kind, templates, namespaces, strings)
        };
        for c in &t.spread.hard {
            links.spread_hard.push(reg(
                Matcher::Spread {
                    selector: c.selector.clone(),
                    namespace: t.namespace,
                },
                self,
            ));
        }
        for c in &t.spread.soft {
            links.spread_soft.push(reg(
                Matcher::Spread {
                    selector: c.selector.clone(),
                    namespace: t.namespace,
                },
                self,
            ));
        }
        if let Some(sel) = &t.spread.default_selector {
            links.spread_default = Some(reg(
                Matcher::Spread {
                    selector: sel.clone(),
                    namespace: t.namespace,
                },
                self,
            ));
        }
        let pa = &t.pod_affinity;
        if !pa.required_affinity.is_empty() {
            let all = pa
                .required_affinity
                .iter()
                .map(|a| (a.selector.clone(), a.namespaces.clone()))
                .collect();
            links.affinity_all = Some(reg(Matcher::AllTerms(all), self));
        }
        for a in &pa.required_anti_affinity {
            links.anti_affinity.push(reg(Matcher::term(a), self));
        }
        for (_, a) in &pa.preferred_affinity {
            links.preferred_affinity.push(reg(Matcher::term(a), self));
        }
        for (_, a) in &pa.preferred_anti_affinity {
            links
                .preferred_anti_affinity
                .push(reg(Matcher::term(a), self));
        }
        if !pa.is_empty() {
            links.own = Some(reg(Matcher::Template(idx), self));
            self.with_terms.push(idx);
        }
        self.links.push(links);
    }

    fn register(
        &mut self,
        kind: Matcher,
        templates: &[Template],
        namespaces: &HashMap<Sym, LabelSet>,
        strings: &Interner,
    ) -> MatcherIdx {
        if let Some(&m) = self.ids.get(&kind) {
            return m;
        }
        let m = MatcherIdx(self.kinds.len() as u32);
        let v = self.graph.add_node(Vertex::Matcher(m));
        self.matcher_vertex.push(v);
        let empty = LabelSet::new();
        for (i, t) in templates.iter().enumerate().take(self.counted_by.len()) {
            let ti = TemplateIdx(i as u32);
            let ns_labels = namespaces.get(&t.namespace).unwrap_or(&empty);
            if kind.matches(ti, t, ns_labels, strings) {
                self.counted_by[i].push(m);
                self.graph.add_edge(self.template_vertex[i], v, ());
            }
        }
        self.ids.insert(kind.clone(), m);
        self.kinds.push(kind);
        m
    }

    /// Number of matchers.
    pub(crate) fn len(&self) -> usize {
        self.kinds.len()
    }
}
