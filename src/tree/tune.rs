//! Self-tuning: the tree chooses its growth, pruning, binning and smoothing settings by
//! stratified k-fold cross-validation on its training rows only ([`Tune`],
//! [`TuneReport`]).
//!
//! Per fold and binning the discretizer is fitted on the fold's training rows and every
//! row is encoded once; per fold, binning and minimum leaf ONE tree is grown to the
//! largest depth of the grid. Every other setting is read off that tree without
//! regrowing it: a depth cut marks the nodes at that depth as leaves, pessimistic
//! pruning then marks the subtrees it removes (the tree a fit with that depth and
//! confidence would grow, node for node), and each held-out row's final node is the
//! first marked ancestor of the node it reaches in the grown tree, so the held-out
//! class weights of every node are routed once. Smoothing only changes the node
//! probabilities. The folds × binnings × leaves jobs run in parallel (rayon); fold
//! assignment is seeded ([`stratified_kfold`]).
//!
//! The score is the held-out ROC AUC of the churn class (ranking is what a churn list
//! is used for), averaged over the folds; log loss is reported beside it. The setting
//! chosen is the *simplest* (fewest leaves, mean over folds) whose mean AUC is within
//! one standard error (of the best setting's fold AUCs) of the best: the one-standard-
//! error rule.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::params::{Id3Params, Pruning};
use super::prune;
use super::tree::{DecisionTree, MissingPolicy, m_estimate_probas};
use crate::data::{
    Binning, Codes, Discretizer, Encoded, Table, stratified_holdout, stratified_kfold,
};
use crate::error::{Error, Result};

/// How much a tree tunes itself before its final fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Tune {
    /// No tuning: the parameters and binning as given.
    #[default]
    Off,
    /// 5-fold CV (repeated twice for tables up to [`SMALL_TABLE`] rows) over 2
    /// binnings × 6 leaf sizes × 8 depths × 5 pruning confidences × 10 smoothings
    /// (4,800 settings from 60 grown trees per repetition); tables over 30,000 rows
    /// are tuned on a stratified sample of 30,000.
    Fast,
    /// 5-fold CV repeated twice, over 4 binnings × 14 leaf sizes × 10 depths × 7
    /// confidences × 12 smoothings (47,040 settings from 560 grown trees per
    /// repetition).
    Thorough,
}

impl Tune {
    /// The accepted names (`--tune`).
    pub const NAMES: [&'static str; 3] = ["off", "fast", "thorough"];

    /// The name as typed on the command line.
    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    /// The grid this mode searches (None for `Off`).
    pub fn grid(self) -> Option<Grid> {
        let ef = |bins| Binning::EqualFrequency { bins };
        match self {
            Tune::Off => None,
            Tune::Fast => Some(Grid {
                binnings: vec![ef(16), ef(32)],
                min_leaf: vec![0.0005, 0.001, 0.002, 0.004, 0.008, 0.016],
                depths: vec![
                    Some(3),
                    Some(4),
                    Some(5),
                    Some(6),
                    Some(8),
                    Some(10),
                    Some(12),
                    None,
                ],
                confidences: vec![None, Some(0.5), Some(0.25), Some(0.1), Some(0.01)],
                smoothing: vec![-1.0, 0.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0],
                folds: 5,
                repeats: 1,
                max_rows: 30_000,
            }),
            Tune::Thorough => Some(Grid {
                binnings: vec![ef(8), ef(16), ef(32), ef(64)],
                min_leaf: vec![
                    0.00025, 0.0005, 0.00075, 0.001, 0.0015, 0.002, 0.003, 0.004, 0.006, 0.008,
                    0.012, 0.016, 0.024, 0.032,
                ],
                depths: vec![
                    Some(2),
                    Some(3),
                    Some(4),
                    Some(5),
                    Some(6),
                    Some(7),
                    Some(8),
                    Some(10),
                    Some(12),
                    None,
                ],
                confidences: vec![
                    None,
                    Some(0.5),
                    Some(0.35),
                    Some(0.25),
                    Some(0.1),
                    Some(0.05),
                    Some(0.01),
                ],
                smoothing: vec![
                    -1.0, 0.0, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0,
                ],
                folds: 5,
                repeats: 2,
                max_rows: 200_000,
            }),
        }
    }
}

impl std::str::FromStr for Tune {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "off" => Ok(Tune::Off),
            "fast" => Ok(Tune::Fast),
            "thorough" => Ok(Tune::Thorough),
            _ => Err(Error::param(
                "tune",
                s,
                format!("expected one of {}", Tune::NAMES.join(", ")),
            )),
        }
    }
}

/// The settings a tuning searches: every combination of the lists.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    /// Binnings of numeric features.
    pub binnings: Vec<Binning>,
    /// `min_rows_leaf` values as fractions of the training rows (of a fold; at least 2
    /// rows, rounded), so the grid scales with the table (`min_rows_split` is 2: a
    /// split needs two leaves anyway).
    pub min_leaf: Vec<f64>,
    /// `max_depth` values (None = unlimited).
    pub depths: Vec<Option<usize>>,
    /// Pessimistic pruning confidences (None = no pruning).
    pub confidences: Vec<Option<f64>>,
    /// Smoothings: `-1` Laplace, `0` none, `m > 0` the m-estimate toward the parent.
    pub smoothing: Vec<f64>,
    /// Folds of the stratified cross-validation.
    pub folds: usize,
    /// Repetitions with other fold assignments (seed + repetition).
    pub repeats: usize,
    /// Larger tables are tuned on a seeded stratified sample of this many rows (the
    /// leaf sizes are fractions of the rows, so the choice carries over to the final
    /// fit on every row).
    pub max_rows: usize,
}

/// One setting the tuning scored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TunedSetting {
    /// Binning of numeric features.
    pub binning: Binning,
    /// `min_rows_leaf` in the CV (rows of a fold's training part).
    pub min_leaf: f64,
    /// The same as a fraction of the training rows: the final fit's `min_rows_leaf`
    /// is this fraction of its rows (at least 2, rounded).
    pub min_leaf_fraction: f64,
    /// `max_depth` (None = unlimited).
    pub max_depth: Option<usize>,
    /// Pessimistic pruning confidence (None = no pruning).
    pub confidence: Option<f64>,
    /// `-1` Laplace, `0` none, `m > 0` the m-estimate's m.
    pub smoothing: f64,
}

/// A setting's cross-validated scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurvePoint {
    /// The setting.
    pub setting: TunedSetting,
    /// Mean held-out ROC AUC over the folds.
    pub auc: f64,
    /// Standard error of that mean (fold standard deviation / √folds).
    pub auc_se: f64,
    /// Mean held-out log loss.
    pub log_loss: f64,
    /// Mean number of leaves.
    pub leaves: f64,
}

/// What a tuning chose and why: stored in the training summary's parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TuneReport {
    /// The mode.
    pub mode: Tune,
    /// Folds × repeats.
    pub folds: usize,
    /// Repetitions.
    pub repeats: usize,
    /// The fold seed.
    pub seed: u64,
    /// Settings scored.
    pub settings: usize,
    /// The best mean AUC's setting.
    pub best: CurvePoint,
    /// The setting chosen by the one-standard-error rule.
    pub chosen: CurvePoint,
    /// The CV curve: the 20 best settings by mean AUC, best first.
    pub curve: Vec<CurvePoint>,
    /// Rows the CV ran on (a stratified sample when the table has more than the
    /// grid's `max_rows`).
    pub cv_rows: usize,
    /// The final fit's `min_rows_leaf` (the chosen fraction of its rows).
    pub final_min_leaf: f64,
    /// Seconds spent tuning (not serialized, so a model's bytes do not depend on the
    /// machine's speed).
    #[serde(skip)]
    pub seconds: f64,
}

/// Tables up to this many rows get a repeated CV in [`Tune::Fast`].
pub const SMALL_TABLE: usize = 20_000;

/// The held-out scores of every (depth, confidence, smoothing) of one grown tree.
struct JobScores {
    /// `[auc, log_loss, leaves]` per (depth, confidence, smoothing), in grid order.
    scores: Vec<[f64; 3]>,
}

/// Tunes `base` (an own-branch tree) on `rows` of `table`. Returns the chosen
/// parameters, binning and the report.
pub(crate) fn tune(
    base: &Id3Params,
    mode: Tune,
    table: &Table,
    rows: &[usize],
) -> Result<Option<(Id3Params, Binning, TuneReport)>> {
    let Some(grid) = mode.grid() else {
        return Ok(None);
    };
    let t0 = std::time::Instant::now();
    if base.missing != MissingPolicy::OwnBranch {
        return Err(Error::param(
            "tune",
            mode.name(),
            "tuning needs the own-branch missing policy",
        ));
    }
    let seed = base.seed;
    let all_rows = rows;
    let sample: Vec<usize>;
    let rows = if rows.len() > grid.max_rows {
        let labels: Vec<u8> = rows.iter().map(|&r| table.labels()[r]).collect();
        let h = stratified_holdout(&labels, grid.max_rows as f64 / rows.len() as f64, seed)?;
        sample = h.test.iter().map(|&i| rows[i]).collect();
        &sample[..]
    } else {
        rows
    };
    let labels: Vec<u8> = rows.iter().map(|&r| table.labels()[r]).collect();
    // Small tables: the fold noise is large and the fits cheap, so fast mode repeats
    // the CV once more.
    let repeats = if mode == Tune::Fast && rows.len() <= SMALL_TABLE {
        2
    } else {
        grid.repeats
    };
    let grid = Grid { repeats, ..grid };
    let mut folds = Vec::new();
    for rep in 0..grid.repeats {
        folds.extend(stratified_kfold(
            &labels,
            grid.folds,
            seed.wrapping_add(rep as u64),
        )?);
    }
    // Leaf sizes in rows of a fold's training part.
    let fold_rows = rows.len() as f64 * (grid.folds - 1) as f64 / grid.folds as f64;
    let mut leaves: Vec<(f64, f64)> = grid
        .min_leaf
        .iter()
        .map(|&f| (f, (f * fold_rows).round().max(2.0)))
        .collect();
    leaves.dedup_by(|a, b| a.1 == b.1);
    let grid = Grid {
        min_leaf: leaves.iter().map(|l| l.1).collect(),
        ..grid
    };
    let nb = grid.binnings.len();
    let nl = grid.min_leaf.len();
    let inner = grid.depths.len() * grid.confidences.len() * grid.smoothing.len();
    // Encodings: one per (fold, binning), every row of `rows` encoded.
    let encodings: Vec<Encoded> = (0..folds.len() * nb)
        .into_par_iter()
        .with_max_len(1)
        .map(|i| {
            let (f, b) = (i / nb, i % nb);
            let train: Vec<usize> = folds[f].train.iter().map(|&r| rows[r]).collect();
            let d = Discretizer::fit(table, &train, &grid.binnings[b])?;
            Ok(d.encode_rows(table, rows)?.0)
        })
        .collect::<Result<_>>()?;
    let jobs: Vec<JobScores> = (0..folds.len() * nb * nl)
        .into_par_iter()
        .with_max_len(1)
        .map(|i| {
            let (f, b, l) = (i / (nb * nl), (i / nl) % nb, i % nl);
            let enc = &encodings[f * nb + b];
            let fold = &folds[f];
            score_job(base, &grid, grid.min_leaf[l], enc, &fold.train, &fold.test)
        })
        .collect::<Result<_>>()?;
    let n_set = nb * nl * inner;
    let nf = folds.len() as f64;
    let mut points: Vec<CurvePoint> = Vec::with_capacity(n_set);
    let mut fold_aucs: Vec<Vec<f64>> = Vec::with_capacity(n_set);
    for b in 0..nb {
        for l in 0..nl {
            for j in 0..inner {
                let per: Vec<[f64; 3]> = (0..folds.len())
                    .map(|f| jobs[(f * nb + b) * nl + l].scores[j])
                    .collect();
                let auc = per.iter().map(|s| s[0]).sum::<f64>() / nf;
                fold_aucs.push(per.iter().map(|s| s[0]).collect());
                let var = per.iter().map(|s| (s[0] - auc).powi(2)).sum::<f64>() / (nf - 1.0);
                let (d, rest) = (
                    j / (inner / grid.depths.len()),
                    j % (inner / grid.depths.len()),
                );
                let (c, s) = (rest / grid.smoothing.len(), rest % grid.smoothing.len());
                points.push(CurvePoint {
                    setting: TunedSetting {
                        binning: grid.binnings[b].clone(),
                        min_leaf: grid.min_leaf[l],
                        min_leaf_fraction: leaves[l].0,
                        max_depth: grid.depths[d],
                        confidence: grid.confidences[c],
                        smoothing: grid.smoothing[s],
                    },
                    auc,
                    auc_se: (var / nf).sqrt(),
                    log_loss: per.iter().map(|s| s[1]).sum::<f64>() / nf,
                    leaves: per.iter().map(|s| s[2]).sum::<f64>() / nf,
                });
            }
        }
    }
    let best = one_se_best(&points);
    let chosen = one_se_pick(&points, &fold_aucs, 1.0);
    let mut order: Vec<usize> = (0..points.len()).collect();
    order.sort_by(|&a, &b| points[b].auc.total_cmp(&points[a].auc).then(a.cmp(&b)));
    let curve = order.iter().take(20).map(|&i| points[i].clone()).collect();
    let c = points[chosen].setting.clone();
    let final_min_leaf = (c.min_leaf_fraction * all_rows.len() as f64)
        .round()
        .max(2.0);
    let params = apply(base.clone(), &c).min_rows_leaf(final_min_leaf);
    let report = TuneReport {
        mode,
        folds: grid.folds,
        repeats: grid.repeats,
        seed,
        settings: points.len(),
        best: points[best].clone(),
        chosen: points[chosen].clone(),
        curve,
        cv_rows: rows.len(),
        final_min_leaf,
        seconds: t0.elapsed().as_secs_f64(),
    };
    Ok(Some((params, c.binning, report)))
}

/// `base` with a tuned setting's growth (its CV leaf size), pruning and smoothing.
pub(crate) fn apply(base: Id3Params, s: &TunedSetting) -> Id3Params {
    let (laplace, m) = if s.smoothing < 0.0 {
        (true, 0.0)
    } else {
        (false, s.smoothing)
    };
    base.min_rows_leaf(s.min_leaf)
        .min_rows_split(2.0)
        .max_depth(s.max_depth)
        .pruning(match s.confidence {
            Some(confidence) => Pruning::Pessimistic { confidence },
            None => Pruning::None,
        })
        .laplace(laplace)
        .m_estimate(m)
}

/// The setting with the best mean AUC (ties: the first in grid order).
fn one_se_best(points: &[CurvePoint]) -> usize {
    let mut best = 0;
    for (i, p) in points.iter().enumerate() {
        if p.auc > points[best].auc {
            best = i;
        }
    }
    best
}

/// The one-standard-error rule along the best setting's pruning path: among the
/// settings of the same grown trees as the best (same binning, leaf size and
/// smoothing; any depth cut and pruning confidence) whose mean AUC is below the best's
/// by at most `k` standard errors of that difference, the one with the fewest mean
/// leaves (ties: the higher AUC, then the first in grid order). Every setting is scored
/// on the same folds, so the standard error is that of the paired fold differences
/// `auc_best,f − auc_f` (the fold-to-fold noise both share cancels). Restricting the
/// rule to one path keeps it from picking, among thousands of settings, one that is
/// within a standard error of the best by chance. (The rule itself is
/// `math::one_se_pick`, shared with the survival tree's tuning.)
pub(crate) fn one_se_pick(points: &[CurvePoint], fold_aucs: &[Vec<f64>], k: f64) -> usize {
    let leaves: Vec<f64> = points.iter().map(|p| p.leaves).collect();
    let same_path = |b: usize, i: usize| {
        let (b, p) = (&points[b].setting, &points[i].setting);
        p.binning == b.binning && p.min_leaf == b.min_leaf && p.smoothing == b.smoothing
    };
    crate::math::one_se_pick(fold_aucs, &leaves, same_path, k).1
}

/// Grows one tree on `train` (positions in `enc`) with `min_leaf` and the grid's
/// largest depth, and scores every (depth, confidence, smoothing) on `test`.
fn score_job(
    base: &Id3Params,
    grid: &Grid,
    min_leaf: f64,
    enc: &Encoded,
    train: &[usize],
    test: &[usize],
) -> Result<JobScores> {
    let deepest = if grid.depths.contains(&None) {
        None
    } else {
        grid.depths.iter().flatten().max().copied()
    };
    let p = base
        .clone()
        .min_rows_leaf(min_leaf)
        .min_rows_split(2.0)
        .max_depth(deepest)
        .pruning(Pruning::None)
        .laplace(false)
        .m_estimate(0.0)
        .check()?;
    let tree = p.fit_rows(enc, train.iter().map(|&r| r as u32).collect())?;
    let k = tree.n_classes();
    let n = tree.nodes.len();
    let churn = enc.schema().churn_class();
    // Held-out class weights at the node each test row reaches in the grown tree.
    let cols: Vec<&Codes> = enc.columns().iter().collect();
    let mut held = vec![0.0; n * k];
    for &r in test {
        let node = tree.stop_node(&cols, r);
        held[node * k + enc.labels()[r] as usize] += enc.weight(r);
    }
    let parent = parents(&tree);
    // Node probabilities of every smoothing (they do not depend on the pruning).
    let probas: Vec<Vec<f64>> = grid
        .smoothing
        .iter()
        .map(|&m| node_probas(&tree, m))
        .collect();
    let mut scores = Vec::with_capacity(grid.depths.len() * grid.confidences.len() * probas.len());
    let mut eff = vec![0usize; n];
    let mut agg = vec![0.0; n * k];
    for &d in &grid.depths {
        let mut cut = tree.clone();
        if let Some(d) = d {
            for nd in cut.nodes.iter_mut() {
                if nd.depth as usize >= d {
                    nd.feature = super::node::LEAF;
                }
            }
        }
        for &cf in &grid.confidences {
            let mut t = cut.clone();
            if let Some(cf) = cf {
                prune::pessimistic_marks(&mut t, cf);
            }
            // eff[n]: where a row reaching node n of the grown tree ends in the pruned
            // one (nodes come after their parents in the arena).
            let mut leaves = 0usize;
            agg.fill(0.0);
            for i in 0..n {
                eff[i] = if i == 0 {
                    0
                } else {
                    let e = eff[parent[i]];
                    if e != parent[i] || t.nodes[e].is_leaf() {
                        e
                    } else {
                        i
                    }
                };
                if eff[i] == i && t.nodes[i].is_leaf() {
                    leaves += 1;
                }
                for c in 0..k {
                    agg[eff[i] * k + c] += held[i * k + c];
                }
            }
            for pr in &probas {
                let (auc, ll) = node_scores(&agg, pr, k, churn);
                scores.push([auc, ll, leaves as f64]);
            }
        }
    }
    Ok(JobScores { scores })
}

/// The parent of every node (the root's is 0).
fn parents(tree: &DecisionTree) -> Vec<usize> {
    let mut parent = vec![0usize; tree.nodes.len()];
    for i in 0..tree.nodes.len() {
        for (_, c) in tree.children(i) {
            parent[c] = i;
        }
    }
    parent
}

/// Every node's class probabilities under smoothing `m` (see [`Grid::smoothing`]).
fn node_probas(tree: &DecisionTree, m: f64) -> Vec<f64> {
    let k = tree.n_classes();
    if m > 0.0 {
        return m_estimate_probas(&tree.nodes, &tree.slots, &tree.counts, &tree.schema, k, m);
    }
    let mut p = vec![0.0; tree.counts.len()];
    for (c, o) in tree.counts.chunks_exact(k).zip(p.chunks_exact_mut(k)) {
        let n: f64 = c.iter().sum();
        for (o, &x) in o.iter_mut().zip(c) {
            *o = if m < 0.0 {
                (x + 1.0) / (n + k as f64)
            } else if n > 0.0 {
                x / n
            } else {
                1.0 / k as f64
            };
        }
    }
    p
}

/// ROC AUC of the churn class and mean log loss of held-out class weights `agg` per
/// node scored with node probabilities `p`.
fn node_scores(agg: &[f64], p: &[f64], k: usize, churn: usize) -> (f64, f64) {
    let mut groups: Vec<(f64, f64, f64)> = Vec::new();
    let (mut ll, mut total) = (0.0, 0.0);
    for (a, q) in agg.chunks_exact(k).zip(p.chunks_exact(k)) {
        let w: f64 = a.iter().sum();
        if w <= 0.0 {
            continue;
        }
        for (&x, &pq) in a.iter().zip(q) {
            if x > 0.0 {
                ll -= x * pq.max(1e-15).ln();
            }
        }
        total += w;
        groups.push((q[churn], a[churn], w - a[churn]));
    }
    groups.sort_by(|x, y| x.0.total_cmp(&y.0));
    let (mut pos, mut neg, mut area) = (0.0, 0.0, 0.0);
    let mut i = 0;
    while i < groups.len() {
        let (mut gp, mut gn) = (0.0, 0.0);
        let s = groups[i].0;
        while i < groups.len() && groups[i].0 == s {
            gp += groups[i].1;
            gn += groups[i].2;
            i += 1;
        }
        // Negatives of this score: every positive below counts 1, tied ones ½.
        area += gn * (pos + 0.5 * gp);
        pos += gp;
        neg += gn;
    }
    let auc = if pos > 0.0 && neg > 0.0 {
        // `area` counts (negative, positive-below) pairs; AUC wants positives above.
        1.0 - area / (pos * neg)
    } else {
        0.5
    };
    (auc, if total > 0.0 { ll / total } else { 0.0 })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(auc: f64, se: f64, leaves: f64) -> CurvePoint {
        CurvePoint {
            setting: TunedSetting {
                binning: Binning::EqualFrequency { bins: 16 },
                min_leaf: 1.0,
                min_leaf_fraction: 0.001,
                max_depth: None,
                confidence: None,
                smoothing: 0.0,
            },
            auc,
            auc_se: se,
            log_loss: 0.5,
            leaves,
        }
    }

    #[test]
    fn one_se_rule_picks_the_simpler_tree_within_one_se() {
        // Best AUC 0.80 ± 0.01 with 100 leaves; 0.795 with 12 leaves is within one SE,
        // 0.785 with 3 leaves is not.
        // Fold AUCs: the 12-leaf tree trails the best by 0.005 ± 0.0054 (paired SE),
        // the 3-leaf tree by 0.015 ± 0.0029.
        let folds = vec![
            vec![0.80, 0.79, 0.81, 0.80],
            vec![0.80, 0.77, 0.805, 0.805],
            vec![0.79, 0.77, 0.80, 0.78],
        ];
        let pts: Vec<CurvePoint> = [(100.0, &folds[0]), (12.0, &folds[1]), (3.0, &folds[2])]
            .iter()
            .map(|(l, f)| point(f.iter().sum::<f64>() / 4.0, 0.01, *l))
            .collect();
        assert_eq!(one_se_pick(&pts, &folds, 1.0), 1);
        assert_eq!(one_se_pick(&pts, &folds, 0.0), 0);
        assert_eq!(one_se_pick(&pts, &folds, 10.0), 2);
    }

    #[test]
    fn one_se_rule_stays_on_the_best_settings_pruning_path() {
        // A 2-leaf tree of another leaf size is as good as the best, paired, but it is
        // not on the best setting's pruning path: the 12-leaf cut of it is taken.
        let folds = vec![
            vec![0.80, 0.79, 0.81, 0.80],
            vec![0.80, 0.77, 0.805, 0.805],
            vec![0.80, 0.79, 0.81, 0.799],
        ];
        let mut pts: Vec<CurvePoint> = [(100.0, &folds[0]), (12.0, &folds[1]), (2.0, &folds[2])]
            .iter()
            .map(|(l, f)| point(f.iter().sum::<f64>() / 4.0, 0.01, *l))
            .collect();
        pts[2].setting.min_leaf = 50.0;
        assert_eq!(one_se_pick(&pts, &folds, 1.0), 1);
    }

    fn synthetic(rows: usize) -> Table {
        crate::synth::generate(&crate::synth::SynthParams {
            rows,
            seed: 5,
            ..crate::synth::SynthParams::default()
        })
        .unwrap()
    }

    #[test]
    fn tuning_is_deterministic_for_a_seed_and_refits_the_chosen_setting() {
        let t = synthetic(1500);
        let rows = t.all_rows();
        let base = Id3Params::weighted().seed(9);
        let (p1, b1, r1) = tune(&base, Tune::Fast, &t, &rows).unwrap().unwrap();
        let (p2, b2, r2) = tune(&base, Tune::Fast, &t, &rows).unwrap().unwrap();
        assert_eq!((&p1, &b1), (&p2, &b2));
        assert_eq!(r1.chosen, r2.chosen);
        assert_eq!(r1.curve, r2.curve);
        // 1,200 rows a fold: leaf fractions 0.0005, 0.001 and 0.002 all give 2 rows.
        assert_eq!(r1.settings, 2 * 4 * 8 * 5 * 10);
        assert_eq!(r1.repeats, 2, "a small table repeats the CV");
        assert!(r1.chosen.auc <= r1.best.auc && r1.chosen.leaves <= r1.best.leaves);
        assert!(r1.curve.windows(2).all(|w| w[0].auc >= w[1].auc));
        let leaf = (r1.chosen.setting.min_leaf_fraction * 1500.0)
            .round()
            .max(2.0);
        assert_eq!(
            apply(base.clone(), &r1.chosen.setting).min_rows_leaf(leaf),
            p1
        );
        assert_eq!((r1.cv_rows, r1.final_min_leaf), (1500, leaf));
        // Another seed deals other folds.
        let (_, _, r3) = tune(&base.clone().seed(10), Tune::Fast, &t, &rows)
            .unwrap()
            .unwrap();
        assert_ne!(r1.curve, r3.curve);
        assert!(tune(&base, Tune::Off, &t, &rows).unwrap().is_none());
    }

    #[test]
    fn cv_scores_read_off_one_tree_equal_those_of_the_tree_a_fit_grows() {
        // The depth-cut, pessimistically pruned, smoothed tree that one fit grows scores
        // the held-out rows exactly as the path read off the deep tree says.
        let t = synthetic(1200);
        let all = t.all_rows();
        let binning = Binning::EqualFrequency { bins: 16 };
        let train: Vec<usize> = all.iter().copied().filter(|r| r % 4 != 0).collect();
        let test: Vec<usize> = all.iter().copied().filter(|r| r % 4 == 0).collect();
        let enc = Discretizer::fit(&t, &train, &binning)
            .unwrap()
            .encode_rows(&t, &all)
            .unwrap()
            .0;
        let grid = Grid {
            binnings: vec![binning.clone()],
            min_leaf: vec![5.0],
            depths: vec![Some(3), None],
            confidences: vec![None, Some(0.25)],
            smoothing: vec![-1.0, 0.0, 10.0],
            folds: 2,
            repeats: 1,
            max_rows: 10_000,
        };
        let base = Id3Params::weighted();
        let job = score_job(&base, &grid, 5.0, &enc, &train, &test).unwrap();
        let mut j = 0;
        for &d in &grid.depths {
            for &cf in &grid.confidences {
                for &m in &grid.smoothing {
                    let s = TunedSetting {
                        binning: binning.clone(),
                        min_leaf: 5.0,
                        min_leaf_fraction: 0.01,
                        max_depth: d,
                        confidence: cf,
                        smoothing: m,
                    };
                    let tree = apply(base.clone(), &s)
                        .check()
                        .unwrap()
                        .fit_rows(&enc, train.iter().map(|&r| r as u32).collect())
                        .unwrap();
                    let held = enc.select(&test);
                    let proba = tree.predict_proba(&held).unwrap();
                    let k = tree.n_classes();
                    let churn = enc.schema().churn_class();
                    // Pairwise AUC of the churn class.
                    let (mut num, mut pos, mut neg) = (0.0, 0.0, 0.0);
                    for a in 0..held.n_rows() {
                        if held.labels()[a] as usize != churn {
                            continue;
                        }
                        pos += 1.0;
                        for b in 0..held.n_rows() {
                            if held.labels()[b] as usize == churn {
                                continue;
                            }
                            let (pa, pb) = (proba[a * k + churn], proba[b * k + churn]);
                            num += if pa > pb {
                                1.0
                            } else if pa == pb {
                                0.5
                            } else {
                                0.0
                            };
                        }
                    }
                    for b in 0..held.n_rows() {
                        neg += f64::from(held.labels()[b] as usize != churn);
                    }
                    let auc = num / (pos * neg);
                    let got = job.scores[j];
                    assert!((got[0] - auc).abs() < 1e-9, "{s:?}: {} vs {auc}", got[0]);
                    assert_eq!(got[2] as usize, tree.n_leaves(), "{s:?}");
                    j += 1;
                }
            }
        }
    }

    #[test]
    fn node_scores_auc_matches_the_pairwise_definition() {
        // Two nodes: churn probabilities 0.2 (3 retained, 1 churned) and 0.9 (1
        // retained, 3 churned). Pairs: churned above retained 3·3 + 1·1 tied-free...
        let agg = vec![3.0, 1.0, 1.0, 3.0];
        let p = vec![0.8, 0.2, 0.1, 0.9];
        let (auc, ll) = node_scores(&agg, &p, 2, 1);
        // Positives: 1 at 0.2, 3 at 0.9; negatives: 3 at 0.2, 1 at 0.9.
        // Correct pairs: 3·3 (0.9 vs 0.2) + ties 1·3·½ + 3·1·½ = 9 + 3 = 12 of 16.
        assert!((auc - 12.0 / 16.0).abs() < 1e-12, "{auc}");
        assert!(ll > 0.0);
    }
}
