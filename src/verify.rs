//! A machine check of a lesson: for every idea a level `teaches`, search for
//! the cheapest ★★★ design that does without it. A training game teaches
//! what it rewards, so a ★★★ design without the idea is a hole in the lesson.
//!
//! For each idea the search starts from the level's own solutions with the
//! idea stripped out (things of that kind bypassed or swapped for an Auto
//! Scaling group, the purchase option turned back to on-demand, the
//! commitment dropped, the policies dropped, draining turned off...) and
//! from par's sampler (changed copies of those, and designs built from
//! scratch); then it improves the best few with small changes (par's random
//! changes, one server more or fewer, a cheaper instance type, one thing
//! fewer). Only designs that pass `check` and still lack the idea are
//! scored, at most `budget` of them per idea, on every core. The same seed
//! gives the same designs on every machine and core count.

use std::collections::BTreeSet;
use std::num::NonZeroUsize;
use std::path::Path;

use serde::Serialize;
use thiserror::Error;

use crate::batch;
use crate::format::level::{Idea, PolicyKind, has};
use crate::format::solution::{
    AutoScalingGroup, Capacity, Commitment, Metric, Policy, Purchase, Scheme, Solution, Thing,
    ThingKind,
};
use crate::format::time::Span;
use crate::format::{self, Checked, InputError, Level, SourceFile, load};
use crate::par::generate;
use crate::par::mutate::{self, MOST_SERVERS};
use crate::par::sample::{Dice, Palette};
use crate::sim::Score;

/// Designs scored per idea when `--budget` is not given.
pub const DEFAULT_BUDGET: u32 = 60;
/// Seed of the search when `--seed` is not given.
pub const DEFAULT_SEED: u64 = 1;
/// Designs drawn per design scored before the search gives up finding new ones.
const ATTEMPTS_PER_DESIGN: u32 = 20;
/// Best designs the local search changes.
const PARENTS: usize = 4;
/// Most stripped variants kept per solution (an `AnyOf` multiplies them).
const MOST_VARIANTS: usize = 8;

/// Why a level could not be verified.
#[derive(Debug, Error)]
pub enum VerifyError {
    /// The level does not check.
    #[error("{0}")]
    Level(#[from] InputError),
    /// A design could not be written as RON (a bug, not bad input).
    #[error("error: cannot write a design as RON: {0}")]
    Write(#[from] ron::Error),
}

/// How hard and with what chance to search.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Designs scored per idea.
    pub budget: u32,
    /// Seed of the search's dice.
    pub seed: u64,
    /// Threads that score designs.
    pub threads: NonZeroUsize,
}

/// One scored design.
#[derive(Debug, Clone, Serialize)]
pub struct Design {
    /// Where it came from: `reference-stripped`, `generated`, `search+3`...
    pub from: String,
    /// The design as RON, ready to save and score.
    pub ron: String,
    /// Whether it met every goal.
    pub passed: bool,
    /// Stars earned (0 when it failed).
    pub stars: u8,
    /// What the run cost, dollars.
    pub cost_usd: f64,
    /// Availability of the worst stream, percent.
    pub availability_pct: f64,
    /// Goals not met, in words.
    pub failed_goals: Vec<String>,
}

/// What the search found for one idea.
#[derive(Debug, Clone, Serialize)]
pub struct IdeaResult {
    /// The idea.
    pub idea: Idea,
    /// The idea in words.
    pub label: String,
    /// Designs without the idea that were scored.
    pub tried: u32,
    /// How many of those met the goals.
    pub passed: u32,
    /// How many of those earned ★★★ (any is a violation).
    pub three_stars: u32,
    /// The best design without the idea: the cheapest that passed, else the
    /// cheapest that was available enough, else the most available.
    pub best: Option<Design>,
}

impl IdeaResult {
    /// Whether a ★★★ design without the idea was found.
    pub fn violated(&self) -> bool {
        self.three_stars > 0
    }
}

/// How one of the level's own solutions scored.
#[derive(Debug, Clone, Serialize)]
pub struct SolutionResult {
    /// The file.
    pub file: String,
    /// Whether it met every goal.
    pub passed: bool,
    /// Stars earned.
    pub stars: u8,
    /// Cost, dollars.
    pub cost_usd: f64,
    /// Availability of the worst stream, percent.
    pub availability_pct: f64,
    /// Goals not met, in words.
    pub failed_goals: Vec<String>,
    /// Ideas the level teaches that this design lacks.
    pub lacks: Vec<String>,
    /// Why it could not be scored, if it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The verdict on a level.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The level's id.
    pub level: String,
    /// Designs scored per idea.
    pub budget: u32,
    /// Seed of the search.
    pub seed: u64,
    /// `reference.ron`, when given.
    pub reference: Option<SolutionResult>,
    /// `naive.ron`, when given.
    pub naive: Option<SolutionResult>,
    /// One result per idea of `teaches`, in order.
    pub ideas: Vec<IdeaResult>,
    /// Whether the lesson held: the reference earns ★★★ (and has every
    /// idea), the naive design fails, and no ★★★ design lacks an idea.
    pub sound: bool,
}

impl Report {
    /// Why the lesson is not sound, one reason a line (empty when it is).
    pub fn faults(&self) -> Vec<String> {
        let mut out = Vec::new();
        match &self.reference {
            Some(r) if r.stars < 3 => out.push(format!(
                "{} earns {} star(s), not ★★★{}",
                r.file,
                r.stars,
                failed(&r.failed_goals)
            )),
            Some(r) if !r.lacks.is_empty() => out.push(format!(
                "{} lacks what the level teaches: {}",
                r.file,
                r.lacks.join("; ")
            )),
            _ => {}
        }
        if let Some(n) = &self.naive
            && n.passed
        {
            out.push(format!("{} passes with {} star(s)", n.file, n.stars));
        }
        for i in self.ideas.iter().filter(|i| i.violated()) {
            let cost = i.best.as_ref().map_or(0.0, |b| b.cost_usd);
            out.push(format!("a ★★★ design without {} (${cost:.2})", i.label));
        }
        out
    }

    /// The process exit status: 0 sound, 1 not.
    pub fn exit_status(&self) -> u8 {
        u8::from(!self.sound)
    }
}

fn failed(goals: &[String]) -> String {
    if goals.is_empty() {
        String::new()
    } else {
        format!(" (failed: {})", goals.join("; "))
    }
}

/// Verifies a level: scores its reference and naive solutions (found among
/// `solutions` by file name) and searches, idea by idea, for a ★★★ design
/// without the idea, starting from every solution given.
pub fn verify(
    level_file: &SourceFile,
    solutions: &[SourceFile],
    options: Options,
) -> Result<Report, VerifyError> {
    let checked = format::check_texts(level_file.clone(), None)?;
    let level = &checked.level;
    let starts: Vec<(String, Solution)> = solutions
        .iter()
        .filter_map(|f| {
            let c = format::check_texts(level_file.clone(), Some(f.clone())).ok()?;
            c.solution.map(|(s, _)| (stem(&f.path), s))
        })
        .collect();
    let own = |name: &str| -> Option<SolutionResult> {
        let file = solutions.iter().find(|f| stem(&f.path) == name)?;
        Some(own_result(level_file, level, file))
    };
    let reference = own("reference");
    let naive = own("naive");
    let mut ideas = Vec::new();
    for (i, idea) in level.teaches.iter().enumerate() {
        // One stream of dice per idea, so adding an idea to a level leaves
        // the searches of the others as they were.
        let seed = options
            .seed
            .wrapping_add((i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let search = Search {
            level_file,
            checked: &checked,
            idea,
            threads: options.threads,
            budget: options.budget,
        };
        ideas.push(search.run(&starts, &mut Dice::new(seed))?);
    }
    let mut report = Report {
        level: level.id.clone(),
        budget: options.budget,
        seed: options.seed,
        reference,
        naive,
        ideas,
        sound: false,
    };
    report.sound = report.faults().is_empty();
    Ok(report)
}

fn own_result(level_file: &SourceFile, level: &Level, file: &SourceFile) -> SolutionResult {
    let mut result = SolutionResult {
        file: file.path.clone(),
        passed: false,
        stars: 0,
        cost_usd: 0.0,
        availability_pct: 0.0,
        failed_goals: Vec::new(),
        lacks: Vec::new(),
        error: None,
    };
    if let Ok(solution) = load::parse_solution(file) {
        result.lacks = level
            .teaches
            .iter()
            .filter(|i| !has(i, &solution, level))
            .map(Idea::label)
            .collect();
    }
    match batch::score_one(level_file, file, None) {
        Ok(s) => {
            result.passed = s.passed;
            result.stars = s.stars;
            result.cost_usd = s.cost_usd;
            result.availability_pct = s.availability_pct;
            result.failed_goals = s.failed_goals;
        }
        Err(err) => {
            result.error = Some(err.to_string().lines().next().unwrap_or_default().into());
        }
    }
    result
}

/// A solution file's name without folder or extension.
fn stem(path: &str) -> String {
    Path::new(path)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or(path)
        .to_string()
}

/// A design kept by the search, with its score.
struct Scored {
    from: String,
    solution: Solution,
    text: String,
    score: Score,
}

/// One idea's search.
struct Search<'a> {
    level_file: &'a SourceFile,
    checked: &'a Checked,
    idea: &'a Idea,
    threads: NonZeroUsize,
    budget: u32,
}

impl Search<'_> {
    fn palette(&self) -> Palette<'_> {
        Palette {
            level: &self.checked.level,
            catalogue: &self.checked.catalogue,
        }
    }

    fn run(
        &self,
        starts: &[(String, Solution)],
        dice: &mut Dice,
    ) -> Result<IdeaResult, VerifyError> {
        let level = &self.checked.level;
        let palette = self.palette();
        let budget = self.budget as usize;
        let mut seen = BTreeSet::new();
        let mut scored: Vec<Scored> = Vec::new();
        let mut tried = 0u32;

        // The level's own solutions without the idea come first: the nearest
        // designs to a ★★★ one, if any is.
        let mut stripped: Vec<(String, Solution)> = Vec::new();
        for (name, s) in starts {
            for v in strip(self.idea, s, &palette) {
                stripped.push((format!("{name}-stripped"), v));
            }
        }
        let mut batch = Vec::new();
        for (from, s) in &stripped {
            if batch.len() >= budget {
                break;
            }
            self.offer(&mut seen, &mut batch, from, s.clone())?;
        }
        // Then par's sampler: changed copies of the stripped designs, and
        // designs built from scratch, up to a third of the budget.
        let bases: Vec<&(String, Solution)> = stripped
            .iter()
            .filter(|(_, s)| !has(self.idea, s, level))
            .collect();
        let seeds = (budget / 3).max(batch.len()).min(budget);
        let mut attempts = 0;
        let most = self.budget.saturating_mul(ATTEMPTS_PER_DESIGN);
        while batch.len() < seeds && attempts < most {
            attempts += 1;
            let drawn = match dice.pick(&bases) {
                Some((name, base)) if dice.chance(0.7) => {
                    let mut s = base.clone();
                    let changes = 1 + dice.below(3);
                    for _ in 0..changes {
                        mutate::once(&mut s, &palette, dice);
                    }
                    Some((format!("{name}+{changes}"), s))
                }
                _ => generate::design(&palette, dice).map(|s| ("generated".to_string(), s)),
            };
            if let Some((from, s)) = drawn {
                self.offer(&mut seen, &mut batch, &from, s)?;
            }
        }
        tried += self.score(batch, &mut scored);

        // Local search: change the best few, keep what scores.
        let round = (self.threads.get() * 2).max(2);
        while (tried as usize) < budget && attempts < most {
            let goal = level.goals.availability_pct;
            scored.sort_by(|a, b| rank(&a.score, goal).total_cmp(&rank(&b.score, goal)));
            let parents: Vec<&Scored> = scored.iter().take(PARENTS).collect();
            if parents.is_empty() {
                break;
            }
            let want = round.min(budget - tried as usize);
            let mut batch = Vec::new();
            while batch.len() < want && attempts < most {
                attempts += 1;
                // The best parent most often: half the draws, the rest spread.
                let at = if dice.chance(0.5) {
                    0
                } else {
                    dice.below(u32::try_from(parents.len()).unwrap_or(1)) as usize
                };
                let parent = parents[at.min(parents.len() - 1)];
                let mut s = parent.solution.clone();
                let moves = if dice.chance(0.3) { 2 } else { 1 };
                for _ in 0..moves {
                    change(&mut s, &palette, dice);
                }
                let from = format!("{}+search", base_name(&parent.from));
                self.offer(&mut seen, &mut batch, &from, s)?;
            }
            if batch.is_empty() {
                break;
            }
            tried += self.score(batch, &mut scored);
        }

        let goal = level.goals.availability_pct;
        scored.sort_by(|a, b| rank(&a.score, goal).total_cmp(&rank(&b.score, goal)));
        let passed = scored.iter().filter(|s| s.score.passed).count();
        let three_stars = scored.iter().filter(|s| s.score.stars >= 3).count();
        // A violation is shown first: the cheapest ★★★ design, in full.
        let best = scored
            .iter()
            .find(|s| s.score.stars >= 3)
            .or_else(|| scored.first())
            .map(|s| Design {
                from: s.from.clone(),
                ron: s.text.clone(),
                passed: s.score.passed,
                stars: s.score.stars,
                cost_usd: s.score.cost_usd,
                availability_pct: s.score.availability_pct,
                failed_goals: s.score.failed_goals.clone(),
            });
        Ok(IdeaResult {
            idea: self.idea.clone(),
            label: self.idea.label(),
            tried,
            passed: u32::try_from(passed).unwrap_or(u32::MAX),
            three_stars: u32::try_from(three_stars).unwrap_or(u32::MAX),
            best,
        })
    }

    /// Queues a design to score if it is new, lacks the idea and passes `check`.
    fn offer(
        &self,
        seen: &mut BTreeSet<String>,
        batch: &mut Vec<(String, Solution, String)>,
        from: &str,
        solution: Solution,
    ) -> Result<(), VerifyError> {
        if has(self.idea, &solution, &self.checked.level) {
            return Ok(());
        }
        let text = load::to_ron(&solution)?;
        if !seen.insert(text.clone()) {
            return Ok(());
        }
        let file = SourceFile::new("design.ron", text.clone());
        if format::check_texts(self.level_file.clone(), Some(file)).is_ok() {
            batch.push((from.to_string(), solution, text));
        }
        Ok(())
    }

    /// Scores a batch on every core and keeps what scored; returns how many were tried.
    fn score(&self, batch: Vec<(String, Solution, String)>, into: &mut Vec<Scored>) -> u32 {
        let files: Vec<SourceFile> = batch
            .iter()
            .enumerate()
            .map(|(i, (_, _, text))| SourceFile::new(format!("design-{i}.ron"), text.clone()))
            .collect();
        let outcomes = batch::score_all(self.level_file, &files, None, self.threads);
        let n = u32::try_from(batch.len()).unwrap_or(u32::MAX);
        for ((from, solution, text), outcome) in batch.into_iter().zip(outcomes) {
            // A design that checks but cannot be built counts as tried and failed.
            if let Ok(score) = outcome {
                into.push(Scored {
                    from,
                    solution,
                    text,
                    score,
                });
            }
        }
        n
    }
}

/// The name a design's line of descent started from (`reference-stripped`).
fn base_name(from: &str) -> &str {
    from.split('+').next().unwrap_or(from)
}

/// Order of the search's preference, lower first: designs that passed by
/// cost; then those available enough (failing on cost or latency) by cost;
/// then the rest by availability, most first.
fn rank(score: &Score, goal_pct: f64) -> f64 {
    band(
        score.passed,
        score.availability_pct,
        score.cost_usd,
        goal_pct,
    )
}

fn band(passed: bool, availability_pct: f64, cost_usd: f64, goal_pct: f64) -> f64 {
    // Costs are far below 1e9 dollars, so the three bands never overlap.
    if passed {
        cost_usd
    } else if availability_pct >= goal_pct {
        1e9 + cost_usd
    } else {
        3e9 - availability_pct
    }
}

/// One change for the local search: par's random change, or one of the
/// moves that make a passing design cheaper.
fn change(solution: &mut Solution, palette: &Palette<'_>, dice: &mut Dice) {
    match dice.below(5) {
        0 | 1 => mutate::once(solution, palette, dice),
        2 => resize(solution, dice),
        3 => cheaper_type(solution, palette, dice),
        _ => drop_thing(solution, dice),
    }
}

/// One server more or fewer somewhere: a group's or service's limits, a
/// rack's servers, or one instance copied or removed beside its twins.
fn resize(solution: &mut Solution, dice: &mut Dice) {
    let n = u32::try_from(solution.things.len()).unwrap_or(u32::MAX);
    let at = dice.below(n) as usize;
    let up = dice.chance(0.5);
    let step = |x: u32| {
        if up {
            x.saturating_add(1).min(MOST_SERVERS)
        } else {
            x.saturating_sub(1)
        }
    };
    let which = dice.below(3);
    let limits = |min: &mut u32, desired: &mut u32, max: &mut u32| {
        match which {
            // The whole group moves: a fixed group stays fixed.
            0 => {
                *min = step(*min);
                *desired = step(*desired);
                *max = step(*max).max(1);
            }
            1 => {
                *max = step(*max).max(1).max(*min);
                *desired = (*desired).min(*max);
            }
            _ => {
                *min = step(*min).min(*max);
                *desired = step(*desired).clamp(*min, *max);
            }
        }
    };
    let Some(thing) = solution.things.get_mut(at) else {
        return;
    };
    match thing {
        Thing::AutoScalingGroup(g) => limits(&mut g.min, &mut g.desired, &mut g.max),
        Thing::ContainerService(c) => limits(&mut c.min, &mut c.desired, &mut c.max),
        Thing::OnPremises { servers, .. } => *servers = step(*servers).max(1),
        Thing::Instance { .. } => {
            let id = thing.id().to_string();
            if up {
                copy_instance(solution, &id);
            } else {
                remove(solution, &id);
            }
        }
        _ => {}
    }
}

/// Adds a twin of an instance, fed by whatever feeds it.
fn copy_instance(solution: &mut Solution, id: &str) {
    let Some(original) = solution.things.iter().find(|t| t.id() == id).cloned() else {
        return;
    };
    let taken: BTreeSet<String> = solution.things.iter().map(|t| t.id().to_string()).collect();
    let Some(new_id) = (2..)
        .map(|n| format!("{id}-{n}"))
        .find(|c| !taken.contains(c))
    else {
        return;
    };
    let mut twin = original;
    if let Thing::Instance { id, .. } = &mut twin {
        id.clone_from(&new_id);
    }
    solution.things.push(twin);
    let mut new_links = Vec::new();
    for (from, to) in &solution.links {
        if to == id {
            new_links.push((from.clone(), new_id.clone()));
        }
        if from == id {
            new_links.push((new_id.clone(), to.clone()));
        }
    }
    solution.links.extend(new_links);
}

/// The next cheaper instance type the palette allows, for one instance or group.
fn cheaper_type(solution: &mut Solution, palette: &Palette<'_>, dice: &mut Dice) {
    let typed: Vec<usize> = solution
        .things
        .iter()
        .enumerate()
        .filter(|(_, t)| matches!(t, Thing::Instance { .. } | Thing::AutoScalingGroup(_)))
        .map(|(i, _)| i)
        .collect();
    let Some(&at) = dice.pick(&typed) else {
        return;
    };
    let name = match &mut solution.things[at] {
        Thing::Instance { instance_type, .. } => instance_type,
        Thing::AutoScalingGroup(g) => &mut g.instance_type,
        _ => return,
    };
    let Some((_, now)) = palette.catalogue.instance_type(name) else {
        return;
    };
    // The dearest of the cheaper types: one step down, not a leap.
    let next = palette
        .instance_types()
        .into_iter()
        .filter(|t| t.usd_per_hour < now.usd_per_hour)
        .max_by(|a, b| a.usd_per_hour.total_cmp(&b.usd_per_hour));
    if let Some(t) = next {
        name.clone_from(&t.name);
    }
}

/// Removes one thing: a load balancer, queue or topic is bypassed (what fed
/// it feeds what it fed), anything else goes with its links.
fn drop_thing(solution: &mut Solution, dice: &mut Dice) {
    let ids: Vec<String> = solution.things.iter().map(|t| t.id().to_string()).collect();
    let Some(id) = dice.pick(&ids).cloned() else {
        return;
    };
    let pass_through = solution.things.iter().any(|t| t.id() == id && !t.serves());
    if pass_through {
        bypass(solution, &id, false);
    } else {
        remove(solution, &id);
    }
}

/// Removes a thing with every link, action and layout entry that names it.
fn remove(solution: &mut Solution, id: &str) {
    solution.things.retain(|t| t.id() != id);
    solution.links.retain(|(f, t)| f != id && t != id);
    solution.actions.retain(|a| a.action.thing() != id);
    solution.layout.remove(id);
}

/// Removes a pass-through thing and links what fed it straight to what it
/// fed (only to the first of those when `first_only`: a server may not be
/// allowed to call several).
fn bypass(solution: &mut Solution, id: &str, first_only: bool) {
    let ins: Vec<String> = solution
        .links
        .iter()
        .filter(|(_, t)| t == id)
        .map(|(f, _)| f.clone())
        .collect();
    let mut outs: Vec<String> = solution
        .links
        .iter()
        .filter(|(f, _)| f == id)
        .map(|(_, t)| t.clone())
        .collect();
    if first_only {
        outs.truncate(1);
    }
    remove(solution, id);
    for f in &ins {
        for t in &outs {
            let link = (f.clone(), t.clone());
            if !solution.links.contains(&link) {
                solution.links.push(link);
            }
        }
    }
}

/// Variants of a design without the idea: the nearest designs that lack it.
/// Some may not pass `check`; the search throws those out.
pub fn strip(idea: &Idea, solution: &Solution, palette: &Palette<'_>) -> Vec<Solution> {
    let level = palette.level;
    let mine = |s: &Solution| -> Vec<String> {
        s.things
            .iter()
            .filter(|t| !level.preplaced.iter().any(|p| p.id() == t.id()))
            .map(|t| t.id().to_string())
            .collect()
    };
    let ids_where = |s: &Solution, f: &dyn Fn(&Thing) -> bool| -> Vec<String> {
        let own = mine(s);
        s.things
            .iter()
            .filter(|t| own.iter().any(|id| id == t.id()) && f(t))
            .map(|t| t.id().to_string())
            .collect()
    };
    let mut out = Vec::new();
    match idea {
        Idea::Thing(kind) => {
            let ids = ids_where(solution, &|t| t.kind() == *kind);
            let serving = matches!(
                kind,
                ThingKind::OnPremises
                    | ThingKind::Instance
                    | ThingKind::AutoScalingGroup
                    | ThingKind::Function
                    | ThingKind::ContainerService
            );
            if serving {
                for cheapest in [false, true] {
                    let mut s = solution.clone();
                    for id in &ids {
                        substitute(&mut s, id, *kind, cheapest, palette);
                    }
                    front_groups(&mut s, palette);
                    out.push(s);
                }
            } else {
                for first_only in [false, true] {
                    let mut s = solution.clone();
                    for id in &ids {
                        bypass(&mut s, id, first_only);
                    }
                    // Bypassing a queue may leave a link straight into a
                    // group, which only a balancer reaches.
                    if *kind != ThingKind::LoadBalancer {
                        front_groups(&mut s, palette);
                    }
                    if *kind == ThingKind::Queue {
                        backlog_to_cpu(&mut s);
                    }
                    out.push(s);
                }
            }
        }
        Idea::Purchase(p) => {
            let to = if *p == Purchase::OnDemand {
                Purchase::Spot
            } else {
                Purchase::OnDemand
            };
            let mut s = solution.clone();
            for t in &mut s.things {
                match t {
                    Thing::Instance { purchase, .. } if purchase == p => *purchase = to,
                    Thing::AutoScalingGroup(g) if g.purchase == *p => g.purchase = to,
                    _ => {}
                }
            }
            out.push(s);
        }
        Idea::SavingsPlan | Idea::ReservedInstances => {
            let mut s = solution.clone();
            let savings = matches!(idea, Idea::SavingsPlan);
            s.commitments
                .retain(|c| matches!(c, Commitment::SavingsPlan { .. }) != savings);
            out.push(s);
        }
        Idea::Scaling => {
            // A fixed fleet at the size it starts at, and at its ceiling.
            for at_max in [false, true] {
                let mut s = solution.clone();
                let own = mine(&s);
                for t in s
                    .things
                    .iter_mut()
                    .filter(|t| own.iter().any(|i| i == t.id()))
                {
                    match t {
                        Thing::AutoScalingGroup(g) => {
                            let n = if at_max { g.max } else { g.desired.max(1) };
                            (g.min, g.desired, g.max) = (n, n, n);
                            g.policies.clear();
                            g.scheduled.clear();
                        }
                        Thing::ContainerService(c) => {
                            let n = if at_max { c.max } else { c.desired.max(1) };
                            (c.min, c.desired, c.max) = (n, n, n);
                            c.policies.clear();
                        }
                        _ => {}
                    }
                }
                out.push(s);
            }
        }
        Idea::Policy(kind) => {
            let mut s = solution.clone();
            for t in &mut s.things {
                match t {
                    Thing::AutoScalingGroup(g) => g.policies.retain(|p| PolicyKind::of(p) != *kind),
                    Thing::ContainerService(c) => {
                        c.policies.retain(|p| PolicyKind::of(p) != *kind);
                    }
                    _ => {}
                }
            }
            out.push(s);
        }
        Idea::InternalLoadBalancer => {
            let ids = ids_where(
                solution,
                &|t| matches!(t, Thing::LoadBalancer(b) if b.scheme == Scheme::Internal),
            );
            for first_only in [false, true] {
                let mut s = solution.clone();
                for id in &ids {
                    bypass(&mut s, id, first_only);
                }
                out.push(s);
            }
            let mut s = solution.clone();
            for t in &mut s.things {
                if let Thing::LoadBalancer(b) = t
                    && ids.contains(&b.id)
                {
                    b.scheme = Scheme::InternetFacing;
                }
            }
            out.push(s);
        }
        Idea::Draining => {
            let mut s = solution.clone();
            let own = mine(&s);
            for t in &mut s.things {
                if let Thing::LoadBalancer(b) = t
                    && own.contains(&b.id)
                {
                    b.draining = Some(Span(0.0));
                }
            }
            out.push(s);
        }
        Idea::Fargate => out.extend(off_fargate(solution, palette)),
        Idea::AnyOf(ideas) => {
            let mut all = vec![solution.clone()];
            for i in ideas {
                all = all
                    .iter()
                    .flat_map(|s| strip(i, s, palette))
                    .take(MOST_VARIANTS)
                    .collect();
            }
            out = all;
        }
    }
    out.truncate(MOST_VARIANTS);
    out
}

/// Policies that follow a queue's backlog follow CPU instead (once the queue is gone).
fn backlog_to_cpu(solution: &mut Solution) {
    for t in &mut solution.things {
        if let Thing::AutoScalingGroup(g) = t {
            for p in &mut g.policies {
                if matches!(
                    p,
                    Policy::TargetTracking {
                        metric: Metric::BacklogPerInstance,
                        ..
                    } | Policy::Step {
                        metric: Metric::BacklogPerInstance,
                        ..
                    }
                ) {
                    *p = Policy::TargetTracking {
                        metric: Metric::Cpu,
                        target: 60.0,
                    };
                }
            }
        }
    }
}

/// Swaps a serving thing for the plainest other server the palette offers,
/// under the same id so its links stay: an Auto Scaling group that follows
/// CPU (or a single instance in place of a group).
fn substitute(
    solution: &mut Solution,
    id: &str,
    kind: ThingKind,
    cheapest: bool,
    palette: &Palette<'_>,
) {
    let types = palette.instance_types();
    let running = solution.things.iter().find_map(|t| match t {
        Thing::Instance { instance_type, .. } => Some(instance_type.clone()),
        Thing::AutoScalingGroup(g) if g.id != id => Some(g.instance_type.clone()),
        _ => None,
    });
    let cheapest_type = types
        .iter()
        .min_by(|a, b| a.usd_per_hour.total_cmp(&b.usd_per_hour))
        .map(|t| t.name.clone());
    let preferred = types
        .iter()
        .find(|t| t.name == "c5.large")
        .map(|t| t.name.clone());
    let name = if cheapest {
        cheapest_type.clone()
    } else {
        running.or(preferred).or(cheapest_type.clone())
    };
    let Some(instance_type) = name else {
        remove(solution, id);
        return;
    };
    let replacement =
        if kind != ThingKind::AutoScalingGroup && palette.has(ThingKind::AutoScalingGroup) {
            Thing::AutoScalingGroup(AutoScalingGroup {
                id: id.to_string(),
                instance_type,
                purchase: if palette.level.goals.dedicated_only {
                    Purchase::DedicatedHost
                } else {
                    Purchase::OnDemand
                },
                min: 1,
                desired: 2,
                max: 40,
                policies: vec![Policy::TargetTracking {
                    metric: Metric::Cpu,
                    target: 50.0,
                }],
                scheduled: Vec::new(),
                warmup: None,
                replace_unhealthy: true,
            })
        } else if kind != ThingKind::Instance && palette.has(ThingKind::Instance) {
            Thing::Instance {
                id: id.to_string(),
                instance_type,
                purchase: Purchase::OnDemand,
            }
        } else {
            remove(solution, id);
            return;
        };
    if let Some(t) = solution.things.iter_mut().find(|t| t.id() == id) {
        *t = replacement;
    }
    // Timed actions and container capacity named the old thing's kind.
    solution.actions.retain(|a| a.action.thing() != id);
}

/// Puts a load balancer in front of every group that a source, a server or a
/// topic links to directly, which the link rules refuse (a group has no
/// single address).
fn front_groups(solution: &mut Solution, palette: &Palette<'_>) {
    if !palette.has(ThingKind::LoadBalancer) {
        return;
    }
    let level = palette.level;
    let mut taken: BTreeSet<String> = level
        .sources
        .iter()
        .map(|s| s.id.clone())
        .chain(level.preplaced.iter().map(|t| t.id().to_string()))
        .chain(solution.things.iter().map(|t| t.id().to_string()))
        .collect();
    let mut fronts: Vec<(String, String)> = Vec::new();
    let mut links = std::mem::take(&mut solution.links);
    for link in &mut links {
        let find = |id: &str| {
            level
                .preplaced
                .iter()
                .chain(&solution.things)
                .find(|t| t.id() == id)
                .cloned()
        };
        let (Some(target), origin) = (find(&link.1), find(&link.0)) else {
            continue;
        };
        if !target.is_fleet() || format::validate::link_rule(origin.as_ref(), &target).is_ok() {
            continue;
        }
        let lb = match fronts.iter().find(|(g, _)| *g == link.1) {
            Some((_, lb)) => lb.clone(),
            None => {
                let mut id = format!("{}-lb", link.1);
                while taken.contains(&id) {
                    id.push('x');
                }
                taken.insert(id.clone());
                solution
                    .things
                    .push(Thing::LoadBalancer(crate::format::solution::LoadBalancer {
                        id: id.clone(),
                        // Sources may link to it too, which an internal one refuses.
                        scheme: Scheme::InternetFacing,
                        algorithm: crate::format::solution::Algorithm::LeastOutstanding,
                        draining: None,
                        health_interval: None,
                        healthy_threshold: None,
                    }));
                fronts.push((link.1.clone(), id.clone()));
                id
            }
        };
        link.1 = lb;
    }
    links.extend(fronts.into_iter().map(|(g, lb)| (lb, g)));
    solution.links = links;
}

/// Container services moved from Fargate onto EC2 hosts: the hosts a
/// service already uses (as they are, or two bigger), or a new group of two.
fn off_fargate(solution: &Solution, palette: &Palette<'_>) -> Vec<Solution> {
    let hosts = solution.things.iter().find_map(|t| match t {
        Thing::ContainerService(c) => match &c.capacity {
            Capacity::Ec2(h) => Some(h.clone()),
            Capacity::Fargate => None,
        },
        _ => None,
    });
    let move_all = |s: &mut Solution, to: &str| {
        for t in &mut s.things {
            if let Thing::ContainerService(c) = t
                && c.capacity == Capacity::Fargate
            {
                c.capacity = Capacity::Ec2(to.to_string());
            }
        }
    };
    let mut out = Vec::new();
    if let Some(h) = &hosts {
        for extra in [0, 2] {
            let mut s = solution.clone();
            move_all(&mut s, h);
            for t in &mut s.things {
                if let Thing::AutoScalingGroup(g) = t
                    && g.id == *h
                {
                    g.min += extra;
                    g.desired += extra;
                    g.max += extra;
                }
            }
            out.push(s);
        }
    }
    if palette.has(ThingKind::AutoScalingGroup) {
        let types = palette.instance_types();
        // The biggest host of the cheapest vCPU: room for several tasks each.
        let host = types
            .iter()
            .filter(|t| t.vcpu >= 4)
            .min_by(|a, b| {
                (a.usd_per_hour / f64::from(a.vcpu))
                    .total_cmp(&(b.usd_per_hour / f64::from(b.vcpu)))
            })
            .or(types.first());
        if let Some(host) = host {
            let mut s = solution.clone();
            let id = "task-hosts";
            move_all(&mut s, id);
            s.things.push(Thing::AutoScalingGroup(AutoScalingGroup {
                id: id.into(),
                instance_type: host.name.clone(),
                purchase: Purchase::OnDemand,
                min: 2,
                desired: 2,
                max: 2,
                policies: Vec::new(),
                scheduled: Vec::new(),
                warmup: None,
                replace_unhealthy: true,
            }));
            out.push(s);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranking_prefers_passing_then_available_then_more_available() {
        let pass = band(true, 99.5, 50.0, 99.0);
        let dear = band(false, 99.5, 80.0, 99.0);
        let down = band(false, 90.0, 10.0, 99.0);
        let less_down = band(false, 95.0, 10.0, 99.0);
        assert!(pass < dear && dear < less_down && less_down < down);
    }
}
