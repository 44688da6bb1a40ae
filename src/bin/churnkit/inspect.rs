//! `churnkit inspect`: what a saved model is and how it decides.

use serde_json::json;

use churnkit::bayes::class_mutual_information;
use churnkit::model::{ModelBody, ModelSummary};
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
    if !written.is_empty() && !a.json && !a.rules {
        // --dot / --bif: the files are the output; stdout stays empty.
        for p in &written {
            eprintln!("wrote {}", p.display());
        }
        return Ok(());
    }
    let summary = model.summary();
    let schema = model.schema();
    let importance = importance(model.body())?;
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
            "importance_measure": importance.as_ref().map(|i| i.1),
            "importance": importance.as_ref().map(|(v, _)| v.iter().map(|(f, x)| json!({
                "feature": f,
                "importance": x,
            })).collect::<Vec<_>>()),
            "parents": parents.as_ref().map(|v| v.iter().map(|(n, p)| json!({
                "node": n,
                "parents": p,
            })).collect::<Vec<_>>()),
            "survival": model.survival().map(|m| json!({
                "duration": m.duration,
                "learner": m.name,
                "leaves": m.tree.n_leaves(),
                "hazard_leaves": m.leaves,
                "features": m.tree.schema().features.len(),
                "tree": m.tree.to_text(),
                "leaf_curves": m.tree.leaf_summaries(),
            })),
            "written": written,
        }));
    }
    if a.rules {
        let rules = exports
            .rules()
            .ok_or_else(|| unsupported("rule", "--rules"))?;
        if let Some(note) = exports.leaf_note() {
            eprint!("note: {note}");
        }
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
    if let Some((imp, what)) = &importance {
        s.push_str(&importance_text(imp, what));
    }
    if let Some(parents) = &parents {
        s.push_str(&parents_text(parents));
    }
    if let Some(m) = model.survival() {
        s.push_str(&format!(
            "\ntime to churn: {} with '{}' as the clock (not a feature of either model), \
             {} leaves, {}; each node's customers, churners and restricted mean lifetime, \
             each leaf's Kaplan–Meier median and survival\n{}",
            m.name,
            m.duration,
            m.tree.n_leaves(),
            m.leaf_model_text(),
            m.tree.to_text()
        ));
        if a.curves {
            s.push_str(&format!(
                "\nsurvival curve of each leaf (t: Ŝ(t) at every step)\n{}",
                m.tree.leaf_curves_text()
            ));
        }
    } else if a.curves {
        return Err(Error::param(
            "--curves",
            a.model.display(),
            "this model has no time-to-churn part (train it with --duration COL)",
        ));
    }
    emit(&s)?;
    Ok(())
}

/// `(feature, importance)` pairs and what they measure.
type Importance = (Vec<(String, f64)>, &'static str);

/// Feature importance, largest first, and what it measures: a tree's share of the
/// information gain (each split weighted by the training weight reaching it), a
/// network's mutual information of each feature with the class; None for other
/// models.
fn importance(body: &ModelBody) -> Result<Option<Importance>> {
    let (mut v, what): (Vec<(String, f64)>, _) = match body {
        ModelBody::Tree(t) => (
            t.tree
                .schema()
                .features
                .iter()
                .map(|f| f.name.clone())
                .zip(t.tree.importance())
                .collect(),
            "share of the tree's information gain, weighted by the rows reaching each split",
        ),
        ModelBody::Bayes(b) => {
            let (net, class) = (b.net(), b.class_node());
            let mi = class_mutual_information(net, class)?;
            (
                (0..net.n_vars())
                    .filter(|&v| v != class)
                    .map(|v| (net.variable(v).name.clone(), mi[v]))
                    .collect(),
                "mutual information with the class under the fitted network, bits",
            )
        }
        _ => return Ok(None),
    };
    v.sort_by(|a, b| b.1.total_cmp(&a.1));
    Ok(Some((v, what)))
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

fn importance_text(imp: &[(String, f64)], what: &str) -> String {
    let width = imp.iter().map(|(f, _)| f.len()).max().unwrap_or(8).max(8);
    let top = imp.iter().map(|x| x.1).fold(0.0f64, f64::max).max(1e-300);
    let mut s = format!("importance ({what}):\n");
    for (f, x) in imp.iter().filter(|(_, x)| *x > 0.0) {
        let bar = "#".repeat((x / top * 30.0).round() as usize);
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
