//! Kubernetes resource quantities (`k8s.io/apimachinery/pkg/api/resource.Quantity`).
//!
//! [`Quantity::parse`] is a port of apimachinery's `ParseQuantity` (including its
//! scanner `parseQuantityString` and the suffix table of `suffix.go`) as shipped
//! with Kubernetes v1.35. It accepts and rejects exactly the strings upstream
//! accepts and rejects, with the same error for each, and yields the same number,
//! with three exceptions, all far outside any real resource amount:
//!
//! * Upstream holds arbitrarily large decimal values (`"1e40"`, `"1000000E"`). A
//!   [`Quantity`] holds an `i128` count of nano-units, so magnitudes above
//!   `i128::MAX` nano-units (about 1.7 × 10^29 units) are rejected with
//!   [`QuantityError::TooLarge`]. Binary-suffixed values never reach that bound:
//!   upstream caps them at 2^63 − 1, and so does this port.
//! * A decimal exponent of very large magnitude (for example `"1e-2147483647"`,
//!   or one that upstream's int32 arithmetic wraps there) makes upstream's
//!   rounding step compute a number with up to billions of digits; this port
//!   answers at once, in time linear in the input (here: 1n, or
//!   [`QuantityError::TooLarge`] for the huge ones).
//! * `i128::MIN` nano-units can be built with [`Quantity::from_nanos`] but not
//!   parsed: the magnitude limit is symmetric.
//!
//! Every accepted value is stored rounded *up in magnitude* (away from zero) to a
//! whole nano-unit, exactly like upstream's `inf.RoundUp` on the absolute value:
//! `"0.1n"` is 1n and `"-0.1n"` is −1n.
//!
//! Quirks of upstream that this port keeps on purpose, because they decide what
//! the API server accepts:
//!
//! * The exponent of `e`/`E` is read as an `int64` and then truncated to `int32`
//!   (`"1e4294967297"` is 10; `"1e9223372036854775807"` is 0.1).
//! * A number may have no digits at all: `"."`, `"-"`, `"+"`, `"k"`, `"Ki"`,
//!   `"e5"` all parse as 0. Whether such a string is instead rejected with
//!   [`QuantityError::Numeric`] depends on upstream's fast/slow path split
//!   (`"Pi"`, `"Ei"`, `"e-10"` are rejected), and that split is reproduced here.
//! * `"1."` and `"1.G"` are accepted; `"E"` alone is the exa suffix, while `"e"`
//!   alone is not a suffix.
//! * No whitespace is allowed anywhere. (Upstream's *JSON* decoding trims
//!   surrounding whitespace with `strings.TrimSpace` before parsing; a caller that
//!   reads a JSON or YAML string should trim it the same way before calling
//!   [`Quantity::parse`].)
//!
//! [`Quantity::milli_value`] and [`Quantity::value`] agree with v1.35's
//! `MilliValue()` and `Value()` for every non-negative quantity whose result fits
//! an `i64`. Beyond that they follow the contract upstream documents and has since
//! fixed toward (kubernetes/kubernetes#141166), not v1.35's accidents: results
//! saturate at the `i64` bounds (v1.35 returns 0 for `"100E"` and `i64::MIN` for
//! `"9223372036854775808"`), and negative values round away from zero as v1.35's
//! int64 representation does (its inf.Dec representation gives `-.50949Ki`, which
//! is −521.71776, a `Value()` of −520, and `-9.5Gi` one of 8246196746).

use std::fmt;
use std::str::FromStr;

/// Nano-units in one unit.
const NANOS_PER_UNIT: i128 = 1_000_000_000;
/// Nano-units in one milli-unit.
const NANOS_PER_MILLI: i128 = 1_000_000;
/// Upstream's `maxAllowed` (2^63 − 1) in nano-units: the cap on BinarySI values.
const BINARY_SI_CAP_NANOS: u128 = (i64::MAX as u128) * 1_000_000_000;
/// `maxInt64Factors` of upstream's `math.go` (v1.35).
const MAX_INT64_FACTORS: i32 = 18;
/// `Nano` of upstream's `amount.go`.
const NANO_SCALE: i32 = -9;

/// An exact resource quantity stored as an integer count of nano-units (value × 10^9),
/// rounded up to the nano-unit at parse time exactly as apimachinery does.
///
/// Parse with [`Quantity::parse`] or [`str::parse`]; read it back like kube-scheduler
/// does with [`Quantity::milli_value`] (cpu) and [`Quantity::value`] (memory, storage,
/// pods, extended resources). Ordering and equality compare the numeric value, so
/// `"1"`, `"1000m"` and `"1e3m"` are equal.
///
/// ```
/// use spillway_core::Quantity;
///
/// let cpu: Quantity = "200m".parse()?;
/// assert_eq!(cpu.milli_value(), 200);
///
/// let memory = Quantity::parse("256Mi")?;
/// assert_eq!(memory.value(), 268_435_456);
///
/// // Finer than a nano-unit rounds up; integer accessors round up as well.
/// let tiny = Quantity::parse("0.1m")?;
/// assert_eq!(tiny.nanos(), 100_000);
/// assert_eq!(tiny.milli_value(), 1);
///
/// assert_eq!(Quantity::parse("1.5")?, Quantity::from_milli(1500));
/// assert!(Quantity::parse("1 ").is_err());
/// assert_eq!(Quantity::parse("1.5")?.to_string(), "1500m");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Quantity {
    nanos: i128,
}

/// Why a string is not a quantity.
///
/// The first three variants are upstream's `ErrFormatWrong`, `ErrNumeric` and
/// `ErrSuffix`, with upstream's messages, returned for the same inputs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuantityError {
    /// `ErrFormatWrong`: the string is empty, or its shape is wrong (stray
    /// characters, whitespace, a second decimal point, junk after the exponent).
    #[error(
        "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
    )]
    FormatWrong,
    /// `ErrNumeric`: the number has no digits where upstream needs some (for
    /// example `"Pi"` or `"e-10"`).
    #[error("unable to parse numeric part of quantity")]
    Numeric,
    /// `ErrSuffix`: the suffix is not one of `n u m "" k M G T P E`, `Ki Mi Gi Ti
    /// Pi Ei`, or `e`/`E` followed by an integer that fits an `int64`.
    #[error("unable to parse quantity's suffix")]
    Suffix,
    /// The value is valid for upstream but its magnitude exceeds `i128::MAX`
    /// nano-units (about 1.7 × 10^29), which a [`Quantity`] cannot hold.
    #[error(
        "quantity is too large: its magnitude exceeds 170141183460469231731687303715.884105727"
    )]
    TooLarge,
}

impl Quantity {
    /// Zero.
    pub const ZERO: Quantity = Quantity { nanos: 0 };

    /// Parses a Kubernetes quantity string exactly as apimachinery's `ParseQuantity`.
    ///
    /// Grammar: `<signedNumber><suffix>`, number forms `1`, `1.5`, `1.`, `.5`;
    /// suffixes `Ki Mi Gi Ti Pi Ei` (powers of 1024), `n u m "" k M G T P E`
    /// (powers of 1000) or `e`/`E` and a signed integer (power of ten). Values
    /// finer than 1n round up in magnitude to 1n; BinarySI values are capped at
    /// 2^63 − 1 in magnitude. Negative values parse; callers that forbid them must
    /// check [`Quantity::is_negative`].
    ///
    /// ```
    /// use spillway_core::Quantity;
    ///
    /// assert_eq!(Quantity::parse("2Ki")?.value(), 2048);
    /// assert_eq!(Quantity::parse("1e3")?.value(), 1000);
    /// assert_eq!(Quantity::parse("1E-3")?.milli_value(), 1);
    /// assert_eq!(Quantity::parse("1E")?.value(), 1_000_000_000_000_000_000); // exa
    /// assert!(Quantity::parse("-1")?.is_negative());
    /// assert!(Quantity::parse("").is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`QuantityError::FormatWrong`], [`QuantityError::Numeric`] or
    /// [`QuantityError::Suffix`] wherever upstream returns the same error, and
    /// [`QuantityError::TooLarge`] for a value upstream accepts but whose magnitude
    /// exceeds `i128::MAX` nano-units.
    pub fn parse(s: &str) -> Result<Quantity, QuantityError> {
        parse_quantity(s)
    }

    /// The quantity of exactly `n` nano-units.
    pub const fn from_nanos(n: i128) -> Quantity {
        Quantity { nanos: n }
    }

    /// The quantity of exactly `m` milli-units (`NewMilliQuantity`).
    pub const fn from_milli(m: i64) -> Quantity {
        // |m| × 10^6 < 2^63 × 2^20, far inside i128.
        Quantity {
            nanos: m as i128 * NANOS_PER_MILLI,
        }
    }

    /// The quantity of exactly `v` whole units (`NewQuantity`).
    pub const fn from_value(v: i64) -> Quantity {
        // |v| × 10^9 < 2^63 × 2^30, far inside i128.
        Quantity {
            nanos: v as i128 * NANOS_PER_UNIT,
        }
    }

    /// The exact value in nano-units.
    pub const fn nanos(self) -> i128 {
        self.nanos
    }

    /// The value in milli-units, rounded up in magnitude (away from zero), like
    /// `Quantity.MilliValue()`: `0.1m` gives 1, `1n` gives 1. Saturates at
    /// `i64::MIN` / `i64::MAX`.
    ///
    /// For a non-negative quantity "away from zero" is the ceiling. For a negative
    /// one it follows upstream's int64 representation (`negativeScaleInt64`) and
    /// upstream's documented contract ("rounded up to the nearest integer away from
    /// 0"): `-0.1m` gives −1.
    ///
    /// ```
    /// use spillway_core::Quantity;
    ///
    /// assert_eq!(Quantity::parse("3900m")?.milli_value(), 3900);
    /// assert_eq!(Quantity::parse("100n")?.milli_value(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn milli_value(self) -> i64 {
        scaled_value(self.nanos, NANOS_PER_MILLI)
    }

    /// The value in whole units, rounded up in magnitude (away from zero), like
    /// `Quantity.Value()`: `1.5` gives 2, `1n` gives 1, `-1.5` gives −2. Saturates
    /// at `i64::MIN` / `i64::MAX`.
    ///
    /// ```
    /// use spillway_core::Quantity;
    ///
    /// assert_eq!(Quantity::parse("1.5")?.value(), 2);
    /// assert_eq!(Quantity::parse("1.5Gi")?.value(), 1_610_612_736);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn value(self) -> i64 {
        scaled_value(self.nanos, NANOS_PER_UNIT)
    }

    /// Whether the quantity is zero.
    pub const fn is_zero(self) -> bool {
        self.nanos == 0
    }

    /// Whether the quantity is below zero.
    pub const fn is_negative(self) -> bool {
        self.nanos < 0
    }

    /// The exact sum, or `None` when it does not fit in `i128` nano-units.
    pub const fn checked_add(self, other: Quantity) -> Option<Quantity> {
        match self.nanos.checked_add(other.nanos) {
            Some(n) => Some(Quantity { nanos: n }),
            None => None,
        }
    }

    /// The exact difference `self − other`, or `None` when it does not fit in
    /// `i128` nano-units.
    pub const fn checked_sub(self, other: Quantity) -> Option<Quantity> {
        match self.nanos.checked_sub(other.nanos) {
            Some(n) => Some(Quantity { nanos: n }),
            None => None,
        }
    }

    /// The larger of the two quantities.
    pub const fn max(self, other: Quantity) -> Quantity {
        if other.nanos > self.nanos {
            other
        } else {
            self
        }
    }
}

impl FromStr for Quantity {
    type Err = QuantityError;

    /// Same as [`Quantity::parse`].
    fn from_str(s: &str) -> Result<Quantity, QuantityError> {
        parse_quantity(s)
    }
}

/// Renders the value in upstream's canonical *DecimalSI* form: an integer mantissa
/// and the largest suffix of `n u m "" k M G T P E` that keeps it an integer, with a
/// leading `-` when negative. Examples: `200m`, `1`, `1500m`, `2G`, `1080n`; `256Mi`
/// prints as `268435456` (binary suffixes are never printed). Values of 1000E and
/// more keep the `E` suffix with a longer mantissa. The output always parses back
/// to the same quantity (except `i128::MIN` nano-units, which cannot be parsed).
impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.nanos == 0 {
            return f.pad("0");
        }
        let mut mantissa = self.nanos.unsigned_abs();
        let mut exponent: i32 = NANO_SCALE;
        while exponent < 18 && mantissa.is_multiple_of(1000) {
            mantissa /= 1000;
            exponent += 3;
        }
        let suffix = match exponent {
            -9 => "n",
            -6 => "u",
            -3 => "m",
            0 => "",
            3 => "k",
            6 => "M",
            9 => "G",
            12 => "T",
            15 => "P",
            _ => "E",
        };
        let sign = if self.nanos < 0 { "-" } else { "" };
        f.pad(&format!("{sign}{mantissa}{suffix}"))
    }
}

/// `nanos / unit` rounded away from zero, saturated to `i64`.
fn scaled_value(nanos: i128, unit: i128) -> i64 {
    // `unit` is a positive constant, so neither operation can overflow or panic.
    let quotient = nanos / unit;
    let remainder = nanos % unit;
    let rounded = match remainder {
        r if r > 0 => quotient + 1,
        r if r < 0 => quotient - 1,
        _ => quotient,
    };
    match i64::try_from(rounded) {
        Ok(v) => v,
        Err(_) if rounded > 0 => i64::MAX,
        Err(_) => i64::MIN,
    }
}

/// The pieces `parseQuantityString` returns: the sign, the numeric part as
/// `inf.Dec` would read it (`value`), the integer digits without leading zeros
/// (`num`, `"0"` when there are none), the fraction digits (`denom`) and the suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Parts<'a> {
    positive: bool,
    value: &'a [u8],
    num: &'a [u8],
    denom: &'a [u8],
    suffix: &'a [u8],
}

/// The characters `parseQuantityString` lets into a suffix before its optional sign.
const SUFFIX_LETTERS: &[u8] = b"eEinumkKMGTP";

/// `b[start..end]`, or empty when out of range (never the case here; avoids panics).
fn sub(b: &[u8], start: usize, end: usize) -> &[u8] {
    b.get(start..end).unwrap_or_default()
}

/// Port of upstream's `parseQuantityString`, byte for byte.
fn parse_quantity_string(b: &[u8]) -> Result<Parts<'_>, QuantityError> {
    let end = b.len();
    let mut positive = true;
    let mut pos = 0;

    // handle leading sign
    match b.first() {
        Some(b'-') => {
            positive = false;
            pos += 1;
        }
        Some(b'+') => pos += 1,
        _ => {}
    }

    // strip leading zeros; a string of nothing but zeros (or nothing) is "0"
    loop {
        match b.get(pos) {
            None => {
                return Ok(Parts {
                    positive,
                    value: b"0",
                    num: b"0",
                    denom: b"",
                    suffix: b"",
                });
            }
            Some(b'0') => pos += 1,
            Some(_) => break,
        }
    }

    // extract the numerator
    let mut i = pos;
    loop {
        match b.get(i) {
            None => {
                return Ok(Parts {
                    positive,
                    value: b,
                    num: sub(b, pos, end),
                    denom: b"",
                    suffix: b"",
                });
            }
            Some(c) if c.is_ascii_digit() => i += 1,
            Some(_) => break,
        }
    }
    let mut num = sub(b, pos, i);
    pos = i;
    // if we stripped all numerator positions, always return 0
    if num.is_empty() {
        num = b"0";
    }

    // handle a denominator
    let mut denom: &[u8] = b"";
    if b.get(pos) == Some(&b'.') {
        pos += 1;
        let mut i = pos;
        loop {
            match b.get(i) {
                None => {
                    return Ok(Parts {
                        positive,
                        value: b,
                        num,
                        denom: sub(b, pos, end),
                        suffix: b"",
                    });
                }
                Some(c) if c.is_ascii_digit() => i += 1,
                Some(_) => break,
            }
        }
        denom = sub(b, pos, i);
        pos = i;
        // upstream: "we currently allow 1.G, but we may not want to in the future"
    }
    let value = sub(b, 0, pos);

    // grab the elements of the suffix
    let suffix_start = pos;
    let mut i = pos;
    loop {
        match b.get(i) {
            None => {
                return Ok(Parts {
                    positive,
                    value,
                    num,
                    denom,
                    suffix: sub(b, suffix_start, end),
                });
            }
            Some(c) if SUFFIX_LETTERS.contains(c) => i += 1,
            Some(_) => {
                pos = i;
                break;
            }
        }
    }
    if matches!(b.get(pos), Some(b'-' | b'+')) {
        pos += 1;
    }
    let mut i = pos;
    loop {
        match b.get(i) {
            None => {
                return Ok(Parts {
                    positive,
                    value,
                    num,
                    denom,
                    suffix: sub(b, suffix_start, end),
                });
            }
            Some(c) if c.is_ascii_digit() => i += 1,
            // a non-digit after the exponent's digits
            Some(_) => return Err(QuantityError::FormatWrong),
        }
    }
}

/// The three formats of upstream; only the distinction BinarySI / decimal matters
/// for the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    DecimalExponent,
    BinarySI,
    DecimalSI,
}

/// Port of `quantitySuffixer.interpret` (`fastLookup` + `suffixHandler`): the base,
/// the exponent and the format of a suffix, or `None` (`ErrSuffix`).
fn interpret(suffix: &[u8]) -> Option<(u32, i32, Format)> {
    let decimal = |e| Some((10, e, Format::DecimalSI));
    let binary = |e| Some((2, e, Format::BinarySI));
    match suffix {
        b"" => decimal(0),
        b"n" => decimal(-9),
        b"u" => decimal(-6),
        b"m" => decimal(-3),
        b"k" => decimal(3),
        b"M" => decimal(6),
        b"G" => decimal(9),
        b"T" => decimal(12),
        b"P" => decimal(15),
        b"E" => decimal(18),
        b"Ki" => binary(10),
        b"Mi" => binary(20),
        b"Gi" => binary(30),
        b"Ti" => binary(40),
        b"Pi" => binary(50),
        b"Ei" => binary(60),
        [b'e' | b'E', rest @ ..] if !rest.is_empty() => {
            // `strconv.ParseInt(s[1:], 10, 64)` then `int32(parsed)`: v1.35 truncates
            // an exponent outside the int32 range instead of rejecting it.
            go_parse_int64(rest).map(|parsed| (10, parsed as i32, Format::DecimalExponent))
        }
        _ => None,
    }
}

/// `strconv.ParseInt(s, 10, 64)`: an optional sign and at least one decimal digit,
/// within the `int64` range.
fn go_parse_int64(s: &[u8]) -> Option<i64> {
    let (negative, digits) = match s {
        [b'-', rest @ ..] => (true, rest),
        [b'+', rest @ ..] => (false, rest),
        _ => (false, s),
    };
    if digits.is_empty() {
        return None;
    }
    let mut magnitude: u64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        magnitude = magnitude
            .checked_mul(10)?
            .checked_add(u64::from(c - b'0'))?;
    }
    if negative {
        if magnitude > i64::MIN.unsigned_abs() {
            return None;
        }
        // Two's complement negation; 2^63 becomes i64::MIN.
        Some(0u64.wrapping_sub(magnitude) as i64)
    } else {
        i64::try_from(magnitude).ok()
    }
}

/// `strconv.ParseInt(num + denom, 10, 64)` for two runs of ASCII digits.
fn parse_digits_i64(a: &[u8], b: &[u8]) -> Option<i64> {
    let mut v: i64 = 0;
    for &c in a.iter().chain(b) {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(i64::from(c - b'0'))?;
    }
    Some(v)
}

/// Go's `int32(n)` for a length: two's complement truncation.
fn go_int32(n: usize) -> i32 {
    n as i32
}

/// Port of `ParseQuantity`.
fn parse_quantity(s: &str) -> Result<Quantity, QuantityError> {
    if s.is_empty() {
        return Err(QuantityError::FormatWrong);
    }
    if s == "0" {
        return Ok(Quantity::ZERO);
    }

    let parts = parse_quantity_string(s.as_bytes())?;
    let (base, exponent, format) = interpret(parts.suffix).ok_or(QuantityError::Suffix)?;
    let denom_len = go_int32(parts.denom.len());

    // The int64 fast path. Its result equals the slow path's wherever both apply;
    // what matters here is *whether* it is taken, because only the slow path
    // rejects a number without digits, and the two paths wrap int32 scales
    // differently.
    let mut scale: i32 = 0;
    let mut mantissa: i64 = 1;
    let precision: i32 = match format {
        Format::DecimalExponent | Format::DecimalSI => {
            scale = exponent;
            MAX_INT64_FACTORS
                .wrapping_sub(go_int32(parts.num.len().wrapping_add(parts.denom.len())))
        }
        Format::BinarySI => {
            if exponent >= 0 && parts.denom.is_empty() {
                // only handle positive binary numbers with the fast path
                mantissa = 1i64.checked_shl(exponent.unsigned_abs()).unwrap_or(0);
                // upstream: int32(float32(exponent)*3/10), exact for the exponents
                // 10, 20, …, 60 of the binary table
                15i32
                    .wrapping_sub(go_int32(parts.num.len()))
                    .wrapping_sub(exponent.wrapping_mul(3) / 10)
                    .wrapping_sub(1)
            } else {
                -1
            }
        }
    };
    if precision >= 0 {
        scale = scale.wrapping_sub(denom_len);
        if scale >= NANO_SCALE {
            let value = parse_digits_i64(parts.num, parts.denom).ok_or(QuantityError::Numeric)?;
            if let Some(result) = value.checked_mul(mantissa) {
                return exact_quantity(parts.positive, result, scale);
            }
        }
    }

    // The inf.Dec path: `amount.SetString(value)` needs at least one digit.
    if !parts.value.iter().any(u8::is_ascii_digit) {
        return Err(QuantityError::Numeric);
    }
    let mut digits = Vec::with_capacity(parts.num.len().saturating_add(parts.denom.len()));
    digits.extend_from_slice(parts.num);
    digits.extend_from_slice(parts.denom);
    // amount = digits × 10^-denom_len; then the suffix is applied and the magnitude
    // is rounded up to scale 9 (`inf.RoundUp`), i.e. to whole nano-units.
    let magnitude = if base == 10 {
        // `amount.SetScale(amount.Scale() + Scale(exponent).infScale())`, in int32.
        let inf_scale = denom_len.wrapping_add(exponent.wrapping_neg());
        ceil_nanos(&digits, -i64::from(inf_scale), 0)
    } else {
        // `amount × 2^exponent`, scale unchanged.
        ceil_nanos(&digits, -i64::from(denom_len), exponent.unsigned_abs())
    };
    let magnitude = match format {
        // The max is just a simple cap (upstream's words), applied to the magnitude.
        Format::BinarySI => magnitude
            .unwrap_or(BINARY_SI_CAP_NANOS)
            .min(BINARY_SI_CAP_NANOS),
        Format::DecimalExponent | Format::DecimalSI => magnitude.ok_or(QuantityError::TooLarge)?,
    };
    let magnitude = i128::try_from(magnitude).map_err(|_| QuantityError::TooLarge)?;
    Ok(Quantity {
        nanos: if parts.positive {
            magnitude
        } else {
            -magnitude
        },
    })
}

/// The fast path's result, `±result × 10^scale` with `scale >= -9`, in nano-units.
fn exact_quantity(positive: bool, result: i64, scale: i32) -> Result<Quantity, QuantityError> {
    if result == 0 {
        return Ok(Quantity::ZERO);
    }
    let shift = u32::try_from(i64::from(scale) - i64::from(NANO_SCALE))
        .map_err(|_| QuantityError::TooLarge)?;
    let factor = 10i128.checked_pow(shift).ok_or(QuantityError::TooLarge)?;
    let magnitude = i128::from(result)
        .checked_mul(factor)
        .ok_or(QuantityError::TooLarge)?;
    Ok(Quantity {
        nanos: if positive { magnitude } else { -magnitude },
    })
}

/// `ceil(D × 10^exp10 × 2^exp2 × 10^9)` for the decimal digits `D` (ASCII, any
/// number of leading and trailing zeros), with `exp2 <= 60`: the magnitude in
/// nano-units, rounded up. `None` when it exceeds `u128::MAX`.
///
/// Runs in time linear in the number of digits, whatever the exponent.
fn ceil_nanos(digits: &[u8], exp10: i64, exp2: u32) -> Option<u128> {
    let Some(first) = digits.iter().position(|&c| c != b'0') else {
        return Some(0);
    };
    let last = digits.iter().rposition(|&c| c != b'0')?;
    let significant = digits.get(first..=last)?;
    let trailing_zeros = i64::try_from(digits.len() - 1 - last).unwrap_or(i64::MAX);
    // value = S × 10^t × 2^exp2 for the significant digits S, which has k digits and
    // ends in a non-zero digit
    let t = exp10.saturating_add(9).saturating_add(trailing_zeros);
    let k = i64::try_from(significant.len()).unwrap_or(i64::MAX);
    // the value has `p` digits before the decimal point (before the factor 2^exp2)
    let p = k.saturating_add(t);
    if p > 40 {
        // ≥ 10^40 > u128::MAX
        return None;
    }
    if p <= -19 {
        // 0 < value < 10^-19 × 2^60 < 1
        return Some(1);
    }
    let pow2 = 1u128.checked_shl(exp2)?;
    let digit = |pos: i64| -> u128 {
        usize::try_from(pos)
            .ok()
            .and_then(|i| significant.get(i))
            .map_or(0, |&c| u128::from(c - b'0'))
    };
    // the integer part: p ≤ 40 digits, zeros past the end of S
    let mut whole: u128 = 0;
    for pos in 0..p.max(0) {
        whole = whole.checked_mul(10)?.checked_add(digit(pos))?;
    }
    let mut result = whole.checked_mul(pow2)?;
    // the fraction 0.d[p] d[p+1] … d[k-1] (digits before 0 are zeros) times 2^exp2,
    // from the last digit: its carry-out is the whole part, the digits left behind
    // tell whether anything remains to round up
    let mut carry: u128 = 0;
    let mut remainder = false;
    let mut pos = k - 1;
    while pos >= p {
        let v = digit(pos) * pow2 + carry; // < 10 × 2^60 + 2^60
        remainder |= !v.is_multiple_of(10);
        carry = v / 10;
        pos -= 1;
    }
    result = result.checked_add(carry)?;
    result.checked_add(u128::from(remainder))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    //! Ports of `quantity_test.go`, `scale_int_test.go`, `suffix_test.go` and
    //! `quantity_example_test.go`, restricted to parsing and integer conversion.
    //! Skipped: every check of `Format`, of the cached string `s`, and of the
    //! canonical BinarySI/DecimalExponent renderings (this port keeps no format and
    //! renders DecimalSI only), JSON/CBOR/protobuf, arithmetic other than addition,
    //! floats, `RoundUp` to scales other than milli and unit, and the int64/inf.Dec
    //! representation-equivalence checks.

    use super::*;

    /// upstream's `decQuantity(i, exponent, _)` in nano-units: i × 10^exponent.
    fn dec(i: i128, exponent: i32) -> i128 {
        let shift = exponent + 9;
        assert!(shift >= 0, "sub-nano expectation");
        i * 10i128.pow(shift.unsigned_abs())
    }

    fn q(s: &str) -> Quantity {
        Quantity::parse(s).unwrap_or_else(|e| panic!("{s:?}: unexpected error: {e}"))
    }

    /// `maxAllowed`, 2^63 − 1, in nano-units.
    const MAX_ALLOWED: i128 = i64::MAX as i128 * 1_000_000_000;

    /// TestQuantityParse's table of good inputs.
    fn parse_table() -> Vec<(&'static str, i128)> {
        vec![
            ("0", dec(0, 0)),
            ("0n", dec(0, 0)),
            ("0u", dec(0, 0)),
            ("0m", dec(0, 0)),
            ("0Ki", dec(0, 0)),
            ("0k", dec(0, 0)),
            ("0Mi", dec(0, 0)),
            ("0M", dec(0, 0)),
            ("0Gi", dec(0, 0)),
            ("0G", dec(0, 0)),
            ("0Ti", dec(0, 0)),
            ("0T", dec(0, 0)),
            // Quantity less numbers are allowed
            ("1", dec(1, 0)),
            // Binary suffixes
            ("1Ki", dec(1024, 0)),
            ("8Ki", dec(8 * 1024, 0)),
            ("7Mi", dec(7 * 1024 * 1024, 0)),
            ("6Gi", dec(6 * 1024 * 1024 * 1024, 0)),
            ("5Ti", dec(5 * 1024 * 1024 * 1024 * 1024, 0)),
            ("4Pi", dec(4 * 1024 * 1024 * 1024 * 1024 * 1024, 0)),
            ("3Ei", dec(3 * 1024 * 1024 * 1024 * 1024 * 1024 * 1024, 0)),
            ("10Ti", dec(10 * 1024 * 1024 * 1024 * 1024, 0)),
            ("100Ti", dec(100 * 1024 * 1024 * 1024 * 1024, 0)),
            // Decimal suffixes
            ("5n", dec(5, -9)),
            ("4u", dec(4, -6)),
            ("3m", dec(3, -3)),
            ("9", dec(9, 0)),
            ("8k", dec(8, 3)),
            ("50k", dec(5, 4)),
            ("7M", dec(7, 6)),
            ("6G", dec(6, 9)),
            ("5T", dec(5, 12)),
            ("40T", dec(4, 13)),
            ("300T", dec(3, 14)),
            ("2P", dec(2, 15)),
            ("1E", dec(1, 18)),
            // Decimal exponents
            ("1E-3", dec(1, -3)),
            ("1e3", dec(1, 3)),
            ("1E6", dec(1, 6)),
            ("1e9", dec(1, 9)),
            ("1E12", dec(1, 12)),
            ("1e15", dec(1, 15)),
            ("1E18", dec(1, 18)),
            // Nonstandard but still parsable
            ("1e14", dec(1, 14)),
            ("1e13", dec(1, 13)),
            ("1e3", dec(1, 3)),
            ("100.035k", dec(100035, 0)),
            // Things that look like floating point
            ("0.001", dec(1, -3)),
            ("0.0005k", dec(5, -1)),
            ("0.005", dec(5, -3)),
            ("0.05", dec(5, -2)),
            ("0.5", dec(5, -1)),
            ("0.00050k", dec(5, -1)),
            ("0.00500", dec(5, -3)),
            ("0.05000", dec(5, -2)),
            ("0.50000", dec(5, -1)),
            ("0.5e0", dec(5, -1)),
            ("0.5e-1", dec(5, -2)),
            ("0.5e-2", dec(5, -3)),
            ("0.5e0", dec(5, -1)),
            ("10.035M", dec(10035, 3)),
            ("1.2e3", dec(12, 2)),
            ("1.3E+6", dec(13, 5)),
            ("1.40e9", dec(14, 8)),
            ("1.53E12", dec(153, 10)),
            ("1.6e15", dec(16, 14)),
            ("1.7E18", dec(17, 17)),
            ("9.01", dec(901, -2)),
            ("8.1k", dec(81, 2)),
            ("7.123456M", dec(7123456, 0)),
            ("6.987654321G", dec(6987654321, 0)),
            ("5.444T", dec(5444, 9)),
            ("40.1T", dec(401, 11)),
            ("300.2T", dec(3002, 11)),
            ("2.5P", dec(25, 14)),
            ("1.01E", dec(101, 16)),
            // Things that saturate/round
            ("3.001n", dec(4, -9)),
            ("1.1E-9", dec(2, -9)),
            ("0.0000000001", dec(1, -9)),
            ("0.0000000005", dec(1, -9)),
            ("0.00000000050", dec(1, -9)),
            ("0.5e-9", dec(1, -9)),
            ("0.9n", dec(1, -9)),
            ("0.00000012345", dec(124, -9)),
            ("0.00000012354", dec(124, -9)),
            ("9Ei", MAX_ALLOWED),
            ("9223372036854775807Ki", MAX_ALLOWED),
            ("12E", dec(12, 18)),
            // We'll accept fractional binary stuff, too.
            ("100.035Ki", dec(10243584, -2)),
            ("0.5Mi", dec(512 * 1024, 0)),
            ("0.05Gi", dec(536870912, -1)),
            ("0.025Ti", dec(274877906944, -1)),
            // Things written by trolls
            ("0.000000000001Ki", dec(2, -9)), // rounds up, changes format
            (".001", dec(1, -3)),
            (".0001k", dec(100, -3)),
            ("1.", dec(1, 0)),
            ("1.G", dec(1, 9)),
        ]
    }

    #[test]
    fn quantity_parse_good_table() {
        for (input, want) in parse_table() {
            assert_eq!(q(input).nanos(), want, "{input}");
        }
    }

    #[test]
    fn quantity_parse_negative_table() {
        // "Try the negative version of everything"
        for (input, want) in parse_table() {
            let neg = format!("-{input}");
            assert_eq!(q(&neg).nanos(), -want, "{neg}");
        }
    }

    #[test]
    fn quantity_parse_explicit_plus_table() {
        // "Try everything with an explicit +"
        for (input, want) in parse_table() {
            let plus = format!("+{input}");
            assert_eq!(q(&plus).nanos(), want, "{plus}");
        }
    }

    #[test]
    fn quantity_parse_decomposition_round_trip() {
        // "verify that we can decompose the input and get the same result by
        // building up from the base"
        for (input, _) in parse_table() {
            let got = q(input);
            let parts = parse_quantity_string(input.as_bytes()).unwrap();
            assert_eq!(
                got.is_negative(),
                !parts.positive,
                "{input}: positive was incorrect"
            );
            let mut value = String::new();
            if !parts.positive {
                value.push('-');
            }
            value.push_str(std::str::from_utf8(parts.num).unwrap());
            if !parts.denom.is_empty() {
                value.push('.');
                value.push_str(std::str::from_utf8(parts.denom).unwrap());
            }
            value.push_str(std::str::from_utf8(parts.suffix).unwrap());
            assert!(!value.is_empty(), "{input}: did not parse correctly");
            assert_eq!(q(&value), got, "{input}: not the same as {value}");
        }
    }

    #[test]
    fn quantity_parse_invalid_table() {
        use QuantityError::{FormatWrong, Suffix};
        // upstream only asserts an error; the variant is the one upstream's code
        // returns for the input.
        let invalid = [
            ("", FormatWrong),
            ("1.1.M", FormatWrong),
            ("1+1.0M", FormatWrong),
            ("0.1mi", Suffix),
            ("0.1am", FormatWrong),
            ("aoeu", FormatWrong),
            (".5i", Suffix),
            ("1i", Suffix),
            ("-3.01i", Suffix),
            ("-3.01e-", Suffix),
            // trailing whitespace is forbidden
            (" 1", FormatWrong),
            ("1 ", FormatWrong),
            // TestQuantityParseNonNumericPanic, TestQuantityValueSet
            ("Non-Numeric", FormatWrong),
            ("invalid", FormatWrong),
        ];
        for (input, want) in invalid {
            assert_eq!(
                Quantity::parse(input),
                Err(want),
                "{input:?} parsed unexpectedly"
            );
        }
    }

    #[test]
    fn parse_quantity_string_table() {
        // TestParseQuantityString: input, positive, value, num, denom, suffix
        let table = [
            ("0.025Ti", true, "0.025", "0", "025", "Ti"),
            ("1.025Ti", true, "1.025", "1", "025", "Ti"),
            ("-1.025Ti", false, "-1.025", "1", "025", "Ti"),
            (".", true, ".", "0", "", ""),
            ("-.", false, "-.", "0", "", ""),
            ("1E-3", true, "1", "1", "", "E-3"),
        ];
        for (input, positive, value, num, denom, suffix) in table {
            let got = parse_quantity_string(input.as_bytes()).unwrap();
            let want = Parts {
                positive,
                value: value.as_bytes(),
                num: num.as_bytes(),
                denom: denom.as_bytes(),
                suffix: suffix.as_bytes(),
            };
            assert_eq!(got, want, "{input}");
        }
    }

    #[test]
    fn quantity_round_up_to_milli_and_unit() {
        // TestQuantityRoundUp, for the two scales kube-scheduler reads: -3 (milli)
        // and 0 (unit). Negative numbers are rounded away from zero.
        let table = [("9.01", 9010, 10), ("-9.01", -9010, -10)];
        for (input, milli, unit) in table {
            assert_eq!(q(input).milli_value(), milli, "{input}");
            assert_eq!(q(input).value(), unit, "{input}");
        }
    }

    #[test]
    fn scaled_value_table() {
        // TestScaledValue: NewScaledQuantity(1, from).ScaledValue(to) for the
        // target scales Milli and 0.
        let nano = Quantity::from_nanos(1);
        let micro = Quantity::from_nanos(1_000);
        let milli = Quantity::from_milli(1);
        let unit = Quantity::from_value(1);
        let table = [(nano, 1, 1), (micro, 1, 1), (milli, 1, 1), (unit, 1000, 1)];
        for (from, to_milli, to_unit) in table {
            assert_eq!(from.milli_value(), to_milli, "{from:?}");
            assert_eq!(from.value(), to_unit, "{from:?}");
        }
    }

    #[test]
    fn scaled_value_internal_table() {
        // TestScaledValueInternal (scale_int_test.go, as fixed after v1.35 to round
        // away from zero): unscaled × 10^-scale read at inf scale 0 (`Value`) or 3
        // (`MilliValue`).
        let at =
            |unscaled: i128, scale: u32| Quantity::from_nanos(unscaled * 10i128.pow(9 - scale));
        let table = [
            // remain scale
            (at(1000, 0), 1000),
            (at(-1000, 0), -1000),
            // scale down
            (at(1000, 3), 1),
            (at(-1000, 3), -1),
            (at(0, 3), 0),
            // scale down rounds away from zero
            (at(999, 3), 1),
            (at(500, 3), 1),
            (at(499, 3), 1),
            (at(1, 3), 1),
            (at(-1, 3), -1),
            (at(-499, 3), -1),
            (at(-500, 3), -1),
            (at(-999, 3), -1),
            (at(-1500, 3), -2),
            // large scaled value does not lose precision
            (at(i128::from(i64::MAX) - 1, 1), (i64::MAX - 1) / 10 + 1),
            // negative unscaled values outside the int64 range
            (at(i128::from(i64::MIN) * 1000, 3), i64::MIN),
            // scale up
            (at(1, 0), 1),
        ];
        for (quantity, want) in table {
            assert_eq!(quantity.value(), want, "{quantity:?}");
        }
        // large intermediate results: 10^100 × 10^-100 and 5 × 10^-19, both signs
        let one = format!("1.{}", "0".repeat(100));
        assert_eq!(q(&one).value(), 1);
        assert_eq!(q(&format!("-{one}")).value(), -1);
        assert_eq!(q("0.0000000000000000005").value(), 1);
        assert_eq!(q("-0.0000000000000000005").value(), -1);
        // scale up to milli
        assert_eq!(Quantity::ZERO.milli_value(), 0);
        assert_eq!(Quantity::from_value(1).milli_value(), 1000);
        assert_eq!(Quantity::from_value(1000).value(), 1000);
        let big = i64::MAX / 1000;
        assert_eq!(Quantity::from_value(big).milli_value(), big * 1000);
    }

    #[test]
    fn new_set_round_trips() {
        // TestNewSet, TestMilliNewSet, TestNewScaledSet: the canonical strings parse
        // back to the value they were made from.
        let values = [
            ("1", 1),
            ("1k", 1000),
            ("1234k", 1_234_000),
            ("1Ki", 1024),
            ("1e6", 1_000_000),
            ("1Mi", 1024 * 1024),
        ];
        for (input, want) in values {
            assert_eq!(q(input).value(), want, "{input}");
        }
        let millis = [
            ("1m", 1),
            ("1", 1000),
            ("1234", 1_234_000),
            ("1e3", 1_000_000),
            ("1024m", 1024),
        ];
        for (input, want) in millis {
            assert_eq!(q(input).milli_value(), want, "{input}");
        }
        let nanos = [
            ("1n", 1),
            ("1u", 1000),
            ("1m", 1_000_000),
            ("1", 1_000_000_000),
            ("0", 0),
        ];
        for (input, want) in nanos {
            assert_eq!(q(input).nanos(), want, "{input}");
        }
    }

    #[test]
    fn example_must_parse() {
        // ExampleMustParse
        assert_eq!(q("5Gi").value(), 5_368_709_120);
        assert_eq!(q("5G").value(), 5_000_000_000);
        assert_eq!(q("5300m").milli_value(), 5300);
        assert_eq!(q("5.4").milli_value(), 5400);
        // TestQuantityValueSet
        assert_eq!(q("1Mi").value(), 1024 * 1024);
    }

    #[test]
    fn string_quantity_values() {
        // TestStringQuantityAsApproximateFloat64 / AsFloat64Slow, exactly
        let table = [
            ("2Ki", 2_048_000_000_000),
            ("1.1Ki", 1_126_400_000_000),
            ("1Mi", 1_048_576_000_000_000),
            ("2Gi", 2_147_483_648_000_000_000),
        ];
        for (input, want) in table {
            assert_eq!(q(input).nanos(), want, "{input}");
        }
    }

    #[test]
    fn quantity_cmp() {
        // TestQuantityCmp
        let table = [
            ("0", "0", 0),
            ("100m", "50m", 1),
            ("50m", "100m", -1),
            ("10000T", "100Gi", 1),
        ];
        for (x, y, want) in table {
            let got = match q(x).cmp(&q(y)) {
                std::cmp::Ordering::Less => -1,
                std::cmp::Ordering::Equal => 0,
                std::cmp::Ordering::Greater => 1,
            };
            assert_eq!(got, want, "{x} vs {y}");
        }
    }

    #[test]
    fn quantity_string_decimal_si() {
        // TestQuantityString, the rows whose canonical form is DecimalSI (upstream
        // also prints BinarySI values below 1024 that way): the rendering, the
        // negated rendering, and the alternate spellings parsing to the same value.
        let table: [(i128, &str, &str); 26] = [
            (dec(5, 0), "5", "5000m"),
            (dec(500, -3), "500m", "0.5"),
            (dec(1, 9), "1G", "1000M"),
            (dec(1000, 6), "1G", "0.001T"),
            (dec(1_000_000, 3), "1G", ""),
            (dec(1_000_000_000, 0), "1G", ""),
            (dec(1, -3), "1m", "1000u"),
            (dec(80, -3), "80m", ""),
            (dec(1080, -3), "1080m", "1.08"),
            (dec(108, -2), "1080m", "1080000000n"),
            (dec(10800, -4), "1080m", ""),
            (dec(300, 6), "300M", ""),
            (dec(1, 12), "1T", ""),
            (dec(1_234_567, 6), "1234567M", ""),
            (dec(1_234_567, -3), "1234567m", ""),
            (dec(3, 3), "3k", ""),
            (dec(1025, 0), "1025", ""),
            (dec(0, 0), "0", ""),
            (dec(1, -9), "1n", ""),
            (dec(80, -9), "80n", ""),
            (dec(1080, -9), "1080n", ""),
            (dec(108, -8), "1080n", ""),
            (1080, "1080n", ""), // decQuantity(10800, -10)
            (dec(1, -6), "1u", ""),
            (dec(80, -6), "80u", ""),
            (dec(1080, -6), "1080u", ""),
        ];
        for (nanos, expect, alternate) in table {
            let quantity = Quantity::from_nanos(nanos);
            assert_eq!(quantity.to_string(), expect, "{nanos}");
            assert_eq!(q(expect), quantity, "{expect}");
            if !alternate.is_empty() {
                assert_eq!(q(alternate), quantity, "{alternate}");
            }
            if nanos != 0 {
                assert_eq!(
                    Quantity::from_nanos(-nanos).to_string(),
                    format!("-{expect}")
                );
            }
        }
        // decimal exponent alternates: ".001e12", "0.001e0", "1000e-12", "00"
        assert_eq!(q(".001e12"), q("1e9"));
        assert_eq!(q("0.001e0"), q("1e-3"));
        assert_eq!(q("1000e-12"), q("1e-9"));
        assert_eq!(q("00"), Quantity::ZERO);
        // TestQuantityParseZero
        assert_eq!(q("0").to_string(), "0");
    }

    #[test]
    fn quantity_parse_emit() {
        // TestQuantityParseEmit: values, and the rendering where it is DecimalSI.
        let table = [
            ("1Ki", dec(1024, 0), None),
            ("1Mi", dec(1024 * 1024, 0), None),
            ("1Gi", dec(1024 * 1024 * 1024, 0), None),
            ("1024Mi", dec(1024 * 1024 * 1024, 0), None),
            ("1000M", dec(1, 9), Some("1G")),
            (".001Ki", dec(1024, -3), Some("1024m")),
            (".000001Ki", dec(1024, -6), Some("1024u")),
            (".000000001Ki", dec(1024, -9), Some("1024n")),
            (".000000000001Ki", dec(2, -9), Some("2n")),
        ];
        for (input, nanos, emit) in table {
            let got = q(input);
            assert_eq!(got.nanos(), nanos, "{input}");
            let neg = q(&format!("-{input}"));
            assert_eq!(neg.nanos(), -nanos, "-{input}");
            if let Some(emit) = emit {
                assert_eq!(got.to_string(), emit, "{input}");
                assert_eq!(neg.to_string(), format!("-{emit}"), "-{input}");
            }
        }
    }

    #[test]
    fn decimal_exponent_edge_cases() {
        // suffix_test.go's TestDecimalExponentEdgeCases was written for a later
        // interpret() that rejects exponents outside int32; v1.35 parses at 64 bits
        // and truncates to int32. The same inputs, as v1.35 reads them:
        assert_eq!(
            interpret(b"E6024865272343"),
            Some((10, 6024865272343_i64 as i32, Format::DecimalExponent))
        );
        assert_eq!(interpret(b"e14"), Some((10, 14, Format::DecimalExponent)));
        assert_eq!(
            interpret(b"E2147483647"),
            Some((10, i32::MAX, Format::DecimalExponent))
        );
        assert_eq!(
            interpret(b"E2147483648"),
            Some((10, i32::MIN, Format::DecimalExponent))
        );
        assert_eq!(
            interpret(b"E-2147483648"),
            Some((10, i32::MIN, Format::DecimalExponent))
        );
        assert_eq!(
            interpret(b"E-2147483649"),
            Some((10, i32::MAX, Format::DecimalExponent))
        );
        // beyond int64: ParseInt fails
        assert_eq!(interpret(b"e9223372036854775808"), None);
        assert_eq!(
            interpret(b"e-9223372036854775808"),
            Some((10, 0, Format::DecimalExponent))
        );
        assert_eq!(interpret(b"e-9223372036854775809"), None);
        // 1e4294967297 reads as 1e1 (baseline of kubernetes#141170: Value 10,
        // MilliValue 10000); 1e9223372036854775807 as 1e-1 (kubernetes#139412).
        assert_eq!(q("1e4294967297").value(), 10);
        assert_eq!(q("1e4294967297").milli_value(), 10_000);
        assert_eq!(q("1e9223372036854775807"), q("0.1"));
        assert_eq!(
            Quantity::parse("1e99999999999999999999"),
            Err(QuantityError::Suffix)
        );
    }

    #[test]
    fn suffix_table() {
        let table: [(&str, i128); 22] = [
            ("1n", 1),
            ("1u", 1_000),
            ("1m", 1_000_000),
            ("1", 1_000_000_000),
            ("1k", dec(1, 3)),
            ("1M", dec(1, 6)),
            ("1G", dec(1, 9)),
            ("1T", dec(1, 12)),
            ("1P", dec(1, 15)),
            ("1E", dec(1, 18)),
            ("1Ki", dec(1 << 10, 0)),
            ("1Mi", dec(1 << 20, 0)),
            ("1Gi", dec(1 << 30, 0)),
            ("1Ti", dec(1 << 40, 0)),
            ("1Pi", dec(1 << 50, 0)),
            ("1Ei", dec(1 << 60, 0)),
            ("1e0", dec(1, 0)),
            ("1E+3", dec(1, 3)),
            ("1e-3", dec(1, -3)),
            ("1e-9", 1),
            ("1e-10", 1),
            ("1e03", dec(1, 3)),
        ];
        for (input, want) in table {
            assert_eq!(q(input).nanos(), want, "{input}");
        }
        use QuantityError::{FormatWrong, Suffix};
        let bad = [
            ("1e", Suffix),
            ("1e+", Suffix),
            ("1E-", Suffix),
            ("1K", Suffix),
            ("1ki", Suffix),
            ("1mi", Suffix),
            ("1me3", Suffix),
            ("1Ee3", Suffix),
            ("1-5", Suffix),
            ("1-", Suffix),
            ("++1", Suffix),
            ("--1", Suffix),
            ("1KI", FormatWrong),
            ("1e3.5", FormatWrong),
            ("1.5e3m", FormatWrong),
            ("1e3e3", FormatWrong),
            ("1Ki1.", FormatWrong),
            ("1\u{b5}", FormatWrong),
            ("\u{ff11}", FormatWrong),
            ("1\t", FormatWrong),
            ("1_000", FormatWrong),
            ("0x10", FormatWrong),
        ];
        for (input, want) in bad {
            assert_eq!(Quantity::parse(input), Err(want), "{input:?}");
        }
    }

    #[test]
    fn numbers_without_digits() {
        // The int64 fast path accepts a missing number as 0; the inf.Dec path
        // (`amount.SetString(value)`) rejects it.
        for input in [
            "Ti", "Ki", "Mi", "Gi", ".", "-", "+", "-.", "+.", "e5", ".e-9", "n", "m", "k", "E",
            ".Ki", "-Ti",
        ] {
            assert_eq!(Quantity::parse(input), Ok(Quantity::ZERO), "{input:?}");
        }
        for input in ["Pi", "Ei", "-Pi", ".Ei", "e-10", "+e-10", ".e-10", "-.E-12"] {
            assert_eq!(
                Quantity::parse(input),
                Err(QuantityError::Numeric),
                "{input:?}"
            );
        }
        // with a digit the slow path is fine
        for input in [
            "0Pi",
            "0Ei",
            "0.e-10",
            "0.0n",
            ".0n",
            "-000",
            "0e-2147483648",
        ] {
            assert_eq!(Quantity::parse(input), Ok(Quantity::ZERO), "{input:?}");
        }
    }

    #[test]
    fn brief_examples() {
        assert_eq!(q("200m").milli_value(), 200);
        assert_eq!(q("256Mi").value(), 268_435_456);
        assert_eq!(q("2G").value(), 2_000_000_000);
        assert_eq!(q("1.5").milli_value(), 1500);
        assert_eq!(q("1.5").value(), 2);
        assert_eq!(q("1e3").value(), 1000);
        assert_eq!(q("2Ki").value(), 2048);
        assert_eq!(q("0.1m").nanos(), 100_000);
        assert_eq!(q("0.1m").milli_value(), 1);
        assert_eq!(q("1n").value(), 1);
        assert_eq!(q("100n").milli_value(), 1);
        assert!(q("-1").is_negative());
        assert_eq!(q("-1").value(), -1);
        assert_eq!(q("1.5Gi").value(), 1_610_612_736);
        assert_eq!(q("12858Mi").value(), 12858 * 1024 * 1024);
        assert_eq!(q("4Ti").value(), 4 << 40);
        assert_eq!(q("113Gi").value(), 113 << 30);
        assert_eq!(q("3900m").milli_value(), 3900);
        assert_eq!(q("3900m").value(), 4);
        assert_eq!(q("1E-3").nanos(), 1_000_000);
        assert_eq!(q("1e+3").value(), 1000);
        assert_eq!(q(".5").milli_value(), 500);
        assert_eq!(q("256Mi").to_string(), "268435456");
        assert_eq!(q("1").to_string(), "1");
        assert_eq!(q("200m").to_string(), "200m");
        assert_eq!(q("1.5").to_string(), "1500m");
    }

    #[test]
    fn rounding_is_away_from_zero() {
        assert_eq!(q("-0.1m").nanos(), -100_000);
        assert_eq!(q("-0.1m").milli_value(), -1);
        assert_eq!(q("-0.1m").value(), -1);
        assert_eq!(q("-1.5").value(), -2);
        assert_eq!(q("-0.1n").nanos(), -1);
        assert_eq!(q("-3.001n").nanos(), -4);
        assert_eq!(q("-1.1E-9").nanos(), -2);
        assert_eq!(q("1e-2147483647").nanos(), 1);
        assert_eq!(q("-1e-2147483647").nanos(), -1);
        assert_eq!(q("0.000000000999999999999999999999").nanos(), 1);
        assert_eq!(q("1.000000000000000000000000000001").nanos(), 1_000_000_001);
        // binary fractions round up after the multiplication
        assert_eq!(q("0.1Ki").nanos(), 102_400_000_000);
        assert_eq!(q("0.0000000001Ki").nanos(), 103);
        assert_eq!(q("-0.0000000001Ki").nanos(), -103);
        assert_eq!(q("0.0000000000000000000001Ei").nanos(), 115_293);
        assert_eq!(q("0.1Ki").value(), 103); // 102.4
        assert_eq!(q("-0.1Ki").value(), -103);
    }

    #[test]
    fn large_values() {
        use QuantityError::TooLarge;
        // BinarySI is capped at 2^63 - 1, whatever the magnitude
        assert_eq!(q("8Ei").nanos(), MAX_ALLOWED);
        assert_eq!(q("-8Ei").nanos(), -MAX_ALLOWED);
        assert_eq!(q("7.99999999999999999999Ei").nanos(), MAX_ALLOWED);
        assert_eq!(q(&format!("{}Ki", "9".repeat(200))).nanos(), MAX_ALLOWED);
        assert_eq!(
            q(&format!("-{}.5Ki", "9".repeat(200))).nanos(),
            -MAX_ALLOWED
        );
        assert_eq!(
            q("8796093022207.999Mi").nanos(),
            9_223_372_036_854_774_759_424_000_000
        );
        // decimal values are not capped; beyond i128 nano-units they are refused
        assert_eq!(q("100E").nanos(), dec(100, 18));
        assert_eq!(q("1e29").nanos(), dec(1, 29));
        assert_eq!(
            q("170141183460469231731687303715.884105727").nanos(),
            i128::MAX
        );
        assert_eq!(
            q("-170141183460469231731687303715.884105727").nanos(),
            -i128::MAX
        );
        assert_eq!(
            Quantity::parse("170141183460469231731687303715.884105728"),
            Err(TooLarge)
        );
        assert_eq!(
            Quantity::parse("170141183460469231731687303715.8841057271"),
            Err(TooLarge)
        );
        assert_eq!(Quantity::parse("1e30"), Err(TooLarge));
        assert_eq!(
            Quantity::parse("1000000000000000000000000000000"),
            Err(TooLarge)
        );
        assert_eq!(Quantity::parse("0.1e-2147483648"), Err(TooLarge)); // int32 scale wraps
        assert_eq!(Quantity::parse("1e-2147483648"), Err(TooLarge));
        assert_eq!(Quantity::parse("1E2147483648"), Err(TooLarge));
        assert_eq!(Quantity::parse("1e2147483647"), Err(TooLarge));
        assert_eq!(q("0e2147483647"), Quantity::ZERO);
        assert_eq!(q(&format!("0.{}e40", "0".repeat(30))), Quantity::ZERO);
        assert_eq!(q(&format!("0.{}1e40", "0".repeat(30))).nanos(), dec(1, 9));
        // accessors saturate (v1.35 returns 0 for 100E and MinInt64 for 2^63:
        // kubernetes#141166)
        assert_eq!(q("100E").value(), i64::MAX);
        assert_eq!(q("-100E").value(), i64::MIN);
        assert_eq!(q("9223372036854775807").value(), i64::MAX);
        assert_eq!(q("9223372036854775807").milli_value(), i64::MAX);
        assert_eq!(q("9223372036854775808").value(), i64::MAX);
        assert_eq!(q("-9223372036854775808").value(), i64::MIN);
        assert_eq!(q("-9223372036854775809").value(), i64::MIN);
        assert_eq!(q("9223372036854775.807").milli_value(), i64::MAX);
        assert_eq!(q("9223372036854775.8071").milli_value(), i64::MAX);
        assert_eq!(q("-9.5Gi").value(), -10_200_547_328); // v1.35: 8246196746
        assert_eq!(Quantity::from_nanos(i128::MAX).value(), i64::MAX);
        assert_eq!(Quantity::from_nanos(i128::MIN).milli_value(), i64::MIN);
        // long mantissas take the slow path and stay exact
        assert_eq!(
            q("1234567890123456789").nanos(),
            1_234_567_890_123_456_789_000_000_000
        );
        assert_eq!(q("0.1234567890123456789").nanos(), 123_456_790);
        assert_eq!(
            q("12345678901234567.89m").nanos(),
            12_345_678_901_234_567_890_000
        );
    }

    #[test]
    fn arithmetic_and_accessors() {
        let a = q("1.5");
        let b = q("500m");
        assert_eq!(a.checked_add(b), Some(q("2")));
        assert_eq!(a.checked_sub(b), Some(q("1")));
        assert_eq!(
            Quantity::from_nanos(i128::MAX).checked_add(Quantity::from_nanos(1)),
            None
        );
        assert_eq!(
            Quantity::from_nanos(i128::MIN).checked_sub(Quantity::from_nanos(1)),
            None
        );
        assert_eq!(a.max(b), a);
        assert_eq!(b.max(a), a);
        assert!(Quantity::ZERO.is_zero() && !Quantity::ZERO.is_negative());
        assert_eq!(Quantity::default(), Quantity::ZERO);
        assert_eq!(Quantity::from_milli(-5).nanos(), -5_000_000);
        assert_eq!(Quantity::from_value(i64::MIN).value(), i64::MIN);
        assert_eq!(Quantity::from_milli(i64::MAX).milli_value(), i64::MAX);
        assert_eq!("3900m".parse::<Quantity>(), Ok(q("3.9")));
        assert_eq!(format!("{:>6}", q("2G")), "    2G");
        assert_eq!(q("1000E").to_string(), "1000E");
        assert_eq!(
            Quantity::from_nanos(i128::MAX).to_string(),
            "170141183460469231731687303715884105727n"
        );
        assert_eq!(
            QuantityError::FormatWrong.to_string(),
            "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
        );
        assert_eq!(
            QuantityError::Numeric.to_string(),
            "unable to parse numeric part of quantity"
        );
        assert_eq!(
            QuantityError::Suffix.to_string(),
            "unable to parse quantity's suffix"
        );
    }

    #[test]
    fn every_short_string_parses_without_panic_and_renders_back() {
        // All strings of up to 4 characters over the grammar's alphabet and a few
        // strangers: no panic, and every accepted value renders to a string that
        // parses back to it.
        let alphabet: Vec<char> = "019.+-eEiKMGTPnumk x".chars().collect();
        let mut input = String::new();
        let mut accepted = 0usize;
        let mut stack: Vec<usize> = Vec::new();
        loop {
            input.clear();
            input.extend(stack.iter().map(|&i| alphabet[i]));
            if let Ok(quantity) = Quantity::parse(&input) {
                accepted += 1;
                let rendered = quantity.to_string();
                assert_eq!(
                    Quantity::parse(&rendered),
                    Ok(quantity),
                    "{input:?} -> {rendered:?}"
                );
                let _ = (quantity.value(), quantity.milli_value());
            }
            // next string in length-then-lexicographic order
            let mut i = stack.len();
            loop {
                if i == 0 {
                    if stack.len() == 4 {
                        assert!(accepted > 1000);
                        return;
                    }
                    stack.iter_mut().for_each(|d| *d = 0);
                    stack.push(0);
                    break;
                }
                i -= 1;
                if stack[i] + 1 < alphabet.len() {
                    stack[i] += 1;
                    break;
                }
                stack[i] = 0;
            }
        }
    }

    #[test]
    fn rendering_round_trips_at_the_extremes() {
        let mut n: i128 = 1;
        let mut values = vec![i128::MAX, -i128::MAX, 0, 1, -1, 999, 1000, 1001];
        for _ in 0..38 {
            n *= 10;
            values.extend([n, -n, n + 1, n - 1, n / 7 * 3]);
        }
        for v in values {
            let quantity = Quantity::from_nanos(v);
            let rendered = quantity.to_string();
            assert_eq!(
                Quantity::parse(&rendered),
                Ok(quantity),
                "{v} -> {rendered}"
            );
        }
    }
}
