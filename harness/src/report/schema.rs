//! The reports as a contract: `report_version`, and the JSON Schemas of the run report, the
//! capacity report and the `--processes`/`--containers` report, generated from the types that
//! write them (`crmsim schema --reports DIR`; the repository ships them in `schemas/`).
//!
//! Keys may be added within a `report_version`; a key renamed or removed, or a value changing
//! its form, bumps it. Version 2 is the first one written: before it (no `report_version`),
//! durations were partly `{secs, nanos}` objects and `--processes` checks said `passed`.

use schemars::generate::SchemaSettings;
use schemars::transform::{RecursiveTransform, Transform};
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde_json::Value;

/// The version of every report's keys and value forms.
pub const REPORT_VERSION: u32 = 2;

/// One schema file: its name and its text.
pub struct SchemaFile {
    /// The file's name (`run-report.schema.json`).
    pub name: &'static str,
    /// The schema: pretty JSON, keys sorted, with a trailing newline.
    pub text: String,
}

/// The schema of report type `T`, written by `command`, as file `name` (the list of files is
/// the CLI's: `crmsim schema --reports`, which knows every report; this module knows none but
/// its own).
pub fn file<T: JsonSchema>(name: &'static str, command: &str) -> SchemaFile {
    // Serialize: what the reports write (every field without `skip_serializing_if` is present,
    // null where it is an empty Option).
    let mut schema = SchemaSettings::draft2020_12()
        .for_serialize()
        .with_transform(RecursiveTransform(NoOtherKeys))
        .into_generator()
        .into_root_schema_for::<T>();
    schema.insert("$comment".into(), contract(command).into());
    let sorted = sorted(schema.to_value());
    // A trailing newline, as every text file in the repository has.
    let text = serde_json::to_string_pretty(&sorted).map_or_else(|e| e.to_string(), |t| t + "\n");
    SchemaFile { name, text }
}

/// Keys in alphabetical order at every level: the text is then the same whether or not some
/// crate of the build turned on serde_json's `preserve_order` (which keeps insertion order).
fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

fn contract(command: &str) -> String {
    format!(
        "The JSON of `{command}`, report_version {REPORT_VERSION}. Generated from crmsim's \
         types by `crmsim schema --reports schemas`; do not edit. Keys may be added within a \
         report_version, a key renamed or removed bumps it; objects admit no other keys than \
         listed here, so a report of a later crmsim with the same report_version may need \
         additionalProperties relaxed. Durations are numbers whose key names the unit (`_s`, \
         `_ms`); timestamps are RFC 3339 strings, except components' `*_unix_ms` (milliseconds \
         since the Unix epoch, lined up across processes)."
    )
}

/// The schema of `report_version`: this version and no other, so that a report of another
/// version fails validation at that key, whatever else it has in common with this one.
pub fn version(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "integer",
        "const": REPORT_VERSION,
        "description": "The version of the report's keys: added keys keep it, renamed or \
                        removed ones bump it.",
    })
}

/// Every object with named properties allows no others: a key written without its type's
/// schema being regenerated fails validation in the tests (maps, whose keys are data, keep
/// their `additionalProperties` schema).
#[derive(Debug, Clone, Copy)]
struct NoOtherKeys;

impl Transform for NoOtherKeys {
    fn transform(&mut self, schema: &mut Schema) {
        if schema.get("properties").is_some() && schema.get("additionalProperties").is_none() {
            schema.insert("additionalProperties".into(), false.into());
        }
    }
}
