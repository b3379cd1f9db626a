//! The messages of `k8s.io/kube-scheduler/extender/v1`, as kube-scheduler's
//! `HTTPExtender` writes and reads them.
//!
//! The Go types carry no JSON tags, so the wire names are the Go field names
//! (`Pod`, `NodeNames`, `FailedAndUnresolvableNodes`, …), and Go's
//! `encoding/json` decodes them case-insensitively: `nodenames` and `NODENAMES`
//! fill `NodeNames` too (upstream's `TestCompatibility` decodes every message
//! lowercased). Decoding here does what Go's does: keys match ignoring case
//! (with Go's folding of `ſ` and the Kelvin sign), the last of duplicate keys
//! wins, unknown keys are ignored, `null` leaves a string or number at its zero
//! value and sets a pointer, slice or map to nil, and a `null` document is an
//! empty message. Encoding does what `json.Marshal` does: every field, in
//! declaration order, nil as `null`, map keys sorted, and `<`, `>`, `&`,
//! U+2028 and U+2029 escaped as `\u003c` etc.
//!
//! Pods inside the messages are Kubernetes objects (k8s-openapi types). The
//! node list of a request is kept as the JSON that was sent, decoded on
//! demand, so a filter result returns the scheduler's own node objects byte
//! for byte ([`NodeList::subset`]).
//!
//! ```
//! use spillway_extender::wire::{self, ExtenderArgs, ExtenderFilterResult};
//!
//! let args: ExtenderArgs =
//!     wire::decode(br#"{"pod":{"metadata":{"name":"p"}},"nodenames":["a","b"]}"#).unwrap();
//! assert_eq!(args.node_names.unwrap(), ["a", "b"]);
//!
//! let mut result = ExtenderFilterResult::default();
//! result.node_names = Some(["a"].into_iter().collect());
//! result.failed_nodes = Some([("b".to_string(), "b > a".to_string())].into());
//! assert_eq!(
//!     String::from_utf8(wire::encode(&result)).unwrap(),
//!     r#"{"Nodes":null,"NodeNames":["a"],"FailedNodes":{"b":"b \u003e a"},"FailedAndUnresolvableNodes":null,"Error":""}"#
//! );
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::io;

use k8s_openapi::api::core::v1::{Node, Pod};
use serde::de::{self, DeserializeOwned, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

/// The highest score a prioritize answer may give (`MaxExtenderPriority`).
pub const MAX_EXTENDER_PRIORITY: i64 = 10;
/// The lowest score (`MinExtenderPriority`).
pub const MIN_EXTENDER_PRIORITY: i64 = 0;

/// Node name → failure message (`FailedNodesMap`).
pub type FailedNodesMap = BTreeMap<String, String>;

/// A message that did not decode.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct DecodeError(String);

/// Decodes a message as Go's `json.Unmarshal` would (see the module docs).
///
/// # Errors
/// Malformed JSON, a document that is not an object (or `null`), or a field of
/// the wrong type; the message names the field.
pub fn decode<T: DeserializeOwned + Default>(body: &[u8]) -> Result<T, DecodeError> {
    // Most bodies decode: do it without tracking the path, which costs a
    // good part of the time on large node lists; a body that fails is
    // decoded again below, for the message that names the field.
    if let Ok(value) = serde_json::from_slice::<Option<T>>(body) {
        return Ok(value.unwrap_or_default());
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let value: Option<T> = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path == "." || path == "?" {
            DecodeError(inner.to_string())
        } else {
            DecodeError(format!("{path}: {inner}"))
        }
    })?;
    de.end().map_err(|e| DecodeError(e.to_string()))?;
    Ok(value.unwrap_or_default())
}

/// Encodes a message as Go's `json.Marshal` would (see the module docs).
pub fn encode<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    let mut ser = serde_json::Serializer::with_formatter(&mut out, GoFormatter);
    // Our messages hold only strings, integers, maps and raw JSON, which always
    // serialise; a failure would be a bug, reported in the output rather than
    // by a panic.
    if let Err(e) = value.serialize(&mut ser) {
        return format!("{{\"Error\":{:?}}}", e.to_string()).into_bytes();
    }
    out
}

/// Appends `s` as a JSON string, escaped as Go escapes it (what [`encode`]
/// writes for a string), without going through serde for the common string
/// that needs no escaping.
pub(crate) fn push_string(out: &mut Vec<u8>, s: &str) {
    if is_plain(s) {
        push_plain(out, s);
        return;
    }
    let mut ser = serde_json::Serializer::with_formatter(&mut *out, GoFormatter);
    // Writing a string to a Vec cannot fail.
    let _ = ser.serialize_str(s);
}

/// Whether `s` is written as a JSON string as it is, between quotes: none of
/// its bytes is a control character, `"`, `\`, one of the HTML ones, or the
/// first byte of U+2028 / U+2029. One pass without branches.
pub(crate) fn is_plain(s: &str) -> bool {
    !s.bytes().fold(false, |any, b| {
        any | (b < 0x20)
            | (b == b'"')
            | (b == b'\\')
            | (b == b'<')
            | (b == b'>')
            | (b == b'&')
            | (b == 0xE2)
    })
}

/// Appends `s`, [plain](is_plain), as a JSON string.
pub(crate) fn push_plain(out: &mut Vec<u8>, s: &str) {
    out.reserve(s.len() + 2);
    out.push(b'"');
    out.extend_from_slice(s.as_bytes());
    out.push(b'"');
}

/// `serde_json`'s compact output with Go's HTML-safe string escaping.
struct GoFormatter;

impl serde_json::ser::Formatter for GoFormatter {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        // Byte by byte: U+2028 and U+2029 are E2 80 A8 and E2 80 A9 in UTF-8,
        // and in a `str` those bytes can be nothing else. Most fragments (node
        // names, field names) have none of them: one pass without branches
        // tells.
        let bytes = fragment.as_bytes();
        let special = bytes.iter().fold(false, |any, &b| {
            any | (b == b'<') | (b == b'>') | (b == b'&') | (b == 0xE2)
        });
        if !special {
            return writer.write_all(bytes);
        }
        let (mut start, mut i) = (0, 0);
        while let Some(&b) = bytes.get(i) {
            let (escape, width): (&[u8], usize) = match b {
                b'<' => (b"\\u003c", 1),
                b'>' => (b"\\u003e", 1),
                b'&' => (b"\\u0026", 1),
                0xE2 => match (bytes.get(i + 1), bytes.get(i + 2)) {
                    (Some(0x80), Some(0xA8)) => (b"\\u2028", 3),
                    (Some(0x80), Some(0xA9)) => (b"\\u2029", 3),
                    _ => {
                        i += 1;
                        continue;
                    }
                },
                _ => {
                    i += 1;
                    continue;
                }
            };
            writer.write_all(&bytes[start..i])?;
            writer.write_all(escape)?;
            i += width;
            start = i;
        }
        writer.write_all(&bytes[start..])
    }
}

/// Whether a key names a field, as Go's `encoding/json` matches them: equal
/// ignoring ASCII case, with `ſ` (U+017F) as `s` and the Kelvin sign (U+212A)
/// as `k`.
fn go_fold_eq(key: &str, field: &str) -> bool {
    let mut k = key.chars().map(|c| match c {
        '\u{017F}' => 's',
        '\u{212A}' => 'k',
        c => c.to_ascii_lowercase(),
    });
    let mut f = field.chars().map(|c| c.to_ascii_lowercase());
    loop {
        match (k.next(), f.next()) {
            (None, None) => return true,
            (Some(a), Some(b)) if a == b => {}
            _ => return false,
        }
    }
}

/// Reads an object's fields in order: `set(i, map)` reads the value of the
/// field `fields[i]` (an exact match first, then a folded one); other keys are
/// skipped.
fn read_fields<'de, A: MapAccess<'de>>(
    mut map: A,
    fields: &[&str],
    mut set: impl FnMut(usize, &mut A) -> Result<(), A::Error>,
) -> Result<(), A::Error> {
    while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
        let index = fields
            .iter()
            .position(|f| *f == key)
            .or_else(|| fields.iter().position(|f| go_fold_eq(&key, f)));
        match index {
            Some(i) => set(i, &mut map)?,
            None => {
                map.next_value::<IgnoredAny>()?;
            }
        }
    }
    Ok(())
}

/// A Go string field: `null` leaves it as it was.
fn go_string<'de, A: MapAccess<'de>>(map: &mut A, slot: &mut String) -> Result<(), A::Error> {
    if let Some(s) = map.next_value::<Option<String>>()? {
        *slot = s;
    }
    Ok(())
}

/// A Go `int64` field: `null` leaves it as it was.
fn go_int<'de, A: MapAccess<'de>>(map: &mut A, slot: &mut i64) -> Result<(), A::Error> {
    if let Some(n) = map.next_value::<Option<i64>>()? {
        *slot = n;
    }
    Ok(())
}

/// A Go `map[string]string` (nil for `null`; a `null` value is `""`).
#[derive(Deserialize)]
#[serde(transparent)]
struct GoStringMap(Option<BTreeMap<String, Option<String>>>);

impl GoStringMap {
    fn into_map(self) -> Option<FailedNodesMap> {
        self.0.map(|m| {
            m.into_iter()
                .map(|(k, v)| (k, v.unwrap_or_default()))
                .collect()
        })
    }
}

/// A `[]string` of node names, stored back to back in one buffer:
/// kube-scheduler sends thousands of names per request, and one allocation
/// per name (and one free) was a good part of a request's time.
///
/// Decodes as Go decodes a `[]string` (a `null` item is `""`; a `null` list
/// is the `None` around it) and encodes as a JSON array.
///
/// ```
/// use spillway_extender::wire::NameList;
///
/// let names: NameList = ["a", "b"].into_iter().collect();
/// assert_eq!(names.len(), 2);
/// assert_eq!(names.get(1), Some("b"));
/// assert_eq!(names, ["a", "b"]);
/// assert_eq!(serde_json::to_string(&names).unwrap(), r#"["a","b"]"#);
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct NameList {
    text: String,
    /// Where each name ends in `text`.
    ends: Vec<usize>,
}

impl NameList {
    /// An empty list.
    pub fn new() -> NameList {
        NameList::default()
    }

    /// Appends a name.
    pub fn push(&mut self, name: &str) {
        self.text.push_str(name);
        self.ends.push(self.text.len());
    }

    /// The number of names.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The `i`th name.
    pub fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)?;
        let start = match i {
            0 => 0,
            _ => *self.ends.get(i - 1)?,
        };
        self.text.get(start..end)
    }

    /// The names, in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.len()).map(|i| self.get(i).unwrap_or_default())
    }

    /// The names as owned strings.
    pub fn to_vec(&self) -> Vec<String> {
        self.iter().map(str::to_string).collect()
    }

    /// Whether every name is [plain](is_plain): checked in one pass over all
    /// of them, much faster than name by name.
    pub(crate) fn is_plain(&self) -> bool {
        is_plain(&self.text)
    }
}

impl fmt::Debug for NameList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<S: AsRef<str>> FromIterator<S> for NameList {
    fn from_iter<I: IntoIterator<Item = S>>(names: I) -> NameList {
        let mut list = NameList::new();
        for n in names {
            list.push(n.as_ref());
        }
        list
    }
}

impl<S: AsRef<str>> From<Vec<S>> for NameList {
    fn from(names: Vec<S>) -> NameList {
        names.iter().collect()
    }
}

impl<S: AsRef<str>> PartialEq<[S]> for NameList {
    fn eq(&self, other: &[S]) -> bool {
        self.len() == other.len() && self.iter().zip(other).all(|(a, b)| a == b.as_ref())
    }
}

impl<S: AsRef<str>, const N: usize> PartialEq<[S; N]> for NameList {
    fn eq(&self, other: &[S; N]) -> bool {
        *self == other[..]
    }
}

impl<S: AsRef<str>> PartialEq<Vec<S>> for NameList {
    fn eq(&self, other: &Vec<S>) -> bool {
        *self == other[..]
    }
}

impl Serialize for NameList {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for NameList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<NameList, D::Error> {
        struct List;
        impl<'de> Visitor<'de> for List {
            type Value = NameList;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of strings")
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<NameList, A::Error> {
                let mut list = NameList::new();
                if let Some(n) = seq.size_hint() {
                    list.ends.reserve(n);
                }
                while seq.next_element_seed(Push(&mut list))?.is_some() {}
                Ok(list)
            }
        }
        /// Reads one item into the list, borrowing it from the input where
        /// it can (no allocation per name); `null` is `""`.
        struct Push<'a>(&'a mut NameList);
        impl<'de> de::DeserializeSeed<'de> for Push<'_> {
            type Value = ();
            fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
                d.deserialize_option(self)
            }
        }
        impl<'de> Visitor<'de> for Push<'_> {
            type Value = ();
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_none<E: de::Error>(self) -> Result<(), E> {
                self.0.push("");
                Ok(())
            }
            fn visit_unit<E: de::Error>(self) -> Result<(), E> {
                self.visit_none()
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
                d.deserialize_str(self)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
                self.0.push(v);
                Ok(())
            }
        }
        d.deserialize_seq(List)
    }
}

/// Implements `Deserialize` for a Go struct: the type, its wire names, and per
/// field how to read it.
macro_rules! go_struct {
    ($ty:ident, $expecting:literal, |$map:ident, $v:ident| [$($name:literal => $read:expr),* $(,)?]) => {
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<$ty, D::Error> {
                struct V;
                impl<'de> Visitor<'de> for V {
                    type Value = $ty;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str($expecting)
                    }
                    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<$ty, A::Error> {
                        let mut $v = $ty::default();
                        let fields = [$($name),*];
                        read_fields(map, &fields, |i, $map| {
                            let mut k = 0;
                            $(
                                if i == k {
                                    return $read;
                                }
                                k += 1;
                            )*
                            let _ = k;
                            Ok(())
                        })?;
                        Ok($v)
                    }
                }
                d.deserialize_map(V)
            }
        }
    };
}

/// A `v1.NodeList` as sent: each node kept as the JSON it came as.
///
/// The nodes are decoded on demand ([`NodeList::node`]): kube-scheduler sends
/// the same node objects request after request, and the extender decodes only
/// those that differ from what its cache last saw (see
/// [`Cache::known_nodes`](crate::Cache::known_nodes)). A node of the wrong
/// shape is therefore reported when it is decoded, not by [`decode`]; the
/// server answers 400 naming it either way.
///
/// ```
/// use spillway_extender::wire::{self, ExtenderArgs};
///
/// let args: ExtenderArgs = wire::decode(
///     br#"{"Nodes":{"items":[{"metadata":{"name":"a"}},{"metadata":{"name":"b"}}]}}"#,
/// )
/// .unwrap();
/// let list = args.nodes.unwrap();
/// assert_eq!(list.names().unwrap(), ["a", "b"]);
/// assert_eq!(list.node(1).unwrap().metadata.name.as_deref(), Some("b"));
/// assert_eq!(list.subset(|i| i == 1).items[0].get(), r#"{"metadata":{"name":"b"}}"#);
/// ```
#[derive(Debug, Clone, Default)]
pub struct NodeList {
    /// `kind`, when sent.
    pub kind: Option<String>,
    /// `apiVersion`, when sent.
    pub api_version: Option<String>,
    /// `metadata` as sent (`{}` when absent).
    pub metadata: Option<Box<RawValue>>,
    /// The nodes (`v1.Node` objects) as sent.
    pub items: Vec<Box<RawValue>>,
}

impl NodeList {
    /// Decodes the `i`th node.
    ///
    /// # Errors
    /// No such item, or one that is not a `v1.Node` (named `items[i]`, with
    /// its field).
    pub fn node(&self, i: usize) -> Result<Node, DecodeError> {
        let raw = self
            .items
            .get(i)
            .ok_or_else(|| DecodeError(format!("items[{i}]: no such item")))?;
        serde_json::from_str(raw.get()).map_err(|e| DecodeError(format!("items[{i}]: {e}")))
    }

    /// Decodes every node.
    ///
    /// # Errors
    /// As [`NodeList::node`], for the first node that does not decode.
    pub fn nodes(&self) -> Result<Vec<Node>, DecodeError> {
        (0..self.items.len()).map(|i| self.node(i)).collect()
    }

    /// The nodes' names (`metadata.name`, `""` when absent), in order, read
    /// without decoding the rest of each node.
    ///
    /// # Errors
    /// An item that is not an object, or a `metadata` or `name` of the wrong
    /// type.
    pub fn names(&self) -> Result<Vec<String>, DecodeError> {
        #[derive(Deserialize)]
        struct Meta {
            #[serde(default)]
            name: Option<String>,
        }
        #[derive(Deserialize)]
        struct Named {
            #[serde(default)]
            metadata: Option<Meta>,
        }
        self.items
            .iter()
            .enumerate()
            .map(|(i, raw)| {
                let named: Named = serde_json::from_str(raw.get())
                    .map_err(|e| DecodeError(format!("items[{i}]: {e}")))?;
                Ok(named.metadata.and_then(|m| m.name).unwrap_or_default())
            })
            .collect()
    }

    /// A list of the nodes whose index `keep` accepts, each exactly as it was
    /// sent, in the order sent.
    pub fn subset(&self, mut keep: impl FnMut(usize) -> bool) -> NodeList {
        NodeList {
            kind: self.kind.clone(),
            api_version: self.api_version.clone(),
            metadata: self.metadata.clone(),
            items: (0..self.items.len())
                .filter(|&i| keep(i))
                .filter_map(|i| self.items.get(i).cloned())
                .collect(),
        }
    }
}

impl<'de> Deserialize<'de> for NodeList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<NodeList, D::Error> {
        #[derive(Deserialize)]
        struct Raw {
            #[serde(default)]
            kind: Option<String>,
            #[serde(default, rename = "apiVersion")]
            api_version: Option<String>,
            #[serde(default)]
            metadata: Option<Box<RawValue>>,
            #[serde(default)]
            items: Option<Vec<Box<RawValue>>>,
        }
        // Only an object: a derived struct would also take an array, by
        // position, where Go reports a type error.
        struct ObjectOnly;
        impl<'de> Visitor<'de> for ObjectOnly {
            type Value = Raw;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a NodeList object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Raw, A::Error> {
                Raw::deserialize(de::value::MapAccessDeserializer::new(map))
            }
        }
        let raw = d.deserialize_map(ObjectOnly)?;
        Ok(NodeList {
            kind: raw.kind,
            api_version: raw.api_version,
            metadata: raw.metadata,
            items: raw.items.unwrap_or_default(),
        })
    }
}

impl Serialize for NodeList {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(None)?;
        if let Some(k) = &self.kind {
            m.serialize_entry("kind", k)?;
        }
        if let Some(v) = &self.api_version {
            m.serialize_entry("apiVersion", v)?;
        }
        match &self.metadata {
            Some(meta) => m.serialize_entry("metadata", meta)?,
            None => m.serialize_entry("metadata", &BTreeMap::<String, String>::new())?,
        }
        m.serialize_entry("items", &self.items)?;
        m.end()
    }
}

/// `ExtenderArgs`: the pod and its candidate nodes, for filter and prioritize.
#[derive(Debug, Clone, Default)]
pub struct ExtenderArgs {
    /// `Pod`: the pod being scheduled.
    pub pod: Option<Pod>,
    /// `Nodes`: the candidates as full objects (when the extender is not
    /// `nodeCacheCapable`).
    pub nodes: Option<NodeList>,
    /// `NodeNames`: the candidates by name (when it is).
    pub node_names: Option<NameList>,
}

go_struct!(ExtenderArgs, "ExtenderArgs (an object with Pod and Nodes or NodeNames)", |map, v| [
    "Pod" => { v.pod = map.next_value()?; Ok(()) },
    "Nodes" => { v.nodes = map.next_value()?; Ok(()) },
    "NodeNames" => { v.node_names = map.next_value()?; Ok(()) },
]);

impl Serialize for ExtenderArgs {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut m = s.serialize_struct("ExtenderArgs", 3)?;
        m.serialize_field("Pod", &self.pod)?;
        m.serialize_field("Nodes", &self.nodes)?;
        m.serialize_field("NodeNames", &self.node_names)?;
        m.end()
    }
}

/// `ExtenderFilterResult`: the nodes that pass, and why the others do not.
#[derive(Debug, Clone, Default)]
pub struct ExtenderFilterResult {
    /// `Nodes`: the passing nodes as sent (when not `nodeCacheCapable`).
    pub nodes: Option<NodeList>,
    /// `NodeNames`: the passing nodes by name (when `nodeCacheCapable`).
    pub node_names: Option<NameList>,
    /// `FailedNodes`: rejected nodes that preemption might help.
    pub failed_nodes: Option<FailedNodesMap>,
    /// `FailedAndUnresolvableNodes`: rejected nodes that preemption cannot help
    /// (they take precedence over `FailedNodes`).
    pub failed_and_unresolvable_nodes: Option<FailedNodesMap>,
    /// `Error`: set when the extender failed; the scheduler then ignores the
    /// rest.
    pub error: String,
}

go_struct!(ExtenderFilterResult, "ExtenderFilterResult", |map, v| [
    "Nodes" => { v.nodes = map.next_value()?; Ok(()) },
    "NodeNames" => { v.node_names = map.next_value()?; Ok(()) },
    "FailedNodes" => { v.failed_nodes = map.next_value::<GoStringMap>()?.into_map(); Ok(()) },
    "FailedAndUnresolvableNodes" => {
        v.failed_and_unresolvable_nodes = map.next_value::<GoStringMap>()?.into_map();
        Ok(())
    },
    "Error" => go_string(map, &mut v.error),
]);

impl Serialize for ExtenderFilterResult {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut m = s.serialize_struct("ExtenderFilterResult", 5)?;
        m.serialize_field("Nodes", &self.nodes)?;
        m.serialize_field("NodeNames", &self.node_names)?;
        m.serialize_field("FailedNodes", &self.failed_nodes)?;
        m.serialize_field(
            "FailedAndUnresolvableNodes",
            &self.failed_and_unresolvable_nodes,
        )?;
        m.serialize_field("Error", &self.error)?;
        m.end()
    }
}

/// `HostPriority`: one node's score, 0–[`MAX_EXTENDER_PRIORITY`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostPriority {
    /// `Host`: the node name.
    pub host: String,
    /// `Score`.
    pub score: i64,
}

go_struct!(HostPriority, "HostPriority", |map, v| [
    "Host" => go_string(map, &mut v.host),
    "Score" => go_int(map, &mut v.score),
]);

impl Serialize for HostPriority {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut m = s.serialize_struct("HostPriority", 2)?;
        m.serialize_field("Host", &self.host)?;
        m.serialize_field("Score", &self.score)?;
        m.end()
    }
}

/// `HostPriorityList`: the prioritize answer (`null` when nil).
pub type HostPriorityList = Option<Vec<HostPriority>>;

/// `ExtenderBindingArgs`: bind this pod to this node.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExtenderBindingArgs {
    /// `PodName`.
    pub pod_name: String,
    /// `PodNamespace`.
    pub pod_namespace: String,
    /// `PodUID`.
    pub pod_uid: String,
    /// `Node`.
    pub node: String,
}

go_struct!(ExtenderBindingArgs, "ExtenderBindingArgs", |map, v| [
    "PodName" => go_string(map, &mut v.pod_name),
    "PodNamespace" => go_string(map, &mut v.pod_namespace),
    "PodUID" => go_string(map, &mut v.pod_uid),
    "Node" => go_string(map, &mut v.node),
]);

impl Serialize for ExtenderBindingArgs {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut m = s.serialize_struct("ExtenderBindingArgs", 4)?;
        m.serialize_field("PodName", &self.pod_name)?;
        m.serialize_field("PodNamespace", &self.pod_namespace)?;
        m.serialize_field("PodUID", &self.pod_uid)?;
        m.serialize_field("Node", &self.node)?;
        m.end()
    }
}

/// `ExtenderBindingResult`: empty `Error` on success.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExtenderBindingResult {
    /// `Error`.
    pub error: String,
}

go_struct!(ExtenderBindingResult, "ExtenderBindingResult", |map, v| [
    "Error" => go_string(map, &mut v.error),
]);

impl Serialize for ExtenderBindingResult {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut m = s.serialize_struct("ExtenderBindingResult", 1)?;
        m.serialize_field("Error", &self.error)?;
        m.end()
    }
}

/// `MetaPod`: a pod by UID.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MetaPod {
    /// `UID`.
    pub uid: String,
}

go_struct!(MetaPod, "MetaPod", |map, v| [
    "UID" => go_string(map, &mut v.uid),
]);

impl Serialize for MetaPod {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut m = s.serialize_struct("MetaPod", 1)?;
        m.serialize_field("UID", &self.uid)?;
        m.end()
    }
}

/// `MetaVictims`: the pods a preemption on one node would evict, by UID.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MetaVictims {
    /// `Pods` (`null` entries are nil pointers).
    pub pods: Option<Vec<Option<MetaPod>>>,
    /// `NumPDBViolations`.
    pub num_pdb_violations: i64,
}

go_struct!(MetaVictims, "MetaVictims", |map, v| [
    "Pods" => { v.pods = map.next_value()?; Ok(()) },
    "NumPDBViolations" => go_int(map, &mut v.num_pdb_violations),
]);

impl Serialize for MetaVictims {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut m = s.serialize_struct("MetaVictims", 2)?;
        m.serialize_field("Pods", &self.pods)?;
        m.serialize_field("NumPDBViolations", &self.num_pdb_violations)?;
        m.end()
    }
}

/// `Victims`: the pods a preemption on one node would evict.
#[derive(Debug, Clone, Default)]
pub struct Victims {
    /// `Pods` (`null` entries are nil pointers).
    pub pods: Option<Vec<Option<Pod>>>,
    /// `NumPDBViolations`.
    pub num_pdb_violations: i64,
}

go_struct!(Victims, "Victims", |map, v| [
    "Pods" => { v.pods = map.next_value()?; Ok(()) },
    "NumPDBViolations" => go_int(map, &mut v.num_pdb_violations),
]);

impl Serialize for Victims {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut m = s.serialize_struct("Victims", 2)?;
        m.serialize_field("Pods", &self.pods)?;
        m.serialize_field("NumPDBViolations", &self.num_pdb_violations)?;
        m.end()
    }
}

/// `ExtenderPreemptionArgs`: the pod and, per candidate node, its victims.
#[derive(Debug, Clone, Default)]
pub struct ExtenderPreemptionArgs {
    /// `Pod`: the preemptor.
    pub pod: Option<Pod>,
    /// `NodeNameToVictims` (when not `nodeCacheCapable`).
    pub node_name_to_victims: Option<BTreeMap<String, Option<Victims>>>,
    /// `NodeNameToMetaVictims` (when `nodeCacheCapable`).
    pub node_name_to_meta_victims: Option<BTreeMap<String, Option<MetaVictims>>>,
}

go_struct!(ExtenderPreemptionArgs, "ExtenderPreemptionArgs", |map, v| [
    "Pod" => { v.pod = map.next_value()?; Ok(()) },
    "NodeNameToVictims" => { v.node_name_to_victims = map.next_value()?; Ok(()) },
    "NodeNameToMetaVictims" => { v.node_name_to_meta_victims = map.next_value()?; Ok(()) },
]);

impl Serialize for ExtenderPreemptionArgs {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut m = s.serialize_struct("ExtenderPreemptionArgs", 3)?;
        m.serialize_field("Pod", &self.pod)?;
        m.serialize_field("NodeNameToVictims", &self.node_name_to_victims)?;
        m.serialize_field("NodeNameToMetaVictims", &self.node_name_to_meta_victims)?;
        m.end()
    }
}

/// `ExtenderPreemptionResult`: the nodes (and victims) the extender accepts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExtenderPreemptionResult {
    /// `NodeNameToMetaVictims`.
    pub node_name_to_meta_victims: Option<BTreeMap<String, Option<MetaVictims>>>,
}

go_struct!(ExtenderPreemptionResult, "ExtenderPreemptionResult", |map, v| [
    "NodeNameToMetaVictims" => { v.node_name_to_meta_victims = map.next_value()?; Ok(()) },
]);

impl Serialize for ExtenderPreemptionResult {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut m = s.serialize_struct("ExtenderPreemptionResult", 1)?;
        m.serialize_field("NodeNameToMetaVictims", &self.node_name_to_meta_victims)?;
        m.end()
    }
}
