//! Replays every fuzz corpus file (and any kept crash input) through the
//! function its fuzz target calls, so a fixed crash stays fixed on stable.

use std::path::Path;

use eniplan::fuzzing::TARGETS;

#[test]
fn every_fuzz_input_loads_without_panic() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut replayed = 0;
    for (name, run) in TARGETS {
        let mut inputs = vec![];
        for dir in [fuzz.join("corpus").join(name), fuzz.join("artifacts").join(name)] {
            let Ok(entries) = std::fs::read_dir(&dir) else { continue };
            inputs.extend(entries.map(|e| e.unwrap().path()).filter(|p| p.is_file()));
        }
        assert!(
            inputs.iter().any(|p| p.starts_with(fuzz.join("corpus"))),
            "fuzz target {name} has no corpus"
        );
        inputs.sort();
        for input in inputs {
            let data = std::fs::read(&input).unwrap();
            let outcome = std::panic::catch_unwind(|| run(&data));
            assert!(outcome.is_ok(), "{name}: {} panics", input.display());
            replayed += 1;
        }
    }
    assert!(replayed >= TARGETS.len());
}
