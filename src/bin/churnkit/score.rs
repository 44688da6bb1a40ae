//! `churnkit score`: stream a CSV of customers through a saved model.

use std::io::IsTerminal;
use std::time::Instant;

use serde_json::json;

use churnkit::data::MissingTokens;
use churnkit::output::check_output_path;
use churnkit::policy::{Playbook, StageSpec, TierSpec};
use churnkit::score::{BatchOptions, OutputFormat, Scorer, score_csv_file};
use churnkit::{Error, Result};

use crate::args::ScoreArgs;
use crate::input::{load_model, parse_delimiter};
use crate::render::{BatchBar, emit, emit_json};

pub fn score(a: ScoreArgs) -> Result<()> {
    // Before reading anything: never the input or the model, never a device.
    check_output_path(&a.output, &[&a.data, &a.model], a.force)?;
    let model = load_model(&a.model)?;
    let mut scorer = Scorer::new(&model); // reads cells with the model's missing tokens
    if let Some(tokens) = &a.missing {
        scorer = scorer.missing_tokens(MissingTokens::new(tokens));
    }
    if let Some(text) = &a.tiers {
        match TierSpec::parse(text)? {
            TierSpec::Auto => {}
            TierSpec::Given(policy) => scorer = scorer.tier_policy(policy)?,
            _ => {
                return Err(Error::param(
                    "--tiers",
                    text,
                    "top: and chosen thresholds need out-of-sample predictions: give them to `train`",
                ));
            }
        }
    }
    if let Some(path) = &a.warning.playbook {
        let p = Playbook::load(path)?;
        let features: Vec<&str> = model
            .schema()
            .features
            .iter()
            .map(|f| f.name.as_str())
            .collect();
        for c in p.unknown_columns(&features) {
            eprintln!(
                "warning: playbook {}: column '{c}' is not a feature of the model",
                path.display()
            );
        }
        scorer = scorer.playbook(p);
    }
    let w = &a.warning;
    if w.tenure.is_some() || w.stage_cuts.is_some() || w.stage_success.is_some() {
        let mut st = match (&w.tenure, &model.warning().stages) {
            (Some(c), _) => StageSpec::new(c.clone()),
            (None, Some(st)) => st.clone(),
            (None, None) => {
                return Err(Error::param(
                    "--stage-cuts/--stage-success",
                    "",
                    "the model has no tenure column: give --tenure COL",
                ));
            }
        };
        let numeric = model
            .schema()
            .feature_index(&st.column)
            .is_some_and(|j| model.schema().features[j].is_numeric());
        if !numeric {
            return Err(Error::param(
                "--tenure",
                &st.column,
                "must be a numeric feature of the model",
            ));
        }
        if let Some(cuts) = &w.stage_cuts {
            st.cuts = StageSpec::parse_cuts(cuts)?;
        }
        if let Some(l) = &w.stage_success {
            st.success = StageSpec::parse_success(l)?;
        }
        scorer = scorer.stages(Some(st))?;
    }
    if let Some(econ) = a.econ.economics() {
        scorer = scorer.economics(econ)?;
    }
    let mut opts = BatchOptions {
        delimiter: parse_delimiter(&a.delimiter)?,
        id_column: a.id.clone(),
        skip_bad_rows: a.skip_bad_rows,
        precision: Some(a.precision),
        format: if a.json_lines {
            OutputFormat::JsonLines
        } else {
            OutputFormat::Csv
        },
        ..BatchOptions::default()
    };
    let bar = (a.progress && std::io::stderr().is_terminal()).then(BatchBar::default);
    if let Some(bar) = &bar {
        let bar = bar.clone();
        opts = opts.on_progress(move |p| bar.update(p));
    }
    let start = Instant::now();
    let report = score_csv_file(&scorer, &a.data, &a.output, &opts)?;
    if let Some(bar) = &bar {
        bar.finish(report.rows_out);
    }
    let seconds = start.elapsed().as_secs_f64();
    if a.json {
        let mut v = serde_json::to_value(&report).map_err(|e| Error::Fit(e.to_string()))?;
        v["command"] = "score".into();
        v["output"] = json!(a.output);
        v["seconds"] = json!(seconds);
        return emit_json(&v);
    }
    let mut s = format!(
        "scored {} of {} customers with {} ({}) into {} in {:.2} s ({:.0} rows/s)\n",
        report.rows_out,
        report.rows_in,
        a.model.display(),
        model.summary().learner,
        a.output.display(),
        seconds,
        report.rows_in as f64 / seconds.max(1e-9)
    );
    if report.rows_skipped > 0 {
        s.push_str(&format!("skipped {} rows:\n", report.rows_skipped));
        for e in report.errors.iter().take(5) {
            s.push_str(&format!("  {e}\n"));
        }
    }
    if report.rows_with_warnings > 0 {
        s.push_str(&format!(
            "{} rows carry warnings (see the `warning` column)\n",
            report.rows_with_warnings
        ));
    }
    for w in &report.column_warnings {
        s.push_str(&format!("warning: {w}\n"));
    }
    emit(&s)?;
    Ok(())
}
