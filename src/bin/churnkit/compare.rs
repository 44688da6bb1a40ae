//! `churnkit compare`: algorithms side by side under cross-validation; with
//! `--duration`, the time-to-churn models too.

use serde_json::{Value, json};

use churnkit::data::Table;
use churnkit::eval::{
    self, KaplanMeierBaseline, Metric, SurvivalComparison, SurvivalEvalOptions, compare_survival,
};
use churnkit::registry::{self, AlgoOptions, Algorithm};
use churnkit::survival::{SurvivalData, SurvivalLearner};
use churnkit::{Error, Result};

use crate::args::CompareArgs;
use crate::input::{read_labeled, with_row_line};
use crate::render::{emit, emit_json, phase, read_summary_json, read_summary_text};

pub fn compare(a: CompareArgs) -> Result<()> {
    let algos: Vec<Algorithm> = a.algos.iter().map(|s| s.parse()).collect::<Result<_>>()?;
    let metric = Metric::ALL
        .into_iter()
        .find(|m| m.name() == a.metric)
        .ok_or_else(|| Error::param("--metric", &a.metric, "unknown metric"))?;
    let mut survival_opts = SurvivalEvalOptions::default().seed(a.seed);
    if let Some(h) = &a.within {
        survival_opts = survival_opts.horizons(h.clone());
        survival_opts.check().map_err(|_| {
            Error::param(
                "--within",
                format!("{h:?}"),
                "horizons must be numbers > 0, strictly increasing",
            )
        })?;
    }
    let opts = AlgoOptions {
        seed: Some(a.seed),
        ..AlgoOptions::default()
    };
    let learners: Vec<Box<dyn churnkit::Learner>> = algos
        .iter()
        .map(|&algo| registry::learner(algo, &opts))
        .collect::<Result<_>>()?;
    let refs: Vec<&dyn churnkit::Learner> = learners.iter().map(|l| l.as_ref()).collect();
    let crate::input::Labeled {
        table: full,
        report: read_report,
        seconds: load_seconds,
        ..
    } = read_labeled(&a.data, &a.target, &a.labels, &a.data_args)?;
    // The clock is the time axis of the survival models, not a feature of the
    // classifiers (as in `train --duration`); its values are checked first.
    let without;
    let table: &Table = match &a.duration {
        Some(d) => {
            SurvivalData::from_table(&full, d, &full.all_rows())
                .map_err(|e| with_row_line(e, &a.data, &read_report))?;
            without = full.without_feature(d)?;
            &without
        }
        None => &full,
    };
    let classifiers = if algos.is_empty() {
        None
    } else {
        Some(phase(
            &format!(
                "{}-fold cross-validation of {} ({} × {} fits)",
                a.folds,
                a.algos.join(", "),
                algos.len(),
                a.folds
            ),
            || eval::compare_on(&refs, table, a.folds, a.seed, metric),
        )?)
    };
    let survival: Option<(SurvivalComparison, f64)> = match &a.duration {
        Some(d) => {
            let km = KaplanMeierBaseline::new(d.clone());
            let tree = SurvivalLearner::new(d.clone()).seed(a.seed);
            Some(phase(
                &format!(
                    "{}-fold cross-validation of kaplan-meier, survival-tree (clock '{d}')",
                    a.folds
                ),
                || compare_survival(&[&km, &tree], &full, a.folds, a.seed, &survival_opts),
            )?)
        }
        None => None,
    };
    if a.json {
        let classifier_rows: Option<Vec<Value>> = classifiers.as_ref().map(|(cmp, _)| {
            cmp.results
                .iter()
                .zip(&cmp.tests)
                .map(|(cv, t)| {
                    json!({
                        "learner": cv.learner,
                        "summary": cv.summary,
                        "pooled_roc_auc": cv.pooled.roc_auc,
                        "test": t,
                    })
                })
                .collect()
        });
        let survival_json = survival.as_ref().map(|(cmp, seconds)| {
            json!({
                "duration": a.duration,
                "horizons": survival_opts.horizons,
                "results": cmp.results.iter().enumerate().map(|(i, cv)| json!({
                    "learner": cv.learner,
                    "summary": cv.summary,
                    "folds": cv.folds,
                    "fold_sizes": cv.fold_sizes,
                    "c_index_test": cmp.c_index_tests[i],
                    "ibs_test": cmp.ibs_tests[i],
                })).collect::<Vec<_>>(),
                "seconds": seconds,
            })
        });
        return emit_json(&json!({
            "command": "compare",
            "data": read_summary_json(&full, &read_report, load_seconds),
            "folds": a.folds,
            "seed": a.seed,
            "metric": metric.name(),
            "results": classifier_rows.unwrap_or_default(),
            "survival": survival_json,
            "seconds": classifiers.as_ref().map_or(0.0, |c| c.1),
        }));
    }
    let survival_text = |s: &mut String| {
        if let Some((cmp, seconds)) = &survival {
            s.push_str(&format!(
                "\ntime to churn, clock '{}' ({} folds in {:.2} s; Kaplan–Meier is the \
                 reference of the corrected resampled t-tests):\n{cmp}",
                a.duration.as_deref().unwrap_or_default(),
                a.folds,
                seconds
            ));
        }
    };
    if a.markdown {
        let mut s = classifiers
            .as_ref()
            .map_or_else(String::new, |(cmp, _)| cmp.to_markdown());
        survival_text(&mut s);
        emit(&s)?;
    } else {
        let mut s = read_summary_text(&full, &read_report, load_seconds);
        if let Some((cmp, seconds)) = &classifiers {
            s.push_str(&format!("\n{cmp}"));
            s.push_str(&format!(
                "\n({} algorithms × {} folds in {:.2} s; the first algorithm is the reference of the tests)\n",
                algos.len(),
                a.folds,
                seconds
            ));
        }
        survival_text(&mut s);
        if let Some((cmp, _)) = &survival {
            for cv in &cmp.results {
                s.push_str(&format!("\n{cv}"));
            }
        }
        emit(&s)?;
    }
    Ok(())
}
