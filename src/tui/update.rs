//! The level screen's and the results screen's answers to the player's
//! messages, and mouse clicks on any screen.

use super::app::{App, PAGE, Screen};
use super::inspector::Input;
use super::keymap::Msg;
use super::layout;
use super::play::{Edit, Focus, Popup, Speed, Status};

impl App {
    /// Answers a message on the level screen.
    pub(super) fn update_play(&mut self, msg: Msg) {
        let Some(play) = self.play.as_mut() else {
            self.screen = Screen::Campaign;
            return;
        };
        let palette = play.level.palette.things.clone();
        let running = play.run.is_some();
        let has_steps = !play.level.steps.is_empty();
        match msg {
            Msg::Up | Msg::Down | Msg::Left | Msg::Right => {
                let (dx, dy) = match msg {
                    Msg::Up => (0, -1),
                    Msg::Down => (0, 1),
                    Msg::Left => (-1, 0),
                    _ => (1, 0),
                };
                match (running, play.focus) {
                    (false, Focus::Palette) => {
                        play.palette_at = (play.palette_at as i32 + dy)
                            .clamp(0, palette.len().saturating_sub(1) as i32)
                            as usize;
                    }
                    (false, Focus::Steps) => {
                        play.steps_at = (play.steps_at as i32 + dy)
                            .clamp(0, play.level.steps.len().saturating_sub(1) as i32)
                            as usize;
                    }
                    (false, Focus::Inspector) if dy != 0 => {
                        let n = play.rows().len();
                        play.field_at = (play.field_at as i32 + dy)
                            .clamp(0, n.saturating_sub(1) as i32)
                            as usize;
                    }
                    (false, Focus::Inspector) => play.adjust_row(play.field_at, dx),
                    _ => play.move_cursor(dx, dy),
                }
            }
            Msg::NextFocus | Msg::PrevFocus => {
                let order: &[Focus] = if has_steps {
                    &[Focus::Board, Focus::Inspector, Focus::Steps, Focus::Palette]
                } else {
                    &[Focus::Board, Focus::Inspector, Focus::Palette]
                };
                let at = order.iter().position(|f| *f == play.focus).unwrap_or(0);
                let step = if msg == Msg::NextFocus {
                    1
                } else {
                    order.len() - 1
                };
                play.focus = order[(at + step) % order.len()];
            }
            Msg::PlaceNth(i) => {
                if let Some(kind) = palette.get(i) {
                    play.palette_at = i;
                    play.place(*kind);
                }
            }
            Msg::Place => {
                if let Some(kind) = palette.get(play.palette_at) {
                    play.place(*kind);
                    play.focus = Focus::Board;
                }
            }
            Msg::Enter if running => match play.selected() {
                Some(n) => {
                    play.popup = Some(Popup::Why(n.id));
                    play.popup_scroll = 0;
                }
                None => play.status = Some(Status::info("status.why_where", vec![])),
            },
            Msg::Enter => match play.focus {
                Focus::Board | Focus::Steps => play.focus = Focus::Inspector,
                Focus::Palette => {
                    if let Some(kind) = palette.get(play.palette_at) {
                        play.place(*kind);
                        play.focus = Focus::Board;
                    }
                }
                Focus::Inspector => {
                    let rows = play.rows();
                    let locked = play.selected().is_some_and(|n| n.fixed)
                        && matches!(rows.get(play.field_at), Some(super::play::Row::Thing(_)));
                    if locked {
                        let id = play.selected().map(|n| n.id).unwrap_or_default();
                        play.status = Some(Status::error("status.fixed", vec![("id", id)]));
                    } else if let Some(row) = rows.get(play.field_at) {
                        match row.input() {
                            Input::Fixed => {
                                play.status = Some(Status::info("status.edit_in_file", vec![]));
                            }
                            Input::Choice(_) => play.adjust_row(play.field_at, 1),
                            _ => {
                                play.edit = Some(Edit {
                                    row: play.field_at,
                                    buffer: row.value().to_string(),
                                    fresh: true,
                                })
                            }
                        }
                    }
                }
            },
            Msg::Rename => {
                if let Some(node) = play.selected().filter(|n| !n.fixed) {
                    play.focus = Focus::Inspector;
                    play.field_at = 0;
                    play.edit = Some(Edit {
                        row: 0,
                        buffer: node.id,
                        fresh: true,
                    });
                }
            }
            Msg::Link => play.link(),
            Msg::Move if play.selected().is_some_and(|n| !n.fixed) || play.moving => {
                play.moving = !play.moving;
            }
            Msg::Delete if play.focus == Focus::Inspector => play.remove_row(play.field_at),
            Msg::Delete => play.delete(),
            Msg::Undo => play.undo(),
            Msg::Redo => play.redo(),
            Msg::Hint => {
                let at = if play.focus == Focus::Steps {
                    play.steps_at
                } else {
                    play.steps_done
                };
                // The step whole, with its hint when it has one.
                if at < play.level.steps.len() {
                    play.popup = Some(Popup::Hint(at));
                    play.popup_scroll = 0;
                } else {
                    play.status = Some(Status::info("status.no_hint", vec![]));
                }
            }
            Msg::Brief => {
                play.popup = Some(Popup::Brief);
                play.popup_scroll = 0;
            }
            Msg::Run => {
                play.focus = Focus::Board;
                if play.start() {
                    play.check_steps();
                }
            }
            Msg::Pause => {
                if let Some(r) = play.run.as_mut() {
                    r.paused = !r.paused;
                    if !r.paused {
                        play.step_announced = None;
                    }
                    // The footer then says what the run is doing now.
                    play.status = None;
                }
            }
            Msg::StepTick => {
                if let Some(r) = play.run.as_mut() {
                    r.paused = true;
                    r.step();
                    r.refresh();
                }
                play.check_steps();
                self.finish();
            }
            Msg::Speed(i) => {
                if let Some(r) = play.run.as_mut() {
                    r.speed = Speed::ALL[i.min(3)];
                    r.paused = false;
                    play.step_announced = None;
                    play.status = None;
                }
            }
            Msg::Faster | Msg::Slower => {
                if let Some(r) = play.run.as_mut() {
                    let at = Speed::ALL.iter().position(|s| *s == r.speed).unwrap_or(0);
                    let to = if msg == Msg::Faster {
                        (at + 1).min(3)
                    } else {
                        at.saturating_sub(1)
                    };
                    r.speed = Speed::ALL[to];
                }
            }
            Msg::More => play.act(super::play::LiveChange::More),
            Msg::Fewer => play.act(super::play::LiveChange::Fewer),
            Msg::Save => self.save_solution(),
            Msg::Back => {
                if play.linking.is_some() || play.moving {
                    play.linking = None;
                    play.moving = false;
                } else if running {
                    play.stop();
                } else if play.focus != Focus::Board {
                    play.focus = Focus::Board;
                } else {
                    self.leave_level();
                }
            }
            _ => {}
        }
    }

    /// Answers a message on the results screen.
    pub(super) fn update_results(&mut self, msg: Msg) {
        match msg {
            Msg::Retry => {
                if let Some(play) = self.play.as_mut() {
                    play.clear_run();
                    play.status = None;
                }
                self.screen = Screen::Play;
            }
            Msg::Next => {
                let next = self
                    .playing
                    .map(|i| i + 1)
                    .filter(|&i| i < self.levels.len());
                match next {
                    Some(i) if !self.leave_to_shell => {
                        self.leave_level();
                        self.open_campaign(i);
                        // A locked next level asks first, from the map.
                    }
                    _ => self.leave_level(),
                }
            }
            Msg::Save => self.save_solution(),
            Msg::Brief => {
                if let Some(play) = self.play.as_mut() {
                    play.popup = Some(Popup::Brief);
                    play.popup_scroll = 0;
                }
            }
            Msg::Up | Msg::Down | Msg::PageUp | Msg::PageDown => {
                if let Some(r) = self.results.as_mut() {
                    r.scroll = match msg {
                        Msg::Up => r.scroll.saturating_sub(1),
                        Msg::Down => r.scroll.saturating_add(1),
                        Msg::PageUp => r.scroll.saturating_sub(PAGE),
                        _ => r.scroll.saturating_add(PAGE),
                    }
                    .min(super::draw::results::MAX_SCROLL);
                }
            }
            Msg::Back => self.leave_level(),
            _ => {}
        }
    }

    /// A mouse click: select a level, a palette item, a box or a field.
    pub(super) fn click(&mut self, x: u16, y: u16) {
        let area = ratatui::layout::Rect::new(0, 0, self.size.0, self.size.1);
        match self.screen {
            Screen::Campaign => {
                if let Some(i) = layout::campaign_row(area, x, y)
                    && i < self.levels.len()
                {
                    if i == self.campaign_at {
                        self.open_campaign(i);
                    } else {
                        self.campaign_at = i;
                    }
                }
            }
            Screen::Sandbox => {
                if let Some(i) = layout::campaign_row(area, x, y) {
                    let n = self.sandbox.as_ref().map_or(0, |s| s.patterns.len());
                    if i < n {
                        if i == self.pattern_at {
                            self.open_sandbox(i);
                        } else {
                            self.pattern_at = i;
                        }
                    }
                }
            }
            Screen::Play => {
                let Some(play) = self.play.as_mut() else {
                    return;
                };
                if play.popup.is_some() {
                    play.popup = None;
                    play.popup_scroll = 0;
                    return;
                }
                // A click elsewhere ends typing without applying it to another
                // box, and drops a box being moved where it is (else the next
                // arrow would move whichever box the click selected).
                play.edit = None;
                play.moving = false;
                let areas = layout::areas_of(area, play);
                let pos = ratatui::layout::Position::new(x, y);
                if areas.left.contains(pos) && play.run.is_none() {
                    let row = y.saturating_sub(areas.left.y + 1) as usize;
                    if row < play.level.palette.things.len() {
                        play.palette_at = row;
                        play.focus = Focus::Palette;
                    }
                } else if areas.board.contains(pos) {
                    if let Some(cell) = layout::board_cell(areas.board, play, x, y) {
                        let occupied = play.nodes().iter().any(|n| n.at == cell);
                        if play.focus == Focus::Palette && !occupied && play.run.is_none() {
                            play.cursor = cell;
                            if let Some(kind) =
                                play.level.palette.things.get(play.palette_at).copied()
                            {
                                play.place(kind);
                            }
                        } else if play.linking.is_some() && occupied {
                            play.cursor = cell;
                            play.link();
                        } else {
                            play.cursor = cell;
                            play.field_at = 0;
                        }
                        play.focus = Focus::Board;
                    }
                } else if areas.step.contains(pos) && play.run.is_none() {
                    play.focus = Focus::Steps;
                } else if areas.inspector.contains(pos) && play.run.is_none() {
                    let inner_w = areas.inspector.width.saturating_sub(2);
                    let line = y.saturating_sub(areas.inspector.y + 1) as usize;
                    let lines = super::draw::panels::inspector_lines(play, &self.strings, inner_w);
                    play.focus = Focus::Inspector;
                    if let Some(row) = lines.get(line).and_then(|(_, r)| *r) {
                        play.field_at = row;
                    }
                }
            }
            Screen::Results => {}
        }
    }
}
