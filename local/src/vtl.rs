//! Mapping templates, as API Gateway runs them for non-proxy integrations (MOCK here): the
//! part of the Velocity Template Language they are written in — text with `$references`,
//! `#set`, `#if`/`#elseif`/`#else`/`#end`, `==`/`!=`/`||`/`&&`/`!`, string, number and boolean
//! literals, `$input.params(name)`, `$context.*`, `$stageVariables.*`, and the
//! `$context.responseOverride.header.*` / `.status` overrides. Anything else (macros,
//! `#foreach`, `$util`, `$input.json`, …) is refused with a message naming it, rather than
//! rendered differently from AWS.

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
}

/// A rendered template: the text, and every `$context.responseOverride.*` set so far (the
/// input's, and the template's own).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Rendered {
    pub body: String,
    pub overrides: BTreeMap<String, String>,
}

impl Rendered {
    /// The response headers the overrides set (`header.NAME`).
    pub fn header_overrides(&self) -> impl Iterator<Item = (&str, &str)> {
        self.overrides
            .iter()
            .filter_map(|(k, v)| Some((k.strip_prefix("header.")?, v.as_str())))
    }

    pub fn status_override(&self) -> Option<&str> {
        self.overrides.get("status").map(String::as_str)
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Val {
    Null,
    Str(String),
    Bool(bool),
    Num(i64),
}

impl Val {
    fn text(&self) -> String {
        match self {
            Val::Null => String::new(),
            Val::Str(s) => s.clone(),
            Val::Bool(b) => b.to_string(),
            Val::Num(n) => n.to_string(),
        }
    }

    fn truthy(&self) -> bool {
        !matches!(self, Val::Null | Val::Bool(false))
    }
}

#[derive(Debug, Clone)]
enum Part {
    Name(String),
    Call(String, Vec<Expr>),
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
                if quote == b'"' && value.contains('$') {
                    return Err(format!(
                        "references inside \"…\" strings are not supported: {value:?}"
                    ));
                }
                self.at += end + 1;
                Ok(Expr::Literal(Val::Str(value.to_string())))
            }
            Some(b'$') => Ok(Expr::Ref(self.reference()?)),
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
                        Val::Null if !reference.silent => self.out.body.push_str(&reference.source),
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
            }
        }
        Ok(())
    }

    fn names<'p>(parts: &'p [Part], source: &str) -> Result<Vec<&'p str>, String> {
        parts
            .iter()
            .map(|part| match part {
                Part::Name(name) => Ok(name.as_str()),
                Part::Call(name, _) => {
                    Err(format!("calling {name}(…) is not supported in {source}"))
                }
            })
            .collect()
    }

    fn set(&mut self, target: &Reference, value: Val) -> Result<(), String> {
        let names = Self::names(&target.parts, &target.source)?;
        match names.as_slice() {
            [name] => {
                self.vars.insert(name.to_string(), value);
            }
            ["context", "responseOverride", path @ ..] if !path.is_empty() => {
                self.out.overrides.insert(path.join("."), value.text());
            }
            _ => return Err(format!("cannot #set {}", target.source)),
        }
        Ok(())
    }

    fn value(&self, reference: &Reference) -> Result<Val, String> {
        let input = self.input;
        let lookup = |map: &BTreeMap<String, String>, key: &str| {
            map.get(key).map_or(Val::Null, |v| Val::Str(v.clone()))
        };
        match reference.parts.as_slice() {
            [Part::Name(name)] if name != "input" && name != "context" => {
                Ok(self.vars.get(name).cloned().unwrap_or(Val::Null))
            }
            [Part::Name(input_), Part::Call(call, args)]
                if input_ == "input" && call == "params" =>
            {
                let [arg] = args.as_slice() else {
                    return Err("$input.params() without a name is not supported".into());
                };
                let name = self.eval(arg)?.text();
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
                // API Gateway gives an empty string for a parameter the request does not have.
                Ok(Val::Str(found.cloned().unwrap_or_default()))
            }
            [Part::Name(context), Part::Name(over), rest @ ..]
                if context == "context" && over == "responseOverride" && !rest.is_empty() =>
            {
                let path = Self::names(rest, &reference.source)?.join(".");
                Ok(lookup(&self.out.overrides, &path))
            }
            [Part::Name(context), rest @ ..] if context == "context" && !rest.is_empty() => {
                let path = Self::names(rest, &reference.source)?.join(".");
                Ok(lookup(&input.context, &path))
            }
            [Part::Name(stage), Part::Name(key)] if stage == "stageVariables" => {
                Ok(lookup(&input.stage_variables, key))
            }
            _ => Err(format!("{} is not supported here", reference.source)),
        }
    }

    fn eval(&self, expr: &Expr) -> Result<Val, String> {
        Ok(match expr {
            Expr::Literal(value) => value.clone(),
            Expr::Ref(reference) => self.value(reference)?,
            Expr::Not(inner) => Val::Bool(!self.eval(inner)?.truthy()),
            Expr::Compare(left, equal, right) => {
                let (left, right) = (self.eval(left)?, self.eval(right)?);
                let same = match (&left, &right) {
                    (Val::Null, Val::Null) => true,
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
    fn what_is_not_supported_is_refused_by_name() {
        for (template, named) in [
            ("#foreach($x in $y)#end", "#foreach"),
            ("$util.escapeJavaScript('x')", "$util.escapeJavaScript('x')"),
            ("#if(true)", "#if without #end"),
            ("#end", "#end"),
        ] {
            let error = render(template, &input("o")).unwrap_err();
            assert!(error.contains(named), "{template}: {error}");
        }
    }
}
