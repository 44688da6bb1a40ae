//! Naive-Bayes leaves: a tree's leaf probabilities refined, row by row, by a tempered
//! naive Bayes over the features the row's path did not test ([`LeafModel`],
//! [`NaiveBayesLeaves`]).
//!
//! The formula and its reference are on [`NaiveBayesLeaves`].

use serde::{Deserialize, Serialize};

use super::tree::DecisionTree;
use crate::count::{ClassTables, CountTable, Counter, Rows, Var};
use crate::data::{Encoded, EncodedSchema};
use crate::error::{Error, Result};

/// The tempers `α` a tuned leaf model chooses from (`0` = constant leaves), by
/// cross-validation on the training rows.
pub const LEAF_ALPHAS: [f64; 6] = [0.0, 0.05, 0.1, 0.15, 0.25, 0.5];

/// How a tree's final node turns into a row's class probabilities.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum LeafModel {
    /// The node's class distribution (every row of a leaf gets the same).
    #[default]
    Constant,
    /// Naive-Bayes leaves with this temper `α` (see [`NaiveBayesLeaves`]).
    NaiveBayes {
        /// The temper, in `[0, 1]`.
        alpha: f64,
    },
    /// Naive-Bayes leaves with `α` chosen from [`LEAF_ALPHAS`] by stratified 5-fold
    /// CV on the training rows (held-out ROC AUC; `α = 0` is the constant leaf) with
    /// the tuned tree setting. Only when the tree tunes itself; an untuned fit keeps
    /// constant leaves.
    Tuned,
}

impl LeafModel {
    /// Checks `α ∈ [0, 1]` (finite).
    pub fn check(&self) -> Result<()> {
        if let LeafModel::NaiveBayes { alpha } = *self
            && !(0.0..=1.0).contains(&alpha)
        {
            return Err(Error::param(
                "leaf naive-Bayes alpha",
                alpha,
                "must be in [0, 1]",
            ));
        }
        Ok(())
    }
}

/// Fitted naive-Bayes leaves: the temper and `ln θ(f, v, c)` of every feature, value
/// and class (features in schema order, each `cardinality × n_classes` values, the
/// class varying fastest).
///
/// After Kohavi (1996), "Scaling up the accuracy of naive-Bayes classifiers: a
/// decision-tree hybrid" (NBTree), which puts a naive Bayes in every leaf. For a row
/// `x` reaching the final node `ℓ` by a path that tests the features `P(x)`:
///
/// ```text
/// p(c | x) ∝ π_ℓ(c) · Π_{f ∉ P(x)} θ(f, x_f, c)^α
/// θ(f, v, c) = (n(f = v, c) + 1) / (n(c) + |V_f|)
/// ```
///
/// `π_ℓ` is the node's (smoothed) class distribution, as without the leaf model; `n`
/// the weighted training counts of the whole training set (one `[feature, class]`
/// count table per feature through the counting contract), `|V_f|` the feature's
/// cardinality (its missing code included, so a missing value is a value of its own)
/// and `α ∈ [0, 1]` the temper: `α = 0` is the constant leaf, `α = 1` a full naive
/// Bayes given the leaf. The conditionals are the whole training set's, not the
/// leaf's own rows: Kohavi's per-leaf tables are the limit `m → 0` of shrinking a
/// leaf's counts toward its parent's (an m-estimate), and nested 5-fold CV on the
/// training files (`cargo run --release --example tune_cv -- nb fast`) preferred the
/// other limit, `m → ∞` (the root's tables): with the leaf's own counts (m = 50) Orange
/// fell from 0.8970 to 0.8893–0.8953, with the root's it rose to 0.9008 (α = 0.1).
/// Within a leaf, rows no longer share one probability: the ties that cost a single
/// tree its ranking are broken by the evidence the path did not use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NaiveBayesLeaves {
    /// The temper `α`.
    pub alpha: f64,
    /// `ln θ`, flat (see the type's docs).
    pub log_theta: Vec<f64>,
}

impl NaiveBayesLeaves {
    /// The tables of features `0..n_features` from `rows` of `counter` (all rows
    /// when None): per feature one `[feature, class]` count table, Laplace-smoothed
    /// (type docs).
    pub fn fit<C: Counter>(
        counter: &C,
        n_features: usize,
        rows: Option<&[u32]>,
        alpha: f64,
    ) -> NaiveBayesLeaves {
        let k = counter.n_classes();
        let rows = rows.map_or(Rows::All, Rows::Subset);
        let mut class = CountTable::default();
        counter.contingency(rows, &[Var::Class], &mut class);
        let nc = class.counts().to_vec();
        // Every feature's [feature, class] table in one batched call.
        let features: Vec<usize> = (0..n_features).collect();
        let mut tables = ClassTables::default();
        counter.class_tables(rows, &features, &mut tables);
        let mut log_theta = Vec::new();
        let mut t = Vec::new();
        for f in features {
            tables.table(f).to_f64(&mut t);
            let card = counter.cardinality(Var::Feature(f)) as f64;
            for (i, &x) in t.iter().enumerate() {
                log_theta.push(((x + 1.0) / (nc[i % k] + card)).ln());
            }
        }
        NaiveBayesLeaves { alpha, log_theta }
    }

    /// The table's start of each feature under `schema`, and the expected length.
    fn offsets(schema: &EncodedSchema) -> (Vec<usize>, usize) {
        let k = schema.n_classes();
        let mut offs = Vec::with_capacity(schema.features.len());
        let mut at = 0;
        for f in &schema.features {
            offs.push(at);
            at += f.cardinality() * k;
        }
        (offs, at)
    }

    /// Checks the tables against the tree's schema: the length, every `ln θ` finite
    /// and ≤ 0, `α` in `[0, 1]`.
    pub fn validate(&self, schema: &EncodedSchema) -> Result<()> {
        let bad = |what: String| Err(Error::param("tree leaf model", "naive Bayes", what));
        if !(0.0..=1.0).contains(&self.alpha) {
            return bad(format!("alpha {} is not in [0, 1]", self.alpha));
        }
        let (_, len) = Self::offsets(schema);
        if self.log_theta.len() != len {
            return bad(format!(
                "{} log-conditionals for a schema that needs {len}",
                self.log_theta.len()
            ));
        }
        if let Some(x) = self
            .log_theta
            .iter()
            .find(|x| !(x.is_finite() && **x <= 0.0))
        {
            return bad(format!(
                "log-conditional {x} is not a finite log-probability"
            ));
        }
        Ok(())
    }

    /// Refines the tree's probabilities `out` (rows × classes, as
    /// [`DecisionTree::predict_proba_into`] wrote them) for the rows of `enc`:
    /// `out_c ∝ out_c · Π θ(f, x_f, c)^α` over the features not tested on the row's
    /// path. `enc` must have passed the tree's check.
    pub(crate) fn refine(&self, tree: &DecisionTree, enc: &Encoded, out: &mut [f64]) -> Result<()> {
        use rayon::prelude::*;
        tree.check(enc)?;
        let k = tree.n_classes();
        crate::learner::check_out_len(out, enc.n_rows(), k)?;
        let (offs, _) = Self::offsets(tree.schema());
        // Rows are independent: refined in parallel blocks, each with its buffers.
        const BLOCK: usize = 4096;
        out.par_chunks_mut(BLOCK * k)
            .enumerate()
            .for_each(|(b, block)| {
                let mut on_path = vec![false; offs.len()];
                let mut s = vec![0.0; k];
                for (i, p) in block.chunks_exact_mut(k).enumerate() {
                    let row = b * BLOCK + i;
                    on_path.iter_mut().for_each(|x| *x = false);
                    tree.mark_path(enc, row, &mut on_path);
                    self.log_scores(enc, row, &offs, &on_path, p, &mut s);
                    normalize_exp(&s, p);
                }
            });
        Ok(())
    }

    /// `ln p_c + α Σ_{f ∉ path} ln θ(f, x_f, c)` into `s`.
    fn log_scores(
        &self,
        enc: &Encoded,
        row: usize,
        offs: &[usize],
        on_path: &[bool],
        p: &[f64],
        s: &mut [f64],
    ) {
        let k = p.len();
        for (x, &pc) in s.iter_mut().zip(p) {
            *x = pc.ln();
        }
        if self.alpha == 0.0 {
            return;
        }
        for (f, &o) in offs.iter().enumerate() {
            if on_path[f] {
                continue;
            }
            let at = o + enc.code(row, f) as usize * k;
            for (x, &t) in s.iter_mut().zip(&self.log_theta[at..at + k]) {
                *x += self.alpha * t;
            }
        }
    }

    /// The naive Bayes' per-feature reasons for `row`: the features off the path
    /// (`path_features`) added one at a time in schema order, each with the change it
    /// makes to `P(churn)` (positive = churn-ward), starting from the tree's
    /// probabilities `p` of the row's final node. The changes add up to the refined
    /// `P(churn)` minus the node's, so with the path's reasons they add up to the
    /// row's probability minus the root's.
    pub(crate) fn contributions(
        &self,
        tree: &DecisionTree,
        enc: &Encoded,
        row: usize,
        p: &[f64],
        path_features: &[usize],
    ) -> Vec<(usize, f64)> {
        if self.alpha == 0.0 {
            return Vec::new();
        }
        let k = tree.n_classes();
        let churn = tree.schema().churn_class();
        let (offs, _) = Self::offsets(tree.schema());
        let mut on_path = vec![false; offs.len()];
        for &f in path_features {
            on_path[f] = true;
        }
        let mut s: Vec<f64> = p.iter().map(|x| x.ln()).collect();
        let mut q = vec![0.0; k];
        normalize_exp(&s, &mut q);
        let mut before = q[churn];
        let mut out = Vec::new();
        for (f, &o) in offs.iter().enumerate() {
            if on_path[f] {
                continue;
            }
            let at = o + enc.code(row, f) as usize * k;
            for (x, &t) in s.iter_mut().zip(&self.log_theta[at..at + k]) {
                *x += self.alpha * t;
            }
            normalize_exp(&s, &mut q);
            out.push((f, q[churn] - before));
            before = q[churn];
        }
        out
    }
}

/// `out_c = exp(s_c − max) / Σ` (a log-score vector to probabilities).
fn normalize_exp(s: &[f64], out: &mut [f64]) {
    let mx = s.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !mx.is_finite() {
        // Every class impossible (a zero probability everywhere): uniform.
        let u = 1.0 / out.len() as f64;
        out.iter_mut().for_each(|o| *o = u);
        return;
    }
    let mut z = 0.0;
    for (o, &x) in out.iter_mut().zip(s) {
        *o = (x - mx).exp();
        z += *o;
    }
    out.iter_mut().for_each(|o| *o /= z);
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::count::InMemory;
    use crate::data::{Codes, EncodedFeature};
    use crate::tree::Id3;

    fn feature(name: &str) -> EncodedFeature {
        EncodedFeature {
            name: name.into(),
            levels: vec![format!("{name}0"), format!("{name}1")].into(),
            numeric: false,
        }
    }

    /// 10 rows: `a` is the class but for row 4, `b` is it but for rows 2, 3, 8, 9.
    fn table() -> Encoded {
        let schema = Arc::new(EncodedSchema {
            features: vec![feature("a"), feature("b")],
            classes: vec!["retained".into(), "churned".into()],
        });
        let y = vec![0, 0, 0, 0, 0, 1, 1, 1, 1, 1];
        let a = vec![0, 0, 0, 0, 1, 1, 1, 1, 1, 1];
        let b = vec![0, 0, 1, 1, 0, 1, 1, 1, 0, 0];
        Encoded::new(schema, vec![Codes::U8(a), Codes::U8(b)], y, None).unwrap()
    }

    /// The formula on hand-computed numbers. The depth-1 tree splits on `a` (Laplace
    /// leaves: a=0 [5/6, 1/6], a=1 [2/8, 6/8]); n(c) = 5, 5; `b` has 3 codes (its
    /// missing code included): θ(b=0|0) = (3+1)/(5+3) = 1/2, θ(b=1|0) = 3/8,
    /// θ(b=0|1) = 3/8, θ(b=1|1) = 1/2. Row 5 (a=1, b=1), α = 1/2:
    /// p(churn) = 0.75·√0.5 / (0.25·√0.375 + 0.75·√0.5) = 0.775991; row 2 (a=0, b=1):
    /// (1/6)·√0.5 / ((5/6)·√0.375 + (1/6)·√0.5) = 0.187613.
    #[test]
    fn leaf_probabilities_on_hand_computed_numbers() {
        let enc = table();
        let tree = Id3::params()
            .max_depth(Some(1))
            .laplace(true)
            .check()
            .unwrap()
            .fit(&enc)
            .unwrap();
        assert_eq!(tree.nodes()[0].feature, 0, "splits on a");
        let nb = NaiveBayesLeaves::fit(&InMemory::new(&enc), 2, None, 0.5);
        // Table layout: a (3 codes × 2 classes), then b.
        assert_eq!(nb.log_theta.len(), 12);
        let b = &nb.log_theta[6..];
        let want = [0.5f64, 3.0 / 8.0, 3.0 / 8.0, 0.5, 1.0 / 8.0, 1.0 / 8.0];
        for (x, w) in b.iter().zip(want) {
            assert!((x - w.ln()).abs() < 1e-12, "{x} vs ln {w}");
        }
        nb.validate(tree.schema()).unwrap();
        let mut p = vec![0.0; 20];
        tree.predict_proba_into(&enc, &mut p).unwrap();
        assert!((p[11] - 0.75).abs() < 1e-12);
        nb.refine(&tree, &enc, &mut p).unwrap();
        assert!((p[11] - 0.775_990_762_260_204).abs() < 1e-12, "{}", p[11]);
        assert!((p[5] - 0.187_612_789_798_433).abs() < 1e-12, "{}", p[5]);
        for r in p.chunks_exact(2) {
            assert!((r[0] + r[1] - 1.0).abs() < 1e-12);
        }
        // The reason of b for row 5: the change its factor makes, signed.
        let c = nb.contributions(&tree, &enc, 5, &[0.25, 0.75], &[0]);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].0, 1);
        assert!((c[0].1 - 0.025_990_762_260_204).abs() < 1e-12, "{:?}", c);
        // α = 0 is the constant leaf: nothing changes, no reasons.
        let zero = NaiveBayesLeaves { alpha: 0.0, ..nb };
        let mut q = vec![0.0; 20];
        tree.predict_proba_into(&enc, &mut q).unwrap();
        let before = q.clone();
        zero.refine(&tree, &enc, &mut q).unwrap();
        for (x, y) in q.iter().zip(&before) {
            assert!((x - y).abs() < 1e-15);
        }
        assert!(
            zero.contributions(&tree, &enc, 5, &[0.25, 0.75], &[0])
                .is_empty()
        );
    }

    #[test]
    fn bad_tables_and_tempers_are_refused() {
        let enc = table();
        let nb = NaiveBayesLeaves::fit(&InMemory::new(&enc), 2, None, 0.5);
        let schema = enc.schema();
        let msg = |n: &NaiveBayesLeaves| n.validate(schema).unwrap_err().to_string();
        for alpha in [-0.1, 1.5, f64::NAN, f64::INFINITY] {
            let bad = NaiveBayesLeaves {
                alpha,
                ..nb.clone()
            };
            assert!(msg(&bad).contains("alpha"), "{}", msg(&bad));
        }
        let mut short = nb.clone();
        short.log_theta.pop();
        assert!(
            msg(&short).contains("11 log-conditionals"),
            "{}",
            msg(&short)
        );
        for x in [0.5, f64::NAN, f64::NEG_INFINITY] {
            let mut bad = nb.clone();
            bad.log_theta[3] = x;
            assert!(
                msg(&bad).contains("not a finite log-probability"),
                "{}",
                msg(&bad)
            );
        }
        assert!(LeafModel::NaiveBayes { alpha: 2.0 }.check().is_err());
        assert!(LeafModel::NaiveBayes { alpha: f64::NAN }.check().is_err());
        assert!(LeafModel::NaiveBayes { alpha: 0.3 }.check().is_ok());
    }
}
