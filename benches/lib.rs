//! benches live in schedule.rs
