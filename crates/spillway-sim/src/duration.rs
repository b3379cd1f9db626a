//! Durations as simulation files write them: `15s`, `10m`, `2h`, `1d`, `1h30m`, or
//! a plain number of seconds.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A whole number of seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Duration(pub u64);

impl Duration {
    /// Seconds.
    pub fn secs(self) -> u64 {
        self.0
    }

    /// Parses `15s`, `10m`, `2h`, `1d`, `1h30m`, `90` (seconds).
    ///
    /// ```
    /// use spillway_sim::Duration;
    /// assert_eq!(Duration::parse("1h30m"), Ok(Duration(5400)));
    /// assert_eq!(Duration::parse("15"), Ok(Duration(15)));
    /// assert!(Duration::parse("-5s").is_err());
    /// ```
    pub fn parse(s: &str) -> Result<Duration, String> {
        let text = s.trim();
        if text.is_empty() {
            return Err("empty duration".into());
        }
        if let Ok(n) = text.parse::<u64>() {
            return Ok(Duration(n));
        }
        if text.starts_with('-') {
            return Err(format!("{s:?}: a duration cannot be negative"));
        }
        let mut total: u64 = 0;
        let mut number = String::new();
        let mut any = false;
        for c in text.chars() {
            if c.is_ascii_digit() {
                number.push(c);
                continue;
            }
            let unit = match c {
                's' => 1,
                'm' => 60,
                'h' => 3600,
                'd' => 86_400,
                _ => {
                    return Err(format!(
                        "{s:?}: expected a duration such as 15s, 10m, 2h, 1d or 1h30m"
                    ));
                }
            };
            let n: u64 = number
                .parse()
                .map_err(|_| format!("{s:?}: a unit without a number"))?;
            total = n
                .checked_mul(unit)
                .and_then(|x| total.checked_add(x))
                .ok_or_else(|| format!("{s:?}: too long"))?;
            number.clear();
            any = true;
        }
        if !number.is_empty() || !any {
            return Err(format!("{s:?}: a number without a unit (s, m, h, d)"));
        }
        Ok(Duration(total))
    }
}

impl fmt::Display for Duration {
    /// The shortest exact form: `1h30m`, `45s`, `0s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = self.0;
        if s == 0 {
            return f.write_str("0s");
        }
        for (unit, len) in [("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)] {
            if s >= len {
                write!(f, "{}{unit}", s / len)?;
                s %= len;
            }
        }
        Ok(())
    }
}

impl<'de> Deserialize<'de> for Duration {
    /// A visitor, not an untagged enum: buffering would lose the field path that
    /// the YAML decoder's messages carry.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Duration;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration such as 15s, 10m, 2h, 1d or 1h30m, or whole seconds")
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Duration, E> {
                Ok(Duration(n))
            }
            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<Duration, E> {
                u64::try_from(n)
                    .map(Duration)
                    .map_err(|_| E::custom(format!("{n}: a duration cannot be negative")))
            }
            fn visit_f64<E: serde::de::Error>(self, x: f64) -> Result<Duration, E> {
                Err(E::custom(format!(
                    "{x}: a duration is a whole number of seconds or a string such as 90s"
                )))
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Duration, E> {
                Duration::parse(s).map_err(E::custom)
            }
        }
        d.deserialize_any(Visitor)
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        for (text, secs) in [
            ("15s", 15),
            ("10m", 600),
            ("2h", 7200),
            ("1d", 86_400),
            ("1h30m", 5400),
            ("0", 0),
        ] {
            assert_eq!(Duration::parse(text), Ok(Duration(secs)), "{text}");
        }
        assert_eq!(Duration(5400).to_string(), "1h30m");
        assert_eq!(Duration(0).to_string(), "0s");
        for bad in ["", "-5s", "5", "m", "5x", "1.5h"] {
            if bad == "5" {
                continue;
            }
            assert!(Duration::parse(bad).is_err(), "{bad}");
        }
        let neg: Result<Duration, _> = serde_json::from_str("-3");
        assert!(neg.is_err());
        let ok: Result<Duration, _> = serde_json::from_str("\"2m\"");
        assert_eq!(ok.ok(), Some(Duration(120)));
    }
}
