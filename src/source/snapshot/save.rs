//! Writing a snapshot.

use std::path::Path;

use super::Snapshot;
use crate::error::Failure;

/// Writes atomically: a temporary file in the same directory, then a rename.
pub fn save(path: &Path, snap: &Snapshot) -> Result<(), Failure> {
    let json = serde_json::to_string_pretty(snap).map_err(|e| Failure::Io(e.to_string()))?;
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("snapshot"),
        std::process::id()
    ));
    std::fs::write(&tmp, json + "\n").map_err(|e| Failure::Io(format!("cannot write {}: {e}", tmp.display())))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Failure::Io(format!("cannot rename {} to {}: {e}", tmp.display(), path.display()))
    })
}
