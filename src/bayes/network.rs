//! [`BayesNet`]: discrete variables with named states, a directed acyclic graph and one
//! conditional probability table (CPT) per variable — the *model* half of pgmpy's
//! split between models, estimators, inference and readwrite.
//!
//! The joint distribution factorises along the graph (Pearl 1988):
//!
//! ```text
//! P(x_1, …, x_n) = Π_i P(x_i | pa(x_i))
//! ```
//!
//! A CPT is stored row-major: one row per configuration of the parents (the first
//! parent varies slowest, the last fastest), one column per state of the child. So the
//! entry for child state `s` under parent states `(u_1, …, u_k)` is at
//! `((u_1·r_2 + u_2)·r_3 + … + u_k)·r_child + s` — the layout of a
//! [`Counter::contingency`](crate::count::Counter::contingency) table over `[parents…, child]`.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng;
use serde::{Deserialize, Serialize};

use crate::data::Levels;
use crate::error::{Error, Result};

/// Largest number of entries a single CPT may hold (guards against absurd inputs such
/// as a BIF file declaring a variable with many high-cardinality parents).
pub(crate) const MAX_CPT_ENTRIES: usize = 1 << 26;

/// Rows of a CPT must sum to one within this tolerance (then they are renormalised).
pub(crate) const ROW_SUM_TOLERANCE: f64 = 1e-6;

/// A discrete variable: its name and the names of its states.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Variable {
    /// The variable's name (a feature's column name, or the target's name).
    pub name: String,
    /// The names of its states; state `s` is `states[s]` (a feature's states are
    /// its encoder's levels, shared).
    pub states: Levels,
}

impl Variable {
    /// A variable from a name and state names.
    pub fn new(name: impl Into<String>, states: &[&str]) -> Self {
        Variable {
            name: name.into(),
            states: states.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// Number of states.
    pub fn cardinality(&self) -> usize {
        self.states.len()
    }
}

/// A discrete Bayesian network: variables, a DAG (parents per variable) and CPTs.
///
/// A CPT is stored row-major: one row per configuration of the parents (the first
/// parent varies slowest, the last fastest), one column per state of the child.
///
/// Built with [`BayesNet::new`] (no edges, uniform CPTs), then
/// [`BayesNet::set_parents`] and [`BayesNet::set_cpt`], or all at once with
/// [`BayesNet::from_parts`]. Every constructor validates (unique names, acyclic graph,
/// CPT shapes, rows that are probability distributions), and so does deserialisation,
/// so a `BayesNet` from untrusted bytes is safe to run inference on.
///
/// ```
/// use churnkit::bayes::{BayesNet, Variable};
/// let mut net = BayesNet::new(vec![
///     Variable::new("rain", &["yes", "no"]),
///     Variable::new("wet", &["yes", "no"]),
/// ])?;
/// net.set_parents(1, &[0])?;
/// net.set_cpt(0, vec![0.2, 0.8])?;
/// net.set_cpt(1, vec![0.9, 0.1, 0.1, 0.9])?;
/// assert!((net.prob(1, 0, &[0, 0]) - 0.9).abs() < 1e-15);
/// # Ok::<(), churnkit::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawNet", into = "RawNet")]
pub struct BayesNet {
    variables: Vec<Variable>,
    parents: Vec<Vec<usize>>,
    cpts: Vec<Vec<f64>>,
}

/// The serialised form of a [`BayesNet`], validated on the way in.
#[derive(Serialize, Deserialize)]
struct RawNet {
    variables: Vec<Variable>,
    parents: Vec<Vec<usize>>,
    cpts: Vec<Vec<f64>>,
}

impl TryFrom<RawNet> for BayesNet {
    type Error = Error;
    fn try_from(r: RawNet) -> Result<Self> {
        BayesNet::from_parts(r.variables, r.parents, r.cpts)
    }
}

impl From<BayesNet> for RawNet {
    fn from(n: BayesNet) -> Self {
        RawNet {
            variables: n.variables,
            parents: n.parents,
            cpts: n.cpts,
        }
    }
}

fn net_err(message: impl Into<String>) -> Error {
    Error::Model {
        location: Default::default(),
        message: message.into(),
    }
}

impl BayesNet {
    /// A network over `variables` with no edges and uniform CPTs. Fails when a name is
    /// repeated, a variable has no states, or a variable repeats a state name.
    pub fn new(variables: Vec<Variable>) -> Result<Self> {
        let mut names: Vec<&str> = variables.iter().map(|v| v.name.as_str()).collect();
        names.sort_unstable();
        if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
            return Err(net_err(format!("variable '{}' is declared twice", w[0])));
        }
        for v in &variables {
            if v.states.is_empty() {
                return Err(net_err(format!("variable '{}' has no states", v.name)));
            }
            let mut s: Vec<&str> = v.states.iter().map(String::as_str).collect();
            s.sort_unstable();
            if let Some(w) = s.windows(2).find(|w| w[0] == w[1]) {
                return Err(net_err(format!(
                    "variable '{}' has the state '{}' twice",
                    v.name, w[0]
                )));
            }
        }
        let cpts = variables
            .iter()
            .map(|v| vec![1.0 / v.cardinality() as f64; v.cardinality()])
            .collect();
        let parents = vec![Vec::new(); variables.len()];
        Ok(BayesNet {
            variables,
            parents,
            cpts,
        })
    }

    /// A network from all its parts, validated as by [`BayesNet::new`],
    /// [`BayesNet::set_parents`] and [`BayesNet::set_cpt`].
    pub fn from_parts(
        variables: Vec<Variable>,
        parents: Vec<Vec<usize>>,
        cpts: Vec<Vec<f64>>,
    ) -> Result<Self> {
        let mut net = BayesNet::new(variables)?;
        let n = net.n_vars();
        if parents.len() != n || cpts.len() != n {
            return Err(net_err(format!(
                "{n} variables but {} parent lists and {} CPTs",
                parents.len(),
                cpts.len()
            )));
        }
        for (v, p) in parents.iter().enumerate() {
            net.check_parent_list(v, p)?;
            net.parents[v] = p.clone();
        }
        if net.topological_order().is_none() {
            return Err(net_err("the graph has a directed cycle"));
        }
        for (v, cpt) in cpts.into_iter().enumerate() {
            net.set_cpt(v, cpt)?;
        }
        Ok(net)
    }

    fn check_parent_list(&self, v: usize, parents: &[usize]) -> Result<()> {
        let n = self.n_vars();
        if v >= n {
            return Err(net_err(format!("variable index {v} out of range ({n})")));
        }
        let mut size = self.variables[v].cardinality();
        for (i, &p) in parents.iter().enumerate() {
            if p >= n {
                return Err(net_err(format!(
                    "parent index {p} of '{}' out of range",
                    self.variables[v].name
                )));
            }
            if p == v {
                return Err(net_err(format!(
                    "'{}' cannot be its own parent",
                    self.variables[v].name
                )));
            }
            if parents[..i].contains(&p) {
                return Err(net_err(format!(
                    "'{}' lists parent '{}' twice",
                    self.variables[v].name, self.variables[p].name
                )));
            }
            size = size.saturating_mul(self.variables[p].cardinality());
        }
        if size > MAX_CPT_ENTRIES {
            return Err(net_err(format!(
                "the CPT of '{}' would have {size} entries (at most {MAX_CPT_ENTRIES})",
                self.variables[v].name
            )));
        }
        Ok(())
    }

    /// Sets the parents of `v` (in this order: the CPT layout follows it) and resets its
    /// CPT to uniform. Fails on a bad index, a repeated parent, a self-loop or a cycle.
    pub fn set_parents(&mut self, v: usize, parents: &[usize]) -> Result<()> {
        self.check_parent_list(v, parents)?;
        let old = std::mem::replace(&mut self.parents[v], parents.to_vec());
        if self.topological_order().is_none() {
            self.parents[v] = old;
            return Err(net_err(format!(
                "parents of '{}' would create a directed cycle",
                self.variables[v].name
            )));
        }
        let r = self.variables[v].cardinality();
        self.cpts[v] = vec![1.0 / r as f64; self.n_configs(v) * r];
        Ok(())
    }

    /// Sets the parents of every variable at once (`parents[v]` for `v`, in CPT
    /// order) and resets every CPT to uniform: [`BayesNet::set_parents`] for all
    /// variables with one cycle check, so it costs one pass over the graph (calling
    /// `set_parents` per variable checks the whole graph each time). Fails, leaving the
    /// network as it was, on a list count other than the number of variables, a bad
    /// index, a repeated parent, a self-loop or a cycle.
    pub fn set_all_parents(&mut self, parents: &[Vec<usize>]) -> Result<()> {
        let n = self.n_vars();
        if parents.len() != n {
            return Err(net_err(format!(
                "{n} variables but {} parent lists",
                parents.len()
            )));
        }
        for (v, p) in parents.iter().enumerate() {
            self.check_parent_list(v, p)?;
        }
        let old = std::mem::replace(&mut self.parents, parents.to_vec());
        if self.topological_order().is_none() {
            self.parents = old;
            return Err(net_err("the graph has a directed cycle"));
        }
        for v in 0..n {
            let r = self.variables[v].cardinality();
            self.cpts[v] = vec![1.0 / r as f64; self.n_configs(v) * r];
        }
        Ok(())
    }

    /// Sets the CPT of `v` (layout in the [`BayesNet`] docs). Every row must be finite,
    /// non-negative and sum to one within `1e-6`; rows off by more than
    /// rounding (1e-12) are renormalised.
    pub fn set_cpt(&mut self, v: usize, mut values: Vec<f64>) -> Result<()> {
        if v >= self.n_vars() {
            return Err(net_err(format!("variable index {v} out of range")));
        }
        let r = self.variables[v].cardinality();
        let expected = self.n_configs(v) * r;
        let name = &self.variables[v].name;
        if values.len() != expected {
            return Err(net_err(format!(
                "the CPT of '{name}' needs {expected} values ({} parent configurations × {r} states), got {}",
                self.n_configs(v),
                values.len()
            )));
        }
        for (row_i, row) in values.chunks_exact_mut(r).enumerate() {
            if let Some(x) = row.iter().find(|x| !x.is_finite() || **x < 0.0) {
                return Err(net_err(format!(
                    "the CPT of '{name}' has the value {x} in row {row_i}; probabilities must be in [0, 1]"
                )));
            }
            let s: f64 = row.iter().sum();
            if (s - 1.0).abs() > ROW_SUM_TOLERANCE {
                return Err(net_err(format!(
                    "row {row_i} of the CPT of '{name}' sums to {s}, not 1"
                )));
            }
            // Rounding-level deviations are kept as given (so a BIF round trip is
            // bit-identical); anything larger is renormalised.
            if (s - 1.0).abs() > 1e-12 {
                row.iter_mut().for_each(|x| *x /= s);
            }
        }
        self.cpts[v] = values;
        Ok(())
    }

    /// Number of variables.
    pub fn n_vars(&self) -> usize {
        self.variables.len()
    }

    /// The variables.
    pub fn variables(&self) -> &[Variable] {
        &self.variables
    }

    /// Variable `v`.
    pub fn variable(&self, v: usize) -> &Variable {
        &self.variables[v]
    }

    /// Number of states of `v`.
    pub fn cardinality(&self, v: usize) -> usize {
        self.variables[v].cardinality()
    }

    /// The index of the variable called `name`.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.variables.iter().position(|v| v.name == name)
    }

    /// The parents of `v`, in CPT order.
    pub fn parents(&self, v: usize) -> &[usize] {
        &self.parents[v]
    }

    /// The children of `v`, in index order.
    pub fn children(&self, v: usize) -> Vec<usize> {
        (0..self.n_vars())
            .filter(|&c| self.parents[c].contains(&v))
            .collect()
    }

    /// All edges `(parent, child)`, ordered by child then parent position.
    pub fn edges(&self) -> Vec<(usize, usize)> {
        let mut e = Vec::new();
        for (c, ps) in self.parents.iter().enumerate() {
            e.extend(ps.iter().map(|&p| (p, c)));
        }
        e
    }

    /// The CPT of `v` (layout in the [`BayesNet`] docs).
    pub fn cpt(&self, v: usize) -> &[f64] {
        &self.cpts[v]
    }

    /// Number of parent configurations of `v` (rows of its CPT).
    pub fn n_configs(&self, v: usize) -> usize {
        self.parents[v]
            .iter()
            .map(|&p| self.variables[p].cardinality())
            .product()
    }

    /// P(v = state | parents = parent_states), parent states in CPT order.
    pub fn prob(&self, v: usize, state: usize, parent_states: &[usize]) -> f64 {
        let mut row = 0;
        for (&p, &s) in self.parents[v].iter().zip(parent_states) {
            row = row * self.variables[p].cardinality() + s;
        }
        self.cpts[v][row * self.cardinality(v) + state]
    }

    /// P(x) of a full assignment (one state per variable): the product of CPT entries.
    pub fn joint(&self, assignment: &[usize]) -> f64 {
        (0..self.n_vars())
            .map(|v| {
                let ps: Vec<usize> = self.parents[v].iter().map(|&p| assignment[p]).collect();
                self.prob(v, assignment[v], &ps)
            })
            .product()
    }

    /// A topological order (parents before children; ties by index), or `None` when the
    /// graph has a directed cycle (Kahn's algorithm).
    pub fn topological_order(&self) -> Option<Vec<usize>> {
        let n = self.n_vars();
        let mut indeg: Vec<usize> = self.parents.iter().map(Vec::len).collect();
        let mut children = vec![Vec::new(); n];
        for (c, ps) in self.parents.iter().enumerate() {
            for &p in ps {
                children[p].push(c);
            }
        }
        let mut ready: std::collections::BTreeSet<usize> =
            (0..n).filter(|&v| indeg[v] == 0).collect();
        let mut order = Vec::with_capacity(n);
        while let Some(v) = ready.pop_first() {
            order.push(v);
            for &c in &children[v] {
                indeg[c] -= 1;
                if indeg[c] == 0 {
                    ready.insert(c);
                }
            }
        }
        (order.len() == n).then_some(order)
    }

    /// The Markov blanket of `v`: its parents, children and the children's other
    /// parents, sorted. Given its blanket, `v` is independent of every other variable.
    pub fn markov_blanket(&self, v: usize) -> Vec<usize> {
        let mut mb: Vec<usize> = self.parents[v].clone();
        for c in self.children(v) {
            mb.push(c);
            mb.extend(self.parents[c].iter().copied().filter(|&p| p != v));
        }
        mb.sort_unstable();
        mb.dedup();
        mb
    }

    /// `n` rows sampled from the joint by ancestral (forward) sampling, seeded
    /// (ChaCha8). Returned column-major: `out[v][row]` is the state of `v`.
    #[allow(clippy::needless_range_loop)] // rows index every column
    pub fn sample(&self, n: usize, seed: u64) -> Vec<Vec<u16>> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let order = self.topological_order().unwrap_or_default();
        let mut cols = vec![vec![0u16; n]; self.n_vars()];
        for row in 0..n {
            for &v in &order {
                let mut cfg = 0;
                for &p in &self.parents[v] {
                    cfg = cfg * self.cardinality(p) + cols[p][row] as usize;
                }
                let r = self.cardinality(v);
                let dist = &self.cpts[v][cfg * r..(cfg + 1) * r];
                let u: f64 = rng.random();
                let mut acc = 0.0;
                let mut s = r - 1;
                for (i, &p) in dist.iter().enumerate() {
                    acc += p;
                    if u < acc {
                        s = i;
                        break;
                    }
                }
                cols[v][row] = s as u16;
            }
        }
        cols
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two() -> BayesNet {
        BayesNet::new(vec![
            Variable::new("a", &["0", "1"]),
            Variable::new("b", &["x", "y", "z"]),
        ])
        .unwrap()
    }

    #[test]
    fn cycles_and_bad_shapes_are_errors() {
        let mut n = two();
        n.set_parents(1, &[0]).unwrap();
        assert!(n.set_parents(0, &[1]).is_err());
        assert!(
            n.parents(0).is_empty(),
            "a failed set_parents leaves the graph alone"
        );
        assert!(n.set_parents(0, &[0]).is_err());
        assert!(n.set_parents(0, &[5]).is_err());
        assert!(n.set_cpt(1, vec![0.5; 3]).is_err());
        assert!(n.set_cpt(0, vec![0.5, 0.6]).is_err());
        assert!(n.set_cpt(0, vec![-0.5, 1.5]).is_err());
        assert!(n.set_cpt(0, vec![f64::NAN, 1.0]).is_err());
        assert!(
            BayesNet::new(vec![Variable::new("a", &["0"]), Variable::new("a", &["1"])]).is_err()
        );
        assert!(BayesNet::new(vec![Variable::new("a", &[])]).is_err());
        assert!(BayesNet::new(vec![Variable::new("a", &["s", "s"])]).is_err());
    }

    #[test]
    fn all_parents_at_once_equal_one_by_one_and_refuse_cycles() {
        let mut one = two();
        one.set_parents(1, &[0]).unwrap();
        let mut all = two();
        all.set_all_parents(&[vec![], vec![0]]).unwrap();
        assert_eq!(all, one);
        assert_eq!(all.cpt(1).len(), 6, "uniform CPT of the new shape");
        for bad in [
            vec![vec![1], vec![0]], // a cycle
            vec![vec![0], vec![]],  // a self-loop
            vec![vec![], vec![0, 0]],
            vec![vec![], vec![7]],
            vec![vec![]], // one list for two variables
        ] {
            assert!(all.set_all_parents(&bad).is_err(), "{bad:?}");
            assert_eq!(all, one, "a failed call leaves the network alone: {bad:?}");
        }
    }

    #[test]
    fn serde_round_trip_validates() {
        let mut n = two();
        n.set_parents(1, &[0]).unwrap();
        n.set_cpt(1, vec![0.2, 0.3, 0.5, 0.1, 0.1, 0.8]).unwrap();
        let s = serde_json::to_string(&n).unwrap();
        let back: BayesNet = serde_json::from_str(&s).unwrap();
        assert_eq!(back, n);
        let broken = s.replace("0.8", "0.9");
        assert!(serde_json::from_str::<BayesNet>(&broken).is_err());
    }

    #[test]
    fn sampling_follows_the_cpts() {
        let mut n = two();
        n.set_parents(1, &[0]).unwrap();
        n.set_cpt(0, vec![0.3, 0.7]).unwrap();
        n.set_cpt(1, vec![0.2, 0.3, 0.5, 0.1, 0.1, 0.8]).unwrap();
        let cols = n.sample(100_000, 7);
        let a1 = cols[0].iter().filter(|&&s| s == 1).count() as f64 / 1e5;
        assert!((a1 - 0.7).abs() < 0.01, "{a1}");
        let z_given_1 = cols[0]
            .iter()
            .zip(&cols[1])
            .filter(|(a, b)| **a == 1 && **b == 2)
            .count() as f64
            / (a1 * 1e5);
        assert!((z_given_1 - 0.8).abs() < 0.01, "{z_given_1}");
        assert_eq!(n.sample(10, 3), n.sample(10, 3));
        assert_eq!(n.markov_blanket(0), vec![1]);
    }
}
