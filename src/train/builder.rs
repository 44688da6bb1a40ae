//! [`ModelBuilder`]: a [`Model`] from a fitted body, its training rows and, when
//! asked, out-of-sample predictions on which calibration is fitted, thresholds are
//! chosen and the summary's metrics are computed.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::data::{Column, FeatureKind, MissingTokens, ReadSpec, Schema, Table};
use crate::error::{Error, Result};
use crate::eval::{Metric, Report};
use crate::model::{JsonValue, Model, ModelBody, ModelParts, TrainingSummary, fingerprint};
use crate::policy::calibrate::{Calibration, CalibrationMethod, CalibrationTable};
use crate::policy::economics::Economics;
use crate::policy::input::InputPolicy;
use crate::policy::stage::WarningSpec;
use crate::policy::tier::{Tier, TierPolicy, TierSpec, choose_auto, choose_thresholds, choose_top};

/// Out-of-sample predictions: class probabilities of rows the predicting model did
/// not see (a holdout's test rows, or every row's out-of-fold prediction), with the
/// rows' labels and sample weights. Calibration is fitted, thresholds are chosen and
/// the summary's metrics are computed on them.
#[derive(Debug, Clone, PartialEq)]
pub struct OutOfSample {
    /// Row-major probabilities (`labels.len() × K`), uncalibrated.
    pub proba: Vec<f64>,
    /// The class index of each row.
    pub labels: Vec<u8>,
    /// The sample weight of each row, when the table has weights.
    pub weights: Option<Vec<f64>>,
}

impl OutOfSample {
    /// The predictions `proba` (row-major, one row per entry of `rows`) of `rows` of a
    /// labelled table, with those rows' labels and weights.
    pub fn of_rows(table: &Table, rows: &[usize], proba: Vec<f64>) -> OutOfSample {
        OutOfSample {
            proba,
            labels: rows.iter().map(|&r| table.labels()[r]).collect(),
            weights: table
                .weights()
                .map(|w| rows.iter().map(|&r| w[r]).collect()),
        }
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.labels.len()
    }

    fn check(&self, k: usize) -> Result<()> {
        let n = self.labels.len();
        if self.proba.len() != n * k {
            return Err(Error::param(
                "out-of-sample probabilities",
                self.proba.len(),
                format!("expected {n} rows × {k} classes"),
            ));
        }
        if let Some(w) = &self.weights
            && w.len() != n
        {
            return Err(Error::param(
                "out-of-sample weights",
                w.len(),
                format!("expected one per row ({n})"),
            ));
        }
        if let Some(&l) = self.labels.iter().find(|&&l| l as usize >= k) {
            return Err(Error::param(
                "out-of-sample labels",
                l,
                format!("a class index below {k}"),
            ));
        }
        Ok(())
    }
}

/// What a model's summary says about its training data when the rows are not held as
/// one table (streaming training, the raw-Parquet engine path,
/// [`ModelBuilder::from_training_data`]): what
/// [`ModelBuilder::new`] otherwise computes from the training rows.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingData {
    /// The schema customers are read with: the categorical levels seen in the
    /// training rows, sorted in byte order.
    pub schema: Arc<Schema>,
    /// The number of training rows.
    pub rows: u64,
    /// The weighted count of each class over the training rows (summed in row order).
    pub class_counts: Vec<f64>,
    /// The training data's fingerprint ([`Fingerprinter`](crate::model::Fingerprinter)
    /// fed every training row in order).
    pub fingerprint: String,
}

impl TrainingData {
    /// What [`ModelBuilder::new`] records of `rows` of `table`: the levels those rows
    /// use, their number, weighted class counts and fingerprint.
    pub fn of_rows(table: &Table, rows: &[usize]) -> TrainingData {
        TrainingData {
            schema: Arc::new(training_schema(table, rows)),
            rows: rows.len() as u64,
            class_counts: table.class_counts(rows),
            fingerprint: fingerprint(table, rows),
        }
    }
}

/// Where a builder's training data comes from.
#[derive(Debug)]
enum Train<'a> {
    /// Rows of a table.
    Rows(&'a Table, &'a [usize]),
    /// Described by the caller.
    Given(TrainingData),
}

/// Where a builder's out-of-sample predictions come from.
#[derive(Debug)]
enum Held<'a> {
    /// None: no calibration, no threshold choice, no metrics.
    None,
    /// Rows of a table, predicted by the body being built.
    Rows(&'a Table, &'a [usize]),
    /// Predictions made elsewhere (e.g. out-of-fold).
    Given(OutOfSample),
}

/// Builds a [`Model`] from a fitted body and its training rows; validation rows (or
/// out-of-sample predictions given) give metrics, calibration and chosen thresholds.
///
/// The [`Pipeline`](super::Pipeline) uses it after validating and fitting; use it
/// directly to wrap a body fitted elsewhere.
#[derive(Debug)]
pub struct ModelBuilder<'a> {
    body: ModelBody,
    train: Train<'a>,
    held: Held<'a>,
    params: serde_json::Value,
    calibration: Option<CalibrationMethod>,
    tiers: TierSpec,
    input_policy: InputPolicy,
    economics: Economics,
    missing_tokens: MissingTokens,
    warning: WarningSpec,
    read_spec: Option<ReadSpec>,
    extra_metrics: Vec<(String, f64)>,
    /// The report of the out-of-sample predictions, when the pipeline computed it.
    held_report: Option<Report>,
}

/// The schema restricted to the levels seen in `rows` (sorted order kept).
fn training_schema(table: &Table, rows: &[usize]) -> Schema {
    let mut schema: Schema = (**table.schema()).clone();
    // Columns are independent: each one's levels are checked on its own thread.
    use rayon::prelude::*;
    schema
        .features
        .par_iter_mut()
        .enumerate()
        .for_each(|(j, f)| {
            if let (FeatureKind::Categorical { levels }, Column::Categorical(codes)) =
                (&mut f.kind, table.column(j))
            {
                let mut seen = vec![false; levels.len()];
                for &r in rows {
                    if let Some(s) = seen.get_mut(codes[r] as usize) {
                        *s = true;
                    }
                }
                let kept = levels
                    .iter()
                    .zip(&seen)
                    .filter(|(_, s)| **s)
                    .map(|(l, _)| l.clone())
                    .collect();
                *levels = kept;
            }
        });
    schema
}

/// Validation metrics of row-major probabilities `p`: every [`Metric`] of an
/// [`eval::Report`](crate::eval::Report) that is defined, by its name (see
/// [`TrainingSummary::metrics`]).
fn validation_metrics(
    classes: &[String],
    p: &[f64],
    labels: &[u8],
    weights: Option<&[f64]>,
) -> Result<BTreeMap<String, f64>> {
    Ok(report_metrics(&Report::from_proba(
        classes, labels, weights, p,
    )?))
}

/// Every [`Metric`] of `report` that is defined and finite, by its name.
fn report_metrics(report: &Report) -> BTreeMap<String, f64> {
    Metric::ALL
        .iter()
        .filter_map(|m| m.of(report).map(|v| (m.name().to_string(), v)))
        .filter(|(_, v)| v.is_finite())
        .collect()
}

/// The share of out-of-sample rows and their (weighted) churn rate per tier under
/// `policy`, as summary metrics `tier_share_<tier>` and `tier_churn_rate_<tier>`
/// (a tier nobody is put in has a share of 0 and no churn rate).
fn tier_metrics(
    policy: &TierPolicy,
    classes: &[String],
    churn: usize,
    p: &[f64],
    is_churn: &[bool],
    weights: Option<&[f64]>,
    metrics: &mut BTreeMap<String, f64>,
) {
    let k = classes.len();
    let mut n = [0.0f64; 3];
    let mut churned = [0.0f64; 3];
    for (i, row) in p.chunks_exact(k).enumerate() {
        let w = weights.map_or(1.0, |w| w[i]);
        let t = policy.tier(classes, row, row[churn]) as usize;
        n[t] += w;
        if is_churn[i] {
            churned[t] += w;
        }
    }
    let total: f64 = n.iter().sum();
    for t in [Tier::Retained, Tier::AtRisk, Tier::Churned] {
        let i = t as usize;
        if total > 0.0 {
            metrics.insert(format!("tier_share_{t}"), n[i] / total);
        }
        if n[i] > 0.0 {
            metrics.insert(format!("tier_churn_rate_{t}"), churned[i] / n[i]);
        }
    }
}

impl<'a> ModelBuilder<'a> {
    /// Starts building a model from a fitted `body` trained on `train_rows` of `train`.
    pub fn new(
        body: impl Into<ModelBody>,
        train: &'a Table,
        train_rows: &'a [usize],
    ) -> ModelBuilder<'a> {
        Self::start(body.into(), Train::Rows(train, train_rows))
    }

    /// Starts building a model from a fitted `body` whose training rows are described
    /// by `data` instead of given as rows of a table (e.g. a file streamed in chunks).
    pub fn from_training_data(body: impl Into<ModelBody>, data: TrainingData) -> ModelBuilder<'a> {
        Self::start(body.into(), Train::Given(data))
    }

    fn start(body: ModelBody, train: Train<'a>) -> ModelBuilder<'a> {
        ModelBuilder {
            body,
            train,
            held: Held::None,
            params: serde_json::Value::Null,
            calibration: None,
            tiers: TierSpec::Given(TierPolicy::MostProbable),
            input_policy: InputPolicy::default(),
            economics: Economics::default(),
            missing_tokens: MissingTokens::default(),
            warning: WarningSpec::default(),
            read_spec: None,
            extra_metrics: Vec::new(),
            held_report: None,
        }
    }

    /// The fitted body being built into a model.
    pub fn body(&self) -> &ModelBody {
        &self.body
    }

    /// Validation rows, predicted by the body being built: used for metrics,
    /// calibration and threshold choice. They must not overlap the training rows (not
    /// checked when they come from another table). Replaces
    /// [`out_of_sample`](Self::out_of_sample).
    pub fn validation(mut self, table: &'a Table, rows: &'a [usize]) -> Self {
        self.held = Held::Rows(table, rows);
        self
    }

    /// Out-of-sample predictions made elsewhere (e.g. out-of-fold predictions of a
    /// cross-validation, or a holdout model's predictions when the body was refitted
    /// on all rows): used for metrics, calibration and threshold choice instead of
    /// predicting validation rows with the body. Replaces
    /// [`validation`](Self::validation).
    pub fn out_of_sample(mut self, predictions: OutOfSample) -> Self {
        self.held = Held::Given(predictions);
        self
    }

    /// The learner's parameters, stored in the summary.
    pub fn params(mut self, params: serde_json::Value) -> Self {
        self.params = params;
        self
    }

    /// Fits a calibration on the validation rows.
    pub fn calibrate(mut self, method: CalibrationMethod) -> Self {
        self.calibration = Some(method);
        self
    }

    /// How tiers are decided (default: most probable class).
    pub fn tiers(mut self, spec: TierSpec) -> Self {
        self.tiers = spec;
        self
    }

    /// The scorers' default input policy.
    pub fn input_policy(mut self, policy: InputPolicy) -> Self {
        self.input_policy = policy;
        self
    }

    /// The scorers' default retention economics.
    pub fn economics(mut self, economics: Economics) -> Self {
        self.economics = economics;
        self
    }

    /// The cell texts the training data was read with as missing, e.g. the reader's
    /// [`CsvOptions::missing`](crate::data::CsvOptions::missing) (default: the data
    /// layer's defaults, [`MissingTokens::default`]). Stored in the model; scorers
    /// read raw input with them.
    pub fn missing_tokens(mut self, missing: MissingTokens) -> Self {
        self.missing_tokens = missing;
        self
    }

    /// The churn-warning settings stored in the model: playbook and lifecycle
    /// stages (default: none, i.e. the built-in playbook and no stages).
    pub fn warning(mut self, warning: WarningSpec) -> Self {
        self.warning = warning;
        self
    }

    /// How the training table was read from CSV ([`ReadSpec::new`]), stored in the
    /// model (default: none).
    pub fn read_spec(mut self, spec: ReadSpec) -> Self {
        self.read_spec = Some(spec);
        self
    }

    /// The [`Report`] of exactly the out-of-sample predictions given to
    /// [`out_of_sample`](Self::out_of_sample) (`Report::from_proba` of their
    /// probabilities, labels and weights), already computed by the pipeline: the
    /// summary's metrics are read from it instead of computing it again. Unused when
    /// calibration is asked (the metrics are then the calibrated probabilities').
    pub(super) fn out_of_sample_report(mut self, report: Report) -> Self {
        self.held_report = Some(report);
        self
    }

    /// An extra validation metric for the summary (non-finite values are left out).
    pub fn metric(mut self, name: impl Into<String>, value: f64) -> Self {
        self.extra_metrics.push((name.into(), value));
        self
    }

    /// Builds the model: computes the summary, fits calibration and chooses thresholds
    /// on the validation rows when asked (an error if there are none).
    pub fn build(self) -> Result<Model> {
        let classifier = self.body.classifier();
        let TrainingData {
            schema,
            rows,
            class_counts,
            fingerprint,
        } = match self.train {
            Train::Rows(train, rows) => TrainingData::of_rows(train, rows),
            Train::Given(d) => d,
        };
        if class_counts.len() != schema.target.classes.len() {
            return Err(Error::param(
                "class_counts",
                class_counts.len(),
                format!("expected one per class ({})", schema.target.classes.len()),
            ));
        }
        let classes = schema.target.classes.clone();
        let k = classes.len();
        if classifier.classes() != classes.as_slice() {
            return Err(Error::Fit(format!(
                "the classifier's classes {:?} differ from the table's {:?}",
                classifier.classes(),
                classes
            )));
        }
        self.economics.validate()?;
        let churn = schema.target.churn_class();
        let mut summary = TrainingSummary {
            learner: classifier.name(),
            params: JsonValue(self.params),
            rows,
            classes: classes.clone(),
            class_counts,
            validation_rows: 0,
            metrics: BTreeMap::new(),
            calibration: None,
            thresholds: None,
            crate_version: env!("CARGO_PKG_VERSION").to_string(),
            fingerprint,
        };
        let mut calibration = None;
        let mut tier_policy = match &self.tiers {
            TierSpec::Given(p) => p.clone(),
            _ => TierPolicy::MostProbable,
        };
        let binary = k == 2;
        if !binary && self.tiers.needs_out_of_sample() {
            return Err(Error::param(
                "tiers",
                format!("{:?}", self.tiers),
                format!("threshold choice is for two-class models; this one has {k} classes"),
            ));
        }
        let needs_validation = self.calibration.is_some() || self.tiers.needs_out_of_sample();
        let held = match self.held {
            Held::None if needs_validation => {
                return Err(Error::Fit(
                    "calibration and threshold choice need validation rows".into(),
                ));
            }
            Held::None => None,
            Held::Rows(vt, vrows) => {
                if vt.schema().target.classes != classes {
                    return Err(Error::schema("validation table has other classes"));
                }
                let mut p = vec![0.0; vrows.len() * k];
                classifier.predict_proba_into(vt, vrows, &mut p)?;
                Some(OutOfSample::of_rows(vt, vrows, p))
            }
            Held::Given(oos) => {
                oos.check(k)?;
                Some(oos)
            }
        };
        if let Some(OutOfSample {
            proba: mut p,
            labels,
            weights,
        }) = held
        {
            let wref = weights.as_deref();
            let is_churn: Vec<bool> = labels.iter().map(|&l| l as usize == churn).collect();
            if let Some(method) = self.calibration {
                let cal = Calibration::fit(method, &p, k, &labels, wref, churn)?;
                let before: Vec<f64> = p.chunks_exact(k).map(|r| r[churn]).collect();
                p.chunks_exact_mut(k).for_each(|r| cal.apply(r));
                let after: Vec<f64> = p.chunks_exact(k).map(|r| r[churn]).collect();
                summary.calibration = Some(CalibrationTable::new(&before, &after, &is_churn, wref));
                calibration = Some(cal);
            }
            let pc: Vec<f64> = p.chunks_exact(k).map(|r| r[churn]).collect();
            let report = match self.tiers {
                TierSpec::Choose(rule) => Some(choose_thresholds(&pc, &is_churn, wref, rule)?),
                TierSpec::Top { churned, at_risk } => {
                    Some(choose_top(&pc, &is_churn, wref, churned, at_risk)?)
                }
                TierSpec::Auto if binary => Some(choose_auto(&pc, &is_churn, wref)?),
                _ => None,
            };
            if let Some(report) = report {
                tier_policy = TierPolicy::Thresholds {
                    at_risk: report.at_risk,
                    churned: report.churned,
                };
                summary.thresholds = Some(report);
            }
            summary.validation_rows = labels.len() as u64;
            summary.metrics = match self.held_report {
                Some(report) if calibration.is_none() => report_metrics(&report),
                _ => validation_metrics(&classes, &p, &labels, wref)?,
            };
            if !matches!(self.tiers, TierSpec::Given(TierPolicy::MostProbable)) {
                tier_metrics(
                    &tier_policy,
                    &classes,
                    churn,
                    &p,
                    &is_churn,
                    wref,
                    &mut summary.metrics,
                );
            }
        }
        for (name, v) in self.extra_metrics {
            if v.is_finite() {
                summary.metrics.insert(name, v);
            }
        }
        tier_policy.validate(k)?;
        Model::from_parts(ModelParts {
            schema,
            body: self.body,
            tier_policy,
            calibration,
            input_policy: self.input_policy,
            economics: self.economics,
            summary,
            missing_tokens: self.missing_tokens,
        })?
        .with_warning(self.warning)
        .map(|m| match self.read_spec {
            Some(spec) => m.with_read_spec(spec),
            None => m,
        })
    }
}
