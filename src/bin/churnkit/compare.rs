//! `churnkit compare`: algorithms side by side under cross-validation.

use serde_json::{Value, json};

use churnkit::eval::{self, Metric};
use churnkit::registry::{self, AlgoOptions, Algorithm};
use churnkit::{Error, Result};

use crate::args::CompareArgs;
use crate::input::read_labeled;
use crate::render::{emit, emit_json, phase, read_summary_json, read_summary_text};

pub fn compare(a: CompareArgs) -> Result<()> {
    let algos: Vec<Algorithm> = a.algos.iter().map(|s| s.parse()).collect::<Result<_>>()?;
    let metric = Metric::ALL
        .into_iter()
        .find(|m| m.name() == a.metric)
        .ok_or_else(|| Error::param("--metric", &a.metric, "unknown metric"))?;
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
        table,
        report: read_report,
        seconds: load_seconds,
        ..
    } = read_labeled(&a.data, &a.target, &a.labels, &a.data_args)?;
    let (cmp, seconds) = phase(
        &format!(
            "{}-fold cross-validation of {} ({} × {} fits)",
            a.folds,
            a.algos.join(", "),
            algos.len(),
            a.folds
        ),
        || eval::compare_on(&refs, &table, a.folds, a.seed, metric),
    )?;
    if a.json {
        let rows: Vec<Value> = cmp
            .results
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
            .collect();
        return emit_json(&json!({
            "command": "compare",
            "data": read_summary_json(&table, &read_report, load_seconds),
            "folds": a.folds,
            "seed": a.seed,
            "metric": metric.name(),
            "results": rows,
            "seconds": seconds,
        }));
    }
    if a.markdown {
        emit(&cmp.to_markdown())?;
    } else {
        let mut s = read_summary_text(&table, &read_report, load_seconds);
        s.push_str(&format!("\n{cmp}"));
        s.push_str(&format!(
            "\n({} algorithms × {} folds in {:.2} s; the first algorithm is the reference of the tests)\n",
            algos.len(),
            a.folds,
            seconds
        ));
        emit(&s)?;
    }
    Ok(())
}
