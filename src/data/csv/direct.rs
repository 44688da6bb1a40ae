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
use super::interner::Interner;
use super::options::{BadCellPolicy, MAX_RECORD_BYTES};
use super::plan::{Kind, Plan};
use super::source::byte_mask;
use crate::data::cell;

/// How [`Batch::read_plain`] ended.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Plain {
    /// Every record was read.
    Read,
    /// The plan has a field with two roles (never for a plan made from a header), or
    /// the outputs do not fit the plan or the batch is not empty: not for this pass.
    Unfit,
    /// A record has an error, or is near [`MAX_RECORD_BYTES`]: the sequential reader
    /// decides.
    Failed,
}

/// How many raw cells a [`Recent`] table holds (a power of two).
const RECENT: usize = 64;

/// The recent raw cells of one column (at most 16 bytes each) and the code each read
/// as, in a two-way table: a cell is found by its bytes and length alone (the code of
/// a text never changes once given, and whether it is missing depends only on its
/// bytes), so a hit gives what reading the cell again would give.
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

    /// The first of the two slots where `cell` may be (the other is the next one).
    #[inline]
    fn slot((key, len): (u128, usize)) -> usize {
        let h = (key as u64) ^ ((key >> 64) as u64).rotate_left(29) ^ len as u64;
        let h = h.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        (h >> (64 - RECENT.trailing_zeros())) as usize & !1
    }

    /// The code of the cell `cell` (packed by [`short_field`] or [`pack`]), if held.
    #[inline]
    fn get(&self, cell: (u128, usize)) -> Option<u32> {
        let s = Self::slot(cell);
        let hit = |(key, len, code): (u128, u32, u32)| {
            (key == cell.0 && len as usize == cell.1).then_some(code)
        };
        hit(self.slots[s]).or_else(|| hit(self.slots[s + 1]))
    }

    /// Holds `cell` in its first slot, the cell that was there moved to the second.
    #[inline]
    fn put(&mut self, cell: (u128, usize), code: u32) {
        let s = Self::slot(cell);
        self.slots[s + 1] = self.slots[s];
        self.slots[s] = (cell.0, cell.1 as u32, code);
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
/// is at most 16 bytes long and the bytes up to its end (a `delimiter`, a line feed, or
/// the end of the piece) and the 16 from `start` are in the piece; else None.
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
        // Sixteen bytes, if a field end follows.
        let full = piece
            .get(start + 16)
            .is_none_or(|&b| b == delimiter || b == b'\n');
        return full.then_some((u128::from(low) | (u128::from(high) << 64), 16));
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

/// Where a chunk's cells of one feature go: row `r` of the chunk is element `r`
/// (a piece of the whole file's column, so the chunks' columns need no joining).
pub(super) enum Out<'o> {
    Num(&'o mut [f64]),
    Cat(&'o mut [u32]),
}

/// What the pass does with a field, with what the field's cells change moved out of
/// the batch while the chunk is read (so a cell touches its field's state only).
enum Field<'o> {
    Skip,
    /// Feature `j`, numeric: where its values go and whether it is inferred.
    Number(usize, &'o mut [f64], bool),
    /// Feature `j`, categorical: where its codes go, its levels and recent cells.
    Level(usize, &'o mut [u32], Box<Interner>, Recent),
    Target,
    Id,
    Weight,
}

/// A field's role in a plan.
#[derive(Clone, Copy)]
enum Role {
    Feature(usize),
    Target,
    Id,
    Weight,
}

impl Batch {
    /// Each field's [`Field`] under `plan`, feature `j`'s cells going to `outs[j]` and
    /// its levels moved out of the batch; None when a field has two roles (never for a
    /// plan made from a header, whose roles are distinct; checked rather than assumed)
    /// or an output or builder is not of its feature's kind.
    fn take_fields<'o>(&mut self, plan: &Plan, outs: Vec<Out<'o>>) -> Option<Vec<Field<'o>>> {
        let mut roles: Vec<Option<Role>> = vec![None; plan.n_fields];
        let mut set = |i: usize, r: Role| -> Option<()> {
            let slot = roles.get_mut(i)?;
            if slot.is_some() {
                return None;
            }
            *slot = Some(r);
            Some(())
        };
        for (j, (i, _, _)) in plan.features.iter().enumerate() {
            set(*i, Role::Feature(j))?;
        }
        for (role, at) in [
            (Role::Target, plan.target),
            (Role::Id, plan.id),
            (Role::Weight, plan.weight),
        ] {
            if let Some(i) = at {
                set(i, role)?;
            }
        }
        if outs.len() != plan.features.len() || self.cols.len() != plan.features.len() {
            return None;
        }
        let mut outs: Vec<Option<Out<'o>>> = outs.into_iter().map(Some).collect();
        let mut fields = Vec::with_capacity(roles.len());
        for r in roles {
            fields.push(match r {
                None => Field::Skip,
                Some(Role::Target) => Field::Target,
                Some(Role::Id) => Field::Id,
                Some(Role::Weight) => Field::Weight,
                Some(Role::Feature(j)) => {
                    let inferred = plan.features[j].2 == (Kind::Numeric { declared: false });
                    let col = std::mem::replace(&mut self.cols[j], Builder::Num(Vec::new()));
                    match (outs[j].take()?, col) {
                        (Out::Num(v), Builder::Num(_)) => Field::Number(j, v, inferred),
                        (Out::Cat(v), Builder::Cat(_, levels)) => {
                            Field::Level(j, v, levels, Recent::new())
                        }
                        (_, col) => {
                            self.cols[j] = col;
                            return None;
                        }
                    }
                }
            });
        }
        Some(fields)
    }

    /// Puts the levels [`Batch::take_fields`] moved out back (each categorical
    /// feature's builder holds its levels, no codes: they are in the outputs).
    fn put_fields(&mut self, fields: Vec<Field>) {
        for f in fields {
            if let Field::Level(j, _, levels, _) = f {
                self.cols[j] = Builder::Cat(Vec::new(), levels);
            }
        }
    }

    /// Reads the records of `piece` (whole lines of a file holding no `"` and no CR,
    /// the first on line `first_line`) into this batch (empty), parsing each field as
    /// it is split (see the module docs): feature `j`'s cell of row `r` into element
    /// `r` of `outs[j]` (each of `cap` elements: more records is a failure), the
    /// target, id and weight cells and the lines into the batch. When the result is
    /// [`Plain::Read`], the rows are those [`Batch::push`] and [`Batch::flush`] give
    /// for the same records, and the batch holds each categorical feature's levels.
    pub(super) fn read_plain(
        &mut self,
        plan: &Plan,
        policy: BadCellPolicy,
        (piece, first_line): (&[u8], u64),
        outs: Vec<Out<'_>>,
        cap: usize,
    ) -> Plain {
        if outs.iter().any(|o| match o {
            Out::Num(v) => v.len() != cap,
            Out::Cat(v) => v.len() != cap,
        }) || self.len() != 0
        {
            return Plain::Unfit;
        }
        let Some(mut fields) = self.take_fields(plan, outs) else {
            return Plain::Unfit;
        };
        let read = self.read_fields(plan, policy, piece, first_line, (&mut fields, cap));
        self.put_fields(fields);
        read
    }

    /// [`Batch::read_plain`] with the fields taken out.
    fn read_fields(
        &mut self,
        plan: &Plan,
        policy: BadCellPolicy,
        piece: &[u8],
        first_line: u64,
        (fields, cap): (&mut [Field], usize),
    ) -> Plain {
        let Some(last) = fields.len().checked_sub(1) else {
            return Plain::Unfit;
        };
        let delimiter = plan.delimiter;
        let missing = &plan.missing;
        let column = |j: usize| BlockColumn {
            plan,
            name: &plan.features[j].1,
            inferred: plan.features[j].2 == (Kind::Numeric { declared: false }),
            policy,
        };
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
            // This record's row in the chunk.
            let r = self.lines.len();
            if r >= cap {
                return Plain::Failed;
            }
            for (f, field) in fields.iter_mut().enumerate() {
                let start = i;
                let read = match field {
                    Field::Number(j, values, inferred) => {
                        match cell::leading_number(&piece[start..], missing) {
                            Some((x, len)) if ends_field(start + len) => {
                                i = start + len;
                                values[r] = x;
                                if *inferred {
                                    self.numbers[*j] += 1;
                                }
                                Ok(())
                            }
                            _ => {
                                i = field_end(piece, start, delimiter);
                                let parsed = cell::number(&piece[start..i], missing);
                                let j = *j;
                                let tallies = (&mut self.numbers[j], &mut self.inferred[j]);
                                column(j)
                                    .number(parsed, line, tallies, &mut self.bad_cells[j])
                                    .map(|x| values[r] = x)
                            }
                        }
                    }
                    Field::Level(j, codes, levels, recent) => {
                        let short = short_field(piece, start, delimiter);
                        match short.and_then(|c| recent.get(c)) {
                            Some(code) => {
                                i = start + short.map_or(0, |c| c.1);
                                codes[r] = code;
                                Ok(())
                            }
                            None => {
                                i = field_end(piece, start, delimiter);
                                let raw = &piece[start..i];
                                column(*j).level(raw, line, levels).map(|code| {
                                    codes[r] = code;
                                    if let Some(c) = pack(raw) {
                                        recent.put(c, code);
                                    }
                                })
                            }
                        }
                    }
                    Field::Target => {
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
                    Field::Id => {
                        i = field_end(piece, start, delimiter);
                        self.push_id(plan, &piece[start..i], line)
                    }
                    Field::Weight => {
                        i = field_end(piece, start, delimiter);
                        self.push_weight(plan, &piece[start..i], line)
                    }
                    Field::Skip => {
                        i = field_end(piece, start, delimiter);
                        Ok(())
                    }
                };
                if read.is_err() {
                    return Plain::Failed;
                }
                // `i` is at the field's end: a delimiter before every field but the
                // last, a line end or the end of the piece after it (else the row is
                // ragged).
                let at_delimiter = piece.get(i) == Some(&delimiter);
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
