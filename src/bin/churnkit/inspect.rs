//! `churnkit inspect`: what a saved model is and how it decides.

use serde_json::json;

use churnkit::data::MissingTokens;
use churnkit::learners::Exports;
use churnkit::{Error, Result};

use crate::args::InspectArgs;
use crate::input::{load_model, write_text};
use crate::render::{emit, emit_json};

/// "'na', 'n/a', '?', 'null'" (or "no other tokens").
pub fn missing_list(m: &MissingTokens) -> String {
    let quoted: Vec<String> = m.tokens().map(|t| format!("'{t}'")).collect();
    if quoted.is_empty() {
        "no other tokens".to_string()
    } else {
        quoted.join(", ")
    }
}

pub fn inspect(a: InspectArgs) -> Result<()> {
    let model = load_model(&a.model)?;
    let exports = Exports(model.body());
    let learner = model.summary().learner.clone();
    let unsupported = |what: &str, flag: &str| {
        Error::param(
            flag,
            a.model.display(),
            format!(
                "this {learner} model has no {what} form (trees: --rules, --dot; Bayesian networks: --dot, --bif)"
            ),
        )
    };
    let mut written = Vec::new();
    if let Some(path) = &a.dot {
        let dot = exports
            .dot()
            .ok_or_else(|| unsupported("Graphviz", "--dot"))?;
        write_text(path, &dot)?;
        written.push(path.clone());
    }
    if let Some(path) = &a.bif {
        let bif = exports.bif().ok_or_else(|| unsupported("BIF", "--bif"))?;
        write_text(path, &bif)?;
        written.push(path.clone());
    }
    let summary = model.summary();
    let schema = model.schema();
    if a.json {
        return emit_json(&json!({
            "command": "inspect",
            "model": a.model,
            "structure": exports.structure(),
            "summary": serde_json::to_value(summary).map_err(|e| Error::Fit(e.to_string()))?,
            "features": schema.features.iter().map(|f| json!({
                "name": f.name,
                "kind": if f.is_numeric() { "numeric" } else { "categorical" },
                "levels": f.levels(),
            })).collect::<Vec<_>>(),
            "target": schema.target.name,
            "id_column": schema.id_column,
            "missing_tokens": model.missing_tokens(),
            "written": written,
        }));
    }
    if a.rules {
        let rules = exports
            .rules()
            .ok_or_else(|| unsupported("rule", "--rules"))?;
        emit(&rules);
        return Ok(());
    }
    let mut s = format!("model     {}\n", a.model.display());
    s.push_str(&format!(
        "learner   {} — {}\n",
        summary.learner,
        exports.structure()
    ));
    s.push_str(&format!("params    {}\n", summary.params.0));
    let balance: Vec<String> = summary
        .classes
        .iter()
        .zip(&summary.class_counts)
        .map(|(c, n)| format!("{c} {n}"))
        .collect();
    s.push_str(&format!(
        "trained   on {} rows ({}), churnkit {}, data {}\n",
        summary.rows,
        balance.join(", "),
        summary.crate_version,
        summary.fingerprint
    ));
    if !summary.metrics.is_empty() {
        let m: Vec<String> = summary
            .metrics
            .iter()
            .map(|(k, v)| format!("{k} {v:.4}"))
            .collect();
        s.push_str(&format!(
            "validated on {} rows: {}\n",
            summary.validation_rows,
            m.join(", ")
        ));
    }
    s.push_str(&format!(
        "target    '{}' ({}){}\n",
        schema.target.name,
        schema.target.classes.join(", "),
        schema
            .id_column
            .as_ref()
            .map_or(String::new(), |id| format!(", id column '{id}'"))
    ));
    s.push_str(&format!(
        "missing   empty cells and {}\n",
        missing_list(model.missing_tokens())
    ));
    s.push_str(&format!("features  {}:\n", schema.features.len()));
    for f in &schema.features {
        if f.is_numeric() {
            s.push_str(&format!("  {:<24} numeric\n", f.name));
        } else {
            s.push_str(&format!(
                "  {:<24} categorical, {} levels\n",
                f.name,
                f.levels().len()
            ));
        }
    }
    if let Some(text) = exports.text() {
        s.push_str(&format!("\n{text}"));
    }
    for p in &written {
        s.push_str(&format!("wrote {}\n", p.display()));
    }
    emit(&s);
    Ok(())
}
