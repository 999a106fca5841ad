//! Source files kept in memory so findings and errors can point at a line.

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use crate::error::InputError;

pub type FileId = usize;

/// A byte range in a source file.
pub type Span = std::ops::Range<usize>;

/// Limits that keep hostile input from exhausting the stack or memory.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;
pub const MAX_DEPTH: usize = 200;
pub const MAX_NODES: usize = 1_000_000;

#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: String,
    pub text: Arc<str>,
    line_starts: Vec<usize>,
    /// ASCII text: columns are byte offsets, no need to count characters.
    ascii: bool,
}

impl SourceFile {
    pub fn new(path: impl Into<String>, text: impl Into<Arc<str>>) -> Self {
        let text: Arc<str> = text.into();
        let mut line_starts = vec![0];
        line_starts.extend(text.bytes().enumerate().filter(|(_, b)| *b == b'\n').map(|(i, _)| i + 1));
        let ascii = text.is_ascii();
        SourceFile {
            path: path.into(),
            text,
            line_starts,
            ascii,
        }
    }

    /// Reads a file, refusing huge files and invalid UTF-8 with a located error.
    pub fn read(path: &Path) -> Result<Self, InputError> {
        Self::read_limited(path, MAX_FILE_BYTES)
    }

    /// Like [`SourceFile::read`], with a size limit of the caller's choosing.
    pub fn read_limited(path: &Path, limit: u64) -> Result<Self, InputError> {
        let shown = path.display().to_string();
        let cannot = |e: std::io::Error| InputError::plain(&shown, format!("cannot read: {e}"));
        let meta = std::fs::metadata(path).map_err(cannot)?;
        let too_big = |size: String| InputError::plain(&shown, format!("file is {size} bytes; eniplan reads files up to {limit} bytes"));
        if meta.len() > limit {
            return Err(too_big(meta.len().to_string()));
        }
        // A device or pipe reports no length (`/dev/zero`): stop reading past the limit.
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(limit + 1).read_to_end(&mut bytes))
            .map_err(cannot)?;
        if bytes.len() as u64 > limit {
            return Err(too_big(format!("over {limit}")));
        }
        Self::from_bytes(shown, bytes)
    }

    /// A file's bytes as read, refusing invalid UTF-8 with a located error.
    pub fn from_bytes(shown: impl Into<String>, bytes: Vec<u8>) -> Result<Self, InputError> {
        let shown = shown.into();
        match String::from_utf8(bytes) {
            Ok(text) => Ok(SourceFile::new(shown, text)),
            Err(e) => {
                let at = e.utf8_error().valid_up_to();
                let valid = String::from_utf8_lossy(&e.as_bytes()[..at]).into_owned();
                let file = SourceFile::new(shown, valid);
                Err(InputError::at(
                    &file,
                    at..at,
                    "invalid UTF-8: templates must be UTF-8 text",
                    "the invalid byte starts here",
                ))
            }
        }
    }

    /// 1-based line and column (column counted in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[line];
        let col = match self.ascii {
            true => offset - start,
            false => self.text.get(start..offset).map_or(offset - start, |s| s.chars().count()),
        };
        (line + 1, col + 1)
    }

    /// 1-based line and column counted in UTF-8 bytes, as reviewdog counts them.
    pub fn line_byte_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        (line + 1, offset - self.line_starts[line] + 1)
    }

    /// The byte offset of a 1-based line and column as serde_json reports them
    /// (the column counts bytes), kept inside the text and on a character.
    pub fn offset_of(&self, line: usize, column: usize) -> usize {
        let Some(&start) = self.line_starts.get(line.saturating_sub(1)) else {
            return self.text.len();
        };
        let mut at = (start + column.saturating_sub(1)).min(self.text.len());
        while !self.text.is_char_boundary(at) {
            at -= 1;
        }
        at
    }

    pub fn line_text(&self, line: usize) -> &str {
        let start = self.line_starts.get(line - 1).copied().unwrap_or(self.text.len());
        let end = self.line_starts.get(line).copied().unwrap_or(self.text.len());
        self.text[start..end].trim_end_matches(['\n', '\r'])
    }

    /// Whether a snippet of this line can be shown: a huge line (minified JSON,
    /// as Terraform writes plans) is unreadable, and miette cannot lay it out.
    pub fn can_show_line(&self, line: usize) -> bool {
        self.line_text(line).len() <= 2_000
    }

    pub fn clamp(&self, span: &Span) -> Span {
        let start = span.start.min(self.text.len());
        start..span.end.clamp(start, self.text.len())
    }
}

/// Every file read in one run; findings refer to files by index.
#[derive(Debug, Default, Clone)]
pub struct Files {
    files: Vec<SourceFile>,
}

impl Files {
    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.files.push(file);
        self.files.len() - 1
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id]
    }
}

#[cfg(test)]
mod tests {
    use super::SourceFile;

    #[test]
    fn json_error_positions_become_byte_offsets() {
        let text = "{\n  \"é\": 1, \"ü\": x}";
        let e = serde_json::from_str::<serde_json::Value>(text).unwrap_err();
        let file = SourceFile::new("f.json", text);
        assert_eq!(&text[file.offset_of(e.line(), e.column())..], "x}");
        assert_eq!(file.offset_of(9, 1), text.len());
        assert_eq!(file.offset_of(0, 0), 0);
    }
}
