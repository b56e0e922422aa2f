//! Embeds the bundled levels (levels/*/) so the game runs from any directory.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    // Read at run time, not with `env!`: a build script compiled in another
    // checkout of the crate (a copied `target/`) must embed this one's levels.
    let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    let root = Path::new(&manifest).join("levels");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut folders: Vec<_> = std::fs::read_dir(&root)
        .map(|dir| {
            dir.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.join("level.ron").is_file())
                .collect()
        })
        .unwrap_or_default();
    folders.sort();
    let mut code = String::from(
        "/// One bundled level folder: (folder, level.ron, reference.ron, naive.ron, par.ron, every solution file by name).\npub type BundledRow = (&'static str, &'static str, Option<&'static str>, Option<&'static str>, Option<&'static str>, &'static [(&'static str, &'static str)]);\n/// Bundled levels.\npub const BUNDLED: &[BundledRow] = &[\n",
    );
    for folder in folders {
        let name = folder
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        let file = |f: &str| {
            let p = folder.join(f);
            println!("cargo:rerun-if-changed={}", p.display());
            p.is_file()
                .then(|| format!("include_str!({:?})", p.display().to_string()))
        };
        let opt = |f: &str| file(f).map_or("None".to_string(), |s| format!("Some({s})"));
        // Every solution beside the level, in the byte order of their names:
        // what `par` and `verify` start from when the folder is on disk.
        let mut names: Vec<String> = std::fs::read_dir(&folder)
            .map(|dir| {
                dir.filter_map(Result::ok)
                    .filter(|e| e.path().is_file())
                    .filter_map(|e| e.file_name().into_string().ok())
                    .filter(|n| n.ends_with(".ron") && n != "level.ron" && n != "par.ron")
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        let solutions: Vec<String> = names
            .iter()
            .filter_map(|n| file(n).map(|text| format!("({n:?}, {text})")))
            .collect();
        let _ = writeln!(
            code,
            "    ({name:?}, {}, {}, {}, {}, &[{}]),",
            file("level.ron").unwrap_or_default(),
            opt("reference.ron"),
            opt("naive.ron"),
            // The par is optional (made by `peakload par`); a new one shows as
            // a change of the folder, watched below.
            if folder.join("par.ron").is_file() {
                opt("par.ron")
            } else {
                "None".to_string()
            },
            solutions.join(", ")
        );
        println!("cargo:rerun-if-changed={}", folder.display());
    }
    code.push_str("];\n");
    let out = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("bundled.rs");
    std::fs::write(out, code).expect("OUT_DIR is writable");
}
