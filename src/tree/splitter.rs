//! The splitter (scikit-learn's `Splitter`): finds the best split of one node from its
//! (value × class) count tables.
//!
//! For each candidate feature the node's rows are counted once into a table
//! ([`NodeTables`], the hot path); the [`SplitCriterion`] scores the table as a
//! multiway split, or every ordered boundary of a binned numeric feature as a binary
//! split, and then picks the best candidate. The splitter knows nothing of trees, depths
//! or row buffers: the builder (`grow`) asks it for a split and does the rest.
//!
//! Unweighted rows are counted as `u32` cells and scored through
//! [`SplitCriterion::candidate_counts`] (the integer fast path: no float-to-index
//! conversion per `n · log2 n` lookup); weighted rows as `f64` cells through
//! [`SplitCriterion::candidate`]. Both go through the same trait, and the splitter is
//! generic over it, so the criterion costs no dynamic dispatch.

use super::counts::NodeTables;
use super::criterion::{Candidate, NLogN, Resolved, SplitCriterion};
use crate::count::ClassTable;
#[cfg(test)]
use crate::count::{Counter, Rows};
use crate::data::{Encoded, EncodedSchema};

/// The rules a split must obey (from the tree's parameters).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct SplitRules {
    /// At least two branches must hold this many (weighted) rows (C4.5).
    pub(crate) min_rows_leaf: f64,
    /// The chosen split's gain must exceed this.
    pub(crate) min_gain: f64,
    /// Numeric (binned) features split in two at a bin boundary instead of multiway.
    pub(crate) binary_numeric: bool,
    /// C4.5's fractional missing values: the missing value is not a branch.
    pub(crate) fractional: bool,
}

/// Reusable buffers of one splitting task (one per thread of a fit).
pub(crate) struct SplitBuffers {
    /// The node's per-feature count tables; after [`Splitter::best_split`] the chosen
    /// feature's table is still here.
    pub(crate) tables: NodeTables,
    cands: Vec<usize>,
    scored: Vec<Candidate>,
    /// A table converted to `f64`.
    pub(crate) fbuf: Vec<f64>,
}

impl SplitBuffers {
    /// Buffers for a table of `n_features` features.
    pub(crate) fn new(n_features: usize) -> Self {
        SplitBuffers {
            tables: NodeTables::new(n_features),
            cands: Vec::with_capacity(n_features),
            scored: Vec::with_capacity(n_features),
            fbuf: Vec::new(),
        }
    }
}

/// Finds the best split of a node under a criterion `C` (read-only; shared by every
/// task of a fit).
pub(crate) struct Splitter<C: SplitCriterion = Resolved> {
    pub(crate) crit: C,
    pub(crate) lg: NLogN,
    /// Number of classes.
    pub(crate) k: usize,
    pub(crate) rules: SplitRules,
}

impl<C: SplitCriterion> Splitter<C> {
    /// The best admissible split of the node holding `rows` of `enc` (counted by
    /// `counter`) over the features
    /// not `used` on its path, or None (no feature splits it with a gain above
    /// `min_gain`). Leaves the chosen feature's table in `b.tables`.
    #[cfg(test)]
    pub(crate) fn best_split<K: Counter>(
        &self,
        b: &mut SplitBuffers,
        counter: &K,
        enc: &Encoded,
        rows: Rows<'_>,
        used: &[bool],
    ) -> Option<Candidate> {
        self.best_split_with(b, enc.schema(), used, |t, cands| {
            t.count(counter, rows, cands)
        })
    }

    /// The best admissible split of a node whose tables `count` puts in `b.tables`
    /// (given the candidate features, ascending: those not `used`), or None. The one
    /// split choice of every grower: the depth-first one counts the node's rows here,
    /// the level-wise one hands over the tables its level query counted.
    pub(crate) fn best_split_with(
        &self,
        b: &mut SplitBuffers,
        schema: &EncodedSchema,
        used: &[bool],
        count: impl FnOnce(&mut NodeTables, &[usize]),
    ) -> Option<Candidate> {
        b.cands.clear();
        b.cands.extend((0..used.len()).filter(|&j| !used[j]));
        if b.cands.is_empty() {
            return None;
        }
        count(&mut b.tables, &b.cands);
        b.scored.clear();
        let frac = self.rules.fractional;
        for &j in &b.cands {
            let t = b.tables.table(j);
            let missing = frac.then(|| schema.features[j].missing_code() as usize);
            let c = if self.rules.binary_numeric && schema.features[j].numeric {
                let m = schema.features[j].missing_code() as usize;
                let tf = match t {
                    ClassTable::Floats(f) => f,
                    ClassTable::Ints(_) => {
                        t.to_f64(&mut b.fbuf);
                        &b.fbuf
                    }
                };
                self.best_threshold(j, tf, m, frac)
            } else {
                let mut c = match t {
                    ClassTable::Ints(ints) => self
                        .crit
                        .candidate_counts(&self.lg, j, ints, self.k, missing),
                    ClassTable::Floats(f) => self.crit.candidate(&self.lg, j, f, self.k, missing),
                };
                if !self.admissible(t, missing) {
                    c.branches = 0;
                }
                c
            };
            b.scored.push(c);
        }
        let best = self.crit.select(&b.scored)?;
        let c = b.scored[best];
        (c.gain > self.rules.min_gain + 1e-12).then_some(c)
    }

    /// C4.5's admissibility: at least two branches with `min_rows_leaf` rows.
    fn admissible(&self, t: ClassTable<'_>, missing: Option<usize>) -> bool {
        let k = self.k;
        (0..t.len() / k)
            .filter(|&v| {
                Some(v) != missing && t.sum(v * k, (v + 1) * k) >= self.rules.min_rows_leaf
            })
            .count()
            >= 2
    }

    /// The best ordered binary split of numeric feature `j` from its (bin × class)
    /// table: every boundary `t` is scored on the merged table [bins < t; bins ≥ t;
    /// missing].
    fn best_threshold(&self, j: usize, t: &[f64], missing: usize, frac: bool) -> Candidate {
        let k = self.k;
        let mut merged = [0.0f64; 3 * 16];
        let mut merged_v;
        let m: &mut [f64] = if k <= 16 {
            &mut merged[..3 * k]
        } else {
            merged_v = vec![0.0; 3 * k];
            &mut merged_v
        };
        let mut best = Candidate {
            feature: j,
            gain: 0.0,
            score: f64::NEG_INFINITY,
            branches: 0,
            threshold: 0,
        };
        m.fill(0.0);
        // Right starts with every known bin; bins move left one at a time.
        for v in 0..missing {
            for c in 0..k {
                m[k + c] += t[v * k + c];
            }
        }
        m[2 * k..3 * k].copy_from_slice(&t[missing * k..(missing + 1) * k]);
        let miss = frac.then_some(2);
        for th in 1..missing {
            let row = &t[(th - 1) * k..th * k];
            if row.iter().all(|&x| x == 0.0) {
                continue;
            }
            for c in 0..k {
                m[c] += row[c];
                m[k + c] -= row[c];
            }
            // Exact zero for emptied cells (subtraction may leave round-off).
            for x in &mut m[k..2 * k] {
                if x.abs() < 1e-9 {
                    *x = 0.0;
                }
            }
            let mut c = self.crit.candidate(&self.lg, j, m, k, miss);
            if !self.admissible(ClassTable::Floats(m), miss) {
                continue;
            }
            if c.score > best.score + 1e-12 {
                c.threshold = th as u16;
                best = c;
            }
        }
        best
    }
}

/// Which child group each code of the split feature goes to, and the number of groups.
pub(crate) fn groups(enc: &Encoded, c: &Candidate) -> (Vec<usize>, usize) {
    let mut g = Vec::new();
    let ng = fill_groups(enc, c, &mut g);
    (g, ng)
}

/// Fills `group` with the child group of each code of the split feature; returns the
/// number of groups (one per code for a multiway split; left, right and missing for an
/// ordered binary one).
pub(crate) fn fill_groups(enc: &Encoded, c: &Candidate, group: &mut Vec<usize>) -> usize {
    fill_groups_of(enc.schema(), c, group)
}

/// [`fill_groups`] from the schema alone.
pub(crate) fn fill_groups_of(
    schema: &EncodedSchema,
    c: &Candidate,
    group: &mut Vec<usize>,
) -> usize {
    let f = &schema.features[c.feature];
    let card = f.cardinality();
    group.clear();
    if c.threshold == 0 {
        group.extend(0..card);
        return card;
    }
    let missing = f.missing_code() as usize;
    let t = c.threshold as usize;
    group.extend((0..card).map(|v| {
        if v == missing {
            2
        } else if v < t {
            0
        } else {
            1
        }
    }));
    3
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::count::InMemory;
    use crate::data::{Codes, EncodedFeature, EncodedSchema};
    use crate::tree::Criterion;

    /// 30 rows: `b` decides the class, `a` and `c` mostly do not.
    fn table(weights: Option<Vec<f64>>) -> Encoded {
        let feat = |name: &str, levels: usize| EncodedFeature {
            name: name.into(),
            levels: (0..levels).map(|l| l.to_string()).collect(),
            numeric: false,
        };
        let schema = Arc::new(EncodedSchema {
            features: vec![feat("a", 3), feat("b", 2), feat("c", 5)],
            classes: vec!["retained".into(), "churned".into()],
        });
        let a: Vec<u8> = (0..30).map(|i| (i % 3) as u8).collect();
        let b: Vec<u8> = (0..30).map(|i| ((i / 2) % 2) as u8).collect();
        let c: Vec<u8> = (0..30).map(|i| ((i * 3) % 5) as u8).collect();
        let labels = (0..30).map(|i| b[i] ^ u8::from(i % 11 == 0)).collect();
        let cols = vec![Codes::U8(a), Codes::U8(b), Codes::U8(c)];
        Encoded::new(schema, cols, labels, weights).unwrap()
    }

    fn splitter<C: SplitCriterion>(crit: C) -> Splitter<C> {
        Splitter {
            crit,
            lg: NLogN::new(31),
            k: 2,
            rules: SplitRules {
                min_rows_leaf: 1.0,
                min_gain: 0.0,
                binary_numeric: false,
                fractional: false,
            },
        }
    }

    fn resolved(c: Criterion) -> Resolved {
        c.resolve(table(None).schema(), &[15.0, 15.0]).unwrap()
    }

    /// A criterion with only the `f64` path: the trait's default integer path.
    struct FloatsOnly(Resolved);

    impl SplitCriterion for FloatsOnly {
        fn impurity(&self, lg: &NLogN, c: &[f64]) -> f64 {
            self.0.impurity(lg, c)
        }
        fn candidate(
            &self,
            lg: &NLogN,
            feature: usize,
            table: &[f64],
            k: usize,
            missing: Option<usize>,
        ) -> Candidate {
            self.0.candidate(lg, feature, table, k, missing)
        }
        fn select(&self, cands: &[Candidate]) -> Option<usize> {
            self.0.select(cands)
        }
    }

    #[test]
    fn the_integer_fast_path_scores_as_the_float_path() {
        let rows: Vec<u32> = (0..30).collect();
        let unweighted = table(None);
        let unit = table(Some(vec![1.0; 30]));
        for c in [Criterion::InformationGain, Criterion::GainRatio] {
            let fast = splitter(resolved(c.clone()));
            let slow = splitter(FloatsOnly(resolved(c)));
            let mut b = SplitBuffers::new(3);
            let used = [false; 3];
            let got = fast.best_split(
                &mut b,
                &InMemory::new(&unweighted),
                &unweighted,
                Rows::Subset(&rows),
                &used,
            );
            assert!(matches!(b.tables.table(1), ClassTable::Ints(_)));
            let by_default = slow.best_split(
                &mut b,
                &InMemory::new(&unweighted),
                &unweighted,
                Rows::Subset(&rows),
                &used,
            );
            let by_floats = fast.best_split(
                &mut b,
                &InMemory::new(&unit),
                &unit,
                Rows::Subset(&rows),
                &used,
            );
            assert!(matches!(b.tables.table(1), ClassTable::Floats(_)));
            let got = got.expect("splits");
            assert_eq!(got.feature, 1, "b decides the class");
            assert_eq!(Some(got), by_default);
            assert_eq!(Some(got), by_floats);
        }
    }

    #[test]
    fn used_features_and_min_gain_are_respected() {
        let rows: Vec<u32> = (0..30).collect();
        let enc = table(None);
        let mut s = splitter(resolved(Criterion::InformationGain));
        let mut b = SplitBuffers::new(3);
        let c = s.best_split(
            &mut b,
            &InMemory::new(&enc),
            &enc,
            Rows::Subset(&rows),
            &[false, true, false],
        );
        assert_ne!(c.expect("a or c splits").feature, 1);
        assert_eq!(
            s.best_split(
                &mut b,
                &InMemory::new(&enc),
                &enc,
                Rows::Subset(&rows),
                &[true; 3]
            ),
            None
        );
        s.rules.min_gain = 1.0;
        assert_eq!(
            s.best_split(
                &mut b,
                &InMemory::new(&enc),
                &enc,
                Rows::Subset(&rows),
                &[false; 3]
            ),
            None
        );
    }
}
