//! Writing files so that a crash never leaves half a file behind, and so
//! that what is at the target is never replaced by surprise.
//!
//! A new text goes into a temporary file beside the target, created with an
//! unpredictable name and exclusively (`tempfile`: `O_EXCL`, so a symlink
//! planted under a guessed name cannot redirect the write), synced, and then
//! renamed over the target. What already sits at the target decides whether
//! that is right:
//!
//! - nothing, or a regular file we may write: replaced atomically, keeping
//!   its permissions;
//! - a regular file without write permission: refused (even for root, who
//!   could write it anyway: the owner said no);
//! - a character device (`/dev/null`, a terminal): written in place, as a
//!   shell's `>` would;
//! - a directory, FIFO, socket or block device: refused;
//! - a symlink: followed, and the rules apply to what it points at (the
//!   link itself stays).
//!
//! Temporary files are named `.NAME.peakload-XXXXXX.tmp`; any of them left
//! by a killed process and older than [`STALE_AFTER`] is removed the next
//! time a file is written in that folder.

use std::fmt;
use std::fs::{Metadata, OpenOptions};
use std::io::Write as _;
use std::os::unix::fs::{FileTypeExt as _, OpenOptionsExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The part of a temporary file's name that marks it as ours.
const TEMP_MARK: &str = ".peakload-";
/// Its ending.
const TEMP_SUFFIX: &str = ".tmp";
/// How old a temporary file of ours must be before it counts as left
/// behind: a save takes milliseconds, so a minute leaves room for a slow
/// disk while another game may be saving into the same folder.
pub const STALE_AFTER: Duration = Duration::from_secs(60);

/// Why a file was not written.
#[derive(Debug)]
pub enum WriteError {
    /// The target is something that must not be replaced or written.
    Refused {
        /// The target.
        path: PathBuf,
        /// Why.
        why: String,
    },
    /// The operating system refused.
    Io(std::io::Error),
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WriteError::Refused { path, why } => {
                write!(f, "{} {why}", crate::files::shown_path(path))
            }
            WriteError::Io(err) => write!(f, "{err}"),
        }
    }
}

impl std::error::Error for WriteError {}

impl From<std::io::Error> for WriteError {
    fn from(err: std::io::Error) -> Self {
        WriteError::Io(err)
    }
}

impl From<WriteError> for std::io::Error {
    fn from(err: WriteError) -> Self {
        match err {
            WriteError::Io(err) => err,
            refused @ WriteError::Refused { .. } => {
                std::io::Error::new(std::io::ErrorKind::PermissionDenied, refused.to_string())
            }
        }
    }
}

/// Writes `text` to `path` as described in the module's documentation; a
/// refusal comes back as an `std::io::Error` of kind `PermissionDenied`
/// whose message says why.
pub fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    write_file(path, text).map_err(Into::into)
}

/// Writes `text` to `path` as described in the module's documentation.
pub fn write_file(path: &Path, text: &str) -> Result<(), WriteError> {
    // Follow a symlink to the file it names, so the link stays a link.
    let target = match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => match path.canonicalize() {
            Ok(real) => real,
            // A dangling link: writing through it would create a file
            // wherever it points, which the link's author may not own.
            Err(_) => {
                return Err(WriteError::Refused {
                    path: path.to_path_buf(),
                    why: "is a symbolic link to nothing; remove it or name another file".into(),
                });
            }
        },
        _ => path.to_path_buf(),
    };
    let existing = match std::fs::metadata(&target) {
        Ok(meta) => Some(meta),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
        Err(err) => return Err(err.into()),
    };
    if let Some(meta) = &existing {
        if meta.file_type().is_char_device() {
            return write_in_place(&target, text);
        }
        refuse_unless_writable_file(&target, meta)?;
    }
    let dir = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = target
        .file_name()
        .map_or("out".into(), |n| n.to_string_lossy().into_owned());
    clean_stale(dir);
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}{TEMP_MARK}"))
        .suffix(TEMP_SUFFIX)
        .tempfile_in(dir)?;
    tmp.write_all(text.as_bytes())?;
    if let Some(meta) = &existing {
        // The new file keeps the old one's permissions (tempfile makes 0600).
        let mode = meta.permissions().mode() & 0o7777;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))?;
    } else {
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    tmp.as_file().sync_all()?;
    // On failure the temporary file is removed when `tmp` drops.
    tmp.persist(&target).map_err(|e| WriteError::Io(e.error))?;
    // The rename is durable only once the directory entry is on disk too.
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Refuses a target that is not a regular file we were allowed to write.
fn refuse_unless_writable_file(path: &Path, meta: &Metadata) -> Result<(), WriteError> {
    let refuse = |why: String| {
        Err(WriteError::Refused {
            path: path.to_path_buf(),
            why,
        })
    };
    if !meta.is_file() {
        return refuse(format!(
            "is a {}, not a regular file: it is not replaced",
            crate::files::kind_of(meta)
        ));
    }
    // Mode bits, not access(2): root may write anything, but a file its
    // owner made read-only is not one to replace without a word.
    if meta.permissions().mode() & 0o222 == 0 {
        return refuse("is read-only: it is not replaced (make it writable first)".into());
    }
    Ok(())
}

/// Writes to a character device as it is (`/dev/null`, a terminal):
/// opened without creating or truncating, and without waiting.
fn write_in_place(path: &Path, text: &str) -> Result<(), WriteError> {
    let mut file = OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_NOCTTY | libc::O_CLOEXEC)
        .open(path)?;
    file.write_all(text.as_bytes())?;
    file.flush()?;
    Ok(())
}

/// Whether a file name is one of our temporary files.
fn is_ours(name: &str) -> bool {
    name.starts_with('.') && name.ends_with(TEMP_SUFFIX) && name.contains(TEMP_MARK)
}

/// Removes our temporary files in `dir` left behind by a killed process:
/// regular files only (never through a symlink), older than [`STALE_AFTER`].
/// Returns how many were removed.
pub fn clean_stale(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name();
        if !is_ours(&name.to_string_lossy()) {
            continue;
        }
        let Ok(meta) = std::fs::symlink_metadata(entry.path()) else {
            continue;
        };
        let old = meta
            .modified()
            .ok()
            .and_then(|m| m.elapsed().ok())
            .is_some_and(|age| age >= STALE_AFTER);
        if meta.is_file() && old && std::fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}
