#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| eniplan::fuzzing::changeset(data));
