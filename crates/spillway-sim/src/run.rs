//! The simulation loop.
//!
//! Each step, in the order the cluster's components act: events (failures,
//! cordons, rollouts, scaling) apply; pods of nodes down for longer than the
//! eviction delay are evicted; the HPA syncs; the Deployment and ReplicaSet
//! controllers create and delete pods; kube-scheduler (spillway's engine, the
//! incremental placer) places every Pending pod in creation order; node pools
//! grow for pods left Pending; then utilisation, survivors and cost are recorded.
//!
//! The compiled cluster changes only when nodes change (a failure, a cordon, a
//! new pool node) or a rollout brings a new pod template; between such events the
//! scheduler's incremental state lives on from step to step.

use spillway_core::framework::Placer;
use spillway_core::spec::{self, Taint, TaintEffect};
use spillway_core::{
    Cluster, ClusterSpec, ClusterState, NodeIdx, PodIdx, Profile, Scheduler, TieBreak, TieBreaker,
};

use k8s_openapi::api::core::v1 as k;
use spillway_kube::Scenario;
use spillway_kube::ack::specs::SpecTable;

use crate::controllers::{self, Gen, Rolling};
use crate::error::SimError;
use crate::file::Action;
use crate::hpa::{Hpa, PodSample};
use crate::outcome::{Outcome, PendingSpan, Step, Summary, WorkloadStep, WorkloadSummary};
use crate::setup;
use crate::sim::Simulation;
use crate::trace::{Trace, Unit};

/// A node during the run.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub name: String,
    pub zone: Option<String>,
    /// Index of the zone in `Run::zones` (`<none>` for nodes without one).
    pub zone_id: usize,
    pub virtual_node: bool,
    /// Down (NotReady) since.
    pub down_since: Option<u64>,
    pub cordoned: bool,
    /// ECS price per second, when known.
    pub price: Option<f64>,
    /// The node as the scheduler reads it (without failure taints).
    pub spec: spec::Node,
}

/// Where a pod is in its life.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Phase {
    /// Not created (a pool slot) or deleted.
    Free,
    /// Created, not placed; `span` indexes the pending span once it failed once.
    Pending { since: u64, span: Option<usize> },
    /// Placed on a node; serving from `ready_at`.
    Bound { node: usize, ready_at: u64 },
}

/// A pod during the run.
#[derive(Debug, Clone)]
pub(crate) struct Pod {
    pub key: String,
    /// The simulated workload and generation (ReplicaSet) it belongs to.
    pub owner: Option<(usize, usize)>,
    /// Recreated by its controller after an eviction (pods of workloads that are
    /// not simulated).
    pub managed: bool,
    pub phase: Phase,
    pub created: u64,
    /// ECI price per second, when the spec is known.
    pub eci_price: Option<f64>,
    pub cpu_request_milli: i64,
    pub cpu_limit_milli: Option<i64>,
}

impl Pod {
    pub(crate) fn alive(&self) -> bool {
        self.phase != Phase::Free
    }
}

/// A simulated workload during the run.
pub(crate) struct Workload {
    pub name: String,
    pub desired: i32,
    pub gens: Vec<Gen>,
    pub hpa: Option<Hpa>,
    pub trace: Trace,
    pub unit: Unit,
    pub per_replica: Option<f64>,
    pub rolling: Rolling,
    /// Replicas at the start (for `utilization` traces).
    pub initial: i32,
    pub cost_eci: f64,
}

pub(crate) struct Run<'a> {
    pub sim: &'a Simulation,
    /// The scenario, changed by rollouts.
    pub scenario: Scenario,
    /// ECI specs of the scenario's settings.
    pub table: SpecTable,
    pub seed: u64,
    pub step: u64,
    pub nodes: Vec<Node>,
    /// Zone names, sorted; `<none>` stands for nodes without a zone label.
    pub zones: Vec<String>,
    pub namespaces: Vec<spec::Namespace>,
    pub pods: Vec<Pod>,
    /// Per simulated workload, its pods' indices (every record, in order).
    pub members: Vec<Vec<usize>>,
    pub specs: Vec<spec::Pod>,
    /// The replicas made for pools so far (their names are taken).
    pub k8s_pods: Vec<k::Pod>,
    pub workloads: Vec<Workload>,
    pub spans: Vec<PendingSpan>,
    pub cost_ecs: f64,
    pub cost_eci: f64,
    /// Pool nodes coming up: (ready at, pool index).
    pub provisioning: Vec<(u64, usize)>,
    /// Nodes added per pool.
    pub pool_added: Vec<usize>,
    /// Events applied so far.
    pub events_done: usize,
    /// What this step's events did, for the timeline.
    pub texts: Vec<String>,
    /// The compiled cluster no longer matches nodes or pods.
    pub dirty: bool,
}

/// Runs the simulation with `seed`.
///
/// # Errors
/// A rollout template that does not expand or convert; a scenario that no longer
/// compiles after a change.
pub(crate) fn run(sim: &Simulation, seed: u64) -> Result<Outcome, SimError> {
    let mut r = setup::run_state(sim, seed)?;
    let duration = sim.file.settings.duration.secs();
    let mut steps = Vec::new();
    let mut t = 0;
    while t < duration {
        let spec = r.cluster_spec();
        let snapshot =
            Cluster::compile(&spec).map_err(|source| spillway_kube::LoadError::Compile {
                path: sim.path.clone(),
                source,
            })?;
        let cluster = &snapshot.cluster;
        let index: Vec<NodeIdx> = r
            .nodes
            .iter()
            .map(|n| cluster.node_by_name(&n.name))
            .collect::<Option<_>>()
            .unwrap_or_default();
        let ids = &snapshot.incoming;
        let mut state = snapshot.state.clone();
        for (i, p) in r.pods.iter().enumerate() {
            if let Phase::Bound { node, .. } = p.phase
                && let (Some(&idx), Some(&n)) = (ids.get(i), index.get(node))
            {
                state.assume(cluster, idx, n);
            }
        }
        // Run node index of each compiled node.
        let mut by_node = vec![0; cluster.node_count()];
        for (i, n) in index.iter().enumerate() {
            if let Some(slot) = by_node.get_mut(n.index()) {
                *slot = i;
            }
        }
        let scheduler = Scheduler::new(cluster, Profile::default());
        let mut placer = Placer::new(&scheduler);
        let mut tie = TieBreaker::new(TieBreak::Seed(seed));
        r.dirty = false;
        while t < duration {
            r.apply_events(t)?;
            if r.dirty {
                // Nodes or templates changed: recompile, then go on at this time.
                break;
            }
            r.evict(t, &mut state, cluster, ids);
            r.autoscale(t);
            r.reconcile(t, &mut state, cluster, ids);
            r.schedule(
                t,
                &mut state,
                cluster,
                &scheduler,
                &mut placer,
                &mut tie,
                ids,
                &by_node,
            );
            r.grow_pools(t);
            steps.push(r.record(t));
            t += r.step;
            if r.dirty {
                break;
            }
        }
    }
    Ok(r.finish(steps))
}

impl Run<'_> {
    /// The cluster as the scheduler sees it now: failed nodes tainted
    /// `node.kubernetes.io/unreachable` (NoSchedule and NoExecute, as the node
    /// lifecycle controller taints them), cordoned nodes unschedulable, every pod
    /// an unplaced record (placements are assumed after compiling).
    pub(crate) fn cluster_spec(&self) -> ClusterSpec {
        let nodes = self
            .nodes
            .iter()
            .map(|n| {
                let mut s = n.spec.clone();
                if n.down_since.is_some() {
                    for effect in [TaintEffect::NoSchedule, TaintEffect::NoExecute] {
                        s.taints.push(Taint {
                            key: "node.kubernetes.io/unreachable".into(),
                            value: String::new(),
                            effect,
                        });
                    }
                }
                s.unschedulable |= n.cordoned;
                s
            })
            .collect();
        ClusterSpec {
            nodes,
            namespaces: self.namespaces.clone(),
            running: Vec::new(),
            incoming: self.specs.clone(),
        }
    }

    /// Applies the events due at `t` (once each).
    fn apply_events(&mut self, t: u64) -> Result<(), SimError> {
        // Pool nodes that finished provisioning.
        let due: Vec<usize> = self
            .provisioning
            .iter()
            .filter(|(at, _)| *at <= t)
            .map(|(_, pool)| *pool)
            .collect();
        self.provisioning.retain(|(at, _)| *at > t);
        for pool in due {
            let name = setup::add_pool_node(self, pool)?;
            self.texts.push(format!("node pool: node {name} ready"));
            self.dirty = true;
        }
        while let Some((at, action, _)) = self.sim.events.get(self.events_done) {
            if *at > t {
                break;
            }
            let action = action.clone();
            self.events_done += 1;
            self.apply(t, &action)?;
        }
        Ok(())
    }

    fn apply(&mut self, t: u64, action: &Action) -> Result<(), SimError> {
        let mut nodes = |pred: &dyn Fn(&Node) -> bool, f: &dyn Fn(&mut Node)| {
            for n in self.nodes.iter_mut().filter(|n| pred(n)) {
                f(n);
            }
        };
        match action {
            Action::NodeDown(name) => nodes(&|n| &n.name == name && n.down_since.is_none(), &|n| {
                n.down_since = Some(t)
            }),
            Action::NodeUp(name) => nodes(&|n| &n.name == name, &|n| n.down_since = None),
            Action::ZoneDown(z) => nodes(
                &|n| n.zone.as_deref() == Some(z.as_str()) && n.down_since.is_none(),
                &|n| n.down_since = Some(t),
            ),
            Action::ZoneUp(z) => nodes(&|n| n.zone.as_deref() == Some(z.as_str()), &|n| {
                n.down_since = None
            }),
            Action::Cordon(name) => nodes(&|n| &n.name == name, &|n| n.cordoned = true),
            Action::Uncordon(name) => nodes(&|n| &n.name == name, &|n| n.cordoned = false),
            Action::Scale { workload, replicas } => {
                if let Some(w) = self.workloads.iter_mut().find(|w| &w.name == workload) {
                    w.desired = *replicas;
                }
                self.texts.push(format!("scale {workload} to {replicas}"));
                return Ok(());
            }
            Action::Rollout {
                workload,
                image,
                requests,
            } => {
                setup::rollout(self, t, workload, image.as_deref(), requests.as_ref())?;
                self.texts.push(format!("rollout of {workload}"));
                self.dirty = true;
                return Ok(());
            }
        }
        self.texts.push(match action {
            Action::NodeDown(n) => format!("node {n} down"),
            Action::NodeUp(n) => format!("node {n} up"),
            Action::ZoneDown(z) => format!("zone {z} down"),
            Action::ZoneUp(z) => format!("zone {z} up"),
            Action::Cordon(n) => format!("node {n} cordoned"),
            Action::Uncordon(n) => format!("node {n} uncordoned"),
            Action::Scale { .. } | Action::Rollout { .. } => String::new(),
        });
        self.dirty = true;
        Ok(())
    }

    /// Evicts the pods of nodes down for the eviction delay or longer.
    fn evict(&mut self, t: u64, state: &mut ClusterState, cluster: &Cluster, ids: &[PodIdx]) {
        let delay = self.sim.file.settings.eviction_delay.secs();
        let expired: Vec<bool> = self
            .nodes
            .iter()
            .map(|n| n.down_since.is_some_and(|s| t >= s + delay))
            .collect();
        let mut evicted = 0;
        for (i, p) in self.pods.iter_mut().enumerate() {
            let Phase::Bound { node, .. } = p.phase else {
                continue;
            };
            if !expired.get(node).copied().unwrap_or(false) {
                continue;
            }
            if let Some(&idx) = ids.get(i) {
                state.remove(cluster, idx);
            }
            evicted += 1;
            // A simulated workload's ReplicaSet replaces it; another controller
            // recreates an equal pod; a bare pod is gone.
            p.phase = if p.owner.is_none() && p.managed {
                Phase::Pending {
                    since: t,
                    span: None,
                }
            } else {
                Phase::Free
            };
        }
        if evicted > 0 {
            self.texts
                .push(format!("{evicted} pod(s) evicted from failed nodes"));
        }
    }

    /// CPU demand of a workload at `t`, in millicores, and its pods' request.
    fn demand_milli(&self, w: &Workload, t: u64, request_milli: i64) -> f64 {
        let load = w.trace.at(t);
        match w.unit {
            Unit::Cores => load * 1000.0,
            Unit::Rps => {
                load / w.per_replica.unwrap_or(1.0).max(f64::MIN_POSITIVE) * request_milli as f64
            }
            Unit::Utilization => load / 100.0 * f64::from(w.initial.max(1)) * request_milli as f64,
        }
    }

    /// Ready pods of a workload (not on a failed node, past their start-up).
    pub(crate) fn ready_at(&self, t: u64, p: &Pod) -> bool {
        match p.phase {
            Phase::Bound { node, ready_at } => {
                t >= ready_at && self.nodes.get(node).is_some_and(|n| n.down_since.is_none())
            }
            _ => false,
        }
    }

    /// Per-pod CPU usage of a workload's ready pods (millicores).
    fn usage_milli(&self, wi: usize, t: u64) -> Option<f64> {
        let w = self.workloads.get(wi)?;
        let (mut ready, mut requests) = (0i64, 0i64);
        let mut limit: Option<i64> = None;
        for &i in &self.members[wi] {
            let p = &self.pods[i];
            if self.ready_at(t, p) {
                ready += 1;
                requests += p.cpu_request_milli;
                if let Some(l) = p.cpu_limit_milli {
                    limit = Some(limit.map_or(l, |x| x.min(l)));
                }
            }
        }
        if ready == 0 {
            return None;
        }
        let per = self.demand_milli(w, t, requests / ready) / ready as f64;
        Some(limit.map_or(per, |l| per.min(l as f64)))
    }

    /// HPA syncs.
    fn autoscale(&mut self, t: u64) {
        let period = self.sim.file.settings.hpa_sync_period.secs();
        if !t.is_multiple_of(period) {
            return;
        }
        for wi in 0..self.workloads.len() {
            if self.workloads[wi].hpa.is_none() {
                continue;
            }
            let usage = self.usage_milli(wi, t);
            let samples: Vec<PodSample> = self.members[wi]
                .iter()
                .map(|&i| &self.pods[i])
                .filter(|p| p.alive())
                .map(|p| {
                    let ready = self.ready_at(t, p);
                    let started = match p.phase {
                        Phase::Bound { ready_at, .. } => ready_at.min(t),
                        _ => t,
                    };
                    let pending = match p.phase {
                        Phase::Bound { ready_at, .. } => t < ready_at,
                        _ => true,
                    };
                    PodSample {
                        ready,
                        pending,
                        started_at: started,
                        ready_changed_at: started,
                        cpu_request_milli: p.cpu_request_milli,
                        cpu_usage_milli: if ready {
                            usage.map(|u| u.round() as i64)
                        } else {
                            None
                        },
                        ..PodSample::default()
                    }
                })
                .collect();
            let w = &mut self.workloads[wi];
            if let Some(hpa) = w.hpa.as_mut() {
                w.desired = hpa.sync(t, w.desired, &samples).desired;
            }
        }
    }

    /// Deployment and ReplicaSet controllers.
    fn reconcile(&mut self, t: u64, state: &mut ClusterState, cluster: &Cluster, ids: &[PodIdx]) {
        for wi in 0..self.workloads.len() {
            let deletes = controllers::reconcile(self, wi, t);
            for i in deletes {
                if let (Phase::Bound { .. }, Some(&idx)) = (self.pods[i].phase, ids.get(i)) {
                    state.remove(cluster, idx);
                }
                self.close_span(i, t);
                self.pods[i].phase = Phase::Free;
            }
        }
    }

    /// Places every Pending pod, oldest first.
    #[allow(clippy::too_many_arguments)]
    fn schedule(
        &mut self,
        t: u64,
        state: &mut ClusterState,
        cluster: &Cluster,
        scheduler: &Scheduler<'_>,
        placer: &mut Placer<'_, '_>,
        tie: &mut TieBreaker,
        ids: &[PodIdx],
        by_node: &[usize],
    ) {
        let mut queue: Vec<(u64, usize)> = self
            .pods
            .iter()
            .enumerate()
            .filter_map(|(i, p)| match p.phase {
                Phase::Pending { since, .. } => Some((since.max(p.created), i)),
                _ => None,
            })
            .collect();
        queue.sort_unstable();
        for (_, i) in queue {
            let Some(&idx) = ids.get(i) else {
                continue;
            };
            match placer.place(state, idx, tie) {
                Some(n) => {
                    let node = by_node.get(n.index()).copied().unwrap_or(0);
                    let latency = if self.nodes.get(node).is_some_and(|x| x.virtual_node) {
                        self.sim.file.settings.eci_startup_latency.secs()
                    } else {
                        self.sim.file.settings.ecs_startup_latency.secs()
                    };
                    self.close_span(i, t);
                    // The scenario's own pods are running when the run starts.
                    let ready_at = if t == 0 { 0 } else { t + latency };
                    self.pods[i].phase = Phase::Bound { node, ready_at };
                }
                None => {
                    if let Phase::Pending { since, span: None } = self.pods[i].phase {
                        let reason = scheduler
                            .evaluate(state, idx)
                            .message(cluster)
                            .unwrap_or_else(|| "not schedulable".into());
                        let workload = self.pods[i]
                            .owner
                            .and_then(|(w, _)| self.workloads.get(w))
                            .map_or_else(String::new, |w| w.name.clone());
                        self.spans.push(PendingSpan {
                            workload,
                            pod: self.pods[i].key.clone(),
                            from: t,
                            to: None,
                            reason,
                        });
                        self.pods[i].phase = Phase::Pending {
                            since,
                            span: Some(self.spans.len() - 1),
                        };
                    }
                }
            }
        }
    }

    /// Node pools: pods of simulated workloads left Pending ask for nodes.
    fn grow_pools(&mut self, t: u64) {
        let pending = self
            .pods
            .iter()
            .filter(|p| {
                p.owner.is_some() && matches!(p.phase, Phase::Pending { span: Some(_), .. })
            })
            .count();
        if pending == 0 || !self.provisioning.is_empty() {
            return;
        }
        for (i, pool) in self.sim.file.settings.node_pools.iter().enumerate() {
            let added = self.pool_added.get(i).copied().unwrap_or(0);
            if added < pool.max {
                self.provisioning
                    .push((t + pool.provisioning_delay.secs(), i));
                self.texts
                    .push(format!("node pool {}: scale-up requested", pool.template));
                return;
            }
        }
    }

    /// The step's numbers; costs accrue for the step's interval.
    fn record(&mut self, t: u64) -> Step {
        let step = self.step as f64;
        for n in &self.nodes {
            if let (Some(price), None) = (n.price, n.down_since) {
                self.cost_ecs += price * step;
            }
        }
        let mut workloads = Vec::with_capacity(self.workloads.len());
        let (mut ecs_pods, mut eci_pods) = (0, 0);
        for wi in 0..self.workloads.len() {
            let ws = self.workload_step(wi, t);
            ecs_pods += ws.ecs;
            eci_pods += ws.eci;
            workloads.push(ws);
        }
        for p in &self.pods {
            if let Phase::Bound { node, .. } = p.phase
                && self.nodes.get(node).is_some_and(|n| n.virtual_node)
            {
                let c = p.eci_price.unwrap_or(0.0) * step;
                self.cost_eci += c;
                if let Some(w) = p.owner.and_then(|(w, _)| self.workloads.get_mut(w)) {
                    w.cost_eci += c;
                }
            }
        }
        Step {
            t,
            workloads,
            pending: self
                .pods
                .iter()
                .filter(|p| matches!(p.phase, Phase::Pending { .. }))
                .count(),
            ecs_pods,
            eci_pods,
            cost_ecs: self.cost_ecs,
            cost_eci: self.cost_eci,
            events: std::mem::take(&mut self.texts),
        }
    }

    fn workload_step(&self, wi: usize, t: u64) -> WorkloadStep {
        let w = &self.workloads[wi];
        // Counts by zone (run zone ids) and ready pods' ECS nodes, without maps.
        let mut placed_by_zone = vec![0usize; self.zones.len()];
        let mut ready_by_zone = vec![0usize; self.zones.len()];
        let mut ready_nodes: Vec<usize> = Vec::new();
        let (mut pods, mut ecs, mut eci, mut pending, mut ready) = (0, 0, 0, 0, 0);
        let newest = w.gens.len().saturating_sub(1);
        let mut up_to_date = 0;
        let mut requests = 0i64;
        for &i in &self.members[wi] {
            let p = &self.pods[i];
            match p.phase {
                Phase::Bound { node, .. } => {
                    let n = &self.nodes[node];
                    if n.virtual_node {
                        eci += 1;
                    } else {
                        ecs += 1;
                    }
                    placed_by_zone[n.zone_id] += 1;
                    if self.ready_at(t, p) {
                        ready += 1;
                        if !n.virtual_node {
                            ready_nodes.push(node);
                        }
                        ready_by_zone[n.zone_id] += 1;
                    }
                }
                Phase::Pending { .. } => pending += 1,
                Phase::Free => continue,
            }
            pods += 1;
            requests += p.cpu_request_milli;
            if p.owner.is_some_and(|(_, g)| g == newest) {
                up_to_date += 1;
            }
        }
        ready_nodes.sort_unstable();
        let most_on_a_node = ready_nodes
            .chunk_by(|a, b| a == b)
            .map(<[usize]>::len)
            .max()
            .unwrap_or(0);
        let request = if pods == 0 { 0 } else { requests / pods as i64 };
        let utilization = self
            .usage_milli(wi, t)
            .filter(|_| request > 0)
            .map(|u| (u / request as f64 * 1000.0).round() / 10.0);
        WorkloadStep {
            load: w.trace.at(t),
            desired: w.desired,
            pods,
            ready,
            up_to_date,
            ecs,
            eci,
            pending,
            by_zone: placed_by_zone
                .iter()
                .zip(&self.zones)
                .filter(|(n, _)| **n > 0)
                .map(|(n, z)| (z.clone(), *n))
                .collect(),
            utilization,
            survive_node: ready - most_on_a_node,
            survive_zone: ready - ready_by_zone.iter().copied().max().unwrap_or(0),
        }
    }

    fn finish(self, steps: Vec<Step>) -> Outcome {
        let seed = self.seed;
        let summary = Summary {
            workloads: self
                .workloads
                .iter()
                .enumerate()
                .map(|(wi, w)| summarize(wi, w, &steps, self.step))
                .collect(),
            cost_ecs: self.cost_ecs,
            cost_eci: self.cost_eci,
            pending: self.spans,
        };
        Outcome {
            seed,
            step_seconds: self.step,
            duration_seconds: self.sim.file.settings.duration.secs(),
            currency: self.sim.scenario.ack.eci.prices.currency.clone(),
            workloads: self.workloads.iter().map(|w| w.name.clone()).collect(),
            steps,
            summary,
        }
    }

    /// Ends pod `i`'s pending span, if it has one open.
    fn close_span(&mut self, i: usize, t: u64) {
        if let Phase::Pending { span: Some(s), .. } = self.pods[i].phase
            && let Some(span) = self.spans.get_mut(s)
        {
            span.to = Some(t);
        }
    }

    /// More records for ReplicaSet `g` of workload `wi` (the cluster recompiles).
    pub(crate) fn grow_pool(&mut self, wi: usize, g: usize, n: usize) {
        if let Err(e) = setup::add_replicas(self, wi, g, n.max(4)) {
            self.texts.push(format!(
                "cannot create replicas of {}: {e}",
                self.workloads[wi].name
            ));
        }
    }
}

fn summarize(wi: usize, w: &Workload, steps: &[Step], step: u64) -> WorkloadSummary {
    let mut s = WorkloadSummary {
        name: w.name.clone(),
        peak_replicas: 0,
        peak_eci: 0,
        peak_eci_at: None,
        overflow_start: None,
        overflow_seconds: 0,
        overflow_spans: Vec::new(),
        pending_seconds: 0,
        min_survive_node: usize::MAX,
        min_survive_node_at: 0,
        min_survive_zone: usize::MAX,
        min_survive_zone_at: 0,
        cost_eci: w.cost_eci,
    };
    let mut open: Option<u64> = None;
    for st in steps {
        let Some(x) = st.workloads.get(wi) else {
            continue;
        };
        s.peak_replicas = s.peak_replicas.max(x.pods);
        if x.eci > s.peak_eci {
            s.peak_eci = x.eci;
            s.peak_eci_at = Some(st.t);
        }
        if x.eci > 0 {
            s.overflow_seconds += step;
            s.overflow_start.get_or_insert(st.t);
            open.get_or_insert(st.t);
        } else if let Some(from) = open.take() {
            s.overflow_spans.push((from, Some(st.t)));
        }
        s.pending_seconds += x.pending as u64 * step;
        if x.survive_node < s.min_survive_node {
            s.min_survive_node = x.survive_node;
            s.min_survive_node_at = st.t;
        }
        if x.survive_zone < s.min_survive_zone {
            s.min_survive_zone = x.survive_zone;
            s.min_survive_zone_at = st.t;
        }
    }
    if let Some(from) = open {
        s.overflow_spans.push((from, None));
    }
    if s.min_survive_node == usize::MAX {
        s.min_survive_node = 0;
    }
    if s.min_survive_zone == usize::MAX {
        s.min_survive_zone = 0;
    }
    s
}
