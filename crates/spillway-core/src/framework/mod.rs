//! The scheduling framework: runs PreEnqueue, PreFilter, Filter, PostFilter,
//! PreScore, Score and NormalizeScore over the plugins of a [`Profile`], exactly as
//! kube-scheduler v1.35's `frameworkImpl` and `schedulePod` do, and reports every
//! node's verdict and every plugin's score.

mod board;
mod evaluate;
mod explain;
mod message;
mod place;
mod plugin;
mod profile;
pub(crate) mod statics;
mod status;
mod tie;

pub use evaluate::{Evaluation, NodeScores, Scheduler};
pub use explain::{FilterVerdict, SelectorUse};
pub use place::Placer;
pub use plugin::Plugin;
pub use profile::{DefaultSpreadConstraint, Profile, ResourceSpec, ScoringStrategy};
pub use status::{Code, Reason, Rejection, Resource};
pub use tie::{TieBreak, TieBreaker};
