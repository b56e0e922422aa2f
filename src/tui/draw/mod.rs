//! Drawing: each screen from the state it needs, never the whole app, so
//! the arrows run app → draw → widgets ([`super::board`],
//! [`super::par_chart`]). Nothing here changes state.
//!
//! - [`campaign`]: the campaign map and the sandbox's traffic chooser;
//! - [`level`]: a level being built or run (header, panels, footer);
//! - [`panels`]: the palette, event log, steps and inspector;
//! - [`charts`]: the live charts, the whole-run strip and the traffic preview;
//! - [`popup`]: windows of text over the screen (hint, brief, why red);
//! - [`results`]: a finished run judged.
//!
//! Text is wrapped in terminal cells ([`super::text`]) before it is drawn, so
//! a panel's lines never run past its border, and whatever does not fit a
//! panel scrolls (with a scroll bar) or opens in a popup.

pub mod campaign;
pub mod charts;
pub mod level;
pub mod panels;
pub mod popup;
pub mod results;

use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Margin, Rect};
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{
    Block, Clear, Paragraph, Scrollbar, ScrollbarOrientation, ScrollbarState, StatefulWidget,
    Widget,
};

use super::keymap::{self, Context};
use super::play::Status;
use super::strings::Strings;
use super::text;

/// Stars as the screen shows them: ★★☆.
pub fn stars(n: u8) -> String {
    (0..3).map(|i| if i < n { '★' } else { '☆' }).collect()
}

/// The status line: a message in the player's language. An argument that
/// is itself a strings key (a field's label) is put in words too.
pub fn status_line(status: &Status, s: &Strings) -> Line<'static> {
    let words: Vec<String> = status
        .args
        .iter()
        .map(|(_, v)| {
            if s.has(v) {
                s.t(v).to_string()
            } else {
                v.clone()
            }
        })
        .collect();
    let args: Vec<(&str, &dyn std::fmt::Display)> = status
        .args
        .iter()
        .zip(&words)
        .map(|((k, _), v)| (*k, v as &dyn std::fmt::Display))
        .collect();
    let text = s.f(status.key, &args);
    let style = if status.error {
        Style::new().fg(Color::Red)
    } else {
        Style::new().fg(Color::Cyan)
    };
    Line::styled(format!(" {text}"), style)
}

/// A dim line of key hints.
pub fn footer_hint(s: &Strings, key: &str) -> Line<'static> {
    Line::styled(format!(" {}", s.t(key)), Style::new().fg(Color::DarkGray))
}

/// The first of `choices` (most to least complete) that fits in `cells`;
/// when none does, the last one cut to fit and ending in `…`. A block or a
/// paragraph cuts a long line silently, mid-figure (`capacity 3.` for
/// 3.2k/s); a line fitted here holds each figure whole or says it was cut.
pub fn fit_line(choices: &[Vec<Span<'static>>], cells: usize) -> Line<'static> {
    let width = |c: &[Span]| c.iter().map(Span::width).sum::<usize>();
    if let Some(whole) = choices.iter().find(|c| width(c) <= cells) {
        return Line::from(whole.clone());
    }
    let Some(last) = choices.last() else {
        return Line::default();
    };
    if cells == 0 {
        return Line::default();
    }
    // Characters while they leave a cell for the `…`.
    let mut out: Vec<Span<'static>> = Vec::new();
    let mut used = 0;
    'spans: for span in last {
        let mut kept = String::new();
        for c in span.content.chars() {
            let w = text::char_width(c);
            if used + w + 1 > cells {
                kept.push('…');
                out.push(Span::styled(kept, span.style));
                break 'spans;
            }
            kept.push(c);
            used += w;
        }
        out.push(Span::styled(kept, span.style));
    }
    Line::from(out)
}

/// A bordered panel, its border bright when it has the keys.
pub fn panel(title: &str, focused: bool) -> Block<'static> {
    Block::bordered()
        .title(format!(" {title} "))
        .border_style(if focused {
            Style::new().fg(Color::Cyan)
        } else {
            Style::new().fg(Color::DarkGray)
        })
}

/// Styled lines of text wrapped to a width in cells.
pub fn wrapped(text_in: &str, width: u16, style: Style) -> Vec<Line<'static>> {
    text::wrap(text_in, usize::from(width))
        .into_iter()
        .map(|l| Line::styled(l, style))
        .collect()
}

/// The lowest useful scroll of `lines` lines in `rows` rows.
pub fn max_scroll(lines: usize, rows: u16) -> u16 {
    u16::try_from(lines.saturating_sub(usize::from(rows))).unwrap_or(u16::MAX)
}

/// Draws lines (already wrapped to the inside of `block`) scrolled by
/// `scroll` (held to what the lines allow), with a scroll bar on the right
/// border when they do not all fit. Returns the scroll used.
pub fn scrolled(
    lines: Vec<Line<'static>>,
    block: Block<'static>,
    scroll: u16,
    area: Rect,
    buf: &mut Buffer,
) -> u16 {
    let inner = block.inner(area);
    let n = lines.len();
    let scroll = scroll.min(max_scroll(n, inner.height));
    block.render(area, buf);
    Paragraph::new(Text::from(lines))
        .scroll((scroll, 0))
        .render(inner, buf);
    if n > usize::from(inner.height) && area.height > 2 {
        let mut state = ScrollbarState::new(n.saturating_sub(usize::from(inner.height)) + 1)
            .position(usize::from(scroll));
        Scrollbar::new(ScrollbarOrientation::VerticalRight)
            .begin_symbol(Some("▲"))
            .end_symbol(Some("▼"))
            .track_symbol(Some("│"))
            .thumb_symbol("█")
            .render(area.inner(Margin::new(0, 1)), buf, &mut state);
    }
    scroll
}

/// A rectangle centred in `area`, at most `w` × `h`.
pub fn centred(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// The key help for where the player is, drawn from the one key table.
pub fn help(context: Context, s: &Strings, area: Rect, buf: &mut Buffer) {
    let lines = keymap::help_lines(context);
    let w = area.width.min(72);
    let key_w = lines
        .iter()
        .map(|(k, _)| text::width(k))
        .max()
        .unwrap_or(4)
        .min(18);
    let text_w = usize::from(w.saturating_sub(4)).saturating_sub(key_w + 2);
    let mut out: Vec<Line<'static>> = Vec::new();
    for (k, h) in &lines {
        let words = text::wrap(s.t(h), text_w.max(8));
        for (i, part) in words.into_iter().enumerate() {
            let key = if i == 0 { k.as_str() } else { "" };
            let pad = key_w.saturating_sub(text::width(key));
            out.push(Line::from(vec![
                Span::styled(
                    format!("{}{key}  ", " ".repeat(pad)),
                    Style::new().fg(Color::Yellow).bold(),
                ),
                Span::raw(part),
            ]));
        }
    }
    let h = u16::try_from(out.len() + 2)
        .unwrap_or(u16::MAX)
        .min(area.height);
    let r = centred(area, w, h);
    Clear.render(r, buf);
    let block = Block::bordered()
        .title(format!(" {} ", s.t("help.title")))
        .title_bottom(Line::from(format!(" {} ", s.t("help.close"))).alignment(Alignment::Right))
        .border_style(Style::new().fg(Color::Cyan));
    scrolled(out, block, 0, r, buf);
}
