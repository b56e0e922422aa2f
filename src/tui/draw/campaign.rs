//! The campaign map (levels in order, stars, what each asks) and the
//! sandbox's traffic chooser.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, List, ListItem, Paragraph, Widget};

use crate::format::level::{Level, LevelKind, Text};

use super::super::explain::money;
use super::super::layout;
use super::super::play::Status;
use super::super::progress::Progress;
use super::super::strings::Strings;
use super::super::text;
use super::{footer_hint, scrolled, stars, status_line, wrapped};

/// What the campaign map shows.
pub struct CampaignView<'a> {
    /// The campaign's levels, in order.
    pub levels: Vec<&'a Level>,
    /// Whether each level is unlocked.
    pub unlocked: Vec<bool>,
    /// The player's results.
    pub progress: &'a Progress,
    /// The selected row.
    pub at: usize,
    /// How far the "about" panel is scrolled.
    pub about_scroll: u16,
    /// A message to show instead of the key hints.
    pub notice: Option<&'a Status>,
}

fn header(s: &Strings, second: Line<'static>, area: Rect, buf: &mut Buffer) {
    let title = Line::from(vec![
        Span::styled(
            " peakload ",
            Style::new().bold().fg(Color::Black).bg(Color::Cyan),
        ),
        Span::raw("  "),
        Span::styled(
            text::fit(
                s.t("campaign.tagline"),
                // The last column stays blank, as on every header.
                usize::from(area.width.saturating_sub(13)),
            ),
            Style::new().fg(Color::Gray),
        ),
    ]);
    Paragraph::new(vec![title, second]).render(area, buf);
}

/// Draws the campaign map.
pub fn render(v: &CampaignView, s: &Strings, area: Rect, buf: &mut Buffer) {
    let [head, _, foot] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(area);
    let earned: u32 = v
        .levels
        .iter()
        .map(|l| u32::from(v.progress.stars(&l.id)))
        .sum();
    header(
        s,
        Line::from(vec![
            Span::raw(" "),
            Span::styled(
                s.f(
                    "campaign.stars",
                    &[("n", &earned), ("of", &(v.levels.len() * 3))],
                ),
                Style::new().fg(Color::Yellow),
            ),
            Span::raw("   "),
            Span::styled(
                s.t("campaign.language").to_string(),
                Style::new().fg(Color::DarkGray),
            ),
        ]),
        head,
        buf,
    );

    let list_area = layout::list_area(area);
    let detail = layout::about_area(area);
    // Each row: number, stars (or a lock), and the title cut to the panel.
    let title_w = usize::from(list_area.width.saturating_sub(2)).saturating_sub(7);
    let items: Vec<ListItem> = v
        .levels
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let open = v.unlocked.get(i).copied().unwrap_or(false);
            let mark = if open {
                format!("{} ", stars(v.progress.stars(&l.id)))
            } else {
                "🔒 ".to_string()
            };
            let kind = match l.kind {
                LevelKind::Challenge => s.t("campaign.challenge"),
                _ => "",
            };
            let number = l.id.split('-').next().unwrap_or("");
            let style = if i == v.at {
                Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
            } else if open {
                Style::new()
            } else {
                Style::new().fg(Color::DarkGray)
            };
            let title = format!("{}{kind}", s.lang.pick(&l.title));
            ListItem::new(Line::from(vec![
                Span::styled(format!("{number} "), Style::new().fg(Color::DarkGray)),
                Span::styled(mark, Style::new().fg(Color::Yellow)),
                Span::raw(text::fit(&title, title_w.saturating_sub(1))),
            ]))
            .style(style)
        })
        .collect();
    List::new(items)
        .block(Block::bordered().title(format!(" {} ", s.t("campaign.levels"))))
        .render(list_area, buf);

    let inner_w = detail.width.saturating_sub(3);
    let mut lines: Vec<Line<'static>> = Vec::new();
    if let Some(l) = v.levels.get(v.at) {
        let lang = s.lang;
        lines.extend(wrapped(lang.pick(&l.title), inner_w, Style::new().bold()));
        lines.push(Line::raw(""));
        if !v.unlocked.get(v.at).copied().unwrap_or(false) {
            lines.extend(wrapped(
                s.t("notice.locked"),
                inner_w,
                Style::new().fg(Color::Yellow),
            ));
            lines.push(Line::raw(""));
        }
        for para in lang.pick(&l.intro).split("\n\n") {
            lines.extend(wrapped(&para.replace('\n', " "), inner_w, Style::new()));
            lines.push(Line::raw(""));
        }
        lines.extend(wrapped(
            &goals_text(l, s),
            inner_w,
            Style::new().fg(Color::Cyan),
        ));
        if let Some(r) = v.progress.levels.get(&l.id).and_then(|r| r.best_cost_usd) {
            lines.extend(wrapped(
                &s.f("campaign.best", &[("cost", &money(r))]),
                inner_w,
                Style::new().fg(Color::Yellow),
            ));
        }
    }
    let block = Block::bordered().title(format!(" {} ", s.t("campaign.about")));
    scrolled(lines, block, v.about_scroll, detail, buf);

    let line = match v.notice {
        Some(n) => status_line(n, s),
        None => footer_hint(s, "campaign.keys"),
    };
    Paragraph::new(line).render(foot, buf);
}

/// Every goal of a level in one sentence: availability, p99 if any, the
/// budget and the stars, and the compliance rule if any.
pub fn goals_text(level: &Level, s: &Strings) -> String {
    let g = &level.goals;
    let mut out = s.f(
        "campaign.goal",
        &[
            ("pct", &g.availability_pct),
            ("budget", &money(g.stars.one)),
            ("two", &money(g.stars.two)),
            ("three", &money(g.stars.three)),
        ],
    );
    if let Some(p99) = g.p99_ms {
        out.push(' ');
        out.push_str(&s.f("campaign.goal_p99", &[("ms", &p99)]));
    }
    if g.dedicated_only {
        out.push(' ');
        out.push_str(s.t("campaign.goal_dedicated"));
    }
    out
}

/// What the sandbox chooser shows.
pub struct SandboxView<'a> {
    /// Each pattern's name and description.
    pub patterns: Vec<(&'a Text, &'a Text)>,
    /// The selected row.
    pub at: usize,
}

/// Draws the sandbox's traffic chooser.
pub fn render_sandbox(v: Option<&SandboxView>, s: &Strings, area: Rect, buf: &mut Buffer) {
    let [head, middle, foot] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(area);
    header(
        s,
        Line::styled(
            format!(" {} · {}", s.t("sandbox.title"), s.t("sandbox.pick")),
            Style::new().fg(Color::Gray),
        ),
        head,
        buf,
    );
    let list_area = layout::list_area(area);
    let detail = layout::about_area(area);
    let Some(v) = v else {
        Paragraph::new(s.t("sandbox.missing")).render(middle, buf);
        return;
    };
    let name_w = usize::from(list_area.width.saturating_sub(3));
    let items: Vec<ListItem> = v
        .patterns
        .iter()
        .enumerate()
        .map(|(i, (name, _))| {
            let style = if i == v.at {
                Style::new().reversed().bold()
            } else {
                Style::new()
            };
            ListItem::new(text::fit(s.lang.pick(name), name_w)).style(style)
        })
        .collect();
    List::new(items)
        .block(Block::bordered().title(format!(" {} ", s.t("sandbox.patterns"))))
        .render(list_area, buf);
    if let Some((_, about)) = v.patterns.get(v.at) {
        let lines = wrapped(
            s.lang.pick(about),
            detail.width.saturating_sub(3),
            Style::new(),
        );
        scrolled(lines, Block::bordered(), 0, detail, buf);
    }
    footer_hint(s, "sandbox.keys").render(foot, buf);
}
