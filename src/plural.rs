//! Counts with their nouns, as every message and report says them.

/// "1 warning", "2 warnings": a count and its noun, which takes an `s` unless the count is 1.
pub fn count(n: usize, noun: &str) -> String {
    format!("{n} {}", plural(n, noun))
}

/// The noun for `n` things.
pub fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        noun.to_string()
    } else {
        format!("{noun}s")
    }
}
