//! Where everything goes on screen, as pure functions of the terminal size
//! and the state, so drawing and mouse hit-testing always agree.

use ratatui::layout::{Constraint, Layout, Rect};

use super::play::Play;

/// The areas of the level screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlayAreas {
    /// Title, clock, speed; the goals with the figures so far.
    pub top: Rect,
    /// Palette (building) or event log (running).
    pub left: Rect,
    /// The board.
    pub board: Rect,
    /// The lesson's steps (empty when the level has none).
    pub step: Rect,
    /// The inspector.
    pub inspector: Rect,
    /// Charts: the traffic preview before a run, the live charts during it.
    pub bottom: Rect,
    /// Status line and key hints.
    pub footer: Rect,
}

/// Splits the level screen; side panels and charts grow with the terminal.
/// While a run goes the left column holds the event log and is wider: from
/// 120 columns an event reads on one row (40 cells), at 80 on two.
pub fn play_areas(area: Rect, running: bool, has_steps: bool) -> PlayAreas {
    let charts = match area.height {
        0..30 => 7,
        30..44 => 10,
        _ => 13,
    };
    let [top, middle, bottom, footer] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(6),
        Constraint::Length(charts),
        Constraint::Length(1),
    ])
    .areas(area);
    let (left_w, right_w) = match (area.width, running) {
        (0..100, false) => (17, 25),
        (0..100, true) => (22, 24),
        (100..140, false) => (21, 34),
        (100..140, true) => (42, 30),
        (_, false) => (24, 42),
        (_, true) => (44, 40),
    };
    let [left, board, right] = Layout::horizontal([
        Constraint::Length(left_w),
        Constraint::Min(20),
        Constraint::Length(right_w),
    ])
    .areas(middle);
    let step_h = if !has_steps {
        0
    } else if right.height >= 24 {
        right.height * 2 / 5
    } else {
        right.height / 2
    };
    let [step, inspector] =
        Layout::vertical([Constraint::Length(step_h), Constraint::Min(3)]).areas(right);
    PlayAreas {
        top,
        left,
        board,
        step,
        inspector,
        bottom,
        footer,
    }
}

/// The areas of a level on screen now.
pub fn areas_of(area: Rect, play: &Play) -> PlayAreas {
    play_areas(area, play.run.is_some(), !play.level.steps.is_empty())
}

/// The list area of the campaign map and sandbox chooser.
pub fn list_area(area: Rect) -> Rect {
    let [_, middle, _] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(area);
    let w = if area.width >= 120 { 56 } else { 42 };
    let [list, _] = Layout::horizontal([Constraint::Length(w), Constraint::Min(10)]).areas(middle);
    list
}

/// The campaign map's "about" panel (and the sandbox chooser's description).
pub fn about_area(area: Rect) -> Rect {
    let list = list_area(area);
    Rect::new(
        list.right(),
        list.y,
        area.right().saturating_sub(list.right()),
        list.height,
    )
}

/// Which campaign row a click hit.
pub fn campaign_row(area: Rect, x: u16, y: u16) -> Option<usize> {
    let list = list_area(area);
    let inner_top = list.y + 1;
    (list.contains(ratatui::layout::Position::new(x, y)) && y >= inner_top && y + 1 < list.bottom())
        .then(|| usize::from(y - inner_top))
}

/// The board's grid at the current size: box size and scroll.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grid {
    /// Inside of the board's border.
    pub inner: Rect,
    /// Box width.
    pub box_w: u16,
    /// Box height.
    pub box_h: u16,
    /// Column pitch (box plus the gap links run in).
    pub cell_w: u16,
    /// Row pitch.
    pub cell_h: u16,
    /// First column and row shown.
    pub scroll: (u16, u16),
}

impl Grid {
    /// Columns and rows that fit.
    pub fn visible(&self) -> (u16, u16) {
        (
            (self.inner.width / self.cell_w).max(1),
            (self.inner.height / self.cell_h).max(1),
        )
    }

    /// The rectangle of a cell's box, if on screen.
    pub fn cell_rect(&self, at: (u16, u16)) -> Option<Rect> {
        let (vc, vr) = self.visible();
        if at.0 < self.scroll.0 || at.1 < self.scroll.1 {
            return None;
        }
        let (c, r) = (at.0 - self.scroll.0, at.1 - self.scroll.1);
        if c >= vc || r >= vr {
            return None;
        }
        Some(Rect::new(
            self.inner.x + 1 + c * self.cell_w,
            self.inner.y + r * self.cell_h,
            self.box_w,
            self.box_h,
        ))
    }

    /// Where a cell's box would be, on screen or not: its left and top in
    /// screen cells (possibly off the board, even negative).
    pub fn origin(&self, at: (u16, u16)) -> (i32, i32) {
        let c = i32::from(at.0) - i32::from(self.scroll.0);
        let r = i32::from(at.1) - i32::from(self.scroll.1);
        (
            i32::from(self.inner.x) + 1 + c * i32::from(self.cell_w),
            i32::from(self.inner.y) + r * i32::from(self.cell_h),
        )
    }

    /// The cell under a screen position.
    pub fn cell_at(&self, x: u16, y: u16) -> Option<(u16, u16)> {
        if !self.inner.contains(ratatui::layout::Position::new(x, y)) {
            return None;
        }
        let c = (x - self.inner.x) / self.cell_w + self.scroll.0;
        let r = (y - self.inner.y) / self.cell_h + self.scroll.1;
        Some((c, r))
    }
}

/// The grid for a board area and a level's state: boxes as large as the
/// columns and rows in use allow (down to a compact box of one figure line),
/// scrolled to keep the cursor in view.
pub fn grid(board: Rect, play: &Play) -> Grid {
    let inner = Rect::new(
        board.x + 1,
        board.y + 1,
        board.width.saturating_sub(2),
        board.height.saturating_sub(2),
    );
    let (cols, rows) = play
        .nodes()
        .iter()
        .fold((play.cursor.0 + 1, play.cursor.1 + 1), |(c, r), n| {
            (c.max(n.at.0 + 1), r.max(n.at.1 + 1))
        });
    // Three cells between boxes carry the links and their arrowheads.
    let box_w = (inner.width / cols.max(1)).saturating_sub(3).clamp(9, 18);
    let box_h = (inner.height / rows.max(1)).saturating_sub(1).clamp(3, 5);
    let (cell_w, cell_h) = (box_w + 3, box_h + 1);
    let mut g = Grid {
        inner,
        box_w,
        box_h,
        cell_w,
        cell_h,
        scroll: (0, 0),
    };
    let (vc, vr) = g.visible();
    g.scroll = (
        play.cursor.0.saturating_sub(vc - 1),
        play.cursor.1.saturating_sub(vr - 1),
    );
    g
}

/// The board cell under a click.
pub fn board_cell(board: Rect, play: &Play, x: u16, y: u16) -> Option<(u16, u16)> {
    grid(board, play).cell_at(x, y)
}
