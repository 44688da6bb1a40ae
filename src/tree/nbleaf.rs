//! Naive-Bayes leaves: a tree's leaf probabilities refined, row by row, by a tempered
//! naive Bayes over the features the row's path did not test ([`LeafModel`],
//! [`NaiveBayesLeaves`]).
//!
//! The formula and its reference are on [`NaiveBayesLeaves`]; the discriminative
//! feature weights of weighted leaves on [`fit_leaf_weights`].

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::tree::DecisionTree;
use super::tune::TuneReport;
use crate::count::{ClassTables, CountTable, Counter, Rows, Var};
use crate::data::{Encoded, EncodedSchema, stratified_holdout};
use crate::error::{Error, Result};

/// The tempers `α` a tuned leaf model chooses from (`0` = constant leaves), by
/// cross-validation on the training rows.
pub const LEAF_ALPHAS: [f64; 6] = [0.0, 0.05, 0.1, 0.15, 0.25, 0.5];

/// The tempers `α` of weighted naive-Bayes leaves ([`LeafModel::WeightedNaiveBayes`])
/// a tuning that considers them tries beside the unweighted [`LEAF_ALPHAS`].
pub const WEIGHTED_LEAF_ALPHAS: [f64; 4] = [0.25, 0.5, 0.75, 1.0];

/// The default L2 penalty `λ` of the weighted leaves' feature weights
/// ([`fit_leaf_weights`]).
pub const LEAF_WEIGHT_LAMBDA: f64 = 10.0;

/// The weighted candidates' penalty of [`LeafModel::Tuned`] (the default): the tuned
/// leaf model chooses among constant, unweighted ([`LEAF_ALPHAS`]) and weighted
/// ([`WEIGHTED_LEAF_ALPHAS`], this `λ`) leaves. `λ = 10` had the best mean of the
/// nested CV among 1, 10 and 100 (see [`LeafModel::Tuned`]).
pub const TUNED_LEAF_LAMBDA: Option<f64> = Some(LEAF_WEIGHT_LAMBDA);

/// The weights are fitted on at most this many rows (a seeded stratified sample of
/// larger tables; the tuning's own CV sample is as large).
pub const LEAF_WEIGHT_MAX_ROWS: usize = 30_000;

/// How a tree's final node turns into a row's class probabilities.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum LeafModel {
    /// The node's class distribution (every row of a leaf gets the same).
    #[default]
    Constant,
    /// Naive-Bayes leaves with this temper `α` (see [`NaiveBayesLeaves`]).
    NaiveBayes {
        /// The temper, in `[0, 1]`.
        alpha: f64,
    },
    /// The default of `id3-weighted`: [`LeafModel::TunedWeighted`] with
    /// `λ =` [`LEAF_WEIGHT_LAMBDA`] ([`TUNED_LEAF_LAMBDA`]) — constant, unweighted or
    /// weighted naive-Bayes leaves, whichever has the best held-out ROC AUC in a
    /// stratified 5-fold CV on the training rows with the tuned tree setting. Only when
    /// the tree tunes itself; an untuned fit keeps constant leaves.
    ///
    /// Nested 5-fold CV AUC on the training files (`cargo run --release --example
    /// tune_cv -- tree fast +const fast+wl1 fast+wl10 fast+wl100`):
    ///
    /// | leaves | Telco | Orange | ISP | synth 3k | 6k | 10k | mean |
    /// |---|---|---|---|---|---|---|---|
    /// | constant | 0.8362 | 0.8970 | 0.9775 | 0.8748 | 0.8964 | 0.9034 | 0.8975 |
    /// | unweighted, α by CV ([`LeafModel::TunedUnweighted`], the default before) | 0.8381 | 0.9008 | 0.9776 | 0.8895 | 0.9079 | 0.9111 | 0.9042 |
    /// | + weighted, λ = 1 | 0.8441 | 0.8992 | 0.9776 | 0.8903 | 0.9097 | 0.9132 | 0.9057 |
    /// | **+ weighted, λ = 10 (the default)** | 0.8444 | 0.8993 | 0.9776 | 0.8909 | 0.9102 | 0.9135 | **0.9060** |
    /// | + weighted, λ = 100 | 0.8425 | 0.8998 | 0.9776 | 0.8889 | 0.9082 | 0.9131 | 0.9050 |
    Tuned,
    /// Naive-Bayes leaves with `α` chosen from [`LEAF_ALPHAS`] by stratified 5-fold
    /// CV on the training rows (held-out ROC AUC; `α = 0` is the constant leaf) with
    /// the tuned tree setting, no weighted candidates (what [`LeafModel::Tuned`] was
    /// before the weighted leaves). Only when the tree tunes itself.
    TunedUnweighted,
    /// Discriminatively weighted naive-Bayes leaves: each feature's factor raised to
    /// `α · w_f`, the weights `w_f` fitted on the training rows with the L2 penalty
    /// `lambda` ([`fit_leaf_weights`], [`NaiveBayesLeaves::weighted`]).
    WeightedNaiveBayes {
        /// The temper, in `[0, 1]`.
        alpha: f64,
        /// The weights' L2 penalty `λ > 0` ([`LEAF_WEIGHT_LAMBDA`] by default).
        lambda: f64,
    },
    /// As [`LeafModel::Tuned`], with the weighted leaves (penalty `lambda`, tempers
    /// [`WEIGHTED_LEAF_ALPHAS`], the weights fitted on each CV fold's training part)
    /// among the candidates: the CV chooses constant, unweighted or weighted leaves.
    TunedWeighted {
        /// The weights' L2 penalty `λ > 0`.
        lambda: f64,
    },
}

impl LeafModel {
    /// Checks `α ∈ [0, 1]` and `λ > 0` (finite).
    pub fn check(&self) -> Result<()> {
        let (alpha, lambda) = match *self {
            LeafModel::NaiveBayes { alpha } => (Some(alpha), None),
            LeafModel::WeightedNaiveBayes { alpha, lambda } => (Some(alpha), Some(lambda)),
            LeafModel::TunedWeighted { lambda } => (None, Some(lambda)),
            LeafModel::Constant | LeafModel::Tuned | LeafModel::TunedUnweighted => (None, None),
        };
        if let Some(alpha) = alpha
            && !(0.0..=1.0).contains(&alpha)
        {
            return Err(Error::param(
                "leaf naive-Bayes alpha",
                alpha,
                "must be in [0, 1]",
            ));
        }
        if let Some(lambda) = lambda
            && !(lambda > 0.0 && lambda.is_finite())
        {
            return Err(Error::param(
                "leaf naive-Bayes lambda",
                lambda,
                "must be positive and finite",
            ));
        }
        Ok(())
    }

    /// The weighted candidates' penalty of a tuned leaf model: `λ` of
    /// [`LeafModel::TunedWeighted`], [`TUNED_LEAF_LAMBDA`] for [`LeafModel::Tuned`],
    /// None for the others (untuned, or [`LeafModel::TunedUnweighted`]).
    pub fn tuned_lambda(&self) -> Option<f64> {
        match *self {
            LeafModel::TunedWeighted { lambda } => Some(lambda),
            LeafModel::Tuned => TUNED_LEAF_LAMBDA,
            _ => None,
        }
    }

    /// Whether the leaf model is chosen by the tuning's CV ([`LeafModel::Tuned`],
    /// [`LeafModel::TunedUnweighted`], [`LeafModel::TunedWeighted`]).
    pub fn is_tuned(&self) -> bool {
        matches!(
            self,
            LeafModel::Tuned | LeafModel::TunedUnweighted | LeafModel::TunedWeighted { .. }
        )
    }

    /// The concrete leaf model a fit uses — [`LeafModel::Constant`],
    /// [`LeafModel::NaiveBayes`] or [`LeafModel::WeightedNaiveBayes`]: an untuned model
    /// itself; a tuned one ([`LeafModel::is_tuned`]) what the tuning's leaf CV chose in
    /// `report` (its `leaf_alpha`, `leaf_weighted` and `leaf_lambda`; `α = 0` or no
    /// choice is constant leaves), or constant leaves without a report (a fit that did
    /// not tune). The one place the tuned variants are turned into a fitted leaf.
    pub fn resolve(&self, report: Option<&TuneReport>) -> LeafModel {
        if !self.is_tuned() {
            return *self;
        }
        match report.and_then(|r| r.leaf_alpha.map(|a| (a, r))) {
            Some((alpha, r)) if alpha > 0.0 && r.leaf_weighted => LeafModel::WeightedNaiveBayes {
                alpha,
                lambda: r.leaf_lambda.unwrap_or(LEAF_WEIGHT_LAMBDA),
            },
            Some((alpha, _)) if alpha > 0.0 => LeafModel::NaiveBayes { alpha },
            _ => LeafModel::Constant,
        }
    }

    /// The temper `α` (0: constant leaves) and, for weighted leaves, the weights'
    /// penalty `λ` of a [resolved](Self::resolve) model (a tuned one, unresolved,
    /// answers as constant leaves).
    pub fn temper(&self) -> (f64, Option<f64>) {
        match *self {
            LeafModel::NaiveBayes { alpha } => (alpha, None),
            LeafModel::WeightedNaiveBayes { alpha, lambda } => (alpha, Some(lambda)),
            _ => (0.0, None),
        }
    }

    /// The weights' penalty `λ` when the leaf model fits weights (weighted or tuned
    /// with weighted candidates), None otherwise.
    pub fn lambda(&self) -> Option<f64> {
        match *self {
            LeafModel::WeightedNaiveBayes { lambda, .. } | LeafModel::TunedWeighted { lambda } => {
                Some(lambda)
            }
            _ => None,
        }
    }
}

/// Fitted naive-Bayes leaves: the temper and `ln θ(f, v, c)` of every feature, value
/// and class (features in schema order, each `cardinality × n_classes` values, the
/// class varying fastest).
///
/// After Kohavi (1996), "Scaling up the accuracy of naive-Bayes classifiers: a
/// decision-tree hybrid" (NBTree), which puts a naive Bayes in every leaf. For a row
/// `x` reaching the final node `ℓ` by a path that tests the features `P(x)`:
///
/// ```text
/// p(c | x) ∝ π_ℓ(c) · Π_{f ∉ P(x)} θ(f, x_f, c)^α
/// θ(f, v, c) = (n(f = v, c) + 1) / (n(c) + |V_f|)
/// ```
///
/// `π_ℓ` is the node's (smoothed) class distribution, as without the leaf model; `n`
/// the weighted training counts of the whole training set (one `[feature, class]`
/// count table per feature through the counting contract), `|V_f|` the feature's
/// cardinality (its missing code included, so a missing value is a value of its own)
/// and `α ∈ [0, 1]` the temper: `α = 0` is the constant leaf, `α = 1` a full naive
/// Bayes given the leaf. The conditionals are the whole training set's, not the
/// leaf's own rows: Kohavi's per-leaf tables are the limit `m → 0` of shrinking a
/// leaf's counts toward its parent's (an m-estimate), and nested 5-fold CV on the
/// training files (`cargo run --release --example tune_cv -- nb fast`) preferred the
/// other limit, `m → ∞` (the root's tables): with the leaf's own counts (m = 50) Orange
/// fell from 0.8970 to 0.8893–0.8953, with the root's it rose to 0.9008 (α = 0.1).
/// Within a leaf, rows no longer share one probability: the ties that cost a single
/// tree its ranking are broken by the evidence the path did not use.
///
/// # Weighted leaves
///
/// One `α` cannot both discount features that duplicate each other (Orange's day
/// minutes and day charge, double counted by the product) and silence irrelevant ones.
/// Weighted leaves ([`LeafModel::WeightedNaiveBayes`]) give each feature its own
/// exponent:
///
/// ```text
/// p(c | x) ∝ π_ℓ(c) · Π_{f ∉ P(x)} θ(f, x_f, c)^(α · w_f)
/// ```
///
/// with `w_f` the weights of the root's naive Bayes fitted to maximise the conditional
/// log-likelihood of the training rows ([`fit_leaf_weights`]; WANBIA, Zaidi et al.
/// 2013). They are stored in the same two fields, without a new model format: `alpha`
/// is `1` and `log_theta` holds the log-potentials
///
/// ```text
/// φ(f, v, c) = α·w_f·ln θ(f, v, c) − max_c' α·w_f·ln θ(f, v, c')
/// ```
///
/// (built by [`NaiveBayesLeaves::weighted`]). Each is finite and `≤ 0`, so
/// [`validate`](NaiveBayesLeaves::validate) holds, and subtracting a per-`(f, v)`
/// constant leaves the softmax over the classes unchanged, so refining with `α = 1`
/// gives the weighted formula's probabilities. Readers of `log_theta` should treat it
/// as per-class log-factors of a feature value, comparable across classes (their
/// differences are what moves a probability), not as log-probabilities that sum to 1
/// over the values; the per-feature reasons (the change each factor makes to
/// `P(churn)`) mean the same for both. [`NaiveBayesLeaves::is_weighted`] tells the two
/// apart: conditionals are `< 0` everywhere (every feature has at least two codes,
/// its missing code included), potentials have a `0` in every `(f, v)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NaiveBayesLeaves {
    /// The temper `α` (`1` for weighted leaves, whose tempers are in the table).
    pub alpha: f64,
    /// `ln θ`, flat (see the type's docs), or the log-potentials `φ` of weighted
    /// leaves.
    pub log_theta: Vec<f64>,
}

impl NaiveBayesLeaves {
    /// The tables of features `0..n_features` from `rows` of `counter` (all rows
    /// when None): per feature one `[feature, class]` count table, Laplace-smoothed
    /// (type docs).
    pub fn fit<C: Counter>(
        counter: &C,
        n_features: usize,
        rows: Option<&[u32]>,
        alpha: f64,
    ) -> NaiveBayesLeaves {
        let k = counter.n_classes();
        let rows = rows.map_or(Rows::All, Rows::Subset);
        let mut class = CountTable::default();
        counter.contingency(rows, &[Var::Class], &mut class);
        let nc = class.counts().to_vec();
        // Every feature's [feature, class] table in one batched call.
        let features: Vec<usize> = (0..n_features).collect();
        let mut tables = ClassTables::default();
        counter.class_tables(rows, &features, &mut tables);
        let mut log_theta = Vec::new();
        let mut t = Vec::new();
        for f in features {
            tables.table(f).to_f64(&mut t);
            let card = counter.cardinality(Var::Feature(f)) as f64;
            for (i, &x) in t.iter().enumerate() {
                log_theta.push(((x + 1.0) / (nc[i % k] + card)).ln());
            }
        }
        NaiveBayesLeaves { alpha, log_theta }
    }

    /// Weighted leaves from these (unweighted) conditionals: the log-potentials
    /// `φ(f, v, c) = α·w_f·ln θ(f, v, c) − max_c' α·w_f·ln θ(f, v, c')` with `alpha =
    /// 1` (type docs). `weights` has one entry per feature (as [`fit_leaf_weights`]
    /// returns them); `schema` is the tree's.
    ///
    /// # Errors
    /// When the tables or the weights do not fit `schema`, or `α·w_f·ln θ` is not
    /// finite.
    pub fn weighted(
        &self,
        schema: &EncodedSchema,
        weights: &[f64],
        alpha: f64,
    ) -> Result<NaiveBayesLeaves> {
        let k = schema.n_classes();
        let (offs, len) = Self::offsets(schema);
        if self.log_theta.len() != len || weights.len() != offs.len() {
            return Err(Error::param(
                "tree leaf model",
                "weighted naive Bayes",
                format!(
                    "{} log-conditionals and {} weights for a schema that needs {len} and {}",
                    self.log_theta.len(),
                    weights.len(),
                    offs.len()
                ),
            ));
        }
        let mut log_theta = Vec::with_capacity(len);
        for (f, &o) in offs.iter().enumerate() {
            let end = offs.get(f + 1).copied().unwrap_or(len);
            let scale = alpha * weights[f];
            for v in self.log_theta[o..end].chunks_exact(k) {
                let mx = v
                    .iter()
                    .map(|t| scale * t)
                    .fold(f64::NEG_INFINITY, f64::max);
                log_theta.extend(v.iter().map(|t| {
                    let x = scale * t - mx;
                    // −0.0 and rounding above 0 read as 0.
                    if x >= 0.0 { 0.0 } else { x }
                }));
            }
        }
        if log_theta.iter().any(|x| !x.is_finite()) {
            return Err(Error::param(
                "tree leaf model",
                "weighted naive Bayes",
                "a weighted log-conditional is not finite",
            ));
        }
        Ok(NaiveBayesLeaves {
            alpha: 1.0,
            log_theta,
        })
    }

    /// Whether the table holds weighted log-potentials (a `0` among the classes of
    /// every feature value; type docs) rather than log-conditionals (all `< 0`).
    pub fn is_weighted(&self, n_classes: usize) -> bool {
        n_classes > 0
            && !self.log_theta.is_empty()
            && self
                .log_theta
                .chunks_exact(n_classes)
                .all(|v| v.contains(&0.0))
    }

    /// The table's start of each feature under `schema`, and the expected length.
    fn offsets(schema: &EncodedSchema) -> (Vec<usize>, usize) {
        let k = schema.n_classes();
        let mut offs = Vec::with_capacity(schema.features.len());
        let mut at = 0;
        for f in &schema.features {
            offs.push(at);
            at += f.cardinality() * k;
        }
        (offs, at)
    }

    /// Checks the tables against the tree's schema: the length, every `ln θ` finite
    /// and ≤ 0, `α` in `[0, 1]`.
    pub fn validate(&self, schema: &EncodedSchema) -> Result<()> {
        let bad = |what: String| Err(Error::param("tree leaf model", "naive Bayes", what));
        if !(0.0..=1.0).contains(&self.alpha) {
            return bad(format!("alpha {} is not in [0, 1]", self.alpha));
        }
        let (_, len) = Self::offsets(schema);
        if self.log_theta.len() != len {
            return bad(format!(
                "{} log-conditionals for a schema that needs {len}",
                self.log_theta.len()
            ));
        }
        if let Some(x) = self
            .log_theta
            .iter()
            .find(|x| !(x.is_finite() && **x <= 0.0))
        {
            return bad(format!(
                "log-conditional {x} is not a finite log-probability"
            ));
        }
        Ok(())
    }

    /// Refines the tree's probabilities `out` (rows × classes, as
    /// [`DecisionTree::predict_proba_into`] wrote them) for the rows of `enc`:
    /// `out_c ∝ out_c · Π θ(f, x_f, c)^α` over the features not tested on the row's
    /// path. `enc` must have passed the tree's check.
    pub(crate) fn refine(&self, tree: &DecisionTree, enc: &Encoded, out: &mut [f64]) -> Result<()> {
        tree.check(enc)?;
        let k = tree.n_classes();
        crate::learner::check_out_len(out, enc.n_rows(), k)?;
        let (offs, _) = Self::offsets(tree.schema());
        // Rows are independent: refined in parallel blocks, each with its buffers.
        const BLOCK: usize = 4096;
        out.par_chunks_mut(BLOCK * k)
            .enumerate()
            .for_each(|(b, block)| {
                let mut on_path = vec![false; offs.len()];
                let mut s = vec![0.0; k];
                for (i, p) in block.chunks_exact_mut(k).enumerate() {
                    let row = b * BLOCK + i;
                    on_path.iter_mut().for_each(|x| *x = false);
                    tree.mark_path(enc, row, &mut on_path);
                    self.log_scores(enc, row, &offs, &on_path, p, &mut s);
                    normalize_exp(&s, p);
                }
            });
        Ok(())
    }

    /// `ln p_c + α Σ_{f ∉ path} ln θ(f, x_f, c)` into `s`.
    fn log_scores(
        &self,
        enc: &Encoded,
        row: usize,
        offs: &[usize],
        on_path: &[bool],
        p: &[f64],
        s: &mut [f64],
    ) {
        let k = p.len();
        for (x, &pc) in s.iter_mut().zip(p) {
            *x = pc.ln();
        }
        if self.alpha == 0.0 {
            return;
        }
        for (f, &o) in offs.iter().enumerate() {
            if on_path[f] {
                continue;
            }
            let at = o + enc.code(row, f) as usize * k;
            for (x, &t) in s.iter_mut().zip(&self.log_theta[at..at + k]) {
                *x += self.alpha * t;
            }
        }
    }

    /// The naive Bayes' per-feature reasons for `row`: the features off the path
    /// (`path_features`) added one at a time in schema order, each with the change it
    /// makes to `P(churn)` (positive = churn-ward), starting from the tree's
    /// probabilities `p` of the row's final node. The changes add up to the refined
    /// `P(churn)` minus the node's, so with the path's reasons they add up to the
    /// row's probability minus the root's.
    pub(crate) fn contributions(
        &self,
        tree: &DecisionTree,
        enc: &Encoded,
        row: usize,
        p: &[f64],
        path_features: &[usize],
    ) -> Vec<(usize, f64)> {
        if self.alpha == 0.0 {
            return Vec::new();
        }
        let k = tree.n_classes();
        let churn = tree.schema().churn_class();
        let (offs, _) = Self::offsets(tree.schema());
        let mut on_path = vec![false; offs.len()];
        for &f in path_features {
            on_path[f] = true;
        }
        let mut s: Vec<f64> = p.iter().map(|x| x.ln()).collect();
        let mut q = vec![0.0; k];
        normalize_exp(&s, &mut q);
        let mut before = q[churn];
        let mut out = Vec::new();
        for (f, &o) in offs.iter().enumerate() {
            if on_path[f] {
                continue;
            }
            let at = o + enc.code(row, f) as usize * k;
            for (x, &t) in s.iter_mut().zip(&self.log_theta[at..at + k]) {
                *x += self.alpha * t;
            }
            normalize_exp(&s, &mut q);
            out.push((f, q[churn] - before));
            before = q[churn];
        }
        out
    }
}

/// The per-feature weights `w_f` of weighted naive-Bayes leaves
/// ([`LeafModel::WeightedNaiveBayes`]): the root's naive Bayes over every feature,
/// each feature's log-conditional scaled by its weight, fitted to maximise the
/// penalised conditional log-likelihood (CLL) of the training rows — WANBIA-CLL after
/// Zaidi, Cerquides, Carman & Webb (2013), "Alleviating naive Bayes attribute
/// independence assumption by attribute weighting", JMLR 14, with their penalty
/// toward 0 (weights `0` are the class prior alone):
///
/// ```text
/// s_c(x)  = ln π(c) + Σ_f w_f · ln θ(f, x_f, c)
/// L(w)    = Σ_i u_i · [ s_{y_i}(x_i) − ln Σ_c exp s_c(x_i) ] − λ/2 · Σ_f w_f²
/// ∂L/∂w_f = Σ_i u_i · [ ln θ(f, x_if, y_i) − E_{p(·|x_i)} ln θ(f, x_if, ·) ] − λ w_f
/// −∂²L/∂w_f∂w_e = Σ_i u_i · Cov_{p(·|x_i)}( ln θ(f, x_if, ·), ln θ(e, x_ie, ·) ) + λ [f = e]
/// ```
///
/// `π` the Laplace class prior of the rows, `θ` the conditionals of `nb` (which must
/// be unweighted, counted on the same rows), `u_i` the row weights (1 without), `λ =
/// lambda > 0`. `L` is concave and its Hessian negative definite, so Newton's method
/// with a backtracking line search finds its maximum (from `w = 0`, at most 50 steps;
/// once the Newton decrement `gᵀH⁻¹g` is below `1e-6 · (1 + |L|)` the last step is
/// taken unchecked). The Hessian of a pass over 8 or more blocks of 2,048 rows is
/// estimated from every 4th block (scaled to all rows): it only sets the step, while
/// the gradient, the objective and hence the maximum are every row's. For two classes
/// the problem is a logistic regression on the `d`
/// features `z_f = ln θ(f, x_f, 1) − ln θ(f, x_f, 0)` with the offset `ln π(1) − ln
/// π(0)` (the covariance is `p_0 p_1 z_f z_e`), computed so; for more, each row's `ln
/// θ(f, x_f, ·)` is centred over the classes (which the softmax ignores). Either is
/// looked up once into a table the iterations reuse; a table of more than
/// [`LEAF_WEIGHT_MAX_ROWS`] rows (or more than 2²² looked-up values) is fitted on a
/// stratified sample of that size seeded by `seed`. Each pass sums fixed blocks of
/// rows in parallel and the blocks in order, so the weights do not depend on the
/// number of threads.
///
/// # Errors
/// When `lambda` is not positive and finite, or `nb`'s tables do not fit `enc`.
pub fn fit_leaf_weights(
    nb: &NaiveBayesLeaves,
    enc: &Encoded,
    rows: Option<&[u32]>,
    lambda: f64,
    seed: u64,
) -> Result<Vec<f64>> {
    LeafModel::TunedWeighted { lambda }.check()?;
    let k = enc.n_classes();
    let d = enc.n_features();
    let (offs, len) = NaiveBayesLeaves::offsets(enc.schema());
    if nb.log_theta.len() != len {
        return Err(Error::param(
            "tree leaf model",
            "weighted naive Bayes",
            format!(
                "{} log-conditionals for a schema that needs {len}",
                nb.log_theta.len()
            ),
        ));
    }
    let all: Vec<u32>;
    let rows = match rows {
        Some(r) => r,
        None => {
            all = (0..enc.n_rows() as u32).collect();
            &all
        }
    };
    let cap = LEAF_WEIGHT_MAX_ROWS
        .min((1 << 22) / (d * k).max(1))
        .max(1000);
    let sample: Vec<u32>;
    let rows = if rows.len() > cap {
        let labels: Vec<u8> = rows.iter().map(|&r| enc.labels()[r as usize]).collect();
        let h = stratified_holdout(&labels, cap as f64 / rows.len() as f64, seed)?;
        sample = h.test.iter().map(|&i| rows[i]).collect();
        &sample
    } else {
        rows
    };
    if rows.is_empty() || d == 0 || k < 2 {
        return Ok(vec![0.0; d]);
    }
    let data = CllData::new(nb, enc, rows, &offs, lambda);
    let mut w = vec![0.0; d];
    let (mut cur, mut g, mut h) = data.pass(&w, true);
    for _ in 0..50 {
        let Some(step) = cholesky_solve(&h, &g, d) else {
            break;
        };
        let dec: f64 = g.iter().zip(&step).map(|(a, b)| a * b).sum();
        // (Also stops on a NaN decrement.)
        if dec.is_nan() || dec <= 1e-12 * (1.0 + cur.abs()) {
            break;
        }
        if dec < 1e-6 * (1.0 + cur.abs()) {
            // Near the maximum the full step is taken unchecked: it raises `L` by
            // about dec / 2, and the next decrement would be of order dec².
            w.iter_mut().zip(&step).for_each(|(a, s)| *a += s);
            break;
        }
        // The full step with its derivatives (it is nearly always taken), then
        // halvings scored by the objective alone.
        let mut t = 1.0;
        let mut next = None;
        for halvings in 0..30 {
            let cand: Vec<f64> = w.iter().zip(&step).map(|(a, s)| a + t * s).collect();
            let scored = data.pass(&cand, halvings == 0);
            if scored.0 >= cur + 1e-4 * t * dec {
                next = Some((cand, scored));
                break;
            }
            t *= 0.5;
        }
        let Some((cand, scored)) = next else {
            break;
        };
        w = cand;
        (cur, g, h) = if scored.1.is_empty() {
            data.pass(&w, true)
        } else {
            scored
        };
    }
    Ok(w)
}

/// The rows a weight fit sums over ([`fit_leaf_weights`]), looked up once.
struct CllData {
    k: usize,
    d: usize,
    /// `ln π(c)`; for two classes `[ln π(1) − ln π(0)]`.
    lp: Vec<f64>,
    /// Per row, per feature, per class: the centred `ln θ`; for two classes per row
    /// and feature `z = ln θ(·, 1) − ln θ(·, 0)`.
    ls: Vec<f64>,
    y: Vec<usize>,
    u: Vec<f64>,
    lambda: f64,
}

impl CllData {
    /// The prior, labels, weights and looked-up log-conditionals of `rows`.
    fn new(
        nb: &NaiveBayesLeaves,
        enc: &Encoded,
        rows: &[u32],
        offs: &[usize],
        lambda: f64,
    ) -> CllData {
        let k = enc.n_classes();
        let d = offs.len();
        let mut nc = vec![0.0; k];
        let y: Vec<usize> = rows
            .iter()
            .map(|&r| enc.labels()[r as usize] as usize)
            .collect();
        let u: Vec<f64> = rows.iter().map(|&r| enc.weight(r as usize)).collect();
        for (&c, &w) in y.iter().zip(&u) {
            nc[c] += w;
        }
        let total: f64 = nc.iter().sum();
        let mut lp: Vec<f64> = nc
            .iter()
            .map(|x| ((x + 1.0) / (total + k as f64)).ln())
            .collect();
        let mut ls = vec![0.0; rows.len() * d * if k == 2 { 1 } else { k }];
        if k == 2 {
            // Column-major within each block of rows: feature f's z of the block's
            // rows are contiguous (the pass's sums are then dot products).
            ls.par_chunks_mut(CLL_BLOCK * d)
                .zip(rows.par_chunks(CLL_BLOCK))
                .for_each(|(l, block)| {
                    let len = block.len();
                    for (j, &r) in block.iter().enumerate() {
                        for (f, &o) in offs.iter().enumerate() {
                            let at = o + enc.code(r as usize, f) as usize * 2;
                            l[f * len + j] = nb.log_theta[at + 1] - nb.log_theta[at];
                        }
                    }
                });
            lp = vec![lp[1] - lp[0]];
        } else {
            ls.par_chunks_mut(d * k)
                .zip(rows.par_iter())
                .for_each(|(l, &r)| {
                    for (f, &o) in offs.iter().enumerate() {
                        let at = o + enc.code(r as usize, f) as usize * k;
                        let src = &nb.log_theta[at..at + k];
                        let mean = src.iter().sum::<f64>() / k as f64;
                        for (x, t) in l[f * k..(f + 1) * k].iter_mut().zip(src) {
                            *x = t - mean;
                        }
                    }
                });
        }
        CllData {
            k,
            d,
            lp,
            ls,
            y,
            u,
            lambda,
        }
    }

    /// The penalised CLL at `w` and, when `derivatives`, its gradient and the
    /// negative Hessian (`d × d`, row-major, both triangles; empty otherwise).
    fn pass(&self, w: &[f64], derivatives: bool) -> (f64, Vec<f64>, Vec<f64>) {
        const BLOCK: usize = CLL_BLOCK;
        let d = self.d;
        let n = self.y.len();
        // The curvature from every HESSIAN_STRIDE-th block of 8 or more (scaled up
        // to all rows); the objective and gradient from every row.
        let n_blocks = n.div_ceil(BLOCK);
        let stride = if n_blocks >= 2 * HESSIAN_STRIDE {
            HESSIAN_STRIDE
        } else {
            1
        };
        let curvature_rows: usize = (0..n_blocks)
            .step_by(stride)
            .map(|b| ((b + 1) * BLOCK).min(n) - b * BLOCK)
            .sum();
        let blocks: Vec<(f64, Vec<f64>, Vec<f64>)> = (0..n_blocks)
            .into_par_iter()
            .map(|b| {
                let rows = b * BLOCK..((b + 1) * BLOCK).min(n);
                let (gl, hl) = match derivatives {
                    true if b % stride == 0 => (d, d * d),
                    true => (d, 0),
                    false => (0, 0),
                };
                let mut acc = (0.0, vec![0.0; gl], vec![0.0; hl]);
                if self.k == 2 {
                    self.block_binary(w, rows, &mut acc);
                } else {
                    self.block_multiclass(w, rows, &mut acc);
                }
                acc
            })
            .collect();
        let mut obj = -0.5 * self.lambda * w.iter().map(|x| x * x).sum::<f64>();
        let (mut g, mut h) = if derivatives {
            (vec![0.0; d], vec![0.0; d * d])
        } else {
            (Vec::new(), Vec::new())
        };
        for (o, bg, bh) in blocks {
            obj += o;
            for (x, y) in g.iter_mut().zip(&bg) {
                *x += y;
            }
            for (x, y) in h.iter_mut().zip(&bh) {
                *x += y;
            }
        }
        if derivatives {
            let scale = n as f64 / curvature_rows as f64;
            h.iter_mut().for_each(|x| *x *= scale);
            for f in 0..d {
                g[f] -= self.lambda * w[f];
                h[f * d + f] += self.lambda;
                for e in 0..f {
                    h[f * d + e] = h[e * d + f];
                }
            }
        }
        (obj, g, h)
    }

    /// Two classes: a logistic regression, `s = ln π(1)/π(0) + w·z`, `p = σ(s)`;
    /// `ln p(y) = −softplus(∓s)`, gradient `Σ (y − p) z`, negative Hessian `Σ p(1 − p)
    /// z zᵀ` (the upper triangle), each entry a dot product over the block's columns.
    fn block_binary(
        &self,
        w: &[f64],
        rows: std::ops::Range<usize>,
        (obj, g, h): &mut (f64, Vec<f64>, Vec<f64>),
    ) {
        let d = self.d;
        let len = rows.len();
        let zb = &self.ls[rows.start * d..(rows.start + len) * d];
        let col = |f: usize| &zb[f * len..(f + 1) * len];
        let mut s = vec![self.lp[0]; len];
        for (f, &wf) in w.iter().enumerate() {
            for (x, z) in s.iter_mut().zip(col(f)) {
                *x += wf * z;
            }
        }
        let softplus = |x: f64| x.max(0.0) + (-x.abs()).exp().ln_1p();
        for (j, &sj) in s.iter().enumerate() {
            let i = rows.start + j;
            *obj -= self.u[i] * softplus(if self.y[i] == 1 { -sj } else { sj });
        }
        if g.is_empty() {
            return;
        }
        // s becomes the residual u (y − p); c the curvature u p (1 − p).
        let mut c = vec![0.0; len];
        for (j, (sj, cj)) in s.iter_mut().zip(c.iter_mut()).enumerate() {
            let i = rows.start + j;
            let p = 1.0 / (1.0 + (-*sj).exp());
            *cj = self.u[i] * p * (1.0 - p);
            *sj = self.u[i] * (if self.y[i] == 1 { 1.0 } else { 0.0 } - p);
        }
        let mut cz = vec![0.0; len];
        for f in 0..d {
            let zf = col(f);
            g[f] += dot(&s, zf);
            if h.is_empty() {
                continue;
            }
            for ((x, cj), z) in cz.iter_mut().zip(&c).zip(zf) {
                *x = cj * z;
            }
            for e in f..d {
                h[f * d + e] += dot(&cz, col(e));
            }
        }
    }

    /// More classes: `s_c = ln π(c) + Σ_f w_f l_fc`, the softmax `p`; gradient
    /// `l_{f,y} − E_p l_f`, negative Hessian `Cov_p(l_f, l_e)` (the upper triangle).
    fn block_multiclass(
        &self,
        w: &[f64],
        rows: std::ops::Range<usize>,
        (obj, g, h): &mut (f64, Vec<f64>, Vec<f64>),
    ) {
        let (k, d) = (self.k, self.d);
        let mut a = vec![0.0; k];
        let mut m = vec![0.0; d];
        let mut z = vec![0.0; d];
        for i in rows {
            let l = &self.ls[i * d * k..(i + 1) * d * k];
            a.copy_from_slice(&self.lp);
            for (f, &wf) in w.iter().enumerate() {
                for (x, t) in a.iter_mut().zip(&l[f * k..(f + 1) * k]) {
                    *x += wf * t;
                }
            }
            let mx = a.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let lse = mx + a.iter().map(|x| (x - mx).exp()).sum::<f64>().ln();
            let (yi, ui) = (self.y[i], self.u[i]);
            *obj += ui * (a[yi] - lse);
            if g.is_empty() {
                continue;
            }
            // The class probabilities p(c | x_i).
            a.iter_mut().for_each(|x| *x = (*x - lse).exp());
            for f in 0..d {
                let lf = &l[f * k..(f + 1) * k];
                m[f] = a.iter().zip(lf).map(|(p, t)| p * t).sum();
                g[f] += ui * (lf[yi] - m[f]);
            }
            if h.is_empty() {
                continue;
            }
            for (c, &pc) in a.iter().enumerate() {
                for f in 0..d {
                    z[f] = l[f * k + c] - m[f];
                }
                for f in 0..d {
                    let cf = ui * pc * z[f];
                    for (x, ze) in h[f * d + f..(f + 1) * d].iter_mut().zip(&z[f..]) {
                        *x += cf * ze;
                    }
                }
            }
        }
    }
}

/// Rows per block of a weight-fitting pass ([`fit_leaf_weights`]).
const CLL_BLOCK: usize = 2048;

/// A weight-fitting pass over 8 blocks or more takes the Hessian from every 4th block.
const HESSIAN_STRIDE: usize = 4;

/// `Σ a_i b_i` with four running sums (in a fixed order, so the same on every
/// machine and thread count; vectorisable).
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0; 4];
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let tail: f64 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for q in 0..4 {
            acc[q] += x[q] * y[q];
        }
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// Solves `a x = b` for a symmetric positive definite `a` (`d × d`, row-major) by the
/// Cholesky factorisation; None when `a` is not numerically positive definite.
fn cholesky_solve(a: &[f64], b: &[f64], d: usize) -> Option<Vec<f64>> {
    // Lower factor L (a = L Lᵀ), row-major.
    let mut l = vec![0.0; d * d];
    for i in 0..d {
        for j in 0..=i {
            let s: f64 = (0..j).map(|q| l[i * d + q] * l[j * d + q]).sum();
            if i == j {
                let x = a[i * d + i] - s;
                if !(x > 0.0 && x.is_finite()) {
                    return None;
                }
                l[i * d + i] = x.sqrt();
            } else {
                l[i * d + j] = (a[i * d + j] - s) / l[j * d + j];
            }
        }
    }
    // L y = b, then Lᵀ x = y.
    let mut y = vec![0.0; d];
    for i in 0..d {
        let s: f64 = (0..i).map(|q| l[i * d + q] * y[q]).sum();
        y[i] = (b[i] - s) / l[i * d + i];
    }
    let mut x = vec![0.0; d];
    for i in (0..d).rev() {
        let s: f64 = (i + 1..d).map(|q| l[q * d + i] * x[q]).sum();
        x[i] = (y[i] - s) / l[i * d + i];
    }
    x.iter().all(|v| v.is_finite()).then_some(x)
}

/// `out_c = exp(s_c − max) / Σ` (a log-score vector to probabilities).
fn normalize_exp(s: &[f64], out: &mut [f64]) {
    let mx = s.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !mx.is_finite() {
        // Every class impossible (a zero probability everywhere): uniform.
        let u = 1.0 / out.len() as f64;
        out.iter_mut().for_each(|o| *o = u);
        return;
    }
    let mut z = 0.0;
    for (o, &x) in out.iter_mut().zip(s) {
        *o = (x - mx).exp();
        z += *o;
    }
    out.iter_mut().for_each(|o| *o /= z);
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::count::InMemory;
    use crate::data::{Codes, EncodedFeature};
    use crate::tree::Id3;

    fn feature(name: &str) -> EncodedFeature {
        EncodedFeature {
            name: name.into(),
            levels: vec![format!("{name}0"), format!("{name}1")].into(),
            numeric: false,
        }
    }

    /// 10 rows: `a` is the class but for row 4, `b` is it but for rows 2, 3, 8, 9.
    fn table() -> Encoded {
        let schema = Arc::new(EncodedSchema {
            features: vec![feature("a"), feature("b")],
            classes: vec!["retained".into(), "churned".into()],
        });
        let y = vec![0, 0, 0, 0, 0, 1, 1, 1, 1, 1];
        let a = vec![0, 0, 0, 0, 1, 1, 1, 1, 1, 1];
        let b = vec![0, 0, 1, 1, 0, 1, 1, 1, 0, 0];
        Encoded::new(schema, vec![Codes::U8(a), Codes::U8(b)], y, None).unwrap()
    }

    /// The formula on hand-computed numbers. The depth-1 tree splits on `a` (Laplace
    /// leaves: a=0 [5/6, 1/6], a=1 [2/8, 6/8]); n(c) = 5, 5; `b` has 3 codes (its
    /// missing code included): θ(b=0|0) = (3+1)/(5+3) = 1/2, θ(b=1|0) = 3/8,
    /// θ(b=0|1) = 3/8, θ(b=1|1) = 1/2. Row 5 (a=1, b=1), α = 1/2:
    /// p(churn) = 0.75·√0.5 / (0.25·√0.375 + 0.75·√0.5) = 0.775991; row 2 (a=0, b=1):
    /// (1/6)·√0.5 / ((5/6)·√0.375 + (1/6)·√0.5) = 0.187613.
    #[test]
    fn leaf_probabilities_on_hand_computed_numbers() {
        let enc = table();
        let tree = Id3::params()
            .max_depth(Some(1))
            .laplace(true)
            .check()
            .unwrap()
            .fit(&enc)
            .unwrap();
        assert_eq!(tree.nodes()[0].feature, 0, "splits on a");
        let nb = NaiveBayesLeaves::fit(&InMemory::new(&enc), 2, None, 0.5);
        // Table layout: a (3 codes × 2 classes), then b.
        assert_eq!(nb.log_theta.len(), 12);
        let b = &nb.log_theta[6..];
        let want = [0.5f64, 3.0 / 8.0, 3.0 / 8.0, 0.5, 1.0 / 8.0, 1.0 / 8.0];
        for (x, w) in b.iter().zip(want) {
            assert!((x - w.ln()).abs() < 1e-12, "{x} vs ln {w}");
        }
        nb.validate(tree.schema()).unwrap();
        let mut p = vec![0.0; 20];
        tree.predict_proba_into(&enc, &mut p).unwrap();
        assert!((p[11] - 0.75).abs() < 1e-12);
        nb.refine(&tree, &enc, &mut p).unwrap();
        assert!((p[11] - 0.775_990_762_260_204).abs() < 1e-12, "{}", p[11]);
        assert!((p[5] - 0.187_612_789_798_433).abs() < 1e-12, "{}", p[5]);
        for r in p.chunks_exact(2) {
            assert!((r[0] + r[1] - 1.0).abs() < 1e-12);
        }
        // The reason of b for row 5: the change its factor makes, signed.
        let c = nb.contributions(&tree, &enc, 5, &[0.25, 0.75], &[0]);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].0, 1);
        assert!((c[0].1 - 0.025_990_762_260_204).abs() < 1e-12, "{:?}", c);
        // α = 0 is the constant leaf: nothing changes, no reasons.
        let zero = NaiveBayesLeaves { alpha: 0.0, ..nb };
        let mut q = vec![0.0; 20];
        tree.predict_proba_into(&enc, &mut q).unwrap();
        let before = q.clone();
        zero.refine(&tree, &enc, &mut q).unwrap();
        for (x, y) in q.iter().zip(&before) {
            assert!((x - y).abs() < 1e-15);
        }
        assert!(
            zero.contributions(&tree, &enc, 5, &[0.25, 0.75], &[0])
                .is_empty()
        );
    }

    /// A seeded table of `n` rows: the class, `a` (agrees with the class on 80 % of
    /// the rows), `b` (on 65 %), a noise feature drawn independently of the class,
    /// and — with `dup` — an exact copy of `a`; `k` classes (`a` and `b` then take the
    /// class's value, or another, as codes `0..k`).
    fn weights_table(n: usize, k: usize, dup: bool) -> Encoded {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let (mut y, mut a, mut b, mut noise) = (vec![], vec![], vec![], vec![]);
        for _ in 0..n {
            let c = (next() * k as f64) as u8 % k as u8;
            let other = |x: f64| ((c as usize + 1 + (x * (k - 1) as f64) as usize) % k) as u8;
            let u = next();
            a.push(if u < 0.8 { c } else { other(next()) });
            let u = next();
            b.push(if u < 0.65 { c } else { other(next()) });
            noise.push((next() * 2.0) as u8);
            y.push(c);
        }
        let level = |name: &str, m: usize| EncodedFeature {
            name: name.into(),
            levels: (0..m)
                .map(|i| format!("{name}{i}"))
                .collect::<Vec<_>>()
                .into(),
            numeric: false,
        };
        let mut features = vec![level("a", k), level("b", k), level("noise", 2)];
        let mut codes = vec![Codes::U8(a.clone()), Codes::U8(b), Codes::U8(noise)];
        if dup {
            features.push(level("a_copy", k));
            codes.push(Codes::U8(a));
        }
        let schema = Arc::new(EncodedSchema {
            features,
            classes: (0..k).map(|c| format!("class{c}")).collect(),
        });
        Encoded::new(schema, codes, y, None).unwrap()
    }

    fn weights_of(enc: &Encoded, lambda: f64) -> Vec<f64> {
        let nb = NaiveBayesLeaves::fit(&InMemory::new(enc), enc.n_features(), None, 1.0);
        fit_leaf_weights(&nb, enc, None, lambda, 7).unwrap()
    }

    /// An exact duplicate of a feature shares its weight: the two get equal weights
    /// summing to about the single feature's; an irrelevant feature gets a small one.
    #[test]
    fn duplicate_features_share_a_weight_and_noise_gets_little() {
        let single = weights_of(&weights_table(4000, 2, false), 0.01);
        let dup = weights_of(&weights_table(4000, 2, true), 0.01);
        let (a, b) = (single[0], single[1]);
        assert!(a > 0.5 && b > 0.5, "{single:?}");
        // The noise's conditionals differ across the classes by chance only, so
        // nearly unpenalised its weight is free to be large while its effect is small;
        // the default penalty keeps it small.
        let default = weights_of(&weights_table(4000, 2, false), LEAF_WEIGHT_LAMBDA);
        assert!(
            default[2].abs() < 0.15 * default[0],
            "noise weight {} vs {}",
            default[2],
            default[0]
        );
        assert!((dup[0] - dup[3]).abs() < 1e-6, "{dup:?}");
        assert!(
            (dup[0] + dup[3] - a).abs() < 0.01 * a,
            "{} + {} vs {a}",
            dup[0],
            dup[3]
        );
        assert!((dup[1] - b).abs() < 0.01 * b, "{dup:?} vs {single:?}");
        // A larger penalty shrinks every weight toward 0.
        let strong = weights_of(&weights_table(4000, 2, false), 1000.0);
        for (s, w) in strong.iter().zip(&single) {
            assert!(s.abs() < w.abs() + 1e-12, "{strong:?} vs {single:?}");
        }
    }

    /// The Newton solution is the maximum: the gradient vanishes there, and the
    /// negative Hessian matches finite differences of the gradient (two classes, with
    /// the logistic shortcut, and three).
    #[test]
    fn weights_maximise_the_penalised_cll_for_two_and_three_classes() {
        for k in [2, 3] {
            let enc = weights_table(1500, k, false);
            let nb = NaiveBayesLeaves::fit(&InMemory::new(&enc), 3, None, 1.0);
            let w = fit_leaf_weights(&nb, &enc, None, 1.0, 7).unwrap();
            let (offs, _) = NaiveBayesLeaves::offsets(enc.schema());
            let rows: Vec<u32> = (0..enc.n_rows() as u32).collect();
            let data = CllData::new(&nb, &enc, &rows, &offs, 1.0);
            let (_, g, h) = data.pass(&w, true);
            // (The stopping rule leaves a gradient of order √(1e-12 · |L| · H).)
            assert!(g.iter().all(|x| x.abs() < 1e-3), "k {k}: gradient {g:?}");
            let eps = 1e-5;
            for e in 0..3 {
                let mut we = w.clone();
                we[e] += eps;
                let (_, ge, _) = data.pass(&we, true);
                for f in 0..3 {
                    let fd = -(ge[f] - g[f]) / eps;
                    assert!(
                        (fd - h[f * 3 + e]).abs() < 1e-3 * (1.0 + h[f * 3 + e].abs()),
                        "k {k}: H[{f},{e}] {} vs {fd}",
                        h[f * 3 + e]
                    );
                }
            }
        }
    }

    /// Weighted leaves: the stored log-potentials are finite and ≤ 0 with a 0 in every
    /// feature value, `α = 1`, and `refine` gives the weighted formula's
    /// probabilities `π_ℓ(c) · Π θ^(α w_f)`; `α = 0` is the constant leaf; the same
    /// data gives the same weights whatever the number of threads.
    #[test]
    fn weighted_potentials_reproduce_the_weighted_formula() {
        let enc = weights_table(600, 2, true);
        let tree = Id3::params()
            .max_depth(Some(1))
            .laplace(true)
            .check()
            .unwrap()
            .fit(&enc)
            .unwrap();
        let nb = NaiveBayesLeaves::fit(&InMemory::new(&enc), 4, None, 1.0);
        let w = fit_leaf_weights(&nb, &enc, None, 10.0, 7).unwrap();
        let alpha = 0.75;
        let wl = nb.weighted(enc.schema(), &w, alpha).unwrap();
        assert_eq!(wl.alpha, 1.0);
        wl.validate(enc.schema()).unwrap();
        assert!(wl.is_weighted(2) && !nb.is_weighted(2));
        let k = 2;
        let n = enc.n_rows();
        let mut base = vec![0.0; n * k];
        tree.predict_proba_into(&enc, &mut base).unwrap();
        let mut out = base.clone();
        wl.refine(&tree, &enc, &mut out).unwrap();
        let (offs, _) = NaiveBayesLeaves::offsets(enc.schema());
        for r in 0..n {
            let mut on_path = vec![false; 4];
            tree.mark_path(&enc, r, &mut on_path);
            let mut s: Vec<f64> = base[r * k..(r + 1) * k].iter().map(|p| p.ln()).collect();
            for f in (0..4).filter(|&f| !on_path[f]) {
                let at = offs[f] + enc.code(r, f) as usize * k;
                for (x, t) in s.iter_mut().zip(&nb.log_theta[at..at + k]) {
                    *x += alpha * w[f] * t;
                }
            }
            let z: f64 = s.iter().map(|x| x.exp()).sum();
            for (o, x) in out[r * k..(r + 1) * k].iter().zip(&s) {
                assert!((o - x.exp() / z).abs() < 1e-12, "row {r}");
            }
        }
        // α = 0: all potentials 0, the tree's own probabilities.
        let zero = nb.weighted(enc.schema(), &w, 0.0).unwrap();
        assert!(zero.log_theta.iter().all(|&x| x == 0.0));
        let mut q = base.clone();
        zero.refine(&tree, &enc, &mut q).unwrap();
        for (x, y) in q.iter().zip(&base) {
            assert!((x - y).abs() < 1e-15);
        }
        // Deterministic, and the same on one thread as on many.
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(|| fit_leaf_weights(&nb, &enc, None, 10.0, 7).unwrap());
        let again = fit_leaf_weights(&nb, &enc, None, 10.0, 7).unwrap();
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&one), bits(&w));
        assert_eq!(bits(&again), bits(&w));
        // Bad input is an error, not a panic.
        assert!(fit_leaf_weights(&nb, &enc, None, 0.0, 7).is_err());
        assert!(fit_leaf_weights(&nb, &enc, None, f64::NAN, 7).is_err());
        assert!(nb.weighted(enc.schema(), &w[..3], 0.5).is_err());
        let short = NaiveBayesLeaves {
            alpha: 1.0,
            log_theta: nb.log_theta[1..].to_vec(),
        };
        assert!(fit_leaf_weights(&short, &enc, None, 1.0, 7).is_err());
    }

    /// More rows than the cap: the weights are fitted on a seeded stratified sample
    /// (the same seed, the same weights), close to the all-rows fit.
    #[test]
    fn large_tables_fit_on_a_seeded_sample() {
        let enc = weights_table(LEAF_WEIGHT_MAX_ROWS + 5000, 2, false);
        let nb = NaiveBayesLeaves::fit(&InMemory::new(&enc), 3, None, 1.0);
        let a = fit_leaf_weights(&nb, &enc, None, 10.0, 3).unwrap();
        let b = fit_leaf_weights(&nb, &enc, None, 10.0, 3).unwrap();
        assert_eq!(a, b);
        let rows: Vec<u32> = (0..LEAF_WEIGHT_MAX_ROWS as u32).collect();
        let c = fit_leaf_weights(&nb, &enc, Some(&rows), 10.0, 3).unwrap();
        for (x, y) in a[..2].iter().zip(&c) {
            assert!((x - y).abs() < 0.05, "{a:?} vs {c:?}");
        }
        assert!((a[2] - c[2]).abs() < 0.2, "{a:?} vs {c:?}");
        assert!(
            LeafModel::WeightedNaiveBayes {
                alpha: 0.5,
                lambda: 0.0
            }
            .check()
            .is_err()
        );
        assert!(LeafModel::TunedWeighted { lambda: -1.0 }.check().is_err());
        assert!(
            LeafModel::WeightedNaiveBayes {
                alpha: 1.5,
                lambda: 1.0
            }
            .check()
            .is_err()
        );
        assert!(
            LeafModel::WeightedNaiveBayes {
                alpha: 0.5,
                lambda: 10.0
            }
            .check()
            .is_ok()
        );
    }

    #[test]
    fn bad_tables_and_tempers_are_refused() {
        let enc = table();
        let nb = NaiveBayesLeaves::fit(&InMemory::new(&enc), 2, None, 0.5);
        let schema = enc.schema();
        let msg = |n: &NaiveBayesLeaves| n.validate(schema).unwrap_err().to_string();
        for alpha in [-0.1, 1.5, f64::NAN, f64::INFINITY] {
            let bad = NaiveBayesLeaves {
                alpha,
                ..nb.clone()
            };
            assert!(msg(&bad).contains("alpha"), "{}", msg(&bad));
        }
        let mut short = nb.clone();
        short.log_theta.pop();
        assert!(
            msg(&short).contains("11 log-conditionals"),
            "{}",
            msg(&short)
        );
        for x in [0.5, f64::NAN, f64::NEG_INFINITY] {
            let mut bad = nb.clone();
            bad.log_theta[3] = x;
            assert!(
                msg(&bad).contains("not a finite log-probability"),
                "{}",
                msg(&bad)
            );
        }
        assert!(LeafModel::NaiveBayes { alpha: 2.0 }.check().is_err());
        assert!(LeafModel::NaiveBayes { alpha: f64::NAN }.check().is_err());
        assert!(LeafModel::NaiveBayes { alpha: 0.3 }.check().is_ok());
    }
}
