//! `churnkit inspect`: what a saved model is and how it decides.

use serde_json::json;

use churnkit::learners::Exports;
use churnkit::model::{ModelBody, ModelSummary};
use churnkit::output::check_output_path;
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
    if !written.is_empty() && !a.json && !a.rules {
        // --dot / --bif: the files are the output; stdout stays empty.
        for p in &written {
            eprintln!("wrote {}", p.display());
        }
        return Ok(());
    }
    let summary = model.summary();
    let schema = model.schema();
    let importance = tree_importance(model.body());
    let parents = network_parents(model.body());
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
            "importance": importance.as_ref().map(|v| v.iter().map(|(f, x)| json!({
                "feature": f,
                "importance": x,
            })).collect::<Vec<_>>()),
            "parents": parents.as_ref().map(|v| v.iter().map(|(n, p)| json!({
                "node": n,
                "parents": p,
            })).collect::<Vec<_>>()),
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
    if let Some(imp) = &importance {
        s.push_str(&importance_text(imp));
    }
    if let Some(parents) = &parents {
        s.push_str(&parents_text(parents));
    }
    emit(&s)?;
    Ok(())
}

/// A tree's feature importance (its share of the information gain, each split
/// weighted by the training weight reaching it), largest first; None for other
/// models.
fn tree_importance(body: &ModelBody) -> Option<Vec<(String, f64)>> {
    let ModelBody::Tree(t) = body else {
        return None;
    };
    let mut v: Vec<(String, f64)> = t
        .tree
        .schema()
        .features
        .iter()
        .map(|f| f.name.clone())
        .zip(t.tree.importance())
        .collect();
    v.sort_by(|a, b| b.1.total_cmp(&a.1));
    Some(v)
}

/// Each node of a Bayesian network with its parents, in the network's order.
fn network_parents(body: &ModelBody) -> Option<Vec<(String, Vec<String>)>> {
    let ModelBody::Bayes(b) = body else {
        return None;
    };
    let net = b.net();
    let name = |v: usize| net.variable(v).name.clone();
    Some(
        (0..net.n_vars())
            .map(|v| (name(v), net.parents(v).iter().map(|&p| name(p)).collect()))
            .collect(),
    )
}

fn importance_text(imp: &[(String, f64)]) -> String {
    let width = imp.iter().map(|(f, _)| f.len()).max().unwrap_or(8).max(8);
    let mut s = String::from(
        "importance (share of the tree's information gain, weighted by the rows reaching each split):\n",
    );
    for (f, x) in imp.iter().filter(|(_, x)| *x > 0.0) {
        let bar = "#".repeat((x * 40.0).round() as usize);
        s.push_str(&format!("  {f:<width$} {x:>7.4}  {bar}\n"));
    }
    let unused = imp.iter().filter(|(_, x)| *x <= 0.0).count();
    if unused > 0 {
        let plural = if unused == 1 { "" } else { "s" };
        s.push_str(&format!(
            "  ({unused} feature{plural} not used by the tree)\n"
        ));
    }
    s
}

fn parents_text(parents: &[(String, Vec<String>)]) -> String {
    let width = parents
        .iter()
        .map(|(n, _)| n.len())
        .max()
        .unwrap_or(8)
        .max(8);
    let mut s = String::from("network (each node with its parents):\n");
    for (n, p) in parents {
        let p = if p.is_empty() {
            "(none)".to_string()
        } else {
            p.join(", ")
        };
        s.push_str(&format!("  {n:<width$} <- {p}\n"));
    }
    s
}
