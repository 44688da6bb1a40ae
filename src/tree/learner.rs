//! The tree as an [`EncodedLearner`] (hence a [`Learner`](crate::Learner)) / [`Classifier`] over raw tables, and linfa's `Fit` /
//! `Predict` over a linfa `Dataset` of codes.

use linfa::dataset::{AsSingleTargets, DatasetBase};
use linfa::traits::{Fit, PredictInplace};
use ndarray::{Array1, ArrayBase, Data, Ix2};
use serde::{Deserialize, Serialize};

use super::nbleaf::{
    LEAF_ALPHAS, LeafModel, NaiveBayesLeaves, WEIGHTED_LEAF_ALPHAS, fit_leaf_weights,
};
use super::params::{Id3Params, Id3ValidParams};
use super::tree::{DecisionTree, MissingPolicy, Step, TreeArrays, TreeArraysRef};
use super::tune::{Grid, Tune, TuneReport, apply, final_min_leaf, tune};
use rayon::prelude::*;

use crate::count::InMemory;
use crate::data::{
    Binning, Discretizer, Encoded, Table, encoded_from_dataset, stratified_holdout,
    stratified_kfold,
};
use crate::error::Result;
use crate::learner::{
    Classifier, EncodedLearner, Encoding, Explanation, FitInput, RawExplainer, RawReason, Reason,
    check_out_len,
};
use crate::math::argmax;
use crate::math::roc_auc;

/// A tree learner over raw tables: fits a [`Discretizer`] (numerics cut into bins by
/// `binning`) on the training rows only, then an ID3-family tree on the codes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TreeLearner {
    /// The tree's parameters.
    pub params: Id3Params,
    /// How numeric features are binned.
    pub binning: Binning,
    /// The name in reports.
    pub name: String,
    /// Whether the fit first chooses its settings by cross-validation on the training
    /// rows (see [`Tune`]); `params` and `binning` are then the base the tuned settings
    /// replace.
    #[serde(default)]
    pub tune: Tune,
    /// The grid the tuning searches instead of the mode's ([`Tune::grid`]); None = the
    /// mode's. Not serialized.
    #[serde(skip)]
    pub grid: Option<Grid>,
    /// How leaves turn into probabilities ([`LeafModel`]): constant (the default of
    /// [`TreeLearner::new`]), naive-Bayes or weighted naive-Bayes leaves;
    /// [`TreeLearner::id3_weighted`] chooses by CV ([`LeafModel::Tuned`]).
    #[serde(default)]
    pub leaf: LeafModel,
    /// Whether the tree is a born-again student of a churn forest: fitted to the
    /// forest's out-of-bag class distributions instead of the labels, a tuned setting
    /// made deeper, finer and unpruned ([`student_params`](super::student_params)),
    /// explicit parameters (tuning off) as given ([`distill`](super::distill),
    /// [`TreeLearner::id3_weighted_distilled`]). Needs the rows in memory.
    #[serde(default)]
    pub distill: bool,
}

impl TreeLearner {
    /// A learner from parameters and binning, untuned; its name is the criterion's.
    pub fn new(params: Id3Params, binning: Binning) -> Self {
        let name = params.get_criterion().name().to_string();
        TreeLearner {
            params,
            binning,
            name,
            tune: Tune::Off,
            grid: None,
            leaf: LeafModel::Constant,
            distill: false,
        }
    }

    /// Sets the leaf model ([`LeafModel`]).
    pub fn leaf(mut self, leaf: LeafModel) -> Self {
        self.leaf = leaf;
        self
    }

    /// Makes the tree a born-again student of a churn forest (see
    /// [`TreeLearner::distill`](TreeLearner#structfield.distill)).
    pub fn distill(mut self, on: bool) -> Self {
        self.distill = on;
        self
    }

    /// Sets how much the fit tunes itself by cross-validation first ([`Tune::Off`]:
    /// the parameters as given). Tuning chooses the binning, `max_depth`,
    /// `min_rows_leaf`, the pessimistic pruning confidence and the smoothing, and
    /// needs the own-branch missing policy.
    pub fn tune(mut self, t: Tune) -> Self {
        self.tune = t;
        self
    }

    /// Searches `grid` instead of the mode's grid when tuning (as scikit-learn's
    /// `GridSearchCV` takes a parameter grid); tuning is turned on ([`Tune::Fast`])
    /// if it was off. The grid is checked when the fit starts ([`Grid::check`]).
    pub fn tune_grid(mut self, grid: Grid) -> Self {
        if self.tune == Tune::Off {
            self.tune = Tune::Fast;
        }
        self.grid = Some(grid);
        self
    }

    /// Renames the learner (for reports comparing variants).
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Quinlan's original ID3 ([`Id3::params`](super::Id3::params)) on numerics cut
    /// into 5 equal-frequency bins. Named `id3`.
    pub fn id3() -> Self {
        TreeLearner::new(Id3Params::default(), Binning::EqualFrequency { bins: 5 })
    }

    /// Weighted-entropy ID3, self-tuning ([`Tune::Fast`]): every fit chooses its
    /// depth, leaf size, pruning confidence, binning and smoothing by 5-fold CV on its
    /// training rows, then its leaves ([`LeafModel::Tuned`]): constant, naive-Bayes
    /// with a temper, or weighted naive-Bayes with a temper (per-feature weights,
    /// [`fit_leaf_weights`]). `.tune(Tune::Off)` gives the fixed defaults
    /// ([`Id3Params::weighted`], where their CV numbers are) on 16 equal-frequency
    /// bins. Named `id3-weighted`.
    pub fn id3_weighted() -> Self {
        TreeLearner::new(Id3Params::weighted(), Binning::EqualFrequency { bins: 16 })
            .tune(Tune::Fast)
            .leaf(LeafModel::Tuned)
    }

    /// One weighted-entropy tree distilled from the churn forest ("born-again"
    /// trees, [`distill`](super::distill)): the setting is tuned as
    /// [`TreeLearner::id3_weighted`]'s (5-fold CV on the training rows), then a default
    /// forest ([`Forest`](super::Forest), seeded by the tree's seed) is grown on the
    /// rows and the tree, `DISTILL_EXTRA_DEPTH` levels deeper, on half the minimum leaf
    /// and unpruned, is fitted to the forest's out-of-bag class distributions. Constant
    /// leaves (the soft targets already average the forest). Slower than
    /// `id3-weighted` by a forest fit; ranks like the forest where its boundary is
    /// oblique (Orange). Named `id3-weighted-distilled`.
    pub fn id3_weighted_distilled() -> Self {
        TreeLearner::new(Id3Params::weighted(), Binning::EqualFrequency { bins: 16 })
            .tune(Tune::Fast)
            .distill(true)
            .named("id3-weighted-distilled")
    }

    /// C4.5-style gain ratio with binary numeric splits, fractional missing values and
    /// pessimistic pruning ([`Id3Params::c45`]) on 16 equal-frequency bins. Named `c45`.
    pub fn c45() -> Self {
        TreeLearner::new(Id3Params::c45(), Binning::EqualFrequency { bins: 16 }).named("c45")
    }

    /// The untuned learner that fits what a tuning chose (`report`, e.g. of a fit on a
    /// sample of the rows) on `n_rows` rows: the chosen setting's criterion, depth,
    /// pruning, smoothing and binning over this learner's parameters, and a minimum
    /// leaf of the chosen fraction of the rows, `max(2, round(fraction · n_rows))` —
    /// the final fit a tuned fit on `n_rows` rows makes (for a born-again tree, the
    /// student's setting, [`student_params`](super::student_params)). (Streaming
    /// training tunes on a sample and fits on every row with it.)
    pub fn tuned_for(&self, report: &TuneReport, n_rows: usize) -> TreeLearner {
        let s = &report.chosen.setting;
        let params = apply(self.params.clone(), s)
            .min_rows_leaf(final_min_leaf(s.min_leaf_fraction, n_rows));
        // A born-again tree's student fits the tuned setting made its own.
        let params = if self.distill {
            super::distill::student_params(params)
        } else {
            params
        };
        let leaf = self.leaf.resolve(Some(report));
        TreeLearner {
            params,
            binning: s.binning.clone(),
            name: self.name.clone(),
            tune: Tune::Off,
            grid: None,
            leaf,
            distill: self.distill,
        }
    }

    /// Fits and returns the concrete classifier (the two-phase fit of
    /// [`EncodedLearner::fit_timed`], without the timing).
    pub fn fit_tree(&self, table: &Table, rows: &[usize]) -> Result<TreeClassifier> {
        Ok(self.fit_timed(table, rows)?.fitted)
    }
}

/// Phase 1 is [`TreeLearner::binning`]; phase 2 grows the tree on the codes.
impl EncodedLearner for TreeLearner {
    type Fitted = TreeClassifier;

    fn name(&self) -> String {
        self.name.clone()
    }

    fn check(&self) -> Result<()> {
        self.params.clone().check().map(|_| ())
    }

    /// The binning as given — or None for a self-tuning tree, whose tuning (in phase
    /// 2) chooses the binning: it fits its discretizer after the tuning, once, rather
    /// than encode the rows with a binning the tuning may discard (the encoding's time
    /// is then part of the fit's).
    fn binning(&self) -> Option<&Binning> {
        (self.tune == Tune::Off).then_some(&self.binning)
    }

    fn fit_codes(&self, mut input: FitInput<'_>) -> Result<TreeClassifier> {
        let mut params = self.params.clone();
        let mut tuning = None;
        let Encoding {
            discretizer,
            encoded,
        } = match input.encoding.take() {
            Some(encoding) => encoding,
            None => {
                let mut binning = self.binning.clone();
                if let Some((p, b, report)) = tune(
                    &params,
                    self.tune,
                    self.grid.as_ref(),
                    input.table,
                    input.rows,
                )? {
                    binning = b;
                    params = p;
                    tuning = Some(Box::new(report));
                }
                binning.validate()?;
                let discretizer = Discretizer::fit(input.table, input.rows, &binning)?;
                let encoded = discretizer.encode_rows(input.table, input.rows)?.0;
                Encoding {
                    discretizer,
                    encoded,
                }
            }
        };
        self.leaf.check()?;
        // The leaf CV of a tuned leaf model, then the temper and, for weighted leaves,
        // the weights' penalty of what it chose.
        if self.leaf.is_tuned()
            && let Some(report) = tuning.as_deref_mut()
        {
            let chosen = &report.chosen.setting;
            let lambda = self.leaf.tuned_lambda();
            let cv = choose_leaf_alpha(
                &params,
                chosen.min_leaf_fraction,
                &encoded,
                report.cv_rows,
                report.seed,
                lambda,
            )?;
            report.leaf_alpha = Some(cv.alpha);
            report.leaf_curve = cv.curve;
            report.leaf_weighted = cv.weighted;
            report.leaf_lambda = lambda;
            report.leaf_weighted_curve = cv.weighted_curve;
        }
        let (alpha, lambda) = self.leaf.resolve(tuning.as_deref()).temper();
        let seed = params.seed;
        let tree = if self.distill {
            let soft = super::distill::soft_labels(&encoded, &super::distill::teacher(&params))?;
            // A tuned setting is made the student's (deeper, finer, unpruned); an
            // explicit one is fitted as given.
            let params = if tuning.is_some() {
                super::distill::student_params(params)
            } else {
                params
            };
            params.check()?.fit(&soft)?
        } else {
            params.check()?.fit(&encoded)?
        };
        let leaves = if alpha > 0.0 {
            let nb =
                NaiveBayesLeaves::fit(&InMemory::new(&encoded), encoded.n_features(), None, alpha);
            match lambda {
                Some(lambda) => {
                    let w = fit_leaf_weights(&nb, &encoded, None, lambda, seed)?;
                    let weighted = nb.weighted(encoded.schema(), &w, alpha)?;
                    if let Some(report) = tuning.as_deref_mut() {
                        report.leaf_weights = w;
                    }
                    Some(weighted)
                }
                None => Some(nb),
            }
        } else {
            None
        };
        Ok(TreeClassifier {
            discretizer,
            tree,
            name: input.name,
            tuning,
            leaves,
        })
    }
}

/// What the leaf CV chose ([`choose_leaf_alpha`]).
struct LeafCv {
    /// The temper (0: constant leaves).
    alpha: f64,
    /// Whether it is a weighted leaves' temper.
    weighted: bool,
    /// `[α, mean AUC]` of the unweighted tempers.
    curve: Vec<[f64; 2]>,
    /// `[α, mean AUC]` of the weighted tempers (empty without `lambda`).
    weighted_curve: Vec<[f64; 2]>,
}

/// Chooses the naive-Bayes leaves' temper `α` from [`LEAF_ALPHAS`] — and, with
/// `lambda`, among the weighted leaves' tempers [`WEIGHTED_LEAF_ALPHAS`] too — for
/// the tuned `params`: stratified 5-fold CV (seeded by `seed`) on `enc` (on a
/// stratified sample of `cv_rows` rows when it has more, as the tuning), one tree per
/// fold with the tuned setting (its minimum leaf the tuned fraction of the fold's
/// rows), the naive Bayes counted and its feature weights fitted
/// ([`fit_leaf_weights`], penalty `lambda`) on the fold's training rows only; the
/// highest mean held-out ROC AUC of the churn class wins (ties: the unweighted
/// leaves, then the smaller `α`). Returns the choice and each candidate's mean AUC.
/// (The codes are the final binning's, fitted on all rows: equal-frequency cut
/// points use no labels.)
fn choose_leaf_alpha(
    params: &Id3Params,
    min_leaf_fraction: f64,
    enc: &Encoded,
    cv_rows: usize,
    seed: u64,
    lambda: Option<f64>,
) -> Result<LeafCv> {
    let n = enc.n_rows();
    let rows: Vec<usize> = if n > cv_rows && cv_rows > 0 {
        let h = stratified_holdout(enc.labels(), cv_rows as f64 / n as f64, seed)?;
        h.test
    } else {
        (0..n).collect()
    };
    let labels: Vec<u8> = rows.iter().map(|&r| enc.labels()[r]).collect();
    let folds = stratified_kfold(&labels, 5, seed)?;
    let churn = enc.schema().churn_class();
    let k = enc.n_classes();
    let counter = InMemory::new(enc);
    let per_fold: Vec<Vec<f64>> = folds
        .par_iter()
        .map(|f| -> Result<Vec<f64>> {
            let train: Vec<u32> = f.train.iter().map(|&i| rows[i] as u32).collect();
            let test: Vec<usize> = f.test.iter().map(|&i| rows[i]).collect();
            let p = params
                .clone()
                .min_rows_leaf(final_min_leaf(min_leaf_fraction, train.len()))
                .check()?;
            let tree = p.fit_rows(enc, train.clone())?;
            let held = enc.select(&test);
            let mut base = vec![0.0; test.len() * k];
            tree.predict_proba_into(&held, &mut base)?;
            let mut nb = NaiveBayesLeaves::fit(&counter, enc.n_features(), Some(&train), 0.0);
            let positive: Vec<bool> = held.labels().iter().map(|&y| y as usize == churn).collect();
            let auc = |nb: &NaiveBayesLeaves| -> Result<f64> {
                let mut out = base.clone();
                nb.refine(&tree, &held, &mut out)?;
                let s: Vec<f64> = out.chunks_exact(k).map(|p| p[churn]).collect();
                Ok(roc_auc(&s, &positive, None).unwrap_or(0.5))
            };
            let mut scores = Vec::with_capacity(LEAF_ALPHAS.len() + WEIGHTED_LEAF_ALPHAS.len());
            for &a in &LEAF_ALPHAS {
                nb.alpha = a;
                scores.push(auc(&nb)?);
            }
            if let Some(lambda) = lambda {
                let w = fit_leaf_weights(&nb, enc, Some(&train), lambda, seed)?;
                for &a in &WEIGHTED_LEAF_ALPHAS {
                    scores.push(auc(&nb.weighted(enc.schema(), &w, a)?)?);
                }
            }
            Ok(scores)
        })
        .collect::<Result<_>>()?;
    let mean = |i: usize| per_fold.iter().map(|f| f[i]).sum::<f64>() / folds.len() as f64;
    let curve: Vec<[f64; 2]> = LEAF_ALPHAS
        .iter()
        .enumerate()
        .map(|(i, &a)| [a, mean(i)])
        .collect();
    let weighted_curve: Vec<[f64; 2]> = match lambda {
        Some(_) => WEIGHTED_LEAF_ALPHAS
            .iter()
            .enumerate()
            .map(|(i, &a)| [a, mean(LEAF_ALPHAS.len() + i)])
            .collect(),
        None => Vec::new(),
    };
    let mut best = (curve[0], false);
    for (c, weighted) in curve[1..]
        .iter()
        .map(|c| (*c, false))
        .chain(weighted_curve.iter().map(|c| (*c, true)))
    {
        if c[1] > best.0[1] {
            best = (c, weighted);
        }
    }
    Ok(LeafCv {
        alpha: best.0[0],
        weighted: best.1,
        curve,
        weighted_curve,
    })
}

/// A fitted tree with its discretizer: scores raw rows.
///
/// Serialized as the discretizer, the tree's arrays and the name: the tree's schema is
/// the discretizer's, stored once (model files before format version 4 stored it
/// twice; see [`data::compat`](crate::data::compat)).
#[derive(Debug, Clone, PartialEq)]
pub struct TreeClassifier {
    /// The preprocessing fitted on the training rows.
    pub discretizer: Discretizer,
    /// The tree over the discretizer's codes.
    pub tree: DecisionTree,
    /// The name in reports.
    pub name: String,
    /// What the self-tuning chose and its CV curve (None when untuned). Not stored in
    /// model files; the training pipeline copies it into the summary's parameters.
    pub tuning: Option<Box<TuneReport>>,
    /// Naive-Bayes leaves (None: constant leaves). Stored in model files from format
    /// version 5 (older files load with None).
    pub leaves: Option<NaiveBayesLeaves>,
}

#[derive(Serialize)]
struct TreeClassifierOut<'a> {
    discretizer: &'a Discretizer,
    tree: TreeArraysRef<'a>,
    name: &'a str,
    leaves: &'a Option<NaiveBayesLeaves>,
}

/// Model format 5: the discretizer, the tree's arrays, the name, the leaf model (absent
/// in a JSON document of format 4: None).
#[derive(Deserialize)]
struct TreeClassifierIn {
    discretizer: Discretizer,
    tree: TreeArrays,
    name: String,
    #[serde(default)]
    leaves: Option<NaiveBayesLeaves>,
}

/// Model format 4: no leaf model.
#[derive(Deserialize)]
struct TreeClassifierV4 {
    discretizer: Discretizer,
    tree: TreeArrays,
    name: String,
}

/// Model formats 1–3: the tree with its own copy of the schema.
#[derive(Deserialize)]
struct TreeClassifierV3 {
    discretizer: Discretizer,
    tree: DecisionTree,
    name: String,
}

impl Serialize for TreeClassifier {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        TreeClassifierOut {
            discretizer: &self.discretizer,
            tree: self.tree.arrays(),
            name: &self.name,
            leaves: &self.leaves,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for TreeClassifier {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let (discretizer, tree, name, leaves) = if crate::data::compat::legacy_layout() {
            let r = TreeClassifierV3::deserialize(d)?;
            (r.discretizer, r.tree, r.name, None)
        } else if crate::data::compat::layout_before(5) {
            let r = TreeClassifierV4::deserialize(d)?;
            let schema = r.discretizer.schema().clone();
            (
                r.discretizer,
                DecisionTree::from_arrays(schema, r.tree),
                r.name,
                None,
            )
        } else {
            let r = TreeClassifierIn::deserialize(d)?;
            let schema = r.discretizer.schema().clone();
            (
                r.discretizer,
                DecisionTree::from_arrays(schema, r.tree),
                r.name,
                r.leaves,
            )
        };
        Ok(TreeClassifier {
            discretizer,
            tree,
            name,
            tuning: None,
            leaves,
        })
    }
}

impl TreeClassifier {
    /// The leaf model in words: `constant leaves`, `naive-Bayes leaves (α = 0.1, over
    /// the features off each row's path)` or, for weighted leaves (stored as
    /// log-potentials with `α = 1`, [`NaiveBayesLeaves::is_weighted`]), `naive-Bayes
    /// leaves (α = 1 on weighted log-potentials: each feature's own exponent, over the
    /// features off each row's path)`.
    pub fn leaf_model_text(&self) -> String {
        match &self.leaves {
            None => "constant leaves".to_string(),
            Some(nb) if nb.is_weighted(self.tree.n_classes()) => format!(
                "naive-Bayes leaves (α = {} on weighted log-potentials: each feature's own \
                 exponent, over the features off each row's path)",
                nb.alpha
            ),
            Some(nb) => format!(
                "naive-Bayes leaves (α = {}, over the features off each row's path)",
                nb.alpha
            ),
        }
    }
}

impl Classifier for TreeClassifier {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn classes(&self) -> &[String] {
        &self.tree.schema().classes
    }

    /// Encodes the rows once with the discretizer, then walks the tree for each.
    fn predict_proba_into(&self, table: &Table, rows: &[usize], out: &mut [f64]) -> Result<()> {
        check_out_len(out, rows.len(), self.classes().len())?;
        let (enc, _) = self.discretizer.encode_rows(table, rows)?;
        self.tree.predict_proba_into(&enc, out)?;
        if let Some(nb) = &self.leaves {
            nb.refine(&self.tree, &enc, out)?;
        }
        Ok(())
    }

    /// The path of conditions from the root, in path order. Each [`Reason`]'s weight is
    /// the change in the churn probability it caused: `P(churned | after the condition)
    /// − P(churned | before it)`, from the training counts of the two nodes (positive =
    /// churn-ward). A condition the node never saw in training (the row stops there)
    /// has weight 0. With naive-Bayes leaves, each feature off the path follows as
    /// `feature = value` with the change its factor makes: `P(churned | x) −
    /// P(churned | x without that factor)`. The summary is the whole path with the
    /// final node's counts.
    fn explain(&self, table: &Table, row: usize) -> Result<Explanation> {
        let (enc, _) = self.discretizer.encode_rows(table, &[row])?;
        let t = &self.tree;
        let churn = t.schema().churn_class();
        let k = t.n_classes();
        let mut p0 = vec![0.0; k];
        let mut p1 = vec![0.0; k];
        let mut reasons = Vec::new();
        let path = t.path(&enc, 0)?;
        for s in &path {
            let f = &t.schema().features[s.feature];
            let weight = step_weight(t, s, churn, &mut p0, &mut p1);
            reasons.push(Reason {
                feature: f.name.clone(),
                condition: t.branch_condition(s.node, s.code),
                weight,
            });
        }
        if let Some(nb) = &self.leaves {
            t.predict_proba_into(&enc, &mut p0)?;
            let on_path: Vec<usize> = path.iter().map(|s| s.feature).collect();
            for (f, weight) in nb.contributions(t, &enc, 0, &p0, &on_path) {
                let feat = &t.schema().features[f];
                reasons.push(Reason {
                    feature: feat.name.clone(),
                    condition: feat.condition(enc.code(0, f)),
                    weight,
                });
            }
        }
        Ok(Explanation {
            reasons,
            summary: t.explain(&enc, 0)?,
        })
    }

    fn raw_explainer(&self) -> Option<&dyn RawExplainer> {
        Some(self)
    }
}

/// The reasons of [`explain`](Classifier::explain) unworded: each path step as its
/// feature, the tree node and the branch taken.
impl RawExplainer for TreeClassifier {
    /// Top `n` by weight, for many rows: the rows are encoded once and the weights
    /// computed for the whole path; nothing is rendered as text.
    fn explain_top_raw(
        &self,
        table: &Table,
        rows: &[usize],
        n: usize,
    ) -> Result<Vec<Vec<RawReason<'_>>>> {
        let (enc, _) = self.discretizer.encode_rows(table, rows)?;
        let t = &self.tree;
        t.check(&enc)?; // once for all rows
        let churn = t.schema().churn_class();
        let k = t.n_classes();
        let (mut p0, mut p1) = (vec![0.0; k], vec![0.0; k]);
        let mut tree_p = Vec::new();
        if self.leaves.is_some() {
            tree_p = vec![0.0; rows.len() * k];
            t.predict_proba_into(&enc, &mut tree_p)?;
        }
        (0..rows.len())
            .map(|i| {
                let path = t.path_checked(&enc, i)?;
                let mut raw: Vec<RawReason<'_>> = path
                    .iter()
                    .map(|s| RawReason {
                        feature: s.feature,
                        name: &t.schema().features[s.feature].name,
                        code: s.code,
                        node: s.node as u32,
                        weight: step_weight(t, s, churn, &mut p0, &mut p1),
                    })
                    .collect();
                if let Some(nb) = &self.leaves {
                    let on_path: Vec<usize> = path.iter().map(|s| s.feature).collect();
                    let p = &tree_p[i * k..(i + 1) * k];
                    for (f, weight) in nb.contributions(t, &enc, i, p, &on_path) {
                        raw.push(RawReason {
                            feature: f,
                            name: &t.schema().features[f].name,
                            code: enc.code(i, f),
                            node: NB_REASON,
                            weight,
                        });
                    }
                }
                // Stable: ties keep path order, as `top_reasons` of `explain`.
                raw.sort_by(|a, b| b.weight.total_cmp(&a.weight));
                raw.truncate(n);
                Ok(raw)
            })
            .collect()
    }

    fn word_reason(&self, _table: &Table, _row: usize, raw: &RawReason<'_>) -> Reason {
        Reason {
            feature: raw.name.to_string(),
            condition: if raw.node == NB_REASON {
                self.tree.schema().features[raw.feature].condition(raw.code)
            } else {
                self.tree.branch_condition(raw.node as usize, raw.code)
            },
            weight: raw.weight,
        }
    }
}

/// The `node` of a naive-Bayes leaf's reason (a feature off the path, see
/// [`NaiveBayesLeaves`]): no tree node.
const NB_REASON: u32 = u32::MAX;

/// A path step's reason weight: `P(churned | child) − P(churned | node)` from the
/// training counts, 0 when the row stops at the node. `p0`/`p1` are scratch buffers of
/// `n_classes` entries.
fn step_weight(t: &DecisionTree, s: &Step, churn: usize, p0: &mut [f64], p1: &mut [f64]) -> f64 {
    match s.child {
        Some(c) => {
            t.node_proba_into(s.node, p0);
            t.node_proba_into(c, p1);
            p1[churn] - p0[churn]
        }
        None => 0.0,
    }
}

/// linfa's `Fit` on a `Dataset` of codes (`u16`, rows × features) with `usize` labels:
/// every column is categorical with levels `0..=max`, classes `0..=max label`.
impl<D, T> Fit<ArrayBase<D, Ix2>, T, linfa::Error> for Id3ValidParams
where
    D: Data<Elem = u16>,
    T: AsSingleTargets<Elem = usize>,
{
    type Object = DecisionTree;

    fn fit(
        &self,
        dataset: &DatasetBase<ArrayBase<D, Ix2>, T>,
    ) -> std::result::Result<DecisionTree, linfa::Error> {
        let enc = encoded_from_dataset(dataset)?;
        Id3ValidParams::fit(self, &enc).map_err(|e| linfa::Error::Parameters(e.to_string()))
    }
}

/// linfa's `Predict` (through `PredictInplace`) on a matrix of codes: the most probable
/// class of each row. A code the tree never saw stops the row at that node.
impl<D: Data<Elem = u16>> PredictInplace<ArrayBase<D, Ix2>, Array1<usize>> for DecisionTree {
    fn predict_inplace(&self, x: &ArrayBase<D, Ix2>, y: &mut Array1<usize>) {
        let k = self.n_classes();
        let mut p = vec![0.0; k];
        for (row, out) in x.rows().into_iter().zip(y.iter_mut()) {
            self.proba_of_codes(row.as_slice().unwrap_or(&row.to_vec()), &mut p);
            *out = argmax(&p);
        }
    }

    fn default_target(&self, x: &ArrayBase<D, Ix2>) -> Array1<usize> {
        Array1::zeros(x.nrows())
    }
}

impl DecisionTree {
    /// Class probabilities for one row given as codes (one per feature, in the tree's
    /// feature order). Codes outside a feature's range stop the row at that node;
    /// missing features (a short row) count as missing.
    pub fn proba_of_codes(&self, codes: &[u16], out: &mut [f64]) {
        self.proba_from(0, codes, out);
    }

    fn proba_from(&self, start: usize, codes: &[u16], out: &mut [f64]) {
        let mut n = start;
        loop {
            let node = self.nodes[n];
            if node.is_leaf() {
                break;
            }
            let f = node.feature as usize;
            let missing = self.schema.features[f].missing_code();
            let code = codes.get(f).copied().unwrap_or(missing);
            if self.missing == MissingPolicy::Fractional && code == missing {
                let kids = self.children(n);
                let total: f64 = kids.iter().map(|&(_, c)| self.nodes[c].weight).sum();
                if total <= 0.0 {
                    break;
                }
                out.fill(0.0);
                let mut sub = vec![0.0; out.len()];
                for (_, c) in kids {
                    self.proba_from(c, codes, &mut sub);
                    let s = self.nodes[c].weight / total;
                    for (o, p) in out.iter_mut().zip(&sub) {
                        *o += s * p;
                    }
                }
                return;
            }
            match self.child(n, code) {
                Some(c) => n = c,
                None => break,
            }
        }
        self.node_proba_into(n, out);
    }
}

#[cfg(test)]
mod tests {
    use bincode::Options;

    use super::*;
    use crate::synth::{SynthParams, generate};
    use crate::tree::LEAF_WEIGHT_LAMBDA;

    fn table() -> Table {
        generate(&SynthParams {
            rows: 1500,
            seed: 5,
            ..SynthParams::default()
        })
        .unwrap()
    }

    fn bytes<T: Serialize>(x: &T) -> Vec<u8> {
        bincode::DefaultOptions::new()
            .with_fixint_encoding()
            .serialize(x)
            .unwrap()
    }

    /// The born-again tree: fitted to the forest's out-of-bag probabilities (its root
    /// counts are the rows', its leaves carry soft distributions), the tuned setting
    /// grown deeper and unpruned, deterministic for a seed; explicit parameters as
    /// given; the level-wise (distributed) path refuses it by name.
    #[test]
    fn distilled_trees_learn_the_forests_probabilities() {
        let t = table();
        let rows = t.all_rows();
        let l = TreeLearner::id3_weighted_distilled();
        assert_eq!(crate::Learner::name(&l), "id3-weighted-distilled");
        let m = l.fit_tree(&t, &rows).unwrap();
        assert!(m.leaves.is_none());
        let r = m.tuning.as_ref().unwrap();
        let s = &r.chosen.setting;
        let plain = TreeLearner::id3_weighted()
            .leaf(LeafModel::Constant)
            .fit_tree(&t, &rows)
            .unwrap();
        // The same tuning chose the same setting; the student is bigger.
        assert_eq!(plain.tuning.as_ref().unwrap().chosen.setting, *s);
        assert!(m.tree.n_leaves() > plain.tree.n_leaves());
        if let Some(d) = s.max_depth {
            assert!(m.tree.depth() <= d + crate::tree::DISTILL_EXTRA_DEPTH);
        }
        // The root's weight is the rows' (the copies of a row weigh what it does), and
        // some leaf is neither pure nor a 0/1 count.
        let root: f64 = m.tree.node_counts(0).iter().sum();
        assert!((root - rows.len() as f64).abs() < 1e-6, "{root}");
        let fractional = (0..m.tree.nodes().len()).any(|n| {
            m.tree
                .node_counts(n)
                .iter()
                .any(|&c| (c - c.round()).abs() > 1e-6)
        });
        assert!(fractional);
        // The same model again for the same seed, and again from the untuned learner
        // of what the tuning chose (the student's setting carried over).
        let again = l.fit_tree(&t, &rows).unwrap();
        assert_eq!(bytes(&again), bytes(&m));
        let refit = l.tuned_for(r, rows.len()).fit_tree(&t, &rows).unwrap();
        assert_eq!(bytes(&refit.tree), bytes(&m.tree));
        let other = TreeLearner::id3_weighted_distilled()
            .tune(Tune::Off)
            .fit_tree(&t, &rows)
            .unwrap();
        // Tuning off: the given parameters (the fixed defaults: depth ≤ 8).
        assert!(other.tuning.is_none());
        assert!(other.tree.depth() <= 8);
        let e = crate::registry::level_wise(
            crate::registry::Algorithm::Id3WeightedDistilled,
            &Default::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("id3-weighted-distilled"), "{e}");
    }

    /// The leaf model leaves the tree as it was: the tuned tree with naive-Bayes
    /// leaves has the same nodes and bytes as with constant leaves, and a classifier
    /// with constant leaves writes the format-4 bytes and one byte (the absent leaf
    /// model).
    #[test]
    fn constant_leaves_reproduce_the_tree_and_its_bytes() {
        let t = table();
        let rows = t.all_rows();
        let nb = TreeLearner::id3_weighted().fit_tree(&t, &rows).unwrap();
        let constant = TreeLearner::id3_weighted()
            .leaf(LeafModel::Constant)
            .fit_tree(&t, &rows)
            .unwrap();
        assert!(constant.leaves.is_none());
        assert_eq!(nb.tree, constant.tree);
        assert_eq!(bytes(&nb.tree.arrays()), bytes(&constant.tree.arrays()));
        assert_eq!(nb.tree.canonical_dump(), constant.tree.canonical_dump());
        let r = nb.tuning.as_ref().unwrap();
        let alpha = r.leaf_alpha.unwrap();
        assert_eq!(r.leaf_curve.len(), LEAF_ALPHAS.len());
        // Weighted leaves store their temper in the table (α = 1).
        let stored = if r.leaf_weighted { 1.0 } else { alpha };
        assert_eq!(
            nb.leaves.as_ref().map_or(0.0, |l| l.alpha),
            if alpha > 0.0 { stored } else { 0.0 }
        );
        assert!(constant.tuning.as_ref().unwrap().leaf_alpha.is_none());
        #[derive(Serialize)]
        struct V4<'a> {
            discretizer: &'a Discretizer,
            tree: TreeArraysRef<'a>,
            name: &'a str,
        }
        let v4 = bytes(&V4 {
            discretizer: &constant.discretizer,
            tree: constant.tree.arrays(),
            name: &constant.name,
        });
        let v5 = bytes(&constant);
        assert_eq!(v5.len(), v4.len() + 1);
        assert_eq!(&v5[..v4.len()], &v4[..]);
        assert_eq!(v5[v4.len()], 0);
        // Untuned, `Tuned` keeps constant leaves.
        let off = TreeLearner::id3_weighted()
            .tune(Tune::Off)
            .fit_tree(&t, &rows)
            .unwrap();
        assert!(off.leaves.is_none());
    }

    /// Weighted leaves through the learner: a fixed temper stores log-potentials with
    /// `α = 1` and is deterministic; its reasons still add up to the row's churn
    /// probability minus the root's. The tuned leaf model reports both candidate
    /// curves, and `tuned_for` refits what it chose.
    #[test]
    fn weighted_leaves_fit_explain_and_tune() {
        let t = table();
        let rows = t.all_rows();
        let fixed =
            TreeLearner::id3_weighted()
                .tune(Tune::Off)
                .leaf(LeafModel::WeightedNaiveBayes {
                    alpha: 0.75,
                    lambda: LEAF_WEIGHT_LAMBDA,
                });
        let a = fixed.fit_tree(&t, &rows).unwrap();
        assert_eq!(bytes(&a), bytes(&fixed.fit_tree(&t, &rows).unwrap()));
        let nb = a.leaves.as_ref().unwrap();
        assert_eq!(nb.alpha, 1.0);
        assert!(nb.is_weighted(a.tree.n_classes()));
        nb.validate(a.tree.schema()).unwrap();
        assert!(a.leaf_model_text().contains("weighted log-potentials"));
        let k = a.classes().len();
        let churn = a.tree.schema().churn_class();
        let mut root = vec![0.0; k];
        a.tree.node_proba_into(0, &mut root);
        for row in [0, 7, 42] {
            let e = a.explain(&t, row).unwrap();
            let sum: f64 = e.reasons.iter().map(|r| r.weight).sum();
            let p = a.predict_proba(&t, row).unwrap();
            assert!((root[churn] + sum - p[churn]).abs() < 1e-9);
        }
        let tuned = TreeLearner::id3_weighted()
            .leaf(LeafModel::TunedWeighted { lambda: 10.0 })
            .fit_tree(&t, &rows)
            .unwrap();
        let r = tuned.tuning.as_ref().unwrap();
        assert_eq!(r.leaf_lambda, Some(10.0));
        assert_eq!(r.leaf_curve.len(), LEAF_ALPHAS.len());
        assert_eq!(r.leaf_weighted_curve.len(), WEIGHTED_LEAF_ALPHAS.len());
        let alpha = r.leaf_alpha.unwrap();
        let refit = TreeLearner::id3_weighted()
            .leaf(LeafModel::TunedWeighted { lambda: 10.0 })
            .tuned_for(r, rows.len());
        if r.leaf_weighted {
            assert_eq!(r.leaf_weights.len(), t.schema().features.len());
            assert_eq!(
                refit.leaf,
                LeafModel::WeightedNaiveBayes {
                    alpha,
                    lambda: 10.0
                }
            );
            assert!(tuned.leaves.as_ref().unwrap().is_weighted(k));
        } else {
            assert!(r.leaf_weights.is_empty());
            assert_ne!(refit.leaf, LeafModel::Tuned);
        }
        // Without weighted candidates, none are reported.
        let unweighted = TreeLearner::id3_weighted()
            .leaf(LeafModel::TunedUnweighted)
            .fit_tree(&t, &rows)
            .unwrap();
        let r = unweighted.tuning.as_ref().unwrap();
        assert!(!r.leaf_weighted && r.leaf_lambda.is_none() && r.leaf_weighted_curve.is_empty());
        // The report's JSON carries the new fields, and reads back.
        let json = serde_json::to_string(tuned.tuning.as_ref().unwrap()).unwrap();
        assert!(json.contains("leaf_weighted_curve"));
        let back: TuneReport = serde_json::from_str(&json).unwrap();
        assert_eq!(back.leaf_lambda, Some(10.0));
    }

    /// Same data, same seed: the same α, tables and bytes; the probabilities of
    /// naive-Bayes leaves are no longer one per leaf.
    #[test]
    fn naive_bayes_leaves_are_deterministic_and_break_ties() {
        let t = table();
        let rows = t.all_rows();
        let fixed = TreeLearner::id3_weighted()
            .tune(Tune::Off)
            .leaf(LeafModel::NaiveBayes { alpha: 0.25 });
        let a = fixed.fit_tree(&t, &rows).unwrap();
        let b = fixed.fit_tree(&t, &rows).unwrap();
        assert_eq!(bytes(&a), bytes(&b));
        assert_eq!(a.leaves.as_ref().unwrap().alpha, 0.25);
        let tuned_a = bytes(&TreeLearner::id3_weighted().fit_tree(&t, &rows).unwrap());
        let tuned_b = bytes(&TreeLearner::id3_weighted().fit_tree(&t, &rows).unwrap());
        assert_eq!(tuned_a, tuned_b);
        let k = a.classes().len();
        let mut p = vec![0.0; rows.len() * k];
        a.predict_proba_into(&t, &rows, &mut p).unwrap();
        let distinct = |p: &[f64]| {
            let mut v: Vec<u64> = p.iter().step_by(k).map(|x| x.to_bits()).collect();
            v.sort_unstable();
            v.dedup();
            v.len()
        };
        let mut q = vec![0.0; rows.len() * k];
        let plain = TreeClassifier {
            leaves: None,
            ..a.clone()
        };
        plain.predict_proba_into(&t, &rows, &mut q).unwrap();
        assert!(distinct(&q) <= a.tree.n_leaves());
        assert!(
            distinct(&p) > 2 * distinct(&q),
            "{} vs {}",
            distinct(&p),
            distinct(&q)
        );
        // Reasons: the path's, then one per feature off the path, signed.
        let e = a.explain(&t, 0).unwrap();
        let path = a
            .tree
            .path(&a.discretizer.encode_rows(&t, &[0]).unwrap().0, 0)
            .unwrap();
        let on_path: std::collections::BTreeSet<usize> = path.iter().map(|s| s.feature).collect();
        let n_features = a.tree.schema().features.len();
        assert_eq!(e.reasons.len(), path.len() + n_features - on_path.len());
        for r in &e.reasons[path.len()..] {
            assert!(r.condition.starts_with(&r.feature), "{r:?}");
        }
        // The weights add up to the row's churn probability minus the root's.
        let churn = a.tree.schema().churn_class();
        let mut root = vec![0.0; k];
        a.tree.node_proba_into(0, &mut root);
        let sum: f64 = e.reasons.iter().map(|r| r.weight).sum();
        let p0 = a.predict_proba(&t, 0).unwrap();
        assert!((root[churn] + sum - p0[churn]).abs() < 1e-9);
        // The raw reasons (batch scoring) word the same way.
        let raw = a.explain_top_raw(&t, &[0], 100).unwrap();
        assert_eq!(raw[0].len(), e.reasons.len());
        assert!(e.reasons.iter().any(|r| r.weight != 0.0));
    }
}
