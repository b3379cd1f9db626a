//! The memory a large compiled snapshot holds: 5,000 nodes and 150,000 running pods.
//! Run: `cargo run --release -p spillway-benches --example memory`.
//! (Its own process, with a counting allocator that would slow the other measurements.)

use std::time::Instant;

use spillway_benches::scheduling_basic;
use spillway_core::Cluster;

/// Counts live heap bytes, so that the snapshot's own size can be read apart from
/// the input it was compiled from (resident memory keeps freed pages).
#[global_allocator]
static HEAP: cap::Cap<std::alloc::System> = cap::Cap::new(std::alloc::System, usize::MAX);

fn memory() {
    let mib = |bytes: usize| bytes as f64 / (1024.0 * 1024.0);
    let base = HEAP.allocated();
    let spec = scheduling_basic(5000, 150_000, 0);
    let input = HEAP.allocated() - base;
    let start = Instant::now();
    let snapshot = Cluster::compile(&spec).unwrap_or_else(|e| panic!("{e}"));
    let compile = start.elapsed().as_secs_f64();
    drop(spec);
    println!(
        "Compiled snapshot of 5,000 nodes + 150,000 running pods ({} template): compiled in {compile:.2} s; \
         it holds {:.0} MiB of heap (the input spec held {:.0} MiB); peak resident memory of the process \
         {:.0} MiB, {:.0} MiB resident once the input is dropped (freed pages stay mapped).",
        snapshot.cluster.template_count(),
        mib(HEAP.allocated() - base),
        mib(input),
        peak_rss_mib().unwrap_or(f64::NAN),
        rss_mib().unwrap_or(f64::NAN),
    );
}

/// Peak resident memory of this process, from /proc (Linux), in MiB.
fn peak_rss_mib() -> Option<f64> {
    proc_status_mib("VmHWM:")
}

/// Current resident memory of this process, in MiB.
fn rss_mib() -> Option<f64> {
    proc_status_mib("VmRSS:")
}

fn proc_status_mib(field: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn main() {
    memory();
}
