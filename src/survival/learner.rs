//! The survival tree over raw tables: [`SurvivalLearner`] (duration column,
//! binning, self-tuning) and the fitted [`SurvivalModel`] (discretizer + tree) that
//! answers per-customer questions conditional on the customer's current tenure.

use serde::{Deserialize, Serialize};

use super::curve::CustomerCurve;
use super::data::{SurvivalData, duration_column, fit_discretizer};
use super::hazleaf::HazardLeaves;
use super::params::SurvivalTreeParams;
use super::tree::SurvivalTree;
use super::tune::{SurvivalGrid, SurvivalTune, SurvivalTuneReport, tune};
use crate::data::{Binning, Column, Discretizer, Encoded, Table};
use crate::error::{Error, Location, Result};
use crate::learner::Explanation;

/// A survival-tree learner over raw tables: the churn label is the event, the numeric
/// column `duration` the clock (never a feature). Fits a [`Discretizer`] (numerics
/// cut by `binning`) on the training rows only, then a [`SurvivalTree`] on the codes.
///
/// [`SurvivalLearner::new`] tunes itself ([`SurvivalTune::Fast`]: depth, leaf size and
/// binning by 5-fold CV on the training rows, seed 42); `.tune(SurvivalTune::Off)`
/// fits [`SurvivalTreeParams::default`] on 32 equal-frequency bins.
///
/// ```
/// use churnkit::data::{CsvOptions, read_csv};
/// use churnkit::survival::{SurvivalLearner, SurvivalTune};
///
/// # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/telco-train.csv");
/// let table = read_csv(path, &CsvOptions::new("Churn").id_column("customerID"))?;
/// let learner = SurvivalLearner::new("Tenure").tune(SurvivalTune::Off);
/// let model = learner.fit(&table, &table.all_rows())?;
/// // A customer 10 months in: churn within 3, 6 and 12 more months.
/// let p = &model.predict(&table, &[0], &[3.0, 6.0, 12.0], 24.0)?[0];
/// assert!(p.churn_within[0] <= p.churn_within[1] && p.churn_within[1] <= p.churn_within[2]);
/// # Ok::<(), churnkit::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurvivalLearner {
    /// The tree's parameters (the base the tuned settings replace).
    pub params: SurvivalTreeParams,
    /// How numeric features are binned (replaced by the tuned binning).
    pub binning: Binning,
    /// The duration column (the clock).
    pub duration: String,
    /// Whether the fit first chooses depth, leaf size and binning by CV.
    pub tune: SurvivalTune,
    /// The seed of the tuning's folds.
    pub seed: u64,
    /// The name in reports.
    pub name: String,
    /// A grid replacing the tuning mode's (used unless the mode is `Off`).
    #[serde(default)]
    pub grid: Option<SurvivalGrid>,
}

impl SurvivalLearner {
    /// The self-tuning survival tree with `duration` as the clock. Named
    /// `survival-tree`.
    pub fn new(duration: impl Into<String>) -> Self {
        SurvivalLearner {
            params: SurvivalTreeParams::default(),
            binning: Binning::EqualFrequency { bins: 32 },
            duration: duration.into(),
            tune: SurvivalTune::Fast,
            seed: 42,
            name: "survival-tree".into(),
            grid: None,
        }
    }

    /// Tunes over `grid` instead of the mode's grid (a mode of `Off` still turns
    /// tuning off).
    pub fn grid(mut self, grid: SurvivalGrid) -> Self {
        self.grid = Some(grid);
        self
    }

    /// Sets the tree's (base) parameters.
    pub fn params(mut self, p: SurvivalTreeParams) -> Self {
        self.params = p;
        self
    }

    /// Sets the (base) binning.
    pub fn binning(mut self, b: Binning) -> Self {
        self.binning = b;
        self
    }

    /// Sets the tuning mode.
    pub fn tune(mut self, t: SurvivalTune) -> Self {
        self.tune = t;
        self
    }

    /// Sets the tuning's seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Renames the learner.
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Fits on `rows` of `table`: checks the durations ([`SurvivalData::from_table`]),
    /// tunes (unless off), fits the discretizer on the rows (without the duration
    /// column), encodes them and grows the tree.
    ///
    /// # Errors
    /// Parameter errors, [`SurvivalData::from_table`]'s errors, and the binning's and
    /// the tree's.
    pub fn fit(&self, table: &Table, rows: &[usize]) -> Result<SurvivalModel> {
        self.params.check()?;
        self.binning.validate()?;
        let data = SurvivalData::from_table(table, &self.duration, rows)?;
        let (params, binning, tuning) = match tune(
            &self.params,
            self.tune.grid_or(self.grid.as_ref()).as_ref(),
            table,
            rows,
            &data,
            &self.duration,
            self.seed,
        )? {
            Some((p, b, r)) => (p, b, Some(Box::new(r))),
            None => (self.params.clone(), self.binning.clone(), None),
        };
        let discretizer = fit_discretizer(table, rows, &binning, &self.duration)?;
        let (enc, _) = discretizer.encode_rows(table, rows)?;
        let tree = params.fit(&enc, &data)?;
        let leaves = match tuning.as_ref().and_then(|r| r.leaf_alpha) {
            Some(a) if a > 0.0 => Some(HazardLeaves::fit(&enc, &data, None, a)),
            _ => None,
        };
        Ok(SurvivalModel {
            discretizer,
            tree,
            duration: self.duration.clone(),
            name: self.name.clone(),
            tuning,
            leaves,
        })
    }
}

/// What a [`SurvivalModel`] says about one customer, given how long they have
/// stayed (`t0`, their current value of the duration column).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurvivalPrediction {
    /// How long the customer has stayed so far.
    pub t0: f64,
    /// `P(churn within h | stayed until t0)` for each horizon asked, in order.
    pub churn_within: Vec<f64>,
    /// The median remaining time, or None when it is beyond the data's horizon.
    pub median_remaining: Option<f64>,
    /// The restricted mean remaining lifetime over the horizon asked.
    pub restricted_mean: f64,
    /// The unconditional risk score, `τ − RMST(τ)` of the customer's curve (higher =
    /// churns sooner).
    pub risk: f64,
}

/// A fitted survival tree with its discretizer: answers for raw rows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SurvivalModel {
    /// The preprocessing fitted on the training rows (the duration column excluded).
    pub discretizer: Discretizer,
    /// The tree over its codes.
    pub tree: SurvivalTree,
    /// The duration column: the current tenure `t0` of a scored customer.
    pub duration: String,
    /// The name in reports.
    pub name: String,
    /// What the self-tuning chose (None when untuned; not serialized).
    #[serde(skip)]
    pub tuning: Option<Box<SurvivalTuneReport>>,
    /// Proportional-hazards leaves (None: each customer gets their leaf's curve).
    /// Stored in model files from format version 6 (older files load with None).
    pub leaves: Option<HazardLeaves>,
}

/// Model format 6: the survival model with its leaf model (absent in a JSON document
/// of an older format: None).
#[derive(Deserialize)]
struct SurvivalModelIn {
    discretizer: Discretizer,
    tree: SurvivalTree,
    duration: String,
    name: String,
    #[serde(default)]
    leaves: Option<HazardLeaves>,
}

/// Model formats 4 and 5: no leaf model.
#[derive(Deserialize)]
struct SurvivalModelV5 {
    discretizer: Discretizer,
    tree: SurvivalTree,
    duration: String,
    name: String,
}

impl<'de> Deserialize<'de> for SurvivalModel {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let m = if crate::data::compat::layout_before(6) {
            let r = SurvivalModelV5::deserialize(d)?;
            SurvivalModelIn {
                discretizer: r.discretizer,
                tree: r.tree,
                duration: r.duration,
                name: r.name,
                leaves: None,
            }
        } else {
            SurvivalModelIn::deserialize(d)?
        };
        Ok(SurvivalModel {
            discretizer: m.discretizer,
            tree: m.tree,
            duration: m.duration,
            name: m.name,
            tuning: None,
            leaves: m.leaves,
        })
    }
}

impl SurvivalModel {
    /// `rows` of `table` encoded by the model's discretizer.
    ///
    /// # Errors
    /// The discretizer's (a missing column, text where numbers were expected, other
    /// classes).
    pub fn encode(&self, table: &Table, rows: &[usize]) -> Result<Encoded> {
        Ok(self.discretizer.encode_rows(table, rows)?.0)
    }

    /// The survival curve of each of `rows`: its leaf's curve, under the customer's
    /// hazard ratio when the model has [`HazardLeaves`] (1 otherwise).
    ///
    /// # Errors
    /// As [`encode`](Self::encode).
    pub fn curves(&self, table: &Table, rows: &[usize]) -> Result<Vec<CustomerCurve<'_>>> {
        let enc = self.encode(table, rows)?;
        Ok(self.curves_of(&enc)?.into_iter().map(|(_, c)| c).collect())
    }

    /// The leaf and the survival curve of each row of `enc` (encoded by the model's
    /// discretizer), one walk of the tree per row.
    fn curves_of(&self, enc: &Encoded) -> Result<Vec<(usize, CustomerCurve<'_>)>> {
        let pairs = match &self.leaves {
            Some(h) => h.leaves_and_ratios(&self.tree, enc)?,
            None => self
                .tree
                .leaves(enc)?
                .into_iter()
                .map(|n| (n, 1.0))
                .collect(),
        };
        Ok(pairs
            .into_iter()
            .map(|(n, r)| {
                let c = CustomerCurve {
                    curve: self.tree.leaf_curve(n),
                    hazard_ratio: r,
                };
                (n, c)
            })
            .collect())
    }

    /// The risk score of each of `rows` (higher = expected to churn sooner): what the
    /// concordance index ranks — `τ − RMST(τ)` of the customer's curve.
    ///
    /// # Errors
    /// As [`encode`](Self::encode).
    pub fn risk_scores(&self, table: &Table, rows: &[usize]) -> Result<Vec<f64>> {
        let enc = self.encode(table, rows)?;
        let tau = self.tree.tau();
        Ok(self
            .curves_of(&enc)?
            .iter()
            .map(|(n, c)| c.risk(tau, self.tree.risk(*n)))
            .collect())
    }

    /// The unconditional survival `Ŝ(t | x)` of each of `rows` at each of `times`,
    /// row-major: the matrix the Brier score takes.
    ///
    /// # Errors
    /// As [`encode`](Self::encode).
    pub fn survival_matrix(
        &self,
        table: &Table,
        rows: &[usize],
        times: &[f64],
    ) -> Result<Vec<f64>> {
        Ok(super::survival_matrix(self.curves(table, rows)?, times))
    }

    /// Per customer of `rows`, conditional on their current tenure `t0` (their
    /// duration column): the probability of churning within each of `within`, the
    /// median remaining time and the restricted mean remaining lifetime over
    /// `horizon` periods.
    ///
    /// # Errors
    /// [`Error::Param`] for a horizon that is not a finite number `> 0`;
    /// [`Error::Schema`] when the table has no numeric duration column;
    /// [`Error::Value`] naming the row for a missing or negative tenure; and
    /// [`encode`](Self::encode)'s.
    pub fn predict(
        &self,
        table: &Table,
        rows: &[usize],
        within: &[f64],
        horizon: f64,
    ) -> Result<Vec<SurvivalPrediction>> {
        for &h in within.iter().chain([&horizon]) {
            if !(h.is_finite() && h > 0.0) {
                return Err(Error::param("horizon", h, "must be a finite number > 0"));
            }
        }
        let j = duration_column(table, &self.duration)?;
        let Column::Numeric(tenure) = table.column(j) else {
            return Err(Error::schema("duration column is not numeric"));
        };
        let enc = self.encode(table, rows)?;
        let tau = self.tree.tau();
        rows.iter()
            .zip(self.curves_of(&enc)?)
            .map(|(&r, (leaf, c))| {
                let t0 = tenure[r];
                if !(t0.is_finite() && t0 >= 0.0) {
                    return Err(Error::Value {
                        location: Location::default().at_column(&self.duration),
                        value: if t0.is_nan() {
                            String::new()
                        } else {
                            t0.to_string()
                        },
                        message: format!(
                            "row {r}: the customer's current tenure must be a number >= 0"
                        ),
                    });
                }
                Ok(SurvivalPrediction {
                    t0,
                    churn_within: within.iter().map(|&h| c.churn_within(t0, h)).collect(),
                    median_remaining: c.median_remaining(t0),
                    restricted_mean: c.restricted_mean(t0, horizon),
                    risk: c.risk(tau, self.tree.risk(leaf)),
                })
            })
            .collect()
    }

    /// The leaf model in words: `each customer gets their leaf's curve` or
    /// `proportional-hazards leaves (α = 0.1, …)`.
    pub fn leaf_model_text(&self) -> String {
        match &self.leaves {
            Some(h) => h.text(),
            None => "each customer gets their leaf's curve".into(),
        }
    }

    /// Why the model predicts what it does for `row` of `table`: the path's
    /// conditions, each weighted by the expected lifetime it costs (see
    /// [`SurvivalTree::explain`]); with proportional-hazards leaves, then each feature
    /// off the path as `feature = value` with its share of the lifetime the off-path
    /// evidence costs ([`HazardLeaves::contributions`]), and the summary names the
    /// customer's hazard ratio to the leaf. The weights add up to the customer's risk
    /// `τ − RMST(τ)` minus the root's.
    ///
    /// # Errors
    /// As [`encode`](Self::encode).
    pub fn explain(&self, table: &Table, row: usize) -> Result<Explanation> {
        let enc = self.encode(table, &[row])?;
        let mut out = self.tree.explain(&enc, 0)?;
        if let Some(h) = &self.leaves {
            let contributions = h.contributions(&self.tree, &enc, 0)?;
            if !contributions.is_empty() {
                let features = &self.tree.schema().features;
                for (f, weight) in contributions {
                    out.reasons.push(crate::learner::Reason {
                        feature: features[f].name.clone(),
                        condition: features[f].condition(enc.code(0, f)),
                        weight,
                    });
                }
                let ratio = h.hazard_ratios(&self.tree, &enc)?[0];
                out.summary.push_str(&format!(
                    "; hazard × {ratio:.2} from the features off the path"
                ));
            }
        }
        Ok(out)
    }

    /// Checks a model read from untrusted bytes: the discretizer, the tree, and that
    /// the tree reads the discretizer's codes.
    ///
    /// # Errors
    /// [`Error::Model`] saying what is wrong.
    pub fn validate(&self) -> Result<()> {
        self.discretizer.validate()?;
        self.tree.validate()?;
        let a = &self.discretizer.schema().features;
        let b = &self.tree.schema().features;
        if a != b {
            return Err(Error::Model {
                location: Default::default(),
                message: "survival model: the tree's features differ from the discretizer's".into(),
            });
        }
        if a.iter().any(|f| f.name == self.duration) {
            return Err(Error::Model {
                location: Default::default(),
                message: "survival model: the duration column is also a feature".into(),
            });
        }
        if let Some(h) = &self.leaves {
            h.validate(self.tree.schema()).map_err(|e| Error::Model {
                location: Default::default(),
                message: format!("survival model: {e}"),
            })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::data::{Column, Schema};

    fn synthetic(rows: usize) -> Table {
        crate::synth::generate(&crate::synth::SynthParams {
            rows,
            seed: 3,
            ..crate::synth::SynthParams::default()
        })
        .unwrap()
    }

    fn untuned() -> SurvivalLearner {
        SurvivalLearner::new("tenure_months")
            .tune(SurvivalTune::Off)
            .params(SurvivalTreeParams::new().min_rows_leaf(30.0))
    }

    #[test]
    fn the_duration_is_the_clock_not_a_feature() {
        let t = synthetic(2000);
        let m = untuned().fit(&t, &t.all_rows()).unwrap();
        assert!(m.tuning.is_none());
        let names: Vec<&str> = m
            .tree
            .schema()
            .features
            .iter()
            .map(|f| f.name.as_str())
            .collect();
        assert_eq!(names.len(), t.n_features() - 1);
        assert!(!names.contains(&"tenure_months"));
        assert!(m.tree.n_leaves() > 2);
        m.validate().unwrap();
        let mut bad = m.clone();
        bad.duration = bad.tree.schema().features[0].name.clone();
        assert!(bad.validate().is_err());
        // The tuned default chooses its own setting and says so.
        let tuned = SurvivalLearner::new("tenure_months")
            .fit(&t, &t.all_rows())
            .unwrap();
        assert!(tuned.tuning.is_some());
    }

    #[test]
    fn predictions_are_conditional_on_the_current_tenure() {
        let t = synthetic(2000);
        let m = untuned().fit(&t, &t.all_rows()).unwrap();
        let rows = [0, 1, 2, 3, 4];
        let p = m.predict(&t, &rows, &[3.0, 6.0, 12.0], 24.0).unwrap();
        let curves = m.curves(&t, &rows).unwrap();
        let Column::Numeric(tenure) = t.column(0) else {
            panic!("tenure_months is the first column")
        };
        for ((pr, &r), c) in p.iter().zip(&rows).zip(&curves) {
            assert_eq!(pr.t0, tenure[r]);
            assert!(pr.churn_within.windows(2).all(|w| w[0] <= w[1]));
            assert_eq!(pr.churn_within[1], c.churn_within(pr.t0, 6.0));
            assert_eq!(pr.median_remaining, c.median_remaining(pr.t0));
            assert!(pr.restricted_mean > 0.0 && pr.restricted_mean <= 24.0);
            assert_eq!(pr.restricted_mean, c.restricted_mean(pr.t0, 24.0));
        }
        let risk = m.risk_scores(&t, &rows).unwrap();
        assert_eq!(risk, p.iter().map(|x| x.risk).collect::<Vec<_>>());
        let s = m.survival_matrix(&t, &rows, &[6.0, 12.0]).unwrap();
        assert_eq!(s[2], curves[1].survival_at(6.0));
        assert!(m.predict(&t, &rows, &[0.0], 24.0).is_err());
        assert!(m.predict(&t, &rows, &[3.0], f64::NAN).is_err());
        let e = m.explain(&t, 0).unwrap();
        assert!(!e.reasons.is_empty() && !e.summary.is_empty());
    }

    #[test]
    fn a_customer_without_a_tenure_is_named() {
        let t = synthetic(300);
        let m = untuned().fit(&t, &t.all_rows()).unwrap();
        let mut cols = t.columns().to_vec();
        if let Column::Numeric(v) = &mut cols[0] {
            v[7] = f64::NAN;
            v[8] = -1.0;
        }
        let u = Table::new(
            Arc::clone(t.schema()),
            cols,
            t.labels().to_vec(),
            None,
            None,
        )
        .unwrap();
        let msg = m.predict(&u, &[7], &[3.0], 12.0).unwrap_err().to_string();
        assert!(
            msg.contains("row 7") && msg.contains("'tenure_months'"),
            "{msg}"
        );
        assert!(m.predict(&u, &[8], &[3.0], 12.0).is_err());
        // Fitting on it names the row too.
        let msg = untuned().fit(&u, &u.all_rows()).unwrap_err().to_string();
        assert!(msg.contains("row 7"), "{msg}");
        // A table without the duration column cannot be scored.
        let schema = Schema::builder("status")
            .numeric("x")
            .three_state()
            .build()
            .unwrap();
        let other = Table::new(
            Arc::new(schema),
            vec![Column::Numeric(vec![1.0])],
            vec![0],
            None,
            None,
        )
        .unwrap();
        assert!(m.predict(&other, &[0], &[3.0], 12.0).is_err());
    }

    /// The tuning chooses the temper of the proportional-hazards leaves among the
    /// grid's, says so, and the model applies it: each customer's curve is their
    /// leaf's under their hazard ratio, and every answer comes from that curve.
    #[test]
    fn hazard_leaves_are_chosen_by_the_cv_and_applied() {
        let t = synthetic(2000);
        let mut grid = SurvivalTune::Fast.grid().unwrap();
        grid.hazard_alphas = vec![0.0, 0.1, 0.25];
        let m = SurvivalLearner::new("tenure_months")
            .grid(grid.clone())
            .fit(&t, &t.all_rows())
            .unwrap();
        let r = m.tuning.as_ref().unwrap();
        let alpha = r.leaf_alpha.unwrap();
        assert_eq!(r.leaf_curve.len(), 3);
        let best = r
            .leaf_curve
            .iter()
            .fold(r.leaf_curve[0], |b, p| if p[1] > b[1] { *p } else { b });
        assert_eq!(alpha, best[0]);
        assert_eq!(
            m.leaves.as_ref().map(|h| h.alpha),
            (alpha > 0.0).then_some(alpha)
        );
        // A fixed temper (a one-value grid) is applied as asked.
        grid.hazard_alphas = vec![0.25];
        let m = SurvivalLearner::new("tenure_months")
            .grid(grid.clone())
            .fit(&t, &t.all_rows())
            .unwrap();
        let h = m.leaves.as_ref().unwrap();
        assert_eq!(h.alpha, 0.25);
        assert!(m.leaf_model_text().contains("α = 0.25"));
        m.validate().unwrap();
        let rows: Vec<usize> = (0..40).collect();
        let curves = m.curves(&t, &rows).unwrap();
        let enc = m.encode(&t, &rows).unwrap();
        let ratios = h.hazard_ratios(&m.tree, &enc).unwrap();
        assert!(ratios.iter().any(|&x| (x - 1.0).abs() > 1e-6));
        let p = m.predict(&t, &rows, &[6.0], 24.0).unwrap();
        let risk = m.risk_scores(&t, &rows).unwrap();
        let tau = m.tree.tau();
        for (i, c) in curves.iter().enumerate() {
            assert_eq!(c.hazard_ratio, ratios[i]);
            assert_eq!(p[i].churn_within[0], c.churn_within(p[i].t0, 6.0));
            assert_eq!(p[i].restricted_mean, c.restricted_mean(p[i].t0, 24.0));
            assert_eq!(risk[i], p[i].risk);
            assert!((risk[i] - (tau - c.restricted_mean(0.0, tau))).abs() < 1e-12);
        }
        // Round trip (the tuning report is not stored), and a file whose ratios do
        // not fit the tree is refused.
        let mut m = m;
        m.tuning = None;
        let back: SurvivalModel = bincode::deserialize(&bincode::serialize(&m).unwrap()).unwrap();
        assert_eq!(back, m);
        let back: SurvivalModel =
            serde_json::from_str(&serde_json::to_string(&m).unwrap()).unwrap();
        assert_eq!(back, m);
        let mut bad = m.clone();
        bad.leaves.as_mut().unwrap().log_rr.push(0.0);
        assert!(
            bad.validate()
                .unwrap_err()
                .to_string()
                .contains("hazard ratios")
        );
        bad = m.clone();
        bad.leaves.as_mut().unwrap().log_rr[0] = f64::INFINITY;
        assert!(bad.validate().is_err());
        // Without the grid's tempers: no leaf model.
        grid.hazard_alphas.clear();
        let plain = SurvivalLearner::new("tenure_months")
            .grid(grid)
            .fit(&t, &t.all_rows())
            .unwrap();
        assert!(plain.leaves.is_none() && plain.tuning.unwrap().leaf_alpha.is_none());
    }

    #[test]
    fn explanations_itemize_the_features_off_the_path_and_add_up_to_the_risk() {
        let t = synthetic(2000);
        let mut grid = SurvivalTune::Fast.grid().unwrap();
        grid.hazard_alphas = vec![0.25];
        let m = SurvivalLearner::new("tenure_months")
            .grid(grid)
            .fit(&t, &t.all_rows())
            .unwrap();
        let h = m.leaves.as_ref().unwrap();
        let root_risk = m.tree.risk(0);
        let names: Vec<&str> = m
            .tree
            .schema()
            .features
            .iter()
            .map(|f| f.name.as_str())
            .collect();
        let rows: Vec<usize> = (0..60).collect();
        let risk = m.risk_scores(&t, &rows).unwrap();
        let enc = m.encode(&t, &rows).unwrap();
        let ratios = h.hazard_ratios(&m.tree, &enc).unwrap();
        let mut itemized = 0;
        for (i, &row) in rows.iter().enumerate() {
            let e = m.explain(&t, row).unwrap();
            let path = m.tree.explain(&m.encode(&t, &[row]).unwrap(), 0).unwrap();
            let off = &e.reasons[path.reasons.len()..];
            assert_eq!(&e.reasons[..path.reasons.len()], &path.reasons[..]);
            // Path reasons, then one per feature off the path (none twice, none on it).
            let mut seen: Vec<&str> = off.iter().map(|r| r.feature.as_str()).collect();
            seen.sort_unstable();
            seen.dedup();
            assert_eq!(seen.len(), off.len());
            for r in off {
                assert!(names.contains(&r.feature.as_str()));
                assert!(path.reasons.iter().all(|p| p.feature != r.feature));
                assert!(r.condition.starts_with(&r.feature), "{}", r.condition);
                assert!(r.weight.is_finite());
            }
            // They add up to the customer's risk minus the root's.
            let total: f64 = e.reasons.iter().map(|r| r.weight).sum();
            assert!(
                (total - (risk[i] - root_risk)).abs() < 1e-9,
                "row {row}: {total} vs {}",
                risk[i] - root_risk
            );
            // The off-path weights carry the sign of the hazard ratio.
            let off_sum: f64 = off.iter().map(|r| r.weight).sum();
            if ratios[i] > 1.0 + 1e-9 {
                assert!(off_sum > 0.0);
            } else if ratios[i] < 1.0 - 1e-9 {
                assert!(off_sum < 0.0);
            }
            assert!(e.summary.contains(&format!("hazard × {:.2}", ratios[i])));
            itemized += usize::from(!off.is_empty());
        }
        assert!(itemized > 0);
        // Without hazard leaves: the path alone.
        let mut plain = m.clone();
        plain.leaves = None;
        let e = plain.explain(&t, 0).unwrap();
        let path = m.tree.explain(&m.encode(&t, &[0]).unwrap(), 0).unwrap();
        assert_eq!(e, path);
        // Features that cancel (η = 0): the slope at 0, weights still signed by η_f.
        let enc0 = m.encode(&t, &[0]).unwrap();
        let mut cancel = h.clone();
        let c = cancel.contributions(&m.tree, &enc0, 0).unwrap();
        assert!(c.len() >= 2, "{c:?}");
        {
            // Make the first two features' log-ratios at the row's codes ±1 and the
            // rest 0, so that η = 0.
            let mut at = 0;
            let mut offs = Vec::new();
            for f in &m.tree.schema().features {
                offs.push(at);
                at += f.cardinality();
            }
            cancel.log_rr.iter_mut().for_each(|x| *x = 0.0);
            cancel.log_rr[offs[c[0].0] + enc0.code(0, c[0].0) as usize] = 1.0;
            cancel.log_rr[offs[c[1].0] + enc0.code(0, c[1].0) as usize] = -1.0;
            let w = cancel.contributions(&m.tree, &enc0, 0).unwrap();
            assert_eq!(w.len(), 2);
            assert!(w[0].1 > 0.0 && w[1].1 < 0.0);
            assert!((w[0].1 + w[1].1).abs() < 1e-12);
        }
    }

    #[test]
    fn models_round_trip_through_serde() {
        let t = synthetic(800);
        let m = untuned().fit(&t, &t.all_rows()).unwrap();
        let bytes = bincode::serialize(&m).unwrap();
        let back: SurvivalModel = bincode::deserialize(&bytes).unwrap();
        assert_eq!(back, m);
        let json = serde_json::to_string(&m).unwrap();
        let back: SurvivalModel = serde_json::from_str(&json).unwrap();
        assert_eq!(back, m);
        back.validate().unwrap();
        let learner: SurvivalLearner =
            serde_json::from_str(&serde_json::to_string(&untuned()).unwrap()).unwrap();
        assert_eq!(learner, untuned());
    }
}
