//! Compiled nodes: names, labels, taints and capacities as flat per-node columns.

use std::collections::HashMap;

use crate::error::Error;
use crate::ids::{NodeIdx, Sym};
use crate::intern::Interner;
use crate::spec::{self, TaintEffect};

use super::resources::{Res, Scalars};
use super::selector::{LabelSet, compile_labels};

/// A compiled taint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Taint {
    pub key: Sym,
    pub value: Sym,
    pub effect: TaintEffect,
}

/// What ImageLocality knows of one image name (`framework.ImageStateSummary`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ImageState {
    /// Size reported by the first node that listed the name.
    pub size: i64,
    /// Number of nodes that list the name.
    pub num_nodes: i64,
}

/// All nodes, column by column.
#[derive(Debug, Clone, Default)]
pub(crate) struct Nodes {
    pub names: Vec<String>,
    pub by_name: HashMap<String, NodeIdx>,
    pub labels: Vec<LabelSet>,
    pub taints: Vec<Vec<Taint>>,
    pub unschedulable: Vec<bool>,
    pub allocatable: Vec<Res>,
    pub allowed_pods: Vec<i64>,
    /// Each node's position in name order (the name tie-break, in O(1)).
    pub name_rank: Vec<u32>,
    /// The nodes in name order (the inverse of `name_rank`).
    pub by_rank: Vec<NodeIdx>,
    /// Image names present on each node, sorted.
    pub images: Vec<Vec<Sym>>,
    pub image_states: HashMap<Sym, ImageState>,
}

impl Nodes {
    pub(crate) fn len(&self) -> usize {
        self.names.len()
    }

    pub(crate) fn add(
        &mut self,
        strings: &mut Interner,
        scalars: &mut Scalars,
        node: &spec::Node,
    ) -> Result<NodeIdx, Error> {
        let object = format!("node/{}", node.name);
        if node.name.is_empty() {
            return Err(Error::invalid(
                &object,
                "metadata.name",
                "must not be empty",
            ));
        }
        if self.by_name.contains_key(&node.name) {
            return Err(Error::DuplicateNode(node.name.clone()));
        }
        for (name, q) in &node.allocatable {
            if q.is_negative() {
                return Err(Error::invalid(
                    &object,
                    format!("status.allocatable[{name}]"),
                    "must be greater than or equal to 0",
                ));
            }
        }
        let idx = crate::ids::checked_index(self.names.len(), NodeIdx::from_index)?;
        let mut taints = Vec::with_capacity(node.taints.len());
        for (i, t) in node.taints.iter().enumerate() {
            if t.key.is_empty() {
                return Err(Error::invalid(
                    &object,
                    format!("spec.taints[{i}].key"),
                    "must not be empty",
                ));
            }
            taints.push(Taint {
                key: strings.intern(&t.key),
                value: strings.intern(&t.value),
                effect: t.effect,
            });
        }
        let allowed_pods = node.allocatable.get("pods").map_or(0, |q| q.value());
        let mut images: Vec<Sym> = Vec::new();
        for image in &node.images {
            for name in &image.names {
                let sym = strings.intern(name);
                if images.contains(&sym) {
                    continue;
                }
                images.push(sym);
                self.image_states
                    .entry(sym)
                    .and_modify(|s| s.num_nodes += 1)
                    .or_insert(ImageState {
                        size: image.size_bytes,
                        num_nodes: 1,
                    });
            }
        }
        images.sort_unstable();

        self.names.push(node.name.clone());
        self.by_name.insert(node.name.clone(), idx);
        self.labels.push(compile_labels(strings, &node.labels));
        self.taints.push(taints);
        self.unschedulable.push(node.unschedulable);
        self.allocatable
            .push(Res::from_list(&node.allocatable, scalars)?);
        self.allowed_pods.push(allowed_pods);
        self.images.push(images);
        Ok(idx)
    }

    /// Computes [`Nodes::name_rank`]; call after the last node is added.
    pub(crate) fn rank_names(&mut self) {
        let mut order: Vec<usize> = (0..self.names.len()).collect();
        order.sort_by(|&a, &b| self.names[a].cmp(&self.names[b]));
        self.name_rank = vec![0; order.len()];
        self.by_rank = Vec::with_capacity(order.len());
        for (rank, i) in order.into_iter().enumerate() {
            self.name_rank[i] = u32::try_from(rank).unwrap_or(u32::MAX);
            self.by_rank
                .push(NodeIdx::from_index(i).unwrap_or_default());
        }
    }
}
