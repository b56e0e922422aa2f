//! Text measured in terminal cells: Korean syllables take two cells, most
//! other characters one. Wrapping and cutting happen here, in cells, so a
//! wrapped line never runs past its panel's border.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Cells a character takes on screen. A character the width tables call
/// zero-width or a control character takes none; everything else at least one.
pub fn char_width(c: char) -> usize {
    if c.is_control() {
        0
    } else {
        c.width().unwrap_or(0)
    }
}

/// Cells a text takes on screen.
pub fn width(text: &str) -> usize {
    if text.chars().any(char::is_control) {
        text.chars().map(char_width).sum()
    } else {
        text.width()
    }
}

/// The longest start of `text` that fits in `cells`, with `…` at the end
/// when something was cut.
pub fn fit(text: &str, cells: usize) -> String {
    if width(text) <= cells {
        return text.to_string();
    }
    if cells == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = char_width(c);
        if used + w + 1 > cells {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// Wraps text into lines of at most `cells` cells. Paragraphs (`\n`) start
/// new lines and blank lines are kept; words break at spaces, and a word
/// longer than a whole line is broken between characters. Nothing is lost:
/// the lines hold every non-space character of the text, in order.
pub fn wrap(text: &str, cells: usize) -> Vec<String> {
    let cells = cells.max(2);
    let mut out = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        let mut used = 0;
        for word in para.split(' ').filter(|w| !w.is_empty()) {
            let w = width(word);
            let gap = usize::from(used > 0);
            if used + gap + w <= cells {
                if gap == 1 {
                    line.push(' ');
                }
                line.push_str(word);
                used += gap + w;
                continue;
            }
            if used > 0 {
                out.push(std::mem::take(&mut line));
                used = 0;
            }
            if w <= cells {
                line.push_str(word);
                used = w;
                continue;
            }
            // A word longer than the line: break it between characters.
            for c in word.chars() {
                let cw = char_width(c);
                if used + cw > cells && used > 0 {
                    out.push(std::mem::take(&mut line));
                    used = 0;
                }
                line.push(c);
                used += cw;
            }
        }
        out.push(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn korean_wraps_in_cells_and_loses_nothing() {
        let text = "쇼핑몰은 주문을 받고, 풀필먼트 서비스는 주문을 포장합니다. 01:00에 풀필먼트가 10분 동안 멈춥니다.";
        for cells in 2..40 {
            let lines = wrap(text, cells);
            for l in &lines {
                assert!(width(l) <= cells.max(2), "{l:?} is wider than {cells}");
            }
            let joined: String = lines.concat().split_whitespace().collect();
            let want: String = text.split_whitespace().collect();
            assert_eq!(joined, want, "at {cells} cells");
        }
        assert_eq!(width("풀필먼트"), 8);
    }

    #[test]
    fn paragraphs_and_long_words_are_kept() {
        assert_eq!(wrap("ab cd\n\nef", 10), vec!["ab cd", "", "ef"]);
        assert_eq!(wrap("abcdefgh", 3), vec!["abc", "def", "gh"]);
        assert_eq!(fit("least-outstanding", 8), "least-o…");
        assert_eq!(fit("부하 분산", 6), "부하 …");
        assert_eq!(fit("ok", 8), "ok");
    }
}
