//! Keys, clicks and resizes, read on a thread of their own and handed over
//! in batches, so the screen is drawn once per batch (a burst of keys costs
//! one frame, not one frame a key) and a terminal that stops answering never
//! stalls the game.
//!
//! crossterm reads the terminal in chunks; when a chunk ends right after the
//! `ESC` of an arrow key's `ESC [ C`, it reports a lone `Esc` and then `[`
//! and `C` as typed characters. In a burst of keys that turned one arrow into
//! "go back" and two stray letters. [`Rejoin`] puts such a split sequence
//! back together.

use std::collections::VecDeque;
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::Duration;

use ratatui::crossterm::event::{
    self, Event, KeyCode, KeyEvent, KeyEventKind, KeyEventState, KeyModifiers,
};

/// What the reader thread hands over.
#[derive(Debug)]
pub enum Input {
    /// An event from the terminal.
    Event(Event),
    /// Reading failed: the terminal is gone.
    Failed(std::io::Error),
}

/// The receiving end of the reader thread.
pub struct Reader {
    rx: Receiver<Input>,
}

/// How long an `Esc` that ends a batch waits for the rest of a sequence.
const ESC_WAIT: Duration = Duration::from_millis(15);
/// How long a batch waits for more keys already on their way (a paste, a
/// held key, a burst): long enough that a burst is drawn once, short enough
/// that a key still shows at once.
const GATHER: Duration = Duration::from_millis(2);
/// Most events in one batch, so a flood still gets a frame now and then.
const MOST_IN_BATCH: usize = 4_096;

impl Reader {
    /// Starts the thread that reads the terminal.
    pub fn start() -> Reader {
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            loop {
                let input = match event::read() {
                    Ok(e) => Input::Event(e),
                    Err(e) => Input::Failed(e),
                };
                let failed = matches!(input, Input::Failed(_));
                if tx.send(input).is_err() || failed {
                    return;
                }
            }
        });
        Reader { rx }
    }

    /// Waits up to `wait` for input, then takes everything already there.
    /// `Ok(empty)` on a timeout; `Err` when the reader is gone.
    pub fn batch(&self, wait: Duration) -> Result<Vec<Input>, std::io::Error> {
        let mut out = Vec::new();
        match self.rx.recv_timeout(wait) {
            Ok(i) => out.push(i),
            Err(RecvTimeoutError::Timeout) => return Ok(out),
            Err(RecvTimeoutError::Disconnected) => {
                return Err(std::io::Error::other("the terminal reader stopped"));
            }
        }
        loop {
            while out.len() < MOST_IN_BATCH {
                match self.rx.recv_timeout(GATHER) {
                    Ok(i) => out.push(i),
                    Err(_) => break,
                }
            }
            // A batch that ends in Esc may be the first byte of a split sequence.
            let ends_in_esc = matches!(
                out.last(),
                Some(Input::Event(Event::Key(KeyEvent {
                    code: KeyCode::Esc,
                    ..
                })))
            );
            if !ends_in_esc {
                return Ok(out);
            }
            match self.rx.recv_timeout(ESC_WAIT) {
                Ok(i) => out.push(i),
                Err(_) => return Ok(out),
            }
        }
    }
}

fn key(code: KeyCode, modifiers: KeyModifiers) -> Event {
    Event::Key(KeyEvent {
        code,
        modifiers,
        kind: KeyEventKind::Press,
        state: KeyEventState::NONE,
    })
}

fn plain_char(e: &Event) -> Option<char> {
    match e {
        Event::Key(KeyEvent {
            code: KeyCode::Char(c),
            modifiers,
            kind: KeyEventKind::Press,
            ..
        }) if (*modifiers - KeyModifiers::SHIFT).is_empty() => Some(*c),
        _ => None,
    }
}

/// The key a CSI (`ESC [ params final`) or SS3 (`ESC O final`) sequence stands for.
fn sequence_key(ss3: bool, params: &str, last: char) -> Option<Event> {
    let modifiers = match params.split(';').nth(1).and_then(|m| m.parse::<u8>().ok()) {
        Some(m) if m > 1 => {
            let bits = m - 1;
            let mut k = KeyModifiers::NONE;
            if bits & 1 != 0 {
                k |= KeyModifiers::SHIFT;
            }
            if bits & 2 != 0 {
                k |= KeyModifiers::ALT;
            }
            if bits & 4 != 0 {
                k |= KeyModifiers::CONTROL;
            }
            k
        }
        _ => KeyModifiers::NONE,
    };
    let code = match last {
        'A' => KeyCode::Up,
        'B' => KeyCode::Down,
        'C' => KeyCode::Right,
        'D' => KeyCode::Left,
        'H' => KeyCode::Home,
        'F' => KeyCode::End,
        'Z' if !ss3 => KeyCode::BackTab,
        'P'..='S' if ss3 => KeyCode::F(last as u8 - b'P' + 1),
        '~' if !ss3 => match params.split(';').next()? {
            "1" | "7" => KeyCode::Home,
            "2" => KeyCode::Insert,
            "3" => KeyCode::Delete,
            "4" | "8" => KeyCode::End,
            "5" => KeyCode::PageUp,
            "6" => KeyCode::PageDown,
            _ => return None,
        },
        _ => return None,
    };
    Some(key(code, modifiers))
}

/// Puts escape sequences that crossterm split back together: `Esc`, `[` (or
/// `O`), parameters and a final character become the key they spell. A
/// sequence it does not know is dropped rather than read as keys.
pub fn rejoin(events: Vec<Event>) -> Vec<Event> {
    let mut queue: VecDeque<Event> = events.into();
    let mut out = Vec::with_capacity(queue.len());
    while let Some(e) = queue.pop_front() {
        let is_esc = matches!(
            e,
            Event::Key(KeyEvent {
                code: KeyCode::Esc,
                kind: KeyEventKind::Press,
                ..
            })
        );
        let opener = queue.front().and_then(plain_char);
        if !is_esc || !matches!(opener, Some('[' | 'O')) {
            out.push(e);
            continue;
        }
        let ss3 = opener == Some('O');
        // Parameters, then one final character.
        let mut params = String::new();
        let mut taken = 1;
        let mut last = None;
        for next in queue.iter().skip(1) {
            let Some(c) = plain_char(next) else { break };
            taken += 1;
            if c.is_ascii_digit() || c == ';' {
                params.push(c);
                if params.len() > 8 {
                    break;
                }
            } else {
                last = Some(c);
                break;
            }
        }
        match last {
            Some(c) => {
                queue.drain(..taken);
                if let Some(k) = sequence_key(ss3, &params, c) {
                    out.push(k);
                }
            }
            // Not a sequence after all: the Esc and what follows stay keys.
            None => out.push(e),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(code: KeyCode) -> Event {
        key(code, KeyModifiers::NONE)
    }

    fn chars(s: &str) -> Vec<Event> {
        s.chars().map(|c| k(KeyCode::Char(c))).collect()
    }

    #[test]
    fn an_arrow_split_after_its_escape_is_an_arrow_again() {
        let mut input = vec![k(KeyCode::Right), k(KeyCode::Esc)];
        input.extend(chars("[C"));
        input.push(k(KeyCode::Left));
        assert_eq!(
            rejoin(input),
            vec![k(KeyCode::Right), k(KeyCode::Right), k(KeyCode::Left)]
        );
        let mut input = vec![k(KeyCode::Esc)];
        input.extend(chars("OA3~"));
        assert_eq!(
            rejoin(input),
            vec![k(KeyCode::Up), k(KeyCode::Char('3')), k(KeyCode::Char('~'))]
        );
        let mut input = vec![k(KeyCode::Esc)];
        input.extend(chars("[3~[1;5C"));
        assert_eq!(
            rejoin(input),
            vec![
                k(KeyCode::Delete),
                k(KeyCode::Char('[')),
                k(KeyCode::Char('1')),
                k(KeyCode::Char(';')),
                k(KeyCode::Char('5')),
                k(KeyCode::Char('C'))
            ]
        );
        let mut input = vec![k(KeyCode::Esc)];
        input.extend(chars("[1;5C"));
        assert_eq!(
            rejoin(input),
            vec![key(KeyCode::Right, KeyModifiers::CONTROL)]
        );
    }

    #[test]
    fn a_lone_escape_stays_an_escape() {
        assert_eq!(rejoin(vec![k(KeyCode::Esc)]), vec![k(KeyCode::Esc)]);
        let mut input = vec![k(KeyCode::Esc), k(KeyCode::Esc)];
        input.extend(chars("q"));
        assert_eq!(rejoin(input.clone()), input);
        // `Esc` then `[` with nothing after: not a sequence.
        let input = vec![k(KeyCode::Esc), k(KeyCode::Char('['))];
        assert_eq!(rejoin(input.clone()), input);
    }
}
