//! Charts: before a run, the level's expected traffic with its events
//! marked; during a run, a recent window of the run (traffic against
//! capacity, the share in time, p99, cost) with time axes, units and a
//! legend, and under it a strip of the whole run; after it, the run's timeline.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::style::{Color, Style};
use ratatui::symbols;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Block, Chart, Dataset, GraphType, Widget};

use crate::format::level::{EventKind, Level, Shape, Target};
use crate::sim::view::BuildWarning;

use super::super::board;
use super::super::explain::{clock, money};
use super::super::play::Play;
use super::super::run::{Bucket, FINE_POINTS, Run, WINDOW_POINTS};
use super::super::strings::Strings;
use super::super::text;
use super::{fit_line, panel, scrolled, wrapped};

/// A line series drawn in braille dots.
fn line(data: &[(f64, f64)], colour: Color) -> Dataset<'_> {
    Dataset::default()
        .marker(symbols::Marker::Braille)
        .graph_type(GraphType::Line)
        .style(Style::new().fg(colour))
        .data(data)
}

/// A title with a legend (each series' name in its colour) that fits in a
/// block `width` cells wide: both when they fit, else the legend (the
/// title's figures are in the header too), else the title, else as many
/// whole keys as fit, else the title (or the first key) cut with `…`. A key
/// is never cut silently mid-figure, as the block would cut it.
fn legend(title: String, series: &[(String, Color)], width: u16) -> Line<'static> {
    let keys: Vec<Span<'static>> = series
        .iter()
        .map(|(name, colour)| Span::styled(format!("━{name} "), Style::new().fg(*colour)))
        .collect();
    let titled = (!title.is_empty()).then(|| Span::raw(format!(" {title} ")));
    let keyed = |n: usize| {
        let mut spans = vec![Span::raw(" ")];
        spans.extend(keys.iter().take(n).cloned());
        spans
    };
    let mut choices = Vec::new();
    if let Some(t) = &titled {
        let mut spans = vec![t.clone()];
        spans.extend(keys.iter().cloned());
        choices.push(spans);
    }
    if !keys.is_empty() {
        choices.push(keyed(keys.len()));
    }
    if let Some(t) = &titled {
        choices.push(vec![t.clone()]);
    }
    choices.extend((1..keys.len()).rev().map(keyed));
    // None fits: the title, else the first key, cut with its mark.
    choices.push(titled.map_or_else(|| keyed(1), |t| vec![t]));
    fit_line(&choices, usize::from(width.saturating_sub(2)))
}

/// Cells a title-less legend of `series` takes in a block's top border.
fn legend_width(series: &[(String, Color)]) -> u16 {
    let keys: usize = series.iter().map(|(name, _)| text::width(name) + 2).sum();
    u16::try_from(keys + 1).unwrap_or(u16::MAX)
}

/// A small chart over a window of points, with the window's clock times on
/// the x axis and `0`/top with its unit on the y axis.
#[allow(clippy::too_many_arguments)]
fn chart<'a>(
    title: Line<'static>,
    datasets: Vec<Dataset<'a>>,
    x: (f64, f64),
    x_labels: (String, String),
    y: (f64, f64),
    y_labels: (String, String),
) -> Chart<'a> {
    Chart::new(datasets)
        .block(
            Block::bordered()
                .title(title)
                .border_style(Style::new().fg(Color::DarkGray)),
        )
        .x_axis(
            Axis::default()
                .bounds([x.0, x.1.max(x.0 + 1e-9)])
                .labels([x_labels.0, x_labels.1])
                .style(Style::new().fg(Color::DarkGray)),
        )
        .y_axis(
            Axis::default()
                .bounds([y.0, y.1.max(y.0 + 1e-9)])
                .labels([y_labels.0, y_labels.1])
                .style(Style::new().fg(Color::DarkGray)),
        )
        .legend_position(None)
}

fn series(
    points: &[Bucket],
    from: usize,
    upto: usize,
    value: impl Fn(&Bucket) -> Option<f64>,
) -> Vec<(f64, f64)> {
    points
        .iter()
        .enumerate()
        .take(upto)
        .skip(from)
        .filter(|(_, b)| b.ticks > 0)
        .filter_map(|(i, b)| value(b).map(|v| (i as f64, v)))
        .collect()
}

fn top(pts: &[(f64, f64)]) -> f64 {
    pts.iter().map(|p| p.1).fold(0.0_f64, f64::max)
}

/// The live charts of a run: the recent window, and the whole run below.
pub fn live(play: &Play, run: &Run, s: &Strings, area: Rect, buf: &mut Buffer) {
    let strip_h = if area.height >= 10 { 2 } else { 1 };
    let [charts_area, strip] =
        Layout::vertical([Constraint::Min(3), Constraint::Length(strip_h)]).areas(area);
    let ticks = run.sim.ctx.setup.ticks.max(1);
    let end_s = run.end_s();
    let now = ((run.sim.ctx.tick * FINE_POINTS as u64) / ticks) as usize;
    let upto = now.min(FINE_POINTS);
    let from = upto.saturating_sub(WINDOW_POINTS);
    let to = (from + WINDOW_POINTS).min(FINE_POINTS);
    let at = |i: usize| clock(i as f64 * end_s / FINE_POINTS as f64, end_s);
    let x = (from as f64, to as f64);
    let xl = (at(from), at(to));
    let live = &run.live;
    let goals = &play.level.goals;

    let traffic = series(&run.fine, from, upto, |b| Some(b.offered_rps));
    let capacity = series(&run.fine, from, upto, |b| Some(b.capacity_rps()));
    let in_time = series(&run.fine, from, upto, Bucket::in_time_pct);
    let p99 = series(&run.fine, from, upto, |b| Some(b.p99_ms));
    let cost = series(&run.fine, from, upto, |b| Some(b.cost_usd));
    let goal_line = |v: f64| vec![(x.0, v), (x.1, v)];

    let n: u16 = if area.width >= 120 { 4 } else { 2 };
    // The legend carries the figures now: the same ones the boxes show.
    // Each figure padded to `9.9k/s` sizes the chart, so it keeps its width
    // while the figures change.
    let keys = |pad: usize| {
        [
            (s.t("chart.offered"), live.offered_rps, Color::Cyan),
            (s.t("chart.capacity"), live.capacity_rps, Color::Green),
        ]
        .map(|(name, rps, colour)| (format!("{name} {:>pad$}", board::short_rate(rps)), colour))
    };
    let traffic_keys = keys(0);
    // The traffic chart is as wide as its legend needs (up to half the
    // row), so both figures show whole; the others share the rest.
    let first = (legend_width(&keys(6)) + 2).clamp(area.width / n, area.width / 2);
    let mut widths = vec![Constraint::Length(first)];
    widths.extend((1..n).map(|_| Constraint::Fill(1)));
    let cols = Layout::horizontal(widths).split(charts_area);

    let t_max = (top(&traffic).max(top(&capacity)) * 1.1).max(1.0);
    chart(
        legend(String::new(), &traffic_keys, cols[0].width),
        vec![line(&traffic, Color::Cyan), line(&capacity, Color::Green)],
        x,
        xl.clone(),
        (0.0, t_max),
        ("0".into(), format!("{}/s", board::short(t_max))),
    )
    .render(cols[0], buf);

    let low = in_time
        .iter()
        .map(|p| p.1)
        .fold(100.0_f64, f64::min)
        .min(goals.availability_pct - 1.0)
        .max(0.0)
        .floor();
    let goal_avail = goal_line(goals.availability_pct);
    chart(
        legend(
            s.f(
                "chart.in_time_now",
                &[("pct", &format!("{:.2}", live.in_time_pct))],
            ),
            &[(s.t("chart.goal").to_string(), Color::DarkGray)],
            cols[1].width,
        ),
        vec![
            line(&goal_avail, Color::DarkGray),
            line(&in_time, Color::Green),
        ],
        x,
        xl.clone(),
        (low, 100.0),
        (format!("{low:.0}%"), "100%".into()),
    )
    .render(cols[1], buf);
    if n < 4 {
        return strip_row(play, Some(run), s, strip, buf);
    }
    let goal_p99 = goals.p99_ms.map(goal_line).unwrap_or_default();
    let p_max = (top(&p99).max(goals.p99_ms.unwrap_or(0.0)) * 1.1).max(1.0);
    chart(
        legend(
            s.f("chart.p99_now", &[("ms", &format!("{:.0}", live.p99_ms))]),
            &[],
            cols[2].width,
        ),
        vec![line(&goal_p99, Color::DarkGray), line(&p99, Color::Yellow)],
        x,
        xl.clone(),
        (0.0, p_max),
        ("0".into(), format!("{p_max:.0} ms")),
    )
    .render(cols[2], buf);
    let budget = goal_line(goals.stars.one);
    let c_max = top(&cost).max(goals.stars.one) * 1.05;
    chart(
        legend(
            s.f("chart.cost_now", &[("usd", &money(live.cost_usd))]),
            &[(s.t("chart.budget").to_string(), Color::DarkGray)],
            cols[3].width,
        ),
        vec![line(&budget, Color::DarkGray), line(&cost, Color::Magenta)],
        x,
        xl,
        (0.0, c_max.max(0.01)),
        ("$0".into(), money(c_max)),
    )
    .render(cols[3], buf);
    strip_row(play, Some(run), s, strip, buf);
}

/// Where the level's scripted events and traffic shapes fall: (time, words).
pub fn events_of(level: &Level, s: &Strings) -> Vec<(f64, String)> {
    let mut out: Vec<(f64, String)> = Vec::new();
    for e in &level.events {
        let thing = match e.what.target() {
            Some(Target::Serving(w)) => s.f("mark.serving", &[("workload", &w)]),
            Some(Target::Thing(t)) => t.to_string(),
            Some(Target::All) | None => "*".to_string(),
        };
        let words = match &e.what {
            EventKind::InstanceFailure { count, .. } => {
                s.f("mark.failure", &[("thing", &thing), ("n", count)])
            }
            EventKind::Outage { .. } => s.f("mark.outage", &[("thing", &thing)]),
            EventKind::SpotReclaim { .. } => s.t("mark.spot").to_string(),
            EventKind::PriceChange { multiplier, .. } => {
                s.f("mark.price", &[("x", &format!("{multiplier:.1}"))])
            }
            EventKind::TrafficSpike { multiplier, .. } => {
                s.f("mark.spike", &[("x", &format!("{multiplier:.1}"))])
            }
        };
        out.push((e.at.secs(), words));
    }
    for src in &level.sources {
        for shape in &src.shapes {
            match shape {
                Shape::Spike { at, multiplier, .. } | Shape::FlashCrowd { at, multiplier, .. } => {
                    out.push((
                        at.secs(),
                        s.f("mark.spike", &[("x", &format!("{multiplier:.1}"))]),
                    ));
                }
                Shape::Rush { at, multiplier, .. } => out.push((
                    at.secs(),
                    s.f("mark.rush", &[("x", &format!("{multiplier:.1}"))]),
                )),
                Shape::Seasonal { peak, .. } => out.push((peak.secs(), s.t("mark.season").into())),
                _ => {}
            }
        }
    }
    out.sort_by(|a, b| a.0.total_cmp(&b.0));
    out.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
    out
}

/// One or two rows for the whole level: the expected traffic as bars
/// (coloured by how the run went where it has run), the events marked, and
/// where the run is now.
pub fn strip_row(play: &Play, run: Option<&Run>, s: &Strings, area: Rect, buf: &mut Buffer) {
    if area.width < 12 || area.height == 0 {
        return;
    }
    let level = &play.level;
    let end_s = level.duration.secs();
    let label = format!(" {} ", clock(0.0, end_s));
    let tail = format!(" {}", clock(end_s, end_s));
    let w = usize::from(area.width).saturating_sub(text::width(&label) + text::width(&tail));
    if w < 4 {
        return;
    }
    let preview = play.preview(w);
    let peak = preview.iter().copied().fold(0.0_f64, f64::max).max(1e-9);
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let row = area.y + area.height - 1;
    buf.set_string(area.x, row, &label, Style::new().fg(Color::DarkGray));
    let x0 = area.x + text::width(&label) as u16;
    let done = run.map_or(0.0, |r| r.sim.ctx.now_s / end_s);
    for (i, v) in preview.iter().enumerate() {
        let bar = BARS[((v / peak) * 7.0).round().clamp(0.0, 7.0) as usize];
        let frac = (i as f64 + 0.5) / w as f64;
        let colour = match run {
            Some(r) if frac <= done => {
                let b = r.buckets.get((frac * r.buckets.len() as f64) as usize);
                match b.and_then(Bucket::in_time_pct) {
                    Some(p) if p < level.goals.availability_pct => Color::Red,
                    _ => Color::Green,
                }
            }
            _ => Color::DarkGray,
        };
        buf.set_string(x0 + i as u16, row, bar.to_string(), Style::new().fg(colour));
    }
    buf.set_string(x0 + w as u16, row, &tail, Style::new().fg(Color::DarkGray));
    if let Some(r) = run {
        let at = ((r.sim.ctx.now_s / end_s) * w as f64).min(w as f64 - 1.0) as u16;
        if let Some(c) = buf.cell_mut(Position::new(x0 + at, row)) {
            c.set_style(Style::new().fg(Color::Black).bg(Color::Yellow));
        }
    }
    // Events above the bars, where there is a row for them.
    if area.height >= 2 {
        let mut free_from = 0u16;
        for (t, words) in events_of(level, s) {
            let col = ((t / end_s) * w as f64).clamp(0.0, w as f64 - 1.0) as u16;
            if col < free_from {
                continue;
            }
            let tag = format!("▼{} {words}", clock(t, end_s));
            let room = usize::from((w as u16).saturating_sub(col));
            let tag = text::fit(&tag, room);
            buf.set_string(x0 + col, row - 1, &tag, Style::new().fg(Color::Yellow));
            free_from = col + text::width(&tag) as u16 + 1;
        }
    }
}

/// Before a run: the level's expected traffic over its whole length with
/// the events marked, and what the build should fix before it runs.
pub fn preview(play: &Play, s: &Strings, area: Rect, buf: &mut Buffer) {
    let warnings = play.warnings();
    let [chart_area, warn_area] = if warnings.is_empty() {
        [area, Rect::default()]
    } else {
        Layout::horizontal([Constraint::Percentage(58), Constraint::Percentage(42)]).areas(area)
    };
    preview_chart_only(play, s, chart_area, buf);
    if warnings.is_empty() {
        return;
    }
    let end_s = play.level.duration.secs();
    let w = warn_area.width.saturating_sub(3);
    let mut lines = Vec::new();
    for warning in &warnings {
        let words = match warning {
            BuildWarning::NoConsumer { queue } => s.f("warn.no_consumer", &[("queue", queue)]),
            BuildWarning::NoTraffic { thing } => s.f("warn.no_traffic", &[("thing", thing)]),
            BuildWarning::Undelivered { thing, workload } => s.f(
                "warn.undelivered",
                &[("thing", thing), ("workload", workload)],
            ),
            BuildWarning::NoSubscriber { topic } => s.f("warn.no_subscriber", &[("topic", topic)]),
            BuildWarning::MaxTooLow {
                group,
                max,
                needed,
                at_s,
            } => s.f(
                "warn.max_too_low",
                &[
                    ("group", group),
                    ("max", max),
                    ("n", needed),
                    ("at", &clock(*at_s, end_s)),
                ],
            ),
        };
        lines.extend(wrapped(
            &format!("! {words}"),
            w,
            Style::new().fg(Color::Yellow),
        ));
    }
    let block = panel(s.t("warn.title"), false).border_style(Style::new().fg(Color::Yellow));
    scrolled(lines, block, 0, warn_area, buf);
}

/// The level's expected traffic as a chart, its peak in the title and its
/// events marked along the top.
pub fn preview_chart_only(play: &Play, s: &Strings, chart_area: Rect, buf: &mut Buffer) {
    let level = &play.level;
    let end_s = level.duration.secs();
    let inner_w = usize::from(chart_area.width.saturating_sub(8)).max(8);
    let points = play.preview(inner_w * 2);
    let data: Vec<(f64, f64)> = points
        .iter()
        .enumerate()
        .map(|(i, v)| (i as f64, *v))
        .collect();
    let (peak_at, peak) = play.traffic_peak();
    let y_max = (top(&data).max(peak) * 1.1).max(1.0);
    let n = points.len() as f64;
    let title = legend(
        s.f(
            "chart.preview",
            &[
                ("peak", &board::short_rate(peak)),
                ("at", &clock(peak_at, end_s)),
            ],
        ),
        &[],
        chart_area.width,
    );
    chart(
        title,
        vec![line(&data, Color::Cyan)],
        (0.0, n),
        (clock(0.0, end_s), clock(end_s, end_s)),
        (0.0, y_max),
        ("0".into(), format!("{}/s", board::short(y_max))),
    )
    .render(chart_area, buf);
    // The events, marked under the chart's top border.
    if chart_area.height >= 5 {
        let strip = Rect::new(
            chart_area.x + 1,
            chart_area.y + 1,
            chart_area.width.saturating_sub(2),
            1,
        );
        let mut free_from = 0u16;
        let plot_x = 7u16.min(strip.width);
        let plot_w = strip.width.saturating_sub(plot_x);
        for (t, words) in events_of(level, s) {
            let col = plot_x + ((t / end_s) * f64::from(plot_w)).min(f64::from(plot_w)) as u16;
            if col < free_from || col >= strip.width {
                continue;
            }
            let tag = text::fit(
                &format!("▼{} {words}", clock(t, end_s)),
                usize::from(strip.width - col),
            );
            buf.set_string(strip.x + col, strip.y, &tag, Style::new().fg(Color::Yellow));
            free_from = col + text::width(&tag) as u16 + 1;
        }
    }
}

/// The whole run after it finished: traffic against capacity, and where
/// requests were lost.
pub fn timeline(run: &Run, s: &Strings, area: Rect, buf: &mut Buffer) {
    let n = run.buckets.len();
    let traffic = series(&run.buckets, 0, n, |b| Some(b.offered_rps));
    let capacity = series(&run.buckets, 0, n, |b| Some(b.capacity_rps()));
    let max = (top(&traffic).max(top(&capacity)) * 1.1).max(1.0);
    let lost: Vec<(f64, f64)> = run
        .buckets
        .iter()
        .enumerate()
        .filter(|(_, b)| {
            b.bad > 0 && b.ok + b.bad > 0 && (b.bad as f64) / ((b.ok + b.bad) as f64) > 0.001
        })
        .map(|(i, _)| (i as f64, max * 0.02))
        .collect();
    let end = run.end_s();
    let title = legend(
        s.t("results.timeline").to_string(),
        &[
            (s.t("chart.offered").to_string(), Color::Cyan),
            (s.t("chart.capacity").to_string(), Color::Green),
            (s.t("chart.lost").to_string(), Color::Red),
        ],
        area.width,
    );
    Chart::new(vec![
        line(&traffic, Color::Cyan),
        line(&capacity, Color::Green),
        Dataset::default()
            .marker(symbols::Marker::Dot)
            .graph_type(GraphType::Scatter)
            .style(Style::new().fg(Color::Red))
            .data(&lost),
    ])
    .block(Block::bordered().title(title))
    .x_axis(
        Axis::default()
            .bounds([0.0, n as f64])
            .labels([clock(0.0, end), clock(end / 2.0, end), clock(end, end)])
            .style(Style::new().fg(Color::DarkGray)),
    )
    .y_axis(
        Axis::default()
            .bounds([0.0, max])
            .labels([String::from("0"), format!("{}/s", board::short(max))])
            .style(Style::new().fg(Color::DarkGray)),
    )
    .legend_position(None)
    .render(area, buf);
}
