//! Exact class posteriors with missing attributes for networks whose attributes form a
//! forest given the class — naive Bayes, TAN, and any network in which the class has
//! no parents and every attribute has at most one parent besides the class.
//!
//! For each class `c`, the attributes given `C = c` form a forest with factors
//! `P(x_v | x_pa(v), c)`. The evidence likelihood `P(e | c)` is computed by one
//! upward (leaves-to-roots) pass of sum-product message passing (Pearl 1988, ch. 4;
//! Koller & Friedman 2009, §10.2) over that forest:
//!
//! ```text
//! m_v(p, c) = P(x_v | p, c)                                  v observed as x_v
//! m_v(p, c) = Σ_x P(x | p, c) · Π_{u ∈ ch(v)} m_u(x, c)      v missing
//! ```
//!
//! An observed node's children see its value, so their factors are plain table
//! entries and need no message; a missing node whose subtree holds no evidence sums
//! out to exactly 1 and is skipped. A root's (or an observed parent's) message is
//! absorbed straight into the class score, so
//!
//! ```text
//! ln P(c, e) = ln P(c) + Σ_{v absorbed} ln m_v(pa_v, c)
//! ```
//!
//! and `P(c | e)` is its softmax. Messages over a missing parent are rescaled by their
//! largest entry per class (the log of the scale is added to the class score), so long
//! chains never underflow. Per row this costs `O(Σ_v r_v · r_pa(v) · k)` over the
//! missing nodes and `O(k)` per observed node — no factor tables are built, unlike
//! variable elimination, which stays the general fallback.

use super::network::BayesNet;

/// The state vector entry of an unobserved attribute.
pub const UNOBSERVED: u32 = u32::MAX;

#[derive(Debug, Clone)]
struct Node {
    /// The attribute parent besides the class, if any.
    parent: Option<usize>,
    /// Attribute children.
    children: Vec<usize>,
    /// Number of states.
    card: usize,
    /// Number of states of the parent (1 without one).
    pcard: usize,
    /// `P(x | p, c)` at `(p · k + c) · card + x`.
    table: Vec<f64>,
    /// `ln P(x | p, c)`, laid out as `table`.
    log_table: Vec<f64>,
    /// Offset of this node's message (`pcard · k` entries) in the scratch buffer.
    msg_at: usize,
}

/// A network compiled for exact forest message passing: class posteriors with missing
/// attributes, when the class has no parents and every attribute has at most one
/// parent besides the class (naive Bayes, TAN). One upward sum-product pass per row
/// over the attributes' forest given each class; a missing attribute is summed out.
#[derive(Debug, Clone)]
pub struct ForestPosterior {
    k: usize,
    log_prior: Vec<f64>,
    nodes: Vec<Node>,
    /// Attributes, every one after all its children.
    order: Vec<usize>,
    msg_len: usize,
    max_card: usize,
}

/// Reusable per-thread buffers of [`ForestPosterior::posterior_into`].
#[derive(Debug, Clone, Default)]
pub struct ForestScratch {
    relevant: Vec<bool>,
    msgs: Vec<f64>,
    prod: Vec<f64>,
    acc: Vec<f64>,
}

impl ForestPosterior {
    /// True when [`ForestPosterior::new`] compiles `net`: its class (the last node)
    /// has no parents and every attribute at most one parent besides the class. A
    /// check of the structure only, nothing is built.
    pub fn applies(net: &BayesNet) -> bool {
        let Some(class) = net.n_vars().checked_sub(1) else {
            return false;
        };
        net.parents(class).is_empty()
            && (0..class).all(|v| net.parents(v).iter().filter(|&&u| u != class).count() <= 1)
    }

    /// Compiles `net` (attributes `0..n`, the class node `n` last) when the class has
    /// no parents and every attribute has at most one parent besides the class;
    /// `None` otherwise.
    pub fn new(net: &BayesNet) -> Option<Self> {
        if !Self::applies(net) {
            return None;
        }
        let class = net.n_vars().checked_sub(1)?;
        if !net.parents(class).is_empty() {
            return None;
        }
        let k = net.cardinality(class);
        let mut parent = vec![None; class];
        for (v, p) in parent.iter_mut().enumerate() {
            let mut others = net.parents(v).iter().filter(|&&u| u != class);
            *p = others.next().copied();
            if others.next().is_some() {
                return None;
            }
        }
        let mut children = vec![Vec::new(); class];
        for (v, p) in parent.iter().enumerate() {
            if let Some(p) = *p {
                children[p].push(v);
            }
        }
        // Breadth-first from the roots, then reversed: children before parents.
        let mut order: Vec<usize> = (0..class).filter(|&v| parent[v].is_none()).collect();
        let mut i = 0;
        while i < order.len() {
            let v = order[i];
            order.extend_from_slice(&children[v]);
            i += 1;
        }
        if order.len() != class {
            return None; // not reachable for a DAG; kept as a guard
        }
        order.reverse();
        let mut nodes = Vec::with_capacity(class);
        let mut msg_len = 0;
        let mut state = vec![0usize; net.n_vars()];
        for v in 0..class {
            let card = net.cardinality(v);
            let pcard = parent[v].map_or(1, |p| net.cardinality(p));
            let mut table = vec![0.0; pcard * k * card];
            for p in 0..pcard {
                if let Some(u) = parent[v] {
                    state[u] = p;
                }
                for c in 0..k {
                    state[class] = c;
                    let ps: Vec<usize> = net.parents(v).iter().map(|&u| state[u]).collect();
                    for x in 0..card {
                        table[(p * k + c) * card + x] = net.prob(v, x, &ps);
                    }
                }
            }
            nodes.push(Node {
                parent: parent[v],
                children: std::mem::take(&mut children[v]),
                card,
                pcard,
                log_table: table.iter().map(|p| p.ln()).collect(),
                table,
                msg_at: msg_len,
            });
            msg_len += pcard * k;
        }
        let log_prior = (0..k).map(|c| net.prob(class, c, &[]).ln()).collect();
        let max_card = nodes.iter().map(|n| n.card).max().unwrap_or(1);
        Some(ForestPosterior {
            k,
            log_prior,
            nodes,
            order,
            msg_len,
            max_card,
        })
    }

    /// Number of class states.
    pub fn n_classes(&self) -> usize {
        self.k
    }

    /// `P(C | e)` into `out` (`k` entries) for the attribute states `state` (one per
    /// attribute, [`UNOBSERVED`] when missing). Returns false, leaving `out`
    /// unspecified, when the input does not fit the network (wrong lengths, a state
    /// out of range) or the evidence has probability zero under every class (possible
    /// only with zero CPT entries) — the caller then decides, e.g. by variable
    /// elimination, which reports such problems as errors.
    pub fn posterior_into(
        &self,
        state: &[u32],
        scratch: &mut ForestScratch,
        out: &mut [f64],
    ) -> bool {
        let k = self.k;
        let n = self.nodes.len();
        let fits = |(s, node): (&u32, &Node)| *s == UNOBSERVED || (*s as usize) < node.card;
        if state.len() != n || out.len() != k || !state.iter().zip(&self.nodes).all(fits) {
            return false;
        }
        scratch.relevant.clear();
        scratch.relevant.resize(n, false);
        scratch.msgs.resize(self.msg_len, 0.0);
        scratch.prod.resize(self.max_card * k, 0.0);
        scratch.acc.resize(k, 0.0);
        let ForestScratch {
            relevant,
            msgs,
            prod,
            acc,
        } = scratch;
        out.copy_from_slice(&self.log_prior);
        for &v in &self.order {
            let node = &self.nodes[v];
            let x = state[v];
            let observed = x != UNOBSERVED;
            if !(observed || node.children.iter().any(|&u| relevant[u])) {
                continue;
            }
            relevant[v] = true;
            let r = node.card;
            // The parent's state when known (a root has the single state 0).
            let known_parent = match node.parent {
                None => Some(0),
                Some(p) if state[p] != UNOBSERVED => Some(state[p] as usize),
                Some(_) => None,
            };
            if !observed {
                // prod[x, c] = Π over relevant children of their messages.
                let prod = &mut prod[..r * k];
                prod.fill(1.0);
                for &u in node.children.iter().filter(|&&u| relevant[u]) {
                    let m = &msgs[self.nodes[u].msg_at..][..r * k];
                    for (a, b) in prod.iter_mut().zip(m) {
                        *a *= b;
                    }
                }
            }
            // m(p, c) for one known p (absorbed) or every p (stored, rescaled).
            let factor = |p: usize, c: usize| -> f64 {
                let row = &node.table[(p * k + c) * r..][..r];
                if observed {
                    row[x as usize]
                } else {
                    row.iter()
                        .enumerate()
                        .map(|(s, &t)| t * prod[s * k + c])
                        .sum()
                }
            };
            match known_parent {
                Some(p) if observed => {
                    let at = p * k * r + x as usize;
                    for (c, o) in out.iter_mut().enumerate() {
                        *o += node.log_table[at + c * r];
                    }
                }
                Some(p) => {
                    for (c, o) in out.iter_mut().enumerate() {
                        *o += factor(p, c).ln();
                    }
                }
                None => {
                    let m = &mut msgs[node.msg_at..][..node.pcard * k];
                    acc.fill(0.0);
                    for p in 0..node.pcard {
                        for c in 0..k {
                            let f = factor(p, c);
                            m[p * k + c] = f;
                            acc[c] = acc[c].max(f);
                        }
                    }
                    for (c, &s) in acc.iter().enumerate() {
                        if s > 0.0 {
                            for p in 0..node.pcard {
                                m[p * k + c] /= s;
                            }
                        }
                        out[c] += s.ln();
                    }
                }
            }
        }
        let max = out.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if max == f64::NEG_INFINITY || max.is_nan() {
            return false;
        }
        let mut total = 0.0;
        for o in out.iter_mut() {
            *o = (*o - max).exp();
            total += *o;
        }
        for o in out.iter_mut() {
            *o /= total;
        }
        true
    }
}
