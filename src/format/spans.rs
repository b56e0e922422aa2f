//! Where each value of a RON file sits, by its path in the file's tree.
//!
//! serde hands the checks plain values without positions, so after a file
//! has parsed, this module reads the same text once more into a light tree of
//! byte ranges. A check then names what it means (`links[3][1]`,
//! `things[2].min`, `events[0].what.source`) and the problem points at
//! exactly that, instead of at the first text that happens to match.

/// One step down a path: a struct field, a list or tuple item, or a map key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seg<'a> {
    /// A named field of a struct or struct-like variant.
    Field(&'a str),
    /// An item of a list or tuple (0-based).
    Index(usize),
    /// The value under a string key of a map.
    Key(&'a str),
}

/// The most steps a path may take: the formats nest at most six deep.
const MAX_DEPTH: usize = 8;

/// A path from the top of a file to one value, kept on the stack so spots stay `Copy`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Path<'a> {
    segs: [Seg<'a>; MAX_DEPTH],
    len: usize,
}

impl std::fmt::Debug for Path<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for seg in self.segs() {
            match seg {
                Seg::Field(name) => write!(f, ".{name}")?,
                Seg::Index(i) => write!(f, "[{i}]")?,
                Seg::Key(k) => write!(f, "[{k:?}]")?,
            }
        }
        Ok(())
    }
}

impl<'a> Path<'a> {
    /// The top of the file.
    pub const fn root() -> Self {
        Self {
            segs: [Seg::Index(0); MAX_DEPTH],
            len: 0,
        }
    }

    /// A path of one field from the top.
    pub fn of(field: &'a str) -> Self {
        Self::root().field(field)
    }

    /// This path, one step further (a path already at its deepest stays put).
    #[must_use]
    pub fn then(mut self, seg: Seg<'a>) -> Self {
        if self.len < MAX_DEPTH {
            self.segs[self.len] = seg;
            self.len += 1;
        }
        self
    }

    /// This path, then a field.
    #[must_use]
    pub fn field(self, name: &'a str) -> Self {
        self.then(Seg::Field(name))
    }

    /// This path, then an item.
    #[must_use]
    pub fn index(self, i: usize) -> Self {
        self.then(Seg::Index(i))
    }

    /// This path, then a map key.
    #[must_use]
    pub fn key(self, key: &'a str) -> Self {
        self.then(Seg::Key(key))
    }

    /// The steps of the path.
    pub fn segs(&self) -> &[Seg<'a>] {
        &self.segs[..self.len]
    }
}

/// A value in the text: its byte range, its name if it is a named struct,
/// tuple or variant, and what is inside.
#[derive(Debug)]
struct Node {
    start: usize,
    end: usize,
    /// Byte range of the name in `Name(..)` or of a bare identifier.
    name: Option<(usize, usize)>,
    body: Body,
}

#[derive(Debug)]
enum Body {
    /// A number, identifier, char or string (with its text, for map keys).
    Leaf(Option<String>),
    /// `(a: 1, b: 2)`: each field's name, the name's offset, and its value.
    Fields(Vec<(String, usize, Node)>),
    /// `[1, 2]` or `(1, 2)`.
    Items(Vec<Node>),
    /// `{"k": v}`.
    Map(Vec<(Node, Node)>),
}

/// A file read into byte ranges.
#[derive(Debug)]
pub struct Tree {
    root: Node,
}

/// Where a path ends up: the value's range and, for a field, its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Found {
    /// Byte offset where the value starts.
    pub start: usize,
    /// Byte offset just past the value.
    pub end: usize,
    /// Byte range of a named value's name (`AutoScalingGroup` in `AutoScalingGroup(..)`).
    pub name: Option<(usize, usize)>,
    /// Byte offset and length of the field name the value is written under.
    pub key: Option<(usize, usize)>,
    /// How many steps of the path were found (fewer than asked when the
    /// file leaves a field out: the range is then the enclosing value's).
    pub depth: usize,
}

impl Tree {
    /// Reads a text that RON has already accepted; `None` if it cannot follow it.
    pub fn parse(text: &str) -> Option<Tree> {
        let mut p = Parser {
            text,
            bytes: text.as_bytes(),
            at: 0,
            depth: 0,
        };
        let root = p.value()?;
        Some(Tree { root })
    }

    /// Follows a path as far as the file has it.
    pub fn find(&self, path: &Path<'_>) -> Found {
        let mut node = &self.root;
        let mut key = None;
        let mut depth = 0;
        for seg in path.segs() {
            match step(node, *seg) {
                Some((next, k)) => {
                    node = next;
                    key = k;
                    depth += 1;
                }
                None => break,
            }
        }
        Found {
            start: node.start,
            end: node.end,
            name: node.name,
            key,
            depth,
        }
    }
}

/// One step down; a single-item wrapper (`Some(..)`, a newtype variant written
/// with its own parentheses) is looked through when it does not hold the step.
fn step<'n>(node: &'n Node, seg: Seg<'_>) -> Option<(&'n Node, Option<(usize, usize)>)> {
    let direct = match (&node.body, seg) {
        (Body::Fields(fields), Seg::Field(name)) => fields
            .iter()
            .find(|(n, _, _)| n == name)
            .map(|(n, at, v)| (v, Some((*at, n.len())))),
        (Body::Items(items), Seg::Index(i)) => items.get(i).map(|v| (v, None)),
        (Body::Map(entries), Seg::Key(k)) => entries
            .iter()
            .find(|(key, _)| matches!(&key.body, Body::Leaf(Some(s)) if s == k))
            .map(|(key, v)| (v, Some((key.start, key.end - key.start)))),
        _ => None,
    };
    if direct.is_some() {
        return direct;
    }
    match &node.body {
        Body::Items(items) if items.len() == 1 => step(&items[0], seg),
        _ => None,
    }
}

struct Parser<'t> {
    text: &'t str,
    bytes: &'t [u8],
    at: usize,
    depth: usize,
}

/// How deep the tree reader follows values; the loader already stopped
/// anything deeper than `MAX_NESTING`.
const MAX_TREE_DEPTH: usize = 64;

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    /// Skips blanks and comments (`//` to the end of the line, `/* */` nested).
    fn skip(&mut self) {
        loop {
            while self.peek().is_some_and(|b| b.is_ascii_whitespace()) {
                self.at += 1;
            }
            let rest = &self.bytes[self.at..];
            if rest.starts_with(b"//") {
                while self.peek().is_some_and(|b| b != b'\n') {
                    self.at += 1;
                }
            } else if rest.starts_with(b"/*") {
                let mut depth = 0usize;
                while self.at < self.bytes.len() {
                    let rest = &self.bytes[self.at..];
                    if rest.starts_with(b"/*") {
                        depth += 1;
                        self.at += 2;
                    } else if rest.starts_with(b"*/") {
                        depth -= 1;
                        self.at += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        self.at += 1;
                    }
                }
            } else {
                return;
            }
        }
    }

    fn eat(&mut self, b: u8) -> bool {
        self.skip();
        if self.peek() == Some(b) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn ident(&mut self) -> Option<(usize, usize)> {
        self.skip();
        let start = self.at;
        if self.bytes[self.at..].starts_with(b"r#") {
            self.at += 2;
        }
        while self.at < self.bytes.len() {
            let c = self.text[self.at..].chars().next()?;
            if c.is_alphanumeric() || c == '_' {
                self.at += c.len_utf8();
            } else {
                break;
            }
        }
        (self.at > start).then_some((start, self.at))
    }

    fn value(&mut self) -> Option<Node> {
        self.depth += 1;
        if self.depth > MAX_TREE_DEPTH {
            return None;
        }
        let node = self.value_inner();
        self.depth -= 1;
        node
    }

    fn value_inner(&mut self) -> Option<Node> {
        self.skip();
        let start = self.at;
        let first = self.peek()?;
        let leaf = |end, text| Node {
            start,
            end,
            name: None,
            body: Body::Leaf(text),
        };
        match first {
            b'"' => {
                let text = self.string()?;
                Some(leaf(self.at, Some(text)))
            }
            // `r"..."` and `r#"..."#` are raw strings; `r#name` is a raw identifier.
            b'r' if self.bytes.get(self.at + 1) == Some(&b'"')
                || self.bytes[self.at..].starts_with(b"r#\"")
                || self.bytes[self.at..].starts_with(b"r##") =>
            {
                let text = self.raw_string()?;
                Some(leaf(self.at, Some(text)))
            }
            b'\'' => {
                self.at += 1;
                while let Some(b) = self.peek() {
                    self.at += 1;
                    if b == b'\\' {
                        self.at += 1;
                    } else if b == b'\'' {
                        break;
                    }
                }
                Some(leaf(self.at, None))
            }
            b'(' => self.parens(start, None),
            b'[' => {
                self.at += 1;
                let items = self.items(b']')?;
                Some(Node {
                    start,
                    end: self.at,
                    name: None,
                    body: Body::Items(items),
                })
            }
            b'{' => {
                self.at += 1;
                let mut entries = Vec::new();
                loop {
                    if self.eat(b'}') {
                        break;
                    }
                    let key = self.value()?;
                    if !self.eat(b':') {
                        return None;
                    }
                    let value = self.value()?;
                    entries.push((key, value));
                    if !self.eat(b',') {
                        if self.eat(b'}') {
                            break;
                        }
                        return None;
                    }
                }
                Some(Node {
                    start,
                    end: self.at,
                    name: None,
                    body: Body::Map(entries),
                })
            }
            b'0'..=b'9' | b'-' | b'+' | b'.' => {
                while self
                    .peek()
                    .is_some_and(|b| b.is_ascii_alphanumeric() || b"_.+-".contains(&b))
                {
                    self.at += 1;
                }
                Some(leaf(self.at, None))
            }
            _ => self.named(start),
        }
    }

    /// An identifier, maybe followed by `(...)`: a unit, a named struct or tuple, a variant.
    fn named(&mut self, start: usize) -> Option<Node> {
        let name = self.ident()?;
        let before = self.at;
        self.skip();
        if self.peek() == Some(b'(') {
            return self.parens(start, Some(name));
        }
        self.at = before;
        let text = self.text[name.0..name.1].to_string();
        Some(Node {
            start,
            end: self.at,
            name: Some(name),
            body: Body::Leaf(Some(text)),
        })
    }

    /// `( ... )`: fields when it starts with `name:`, items otherwise.
    fn parens(&mut self, start: usize, name: Option<(usize, usize)>) -> Option<Node> {
        self.skip();
        self.at += 1; // the `(`
        let save = self.at;
        let is_fields = self.ident().is_some() && {
            self.skip();
            self.peek() == Some(b':')
        };
        self.at = save;
        let body = if is_fields {
            let mut fields = Vec::new();
            loop {
                if self.eat(b')') {
                    break;
                }
                let (from, to) = self.ident()?;
                if !self.eat(b':') {
                    return None;
                }
                let value = self.value()?;
                let key = self.text[from..to].trim_start_matches("r#").to_string();
                fields.push((key, from, value));
                if !self.eat(b',') {
                    if self.eat(b')') {
                        break;
                    }
                    return None;
                }
            }
            Body::Fields(fields)
        } else {
            Body::Items(self.items(b')')?)
        };
        Some(Node {
            start,
            end: self.at,
            name,
            body,
        })
    }

    fn items(&mut self, close: u8) -> Option<Vec<Node>> {
        let mut items = Vec::new();
        loop {
            if self.eat(close) {
                return Some(items);
            }
            items.push(self.value()?);
            if !self.eat(b',') {
                return self.eat(close).then_some(items);
            }
        }
    }

    fn string(&mut self) -> Option<String> {
        self.at += 1; // the opening quote
        let mut out = String::new();
        loop {
            let c = self.text[self.at..].chars().next()?;
            self.at += c.len_utf8();
            match c {
                '"' => return Some(out),
                '\\' => {
                    let e = self.text[self.at..].chars().next()?;
                    self.at += e.len_utf8();
                    match e {
                        'n' => out.push('\n'),
                        't' => out.push('\t'),
                        'r' => out.push('\r'),
                        '0' => out.push('\0'),
                        // Unicode and byte escapes only matter for map keys,
                        // which are ids; an id holding one is refused anyway.
                        other => out.push(other),
                    }
                }
                c => out.push(c),
            }
        }
    }

    fn raw_string(&mut self) -> Option<String> {
        self.at += 1; // the `r`
        let mut hashes = 0;
        while self.peek() == Some(b'#') {
            hashes += 1;
            self.at += 1;
        }
        if self.peek() != Some(b'"') {
            return None;
        }
        self.at += 1;
        let close = format!("\"{}", "#".repeat(hashes));
        let len = self.text[self.at..].find(&close)?;
        let text = self.text[self.at..self.at + len].to_string();
        self.at += len + close.len();
        Some(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"// a comment
Solution(
    level: "08", /* a (comment) */
    things: [
        AutoScalingGroup(id: "web", type: "m5.large", min: 1, desired: 2, max: 4),
        Queue((id: "q")),
        ContainerService(id: "c", capacity: Ec2("web"), warmup: Some("2m")),
    ],
    links: [("src", "web"), ("web", "q")],
    layout: {"web": (1, 2)},
)
"#;

    fn at<'t>(text: &'t str, path: Path<'_>) -> &'t str {
        let tree = Tree::parse(text).expect("parses");
        let found = tree.find(&path);
        assert_eq!(found.depth, path.segs().len(), "{path:?}");
        &text[found.start..found.end]
    }

    #[test]
    fn paths_find_their_values() {
        let things = Path::of("things");
        assert_eq!(at(TEXT, things.index(0).field("min")), "1");
        assert_eq!(at(TEXT, Path::of("links").index(1).index(0)), "\"web\"");
        assert_eq!(at(TEXT, things.index(1).field("id")), "\"q\"");
        assert_eq!(
            at(TEXT, things.index(2).field("capacity").index(0)),
            "\"web\""
        );
        assert_eq!(at(TEXT, things.index(2).field("warmup")), "Some(\"2m\")");
        assert_eq!(at(TEXT, Path::of("layout").key("web")), "(1, 2)");
    }

    #[test]
    fn a_missing_field_stops_at_what_holds_it() {
        let tree = Tree::parse(TEXT).expect("parses");
        let found = tree.find(&Path::of("things").index(1).field("retention"));
        assert_eq!(found.depth, 2);
        assert!(TEXT[found.start..].starts_with("Queue(("));
    }
}
