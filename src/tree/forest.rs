//! The churn forest: bagged weighted-entropy trees ([`Forest`], [`ForestClassifier`]).
//!
//! Each tree grows on its own bootstrap sample of the training rows (a row list with
//! repeats, counted through the same [`Counter`](crate::count::Counter) seam as a
//! single tree) and chooses each node's split among a random subset of the features
//! ([`Id3ValidParams::fit_rows_subsampled`]). Trees grow in parallel (rayon), each
//! from its own seed derived from the forest's seed, so a forest is the same for a
//! seed whatever the number of threads. The rows a tree did not see give the
//! out-of-bag (OOB) estimates of error and ROC AUC, kept in the classifier.

use std::sync::Arc;

use rand::{Rng, SeedableRng};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::criterion::{AttributeWeights, ClassWeights, Criterion, WeightedEntropy};
use super::grow::mix;
use super::node::{Node, Slots};
use super::params::{Id3Params, NumericSplits, Pruning};
use super::tree::{DecisionTree, MissingPolicy, Smoothing};
use super::walk::WalkerCache;
use crate::data::{Binning, Cell, Discretizer, Encoded, EncodedSchema, Table};
use crate::error::{Error, Result};
use crate::learner::check_out_len;
use crate::learner::{
    Classifier, EncodedLearner, Encoding, Explanation, FitInput, RawExplainer, RawReason, Reason,
};

/// The churn forest's parameters (a builder, validated once by [`Forest::check`]);
/// [`EncodedLearner`] through it.
///
/// Defaults ([`Forest::default`]):
///
/// | parameter | default |
/// |---|---|
/// | `tune` | [`ForestTune::Oob`]: features per node and minimum leaf chosen by out-of-bag AUC over the [`ForestGrid`] (⌈√p⌉ or 2⌈√p⌉ features × leaves of 10, 3 or 30 rows, 40 trees each), then 100 trees, then batches of 50 (at most 300) while the out-of-bag AUC still rises by more than 0.0005 |
/// | `n_trees` | 100 |
/// | `max_features` | None = ⌈√p⌉ of the p features per node (when untuned) |
/// | `sample_fraction` | 0.5 (each bootstrap draws ⌈n/2⌉ rows with replacement) |
/// | `min_rows_leaf` | 10 (when untuned; C4.5's rule: two branches of 10 rows; `min_rows_split` 2) |
/// | `max_depth` | None (unlimited) |
/// | `binning` | 64 equal-frequency bins, ordered binary splits of numerics |
/// | criterion | weighted entropy, attribute weights `1/n_A`, class weights 1 |
/// | leaves | Laplace-smoothed (`(n_k + 1) / (N + K)`), so a one-row leaf never says 1.0 |
/// | aggregation | the mean of the trees' leaf distributions |
/// | `seed` | 0 |
///
/// The fixed settings (bins, fraction, the untuned leaf and features) were chosen by
/// out-of-bag ROC AUC on the TRAINING rows only (`telco-train`,
/// `orange-telecom-churn-train`, the ISP train split; no test file read) over bins {16,
/// 32, 64, 128, 255} × features per node {⌈√p⌉, p/3, 2⌈√p⌉} × min leaf {1, 3, 5, 10,
/// 20, 40} × attribute weights {1, 1/n_A} × sample fraction {0.5, 1} (not the full
/// product; `cargo run --release --example forest_real tune` with `TUNE_*` variables
/// reruns any part). Mean OOB AUC over the three (the default is the best setting with
/// attribute weights 1/n_A):
///
/// | setting | Telco | Orange | ISP | mean |
/// |---|---|---|---|---|
/// | **untuned default**: 64 bins, √p, leaf 10, 1/n_A, fraction 0.5 | 0.8437 | 0.9100 | 0.9806 | **0.9114** |
/// | 32 bins, same | 0.8434 | 0.9103 | 0.9804 | 0.9114 |
/// | 255 bins, same | 0.8426 | 0.9102 | 0.9809 | 0.9112 |
/// | 128 bins, leaf 10, fraction 1 | 0.8375 | 0.9133 | 0.9814 | 0.9107 |
/// | 128 bins, leaf 5, fraction 1 | 0.8339 | 0.9151 | 0.9816 | 0.9102 |
/// | 32 bins, leaf 20, weights 1, fraction 1 | 0.8433 | 0.9150 | 0.9804 | 0.9129 |
/// | 32 bins, leaf 3, weights 1, fraction 1 (first guess) | 0.8291 | 0.9058 | 0.9808 | 0.9052 |
///
/// The AUCs of the top settings are within 0.002 of each other; attribute weights
/// `1/n_A` were preferred to 1 because with weights 1 the trees split on many-valued
/// categoricals (Orange's `State`) and the OOB error doubles (Orange 0.0998 with
/// weights 1 vs 0.047–0.063 with 1/n_A
/// at leaves 5–20), and half-size bootstraps fit about twice as fast.
///
/// The best leaf size and features per node differ between tables (3 rows and 2⌈√p⌉
/// on ISP, 30 rows on Telco), so the default tunes them per fit. The out-of-bag grid
/// was chosen by nested 5-fold cross-validation on the training rows only
/// (`cargo run --release --example tune_cv -- forest default oob ...`: the forest,
/// tuning included, fitted on 4/5 of each training file and scored on the other
/// fifth; plus three `synth` tables of 3k, 6k and 10k rows):
///
/// | forest | Telco | Orange | ISP | synth 3k | synth 6k | synth 10k | mean |
/// |---|---|---|---|---|---|---|---|
/// | untuned (√p, leaf 10) | 0.8439 | 0.9133 | 0.9802 | 0.8996 | 0.9210 | 0.9214 | 0.9132 |
/// | **OOB grid: {1, 2}⌈√p⌉ × leaf {10, 3, 30}** | 0.8438 | 0.9130 | 0.9820 | 0.9009 | 0.9213 | 0.9205 | **0.9136** |
/// | + ⌈√p⌉/2 features | 0.8438 | 0.9130 | 0.9820 | 0.9004 | 0.9217 | 0.9204 | 0.9135 |
/// | + sample fraction 1 | 0.8438 | 0.9138 | 0.9820 | 0.9005 | 0.9201 | 0.9204 | 0.9134 |
/// | + leaf 1 | 0.8438 | 0.9126 | 0.9820 | 0.8991 | 0.9217 | 0.9204 | 0.9133 |
/// | 25 trees per candidate | 0.8438 | 0.9130 | 0.9820 | 0.9014 | 0.9206 | 0.9194 | 0.9134 |
///
/// Only ISP gains clearly (+0.0018); elsewhere the choice is within ±0.001 of the
/// untuned forest. Tuning grows six candidate forests of 40 trees before the final
/// forest (whose first 40 trees are the chosen candidate's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Forest {
    /// Number of trees (≥ 1).
    pub n_trees: usize,
    /// Features considered per node; None = ⌈√p⌉.
    pub max_features: Option<usize>,
    /// Bootstrap sample size as a fraction of the training rows, in (0, 1].
    pub sample_fraction: f64,
    /// The trees' parameters (criterion, limits, smoothing); no post-pruning.
    pub tree: Id3Params,
    /// How numeric features are binned.
    pub binning: Binning,
    /// Seed of the bootstrap samples and feature subsets.
    pub seed: u64,
    /// The name in reports.
    pub name: String,
    /// Whether the fit first chooses its settings by out-of-bag AUC ([`ForestTune`]).
    #[serde(default)]
    pub tune: ForestTune,
    /// The out-of-bag grid searched when `tune` is [`ForestTune::Oob`].
    #[serde(default)]
    pub grid: ForestGrid,
}

/// Whether a forest tunes itself on its out-of-bag rows before its final fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum ForestTune {
    /// The parameters as given.
    #[default]
    Off,
    /// Out-of-bag tuning over the [`ForestGrid`]: every candidate grows
    /// `tune_trees` trees on the same bootstrap samples and feature-subset seeds, the
    /// one with the best out-of-bag ROC AUC is kept and grown on to `n_trees`, then by
    /// batches while the out-of-bag AUC still rises (as R's `tuneRF` chooses `mtry`
    /// and Breiman (2001) sizes a forest by its out-of-bag error).
    Oob,
}

/// The settings out-of-bag tuning compares ([`ForestTune::Oob`]) and how the number
/// of trees is chosen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForestGrid {
    /// Features per node as multiples of ⌈√p⌉ (rounded, clamped to 1..=p).
    pub max_features: Vec<f64>,
    /// Minimum rows per leaf.
    pub min_leaf: Vec<f64>,
    /// Bootstrap sample fractions.
    pub sample_fractions: Vec<f64>,
    /// Trees each candidate of the first sample fraction grows before they are
    /// compared (≥ 10); candidates of other fractions grow as many as give each row
    /// the same expected number of out-of-bag trees.
    pub tune_trees: usize,
    /// Trees added per step once `n_trees` are grown (0 = exactly `n_trees`).
    pub batch: usize,
    /// At most this many trees.
    pub max_trees: usize,
    /// A batch is added only while the previous one raised the out-of-bag AUC by more
    /// than this.
    pub tolerance: f64,
}

impl Default for ForestGrid {
    fn default() -> Self {
        ForestGrid {
            max_features: vec![1.0, 2.0],
            min_leaf: vec![10.0, 3.0, 30.0],
            sample_fractions: vec![0.5],
            tune_trees: 40,
            batch: 50,
            max_trees: 300,
            tolerance: 0.0005,
        }
    }
}

impl ForestGrid {
    /// Checks the grid: non-empty lists, positive multiples and leaf sizes,
    /// fractions in (0, 1], `tune_trees` ≥ 10, `max_trees` ≥ `tune_trees`, a finite
    /// non-negative tolerance.
    pub fn check(&self) -> Result<()> {
        if self.max_features.is_empty()
            || self.min_leaf.is_empty()
            || self.sample_fractions.is_empty()
        {
            return Err(Error::param(
                "forest grid",
                "empty list",
                "every list needs a value",
            ));
        }
        if let Some(&m) = self
            .max_features
            .iter()
            .find(|m| !(m.is_finite() && **m > 0.0))
        {
            return Err(Error::param(
                "forest grid max_features",
                m,
                "must be finite and > 0",
            ));
        }
        if let Some(&l) = self.min_leaf.iter().find(|l| !(l.is_finite() && **l > 0.0)) {
            return Err(Error::param(
                "forest grid min_leaf",
                l,
                "must be finite and > 0",
            ));
        }
        if let Some(&f) = self
            .sample_fractions
            .iter()
            .find(|f| !(**f > 0.0 && **f <= 1.0))
        {
            return Err(Error::param(
                "forest grid sample_fraction",
                f,
                "must be in (0, 1]",
            ));
        }
        if self.tune_trees < 10 {
            return Err(Error::param(
                "forest grid tune_trees",
                self.tune_trees,
                "must be >= 10",
            ));
        }
        if self.max_trees < self.tune_trees || self.max_trees > 100_000 {
            return Err(Error::param(
                "forest grid max_trees",
                self.max_trees,
                "must be in tune_trees..=100000",
            ));
        }
        if !(self.tolerance.is_finite() && self.tolerance >= 0.0) {
            return Err(Error::param(
                "forest grid tolerance",
                self.tolerance,
                "must be finite and >= 0",
            ));
        }
        Ok(())
    }
}

/// One candidate of an out-of-bag tuning and its score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForestCandidate {
    /// Features per node.
    pub max_features: usize,
    /// Minimum rows per leaf.
    pub min_leaf: f64,
    /// Bootstrap sample fraction.
    pub sample_fraction: f64,
    /// Out-of-bag ROC AUC with the grid's `tune_trees` trees (None when a class is
    /// absent from the out-of-bag rows).
    pub oob_auc: Option<f64>,
}

/// What out-of-bag tuning chose: kept with the fitted forest (not in model files).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForestTuneReport {
    /// Every candidate, in grid order.
    pub candidates: Vec<ForestCandidate>,
    /// The index of the chosen one (the best out-of-bag AUC; ties: the first).
    pub chosen: usize,
    /// `(trees, out-of-bag AUC)` after `n_trees` and after each batch added.
    pub trees_curve: Vec<(usize, Option<f64>)>,
}

impl Default for Forest {
    fn default() -> Self {
        Forest {
            n_trees: 100,
            max_features: None,
            sample_fraction: 0.5,
            tree: Id3Params::default()
                .criterion(Criterion::WeightedEntropy(WeightedEntropy {
                    attributes: AttributeWeights::InverseValues,
                    classes: ClassWeights::One,
                }))
                .numeric_splits(NumericSplits::Binary)
                .min_rows_split(2.0)
                .min_rows_leaf(10.0)
                .max_depth(None)
                .pruning(Pruning::None)
                .laplace(true),
            binning: Binning::EqualFrequency { bins: 64 },
            seed: 0,
            name: "id3-weighted-forest".into(),
            tune: ForestTune::Oob,
            grid: ForestGrid::default(),
        }
    }
}

impl Forest {
    /// The defaults (see the table above).
    pub fn params() -> Self {
        Forest::default()
    }
    /// Number of trees.
    pub fn n_trees(mut self, n: usize) -> Self {
        self.n_trees = n;
        self
    }
    /// Features considered per node (None = ⌈√p⌉).
    pub fn max_features(mut self, m: Option<usize>) -> Self {
        self.max_features = m;
        self
    }
    /// Bootstrap sample size as a fraction of the training rows.
    pub fn sample_fraction(mut self, f: f64) -> Self {
        self.sample_fraction = f;
        self
    }
    /// Minimum (weighted) rows in a leaf.
    pub fn min_rows_leaf(mut self, n: f64) -> Self {
        self.tree = self.tree.min_rows_leaf(n);
        self
    }
    /// A node with fewer (weighted) rows is not split.
    pub fn min_rows_split(mut self, n: f64) -> Self {
        self.tree = self.tree.min_rows_split(n);
        self
    }
    /// Maximum depth of each tree (None = unlimited).
    pub fn max_depth(mut self, d: Option<usize>) -> Self {
        self.tree = self.tree.max_depth(d);
        self
    }
    /// The trees' parameters.
    pub fn tree_params(mut self, p: Id3Params) -> Self {
        self.tree = p;
        self
    }
    /// How numeric features are binned.
    pub fn binning(mut self, b: Binning) -> Self {
        self.binning = b;
        self
    }
    /// Seed of every random choice.
    pub fn seed(mut self, s: u64) -> Self {
        self.seed = s;
        self
    }
    /// Sets whether the fit tunes itself by out-of-bag AUC first.
    pub fn tune(mut self, t: ForestTune) -> Self {
        self.tune = t;
        self
    }
    /// The out-of-bag grid (used when tuning).
    pub fn tune_grid(mut self, g: ForestGrid) -> Self {
        self.grid = g;
        self
    }
    /// Renames the learner.
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Validates the parameters.
    pub fn check(&self) -> Result<()> {
        if self.n_trees == 0 || self.n_trees > 100_000 {
            return Err(Error::param("trees", self.n_trees, "must be in 1..=100000"));
        }
        if self.max_features == Some(0) {
            return Err(Error::param("max_features", 0, "must be at least 1"));
        }
        if !(self.sample_fraction > 0.0 && self.sample_fraction <= 1.0) {
            return Err(Error::param(
                "sample_fraction",
                self.sample_fraction,
                "must be in (0, 1]",
            ));
        }
        if self.tree.missing != MissingPolicy::OwnBranch {
            return Err(Error::param(
                "missing",
                "fractional",
                "forest trees use the own-branch missing policy",
            ));
        }
        self.binning.validate()?;
        if self.tune == ForestTune::Oob {
            self.grid.check()?;
        }
        self.tree.clone().check().map(|_| ())
    }

    /// Fits on `rows` of `table` and returns the concrete classifier.
    pub fn fit_forest(&self, table: &Table, rows: &[usize]) -> Result<ForestClassifier> {
        Ok(self.fit_timed(table, rows)?.fitted)
    }

    /// The features each node considers for `p` features.
    pub fn features_per_node(&self, p: usize) -> usize {
        self.max_features
            .unwrap_or_else(|| (p as f64).sqrt().ceil() as usize)
            .clamp(1, p.max(1))
    }

    /// The out-of-bag class distribution of every row of `enc` (`n × k`, zero for a
    /// row every tree saw) and how many trees did not see each row, from a forest of
    /// these parameters grown untuned on `enc`.
    ///
    /// # Errors
    /// As [`fit_encoded`](Self::fit_encoded).
    pub fn oob_distributions(&self, enc: &Encoded) -> Result<(Vec<f64>, Vec<u32>)> {
        self.check()?;
        if enc.n_rows() == 0 {
            return Err(Error::Fit("cannot fit a forest on zero rows".into()));
        }
        let mut fitted = Vec::with_capacity(self.n_trees);
        self.grow(enc, 0..self.n_trees, &mut fitted)?;
        Ok(Oob::distributions(enc, &fitted))
    }

    /// Fits the trees on the encoded training rows (phase 2 without the discretizer).
    pub fn fit_encoded(&self, enc: &Encoded) -> Result<(Vec<DecisionTree>, Option<Oob>)> {
        let (trees, oob, _) = self.fit_encoded_tuned(enc)?;
        Ok((trees, oob))
    }

    /// [`Forest::fit_encoded`], tuning first when `tune` is [`ForestTune::Oob`]: the
    /// trees, their out-of-bag estimates, the features per node used and the tuning
    /// report.
    pub fn fit_encoded_tuned(
        &self,
        enc: &Encoded,
    ) -> Result<(Vec<DecisionTree>, Option<Oob>, Option<ForestTuneReport>)> {
        self.check()?;
        let n = enc.n_rows();
        if n == 0 {
            return Err(Error::Fit("cannot fit a forest on zero rows".into()));
        }
        if self.tune == ForestTune::Off {
            let mut fitted = Vec::with_capacity(self.n_trees);
            self.grow(enc, 0..self.n_trees, &mut fitted)?;
            let oob = Oob::estimate(enc, &fitted);
            return Ok((fitted.into_iter().map(|(t, _)| t).collect(), oob, None));
        }
        let g = &self.grid;
        let p = enc.n_features();
        let sqrt = (p as f64).sqrt().ceil();
        let mut mfs: Vec<usize> = g
            .max_features
            .iter()
            .map(|m| ((m * sqrt).round() as usize).clamp(1, p.max(1)))
            .collect();
        dedup_keep_first(&mut mfs);
        let mut leaves = g.min_leaf.clone();
        dedup_keep_first(&mut leaves);
        let mut fracs = g.sample_fractions.clone();
        dedup_keep_first(&mut fracs);
        // Each candidate grows enough trees that a row is out of bag for about as many
        // of them as with `tune_trees` trees at the first fraction: a row is out of a
        // bag of ⌈f·n⌉ draws with probability (1 − 1/n)^⌈f·n⌉, so larger bags need
        // more trees for an out-of-bag ensemble of the same size (else their AUC is
        // that of a smaller ensemble, biased down).
        let p_oob = |f: f64| (1.0 - 1.0 / n as f64).powf((f * n as f64).ceil());
        let trees_for = |f: f64| {
            let t = g.tune_trees as f64 * p_oob(fracs[0]) / p_oob(f).max(1e-9);
            (t.round() as usize).clamp(1, self.n_trees)
        };
        let mut candidates = Vec::new();
        let mut best: Option<(usize, f64, Forest, Vec<Bagged>)> = None;
        for &frac in &fracs {
            let tune_trees = trees_for(frac);
            for &leaf in &leaves {
                for &mf in &mfs {
                    let f = self
                        .clone()
                        .tune(ForestTune::Off)
                        .max_features(Some(mf))
                        .min_rows_leaf(leaf)
                        .sample_fraction(frac);
                    let mut fitted = Vec::with_capacity(self.n_trees);
                    f.grow(enc, 0..tune_trees, &mut fitted)?;
                    let auc = Oob::estimate(enc, &fitted).and_then(|o| o.auc);
                    let i = candidates.len();
                    candidates.push(ForestCandidate {
                        max_features: mf,
                        min_leaf: leaf,
                        sample_fraction: frac,
                        oob_auc: auc,
                    });
                    let a = auc.unwrap_or(f64::NEG_INFINITY);
                    if best.as_ref().is_none_or(|b| a > b.1) {
                        best = Some((i, a, f, fitted));
                    }
                }
            }
        }
        let Some((chosen, _, f, mut fitted)) = best else {
            return Err(Error::Fit("the forest grid has no candidate".into()));
        };
        let tune_trees = fitted.len();
        // The chosen candidate's trees are the first trees of its forest (tree t's
        // bootstrap and feature seeds depend only on the seed and t): grow on.
        f.grow(enc, tune_trees..self.n_trees, &mut fitted)?;
        let mut oob = Oob::estimate(enc, &fitted);
        let mut trees_curve = vec![(fitted.len(), oob.as_ref().and_then(|o| o.auc))];
        if g.batch > 0 {
            while fitted.len() < g.max_trees {
                let before = oob.as_ref().and_then(|o| o.auc).unwrap_or(0.0);
                let end = (fitted.len() + g.batch).min(g.max_trees);
                f.grow(enc, fitted.len()..end, &mut fitted)?;
                oob = Oob::estimate(enc, &fitted);
                let after = oob.as_ref().and_then(|o| o.auc);
                trees_curve.push((fitted.len(), after));
                if after.unwrap_or(0.0) - before <= g.tolerance {
                    break;
                }
            }
        }
        let report = ForestTuneReport {
            candidates,
            chosen,
            trees_curve,
        };
        Ok((
            fitted.into_iter().map(|(t, _)| t).collect(),
            oob,
            Some(report),
        ))
    }

    /// Grows trees `range` (each on its own bootstrap sample and feature seeds) and
    /// appends them with their in-bag bitmaps to `out`.
    fn grow(
        &self,
        enc: &Encoded,
        range: std::ops::Range<usize>,
        out: &mut Vec<(DecisionTree, Vec<u64>)>,
    ) -> Result<()> {
        let n = enc.n_rows();
        let m = self.features_per_node(enc.n_features());
        let valid = self.tree.clone().check()?;
        let fitted: Vec<(DecisionTree, Vec<u64>)> = range
            .into_par_iter()
            .with_max_len(1)
            .map(|t| {
                let rows = bootstrap(self.seed, t, n, self.sample_fraction);
                let mut bag = vec![0u64; n.div_ceil(64)];
                for &r in &rows {
                    bag[r as usize / 64] |= 1 << (r % 64);
                }
                let tree = valid.fit_rows_subsampled(enc, rows, m, tree_seed(self.seed, t))?;
                Ok((tree, bag))
            })
            .collect::<Result<_>>()?;
        out.extend(fitted);
        Ok(())
    }
}

/// A grown tree with its in-bag bitmap (bit `r` set: row `r` was drawn).
type Bagged = (DecisionTree, Vec<u64>);

/// Removes later repeats, keeping the first of each value in order.
fn dedup_keep_first<T: PartialEq + Copy>(v: &mut Vec<T>) {
    let mut out: Vec<T> = Vec::with_capacity(v.len());
    for &x in v.iter() {
        if !out.contains(&x) {
            out.push(x);
        }
    }
    *v = out;
}

/// The seed of tree `t`'s feature subsets.
fn tree_seed(seed: u64, t: usize) -> u64 {
    mix(mix(seed, 0x5EED), t as u64)
}

/// Tree `t`'s bootstrap sample of `n` rows: `⌈fraction · n⌉` draws with replacement,
/// ascending (repeats kept).
pub fn bootstrap(seed: u64, t: usize, n: usize, fraction: f64) -> Vec<u32> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(mix(mix(seed, 0xB007), t as u64));
    let draws = ((fraction * n as f64).ceil() as usize).clamp(1, n);
    let mut rows: Vec<u32> = (0..draws).map(|_| rng.random_range(0..n as u32)).collect();
    rows.sort_unstable();
    rows
}

/// Out-of-bag estimates: each training row predicted by the trees that did not see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Oob {
    /// Training rows with at least one tree that did not see them.
    pub rows: usize,
    /// Error of the most probable class over those rows (weighted).
    pub error: f64,
    /// ROC AUC of the churn probability over those rows (None when a class is absent).
    pub auc: Option<f64>,
}

impl Oob {
    /// The OOB distribution of every row (`n × k`, zero for rows every tree saw) and the
    /// number of trees that did not see each row.
    pub fn distributions(
        enc: &Encoded,
        fitted: &[(DecisionTree, Vec<u64>)],
    ) -> (Vec<f64>, Vec<u32>) {
        let n = enc.n_rows();
        let k = enc.n_classes();
        let cols: Vec<&crate::data::Codes> = enc.columns().iter().collect();
        let mut sum = vec![0.0; n * k];
        let mut cnt = vec![0u32; n];
        const CHUNK: usize = 1024;
        sum.par_chunks_mut(CHUNK * k)
            .zip(cnt.par_chunks_mut(CHUNK))
            .enumerate()
            .for_each(|(c, (s, ct))| {
                let mut p = vec![0.0; k];
                for (tree, bag) in fitted {
                    for (i, cc) in ct.iter_mut().enumerate() {
                        let r = c * CHUNK + i;
                        if bag[r / 64] >> (r % 64) & 1 == 1 {
                            continue;
                        }
                        tree.node_proba_into(tree.stop_node(&cols, r), &mut p);
                        for (o, x) in s[i * k..(i + 1) * k].iter_mut().zip(&p) {
                            *o += x;
                        }
                        *cc += 1;
                    }
                }
            });
        for (row, &c) in sum.chunks_exact_mut(k).zip(&cnt) {
            if c > 0 {
                row.iter_mut().for_each(|x| *x /= c as f64);
            }
        }
        (sum, cnt)
    }

    fn estimate(enc: &Encoded, fitted: &[(DecisionTree, Vec<u64>)]) -> Option<Oob> {
        let (dist, cnt) = Oob::distributions(enc, fitted);
        let k = enc.n_classes();
        let churn = enc.schema().churn_class();
        let (mut scores, mut pos, mut w) = (Vec::new(), Vec::new(), Vec::new());
        let (mut wrong, mut total) = (0.0, 0.0);
        for (r, &c) in cnt.iter().enumerate() {
            if c == 0 {
                continue;
            }
            let d = &dist[r * k..(r + 1) * k];
            let y = enc.labels()[r] as usize;
            let wt = enc.weights().map_or(1.0, |v| v[r]);
            if crate::math::argmax(d) != y {
                wrong += wt;
            }
            total += wt;
            scores.push(d[churn]);
            pos.push(y == churn);
            w.push(wt);
        }
        if total <= 0.0 {
            return None;
        }
        Some(Oob {
            rows: scores.len(),
            error: wrong / total,
            auc: crate::math::roc_auc(&scores, &pos, Some(&w)),
        })
    }
}

/// Phase 1 is [`Forest::binning`]; phase 2 grows the trees on the codes.
impl EncodedLearner for Forest {
    type Fitted = ForestClassifier;

    fn name(&self) -> String {
        self.name.clone()
    }

    fn check(&self) -> Result<()> {
        Forest::check(self)
    }

    fn binning(&self) -> Option<&Binning> {
        Some(&self.binning)
    }

    fn fit_codes(&self, mut input: FitInput<'_>) -> Result<ForestClassifier> {
        let Encoding {
            discretizer,
            encoded,
        } = input.take_encoding()?;
        let (trees, oob, tuning) = self.fit_encoded_tuned(&encoded)?;
        let features_per_node = match &tuning {
            Some(r) => r.candidates[r.chosen].max_features,
            None => self.features_per_node(encoded.n_features()),
        };
        Ok(ForestClassifier {
            discretizer,
            trees,
            oob,
            features_per_node,
            name: input.name,
            tuning: tuning.map(Box::new),
        })
    }
}

/// A fitted forest with its discretizer: averages its trees' (Laplace-smoothed) leaf
/// distributions. Serialized compactly: the schema once (in the discretizer); each
/// tree as its nodes (feature, first slot, depth, gain — the weight is the sum of the
/// class counts), its child slots run-length coded (an ordered binary split of a
/// 33-code numeric is 3 runs, not 33 slots) and its class counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "ForestRepr", into = "ForestRepr")]
pub struct ForestClassifier {
    /// The preprocessing fitted on the training rows.
    pub discretizer: Discretizer,
    /// The trees over the discretizer's codes (sharing its schema).
    pub trees: Vec<DecisionTree>,
    /// The out-of-bag estimates on the training rows.
    pub oob: Option<Oob>,
    /// Features each node considered.
    pub features_per_node: usize,
    /// The name in reports.
    pub name: String,
    /// What out-of-bag tuning chose (None when untuned). Not stored in model files.
    pub tuning: Option<Box<ForestTuneReport>>,
}

/// One tree in the model file: its arrays only.
#[derive(Serialize, Deserialize)]
struct TreeRepr {
    /// (feature, first slot, depth, gain) per node.
    nodes: Vec<(u32, u32, u32, f64)>,
    /// The child slots as (child, run length).
    slot_runs: Vec<(u32, u32)>,
    counts: Vec<f64>,
}

impl TreeRepr {
    fn new(t: DecisionTree) -> Self {
        let slot_runs = t.slots.runs();
        TreeRepr {
            nodes: t
                .nodes
                .iter()
                .map(|n| (n.feature, n.first_slot, n.depth, n.gain))
                .collect(),
            slot_runs,
            counts: t.counts,
        }
    }
}

#[derive(Serialize, Deserialize)]
struct ForestRepr {
    discretizer: Discretizer,
    trees: Vec<TreeRepr>,
    laplace: bool,
    criterion: String,
    oob: Option<Oob>,
    features_per_node: usize,
    name: String,
}

impl From<ForestClassifier> for ForestRepr {
    fn from(f: ForestClassifier) -> Self {
        let laplace = f.trees.first().is_none_or(|t| t.laplace());
        let criterion = f
            .trees
            .first()
            .map_or_else(String::new, |t| t.criterion.clone());
        ForestRepr {
            discretizer: f.discretizer,
            trees: f.trees.into_iter().map(TreeRepr::new).collect(),
            laplace,
            criterion,
            oob: f.oob,
            features_per_node: f.features_per_node,
            name: f.name,
        }
    }
}

impl TryFrom<ForestRepr> for ForestClassifier {
    type Error = Error;

    /// Rebuilds the trees (structure is checked by [`ForestClassifier::validate`] on
    /// load; here only what decoding needs: counts and slots of sane sizes).
    fn try_from(r: ForestRepr) -> Result<Self> {
        let schema: Arc<EncodedSchema> = r.discretizer.schema().clone();
        let k = schema.classes.len();
        let max_card = schema
            .features
            .iter()
            .map(|f| f.cardinality())
            .max()
            .unwrap_or(0);
        let bad = |m: &str| Error::Model {
            location: Default::default(),
            message: format!("forest: {m}"),
        };
        let mut trees = Vec::with_capacity(r.trees.len());
        for t in r.trees {
            if t.counts.len() != t.nodes.len() * k {
                return Err(bad("class counts do not match the nodes"));
            }
            let total: u64 = t.slot_runs.iter().map(|&(_, n)| u64::from(n)).sum();
            if total > (t.nodes.len() as u64).saturating_mul(max_card as u64) {
                return Err(bad("more child slots than the nodes can have"));
            }
            // Kept as runs when that is smaller (an ordered binary split is 3 runs).
            let slots = Slots::from_runs(t.slot_runs)
                .ok_or_else(|| bad("more child slots than the nodes can have"))?;
            let nodes = t
                .nodes
                .iter()
                .zip(t.counts.chunks_exact(k.max(1)))
                .map(|(&(feature, first_slot, depth, gain), c)| Node {
                    feature,
                    first_slot,
                    depth,
                    gain,
                    weight: c.iter().sum(),
                })
                .collect();
            trees.push(DecisionTree {
                schema: schema.clone(),
                nodes,
                slots,
                counts: t.counts,
                missing: MissingPolicy::OwnBranch,
                smoothing: if r.laplace {
                    Smoothing::Laplace
                } else {
                    Smoothing::None
                },
                criterion: r.criterion.clone(),
                walker: WalkerCache::default(),
                proba: Default::default(),
            });
        }
        Ok(ForestClassifier {
            discretizer: r.discretizer,
            trees,
            oob: r.oob,
            features_per_node: r.features_per_node,
            name: r.name,
            tuning: None,
        })
    }
}

impl ForestClassifier {
    /// Checks a classifier read from untrusted bytes: a consistent discretizer, at
    /// least one tree, every tree valid over the discretizer's schema.
    pub fn validate(&self) -> Result<()> {
        self.discretizer.validate()?;
        if self.trees.is_empty() {
            return Err(Error::Model {
                location: Default::default(),
                message: "the forest has no trees".into(),
            });
        }
        for t in &self.trees {
            if **t.schema() != **self.discretizer.schema() {
                return Err(Error::Model {
                    location: Default::default(),
                    message: "a tree's features or classes differ from the discretizer's".into(),
                });
            }
            t.validate()?;
        }
        Ok(())
    }

    /// Mean decrease in (weighted) entropy per feature: each tree's normalised gain
    /// importance ([`DecisionTree::importance`]) averaged over the trees and
    /// normalised to sum to 1; `(feature name, importance)`, most important first.
    pub fn importance(&self) -> Vec<(String, f64)> {
        let schema = self.discretizer.schema();
        let mut imp = vec![0.0; schema.features.len()];
        for t in &self.trees {
            for (a, b) in imp.iter_mut().zip(t.importance()) {
                *a += b;
            }
        }
        let s: f64 = imp.iter().sum();
        if s > 0.0 {
            imp.iter_mut().for_each(|x| *x /= s);
        }
        let mut out: Vec<(String, f64)> = schema
            .features
            .iter()
            .map(|f| f.name.clone())
            .zip(imp)
            .collect();
        out.sort_by(|a, b| b.1.total_cmp(&a.1));
        out
    }

    /// Total nodes over the trees.
    pub fn n_nodes(&self) -> usize {
        self.trees.iter().map(|t| t.n_nodes()).sum()
    }

    /// The mean over the trees of the root's churn probability (the prior every
    /// explanation starts from).
    pub fn mean_prior(&self) -> f64 {
        let k = self.classes().len();
        let churn = self.discretizer.schema().churn_class();
        let mut p = vec![0.0; k];
        let mut s = 0.0;
        for t in &self.trees {
            t.node_proba_into(0, &mut p);
            s += p[churn];
        }
        s / self.trees.len() as f64
    }

    /// Per feature (encoded index), the signed contributions to P(churn) of `row` of
    /// `enc`, averaged over the trees: along each tree's path, the change of P(churn)
    /// from a node to the child the row goes to, credited to the node's feature.
    /// `enc` must have passed [`ForestClassifier::check_trees`].
    fn contributions(&self, enc: &Encoded, row: usize, out: &mut [f64]) -> Result<()> {
        let k = self.classes().len();
        let churn = self.discretizer.schema().churn_class();
        let (mut p0, mut p1) = (vec![0.0; k], vec![0.0; k]);
        out.fill(0.0);
        for t in &self.trees {
            for s in t.path_checked(enc, row)? {
                if let Some(c) = s.child {
                    t.node_proba_into(s.node, &mut p0);
                    t.node_proba_into(c, &mut p1);
                    out[s.feature] += p1[churn] - p0[churn];
                }
            }
        }
        let n = self.trees.len() as f64;
        out.iter_mut().for_each(|x| *x /= n);
        Ok(())
    }

    /// Checks `enc` against every tree once (each check compares every feature), so
    /// the per-row walks need not.
    fn check_trees(&self, enc: &Encoded) -> Result<()> {
        self.trees.iter().try_for_each(|t| t.check(enc))
    }

    /// The features with a nonzero contribution, largest magnitude first (a stable
    /// sort: ties keep feature order).
    fn ranked(contrib: &[f64]) -> Vec<usize> {
        let mut idx: Vec<usize> = (0..contrib.len()).filter(|&j| contrib[j] != 0.0).collect();
        idx.sort_by(|&a, &b| contrib[b].abs().total_cmp(&contrib[a].abs()));
        idx
    }

    /// The condition of feature `j` (the classifier's own index) at row `row` of
    /// `table`: `name = value`, the value as the table holds it.
    fn condition(&self, table: &Table, row: usize, j: usize) -> String {
        let name = &self.discretizer.schema().features[j].name;
        let value = match table.schema().feature_index_near(name, j) {
            Some(f) => match table.cell(row, f) {
                Cell::Missing => "missing".to_string(),
                Cell::Num(x) => format!("{x}"),
                Cell::Cat(s) => s.to_string(),
            },
            None => "?".into(),
        };
        format!("{name} = {value}")
    }

    fn reasons(&self, table: &Table, row: usize, contrib: &[f64]) -> Vec<Reason> {
        let schema = self.discretizer.schema();
        Self::ranked(contrib)
            .into_iter()
            .map(|j| Reason {
                feature: schema.features[j].name.clone(),
                condition: self.condition(table, row, j),
                weight: contrib[j],
            })
            .collect()
    }
}

impl Classifier for ForestClassifier {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn classes(&self) -> &[String] {
        &self.discretizer.schema().classes
    }

    /// Encodes the rows once, then averages the trees' leaf distributions.
    fn predict_proba_into(&self, table: &Table, rows: &[usize], out: &mut [f64]) -> Result<()> {
        check_out_len(out, rows.len(), self.classes().len())?;
        let (enc, _) = self.discretizer.encode_rows(table, rows)?;
        out.fill(0.0);
        let mut buf = vec![0.0; out.len()];
        for t in &self.trees {
            t.predict_proba_into(&enc, &mut buf)?;
            for (o, b) in out.iter_mut().zip(&buf) {
                *o += b;
            }
        }
        let n = self.trees.len() as f64;
        out.iter_mut().for_each(|x| *x /= n);
        Ok(())
    }

    /// One reason per feature on the row's paths, weighted by its signed contribution
    /// to P(churn) averaged over the trees (treeinterpreter's decomposition: the
    /// contributions sum to P(churn) − the trees' mean root prior), largest magnitude
    /// first. The condition names the row's value.
    fn explain(&self, table: &Table, row: usize) -> Result<Explanation> {
        let (enc, _) = self.discretizer.encode_rows(table, &[row])?;
        self.check_trees(&enc)?;
        let mut c = vec![0.0; enc.n_features()];
        self.contributions(&enc, 0, &mut c)?;
        let prior = self.mean_prior();
        let total: f64 = c.iter().sum();
        Ok(Explanation {
            reasons: self.reasons(table, row, &c),
            summary: format!(
                "P(churn) {:.3} = prior {:.3} {:+.3} from the paths of {} trees",
                prior + total,
                prior,
                total,
                self.trees.len()
            ),
        })
    }

    fn raw_explainer(&self) -> Option<&dyn RawExplainer> {
        Some(self)
    }
}

/// The explanation's reasons unworded: each feature with its contribution (the
/// condition is worded from the row's own value).
impl RawExplainer for ForestClassifier {
    fn explain_top_raw(
        &self,
        table: &Table,
        rows: &[usize],
        n: usize,
    ) -> Result<Vec<Vec<RawReason<'_>>>> {
        let (enc, _) = self.discretizer.encode_rows(table, rows)?;
        self.check_trees(&enc)?;
        let features = &self.discretizer.schema().features;
        let mut c = vec![0.0; enc.n_features()];
        (0..rows.len())
            .map(|i| {
                self.contributions(&enc, i, &mut c)?;
                let mut raw: Vec<RawReason<'_>> = Self::ranked(&c)
                    .into_iter()
                    .map(|j| RawReason {
                        feature: j,
                        name: &features[j].name,
                        code: 0,
                        node: 0,
                        weight: c[j],
                    })
                    .collect();
                // As `top_reasons` of `explain`.
                raw.sort_by(|a, b| b.weight.total_cmp(&a.weight));
                raw.truncate(n);
                Ok(raw)
            })
            .collect()
    }

    fn word_reason(&self, table: &Table, row: usize, raw: &RawReason<'_>) -> Reason {
        Reason {
            feature: raw.name.to_string(),
            condition: self.condition(table, row, raw.feature),
            weight: raw.weight,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Codes, EncodedFeature};

    fn enc() -> Encoded {
        let feat = |name: &str, levels: usize| EncodedFeature {
            name: name.into(),
            levels: (0..levels).map(|l| l.to_string()).collect(),
            numeric: false,
        };
        let schema = Arc::new(EncodedSchema {
            features: vec![feat("a", 3), feat("b", 2), feat("c", 5), feat("d", 4)],
            classes: vec!["retained".into(), "churned".into()],
        });
        let n = 300;
        let a: Vec<u8> = (0..n).map(|i| (i % 3) as u8).collect();
        let b: Vec<u8> = (0..n).map(|i| ((i / 3) % 2) as u8).collect();
        let c: Vec<u8> = (0..n).map(|i| ((i * 7) % 5) as u8).collect();
        let d: Vec<u8> = (0..n).map(|i| ((i * 11) % 4) as u8).collect();
        let labels = (0..n)
            .map(|i| u8::from((a[i] == 1) ^ (b[i] == 1 && i % 7 == 0)))
            .collect();
        Encoded::new(
            schema,
            vec![Codes::U8(a), Codes::U8(b), Codes::U8(c), Codes::U8(d)],
            labels,
            None,
        )
        .unwrap()
    }

    #[test]
    fn oob_rows_are_predicted_only_by_trees_that_did_not_see_them() {
        let e = enc();
        let f = Forest::params().tune(ForestTune::Off).n_trees(15).seed(3);
        let (trees, oob) = f.fit_encoded(&e).unwrap();
        let n = e.n_rows();
        let bags: Vec<Vec<u32>> = (0..15).map(|t| bootstrap(3, t, n, 1.0)).collect();
        let fitted: Vec<(DecisionTree, Vec<u64>)> = trees
            .iter()
            .zip(&bags)
            .map(|(t, rows)| {
                let mut bag = vec![0u64; n.div_ceil(64)];
                for &r in rows {
                    bag[r as usize / 64] |= 1 << (r % 64);
                }
                (t.clone(), bag)
            })
            .collect();
        let (dist, cnt) = Oob::distributions(&e, &fitted);
        let all = trees[0].predict_proba(&e).unwrap();
        assert_eq!(all.len(), n * 2);
        for r in 0..n {
            let unseen: Vec<usize> = (0..15)
                .filter(|&t| !bags[t].contains(&(r as u32)))
                .collect();
            assert_eq!(cnt[r] as usize, unseen.len(), "row {r}");
            if unseen.is_empty() {
                continue;
            }
            let mut want = 0.0;
            for &t in &unseen {
                want += trees[t].predict_proba(&e).unwrap()[r * 2 + 1];
            }
            want /= unseen.len() as f64;
            assert!((dist[r * 2 + 1] - want).abs() < 1e-12, "row {r}");
        }
        let oob = oob.unwrap();
        assert_eq!(oob.rows, cnt.iter().filter(|&&c| c > 0).count());
        assert!(oob.auc.unwrap() > 0.8, "{oob:?}");
    }

    #[test]
    fn all_features_per_node_grows_the_plain_tree() {
        let e = enc();
        let p = Forest::params().tree.check().unwrap();
        let rows = bootstrap(5, 0, e.n_rows(), 1.0);
        let plain = p.fit_rows(&e, rows.clone()).unwrap();
        let all = p.fit_rows_subsampled(&e, rows.clone(), 4, 9).unwrap();
        assert_eq!(plain, all);
        // One feature per node: another tree, the same for the same seed.
        let one = p.fit_rows_subsampled(&e, rows.clone(), 1, 9).unwrap();
        assert_eq!(one, p.fit_rows_subsampled(&e, rows, 1, 9).unwrap());
        assert_ne!(one, plain);
    }

    #[test]
    fn bootstrap_is_seeded_sorted_and_sized() {
        let a = bootstrap(1, 2, 1000, 0.5);
        assert_eq!(a, bootstrap(1, 2, 1000, 0.5));
        assert_ne!(a, bootstrap(1, 3, 1000, 0.5));
        assert_eq!(a.len(), 500);
        assert!(a.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn bad_parameters_are_rejected() {
        assert!(Forest::params().n_trees(0).check().is_err());
        assert!(Forest::params().max_features(Some(0)).check().is_err());
        assert!(Forest::params().sample_fraction(0.0).check().is_err());
        assert!(Forest::params().sample_fraction(1.5).check().is_err());
        assert!(Forest::params().check().is_ok());
    }
}
