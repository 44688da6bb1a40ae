//! A batch of rows being read ([`Batch`]): cells parsed into column builders, then
//! finished into a [`Table`] (labels mapped, bad labels handled, levels sorted).

use std::sync::Arc;

use ::csv::ByteRecord;

use super::interner::{Interner, sort_levels};
use super::options::{
    BadCellPolicy, BadCells, BadLabelPolicy, CsvOptions, MAX_BAD_NUMERIC_SHARE, REPORTED_LINES,
    ReadReport,
};
use super::plan::{Kind, Mode, Plan, opts_name};
use super::source::non_utf8;
use crate::data::cell::{self, Parsed};
use crate::data::encoded::MAX_LEVELS;
use crate::data::schema::{Feature, FeatureKind, Schema, Target};
use crate::data::table::{Column, MISSING_LEVEL, Table};
use crate::error::{Error, Result};

/// A bad cell in a declared-numeric column under `policy`: an error naming the line,
/// column and value, or (read as missing) counted in the column's [`BadCells`].
#[cold]
pub(in crate::data) fn bad_number(
    bad: &mut Option<BadCells>,
    plan: &Plan,
    policy: BadCellPolicy,
    name: &str,
    cell: &[u8],
    line: u64,
) -> Result<()> {
    if std::str::from_utf8(cell).is_err() {
        return Err(non_utf8(plan.at(line, name), cell));
    }
    let value = String::from_utf8_lossy(cell).into_owned();
    match policy {
        BadCellPolicy::Error => Err(Error::Value {
            location: plan.at(line, name),
            value,
            message: "not a number, and the column is numeric (fix the cell, list it as a missing token, or read such cells as missing)".into(),
        }),
        BadCellPolicy::Missing => {
            let b = bad.get_or_insert_with(|| BadCells {
                column: name.to_string(),
                first_value: value,
                ..BadCells::default()
            });
            b.count += 1;
            if b.lines.len() < REPORTED_LINES {
                b.lines.push(line);
            }
            Ok(())
        }
    }
}

// ---------------------------------------------------------------------------------
// A batch of rows being read.

pub(in crate::data) enum Builder {
    Num(Vec<f64>),
    /// Boxed: the builders of a wide header stay a dense array.
    Cat(Vec<u32>, Box<Interner>),
}

pub(in crate::data) struct Batch {
    pub(in crate::data) cols: Vec<Builder>,
    pub(in crate::data) labels: Vec<u32>,
    pub(in crate::data) label_texts: Interner,
    pub(in crate::data) lines: Vec<u64>,
    pub(in crate::data) ids: Option<Vec<String>>,
    pub(in crate::data) weights: Option<Vec<f64>>,
    pub(in crate::data) bad_cells: Vec<Option<BadCells>>,
    /// Features inferred numeric that turned out to hold text (a re-read is needed);
    /// set by [`Batch::settle_inference`].
    pub(super) switched: Vec<bool>,
    pub(super) any_switched: bool,
    /// Per feature inferred numeric: its cells that parsed as finite numbers.
    pub(super) numbers: Vec<usize>,
    /// Per feature inferred numeric: its cells that did not (read as missing until the
    /// pass ends); boxed and apart from `numbers`, so the arrays every cell touches
    /// stay small (a wide header reads row after row across all its columns).
    pub(super) inferred: Vec<Option<Box<Inferred>>>,
    /// The text of the first label cell read as missing (a missing token such as `?`;
    /// empty for an empty cell), for the error naming it.
    pub(in crate::data) first_missing_label: Option<String>,
    /// Records pushed but not parsed yet (see [`Pending`]).
    pending: Pending,
}

/// Records read but not parsed yet: the last rows of a [`Batch`] (their lines are the
/// last entries of `Batch::lines`), kept as raw cells so that they are parsed one
/// column at a time ([`Batch::flush`]). A wide file's row touches every column's
/// builder once; a block of rows parsed column after column touches each builder once
/// per block instead, and the builder stays in cache while its cells are parsed.
#[derive(Default)]
struct Pending {
    /// The records' bytes, one after the other (with or without the delimiters
    /// between fields: `starts` and `ends` say where each field is).
    bytes: Vec<u8>,
    /// Where each field starts in `bytes`, `n_fields` per record (record-major).
    starts: Vec<u32>,
    /// Where each field ends in `bytes`, `n_fields` per record (record-major).
    ends: Vec<u32>,
    /// How many records.
    rows: usize,
}

/// A block is parsed once it holds at least [`BLOCK_ROWS`] records and
/// [`BLOCK_CELLS`] cells (a narrow file: a block that stays in the fastest caches)...
const BLOCK_ROWS: usize = 64;
/// ... (see [`BLOCK_ROWS`]) ...
const BLOCK_CELLS: usize = 1 << 14;
/// ... or, whatever its number of records, once it holds [`MAX_BLOCK_CELLS`] cells
/// (16 MiB of field ends) or [`MAX_BLOCK_BYTES`] of cell text: the memory a block
/// takes beside the columns is bounded.
const MAX_BLOCK_CELLS: usize = 1 << 22;
/// See [`MAX_BLOCK_CELLS`].
const MAX_BLOCK_BYTES: usize = 32 << 20;

impl Pending {
    /// The bytes of field `field` of pending record `row` (records of `n_fields`).
    #[inline]
    fn cell(&self, n_fields: usize, row: usize, field: usize) -> &[u8] {
        let k = row * n_fields + field;
        &self.bytes[self.starts[k] as usize..self.ends[k] as usize]
    }

    fn clear(&mut self) {
        self.bytes.clear();
        self.starts.clear();
        self.ends.clear();
        self.rows = 0;
    }
}

/// Where in a block the first error is: the earliest row, and in a row the feature
/// cells in plan order before the target, id and weight cells (the order in which a
/// row is read).
type ErrorAt = (usize, usize, Error);

/// The error of a record of `n` fields on line `line` when the header has another
/// number.
fn ragged(plan: &Plan, n: usize, line: u64) -> Error {
    Error::Csv {
        location: plan.location.clone().at_line(line),
        message: format!(
            "the row has {n} fields but the header has {} (a ragged row: check quoting and delimiters)",
            plan.n_fields
        ),
    }
}

/// Appends `theirs` (the same feature's columns of later batches, in order) to `mine`,
/// each categorical batch's codes renumbered to `mine`'s levels; None when a kind
/// differs or the levels pass [`MAX_LEVELS`].
fn append_column(mine: &mut Builder, theirs: Vec<Builder>) -> Option<()> {
    for theirs in theirs {
        match (&mut *mine, theirs) {
            (Builder::Num(a), Builder::Num(b)) => a.extend_from_slice(&b),
            (Builder::Cat(a, levels), Builder::Cat(b, their_levels)) => {
                let remap = levels.absorb(&their_levels, MAX_LEVELS)?;
                a.extend(b.iter().map(|&c| {
                    if c == MISSING_LEVEL {
                        c
                    } else {
                        remap[c as usize]
                    }
                }));
            }
            // One plan: the same kinds.
            _ => return None,
        }
    }
    Some(())
}

/// Keeps the earlier of two errors.
fn earliest(best: &mut Option<ErrorAt>, row: usize, slot: usize, e: Error) {
    if best.as_ref().is_none_or(|b| (row, slot) < (b.0, b.1)) {
        *best = Some((row, slot, e));
    }
}

/// The cells of a feature inferred numeric that are not finite numbers.
pub(super) struct Inferred {
    /// The bad cells, as [`BadCells`] (count, first lines, first value).
    bad: BadCells,
    /// The first bad cell's raw bytes and line, for the error.
    first: (Vec<u8>, u64),
}

pub(in crate::data) const NO_LABEL: u32 = u32::MAX;

/// How many feature cells a new [`Batch`] reserves room for, over all its columns.
const RESERVED_CELLS: usize = 1 << 20;

impl Batch {
    /// A batch for up to `capacity` rows. The builders reserve at most
    /// [`RESERVED_CELLS`] cells in all (they grow as rows come), so a wide header
    /// does not reserve columns × rows cells up front.
    pub(in crate::data) fn new(plan: &Plan, capacity: usize) -> Batch {
        let capacity = capacity.min((RESERVED_CELLS / plan.features.len().max(1)).max(64));
        let cols = plan
            .features
            .iter()
            .map(|(_, _, k)| match k {
                Kind::Numeric { .. } => Builder::Num(Vec::with_capacity(capacity)),
                Kind::Categorical => Builder::Cat(Vec::with_capacity(capacity), Box::default()),
            })
            .collect();
        Batch {
            cols,
            labels: Vec::with_capacity(capacity),
            label_texts: Interner::default(),
            lines: Vec::with_capacity(capacity),
            ids: plan.id.map(|_| Vec::with_capacity(capacity)),
            weights: plan.weight.map(|_| Vec::with_capacity(capacity)),
            bad_cells: vec![None; plan.features.len()],
            switched: vec![false; plan.features.len()],
            any_switched: false,
            numbers: vec![0; plan.features.len()],
            inferred: plan.features.iter().map(|_| None).collect(),
            first_missing_label: None,
            pending: Pending::default(),
        }
    }

    /// A batch for the records of `bytes` of CSV text that hold about `rows` records
    /// (e.g. their line ends counted): the builders reserve `rows` rows, capped at
    /// `bytes.len() / n_fields + 1` (every cell of a record takes at least one byte,
    /// its delimiter or line end), so the reservation is bounded by the text already
    /// in memory and a chunk's columns do not grow by doubling.
    pub(super) fn for_text(plan: &Plan, rows: usize, bytes: &[u8]) -> Batch {
        let rows = rows.min(bytes.len() / plan.n_fields.max(1) + 1);
        let mut batch = Batch::new(plan, 0);
        batch.reserve(rows);
        batch
    }

    /// Reserves room for `rows` more rows in every column (and the labels, lines, ids
    /// and weights).
    pub(super) fn reserve(&mut self, rows: usize) {
        for c in &mut self.cols {
            match c {
                Builder::Num(v) => v.reserve_exact(rows),
                Builder::Cat(v, _) => v.reserve_exact(rows),
            }
        }
        self.reserve_rows(rows);
    }

    /// Reserves room for `rows` more labels, lines, ids and weights (not columns).
    pub(super) fn reserve_rows(&mut self, rows: usize) {
        self.labels.reserve_exact(rows);
        self.lines.reserve_exact(rows);
        if let Some(ids) = &mut self.ids {
            ids.reserve_exact(rows);
        }
        if let Some(w) = &mut self.weights {
            w.reserve_exact(rows);
        }
    }

    /// Ends kind inference after a whole pass: a feature inferred numeric with more
    /// than [`MAX_BAD_NUMERIC_SHARE`] of its non-missing cells not finite numbers is
    /// marked switched to categorical (the file is read again); in the others each
    /// such cell follows `policy` (an error for the first, or counted in the report as
    /// missing).
    pub(super) fn settle_inference(&mut self, plan: &Plan, policy: BadCellPolicy) -> Result<()> {
        self.flush(plan, policy)?;
        for (j, (_, name, _)) in plan.features.iter().enumerate() {
            let Some(t) = self.inferred[j].take() else {
                continue;
            };
            let Inferred { bad, first } = *t;
            if is_text(self.numbers[j], bad.count) {
                self.switched[j] = true;
                self.any_switched = true;
            } else if policy == BadCellPolicy::Error {
                let (cell, line) = first;
                bad_number(&mut None, plan, policy, name, &cell, line)?;
            } else {
                self.bad_cells[j] = Some(bad);
            }
        }
        Ok(())
    }

    /// Appends `later`, the batches of the records that follow this batch's in the
    /// same file, in order, read with the same plan and flushed, none with an error:
    /// the result is the batch one pass over all the pieces gives (categorical and
    /// label codes remapped to first-seen order over all, bad-cell tallies and
    /// inference counts added, the first lines and values kept). The feature columns
    /// are joined in parallel, each absorbing the batches' levels in file order. None
    /// when the pieces together pass [`MAX_LEVELS`] levels in a column (an error that
    /// only reading in file order places: the caller reads the file sequentially).
    pub(super) fn append_all(&mut self, later: Vec<Batch>) -> Option<()> {
        use rayon::prelude::*;
        debug_assert!(self.pending.rows == 0 && later.iter().all(|b| b.pending.rows == 0));
        let mut later = later;
        // Every column, label and line buffer grows once, not by doubling.
        self.reserve(later.iter().map(Batch::len).sum());
        // Column j of every later batch, in batch order.
        let mut theirs: Vec<Vec<Builder>> = self.cols.iter().map(|_| Vec::new()).collect();
        for b in &mut later {
            if b.cols.len() != theirs.len() {
                return None;
            }
            for (j, c) in std::mem::take(&mut b.cols).into_iter().enumerate() {
                theirs[j].push(c);
            }
        }
        // The columns (each on its own) beside the rows' labels, lines, ids and
        // weights (in batch order).
        let mut cols = std::mem::take(&mut self.cols);
        let (joined, rows) = rayon::join(
            || {
                cols.par_iter_mut()
                    .zip(theirs.into_par_iter())
                    .map(|(mine, theirs)| append_column(mine, theirs))
                    .collect::<Vec<Option<()>>>()
                    .into_iter()
                    .collect::<Option<Vec<()>>>()
            },
            || later.into_iter().try_for_each(|b| self.append_rows(b)),
        );
        self.cols = cols;
        joined.and(rows)
    }

    /// The labels, lines, ids, weights, bad cells and inference tallies of `later`
    /// (the batches of the records that follow this batch's, in order) appended, each
    /// buffer grown once; not their feature columns (joined apart). None when a label
    /// interner passes its limit (never: labels have none).
    pub(super) fn append_rows_of(&mut self, later: Vec<Batch>) -> Option<()> {
        self.reserve_rows(later.iter().map(Batch::len).sum());
        later.into_iter().try_for_each(|b| self.append_rows(b))
    }

    /// The labels, lines, ids, weights, bad cells and inference tallies of `later`
    /// appended (its feature columns are appended apart).
    fn append_rows(&mut self, later: Batch) -> Option<()> {
        let remap = self.label_texts.absorb(&later.label_texts, usize::MAX)?;
        self.labels.extend(
            later
                .labels
                .iter()
                .map(|&l| if l == NO_LABEL { l } else { remap[l as usize] }),
        );
        self.lines.extend_from_slice(&later.lines);
        if let (Some(a), Some(b)) = (&mut self.ids, later.ids) {
            a.extend(b);
        }
        if let (Some(a), Some(b)) = (&mut self.weights, later.weights) {
            a.extend_from_slice(&b);
        }
        for (mine, theirs) in self.bad_cells.iter_mut().zip(later.bad_cells) {
            match (mine.as_mut(), theirs) {
                (_, None) => {}
                (None, Some(b)) => *mine = Some(b),
                (Some(a), Some(b)) => add_bad_cells(a, &b),
            }
        }
        for (a, b) in self.numbers.iter_mut().zip(&later.numbers) {
            *a += b;
        }
        for (mine, theirs) in self.inferred.iter_mut().zip(later.inferred) {
            match (mine.as_mut(), theirs) {
                (_, None) => {}
                (None, Some(b)) => *mine = Some(b),
                (Some(a), Some(b)) => add_bad_cells(&mut a.bad, &b.bad),
            }
        }
        if self.first_missing_label.is_none() {
            self.first_missing_label = later.first_missing_label;
        }
        Some(())
    }

    /// Puts the columns of `other` — a batch of the same rows whose features are this
    /// batch's features marked in `which`, in order — in place of those columns (with
    /// their inference tallies and bad cells). None when `other` does not fit (other
    /// rows or another number of columns).
    pub(super) fn replace_columns(&mut self, which: &[bool], other: Batch) -> Option<()> {
        if other.lines != self.lines {
            return None;
        }
        let mut parts = other
            .cols
            .into_iter()
            .zip(other.numbers)
            .zip(other.inferred)
            .zip(other.bad_cells);
        for (j, _) in which.iter().enumerate().filter(|(_, w)| **w) {
            let (((col, numbers), inferred), bad) = parts.next()?;
            self.cols[j] = col;
            self.numbers[j] = numbers;
            self.inferred[j] = inferred;
            self.bad_cells[j] = bad;
        }
        parts.next().is_none().then_some(())
    }

    /// For feature `j` read as categorical: how many of its non-missing cells are
    /// finite numbers and how many are not — what reading it as an inferred numeric
    /// column would count (each level's text, the cell's trimmed bytes, is parsed
    /// once). None for a numeric column.
    pub(super) fn level_number_counts(&self, j: usize) -> Option<(usize, usize)> {
        let Builder::Cat(codes, levels) = &self.cols[j] else {
            return None;
        };
        let mut uses = vec![0usize; levels.texts.len()];
        for &c in codes {
            if c != MISSING_LEVEL {
                uses[c as usize] += 1;
            }
        }
        let (mut numbers, mut other) = (0, 0);
        for (t, n) in levels.texts.iter().zip(uses) {
            if cell::parse_number(t.as_bytes()).is_some() {
                numbers += n;
            } else {
                other += n;
            }
        }
        Some((numbers, other))
    }

    /// Rows read so far.
    pub(super) fn len(&self) -> usize {
        self.lines.len()
    }

    /// Reads one record starting on file line `line`: its cells are kept (a ragged
    /// record is an error once the records before it are parsed) and parsed with the
    /// block they are in ([`Batch::flush`]), with the same results and the same first
    /// error as when each record is parsed as it comes.
    pub(super) fn push(
        &mut self,
        plan: &Plan,
        policy: BadCellPolicy,
        rec: &ByteRecord,
        line: u64,
    ) -> Result<()> {
        if rec.len() != plan.n_fields {
            return self.fail(plan, policy, ragged(plan, rec.len(), line));
        }
        let p = &mut self.pending;
        let mut end = p.bytes.len();
        p.bytes.extend_from_slice(rec.as_slice());
        for field in rec {
            // A block holds at most MAX_BLOCK_BYTES plus one record (itself at most
            // MAX_RECORD_BYTES): far below u32::MAX.
            p.starts.push(end as u32);
            end += field.len();
            p.ends.push(end as u32);
        }
        self.pushed(plan, policy, line)
    }

    /// Counts a record just pushed (on file line `line`) and parses the pending block
    /// once it is full.
    fn pushed(&mut self, plan: &Plan, policy: BadCellPolicy, line: u64) -> Result<()> {
        let p = &mut self.pending;
        p.rows += 1;
        self.lines.push(line);
        let cells = p.ends.len();
        if (p.rows >= BLOCK_ROWS && cells >= BLOCK_CELLS)
            || cells >= MAX_BLOCK_CELLS
            || p.bytes.len() >= MAX_BLOCK_BYTES
        {
            self.flush(plan, policy)?;
        }
        Ok(())
    }

    /// `e` (an error at the next record: a ragged row, a parse or I/O error), unless a
    /// record before it, still to parse, has an error of its own: that one comes first.
    pub(super) fn fail<T>(&mut self, plan: &Plan, policy: BadCellPolicy, e: Error) -> Result<T> {
        self.flush(plan, policy)?;
        Err(e)
    }

    /// Parses the pending records one column at a time: feature cells with
    /// `data::cell` (a bad cell in a declared-numeric column handled by `policy`; one
    /// in an inferred-numeric column read as missing and tallied for
    /// [`Batch::settle_inference`]), then the target, id and weight cells row by row.
    /// The error returned is the one reading row by row meets first.
    pub(super) fn flush(&mut self, plan: &Plan, policy: BadCellPolicy) -> Result<()> {
        let n = self.pending.rows;
        if n == 0 {
            return Ok(());
        }
        let pending = std::mem::take(&mut self.pending);
        let first_line = self.lines.len() - n;
        let mut first_error: Option<ErrorAt> = None;
        for (j, (i, name, kind)) in plan.features.iter().enumerate() {
            // Rows after the earliest error so far cannot hold an earlier one.
            let rows = first_error.as_ref().map_or(n, |e| e.0 + 1);
            let lines = &self.lines[first_line..first_line + rows];
            let cells = (0..rows).map(|r| pending.cell(plan.n_fields, r, *i));
            let column = BlockColumn {
                plan,
                name,
                inferred: *kind == (Kind::Numeric { declared: false }),
                policy,
            };
            let failed = match &mut self.cols[j] {
                Builder::Num(values) => column.numbers(
                    cells,
                    lines,
                    values,
                    (&mut self.numbers[j], &mut self.inferred[j]),
                    &mut self.bad_cells[j],
                ),
                Builder::Cat(codes, levels) => column.levels(cells, lines, codes, levels),
            };
            if let Some((r, e)) = failed {
                earliest(&mut first_error, r, j, e);
            }
        }
        let rows = first_error.as_ref().map_or(n, |e| e.0);
        for r in 0..rows {
            let line = self.lines[first_line + r];
            let cell = |i: usize| pending.cell(plan.n_fields, r, i);
            if let Err(e) = self.push_roles(plan, cell, line) {
                // A row's role cells come after its feature cells: any error of an
                // earlier row is earlier.
                earliest(&mut first_error, r, plan.features.len(), e);
                break;
            }
        }
        self.pending = pending;
        self.pending.clear();
        match first_error {
            Some((_, _, e)) => Err(e),
            None => Ok(()),
        }
    }

    /// The row's target (interned label text), id and weight cells (`rec(i)`: the
    /// row's field `i`).
    fn push_roles<'r>(
        &mut self,
        plan: &Plan,
        rec: impl Fn(usize) -> &'r [u8],
        line: u64,
    ) -> Result<()> {
        if let Some(t) = plan.target {
            self.push_label(plan, rec(t), line)?;
        }
        if let Some(i) = plan.id {
            self.push_id(plan, rec(i), line)?;
        }
        if let Some(i) = plan.weight {
            self.push_weight(plan, rec(i), line)?;
        }
        Ok(())
    }

    /// Adds the row's target cell (raw bytes, on line `line`): its interned label
    /// text, or no label (the first such cell's text kept for the error).
    #[inline]
    pub(super) fn push_label(&mut self, plan: &Plan, raw: &[u8], line: u64) -> Result<()> {
        let label = match cell::present(raw, &plan.missing) {
            None => {
                if self.first_missing_label.is_none() {
                    let raw = String::from_utf8_lossy(raw);
                    self.first_missing_label = Some(raw.trim().to_string());
                }
                NO_LABEL
            }
            Some(cell) => self.label_texts.intern(
                cell,
                line,
                &|| plan.at(line, &plan.target_name),
                usize::MAX,
            )?,
        };
        self.labels.push(label);
        Ok(())
    }

    /// Adds the row's id cell (raw bytes, on line `line`), trimmed; non-UTF-8 is an
    /// error.
    #[inline]
    pub(super) fn push_id(&mut self, plan: &Plan, raw: &[u8], line: u64) -> Result<()> {
        if let Some(ids) = &mut self.ids {
            let cell = cell::trim(raw);
            let id = std::str::from_utf8(cell)
                .map_err(|_| non_utf8(plan.at(line, opts_name(&plan.id_name)), cell))?;
            ids.push(id.to_string());
        }
        Ok(())
    }

    /// Adds the row's weight cell (raw bytes, on line `line`): a finite number `>= 0`,
    /// else an error.
    #[inline]
    pub(super) fn push_weight(&mut self, plan: &Plan, raw: &[u8], line: u64) -> Result<()> {
        if let Some(weights) = &mut self.weights {
            let cell = cell::trim(raw);
            let w = cell::parse_number(cell)
                .filter(|w| *w >= 0.0)
                .ok_or_else(|| Error::Value {
                    location: plan.at(line, opts_name(&plan.weight_name)),
                    value: String::from_utf8_lossy(cell).into_owned(),
                    message: "a sample weight must be a finite number >= 0".into(),
                })?;
            weights.push(w);
        }
        Ok(())
    }

    /// Builds the table: maps labels (applying the bad-label policy), drops skipped
    /// rows, checks the classes, sorts levels. Also returns the file line of each kept
    /// row.
    pub(in crate::data) fn finish(
        mut self,
        plan: &Plan,
        opts: &CsvOptions,
        mode: Mode,
    ) -> Result<(Table, ReadReport, Vec<u64>)> {
        self.flush(plan, opts.on_bad_cell)?;
        let Batch {
            cols,
            labels,
            label_texts,
            mut lines,
            mut ids,
            mut weights,
            bad_cells,
            first_missing_label,
            ..
        } = self;
        let rows_read = lines.len();
        let mut report = start_report(plan, rows_read, bad_cells);
        let Labels {
            classes,
            mut codes,
            keep,
        } = match plan.target {
            None => Labels {
                classes: opts.unlabeled_classes(),
                codes: vec![0u8; rows_read],
                keep: None,
            },
            Some(_) => map_labels(
                plan,
                opts,
                mode,
                (&label_texts, first_missing_label.as_deref()),
                &labels,
                &lines,
                &mut report,
            )?,
        };
        let n_kept = keep
            .as_ref()
            .map_or(rows_read, |k| k.iter().filter(|x| **x).count());
        if n_kept == 0 && mode == Mode::Read {
            return Err(Error::Csv {
                location: plan.location.clone(),
                message: format!(
                    "no rows left: all {rows_read} rows had a missing or unknown label in column '{}'",
                    opts.target
                ),
            });
        }
        if let Some(k) = &keep {
            retain(&mut codes, k);
            retain(&mut lines, k);
            if let Some(w) = &mut weights {
                retain(w, k);
            }
            if let Some(ids) = &mut ids {
                retain(ids, k);
            }
        }
        if plan.target.is_some() && mode == Mode::Read && opts.classes.is_none() {
            check_two_classes(plan, opts, &classes, &codes)?;
        }
        let (features, columns) = finish_features(plan, cols, keep.as_deref(), &mut report);
        report.rows = n_kept;
        let schema = Arc::new(Schema {
            features,
            target: Target {
                name: opts.target.clone(),
                classes,
            },
            id_column: opts.id_column.clone(),
            weight_column: opts.weight_column.clone(),
        });
        let table = match plan.target {
            Some(_) => Table::new(schema, columns, codes, weights, ids)?,
            None => Table::new_unlabeled(schema, columns, weights, ids)?,
        };
        Ok((table, report, lines))
    }
}

/// One feature column of a block being parsed ([`Batch::flush`]), or of a chunk
/// parsed straight from its bytes (`direct`).
pub(super) struct BlockColumn<'p> {
    pub(super) plan: &'p Plan,
    pub(super) name: &'p str,
    /// Numeric by inference (not declared): bad cells are tallied, not errors.
    pub(super) inferred: bool,
    pub(super) policy: BadCellPolicy,
}

/// A numeric column's tallies of inference: its cells that parsed as finite numbers
/// and the others (see [`Batch`]'s fields of the same names).
pub(super) type Tallies<'a> = (&'a mut usize, &'a mut Option<Box<Inferred>>);

impl BlockColumn<'_> {
    /// Parses a numeric column's cells (`lines`: each cell's line) into `values`;
    /// returns the first error, if any, with its row in the block.
    fn numbers<'c>(
        &self,
        cells: impl Iterator<Item = &'c [u8]>,
        lines: &[u64],
        values: &mut Vec<f64>,
        (numbers, inferred): Tallies,
        bad_cells: &mut Option<BadCells>,
    ) -> Option<(usize, Error)> {
        values.reserve(lines.len());
        for (r, (raw, &line)) in cells.zip(lines).enumerate() {
            let parsed = cell::number(raw, &self.plan.missing);
            match self.number(parsed, line, (numbers, inferred), bad_cells) {
                Ok(x) => values.push(x),
                Err(e) => return Some((r, e)),
            }
        }
        None
    }

    /// The value of one numeric cell on line `line`, parsed as `parsed` (by
    /// [`cell::number`]): a number, or NaN for a missing cell; a bad cell (NaN) is
    /// tallied (an inferred column), counted as missing or an error (by the policy).
    #[inline]
    pub(super) fn number(
        &self,
        parsed: Parsed<'_, f64, [u8]>,
        line: u64,
        (numbers, inferred): Tallies,
        bad_cells: &mut Option<BadCells>,
    ) -> Result<f64> {
        match parsed {
            Parsed::Missing => Ok(f64::NAN),
            Parsed::Value(x) => {
                if self.inferred {
                    *numbers += 1;
                }
                Ok(x)
            }
            Parsed::Bad(cell) if self.inferred => {
                let t = inferred.get_or_insert_with(|| {
                    Box::new(Inferred {
                        bad: BadCells {
                            column: self.name.to_string(),
                            first_value: String::from_utf8_lossy(cell).into_owned(),
                            ..BadCells::default()
                        },
                        first: (cell.to_vec(), line),
                    })
                });
                let b = &mut t.bad;
                b.count += 1;
                if b.lines.len() < REPORTED_LINES {
                    b.lines.push(line);
                }
                Ok(f64::NAN)
            }
            Parsed::Bad(cell) => {
                bad_number(bad_cells, self.plan, self.policy, self.name, cell, line)?;
                Ok(f64::NAN)
            }
        }
    }

    /// Interns a categorical column's cells into `codes`; returns the first error, if
    /// any, with its row in the block.
    fn levels<'c>(
        &self,
        cells: impl Iterator<Item = &'c [u8]>,
        lines: &[u64],
        codes: &mut Vec<u32>,
        levels: &mut Interner,
    ) -> Option<(usize, Error)> {
        codes.reserve(lines.len());
        for (r, (raw, &line)) in cells.zip(lines).enumerate() {
            match self.level(raw, line, levels) {
                Ok(c) => codes.push(c),
                Err(e) => return Some((r, e)),
            }
        }
        None
    }

    /// The code of one categorical cell (raw bytes, on line `line`): the missing code,
    /// or its level's code in `levels` (an error for non-UTF-8 text or too many
    /// levels).
    #[inline]
    pub(super) fn level(&self, raw: &[u8], line: u64, levels: &mut Interner) -> Result<u32> {
        match cell::present(raw, &self.plan.missing) {
            None => Ok(MISSING_LEVEL),
            Some(cell) => levels.intern(cell, line, &|| self.plan.at(line, self.name), MAX_LEVELS),
        }
    }
}

/// Whether a feature inferred numeric is text after all: more than
/// [`MAX_BAD_NUMERIC_SHARE`] of its non-missing cells (`numbers` finite numbers,
/// `other` not) are not finite numbers.
pub(super) fn is_text(numbers: usize, other: usize) -> bool {
    other as f64 > MAX_BAD_NUMERIC_SHARE * (numbers + other) as f64
}

/// Adds the tally `b` of a later piece of the file to `a` (the first value and the
/// first lines are `a`'s, then `b`'s up to [`REPORTED_LINES`]).
fn add_bad_cells(a: &mut BadCells, b: &BadCells) {
    a.count += b.count;
    let room = REPORTED_LINES.saturating_sub(a.lines.len());
    a.lines.extend(b.lines.iter().take(room));
}

/// The report's fields known before labels are mapped.
fn start_report(plan: &Plan, rows_read: usize, bad_cells: Vec<Option<BadCells>>) -> ReadReport {
    ReadReport {
        source: plan
            .location
            .file
            .as_ref()
            .map(|f| f.display().to_string())
            .unwrap_or_default(),
        delimiter: plan.delimiter,
        rows_read,
        bad_cells: bad_cells.into_iter().flatten().collect(),
        ..ReadReport::default()
    }
}

/// The target's classes, each row's class code, and which rows to keep (None: all).
struct Labels {
    classes: Vec<String>,
    codes: Vec<u8>,
    keep: Option<Vec<bool>>,
}

/// Maps the interned label texts to classes (recording the mapping in the report),
/// then each row's label to its class code; a missing or unmapped label is an error
/// naming its line, or a skipped row ([`BadLabelPolicy::Skip`]).
fn map_labels(
    plan: &Plan,
    opts: &CsvOptions,
    mode: Mode,
    (label_texts, first_missing): (&Interner, Option<&str>),
    labels: &[u32],
    lines: &[u64],
    report: &mut ReadReport,
) -> Result<Labels> {
    let rows_read = lines.len();
    let fixed = match mode {
        Mode::Stream => Some(
            opts.classes
                .clone()
                .unwrap_or_else(|| opts.unlabeled_classes()),
        ),
        Mode::Read => opts.classes.clone(),
    };
    let (classes, index) = opts
        .labels
        .resolve(&opts.target, &label_texts.texts, fixed.as_deref())
        .map_err(|e| match e {
            // The rule knows the column and the labels; the file and the line where
            // the (first) label named occurs first are the reader's.
            Error::Label {
                location,
                value,
                message,
            } => {
                let first = value.split("', '").next().unwrap_or_default();
                let mut at = plan.location.clone();
                at.column = location.column;
                at.line = label_texts
                    .texts
                    .iter()
                    .position(|t| t == first)
                    .map(|i| label_texts.first_lines[i]);
                Error::Label {
                    location: at,
                    value,
                    message,
                }
            }
            other => other,
        })?;
    report.label_map = label_texts
        .texts
        .iter()
        .zip(&index)
        .filter_map(|(t, i)| {
            i.as_ref()
                .ok()
                .map(|&i| (t.clone(), classes[i as usize].clone()))
        })
        .collect();
    let mut codes = Vec::with_capacity(rows_read);
    let mut keep: Option<Vec<bool>> = None;
    for (r, &l) in labels.iter().enumerate() {
        let mapped = if l == NO_LABEL {
            Err(match first_missing {
                Some(t) if !t.is_empty() => {
                    format!(
                        "read as missing ('{t}' is a missing-value token): the row has no label"
                    )
                }
                _ => "missing (the row has no label)".to_string(),
            })
        } else {
            index[l as usize].clone()
        };
        match mapped {
            Ok(c) => codes.push(c),
            Err(why) => match opts.on_bad_label {
                BadLabelPolicy::Error => {
                    // The first bad row is the first row without a label, if any.
                    let value = if l == NO_LABEL {
                        first_missing.unwrap_or("").to_string()
                    } else {
                        label_texts.texts[l as usize].clone()
                    };
                    return Err(Error::Label {
                        location: plan.at(lines[r], &opts.target),
                        value,
                        message: format!(
                            "{why} (fix the label, or skip rows with a missing or unknown label)"
                        ),
                    });
                }
                BadLabelPolicy::Skip => {
                    codes.push(0);
                    keep.get_or_insert_with(|| vec![true; rows_read])[r] = false;
                    report.skipped_rows += 1;
                    if report.skipped_lines.len() < REPORTED_LINES {
                        report.skipped_lines.push(lines[r]);
                    }
                }
            },
        }
    }
    Ok(Labels {
        classes,
        codes,
        keep,
    })
}

/// Keeps the items of `v` whose `keep` flag is set.
fn retain<T>(v: &mut Vec<T>, keep: &[bool]) {
    let mut i = 0;
    v.retain(|_| {
        i += 1;
        keep[i - 1]
    });
}

/// A whole file must hold at least two classes (unless the classes were fixed).
fn check_two_classes(
    plan: &Plan,
    opts: &CsvOptions,
    classes: &[String],
    codes: &[u8],
) -> Result<()> {
    let mut seen = vec![0usize; classes.len()];
    for &c in codes {
        seen[c as usize] += 1;
    }
    if seen.iter().filter(|&&n| n > 0).count() < 2 {
        let only = seen
            .iter()
            .position(|&n| n > 0)
            .map_or("", |c| classes[c].as_str());
        let n_kept = codes.len();
        return Err(Error::Schema {
            location: plan.location.clone().at_column(&opts.target),
            message: format!(
                "the target has one class only ({only}: all {n_kept} rows); a churn model needs customers who left and customers who stayed"
            ),
        });
    }
    Ok(())
}

/// The feature columns of the kept rows, with their kinds (categorical levels sorted
/// in byte order, unused ones dropped); missing cells counted in the report.
fn finish_features(
    plan: &Plan,
    cols: Vec<Builder>,
    keep: Option<&[bool]>,
    report: &mut ReadReport,
) -> (Vec<Feature>, Vec<Column>) {
    use rayon::prelude::*;
    // Columns are independent: finished in parallel, reported in plan order.
    let finished: Vec<(Feature, Column, usize)> = plan
        .features
        .par_iter()
        .zip(cols.into_par_iter())
        .map(|((_, name, _), col)| {
            let (kind, column) = match col {
                Builder::Num(mut v) => {
                    if let Some(k) = keep {
                        retain(&mut v, k);
                    }
                    (FeatureKind::Numeric, Column::Numeric(v))
                }
                Builder::Cat(mut codes, interner) => {
                    if let Some(k) = keep {
                        retain(&mut codes, k);
                    }
                    let (levels, codes) = sort_levels(interner.texts, codes);
                    (
                        FeatureKind::Categorical {
                            levels: levels.into(),
                        },
                        Column::Categorical(codes),
                    )
                }
            };
            let n_missing = column.n_missing();
            let feature = Feature {
                name: name.clone(),
                kind,
            };
            (feature, column, n_missing)
        })
        .collect();
    let mut features = Vec::with_capacity(finished.len());
    let mut columns = Vec::with_capacity(finished.len());
    for (feature, column, n_missing) in finished {
        if n_missing > 0 {
            report.missing.push((feature.name.clone(), n_missing));
        }
        features.push(feature);
        columns.push(column);
    }
    (features, columns)
}

#[cfg(test)]
mod tests {
    use super::super::plan::Plan;
    use super::super::source::{Lines, open_source};
    use super::*;
    use crate::data::csv::options::BadCellPolicy;
    use crate::error::Location;

    /// Reads `csv` as `read_csv_from` does (one pass, kinds as inferred), parsing the
    /// records in blocks, or each one as it comes (`row_by_row`): the table, report and
    /// lines, or the error, as text.
    fn read(csv: &[u8], opts: &CsvOptions, row_by_row: bool) -> String {
        let run = || -> Result<_> {
            let loc = Location::file("t.csv");
            let (mut reader, delimiter) = open_source(csv, None, None, &loc)?;
            let mut lines = Lines::of_source(&reader);
            let plan = Plan::new(
                &mut reader,
                delimiter,
                &loc,
                opts,
                Mode::Read,
                &[],
                &mut lines,
            )?;
            let mut batch = Batch::new(&plan, 16);
            let mut rec = ByteRecord::new();
            loop {
                match reader.read_byte_record(&mut rec) {
                    Ok(true) => {}
                    Ok(false) => break,
                    Err(e) => {
                        let e = super::super::source::csv_error(&loc, e);
                        return batch.fail(&plan, opts.on_bad_cell, e);
                    }
                }
                let line = lines.of(&rec);
                batch.push(&plan, opts.on_bad_cell, &rec, line)?;
                if row_by_row {
                    batch.flush(&plan, opts.on_bad_cell)?;
                }
            }
            batch.settle_inference(&plan, opts.on_bad_cell)?;
            let switched = batch.switched.clone();
            let (t, r, l) = batch.finish(&plan, opts, Mode::Read)?;
            Ok((t, r, l, switched))
        };
        format!("{:?}", run())
    }

    /// A file of `rows` rows, columns `a` (categorical), `b` (numeric), `c` (numeric
    /// by inference), `w` (weight), `churn`; `edit` changes row `r`'s cells (a `~`
    /// becomes the byte 0xff: not UTF-8).
    fn file(rows: usize, edit: impl Fn(usize, &mut Vec<String>)) -> Vec<u8> {
        let mut s = String::from("a,b,c,w,churn\n");
        for r in 0..rows {
            let mut cells = vec![
                ["x", "y", "z"][r % 3].to_string(),
                format!("{}", r % 17),
                format!("{}.5", r % 5),
                "1".to_string(),
                ["Yes", "No"][r % 2].to_string(),
            ];
            edit(r, &mut cells);
            s.push_str(&cells.join(","));
            s.push('\n');
        }
        s.bytes()
            .map(|b| if b == b'~' { 0xff } else { b })
            .collect()
    }

    #[test]
    fn blocks_give_what_row_by_row_reading_gives_and_the_same_first_error() {
        let opts = CsvOptions::new("churn").numeric(["b"]).weight_column("w");
        let lenient = opts.clone().on_bad_cell(BadCellPolicy::Missing);
        type Edit = Box<dyn Fn(usize, &mut Vec<String>)>;
        let cases: Vec<(&str, Edit)> = vec![
            ("clean", Box::new(|_, _| {})),
            // A later column in an earlier row before an earlier column in a later row.
            (
                "text in b at row 50, non-UTF-8 in a at row 70",
                Box::new(|r, c| match r {
                    50 => c[1] = "oops".into(),
                    70 => c[0] = "~".into(),
                    _ => {}
                }),
            ),
            (
                "errors in later blocks",
                Box::new(|r, c| match r {
                    3400 => c[3] = "heavy".into(),
                    4000 => c[1] = "oops".into(),
                    _ => {}
                }),
            ),
            (
                "two bad cells in one row",
                Box::new(|r, c| {
                    if r == 90 {
                        c[1] = "oops".into();
                        c[3] = "-1".into();
                    }
                }),
            ),
            (
                "a bad weight before a bad cell",
                Box::new(|r, c| match r {
                    20 => c[3] = "heavy".into(),
                    21 => c[1] = "oops".into(),
                    _ => {}
                }),
            ),
            (
                "a bad cell and a bad weight in one row",
                Box::new(|r, c| {
                    if r == 20 {
                        c[3] = "heavy".into();
                        c[1] = "oops".into();
                    }
                }),
            ),
            (
                "a bad cell before a ragged row",
                Box::new(|r, c| match r {
                    30 => c[1] = "oops".into(),
                    40 => c.push("extra".into()),
                    _ => {}
                }),
            ),
            (
                "a ragged row before a bad cell",
                Box::new(|r, c| match r {
                    30 => c.push("extra".into()),
                    40 => c[1] = "oops".into(),
                    _ => {}
                }),
            ),
            (
                "stray text in the inferred column, and a missing label",
                Box::new(|r, c| match r {
                    3 | 77 => c[2] = "n/a?".into(),
                    150 => c[4] = String::new(),
                    _ => {}
                }),
            ),
            (
                "an inferred column that is text",
                Box::new(|r, c| {
                    if r % 4 == 0 {
                        c[2] = format!("t{r}");
                    }
                }),
            ),
        ];
        for (what, edit) in &cases {
            // One block, and (5,000 rows of 5 cells) several.
            for rows in [5, 200, 5000] {
                let csv = file(rows, edit);
                for o in [&opts, &lenient] {
                    let blocks = read(&csv, o, false);
                    let rows_one_by_one = read(&csv, o, true);
                    assert_eq!(blocks, rows_one_by_one, "{what}, {rows} rows");
                }
            }
        }
    }
}
