//! The contract between learning algorithms and everything that uses them
//! (`eval`, `model`, `score`): a [`Learner`] fits a [`Classifier`] from a table's
//! training rows; the classifier carries its own preprocessing and answers for raw rows.
//!
//! An algorithm implements the two-phase [`EncodedLearner`]: phase 1 is the
//! [`Binning`] it wants (or none), phase 2 fits on the training rows' codes with the
//! [`Discretizer`] fitted on them. The fit itself — fit the discretizer on the rows,
//! encode them, fit on the codes, and time both phases — is written once, in
//! [`fit_two_phase`]; every [`EncodedLearner`] is a [`Learner`] through it.
//!
//! This module sits below both the algorithms (`tree`, `bayes`) and their users, so
//! data flows one way: algorithms implement these traits, `eval` and `score` consume
//! them, and neither side knows the other.

use std::time::Instant;

use crate::data::{Binning, Discretizer, Encoded, Table};
use crate::error::{Error, Result};

/// One reason behind a prediction, in the user's column names and values.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Reason {
    /// The feature's column name.
    pub feature: String,
    /// The condition in the user's words, e.g. `Contract = Month-to-month` or
    /// `tenure in [0, 6)`.
    pub condition: String,
    /// How much this reason pushed toward churn: for a tree the information gain of the
    /// split (or the change in the churn probability along the path); for a Bayesian
    /// network the contribution to the log-odds of churned vs retained. Larger means
    /// more churn-ward; negative means it argues for staying.
    pub weight: f64,
}

/// A reason before it is put into words: which feature, the code (level or bin) or
/// tree branch it is about, and its signed weight — what batch scoring ranks, merges
/// and picks the churn driver on, so that only the reasons it outputs are rendered
/// ([`RawExplainer::word_reason`] gives the [`Reason`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RawReason<'a> {
    /// The feature's index among the classifier's own features.
    pub feature: usize,
    /// The feature's column name (as in [`Reason::feature`]).
    pub name: &'a str,
    /// The code the condition is about: the row's level or bin (networks), the branch
    /// taken (trees); 0 where the classifier words the condition from the row itself.
    pub code: u16,
    /// The tree node whose test the condition is (trees); 0 otherwise.
    pub node: u32,
    /// The weight, as [`Reason::weight`].
    pub weight: f64,
}

/// The unworded side of a classifier's explanations (see [`Classifier::raw_explainer`]):
/// the reasons as [`RawReason`]s, and the words of any one of them.
pub trait RawExplainer: Send + Sync {
    /// For each of `rows`, the `n` most churn-ward reasons of
    /// [`Classifier::explain`], unworded: its reasons stably sorted by weight,
    /// descending (ties keep the explanation's order), then cut to `n`.
    fn explain_top_raw(
        &self,
        table: &Table,
        rows: &[usize],
        n: usize,
    ) -> Result<Vec<Vec<RawReason<'_>>>>;

    /// The [`Reason`] of `raw`, a reason of row `row` of `table` given by
    /// [`explain_top_raw`](Self::explain_top_raw) on that table: its feature's name,
    /// the condition as [`Classifier::explain`] words it, and `raw.weight`.
    fn word_reason(&self, table: &Table, row: usize, raw: &RawReason<'_>) -> Reason;
}

/// Why a classifier predicted what it did for one row.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Explanation {
    /// The reasons, most important first (trees: in path order).
    pub reasons: Vec<Reason>,
    /// A one-line human summary (e.g. the tree path with the leaf's counts).
    pub summary: String,
}

/// A fitted model that gives class probabilities for raw rows of a [`Table`].
///
/// The table's features are matched to the model's by column name; categorical levels
/// by their text. Classes are in the order of [`Classifier::classes`], which equals
/// the training table's `schema().target.classes`.
pub trait Classifier: Send + Sync {
    /// A short name for reports, e.g. `id3-weighted` or `tan`.
    fn name(&self) -> String;

    /// The class names, in churn order.
    fn classes(&self) -> &[String];

    /// Class probabilities for `rows` of `table`, written row-major into `out`
    /// (`out.len() == rows.len() * classes().len()`). Implementations encode the
    /// rows once and must not allocate per row.
    fn predict_proba_into(&self, table: &Table, rows: &[usize], out: &mut [f64]) -> Result<()>;

    /// Class probabilities for one row.
    fn predict_proba(&self, table: &Table, row: usize) -> Result<Vec<f64>> {
        let mut out = vec![0.0; self.classes().len()];
        self.predict_proba_into(table, &[row], &mut out)?;
        Ok(out)
    }

    /// Why the model predicts what it does for `row`. The default explains nothing.
    fn explain(&self, table: &Table, row: usize) -> Result<Explanation> {
        let _ = (table, row);
        Ok(Explanation::default())
    }

    /// For each of `rows`, the `n` most churn-ward reasons of [`Classifier::explain`]:
    /// its reasons stably sorted by weight, descending (ties keep the explanation's
    /// order), then cut to `n` — exactly [`top_reasons`] of `explain`, without the
    /// summaries. The default words the reasons of the
    /// [`raw_explainer`](Self::raw_explainer) when there is one (the rows encoded once,
    /// only the kept reasons rendered), else explains row by row.
    fn explain_top(&self, table: &Table, rows: &[usize], n: usize) -> Result<Vec<Vec<Reason>>> {
        match self.raw_explainer() {
            Some(x) => Ok(rows
                .iter()
                .zip(x.explain_top_raw(table, rows, n)?)
                .map(|(&r, raw)| raw.iter().map(|m| x.word_reason(table, r, m)).collect())
                .collect()),
            None => rows
                .iter()
                .map(|&r| Ok(top_reasons(self.explain(table, r)?.reasons, n)))
                .collect(),
        }
    }

    /// The classifier's reasons before they are worded, when it can give them (batch
    /// scoring ranks, merges and picks drivers on them, and words only the reasons it
    /// outputs). The default is None: callers use
    /// [`explain_top`](Self::explain_top).
    fn raw_explainer(&self) -> Option<&dyn RawExplainer> {
        None
    }
}

/// The `n` most churn-ward reasons: sorted by weight, descending (a stable sort, so
/// ties keep the given order), then cut to `n`.
pub fn top_reasons(mut reasons: Vec<Reason>, n: usize) -> Vec<Reason> {
    reasons.sort_by(|a, b| b.weight.total_cmp(&a.weight));
    reasons.truncate(n);
    reasons
}

/// Validated parameters of a learning algorithm: fits a [`Classifier`] from the
/// training rows of a table. The learner fits its own preprocessing (the discretizer)
/// on those rows only, so evaluation never leaks test rows into training.
///
/// Every [`EncodedLearner`] is a `Learner` (its fit is [`fit_two_phase`]); implement
/// `Learner` directly only for a learner that does its own preprocessing.
pub trait Learner: Send + Sync {
    /// A short name for reports.
    fn name(&self) -> String;

    /// Fits on `rows` of `table`.
    fn fit(&self, table: &Table, rows: &[usize]) -> Result<Box<dyn Classifier>>;
}

/// The training rows' codes: the discretizer fitted on the training rows (phase 1)
/// and those rows encoded by it.
#[derive(Debug, Clone)]
pub struct Encoding {
    /// The discretizer fitted on the training rows; the fitted classifier keeps it.
    pub discretizer: Discretizer,
    /// The training rows, encoded by [`discretizer`](Self::discretizer) (row `i` is
    /// the `i`-th training row).
    pub encoded: Encoded,
}

/// What phase 2 of a fit ([`EncodedLearner::fit_codes`]) works on.
#[derive(Debug)]
pub struct FitInput<'a> {
    /// The name the fitted classifier reports (the learner's
    /// [`name`](EncodedLearner::name), or the name a caller such as the
    /// [registry](crate::registry) gives it); classifiers without a name field
    /// ignore it.
    pub name: String,
    /// The table the training rows are in.
    pub table: &'a Table,
    /// The training rows of `table`.
    pub rows: &'a [usize],
    /// The rows' codes: `Some` exactly when the learner's
    /// [`binning`](EncodedLearner::binning) is `Some`.
    pub encoding: Option<Encoding>,
}

impl FitInput<'_> {
    /// The rows' codes, for learners that asked for a binning.
    ///
    /// # Errors
    /// [`Error::Fit`] when there are none (the learner's
    /// [`binning`](EncodedLearner::binning) was `None`).
    pub fn take_encoding(&mut self) -> Result<Encoding> {
        self.encoding.take().ok_or_else(|| {
            Error::Fit(format!(
                "{}: phase 2 needs the encoded rows, but no binning was asked for",
                self.name
            ))
        })
    }
}

/// A learning algorithm in two phases: phase 1 is the binning it wants (the
/// [`Discretizer`] is fitted with it on the training rows only), phase 2 fits its
/// classifier on the training rows' codes. [`fit_two_phase`] runs both and times
/// them; through it every `EncodedLearner` is a [`Learner`].
///
/// A new learner implements this trait in its own module; the
/// [registry](crate::registry) gives it a name on the command line.
pub trait EncodedLearner: Send + Sync {
    /// The fitted classifier.
    type Fitted: Classifier + 'static;

    /// A short name for reports (the [`Learner::name`]).
    fn name(&self) -> String;

    /// Checks the parameters before anything is fitted. The default accepts.
    fn check(&self) -> Result<()> {
        Ok(())
    }

    /// Phase 1: how numeric features are binned, or `None` for a learner that needs
    /// no codes (e.g. the majority-class baseline).
    fn binning(&self) -> Option<&Binning>;

    /// Phase 2: fits on the training rows; `input.encoding` holds their codes when
    /// [`binning`](Self::binning) is `Some`. The fitted classifier reports
    /// `input.name`.
    fn fit_codes(&self, input: FitInput<'_>) -> Result<Self::Fitted>;

    /// Fits on `rows` of `table` with both phases timed: [`fit_two_phase`] under the
    /// learner's own name.
    fn fit_timed(&self, table: &Table, rows: &[usize]) -> Result<Timed<Self::Fitted>> {
        fit_two_phase(self, self.name(), table, rows)
    }
}

/// A fitted classifier with where the time went.
#[derive(Debug, Clone)]
pub struct Timed<F> {
    /// The fitted classifier.
    pub fitted: F,
    /// Seconds spent fitting the discretizer on the training rows and encoding them
    /// (phase 1; 0 for a learner without a binning).
    pub encode_seconds: f64,
    /// Seconds spent learning (phase 2).
    pub fit_seconds: f64,
}

/// The one fit of every [`EncodedLearner`]: checks its parameters, fits the
/// discretizer of its [`binning`](EncodedLearner::binning) on `rows` of `table` and
/// encodes those rows (timed as `encode_seconds`), then fits on the codes (timed as
/// `fit_seconds`). The fitted classifier reports `name`.
///
/// # Errors
/// The learner's parameter errors, [`Error::Fit`] when `rows` is empty, and whatever
/// binning or fitting reports.
pub fn fit_two_phase<L: EncodedLearner + ?Sized>(
    learner: &L,
    name: String,
    table: &Table,
    rows: &[usize],
) -> Result<Timed<L::Fitted>> {
    learner.check()?;
    if rows.is_empty() {
        return Err(Error::Fit(format!("{name}: no training rows")));
    }
    let (encoding, encode_seconds) = match learner.binning() {
        Some(binning) => {
            binning.validate()?;
            let t = Instant::now();
            let discretizer = Discretizer::fit(table, rows, binning)?;
            let (encoded, _) = discretizer.encode_rows(table, rows)?;
            let encoding = Encoding {
                discretizer,
                encoded,
            };
            (Some(encoding), t.elapsed().as_secs_f64())
        }
        None => (None, 0.0),
    };
    let t = Instant::now();
    let fitted = learner.fit_codes(FitInput {
        name,
        table,
        rows,
        encoding,
    })?;
    Ok(Timed {
        fitted,
        encode_seconds,
        fit_seconds: t.elapsed().as_secs_f64(),
    })
}

impl<L: EncodedLearner> Learner for L {
    fn name(&self) -> String {
        EncodedLearner::name(self)
    }

    fn fit(&self, table: &Table, rows: &[usize]) -> Result<Box<dyn Classifier>> {
        Ok(Box::new(self.fit_timed(table, rows)?.fitted))
    }
}

/// Checks that `out` has room for `n_rows` rows of `n_classes` probabilities.
pub fn check_out_len(out: &[f64], n_rows: usize, n_classes: usize) -> Result<()> {
    if out.len() != n_rows * n_classes {
        return Err(crate::error::Error::param(
            "out.len()",
            out.len(),
            format!("expected {n_rows} rows × {n_classes} classes"),
        ));
    }
    Ok(())
}
