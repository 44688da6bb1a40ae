//! The counting contract answered by aggregate queries on Apache DataFusion — locally,
//! or on a Ballista cluster (standalone in-process, or a remote scheduler) — over a
//! table of **codes** (cargo feature `distributed`).
//!
//! # The table of codes
//!
//! One row per training row: columns `f0` … `f{n-1}` (the codes of each feature, any
//! unsigned integer type; `0..n_levels` for a level, `n_levels` for missing),
//! `class` (the class index) and, for weighted rows, `weight` (`Float64`).
//! [`write_codes_parquet`] writes an [`Encoded`] table in that layout;
//! [`DistributedCounter::from_encoded`] registers one in memory (DataFusion only: a
//! Ballista cluster reads files), [`DistributedCounter::from_parquet`] any Parquet
//! file, directory or list of files in it.
//!
//! # The queries
//!
//! * [`Counter::contingency`] over all rows, variables `v₁ … v_m`:
//!   `SELECT v₁, …, v_m, SUM(weight) FROM codes GROUP BY v₁, …, v_m` (`COUNT(*)` for
//!   unweighted rows), into the dense [`CountTable`].
//! * [`Counter::contingency_pairs`] (TAN): for `i` and `j₁ … j_r`, one query,
//!   `SELECT f_i, f_j₁, …, class, SUM(weight) FROM codes GROUP BY GROUPING SETS
//!   ((f_i, f_j₁, class), …)`.
//! * [`LevelCounter::level_class_tables`] (a tree level): the node of each row is the
//!   [`Route`] written as nested `CASE` expressions over the codes (`CASE WHEN f3 = 0
//!   THEN 0 WHEN f3 IN (1, 2) THEN CASE … END END`; `NULL` for rows in finished
//!   leaves), and one query counts every open node:
//!   `SELECT node, f0, …, class, SUM(weight) FROM (SELECT <route> AS node, … FROM
//!   codes) WHERE node IS NOT NULL GROUP BY GROUPING SETS ((node, f0, class), (node,
//!   f1, class), …)` (the features unpivoted by the grouping sets: the route is
//!   evaluated once per row, one hash aggregate counts every feature).
//!
//! Row subsets ([`Rows::Subset`], [`Rows::Weighted`]) are not counted: the learners'
//! distributed paths count all rows ([`Rows::All`]) and tree levels; such a call is
//! recorded as an error.
//!
//! # Exactness
//!
//! Unweighted counts are `COUNT(*)`: exact integers, so trees and networks are those of
//! [`InMemory`](super::InMemory) bit for bit. Weighted counts are `SUM(weight)` over the
//! engine's partial aggregates, summed in another order than row order: they may
//! differ from the in-memory counts in the last bits (see the [module docs](super) on
//! determinism), which can break a tie between two splits differently.
//!
//! # Errors
//!
//! The [`Counter`] calls cannot fail; a query that fails (an unreadable file, a lost
//! executor) is recorded, its table left at zero, and [`DistributedCounter::check`]
//! returns the first such error: call it after a fit (the `fit_*` functions of this
//! module do). A query that runs out of a bounded memory pool
//! ([`SessionOptions::memory_limit`]: DataFusion's `ResourcesExhausted`, found under
//! any `Context` / `Shared` / `External` wrapper, [`is_resources_exhausted`]) is a
//! usage error, [`Error::Param`] on `engine-memory` with the hint to raise it
//! ([`engine_error`]); any other engine error is an [`Error::Fit`] naming the query.

use std::path::Path;
use std::sync::{Arc, Mutex};

use arrow_array::{
    Array, ArrayRef, Float64Array, Int64Array, RecordBatch, UInt8Array, UInt16Array,
};
use arrow_schema::{DataType, Field, Schema};
use ballista::prelude::SessionContextExt;
use datafusion::datasource::MemTable;
use datafusion::functions_aggregate::expr_fn::{count, max, sum};
use datafusion::logical_expr::{Expr, cast, col, lit, when};
use datafusion::prelude::{DataFrame, ParquetReadOptions, SessionContext};
use datafusion::scalar::ScalarValue;

use super::Counter;
use super::class_tables::ClassTables;
use super::contingency::{CountTable, Rows, Var};
use super::level::{LevelCounter, Route};
use crate::data::{Codes, Encoded, EncodedSchema};
use crate::error::{Error, Result};

/// The name the table of codes is registered under.
pub const CODES_TABLE: &str = "codes";

/// Which engine runs the queries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Engine {
    /// Apache DataFusion in this process (all cores).
    DataFusion,
    /// Ballista's standalone mode: a scheduler and an executor in this process.
    BallistaStandalone,
    /// A Ballista cluster: the scheduler's `host:port` (`df://host:port` also
    /// accepted). Its executors must read the Parquet paths given to
    /// [`DistributedCounter::from_parquet`] (a shared file system or object store).
    Ballista(String),
}

impl Engine {
    /// The engine of a CLI word: `datafusion`, `ballista` (standalone) or
    /// `ballista=HOST:PORT`.
    pub fn parse(s: &str) -> Result<Engine> {
        match s {
            "datafusion" => Ok(Engine::DataFusion),
            "ballista" => Ok(Engine::BallistaStandalone),
            _ => match s.strip_prefix("ballista=") {
                Some(addr) if !addr.is_empty() => Ok(Engine::Ballista(addr.to_string())),
                _ => Err(Error::param(
                    "engine",
                    s,
                    "expected memory, datafusion, ballista or ballista=HOST:PORT",
                )),
            },
        }
    }

    /// True for the Ballista engines (which read files only).
    pub fn is_ballista(&self) -> bool {
        !matches!(self, Engine::DataFusion)
    }
}

/// How a [`Session`] runs its queries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionOptions {
    /// A local DataFusion context's memory pool, in bytes (DataFusion's
    /// `FairSpillPool`: each spilling operator — sorts, hash aggregates — gets a fair
    /// share and writes to disk beyond it; operators that cannot spill fail with
    /// "resources exhausted" instead of growing). `None`: unbounded (DataFusion's
    /// default). Ballista executors keep their own configuration.
    pub memory_limit: Option<usize>,
    /// Where the spill files go (DataFusion's disk manager; default: the system's
    /// temporary directory).
    pub spill_dir: Option<std::path::PathBuf>,
}

/// A byte size: a number with an optional unit `B`, `KiB`, `MiB`, `GiB` (powers of
/// 1024; `K`, `M`, `G`, `KB`, `MB`, `GB` are read as the same), e.g. `512MiB`.
pub fn parse_bytes(s: &str) -> Result<usize> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let mult: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" | "kib" => 1024.0,
        "m" | "mb" | "mib" => 1024.0 * 1024.0,
        "g" | "gb" | "gib" => 1024.0 * 1024.0 * 1024.0,
        _ => {
            return Err(Error::param(
                "engine-memory",
                s,
                "expected a size such as 512MiB or 2GiB",
            ));
        }
    };
    match num.parse::<f64>() {
        Ok(x) if x.is_finite() && x * mult >= 1.0 && x * mult < 1e18 => Ok((x * mult) as usize),
        _ => Err(Error::param(
            "engine-memory",
            s,
            "expected a size such as 512MiB or 2GiB",
        )),
    }
}

/// A session on an [`Engine`]: its context and the runtime that drives its queries.
pub struct Session {
    rt: tokio::runtime::Runtime,
    ctx: SessionContext,
    engine: Engine,
    memory_limit: Option<usize>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("engine", &self.engine)
            .finish()
    }
}

fn df_err(what: &str) -> impl Fn(datafusion::error::DataFusionError) -> Error + '_ {
    move |e| engine_error(what, e, None)
}

/// True when `e` or an error it wraps (`Context`, `Shared`, `External`, an Arrow
/// error's external source, …: its whole `source()` chain) is DataFusion's
/// `ResourcesExhausted`, its memory pool run out.
pub fn is_resources_exhausted(e: &datafusion::error::DataFusionError) -> bool {
    use datafusion::error::DataFusionError;
    let mut at: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(x) = at {
        if let Some(DataFusionError::ResourcesExhausted(_)) = x.downcast_ref::<DataFusionError>() {
            return true;
        }
        if let Some(DataFusionError::ResourcesExhausted(_)) =
            x.downcast_ref::<Arc<DataFusionError>>().map(|a| a.as_ref())
        {
            return true;
        }
        at = x.source();
    }
    false
}

/// A DataFusion error met while doing `what` as churnkit's error: the memory pool run
/// out ([`is_resources_exhausted`]) is a usage error, [`Error::Param`] on
/// `engine-memory` (its value the pool's size, `memory_limit` bytes) with the hint to
/// raise it; anything else an [`Error::Fit`] naming `what`.
pub fn engine_error(
    what: &str,
    e: datafusion::error::DataFusionError,
    memory_limit: Option<usize>,
) -> Error {
    if is_resources_exhausted(&e) {
        let root = e.find_root().strip_backtrace();
        let root = root.lines().next().unwrap_or_default();
        return Error::param(
            "engine-memory",
            memory_limit.map_or("unbounded".to_string(), |b| format!("{b} bytes")),
            format!(
                "DataFusion's memory pool ran out ({what}: {root}); raise --engine-memory \
                 (e.g. 512MiB), or leave it out for an unbounded pool"
            ),
        );
    }
    Error::Fit(format!("{what}: {e}"))
}

impl Session {
    /// Starts a session: a local DataFusion context, Ballista's standalone scheduler
    /// and executor, or a connection to a Ballista scheduler.
    pub fn start(engine: Engine) -> Result<Session> {
        Self::start_with(engine, &SessionOptions::default())
    }

    /// [`Session::start`] with `options`: a local DataFusion context gets a bounded
    /// memory pool and spills to disk beyond it.
    pub fn start_with(engine: Engine, options: &SessionOptions) -> Result<Session> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::Fit(format!("starting the query runtime: {e}")))?;
        let ctx = match &engine {
            Engine::DataFusion => match options.memory_limit {
                None => SessionContext::new(),
                Some(bytes) => {
                    let mut rt_env = datafusion::execution::runtime_env::RuntimeEnvBuilder::new()
                        .with_memory_pool(Arc::new(
                            datafusion::execution::memory_pool::FairSpillPool::new(bytes),
                        ));
                    if let Some(dir) = &options.spill_dir {
                        rt_env = rt_env.with_temp_file_path(dir);
                    }
                    let env = rt_env
                        .build_arc()
                        .map_err(df_err("configuring the DataFusion runtime"))?;
                    SessionContext::new_with_config_rt(
                        datafusion::prelude::SessionConfig::new(),
                        env,
                    )
                }
            },
            Engine::BallistaStandalone => rt
                .block_on(SessionContext::standalone())
                .map_err(df_err("starting Ballista standalone"))?,
            Engine::Ballista(addr) => {
                let url = if addr.contains("://") {
                    addr.clone()
                } else {
                    format!("df://{addr}")
                };
                rt.block_on(SessionContext::remote(&url))
                    .map_err(df_err(&format!(
                        "connecting to the Ballista scheduler {addr}"
                    )))?
            }
        };
        Ok(Session {
            rt,
            ctx,
            engine,
            memory_limit: options.memory_limit,
        })
    }

    /// The memory pool's size in bytes ([`SessionOptions::memory_limit`]).
    pub fn memory_limit(&self) -> Option<usize> {
        self.memory_limit
    }

    /// A DataFusion error of this session's work `what` as churnkit's error
    /// ([`engine_error`] with the session's pool size).
    pub fn error(&self, what: &str, e: datafusion::error::DataFusionError) -> Error {
        engine_error(what, e, self.memory_limit)
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The DataFusion context (to register other tables, or to query).
    pub fn context(&self) -> &SessionContext {
        &self.ctx
    }

    /// Runs a query to completion.
    pub fn collect(&self, df: DataFrame) -> datafusion::error::Result<Vec<RecordBatch>> {
        self.rt.block_on(df.collect())
    }

    /// Runs a future of the session's context (e.g. reading a file) to completion.
    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    /// The registered table of codes as a DataFrame.
    fn table(&self) -> datafusion::error::Result<DataFrame> {
        self.rt.block_on(self.ctx.table(CODES_TABLE))
    }
}

/// The codes of `enc` as one record batch per `rows_per_batch` rows, in the table of
/// codes' layout (`f0` …: `UInt16`; `class`: `UInt8`; `weight`: `Float64` when
/// weighted).
pub fn codes_batches(enc: &Encoded, rows_per_batch: usize) -> Result<Vec<RecordBatch>> {
    let schema = codes_arrow_schema(enc.n_features(), enc.weights().is_some());
    let n = enc.n_rows();
    let step = rows_per_batch.max(1);
    let mut out = Vec::new();
    let mut start = 0;
    while start < n || (n == 0 && out.is_empty()) {
        let end = (start + step).min(n);
        let mut cols: Vec<ArrayRef> = Vec::with_capacity(enc.n_features() + 2);
        for c in enc.columns() {
            let v: Vec<u16> = match c {
                Codes::U8(v) => v[start..end].iter().map(|&x| u16::from(x)).collect(),
                Codes::U16(v) => v[start..end].to_vec(),
            };
            cols.push(Arc::new(UInt16Array::from(v)));
        }
        cols.push(Arc::new(UInt8Array::from(
            enc.labels()[start..end].to_vec(),
        )));
        if let Some(w) = enc.weights() {
            cols.push(Arc::new(Float64Array::from(w[start..end].to_vec())));
        }
        out.push(
            RecordBatch::try_new(schema.clone(), cols)
                .map_err(|e| Error::Fit(format!("building the table of codes: {e}")))?,
        );
        start = end;
        if n == 0 {
            break;
        }
    }
    Ok(out)
}

fn codes_arrow_schema(n_features: usize, weighted: bool) -> Arc<Schema> {
    let mut fields: Vec<Field> = (0..n_features)
        .map(|j| Field::new(format!("f{j}"), DataType::UInt16, false))
        .collect();
    fields.push(Field::new("class", DataType::UInt8, false));
    if weighted {
        fields.push(Field::new("weight", DataType::Float64, false));
    }
    Arc::new(Schema::new(fields))
}

/// Writes the codes of `enc` to the Parquet file `path` in the table of codes' layout
/// (row groups of 1 048 576 rows), for [`DistributedCounter::from_parquet`].
pub fn write_codes_parquet(enc: &Encoded, path: &Path) -> Result<()> {
    let file = std::fs::File::create(path).map_err(|source| Error::Io {
        location: crate::error::Location::file(path),
        source,
    })?;
    let schema = codes_arrow_schema(enc.n_features(), enc.weights().is_some());
    let props = parquet::file::properties::WriterProperties::builder()
        .set_compression(parquet::basic::Compression::SNAPPY)
        .build();
    let pq =
        |e: parquet::errors::ParquetError| Error::Fit(format!("writing {}: {e}", path.display()));
    let mut w = parquet::arrow::ArrowWriter::try_new(file, schema, Some(props)).map_err(pq)?;
    for b in codes_batches(enc, 1 << 20)? {
        w.write(&b).map_err(pq)?;
    }
    w.close().map_err(pq)?;
    Ok(())
}

/// A [`Counter`] and [`LevelCounter`] whose counts are aggregate queries on a
/// [`Session`] over a registered table of codes (see the [module docs](self)).
#[derive(Debug)]
pub struct DistributedCounter {
    session: Session,
    schema: Arc<EncodedSchema>,
    n_rows: usize,
    weighted: bool,
    /// The table of codes as a query (the raw-Parquet path), instead of the registered
    /// table [`CODES_TABLE`].
    source: Option<DataFrame>,
    error: Mutex<Option<Error>>,
    /// Number of queries run (for progress reports and tests).
    queries: std::sync::atomic::AtomicUsize,
}

impl DistributedCounter {
    /// Registers the codes of `enc` in memory (a DataFusion `MemTable`, one partition
    /// per 65 536 rows). Ballista sessions read files: write them with
    /// [`write_codes_parquet`] and use [`DistributedCounter::from_parquet`].
    pub fn from_encoded(session: Session, enc: &Encoded) -> Result<Self> {
        if session.engine.is_ballista() {
            return Err(Error::param(
                "engine",
                format!("{:?}", session.engine),
                "Ballista reads the table of codes from files: write it with write_codes_parquet and use DistributedCounter::from_parquet",
            ));
        }
        let batches = codes_batches(enc, 1 << 16)?;
        let schema = batches[0].schema();
        let parts: Vec<Vec<RecordBatch>> = batches.into_iter().map(|b| vec![b]).collect();
        let mem = MemTable::try_new(schema, parts).map_err(df_err("registering the codes"))?;
        session
            .ctx
            .register_table(CODES_TABLE, Arc::new(mem))
            .map_err(df_err("registering the codes"))?;
        Ok(DistributedCounter {
            session,
            schema: enc.schema().clone(),
            n_rows: enc.n_rows(),
            weighted: enc.weights().is_some(),
            source: None,
            error: Mutex::new(None),
            queries: Default::default(),
        })
    }

    /// Registers the Parquet table of codes at `path` (a file, or a directory of
    /// `.parquet` files) whose codes are those of `schema`, and checks it: a column
    /// `f{j}` per feature and `class` (unsigned integers), `weight` optional; every code
    /// within its feature's cardinality and every class below the number of classes
    /// (one aggregate query). Errors name the path and the column.
    pub fn from_parquet(session: Session, path: &str, schema: Arc<EncodedSchema>) -> Result<Self> {
        let what = format!("reading the codes at {path}");
        session
            .rt
            .block_on(session.ctx.register_parquet(
                CODES_TABLE,
                path,
                ParquetReadOptions::default(),
            ))
            .map_err(df_err(&what))?;
        let df = session.table().map_err(df_err(&what))?;
        let cols = df.schema().clone();
        let weighted = cols.field_with_unqualified_name("weight").is_ok();
        let mut names: Vec<String> = (0..schema.features.len())
            .map(|j| format!("f{j}"))
            .collect();
        names.push("class".into());
        for name in &names {
            let f = cols.field_with_unqualified_name(name).map_err(|_| {
                Error::param("data", path, format!("has no column `{name}` of codes"))
            })?;
            if !f.data_type().is_unsigned_integer() {
                return Err(Error::param(
                    "data",
                    path,
                    format!(
                        "column `{name}` is {}, not unsigned integer codes",
                        f.data_type()
                    ),
                ));
            }
        }
        let mut aggs: Vec<Expr> = names
            .iter()
            .map(|n| cast(max(col(n.as_str())), DataType::Int64).alias(n.as_str()))
            .collect();
        aggs.push(count(lit(1)).alias("__rows"));
        let got = session
            .collect(df.aggregate(vec![], aggs).map_err(df_err(&what))?)
            .map_err(df_err(&what))?;
        let b = got
            .first()
            .ok_or_else(|| Error::Fit(format!("{what}: the check query returned nothing")))?;
        let int = |i: usize| -> Option<i64> {
            let a = b.column(i).as_any().downcast_ref::<Int64Array>()?;
            (!a.is_null(0)).then(|| a.value(0))
        };
        let n_rows = int(names.len()).unwrap_or(0) as usize;
        if n_rows == 0 {
            return Err(Error::param("data", path, "has no rows"));
        }
        for (i, name) in names.iter().enumerate() {
            let limit = if i < schema.features.len() {
                schema.features[i].cardinality()
            } else {
                schema.classes.len()
            };
            if let Some(m) = int(i)
                && m as usize >= limit
            {
                return Err(Error::param(
                    "data",
                    path,
                    format!("column `{name}` holds code {m}, at or above its {limit} codes"),
                ));
            }
        }
        Ok(DistributedCounter {
            session,
            schema,
            n_rows,
            weighted,
            source: None,
            error: Mutex::new(None),
            queries: Default::default(),
        })
    }

    /// A counter over the table of codes that the query `codes` computes (columns
    /// `f0…`, `class`, and `weight` when `weighted`), e.g. the codes computed from raw
    /// Parquet columns inside the query (`count::parquet`): every count re-runs it, so
    /// no table of codes is materialised anywhere. `schema` gives the codes' meaning,
    /// `n_rows` the number of rows the query yields (not checked).
    pub fn from_dataframe(
        session: Session,
        codes: DataFrame,
        schema: Arc<EncodedSchema>,
        n_rows: usize,
        weighted: bool,
    ) -> Self {
        DistributedCounter {
            session,
            schema,
            n_rows,
            weighted,
            source: Some(codes),
            error: Mutex::new(None),
            queries: Default::default(),
        }
    }

    /// The table of codes as a DataFrame.
    fn codes(&self) -> datafusion::error::Result<DataFrame> {
        match &self.source {
            Some(df) => Ok(df.clone()),
            None => self.session.table(),
        }
    }

    /// The first error a query met since the last call (its table was left at zero),
    /// or `Ok`.
    pub fn check(&self) -> Result<()> {
        match self.error.lock().map(|mut e| e.take()) {
            Ok(Some(e)) => Err(e),
            _ => Ok(()),
        }
    }

    /// Number of queries run so far.
    pub fn queries(&self) -> usize {
        self.queries.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The encoded schema of the codes counted.
    pub fn schema(&self) -> &Arc<EncodedSchema> {
        &self.schema
    }

    /// The session the queries run on.
    pub fn session(&self) -> &Session {
        &self.session
    }

    fn record(&self, e: Error) {
        if let Ok(mut slot) = self.error.lock()
            && slot.is_none()
        {
            *slot = Some(e);
        }
    }

    /// The weight aggregate: `COUNT(*)` (exact) or `SUM(weight)`, as `Float64` `n`.
    fn weight_agg(&self) -> Expr {
        let e = if self.weighted {
            sum(col("weight"))
        } else {
            count(lit(1))
        };
        cast(e, DataType::Float64).alias("n")
    }

    fn var_expr(var: Var) -> Expr {
        match var {
            Var::Feature(j) => col(format!("f{j}").as_str()),
            Var::Class => col("class"),
        }
    }

    /// Runs `build` (a plan whose columns are keys `k0 …` as `Int64`, then `n`) and
    /// hands each result row's keys (`None` for `NULL`: a key outside the row's
    /// grouping set) and count to `add`; errors are recorded.
    fn run(
        &self,
        what: &str,
        build: impl FnOnce(DataFrame) -> datafusion::error::Result<DataFrame>,
        mut add: impl FnMut(&[Option<i64>], f64),
    ) {
        self.queries
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let got = self
            .codes()
            .and_then(build)
            .and_then(|df| self.session.collect(df));
        let batches = match got {
            Ok(b) => b,
            Err(e) => return self.record(self.session.error(&format!("query ({what})"), e)),
        };
        let mut keys = Vec::new();
        for b in &batches {
            let nk = b.num_columns() - 1;
            let ks: Option<Vec<&Int64Array>> = (0..nk)
                .map(|i| b.column(i).as_any().downcast_ref::<Int64Array>())
                .collect();
            let ns = b.column(nk).as_any().downcast_ref::<Float64Array>();
            let (Some(ks), Some(ns)) = (ks, ns) else {
                return self.record(Error::Fit(format!(
                    "query ({what}): unexpected result columns {:?}",
                    b.schema()
                )));
            };
            for r in 0..b.num_rows() {
                keys.clear();
                keys.extend(ks.iter().map(|k| (!k.is_null(r)).then(|| k.value(r))));
                add(&keys, if ns.is_null(r) { 0.0 } else { ns.value(r) });
            }
        }
    }

    fn all_rows(&self, rows: Rows<'_>, what: &str) -> bool {
        if matches!(rows, Rows::All) {
            return true;
        }
        self.record(Error::Fit(format!(
            "{what}: the distributed counter counts all rows or tree levels, not row subsets"
        )));
        false
    }

    /// The route as nested `CASE` expressions: the open node number (`Int64`) of each
    /// row, `NULL` in finished parts of the tree.
    fn route_expr(route: &Route) -> Expr {
        match route {
            Route::Open(i) => lit(*i as i64),
            Route::Closed => lit(ScalarValue::Int64(None)),
            Route::Split {
                feature,
                group,
                children,
            } => {
                let c = col(format!("f{feature}").as_str());
                let mut b: Option<datafusion::logical_expr::conditional_expressions::CaseBuilder> =
                    None;
                for (g, child) in children.iter().enumerate() {
                    if matches!(child, Route::Closed) {
                        continue;
                    }
                    let codes: Vec<Expr> = (0..group.len())
                        .filter(|&v| group[v] == g)
                        .map(|v| lit(v as i64))
                        .collect();
                    let cond = match &codes[..] {
                        [] => continue,
                        [one] => cast(c.clone(), DataType::Int64).eq(one.clone()),
                        _ => cast(c.clone(), DataType::Int64).in_list(codes, false),
                    };
                    let then = Self::route_expr(child);
                    b = Some(match b {
                        None => when(cond, then),
                        Some(mut b) => {
                            b.when(cond, then);
                            b
                        }
                    });
                }
                match b {
                    None => lit(ScalarValue::Int64(None)),
                    Some(mut b) => b
                        .otherwise(lit(ScalarValue::Int64(None)))
                        .unwrap_or_else(|_| lit(ScalarValue::Int64(None))),
                }
            }
        }
    }
}

/// Cast to the result's key type.
fn key(e: Expr, name: &str) -> Expr {
    cast(e, DataType::Int64).alias(name)
}

impl Counter for DistributedCounter {
    fn n_rows(&self) -> usize {
        self.n_rows
    }

    fn n_classes(&self) -> usize {
        self.schema.classes.len()
    }

    fn cardinality(&self, var: Var) -> usize {
        match var {
            Var::Feature(j) => self.schema.features[j].cardinality(),
            Var::Class => self.schema.classes.len(),
        }
    }

    /// `SELECT v₁, …, v_m, COUNT(*) | SUM(weight) FROM codes GROUP BY v₁, …, v_m`.
    fn contingency(&self, rows: Rows<'_>, vars: &[Var], out: &mut CountTable) {
        let dims: Vec<usize> = vars.iter().map(|&v| self.cardinality(v)).collect();
        let mut counts = vec![0.0; dims.iter().product()];
        if self.all_rows(rows, "contingency") {
            let keys: Vec<Expr> = vars
                .iter()
                .enumerate()
                .map(|(i, &v)| key(Self::var_expr(v), &format!("k{i}")))
                .collect();
            let names: Vec<Expr> = (0..vars.len())
                .map(|i| col(format!("k{i}").as_str()))
                .collect();
            let agg = self.weight_agg();
            self.run(
                "contingency",
                |df| {
                    let mut sel = keys.clone();
                    sel.extend(self.weighted.then(|| col("weight")));
                    df.select(sel)?.aggregate(names, vec![agg])
                },
                |k, n| {
                    let mut flat = 0;
                    for (x, d) in k.iter().zip(&dims) {
                        let Some(x) = x else { return };
                        flat = flat * d + *x as usize;
                    }
                    if let Some(c) = counts.get_mut(flat) {
                        *c += n;
                    }
                },
            );
        }
        *out = CountTable::from_parts(dims, counts).expect("dims and counts agree");
    }

    /// One query, one aggregate: `SELECT f_i, f_j₁, …, f_j_r, class, n FROM codes
    /// GROUP BY GROUPING SETS ((f_i, f_j₁, class), …, (f_i, f_j_r, class))`; a result
    /// row belongs to the set whose `f_j` is not `NULL`.
    fn contingency_pairs(
        &self,
        rows: Rows<'_>,
        i: usize,
        js: &[usize],
        outs: &mut Vec<CountTable>,
    ) {
        let k = self.n_classes();
        let ci = self.cardinality(Var::Feature(i));
        let mut counts: Vec<Vec<f64>> = js
            .iter()
            .map(|&j| vec![0.0; ci * self.cardinality(Var::Feature(j)) * k])
            .collect();
        if !js.is_empty() && self.all_rows(rows, "contingency_pairs") {
            let agg = self.weight_agg();
            let fi = format!("f{i}");
            let names: Vec<String> = js.iter().map(|j| format!("f{j}")).collect();
            self.run(
                "pair tables",
                |df| {
                    let mut sel = vec![col(fi.as_str())];
                    sel.extend(names.iter().filter(|n| **n != fi).map(|n| col(n.as_str())));
                    sel.push(col("class"));
                    sel.extend(self.weighted.then(|| col("weight")));
                    let sets = names
                        .iter()
                        .map(|n| vec![col(fi.as_str()), col(n.as_str()), col("class")])
                        .collect();
                    let mut out = vec![key(col(fi.as_str()), "a")];
                    out.extend(
                        names
                            .iter()
                            .enumerate()
                            .map(|(t, n)| key(col(n.as_str()), &format!("b{t}"))),
                    );
                    out.push(key(col("class"), "c"));
                    out.push(col("n"));
                    df.select(sel)?
                        .aggregate(vec![grouping_sets(sets)], vec![agg])?
                        .select(out)
                },
                |key, n| {
                    let r = js.len();
                    let (Some(a), Some(c)) = (key[0], key[r + 1]) else {
                        return;
                    };
                    for (t, &j) in js.iter().enumerate() {
                        if let Some(b) = key[1 + t] {
                            let cj = self.schema.features[j].cardinality();
                            let cell = (a as usize * cj + b as usize) * k + c as usize;
                            if let Some(x) = counts[t].get_mut(cell) {
                                *x += n;
                            }
                            return;
                        }
                    }
                },
            );
        }
        outs.clear();
        for (&j, c) in js.iter().zip(counts) {
            let dims = vec![ci, self.cardinality(Var::Feature(j)), k];
            outs.push(CountTable::from_parts(dims, c).expect("dims and counts agree"));
        }
    }
}

impl LevelCounter for DistributedCounter {
    /// One query per level, one aggregate: `SELECT node, f0, …, class, n FROM (SELECT
    /// <route> AS node, f0, …, class FROM codes) WHERE node IS NOT NULL GROUP BY
    /// GROUPING SETS ((node, f0, class), (node, f1, class), …)` — the route evaluated
    /// once per row, the features unpivoted by the grouping sets; a result row belongs
    /// to the set whose `f_j` is not `NULL`.
    fn level_class_tables(&self, route: &Route, n_open: usize, out: &mut Vec<ClassTables>) {
        let k = self.n_classes();
        let nf = self.schema.features.len();
        let cards: Vec<usize> = self
            .schema
            .features
            .iter()
            .map(|f| f.cardinality())
            .collect();
        let mut flat: Vec<Vec<Vec<f64>>> = (0..n_open)
            .map(|_| cards.iter().map(|c| vec![0.0; c * k]).collect())
            .collect();
        let agg = self.weight_agg();
        let node = Self::route_expr(route);
        let names: Vec<String> = (0..nf).map(|j| format!("f{j}")).collect();
        self.run(
            "tree level",
            |df| {
                let mut sel = vec![node.alias("node")];
                sel.extend(names.iter().map(|n| col(n.as_str())));
                sel.push(col("class"));
                sel.extend(self.weighted.then(|| col("weight")));
                let sets = names
                    .iter()
                    .map(|n| vec![col("node"), col(n.as_str()), col("class")])
                    .collect();
                let mut out = vec![key(col("node"), "a")];
                out.extend(
                    names
                        .iter()
                        .enumerate()
                        .map(|(j, n)| key(col(n.as_str()), &format!("b{j}"))),
                );
                out.push(key(col("class"), "c"));
                out.push(col("n"));
                df.select(sel)?
                    .filter(col("node").is_not_null())?
                    .aggregate(vec![grouping_sets(sets)], vec![agg])?
                    .select(out)
            },
            |key, n| {
                let (Some(node), Some(c)) = (key[0], key[nf + 1]) else {
                    return;
                };
                let Some(t) = flat.get_mut(node as usize) else {
                    return;
                };
                for (j, tj) in t.iter_mut().enumerate() {
                    if let Some(v) = key[1 + j] {
                        if let Some(x) = tj.get_mut(v as usize * k + c as usize) {
                            *x += n;
                        }
                        return;
                    }
                }
            },
        );
        out.resize_with(n_open, ClassTables::default);
        let mut tables: Vec<CountTable> = Vec::with_capacity(nf);
        for (o, fs) in out.iter_mut().zip(flat) {
            tables.clear();
            for (f, &card) in fs.into_iter().zip(&cards) {
                tables
                    .push(CountTable::from_parts(vec![card, k], f).expect("dims and counts agree"));
            }
            o.fill_from(&tables);
        }
    }
}

/// `GROUP BY GROUPING SETS (…)`.
fn grouping_sets(sets: Vec<Vec<Expr>>) -> Expr {
    Expr::GroupingSet(datafusion::logical_expr::GroupingSet::GroupingSets(sets))
}
