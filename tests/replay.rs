//! What the player does during a run is data: solutions write back to RON
//! unchanged in meaning, and an action applied live scores the same as the
//! same action replayed from the solution file.

mod common;

use common::{levels, solutions_on_disk};
use peakload::format::solution::{Action, Solution};
use peakload::format::{self, SourceFile, load};
use peakload::sim::{Score, Setup, Sim};

#[test]
fn every_bundled_solution_round_trips_through_ron() {
    for level in levels() {
        for (name, text) in solutions_on_disk(&level) {
            let first: Solution = load::parse(&SourceFile::new(&name, text)).expect("parses");
            let written = load::to_ron(&first).expect("writes");
            let again: Solution = load::parse(&SourceFile::new("written.ron", written.clone()))
                .unwrap_or_else(|e| panic!("{name}: {e}\n{written}"));
            assert_eq!(
                format!("{first:?}"),
                format!("{again:?}"),
                "{}/{name}",
                level.folder
            );
        }
    }
}

#[test]
fn an_action_taken_live_scores_the_same_as_its_replay() {
    let level = peakload::bundled::find("06-auto-scaling").expect("level 06");
    let fixed = r#"Solution(level: "06-auto-scaling", things: [
        LoadBalancer(id: "shop-lb"),
        AutoScalingGroup(id: "shop", type: "c5.large", min: 4, desired: 8, max: 40),
    ], links: [("buyers", "shop-lb"), ("shop-lb", "shop")])"#;
    let checked = format::check_texts(level.level_file(), Some(SourceFile::new("live.ron", fixed)))
        .expect("checks");
    let solution = checked.solution.clone().expect("solution").0;

    // Live: the player raises desired capacity at 12:40 and lowers it at 14:00.
    let mut live = Sim::new(Setup::new(
        checked.catalogue.clone(),
        checked.level.clone(),
        solution.clone(),
        None,
    ))
    .expect("builds");
    let moves = [(12 * 3600 + 40 * 60, 30), (14 * 3600, 10)];
    for (at, desired) in moves {
        while live.ctx.now_s < f64::from(at) {
            live.step();
        }
        live.act(Action::SetDesired {
            thing: "shop".into(),
            desired,
        });
    }
    live.run_to_end();

    // Replay: the actions the live run logged, saved into the solution.
    let mut replayed_solution = solution;
    replayed_solution.actions = live.ctx.actions.clone();
    assert_eq!(replayed_solution.actions.len(), 2);
    let written = load::to_ron(&replayed_solution).expect("writes");
    let reread = format::check_texts(
        level.level_file(),
        Some(SourceFile::new("saved.ron", written)),
    )
    .expect("saved solution checks");
    let mut replay = Sim::new(Setup::new(
        reread.catalogue.clone(),
        reread.level.clone(),
        reread.solution.expect("solution").0,
        None,
    ))
    .expect("builds");
    replay.run_to_end();

    let (a, b) = (Score::of(&live), Score::of(&replay));
    assert_eq!(
        serde_json::to_string(&a).expect("json"),
        serde_json::to_string(&b).expect("json")
    );
    assert!(a.requests.arrived > 0);
}
