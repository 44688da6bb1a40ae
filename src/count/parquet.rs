//! Training on raw Parquet files that churnkit never holds (cargo feature
//! `distributed`): the discretizer is fitted from query results and the codes are
//! computed inside the counting queries of a [`DistributedCounter`], on DataFusion or
//! Ballista.
//!
//! # The passes
//!
//! The files (`data::arrow::raw::parquet_files`: a file, a directory or a glob; one
//! logical table, in file-name order) are planned from their Parquet metadata with the
//! reader's own column plan ([`raw_columns`](crate::data::arrow::raw::raw_columns)),
//! their labels mapped by a streaming pass over the target column
//! ([`scan_labels`](crate::data::arrow::raw::scan_labels)). Then, on the engine, over
//! `raw` = the files' columns read (a dictionary column cast to its values' type) and
//! `__class` = `CASE WHEN target IN (texts of class 0) THEN 0 WHEN … END`:
//!
//! 1. **levels**, per categorical column: `SELECT DISTINCT x FROM raw`; each distinct
//!    cell is turned into its text by the reader's own rule (trimmed; numbers and
//!    booleans written as text; nulls, empty texts and missing tokens missing), and
//!    the levels are the distinct texts sorted by bytes — the reader's order
//!    ([`read_parquet`](crate::data::arrow::read_parquet) sorts levels the same way);
//! 2. **cut points**, per numeric column, `v = CAST(x AS DOUBLE)` (the reader's
//!    conversion: integers and floats exactly, decimals `v / 10^scale`): first
//!    `SELECT DISTINCT v FROM raw WHERE v IS NOT NULL AND NOT isnan(v) LIMIT b + 1`
//!    (`b` = [`MAX_EXACT_DISTINCT`]; DataFusion stops the distinct aggregation once it
//!    has `b + 1` groups); when at most `b` values come back (the bound: the summary
//!    below has at most `b` × classes rows in churnkit's memory), the **exact** summary
//!    `SELECT v, __class, COUNT(*) FROM raw WHERE … GROUP BY v, __class` (the zero
//!    group written as its `MIN(v)`, in total order `-0` when it holds one, as the
//!    in-memory sort writes it), from which
//!    [`value_summaries`](super::value_summaries) and [`numeric_cuts`] compute the very cut points the
//!    in-memory fit computes (equal-frequency and MDL, the same functions); above the
//!    bound, an **approximate** fallback: equal-frequency cuts at
//!    `approx_percentile_cont(v, i / bins)` (t-digest), `i = 1 … bins − 1` (`bins`:
//!    the equal-frequency bins, or MDL's `max_bins`), the column named in
//!    [`RawFit::approximate`];
//! 3. **codes**, computed in every counting query: `f_j = CASE WHEN x IN (cells of
//!    level 0) THEN 0 … ELSE missing END` (categorical) or `CASE WHEN v IS NULL OR
//!    isnan(v) THEN missing WHEN v < c₁ THEN 0 WHEN v < c₂ THEN 1 … ELSE k END`
//!    (numeric: code `#{cuts <= v}`, as the discretizer encodes), `class = __class`;
//!    that query is the [`DistributedCounter`]'s table of codes
//!    ([`DistributedCounter::from_dataframe`]).
//!
//! Nothing of the rows but these summaries reaches churnkit; the model's fingerprint
//! (`model::fingerprint_parquet`) streams each column once, one batch at a time.
//!
//! # Sample weights
//!
//! A weight column (a number column; text is a named error) is read as
//! `CAST(w AS DOUBLE)` beside the codes: every count is `SUM(weight)`
//! ([`DistributedCounter`]'s weighted tables) and the value summaries add
//! `SUM(weight)` per (value, class), which MDL cuts on
//! ([`value_summaries_weighted`]; equal-frequency cuts count rows, as in memory). The
//! weights are validated before any query by the in-memory reader's own rules, and
//! the class counts summed in row order
//! ([`class_weights`](crate::data::arrow::raw::class_weights)). The engine sums in
//! its own order: the model is the in-memory one when the sums are exact (weights
//! that are multiples of a power of two, tested), and may differ in the last bits of
//! a count otherwise.
//!
//! # Errors
//!
//! A query that runs out of a bounded memory pool (DataFusion's `ResourcesExhausted`,
//! under any wrapper) is [`Error::Param`] on `engine-memory`
//! ([`engine_error`]): raise the pool.
//!
//! # Text columns declared numeric
//!
//! A text column declared numeric (`--numeric`) is read by the reader's own rule, not
//! by a cast: `churnkit_number(CAST(x AS Utf8))`, a scalar function running
//! [`cell_number`] on each cell (trimmed, missing tokens and empty texts missing, a
//! non-number missing — the streaming passes have already reported it by the
//! bad-cell policy). Ballista executors do not have the function: there it is a
//! named error.
//!
//! # Not (yet) on this path
//!
//! Row subsets (the counter's limits).

use std::sync::Arc;

use arrow_array::{Array, Float64Array, Int64Array, RecordBatch, UInt8Array};
use arrow_schema::DataType;
use datafusion::functions::math::expr_fn::isnan;
use datafusion::functions_aggregate::expr_fn::{approx_percentile_cont, count, min, sum};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ScalarUDF, Volatility, cast, create_udf, ident, lit, when,
};
use datafusion::prelude::{DataFrame, ParquetReadOptions};
use datafusion::scalar::ScalarValue;

use super::discretize::{numeric_cuts, value_summaries_weighted};
use super::distributed::{DistributedCounter, Session, engine_error};
use crate::data::arrow::raw::{LabelScan, RawColumns, cell_number, cell_text};
use crate::data::{
    Binning, Discretizer, Feature, FeatureEncoder, FeatureKind, MAX_LEVELS, Schema, Target,
};
use crate::error::{Error, Location, Result};

/// The most distinct values of a numeric column whose cut points are computed exactly; above it they are approximate (see the
/// [module docs](self)).
pub const MAX_EXACT_DISTINCT: u64 = 1 << 20;

/// The column the label's class is computed into.
const CLASS: &str = "__class";

/// The column of sample weights (as `Float64`).
const WEIGHT: &str = "__weight";

/// What [`fit_raw_parquet`] prepared: the discretizer (fitted from queries), the
/// model's schema, and a counter whose queries compute the codes from the raw files.
#[derive(Debug)]
pub struct RawFit {
    /// The fitted discretizer: the in-memory fit's, for columns with exact cuts.
    pub discretizer: Discretizer,
    /// The table's schema (levels: those of the rows kept).
    pub schema: Arc<Schema>,
    /// The counter: its table of codes is a query over the raw files.
    pub counter: DistributedCounter,
    /// Numeric columns whose cut points are approximate (more distinct values than
    /// [`MAX_EXACT_DISTINCT`]).
    pub approximate: Vec<String>,
    /// Queries run to plan the codes (levels, summaries).
    pub queries: usize,
}

/// [`engine_error`] of `what` with the session's pool size `limit`.
fn df_err(
    limit: Option<usize>,
    what: String,
) -> impl Fn(datafusion::error::DataFusionError) -> Error {
    move |e| engine_error(&what, e, limit)
}

/// Fits the discretizer of `binning` on the raw Parquet table `raw` (its labels
/// `labels`) by queries on `session`, and returns it with a counter over codes
/// computed inside the queries (see the [module docs](self)); `max_exact_distinct`
/// is the bound of exact cut points (normally [`MAX_EXACT_DISTINCT`]).
///
/// # Errors
/// A file the engine cannot read, a categorical column of more than
/// [`MAX_LEVELS`] levels, a non-finite number in a numeric column (unless bad cells
/// are read as missing), each naming the column; a failed query.
pub fn fit_raw_parquet(
    session: Session,
    raw: &RawColumns,
    labels: &LabelScan,
    binning: &Binning,
    max_exact_distinct: u64,
) -> Result<RawFit> {
    binning.validate()?;
    let limit = session.memory_limit();
    let location = Location::file(raw.files.first().cloned().unwrap_or_default());
    let mut paths = Vec::with_capacity(raw.files.len());
    for f in &raw.files {
        let p = std::path::absolute(f).unwrap_or_else(|_| f.clone());
        paths.push(
            p.to_str()
                .ok_or_else(|| Error::param("data", f.display(), "is not a UTF-8 path"))?
                .to_string(),
        );
    }
    let what = format!("reading {}", raw.files[0].display());
    let files = session
        .block_on(
            session
                .context()
                .read_parquet(paths, ParquetReadOptions::default().file_extension("")),
        )
        .map_err(df_err(limit, what.clone()))?;
    let mut queries = 0usize;
    let mut run = |what: &str, df: DataFrame| -> Result<Vec<RecordBatch>> {
        queries += 1;
        session
            .collect(df)
            .map_err(df_err(limit, format!("query ({what})")))
    };

    // The columns read, dictionaries as their values.
    let (target, t) = (raw.target.0.as_str(), raw.target.1);
    let read_col = |i: usize| -> Expr {
        let f = raw.schema.field(i);
        let e = ident(f.name());
        match f.data_type() {
            DataType::Dictionary(_, v) => cast(e, v.as_ref().clone()).alias(f.name()),
            _ => e,
        }
    };
    let mut sel: Vec<Expr> = raw.features.iter().map(|f| read_col(f.index)).collect();
    sel.push(read_col(t));
    let weighted = raw.weight.is_some();
    if let Some((_, i)) = &raw.weight {
        sel.push(cast(read_col(*i), DataType::Float64).alias(WEIGHT));
    }
    let base = files.select(sel).map_err(df_err(limit, what.clone()))?;

    // The class of each row.
    let distinct = base
        .clone()
        .select(vec![ident(target)])
        .and_then(|d| d.distinct())
        .map_err(df_err(limit, what.clone()))?;
    let k = labels.classes.len();
    let mut by_class: Vec<Vec<Expr>> = vec![Vec::new(); k];
    for b in run("label texts", distinct)? {
        let a = b.column(0);
        for r in 0..b.num_rows() {
            let text = cell_text(a.as_ref(), r, &raw.missing)?;
            if let Some(c) = labels.class_of_text(text.as_deref()) {
                by_class[c as usize].push(lit(scalar(a.as_ref(), r)?));
            }
        }
    }
    let class_expr = case_of_lists(ident(target), by_class, None);
    let mut with_class: Vec<Expr> = raw.features.iter().map(|f| ident(&f.name)).collect();
    with_class.push(class_expr.alias(CLASS));
    if weighted {
        with_class.push(ident(WEIGHT));
    }
    let mut src = base
        .select(with_class)
        .map_err(df_err(limit, what.clone()))?;
    if labels.rows_kept < labels.rows_read {
        src = src
            .filter(ident(CLASS).is_not_null())
            .map_err(df_err(limit, what.clone()))?;
    }

    let mut encoders = Vec::with_capacity(raw.features.len());
    let mut features = Vec::with_capacity(raw.features.len());
    let mut codes: Vec<Expr> = Vec::with_capacity(raw.features.len() + 1);
    let mut approximate = Vec::new();
    for (j, f) in raw.features.iter().enumerate() {
        let name = f.name.as_str();
        let at = || location.clone().at_column(name);
        if f.categorical {
            let q = src
                .clone()
                .select(vec![ident(name)])
                .and_then(|d| d.distinct())
                .map_err(df_err(limit, what.clone()))?;
            let mut cells: Vec<(ScalarValue, String)> = Vec::new();
            for b in run(&format!("levels of {name}"), q)? {
                let a = b.column(0);
                for r in 0..b.num_rows() {
                    if let Some(text) = cell_text(a.as_ref(), r, &raw.missing)? {
                        cells.push((scalar(a.as_ref(), r)?, text));
                    }
                }
            }
            let mut levels: Vec<String> = cells.iter().map(|(_, t)| t.clone()).collect();
            levels.sort_unstable();
            levels.dedup();
            if levels.len() > MAX_LEVELS {
                return Err(Error::Schema {
                    location: at(),
                    message: format!(
                        "{} levels; at most {MAX_LEVELS} are supported (drop the column or group its levels)",
                        levels.len()
                    ),
                });
            }
            let mut lists: Vec<Vec<Expr>> = vec![Vec::new(); levels.len()];
            for (v, t) in cells {
                if let Ok(i) = levels.binary_search(&t) {
                    lists[i].push(lit(v));
                }
            }
            let missing = levels.len() as i64;
            codes.push(
                cast(
                    case_of_lists(ident(name), lists, Some(lit(missing))),
                    DataType::UInt16,
                )
                .alias(format!("f{j}")),
            );
            features.push(Feature {
                name: name.to_string(),
                kind: FeatureKind::Categorical {
                    levels: levels.clone().into(),
                },
            });
            encoders.push(FeatureEncoder::Categorical {
                name: name.to_string(),
                levels: levels.into(),
            });
        } else {
            let v = if f.text_numeric && raw.schema.field(f.index).data_type() != &DataType::Boolean
            {
                if session.engine().is_ballista() {
                    return Err(Error::param(
                        "engine",
                        "ballista",
                        format!(
                            "the text column '{name}' is declared numeric: its cells are parsed by churnkit's own function, which Ballista executors do not have (use --engine datafusion, or store the column as numbers)"
                        ),
                    ));
                }
                number_udf(raw.missing.clone()).call(vec![cast(ident(name), DataType::Utf8)])
            } else {
                // Numbers as the reader converts them; booleans 1 and 0.
                cast(ident(name), DataType::Float64)
            };
            let present = ident("v").is_not_null().and(!isnan(ident("v")));
            let mut kept_cols = vec![v.clone().alias("v"), ident(CLASS)];
            if weighted {
                kept_cols.push(ident(WEIGHT));
            }
            let kept = src
                .clone()
                .select(kept_cols)
                .and_then(|d| d.filter(present.clone()))
                .map_err(df_err(limit, what.clone()))?;
            let probe = kept
                .clone()
                .select(vec![ident("v")])
                .and_then(|d| d.distinct())
                .and_then(|d| d.limit(0, Some(max_exact_distinct as usize + 1)))
                .map_err(df_err(limit, what.clone()))?;
            let distinct: u64 = run(&format!("distinct values of {name}"), probe)?
                .iter()
                .map(|b| b.num_rows() as u64)
                .sum();
            let inf = |x: f64| x.is_infinite();
            let cuts = if distinct <= max_exact_distinct {
                // A group of -0 and 0 is written as its MIN(v) (total order: -0
                // before 0), as the in-memory sort writes it; other groups as their
                // key (DataFusion's MIN over Float64 starts at f64::MAX, so it
                // cannot write +inf).
                let mut aggs = vec![
                    min(ident("v")).alias("vmin"),
                    cast(count(lit(1)), DataType::Int64).alias("n"),
                ];
                if weighted {
                    aggs.push(sum(ident(WEIGHT)).alias("w"));
                }
                let q = kept
                    .aggregate(vec![ident("v"), ident(CLASS)], aggs)
                    .and_then(|d| {
                        let mut cols = vec![
                            when(ident("v").eq(lit(0.0)), ident("vmin"))
                                .otherwise(ident("v"))?
                                .alias("v"),
                            ident(CLASS),
                            ident("n"),
                        ];
                        if weighted {
                            cols.push(ident("w"));
                        }
                        d.select(cols)
                    })
                    .map_err(df_err(limit, what.clone()))?;
                let mut triples: Vec<(f64, u8, u64, f64)> = Vec::new();
                for b in run(&format!("value summary of {name}"), q)? {
                    triples.extend(summary_rows(&b, name)?);
                }
                if let Some(&(x, _, _, _)) = triples.iter().find(|t| inf(t.0)) {
                    if !raw.bad_cells_missing {
                        return Err(Error::Value {
                            location: at(),
                            value: x.to_string(),
                            message: "not a finite number, and the column is numeric (fix the cells, or read such cells as missing)".into(),
                        });
                    }
                    triples.retain(|t| !inf(t.0));
                }
                let (by_class, rows) = value_summaries_weighted(triples, k)?;
                numeric_cuts(binning, || rows, || Ok(&by_class))?
            } else {
                approximate.push(name.to_string());
                let bins = match *binning {
                    Binning::EqualFrequency { bins } => bins,
                    Binning::Mdl { max_bins, .. } => max_bins,
                };
                let finite = ident("v")
                    .lt(lit(f64::INFINITY))
                    .and(ident("v").gt(lit(f64::NEG_INFINITY)));
                let aggs: Vec<Expr> = (1..bins)
                    .map(|i| {
                        approx_percentile_cont(
                            ident("v").sort(true, false),
                            lit(i as f64 / bins as f64),
                            None,
                        )
                        .alias(format!("q{i}"))
                    })
                    .collect();
                let mut cuts: Vec<f64> = Vec::new();
                if !aggs.is_empty() {
                    let q = kept
                        .filter(finite)
                        .and_then(|d| d.aggregate(vec![], aggs))
                        .map_err(df_err(limit, what.clone()))?;
                    for b in run(&format!("approximate quantiles of {name}"), q)? {
                        for c in 0..b.num_columns() {
                            if let Some(a) = b.column(c).as_any().downcast_ref::<Float64Array>()
                                && b.num_rows() > 0
                                && !a.is_null(0)
                            {
                                let x = a.value(0);
                                if x.is_finite() && cuts.last().is_none_or(|&l| x > l) {
                                    cuts.push(x);
                                }
                            }
                        }
                    }
                }
                cuts
            };
            let n = cuts.len() as i64;
            let mut missing = v.clone().is_null().or(isnan(v.clone()));
            if raw.bad_cells_missing {
                missing = missing
                    .or(v.clone().eq(lit(f64::INFINITY)))
                    .or(v.clone().eq(lit(f64::NEG_INFINITY)));
            }
            let mut case = when(missing, lit(n + 1));
            for (i, &c) in cuts.iter().enumerate() {
                case.when(v.clone().lt(lit(c)), lit(i as i64));
            }
            let code = case
                .otherwise(lit(n))
                .map_err(df_err(limit, format!("the codes of {name}")))?;
            codes.push(cast(code, DataType::UInt16).alias(format!("f{j}")));
            features.push(Feature {
                name: name.to_string(),
                kind: FeatureKind::Numeric,
            });
            encoders.push(FeatureEncoder::Numeric {
                name: name.to_string(),
                cuts,
            });
        }
    }
    codes.push(cast(ident(CLASS), DataType::UInt8).alias("class"));
    if weighted {
        codes.push(ident(WEIGHT).alias("weight"));
    }
    let codes_df = src.select(codes).map_err(df_err(limit, what))?;
    let discretizer = Discretizer::from_encoders(encoders, binning.clone(), labels.classes.clone());
    let schema = Arc::new(Schema {
        features,
        target: Target {
            name: target.to_string(),
            classes: labels.classes.clone(),
        },
        id_column: raw.id_column.clone(),
        weight_column: raw.weight.as_ref().map(|(w, _)| w.clone()),
    });
    let counter = DistributedCounter::from_dataframe(
        session,
        codes_df,
        discretizer.schema().clone(),
        labels.rows_kept as usize,
        weighted,
    );
    Ok(RawFit {
        discretizer,
        schema,
        counter,
        approximate,
        queries,
    })
}

/// `churnkit_number(text)`: a text cell of a column declared numeric as the reader
/// parses it ([`cell_number`]; missing or bad: null).
fn number_udf(missing: crate::data::MissingTokens) -> ScalarUDF {
    let fun = Arc::new(
        move |args: &[ColumnarValue]| -> datafusion::error::Result<ColumnarValue> {
            let arrays = ColumnarValue::values_to_arrays(args)?;
            let a = arrays[0].as_ref();
            let out: Float64Array = (0..a.len()).map(|r| cell_number(a, r, &missing)).collect();
            Ok(ColumnarValue::Array(Arc::new(out)))
        },
    );
    create_udf(
        "churnkit_number",
        vec![DataType::Utf8],
        DataType::Float64,
        Volatility::Immutable,
        fun,
    )
}

/// The scalar of cell `r` of `a`, as a literal of the column's type.
fn scalar(a: &dyn Array, r: usize) -> Result<ScalarValue> {
    ScalarValue::try_from_array(a, r)
        .map_err(|e| Error::Fit(format!("reading a query result: {e}")))
}

/// `CASE WHEN e IN (lists[0]) THEN 0 WHEN e IN (lists[1]) THEN 1 … ELSE otherwise END`
/// (empty lists skipped; `NULL` when no list is left and no `otherwise`).
fn case_of_lists(e: Expr, lists: Vec<Vec<Expr>>, otherwise: Option<Expr>) -> Expr {
    let null = || lit(ScalarValue::Int64(None));
    let mut b: Option<datafusion::logical_expr::conditional_expressions::CaseBuilder> = None;
    for (i, l) in lists.into_iter().enumerate() {
        if l.is_empty() {
            continue;
        }
        let cond = e.clone().in_list(l, false);
        match &mut b {
            None => b = Some(when(cond, lit(i as i64))),
            Some(b) => {
                b.when(cond, lit(i as i64));
            }
        }
    }
    let other = otherwise.unwrap_or_else(null);
    match b {
        None => other,
        Some(mut b) => b.otherwise(other.clone()).unwrap_or(other),
    }
}

/// The `(v, class, n, w)` rows of a value-summary result (`w`: the weight column's
/// sum when there is one, else `n`).
fn summary_rows(b: &RecordBatch, name: &str) -> Result<Vec<(f64, u8, u64, f64)>> {
    let bad = || {
        Error::Fit(format!(
            "the value summary of {name}: unexpected result columns"
        ))
    };
    let v = b
        .column(0)
        .as_any()
        .downcast_ref::<Float64Array>()
        .ok_or_else(bad)?;
    let c = cast_u8(b.column(1)).ok_or_else(bad)?;
    let n = b
        .column(2)
        .as_any()
        .downcast_ref::<Int64Array>()
        .ok_or_else(bad)?;
    let w = match b.num_columns() {
        4 => Some(
            b.column(3)
                .as_any()
                .downcast_ref::<Float64Array>()
                .ok_or_else(bad)?,
        ),
        _ => None,
    };
    Ok((0..b.num_rows())
        .filter(|&r| !v.is_null(r) && !c.is_null(r))
        .map(|r| {
            let n = n.value(r).max(0) as u64;
            let w = w.map_or(n as f64, |w| if w.is_null(r) { 0.0 } else { w.value(r) });
            (v.value(r), c.value(r), n, w)
        })
        .collect())
}

/// A class column (`Int64` from the `CASE`) as `UInt8`.
fn cast_u8(a: &arrow_array::ArrayRef) -> Option<UInt8Array> {
    let i = a.as_any().downcast_ref::<Int64Array>()?;
    Some(
        i.iter()
            .map(|x| x.and_then(|x| u8::try_from(x).ok()))
            .collect(),
    )
}
