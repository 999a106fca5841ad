//! `ENIPLAN_TIMINGS=1` prints how long each pipeline phase took, on stderr.

use std::sync::OnceLock;
use std::time::Instant;

fn enabled() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("ENIPLAN_TIMINGS").is_some_and(|v| v != "0"))
}

/// When the process started, near enough: the first call to this.
fn start() -> Instant {
    static START: OnceLock<Instant> = OnceLock::new();
    *START.get_or_init(Instant::now)
}

/// Prints `what` with the milliseconds since start, when timings are on.
pub fn event(what: impl FnOnce() -> String) {
    if enabled() {
        eprintln!("eniplan timing: +{:.1} ms {}", start().elapsed().as_secs_f64() * 1000.0, what());
    }
}

/// Runs `f`, and prints its wall time under `name` when timings are on.
pub fn phase<T>(name: &str, f: impl FnOnce() -> T) -> T {
    if !enabled() {
        return f();
    }
    let start = Instant::now();
    let out = f();
    eprintln!(
        "eniplan timing: {name:<10} {:>8.1} ms {:>6} MiB resident",
        start.elapsed().as_secs_f64() * 1000.0,
        resident_mib()
    );
    out
}

/// The process's resident memory, from /proc (0 where there is none).
fn resident_mib() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm.split_whitespace().nth(1).and_then(|p| p.parse().ok()).unwrap_or(0);
    pages * 4096 / (1 << 20)
}
