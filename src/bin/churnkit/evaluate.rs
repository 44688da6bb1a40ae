//! `churnkit evaluate`: the full report of a saved model on labeled data.

use serde_json::json;

use std::path::Path;

use churnkit::data::{ReadReport, Table, read_table_report};
use churnkit::eval::{Report, SurvivalEvalOptions, SurvivalReport, evaluate_survival};
use churnkit::model::Model;
use churnkit::survival::{SurvivalData, SurvivalModel};
use churnkit::{Error, Result};

use crate::args::{DataArgs, EvaluateArgs, LabelArgs};
use crate::input::{data_options, label_options, load_model, with_row_line};
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
    let survival = evaluate_survival_part(&model, &table, &a, &read_report)?;
    let (ignored, dropped) = unused_columns(&model, &table);
    let n_features = model.schema().features.len();
    if a.json {
        let mut data = read_summary_json(&table, &read_report, load_seconds);
        data["features"] = json!(n_features);
        data["ignored_columns"] = json!(ignored);
        data["dropped_columns"] = json!(dropped);
        return emit_json(&json!({
            "command": "evaluate",
            "model": a.model,
            "learner": model.summary().learner,
            "data": data,
            "report": report_json(&report)?,
            "survival": survival.as_ref().map(|(m, r)| json!({
                "duration": m.duration,
                "learner": m.name,
                "reference": "Kaplan–Meier of the evaluated file",
                "report": r,
            })),
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
    if let Some((m, r)) = &survival {
        s.push_str(&format!(
            "\n{} with '{}' as the clock (baseline: the Kaplan–Meier curve of this file)\n{r}",
            m.name, m.duration
        ));
    }
    emit(&s)?;
    Ok(())
}

/// The time-to-churn model's report on all rows of `table` (None for a model
/// without one, or a file without its duration column: said on stderr).
fn evaluate_survival_part<'m>(
    model: &'m Model,
    table: &Table,
    a: &EvaluateArgs,
    read_report: &ReadReport,
) -> Result<Option<(&'m SurvivalModel, SurvivalReport)>> {
    let Some(m) = model.survival() else {
        if a.within.is_some() {
            return Err(Error::param(
                "--within",
                a.model.display(),
                "this model has no time-to-churn part (train it with --duration COL)",
            ));
        }
        return Ok(None);
    };
    if table.schema().feature_index(&m.duration).is_none() {
        eprintln!(
            "note: {} has no '{}' column (the clock of the time-to-churn model): only the \
             classifier is evaluated",
            a.data.display(),
            m.duration
        );
        return Ok(None);
    }
    let mut opts = SurvivalEvalOptions::default().seed(a.seed);
    if let Some(h) = &a.within {
        opts = opts.horizons(h.clone());
        opts.check().map_err(|_| {
            Error::param(
                "--within",
                format!("{h:?}"),
                "horizons must be numbers > 0, strictly increasing",
            )
        })?;
    }
    let rows = table.all_rows();
    let located = |e| with_row_line(e, &a.data, read_report);
    let data = SurvivalData::from_table(table, &m.duration, &rows).map_err(located)?;
    let (r, _) = phase("judging the time-to-churn model", || {
        evaluate_survival(m, table, &m.duration, &rows, &data, &opts)
    })?;
    Ok(Some((m, r)))
}

/// Reads a labeled CSV for `model` as its training file was read (its column kinds,
/// missing tokens, id column, label rule, weight column, policies and delimiter), and
/// its target unless `target` names another column. Flags given override the model's
/// settings, with a note on stderr when they differ.
pub fn read_for_model(
    model: &Model,
    data: &Path,
    target: Option<&str>,
    labels: &LabelArgs,
    data_args: &DataArgs,
) -> Result<(Table, ReadReport, f64)> {
    let schema = model.schema();
    let target = target.unwrap_or(&schema.target.name);
    for note in override_notes(model, labels, data_args) {
        eprintln!("note: {note}");
    }
    let mut spec = model.read_spec().cloned();
    if labels.positive.is_some() || !labels.map.is_empty() {
        // The flags' label rule replaces the model's whole rule.
        if let Some(s) = &mut spec {
            s.positive = None;
            s.negative = None;
            s.class_map.clear();
        }
    }
    let base = model.read_options_as(target, spec.as_ref());
    let opts = label_options(data_options(base, data_args)?, labels)?;
    let ((table, read_report), load_seconds) =
        phase(&format!("reading {}", data.display()), || {
            read_table_report(data, data_args.format.map(Into::into), &opts)
        })?;
    Ok((table, read_report, load_seconds))
}

/// What the flags given change of the way the model's training file was read.
pub fn override_notes(model: &Model, labels: &LabelArgs, data: &DataArgs) -> Vec<String> {
    let mut notes = Vec::new();
    let Some(spec) = model.read_spec() else {
        return notes;
    };
    let was = |what: &str, now: &str, before: &str| {
        format!("{what} {now} overrides the model's {before} (from training)")
    };
    let given_labels = labels
        .positive
        .as_ref()
        .map(|p| format!("--positive {p}"))
        .or_else(|| (!labels.map.is_empty()).then(|| format!("--map {}", labels.map.join(","))));
    if let Some(given) = given_labels {
        let before = spec
            .label_flags()
            .unwrap_or_else(|| "recognised labels".to_string());
        if given != before {
            notes.push(was("labels:", &given, &before));
        }
    }
    if let (Some(d), Some(before)) = (&data.delimiter, spec.delimiter)
        && crate::input::parse_delimiter(d).is_ok_and(|d| d != before)
    {
        notes.push(was(
            "--delimiter",
            d,
            &format!("delimiter {}", churnkit::data::delimiter_name(before)),
        ));
    }
    if let Some(id) = &labels.id
        && model.schema().id_column.as_ref().is_some_and(|m| m != id)
    {
        let before = model.schema().id_column.clone().unwrap_or_default();
        notes.push(was("--id", id, &format!("id column '{before}'")));
    }
    if let Some(w) = &data.weight
        && spec.weight_column.as_ref().is_some_and(|m| m != w)
    {
        let before = spec.weight_column.clone().unwrap_or_default();
        notes.push(was("--weight", w, &format!("weight column '{before}'")));
    }
    notes
}

/// The file's feature columns the model does not use, split into those dropped on
/// purpose at training (`--drop`, remembered by the model; ignored silently) and the
/// others: `(ignored, dropped)`, each in file order. Hashed lookups keep it linear in
/// the number of columns.
pub fn unused_columns(model: &Model, table: &Table) -> (Vec<String>, Vec<String>) {
    let used = model.schema().name_index();
    let dropped: std::collections::HashSet<&str> =
        model.dropped_columns().iter().map(String::as_str).collect();
    let (mut ignored, mut was_dropped) = (Vec::new(), Vec::new());
    for f in &table.schema().features {
        if dropped.contains(f.name.as_str()) {
            was_dropped.push(f.name.clone());
        } else if !used.contains_key(f.name.as_str()) {
            ignored.push(f.name.clone());
        }
    }
    (ignored, was_dropped)
}
