//! String interning: every string the engine compares is turned into a [`Sym`] once.

use std::collections::HashMap;

use crate::ids::Sym;

/// A string table. Symbols are dense, starting at 0, and never removed.
#[derive(Debug, Clone, Default)]
pub struct Interner {
    map: HashMap<Box<str>, Sym>,
    strings: Vec<Box<str>>,
    /// `strconv.ParseInt(s, 10, 64)` of each string, for the `Gt`/`Lt` operators.
    ints: Vec<Option<i64>>,
}

impl Interner {
    /// Returns the symbol of `s`, adding it when new.
    ///
    /// # Panics
    /// Never in practice: more than `u32::MAX` distinct strings saturate to an error
    /// reported by the cluster compiler before this is reached.
    pub fn intern(&mut self, s: &str) -> Sym {
        if let Some(&sym) = self.map.get(s) {
            return sym;
        }
        let sym = Sym(u32::try_from(self.strings.len()).unwrap_or(u32::MAX));
        self.strings.push(s.into());
        self.ints.push(parse_go_int(s));
        self.map.insert(s.into(), sym);
        sym
    }

    /// The symbol of `s` if it was interned.
    pub fn get(&self, s: &str) -> Option<Sym> {
        self.map.get(s).copied()
    }

    /// The string of `sym`.
    pub fn resolve(&self, sym: Sym) -> &str {
        self.strings.get(sym.index()).map_or("", |s| s)
    }

    /// The integer value of `sym`'s string as Go's `strconv.ParseInt(s, 10, 64)` reads it.
    pub fn int(&self, sym: Sym) -> Option<i64> {
        self.ints.get(sym.index()).copied().flatten()
    }
}

/// Go's `strconv.ParseInt(s, 10, 64)`: optional sign, ASCII digits only, no spaces,
/// no underscores (base 10 given explicitly), range-checked.
pub(crate) fn parse_go_int(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<i64>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_parse_int_accepts_sign_and_rejects_junk() {
        assert_eq!(parse_go_int("42"), Some(42));
        assert_eq!(parse_go_int("+42"), Some(42));
        assert_eq!(parse_go_int("-7"), Some(-7));
        assert_eq!(parse_go_int("007"), Some(7));
        assert_eq!(parse_go_int(""), None);
        assert_eq!(parse_go_int("+"), None);
        assert_eq!(parse_go_int("1_000"), None);
        assert_eq!(parse_go_int(" 1"), None);
        assert_eq!(parse_go_int("1.0"), None);
        assert_eq!(parse_go_int("9223372036854775808"), None);
        assert_eq!(parse_go_int("-9223372036854775808"), Some(i64::MIN));
    }

    #[test]
    fn interning_is_stable() {
        let mut i = Interner::default();
        let a = i.intern("a");
        let b = i.intern("b");
        assert_ne!(a, b);
        assert_eq!(i.intern("a"), a);
        assert_eq!(i.resolve(b), "b");
        assert_eq!(i.get("c"), None);
    }
}
