//! CloudWatch Logs' filter patterns, as FilterLogEvents, metric and subscription filters read
//! them (a leaf: it imports nothing of the crate).

/// CloudWatch's simple filter patterns: terms that must all appear (`ERROR timeout`), quoted
/// phrases (`"Quote selected"`), `?a ?b` for any of them, `-term` to exclude. An empty pattern
/// matches every event. JSON and space-delimited patterns are not emulated.
#[derive(Debug, Default)]
pub struct FilterPattern {
    all: Vec<String>,
    any: Vec<String>,
    none: Vec<String>,
}

impl FilterPattern {
    pub fn parse(pattern: &str) -> FilterPattern {
        let mut filter = FilterPattern::default();
        let mut chars = pattern.chars().peekable();
        while let Some(&c) = chars.peek() {
            if c.is_whitespace() {
                chars.next();
                continue;
            }
            let mut kind = ' ';
            if c == '?' || c == '-' {
                kind = c;
                chars.next();
            }
            let mut term = String::new();
            if chars.peek() == Some(&'"') {
                chars.next();
                for c in chars.by_ref() {
                    if c == '"' {
                        break;
                    }
                    term.push(c);
                }
            } else {
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() {
                        break;
                    }
                    term.push(c);
                    chars.next();
                }
            }
            if term.is_empty() {
                continue;
            }
            match kind {
                '?' => filter.any.push(term),
                '-' => filter.none.push(term),
                _ => filter.all.push(term),
            }
        }
        filter
    }

    pub fn matches(&self, message: &str) -> bool {
        self.all.iter().all(|t| message.contains(t.as_str()))
            && (self.any.is_empty() || self.any.iter().any(|t| message.contains(t.as_str())))
            && !self.none.iter().any(|t| message.contains(t.as_str()))
    }
}
