//! `churnkit train`: fit, validate (holdout or cross-validation) and save a model.

use std::path::PathBuf;

use serde_json::json;

use churnkit::Result;
use churnkit::data::CsvOptions;
use churnkit::output::check_output_path;
use churnkit::registry::Algorithm;
use churnkit::train::{FinalFit, Pipeline, Trained, Validation};

use crate::args::TrainArgs;
use crate::input::{data_options, read_labeled};
use crate::render::{emit, emit_json, phase, read_summary_json, read_summary_text};

pub fn train(a: TrainArgs) -> Result<()> {
    let algo: Algorithm = a.algo.parse()?;
    let algo_opts = a.algo_args.options(a.seed)?;
    // Holdout: the model fitted on the training part is shipped as is (no refit).
    let validation = match a.folds {
        Some(k) => Validation::KFold { k, seed: a.seed },
        None => Validation::Holdout {
            fraction: a.test_fraction.unwrap_or(0.3),
            seed: a.seed,
        },
    };
    let mut pipeline = Pipeline::new(algo, algo_opts.clone())
        .validation(validation)
        .final_fit(FinalFit::TrainingPart)
        .missing_tokens(data_options(CsvOptions::new(&a.target), &a.data_args)?.missing());
    if let Some(econ) = a.econ.economics() {
        pipeline = pipeline.economics(econ);
    }
    pipeline.check()?; // bad flags fail before the data is read
    if let Some(path) = &a.output {
        check_output_path(path, &[&a.data], a.force)?; // before reading and fitting
    }
    let (table, read_report, load_seconds) =
        read_labeled(&a.data, &a.target, &a.labels, &a.data_args)?;

    let stage = match validation {
        Validation::KFold { k, .. } => {
            format!("{k}-fold cross-validation, then the final model on all rows")
        }
        _ => "fitting and evaluating on the held-out rows".to_string(),
    };
    let (trained, _) = phase(&stage, || pipeline.fit(&table))?;
    let Trained {
        model,
        validation,
        train_rows,
        encode_seconds,
        fit_seconds,
        validate_seconds,
    } = trained;
    let learner_name = model.classifier().name();

    let mut saved: Option<(PathBuf, u64)> = None;
    if let Some(path) = &a.output {
        let json_file = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"));
        if json_file {
            model.save_json(path)?;
        } else {
            model.save(path)?;
        }
        let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        saved = Some((path.clone(), bytes));
    }

    if a.json {
        let mut v = json!({
            "command": "train",
            "algo": algo.name(),
            "learner": learner_name,
            "params": model.summary().params.0.clone(),
            "seed": a.seed,
            "data": read_summary_json(&table, &read_report, load_seconds),
            "train_rows": train_rows.len(),
            "load_seconds": load_seconds,
            "encode_seconds": encode_seconds,
            "fit_seconds": fit_seconds,
            "validate_seconds": validate_seconds,
            "model": saved.as_ref().map(|(p, _)| p.display().to_string()),
        });
        v["validation"] = validation.to_json_value()?;
        return emit_json(&v);
    }
    let mut s = format!("churnkit train: {learner_name} on {}\n", a.data.display());
    s.push_str(&read_summary_text(&table, &read_report, load_seconds));
    s.push_str(&validation.to_string());
    if let Some(t) = model.summary().params.0.get("tuning") {
        s.push_str(&tuning_line(t));
    }
    s.push_str(&format!(
        "time      reading {:.3} s, encoding {:.3} s, fitting {:.3} s (final model on {} training rows), validating {:.3} s\n",
        load_seconds,
        encode_seconds,
        fit_seconds,
        train_rows.len(),
        validate_seconds
    ));
    match &saved {
        Some((p, bytes)) => s.push_str(&format!(
            "model     saved to {} ({} bytes)\n",
            p.display(),
            bytes
        )),
        None => s.push_str("model     not saved (give -o MODEL to save it)\n"),
    }
    emit(&s)?;
    Ok(())
}

/// One line on what the self-tuning chose (from the summary's `tuning` record).
fn tuning_line(t: &serde_json::Value) -> String {
    let c = &t["chosen"];
    let st = &c["setting"];
    let f = |v: &serde_json::Value| v.as_f64().unwrap_or(f64::NAN);
    let smoothing = match f(&st["smoothing"]) {
        m if m < 0.0 => "Laplace".to_string(),
        0.0 => "none".to_string(),
        m => format!("m-estimate m={m}"),
    };
    format!(
        "tuning    {} ({}-fold CV x{}, {} settings): binning {}, min leaf {}, max depth {}, pruning {}, smoothing {}; CV AUC {:.4} ± {:.4} (best {:.4}, one-SE rule)\n",
        t["mode"].as_str().unwrap_or("?"),
        t["folds"],
        t["repeats"],
        t["settings"],
        st["binning"],
        t["final_min_leaf"],
        if st["max_depth"].is_null() {
            "none".to_string()
        } else {
            st["max_depth"].to_string()
        },
        if st["confidence"].is_null() {
            "none".to_string()
        } else {
            format!("pessimistic CF {}", st["confidence"])
        },
        smoothing,
        f(&c["auc"]),
        f(&c["auc_se"]),
        f(&t["best"]["auc"]),
    )
}
