//! `churnkit evaluate`: the full report of a saved model on labeled data.

use serde_json::json;

use std::path::Path;

use churnkit::Result;
use churnkit::data::{CsvOptions, ReadReport, Table, read_csv_report};
use churnkit::eval::Report;
use churnkit::model::Model;

use crate::args::{DataArgs, EvaluateArgs, LabelArgs};
use crate::input::{data_options, label_options, load_model};
use crate::render::{
    emit, emit_json, phase, read_summary_json, read_summary_text_with, report_json,
};

pub fn evaluate(a: EvaluateArgs) -> Result<()> {
    let model = load_model(&a.model)?;
    let (table, read_report, load_seconds) = read_for_model(
        &model,
        &a.data,
        a.target.as_deref(),
        &a.labels,
        &a.data_args,
    )?;
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
    let ignored = ignored_columns(&model, &table);
    let n_features = model.schema().features.len();
    if a.json {
        let mut data = read_summary_json(&table, &read_report, load_seconds);
        data["features"] = json!(n_features);
        data["ignored_columns"] = json!(ignored);
        return emit_json(&json!({
            "command": "evaluate",
            "model": a.model,
            "learner": model.summary().learner,
            "data": data,
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
    s.push_str(&read_summary_text_with(
        &table,
        &read_report,
        n_features,
        &ignored,
        load_seconds,
    ));
    s.push_str(&format!("\n{report}\n"));
    emit(&s)?;
    Ok(())
}

/// Reads a labeled CSV for `model`: its column kinds, missing tokens and id column,
/// and its target unless `target` names another column.
pub fn read_for_model(
    model: &Model,
    data: &Path,
    target: Option<&str>,
    labels: &LabelArgs,
    data_args: &DataArgs,
) -> Result<(Table, ReadReport, f64)> {
    let schema = model.schema();
    let target = target.map_or_else(|| schema.target.name.clone(), str::to_string);
    let mut labels = labels.clone();
    if labels.id.is_none() {
        labels.id = schema.id_column.clone();
    }
    let base = CsvOptions::new(&target)
        .with_schema_kinds(schema)
        .missing_tokens(model.missing_tokens().tokens()); // --missing overrides
    let opts = label_options(data_options(base, data_args)?, &labels)?;
    let ((table, read_report), load_seconds) =
        phase(&format!("reading {}", data.display()), || {
            read_csv_report(data, &opts)
        })?;
    Ok((table, read_report, load_seconds))
}

/// The file's feature columns the model does not use (e.g. dropped at training).
pub fn ignored_columns(model: &Model, table: &Table) -> Vec<String> {
    let used = &model.schema().features;
    table
        .schema()
        .features
        .iter()
        .filter(|f| !used.iter().any(|u| u.name == f.name))
        .map(|f| f.name.clone())
        .collect()
}
