//! Reading a snapshot: a fast path that borrows from the file's bytes and
//! converts on two threads, and a slow path that only a bad file takes, for a
//! located error.

use std::borrow::Cow;
use std::io::Read;
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
    from_bytes(&shown, bytes)
}

/// Reads and validates a snapshot already in memory, as [`load`] does for a file.
pub fn from_bytes(shown: &str, bytes: impl std::ops::Deref<Target = [u8]>) -> Result<(Inventory, Snapshot<'static>), Failure> {
    if bytes.len() as u64 > MAX_SNAPSHOT_BYTES {
        let message = format!("file is over {MAX_SNAPSHOT_BYTES} bytes; eniplan reads snapshots up to that size");
        return Err(InputError::plain(shown, message).into());
    }
    // The fast path parses bytes directly, borrowing strings from them, and
    // parses and converts functions on two threads; only a bad file pays for
    // a located error.
    let parsed = crate::timing::phase("parse", || serde_json::from_slice::<Snapshot<&RawValue, &RawValue>>(&bytes));
    if let Some(mut s) = parsed.ok().filter(|s| READABLE_VERSIONS.contains(&s.eniplan_snapshot)) {
        // Each converter interns about as many IDs as the network lists.
        let ids = s.subnets.len() + s.security_groups.len() + s.vpcs.len();
        let functions = crate::timing::phase("functions", || convert_raw(&s.functions, ids, convert_function));
        let enis = crate::timing::phase("enis", || convert_raw(&s.enis, ids, convert_eni));
        if let (Ok(functions), Ok(enis)) = (functions, enis) {
            let mut inv = crate::timing::phase("network", || network_into_inventory(&mut s));
            inv.functions = functions;
            inv.enis = enis;
            return Ok((inv, s.into_owned_meta()));
        }
    }
    parse(&SourceFile::from_bytes(shown, bytes.to_vec())?)?;
    drop(bytes);
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

/// Parses each raw element and converts it at once, so the parsed form never
/// piles up in memory.
fn convert_raw<'a, S: Deserialize<'a>, T: Send>(
    raw: &[&'a RawValue],
    ids: usize,
    to_model: fn(S, &mut Interner) -> T,
) -> serde_json::Result<Vec<T>> {
    // Vectors are sized up front: growing one by doubling copies it and
    // touches fresh memory each time, which costs more than the conversion.
    let convert = |chunk: &[&'a RawValue], capacity: usize| {
        let mut ids = Interner::with_capacity(ids);
        let mut out = Vec::with_capacity(capacity);
        for r in chunk {
            out.push(to_model(serde_json::from_str::<S>(r.get())?, &mut ids));
        }
        Ok(out)
    };
    if raw.len() < PARALLEL_FROM {
        return convert(raw, raw.len());
    }
    let (first, second) = raw.split_at(raw.len() / 2);
    let (a, b) = std::thread::scope(|scope| {
        let other = scope.spawn(|| convert(second, second.len()));
        // The first half's vector has room for both, so appending the second does not reallocate.
        (convert(first, raw.len()), other.join().expect("conversion does not panic"))
    });
    let mut out = a?;
    out.extend(b?);
    Ok(out)
}

impl<F, E> Snapshot<'_, F, E> {
    /// The metadata, owned: what is left once the inventory has been moved out.
    fn into_owned_meta(self) -> Snapshot<'static> {
        Snapshot {
            eniplan_snapshot: self.eniplan_snapshot,
            generated_at: self.generated_at.map(|c| Cow::Owned(c.into_owned())),
            generator: self.generator.map(|c| Cow::Owned(c.into_owned())),
            scopes: self.scopes,
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
