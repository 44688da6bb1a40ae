//! The survival tree's grower: depth-first binary splits chosen by the log-rank
//! statistic or the discrete-time hazard entropy ([`SurvivalCriterion`]), every
//! per-node tally taken through the counting contract.
//!
//! # Counting through the seam
//!
//! The log-rank statistic of a split needs, per candidate feature and code, the
//! customers at risk and the events at each event time. Time is cut into at most
//! `time_bins` bins (default 16, at most [`MAX_TIME_BINS`]: the distinct event times,
//! or bins of equal event counts, [`equal_frequency_cuts`] over the event times) and
//! each training row gets the
//! class `2 · bin + event`. A node's (code × class) tables are then exactly
//! [`Counter::class_tables`] of those classes — the same call, kernels and
//! distributed plan as the classification tree's — and from a code's row of its
//! table, `events(b) = t[2b + 1]` and `at_risk(b) = Σ_{b' >= b} (t[2b'] + t[2b' + 1])`
//! (a row censored in bin `b` counts as at risk at `b`). With the distinct event times
//! as bins this is the exact log-rank statistic of the [`logrank`](super::logrank)
//! module (except that customers censored before the first event time count as at
//! risk at it); with coarser bins it is the grouped-time version.
//!
//! The hazard entropy reads the same rows of the same tables: per event bin `b` of
//! the node, a side's impurity adds `n_b H(d_b / n_b)` = `L(n_b) − L(d_b) −
//! L(n_b − d_b)` bits (`L(x) = x log2 x`, the classification criterion's [`NLogN`]
//! table), the node's sum computed once, each side's accumulated along the sweep
//! beside the log-rank's at-risk sums; `2 ln 2 · (I − I_L − I_R)` is the
//! likelihood-ratio `χ²` (see [`SurvivalCriterion::HazardEntropy`]). Bins without
//! events add nothing to any side. Only the chosen criterion's sums are kept.
//!
//! # Splits
//!
//! Binary, on one feature's codes. For a numeric (binned) feature the codes keep their
//! order and the missing code goes first or last (both tried); for a categorical one
//! the codes are ordered by their observed / expected events `O_v / E_v` (the hazard
//! ratio against the node; for a two-class impurity this ordering provably holds the
//! best two-group partition among its prefixes, for the log-rank statistic it is the
//! usual approximation). Every prefix of an ordering is a candidate, provided both
//! sides keep `min_rows_leaf` customers and `min_events_leaf` events and
//! `χ² = (O_L − E_L)² / V_L` (or the hazard entropy's `2G`) is at least
//! `min_logrank`; within a feature the largest `χ²` wins,
//! across features the [`SplitSelection`] decides (default: the smallest
//! Bonferroni-adjusted p-value). Ties go to the first feature, ordering and prefix.
//! Codes absent from the node go to the side whose order they fall in (numeric), or
//! to the larger side.
//!
//! # Rows and speed
//!
//! The training rows are first copied in ascending order of duration, so every node's
//! rows (kept ascending by a stable in-place partition, as in the classification
//! grower) are sorted by duration and its exact Kaplan–Meier curve is one pass. Large
//! nodes split their children in parallel (rayon), and a child with few rows relative
//! to its table grows on a compact copy of its rows, as in the classification grower.
//! Only the smaller child of a split is counted: the larger one's tables are its
//! parent's minus the smaller's (exact integers for unweighted rows; weighted
//! children are each counted, in row order, as the counting contract asks).

use std::sync::Arc;

use super::curve::{Estimator, SurvivalCurve};
use super::data::SurvivalData;
use super::params::{MAX_TIME_BINS, SplitSelection, SurvivalCriterion, SurvivalTreeParams};
use super::tree::{SURVIVAL_LEAF, SurvivalNode, SurvivalTree};
use crate::count::{ClassTables, CountTable, Counter, InMemory, Rows, Var};
use crate::data::{Codes, Encoded, EncodedSchema, equal_frequency_cuts};
use crate::error::{Error, Result};
use crate::tree::NLogN;

/// Nodes with more rows than this, in a table with more rows than this, grow their two
/// children in parallel.
const PARALLEL_ROWS: usize = 1 << 15;
/// A child with at most 1/`LOCAL_COPY_SHRINK` of its table's rows (or at most
/// [`PARALLEL_ROWS`]) grows on its own compact copy.
const LOCAL_COPY_SHRINK: usize = 8;
/// The smallest child that gets its own copy.
const LOCAL_COPY_MIN: usize = 256;

impl SurvivalTreeParams {
    /// Fits a survival tree on every row of `enc`, whose durations, events and row
    /// weights are `data` (row `i` of `data` is row `i` of `enc`; `enc`'s own
    /// weights are not used — `data` carries them).
    ///
    /// # Errors
    /// The parameters' errors; [`Error::Schema`] when `data` and `enc` have different
    /// numbers of rows; [`Error::Fit`] when the rows have no event or zero weight.
    pub fn fit(&self, enc: &Encoded, data: &SurvivalData) -> Result<SurvivalTree> {
        let rows: Vec<usize> = (0..enc.n_rows()).collect();
        self.fit_rows(enc, data, &rows)
    }

    /// Fits a survival tree on `rows` of `enc` (and of `data`, aligned with `enc`),
    /// post-pruned when [`prune_alpha`](Self::prune_alpha) is set, then its hazards
    /// shrunk when [`shrinkage`](Self::shrinkage) is positive.
    ///
    /// # Errors
    /// As [`fit`](Self::fit), and [`Error::Param`] for a row out of range.
    pub fn fit_rows(
        &self,
        enc: &Encoded,
        data: &SurvivalData,
        rows: &[usize],
    ) -> Result<SurvivalTree> {
        let prep = prepare(self, enc, data, rows)?;
        let counter = InMemory::new(&prep.enc);
        let tree = grow(self, &prep, &counter, true)?;
        let tree = match self.prune_alpha {
            Some(f) if !tree.nodes[0].is_leaf() => {
                tree.pruned(f * tree.nodes[0].statistic, enc, data, rows, self.estimator)?
            }
            _ => tree,
        };
        if self.shrinkage > 0.0 {
            tree.shrunk(self.shrinkage, enc, data, rows)
        } else {
            Ok(tree)
        }
    }
}

/// The training rows in duration order, time-coded.
struct Prepared {
    /// The rows' codes in ascending order of duration, labels `2 · bin + event`.
    enc: Encoded,
    /// Their durations (ascending).
    durations: Vec<f64>,
    /// The time bins' cut points (bin `b` holds durations `d` with
    /// `#{c : c <= d} = b`).
    cuts: Vec<f64>,
    /// The largest duration.
    tau: f64,
    /// The features' schema (churn classes) the fitted tree keeps.
    schema: Arc<EncodedSchema>,
}

fn prepare(
    p: &SurvivalTreeParams,
    enc: &Encoded,
    data: &SurvivalData,
    rows: &[usize],
) -> Result<Prepared> {
    p.check()?;
    if data.len() != enc.n_rows() {
        return Err(Error::schema(format!(
            "{} durations for {} encoded rows",
            data.len(),
            enc.n_rows()
        )));
    }
    if rows.is_empty() {
        return Err(Error::Fit("cannot fit a survival tree on zero rows".into()));
    }
    if rows.len() > u32::MAX as usize {
        return Err(Error::Fit("more than 2^32 − 1 rows".into()));
    }
    if rows.iter().any(|&r| r >= enc.n_rows()) {
        return Err(Error::param("rows", "index", "a row index is out of range"));
    }
    let (d, e) = (data.durations(), data.events());
    let w = |r: usize| data.weight(r);
    let mut order: Vec<usize> = rows.to_vec();
    order.sort_by(|&a, &b| d[a].total_cmp(&d[b]));
    let events: f64 = order.iter().filter(|&&r| e[r]).map(|&r| w(r)).sum();
    let total: f64 = order.iter().map(|&r| w(r)).sum();
    if total <= 0.0 {
        return Err(Error::Fit(
            "the training rows have zero total weight".into(),
        ));
    }
    if events <= 0.0 {
        return Err(Error::Fit(format!(
            "all {} training rows are censored: a survival tree needs churned customers",
            rows.len()
        )));
    }
    // Time bins: the distinct event times, or equal-event bins.
    let ev_times: Vec<f64> = order
        .iter()
        .filter(|&&r| e[r] && w(r) > 0.0)
        .map(|&r| d[r])
        .collect();
    let mut distinct = ev_times.clone();
    distinct.dedup();
    let bins = p.time_bins.min(MAX_TIME_BINS);
    let cuts: Vec<f64> = if distinct.len() <= bins {
        distinct[1..].to_vec()
    } else {
        equal_frequency_cuts(&ev_times, bins)
    };
    let n_bins = cuts.len() + 1;
    let labels: Vec<u8> = order
        .iter()
        .map(|&r| {
            let b = cuts.partition_point(|&c| c <= d[r]);
            (2 * b + usize::from(e[r])) as u8
        })
        .collect();
    let columns: Vec<Codes> = enc
        .columns()
        .iter()
        .map(|c| match c {
            Codes::U8(v) => Codes::U8(order.iter().map(|&r| v[r]).collect()),
            Codes::U16(v) => Codes::U16(order.iter().map(|&r| v[r]).collect()),
        })
        .collect();
    let weights = data
        .weights()
        .map(|_| order.iter().map(|&r| w(r)).collect());
    let classes: Vec<String> = (0..2 * n_bins.max(1))
        .map(|c| {
            format!(
                "t{}{}",
                c / 2,
                if c % 2 == 1 { "-event" } else { "-censored" }
            )
        })
        .collect();
    let te_schema = Arc::new(EncodedSchema {
        features: enc.schema().features.clone(),
        classes,
    });
    let durations: Vec<f64> = order.iter().map(|&r| d[r]).collect();
    let tau = durations.last().copied().unwrap_or(0.0);
    Ok(Prepared {
        enc: Encoded::new(te_schema, columns, labels, weights)?,
        durations,
        cuts,
        tau,
        schema: Arc::clone(enc.schema()),
    })
}

/// What every task of one fit shares.
struct Ctx<'a> {
    p: &'a SurvivalTreeParams,
    n_bins: usize,
    tau: f64,
    estimator: Estimator,
    features: Vec<usize>,
    /// Numeric features (codes ordered, missing last).
    numeric: Vec<bool>,
    /// Large subtrees may grow on in-memory copies of their rows.
    local: bool,
    /// `n · log2 n` of small integer counts (the classification criterion's table),
    /// for the hazard entropy.
    lg: NLogN,
}

/// A table being grown on: the time-coded rows and their durations.
#[derive(Clone, Copy)]
struct Part<'a> {
    enc: &'a Encoded,
    durations: &'a [f64],
}

/// Per-task buffers.
#[derive(Default)]
struct Work {
    tables: ClassTables,
    fbuf: Vec<f64>,
    /// The node's events and at-risk per event bin, and the bins themselves.
    ev_bins: Vec<usize>,
    big_n: Vec<f64>,
    /// Per event bin: `D/N` and `D (N − D) / ((N − 1) N²)`.
    e_rate: Vec<f64>,
    v_rate: Vec<f64>,
    /// Per code: weight, events, `E_v`, and at-risk at each event bin.
    cw: Vec<f64>,
    ce: Vec<f64>,
    cexp: Vec<f64>,
    cn: Vec<f64>,
    /// Hazard entropy only: the node's events per event bin, its impurity (bits),
    /// and per code the events at each event bin.
    big_d: Vec<f64>,
    impurity: f64,
    cd: Vec<f64>,
    /// Scratch of a sweep.
    order: Vec<u16>,
    nl: Vec<f64>,
    dl: Vec<f64>,
    suffix: Vec<f64>,
}

/// A node's (code × class) tables of every feature, back to back, as `f64` (feature
/// `f`'s is `counts[offsets[f]..offsets[f + 1]]`, `cardinality × classes`, the class
/// fastest).
#[derive(Default)]
struct Tables {
    offsets: Vec<usize>,
    counts: Vec<f64>,
}

impl Tables {
    fn table(&self, f: usize) -> &[f64] {
        &self.counts[self.offsets[f]..self.offsets[f + 1]]
    }

    /// `self − other`, cell by cell (a sibling's tables from its parent's).
    fn minus(&self, other: &Tables) -> Tables {
        Tables {
            offsets: self.offsets.clone(),
            counts: self
                .counts
                .iter()
                .zip(&other.counts)
                .map(|(a, b)| a - b)
                .collect(),
        }
    }
}

/// A split chosen for a node.
struct Split {
    feature: usize,
    statistic: f64,
    /// Per code: true = left.
    left: Vec<bool>,
}

/// A (sub)tree under construction: node 0 is its root.
#[derive(Default)]
struct Arena {
    nodes: Vec<SurvivalNode>,
    slots: Vec<u32>,
    curves: Vec<SurvivalCurve>,
}

impl Arena {
    /// Appends a finished subtree; returns its root's index here.
    fn append(&mut self, sub: Arena) -> usize {
        let off = self.nodes.len() as u32;
        let soff = self.slots.len() as u32;
        let coff = self.curves.len() as u32;
        self.nodes.extend(sub.nodes.into_iter().map(|mut n| {
            if n.is_leaf() {
                n.curve += coff;
            } else {
                n.first_slot += soff;
            }
            n
        }));
        self.slots.extend(sub.slots.into_iter().map(|c| c + off));
        self.curves.extend(sub.curves);
        off as usize
    }
}

fn grow<C: Counter>(
    p: &SurvivalTreeParams,
    prep: &Prepared,
    cn: &C,
    local: bool,
) -> Result<SurvivalTree> {
    let n = prep.enc.n_rows();
    let mut root = CountTable::default();
    let mut rows: Vec<u32> = (0..n as u32).collect();
    cn.contingency(Rows::Subset(&rows), &[Var::Class], &mut root);
    let schema = prep.enc.schema();
    let ctx = Ctx {
        p,
        n_bins: prep.cuts.len() + 1,
        tau: prep.tau,
        estimator: p.estimator,
        features: (0..schema.features.len()).collect(),
        numeric: schema.features.iter().map(|f| f.numeric).collect(),
        local,
        lg: NLogN::new(n + 1),
    };
    let part = Part {
        enc: &prep.enc,
        durations: &prep.durations,
    };
    let mut arena = Arena::default();
    let mut scratch = vec![0u32; n];
    let mut w = Work::default();
    ctx.grow_node(
        cn,
        part,
        &mut w,
        &mut arena,
        &mut rows,
        &mut scratch,
        root.counts(),
        None,
        0,
    );
    Ok(SurvivalTree {
        schema: Arc::clone(&prep.schema),
        nodes: arena.nodes,
        slots: arena.slots,
        curves: arena.curves,
        tau: prep.tau,
        time_cuts: prep.cuts.clone(),
    })
}

impl Ctx<'_> {
    /// Grows the node of `rows` (ascending, so sorted by duration) with class counts
    /// `counts` into `arena`; returns its index. `tables` are the node's (code ×
    /// class) tables when its parent derived them (else they are counted here).
    #[allow(clippy::too_many_arguments)]
    fn grow_node<C: Counter>(
        &self,
        cn: &C,
        part: Part<'_>,
        w: &mut Work,
        arena: &mut Arena,
        rows: &mut [u32],
        scratch: &mut [u32],
        counts: &[f64],
        tables: Option<Tables>,
        depth: usize,
    ) -> usize {
        let enc = part.enc;
        let labels = enc.labels();
        let curve = SurvivalCurve::from_sorted(
            self.estimator,
            rows.iter().map(|&r| {
                let r = r as usize;
                (part.durations[r], labels[r] & 1 == 1, enc.weight(r))
            }),
        );
        let weight: f64 = counts.iter().sum();
        let events: f64 = counts.iter().skip(1).step_by(2).sum();
        let rmst = curve.restricted_mean(0.0, self.tau);
        let idx = arena.nodes.len();
        let mut node = SurvivalNode {
            feature: SURVIVAL_LEAF,
            first_slot: 0,
            curve: 0,
            depth: depth as u32,
            weight,
            events,
            statistic: 0.0,
            rmst,
        };
        let split = if self.stops(weight, events, depth) {
            None
        } else {
            let tables = tables.unwrap_or_else(|| self.count(cn, w, rows));
            self.best_split(w, &tables, counts).map(|s| (s, tables))
        };
        let Some((split, tables)) = split else {
            node.curve = arena.curves.len() as u32;
            arena.nodes.push(node);
            arena.curves.push(curve);
            return idx;
        };
        drop(curve);
        let f = split.feature;
        let card = split.left.len();
        let k = counts.len();
        // Children's class counts from the chosen feature's table.
        let table = tables.table(f);
        let mut child_counts = vec![0.0; 2 * k];
        for v in 0..card {
            let g = usize::from(!split.left[v]);
            for c in 0..k {
                child_counts[g * k + c] += table[v * k + c];
            }
        }
        node.feature = f as u32;
        node.first_slot = arena.slots.len() as u32;
        node.statistic = split.statistic;
        arena.nodes.push(node);
        arena.slots.extend(std::iter::repeat_n(u32::MAX, card));
        let n_left = partition(enc.column(f), rows, scratch, &split.left);
        let (lr, rr) = rows.split_at_mut(n_left);
        let (ls, rs) = scratch.split_at_mut(n_left);
        let (lc, rc) = child_counts.split_at(k);
        // The children's tables: the smaller child is counted, the larger one is its
        // parent's minus the smaller's (exact for unweighted rows, whose counts are
        // integers; weighted children are each counted, in row order).
        let splits =
            |c: &[f64]| !self.stops(c.iter().sum(), c.iter().skip(1).step_by(2).sum(), depth + 1);
        let (need_l, need_r) = (splits(lc), splits(rc));
        let (mut lt, mut rt) = (None, None);
        let left_small = lr.len() <= rr.len();
        let (small_rows, need_small, need_large) = if left_small {
            (&*lr, need_l, need_r)
        } else {
            (&*rr, need_r, need_l)
        };
        if enc.weights().is_none() && need_large {
            let small = self.count(cn, w, small_rows);
            let large = tables.minus(&small);
            (lt, rt) = if left_small {
                (need_l.then_some(small), Some(large))
            } else {
                (Some(large), need_r.then_some(small))
            };
        } else if need_small && !need_large {
            let small = self.count(cn, w, small_rows);
            if left_small {
                lt = Some(small);
            } else {
                rt = Some(small);
            }
        }
        drop(tables);
        let big = lr.len() + rr.len() > PARALLEL_ROWS && enc.n_rows() > PARALLEL_ROWS;
        let (left, right) = if big {
            let (a, b) = rayon::join(
                || self.grow_child(cn, part, None, lr, ls, lc, lt, depth + 1),
                || self.grow_child(cn, part, None, rr, rs, rc, rt, depth + 1),
            );
            (arena.append(a), arena.append(b))
        } else {
            let a = self.grow_child(cn, part, Some(w), lr, ls, lc, lt, depth + 1);
            let left = arena.append(a);
            let b = self.grow_child(cn, part, Some(w), rr, rs, rc, rt, depth + 1);
            (left, arena.append(b))
        };
        let first = arena.nodes[idx].first_slot as usize;
        for v in 0..card {
            arena.slots[first + v] = if split.left[v] { left } else { right } as u32;
        }
        idx
    }

    /// The (code × class) tables of every feature over `rows`, through the counter.
    fn count<C: Counter>(&self, cn: &C, w: &mut Work, rows: &[u32]) -> Tables {
        cn.class_tables(Rows::Subset(rows), &self.features, &mut w.tables);
        let mut t = Tables::default();
        t.offsets.push(0);
        for i in 0..self.features.len() {
            w.tables.table(i).to_f64(&mut w.fbuf);
            t.counts.extend_from_slice(&w.fbuf);
            t.offsets.push(t.counts.len());
        }
        t
    }

    /// Grows a child into its own arena, on a compact copy of its rows when it is
    /// small relative to its table.
    #[allow(clippy::too_many_arguments)]
    fn grow_child<C: Counter>(
        &self,
        cn: &C,
        part: Part<'_>,
        work: Option<&mut Work>,
        rows: &mut [u32],
        scratch: &mut [u32],
        counts: &[f64],
        tables: Option<Tables>,
        depth: usize,
    ) -> Arena {
        let mut own = Work::default();
        let w = match work {
            Some(w) => w,
            None => &mut own,
        };
        let mut sub = Arena::default();
        let n_table = part.enc.n_rows();
        let copy = self.local
            && n_table > PARALLEL_ROWS
            && rows.len() >= LOCAL_COPY_MIN
            && (rows.len() <= PARALLEL_ROWS || rows.len() * LOCAL_COPY_SHRINK <= n_table)
            && !self.stops(
                counts.iter().sum(),
                counts.iter().skip(1).step_by(2).sum(),
                depth,
            );
        if copy {
            let idx: Vec<usize> = rows.iter().map(|&r| r as usize).collect();
            let enc = part.enc.select(&idx);
            let durations: Vec<f64> = idx.iter().map(|&r| part.durations[r]).collect();
            drop(idx);
            let mut r: Vec<u32> = (0..enc.n_rows() as u32).collect();
            let mut s = vec![0u32; r.len()];
            let local = Part {
                enc: &enc,
                durations: &durations,
            };
            self.grow_node(
                &InMemory::new(&enc),
                local,
                w,
                &mut sub,
                &mut r,
                &mut s,
                counts,
                tables,
                depth,
            );
        } else {
            self.grow_node(cn, part, w, &mut sub, rows, scratch, counts, tables, depth);
        }
        sub
    }

    /// True when a node is a leaf whatever its rows.
    fn stops(&self, weight: f64, events: f64, depth: usize) -> bool {
        let p = self.p;
        self.p.max_depth.is_some_and(|d| depth >= d)
            || depth >= crate::tree::MAX_DEPTH
            || weight < 2.0 * p.min_rows_leaf
            || events < 2.0 * p.min_events_leaf
            || events <= 0.0
    }

    /// The best admissible split of a node with class counts `counts` and (code ×
    /// class) tables `tables`, if any.
    fn best_split(&self, w: &mut Work, tables: &Tables, counts: &[f64]) -> Option<Split> {
        let nb = self.n_bins;
        let k = 2 * nb;
        debug_assert!(counts.len() >= k);
        // Node-level events and at-risk per bin; the bins with events.
        w.ev_bins.clear();
        w.big_n.clear();
        w.big_d.clear();
        w.e_rate.clear();
        w.v_rate.clear();
        let entropy = self.p.criterion == SurvivalCriterion::HazardEntropy;
        let mut at_risk: f64 = counts.iter().sum();
        for b in 0..nb {
            let d = counts[2 * b + 1];
            if d > 0.0 && at_risk > 0.0 {
                w.ev_bins.push(b);
                w.big_n.push(at_risk);
                w.big_d.push(d);
                w.e_rate.push(d / at_risk);
                w.v_rate.push(if at_risk > 1.0 {
                    d * (at_risk - d) / ((at_risk - 1.0) * at_risk * at_risk)
                } else {
                    0.0
                });
            }
            at_risk -= counts[2 * b] + counts[2 * b + 1];
        }
        if w.ev_bins.is_empty() {
            return None;
        }
        if entropy {
            w.impurity = (0..w.ev_bins.len())
                .map(|j| self.bin_impurity(w.big_n[j], w.big_d[j]))
                .sum();
        }
        // (score, χ², feature, ordering, prefix): larger score wins.
        let mut best: Option<(f64, f64, usize, Vec<u16>, usize)> = None;
        let nbe = w.ev_bins.len();
        for &f in &self.features {
            let t = tables.table(f);
            let card = t.len() / k;
            // Per code: weight, events, at risk at each event bin, expected events.
            w.cw.clear();
            w.ce.clear();
            w.cexp.clear();
            w.cn.clear();
            w.cn.resize(card * nbe, 0.0);
            if entropy {
                w.cd.clear();
                w.cd.resize(card * nbe, 0.0);
            }
            w.suffix.resize(nb + 1, 0.0);
            let mut present = 0;
            for v in 0..card {
                let t = &t[v * k..(v + 1) * k];
                let mut s = 0.0;
                let mut ev = 0.0;
                w.suffix[nb] = 0.0;
                for b in (0..nb).rev() {
                    s += t[2 * b] + t[2 * b + 1];
                    ev += t[2 * b + 1];
                    w.suffix[b] = s;
                }
                let mut ex = 0.0;
                for (j, &b) in w.ev_bins.iter().enumerate() {
                    let nv = w.suffix[b];
                    w.cn[v * nbe + j] = nv;
                    ex += w.e_rate[j] * nv;
                }
                if entropy {
                    for (j, &b) in w.ev_bins.iter().enumerate() {
                        w.cd[v * nbe + j] = t[2 * b + 1];
                    }
                }
                w.cw.push(s);
                w.ce.push(ev);
                w.cexp.push(ex);
                if s > 0.0 {
                    present += 1;
                }
            }
            if present < 2 {
                continue;
            }
            let missing = (card - 1) as u16;
            let orderings: usize = if self.numeric[f] && w.cw[card - 1] > 0.0 {
                2
            } else {
                1
            };
            let mut feat: Option<(f64, Vec<u16>, usize)> = None;
            let mut candidates = 0.0;
            for o in 0..orderings {
                w.order.clear();
                if self.numeric[f] {
                    if o == 1 {
                        w.order.push(missing);
                    }
                    w.order
                        .extend((0..missing).filter(|&v| w.cw[v as usize] > 0.0));
                    if o == 0 && w.cw[card - 1] > 0.0 {
                        w.order.push(missing);
                    }
                } else {
                    w.order
                        .extend((0..card as u16).filter(|&v| w.cw[v as usize] > 0.0));
                    let (ce, cexp) = (&w.ce, &w.cexp);
                    let ratio = |v: u16| {
                        let (o, e) = (ce[v as usize], cexp[v as usize]);
                        if e > 0.0 { o / e } else { 0.0 }
                    };
                    w.order
                        .sort_by(|&a, &b| ratio(a).total_cmp(&ratio(b)).then(a.cmp(&b)));
                }
                candidates += (w.order.len() - 1) as f64;
                let swept = if entropy {
                    self.sweep_entropy(w, nbe)
                } else {
                    self.sweep(w, nbe)
                };
                if let Some((stat, at)) = swept
                    && feat.as_ref().is_none_or(|b| stat > b.0)
                {
                    feat = Some((stat, w.order.clone(), at));
                }
            }
            let Some((stat, order, at)) = feat else {
                continue;
            };
            let score = match self.p.selection {
                SplitSelection::Statistic => stat,
                SplitSelection::AdjustedPValue => {
                    // −ln(m · p): m the feature's candidate splits (prefixes of the
                    // orderings; for a categorical the 2^(L−1) − 1 partitions the
                    // hazard ordering stands for).
                    let ln_m = if self.numeric[f] {
                        candidates.ln()
                    } else {
                        let l = order.len() as f64;
                        (l - 1.0) * std::f64::consts::LN_2 + (-(1.0 - l).exp2()).ln_1p()
                    };
                    let df = if entropy { nbe as f64 } else { 1.0 };
                    let ln_p = crate::math::ln_chi_square_sf(stat, df);
                    -(ln_p + ln_m)
                }
            };
            if best.as_ref().is_none_or(|b| score > b.0) {
                best = Some((score, stat, f, order, at));
            }
        }
        let (_, statistic, feature, order, at) = best?;
        // Sides: the ordering's prefix is left; absent codes by order or weight.
        let t = tables.table(feature);
        let card = t.len() / k;
        let mut left = vec![false; card];
        let mut assigned = vec![false; card];
        let (mut wl, mut wr) = (0.0, 0.0);
        for (pos, &v) in order.iter().enumerate() {
            let v = v as usize;
            let wv: f64 = t[v * k..(v + 1) * k].iter().sum();
            left[v] = pos <= at;
            assigned[v] = true;
            if left[v] {
                wl += wv;
            } else {
                wr += wv;
            }
        }
        let heavier_left = wl >= wr;
        if self.numeric[feature] {
            // The smallest non-missing code on the right: absent codes below it go
            // left (none: everything non-missing is left).
            let missing = card - 1;
            let theta = (0..missing).find(|&v| assigned[v] && !left[v]);
            for v in 0..missing {
                if !assigned[v] {
                    left[v] = theta.is_none_or(|t| v < t);
                }
            }
            if !assigned[missing] {
                left[missing] = heavier_left;
            }
        } else {
            for v in 0..card {
                if !assigned[v] {
                    left[v] = heavier_left;
                }
            }
        }
        Some(Split {
            feature,
            statistic,
            left,
        })
    }

    /// The best admissible prefix of `w.order` (the number of codes on the left minus
    /// one) and its statistic.
    fn sweep(&self, w: &mut Work, nbe: usize) -> Option<(f64, usize)> {
        let p = self.p;
        let total_w: f64 = w.order.iter().map(|&v| w.cw[v as usize]).sum();
        let total_e: f64 = w.order.iter().map(|&v| w.ce[v as usize]).sum();
        w.nl.clear();
        w.nl.resize(nbe, 0.0);
        let (mut ol, mut el, mut wl) = (0.0, 0.0, 0.0);
        let mut best: Option<(f64, usize)> = None;
        for pos in 0..w.order.len().saturating_sub(1) {
            let v = w.order[pos] as usize;
            ol += w.ce[v];
            el += w.cexp[v];
            wl += w.cw[v];
            let cnv = &w.cn[v * nbe..(v + 1) * nbe];
            for (x, &y) in w.nl.iter_mut().zip(cnv) {
                *x += y;
            }
            let (wr, er) = (total_w - wl, total_e - ol);
            if wl < p.min_rows_leaf
                || wr < p.min_rows_leaf
                || ol < p.min_events_leaf
                || er < p.min_events_leaf
            {
                continue;
            }
            let mut var = 0.0;
            for j in 0..nbe {
                let nl = w.nl[j];
                var += w.v_rate[j] * nl * (w.big_n[j] - nl);
            }
            if var <= 1e-12 {
                continue;
            }
            let stat = (ol - el) * (ol - el) / var;
            if stat >= p.min_logrank && stat > 0.0 && best.is_none_or(|b| stat > b.0) {
                best = Some((stat, pos));
            }
        }
        best
    }
}

impl Ctx<'_> {
    /// `n · H(d / n)` in bits, `H` the binary entropy: `L(n) − L(d) − L(n − d)` with
    /// `L(x) = x log2 x` ([`NLogN`], the classification criterion's table).
    #[inline]
    fn bin_impurity(&self, n: f64, d: f64) -> f64 {
        self.lg.l(n) - self.lg.l(d) - self.lg.l(n - d)
    }

    /// [`sweep`](Self::sweep) for the hazard entropy: the best admissible prefix of
    /// `w.order` by `2 ln 2 · (I − I_L − I_R)` (the impurities in bits over the node's
    /// event bins, see [`SurvivalCriterion::HazardEntropy`]; bins without events add
    /// 0 to each), and that statistic.
    fn sweep_entropy(&self, w: &mut Work, nbe: usize) -> Option<(f64, usize)> {
        let p = self.p;
        let total_w: f64 = w.order.iter().map(|&v| w.cw[v as usize]).sum();
        let total_e: f64 = w.order.iter().map(|&v| w.ce[v as usize]).sum();
        w.nl.clear();
        w.nl.resize(nbe, 0.0);
        w.dl.clear();
        w.dl.resize(nbe, 0.0);
        let (mut ol, mut wl) = (0.0, 0.0);
        let mut best: Option<(f64, usize)> = None;
        for pos in 0..w.order.len().saturating_sub(1) {
            let v = w.order[pos] as usize;
            ol += w.ce[v];
            wl += w.cw[v];
            let (cnv, cdv) = (&w.cn[v * nbe..(v + 1) * nbe], &w.cd[v * nbe..(v + 1) * nbe]);
            for j in 0..nbe {
                w.nl[j] += cnv[j];
                w.dl[j] += cdv[j];
            }
            let (wr, er) = (total_w - wl, total_e - ol);
            if wl < p.min_rows_leaf
                || wr < p.min_rows_leaf
                || ol < p.min_events_leaf
                || er < p.min_events_leaf
            {
                continue;
            }
            let mut children = 0.0;
            for j in 0..nbe {
                let (nl, dl) = (w.nl[j], w.dl[j]);
                children +=
                    self.bin_impurity(nl, dl) + self.bin_impurity(w.big_n[j] - nl, w.big_d[j] - dl);
            }
            let stat = 2.0 * std::f64::consts::LN_2 * (w.impurity - children);
            if stat >= p.min_logrank && stat > 1e-9 && best.is_none_or(|b| stat > b.0) {
                best = Some((stat, pos));
            }
        }
        best
    }
}

/// Stable in-place partition of `rows` by side (`left[code]`), through `scratch`;
/// returns the number of rows on the left.
fn partition(col: &Codes, rows: &mut [u32], scratch: &mut [u32], left: &[bool]) -> usize {
    macro_rules! run {
        ($v:expr) => {{
            let v = $v;
            let out = &mut scratch[..rows.len()];
            let mut nl = 0;
            for &r in rows.iter() {
                if left[v[r as usize] as usize] {
                    out[nl] = r;
                    nl += 1;
                }
            }
            let mut j = nl;
            for &r in rows.iter() {
                if !left[v[r as usize] as usize] {
                    out[j] = r;
                    j += 1;
                }
            }
            rows.copy_from_slice(out);
            nl
        }};
    }
    match col {
        Codes::U8(v) => run!(v),
        Codes::U16(v) => run!(v),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use rand::{Rng, SeedableRng};

    use super::*;
    use crate::count::CountTable;
    use crate::data::EncodedFeature;
    use crate::survival::logrank_test;

    /// Counts row by row from the definition, answering only the required calls
    /// (the batched ones take the trait's defaults).
    pub(crate) struct RowByRow<'a>(pub &'a Encoded);

    impl Counter for RowByRow<'_> {
        fn n_rows(&self) -> usize {
            self.0.n_rows()
        }
        fn n_classes(&self) -> usize {
            self.0.n_classes()
        }
        fn cardinality(&self, var: Var) -> usize {
            match var {
                Var::Feature(j) => self.0.schema().features[j].cardinality(),
                Var::Class => self.0.n_classes(),
            }
        }
        fn contingency(&self, rows: Rows<'_>, vars: &[Var], out: &mut CountTable) {
            let dims: Vec<usize> = vars.iter().map(|&v| self.cardinality(v)).collect();
            let mut counts = vec![0.0; dims.iter().product()];
            let all: Vec<u32> = (0..self.0.n_rows() as u32).collect();
            let (rs, extra): (&[u32], Option<&[f64]>) = match rows {
                Rows::All => (&all, None),
                Rows::Subset(r) => (r, None),
                Rows::Weighted(r, x) => (r, Some(x)),
            };
            for (i, &r) in rs.iter().enumerate() {
                let r = r as usize;
                let mut cell = 0;
                for (&v, &d) in vars.iter().zip(&dims) {
                    let c = match v {
                        Var::Feature(j) => self.0.code(r, j) as usize,
                        Var::Class => self.0.labels()[r] as usize,
                    };
                    cell = cell * d + c;
                }
                counts[cell] += self.0.weight(r) * extra.map_or(1.0, |x| x[i]);
            }
            *out = CountTable::from_parts(dims, counts).unwrap();
        }
    }

    pub(crate) fn feature(name: &str, levels: usize, numeric: bool) -> EncodedFeature {
        EncodedFeature {
            name: name.into(),
            levels: (0..levels).map(|l| format!("{name}{l}")).collect(),
            numeric,
        }
    }

    /// `n` customers: `a` (categorical, 3 levels) sets the churn hazard (level 0
    /// high, 1 middle, 2 low), `b` (numeric, 4 bins, some missing) lowers it in its
    /// upper bins, `c` is noise. Integer durations 1..=40 (so the event times are
    /// at most 40 distinct values), about a third censored.
    pub(crate) fn synthetic(n: usize, seed: u64) -> (Encoded, SurvivalData) {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let (mut a, mut b, mut c) = (Vec::new(), Vec::new(), Vec::new());
        let (mut dur, mut ev) = (Vec::new(), Vec::new());
        for _ in 0..n {
            let av: u8 = rng.random_range(0..3);
            let bv: u8 = if rng.random_bool(0.05) {
                4
            } else {
                rng.random_range(0..4)
            };
            let cv: u8 = rng.random_range(0..5);
            let hazard =
                [0.20, 0.08, 0.03][av as usize] * if (2..4).contains(&bv) { 0.5 } else { 1.0 };
            let u: f64 = rng.random_range(1e-9..1.0);
            let t = (-u.ln() / hazard).ceil().min(40.0);
            let cens: f64 = rng.random_range(1.0..60.0f64).floor();
            let (d, e) = if t <= cens { (t, true) } else { (cens, false) };
            a.push(av);
            b.push(bv);
            c.push(cv);
            dur.push(d);
            ev.push(e);
        }
        let schema = Arc::new(EncodedSchema {
            features: vec![
                feature("a", 3, false),
                feature("b", 4, true),
                feature("c", 5, false),
            ],
            classes: vec!["retained".into(), "churned".into()],
        });
        let labels = ev.iter().map(|&e| u8::from(e)).collect();
        let enc = Encoded::new(
            schema,
            vec![Codes::U8(a), Codes::U8(b), Codes::U8(c)],
            labels,
            None,
        )
        .unwrap();
        (enc, SurvivalData::new(dur, ev).unwrap())
    }

    #[test]
    fn the_root_split_is_the_exact_log_rank_best() {
        let (enc, data) = synthetic(600, 1);
        let p = SurvivalTreeParams::new()
            .max_depth(Some(1))
            .min_rows_leaf(5.0)
            .time_bins(127);
        let t = p.fit(&enc, &data).unwrap();
        let root = t.nodes()[0];
        assert_eq!(root.feature, 0, "a decides the hazard");
        // The statistic equals the log-rank test of the two sides on exact times
        // (every event time is its own bin; nobody is censored before the first
        // event time, 1).
        let side: Vec<usize> = (0..enc.n_rows())
            .map(|r| t.child(0, enc.code(r, 0)))
            .collect();
        let left = t.child(0, 0);
        let (l, r): (Vec<usize>, Vec<usize>) = (0..enc.n_rows()).partition(|&i| side[i] == left);
        let lr = logrank_test(&data.select(&l), &data.select(&r));
        assert!(
            (root.statistic - lr.statistic).abs() < 1e-9 * lr.statistic,
            "{} vs {}",
            root.statistic,
            lr.statistic
        );
        // Every split of `a` and of the others scores lower.
        for f in 0..3 {
            let card = enc.schema().features[f].cardinality();
            for mask in 1..(1u32 << card) - 1 {
                let (l, r): (Vec<usize>, Vec<usize>) =
                    (0..enc.n_rows()).partition(|&i| mask >> enc.code(i, f) & 1 == 1);
                if l.is_empty() || r.is_empty() {
                    continue;
                }
                let s = logrank_test(&data.select(&l), &data.select(&r)).statistic;
                assert!(
                    s <= root.statistic * (1.0 + 1e-9),
                    "feature {f} mask {mask}: {s} > {}",
                    root.statistic
                );
            }
        }
        // The high-hazard level goes with the shorter-lived side.
        let short = t.child(0, 0);
        let long = t.child(0, 2);
        assert_ne!(short, long);
        assert!(t.nodes()[short].rmst < t.nodes()[long].rmst);
        t.validate().unwrap();
    }

    #[test]
    fn leaf_curves_are_the_kaplan_meier_of_their_rows() {
        let (enc, data) = synthetic(800, 2);
        let t = SurvivalTreeParams::new()
            .min_rows_leaf(30.0)
            .fit(&enc, &data)
            .unwrap();
        assert!(t.n_leaves() >= 3);
        let leaves = t.leaves(&enc).unwrap();
        for node in 0..t.n_nodes() {
            if !t.nodes()[node].is_leaf() {
                continue;
            }
            let rows: Vec<usize> = (0..enc.n_rows()).filter(|&r| leaves[r] == node).collect();
            let km = SurvivalCurve::kaplan_meier(&data.select(&rows));
            assert_eq!(t.leaf_curve(node), &km, "leaf {node}");
            assert_eq!(t.nodes()[node].weight, rows.len() as f64);
            assert!((t.nodes()[node].rmst - km.restricted_mean(0.0, t.tau())).abs() < 1e-12);
        }
        assert_eq!(t.tau(), data.max_duration());
        let na = SurvivalTreeParams::new()
            .min_rows_leaf(30.0)
            .estimator(Estimator::NelsonAalen)
            .fit(&enc, &data)
            .unwrap();
        assert_eq!(na.curves()[0].estimator(), Estimator::NelsonAalen);
    }

    #[test]
    fn pre_pruning_limits_are_respected() {
        let (enc, data) = synthetic(1000, 3);
        for d in 0..4 {
            let t = SurvivalTreeParams::new()
                .max_depth(Some(d))
                .min_rows_leaf(1.0)
                .fit(&enc, &data)
                .unwrap();
            assert!(t.depth() <= d);
        }
        let t = SurvivalTreeParams::new()
            .max_depth(None)
            .min_rows_leaf(60.0)
            .fit(&enc, &data)
            .unwrap();
        assert!(t.nodes().iter().all(|n| n.weight >= 60.0));
        let t = SurvivalTreeParams::new()
            .max_depth(None)
            .min_rows_leaf(1.0)
            .min_events_leaf(25.0)
            .fit(&enc, &data)
            .unwrap();
        assert!(t.nodes().iter().all(|n| n.events >= 25.0));
        // A huge statistic threshold keeps the root a leaf; a moderate one prunes.
        let t = SurvivalTreeParams::new()
            .min_logrank(1e9)
            .fit(&enc, &data)
            .unwrap();
        assert_eq!(t.n_nodes(), 1);
        let loose = SurvivalTreeParams::new()
            .max_depth(None)
            .min_rows_leaf(5.0)
            .fit(&enc, &data)
            .unwrap();
        let strict = SurvivalTreeParams::new()
            .max_depth(None)
            .min_rows_leaf(5.0)
            .min_logrank(3.84)
            .fit(&enc, &data)
            .unwrap();
        assert!(strict.n_nodes() < loose.n_nodes());
        assert!(
            strict
                .nodes()
                .iter()
                .filter(|n| !n.is_leaf())
                .all(|n| n.statistic >= 3.84)
        );
    }

    #[test]
    fn coarse_time_bins_still_grow_a_good_tree() {
        let (enc, data) = synthetic(1000, 4);
        let t = SurvivalTreeParams::new()
            .time_bins(4)
            .fit(&enc, &data)
            .unwrap();
        assert_eq!(t.time_cuts().len(), 3);
        assert_eq!(t.nodes()[0].feature, 0);
        let one = SurvivalTreeParams::new()
            .time_bins(1)
            .fit(&enc, &data)
            .unwrap();
        assert!(one.time_cuts().is_empty());
        one.validate().unwrap();
    }

    #[test]
    fn fit_rows_equals_a_fit_on_the_selected_rows() {
        let (enc, data) = synthetic(500, 5);
        let rows: Vec<usize> = (0..500).filter(|r| r % 3 != 0).collect();
        let p = SurvivalTreeParams::new().min_rows_leaf(10.0);
        let a = p.fit_rows(&enc, &data, &rows).unwrap();
        let b = p.fit(&enc.select(&rows), &data.select(&rows)).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn any_counter_honouring_the_contract_grows_the_same_tree() {
        // Large enough for parallel children and local copies on the in-memory path.
        let (enc, data) = synthetic(70_000, 6);
        let p = SurvivalTreeParams::new()
            .max_depth(Some(4))
            .min_rows_leaf(50.0);
        let rows: Vec<usize> = (0..enc.n_rows()).collect();
        let fast = p.fit(&enc, &data).unwrap();
        let prep = prepare(&p, &enc, &data, &rows).unwrap();
        let shared = grow(&p, &prep, &InMemory::new(&prep.enc), false).unwrap();
        let slow = grow(&p, &prep, &RowByRow(&prep.enc), false).unwrap();
        assert_eq!(fast, shared);
        assert_eq!(fast, slow);
        assert!(fast.n_nodes() > 7);
        fast.validate().unwrap();
        // The hazard entropy, from the same tables.
        let p = p.criterion(SurvivalCriterion::HazardEntropy);
        let fast = p.fit(&enc, &data).unwrap();
        let slow = grow(&p, &prep, &RowByRow(&prep.enc), false).unwrap();
        assert_eq!(fast, slow);
        assert!(fast.n_nodes() > 7);
    }

    #[test]
    fn weights_count_like_repeated_rows() {
        let (enc, data) = synthetic(400, 7);
        let w: Vec<f64> = (0..400).map(|i| f64::from(1 + (i % 3) as u8)).collect();
        let rep: Vec<usize> = (0..400)
            .flat_map(|i| std::iter::repeat_n(i, 1 + i % 3))
            .collect();
        // Every event time its own bin (equal-event bins count event rows, not weights).
        let p = SurvivalTreeParams::new().min_rows_leaf(10.0).time_bins(127);
        let a = p.fit(&enc, &data.clone().with_weights(w).unwrap()).unwrap();
        let b = p.fit(&enc.select(&rep), &data.select(&rep)).unwrap();
        assert_eq!(a.nodes().len(), b.nodes().len());
        for (x, y) in a.nodes().iter().zip(b.nodes()) {
            assert_eq!(
                (x.feature, x.weight, x.events),
                (y.feature, y.weight, y.events)
            );
            assert!((x.statistic - y.statistic).abs() < 1e-6 * y.statistic.max(1.0));
            assert!((x.rmst - y.rmst).abs() < 1e-9);
        }
    }

    /// Categorical features on given rows (no missing), `(duration, event)` each.
    fn table(cols: &[(&str, usize, Vec<u8>)], rows: &[(f64, bool)]) -> (Encoded, SurvivalData) {
        let schema = Arc::new(EncodedSchema {
            features: cols.iter().map(|c| feature(c.0, c.1, false)).collect(),
            classes: vec!["retained".into(), "churned".into()],
        });
        let labels = rows.iter().map(|r| u8::from(r.1)).collect();
        let codes = cols.iter().map(|c| Codes::U8(c.2.clone())).collect();
        let enc = Encoded::new(schema, codes, labels, None).unwrap();
        let (d, e) = rows.iter().copied().unzip();
        (enc, SurvivalData::new(d, e).unwrap())
    }

    fn entropy_params() -> SurvivalTreeParams {
        SurvivalTreeParams::new()
            .criterion(SurvivalCriterion::HazardEntropy)
            .time_bins(127)
    }

    #[test]
    fn hazard_entropy_gain_is_the_hand_computed_one() {
        // x = 0: churn at 1, 1, 2, censored at 2; x = 1: censored at 1, 2, 2, churn at 2.
        // Bins = the event times {1, 2}. Per bin (at risk n, events d):
        //   node (8, 2), (5, 2); x = 0: (4, 2), (2, 1); x = 1: (4, 0), (3, 1).
        // I = Σ n H(d/n) (nats): node 8 H(1/4) + 5 H(2/5) = 7.863739491996749,
        //   x = 0: 4 H(1/2) + 2 H(1/2) = 6 ln 2 = 4.1588830833596715,
        //   x = 1: 0 + 3 H(1/3) = 1.9095425048844383;
        // 2G = 2 (7.8637… − 4.1588… − 1.9095…) = 3.590627807505278.
        let rows = [
            (1.0, true),
            (1.0, true),
            (2.0, false),
            (2.0, true),
            (1.0, false),
            (2.0, true),
            (2.0, false),
            (2.0, false),
        ];
        let (enc, data) = table(&[("x", 2, vec![0, 0, 0, 0, 1, 1, 1, 1])], &rows);
        let p = entropy_params().max_depth(Some(1)).min_rows_leaf(1.0);
        for selection in [SplitSelection::Statistic, SplitSelection::AdjustedPValue] {
            let t = p.clone().selection(selection).fit(&enc, &data).unwrap();
            assert_eq!(t.nodes()[0].feature, 0);
            let g = t.nodes()[0].statistic;
            assert!((g - 3.590_627_807_505_278).abs() < 1e-12, "{g}");
            // Weighted rows: the same table, the same number.
            let w = data.clone().with_weights(vec![0.5; 8]).unwrap();
            let half = p
                .clone()
                .min_rows_leaf(0.5)
                .min_events_leaf(0.5)
                .fit(&enc, &w)
                .unwrap();
            assert!((half.nodes()[0].statistic - g / 2.0).abs() < 1e-12);
        }
        // A threshold above 2G keeps the root a leaf.
        let t = p.min_logrank(3.6).fit(&enc, &data).unwrap();
        assert_eq!(t.n_nodes(), 1);
    }

    #[test]
    fn hazard_entropy_sees_hazards_that_cross() {
        // `cross`: group 0 churns at 1 (40 of 100), group 1 at 2 (53 of 100), the rest
        // censored at 3: the hazards cross and the log-rank χ² is 0.00095, the hazard
        // entropy's 2G 130.5. `prop`: half the churners of both groups against
        // everyone else: log-rank χ² 76.1, 2G 89.2.
        let mut rows = vec![(1.0, true); 40];
        rows.extend(vec![(3.0, false); 60]);
        rows.extend(vec![(2.0, true); 53]);
        rows.extend(vec![(3.0, false); 47]);
        let cross: Vec<u8> = (0..200).map(|i| u8::from(i >= 100)).collect();
        let prop: Vec<u8> = (0..200)
            .map(|i| u8::from((i < 40 || (100..153).contains(&i)) && i % 2 == 0))
            .collect();
        let (enc, data) = table(&[("prop", 2, prop), ("cross", 2, cross)], &rows);
        let p = SurvivalTreeParams::new()
            .time_bins(127)
            .max_depth(Some(1))
            .min_rows_leaf(5.0);
        let lr = p.fit(&enc, &data).unwrap();
        assert_eq!(lr.nodes()[0].feature, 0, "log-rank: prop");
        assert!((lr.nodes()[0].statistic - 76.142_449_034_989_72).abs() < 1e-9);
        let he = p
            .criterion(SurvivalCriterion::HazardEntropy)
            .fit(&enc, &data)
            .unwrap();
        assert_eq!(he.nodes()[0].feature, 1, "hazard entropy: cross");
        assert!((he.nodes()[0].statistic - 130.508_723_676_527_78).abs() < 1e-9);
    }

    #[test]
    fn hazard_entropy_splits_on_the_hazard_and_not_on_noise() {
        let (enc, data) = synthetic(1000, 4);
        for selection in [SplitSelection::Statistic, SplitSelection::AdjustedPValue] {
            let t = entropy_params()
                .selection(selection)
                .min_rows_leaf(30.0)
                .fit(&enc, &data)
                .unwrap();
            assert_eq!(t.nodes()[0].feature, 0, "a decides the hazard");
            // The high-hazard level lives shorter.
            assert!(t.nodes()[t.child(0, 0)].rmst < t.nodes()[t.child(0, 2)].rmst);
            t.validate().unwrap();
        }
        // Every split statistic is positive and at least the threshold.
        let t = entropy_params()
            .max_depth(None)
            .min_rows_leaf(5.0)
            .min_logrank(3.84)
            .fit(&enc, &data)
            .unwrap();
        assert!(t.n_nodes() > 3);
        assert!(
            t.nodes()
                .iter()
                .filter(|n| !n.is_leaf())
                .all(|n| n.statistic >= 3.84)
        );
    }

    #[test]
    fn hazard_entropy_weights_count_like_repeated_rows() {
        let (enc, data) = synthetic(400, 9);
        let w: Vec<f64> = (0..400).map(|i| f64::from(1 + (i % 3) as u8)).collect();
        let rep: Vec<usize> = (0..400)
            .flat_map(|i| std::iter::repeat_n(i, 1 + i % 3))
            .collect();
        let p = entropy_params().min_rows_leaf(10.0);
        let a = p.fit(&enc, &data.clone().with_weights(w).unwrap()).unwrap();
        let b = p.fit(&enc.select(&rep), &data.select(&rep)).unwrap();
        assert!(a.n_nodes() > 3);
        assert_eq!(a.nodes().len(), b.nodes().len());
        for (x, y) in a.nodes().iter().zip(b.nodes()) {
            assert_eq!(
                (x.feature, x.weight, x.events),
                (y.feature, y.weight, y.events)
            );
            assert!((x.statistic - y.statistic).abs() < 1e-6 * y.statistic.max(1.0));
        }
    }

    #[test]
    fn bad_fits_are_refused() {
        let (enc, data) = synthetic(50, 8);
        let p = SurvivalTreeParams::new();
        assert!(matches!(p.fit_rows(&enc, &data, &[]), Err(Error::Fit(_))));
        assert!(p.fit_rows(&enc, &data, &[60]).is_err());
        assert!(p.fit(&enc.select(&[0, 1]), &data).is_err());
        let censored: Vec<usize> = (0..50).filter(|&i| !data.events()[i]).collect();
        assert!(matches!(
            p.fit_rows(&enc, &data, &censored),
            Err(Error::Fit(_))
        ));
        assert!(
            SurvivalTreeParams::new()
                .time_bins(0)
                .fit(&enc, &data)
                .is_err()
        );
        let zero = data.clone().with_weights(vec![0.0; 50]).unwrap();
        assert!(matches!(p.fit(&enc, &zero), Err(Error::Fit(_))));
    }
}
