//! Placement throughput (pods/s) on kube-scheduler `scheduler_perf` shapes, every
//! node filtered and scored. Run: `cargo bench -p spillway-benches`.
#![allow(missing_docs)] // criterion_group! generates undocumented items.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use spillway_benches::workloads;
use spillway_core::framework::Placer;
use spillway_core::{Cluster, ClusterSpec, Profile, Scheduler, TieBreak, TieBreaker};

/// Schedules every incoming pod of a compiled workload from its initial state.
fn bench_workload(c: &mut Criterion, name: &str, spec: &ClusterSpec) {
    let snapshot = match Cluster::compile(spec) {
        Ok(s) => s,
        Err(e) => panic!("{name}: workload does not compile: {e}"),
    };
    let scheduler = Scheduler::new(&snapshot.cluster, Profile::default());
    let mut group = c.benchmark_group(name);
    group.sample_size(10);
    group.throughput(Throughput::Elements(snapshot.incoming.len() as u64));
    group.bench_function("place", |b| {
        b.iter(|| {
            let mut state = snapshot.state.clone();
            let mut tie = TieBreaker::new(TieBreak::Name);
            let mut placer = Placer::new(&scheduler);
            let mut placed = 0usize;
            for &pod in &snapshot.incoming {
                placed += usize::from(placer.place(&mut state, pod, &mut tie).is_some());
            }
            placed
        });
    });
    group.finish();
}

fn benches(c: &mut Criterion) {
    for w in workloads() {
        bench_workload(c, w.name, &(w.build)());
    }
}

criterion_group!(schedule, benches);
criterion_main!(schedule);
