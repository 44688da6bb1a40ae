//! [`Node`]: one node of a fitted tree's flat arena, and the arena's two sentinels.
//!
//! The bottom of the tree module: the arena ([`DecisionTree`](super::DecisionTree)),
//! its scoring layout (`walk`), the grower and the pruners all speak of nodes; nodes
//! know nothing of them.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// The `feature` of a leaf.
pub const LEAF: u32 = u32::MAX;
/// An empty child slot.
pub const NO_CHILD: u32 = u32::MAX;

/// The deepest node a tree may have (root = depth 0): the grower stops there whatever
/// `max_depth` says, and a model file whose tree is deeper is refused at load
/// ([`DecisionTree::validate`](super::DecisionTree::validate)). It bounds the stack of
/// the grower's recursion and the size of the text and rule renderings, whose lines
/// repeat the path (quadratic in depth); the renderers (text, rules, DOT) and the
/// scoring walks use explicit stacks, not recursion. Trees grown from real data are a
/// few dozen levels deep.
pub const MAX_DEPTH: usize = 1000;

/// One node of the arena.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Node {
    /// The feature tested, or [`LEAF`].
    pub feature: u32,
    /// Index of this node's first child slot in the tree's `slots` (internal nodes).
    pub first_slot: u32,
    /// Depth (root = 0).
    pub depth: u32,
    /// Information gain of the node's split (class-weighted entropy, before any
    /// attribute weight; 0 for leaves).
    pub gain: f64,
    /// Total training weight at the node.
    pub weight: f64,
}

impl Node {
    /// True for a leaf.
    pub fn is_leaf(&self) -> bool {
        self.feature == LEAF
    }
}

/// A tree's child slots: one per code of each internal node's feature, the child's
/// node index or [`NO_CHILD`], addressed by position (`first_slot + code`).
///
/// A tree being grown, pruned or tuned keeps them plainly ([`Slots::plain`]). Read
/// from a model file they are stored plainly (4 bytes a slot) or run-length coded (8
/// bytes a run of equal slots), whichever is smaller, decided by the content alone: a
/// multiway split's distinct children stay plain, a forest's ordered binary splits of
/// 33-code numerics (3 runs, not 33 slots) are runs — so a loaded model takes no more
/// than its file, which stores them plainly (a tree) or as runs (a forest), until its
/// first walk expands the runs. Serialized as the plain sequence of slots, the bytes
/// of a `Vec<u32>`.
#[derive(Clone, Default)]
pub(crate) enum Slots {
    /// Every slot.
    Plain(Vec<u32>),
    /// Run `r` covers the slots `starts[r] .. starts[r + 1]` (the last one up to
    /// `len`) and holds `values[r]`; `starts[0] == 0`, adjacent runs differ.
    Runs {
        /// Where each run starts.
        starts: Vec<u32>,
        /// Each run's slot value.
        values: Vec<u32>,
        /// The number of slots.
        len: usize,
        /// The slots expanded one per element, built on the first lookup
        /// ([`at`](Slots::at), [`slice`](Slots::slice)) — as a tree compiles its walker on
        /// the first prediction — so that the walks of scoring, explanations and
        /// out-of-bag estimates pay one load per level, not a search over the runs.
        /// Loading a model builds none (the load bound of issue 15 holds); scoring
        /// a run-coded tree then holds its plain slots too.
        plain: Expanded,
    },
    /// No slots.
    #[default]
    Empty,
}

impl Slots {
    /// Slots from runs `(value, length)`, in order (zero-length runs are skipped,
    /// adjacent equal ones merged). None when there would be more than `u32::MAX`
    /// slots.
    pub(crate) fn from_runs(runs: impl IntoIterator<Item = (u32, u32)>) -> Option<Slots> {
        let mut starts: Vec<u32> = Vec::new();
        let mut values: Vec<u32> = Vec::new();
        let mut len: u64 = 0;
        for (v, n) in runs {
            if n == 0 {
                continue;
            }
            if values.last() != Some(&v) {
                starts.push(u32::try_from(len).ok()?);
                values.push(v);
            }
            len += u64::from(n);
        }
        if len > u64::from(u32::MAX) {
            return None;
        }
        let len = len as usize;
        Some(if len == 0 {
            Slots::Empty
        } else if 2 * values.len() < len {
            starts.shrink_to_fit();
            values.shrink_to_fit();
            Slots::Runs {
                starts,
                values,
                len,
                plain: Expanded::default(),
            }
        } else {
            let mut plain = Vec::with_capacity(len);
            for (r, &v) in values.iter().enumerate() {
                let end = starts.get(r + 1).map_or(len, |&s| s as usize);
                plain.extend(std::iter::repeat_n(v, end - starts[r] as usize));
            }
            Slots::Plain(plain)
        })
    }

    /// The number of slots.
    pub(crate) fn len(&self) -> usize {
        match self {
            Slots::Plain(v) => v.len(),
            Slots::Runs { len, .. } => *len,
            Slots::Empty => 0,
        }
    }

    /// The run holding slot `i < len` (runs only).
    #[inline]
    fn run_of(starts: &[u32], i: usize) -> usize {
        starts.partition_point(|&s| s as usize <= i) - 1
    }

    /// The slots `first .. first + n` as a slice (run-coded slots are expanded on
    /// the first call), None when they run past the end.
    #[inline]
    pub(crate) fn slice(&self, first: usize, n: usize) -> Option<&[u32]> {
        let all: &[u32] = match self {
            Slots::Plain(v) => v,
            Slots::Runs { plain, .. } => plain.get(self),
            Slots::Empty => &[],
        };
        all.get(first..first.checked_add(n)?)
    }

    /// Slot `i` (`i` must be below [`len`](Slots::len), as a slice index).
    #[inline]
    pub(crate) fn at(&self, i: usize) -> u32 {
        match self {
            Slots::Plain(v) => v[i],
            Slots::Runs { plain, .. } => plain.get(self)[i],
            Slots::Empty => panic!("slot {i} past the 0 slots"),
        }
    }

    /// The slots `first .. first + n`, None when they run past the end.
    pub(crate) fn block(&self, first: usize, n: usize) -> Option<SlotIter<'_>> {
        let end = first.checked_add(n)?;
        if end > self.len() {
            return None;
        }
        let run = match self {
            Slots::Runs { starts, .. } if n > 0 => Self::run_of(starts, first),
            _ => 0,
        };
        Some(SlotIter {
            slots: self,
            pos: first,
            end,
            run,
        })
    }

    /// Every slot, in order.
    pub(crate) fn iter(&self) -> SlotIter<'_> {
        SlotIter {
            slots: self,
            pos: 0,
            end: self.len(),
            run: 0,
        }
    }

    /// The slots as runs `(value, length)`, adjacent equal slots merged.
    pub(crate) fn runs(&self) -> Vec<(u32, u32)> {
        let mut out: Vec<(u32, u32)> = Vec::new();
        for c in self.iter() {
            match out.last_mut() {
                Some((v, n)) if *v == c => *n += 1,
                _ => out.push((c, 1)),
            }
        }
        out
    }

    /// The slots, one per element.
    #[cfg(test)]
    pub(crate) fn to_vec(&self) -> Vec<u32> {
        self.iter().collect()
    }

    /// Bytes held.
    pub(crate) fn heap_bytes(&self) -> usize {
        match self {
            Slots::Plain(v) => v.capacity() * 4,
            Slots::Runs {
                starts,
                values,
                plain,
                ..
            } => (starts.capacity() + values.capacity() + plain.capacity()) * 4,
            Slots::Empty => 0,
        }
    }
}

impl PartialEq for Slots {
    /// Equal slots, whatever their representation (the expanded cache is ignored).
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Slots::Plain(a), Slots::Plain(b)) => a == b,
            (
                Slots::Runs {
                    starts: s1,
                    values: v1,
                    len: l1,
                    ..
                },
                Slots::Runs {
                    starts: s2,
                    values: v2,
                    len: l2,
                    ..
                },
            ) => (s1, v1, l1) == (s2, v2, l2),
            (Slots::Empty, Slots::Empty) => true,
            _ => self.len() == other.len() && self.iter().eq(other.iter()),
        }
    }
}

/// The expanded slots of [`Slots::Runs`], built once on the first lookup.
#[derive(Default)]
pub(crate) struct Expanded(OnceLock<Vec<u32>>);

impl Expanded {
    /// The slots of `runs` (which holds this cache), one per element.
    #[inline]
    fn get<'a>(&'a self, runs: &Slots) -> &'a [u32] {
        match self.0.get() {
            Some(v) => v,
            None => self.build(runs),
        }
    }

    #[cold]
    #[inline(never)]
    fn build<'a>(&'a self, runs: &Slots) -> &'a [u32] {
        self.0.get_or_init(|| {
            let mut v = Vec::with_capacity(runs.len());
            v.extend(runs.iter());
            v
        })
    }

    /// Slots held (0 until built).
    fn capacity(&self) -> usize {
        self.0.get().map_or(0, Vec::capacity)
    }
}

impl Clone for Expanded {
    /// An empty cache: the clone expands its own slots when first used.
    fn clone(&self) -> Self {
        Expanded::default()
    }
}

impl Slots {
    /// The slots stored plainly, as the grower and the pruners leave them: a tree
    /// being fitted, pruned and cross-validated is walked far more often than it is
    /// stored. Loading a model file chooses the smaller representation (`Slots::from`).
    pub(crate) fn plain(mut v: Vec<u32>) -> Slots {
        if v.is_empty() {
            Slots::Empty
        } else {
            v.shrink_to_fit();
            Slots::Plain(v)
        }
    }
}

impl From<Vec<u32>> for Slots {
    /// Plain or runs, whichever is smaller.
    fn from(v: Vec<u32>) -> Self {
        let mut runs = 0usize;
        let mut last = None;
        for &c in &v {
            if last != Some(c) {
                runs += 1;
                last = Some(c);
            }
        }
        if v.is_empty() {
            Slots::Empty
        } else if 2 * runs < v.len() {
            Slots::from_runs(v.iter().map(|&c| (c, 1))).unwrap_or(Slots::Plain(v))
        } else {
            let mut v = v;
            v.shrink_to_fit();
            Slots::Plain(v)
        }
    }
}

impl std::fmt::Debug for Slots {
    /// As the list of slots.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Serialize for Slots {
    /// As the sequence of slots (the bytes of a `Vec<u32>`).
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for Slots {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        Vec::<u32>::deserialize(d).map(Slots::from)
    }
}

/// The slots of a range, in order (see [`Slots::block`]).
pub(crate) struct SlotIter<'a> {
    slots: &'a Slots,
    pos: usize,
    end: usize,
    /// The run holding `pos` (runs only).
    run: usize,
}

impl Iterator for SlotIter<'_> {
    type Item = u32;

    #[inline]
    fn next(&mut self) -> Option<u32> {
        if self.pos >= self.end {
            return None;
        }
        let v = match self.slots {
            Slots::Plain(v) => v[self.pos],
            Slots::Runs { starts, values, .. } => {
                while starts
                    .get(self.run + 1)
                    .is_some_and(|&s| s as usize <= self.pos)
                {
                    self.run += 1;
                }
                values[self.run]
            }
            Slots::Empty => return None,
        };
        self.pos += 1;
        Some(v)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.end - self.pos;
        (n, Some(n))
    }
}

impl ExactSizeIterator for SlotIter<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_runs_only_when_smaller_and_read_the_same() {
        let binary: Vec<u32> = [vec![1; 16], vec![2; 16], vec![NO_CHILD]].concat();
        let multi: Vec<u32> = (0..20).chain([NO_CHILD]).collect();
        for v in [binary.clone(), multi.clone(), vec![5], Vec::new()] {
            let s = Slots::from(v.clone());
            assert_eq!(s.len(), v.len());
            assert_eq!(s.iter().collect::<Vec<_>>(), v);
            for (i, &x) in v.iter().enumerate() {
                assert_eq!(s.at(i), x);
            }
            for first in 0..=v.len() {
                for n in 0..=v.len() - first {
                    let block: Vec<u32> = s.block(first, n).unwrap().collect();
                    assert_eq!(block, v[first..first + n]);
                    assert_eq!(s.slice(first, n), Some(&v[first..first + n]));
                }
                assert!(s.block(first, v.len() - first + 1).is_none());
                assert!(s.slice(first, v.len() - first + 1).is_none());
            }
            // Plainly stored, the same slots compare equal; a clone starts with no
            // expanded cache and still reads the same.
            assert_eq!(Slots::plain(v.clone()), s);
            assert_eq!(s.clone().iter().collect::<Vec<_>>(), v);
            assert_eq!(s.heap_bytes() > 0, !v.is_empty());
            // The same bytes as the plain list; read back as it was stored.
            let bytes = bincode::serialize(&s).unwrap();
            assert_eq!(bytes, bincode::serialize(&v).unwrap());
            assert_eq!(bincode::deserialize::<Slots>(&bytes).unwrap(), s);
            assert_eq!(Slots::from_runs(s.runs()), Some(s));
        }
        assert!(matches!(Slots::from(binary), Slots::Runs { .. }));
        assert!(matches!(Slots::from(multi), Slots::Plain(_)));
        // Runs given with zero lengths and repeats are stored as from the slots.
        let odd = Slots::from_runs([(1, 3), (1, 5), (9, 0), (2, 8)]).unwrap();
        assert_eq!(odd, Slots::from([vec![1; 8], vec![2; 8]].concat()));
        assert!(Slots::from_runs([(1, u32::MAX), (2, 1)]).is_none());
    }
}
