//! Interning categorical levels (and label texts): each distinct cell text of a column
//! gets a number in first-seen order, hashed by bytes so a repeated level costs no
//! allocation; [`sort_levels`] then renumbers levels in byte order.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::source::non_utf8;
use crate::data::encoded::MAX_LEVELS;
use crate::data::table::MISSING_LEVEL;
use crate::error::{Error, Location, Result};

// Hashing: a small FxHash-style hasher for interning cell texts (the inputs are the
// user's own files, so hash flooding is not a concern; speed is).

#[derive(Default, Clone, Copy)]
pub(super) struct FxHasher(u64);

pub(super) const FX_K: u64 = 0xf135_7aea_2e62_a9c5;

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut h = self.0;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut a = [0u8; 8];
            a.copy_from_slice(c);
            h = (h.rotate_left(5) ^ u64::from_le_bytes(a)).wrapping_mul(FX_K);
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut a = [0u8; 8];
            a[..rest.len()].copy_from_slice(rest);
            h = (h.rotate_left(5) ^ u64::from_le_bytes(a) ^ rest.len() as u64).wrapping_mul(FX_K);
        }
        self.0 = h;
    }

    fn write_usize(&mut self, n: usize) {
        self.0 = (self.0.rotate_left(5) ^ n as u64).wrapping_mul(FX_K);
    }

    fn finish(&self) -> u64 {
        // The multiply leaves the low bits depending on the low input bytes only (the
        // first characters of a text, often shared); mix high bits down (MurmurHash3's
        // 64-bit finaliser) so the table's bucket bits see the whole text.
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h
    }
}

pub(super) type FxMap<V> = HashMap<Box<[u8]>, V, BuildHasherDefault<FxHasher>>;

/// Distinct texts of a column, numbered in first-seen order.
#[derive(Default)]
pub(in crate::data) struct Interner {
    pub(super) map: FxMap<u32>,
    pub(in crate::data) texts: Vec<String>,
    pub(super) first_lines: Vec<u64>,
    /// While the texts so far are at most [`INLINE`] and each at most 16 bytes long:
    /// each text packed (see [`pack`]), in code order. A column of a few short levels
    /// is then looked up here without touching the map, whose keys live elsewhere on
    /// the heap (a wide file reads one cell of every column per row, so each cell's
    /// lookup should touch as little memory as it can).
    inline: Vec<(u128, usize)>,
}

/// How many short texts an [`Interner`] keeps packed beside its map.
const INLINE: usize = 8;

/// A text of at most 16 bytes (most levels of churn tables: `Month-to-month`,
/// `Fiber optic`, `bank_transfer`) as its bytes (little-endian, zero-padded) and its
/// length; None when longer.
fn pack(bytes: &[u8]) -> Option<(u128, usize)> {
    if bytes.len() > 16 {
        return None;
    }
    let mut a = [0u8; 16];
    a[..bytes.len()].copy_from_slice(bytes);
    Some((u128::from_le_bytes(a), bytes.len()))
}

impl Interner {
    /// The number of `bytes`, adding it (after checking UTF-8 and the level limit).
    #[inline]
    pub(in crate::data) fn intern(
        &mut self,
        bytes: &[u8],
        line: u64,
        at: &dyn Fn() -> Location,
        limit: usize,
    ) -> Result<u32> {
        let packed = pack(bytes);
        // Every text so far is in `inline`: it alone says whether `bytes` is known.
        let all_inline = self.inline.len() == self.texts.len();
        match packed {
            Some(k) if all_inline => {
                if let Some(c) = self.inline.iter().position(|&e| e == k) {
                    return Ok(c as u32);
                }
            }
            _ => {
                if let Some(&c) = self.map.get(bytes) {
                    return Ok(c);
                }
            }
        }
        let text = std::str::from_utf8(bytes).map_err(|_| non_utf8(at(), bytes))?;
        if self.texts.len() >= limit {
            return Err(Error::Schema {
                location: at(),
                message: format!(
                    "more than {limit} distinct values; a categorical feature may have at most {MAX_LEVELS} levels (drop the column, make it the id column, or declare it numeric)"
                ),
            });
        }
        let c = self.texts.len() as u32;
        if let Some(k) = packed
            && all_inline
            && self.texts.len() < INLINE
        {
            self.inline.push(k);
        }
        self.map.insert(bytes.into(), c);
        self.texts.push(text.to_string());
        self.first_lines.push(line);
        Ok(c)
    }
}

impl Interner {
    /// Adds the texts of `other` (a column's levels in a later piece of the same file),
    /// in `other`'s first-seen order, and returns each of `other`'s codes' code here;
    /// None when that passes `limit` distinct texts. Absorbing the pieces of a file in
    /// file order gives the codes, first lines and order that interning the whole file
    /// gives.
    pub(super) fn absorb(&mut self, other: &Interner, limit: usize) -> Option<Vec<u32>> {
        let at = Location::default;
        other
            .texts
            .iter()
            .zip(&other.first_lines)
            .map(|(t, &line)| self.intern(t.as_bytes(), line, &at, limit).ok())
            .collect()
    }
}

/// Sorts levels in byte order, drops levels no row uses, and renumbers the codes.
///
/// One pass over the codes when every level is used (a column read from text uses
/// every level it interned): each code is renumbered to its level's place in byte
/// order and its level marked used; only when a level is unused are the codes
/// renumbered again, without it.
pub(super) fn sort_levels(texts: Vec<String>, mut codes: Vec<u32>) -> (Vec<String>, Vec<u32>) {
    let mut order: Vec<u32> = (0..texts.len() as u32).collect();
    order.sort_unstable_by(|&a, &b| texts[a as usize].cmp(&texts[b as usize]));
    let mut remap = vec![MISSING_LEVEL; texts.len()];
    for (new, &old) in order.iter().enumerate() {
        remap[old as usize] = new as u32;
    }
    let mut used = vec![false; texts.len()];
    for c in &mut codes {
        // The missing code (no level) is left as it is.
        if let Some(&new) = remap.get(*c as usize) {
            used[new as usize] = true;
            *c = new;
        }
    }
    if used.contains(&false) {
        // Renumber the sorted levels without the unused ones.
        let mut kept = 0u32;
        let compact: Vec<u32> = used
            .iter()
            .map(|&u| {
                kept += u32::from(u);
                if u { kept - 1 } else { MISSING_LEVEL }
            })
            .collect();
        for c in &mut codes {
            if let Some(&new) = compact.get(*c as usize) {
                *c = new;
            }
        }
        order = order
            .into_iter()
            .zip(&used)
            .filter_map(|(o, &u)| u.then_some(o))
            .collect();
    }
    let mut texts: Vec<Option<String>> = texts.into_iter().map(Some).collect();
    let levels = order
        .iter()
        .map(|&o| texts[o as usize].take().unwrap_or_default())
        .collect();
    (levels, codes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> Location {
        Location::file("t.csv").at_line(2).at_column("plan")
    }

    #[test]
    fn same_bytes_same_code_distinct_levels_distinct_codes() {
        let mut i = Interner::default();
        let a = i.intern(b"monthly", 2, &at, MAX_LEVELS).unwrap();
        let b = i.intern(b"yearly", 3, &at, MAX_LEVELS).unwrap();
        let a2 = i.intern(b"monthly", 4, &at, MAX_LEVELS).unwrap();
        assert_eq!((a, b, a2), (0, 1, 0));
        assert_eq!(i.texts, ["monthly", "yearly"]);
        assert_eq!(i.first_lines, [2, 3]);
        // Case and whitespace are part of the level (trimming happens before).
        assert_eq!(i.intern(b"Monthly", 5, &at, MAX_LEVELS).unwrap(), 2);
    }

    #[test]
    fn short_texts_packed_inline_keep_their_codes_beyond_the_inline_ones() {
        // Texts that pack alike but for their length ("a" and "a\0"), the empty text,
        // sixteen bytes, then more than INLINE short texts and a long one: every text
        // keeps one code, looked up inline first and in the map after.
        let mut i = Interner::default();
        let mut texts: Vec<Vec<u8>> = vec![
            b"a".to_vec(),
            b"a\0".to_vec(),
            b"".to_vec(),
            b"1234567812345678".to_vec(),
        ];
        texts.extend((0..INLINE).map(|k| format!("s{k}").into_bytes()));
        texts.push(b"a level longer than sixteen bytes".to_vec());
        texts.extend((0..3).map(|k| format!("t{k}").into_bytes()));
        for round in 0..2 {
            for (k, t) in texts.iter().enumerate() {
                assert_eq!(
                    i.intern(t, 1, &at, MAX_LEVELS).unwrap(),
                    k as u32,
                    "round {round}: {t:?}"
                );
            }
        }
        assert_eq!(i.texts.len(), texts.len());
        assert_eq!(i.inline.len(), INLINE);
        // A column of long levels only never packs any.
        let mut long = Interner::default();
        long.intern(b"No internet service", 1, &at, MAX_LEVELS)
            .unwrap();
        assert_eq!(long.intern(b"a", 2, &at, MAX_LEVELS).unwrap(), 1);
        assert_eq!(
            long.intern(b"No internet service", 3, &at, MAX_LEVELS)
                .unwrap(),
            0
        );
        assert!(long.inline.is_empty());
    }

    #[test]
    fn codes_survive_rehash_growth() {
        let mut i = Interner::default();
        let texts: Vec<String> = (0..5000).map(|k| format!("level-{k}")).collect();
        for (k, t) in texts.iter().enumerate() {
            assert_eq!(
                i.intern(t.as_bytes(), 1, &at, MAX_LEVELS).unwrap(),
                k as u32
            );
        }
        // After many rehashes every text still maps to its first code.
        for (k, t) in texts.iter().enumerate().rev() {
            assert_eq!(
                i.intern(t.as_bytes(), 9, &at, MAX_LEVELS).unwrap(),
                k as u32
            );
        }
        assert_eq!(i.texts.len(), 5000);
    }

    #[test]
    fn the_level_limit_and_non_utf8_are_errors_at_the_cell() {
        let mut i = Interner::default();
        i.intern(b"a", 2, &at, 2).unwrap();
        i.intern(b"b", 3, &at, 2).unwrap();
        assert_eq!(i.intern(b"a", 4, &at, 2).unwrap(), 0);
        let e = i.intern(b"c", 5, &at, 2).unwrap_err();
        assert!(matches!(&e, Error::Schema { location, message }
            if location.column.as_deref() == Some("plan") && message.starts_with("more than 2 distinct values")));
        let e = i.intern(b"\xff", 6, &at, 10).unwrap_err();
        assert!(e.to_string().contains("not valid UTF-8"), "{e}");
    }

    #[test]
    fn sort_levels_orders_by_bytes_and_drops_unused_levels() {
        let texts = vec!["b".to_string(), "unused".into(), "a".into()];
        let codes = vec![0, 2, MISSING_LEVEL, 0];
        let (levels, codes) = sort_levels(texts, codes);
        assert_eq!(levels, ["a", "b"]);
        assert_eq!(codes, [1, 0, MISSING_LEVEL, 1]);
        // Every level used (one pass), and unused ones before, between and after the
        // used ones in byte order.
        let texts: Vec<String> = ["d", "b", "c", "a", "e"].map(String::from).to_vec();
        let (levels, codes) = sort_levels(texts.clone(), vec![0, 1, 2, 3, 4, MISSING_LEVEL]);
        assert_eq!(levels, ["a", "b", "c", "d", "e"]);
        assert_eq!(codes, [3, 1, 2, 0, 4, MISSING_LEVEL]);
        let (levels, codes) = sort_levels(texts, vec![0, 2, MISSING_LEVEL, 2]);
        assert_eq!(levels, ["c", "d"]);
        assert_eq!(codes, [1, 0, MISSING_LEVEL, 0]);
        let (levels, codes) = sort_levels(Vec::new(), vec![MISSING_LEVEL]);
        assert!(levels.is_empty());
        assert_eq!(codes, [MISSING_LEVEL]);
    }
}
