//! Drawing every screen from the app state; nothing here changes it.

use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{
    Axis, Block, Chart, Clear, Dataset, GraphType, List, ListItem, Paragraph, Widget, Wrap,
};

use crate::format::level::LevelKind;
use crate::format::time::{format_clock, format_span};
use crate::sim::ledger::Service;

use super::app::{App, Screen};
use super::board;
use super::explain::{self, money};
use super::keymap;
use super::layout::{self, play_areas};
use super::play::{Bucket, Focus, Play, Row, Status};
use super::strings::Strings;

impl Widget for &App {
    fn render(self, area: Rect, buf: &mut Buffer) {
        match self.screen {
            Screen::Campaign => campaign(self, area, buf),
            Screen::Sandbox => sandbox(self, area, buf),
            Screen::Play => {
                if let Some(play) = &self.play {
                    play_screen(play, &self.strings, area, buf);
                }
            }
            Screen::Results => results(self, area, buf),
        }
        if self.help {
            help(self, area, buf);
        }
    }
}

fn stars(n: u8) -> String {
    (0..3).map(|i| if i < n { '★' } else { '☆' }).collect()
}

fn status_line(status: &Status, s: &Strings) -> Line<'static> {
    let args: Vec<(&str, &dyn std::fmt::Display)> = status
        .args
        .iter()
        .map(|(k, v)| (*k, v as &dyn std::fmt::Display))
        .collect();
    let text = s.f(status.key, &args);
    let style = if status.error {
        Style::new().fg(Color::Red)
    } else {
        Style::new().fg(Color::Cyan)
    };
    Line::styled(text, style)
}

fn footer_hint(s: &Strings, key: &str) -> Line<'static> {
    Line::styled(format!(" {}", s.t(key)), Style::new().fg(Color::DarkGray))
}

// ---------------------------------------------------------------- campaign

fn campaign(app: &App, area: Rect, buf: &mut Buffer) {
    let s = &app.strings;
    let [head, middle, foot] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(area);
    let earned: u32 = app
        .levels
        .iter()
        .map(|e| u32::from(app.progress.stars(&e.level.id)))
        .sum();
    let title = Line::from(vec![
        Span::styled(
            " peakload ",
            Style::new().bold().fg(Color::Black).bg(Color::Cyan),
        ),
        Span::raw("  "),
        Span::styled(
            s.t("campaign.tagline").to_string(),
            Style::new().fg(Color::Gray),
        ),
    ]);
    let sub = Line::from(vec![
        Span::raw(" "),
        Span::styled(
            s.f(
                "campaign.stars",
                &[("n", &earned), ("of", &(app.levels.len() * 3))],
            ),
            Style::new().fg(Color::Yellow),
        ),
        Span::raw("   "),
        Span::styled(
            s.t("campaign.language").to_string(),
            Style::new().fg(Color::DarkGray),
        ),
    ]);
    Paragraph::new(vec![title, sub]).render(head, buf);

    let list_area = layout::list_area(area);
    let detail_area = Rect::new(
        list_area.right(),
        middle.y,
        middle.right().saturating_sub(list_area.right()),
        middle.height,
    );
    let items: Vec<ListItem> = app
        .levels
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let open = app.unlocked(i);
            let mark = if !open {
                "··· ".to_string()
            } else {
                format!("{} ", stars(app.progress.stars(&e.level.id)))
            };
            let kind = match e.level.kind {
                LevelKind::Challenge => s.t("campaign.challenge"),
                _ => "",
            };
            let number = e.level.id.split('-').next().unwrap_or("");
            let style = if i == app.campaign_at {
                Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
            } else if open {
                Style::new()
            } else {
                Style::new().fg(Color::DarkGray)
            };
            ListItem::new(Line::from(vec![
                Span::styled(format!("{number} "), Style::new().fg(Color::DarkGray)),
                Span::styled(mark, Style::new().fg(Color::Yellow)),
                Span::raw(format!("{}{}", app.lang().pick(&e.level.title), kind)),
            ]))
            .style(style)
        })
        .collect();
    List::new(items)
        .block(Block::bordered().title(format!(" {} ", s.t("campaign.levels"))))
        .render(list_area, buf);

    let mut text: Vec<Line> = Vec::new();
    if let Some(e) = app.levels.get(app.campaign_at) {
        let lang = app.lang();
        text.push(Line::styled(
            lang.pick(&e.level.title).to_string(),
            Style::new().bold(),
        ));
        text.push(Line::raw(""));
        for para in lang.pick(&e.level.intro).split("\n\n") {
            text.push(Line::raw(para.replace('\n', " ")));
            text.push(Line::raw(""));
        }
        let g = &e.level.goals;
        text.push(Line::styled(
            s.f(
                "campaign.goal",
                &[
                    ("pct", &g.availability_pct),
                    ("budget", &money(g.stars.one)),
                    ("three", &money(g.stars.three)),
                ],
            ),
            Style::new().fg(Color::Cyan),
        ));
        if let Some(r) = app
            .progress
            .levels
            .get(&e.level.id)
            .and_then(|r| r.best_cost_usd)
        {
            text.push(Line::styled(
                s.f("campaign.best", &[("cost", &money(r))]),
                Style::new().fg(Color::Yellow),
            ));
        }
        if !app.unlocked(app.campaign_at) {
            text.push(Line::styled(
                s.t("notice.locked").to_string(),
                Style::new().fg(Color::DarkGray),
            ));
        }
    }
    Paragraph::new(text)
        .wrap(Wrap { trim: true })
        .block(Block::bordered().title(format!(" {} ", s.t("campaign.about"))))
        .render(detail_area, buf);

    let line = match &app.notice {
        Some(n) => status_line(n, s),
        None => footer_hint(s, "campaign.keys"),
    };
    Paragraph::new(line).render(foot, buf);
}

fn sandbox(app: &App, area: Rect, buf: &mut Buffer) {
    let s = &app.strings;
    let [head, middle, foot] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(area);
    Paragraph::new(vec![
        Line::from(vec![
            Span::styled(
                " peakload ",
                Style::new().bold().fg(Color::Black).bg(Color::Cyan),
            ),
            Span::raw("  "),
            Span::styled(s.t("sandbox.title").to_string(), Style::new().bold()),
        ]),
        Line::styled(
            format!(" {}", s.t("sandbox.pick")),
            Style::new().fg(Color::Gray),
        ),
    ])
    .render(head, buf);
    let list_area = layout::list_area(area);
    let detail = Rect::new(
        list_area.right(),
        middle.y,
        middle.right().saturating_sub(list_area.right()),
        middle.height,
    );
    let Some(file) = &app.sandbox else {
        Paragraph::new(s.t("sandbox.missing")).render(middle, buf);
        return;
    };
    let items: Vec<ListItem> = file
        .patterns
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let style = if i == app.pattern_at {
                Style::new().reversed().bold()
            } else {
                Style::new()
            };
            ListItem::new(app.lang().pick(&p.name).to_string()).style(style)
        })
        .collect();
    List::new(items)
        .block(Block::bordered().title(format!(" {} ", s.t("sandbox.patterns"))))
        .render(list_area, buf);
    if let Some(p) = file.patterns.get(app.pattern_at) {
        Paragraph::new(app.lang().pick(&p.about).to_string())
            .wrap(Wrap { trim: true })
            .block(Block::bordered())
            .render(detail, buf);
    }
    footer_hint(s, "sandbox.keys").render(foot, buf);
}

// ---------------------------------------------------------------- level

fn play_screen(play: &Play, s: &Strings, area: Rect, buf: &mut Buffer) {
    let a = play_areas(area);
    top_bar(play, s, a.top, buf);
    if play.run.is_some() {
        event_log(play, s, a.left, buf);
    } else {
        palette(play, s, a.left, buf);
    }
    board::render(play, s, a.board, buf);
    lesson_step(play, s, a.step, buf);
    inspector(play, s, a.inspector, buf);
    charts(play, s, a.bottom, buf);
    let line = match &play.status {
        Some(st) => status_line(st, s),
        None if play.run.is_some() => footer_hint(s, "play.keys_run"),
        None => footer_hint(s, "play.keys_build"),
    };
    Paragraph::new(line).render(a.footer, buf);
}

fn top_bar(play: &Play, s: &Strings, area: Rect, buf: &mut Buffer) {
    let lang = s.lang;
    let mut spans = vec![
        Span::styled(
            format!(" {} ", lang.pick(&play.level.title)),
            Style::new().bold().fg(Color::Black).bg(Color::Cyan),
        ),
        Span::raw(" "),
    ];
    match &play.run {
        Some(run) => {
            let now = run.sim.ctx.now_s;
            let end = run.sim.ctx.setup.ticks as f64 * run.sim.ctx.setup.tick_s;
            let state = if run.sim.finished() {
                s.t("top.finished")
            } else if run.paused {
                s.t("top.paused")
            } else {
                run.speed.label()
            };
            let cost = run.sim.ctx.ledger.total();
            spans.extend([
                Span::styled(
                    format!("⏱ {} / {} ", format_clock(now), format_span(end)),
                    Style::new().bold(),
                ),
                Span::styled(format!("▶ {state} "), Style::new().fg(Color::Yellow)),
                Span::styled(
                    format!(
                        "{} {:.2}% ",
                        s.t("top.availability"),
                        run.availability_pct()
                    ),
                    Style::new().fg(Color::Green),
                ),
                Span::styled(
                    format!("{} {}", s.t("top.cost"), money(cost)),
                    Style::new().fg(Color::Magenta),
                ),
            ]);
        }
        None => {
            let g = &play.level.goals;
            spans.push(Span::styled(
                s.f(
                    "top.building",
                    &[
                        ("pct", &g.availability_pct),
                        ("budget", &money(g.stars.one)),
                    ],
                ),
                Style::new().fg(Color::Gray),
            ));
        }
    }
    Paragraph::new(Line::from(spans)).render(area, buf);
}

fn palette(play: &Play, s: &Strings, area: Rect, buf: &mut Buffer) {
    let focused = play.focus == Focus::Palette;
    let items: Vec<ListItem> = play
        .level
        .palette
        .things
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let name = s.t(kind_key(*k));
            let style = if focused && i == play.palette_at {
                Style::new().reversed().bold()
            } else {
                Style::new()
            };
            ListItem::new(Line::from(vec![
                Span::styled(format!("{} ", i + 1), Style::new().fg(Color::Yellow)),
                Span::raw(name.to_string()),
            ]))
            .style(style)
        })
        .collect();
    let block = Block::bordered()
        .title(format!(" {} ", s.t("panel.palette")))
        .border_style(if focused {
            Style::new().fg(Color::Cyan)
        } else {
            Style::new().fg(Color::DarkGray)
        });
    List::new(items).block(block).render(area, buf);
}

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

fn event_log(play: &Play, s: &Strings, area: Rect, buf: &mut Buffer) {
    let Some(run) = &play.run else { return };
    let rows = area.height.saturating_sub(2) as usize;
    let lines: Vec<Line> = run
        .sim
        .ctx
        .log
        .iter()
        .rev()
        .take(rows)
        .map(|h| {
            Line::from(vec![
                Span::styled(
                    format!("{} ", format_clock(h.at_s)),
                    Style::new().fg(Color::DarkGray),
                ),
                Span::raw(explain::happening(&h.what, s)),
            ])
        })
        .collect();
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .block(
            Block::bordered()
                .title(format!(" {} ", s.t("panel.log")))
                .border_style(Style::new().fg(Color::DarkGray)),
        )
        .render(area, buf);
}

fn lesson_step(play: &Play, s: &Strings, area: Rect, buf: &mut Buffer) {
    let lang = s.lang;
    let total = play.level.steps.len();
    let mut text: Vec<Line> = Vec::new();
    let title = if total == 0 {
        s.t("panel.goal").to_string()
    } else {
        s.f(
            "panel.step",
            &[("n", &(play.steps_done + 1).min(total)), ("of", &total)],
        )
    };
    match play.level.steps.get(play.steps_done) {
        Some(step) => {
            text.push(Line::raw(lang.pick(&step.text).to_string()));
            if play.hint && !lang.pick(&step.hint).is_empty() {
                text.push(Line::styled(
                    format!("💡 {}", lang.pick(&step.hint)),
                    Style::new().fg(Color::Yellow),
                ));
            } else if !lang.pick(&step.hint).is_empty() {
                text.push(Line::styled(
                    s.t("panel.hint_key").to_string(),
                    Style::new().fg(Color::DarkGray),
                ));
            }
        }
        None if total > 0 => text.push(Line::styled(
            s.t("panel.steps_done").to_string(),
            Style::new().fg(Color::Green),
        )),
        None => {
            let g = &play.level.goals;
            text.push(Line::raw(s.f(
                "top.building",
                &[
                    ("pct", &g.availability_pct),
                    ("budget", &money(g.stars.one)),
                ],
            )));
        }
    }
    Paragraph::new(text)
        .wrap(Wrap { trim: true })
        .block(
            Block::bordered()
                .title(format!(" {title} "))
                .border_style(Style::new().fg(Color::Yellow)),
        )
        .render(area, buf);
}

fn inspector(play: &Play, s: &Strings, area: Rect, buf: &mut Buffer) {
    let focused = play.focus == Focus::Inspector && play.run.is_none();
    let selected = play.selected();
    let title = match selected.as_ref().map(|n| (n, n.kind)) {
        Some((n, super::play::NodeKind::Thing(k))) => format!(" {} · {} ", n.id, s.t(kind_key(k))),
        _ => format!(" {} ", s.t("panel.account")),
    };
    let block = Block::bordered().title(title).border_style(if focused {
        Style::new().fg(Color::Cyan)
    } else {
        Style::new().fg(Color::DarkGray)
    });
    let inner = block.inner(area);
    block.render(area, buf);
    let lines = inspector_lines(play, s, inner.width);
    let at_line = lines
        .iter()
        .position(|(_, row)| *row == Some(play.field_at))
        .unwrap_or(0);
    let skip = (at_line + 1).saturating_sub(inner.height as usize) as u16;
    let lines: Vec<Line> = lines.into_iter().map(|(l, _)| l).collect();
    Paragraph::new(lines)
        .scroll((if focused { skip } else { 0 }, 0))
        .render(inner, buf);
}

/// The inspector's lines at a width, each with the field row it shows (for clicks).
pub fn inspector_lines(
    play: &Play,
    s: &Strings,
    width: u16,
) -> Vec<(Line<'static>, Option<usize>)> {
    let focused = play.focus == Focus::Inspector && play.run.is_none();
    let selected = play.selected();
    let mut lines: Vec<(Line<'static>, Option<usize>)> = Vec::new();
    let lines_push =
        |l: Line<'static>, lines: &mut Vec<(Line<'static>, Option<usize>)>| lines.push((l, None));
    // While running, the selected thing's live figures come first.
    if let Some(run) = &play.run
        && let Some(n) = &selected
        && let Some(f) = run.figures.iter().find(|f| f.id == n.id)
    {
        if let Some(d) = f.desired {
            lines_push(
                Line::raw(s.f("live.capacity", &[("now", &f.in_service), ("want", &d)])),
                &mut lines,
            );
        }
        if let Some(u) = f.utilisation {
            lines_push(
                Line::raw(s.f("live.busy", &[("pct", &format!("{:.0}", u * 100.0))])),
                &mut lines,
            );
        }
        lines_push(
            Line::raw(s.f("live.rate", &[("rps", &board::short(f.rps_in))])),
            &mut lines,
        );
        if let Some(b) = f.backlog {
            lines_push(
                Line::raw(s.f("live.backlog", &[("n", &board::short(b as f64))])),
                &mut lines,
            );
        }
        if let Some((c, l)) = f.concurrency {
            lines_push(
                Line::raw(s.f(
                    "live.concurrency",
                    &[("now", &format!("{c:.0}")), ("limit", &l)],
                )),
                &mut lines,
            );
        }
        lines_push(
            Line::styled(
                s.t("live.keys").to_string(),
                Style::new().fg(Color::DarkGray),
            ),
            &mut lines,
        );
        lines_push(Line::raw(""), &mut lines);
    }
    let rows = play.rows();
    let label_w = (width as usize * 2 / 5).clamp(6, 16);
    for (i, row) in rows.iter().enumerate() {
        let is_at = focused && i == play.field_at;
        let value = match (&play.edit, is_at) {
            (Some(e), true) if e.row == i => format!("{}▏", e.buffer),
            _ => display_value(row, s),
        };
        let label = s.t(row.label());
        let label = truncate(label, label_w);
        let pad = label_w.saturating_sub(unicode_width(&label));
        let arrows = matches!(
            row.input(),
            super::inspector::Input::Choice(_) | super::inspector::Input::Number(_)
        ) && is_at;
        let style = if is_at {
            Style::new().reversed()
        } else {
            Style::new()
        };
        let mut spans = vec![
            Span::styled(
                format!("{label}{} ", " ".repeat(pad)),
                Style::new().fg(Color::Gray),
            ),
            Span::styled(
                if arrows {
                    format!("‹{value}›")
                } else {
                    value
                },
                style.fg(Color::White),
            ),
        ];
        let note = row.note().map(|n| format!(" {n}"));
        let fits = note.as_ref().is_some_and(|n| {
            spans.iter().map(Span::width).sum::<usize>() + unicode_width(n) <= width as usize
        });
        if let (Some(n), true) = (&note, fits) {
            spans.push(Span::styled(n.clone(), Style::new().fg(Color::DarkGray)));
        }
        lines.push((Line::from(spans), Some(i)));
        if let (Some(n), false) = (note, fits) {
            lines.push((
                Line::styled(
                    format!("{}{n}", " ".repeat(label_w)),
                    Style::new().fg(Color::DarkGray),
                ),
                Some(i),
            ));
        }
    }
    lines
}

fn display_value(row: &Row, s: &Strings) -> String {
    match row.value() {
        "-" => s.t("value.default").to_string(),
        v if row.label() == "field.add_policy" || row.label() == "field.add_commitment" => {
            if v == "none" {
                "+".to_string()
            } else {
                v.to_string()
            }
        }
        v => v.to_string(),
    }
}

fn unicode_width(text: &str) -> usize {
    Line::raw(text.to_string()).width()
}

fn truncate(text: &str, width: usize) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if unicode_width(&format!("{out}{c}")) > width {
            break;
        }
        out.push(c);
    }
    out
}

/// A line chart series drawn in braille dots.
fn line(data: &[(f64, f64)], colour: Color) -> Dataset<'_> {
    Dataset::default()
        .marker(symbols::Marker::Braille)
        .graph_type(GraphType::Line)
        .style(Style::new().fg(colour))
        .data(data)
}

fn series(
    buckets: &[Bucket],
    upto: usize,
    value: impl Fn(&Bucket) -> Option<f64>,
) -> Vec<(f64, f64)> {
    buckets
        .iter()
        .take(upto)
        .enumerate()
        .filter(|(_, b)| b.ticks > 0)
        .filter_map(|(i, b)| value(b).map(|v| (i as f64, v)))
        .collect()
}

fn small_chart<'a>(
    title: String,
    datasets: Vec<Dataset<'a>>,
    y_max: f64,
    y_min: f64,
    n: usize,
) -> Chart<'a> {
    Chart::new(datasets)
        .block(
            Block::bordered()
                .title(title)
                .border_style(Style::new().fg(Color::DarkGray)),
        )
        .x_axis(Axis::default().bounds([0.0, n as f64]))
        .y_axis(Axis::default().bounds([y_min, y_max.max(y_min + 1e-9)]))
}

fn charts(play: &Play, s: &Strings, area: Rect, buf: &mut Buffer) {
    let cols: [Rect; 4] = Layout::horizontal([Constraint::Ratio(1, 4); 4]).areas(area);
    let Some(run) = &play.run else {
        for (c, key) in cols.iter().zip([
            "chart.traffic",
            "chart.availability",
            "chart.p99",
            "chart.cost",
        ]) {
            Paragraph::new(Line::styled(
                s.t("chart.waiting").to_string(),
                Style::new().fg(Color::DarkGray),
            ))
            .block(
                Block::bordered()
                    .title(format!(" {} ", s.t(key)))
                    .border_style(Style::new().fg(Color::DarkGray)),
            )
            .render(*c, buf);
        }
        return;
    };
    let n = run.buckets.len();
    let upto = n;
    let traffic = series(&run.buckets, upto, |b| Some(b.offered_rps));
    let capacity = series(&run.buckets, upto, |b| {
        Some(b.capacity_sum / f64::from(b.ticks.max(1)))
    });
    let avail = series(&run.buckets, upto, |b| {
        (b.ok + b.bad > 0).then(|| b.ok as f64 * 100.0 / (b.ok + b.bad) as f64)
    });
    let p99 = series(&run.buckets, upto, |b| Some(b.p99_ms));
    let cost = series(&run.buckets, upto, |b| Some(b.cost_usd));
    let top = |pts: &[(f64, f64)]| pts.iter().map(|p| p.1).fold(0.0_f64, f64::max) * 1.1;
    let traffic_max = top(&traffic).max(top(&capacity)).max(1.0);
    let last = |pts: &[(f64, f64)]| pts.last().map_or(0.0, |p| p.1);

    small_chart(
        format!(
            " {} {}/{} ",
            s.t("chart.traffic"),
            board::short(last(&traffic)),
            board::short(last(&capacity))
        ),
        vec![line(&traffic, Color::Cyan), line(&capacity, Color::Green)],
        traffic_max,
        0.0,
        n,
    )
    .render(cols[0], buf);
    let avail_min = avail
        .iter()
        .map(|p| p.1)
        .fold(100.0_f64, f64::min)
        .min(play.level.goals.availability_pct - 1.0)
        .max(0.0);
    let goal: Vec<(f64, f64)> = vec![
        (0.0, play.level.goals.availability_pct),
        (n as f64, play.level.goals.availability_pct),
    ];
    small_chart(
        format!(
            " {} {:.2}% ",
            s.t("chart.availability"),
            run.availability_pct()
        ),
        vec![line(&goal, Color::DarkGray), line(&avail, Color::Green)],
        100.0,
        avail_min,
        n,
    )
    .render(cols[1], buf);
    small_chart(
        format!(
            " {} {:.0} ms ",
            s.t("chart.p99"),
            run.sim.times().latency.quantile_ms(0.99)
        ),
        vec![line(&p99, Color::Yellow)],
        top(&p99).max(1.0),
        0.0,
        n,
    )
    .render(cols[2], buf);
    let budget: Vec<(f64, f64)> = vec![
        (0.0, play.level.goals.stars.one),
        (n as f64, play.level.goals.stars.one),
    ];
    small_chart(
        format!(
            " {} {} ",
            s.t("chart.cost"),
            money(run.sim.ctx.ledger.total())
        ),
        vec![line(&budget, Color::DarkGray), line(&cost, Color::Magenta)],
        top(&cost).max(play.level.goals.stars.one * 1.05),
        0.0,
        n,
    )
    .render(cols[3], buf);
}

// ---------------------------------------------------------------- results

fn results(app: &App, area: Rect, buf: &mut Buffer) {
    let s = &app.strings;
    let (Some(play), Some(res)) = (&app.play, &app.results) else {
        return;
    };
    let score = &res.score;
    let lang = app.lang();
    let [head, middle, timeline, foot] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(6),
        Constraint::Length(if area.height >= 40 { 10 } else { 6 }),
        Constraint::Length(1),
    ])
    .areas(area);
    let verdict = if score.passed {
        Span::styled(
            format!(" {} ", s.t("results.passed")),
            Style::new().bold().fg(Color::Black).bg(Color::Green),
        )
    } else {
        Span::styled(
            format!(" {} ", s.t("results.failed")),
            Style::new().bold().fg(Color::White).bg(Color::Red),
        )
    };
    Paragraph::new(vec![Line::from(vec![
        Span::styled(
            format!(" {} ", lang.pick(&play.level.title)),
            Style::new().bold(),
        ),
        verdict,
        Span::styled(
            format!(" {} ", stars(score.stars)),
            Style::new().fg(Color::Yellow).bold(),
        ),
        Span::styled(
            if res.improved {
                s.t("results.record").to_string()
            } else {
                String::new()
            },
            Style::new().fg(Color::Yellow),
        ),
    ])])
    .render(head, buf);

    let wide = middle.width >= 110;
    let [left, right] = Layout::horizontal([
        Constraint::Percentage(if wide { 45 } else { 50 }),
        Constraint::Min(10),
    ])
    .areas(middle);
    let [figures, bills] =
        Layout::vertical([Constraint::Length(8), Constraint::Min(3)]).areas(left);
    let (bills, timeline) = super::par_chart::draw(app, bills, timeline, buf);

    let g = &play.level.goals;
    let tick = |ok: bool| {
        if ok {
            Span::styled("✓ ", Style::new().fg(Color::Green))
        } else {
            Span::styled("✗ ", Style::new().fg(Color::Red))
        }
    };
    let mut lines = vec![
        Line::from(vec![
            tick(score.availability_pct >= g.availability_pct),
            Span::raw(s.f(
                "results.availability",
                &[
                    ("pct", &format!("{:.3}", score.availability_pct)),
                    ("goal", &g.availability_pct),
                ],
            )),
        ]),
        Line::from(vec![
            tick(g.p99_ms.is_none_or(|p| score.latency_ms.p99 <= p)),
            Span::raw(s.f(
                "results.p99",
                &[("ms", &format!("{:.0}", score.latency_ms.p99))],
            )),
        ]),
        Line::from(vec![
            tick(score.cost_usd <= g.stars.one),
            Span::raw(s.f(
                "results.cost",
                &[
                    ("cost", &money(score.cost_usd)),
                    ("budget", &money(g.stars.one)),
                ],
            )),
        ]),
        Line::raw(s.f(
            "results.requests",
            &[
                ("ok", &board::short(score.requests.ok as f64)),
                ("late", &board::short(score.requests.late as f64)),
                ("lost", &board::short(score.requests.dropped as f64)),
            ],
        )),
        Line::styled(
            s.f(
                "results.stars_at",
                &[
                    ("two", &money(g.stars.two)),
                    ("three", &money(g.stars.three)),
                ],
            ),
            Style::new().fg(Color::DarkGray),
        ),
    ];
    if let Some(p) = &res.saved {
        lines.push(Line::styled(
            s.f("status.saved", &[("path", &p.display())]),
            Style::new().fg(Color::Cyan),
        ));
    }
    Paragraph::new(lines)
        .block(Block::bordered().title(format!(" {} ", s.t("results.score"))))
        .render(figures, buf);

    // Cost by service as horizontal bars.
    let lines_cost: Vec<(String, f64)> = Service::ALL
        .iter()
        .filter_map(|svc| {
            score
                .cost_by_service
                .get(svc.key())
                .map(|v| (s.t(&format!("service.{}", svc.key())).to_string(), *v))
        })
        .filter(|(_, v)| *v > 0.0)
        .collect();
    let max = lines_cost
        .iter()
        .map(|(_, v)| *v)
        .fold(0.0_f64, f64::max)
        .max(1e-9);
    let inner_w = bills.width.saturating_sub(2) as usize;
    let label_w = lines_cost
        .iter()
        .map(|(l, _)| unicode_width(l))
        .max()
        .unwrap_or(0)
        .min(inner_w / 3);
    let bar_w = inner_w.saturating_sub(label_w + 12);
    let bars: Vec<Line> = lines_cost
        .iter()
        .map(|(label, v)| {
            let n = ((v / max) * bar_w as f64).round() as usize;
            let label = truncate(label, label_w);
            let pad = label_w.saturating_sub(unicode_width(&label));
            Line::from(vec![
                Span::raw(format!("{label}{} ", " ".repeat(pad))),
                Span::styled("█".repeat(n.max(1)), Style::new().fg(Color::Magenta)),
                Span::raw(format!(" {}", money(*v))),
            ])
        })
        .collect();
    Paragraph::new(bars)
        .block(Block::bordered().title(format!(" {} ", s.t("results.cost_by_service"))))
        .render(bills, buf);

    let mut why: Vec<Line> = explain::findings(&res.findings, s)
        .into_iter()
        .map(|t| Line::raw(format!("• {t}")))
        .collect();
    let summary = lang.pick(&play.level.summary);
    if !summary.is_empty() {
        why.push(Line::raw(""));
        why.push(Line::styled(
            s.t("results.lesson").to_string(),
            Style::new().bold().fg(Color::Cyan),
        ));
        why.push(Line::raw(summary.replace('\n', " ")));
    }
    Paragraph::new(why)
        .wrap(Wrap { trim: true })
        .scroll((res.scroll, 0))
        .block(Block::bordered().title(format!(" {} ", s.t("results.why"))))
        .render(right, buf);

    // The whole run's timeline: traffic against capacity, and where requests were lost.
    if let Some(run) = &play.run {
        let n = run.buckets.len();
        let traffic = series(&run.buckets, n, |b| Some(b.offered_rps));
        let capacity = series(&run.buckets, n, |b| {
            Some(b.capacity_sum / f64::from(b.ticks.max(1)))
        });
        let max = traffic
            .iter()
            .chain(&capacity)
            .map(|p| p.1)
            .fold(1.0_f64, f64::max)
            * 1.1;
        let lost: Vec<(f64, f64)> = run
            .buckets
            .iter()
            .enumerate()
            .filter(|(_, b)| {
                b.bad > 0 && b.ok + b.bad > 0 && (b.bad as f64) / ((b.ok + b.bad) as f64) > 0.001
            })
            .map(|(i, _)| (i as f64, max * 0.02))
            .collect();
        let end = run.sim.ctx.setup.ticks as f64 * run.sim.ctx.setup.tick_s;
        Chart::new(vec![
            line(&traffic, Color::Cyan).name(s.t("chart.offered").to_string()),
            line(&capacity, Color::Green).name(s.t("chart.capacity").to_string()),
            Dataset::default()
                .name(s.t("chart.lost").to_string())
                .marker(symbols::Marker::Dot)
                .graph_type(GraphType::Scatter)
                .style(Style::new().fg(Color::Red))
                .data(&lost),
        ])
        .block(Block::bordered().title(format!(" {} ", s.t("results.timeline"))))
        .x_axis(Axis::default().bounds([0.0, n as f64]).labels([
            format_clock(0.0),
            format_clock(end / 2.0),
            format_span(end),
        ]))
        .y_axis(
            Axis::default()
                .bounds([0.0, max])
                .labels([String::from("0"), board::short(max)]),
        )
        .render(timeline, buf);
    }
    let line = match &play.status {
        Some(st) if matches!(st.key, "status.saved" | "status.save_failed") => status_line(st, s),
        _ => footer_hint(s, "results.keys"),
    };
    Paragraph::new(line).render(foot, buf);
}

// ---------------------------------------------------------------- help

fn help(app: &App, area: Rect, buf: &mut Buffer) {
    let s = &app.strings;
    let lines = keymap::help_lines(app.context());
    let w = area.width.min(64);
    let h = (lines.len() as u16 + 4).min(area.height);
    let r = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    Clear.render(r, buf);
    let key_w = lines
        .iter()
        .map(|(k, _)| unicode_width(k))
        .max()
        .unwrap_or(4)
        .min(18);
    let text: Vec<Line> = lines
        .iter()
        .map(|(k, h)| {
            Line::from(vec![
                Span::styled(
                    format!("{k:>key_w$}  "),
                    Style::new().fg(Color::Yellow).bold(),
                ),
                Span::raw(s.t(h).to_string()),
            ])
        })
        .collect();
    Paragraph::new(Text::from(text))
        .block(
            Block::bordered()
                .title(format!(" {} ", s.t("help.title")))
                .title_bottom(
                    Line::from(format!(" {} ", s.t("help.close"))).alignment(Alignment::Right),
                )
                .border_style(Style::new().fg(Color::Cyan)),
        )
        .render(r, buf);
}
