//! Headless scoring speed: each bundled level run to the end with its
//! reference solution. Run with `cargo bench`.

use peakload::bundled;
use peakload::format::{self, SourceFile};
use peakload::sim::{Score, Setup, Sim};

fn main() {
    divan::main();
}

#[divan::bench(args = ["01-on-prem-dilemma", "05-horizontal-scaling", "06-auto-scaling"], sample_count = 5)]
fn score_reference(bencher: divan::Bencher, folder: &str) {
    let level = bundled::find(folder).expect("bundled level");
    let solution = SourceFile::new("reference.ron", level.reference.expect("reference"));
    let checked = format::check_texts(level.level_file(), Some(solution)).expect("checks");
    let solution = checked
        .solution
        .as_ref()
        .map(|(s, _)| s.clone())
        .unwrap_or_default();
    bencher.bench(|| {
        let mut sim = Sim::new(Setup::new(
            checked.catalogue.clone(),
            checked.level.clone(),
            solution.clone(),
            None,
        ))
        .expect("builds");
        sim.run_to_end();
        Score::of(&sim)
    });
}
