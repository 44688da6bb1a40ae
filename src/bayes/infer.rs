//! Exact inference by variable elimination (Zhang & Poole 1994; Koller & Friedman 2009,
//! ch. 9) for any query `P(Q | e)` with any subset of variables observed.
//!
//! 1. Barren nodes are pruned: only `Q ∪ E` and their ancestors matter (a variable
//!    that is neither queried, observed nor an ancestor of one sums out to 1).
//! 2. Every remaining CPT becomes a [`Factor`], reduced by the evidence.
//! 3. The hidden variables are summed out one by one in a greedy **min-fill** order:
//!    next, the variable whose elimination adds the fewest new edges to the
//!    interaction graph (ties: fewest neighbours, then lowest index).
//! 4. The product of what is left is normalised: `P(Q | e) = φ(Q, e) / Σ_Q φ(Q, e)`.
//!
//! A variable that is unobserved is *marginalised*, never imputed — this is how a
//! churn model answers for a customer whose attributes are partly unknown.

use super::network::BayesNet;
use crate::error::{Error, Result};

/// A table over some variables: `values` row-major with the last variable fastest.
#[derive(Debug, Clone, PartialEq)]
pub struct Factor {
    /// The variables (network indices), in layout order.
    pub vars: Vec<usize>,
    /// Their cardinalities.
    pub cards: Vec<usize>,
    /// The entries, `cards.iter().product()` of them.
    pub values: Vec<f64>,
}

impl Factor {
    /// The factor of `v`'s CPT: variables `[parents…, v]`.
    pub fn from_cpt(net: &BayesNet, v: usize) -> Factor {
        let mut vars = net.parents(v).to_vec();
        vars.push(v);
        Factor {
            cards: vars.iter().map(|&u| net.cardinality(u)).collect(),
            vars,
            values: net.cpt(v).to_vec(),
        }
    }

    /// A factor with no variables and one entry.
    pub fn scalar(x: f64) -> Factor {
        Factor {
            vars: Vec::new(),
            cards: Vec::new(),
            values: vec![x],
        }
    }

    /// Splits the layout around position `p`: (product before, cardinality, product after).
    fn around(&self, p: usize) -> (usize, usize, usize) {
        (
            self.cards[..p].iter().product(),
            self.cards[p],
            self.cards[p + 1..].iter().product(),
        )
    }

    /// Fixes `var` to `state` (drops `var`). A factor without `var` is returned as is.
    pub fn reduce(&self, var: usize, state: usize) -> Factor {
        let Some(p) = self.vars.iter().position(|&v| v == var) else {
            return self.clone();
        };
        let (outer, card, inner) = self.around(p);
        let mut values = Vec::with_capacity(outer * inner);
        for o in 0..outer {
            let base = (o * card + state) * inner;
            values.extend_from_slice(&self.values[base..base + inner]);
        }
        self.without(p, values)
    }

    /// This factor's variables without the one at position `p`, over `values`.
    fn without(&self, p: usize, values: Vec<f64>) -> Factor {
        let mut f = Factor {
            vars: self.vars.clone(),
            cards: self.cards.clone(),
            values,
        };
        f.vars.remove(p);
        f.cards.remove(p);
        f
    }

    /// Σ over `var` (drops `var`).
    pub fn sum_out(&self, var: usize) -> Factor {
        let Some(p) = self.vars.iter().position(|&v| v == var) else {
            return self.clone();
        };
        let (outer, card, inner) = self.around(p);
        let mut values = vec![0.0; outer * inner];
        for o in 0..outer {
            let dst = &mut values[o * inner..(o + 1) * inner];
            for s in 0..card {
                let base = (o * card + s) * inner;
                for (d, x) in dst.iter_mut().zip(&self.values[base..base + inner]) {
                    *d += x;
                }
            }
        }
        self.without(p, values)
    }

    /// The pointwise product over the union of the variables (this factor's variables
    /// first, then the other's new ones), by the odometer walk of Koller & Friedman
    /// Algorithm 10.A.1.
    pub fn product(&self, other: &Factor) -> Factor {
        let mut vars = self.vars.clone();
        let mut cards = self.cards.clone();
        for (&v, &c) in other.vars.iter().zip(&other.cards) {
            if !vars.contains(&v) {
                vars.push(v);
                cards.push(c);
            }
        }
        let strides = |f: &Factor| -> Vec<usize> {
            let mut own = vec![0usize; f.vars.len()];
            let mut s = 1;
            for i in (0..f.vars.len()).rev() {
                own[i] = s;
                s *= f.cards[i];
            }
            vars.iter()
                .map(|v| f.vars.iter().position(|u| u == v).map_or(0, |i| own[i]))
                .collect()
        };
        let sa = strides(self);
        let sb = strides(other);
        let total: usize = cards.iter().product();
        let mut values = Vec::with_capacity(total);
        let mut assign = vec![0usize; vars.len()];
        let (mut ia, mut ib) = (0usize, 0usize);
        for _ in 0..total {
            values.push(self.values[ia] * other.values[ib]);
            // Increment the odometer, last variable fastest.
            for l in (0..vars.len()).rev() {
                assign[l] += 1;
                ia += sa[l];
                ib += sb[l];
                if assign[l] < cards[l] {
                    break;
                }
                ia -= sa[l] * cards[l];
                ib -= sb[l] * cards[l];
                assign[l] = 0;
            }
        }
        Factor {
            vars,
            cards,
            values,
        }
    }

    /// The same factor with its variables in `order` (a permutation of `vars`).
    pub fn permuted(&self, order: &[usize]) -> Factor {
        let cards: Vec<usize> = order
            .iter()
            .map(|v| {
                self.vars
                    .iter()
                    .position(|u| u == v)
                    .map_or(1, |i| self.cards[i])
            })
            .collect();
        // A ones-factor laid out in `order`, times self: the product keeps the left
        // operand's layout.
        let ones = Factor {
            vars: order.to_vec(),
            values: vec![1.0; cards.iter().product()],
            cards,
        };
        ones.product(self)
    }

    /// Divides by the sum; errors when the sum is zero (impossible evidence).
    fn normalize(&mut self) -> Result<()> {
        let s: f64 = self.values.iter().sum();
        if s <= 0.0 || !s.is_finite() {
            return Err(Error::param(
                "evidence",
                "(given)",
                "has probability zero under the network",
            ));
        }
        self.values.iter_mut().for_each(|x| *x /= s);
        Ok(())
    }
}

/// The most entries a factor built by exact inference may have: 2^26, as many as the
/// largest CPT a network may hold. [`query`] refuses, before allocating anything, an
/// elimination whose largest product would be larger, and a
/// [`BayesClassifier`](super::BayesClassifier) whose network would need one to score a
/// row with every attribute missing is refused when built or loaded (a densely
/// connected network, such as a 20 × 20 grid, needs tables of billions of entries).
pub const MAX_FACTOR_ENTRIES: usize = 1 << 26;

/// A greedy min-fill elimination order of `hidden` for factors with these scopes over
/// variables of cardinalities `cards`, and the number of entries of the largest
/// product it builds (the eliminated variable and its neighbours; saturating).
pub(crate) fn min_fill_order(
    cards: &[usize],
    scopes: &[Vec<usize>],
    hidden: &[usize],
) -> (Vec<usize>, usize) {
    let n_vars = cards.len();
    let mut adj = vec![vec![false; n_vars]; n_vars];
    for s in scopes {
        for &a in s {
            for &b in s {
                if a != b {
                    adj[a][b] = true;
                }
            }
        }
    }
    let mut left: Vec<usize> = hidden.to_vec();
    let mut order = Vec::with_capacity(left.len());
    let mut alive = vec![true; n_vars];
    let mut largest = 1usize;
    while !left.is_empty() {
        let mut best = (usize::MAX, usize::MAX, usize::MAX, 0usize);
        for (i, &v) in left.iter().enumerate() {
            let nb: Vec<usize> = (0..n_vars).filter(|&u| alive[u] && adj[v][u]).collect();
            let mut fill = 0;
            for (x, &a) in nb.iter().enumerate() {
                for &b in &nb[x + 1..] {
                    if !adj[a][b] {
                        fill += 1;
                    }
                }
            }
            let key = (fill, nb.len(), v, i);
            if (key.0, key.1, key.2) < (best.0, best.1, best.2) {
                best = key;
            }
        }
        let v = left.swap_remove(best.3);
        let nb: Vec<usize> = (0..n_vars).filter(|&u| alive[u] && adj[v][u]).collect();
        let size = nb
            .iter()
            .fold(cards[v], |acc, &u| acc.saturating_mul(cards[u]));
        largest = largest.max(size);
        for &a in &nb {
            for &b in &nb {
                if a != b {
                    adj[a][b] = true;
                }
            }
        }
        alive[v] = false;
        order.push(v);
    }
    (order, largest)
}

/// The error for an elimination whose largest product has `entries` entries.
fn too_costly(entries: usize) -> Error {
    Error::Model {
        location: Default::default(),
        message: format!(
            "exact inference in this Bayesian network needs a table of {entries} entries \
             (at most {MAX_FACTOR_ENTRIES}): the network is too densely connected"
        ),
    }
}

/// Checks that scoring a row with every attribute missing — every variable but
/// `class` summed out — needs no factor larger than [`MAX_FACTOR_ENTRIES`].
pub(crate) fn check_elimination_cost(net: &BayesNet, class: usize) -> Result<()> {
    let n = net.n_vars();
    let cards: Vec<usize> = (0..n).map(|v| net.cardinality(v)).collect();
    let scopes: Vec<Vec<usize>> = (0..n)
        .map(|v| {
            let mut s = net.parents(v).to_vec();
            s.push(v);
            s
        })
        .collect();
    let hidden: Vec<usize> = (0..n).filter(|&v| v != class).collect();
    let (_, largest) = min_fill_order(&cards, &scopes, &hidden);
    if largest > MAX_FACTOR_ENTRIES {
        return Err(too_costly(largest));
    }
    Ok(())
}

/// Exact posterior `P(query | evidence)` by variable elimination.
///
/// `evidence` pairs a variable with its observed state; every variable not in it is
/// unobserved (marginalised). The result's variables are `query`, in that order, and
/// its values sum to one. Errors on an index out of range, a variable both queried and
/// observed (or observed twice), evidence of probability zero, or an elimination that
/// would build a table of more than [`MAX_FACTOR_ENTRIES`] entries (checked before any
/// is built).
///
/// ```
/// use churnkit::bayes::{BayesNet, Variable, query};
/// let mut net = BayesNet::new(vec![
///     Variable::new("rain", &["yes", "no"]),
///     Variable::new("wet", &["yes", "no"]),
/// ])?;
/// net.set_parents(1, &[0])?;
/// net.set_cpt(0, vec![0.2, 0.8])?;
/// net.set_cpt(1, vec![0.9, 0.1, 0.1, 0.9])?;
/// let p = query(&net, &[0], &[(1, 0)])?; // P(rain | wet = yes)
/// assert!((p.values[0] - 0.18 / 0.26).abs() < 1e-12);
/// # Ok::<(), churnkit::Error>(())
/// ```
pub fn query(net: &BayesNet, query: &[usize], evidence: &[(usize, usize)]) -> Result<Factor> {
    let n = net.n_vars();
    let mut observed: Vec<Option<usize>> = vec![None; n];
    for &(v, s) in evidence {
        if v >= n {
            return Err(Error::param("evidence variable", v, "index out of range"));
        }
        if s >= net.cardinality(v) {
            return Err(Error::param(
                "evidence state",
                s,
                format!(
                    "'{}' has {} states",
                    net.variable(v).name,
                    net.cardinality(v)
                ),
            ));
        }
        if observed[v].replace(s).is_some() {
            return Err(Error::param(
                "evidence",
                &net.variable(v).name,
                "observed twice",
            ));
        }
    }
    for (i, &q) in query.iter().enumerate() {
        if q >= n {
            return Err(Error::param("query variable", q, "index out of range"));
        }
        if observed[q].is_some() || query[..i].contains(&q) {
            return Err(Error::param(
                "query",
                &net.variable(q).name,
                "queried twice or also observed",
            ));
        }
    }
    // 1. Keep Q ∪ E and their ancestors.
    let mut relevant = vec![false; n];
    let mut stack: Vec<usize> = query.to_vec();
    stack.extend(evidence.iter().map(|e| e.0));
    while let Some(v) = stack.pop() {
        if !relevant[v] {
            relevant[v] = true;
            stack.extend_from_slice(net.parents(v));
        }
    }
    // 2. Reduced CPT factors.
    let mut factors: Vec<Factor> = Vec::new();
    for v in (0..n).filter(|&v| relevant[v]) {
        let mut f = Factor::from_cpt(net, v);
        for &u in net.parents(v).iter().chain(std::iter::once(&v)) {
            if let Some(s) = observed[u] {
                f = f.reduce(u, s);
            }
        }
        factors.push(f);
    }
    // 3. Eliminate the hidden variables in min-fill order.
    let hidden: Vec<usize> = (0..n)
        .filter(|&v| relevant[v] && observed[v].is_none() && !query.contains(&v))
        .collect();
    let scopes: Vec<Vec<usize>> = factors.iter().map(|f| f.vars.clone()).collect();
    let cards: Vec<usize> = (0..n).map(|v| net.cardinality(v)).collect();
    let (order, largest) = min_fill_order(&cards, &scopes, &hidden);
    let joint = query
        .iter()
        .fold(1usize, |acc, &q| acc.saturating_mul(cards[q]));
    if largest.max(joint) > MAX_FACTOR_ENTRIES {
        return Err(too_costly(largest.max(joint)));
    }
    for v in order {
        let (with, without): (Vec<Factor>, Vec<Factor>) =
            factors.into_iter().partition(|f| f.vars.contains(&v));
        factors = without;
        let prod = with
            .iter()
            .fold(Factor::scalar(1.0), |acc, f| acc.product(f));
        factors.push(prod.sum_out(v));
    }
    // 4. Multiply, lay out in query order, normalise.
    let joint = factors
        .iter()
        .fold(Factor::scalar(1.0), |acc, f| acc.product(f));
    let mut out = joint.permuted(query);
    out.normalize()?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bayes::network::Variable;

    #[test]
    fn product_sum_and_reduce_agree_with_hand_tables() {
        let a = Factor {
            vars: vec![0, 1],
            cards: vec![2, 2],
            values: vec![0.1, 0.2, 0.3, 0.4],
        };
        let b = Factor {
            vars: vec![1, 2],
            cards: vec![2, 3],
            values: vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        };
        let p = a.product(&b);
        assert_eq!(p.vars, vec![0, 1, 2]);
        // p[x0, x1, x2] = a[x0, x1] * b[x1, x2]
        for x0 in 0..2 {
            for x1 in 0..2 {
                for x2 in 0..3 {
                    let want = a.values[x0 * 2 + x1] * b.values[x1 * 3 + x2];
                    assert_eq!(p.values[(x0 * 2 + x1) * 3 + x2], want);
                }
            }
        }
        let s = p.sum_out(1);
        assert_eq!(s.vars, vec![0, 2]);
        assert!((s.values[0] - (0.1 * 1.0 + 0.2 * 4.0)).abs() < 1e-15);
        let r = p.reduce(2, 1);
        assert_eq!(r.vars, vec![0, 1]);
        assert_eq!(r.values[3], 0.4 * 5.0);
        let t = p.permuted(&[2, 0, 1]);
        assert_eq!(t.vars, vec![2, 0, 1]);
        // t[x2 = 1, x0 = 1, x1 = 0] = p[x0 = 1, x1 = 0, x2 = 1]
        assert_eq!(t.values[(2 + 1) * 2], p.values[2 * 3 + 1]);
    }

    #[test]
    fn bad_queries_are_errors() {
        let mut net = BayesNet::new(vec![
            Variable::new("a", &["0", "1"]),
            Variable::new("b", &["0", "1"]),
        ])
        .unwrap();
        net.set_parents(1, &[0]).unwrap();
        net.set_cpt(0, vec![1.0, 0.0]).unwrap();
        assert!(query(&net, &[5], &[]).is_err());
        assert!(query(&net, &[0], &[(0, 1)]).is_err());
        assert!(query(&net, &[1], &[(0, 2)]).is_err());
        assert!(
            query(&net, &[1], &[(0, 1)]).is_err(),
            "zero-probability evidence"
        );
        let p = query(&net, &[1], &[(0, 0)]).unwrap();
        assert_eq!(p.values, vec![0.5, 0.5]);
    }
}
