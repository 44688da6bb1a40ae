//! Drivers: holdout validation, k-fold cross-validation, and side-by-side comparison of

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::metrics::predicted_classes;
use super::report::{Metric, Report};
use super::stats::{CorrectedTTest, McNemar, corrected_resampled_t_test, mcnemar_test};
use crate::data::{Fold, Holdout, Table, stratified_holdout, stratified_kfold};
use crate::error::{Error, Result};
use crate::learner::{Classifier, Learner};

/// Refuses a table without target values (every driver needs the truth).
pub(super) fn check_labeled(table: &Table) -> Result<()> {
    if !table.is_labeled() {
        return Err(Error::schema(
            "evaluation needs a labeled table (this one has no target values)",
        ));
    }
    Ok(())
}

/// Class probabilities of `classifier` for `rows` of `table`, row-major
/// (`rows.len() × K`), after checking that the classifier's classes are the table's.
pub fn predict_rows(
    classifier: &dyn Classifier,
    table: &Table,
    rows: &[usize],
) -> Result<Vec<f64>> {
    let classes = &table.schema().target.classes;
    if classifier.classes() != classes.as_slice() {
        return Err(Error::schema(format!(
            "classifier '{}' predicts classes {:?} but the table has {:?}",
            classifier.name(),
            classifier.classes(),
            classes
        )));
    }
    let mut out = vec![0.0; rows.len() * classes.len()];
    classifier.predict_proba_into(table, rows, &mut out)?;
    Ok(out)
}

/// Evaluates a fitted classifier on `rows` of a labeled table (weighted when the table
/// has sample weights).
pub fn evaluate(classifier: &dyn Classifier, table: &Table, rows: &[usize]) -> Result<Report> {
    check_labeled(table)?;
    let proba = predict_rows(classifier, table, rows)?;
    report_for(table, rows, &proba)
}

fn report_for(table: &Table, rows: &[usize], proba: &[f64]) -> Result<Report> {
    let labels: Vec<u8> = rows.iter().map(|&r| table.labels()[r]).collect();
    let weights: Option<Vec<f64>> = table
        .weights()
        .map(|w| rows.iter().map(|&r| w[r]).collect());
    Report::from_proba(
        &table.schema().target.classes,
        &labels,
        weights.as_deref(),
        proba,
    )
}

/// A classifier fitted on the training part of a holdout, and its report on the rest.
pub struct HoldoutResult {
    /// The classifier fitted on `split.train`.
    pub classifier: Box<dyn Classifier>,
    /// Its report on `split.test`.
    pub report: Report,
    /// The row indices of both parts.
    pub split: Holdout,
}

/// Holdout validation: a stratified split keeping `test_fraction` of each class for
/// testing (seeded), the learner fitted on the rest, the report on the held-out rows.
pub fn holdout(
    learner: &dyn Learner,
    table: &Table,
    test_fraction: f64,
    seed: u64,
) -> Result<HoldoutResult> {
    check_labeled(table)?;
    let split = stratified_holdout(table.labels(), test_fraction, seed)?;
    let classifier = learner.fit(table, &split.train)?;
    let report = evaluate(classifier.as_ref(), table, &split.test)?;
    Ok(HoldoutResult {
        classifier,
        report,
        split,
    })
}

/// Whether cross-validation folds run on rayon's thread pool or one after another.
/// Both give identical results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Execution {
    /// Folds in parallel (the default).
    #[default]
    Parallel,
    /// Folds one after another.
    Serial,
}

/// Mean and sample standard deviation of one metric over folds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MetricSummary {
    /// The metric.
    pub metric: Metric,
    /// Mean over the folds where it is defined.
    pub mean: f64,
    /// Sample standard deviation (`n − 1` denominator; 0 for one fold).
    pub sd: f64,
    /// Number of folds where it is defined.
    pub folds: usize,
}

fn summarize(metric: Metric, values: &[Option<f64>]) -> Option<MetricSummary> {
    let v: Vec<f64> = values.iter().flatten().copied().collect();
    if v.is_empty() {
        return None;
    }
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let sd = if v.len() > 1 {
        (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
    } else {
        0.0
    };
    Some(MetricSummary {
        metric,
        mean,
        sd,
        folds: v.len(),
    })
}

/// The result of k-fold cross-validation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CrossValidation {
    /// The learner's name.
    pub learner: String,
    /// Number of folds.
    pub k: usize,
    /// The seed of the fold assignment.
    pub seed: u64,
    /// One report per fold, on that fold's test rows.
    pub folds: Vec<Report>,
    /// `(training rows, test rows)` of each fold.
    pub fold_sizes: Vec<(usize, usize)>,
    /// Mean ± sd over folds of every metric defined on at least one fold.
    pub summary: Vec<MetricSummary>,
    /// Out-of-fold probabilities of every row of the table, row-major (`n × K`): row
    /// `r`'s probabilities come from the model that did not see it.
    pub oof_proba: Vec<f64>,
    /// The fold in which each row was a test row.
    pub oof_fold: Vec<usize>,
    /// The report on the pooled out-of-fold predictions of all rows (AUC, lift and
    /// profit over the whole table rather than averaged over folds).
    ///
    /// Caveat: pooled ranking metrics mix the score scales of k different models. For
    /// a model whose scores shift between folds this can differ from the fold mean —
    /// even ZeroR, whose constant score is ½ AUC in every fold, gets a pooled AUC
    /// below ½ because each fold's constant is its training churn rate, which is
    /// lowest where the test fold holds the most churners. Report the fold mean ± sd
    /// as the estimate; use the pooled figures for curves and tables.
    pub pooled: Report,
}

impl CrossValidation {
    /// The mean ± sd of one metric (None when undefined on every fold).
    pub fn summary_of(&self, metric: Metric) -> Option<&MetricSummary> {
        self.summary.iter().find(|s| s.metric == metric)
    }

    /// The per-fold values of one metric.
    pub fn fold_values(&self, metric: Metric) -> Vec<Option<f64>> {
        self.folds.iter().map(|r| metric.of(r)).collect()
    }
}

impl std::fmt::Display for CrossValidation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{}-fold cross-validation of {} (seed {}, {} rows)",
            self.k, self.learner, self.seed, self.pooled.n_rows
        )?;
        writeln!(
            f,
            "  {:<20} {:>9} {:>9} {:>9}",
            "metric", "mean", "sd", "pooled"
        )?;
        for s in &self.summary {
            let pooled = s
                .metric
                .of(&self.pooled)
                .map_or_else(|| "n/a".into(), |v| format!("{v:.4}"));
            writeln!(
                f,
                "  {:<20} {:>9.4} {:>9.4} {:>9}",
                s.metric.name(),
                s.mean,
                s.sd,
                pooled
            )?;
        }
        Ok(())
    }
}

/// Drivers: holdout validation, k-fold cross-validation, and side-by-side comparison of
/// learners on identical folds with significance tests.
///
/// Every driver splits row indices with the seeded stratified splits of
/// [`data::split`](crate::data::split), calls [`Learner::fit`] with the **training rows
/// only** (so the learner fits its discretizer inside the fold: no leakage from the
/// test rows), and scores the test rows through [`Classifier::predict_proba_into`] in
/// one batch. Same table + same seed = same folds = same numbers, whether the folds run
/// in parallel (rayon) or serially.
///
/// k-fold stratified cross-validation with folds in parallel.
///
/// Returns per-fold reports, mean ± sd of each metric, and the pooled out-of-fold
/// predictions with their report.
pub fn cross_validate(
    learner: &dyn Learner,
    table: &Table,
    k: usize,
    seed: u64,
) -> Result<CrossValidation> {
    cross_validate_with(learner, table, k, seed, Execution::Parallel)
}

/// [`cross_validate`] with the choice of parallel or serial folds.
pub fn cross_validate_with(
    learner: &dyn Learner,
    table: &Table,
    k: usize,
    seed: u64,
    execution: Execution,
) -> Result<CrossValidation> {
    check_labeled(table)?;
    let folds = stratified_kfold(table.labels(), k, seed)?;
    cross_validate_folds(learner, table, &folds, seed, execution)
}

fn run_fold(learner: &dyn Learner, table: &Table, fold: &Fold) -> Result<(Vec<f64>, Report)> {
    let model = learner.fit(table, &fold.train)?;
    let proba = predict_rows(model.as_ref(), table, &fold.test)?;
    let report = report_for(table, &fold.test, &proba)?;
    Ok((proba, report))
}

fn cross_validate_folds(
    learner: &dyn Learner,
    table: &Table,
    folds: &[Fold],
    seed: u64,
    execution: Execution,
) -> Result<CrossValidation> {
    let results: Vec<(Vec<f64>, Report)> = match execution {
        Execution::Parallel => folds
            .par_iter()
            .map(|f| run_fold(learner, table, f))
            .collect::<Result<_>>()?,
        Execution::Serial => folds
            .iter()
            .map(|f| run_fold(learner, table, f))
            .collect::<Result<_>>()?,
    };
    let kc = table.schema().target.n_classes();
    let n = table.n_rows();
    let mut oof_proba = vec![0.0; n * kc];
    let mut oof_fold = vec![0; n];
    for (i, (fold, (proba, _))) in folds.iter().zip(&results).enumerate() {
        for (j, &r) in fold.test.iter().enumerate() {
            oof_proba[r * kc..(r + 1) * kc].copy_from_slice(&proba[j * kc..(j + 1) * kc]);
            oof_fold[r] = i;
        }
    }
    let reports: Vec<Report> = results.into_iter().map(|(_, r)| r).collect();
    let summary = Metric::ALL
        .iter()
        .filter_map(|&m| {
            let v: Vec<Option<f64>> = reports.iter().map(|r| m.of(r)).collect();
            summarize(m, &v)
        })
        .collect();
    let pooled = report_for(table, &table.all_rows(), &oof_proba)?;
    Ok(CrossValidation {
        learner: learner.name(),
        k: folds.len(),
        seed,
        folds: reports,
        fold_sizes: folds
            .iter()
            .map(|f| (f.train.len(), f.test.len()))
            .collect(),
        summary,
        oof_proba,
        oof_fold,
        pooled,
    })
}

/// A p-value with 4 decimals, or `< 0.0001`.
fn fmt_p(p: f64) -> String {
    if p < 1e-4 {
        "< 0.0001".into()
    } else {
        format!("{p:.4}")
    }
}

/// Learners compared on identical folds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// The metric the significance tests are run on.
    pub metric: Metric,
    /// One cross-validation per learner, all on the same folds; the first is the
    /// reference.
    pub results: Vec<CrossValidation>,
    /// For each learner, the corrected resampled t-test of its per-fold `metric`
    /// against the first learner's (None for the first learner, and where the metric
    /// is undefined on some fold).
    pub tests: Vec<Option<CorrectedTTest>>,
}

/// The metrics shown side by side in comparison tables.
const TABLE_METRICS: [Metric; 6] = [
    Metric::Accuracy,
    Metric::RocAuc,
    Metric::F1,
    Metric::LogLoss,
    Metric::TopDecileLift,
    Metric::Emp,
];

impl Comparison {
    fn cell(cv: &CrossValidation, m: Metric) -> String {
        cv.summary_of(m)
            .map_or_else(|| "n/a".into(), |s| format!("{:.4} ± {:.4}", s.mean, s.sd))
    }

    fn test_cells(&self, i: usize) -> [String; 3] {
        match &self.tests[i] {
            None if i == 0 => ["(reference)".into(), String::new(), String::new()],
            None => ["n/a".into(), "n/a".into(), String::new()],
            Some(t) => [
                format!("{:+.4}", t.mean_difference),
                fmt_p(t.p_value),
                if t.significant { "yes" } else { "no" }.into(),
            ],
        }
    }

    /// The comparison as a Markdown table (mean ± sd over folds; the last columns test
    /// each learner's `metric` against the first learner at the 5% level).
    pub fn to_markdown(&self) -> String {
        let mut s = String::from("| learner |");
        for m in TABLE_METRICS {
            s.push_str(&format!(" {} |", m.name()));
        }
        s.push_str(&format!(
            " Δ {} vs first | p (corrected t) | significant at 5% |\n|---|",
            self.metric.name()
        ));
        for _ in 0..TABLE_METRICS.len() + 3 {
            s.push_str("---:|");
        }
        s.push('\n');
        for (i, cv) in self.results.iter().enumerate() {
            s.push_str(&format!("| {} |", cv.learner));
            for m in TABLE_METRICS {
                s.push_str(&format!(" {} |", Self::cell(cv, m)));
            }
            for c in self.test_cells(i) {
                s.push_str(&format!(" {c} |"));
            }
            s.push('\n');
        }
        s
    }
}

impl std::fmt::Display for Comparison {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let k = self.results.first().map_or(0, |r| r.k);
        writeln!(
            f,
            "{k}-fold comparison (mean ± sd); test: corrected resampled t on {}",
            self.metric
        )?;
        let lw = self
            .results
            .iter()
            .map(|r| r.learner.len())
            .max()
            .unwrap_or(7)
            .max(7);
        write!(f, "  {:<lw$}", "learner")?;
        for m in TABLE_METRICS {
            write!(f, " {:>17}", m.name())?;
        }
        writeln!(f, " {:>12} {:>8} {:>5}", "Δ", "p", "sig")?;
        for (i, cv) in self.results.iter().enumerate() {
            write!(f, "  {:<lw$}", cv.learner)?;
            for m in TABLE_METRICS {
                write!(f, " {:>17}", Self::cell(cv, m))?;
            }
            let [d, p, s] = self.test_cells(i);
            writeln!(f, " {d:>12} {p:>8} {s:>5}")?;
        }
        Ok(())
    }
}

/// Every learner on identical stratified folds, side by side, with the corrected
/// resampled t-test (Nadeau & Bengio 2003) of each learner's per-fold accuracy against
/// the first learner's.
pub fn compare(
    learners: &[&dyn Learner],
    table: &Table,
    k: usize,
    seed: u64,
) -> Result<Comparison> {
    compare_on(learners, table, k, seed, Metric::Accuracy)
}

/// [`compare`], testing another metric (e.g. [`Metric::RocAuc`]).
pub fn compare_on(
    learners: &[&dyn Learner],
    table: &Table,
    k: usize,
    seed: u64,
    metric: Metric,
) -> Result<Comparison> {
    if learners.is_empty() {
        return Err(Error::param("learners", 0, "need at least one learner"));
    }
    check_labeled(table)?;
    let folds = stratified_kfold(table.labels(), k, seed)?;
    let results: Vec<CrossValidation> = learners
        .iter()
        .map(|l| cross_validate_folds(*l, table, &folds, seed, Execution::Parallel))
        .collect::<Result<_>>()?;
    let nf = folds.len() as f64;
    let n_test = folds.iter().map(|f| f.test.len()).sum::<usize>() as f64 / nf;
    let n_train = folds.iter().map(|f| f.train.len()).sum::<usize>() as f64 / nf;
    let reference: Option<Vec<f64>> = results[0].fold_values(metric).into_iter().collect();
    let mut tests = vec![None];
    for cv in &results[1..] {
        let mine: Option<Vec<f64>> = cv.fold_values(metric).into_iter().collect();
        tests.push(match (&mine, &reference) {
            (Some(a), Some(b)) => Some(corrected_resampled_t_test(a, b, n_test, n_train)?),
            _ => None,
        });
    }
    Ok(Comparison {
        metric,
        results,
        tests,
    })
}

/// Learners compared on one holdout split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HoldoutComparison {
    /// The learners' names.
    pub learners: Vec<String>,
    /// Each learner's report on the same test rows.
    pub reports: Vec<Report>,
    /// McNemar's test of each learner against the first (None for the first).
    pub tests: Vec<Option<McNemar>>,
}

impl HoldoutComparison {
    /// The comparison as a Markdown table.
    pub fn to_markdown(&self) -> String {
        let mut s = String::from(
            "| learner | accuracy | 95% CI | roc_auc | f1 | top_decile_lift | p (McNemar) | significant at 5% |\n|---|---:|---:|---:|---:|---:|---:|---:|\n",
        );
        let o = |x: Option<f64>| x.map_or_else(|| "n/a".into(), |v| format!("{v:.4}"));
        for (i, (name, r)) in self.learners.iter().zip(&self.reports).enumerate() {
            let (p, sig) = match &self.tests[i] {
                None => ("(reference)".to_string(), String::new()),
                Some(t) => (
                    fmt_p(t.p_value),
                    if t.significant { "yes" } else { "no" }.into(),
                ),
            };
            s.push_str(&format!(
                "| {name} | {:.4} | {} | {} | {:.4} | {} | {p} | {sig} |\n",
                r.accuracy,
                r.accuracy_ci95,
                o(r.roc_auc),
                r.f1,
                o(r.top_decile_lift)
            ));
        }
        s
    }
}

impl std::fmt::Display for HoldoutComparison {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_markdown())
    }
}

/// Every learner fitted on the same training part of one stratified holdout and
/// scored on the same test rows, with McNemar's test of each against the first.
pub fn compare_holdout(
    learners: &[&dyn Learner],
    table: &Table,
    test_fraction: f64,
    seed: u64,
) -> Result<HoldoutComparison> {
    if learners.is_empty() {
        return Err(Error::param("learners", 0, "need at least one learner"));
    }
    check_labeled(table)?;
    let split = stratified_holdout(table.labels(), test_fraction, seed)?;
    let kc = table.schema().target.n_classes();
    let fitted: Vec<(Vec<f64>, Report)> = learners
        .par_iter()
        .map(|l| {
            let model = l.fit(table, &split.train)?;
            let proba = predict_rows(model.as_ref(), table, &split.test)?;
            let report = report_for(table, &split.test, &proba)?;
            Ok((proba, report))
        })
        .collect::<Result<_>>()?;
    let truth: Vec<u8> = split.test.iter().map(|&r| table.labels()[r]).collect();
    let first = predicted_classes(&fitted[0].0, kc);
    let mut tests = vec![None];
    for (p, _) in &fitted[1..] {
        tests.push(Some(mcnemar_test(
            &truth,
            &first,
            &predicted_classes(p, kc),
        )?));
    }
    Ok(HoldoutComparison {
        learners: learners.iter().map(|l| l.name()).collect(),
        reports: fitted.into_iter().map(|(_, r)| r).collect(),
        tests,
    })
}

/// McNemar's test of two fitted classifiers on the same labeled rows — e.g. the
/// champion model in production against a retrained challenger on fresh data.
/// `only_first_correct` counts rows the champion got right and the challenger wrong.
pub fn champion_challenger(
    champion: &dyn Classifier,
    challenger: &dyn Classifier,
    table: &Table,
    rows: &[usize],
) -> Result<McNemar> {
    check_labeled(table)?;
    let kc = table.schema().target.n_classes();
    let truth: Vec<u8> = rows.iter().map(|&r| table.labels()[r]).collect();
    let first = predicted_classes(&predict_rows(champion, table, rows)?, kc);
    let second = predicted_classes(&predict_rows(challenger, table, rows)?, kc);
    mcnemar_test(&truth, &first, &second)
}
