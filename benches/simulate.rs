//! The simulator: a 24-hour trace at 15 s steps on 1,000 nodes with 10
//! workloads (issue target: ≤ 1 s). Run: `cargo bench -p spillway-benches --bench simulate`.
#![allow(missing_docs)] // criterion_group! generates undocumented items.

use criterion::{Criterion, criterion_group, criterion_main};
use spillway_benches::simulation_day;
use spillway_sim::Simulation;

fn load(nodes: usize, workloads: usize) -> Simulation {
    let (scenario, sim) = simulation_day(nodes, workloads);
    let dir = std::env::temp_dir().join(format!("spillway-bench-sim-{}", std::process::id()));
    if let Err(e) = std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::write(dir.join("cluster.yaml"), scenario))
        .and_then(|()| std::fs::write(dir.join("sim.yaml"), sim))
    {
        panic!("{}: {e}", dir.display());
    }
    match Simulation::load(&dir.join("sim.yaml")) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    }
}

fn benches(c: &mut Criterion) {
    let sim = load(1000, 10);
    let mut group = c.benchmark_group("simulate_24h_15s_1000n_10w");
    group.sample_size(10);
    group.bench_function("run", |b| b.iter(|| sim.run(None).map(|o| o.steps.len())));
    group.finish();
}

criterion_group!(simulate, benches);
criterion_main!(simulate);
