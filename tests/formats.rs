//! Every struct and every struct-like variant of every file format refuses a
//! field it does not know, naming it with a did-you-mean hint and its line
//! and column.
//!
//! The list of places is not written by hand: it is read from the JSON
//! Schemas that `schemars` generates from the types, so a variant added
//! tomorrow is covered without touching this file. For each place, a file of
//! the format is built from the schema with that place filled in and one
//! misspelt field added to it, then read by the real loader.

use std::collections::BTreeMap;

use peakload::format::catalogue::Catalogue;
use peakload::format::load::{self, LoadError};
use peakload::format::schema::Format;
use peakload::format::{Level, Solution, SourceFile};
use serde_json::Value;

/// A JSON pointer into a schema document, naming one place fields are written.
type Site = String;

/// A schema document with its definitions, for walking.
struct Doc<'a> {
    root: &'a Value,
    defs: BTreeMap<&'a str, &'a Value>,
}

impl<'a> Doc<'a> {
    fn new(root: &'a Value) -> Self {
        let defs = root
            .get("$defs")
            .and_then(Value::as_object)
            .map(|m| m.iter().map(|(k, v)| (k.as_str(), v)).collect())
            .unwrap_or_default();
        Doc { root, defs }
    }

    /// Follows a `$ref`, with the pointer of where it leads.
    fn resolve(&self, node: &'a Value, at: &str) -> (&'a Value, String) {
        match node.get("$ref").and_then(Value::as_str) {
            Some(r) => {
                let name = r.trim_start_matches("#/$defs/");
                let def = self.defs.get(name).copied().unwrap_or(&Value::Null);
                (def, format!("#/$defs/{name}"))
            }
            None => (node, at.to_string()),
        }
    }
}

/// Whether an object schema is a variant's wrapper (`{"Daily": {...}}`)
/// rather than a struct: one property, named like a variant.
fn is_variant_wrapper(node: &Value) -> Option<(&str, &Value)> {
    let props = node.get("properties")?.as_object()?;
    if props.len() != 1 {
        return None;
    }
    let (name, inner) = props.iter().next()?;
    name.starts_with(|c: char| c.is_ascii_uppercase())
        .then_some((name.as_str(), inner))
}

/// Every place a struct's fields are written: structs and struct-like variants.
fn sites(doc: &Doc<'_>) -> Vec<Site> {
    let mut found = Vec::new();
    let mut visit = vec![(doc.root, "#".to_string())];
    for (name, def) in &doc.defs {
        visit.push((def, format!("#/$defs/{name}")));
    }
    while let Some((node, at)) = visit.pop() {
        if let Some((name, inner)) = is_variant_wrapper(node) {
            // The body of a struct-like variant is a site; a newtype variant
            // around a named struct is that struct's site.
            if inner.get("properties").is_some() {
                found.push(format!("{at}/properties/{name}"));
            }
            continue;
        }
        if node.get("properties").is_some() {
            found.push(at.clone());
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(list) = node.get(key).and_then(Value::as_array) {
                for (i, alt) in list.iter().enumerate() {
                    visit.push((alt, format!("{at}/{key}/{i}")));
                }
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

/// Builds RON text from schemas, reaching one site and misspelling a field there.
struct Builder<'a> {
    doc: &'a Doc<'a>,
    target: &'a str,
    /// Memo of whether a definition reaches the target.
    reaches: BTreeMap<String, bool>,
    /// The misspelt field written, once written.
    typo: Option<(String, String)>,
}

impl<'a> Builder<'a> {
    /// Whether the target can be reached from this node.
    fn reaches(&mut self, node: &'a Value, at: &str) -> bool {
        let (node, at) = self.doc.resolve(node, at);
        if at == self.target {
            return true;
        }
        if at.starts_with("#/$defs/") && !at[8..].contains('/') {
            if let Some(known) = self.reaches.get(&at) {
                return *known;
            }
            // Assume no while looking, so a recursive type cannot loop.
            self.reaches.insert(at.clone(), false);
            let found = self.reaches_inner(node, &at);
            self.reaches.insert(at, found);
            return found;
        }
        self.reaches_inner(node, &at)
    }

    fn reaches_inner(&mut self, node: &'a Value, at: &str) -> bool {
        let mut children: Vec<(&'a Value, String)> = Vec::new();
        for key in ["oneOf", "anyOf"] {
            if let Some(list) = node.get(key).and_then(Value::as_array) {
                children.extend(
                    list.iter()
                        .enumerate()
                        .map(|(i, alt)| (alt, format!("{at}/{key}/{i}"))),
                );
            }
        }
        if let Some(props) = node.get("properties").and_then(Value::as_object) {
            children.extend(
                props
                    .iter()
                    .map(|(k, v)| (v, format!("{at}/properties/{k}"))),
            );
        }
        if let Some(items) = node.get("items") {
            children.push((items, format!("{at}/items")));
        }
        if let Some(list) = node.get("prefixItems").and_then(Value::as_array) {
            children.extend(
                list.iter()
                    .enumerate()
                    .map(|(i, v)| (v, format!("{at}/prefixItems/{i}"))),
            );
        }
        if let Some(extra) = node.get("additionalProperties").filter(|v| v.is_object()) {
            children.push((extra, format!("{at}/additionalProperties")));
        }
        children
            .into_iter()
            .any(|(child, child_at)| self.reaches(child, &child_at))
    }

    /// RON text for a value of this schema, through the target if it lies below.
    fn build(&mut self, node: &'a Value, at: &str) -> String {
        let (node, at) = self.doc.resolve(node, at);
        for key in ["oneOf", "anyOf"] {
            if let Some(list) = node.get(key).and_then(Value::as_array) {
                let alts: Vec<(&Value, String)> = list
                    .iter()
                    .enumerate()
                    .map(|(i, alt)| (alt, format!("{at}/{key}/{i}")))
                    .filter(|(alt, _)| alt.get("type") != Some(&Value::from("null")))
                    .collect();
                let pick = alts
                    .iter()
                    .position(|(alt, a)| self.reaches(alt, a))
                    .unwrap_or(0);
                let (alt, alt_at) = alts[pick].clone();
                return self.build(alt, &alt_at);
            }
        }
        if let Some(name) = node.get("const").and_then(Value::as_str) {
            return name.to_string();
        }
        if let Some(first) = node
            .get("enum")
            .and_then(Value::as_array)
            .and_then(|e| e.first())
            .and_then(Value::as_str)
        {
            return first.to_string();
        }
        if let Some((name, inner)) = is_variant_wrapper(node) {
            let inner_at = format!("{at}/properties/{name}");
            let (resolved, resolved_at) = self.doc.resolve(inner, &inner_at);
            let body = if resolved.get("properties").is_some() {
                self.fields(resolved, &resolved_at)
            } else if let Some(list) = resolved.get("prefixItems").and_then(Value::as_array) {
                let items: Vec<String> = list
                    .iter()
                    .enumerate()
                    .map(|(i, v)| self.build(v, &format!("{resolved_at}/prefixItems/{i}")))
                    .collect();
                items.join(", ")
            } else {
                self.build(inner, &inner_at)
            };
            return format!("{name}({body})");
        }
        if node.get("properties").is_some() {
            return format!("({})", self.fields(node, &at));
        }
        if let Some(list) = node.get("prefixItems").and_then(Value::as_array) {
            let items: Vec<String> = list
                .iter()
                .enumerate()
                .map(|(i, v)| self.build(v, &format!("{at}/prefixItems/{i}")))
                .collect();
            return format!("({})", items.join(", "));
        }
        let kind = match node.get("type") {
            Some(Value::Array(kinds)) => kinds
                .iter()
                .filter_map(Value::as_str)
                .find(|k| *k != "null")
                .unwrap_or("null"),
            Some(Value::String(k)) => k.as_str(),
            _ => "null",
        };
        match kind {
            "array" => {
                let items_at = format!("{at}/items");
                match node.get("items") {
                    Some(items) if self.reaches(items, &items_at) => {
                        format!("[{}]", self.build(items, &items_at))
                    }
                    _ => "[]".to_string(),
                }
            }
            "object" => {
                let value_at = format!("{at}/additionalProperties");
                match node.get("additionalProperties") {
                    Some(v) if v.is_object() && self.reaches(v, &value_at) => {
                        format!("{{\"k\": {}}}", self.build(v, &value_at))
                    }
                    _ => "{}".to_string(),
                }
            }
            "string" => "\"x\"".to_string(),
            "integer" => "1".to_string(),
            "number" => "1.0".to_string(),
            "boolean" => "true".to_string(),
            _ => "()".to_string(),
        }
    }

    /// A struct's fields: the required ones, any optional one on the way to
    /// the target, and at the target a misspelling of its first field first.
    fn fields(&mut self, node: &'a Value, at: &str) -> String {
        let props = node
            .get("properties")
            .and_then(Value::as_object)
            .expect("a struct has properties");
        let required: Vec<&str> = node
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut out = Vec::new();
        if at == self.target {
            let real = props.keys().next().expect("a field").clone();
            let typo = format!("{real}x");
            out.push(format!("\n{typo}: 1"));
            self.typo = Some((typo, real));
        }
        for (name, schema) in props {
            let field_at = format!("{at}/properties/{name}");
            if required.contains(&name.as_str()) || self.reaches(schema, &field_at) {
                let value = self.build(schema, &field_at);
                out.push(format!("{name}: {value}"));
            }
        }
        out.join(", ")
    }
}

/// Reads a text as the format's type, as the game does.
fn load(format: Format, text: &str) -> Result<(), LoadError> {
    let file = SourceFile::new("generated.ron", text);
    match format {
        Format::Level => load::parse::<Level>(&file).map(drop),
        Format::Solution => load::parse::<Solution>(&file).map(drop),
        Format::Catalogue => load::parse::<Catalogue>(&file).map(drop),
        Format::Par => load::parse::<peakload::par::Par>(&file).map(drop),
    }
}

#[test]
fn every_struct_and_variant_refuses_a_misspelt_field() {
    let mut checked = 0;
    for format in Format::ALL {
        let schema = format.schema();
        let doc = Doc::new(&schema);
        let all = sites(&doc);
        assert!(!all.is_empty(), "{format:?} has no struct");
        for site in &all {
            let mut b = Builder {
                doc: &doc,
                target: site,
                reaches: BTreeMap::new(),
                typo: None,
            };
            if !b.reaches(doc.root, "#") {
                continue; // a definition only another format uses
            }
            let text = b.build(doc.root, "#");
            let (typo, real) = b.typo.clone().unwrap_or_else(|| {
                panic!("{format:?} {site}: the field was never written in {text}")
            });
            let Err(LoadError::Syntax(p)) = load(format, &text) else {
                panic!("{format:?} {site}: `{typo}` was accepted in\n{text}");
            };
            let line = text[..text.find(&format!("{typo}:")).expect("written")]
                .matches('\n')
                .count()
                + 1;
            assert!(
                p.message.contains(&format!("`{typo}`")),
                "{format:?} {site}: {p}"
            );
            assert_eq!(
                (p.line, p.col),
                (line, 1),
                "{format:?} {site}: not placed at the field\n{p}\n{text}"
            );
            assert_eq!(
                p.hint.as_deref(),
                Some(format!("did you mean `{real}`?").as_str()),
                "{format:?} {site}"
            );
            checked += 1;
        }
    }
    // Shapes, events, policies, things, commitments, actions, conditions and
    // the plain structs: far more than a handful.
    eprintln!("{checked} places checked");
    assert!(checked >= 60, "only {checked} places checked");
}

#[test]
fn the_schemas_in_docs_are_the_types_of_today() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/schema");
    for format in Format::ALL {
        let path = dir.join(format.file_name());
        let kept = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            kept == format.text(),
            "{} is out of date: run `peakload schema {}` > {}",
            path.display(),
            format!("{format:?}").to_lowercase(),
            path.display()
        );
    }
}

#[test]
fn the_quoted_typos_are_refused() {
    let level = peakload::bundled::find("01").expect("bundled").level;
    let typo = level.replacen("high:", "hihg:", 1);
    assert_ne!(typo, level, "level 01 has a Daily shape with `high`");
    let Err(LoadError::Syntax(p)) = load(Format::Level, &typo) else {
        panic!("`hihg` was accepted");
    };
    assert!(p.message.contains("`hihg`"), "{p}");
    assert_eq!(p.hint.as_deref(), Some("did you mean `high`?"));
}
