//! Results on stdout: one [`ResultTable`] rendered as a readable table, JSON
//! or CSV, so every app prints the same way.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{CellAlignment, ContentArrangement};
use serde_json::{Map, Value};

use crate::args::Format;

/// Rows of named columns, e.g. one row per cluster or per k.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResultTable {
    /// Column names.
    pub headers: Vec<String>,
    /// Rows of values (numbers, strings, null).
    pub rows: Vec<Vec<Value>>,
}

impl ResultTable {
    /// An empty table with these columns.
    pub fn new(headers: &[&str]) -> Self {
        ResultTable {
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }
    /// Appends a row; it should have one value per column.
    pub fn push(&mut self, row: Vec<Value>) {
        self.rows.push(row);
    }
    /// The rows as JSON objects keyed by column name.
    pub fn to_json(&self) -> Value {
        Value::Array(
            self.rows
                .iter()
                .map(|r| {
                    Value::Object(
                        self.headers
                            .iter()
                            .cloned()
                            .zip(r.iter().cloned())
                            .collect::<Map<_, _>>(),
                    )
                })
                .collect(),
        )
    }
    /// Renders in `format` (JSON: an array of objects).
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Json => {
                serde_json::to_string_pretty(&self.to_json()).expect("JSON values serialise") + "\n"
            }
            Format::Csv => {
                let mut w = csv::Writer::from_writer(Vec::new());
                w.write_record(&self.headers).expect("writing to memory");
                for r in &self.rows {
                    w.write_record(r.iter().map(plain))
                        .expect("writing to memory");
                }
                String::from_utf8(w.into_inner().expect("writing to memory"))
                    .expect("CSV of UTF-8 is UTF-8")
            }
            Format::Table => {
                let mut t = comfy_table::Table::new();
                t.load_style(UTF8_FULL_CONDENSED)
                    .set_content_arrangement(ContentArrangement::Disabled);
                t.set_header(&self.headers);
                for r in &self.rows {
                    t.add_row(r.iter().map(|v| {
                        let cell = comfy_table::Cell::new(readable(v));
                        if v.is_number() {
                            cell.set_alignment(CellAlignment::Right)
                        } else {
                            cell
                        }
                    }));
                }
                t.to_string() + "\n"
            }
        }
    }
}

/// A value as CSV text: numbers in full, strings bare, null empty.
fn plain(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A value for people: floats to 4 significant digits (6 for large ones).
pub fn readable(v: &Value) -> String {
    match v {
        Value::Number(n) if n.is_f64() => {
            let x = n.as_f64().unwrap_or(f64::NAN);
            if x == 0.0 {
                "0".into()
            } else if x.abs() >= 1e6 || x.abs() < 1e-3 {
                format!("{x:.4e}")
            } else if x.abs() >= 1000.0 {
                format!("{x:.1}")
            } else {
                format!("{x:.4}")
            }
        }
        other => plain(other),
    }
}

/// Key–value pairs (a run's settings or metrics) as a two-column table.
pub fn key_values(pairs: &[(&str, Value)]) -> ResultTable {
    let mut t = ResultTable::new(&["", "value"]);
    for (k, v) in pairs {
        t.push(vec![Value::String(k.to_string()), v.clone()]);
    }
    t
}

/// Writes `text` to stdout and flushes it; a closed pipe becomes an error
/// that [`run_main`](crate::run_main) ends quietly.
pub fn print(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn renders_three_ways() {
        let mut t = ResultTable::new(&["k", "inertia"]);
        t.push(vec![json!(2), json!(152.3479)]);
        t.push(vec![json!(3), json!(78.85144)]);
        assert_eq!(t.render(Format::Csv), "k,inertia\n2,152.3479\n3,78.85144\n");
        let j: Value = serde_json::from_str(&t.render(Format::Json)).unwrap();
        assert_eq!(j[1]["inertia"], json!(78.85144));
        let table = t.render(Format::Table);
        assert!(
            table.contains("78.8514") && table.contains("inertia"),
            "{table}"
        );
    }

    #[test]
    fn readable_numbers() {
        assert_eq!(readable(&json!(0.5)), "0.5000");
        assert_eq!(readable(&json!(12345.678)), "12345.7");
        assert_eq!(readable(&json!(3)), "3");
        assert_eq!(readable(&json!(1.5e-7)), "1.5000e-7");
    }
}
