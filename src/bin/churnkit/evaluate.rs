//! `churnkit evaluate`: the full report of a saved model on labeled data.

use serde_json::json;

use churnkit::Result;
use churnkit::data::{CsvOptions, read_csv_report};
use churnkit::eval::Report;

use crate::args::EvaluateArgs;
use crate::input::{data_options, label_options, load_model};
use crate::render::{emit, emit_json, phase, read_summary_json, read_summary_text, report_json};

pub fn evaluate(a: EvaluateArgs) -> Result<()> {
    let model = load_model(&a.model)?;
    let schema = model.schema();
    let target = a
        .target
        .clone()
        .unwrap_or_else(|| schema.target.name.clone());
    let mut labels = a.labels.clone();
    if labels.id.is_none() {
        labels.id = schema.id_column.clone();
    }
    let base = CsvOptions::new(&target)
        .with_schema_kinds(schema)
        .missing_tokens(model.missing_tokens().tokens()); // --missing overrides
    let opts = label_options(data_options(base, &a.data_args)?, &labels)?;
    let ((table, read_report), load_seconds) =
        phase(&format!("reading {}", a.data.display()), || {
            read_csv_report(&a.data, &opts)
        })?;
    let rows = table.all_rows();
    let (report, seconds) = phase("scoring", || {
        let proba = model.predict_proba(&table, &rows)?;
        let weights: Option<Vec<f64>> = table.weights().map(<[f64]>::to_vec);
        Report::from_proba(
            &table.schema().target.classes,
            table.labels(),
            weights.as_deref(),
            &proba,
        )
    })?;
    if a.json {
        return emit_json(&json!({
            "command": "evaluate",
            "model": a.model,
            "learner": model.summary().learner,
            "data": read_summary_json(&table, &read_report, load_seconds),
            "report": report_json(&report)?,
            "seconds": seconds,
        }));
    }
    let mut s = format!(
        "churnkit evaluate: {} ({}) on {}\n",
        a.model.display(),
        model.summary().learner,
        a.data.display()
    );
    s.push_str(&read_summary_text(&table, &read_report, load_seconds));
    s.push_str(&format!("\n{report}\n"));
    emit(&s)?;
    Ok(())
}
