//! Every key, in one table: input is looked up here and the help overlay is
//! drawn from it, so the two cannot drift apart.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Where the player is, which decides what a key means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// The campaign map.
    Campaign,
    /// Choosing the sandbox's traffic.
    Sandbox,
    /// Building, with the board focused.
    Board,
    /// Building, with the palette focused.
    Palette,
    /// Building, with the inspector focused.
    Inspector,
    /// A run is going (or finished, before the results).
    Run,
    /// The results screen.
    Results,
}

/// Everything the player can ask for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Msg {
    /// Leave the game.
    Quit,
    /// Show or hide the keys.
    Help,
    /// Go back a screen (or cancel).
    Back,
    /// Move up.
    Up,
    /// Move down.
    Down,
    /// Move left (or step a setting down).
    Left,
    /// Move right (or step a setting up).
    Right,
    /// Confirm / open / edit.
    Enter,
    /// Next panel.
    NextFocus,
    /// Previous panel.
    PrevFocus,
    /// Switch language.
    Lang,
    /// Open the sandbox.
    Sandbox,
    /// Place the n-th palette item (0-based).
    PlaceNth(usize),
    /// Place the palette's current item.
    Place,
    /// Start (or finish) a link; on an existing link, remove it.
    Link,
    /// Pick up or drop the selected box.
    Move,
    /// Delete the selected thing.
    Delete,
    /// Rename the selected thing.
    Rename,
    /// Undo.
    Undo,
    /// Redo.
    Redo,
    /// Start the run.
    Run,
    /// Pause or resume.
    Pause,
    /// Run one tick.
    StepTick,
    /// Set a speed (index into `Speed::ALL`).
    Speed(usize),
    /// Faster.
    Faster,
    /// Slower.
    Slower,
    /// One more instance (or bigger, or order a server) on the selected thing while running.
    More,
    /// One fewer instance (or smaller) while running.
    Fewer,
    /// Show the current step's hint.
    Hint,
    /// Save the architecture as a solution file.
    Save,
    /// Results: build again.
    Retry,
    /// Results: next level.
    Next,
    /// A mouse click at a cell.
    Click(u16, u16),
}

/// One line of the table.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    /// Where it applies (`None`: everywhere).
    pub context: Option<Context>,
    /// The key.
    pub code: KeyCode,
    /// Modifiers that must be held (Shift is ignored for characters).
    pub ctrl: bool,
    /// What it does.
    pub msg: Msg,
    /// Strings key of its help text (empty: not listed, e.g. a second key for the same thing).
    pub help: &'static str,
}

const fn b(context: Option<Context>, code: KeyCode, msg: Msg, help: &'static str) -> Binding {
    Binding {
        context,
        code,
        ctrl: false,
        msg,
        help,
    }
}

const fn ctrl(context: Option<Context>, c: char, msg: Msg, help: &'static str) -> Binding {
    Binding {
        context,
        code: KeyCode::Char(c),
        ctrl: true,
        msg,
        help,
    }
}

use Context as C;
use KeyCode::{BackTab, Char, Delete, Down, Enter, Esc, Left, Right, Tab, Up};

const CAMPAIGN: Option<Context> = Some(C::Campaign);
const SANDBOX: Option<Context> = Some(C::Sandbox);
const BOARD: Option<Context> = Some(C::Board);
const PALETTE: Option<Context> = Some(C::Palette);
const INSPECTOR: Option<Context> = Some(C::Inspector);
const RUN: Option<Context> = Some(C::Run);
const RESULTS: Option<Context> = Some(C::Results);

/// The whole table, in the order the help lists it.
pub const KEYS: &[Binding] = &[
    b(None, Char('?'), Msg::Help, "key.help"),
    ctrl(None, 'c', Msg::Quit, "key.quit"),
    b(CAMPAIGN, Up, Msg::Up, "key.choose_level"),
    b(CAMPAIGN, Down, Msg::Down, ""),
    b(CAMPAIGN, Enter, Msg::Enter, "key.open_level"),
    b(CAMPAIGN, Char('s'), Msg::Sandbox, "key.sandbox"),
    b(CAMPAIGN, Char('l'), Msg::Lang, "key.lang"),
    b(CAMPAIGN, Char('q'), Msg::Quit, "key.quit"),
    b(CAMPAIGN, Esc, Msg::Quit, ""),
    b(SANDBOX, Up, Msg::Up, "key.choose_pattern"),
    b(SANDBOX, Down, Msg::Down, ""),
    b(SANDBOX, Enter, Msg::Enter, "key.open_sandbox"),
    b(SANDBOX, Esc, Msg::Back, "key.back"),
    b(SANDBOX, Char('q'), Msg::Back, ""),
    // Building: the board.
    b(BOARD, Up, Msg::Up, "key.cursor"),
    b(BOARD, Down, Msg::Down, ""),
    b(BOARD, Left, Msg::Left, ""),
    b(BOARD, Right, Msg::Right, ""),
    b(BOARD, Char('1'), Msg::PlaceNth(0), "key.place_nth"),
    b(BOARD, Char('2'), Msg::PlaceNth(1), ""),
    b(BOARD, Char('3'), Msg::PlaceNth(2), ""),
    b(BOARD, Char('4'), Msg::PlaceNth(3), ""),
    b(BOARD, Char('5'), Msg::PlaceNth(4), ""),
    b(BOARD, Char('6'), Msg::PlaceNth(5), ""),
    b(BOARD, Char('7'), Msg::PlaceNth(6), ""),
    b(BOARD, Char('8'), Msg::PlaceNth(7), ""),
    b(BOARD, Char('l'), Msg::Link, "key.link"),
    b(BOARD, Char('m'), Msg::Move, "key.move"),
    b(BOARD, Char('n'), Msg::Rename, "key.rename"),
    b(BOARD, Char('d'), Msg::Delete, "key.delete"),
    b(BOARD, Delete, Msg::Delete, ""),
    b(BOARD, Enter, Msg::Enter, "key.inspect"),
    // Building: palette and inspector.
    b(PALETTE, Up, Msg::Up, "key.palette_pick"),
    b(PALETTE, Down, Msg::Down, ""),
    b(PALETTE, Enter, Msg::Place, "key.place"),
    b(PALETTE, Char('a'), Msg::Place, ""),
    b(INSPECTOR, Up, Msg::Up, "key.field"),
    b(INSPECTOR, Down, Msg::Down, ""),
    b(INSPECTOR, Left, Msg::Left, "key.adjust"),
    b(INSPECTOR, Right, Msg::Right, ""),
    b(INSPECTOR, Enter, Msg::Enter, "key.type_value"),
    // Any building panel.
    b(BOARD, Tab, Msg::NextFocus, "key.next_panel"),
    b(PALETTE, Tab, Msg::NextFocus, "key.next_panel"),
    b(INSPECTOR, Tab, Msg::NextFocus, "key.next_panel"),
    b(BOARD, BackTab, Msg::PrevFocus, ""),
    b(PALETTE, BackTab, Msg::PrevFocus, ""),
    b(INSPECTOR, BackTab, Msg::PrevFocus, ""),
    b(BOARD, Char('u'), Msg::Undo, "key.undo"),
    ctrl(BOARD, 'z', Msg::Undo, ""),
    b(PALETTE, Char('u'), Msg::Undo, "key.undo"),
    b(INSPECTOR, Char('u'), Msg::Undo, "key.undo"),
    b(BOARD, Char('U'), Msg::Redo, "key.redo"),
    ctrl(BOARD, 'y', Msg::Redo, ""),
    b(PALETTE, Char('U'), Msg::Redo, "key.redo"),
    b(INSPECTOR, Char('U'), Msg::Redo, "key.redo"),
    b(BOARD, Char('r'), Msg::Run, "key.run"),
    b(PALETTE, Char('r'), Msg::Run, "key.run"),
    b(INSPECTOR, Char('r'), Msg::Run, "key.run"),
    b(BOARD, Char('h'), Msg::Hint, "key.hint"),
    b(PALETTE, Char('h'), Msg::Hint, "key.hint"),
    b(BOARD, Char('s'), Msg::Save, "key.save"),
    b(BOARD, Esc, Msg::Back, "key.back"),
    b(BOARD, Char('q'), Msg::Back, ""),
    b(PALETTE, Esc, Msg::Back, "key.back"),
    b(INSPECTOR, Esc, Msg::Back, "key.back"),
    // Running.
    b(RUN, Char(' '), Msg::Pause, "key.pause"),
    b(RUN, Char('.'), Msg::StepTick, "key.step"),
    b(RUN, Char('1'), Msg::Speed(0), "key.speed"),
    b(RUN, Char('2'), Msg::Speed(1), ""),
    b(RUN, Char('3'), Msg::Speed(2), ""),
    b(RUN, Char('4'), Msg::Speed(3), ""),
    b(RUN, Char('>'), Msg::Faster, "key.faster"),
    b(RUN, Char('<'), Msg::Slower, "key.slower"),
    b(RUN, Up, Msg::Up, "key.cursor"),
    b(RUN, Down, Msg::Down, ""),
    b(RUN, Left, Msg::Left, ""),
    b(RUN, Right, Msg::Right, ""),
    b(RUN, Char('+'), Msg::More, "key.more"),
    b(RUN, Char('='), Msg::More, ""),
    b(RUN, Char('-'), Msg::Fewer, "key.fewer"),
    b(RUN, Char('h'), Msg::Hint, "key.hint"),
    b(RUN, Esc, Msg::Back, "key.stop_run"),
    b(RUN, Char('q'), Msg::Back, ""),
    // Results.
    b(RESULTS, Char('r'), Msg::Retry, "key.retry"),
    b(RESULTS, Char('n'), Msg::Next, "key.next"),
    b(RESULTS, Char('s'), Msg::Save, "key.save"),
    b(RESULTS, Esc, Msg::Back, "key.to_map"),
    b(RESULTS, Char('q'), Msg::Back, ""),
    b(RESULTS, Up, Msg::Up, "key.scroll"),
    b(RESULTS, Down, Msg::Down, ""),
];

/// The message a key means in a context.
pub fn lookup(context: Context, key: KeyEvent) -> Option<Msg> {
    let ctrl_held = key.modifiers.contains(KeyModifiers::CONTROL);
    KEYS.iter()
        .find(|k| {
            k.code == key.code
                && k.ctrl == ctrl_held
                && (k.context.is_none() || k.context == Some(context))
        })
        .map(|k| k.msg)
}

/// A key's name as the help shows it.
pub fn key_label(code: KeyCode, ctrl: bool) -> String {
    let name = match code {
        Up => "↑".to_string(),
        Down => "↓".to_string(),
        Left => "←".to_string(),
        Right => "→".to_string(),
        Enter => "Enter".to_string(),
        Esc => "Esc".to_string(),
        Tab => "Tab".to_string(),
        BackTab => "S-Tab".to_string(),
        Delete => "Del".to_string(),
        Char(' ') => "Space".to_string(),
        Char(c) => c.to_string(),
        other => format!("{other:?}"),
    };
    if ctrl { format!("Ctrl-{name}") } else { name }
}

/// Lines of help for a context: every key listed with its text key, keys
/// sharing one help line joined (`↑↓←→`, `1-8`).
pub fn help_lines(context: Context) -> Vec<(String, &'static str)> {
    let mut out: Vec<(String, &'static str)> = Vec::new();
    let mut last_help: &'static str = "";
    for k in KEYS
        .iter()
        .filter(|k| k.context == Some(context) || k.context.is_none())
    {
        let label = key_label(k.code, k.ctrl);
        if k.help.is_empty() {
            // A second key for the line above.
            if let Some(prev) = out.last_mut()
                && !last_help.is_empty()
            {
                let arrows =
                    matches!(k.code, Up | Down | Left | Right) && prev.0.chars().count() <= 3;
                let digits = matches!(k.code, Char(c) if c.is_ascii_digit())
                    && prev.0.chars().next().is_some_and(|c| c.is_ascii_digit());
                prev.0 = if arrows {
                    format!("{}{label}", prev.0)
                } else if digits {
                    format!("{}-{label}", prev.0.chars().next().unwrap_or('1'))
                } else {
                    format!("{} {label}", prev.0)
                };
            }
            continue;
        }
        last_help = k.help;
        out.push((label, k.help));
    }
    out
}
