//! Record batches → [`Table`]: the CSV reader's plan (roles and kinds by name) and
//! batch (labels mapped, levels sorted, the report), filled column by column.

use arrow_array::{Array, RecordBatch};
use arrow_schema::SchemaRef;
use rayon::prelude::*;

use super::cells::{Cells, TypeKind, Value, type_kind};
use crate::data::cell::{self, Parsed};
use crate::data::csv::{BadCellPolicy, CsvOptions, ReadReport};
use crate::data::csv::{BadCells, Batch, Builder, Kind, Mode, NO_LABEL, Plan, bad_number};
use crate::data::encoded::MAX_LEVELS;
use crate::data::table::{MISSING_LEVEL, Table};
use crate::error::{Error, Location, Result};

/// The "line" of data row `row` (0-based) in errors and the report: the line it has
/// in a CSV export with a header (row 0 is line 2).
#[inline]
fn line_of(row: usize) -> u64 {
    row as u64 + 2
}

/// A code not yet given to a dictionary value.
const UNSET: u32 = u32::MAX - 1;

/// Reads record batches (all of one schema) into a table; see the module docs.
pub(crate) fn read_batches(
    schema: &SchemaRef,
    batches: &[RecordBatch],
    location: &Location,
    opts: &CsvOptions,
) -> Result<(Table, ReadReport)> {
    let plan = plan_of_schema(schema, location, opts)?;
    for (i, b) in batches.iter().enumerate() {
        if b.schema().fields() != schema.fields() {
            return Err(Error::Schema {
                location: location.clone(),
                message: format!(
                    "record batch {} has another schema than the first (every batch must have the same columns and types)",
                    i + 1
                ),
            });
        }
    }
    let unsupported = |i: usize, name: &str| unsupported_type(schema, location, i, name);
    let n: usize = batches.iter().map(RecordBatch::num_rows).sum();
    let mut batch = Batch::new(&plan, 0);
    let policy = opts.on_bad_cell;
    // Feature columns in parallel, beside the target, id and weight columns; the
    // first error in column order is reported.
    let Batch {
        cols,
        labels,
        label_texts,
        ids,
        weights,
        first_missing_label,
        ..
    } = &mut batch;
    let mut roles_out = Roles {
        labels,
        label_texts,
        ids,
        weights,
        first_missing: first_missing_label,
    };
    let (results, roles_result): (Vec<Result<Option<BadCells>>>, Result<()>) = rayon::join(
        || features(&plan, batches, cols, policy, &unsupported),
        || roles(&plan, batches, &mut roles_out),
    );

    for (j, r) in results.into_iter().enumerate() {
        batch.bad_cells[j] = r?;
    }
    roles_result?;
    batch.lines = (0..n).map(line_of).collect();
    batch
        .finish(&plan, opts, Mode::Read)
        .map(|(table, report, _)| (table, report))
}

/// An unsupported Arrow type in column `i` (`name`) of `schema`, as an error naming the
/// column and its type.
pub(crate) fn unsupported_type(
    schema: &SchemaRef,
    location: &Location,
    i: usize,
    name: &str,
) -> Error {
    Error::Schema {
        location: location.clone().at_column(name),
        message: format!(
            "the Arrow type {} is not supported: churnkit reads integers, floats, decimals, text, booleans and dictionaries of them (drop the column, or convert it to a number or text)",
            schema.field(i).data_type()
        ),
    }
}

/// The column roles and feature kinds of a table with this Arrow schema (see the
/// module docs of [`arrow`](super)): the CSV reader's plan from the column names, each
/// undeclared feature numeric or categorical by its Arrow type; an unsupported type in
/// a column that is read is an error naming it. The raw-Parquet engine path
/// (`count::parquet`) plans its queries with the same function.
pub(crate) fn plan_of_schema(
    schema: &SchemaRef,
    location: &Location,
    opts: &CsvOptions,
) -> Result<Plan> {
    opts.validate()?;
    let names: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
    let mut seen = std::collections::HashSet::with_capacity(names.len());
    for n in &names {
        if !seen.insert(n.as_str()) {
            return Err(Error::Schema {
                location: location.clone().at_column(n),
                message: "duplicate column name in the schema (rename one of them)".into(),
            });
        }
    }
    let mut plan = Plan::from_names(names, 0, location, opts, Mode::Read, &[])?;
    let unsupported = |i: usize, name: &str| unsupported_type(schema, location, i, name);
    let kind_of = |i: usize, name: &str| -> Result<TypeKind> {
        type_kind(schema.field(i).data_type()).ok_or_else(|| unsupported(i, name))
    };
    // The Arrow type is the declaration: an undeclared feature is numeric when the
    // column holds numbers (or nulls only), categorical when it holds text.
    for (i, name, kind) in &mut plan.features {
        let t = kind_of(*i, name)?;
        if *kind == (Kind::Numeric { declared: false }) && t == TypeKind::Text {
            *kind = Kind::Categorical;
        }
    }
    for (col, name) in [
        (plan.target, &plan.target_name),
        (plan.id, &plan.id_name.clone().unwrap_or_default()),
        (plan.weight, &plan.weight_name.clone().unwrap_or_default()),
    ] {
        if let Some(i) = col {
            kind_of(i, name)?;
        }
    }
    Ok(plan)
}

/// The feature columns of every batch, in parallel (each column's bad cells, or its
/// first error).
fn features(
    plan: &Plan,
    batches: &[RecordBatch],
    cols: &mut [Builder],
    policy: BadCellPolicy,
    unsupported: &(dyn Fn(usize, &str) -> Error + Sync),
) -> Vec<Result<Option<BadCells>>> {
    plan.features
        .par_iter()
        .zip(cols.par_iter_mut())
        .map(|((i, name, _), builder)| {
            let mut bad = None;
            let mut row0 = 0;
            for b in batches {
                let cells =
                    Cells::of(b.column(*i).as_ref()).ok_or_else(|| unsupported(*i, name))?;
                match builder {
                    Builder::Num(values) => {
                        numeric(&cells, row0, plan, policy, name, values, &mut bad)?
                    }
                    Builder::Cat(codes, levels) => {
                        let at = |line: u64| plan.at(line, name);
                        let mut intern = |text: &str, line: u64| {
                            levels.intern(text.as_bytes(), line, &|| at(line), MAX_LEVELS)
                        };
                        categorical(&cells, row0, plan, codes, &mut intern)?
                    }
                }
                row0 += b.num_rows();
            }
            Ok(bad)
        })
        .collect()
}

/// Appends one batch's cells of a numeric feature (rows from `row0`).
fn numeric(
    cells: &Cells<'_>,
    row0: usize,
    plan: &Plan,
    policy: BadCellPolicy,
    name: &str,
    values: &mut Vec<f64>,
    bad: &mut Option<BadCells>,
) -> Result<()> {
    values.reserve(cells.len());
    // The common case, a Float64 column: its values as they are (NaN and nulls
    // missing), a non-finite one handled below.
    if let Cells::F64(a) = cells {
        let start = values.len();
        match a.nulls() {
            None => values.extend_from_slice(a.values()),
            Some(n) => values.extend(
                a.values()
                    .iter()
                    .zip(n.iter())
                    .map(|(&x, valid)| if valid { x } else { f64::NAN }),
            ),
        }
        if let Some(r) = values[start..].iter().position(|x| x.is_infinite()) {
            for (k, x) in values[start + r..].iter_mut().enumerate() {
                if x.is_infinite() {
                    let text = x.to_string();
                    bad_number(
                        bad,
                        plan,
                        policy,
                        name,
                        text.as_bytes(),
                        line_of(row0 + r + k),
                    )?;
                    *x = f64::NAN;
                }
            }
        }
        return Ok(());
    }
    for r in 0..cells.len() {
        let v = cells.get(r);
        let x = match v {
            Value::Null => f64::NAN,
            Value::Text(t) => match cell::number(t.as_bytes(), &plan.missing) {
                Parsed::Missing => f64::NAN,
                Parsed::Value(x) => x,
                Parsed::Bad(c) => {
                    bad_number(bad, plan, policy, name, c, line_of(row0 + r))?;
                    f64::NAN
                }
            },
            _ => match v.number() {
                // NaN is how many writers (pandas) store a missing float.
                Some(x) if x.is_nan() => f64::NAN,
                Some(x) if x.is_finite() => x,
                Some(x) => {
                    let text = x.to_string();
                    bad_number(bad, plan, policy, name, text.as_bytes(), line_of(row0 + r))?;
                    f64::NAN
                }
                None => f64::NAN,
            },
        };
        values.push(x);
    }
    Ok(())
}

/// The code of one cell of a categorical feature (or a label): text trimmed and
/// checked for missing tokens as in a CSV; numbers and booleans as text.
#[inline]
fn cell_code(
    v: Value<'_>,
    line: u64,
    plan: &Plan,
    buf: &mut String,
    intern: &mut impl FnMut(&str, u64) -> Result<u32>,
) -> Result<u32> {
    match present_text(v, &plan.missing, buf) {
        None => Ok(MISSING_LEVEL),
        Some(t) => intern(t, line),
    }
}

/// The text a categorical cell (or a label) is read as — trimmed, its number or
/// boolean written as text — or None when it is missing (a null, an empty text, a
/// missing token).
#[inline]
pub(crate) fn present_text<'b>(
    v: Value<'b>,
    missing: &crate::data::MissingTokens,
    buf: &'b mut String,
) -> Option<&'b str> {
    if v == Value::Null {
        return None;
    }
    let text = v.text(buf);
    // `present` trims ASCII whitespace only, so the bytes stay UTF-8.
    cell::present(text.as_bytes(), missing).map(|t| std::str::from_utf8(t).unwrap_or_default())
}

/// Appends one batch's cells of a categorical feature; a dictionary's values are
/// converted once each, when first used (so levels appear in row order, as in a CSV).
fn categorical(
    cells: &Cells<'_>,
    row0: usize,
    plan: &Plan,
    codes: &mut Vec<u32>,
    intern: &mut impl FnMut(&str, u64) -> Result<u32>,
) -> Result<()> {
    codes.reserve(cells.len());
    let mut buf = String::new();
    if let Some((keys, values)) = cells.dictionary() {
        let mut map = vec![UNSET; values.len()];
        for (r, k) in keys.iter().enumerate() {
            let c = match k {
                None => MISSING_LEVEL,
                Some(k) => {
                    let m = &mut map[*k as usize];
                    if *m == UNSET {
                        *m = cell_code(
                            values.get(*k as usize),
                            line_of(row0 + r),
                            plan,
                            &mut buf,
                            intern,
                        )?;
                    }
                    *m
                }
            };
            codes.push(c);
        }
    } else {
        for r in 0..cells.len() {
            codes.push(cell_code(
                cells.get(r),
                line_of(row0 + r),
                plan,
                &mut buf,
                intern,
            )?);
        }
    }
    Ok(())
}

/// The target, id and weight columns of every batch.
/// The parts of a batch the target, id and weight columns fill.
struct Roles<'b> {
    labels: &'b mut Vec<u32>,
    label_texts: &'b mut crate::data::csv::Interner,
    ids: &'b mut Option<Vec<String>>,
    weights: &'b mut Option<Vec<f64>>,
    first_missing: &'b mut Option<String>,
}

fn roles(plan: &Plan, batches: &[RecordBatch], batch: &mut Roles<'_>) -> Result<()> {
    let mut row0 = 0;
    let mut buf = String::new();
    for b in batches {
        let column = |i: usize| Cells::of(b.column(i).as_ref());
        if let Some(t) = plan.target
            && let Some(cells) = column(t)
        {
            let texts = &mut *batch.label_texts;
            let first_missing = &mut *batch.first_missing;
            let at = |line: u64| plan.at(line, &plan.target_name);
            let mut intern = |text: &str, line: u64| {
                texts.intern(text.as_bytes(), line, &|| at(line), usize::MAX)
            };
            let mut codes = Vec::with_capacity(cells.len());
            categorical(&cells, row0, plan, &mut codes, &mut intern)?;
            if first_missing.is_none()
                && let Some(r) = codes.iter().position(|&c| c == MISSING_LEVEL)
            {
                let v = cells.get(r);
                *first_missing = Some(v.text(&mut buf).trim().to_string());
            }
            batch.labels.extend(
                codes
                    .into_iter()
                    .map(|c| if c == MISSING_LEVEL { NO_LABEL } else { c }),
            );
        }
        if let (Some(i), Some(ids)) = (plan.id, &mut *batch.ids)
            && let Some(cells) = column(i)
        {
            for r in 0..cells.len() {
                ids.push(cell::trim_text(cells.get(r).text(&mut buf)).to_string());
            }
        }
        if let (Some(i), Some(weights)) = (plan.weight, &mut *batch.weights)
            && let Some(cells) = column(i)
        {
            for r in 0..cells.len() {
                let v = cells.get(r);
                let w = match v {
                    Value::Text(t) => cell::parse_number(cell::trim(t.as_bytes())),
                    _ => v.number().filter(|x| x.is_finite()),
                };
                match w.filter(|w| *w >= 0.0) {
                    Some(w) => weights.push(w),
                    None => {
                        let value = match v {
                            Value::Null => "null".to_string(),
                            _ => v.text(&mut buf).to_string(),
                        };
                        return Err(Error::Value {
                            location: plan.at(
                                line_of(row0 + r),
                                plan.weight_name.as_deref().unwrap_or_default(),
                            ),
                            value,
                            message: "a sample weight must be a finite number >= 0".into(),
                        });
                    }
                }
            }
        }
        row0 += b.num_rows();
    }
    Ok(())
}
