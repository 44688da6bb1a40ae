//! The [`Model`] envelope: everything needed to score customers later, in one
//! versioned, checksummed file.
//!
//! A model holds
//! - the training [`Schema`] (categorical levels restricted to those seen in the
//!   training rows, so a level never seen in training is recognised as such when
//!   scoring),
//! - the learner body ([`ModelBody`]: any fitted classifier, each carrying its own
//!   fitted [`Discretizer`](crate::data::Discretizer)),
//! - the [`TierPolicy`], the optional [`Calibration`], the default [`InputPolicy`] and
//!   [`Economics`] of the scorer,
//! - the [`MissingTokens`] the training data was read with, so customers are read
//!   the same way when scored,
//! - a [`TrainingSummary`] (rows, class balance, learner and parameters, validation
//!   metrics, the calibration table, chosen thresholds, crate version and a
//!   fingerprint of the training data).
//!
//! This module is the envelope and its formats only: it decides nothing. Build a model
//! with the [training pipeline](crate::train) ([`train::Pipeline`](crate::train::Pipeline)
//! from a table, or [`train::ModelBuilder`](crate::train::ModelBuilder) from a fitted
//! body), or assemble decided parts with [`Model::from_parts`]; save and load with [`Model::save`] /
//! [`Model::load`] (binary, see [`format`](mod@format) for the byte layout) or
//! [`Model::save_json`] (JSON). Loading never trusts the bytes: see [`format`](mod@format).
//!
//! ```
//! use std::sync::Arc;
//! use churnkit::data::{Column, Feature, FeatureKind, Schema, Table, Target};
//! use churnkit::eval::ZeroR;
//! use churnkit::model::Model;
//! use churnkit::train::ModelBuilder;
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
//! let bytes = model.to_bytes()?;
//! let again = Model::from_bytes(&bytes)?;
//! assert_eq!(again.to_bytes()?, bytes);
//! # Ok::<(), churnkit::Error>(())
//! ```

pub mod format;
pub(crate) mod hash;
mod summary;
pub use summary::ModelSummary;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::data::{
    Column, CsvOptions, Feature, FeatureKind, Levels, MISSING_LEVEL, MissingTokens, ReadSpec,
    Schema, Table,
};
use crate::error::{Error, Location, Result};
use crate::learner::Classifier;
use crate::policy::calibrate::{Calibration, CalibrationTable};
use crate::policy::economics::Economics;
use crate::policy::input::InputPolicy;
use crate::policy::stage::WarningSpec;
use crate::policy::tier::{ThresholdReport, TierPolicy};
use crate::survival::SurvivalModel;

pub use format::{FORMAT_VERSION, MAGIC};
pub use hash::{crc32, fnv1a64};

/// The fitted learner inside a model: defined next to the algorithms' entries in the
/// [registry](crate::registry), re-exported here.
pub use crate::registry::ModelBody;

pub(crate) fn model_error(message: impl Into<String>) -> Error {
    Error::Model {
        location: Location::default(),
        message: message.into(),
    }
}

/// A JSON value stored in a model: nested JSON in the JSON format, JSON text in the
/// binary format (bincode cannot carry self-describing values).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct JsonValue(pub serde_json::Value);

impl Serialize for JsonValue {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            self.0.serialize(s)
        } else {
            s.serialize_str(&self.0.to_string())
        }
    }
}

impl<'de> Deserialize<'de> for JsonValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        if d.is_human_readable() {
            serde_json::Value::deserialize(d).map(JsonValue)
        } else {
            let text = String::deserialize(d)?;
            serde_json::from_str(&text)
                .map(JsonValue)
                .map_err(serde::de::Error::custom)
        }
    }
}

/// What a model was trained on and how well it did; stored in the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingSummary {
    /// The learner's name (e.g. `id3-weighted`, `tan`, `zero-r`).
    pub learner: String,
    /// The learner's parameters, as given by the caller.
    pub params: JsonValue,
    /// Number of training rows.
    pub rows: u64,
    /// Class names, in churn order.
    pub classes: Vec<String>,
    /// Weighted count of each class among the training rows.
    pub class_counts: Vec<f64>,
    /// Number of validation rows (0 without validation).
    pub validation_rows: u64,
    /// Validation metrics by name (finite values only): every
    /// [`eval::Metric`](crate::eval::Metric) of the [`eval::Report`](crate::eval::Report)
    /// on the validation rows (`accuracy`, `roc_auc`, `log_loss`, `brier_score`, ...),
    /// after calibration, sample-weighted. Callers may add their own with
    /// [`train::ModelBuilder::metric`](crate::train::ModelBuilder::metric).
    pub metrics: BTreeMap<String, f64>,
    /// Reliability of the churn probability before and after calibration.
    pub calibration: Option<CalibrationTable>,
    /// Thresholds chosen on validation rows, when the tier policy was chosen so.
    pub thresholds: Option<ThresholdReport>,
    /// The churnkit version that trained the model.
    pub crate_version: String,
    /// Fingerprint of the training rows, see [`fingerprint`].
    pub fingerprint: String,
}

/// A trained model, ready to save, load and score with.
///
/// Serialized (format versions 4 and 5; 5 added a tree's leaf model inside the body)
/// with each categorical feature's levels stored once:
/// where the schema's levels equal those of the body's discretizer (always, for a
/// model the pipeline trained), the schema is written without them and
/// `levels_in_body` lists the features whose levels are read back from the body.
#[derive(Debug, Clone)]
pub struct Model {
    schema: Arc<Schema>,
    body: ModelBody,
    tier_policy: TierPolicy,
    calibration: Option<Calibration>,
    input_policy: InputPolicy,
    economics: Economics,
    summary: TrainingSummary,
    /// The cell texts read as missing in training (format version 2; absent in
    /// version-1 files and JSON documents, which get the defaults).
    missing_tokens: MissingTokens,
    /// The churn-warning settings: playbook and lifecycle stages (format version 3;
    /// absent in older files and JSON documents, which get none: the built-in
    /// playbook, no stages).
    warning: WarningSpec,
    /// How the training file was read (delimiter, label rule, weight column, dropped
    /// columns, policies), so files to evaluate or score are read the same way
    /// (format version 4; None in older files and for models built from a table).
    read_spec: Option<ReadSpec>,
    /// The time-to-churn model fitted beside the classifier (`train --duration`):
    /// when present, scoring adds per-customer churn-within-horizon, median and
    /// restricted mean remaining lifetime, and lifetime value follows its curve
    /// (appended at the end of format version 4; None in older files).
    survival: Option<SurvivalModel>,
}

/// What a [`Model`] writes: its fields in order, the schema without the levels the
/// body holds, and the list of those features right after it.
#[derive(Serialize)]
struct ModelOut<'a> {
    schema: &'a Schema,
    levels_in_body: &'a [u32],
    body: &'a ModelBody,
    tier_policy: &'a TierPolicy,
    calibration: &'a Option<Calibration>,
    input_policy: &'a InputPolicy,
    economics: &'a Economics,
    summary: &'a TrainingSummary,
    missing_tokens: &'a MissingTokens,
    warning: &'a WarningSpec,
    read_spec: &'a Option<ReadSpec>,
    survival: &'a Option<SurvivalModel>,
}

/// What a [`Model`] reads (format versions 4 and 5).
#[derive(Deserialize)]
struct ModelIn {
    schema: Schema,
    levels_in_body: Vec<u32>,
    body: ModelBody,
    tier_policy: TierPolicy,
    calibration: Option<Calibration>,
    input_policy: InputPolicy,
    economics: Economics,
    summary: TrainingSummary,
    missing_tokens: MissingTokens,
    warning: WarningSpec,
    read_spec: Option<ReadSpec>,
    survival: Option<SurvivalModel>,
}

/// The categorical levels of the body's discretizer for feature `j` of `schema`
/// (matched by name), if the body has them.
fn body_levels<'a>(body: &'a ModelBody, schema: &Schema, j: usize) -> Option<&'a Levels> {
    let disc = body.discretizer()?;
    match disc.encoders().get(j)? {
        crate::data::FeatureEncoder::Categorical { name, levels }
            if *name == schema.features[j].name =>
        {
            Some(levels)
        }
        _ => None,
    }
}

impl Serialize for Model {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let features = &self.schema.features;
        let in_body: Vec<bool> = (0..features.len())
            .map(|j| match &features[j].kind {
                FeatureKind::Categorical { levels } => {
                    !levels.is_empty() && body_levels(&self.body, &self.schema, j) == Some(levels)
                }
                FeatureKind::Numeric => false,
            })
            .collect();
        let listed: Vec<u32> = (0..features.len() as u32)
            .filter(|&j| in_body[j as usize])
            .collect();
        let stripped;
        let written: &Schema = if listed.is_empty() {
            &self.schema
        } else {
            stripped = Schema {
                features: features
                    .iter()
                    .zip(&in_body)
                    .map(|(f, &b)| {
                        if b {
                            Feature {
                                name: f.name.clone(),
                                kind: FeatureKind::Categorical {
                                    levels: Levels::default(),
                                },
                            }
                        } else {
                            f.clone()
                        }
                    })
                    .collect(),
                target: self.schema.target.clone(),
                id_column: self.schema.id_column.clone(),
                weight_column: self.schema.weight_column.clone(),
            };
            &stripped
        };
        ModelOut {
            schema: written,
            levels_in_body: &listed,
            body: &self.body,
            tier_policy: &self.tier_policy,
            calibration: &self.calibration,
            input_policy: &self.input_policy,
            economics: &self.economics,
            summary: &self.summary,
            missing_tokens: &self.missing_tokens,
            warning: &self.warning,
            read_spec: &self.read_spec,
            survival: &self.survival,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Model {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        use serde::de::Error as _;
        let mut m = ModelIn::deserialize(d)?;
        for &j in &m.levels_in_body {
            let j = j as usize;
            if j >= m.schema.features.len() {
                return Err(D::Error::custom(format!(
                    "levels_in_body names feature {j}; the schema has {}",
                    m.schema.features.len()
                )));
            }
            // Shared with the body's discretizer: one copy of the levels in memory.
            let Some(levels) = body_levels(&m.body, &m.schema, j).cloned() else {
                return Err(D::Error::custom(format!(
                    "feature '{}': its levels are said to be in the body, which has none",
                    m.schema.features[j].name
                )));
            };
            match &mut m.schema.features[j].kind {
                FeatureKind::Categorical { levels: l } if l.is_empty() => *l = levels,
                _ => {
                    return Err(D::Error::custom(format!(
                        "feature '{}': levels both stored and said to be in the body",
                        m.schema.features[j].name
                    )));
                }
            }
        }
        Ok(Model {
            schema: Arc::new(m.schema),
            body: m.body,
            tier_policy: m.tier_policy,
            calibration: m.calibration,
            input_policy: m.input_policy,
            economics: m.economics,
            summary: m.summary,
            missing_tokens: m.missing_tokens,
            warning: m.warning,
            read_spec: m.read_spec,
            survival: m.survival,
        })
    }
}

/// A [`Model`] as format versions 1–3 stored it (read under the old nested layout,
/// [`LegacyLayout`](crate::data::compat::LegacyLayout)): no read spec; version 2 had
/// no warning settings and version 1 no missing tokens (binary files of those
/// versions are read with [`ModelV2`] / [`ModelV1`]; JSON documents of every old
/// version with this, the absent fields taking their defaults).
#[derive(Deserialize)]
pub(crate) struct ModelV3 {
    schema: Arc<Schema>,
    body: ModelBody,
    tier_policy: TierPolicy,
    calibration: Option<Calibration>,
    input_policy: InputPolicy,
    economics: Economics,
    summary: TrainingSummary,
    #[serde(default)]
    missing_tokens: MissingTokens,
    #[serde(default)]
    warning: WarningSpec,
}

impl From<ModelV3> for Model {
    fn from(m: ModelV3) -> Self {
        Model {
            schema: m.schema,
            body: m.body,
            tier_policy: m.tier_policy,
            calibration: m.calibration,
            input_policy: m.input_policy,
            economics: m.economics,
            summary: m.summary,
            missing_tokens: m.missing_tokens,
            warning: m.warning,
            read_spec: None,
            survival: None,
        }
    }
}

/// A [`Model`] as format version 2 stored it (no warning settings).
#[derive(Deserialize)]
pub(crate) struct ModelV2 {
    schema: Arc<Schema>,
    body: ModelBody,
    tier_policy: TierPolicy,
    calibration: Option<Calibration>,
    input_policy: InputPolicy,
    economics: Economics,
    summary: TrainingSummary,
    missing_tokens: MissingTokens,
}

impl From<ModelV2> for Model {
    fn from(m: ModelV2) -> Self {
        Model {
            schema: m.schema,
            body: m.body,
            tier_policy: m.tier_policy,
            calibration: m.calibration,
            input_policy: m.input_policy,
            economics: m.economics,
            summary: m.summary,
            missing_tokens: m.missing_tokens,
            warning: WarningSpec::default(),
            read_spec: None,
            survival: None,
        }
    }
}

/// A [`Model`] as format version 1 stored it (no missing tokens): decoded from
/// version-1 binary files, then given the default tokens.
#[derive(Deserialize)]
pub(crate) struct ModelV1 {
    schema: Arc<Schema>,
    body: ModelBody,
    tier_policy: TierPolicy,
    calibration: Option<Calibration>,
    input_policy: InputPolicy,
    economics: Economics,
    summary: TrainingSummary,
}

impl From<ModelV1> for Model {
    fn from(m: ModelV1) -> Self {
        Model {
            schema: m.schema,
            body: m.body,
            tier_policy: m.tier_policy,
            calibration: m.calibration,
            input_policy: m.input_policy,
            economics: m.economics,
            summary: m.summary,
            missing_tokens: MissingTokens::default(),
            warning: WarningSpec::default(),
            read_spec: None,
            survival: None,
        }
    }
}

/// Fingerprint of `rows` of a table, rendered `fnv1a64w:` + 16 hex digits: the
/// [`Fingerprinter`] fed `rows` in one piece.
///
/// The fingerprint depends on the row order and on the values, not on the order of
/// categorical levels in the schema. Model files written by earlier builds carry
/// `fnv1a64:` fingerprints (the byte-wise FNV-1a of one column-major byte stream,
/// ten times slower on a million rows); fingerprints are stored, never recomputed, so
/// those files stay valid as they are.
pub fn fingerprint(table: &Table, rows: &[usize]) -> String {
    let mut f = Fingerprinter::new(table);
    f.add(table, rows);
    f.finish()
}

/// The word-wise FNV-1a step: `h = (h ^ w) · 0x100000001b3 (mod 2^64)` for a 64-bit
/// word `w` (FNV-1a's step with a word in place of a byte: each step is a bijection of
/// `h`, so two streams differing in one word always hash differently).
/// `h` continued over the cells of `rows` of column `j` of `table`, one word per cell
/// (see [`Fingerprinter`]).
fn column_hash(mut h: u64, table: &Table, j: usize, rows: &[usize]) -> u64 {
    match table.column(j) {
        Column::Numeric(v) => {
            for &r in rows {
                let y = v[r];
                h = fnv_word(h, if y.is_nan() { f64::NAN } else { y }.to_bits());
            }
        }
        Column::Categorical(v) => {
            let words: Vec<u64> = table.schema().features[j]
                .levels()
                .iter()
                .map(|l| fnv1a64(l.as_bytes()))
                .collect();
            for &r in rows {
                let c = v[r];
                let w = match words.get(c as usize) {
                    Some(&w) if c != MISSING_LEVEL => w,
                    _ => u64::MAX,
                };
                h = fnv_word(h, w);
            }
        }
    }
    h
}

#[inline]
fn fnv_word(h: u64, w: u64) -> u64 {
    (h ^ w).wrapping_mul(0x0000_0100_0000_01b3)
}

/// An incremental training-data fingerprint, fed rows in pieces (e.g. chunk by chunk
/// of a file that is never held whole) and giving the same value as
/// [`fingerprint`] of all the rows at once.
///
/// Each feature column, the labels and the weights are hashed separately, in row
/// order, by the word-wise FNV-1a step (`h = (h ^ w) · 0x100000001b3 mod 2^64` for a
/// 64-bit word `w`) starting from FNV's offset
/// basis `0xcbf29ce484222325`, one 64-bit word per cell — numeric: the f64 bits (every
/// NaN as the same canonical NaN); categorical: the byte-wise FNV-1a 64
/// ([`fnv1a64`]) of the level's text, or `u64::MAX` for missing; label: its class
/// index; weight: its f64 bits. Columns are independent, so they are hashed in
/// parallel. [`finish`](Self::finish) then hashes, byte-wise, the row count and the
/// feature count (u64 LE), each feature's name (its length as u64 LE, then UTF-8)
/// followed by its column hash, the label hash, and — if the rows are weighted — the
/// weight hash. Not cryptographic: it tells accidental differences in training data
/// apart, it does not resist forgery.
#[derive(Debug, Clone)]
pub struct Fingerprinter {
    names: Vec<String>,
    columns: Vec<u64>,
    labels: u64,
    weights: Option<u64>,
    rows: u64,
}

impl Fingerprinter {
    /// A fingerprint over no rows yet, for tables with `table`'s features and
    /// weighting.
    pub fn new(table: &Table) -> Self {
        let names = table
            .schema()
            .features
            .iter()
            .map(|f| f.name.clone())
            .collect();
        Self::with_features(names, table.weights().is_some())
    }

    /// A fingerprint over no rows yet, for tables with these feature names (in order),
    /// weighted or not — for data never held as one table, e.g. columns streamed one
    /// at a time ([`add_column`](Self::add_column), [`add_labels`](Self::add_labels)).
    pub fn with_features(names: Vec<String>, weighted: bool) -> Self {
        const BASIS: u64 = 0xcbf2_9ce4_8422_2325;
        Fingerprinter {
            columns: vec![BASIS; names.len()],
            names,
            labels: BASIS,
            weights: weighted.then_some(BASIS),
            rows: 0,
        }
    }

    /// Adds `rows` of `table` (a table with the same features, in the same order, as
    /// the one this fingerprint was made for; its levels may be more or fewer): every
    /// feature column ([`add_column`](Self::add_column), in parallel), then the labels
    /// and weights ([`add_labels`](Self::add_labels)).
    pub fn add(&mut self, table: &Table, rows: &[usize]) {
        use rayon::prelude::*;
        self.columns
            .par_iter_mut()
            .enumerate()
            .for_each(|(j, h)| *h = column_hash(*h, table, j, rows));
        self.add_labels(table, rows);
    }

    /// Adds the cells of `rows` of column `column` of `table` to feature `feature`'s
    /// hash (a feature streamed on its own; call [`add_labels`](Self::add_labels) for
    /// the same rows once). A `feature` out of range is ignored.
    pub fn add_column(&mut self, feature: usize, table: &Table, column: usize, rows: &[usize]) {
        if let Some(h) = self.columns.get_mut(feature) {
            *h = column_hash(*h, table, column, rows);
        }
    }

    /// Adds the labels (and weights, if this fingerprint is weighted) of `rows` of
    /// `table`, and counts the rows.
    pub fn add_labels(&mut self, table: &Table, rows: &[usize]) {
        let labels = table.labels();
        for &r in rows {
            self.labels = fnv_word(self.labels, labels[r] as u64);
        }
        if let (Some(h), Some(w)) = (&mut self.weights, table.weights()) {
            for &r in rows {
                *h = fnv_word(*h, w[r].to_bits());
            }
        }
        self.rows += rows.len() as u64;
    }

    /// The fingerprint of the rows added so far: `fnv1a64w:` + 16 hex digits.
    pub fn finish(&self) -> String {
        let mut h = hash::Fnv1a64::new();
        h.u64(self.rows);
        h.u64(self.names.len() as u64);
        for (name, &c) in self.names.iter().zip(&self.columns) {
            h.str(name);
            h.u64(c);
        }
        h.u64(self.labels);
        if let Some(w) = self.weights {
            h.u64(w);
        }
        format!("fnv1a64w:{:016x}", h.finish())
    }
}

/// The [`fingerprint`] of the table a set of Parquet files holds
/// ([`RawColumns`](crate::data::arrow::raw::RawColumns), read with `opts`, its labels
/// mapped to `classes`), computed without holding it: each feature column is streamed
/// once, one record batch of it and the target at a time
/// ([`stream_tables`](crate::data::arrow::raw::stream_tables)), into its own hash
/// ([`Fingerprinter::add_column`]), then the target and the sample weights, if any
/// ([`Fingerprinter::add_labels`]); the same value as
/// `fingerprint(&read_parquet(concatenated files), all rows)`. The files are read by
/// this process (they must be readable here).
#[cfg(feature = "parquet")]
pub fn fingerprint_parquet(
    raw: &crate::data::arrow::raw::RawColumns,
    opts: &crate::data::CsvOptions,
    classes: &[String],
) -> Result<String> {
    use crate::data::arrow::raw::stream_tables;
    let names = raw.features.iter().map(|f| f.name.clone()).collect();
    let mut h = Fingerprinter::with_features(names, raw.weight.is_some());
    for j in 0..raw.features.len() {
        stream_tables(raw, Some(j), opts, classes, |t| {
            h.add_column(j, t, 0, &t.all_rows());
            Ok(())
        })?;
    }
    stream_tables(raw, None, opts, classes, |t| {
        h.add_labels(t, &t.all_rows());
        Ok(())
    })?;
    Ok(h.finish())
}

/// The already-decided parts of a [`Model`], for [`Model::from_parts`]. The
/// [training pipeline](crate::train) decides them; this module only assembles,
/// checks and stores them.
#[derive(Debug, Clone)]
pub struct ModelParts {
    /// The schema customers are read with (categorical levels as seen in training).
    pub schema: Arc<Schema>,
    /// The fitted learner.
    pub body: ModelBody,
    /// How probabilities become tiers.
    pub tier_policy: TierPolicy,
    /// The calibration of the probabilities, if any.
    pub calibration: Option<Calibration>,
    /// The default input policy of scorers.
    pub input_policy: InputPolicy,
    /// The default retention economics of scorers.
    pub economics: Economics,
    /// What the model was trained on and how well it did.
    pub summary: TrainingSummary,
    /// The cell texts the training data was read with as missing.
    pub missing_tokens: MissingTokens,
}

impl Model {
    /// Assembles a model from parts decided elsewhere (e.g. by
    /// [`train::ModelBuilder`](crate::train::ModelBuilder)) and checks it as a load
    /// does ([`Model::validate`]).
    pub fn from_parts(parts: ModelParts) -> Result<Model> {
        let ModelParts {
            schema,
            body,
            tier_policy,
            calibration,
            input_policy,
            economics,
            summary,
            missing_tokens,
        } = parts;
        let model = Model {
            schema,
            body,
            tier_policy,
            calibration,
            input_policy,
            economics,
            summary,
            missing_tokens,
            warning: WarningSpec::default(),
            read_spec: None,
            survival: None,
        };
        model.validate()?;
        Ok(model)
    }

    /// The schema customers are read with.
    pub fn schema(&self) -> &Arc<Schema> {
        &self.schema
    }

    /// The learner body.
    pub fn body(&self) -> &ModelBody {
        &self.body
    }

    /// The learner body as a [`Classifier`].
    pub fn classifier(&self) -> &dyn Classifier {
        self.body.classifier()
    }

    /// Class names, in churn order.
    pub fn classes(&self) -> &[String] {
        &self.schema.target.classes
    }

    /// The tier policy.
    pub fn tier_policy(&self) -> &TierPolicy {
        &self.tier_policy
    }

    /// The calibration, if fitted.
    pub fn calibration(&self) -> Option<&Calibration> {
        self.calibration.as_ref()
    }

    /// The default input policy of scorers built from this model.
    pub fn input_policy(&self) -> InputPolicy {
        self.input_policy
    }

    /// The default retention economics of scorers built from this model.
    pub fn economics(&self) -> &Economics {
        &self.economics
    }

    /// The churn-warning settings (playbook, lifecycle stages) scorers start from.
    pub fn warning(&self) -> &WarningSpec {
        &self.warning
    }

    /// The model with these churn-warning settings (validated: the stages' cuts and
    /// λs; a tenure column must be a numeric feature, or the duration column of the
    /// model's [survival model](Model::survival)).
    pub fn with_warning(mut self, warning: WarningSpec) -> Result<Model> {
        warning.validate()?;
        if let Some(st) = &warning.stages {
            let numeric = self
                .schema
                .feature_index(&st.column)
                .is_some_and(|j| self.schema.features[j].is_numeric())
                || self
                    .survival
                    .as_ref()
                    .is_some_and(|s| s.duration == st.column);
            if !numeric {
                return Err(Error::param(
                    "tenure column",
                    &st.column,
                    "must be a numeric feature of the model",
                ));
            }
        }
        self.warning = warning;
        Ok(self)
    }

    /// The cell texts the training data was read with as missing: scorers built from
    /// this model read raw input with them (see [`Scorer::missing_tokens`](crate::score::Scorer::missing_tokens)).
    pub fn missing_tokens(&self) -> &MissingTokens {
        &self.missing_tokens
    }

    /// How the training file was read, when the model was trained from a CSV read with
    /// a [`ReadSpec`] attached ([`Model::with_read_spec`]); None for older files.
    pub fn read_spec(&self) -> Option<&ReadSpec> {
        self.read_spec.as_ref()
    }

    /// The model with the record of how its training file was read.
    pub fn with_read_spec(mut self, spec: ReadSpec) -> Model {
        self.read_spec = Some(spec);
        self
    }

    /// The time-to-churn model fitted beside the classifier (`train --duration`), if
    /// any; None for older files.
    pub fn survival(&self) -> Option<&SurvivalModel> {
        self.survival.as_ref()
    }

    /// The model with this time-to-churn model beside its classifier, checked as a
    /// load checks it ([`SurvivalModel::validate`], and its duration column is not a
    /// feature of the classifier: it is the clock, not a feature).
    ///
    /// # Errors
    /// [`Error::Model`] saying what is wrong.
    pub fn with_survival(mut self, survival: SurvivalModel) -> Result<Model> {
        self.survival = Some(survival);
        self.validate_survival()?;
        Ok(self)
    }

    fn validate_survival(&self) -> Result<()> {
        let Some(s) = &self.survival else {
            return Ok(());
        };
        s.validate().map_err(|e| match e {
            Error::Model { .. } => e,
            other => model_error(format!("survival model: {other}")),
        })?;
        if self.schema.feature_index(&s.duration).is_some() {
            return Err(model_error(format!(
                "survival model: its duration column '{}' is also a feature of the classifier",
                s.duration
            )));
        }
        if s.discretizer.schema().classes != self.schema.target.classes {
            return Err(model_error(
                "survival model: its classes differ from the classifier's",
            ));
        }
        Ok(())
    }

    /// Options that read a labeled file for this model as its training file was read,
    /// with nothing repeated: the model's target, column kinds and classes
    /// ([`CsvOptions::with_schema_kinds`]), missing tokens, id column, and the
    /// [`ReadSpec`] (label rule, weight column, policies, delimiter hint). Setters
    /// called on the result override any of them.
    ///
    /// Columns dropped at training need not be present, and when present they are read
    /// as features the model does not use ([`Model::dropped_columns`] names them).
    pub fn read_options(&self) -> CsvOptions {
        self.read_options_as(&self.schema.target.name, self.read_spec.as_ref())
    }

    /// [`Model::read_options`] with another target column and read spec (e.g. the
    /// stored spec with its label rule replaced; None reads labels by the default
    /// rules).
    pub fn read_options_as(&self, target: &str, spec: Option<&ReadSpec>) -> CsvOptions {
        let mut opts = CsvOptions::new(target)
            .with_schema_kinds(&self.schema)
            .missing_tokens(self.missing_tokens.tokens());
        if let Some(id) = &self.schema.id_column {
            opts = opts.id_column(id);
        }
        match spec {
            Some(spec) => spec.apply(opts),
            None => opts,
        }
    }

    /// Columns dropped on purpose when the training file was read (`--drop`): scoring
    /// and evaluation ignore them without a warning.
    pub fn dropped_columns(&self) -> &[String] {
        self.read_spec.as_ref().map_or(&[], |s| &s.dropped)
    }

    /// The training summary.
    pub fn summary(&self) -> &TrainingSummary {
        &self.summary
    }

    /// Replaces the tier policy (validated).
    pub fn set_tier_policy(&mut self, policy: TierPolicy) -> Result<()> {
        policy.validate(self.classes().len())?;
        self.tier_policy = policy;
        Ok(())
    }

    /// Replaces the default input policy.
    pub fn set_input_policy(&mut self, policy: InputPolicy) {
        self.input_policy = policy;
    }

    /// Replaces the missing tokens scorers start from.
    pub fn set_missing_tokens(&mut self, missing: MissingTokens) {
        self.missing_tokens = missing;
    }

    /// Replaces the default economics (validated).
    pub fn set_economics(&mut self, economics: Economics) -> Result<()> {
        economics.validate()?;
        self.economics = economics;
        Ok(())
    }

    /// Class probabilities of `rows` of a table already in the model's schema,
    /// calibrated when the model has a calibration (row-major).
    pub fn predict_proba(&self, table: &Table, rows: &[usize]) -> Result<Vec<f64>> {
        let k = self.classes().len();
        let mut out = vec![0.0; rows.len() * k];
        self.classifier()
            .predict_proba_into(table, rows, &mut out)?;
        if let Some(cal) = &self.calibration {
            out.chunks_exact_mut(k).for_each(|r| cal.apply(r));
        }
        Ok(out)
    }

    /// Checks everything decoding cannot: distinct and consistent classes, valid
    /// policies and parameters (probabilities finite, in [0, 1] and summing to one),
    /// sorted levels. Run on every load.
    pub fn validate(&self) -> Result<()> {
        let classes = &self.schema.target.classes;
        let k = classes.len();
        if !(2..=255).contains(&k) {
            return Err(model_error(format!("{k} classes; need 2 to 255")));
        }
        if let Some((i, c)) = classes
            .iter()
            .enumerate()
            .find(|(i, c)| classes[..*i].contains(c))
        {
            return Err(model_error(format!(
                "class '{c}' is named twice (class {i}); class names must be distinct"
            )));
        }
        if self.classifier().classes() != classes.as_slice() {
            return Err(model_error(format!(
                "the learner's classes {:?} differ from the schema's {:?}",
                self.classifier().classes(),
                classes
            )));
        }
        self.body.validate(k)?;
        // Hashed: linear in the number of features.
        let mut names: std::collections::HashSet<&str> =
            std::collections::HashSet::with_capacity(self.schema.features.len());
        if !self.schema.features.iter().all(|f| names.insert(&f.name)) {
            return Err(model_error("duplicate feature names"));
        }
        for f in &self.schema.features {
            if let FeatureKind::Categorical { levels } = &f.kind
                && levels.windows(2).any(|w| w[0] >= w[1])
            {
                return Err(model_error(format!(
                    "levels of '{}' are not sorted and distinct",
                    f.name
                )));
            }
        }
        self.tier_policy
            .validate(k)
            .map_err(|e| model_error(e.to_string()))?;
        if let Some(c) = &self.calibration {
            c.validate(k)?;
        }
        self.economics
            .validate()
            .map_err(|e| model_error(e.to_string()))?;
        self.warning
            .validate()
            .map_err(|e| model_error(e.to_string()))?;
        self.validate_survival()?;
        Ok(())
    }
}
