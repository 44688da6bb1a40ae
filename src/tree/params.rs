//! The parameters of the ID3 family ([`Id3`], [`Id3Params`]): the builder's limits,
//! the criterion, the missing-value and numeric-split policies and the post-pruning.
//! Fitting (`Id3ValidParams::fit`) lives with the builder in `grow`.

use serde::{Deserialize, Serialize};

use super::criterion::{AttributeWeights, ClassWeights, Criterion, WeightedEntropy};
use super::tree::{DecisionTree, MissingPolicy};
use crate::count::Counter;
use crate::data::Encoded;
use crate::error::{Error, Result};

/// How discretized numeric features split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[non_exhaustive]
pub enum NumericSplits {
    /// One branch per bin, like a categorical feature (classic ID3 on discretized data);
    /// the feature is then used up on the path.
    #[default]
    Multiway,
    /// Ordered binary splits `bin < t` / `bin ≥ t` at the best bin boundary (missing
    /// values keep their own branch or are spread, per the missing policy), as C4.5 and
    /// CART treat numbers; the feature stays available deeper on the path, so thresholds
    /// adapt to each node. Categorical features still split multiway.
    Binary,
}

/// Post-pruning.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[non_exhaustive]
pub enum Pruning {
    /// No post-pruning.
    #[default]
    None,
    /// Reduced-error pruning (Quinlan 1987): a stratified, seeded `fraction` of the
    /// training rows is held out, the tree grows on the rest, and every subtree whose
    /// replacement by a leaf does not raise the error on the held-out rows is replaced
    /// (bottom-up).
    ReducedError {
        /// Fraction of training rows held out for pruning, in (0, 1).
        fraction: f64,
    },
    /// C4.5's pessimistic (error-based) pruning: a subtree is replaced by a leaf when the
    /// leaf's upper confidence bound on its error (confidence `confidence`, C4.5's CF,
    /// 0.25 by default) is no more than the subtrees' (+0.1, as C4.5). Subtree raising is
    /// not done.
    Pessimistic {
        /// C4.5's CF in (0, 0.5]; smaller prunes more.
        confidence: f64,
    },
    /// CART's cost-complexity (weakest-link) pruning: the smallest subtree minimizing
    /// training errors + `alpha` × rows × leaves (see
    /// [`cost_complexity`](super::cost_complexity)); larger prunes more, and the trees
    /// for growing `alpha` are nested.
    CostComplexity {
        /// Price of a leaf as a fraction of the training rows, ≥ 0 (e.g. 0.001–0.02).
        alpha: f64,
    },
}

/// The ID3 family of tree learners; start from [`Id3::params`].
///
/// ```
/// use std::sync::Arc;
/// use churnkit::data::{Codes, Encoded, EncodedFeature, EncodedSchema};
/// use churnkit::tree::{Criterion, Id3, WeightedEntropy};
///
/// let schema = Arc::new(EncodedSchema {
///     features: vec![EncodedFeature {
///         name: "Contract".into(),
///         levels: vec!["Month-to-month".into(), "Two year".into()].into(),
///         numeric: false,
///     }],
///     classes: vec!["retained".into(), "churned".into()],
/// });
/// let enc = Encoded::new(schema, vec![Codes::U8(vec![0, 0, 1, 1])], vec![1, 1, 0, 0], None)?;
/// let tree = Id3::params()
///     .criterion(Criterion::WeightedEntropy(WeightedEntropy::default()))
///     .max_depth(Some(8))
///     .fit(&enc)?;
/// assert_eq!(tree.predict(&enc)?, vec![1, 1, 0, 0]);
/// # Ok::<(), churnkit::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Id3;

impl Id3 {
    /// Quinlan's original ID3: information gain, no pre- or post-pruning. See
    /// [`Id3Params`] for every parameter and its default.
    pub fn params() -> Id3Params {
        Id3Params::default()
    }

    /// Weighted-entropy ID3 with the defaults chosen by cross-validation on training
    /// rows (see [`Id3Params::weighted`]).
    pub fn weighted() -> Id3Params {
        Id3Params::weighted()
    }

    /// C4.5-style: gain ratio, binary numeric splits, fractional missing values,
    /// pessimistic pruning CF 0.25, at least 2 rows in two branches (Quinlan 1993's
    /// defaults).
    pub fn c45() -> Id3Params {
        Id3Params::c45()
    }
}

/// Parameters of the ID3 family (a builder; [`Id3Params::check`] validates once).
///
/// Defaults ([`Id3::params`], Quinlan's original ID3):
///
/// | parameter | default |
/// |---|---|
/// | `criterion` | [`Criterion::InformationGain`] |
/// | `max_depth` | None (unlimited) |
/// | `min_rows_split` | 2 (a node with fewer rows is a leaf) |
/// | `min_rows_leaf` | 1 |
/// | `min_gain` | 0 (a node splits only on a gain above it, as Weka's Id3) |
/// | `missing` | [`MissingPolicy::OwnBranch`] |
/// | `numeric_splits` | [`NumericSplits::Multiway`] |
/// | `pruning` | [`Pruning::None`] |
/// | `laplace` | false |
/// | `seed` | 0 (used by reduced-error pruning's hold-out) |
///
/// Row counts are weighted when the rows carry sample weights. `min_rows_leaf`
/// follows C4.5: a split is admissible only if at least two branches hold
/// `min_rows_leaf` rows; branches smaller than that are not grown (their rows stop at
/// the parent, whose distribution they get).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Id3Params {
    pub(crate) criterion: Criterion,
    pub(crate) max_depth: Option<usize>,
    pub(crate) min_rows_split: f64,
    pub(crate) min_rows_leaf: f64,
    pub(crate) min_gain: f64,
    pub(crate) missing: MissingPolicy,
    pub(crate) numeric: NumericSplits,
    pub(crate) pruning: Pruning,
    pub(crate) laplace: bool,
    pub(crate) seed: u64,
    /// m of the m-estimate toward the parent (0 = off; overrides `laplace`).
    #[serde(default)]
    pub(crate) m_estimate: f64,
}

impl Default for Id3Params {
    fn default() -> Self {
        Id3Params {
            criterion: Criterion::InformationGain,
            max_depth: None,
            min_rows_split: 2.0,
            min_rows_leaf: 1.0,
            min_gain: 0.0,
            missing: MissingPolicy::OwnBranch,
            numeric: NumericSplits::Multiway,
            pruning: Pruning::None,
            laplace: false,
            seed: 0,
            m_estimate: 0.0,
        }
    }
}

impl Id3Params {
    /// Weighted-entropy ID3 with its tuned defaults: attribute weights `1/n_A`, class
    /// weights 1, ordered binary splits of numeric features ([`NumericSplits::Binary`]),
    /// `max_depth` 8, `min_rows_leaf` 5, `min_rows_split` 10, pessimistic pruning
    /// (CF 0.25), Laplace smoothing ([`TreeLearner::id3_weighted`](super::TreeLearner::id3_weighted)
    /// adds 16 equal-frequency bins for numerics).
    ///
    /// These are the fixed settings of `id3-weighted --tune off`;
    /// [`TreeLearner::id3_weighted`](super::TreeLearner::id3_weighted) tunes its
    /// settings on every fit by default ([`Tune`](super::Tune)).
    ///
    /// Chosen by 5-fold stratified cross-validation (seed 42) on TRAINING rows only —
    /// `telco-train.csv`, `orange-telecom-churn-train.csv` and the bundled
    /// `datasets/synthetic-churn.csv` — over 576 settings (binning × numeric splits ×
    /// depth {4, 6, 8, ∞} × min leaf {2, 5, 10, 20} × pruning {none, reduced-error 0.2,
    /// pessimistic 0.25} × class weights {1, balanced}); `cargo run --release --example
    /// tree_cv` reproduces the grid. Best mean ROC AUC over the three data sets:
    ///
    /// | setting | Telco AUC / acc | Orange AUC / acc | synthetic AUC / acc | mean AUC |
    /// |---|---|---|---|---|
    /// | **this default** (EF16, binary, depth 8, leaf 5, pessimistic, w = 1) | 0.8227 / 0.7858 | 0.9092 / 0.9389 | 0.8443 / 0.7138 | **0.8587** |
    /// | same, leaf 2 | 0.8191 / 0.7858 | 0.9124 / 0.9374 | 0.8412 / 0.7070 | 0.8576 |
    /// | same, balanced class weights | 0.8222 / 0.7866 | 0.9090 / 0.9392 | 0.8392 / 0.7100 | 0.8568 |
    /// | EF32, binary, depth 8, leaf 20, no pruning | 0.8202 / 0.7759 | 0.9063 / 0.9314 | 0.8447 / 0.7104 | 0.8571 |
    /// | best multiway (EF5, depth 4, leaf 5, no pruning, balanced) | 0.8258 / 0.7911 | 0.8801 / 0.9021 | 0.8439 / 0.7078 | 0.8499 |
    /// | multiway EF10, depth 8, leaf 5, reduced-error 0.2 | see `tree_cv` | | | ≈ 0.80 |
    ///
    /// Reduced-error pruning optimises 0/1 error on a small hold-out, which collapses
    /// subtrees whose leaves all predict "retained" and costs ranking quality (Orange
    /// AUC ≈ 0.75–0.77 with it); pessimistic pruning keeps more of the ranking.
    pub fn weighted() -> Self {
        Id3Params {
            criterion: Criterion::WeightedEntropy(WeightedEntropy {
                attributes: AttributeWeights::InverseValues,
                classes: ClassWeights::One,
            }),
            max_depth: Some(8),
            min_rows_split: 10.0,
            min_rows_leaf: 5.0,
            min_gain: 0.0,
            missing: MissingPolicy::OwnBranch,
            numeric: NumericSplits::Binary,
            pruning: Pruning::Pessimistic { confidence: 0.25 },
            laplace: true,
            seed: 0,
            m_estimate: 0.0,
        }
    }

    /// C4.5-style defaults: gain ratio, ordered binary splits of numerics, fractional
    /// missing values, pessimistic pruning (CF 0.25), `min_rows_leaf` 2.
    pub fn c45() -> Self {
        Id3Params {
            criterion: Criterion::GainRatio,
            min_rows_leaf: 2.0,
            missing: MissingPolicy::Fractional,
            numeric: NumericSplits::Binary,
            pruning: Pruning::Pessimistic { confidence: 0.25 },
            ..Id3Params::default()
        }
    }

    /// The split criterion.
    pub fn criterion(mut self, c: Criterion) -> Self {
        self.criterion = c;
        self
    }
    /// Maximum depth (root = 0; None = unlimited).
    pub fn max_depth(mut self, d: Option<usize>) -> Self {
        self.max_depth = d;
        self
    }
    /// A node with fewer (weighted) rows is not split (≥ 2).
    pub fn min_rows_split(mut self, n: f64) -> Self {
        self.min_rows_split = n;
        self
    }
    /// At least two branches of a split must hold this many (weighted) rows; smaller
    /// branches are not grown (> 0).
    pub fn min_rows_leaf(mut self, n: f64) -> Self {
        self.min_rows_leaf = n;
        self
    }
    /// A node splits only when the chosen split's gain exceeds this (≥ 0, bits).
    pub fn min_gain(mut self, g: f64) -> Self {
        self.min_gain = g;
        self
    }
    /// The missing-values policy.
    pub fn missing(mut self, m: MissingPolicy) -> Self {
        self.missing = m;
        self
    }
    /// How numeric (binned) features split.
    pub fn numeric_splits(mut self, n: NumericSplits) -> Self {
        self.numeric = n;
        self
    }
    /// Post-pruning.
    pub fn pruning(mut self, p: Pruning) -> Self {
        self.pruning = p;
        self
    }
    /// Laplace smoothing of leaf probabilities.
    pub fn laplace(mut self, on: bool) -> Self {
        self.laplace = on;
        self
    }
    /// m-estimate smoothing of node probabilities toward the parent's, with weight
    /// `m` (0 = off; when on it replaces Laplace; see
    /// [`Smoothing::MEstimate`](super::Smoothing::MEstimate)).
    pub fn m_estimate(mut self, m: f64) -> Self {
        self.m_estimate = m;
        self
    }
    /// The smoothing the fitted tree uses.
    pub fn smoothing(&self) -> super::tree::Smoothing {
        use super::tree::Smoothing;
        if self.m_estimate > 0.0 {
            Smoothing::MEstimate(self.m_estimate)
        } else if self.laplace {
            Smoothing::Laplace
        } else {
            Smoothing::None
        }
    }
    /// Seed of every random choice (reduced-error pruning's hold-out).
    pub fn seed(mut self, s: u64) -> Self {
        self.seed = s;
        self
    }

    /// The criterion set.
    pub fn get_criterion(&self) -> &Criterion {
        &self.criterion
    }
    /// The pruning set.
    pub fn get_pruning(&self) -> Pruning {
        self.pruning
    }

    /// Validates the parameters.
    pub fn check(self) -> Result<Id3ValidParams> {
        self.criterion.validate()?;
        if self.max_depth == Some(usize::MAX) {
            return Err(Error::param(
                "max_depth",
                "usize::MAX",
                "use None for unlimited",
            ));
        }
        if !(self.min_rows_split.is_finite() && self.min_rows_split >= 2.0) {
            return Err(Error::param(
                "min_rows_split",
                self.min_rows_split,
                "must be finite and >= 2",
            ));
        }
        if !(self.min_rows_leaf.is_finite() && self.min_rows_leaf > 0.0) {
            return Err(Error::param(
                "min_rows_leaf",
                self.min_rows_leaf,
                "must be finite and > 0",
            ));
        }
        if !(self.min_gain.is_finite() && self.min_gain >= 0.0) {
            return Err(Error::param(
                "min_gain",
                self.min_gain,
                "must be finite and >= 0",
            ));
        }
        if !(self.m_estimate.is_finite() && self.m_estimate >= 0.0) {
            return Err(Error::param(
                "m_estimate",
                self.m_estimate,
                "must be finite and >= 0",
            ));
        }
        match self.pruning {
            Pruning::ReducedError { fraction } if !(fraction > 0.0 && fraction < 1.0) => {
                return Err(Error::param(
                    "pruning fraction",
                    fraction,
                    "must be strictly between 0 and 1",
                ));
            }
            Pruning::Pessimistic { confidence } if !(confidence > 0.0 && confidence <= 0.5) => {
                return Err(Error::param(
                    "pruning confidence",
                    confidence,
                    "must be in (0, 0.5]",
                ));
            }
            Pruning::CostComplexity { alpha } if !(alpha.is_finite() && alpha >= 0.0) => {
                return Err(Error::param(
                    "pruning alpha",
                    alpha,
                    "must be finite and >= 0",
                ));
            }
            _ => {}
        }
        Ok(Id3ValidParams(self))
    }

    /// Validates and fits on every row of `enc`.
    pub fn fit(self, enc: &Encoded) -> Result<DecisionTree> {
        self.check()?.fit(enc)
    }

    /// Validates and fits on every row of `enc`, every count taken through `counter`
    /// (see [`Id3ValidParams::fit_with`]).
    pub fn fit_with<C: Counter>(self, enc: &Encoded, counter: &C) -> Result<DecisionTree> {
        self.check()?.fit_with(enc, counter)
    }
}

/// Validated [`Id3Params`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Id3ValidParams(pub(crate) Id3Params);

impl Id3ValidParams {
    /// The parameters.
    pub fn params(&self) -> &Id3Params {
        &self.0
    }
}
