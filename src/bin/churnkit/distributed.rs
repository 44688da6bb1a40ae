//! `churnkit train --engine datafusion|ballista[=HOST:PORT]`: the final model's counts
//! taken by aggregate queries on Apache DataFusion or Ballista (feature
//! `distributed`; without it, a clear error).

use crate::args::TrainArgs;
use churnkit::{Error, Result};

/// Trains with a distributed engine (feature `distributed`).
#[cfg(not(feature = "distributed"))]
pub fn train(a: TrainArgs) -> Result<()> {
    Err(Error::param(
        "engine",
        &a.engine,
        "this churnkit was built without distributed engines: only `memory` is available \
         (rebuild with `cargo build --release --features distributed` for datafusion and \
         ballista)",
    ))
}

/// Trains with a distributed engine: the table is read and its numeric columns cut as
/// in memory, the codes are registered with the engine (in memory for DataFusion, as a
/// Parquet file under `--codes-dir` for Ballista), and the learner counts through
/// aggregate queries (one per tree level). The model is fitted on every row, without
/// validation, with the learner's fixed parameters (no self-tuning).
#[cfg(feature = "distributed")]
pub fn train(a: TrainArgs) -> Result<()> {
    use std::time::Instant;

    use churnkit::count::distributed::{DistributedCounter, Engine, Session, write_codes_parquet};
    use churnkit::data::{CsvOptions, Discretizer};
    use churnkit::output::check_output_path;
    use churnkit::policy::TierSpec;
    use churnkit::registry::{Algorithm, level_wise};
    use churnkit::train::ModelBuilder;

    use crate::input::{data_options, read_labeled};
    use crate::render::emit;

    let engine = Engine::parse(&a.engine)?;
    session_options(&a)?;
    let algo: Algorithm = a.algo.parse()?;
    let algo_opts = a.algo_args.options(a.seed)?;
    let learner = level_wise(algo, &algo_opts)?;
    if a.folds.is_some() || a.test_fraction.is_some_and(|f| f > 0.0) || a.duration.is_some() {
        return Err(Error::param(
            "engine",
            &a.engine,
            "a distributed engine fits the final model on all rows: --folds, --test-fraction \
             and --duration are in-memory only (validate with `churnkit evaluate` on held-out \
             data)",
        ));
    }
    let tiers = TierSpec::parse(&a.tiers)?;
    let missing = data_options(CsvOptions::new(&a.target), &a.data_args)?.missing();
    if let Some(path) = &a.output {
        check_output_path(path, &[&a.data], a.force)?;
    }
    if is_raw_parquet(&a.data) {
        return train_raw(&a, engine, learner, algo, &algo_opts, tiers, missing);
    }
    let crate::input::Labeled {
        table,
        report: _,
        seconds: load_seconds,
        spec,
    } = read_labeled(&a.data, &a.target, &a.labels, &a.data_args)?;
    let rows = table.all_rows();
    let t0 = Instant::now();
    let discretizer = Discretizer::fit(&table, &rows, learner.binning())?;
    let encoded = discretizer.encode(&table)?;
    let encode_seconds = t0.elapsed().as_secs_f64();

    let t1 = Instant::now();
    eprintln!("engine: starting {}", a.engine);
    let session = Session::start_with(engine.clone(), &session_options(&a)?)?;
    let mut codes_file = None;
    let counter = if engine.is_ballista() {
        let dir = a.codes_dir.clone().unwrap_or_else(std::env::temp_dir);
        let path = dir.join(format!("churnkit-codes-{}.parquet", std::process::id()));
        write_codes_parquet(&encoded, &path)?;
        codes_file = Some(path.clone());
        let p = path
            .to_str()
            .ok_or_else(|| Error::param("codes-dir", dir.display(), "is not a UTF-8 path"))?;
        DistributedCounter::from_parquet(session, p, encoded.schema().clone())
    } else {
        DistributedCounter::from_encoded(session, &encoded)
    };
    let fitted = counter.and_then(|counter| {
        let body = learner.fit(
            discretizer,
            &encoded,
            &counter,
            &table.schema().target.name,
            |l| {
                eprintln!(
                    "level {}: counting {} open nodes in one query ({} nodes so far)",
                    l.depth, l.open_nodes, l.nodes
                )
            },
        );
        counter.check()?;
        Ok((body?, counter.queries()))
    });
    if let Some(p) = &codes_file {
        let _ = std::fs::remove_file(p);
    }
    let (body, queries) = fitted?;
    let fit_seconds = t1.elapsed().as_secs_f64();

    // The summary's parameters as the in-memory path writes them; a tree was fitted
    // untuned.
    let warning = crate::train::warning_spec(&a.warning, table.schema())?;
    let model = configure(
        ModelBuilder::new(body, &table, &rows),
        &a,
        &learner,
        algo,
        &algo_opts,
    )
    .warning(warning)
    .tiers(tiers)
    .missing_tokens(missing)
    .read_spec(spec)
    .build()?;
    let mut s = format!(
        "churnkit train: {} on {} with engine {}\n",
        learner.name(),
        a.data.display(),
        a.engine
    );
    s.push_str(&format!(
        "data      {} rows, {} features\n",
        table.n_rows(),
        table.schema().features.len()
    ));
    s.push_str(&format!(
        "fit       {queries} aggregate queries; no validation (the model is fitted on all rows)\n"
    ));
    s.push_str(&format!(
        "time      reading {load_seconds:.3} s, encoding {encode_seconds:.3} s, fitting {fit_seconds:.3} s (engine start included)\n"
    ));
    save(&a, &model, &mut s)?;
    emit(&s)
}

/// True when `data` names Parquet the engine reads raw: a `.parquet` file, a
/// directory, or a glob (`*`, `?` in the file name).
#[cfg(feature = "distributed")]
fn is_raw_parquet(data: &std::path::Path) -> bool {
    let s = data.to_string_lossy();
    s.contains(['*', '?'])
        || data.is_dir()
        || data
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("parquet"))
}

/// The engine session's options from `--engine-memory` and `--spill-dir`.
#[cfg(feature = "distributed")]
fn session_options(a: &TrainArgs) -> Result<churnkit::count::distributed::SessionOptions> {
    use churnkit::count::distributed::{SessionOptions, parse_bytes};
    let memory_limit = a.engine_memory.as_deref().map(parse_bytes).transpose()?;
    if memory_limit.is_some() && a.engine != "datafusion" {
        return Err(Error::param(
            "engine-memory",
            a.engine_memory.as_deref().unwrap_or_default(),
            "bounds a local DataFusion engine (--engine datafusion); Ballista executors have their own settings",
        ));
    }
    if a.spill_dir.is_some() && memory_limit.is_none() {
        return Err(Error::param(
            "spill-dir",
            a.spill_dir
                .as_deref()
                .unwrap_or(std::path::Path::new(""))
                .display(),
            "goes with --engine-memory",
        ));
    }
    Ok(SessionOptions {
        memory_limit,
        spill_dir: a.spill_dir.clone(),
    })
}

/// Trains on raw Parquet (a file, a directory, a glob) that churnkit never holds: the
/// column plan from the files' metadata, the labels from a streaming pass over the
/// target column, the levels, cut points and codes as queries on the engine
/// (`count::parquet`), the fingerprint from one streaming pass per column.
#[cfg(feature = "distributed")]
fn train_raw(
    a: &TrainArgs,
    engine: churnkit::count::distributed::Engine,
    learner: churnkit::registry::LevelWise,
    algo: churnkit::registry::Algorithm,
    algo_opts: &churnkit::registry::AlgoOptions,
    tiers: churnkit::policy::TierSpec,
    missing: churnkit::data::MissingTokens,
) -> Result<()> {
    use std::time::Instant;

    use churnkit::count::distributed::Session;
    use churnkit::count::parquet::{MAX_EXACT_DISTINCT, fit_raw_parquet};
    use churnkit::data::arrow::raw::{parquet_files, raw_columns, scan_labels};
    use churnkit::data::{Codes, CsvOptions, Encoded, ReadSpec};
    use churnkit::model::fingerprint_parquet;
    use churnkit::train::{ModelBuilder, TrainingData};

    use crate::input::{data_options, label_options};
    use crate::render::emit;

    let opts = label_options(
        data_options(CsvOptions::new(&a.target), &a.data_args)?,
        &a.labels,
    )?;
    let pattern = a
        .data
        .to_str()
        .ok_or_else(|| Error::param("data", a.data.display(), "is not a UTF-8 path"))?;
    let t0 = Instant::now();
    let files = parquet_files(pattern)?;
    let raw = raw_columns(files, &opts)?;
    let labels = scan_labels(&raw, &opts)?;
    let scan_seconds = t0.elapsed().as_secs_f64();
    eprintln!(
        "data: {} rows in {} Parquet file(s), {} features, classes {}",
        labels.rows_kept,
        raw.files.len(),
        raw.features.len(),
        labels.classes.join(", ")
    );

    let t1 = Instant::now();
    eprintln!("engine: starting {}", a.engine);
    let session = Session::start_with(engine, &session_options(a)?)?;
    let fit = fit_raw_parquet(
        session,
        &raw,
        &labels,
        learner.binning(),
        MAX_EXACT_DISTINCT,
    )?;
    for c in &fit.approximate {
        eprintln!(
            "warning: column '{c}' has more than {MAX_EXACT_DISTINCT} distinct values: its cut points are approximate quantiles (approx_percentile_cont), not the in-memory fit's"
        );
    }
    let plan_seconds = t1.elapsed().as_secs_f64();
    let t2 = Instant::now();
    // The networks read only the codes' schema from the encoded table: no rows.
    let nf = fit.discretizer.schema().features.len();
    let no_rows = Encoded::new(
        fit.discretizer.schema().clone(),
        vec![Codes::U8(Vec::new()); nf],
        Vec::new(),
        None,
    )?;
    let plan_queries = fit.queries;
    let counter = fit.counter;
    let body = learner.fit(fit.discretizer, &no_rows, &counter, &a.target, |l| {
        eprintln!(
            "level {}: counting {} open nodes in one query ({} nodes so far)",
            l.depth, l.open_nodes, l.nodes
        )
    });
    counter.check()?;
    let body = body?;
    let fit_seconds = t2.elapsed().as_secs_f64();
    let queries = plan_queries + counter.queries();
    drop(counter);

    let t3 = Instant::now();
    let fingerprint = fingerprint_parquet(&raw, &opts, &labels.classes)?;
    let fingerprint_seconds = t3.elapsed().as_secs_f64();
    let spec = ReadSpec::new(
        &opts,
        &churnkit::data::ReadReport {
            label_map: labels.label_map.clone(),
            ..Default::default()
        },
    );
    let schema = fit.schema;
    let warning = crate::train::warning_spec(&a.warning, &schema)?;
    let data = TrainingData {
        schema,
        rows: labels.rows_kept,
        class_counts: labels.class_rows.iter().map(|&n| n as f64).collect(),
        fingerprint,
    };
    let builder = ModelBuilder::from_training_data(body, data);
    let model = configure(builder, a, &learner, algo, algo_opts)
        .warning(warning)
        .tiers(tiers)
        .missing_tokens(missing)
        .read_spec(spec)
        .build()?;
    let mut s = format!(
        "churnkit train: {} on {} with engine {} (raw Parquet: the table is read by the engine)\n",
        learner.name(),
        a.data.display(),
        a.engine
    );
    s.push_str(&format!(
        "data      {} rows in {} file(s), {} features\n",
        labels.rows_kept,
        raw.files.len(),
        raw.features.len()
    ));
    s.push_str(&format!(
        "fit       {queries} queries; no validation (the model is fitted on all rows)\n"
    ));
    s.push_str(&format!(
        "time      labels {scan_seconds:.3} s, levels and cut points {plan_seconds:.3} s (engine start included), fitting {fit_seconds:.3} s, fingerprint {fingerprint_seconds:.3} s\n"
    ));
    save(a, &model, &mut s)?;
    emit(&s)
}

/// The parts of a model both engine paths set alike: the summary's parameters as the
/// in-memory path writes them (a tree was fitted untuned) and the economics asked for.
#[cfg(feature = "distributed")]
fn configure<'a>(
    builder: churnkit::train::ModelBuilder<'a>,
    a: &TrainArgs,
    learner: &churnkit::registry::LevelWise,
    algo: churnkit::registry::Algorithm,
    algo_opts: &churnkit::registry::AlgoOptions,
) -> churnkit::train::ModelBuilder<'a> {
    use churnkit::registry::LevelWise;
    let mut params = algo_opts.to_json(algo);
    if let (LevelWise::Tree(_), serde_json::Value::Object(map)) = (learner, &mut params) {
        map.insert("tune".into(), "off".into());
    }
    let builder = builder.params(params);
    match a.econ.economics() {
        Some(econ) => builder.economics(econ),
        None => builder,
    }
}

/// Saves the model to `-o` (JSON for a `.json` path), reporting it in `s`.
#[cfg(feature = "distributed")]
fn save(a: &TrainArgs, model: &churnkit::model::Model, s: &mut String) -> Result<()> {
    match crate::train::save(model, a.output.as_deref())? {
        Some((path, bytes)) => s.push_str(&format!(
            "model     saved to {} ({bytes} bytes)\n",
            path.display()
        )),
        None => s.push_str("model     not saved (give -o MODEL to save it)\n"),
    }
    Ok(())
}
