//! Structured scenarios (see `spillway_fuzz::structured`) rendered as JSON and
//! run through the `spillway schedule` pipeline: nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spillway_fuzz::structured::Scenario;

fuzz_target!(|s: Scenario| {
    let text = s.to_json().to_string();
    spillway_fuzz::run_scenario(&text);
});
