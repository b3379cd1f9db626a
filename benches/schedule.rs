//! Placement throughput (pods/s) on kube-scheduler `scheduler_perf` shapes, every
//! node filtered and scored. Run: `cargo bench -p spillway-benches`.
#![allow(missing_docs)] // criterion_group! generates undocumented items.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use spillway_benches::{
    asm_overflow, pod_affinity, pod_anti_affinity, preferred_pod_affinity, scheduling_basic,
    topology_spreading,
};
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
            let mut placed = 0usize;
            for &pod in &snapshot.incoming {
                placed += usize::from(
                    scheduler
                        .schedule(&mut state, pod, &mut tie)
                        .assigned
                        .is_some(),
                );
            }
            placed
        });
    });
    group.finish();
}

fn benches(c: &mut Criterion) {
    bench_workload(
        c,
        "scheduling_basic_5000n_1000i_10000p",
        &scheduling_basic(5000, 1000, 10_000),
    );
    bench_workload(c, "asm_overflow_5000n_10000p", &asm_overflow(5000, 10_000));
    let w = pod_anti_affinity(5000, 1000, 2000);
    bench_workload(c, "pod_anti_affinity_5000n_1000i_2000p", &w);
    let w = pod_affinity(5000, 5000, 5000);
    bench_workload(c, "pod_affinity_5000n_5000i_5000p", &w);
    let w = preferred_pod_affinity(5000, 5000, 5000, false);
    bench_workload(c, "preferred_affinity_5000n_5000i_5000p", &w);
    let w = preferred_pod_affinity(5000, 5000, 5000, true);
    bench_workload(c, "preferred_anti_affinity_5000n_5000i_5000p", &w);
    let w = topology_spreading(5000, 5000, 5000, true);
    bench_workload(c, "topology_spreading_5000n_5000i_5000p", &w);
    let w = topology_spreading(5000, 5000, 5000, false);
    bench_workload(c, "preferred_topology_spreading_5000n_5000i_5000p", &w);
}

criterion_group!(schedule, benches);
criterion_main!(schedule);
