//! [`Discretizer`]: the fitted preprocessing that turns a [`Table`] into [`Encoded`]
//! codes. Fitted on training rows only, stored inside a model, applied to any later rows.
//!
//! - Categorical features keep the levels seen in the training rows; a level never seen
//!   in training is encoded as missing (and counted in the [`EncodeReport`]).
//! - Numeric features are cut into bins. A cut list `c_1 < … < c_{k-1}` gives `k` bins;
//!   a value `x` gets the code `#{j : c_j <= x}`, so bin `j` is `[c_j, c_{j+1})`, and
//!   values outside the training range fall into the end bins. Missing stays missing.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::encoded::{Codes, Encoded, EncodedFeature, EncodedSchema, MAX_LEVELS};
use super::schema::FeatureKind;
use super::table::{Column, MISSING_LEVEL, Table};
use crate::error::{Error, Result};

/// How numeric features are cut into bins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Binning {
    /// Equal-frequency bins: `bins` bins holding (as nearly as ties allow) the same
    /// number of training rows each.
    EqualFrequency {
        /// Number of bins (at least 1).
        bins: usize,
    },
    /// Supervised entropy-based discretization with the MDL stopping rule
    /// (Fayyad & Irani 1993), kept between `min_bins` and `max_bins` bins.
    Mdl {
        /// At least this many bins (falls back to equal-frequency cuts when MDL
        /// accepts fewer).
        min_bins: usize,
        /// At most this many bins.
        max_bins: usize,
    },
}

impl Default for Binning {
    /// MDL with 1 to 16 bins.
    fn default() -> Self {
        Binning::Mdl {
            min_bins: 1,
            max_bins: 16,
        }
    }
}

impl Binning {
    /// Checks the parameters.
    pub fn validate(&self) -> Result<()> {
        match *self {
            Binning::EqualFrequency { bins } if bins == 0 || bins > 255 => {
                Err(Error::param("bins", bins, "must be in 1..=255"))
            }
            Binning::Mdl { min_bins, max_bins }
                if min_bins == 0 || max_bins < min_bins || max_bins > 255 =>
            {
                Err(Error::param(
                    "min_bins..max_bins",
                    format!("{min_bins}..{max_bins}"),
                    "need 1 <= min_bins <= max_bins <= 255",
                ))
            }
            _ => Ok(()),
        }
    }
}

/// How one feature is encoded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum FeatureEncoder {
    /// A categorical feature and the levels seen in training.
    Categorical {
        /// The column's name.
        name: String,
        /// Levels seen in the training rows (their codes are their positions).
        levels: Vec<String>,
    },
    /// A numeric feature and its cut points.
    Numeric {
        /// The column's name.
        name: String,
        /// Increasing cut points.
        cuts: Vec<f64>,
    },
}

impl FeatureEncoder {
    /// The column's name.
    pub fn name(&self) -> &str {
        match self {
            FeatureEncoder::Categorical { name, .. } | FeatureEncoder::Numeric { name, .. } => name,
        }
    }
}

/// What encoding a table met that the caller may want to know.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EncodeReport {
    /// Per feature (by name), how many cells held a category never seen in training and
    /// were encoded as missing.
    pub unseen: Vec<(String, usize)>,
}

/// The fitted preprocessing: one [`FeatureEncoder`] per feature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Discretizer {
    encoders: Vec<FeatureEncoder>,
    binning: Binning,
    schema: Arc<EncodedSchema>,
}

/// Formats a cut point compactly (no trailing zeros).
fn fmt_cut(x: f64) -> String {
    let s = format!("{x}");
    if s.len() > 10 { format!("{x:.4}") } else { s }
}

fn interval_labels(cuts: &[f64]) -> Vec<String> {
    if cuts.is_empty() {
        return vec!["any".into()];
    }
    let mut out = Vec::with_capacity(cuts.len() + 1);
    out.push(format!("< {}", fmt_cut(cuts[0])));
    for w in cuts.windows(2) {
        out.push(format!("[{}, {})", fmt_cut(w[0]), fmt_cut(w[1])));
    }
    out.push(format!(">= {}", fmt_cut(cuts[cuts.len() - 1])));
    out
}

/// Equal-frequency cut points over sorted, non-missing values: cuts at the values where
/// the running count crosses `i·n/bins`, de-duplicated, so ties never split.
pub fn equal_frequency_cuts(sorted: &[f64], bins: usize) -> Vec<f64> {
    let n = sorted.len();
    let mut cuts: Vec<f64> = Vec::new();
    if n == 0 || bins <= 1 {
        return cuts;
    }
    for i in 1..bins {
        let pos = (i * n) / bins;
        if pos == 0 || pos >= n {
            continue;
        }
        // Cut between sorted[pos-1] and sorted[pos] only if they differ; otherwise move
        // to the next change of value.
        let mut p = pos;
        while p < n && sorted[p] == sorted[p - 1] {
            p += 1;
        }
        if p >= n {
            continue;
        }
        let cut = sorted[p];
        if cuts.last().is_none_or(|&c| cut > c) {
            cuts.push(cut);
        }
    }
    cuts
}

/// Supervised MDL cut points (Fayyad & Irani 1993) over `(value, class, weight)` rows
/// sorted by value, with at most `max_bins` bins.
///
/// Not yet implemented: returns an error until the MDL discretizer lands.
pub fn mdl_cuts(
    _sorted: &[(f64, u8, f64)],
    _n_classes: usize,
    _max_bins: usize,
) -> Result<Vec<f64>> {
    Err(Error::Fit(
        "MDL discretization is not implemented yet".into(),
    ))
}

impl Discretizer {
    /// Fits the encoders on `rows` of `table` (training rows only).
    pub fn fit(table: &Table, rows: &[usize], binning: &Binning) -> Result<Self> {
        binning.validate()?;
        let schema = table.schema();
        let mut encoders = Vec::with_capacity(schema.features.len());
        for (j, f) in schema.features.iter().enumerate() {
            let enc = match (&f.kind, table.column(j)) {
                (FeatureKind::Categorical { levels }, Column::Categorical(codes)) => {
                    let mut seen = vec![false; levels.len()];
                    for &r in rows {
                        let c = codes[r];
                        if c != MISSING_LEVEL {
                            seen[c as usize] = true;
                        }
                    }
                    let kept: Vec<String> = levels
                        .iter()
                        .zip(&seen)
                        .filter(|(_, s)| **s)
                        .map(|(l, _)| l.clone())
                        .collect();
                    if kept.len() > MAX_LEVELS {
                        return Err(Error::Schema {
                            location: crate::error::Location::default().at_column(&f.name),
                            message: format!(
                                "{} levels; at most {MAX_LEVELS} are supported (drop the column or group its levels)",
                                kept.len()
                            ),
                        });
                    }
                    FeatureEncoder::Categorical {
                        name: f.name.clone(),
                        levels: kept,
                    }
                }
                (FeatureKind::Numeric, Column::Numeric(values)) => {
                    let cuts = match *binning {
                        Binning::EqualFrequency { bins } => {
                            let mut v: Vec<f64> = rows
                                .iter()
                                .map(|&r| values[r])
                                .filter(|x| !x.is_nan())
                                .collect();
                            v.sort_by(f64::total_cmp);
                            equal_frequency_cuts(&v, bins)
                        }
                        Binning::Mdl { min_bins, max_bins } => {
                            let mut v: Vec<(f64, u8, f64)> = rows
                                .iter()
                                .filter(|&&r| !values[r].is_nan())
                                .map(|&r| (values[r], table.labels()[r], table.weight(r)))
                                .collect();
                            v.sort_by(|a, b| a.0.total_cmp(&b.0));
                            let cuts = mdl_cuts(&v, schema.target.n_classes(), max_bins)?;
                            if cuts.len() + 1 < min_bins {
                                let vals: Vec<f64> = v.iter().map(|t| t.0).collect();
                                equal_frequency_cuts(&vals, min_bins)
                            } else {
                                cuts
                            }
                        }
                    };
                    FeatureEncoder::Numeric {
                        name: f.name.clone(),
                        cuts,
                    }
                }
                _ => {
                    return Err(Error::schema(format!(
                        "column '{}' does not match its schema kind",
                        f.name
                    )));
                }
            };
            encoders.push(enc);
        }
        Ok(Self::from_encoders(
            encoders,
            binning.clone(),
            schema.target.classes.clone(),
        ))
    }

    /// A discretizer from encoders given directly (e.g. cut points chosen by hand).
    pub fn from_encoders(
        encoders: Vec<FeatureEncoder>,
        binning: Binning,
        classes: Vec<String>,
    ) -> Self {
        let features = encoders
            .iter()
            .map(|e| match e {
                FeatureEncoder::Categorical { name, levels } => EncodedFeature {
                    name: name.clone(),
                    levels: levels.clone(),
                    numeric: false,
                },
                FeatureEncoder::Numeric { name, cuts } => EncodedFeature {
                    name: name.clone(),
                    levels: interval_labels(cuts),
                    numeric: true,
                },
            })
            .collect();
        Discretizer {
            encoders,
            binning,
            schema: Arc::new(EncodedSchema { features, classes }),
        }
    }

    /// The encoders, one per feature.
    pub fn encoders(&self) -> &[FeatureEncoder] {
        &self.encoders
    }

    /// The binning the numeric features were fitted with.
    pub fn binning(&self) -> &Binning {
        &self.binning
    }

    /// The meaning of the codes this discretizer produces.
    pub fn schema(&self) -> &Arc<EncodedSchema> {
        &self.schema
    }

    /// The cut points of a numeric feature (None for a categorical one).
    pub fn cuts(&self, feature: usize) -> Option<&[f64]> {
        match &self.encoders[feature] {
            FeatureEncoder::Numeric { cuts, .. } => Some(cuts),
            FeatureEncoder::Categorical { .. } => None,
        }
    }

    /// Encodes every row of `table`.
    pub fn encode(&self, table: &Table) -> Result<Encoded> {
        self.encode_rows(table, &table.all_rows()).map(|(e, _)| e)
    }

    /// Encodes `rows` of `table` (features matched by name, so the column order may
    /// differ from training), reporting categories never seen in training (encoded as
    /// missing).
    pub fn encode_rows(&self, table: &Table, rows: &[usize]) -> Result<(Encoded, EncodeReport)> {
        let tschema = table.schema();
        if tschema.target.classes != self.schema.classes {
            return Err(Error::schema(format!(
                "table classes {:?} differ from the model's {:?}",
                tschema.target.classes, self.schema.classes
            )));
        }
        let mut columns = Vec::with_capacity(self.encoders.len());
        let mut report = EncodeReport::default();
        for (enc, ef) in self.encoders.iter().zip(&self.schema.features) {
            let name = enc.name();
            let j = tschema.feature_index(name).ok_or_else(|| Error::Schema {
                location: crate::error::Location::default().at_column(name),
                message: "the model needs this column but the data has none".into(),
            })?;
            let missing = ef.missing_code();
            let codes: Vec<u16> = match (enc, table.column(j)) {
                (FeatureEncoder::Categorical { levels, .. }, Column::Categorical(src)) => {
                    // Map the table's level codes to ours once, not per row.
                    let tlevels = tschema.features[j].levels();
                    let map: Vec<Option<u16>> = tlevels
                        .iter()
                        .map(|l| levels.iter().position(|m| m == l).map(|p| p as u16))
                        .collect();
                    let mut unseen = 0;
                    let out = rows
                        .iter()
                        .map(|&r| {
                            let c = src[r];
                            if c == MISSING_LEVEL {
                                missing
                            } else {
                                map[c as usize].unwrap_or_else(|| {
                                    unseen += 1;
                                    missing
                                })
                            }
                        })
                        .collect();
                    if unseen > 0 {
                        report.unseen.push((name.to_string(), unseen));
                    }
                    out
                }
                (FeatureEncoder::Numeric { cuts, .. }, Column::Numeric(src)) => rows
                    .iter()
                    .map(|&r| {
                        let x = src[r];
                        if x.is_nan() {
                            missing
                        } else {
                            cuts.partition_point(|&c| c <= x) as u16
                        }
                    })
                    .collect(),
                (FeatureEncoder::Numeric { .. }, Column::Categorical(_)) => {
                    return Err(Error::Schema {
                        location: crate::error::Location::default().at_column(name),
                        message: "the model expects numbers but the column holds text".into(),
                    });
                }
                (FeatureEncoder::Categorical { levels, .. }, Column::Numeric(src)) => {
                    // A categorical column that happened to parse as numbers (e.g. all
                    // "1"/"0" in a small scoring file): match by the number's text.
                    let mut unseen = 0;
                    let out = rows
                        .iter()
                        .map(|&r| {
                            let x = src[r];
                            if x.is_nan() {
                                return missing;
                            }
                            let s = format!("{x}");
                            levels
                                .iter()
                                .position(|m| m == &s || m.parse::<f64>().ok() == Some(x))
                                .map(|p| p as u16)
                                .unwrap_or_else(|| {
                                    unseen += 1;
                                    missing
                                })
                        })
                        .collect();
                    if unseen > 0 {
                        report.unseen.push((name.to_string(), unseen));
                    }
                    out
                }
            };
            columns.push(Codes::from_u16(codes, ef.cardinality()));
        }
        let labels = rows.iter().map(|&r| table.labels()[r]).collect();
        let weights = table
            .weights()
            .map(|w| rows.iter().map(|&r| w[r]).collect());
        Ok((
            Encoded::new(Arc::clone(&self.schema), columns, labels, weights)?,
            report,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_frequency_bins_hold_equal_counts_on_distinct_values() {
        let v: Vec<f64> = (0..100).map(f64::from).collect();
        let cuts = equal_frequency_cuts(&v, 4);
        assert_eq!(cuts, vec![25.0, 50.0, 75.0]);
        let mut counts = [0; 4];
        for x in &v {
            counts[cuts.partition_point(|&c| c <= *x)] += 1;
        }
        assert_eq!(counts, [25; 4]);
    }

    #[test]
    fn equal_frequency_never_splits_ties() {
        let v = [1.0, 1.0, 1.0, 1.0, 2.0, 3.0];
        let cuts = equal_frequency_cuts(&v, 3);
        // The first cut (after 2 rows) lands inside the run of 1s and moves to its end;
        // the second falls on the same place, so it is merged.
        assert_eq!(cuts, vec![2.0]);
    }

    #[test]
    fn interval_labels_are_readable() {
        assert_eq!(
            interval_labels(&[6.0, 20.5]),
            vec!["< 6", "[6, 20.5)", ">= 20.5"]
        );
    }
}
