//! Self-tuning of the survival tree: binning, depth, leaf size and hazard shrinkage
//! chosen by stratified k-fold cross-validation on the training rows only
//! ([`SurvivalTune`], [`SurvivalTuneReport`]), the way
//! [`tree::Tune`](crate::tree::Tune) tunes the classification tree.
//!
//! The folds are stratified by the event flag and seeded ([`stratified_kfold`]). Per
//! fold and binning the discretizer is fitted on the fold's training rows and every
//! CV row encoded once; per fold, binning and leaf size ONE tree is grown to the
//! grid's largest depth, and every shallower depth is read off it (a tree grown with
//! a smaller `max_depth` is that tree cut at the depth, node for node: the grower is
//! depth-first and a node's split does not depend on the limit). Each held-out
//! customer's risk at a depth cut is the risk of the deepest node of its path within
//! the cut. Each grown tree's node risks are computed once per hazard shrinkage
//! strength `m` ([`SurvivalTree::shrunk`]: a node's shrunk hazard depends on its
//! ancestors only, so the cuts of the shrunk tree are the shrunk cuts), and every cut
//! is scored under every `m`. The folds × binnings × leaves jobs run in parallel
//! (rayon).
//!
//! The score is the held-out Harrell's C-index (ranking customers by when they leave),
//! averaged over the folds. The setting chosen is the simplest (fewest mean leaves)
//! whose mean C-index is within `k` paired standard errors of the best among the
//! depth cuts of the best's grown trees under the best's `m` — the k-standard-error
//! rule of the
//! classification tree's tuning (`math::one_se_pick`, shared), with `k` =
//! [`ONE_SE`] = 0.5 by default (chosen by nested CV) and any other `k` through
//! [`SurvivalGrid::one_se`].

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::curve::CustomerCurve;
use super::data::{SurvivalData, fit_discretizer};
use super::hazleaf::{HAZARD_ALPHAS, HazardLeaves};
use super::metrics::concordance_index;
use super::params::{SurvivalCriterion, SurvivalTreeParams};
use super::prune::{collapse_alphas, leaves_at};
use super::shrink::shrunk_risks;
use super::tree::SurvivalTree;
use crate::data::{Binning, Encoded, Table, stratified_holdout, stratified_kfold};
use crate::error::{Error, Result};

/// How much a survival tree tunes itself before its final fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum SurvivalTune {
    /// No tuning: the parameters and binning as given.
    Off,
    /// 5-fold CV (repeated twice for tables up to 20,000 rows) over 2 binnings × 7
    /// leaf sizes (0.1 % to 8 % of the rows) × 10 depths × 8 hazard shrinkage
    /// strengths ([`SHRINKAGE`]; 1,120 settings from 14 grown trees per fold); tables
    /// over 30,000 rows are tuned on a stratified sample of 30,000.
    #[default]
    Fast,
}

impl SurvivalTune {
    /// The grid a fit searches: `custom` if given, else the mode's; None (no
    /// tuning) when the mode is `Off`, whatever `custom` says.
    pub fn grid_or(self, custom: Option<&SurvivalGrid>) -> Option<SurvivalGrid> {
        match self {
            SurvivalTune::Off => None,
            SurvivalTune::Fast => custom.cloned().or_else(|| self.grid()),
        }
    }

    /// The accepted names.
    pub const NAMES: [&'static str; 2] = ["off", "fast"];

    /// The name.
    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    /// The grid this mode searches (None for `Off`).
    pub fn grid(self) -> Option<SurvivalGrid> {
        match self {
            SurvivalTune::Off => None,
            SurvivalTune::Fast => Some(SurvivalGrid {
                binnings: vec![
                    Binning::EqualFrequency { bins: 16 },
                    Binning::EqualFrequency { bins: 32 },
                ],
                min_leaf: vec![0.001, 0.002, 0.005, 0.01, 0.02, 0.04, 0.08],
                depths: vec![
                    Some(1),
                    Some(2),
                    Some(3),
                    Some(4),
                    Some(5),
                    Some(6),
                    Some(8),
                    Some(10),
                    Some(12),
                    None,
                ],
                alphas: Vec::new(),
                shrinkage: SHRINKAGE.to_vec(),
                criteria: Vec::new(),
                hazard_alphas: HAZARD_ALPHAS.to_vec(),
                folds: 5,
                repeats: 1,
                max_rows: 30_000,
                one_se: ONE_SE,
            }),
        }
    }
}

impl std::str::FromStr for SurvivalTune {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "off" => Ok(SurvivalTune::Off),
            "fast" => Ok(SurvivalTune::Fast),
            _ => Err(Error::param(
                "tune",
                s,
                format!("expected one of {}", Self::NAMES.join(", ")),
            )),
        }
    }
}

/// The `k` of the default k-standard-error rule (see [`SurvivalGrid::one_se`]).
///
/// Chosen by nested cross-validation on the three training files only (outer
/// stratified 5-fold, outer seeds 77–81, the self-tuning inside each outer training
/// part; `cargo run --release --example survival_cv`). Mean outer C-index over the
/// five seeds, `k = 1` → `k = 0.5`: Telco 0.9215 → 0.9222, Orange 0.8247 → 0.8264,
/// ISP 0.7942 → 0.7942; `k = 0.5` was never worse by more than 0.0001 on any seed.
/// The C-index rewards the finer trees that one full standard error prunes away.
pub const ONE_SE: f64 = 0.5;

/// The hazard shrinkage strengths `m` the `fast` grid searches
/// ([`SurvivalTreeParams::shrinkage`]; 0 = the grown tree's own curves).
///
/// Chosen by nested cross-validation on the three training files only (outer
/// stratified 5-fold, outer seeds 77–81, the whole self-tuning inside each outer
/// training part; `cargo run --release --example survival_cv -- nested`). Mean outer
/// C-index over the five seeds, without → with shrinkage (`k` = 0.5, depth cuts):
/// Telco 0.9222 → 0.9435, Orange 0.8264 → 0.8310, ISP 0.7942 → 0.7948. Small leaves'
/// Kaplan–Meier curves are noisy, and a leaf whose customers are all young has a
/// curve held flat beyond its last duration; a shrunk leaf follows its parent's
/// hazard where its own customers say little or nothing. With shrinkage, leaves of
/// 0.1 % of the rows (added to the `fast` grid's leaf sizes) then gave Telco 0.9436,
/// Orange 0.8325, ISP 0.7951 (no file worse by more than 0.0001); strengths up to
/// 1000 gave 0.9437, 0.8310, 0.7948 (not kept), and `k = 0` instead of 0.5 gave
/// 0.9435, 0.8304, 0.7948 (not kept).
pub const SHRINKAGE: [f64; 8] = [0.0, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0];

/// Split-complexity pruning fractions worth searching when post-pruning is wanted
/// (`SurvivalGrid { alphas: PRUNING_FRACTIONS.to_vec(), .. }`): `α` from 0.2 % to
/// 20 % of the root split's log-rank statistic.
pub const PRUNING_FRACTIONS: [f64; 7] = [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2];

/// The settings a survival tuning searches: every combination of the lists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurvivalGrid {
    /// Binnings of numeric features.
    pub binnings: Vec<Binning>,
    /// `min_rows_leaf` values as fractions of the (fold's) training rows, at least 2
    /// rows, rounded.
    pub min_leaf: Vec<f64>,
    /// `max_depth` values (None = unlimited).
    pub depths: Vec<Option<usize>>,
    /// Split-complexity pruning fractions (`α` as a fraction of the root split's
    /// statistic, see [`SurvivalTreeParams::prune_alpha`]), each applied to the tree
    /// grown to the grid's largest depth; empty = depth cuts only. The `fast` grid
    /// has none: by nested CV on the three training files (`cargo run --release
    /// --example survival_cv -- nested`) adding [`PRUNING_FRACTIONS`] changed the
    /// mean outer C-index by +0.0009 (Telco), −0.0006 (Orange) and 0.0000 (ISP) —
    /// no gain for 70 % more cuts to score.
    pub alphas: Vec<f64>,
    /// Hazard shrinkage strengths `m` ([`SurvivalTreeParams::shrinkage`]), each
    /// applied to every cut (a node's shrunk hazard depends on its ancestors only);
    /// empty = `[0]`, no shrinkage.
    #[serde(default)]
    pub shrinkage: Vec<f64>,
    /// Split criteria ([`SurvivalTreeParams::criterion`]), each growing its own trees;
    /// empty = the base parameters' criterion alone (the `fast` grid's). Choosing
    /// between the log-rank and the hazard entropy did not earn its place in the
    /// `fast` grid: by nested CV (`survival_cv -- nested criterion`) it moved the mean
    /// outer C-index by +0.0067 (Telco), −0.0028 (Orange), 0.0000 (ISP) and −0.0002
    /// (Telco without `TotalCharges`), for twice the trees to grow.
    #[serde(default)]
    pub criteria: Vec<SurvivalCriterion>,
    /// Tempers `α` of the proportional-hazards leaves ([`HazardLeaves`]) the CV
    /// chooses among once the setting is chosen, on the chosen setting's trees of the
    /// same folds; empty or `[0]` = none (each customer gets their leaf's curve). The
    /// `fast` grid has [`HAZARD_ALPHAS`].
    #[serde(default)]
    pub hazard_alphas: Vec<f64>,
    /// Folds of the stratified cross-validation.
    pub folds: usize,
    /// Repetitions with other fold assignments (seed + repetition); tables up to
    /// 20,000 rows get at least 2.
    pub repeats: usize,
    /// Larger tables are tuned on a seeded stratified sample of this many rows.
    pub max_rows: usize,
    /// The `k` of the k-standard-error rule: the simplest setting whose mean C-index
    /// is within `k` paired standard errors of the best is chosen (0 = the best;
    /// default [`ONE_SE`]).
    pub one_se: f64,
}

impl SurvivalGrid {
    /// Checks the grid: non-empty lists, at least 2 folds and 1 repetition, leaf
    /// fractions in (0, 1), depths ≥ 1, valid binnings and a finite non-negative
    /// `one_se`.
    ///
    /// # Errors
    /// [`Error::Param`] naming the first bad field.
    pub fn validate(&self) -> Result<()> {
        let bad = |what: &str, v: String, why: &str| Err(Error::param(what, v, why.to_string()));
        if self.binnings.is_empty() || self.min_leaf.is_empty() || self.depths.is_empty() {
            return bad(
                "survival grid",
                "an empty list".into(),
                "binnings, min_leaf and depths need at least one value each",
            );
        }
        for b in &self.binnings {
            b.validate()?;
        }
        if let Some(f) = self
            .min_leaf
            .iter()
            .find(|f| !(f.is_finite() && **f > 0.0 && **f < 1.0))
        {
            return bad(
                "survival grid min_leaf",
                f.to_string(),
                "expected a fraction of the rows in (0, 1)",
            );
        }
        if let Some(m) = self
            .shrinkage
            .iter()
            .find(|m| !(m.is_finite() && **m >= 0.0))
        {
            return bad(
                "survival grid shrinkage",
                m.to_string(),
                "expected finite strengths ≥ 0",
            );
        }
        if let Some(a) = self
            .hazard_alphas
            .iter()
            .find(|a| !(a.is_finite() && (0.0..=1.0).contains(*a)))
        {
            return bad(
                "survival grid hazard_alphas",
                a.to_string(),
                "expected tempers in [0, 1]",
            );
        }
        if let Some(a) = self.alphas.iter().find(|a| !(a.is_finite() && **a >= 0.0)) {
            return bad(
                "survival grid alphas",
                a.to_string(),
                "expected finite fractions ≥ 0",
            );
        }
        if self.depths.contains(&Some(0)) {
            return bad(
                "survival grid depths",
                "0".into(),
                "expected depths of at least 1 (or unlimited)",
            );
        }
        if self.folds < 2 || self.repeats < 1 || self.max_rows < 2 * self.folds {
            return bad(
                "survival grid folds",
                format!(
                    "{} folds, {} repeats, {} rows",
                    self.folds, self.repeats, self.max_rows
                ),
                "expected at least 2 folds, 1 repetition and max_rows of at least twice the folds",
            );
        }
        if !(self.one_se.is_finite() && self.one_se >= 0.0) {
            return bad(
                "survival grid one_se",
                self.one_se.to_string(),
                "expected a finite number ≥ 0",
            );
        }
        Ok(())
    }
}

/// One setting a survival tuning scored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurvivalSetting {
    /// Binning of numeric features.
    pub binning: Binning,
    /// `min_rows_leaf` in the CV (rows of a fold's training part).
    pub min_leaf: f64,
    /// The same as a fraction of the training rows (the final fit's leaf size is this
    /// fraction of its rows, at least 2).
    pub min_leaf_fraction: f64,
    /// `max_depth` (None = unlimited).
    pub max_depth: Option<usize>,
    /// The split-complexity pruning fraction of the tree grown to `max_depth` (None =
    /// the depth cut alone).
    #[serde(default)]
    pub alpha: Option<f64>,
    /// The hazard shrinkage strength `m` (0 = none).
    #[serde(default)]
    pub shrinkage: f64,
    /// The split criterion.
    #[serde(default)]
    pub criterion: SurvivalCriterion,
}

/// A setting's cross-validated scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurvivalCvPoint {
    /// The setting.
    pub setting: SurvivalSetting,
    /// Mean held-out Harrell's C-index over the folds.
    pub c_index: f64,
    /// Its standard error (fold standard deviation / √folds).
    pub c_index_se: f64,
    /// Mean number of leaves.
    pub leaves: f64,
}

/// What a survival tuning chose and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurvivalTuneReport {
    /// The mode.
    pub mode: SurvivalTune,
    /// Folds per repetition.
    pub folds: usize,
    /// Repetitions.
    pub repeats: usize,
    /// The fold seed.
    pub seed: u64,
    /// Settings scored.
    pub settings: usize,
    /// The best mean C-index's setting.
    pub best: SurvivalCvPoint,
    /// The setting chosen by the one-standard-error rule.
    pub chosen: SurvivalCvPoint,
    /// The 20 best settings by mean C-index, best first.
    pub curve: Vec<SurvivalCvPoint>,
    /// Rows the CV ran on.
    pub cv_rows: usize,
    /// The final fit's `min_rows_leaf`.
    pub final_min_leaf: f64,
    /// The temper `α` of the proportional-hazards leaves chosen (None: the grid
    /// had none to choose).
    #[serde(default)]
    pub leaf_alpha: Option<f64>,
    /// Each candidate `α` with its mean CV C-index, in the grid's order.
    #[serde(default)]
    pub leaf_curve: Vec<[f64; 2]>,
    /// Seconds spent tuning (not serialized).
    #[serde(skip)]
    pub seconds: f64,
}

/// Tables up to this many rows get a repeated CV.
const SMALL_TABLE: usize = 20_000;

/// Tunes `base` on `rows` of `table` (durations `data`, aligned with `rows`):
/// returns the chosen parameters, binning and the report, or None for
/// [`SurvivalTune::Off`].
pub(crate) fn tune(
    base: &SurvivalTreeParams,
    grid: Option<&SurvivalGrid>,
    table: &Table,
    rows: &[usize],
    data: &SurvivalData,
    duration: &str,
    seed: u64,
) -> Result<Option<(SurvivalTreeParams, Binning, SurvivalTuneReport)>> {
    let Some(grid) = grid else {
        return Ok(None);
    };
    grid.validate()?;
    // The one tuning mode there is.
    let mode = SurvivalTune::Fast;
    let t0 = std::time::Instant::now();
    let events: Vec<u8> = data.events().iter().map(|&e| u8::from(e)).collect();
    // Positions (into `rows` / `data`) the CV runs on.
    let cv: Vec<usize> = if rows.len() > grid.max_rows {
        let h = stratified_holdout(&events, grid.max_rows as f64 / rows.len() as f64, seed)?;
        h.test
    } else {
        (0..rows.len()).collect()
    };
    let cv_data = data.select(&cv);
    let cv_rows: Vec<usize> = cv.iter().map(|&i| rows[i]).collect();
    let cv_events: Vec<u8> = cv.iter().map(|&i| events[i]).collect();
    let repeats = if cv.len() <= SMALL_TABLE {
        grid.repeats.max(2)
    } else {
        grid.repeats
    };
    let mut folds = Vec::new();
    for rep in 0..repeats {
        folds.extend(stratified_kfold(
            &cv_events,
            grid.folds,
            seed.wrapping_add(rep as u64),
        )?);
    }
    let fold_rows = cv.len() as f64 * (grid.folds - 1) as f64 / grid.folds as f64;
    let mut leaves: Vec<(f64, f64)> = grid
        .min_leaf
        .iter()
        .map(|&f| (f, (f * fold_rows).round().max(2.0)))
        .collect();
    leaves.dedup_by(|a, b| a.1 == b.1);
    let ms: Vec<f64> = if grid.shrinkage.is_empty() {
        vec![0.0]
    } else {
        grid.shrinkage.clone()
    };
    let crits: Vec<SurvivalCriterion> = if grid.criteria.is_empty() {
        vec![base.criterion]
    } else {
        grid.criteria.clone()
    };
    let nc = crits.len();
    let (nb, nl, nd, nm) = (
        grid.binnings.len(),
        leaves.len(),
        grid.depths.len() + grid.alphas.len(),
        ms.len(),
    );
    let encodings: Vec<Encoded> = (0..folds.len() * nb)
        .into_par_iter()
        .with_max_len(1)
        .map(|i| {
            let (f, b) = (i / nb, i % nb);
            let train: Vec<usize> = folds[f].train.iter().map(|&p| cv_rows[p]).collect();
            let d = fit_discretizer(table, &train, &grid.binnings[b], duration)?;
            Ok(d.encode_rows(table, &cv_rows)?.0)
        })
        .collect::<Result<_>>()?;
    let deepest = if grid.depths.contains(&None) {
        None
    } else {
        grid.depths.iter().flatten().max().copied()
    };
    // Per job: [c_index, leaves] per shrinkage (outer) and cut.
    let jobs: Vec<Vec<[f64; 2]>> = (0..folds.len() * nc * nb * nl)
        .into_par_iter()
        .with_max_len(1)
        .map(|i| {
            let (f, c, b, l) = (
                i / (nc * nb * nl),
                (i / (nb * nl)) % nc,
                (i / nl) % nb,
                i % nl,
            );
            let p = base
                .clone()
                .criterion(crits[c])
                .min_rows_leaf(leaves[l].1)
                .max_depth(deepest)
                .prune_alpha(None);
            let enc = &encodings[f * nb + b];
            let tree = p.fit_rows(enc, &cv_data, &folds[f].train)?;
            let risks = shrunk_risks(&tree, enc, &cv_data, &folds[f].train, &ms)?;
            Ok(risks
                .iter()
                .flat_map(|risk| {
                    score_cuts(
                        &tree,
                        risk,
                        enc,
                        &cv_data,
                        &folds[f].test,
                        &grid.depths,
                        &grid.alphas,
                    )
                })
                .collect())
        })
        .collect::<Result<_>>()?;
    let nf = folds.len() as f64;
    let n_points = nc * nb * nl * nd * nm;
    let mut points = Vec::with_capacity(n_points);
    let mut fold_scores = Vec::with_capacity(n_points);
    let mut path = Vec::with_capacity(n_points);
    for (ci, &criterion) in crits.iter().enumerate() {
        for b in 0..nb {
            for (l, &(fraction, leaf)) in leaves.iter().enumerate() {
                let cuts = ms.iter().enumerate().flat_map(|(mi, &m)| {
                    grid.depths
                        .iter()
                        .map(|&d| (d, None))
                        .chain(grid.alphas.iter().map(|&a| (deepest, Some(a))))
                        .map(move |(d, a)| (mi, m, d, a))
                });
                for (d, (mi, m, depth, alpha)) in cuts.enumerate() {
                    let per: Vec<[f64; 2]> = (0..folds.len())
                        .map(|f| jobs[((f * nc + ci) * nb + b) * nl + l][d])
                        .collect();
                    let c = per.iter().map(|s| s[0]).sum::<f64>() / nf;
                    let var = per.iter().map(|s| (s[0] - c).powi(2)).sum::<f64>() / (nf - 1.0);
                    fold_scores.push(per.iter().map(|s| s[0]).collect::<Vec<f64>>());
                    path.push(((ci * nb + b) * nl + l) * nm + mi);
                    points.push(SurvivalCvPoint {
                        setting: SurvivalSetting {
                            binning: grid.binnings[b].clone(),
                            min_leaf: leaf,
                            min_leaf_fraction: fraction,
                            max_depth: depth,
                            alpha,
                            shrinkage: m,
                            criterion,
                        },
                        c_index: c,
                        c_index_se: (var / nf).sqrt(),
                        leaves: per.iter().map(|s| s[1]).sum::<f64>() / nf,
                    });
                }
            }
        }
    }
    let complexity: Vec<f64> = points.iter().map(|p| p.leaves).collect();
    let (best, chosen) = crate::math::one_se_pick(
        &fold_scores,
        &complexity,
        |b, i| path[b] == path[i],
        grid.one_se,
    );
    let mut order: Vec<usize> = (0..points.len()).collect();
    order.sort_by(|&a, &b| {
        points[b]
            .c_index
            .total_cmp(&points[a].c_index)
            .then(a.cmp(&b))
    });
    let curve = order.iter().take(20).map(|&i| points[i].clone()).collect();
    let c = points[chosen].setting.clone();
    let b_chosen = path[chosen] / (nl * nm) % nb;
    let fold_params = base
        .clone()
        .criterion(c.criterion)
        .min_rows_leaf(c.min_leaf)
        .max_depth(c.max_depth)
        .prune_alpha(c.alpha)
        .shrinkage(c.shrinkage);
    let (leaf_alpha, leaf_curve) = choose_hazard_alpha(
        &fold_params,
        &grid.hazard_alphas,
        &folds,
        &encodings[..],
        nb,
        b_chosen,
        &cv_data,
    )?;
    let final_min_leaf = (c.min_leaf_fraction * rows.len() as f64).round().max(2.0);
    let params = base
        .clone()
        .criterion(c.criterion)
        .min_rows_leaf(final_min_leaf)
        .max_depth(c.max_depth)
        .prune_alpha(c.alpha)
        .shrinkage(c.shrinkage);
    let report = SurvivalTuneReport {
        mode,
        folds: grid.folds,
        repeats,
        seed,
        settings: points.len(),
        best: points[best].clone(),
        chosen: points[chosen].clone(),
        curve,
        cv_rows: cv.len(),
        final_min_leaf,
        leaf_alpha,
        leaf_curve,
        seconds: t0.elapsed().as_secs_f64(),
    };
    Ok(Some((params, c.binning, report)))
}

/// Chooses the temper of the proportional-hazards leaves ([`HazardLeaves`]) among
/// `alphas`: on each fold, the chosen setting's tree (`params`, the fold's encoding
/// of the chosen binning `b` of `nb`) and the fold's own log hazard ratios score the
/// held-out customers at every `α`; the largest mean C-index wins (ties: the
/// smaller `α`, listed first). Returns None and no curve when there is nothing to
/// choose (`alphas` empty or `[0]`).
fn choose_hazard_alpha(
    params: &SurvivalTreeParams,
    alphas: &[f64],
    folds: &[crate::data::Fold],
    encodings: &[Encoded],
    nb: usize,
    b: usize,
    data: &SurvivalData,
) -> Result<(Option<f64>, Vec<[f64; 2]>)> {
    if alphas.iter().all(|&a| a == 0.0) {
        return Ok((None, Vec::new()));
    }
    let per_fold: Vec<Vec<f64>> = (0..folds.len())
        .into_par_iter()
        .with_max_len(1)
        .map(|f| {
            let enc = &encodings[f * nb + b];
            let tree = params.fit_rows(enc, data, &folds[f].train)?;
            let hl = HazardLeaves::fit(enc, data, Some(&folds[f].train), 0.0);
            let test = enc.select(&folds[f].test);
            let held = data.select(&folds[f].test);
            let leaves = tree.leaves(&test)?;
            let tau = tree.tau();
            alphas
                .iter()
                .map(|&a| {
                    let ratios = hl.clone().with_alpha(a).hazard_ratios(&tree, &test)?;
                    let risk: Vec<f64> = leaves
                        .iter()
                        .zip(&ratios)
                        .map(|(&n, &r)| {
                            let c = CustomerCurve {
                                curve: tree.leaf_curve(n),
                                hazard_ratio: r,
                            };
                            c.risk(tau, tree.risk(n))
                        })
                        .collect();
                    Ok(concordance_index(&held, &risk).map_or(0.5, |c| c.c_index))
                })
                .collect()
        })
        .collect::<Result<_>>()?;
    let curve: Vec<[f64; 2]> = alphas
        .iter()
        .enumerate()
        .map(|(i, &a)| {
            let m = per_fold.iter().map(|s| s[i]).sum::<f64>() / per_fold.len() as f64;
            [a, m]
        })
        .collect();
    let best = (0..curve.len()).fold(0, |b, i| if curve[i][1] > curve[b][1] { i } else { b });
    Ok((Some(curve[best][0]), curve))
}

/// The held-out C-index and the number of leaves of `tree` cut at each of `depths`,
/// then pruned at each split-complexity fraction of `alphas` (`α` = fraction × the
/// root's statistic; see [`collapse_alphas`]) (`test`: positions in `enc` and
/// `data`), each node's risk read from `node_risk` (by node index). A fold whose
/// held-out rows have no comparable pair scores 0.5.
pub(crate) fn score_cuts(
    tree: &SurvivalTree,
    node_risk: &[f64],
    enc: &Encoded,
    data: &SurvivalData,
    test: &[usize],
    depths: &[Option<usize>],
    alphas: &[f64],
) -> Vec<[f64; 2]> {
    let held = data.select(test);
    // Each held-out row's path of nodes by depth.
    let paths: Vec<Vec<usize>> = test
        .iter()
        .map(|&r| {
            let mut p = vec![0];
            let mut n = 0;
            while !tree.nodes()[n].is_leaf() {
                n = tree.child(n, enc.code(r, tree.nodes()[n].feature as usize));
                p.push(n);
            }
            p
        })
        .collect();
    let score = |risk: Vec<f64>| concordance_index(&held, &risk).map_or(0.5, |c| c.c_index);
    let mut out: Vec<[f64; 2]> = depths
        .iter()
        .map(|&d| {
            let cut = |p: &Vec<usize>| p[d.map_or(p.len() - 1, |d| d.min(p.len() - 1))];
            let c = score(paths.iter().map(|p| node_risk[cut(p)]).collect());
            let leaves = tree
                .nodes()
                .iter()
                .filter(|n| match d {
                    Some(d) => n.depth as usize == d || (n.is_leaf() && (n.depth as usize) < d),
                    None => n.is_leaf(),
                })
                .count();
            [c, leaves as f64]
        })
        .collect();
    if !alphas.is_empty() {
        let collapse = collapse_alphas(tree);
        let root = tree.nodes()[0].statistic;
        for &f in alphas {
            let alpha = f * root;
            let risk = paths
                .iter()
                .map(|p| {
                    let at = p
                        .iter()
                        .position(|&n| collapse[n] <= alpha)
                        .map_or(p[p.len() - 1], |i| p[i]);
                    node_risk[at]
                })
                .collect();
            out.push([score(risk), leaves_at(tree, &collapse, alpha) as f64]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn synthetic(rows: usize) -> Table {
        crate::synth::generate(&crate::synth::SynthParams {
            rows,
            seed: 5,
            ..crate::synth::SynthParams::default()
        })
        .unwrap()
    }

    const DURATION: &str = "tenure_months";

    #[test]
    fn tuning_is_deterministic_for_a_seed_and_applies_the_chosen_setting() {
        let t = synthetic(1500);
        let rows = t.all_rows();
        let data = SurvivalData::from_table(&t, DURATION, &rows).unwrap();
        let base = SurvivalTreeParams::new();
        let run = |seed| {
            tune(
                &base,
                SurvivalTune::Fast.grid().as_ref(),
                &t,
                &rows,
                &data,
                DURATION,
                seed,
            )
            .unwrap()
            .unwrap()
        };
        let (p1, b1, r1) = run(9);
        let (p2, b2, r2) = run(9);
        assert_eq!((&p1, &b1), (&p2, &b2));
        assert_eq!((&r1.chosen, &r1.curve), (&r2.chosen, &r2.curve));
        // 1,200 rows a fold: leaf fractions 0.001 and 0.002 both give 2 rows (one
        // setting), 0.005 gives 6, six distinct in all: 2 binnings × 6 leaves × 10
        // depths × 8 shrinkage strengths.
        assert_eq!(r1.settings, 2 * 6 * 10 * SHRINKAGE.len());
        assert_eq!((r1.repeats, r1.folds, r1.cv_rows), (2, 5, 1500));
        assert!(r1.chosen.c_index <= r1.best.c_index);
        assert!(r1.chosen.leaves <= r1.best.leaves);
        assert!(r1.curve.windows(2).all(|w| w[0].c_index >= w[1].c_index));
        assert!(r1.best.c_index > 0.6, "{:?}", r1.best);
        let leaf = (r1.chosen.setting.min_leaf_fraction * 1500.0)
            .round()
            .max(2.0);
        assert_eq!(r1.final_min_leaf, leaf);
        assert_eq!(
            p1,
            base.clone()
                .min_rows_leaf(leaf)
                .max_depth(r1.chosen.setting.max_depth)
                .prune_alpha(r1.chosen.setting.alpha)
                .shrinkage(r1.chosen.setting.shrinkage)
        );
        assert_eq!(b1, r1.chosen.setting.binning);
        // The one-SE pick stays on the best's grown trees.
        assert_eq!(r1.chosen.setting.binning, r1.best.setting.binning);
        assert_eq!(r1.chosen.setting.min_leaf, r1.best.setting.min_leaf);
        assert_eq!(r1.chosen.setting.shrinkage, r1.best.setting.shrinkage);
        let (_, _, r3) = run(10);
        assert_ne!(r1.curve, r3.curve, "another seed deals other folds");
        assert!(
            tune(
                &base,
                SurvivalTune::Off.grid().as_ref(),
                &t,
                &rows,
                &data,
                DURATION,
                9
            )
            .unwrap()
            .is_none()
        );
    }

    #[test]
    fn scores_read_off_one_tree_equal_those_of_the_tree_a_fit_grows() {
        let t = synthetic(1200);
        let all = t.all_rows();
        let data = SurvivalData::from_table(&t, DURATION, &all).unwrap();
        let train: Vec<usize> = all.iter().copied().filter(|r| r % 4 != 0).collect();
        let test: Vec<usize> = all.iter().copied().filter(|r| r % 4 == 0).collect();
        let d =
            fit_discretizer(&t, &train, &Binning::EqualFrequency { bins: 16 }, DURATION).unwrap();
        assert!(d.schema().features.iter().all(|f| f.name != DURATION));
        let enc = d.encode_rows(&t, &all).unwrap().0;
        let depths = [Some(1), Some(2), Some(3), Some(5), None];
        let base = SurvivalTreeParams::new().min_rows_leaf(8.0);
        let deep = base
            .clone()
            .max_depth(None)
            .fit_rows(&enc, &data, &train)
            .unwrap();
        let grown: Vec<f64> = (0..deep.n_nodes()).map(|n| deep.risk(n)).collect();
        let cuts = score_cuts(&deep, &grown, &enc, &data, &test, &depths, &[]);
        let held = data.select(&test);
        for (&depth, got) in depths.iter().zip(&cuts) {
            let tree = base
                .clone()
                .max_depth(depth)
                .fit_rows(&enc, &data, &train)
                .unwrap();
            let leaves = tree.leaves(&enc.select(&test)).unwrap();
            let risk: Vec<f64> = leaves.iter().map(|&n| tree.risk(n)).collect();
            let c = concordance_index(&held, &risk).unwrap().c_index;
            assert!((got[0] - c).abs() < 1e-12, "{depth:?}: {} vs {c}", got[0]);
            assert_eq!(got[1] as usize, tree.n_leaves(), "{depth:?}");
        }
        // Shrunk: the cuts of the shrunk deep tree score as the shrunk cut trees.
        let m = 10.0;
        let shrunk = shrunk_risks(&deep, &enc, &data, &train, &[0.0, m]).unwrap();
        assert_eq!(shrunk[0], grown);
        let cuts = score_cuts(&deep, &shrunk[1], &enc, &data, &test, &depths, &[]);
        for (&depth, got) in depths.iter().zip(&cuts) {
            let tree = base
                .clone()
                .max_depth(depth)
                .shrinkage(m)
                .fit_rows(&enc, &data, &train)
                .unwrap();
            let leaves = tree.leaves(&enc.select(&test)).unwrap();
            let risk: Vec<f64> = leaves.iter().map(|&n| tree.risk(n)).collect();
            let c = concordance_index(&held, &risk).unwrap().c_index;
            assert!(
                (got[0] - c).abs() < 1e-12,
                "m {m}, {depth:?}: {} vs {c}",
                got[0]
            );
        }
    }

    #[test]
    fn a_custom_grid_is_validated_and_its_k_applied() {
        let t = synthetic(1000);
        let rows = t.all_rows();
        let data = SurvivalData::from_table(&t, DURATION, &rows).unwrap();
        let base = SurvivalTreeParams::new();
        let fast = SurvivalTune::Fast.grid().unwrap();
        assert_eq!(fast.one_se, ONE_SE);
        assert!(fast.validate().is_ok());
        // k = 0 chooses the best itself; pruning cuts are scored beside depth cuts.
        let mut g = fast.clone();
        g.one_se = 0.0;
        g.alphas = PRUNING_FRACTIONS.to_vec();
        let (_, _, r) = tune(&base, Some(&g), &t, &rows, &data, DURATION, 3)
            .unwrap()
            .unwrap();
        assert_eq!(r.chosen, r.best);
        assert_eq!(
            r.settings,
            2 * 6 * (10 + PRUNING_FRACTIONS.len()) * SHRINKAGE.len()
        );
        assert!(r.curve.iter().any(|p| p.setting.alpha.is_some()));
        // Off wins over a custom grid.
        assert_eq!(SurvivalTune::Off.grid_or(Some(&g)), None);
        assert_eq!(SurvivalTune::Fast.grid_or(Some(&g)), Some(g.clone()));
        assert_eq!(SurvivalTune::Fast.grid_or(None), Some(fast.clone()));
        let bad = [
            SurvivalGrid {
                one_se: f64::NAN,
                ..fast.clone()
            },
            SurvivalGrid {
                one_se: -1.0,
                ..fast.clone()
            },
            SurvivalGrid {
                folds: 1,
                ..fast.clone()
            },
            SurvivalGrid {
                min_leaf: vec![1.5],
                ..fast.clone()
            },
            SurvivalGrid {
                depths: vec![Some(0)],
                ..fast.clone()
            },
            SurvivalGrid {
                shrinkage: vec![-1.0],
                ..fast.clone()
            },
            SurvivalGrid {
                binnings: vec![],
                ..fast.clone()
            },
        ];
        for g in bad {
            let err = tune(&base, Some(&g), &t, &rows, &data, DURATION, 3)
                .unwrap_err()
                .to_string();
            assert!(err.contains("survival grid"), "{err}");
        }
    }

    #[test]
    fn a_grid_of_criteria_scores_each_and_applies_the_chosen_one() {
        let t = synthetic(1000);
        let rows = t.all_rows();
        let data = SurvivalData::from_table(&t, DURATION, &rows).unwrap();
        let base = SurvivalTreeParams::new();
        let mut g = SurvivalTune::Fast.grid().unwrap();
        g.binnings.truncate(1);
        g.shrinkage = vec![0.0, 10.0];
        let run = |g: &SurvivalGrid| {
            tune(&base, Some(g), &t, &rows, &data, DURATION, 3)
                .unwrap()
                .unwrap()
        };
        let (_, _, one) = run(&g);
        g.criteria = vec![SurvivalCriterion::LogRank, SurvivalCriterion::HazardEntropy];
        let (p, _, two) = run(&g);
        assert_eq!(two.settings, 2 * one.settings);
        assert_eq!(p.criterion, two.chosen.setting.criterion);
        // The one-SE pick stays on the best's grown trees, criterion included.
        assert_eq!(two.chosen.setting.criterion, two.best.setting.criterion);
        // The log-rank settings score as they did alone (the same trees).
        assert!(one.best.c_index <= two.best.c_index);
        let lr_best = two
            .curve
            .iter()
            .find(|c| c.setting.criterion == SurvivalCriterion::LogRank)
            .map(|c| c.c_index);
        if let Some(c) = lr_best {
            assert!(c <= one.best.c_index);
        }
        if two.best.setting.criterion == SurvivalCriterion::LogRank {
            assert_eq!(two.best, one.best);
        }
    }

    #[test]
    fn tune_names_parse() {
        assert_eq!("fast".parse::<SurvivalTune>().unwrap(), SurvivalTune::Fast);
        assert_eq!("off".parse::<SurvivalTune>().unwrap().name(), "off");
        assert!("slow".parse::<SurvivalTune>().is_err());
        assert_eq!(SurvivalTune::default(), SurvivalTune::Fast);
    }
}
