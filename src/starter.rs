//! `peakload new`: a commented starter level with its solutions, ready to edit.

use std::path::{Path, PathBuf};

use crate::atomic::write_atomically;

/// The files a new level folder starts with, as templates (`{id}`, `{dir}`).
const FILES: [(&str, &str); 3] = [
    ("level.ron", include_str!("../assets/starter/level.ron")),
    (
        "reference.ron",
        include_str!("../assets/starter/reference.ron"),
    ),
    ("naive.ron", include_str!("../assets/starter/naive.ron")),
];

/// Why a starter level could not be written.
#[derive(Debug, thiserror::Error)]
pub enum NewError {
    /// The folder name cannot be a level id.
    #[error(
        "`{0}` cannot be a level id: use lowercase letters, digits and hyphens, starting with a letter or digit (e.g. 16-cache-day)"
    )]
    BadName(String),
    /// The folder already holds files; nothing is overwritten.
    #[error("{} already exists and is not empty; choose a new folder", .0.display())]
    NotEmpty(PathBuf),
    /// Creating the folder or writing a file failed.
    #[error("cannot write {}: {source}", path.display())]
    Io {
        /// The folder or file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
}

/// Writes a starter level folder at `dir` and returns the files written.
///
/// The level's id is the folder's name; an existing non-empty folder is
/// refused, so an author's work is never overwritten.
pub fn create(dir: &Path) -> Result<Vec<PathBuf>, NewError> {
    let id = dir
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_string();
    if !is_level_id(&id) {
        return Err(NewError::BadName(dir.file_name().map_or_else(
            || dir.display().to_string(),
            |n| n.to_string_lossy().into(),
        )));
    }
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| NewError::Io { path, source }
    };
    match std::fs::read_dir(dir) {
        Ok(entries) => {
            if entries.count() > 0 {
                return Err(NewError::NotEmpty(dir.to_path_buf()));
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(dir).map_err(io(dir))?;
        }
        Err(e) => return Err(io(dir)(e)),
    }
    let shown = dir.display().to_string();
    let mut written = Vec::new();
    for (name, template) in FILES {
        let path = dir.join(name);
        let text = template.replace("{id}", &id).replace("{dir}", &shown);
        write_atomically(&path, &text).map_err(io(&path))?;
        written.push(path);
    }
    Ok(written)
}

/// A level id: lowercase ASCII letters, digits and single hyphens inside.
fn is_level_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-')
        && !id.ends_with('-')
        && !id.contains("--")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::{self, load};
    use crate::sim::{self, Score};

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("peakload-new-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    fn score(dir: &Path, solution: &str) -> Score {
        let level = load::read(&dir.join("level.ron")).expect("level");
        let sol = load::read(&dir.join(solution)).expect("solution");
        let checked = format::check_texts(level, Some(sol)).expect("checks");
        assert!(checked.warnings.is_empty(), "{:?}", checked.warnings);
        Score::of(&sim::run_checked(&checked, None, sim::History::LastTick).expect("runs"))
    }

    #[test]
    fn the_starter_checks_clean_and_teaches_its_point() {
        let dir = temp("ok").join("16-newsletter");
        let files = create(&dir).expect("written");
        assert_eq!(files.len(), 3);
        let level = std::fs::read_to_string(dir.join("level.ron")).expect("level");
        assert!(level.contains("id: \"16-newsletter\""));
        assert!(!level.contains("{id}") && !level.contains("{dir}"));
        let reference = score(&dir, "reference.ron");
        assert!(reference.passed && reference.stars == 3, "{reference:?}");
        let naive = score(&dir, "naive.ron");
        assert!(!naive.passed && naive.availability_pct < 99.0, "{naive:?}");
    }

    #[test]
    fn an_existing_folder_with_files_is_never_touched() {
        let dir = temp("taken").join("my-level");
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::write(dir.join("level.ron"), "mine").expect("write");
        assert!(matches!(create(&dir), Err(NewError::NotEmpty(_))));
        assert_eq!(
            std::fs::read_to_string(dir.join("level.ron")).expect("read"),
            "mine"
        );
        // An empty folder is fine.
        let empty = temp("empty").join("my-level");
        std::fs::create_dir_all(&empty).expect("dir");
        assert!(create(&empty).is_ok());
    }

    #[test]
    fn names_that_cannot_be_ids_are_refused() {
        for bad in ["My Level", "-x", "x-", "a--b", "caf\u{e9}", ""] {
            assert!(!is_level_id(bad), "{bad:?}");
        }
        assert!(is_level_id("16-cache-day"));
        assert!(matches!(
            create(&temp("bad").join("Bad Name")),
            Err(NewError::BadName(_))
        ));
    }
}
