//! Population drift: the population stability index (PSI) of every feature, and of the

use serde::{Deserialize, Serialize};

use crate::data::equal_frequency_cuts;
use crate::data::{Binning, Column, Discretizer, FeatureEncoder, Table};
use crate::error::{Error, Location, Result};

/// The floor applied to bin shares before taking logarithms.
pub const PSI_EPSILON: f64 = 1e-4;

/// Number of bins for numeric features and scores.
pub const PSI_BINS: usize = 10;

/// What a PSI value says about a population.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Stability {
    /// PSI < 0.1: no meaningful change.
    Stable,
    /// 0.1 <= PSI <= 0.2: a moderate shift; watch it.
    Watch,
    /// PSI > 0.2: a significant shift; retrain.
    Retrain,
}

impl Stability {
    /// The reading of a PSI value.
    pub fn from_psi(psi: f64) -> Self {
        if psi < 0.1 {
            Stability::Stable
        } else if psi <= 0.2 {
            Stability::Watch
        } else {
            Stability::Retrain
        }
    }
}

impl std::fmt::Display for Stability {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Stability::Stable => "stable",
            Stability::Watch => "watch",
            Stability::Retrain => "retrain",
        })
    }
}

/// One bin of a PSI computation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PsiBin {
    /// What the bin holds: a level, an interval such as `[0, 6)`, or `missing`.
    pub label: String,
    /// Share of reference rows in the bin (before the ε floor).
    pub reference: f64,
    /// Share of new rows in the bin (before the ε floor).
    pub current: f64,
    /// This bin's term `(a − e) ln(a / e)` (after the floor).
    pub contribution: f64,
}

/// The PSI of one feature (or of a score).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureDrift {
    /// The feature's column name (or `score`).
    pub feature: String,
    /// The population stability index.
    pub psi: f64,
    /// Its reading.
    pub stability: Stability,
    /// The bins.
    pub bins: Vec<PsiBin>,
}

/// Population drift: the population stability index (PSI) of every feature, and of the
/// churn score, between a reference table (usually the training data) and a new one, so
/// a retraining pipeline can decide when to retrain.
///
/// ```text
/// PSI = Σ_b (a_b − e_b) · ln(a_b / e_b)
/// ```
///
/// where `e_b` is the reference share and `a_b` the new share of bin `b`. Both shares
/// are floored at `PSI_EPSILON` (1e-4) so an empty bin does not make the index infinite.
/// The usual reading (Siddiqi 2006, *Credit Risk Scorecards*): below 0.1 the population
/// is stable, 0.1 to 0.2 worth watching, above 0.2 it has shifted enough to retrain.
///
/// Bins:
/// - a numeric feature (or a score) is cut at the reference's deciles (the
///   equal-frequency cuts of [`equal_frequency_cuts`] with 10 bins, so ties never split),
///   a value `x` going to bin `#{cuts <= x}`;
/// - a categorical feature has one bin per level text seen in either table (a level new
///   in the second table gets its own bin, with reference share 0 floored to ε);
/// - missing values always form their own bin.
///
/// PSI counts rows; sample weights are not used (drift is about who is in the data).
///
/// The PSI of every feature of a reference table against a new table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriftReport {
    /// One entry per feature of the reference table, in its order.
    pub features: Vec<FeatureDrift>,
}

impl DriftReport {
    /// The worst reading over all features (Stable for no features).
    pub fn stability(&self) -> Stability {
        self.features
            .iter()
            .map(|f| f.stability)
            .max()
            .unwrap_or(Stability::Stable)
    }

    /// Features sorted by PSI, largest first.
    pub fn most_drifted(&self) -> Vec<&FeatureDrift> {
        let mut v: Vec<&FeatureDrift> = self.features.iter().collect();
        v.sort_by(|a, b| b.psi.total_cmp(&a.psi));
        v
    }
}

impl std::fmt::Display for DriftReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let w = self
            .features
            .iter()
            .map(|d| d.feature.len())
            .max()
            .unwrap_or(7)
            .max(7);
        writeln!(f, "{:<w$}  {:>8}  reading", "feature", "PSI")?;
        for d in &self.features {
            writeln!(f, "{:<w$}  {:>8.4}  {}", d.feature, d.psi, d.stability)?;
        }
        write!(f, "overall: {}", self.stability())
    }
}

/// PSI from bin counts (`reference[b]`, `current[b]`), with the ε floor on shares.
pub fn psi_from_counts(
    labels: Vec<String>,
    reference: &[f64],
    current: &[f64],
) -> (f64, Vec<PsiBin>) {
    let nr: f64 = reference.iter().sum();
    let nc: f64 = current.iter().sum();
    let mut total = 0.0;
    let bins = labels
        .into_iter()
        .zip(reference.iter().zip(current))
        .map(|(label, (&r, &c))| {
            let e = if nr > 0.0 { r / nr } else { 0.0 };
            let a = if nc > 0.0 { c / nc } else { 0.0 };
            let (ef, af) = (e.max(PSI_EPSILON), a.max(PSI_EPSILON));
            let contribution = (af - ef) * (af / ef).ln();
            total += contribution;
            PsiBin {
                label,
                reference: e,
                current: a,
                contribution,
            }
        })
        .collect();
    (total, bins)
}

/// Numeric bins: decile cuts of the reference, labels as the discretizer writes them,
/// missing last.
fn numeric_drift(name: &str, reference: &[f64], current: &[f64]) -> FeatureDrift {
    let mut sorted: Vec<f64> = reference.iter().copied().filter(|x| !x.is_nan()).collect();
    sorted.sort_by(f64::total_cmp);
    let cuts = equal_frequency_cuts(&sorted, PSI_BINS);
    let labels_of = Discretizer::from_encoders(
        vec![FeatureEncoder::Numeric {
            name: name.to_string(),
            cuts: cuts.clone(),
        }],
        Binning::EqualFrequency { bins: PSI_BINS },
        Vec::new(),
    );
    let mut labels = labels_of.schema().features[0].levels.to_vec();
    labels.push("missing".into());
    let n_bins = labels.len();
    let count = |v: &[f64]| {
        let mut c = vec![0.0; n_bins];
        for &x in v {
            let b = if x.is_nan() {
                n_bins - 1
            } else {
                cuts.partition_point(|&cut| cut <= x)
            };
            c[b] += 1.0;
        }
        c
    };
    let (psi, bins) = psi_from_counts(labels, &count(reference), &count(current));
    FeatureDrift {
        feature: name.to_string(),
        psi,
        stability: Stability::from_psi(psi),
        bins,
    }
}

/// The PSI of a score (e.g. the churn probability) between a reference population and
/// a new one, on the reference's deciles. NaN scores count as missing.
pub fn score_psi(reference: &[f64], current: &[f64]) -> Result<FeatureDrift> {
    if reference.is_empty() || current.is_empty() {
        return Err(Error::param(
            "scores",
            format!("{} vs {}", reference.len(), current.len()),
            "both score vectors need at least one value",
        ));
    }
    Ok(numeric_drift("score", reference, current))
}

/// The PSI of every feature of `reference` against `current`. Features are matched by
/// name (the column order may differ); categorical levels by their text.
///
/// Errors when a feature of the reference is absent from `current` or has another
/// kind, or when either table has no rows.
pub fn feature_drift(reference: &Table, current: &Table) -> Result<DriftReport> {
    if reference.n_rows() == 0 || current.n_rows() == 0 {
        return Err(Error::Fit(format!(
            "drift needs rows in both tables ({} reference, {} new)",
            reference.n_rows(),
            current.n_rows()
        )));
    }
    let rs = reference.schema();
    let cs = current.schema();
    let mut features = Vec::with_capacity(rs.n_features());
    for (j, f) in rs.features.iter().enumerate() {
        let at = Location::default().at_column(&f.name);
        let cj = cs.feature_index(&f.name).ok_or_else(|| Error::Schema {
            location: at.clone(),
            message: "the reference has this feature but the new table has none".into(),
        })?;
        let drift = match (reference.column(j), current.column(cj)) {
            (Column::Numeric(r), Column::Numeric(c)) => numeric_drift(&f.name, r, c),
            (Column::Categorical(r), Column::Categorical(c)) => {
                let rl = f.levels();
                let cl = cs.features[cj].levels();
                let mut labels: Vec<String> = rl.to_vec();
                for l in cl {
                    if !labels.contains(l) {
                        labels.push(l.clone());
                    }
                }
                let missing = labels.len();
                // the new table's codes mapped to bins once
                let c_map: Vec<usize> = cl
                    .iter()
                    .map(|l| labels.iter().position(|x| x == l).unwrap_or(missing))
                    .collect();
                let mut rc = vec![0.0; missing + 1];
                let mut cc = vec![0.0; missing + 1];
                for &code in r {
                    rc[rl.get(code as usize).map_or(missing, |_| code as usize)] += 1.0;
                }
                for &code in c {
                    cc[c_map.get(code as usize).copied().unwrap_or(missing)] += 1.0;
                }
                labels.push("missing".into());
                let (psi, bins) = psi_from_counts(labels, &rc, &cc);
                FeatureDrift {
                    feature: f.name.clone(),
                    psi,
                    stability: Stability::from_psi(psi),
                    bins,
                }
            }
            _ => {
                return Err(Error::Schema {
                    location: at,
                    message: "numeric in one table and categorical in the other".into(),
                });
            }
        };
        features.push(drift);
    }
    Ok(DriftReport { features })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::data::{Feature, FeatureKind, MISSING_LEVEL, Schema, Target};

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-12, "{a} != {b}");
    }

    fn table(levels: &[&str], cat: Vec<u32>, num: Vec<f64>) -> Table {
        let schema = Arc::new(Schema {
            features: vec![
                Feature {
                    name: "plan".into(),
                    kind: FeatureKind::Categorical {
                        levels: levels.iter().map(|s| s.to_string()).collect(),
                    },
                },
                Feature {
                    name: "tenure".into(),
                    kind: FeatureKind::Numeric,
                },
            ],
            target: Target::binary("churn"),
            id_column: None,
            weight_column: None,
        });
        let n = num.len();
        Table::new(
            schema,
            vec![Column::Categorical(cat), Column::Numeric(num)],
            vec![0; n],
            None,
            None,
        )
        .unwrap()
    }

    #[test]
    fn readings() {
        assert_eq!(Stability::from_psi(0.05), Stability::Stable);
        assert_eq!(Stability::from_psi(0.1), Stability::Watch);
        assert_eq!(Stability::from_psi(0.2), Stability::Watch);
        assert_eq!(Stability::from_psi(0.25), Stability::Retrain);
    }

    #[test]
    fn psi_by_hand() {
        // shares e = [.5, .3, .2], a = [.3, .3, .4]:
        // (.3−.5) ln(.3/.5) + 0 + (.4−.2) ln(.4/.2) = 0.2·ln(5/3) + 0.2·ln 2
        let (psi, bins) = psi_from_counts(
            vec!["a".into(), "b".into(), "c".into()],
            &[5.0, 3.0, 2.0],
            &[3.0, 3.0, 4.0],
        );
        close(psi, 0.2 * (5.0f64 / 3.0).ln() + 0.2 * 2.0f64.ln());
        close(bins[1].contribution, 0.0);
        // empty bin: floored at ε
        let (psi, _) = psi_from_counts(vec!["a".into(), "b".into()], &[1.0, 0.0], &[1.0, 1.0]);
        let want = (0.5 - 1.0) * (0.5f64).ln() + (0.5 - PSI_EPSILON) * (0.5 / PSI_EPSILON).ln();
        close(psi, want);
    }

    #[test]
    fn identical_tables_are_stable_and_shifts_are_seen() {
        let num: Vec<f64> = (0..100).map(f64::from).collect();
        let cat: Vec<u32> = (0..100).map(|i| (i % 2) as u32).collect();
        let a = table(&["basic", "premium"], cat.clone(), num.clone());
        let r = feature_drift(&a, &a).unwrap();
        assert_eq!(r.features.len(), 2);
        for f in &r.features {
            close(f.psi, 0.0);
        }
        assert_eq!(r.stability(), Stability::Stable);
        // the new table: tenure shifted by 50, a new level "gold", some missing plans;
        // its level list is in another order (matched by text)
        let mut cat2: Vec<u32> = (0..100).map(|i| if i % 2 == 0 { 1 } else { 0 }).collect();
        cat2[..20].fill(2);
        cat2[20..30].fill(MISSING_LEVEL);
        let num2: Vec<f64> = num.iter().map(|x| x + 50.0).collect();
        let b = table(&["premium", "basic", "gold"], cat2, num2);
        let r = feature_drift(&a, &b).unwrap();
        let plan = &r.features[0];
        assert_eq!(plan.bins.len(), 4); // basic, premium, gold, missing
        assert_eq!(plan.bins[2].label, "gold");
        close(plan.bins[2].current, 0.2);
        close(plan.bins[3].current, 0.1);
        // by text: in b, even rows have code 1 = "basic", odd rows code 0 = "premium";
        // rows 30..100 keep them: 35 of each
        close(plan.bins[0].current, 0.35);
        close(plan.bins[1].current, 0.35);
        let tenure = &r.features[1];
        // the deciles of 0..99 hold 10 rows each; the new values 50..149 leave the 5
        // lowest bins empty (floored at ε), put 10 rows in each of bins 6..9 (no change)
        // and 60 rows (90..149) in the top bin [90, ∞)
        let e = 0.1f64;
        let want = 5.0 * (PSI_EPSILON - e) * (PSI_EPSILON / e).ln() + (0.6 - e) * (0.6 / e).ln();
        close(tenure.psi, want);
        assert_eq!(tenure.stability, Stability::Retrain);
        assert_eq!(r.most_drifted()[0].feature, "tenure");
        assert!(r.to_string().contains("retrain"));
    }

    #[test]
    fn score_psi_and_bad_inputs() {
        let s: Vec<f64> = (0..50).map(|i| i as f64 / 50.0).collect();
        close(score_psi(&s, &s).unwrap().psi, 0.0);
        assert!(score_psi(&[], &s).is_err());
        let a = table(&["x"], vec![0, 0], vec![1.0, 2.0]);
        let schema = Arc::new(Schema {
            features: vec![Feature {
                name: "tenure".into(),
                kind: FeatureKind::Categorical {
                    levels: vec!["x".into()].into(),
                },
            }],
            target: Target::binary("churn"),
            id_column: None,
            weight_column: None,
        });
        let other = Table::new(
            schema,
            vec![Column::Categorical(vec![0])],
            vec![0],
            None,
            None,
        )
        .unwrap();
        // "plan" missing from the new table
        let err = feature_drift(&a, &other).unwrap_err().to_string();
        assert!(err.contains("plan"), "{err}");
    }
}
