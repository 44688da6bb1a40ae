//! `churnkit train`: fit, validate (holdout or cross-validation) and save a model.

use std::path::PathBuf;

use serde_json::{Value, json};

use churnkit::data::CsvOptions;
use churnkit::eval::{self, Report};
use churnkit::model::Model;
use churnkit::registry::{self, Algorithm};
use churnkit::{Error, Result};

use crate::args::TrainArgs;
use crate::input::{data_options, read_labeled};
use crate::render::{emit, emit_json, phase, read_summary_json, read_summary_text, report_json};

pub fn train(a: TrainArgs) -> Result<()> {
    let algo: Algorithm = a.algo.parse()?;
    let algo_opts = a.algo_args.options(a.seed)?;
    algo_opts.check(algo)?; // bad flags fail before the data is read
    if let Some(k) = a.folds
        && k < 2
    {
        return Err(Error::param("--folds", k, "need at least 2 folds"));
    }
    let (table, read_report, load_seconds) =
        read_labeled(&a.data, &a.target, &a.labels, &a.data_args)?;

    // Validation, then the final model on the training rows.
    let (validation, train_rows, test_rows, validate_seconds, fitted) = match a.folds {
        Some(k) => {
            let learner = registry::learner(algo, &algo_opts)?;
            let (cv, secs) = phase(&format!("{k}-fold cross-validation"), || {
                eval::cross_validate(learner.as_ref(), &table, k, a.seed)
            })?;
            let rows = table.all_rows();
            let (fitted, _) = phase("fitting the final model on all rows", || {
                registry::fit(algo, &algo_opts, &table, &rows)
            })?;
            (Validation::Cv(Box::new(cv)), rows, Vec::new(), secs, fitted)
        }
        None => {
            let fraction = a.test_fraction.unwrap_or(0.3);
            let split = churnkit::data::stratified_holdout(table.labels(), fraction, a.seed)?;
            let (fitted, _) = phase("fitting", || {
                registry::fit(algo, &algo_opts, &table, &split.train)
            })?;
            let (report, secs) = phase("evaluating on the held-out rows", || {
                eval::evaluate(fitted.classifier(), &table, &split.test)
            })?;
            (
                Validation::Holdout {
                    fraction,
                    test_rows: split.test.len(),
                    report: Box::new(report),
                },
                split.train,
                split.test,
                secs,
                fitted,
            )
        }
    };
    let learner_name = fitted.classifier().name();
    let encode_seconds = fitted.encode_seconds;
    let fit_seconds = fitted.fit_seconds;

    let mut saved: Option<(PathBuf, u64)> = None;
    if let Some(path) = &a.output {
        let mut builder = Model::builder(fitted.body, &table, &train_rows)
            .params(algo_opts.to_json(algo))
            .missing_tokens(data_options(CsvOptions::new(&a.target), &a.data_args)?.missing());
        if !test_rows.is_empty() {
            builder = builder.validation(&table, &test_rows);
        }
        if let Some(econ) = a.econ.economics() {
            builder = builder.economics(econ);
        }
        let model = builder.build()?;
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
            "params": algo_opts.to_json(algo),
            "seed": a.seed,
            "data": read_summary_json(&table, &read_report, load_seconds),
            "train_rows": train_rows.len(),
            "load_seconds": load_seconds,
            "encode_seconds": encode_seconds,
            "fit_seconds": fit_seconds,
            "validate_seconds": validate_seconds,
            "model": saved.as_ref().map(|(p, _)| p.display().to_string()),
        });
        v["validation"] = validation.to_json()?;
        return emit_json(&v);
    }
    let mut s = format!("churnkit train: {learner_name} on {}\n", a.data.display());
    s.push_str(&read_summary_text(&table, &read_report, load_seconds));
    s.push_str(&validation.to_text(a.seed));
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
    emit(&s);
    Ok(())
}

/// What validation produced.
pub enum Validation {
    Holdout {
        fraction: f64,
        test_rows: usize,
        report: Box<Report>,
    },
    Cv(Box<eval::CrossValidation>),
}

impl Validation {
    pub fn to_json(&self) -> Result<Value> {
        Ok(match self {
            Validation::Holdout {
                fraction,
                test_rows,
                report,
            } => json!({
                "method": "holdout",
                "test_fraction": fraction,
                "test_rows": test_rows,
                "report": report_json(report)?,
            }),
            Validation::Cv(cv) => json!({
                "method": "cross-validation",
                "folds": cv.k,
                "summary": serde_json::to_value(&cv.summary).map_err(|e| Error::Fit(e.to_string()))?,
                "pooled": report_json(&cv.pooled)?,
            }),
        })
    }

    pub fn to_text(&self, seed: u64) -> String {
        match self {
            Validation::Holdout {
                fraction,
                test_rows,
                report,
            } => format!(
                "holdout   {:.0} % of the rows held out ({test_rows} rows, stratified, seed {seed})\n\n{report}\n",
                fraction * 100.0
            ),
            Validation::Cv(cv) => format!("\n{cv}\n"),
        }
    }
}
