//! [`Pipeline`]: from a labelled table to a [`Model`] and its honest report in one
//! call — validate (holdout or k-fold), fit the final model, calibrate and choose
//! thresholds on out-of-sample predictions, assemble the model.

use std::time::Instant;

use super::builder::{ModelBuilder, OutOfSample};
use super::leakage::{LeakageWarning, leakage_warnings};
use super::survival::{self, SurvivalValidation, clock_warnings};
use crate::data::{Holdout, MissingTokens, ReadSpec, Table, stratified_holdout};
use crate::error::{Error, Result};
use crate::eval::{CrossValidation, Report, cross_validate, predict_rows};
use crate::model::Model;
use crate::policy::calibrate::CalibrationMethod;
use crate::policy::economics::Economics;
use crate::policy::input::InputPolicy;
use crate::policy::stage::WarningSpec;
use crate::policy::tier::TierSpec;
use crate::registry::{self, AlgoOptions, Algorithm, Fitted, ModelBody, learner};
use crate::survival::{SurvivalData, SurvivalLearner};

/// How the reported figures (and the predictions calibration and thresholds are
/// chosen on) are obtained.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Validation {
    /// A stratified holdout: `fraction` of each class is held out (seeded), the
    /// learner is fitted on the rest and predicts the held-out rows.
    Holdout {
        /// Share of rows held out, in (0, 1).
        fraction: f64,
        /// Seed of the split.
        seed: u64,
    },
    /// Stratified k-fold cross-validation (seeded): every row is predicted by the
    /// model of the fold that did not see it.
    KFold {
        /// Number of folds, at least 2.
        k: usize,
        /// Seed of the fold assignment.
        seed: u64,
    },
    /// No validation: no reported figures, no calibration, no threshold choice.
    None,
}

impl Default for Validation {
    /// Stratified 5-fold cross-validation, seed 42.
    fn default() -> Self {
        Validation::KFold { k: 5, seed: 42 }
    }
}

/// Which rows the shipped model is fitted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum FinalFit {
    /// All labelled rows (the default): the reported figures estimate this model on
    /// rows it did not see (the validation models' out-of-sample predictions).
    ///
    /// A self-tuned tree tunes again on all rows, except after a hold-out on a large
    /// table: when both the training part and all rows exceed the tuner's sample
    /// ([`Grid::max_rows`](crate::tree::Grid::max_rows), 30,000 rows by default), both
    /// tunings would cross-validate on a sample of that size, so the final fit takes
    /// the hold-out fit's tuned setting instead ([`registry::refit_tuned`]; the leaf
    /// size carried over as a fraction of the rows) and saves a second tuning.
    #[default]
    AllRows,
    /// With [`Validation::Holdout`], the model fitted on the training part is shipped
    /// as is (no refit): the reported figures are that very model's on the held-out
    /// rows, which stay unseen (e.g. to compare it with another model on them). With
    /// k-fold or no validation there is no training part and all rows are used.
    TrainingPart,
}

/// Everything a [`Pipeline`] decides besides the learner.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainOptions {
    /// How the model is validated (default: stratified 5-fold, seed 42).
    pub validation: Validation,
    /// Which rows the shipped model is fitted on (default: all rows).
    pub final_fit: FinalFit,
    /// A calibration fitted on the out-of-sample predictions (default: none).
    pub calibration: Option<CalibrationMethod>,
    /// The tier policy, given or chosen on the out-of-sample predictions (default:
    /// [`TierSpec::Auto`]: three tiers on two-class data chosen on the out-of-sample
    /// predictions, a three-class model's own labels otherwise).
    pub tiers: TierSpec,
    /// The scorers' default retention economics.
    pub economics: Economics,
    /// The scorers' default input policy.
    pub input_policy: InputPolicy,
    /// The cell texts the table was read with as missing (stored in the model).
    pub missing_tokens: MissingTokens,
    /// The churn-warning settings stored in the model (playbook, lifecycle stages).
    pub warning: WarningSpec,
    /// How the table was read from CSV, stored in the model so files to evaluate or
    /// score are read the same way ([`Model::read_options`](crate::model::Model::read_options)).
    pub read_spec: Option<ReadSpec>,
    /// Extra metrics for the model's summary (non-finite values are left out).
    pub extra_metrics: Vec<(String, f64)>,
    /// The duration column of a time-to-churn model fitted beside the classifier
    /// (default: none). The column is the clock, not a feature of either model: the
    /// classifier is fitted without it, and the self-tuned [`SurvivalLearner`] (the
    /// churn label is the event) on the same rows, stored in the model
    /// ([`Model::survival`](crate::model::Model::survival)).
    pub duration: Option<String>,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            validation: Validation::default(),
            final_fit: FinalFit::default(),
            calibration: None,
            tiers: TierSpec::Auto,
            economics: Economics::default(),
            input_policy: InputPolicy::default(),
            missing_tokens: MissingTokens::default(),
            warning: WarningSpec::default(),
            read_spec: None,
            extra_metrics: Vec::new(),
            duration: None,
        }
    }
}

/// What validation reported: every figure comes from predictions of rows the
/// predicting model did not see, before calibration.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ValidationReport {
    /// A holdout.
    Holdout {
        /// The share of rows held out.
        fraction: f64,
        /// The seed of the split.
        seed: u64,
        /// The rows of both parts.
        split: Holdout,
        /// The report on the held-out rows, by the model fitted on the training part.
        report: Box<Report>,
    },
    /// K-fold cross-validation (per-fold reports, mean ± sd, pooled out-of-fold
    /// report).
    KFold(Box<CrossValidation>),
    /// No validation.
    None,
}

impl ValidationReport {
    /// The report over all out-of-sample predictions: the holdout's report, or the
    /// pooled out-of-fold report of a cross-validation; None without validation.
    pub fn report(&self) -> Option<&Report> {
        match self {
            ValidationReport::Holdout { report, .. } => Some(report),
            ValidationReport::KFold(cv) => Some(&cv.pooled),
            ValidationReport::None => None,
        }
    }

    /// Number of rows predicted out of sample.
    pub fn out_of_sample_rows(&self) -> usize {
        self.report().map_or(0, |r| r.n_rows)
    }

    /// The JSON the `churnkit train --json` command prints for it: `method`
    /// (`holdout`, `cross-validation` or `none`); for a holdout `test_fraction`,
    /// `test_rows` and the `report`; for cross-validation `folds`, the per-metric
    /// `summary` (mean ± sd) and the `pooled` out-of-fold report.
    pub fn to_json_value(&self) -> Result<serde_json::Value> {
        let value = |v: serde_json::Result<serde_json::Value>| {
            v.map_err(|e| Error::Fit(format!("validation report as JSON: {e}")))
        };
        Ok(match self {
            ValidationReport::Holdout {
                fraction,
                split,
                report,
                ..
            } => serde_json::json!({
                "method": "holdout",
                "test_fraction": fraction,
                "test_rows": split.test.len(),
                "report": value(serde_json::to_value(report))?,
            }),
            ValidationReport::KFold(cv) => serde_json::json!({
                "method": "cross-validation",
                "folds": cv.k,
                "summary": value(serde_json::to_value(&cv.summary))?,
                "pooled": value(serde_json::to_value(&cv.pooled))?,
            }),
            ValidationReport::None => serde_json::json!({ "method": "none" }),
        })
    }
}

impl std::fmt::Display for ValidationReport {
    /// The text the `churnkit train` command prints for it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ValidationReport::Holdout {
                fraction,
                seed,
                split,
                report,
            } => write!(
                f,
                "holdout   {:.0} % of the rows held out ({} rows, stratified, seed {seed})\n\n{report}\n",
                fraction * 100.0,
                split.test.len()
            ),
            ValidationReport::KFold(cv) => write!(f, "\n{cv}\n"),
            ValidationReport::None => writeln!(f, "no validation"),
        }
    }
}

/// A stage of [`Pipeline::fit_with_progress`], announced when it starts (e.g. to show
/// a spinner per stage).
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Stage {
    /// Validating: fitting the validation model(s) and predicting out of sample.
    Validating(Validation),
    /// Fitting the final model on these many rows (not announced when a holdout's
    /// training-part model is shipped as is, [`FinalFit::TrainingPart`]).
    FittingFinal {
        /// The number of rows the final model is fitted on.
        rows: usize,
    },
    /// Fitting the calibration, choosing thresholds, assembling the model.
    Assembling,
}

/// The result of [`Pipeline::fit`]: the model to ship and how good it is.
#[derive(Debug)]
pub struct Trained {
    /// The assembled model: fitted on [`train_rows`](Self::train_rows), calibration
    /// and thresholds chosen on the out-of-sample predictions, their metrics (after
    /// calibration) in its summary.
    pub model: Model,
    /// The validation's report (out-of-sample, before calibration).
    pub validation: ValidationReport,
    /// The rows the shipped model was fitted on.
    pub train_rows: Vec<usize>,
    /// Seconds spent fitting the final model's discretizer and encoding its rows.
    pub encode_seconds: f64,
    /// Seconds spent fitting the final model on the encoded rows.
    pub fit_seconds: f64,
    /// Seconds spent validating (fitting and predicting the validation models).
    pub validate_seconds: f64,
    /// Leakage and identifier warnings about the table's feature columns (over all
    /// its rows, [`leakage_warnings`]; with a duration column also the columns that
    /// encode the clock, [`clock_leakage`](crate::survival::clock_leakage)): print
    /// them.
    pub warnings: Vec<LeakageWarning>,
    /// How the time-to-churn model did on held-out rows against Kaplan–Meier (with a
    /// duration column and validation; None otherwise).
    pub survival: Option<SurvivalValidation>,
}

/// The library training pipeline: an algorithm with its options, and the
/// [`TrainOptions`]. [`fit`](Self::fit) validates, fits the final model, calibrates
/// and chooses thresholds on out-of-sample predictions, and assembles the [`Model`].
///
/// ```
/// use churnkit::data::{CsvOptions, read_csv};
/// use churnkit::registry::{AlgoOptions, Algorithm};
/// use churnkit::train::{Pipeline, Validation};
///
/// # fn main() -> churnkit::Result<()> {
/// # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/synthetic-churn.csv");
/// let table = read_csv(path, &CsvOptions::new("status").id_column("customer_id"))?;
/// let trained = Pipeline::new(Algorithm::Id3Weighted, AlgoOptions::default())
///     .validation(Validation::KFold { k: 5, seed: 42 })
///     .fit(&table)?;
/// // The shipped model saw every row; the figures are out-of-fold.
/// assert_eq!(trained.model.summary().rows as usize, table.n_rows());
/// let report = trained.validation.report().unwrap();
/// assert_eq!(report.n_rows, table.n_rows());
/// println!("{}", trained.validation);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Pipeline {
    pub(super) algo: Algorithm,
    pub(super) algo_options: AlgoOptions,
    pub(super) options: TrainOptions,
}

/// What [`Pipeline::validate_on`] gives: the report, the out-of-sample predictions and
/// a holdout's training-part model.
pub(super) struct Validated {
    pub(super) report: ValidationReport,
    pub(super) held: Option<OutOfSample>,
    pub(super) holdout_fit: Option<Fitted>,
}

impl Pipeline {
    /// A pipeline fitting `algo` with `algo_options` over its defaults, with the
    /// default [`TrainOptions`].
    pub fn new(algo: Algorithm, algo_options: AlgoOptions) -> Self {
        Pipeline {
            algo,
            algo_options,
            options: TrainOptions::default(),
        }
    }

    /// Replaces every training option.
    pub fn options(mut self, options: TrainOptions) -> Self {
        self.options = options;
        self
    }

    /// The training options in force.
    pub fn train_options(&self) -> &TrainOptions {
        &self.options
    }

    /// How the model is validated.
    pub fn validation(mut self, validation: Validation) -> Self {
        self.options.validation = validation;
        self
    }

    /// Which rows the shipped model is fitted on.
    pub fn final_fit(mut self, final_fit: FinalFit) -> Self {
        self.options.final_fit = final_fit;
        self
    }

    /// Fits a calibration on the out-of-sample predictions.
    pub fn calibrate(mut self, method: CalibrationMethod) -> Self {
        self.options.calibration = Some(method);
        self
    }

    /// How tiers are decided.
    pub fn tiers(mut self, spec: TierSpec) -> Self {
        self.options.tiers = spec;
        self
    }

    /// The scorers' default retention economics.
    pub fn economics(mut self, economics: Economics) -> Self {
        self.options.economics = economics;
        self
    }

    /// The scorers' default input policy.
    pub fn input_policy(mut self, policy: InputPolicy) -> Self {
        self.options.input_policy = policy;
        self
    }

    /// The cell texts the table was read with as missing.
    pub fn missing_tokens(mut self, missing: MissingTokens) -> Self {
        self.options.missing_tokens = missing;
        self
    }

    /// The churn-warning settings stored in the model.
    pub fn warning(mut self, warning: WarningSpec) -> Self {
        self.options.warning = warning;
        self
    }

    /// How the table was read ([`ReadSpec::new`] of the reader's options and report),
    /// stored in the model.
    pub fn read_spec(mut self, spec: ReadSpec) -> Self {
        self.options.read_spec = Some(spec);
        self
    }

    /// Fits a time-to-churn model beside the classifier with `column` as the clock
    /// (see [`TrainOptions::duration`]): the column is dropped from the classifier's
    /// features.
    pub fn duration(mut self, column: impl Into<String>) -> Self {
        self.options.duration = Some(column.into());
        self
    }

    /// An extra metric for the model's summary.
    pub fn metric(mut self, name: impl Into<String>, value: f64) -> Self {
        self.options.extra_metrics.push((name.into(), value));
        self
    }

    /// Checks the options without data: the algorithm's flags, the validation's
    /// fraction or fold count, the economics, and that calibration or threshold
    /// choice have out-of-sample predictions to work on.
    pub fn check(&self) -> Result<()> {
        self.algo_options.check(self.algo)?;
        let o = &self.options;
        match o.validation {
            Validation::Holdout { fraction, .. } if !(fraction > 0.0 && fraction < 1.0) => {
                return Err(Error::param("test_fraction", fraction, "must be in (0, 1)"));
            }
            Validation::KFold { k, .. } if k < 2 => {
                return Err(Error::param("folds", k, "need at least 2 folds"));
            }
            Validation::None if o.calibration.is_some() || o.tiers.needs_out_of_sample() => {
                return Err(Error::param(
                    "validation",
                    "none",
                    "calibration and threshold choice need out-of-sample predictions",
                ));
            }
            _ => {}
        }
        o.tiers.check()?;
        o.warning.validate()?;
        o.economics.validate()
    }

    /// Trains on every row of a labelled `table`: validates (out-of-sample
    /// predictions and their report), fits the final model (on all rows by default),
    /// fits the calibration and chooses thresholds on the out-of-sample predictions,
    /// and assembles the model. Same table, options and seeds → the same model bytes.
    ///
    /// # Errors
    /// [`Error::Param`] for bad options (checked before any fitting, see
    /// [`check`](Self::check), and a given tier policy against the table's classes);
    /// [`Error::Schema`] for an unlabelled table; [`Error::Fit`] for a failed fit;
    /// split errors ([`Error::Param`]) for too few rows.
    pub fn fit(&self, table: &Table) -> Result<Trained> {
        self.fit_with_progress(table, &mut |_| {})
    }

    /// [`fit`](Self::fit), announcing each [`Stage`] to `progress` as it starts.
    pub fn fit_with_progress(
        &self,
        table: &Table,
        progress: &mut dyn FnMut(Stage),
    ) -> Result<Trained> {
        self.check()?;
        if !table.is_labeled() {
            return Err(Error::schema(
                "training needs a labeled table (this one has no target values)",
            ));
        }
        let o = &self.options;
        if let TierSpec::Given(policy) = &o.tiers {
            policy.validate(table.schema().target.n_classes())?;
        }
        let full = table;
        let all = table.all_rows();
        // The duration is the clock of the survival model, not a feature of either
        // model: checked (numeric, no missing or negative value) and set aside.
        let without;
        let (table, warnings) = match &o.duration {
            Some(d) => {
                SurvivalData::from_table(full, d, &all)?;
                without = full.without_feature(d)?;
                let mut w = leakage_warnings(&without, &all);
                w.extend(clock_warnings(full, d, &all)?);
                // In column order, a column's clock warning after its others.
                w.sort_by_key(|x| without.schema().feature_index(&x.column));
                (&without, w)
            }
            None => (full, leakage_warnings(full, &all)),
        };
        let survival_learner = o.duration.as_ref().map(|d| SurvivalLearner::new(d.clone()));
        let t = Instant::now();
        let Validated {
            report: validation,
            held,
            holdout_fit,
        } = self.validate_on(table, &all, progress)?;
        let survival = match &survival_learner {
            Some(l) => survival::validate(l, full, o.validation)?,
            None => None,
        };
        let validate_seconds = t.elapsed().as_secs_f64();
        let (fitted, train_rows): (Fitted, Vec<usize>) = match (holdout_fit, &validation) {
            (Some(f), ValidationReport::Holdout { split, .. })
                if o.final_fit == FinalFit::TrainingPart =>
            {
                (f, split.train.clone())
            }
            (holdout_fit, _) => {
                progress(Stage::FittingFinal { rows: all.len() });
                let fitted = self.fit_final(table, &all, holdout_fit.as_ref())?;
                (fitted, all)
            }
        };
        progress(Stage::Assembling);
        let Fitted {
            body,
            encode_seconds,
            fit_seconds,
        } = fitted;
        // With a survival model the stages may read its clock: set after it.
        let builder = ModelBuilder::new(body, table, &train_rows);
        let builder = self.configure(builder, held, &validation, survival_learner.is_none());
        let mut model = builder.build()?;
        if let Some(l) = &survival_learner {
            model = model
                .with_survival(l.fit(full, &train_rows)?)?
                .with_warning(o.warning.clone())?;
        }
        Ok(Trained {
            model,
            validation,
            train_rows,
            encode_seconds,
            fit_seconds,
            validate_seconds,
            warnings,
            survival,
        })
    }
    /// Fits the learner on `all` rows of `table` after a validation whose hold-out fit
    /// (if any) is `holdout_fit`: a large table's tuned setting carries over from it
    /// ([`registry::refit_tuned`]: both tunings would run on a sample of the tuner's
    /// size), otherwise [`registry::fit`] (tuning again on all rows).
    pub(super) fn fit_final(
        &self,
        table: &Table,
        all: &[usize],
        holdout_fit: Option<&Fitted>,
    ) -> Result<Fitted> {
        if let Some(h) = holdout_fit
            && let Some(f) =
                registry::refit_tuned(self.algo, &self.algo_options, &h.body, table, all)?
        {
            return Ok(f);
        }
        registry::fit(self.algo, &self.algo_options, table, all)
    }

    /// Validates the learner on every row of `table` (`all`) as
    /// [`TrainOptions::validation`] says, announcing it to `progress`.
    pub(super) fn validate_on(
        &self,
        table: &Table,
        all: &[usize],
        progress: &mut dyn FnMut(Stage),
    ) -> Result<Validated> {
        let fit = |rows: &[usize]| registry::fit(self.algo, &self.algo_options, table, rows);
        if self.options.validation != Validation::None {
            progress(Stage::Validating(self.options.validation));
        }
        let (report, held, holdout_fit) = match self.options.validation {
            Validation::Holdout { fraction, seed } => {
                let split = stratified_holdout(table.labels(), fraction, seed)?;
                let fitted = fit(&split.train)?;
                let proba = predict_rows(fitted.classifier(), table, &split.test)?;
                let held = OutOfSample::of_rows(table, &split.test, proba);
                let report = Report::from_proba(
                    &table.schema().target.classes,
                    &held.labels,
                    held.weights.as_deref(),
                    &held.proba,
                )?;
                let v = ValidationReport::Holdout {
                    fraction,
                    seed,
                    split,
                    report: Box::new(report),
                };
                (v, Some(held), Some(fitted))
            }
            Validation::KFold { k, seed } => {
                let l = learner(self.algo, &self.algo_options)?;
                let cv = cross_validate(l.as_ref(), table, k, seed)?;
                let held = OutOfSample::of_rows(table, all, cv.oof_proba.clone());
                (ValidationReport::KFold(Box::new(cv)), Some(held), None)
            }
            Validation::None => (ValidationReport::None, None, None),
        };
        Ok(Validated {
            report,
            held,
            holdout_fit,
        })
    }
    /// The learner's parameters as stored in the summary: the options' JSON, with a
    /// self-tuned body's `tuning` record and the duration column, if any.
    pub(super) fn params_json(&self, body: &ModelBody) -> serde_json::Value {
        let o = &self.options;
        let mut params = self.algo_options.to_json(self.algo);
        if let (Some(t), serde_json::Value::Object(map)) = (body.tuning_json(), &mut params) {
            map.insert("tuning".into(), t);
        }
        if let (Some(d), serde_json::Value::Object(map)) = (&o.duration, &mut params) {
            map.insert("duration".into(), d.clone().into());
        }
        params
    }

    /// `builder` with the parameters of its body and every training option: tiers,
    /// input policy, economics, missing tokens, the warning settings (when `warning`;
    /// a survival model sets them after it), the read spec, the calibration, the
    /// out-of-sample predictions `held` and the extra metrics.
    pub(super) fn configure<'a>(
        &self,
        builder: ModelBuilder<'a>,
        held: Option<OutOfSample>,
        validation: &ValidationReport,
        warning: bool,
    ) -> ModelBuilder<'a> {
        let o = &self.options;
        let params = self.params_json(builder.body());
        let mut builder = builder
            .params(params)
            .tiers(o.tiers.clone())
            .input_policy(o.input_policy)
            .economics(o.economics.clone())
            .missing_tokens(o.missing_tokens.clone());
        if warning {
            builder = builder.warning(o.warning.clone());
        }
        if let Some(spec) = &o.read_spec {
            builder = builder.read_spec(spec.clone());
        }
        if let Some(method) = o.calibration {
            builder = builder.calibrate(method);
        }
        if let Some(held) = held {
            builder = builder.out_of_sample(held);
            if let ValidationReport::Holdout { report, .. } = validation {
                // The held-out rows' report (of these very predictions), computed once.
                builder = builder.out_of_sample_report((**report).clone());
            }
        }
        for (name, v) in &o.extra_metrics {
            builder = builder.metric(name.clone(), *v);
        }
        builder
    }
}
