//! `Quantity::parse` on arbitrary UTF-8: never panics, and every accepted value
//! keeps the invariants that upstream's rounding rules guarantee.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spillway_core::Quantity;

/// `n / unit` rounded away from zero, saturated to `i64` (the documented rule of
/// `value()` and `milli_value()`), computed independently of the crate.
fn away_from_zero(n: i128, unit: i128) -> i64 {
    let mag = n.unsigned_abs().div_ceil(unit.unsigned_abs());
    let signed = if n < 0 { -(mag as i128) } else { mag as i128 };
    signed.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
}

fuzz_target!(|s: &str| {
    let Ok(q) = Quantity::parse(s) else {
        return;
    };
    let n = q.nanos();
    // Upstream's grammar: `^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$` (the
    // number may be empty); in particular no whitespace anywhere.
    assert!(
        s.bytes().all(|b| b"+-.0123456789eEinumkKMGTP".contains(&b)),
        "{s:?} accepted with a character outside the grammar"
    );
    // Accessors round up in magnitude and saturate.
    assert_eq!(
        q.value(),
        away_from_zero(n, 1_000_000_000),
        "value of {s:?}"
    );
    assert_eq!(
        q.milli_value(),
        away_from_zero(n, 1_000_000),
        "milli_value of {s:?}"
    );
    // ceil(ceil(x / 10^6) / 1000) = ceil(x / 10^9): value and milli_value agree
    // whenever milli_value did not saturate.
    let m = i128::from(q.milli_value());
    if m.abs() < i128::from(i64::MAX) {
        let from_milli = away_from_zero(m * 1_000_000, 1_000_000_000);
        assert_eq!(q.value(), from_milli, "value vs milli_value of {s:?}");
    }
    // Sign and zero are kept by rounding away from zero.
    assert_eq!(q.is_negative(), n < 0);
    assert_eq!(q.is_zero(), q.value() == 0);
    assert_eq!(q.is_zero(), q.milli_value() == 0);
    // Binary-suffixed values are capped at 2^63 - 1 in magnitude.
    if s.ends_with('i') {
        assert!(
            n.unsigned_abs() <= (i64::MAX as u128) * 1_000_000_000,
            "{s:?}: BinarySI beyond 2^63 - 1"
        );
    }
    // The canonical form parses back to the same value (documented for every
    // quantity but i128::MIN nano-units, which parsing never yields).
    let shown = q.to_string();
    assert_eq!(Quantity::parse(&shown), Ok(q), "{s:?} shown as {shown:?}");
});
