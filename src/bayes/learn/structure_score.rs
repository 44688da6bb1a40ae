//! Decomposable structure scores: the score of a DAG is the sum of its *family* scores,
//! one per variable given its parents, so a local move re-scores only the families it
//! changes.
//!
//! With `N_jk` the weighted count of child state `k` under parent configuration `j`
//! (`q` configurations, `r` states), `N_j = Σ_k N_jk` and `N = Σ_j N_j`:
//!
//! - **BIC** (Schwarz 1978): `Σ_j Σ_k N_jk · ln(N_jk / N_j) − ½ · ln N · q · (r − 1)`.
//! - **BDeu** (Buntine 1991; Heckerman, Geiger & Chickering 1995), with equivalent
//!   sample size `ess`, `α_j = ess / q`, `α_jk = ess / (q·r)`:
//!   `Σ_j [ lnΓ(α_j) − lnΓ(α_j + N_j) + Σ_k ( lnΓ(α_jk + N_jk) − lnΓ(α_jk) ) ]`.
//!
//! Both are the conventions of pgmpy's `BicScore` / `BDeuScore` (natural logarithms).
//! `N` is the family's own total: the rows where the family is observed.

use serde::{Deserialize, Serialize};

use super::{family_counts, node_states};
use crate::count::{CountTable, InMemory, Rows};
use crate::data::Encoded;
use crate::error::{Error, Result};
use crate::math::ln_gamma;

/// A decomposable structure score (higher is better).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum StructureScore {
    /// The Bayesian information criterion (log-likelihood minus ½·ln N per parameter).
    Bic,
    /// The Bayesian Dirichlet equivalent uniform marginal likelihood.
    Bdeu {
        /// Equivalent sample size, `> 0`.
        ess: f64,
    },
}

impl StructureScore {
    /// The names [`FromStr`](std::str::FromStr) accepts (the CLI's `--score`).
    pub const NAMES: [&'static str; 2] = ["bic", "bdeu"];

    /// The equivalent sample size of [`StructureScore::Bdeu`] when parsed by name.
    pub const DEFAULT_ESS: f64 = 10.0;

    /// The name as typed on the command line (`"bic"`, `"bdeu"` whatever the `ess`).
    pub fn name(self) -> &'static str {
        match self {
            StructureScore::Bic => Self::NAMES[0],
            StructureScore::Bdeu { .. } => Self::NAMES[1],
        }
    }

    /// Checks the equivalent sample size.
    pub fn validate(&self) -> Result<()> {
        if let StructureScore::Bdeu { ess } = *self
            && !(ess.is_finite() && ess > 0.0)
        {
            return Err(Error::param("ess", ess, "must be finite and > 0"));
        }
        Ok(())
    }

    /// The family score from counts laid out as a CPT (`q` rows of `r`).
    pub fn family(&self, counts: &[f64], r: usize) -> f64 {
        let q = counts.len() / r;
        match *self {
            StructureScore::Bic => {
                let mut ll = 0.0;
                let mut n = 0.0;
                for row in counts.chunks_exact(r) {
                    let nj: f64 = row.iter().sum();
                    n += nj;
                    for &c in row {
                        if c > 0.0 {
                            ll += c * (c / nj).ln();
                        }
                    }
                }
                let penalty = if n > 0.0 {
                    0.5 * n.ln() * (q * (r - 1)) as f64
                } else {
                    0.0
                };
                ll - penalty
            }
            StructureScore::Bdeu { ess } => {
                let aj = ess / q as f64;
                let ajk = aj / r as f64;
                let lg_aj = ln_gamma(aj);
                let lg_ajk = ln_gamma(ajk);
                let mut s = 0.0;
                for row in counts.chunks_exact(r) {
                    let nj: f64 = row.iter().sum();
                    if nj == 0.0 {
                        continue; // the row's terms cancel exactly
                    }
                    s += lg_aj - ln_gamma(aj + nj);
                    for &c in row {
                        if c > 0.0 {
                            s += ln_gamma(ajk + c) - lg_ajk;
                        }
                    }
                }
                s
            }
        }
    }
}

impl std::str::FromStr for StructureScore {
    type Err = Error;

    /// `"bic"`, or `"bdeu"` with the equivalent sample size
    /// [`DEFAULT_ESS`](StructureScore::DEFAULT_ESS).
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "bic" => Ok(StructureScore::Bic),
            "bdeu" => Ok(StructureScore::Bdeu {
                ess: Self::DEFAULT_ESS,
            }),
            _ => Err(Error::param(
                "score",
                s,
                format!("expected one of {}", Self::NAMES.join(", ")),
            )),
        }
    }
}

/// The score of a whole DAG over `enc` (parent lists, one per feature then the class
/// node): the sum of its family scores over `rows`.
pub fn structure_score(
    enc: &Encoded,
    rows: Rows<'_>,
    parents: &[Vec<usize>],
    score: StructureScore,
) -> Result<f64> {
    score.validate()?;
    let n = enc.n_features() + 1;
    if parents.len() != n || parents.iter().flatten().any(|&p| p >= n) {
        return Err(Error::param(
            "parents",
            parents.len(),
            format!("need one parent list per feature and the class ({n}), indices < {n}"),
        ));
    }
    let counter = InMemory::new(enc);
    let mut buf = CountTable::default();
    Ok((0..n)
        .map(|v| {
            score.family(
                &family_counts(&counter, enc, rows, v, &parents[v], &mut buf),
                node_states(enc, v),
            )
        })
        .sum())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_cli_names() {
        for name in StructureScore::NAMES {
            let s: StructureScore = name.parse().unwrap();
            assert_eq!(s.name(), name);
        }
        assert_eq!(
            "bdeu".parse::<StructureScore>().unwrap(),
            StructureScore::Bdeu { ess: 10.0 }
        );
        let e = "gini".parse::<StructureScore>().unwrap_err().to_string();
        assert!(e.contains("gini") && e.contains("bic, bdeu"), "{e}");
    }

    #[test]
    fn bad_ess_is_an_error() {
        assert!(StructureScore::Bdeu { ess: 0.0 }.validate().is_err());
        assert!(StructureScore::Bdeu { ess: -1.0 }.validate().is_err());
        assert!(StructureScore::Bic.validate().is_ok());
    }
}
