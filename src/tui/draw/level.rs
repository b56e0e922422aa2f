//! A level on screen: the header with every goal (and, while a run goes,
//! the figures so far against them), the side panels, the board, the
//! charts, the status line, and any popup.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::super::board;
use super::super::explain::{clock, duration, money};
use super::super::layout;
use super::super::play::{Focus, Play};
use super::super::strings::Strings;
use super::super::text;
use super::{charts, fit_line, footer_hint, panels, popup, status_line};

/// Draws a level being built or run.
pub fn render(play: &Play, s: &Strings, area: Rect, buf: &mut Buffer) {
    let a = layout::areas_of(area, play);
    header(play, s, a.top, buf);
    let building = play.run.is_none();
    if building {
        panels::palette(play, s, a.left, buf);
    } else {
        panels::event_log(play, s, a.left, buf);
    }
    board::render(
        play,
        s,
        play.focus == Focus::Board || !building,
        a.board,
        buf,
    );
    panels::steps_panel(play, s, a.step, buf);
    panels::inspector(play, s, a.inspector, buf);
    match &play.run {
        Some(run) => charts::live(play, run, s, a.bottom, buf),
        None => charts::preview(play, s, a.bottom, buf),
    }
    let line = match &play.status {
        Some(st) => status_line(st, s),
        None if play.run.as_ref().is_some_and(|r| r.paused) => footer_hint(s, "play.keys_paused"),
        None if play.run.is_some() => footer_hint(s, "play.keys_run"),
        None => footer_hint(s, "play.keys_build"),
    };
    Paragraph::new(line).render(a.footer, buf);
    popup::render(play, s, area, buf);
}

/// A figure of the header, in full and in the short form a narrow screen
/// shows (without the goal beside it, or the three-star cost).
struct Item {
    full: String,
    short: String,
    style: Style,
}

/// The goals' line, shortened as far as the width needs: first the goals
/// beside the figures go (the budget last), then whole figures from the
/// end, and only then is the first one cut, with `…`. Never a figure cut
/// mid-way: the player reads `$100`, never `$1`.
fn goals_line(
    items: &[Item],
    keep_last: bool,
    tail: Option<Span<'static>>,
    cells: usize,
) -> Line<'static> {
    let line = |pick: &dyn Fn(usize, &Item) -> String, n: usize| {
        let mut spans = vec![Span::raw(" ")];
        for (i, item) in items.iter().take(n).enumerate() {
            if i > 0 {
                spans.push(Span::raw(" · "));
            }
            spans.push(Span::styled(pick(i, item), item.style));
        }
        spans
    };
    let full = |_: usize, it: &Item| it.full.clone();
    let short = |_: usize, it: &Item| it.short.clone();
    let last = items.len().saturating_sub(1);
    let but_last = |i: usize, it: &Item| {
        if keep_last && i == last {
            it.full.clone()
        } else {
            it.short.clone()
        }
    };
    let mut choices = Vec::new();
    if let Some(t) = tail {
        let mut with = line(&full, items.len());
        with.push(t);
        choices.push(with);
    }
    choices.push(line(&full, items.len()));
    choices.push(line(&but_last, items.len()));
    choices.extend((1..=items.len()).rev().map(|n| line(&short, n)));
    fit_line(&choices, cells)
}

/// Two lines: the title and what the run is doing; then every goal, with
/// the figure so far beside each while a run goes (green when on track).
/// Both leave the last column blank and shorten whole parts to fit.
fn header(play: &Play, s: &Strings, area: Rect, buf: &mut Buffer) {
    let g = &play.level.goals;
    let w = usize::from(area.width);
    let cells = w.saturating_sub(1);
    let title = Span::styled(
        format!(" {} ", text::fit(s.lang.pick(&play.level.title), w / 2)),
        Style::new().bold().fg(Color::Black).bg(Color::Cyan),
    );
    let end_s = play.level.duration.secs();
    let mut first = vec![vec![title.clone()]];
    match &play.run {
        Some(run) => {
            let state = if run.sim.finished() {
                s.t("top.finished").to_string()
            } else if run.paused {
                s.t("top.paused").to_string()
            } else {
                s.f("top.speed", &[("speed", &run.speed.label())])
            };
            let clock = Span::styled(
                format!(" {} / {} ", clock(run.live.now_s, end_s), duration(end_s)),
                Style::new().bold(),
            );
            let colour = if run.paused {
                Color::Yellow
            } else {
                Color::Green
            };
            let state = Span::styled(format!(" {state} "), Style::new().fg(colour));
            first.insert(0, vec![title.clone(), clock.clone()]);
            first.insert(0, vec![title, clock, state]);
        }
        None => first.insert(
            0,
            vec![
                title,
                Span::styled(
                    format!(" {} ", s.f("top.building", &[("len", &duration(end_s))])),
                    Style::new().fg(Color::Gray),
                ),
            ],
        ),
    }
    let ok = Style::new().fg(Color::Green);
    let bad = Style::new().fg(Color::Red);
    let plain = Style::new().fg(Color::Gray);
    let mut items = Vec::new();
    let second = match &play.run {
        Some(run) => {
            let live = &run.live;
            let pct = format!("{:.2}", live.in_time_pct);
            items.push(Item {
                full: s.f(
                    "top.in_time",
                    &[("pct", &pct), ("goal", &g.availability_pct)],
                ),
                short: s.f("chart.in_time_now", &[("pct", &pct)]),
                style: if live.in_time_pct >= g.availability_pct {
                    ok
                } else {
                    bad
                },
            });
            if let Some(p99) = g.p99_ms {
                let ms = format!("{:.0}", live.p99_ms);
                items.push(Item {
                    full: s.f("top.p99", &[("ms", &ms), ("goal", &p99)]),
                    short: s.f("chart.p99_now", &[("ms", &ms)]),
                    style: if live.p99_ms <= p99 { ok } else { bad },
                });
            }
            let usd = money(live.cost_usd);
            items.push(Item {
                full: s.f(
                    "top.cost",
                    &[("usd", &usd), ("budget", &money(g.stars.one))],
                ),
                short: s.f("chart.cost_now", &[("usd", &usd)]),
                style: if live.cost_usd <= g.stars.one {
                    ok
                } else {
                    bad
                },
            });
            goals_line(&items, true, None, cells)
        }
        None => {
            let goal = |text: String| Item {
                full: text.clone(),
                short: text,
                style: plain,
            };
            items.push(goal(
                s.f("top.goal_in_time", &[("goal", &g.availability_pct)]),
            ));
            if let Some(p99) = g.p99_ms {
                items.push(goal(s.f("top.goal_p99", &[("goal", &p99)])));
            }
            let cost: [(&str, &dyn std::fmt::Display); 2] = [
                ("budget", &money(g.stars.one)),
                ("three", &money(g.stars.three)),
            ];
            items.push(Item {
                full: s.f("top.goal_cost", &cost),
                short: s.f_short("top.goal_cost", &cost),
                style: plain,
            });
            if g.dedicated_only {
                items.push(goal(s.t("top.goal_dedicated").to_string()));
            }
            // Where there is room, the key to the story and goals.
            let key = Span::styled(
                format!("  {}", s.t("top.brief_key")),
                Style::new().fg(Color::DarkGray),
            );
            goals_line(&items, false, Some(key), cells)
        }
    };
    Paragraph::new(vec![fit_line(&first, cells), second]).render(area, buf);
}
