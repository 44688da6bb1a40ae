//! Feature importance of a Bayesian network: the mutual information of each
//! variable with the class under the fitted joint distribution.

use super::infer::query;
use super::network::BayesNet;
use crate::error::{Error, Result};

/// `I(X; C)` in bits for every variable `X` of `net` against the class variable
/// `class` (0 for the class itself), under the network's own joint distribution:
///
/// `I(X; C) = Σ_{x,c} P(x, c) · log2( P(x, c) / (P(x) · P(c)) )`
///
/// with `P(X, C)` computed exactly by variable elimination ([`query`]). It measures
/// how much knowing `X` alone tells about churn in the fitted model (Cover & Thomas,
/// *Elements of Information Theory*, ch. 2); unlike a tree's gain it counts a feature
/// that is redundant with another in full.
pub fn class_mutual_information(net: &BayesNet, class: usize) -> Result<Vec<f64>> {
    if class >= net.n_vars() {
        return Err(Error::param("class", class, "index out of range"));
    }
    (0..net.n_vars())
        .map(|v| {
            if v == class {
                return Ok(0.0);
            }
            let f = query(net, &[v, class], &[])?;
            let (Some(iv), Some(ic)) = (
                f.vars.iter().position(|&x| x == v),
                f.vars.iter().position(|&x| x == class),
            ) else {
                return Err(Error::Fit("inference lost a queried variable".into()));
            };
            let (rv, rc) = (f.cards[iv], f.cards[ic]);
            let total: f64 = f.values.iter().sum();
            if total <= 0.0 || !total.is_finite() {
                return Ok(0.0);
            }
            // values are row-major, last variable fastest: entry (a, b) of the pair
            let at = |a: usize, b: usize| {
                let mut idx = [0; 2];
                idx[iv] = a;
                idx[ic] = b;
                f.values[idx[0] * f.cards[1] + idx[1]] / total
            };
            let px: Vec<f64> = (0..rv).map(|a| (0..rc).map(|b| at(a, b)).sum()).collect();
            let pc: Vec<f64> = (0..rc).map(|b| (0..rv).map(|a| at(a, b)).sum()).collect();
            let mut mi = 0.0;
            for (a, &x) in px.iter().enumerate() {
                for (b, &c) in pc.iter().enumerate() {
                    let p = at(a, b);
                    if p > 0.0 && x > 0.0 && c > 0.0 {
                        mi += p * (p / (x * c)).log2();
                    }
                }
            }
            Ok(mi.max(0.0))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bayes::Variable;

    #[test]
    fn mutual_information_of_a_small_network() {
        // C → X (X copies C exactly) and C → Y (Y independent of C)
        let mut net = BayesNet::new(vec![
            Variable::new("C", &["no", "yes"]),
            Variable::new("X", &["a", "b"]),
            Variable::new("Y", &["a", "b"]),
        ])
        .unwrap();
        net.set_parents(1, &[0]).unwrap();
        net.set_parents(2, &[0]).unwrap();
        net.set_cpt(0, vec![0.5, 0.5]).unwrap();
        net.set_cpt(1, vec![1.0, 0.0, 0.0, 1.0]).unwrap();
        net.set_cpt(2, vec![0.3, 0.7, 0.3, 0.7]).unwrap();
        let mi = class_mutual_information(&net, 0).unwrap();
        assert_eq!(mi[0], 0.0);
        assert!((mi[1] - 1.0).abs() < 1e-12, "{mi:?}"); // one full bit
        assert!(mi[2].abs() < 1e-12, "{mi:?}");
        assert!(class_mutual_information(&net, 3).is_err());
    }
}
