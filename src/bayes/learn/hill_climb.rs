//! Score-based structure learning: greedy hill climbing over DAGs (Heckerman, Geiger
//! & Chickering 1995; the `HillClimbSearch` of pgmpy, the `HillClimber` of Weka).
//!
//! From a start graph (empty, or naive Bayes), every iteration scores every legal
//! single-edge move — **add** `u → v`, **remove** it, **reverse** it — and applies the
//! best, until no move improves the [`StructureScore`] by more than `1e-9`; then, as in tabu
//! search (Glover 1989; Weka's `TabuSearch`), it keeps taking the best non-tabu move,
//! even a worsening one, for up to `tabu_steps` moves without finding a better graph,
//! and returns the best graph seen. A move is legal when
//! the graph stays acyclic, no node exceeds `max_parents`, the move is not on the
//! **tabu** list (the inverses of the last `tabu_length` moves), and the analyst's
//! constraints hold:
//!
//! - **required** edges are in the start graph and are never removed or reversed;
//! - **forbidden** edges are never added (nor created by a reversal);
//! - **tiers** (an ordered list of groups of variable names): an edge may go from a
//!   tier to the same or a later tier, never back. Variables in no tier are free.
//!
//! Scores are decomposable, so each family score `(child, parents)` is computed once
//! (one [`Counter::contingency`](crate::count::Counter::contingency) pass, families of one
//! iteration in parallel) and cached: a move re-scores only the families it changes.
//!
//! **Random restarts** (iterated local search): after the climb converges, the best
//! graph so far is perturbed by `perturbation` random legal moves (seeded ChaCha8) and
//! climbed again, `restarts` times; the best-scoring graph wins.
//!
//! The class node is an ordinary node here: it may get parents and children;
//! prediction uses its Markov blanket. Structure scores use the rows where every
//! variable is observed (complete cases), so a variable with missing cells is not
//! favoured for having fewer rows to explain.

use std::collections::{HashMap, VecDeque};

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{BayesSettings, StructureScore, build, family_counts, node_states};
use crate::bayes::network::BayesNet;
use crate::count::{CountTable, InMemory, Rows};
use crate::data::Encoded;
use crate::error::{Error, Result};

/// The graph the search starts from (plus the required edges).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Start {
    /// No edges.
    #[default]
    Empty,
    /// The class as parent of every feature (where the constraints allow).
    NaiveBayes,
}

/// The hill-climbing structure learner.
///
/// Defaults: `score = Bdeu { ess: 10.0 }` (5-fold CV ROC AUC on the training files:
/// Telco 0.826, Orange 0.874; BIC gave 0.823 / 0.873, a naive-Bayes start with BDeu
/// 0.830 / 0.871), `max_parents = 3`, `restarts = 2`, `perturbation = 5`,
/// `tabu_length = 10`, `tabu_steps = 10`, `max_iter = 1000`, `seed = 0`, `start = Start::Empty`, no
/// constraints; binning and prior as [`BayesSettings::default`].
///
/// ```
/// use churnkit::bayes::{HillClimb, StructureScore};
/// let hc = HillClimb::new()
///     .score(StructureScore::Bdeu { ess: 10.0 })
///     .max_parents(2)
///     .tiers(&[&["Region", "Plan"], &["tenure", "Contract", "Churn"]])
///     .forbid("Churn", "Contract")
///     .require("Contract", "Churn")
///     .seed(7);
/// # let _ = hc;
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HillClimb {
    #[serde(rename = "common")] // the serialized name, kept
    settings: BayesSettings,
    score: StructureScore,
    max_parents: usize,
    restarts: usize,
    perturbation: usize,
    tabu_length: usize,
    tabu_steps: usize,
    max_iter: usize,
    seed: u64,
    start: Start,
    required: Vec<(String, String)>,
    forbidden: Vec<(String, String)>,
    tiers: Vec<Vec<String>>,
}

impl Default for HillClimb {
    fn default() -> Self {
        HillClimb {
            settings: BayesSettings::default(),
            score: StructureScore::Bdeu { ess: 10.0 },
            max_parents: 3,
            restarts: 2,
            perturbation: 5,
            tabu_length: 10,
            tabu_steps: 10,
            max_iter: 1000,
            seed: 0,
            start: Start::Empty,
            required: Vec::new(),
            forbidden: Vec::new(),
            tiers: Vec::new(),
        }
    }
}

/// A single-edge move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Move {
    Add(usize, usize),
    Remove(usize, usize),
    Reverse(usize, usize),
}

impl Move {
    fn inverse(self) -> Move {
        match self {
            Move::Add(u, v) => Move::Remove(u, v),
            Move::Remove(u, v) => Move::Add(u, v),
            Move::Reverse(u, v) => Move::Reverse(v, u),
        }
    }
}

/// Constraints resolved to node indices.
struct Rules {
    allowed: Vec<Vec<bool>>,
    required: Vec<Vec<bool>>,
    max_parents: usize,
}

type Family = (usize, Vec<usize>);

/// The search state: enc, score, cache.
struct Search<'a> {
    enc: &'a Encoded,
    counter: InMemory<'a>,
    rows: Rows<'a>,
    score: StructureScore,
    rules: Rules,
    cache: HashMap<Family, f64>,
}

fn with(parents: &[usize], extra: usize) -> Vec<usize> {
    let mut p = parents.to_vec();
    p.push(extra);
    p.sort_unstable();
    p
}

fn without(parents: &[usize], gone: usize) -> Vec<usize> {
    parents.iter().copied().filter(|&p| p != gone).collect()
}

/// Is there a directed path `from ⇝ to`, ignoring the edge `skip`?
fn reaches(parents: &[Vec<usize>], from: usize, to: usize, skip: Option<(usize, usize)>) -> bool {
    let n = parents.len();
    let mut seen = vec![false; n];
    let mut stack = vec![from];
    while let Some(x) = stack.pop() {
        if x == to {
            return true;
        }
        if seen[x] {
            continue;
        }
        seen[x] = true;
        for c in 0..n {
            if parents[c].contains(&x) && skip != Some((x, c)) && !seen[c] {
                stack.push(c);
            }
        }
    }
    false
}

impl Search<'_> {
    fn legal_moves(&self, g: &[Vec<usize>], tabu: &VecDeque<Move>) -> Vec<Move> {
        let n = g.len();
        let r = &self.rules;
        let mut moves = Vec::new();
        for u in 0..n {
            for v in 0..n {
                if u == v {
                    continue;
                }
                let m = if g[v].contains(&u) {
                    if r.required[u][v] {
                        continue;
                    }
                    moves.push(Move::Remove(u, v));
                    if r.allowed[v][u]
                        && g[u].len() < r.max_parents
                        && !reaches(g, u, v, Some((u, v)))
                    {
                        Some(Move::Reverse(u, v))
                    } else {
                        None
                    }
                } else if !g[u].contains(&v)
                    && r.allowed[u][v]
                    && g[v].len() < r.max_parents
                    && !reaches(g, v, u, None)
                {
                    Some(Move::Add(u, v))
                } else {
                    None
                };
                moves.extend(m);
            }
        }
        moves.retain(|m| !tabu.contains(m));
        moves
    }

    /// Families (child, new parents) a move needs scored.
    fn families(g: &[Vec<usize>], m: Move) -> Vec<Family> {
        match m {
            Move::Add(u, v) => vec![(v, with(&g[v], u))],
            Move::Remove(u, v) => vec![(v, without(&g[v], u))],
            Move::Reverse(u, v) => vec![(v, without(&g[v], u)), (u, with(&g[u], v))],
        }
    }

    /// Scores every uncached family, in parallel.
    fn fill(&mut self, needed: Vec<Family>) {
        let mut todo: Vec<Family> = needed
            .into_iter()
            .filter(|f| !self.cache.contains_key(f))
            .collect();
        todo.sort_unstable();
        todo.dedup();
        let (enc, rows, score, counter) = (self.enc, self.rows, self.score, &self.counter);
        let scored: Vec<f64> = todo
            .par_iter()
            .map_init(CountTable::default, |buf, (child, parents)| {
                let counts = family_counts(counter, enc, rows, *child, parents, buf);
                score.family(&counts, node_states(enc, *child))
            })
            .collect();
        self.cache.extend(todo.into_iter().zip(scored));
    }

    fn family_score(&self, g: &[Vec<usize>], v: usize) -> f64 {
        self.cache[&(v, g[v].clone())]
    }

    fn total(&mut self, g: &[Vec<usize>]) -> f64 {
        let fams: Vec<Family> = (0..g.len()).map(|v| (v, g[v].clone())).collect();
        self.fill(fams);
        (0..g.len()).map(|v| self.family_score(g, v)).sum()
    }

    fn apply(g: &mut [Vec<usize>], m: Move) {
        match m {
            Move::Add(u, v) => g[v] = with(&g[v], u),
            Move::Remove(u, v) => g[v] = without(&g[v], u),
            Move::Reverse(u, v) => {
                g[v] = without(&g[v], u);
                g[u] = with(&g[u], v);
            }
        }
    }

    /// Greedy ascent from `g`, then tabu search: once no move improves, keep taking
    /// the best non-tabu move (even a worsening one) for up to `tabu_steps` moves
    /// without a new best. Leaves the best graph seen in `g`; returns its score.
    fn climb(&mut self, g: &mut Vec<Vec<usize>>, p: &HillClimb) -> f64 {
        let mut tabu: VecDeque<Move> = VecDeque::new();
        let mut total = self.total(g);
        let mut best = (g.clone(), total);
        let mut since_best = 0;
        for _ in 0..p.max_iter {
            let moves = self.legal_moves(g, &tabu);
            let needed: Vec<Family> = moves.iter().flat_map(|&m| Self::families(g, m)).collect();
            self.fill(needed);
            let mut chosen: Option<(f64, Move)> = None;
            for &m in &moves {
                let delta: f64 = match m {
                    Move::Add(_, v) | Move::Remove(_, v) => {
                        let f = &Self::families(g, m)[0];
                        self.cache[f] - self.family_score(g, v)
                    }
                    Move::Reverse(u, v) => {
                        let fs = Self::families(g, m);
                        self.cache[&fs[0]] - self.family_score(g, v) + self.cache[&fs[1]]
                            - self.family_score(g, u)
                    }
                };
                if chosen.is_none_or(|(d, _)| delta > d) {
                    chosen = Some((delta, m));
                }
            }
            let Some((d, m)) = chosen else { break };
            if d <= 1e-9 && p.tabu_steps == 0 {
                break;
            }
            Self::apply(g, m);
            total += d;
            if p.tabu_length > 0 {
                if tabu.len() == p.tabu_length {
                    tabu.pop_front();
                }
                tabu.push_back(m.inverse());
            }
            if total > best.1 + 1e-9 {
                best = (g.clone(), total);
                since_best = 0;
            } else {
                since_best += 1;
                if since_best >= p.tabu_steps {
                    break;
                }
            }
        }
        *g = best.0;
        best.1
    }
}

impl HillClimb {
    /// The learner with default parameters.
    pub fn new() -> Self {
        Self::default()
    }

    /// The structure score.
    pub fn score(mut self, score: StructureScore) -> Self {
        self.score = score;
        self
    }

    /// At most this many parents per node (`>= 1`).
    pub fn max_parents(mut self, k: usize) -> Self {
        self.max_parents = k;
        self
    }

    /// Number of perturb-and-climb restarts after the first climb.
    pub fn restarts(mut self, n: usize) -> Self {
        self.restarts = n;
        self
    }

    /// Random legal moves applied before each restart (`>= 1` when restarting).
    pub fn perturbation(mut self, n: usize) -> Self {
        self.perturbation = n;
        self
    }

    /// Length of the tabu list: the inverses of the last this-many moves may not be
    /// applied (0 disables it).
    pub fn tabu_length(mut self, n: usize) -> Self {
        self.tabu_length = n;
        self
    }

    /// Non-improving tabu moves allowed without finding a better graph before a climb
    /// stops (0: plain hill climbing, stop at the first local optimum).
    pub fn tabu_steps(mut self, n: usize) -> Self {
        self.tabu_steps = n;
        self
    }

    /// At most this many moves per climb (`>= 1`).
    pub fn max_iter(mut self, n: usize) -> Self {
        self.max_iter = n;
        self
    }

    /// The seed of the restarts' random moves.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The start graph.
    pub fn start(mut self, start: Start) -> Self {
        self.start = start;
        self
    }

    /// Requires the edge `from → to` (variable names; the class by the target's name).
    pub fn require(mut self, from: &str, to: &str) -> Self {
        self.required.push((from.into(), to.into()));
        self
    }

    /// Forbids the edge `from → to`.
    pub fn forbid(mut self, from: &str, to: &str) -> Self {
        self.forbidden.push((from.into(), to.into()));
        self
    }

    /// Tiers, earliest first: edges may not point from a later tier to an earlier one.
    pub fn tiers(mut self, tiers: &[&[&str]]) -> Self {
        self.tiers = tiers
            .iter()
            .map(|t| t.iter().map(|s| s.to_string()).collect())
            .collect();
        self
    }

    fn validate(&self) -> Result<()> {
        self.settings.validate()?;
        self.score.validate()?;
        if self.max_parents == 0 {
            return Err(Error::param("max_parents", 0, "must be >= 1"));
        }
        if self.max_iter == 0 {
            return Err(Error::param("max_iter", 0, "must be >= 1"));
        }
        if self.restarts > 0 && self.perturbation == 0 {
            return Err(Error::param(
                "perturbation",
                0,
                "must be >= 1 when restarts > 0",
            ));
        }
        Ok(())
    }

    fn rules(&self, names: &[String]) -> Result<Rules> {
        let n = names.len();
        let idx = |what: &str, name: &str| -> Result<usize> {
            names
                .iter()
                .position(|m| m == name)
                .ok_or_else(|| Error::param(what, name, "names no variable of the data"))
        };
        let mut tier = vec![None; n];
        for (t, group) in self.tiers.iter().enumerate() {
            for name in group {
                let i = idx("tiers", name)?;
                if tier[i].replace(t).is_some() {
                    return Err(Error::param("tiers", name, "is in more than one tier"));
                }
            }
        }
        let mut allowed = vec![vec![true; n]; n];
        for u in 0..n {
            allowed[u][u] = false;
            for v in 0..n {
                if let (Some(a), Some(b)) = (tier[u], tier[v])
                    && a > b
                {
                    allowed[u][v] = false;
                }
            }
        }
        for (a, b) in &self.forbidden {
            allowed[idx("forbid", a)?][idx("forbid", b)?] = false;
        }
        let mut required = vec![vec![false; n]; n];
        for (a, b) in &self.required {
            let (u, v) = (idx("require", a)?, idx("require", b)?);
            if !allowed[u][v] {
                return Err(Error::param(
                    "require",
                    format!("{a} -> {b}"),
                    "is forbidden by the edge list or the tiers",
                ));
            }
            required[u][v] = true;
        }
        Ok(Rules {
            allowed,
            required,
            max_parents: self.max_parents,
        })
    }

    /// The learned parent lists for `enc` (class node last, named `class_name`).
    pub fn structure(&self, enc: &Encoded, class_name: &str) -> Result<Vec<Vec<usize>>> {
        self.validate()?;
        let nf = enc.n_features();
        let n = nf + 1;
        let mut names: Vec<String> = enc
            .schema()
            .features
            .iter()
            .map(|f| f.name.clone())
            .collect();
        names.push(class_name.to_string());
        let rules = self.rules(&names)?;
        // Start graph: required edges (+ naive Bayes edges).
        let mut g: Vec<Vec<usize>> = vec![Vec::new(); n];
        for v in 0..n {
            for u in 0..n {
                if rules.required[u][v] {
                    g[v].push(u);
                }
            }
            if g[v].len() > rules.max_parents {
                return Err(Error::param(
                    "require",
                    &names[v],
                    format!("gets more than max_parents = {} parents", rules.max_parents),
                ));
            }
        }
        if (0..n).any(|v| g[v].iter().any(|&u| reaches(&g, v, u, None))) {
            return Err(Error::param(
                "require",
                "(edges)",
                "the required edges form a cycle",
            ));
        }
        if self.start == Start::NaiveBayes {
            for (v, pv) in g.iter_mut().enumerate().take(nf) {
                if rules.allowed[nf][v] && !pv.contains(&nf) && pv.len() < rules.max_parents {
                    pv.push(nf);
                    pv.sort_unstable();
                }
            }
            if (0..n).any(|v| g[v].iter().any(|&u| reaches(&g, v, u, None))) {
                return Err(Error::param(
                    "start",
                    "NaiveBayes",
                    "conflicts with the required edges",
                ));
            }
        }
        // Complete cases.
        let complete: Vec<u32> = (0..enc.n_rows())
            .filter(|&r| (0..nf).all(|j| enc.code(r, j) < enc.schema().features[j].missing_code()))
            .map(|r| r as u32)
            .collect();
        if complete.is_empty() {
            return Err(Error::Fit(
                "hill climbing needs rows where every variable is observed; there are none".into(),
            ));
        }
        let rows = if complete.len() == enc.n_rows() {
            Rows::All
        } else {
            Rows::Subset(&complete)
        };
        let mut s = Search {
            enc,
            counter: InMemory::new(enc),
            rows,
            score: self.score,
            rules,
            cache: HashMap::new(),
        };
        let mut best = g.clone();
        let mut best_score = s.climb(&mut best, self);
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        for _ in 0..self.restarts {
            let mut cur = best.clone();
            for _ in 0..self.perturbation {
                let moves = s.legal_moves(&cur, &VecDeque::new());
                if moves.is_empty() {
                    break;
                }
                let m = moves[rng.random_range(0..moves.len())];
                Search::apply(&mut cur, m);
            }
            let sc = s.climb(&mut cur, self);
            if sc > best_score + 1e-9 {
                best = cur;
                best_score = sc;
            }
        }
        Ok(best)
    }

    /// Learns the network from an encoded table (all rows are training rows); the
    /// class node is called `class_name`.
    pub fn fit_encoded(&self, enc: &Encoded, class_name: &str) -> Result<BayesNet> {
        let parents = self.structure(enc, class_name)?;
        build(
            &InMemory::new(enc),
            enc,
            class_name,
            parents,
            &self.settings.prior,
        )
    }
}

bayes_learner!(HillClimb, "hill-climb");
