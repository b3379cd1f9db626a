//! Choosing among equally good nodes.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::ids::NodeIdx;

/// How to pick among tied best nodes. Upstream picks at random; spillway is
/// deterministic either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TieBreak {
    /// The first tied node by name (the golden data's rule; the default).
    #[default]
    Name,
    /// A tied node chosen by a ChaCha8 generator seeded with this value.
    Seed(u64),
}

impl std::str::FromStr for TieBreak {
    type Err = String;

    /// Parses `name` or `seed:N`.
    fn from_str(s: &str) -> Result<TieBreak, String> {
        if s == "name" {
            return Ok(TieBreak::Name);
        }
        if let Some(n) = s.strip_prefix("seed:") {
            return n
                .parse::<u64>()
                .map(TieBreak::Seed)
                .map_err(|_| format!("invalid seed {n:?}: expected an unsigned integer"));
        }
        Err(format!(
            "invalid tie-break {s:?}: expected `name` or `seed:N`"
        ))
    }
}

/// The running state of a [`TieBreak`] over a sequence of placements.
#[derive(Debug, Clone)]
pub struct TieBreaker {
    mode: TieBreak,
    rng: Option<ChaCha8Rng>,
}

impl TieBreaker {
    /// Starts a tie-breaker.
    pub fn new(mode: TieBreak) -> TieBreaker {
        TieBreaker {
            mode,
            rng: match mode {
                TieBreak::Name => None,
                TieBreak::Seed(s) => Some(ChaCha8Rng::seed_from_u64(s)),
            },
        }
    }

    /// The rule this tie-breaker follows.
    pub fn mode(&self) -> TieBreak {
        self.mode
    }

    /// Picks one of `best` (sorted by node name); `None` when empty.
    pub fn pick(&mut self, best: &[NodeIdx]) -> Option<NodeIdx> {
        match (&mut self.rng, best.len()) {
            (_, 0) => None,
            (None, _) | (_, 1) => best.first().copied(),
            (Some(rng), n) => best.get(rng.random_range(0..n)).copied(),
        }
    }
}
