//! `churnkit train`: fit, validate (holdout or cross-validation) and save a model.

use std::path::{Path, PathBuf};

use serde_json::json;

use churnkit::data::CsvOptions;
use churnkit::data::{Schema, Table};
use churnkit::output::check_output_path;
use churnkit::policy::{Playbook, StageSpec, TierSpec, WarningSpec};
use churnkit::registry::{Algorithm, ModelBody};
use churnkit::train::{
    FinalFit, Pipeline, Stage, StreamOptions, StreamSample, StreamTrained, Trained, Validation,
    ValidationReport, streams_by_default,
};
use churnkit::{Error, Result};

use crate::args::{StreamMode, TrainArgs, ValidateMode, WarningArgs};
use crate::input::{data_options, read_labeled};
use crate::render::{emit, emit_json, phase_with, read_summary_json, read_summary_text, thousands};

pub fn train(a: TrainArgs) -> Result<()> {
    if a.engine != "memory" {
        return crate::distributed::train(a);
    }
    let algo: Algorithm = a.algo.parse()?;
    let mut pipeline = pipeline(&a, algo)?;
    let validation = pipeline.train_options().validation;
    pipeline.check()?; // bad flags fail before the data is read
    if let Some(path) = &a.output {
        check_output_path(path, &[&a.data], a.force)?; // before reading and fitting
    }
    if streams(&a, &pipeline)? {
        return train_stream(&a, pipeline, algo);
    }
    let crate::input::Labeled {
        table,
        report: read_report,
        seconds: load_seconds,
        spec,
    } = read_labeled(&a.data, &a.target, &a.labels, &a.data_args)?;
    // The table lives until the process exits: freeing its columns one by one at the
    // end of the command would only delay the exit (tens of ms for 1M rows).
    let table = std::mem::ManuallyDrop::new(table);
    pipeline = pipeline.read_spec(spec); // evaluate and score read files the same way

    pipeline = pipeline.warning(warning_spec(&a.warning, table.schema())?);
    let stage = match validation {
        Validation::KFold { k, .. } => {
            format!("{k}-fold cross-validation, then the final model on all rows")
        }
        Validation::Holdout { .. } if a.fit.no_refit => {
            "fitting and evaluating on the held-out rows".to_string()
        }
        Validation::Holdout { .. } => {
            "evaluating on the held-out rows, then the final model on all rows".to_string()
        }
        _ => "fitting the model on all rows (no validation)".to_string(),
    };
    let (trained, _) = phase_with(&stage, |say| {
        pipeline.fit_with_progress(&table, &mut |st| {
            say(match st {
                Stage::Validating(Validation::KFold { k, .. }) => {
                    format!("{k}-fold cross-validation")
                }
                Stage::Validating(_) => "fitting and evaluating on the held-out rows".into(),
                Stage::FittingFinal { rows } => {
                    format!(
                        "fitting the model to save on {} rows",
                        thousands(rows as u64)
                    )
                }
                _ => "assembling the model".into(),
            })
        })
    })
    .map_err(|e| crate::input::with_row_line(e, &a.data, &read_report))?;
    let Trained {
        model,
        validation,
        train_rows,
        encode_seconds,
        fit_seconds,
        validate_seconds,
        warnings,
        survival,
    } = trained;
    let oob = match model.body() {
        ModelBody::Forest(f) => f.oob.clone(),
        _ => None,
    };
    let learner_name = model.classifier().name();

    let saved = save(&model, a.output.as_deref())?;

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
            "warnings": warnings,
        });
        if let Some(o) = &oob {
            v["out_of_bag"] = json!({ "rows": o.rows, "error": o.error, "roc_auc": o.auc });
        }
        v["validation"] = validation.to_json_value()?;
        if let Some(m) = model.survival() {
            v["survival"] = json!({
                "duration": m.duration,
                "leaves": m.tree.n_leaves(),
                "hazard_leaves": m.leaves,
                "validation": survival,
            });
        }
        return emit_json(&v);
    }
    let mut s = format!("churnkit train: {learner_name} on {}\n", a.data.display());
    s.push_str(&read_summary_text(&table, &read_report, load_seconds));
    for w in &warnings {
        s.push_str(&format!("warning   {w}\n"));
    }
    s.push_str(&validation.to_string());
    if let Some(m) = model.survival() {
        s.push_str(&format!(
            "survival  the clock is '{}' (not a feature of either model): a survival tree \
             with {} leaves; {}\n",
            m.duration,
            m.tree.n_leaves(),
            m.leaf_model_text()
        ));
        if let Some(v) = &survival {
            s.push_str(&format!("          {v}\n"));
        }
    }
    if let ValidationReport::Holdout { split, .. } = &validation
        && a.fit.no_refit
    {
        // The shipped model never saw the held-out rows: its own tiers on them.
        s.push_str(&tier_table(&model, &table, &split.test)?);
    } else if let Some(t) = out_of_sample_tiers(&model) {
        // The shipped model saw every row: the tiers of the validation models'
        // out-of-sample predictions, as stored in the model's summary.
        s.push_str(&t);
    }
    if let Some(o) = &oob {
        s.push_str(&format!(
            "out-of-bag  ROC AUC {}, error {:.4} ({} training rows, each by the trees that did not see it)\n",
            o.auc.map_or("n/a".into(), |a| format!("{a:.4}")),
            o.error,
            o.rows
        ));
    }
    if let Some(t) = model.summary().params.0.get("tuning") {
        s.push_str(&tuning_line(t));
    }
    s.push_str(&format!(
        "time      reading {:.3} s, encoding {:.3} s, fitting {:.3} s (saved model fitted on {} rows{}), validating {:.3} s\n",
        load_seconds,
        encode_seconds,
        fit_seconds,
        train_rows.len(),
        if train_rows.len() == table.n_rows() {
            ", all of them"
        } else {
            ", the holdout's training part (--no-refit)"
        },
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

/// The pipeline `train`'s flags ask for (without the read spec and warning
/// settings, which need the data): the algorithm and its options, the validation
/// ([`validation`]), the final fit (all rows unless --no-refit), tiers, missing
/// tokens, economics and the duration column.
pub(crate) fn pipeline(a: &TrainArgs, algo: Algorithm) -> Result<Pipeline> {
    let algo_opts = a.algo_args.options(a.seed)?;
    // The saved model is refitted on all rows unless --no-refit.
    let final_fit = if a.fit.no_refit {
        FinalFit::TrainingPart
    } else {
        FinalFit::AllRows
    };
    let mut pipeline = Pipeline::new(algo, algo_opts)
        .validation(validation(a)?)
        .final_fit(final_fit)
        .tiers(TierSpec::parse(&a.tiers)?)
        .missing_tokens(data_options(CsvOptions::new(&a.target), &a.data_args)?.missing());
    if let Some(econ) = a.econ.economics() {
        pipeline = pipeline.economics(econ);
    }
    if let Some(d) = &a.duration {
        pipeline = pipeline.duration(d);
    }
    Ok(pipeline)
}

/// The lines of a `train` report after the data: the warnings (each followed by
/// `note`), the validation, the out-of-sample tiers and the self-tuning's choice.
pub(crate) fn report_body(
    model: &churnkit::model::Model,
    validation: &ValidationReport,
    warnings: &[churnkit::train::LeakageWarning],
    note: &str,
) -> String {
    let mut s = String::new();
    for w in warnings {
        s.push_str(&format!("warning   {w}{note}\n"));
    }
    s.push_str(&validation.to_string());
    if let Some(t) = out_of_sample_tiers(model) {
        s.push_str(&t);
    }
    if let Some(t) = model.summary().params.0.get("tuning") {
        s.push_str(&tuning_line(t));
    }
    s
}

/// The playbook (warnings for its columns the table lacks, on stderr) and the
/// lifecycle stages: from `--tenure`, else a numeric feature named `tenure` or
/// `tenure_months` (any case and punctuation).
pub(crate) fn warning_spec(w: &WarningArgs, schema: &Schema) -> Result<WarningSpec> {
    let features: Vec<&str> = schema.features.iter().map(|f| f.name.as_str()).collect();
    let playbook = match &w.playbook {
        Some(path) => {
            let p = Playbook::load(path)?;
            for c in p.unknown_columns(&features) {
                eprintln!(
                    "warning: playbook {}: column '{c}' is not a feature of the data",
                    path.display()
                );
            }
            Some(p)
        }
        None => None,
    };
    let column = w.tenure.clone().or_else(|| {
        schema
            .features
            .iter()
            .find(|f| {
                let n: String = f
                    .name
                    .chars()
                    .filter(|c| c.is_alphanumeric())
                    .collect::<String>()
                    .to_lowercase();
                f.is_numeric() && (n == "tenure" || n == "tenuremonths")
            })
            .map(|f| f.name.clone())
    });
    let stages = match column {
        Some(c) => {
            let mut st = StageSpec::new(c);
            if let Some(cuts) = &w.stage_cuts {
                st.cuts = StageSpec::parse_cuts(cuts)?;
            }
            if let Some(l) = &w.stage_success {
                st.success = StageSpec::parse_success(l)?;
            }
            Some(st)
        }
        None if w.stage_cuts.is_some() || w.stage_success.is_some() => {
            return Err(churnkit::Error::param(
                "--stage-cuts/--stage-success",
                "",
                "need a tenure column (--tenure COL)",
            ));
        }
        None => None,
    };
    Ok(WarningSpec { playbook, stages })
}

/// The shipped model's tiers on the held-out rows (which it did not see): per tier the
/// customers, their actual churn rate and, with a CLV, the total value at risk.
/// Saves `model` to `path`, if given (as JSON for a `.json` file, the binary format
/// otherwise): the path and the file's size in bytes.
pub fn save(model: &churnkit::model::Model, path: Option<&Path>) -> Result<Option<(PathBuf, u64)>> {
    let Some(path) = path else {
        return Ok(None);
    };
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
    {
        model.save_json(path)?;
    } else {
        model.save(path)?;
    }
    let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    Ok(Some((path.to_path_buf(), bytes)))
}

fn tier_table(model: &churnkit::model::Model, table: &Table, rows: &[usize]) -> Result<String> {
    use churnkit::policy::Tier;
    let scores = churnkit::score::Scorer::new(model)
        .reasons(false)
        .score_rows(table, rows)?;
    let churn = table.schema().target.churn_class();
    let mut out = String::from(
        "tiers on the held-out rows\n  tier       customers        churn rate   value at risk\n",
    );
    for tier in [Tier::Retained, Tier::AtRisk, Tier::Churned] {
        let idx: Vec<usize> = (0..scores.len())
            .filter(|&i| scores[i].tier == tier)
            .collect();
        let n = idx.len();
        let churned = idx
            .iter()
            .filter(|&&i| table.labels()[rows[i]] as usize == churn)
            .count();
        let var: f64 = idx
            .iter()
            .filter_map(|&i| scores[i].retention.as_ref().map(|r| r.value_at_risk))
            .filter(|v| v.is_finite())
            .sum();
        let has_clv = scores.iter().any(|s| s.retention.is_some());
        out.push_str(&format!(
            "  {:<10} {n:>6} ({:>5.1} %)  {:>9}  {:>14}\n",
            tier.as_str(),
            100.0 * n as f64 / scores.len().max(1) as f64,
            if n > 0 {
                format!("{:.1} %", 100.0 * churned as f64 / n as f64)
            } else {
                "-".to_string()
            },
            if has_clv {
                format!("{var:.0}")
            } else {
                "-".to_string()
            },
        ));
    }
    out.push('\n');
    Ok(out)
}

/// The tier table of the out-of-sample predictions the tier policy was chosen on
/// (summary metrics `tier_share_<tier>`, `tier_churn_rate_<tier>`), if any.
fn out_of_sample_tiers(model: &churnkit::model::Model) -> Option<String> {
    let m = &model.summary().metrics;
    if !m.keys().any(|k| k.starts_with("tier_share_")) {
        return None;
    }
    let mut out = String::from(
        "tiers out of sample (the validation models' predictions)
  tier       customers  churn rate
",
    );
    for t in ["retained", "at_risk", "churned"] {
        let share = m.get(&format!("tier_share_{t}")).copied().unwrap_or(0.0);
        let rate = m
            .get(&format!("tier_churn_rate_{t}"))
            .map_or("-".to_string(), |r| format!("{:.1} %", r * 100.0));
        out.push_str(&format!("  {t:<10} {:>7.1} %  {rate:>10}\n", share * 100.0));
    }
    out.push('\n');
    Some(out)
}

/// The validation `train`'s flags ask for: --validate, --folds, --test-fraction
/// (0 means none).
fn validation(a: &TrainArgs) -> Result<Validation> {
    let seed = a.seed;
    let holdout = |fraction: f64| {
        if fraction == 0.0 {
            Validation::None
        } else {
            Validation::Holdout { fraction, seed }
        }
    };
    let v = match (a.fit.validate, a.folds) {
        (Some(ValidateMode::None), None) => Validation::None,
        (Some(ValidateMode::None), Some(_)) => {
            return Err(Error::param(
                "--validate",
                "none",
                "--folds needs validation (drop --folds or --validate none)",
            ));
        }
        (Some(ValidateMode::Kfold), k) | (None, k @ Some(_)) => Validation::KFold {
            k: k.unwrap_or(5),
            seed,
        },
        (Some(ValidateMode::Holdout) | None, _) => holdout(a.test_fraction.unwrap_or(0.3)),
    };
    if a.fit.no_refit && !matches!(v, Validation::Holdout { .. }) {
        return Err(Error::param(
            "--no-refit",
            "",
            "only applies to a holdout (without it, k-fold and no validation fit on all rows)",
        ));
    }
    if let (Some(f), Some(ValidateMode::Kfold | ValidateMode::None)) =
        (a.test_fraction, a.fit.validate)
        && f != 0.0
    {
        return Err(Error::param(
            "--test-fraction",
            f,
            "only applies to --validate holdout",
        ));
    }
    Ok(v)
}

/// One line on what the self-tuning chose (from the summary's `tuning` record).
fn tuning_line(t: &serde_json::Value) -> String {
    if let Some(cands) = t["candidates"].as_array() {
        // A forest's out-of-bag tuning.
        let i = t["chosen"].as_u64().unwrap_or(0) as usize;
        let c = &cands.get(i).cloned().unwrap_or_default();
        let trees = t["trees_curve"]
            .as_array()
            .and_then(|v| v.last())
            .map_or(String::from("?"), |x| x[0].to_string());
        return format!(
            "tuning    out-of-bag ({} candidates): {} features per node, min leaf {}, sample fraction {}; OOB AUC {:.4}; {} trees\n",
            cands.len(),
            c["max_features"],
            c["min_leaf"],
            c["sample_fraction"],
            c["oob_auc"].as_f64().unwrap_or(f64::NAN),
            trees
        );
    }
    let c = &t["chosen"];
    let st = &c["setting"];
    let f = |v: &serde_json::Value| v.as_f64().unwrap_or(f64::NAN);
    let smoothing = match f(&st["smoothing"]) {
        m if m < 0.0 => "Laplace".to_string(),
        0.0 => "none".to_string(),
        m => format!("m-estimate m={m}"),
    };
    let leaf = match t["leaf_alpha"].as_f64() {
        Some(a) if a > 0.0 && t["leaf_weighted"].as_bool() == Some(true) => format!(
            ", weighted naive-Bayes leaves α = {a} (λ = {})",
            t["leaf_lambda"]
        ),
        Some(a) if a > 0.0 => format!(", naive-Bayes leaves α = {a}"),
        Some(_) => ", constant leaves".to_string(),
        None => String::new(),
    };
    format!(
        "tuning    {} ({}-fold CV x{}, {} settings): binning {}, min leaf {}, max depth {}, pruning {}, smoothing {}; CV AUC {:.4} ± {:.4} (best {:.4}, one-SE rule){leaf}\n",
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
        if let Some(cf) = st["pruning"]["Pessimistic"]["confidence"].as_f64() {
            format!("pessimistic CF {cf}")
        } else if let Some(a) = st["pruning"]["CostComplexity"]["alpha"].as_f64() {
            format!("cost-complexity alpha {a}")
        } else {
            "none".to_string()
        },
        smoothing,
        f(&c["auc"]),
        f(&c["auc_se"]),
        f(&t["best"]["auc"]),
    )
}

/// Whether `train` streams the file (`--stream`): always with `on` (a CSV; the
/// pipeline must stream, else its error), never with `off`, and with `auto` for CSV
/// files over 512 MiB when the pipeline streams (else in memory, said on stderr).
fn streams(a: &TrainArgs, pipeline: &Pipeline) -> Result<bool> {
    let csv = match a.data_args.format {
        Some(f) => churnkit::data::DataFormat::from(f) == churnkit::data::DataFormat::Csv,
        None => churnkit::data::DataFormat::from_path(&a.data) == churnkit::data::DataFormat::Csv,
    };
    match a.stream {
        StreamMode::Off => Ok(false),
        StreamMode::On if !csv => Err(Error::param(
            "--stream",
            "on",
            "streams CSV files only (this one is read as Parquet or Arrow)",
        )),
        StreamMode::On => pipeline.check_stream().map(|_| true),
        StreamMode::Auto if !csv || !streams_by_default(&a.data) => Ok(false),
        StreamMode::Auto => match pipeline.check_stream() {
            Ok(()) => Ok(true),
            Err(e) => {
                eprintln!(
                    "note: {} is over 512 MiB but is read into memory: {e}",
                    a.data.display()
                );
                Ok(false)
            }
        },
    }
}

/// `train` by streaming: pass 1 (the sample and the whole file's counts), then
/// validation and tuning on the sample, pass 2 and the final fit on every row.
fn train_stream(a: &TrainArgs, mut pipeline: Pipeline, algo: Algorithm) -> Result<()> {
    let opts = crate::input::label_options(
        crate::input::data_options(CsvOptions::new(&a.target), &a.data_args)?,
        &a.labels,
    )?;
    let stream = StreamOptions::default()
        .sample_rows(a.stream_sample)
        .seed(a.seed);
    stream.check()?;
    let (sample, load_seconds) = crate::render::phase(
        &format!("reading {} (streaming, pass 1)", a.data.display()),
        || StreamSample::read(&a.data, &opts, &stream),
    )?;
    pipeline = pipeline.read_spec(sample.read_spec());
    pipeline = pipeline.warning(warning_spec(&a.warning, sample.table.schema())?);
    let report = sample.report.clone();
    let (rows, n_sample) = (sample.rows, sample.table.n_rows());
    let features = sample.table.n_features();
    let classes = sample.table.schema().target.classes.clone();
    let class_counts = sample.class_counts.clone();
    let (trained, _) = phase_with("validating on the sample", |say| {
        pipeline.fit_stream_with_progress(sample, &mut |st| {
            say(match st {
                Stage::Validating(Validation::KFold { k, .. }) => {
                    format!(
                        "{k}-fold cross-validation on the sample of {}",
                        thousands(n_sample as u64)
                    )
                }
                Stage::Validating(_) => {
                    "fitting and evaluating on the sample's held-out rows".into()
                }
                Stage::FittingFinal { rows } => format!(
                    "tuning on the sample, encoding and fitting the model on {} rows (pass 2)",
                    thousands(rows as u64)
                ),
                _ => "assembling the model".into(),
            })
        })
    })?;
    let StreamTrained {
        model,
        validation,
        encode_seconds,
        fit_seconds,
        validate_seconds,
        warnings,
        ..
    } = trained;
    let learner_name = model.classifier().name();
    let saved = save(&model, a.output.as_deref())?;
    if a.json {
        let mut v = json!({
            "command": "train",
            "algo": algo.name(),
            "learner": learner_name,
            "params": model.summary().params.0.clone(),
            "seed": a.seed,
            "data": {
                "file": report.source,
                "rows": rows,
                "rows_read": report.rows_read,
                "skipped_rows": report.skipped_rows,
                "skipped_lines": report.skipped_lines,
                "features": features,
                "classes": classes,
                "class_counts": class_counts,
                "label_map": report.label_map,
                "load_seconds": load_seconds,
            },
            "stream": { "rows": rows, "sample_rows": n_sample, "sample_seed": a.seed },
            "train_rows": rows,
            "load_seconds": load_seconds,
            "encode_seconds": encode_seconds,
            "fit_seconds": fit_seconds,
            "validate_seconds": validate_seconds,
            "model": saved.as_ref().map(|(p, _)| p.display().to_string()),
            "warnings": warnings,
        });
        v["validation"] = validation.to_json_value()?;
        return emit_json(&v);
    }
    let balance: Vec<String> = classes
        .iter()
        .zip(&class_counts)
        .map(|(c, n)| format!("{c} {n}"))
        .collect();
    let mut s = format!("churnkit train: {learner_name} on {}\n", a.data.display());
    s.push_str(&format!(
        "data      {}: {} rows, {features} features, target '{}' — {}\n",
        report.source,
        thousands(rows as u64),
        a.target,
        balance.join(", ")
    ));
    if report.skipped_rows > 0 {
        s.push_str(&format!(
            "          skipped {} rows with a missing or unknown label\n",
            report.skipped_rows
        ));
    }
    s.push_str(&format!(
        "stream    validation, tuning and binning on a sample of {} rows (seed {}); the model is fitted on all {} rows\n",
        thousands(n_sample as u64),
        a.seed,
        thousands(rows as u64)
    ));
    s.push_str(&report_body(
        &model,
        &validation,
        &warnings,
        " (on the sample)",
    ));
    s.push_str(&format!(
        "time      reading {load_seconds:.3} s (pass 1), encoding {encode_seconds:.3} s (pass 2), fitting {fit_seconds:.3} s, validating {validate_seconds:.3} s\n"
    ));
    match &saved {
        Some((p, bytes)) => s.push_str(&format!(
            "model     saved to {} ({} bytes)\n",
            p.display(),
            bytes
        )),
        None => s.push_str("model     not saved (give -o MODEL to save it)\n"),
    }
    emit(&s)
}
