//! A finished run judged: the verdict and stars, each goal against its
//! figure, the cost by service, what happened (the findings ranked by how
//! many requests each explains, then the lesson's idea), the par and the
//! run's timeline.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Widget};

use crate::par::Par;
use crate::sim::ledger::Service;

use super::super::app::Results;
use super::super::board;
use super::super::explain::{self, money};
use super::super::par_chart;
use super::super::play::Play;
use super::super::strings::Strings;
use super::super::text;
use super::{charts, fit_line, footer_hint, popup, scrolled, stars, status_line, wrapped};

/// The most the findings can be scrolled (the panel holds the scroll to what its lines allow).
pub const MAX_SCROLL: u16 = 400;

/// The areas of the results screen: header, middle (score and bills on
/// the left, what happened on the right), timeline, footer.
pub fn areas(area: Rect) -> [Rect; 5] {
    let [head, middle, timeline, foot] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(6),
        Constraint::Length(if area.height >= 40 { 10 } else { 6 }),
        Constraint::Length(1),
    ])
    .areas(area);
    let wide = middle.width >= 110;
    let [left, right] = Layout::horizontal([
        Constraint::Percentage(if wide { 45 } else { 50 }),
        Constraint::Min(10),
    ])
    .areas(middle);
    [head, left, right, timeline, foot]
}

/// Draws the results screen.
pub fn render(
    play: &Play,
    res: &Results,
    par: Option<&Par>,
    leave_to_shell: bool,
    s: &Strings,
    area: Rect,
    buf: &mut Buffer,
) {
    let score = &res.score;
    let lang = s.lang;
    let [head, left, right, timeline, foot] = areas(area);
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
    let title = Span::styled(
        format!(
            " {} ",
            text::fit(lang.pick(&play.level.title), usize::from(area.width / 2))
        ),
        Style::new().bold(),
    );
    let stars = Span::styled(
        format!(" {} ", stars(score.stars)),
        Style::new().fg(Color::Yellow).bold(),
    );
    let mut heads = vec![
        vec![title.clone(), verdict.clone(), stars.clone()],
        vec![title.clone(), verdict.clone()],
        vec![title],
    ];
    if res.improved {
        let record = Span::styled(
            s.t("results.record").to_string(),
            Style::new().fg(Color::Yellow),
        );
        heads.insert(0, vec![heads[0][0].clone(), verdict, stars, record]);
    }
    // The last column stays blank: a header that needs it is shortened whole.
    Paragraph::new(fit_line(&heads, usize::from(area.width.saturating_sub(1)))).render(head, buf);

    let [figures, bills] =
        Layout::vertical([Constraint::Length(8), Constraint::Min(3)]).areas(left);
    let (bills, timeline) = par_chart::draw(par, score, &play.level.goals, s, bills, timeline, buf);

    let g = &play.level.goals;
    let tick = |ok: bool| {
        if ok {
            Span::styled("✓ ", Style::new().fg(Color::Green))
        } else {
            Span::styled("✗ ", Style::new().fg(Color::Red))
        }
    };
    let p99 = if score.latency_ms.p99 > 0.0 || g.p99_ms.is_some() {
        s.f(
            "results.p99",
            &[
                ("ms", &format!("{:.0}", score.latency_ms.p99)),
                (
                    "goal",
                    &g.p99_ms.map_or_else(
                        || s.t("results.no_goal").to_string(),
                        |p| format!("≤ {p} ms"),
                    ),
                ),
            ],
        )
    } else {
        s.t("results.no_callers").to_string()
    };
    let mut lines = vec![
        Line::from(vec![
            tick(score.availability_pct + 1e-9 >= score.availability_goal_pct),
            Span::raw(if score.worst_stream.is_empty() {
                s.f(
                    "results.availability",
                    &[
                        ("pct", &format!("{:.3}", score.availability_pct)),
                        ("goal", &score.availability_goal_pct),
                    ],
                )
            } else {
                // A source with a goal of its own is judged by it, not by the level's.
                let own = score.availability_goal_pct != g.availability_pct;
                s.f(
                    if own {
                        "results.availability_worst_own"
                    } else {
                        "results.availability_worst"
                    },
                    &[
                        ("pct", &format!("{:.3}", score.availability_pct)),
                        ("stream", &score.worst_stream),
                        ("goal", &score.availability_goal_pct),
                    ],
                )
            }),
        ]),
        Line::from(vec![
            tick(g.p99_ms.is_none_or(|p| score.latency_ms.p99 <= p)),
            Span::raw(p99),
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
    let inner_w = figures.width.saturating_sub(2);
    let lines: Vec<Line> = lines
        .into_iter()
        .flat_map(|l| {
            let style = l.style;
            let words: String = l.spans.iter().map(|sp| sp.content.as_ref()).collect();
            if text::width(&words) <= usize::from(inner_w) {
                vec![l]
            } else {
                wrapped(&words, inner_w, style)
            }
        })
        .collect();
    scrolled(
        lines,
        Block::bordered().title(format!(" {} ", s.t("results.score"))),
        0,
        figures,
        buf,
    );

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
    let inner_w = usize::from(bills.width.saturating_sub(2));
    let label_w = lines_cost
        .iter()
        .map(|(l, _)| text::width(l))
        .max()
        .unwrap_or(0)
        .min(inner_w / 3);
    let bar_w = inner_w.saturating_sub(label_w + 12);
    let bars: Vec<Line> = lines_cost
        .iter()
        .map(|(label, v)| {
            let n = ((v / max) * bar_w as f64).round() as usize;
            let label = text::fit(label, label_w);
            let pad = label_w.saturating_sub(text::width(&label));
            Line::from(vec![
                Span::raw(format!("{label}{} ", " ".repeat(pad))),
                Span::styled("█".repeat(n.max(1)), Style::new().fg(Color::Magenta)),
                Span::raw(format!(" {}", money(*v))),
            ])
        })
        .collect();
    scrolled(
        bars,
        Block::bordered().title(format!(" {} ", s.t("results.cost_by_service"))),
        0,
        bills,
        buf,
    );

    let w = right.width.saturating_sub(3);
    let mut why: Vec<Line> = Vec::new();
    for t in explain::findings(&res.findings, &play.level, s) {
        let parts = text::wrap(&t, usize::from(w.saturating_sub(2)));
        for (i, part) in parts.into_iter().enumerate() {
            let lead = if i == 0 { "• " } else { "  " };
            why.push(Line::raw(format!("{lead}{part}")));
        }
    }
    if why.is_empty() {
        why.extend(wrapped(s.t("results.nothing_wrong"), w, Style::new()));
    }
    let summary = lang.pick(&play.level.summary);
    if !summary.is_empty() {
        why.push(Line::raw(""));
        why.push(Line::styled(
            s.t("results.lesson").to_string(),
            Style::new().bold().fg(Color::Cyan),
        ));
        for para in summary.split("\n\n") {
            why.extend(wrapped(&para.replace('\n', " "), w, Style::new()));
        }
    }
    scrolled(
        why,
        Block::bordered().title(format!(" {} ", s.t("results.why"))),
        res.scroll,
        right,
        buf,
    );

    if let Some(run) = &play.run {
        charts::timeline(run, s, timeline, buf);
    }
    let line = match &play.status {
        Some(st)
            if matches!(
                st.key,
                "status.saved" | "status.save_failed" | "status.keep_failed"
            ) =>
        {
            status_line(st, s)
        }
        _ if leave_to_shell => footer_hint(s, "results.keys_file"),
        _ => footer_hint(s, "results.keys"),
    };
    Paragraph::new(line).render(foot, buf);
    popup::render(play, s, area, buf);
}
