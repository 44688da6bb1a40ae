//! `churnkit inspect`: what a saved model is and how it decides.

use serde_json::json;

use churnkit::model::ModelSummary;
use churnkit::output::check_output_path;
use churnkit::registry::Exports;
use churnkit::{Error, Result};

use crate::args::InspectArgs;
use crate::input::{load_model, write_text};
use crate::render::{emit, emit_json};

pub fn inspect(a: InspectArgs) -> Result<()> {
    for path in a.dot.iter().chain(&a.bif) {
        check_output_path(path, &[&a.model], a.force)?;
    }
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
        emit(&rules)?;
        return Ok(());
    }
    let mut view = ModelSummary::new(&model)
        .source(a.model.display())
        .structure(exports.structure());
    if let Some(text) = exports.text() {
        view = view.detail(text);
    }
    let mut s = view.to_string();
    for p in &written {
        s.push_str(&format!("wrote {}\n", p.display()));
    }
    emit(&s)?;
    Ok(())
}
