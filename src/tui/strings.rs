//! Every word on the screen, per language, loaded from `assets/strings/*.ron`.

use std::collections::BTreeMap;

use crate::format::level::Text;

/// A language the game speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// Korean.
    Ko,
}

impl Lang {
    /// The language the environment asks for (`LC_ALL`, `LC_MESSAGES`, `LANG`), English otherwise.
    pub fn from_env() -> Lang {
        ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|k| std::env::var(k).ok())
            .find(|v| !v.is_empty())
            .map_or(Lang::En, |v| Lang::parse(&v).unwrap_or(Lang::En))
    }

    /// Parses `en`, `ko`, `ko_KR.UTF-8` and the like.
    pub fn parse(text: &str) -> Option<Lang> {
        let lower = text.to_ascii_lowercase();
        if lower.starts_with("ko") {
            Some(Lang::Ko)
        } else if lower.starts_with("en") || lower == "c" || lower.starts_with("c.") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The other language (the campaign map's switch).
    pub fn other(self) -> Lang {
        match self {
            Lang::En => Lang::Ko,
            Lang::Ko => Lang::En,
        }
    }

    /// Picks this language's side of a level text (English when the other is empty).
    pub fn pick(self, text: &Text) -> &str {
        match self {
            Lang::Ko if !text.ko.is_empty() => &text.ko,
            _ => &text.en,
        }
    }
}

/// A template with its `{name}` placeholders filled in.
fn fill(template: &str, args: &[(&str, &dyn std::fmt::Display)]) -> String {
    let mut out = template.to_string();
    for (name, value) in args {
        out = out.replace(&format!("{{{name}}}"), &value.to_string());
    }
    out
}

const EN: &str = include_str!("../../assets/strings/en.ron");
const KO: &str = include_str!("../../assets/strings/ko.ron");

/// The screen's words in one language.
#[derive(Debug, Clone)]
pub struct Strings {
    /// Which language these are.
    pub lang: Lang,
    map: BTreeMap<String, String>,
}

impl Strings {
    /// The bundled strings of a language.
    pub fn new(lang: Lang) -> Strings {
        let text = match lang {
            Lang::En => EN,
            Lang::Ko => KO,
        };
        // The files ship inside the binary and a test parses both, so a failure
        // here can only be a build from a broken tree: fall back to keys.
        let map = ron::from_str(text).unwrap_or_default();
        Strings { lang, map }
    }

    /// Parses a strings file (used by the tests to name the broken line).
    pub fn parse(text: &str) -> Result<BTreeMap<String, String>, ron::error::SpannedError> {
        ron::from_str(text)
    }

    /// The text for a key (the key itself when missing, so a gap is visible, not fatal).
    pub fn t<'a>(&'a self, key: &'a str) -> &'a str {
        self.map.get(key).map_or(key, String::as_str)
    }

    /// The text for a key with `{name}` placeholders filled in.
    pub fn f(&self, key: &str, args: &[(&str, &dyn std::fmt::Display)]) -> String {
        fill(self.t(key), args)
    }

    /// The text for a key without its closing aside (`cost ≤ {budget}` of
    /// `cost ≤ {budget} (★★★ ≤ {three})`), filled in: the short form a
    /// narrow screen shows. A text with no aside is given whole.
    pub fn f_short(&self, key: &str, args: &[(&str, &dyn std::fmt::Display)]) -> String {
        let t = self.t(key);
        let short = t
            .strip_suffix(')')
            .and_then(|rest| rest.rsplit_once(" ("))
            .map_or(t, |(before, _)| before);
        fill(short, args)
    }

    /// Whether a key is defined.
    pub fn has(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    /// Every key defined.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.map.keys().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::{Lang, Strings};
    use crate::format::validate::Refusal;

    #[test]
    fn every_link_refusal_is_said_in_both_languages() {
        for lang in [Lang::En, Lang::Ko] {
            let s = Strings::new(lang);
            for r in Refusal::ALL {
                assert!(s.has(r.key()), "{lang:?} has no {}", r.key());
            }
        }
    }
}
