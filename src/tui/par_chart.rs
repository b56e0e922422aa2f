//! The results screen's par panel: how the run compares with the designs
//! sampled for the level by `peakload par`, as one sentence and small
//! histograms (cost of the designs that met the goal, availability of all of
//! them) with the run marked ▲.
//!
//! With room to spare it sits under the score, above the cost by service;
//! on a small screen it shrinks to the sentence and one histogram one row
//! high beside the timeline; on a tiny one it is left out.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Widget};

use crate::format::level::Goals;
use crate::par::Par;
use crate::par::stats::{Histogram, Marker};
use crate::sim::Score;

use super::explain::money;
use super::strings::Strings;

/// Rows the cost-by-service panel keeps when the par panel takes room from it.
const BILLS_ROWS: u16 = 6;
/// Narrowest histogram worth drawing, in cells.
const MIN_HIST_W: u16 = 18;
/// Bar rows of a full-size histogram: at least, at most.
const BAR_ROWS: (u16, u16) = (2, 8);
/// Narrowest timeline row the compact panel is put beside.
const MIN_TIMELINE_W: u16 = 60;
/// Most columns a histogram has, however wide: a few hundred designs spread
/// over more would leave most columns empty.
const MOST_BINS: u16 = 30;
/// Eighths of a cell, for bar tops.
const EIGHTHS: [&str; 8] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"];

/// Draws the par panel (if the level has a par and there is room) in rows
/// taken from `bills` or, failing that, columns taken from `timeline`, and
/// returns what is left of the two for the panels that were there.
pub fn draw(
    par: Option<&Par>,
    score: &Score,
    goals: &Goals,
    s: &Strings,
    bills: Rect,
    timeline: Rect,
    buf: &mut Buffer,
) -> (Rect, Rect) {
    let Some(par) = par else {
        return (bills, timeline);
    };
    if par.designs.is_empty() {
        return (bills, timeline);
    }
    let view = View {
        par,
        score,
        goals,
        s,
    };
    if let Some((panel, rest)) = view.full_split(bills) {
        view.full(panel, buf);
        return (rest, timeline);
    }
    if timeline.width >= MIN_TIMELINE_W && timeline.height >= 5 {
        let [rest, panel] =
            Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
                .areas(timeline);
        view.compact(panel, buf);
        return (bills, rest);
    }
    (bills, timeline)
}

/// Which figure a histogram shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Figure {
    /// Cost of the designs that met the goal.
    Cost,
    /// Availability of every design.
    Availability,
}

struct View<'a> {
    par: &'a Par,
    score: &'a Score,
    goals: &'a Goals,
    s: &'a Strings,
}

impl View<'_> {
    fn met(&self) -> usize {
        self.par.met_goal().count()
    }

    /// Where the run stands, in one sentence.
    fn sentence(&self) -> String {
        let all = self.par.designs.len();
        let met = self.met();
        if self.score.passed {
            return match self.par.cost_beats_pct(self.score.cost_usd) {
                Some(pct) => self.s.f("par.cost_beats", &[("pct", &pct), ("n", &met)]),
                None => self.s.f("par.none_met", &[("all", &all)]),
            };
        }
        let pct = self
            .par
            .availability_beats_pct(self.score.availability_pct)
            .unwrap_or(0);
        self.s.f(
            "par.availability_beats",
            &[("pct", &pct), ("all", &all), ("met", &met)],
        )
    }

    fn title(&self) -> String {
        format!(
            " {} ",
            self.s.f("par.title", &[("n", &self.par.designs.len())])
        )
    }

    /// The histograms worth showing, the one that speaks to this run first:
    /// cost for a run that met the goal, availability for one that did not.
    fn figures(&self) -> Vec<Figure> {
        let cost = self.met() > 0;
        match (self.score.passed, cost) {
            (true, true) => vec![Figure::Cost, Figure::Availability],
            (false, true) => vec![Figure::Availability, Figure::Cost],
            (_, false) => vec![Figure::Availability],
        }
    }

    /// The panel's rows at the top of `area` and the rest, when the panel
    /// fits with [`BILLS_ROWS`] left over.
    fn full_split(&self, area: Rect) -> Option<(Rect, Rect)> {
        let inner_w = area.width.saturating_sub(2);
        if inner_w < MIN_HIST_W {
            return None;
        }
        let spare = area.height.checked_sub(BILLS_ROWS)?;
        let text = wrap(&self.sentence(), inner_w as usize).len() as u16;
        let n = self.figures().len() as u16;
        let side_by_side = n == 1 || inner_w >= 2 * MIN_HIST_W + 3;
        // Border, sentence, a gap, then per histogram: label, bars, mark, range.
        let fixed = 2 + text + 1 + if side_by_side { 3 } else { 3 * n + 1 };
        let stacks = if side_by_side { 1 } else { n };
        let bars = (spare.checked_sub(fixed)? / stacks).min(BAR_ROWS.1);
        if bars < BAR_ROWS.0 {
            return None;
        }
        let rows = fixed + bars * stacks;
        let [panel, rest] =
            Layout::vertical([Constraint::Length(rows), Constraint::Min(0)]).areas(area);
        Some((panel, rest))
    }

    fn full(&self, area: Rect, buf: &mut Buffer) {
        let block = self.block();
        let inner = block.inner(area);
        block.render(area, buf);
        let lines = wrap(&self.sentence(), inner.width as usize);
        let [text, _, charts] = Layout::vertical([
            Constraint::Length(lines.len() as u16),
            Constraint::Length(1),
            Constraint::Min(0),
        ])
        .areas(inner);
        Paragraph::new(lines.into_iter().map(Line::raw).collect::<Vec<_>>()).render(text, buf);
        let figures = self.figures();
        let side_by_side = figures.len() == 1 || inner.width >= 2 * MIN_HIST_W + 3;
        let areas: Vec<Rect> = if side_by_side {
            let n = figures.len() as u32;
            let cols =
                Layout::horizontal((0..n).map(|_| Constraint::Ratio(1, n)).collect::<Vec<_>>())
                    .spacing(3)
                    .split(charts);
            cols.to_vec()
        } else {
            Layout::vertical([
                Constraint::Fill(1),
                Constraint::Length(1),
                Constraint::Fill(1),
            ])
            .split(charts)
            .iter()
            .step_by(2)
            .copied()
            .collect()
        };
        for (figure, area) in figures.into_iter().zip(areas) {
            self.histogram(figure, true, area, buf);
        }
    }

    /// The sentence and the one histogram that speaks to this run, one row high.
    fn compact(&self, area: Rect, buf: &mut Buffer) {
        let block = self.block();
        let inner = block.inner(area);
        block.render(area, buf);
        let chart_rows = 2;
        let room = inner.height.saturating_sub(chart_rows) as usize;
        let mut lines = wrap(&self.sentence(), inner.width as usize);
        if lines.len() > room {
            lines.truncate(room);
            if let Some(last) = lines.last_mut() {
                *last = ellipsis(last, inner.width as usize);
            }
        }
        let [text, chart] =
            Layout::vertical([Constraint::Min(0), Constraint::Length(chart_rows)]).areas(inner);
        Paragraph::new(lines.into_iter().map(Line::raw).collect::<Vec<_>>()).render(text, buf);
        if let Some(&figure) = self.figures().first() {
            self.histogram(figure, false, chart, buf);
        }
    }

    fn block(&self) -> Block<'static> {
        Block::bordered()
            .title(self.title())
            .border_style(Style::new().fg(Color::DarkGray))
    }

    /// One histogram. Full size (`labelled`): a label row, bars, the run's
    /// mark with its value, and the range. Compact: bars, and one row with
    /// the range at its ends and the mark between.
    fn histogram(&self, figure: Figure, labelled: bool, area: Rect, buf: &mut Buffer) {
        let extra_rows = if labelled { 3 } else { 1 };
        if area.height < 1 + extra_rows || area.width < 4 {
            return;
        }
        let all = self.par.designs.len();
        let met = self.met();
        let values = match figure {
            Figure::Cost => met,
            Figure::Availability => all,
        };
        // About two columns per square root of the designs: enough to show
        // the shape, few enough that most columns hold some.
        let wanted = (2.0 * (values as f64).sqrt()).clamp(8.0, f64::from(MOST_BINS)) as u16;
        let cell = (area.width / wanted).max(1);
        let bins = (area.width / cell) as usize;
        let width = bins as u16 * cell;
        let (hist, label, colour, yours) = match figure {
            Figure::Cost => (
                self.par.cost_histogram(bins, self.score.cost_usd),
                self.s.f("par.cost_label", &[("n", &met)]),
                Color::Cyan,
                money(self.score.cost_usd),
            ),
            Figure::Availability => (
                self.par
                    .availability_histogram(bins, self.score.availability_pct),
                self.s.f("par.availability_label", &[("n", &all)]),
                Color::Green,
                percent(self.score.availability_pct),
            ),
        };
        let Some(hist) = hist else { return };
        let mut y = area.y;
        if labelled {
            buf.set_stringn(
                area.x,
                y,
                &label,
                area.width as usize,
                Style::new().fg(Color::Gray),
            );
            y += 1;
        }
        let bars = Rect {
            x: area.x,
            y,
            width,
            height: area.height - extra_rows,
        };
        // Below the goal, availability bars are red: those designs failed on it.
        let goal_col = match figure {
            Figure::Availability => match hist.column(self.goals.availability_pct) {
                Marker::At(i) => i,
                Marker::Below => 0,
                Marker::Above => bins,
            },
            Figure::Cost => 0,
        };
        draw_bars(&hist, cell, colour, goal_col, bars, buf);
        let rows: Vec<Line> = if labelled {
            vec![
                marker_row(&hist, &yours, width as usize, cell),
                range_row(&hist, figure, width as usize),
            ]
        } else {
            vec![axis_row(&hist, figure, width, cell)]
        };
        for (i, row) in rows.iter().enumerate() {
            buf.set_line(area.x, bars.bottom() + i as u16, row, width);
        }
    }
}

/// The bars, in eighths of a cell; the run's column in yellow, columns
/// left of `goal_col` in red.
fn draw_bars(
    hist: &Histogram,
    cell: u16,
    colour: Color,
    goal_col: usize,
    area: Rect,
    buf: &mut Buffer,
) {
    let player_col = match hist.player {
        Marker::At(i) => Some(i),
        _ => None,
    };
    let peak = f64::from(hist.peak().max(1));
    let rows = u32::from(area.height);
    for (i, &count) in hist.counts.iter().enumerate() {
        let eighths = if count == 0 {
            0
        } else {
            ((f64::from(count) / peak * f64::from(rows * 8)).round() as u32).max(1)
        };
        let style = if player_col == Some(i) {
            Style::new().fg(Color::Yellow)
        } else if i < goal_col {
            Style::new().fg(Color::Red)
        } else {
            Style::new().fg(colour)
        };
        for r in 0..rows {
            // Row 0 is the bottom.
            let filled = eighths.saturating_sub(r * 8).min(8);
            if filled == 0 {
                break;
            }
            let y = area.bottom() - 1 - r as u16;
            for dx in 0..cell {
                let x = area.x + i as u16 * cell + dx;
                if let Some(c) = buf.cell_mut(Position::new(x, y)) {
                    c.set_symbol(EIGHTHS[filled as usize - 1]).set_style(style);
                }
            }
        }
    }
}

/// Where the run's mark goes: its column (▲), or an edge (◀ ▶) when off the range.
fn mark(hist: &Histogram, width: usize, cell: u16) -> (&'static str, usize) {
    match hist.player {
        Marker::At(i) => {
            let middle = i * cell as usize + (cell as usize).saturating_sub(1) / 2;
            ("▲", middle.min(width.saturating_sub(1)))
        }
        Marker::Below => ("◀", 0),
        Marker::Above => ("▶", width.saturating_sub(1)),
    }
}

/// The run's mark under its column, its value beside it (right of the mark
/// when there is room, else left).
fn marker_row(hist: &Histogram, yours: &str, width: usize, cell: u16) -> Line<'static> {
    let (symbol, at) = mark(hist, width, cell);
    let style = Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD);
    let value = format!(" {yours}");
    if at + 1 + value.len() <= width {
        Line::from(vec![
            Span::raw(" ".repeat(at)),
            Span::styled(symbol, style),
            Span::styled(value, Style::new().fg(Color::Yellow)),
        ])
    } else {
        let value = format!("{yours} ");
        Line::from(vec![
            Span::raw(" ".repeat(at.saturating_sub(value.len()))),
            Span::styled(value, Style::new().fg(Color::Yellow)),
            Span::styled(symbol, style),
        ])
    }
}

/// The range of a histogram: its low end at the left, its high end at the right.
fn range_row(hist: &Histogram, figure: Figure, width: usize) -> Line<'static> {
    let (lo, hi) = labels(hist, figure);
    let gap = width.saturating_sub(lo.len() + hi.len());
    let text = if gap >= 1 {
        format!("{lo}{}{hi}", " ".repeat(gap))
    } else {
        lo
    };
    Line::styled(text, Style::new().fg(Color::DarkGray))
}

fn labels(hist: &Histogram, figure: Figure) -> (String, String) {
    match figure {
        Figure::Cost => (money(hist.lo), money(hist.hi)),
        Figure::Availability => (percent(hist.lo), percent(hist.hi)),
    }
}

/// The axis under a histogram: the low end's value at the left, the high
/// end's at the right, and the run's mark (▲ in its column, ◀ or ▶ at an
/// edge when it is off the range). A label the mark would cut is left out.
fn axis_row(hist: &Histogram, figure: Figure, width: u16, cell: u16) -> Line<'static> {
    let width = width as usize;
    let (lo, hi) = labels(hist, figure);
    let (mark, at) = mark(hist, width, cell);
    // Labels are ASCII ($, digits, %), so a char is a cell.
    let hi_start = width.saturating_sub(hi.len());
    let show_lo = lo.len() < at && lo.len() < hi_start;
    let show_hi = at + 1 < hi_start;
    let mut cells: Vec<char> = vec![' '; width];
    if show_lo {
        for (c, ch) in cells.iter_mut().zip(lo.chars()) {
            *c = ch;
        }
    }
    if show_hi {
        for (c, ch) in cells[hi_start..].iter_mut().zip(hi.chars()) {
            *c = ch;
        }
    }
    let before: String = cells[..at.min(width)].iter().collect();
    let after: String = cells
        .get(at + 1..)
        .map(|c| c.iter().collect())
        .unwrap_or_default();
    let dim = Style::new().fg(Color::DarkGray);
    Line::from(vec![
        Span::styled(before, dim),
        Span::styled(
            mark,
            Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
        ),
        Span::styled(after, dim),
    ])
}

/// A percentage with as many decimals as its nines need (97%, 99.9%, 99.99%).
fn percent(pct: f64) -> String {
    if pct >= 100.0 {
        return "100%".into();
    }
    let decimals = if pct >= 99.99 {
        3
    } else if pct >= 99.9 {
        2
    } else if pct >= 99.0 {
        1
    } else {
        0
    };
    format!("{pct:.decimals$}%")
}

fn width_of(text: &str) -> usize {
    Span::raw(text).width()
}

/// Greedy word wrap by display width (Korean characters take two cells); a
/// word wider than the line is cut.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let joined = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if width_of(&joined) <= width {
            line = joined;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        for ch in word.chars() {
            let mut next = line.clone();
            next.push(ch);
            if width_of(&next) > width && !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            line.push(ch);
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// The line cut to leave room for "…" at its end.
fn ellipsis(line: &str, width: usize) -> String {
    let mut out = String::new();
    for ch in line.chars() {
        let mut next = out.clone();
        next.push(ch);
        if width_of(&next) + 1 > width {
            break;
        }
        out = next;
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::par::stats::Scale;

    #[test]
    fn wrapping_counts_wide_characters_twice() {
        assert_eq!(wrap("one two three", 7), ["one two", "three"]);
        assert_eq!(wrap("가나다 라마", 6), ["가나다", "라마"]);
        assert_eq!(wrap("abcdefgh", 3), ["abc", "def", "gh"]);
        assert!(wrap("", 5).is_empty());
        assert_eq!(ellipsis("abcdef", 4), "abc…");
    }

    #[test]
    fn the_axis_keeps_the_mark_and_drops_a_label_it_would_cut() {
        let hist = |player| Histogram {
            counts: vec![1; 10],
            lo: 2.0,
            hi: 9.5,
            scale: Scale::Linear,
            player,
        };
        let text = |l: Line| {
            l.spans
                .iter()
                .map(|s| s.content.to_string())
                .collect::<String>()
        };
        assert_eq!(
            text(axis_row(&hist(Marker::At(5)), Figure::Cost, 20, 2)),
            "$2.00     ▲    $9.50"
        );
        assert_eq!(
            text(axis_row(&hist(Marker::At(0)), Figure::Cost, 20, 2)),
            "▲              $9.50"
        );
        assert_eq!(
            text(axis_row(&hist(Marker::Above), Figure::Cost, 20, 2)),
            "$2.00              ▶"
        );
        assert_eq!(percent(99.987), "99.99%");
        assert_eq!(percent(99.995), "99.995%");
        assert_eq!(percent(100.0), "100%");
        assert_eq!(percent(97.2), "97%");
        // The run's value sits right of its mark, or left of it near the end.
        assert_eq!(
            text(marker_row(&hist(Marker::At(1)), "$3.10", 20, 2)),
            "  ▲ $3.10"
        );
        assert_eq!(
            text(marker_row(&hist(Marker::At(9)), "$9.10", 20, 2)),
            "            $9.10 ▲"
        );
        assert_eq!(
            text(range_row(&hist(Marker::Below), Figure::Cost, 20)),
            "$2.00          $9.50"
        );
    }
}
