//! Chunks with neither quotes nor carriage returns, parsed straight from their bytes
//! ([`Batch::read_plain`]): one pass that splits each line at the delimiters and
//! parses each field into its column as it goes, with no copy of the cells.
//!
//! Without quotes and CRs, the csv grammar is simple: every LF ends a line, an empty
//! line is skipped (as the csv reader skips blank lines), and every other line is a
//! record whose fields lie between the delimiters. Each field goes where the plan says
//! (a numeric or categorical feature, the target, the id, the weight, or nowhere) and
//! is read by the same per-cell code as the block parser's ([`BlockColumn`],
//! `Batch::push_label` / `push_id` / `push_weight`), with two shortcuts that give the
//! same values:
//!
//! - a numeric cell of the common form `-?d+(.d+)?` is parsed while it is scanned
//!   ([`cell::leading_number`], the value `cell::number` gives); any other numeric
//!   cell is found whole and parsed by `cell::number`;
//! - a categorical or target cell of at most 16 bytes is looked up by its raw bytes in
//!   a small table of the column's recent cells ([`Recent`]): the same bytes read as
//!   the same code (a level, missing, a label), so only a cell not in the table goes
//!   through trimming, the missing tokens and the interner.
//!
//! Rows are parsed in file order, so interned levels, first lines and bad-cell
//! tallies are those of the block parser. Any error (a bad cell under the error
//! policy, a ragged row, non-UTF-8 text, too many levels, a record near the size
//! limit) stops the pass with [`Plain::Failed`]: the caller then reads the file with
//! the sequential reader, which reports the first error as it always has.

use super::batch::{Batch, BlockColumn, Builder};
use super::options::{BadCellPolicy, MAX_RECORD_BYTES};
use super::plan::{Kind, Plan};
use super::source::byte_mask;
use crate::data::cell;

/// How [`Batch::read_plain`] ended.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Plain {
    /// Every record was read.
    Read,
    /// The plan has a field with two roles: not for this pass (never for a plan made
    /// from a header). The batch is untouched.
    NotPlain,
    /// A record has an error, or is near [`MAX_RECORD_BYTES`]: the sequential reader
    /// decides.
    Failed,
}

/// What the pass does with a field.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Skip,
    /// Feature `j`, numeric.
    Number(usize),
    /// Feature `j`, categorical.
    Level(usize),
    Target,
    Id,
    Weight,
}

/// How many raw cells a [`Recent`] table holds (a power of two).
const RECENT: usize = 32;

/// The recent raw cells of one column (at most 16 bytes each) and the code each read
/// as, in a direct-mapped table: a cell is found by its bytes and length alone (the
/// code of a text never changes once given, and whether it is missing depends only on
/// its bytes), so a hit gives what reading the cell again would give.
struct Recent {
    slots: Box<[(u128, u32, u32); RECENT]>,
}

/// A slot's length that no cell has: the slot is empty.
const EMPTY: u32 = u32::MAX;

impl Recent {
    fn new() -> Recent {
        Recent {
            slots: Box::new([(0, EMPTY, 0); RECENT]),
        }
    }

    #[inline]
    fn slot((key, len): (u128, usize)) -> usize {
        let h = (key as u64) ^ ((key >> 64) as u64).rotate_left(29) ^ len as u64;
        (h.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - RECENT.trailing_zeros())) as usize
    }

    /// The code of the cell `cell` (packed by [`short_field`] or [`pack`]), if held.
    #[inline]
    fn get(&self, cell: (u128, usize)) -> Option<u32> {
        let (key, len, code) = self.slots[Self::slot(cell)];
        (key == cell.0 && len as usize == cell.1).then_some(code)
    }

    #[inline]
    fn put(&mut self, cell: (u128, usize), code: u32) {
        self.slots[Self::slot(cell)] = (cell.0, cell.1 as u32, code);
    }
}

/// A cell of at most 16 bytes as its bytes (little-endian, zero beyond its end) and
/// its length, as [`short_field`] packs it; None when longer.
fn pack(cell: &[u8]) -> Option<(u128, usize)> {
    let mut a = [0u8; 16];
    a.get_mut(..cell.len())?.copy_from_slice(cell);
    Some((u128::from_le_bytes(a), cell.len()))
}

/// The eight bytes of `piece` from `at`, little-endian; None past the end.
#[inline]
fn word(piece: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(piece.get(at..at + 8)?.try_into().ok()?))
}

/// The field starting at byte `start` of `piece` packed as [`pack`] packs it, when it
/// ends (at `delimiter` or a line feed) within the 16 bytes from `start` and those
/// bytes are in the piece; else None.
#[inline]
fn short_field(piece: &[u8], start: usize, delimiter: u8) -> Option<(u128, usize)> {
    let low = word(piece, start)?;
    let ends = byte_mask(low, delimiter) | byte_mask(low, b'\n');
    if ends != 0 {
        let len = (ends.trailing_zeros() / 8) as usize;
        // len < 8: the shift is in range.
        return Some((u128::from(low & ((1u64 << (8 * len)) - 1)), len));
    }
    let high = word(piece, start + 8)?;
    let ends = byte_mask(high, delimiter) | byte_mask(high, b'\n');
    if ends == 0 {
        return None;
    }
    let len = (ends.trailing_zeros() / 8) as usize;
    let high = high & ((1u64 << (8 * len)) - 1);
    Some((u128::from(low) | (u128::from(high) << 64), 8 + len))
}

/// The end of the field starting at byte `i` of `piece`: the first `delimiter` or line
/// feed from `i`, or the end of the piece.
#[inline]
fn field_end(piece: &[u8], mut i: usize, delimiter: u8) -> usize {
    while let Some(w) = word(piece, i) {
        let ends = byte_mask(w, delimiter) | byte_mask(w, b'\n');
        if ends != 0 {
            return i + (ends.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    piece[i..]
        .iter()
        .position(|&b| b == delimiter || b == b'\n')
        .map_or(piece.len(), |k| i + k)
}

/// Each field's role under `plan`; None when a field has two (never for a plan made
/// from a header, whose roles are distinct; checked rather than assumed).
fn roles(plan: &Plan) -> Option<Vec<Role>> {
    let mut roles = vec![Role::Skip; plan.n_fields];
    let mut set = |i: usize, r: Role| -> Option<()> {
        let slot = roles.get_mut(i)?;
        if *slot != Role::Skip {
            return None;
        }
        *slot = r;
        Some(())
    };
    for (j, (i, _, kind)) in plan.features.iter().enumerate() {
        set(
            *i,
            match kind {
                Kind::Numeric { .. } => Role::Number(j),
                Kind::Categorical => Role::Level(j),
            },
        )?;
    }
    if let Some(i) = plan.target {
        set(i, Role::Target)?;
    }
    if let Some(i) = plan.id {
        set(i, Role::Id)?;
    }
    if let Some(i) = plan.weight {
        set(i, Role::Weight)?;
    }
    Some(roles)
}

impl Batch {
    /// Reads the records of `piece` (whole lines of a file holding no `"` and no CR,
    /// the first on line `first_line`) into this batch, parsing each field as it is
    /// split (see the module docs). When the result is [`Plain::Read`], the batch's
    /// rows are those [`Batch::push`] and [`Batch::flush`] give for the same records.
    pub(super) fn read_plain(
        &mut self,
        plan: &Plan,
        policy: BadCellPolicy,
        piece: &[u8],
        first_line: u64,
    ) -> Plain {
        let Some(roles) = roles(plan) else {
            return Plain::NotPlain;
        };
        let Some(last) = roles.len().checked_sub(1) else {
            return Plain::NotPlain;
        };
        let delimiter = plan.delimiter;
        let missing = &plan.missing;
        let columns: Vec<BlockColumn> = plan
            .features
            .iter()
            .map(|(_, name, kind)| BlockColumn {
                plan,
                name,
                inferred: *kind == (Kind::Numeric { declared: false }),
                policy,
            })
            .collect();
        let mut recent: Vec<Recent> = plan.features.iter().map(|_| Recent::new()).collect();
        let mut recent_labels = Recent::new();
        let ends_field = |i: usize| piece.get(i).is_none_or(|&b| b == delimiter || b == b'\n');
        let n = piece.len();
        let (mut i, mut line) = (0usize, first_line);
        while i < n {
            if piece[i] == b'\n' {
                // A blank line.
                i += 1;
                line += 1;
                continue;
            }
            let record_start = i;
            for (f, &role) in roles.iter().enumerate() {
                let start = i;
                let read = match role {
                    Role::Number(j) => {
                        let Batch {
                            cols,
                            numbers,
                            inferred,
                            bad_cells,
                            ..
                        } = &mut *self;
                        let Builder::Num(values) = &mut cols[j] else {
                            return Plain::Failed;
                        };
                        match cell::leading_number(&piece[start..], missing) {
                            Some((x, len)) if ends_field(start + len) => {
                                i = start + len;
                                values.push(x);
                                if columns[j].inferred {
                                    numbers[j] += 1;
                                }
                                Ok(())
                            }
                            _ => {
                                i = field_end(piece, start, delimiter);
                                let parsed = cell::number(&piece[start..i], missing);
                                let tallies = (&mut numbers[j], &mut inferred[j]);
                                columns[j].number(parsed, line, values, tallies, &mut bad_cells[j])
                            }
                        }
                    }
                    Role::Level(j) => {
                        let Builder::Cat(codes, levels) = &mut self.cols[j] else {
                            return Plain::Failed;
                        };
                        let short = short_field(piece, start, delimiter);
                        match short.and_then(|c| recent[j].get(c)) {
                            Some(code) => {
                                i = start + short.map_or(0, |c| c.1);
                                codes.push(code);
                                Ok(())
                            }
                            None => {
                                i = field_end(piece, start, delimiter);
                                let raw = &piece[start..i];
                                let read = columns[j].level(raw, line, codes, levels);
                                if let (Ok(()), Some(c), Some(&code)) =
                                    (&read, pack(raw), codes.last())
                                {
                                    recent[j].put(c, code);
                                }
                                read
                            }
                        }
                    }
                    Role::Target => {
                        let short = short_field(piece, start, delimiter);
                        match short.and_then(|c| recent_labels.get(c)) {
                            Some(code) => {
                                i = start + short.map_or(0, |c| c.1);
                                self.labels.push(code);
                                Ok(())
                            }
                            None => {
                                i = field_end(piece, start, delimiter);
                                let raw = &piece[start..i];
                                let read = self.push_label(plan, raw, line);
                                if let (Ok(()), Some(c), Some(&code)) =
                                    (&read, pack(raw), self.labels.last())
                                {
                                    recent_labels.put(c, code);
                                }
                                read
                            }
                        }
                    }
                    _ => {
                        i = field_end(piece, start, delimiter);
                        let raw = &piece[start..i];
                        match role {
                            Role::Id => self.push_id(plan, raw, line),
                            Role::Weight => self.push_weight(plan, raw, line),
                            _ => Ok(()),
                        }
                    }
                };
                if read.is_err() {
                    return Plain::Failed;
                }
                // `i` is at the field's end: a delimiter before every field but the
                // last, a line end or the end of the piece after it (else the row is
                // ragged).
                let at_delimiter = i < n && piece[i] == delimiter;
                if at_delimiter != (f < last) {
                    return Plain::Failed;
                }
                i += 1;
            }
            // As the csv path: the record's bytes plus one per field (its line's
            // length, the line end included).
            if i - record_start >= MAX_RECORD_BYTES {
                return Plain::Failed;
            }
            self.lines.push(line);
            line += 1;
        }
        Plain::Read
    }
}
