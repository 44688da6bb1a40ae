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
//! - Otherwise, when the class has no parents and every attribute has at most one
//!   parent besides the class (naive Bayes, TAN), exact
//!   [forest message passing](super::forest) for that row: a missing attribute is
//!   summed out of its tree in a few table lookups.
//! - Otherwise (any other network, e.g. hill climbing's, where the class may have
//!   parents) the class query compiled (`compiled.rs`) for the row's missing pattern
//!   and cached: the class's observed families are table lookups and only the factors
//!   tied to the class through unobserved variables are summed, in a plan made once
//!   per pattern — exact, without redoing variable elimination for every row.
//! - Exact [variable elimination](super::infer::query) only where that plan would
//!   build a table of more than [`MAX_FACTOR_ENTRIES`](super::MAX_FACTOR_ENTRIES)
//!   entries, or the evidence has probability zero (reported as an error).
//!
//! **Explanation.** Each observed attribute's contribution to the log-odds of
//! `churned` vs `retained`. When the class has no parents (naive Bayes, TAN) and its
//! blanket is observed, the log-odds is exactly
//! `ln P(ch)/P(ret) + Σ_Y ln P(y | pa(Y), ch)/P(y | pa(Y), ret)`, and each child's
//! term is its attribute's contribution (the terms add up to the log-odds). Otherwise
//! (a general network, or missing blanket values) the contribution of attribute `X`
//! is the change in log-odds when its evidence is withdrawn: `LO(e) − LO(e \ {X})`.
//! With a parentless class that change is computed locally, without inference: let
//! `U` be `X` plus the unobserved variables that share a factor with `U` (leaving out
//! barren ones — unobserved with no observed descendant — whose factors sum to one),
//! and `F_U(c, ·)` the product of the factors that mention `U`. Those mention nothing
//! else unobserved, and the rest of the (marginalised) joint does not mention `U`, so
//! it cancels in the difference:
//! `LO(e) − LO(e \ {X}) = ln A(ch)/A(ret) − ln B(ch)/B(ret)` with
//! `A(c) = Σ_{U∖X} F_U(c, x, ·)` and `B(c) = Σ_U F_U(c, ·)`. Variable elimination is
//! left for attributes whose `U` has more than 4096 joint configurations.

use std::sync::OnceLock;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::bif;
use super::compiled::{ClassQuery, QueryScratch};
use super::forest::{ForestPosterior, ForestScratch, UNOBSERVED};
use super::infer;
use super::learn::{HillClimb, NaiveBayes, NetworkLearner, Tan, feature_states, network_variables};
use super::network::BayesNet;
use crate::data::{Binning, Codes, Discretizer, Encoded, Table};
use crate::error::{Error, Result};
use crate::learner::{
    Classifier, EncodedLearner, Encoding, Explanation, FitInput, RawExplainer, RawReason, Reason,
    check_out_len,
};

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
/// fast batch scoring (deserialisation validates the parts; the scoring tables —
/// log tables of the blanket, forest messages or the class query, up to three times
/// the CPTs — are compiled on the first prediction and kept, as a tree compiles its
/// walker, so loading a model holds only what its file stores).
///
/// Prediction is exact `P(C | e)` over the observed attributes `e` (a missing or
/// unseen value is marginalised, never imputed): a product of precompiled table
/// entries when the class's Markov blanket is observed, else forest message passing
/// ([`ForestPosterior`]) for naive Bayes and TAN, else the class query compiled per
/// missing pattern (module docs), with variable elimination ([`query`](super::query))
/// as the last resort. An explanation gives each observed attribute's
/// contribution to the log-odds of `churned` vs `retained`: its child term when the
/// class has no parents and its blanket is observed (the terms then add up to the
/// log-odds), otherwise the change in log-odds when its evidence is withdrawn.
///
/// Two classifiers are equal when their names, discretizers and networks are.
///
/// Serialized as its name, discretizer, the class node's name and the network's
/// parents and CPTs: the variables' names and states are the discretizer's, stored
/// once (model files before format version 4 stored the whole network; see
/// [`data::compat`](crate::data::compat)).
#[derive(Debug, Clone)]
pub struct BayesClassifier {
    name: String,
    discretizer: Discretizer,
    net: BayesNet,
    /// The scoring tables, compiled on the first prediction and kept (not stored in
    /// model files, so a loaded model holds only its network until it scores).
    compiled: OnceLock<Compiled>,
}

/// What scoring compiles from a network: the blanket's log tables, the forest
/// message passing (naive Bayes, TAN) or else the class query.
#[derive(Debug, Clone)]
struct Compiled {
    terms: Vec<Term>,
    forest: Option<ForestPosterior>,
    /// The class query compiled per missing pattern, for networks without `forest`.
    query: Option<ClassQuery>,
}

impl Compiled {
    fn new(net: &BayesNet, discretizer: &Discretizer) -> Self {
        let forest = ForestPosterior::new(net);
        // Not a forest: the elimination cost was checked by `BayesClassifier::new`.
        let query = forest.is_none().then(|| ClassQuery::new(net));
        Compiled {
            terms: compile(net, discretizer),
            forest,
            query,
        }
    }
}

impl PartialEq for BayesClassifier {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.discretizer == other.discretizer && self.net == other.net
    }
}

/// What a [`BayesClassifier`] writes (model format 4 on).
#[derive(Serialize)]
struct ClassifierOut<'a> {
    name: &'a str,
    discretizer: &'a Discretizer,
    class_name: &'a str,
    parents: Vec<&'a [usize]>,
    cpts: Vec<&'a [f64]>,
}

/// What a [`BayesClassifier`] reads (model format 4 on).
#[derive(Deserialize)]
struct ClassifierIn {
    name: String,
    discretizer: Discretizer,
    class_name: String,
    parents: Vec<Vec<usize>>,
    cpts: Vec<Vec<f64>>,
}

/// Model formats 1–3: the whole network, names and states included.
#[derive(Deserialize)]
struct ClassifierV3 {
    name: String,
    discretizer: Discretizer,
    net: BayesNet,
}

impl Serialize for BayesClassifier {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let n = self.net.n_vars();
        ClassifierOut {
            name: &self.name,
            discretizer: &self.discretizer,
            class_name: &self.net.variable(n - 1).name,
            parents: (0..n).map(|v| self.net.parents(v)).collect(),
            cpts: (0..n).map(|v| self.net.cpt(v)).collect(),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for BayesClassifier {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        use serde::de::Error as _;
        if crate::data::compat::legacy_layout() {
            let r = ClassifierV3::deserialize(d)?;
            return BayesClassifier::new(r.name, r.discretizer, r.net).map_err(D::Error::custom);
        }
        let r = ClassifierIn::deserialize(d)?;
        let variables = network_variables(r.discretizer.schema(), &r.class_name);
        let net = BayesNet::from_parts(variables, r.parents, r.cpts).map_err(D::Error::custom)?;
        BayesClassifier::new(r.name, r.discretizer, net).map_err(D::Error::custom)
    }
}

/// `fit_table` and the [`EncodedLearner`] impl of a network learner: phase 1 is its
/// binning, phase 2 learns the network from the codes and wraps it with the
/// discretizer in a [`BayesClassifier`].
macro_rules! fits_classifier {
    ($($ty:ty),*) => {$(
        impl $ty {
            /// Fits the discretizer on `rows` of `table`, then the network: the
            /// concrete [`BayesClassifier`] ([`Learner::fit`](crate::Learner::fit)
            /// boxes it).
            pub fn fit_table(&self, table: &Table, rows: &[usize]) -> Result<BayesClassifier> {
                Ok(self.fit_timed(table, rows)?.fitted)
            }
        }

        impl EncodedLearner for $ty {
            type Fitted = BayesClassifier;

            fn name(&self) -> String {
                <$ty as NetworkLearner>::NAME.into()
            }

            fn check(&self) -> Result<()> {
                NetworkLearner::check(self)
            }

            fn binning(&self) -> Option<&Binning> {
                Some(&self.settings().binning)
            }

            fn fit_codes(&self, mut input: FitInput<'_>) -> Result<BayesClassifier> {
                let Encoding { discretizer, encoded } = input.take_encoding()?;
                let net = self.learn_network(&encoded, &input.table.schema().target.name)?;
                BayesClassifier::new(input.name, discretizer, net)
            }
        }
    )*};
}

fits_classifier!(NaiveBayes, Tan, HillClimb);

impl BayesClassifier {
    /// Wraps a network whose nodes are the discretizer's features (same order and
    /// state counts) followed by the class. Errors when they do not match, or when
    /// exact inference for a row with every attribute missing would build a table of
    /// more than [`MAX_FACTOR_ENTRIES`](super::MAX_FACTOR_ENTRIES) entries.
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
        if !ForestPosterior::applies(&net) {
            // Forest networks (naive Bayes, TAN) eliminate in small tables.
            infer::check_elimination_cost(&net, nf)?;
        }
        Ok(BayesClassifier {
            name,
            discretizer,
            net,
            compiled: OnceLock::new(),
        })
    }

    /// The network (features, then the class node).
    pub fn net(&self) -> &BayesNet {
        &self.net
    }

    /// True when rows with unobserved attributes are scored by exact forest message
    /// passing (the class has no parents and every attribute at most one other
    /// parent, e.g. naive Bayes and TAN) rather than by variable elimination.
    pub fn has_forest_inference(&self) -> bool {
        ForestPosterior::applies(&self.net)
    }

    /// The scoring tables, compiled on first use.
    fn compiled(&self) -> &Compiled {
        self.compiled
            .get_or_init(|| Compiled::new(&self.net, &self.discretizer))
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
    /// row-major into `out` (`n_rows × n_classes`), blocks of rows in parallel: the
    /// fast path where the class's blanket is observed, and for the other rows forest
    /// message passing when the network allows it, else the class query compiled for
    /// the row's missing pattern (see [`BayesClassifier`]); variable elimination (rows in
    /// parallel) only for rows those cannot answer (a factor too large to plan, or
    /// evidence of probability zero, which it reports). The result does not depend on
    /// the number of threads.
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
        // Blocks in parallel; each returns its rows that need variable elimination.
        let fallback: Vec<usize> = out
            .par_chunks_mut(BLOCK * k)
            .enumerate()
            .map_init(
                || (vec![0usize; BLOCK], Scratch::default()),
                |(cfg, scratch), (b, scores)| {
                    self.score_block(enc, b * BLOCK, scores, cfg, scratch)
                },
            )
            .flatten()
            .collect();
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

    /// Scores the rows `start..` of `enc` that `scores` (`k` per row) covers: the fast
    /// path, then forest message passing or the compiled class query for rows with an
    /// unobserved blanket value. Returns the rows left for variable elimination.
    fn score_block(
        &self,
        enc: &Encoded,
        start: usize,
        scores: &mut [f64],
        cfg: &mut [usize],
        scratch: &mut Scratch,
    ) -> Vec<usize> {
        let k = self.net.cardinality(self.class_node());
        let len = scores.len() / k;
        let end = start + len;
        let mut fallback = Vec::new();
        scores.fill(0.0);
        for t in &self.compiled().terms {
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
            if !row.iter().any(|x| x.is_nan()) {
                softmax(row);
                continue;
            }
            self.states_into(enc, start + i, None, &mut scratch.state);
            if !self.solve(scratch, row) {
                fallback.push(start + i);
            }
        }
        fallback
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

    /// Row `row`'s attribute states for [`ForestPosterior`] ([`UNOBSERVED`] for a
    /// missing code and for feature `skip`).
    fn states_into(&self, enc: &Encoded, row: usize, skip: Option<usize>, out: &mut Vec<u32>) {
        let schema = enc.schema();
        out.clear();
        out.extend((0..enc.n_features()).map(|j| {
            let c = enc.code(row, j) as usize;
            if c < schema.features[j].n_levels() && Some(j) != skip {
                c as u32
            } else {
                UNOBSERVED
            }
        }));
    }

    /// `P(C | e)` into `out` for the attribute states in `scratch.state`
    /// ([`UNOBSERVED`] where missing) by forest message passing or the compiled class
    /// query; false when neither answers (the caller runs variable elimination).
    fn solve(&self, scratch: &mut Scratch, out: &mut [f64]) -> bool {
        let compiled = self.compiled();
        if let Some(f) = &compiled.forest {
            return f.posterior_into(&scratch.state, &mut scratch.forest, out);
        }
        compiled
            .query
            .as_ref()
            .is_some_and(|q| q.posterior_into(&self.net, &scratch.state, &mut scratch.query, out))
    }

    /// The class posterior of one encoded row, optionally withdrawing the evidence on
    /// feature `skip`: by forest message passing when the network allows it (see
    /// [`ForestPosterior`]), else by the class query compiled for the row's missing
    /// pattern (see [`BayesClassifier`]), else (a factor too large to plan, or evidence
    /// of probability zero) by variable elimination. All are exact.
    pub fn posterior(&self, enc: &Encoded, row: usize, skip: Option<usize>) -> Result<Vec<f64>> {
        let mut scratch = Scratch::default();
        self.posterior_with(enc, row, skip, &mut scratch)
    }

    /// [`posterior`](Self::posterior) with reusable buffers.
    fn posterior_with(
        &self,
        enc: &Encoded,
        row: usize,
        skip: Option<usize>,
        scratch: &mut Scratch,
    ) -> Result<Vec<f64>> {
        self.states_into(enc, row, skip, &mut scratch.state);
        let mut p = vec![0.0; self.net.cardinality(self.class_node())];
        if self.solve(scratch, &mut p) {
            return Ok(p);
        }
        self.posterior_ve(enc, row, skip)
    }

    /// The class posterior of one encoded row by variable elimination (no fast path),
    /// optionally withdrawing the evidence on feature `skip`.
    pub fn posterior_ve(&self, enc: &Encoded, row: usize, skip: Option<usize>) -> Result<Vec<f64>> {
        let ev = self.evidence(enc, row, skip);
        Ok(infer::query(&self.net, &[self.class_node()], &ev)?.values)
    }

    /// The explanation of row `row` of `enc` (see [`BayesClassifier`]).
    pub fn explain_encoded(&self, enc: &Encoded, row: usize) -> Result<Explanation> {
        let (mut terms, summary) = self.explain_terms(enc, row, true)?;
        terms.sort_by(|a, b| b.2.abs().total_cmp(&a.2.abs()));
        let reasons = terms.into_iter().map(|t| self.reason(enc, t)).collect();
        Ok(Explanation { reasons, summary })
    }

    /// `LO(e) − LO(e \ {X_j})` from the factors around `X_j` (see the module docs),
    /// or None when the unobserved variables tied to `X_j` have more than
    /// [`MAX_LOCAL_CONFIGS`] joint configurations. `state` is scratch space of one
    /// entry per network variable.
    fn withdraw_locally(
        &self,
        enc: &Encoded,
        row: usize,
        j: usize,
        (churn, ret): (usize, usize),
        state: &mut [usize],
    ) -> Option<f64> {
        let class = self.class_node();
        let schema = enc.schema();
        let unobserved =
            |v: usize| v != class && enc.code(row, v) as usize >= schema.features[v].n_levels();
        // U: X_j and the unobserved variables sharing a factor with U; `fams`: the
        // families (a node with its parents) whose factor mentions U, except barren
        // ones (unobserved with no observed descendant: they sum to one).
        let mut u = vec![j];
        let mut fams: Vec<usize> = Vec::new();
        let mut configs = self.net.cardinality(j);
        let mut i = 0;
        while i < u.len() {
            let x = u[i];
            i += 1;
            for f in std::iter::once(x).chain(self.net.children(x)) {
                if fams.contains(&f) || (f != x && unobserved(f) && self.barren(f, &unobserved)) {
                    continue;
                }
                fams.push(f);
                for &w in std::iter::once(&f).chain(self.net.parents(f)) {
                    if w == class || u.contains(&w) {
                        continue;
                    }
                    if unobserved(w) {
                        configs = configs.saturating_mul(self.net.cardinality(w));
                        if configs > MAX_LOCAL_CONFIGS {
                            return None;
                        }
                        u.push(w);
                    } else {
                        state[w] = enc.code(row, w) as usize;
                    }
                }
            }
        }
        let mut ps: Vec<usize> = Vec::new();
        // Σ over the configurations of u[from..] of Π_fams P(f | pa(f)), with C = c.
        let mut sum = |c: usize, from: usize, state: &mut [usize]| {
            state[class] = c;
            for &v in &u[from..] {
                state[v] = 0;
            }
            let mut total = 0.0;
            loop {
                let mut p = 1.0;
                for &f in &fams {
                    ps.clear();
                    ps.extend(self.net.parents(f).iter().map(|&q| state[q]));
                    p *= self.net.prob(f, state[f], &ps);
                }
                total += p;
                // Next configuration (mixed radix over u[from..]).
                let mut k = from;
                loop {
                    if k == u.len() {
                        return total;
                    }
                    let v = u[k];
                    state[v] += 1;
                    if state[v] < self.net.cardinality(v) {
                        break;
                    }
                    state[v] = 0;
                    k += 1;
                }
            }
        };
        let x = enc.code(row, j) as usize;
        state[j] = x;
        let with = sum(churn, 1, state).ln() - sum(ret, 1, state).ln();
        let without = sum(churn, 0, state).ln() - sum(ret, 0, state).ln();
        Some(with - without)
    }

    /// True when `v` and all its descendants are unobserved.
    fn barren(&self, v: usize, unobserved: &dyn Fn(usize) -> bool) -> bool {
        unobserved(v)
            && self
                .net
                .children(v)
                .into_iter()
                .all(|c| self.barren(c, unobserved))
    }

    /// The explanation's weights as `(feature, code, weight)` in evidence order, and
    /// the summary when asked for; reasons are rendered as text by the callers, only
    /// for those kept.
    fn explain_terms(
        &self,
        enc: &Encoded,
        row: usize,
        with_summary: bool,
    ) -> Result<(Vec<Term3>, String)> {
        let schema = enc.schema();
        let k = self.net.cardinality(self.class_node());
        let churn = schema.churn_class();
        let ret = 0usize;
        let class_is_root = self.net.parents(self.class_node()).is_empty();
        // The fast-path terms at this row.
        let mut term_lp: Vec<(Option<usize>, f64)> = Vec::new();
        let mut blanket_observed = true;
        for t in &self.compiled().terms {
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
                    Some(j) => reasons.push((*j, enc.code(row, *j), *w)),
                }
            }
            let total: f64 = prior + reasons.iter().map(|r| r.2).sum::<f64>();
            if with_summary {
                format!(
                    "log-odds {} vs {} = {total:.3}: prior {prior:.3} plus each attribute's term",
                    schema.classes[churn], schema.classes[ret]
                )
            } else {
                String::new()
            }
        } else {
            let lo = |p: &[f64]| p[churn].ln() - p[ret].ln();
            let mut full = None;
            let mut state = vec![0usize; self.net.n_vars()];
            let mut scratch = Scratch::default();
            for (j, code) in self.evidence(enc, row, None) {
                let local = if class_is_root {
                    self.withdraw_locally(enc, row, j, (churn, ret), &mut state)
                } else {
                    None
                };
                let w = match local {
                    Some(w) => w,
                    None => {
                        let f = match full {
                            Some(f) => f,
                            None => *full.insert(lo(&self.posterior_with(
                                enc,
                                row,
                                None,
                                &mut scratch,
                            )?)),
                        };
                        f - lo(&self.posterior_with(enc, row, Some(j), &mut scratch)?)
                    }
                };
                if w != 0.0 {
                    reasons.push((j, code as u16, w));
                }
            }
            if with_summary {
                let full = match full {
                    Some(f) => f,
                    None => lo(&self.posterior(enc, row, None)?),
                };
                format!(
                    "log-odds {} vs {} = {full:.3}; each weight is the change when that value is withdrawn",
                    schema.classes[churn], schema.classes[ret]
                )
            } else {
                String::new()
            }
        };
        Ok((reasons, summary))
    }

    /// A term of [`explain_terms`](Self::explain_terms) as a [`Reason`].
    fn reason(&self, enc: &Encoded, (j, code, weight): Term3) -> Reason {
        let f = &enc.schema().features[j];
        Reason {
            feature: f.name.clone(),
            condition: f.condition(code),
            weight,
        }
    }
}

/// The most joint configurations of the unobserved variables around an attribute
/// for which an explanation weight is summed locally (beyond: variable elimination).
const MAX_LOCAL_CONFIGS: usize = 4096;

/// Per-thread buffers of exact inference for rows with unobserved attributes.
#[derive(Debug, Default)]
struct Scratch {
    /// The row's attribute states ([`UNOBSERVED`] where missing).
    state: Vec<u32>,
    forest: ForestScratch,
    query: QueryScratch,
}

/// One explanation term: (feature, code, weight).
type Term3 = (usize, u16, f64);

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
    // One state vector for all families (each sets its own variables and the class
    // before reading them): compiling stays linear in the number of variables.
    let mut state = vec![0usize; net.n_vars()];
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

    fn raw_explainer(&self) -> Option<&dyn RawExplainer> {
        Some(self)
    }
}

/// The explanation's terms unworded: each observed attribute with its code.
impl RawExplainer for BayesClassifier {
    /// Encodes the rows once, then explains each encoded row.
    fn explain_top_raw(
        &self,
        table: &Table,
        rows: &[usize],
        n: usize,
    ) -> Result<Vec<Vec<RawReason<'_>>>> {
        let (enc, _) = self.discretizer.encode_rows(table, rows)?;
        let features = &self.discretizer.schema().features;
        (0..rows.len())
            .map(|i| {
                // As `top_reasons` of `explain`: a stable sort by weight, descending
                // (ties by weight are ties by magnitude too, so they keep evidence
                // order either way).
                let (mut terms, _) = self.explain_terms(&enc, i, false)?;
                terms.sort_by(|a, b| b.2.total_cmp(&a.2));
                terms.truncate(n);
                Ok(terms
                    .into_iter()
                    .map(|(j, code, weight)| RawReason {
                        feature: j,
                        name: &features[j].name,
                        code,
                        node: 0,
                        weight,
                    })
                    .collect())
            })
            .collect()
    }

    fn word_reason(&self, _table: &Table, _row: usize, raw: &RawReason<'_>) -> Reason {
        let f = &self.discretizer.schema().features[raw.feature];
        Reason {
            feature: f.name.clone(),
            condition: f.condition(raw.code),
            weight: raw.weight,
        }
    }
}
