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
use super::{charts, footer_hint, panels, popup, status_line};

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

/// Two lines: the title and what the run is doing; then every goal, with
/// the figure so far beside each while a run goes (green when on track).
fn header(play: &Play, s: &Strings, area: Rect, buf: &mut Buffer) {
    let g = &play.level.goals;
    let w = usize::from(area.width);
    let mut first = vec![Span::styled(
        format!(" {} ", text::fit(s.lang.pick(&play.level.title), w / 2)),
        Style::new().bold().fg(Color::Black).bg(Color::Cyan),
    )];
    let end_s = play.level.duration.secs();
    match &play.run {
        Some(run) => {
            let state = if run.sim.finished() {
                s.t("top.finished").to_string()
            } else if run.paused {
                s.t("top.paused").to_string()
            } else {
                s.f("top.speed", &[("speed", &run.speed.label())])
            };
            first.push(Span::styled(
                format!(" {} / {} ", clock(run.live.now_s, end_s), duration(end_s)),
                Style::new().bold(),
            ));
            let colour = if run.paused {
                Color::Yellow
            } else {
                Color::Green
            };
            first.push(Span::styled(format!(" {state} "), Style::new().fg(colour)));
        }
        None => first.push(Span::styled(
            format!(" {} ", s.f("top.building", &[("len", &duration(end_s))])),
            Style::new().fg(Color::Gray),
        )),
    }
    let ok = Style::new().fg(Color::Green);
    let bad = Style::new().fg(Color::Red);
    let plain = Style::new().fg(Color::Gray);
    let mut second = vec![Span::raw(" ")];
    match &play.run {
        Some(run) => {
            let live = &run.live;
            let avail_ok = live.in_time_pct >= g.availability_pct;
            second.push(Span::styled(
                s.f(
                    "top.in_time",
                    &[
                        ("pct", &format!("{:.2}", live.in_time_pct)),
                        ("goal", &g.availability_pct),
                    ],
                ),
                if avail_ok { ok } else { bad },
            ));
            if let Some(p99) = g.p99_ms {
                second.push(Span::raw(" · "));
                second.push(Span::styled(
                    s.f(
                        "top.p99",
                        &[("ms", &format!("{:.0}", live.p99_ms)), ("goal", &p99)],
                    ),
                    if live.p99_ms <= p99 { ok } else { bad },
                ));
            }
            second.push(Span::raw(" · "));
            second.push(Span::styled(
                s.f(
                    "top.cost",
                    &[
                        ("usd", &money(live.cost_usd)),
                        ("budget", &money(g.stars.one)),
                    ],
                ),
                if live.cost_usd <= g.stars.one {
                    ok
                } else {
                    bad
                },
            ));
        }
        None => {
            second.push(Span::styled(
                s.f("top.goal_in_time", &[("goal", &g.availability_pct)]),
                plain,
            ));
            if let Some(p99) = g.p99_ms {
                second.push(Span::raw(" · "));
                second.push(Span::styled(s.f("top.goal_p99", &[("goal", &p99)]), plain));
            }
            second.push(Span::raw(" · "));
            second.push(Span::styled(
                s.f(
                    "top.goal_cost",
                    &[
                        ("budget", &money(g.stars.one)),
                        ("three", &money(g.stars.three)),
                    ],
                ),
                plain,
            ));
            if g.dedicated_only {
                second.push(Span::raw(" · "));
                second.push(Span::styled(s.t("top.goal_dedicated").to_string(), plain));
            }
            // Where there is room, the key to the story and goals.
            let used: usize = second.iter().map(Span::width).sum();
            let key = format!("  {}", s.t("top.brief_key"));
            if used + text::width(&key) <= w {
                second.push(Span::styled(key, Style::new().fg(Color::DarkGray)));
            }
        }
    }
    Paragraph::new(vec![Line::from(first), Line::from(second)]).render(area, buf);
}
