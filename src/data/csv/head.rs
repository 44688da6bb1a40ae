//! Reading a file too large to hold as a [`Table`](crate::data::Table) in passes:
//! [`stream_options`] fixes the column kinds and the classes from the file's first
//! rows (a stream cannot infer them), and [`ReadReport::absorb`] adds up the reports
//! of the chunks of a [`CsvChunks`] stream into the whole file's.

use std::path::Path;

use super::batch::is_text;
use super::chunks::CsvChunks;
use super::options::{CsvOptions, REPORTED_LINES, ReadReport};
use crate::data::cell::parse_number;
use crate::data::schema::{AT_RISK, CHURNED, RETAINED, Schema};
use crate::data::table::{Column, MISSING_LEVEL};
use crate::error::Result;

/// The options a [`CsvChunks`] stream of the file at `path` reads it with so that its
/// chunks have the kinds and classes [`read_csv`](crate::data::read_csv) would give
/// the whole file, decided from its first `head_rows` data rows.
///
/// - **Kinds**: a feature column declared with [`CsvOptions::numeric`] /
///   [`CsvOptions::categorical`] or fixed by [`CsvOptions::with_schema_kinds`] keeps
///   its kind; any other is numeric when at most
///   [`MAX_BAD_NUMERIC_SHARE`](crate::data::MAX_BAD_NUMERIC_SHARE) of its non-missing
///   cells among the first rows are not finite numbers (the whole-file reader's rule,
///   applied to the head instead of the whole file), else text. A later cell of a
///   numeric column that is not a number follows [`CsvOptions::on_bad_cell`] (by
///   default an error naming the file, line, column and cell), as in a whole-file read.
/// - **Classes**: the ones given ([`CsvOptions::classes`]), or those of the class map,
///   or — as the whole-file reader decides — `retained`, `at_risk`, `churned` when a
///   first-row label maps to `at_risk`, else `retained`, `churned`. A later label of
///   another class is an error naming its line (or a skipped row under
///   [`BadLabelPolicy::Skip`](crate::data::BadLabelPolicy::Skip)).
///
/// # Errors
/// What reading the first rows meets (file, line, column), as [`CsvChunks`] reports it.
pub fn stream_options(
    path: impl AsRef<Path>,
    opts: &CsvOptions,
    head_rows: usize,
) -> Result<CsvOptions> {
    let mut head_opts = opts.clone();
    let free_classes = opts.classes.is_none() && opts.labels.class_map.is_empty();
    if free_classes {
        // Every canonical class, so that any label the file's rule maps is read.
        head_opts.classes = Some(vec![RETAINED.into(), AT_RISK.into(), CHURNED.into()]);
    }
    let mut chunks = CsvChunks::open(path, &head_opts, head_rows.max(1))?;
    let declared_text = |name: &str| {
        opts.categorical.iter().any(|c| c == name)
            || opts.schema_kinds.iter().any(|(c, num)| c == name && !num)
    };
    let mut kinds: Vec<(String, bool)> = Vec::new();
    let mut classes = opts.classes.clone();
    if let Some(head) = chunks.next().transpose()? {
        let t = &head.table;
        for (j, f) in t.schema().features.iter().enumerate() {
            let numeric = match t.column(j) {
                Column::Numeric(_) => true,
                Column::Categorical(_) if declared_text(&f.name) => false,
                Column::Categorical(codes) => {
                    let mut per_level = vec![0usize; f.levels().len()];
                    for &c in codes {
                        if c != MISSING_LEVEL {
                            per_level[c as usize] += 1;
                        }
                    }
                    let (mut numbers, mut other) = (0, 0);
                    for (level, n) in f.levels().iter().zip(per_level) {
                        if parse_number(level.as_bytes()).is_some() {
                            numbers += n;
                        } else {
                            other += n;
                        }
                    }
                    !is_text(numbers, other)
                }
            };
            kinds.push((f.name.clone(), numeric));
        }
        if free_classes {
            let at_risk = t.schema().target.classes.iter().position(|c| c == AT_RISK);
            let three = t.is_labeled() && at_risk.is_some_and(|a| t.labels().contains(&(a as u8)));
            classes = Some(if three {
                vec![RETAINED.into(), AT_RISK.into(), CHURNED.into()]
            } else {
                vec![RETAINED.into(), CHURNED.into()]
            });
        }
    }
    let mut out = opts.clone();
    for (name, numeric) in kinds {
        if !out.schema_kinds.iter().any(|(c, _)| *c == name) {
            out.schema_kinds.push((name, numeric));
        }
    }
    if classes.is_some() {
        out.classes = classes;
    }
    Ok(out)
}

impl ReadReport {
    /// Adds the report of the next piece of the same file (e.g. the next chunk of a
    /// [`CsvChunks`] stream): row counts and tallies are summed, the first skipped and
    /// bad-cell lines are kept up to [`REPORTED_LINES`], missing cells and bad cells are
    /// listed by column in the order columns first appear (put them in the file's
    /// column order with [`sort_columns`](Self::sort_columns)), and label texts in
    /// first-seen order. Absorbing every chunk of a stream in order into a default
    /// report, then sorting the columns, gives the whole-file reader's report.
    pub fn absorb(&mut self, next: &ReadReport) {
        if self.source.is_empty() {
            self.source = next.source.clone();
        }
        if self.delimiter == 0 {
            self.delimiter = next.delimiter;
        }
        self.rows_read += next.rows_read;
        self.rows += next.rows;
        self.skipped_rows += next.skipped_rows;
        let room = REPORTED_LINES.saturating_sub(self.skipped_lines.len());
        self.skipped_lines
            .extend(next.skipped_lines.iter().take(room));
        for b in &next.bad_cells {
            match self.bad_cells.iter_mut().find(|a| a.column == b.column) {
                Some(a) => {
                    a.count += b.count;
                    let room = REPORTED_LINES.saturating_sub(a.lines.len());
                    a.lines.extend(b.lines.iter().take(room));
                }
                None => self.bad_cells.push(b.clone()),
            }
        }
        for (name, n) in &next.missing {
            match self.missing.iter_mut().find(|(c, _)| c == name) {
                Some((_, m)) => *m += n,
                None => self.missing.push((name.clone(), *n)),
            }
        }
        for (text, class) in &next.label_map {
            if !self.label_map.iter().any(|(t, _)| t == text) {
                self.label_map.push((text.clone(), class.clone()));
            }
        }
    }

    /// Lists missing and bad cells in the order of `schema`'s features (as the
    /// whole-file reader does).
    pub fn sort_columns(&mut self, schema: &Schema) {
        let at = |name: &str| schema.feature_index(name).unwrap_or(usize::MAX);
        self.missing.sort_by_key(|(c, _)| at(c));
        self.bad_cells.sort_by_key(|b| at(&b.column));
    }
}
