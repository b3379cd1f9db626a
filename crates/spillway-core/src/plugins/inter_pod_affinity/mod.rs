//! InterPodAffinity: required pod affinity and anti-affinity (filter, including the
//! anti-affinity of existing pods towards the incoming pod) and preferred terms of
//! both the incoming and the existing pods (score).

pub(crate) mod filtering;
pub(crate) mod scoring;

use crate::Cluster;
use crate::cluster::affinity::AffinityTerm;
use crate::cluster::selector::LabelSet;
use crate::cluster::template::Template;

/// Whether `term` selects pods of template `t` (`AffinityTerm.Matches` with the
/// pod's namespace labels).
pub(crate) fn term_matches(cluster: &Cluster, term: &AffinityTerm, t: &Template) -> bool {
    let empty = LabelSet::new();
    let ns_labels = cluster.namespaces.get(&t.namespace).unwrap_or(&empty);
    term.matches(t.namespace, ns_labels, &t.labels, &cluster.strings)
}
