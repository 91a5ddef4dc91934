//! Mapping templates, as API Gateway runs them for non-proxy integrations (MOCK here): the
//! part of the Velocity Template Language they are written in — text with `$references`,
//! `#set`, `#if`/`#elseif`/`#else`/`#end`, `==`/`!=`/`||`/`&&`/`!`, string, number, boolean
//! and map (`{}`) literals, `$input.params(name)` and `$input.params()` (its `path`,
//! `querystring` and `header` maps), `$context.*`, `$stageVariables.*`, index notation
//! (`$m[$k]`) and a map's `put`/`get`, `$util.base64Encode`/`base64Decode`/`parseJson`/
//! `urlEncode`/`urlDecode`, and the `$context.responseOverride.*` / `$context.requestOverride.*`
//! overrides. Anything else (macros, `#foreach`, other `$util` functions, `$input.json`, …) is
//! refused with a message naming it, rather than rendered differently from AWS.

use std::collections::BTreeMap;

/// What a template can read about the request.
#[derive(Debug, Default)]
pub struct TemplateInput {
    /// Path, then query string, then header parameters: `$input.params(x)` searches them in
    /// that order. Header names match whatever their case.
    pub path: BTreeMap<String, String>,
    pub query: BTreeMap<String, String>,
    pub headers: Vec<(String, String)>,
    /// `$context.*` (`requestId`, `httpMethod`, `resourcePath`, `stage`, …).
    pub context: BTreeMap<String, String>,
    pub stage_variables: BTreeMap<String, String>,
    /// `$context.responseOverride.*` as set so far (by the request template, for the response
    /// template): `status`, `header.NAME`, or any other path, which later templates can read.
    pub overrides: BTreeMap<String, String>,
    /// `$context.requestOverride.*` as set so far (`path.NAME`, `querystring.NAME`,
    /// `header.NAME`): a MOCK integration's request template passes data to its response
    /// template this way (recorded: test_integration_mock_with_request_overrides_in_response_template).
    pub request_overrides: BTreeMap<String, String>,
    /// The payload `$input.body`, `$input.json(…)` and `$input.path(…)` read: the request's
    /// body in a request template, the integration's answer in a response template.
    pub body: String,
}

/// A rendered template: the text, and every `$context.responseOverride.*` and
/// `$context.requestOverride.*` set so far (the input's, and the template's own).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Rendered {
    pub body: String,
    pub overrides: BTreeMap<String, String>,
    pub request_overrides: BTreeMap<String, String>,
}

impl Rendered {
    /// The response headers the overrides set (`header.NAME`).
    pub fn header_overrides(&self) -> impl Iterator<Item = (&str, &str)> {
        self.overrides
            .iter()
            .filter_map(|(k, v)| Some((k.strip_prefix("header.")?, v.as_str())))
    }

    /// The response status the overrides set (`status`), if any.
    pub fn status_override(&self) -> Option<&str> {
        self.overrides.get("status").map(String::as_str)
    }
}

/// A template's value: Velocity's null, a string, boolean, integer, or (from `{}`,
/// `$input.params()` or `$util.parseJson`) a map or a list.
#[derive(Debug, Clone, PartialEq)]
enum Val {
    Null,
    Str(String),
    Bool(bool),
    Num(i64),
    Map(BTreeMap<String, Val>),
    List(Vec<Val>),
    /// A JSON document's array as `$input.path` gives it, which prints as compact
    /// JSON, as json-smart's `JSONArray` does (recorded: test_input_path_template_formatting,
    /// `[{"foo":"bar"}]`, in a map printed `{foo=[{"nested":"bar"}]}`); otherwise a list.
    Array(Vec<Val>),
}

impl Val {
    /// The value as Velocity prints it (a map and a list as Java prints them: `{k=v, …}`,
    /// `[a, …]`).
    fn text(&self) -> String {
        match self {
            Val::Null => String::new(),
            Val::Str(s) => s.clone(),
            Val::Bool(b) => b.to_string(),
            Val::Num(n) => n.to_string(),
            Val::Map(map) => {
                let entries: Vec<String> = map
                    .iter()
                    .map(|(k, v)| format!("{k}={}", v.text()))
                    .collect();
                format!("{{{}}}", entries.join(", "))
            }
            Val::List(items) => {
                let items: Vec<String> = items.iter().map(Val::text).collect();
                format!("[{}]", items.join(", "))
            }
            Val::Array(_) => self.json().to_string(),
        }
    }

    /// The value as a JSON document (a map's and a list's members in turn).
    fn json(&self) -> serde_json::Value {
        use serde_json::Value;
        match self {
            Val::Null => Value::Null,
            Val::Str(s) => Value::String(s.clone()),
            Val::Bool(b) => Value::Bool(*b),
            Val::Num(n) => Value::from(*n),
            Val::Map(map) => {
                Value::Object(map.iter().map(|(k, v)| (k.clone(), v.json())).collect())
            }
            Val::List(items) | Val::Array(items) => {
                Value::Array(items.iter().map(Val::json).collect())
            }
        }
    }

    /// A map of strings, as a template sees it.
    fn of_strings<'k>(entries: impl IntoIterator<Item = (&'k String, &'k String)>) -> Val {
        Val::Map(
            entries
                .into_iter()
                .map(|(k, v)| (k.clone(), Val::Str(v.clone())))
                .collect(),
        )
    }

    /// A JSON document's value (`$util.parseJson`; `$input.path`'s with `json_arrays`, its
    /// arrays printing as JSON); a number that is not an integer is kept as its text.
    fn of_json(json: &serde_json::Value, json_arrays: bool) -> Val {
        use serde_json::Value;
        match json {
            Value::Null => Val::Null,
            Value::Bool(b) => Val::Bool(*b),
            Value::Number(n) => n.as_i64().map_or_else(|| Val::Str(n.to_string()), Val::Num),
            Value::String(s) => Val::Str(s.clone()),
            Value::Array(items) => {
                let items = items.iter().map(|v| Val::of_json(v, json_arrays)).collect();
                if json_arrays {
                    Val::Array(items)
                } else {
                    Val::List(items)
                }
            }
            Value::Object(map) => Val::Map(
                map.iter()
                    .map(|(k, v)| (k.clone(), Val::of_json(v, json_arrays)))
                    .collect(),
            ),
        }
    }

    fn truthy(&self) -> bool {
        !matches!(self, Val::Null | Val::Bool(false))
    }
}

/// One step of a reference: `.name`, `.name(args)` or `[index]`.
#[derive(Debug, Clone)]
enum Part {
    Name(String),
    Call(String, Vec<Expr>),
    Index(Expr),
}

/// A step of a reference with its index and arguments evaluated: a key (a name or an index),
/// or a method call.
#[derive(Debug)]
enum Seg {
    Key(String),
    Call(String, Vec<Val>),
}

impl Seg {
    /// The step's key, if it is no call.
    fn key(&self) -> Option<&str> {
        match self {
            Seg::Key(key) => Some(key),
            Seg::Call(..) => None,
        }
    }
}

#[derive(Debug, Clone)]
struct Reference {
    silent: bool,
    parts: Vec<Part>,
    /// As written, for a reference with no value (Velocity prints it as it is).
    source: String,
}

#[derive(Debug, Clone)]
enum Expr {
    Literal(Val),
    /// `{k: v, …}`.
    Map(Vec<(Expr, Expr)>),
    Ref(Reference),
    Not(Box<Expr>),
    Compare(Box<Expr>, bool, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
}

#[derive(Debug)]
enum Node {
    Text(String),
    Ref(Reference),
    Set(Reference, Expr),
    If(Vec<(Expr, Vec<Node>)>, Vec<Node>),
    /// `#foreach($name in expr)`: the body once per item.
    Foreach(String, Expr, Vec<Node>),
}

/// Renders `template` for `input`.
pub fn render(template: &str, input: &TemplateInput) -> Result<Rendered, String> {
    let mut parser = Parser {
        text: template,
        at: 0,
    };
    let (nodes, end) = parser.nodes()?;
    if let Some((end, _)) = end {
        return Err(format!("unexpected #{end}"));
    }
    let mut run = Run {
        input,
        vars: BTreeMap::new(),
        out: Rendered {
            body: String::new(),
            overrides: input.overrides.clone(),
            request_overrides: input.request_overrides.clone(),
        },
    };
    run.nodes(&nodes)?;
    Ok(run.out)
}

/// The directive that ended a block (`elseif`, `else`, `end`), and whether it stood on a line
/// of its own.
type End = (&'static str, bool);

struct Parser<'a> {
    text: &'a str,
    at: usize,
}

fn is_id_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn is_id(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn rest(&self) -> &'a str {
        &self.text[self.at..]
    }

    fn skip_spaces(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn expect(&mut self, token: &str) -> Result<(), String> {
        self.skip_spaces();
        if self.rest().starts_with(token) {
            self.at += token.len();
            Ok(())
        } else {
            Err(format!(
                "expected {token:?} at {:?}",
                self.rest().chars().take(20).collect::<String>()
            ))
        }
    }

    /// Nodes up to the end of the text or an `#elseif`/`#else`/`#end` (returned).
    /// With the end, whether it stood on a line of its own.
    fn nodes(&mut self) -> Result<(Vec<Node>, Option<End>), String> {
        let mut nodes = Vec::new();
        let mut text = String::new();
        while let Some(c) = self.peek() {
            let rest = self.rest();
            if rest.starts_with("##") {
                self.at += rest.find('\n').map_or(rest.len(), |n| n + 1);
            } else if c == b'#' && rest[1..].starts_with(|c: char| c.is_ascii_alphabetic()) {
                let name: String = rest[1..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphabetic())
                    .collect();
                // A directive on a line of its own takes the line's indent and end with it.
                let line_start = self.text[..self.at].rfind('\n').map_or(0, |n| n + 1);
                let own_line = self.text[line_start..self.at].trim().is_empty();
                if own_line {
                    let kept = text.trim_end_matches([' ', '\t']).len();
                    text.truncate(kept);
                }
                if !text.is_empty() {
                    nodes.push(Node::Text(std::mem::take(&mut text)));
                }
                self.at += 1 + name.len();
                let mut ends_line = own_line;
                let end = match name.as_str() {
                    "set" => {
                        self.expect("(")?;
                        self.skip_spaces();
                        let target = self.reference()?;
                        self.expect("=")?;
                        let value = self.expr()?;
                        self.expect(")")?;
                        nodes.push(Node::Set(target, value));
                        None
                    }
                    "if" => {
                        let mut branches = Vec::new();
                        let mut otherwise = Vec::new();
                        let mut condition = self.condition()?;
                        let mut alone = own_line;
                        loop {
                            self.line_end(alone);
                            let (body, end) = self.nodes()?;
                            match end {
                                Some(("elseif", own)) => {
                                    branches.push((condition, body));
                                    condition = self.condition()?;
                                    alone = own;
                                }
                                Some(("else", own)) => {
                                    branches.push((condition, body));
                                    self.line_end(own);
                                    let (body, end) = self.nodes()?;
                                    let Some(("end", own)) = end else {
                                        return Err("#else without #end".into());
                                    };
                                    otherwise = body;
                                    ends_line = own;
                                    break;
                                }
                                Some(("end", own)) => {
                                    branches.push((condition, body));
                                    ends_line = own;
                                    break;
                                }
                                _ => return Err("#if without #end".into()),
                            }
                        }
                        nodes.push(Node::If(branches, otherwise));
                        None
                    }
                    "foreach" => {
                        self.expect("(")?;
                        self.expect("$")?;
                        let name: String = self
                            .rest()
                            .chars()
                            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                            .collect();
                        if name.is_empty() {
                            return Err("#foreach names no variable".into());
                        }
                        self.at += name.len();
                        self.expect("in")?;
                        let items = self.expr()?;
                        self.expect(")")?;
                        self.line_end(own_line);
                        let (body, end) = self.nodes()?;
                        let Some(("end", own)) = end else {
                            return Err("#foreach without #end".into());
                        };
                        ends_line = own;
                        nodes.push(Node::Foreach(name, items, body));
                        None
                    }
                    "elseif" => Some("elseif"),
                    "else" => Some("else"),
                    "end" => Some("end"),
                    other => return Err(format!("the directive #{other} is not supported")),
                };
                if let Some(end) = end {
                    return Ok((nodes, Some((end, own_line))));
                }
                self.line_end(ends_line);
            } else if c == b'$' && self.reference_follows() {
                if !text.is_empty() {
                    nodes.push(Node::Text(std::mem::take(&mut text)));
                }
                nodes.push(Node::Ref(self.reference()?));
            } else {
                let next = rest.chars().next().unwrap_or_default();
                text.push(next);
                self.at += next.len_utf8();
            }
        }
        if !text.is_empty() {
            nodes.push(Node::Text(text));
        }
        Ok((nodes, None))
    }

    /// After a directive alone on its line, the line's end goes with it.
    fn line_end(&mut self, own_line: bool) {
        if !own_line {
            return;
        }
        let rest = self.rest();
        let spaces = rest.len() - rest.trim_start_matches([' ', '\t']).len();
        if rest[spaces..].starts_with('\n') {
            self.at += spaces + 1;
        } else if rest[spaces..].starts_with("\r\n") {
            self.at += spaces + 2;
        }
    }

    fn reference_follows(&self) -> bool {
        let rest = self.rest().as_bytes();
        let mut i = 1;
        if rest.get(i) == Some(&b'!') {
            i += 1;
        }
        if rest.get(i) == Some(&b'{') {
            i += 1;
        }
        rest.get(i).copied().is_some_and(is_id_start)
    }

    fn condition(&mut self) -> Result<Expr, String> {
        self.expect("(")?;
        let condition = self.expr()?;
        self.expect(")")?;
        Ok(condition)
    }

    fn reference(&mut self) -> Result<Reference, String> {
        let start = self.at;
        if self.peek() != Some(b'$') {
            return Err("expected a $reference".into());
        }
        self.at += 1;
        let silent = self.peek() == Some(b'!');
        if silent {
            self.at += 1;
        }
        let braced = self.peek() == Some(b'{');
        if braced {
            self.at += 1;
        }
        let mut parts = Vec::new();
        loop {
            let name_start = self.at;
            while self.peek().is_some_and(is_id) {
                self.at += 1;
            }
            let name = self.text[name_start..self.at].to_string();
            if name.is_empty() {
                return Err("expected a name in a $reference".into());
            }
            if self.peek() == Some(b'(') {
                self.at += 1;
                let mut args = Vec::new();
                self.skip_spaces();
                if self.peek() == Some(b')') {
                    self.at += 1;
                } else {
                    loop {
                        args.push(self.expr()?);
                        self.skip_spaces();
                        match self.peek() {
                            Some(b',') => self.at += 1,
                            Some(b')') => {
                                self.at += 1;
                                break;
                            }
                            _ => return Err("expected , or ) in a call".into()),
                        }
                    }
                }
                parts.push(Part::Call(name, args));
            } else {
                parts.push(Part::Name(name));
            }
            while self.peek() == Some(b'[') {
                self.at += 1;
                let index = self.expr()?;
                self.expect("]")?;
                parts.push(Part::Index(index));
            }
            let bytes = self.text.as_bytes();
            if bytes.get(self.at) == Some(&b'.')
                && bytes.get(self.at + 1).copied().is_some_and(is_id_start)
            {
                self.at += 1;
            } else {
                break;
            }
        }
        if braced {
            if self.peek() != Some(b'}') {
                return Err("expected } to close ${…}".into());
            }
            self.at += 1;
        }
        Ok(Reference {
            silent,
            parts,
            source: self.text[start..self.at].to_string(),
        })
    }

    fn expr(&mut self) -> Result<Expr, String> {
        let mut left = self.and()?;
        loop {
            self.skip_spaces();
            if self.rest().starts_with("||") {
                self.at += 2;
                left = Expr::Or(Box::new(left), Box::new(self.and()?));
            } else {
                return Ok(left);
            }
        }
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut left = self.comparison()?;
        loop {
            self.skip_spaces();
            if self.rest().starts_with("&&") {
                self.at += 2;
                left = Expr::And(Box::new(left), Box::new(self.comparison()?));
            } else {
                return Ok(left);
            }
        }
    }

    fn comparison(&mut self) -> Result<Expr, String> {
        let left = self.operand()?;
        self.skip_spaces();
        for (token, equal) in [("==", true), ("!=", false)] {
            if self.rest().starts_with(token) {
                self.at += 2;
                let right = self.operand()?;
                return Ok(Expr::Compare(Box::new(left), equal, Box::new(right)));
            }
        }
        Ok(left)
    }

    fn operand(&mut self) -> Result<Expr, String> {
        self.skip_spaces();
        match self.peek() {
            Some(b'!') => {
                self.at += 1;
                Ok(Expr::Not(Box::new(self.operand()?)))
            }
            Some(b'(') => {
                self.at += 1;
                let inner = self.expr()?;
                self.expect(")")?;
                Ok(inner)
            }
            Some(quote @ (b'"' | b'\'')) => {
                self.at += 1;
                let rest = self.rest();
                let Some(end) = rest.find(quote as char) else {
                    return Err("a string literal is not closed".into());
                };
                let value = &rest[..end];
                // A `$` that starts no reference (`"$"`, a JSONPath) is text, as in Velocity.
                let interpolates = value.match_indices('$').any(|(i, _)| {
                    let after = value[i + 1..].trim_start_matches(['!', '{']);
                    after.as_bytes().first().copied().is_some_and(is_id_start)
                });
                if quote == b'"' && interpolates {
                    return Err(format!(
                        "references inside \"…\" strings are not supported: {value:?}"
                    ));
                }
                self.at += end + 1;
                Ok(Expr::Literal(Val::Str(value.to_string())))
            }
            Some(b'$') => Ok(Expr::Ref(self.reference()?)),
            Some(b'{') => self.map_literal(),
            Some(c) if c.is_ascii_digit() || c == b'-' => {
                let start = self.at;
                self.at += 1;
                while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    self.at += 1;
                }
                self.text[start..self.at]
                    .parse()
                    .map(|n| Expr::Literal(Val::Num(n)))
                    .map_err(|e| e.to_string())
            }
            _ => {
                for (word, value) in [("true", true), ("false", false)] {
                    if self.rest().starts_with(word) {
                        self.at += word.len();
                        return Ok(Expr::Literal(Val::Bool(value)));
                    }
                }
                Err(format!(
                    "expected a value at {:?}",
                    self.rest().chars().take(20).collect::<String>()
                ))
            }
        }
    }
}

impl Parser<'_> {
    /// `{}` or `{key: value, …}`.
    fn map_literal(&mut self) -> Result<Expr, String> {
        self.at += 1;
        let mut entries = Vec::new();
        self.skip_spaces();
        if self.peek() == Some(b'}') {
            self.at += 1;
            return Ok(Expr::Map(entries));
        }
        loop {
            let key = self.expr()?;
            self.expect(":")?;
            let value = self.expr()?;
            entries.push((key, value));
            self.skip_spaces();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b'}') => {
                    self.at += 1;
                    return Ok(Expr::Map(entries));
                }
                _ => return Err("expected , or } in a map".into()),
            }
        }
    }
}

struct Run<'a> {
    input: &'a TemplateInput,
    vars: BTreeMap<String, Val>,
    out: Rendered,
}

impl Run<'_> {
    fn nodes(&mut self, nodes: &[Node]) -> Result<(), String> {
        for node in nodes {
            match node {
                Node::Text(text) => self.out.body.push_str(text),
                Node::Ref(reference) => {
                    let value = self.value(reference)?;
                    match value {
                        // A stage variable the stage lacks prints as nothing (recorded:
                        // test_invoking_canary_deployment's `nonExistingDefault`).
                        // Nor does one of a variable `#set` to nothing (recorded:
                        // test_input_path_template_formatting, `$result` and `$result.nested`
                        // of `$input.path("$.nonExisting")`), nor of `$input`
                        // (test_input_body_formatting, `$input.body.testAccess`).
                        Val::Null
                            if !reference.silent
                                && !reference.source.contains("stageVariables.")
                                && !self.prints_null_as_nothing(reference) =>
                        {
                            self.out.body.push_str(&reference.source)
                        }
                        value => self.out.body.push_str(&value.text()),
                    }
                }
                Node::Set(target, expr) => {
                    let value = self.eval(expr)?;
                    self.set(target, value)?;
                }
                Node::If(branches, otherwise) => {
                    let mut taken = false;
                    for (condition, body) in branches {
                        if self.eval(condition)?.truthy() {
                            self.nodes(body)?;
                            taken = true;
                            break;
                        }
                    }
                    if !taken {
                        self.nodes(otherwise)?;
                    }
                }
                Node::Foreach(name, items, body) => {
                    // A map's values, a list's items (Velocity iterates both); nothing else.
                    let items = match self.eval(items)? {
                        Val::List(items) | Val::Array(items) => items,
                        Val::Map(map) => map.into_values().collect(),
                        _ => Vec::new(),
                    };
                    let count = items.len();
                    let saved = (self.vars.remove(name), self.vars.remove("foreach"));
                    for (index, item) in items.into_iter().enumerate() {
                        self.vars.insert(name.clone(), item);
                        let state = BTreeMap::from([
                            ("hasNext".to_string(), Val::Bool(index + 1 < count)),
                            ("index".to_string(), Val::Num(index as i64)),
                            ("count".to_string(), Val::Num(index as i64 + 1)),
                            ("first".to_string(), Val::Bool(index == 0)),
                            ("last".to_string(), Val::Bool(index + 1 == count)),
                        ]);
                        self.vars.insert("foreach".into(), Val::Map(state));
                        self.nodes(body)?;
                    }
                    for (key, value) in [(name.as_str(), saved.0), ("foreach", saved.1)] {
                        match value {
                            Some(value) => self.vars.insert(key.to_string(), value),
                            None => self.vars.remove(key),
                        };
                    }
                }
            }
        }
        Ok(())
    }

    /// A reference's steps, its indexes and arguments evaluated.
    fn segments(&mut self, parts: &[Part]) -> Result<Vec<Seg>, String> {
        parts
            .iter()
            .map(|part| {
                Ok(match part {
                    Part::Name(name) => Seg::Key(name.clone()),
                    Part::Index(index) => Seg::Key(self.eval(index)?.text()),
                    Part::Call(name, args) => Seg::Call(
                        name.clone(),
                        args.iter()
                            .map(|arg| self.eval(arg))
                            .collect::<Result<_, _>>()?,
                    ),
                })
            })
            .collect()
    }

    /// The keys of steps that must all be keys (a `#set` target, an override's path).
    fn keys<'s>(segs: &'s [Seg], source: &str) -> Result<Vec<&'s str>, String> {
        segs.iter()
            .map(|seg| {
                seg.key()
                    .ok_or_else(|| format!("calling a method is not supported in {source}"))
            })
            .collect()
    }

    /// A reference of properties alone (no method called) of a variable `#set` before, or of
    /// `$input`: AWS prints it as nothing when it has no value, where Velocity prints it as
    /// written.
    fn prints_null_as_nothing(&self, reference: &Reference) -> bool {
        let base = match reference.parts.first() {
            Some(Part::Name(name)) => name,
            _ => return false,
        };
        (self.vars.contains_key(base) || base == "input")
            && reference.parts[1..]
                .iter()
                .all(|part| matches!(part, Part::Name(_)))
    }

    fn set(&mut self, target: &Reference, value: Val) -> Result<(), String> {
        let segs = self.segments(&target.parts)?;
        let keys = Self::keys(&segs, &target.source)?;
        match keys.as_slice() {
            [name] => {
                self.vars.insert(name.to_string(), value);
            }
            ["context", which @ ("responseOverride" | "requestOverride"), path @ ..]
                if !path.is_empty() =>
            {
                self.overrides_mut(which)
                    .insert(path.join("."), value.text());
            }
            [name, path @ .., last] if !["input", "context", "util"].contains(name) => {
                let Some(Val::Map(map)) = self.var_at(name, path) else {
                    return Err(format!("cannot #set {}: not a map", target.source));
                };
                map.insert(last.to_string(), value);
            }
            _ => return Err(format!("cannot #set {}", target.source)),
        }
        Ok(())
    }

    /// The variable `name`, followed through the maps `path` names.
    fn var_at(&mut self, name: &str, path: &[&str]) -> Option<&mut Val> {
        let mut value = self.vars.get_mut(name)?;
        for key in path {
            let Val::Map(map) = value else { return None };
            value = map.get_mut(*key)?;
        }
        Some(value)
    }

    /// `$context.responseOverride`'s or `$context.requestOverride`'s entries.
    fn overrides_mut(&mut self, which: &str) -> &mut BTreeMap<String, String> {
        if which == "requestOverride" {
            &mut self.out.request_overrides
        } else {
            &mut self.out.overrides
        }
    }

    fn value(&mut self, reference: &Reference) -> Result<Val, String> {
        let segs = self.segments(&reference.parts)?;
        let unsupported = || format!("{} is not supported here", reference.source);
        match segs.as_slice() {
            [Seg::Key(input), Seg::Call(call, args), rest @ ..]
                if input == "input" && call == "params" =>
            {
                navigate(self.params(args)?, rest, &reference.source)
            }
            // An empty body is `{}` (recorded: test_input_body_formatting, a POST without one
            // rendered `{}` by `$input.body`); a member of it is nothing.
            [Seg::Key(input), Seg::Key(body), rest @ ..] if input == "input" && body == "body" => {
                let body = match self.input.body.as_str() {
                    "" => "{}".to_string(),
                    body => body.to_string(),
                };
                navigate(Val::Str(body), rest, &reference.source)
            }
            [Seg::Key(input), Seg::Call(call, args), rest @ ..]
                if input == "input" && (call == "json" || call == "path") =>
            {
                let [path] = args.as_slice() else {
                    return Err(format!("$input.{call} takes one JSONPath"));
                };
                let selected = json_path(&self.input.body, &path.text())?;
                let value = match call.as_str() {
                    // The selection as JSON text ("null" when there is none).
                    "json" => Val::Str(selected.as_ref().map_or("null".into(), |v| v.to_string())),
                    _ => selected
                        .as_ref()
                        .map_or(Val::Null, |v| Val::of_json(v, true)),
                };
                navigate(value, rest, &reference.source)
            }
            [Seg::Key(util), Seg::Call(call, args), rest @ ..] if util == "util" => {
                let value = util_call(call, args).ok_or_else(unsupported)?;
                navigate(value, rest, &reference.source)
            }
            [Seg::Key(context), Seg::Key(which), rest @ ..]
                if context == "context"
                    && (which == "responseOverride" || which == "requestOverride") =>
            {
                self.override_value(which, rest, &reference.source)
            }
            [Seg::Key(context), rest @ ..] if context == "context" && !rest.is_empty() => {
                let path = Self::keys(rest, &reference.source)?.join(".");
                Ok(lookup(&self.input.context, &path))
            }
            [Seg::Key(stage), Seg::Key(key)] if stage == "stageVariables" => {
                Ok(lookup(&self.input.stage_variables, key))
            }
            [Seg::Key(name), rest @ ..]
                if !["input", "context", "util"].contains(&name.as_str()) =>
            {
                self.var_value(name, rest, &reference.source)
            }
            _ => Err(unsupported()),
        }
    }

    /// `$input.params(name)` (the path's, else the query string's, else the header's value,
    /// an empty string when the request has none) or `$input.params()` (all three maps).
    fn params(&self, args: &[Val]) -> Result<Val, String> {
        let input = self.input;
        match args {
            [] => Ok(Val::Map(BTreeMap::from([
                ("path".to_string(), Val::of_strings(&input.path)),
                ("querystring".to_string(), Val::of_strings(&input.query)),
                (
                    "header".to_string(),
                    Val::of_strings(input.headers.iter().map(|(k, v)| (k, v))),
                ),
            ]))),
            [name] => {
                let name = name.text();
                let found = input
                    .path
                    .get(&name)
                    .or_else(|| input.query.get(&name))
                    .or_else(|| {
                        input
                            .headers
                            .iter()
                            .find(|(k, _)| k.eq_ignore_ascii_case(&name))
                            .map(|(_, v)| v)
                    });
                Ok(Val::Str(found.cloned().unwrap_or_default()))
            }
            _ => Err("$input.params takes one name or none".into()),
        }
    }

    /// A variable's value followed through `rest`; a map's `put(key, value)` at the end sets
    /// the entry (answering the value it replaced, as Java's `Map.put` does).
    fn var_value(&mut self, name: &str, rest: &[Seg], source: &str) -> Result<Val, String> {
        if let [path @ .., Seg::Call(call, args)] = rest {
            if call == "put" {
                let [key, value] = args.as_slice() else {
                    return Err(format!("put takes a key and a value in {source}"));
                };
                let path = Self::keys(path, source)?;
                let Some(Val::Map(map)) = self.var_at(name, &path) else {
                    return Err(format!("{source}: not a map"));
                };
                return Ok(map.insert(key.text(), value.clone()).unwrap_or(Val::Null));
            }
        }
        let value = self.vars.get(name).cloned().unwrap_or(Val::Null);
        navigate(value, rest, source)
    }

    /// An override's value: an entry (`.path.body`, `.querystring["foo"]`), the entries under
    /// a prefix as a map (`.querystring`), or a `put` into them.
    fn override_value(&mut self, which: &str, rest: &[Seg], source: &str) -> Result<Val, String> {
        if let [path @ .., Seg::Call(call, args)] = rest {
            let mut keys: Vec<String> = Self::keys(path, source)?
                .into_iter()
                .map(str::to_string)
                .collect();
            return match (call.as_str(), args.as_slice()) {
                ("put", [key, value]) => {
                    keys.push(key.text());
                    let replaced = self
                        .overrides_mut(which)
                        .insert(keys.join("."), value.text());
                    Ok(replaced.map_or(Val::Null, Val::Str))
                }
                ("get", [key]) => {
                    keys.push(key.text());
                    Ok(lookup(self.overrides_mut(which), &keys.join(".")))
                }
                _ => Err(format!("calling {call}(…) is not supported in {source}")),
            };
        }
        let path = Self::keys(rest, source)?.join(".");
        let entries = self.overrides_mut(which);
        if let Some(value) = entries.get(&path) {
            return Ok(Val::Str(value.clone()));
        }
        let prefix = if path.is_empty() {
            path
        } else {
            format!("{path}.")
        };
        let under: BTreeMap<String, Val> = entries
            .iter()
            .filter_map(|(k, v)| Some((k.strip_prefix(&prefix)?.to_string(), Val::Str(v.clone()))))
            .collect();
        Ok(if under.is_empty() && !prefix.is_empty() {
            Val::Null
        } else {
            Val::Map(under)
        })
    }

    fn eval(&mut self, expr: &Expr) -> Result<Val, String> {
        Ok(match expr {
            Expr::Literal(value) => value.clone(),
            Expr::Map(entries) => {
                let mut map = BTreeMap::new();
                for (key, value) in entries {
                    let key = self.eval(key)?.text();
                    map.insert(key, self.eval(value)?);
                }
                Val::Map(map)
            }
            Expr::Ref(reference) => self.value(reference)?,
            Expr::Not(inner) => Val::Bool(!self.eval(inner)?.truthy()),
            Expr::Compare(left, equal, right) => {
                let (left, right) = (self.eval(left)?, self.eval(right)?);
                let same = match (&left, &right) {
                    (Val::Null, Val::Null) => true,
                    // Nothing equals the empty string (recorded:
                    // test_input_path_template_formatting, `#if( $result == "" )` of a path
                    // that names nothing).
                    (Val::Null, Val::Str(text)) | (Val::Str(text), Val::Null) => text.is_empty(),
                    (Val::Null, _) | (_, Val::Null) => false,
                    _ => left.text() == right.text(),
                };
                Val::Bool(same == *equal)
            }
            Expr::And(left, right) => {
                Val::Bool(self.eval(left)?.truthy() && self.eval(right)?.truthy())
            }
            Expr::Or(left, right) => {
                Val::Bool(self.eval(left)?.truthy() || self.eval(right)?.truthy())
            }
        })
    }
}

/// A string map's entry as a template value (null when absent).
fn lookup(map: &BTreeMap<String, String>, key: &str) -> Val {
    map.get(key).map_or(Val::Null, |v| Val::Str(v.clone()))
}

/// `value` followed through `rest`: a key (or `get(key)`) reads a map's entry (null on
/// anything else, as Velocity's property of a missing value is); `size()` counts.
fn navigate(mut value: Val, rest: &[Seg], source: &str) -> Result<Val, String> {
    for seg in rest {
        value = match (seg, value) {
            (Seg::Key(key), Val::Map(mut map)) => map.remove(key).unwrap_or(Val::Null),
            // `$list[0]`: an item by its index.
            (Seg::Key(key), Val::List(mut items) | Val::Array(mut items)) => key
                .parse::<usize>()
                .ok()
                .filter(|i| *i < items.len())
                .map_or(Val::Null, |i| items.swap_remove(i)),
            (Seg::Call(call, args), Val::Map(mut map)) if call == "get" && args.len() == 1 => {
                map.remove(&args[0].text()).unwrap_or(Val::Null)
            }
            (Seg::Key(_), _) => Val::Null,
            (Seg::Call(call, args), Val::Map(map)) if call == "keySet" && args.is_empty() => {
                Val::List(map.into_keys().map(Val::Str).collect())
            }
            (Seg::Call(call, args), value) if call == "toString" && args.is_empty() => {
                Val::Str(value.text())
            }
            (Seg::Call(call, args), value) if call == "contains" && args.len() == 1 => {
                let wanted = args[0].text();
                Val::Bool(match &value {
                    Val::List(items) | Val::Array(items) => {
                        items.iter().any(|i| i.text() == wanted)
                    }
                    Val::Map(map) => map.contains_key(&wanted),
                    other => other.text().contains(&wanted),
                })
            }
            (Seg::Call(call, args), value) if call == "size" && args.is_empty() => {
                let size = match &value {
                    Val::Map(map) => map.len(),
                    Val::List(items) | Val::Array(items) => items.len(),
                    other => other.text().chars().count(),
                };
                Val::Num(size as i64)
            }
            (Seg::Call(call, _), _) => {
                return Err(format!("calling {call}(…) is not supported in {source}"))
            }
        };
    }
    Ok(value)
}

/// What a JSONPath of `$input.json` / `$input.path` selects of the payload: `$`, then
/// `.name`, `['name']` and `[index]` steps. A payload that is not JSON is a string; a step
/// that finds nothing selects nothing.
fn json_path(body: &str, path: &str) -> Result<Option<serde_json::Value>, String> {
    use serde_json::Value;
    let document = if body.trim().is_empty() {
        Value::Object(Default::default())
    } else {
        serde_json::from_str(body).unwrap_or_else(|_| Value::String(body.to_string()))
    };
    let Some(mut rest) = path.trim().strip_prefix('$') else {
        return Err(format!("the JSONPath {path:?} does not start at $"));
    };
    let mut current = Some(document);
    while !rest.is_empty() {
        let (step, after): (Step, &str) = if let Some(tail) = rest.strip_prefix('.') {
            let end = tail.find(['.', '[']).unwrap_or(tail.len());
            if end == 0 {
                return Err(format!("the JSONPath {path:?} is not supported here"));
            }
            (Step::Name(tail[..end].to_string()), &tail[end..])
        } else if let Some(tail) = rest.strip_prefix('[') {
            let end = tail
                .find(']')
                .ok_or_else(|| format!("the JSONPath {path:?} has an open ["))?;
            let inside = tail[..end].trim();
            let step = match inside
                .strip_prefix('\'')
                .and_then(|n| n.strip_suffix('\''))
                .or_else(|| inside.strip_prefix('"').and_then(|n| n.strip_suffix('"')))
            {
                Some(name) => Step::Name(name.to_string()),
                None => Step::Index(
                    inside
                        .parse()
                        .map_err(|_| format!("the JSONPath {path:?} is not supported here"))?,
                ),
            };
            (step, &tail[end + 1..])
        } else {
            return Err(format!("the JSONPath {path:?} is not supported here"));
        };
        current = match (step, current) {
            (Step::Name(name), Some(Value::Object(mut map))) => map.remove(&name),
            (Step::Index(i), Some(Value::Array(mut items))) if i < items.len() => {
                Some(items.swap_remove(i))
            }
            _ => None,
        };
        rest = after;
    }
    Ok(current)
}

enum Step {
    Name(String),
    Index(usize),
}

/// A string in JavaScript's string rules, as `$util.escapeJavaScript` (Apache Commons'
/// `escapeJavaScript`) writes it: quotes, `\\` and `/` escaped, control characters by their
/// escapes, and everything beyond ASCII as a `\\u` escape of four hex digits.
fn escape_javascript(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            '/' => out.push_str("\\/"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7f => {
                super::java::push_unicode_escape(&mut out, c, true)
            }
            c => out.push(c),
        }
    }
    out
}

/// The `$util` functions supported, by name; `None` for any other (or other arguments).
fn util_call(name: &str, args: &[Val]) -> Option<Val> {
    use base64::Engine as _;
    let engine = base64::engine::general_purpose::STANDARD;
    let [arg] = args else { return None };
    let text = arg.text();
    Some(match name {
        "base64Encode" => Val::Str(engine.encode(text.as_bytes())),
        "base64Decode" => {
            Val::Str(String::from_utf8_lossy(&engine.decode(text.trim()).ok()?).into_owned())
        }
        "parseJson" => Val::of_json(&serde_json::from_str(&text).ok()?, false),
        "escapeJavaScript" => Val::Str(escape_javascript(&text)),
        "urlEncode" => Val::Str(url::form_urlencoded::byte_serialize(text.as_bytes()).collect()),
        // As Java's URLDecoder: `+` is a space, `%XX` a byte, and `&` only a character (the
        // form parser would cut the value there, so it is escaped first).
        "urlDecode" => Val::Str(
            url::form_urlencoded::parse(format!("x={}", text.replace('&', "%26")).as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default(),
        ),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(origin: &str) -> TemplateInput {
        TemplateInput {
            headers: vec![("origin".into(), origin.into())],
            context: BTreeMap::from([("requestId".into(), "req-1".into())]),
            ..Default::default()
        }
    }

    const CORS: &str = "#set($origin = $input.params(\"Origin\"))\n#if($origin == \"https://a.example\" || $origin == \"https://b.example\")\n#set($context.responseOverride.header.Access-Control-Allow-Origin = $origin)\n#end\n";

    #[test]
    fn a_listed_origin_is_set_as_an_override_and_others_are_not() {
        let rendered = render(CORS, &input("https://b.example")).unwrap();
        assert_eq!(rendered.body, "");
        assert_eq!(
            rendered.header_overrides().collect::<Vec<_>>(),
            [("Access-Control-Allow-Origin", "https://b.example")]
        );
        let other = render(CORS, &input("https://c.example")).unwrap();
        assert_eq!(other.header_overrides().count(), 0);
    }

    #[test]
    fn text_references_and_branches_render_as_velocity_does() {
        let template = "{\"statusCode\": 200, \"id\": \"$context.requestId\", \"x\": \"$missing\", \"y\": \"$!missing\"}\n#if($context.requestId != 'req-1')\nno\n#elseif(!false && 1 == 1)\nyes\n#else\nnever\n#end\n";
        let rendered = render(template, &input("o")).unwrap();
        assert_eq!(
            rendered.body,
            "{\"statusCode\": 200, \"id\": \"req-1\", \"x\": \"$missing\", \"y\": \"\"}\nyes\n"
        );
        assert_eq!(
            render("#set($context.responseOverride.status = 404)", &input("o"))
                .unwrap()
                .status_override(),
            Some("404")
        );
    }

    #[test]
    fn input_params_without_a_name_is_the_three_maps() {
        let input = TemplateInput {
            path: BTreeMap::from([("id".into(), "42".into())]),
            query: BTreeMap::from([("q".into(), "x".into())]),
            headers: vec![("Accept".into(), "*/*".into())],
            ..Default::default()
        };
        let template = "$input.params().path.id $input.params().querystring.q $input.params().header.Accept $input.params().path.get('id') $input.params().size() $input.params()";
        assert_eq!(
            render(template, &input).unwrap().body,
            "42 x */* 42 3 {header={Accept=*/*}, path={id=42}, querystring={q=x}}"
        );
    }

    #[test]
    fn maps_are_assigned_by_index_and_put() {
        let template = "#set($m = {})#set($k = 'a')#set($m[$k] = 1)$m.put('b', 'two')#set($m.c = true)$m $m['a'] $m.b\n#set($context.requestOverride.querystring[$k] = 'x')$!context.requestOverride.querystring.put('b', 'y')#set($context[\"requestOverride\"].querystring[\"c\"] = 'z')$context.requestOverride.querystring";
        let rendered = render(template, &input("o")).unwrap();
        assert_eq!(
            rendered.body,
            "$m.put('b', 'two'){a=1, b=two, c=true} 1 two\n{a=x, b=y, c=z}"
        );
        assert_eq!(rendered.request_overrides.len(), 3);
    }

    #[test]
    fn util_decodes_and_parses_json() {
        let template = "#set($body = $util.parseJson($util.base64Decode('eyJtZXNzYWdlIjogInBhdGgxIiwgIm4iOiBbMSwgMl19')))$body.message $body.n $util.base64Encode('hi') $util.urlEncode('a b&c') $util.urlDecode('a+b%26c') $util.urlDecode('a&b=c')";
        assert_eq!(
            render(template, &input("o")).unwrap().body,
            "path1 [1, 2] aGk= a+b%26c a b&c a&b=c"
        );
    }

    #[test]
    fn the_payload_is_read_by_json_path() {
        let input = TemplateInput {
            body: r#"{"a": {"b": [1, {"c": "x"}]}, "s": "t", "n": null}"#.into(),
            ..Default::default()
        };
        let template = "$input.json('$') | $input.json('$.a.b[1]') | $input.path('$.a.b[1].c') | $input.path('$[\"s\"]') | $input.json('$.missing') | $input.path('$.a').b.size() | $input.body";
        let body = render(template, &input).unwrap().body;
        let parts: Vec<&str> = body.split(" | ").collect();
        // Compared as JSON: the members' order is serde_json's (name order, or the payload's
        // with the `record` feature's `preserve_order`).
        let parsed = |text: &str| serde_json::from_str::<serde_json::Value>(text).unwrap();
        assert_eq!(
            parsed(parts[0]),
            parsed(r#"{"a":{"b":[1,{"c":"x"}]},"s":"t","n":null}"#)
        );
        assert_eq!(
            parts[1..],
            [
                r#"{"c":"x"}"#,
                "x",
                "t",
                "null",
                "2",
                r#"{"a": {"b": [1, {"c": "x"}]}, "s": "t", "n": null}"#
            ]
        );
        let text = TemplateInput {
            body: "plain".into(),
            ..Default::default()
        };
        assert_eq!(render("$input.json('$')", &text).unwrap().body, "\"plain\"");
    }

    #[test]
    fn foreach_walks_a_maps_keys_and_values() {
        let input = TemplateInput {
            query: BTreeMap::from([("a".into(), "1".into()), ("b".into(), "x\"/y".into())]),
            ..Default::default()
        };
        let template = "#set($q = $input.params().querystring)\n{\n#foreach($k in $q.keySet())\n\"$k\": \"$util.escapeJavaScript($q.get($k))\"#if($foreach.hasNext),#end\n#end\n}\n#foreach($v in $q)$foreach.count=$v #end$q.toString().contains('x\"') $q.keySet().contains('b')";
        assert_eq!(
            render(template, &input).unwrap().body,
            "{\n\"a\": \"1\",\n\"b\": \"x\\\"\\/y\"\n}\n1=1 2=x\"/y true true"
        );
        assert_eq!(escape_javascript("é'\n"), "\\u00E9\\'\\n");
    }

    #[test]
    fn what_is_not_supported_is_refused_by_name() {
        for (template, named) in [
            ("#macro(x)#end", "#macro"),
            ("$util.qr('x')", "$util.qr('x')"),
            ("#if(true)", "#if without #end"),
            ("#end", "#end"),
        ] {
            let error = render(template, &input("o")).unwrap_err();
            assert!(error.contains(named), "{template}: {error}");
        }
    }
}
