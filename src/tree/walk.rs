//! The scoring layout of a fitted tree: one flat `u32` array walked by a tight loop,
//! rows in interleaved blocks.
//!
//! An internal node is a run `[feature, child(code 0), child(code 1), …]` of the flat
//! array, so the feature and the child a row goes to sit in one or two cache lines
//! (the arena's `Node` and its slots are two reads, often two misses, per level). A
//! child entry is the start of the child's run, or — with [`RESULT`] set — the index of
//! a *result*: a leaf, or the internal node itself when the slot is empty (a value the
//! node never saw; the row stops there, as [`MissingPolicy::OwnBranch`] says). Results
//! are numbered compactly so that per-result outputs (class probabilities, majority
//! class) are computed once per call for them only.
//!
//! Rows are walked [`BLOCK`] at a time, one level per pass over the block: the loads of
//! different rows do not depend on each other, so a large tree's cache misses overlap
//! instead of queueing one after another.
//!
//! [`MissingPolicy::OwnBranch`]: super::MissingPolicy::OwnBranch

use std::sync::OnceLock;

use super::node::{LEAF, NO_CHILD, Node, Slots};
use crate::data::{Codes, Encoded, EncodedSchema};

/// Marks a child entry that is a result index, not a run start.
pub(crate) const RESULT: u32 = 1 << 31;

/// Rows walked together.
pub(crate) const BLOCK: usize = 16;

/// A tree's [`Walker`], compiled on first use and kept (a field of the tree, skipped by
/// serde). Clones start empty, equality ignores it, and the arena resets it whenever
/// its nodes change (`DecisionTree::compact`).
#[derive(Default)]
pub(crate) struct WalkerCache(OnceLock<Option<Walker>>);

impl WalkerCache {
    /// The walker of the arena `nodes` / `slots` over `schema`, compiled on the first
    /// call (None when it does not fit 31-bit entries).
    pub(crate) fn get(
        &self,
        nodes: &[Node],
        slots: &Slots,
        schema: &EncodedSchema,
    ) -> Option<&Walker> {
        self.0
            .get_or_init(|| Walker::new(nodes, slots, schema))
            .as_ref()
    }

    /// Forgets the compiled walker (after the arena changed).
    pub(crate) fn reset(&mut self) {
        self.0 = OnceLock::new();
    }

    /// True once a walker (or the knowledge that none fits) is cached.
    #[cfg(test)]
    pub(crate) fn is_built(&self) -> bool {
        self.0.get().is_some()
    }
}

impl Clone for WalkerCache {
    /// An empty cache: the clone compiles its own walker when first used.
    fn clone(&self) -> Self {
        WalkerCache::default()
    }
}

impl PartialEq for WalkerCache {
    /// Always equal: the cache is derived from the tree, not part of it.
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl std::fmt::Debug for WalkerCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WalkerCache")
    }
}

/// A tree compiled for scoring (own-branch missing policy).
pub(crate) struct Walker {
    flat: Vec<u32>,
    /// The root's entry (a run start, or a result when the root is a leaf).
    root: u32,
    /// The arena node of each result.
    pub(crate) results: Vec<u32>,
}

impl Walker {
    /// Compiles `tree` (node order kept: depth-first pre-order, subtrees contiguous).
    /// None when the flat array would not fit 31-bit entries.
    pub(crate) fn new(nodes: &[Node], slots: &Slots, schema: &EncodedSchema) -> Option<Walker> {
        let mut start = vec![u32::MAX; nodes.len()];
        let mut result = vec![u32::MAX; nodes.len()];
        let mut len = 0usize;
        let mut results = Vec::new();
        for (n, node) in nodes.iter().enumerate() {
            if node.feature == LEAF {
                result[n] = results.len() as u32;
                results.push(n as u32);
            } else {
                start[n] = len as u32;
                let card = schema.features[node.feature as usize].cardinality();
                let mut block = slots.block(node.first_slot as usize, card)?;
                if block.any(|c| c == NO_CHILD) {
                    result[n] = results.len() as u32;
                    results.push(n as u32);
                }
                len += 1 + card;
            }
        }
        if len >= RESULT as usize || results.len() >= RESULT as usize {
            return None;
        }
        let mut flat = Vec::with_capacity(len);
        for (n, node) in nodes.iter().enumerate() {
            if node.feature == LEAF {
                continue;
            }
            let card = schema.features[node.feature as usize].cardinality();
            flat.push(node.feature);
            for c in slots.block(node.first_slot as usize, card)? {
                flat.push(match c {
                    NO_CHILD => RESULT | result[n],
                    c if nodes[c as usize].feature == LEAF => RESULT | result[c as usize],
                    c => start[c as usize],
                });
            }
        }
        let root = if nodes[0].feature == LEAF {
            RESULT | result[0]
        } else {
            0
        };
        Some(Walker {
            flat,
            root,
            results,
        })
    }

    /// Calls `emit(row, result)` for every row of `enc`, in row order.
    pub(crate) fn run(&self, enc: &Encoded, mut emit: impl FnMut(usize, usize)) {
        let cols = enc.columns();
        if let Some(u8s) = cols
            .iter()
            .map(|c| match c {
                Codes::U8(v) => Some(&v[..]),
                Codes::U16(_) => None,
            })
            .collect::<Option<Vec<&[u8]>>>()
        {
            self.blocks(enc.n_rows(), |f, r| u8s[f][r] as usize, &mut emit);
        } else {
            self.blocks(enc.n_rows(), |f, r| cols[f].get(r) as usize, &mut emit);
        }
    }

    #[inline(always)]
    fn blocks(
        &self,
        n: usize,
        code: impl Fn(usize, usize) -> usize,
        emit: &mut impl FnMut(usize, usize),
    ) {
        let flat = &self.flat[..];
        let mut at = [0u32; BLOCK];
        let mut start = 0;
        while start < n {
            let m = BLOCK.min(n - start);
            at[..m].fill(self.root);
            loop {
                let mut moving = false;
                for (i, p) in at[..m].iter_mut().enumerate() {
                    if *p & RESULT == 0 {
                        let run = *p as usize;
                        let c = code(flat[run] as usize, start + i);
                        *p = flat[run + 1 + c];
                        moving = true;
                    }
                }
                if !moving {
                    break;
                }
            }
            for (i, &p) in at[..m].iter().enumerate() {
                emit(start + i, (p & !RESULT) as usize);
            }
            start += m;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::EncodedFeature;
    use crate::tree::{DecisionTree, Id3};
    use std::sync::Arc;

    /// Mixed `u8`/`u16` columns; training rows lack some codes, so scoring every row
    /// meets empty slots (rows that stop at an internal node).
    fn data(n: usize, wide: bool) -> Encoded {
        let feat = |name: &str, levels: usize| EncodedFeature {
            name: name.into(),
            levels: (0..levels).map(|l| l.to_string()).collect(),
            numeric: false,
        };
        let schema = Arc::new(EncodedSchema {
            features: vec![feat("a", 5), feat("b", 3), feat("c", 300)],
            classes: vec!["retained".into(), "at_risk".into(), "churned".into()],
        });
        let a: Vec<u8> = (0..n).map(|i| ((i * 7 + i / 13) % 6) as u8).collect();
        let b: Vec<u8> = (0..n).map(|i| ((i * 5 + i / 7) % 4) as u8).collect();
        let c: Vec<u16> = (0..n).map(|i| ((i * 11 + i / 3) % 301) as u16).collect();
        let labels = (0..n)
            .map(|i| ((a[i] as usize + b[i] as usize + i / 17) % 3) as u8)
            .collect();
        let c = if wide {
            Codes::U16(c)
        } else {
            Codes::U8(c.iter().map(|&x| (x % 200) as u8).collect())
        };
        Encoded::new(schema, vec![Codes::U8(a), Codes::U8(b), c], labels, None).unwrap()
    }

    #[test]
    fn walker_stops_where_the_arena_walk_stops() {
        for wide in [false, true] {
            let all = data(1000, wide);
            let train: Vec<usize> = (0..1000).filter(|i| i % 6 != 5 && i % 4 != 3).collect();
            let tree = Id3::params().fit(&all.select(&train)).unwrap();
            let wk = Walker::new(&tree.nodes, &tree.slots, &tree.schema).unwrap();
            let cols: Vec<&Codes> = all.columns().iter().collect();
            let mut seen = 0;
            let mut internal_stops = 0;
            wk.run(&all, |row, r| {
                assert_eq!(seen, row);
                seen += 1;
                let n = wk.results[r] as usize;
                assert_eq!(n, tree.stop_node(&cols, row), "row {row}");
                internal_stops += usize::from(!tree.nodes[n].is_leaf());
            });
            assert_eq!(seen, 1000);
            assert!(internal_stops > 0, "the data must exercise empty slots");
        }
    }

    #[test]
    fn a_leaf_root_scores_every_row_to_it() {
        let mut e = data(40, false);
        e = Encoded::new(e.schema().clone(), e.columns().to_vec(), vec![1; 40], None).unwrap();
        let tree = Id3::params().fit(&e).unwrap();
        assert_eq!(tree.n_nodes(), 1);
        assert_eq!(tree.predict(&e).unwrap(), vec![1; 40]);
        let p = tree.predict_proba(&e).unwrap();
        assert!(p.chunks_exact(3).all(|r| r == [0.0, 1.0, 0.0]));
    }

    #[test]
    fn the_walker_is_compiled_once_and_reset_by_compaction() {
        let all = data(600, true);
        let mut tree = Id3::params().fit(&all).unwrap();
        assert!(!tree.walker.is_built());
        let first = tree.predict_proba(&all).unwrap();
        assert!(tree.walker.is_built());
        let wk = tree
            .walker
            .get(&[], &Default::default(), &tree.schema)
            .unwrap() as *const Walker;
        assert_eq!(tree.predict_proba(&all).unwrap(), first);
        let again = tree
            .walker
            .get(&[], &Default::default(), &tree.schema)
            .unwrap() as *const Walker;
        assert_eq!(wk, again, "the second call reuses the walker");
        // Serde skips it; clones and deserialized trees start empty and still agree.
        let bytes = bincode::serialize(&tree).unwrap();
        let back: DecisionTree = bincode::deserialize(&bytes).unwrap();
        assert!(!back.walker.is_built() && !tree.clone().walker.is_built());
        assert_eq!(bincode::serialize(&back).unwrap(), bytes);
        assert!(back == tree);
        assert_eq!(back.predict_proba(&all).unwrap(), first);
        crate::tree::pessimistic(&mut tree, 0.25);
        assert!(!tree.walker.is_built(), "pruning resets the walker");
        let pruned = tree.predict(&all).unwrap();
        let cols: Vec<&Codes> = all.columns().iter().collect();
        for (row, &c) in pruned.iter().enumerate() {
            assert_eq!(c as usize, tree.node_class(tree.stop_node(&cols, row)));
        }
    }
}
