//! `--set key=value`: scenario keys given on the command line, applied over the file.
//!
//! A CI job sweeps one scenario over call rates or agent counts without keeping a file per
//! step (`--set calls.rate=50 --set crm.agents=500`). The file is read first and must be valid
//! on its own (its errors keep their `file:line:col`); each override is then applied in the
//! order given and checked at once, so a bad one is named by itself, not by a line of a file it
//! is not in. The report records the overrides: a figure read later must say what was run.

use std::fmt;
use std::str::FromStr;

use toml::{Table, Value};

/// One `--set key=value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    /// The key's path; a number steps into an array of tables (`fault.0.at`).
    pub path: Vec<String>,
    /// The value read as TOML (`50`, `"5m"`, `[1001, 1002]`); text that does not read is a string.
    pub value: Value,
    /// As the user wrote it, for messages and the report.
    pub text: String,
}

impl fmt::Display for Override {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "--set {}", self.text)
    }
}

impl FromStr for Override {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let Some((key, raw)) = text.split_once('=') else {
            return Err(format!(
                "{text:?} has no '=': write KEY=VALUE, e.g. calls.rate=50 or run.steady=5m"
            ));
        };
        let key = key.trim();
        let path = split_key(key).ok_or_else(|| {
            format!(
                "{text:?}: the key {key:?} does not read: write section.key, e.g. calls.rate, and quote a part with dots: thresholds.latency.\"call.answer\".p95_ms"
            )
        })?;
        Ok(Override {
            path,
            value: parse_value(raw.trim()),
            text: text.to_owned(),
        })
    }
}

/// A dotted key as TOML writes one: parts separated by dots, a part with dots of its own in
/// double quotes (`thresholds.latency."call.answer".p95_ms`). `None` for an empty part or an
/// unclosed quote.
fn split_key(key: &str) -> Option<Vec<String>> {
    let mut parts = Vec::new();
    let mut rest = key;
    loop {
        rest = rest.trim_start();
        let (part, after) = if let Some(quoted) = rest.strip_prefix('"') {
            let end = quoted.find('"')?;
            (quoted[..end].to_owned(), &quoted[end + 1..])
        } else {
            let end = rest.find('.').unwrap_or(rest.len());
            let part = rest[..end].trim();
            if part.is_empty() {
                return None;
            }
            (part.to_owned(), &rest[end..])
        };
        parts.push(part);
        let after = after.trim_start();
        if after.is_empty() {
            return Some(parts);
        }
        rest = after.strip_prefix('.')?;
    }
}

/// A value as TOML reads it (`50`, `2.5`, `true`, `[1001, 1002]`, `"quoted"`), and anything TOML
/// does not read as a string, so that `run.steady=5m` and `run.deployment=direct` need no quotes.
/// A value that must be the string `true` or `50` is quoted: `run.name='"50"'`.
fn parse_value(raw: &str) -> Value {
    // Parsed as the value of one key so that only a value is accepted: text that would add keys
    // (`1\nother = 2`) leaves more than one key and falls back to a string.
    match toml::from_str::<Table>(&format!("v = {raw}")) {
        Ok(mut table) if table.len() == 1 => table
            .remove("v")
            .unwrap_or_else(|| Value::String(raw.to_owned())),
        _ => Value::String(raw.to_owned()),
    }
}

impl Override {
    /// Whether this override set the key at `path` or a table above it.
    pub fn covers(&self, path: &[&str]) -> bool {
        let n = self.path.len().min(path.len());
        self.path[..n].iter().zip(&path[..n]).all(|(a, b)| a == b)
    }

    /// Writes the value into `table`, creating tables on the way. Says why when the path runs
    /// into a value that is not a table or past the end of an array.
    pub fn apply(&self, table: &mut Table) -> Result<(), String> {
        let Some((last, parents)) = self.path.split_last() else {
            return Err("the key is empty".into());
        };
        let mut here = table;
        let mut walked: Vec<&str> = Vec::new();
        let mut rest = parents.iter();
        while let Some(key) = rest.next() {
            walked.push(key);
            let entry = here
                .entry(key.clone())
                .or_insert_with(|| Value::Table(Table::new()));
            here = match entry {
                Value::Table(t) => t,
                Value::Array(items) => {
                    let Some(index) = rest.next() else {
                        return Err(format!(
                            "{} is a list: give an index, e.g. {}.0.KEY",
                            walked.join("."),
                            walked.join(".")
                        ));
                    };
                    let len = items.len();
                    let item = index
                        .parse::<usize>()
                        .ok()
                        .and_then(|i| items.get_mut(i))
                        .ok_or_else(|| {
                            format!(
                                "{} has {len} entries: {index:?} is not an index from 0 to {}",
                                walked.join("."),
                                len.saturating_sub(1)
                            )
                        })?;
                    walked.push(index);
                    match item {
                        Value::Table(t) => t,
                        other => {
                            return Err(format!(
                                "{} is {}, not a table",
                                walked.join("."),
                                kind(other)
                            ));
                        }
                    }
                }
                other => {
                    return Err(format!(
                        "{} is {}, not a table with keys",
                        walked.join("."),
                        kind(other)
                    ));
                }
            };
        }
        here.insert(last.clone(), self.value.clone());
        Ok(())
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::String(_) => "a string",
        Value::Integer(_) => "an integer",
        Value::Float(_) => "a number",
        Value::Boolean(_) => "true or false",
        Value::Datetime(_) => "a date",
        Value::Array(_) => "a list",
        Value::Table(_) => "a table",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(text: &str) -> Override {
        match text.parse() {
            Ok(o) => o,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn values_read_as_toml_and_bare_words_as_strings() {
        assert_eq!(set("calls.rate=50").value, Value::Integer(50));
        assert_eq!(set("calls.rate=2.5").value, Value::Float(2.5));
        assert_eq!(set("tls.enabled=false").value, Value::Boolean(false));
        assert_eq!(set("run.steady=5m").value, Value::String("5m".into()));
        assert_eq!(set("run.name=\"50\"").value, Value::String("50".into()));
        assert_eq!(
            set("crm.not_ready_reasons=[1001, 1002]").value,
            Value::Array(vec![Value::Integer(1001), Value::Integer(1002)])
        );
        // Text that would smuggle in another key is one string, not two keys.
        assert_eq!(
            set("run.name=1\nx = 2").value,
            Value::String("1\nx = 2".into())
        );
        assert_eq!(set("a.b = 7 ").path, vec!["a", "b"]);
        assert_eq!(
            set("thresholds.latency.\"call.answer\".p95_ms=5").path,
            vec!["thresholds", "latency", "call.answer", "p95_ms"]
        );
    }

    #[test]
    fn malformed_keys_say_how_to_write_them() {
        assert!(
            "calls.rate"
                .parse::<Override>()
                .is_err_and(|e| e.contains("KEY=VALUE"))
        );
        for bad in [
            "calls..rate=1",
            ".rate=1",
            "calls.=1",
            "a.\"b=1",
            "a.\"b\"c=1",
        ] {
            assert!(
                bad.parse::<Override>()
                    .is_err_and(|e| e.contains("does not read")),
                "{bad}"
            );
        }
    }

    #[test]
    fn applies_into_tables_arrays_and_new_tables() {
        let mut t: Table = match toml::from_str(
            "[calls]\nrate = 1.0\n[[fault]]\nat = \"1s\"\n[[fault]]\nat = \"2s\"\n",
        ) {
            Ok(t) => t,
            Err(e) => panic!("{e}"),
        };
        for o in ["calls.rate=9", "fault.1.at=5s", "proxy.engine=haproxy"] {
            assert_eq!(set(o).apply(&mut t), Ok(()));
        }
        assert_eq!(t["calls"]["rate"], Value::Integer(9));
        assert_eq!(t["fault"][1]["at"], Value::String("5s".into()));
        assert_eq!(t["proxy"]["engine"], Value::String("haproxy".into()));
        let e = set("fault.2.at=1s").apply(&mut t);
        assert!(e.is_err_and(|e| e.contains("has 2 entries")));
        let e = set("calls.rate.x=1").apply(&mut t);
        assert!(e.is_err_and(|e| e.contains("calls.rate is an integer")));
        let e = set("fault.at=1s").apply(&mut t);
        assert!(e.is_err_and(|e| e.contains("give an index")));
    }

    #[test]
    fn covers_its_key_and_what_is_below_it() {
        let o = set("calls.rate=1");
        assert!(o.covers(&["calls", "rate"]));
        assert!(!o.covers(&["calls", "patience"]));
        assert!(set("calls={ rate = 1.0 }").covers(&["calls", "rate"]));
    }
}
