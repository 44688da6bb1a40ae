//! Scoring customers with a [`Model`]: every class probability, the churn probability,
//! the [`Tier`], the top three risk factors and protective factors with signed weights,
//! the lifecycle stage, the dominant churn driver with its reason class and strategy
//! ([`Playbook`]), the stage's rescue-success λ, and the retention figures (lifetime value,
//! value at risk, the spend ceiling of a rescue and whether to make one).
//!
//! Customers come as rows of a [`Table`], a map of column → value, CSV records
//! (one at a time, or a whole file streamed by [`score_csv`]), or (feature `arrow`)
//! an Arrow record batch (`score_record_batch`, scores out as a record batch) or a
//! Parquet / Arrow IPC file ([`score_file`], scores out as CSV, JSON Lines, Parquet or
//! Arrow). Raw input is
//! checked under an [`InputPolicy`]; each problem either fails the
//! row with an error naming it or is scored as missing with a warning in the result.
//!
//! ```
//! use std::collections::HashMap;
//! use std::sync::Arc;
//! use churnkit::data::{Column, Feature, FeatureKind, Schema, Table, Target};
//! use churnkit::eval::ZeroR;
//! use churnkit::train::ModelBuilder;
//! use churnkit::policy::Tier;
//! use churnkit::score::Scorer;
//!
//! let schema = Arc::new(Schema {
//!     features: vec![Feature { name: "tenure".into(), kind: FeatureKind::Numeric }],
//!     target: Target::binary("Churn"),
//!     id_column: None,
//!     weight_column: None,
//! });
//! let table = Table::new(schema, vec![Column::Numeric(vec![1.0, 20.0, 3.0])],
//!                        vec![1, 0, 0], None, None)?;
//! let rows = table.all_rows();
//! let model = ModelBuilder::new(ZeroR.fit_table(&table, &rows)?, &table, &rows).build()?;
//! let customer = HashMap::from([("tenure".to_string(), "12".to_string())]);
//! let score = Scorer::new(&model).score_map(&customer)?;
//! assert_eq!(score.tier, Tier::Retained);
//! assert!((score.p_churn - 1.0 / 3.0).abs() < 1e-12);
//! # Ok::<(), churnkit::Error>(())
//! ```

#[cfg(feature = "arrow")]
mod arrow;
pub(crate) mod batch;

use std::collections::HashMap;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use std::sync::Arc;

use crate::data::{Column, Feature, FeatureKind, MissingTokens, Schema, Table};
use crate::error::{Location, Result};
use crate::learner::{RawReason, Reason};
use crate::model::Model;
use crate::policy::{
    DriverCall, Economics, InputPolicy, Playbook, Retention, Stage, StageSpec, Tier, TierPolicy,
    input,
};
use crate::survival::CustomerCurve;

#[cfg(feature = "arrow")]
pub use arrow::score_record_batch;
pub use batch::{
    BatchOptions, BatchReport, CHUNK_BYTES, ColumnSummary, OutputFormat, Progress,
    ProgressCallback, ValueIssue, format_weight, output_header, score_csv, score_csv_file,
    score_file, score_json,
};

/// The number of reasons a [`Score`] carries.
pub const N_REASONS: usize = 3;

/// Rows per parallel task when predicting a chunk.
const PAR_ROWS: usize = 512;

/// One scored customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Score {
    /// The customer's id, when the input has an id column.
    pub id: Option<String>,
    /// Every class probability, in the model's class order (calibrated when the model
    /// has a calibration).
    pub probabilities: Vec<f64>,
    /// The probability of the `churned` class.
    pub p_churn: f64,
    /// The tier the model's policy puts the customer in.
    pub tier: Tier,
    /// Up to three risk factors: reasons with a positive weight (toward churn), most
    /// churn-ward first (ties keep the classifier's order). Reasons on one feature are
    /// merged into one (weights summed, the strongest condition kept) and conditions
    /// read as people write them (see [`readable_condition`]).
    pub reasons: Vec<Reason>,
    /// Up to three protective factors: reasons with a negative weight (toward
    /// staying), most protective first, merged and worded like
    /// [`reasons`](Self::reasons).
    pub protective: Vec<Reason>,
    /// The lifecycle stage, when the scorer has stages and the tenure is known.
    pub stage: Option<Stage>,
    /// The dominant churn driver among the risk factors, its reason class and
    /// strategy ([`Playbook::call`]).
    pub driver: Option<DriverCall>,
    /// λ, the probability that a rescue succeeds for this customer: the stage's, or
    /// the economics' when there is no stage.
    pub rescue_success: f64,
    /// The retention figures, when the economics define a CLV. The spend ceiling is 0
    /// when the reason class (given, or the driver's) is not worth a rescue.
    pub retention: Option<Retention>,
    /// Everything the input policy let through (unseen categories, bad numbers,
    /// missing or extra columns).
    pub warnings: Vec<String>,
    /// When the model has a time-to-churn model and the customer's tenure is known:
    /// when they will leave, conditional on their having stayed until now.
    pub survival: Option<SurvivalScore>,
}

/// What a model's time-to-churn model ([`Model::survival`]) says of one customer,
/// conditional on their having stayed `t0` periods (their duration column):
/// `P(churn within h | stayed until t0) = 1 − S(t0 + h) / S(t0)` of their curve
/// ([`CustomerCurve`]: their leaf's Kaplan–Meier curve, under their hazard ratio
/// when the survival model has proportional-hazards leaves) for each
/// horizon asked ([`Scorer::within`]), the median remaining time and the restricted
/// mean remaining lifetime over the CLV horizon (the largest horizon asked without a
/// CLV).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurvivalScore {
    /// How long the customer has stayed so far.
    pub t0: f64,
    /// `P(churn within h | stayed until t0)` for each of [`Scorer::within_in_force`].
    pub churn_within: Vec<f64>,
    /// The median remaining time; None when it lies beyond the data's horizon.
    pub median_remaining: Option<f64>,
    /// The restricted mean remaining lifetime over the horizon.
    pub rmst: f64,
}

/// The horizons of [`SurvivalScore::churn_within`] unless told otherwise: 3, 6 and 12
/// periods (months for a tenure in months).
pub const DEFAULT_WITHIN: [f64; 3] = [3.0, 6.0, 12.0];

/// Scores customers with a model. Built from a model, whose stored input policy,
/// economics and missing tokens it starts from; each can be overridden.
#[derive(Debug, Clone)]
pub struct Scorer<'m> {
    model: &'m Model,
    policy: InputPolicy,
    economics: Economics,
    tiers: TierPolicy,
    playbook: Playbook,
    stages: Option<StageSpec>,
    reasons: bool,
    missing: MissingTokens,
    /// The model's schema, plus its survival model's duration column (numeric) when
    /// it has one: what raw input is read into.
    input_schema: Arc<Schema>,
    within: Vec<f64>,
}

impl<'m> Scorer<'m> {
    /// A scorer with the model's stored input policy, economics and missing tokens.
    pub fn new(model: &'m Model) -> Self {
        Scorer {
            model,
            policy: model.input_policy(),
            economics: model.economics().clone(),
            tiers: model.tier_policy().clone(),
            playbook: model.warning().playbook.clone().unwrap_or_default(),
            stages: model.warning().stages.clone(),
            reasons: true,
            missing: model.missing_tokens().clone(),
            input_schema: input_schema(model),
            within: DEFAULT_WITHIN.to_vec(),
        }
    }

    /// The horizons of [`SurvivalScore::churn_within`] (default [`DEFAULT_WITHIN`]):
    /// at least one, each a finite number `> 0`, increasing.
    ///
    /// # Errors
    /// [`Error::Param`](crate::Error::Param) naming the bad horizon.
    pub fn within(mut self, horizons: &[f64]) -> Result<Self> {
        if horizons.is_empty() {
            return Err(crate::Error::param(
                "within",
                "",
                "give at least one horizon",
            ));
        }
        if let Some(h) = horizons.iter().find(|h| !(h.is_finite() && **h > 0.0)) {
            return Err(crate::Error::param(
                "within",
                h,
                "must be a finite number > 0",
            ));
        }
        if horizons.windows(2).any(|w| w[0] >= w[1]) {
            return Err(crate::Error::param(
                "within",
                format!("{horizons:?}"),
                "horizons must increase",
            ));
        }
        self.within = horizons.to_vec();
        Ok(self)
    }

    /// The horizons of [`SurvivalScore::churn_within`] in force.
    pub fn within_in_force(&self) -> &[f64] {
        &self.within
    }

    /// What raw input is read into: the model's schema, plus the duration column of
    /// its survival model (numeric) when it has one.
    pub fn input_schema(&self) -> &Arc<Schema> {
        &self.input_schema
    }

    /// The restricted mean's horizon: the CLV horizon in force, else the largest of
    /// [`within_in_force`](Self::within_in_force).
    fn rmst_horizon(&self) -> f64 {
        match &self.economics.clv {
            Some(c) if c.horizon > 0 => c.horizon as f64,
            _ => self.within.iter().copied().fold(0.0, f64::max),
        }
    }

    /// The output columns of [`score_csv`] for this scorer: [`output_header`], with
    /// `p_churn_within_H` per horizon, `median_remaining` and `rmst` before `warning`
    /// when the model has a survival model.
    pub fn output_header(&self) -> Vec<String> {
        let mut h = output_header(self.model.classes());
        if self.model.survival().is_some() {
            let warning = h.pop();
            h.extend(self.within.iter().map(|w| format!("p_churn_within_{w}")));
            h.push("median_remaining".into());
            h.push("rmst".into());
            h.extend(warning);
        }
        h
    }

    /// Overrides the input policy.
    pub fn input_policy(mut self, policy: InputPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Overrides the economics (validated).
    pub fn economics(mut self, economics: Economics) -> Result<Self> {
        economics.validate()?;
        self.economics = economics;
        Ok(self)
    }

    /// Overrides the model's tier policy (validated against the model's classes).
    pub fn tier_policy(mut self, policy: TierPolicy) -> Result<Self> {
        policy.validate(self.model.classes().len())?;
        self.tiers = policy;
        Ok(self)
    }

    /// Overrides the playbook (default: the model's, else the built-in one).
    pub fn playbook(mut self, playbook: Playbook) -> Self {
        self.playbook = playbook;
        self
    }

    /// Overrides the lifecycle stages (default: the model's); None turns them off.
    pub fn stages(mut self, stages: Option<StageSpec>) -> Result<Self> {
        if let Some(s) = &stages {
            s.validate()?;
        }
        self.stages = stages;
        Ok(self)
    }

    /// The playbook in force.
    pub fn playbook_in_force(&self) -> &Playbook {
        &self.playbook
    }

    /// The tier policy in force.
    pub fn tier_policy_in_force(&self) -> &TierPolicy {
        &self.tiers
    }

    /// Whether to compute reasons (default true; explanations cost time).
    pub fn reasons(mut self, on: bool) -> Self {
        self.reasons = on;
        self
    }

    /// Overrides the texts read as missing in raw input (default: the model's,
    /// [`Model::missing_tokens`], i.e. those the training data was read with).
    pub fn missing_tokens(mut self, missing: MissingTokens) -> Self {
        self.missing = missing;
        self
    }

    /// The model.
    pub fn model(&self) -> &Model {
        self.model
    }

    /// The input policy in force.
    pub fn policy(&self) -> InputPolicy {
        self.policy
    }

    /// The economics in force.
    pub fn economics_in_force(&self) -> &Economics {
        &self.economics
    }

    /// Plans the conversion of records with this header.
    pub fn plan(
        &self,
        header: &[&str],
        id_column: Option<&str>,
        location: Location,
    ) -> Result<input::HeaderPlan> {
        Ok(input::HeaderPlan::new(
            header,
            &self.input_schema,
            self.policy,
            &self.economics,
            id_column,
            location,
        )?
        .with_missing_tokens(self.missing.clone()))
    }

    /// Scores every row of a table read elsewhere (features matched by name).
    pub fn score_table(&self, table: &Table) -> Result<Vec<Score>> {
        self.score_rows(table, &table.all_rows())
    }

    /// Scores `rows` of a table.
    pub fn score_rows(&self, table: &Table, rows: &[usize]) -> Result<Vec<Score>> {
        let prepared = input::from_table(
            table,
            rows,
            &self.input_schema,
            self.policy,
            &self.economics,
        )?;
        self.score_prepared(prepared)
    }

    /// Scores one row of a table.
    pub fn score_row(&self, table: &Table, row: usize) -> Result<Score> {
        if row >= table.n_rows() {
            return Err(crate::Error::param(
                "row",
                row,
                format!("the table has {} rows", table.n_rows()),
            ));
        }
        one(self.score_rows(table, &[row])?)
    }

    /// Scores one customer given as column → value.
    pub fn score_map(&self, customer: &HashMap<String, String>) -> Result<Score> {
        let mut keys: Vec<&str> = customer.keys().map(String::as_str).collect();
        keys.sort_unstable();
        let values: Vec<&str> = keys.iter().map(|k| customer[*k].as_str()).collect();
        self.score_csv_row(&keys, &values)
    }

    /// Scores one CSV record given with its header.
    pub fn score_csv_row(&self, header: &[&str], row: &[&str]) -> Result<Score> {
        let plan = self.plan(header, None, Location::default())?;
        let prepared = plan.convert::<[&str]>(&[row], &[])?;
        one(self.score_prepared(prepared)?)
    }

    /// Scores rows already converted to the model's schema: predicts in parallel
    /// chunks, then calibrates, tiers, explains and prices each row in parallel.
    pub fn score_prepared(&self, prepared: input::Prepared) -> Result<Vec<Score>> {
        let input::Prepared {
            table,
            warnings,
            facts,
            ids,
            ..
        } = prepared;
        let n = table.n_rows();
        let classes = self.model.classes();
        let k = classes.len();
        let churn = self.model.schema().target.churn_class();
        let classifier = self.model.classifier();
        let rows: Vec<usize> = (0..n).collect();
        let mut proba = vec![0.0; n * k];
        proba
            .par_chunks_mut(PAR_ROWS * k)
            .zip(rows.par_chunks(PAR_ROWS))
            .try_for_each(|(out, rs)| classifier.predict_proba_into(&table, rs, out))?;
        // Reasons: one batch call per parallel chunk (the classifier encodes the chunk
        // once). Unworded when the classifier can give them so: the scorer merges them,
        // picks the driver and words only the reasons it outputs.
        let explainer = classifier.raw_explainer();
        // The playbook's rule of each of the model's features, looked up once.
        let features = &self.model.schema().features;
        let rules: Vec<_> = match explainer {
            Some(_) if self.reasons => features
                .iter()
                .map(|f| self.playbook.driver_of(&f.name))
                .collect(),
            _ => Vec::new(),
        };
        let rule_of = |m: &RawReason<'_>| match rules.get(m.feature) {
            Some(&rule) if features[m.feature].name == m.name => rule,
            _ => self.playbook.driver_of(m.name),
        };
        let mut reasons: Vec<RowReasons<'_>> = match (self.reasons, explainer) {
            (false, _) => (0..n).map(|_| RowReasons::Worded(Vec::new())).collect(),
            (true, Some(x)) => {
                let per_chunk: Vec<Vec<Vec<RawReason<'_>>>> = rows
                    .par_chunks(PAR_ROWS)
                    .map(|rs| x.explain_top_raw(&table, rs, ALL_REASONS))
                    .collect::<Result<_>>()?;
                per_chunk
                    .into_iter()
                    .flatten()
                    .map(RowReasons::Raw)
                    .collect()
            }
            (true, None) => {
                let per_chunk: Vec<Vec<Vec<Reason>>> = rows
                    .par_chunks(PAR_ROWS)
                    .map(|rs| classifier.explain_top(&table, rs, ALL_REASONS))
                    .collect::<Result<_>>()?;
                per_chunk
                    .into_iter()
                    .flatten()
                    .map(RowReasons::Worded)
                    .collect()
            }
        };
        let policy = &self.tiers;
        let calibration = self.model.calibration();
        // The tenure column of the stages, looked up once (not by name per row).
        let stage_column = self.stages.as_ref().and_then(|st| {
            let j = table.schema().feature_index(&st.column)?;
            match table.column(j) {
                crate::data::Column::Numeric(v) => Some((st, v.as_slice())),
                crate::data::Column::Categorical(_) => None,
            }
        });
        // The features by name, for the reasons' readable conditions (one pass).
        let by_name = table.schema().name_index();
        let surv_inputs = self.survival_inputs(&table)?;
        let rmst_horizon = self.rmst_horizon();
        let results: Vec<Score> = proba
            .par_chunks_mut(k)
            .zip(warnings.into_par_iter())
            .zip(ids.into_par_iter())
            .zip(reasons.par_iter_mut())
            .enumerate()
            .map(|(r, (((p, warnings), id), reasons))| {
                if let Some(cal) = calibration {
                    cal.apply(p);
                }
                let p_churn = p[churn];
                let tier = policy.tier(classes, p, p_churn);
                let value = |f: &str| numeric_value(&table, &by_name, f, r);
                // Merged, the driver called on all risk factors, then only the kept
                // reasons are worded for people.
                let (reasons, protective, driver) = match std::mem::take(reasons) {
                    RowReasons::Raw(raw) => {
                        let (mut risk, mut protective) = merge_reasons(raw);
                        let driver = self.reasons.then(|| {
                            self.playbook
                                .call_resolved(risk.iter().map(|m| (rule_of(m), m.weight)))
                        });
                        risk.truncate(N_REASONS);
                        protective.truncate(N_REASONS);
                        let word = |m: &RawReason<'_>| {
                            let x = explainer.expect("raw reasons come from the explainer");
                            x.word_reason(&table, r, m)
                        };
                        let mut risk: Vec<Reason> = risk.iter().map(word).collect();
                        let mut protective: Vec<Reason> = protective.iter().map(word).collect();
                        readable_conditions(&mut risk, value);
                        readable_conditions(&mut protective, value);
                        (risk, protective, driver)
                    }
                    RowReasons::Worded(worded) => {
                        let (mut risk, mut protective) = merge_reasons(worded);
                        let driver = self.reasons.then(|| self.playbook.call(&risk));
                        risk.truncate(N_REASONS);
                        protective.truncate(N_REASONS);
                        readable_conditions(&mut risk, value);
                        readable_conditions(&mut protective, value);
                        (risk, protective, driver)
                    }
                };
                let stage = stage_column.and_then(|(st, v)| {
                    v.get(r)
                        .copied()
                        .filter(|x| !x.is_nan())
                        .and_then(|t| st.stage(t))
                });
                let rescue_success = match (stage, &self.stages) {
                    (Some(x), Some(st)) => st.success_of(x),
                    _ => self.economics.rescue.success_probability,
                };
                let mut f = facts[r];
                if f.reason.is_none() {
                    f.reason = driver.as_ref().and_then(|d| d.reason_class);
                }
                let curve = surv_inputs.as_ref().and_then(|(c, t)| {
                    let t0 = t[r];
                    (t0.is_finite() && t0 >= 0.0).then_some((c[r], t0))
                });
                let retention = self.economics.retention_given(
                    &f,
                    p_churn,
                    rescue_success,
                    curve.map(|(c, t0)| (t0, move |t| c.survival_at(t))),
                );
                let survival = curve.map(|(c, t0)| SurvivalScore {
                    t0,
                    churn_within: self.within.iter().map(|&h| c.churn_within(t0, h)).collect(),
                    median_remaining: c.median_remaining(t0),
                    rmst: c.restricted_mean(t0, rmst_horizon),
                });
                let mut warnings = warnings;
                if let (Some(m), None) = (self.model.survival(), &survival) {
                    warnings.push(format!(
                        "{}: no current tenure (missing or negative): no time-to-churn figures",
                        m.duration
                    ));
                }
                Score {
                    id,
                    probabilities: p.to_vec(),
                    p_churn,
                    tier,
                    reasons,
                    protective,
                    stage,
                    driver,
                    rescue_success,
                    retention,
                    warnings,
                    survival,
                }
            })
            .collect();
        Ok(results)
    }
}

impl Scorer<'_> {
    /// The leaf curve and current tenure (NaN when missing) of every row of a
    /// prepared table, when the model has a survival model.
    fn survival_inputs<'a>(
        &'a self,
        table: &Table,
    ) -> Result<Option<(Vec<CustomerCurve<'a>>, Vec<f64>)>> {
        let Some(m) = self.model.survival() else {
            return Ok(None);
        };
        let rows: Vec<usize> = (0..table.n_rows()).collect();
        let tenure = match table
            .schema()
            .feature_index(&m.duration)
            .map(|j| table.column(j))
        {
            Some(Column::Numeric(v)) => v.clone(),
            _ => vec![f64::NAN; rows.len()],
        };
        Ok(Some((m.curves(table, &rows)?, tenure)))
    }
}

/// The model's schema, plus its survival model's duration column (numeric) when it
/// has one and the schema has not.
fn input_schema(model: &Model) -> Arc<Schema> {
    match model.survival() {
        Some(s) if model.schema().feature_index(&s.duration).is_none() => {
            let mut schema = (**model.schema()).clone();
            schema.features.push(Feature {
                name: s.duration.clone(),
                kind: FeatureKind::Numeric,
            });
            Arc::new(schema)
        }
        _ => Arc::clone(model.schema()),
    }
}

/// How many reasons the scorer asks a classifier for before merging and splitting
/// them (a tree path or a network's features; more are never shown).
const ALL_REASONS: usize = 64;

/// The numeric value of `feature` (by name) in row `r` of a prepared table, when the
/// feature is numeric and the value known.
fn numeric_value(
    table: &Table,
    by_name: &HashMap<&str, usize>,
    feature: &str,
    r: usize,
) -> Option<f64> {
    let j = *by_name.get(feature)?;
    match table.column(j) {
        crate::data::Column::Numeric(v) => v.get(r).copied().filter(|x| !x.is_nan()),
        crate::data::Column::Categorical(_) => None,
    }
}

/// A condition as people write it, given the customer's own value of the feature
/// (numeric features only):
///
/// - a bin `X in [a, b)` reads `X a–b`;
/// - `X < c` with `0 < c ≤ 1` for a customer whose value is 0 reads `X = 0` (a 0/1
///   flag: `IsActiveMember = 0`, not `IsActiveMember < 1`);
/// - `X >= c` with `0 < c ≤ 1` for a customer whose value is 1 reads `X = 1`.
///
/// Anything else is left as it is.
///
/// ```
/// use churnkit::score::readable_condition;
/// assert_eq!(readable_condition("IsActiveMember < 1", "IsActiveMember", Some(0.0)), "IsActiveMember = 0");
/// assert_eq!(readable_condition("SeniorCitizen >= 0.5", "SeniorCitizen", Some(1.0)), "SeniorCitizen = 1");
/// assert_eq!(readable_condition("Age in [42, 45)", "Age", Some(43.0)), "Age 42–45");
/// assert_eq!(readable_condition("tenure < 6", "tenure", Some(3.0)), "tenure < 6");
/// assert_eq!(readable_condition("Contract = Month-to-month", "Contract", None), "Contract = Month-to-month");
/// ```
pub fn readable_condition(condition: &str, feature: &str, value: Option<f64>) -> String {
    let Some(rest) = condition
        .strip_prefix(feature)
        .and_then(|r| r.strip_prefix(' '))
    else {
        return condition.to_string();
    };
    let flag_cut = |c: &str| c.trim().parse::<f64>().is_ok_and(|c| c > 0.0 && c <= 1.0);
    if let Some(bin) = rest.strip_prefix("in [").and_then(|b| b.strip_suffix(')'))
        && let Some((a, b)) = bin.split_once(", ")
    {
        return format!("{feature} {a}–{b}");
    }
    if let Some(c) = rest.strip_prefix("< ")
        && value == Some(0.0)
        && flag_cut(c)
    {
        return format!("{feature} = 0");
    }
    if let Some(c) = rest.strip_prefix(">= ")
        && value == Some(1.0)
        && flag_cut(c)
    {
        return format!("{feature} = 1");
    }
    condition.to_string()
}

/// Splits a classifier's reasons into risk factors (weight > 0, most churn-ward first)
/// and protective ones (weight < 0, most protective first), at most [`N_REASONS`]
/// each. Reasons on one feature (a tree path testing `complaints >= 1`, then
/// `complaints >= 2`) are one reason: their weights summed, the condition of the
/// strongest kept. Conditions are made readable with the customer's value
/// (`value(feature)`, see [`readable_condition`]). Reasons of weight 0 are dropped.
pub fn split_reasons(
    reasons: Vec<Reason>,
    value: impl Fn(&str) -> Option<f64>,
) -> (Vec<Reason>, Vec<Reason>) {
    let (mut risk, mut protective) = merge_reasons(reasons);
    risk.truncate(N_REASONS);
    protective.truncate(N_REASONS);
    readable_conditions(&mut risk, &value);
    readable_conditions(&mut protective, &value);
    (risk, protective)
}

/// Each reason's condition as people write it (see [`readable_condition`]).
fn readable_conditions(reasons: &mut [Reason], value: impl Fn(&str) -> Option<f64>) {
    for m in reasons {
        m.condition = readable_condition(&m.condition, &m.feature, value(&m.feature));
    }
}

/// One row's reasons as the classifier gave them: unworded (see
/// [`RawExplainer`](crate::learner::RawExplainer)) or worded.
enum RowReasons<'c> {
    Raw(Vec<RawReason<'c>>),
    Worded(Vec<Reason>),
}

impl Default for RowReasons<'_> {
    fn default() -> Self {
        RowReasons::Worded(Vec::new())
    }
}

/// A reason, worded or not, as [`merge_reasons`] sees it.
trait Weighted {
    /// True when both are about the same feature.
    fn same_feature(&self, other: &Self) -> bool;
    fn weight(&self) -> f64;
    fn set_weight(&mut self, w: f64);
}

impl Weighted for Reason {
    fn same_feature(&self, other: &Self) -> bool {
        self.feature == other.feature
    }
    fn weight(&self) -> f64 {
        self.weight
    }
    fn set_weight(&mut self, w: f64) {
        self.weight = w;
    }
}

impl Weighted for RawReason<'_> {
    /// Feature names are unique in a schema, so the index decides.
    fn same_feature(&self, other: &Self) -> bool {
        self.feature == other.feature
    }
    fn weight(&self) -> f64 {
        self.weight
    }
    fn set_weight(&mut self, w: f64) {
        self.weight = w;
    }
}

/// [`split_reasons`] without the cut to [`N_REASONS`] and with the reasons as the
/// classifier gave them (worded or not): reasons on one feature merged into the one
/// of the largest |weight| (the first among equals) carrying the summed weight
/// (summed in the given order), zero and non-finite weights dropped, risk factors
/// sorted by weight descending, protective ones ascending (stable sorts).
fn merge_reasons<T: Weighted>(reasons: Vec<T>) -> (Vec<T>, Vec<T>) {
    // (merged reason, |weight| of the strongest member), in first-seen order.
    let mut merged: Vec<(T, f64)> = Vec::with_capacity(reasons.len());
    for r in reasons {
        match merged.iter_mut().find(|(m, _)| m.same_feature(&r)) {
            Some((m, strongest)) => {
                let total = m.weight() + r.weight();
                if r.weight().abs() > *strongest {
                    *strongest = r.weight().abs();
                    *m = r;
                }
                m.set_weight(total);
            }
            None => {
                let strongest = r.weight().abs();
                merged.push((r, strongest));
            }
        }
    }
    let (mut risk, mut protective): (Vec<T>, Vec<T>) = merged
        .into_iter()
        .map(|(m, _)| m)
        .filter(|m| m.weight() != 0.0 && m.weight().is_finite())
        .partition(|m| m.weight() > 0.0);
    risk.sort_by(|a, b| b.weight().total_cmp(&a.weight()));
    protective.sort_by(|a, b| a.weight().total_cmp(&b.weight()));
    (risk, protective)
}

/// The [`N_REASONS`] most churn-ward reasons: sorted by weight, descending (a stable
/// sort, so ties keep the classifier's order), then cut.
pub fn top_reasons(reasons: Vec<Reason>) -> Vec<Reason> {
    crate::learner::top_reasons(reasons, N_REASONS)
}

fn one(mut v: Vec<Score>) -> Result<Score> {
    v.pop()
        .ok_or_else(|| crate::Error::Fit("no row was scored".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(feature: &str, weight: f64) -> Reason {
        Reason {
            feature: feature.into(),
            condition: format!("{feature} = x"),
            weight,
        }
    }

    #[test]
    fn top_three_reasons_by_weight_ties_keep_order() {
        let got = top_reasons(vec![
            r("a", 0.1),
            r("b", 0.5),
            r("c", -0.2),
            r("d", 0.5),
            r("e", 0.3),
        ]);
        let names: Vec<&str> = got.iter().map(|x| x.feature.as_str()).collect();
        assert_eq!(names, ["b", "d", "e"]);
        assert_eq!(top_reasons(vec![r("a", -1.0)]).len(), 1);
    }
}
