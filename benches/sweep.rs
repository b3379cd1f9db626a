//! Sweep scaling: 1,000 runs of the bundled simulation (examples/asm-gateway-spike.yaml,
//! the spike's peak varied) on 1 and on 2 threads (issue target: ≥ 1.8× from 1 to
//! 2). Run: `cargo bench -p spillway-benches --bench sweep`.
#![allow(missing_docs)] // criterion_group! generates undocumented items.

use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use spillway_sim::sweep::{self, Vary};

const FILE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../examples/asm-gateway-spike.yaml"
);
const RUNS: usize = 1000;

fn benches(c: &mut Criterion) {
    let vary = match Vary::parse(
        "workloads.istiogateway/ingressgateway-1.load.trace.sum[1].spike.peak=10000..40000",
    ) {
        Ok(v) => vec![v],
        Err(e) => panic!("{e}"),
    };
    let mut group = c.benchmark_group("sweep_1000_runs_bundled");
    group.sample_size(10);
    for threads in [1, 2] {
        group.bench_function(format!("{threads}_threads"), |b| {
            b.iter(|| {
                match sweep::sweep(Path::new(FILE), RUNS, &vary, None, Some(threads), || {}) {
                    Ok(r) => r.records.len(),
                    Err(e) => panic!("{e}"),
                }
            })
        });
    }
    group.finish();
}

criterion_group!(sweep_scaling, benches);
criterion_main!(sweep_scaling);
