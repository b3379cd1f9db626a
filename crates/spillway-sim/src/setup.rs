//! Building a run's state from a simulation: nodes with their kind, zone and
//! price; every pod of the scenario; and a pool of not-yet-created replicas per
//! workload (records the ReplicaSet controller "creates" by taking them), so that
//! the compiled cluster stays the same while workloads scale.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1 as k;
use spillway_kube::Scenario;
use spillway_kube::ack::specs::{self, SpecTable};
use spillway_kube::ack::virtual_node::{self, ZONE_LABEL};
use spillway_kube::replicas::WorkloadRef;

use crate::controllers::{Amount, Gen, Rolling};
use crate::error::SimError;
use crate::hpa::Hpa;
use crate::run::{Node, Phase, Pod, Run, Workload};
use crate::sim::Simulation;
use crate::trace::Trace;

/// The label of an ECS node's instance type.
const INSTANCE_TYPE: &str = "node.kubernetes.io/instance-type";

/// A run's starting state.
pub(crate) fn run_state(sim: &Simulation, seed: u64) -> Result<Run<'_>, SimError> {
    let scenario = sim.scenario.clone();
    let at = |e: spillway_kube::FieldError| SimError::from(e.at(&sim.path));
    let base = scenario.to_cluster_spec()?;
    let nodes = scenario
        .nodes
        .iter()
        .zip(base.nodes)
        .map(|(n, spec)| node(&scenario, n, spec))
        .collect::<Vec<_>>();
    let table = scenario.spec_table().map_err(at)?;
    let settings = &sim.file.settings;
    let mut run = Run {
        sim,
        scenario,
        table,
        seed,
        step: settings.step.secs(),
        nodes,
        zones: Vec::new(),
        namespaces: base.namespaces,
        pods: Vec::new(),
        members: vec![Vec::new(); sim.workloads.len()],
        specs: Vec::new(),
        k8s_pods: Vec::new(),
        workloads: Vec::new(),
        spans: Vec::new(),
        cost_ecs: 0.0,
        cost_eci: 0.0,
        provisioning: Vec::new(),
        pool_added: vec![0; settings.node_pools.len()],
        events_done: 0,
        texts: Vec::new(),
        dirty: false,
    };
    run.number_zones();
    let owner_of = |pod: &k::Pod| {
        sim.workloads
            .iter()
            .position(|w| run.scenario.owns(&w.workload, pod))
            .map(|wi| (wi, 0))
    };
    let by_name: BTreeMap<&str, usize> = run
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.name.as_str(), i))
        .collect();
    let mut pods = Vec::new();
    for (p, mut spec) in run.scenario.running.iter().zip(base.running) {
        let node = spec
            .node_name
            .take()
            .and_then(|n| by_name.get(n.as_str()).copied())
            .unwrap_or(0);
        let mut pod = pod_record(&run.table, &run.scenario, p, owner_of(p))?;
        pod.phase = Phase::Bound { node, ready_at: 0 };
        pods.push((pod, spec));
    }
    for (p, spec) in run.scenario.incoming.iter().zip(base.incoming) {
        let mut pod = pod_record(&run.table, &run.scenario, p, owner_of(p))?;
        pod.phase = Phase::Pending {
            since: 0,
            span: None,
        };
        pods.push((pod, spec));
    }
    for (pod, spec) in pods {
        if let Some((wi, _)) = pod.owner
            && let Some(m) = run.members.get_mut(wi)
        {
            m.push(run.pods.len());
        }
        run.pods.push(pod);
        run.specs.push(spec);
    }
    for (wi, w) in sim.workloads.iter().enumerate() {
        let field = format!("workloads.{}.load.trace", w.name);
        let trace = Trace::build(
            &w.load.trace,
            sim.path.parent().unwrap_or(std::path::Path::new(".")),
            &sim.path,
            &field,
            seed,
            settings.duration.secs(),
            settings.step.secs(),
        )?;
        let rolling = rolling(&run.scenario, &w.workload);
        run.workloads.push(Workload {
            name: w.name.clone(),
            desired: w.initial_replicas,
            gens: vec![Gen {
                workload: w.workload.clone(),
                target: w.initial_replicas,
            }],
            hpa: w.hpa.clone().map(Hpa::new),
            trace,
            unit: w.load.unit,
            per_replica: w.load.per_replica,
            rolling,
            initial: w.initial_replicas,
            cost_eci: 0.0,
        });
        let size = pool_size(sim, wi);
        add_replicas(&mut run, wi, 0, size)?;
    }
    run.dirty = false;
    Ok(run)
}

/// Records enough for the workload's largest size, twice over (surge, evictions).
fn pool_size(sim: &Simulation, wi: usize) -> usize {
    let w = &sim.workloads[wi];
    let scaled = sim
        .events
        .iter()
        .filter_map(|(_, a, _)| match a {
            crate::file::Action::Scale { workload, replicas } if workload == &w.name => {
                Some(*replicas)
            }
            _ => None,
        })
        .max()
        .unwrap_or(0);
    let max = w
        .hpa
        .as_ref()
        .map_or(0, |h| h.max_replicas)
        .max(w.initial_replicas)
        .max(scaled);
    usize::try_from(max).unwrap_or(0) * 2 + 4
}

/// Adds `n` free records of workload `wi`'s ReplicaSet `g`.
pub(crate) fn add_replicas(
    run: &mut Run<'_>,
    wi: usize,
    g: usize,
    n: usize,
) -> Result<(), SimError> {
    let w = run.workloads[wi].gens[g].workload.clone();
    let already: Vec<k::Pod> = run.k8s_pods.clone();
    let pods = run
        .scenario
        .new_replicas(&w, n, &already)
        .map_err(|e| SimError::from(e.at(&run.sim.path)))?;
    for p in pods {
        let spec = run
            .scenario
            .spec_pod(&p)
            .map_err(|e| SimError::from(e.at(&run.sim.path)))?;
        let mut pod = pod_record(&run.table, &run.scenario, &p, Some((wi, g)))?;
        pod.phase = Phase::Free;
        if let Some(m) = run.members.get_mut(wi) {
            m.push(run.pods.len());
        }
        run.pods.push(pod);
        run.specs.push(spec);
        run.k8s_pods.push(p);
    }
    run.dirty = true;
    Ok(())
}

fn pod_record(
    table: &SpecTable,
    scenario: &Scenario,
    p: &k::Pod,
    owner: Option<(usize, usize)>,
) -> Result<Pod, SimError> {
    let key = format!(
        "{}/{}",
        p.metadata.namespace.as_deref().unwrap_or("default"),
        p.metadata.name.as_deref().unwrap_or_default()
    );
    let (cpu, _) = specs::eci_requests(p).map_err(|e| SimError::from(e.at(&scenario.path)))?;
    let containers = p
        .spec
        .as_ref()
        .map(|s| s.containers.as_slice())
        .unwrap_or_default();
    let limits: Option<i64> = containers
        .iter()
        .map(|c| {
            c.resources
                .as_ref()
                .and_then(|r| r.limits.as_ref())
                .and_then(|l| l.get("cpu"))
                .and_then(|q| spillway_core::Quantity::parse(&q.0).ok())
                .map(|q| q.milli_value())
        })
        .sum();
    Ok(Pod {
        key,
        owner,
        managed: p
            .metadata
            .owner_references
            .iter()
            .flatten()
            .any(|o| o.controller == Some(true)),
        phase: Phase::Free,
        created: 0,
        eci_price: specs::size(p, table, &scenario.ack)
            .ok()
            .and_then(|s| s.price_per_second),
        cpu_request_milli: cpu,
        cpu_limit_milli: limits.filter(|_| !containers.is_empty()),
    })
}

fn node(scenario: &Scenario, n: &k::Node, spec: spillway_core::spec::Node) -> Node {
    let labels = n.metadata.labels.as_ref();
    let price = labels
        .and_then(|l| l.get(INSTANCE_TYPE))
        .and_then(|t| scenario.ack.instance_types.get(t))
        .and_then(|t| t.price_per_hour)
        .map(|p| p / 3600.0);
    let kind = virtual_node::node_kind(n);
    Node {
        name: spec.name.clone(),
        zone: labels.and_then(|l| l.get(ZONE_LABEL)).cloned(),
        zone_id: 0,
        virtual_node: kind.is_virtual(),
        down_since: None,
        cordoned: false,
        price: if kind.is_virtual() { None } else { price },
        spec,
    }
}

/// The workload's Deployment strategy.
fn rolling(scenario: &Scenario, w: &WorkloadRef) -> Rolling {
    let d = w.deployment.as_deref().and_then(|d| {
        scenario
            .deployments
            .iter()
            .find(|x| x.metadata.name.as_deref() == Some(d))
    });
    let strategy = d
        .and_then(|d| d.spec.as_ref())
        .and_then(|s| s.strategy.as_ref());
    let update = strategy.and_then(|s| s.rolling_update.as_ref());
    Rolling {
        max_surge: Amount::from_k8s(update.and_then(|u| u.max_surge.as_ref()), 25),
        max_unavailable: Amount::from_k8s(update.and_then(|u| u.max_unavailable.as_ref()), 25),
        recreate: strategy.and_then(|s| s.type_.as_deref()) == Some("Recreate"),
    }
}

/// A rollout: the Deployment's template changes; a new ReplicaSet (generation)
/// with its own pool of records joins the workload.
pub(crate) fn rollout(
    run: &mut Run<'_>,
    t: u64,
    workload: &str,
    image: Option<&str>,
    requests: Option<&BTreeMap<String, String>>,
) -> Result<(), SimError> {
    let Some(wi) = run.workloads.iter().position(|w| w.name == workload) else {
        return Ok(());
    };
    let current = run.workloads[wi].gens.last().map(|g| g.workload.clone());
    let Some(current) = current else {
        return Ok(());
    };
    let next = run
        .scenario
        .rollout(&current, |tmpl| {
            let meta = tmpl.metadata.get_or_insert_with(Default::default);
            meta.annotations
                .get_or_insert_with(BTreeMap::new)
                .insert("spillway.dev/rollout".into(), t.to_string());
            let Some(spec) = tmpl.spec.as_mut() else {
                return;
            };
            for c in &mut spec.containers {
                if let Some(image) = image {
                    c.image = Some(image.to_string());
                }
            }
            if let (Some(req), Some(c)) = (requests, spec.containers.first_mut()) {
                let r = c.resources.get_or_insert_with(Default::default);
                let map = r.requests.get_or_insert_with(BTreeMap::new);
                for (k, v) in req {
                    map.insert(
                        k.clone(),
                        k8s_openapi::apimachinery::pkg::api::resource::Quantity(v.clone()),
                    );
                }
            }
        })
        .map_err(|e| SimError::from(e.at(&run.sim.path)))?;
    run.workloads[wi].gens.push(Gen {
        workload: next,
        target: 0,
    });
    let g = run.workloads[wi].gens.len() - 1;
    let size = pool_size(run.sim, wi);
    add_replicas(run, wi, g, size)
}

/// Adds a node to pool `pool`, as a copy of its template; returns its name.
pub(crate) fn add_pool_node(run: &mut Run<'_>, pool: usize) -> Result<String, SimError> {
    let Some(p) = run.sim.file.settings.node_pools.get(pool) else {
        return Ok(String::new());
    };
    let Some(template) = run
        .scenario
        .nodes
        .iter()
        .find(|n| n.metadata.name.as_deref() == Some(p.template.as_str()))
        .cloned()
    else {
        return Ok(String::new());
    };
    let added = run.pool_added.get(pool).copied().unwrap_or(0) + 1;
    if let Some(a) = run.pool_added.get_mut(pool) {
        *a = added;
    }
    let name = format!("{}-pool-{added}", p.template);
    let mut n = template;
    n.metadata.name = Some(name.clone());
    let labels = n.metadata.labels.get_or_insert_with(BTreeMap::new);
    labels.insert("kubernetes.io/hostname".into(), name.clone());
    if !p.zones.is_empty() {
        let zone = p.zones[(added - 1) % p.zones.len()].clone();
        labels.insert(ZONE_LABEL.into(), zone);
    }
    if let Some(status) = n.status.as_mut() {
        status.images = None;
    }
    let spec = spillway_kube::node(&n).map_err(|e| SimError::from(e.at(&run.sim.path)))?;
    let node = node(&run.scenario, &n, spec);
    run.nodes.push(node);
    run.number_zones();
    Ok(name)
}

impl Run<'_> {
    /// Numbers the zones (sorted by name) and sets every node's zone id.
    pub(crate) fn number_zones(&mut self) {
        let mut zones: Vec<String> = self
            .nodes
            .iter()
            .map(|n| n.zone.clone().unwrap_or_else(|| "<none>".into()))
            .collect();
        zones.sort();
        zones.dedup();
        for n in &mut self.nodes {
            let z = n.zone.as_deref().unwrap_or("<none>");
            n.zone_id = zones.iter().position(|x| x == z).unwrap_or(0);
        }
        self.zones = zones;
    }
}
