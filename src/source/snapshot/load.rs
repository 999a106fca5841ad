//! Reading a snapshot: a fast path that borrows from the file's bytes and
//! converts on two threads, and a slow path that only a bad file takes, for a
//! located error.

use std::borrow::Cow;
use std::io::Read;
use std::mem::MaybeUninit;
use std::path::Path;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::convert::{convert_eni, convert_function, network_into_inventory, Interner};
use super::{Snapshot, FORMAT_VERSION, READABLE_VERSIONS};
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
    let release = |first: &str, last: &str| bytes.release(first, last);
    read(&shown, &bytes, &release)
}

/// Reads and validates a snapshot already in memory, as [`load`] does for a file.
pub fn from_bytes(shown: &str, bytes: impl std::ops::Deref<Target = [u8]>) -> Result<(Inventory, Snapshot<'static>), Failure> {
    read(shown, &bytes, &|_, _| {})
}

/// Called with the first and last of a run of elements just converted, so
/// their bytes can be given back.
type Release<'r> = dyn Fn(&str, &str) + Sync + 'r;

fn read(shown: &str, bytes: &[u8], release: &Release) -> Result<(Inventory, Snapshot<'static>), Failure> {
    if bytes.len() as u64 > MAX_SNAPSHOT_BYTES {
        let message = format!("file is over {MAX_SNAPSHOT_BYTES} bytes; eniplan reads snapshots up to that size");
        return Err(InputError::plain(shown, message).into());
    }
    // The fast path parses bytes directly, borrowing strings from them, and
    // parses and converts functions on two threads; only a bad file pays for
    // a located error.
    let parsed = crate::timing::phase("parse", || serde_json::from_slice::<Snapshot<&RawValue, &RawValue>>(bytes));
    if let Some(mut s) = parsed.ok().filter(|s| READABLE_VERSIONS.contains(&s.eniplan_snapshot)) {
        // Each converter interns about as many IDs as the network lists.
        let ids = s.subnets.len() + s.security_groups.len() + s.vpcs.len();
        let functions = crate::timing::phase("functions", || convert_raw(&s.functions, ids, convert_function, release));
        let enis = crate::timing::phase("enis", || convert_raw(&s.enis, ids, convert_eni, release));
        if let (Ok(functions), Ok(enis)) = (functions, enis) {
            let mut inv = crate::timing::phase("network", || network_into_inventory(&mut s));
            inv.functions = functions;
            inv.enis = enis;
            return Ok((inv, s.into_owned_meta()));
        }
    }
    parse(&SourceFile::from_bytes(shown, bytes.to_vec())?)?;
    Err(InputError::plain(shown, "invalid snapshot (see docs/snapshot.md)").into())
}

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
    /// Hands the mapped pages from `first` to the end of `last` back to the
    /// page cache: at a million functions the file would otherwise stay
    /// resident beside the model made from it. Reading them again (the slow
    /// path of a bad file) maps them in again from the file.
    fn release(&self, first: &str, last: &str) {
        let Bytes::Mapped(map) = self else { return };
        let base = map.as_ptr() as usize;
        let start = (first.as_ptr() as usize).wrapping_sub(base);
        let end = (last.as_ptr() as usize + last.len()).wrapping_sub(base);
        if start < end && end <= map.len() {
            // SAFETY: the map is read-only and private, so dropping its pages
            // loses nothing: a later read faults them in again from the file.
            #[cfg(unix)]
            let _ = unsafe { map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, start, end - start) };
        }
    }
}

fn map_or_read(path: &Path, len: u64) -> std::io::Result<Bytes> {
    if len >= 1 << 20 {
        let file = std::fs::File::open(path)?;
        // SAFETY: the map is read-only and lives only while this load runs. A
        // file rewritten meanwhile can at worst fail to parse; snapshots are
        // replaced by rename (see `save`), which leaves a mapped file intact.
        if let Ok(map) = unsafe { memmap2::Mmap::map(&file) } {
            return Ok(Bytes::Mapped(map));
        }
    }
    // A device or pipe reports no length: read one byte past the limit, no more.
    let mut bytes = Vec::new();
    std::fs::File::open(path)?.take(MAX_SNAPSHOT_BYTES + 1).read_to_end(&mut bytes)?;
    Ok(Bytes::Read(bytes))
}

/// Lists at least this long are converted on two threads.
const PARALLEL_FROM: usize = 20_000;

/// Elements converted between two releases of their bytes.
const RELEASE_EVERY: usize = 4096;

/// Parses each raw element and converts it at once, so the parsed form never
/// piles up in memory.
fn convert_raw<'a, S: Deserialize<'a>, T: Send>(
    raw: &[&'a RawValue],
    ids: usize,
    to_model: fn(S, &mut Interner) -> T,
    release: &Release,
) -> serde_json::Result<Vec<T>> {
    fn convert<'a, 's, S: Deserialize<'a>, T>(
        chunk: &[&'a RawValue],
        slots: &'s mut [MaybeUninit<T>],
        ids: usize,
        to_model: fn(S, &mut Interner) -> T,
        release: &Release,
    ) -> serde_json::Result<Written<'s, T>> {
        let mut ids = Interner::with_capacity(ids);
        let items = chunk.iter().enumerate().map(|(i, r)| {
            let item = to_model(serde_json::from_str::<S>(r.get())?, &mut ids);
            if (i + 1) % RELEASE_EVERY == 0 {
                release(chunk[i + 1 - RELEASE_EVERY].get(), r.get());
            }
            Ok(item)
        });
        Written::fill(slots, items)
    }
    // The vector is sized up front and each thread writes its half in place:
    // growing it, or appending one half to the other, would copy it into
    // fresh memory, which costs more than the conversion.
    let mut out = Vec::with_capacity(raw.len());
    let slots = &mut out.spare_capacity_mut()[..raw.len()];
    let half = if raw.len() < PARALLEL_FROM { raw.len() } else { raw.len() / 2 };
    let (first, second) = raw.split_at(half);
    let (first_slots, second_slots) = slots.split_at_mut(half);
    let (a, b) = std::thread::scope(|scope| {
        let other = (!second.is_empty()).then(|| scope.spawn(|| convert(second, second_slots, ids, to_model, release)));
        let a = convert(first, first_slots, ids, to_model, release);
        (a, other.map(|t| t.join().expect("conversion does not panic")))
    });
    let (a, b) = (a?, b.transpose()?);
    std::mem::forget(a);
    std::mem::forget(b);
    // SAFETY: both halves of the first `raw.len()` slots were written, and
    // their guards forgotten, so the vector now owns the elements.
    unsafe { out.set_len(raw.len()) };
    Ok(out)
}

/// Slots written so far, dropped if the rest cannot be: the guard of a half
/// converted in place while the other half may fail.
struct Written<'s, T> {
    slots: &'s mut [MaybeUninit<T>],
    len: usize,
}

impl<'s, T> Written<'s, T> {
    /// Writes the items into the slots in order, one item per slot.
    fn fill<E>(slots: &'s mut [MaybeUninit<T>], items: impl Iterator<Item = Result<T, E>>) -> Result<Self, E> {
        let mut written = Written { slots, len: 0 };
        for item in items {
            written.slots[written.len].write(item?);
            written.len += 1;
        }
        Ok(written)
    }
}

impl<T> Drop for Written<'_, T> {
    fn drop(&mut self) {
        for slot in &mut self.slots[..self.len] {
            // SAFETY: the first `len` slots were written and nothing else owns them.
            unsafe { slot.assume_init_drop() };
        }
    }
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
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    static LIVE: AtomicUsize = AtomicUsize::new(0);

    /// Counts the live elements, so a leak or a double drop shows.
    struct Counted(#[allow(dead_code)] u32);

    impl Drop for Counted {
        fn drop(&mut self) {
            LIVE.fetch_sub(1, Ordering::SeqCst);
        }
    }

    fn counted(n: u32, _: &mut Interner) -> Counted {
        LIVE.fetch_add(1, Ordering::SeqCst);
        Counted(n)
    }

    #[test]
    fn converts_in_order_in_place_and_a_bad_element_in_either_half_drops_what_was_written() {
        let n = PARALLEL_FROM + 10;
        let text = format!("[{}]", (0..n).map(|i| i.to_string()).collect::<Vec<_>>().join(","));
        let raw: Vec<&RawValue> = serde_json::from_str(&text).unwrap();
        let out = convert_raw(&raw, 0, counted, &|_, _| {}).unwrap();
        assert!(out.iter().enumerate().all(|(i, c)| c.0 as usize == i));
        assert_eq!(LIVE.load(Ordering::SeqCst), n);
        drop(out);
        assert_eq!(LIVE.load(Ordering::SeqCst), 0);
        for bad in [3, n - 3] {
            let mut items: Vec<String> = (0..n).map(|i| i.to_string()).collect();
            items[bad] = "\"x\"".to_string();
            let text = format!("[{}]", items.join(","));
            let raw: Vec<&RawValue> = serde_json::from_str(&text).unwrap();
            assert!(convert_raw(&raw, 0, counted, &|_, _| {}).is_err());
            assert_eq!(LIVE.load(Ordering::SeqCst), 0, "bad element at {bad}");
        }
    }
}
