//! The class query of any network compiled for scoring rows with unobserved
//! attributes: what [`ForestPosterior`](super::ForestPosterior) does for naive Bayes and
//! TAN, for every network (hill climbing's included, where the class may have parents
//! and attributes several parents).
//!
//! For a row, let `H` be its unobserved attributes and `e` its observed ones. With the
//! class `C` as the query, variable elimination (Koller & Friedman 2009, ch. 9) works on
//! the CPT factors reduced by `e`; a factor that mentions neither `C` nor `H` is a
//! constant, and a hidden variable that is no ancestor of `C` or of an observed variable
//! is barren (its factors sum to one). Group the remaining factors that mention `H` into
//! components connected through hidden variables (`H_i`, factors `F_i`); components
//! share no hidden variable, so
//!
//! ```text
//! P(c, e) ∝ Π_{Y: C ∈ fam(Y), fam(Y) ∩ H = ∅} P(y | pa(Y))  ·  Π_i g_i(c),
//! g_i(c) = Σ_{H_i} Π_{F ∈ F_i} F(c, H_i, e)
//! ```
//!
//! where the first product runs over the class's own family and its children's (the
//! families that mention `C`, all observed: table lookups, as in the complete-evidence
//! fast path `P(C | x) ∝ P(C | pa(C)) · Π_{Y ∈ ch(C)} P(Y | pa(Y))`), and a component
//! none of whose factors mentions `C` is a constant and dropped. `P(c | e)` is the
//! normalised product. Everything but the evidence values depends only on *which*
//! attributes are unobserved, so it is planned once per missing pattern and cached
//! (the components, each factor's CPT strides, and how each `g_i` is summed: by
//! enumerating the joint states of `H_i` when there are few, else by variable
//! elimination in a min-fill order fixed in the plan). Per row the cost is the lookups
//! plus the sums over the components — no pruning, ordering or factor reduction of the
//! whole network, as [`query`](super::query) does for each call.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use super::forest::UNOBSERVED;
use super::infer::{Factor, MAX_FACTOR_ENTRIES, min_fill_order};
use super::network::BayesNet;

/// The most missing patterns whose plans are kept (beyond: planned for the call only).
const MAX_PLANS: usize = 4096;

/// A component is summed by enumerating its hidden variables' joint states when those
/// states times its factors number at most this; by variable elimination otherwise.
const MAX_ENUMERATION: usize = 1 << 14;

/// One CPT factor as read at a row: the observed part of its index comes from the
/// row's states, the class's and the hidden variables' parts are enumerated.
#[derive(Debug, Clone)]
struct Family {
    /// The node whose CPT this is.
    node: usize,
    /// (attribute, stride in the CPT) of the family's observed variables.
    observed: Vec<(usize, usize)>,
    /// The class's stride in the CPT; 0 when the family does not mention it.
    class_stride: usize,
    /// Whether the family mentions the class.
    has_class: bool,
    /// For each hidden variable of the component, its stride in the CPT (0 when the
    /// family does not mention it).
    hidden_strides: Vec<usize>,
}

impl Family {
    /// The CPT index of the row's observed states (the rest at state 0).
    fn base(&self, states: &[u32]) -> usize {
        self.observed
            .iter()
            .map(|&(v, s)| states[v] as usize * s)
            .sum()
    }
}

/// How a component's `g(c)` is summed.
#[derive(Debug, Clone)]
enum Sum {
    /// Over every joint state of the hidden variables.
    Enumerate,
    /// Variable elimination in this order (network indices).
    Eliminate(Vec<usize>),
}

/// Factors connected through hidden variables, at least one mentioning the class.
#[derive(Debug, Clone)]
struct Component {
    /// The hidden variables (network indices).
    hidden: Vec<usize>,
    /// Their cardinalities.
    cards: Vec<usize>,
    families: Vec<Family>,
    sum: Sum,
}

/// The plan of one missing pattern.
#[derive(Debug, Clone)]
struct Plan {
    /// Families mentioning the class and no hidden variable: `ln P` read directly.
    lookups: Vec<Family>,
    components: Vec<Component>,
    /// True when a component would need a factor of more than
    /// [`MAX_FACTOR_ENTRIES`] entries: the caller uses [`query`](super::query).
    too_large: bool,
}

/// Reusable per-thread buffers of [`ClassQuery::posterior_into`].
#[derive(Debug, Clone, Default)]
pub(crate) struct QueryScratch {
    key: Vec<u64>,
    bases: Vec<usize>,
    offsets: Vec<usize>,
    assign: Vec<usize>,
    g: Vec<f64>,
}

/// A network's class query compiled for rows with unobserved attributes (see the
/// module docs): exact `P(C | e)` from a plan cached per missing pattern.
pub(crate) struct ClassQuery {
    class: usize,
    k: usize,
    /// `ln` of the CPTs of the families that mention the class (the class's and its
    /// children's), by node; None for the other nodes.
    log_cpts: Vec<Option<Vec<f64>>>,
    plans: RwLock<HashMap<Vec<u64>, Arc<Plan>>>,
}

impl std::fmt::Debug for ClassQuery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClassQuery")
            .field("class", &self.class)
            .field("k", &self.k)
            .finish_non_exhaustive()
    }
}

impl Clone for ClassQuery {
    /// The same query with an empty plan cache.
    fn clone(&self) -> Self {
        ClassQuery {
            class: self.class,
            k: self.k,
            log_cpts: self.log_cpts.clone(),
            plans: RwLock::default(),
        }
    }
}

/// `(variable, stride)` of a family's variables in its CPT.
type Strides = Vec<(usize, usize)>;

/// The CPT strides of `node`'s family: `(variable, stride)` for its parents in CPT
/// order, then the node itself (stride 1).
fn family_strides(net: &BayesNet, node: usize) -> Strides {
    let ps = net.parents(node);
    let mut out = vec![(node, 1)];
    let mut s = net.cardinality(node);
    for &p in ps.iter().rev() {
        out.push((p, s));
        s *= net.cardinality(p);
    }
    out.reverse();
    out
}

impl ClassQuery {
    /// Compiles the class query of `net`, whose last node is the class.
    pub(crate) fn new(net: &BayesNet) -> Self {
        let class = net.n_vars() - 1;
        let mut log_cpts = vec![None; net.n_vars()];
        for v in std::iter::once(class).chain(net.children(class)) {
            log_cpts[v] = Some(net.cpt(v).iter().map(|p| p.ln()).collect());
        }
        ClassQuery {
            class,
            k: net.cardinality(class),
            log_cpts,
            plans: RwLock::default(),
        }
    }

    /// `P(C | e)` into `out` (`k` entries), where `states[v]` is attribute `v`'s
    /// observed state or [`UNOBSERVED`]. Returns false, leaving `out` unspecified,
    /// when the plan would build a factor of more than [`MAX_FACTOR_ENTRIES`] entries
    /// or the evidence has probability zero: the caller then runs
    /// [`query`](super::query), which reports either.
    pub(crate) fn posterior_into(
        &self,
        net: &BayesNet,
        states: &[u32],
        scratch: &mut QueryScratch,
        out: &mut [f64],
    ) -> bool {
        let plan = self.plan(net, states, &mut scratch.key);
        self.evaluate(net, &plan, states, scratch, out)
    }

    /// `P(C | e)` by `plan` (made for the missing pattern of `states`); see
    /// [`posterior_into`](Self::posterior_into).
    fn evaluate(
        &self,
        net: &BayesNet,
        plan: &Plan,
        states: &[u32],
        scratch: &mut QueryScratch,
        out: &mut [f64],
    ) -> bool {
        if plan.too_large {
            return false;
        }
        let k = self.k;
        out.fill(0.0);
        for f in &plan.lookups {
            let Some(log_cpt) = &self.log_cpts[f.node] else {
                return false; // not reachable: lookups mention the class
            };
            let base = f.base(states);
            for (c, o) in out.iter_mut().enumerate() {
                *o += log_cpt[base + c * f.class_stride];
            }
        }
        for comp in &plan.components {
            scratch.g.clear();
            scratch.g.resize(k, 0.0);
            match &comp.sum {
                Sum::Enumerate => enumerate(net, comp, states, k, scratch),
                Sum::Eliminate(order) => match eliminate(net, comp, order, states, self.class) {
                    Some(v) => scratch.g.copy_from_slice(&v),
                    None => return false,
                },
            }
            for (o, &x) in out.iter_mut().zip(&scratch.g) {
                *o += x.ln();
            }
        }
        let m = out.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if !m.is_finite() {
            return false;
        }
        let mut s = 0.0;
        for x in out.iter_mut() {
            *x = (*x - m).exp();
            s += *x;
        }
        for x in out.iter_mut() {
            *x /= s;
        }
        true
    }

    /// The plan of the row's missing pattern, from the cache or built (and cached
    /// while the cache has room).
    fn plan(&self, net: &BayesNet, states: &[u32], key: &mut Vec<u64>) -> Arc<Plan> {
        key.clear();
        key.resize(states.len().div_ceil(64), 0);
        for (v, &s) in states.iter().enumerate() {
            if s == UNOBSERVED {
                key[v / 64] |= 1 << (v % 64);
            }
        }
        if let Ok(plans) = self.plans.read()
            && let Some(p) = plans.get(key.as_slice())
        {
            return Arc::clone(p);
        }
        let plan = Arc::new(self.build(net, states, MAX_ENUMERATION));
        if let Ok(mut plans) = self.plans.write()
            && plans.len() < MAX_PLANS
        {
            plans.insert(key.clone(), Arc::clone(&plan));
        }
        plan
    }

    /// Plans the query for the missing pattern of `states` (see the module docs); a
    /// component whose joint hidden states times factors exceed `max_enumeration` is
    /// summed by variable elimination.
    fn build(&self, net: &BayesNet, states: &[u32], max_enumeration: usize) -> Plan {
        let n = net.n_vars();
        let class = self.class;
        let hidden = |v: usize| v != class && states[v] == UNOBSERVED;
        // Ancestors of the class and of the observed attributes (themselves included);
        // the other nodes are hidden and barren.
        let mut relevant = vec![false; n];
        let mut stack: Vec<usize> = (0..n).filter(|&v| !hidden(v)).collect();
        while let Some(v) = stack.pop() {
            if !relevant[v] {
                relevant[v] = true;
                stack.extend_from_slice(net.parents(v));
            }
        }
        // Union-find over the hidden variables, joined by shared families.
        let mut root: Vec<usize> = (0..n).collect();
        fn find(root: &mut [usize], mut v: usize) -> usize {
            while root[v] != v {
                root[v] = root[root[v]];
                v = root[v];
            }
            v
        }
        let mut lookups = Vec::new();
        // (node, family's strides, its hidden variables) of families that mention one.
        let mut with_hidden: Vec<(usize, Strides, Vec<usize>)> = Vec::new();
        for v in (0..n).filter(|&v| relevant[v]) {
            let strides = family_strides(net, v);
            let hid: Vec<usize> = strides
                .iter()
                .map(|&(u, _)| u)
                .filter(|&u| hidden(u))
                .collect();
            let has_class = strides.iter().any(|&(u, _)| u == class);
            if hid.is_empty() {
                if has_class {
                    lookups.push(family(v, &strides, class, &[], &hidden));
                }
                continue;
            }
            let r0 = find(&mut root, hid[0]);
            for &u in &hid[1..] {
                let r = find(&mut root, u);
                root[r] = r0;
            }
            with_hidden.push((v, strides, hid));
        }
        // Components in the order of their first family.
        let mut groups: Vec<(usize, Vec<usize>)> = Vec::new(); // (root, family positions)
        for (i, (_, _, hid)) in with_hidden.iter().enumerate() {
            let r = find(&mut root, hid[0]);
            match groups.iter_mut().find(|(g, _)| *g == r) {
                Some((_, members)) => members.push(i),
                None => groups.push((r, vec![i])),
            }
        }
        let mut components = Vec::new();
        let mut too_large = false;
        let cards_all: Vec<usize> = (0..n).map(|v| net.cardinality(v)).collect();
        for (_, members) in groups {
            let mentions_class = members
                .iter()
                .any(|&i| with_hidden[i].1.iter().any(|&(u, _)| u == class));
            if !mentions_class {
                continue; // a constant
            }
            let mut hid: Vec<usize> = Vec::new();
            for &i in &members {
                for &u in &with_hidden[i].2 {
                    if !hid.contains(&u) {
                        hid.push(u);
                    }
                }
            }
            let families: Vec<Family> = members
                .iter()
                .map(|&i| {
                    let (v, strides, _) = &with_hidden[i];
                    family(*v, strides, class, &hid, &hidden)
                })
                .collect();
            let cards: Vec<usize> = hid.iter().map(|&u| cards_all[u]).collect();
            let configs = cards
                .iter()
                .fold(families.len(), |acc, &c| acc.saturating_mul(c));
            let sum = if configs <= max_enumeration {
                Sum::Enumerate
            } else {
                let scopes: Vec<Vec<usize>> = members
                    .iter()
                    .map(|&i| {
                        let (_, strides, _) = &with_hidden[i];
                        strides
                            .iter()
                            .map(|&(u, _)| u)
                            .filter(|&u| u == class || hidden(u))
                            .collect()
                    })
                    .collect();
                let (order, largest) = min_fill_order(&cards_all, &scopes, &hid);
                if largest.max(self.k) > MAX_FACTOR_ENTRIES {
                    too_large = true;
                }
                Sum::Eliminate(order)
            };
            components.push(Component {
                hidden: hid,
                cards,
                families,
                sum,
            });
        }
        Plan {
            lookups,
            components,
            too_large,
        }
    }
}

/// The [`Family`] of `node` with CPT `strides`, for a component with hidden variables
/// `hid`.
fn family(
    node: usize,
    strides: &[(usize, usize)],
    class: usize,
    hid: &[usize],
    hidden: &dyn Fn(usize) -> bool,
) -> Family {
    let stride_of = |x: usize| {
        strides
            .iter()
            .find(|&&(u, _)| u == x)
            .map_or(0, |&(_, s)| s)
    };
    Family {
        node,
        observed: strides
            .iter()
            .copied()
            .filter(|&(u, _)| u != class && !hidden(u))
            .collect(),
        class_stride: stride_of(class),
        has_class: strides.iter().any(|&(u, _)| u == class),
        hidden_strides: hid.iter().map(|&u| stride_of(u)).collect(),
    }
}

/// `g(c) = Σ_H Π_F F(c, H, e)` into `scratch.g` by enumerating the joint states of
/// the component's hidden variables (an odometer, the first variable fastest).
fn enumerate(net: &BayesNet, comp: &Component, states: &[u32], k: usize, s: &mut QueryScratch) {
    let nf = comp.families.len();
    let nh = comp.hidden.len();
    s.bases.clear();
    s.bases.extend(comp.families.iter().map(|f| f.base(states)));
    s.offsets.clear();
    s.offsets.resize(nf, 0);
    s.assign.clear();
    s.assign.resize(nh, 0);
    loop {
        for c in 0..k {
            let mut p = 1.0;
            for (i, f) in comp.families.iter().enumerate() {
                p *= net.cpt(f.node)[s.bases[i] + s.offsets[i] + c * f.class_stride];
            }
            s.g[c] += p;
        }
        // The next joint state.
        let mut h = 0;
        loop {
            if h == nh {
                return;
            }
            s.assign[h] += 1;
            for (o, f) in s.offsets.iter_mut().zip(&comp.families) {
                *o += f.hidden_strides[h];
            }
            if s.assign[h] < comp.cards[h] {
                break;
            }
            for (o, f) in s.offsets.iter_mut().zip(&comp.families) {
                *o -= f.hidden_strides[h] * comp.cards[h];
            }
            s.assign[h] = 0;
            h += 1;
        }
    }
}

/// `g(c)` by variable elimination in `order`: each family reduced by the row's
/// evidence into a factor over its hidden variables and the class, then the hidden
/// variables summed out. None when nothing is left over the class (not reachable: the
/// component mentions it).
fn eliminate(
    net: &BayesNet,
    comp: &Component,
    order: &[usize],
    states: &[u32],
    class: usize,
) -> Option<Vec<f64>> {
    let k = net.cardinality(class);
    let mut factors: Vec<Factor> = comp
        .families
        .iter()
        .map(|f| {
            // Layout: the family's hidden variables in component order, then the class.
            let mut vars = Vec::new();
            let mut cards = Vec::new();
            let mut strides = Vec::new();
            for (h, &st) in f.hidden_strides.iter().enumerate() {
                if st != 0 {
                    vars.push(comp.hidden[h]);
                    cards.push(comp.cards[h]);
                    strides.push(st);
                }
            }
            if f.has_class {
                vars.push(class);
                cards.push(k);
                strides.push(f.class_stride);
            }
            let size: usize = cards.iter().product();
            let cpt = net.cpt(f.node);
            let base = f.base(states);
            let mut values = Vec::with_capacity(size);
            let mut assign = vec![0usize; vars.len()];
            let mut at = base;
            for _ in 0..size {
                values.push(cpt[at]);
                // Last variable fastest.
                for l in (0..vars.len()).rev() {
                    assign[l] += 1;
                    at += strides[l];
                    if assign[l] < cards[l] {
                        break;
                    }
                    at -= strides[l] * cards[l];
                    assign[l] = 0;
                }
            }
            Factor {
                vars,
                cards,
                values,
            }
        })
        .collect();
    for &v in order {
        let (with, without): (Vec<Factor>, Vec<Factor>) =
            factors.into_iter().partition(|f| f.vars.contains(&v));
        factors = without;
        let prod = with
            .iter()
            .fold(Factor::scalar(1.0), |acc, f| acc.product(f));
        factors.push(prod.sum_out(v));
    }
    let joint = factors
        .iter()
        .fold(Factor::scalar(1.0), |acc, f| acc.product(f));
    if joint.vars != [class] {
        return None;
    }
    Some(joint.values)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bayes::{query, read_bif};
    use rand::Rng;
    use rand_chacha::ChaCha8Rng;
    use rand_chacha::rand_core::SeedableRng;

    /// Asia with `either` (whose parents are `lung` and `tub`) as the class: the class
    /// has parents, a child (`xray`, `dysp`) with another parent (`bronc`), and hidden
    /// chains through `smoke` — every kind of component.
    fn asia_with_class_last() -> BayesNet {
        let text = include_str!("../../tests/fixtures/asia.bif");
        let net = read_bif(text).unwrap();
        let class = net.index_of("either").unwrap();
        // Reorder the variables so that the class is last.
        let order: Vec<usize> = (0..net.n_vars())
            .filter(|&v| v != class)
            .chain(std::iter::once(class))
            .collect();
        let pos = |v: usize| order.iter().position(|&u| u == v).unwrap();
        let mut out =
            BayesNet::new(order.iter().map(|&v| net.variable(v).clone()).collect()).unwrap();
        for (i, &v) in order.iter().enumerate() {
            let ps: Vec<usize> = net.parents(v).iter().map(|&p| pos(p)).collect();
            out.set_parents(i, &ps).unwrap();
            out.set_cpt(i, net.cpt(v).to_vec()).unwrap();
        }
        out
    }

    /// Every missing pattern of random rows, summed by enumeration and by elimination
    /// alike, equals variable elimination's posterior to 1e-12.
    #[test]
    fn both_sums_equal_variable_elimination_on_every_pattern() {
        let net = asia_with_class_last();
        let class = net.n_vars() - 1;
        let q = ClassQuery::new(&net);
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let mut scratch = QueryScratch::default();
        let mut out = vec![0.0; 2];
        let mut compared = 0;
        for pattern in 0u32..(1 << class) {
            for _ in 0..4 {
                let states: Vec<u32> = (0..class)
                    .map(|v| {
                        if pattern & (1 << v) != 0 {
                            UNOBSERVED
                        } else {
                            rng.random_range(0..net.cardinality(v) as u32)
                        }
                    })
                    .collect();
                let ev: Vec<(usize, usize)> = (0..class)
                    .filter(|&v| states[v] != UNOBSERVED)
                    .map(|v| (v, states[v] as usize))
                    .collect();
                let want = query(&net, &[class], &ev);
                for max_enumeration in [0, usize::MAX] {
                    let plan = q.build(&net, &states, max_enumeration);
                    let solved = q.evaluate(&net, &plan, &states, &mut scratch, &mut out);
                    match &want {
                        Ok(w) => {
                            assert!(solved, "{states:?}");
                            for (a, b) in out.iter().zip(&w.values) {
                                assert!((a - b).abs() < 1e-12, "{states:?}: {out:?} vs {w:?}");
                            }
                            compared += 1;
                        }
                        // Impossible evidence (Asia has zeros): left to `query`.
                        Err(_) => assert!(!solved, "{states:?}"),
                    }
                }
                // The cached path gives the same.
                let mut cached = vec![0.0; 2];
                if q.posterior_into(&net, &states, &mut scratch, &mut cached) {
                    assert_eq!(cached, out);
                }
            }
        }
        assert!(compared > 400, "{compared}");
    }

    /// Components: a hidden attribute with no observed descendant and no path to the
    /// class drops out; one tied to the class is summed.
    #[test]
    fn plans_keep_only_what_reaches_the_class() {
        let net = asia_with_class_last();
        let class = net.n_vars() - 1;
        let q = ClassQuery::new(&net);
        let idx = |name: &str| net.index_of(name).unwrap();
        // Everything observed: lookups only (the class's family and its children's).
        let all: Vec<u32> = vec![0; class];
        let plan = q.build(&net, &all, MAX_ENUMERATION);
        assert!(plan.components.is_empty());
        assert_eq!(plan.lookups.len(), 1 + net.children(class).len());
        // `lung` missing: one component, `lung`'s family and the class's.
        let mut s = all.clone();
        s[idx("lung")] = UNOBSERVED;
        let plan = q.build(&net, &s, MAX_ENUMERATION);
        assert_eq!(plan.components.len(), 1);
        assert_eq!(plan.components[0].hidden, vec![idx("lung")]);
        assert_eq!(plan.components[0].families.len(), 2);
        assert_eq!(plan.lookups.len(), net.children(class).len());
        // `asia` missing with `tub` observed: its component (`asia`'s and `tub`'s
        // families) does not mention the class, a constant.
        let mut s = all.clone();
        s[idx("asia")] = UNOBSERVED;
        let plan = q.build(&net, &s, MAX_ENUMERATION);
        assert!(plan.components.is_empty());
        assert_eq!(plan.lookups.len(), 1 + net.children(class).len());
        // `dysp` missing with `bronc` observed: barren (no observed descendant).
        let mut s = all.clone();
        s[idx("dysp")] = UNOBSERVED;
        let plan = q.build(&net, &s, MAX_ENUMERATION);
        assert!(plan.components.is_empty());
        assert_eq!(plan.lookups.len(), net.children(class).len());
        // Nothing observed: everything but the class's ancestors is barren; one
        // component.
        let none = vec![UNOBSERVED; class];
        let plan = q.build(&net, &none, MAX_ENUMERATION);
        assert_eq!(plan.components.len(), 1);
        assert!(plan.lookups.is_empty());
    }
}
