//! Split criteria: how good is splitting a node on an attribute, given the node's
//! (value × class) count table.
//!
//! All criteria here share one entropy, Guiaşu's *weighted entropy* (Guiaşu 1971,
//! "Weighted entropy", Reports on Mathematical Physics 2(3)):
//!
//! ```text
//! H_w(S) = − Σ_k w_k · p_k · log2 p_k,      p_k = n_k / N
//! ```
//!
//! With all class weights `w_k = 1` it is Shannon's entropy `H(S)` as used by ID3. The
//! information gain of an attribute `A` with values `v` splitting `S` into `S_v` is
//!
//! ```text
//! Gain(A) = H_w(S) − Σ_v |S_v|/|S| · H_w(S_v)          (Quinlan 1986, "Induction of decision trees")
//! ```
//!
//! - [`Criterion::InformationGain`]: classic ID3, `score = Gain(A)`.
//! - [`Criterion::WeightedEntropy`]: `score = m_A · Gain_w(A)`, the "weighted-entropy ID3"
//!   of the churn literature (e.g. Li et al., *Computer Engineering and Applications*
//!   45(10), 2009): the attribute weight `m_A` counters ID3's bias toward attributes with
//!   many values (`m_A = 1/n_A`, with `n_A` the number of values of `A` present at the
//!   node), or carries an analyst's prior importance; class weights inside the entropy
//!   make a mistake on a churner cost more than one on a loyal customer.
//! - [`Criterion::GainRatio`]: C4.5 (Quinlan 1993, *C4.5: Programs for Machine
//!   Learning*): `score = Gain(A) / SplitInfo(A)` with
//!   `SplitInfo(A) = − Σ_v |S_v|/|S| log2(|S_v|/|S|)`, chosen only among attributes whose
//!   gain is at least the average gain of the candidates.
//!
//! # Computing entropies fast
//!
//! Writing `L(n) = n · log2 n`, an entropy of counts `n_k` with `N = Σ n_k` is
//!
//! ```text
//! H_w = ( (Σ_k w_k n_k) · log2 N − Σ_k w_k L(n_k) ) / N
//! ```
//!
//! For integer counts (unweighted rows) `L(n)` is read from a precomputed table
//! ([`NLogN`]) — the classic speed-up of ID3 implementations; weighted (fractional)
//! counts use exact `f64` arithmetic. Both agree with the direct formula to 1e-12.

use serde::{Deserialize, Serialize};

use crate::data::EncodedSchema;
use crate::error::{Error, Result};

/// Attribute weights `m_A` of the weighted-entropy criterion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub enum AttributeWeights {
    /// `m_A = 1` for every attribute (no correction).
    One,
    /// `m_A = 1 / n_A`, with `n_A` the number of values of `A` present (non-empty) at the
    /// node: the churn literature's correction of ID3's many-values bias.
    #[default]
    InverseValues,
    /// Analyst priors: `m_A` given per attribute name (expert knowledge); attributes not
    /// listed get 1. Each prior must be finite and non-negative.
    Priors(Vec<(String, f64)>),
}

/// Class weights `w_k` inside the (Guiaşu) entropy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub enum ClassWeights {
    /// `w_k = 1` (Shannon entropy).
    #[default]
    One,
    /// Inverse class frequency over the training rows: `w_k = N / (K · N_k)`
    /// (scikit-learn's `class_weight="balanced"`), so the rare churners weigh more.
    Balanced,
    /// One weight per class, in the order of the classes (churn order). Finite, ≥ 0.
    PerClass(Vec<f64>),
}

/// The weighted-entropy criterion's two weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct WeightedEntropy {
    /// Attribute weights `m_A` (default: `1/n_A`).
    pub attributes: AttributeWeights,
    /// Class weights `w_k` inside the entropy (default: 1).
    pub classes: ClassWeights,
}

impl WeightedEntropy {
    /// All weights 1: exactly classic ID3.
    pub fn unweighted() -> Self {
        WeightedEntropy {
            attributes: AttributeWeights::One,
            classes: ClassWeights::One,
        }
    }
}

/// Which split criterion a tree grows with (see the module docs for the formulas).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[non_exhaustive]
pub enum Criterion {
    /// Classic ID3 information gain (Quinlan 1986).
    #[default]
    InformationGain,
    /// Weighted-entropy ID3: attribute weights × class-weighted information gain.
    WeightedEntropy(WeightedEntropy),
    /// C4.5's gain ratio with the average-gain filter (Quinlan 1993).
    GainRatio,
}

impl Criterion {
    /// A short name for reports: `id3`, `id3-weighted`, `gain-ratio`.
    pub fn name(&self) -> &'static str {
        match self {
            Criterion::InformationGain => "id3",
            Criterion::WeightedEntropy(_) => "id3-weighted",
            Criterion::GainRatio => "gain-ratio",
        }
    }

    /// Checks parameters that do not depend on the data.
    pub fn validate(&self) -> Result<()> {
        if let Criterion::WeightedEntropy(w) = self {
            if let AttributeWeights::Priors(p) = &w.attributes {
                for (name, m) in p {
                    if !(m.is_finite() && *m >= 0.0) {
                        return Err(Error::param(
                            &format!("attribute prior '{name}'"),
                            m,
                            "must be finite and >= 0",
                        ));
                    }
                }
            }
            if let ClassWeights::PerClass(ws) = &w.classes
                && ws.iter().any(|x| !(x.is_finite() && *x >= 0.0))
            {
                return Err(Error::param(
                    "class weights",
                    format!("{ws:?}"),
                    "must be finite and >= 0",
                ));
            }
        }
        Ok(())
    }

    /// Resolves the weights against the data: `class_totals` are the training rows'
    /// weighted class counts.
    pub fn resolve(&self, schema: &EncodedSchema, class_totals: &[f64]) -> Result<Resolved> {
        self.validate()?;
        let k = schema.n_classes();
        let nf = schema.features.len();
        let (kind, attr, class_w) = match self {
            Criterion::InformationGain => (Kind::Gain, AttrMode::One, vec![1.0; k]),
            Criterion::GainRatio => (Kind::Ratio, AttrMode::One, vec![1.0; k]),
            Criterion::WeightedEntropy(w) => {
                let attr = match &w.attributes {
                    AttributeWeights::One => AttrMode::One,
                    AttributeWeights::InverseValues => AttrMode::InverseValues,
                    AttributeWeights::Priors(p) => {
                        let mut m = vec![1.0; nf];
                        for (name, v) in p {
                            let j = schema
                                .features
                                .iter()
                                .position(|f| &f.name == name)
                                .ok_or_else(|| {
                                    Error::param(
                                        "attribute prior",
                                        name,
                                        "names no feature of the training data",
                                    )
                                })?;
                            m[j] = *v;
                        }
                        AttrMode::Priors(m)
                    }
                };
                let cw = match &w.classes {
                    ClassWeights::One => vec![1.0; k],
                    ClassWeights::Balanced => {
                        let n: f64 = class_totals.iter().sum();
                        class_totals
                            .iter()
                            .map(|&c| if c > 0.0 { n / (k as f64 * c) } else { 0.0 })
                            .collect()
                    }
                    ClassWeights::PerClass(ws) => {
                        if ws.len() != k {
                            return Err(Error::param(
                                "class weights",
                                format!("{ws:?}"),
                                format!("need one weight per class ({k}: {:?})", schema.classes),
                            ));
                        }
                        ws.clone()
                    }
                };
                (Kind::Gain, attr, cw)
            }
        };
        let unit = class_w.iter().all(|&w| w == 1.0);
        Ok(Resolved {
            kind,
            attr,
            class_w,
            unit,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Gain,
    Ratio,
}

#[derive(Debug, Clone, PartialEq)]
enum AttrMode {
    One,
    InverseValues,
    Priors(Vec<f64>),
}

/// A split criterion: scores candidate splits of a node from their count tables and
/// picks the best. [`Resolved`] (a [`Criterion`] with its weights bound to the data)
/// implements it.
///
/// It is the one path the grower scores splits through: the splitter is generic over
/// this trait (statically dispatched, monomorphised for [`Resolved`], so it costs
/// nothing on the fit hot path) and calls [`candidate_counts`](Self::candidate_counts)
/// for unweighted rows — the integer fast path — and [`candidate`](Self::candidate)
/// for weighted ones.
pub trait SplitCriterion: Send + Sync {
    /// Impurity of a class-count vector (the node's entropy).
    fn impurity(&self, lg: &NLogN, class_counts: &[f64]) -> f64;

    /// Scores splitting on `feature` given its (value × class) table over the node's
    /// rows (`table.len() = n_values × k`, row-major). `missing` is the missing value's row of the table when C4.5's
    /// fractional policy keeps it out of the branches (None: every value is a branch).
    fn candidate(
        &self,
        lg: &NLogN,
        feature: usize,
        table: &[f64],
        k: usize,
        missing: Option<usize>,
    ) -> Candidate;

    /// [`candidate`](SplitCriterion::candidate) on a table of unweighted (integer)
    /// counts: the integer fast path the splitter takes for unweighted rows. Must give
    /// the same result as `candidate` on the table converted to `f64`; the default does
    /// exactly that conversion, [`Resolved`] scores the integers directly (bit for bit
    /// the same, without the float-to-index conversions of `L(n)` lookups).
    fn candidate_counts(
        &self,
        lg: &NLogN,
        feature: usize,
        table: &[u32],
        k: usize,
        missing: Option<usize>,
    ) -> Candidate {
        let t: Vec<f64> = table.iter().map(|&x| f64::from(x)).collect();
        self.candidate(lg, feature, &t, k, missing)
    }

    /// Picks the best candidate (index into `cands`), or None when no candidate is
    /// usable. Ties go to the lowest feature index.
    fn select(&self, cands: &[Candidate]) -> Option<usize> {
        argmax(cands)
    }
}

/// One scored candidate split.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    /// The feature.
    pub feature: usize,
    /// Information gain (class-weighted entropy, no attribute weight), times the known
    /// fraction under C4.5's missing policy.
    pub gain: f64,
    /// The criterion's score (what is maximised).
    pub score: f64,
    /// Number of non-empty branches.
    pub branches: usize,
    /// 0 for a multiway split (one branch per value); `t ≥ 1` for an ordered binary
    /// split of a numeric feature: codes `< t` left, the others right (missing apart).
    pub threshold: u16,
}

fn argmax(cands: &[Candidate]) -> Option<usize> {
    let mut best: Option<usize> = None;
    for (i, c) in cands.iter().enumerate() {
        if c.branches < 2 || !c.score.is_finite() {
            continue;
        }
        if best.is_none_or(|b| c.score > cands[b].score + 1e-12) {
            best = Some(i);
        }
    }
    best
}

/// A [`Criterion`] with its weights resolved against the training data.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    kind: Kind,
    attr: AttrMode,
    class_w: Vec<f64>,
    unit: bool,
}

impl Resolved {
    /// The class weights `w_k` in use.
    pub fn class_weights(&self) -> &[f64] {
        &self.class_w
    }

    /// [`SplitCriterion::candidate`] over a table of `f64` or integer counts (the same
    /// arithmetic in the same order, so both give the same bits on integer counts).
    #[inline]
    fn candidate_of<C: Cell>(
        &self,
        lg: &NLogN,
        feature: usize,
        table: &[C],
        k: usize,
        missing: Option<usize>,
    ) -> Candidate {
        let n_values = table.len() / k;
        // Parent over the branch rows (all rows, or the known ones under C4.5).
        let mut parent = [0.0f64; 16];
        let mut parent_v;
        let parent: &mut [f64] = if k <= 16 {
            &mut parent[..k]
        } else {
            parent_v = vec![0.0; k];
            &mut parent_v
        };
        let mut total = 0.0;
        let mut known_total = 0.0;
        let mut branches = 0;
        // Σ_v N_v·H_w(S_v) = Σ_v [W_v log2 N_v − Σ_k w_k L(n_vk)], W_v = Σ_k w_k n_vk
        // (= L(N_v) − Σ_k L(n_vk) with unit weights): no division per branch.
        let mut children = 0.0;
        let mut split_info_l = 0.0; // Σ_v L(N_v)
        for v in 0..n_values {
            let row = &table[v * k..(v + 1) * k];
            let Some((nv, lnv)) = C::total(row, lg) else {
                continue;
            };
            total += nv;
            if Some(v) == missing {
                split_info_l += lnv;
                continue;
            }
            known_total += nv;
            branches += 1;
            split_info_l += lnv;
            if self.unit {
                let mut s = 0.0;
                for (p, &x) in parent.iter_mut().zip(row) {
                    *p += x.f();
                    s += x.l(lg);
                }
                children += lnv - s;
            } else {
                let (mut wv, mut s) = (0.0, 0.0);
                for ((p, &x), &w) in parent.iter_mut().zip(row).zip(&self.class_w) {
                    *p += x.f();
                    wv += w * x.f();
                    s += w * x.l(lg);
                }
                children += wv * nv.log2() - s;
            }
        }
        if known_total <= 0.0 {
            return Candidate {
                feature,
                gain: 0.0,
                score: f64::NEG_INFINITY,
                branches: 0,
                threshold: 0,
            };
        }
        let h_parent = self.impurity(lg, parent);
        let raw = h_parent - children / known_total;
        // Round-off can make a zero gain slightly negative.
        let raw = if raw.abs() < 1e-12 { 0.0 } else { raw };
        let gain = raw * known_total / total;
        let score = match self.kind {
            Kind::Gain => {
                let m = match &self.attr {
                    AttrMode::One => 1.0,
                    AttrMode::InverseValues => 1.0 / branches as f64,
                    AttrMode::Priors(m) => m[feature],
                };
                m * gain
            }
            Kind::Ratio => {
                // SplitInfo = log2 N − Σ L(N_v)/N (missing as its own part, as C4.5).
                let si = total.log2() - split_info_l / total;
                if si > 1e-10 {
                    gain / si
                } else {
                    f64::NEG_INFINITY
                }
            }
        };
        Candidate {
            feature,
            gain,
            score,
            branches,
            threshold: 0,
        }
    }
}

impl SplitCriterion for Resolved {
    #[inline]
    fn impurity(&self, lg: &NLogN, c: &[f64]) -> f64 {
        if self.unit {
            lg.entropy(c)
        } else {
            lg.weighted_entropy(c, &self.class_w)
        }
    }

    fn candidate(
        &self,
        lg: &NLogN,
        feature: usize,
        table: &[f64],
        k: usize,
        missing: Option<usize>,
    ) -> Candidate {
        self.candidate_of(lg, feature, table, k, missing)
    }

    #[inline]
    fn candidate_counts(
        &self,
        lg: &NLogN,
        feature: usize,
        table: &[u32],
        k: usize,
        missing: Option<usize>,
    ) -> Candidate {
        self.candidate_of(lg, feature, table, k, missing)
    }

    fn select(&self, cands: &[Candidate]) -> Option<usize> {
        if self.kind == Kind::Gain {
            return argmax(cands);
        }
        // C4.5: only attributes with at least the average gain are considered.
        let usable: Vec<&Candidate> = cands.iter().filter(|c| c.branches >= 2).collect();
        if usable.is_empty() {
            return None;
        }
        let avg = usable.iter().map(|c| c.gain).sum::<f64>() / usable.len() as f64;
        let mut best: Option<usize> = None;
        for (i, c) in cands.iter().enumerate() {
            if c.branches < 2 || !c.score.is_finite() || c.gain < avg - 1e-12 {
                continue;
            }
            if best.is_none_or(|b| c.score > cands[b].score + 1e-12) {
                best = Some(i);
            }
        }
        best
    }
}

/// A cell of a count table: `f64` (weighted) or `u32` (unweighted) counts.
trait Cell: Copy {
    /// The count as `f64`.
    fn f(self) -> f64;
    /// `L(count)`.
    fn l(self, lg: &NLogN) -> f64;
    /// A row's total `N_v` and `L(N_v)`, or None for an empty row (`N_v ≤ 0`).
    fn total(row: &[Self], lg: &NLogN) -> Option<(f64, f64)>;
}

impl Cell for f64 {
    #[inline]
    fn f(self) -> f64 {
        self
    }
    #[inline]
    fn l(self, lg: &NLogN) -> f64 {
        lg.l(self)
    }
    #[inline]
    fn total(row: &[f64], lg: &NLogN) -> Option<(f64, f64)> {
        let nv: f64 = row.iter().sum();
        (nv > 0.0).then(|| (nv, lg.l(nv)))
    }
}

impl Cell for u32 {
    #[inline]
    fn f(self) -> f64 {
        f64::from(self)
    }
    #[inline]
    fn l(self, lg: &NLogN) -> f64 {
        lg.l_int(self)
    }
    #[inline]
    fn total(row: &[u32], lg: &NLogN) -> Option<(f64, f64)> {
        let nv: u32 = row.iter().sum();
        (nv > 0).then(|| (f64::from(nv), lg.l_int(nv)))
    }
}

/// A precomputed table of `L(n) = n · log2 n` for integer `n` below its size; other
/// arguments (fractional weighted counts, large counts) are computed exactly.
#[derive(Debug, Clone)]
pub struct NLogN {
    table: Vec<f64>,
}

impl NLogN {
    /// The largest table built: 4096 entries (32 KB) stay in cache; a bigger table is
    /// slower than a direct `log2` because its lookups miss the cache. Larger counts
    /// occur near the root only, where they are few.
    pub const MAX: usize = 1 << 12;

    /// A table for integer counts `0..size` (capped at [`NLogN::MAX`]).
    pub fn new(size: usize) -> Self {
        let size = size.clamp(2, Self::MAX);
        let table = (0..size)
            .map(|n| {
                let x = n as f64;
                if n == 0 { 0.0 } else { x * x.log2() }
            })
            .collect();
        NLogN { table }
    }

    /// `L(n) = n log2 n` (0 for n = 0).
    #[inline]
    pub fn l(&self, n: f64) -> f64 {
        let i = n as usize;
        if i as f64 == n && i < self.table.len() {
            self.table[i]
        } else if n <= 0.0 {
            0.0
        } else {
            n * n.log2()
        }
    }

    /// `L(n)` of an integer count (the same value as [`NLogN::l`] of it as `f64`).
    #[inline]
    pub fn l_int(&self, n: u32) -> f64 {
        match self.table.get(n as usize) {
            Some(&x) => x,
            None => {
                let x = f64::from(n);
                x * x.log2()
            }
        }
    }

    /// Shannon entropy (bits) of counts: `(L(N) − Σ L(n_k)) / N`.
    #[inline]
    pub fn entropy(&self, counts: &[f64]) -> f64 {
        let n: f64 = counts.iter().sum();
        if n <= 0.0 {
            return 0.0;
        }
        let s: f64 = counts.iter().map(|&c| self.l(c)).sum();
        ((self.l(n) - s) / n).max(0.0)
    }

    /// Guiaşu's weighted entropy of counts: `((Σ w_k n_k) log2 N − Σ w_k L(n_k)) / N`.
    #[inline]
    pub fn weighted_entropy(&self, counts: &[f64], w: &[f64]) -> f64 {
        let n: f64 = counts.iter().sum();
        if n <= 0.0 {
            return 0.0;
        }
        let mut wn = 0.0;
        let mut s = 0.0;
        for (&c, &wk) in counts.iter().zip(w) {
            wn += wk * c;
            s += wk * self.l(c);
        }
        ((wn * n.log2() - s) / n).max(0.0)
    }
}

/// Direct entropy `− Σ w_k p_k log2 p_k` (the reference the fast forms are tested
/// against).
#[cfg(test)]
pub(crate) fn entropy_direct(counts: &[f64], w: &[f64]) -> f64 {
    let n: f64 = counts.iter().sum();
    if n <= 0.0 {
        return 0.0;
    }
    counts
        .iter()
        .zip(w)
        .filter(|(c, _)| **c > 0.0)
        .map(|(&c, &wk)| {
            let p = c / n;
            -wk * p * p.log2()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::EncodedFeature;

    fn schema(k: usize) -> EncodedSchema {
        EncodedSchema {
            features: vec![EncodedFeature {
                name: "a".into(),
                levels: vec!["x".into(), "y".into(), "z".into()].into(),
                numeric: false,
            }],
            classes: (0..k).map(|i| format!("c{i}")).collect(),
        }
    }

    #[test]
    fn table_entropy_matches_direct_to_1e12() {
        let lg = NLogN::new(10_000);
        let cases: &[&[f64]] = &[
            &[9.0, 5.0],
            &[0.0, 7.0],
            &[1.0, 1.0, 1.0],
            &[3.0, 0.0, 500.0, 9999.0],
            &[70_000.0, 12.0],
            &[2.5, 0.25, 7.125],
        ];
        for c in cases {
            let ones = vec![1.0; c.len()];
            assert!(
                (lg.entropy(c) - entropy_direct(c, &ones)).abs() < 1e-12,
                "{c:?}"
            );
            let w: Vec<f64> = (0..c.len()).map(|i| 0.5 + i as f64).collect();
            assert!(
                (lg.weighted_entropy(c, &w) - entropy_direct(c, &w)).abs() < 1e-12,
                "{c:?}"
            );
        }
        // Quinlan's play-tennis root: H(9+, 5−) = 0.940.
        assert!((lg.entropy(&[9.0, 5.0]) - 0.940_285_958_670_631).abs() < 1e-12);
    }

    #[test]
    fn resolve_checks_weights() {
        let s = schema(2);
        let bad = Criterion::WeightedEntropy(WeightedEntropy {
            attributes: AttributeWeights::Priors(vec![("nope".into(), 1.0)]),
            classes: ClassWeights::One,
        });
        assert!(bad.resolve(&s, &[1.0, 1.0]).is_err());
        let neg = Criterion::WeightedEntropy(WeightedEntropy {
            attributes: AttributeWeights::Priors(vec![("a".into(), -1.0)]),
            classes: ClassWeights::One,
        });
        assert!(neg.validate().is_err());
        let wrong_len = Criterion::WeightedEntropy(WeightedEntropy {
            attributes: AttributeWeights::One,
            classes: ClassWeights::PerClass(vec![1.0, 2.0, 3.0]),
        });
        assert!(wrong_len.resolve(&s, &[1.0, 1.0]).is_err());
        let bal = Criterion::WeightedEntropy(WeightedEntropy {
            attributes: AttributeWeights::One,
            classes: ClassWeights::Balanced,
        })
        .resolve(&s, &[75.0, 25.0])
        .unwrap();
        assert_eq!(bal.class_weights(), &[100.0 / 150.0, 2.0]);
    }

    #[test]
    fn inverse_values_divides_the_gain() {
        let s = schema(2);
        let lg = NLogN::new(100);
        let table = [4.0, 0.0, 0.0, 4.0, 2.0, 2.0, 0.0, 0.0];
        let plain = Criterion::InformationGain.resolve(&s, &[6.0, 6.0]).unwrap();
        let w = Criterion::WeightedEntropy(WeightedEntropy::default())
            .resolve(&s, &[6.0, 6.0])
            .unwrap();
        let a = plain.candidate(&lg, 0, &table, 2, None);
        let b = w.candidate(&lg, 0, &table, 2, None);
        assert_eq!(a.branches, 3);
        assert!((a.gain - b.gain).abs() < 1e-15);
        assert!((b.score - a.gain / 3.0).abs() < 1e-15);
        // Gain = 1 − (4·0 + 4·0 + 4·1)/12 = 2/3.
        assert!((a.gain - 2.0 / 3.0).abs() < 1e-12);
    }
}
