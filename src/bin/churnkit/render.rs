//! Rendering helpers: standard output (text and JSON), spinners on stderr, and the
//! text and JSON pieces several commands print.

use std::io::{IsTerminal, Write};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{Value, json};

use churnkit::data::{ReadReport, Table};
use churnkit::eval::Report;
use churnkit::score::Progress;
use churnkit::{Error, Result};

/// Writes to standard output. A closed pipe (`| head`) is not an error (the rest is
/// dropped quietly); any other failure (a full disk, ...) is, exit code 1.
pub fn emit(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    let mut write = || -> std::io::Result<()> {
        out.write_all(text.as_bytes())?;
        if !text.ends_with('\n') {
            out.write_all(b"\n")?;
        }
        out.flush()
    };
    match write() {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Error::Fit(format!("writing to standard output: {e}")))
        }
        _ => Ok(()),
    }
}

pub fn emit_json(v: &Value) -> Result<()> {
    let text = serde_json::to_string_pretty(v).map_err(|e| Error::Fit(e.to_string()))?;
    emit(&text)
}

/// A spinner on stderr while `f` runs (hidden when stderr is not a terminal);
/// returns `f`'s result and the seconds it took.
pub fn phase<T>(message: &str, f: impl FnOnce() -> Result<T>) -> Result<(T, f64)> {
    phase_with(message, |_| f())
}

/// [`phase`], with `f` given a function that changes the spinner's message (a new
/// stage of the work).
pub fn phase_with<T>(
    message: &str,
    f: impl FnOnce(&dyn Fn(String)) -> Result<T>,
) -> Result<(T, f64)> {
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new_spinner();
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
            bar.set_style(style);
        }
        bar.set_message(message.to_string());
        bar.enable_steady_tick(Duration::from_millis(120));
        bar
    } else {
        ProgressBar::hidden()
    };
    let start = Instant::now();
    let result = f(&|m: String| bar.set_message(m));
    let seconds = start.elapsed().as_secs_f64();
    bar.finish_and_clear();
    result.map(|v| (v, seconds))
}

/// The progress bar of a batch on stderr, drawn from the library's [`Progress`]
/// reports: bytes read against the input's size when known (with rows and rows/s),
/// else a spinner counting rows. Clones draw the same bar; it appears at the first
/// report. Only on a terminal: callers create it when stderr is one.
#[derive(Clone, Default)]
pub struct BatchBar(Arc<OnceLock<(ProgressBar, Instant)>>);

impl BatchBar {
    /// Draws one progress report.
    pub fn update(&self, p: Progress) {
        let (bar, start) = self.0.get_or_init(|| {
            let b = match p.bytes_total {
                Some(t) => {
                    let b = ProgressBar::new(t);
                    if let Ok(style) =
                        ProgressStyle::with_template("{bar:40} {percent:>3} % {msg} eta {eta}")
                    {
                        b.set_style(style);
                    }
                    b
                }
                None => ProgressBar::new_spinner(),
            };
            (b, Instant::now())
        });
        if p.bytes_total.is_some() {
            bar.set_position(p.bytes_done);
        }
        let rate = p.rows_done as f64 / start.elapsed().as_secs_f64().max(1e-3);
        bar.set_message(format!(
            "{} rows, {} rows/s",
            thousands(p.rows_done),
            thousands(rate.round() as u64)
        ));
        bar.tick();
    }

    /// Removes the bar (the summary follows on standard output).
    pub fn clear(&self) {
        if let Some((b, _)) = self.0.get() {
            b.finish_and_clear();
        }
    }
}

/// `21042932` as `21,042,932`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// "retained 3000 (60.0 %), churned 2000 (40.0 %)".
pub fn class_balance(table: &Table) -> String {
    let counts = table.class_counts(&table.all_rows());
    let total: f64 = counts.iter().sum();
    table
        .schema()
        .target
        .classes
        .iter()
        .zip(&counts)
        .map(|(c, n)| format!("{c} {n} ({:.1} %)", 100.0 * n / total.max(1e-300)))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn read_summary_json(table: &Table, report: &ReadReport, seconds: f64) -> Value {
    json!({
        "file": report.source,
        "rows": table.n_rows(),
        "rows_read": report.rows_read,
        "skipped_rows": report.skipped_rows,
        "skipped_lines": report.skipped_lines,
        "features": table.n_features(),
        "classes": table.schema().target.classes,
        "class_counts": table.class_counts(&table.all_rows()),
        "label_map": report.label_map,
        "load_seconds": seconds,
    })
}

pub fn read_summary_text(table: &Table, report: &ReadReport, seconds: f64) -> String {
    read_summary_text_with(table, report, table.n_features(), &[], seconds)
}

/// As [`read_summary_text`], counting `n_features` features (a model's) and naming
/// the `ignored` columns the file has beyond them.
pub fn read_summary_text_with(
    table: &Table,
    report: &ReadReport,
    n_features: usize,
    ignored: &[String],
    seconds: f64,
) -> String {
    let mut s = format!(
        "data      {}: {} rows, {} features{}, target '{}' — {}\n",
        report.source,
        table.n_rows(),
        n_features,
        if ignored.is_empty() {
            String::new()
        } else {
            format!(
                " ({} other column{} ignored: {})",
                ignored.len(),
                if ignored.len() == 1 { "" } else { "s" },
                ignored.join(", ")
            )
        },
        table.schema().target.name,
        class_balance(table)
    );
    if report.skipped_rows > 0 {
        let lines: Vec<String> = report.skipped_lines.iter().map(u64::to_string).collect();
        s.push_str(&format!(
            "          skipped {} rows with a missing or unknown label (lines {}{})\n",
            report.skipped_rows,
            lines.join(", "),
            if report.skipped_rows > lines.len() {
                ", ..."
            } else {
                ""
            }
        ));
    }
    let _ = seconds;
    s
}

pub fn report_json(r: &Report) -> Result<Value> {
    serde_json::to_value(r).map_err(|e| Error::Fit(e.to_string()))
}
