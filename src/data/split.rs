//! Seeded, stratified splits that return row indices: a holdout and k folds.
//!
//! Stratification: rows are grouped by label, each group is shuffled with a
//! ChaCha8 generator seeded by the caller, and each group is dealt out separately,
//! so every part keeps the class balance of the whole (to within one row per class).
//! Same labels + same seed = same indices, on every platform.

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::error::{Error, Result};

/// Row indices of a train/test holdout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holdout {
    /// Training rows, ascending.
    pub train: Vec<usize>,
    /// Held-out test rows, ascending.
    pub test: Vec<usize>,
}

/// One fold of a k-fold split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fold {
    /// Training rows (all rows not in `test`), ascending.
    pub train: Vec<usize>,
    /// This fold's test rows, ascending.
    pub test: Vec<usize>,
}

fn shuffled_groups(labels: &[u8], seed: u64) -> Vec<Vec<usize>> {
    let k = labels.iter().map(|&l| l as usize + 1).max().unwrap_or(0);
    let mut groups = vec![Vec::new(); k];
    for (i, &l) in labels.iter().enumerate() {
        groups[l as usize].push(i);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    for g in &mut groups {
        g.shuffle(&mut rng);
    }
    groups
}

/// A stratified holdout: about `test_fraction` of each class goes to `test`.
///
/// The number of test rows of a class with `n_c` rows is `round(test_fraction · n_c)`.
pub fn stratified_holdout(labels: &[u8], test_fraction: f64, seed: u64) -> Result<Holdout> {
    if !(test_fraction > 0.0 && test_fraction < 1.0) {
        return Err(Error::param(
            "test_fraction",
            test_fraction,
            "must be strictly between 0 and 1",
        ));
    }
    // The first round(f · n_c) rows of each shuffled class are the test rows; both
    // parts are listed in row order (a pass over a membership mask, not a sort).
    let mut is_test = vec![false; labels.len()];
    for g in shuffled_groups(labels, seed) {
        let n_test = (test_fraction * g.len() as f64).round() as usize;
        for &r in &g[..n_test] {
            is_test[r] = true;
        }
    }
    let n_test = is_test.iter().filter(|&&t| t).count();
    let mut train = Vec::with_capacity(labels.len() - n_test);
    let mut test = Vec::with_capacity(n_test);
    for (r, &t) in is_test.iter().enumerate() {
        if t {
            test.push(r);
        } else {
            train.push(r);
        }
    }
    if train.is_empty() || test.is_empty() {
        return Err(Error::param(
            "test fraction",
            test_fraction,
            format!("a holdout of {} rows leaves an empty part", labels.len()),
        ));
    }
    Ok(Holdout { train, test })
}

/// Stratified k-fold: each class is shuffled and dealt round-robin to the folds, so
/// fold sizes differ by at most one row per class.
pub fn stratified_kfold(labels: &[u8], k: usize, seed: u64) -> Result<Vec<Fold>> {
    if k < 2 {
        return Err(Error::param("k", k, "need at least 2 folds"));
    }
    if labels.len() < k {
        return Err(Error::param(
            "k",
            k,
            format!("{} rows cannot make {k} folds", labels.len()),
        ));
    }
    let mut fold_of = vec![0usize; labels.len()];
    let mut next = 0usize;
    for g in shuffled_groups(labels, seed) {
        for r in g {
            fold_of[r] = next % k;
            next += 1;
        }
    }
    Ok((0..k)
        .map(|f| {
            let (test, train) = (0..labels.len()).partition(|&r| fold_of[r] == f);
            Fold { train, test }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels() -> Vec<u8> {
        (0..1000).map(|i| if i % 4 == 0 { 1 } else { 0 }).collect()
    }

    #[test]
    fn holdout_is_stratified_deterministic_and_disjoint() {
        let l = labels();
        let a = stratified_holdout(&l, 0.3, 7).unwrap();
        let b = stratified_holdout(&l, 0.3, 7).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.test.len(), 300);
        assert_eq!(a.test.iter().filter(|&&r| l[r] == 1).count(), 75);
        let mut all: Vec<usize> = a.train.iter().chain(&a.test).copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..1000).collect::<Vec<_>>());
        let c = stratified_holdout(&l, 0.3, 8).unwrap();
        assert_ne!(a, c);
    }

    #[test]
    fn kfold_partitions_rows_and_keeps_balance() {
        let l = labels();
        let folds = stratified_kfold(&l, 10, 1).unwrap();
        assert_eq!(folds, stratified_kfold(&l, 10, 1).unwrap());
        let mut seen = vec![0; l.len()];
        for f in &folds {
            assert_eq!(f.test.len(), 100);
            assert_eq!(f.test.iter().filter(|&&r| l[r] == 1).count(), 25);
            assert_eq!(f.train.len() + f.test.len(), l.len());
            for &r in &f.test {
                seen[r] += 1;
            }
        }
        assert!(seen.iter().all(|&s| s == 1));
    }

    #[test]
    fn bad_parameters_are_errors() {
        assert!(stratified_holdout(&labels(), 0.0, 1).is_err());
        assert!(stratified_holdout(&labels(), 1.5, 1).is_err());
        assert!(stratified_kfold(&labels(), 1, 1).is_err());
        assert!(stratified_kfold(&[0, 1], 3, 1).is_err());
    }
}
