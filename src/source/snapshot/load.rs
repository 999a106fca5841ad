//! Reading a snapshot: a fast path that reads the long arrays straight from
//! the file's bytes on two threads, and a slow path, for what the fast one
//! does not expect and for a located error.

use std::borrow::Cow;
use std::io::Read;
use std::path::Path;

use serde::de::IgnoredAny;
use serde::Deserialize;

use super::chunked::{convert_array, top_level, Array, Parts, Release};
use super::convert::{convert_eni, convert_function, network_into_inventory, Interner};
use super::{direct, SnapEni, Snapshot, FORMAT_VERSION, READABLE_VERSIONS};
use crate::error::{Failure, InputError};
use crate::files::SourceFile;
use crate::model::Inventory;

/// Snapshots are written by machines and grow with the account: allow 1 GiB.
const MAX_SNAPSHOT_BYTES: u64 = 1 << 30;

/// Reads and validates a snapshot file. The returned [`Snapshot`] keeps only
/// its metadata (`scopes`, `api_calls`, …): the inventory is moved out of it.
pub fn load(path: &Path) -> Result<(Inventory, Snapshot<'static>), Failure> {
    let shown = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| InputError::plain(&shown, format!("cannot read: {e}")))?;
    if meta.len() > MAX_SNAPSHOT_BYTES {
        let message = format!(
            "file is {} bytes; eniplan reads snapshots up to {MAX_SNAPSHOT_BYTES} bytes",
            meta.len()
        );
        return Err(InputError::plain(&shown, message).into());
    }
    let bytes = crate::timing::phase("read", || map_or_read(path, meta.len()))
        .map_err(|e| InputError::plain(&shown, format!("cannot read: {e}")))?;
    let release = |from: usize, to: usize| bytes.release(from, to);
    read(&shown, &bytes, Some(CHUNK_BYTES), &release)
}

/// Reads and validates a snapshot already in memory, as [`load`] does for a file.
pub fn from_bytes(shown: &str, bytes: impl std::ops::Deref<Target = [u8]>) -> Result<(Inventory, Snapshot<'static>), Failure> {
    read(shown, &bytes, Some(CHUNK_BYTES), &|_, _| {})
}

/// [`from_bytes`] with the long arrays cut into chunks of `chunk` bytes, or
/// (`None`) read in one piece the slow way: both must give the same result,
/// which the fuzz target checks.
#[doc(hidden)]
pub fn from_bytes_in_chunks(shown: &str, bytes: &[u8], chunk: Option<usize>) -> Result<(Inventory, Snapshot<'static>), Failure> {
    read(shown, bytes, chunk, &|_, _| {})
}

/// Bytes per chunk of a long array: two workers share about 40 of them at a
/// million functions.
const CHUNK_BYTES: usize = 8 << 20;

fn read(shown: &str, bytes: &[u8], chunk: Option<usize>, release: &Release) -> Result<(Inventory, Snapshot<'static>), Failure> {
    if bytes.len() as u64 > MAX_SNAPSHOT_BYTES {
        let message = format!("file is over {MAX_SNAPSHOT_BYTES} bytes; eniplan reads snapshots up to that size");
        return Err(InputError::plain(shown, message).into());
    }
    if let Some(read) = chunk.and_then(|chunk| one_pass(bytes, chunk, release)) {
        return Ok(read);
    }
    // The way every file can be read, with a located error for a bad one.
    let file = SourceFile::from_bytes(shown, bytes.to_vec())?;
    let mut s = parse(&file)?;
    let mut ids = Interner::default();
    let functions = std::mem::take(&mut s.functions)
        .into_iter()
        .map(|f| convert_function(f, &mut ids))
        .collect();
    let enis = std::mem::take(&mut s.enis).into_iter().map(|e| convert_eni(e, &mut ids)).collect();
    let mut inv = network_into_inventory(&mut s);
    inv.functions = functions;
    inv.enis = enis;
    Ok((inv, s.into_owned_meta()))
}

/// The usual way: functions and ENIs parsed and converted straight from the
/// bytes on two threads ([`chunked`](super::chunked)), the rest by the derived
/// schema. `None` for anything it does not expect, bad or not.
fn one_pass(bytes: &[u8], chunk: usize, release: &Release) -> Option<(Inventory, Snapshot<'static>)> {
    // Checked once here, the file's strings need no check of their own.
    let text = crate::timing::phase("utf-8", || utf8(bytes))?;
    let (mut functions, mut enis) = (None, None);
    let rest = top_level(text, &["functions", "enis"], |key, at| {
        let end;
        if key == "functions" {
            let how = Array {
                read: |de, cx| direct::read_function(de, cx),
                chunk,
                release,
            };
            (functions, end) = long_array(text, at, key, how)?;
        } else {
            let how = Array {
                read: |de, cx| SnapEni::deserialize(de).map(|e| convert_eni(e, &mut cx.ids)),
                chunk,
                release,
            };
            (enis, end) = long_array(text, at, key, how)?;
        }
        Some(end)
    })?;
    // The functions are put in one list on a second thread while this one
    // reads the rest, which is on one thread too.
    let (rest, functions) = std::thread::scope(|scope| {
        let functions = scope.spawn(|| functions.map(Parts::concat).unwrap_or_default());
        let rest = read_rest(&rest);
        (rest, functions.join().expect("a concatenation does not panic"))
    });
    let (mut inv, meta) = rest?;
    inv.functions = functions;
    inv.enis = enis.map(Parts::concat).unwrap_or_default();
    Some((inv, meta))
}

/// One long array, timed under its key: its elements, and the offset after it.
fn long_array<'a, T: Send>(text: &'a str, at: usize, key: &str, how: Array<'a, '_, T>) -> Option<(Option<Parts<T>>, usize)> {
    let (list, end) = crate::timing::phase(key, || convert_array(text, at, &how))?;
    Some((Some(list), end))
}

/// The members other than functions and ENIs, read by the derived schema.
fn read_rest(rest: &str) -> Option<(Inventory, Snapshot<'static>)> {
    let parsed = crate::timing::phase("parse", || serde_json::from_str::<Snapshot<IgnoredAny, IgnoredAny>>(rest));
    let mut s = parsed.ok().filter(|s| READABLE_VERSIONS.contains(&s.eniplan_snapshot))?;
    let inv = crate::timing::phase("network", || network_into_inventory(&mut s));
    Some((inv, s.into_owned_meta()))
}

/// The file as text, if it is UTF-8: checked in two halves on two threads
/// when it is large.
fn utf8(bytes: &[u8]) -> Option<&str> {
    if bytes.len() < PARALLEL_UTF8 {
        return simdutf8::basic::from_utf8(bytes).ok();
    }
    // Split where a character starts, so the halves are UTF-8 exactly when the whole is.
    let mid = (bytes.len() / 2..bytes.len()).find(|&i| bytes[i] & 0xC0 != 0x80)?;
    let (first, second) = bytes.split_at(mid);
    let valid = std::thread::scope(|scope| {
        let second = scope.spawn(|| simdutf8::basic::from_utf8(second).is_ok());
        simdutf8::basic::from_utf8(first).is_ok() && second.join().expect("a UTF-8 check does not panic")
    });
    // SAFETY: both halves are valid UTF-8, so their concatenation, `bytes`,
    // is; a mapped file's bytes do not change while it is read (see `map_or_read`).
    valid.then(|| unsafe { std::str::from_utf8_unchecked(bytes) })
}

/// Files at least this large are checked for UTF-8 on two threads.
const PARALLEL_UTF8: usize = 16 << 20;

/// A large snapshot is mapped rather than copied: its pages come straight
/// from the page cache. Anything that cannot be mapped is read.
enum Bytes {
    Mapped(memmap2::Mmap),
    Read(Vec<u8>),
}

impl std::ops::Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Mapped(m) => m,
            Bytes::Read(v) => v,
        }
    }
}

impl Bytes {
    /// Hands the mapped pages of `from..to` back to the page cache: at a
    /// million functions the file would otherwise stay resident beside the
    /// model made from it. Reading them again maps them in again from the file.
    fn release(&self, from: usize, to: usize) {
        let Bytes::Mapped(map) = self else { return };
        if from < to && to <= map.len() {
            // SAFETY: the map is read-only and private, so dropping its pages
            // loses nothing: a later read faults them in again from the file,
            // which does not change while it is mapped (see `map_or_read`).
            #[cfg(unix)]
            let _ = unsafe { map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, from, to - from) };
        }
    }
}

fn map_or_read(path: &Path, len: u64) -> std::io::Result<Bytes> {
    if len >= 1 << 20 {
        let file = std::fs::File::open(path)?;
        // SAFETY: the map is read-only and lives only while this load runs,
        // and the file must not change under it. eniplan replaces snapshots by
        // rename (see `save`), which leaves a mapped file intact. A file that
        // another program rewrites in place during the load breaks what any
        // mapped read relies on: the bytes checked as UTF-8 (`utf8`) could
        // change before they are parsed, and a truncated file faults.
        if let Ok(map) = unsafe { memmap2::Mmap::map(&file) } {
            return Ok(Bytes::Mapped(map));
        }
    }
    // A device or pipe reports no length: read one byte past the limit, no more.
    let mut bytes = Vec::new();
    std::fs::File::open(path)?.take(MAX_SNAPSHOT_BYTES + 1).read_to_end(&mut bytes)?;
    Ok(Bytes::Read(bytes))
}

impl<F, E> Snapshot<'_, F, E> {
    /// The metadata, owned: what is left once the inventory has been moved out.
    fn into_owned_meta(self) -> Snapshot<'static> {
        Snapshot {
            eniplan_snapshot: self.eniplan_snapshot,
            generated_at: self.generated_at.map(|c| Cow::Owned(c.into_owned())),
            generator: self.generator.map(|c| Cow::Owned(c.into_owned())),
            scopes: self.scopes,
            accounts: vec![],
            functions: vec![],
            subnets: vec![],
            security_groups: vec![],
            vpcs: vec![],
            enis: vec![],
            capacity_providers: vec![],
            incomplete: self.incomplete,
            api_calls: self.api_calls,
            values: self.values,
        }
    }
}

pub fn parse(file: &SourceFile) -> Result<Snapshot<'_>, InputError> {
    let snap: Snapshot = serde_json::from_str(&file.text).map_err(|e| {
        let offset = file.offset_of(e.line(), e.column());
        InputError::at(file, offset..offset, format!("invalid snapshot: {e}"), "here")
            .with_help("see docs/snapshot.md for the snapshot format")
    })?;
    if !READABLE_VERSIONS.contains(&snap.eniplan_snapshot) {
        let at = file.text.find("eniplan_snapshot").unwrap_or(0);
        return Err(InputError::at(
            file,
            at..at + "eniplan_snapshot".len(),
            format!(
                "snapshot format version {} is not supported (this eniplan reads versions {} to {FORMAT_VERSION})",
                snap.eniplan_snapshot,
                READABLE_VERSIONS.start()
            ),
            "unsupported version",
        ));
    }
    Ok(snap)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAIN: &str = r#"{"eniplan_snapshot":3,"functions":[
        {"name":"a","account":"1","region":"r","versions":[{"version":"$LATEST","vpc":{"subnet_ids":["subnet-1"],"security_group_ids":["sg-1"]}}]},
        {"name":"b","account":"1","region":"r","versions":[{"version":"$LATEST"}]}],
        "enis":[{"id":"eni-1","subnet_id":"subnet-1","security_group_ids":["sg-1"]}]}"#;

    fn shown(bytes: &str, chunk: Option<usize>) -> String {
        let (inv, meta) = from_bytes_in_chunks("s.json", bytes.as_bytes(), chunk).unwrap();
        format!("{inv:?} {meta:?}")
    }

    #[test]
    fn the_one_pass_reader_and_the_slow_way_read_alike() {
        assert!(one_pass(PLAIN.as_bytes(), 16, &|_, _| {}).is_some());
        let slow = shown(PLAIN, None);
        assert!(slow.contains("eni-1") && slow.contains("\"a\""), "{slow}");
        for chunk in [1, 16, CHUNK_BYTES] {
            assert_eq!(shown(PLAIN, Some(chunk)), slow);
        }
        // A key with an escape is left to the slow way, which reads it.
        let escaped = PLAIN.replace("\"functions\"", "\"function\\u0073\"");
        assert!(one_pass(escaped.as_bytes(), 16, &|_, _| {}).is_none());
        assert_eq!(shown(&escaped, Some(CHUNK_BYTES)), slow);
    }

    #[test]
    fn a_large_file_is_utf8_in_halves_exactly_when_it_is_whole() {
        // "é" is two bytes; put one across the middle, where the halves split.
        let mut bytes = vec![b'a'; PARALLEL_UTF8 + 1];
        let mid = bytes.len() / 2;
        bytes[mid - 1..=mid].copy_from_slice("é".as_bytes());
        assert_eq!(utf8(&bytes).map(str::len), Some(bytes.len()));
        for bad in [1, mid, bytes.len() - 1] {
            let mut wrong = bytes.clone();
            wrong[bad] = 0xFF;
            assert_eq!(utf8(&wrong), None, "0xFF at {bad}");
        }
        let mut cut = bytes.clone();
        cut[mid] = b'a';
        assert_eq!(utf8(&cut), None, "a lone first byte before the middle");
    }

    #[test]
    fn a_bad_file_fails_the_same_with_any_chunk_size() {
        for bad in [
            PLAIN.replace("\"b\"", "1"),
            PLAIN.replace("\"enis\"", "\"functions\""),
            PLAIN.replace("\"eniplan_snapshot\":3", "\"eniplan_snapshot\":9"),
            format!("{PLAIN}x"),
        ] {
            let errors: Vec<String> = [None, Some(1), Some(CHUNK_BYTES)]
                .into_iter()
                .map(|chunk| match from_bytes_in_chunks("s.json", bad.as_bytes(), chunk) {
                    Err(Failure::Input(e)) => format!("{} {}:{}", e, e.line, e.column),
                    other => panic!("{bad}: {:?}", other.map(|_| ())),
                })
                .collect();
            assert!(errors.iter().all(|e| *e == errors[0]), "{errors:?}");
        }
    }
}
