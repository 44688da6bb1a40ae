//! [`BayesClassifier`]: a fitted Bayesian network plus the discretizer that turns raw
//! rows into its evidence — what the `bayes` learners return and model files store.
//!
//! **Prediction.** The class posterior `P(C | e)` of a customer, where `e` holds the
//! customer's observed attributes (a missing or unseen value is simply not evidence:
//! it is marginalised, never imputed).
//!
//! - *Fast path* — when every variable of the class's Markov blanket is observed,
//!   `P(c | e) ∝ P(c | pa(C)) · Π_{Y ∈ ch(C)} P(y | pa(Y))` with `C = c`: a product of
//!   table entries. The tables are precompiled to log space, indexed directly by the
//!   encoded codes, and batch scoring walks them column by column.
//! - Otherwise exact [variable elimination](super::infer::query) for that row.
//!
//! **Explanation.** Each observed attribute's contribution to the log-odds of
//! `churned` vs `retained`. When the class has no parents (naive Bayes, TAN) and its
//! blanket is observed, the log-odds is exactly
//! `ln P(ch)/P(ret) + Σ_Y ln P(y | pa(Y), ch)/P(y | pa(Y), ret)`, and each child's
//! term is its attribute's contribution (the terms add up to the log-odds). Otherwise
//! (a general network, or missing blanket values) the contribution of attribute `X`
//! is the change in log-odds when its evidence is withdrawn: `LO(e) − LO(e \ {X})`.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::bif;
use super::infer;
use super::learn::{Common, feature_states};
use super::network::BayesNet;
use crate::data::{Codes, Discretizer, Encoded, Table};
use crate::error::{Error, Result};
use crate::learner::{Classifier, Explanation, Reason, check_out_len};

/// Rows per block in batch scoring.
const BLOCK: usize = 1024;

/// One precompiled factor of the class's blanket: `ln P(family)` for every
/// configuration of the encoded codes of `vars` (missing codes included, as NaN)
/// and every class.
#[derive(Debug, Clone)]
struct Term {
    /// The feature whose CPT this is (`None`: the class's own CPT).
    child: Option<usize>,
    /// Feature indices, layout order.
    vars: Vec<usize>,
    /// Strides of the codes of `vars` (encoded cardinalities, last fastest).
    strides: Vec<usize>,
    /// `ln P` at `cfg · k + c`; NaN when a code is missing.
    logp: Vec<f64>,
}

/// A fitted Bayesian-network classifier: the network (features, then the class node),
/// the discretizer fitted on the training rows, and the class's blanket compiled for
/// fast batch scoring (rebuilt on deserialisation, which validates the parts).
///
/// Two classifiers are equal when their names, discretizers and networks are.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "RawClassifier", into = "RawClassifier")]
pub struct BayesClassifier {
    name: String,
    discretizer: Discretizer,
    net: BayesNet,
    terms: Vec<Term>,
}

impl PartialEq for BayesClassifier {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.discretizer == other.discretizer && self.net == other.net
    }
}

#[derive(Serialize, Deserialize)]
struct RawClassifier {
    name: String,
    discretizer: Discretizer,
    net: BayesNet,
}

impl TryFrom<RawClassifier> for BayesClassifier {
    type Error = Error;
    fn try_from(r: RawClassifier) -> Result<Self> {
        BayesClassifier::new(r.name, r.discretizer, r.net)
    }
}

impl From<BayesClassifier> for RawClassifier {
    fn from(c: BayesClassifier) -> Self {
        RawClassifier {
            name: c.name,
            discretizer: c.discretizer,
            net: c.net,
        }
    }
}

/// Fits `common`'s discretizer on `rows`, learns the network with `learn` (given the
/// encoded training rows and the target's name) and wraps both.
pub(crate) fn fit_classifier(
    common: &Common,
    table: &Table,
    rows: &[usize],
    name: &str,
    learn: impl FnOnce(&Encoded, &str) -> Result<BayesNet>,
) -> Result<BayesClassifier> {
    let (disc, enc) = common.encode(table, rows)?;
    let net = learn(&enc, &table.schema().target.name)?;
    BayesClassifier::new(name.to_string(), disc, net)
}

impl BayesClassifier {
    /// Wraps a network whose nodes are the discretizer's features (same order and
    /// state counts) followed by the class. Errors when they do not match.
    pub fn new(name: String, discretizer: Discretizer, net: BayesNet) -> Result<Self> {
        let schema = discretizer.schema();
        let nf = schema.features.len();
        let bad = |m: String| Error::Model {
            location: Default::default(),
            message: m,
        };
        if net.n_vars() != nf + 1 {
            return Err(bad(format!(
                "the network has {} variables; the discretizer has {nf} features + the class",
                net.n_vars()
            )));
        }
        for j in 0..nf {
            let states = feature_states(schema, j);
            if net.variable(j).name != schema.features[j].name || net.variable(j).states != states {
                return Err(bad(format!(
                    "network variable {j} ('{}') does not match feature '{}'",
                    net.variable(j).name,
                    schema.features[j].name
                )));
            }
        }
        if net.variable(nf).states != schema.classes {
            return Err(bad(format!(
                "the class node's states {:?} differ from the classes {:?}",
                net.variable(nf).states,
                schema.classes
            )));
        }
        let terms = compile(&net, &discretizer);
        Ok(BayesClassifier {
            name,
            discretizer,
            net,
            terms,
        })
    }

    /// The network (features, then the class node).
    pub fn net(&self) -> &BayesNet {
        &self.net
    }

    /// The fitted discretizer.
    pub fn discretizer(&self) -> &Discretizer {
        &self.discretizer
    }

    /// The class node's index (the last).
    pub fn class_node(&self) -> usize {
        self.net.n_vars() - 1
    }

    /// The network in BIF (see [`bif::write`]).
    pub fn to_bif(&self) -> String {
        bif::write(&self.net)
    }

    /// The structure in Graphviz DOT with the class highlighted.
    pub fn to_dot(&self) -> String {
        bif::to_dot(&self.net, Some(self.class_node()))
    }

    /// Class posteriors of every row of `enc` (encoded by this model's discretizer),
    /// row-major into `out` (`n_rows × n_classes`): the fast path (single-threaded,
    /// block by block) where the class's blanket is observed, variable elimination
    /// (rows in parallel) elsewhere.
    pub fn predict_encoded(&self, enc: &Encoded, out: &mut [f64]) -> Result<()> {
        let k = self.net.cardinality(self.class_node());
        let n = enc.n_rows();
        check_out_len(out, n, k)?;
        if enc.schema() != self.discretizer.schema()
            && **enc.schema() != **self.discretizer.schema()
        {
            return Err(Error::schema(
                "the encoded table was not made by this model's discretizer",
            ));
        }
        let mut cfg = vec![0usize; BLOCK];
        let mut fallback: Vec<usize> = Vec::new();
        for start in (0..n).step_by(BLOCK) {
            let end = (start + BLOCK).min(n);
            let len = end - start;
            let scores = &mut out[start * k..end * k];
            scores.fill(0.0);
            for t in &self.terms {
                let cfg = &mut cfg[..len];
                cfg.fill(0);
                for (&v, &stride) in t.vars.iter().zip(&t.strides) {
                    match enc.column(v) {
                        Codes::U8(c) => {
                            for (x, &code) in cfg.iter_mut().zip(&c[start..end]) {
                                *x += code as usize * stride;
                            }
                        }
                        Codes::U16(c) => {
                            for (x, &code) in cfg.iter_mut().zip(&c[start..end]) {
                                *x += code as usize * stride;
                            }
                        }
                    }
                }
                for (row, &x) in scores.chunks_exact_mut(k).zip(cfg.iter()) {
                    for (s, &lp) in row.iter_mut().zip(&t.logp[x * k..x * k + k]) {
                        *s += lp;
                    }
                }
            }
            for (i, row) in scores.chunks_exact_mut(k).enumerate() {
                if row.iter().any(|x| x.is_nan()) {
                    fallback.push(start + i);
                } else {
                    softmax(row);
                }
            }
        }
        // Rows with an unobserved blanket variable: variable elimination, in parallel.
        let posteriors: Vec<Vec<f64>> = fallback
            .par_iter()
            .map(|&r| self.posterior_ve(enc, r, None))
            .collect::<Result<_>>()?;
        for (&r, p) in fallback.iter().zip(posteriors) {
            out[r * k..(r + 1) * k].copy_from_slice(&p);
        }
        Ok(())
    }

    /// The observed evidence of row `row` of `enc` (feature, state), optionally
    /// without feature `skip`.
    fn evidence(&self, enc: &Encoded, row: usize, skip: Option<usize>) -> Vec<(usize, usize)> {
        let schema = enc.schema();
        (0..enc.n_features())
            .filter(|&j| Some(j) != skip)
            .filter_map(|j| {
                let c = enc.code(row, j) as usize;
                (c < schema.features[j].n_levels()).then_some((j, c))
            })
            .collect()
    }

    /// The class posterior of one encoded row by variable elimination (no fast path),
    /// optionally withdrawing the evidence on feature `skip`.
    pub fn posterior_ve(&self, enc: &Encoded, row: usize, skip: Option<usize>) -> Result<Vec<f64>> {
        let ev = self.evidence(enc, row, skip);
        Ok(infer::query(&self.net, &[self.class_node()], &ev)?.values)
    }

    /// The explanation of row `row` of `enc` (see the module docs).
    pub fn explain_encoded(&self, enc: &Encoded, row: usize) -> Result<Explanation> {
        let schema = enc.schema();
        let k = self.net.cardinality(self.class_node());
        let churn = schema.churn_class();
        let ret = 0usize;
        let class_is_root = self.net.parents(self.class_node()).is_empty();
        // The fast-path terms at this row.
        let mut term_lp: Vec<(Option<usize>, f64)> = Vec::new();
        let mut blanket_observed = true;
        for t in &self.terms {
            let x: usize = t
                .vars
                .iter()
                .zip(&t.strides)
                .map(|(&v, &s)| enc.code(row, v) as usize * s)
                .sum();
            let lp = &t.logp[x * k..x * k + k];
            if lp.iter().any(|v| v.is_nan()) {
                blanket_observed = false;
                break;
            }
            term_lp.push((t.child, lp[churn] - lp[ret]));
        }
        let mut reasons = Vec::new();
        let summary = if class_is_root && blanket_observed {
            let mut prior = 0.0;
            for (child, w) in &term_lp {
                match child {
                    None => prior += w,
                    Some(j) => reasons.push(Reason {
                        feature: schema.features[*j].name.clone(),
                        condition: schema.features[*j].condition(enc.code(row, *j)),
                        weight: *w,
                    }),
                }
            }
            let total: f64 = prior + reasons.iter().map(|r| r.weight).sum::<f64>();
            format!(
                "log-odds {} vs {} = {total:.3}: prior {prior:.3} plus each attribute's term",
                schema.classes[churn], schema.classes[ret]
            )
        } else {
            let lo = |p: &[f64]| p[churn].ln() - p[ret].ln();
            let full = lo(&self.posterior_ve(enc, row, None)?);
            for (j, code) in self.evidence(enc, row, None) {
                let without = lo(&self.posterior_ve(enc, row, Some(j))?);
                let w = full - without;
                if w != 0.0 {
                    reasons.push(Reason {
                        feature: schema.features[j].name.clone(),
                        condition: schema.features[j].condition(code as u16),
                        weight: w,
                    });
                }
            }
            format!(
                "log-odds {} vs {} = {full:.3}; each weight is the change when that value is withdrawn",
                schema.classes[churn], schema.classes[ret]
            )
        };
        reasons.sort_by(|a, b| b.weight.abs().total_cmp(&a.weight.abs()));
        Ok(Explanation { reasons, summary })
    }
}

fn softmax(row: &mut [f64]) {
    let m = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut s = 0.0;
    for x in row.iter_mut() {
        *x = (*x - m).exp();
        s += *x;
    }
    for x in row.iter_mut() {
        *x /= s;
    }
}

/// Compiles the class's blanket factors into code-indexed log tables.
fn compile(net: &BayesNet, disc: &Discretizer) -> Vec<Term> {
    let schema = disc.schema();
    let class = net.n_vars() - 1;
    let k = net.cardinality(class);
    let mut families: Vec<(Option<usize>, usize)> = vec![(None, class)];
    families.extend(net.children(class).into_iter().map(|c| (Some(c), c)));
    families
        .into_iter()
        .map(|(child, node)| {
            let mut vars: Vec<usize> = net
                .parents(node)
                .iter()
                .copied()
                .filter(|&p| p != class)
                .collect();
            if node != class {
                vars.push(node);
            }
            let cards: Vec<usize> = vars
                .iter()
                .map(|&v| schema.features[v].cardinality())
                .collect();
            let mut strides = vec![0; vars.len()];
            let mut s = 1;
            for i in (0..vars.len()).rev() {
                strides[i] = s;
                s *= cards[i];
            }
            let size: usize = cards.iter().product();
            let mut logp = vec![f64::NAN; size * k];
            let mut state = vec![0usize; net.n_vars()];
            for x in 0..size {
                let mut ok = true;
                for (i, &v) in vars.iter().enumerate() {
                    let code = (x / strides[i]) % cards[i];
                    ok &= code < schema.features[v].n_levels();
                    state[v] = code;
                }
                if !ok {
                    continue;
                }
                for c in 0..k {
                    state[class] = c;
                    let ps: Vec<usize> = net.parents(node).iter().map(|&p| state[p]).collect();
                    logp[x * k + c] = net.prob(node, state[node], &ps).ln();
                }
            }
            Term {
                child,
                vars,
                strides,
                logp,
            }
        })
        .collect()
}

impl Classifier for BayesClassifier {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn classes(&self) -> &[String] {
        &self.discretizer.schema().classes
    }

    fn predict_proba_into(&self, table: &Table, rows: &[usize], out: &mut [f64]) -> Result<()> {
        check_out_len(out, rows.len(), self.classes().len())?;
        let (enc, _) = self.discretizer.encode_rows(table, rows)?;
        self.predict_encoded(&enc, out)
    }

    fn explain(&self, table: &Table, row: usize) -> Result<Explanation> {
        if row >= table.n_rows() {
            return Err(Error::param(
                "row",
                row,
                format!("table has {} rows", table.n_rows()),
            ));
        }
        let (enc, _) = self.discretizer.encode_rows(table, &[row])?;
        self.explain_encoded(&enc, 0)
    }
}
