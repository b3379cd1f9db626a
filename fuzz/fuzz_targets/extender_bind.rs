//! Request bodies for the extender's `bind` verb(s), decoded and answered as the
//! server does: nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    if body.len() <= spillway_fuzz::MAX_INPUT {
        spillway_fuzz::extender::bind(body);
    }
});
