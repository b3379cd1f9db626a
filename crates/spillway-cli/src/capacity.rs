//! `spillway capacity`.

use std::io::Write;
use std::path::{Path, PathBuf};

use comfy_table::{Table, presets::NOTHING};
use serde_json::json;
use spillway_kube::Scenario;
use spillway_kube::capacity::{self, Capacity, NodesNeeded, Probe};

use crate::Output;
use crate::explain::NotFound;

/// What to ask.
pub(crate) struct Args<'a> {
    pub scenario: &'a Path,
    pub pod: Option<&'a PathBuf>,
    pub workload: Option<&'a str>,
    pub max: usize,
    pub add_nodes: Option<&'a str>,
    pub zones: &'a [String],
    pub replicas: Option<usize>,
    pub output: Output,
}

pub(crate) fn run(args: &Args<'_>) -> anyhow::Result<()> {
    let scenario = Scenario::load(args.scenario)?;
    let probe = match (args.pod, args.workload) {
        (Some(file), _) => {
            let objects = Scenario::load_objects(file)?;
            let pod = objects
                .incoming
                .into_iter()
                .chain(objects.running)
                .next()
                .ok_or_else(|| NotFound(format!("{}: no Pod in the file", file.display())))?;
            Probe::Pod(Box::new(pod))
        }
        (None, Some(name)) => Probe::Workload(name.to_string()),
        (None, None) => return Err(NotFound("give --pod FILE or --workload NAME".into()).into()),
    };
    let mut out = std::io::stdout().lock();
    match args.add_nodes {
        None => {
            let c = capacity::capacity(&scenario, &probe, args.max)?;
            match args.output {
                Output::Json => serde_json::to_writer_pretty(&mut out, &c)?,
                Output::Table => write!(out, "{}", capacity_text(&c))?,
            }
        }
        Some(template) => {
            let node = template_node(&scenario, template)?;
            let replicas = args.replicas.unwrap_or(args.max);
            let n = capacity::nodes_needed(&scenario, &probe, &node, args.zones, replicas)?;
            match args.output {
                Output::Json => serde_json::to_writer_pretty(
                    &mut out,
                    &json!({"template": node.metadata.name, "replicas": replicas, "result": n}),
                )?,
                Output::Table => {
                    let name = node.metadata.name.clone().unwrap_or_default();
                    write!(out, "{}", nodes_text(&name, replicas, &n))?;
                }
            }
        }
    }
    if args.output == Output::Json {
        writeln!(out)?;
    }
    Ok(())
}

/// A node of the scenario by name, or the first node of a file.
fn template_node(
    scenario: &Scenario,
    template: &str,
) -> anyhow::Result<k8s_openapi::api::core::v1::Node> {
    if let Some(n) = scenario
        .nodes
        .iter()
        .find(|n| n.metadata.name.as_deref() == Some(template))
    {
        return Ok(n.clone());
    }
    let path = Path::new(template);
    if !path.exists() {
        return Err(NotFound(format!(
            "--add-nodes {template:?}: neither a node of the scenario nor a file"
        ))
        .into());
    }
    let objects = Scenario::load_objects(path)?;
    objects
        .nodes
        .into_iter()
        .next()
        .ok_or_else(|| NotFound(format!("{template}: no Node in the file")).into())
}

fn capacity_text(c: &Capacity) -> String {
    let mut s = String::new();
    s.push_str(&format!(
        "{} more replica(s) fit on ECS before overflow to ECI starts; {} on ECS in all, {} on ECI.\n",
        c.ecs_before_overflow, c.ecs, c.eci
    ));
    s.push_str(&format!("Stopped at {}.\n", c.stopped));
    if c.eci > 0 {
        match c.eci_price_per_hour {
            Some(p) => s.push_str(&format!("The ECI replicas cost {p:.4} {}/h.\n", c.currency)),
            None => s.push_str("Some ECI replicas have no price (unknown instance type).\n"),
        }
    }
    let mut by_node = Table::new();
    by_node
        .load_preset(NOTHING)
        .set_header(["NODE", "ZONE", "KIND", "REPLICAS"]);
    for (node, zone, eci, n) in c.per_node() {
        by_node.add_row([
            node,
            zone.unwrap_or_else(|| "-".into()),
            if eci { "ECI".into() } else { "ECS".to_string() },
            n.to_string(),
        ]);
    }
    let mut by_zone = Table::new();
    by_zone
        .load_preset(NOTHING)
        .set_header(["ZONE", "ECS", "ECI"]);
    for (zone, ecs, eci) in c.per_zone() {
        by_zone.add_row([zone, ecs.to_string(), eci.to_string()]);
    }
    for t in [&mut by_node, &mut by_zone] {
        for column in t.column_iter_mut() {
            column.set_padding((0, 3));
        }
        s.push('\n');
        s.extend(t.lines().map(|l| format!("{}\n", l.trim_end())));
    }
    s
}

fn nodes_text(template: &str, replicas: usize, n: &NodesNeeded) -> String {
    let mut s = match n.nodes {
        Some(0) => {
            format!("{replicas} replica(s) already stay on ECS: no node of {template} is needed.\n")
        }
        Some(k) => format!("{k} more node(s) like {template} keep {replicas} replica(s) on ECS.\n"),
        None => format!(
            "No number of nodes like {template} keeps {replicas} replica(s) off ECI (tried up to one node per replica): the template does not take the replicas, or scoring prefers virtual nodes; see `spillway doctor`.\n"
        ),
    };
    if let (Some(k), Some(price)) = (n.nodes.filter(|k| *k > 0), n.node_price_per_hour) {
        s.push_str(&format!(
            "They cost {:.4}/h ({} at {price:.4}/h each, in the ECI prices' currency).\n",
            price * k as f64,
            n.instance_type.as_deref().unwrap_or("?")
        ));
    }
    s.push_str("Tried (nodes added: replicas not on ECS):");
    for (k, off) in &n.tried {
        s.push_str(&format!(" {k}:{off}"));
    }
    s.push('\n');
    s
}
