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
    /// Building, with the lesson's steps focused.
    Steps,
    /// A window of text over the screen (a hint, the brief, why a box is red).
    Popup,
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
    /// Suspend the game like a shell job (`fg` brings it back).
    Suspend,
    /// Open the level's story, goals and traffic preview.
    Brief,
    /// Scroll a page up.
    PageUp,
    /// Scroll a page down.
    PageDown,
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
use KeyCode::{BackTab, Char, Delete, Down, Enter, Esc, Left, PageDown, PageUp, Right, Tab, Up};

const CAMPAIGN: Option<Context> = Some(C::Campaign);
const SANDBOX: Option<Context> = Some(C::Sandbox);
const BOARD: Option<Context> = Some(C::Board);
const PALETTE: Option<Context> = Some(C::Palette);
const INSPECTOR: Option<Context> = Some(C::Inspector);
const RUN: Option<Context> = Some(C::Run);
const RESULTS: Option<Context> = Some(C::Results);
const STEPS: Option<Context> = Some(C::Steps);
const POPUP: Option<Context> = Some(C::Popup);

/// The whole table, in the order the help lists it.
pub const KEYS: &[Binding] = &[
    b(None, Char('?'), Msg::Help, "key.help"),
    ctrl(None, 'c', Msg::Quit, "key.quit"),
    ctrl(None, 'z', Msg::Suspend, "key.suspend"),
    b(CAMPAIGN, Up, Msg::Up, "key.choose_level"),
    b(CAMPAIGN, Down, Msg::Down, ""),
    b(CAMPAIGN, Enter, Msg::Enter, "key.open_level"),
    b(CAMPAIGN, PageUp, Msg::PageUp, "key.scroll_about"),
    b(CAMPAIGN, PageDown, Msg::PageDown, ""),
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
    b(BOARD, Enter, Msg::Enter, "key.inspect"),
    // Building: palette, inspector, steps.
    b(PALETTE, Up, Msg::Up, "key.palette_pick"),
    b(PALETTE, Down, Msg::Down, ""),
    b(PALETTE, Enter, Msg::Place, "key.place"),
    b(PALETTE, Char('a'), Msg::Place, ""),
    b(INSPECTOR, Up, Msg::Up, "key.field"),
    b(INSPECTOR, Down, Msg::Down, ""),
    b(INSPECTOR, Left, Msg::Left, "key.adjust"),
    b(INSPECTOR, Right, Msg::Right, ""),
    b(INSPECTOR, Enter, Msg::Enter, "key.type_value"),
    b(STEPS, Up, Msg::Up, "key.steps_scroll"),
    b(STEPS, Down, Msg::Down, ""),
    b(STEPS, Enter, Msg::Hint, "key.hint"),
    // Every building panel: the same keys whichever has focus.
    b(BOARD, Char('d'), Msg::Delete, "key.delete"),
    b(BOARD, Delete, Msg::Delete, ""),
    b(PALETTE, Char('d'), Msg::Delete, "key.delete"),
    b(PALETTE, Delete, Msg::Delete, ""),
    b(INSPECTOR, Char('d'), Msg::Delete, "key.delete_row"),
    b(INSPECTOR, Delete, Msg::Delete, ""),
    b(STEPS, Char('d'), Msg::Delete, "key.delete"),
    b(STEPS, Delete, Msg::Delete, ""),
    b(BOARD, Tab, Msg::NextFocus, "key.next_panel"),
    b(PALETTE, Tab, Msg::NextFocus, "key.next_panel"),
    b(INSPECTOR, Tab, Msg::NextFocus, "key.next_panel"),
    b(STEPS, Tab, Msg::NextFocus, "key.next_panel"),
    b(BOARD, BackTab, Msg::PrevFocus, ""),
    b(PALETTE, BackTab, Msg::PrevFocus, ""),
    b(INSPECTOR, BackTab, Msg::PrevFocus, ""),
    b(STEPS, BackTab, Msg::PrevFocus, ""),
    b(BOARD, Char('u'), Msg::Undo, "key.undo"),
    b(PALETTE, Char('u'), Msg::Undo, "key.undo"),
    b(INSPECTOR, Char('u'), Msg::Undo, "key.undo"),
    b(STEPS, Char('u'), Msg::Undo, "key.undo"),
    b(BOARD, Char('U'), Msg::Redo, "key.redo"),
    ctrl(BOARD, 'y', Msg::Redo, ""),
    b(PALETTE, Char('U'), Msg::Redo, "key.redo"),
    b(INSPECTOR, Char('U'), Msg::Redo, "key.redo"),
    b(STEPS, Char('U'), Msg::Redo, "key.redo"),
    b(BOARD, Char('r'), Msg::Run, "key.run"),
    b(PALETTE, Char('r'), Msg::Run, "key.run"),
    b(INSPECTOR, Char('r'), Msg::Run, "key.run"),
    b(STEPS, Char('r'), Msg::Run, "key.run"),
    b(BOARD, Char('h'), Msg::Hint, "key.hint"),
    b(PALETTE, Char('h'), Msg::Hint, "key.hint"),
    b(INSPECTOR, Char('h'), Msg::Hint, "key.hint"),
    b(STEPS, Char('h'), Msg::Hint, "key.hint"),
    b(BOARD, Char('i'), Msg::Brief, "key.brief"),
    b(PALETTE, Char('i'), Msg::Brief, "key.brief"),
    b(INSPECTOR, Char('i'), Msg::Brief, "key.brief"),
    b(STEPS, Char('i'), Msg::Brief, "key.brief"),
    b(BOARD, Char('s'), Msg::Save, "key.save"),
    b(PALETTE, Char('s'), Msg::Save, "key.save"),
    b(INSPECTOR, Char('s'), Msg::Save, "key.save"),
    b(STEPS, Char('s'), Msg::Save, "key.save"),
    b(BOARD, Esc, Msg::Back, "key.back"),
    b(BOARD, Char('q'), Msg::Back, ""),
    b(PALETTE, Esc, Msg::Back, "key.back"),
    b(PALETTE, Char('q'), Msg::Back, ""),
    b(INSPECTOR, Esc, Msg::Back, "key.back"),
    b(INSPECTOR, Char('q'), Msg::Back, ""),
    b(STEPS, Esc, Msg::Back, "key.back"),
    b(STEPS, Char('q'), Msg::Back, ""),
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
    b(RUN, Enter, Msg::Enter, "key.why"),
    b(RUN, Char('+'), Msg::More, "key.more"),
    b(RUN, Char('='), Msg::More, ""),
    b(RUN, Char('-'), Msg::Fewer, "key.fewer"),
    b(RUN, Char('h'), Msg::Hint, "key.hint"),
    b(RUN, Char('i'), Msg::Brief, "key.brief"),
    b(RUN, Char('s'), Msg::Save, "key.save"),
    b(RUN, Esc, Msg::Back, "key.stop_run"),
    b(RUN, Char('q'), Msg::Back, ""),
    // Results.
    b(RESULTS, Char('r'), Msg::Retry, "key.retry"),
    b(RESULTS, Char('n'), Msg::Next, "key.next"),
    b(RESULTS, Char('s'), Msg::Save, "key.save"),
    b(RESULTS, Char('i'), Msg::Brief, "key.brief"),
    b(RESULTS, Esc, Msg::Back, "key.to_map"),
    b(RESULTS, Char('q'), Msg::Back, ""),
    b(RESULTS, Up, Msg::Up, "key.scroll"),
    b(RESULTS, Down, Msg::Down, ""),
    b(RESULTS, PageUp, Msg::PageUp, ""),
    b(RESULTS, PageDown, Msg::PageDown, ""),
    // A window of text.
    b(POPUP, Up, Msg::Up, "key.scroll"),
    b(POPUP, Down, Msg::Down, ""),
    b(POPUP, PageUp, Msg::PageUp, ""),
    b(POPUP, PageDown, Msg::PageDown, ""),
    b(POPUP, Esc, Msg::Back, "key.close"),
    b(POPUP, Enter, Msg::Back, ""),
    b(POPUP, Char('q'), Msg::Back, ""),
    b(POPUP, Char('h'), Msg::Back, ""),
    b(POPUP, Char('i'), Msg::Back, ""),
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
        PageUp => "PgUp".to_string(),
        PageDown => "PgDn".to_string(),
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
