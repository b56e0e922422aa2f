//! Frozen levels for unit tests whose figures must not move when the
//! campaign's levels are retuned.

use crate::bundled;
use crate::format::SourceFile;

/// The level file and a named solution: `day` is the frozen Auto Scaling
/// day; any other name is a bundled level.
pub fn level_and_solution(level: &str, which: &str) -> (SourceFile, &'static str) {
    if level == "day" {
        let solution = match which {
            "reference" => include_str!("day-reference.ron"),
            "fixed-for-peak" => include_str!("day-fixed-for-peak.ron"),
            _ => include_str!("day-naive.ron"),
        };
        let file = SourceFile::new(
            "src/sim/testdata/day-level.ron",
            include_str!("day-level.ron"),
        );
        return (file, solution);
    }
    let l = bundled::find(level).expect("bundled level");
    let solution = match which {
        "reference" => l.reference,
        _ => l.naive,
    };
    (l.level_file(), solution.expect("bundled solution"))
}
