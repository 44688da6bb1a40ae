//! Born-again trees: one weighted-entropy tree fitted to a churn forest's
//! out-of-bag class distributions instead of the 0/1 labels — the forest's knowledge
//! distilled into a single tree that reads like any other (Breiman & Shang 1996,
//! "Born again trees", Technical report, UC Berkeley; Hinton, Vinyals & Dean 2015,
//! "Distilling the knowledge in a neural network", for soft targets).
//!
//! Each training row `i` with weight `u_i` becomes one copy per class `c` with weight
//!
//! ```text
//! u_i · p̂_oob(c | x_i)
//! ```
//!
//! `p̂_oob` the average class distribution of the forest's trees that did not see row
//! `i` (a row every tree saw keeps its own label). The weights of a row's copies add
//! up to `u_i`, so counts, leaf sizes and the prior stay those of the rows; a node's
//! class distribution becomes the mean of the forest's out-of-bag probabilities of
//! its rows. The soft targets carry the forest's averaged boundary — the diagonal
//! "day plus evening minutes" boundary of the Orange data, which one axis-parallel
//! tree on 0/1 labels only staircases — and lower the label noise every split of a
//! small node fits, so the student grows deeper than a tree on the labels would be
//! allowed to and is not pruned (its leaves are already averages, pessimistic pruning
//! of fractional counts only collapses it).
//!
//! Measured by nested CV on the training files (outer stratified 5-fold, the whole
//! fit — tuning, forest and student — inside; constant leaves; `cargo run --release
//! --example tune_cv -- distill`), the tuned tree → the student of its setting with
//! no pruning, depth + 4 and half the minimum leaf ([`DISTILL_EXTRA_DEPTH`],
//! [`DISTILL_LEAF_DIVISOR`]):
//!
//! | | Telco | Orange | ISP | synth 3k | 6k | 10k |
//! |---|---:|---:|---:|---:|---:|---:|
//! | tuned tree, constant leaves | 0.8362 | 0.8970 | 0.9775 | 0.8748 | 0.8964 | 0.9034 |
//! | student, same depth and leaf | 0.8386 | 0.8984 | – | – | – | – |
//! | student, depth + 4 | 0.8400 | 0.9032 | 0.9766 | 0.8746 | 0.9065 | 0.9080 |
//! | **student, depth + 4, leaf / 2** | 0.8404 | 0.9033 | 0.9770 | 0.8771 | 0.9065 | 0.9087 |
//! | student, no depth limit, leaf / 2 | 0.8405 | 0.8998 | – | – | – | – |
//!
//! The default `id3-weighted` (naive-Bayes leaves chosen by CV) reads 0.8444 / 0.8993
//! / 0.9776 / 0.8909 / 0.9102 / 0.9135 in the same CV: the student ranks better only
//! where the forest's boundary is oblique (Orange), and it costs a forest fit, so it
//! is a learner of its own ([`TreeLearner::id3_weighted_distilled`](super::TreeLearner::id3_weighted_distilled)),
//! not the default.

use super::forest::Forest;
use super::params::Id3Params;
use crate::data::Encoded;
use crate::error::Result;

/// Levels the student may grow beyond the tuned depth (nested CV, module docs).
pub const DISTILL_EXTRA_DEPTH: usize = 4;

/// The student's minimum leaf is the tuned one divided by this (at least 2 rows;
/// nested CV, module docs).
pub const DISTILL_LEAF_DIVISOR: f64 = 2.0;

/// The soft-labelled training table: every row of `enc` once per class, in class-major
/// order (rows `c·n .. (c+1)·n` are the copies labelled `c`), each copy weighted by
/// the row's weight times the forest's out-of-bag probability of its class (see the
/// module docs); `teacher` is grown untuned on `enc`.
///
/// # Errors
/// The forest's ([`Forest::oob_distributions`]).
pub fn soft_labels(enc: &Encoded, teacher: &Forest) -> Result<Encoded> {
    let (dist, seen_by) = teacher.oob_distributions(enc)?;
    let n = enc.n_rows();
    let k = enc.n_classes();
    let rows: Vec<usize> = (0..k).flat_map(|_| 0..n).collect();
    let copies = enc.select(&rows);
    let labels: Vec<u8> = (0..k)
        .flat_map(|c| std::iter::repeat_n(c as u8, n))
        .collect();
    let mut weights = Vec::with_capacity(n * k);
    for c in 0..k {
        for i in 0..n {
            let p = if seen_by[i] == 0 {
                f64::from(u8::from(enc.labels()[i] as usize == c))
            } else {
                dist[i * k + c]
            };
            weights.push(enc.weight(i) * p);
        }
    }
    Encoded::new(
        copies.schema().clone(),
        copies.columns().to_vec(),
        labels,
        Some(weights),
    )
}

/// The student's parameters from the tree's (tuned) ones: no pruning, `max_depth +`
/// [`DISTILL_EXTRA_DEPTH`] (unlimited stays unlimited) and `min_rows_leaf /`
/// [`DISTILL_LEAF_DIVISOR`], at least 2.
pub fn student_params(params: Id3Params) -> Id3Params {
    let depth = params.max_depth.map(|d| d + DISTILL_EXTRA_DEPTH);
    let leaf = (params.min_rows_leaf / DISTILL_LEAF_DIVISOR)
        .round()
        .max(2.0);
    params
        .pruning(super::params::Pruning::None)
        .max_depth(depth)
        .min_rows_leaf(leaf)
}

/// The teacher of a student fitted with `params`: the default churn forest
/// ([`Forest::default`]: 100 trees, half-size bootstraps, `√p` features per node)
/// seeded with the tree's seed.
pub fn teacher(params: &Id3Params) -> Forest {
    Forest::default().seed(params.seed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Codes;

    fn table() -> Encoded {
        let t = crate::synth::generate(&crate::synth::SynthParams {
            rows: 600,
            seed: 5,
            ..crate::synth::SynthParams::default()
        })
        .unwrap();
        let d = crate::data::Discretizer::fit(
            &t,
            &t.all_rows(),
            &crate::data::Binning::EqualFrequency { bins: 8 },
        )
        .unwrap();
        d.encode_rows(&t, &t.all_rows()).unwrap().0
    }

    #[test]
    fn each_row_becomes_one_copy_per_class_weighing_what_the_row_weighs() {
        let enc = table();
        let (n, k) = (enc.n_rows(), enc.n_classes());
        // Row weights carry through.
        let w: Vec<f64> = (0..n).map(|i| 1.0 + (i % 3) as f64).collect();
        let weighted = Encoded::new(
            enc.schema().clone(),
            enc.columns().to_vec(),
            enc.labels().to_vec(),
            Some(w.clone()),
        )
        .unwrap();
        let soft = soft_labels(&weighted, &teacher(&Id3Params::default())).unwrap();
        assert_eq!(soft.n_rows(), n * k);
        for i in 0..n {
            let total: f64 = (0..k).map(|c| soft.weight(c * n + i)).sum();
            assert!((total - w[i]).abs() < 1e-9, "row {i}: {total}");
            for c in 0..k {
                assert_eq!(soft.labels()[c * n + i] as usize, c);
                for f in 0..enc.n_features() {
                    assert_eq!(soft.code(c * n + i, f), enc.code(i, f));
                }
            }
        }
        // Soft: most rows spread their weight over more than one class.
        let spread = (0..n)
            .filter(|&i| (0..k).filter(|&c| soft.weight(c * n + i) > 0.0).count() > 1)
            .count();
        assert!(spread > n / 2, "{spread} of {n}");
        // Deterministic for a seed.
        assert_eq!(
            soft,
            soft_labels(&weighted, &teacher(&Id3Params::default())).unwrap()
        );
    }

    #[test]
    fn a_row_every_tree_saw_keeps_its_label() {
        // One tree on a full-size bootstrap leaves some rows out, the rest keep their
        // own label.
        let schema = table().schema().clone();
        let f = schema.features.len();
        let n = 40;
        let columns: Vec<Codes> = (0..f).map(|_| Codes::U8(vec![0u8; n])).collect();
        let labels: Vec<u8> = (0..n).map(|i| (i % schema.classes.len()) as u8).collect();
        let enc = Encoded::new(schema, columns, labels.clone(), None).unwrap();
        let one = Forest::default().n_trees(1).sample_fraction(1.0).seed(3);
        let soft = soft_labels(&enc, &one).unwrap();
        let (_, seen) = one.oob_distributions(&enc).unwrap();
        let k = enc.n_classes();
        for i in 0..n {
            if seen[i] == 0 {
                for c in 0..k {
                    let want = f64::from(u8::from(labels[i] as usize == c));
                    assert_eq!(soft.weight(c * n + i), want);
                }
            }
        }
        assert!(seen.iter().any(|&s| s == 0) && seen.iter().any(|&s| s > 0));
    }

    #[test]
    fn the_student_grows_deeper_on_smaller_leaves_unpruned() {
        let p = Id3Params::weighted()
            .max_depth(Some(6))
            .min_rows_leaf(9.0)
            .pruning(super::super::params::Pruning::Pessimistic { confidence: 0.25 });
        let s = student_params(p);
        assert_eq!(s.max_depth, Some(10));
        assert_eq!(s.min_rows_leaf, 5.0);
        assert_eq!(s.get_pruning(), super::super::params::Pruning::None);
        let s = student_params(Id3Params::default().max_depth(None).min_rows_leaf(3.0));
        assert_eq!(s.max_depth, None);
        assert_eq!(s.min_rows_leaf, 2.0);
    }
}
