//! The board: boxes for sources and things, lines for links, and traffic
//! moving along them while a run is going.

use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, BorderType, Borders, Widget};

use crate::format::solution::{Thing, ThingKind};
use crate::sim::view::{ThingFigures, Trouble};

use super::layout::Grid;
use super::play::{Node, NodeKind, Play};
use super::strings::Strings;

/// Short tag of a kind, shown in a box's title.
pub fn tag(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::Source => "users",
        NodeKind::Thing(k) => match k {
            ThingKind::OnPremises => "DC",
            ThingKind::Instance => "EC2",
            ThingKind::AutoScalingGroup => "ASG",
            ThingKind::LoadBalancer => "ELB",
            ThingKind::Queue => "SQS",
            ThingKind::Topic => "SNS",
            ThingKind::Function => "λ",
            ThingKind::ContainerService => "ECS",
        },
    }
}

/// A count in a few characters: 950, 1.2k, 34k, 2.1M.
pub fn short(n: f64) -> String {
    let n = n.max(0.0);
    if n < 1_000.0 {
        format!("{n:.0}")
    } else if n < 10_000.0 {
        format!("{:.1}k", n / 1e3)
    } else if n < 1_000_000.0 {
        format!("{:.0}k", n / 1e3)
    } else if n < 1e9 {
        format!("{:.1}M", n / 1e6)
    } else {
        format!("{:.1}B", n / 1e9)
    }
}

/// A rate in requests per second, with a decimal below ten: `0.5/s`, `38/s`, `2.4k/s`.
pub fn short_rate(rps: f64) -> String {
    if rps > 0.0 && rps < 10.0 {
        format!("{rps:.1}/s")
    } else {
        format!("{}/s", short(rps))
    }
}

/// Short words for why a box is red, for its last figure line.
pub fn trouble_key(t: Trouble) -> &'static str {
    match t {
        Trouble::OverCapacity => "trouble.over_capacity",
        Trouble::NoHealthyTarget => "trouble.no_target",
        Trouble::Throttled => "trouble.throttled",
        Trouble::NoConsumer => "trouble.no_consumer",
        Trouble::Backlog => "trouble.backlog",
        Trouble::Down => "trouble.down",
    }
}

/// Whether a thing links on to anything (a queue's consumer).
pub fn links_on(play: &Play, id: &str) -> bool {
    play.links().iter().any(|(f, _, _)| f == id)
}

/// The figure lines of a box: before a run, its settings; during a run, what
/// it is doing, and why it is red when it is.
fn lines(play: &Play, node: &Node, fig: Option<&ThingFigures>, s: &Strings) -> Vec<String> {
    if let NodeKind::Source = node.kind {
        // The same figure the header and the traffic chart show.
        let live = play.run.as_ref().and_then(|r| {
            r.live
                .source_rps
                .iter()
                .find(|(id, _)| *id == node.id)
                .map(|(_, rps)| *rps)
        });
        let base = play
            .level
            .sources
            .iter()
            .find(|x| x.id == node.id)
            .map_or(0.0, |x| x.base_rps);
        return vec![format!("{}/s", short(live.unwrap_or(base)))];
    }
    let thing = play
        .level
        .preplaced
        .iter()
        .chain(&play.solution.things)
        .find(|t| t.id() == node.id);
    match fig {
        Some(f) => {
            let mut first = match (node.kind, f.desired, f.backlog, f.concurrency) {
                (_, _, Some(b), _) => format!("{} {}", short(b as f64), s.t("board.waiting")),
                (_, _, _, Some((c, limit))) => format!("{}/{}", short(c), short(f64::from(limit))),
                (NodeKind::Thing(ThingKind::LoadBalancer | ThingKind::Topic), _, _, _) => {
                    format!("{}/s", short(f.rps_in))
                }
                (_, Some(d), _, _) => format!("{}/{}", f.in_service, d),
                _ => format!("{}", f.in_service),
            };
            if let Some(u) = f.utilisation {
                first.push_str(&format!(" {:.0}%", u * 100.0));
            }
            let mut out = vec![first];
            let mut second = String::new();
            if f.booting > 0 {
                second.push_str(&format!("+{} ", f.booting));
            }
            if f.draining > 0 {
                second.push_str(&format!("-{} ", f.draining));
            }
            if f.failed > 0 {
                second.push_str(&format!("✗{} ", f.failed));
            }
            if f.resizing {
                second = s.t("board.resizing").to_string();
            }
            if !second.is_empty() {
                out.push(second.trim().to_string());
            }
            match f.trouble(links_on(play, &node.id)) {
                Some(t) => out.insert(1, s.t(trouble_key(t)).to_string()),
                None => out.push(f.detail.clone()),
            }
            out
        }
        None => match thing {
            Some(Thing::OnPremises { model, servers, .. }) => {
                vec![
                    format!("{servers} × {}", s.t("board.servers")),
                    model.clone(),
                ]
            }
            Some(Thing::Instance { instance_type, .. }) => vec![instance_type.clone()],
            Some(Thing::AutoScalingGroup(g)) => vec![
                format!("{}/{}/{}", g.min, g.desired, g.max),
                g.instance_type.clone(),
            ],
            Some(Thing::LoadBalancer(_)) => vec![s.t("board.balancer").to_string()],
            Some(Thing::Queue(_)) => vec![s.t("board.queue").to_string()],
            Some(Thing::Topic { .. }) => vec![s.t("board.topic").to_string()],
            Some(Thing::Function(f)) => vec![format!("{} MB", f.memory_mb)],
            Some(Thing::ContainerService(c)) => vec![
                format!("{}/{}/{}", c.min, c.desired, c.max),
                match &c.capacity {
                    crate::format::solution::Capacity::Fargate => "Fargate".to_string(),
                    crate::format::solution::Capacity::Ec2(id) => id.clone(),
                },
            ],
            None => Vec::new(),
        },
    }
}

/// Points of a link's path, from the right side of one box to the left
/// side of another (in screen cells, possibly off the board), kept off the
/// rows of the boxes' borders so it never runs along a frame.
fn path(from: (i32, i32, i32, i32), to: (i32, i32, i32, i32)) -> Vec<(i32, i32)> {
    let (fx, fy, fw, fh) = from;
    let (tx, ty, _, th) = to;
    let (x0, y0) = (fx + fw, fy + 1);
    let (x1, y1) = (tx - 1, ty + 1);
    let mut pts = Vec::new();
    if x1 >= x0 {
        // Forward: across the gap, down or up, then across.
        let mid = x0 + 1;
        for x in x0..=mid.min(x1) {
            pts.push((x, y0));
        }
        let ys: Vec<i32> = if y1 >= y0 {
            (y0..=y1).collect()
        } else {
            (y1..=y0).rev().collect()
        };
        for y in ys.into_iter().skip(1) {
            pts.push((mid.min(x1), y));
        }
        for x in (mid.min(x1) + 1)..=x1 {
            pts.push((x, y1));
        }
    } else {
        // Backward: along the gap row under the lower box, and round.
        let below = (fy + fh).max(ty + th);
        pts.push((x0, y0));
        for y in y0 + 1..=below {
            pts.push((x0, y));
        }
        for x in (x1..x0).rev() {
            pts.push((x, below));
        }
        for y in (y1..below).rev() {
            pts.push((x1, y));
        }
    }
    pts
}

fn glyph(prev: (i32, i32), here: (i32, i32), next: Option<(i32, i32)>) -> char {
    let Some(next) = next else { return '▶' };
    let horizontal_in = prev.1 == here.1;
    let horizontal_out = next.1 == here.1;
    match (horizontal_in, horizontal_out) {
        (true, true) => '─',
        (false, false) => '│',
        (true, false) => {
            if next.1 > here.1 {
                if prev.0 < here.0 { '┐' } else { '┌' }
            } else if prev.0 < here.0 {
                '┘'
            } else {
                '└'
            }
        }
        (false, true) => {
            if prev.1 < here.1 {
                if next.0 > here.0 { '└' } else { '┘' }
            } else if next.0 > here.0 {
                '┌'
            } else {
                '┐'
            }
        }
    }
}

/// Where two links share a cell, the glyph that shows both.
fn junction(under: &str, over: char) -> char {
    match (under, over) {
        ("─", '┐' | '┌') | ("┐" | "┌", '─') => '┬',
        ("─", '┘' | '└') | ("┘" | "└", '─') => '┴',
        ("│", '└' | '┌') | ("└" | "┌", '│') => '├',
        ("│", '┘' | '┐') | ("┘" | "┐", '│') => '┤',
        ("┐", '┘') | ("┘", '┐') => '┤',
        ("┌", '└') | ("└", '┌') => '├',
        _ => over,
    }
}

/// Draws the board into `area` (its border included); its border is bright
/// when it has the keys.
pub fn render(play: &Play, s: &Strings, focused: bool, area: Rect, buf: &mut Buffer) {
    if area.width < 3 || area.height < 3 {
        return;
    }
    let running = play.run.is_some();
    let title = if play.linking.is_some() {
        s.t("board.title_linking")
    } else if play.moving {
        s.t("board.title_moving")
    } else {
        s.t("board.title")
    };
    let grid: Grid = super::layout::grid(area, play);
    let nodes = play.nodes();
    // More board beyond the edges, said in the border.
    let (vc, vr) = grid.visible();
    let max = nodes
        .iter()
        .fold((0, 0), |m, n| (m.0.max(n.at.0), m.1.max(n.at.1)));
    let mut more = Vec::new();
    if grid.scroll.0 > 0 {
        more.push("←");
    }
    if max.0 >= grid.scroll.0 + vc {
        more.push("→");
    }
    if grid.scroll.1 > 0 {
        more.push("↑");
    }
    if max.1 >= grid.scroll.1 + vr {
        more.push("↓");
    }
    let mut block = Block::bordered()
        .title(Line::from(format!(" {title} ")))
        .border_style(if focused {
            Style::new().fg(Color::Cyan)
        } else {
            Style::new().fg(Color::DarkGray)
        });
    if !more.is_empty() {
        block = block.title_bottom(
            Line::styled(
                format!(" {} {} ", s.t("board.more"), more.join("")),
                Style::new().fg(Color::Yellow),
            )
            .right_aligned(),
        );
    }
    block.render(area, buf);
    let virtual_rect = |at: (u16, u16)| {
        let (x, y) = grid.origin(at);
        (x, y, i32::from(grid.box_w), i32::from(grid.box_h))
    };
    let at_of = |id: &str| nodes.iter().find(|n| n.id == id).map(|n| n.at);
    let figures = |id: &str| {
        play.run
            .as_ref()
            .and_then(|r| r.figures.iter().find(|f| f.id == id))
    };
    let frame = play.run.as_ref().map_or(0, |r| r.frame);
    let inside = |p: (i32, i32)| {
        p.0 >= i32::from(grid.inner.x)
            && p.1 >= i32::from(grid.inner.y)
            && p.0 < i32::from(grid.inner.right())
            && p.1 < i32::from(grid.inner.bottom())
    };
    let cell = |p: (i32, i32)| Position::new(p.0.max(0) as u16, p.1.max(0) as u16);

    // Links under the boxes; arrowheads after every line, so none is drawn over.
    let mut heads: Vec<(Position, char, Color)> = Vec::new();
    for (from, to, _) in play.links() {
        let (Some(a), Some(b)) = (at_of(&from), at_of(&to)) else {
            continue;
        };
        let pts = path(virtual_rect(a), virtual_rect(b));
        if !pts.iter().any(|p| inside(*p)) {
            continue;
        }
        let rate = play
            .run
            .as_ref()
            .and_then(|r| r.link_rps.get(&(from.clone(), to.clone())).copied())
            .unwrap_or(0.0);
        let hot = figures(&to).is_some_and(|f| f.overloaded);
        let colour = if !running {
            Color::Gray
        } else if hot {
            Color::Red
        } else if rate > 0.0 {
            Color::Green
        } else {
            Color::DarkGray
        };
        // Faster traffic shows more dots moving along the line.
        let spacing = if rate > 1000.0 {
            2
        } else if rate > 50.0 {
            3
        } else {
            5
        };
        let last_inside = pts.iter().rposition(|p| inside(*p));
        for (i, &p) in pts.iter().enumerate() {
            if !inside(p) {
                continue;
            }
            let prev = if i == 0 { (p.0 - 1, p.1) } else { pts[i - 1] };
            let next = pts.get(i + 1).copied();
            if next.is_none() {
                heads.push((cell(p), '▶', colour));
                continue;
            }
            // The line leaves the board: a marker at the edge says it goes on.
            if Some(i) == last_inside {
                heads.push((cell(p), '»', Color::Yellow));
                continue;
            }
            let mut ch = glyph(prev, p, next);
            if running
                && rate > 0.0
                && (i as u64 + spacing - (frame / 2) % spacing).is_multiple_of(spacing)
            {
                ch = '•';
            }
            if let Some(c) = buf.cell_mut(cell(p)) {
                let ch = junction(c.symbol(), ch);
                c.set_char(ch).set_style(Style::new().fg(colour));
            }
        }
        // A line that comes in from off the board is marked where it enters.
        if let Some(first) = pts.iter().position(|p| inside(*p))
            && first > 0
        {
            heads.push((cell(pts[first]), '«', Color::Yellow));
        }
    }
    for (p, ch, colour) in heads {
        if let Some(c) = buf.cell_mut(p) {
            c.set_char(ch).set_style(Style::new().fg(colour));
        }
    }

    // Boxes.
    for node in &nodes {
        let Some(r) = grid.cell_rect(node.at) else {
            continue;
        };
        let r = r.intersection(grid.inner);
        if r.width < 4 || r.height < 3 {
            continue;
        }
        let fig = figures(&node.id);
        let selected = node.at == play.cursor;
        let mut border = if node.fixed {
            Style::new().fg(Color::Blue)
        } else {
            Style::new().fg(Color::Gray)
        };
        if let Some(f) = fig {
            if f.overloaded || f.down {
                border = Style::new().fg(Color::Red).add_modifier(Modifier::BOLD);
            } else if f.booting > 0 || f.draining > 0 || f.resizing {
                border = Style::new().fg(Color::Yellow);
            } else if f.utilisation.is_some() {
                border = Style::new().fg(Color::Green);
            }
        }
        if play.linking.as_deref() == Some(node.id.as_str()) {
            border = Style::new().fg(Color::Magenta).add_modifier(Modifier::BOLD);
        }
        let border_type = if selected {
            BorderType::Thick
        } else if node.fixed {
            BorderType::Double
        } else {
            BorderType::Rounded
        };
        let title_style = if selected {
            Style::new().add_modifier(Modifier::BOLD | Modifier::REVERSED)
        } else {
            Style::new().add_modifier(Modifier::BOLD)
        };
        let inner_w = usize::from(r.width.saturating_sub(2));
        let block = Block::new()
            .borders(Borders::ALL)
            .border_type(border_type)
            .border_style(border)
            .title(Line::styled(
                super::text::fit(&node.id, inner_w),
                title_style,
            ))
            .title_bottom(Line::from(tag(node.kind)).right_aligned());
        let inner = block.inner(r);
        // Clear what the links drew under the box.
        for y in r.top()..r.bottom() {
            for x in r.left()..r.right() {
                if let Some(c) = buf.cell_mut(Position::new(x, y)) {
                    c.reset();
                }
            }
        }
        block.render(r, buf);
        let red = fig.is_some_and(|f| f.overloaded || f.down);
        let mut shown = lines(play, node, fig, s);
        // A compact box has room for one line: why it is red comes first.
        if red && inner.height < 2 && shown.len() > 1 {
            shown.swap(0, 1);
        }
        for (i, line) in shown.into_iter().take(inner.height as usize).enumerate() {
            let style = if red && (i == 1 || inner.height < 2) {
                Style::new().fg(Color::Red)
            } else if i == 0 {
                Style::new().fg(Color::White)
            } else {
                Style::new().fg(Color::Gray)
            };
            buf.set_stringn(
                inner.x,
                inner.y + i as u16,
                super::text::fit(&line, inner_w),
                inner.width as usize,
                style,
            );
        }
    }

    // The cursor on an empty cell.
    if !nodes.iter().any(|n| n.at == play.cursor)
        && let Some(r) = grid.cell_rect(play.cursor)
    {
        let r = r.intersection(grid.inner);
        if r.width >= 3 && r.height >= 3 {
            Block::bordered()
                .border_type(BorderType::Plain)
                .border_style(Style::new().fg(Color::DarkGray).add_modifier(Modifier::DIM))
                .render(r, buf);
            let hint = if play.building() { "+" } else { "" };
            buf.set_string(
                r.x + r.width / 2,
                r.y + r.height / 2,
                hint,
                Style::new().fg(Color::DarkGray),
            );
        }
    }
}
