//! Tree-augmented naive Bayes (Friedman, Geiger & Goldszmidt 1997, "Bayesian network
//! classifiers", *Machine Learning* 29).
//!
//! 1. For every pair of attributes, the conditional mutual information given the class
//!    (natural log, from the weighted counts `n_xyc` of the rows where both are
//!    observed, `N` their total):
//!
//!    ```text
//!    I(X; Y | C) = (1/N) Σ_{x,y,c} n_xyc · ln( n_xyc · n_c / (n_xc · n_yc) )
//!    ```
//!
//!    The pairs' `(x × y × class)` tables are counted through the count-table seam,
//!    [`contingency_pairs`]: runs of pairs sharing an attribute in one pass over the
//!    rows, runs in parallel (rayon).
//! 2. The maximum-weight spanning tree of the attributes (Chow & Liu 1968; Kruskal's
//!    algorithm, ties broken by the lower attribute indices) under one of two edge
//!    weights ([`EdgeWeight`]):
//!    - `Cmi` — Friedman et al.'s weight `I(X; Y | C)` itself; edges with
//!      `I ≤ min_cmi` are left out (default 0: an edge of zero information is never
//!      added);
//!    - `Bic` — the gain in BIC of adding the edge,
//!      `N · I(X; Y | C) − ½ · ln N · k · (r_X − 1)(r_Y − 1)` (the child's CPT grows
//!      by `k (r_X − 1)(r_Y − 1)` free parameters whichever way the edge points);
//!      only edges with a positive gain are kept, so the forest maximises BIC among
//!      TAN forests. This stops the plug-in CMI's upward bias (about
//!      `k (r_X − 1)(r_Y − 1) / 2N`) from making a many-level attribute such as a
//!      US state the hub of the tree.
//!
//!    Either way the result may be a forest, and TAN with every weight zero (or
//!    negative) *is* naive Bayes.
//! 3. Edges are directed away from the root (the chosen attribute, default the first;
//!    other trees of the forest from their lowest-index attribute), and the class
//!    becomes a parent of every attribute.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{BayesSettings, build, compact, node_states};
use crate::bayes::network::BayesNet;
use crate::count::{CountTable, Counter, InMemory, Rows};
use crate::data::Encoded;
use crate::error::{Error, Result};

/// CMI values below this are numerical noise and count as exactly zero.
pub(crate) const CMI_EPSILON: f64 = 1e-12;

/// The weight of a candidate edge of [`Tan`]'s spanning tree.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum EdgeWeight {
    /// `I(X; Y | C)` (Friedman, Geiger & Goldszmidt 1997).
    Cmi,
    /// The BIC gain `N·I(X; Y | C) − ½·ln N · k·(r_X − 1)(r_Y − 1)`.
    #[default]
    Bic,
}

/// The TAN learner.
///
/// Defaults: `binning = Mdl { min_bins: 2, max_bins: 16 }`,
/// `prior = Laplace { alpha: 1.0 }`, `weight = EdgeWeight::Bic` (5-fold
/// cross-validation on the training files; CMI weights gave Orange 0.746 vs 0.866),
/// `root = None` (the first attribute), `min_cmi = 0.0`.
///
/// ```
/// use churnkit::bayes::Tan;
/// let tan = Tan::new().root("Contract").min_cmi(0.0);
/// # let _ = tan;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Tan {
    #[serde(rename = "common")] // the serialized name, kept
    settings: BayesSettings,
    root: Option<String>,
    min_cmi: f64,
    weight: EdgeWeight,
}

/// The conditional mutual information `I(X_i; X_j | C)` from a compacted
/// `(x × y × class)` count table with `rx`, `ry`, `k` states.
pub(crate) fn cmi_from_counts(counts: &[f64], rx: usize, ry: usize, k: usize) -> f64 {
    let mut nxc = vec![0.0; rx * k];
    let mut nyc = vec![0.0; ry * k];
    let mut nc = vec![0.0; k];
    for x in 0..rx {
        for y in 0..ry {
            for c in 0..k {
                let n = counts[(x * ry + y) * k + c];
                nxc[x * k + c] += n;
                nyc[y * k + c] += n;
                nc[c] += n;
            }
        }
    }
    let total: f64 = nc.iter().sum();
    if total <= 0.0 {
        return 0.0;
    }
    let mut s = 0.0;
    for x in 0..rx {
        for y in 0..ry {
            for c in 0..k {
                let n = counts[(x * ry + y) * k + c];
                if n > 0.0 {
                    s += n * (n * nc[c] / (nxc[x * k + c] * nyc[y * k + c])).ln();
                }
            }
        }
    }
    let i = s / total;
    if i < CMI_EPSILON { 0.0 } else { i }
}

/// Pairs sharing their first attribute counted in one pass (see
/// [`Counter::contingency_pairs`]): enough to reuse that attribute's codes and the labels from
/// cache, few enough that the pair tasks balance across threads.
const PAIRS_PER_PASS: usize = 8;

/// The symmetric matrix of `I(X_i; X_j | C)` over all attribute pairs of `enc`
/// (diagonal 0). The `(x × y × class)` tables of the pairs `(i, j)`, `j > i`, are
/// counted by [`Counter::contingency_pairs`] in runs of 8 pairs sharing `i` (one
/// pass over the rows per run), runs in parallel.
pub fn conditional_mutual_information(enc: &Encoded, rows: Rows<'_>) -> Vec<Vec<f64>> {
    conditional_mutual_information_with(enc, &InMemory::new(enc), rows)
}

/// [`conditional_mutual_information`] with the pair tables counted by `counter`, which
/// must count `enc` (whose schema gives the states).
pub fn conditional_mutual_information_with<C: Counter>(
    enc: &Encoded,
    counter: &C,
    rows: Rows<'_>,
) -> Vec<Vec<f64>> {
    let nf = enc.n_features();
    let k = enc.n_classes();
    let runs: Vec<(usize, Vec<usize>)> = (0..nf)
        .flat_map(|i| {
            let js: Vec<usize> = (i + 1..nf).collect();
            js.chunks(PAIRS_PER_PASS)
                .map(|c| (i, c.to_vec()))
                .collect::<Vec<_>>()
        })
        .collect();
    let obs = |j: usize| enc.schema().features[j].n_levels();
    let values: Vec<Vec<f64>> = runs
        .par_iter()
        .map_init(Vec::new, |bufs: &mut Vec<CountTable>, (i, js)| {
            counter.contingency_pairs(rows, *i, js, bufs);
            js.iter()
                .zip(bufs.iter())
                .map(|(&j, buf)| {
                    let (ri, rj) = (node_states(enc, *i), node_states(enc, j));
                    let counts = compact(buf, &[obs(*i), obs(j), k], &[ri, rj, k]);
                    cmi_from_counts(&counts, ri, rj, k)
                })
                .collect()
        })
        .collect();
    let mut m = vec![vec![0.0; nf]; nf];
    for ((i, js), vs) in runs.iter().zip(&values) {
        for (&j, &v) in js.iter().zip(vs) {
            m[*i][j] = v;
            m[j][*i] = v;
        }
    }
    m
}

/// The TAN parent lists (features `0..n`, class node `n` last) from a CMI matrix:
/// maximum spanning forest of the edges with weight `> min_cmi`, directed away from
/// `root`; every feature gets the class as its first parent.
pub(crate) fn structure_from_cmi(cmi: &[Vec<f64>], root: usize, min_cmi: f64) -> Vec<Vec<usize>> {
    let n = cmi.len();
    let mut edges: Vec<(f64, usize, usize)> = Vec::new();
    for (i, row) in cmi.iter().enumerate() {
        for (j, &w) in row.iter().enumerate().skip(i + 1) {
            if w > min_cmi {
                edges.push((w, i, j));
            }
        }
    }
    edges.sort_by(|a, b| b.0.total_cmp(&a.0).then((a.1, a.2).cmp(&(b.1, b.2))));
    let mut uf: Vec<usize> = (0..n).collect();
    fn find(uf: &mut [usize], mut x: usize) -> usize {
        while uf[x] != x {
            uf[x] = uf[uf[x]];
            x = uf[x];
        }
        x
    }
    let mut adj = vec![Vec::new(); n];
    for (_, i, j) in edges {
        let (a, b) = (find(&mut uf, i), find(&mut uf, j));
        if a != b {
            uf[a] = b;
            adj[i].push(j);
            adj[j].push(i);
        }
    }
    let mut parents: Vec<Vec<usize>> = vec![vec![n]; n];
    parents.push(Vec::new());
    let mut seen = vec![false; n];
    let starts = std::iter::once(root).chain(0..n);
    for s in starts {
        if s >= n || seen[s] {
            continue;
        }
        seen[s] = true;
        let mut queue = std::collections::VecDeque::from([s]);
        while let Some(u) = queue.pop_front() {
            let mut nb = adj[u].clone();
            nb.sort_unstable();
            for v in nb {
                if !seen[v] {
                    seen[v] = true;
                    parents[v].push(u);
                    queue.push_back(v);
                }
            }
        }
    }
    parents
}

impl Tan {
    /// The learner with default parameters.
    pub fn new() -> Self {
        Self::default()
    }

    /// The attribute (by column name) the tree is rooted at; default the first.
    pub fn root(mut self, name: impl Into<String>) -> Self {
        self.root = Some(name.into());
        self
    }

    /// The edge weight of the spanning tree.
    pub fn weight(mut self, weight: EdgeWeight) -> Self {
        self.weight = weight;
        self
    }

    /// Tree edges need a conditional mutual information above this (nats, `>= 0`).
    pub fn min_cmi(mut self, min_cmi: f64) -> Self {
        self.min_cmi = min_cmi;
        self
    }

    fn validate(&self) -> Result<()> {
        self.settings.validate()?;
        if !(self.min_cmi.is_finite() && self.min_cmi >= 0.0) {
            return Err(Error::param(
                "min_cmi",
                self.min_cmi,
                "must be finite and >= 0",
            ));
        }
        Ok(())
    }

    /// The TAN parent lists learned from `enc` (class node last).
    pub fn structure(&self, enc: &Encoded) -> Result<Vec<Vec<usize>>> {
        self.structure_with(enc, &InMemory::new(enc))
    }

    /// [`Tan::structure`] with every count taken through `counter`, which must count
    /// `enc`.
    pub fn structure_with<C: Counter>(
        &self,
        enc: &Encoded,
        counter: &C,
    ) -> Result<Vec<Vec<usize>>> {
        self.validate()?;
        let root = match &self.root {
            None => 0,
            Some(name) => enc
                .schema()
                .features
                .iter()
                .position(|f| &f.name == name)
                .ok_or_else(|| Error::param("root", name, "is not a feature of the data"))?,
        };
        let mut w = conditional_mutual_information_with(enc, counter, Rows::All);
        if self.weight == EdgeWeight::Bic {
            let n = counter.total_weight(Rows::All);
            let k = enc.n_classes() as f64;
            for (i, row) in w.iter_mut().enumerate() {
                for (j, x) in row.iter_mut().enumerate() {
                    if i != j && *x > 0.0 {
                        let (ri, rj) = (node_states(enc, i) as f64, node_states(enc, j) as f64);
                        *x = n * *x - 0.5 * n.max(1.0).ln() * k * (ri - 1.0) * (rj - 1.0);
                    }
                }
            }
        }
        Ok(structure_from_cmi(&w, root, self.min_cmi))
    }

    /// Learns the network from an encoded table (all rows are training rows); the
    /// class node is called `class_name`.
    pub fn fit_encoded(&self, enc: &Encoded, class_name: &str) -> Result<BayesNet> {
        self.fit_encoded_with(enc, &InMemory::new(enc), class_name)
    }

    /// [`Tan::fit_encoded`] with every count (pair tables, family tables, the total
    /// weight) taken through `counter`, which must count `enc`. The network is the
    /// same for any counter that honours the [`Counter`] contract.
    pub fn fit_encoded_with<C: Counter>(
        &self,
        enc: &Encoded,
        counter: &C,
        class_name: &str,
    ) -> Result<BayesNet> {
        let parents = self.structure_with(enc, counter)?;
        build(counter, enc, class_name, parents, &self.settings.prior)
    }
}

bayes_learner!(Tan, "tan");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cmi_of_independent_and_copied_attributes() {
        // Given c, x and y independent and uniform: I = 0.
        let ind = vec![1.0; 2 * 2 * 2];
        assert_eq!(cmi_from_counts(&ind, 2, 2, 2), 0.0);
        // y = x within each class, x uniform: I = ln 2.
        let mut copy = vec![0.0; 8];
        for x in 0..2 {
            for c in 0..2 {
                copy[(x * 2 + x) * 2 + c] = 5.0;
            }
        }
        assert!((cmi_from_counts(&copy, 2, 2, 2) - 2f64.ln()).abs() < 1e-15);
    }

    #[test]
    fn spanning_tree_is_maximal_and_rooted() {
        let cmi = vec![
            vec![0.0, 0.9, 0.1, 0.0],
            vec![0.9, 0.0, 0.8, 0.2],
            vec![0.1, 0.8, 0.0, 0.3],
            vec![0.0, 0.2, 0.3, 0.0],
        ];
        let p = structure_from_cmi(&cmi, 2, 0.0);
        assert_eq!(p[2], vec![4]);
        assert_eq!(p[1], vec![4, 2]);
        assert_eq!(p[0], vec![4, 1]);
        assert_eq!(p[3], vec![4, 2]);
        assert!(p[4].is_empty());
        let forest = structure_from_cmi(&cmi, 0, 0.5);
        assert_eq!(forest[3], vec![4]);
        assert_eq!(forest[2], vec![4, 1]);
    }
}
