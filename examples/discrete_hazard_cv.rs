//! Issue 13 item 1's two "if it earns its place by CV" options, measured: discrete-time
//! hazard models on person-period rows (naive Bayes, TAN, the weighted-entropy ID3
//! tree) against the self-tuned survival tree, by 5-fold CV on the TRAINING files.
//!
//! `cargo run --release --example discrete_hazard_cv [-- PERIODS [SEED]]` (defaults
//! 12 periods, fold seed 7)
//!
//! How: a stratified 5-fold split on the event flags (seed 7). On each fold's training
//! rows the duration axis is cut into at most `PERIODS` intervals at equal-frequency
//! quantiles of the churn times (ties merged; the first starts at 0, the last is open).
//! Each training customer gives one row per period whose start they survived past,
//! labelled churned only in the period they churned in (a customer censored inside a
//! period counts as at risk in it); the period index is a categorical feature and the
//! duration column is dropped. The hazard learner fitted on those rows gives
//! `h_p(x) = P(churn | x, period p)`; for a held-out customer
//! `S(p) = Π_{q≤p} (1 − h_q(x))` and the risk is the expected lifetime lost within the
//! last churn time, `Σ_p (1 − S(p)) · width_p` (the survival tree's `τ − RMST` idea;
//! the open last period gets no width). The C-index (Harrell's) of that risk on the
//! held-out fold is what is reported. The survival tree
//! (`SurvivalLearner::new(duration)`, self-tuned defaults) is fitted on the same
//! original training rows. ISP is subsampled to 10 119 rows (one stratified fifth of
//! the training file, seed 11) for every method alike; Telco and Orange are used
//! whole. The tree hazard is `id3-weighted` with its defaults (self-tuned by 5-fold CV
//! on the person-period rows, which splits one customer's rows across inner folds).
//! Naive Bayes and TAN use the registry's defaults.
//!
//! Telco is also run without `TotalCharges` (≈ `Tenure` × `MonthlyCharges`: the
//! clock issue 13 asks to warn about as leakage), for every method alike.
//!
//! Measured (2-core machine, shared), `-- 12`: C-index mean ± sd over the 5 folds, the
//! paired per-fold difference from the survival tree (mean ± sd), and seconds per fold
//! for fit plus scoring the held-out rows (the hazard models' include the expansion):
//!
//! | training file | method | C-index | Δ vs survival tree | s / fold |
//! |---|---|---|---|---|
//! | Telco (4 930) | survival tree | 0.9215 ± 0.0071 | — | 0.62 |
//! | | NB hazard | 0.8549 ± 0.0075 | −0.0666 ± 0.0071 | 0.03 |
//! | | TAN hazard | 0.9322 ± 0.0036 | +0.0106 ± 0.0075 | 0.04 |
//! | | id3-weighted hazard | 0.9471 ± 0.0051 | +0.0255 ± 0.0045 | 0.68 |
//! | Telco without `TotalCharges` | survival tree | 0.8483 ± 0.0072 | — | 0.49 |
//! | | NB hazard | 0.8139 ± 0.0091 | −0.0344 ± 0.0034 | 0.01 |
//! | | TAN hazard | 0.8556 ± 0.0077 | +0.0073 ± 0.0063 | 0.02 |
//! | | id3-weighted hazard | 0.8461 ± 0.0074 | −0.0022 ± 0.0037 | 0.51 |
//! | Orange (2 666) | survival tree | 0.8356 ± 0.0229 | — | 0.71 |
//! | | NB hazard | 0.7811 ± 0.0230 | −0.0545 ± 0.0246 | 0.01 |
//! | | TAN hazard | 0.8051 ± 0.0233 | −0.0305 ± 0.0332 | 0.03 |
//! | | id3-weighted hazard | 0.8414 ± 0.0206 | +0.0058 ± 0.0173 | 1.47 |
//! | ISP (10 119 of 50 592) | survival tree | 0.7857 ± 0.0060 | — | 1.18 |
//! | | NB hazard | 0.7451 ± 0.0076 | −0.0406 ± 0.0038 | 0.04 |
//! | | TAN hazard | 0.7600 ± 0.0075 | −0.0257 ± 0.0029 | 0.05 |
//! | | id3-weighted hazard | 0.7825 ± 0.0077 | −0.0032 ± 0.0028 | 0.95 |
//!
//! The periods barely matter: with `-- 8` / `-- 16` (fold seed 7) the Δ of the id3-weighted hazard
//! is +0.0220 / +0.0249 (Telco), −0.0039 / −0.0035 (Telco without `TotalCharges`),
//! +0.0029 / +0.0093 (Orange), −0.0015 / −0.0011 (ISP); of TAN +0.0092 / +0.0119,
//! +0.0060 / +0.0090, −0.0276 / −0.0285, −0.0260 / −0.0255; naive Bayes stays 0.03–0.07
//! below everywhere.
//!
//! Fold seed 7 (above) turned out to be the least favourable of ten for the tree
//! hazard. Over fold seeds 7–16 (`-- 12 SEED`, 50 folds per file; the per-fold sd is
//! put back together from each seed's mean and sd; t is the corrected resampled
//! t-test of Nadeau & Bengio over the 50 folds, test/train = 1/4, |t| > 2.01 at 5 %):
//!
//! | training file | method | mean C-index | mean Δ | sd Δ over folds | corrected t | seeds won |
//! |---|---|---|---|---|---|---|
//! | Telco | survival tree | 0.9219 | — | — | — | — |
//! | | NB hazard | 0.8546 | −0.0674 | 0.0138 | −9.36 | 0/10 |
//! | | TAN hazard | 0.9333 | +0.0114 | 0.0100 | 2.18 | 10/10 |
//! | | id3-weighted hazard | 0.9470 | +0.0251 | 0.0103 | 4.68 | 10/10 |
//! | Telco without `TotalCharges` | survival tree | 0.8469 | — | — | — | — |
//! | | NB hazard | 0.8137 | −0.0332 | 0.0097 | −6.60 | 0/10 |
//! | | TAN hazard | 0.8558 | +0.0089 | 0.0068 | 2.52 | 10/10 |
//! | | id3-weighted hazard | 0.8486 | +0.0016 | 0.0059 | 0.54 | 8/10 |
//! | Orange | survival tree | 0.8307 | — | — | — | — |
//! | | NB hazard | 0.7777 | −0.0530 | 0.0277 | −3.69 | 0/10 |
//! | | TAN hazard | 0.8073 | −0.0235 | 0.0251 | −1.80 | 0/10 |
//! | | id3-weighted hazard | 0.8400 | +0.0093 | 0.0146 | 1.22 | 9/10 |
//! | ISP (10 119) | survival tree | 0.7832 | — | — | — | — |
//! | | NB hazard | 0.7450 | −0.0381 | 0.0048 | −15.37 | 0/10 |
//! | | TAN hazard | 0.7594 | −0.0238 | 0.0041 | −11.07 | 0/10 |
//! | | id3-weighted hazard | 0.7844 | +0.0012 | 0.0035 | 0.66 | 9/10 |
//!
//! Conclusion. The weighted-entropy tree over discrete-time hazards is ahead of the
//! survival tree on every file on average: +0.0118 C-index over the three files
//! (+0.0251, +0.0093, +0.0012), but +0.0040 once Telco's `TotalCharges` clock column
//! is dropped (the hazard tree reads the churn period off it better than the
//! survival tree does: +0.0251 falls to +0.0016). Only the Telco-with-`TotalCharges`
//! gain passes the corrected t-test; Orange's +0.009 (t = 1.22) and ISP's +0.001
//! (t = 0.66) do not. It costs about the same fit time, P predictions per customer to
//! score, and no leaf Kaplan–Meier curves (its curves are products of hazards). The
//! Bayesian-network hazards do not measure well: naive Bayes loses everywhere
//! (−0.03 to −0.07), TAN wins on Telco (+0.009 to +0.011, t ≈ 2.2–2.5) but loses on
//! Orange (−0.024) and ISP (−0.024). So: no Bayesian-network hazard option; the tree
//! hazard is a candidate worth a nested-CV check and a look at its IBS, not yet a
//! proven win outside a leaky clock column.

use std::time::Instant;

use churnkit::data::{
    Column, CsvOptions, Feature, MISSING_LEVEL, Schema, Table, read_csv, stratified_kfold,
};
use churnkit::registry::{AlgoOptions, Algorithm, learner};
use churnkit::survival::metrics::concordance_index;
use churnkit::survival::{SurvivalData, SurvivalLearner};
use std::sync::Arc;

/// The period cut points: `bounds[p]` is the end of period `p` (the last is +∞),
/// from equal-frequency quantiles of the churn times of the training rows.
fn period_bounds(data: &SurvivalData, periods: usize) -> Vec<f64> {
    let mut times: Vec<f64> = data
        .durations()
        .iter()
        .zip(data.events())
        .filter(|(_, e)| **e)
        .map(|(t, _)| *t)
        .collect();
    times.sort_by(f64::total_cmp);
    let mut bounds: Vec<f64> = Vec::new();
    for k in 1..periods {
        let i = (k * times.len() / periods).min(times.len().saturating_sub(1));
        let b = times[i];
        if bounds.last().is_none_or(|&l| b > l) {
            bounds.push(b);
        }
    }
    if let Some(&m) = times.last()
        && bounds.last().is_none_or(|&l| m > l)
    {
        bounds.push(m);
    }
    bounds.push(f64::INFINITY);
    bounds
}

/// The period of time `t`: the first `p` with `t <= bounds[p]`.
fn period_of(bounds: &[f64], t: f64) -> usize {
    bounds
        .iter()
        .position(|&b| t <= b)
        .unwrap_or(bounds.len() - 1)
}

/// The features of `t` without the duration column, plus `period` (levels p00, p01, …).
fn person_period_schema(t: &Table, duration: &str, periods: usize) -> churnkit::Result<Schema> {
    let s = t.schema();
    let mut b = Schema::builder(s.target.name.clone());
    for f in s.features.iter().filter(|f| f.name != duration) {
        b = b.feature(Feature::clone(f));
    }
    b.categorical("period", (0..periods).map(|p| format!("p{p:02}")))
        .build()
}

/// Person-period rows: for each `(row, period, label)`, the row's features (the
/// duration dropped), the period code and the label (1 = churned in this period).
fn expand(
    t: &Table,
    duration: &str,
    schema: &Arc<Schema>,
    rows: &[(usize, usize, u8)],
) -> churnkit::Result<Table> {
    let mut cols = Vec::with_capacity(schema.features.len());
    for (j, f) in t.schema().features.iter().enumerate() {
        if f.name == duration {
            continue;
        }
        cols.push(match t.column(j) {
            Column::Numeric(v) => Column::Numeric(rows.iter().map(|r| v[r.0]).collect()),
            Column::Categorical(v) => Column::Categorical(rows.iter().map(|r| v[r.0]).collect()),
        });
    }
    cols.push(Column::Categorical(
        rows.iter()
            .map(|r| u32::try_from(r.1).unwrap_or(MISSING_LEVEL))
            .collect(),
    ));
    Table::new(
        Arc::clone(schema),
        cols,
        rows.iter().map(|r| r.2).collect(),
        None,
        None,
    )
}

/// The risk (expected lifetime lost before the last churn time) of each of `test`
/// from a hazard learner fitted on the person-period rows of `train`.
fn hazard_risk(
    algo: Algorithm,
    t: &Table,
    duration: &str,
    train: &[usize],
    test: &[usize],
    periods: usize,
) -> churnkit::Result<Vec<f64>> {
    let data = SurvivalData::from_table(t, duration, train)?;
    let bounds = period_bounds(&data, periods);
    let np = bounds.len();
    let schema = Arc::new(person_period_schema(t, duration, np)?);
    let mut pp = Vec::new();
    for (i, &r) in train.iter().enumerate() {
        let (d, e) = (data.durations()[i], data.events()[i]);
        let last = period_of(&bounds, d);
        for p in 0..=last {
            pp.push((r, p, u8::from(e && p == last)));
        }
    }
    let tr = expand(t, duration, &schema, &pp)?;
    let model = learner(algo, &AlgoOptions::default())?.fit(&tr, &tr.all_rows())?;
    let churn = tr.schema().target.churn_class();
    let k = model.classes().len();
    let q: Vec<(usize, usize, u8)> = test
        .iter()
        .flat_map(|&r| (0..np).map(move |p| (r, p, 0)))
        .collect();
    let te = expand(t, duration, &schema, &q)?;
    let mut proba = vec![0.0; te.n_rows() * k];
    model.predict_proba_into(&te, &te.all_rows(), &mut proba)?;
    let widths: Vec<f64> = (0..np)
        .map(|p| {
            let start = if p == 0 { 0.0 } else { bounds[p - 1] };
            if bounds[p].is_finite() {
                (bounds[p] - start).max(0.0)
            } else {
                0.0
            }
        })
        .collect();
    Ok((0..test.len())
        .map(|i| {
            let mut s = 1.0;
            let mut lost = 0.0;
            for (p, w) in widths.iter().enumerate() {
                s *= 1.0 - proba[(i * np + p) * k + churn];
                lost += (1.0 - s) * w;
            }
            lost
        })
        .collect())
}

fn mean_sd(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    let v = x.iter().map(|a| (a - m) * (a - m)).sum::<f64>() / (n - 1.0).max(1.0);
    (m, v.sqrt())
}

fn main() -> churnkit::Result<()> {
    let dir = format!("{}/datasets/", env!("CARGO_MANIFEST_DIR"));
    let periods: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(12)
        .clamp(2, 64);
    let seed: u64 = std::env::args()
        .nth(2)
        .and_then(|a| a.parse().ok())
        .unwrap_or(7);
    let sets = [
        (
            "telco-train.csv",
            CsvOptions::new("Churn").id_column("customerID"),
            "Tenure",
            None,
        ),
        (
            "telco-train.csv",
            CsvOptions::new("Churn").id_column("customerID"),
            "Tenure",
            Some("TotalCharges"),
        ),
        (
            "orange-telecom-churn-train.csv",
            CsvOptions::new("Churn"),
            "Account length",
            None,
        ),
        (
            "isp-train.csv",
            CsvOptions::new("churn").id_column("id"),
            "subscription_age",
            None,
        ),
    ];
    let methods = [
        ("survival tree", None),
        ("NB hazard", Some(Algorithm::NaiveBayes)),
        ("TAN hazard", Some(Algorithm::Tan)),
        ("id3-weighted hazard", Some(Algorithm::Id3Weighted)),
    ];
    println!("periods asked: {periods}, fold seed {seed}");
    println!(
        "| training file | rows | method | C-index mean ± sd | Δ vs survival tree (paired, ± sd) | fit+score s / fold |"
    );
    println!("|---|---|---|---|---|---|");
    for (file, opts, duration, drop) in sets {
        let mut table = read_csv(format!("{dir}{file}"), &opts)?;
        let mut label = file.to_string();
        if let Some(c) = drop {
            table = table.without_feature(c)?;
            label = format!("{file} without {c}");
        }
        let subsample = file.starts_with("isp");
        let mut all = table.all_rows();
        let data = SurvivalData::from_table(&table, duration, &all)?;
        let ev: Vec<u8> = data.events().iter().map(|&e| u8::from(e)).collect();
        if subsample {
            let f = stratified_kfold(&ev, 5, 11)?;
            let mut keep = f[0].test.clone();
            keep.sort_unstable();
            all = keep.iter().map(|&i| all[i]).collect();
        }
        let data = SurvivalData::from_table(&table, duration, &all)?;
        let ev: Vec<u8> = data.events().iter().map(|&e| u8::from(e)).collect();
        let folds = stratified_kfold(&ev, 5, seed)?;
        let mut base: Vec<f64> = Vec::new();
        for (name, algo) in methods {
            let mut cs = Vec::new();
            let mut secs = 0.0;
            for f in &folds {
                let train: Vec<usize> = f.train.iter().map(|&i| all[i]).collect();
                let test: Vec<usize> = f.test.iter().map(|&i| all[i]).collect();
                let clock = Instant::now();
                let risk = match algo {
                    None => SurvivalLearner::new(duration)
                        .fit(&table, &train)?
                        .risk_scores(&table, &test)?,
                    Some(a) => hazard_risk(a, &table, duration, &train, &test, periods)?,
                };
                secs += clock.elapsed().as_secs_f64();
                cs.push(concordance_index(&data.select(&f.test), &risk)?.c_index);
            }
            let (m, sd) = mean_sd(&cs);
            if algo.is_none() {
                base = cs.clone();
            }
            let d: Vec<f64> = cs.iter().zip(&base).map(|(a, b)| a - b).collect();
            let (dm, dsd) = mean_sd(&d);
            println!(
                "| {label} | {} | {name} | {m:.4} ± {sd:.4} | {dm:+.4} ± {dsd:.4} | {:.2} |",
                all.len(),
                secs / folds.len() as f64
            );
        }
    }
    Ok(())
}
