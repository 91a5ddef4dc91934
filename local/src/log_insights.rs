//! Logs Insights' query language (CWLI), the part the local cloud runs for real over the stored
//! events: `fields`, `filter` (`=`, `!=`, `<`, `<=`, `>`, `>=`, `like "text"`, `like /regex/`,
//! `=~ /regex/`, `not like`, with `and`, `or`, `not` and parentheses), `sort FIELD [asc|desc]`,
//! `limit N` and `stats count(*)` / `count(FIELD)` `[as NAME]` `[by FIELD, …]`, commands
//! joined by `|`, `#` comments. Fields: `@timestamp`, `@message`, `@logStream`, `@log`,
//! `@ingestionTime`, and those a JSON message holds (nested ones as `a.b`). Anything else is
//! refused as malformed, never ignored. A leaf: text and events in, rows out.

use std::collections::BTreeMap;

/// An event as a query reads it.
pub struct Event<'a> {
    pub group: &'a str,
    pub stream: &'a str,
    pub timestamp: i64,
    pub ingestion_time: i64,
    pub message: &'a str,
    /// Unique within the query (`@ptr`).
    pub id: u64,
}

/// A parsed query.
#[derive(Debug)]
pub struct Query {
    commands: Vec<Command>,
}

#[derive(Debug)]
enum Command {
    Fields(Vec<String>),
    Filter(Expr),
    Sort(String, bool),
    Limit(usize),
    Stats {
        counted: Option<String>,
        name: String,
        by: Vec<String>,
    },
}

#[derive(Debug)]
enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Compare(String, Op, Value),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Like,
}

#[derive(Debug)]
enum Value {
    Text(String),
    Number(f64),
    Regex(regex::Regex),
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Text(String),
    Regex(String),
    Symbol(&'static str),
}

/// What a run found: its rows (field, value), how many events it read and matched, and the
/// bytes of their messages.
#[derive(Debug, Default, PartialEq)]
pub struct Outcome {
    pub rows: Vec<Vec<(String, String)>>,
    pub scanned: usize,
    pub matched: usize,
    pub bytes: usize,
}

/// The refusal of a query the local cloud does not run.
pub type Malformed = String;

fn tokens(text: &str) -> Result<Vec<Token>, Malformed> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let until = |i: usize, end: char| -> Result<(String, usize), Malformed> {
        let mut j = i + 1;
        let mut s = String::new();
        while j < chars.len() && chars[j] != end {
            if chars[j] == '\\' && end != '/' && j + 1 < chars.len() {
                j += 1;
            }
            s.push(chars[j]);
            j += 1;
        }
        if j >= chars.len() {
            return Err(format!("unterminated {end} at position {i}"));
        }
        Ok((s, j + 1))
    };
    while i < chars.len() {
        let c = chars[i];
        match c {
            '#' => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            c if c.is_whitespace() => i += 1,
            '"' | '\'' => {
                let (s, next) = until(i, c)?;
                out.push(Token::Text(s));
                i = next;
            }
            '`' => {
                let (s, next) = until(i, '`')?;
                out.push(Token::Word(s));
                i = next;
            }
            '/' => {
                let (s, next) = until(i, '/')?;
                out.push(Token::Regex(s));
                i = next;
            }
            c if c.is_alphanumeric() || "@_.-".contains(c) => {
                let start = i;
                while i < chars.len() && (chars[i].is_alphanumeric() || "@_.-".contains(chars[i])) {
                    i += 1;
                }
                out.push(Token::Word(chars[start..i].iter().collect()));
            }
            _ => {
                let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
                let symbol = ["!=", "<=", ">=", "=~"]
                    .into_iter()
                    .find(|s| *s == two)
                    .or_else(|| {
                        ["|", ",", "(", ")", "*", "=", "<", ">"]
                            .into_iter()
                            .find(|s| s.starts_with(c))
                    })
                    .ok_or_else(|| format!("unexpected symbol found {c} at position {i}"))?;
                out.push(Token::Symbol(symbol));
                i += symbol.len();
            }
        }
    }
    Ok(out)
}

/// Reads tokens one command at a time.
struct Reader {
    tokens: Vec<Token>,
    at: usize,
}

impl Reader {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn word(&mut self, what: &str) -> Result<String, Malformed> {
        match self.next() {
            Some(Token::Word(w)) => Ok(w),
            other => Err(format!("expected {what}, found {other:?}")),
        }
    }

    fn keyword(&mut self, word: &str) -> bool {
        let found = matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word));
        if found {
            self.at += 1;
        }
        found
    }

    fn symbol(&mut self, symbol: &str) -> bool {
        let found = matches!(self.peek(), Some(Token::Symbol(s)) if *s == symbol);
        if found {
            self.at += 1;
        }
        found
    }

    fn fields(&mut self) -> Result<Vec<String>, Malformed> {
        let mut fields = vec![self.word("a field")?];
        while self.symbol(",") {
            fields.push(self.word("a field")?);
        }
        Ok(fields)
    }

    fn or(&mut self) -> Result<Expr, Malformed> {
        let mut left = self.and()?;
        while self.keyword("or") {
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, Malformed> {
        let mut left = self.unary()?;
        while self.keyword("and") {
            left = Expr::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, Malformed> {
        if self.keyword("not") {
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        if self.symbol("(") {
            let inner = self.or()?;
            if !self.symbol(")") {
                return Err("expected )".into());
            }
            return Ok(inner);
        }
        let field = self.word("a field")?;
        let negated = self.keyword("not");
        let op = if self.keyword("like") {
            Op::Like
        } else if negated {
            return Err("expected like after not".into());
        } else {
            match self.next() {
                Some(Token::Symbol("=")) => Op::Eq,
                Some(Token::Symbol("!=")) => Op::Ne,
                Some(Token::Symbol("<")) => Op::Lt,
                Some(Token::Symbol("<=")) => Op::Le,
                Some(Token::Symbol(">")) => Op::Gt,
                Some(Token::Symbol(">=")) => Op::Ge,
                Some(Token::Symbol("=~")) => Op::Like,
                other => return Err(format!("expected a comparison, found {other:?}")),
            }
        };
        let value = match self.next() {
            Some(Token::Text(t)) => Value::Text(t),
            Some(Token::Regex(r)) => Value::Regex(
                regex::Regex::new(&r).map_err(|e| format!("invalid regex /{r}/: {e}"))?,
            ),
            Some(Token::Word(w)) => match w.parse::<f64>() {
                Ok(n) if op != Op::Like => Value::Number(n),
                _ => return Err(format!("expected a value, found {w}")),
            },
            other => return Err(format!("expected a value, found {other:?}")),
        };
        let compare = Expr::Compare(field, op, value);
        Ok(if negated {
            Expr::Not(Box::new(compare))
        } else {
            compare
        })
    }

    fn stats(&mut self) -> Result<Command, Malformed> {
        let function = self.word("a statistic")?;
        if !function.eq_ignore_ascii_case("count") || !self.symbol("(") {
            return Err(format!(
                "stats {function}: only count(*) and count(field) are run"
            ));
        }
        let counted = if self.symbol("*") {
            None
        } else {
            Some(self.word("a field")?)
        };
        if !self.symbol(")") {
            return Err("expected )".into());
        }
        let mut name = format!("count({})", counted.as_deref().unwrap_or("*"));
        if self.keyword("as") {
            name = self.word("a name")?;
        }
        let by = if self.keyword("by") {
            self.fields()?
        } else {
            Vec::new()
        };
        Ok(Command::Stats { counted, name, by })
    }

    fn command(&mut self) -> Result<Command, Malformed> {
        let name = self.word("a command")?;
        Ok(match name.to_ascii_lowercase().as_str() {
            "fields" => Command::Fields(self.fields()?),
            "filter" => Command::Filter(self.or()?),
            "sort" => {
                let field = self.word("a field")?;
                let desc = self.keyword("desc");
                if !desc {
                    self.keyword("asc");
                }
                Command::Sort(field, desc)
            }
            "limit" => {
                let n = self.word("a number")?;
                Command::Limit(
                    n.parse()
                        .ok()
                        .filter(|n| *n > 0)
                        .ok_or_else(|| format!("limit {n}: a positive number"))?,
                )
            }
            "stats" => self.stats()?,
            other => return Err(format!("the command {other} is not run by faqctl's local cloud (fields, filter, sort, limit, stats count are)")),
        })
    }
}

/// Parses a query, or says why it is not run.
pub fn parse(text: &str) -> Result<Query, Malformed> {
    let mut reader = Reader {
        tokens: tokens(text)?,
        at: 0,
    };
    let mut commands = Vec::new();
    loop {
        commands.push(reader.command()?);
        match reader.next() {
            None => break,
            Some(Token::Symbol("|")) => continue,
            Some(other) => return Err(format!("unexpected {other:?} after a command")),
        }
    }
    Ok(Query { commands })
}

/// An event's fields, or an aggregate's: text as answered, numbers where they are numbers.
struct Record {
    fields: BTreeMap<String, String>,
    /// `@timestamp` and `@ingestionTime` in milliseconds, for comparing and sorting.
    times: BTreeMap<&'static str, i64>,
    ptr: Option<u64>,
}

impl Record {
    fn of(event: &Event, account: &str) -> Record {
        let mut fields = BTreeMap::new();
        if event.message.trim_start().starts_with('{') {
            if let Ok(json) = serde_json::from_str::<serde_json::Value>(event.message) {
                flatten("", &json, &mut fields);
            }
        }
        for (name, value) in [
            ("@timestamp", time_text(event.timestamp)),
            ("@ingestionTime", time_text(event.ingestion_time)),
            ("@message", event.message.to_string()),
            ("@logStream", event.stream.to_string()),
            ("@log", format!("{account}:{}", event.group)),
        ] {
            fields.insert(name.to_string(), value);
        }
        let times = BTreeMap::from([
            ("@timestamp", event.timestamp),
            ("@ingestionTime", event.ingestion_time),
        ]);
        Record {
            fields,
            times,
            ptr: Some(event.id),
        }
    }

    fn number(&self, field: &str) -> Option<f64> {
        match self.times.get(field) {
            Some(ms) => Some(*ms as f64),
            None => self.fields.get(field)?.parse().ok(),
        }
    }

    fn holds(&self, expr: &Expr) -> bool {
        match expr {
            Expr::And(a, b) => self.holds(a) && self.holds(b),
            Expr::Or(a, b) => self.holds(a) || self.holds(b),
            Expr::Not(e) => !self.holds(e),
            Expr::Compare(field, op, value) => {
                let Some(text) = self.fields.get(field) else {
                    return false;
                };
                match (op, value) {
                    (Op::Like, Value::Text(t)) => text.contains(t.as_str()),
                    (Op::Like, Value::Regex(r)) => r.is_match(text),
                    (Op::Eq, Value::Text(t)) => text == t,
                    (Op::Ne, Value::Text(t)) => text != t,
                    (_, Value::Number(n)) => self.number(field).is_some_and(|v| match op {
                        Op::Eq => v == *n,
                        Op::Ne => v != *n,
                        Op::Lt => v < *n,
                        Op::Le => v <= *n,
                        Op::Gt => v > *n,
                        _ => v >= *n,
                    }),
                    _ => false,
                }
            }
        }
    }
}

/// `2026-02-06 18:15:06.123`, as Logs Insights writes a time (UTC).
fn time_text(ms: i64) -> String {
    let time = std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms.max(0) as u64);
    let text = humantime::format_rfc3339_millis(time).to_string();
    text.trim_end_matches('Z').replacen('T', " ", 1)
}

/// A JSON message's members as fields, nested ones as `a.b`, lists as `a.0`.
fn flatten(prefix: &str, value: &serde_json::Value, out: &mut BTreeMap<String, String>) {
    let name = |key: &str| {
        if prefix.is_empty() {
            key.to_string()
        } else {
            format!("{prefix}.{key}")
        }
    };
    match value {
        serde_json::Value::Object(members) => {
            for (key, value) in members {
                flatten(&name(key), value, out);
            }
        }
        serde_json::Value::Array(items) => {
            for (i, value) in items.iter().enumerate() {
                flatten(&name(&i.to_string()), value, out);
            }
        }
        serde_json::Value::String(s) => {
            out.insert(prefix.to_string(), s.clone());
        }
        other => {
            out.insert(prefix.to_string(), other.to_string());
        }
    }
}

fn compare(a: &Record, b: &Record, field: &str) -> std::cmp::Ordering {
    match (a.number(field), b.number(field)) {
        (Some(x), Some(y)) => x.total_cmp(&y),
        _ => a.fields.get(field).cmp(&b.fields.get(field)),
    }
}

/// Counts the records by the `by` fields' values, one aggregate row each.
fn stats(records: Vec<Record>, counted: Option<&str>, by: &[String]) -> Vec<Record> {
    let mut groups: BTreeMap<Vec<Option<String>>, usize> = BTreeMap::new();
    for record in &records {
        let key = by.iter().map(|f| record.fields.get(f).cloned()).collect();
        let count = groups.entry(key).or_default();
        if counted.is_none_or(|f| record.fields.contains_key(f)) {
            *count += 1;
        }
    }
    groups
        .into_iter()
        .map(|(key, count)| Record {
            fields: by
                .iter()
                .zip(key)
                .filter_map(|(f, v)| Some((f.clone(), v?)))
                .chain([(String::new(), count.to_string())])
                .collect(),
            times: BTreeMap::new(),
            ptr: None,
        })
        .collect()
}

impl Query {
    /// Runs the query over `events` (already within its time range): newest first unless it
    /// sorts, at most `limit` rows.
    pub fn run(&self, events: &[Event], account: &str, limit: usize) -> Outcome {
        let mut records: Vec<Record> = events.iter().map(|e| Record::of(e, account)).collect();
        records.sort_by(|a, b| compare(b, a, "@timestamp"));
        let scanned = records.len();
        let bytes = events.iter().map(|e| e.message.len()).sum();
        let mut shown: Vec<String> = Vec::new();
        let mut limit = limit;
        for command in &self.commands {
            match command {
                Command::Fields(fields) => {
                    for field in fields {
                        if !shown.contains(field) {
                            shown.push(field.clone());
                        }
                    }
                }
                Command::Filter(expr) => records.retain(|r| r.holds(expr)),
                Command::Sort(field, desc) => records.sort_by(|a, b| {
                    let order = compare(a, b, field);
                    if *desc {
                        order.reverse()
                    } else {
                        order
                    }
                }),
                Command::Limit(n) => limit = limit.min(*n),
                Command::Stats { counted, name, by } => {
                    records = stats(records, counted.as_deref(), by);
                    for record in &mut records {
                        if let Some(count) = record.fields.remove("") {
                            record.fields.insert(name.clone(), count);
                        }
                    }
                    shown = by.iter().chain([name]).cloned().collect();
                }
            }
        }
        if shown.is_empty() {
            shown = vec!["@timestamp".into(), "@message".into()];
        }
        let matched = records.len();
        records.truncate(limit);
        let rows = records
            .iter()
            .map(|r| {
                let mut row: Vec<(String, String)> = shown
                    .iter()
                    .filter_map(|f| Some((f.clone(), r.fields.get(f)?.clone())))
                    .collect();
                if let Some(ptr) = r.ptr {
                    row.push(("@ptr".into(), format!("faqctl-{ptr}")));
                }
                row
            })
            .collect();
        Outcome {
            rows,
            scanned,
            matched,
            bytes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events() -> Vec<Event<'static>> {
        let messages = [
            "START RequestId: 1",
            r#"{"level":"ERROR","path":"/faq","ms":12}"#,
            "Quote selected: 3",
            r#"{"level":"INFO","path":"/faq","ms":3}"#,
            "REPORT RequestId: 1 Duration: 2 ms",
        ];
        messages
            .into_iter()
            .enumerate()
            .map(|(i, message)| Event {
                group: "/aws/lambda/FAQ",
                stream: if i < 3 { "a" } else { "b" },
                timestamp: 1_770_000_000_000 + i as i64 * 1000,
                ingestion_time: 1_770_000_000_500 + i as i64 * 1000,
                message,
                id: i as u64,
            })
            .collect()
    }

    fn run(query: &str) -> Vec<Vec<(String, String)>> {
        parse(query)
            .unwrap()
            .run(&events(), "000000000000", 10_000)
            .rows
    }

    fn column(rows: &[Vec<(String, String)>], field: &str) -> Vec<String> {
        rows.iter()
            .filter_map(|r| r.iter().find(|(f, _)| f == field).map(|(_, v)| v.clone()))
            .collect()
    }

    #[test]
    fn fields_filter_sort_and_limit_run_over_the_events() {
        let rows = run("fields @timestamp, @message | sort @timestamp desc | limit 2");
        assert_eq!(rows.len(), 2);
        assert_eq!(
            rows[0],
            [
                ("@timestamp".into(), "2026-02-02 02:40:04.000".into()),
                (
                    "@message".into(),
                    "REPORT RequestId: 1 Duration: 2 ms".into()
                ),
                ("@ptr".into(), "faqctl-4".into()),
            ]
        );
        let rows = run("filter @message like /Request[I]d/ | sort @timestamp asc");
        assert_eq!(
            column(&rows, "@message"),
            ["START RequestId: 1", "REPORT RequestId: 1 Duration: 2 ms"]
        );
        let rows = run("fields level, ms | filter level = \"ERROR\" or ms < 5");
        assert_eq!(column(&rows, "level"), ["INFO", "ERROR"]);
        let rows = run("filter @message not like \"RequestId\" and @logStream = 'a'");
        assert_eq!(column(&rows, "@message").len(), 2);
        let rows = run("fields @log | filter @message =~ /Quote/ # a comment");
        assert_eq!(column(&rows, "@log"), ["000000000000:/aws/lambda/FAQ"]);
    }

    #[test]
    fn stats_count_by_fields() {
        let rows = run("stats count(*) by @logStream");
        assert_eq!(
            rows,
            [
                vec![
                    ("@logStream".into(), "a".into()),
                    ("count(*)".into(), "3".into())
                ],
                vec![
                    ("@logStream".into(), "b".into()),
                    ("count(*)".into(), "2".into())
                ],
            ]
        );
        let rows = run("filter ispath = 1 or path = \"/faq\" | stats count(level) as n");
        assert_eq!(rows, [vec![("n".to_string(), "2".to_string())]]);
    }

    proptest::proptest! {
        /// Whatever a caller sends, the parser answers (a query or why not) and a query it
        /// takes runs, within its limit: never a panic.
        #[test]
        fn any_text_is_parsed_or_refused_and_what_parses_runs(
            text in "(fields|filter|sort|limit|stats|count|by|as|and|or|not|like|desc|asc|@message|@timestamp|level|ms|[0-9]{1,3}|\"[a-z ]{0,5}\"?|/[a-z|.*\\(]{0,5}/?|[|,()*=<>!~#`'-]| ){0,24}"
        ) {
            if let Ok(query) = parse(&text) {
                let outcome = query.run(&events(), "000000000000", 3);
                proptest::prop_assert!(outcome.rows.len() <= 3);
                proptest::prop_assert!(outcome.matched <= outcome.scanned.max(5));
            }
        }
    }

    #[test]
    fn what_is_not_run_is_refused() {
        for query in [
            "display @message",
            "parse @message \"* *\" as a, b",
            "stats avg(ms) by path",
            "fields @message | limit x",
            "filter @message like",
            "fields @message | | limit 1",
            "filter @message like \"open",
            "filter strlen(@message) > 3",
        ] {
            assert!(parse(query).is_err(), "{query}");
        }
    }
}
