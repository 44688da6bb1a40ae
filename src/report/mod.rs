//! The self-contained HTML report of a model on labeled data: one file (styles and
//! SVG charts inline, no script, no network access) with the ROC and
//! precision–recall curves, cumulative gains and lift by decile, the calibration
//! plot, the confusion matrix, tier shares with their churn rates and value at risk,
//! the top reasons and drivers, feature importance, and the tree (collapsible) or the
//! network drawn as a graph. A model with a time-to-churn part (`train --duration`)
//! adds the [`SURVIVAL_SECTION`]: concordance, integrated Brier score, time-dependent
//! AUC, observed and predicted survival curves by quarter of predicted risk, and
//! calibration by risk decile at each horizon.
//!
//! Charts are drawn with plotters' SVG backend. The report evaluates with
//! [`Report::from_proba`] (the same figures as `churnkit evaluate`) and scores with
//! [`Scorer`] (the same tiers, reasons and retention figures as `churnkit score`).
//!
//! ```no_run
//! use churnkit::data::{CsvOptions, read_csv};
//! use churnkit::model::Model;
//! use churnkit::report::HtmlReport;
//!
//! # fn main() -> churnkit::Result<()> {
//! let model = Model::load("churn.model")?;
//! let table = read_csv("customers.csv", &CsvOptions::new("status").with_schema_kinds(model.schema()))?;
//! HtmlReport::new(&model, &table)
//!     .title("Churn model, March")
//!     .write_to("report.html")?;
//! # Ok(())
//! # }
//! ```

mod charts;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use crate::data::Table;
use crate::error::{Error, Result};
use crate::eval::{Report, SurvivalEvalOptions, SurvivalReport, evaluate_survival};
use crate::model::{Model, ModelBody};
use crate::policy::Tier;
use crate::score::{Score, Scorer};
use crate::survival::{SurvivalCurve, SurvivalData, SurvivalModel};

/// The report's sections: `(id, title)`, in page order. Every section is an element
/// `<section id="ID">`; all but `summary` and a tree's `structure` hold SVG charts.
pub const SECTIONS: [(&str, &str); 10] = [
    ("summary", "Summary"),
    ("roc", "ROC curve"),
    ("precision-recall", "Precision–recall curve"),
    ("gains", "Cumulative gains and lift"),
    ("calibration", "Calibration"),
    ("confusion", "Confusion matrix"),
    ("tiers", "Tiers, churn rates and value at risk"),
    ("reasons", "Top reasons and drivers"),
    ("importance", "Feature importance"),
    ("structure", "Model structure"),
];

/// The section of a model with a time-to-churn part (`train --duration`), shown
/// before the model structure when the table has the model's duration column: the
/// concordance index, the integrated Brier score against Kaplan–Meier's, the
/// time-dependent AUC, Kaplan–Meier curves observed in each quarter of predicted risk
/// beside the model's mean predicted curves, and calibration by risk decile.
pub const SURVIVAL_SECTION: (&str, &str) = ("survival", "Time to churn");

/// Groups of predicted risk drawn in the survival chart (quarters).
const SURVIVAL_GROUPS: usize = 4;

/// Times on which the survival chart's predicted mean curves are drawn.
const SURVIVAL_GRID: usize = 120;

/// A curve's points `(x, y)`.
type Curve = Vec<(f64, f64)>;

/// Most points drawn per curve (a curve with more thresholds is thinned evenly).
const MAX_CURVE_POINTS: usize = 1500;

/// Reasons shown in the reasons chart.
const TOP_REASONS: usize = 12;

/// Builds the HTML report of a model on a labeled table.
#[derive(Debug, Clone)]
pub struct HtmlReport<'a> {
    model: &'a Model,
    table: &'a Table,
    rows: Option<Vec<usize>>,
    title: String,
    source: Option<String>,
}

impl<'a> HtmlReport<'a> {
    /// The report of `model` on every row of `table` (whose labels it is judged
    /// against).
    pub fn new(model: &'a Model, table: &'a Table) -> Self {
        HtmlReport {
            model,
            table,
            rows: None,
            title: "churnkit report".into(),
            source: None,
        }
    }

    /// The page's title and heading.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = title.into();
        self
    }

    /// Judges the model on these rows only (e.g. a held-out split).
    pub fn rows(mut self, rows: &[usize]) -> Self {
        self.rows = Some(rows.to_vec());
        self
    }

    /// A line naming the model and data files, shown under the title.
    pub fn source(mut self, source: impl Into<String>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// Writes the page to `path` atomically (an existing file stays as it was if
    /// anything fails).
    pub fn write_to(&self, path: impl AsRef<Path>) -> Result<()> {
        let html = self.render()?;
        crate::output::write_atomic(path, html.as_bytes())
    }

    /// The sections of this report in page order: [`SECTIONS`], with
    /// [`SURVIVAL_SECTION`] before the model structure when the model has a
    /// time-to-churn part and the table its duration column.
    pub fn sections(&self) -> Vec<(&'static str, &'static str)> {
        let mut v = SECTIONS.to_vec();
        if self.survival_model().is_some() {
            v.insert(v.len() - 1, SURVIVAL_SECTION);
        }
        v
    }

    /// The time-to-churn model judged by the report, if any.
    fn survival_model(&self) -> Option<&'a SurvivalModel> {
        self.model
            .survival()
            .filter(|m| self.table.schema().feature_index(&m.duration).is_some())
    }

    /// The page as one HTML string.
    pub fn render(&self) -> Result<String> {
        let rows = self.rows.clone().unwrap_or_else(|| self.table.all_rows());
        if rows.is_empty() {
            return Err(Error::Fit("nothing to report: no rows".into()));
        }
        let classes = self.table.schema().target.classes.clone();
        let k = classes.len();
        let proba = self.model.predict_proba(self.table, &rows)?;
        let labels: Vec<u8> = rows.iter().map(|&r| self.table.labels()[r]).collect();
        let weights: Option<Vec<f64>> = self
            .table
            .weights()
            .map(|w| rows.iter().map(|&r| w[r]).collect());
        let report = Report::from_proba(&classes, &labels, weights.as_deref(), &proba)?;
        let churn = classes
            .iter()
            .position(|c| *c == report.churn_class)
            .unwrap_or(k - 1);
        let w = |i: usize| weights.as_ref().map_or(1.0, |w| w[i]);
        let scores: Vec<f64> = (0..rows.len()).map(|i| proba[i * k + churn]).collect();
        let positive: Vec<bool> = labels.iter().map(|&l| l as usize == churn).collect();
        let weight: Vec<f64> = (0..rows.len()).map(w).collect();
        let scored = Scorer::new(self.model).score_rows(self.table, &rows)?;

        let mut body = String::new();
        self.summary(&mut body, &report)?;
        let (roc, pr) = curves(&scores, &positive, &weight);
        let churn_auc = report.per_class[churn].roc_auc;
        section(
            &mut body,
            1,
            &format!(
                "{} vs the rest: AUC {} ({}).",
                esc(&report.churn_class),
                opt(churn_auc),
                if k == 2 {
                    "the report's ROC AUC".to_string()
                } else {
                    format!(
                        "the report's ROC AUC, the one-vs-rest macro average, is {}",
                        opt(report.roc_auc)
                    )
                }
            ),
            &[charts::curves(
                "false positive rate",
                "true positive rate",
                &[(format!("{} vs rest", report.churn_class), roc)],
                true,
                1.0,
            )?],
        );
        let base_rate = {
            let p: f64 = positive
                .iter()
                .zip(&weight)
                .filter(|(p, _)| **p)
                .map(|(_, w)| w)
                .sum();
            p / weight.iter().sum::<f64>().max(1e-300)
        };
        section(
            &mut body,
            2,
            &format!(
                "Precision and recall of {} at every threshold; average precision {} (a random ranking gives the churn rate, {:.3}).",
                esc(&report.churn_class),
                opt(report.average_precision),
                base_rate
            ),
            &[charts::curves(
                "recall",
                "precision",
                &[
                    (report.churn_class.clone(), pr),
                    (
                        "churn rate (random)".into(),
                        vec![(0.0, base_rate), (1.0, base_rate)],
                    ),
                ],
                false,
                1.0,
            )?],
        );
        self.gains(&mut body, &report)?;
        self.calibration(&mut body, &report)?;
        section(
            &mut body,
            5,
            &format!(
                "Rows: true class; columns: predicted class (the most probable). Accuracy {:.4}, 95 % CI {}.",
                report.accuracy, report.accuracy_ci95
            ),
            &[charts::confusion(&classes, &report.confusion_matrix)?],
        );
        self.tiers(&mut body, &scored, &positive, &weight)?;
        reasons(&mut body, &scored)?;
        self.importance(&mut body, &scored)?;
        if let Some(m) = self.survival_model() {
            survival(&mut body, m, self.table, &rows)?;
        }
        self.structure(&mut body)?;
        Ok(page(
            &self.title,
            self.source.as_deref(),
            &body,
            &self.sections(),
        ))
    }

    fn summary(&self, out: &mut String, r: &Report) -> Result<()> {
        let s = self.model.summary();
        let mut t = String::from("<table class=\"kv\">");
        let mut kv = |k: &str, v: String| {
            let _ = write!(t, "<tr><th>{}</th><td>{}</td></tr>", esc(k), esc(&v));
        };
        kv("learner", s.learner.clone());
        kv(
            "structure",
            crate::registry::Exports(self.model.body()).structure(),
        );
        kv("features", self.model.schema().features.len().to_string());
        kv("training rows", s.rows.to_string());
        kv(
            "rows evaluated",
            if r.weighted {
                format!("{} (weighted, Σw = {:.1})", r.n_rows, r.total_weight)
            } else {
                r.n_rows.to_string()
            },
        );
        kv("classes", r.classes.join(", "));
        kv(
            "accuracy",
            format!("{:.4}  (95 % CI {})", r.accuracy, r.accuracy_ci95),
        );
        kv("roc auc", opt(r.roc_auc));
        kv("average precision", opt(r.average_precision));
        kv("log loss", format!("{:.4}", r.log_loss));
        kv("brier score", format!("{:.4}", r.brier_score));
        kv("cohen kappa", format!("{:.4}", r.cohen_kappa));
        kv("top-decile lift", opt(r.top_decile_lift));
        if let Some(p) = &r.profit {
            kv(
                "profit (per customer)",
                format!(
                    "MP {:.3} (target {:.1} %), EMP {:.3} (target {:.1} %)",
                    p.mp,
                    100.0 * p.mp_fraction,
                    p.emp,
                    100.0 * p.emp_fraction
                ),
            );
        }
        t.push_str("</table>");
        let mut pc = String::from(
            "<table><tr><th>class</th><th>precision</th><th>recall</th><th>f1</th><th>support</th><th>roc auc</th></tr>",
        );
        for m in &r.per_class {
            let _ = write!(
                pc,
                "<tr><td>{}</td><td>{:.4}</td><td>{:.4}</td><td>{:.4}</td><td>{:.1}</td><td>{}</td></tr>",
                esc(&m.class),
                m.precision,
                m.recall,
                m.f1,
                m.support,
                opt(m.roc_auc)
            );
        }
        pc.push_str("</table>");
        open_section(out, 0);
        out.push_str(&t);
        out.push_str(&pc);
        out.push_str("</section>\n");
        Ok(())
    }

    fn gains(&self, out: &mut String, r: &Report) -> Result<()> {
        let Some(l) = &r.lift else {
            open_section(out, 3);
            out.push_str("<p>No churners among the rows: no gains or lift.</p></section>\n");
            return Ok(());
        };
        let mut points = vec![(0.0, 0.0)];
        points.extend(l.deciles.iter().map(|d| (d.fraction, d.cumulative_gain)));
        let names: Vec<String> = l.deciles.iter().map(|d| d.decile.to_string()).collect();
        let lifts: Vec<f64> = l.deciles.iter().map(|d| d.lift).collect();
        section(
            out,
            3,
            &format!(
                "Customers sorted by P({}), highest first, cut into tenths. Left: the share of churners found when targeting the top share of customers. Right: the churn rate of each tenth over the overall rate (line: 1 = random). Top-decile lift {:.3}.",
                esc(&r.churn_class),
                l.top_decile_lift
            ),
            &[
                charts::gains(&points)?,
                charts::columns(
                    &names,
                    &lifts,
                    "decile (1 = highest scores)",
                    "lift",
                    Some(1.0),
                )?,
            ],
        );
        Ok(())
    }

    fn calibration(&self, out: &mut String, r: &Report) -> Result<()> {
        let points: Vec<(f64, f64)> = r
            .calibration
            .iter()
            .filter_map(|b| Some((b.mean_predicted?, b.observed?)))
            .collect();
        let svg = charts::curves(
            &format!("mean predicted P({})", r.churn_class),
            "observed churn rate",
            &[("model".into(), points)],
            true,
            1.0,
        )?;
        let mut table = String::from(
            "<table><tr><th>bin</th><th>mean predicted</th><th>observed rate</th><th>count</th></tr>",
        );
        for b in &r.calibration {
            let _ = write!(
                table,
                "<tr><td>({:.1}, {:.1}]</td><td>{}</td><td>{}</td><td>{:.1}</td></tr>",
                b.low,
                b.high,
                opt(b.mean_predicted),
                opt(b.observed),
                b.weight
            );
        }
        table.push_str("</table>");
        section(
            out,
            4,
            &format!(
                "Ten equal-width bins of P({}): on the diagonal, predicted probabilities are honest. Expected calibration error {:.4}.",
                esc(&r.churn_class),
                r.expected_calibration_error
            ),
            &[svg],
        );
        insert_before_close(out, &table);
        Ok(())
    }

    fn tiers(
        &self,
        out: &mut String,
        scored: &[Score],
        positive: &[bool],
        weight: &[f64],
    ) -> Result<()> {
        let tiers = [Tier::Retained, Tier::AtRisk, Tier::Churned];
        let total: f64 = weight.iter().sum::<f64>().max(1e-300);
        let mut names = Vec::new();
        let mut shares = Vec::new();
        let mut table = String::from(
            "<table><tr><th>tier</th><th>customers</th><th>share</th><th>observed churn rate</th><th>mean P(churn)</th><th>value at risk</th></tr>",
        );
        let any_retention = scored.iter().any(|s| s.retention.is_some());
        for t in tiers {
            let idx: Vec<usize> = (0..scored.len()).filter(|&i| scored[i].tier == t).collect();
            let w: f64 = idx.iter().map(|&i| weight[i]).sum();
            let churned: f64 = idx
                .iter()
                .filter(|&&i| positive[i])
                .map(|&i| weight[i])
                .sum();
            let mean_p = idx
                .iter()
                .map(|&i| weight[i] * scored[i].p_churn)
                .sum::<f64>();
            let var: f64 = idx
                .iter()
                .filter_map(|&i| scored[i].retention.as_ref().map(|r| r.value_at_risk))
                .filter(|v| v.is_finite())
                .sum();
            names.push(t.as_str().to_string());
            shares.push(100.0 * w / total);
            let _ = write!(
                table,
                "<tr><td>{}</td><td>{}</td><td>{:.1} %</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                t.as_str(),
                idx.len(),
                100.0 * w / total,
                if w > 0.0 {
                    format!("{:.1} %", 100.0 * churned / w)
                } else {
                    "–".into()
                },
                if w > 0.0 {
                    format!("{:.3}", mean_p / w)
                } else {
                    "–".into()
                },
                if any_retention {
                    format!("{var:.2}")
                } else {
                    "n/a".into()
                }
            );
        }
        table.push_str("</table>");
        let note = if any_retention {
            "Value at risk: Σ P(churn) × CLV of the tier's customers."
        } else {
            "Value at risk needs a margin (give one at training, or score with --margin)."
        };
        section(
            out,
            6,
            &format!("Share of customers the model's tier policy puts in each tier. {note}"),
            &[charts::columns(
                &names,
                &shares,
                "tier",
                "% of customers",
                None,
            )?],
        );
        insert_before_close(out, &table);
        Ok(())
    }

    fn importance(&self, out: &mut String, scored: &[Score]) -> Result<()> {
        let (pairs, how, unit) = match feature_importance(self.model)? {
            Some(f) => (f.values, f.measure, f.unit),
            None => (
                reason_importance(scored),
                "Each feature's share of Σ|weight| of the reasons citing it over the customers scored.",
                "share of the reasons' weight (sums to 1)",
            ),
        };
        let mut pairs: Vec<(String, f64)> = pairs.into_iter().filter(|(_, v)| *v > 0.0).collect();
        pairs.sort_by(|a, b| b.1.total_cmp(&a.1));
        pairs.truncate(25);
        if pairs.is_empty() {
            open_section(out, 8);
            out.push_str("<p>No feature contributes (a single-leaf tree or a constant model).</p></section>\n");
            return Ok(());
        }
        let names: Vec<String> = pairs.iter().map(|p| p.0.clone()).collect();
        let values: Vec<f64> = pairs.iter().map(|p| p.1).collect();
        section(out, 8, how, &[charts::bars(&names, &values, unit)?]);
        Ok(())
    }

    fn structure(&self, out: &mut String) -> Result<()> {
        open_section(out, 9);
        match self.model.body() {
            ModelBody::Tree(t) => {
                out.push_str("<p>Click a condition to open or close its branch; leaves show the predicted class and the training counts.</p>\n<div class=\"tree\">");
                out.push_str(&tree_html(&t.tree.to_text()));
                out.push_str("</div>");
                if t.leaves.is_some() {
                    out.push_str(&format!(
                        "<p>Leaves: {}; the counts shown are each leaf's constant part, refined per customer.</p>\n",
                        esc(&t.leaf_model_text())
                    ));
                }
            }
            ModelBody::Bayes(b) => {
                let net = b.net();
                let names: Vec<String> = net.variables().iter().map(|v| v.name.clone()).collect();
                let svg = charts::network(&names, &net.edges(), b.class_node())?;
                out.push_str("<p>The network: the class in red, an arrow from each parent to its child.</p>\n<figure>");
                out.push_str(&svg);
                out.push_str("</figure><table><tr><th>node</th><th>parents</th></tr>");
                for (v, name) in names.iter().enumerate() {
                    let parents: Vec<&str> =
                        net.parents(v).iter().map(|&p| names[p].as_str()).collect();
                    let _ = write!(
                        out,
                        "<tr><td>{}</td><td>{}</td></tr>",
                        esc(name),
                        esc(&if parents.is_empty() {
                            "–".to_string()
                        } else {
                            parents.join(", ")
                        })
                    );
                }
                out.push_str("</table>");
            }
            _ => {
                let _ = write!(
                    out,
                    "<p>{}</p>",
                    esc(&crate::registry::Exports(self.model.body()).structure())
                );
            }
        }
        out.push_str("</section>\n");
        Ok(())
    }
}

/// A model's own feature importance.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureImportance {
    /// What the numbers are, in words.
    pub measure: &'static str,
    /// The axis label of the numbers.
    pub unit: &'static str,
    /// `(feature, importance)`, in the model's feature order.
    pub values: Vec<(String, f64)>,
}

/// A model's own feature importance: for an ID3-family tree
/// [`DecisionTree::importance`](crate::tree::DecisionTree::importance) (shares of the
/// information gain, summing to 1); for a Bayesian network the mutual information of
/// each feature with the class under the fitted network
/// ([`class_mutual_information`](crate::bayes::class_mutual_information),
/// bits). None for models without one (CART, the baseline).
pub fn feature_importance(model: &Model) -> Result<Option<FeatureImportance>> {
    Ok(match model.body() {
        ModelBody::Tree(t) => Some(FeatureImportance {
            measure: "Each feature's share of the tree's information gain, each split weighted by the training weight reaching it.",
            unit: "share of the information gain (sums to 1)",
            values: t
                .tree
                .schema()
                .features
                .iter()
                .map(|f| f.name.clone())
                .zip(t.tree.importance())
                .collect(),
        }),
        ModelBody::Bayes(b) => {
            let net = b.net();
            let class = b.class_node();
            let mi = crate::bayes::class_mutual_information(net, class)?;
            Some(FeatureImportance {
                measure: "The mutual information of each feature with the class under the fitted network: how much knowing the feature alone tells about churn.",
                unit: "mutual information with the class (bits)",
                values: (0..net.n_vars())
                    .filter(|&v| v != class)
                    .map(|v| (net.variable(v).name.clone(), mi[v]))
                    .collect(),
            })
        }
        _ => None,
    })
}

/// Σ|weight| of the reasons citing each feature, normalised to sum to 1.
fn reason_importance(scored: &[Score]) -> Vec<(String, f64)> {
    let mut by: BTreeMap<&str, f64> = BTreeMap::new();
    for s in scored {
        for r in &s.reasons {
            *by.entry(r.feature.as_str()).or_default() += r.weight.abs();
        }
    }
    let total: f64 = by.values().sum();
    by.into_iter()
        .map(|(f, v)| (f.to_string(), if total > 0.0 { v / total } else { 0.0 }))
        .collect()
}

fn reasons(out: &mut String, scored: &[Score]) -> Result<()> {
    let mut by_condition: BTreeMap<&str, usize> = BTreeMap::new();
    let mut by_feature: BTreeMap<&str, (usize, f64)> = BTreeMap::new();
    let mut flagged = 0usize;
    for s in scored.iter().filter(|s| s.tier != Tier::Retained) {
        flagged += 1;
        for r in &s.reasons {
            *by_condition.entry(r.condition.as_str()).or_default() += 1;
            let e = by_feature.entry(r.feature.as_str()).or_default();
            e.0 += 1;
            e.1 += r.weight;
        }
    }
    let mut conditions: Vec<(&str, usize)> = by_condition.into_iter().collect();
    conditions.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    conditions.truncate(TOP_REASONS);
    if conditions.is_empty() {
        open_section(out, 7);
        out.push_str("<p>No customer is flagged at risk or churned, or the model gives no reasons.</p></section>\n");
        return Ok(());
    }
    let names: Vec<String> = conditions.iter().map(|c| c.0.to_string()).collect();
    let counts: Vec<f64> = conditions.iter().map(|c| c.1 as f64).collect();
    let mut drivers: Vec<(&str, (usize, f64))> = by_feature.into_iter().collect();
    drivers.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.0.cmp(b.0)));
    let mut table = String::from(
        "<table><tr><th>driver (feature)</th><th>times cited</th><th>mean weight</th></tr>",
    );
    for (f, (n, sum)) in drivers.iter().take(TOP_REASONS) {
        let _ = write!(
            table,
            "<tr><td>{}</td><td>{n}</td><td>{:.4}</td></tr>",
            esc(f),
            sum / *n as f64
        );
    }
    table.push_str("</table>");
    section(
        out,
        7,
        &format!(
            "The reasons (up to three per customer) given for the {flagged} customers in the at-risk and churned tiers, most cited first; below, the features behind them."
        ),
        &[charts::bars(&names, &counts, "customers")?],
    );
    insert_before_close(out, &table);
    Ok(())
}

/// ROC points `(fpr, tpr)` and precision–recall points `(recall, precision)` of a
/// score against positives, one point per distinct score.
fn curves(scores: &[f64], positive: &[bool], weight: &[f64]) -> (Curve, Curve) {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let p_total: f64 = (0..scores.len())
        .filter(|&i| positive[i])
        .map(|i| weight[i])
        .sum();
    let n_total: f64 = (0..scores.len())
        .filter(|&i| !positive[i])
        .map(|i| weight[i])
        .sum();
    let (mut tp, mut fp) = (0.0, 0.0);
    let mut roc = vec![(0.0, 0.0)];
    let mut pr = Vec::new();
    for (j, &i) in order.iter().enumerate() {
        if positive[i] {
            tp += weight[i];
        } else {
            fp += weight[i];
        }
        let last = j + 1 == order.len() || scores[order[j + 1]] != scores[i];
        if last {
            roc.push((fp / n_total.max(1e-300), tp / p_total.max(1e-300)));
            if tp + fp > 0.0 {
                pr.push((tp / p_total.max(1e-300), tp / (tp + fp)));
            }
        }
    }
    if let Some(&(_, p)) = pr.first() {
        pr.insert(0, (0.0, p));
    }
    (thin(roc), thin(pr))
}

fn thin(points: Vec<(f64, f64)>) -> Vec<(f64, f64)> {
    if points.len() <= MAX_CURVE_POINTS {
        return points;
    }
    let step = points.len().div_ceil(MAX_CURVE_POINTS);
    let last = *points.last().expect("not empty");
    let mut out: Vec<(f64, f64)> = points.into_iter().step_by(step).collect();
    if out.last() != Some(&last) {
        out.push(last);
    }
    out
}

/// The tree's indented text (`|   ` per level, leaves `condition: class (counts)`)
/// as nested `<details>`: a branch with children opens and closes.
fn tree_html(text: &str) -> String {
    let lines: Vec<(usize, &str)> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let mut depth = 0;
            let mut rest = l;
            while let Some(r) = rest.strip_prefix("|   ") {
                depth += 1;
                rest = r;
            }
            (depth, rest)
        })
        .collect();
    let mut html = String::new();
    let mut open = 0usize;
    for (j, &(depth, line)) in lines.iter().enumerate() {
        while open > depth {
            html.push_str("</details>");
            open -= 1;
        }
        let has_children = lines.get(j + 1).is_some_and(|&(d, _)| d > depth);
        if has_children {
            let _ = write!(
                html,
                "<details{}><summary>{}</summary>",
                if depth == 0 { " open" } else { "" },
                esc(line)
            );
            open += 1;
        } else {
            let _ = write!(html, "<div class=\"leaf\">{}</div>", esc(line));
        }
    }
    for _ in 0..open {
        html.push_str("</details>");
    }
    html
}

/// The time-to-churn section ([`SURVIVAL_SECTION`]) of `m` on `rows` of `table`:
/// judged by [`evaluate_survival`] (the rows' own Kaplan–Meier curve the reference,
/// as `churnkit evaluate` does), the customers cut into quarters of predicted risk
/// (by rank, lowest first) whose Kaplan–Meier curves (solid) are drawn beside the
/// mean of the model's curves `Ŝ(t | x)` over the same customers (dashed), and the
/// calibration tables by risk decile at each horizon.
fn survival(out: &mut String, m: &SurvivalModel, table: &Table, rows: &[usize]) -> Result<()> {
    let data = SurvivalData::from_table(table, &m.duration, rows)?;
    let opts = SurvivalEvalOptions::default();
    let r = evaluate_survival(m, table, &m.duration, rows, &data, &opts)?;
    let risk = m.risk_scores(table, rows)?;
    let t_max = data.durations().iter().copied().fold(0.0f64, f64::max);
    let grid: Vec<f64> = (1..=SURVIVAL_GRID)
        .map(|i| t_max * i as f64 / SURVIVAL_GRID as f64)
        .collect();
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by(|&a, &b| risk[a].total_cmp(&risk[b]));
    let n = rows.len();
    let groups = SURVIVAL_GROUPS.min(n);
    let names = ["lowest risk", "second", "third", "highest risk"];
    let mut series = Vec::new();
    for g in 0..groups {
        let positions = &order[g * n / groups..(g + 1) * n / groups];
        let members: Vec<usize> = positions.iter().map(|&i| rows[i]).collect();
        if members.is_empty() {
            continue;
        }
        let name = if groups == SURVIVAL_GROUPS {
            format!("{} quarter", names[g])
        } else {
            format!("risk group {}", g + 1)
        };
        // The rows' durations, checked once above; a group may have no churned
        // customer (a model that ranks well puts none in its lowest-risk quarter):
        // its curve stays at 1.
        let km = SurvivalCurve::kaplan_meier(&data.select(positions));
        let observed = km
            .times()
            .iter()
            .copied()
            .zip(km.survival().iter().copied());
        series.push((format!("{name}: observed"), g, false, observed.collect()));
        let s = m.survival_matrix(table, &members, &grid)?;
        let k = grid.len();
        let mean: Vec<(f64, f64)> = grid
            .iter()
            .enumerate()
            .map(|(j, &t)| {
                let sum: f64 = s.chunks_exact(k).map(|row| row[j]).sum();
                (t, sum / members.len() as f64)
            })
            .collect();
        series.push((format!("{name}: predicted"), g, true, mean));
    }
    let chart = charts::survival(&format!("{} (the clock)", m.duration), &series, t_max)?;
    open_named_section(out, SURVIVAL_SECTION);
    let _ = write!(
        out,
        "<p>{}</p>\n<div class=\"charts\"><figure>{chart}</figure>",
        survival_caption(m, &r)
    );
    out.push_str(&survival_calibration(&r));
    out.push_str("</div>\n</section>\n");
    Ok(())
}

/// The survival section's caption (escaped).
fn survival_caption(m: &SurvivalModel, r: &SurvivalReport) -> String {
    let mut c = format!(
        "{} on {} customers, {} churned; the clock is <code>{}</code>. Harrell's C-index {:.4}",
        esc(&m.name),
        r.rows,
        r.events,
        esc(&m.duration),
        r.c_index()
    );
    if let Some(ci) = &r.c_index_ci95 {
        let _ = write!(c, " (95 % bootstrap CI {ci})");
    }
    c.push_str(" (0.5: no better than chance)");
    if let (Some(ibs), Some(km), Some((a, b))) = (
        r.integrated_brier_score,
        r.km_integrated_brier_score,
        r.ibs_span,
    ) {
        let _ = write!(
            c,
            "; integrated Brier score {ibs:.4} against {km:.4} for Kaplan–Meier over t ∈ [{a}, {b}] (lower is better)"
        );
    }
    let aucs: Vec<String> = r
        .auc
        .iter()
        .map(|h| format!("{}: {}", h.horizon, opt(h.auc)))
        .collect();
    if !aucs.is_empty() {
        let _ = write!(c, "; time-dependent AUC at {}", aucs.join(", "));
    }
    c.push_str(". Solid: the Kaplan–Meier curve observed in each quarter of predicted risk; dashed: the mean of the model's curves for the same customers.");
    c
}

/// Calibration by risk decile at each horizon: predicted against observed churn.
fn survival_calibration(r: &SurvivalReport) -> String {
    let mut t = String::new();
    for h in &r.calibration {
        let _ = write!(
            t,
            "<table><caption>churned within {}</caption><tr><th>risk group</th><th>customers</th><th>predicted</th><th>observed (95 % CI)</th></tr>",
            h.horizon
        );
        for (g, b) in h.groups.iter().enumerate() {
            let _ = write!(
                t,
                "<tr><td>{}</td><td>{}</td><td>{:.3}</td><td>{:.3} [{:.3}, {:.3}]</td></tr>",
                g + 1,
                b.rows,
                b.predicted,
                b.observed,
                b.observed_low,
                b.observed_high
            );
        }
        t.push_str("</table>");
    }
    t
}

fn open_section(out: &mut String, i: usize) {
    open_named_section(out, SECTIONS[i]);
}

/// Opens the section `(id, title)`.
fn open_named_section(out: &mut String, (id, title): (&str, &str)) {
    let _ = writeln!(out, "<section id=\"{id}\"><h2>{}</h2>", esc(title));
}

/// A section with a caption (already escaped) and its SVG charts.
fn section(out: &mut String, i: usize, caption: &str, svgs: &[String]) {
    open_section(out, i);
    let _ = write!(out, "<p>{caption}</p>\n<div class=\"charts\">");
    for svg in svgs {
        out.push_str("<figure>");
        out.push_str(svg);
        out.push_str("</figure>");
    }
    out.push_str("</div>\n</section>\n");
}

/// Puts `html` at the end of the last section written: beside its charts when it has
/// some, else at its end.
fn insert_before_close(out: &mut String, html: &str) {
    let charts_end = "</div>\n</section>\n";
    let end = "</section>\n";
    if out.ends_with(charts_end) {
        out.truncate(out.len() - charts_end.len());
        out.push_str(html);
        out.push_str(charts_end);
    } else if out.ends_with(end) {
        out.truncate(out.len() - end.len());
        out.push_str(html);
        out.push_str(end);
    }
}

fn page(title: &str, source: Option<&str>, body: &str, sections: &[(&str, &str)]) -> String {
    let nav: String = sections
        .iter()
        .map(|(id, t)| format!("<a href=\"#{id}\">{}</a>", esc(t)))
        .collect::<Vec<_>>()
        .join(" ");
    // `#only-ID` shows that section alone (one section per screenshot or print),
    // without script: an empty target element per section and a `:has` rule each.
    let mut only_css = String::new();
    let mut only_targets = String::new();
    for (id, _) in sections {
        let _ = writeln!(
            only_css,
            "body:has(#only-{id}:target) section:not(#{id}){{display:none}}"
        );
        let _ = write!(only_targets, "<span id=\"only-{id}\"></span>");
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{t}</title>\n<style>{STYLE}{only_css}</style>\n</head>\n<body>\n{only_targets}\n<header><h1>{t}</h1>{s}<nav>{nav}</nav></header>\n<main>\n{body}</main>\n<footer>churnkit {v}</footer>\n</body>\n</html>\n",
        t = esc(title),
        s = source
            .map(|s| format!("<p class=\"source\">{}</p>", esc(s)))
            .unwrap_or_default(),
        v = env!("CARGO_PKG_VERSION"),
    )
}

const STYLE: &str = "
body{font-family:sans-serif;margin:0;color:#222;background:#f6f7f9}
header{background:#fff;padding:12px 24px;border-bottom:1px solid #ddd}
h1{margin:0 0 6px;font-size:22px}
nav a{margin-right:12px;font-size:13px;color:#1f77b4;text-decoration:none}
.source{margin:0 0 6px;color:#555;font-size:13px}
main{padding:8px 24px}
section{background:#fff;border:1px solid #ddd;border-radius:6px;margin:16px 0;padding:8px 16px 16px;scroll-margin-top:8px}
h2{font-size:18px;margin:8px 0}
section p{font-size:14px;color:#444;max-width:1100px}
.charts{display:flex;flex-wrap:wrap;gap:16px}
figure{margin:0}
table{border-collapse:collapse;margin:10px 16px 4px 0;font-size:13px;display:inline-table;vertical-align:top}
th,td{border:1px solid #ddd;padding:3px 8px;text-align:left}
th{background:#f0f2f5}
.tree{font-family:monospace;font-size:13px}
.tree details{margin-left:18px}
.tree summary{cursor:pointer}
.tree .leaf{margin-left:32px;color:#555}
footer{padding:8px 24px;color:#888;font-size:12px}
";

fn opt(x: Option<f64>) -> String {
    x.map_or_else(|| "n/a".into(), |v| format!("{v:.4}"))
}

/// Escapes text for HTML content and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_text_becomes_nested_details() {
        let text =
            "a = x\n|   b < 3: churned (4)\n|   b >= 3: retained (9)\na = y: retained (20)\n";
        let html = tree_html(text);
        assert_eq!(
            html,
            "<details open><summary>a = x</summary><div class=\"leaf\">b &lt; 3: churned (4)</div><div class=\"leaf\">b &gt;= 3: retained (9)</div></details><div class=\"leaf\">a = y: retained (20)</div>"
        );
    }

    #[test]
    fn curves_end_at_the_corners() {
        let (roc, pr) = curves(
            &[0.9, 0.8, 0.3, 0.1],
            &[true, false, true, false],
            &[1.0; 4],
        );
        assert_eq!(roc.first(), Some(&(0.0, 0.0)));
        assert_eq!(roc.last(), Some(&(1.0, 1.0)));
        assert_eq!(pr.first(), Some(&(0.0, 1.0)));
        assert_eq!(pr.last(), Some(&(1.0, 0.5)));
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
