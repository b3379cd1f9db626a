//! Scenario text (YAML or JSON, either shape) through the whole `spillway
//! schedule` pipeline: nothing may panic, errors are fine.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if text.len() <= spillway_fuzz::MAX_INPUT {
        spillway_fuzz::run_scenario(text);
    }
});
