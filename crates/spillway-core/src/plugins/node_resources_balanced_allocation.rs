//! NodeResourcesBalancedAllocation: favours nodes whose resource fractions stay
//! close to each other after placing the pod (`1 - std`, scaled to 100).

use super::MAX_NODE_SCORE;

/// `balancedResourceScorer`.
pub(crate) fn score(requested: &[i64], allocatable: &[i64]) -> i64 {
    let mut fractions = [0f64; 8];
    let mut extra: Vec<f64> = Vec::new();
    let mut n = 0usize;
    let mut total = 0f64;
    for (&r, &a) in requested.iter().zip(allocatable) {
        if a == 0 {
            continue;
        }
        let f = (r as f64 / a as f64).min(1.0);
        total += f;
        if n < fractions.len() {
            fractions[n] = f;
        } else {
            extra.push(f);
        }
        n += 1;
    }
    let all = fractions[..n.min(fractions.len())].iter().chain(&extra);
    let std = match n {
        2 => ((fractions[0] - fractions[1]) / 2.0).abs(),
        0 | 1 => 0.0,
        _ => {
            let mean = total / n as f64;
            let sum: f64 = all.map(|f| (f - mean) * (f - mean)).sum();
            (sum / n as f64).sqrt()
        }
    };
    ((1.0 - std) * MAX_NODE_SCORE as f64) as i64
}
