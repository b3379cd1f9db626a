//! The answers of filter and prioritize, borrowing the request, written to
//! the wire without building the owned messages first.
//!
//! kube-scheduler sends thousands of candidates per request; copying each
//! name (or node object) into an [`ExtenderFilterResult`] or
//! [`HostPriority`] only to serialise it once took a good part of a request's
//! time. [`FilterAnswer::to_json`] and [`PriorityAnswer::to_json`] write the
//! same bytes as [`wire::encode`] of [`FilterAnswer::to_result`] and
//! [`PriorityAnswer::to_result`] (a test checks it on random answers), straight
//! from the request and the verdicts.

use std::borrow::Cow;
use std::io::Write as _;

use crate::policy::Filtered;
use crate::wire::{self, ExtenderFilterResult, FailedNodesMap, HostPriority, NameList, NodeList};

/// The filter verdict on one request's candidates.
///
/// ```
/// use spillway_extender::{Cache, Config, Extender, Wait, wire};
///
/// let extender = Extender::new(Config::default(), Cache::default());
/// let args: wire::ExtenderArgs = wire::decode(
///     br#"{"Pod":{"metadata":{"name":"p"},"spec":{"containers":[{"name":"c"}]}},"NodeNames":["n1"]}"#,
/// )
/// .unwrap();
/// // Without waiting there is no answer yet: the pod's spec is not compiled.
/// assert!(extender.filter_answer(&args, Wait::No).unwrap().is_none());
/// let answer = extender.filter_answer(&args, Wait::Yes).unwrap().unwrap();
/// assert_eq!(answer.to_json(), wire::encode(&answer.to_result()));
/// // Now it is.
/// let again = extender.filter_answer(&args, Wait::No).unwrap().unwrap();
/// assert_eq!(again.to_json(), answer.to_json());
/// ```
#[derive(Debug)]
pub struct FilterAnswer<'a> {
    /// The candidates as sent in full, when they were.
    pub(crate) nodes: Option<&'a NodeList>,
    /// The candidates' names, in request order.
    pub(crate) names: Cow<'a, NameList>,
    pub(crate) filtered: Filtered,
}

impl FilterAnswer<'_> {
    /// The answer as the wire message.
    pub fn to_result(&self) -> ExtenderFilterResult {
        let passed = |i: &usize| self.filtered.passed.get(*i).copied().unwrap_or(false);
        let mut result = ExtenderFilterResult {
            failed_nodes: Some(self.filtered.failed.clone()),
            failed_and_unresolvable_nodes: Some(self.filtered.unresolvable.clone()),
            ..ExtenderFilterResult::default()
        };
        match self.nodes {
            Some(list) => result.nodes = Some(list.subset(|i| passed(&i))),
            None => {
                result.node_names = Some(
                    (0..self.names.len())
                        .filter(passed)
                        .filter_map(|i| self.names.get(i))
                        .collect(),
                );
            }
        }
        result
    }

    /// The answer's JSON, as `wire::encode(&self.to_result())` writes it.
    pub fn to_json(&self) -> Vec<u8> {
        let passed = self.filtered.passed.iter().filter(|p| **p).count();
        let mut out = Vec::with_capacity(64 + passed * 32);
        out.extend_from_slice(b"{\"Nodes\":");
        match self.nodes {
            Some(list) => {
                out.push(b'{');
                if let Some(kind) = &list.kind {
                    out.extend_from_slice(b"\"kind\":");
                    wire::push_string(&mut out, kind);
                    out.push(b',');
                }
                if let Some(version) = &list.api_version {
                    out.extend_from_slice(b"\"apiVersion\":");
                    wire::push_string(&mut out, version);
                    out.push(b',');
                }
                out.extend_from_slice(b"\"metadata\":");
                match &list.metadata {
                    Some(meta) => out.extend_from_slice(meta.get().as_bytes()),
                    None => out.extend_from_slice(b"{}"),
                }
                out.extend_from_slice(b",\"items\":[");
                let kept = list.items.iter().zip(&self.filtered.passed);
                for (n, (item, _)) in kept.filter(|(_, p)| **p).enumerate() {
                    if n > 0 {
                        out.push(b',');
                    }
                    out.extend_from_slice(item.get().as_bytes());
                }
                out.extend_from_slice(b"]},\"NodeNames\":null");
            }
            None => {
                out.extend_from_slice(b"null,\"NodeNames\":[");
                let push = push_name(&self.names);
                let kept = self.names.iter().zip(&self.filtered.passed);
                for (n, (name, _)) in kept.filter(|(_, p)| **p).enumerate() {
                    if n > 0 {
                        out.push(b',');
                    }
                    push(&mut out, name);
                }
                out.push(b']');
            }
        }
        out.extend_from_slice(b",\"FailedNodes\":");
        push_map(&mut out, &self.filtered.failed);
        out.extend_from_slice(b",\"FailedAndUnresolvableNodes\":");
        push_map(&mut out, &self.filtered.unresolvable);
        out.extend_from_slice(b",\"Error\":\"\"}");
        out
    }
}

/// A `map[string]string`, keys in order (a `BTreeMap`'s order is Go's).
fn push_map(out: &mut Vec<u8>, map: &FailedNodesMap) {
    out.push(b'{');
    for (n, (k, v)) in map.iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        wire::push_string(out, k);
        out.push(b':');
        wire::push_string(out, v);
    }
    out.push(b'}');
}

/// How to write the names of `names` as JSON strings: as they are when all
/// are plain (the usual node names), else each escaped as needed.
fn push_name(names: &NameList) -> fn(&mut Vec<u8>, &str) {
    if names.is_plain() {
        wire::push_plain
    } else {
        wire::push_string
    }
}

/// The digits of the scores 0–10.
const SCORES: [&[u8]; 11] = [
    b"0", b"1", b"2", b"3", b"4", b"5", b"6", b"7", b"8", b"9", b"10",
];

/// The prioritize scores of one request's candidates.
///
/// ```
/// use spillway_extender::{Cache, Config, Extender, Wait, wire};
///
/// let extender = Extender::new(Config::default(), Cache::default());
/// let args: wire::ExtenderArgs = wire::decode(
///     br#"{"Pod":{"metadata":{"name":"p"},"spec":{"containers":[{"name":"c"}]}},"NodeNames":["n1"]}"#,
/// )
/// .unwrap();
/// let answer = extender.prioritize_answer(&args, Wait::Yes).unwrap().unwrap();
/// let json = String::from_utf8(answer.to_json()).unwrap();
/// assert!(json.starts_with(r#"[{"Host":"n1","Score":"#));
/// assert_eq!(json.as_bytes(), wire::encode(&answer.to_result()));
/// ```
#[derive(Debug)]
pub struct PriorityAnswer<'a> {
    /// The candidates' names, in request order.
    pub(crate) names: Cow<'a, NameList>,
    /// Their scores, 0–10.
    pub(crate) scores: Vec<i64>,
}

impl PriorityAnswer<'_> {
    /// The answer as the wire message (a `HostPriorityList`).
    pub fn to_result(&self) -> Vec<HostPriority> {
        self.names
            .iter()
            .zip(&self.scores)
            .map(|(host, &score)| HostPriority {
                host: host.to_string(),
                score,
            })
            .collect()
    }

    /// The answer's JSON, as `wire::encode(&self.to_result())` writes it.
    pub fn to_json(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(2 + self.names.len() * 48);
        let push = push_name(&self.names);
        out.push(b'[');
        for (n, (host, score)) in self.names.iter().zip(&self.scores).enumerate() {
            if n > 0 {
                out.push(b',');
            }
            out.extend_from_slice(b"{\"Host\":");
            push(&mut out, host);
            out.extend_from_slice(b",\"Score\":");
            // Scores are 0–10: their digits from a table (formatting took as
            // long as the rest of the line).
            match usize::try_from(*score).ok().and_then(|s| SCORES.get(s)) {
                Some(digits) => out.extend_from_slice(digits),
                // Writing to a Vec cannot fail.
                None => drop(write!(out, "{score}")),
            }
            out.push(b'}');
        }
        out.push(b']');
        out
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests: a failure is the test's answer
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::value::RawValue;

    /// Strings with every character class Go's encoder treats specially.
    fn text() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                Just('a'),
                Just('-'),
                Just('.'),
                Just('<'),
                Just('>'),
                Just('&'),
                Just('"'),
                Just('\\'),
                Just('\n'),
                Just('\u{1}'),
                Just('\u{7f}'),
                Just('\u{2028}'),
                Just('\u{2029}'),
                Just('\u{2027}'),
                Just('é'),
                Just('😀'),
            ],
            0..8,
        )
        .prop_map(|c| c.into_iter().collect())
    }

    fn filtered(n: usize) -> impl Strategy<Value = Filtered> {
        (
            proptest::collection::vec(any::<bool>(), n),
            proptest::collection::btree_map(text(), text(), 0..4),
            proptest::collection::btree_map(text(), text(), 0..4),
        )
            .prop_map(|(passed, failed, unresolvable)| Filtered {
                passed,
                failed,
                unresolvable,
            })
    }

    fn item(name: &str) -> Box<RawValue> {
        let json = serde_json::json!({"metadata": {"name": name}, "x": "<&>"}).to_string();
        RawValue::from_string(json).unwrap()
    }

    proptest! {
        #[test]
        fn filter_json_is_the_encoded_result(
            (names, filtered) in proptest::collection::vec(text(), 0..6)
                .prop_flat_map(|names| { let n = names.len(); (Just(names), filtered(n)) }),
            full in any::<bool>(),
            kind in proptest::option::of(text()),
            metadata in any::<bool>(),
        ) {
            let list = NodeList {
                kind: kind.clone(),
                api_version: kind.map(|k| format!("v1{k}")),
                metadata: metadata.then(|| RawValue::from_string(r#"{"resourceVersion":"7"}"#.into()).unwrap()),
                items: names.iter().map(|n| item(n)).collect(),
            };
            let answer = FilterAnswer {
                nodes: full.then_some(&list),
                names: Cow::Owned(names.into()),
                filtered,
            };
            let json = answer.to_json();
            prop_assert_eq!(&json, &wire::encode(&answer.to_result()));
            let back: ExtenderFilterResult = wire::decode(&json).unwrap();
            let want = answer.filtered.passed.iter().filter(|p| **p).count();
            let got = match (back.nodes, back.node_names) {
                (Some(l), None) => l.items.len(),
                (None, Some(n)) => n.len(),
                other => panic!("one form: {other:?}"),
            };
            prop_assert_eq!(got, want);
        }

        #[test]
        fn priority_json_is_the_encoded_result(
            hosts in proptest::collection::vec((text(), -3i64..=13), 0..6),
        ) {
            let (names, scores): (Vec<String>, Vec<i64>) = hosts.into_iter().unzip();
            let answer = PriorityAnswer { names: Cow::Owned(names.into()), scores };
            prop_assert_eq!(answer.to_json(), wire::encode(&answer.to_result()));
        }
    }
}
