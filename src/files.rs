//! Opening files that other people wrote, and showing their names.
//!
//! A course's CI reads folders of students' files as its own user, so a file
//! may be a symlink to a secret, a FIFO that never ends, a device that never
//! stops giving bytes, or be named to forge a line of output. Everything the
//! game reads (levels, solutions, par files, the player's progress) goes
//! through [`read_limited`]: it never blocks on a FIFO, reads only regular
//! files, and stops at a size limit. [`list_folder`] accepts only regular
//! files that really live in the folder, and says why it skipped each other
//! entry. [`shown`] makes a name safe to print on a terminal.

use std::fmt;
use std::fs::{File, Metadata, OpenOptions};
use std::io::Read as _;
use std::os::unix::fs::{FileTypeExt as _, OpenOptionsExt as _};
use std::path::{Path, PathBuf};

/// Why a file was not read.
#[derive(Debug)]
pub enum FileError {
    /// The operating system refused (missing, no permission...).
    Io(std::io::Error),
    /// Not a regular file: a directory, FIFO, socket or device.
    NotRegular(&'static str),
    /// Bigger than the limit, in bytes (as far as it was read).
    TooBig {
        /// Bytes found (at least `limit + 1`).
        bytes: u64,
        /// The limit.
        limit: u64,
    },
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileError::Io(err) => write!(f, "{err}"),
            FileError::NotRegular(kind) => write!(f, "it is a {kind}, not a regular file"),
            FileError::TooBig { bytes, limit } => write!(
                f,
                "it holds {bytes} bytes or more, over the {limit} a file may hold"
            ),
        }
    }
}

impl std::error::Error for FileError {}

impl From<std::io::Error> for FileError {
    fn from(err: std::io::Error) -> Self {
        FileError::Io(err)
    }
}

/// What kind of file system entry something is, for messages.
pub fn kind_of(meta: &Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_dir() {
        "directory"
    } else if t.is_fifo() {
        "FIFO (named pipe)"
    } else if t.is_socket() {
        "socket"
    } else if t.is_char_device() {
        "character device"
    } else if t.is_block_device() {
        "block device"
    } else if t.is_symlink() {
        "symbolic link"
    } else {
        "regular file"
    }
}

/// Opens a file for reading without blocking: `O_NONBLOCK` makes opening a
/// FIFO with no writer return at once instead of waiting forever (the file
/// is refused right after, as it is not regular).
fn open_nonblocking(path: &Path, follow: bool) -> std::io::Result<File> {
    let mut flags = libc::O_NONBLOCK | libc::O_CLOEXEC;
    if !follow {
        flags |= libc::O_NOFOLLOW;
    }
    OpenOptions::new().read(true).custom_flags(flags).open(path)
}

/// Reads a whole regular file of at most `limit` bytes. A FIFO, socket,
/// device or directory is refused without blocking, and a file is never
/// read past `limit + 1` bytes (`/dev/zero` or a growing file cannot fill memory).
pub fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>, FileError> {
    read_opened(open_nonblocking(path, true)?, limit)
}

/// As [`read_limited`], but refuses a symlink instead of following it.
pub fn read_limited_nofollow(path: &Path, limit: u64) -> Result<Vec<u8>, FileError> {
    read_opened(open_nonblocking(path, false)?, limit)
}

fn read_opened(file: File, limit: u64) -> Result<Vec<u8>, FileError> {
    // The checks look at the file opened, not at the name, so nothing can
    // be swapped in between.
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(FileError::NotRegular(kind_of(&meta)));
    }
    if meta.len() > limit {
        return Err(FileError::TooBig {
            bytes: meta.len(),
            limit,
        });
    }
    let mut bytes = Vec::new();
    // Some files (in /proc) report a size of 0 and hold more: read no further than the limit.
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(FileError::TooBig {
            bytes: bytes.len() as u64,
            limit,
        });
    }
    Ok(bytes)
}

/// One `.ron` entry of a folder: a file to read, or why it was skipped.
#[derive(Debug)]
pub enum Entry {
    /// A regular file inside the folder.
    File {
        /// The entry's own path (a link's name, for a link).
        path: PathBuf,
        /// The path to open: never a symlink.
        open: PathBuf,
    },
    /// An entry named like a solution that is not one, with the reason.
    Skipped(PathBuf, String),
}

/// The `.ron` entries of a folder in name order, leaving out those named in
/// `ignore`: regular files, and symlinks to regular files inside the same
/// folder, are read; every other entry named `*.ron` (a directory, a FIFO, a
/// socket, a device, a dangling or looping symlink, a symlink out of the
/// folder) is skipped with its reason.
pub fn list_folder(folder: &Path, ignore: &[&str]) -> std::io::Result<Vec<Entry>> {
    let real_folder = folder.canonicalize()?;
    let mut names: Vec<_> = std::fs::read_dir(folder)?
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .filter(|n| {
            let name = n.to_string_lossy();
            name.ends_with(".ron") && !ignore.contains(&name.as_ref())
        })
        .collect();
    names.sort();
    let mut out = Vec::new();
    for name in names {
        let path = folder.join(&name);
        let entry = match std::fs::symlink_metadata(&path) {
            Err(err) => Entry::Skipped(path, format!("cannot be read: {err}")),
            Ok(meta) if meta.is_file() => Entry::File {
                open: path.clone(),
                path,
            },
            Ok(meta) if meta.file_type().is_symlink() => match path.canonicalize() {
                Err(err) if err.raw_os_error() == Some(libc::ELOOP) => {
                    Entry::Skipped(path, "skipped: a symbolic link that loops".into())
                }
                Err(_) => Entry::Skipped(
                    path,
                    "skipped: a symbolic link to nothing (dangling)".into(),
                ),
                Ok(real) if real.parent() != Some(real_folder.as_path()) => Entry::Skipped(
                    path,
                    "skipped: a symbolic link out of the folder; only files in the folder are read"
                        .into(),
                ),
                Ok(real) => match std::fs::symlink_metadata(&real) {
                    Ok(m) if m.is_file() => Entry::File { path, open: real },
                    Ok(m) => Entry::Skipped(
                        path,
                        format!("skipped: a symbolic link to a {}", kind_of(&m)),
                    ),
                    Err(err) => Entry::Skipped(path, format!("cannot be read: {err}")),
                },
            },
            Ok(meta) => Entry::Skipped(
                path,
                format!("skipped: a {}, not a regular file", kind_of(&meta)),
            ),
        };
        out.push(entry);
    }
    Ok(out)
}

/// Whether a character could change what a terminal shows beyond itself:
/// control characters (escape sequences, newlines, carriage returns) and
/// the bidirectional formatting characters that reorder a line.
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

/// A name or id made safe to print: each unsafe character is written as an
/// escape (`\n`, `\u{202e}`), so a file name cannot forge a line or hide text.
pub fn shown(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(is_unsafe_char) {
        return text.into();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_unsafe_char(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.into()
}

/// A path made safe to print (see [`shown`]); bytes that are not UTF-8 show as `\u{fffd}`.
pub fn shown_path(path: &Path) -> String {
    shown(&path.to_string_lossy()).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cannot_forge_lines_or_reorder_them() {
        assert_eq!(shown("bob.ron"), "bob.ron");
        assert_eq!(
            shown("bob.ron\ncarol.ron  PASSED"),
            "bob.ron\\ncarol.ron  PASSED"
        );
        assert_eq!(shown("a\u{202e}b\u{1b}[2J"), "a\\u{202e}b\\u{1b}[2J");
    }
}
