//! Parameter learning: CPTs from weighted counts with Dirichlet smoothing.
//!
//! For a variable with `r` states and `q` parent configurations, the posterior-mean
//! estimate under a Dirichlet prior with pseudo-counts `α_jk` is (Heckerman 1995)
//!
//! ```text
//! θ_jk = (N_jk + α_jk) / (N_j + Σ_k α_jk)
//! ```
//!
//! where `N_jk` is the weighted count of child state `k` under parent configuration
//! `j`. With every `α_jk > 0` no probability is ever zero, even for a configuration
//! never seen in training (it gets the uniform row).

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{family_counts, node_states};
use crate::bayes::network::BayesNet;
use crate::count::{CountTable, Counter, InMemory, Rows};
use crate::data::Encoded;
use crate::error::{Error, Result};

/// The Dirichlet prior of the CPT entries.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Prior {
    /// The same pseudo-count `α` in every cell (`α = 1`: Laplace; `α = 0.5`: Weka's
    /// `SimpleEstimator` default, the Krichevsky–Trofimov estimator).
    Laplace {
        /// Pseudo-count per cell, `> 0`.
        alpha: f64,
    },
    /// The BDeu prior (Buntine 1991; Heckerman, Geiger & Chickering 1995): an
    /// equivalent sample size `ess` spread uniformly, `α_jk = ess / (q · r)`, the same
    /// prior the [`StructureScore::Bdeu`](super::StructureScore::Bdeu) structure score assumes.
    Bdeu {
        /// Equivalent sample size, `> 0`.
        ess: f64,
    },
}

impl Prior {
    /// Checks that the pseudo-count is finite and positive.
    pub fn validate(&self) -> Result<()> {
        let (name, x) = match *self {
            Prior::Laplace { alpha } => ("alpha", alpha),
            Prior::Bdeu { ess } => ("ess", ess),
        };
        if !(x.is_finite() && x > 0.0) {
            return Err(Error::param(name, x, "must be finite and > 0"));
        }
        Ok(())
    }

    /// The pseudo-count per cell for a family with `q` parent configurations and `r`
    /// child states.
    pub fn alpha(&self, q: usize, r: usize) -> f64 {
        match *self {
            Prior::Laplace { alpha } => alpha,
            Prior::Bdeu { ess } => ess / (q * r) as f64,
        }
    }

    /// The smoothed CPT (rows of `r`) from family counts laid out the same way.
    pub fn cpt(&self, counts: &[f64], r: usize) -> Vec<f64> {
        let q = counts.len() / r;
        let a = self.alpha(q, r);
        let mut out = Vec::with_capacity(counts.len());
        for row in counts.chunks_exact(r) {
            let n: f64 = row.iter().sum();
            let denom = n + a * r as f64;
            out.extend(row.iter().map(|&c| (c + a) / denom));
        }
        out
    }
}

/// Fits every CPT of `net` from `rows` of `enc` (families counted in parallel).
///
/// `net` must have one node per feature of `enc` (same state counts) and the class
/// as its last node.
pub fn fit_parameters(
    net: &mut BayesNet,
    enc: &Encoded,
    rows: Rows<'_>,
    prior: &Prior,
) -> Result<()> {
    fit_parameters_with(net, enc, &InMemory::new(enc), rows, prior)
}

/// [`fit_parameters`] with every family table counted by `counter`, which must count
/// `enc` (whose schema gives the states).
pub fn fit_parameters_with<C: Counter>(
    net: &mut BayesNet,
    enc: &Encoded,
    counter: &C,
    rows: Rows<'_>,
    prior: &Prior,
) -> Result<()> {
    prior.validate()?;
    let n = enc.n_features() + 1;
    if net.n_vars() != n || (0..n).any(|v| net.cardinality(v) != node_states(enc, v)) {
        return Err(Error::schema(
            "the network's variables do not match the encoded table's features and class",
        ));
    }
    let cpts: Vec<Vec<f64>> = (0..n)
        .into_par_iter()
        .map_init(CountTable::default, |buf, v| {
            let counts = family_counts(counter, enc, rows, v, net.parents(v), buf);
            prior.cpt(&counts, net.cardinality(v))
        })
        .collect();
    for (v, cpt) in cpts.into_iter().enumerate() {
        net.set_cpt(v, cpt)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smoothing_never_gives_zero_and_matches_the_formula() {
        let counts = [3.0, 0.0, 1.0, 0.0, 0.0, 0.0];
        let p = Prior::Laplace { alpha: 1.0 }.cpt(&counts, 3);
        assert_eq!(p[..3], [4.0 / 7.0, 1.0 / 7.0, 2.0 / 7.0]);
        assert_eq!(p[3..], [1.0 / 3.0; 3]);
        let b = Prior::Bdeu { ess: 6.0 }.cpt(&counts, 3); // α = 6 / (2·3) = 1
        assert_eq!(b, p);
        assert!(
            Prior::Bdeu { ess: 1e-9 }
                .cpt(&counts, 3)
                .iter()
                .all(|&x| x > 0.0)
        );
        assert!(Prior::Laplace { alpha: 0.0 }.validate().is_err());
        assert!(Prior::Bdeu { ess: f64::NAN }.validate().is_err());
    }
}
