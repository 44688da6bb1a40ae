//! The survival tree's parameters ([`SurvivalTreeParams`]).

use serde::{Deserialize, Serialize};

use super::curve::Estimator;
use crate::error::{Error, Result};

/// The most time bins the split criterion uses: a row's class for counting is
/// `2 · bin + event`, and class labels are bytes.
pub const MAX_TIME_BINS: usize = 127;

/// Parameters of a [`SurvivalTree`](super::SurvivalTree), with builder methods; check
/// them with [`check`](Self::check) (fits check them too).
///
/// Defaults (the fixed fallback when self-tuning is off; the default
/// [`SurvivalLearner`](super::SurvivalLearner) tunes depth and leaf size by CV):
/// `max_depth = Some(6)`, `min_rows_leaf = 20`, `min_events_leaf = 1`,
/// `min_logrank = 0`, `time_bins = 16`, Kaplan–Meier leaves, the log-rank
/// [`SurvivalCriterion`], splits chosen by
/// [`SplitSelection::AdjustedPValue`] (the selection and the bins chosen by the
/// self-tuning's CV on the Telco, Orange and ISP training rows:
/// `examples/survival_cv.rs`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurvivalTreeParams {
    /// The deepest a leaf may be (the root is depth 0); `None` = no limit.
    pub max_depth: Option<usize>,
    /// The least (weighted) number of customers in a leaf.
    pub min_rows_leaf: f64,
    /// The least (weighted) number of events (churned customers) in a leaf.
    pub min_events_leaf: f64,
    /// A split is taken only when its statistic `χ²` is at least this (the log-rank
    /// `χ²`, or `2 · gain` of the hazard entropy, see [`SurvivalCriterion`]; 3.84 is
    /// the 5 % level of χ²₁).
    pub min_logrank: f64,
    /// At most this many time bins for the split criterion (1 to
    /// [`MAX_TIME_BINS`]): the distinct event times when there are no more, else
    /// bins holding equal numbers of event rows (unweighted). Leaf curves use the
    /// exact times. (16, 32, 64 and 127 bins give the same CV C-index within 0.003 on
    /// the three real training sets; fewer bins are cheaper.)
    pub time_bins: usize,
    /// The estimator of the leaf curves.
    pub estimator: Estimator,
    /// How the best split is chosen across features.
    #[serde(default)]
    pub selection: SplitSelection,
    /// What a candidate split is scored by (default: the log-rank statistic).
    #[serde(default)]
    pub criterion: SurvivalCriterion,
    /// Split-complexity post-pruning ([`SurvivalTree::pruned`](super::SurvivalTree::pruned)):
    /// the grown tree is cut to `T(α)` with `α` = this fraction of the root split's
    /// log-rank statistic; `None` = no post-pruning.
    #[serde(default)]
    pub prune_alpha: Option<f64>,
    /// Hierarchical shrinkage of the hazards ([`SurvivalTree::shrunk`](super::SurvivalTree::shrunk)):
    /// each node's hazard at each time is `(d + m · h_parent) / (n + m)` with `m` =
    /// this (in customers); 0 = none, the grown tree's own Kaplan–Meier (Nelson–Aalen)
    /// curves.
    #[serde(default)]
    pub shrinkage: f64,
}

/// What scores a candidate split of a survival tree's node. Both are computed in the
/// same sweep over the same counted tables (per code and time bin `b`: the events
/// `d_b` and the customers at risk `n_b`, a customer censored in bin `b` at risk in
/// it), and both give a `χ²` statistic, stored as the node's
/// [`statistic`](super::SurvivalNode::statistic).
///
/// The default stays the log-rank, by nested cross-validation on the Telco, Orange
/// and ISP training files (outer stratified 5-fold, seeds 77–81, the whole
/// self-tuning inside; `cargo run --release --example survival_cv -- nested
/// criterion`, every number in that example's header). Mean outer C-index,
/// log-rank → hazard entropy → the tuning choosing either
/// ([`SurvivalGrid::criteria`](super::SurvivalGrid::criteria)): Telco 0.9436 →
/// 0.9503 → 0.9503, Orange 0.8325 → 0.8323 → 0.8297, ISP 0.7951 → 0.7936 → 0.7951;
/// Telco without the clock-encoding `TotalCharges` 0.8522 → 0.8492 → 0.8520. The
/// hazard entropy's lead is Telco's with `TotalCharges` alone; it loses on ISP and
/// on Telco without `TotalCharges` on every outer seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum SurvivalCriterion {
    /// The (grouped-time) log-rank statistic `χ² = (O_L − E_L)² / V_L`, the test of
    /// equal hazards against proportional ones (Mantel 1966; the survival-tree
    /// criterion of Ciampi et al. 1986 and LeBlanc & Crowley 1993). One degree of
    /// freedom.
    #[default]
    LogRank,
    /// The discrete-time hazard deviance ("person-period entropy"): a node's
    /// impurity is
    ///
    /// ```text
    /// I = Σ_b n_b · H(d_b / n_b),   H(p) = −p ln p − (1 − p) ln(1 − p)
    /// ```
    ///
    /// — the entropy of the person-period rows (one row per customer and bin they
    /// were at risk in, labelled churned in the bin they churned in), i.e. minus the
    /// maximised log-likelihood of a discrete-time hazard model with one hazard per
    /// bin (Singer & Willett 1993, "It's about time: using discrete-time survival
    /// analysis to study duration and the timing of events", J. Educ. Stat. 18(2);
    /// the discrete-time survival trees of Bou-Hamad, Larocque & Ben-Ameur 2011,
    /// Stat. Med. 30(9)). A split's gain `G = I_parent − I_left − I_right` is the
    /// information gain of ID3 on those rows, and `2G` is the likelihood-ratio
    /// statistic of separate per-bin hazards in each child against common ones,
    /// `χ²` with as many degrees of freedom as the node has bins with events; `2G`
    /// is the statistic used. Unlike the log-rank it sees hazards that cross.
    HazardEntropy,
}

impl SurvivalCriterion {
    /// A short name for reports: `log-rank`, `hazard-entropy`.
    pub fn name(self) -> &'static str {
        match self {
            SurvivalCriterion::LogRank => "log-rank",
            SurvivalCriterion::HazardEntropy => "hazard-entropy",
        }
    }
}

/// How a node's split is chosen across features (within a feature it is always the
/// largest statistic of the [`SurvivalCriterion`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum SplitSelection {
    /// The largest `χ²`, whatever the feature.
    Statistic,
    /// The smallest Bonferroni-adjusted p-value `m · P(χ²_ν >= χ²)` (`ν` = 1 for the
    /// log-rank, the node's bins with events for the hazard entropy), `m` the number of
    /// candidate splits of the feature: `#codes − 1` per ordering of a binned numeric,
    /// `2^(L−1) − 1` for a categorical with `L` levels at the node (its hazard
    /// ordering stands for all its two-group partitions). The maximum over many
    /// candidates is large by chance, so without the adjustment a 51-level `State`
    /// wins splits on noise; with it, a feature must beat the chance its
    /// candidates give it.
    #[default]
    AdjustedPValue,
}

impl Default for SurvivalTreeParams {
    fn default() -> Self {
        SurvivalTreeParams {
            max_depth: Some(6),
            min_rows_leaf: 20.0,
            min_events_leaf: 1.0,
            min_logrank: 0.0,
            time_bins: 16,
            estimator: Estimator::KaplanMeier,
            selection: SplitSelection::AdjustedPValue,
            criterion: SurvivalCriterion::LogRank,
            prune_alpha: None,
            shrinkage: 0.0,
        }
    }
}

impl SurvivalTreeParams {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `max_depth`.
    pub fn max_depth(mut self, d: Option<usize>) -> Self {
        self.max_depth = d;
        self
    }

    /// Sets `min_rows_leaf`.
    pub fn min_rows_leaf(mut self, n: f64) -> Self {
        self.min_rows_leaf = n;
        self
    }

    /// Sets `min_events_leaf`.
    pub fn min_events_leaf(mut self, n: f64) -> Self {
        self.min_events_leaf = n;
        self
    }

    /// Sets `min_logrank`.
    pub fn min_logrank(mut self, x: f64) -> Self {
        self.min_logrank = x;
        self
    }

    /// Sets `time_bins`.
    pub fn time_bins(mut self, n: usize) -> Self {
        self.time_bins = n;
        self
    }

    /// Sets the leaf estimator.
    pub fn estimator(mut self, e: Estimator) -> Self {
        self.estimator = e;
        self
    }

    /// Sets how the split is chosen across features.
    pub fn selection(mut self, s: SplitSelection) -> Self {
        self.selection = s;
        self
    }

    /// Sets what scores a candidate split.
    pub fn criterion(mut self, c: SurvivalCriterion) -> Self {
        self.criterion = c;
        self
    }

    /// Sets the split-complexity pruning fraction (see
    /// [`prune_alpha`](Self::prune_alpha)).
    pub fn prune_alpha(mut self, fraction: Option<f64>) -> Self {
        self.prune_alpha = fraction;
        self
    }

    /// Sets the hazard shrinkage strength `m` (see [`shrinkage`](Self::shrinkage)).
    pub fn shrinkage(mut self, m: f64) -> Self {
        self.shrinkage = m;
        self
    }

    /// Checks the parameters.
    ///
    /// # Errors
    /// [`Error::Param`] naming the parameter: a leaf size or event count that is
    /// negative or not finite, a negative or non-finite `min_logrank`, `prune_alpha` or `shrinkage`, `time_bins`
    /// outside `1..=127`, or a depth over [`MAX_DEPTH`](crate::tree::MAX_DEPTH).
    pub fn check(&self) -> Result<()> {
        let finite_ge0 = |name: &str, x: f64| {
            if x.is_finite() && x >= 0.0 {
                Ok(())
            } else {
                Err(Error::param(name, x, "must be a finite number >= 0"))
            }
        };
        finite_ge0("min_rows_leaf", self.min_rows_leaf)?;
        finite_ge0("min_events_leaf", self.min_events_leaf)?;
        finite_ge0("min_logrank", self.min_logrank)?;
        if let Some(a) = self.prune_alpha {
            finite_ge0("prune_alpha", a)?;
        }
        finite_ge0("shrinkage", self.shrinkage)?;
        if !(1..=MAX_TIME_BINS).contains(&self.time_bins) {
            return Err(Error::param(
                "time_bins",
                self.time_bins,
                format!("must be in 1..={MAX_TIME_BINS}"),
            ));
        }
        if let Some(d) = self.max_depth
            && d > crate::tree::MAX_DEPTH
        {
            return Err(Error::param(
                "max_depth",
                d,
                format!("at most {}", crate::tree::MAX_DEPTH),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_names_the_bad_parameter() {
        assert!(SurvivalTreeParams::new().check().is_ok());
        let name = |p: SurvivalTreeParams| match p.check().unwrap_err() {
            Error::Param { name, .. } => name,
            e => panic!("{e:?}"),
        };
        assert_eq!(
            name(SurvivalTreeParams::new().min_rows_leaf(-1.0)),
            "min_rows_leaf"
        );
        assert_eq!(
            name(SurvivalTreeParams::new().min_events_leaf(f64::NAN)),
            "min_events_leaf"
        );
        assert_eq!(
            name(SurvivalTreeParams::new().min_logrank(f64::INFINITY)),
            "min_logrank"
        );
        assert_eq!(name(SurvivalTreeParams::new().time_bins(0)), "time_bins");
        assert_eq!(name(SurvivalTreeParams::new().shrinkage(-1.0)), "shrinkage");
        assert_eq!(
            name(SurvivalTreeParams::new().shrinkage(f64::NAN)),
            "shrinkage"
        );
        assert_eq!(name(SurvivalTreeParams::new().time_bins(128)), "time_bins");
        assert_eq!(
            name(SurvivalTreeParams::new().max_depth(Some(100_000))),
            "max_depth"
        );
    }
}
