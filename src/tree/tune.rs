//! Self-tuning: the tree chooses its growth, pruning, binning and smoothing settings by
//! stratified k-fold cross-validation on its training rows only ([`Tune`],
//! [`TuneReport`]).
//!
//! Per fold and binning the discretizer is fitted on the fold's training rows and every
//! row is encoded once; per fold, binning and minimum leaf ONE tree is grown to the
//! largest depth of the grid. Every other setting is read off that tree without
//! regrowing it: a depth cut marks the nodes at that depth as leaves, pessimistic
//! pruning then marks the subtrees it removes (the tree a fit with that depth and
//! confidence would grow, node for node), and each held-out row's final node is the
//! first marked ancestor of the node it reaches in the grown tree, so the held-out
//! class weights of every node are routed once. Smoothing only changes the node
//! probabilities. The folds × binnings × leaves jobs run in parallel (rayon); fold
//! assignment is seeded ([`stratified_kfold`]).
//!
//! The score is the held-out ROC AUC of the churn class (ranking is what a churn list
//! is used for), averaged over the folds; log loss is reported beside it. The setting
//! chosen is the *simplest* (fewest leaves, mean over folds) whose mean AUC is within
//! one standard error (of the best setting's fold AUCs) of the best: the one-standard-
//! error rule.
//!
//! # How the grids were chosen
//!
//! By nested cross-validation on TRAINING rows only (`cargo run --release --example
//! tune_cv -- tree VARIANT...`): the learner, tuning included, is fitted on 4/5 of
//! `telco-train`, `orange-telecom-churn-train`, `isp-train` and three `synth` tables
//! (3k, 6k, 10k rows) and scored on the other fifth; mean held-out ROC AUC:
//!
//! | variant of the fast grid | Telco | Orange | ISP | synth 3k | 6k | 10k | mean |
//! |---|---|---|---|---|---|---|---|
//! | `--tune off` (fixed defaults) | 0.8187 | 0.9023 | 0.9610 | 0.8677 | 0.8876 | 0.8973 | 0.8891 |
//! | **fast** (constant leaves) | 0.8362 | 0.8970 | 0.9775 | 0.8748 | 0.8964 | 0.9034 | **0.8975** |
//! | one-SE rule off (k = 0) | 0.8355 | 0.8979 | 0.9775 | 0.8740 | 0.8964 | 0.9037 | 0.8975 |
//! | + MDL binning (≤ 32 bins) | 0.8362 | 0.8970 | 0.9775 | 0.8696 | 0.8996 | 0.9045 | 0.8974 |
//! | + 64 equal-frequency bins | 0.8362 | 0.8933 | 0.9773 | 0.8744 | 0.8958 | 0.9032 | 0.8967 |
//! | + attribute weights 1 beside 1/n_A | 0.8371 | 0.8970 | 0.9775 | 0.8748 | 0.8964 | 0.9034 | 0.8977 |
//! | + gain ratio beside weighted entropy | 0.8362 | 0.8970 | 0.9771 | 0.8703 | 0.8970 | 0.9034 | 0.8968 |
//! | + cost-complexity α ∈ {0.0005, 0.001, 0.002, 0.005} | 0.8362 | 0.8973 | 0.9775 | 0.8748 | 0.8964 | 0.9034 | 0.8976 |
//! | 8 leaf sizes (0.025 %–3.2 %) | 0.8362 | 0.8970 | 0.9780 | 0.8748 | 0.8964 | 0.9034 | 0.8976 |
//! | CV repeated 3× on small tables | 0.8356 | 0.8975 | 0.9775 | 0.8768 | 0.8968 | 0.9038 | 0.8980 |
//! | + m = 1000 | 0.8362 | 0.8970 | 0.9775 | 0.8748 | 0.8964 | 0.9034 | 0.8975 |
//! | ranked by log loss | 0.8359 | 0.8948 | 0.9752 | 0.8761 | 0.8967 | 0.9032 | 0.8970 |
//! | 10 folds | 0.8351 | 0.8858 | 0.9777 | 0.8714 | 0.8966 | 0.9038 | 0.8951 |
//! | thorough (no ISP) | 0.8350 | 0.8976 | | 0.8703 | 0.8962 | 0.9028 | |
//! | fast + naive-Bayes leaves, α by CV (the default of format 5 until the weighted leaves; `+unw`) | 0.8381 | 0.9008 | 0.9776 | 0.8895 | 0.9079 | 0.9111 | 0.9042 |
//! | **fast + constant / unweighted / weighted naive-Bayes leaves by CV, λ = 10 (the default)** | 0.8444 | 0.8993 | 0.9776 | 0.8909 | 0.9102 | 0.9135 | **0.9060** |
//! | fast + … weighted leaves with λ = 1 | 0.8441 | 0.8992 | 0.9776 | 0.8903 | 0.9097 | 0.9132 | 0.9057 |
//! | fast + … weighted leaves with λ = 100 | 0.8425 | 0.8998 | 0.9776 | 0.8889 | 0.9082 | 0.9131 | 0.9050 |
//! | fast + NB leaves, α fixed 0.1 (root tables) | 0.8379 | 0.9008 | 0.9776 | 0.8821 | 0.9024 | 0.9073 | 0.9013 |
//! | fast + NB leaves from each leaf's own rows shrunk to the parent's (m = 50, α = 0.25) | 0.8392 | 0.8893 | 0.9778 | 0.8804 | 0.9004 | 0.9035 | 0.8985 |
//! | fast + NB leaves, (setting, α) chosen jointly among the top 5 of the CV curve | 0.8382 | 0.9002 | 0.9776 | 0.8891 | 0.9082 | 0.9113 | 0.9041 |
//! | fast + NB leaves + 64 equal-frequency bins (finer per-node thresholds) | 0.8381 | 0.8967 | 0.9774 | 0.8887 | 0.9063 | 0.9109 | 0.9030 |
//! | fast + NB leaves + 128 equal-frequency bins | 0.8381 | 0.9008 | 0.9778 | 0.8893 | 0.9071 | 0.9105 | 0.9039 |
//!
//! The naive-Bayes leaves ([`LeafModel`](super::LeafModel),
//! [`NaiveBayesLeaves`](super::NaiveBayesLeaves)) are the first lever that moved the
//! mean: +0.0067, Orange +0.0038, Telco +0.0019,
//! ISP +0.0001, the synthetic tables +0.008 to +0.015. They are chosen after the
//! setting: its temper `α ∈ {0, 0.05, 0.1, 0.15, 0.25, 0.5}` by a second 5-fold CV
//! with the chosen setting (`α = 0`, constant leaves, stays when nothing beats it).
//! Choosing the setting and `α` jointly among the best settings of the curve gained
//! nothing; nor did `α` up to 1 (never chosen above 0.5). Per-leaf tables (Kohavi's
//! NBTree: each leaf's own rows, shrunk toward the parent's by an m-estimate) lost on
//! Orange; shallow trees with naive-Bayes leaves (depth 2–4) stayed below the deep
//! tuned tree there (`cargo run --release --example tune_cv -- nb fix-3-20-10`).
//!
//! Weighted naive-Bayes leaves ([`fit_leaf_weights`](super::fit_leaf_weights): each
//! feature's factor raised to its own exponent, discriminatively fitted weights of the
//! root's naive Bayes, WANBIA) joined the leaf CV's candidates (`α ∈ {0.25, 0.5, 0.75,
//! 1}` beside the unweighted tempers, the weights fitted on each fold's training part):
//! mean +0.0018 over the unweighted leaves, Telco +0.0063, the synthetic tables
//! +0.0014 to +0.0024, ISP equal, Orange −0.0015 (within the 0.002 allowed to any
//! table). `λ` was chosen among 1, 10 and 100 by the same nested CV.
//!
//! Every extension is within ±0.001 of the fast grid's mean (the fold noise is larger),
//! so the fast grid is kept as it was: more binnings, criteria or pruning families
//! cost time (each binning or criterion grows another tree per fold and leaf size)
//! without a measured gain. They stay available through [`Grid`] and
//! `TreeLearner::tune_grid`. The one-standard-error rule costs nothing measurable
//! (k = 1 and k = 0 tie) and keeps the trees smaller, so it stays. On Orange the tuned
//! tree trails the fixed defaults in this nested CV (0.897 vs 0.902), which were
//! themselves chosen by CV on Orange's training rows (an optimistic figure for them);
//! no grid variant recovers it.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::criterion::Criterion;
use super::params::{Id3Params, Pruning};
use super::prune;
use super::tree::{DecisionTree, MissingPolicy, m_estimate_probas};
use crate::count::RankedRows;
use crate::data::{Binning, Codes, Encoded, Table, stratified_holdout, stratified_kfold};
use crate::error::{Error, Result};

/// How much a tree tunes itself before its final fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Tune {
    /// No tuning: the parameters and binning as given.
    #[default]
    Off,
    /// 5-fold CV (repeated twice for tables up to [`SMALL_TABLE`] rows) over 2
    /// binnings × 6 leaf sizes × 8 depths × 5 pruning confidences × 10 smoothings
    /// (4,800 settings from 60 grown trees per repetition); tables over 30,000 rows
    /// are tuned on a stratified sample of 30,000.
    Fast,
    /// 5-fold CV repeated twice, over 4 binnings × 14 leaf sizes × 10 depths × 7
    /// confidences × 12 smoothings (47,040 settings from 560 grown trees per
    /// repetition).
    Thorough,
}

impl Tune {
    /// The accepted names (`--tune`).
    pub const NAMES: [&'static str; 3] = ["off", "fast", "thorough"];

    /// The name as typed on the command line.
    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    /// The grid this mode searches (None for `Off`).
    pub fn grid(self) -> Option<Grid> {
        let ef = |bins| Binning::EqualFrequency { bins };
        let cf = |confidence| Pruning::Pessimistic { confidence };
        match self {
            Tune::Off => None,
            Tune::Fast => Some(Grid {
                binnings: vec![ef(16), ef(32)],
                min_leaf: vec![0.0005, 0.001, 0.002, 0.004, 0.008, 0.016],
                depths: vec![
                    Some(3),
                    Some(4),
                    Some(5),
                    Some(6),
                    Some(8),
                    Some(10),
                    Some(12),
                    None,
                ],
                criteria: Vec::new(),
                prunings: vec![Pruning::None, cf(0.5), cf(0.25), cf(0.1), cf(0.01)],
                smoothing: vec![-1.0, 0.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0],
                folds: 5,
                repeats: 1,
                small_repeats: 2,
                max_rows: 30_000,
                one_se: 1.0,
                score: TuneScore::Auc,
            }),
            Tune::Thorough => Some(Grid {
                binnings: vec![ef(8), ef(16), ef(32), ef(64)],
                min_leaf: vec![
                    0.00025, 0.0005, 0.00075, 0.001, 0.0015, 0.002, 0.003, 0.004, 0.006, 0.008,
                    0.012, 0.016, 0.024, 0.032,
                ],
                depths: vec![
                    Some(2),
                    Some(3),
                    Some(4),
                    Some(5),
                    Some(6),
                    Some(7),
                    Some(8),
                    Some(10),
                    Some(12),
                    None,
                ],
                criteria: Vec::new(),
                prunings: vec![
                    Pruning::None,
                    cf(0.5),
                    cf(0.35),
                    cf(0.25),
                    cf(0.1),
                    cf(0.05),
                    cf(0.01),
                ],
                smoothing: vec![
                    -1.0, 0.0, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0,
                ],
                folds: 5,
                repeats: 2,
                small_repeats: 2,
                max_rows: 200_000,
                one_se: 1.0,
                score: TuneScore::Auc,
            }),
        }
    }
}

impl Grid {
    /// Checks the grid: every list non-empty, at least 2 folds, at least one
    /// repetition, valid binnings, leaf fractions in (0, 1), positive depths, no
    /// reduced-error pruning, valid pruning strengths and smoothings (`-1` or ≥ 0), a
    /// finite non-negative `one_se`.
    pub fn check(&self) -> Result<()> {
        let empty = |what: &str, n: usize| {
            if n == 0 {
                Err(Error::param("tune grid", what, "must not be empty"))
            } else {
                Ok(())
            }
        };
        empty("binnings", self.binnings.len())?;
        empty("min_leaf", self.min_leaf.len())?;
        empty("depths", self.depths.len())?;
        empty("prunings", self.prunings.len())?;
        empty("smoothing", self.smoothing.len())?;
        if self.folds < 2 {
            return Err(Error::param("tune grid folds", self.folds, "must be >= 2"));
        }
        if self.repeats == 0 {
            return Err(Error::param("tune grid repeats", 0, "must be >= 1"));
        }
        if self.max_rows < 2 * self.folds {
            return Err(Error::param(
                "tune grid max_rows",
                self.max_rows,
                "must hold at least two rows per fold",
            ));
        }
        for b in &self.binnings {
            b.validate()?;
        }
        for &f in &self.min_leaf {
            if !(f > 0.0 && f < 1.0) {
                return Err(Error::param("tune grid min_leaf", f, "must be in (0, 1)"));
            }
        }
        if self.depths.contains(&Some(0)) {
            return Err(Error::param("tune grid depth", 0, "must be >= 1"));
        }
        for c in &self.criteria {
            c.validate()?;
        }
        for p in &self.prunings {
            if let Pruning::ReducedError { .. } = p {
                return Err(Error::param(
                    "tune grid pruning",
                    "reduced-error",
                    "needs its own hold-out; use none, pessimistic or cost-complexity",
                ));
            }
            Id3Params::default().pruning(*p).check()?;
        }
        for &m in &self.smoothing {
            if !(m == -1.0 || (m.is_finite() && m >= 0.0)) {
                return Err(Error::param(
                    "tune grid smoothing",
                    m,
                    "must be -1 (Laplace), 0 (none) or an m > 0",
                ));
            }
        }
        if !(self.one_se.is_finite() && self.one_se >= 0.0) {
            return Err(Error::param(
                "tune grid one_se",
                self.one_se,
                "must be finite and >= 0",
            ));
        }
        Ok(())
    }
}

impl std::str::FromStr for Tune {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "off" => Ok(Tune::Off),
            "fast" => Ok(Tune::Fast),
            "thorough" => Ok(Tune::Thorough),
            _ => Err(Error::param(
                "tune",
                s,
                format!("expected one of {}", Tune::NAMES.join(", ")),
            )),
        }
    }
}

/// The settings a tuning searches: every combination of the lists.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    /// Binnings of numeric features.
    pub binnings: Vec<Binning>,
    /// `min_rows_leaf` values as fractions of the training rows (of a fold; at least 2
    /// rows, rounded), so the grid scales with the table (`min_rows_split` is 2: a
    /// split needs two leaves anyway).
    pub min_leaf: Vec<f64>,
    /// `max_depth` values (None = unlimited).
    pub depths: Vec<Option<usize>>,
    /// Split criteria (e.g. weighted entropy with attribute weights 1 and `1/n_A`);
    /// empty = the base parameters' criterion only.
    pub criteria: Vec<Criterion>,
    /// Post-prunings: [`Pruning::None`], [`Pruning::Pessimistic`] (C4.5's CF) and
    /// [`Pruning::CostComplexity`] (CART's α); reduced-error pruning needs a
    /// hold-out of its own and is not accepted.
    pub prunings: Vec<Pruning>,
    /// Smoothings: `-1` Laplace, `0` none, `m > 0` the m-estimate toward the parent.
    pub smoothing: Vec<f64>,
    /// Folds of the stratified cross-validation.
    pub folds: usize,
    /// Repetitions with other fold assignments (seed + repetition).
    pub repeats: usize,
    /// Repetitions for tables up to [`SMALL_TABLE`] rows (used when above `repeats`):
    /// there the fold noise is large and the fits cheap.
    pub small_repeats: usize,
    /// Larger tables are tuned on a seeded stratified sample of this many rows (the
    /// leaf sizes are fractions of the rows, so the choice carries over to the final
    /// fit on every row).
    pub max_rows: usize,
    /// The one-standard-error rule's `k`: the simplest setting on the best setting's
    /// pruning path whose mean score is within `k` standard errors of the best's is
    /// chosen (0 = the best setting itself).
    pub one_se: f64,
    /// What the settings are ranked by.
    pub score: TuneScore,
}

/// The held-out score a tuning ranks its settings by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum TuneScore {
    /// ROC AUC of the churn class (higher is better): the ranking only.
    #[default]
    Auc,
    /// Mean log loss `−Σ w ln p(y) / Σ w` (lower is better): a proper scoring rule,
    /// so it rewards ranking and calibrated (smoothed) leaf probabilities; it varies
    /// smoothly with the settings, which makes the choice less noisy than AUC's.
    LogLoss,
}

/// One setting the tuning scored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TunedSetting {
    /// Binning of numeric features.
    pub binning: Binning,
    /// `min_rows_leaf` in the CV (rows of a fold's training part).
    pub min_leaf: f64,
    /// The same as a fraction of the training rows: the final fit's `min_rows_leaf`
    /// is this fraction of its rows (at least 2, rounded).
    pub min_leaf_fraction: f64,
    /// The split criterion.
    pub criterion: Criterion,
    /// `max_depth` (None = unlimited).
    pub max_depth: Option<usize>,
    /// The post-pruning.
    pub pruning: Pruning,
    /// `-1` Laplace, `0` none, `m > 0` the m-estimate's m.
    pub smoothing: f64,
}

/// A setting's cross-validated scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurvePoint {
    /// The setting.
    pub setting: TunedSetting,
    /// Mean held-out ROC AUC over the folds.
    pub auc: f64,
    /// Standard error of that mean (fold standard deviation / √folds).
    pub auc_se: f64,
    /// Mean held-out log loss.
    pub log_loss: f64,
    /// Mean number of leaves.
    pub leaves: f64,
}

/// What a tuning chose and why: stored in the training summary's parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TuneReport {
    /// The mode.
    pub mode: Tune,
    /// Folds × repeats.
    pub folds: usize,
    /// Repetitions.
    pub repeats: usize,
    /// The fold seed.
    pub seed: u64,
    /// Settings scored.
    pub settings: usize,
    /// The setting with the best mean score.
    pub best: CurvePoint,
    /// The setting chosen by the one-standard-error rule.
    pub chosen: CurvePoint,
    /// What the settings were ranked by.
    #[serde(default)]
    pub score: TuneScore,
    /// The CV curve: the 20 best settings by the mean score, best first.
    pub curve: Vec<CurvePoint>,
    /// Rows the CV ran on (a stratified sample when the table has more than the
    /// grid's `max_rows`).
    pub cv_rows: usize,
    /// The final fit's `min_rows_leaf` (the chosen fraction of its rows).
    pub final_min_leaf: f64,
    /// The naive-Bayes leaves' temper `α` chosen after the setting
    /// ([`LeafModel::Tuned`](super::LeafModel::Tuned); `0` = constant leaves; None
    /// when the leaf model was not tuned).
    #[serde(default)]
    pub leaf_alpha: Option<f64>,
    /// Each unweighted `α` tried with its mean held-out ROC AUC (`[α, AUC]`).
    #[serde(default)]
    pub leaf_curve: Vec<[f64; 2]>,
    /// Whether `leaf_alpha` is the temper of weighted naive-Bayes leaves
    /// ([`LeafModel::WeightedNaiveBayes`](super::LeafModel::WeightedNaiveBayes)).
    #[serde(default)]
    pub leaf_weighted: bool,
    /// The weighted leaves' penalty `λ` when they were among the candidates (None
    /// when they were not).
    #[serde(default)]
    pub leaf_lambda: Option<f64>,
    /// Each weighted leaves' `α` tried with its mean held-out ROC AUC (`[α, AUC]`;
    /// empty when they were not candidates).
    #[serde(default)]
    pub leaf_weighted_curve: Vec<[f64; 2]>,
    /// The final fit's feature weights `w_f` (schema order) when weighted leaves were
    /// chosen, empty otherwise ([`fit_leaf_weights`](super::fit_leaf_weights)).
    #[serde(default)]
    pub leaf_weights: Vec<f64>,
    /// Seconds spent tuning (not serialized, so a model's bytes do not depend on the
    /// machine's speed).
    #[serde(skip)]
    pub seconds: f64,
}

/// Tables up to this many rows get the grid's `small_repeats` repetitions of the CV.
pub const SMALL_TABLE: usize = 20_000;

/// The held-out scores of every (depth, pruning, smoothing) of one grown tree.
struct JobScores {
    /// `[auc, log_loss, leaves]` per (depth, pruning, smoothing), in grid order.
    scores: Vec<[f64; 3]>,
}

/// Tunes `base` (an own-branch tree) on `rows` of `table` over `grid` (the mode's
/// grid when None). Returns the chosen parameters, binning and the report.
pub(crate) fn tune(
    base: &Id3Params,
    mode: Tune,
    grid: Option<&Grid>,
    table: &Table,
    rows: &[usize],
) -> Result<Option<(Id3Params, Binning, TuneReport)>> {
    if mode == Tune::Off {
        return Ok(None);
    }
    let Some(grid) = grid.cloned().or_else(|| mode.grid()) else {
        return Ok(None);
    };
    let t0 = std::time::Instant::now();
    if base.missing != MissingPolicy::OwnBranch {
        return Err(Error::param(
            "tune",
            mode.name(),
            "tuning needs the own-branch missing policy",
        ));
    }
    grid.check()?;
    let seed = base.seed;
    let all_rows = rows;
    let sample: Vec<usize>;
    let rows = if rows.len() > grid.max_rows {
        let labels: Vec<u8> = rows.iter().map(|&r| table.labels()[r]).collect();
        let h = stratified_holdout(&labels, grid.max_rows as f64 / rows.len() as f64, seed)?;
        sample = h.test.iter().map(|&i| rows[i]).collect();
        &sample[..]
    } else {
        rows
    };
    let labels: Vec<u8> = rows.iter().map(|&r| table.labels()[r]).collect();
    // Small tables: the fold noise is large and the fits cheap, so the CV may be
    // repeated more often.
    let repeats = if rows.len() <= SMALL_TABLE {
        grid.small_repeats.max(grid.repeats)
    } else {
        grid.repeats
    };
    let criteria = if grid.criteria.is_empty() {
        vec![base.criterion.clone()]
    } else {
        grid.criteria.clone()
    };
    let grid = Grid {
        repeats,
        criteria,
        ..grid
    };
    let mut folds = Vec::new();
    for rep in 0..grid.repeats {
        folds.extend(stratified_kfold(
            &labels,
            grid.folds,
            seed.wrapping_add(rep as u64),
        )?);
    }
    // Leaf sizes in rows of a fold's training part.
    let fold_rows = rows.len() as f64 * (grid.folds - 1) as f64 / grid.folds as f64;
    let mut leaves: Vec<(f64, f64)> = grid
        .min_leaf
        .iter()
        .map(|&f| (f, (f * fold_rows).round().max(2.0)))
        .collect();
    leaves.dedup_by(|a, b| a.1 == b.1);
    let grid = Grid {
        min_leaf: leaves.iter().map(|l| l.1).collect(),
        ..grid
    };
    let nb = grid.binnings.len();
    let nc = grid.criteria.len();
    let nl = grid.min_leaf.len();
    let inner = grid.depths.len() * grid.prunings.len() * grid.smoothing.len();
    // Encodings: one per (fold, binning), every row of `rows` encoded. The numeric
    // columns of `rows` are sorted once; each fold's discretizer counts ranks.
    let ranked = RankedRows::new(table, rows);
    let encodings: Vec<Encoded> = (0..folds.len() * nb)
        .into_par_iter()
        .with_max_len(1)
        .map(|i| {
            let (f, b) = (i / nb, i % nb);
            let d = ranked.fit(&folds[f].train, &grid.binnings[b])?;
            ranked.encode(&d)
        })
        .collect::<Result<_>>()?;
    // Jobs: one grown tree per (fold, binning, criterion, leaf size).
    let per_fold = nb * nc * nl;
    let jobs: Vec<JobScores> = (0..folds.len() * per_fold)
        .into_par_iter()
        .with_max_len(1)
        .map(|i| {
            let (f, b, c, l) = (i / per_fold, (i / (nc * nl)) % nb, (i / nl) % nc, i % nl);
            let enc = &encodings[f * nb + b];
            let fold = &folds[f];
            let p = base.clone().criterion(grid.criteria[c].clone());
            score_job(&p, &grid, grid.min_leaf[l], enc, &fold.train, &fold.test)
        })
        .collect::<Result<_>>()?;
    let n_set = per_fold * inner;
    let nf = folds.len() as f64;
    let mut points: Vec<CurvePoint> = Vec::with_capacity(n_set);
    let mut fold_scores: Vec<Vec<f64>> = Vec::with_capacity(n_set);
    let per_depth = inner / grid.depths.len();
    for g in 0..per_fold {
        let (b, c, l) = (g / (nc * nl), (g / nl) % nc, g % nl);
        for j in 0..inner {
            let per: Vec<[f64; 3]> = (0..folds.len())
                .map(|f| jobs[f * per_fold + g].scores[j])
                .collect();
            let auc = per.iter().map(|s| s[0]).sum::<f64>() / nf;
            fold_scores.push(
                per.iter()
                    .map(|s| match grid.score {
                        TuneScore::Auc => s[0],
                        TuneScore::LogLoss => -s[1],
                    })
                    .collect(),
            );
            let var = per.iter().map(|s| (s[0] - auc).powi(2)).sum::<f64>() / (nf - 1.0).max(1.0);
            let (d, rest) = (j / per_depth, j % per_depth);
            let (pr, s) = (rest / grid.smoothing.len(), rest % grid.smoothing.len());
            points.push(CurvePoint {
                setting: TunedSetting {
                    binning: grid.binnings[b].clone(),
                    min_leaf: grid.min_leaf[l],
                    min_leaf_fraction: leaves[l].0,
                    criterion: grid.criteria[c].clone(),
                    max_depth: grid.depths[d],
                    pruning: grid.prunings[pr],
                    smoothing: grid.smoothing[s],
                },
                auc,
                auc_se: (var / nf).sqrt(),
                log_loss: per.iter().map(|s| s[1]).sum::<f64>() / nf,
                leaves: per.iter().map(|s| s[2]).sum::<f64>() / nf,
            });
        }
    }
    let mean: Vec<f64> = fold_scores
        .iter()
        .map(|f| f.iter().sum::<f64>() / nf)
        .collect();
    let best = one_se_best(&mean);
    let chosen = one_se_pick(&points, &mean, &fold_scores, grid.one_se);
    let mut order: Vec<usize> = (0..points.len()).collect();
    order.sort_by(|&a, &b| mean[b].total_cmp(&mean[a]).then(a.cmp(&b)));
    let curve = order.iter().take(20).map(|&i| points[i].clone()).collect();
    let c = points[chosen].setting.clone();
    let final_min_leaf = final_min_leaf(c.min_leaf_fraction, all_rows.len());
    let params = apply(base.clone(), &c).min_rows_leaf(final_min_leaf);
    let report = TuneReport {
        mode,
        folds: grid.folds,
        repeats: grid.repeats,
        seed,
        settings: points.len(),
        score: grid.score,
        best: points[best].clone(),
        chosen: points[chosen].clone(),
        curve,
        cv_rows: rows.len(),
        final_min_leaf,
        leaf_alpha: None,
        leaf_curve: Vec::new(),
        leaf_weighted: false,
        leaf_lambda: None,
        leaf_weighted_curve: Vec::new(),
        leaf_weights: Vec::new(),
        seconds: t0.elapsed().as_secs_f64(),
    };
    Ok(Some((params, c.binning, report)))
}

/// The final fit's `min_rows_leaf` on `n_rows` rows for a tuned leaf size that is
/// `fraction` of the rows: `max(2, round(fraction · n_rows))`.
pub(crate) fn final_min_leaf(fraction: f64, n_rows: usize) -> f64 {
    (fraction * n_rows as f64).round().max(2.0)
}

/// `base` with a tuned setting's criterion, growth (its CV leaf size), pruning and
/// smoothing.
pub(crate) fn apply(base: Id3Params, s: &TunedSetting) -> Id3Params {
    let (laplace, m) = if s.smoothing < 0.0 {
        (true, 0.0)
    } else {
        (false, s.smoothing)
    };
    base.criterion(s.criterion.clone())
        .min_rows_leaf(s.min_leaf)
        .min_rows_split(2.0)
        .max_depth(s.max_depth)
        .pruning(s.pruning)
        .laplace(laplace)
        .m_estimate(m)
}

/// The setting with the best mean score (ties: the first in grid order).
fn one_se_best(mean: &[f64]) -> usize {
    let mut best = 0;
    for (i, &m) in mean.iter().enumerate() {
        if m > mean[best] {
            best = i;
        }
    }
    best
}

/// The one-standard-error rule along the best setting's pruning path: among the
/// settings of the same grown trees as the best (same binning, criterion, leaf size
/// and smoothing; any depth cut and pruning) whose mean score (`mean`, higher is
/// better; `folds`: per fold) is below the best's by at most `k` standard errors of
/// that difference, the one with the fewest mean leaves (ties: the higher score, then
/// the first in grid order). Every setting is scored on the same folds, so the
/// standard error is that of the paired fold differences `s_best,f − s_f` (the
/// fold-to-fold noise both share cancels). Restricting the rule to one path keeps it
/// from picking, among thousands of settings, one that is within a standard error of
/// the best by chance. (The rule itself is `math::one_se_pick`, shared with the
/// survival tree's tuning; `k = 0` takes the best.)
pub(crate) fn one_se_pick(
    points: &[CurvePoint],
    mean: &[f64],
    folds: &[Vec<f64>],
    k: f64,
) -> usize {
    let best = one_se_best(mean);
    if k <= 0.0 {
        return best;
    }
    let leaves: Vec<f64> = points.iter().map(|p| p.leaves).collect();
    let same_path = |b: usize, i: usize| {
        let (b, p) = (&points[b].setting, &points[i].setting);
        p.binning == b.binning
            && p.criterion == b.criterion
            && p.min_leaf == b.min_leaf
            && p.smoothing == b.smoothing
    };
    crate::math::one_se_pick(folds, &leaves, same_path, k).1
}

/// Grows one tree on `train` (positions in `enc`) with `min_leaf` and the grid's
/// largest depth, and scores every (depth, pruning, smoothing) on `test`.
fn score_job(
    base: &Id3Params,
    grid: &Grid,
    min_leaf: f64,
    enc: &Encoded,
    train: &[usize],
    test: &[usize],
) -> Result<JobScores> {
    let deepest = if grid.depths.contains(&None) {
        None
    } else {
        grid.depths.iter().flatten().max().copied()
    };
    let p = base
        .clone()
        .min_rows_leaf(min_leaf)
        .min_rows_split(2.0)
        .max_depth(deepest)
        .pruning(Pruning::None)
        .laplace(false)
        .m_estimate(0.0)
        .check()?;
    let tree = p.fit_rows(enc, train.iter().map(|&r| r as u32).collect())?;
    let k = tree.n_classes();
    let n = tree.nodes.len();
    let churn = enc.schema().churn_class();
    // Held-out class weights at the node each test row reaches in the grown tree.
    let cols: Vec<&Codes> = enc.columns().iter().collect();
    let mut held = vec![0.0; n * k];
    for &r in test {
        let node = tree.stop_node(&cols, r);
        held[node * k + enc.labels()[r] as usize] += enc.weight(r);
    }
    let parent = parents(&tree);
    // Node probabilities of every smoothing (they do not depend on the pruning).
    let probas: Vec<Vec<f64>> = grid
        .smoothing
        .iter()
        .map(|&m| node_probas(&tree, m))
        .collect();
    let mut scores = Vec::with_capacity(grid.depths.len() * grid.prunings.len() * probas.len());
    let mut eff = vec![0usize; n];
    let mut agg = vec![0.0; n * k];
    for &d in &grid.depths {
        let mut cut = tree.clone();
        if let Some(d) = d {
            for nd in cut.nodes.iter_mut() {
                if nd.depth as usize >= d {
                    nd.feature = super::node::LEAF;
                }
            }
        }
        for &pruning in &grid.prunings {
            let mut t = cut.clone();
            match pruning {
                Pruning::Pessimistic { confidence } => prune::pessimistic_marks(&mut t, confidence),
                Pruning::CostComplexity { alpha } => prune::cost_complexity_marks(&mut t, alpha),
                _ => {}
            }
            // eff[n]: where a row reaching node n of the grown tree ends in the pruned
            // one (nodes come after their parents in the arena).
            let mut leaves = 0usize;
            agg.fill(0.0);
            for i in 0..n {
                eff[i] = if i == 0 {
                    0
                } else {
                    let e = eff[parent[i]];
                    if e != parent[i] || t.nodes[e].is_leaf() {
                        e
                    } else {
                        i
                    }
                };
                if eff[i] == i && t.nodes[i].is_leaf() {
                    leaves += 1;
                }
                for c in 0..k {
                    agg[eff[i] * k + c] += held[i * k + c];
                }
            }
            for pr in &probas {
                let (auc, ll) = node_scores(&agg, pr, k, churn);
                scores.push([auc, ll, leaves as f64]);
            }
        }
    }
    Ok(JobScores { scores })
}

/// The parent of every node (the root's is 0).
fn parents(tree: &DecisionTree) -> Vec<usize> {
    let mut parent = vec![0usize; tree.nodes.len()];
    for i in 0..tree.nodes.len() {
        for (_, c) in tree.children(i) {
            parent[c] = i;
        }
    }
    parent
}

/// Every node's class probabilities under smoothing `m` (see [`Grid::smoothing`]).
fn node_probas(tree: &DecisionTree, m: f64) -> Vec<f64> {
    let k = tree.n_classes();
    if m > 0.0 {
        return m_estimate_probas(&tree.nodes, &tree.slots, &tree.counts, &tree.schema, k, m);
    }
    let mut p = vec![0.0; tree.counts.len()];
    for (c, o) in tree.counts.chunks_exact(k).zip(p.chunks_exact_mut(k)) {
        let n: f64 = c.iter().sum();
        for (o, &x) in o.iter_mut().zip(c) {
            *o = if m < 0.0 {
                (x + 1.0) / (n + k as f64)
            } else if n > 0.0 {
                x / n
            } else {
                1.0 / k as f64
            };
        }
    }
    p
}

/// ROC AUC of the churn class and mean log loss of held-out class weights `agg` per
/// node scored with node probabilities `p`.
fn node_scores(agg: &[f64], p: &[f64], k: usize, churn: usize) -> (f64, f64) {
    let mut groups: Vec<(f64, f64, f64)> = Vec::new();
    let (mut ll, mut total) = (0.0, 0.0);
    for (a, q) in agg.chunks_exact(k).zip(p.chunks_exact(k)) {
        let w: f64 = a.iter().sum();
        if w <= 0.0 {
            continue;
        }
        for (&x, &pq) in a.iter().zip(q) {
            if x > 0.0 {
                ll -= x * pq.max(1e-15).ln();
            }
        }
        total += w;
        groups.push((q[churn], a[churn], w - a[churn]));
    }
    groups.sort_by(|x, y| x.0.total_cmp(&y.0));
    let (mut pos, mut neg, mut area) = (0.0, 0.0, 0.0);
    let mut i = 0;
    while i < groups.len() {
        let (mut gp, mut gn) = (0.0, 0.0);
        let s = groups[i].0;
        while i < groups.len() && groups[i].0 == s {
            gp += groups[i].1;
            gn += groups[i].2;
            i += 1;
        }
        // Negatives of this score: every positive below counts 1, tied ones ½.
        area += gn * (pos + 0.5 * gp);
        pos += gp;
        neg += gn;
    }
    let auc = if pos > 0.0 && neg > 0.0 {
        // `area` counts (negative, positive-below) pairs; AUC wants positives above.
        1.0 - area / (pos * neg)
    } else {
        0.5
    };
    (auc, if total > 0.0 { ll / total } else { 0.0 })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Discretizer;

    fn point(auc: f64, se: f64, leaves: f64) -> CurvePoint {
        CurvePoint {
            setting: TunedSetting {
                binning: Binning::EqualFrequency { bins: 16 },
                min_leaf: 1.0,
                min_leaf_fraction: 0.001,
                criterion: Id3Params::weighted().criterion,
                max_depth: None,
                pruning: Pruning::None,
                smoothing: 0.0,
            },
            auc,
            auc_se: se,
            log_loss: 0.5,
            leaves,
        }
    }

    #[test]
    fn one_se_rule_picks_the_simpler_tree_within_one_se() {
        // Best AUC 0.80 ± 0.01 with 100 leaves; 0.795 with 12 leaves is within one SE,
        // 0.785 with 3 leaves is not.
        // Fold AUCs: the 12-leaf tree trails the best by 0.005 ± 0.0054 (paired SE),
        // the 3-leaf tree by 0.015 ± 0.0029.
        let folds = vec![
            vec![0.80, 0.79, 0.81, 0.80],
            vec![0.80, 0.77, 0.805, 0.805],
            vec![0.79, 0.77, 0.80, 0.78],
        ];
        let pts: Vec<CurvePoint> = [(100.0, &folds[0]), (12.0, &folds[1]), (3.0, &folds[2])]
            .iter()
            .map(|(l, f)| point(f.iter().sum::<f64>() / 4.0, 0.01, *l))
            .collect();
        let mean: Vec<f64> = pts.iter().map(|p| p.auc).collect();
        assert_eq!(one_se_pick(&pts, &mean, &folds, 1.0), 1);
        assert_eq!(one_se_pick(&pts, &mean, &folds, 0.0), 0);
        assert_eq!(one_se_pick(&pts, &mean, &folds, 10.0), 2);
    }

    #[test]
    fn one_se_rule_stays_on_the_best_settings_pruning_path() {
        // A 2-leaf tree of another leaf size is as good as the best, paired, but it is
        // not on the best setting's pruning path: the 12-leaf cut of it is taken.
        let folds = vec![
            vec![0.80, 0.79, 0.81, 0.80],
            vec![0.80, 0.77, 0.805, 0.805],
            vec![0.80, 0.79, 0.81, 0.799],
        ];
        let mut pts: Vec<CurvePoint> = [(100.0, &folds[0]), (12.0, &folds[1]), (2.0, &folds[2])]
            .iter()
            .map(|(l, f)| point(f.iter().sum::<f64>() / 4.0, 0.01, *l))
            .collect();
        pts[2].setting.min_leaf = 50.0;
        let mean: Vec<f64> = pts.iter().map(|p| p.auc).collect();
        assert_eq!(one_se_pick(&pts, &mean, &folds, 1.0), 1);
    }

    fn synthetic(rows: usize) -> Table {
        crate::synth::generate(&crate::synth::SynthParams {
            rows,
            seed: 5,
            ..crate::synth::SynthParams::default()
        })
        .unwrap()
    }

    #[test]
    fn tuning_is_deterministic_for_a_seed_and_refits_the_chosen_setting() {
        let t = synthetic(1500);
        let rows = t.all_rows();
        let base = Id3Params::weighted().seed(9);
        let (p1, b1, r1) = tune(&base, Tune::Fast, None, &t, &rows).unwrap().unwrap();
        let (p2, b2, r2) = tune(&base, Tune::Fast, None, &t, &rows).unwrap().unwrap();
        assert_eq!((&p1, &b1), (&p2, &b2));
        assert_eq!(r1.chosen, r2.chosen);
        assert_eq!(r1.curve, r2.curve);
        // 1,200 rows a fold: leaf fractions 0.0005, 0.001 and 0.002 all give 2 rows.
        assert_eq!(r1.settings, 2 * 4 * 8 * 5 * 10);
        assert_eq!(r1.repeats, 2, "a small table repeats the CV");
        assert!(r1.chosen.auc <= r1.best.auc && r1.chosen.leaves <= r1.best.leaves);
        assert!(r1.curve.windows(2).all(|w| w[0].auc >= w[1].auc));
        let leaf = (r1.chosen.setting.min_leaf_fraction * 1500.0)
            .round()
            .max(2.0);
        assert_eq!(
            apply(base.clone(), &r1.chosen.setting).min_rows_leaf(leaf),
            p1
        );
        assert_eq!((r1.cv_rows, r1.final_min_leaf), (1500, leaf));
        // Another seed deals other folds.
        let (_, _, r3) = tune(&base.clone().seed(10), Tune::Fast, None, &t, &rows)
            .unwrap()
            .unwrap();
        assert_ne!(r1.curve, r3.curve);
        assert!(tune(&base, Tune::Off, None, &t, &rows).unwrap().is_none());
    }

    #[test]
    fn cv_scores_read_off_one_tree_equal_those_of_the_tree_a_fit_grows() {
        // The depth-cut, pessimistically pruned, smoothed tree that one fit grows scores
        // the held-out rows exactly as the path read off the deep tree says.
        let t = synthetic(1200);
        let all = t.all_rows();
        let base = Id3Params::weighted();
        let binning = Binning::EqualFrequency { bins: 16 };
        let train: Vec<usize> = all.iter().copied().filter(|r| r % 4 != 0).collect();
        let test: Vec<usize> = all.iter().copied().filter(|r| r % 4 == 0).collect();
        let enc = Discretizer::fit(&t, &train, &binning)
            .unwrap()
            .encode_rows(&t, &all)
            .unwrap()
            .0;
        let grid = Grid {
            binnings: vec![binning.clone()],
            min_leaf: vec![5.0],
            depths: vec![Some(3), None],
            criteria: vec![base.criterion.clone()],
            prunings: vec![
                Pruning::None,
                Pruning::Pessimistic { confidence: 0.25 },
                Pruning::CostComplexity { alpha: 0.002 },
            ],
            smoothing: vec![-1.0, 0.0, 10.0],
            folds: 2,
            repeats: 1,
            small_repeats: 1,
            max_rows: 10_000,
            one_se: 1.0,
            score: TuneScore::Auc,
        };
        let job = score_job(&base, &grid, 5.0, &enc, &train, &test).unwrap();
        let mut j = 0;
        for &d in &grid.depths {
            for &pruning in &grid.prunings {
                for &m in &grid.smoothing {
                    let s = TunedSetting {
                        binning: binning.clone(),
                        min_leaf: 5.0,
                        min_leaf_fraction: 0.01,
                        criterion: base.criterion.clone(),
                        max_depth: d,
                        pruning,
                        smoothing: m,
                    };
                    let tree = apply(base.clone(), &s)
                        .check()
                        .unwrap()
                        .fit_rows(&enc, train.iter().map(|&r| r as u32).collect())
                        .unwrap();
                    let held = enc.select(&test);
                    let proba = tree.predict_proba(&held).unwrap();
                    let k = tree.n_classes();
                    let churn = enc.schema().churn_class();
                    // Pairwise AUC of the churn class.
                    let (mut num, mut pos, mut neg) = (0.0, 0.0, 0.0);
                    for a in 0..held.n_rows() {
                        if held.labels()[a] as usize != churn {
                            continue;
                        }
                        pos += 1.0;
                        for b in 0..held.n_rows() {
                            if held.labels()[b] as usize == churn {
                                continue;
                            }
                            let (pa, pb) = (proba[a * k + churn], proba[b * k + churn]);
                            num += if pa > pb {
                                1.0
                            } else if pa == pb {
                                0.5
                            } else {
                                0.0
                            };
                        }
                    }
                    for b in 0..held.n_rows() {
                        neg += f64::from(held.labels()[b] as usize != churn);
                    }
                    let auc = num / (pos * neg);
                    let got = job.scores[j];
                    assert!((got[0] - auc).abs() < 1e-9, "{s:?}: {} vs {auc}", got[0]);
                    assert_eq!(got[2] as usize, tree.n_leaves(), "{s:?}");
                    j += 1;
                }
            }
        }
    }

    #[test]
    fn node_scores_auc_matches_the_pairwise_definition() {
        // Two nodes: churn probabilities 0.2 (3 retained, 1 churned) and 0.9 (1
        // retained, 3 churned). Pairs: churned above retained 3·3 + 1·1 tied-free...
        let agg = vec![3.0, 1.0, 1.0, 3.0];
        let p = vec![0.8, 0.2, 0.1, 0.9];
        let (auc, ll) = node_scores(&agg, &p, 2, 1);
        // Positives: 1 at 0.2, 3 at 0.9; negatives: 3 at 0.2, 1 at 0.9.
        // Correct pairs: 3·3 (0.9 vs 0.2) + ties 1·3·½ + 3·1·½ = 9 + 3 = 12 of 16.
        assert!((auc - 12.0 / 16.0).abs() < 1e-12, "{auc}");
        assert!(ll > 0.0);
    }

    /// 2,000 rows: `x` uniform on [0, 1) with churn exactly in the narrow band
    /// [0.40, 0.46) (1 % of labels flipped), and a noise column `z`.
    fn band_table() -> Table {
        use crate::data::{Column, Schema};
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let n = 2000;
        let x: Vec<f64> = (0..n).map(|_| rng.random::<f64>()).collect();
        let z: Vec<f64> = (0..n).map(|_| rng.random::<f64>()).collect();
        let labels: Vec<u8> = x
            .iter()
            .map(|&v| u8::from((0.40..0.46).contains(&v) ^ (rng.random::<f64>() < 0.01)))
            .collect();
        let schema = Schema::builder("Churn")
            .numeric("x")
            .numeric("z")
            .build()
            .unwrap();
        Table::new(
            std::sync::Arc::new(schema),
            vec![Column::Numeric(x), Column::Numeric(z)],
            labels,
            None,
            None,
        )
        .unwrap()
    }

    fn small_grid(binnings: Vec<Binning>) -> Grid {
        Grid {
            binnings,
            min_leaf: vec![0.005, 0.02],
            depths: vec![Some(2), Some(4), None],
            criteria: Vec::new(),
            prunings: vec![Pruning::None, Pruning::Pessimistic { confidence: 0.25 }],
            smoothing: vec![-1.0, 10.0],
            folds: 5,
            repeats: 1,
            small_repeats: 1,
            max_rows: 30_000,
            one_se: 1.0,
            score: TuneScore::Auc,
        }
    }

    #[test]
    fn tuning_chooses_the_binning_by_cv_where_it_matters() {
        // Four equal-frequency bins put the churn band inside one bin (cuts near
        // 0.25, 0.5, 0.75): no tree on them ranks well. MDL cuts at the band's edges.
        let t = band_table();
        let rows = t.all_rows();
        let base = Id3Params::weighted();
        let ef4 = Binning::EqualFrequency { bins: 4 };
        let mdl = Binning::Mdl {
            min_bins: 1,
            max_bins: 32,
        };
        let (_, b, r) = tune(
            &base,
            Tune::Fast,
            Some(&small_grid(vec![ef4.clone(), mdl.clone()])),
            &t,
            &rows,
        )
        .unwrap()
        .unwrap();
        assert_eq!(b, mdl, "{:?}", r.chosen);
        assert_eq!(r.chosen.setting.binning, mdl);
        let (_, b4, r4) = tune(
            &base,
            Tune::Fast,
            Some(&small_grid(vec![ef4.clone()])),
            &t,
            &rows,
        )
        .unwrap()
        .unwrap();
        assert_eq!(b4, ef4);
        assert!(
            r.chosen.auc > 0.85 && r.chosen.auc > r4.best.auc + 0.05,
            "MDL {} vs 4 bins {}",
            r.chosen.auc,
            r4.best.auc
        );
        // The same choice through the learner, whose final discretizer is MDL's.
        let l =
            super::super::TreeLearner::id3_weighted().tune_grid(small_grid(vec![ef4, mdl.clone()]));
        let m = l.fit_tree(&t, &rows).unwrap();
        assert_eq!(m.discretizer.binning(), &mdl);
    }

    #[test]
    fn log_loss_score_ranks_by_log_loss() {
        let t = synthetic(1500);
        let rows = t.all_rows();
        let g = Grid {
            score: TuneScore::LogLoss,
            one_se: 0.0,
            ..small_grid(vec![Binning::EqualFrequency { bins: 16 }])
        };
        let (_, _, r) = tune(&Id3Params::weighted(), Tune::Fast, Some(&g), &t, &rows)
            .unwrap()
            .unwrap();
        assert_eq!(r.score, TuneScore::LogLoss);
        assert_eq!(r.chosen, r.best, "one_se 0 takes the best");
        assert!(r.curve.windows(2).all(|w| w[0].log_loss <= w[1].log_loss));
        assert_eq!(r.curve[0], r.best);
    }

    #[test]
    fn bad_grids_are_refused_with_the_field_named() {
        let t = synthetic(300);
        let rows = t.all_rows();
        let ok = small_grid(vec![Binning::EqualFrequency { bins: 8 }]);
        let cases: Vec<(Grid, &str)> = vec![
            (
                Grid {
                    binnings: vec![],
                    ..ok.clone()
                },
                "binnings",
            ),
            (
                Grid {
                    min_leaf: vec![1.5],
                    ..ok.clone()
                },
                "min_leaf",
            ),
            (
                Grid {
                    folds: 1,
                    ..ok.clone()
                },
                "folds",
            ),
            (
                Grid {
                    repeats: 0,
                    ..ok.clone()
                },
                "repeats",
            ),
            (
                Grid {
                    depths: vec![Some(0)],
                    ..ok.clone()
                },
                "depth",
            ),
            (
                Grid {
                    prunings: vec![Pruning::ReducedError { fraction: 0.2 }],
                    ..ok.clone()
                },
                "reduced-error",
            ),
            (
                Grid {
                    prunings: vec![Pruning::CostComplexity { alpha: -1.0 }],
                    ..ok.clone()
                },
                "alpha",
            ),
            (
                Grid {
                    smoothing: vec![-2.0],
                    ..ok.clone()
                },
                "smoothing",
            ),
            (
                Grid {
                    one_se: f64::NAN,
                    ..ok.clone()
                },
                "one_se",
            ),
            (
                Grid {
                    binnings: vec![Binning::EqualFrequency { bins: 0 }],
                    ..ok.clone()
                },
                "bins",
            ),
        ];
        for (g, what) in cases {
            let e = super::super::TreeLearner::id3_weighted()
                .tune_grid(g)
                .fit_tree(&t, &rows)
                .unwrap_err()
                .to_string();
            assert!(e.contains(what), "{what}: {e}");
        }
        assert!(ok.check().is_ok());
    }
}
