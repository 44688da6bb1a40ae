//! [`Discretizer`]: the fitted preprocessing that turns a [`Table`] into [`Encoded`]
//! codes. Fitted on training rows only, stored inside a model, applied to any later rows.
//!
//! - Categorical features keep the levels seen in the training rows; a level never seen
//!   in training is encoded as missing (and counted in the [`EncodeReport`]).
//! - Numeric features are cut into bins. A cut list `c_1 < … < c_{k-1}` gives `k` bins;
//!   a value `x` gets the code `#{j : c_j <= x}`, so bin `j` is `[c_j, c_{j+1})`, and
//!   values outside the training range fall into the end bins. Missing stays missing.

use std::collections::HashMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::cell;
use super::encoded::{Codes, Encoded, EncodedFeature, EncodedSchema, MAX_LEVELS};
use super::schema::Levels;
use super::table::{Column, MISSING_LEVEL, Table};
use crate::error::{Error, Result};

/// How numeric features are cut into bins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Binning {
    /// Equal-frequency bins: `bins` bins holding (as nearly as ties allow) the same
    /// number of training rows each.
    EqualFrequency {
        /// Number of bins (at least 1).
        bins: usize,
    },
    /// Supervised entropy-based discretization with the MDL stopping rule
    /// (Fayyad & Irani 1993), kept between `min_bins` and `max_bins` bins.
    Mdl {
        /// At least this many bins (falls back to equal-frequency cuts when MDL
        /// accepts fewer).
        min_bins: usize,
        /// At most this many bins.
        max_bins: usize,
    },
}

impl Default for Binning {
    /// MDL with 1 to 16 bins.
    fn default() -> Self {
        Binning::Mdl {
            min_bins: 1,
            max_bins: 16,
        }
    }
}

impl Binning {
    /// Checks the parameters.
    pub fn validate(&self) -> Result<()> {
        match *self {
            Binning::EqualFrequency { bins } if bins == 0 || bins > 255 => {
                Err(Error::param("bins", bins, "must be in 1..=255"))
            }
            Binning::Mdl { min_bins, max_bins }
                if min_bins == 0 || max_bins < min_bins || max_bins > 255 =>
            {
                Err(Error::param(
                    "min_bins..max_bins",
                    format!("{min_bins}..{max_bins}"),
                    "need 1 <= min_bins <= max_bins <= 255",
                ))
            }
            _ => Ok(()),
        }
    }
}

/// How one feature is encoded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum FeatureEncoder {
    /// A categorical feature and the levels seen in training.
    Categorical {
        /// The column's name.
        name: String,
        /// Levels seen in the training rows (their codes are their positions); shared
        /// with the discretizer's [`EncodedSchema`] and the model's schema.
        levels: Levels,
    },
    /// A numeric feature and its cut points.
    Numeric {
        /// The column's name.
        name: String,
        /// Increasing cut points.
        cuts: Vec<f64>,
    },
}

impl FeatureEncoder {
    /// The column's name.
    pub fn name(&self) -> &str {
        match self {
            FeatureEncoder::Categorical { name, .. } | FeatureEncoder::Numeric { name, .. } => name,
        }
    }
}

/// What encoding a table met that the caller may want to know.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EncodeReport {
    /// Per feature (by name), how many cells held a category never seen in training and
    /// were encoded as missing.
    pub unseen: Vec<(String, usize)>,
}

/// The fitted preprocessing: one [`FeatureEncoder`] per feature.
///
/// Serialized as its encoders, binning and class names; the [`EncodedSchema`] is
/// derived from them when read (model files before format version 4 stored it too,
/// see [`compat`](crate::data::compat)).
#[derive(Debug, Clone, PartialEq)]
pub struct Discretizer {
    encoders: Vec<FeatureEncoder>,
    binning: Binning,
    schema: Arc<EncodedSchema>,
}

/// What a [`Discretizer`] writes (model format 4 on).
#[derive(Serialize)]
struct DiscretizerOut<'a> {
    encoders: &'a [FeatureEncoder],
    binning: &'a Binning,
    classes: &'a [String],
}

/// What a [`Discretizer`] reads (model format 4 on).
#[derive(Deserialize)]
struct DiscretizerIn {
    encoders: Vec<FeatureEncoder>,
    binning: Binning,
    classes: Vec<String>,
}

/// The layout of model formats 1–3: the derived schema stored too (compared with the
/// derived one by [`Discretizer::validate`]).
#[derive(Deserialize)]
struct DiscretizerV3 {
    encoders: Vec<FeatureEncoder>,
    binning: Binning,
    schema: Arc<EncodedSchema>,
}

impl Serialize for Discretizer {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        DiscretizerOut {
            encoders: &self.encoders,
            binning: &self.binning,
            classes: &self.schema.classes,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Discretizer {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        if crate::data::compat::legacy_layout() {
            let r = DiscretizerV3::deserialize(d)?;
            Ok(Discretizer {
                encoders: r.encoders,
                binning: r.binning,
                schema: r.schema,
            })
        } else {
            let r = DiscretizerIn::deserialize(d)?;
            Ok(Discretizer::from_encoders(r.encoders, r.binning, r.classes))
        }
    }
}

/// Appends a cut point compactly: Rust's shortest round-trip form (`{x}`, no
/// trailing zeros), or 4 decimals when that is longer than 10 characters.
fn push_cut(out: &mut String, x: f64) {
    use std::fmt::Write as _;
    let start = out.len();
    if !push_short_decimal(out, x) {
        // Writing to a String cannot fail.
        let _ = write!(out, "{x}");
    }
    if out.len() - start > 10 {
        out.truncate(start);
        let _ = write!(out, "{x:.4}");
    }
}

/// Appends `x` as `{x}` would write it when it is a decimal of at most 4 places below
/// 10⁹ in magnitude (most cut points: the data's own values), without the general
/// float formatter; false (nothing written) otherwise.
///
/// With `m = round(x·10ᵏ)` for the smallest such `k` where `m / 10ᵏ == x`: `m` and
/// `10ᵏ` are exact and the division is correctly rounded, so the decimal `m·10⁻ᵏ`
/// reads back as `x`; below 10⁹ the spacing of doubles is far under 10⁻⁴, so no other
/// decimal of at most `k` places does, and it is the shortest round-trip form.
fn push_short_decimal(out: &mut String, x: f64) -> bool {
    const SCALE: [f64; 5] = [1.0, 10.0, 100.0, 1_000.0, 10_000.0];
    // Zero (and -0) and large or non-finite values take the general path.
    if x == 0.0 || x.is_nan() || x.abs() >= 1e9 {
        return false;
    }
    for (places, &p) in SCALE.iter().enumerate() {
        let m = (x * p).round();
        if m / p != x {
            continue;
        }
        // |m| < 10^13: exact as an integer.
        let digits = m.abs() as u64;
        let mut tmp = [0u8; 24];
        let mut i = tmp.len();
        let mut d = digits;
        let mut written = 0;
        while d > 0 || written <= places {
            if written == places && places > 0 {
                i -= 1;
                tmp[i] = b'.';
            }
            i -= 1;
            tmp[i] = b'0' + (d % 10) as u8;
            d /= 10;
            written += 1;
        }
        if x < 0.0 {
            out.push('-');
        }
        // Only ASCII digits and a point were written.
        out.push_str(std::str::from_utf8(&tmp[i..]).unwrap_or_default());
        return true;
    }
    false
}

/// The texts of a feature's cut points, each formatted once: `buf` holds them one
/// after the other, `ends[i]` where the i-th ends (both cleared first, reused across
/// features).
fn format_cuts(cuts: &[f64], buf: &mut String, ends: &mut Vec<usize>) {
    buf.clear();
    ends.clear();
    for &c in cuts {
        push_cut(buf, c);
        ends.push(buf.len());
    }
}

/// The i-th text of [`format_cuts`].
fn cut_text<'a>(buf: &'a str, ends: &[usize], i: usize) -> &'a str {
    let start = if i == 0 { 0 } else { ends[i - 1] };
    &buf[start..ends[i]]
}

/// The interval labels of a numeric feature with these cut points: `< c₀`,
/// `[c₀, c₁)`, …, `>= cₖ` (`any` without cuts).
#[cfg(test)]
fn interval_labels(cuts: &[f64]) -> Vec<String> {
    interval_labels_with(cuts, &mut String::new(), &mut Vec::new())
}

/// [`interval_labels`] with the scratch buffers of [`format_cuts`]: one allocation
/// per label.
fn interval_labels_with(cuts: &[f64], buf: &mut String, ends: &mut Vec<usize>) -> Vec<String> {
    if cuts.is_empty() {
        return vec!["any".into()];
    }
    format_cuts(cuts, buf, ends);
    let text = |i| cut_text(buf, ends, i);
    let n = cuts.len();
    let mut out = Vec::with_capacity(n + 1);
    let mut first = String::with_capacity(2 + text(0).len());
    first.push_str("< ");
    first.push_str(text(0));
    out.push(first);
    for i in 1..n {
        let (a, b) = (text(i - 1), text(i));
        let mut l = String::with_capacity(a.len() + b.len() + 4);
        l.push('[');
        l.push_str(a);
        l.push_str(", ");
        l.push_str(b);
        l.push(')');
        out.push(l);
    }
    let mut last = String::with_capacity(3 + text(n - 1).len());
    last.push_str(">= ");
    last.push_str(text(n - 1));
    out.push(last);
    out
}

/// True when `levels` are exactly the [`interval_labels`] of `cuts`, compared piece
/// by piece without building them (the scratch buffers as in [`format_cuts`]).
fn labels_match(cuts: &[f64], levels: &[String], buf: &mut String, ends: &mut Vec<usize>) -> bool {
    if cuts.is_empty() {
        return levels.len() == 1 && levels[0] == "any";
    }
    if levels.len() != cuts.len() + 1 {
        return false;
    }
    format_cuts(cuts, buf, ends);
    let text = |i| cut_text(buf, ends, i);
    let n = cuts.len();
    let is = |level: &str, parts: &[&str]| {
        let mut rest = level;
        for p in parts {
            match rest.strip_prefix(p) {
                Some(r) => rest = r,
                None => return false,
            }
        }
        rest.is_empty()
    };
    is(&levels[0], &["< ", text(0)])
        && (1..n).all(|i| is(&levels[i], &["[", text(i - 1), ", ", text(i), ")"]))
        && is(&levels[n], &[">= ", text(n - 1)])
}

/// The code of each of a table's levels (`table_levels`, by position) among a
/// model's levels `ours` (matched by name; the first of a repeated level wins), or
/// `absent` for a level the model does not have. Hashed: linear in the levels.
pub(crate) fn level_map(ours: &[String], table_levels: &[String], absent: u16) -> Vec<u16> {
    let ours: HashMap<&str, u16> = ours
        .iter()
        .enumerate()
        .rev()
        .map(|(p, m)| (m.as_str(), p as u16))
        .collect();
    table_levels
        .iter()
        .map(|l| ours.get(l.as_str()).copied().unwrap_or(absent))
        .collect()
}

/// A table level the model never saw, in [`Discretizer::encode_rows`]'s level map.
const UNSEEN: u16 = u16::MAX;

/// The codes `code(r)` of `rows`, stored in `u8` when [`Codes::fits_u8`] (as
/// [`Codes::from_u16`] would store them, without the `u16` detour).
fn collect_codes(rows: &[usize], cardinality: usize, code: impl Fn(usize) -> u16) -> Codes {
    if Codes::fits_u8(cardinality) {
        Codes::U8(rows.iter().map(|&r| code(r) as u8).collect())
    } else {
        Codes::U16(rows.iter().map(|&r| code(r)).collect())
    }
}

/// Equal-frequency cut points over sorted, non-missing values: cuts at the values where
/// the running count crosses `i·n/bins`, de-duplicated, so ties never split.
///
/// The values are grouped into distinct values and their row counts
/// ([`group_sorted`]) and cut by [`equal_frequency_cuts_grouped`]: the same cuts as
/// from a summary `(value, rows)` taken by a query.
pub fn equal_frequency_cuts(sorted: &[f64], bins: usize) -> Vec<f64> {
    let (values, counts) = group_sorted(sorted);
    equal_frequency_cuts_grouped(&values, &counts, bins)
}

/// The distinct values of sorted values (equal under `==`, so `-0` and `0` are one
/// value, written as the first of them) and the number of rows holding each.
pub fn group_sorted(sorted: &[f64]) -> (Vec<f64>, Vec<u64>) {
    let mut values: Vec<f64> = Vec::new();
    let mut counts: Vec<u64> = Vec::new();
    for &x in sorted {
        match values.last() {
            Some(&v) if v == x => {
                if let Some(c) = counts.last_mut() {
                    *c += 1;
                }
            }
            _ => {
                values.push(x);
                counts.push(1);
            }
        }
    }
    (values, counts)
}

/// Equal-frequency cut points from a summary of a numeric column: its distinct values
/// `values` (ascending, pairwise different) and the number of rows `counts[g]` holding
/// `values[g]`; `n = Σ counts`.
///
/// For each `i` in `1..bins`, the sorted position `pos = ⌊i·n / bins⌋` (skipped when
/// `0` or `n`) falls in the group `g` with `C_g <= pos < C_{g+1}` (`C_g` = rows
/// before group `g`). At the start of a group (`pos = C_g`) the cut is `values[g]`;
/// inside one it moves to the next change of value, `values[g + 1]` (none after the
/// last group), so ties never split; cuts are kept strictly increasing. These are
/// exactly the cuts of the row-by-row rule of [`equal_frequency_cuts`], which calls
/// this function; the raw-Parquet engine path calls it with
/// `SELECT x, COUNT(*) … GROUP BY x` summaries.
pub fn equal_frequency_cuts_grouped(values: &[f64], counts: &[u64], bins: usize) -> Vec<f64> {
    let n: u64 = counts.iter().sum();
    let mut cuts: Vec<f64> = Vec::new();
    if n == 0 || bins <= 1 || values.len() != counts.len() {
        return cuts;
    }
    let (mut g, mut before) = (0usize, 0u64);
    for i in 1..bins as u64 {
        let pos = i * n / bins as u64;
        if pos == 0 || pos >= n {
            continue;
        }
        // Advance to the group holding `pos`.
        while g < values.len() && before + counts[g] <= pos {
            before += counts[g];
            g += 1;
        }
        let at = if pos == before { g } else { g + 1 };
        let Some(&cut) = values.get(at) else {
            continue;
        };
        if cuts.last().is_none_or(|&c| cut > c) {
            cuts.push(cut);
        }
    }
    cuts
}

/// Entropy in bits of a (weighted) class-count vector: `Ent(S) = -Σ_c p_c log2 p_c`
/// with `p_c = n_c / Σ n`. Zero for an empty or pure vector.
fn entropy(counts: &[f64]) -> f64 {
    let n: f64 = counts.iter().sum();
    if n <= 0.0 {
        return 0.0;
    }
    counts
        .iter()
        .filter(|&&c| c > 0.0)
        .map(|&c| {
            let p = c / n;
            -p * p.log2()
        })
        .sum()
}

/// Number of classes with a positive count.
fn n_present(counts: &[f64]) -> usize {
    counts.iter().filter(|&&c| c > 0.0).count()
}

/// The MDL test of Fayyad & Irani (1993) for cutting a set `S` (class counts `total`)
/// into `S1` (`left`) and `S2` (`right`): returns `(accept, gain)` where
/// `gain = Ent(S) - (|S1| Ent(S1) + |S2| Ent(S2)) / |S|` and the cut is accepted iff
///
/// `gain > log2(N - 1) / N + Δ / N`, with
/// `Δ = log2(3^k - 2) - [k·Ent(S) - k1·Ent(S1) - k2·Ent(S2)]`,
///
/// `N = |S|` (weighted), and `k`, `k1`, `k2` the numbers of classes present in `S`,
/// `S1`, `S2`. A set of weight `N <= 1` is never cut.
pub fn mdl_accepts(total: &[f64], left: &[f64], right: &[f64]) -> (bool, f64) {
    let n: f64 = total.iter().sum();
    let n1: f64 = left.iter().sum();
    let n2: f64 = right.iter().sum();
    if n <= 1.0 || n1 <= 0.0 || n2 <= 0.0 {
        return (false, 0.0);
    }
    let (e, e1, e2) = (entropy(total), entropy(left), entropy(right));
    let gain = e - (n1 * e1 + n2 * e2) / n;
    let (k, k1, k2) = (
        n_present(total) as f64,
        n_present(left) as f64,
        n_present(right) as f64,
    );
    let delta = (3f64.powf(k) - 2.0).log2() - (k * e - k1 * e1 - k2 * e2);
    let threshold = ((n - 1.0).log2() + delta) / n;
    (gain > threshold, gain)
}

/// The best MDL-accepted cut of the distinct-value groups `lo..hi`, as
/// `(t, score)`: cut before group `t`, `score = N·Gain` (the class information the cut
/// saves, in weighted bits). `prefix[i*k + c]` is the weight of class `c` in groups
/// `< i`.
fn best_mdl_cut(prefix: &[f64], k: usize, lo: usize, hi: usize) -> Option<(usize, f64)> {
    if hi < lo + 2 {
        return None;
    }
    let total: Vec<f64> = (0..k)
        .map(|c| prefix[hi * k + c] - prefix[lo * k + c])
        .collect();
    let n: f64 = total.iter().sum();
    let mut left = vec![0.0; k];
    let mut right = vec![0.0; k];
    // The single class of group `g`, if it is pure.
    let pure = |g: usize| -> Option<usize> {
        let mut only = None;
        for c in 0..k {
            if prefix[(g + 1) * k + c] - prefix[g * k + c] > 0.0 {
                if only.is_some() {
                    return None;
                }
                only = Some(c);
            }
        }
        only
    };
    let mut best: Option<(usize, f64)> = None;
    for t in lo + 1..hi {
        // Only boundary points can minimise the class entropy (Fayyad & Irani 1992):
        // skip a cut between two groups that are pure in the same class.
        if let (Some(a), Some(b)) = (pure(t - 1), pure(t))
            && a == b
        {
            continue;
        }
        for c in 0..k {
            left[c] = prefix[t * k + c] - prefix[lo * k + c];
            right[c] = total[c] - left[c];
        }
        let n1: f64 = left.iter().sum();
        let e = (n1 * entropy(&left) + (n - n1) * entropy(&right)) / n;
        if best.is_none_or(|(_, be)| e < be) {
            best = Some((t, e));
        }
    }
    let (t, _) = best?;
    for c in 0..k {
        left[c] = prefix[t * k + c] - prefix[lo * k + c];
        right[c] = total[c] - left[c];
    }
    let (accept, gain) = mdl_accepts(&total, &left, &right);
    accept.then_some((t, n * gain))
}

/// An interval of distinct-value groups `lo..hi` and its best accepted cut, if any.
type OpenInterval = (usize, usize, Option<(usize, f64)>);

/// Supervised MDL cut points (Fayyad & Irani 1993) from the class counts of a
/// numeric column by distinct value, with at most `max_bins` bins.
///
/// `values` are the distinct values, ascending; `cumulative[g * k + c]` (`k =
/// n_classes`, `g` in `0..=values.len()`) is the weight of class `c` among the rows
/// whose value is below `values[g]` (the counting contract's
/// `count::ValueClassCounts`, which `count::mdl_cuts` computes from rows). This
/// function only reads counts: it counts nothing itself.
///
/// Recursive minimal-entropy partitioning: an interval `S` is cut at the boundary point
/// that minimises the weighted class entropy of the two sides, and the cut is kept iff
/// it passes the MDL test (see [`mdl_accepts`]):
///
/// `Gain(A, T; S) > log2(N - 1) / N + Δ(A, T; S) / N`,
/// `Δ = log2(3^k - 2) - [k·Ent(S) - k1·Ent(S1) - k2·Ent(S2)]`.
///
/// Counts are weighted (weights act as frequencies, so `N` is the total weight). Each
/// interval is searched in one pass over its distinct values with prefix class counts,
/// so fitting costs `O(n log n)` for the sort plus `O(d·k)` per level of recursion
/// (`d` distinct values, `k` classes).
///
/// **The `max_bins` cap.** Intervals are cut best-first: among all intervals whose best
/// cut passes the MDL test, the one whose cut saves the most class information
/// (`N_S · Gain`, weighted bits) is cut next. Without the cap this yields exactly the
/// cuts of the recursive procedure; with it, the `max_bins - 1` cuts kept are those that
/// reduce total class entropy the most (a cut inside an interval is only a candidate
/// once that interval exists).
///
/// A cut is reported as the smallest value on its right side, so a value `x` goes to
/// bin `#{cuts <= x}`.
///
/// Reference: U. M. Fayyad and K. B. Irani, "Multi-interval discretization of
/// continuous-valued attributes for classification learning", IJCAI 1993, 1022–1027.
pub fn mdl_cut_points(
    values: &[f64],
    cumulative: &[f64],
    n_classes: usize,
    max_bins: usize,
) -> Result<Vec<f64>> {
    if max_bins == 0 {
        return Err(Error::param("max_bins", 0, "must be at least 1"));
    }
    let k = n_classes;
    if cumulative.len() != (values.len() + 1) * k {
        return Err(Error::param(
            "cumulative",
            cumulative.len(),
            format!(
                "need (distinct values + 1) × classes = {}",
                (values.len() + 1) * k
            ),
        ));
    }
    let prefix = cumulative;
    let d = values.len();
    let mut cut_at: Vec<usize> = Vec::new();
    // Intervals (lo, hi) with their best accepted cut, if any.
    let mut open: Vec<OpenInterval> = vec![(0, d, best_mdl_cut(prefix, k, 0, d))];
    while cut_at.len() + 1 < max_bins {
        let pick = open
            .iter()
            .enumerate()
            .filter_map(|(i, iv)| iv.2.map(|(_, s)| (i, s)))
            .fold(None, |best: Option<(usize, f64)>, (i, s)| match best {
                Some((_, bs)) if bs >= s => best,
                _ => Some((i, s)),
            });
        let Some((i, _)) = pick else { break };
        let (lo, hi, cut) = open.swap_remove(i);
        let Some((t, _)) = cut else { break };
        cut_at.push(t);
        open.push((lo, t, best_mdl_cut(prefix, k, lo, t)));
        open.push((t, hi, best_mdl_cut(prefix, k, t, hi)));
    }
    cut_at.sort_unstable();
    Ok(cut_at.into_iter().map(|t| values[t]).collect())
}

impl Discretizer {
    // `Discretizer::fit` lives in `count` (src/count/discretize.rs): the MDL cut
    // points are chosen from class counts, and every count goes through the counting
    // contract, which sits above the data layer.

    /// A discretizer from encoders given directly (e.g. cut points chosen by hand).
    pub fn from_encoders(
        encoders: Vec<FeatureEncoder>,
        binning: Binning,
        classes: Vec<String>,
    ) -> Self {
        // Scratch buffers for the cut texts, shared by all features.
        let (mut buf, mut ends) = (String::new(), Vec::new());
        let features = encoders
            .iter()
            .map(|e| match e {
                FeatureEncoder::Categorical { name, levels } => EncodedFeature {
                    name: name.clone(),
                    levels: levels.clone(), // shared, not copied
                    numeric: false,
                },
                FeatureEncoder::Numeric { name, cuts } => EncodedFeature {
                    name: name.clone(),
                    levels: interval_labels_with(cuts, &mut buf, &mut ends).into(),
                    numeric: true,
                },
            })
            .collect();
        Discretizer {
            encoders,
            binning,
            schema: Arc::new(EncodedSchema { features, classes }),
        }
    }

    /// The encoders, one per feature.
    pub fn encoders(&self) -> &[FeatureEncoder] {
        &self.encoders
    }

    /// The binning the numeric features were fitted with.
    pub fn binning(&self) -> &Binning {
        &self.binning
    }

    /// The meaning of the codes this discretizer produces.
    pub fn schema(&self) -> &Arc<EncodedSchema> {
        &self.schema
    }

    /// The cut points of a numeric feature (None for a categorical one).
    pub fn cuts(&self, feature: usize) -> Option<&[f64]> {
        match &self.encoders[feature] {
            FeatureEncoder::Numeric { cuts, .. } => Some(cuts),
            FeatureEncoder::Categorical { .. } => None,
        }
    }

    /// Encodes every row of `table`.
    pub fn encode(&self, table: &Table) -> Result<Encoded> {
        self.encode_rows(table, &table.all_rows()).map(|(e, _)| e)
    }

    /// Encodes `rows` of `table` (features matched by name, so the column order may
    /// differ from training), reporting categories never seen in training (encoded as
    /// missing).
    pub fn encode_rows(&self, table: &Table, rows: &[usize]) -> Result<(Encoded, EncodeReport)> {
        let tschema = table.schema();
        if tschema.target.classes != self.schema.classes {
            return Err(Error::schema(format!(
                "table classes {:?} differ from the model's {:?}",
                tschema.target.classes, self.schema.classes
            )));
        }
        // The table's column of each encoder (matched by name; the name index is built
        // only when a column is not where the model had it, so this stays linear in
        // the number of columns), checked before any row is encoded.
        let mut by_name: Option<HashMap<&str, usize>> = None;
        let mut sources = Vec::with_capacity(self.encoders.len());
        for (k, enc) in self.encoders.iter().enumerate() {
            let name = enc.name();
            let j = match tschema.features.get(k) {
                Some(f) if f.name == name => Some(k),
                _ => by_name
                    .get_or_insert_with(|| tschema.name_index())
                    .get(name)
                    .copied(),
            }
            .ok_or_else(|| Error::Schema {
                location: crate::error::Location::default().at_column(name),
                message: "the model needs this column but the data has none".into(),
            })?;
            if let (FeatureEncoder::Numeric { .. }, Column::Categorical(_)) = (enc, table.column(j))
            {
                return Err(Error::Schema {
                    location: crate::error::Location::default().at_column(name),
                    message: "the model expects numbers but the column holds text".into(),
                });
            }
            sources.push(j);
        }
        // Columns are independent: encoded in parallel, in `u8` directly when the
        // feature's codes fit in a byte.
        use rayon::prelude::*;
        let encoded: Vec<(Codes, usize)> = self
            .encoders
            .par_iter()
            .zip(self.schema.features.par_iter())
            .zip(sources.par_iter())
            .map(|((enc, ef), &j)| {
                let missing = ef.missing_code();
                let unseen = std::cell::Cell::new(0usize);
                let codes = match (enc, table.column(j)) {
                    (FeatureEncoder::Categorical { levels, .. }, Column::Categorical(src)) => {
                        // Map the table's level codes to ours once, not per row.
                        let map = level_map(levels, tschema.features[j].levels(), UNSEEN);
                        collect_codes(rows, ef.cardinality(), |r| {
                            let c = src[r];
                            if c == MISSING_LEVEL {
                                return missing;
                            }
                            match map[c as usize] {
                                UNSEEN => {
                                    unseen.set(unseen.get() + 1);
                                    missing
                                }
                                code => code,
                            }
                        })
                    }
                    (FeatureEncoder::Numeric { cuts, .. }, Column::Numeric(src)) => {
                        // The bin is the number of cuts at or below x (cuts are
                        // sorted, so this is `partition_point(|c| c <= x)`), counted
                        // without branches for the usual few dozen cuts.
                        if cuts.len() <= 64 {
                            collect_codes(rows, ef.cardinality(), |r| {
                                let x = src[r];
                                if x.is_nan() {
                                    missing
                                } else {
                                    cuts.iter().map(|&c| (c <= x) as u16).sum()
                                }
                            })
                        } else {
                            collect_codes(rows, ef.cardinality(), |r| {
                                let x = src[r];
                                if x.is_nan() {
                                    missing
                                } else {
                                    cuts.partition_point(|&c| c <= x) as u16
                                }
                            })
                        }
                    }
                    (FeatureEncoder::Categorical { levels, .. }, Column::Numeric(src)) => {
                        // A categorical column that happened to parse as numbers (e.g.
                        // all "1"/"0" in a small scoring file): match by the number
                        // each level reads as, parsed once here rather than per row.
                        let numbers: Vec<Option<f64>> =
                            levels.iter().map(|m| cell::level_as_number(m)).collect();
                        collect_codes(rows, ef.cardinality(), |r| {
                            let x = src[r];
                            if x.is_nan() {
                                return missing;
                            }
                            numbers
                                .iter()
                                .position(|m| *m == Some(x))
                                .map(|p| p as u16)
                                .unwrap_or_else(|| {
                                    unseen.set(unseen.get() + 1);
                                    missing
                                })
                        })
                    }
                    (FeatureEncoder::Numeric { .. }, Column::Categorical(_)) => {
                        unreachable!("checked above")
                    }
                };
                (codes, unseen.get())
            })
            .collect();
        let mut report = EncodeReport::default();
        let mut columns = Vec::with_capacity(encoded.len());
        for ((codes, unseen), enc) in encoded.into_iter().zip(&self.encoders) {
            if unseen > 0 {
                report.unseen.push((enc.name().to_string(), unseen));
            }
            columns.push(codes);
        }
        let labels = rows.iter().map(|&r| table.labels()[r]).collect();
        let weights = table
            .weights()
            .map(|w| rows.iter().map(|&r| w[r]).collect());
        Ok((
            Encoded::new(Arc::clone(&self.schema), columns, labels, weights)?,
            report,
        ))
    }
}

impl Discretizer {
    /// Checks a discretizer read from untrusted bytes: its schema is exactly the one
    /// [`Discretizer::from_encoders`] derives from its encoders and classes (so every
    /// code it produces is within its schema's cardinality), cut points are finite and
    /// strictly increasing, and no feature has more than the supported number of levels.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Error::Model {
            location: crate::error::Location::default(),
            message: m,
        };
        for e in &self.encoders {
            match e {
                FeatureEncoder::Categorical { name, levels } if levels.len() > MAX_LEVELS => {
                    return Err(bad(format!(
                        "feature '{name}' has {} levels; at most {MAX_LEVELS} are supported",
                        levels.len()
                    )));
                }
                FeatureEncoder::Numeric { name, cuts }
                    if cuts.len() >= MAX_LEVELS
                        || cuts.iter().any(|c| !c.is_finite())
                        || cuts.windows(2).any(|w| w[0] >= w[1]) =>
                {
                    return Err(bad(format!(
                        "the cut points of '{name}' are not finite and strictly increasing"
                    )));
                }
                _ => {}
            }
        }
        // Compared feature by feature, without copying the levels (a level may be
        // megabytes long).
        let features = &self.schema.features;
        let (mut buf, mut ends) = (String::new(), Vec::new());
        let matches = features.len() == self.encoders.len()
            && self.encoders.iter().zip(features).all(|(e, f)| match e {
                FeatureEncoder::Categorical { name, levels } => {
                    !f.numeric && f.name == *name && f.levels == *levels
                }
                FeatureEncoder::Numeric { name, cuts } => {
                    f.numeric
                        && f.name == *name
                        && labels_match(cuts, &f.levels, &mut buf, &mut ends)
                }
            });
        if !matches {
            return Err(bad(
                "the discretizer's schema does not match its encoders".into()
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::count::mdl_cuts;
    use crate::data::FeatureKind;

    #[test]
    fn equal_frequency_bins_hold_equal_counts_on_distinct_values() {
        let v: Vec<f64> = (0..100).map(f64::from).collect();
        let cuts = equal_frequency_cuts(&v, 4);
        assert_eq!(cuts, vec![25.0, 50.0, 75.0]);
        let mut counts = [0; 4];
        for x in &v {
            counts[cuts.partition_point(|&c| c <= *x)] += 1;
        }
        assert_eq!(counts, [25; 4]);
    }

    #[test]
    fn equal_frequency_never_splits_ties() {
        let v = [1.0, 1.0, 1.0, 1.0, 2.0, 3.0];
        let cuts = equal_frequency_cuts(&v, 3);
        // The first cut (after 2 rows) lands inside the run of 1s and moves to its end;
        // the second falls on the same place, so it is merged.
        assert_eq!(cuts, vec![2.0]);
    }

    /// The row-by-row rule as it was written before the grouped form: the reference
    /// the grouped cuts must equal.
    fn equal_frequency_reference(sorted: &[f64], bins: usize) -> Vec<f64> {
        let n = sorted.len();
        let mut cuts: Vec<f64> = Vec::new();
        if n == 0 || bins <= 1 {
            return cuts;
        }
        for i in 1..bins {
            let pos = (i * n) / bins;
            if pos == 0 || pos >= n {
                continue;
            }
            let mut p = pos;
            while p < n && sorted[p] == sorted[p - 1] {
                p += 1;
            }
            if p >= n {
                continue;
            }
            let cut = sorted[p];
            if cuts.last().is_none_or(|&c| cut > c) {
                cuts.push(cut);
            }
        }
        cuts
    }

    #[test]
    fn grouped_equal_frequency_cuts_are_the_row_by_row_cuts() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(17);
        for case in 0..400 {
            let n = rng.random_range(0..300);
            let distinct = rng.random_range(1..40);
            let mut v: Vec<f64> = (0..n)
                .map(|_| f64::from(rng.random_range(0..distinct)) * 0.5 - 3.0)
                .collect();
            if case % 7 == 0 {
                v.push(-0.0);
                v.push(0.0);
            }
            v.sort_by(f64::total_cmp);
            for bins in [1, 2, 3, 4, 7, 16, 255] {
                let want = equal_frequency_reference(&v, bins);
                let got = equal_frequency_cuts(&v, bins);
                assert_eq!(
                    got.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
                    want.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
                    "case {case}, bins {bins}"
                );
                let (values, counts) = group_sorted(&v);
                assert_eq!(counts.iter().sum::<u64>(), v.len() as u64);
                assert_eq!(equal_frequency_cuts_grouped(&values, &counts, bins), want);
            }
        }
    }

    fn rows(values: &[f64], class: impl Fn(f64) -> u8) -> Vec<(f64, u8, f64)> {
        values.iter().map(|&x| (x, class(x), 1.0)).collect()
    }

    #[test]
    fn mdl_test_matches_hand_computation() {
        // 4 + 4 rows split perfectly: Gain = 1 bit; Δ = log2(7) - 2; threshold =
        // (log2(7) + log2(7) - 2) / 8 = 0.4518 -> accepted.
        let (ok, gain) = mdl_accepts(&[4.0, 4.0], &[4.0, 0.0], &[0.0, 4.0]);
        assert!(ok);
        assert!((gain - 1.0).abs() < 1e-12);
        // 3 + 1 vs 1 + 3 (N = 8): Gain = 1 - Ent(3/4) = 0.1887;
        // Δ = log2(7) - (2 - 2·0.8113) = 2.4296; threshold = (2.8074 + 2.4296)/8 = 0.6546.
        let (ok, gain) = mdl_accepts(&[4.0, 4.0], &[3.0, 1.0], &[1.0, 3.0]);
        assert!(!ok);
        assert!((gain - 0.188_721_875).abs() < 1e-6, "{gain}");
        // N <= 1 is never cut.
        assert!(!mdl_accepts(&[1.0, 0.0], &[1.0, 0.0], &[0.0, 0.0]).0);
    }

    #[test]
    fn mdl_finds_the_one_cut_where_the_class_changes() {
        let v: Vec<f64> = (0..100).map(f64::from).collect();
        let data = rows(&v, |x| u8::from(x >= 37.0));
        assert_eq!(mdl_cuts(&data, 2, 16).unwrap(), vec![37.0]);
        // With duplicates of each value the cut is the same.
        let mut dup: Vec<(f64, u8, f64)> = data.iter().flat_map(|&r| [r, r]).collect();
        dup.sort_by(|a, b| a.0.total_cmp(&b.0));
        assert_eq!(mdl_cuts(&dup, 2, 16).unwrap(), vec![37.0]);
        // Weight 2 on each row is the same as each row twice.
        let weighted: Vec<(f64, u8, f64)> = data.iter().map(|&(x, c, _)| (x, c, 2.0)).collect();
        assert_eq!(mdl_cuts(&weighted, 2, 16).unwrap(), vec![37.0]);
    }

    #[test]
    fn mdl_finds_three_state_cuts() {
        let v: Vec<f64> = (0..300).map(f64::from).collect();
        let data = rows(&v, |x| {
            if x < 100.0 {
                0
            } else if x < 180.0 {
                1
            } else {
                2
            }
        });
        assert_eq!(mdl_cuts(&data, 3, 16).unwrap(), vec![100.0, 180.0]);
    }

    #[test]
    fn mdl_makes_no_cut_on_noise() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let data: Vec<(f64, u8, f64)> = (0..2000)
            .map(|i| (f64::from(i), u8::from(rng.random_bool(0.3)), 1.0))
            .collect();
        assert_eq!(mdl_cuts(&data, 2, 16).unwrap(), Vec::<f64>::new());
        // A constant column cannot be cut either.
        let flat: Vec<(f64, u8, f64)> = (0..50).map(|i| (1.0, (i % 2) as u8, 1.0)).collect();
        assert!(mdl_cuts(&flat, 2, 16).unwrap().is_empty());
        assert!(mdl_cuts(&[], 2, 16).unwrap().is_empty());
    }

    #[test]
    fn mdl_cap_keeps_the_most_informative_cuts() {
        // Class alternates in blocks: 0 on [0,100), 1 on [100,110), 0 on [110,400),
        // 1 on [400,700). Uncapped: three cuts; capped at 2 bins: the cut at 400
        // separates the most class information.
        let v: Vec<f64> = (0..700).map(f64::from).collect();
        let class = |x: f64| u8::from((100.0..110.0).contains(&x) || x >= 400.0);
        let data = rows(&v, class);
        let all = mdl_cuts(&data, 2, 16).unwrap();
        assert_eq!(all, vec![100.0, 110.0, 400.0]);
        assert_eq!(mdl_cuts(&data, 2, 2).unwrap(), vec![400.0]);
        assert_eq!(mdl_cuts(&data, 2, 1).unwrap(), Vec::<f64>::new());
        let three = mdl_cuts(&data, 2, 3).unwrap();
        assert_eq!(three.len(), 2);
        assert!(three.iter().all(|c| all.contains(c)));
        assert!(mdl_cuts(&data, 2, 0).is_err());
        assert!(mdl_cuts(&data, 1, 4).is_err(), "class out of range");
    }

    #[test]
    fn mdl_discretizer_applies_to_unseen_rows() {
        use crate::data::schema::Schema;
        let schema = Arc::new(Schema::builder("churn").numeric("tenure").build().unwrap());
        let v: Vec<f64> = (0..200).map(f64::from).collect();
        let labels: Vec<u8> = v.iter().map(|&x| u8::from(x < 12.0)).collect();
        let train = Table::new(
            schema.clone(),
            vec![Column::Numeric(v.clone())],
            labels,
            None,
            None,
        )
        .unwrap();
        let d = Discretizer::fit(&train, &train.all_rows(), &Binning::default()).unwrap();
        assert_eq!(d.cuts(0).unwrap(), &[12.0]);
        let later = Table::new_unlabeled(
            schema,
            vec![Column::Numeric(vec![
                -1e9,
                11.5,
                12.0,
                1e12,
                f64::NAN,
                f64::INFINITY,
                f64::NEG_INFINITY,
            ])],
            None,
            None,
        )
        .unwrap();
        let enc = d.encode(&later).unwrap();
        let codes: Vec<u16> = (0..7).map(|r| enc.code(r, 0)).collect();
        assert_eq!(codes, vec![0, 0, 1, 1, 2, 1, 0]);
        // min_bins above what MDL accepts falls back to equal-frequency cuts.
        let d4 = Discretizer::fit(
            &train,
            &train.all_rows(),
            &Binning::Mdl {
                min_bins: 4,
                max_bins: 8,
            },
        )
        .unwrap();
        assert_eq!(d4.cuts(0).unwrap().len(), 3);
    }

    #[test]
    fn categorical_levels_match_a_column_that_parsed_as_numbers() {
        use crate::data::schema::{Feature, Schema};
        let schema = |kind| {
            let plan = Feature {
                name: "plan".into(),
                kind,
            };
            Arc::new(Schema::builder("churn").feature(plan).build().unwrap())
        };
        let levels = vec!["0".to_string(), "1".to_string()];
        let train = Table::new(
            schema(FeatureKind::Categorical {
                levels: levels.into(),
            }),
            vec![Column::Categorical(vec![0, 1, 1])],
            vec![0, 1, 1],
            None,
            None,
        )
        .unwrap();
        let d = Discretizer::fit(&train, &train.all_rows(), &Binning::default()).unwrap();
        let scoring = Table::new(
            schema(FeatureKind::Numeric),
            vec![Column::Numeric(vec![1.0, 0.0, 2.0, f64::NAN])],
            vec![0, 0, 0, 0],
            None,
            None,
        )
        .unwrap();
        let (enc, report) = d.encode_rows(&scoring, &scoring.all_rows()).unwrap();
        let codes: Vec<u16> = (0..4).map(|r| enc.code(r, 0)).collect();
        assert_eq!(codes, vec![1, 0, 2, 2]);
        assert_eq!(report.unseen, vec![("plan".to_string(), 1)]);
    }

    #[test]
    fn cut_texts_are_the_float_formatters() {
        // The fast path for short decimals writes what `{x}` writes (and the 4-decimal
        // form past 10 characters), on a seeded spread of values and the edge cases.
        let fmt_cut = |x: f64| {
            let s = format!("{x}");
            if s.len() > 10 { format!("{x:.4}") } else { s }
        };
        let mut values = vec![
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.5,
            0.05,
            0.0001,
            0.00015,
            -0.0001,
            0.1,
            0.2,
            0.3,
            1e9,
            -1e9,
            999_999_999.999_9,
            123_456_789.0,
            1e8 + 0.5,
            70.35,
            29.85,
            1e-9,
            1e300,
            f64::MIN_POSITIVE,
            2.5e-5,
            1234.5678,
            9.9999,
            99999.99995,
            f64::INFINITY,
        ];
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for k in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let places = 10f64.powi(k % 7);
            let mag = 10f64.powi(k % 11);
            let v = (x % 1_000_000_007) as f64 / places * mag / 1e4;
            values.push(if k % 2 == 0 { v } else { -v });
            values.push(f64::from_bits(x >> 2));
        }
        let mut fast = 0;
        for v in values {
            let mut s = String::new();
            push_cut(&mut s, v);
            assert_eq!(s, fmt_cut(v), "{v:e}");
            fast += usize::from(push_short_decimal(&mut String::new(), v));
        }
        // The fast path took a good share of them (and the usual cut points).
        assert!(fast > 5_000, "{fast}");
        for v in [70.35, -29.85, 0.05, 12.0, 1234.5678] {
            assert!(push_short_decimal(&mut String::new(), v), "{v}");
        }
        // And labels built from them match piece by piece, not otherwise.
        let (mut buf, mut ends) = (String::new(), Vec::new());
        let cuts = [-1.5, 0.0, 20.25, 1e12];
        let labels = interval_labels(&cuts);
        assert!(labels_match(&cuts, &labels, &mut buf, &mut ends));
        let mut wrong = labels.clone();
        wrong[2].push(' ');
        assert!(!labels_match(&cuts, &wrong, &mut buf, &mut ends));
        assert!(!labels_match(&cuts, &labels[..4], &mut buf, &mut ends));
        assert!(labels_match(
            &[],
            &interval_labels(&[]),
            &mut buf,
            &mut ends
        ));
        assert!(!labels_match(&[], &labels, &mut buf, &mut ends));
    }

    #[test]
    fn interval_labels_are_readable() {
        assert_eq!(
            interval_labels(&[6.0, 20.5]),
            vec!["< 6", "[6, 20.5)", ">= 20.5"]
        );
    }
}
