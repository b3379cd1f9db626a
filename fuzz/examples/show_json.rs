//! Prints the scenario JSON that a `scenario_json` input (e.g. a crash artifact)
//! stands for, and how far the pipeline gets with it (0 = parse error,
//! 1 = compile error, 2 = scheduled), for turning artifacts into regression tests:
//!
//! `cargo +nightly run --example show_json -- fuzz/artifacts/scenario_json/crash-...`
use arbitrary::{Arbitrary, Unstructured};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    for path in std::env::args().skip(1) {
        let bytes = std::fs::read(&path)?;
        let s =
            spillway_fuzz::structured::Scenario::arbitrary_take_rest(Unstructured::new(&bytes))?;
        let text = serde_json::to_string_pretty(&s.to_json())?;
        println!("{text}");
        eprintln!("{path}: stage {}", spillway_fuzz::run_scenario(&text));
    }
    Ok(())
}
