//! The Deployment and ReplicaSet controllers: how many pods each ReplicaSet of a
//! workload should have (rolling updates honouring maxSurge and maxUnavailable),
//! creating pods from the ReplicaSet's template, and choosing which pods to delete
//! as the ReplicaSet controller ranks them.

use std::cmp::Reverse;
use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use spillway_kube::replicas::WorkloadRef;

use crate::run::{Phase, Pod, Run};

/// One ReplicaSet of a workload.
#[derive(Debug, Clone)]
pub(crate) struct Gen {
    /// The scenario's workload, pointing at this ReplicaSet.
    pub workload: WorkloadRef,
    /// `spec.replicas` of the ReplicaSet.
    pub target: i32,
}

/// A Deployment's rolling update parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Rolling {
    pub max_surge: Amount,
    pub max_unavailable: Amount,
    /// `Recreate` strategy: old pods go before new ones come.
    pub recreate: bool,
}

/// An IntOrString of a rolling update.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Amount {
    Count(i32),
    Percent(i32),
}

impl Amount {
    pub(crate) fn from_k8s(v: Option<&IntOrString>, default_percent: i32) -> Amount {
        match v {
            Some(IntOrString::Int(n)) => Amount::Count(*n),
            Some(IntOrString::String(s)) => s
                .trim_end_matches('%')
                .parse()
                .map(Amount::Percent)
                .unwrap_or(Amount::Percent(default_percent)),
            None => Amount::Percent(default_percent),
        }
    }

    /// `intstr.GetScaledValueFromIntOrPercent`.
    fn scaled(self, total: i32, round_up: bool) -> i32 {
        match self {
            Amount::Count(n) => n,
            Amount::Percent(p) => {
                let x = i64::from(p) * i64::from(total);
                let v = if round_up { (x + 99) / 100 } else { x / 100 };
                i32::try_from(v).unwrap_or(i32::MAX)
            }
        }
    }
}

impl Default for Rolling {
    fn default() -> Rolling {
        Rolling {
            max_surge: Amount::Percent(25),
            max_unavailable: Amount::Percent(25),
            recreate: false,
        }
    }
}

/// `deploymentutil.ResolveFenceposts`: surge rounds up, unavailable down, and
/// both zero means one unavailable.
fn fenceposts(r: Rolling, desired: i32) -> (i32, i32) {
    let surge = r.max_surge.scaled(desired, true).max(0);
    let mut unavailable = r.max_unavailable.scaled(desired, false).max(0);
    if surge == 0 && unavailable == 0 {
        unavailable = 1;
    }
    (surge, unavailable)
}

/// Brings workload `wi` toward its desired replicas at `t`: sets each
/// ReplicaSet's target, creates pods (Pending) and returns the pods to delete.
pub(crate) fn reconcile(run: &mut Run<'_>, wi: usize, t: u64) -> Vec<usize> {
    let desired = run.workloads[wi].desired.max(0);
    let gens = run.workloads[wi].gens.len();
    let last = gens.saturating_sub(1);
    let mut alive = vec![0i32; gens];
    let mut ready = vec![0i32; gens];
    for p in run.members[wi]
        .iter()
        .map(|&i| &run.pods[i])
        .filter(|p| p.alive())
    {
        if let Some((_, g)) = p.owner {
            alive[g] += 1;
            if run.ready_at(t, p) {
                ready[g] += 1;
            }
        }
    }
    let rollout = (0..last).any(|g| alive[g] > 0 || run.workloads[wi].gens[g].target > 0);
    let rolling = run.workloads[wi].rolling;
    let w = &mut run.workloads[wi];
    if !rollout {
        w.gens[last].target = desired;
    } else if rolling.recreate {
        // Recreate: old ReplicaSets to zero; the new one once they are gone.
        for g in 0..last {
            w.gens[g].target = 0;
        }
        let old_alive: i32 = alive[..last].iter().sum();
        w.gens[last].target = if old_alive == 0 { desired } else { 0 };
    } else {
        let (surge, unavailable) = fenceposts(rolling, desired);
        // Scale the new ReplicaSet up within maxSurge.
        let total: i32 = w.gens.iter().map(|g| g.target).sum();
        let new = &mut w.gens[last];
        if new.target > desired {
            new.target = desired;
        } else if new.target < desired {
            let allowed = desired + surge - total;
            if allowed > 0 {
                new.target = (new.target + allowed).min(desired);
            }
        }
        // Scale old ReplicaSets down within maxUnavailable.
        let min_available = desired - unavailable;
        let new_unavailable = (w.gens[last].target - ready[last]).max(0);
        let all: i32 = w.gens.iter().map(|g| g.target).sum();
        let mut max_down = all - min_available - new_unavailable;
        if max_down > 0 {
            // First the unhealthy replicas of old ReplicaSets, oldest first.
            for (rs, ready) in w.gens.iter_mut().zip(&ready).take(last) {
                let unhealthy = (rs.target - ready).max(0);
                let cut = unhealthy.min(max_down);
                rs.target -= cut;
                max_down -= cut;
            }
            let available: i32 = ready.iter().sum();
            let mut down = (available - min_available).max(0);
            for g in 0..last {
                if down == 0 {
                    break;
                }
                let cut = w.gens[g].target.min(down);
                w.gens[g].target -= cut;
                down -= cut;
            }
        }
    }
    let targets: Vec<i32> = run.workloads[wi].gens.iter().map(|g| g.target).collect();
    let mut deletes = Vec::new();
    for (g, &target) in targets.iter().enumerate() {
        let have = alive[g];
        if have < target {
            create(run, wi, g, (target - have) as usize, t);
        } else if have > target {
            deletes.extend(victims(run, wi, g, (have - target) as usize, t));
        }
    }
    deletes
}

/// Creates `n` pods of ReplicaSet `g` from its free records.
fn create(run: &mut Run<'_>, wi: usize, g: usize, n: usize, t: u64) {
    let mut made = 0;
    for &i in &run.members[wi] {
        if made == n {
            break;
        }
        let p = &mut run.pods[i];
        if p.owner == Some((wi, g)) && p.phase == Phase::Free {
            p.phase = Phase::Pending {
                since: t,
                span: None,
            };
            p.created = t;
            made += 1;
        }
    }
    if made < n {
        // The pool ran dry: more records next step (the cluster recompiles).
        run.grow_pool(wi, g, n - made);
    }
}

/// The ReplicaSet controller's choice of pods to delete (`getPodsToDelete`:
/// `ActivePodsWithRanks`, ranked by related pods on the same node, with the
/// LogarithmicScaleDown comparisons of v1.35). Pod UIDs, random upstream, are
/// stood in for by pod names.
fn victims(run: &Run<'_>, wi: usize, g: usize, n: usize, t: u64) -> Vec<usize> {
    // Related pods: every pod of the workload, by node.
    let mut per_node: BTreeMap<usize, usize> = BTreeMap::new();
    for p in run.members[wi].iter().map(|&i| &run.pods[i]) {
        if let Phase::Bound { node, .. } = p.phase {
            *per_node.entry(node).or_default() += 1;
        }
    }
    let mut mine: Vec<usize> = run.members[wi]
        .iter()
        .copied()
        .filter(|&i| run.pods[i].owner == Some((wi, g)) && run.pods[i].alive())
        .collect();
    mine.sort_by_cached_key(|&i| rank_key(run, &per_node, t, i));
    mine.truncate(n);
    mine
}

/// `ActivePodsWithRanks.Less` as a sort key (smaller is deleted first):
/// unassigned before assigned; Pending (a bound pod still starting) before
/// Running; not ready before ready; more related pods on the node first; ready
/// for less time first and newer first, in logarithmic buckets; then the UID.
/// Upstream's comparison is not a total order (a UID decides as soon as two ready
/// times differ within a bucket); as a key it is one, and agrees with upstream
/// wherever upstream is consistent.
fn rank_key(
    run: &Run<'_>,
    per_node: &BTreeMap<usize, usize>,
    t: u64,
    i: usize,
) -> (bool, bool, bool, Reverse<usize>, i64, i64, String) {
    let p: &Pod = &run.pods[i];
    let (node, ready_at) = match p.phase {
        Phase::Bound { node, ready_at } => (Some(node), Some(ready_at)),
        _ => (None, None),
    };
    let ready = run.ready_at(t, p);
    let rank = node.and_then(|n| per_node.get(&n).copied()).unwrap_or(0);
    (
        node.is_some(),
        ready_at.is_some_and(|r| t >= r),
        ready,
        Reverse(rank),
        if ready {
            ready_at.map_or(-1, |r| log_bucket(t, r))
        } else {
            -1
        },
        log_bucket(t, p.created),
        p.key.clone(),
    )
}

/// `logarithmicRankDiff`'s rank of a time: log2 of the nanoseconds since it, -1
/// for no time at all.
fn log_bucket(now: u64, then: u64) -> i64 {
    let d = now.saturating_sub(then);
    if d == 0 {
        -1
    } else {
        ((d as f64) * 1e9).log2() as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fenceposts_round_surge_up_and_unavailable_down() {
        let r = Rolling::default();
        assert_eq!(fenceposts(r, 10), (3, 2));
        assert_eq!(fenceposts(r, 1), (1, 0));
        let zero = Rolling {
            max_surge: Amount::Count(0),
            max_unavailable: Amount::Percent(0),
            recreate: false,
        };
        assert_eq!(fenceposts(zero, 4), (0, 1));
        assert_eq!(
            Amount::from_k8s(Some(&IntOrString::String("100%".into())), 25),
            Amount::Percent(100)
        );
        assert_eq!(
            Amount::from_k8s(Some(&IntOrString::Int(2)), 25),
            Amount::Count(2)
        );
    }
}
