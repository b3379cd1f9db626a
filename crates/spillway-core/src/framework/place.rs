//! Placing pods fast: the node [`Scheduler::schedule`] would choose, without the
//! per-node report, with the best-node search kept incremental by per-template
//! [boards](super::board).

use std::collections::HashMap;

use crate::ClusterState;
use crate::ids::{NodeIdx, PodIdx, TemplateIdx};

use super::board::Board;
use super::{Scheduler, TieBreaker};

/// Places pods one after another with the same results as [`Scheduler::schedule`],
/// keeping per-template results between placements.
///
/// ```
/// use spillway_core::{Cluster, ClusterSpec, NodeBuilder, PodBuilder, Profile, Scheduler, TieBreak, TieBreaker};
/// use spillway_core::framework::Placer;
///
/// let spec = ClusterSpec {
///     nodes: (0..3).map(|i| NodeBuilder::new(&format!("n{i}")).capacity("2", "4Gi", 10).build()).collect(),
///     incoming: (0..5).map(|i| PodBuilder::new(&format!("p{i}")).requests("500m", "1Gi").build()).collect(),
///     ..ClusterSpec::default()
/// };
/// let snapshot = Cluster::compile(&spec).unwrap();
/// let scheduler = Scheduler::new(&snapshot.cluster, Profile::default());
/// let (mut fast, mut full) = (snapshot.state.clone(), snapshot.state.clone());
/// let mut placer = Placer::new(&scheduler);
/// let (mut t1, mut t2) = (TieBreaker::new(TieBreak::Name), TieBreaker::new(TieBreak::Name));
/// for &pod in &snapshot.incoming {
///     let a = placer.place(&mut fast, pod, &mut t1);
///     let b = scheduler.schedule(&mut full, pod, &mut t2).assigned;
///     assert_eq!(a, b);
/// }
/// ```
#[derive(Debug)]
pub struct Placer<'s, 'c> {
    scheduler: &'s Scheduler<'c>,
    boards: HashMap<TemplateIdx, Board<'c>>,
}

/// At most this many templates keep a board at once.
const MAX_BOARDS: usize = 64;

impl<'s, 'c> Placer<'s, 'c> {
    /// A placer over `scheduler`'s cluster and profile.
    pub fn new(scheduler: &'s Scheduler<'c>) -> Placer<'s, 'c> {
        Placer {
            scheduler,
            boards: HashMap::new(),
        }
    }

    /// Places `pod` on the node [`Scheduler::schedule`] would choose and returns it;
    /// `None` (and nothing placed) when the pod is unschedulable or gated.
    pub fn place(
        &mut self,
        state: &mut ClusterState,
        pod: PodIdx,
        tie: &mut TieBreaker,
    ) -> Option<NodeIdx> {
        let s = self.scheduler;
        let cluster = s.cluster;
        state.sync(cluster);
        let t = cluster.template_of(pod);
        if !t.scheduling_gates.is_empty() {
            return None;
        }
        let node = if cluster.record(pod).node_name.is_some() {
            // Pinned pods (synthetic: a real queue never sees them) take the full path.
            tie.pick(&s.evaluate(state, pod).best)
        } else {
            let tidx = cluster.pod_template(pod);
            if !self.boards.contains_key(&tidx) && self.boards.len() >= MAX_BOARDS {
                self.boards.clear();
            }
            let board = self
                .boards
                .entry(tidx)
                .or_insert_with(|| Board::new(s, state, tidx));
            board.catch_up(s, state);
            board.best(s, state, tie)
        }?;
        state.assume(cluster, pod, node);
        Some(node)
    }
}
