//! Reading a snapshot's long arrays (functions, ENIs) in one pass on two
//! threads, without a first pass to find where each element starts.
//!
//! The array's bytes are cut into chunks. Each chunk after the first starts
//! at a guess: the first `}`, `,`, `{` after its cut. That is where an element
//! starts, unless it lies inside a string, between two objects nested in an
//! element (a function's versions), or past the array's end. Two workers parse and
//! convert chunks in turn; a worker stops when it reaches the end of the
//! array, or when an element it reaches starts exactly at a later chunk's
//! guess. Only such a landing proves a guess right, so the result is stitched
//! from the first chunk along the landings, and a chunk whose guess was wrong
//! is dropped: the chunk before it has read on through its bytes.
//!
//! Anything this reader does not expect (an escaped key, a repeated array, a
//! parse error anywhere) makes it give up, and the caller reads the file the
//! slower way, which accepts every file this reader accepts, and more.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::de::StrRead;
use serde_json::value::RawValue;

use super::direct::Context;

/// Called with a byte range of the file just converted, so its pages can be given back.
pub(super) type Release<'r> = dyn Fn(usize, usize) + Sync + 'r;

/// Elements converted between two releases of their bytes.
const RELEASE_EVERY: usize = 4096;

/// Reads one element into the model.
pub(super) type Read<'a, T> = fn(&mut serde_json::Deserializer<StrRead<'a>>, &mut Context) -> serde_json::Result<T>;

/// How a long array is read.
pub(super) struct Array<'a, 'f, T> {
    pub read: Read<'a, T>,
    /// Bytes per chunk: below this an array is read on one thread.
    pub chunk: usize,
    pub release: &'f Release<'f>,
}

/// The top-level object as JSON text for the derived schema to read, each
/// of the named arrays written as `[]`: `convert` reads the array instead. It
/// is called with the array's key and the offset after its `[`, and returns
/// the offset after its `]`.
pub(super) fn top_level(text: &str, long: &[&str], mut convert: impl FnMut(&str, usize) -> Option<usize>) -> Option<String> {
    let b = text.as_bytes();
    let mut seen = vec![false; long.len()];
    let mut rest = String::from("{");
    let mut i = skip_ws(b, 0);
    if b.get(i) != Some(&b'{') {
        return None;
    }
    i = skip_ws(b, i + 1);
    if b.get(i) == Some(&b'}') {
        i += 1;
    } else {
        loop {
            if b.get(i) != Some(&b'"') {
                return None;
            }
            let len = b[i + 1..].iter().position(|&c| c == b'"' || c == b'\\')?;
            let end = i + 1 + len;
            if b[end] != b'"' {
                return None;
            }
            let key = std::str::from_utf8(&b[i + 1..end]).ok()?;
            let colon = skip_ws(b, end + 1);
            if b.get(colon) != Some(&b':') {
                return None;
            }
            let at = skip_ws(b, colon + 1);
            match long.iter().position(|k| *k == key) {
                Some(n) if b.get(at) == Some(&b'[') => {
                    if std::mem::replace(&mut seen[n], true) {
                        return None;
                    }
                    i = convert(key, at + 1)?;
                    rest.push_str(&format!("\"{key}\":[]"));
                }
                _ => {
                    let (raw, after) = value_at::<&RawValue>(text, at)?;
                    rest.push_str(key_text(b, i, end)?);
                    rest.push(':');
                    rest.push_str(raw.get());
                    i = after;
                }
            }
            i = skip_ws(b, i);
            match b.get(i) {
                Some(b',') => {
                    rest.push(',');
                    i = skip_ws(b, i + 1);
                }
                Some(b'}') => {
                    i += 1;
                    break;
                }
                _ => return None,
            }
        }
    }
    (skip_ws(b, i) == b.len()).then(|| {
        rest.push('}');
        rest
    })
}

/// The key with its quotes, as written.
fn key_text(b: &[u8], open: usize, close: usize) -> Option<&str> {
    std::str::from_utf8(&b[open..=close]).ok()
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\n' | b'\r' | b'\t') {
        i += 1;
    }
    i
}

/// The JSON value that starts at `at`, and the offset just after it.
fn value_at<'a, T: Deserialize<'a>>(text: &'a str, at: usize) -> Option<(T, usize)> {
    let mut values = serde_json::Deserializer::from_str(text.get(at..)?).into_iter::<T>();
    let value = values.next()?.ok()?;
    Some((value, at + values.byte_offset()))
}

/// The element that starts at `at`, read into the model, and the offset just after it.
fn element_at<'a, T>(text: &'a str, at: usize, read: Read<'a, T>, cx: &mut Context) -> Option<(T, usize)> {
    let mut de = serde_json::Deserializer::from_str(text.get(at..)?);
    let element = read(&mut de, cx).ok()?;
    // A stream starts where its deserializer stopped: just after the element.
    Some((element, at + de.into_iter::<IgnoredAny>().byte_offset()))
}

/// A chunk's elements, and how its reading ended.
type Part<T> = (Vec<T>, End);

/// How a chunk's reading ended.
#[derive(Clone, Copy, PartialEq, Debug)]
enum End {
    /// At the array's `]`; the offset after it.
    Array(usize),
    /// On the start of this later chunk.
    Landed(usize),
    /// Not at an element, or at one that does not parse.
    Failed,
}

/// An array's elements in order, in the chunks they were read in.
pub(super) struct Parts<T>(Vec<Vec<T>>);

impl<T> Parts<T> {
    /// The elements moved into one list, which the caller may do on a thread
    /// of its own while it reads the rest of the file.
    pub fn concat(self) -> Vec<T> {
        let mut all = Vec::with_capacity(self.0.iter().map(Vec::len).sum());
        for items in self.0 {
            all.extend(items);
        }
        all
    }
}

/// Converts the array whose elements start at `start` (just after its `[`):
/// the elements in order, and the offset after its `]`.
pub(super) fn convert_array<'a, T: Send>(text: &'a str, start: usize, how: &Array<'a, '_, T>) -> Option<(Parts<T>, usize)> {
    let b = text.as_bytes();
    let starts = chunk_starts(b, start, how.chunk);
    let parts: Vec<Mutex<Option<Part<T>>>> = starts.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let work = || {
        let mut cx = Context::new();
        loop {
            let k = next.fetch_add(1, Ordering::Relaxed);
            if k >= starts.len() {
                break;
            }
            let part = read_chunk(text, &starts, k, how, &mut cx);
            *parts[k].lock().expect("a chunk's reader does not panic") = Some(part);
        }
    };
    if starts.len() > 1 {
        std::thread::scope(|scope| {
            // Joined, not left to the scope: a scope stops waiting before the
            // thread's own teardown is done.
            let other = scope.spawn(work);
            work();
            other.join().expect("a chunk's reader does not panic");
        });
    } else {
        work();
    }
    let mut parts: Vec<Option<Part<T>>> = parts
        .into_iter()
        .map(|p| p.into_inner().expect("a chunk's reader does not panic"))
        .collect();
    // Stitch along the landings; chunks passed over are dropped.
    let mut chain = vec![];
    let mut k = 0;
    let end = loop {
        let (items, end) = parts[k].take()?;
        chain.push(items);
        match end {
            End::Array(after) => break after,
            End::Landed(later) => k = later,
            End::Failed => return None,
        }
    };
    Some((Parts(chain), end))
}

/// Where each chunk starts: the first at `start`, each later one at the first
/// `}`, `,`, `{` after its cut (at the `{`). A cut with no such pattern before
/// the next cut has no chunk.
fn chunk_starts(b: &[u8], start: usize, chunk: usize) -> Vec<usize> {
    let mut starts = vec![start];
    let mut cut = start.saturating_add(chunk.max(1));
    while cut < b.len() {
        let limit = cut.saturating_add(chunk.max(1)).min(b.len());
        if let Some(at) = guess_element_start(b, cut, limit) {
            starts.push(at);
        }
        cut = limit;
    }
    starts
}

/// The first `{` in `from..to` that follows a `,` that follows a `}`,
/// whitespace aside.
fn guess_element_start(b: &[u8], from: usize, to: usize) -> Option<usize> {
    let before = |mut i: usize| {
        while i > 0 && matches!(b[i - 1], b' ' | b'\n' | b'\r' | b'\t') {
            i -= 1;
        }
        i.checked_sub(1)
    };
    (from..to).find(|&i| b[i] == b'{' && before(i).is_some_and(|c| b[c] == b',' && before(c).is_some_and(|o| b[o] == b'}')))
}

/// Reads chunk `k`'s elements until the array ends or an element starts
/// where a later chunk does.
fn read_chunk<'a, T>(text: &'a str, starts: &[usize], k: usize, how: &Array<'a, '_, T>, cx: &mut Context) -> Part<T> {
    let b = text.as_bytes();
    let (first, later) = (k == 0, &starts[k + 1..]);
    let mut items = Vec::new();
    let mut at = if first { skip_ws(b, starts[k]) } else { starts[k] };
    if first && b.get(at) == Some(&b']') {
        return (items, End::Array(at + 1));
    }
    let mut next_later = 0;
    let mut released_to = at;
    loop {
        let Some((element, after)) = element_at(text, at, how.read, cx) else {
            return (items, End::Failed);
        };
        items.push(element);
        if items.len() % RELEASE_EVERY == 0 {
            (how.release)(released_to, after);
            released_to = after;
        }
        let sep = skip_ws(b, after);
        match b.get(sep) {
            Some(b']') => return (items, End::Array(sep + 1)),
            Some(b',') => at = skip_ws(b, sep + 1),
            _ => return (items, End::Failed),
        }
        while later.get(next_later).is_some_and(|&s| s < at) {
            next_later += 1;
        }
        if later.get(next_later) == Some(&at) {
            return (items, End::Landed(k + 1 + next_later));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbers(de: &mut serde_json::Deserializer<StrRead>, _: &mut Context) -> serde_json::Result<i64> {
        i64::deserialize(de)
    }

    fn texts(de: &mut serde_json::Deserializer<StrRead>, _: &mut Context) -> serde_json::Result<String> {
        serde_json::Value::deserialize(de).map(|v| v.to_string())
    }

    fn convert<'a, T: Send>(text: &'a str, read: Read<'a, T>, chunk: usize) -> Option<Vec<T>> {
        let how = Array {
            read,
            chunk,
            release: &|_, _| {},
        };
        let b = text.as_bytes();
        let open = b.iter().position(|&c| c == b'[')?;
        let (items, end) = convert_array(text, open + 1, &how)?;
        (skip_ws(b, end) == b.len()).then(|| items.concat())
    }

    #[test]
    fn chunks_give_what_one_pass_gives_even_when_a_guess_lies_in_a_string() {
        // Strings full of `},{` put guesses inside them; every chunk size must
        // give the elements a plain parse gives.
        let elements: Vec<String> = (0..300)
            .map(|i| match i % 4 {
                0 => format!("{{\"n\":{i}}}"),
                1 => format!("{{\"s\":\"}},{{\\\"n\\\":{i}}},{{\",\"t\":[{{}},{{}}]}}"),
                2 => "{ }".to_string(),
                _ => format!("{{\"deep\":{{\"a\":[{{\"b\":{i}}} , {{ }}]}}}}"),
            })
            .collect();
        let text = format!("[\n {} \n]", elements.join(" ,\n "));
        let want: Vec<String> = serde_json::from_str::<Vec<serde_json::Value>>(&text)
            .unwrap()
            .iter()
            .map(|v| v.to_string())
            .collect();
        for chunk in [1, 2, 3, 7, 16, 64, 100, 1000, 1 << 20] {
            assert_eq!(convert(&text, texts, chunk).as_deref(), Some(&want[..]), "chunk {chunk}");
        }
    }

    #[test]
    fn a_bad_element_or_separator_fails_in_any_chunk() {
        let good: Vec<String> = (0..200).map(|i| format!("{{\"n\":{i}}}")).collect();
        for bad in [0, 1, 100, 199] {
            for wrong in ["{\"n\":}", "{\"n\":1", "{\"n\":1}}", "x"] {
                let mut items = good.clone();
                items[bad] = wrong.to_string();
                let text = format!("[{}]", items.join(","));
                for chunk in [1, 5, 50, 1 << 20] {
                    assert!(convert(&text, texts, chunk).is_none(), "{wrong} at {bad}, chunk {chunk}");
                }
            }
        }
        for text in ["[1,,2]", "[1 2]", "[1,2", "[1,2,]", "[,1]"] {
            for chunk in [1, 2, 1 << 20] {
                assert!(convert(text, numbers, chunk).is_none(), "{text}, chunk {chunk}");
            }
        }
        assert_eq!(convert("[ ]", numbers, 1), Some(vec![]));
        assert_eq!(convert("[1, 2 ,3]", numbers, 1), Some(vec![1, 2, 3]));
    }

    #[test]
    fn the_top_level_keeps_other_members_and_gives_up_on_what_it_does_not_expect() {
        let text = r#" { "a" : [1,2], "long" : [ {"x":1} ], "b":{"c":"}"} } "#;
        let mut seen = vec![];
        let rest = top_level(text, &["long"], |k, at| {
            seen.push(k.to_string());
            let (items, end) = convert_array(
                text,
                at,
                &Array {
                    read: texts,
                    chunk: 1,
                    release: &|_, _| {},
                },
            )?;
            assert_eq!(items.concat(), ["{\"x\":1}"]);
            Some(end)
        });
        assert_eq!(rest.as_deref(), Some(r#"{"a":[1,2],"long":[],"b":{"c":"}"}}"#));
        assert_eq!(seen, ["long"]);
        let never = |_: &str, _: usize| -> Option<usize> { panic!("no long array here") };
        assert_eq!(top_level("{}", &["long"], never).as_deref(), Some("{}"));
        assert_eq!(top_level(r#"{"long":null}"#, &["long"], never).as_deref(), Some(r#"{"long":null}"#));
        for bad in [r#"{"lo\ng":[]}"#, r#"{"a":1}x"#, r#"{"a":1,}"#, r#"[1]"#, r#"{"a" 1}"#, ""] {
            assert_eq!(top_level(bad, &["long"], never), None, "{bad}");
        }
        let twice = r#"{"long":[],"long":[]}"#;
        assert_eq!(top_level(twice, &["long"], |_, at| Some(at + 1)), None);
    }
}
