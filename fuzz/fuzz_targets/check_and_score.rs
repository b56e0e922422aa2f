//! Any bytes as a level and a solution: checking never panics, and whatever
//! `check` accepts builds a world that steps and scores without a panic.
//!
//! An input is the level's bytes, then byte 0xFF, then the solution's bytes;
//! without 0xFF it is a level alone. (0xFF never occurs in UTF-8 text, so the
//! seeds made from the bundled files split where they were joined.)
#![no_main]

use libfuzzer_sys::fuzz_target;
use peakload::format::{self, budget, load, validate};
use peakload::sim::{Score, Setup, Sim};

/// Ticks an accepted input runs: enough to reach every system (scaling,
/// failures, billing), few enough for hundreds of inputs a second.
const TICKS_RUN: u64 = 200;

fuzz_target!(|data: &[u8]| {
    let (level, solution) = match data.iter().position(|&b| b == 0xFF) {
        Some(i) => (&data[..i], Some(&data[i + 1..])),
        None => (data, None),
    };
    let Ok(level) = load::decode("fuzz/level.ron", level.to_vec()) else {
        return;
    };
    let solution = match solution.map(|s| load::decode("fuzz/solution.ron", s.to_vec())) {
        Some(Ok(file)) => Some(file),
        Some(Err(_)) => return,
        None => None,
    };
    let checked = match format::check_texts(level, solution) {
        Ok(checked) => checked,
        Err(err) => {
            // Printing the problems is part of refusing.
            assert!(!err.to_string().is_empty());
            return;
        }
    };
    let plan = checked.solution.as_ref().map(|(s, _)| s);
    let things: Vec<_> = checked
        .level
        .preplaced
        .iter()
        .chain(plan.into_iter().flat_map(|s| &s.things))
        .collect();
    let mut links = checked.level.preplaced_links.clone();
    links.extend(plan.into_iter().flat_map(|s| s.links.iter().cloned()));
    let actions: Vec<_> = plan
        .into_iter()
        .flat_map(|s| s.actions.iter().cloned())
        .collect();
    let cost = budget::estimate(
        &checked.catalogue,
        &checked.level,
        &things,
        &links,
        &actions,
        validate::MAX_STREAMS + 1,
    );
    assert!(
        cost.work() <= validate::MAX_WORK,
        "accepted past MAX_WORK: {cost:?}"
    );
    let setup = Setup::new(
        checked.catalogue.clone(),
        checked.level.clone(),
        plan.cloned().unwrap_or_default(),
        None,
    );
    let Ok(mut sim) = Sim::new(setup) else {
        return;
    };
    for _ in 0..TICKS_RUN {
        if sim.finished() {
            break;
        }
        sim.step();
    }
    let score = Score::of(&sim);
    let _ = peakload::cli::table(&score, &checked);
    let _ = peakload::sim::review::review(&sim, &score);
});
