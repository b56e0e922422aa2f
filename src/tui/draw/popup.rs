//! Windows of text over the level screen, for what does not fit a panel: a
//! step's hint, the level's brief (story, goals, traffic preview), and what
//! a box is doing and why it is red. Each scrolls with ↑↓ and closes with Esc.

use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear, Widget};

use super::super::board;
use super::super::explain::{clock, duration};
use super::super::play::{Play, Popup};
use super::super::strings::Strings;
use super::campaign::goals_text;
use super::{centred, charts, scrolled, wrapped};

/// The lines a popup holds at a width, and its title.
pub fn content(play: &Play, s: &Strings, width: u16) -> (String, Vec<Line<'static>>) {
    let lang = s.lang;
    let plain = Style::new();
    let mut lines = Vec::new();
    let title = match &play.popup {
        Some(Popup::Hint(i)) => {
            if let Some(step) = play.level.steps.get(*i) {
                lines.extend(wrapped(lang.pick(&step.text), width, plain.bold()));
                lines.push(Line::raw(""));
                lines.extend(wrapped(
                    lang.pick(&step.hint),
                    width,
                    plain.fg(Color::Yellow),
                ));
            }
            s.f("popup.hint", &[("n", &(i + 1))])
        }
        Some(Popup::Brief) => {
            let level = &play.level;
            for para in lang.pick(&level.intro).split("\n\n") {
                lines.extend(wrapped(&para.replace('\n', " "), width, plain));
                lines.push(Line::raw(""));
            }
            lines.extend(wrapped(&goals_text(level, s), width, plain.fg(Color::Cyan)));
            lines.push(Line::raw(""));
            lines.extend(wrapped(
                &s.f(
                    "popup.length",
                    &[
                        ("len", &duration(level.duration.secs())),
                        ("tick", &duration(level.tick.secs())),
                    ],
                ),
                width,
                plain.fg(Color::Gray),
            ));
            let end_s = level.duration.secs();
            let events = charts::events_of(level, s);
            if !events.is_empty() {
                lines.push(Line::raw(""));
                lines.push(Line::styled(s.t("popup.events").to_string(), plain.bold()));
                for (t, words) in events {
                    lines.extend(wrapped(
                        &format!("▼ {} {words}", clock(t, end_s)),
                        width,
                        plain.fg(Color::Yellow),
                    ));
                }
            }
            lang.pick(&level.title).to_string()
        }
        Some(Popup::Why(id)) => {
            let fig = play
                .run
                .as_ref()
                .and_then(|r| r.figures.iter().find(|f| f.id == *id));
            match fig {
                Some(f) => {
                    let why = match f.trouble(board::links_on(play, id)) {
                        Some(t) => s.t(&format!("{}_long", board::trouble_key(t))).to_string(),
                        None => s.t("trouble.none_long").to_string(),
                    };
                    lines.extend(wrapped(&why, width, plain));
                    lines.push(Line::raw(""));
                    lines.extend(wrapped(
                        &s.f("live.rate", &[("rps", &board::short_rate(f.rps_in))]),
                        width,
                        plain.fg(Color::Gray),
                    ));
                    if let Some(u) = f.utilisation {
                        lines.extend(wrapped(
                            &s.f("live.busy", &[("pct", &format!("{:.0}", u * 100.0))]),
                            width,
                            plain.fg(Color::Gray),
                        ));
                    }
                }
                None => lines.extend(wrapped(s.t("trouble.source_long"), width, plain)),
            }
            id.clone()
        }
        None => String::new(),
    };
    (title, lines)
}

/// Where the open popup goes on a screen of `area`, and the height of the
/// traffic chart at its foot (the brief's).
pub fn area(play: &Play, s: &Strings, area: Rect) -> (Rect, u16) {
    let w = (area.width * 3 / 4).clamp(30.min(area.width), 90);
    let brief = play.popup == Some(Popup::Brief);
    let (_, lines) = content(play, s, w.saturating_sub(3));
    // The brief also shows the traffic to come.
    let chart_h = if brief && area.height >= 20 { 8 } else { 0 };
    let h = (lines.len() as u16 + 2 + chart_h).min(area.height.saturating_sub(2).max(3));
    (centred(area, w, h), chart_h)
}

/// Draws the open popup over `area`.
pub fn render(play: &Play, s: &Strings, area: Rect, buf: &mut Buffer) {
    if play.popup.is_none() {
        return;
    }
    let (r, chart_h) = self::area(play, s, area);
    let (title, lines) = content(play, s, r.width.saturating_sub(3));
    Clear.render(r, buf);
    let [text_area, chart_area] =
        Layout::vertical([Constraint::Min(3), Constraint::Length(chart_h)]).areas(r);
    let block = Block::bordered()
        .title(format!(" {title} "))
        .title_bottom(Line::from(format!(" {} ", s.t("popup.keys"))).alignment(Alignment::Right))
        .border_style(Style::new().fg(Color::Cyan));
    scrolled(lines, block, play.popup_scroll, text_area, buf);
    if chart_h > 0 {
        Clear.render(chart_area, buf);
        charts::preview_chart_only(play, s, chart_area, buf);
    }
}
