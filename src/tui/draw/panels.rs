//! The level screen's side panels: the palette (or, while a run goes, the
//! event log), the lesson's steps, and the inspector with the selected
//! thing's settings and what one of its servers serves.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{List, ListItem, Widget};

use crate::format::steps;
use crate::sim::view::{Readout, Unit};

use super::super::board;
use super::super::explain::{self, clock};
use super::super::inspector::Input;
use super::super::play::{Focus, NodeKind, Play, Row};
use super::super::strings::Strings;
use super::super::text;
use super::{panel, scrolled, wrapped};

/// Strings key of a thing kind's name.
pub fn kind_key(kind: crate::format::solution::ThingKind) -> &'static str {
    use crate::format::solution::ThingKind as K;
    match kind {
        K::OnPremises => "kind.on_premises",
        K::Instance => "kind.instance",
        K::AutoScalingGroup => "kind.auto_scaling_group",
        K::LoadBalancer => "kind.load_balancer",
        K::Queue => "kind.queue",
        K::Topic => "kind.topic",
        K::Function => "kind.function",
        K::ContainerService => "kind.container_service",
    }
}

/// The palette: what may be placed, with its key.
pub fn palette(play: &Play, s: &Strings, area: Rect, buf: &mut Buffer) {
    let focused = play.focus == Focus::Palette;
    let w = usize::from(area.width.saturating_sub(4));
    let items: Vec<ListItem> = play
        .level
        .palette
        .things
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let style = if focused && i == play.palette_at {
                Style::new().reversed().bold()
            } else {
                Style::new()
            };
            ListItem::new(Line::from(vec![
                Span::styled(format!("{} ", i + 1), Style::new().fg(Color::Yellow)),
                Span::raw(text::fit(s.t(kind_key(*k)), w)),
            ]))
            .style(style)
        })
        .collect();
    List::new(items)
        .block(panel(s.t("panel.palette"), focused))
        .render(area, buf);
}

/// The event log, newest first: each event on one row where it fits (in
/// its short form if need be), else wrapped under its text, not its time.
pub fn event_log(play: &Play, s: &Strings, area: Rect, buf: &mut Buffer) {
    let Some(run) = &play.run else { return };
    let end_s = run.end_s();
    let w = usize::from(area.width.saturating_sub(2));
    let rows = usize::from(area.height.saturating_sub(2));
    let mut lines: Vec<Line<'static>> = Vec::new();
    for h in run.sim.ctx.log.iter().rev() {
        if lines.len() >= rows {
            break;
        }
        let when = clock(h.at_s, end_s);
        // A hanging indent keeps the times in a column of their own, unless
        // the panel is too narrow to spare it.
        let indent = text::width(&when) + 1;
        let indent = if indent * 2 <= w { indent } else { 0 };
        let wrap = |what: &str| {
            if indent > 0 {
                text::wrap(what, w - indent)
            } else {
                text::wrap(&format!("{when} {what}"), w)
            }
        };
        let mut parts = wrap(&explain::happening(&h.what, end_s, s));
        if parts.len() > 1 {
            let brief = wrap(&explain::happening_brief(&h.what, end_s, s));
            if brief.len() < parts.len() {
                parts = brief;
            }
        }
        for (i, part) in parts.into_iter().enumerate() {
            lines.push(match (i, indent) {
                (0, 0) => Line::raw(part),
                (0, _) => Line::from(vec![
                    Span::styled(format!("{when} "), Style::new().fg(Color::Gray)),
                    Span::raw(part),
                ]),
                _ => Line::styled(
                    format!("{}{part}", " ".repeat(indent)),
                    Style::new().fg(Color::Gray),
                ),
            });
        }
    }
    scrolled(lines, panel(s.t("panel.log"), false), 0, area, buf);
}

/// The lesson's steps: every step with a mark (done ✓, now ▶, later ·), the
/// one in view with its full text, scrollable when it has the keys.
pub fn steps_panel(play: &Play, s: &Strings, area: Rect, buf: &mut Buffer) {
    if area.height < 3 {
        return;
    }
    let lang = s.lang;
    let total = play.level.steps.len();
    let focused = play.focus == Focus::Steps && play.run.is_none();
    let w = area.width.saturating_sub(3);
    let passed = play.steps_done >= total;
    let title = if passed {
        s.t("panel.steps_done_title").to_string()
    } else {
        s.f(
            "panel.step",
            &[("n", &(play.steps_done + 1)), ("of", &total)],
        )
    };
    let mut lines: Vec<Line<'static>> = Vec::new();
    let mut viewing = (0, 0);
    let in_view = if focused {
        play.steps_at
    } else {
        play.steps_done.min(total.saturating_sub(1))
    };
    for (i, step) in play.level.steps.iter().enumerate() {
        let (mark, style) = if i < play.steps_done {
            ("✓ ", Style::new().fg(Color::Green))
        } else if i == play.steps_done {
            ("▶ ", Style::new().fg(Color::Yellow).bold())
        } else {
            ("· ", Style::new().fg(Color::Gray))
        };
        let first = lines.len();
        let body = text::wrap(lang.pick(&step.text), usize::from(w.saturating_sub(2)));
        let announced = play.step_announced == Some(i);
        for (j, part) in body.into_iter().enumerate() {
            let lead = if j == 0 { mark } else { "  " };
            let mut st = style;
            if focused && i == play.steps_at {
                st = st.reversed();
            } else if announced {
                st = st.bold();
            }
            lines.push(Line::from(vec![
                Span::styled(lead.to_string(), style),
                Span::styled(part, st),
            ]));
        }
        if i == in_view {
            let watch = steps::watches_run(&step.done_when);
            if watch && i == play.steps_done && play.run.is_none() {
                lines.extend(wrapped(
                    s.t("panel.watch_step"),
                    w,
                    Style::new().fg(Color::DarkGray),
                ));
            }
            if !lang.pick(&step.hint).is_empty() {
                lines.push(Line::styled(
                    format!("  {}", s.t("panel.hint_key")),
                    Style::new().fg(Color::DarkGray),
                ));
            }
            viewing = (first, lines.len());
        }
    }
    if passed && play.run.as_ref().is_some_and(|r| r.passed == Some(true)) {
        lines.extend(wrapped(
            s.t("panel.steps_done"),
            w,
            Style::new().fg(Color::Green),
        ));
    }
    // The step in view is kept whole on screen, a little below the top.
    let rows = usize::from(area.height.saturating_sub(2));
    let (start, end) = viewing;
    let scroll = start
        .saturating_sub(rows / 3)
        .max(end.saturating_sub(rows))
        .min(start);
    let scroll = u16::try_from(scroll).unwrap_or(u16::MAX);
    let block = panel(&title, focused).border_style(if focused {
        Style::new().fg(Color::Cyan)
    } else {
        Style::new().fg(Color::Yellow)
    });
    scrolled(lines, block, scroll, area, buf);
}

/// The inspector: the selected thing's settings (or the account's
/// commitments), its capacity readout, and while a run goes its live figures.
pub fn inspector(play: &Play, s: &Strings, area: Rect, buf: &mut Buffer) {
    let focused = play.focus == Focus::Inspector && play.run.is_none();
    let selected = play.selected();
    let title = match selected.as_ref().map(|n| (n, n.kind)) {
        Some((n, NodeKind::Thing(k))) => {
            let lock = if n.fixed { " 🔒" } else { "" };
            format!("{} · {}{lock}", n.id, s.t(kind_key(k)))
        }
        Some((n, NodeKind::Source)) => format!("{} · {}", n.id, s.t("kind.source")),
        _ => s.t("panel.account").to_string(),
    };
    let title = text::fit(&title, usize::from(area.width.saturating_sub(4)));
    let block = panel(&title, focused);
    let inner = block.inner(area);
    let lines = inspector_lines(play, s, inner.width);
    let at_line = lines
        .iter()
        .position(|(_, row)| *row == Some(play.field_at))
        .unwrap_or(0);
    let skip = if focused {
        u16::try_from(at_line + 1)
            .unwrap_or(u16::MAX)
            .saturating_sub(inner.height)
    } else {
        0
    };
    let lines: Vec<Line> = lines.into_iter().map(|(l, _)| l).collect();
    scrolled(lines, block, skip, area, buf);
}

fn unit_key(u: Unit) -> &'static str {
    match u {
        Unit::Server => "unit.server",
        Unit::Instance => "unit.instance",
        Unit::Task => "unit.task",
        Unit::Environment => "unit.environment",
    }
}

/// The capacity readout's lines: what one server serves of each workload
/// (and the catalogue figures behind it), and how many the level's peak takes.
fn readout_lines(r: &Readout, play: &Play, s: &Strings, width: u16) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    let dim = Style::new().fg(Color::DarkGray);
    let unit = s.t(unit_key(r.unit));
    for (w, rps) in &r.per_server {
        let line = if *rps > 0.0 {
            s.f(
                "readout.serves",
                &[
                    ("unit", &unit),
                    ("rps", &board::short_rate(*rps)),
                    ("work", w),
                ],
            )
        } else {
            s.f("readout.cannot", &[("unit", &unit), ("work", w)])
        };
        out.extend(wrapped(&line, width, Style::new().fg(Color::Cyan)));
    }
    match (r.peak, r.servers_at_peak) {
        (Some((at, rps)), Some(n)) => out.extend(wrapped(
            &s.f(
                "readout.peak",
                &[
                    ("at", &clock(at, play.level.duration.secs())),
                    ("rps", &board::short_rate(rps)),
                    ("n", &n),
                    ("unit", &unit),
                ],
            ),
            width,
            Style::new().fg(Color::Cyan),
        )),
        (Some(_), None) => out.extend(wrapped(
            s.t("readout.impossible"),
            width,
            Style::new().fg(Color::Red),
        )),
        _ => out.extend(wrapped(s.t("readout.unreached"), width, dim)),
    }
    out
}

/// The catalogue's figures behind a readout.
fn basis_lines(r: &Readout, s: &Strings, width: u16) -> Vec<Line<'static>> {
    let (vcpu, gib, speed) = r.basis;
    wrapped(
        &s.f(
            "readout.basis",
            &[
                ("vcpu", &format!("{vcpu}")),
                ("gib", &format!("{gib}")),
                ("speed", &format!("{speed}")),
            ],
        ),
        width,
        Style::new().fg(Color::DarkGray),
    )
}

/// The inspector's lines at a width, each with the field row it shows (for clicks).
pub fn inspector_lines(
    play: &Play,
    s: &Strings,
    width: u16,
) -> Vec<(Line<'static>, Option<usize>)> {
    let focused = play.focus == Focus::Inspector && play.run.is_none();
    let selected = play.selected();
    let locked = selected.as_ref().is_some_and(|n| n.fixed);
    let mut lines: Vec<(Line<'static>, Option<usize>)> = Vec::new();
    let push_all = |ls: Vec<Line<'static>>, lines: &mut Vec<(Line<'static>, Option<usize>)>| {
        lines.extend(ls.into_iter().map(|l| (l, None)));
    };
    // While running, the selected thing's live figures come first.
    if let Some(run) = &play.run
        && let Some(n) = &selected
        && let Some(f) = run.figures.iter().find(|f| f.id == n.id)
    {
        let mut live = Vec::new();
        if let Some(t) = f.trouble(board::links_on(play, &n.id)) {
            live.push(s.f("live.why_red", &[("why", &s.t(board::trouble_key(t)))]));
        }
        if let Some(d) = f.desired {
            live.push(s.f("live.capacity", &[("now", &f.in_service), ("want", &d)]));
        }
        if let Some(u) = f.utilisation {
            live.push(s.f("live.busy", &[("pct", &format!("{:.0}", u * 100.0))]));
        }
        live.push(s.f("live.rate", &[("rps", &board::short_rate(f.rps_in))]));
        if let Some(b) = f.backlog {
            live.push(s.f("live.backlog", &[("n", &board::short(b as f64))]));
        }
        if let Some((c, l)) = f.concurrency {
            live.push(s.f(
                "live.concurrency",
                &[("now", &format!("{c:.0}")), ("limit", &l)],
            ));
        }
        for (i, l) in live.iter().enumerate() {
            let style = if i == 0 && f.overloaded {
                Style::new().fg(Color::Red)
            } else {
                Style::new()
            };
            push_all(wrapped(l, width, style), &mut lines);
        }
        push_all(
            wrapped(s.t("live.keys"), width, Style::new().fg(Color::DarkGray)),
            &mut lines,
        );
        lines.push((Line::raw(""), None));
    }
    if let Some(n) = &selected
        && n.kind == NodeKind::Source
    {
        if let Some(src) = play.level.sources.iter().find(|x| x.id == n.id) {
            push_all(
                wrapped(
                    &s.f(
                        "source.about",
                        &[
                            ("name", &s.lang.pick(&src.name)),
                            ("rps", &board::short_rate(src.base_rps)),
                            ("work", &src.workload),
                        ],
                    ),
                    width,
                    Style::new(),
                ),
                &mut lines,
            );
            lines.push((Line::raw(""), None));
        }
        // Then the account, which the keys edit while a source is selected.
        push_all(
            vec![Line::styled(
                s.t("panel.account").to_string(),
                Style::new().fg(Color::Gray).bold(),
            )],
            &mut lines,
        );
    }
    if locked {
        push_all(
            wrapped(s.t("panel.locked"), width, Style::new().fg(Color::Blue)),
            &mut lines,
        );
    }
    // What one of its servers serves, from the catalogue, before any run:
    // first, where it is seen without scrolling.
    if play.run.is_none()
        && let Some(n) = &selected
        && let Some(r) = play.readout(&n.id)
    {
        push_all(readout_lines(&r, play, s, width), &mut lines);
        lines.push((Line::raw(""), None));
    }
    let rows = play.rows();
    let label_w = (usize::from(width) * 2 / 5).clamp(6, 16);
    let value_w = usize::from(width).saturating_sub(label_w + 1);
    for (i, row) in rows.iter().enumerate() {
        let is_at = focused && i == play.field_at;
        let editing = matches!(&play.edit, Some(e) if e.row == i && is_at);
        let value = match (&play.edit, editing) {
            (Some(e), true) if e.fresh => e.buffer.clone(),
            (Some(e), true) => format!("{}▏", e.buffer),
            _ => display_value(row, s),
        };
        // A label longer than its column gets a line of its own, whole.
        let full = s.t(row.label());
        let label = if text::width(full) <= label_w {
            full.to_string()
        } else {
            for part in text::wrap(full, usize::from(width)) {
                lines.push((Line::styled(part, Style::new().fg(Color::Gray)), Some(i)));
            }
            String::new()
        };
        let pad = label_w.saturating_sub(text::width(&label));
        let arrows = !locked
            && matches!(row.input(), Input::Choice(_) | Input::Number(_))
            && is_at
            && !editing;
        let style = if editing && play.edit.as_ref().is_some_and(|e| e.fresh) {
            // The old value, selected: the first key typed replaces it.
            Style::new().fg(Color::Black).bg(Color::Cyan)
        } else if is_at {
            Style::new().reversed()
        } else if locked {
            Style::new().fg(Color::Blue)
        } else {
            Style::new().fg(Color::White)
        };
        let shown = if arrows {
            format!("‹{value}›")
        } else {
            value
        };
        // A value too long for its column goes on under its label, whole.
        let parts = text::wrap(&shown, value_w.max(4));
        for (j, part) in parts.into_iter().enumerate() {
            let lead = if j == 0 {
                format!("{label}{} ", " ".repeat(pad))
            } else {
                " ".repeat(label_w + 1)
            };
            lines.push((
                Line::from(vec![
                    Span::styled(lead, Style::new().fg(Color::Gray)),
                    Span::styled(part, style),
                ]),
                Some(i),
            ));
        }
        if let Some(note) = row.note() {
            for part in text::wrap(note, value_w.max(4)) {
                lines.push((
                    Line::styled(
                        format!("{}{part}", " ".repeat(label_w + 1)),
                        Style::new().fg(Color::DarkGray),
                    ),
                    Some(i),
                ));
            }
        }
    }
    // While a run goes the readout follows the settings; before it, the
    // catalogue figures behind it do.
    if let Some(n) = &selected
        && let Some(r) = play.readout(&n.id)
    {
        lines.push((Line::raw(""), None));
        if play.run.is_some() {
            push_all(readout_lines(&r, play, s, width), &mut lines);
        }
        push_all(basis_lines(&r, s, width), &mut lines);
    }
    lines
}

/// A row's value in the player's language: choices and defaults put in
/// words, the text the file holds otherwise.
fn display_value(row: &Row, s: &Strings) -> String {
    match row.value() {
        "-" => s.t("value.default").to_string(),
        "none" if row.label() == "field.add_policy" || row.label() == "field.add_commitment" => {
            "+".to_string()
        }
        v if matches!(row.input(), Input::Choice(_)) => {
            let key = format!("value.{v}");
            if s.has(&key) {
                s.t(&key).to_string()
            } else {
                v.to_string()
            }
        }
        v => v.to_string(),
    }
}
