//! `churnkit train --engine datafusion|ballista[=HOST:PORT]`: validation, self-tuning
//! and tier thresholds in memory on a seeded sample (`Pipeline::fit_sampled`), the
//! final model's counts taken by aggregate queries on Apache DataFusion or Ballista
//! over every row (feature `distributed`; without it, a clear error).

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

/// Trains with a distributed engine, with the options and outputs of the in-memory
/// path: validation, self-tuning and the tier thresholds run in memory on a seeded sample of
/// at most `--stream-sample` rows (`Pipeline::fit_sampled`, the step streaming
/// training shares), then the engine fits the final model on every row with the
/// sample's settings (`registry::level_wise_for`), counting through aggregate queries
/// (one per tree level). A CSV (or a Parquet / Arrow file given with `--format`, …) is
/// read as in memory and its codes registered with the engine (in memory for
/// DataFusion, as a Parquet file under `--codes-dir` for Ballista); raw Parquet is
/// read by the engine itself ([`train_raw`]).
#[cfg(feature = "distributed")]
pub fn train(a: TrainArgs) -> Result<()> {
    use std::borrow::Cow;
    use std::time::Instant;

    use serde_json::json;

    use churnkit::count::distributed::Engine;
    use churnkit::data::Discretizer;
    use churnkit::output::check_output_path;
    use churnkit::registry::{Algorithm, level_wise, level_wise_for};
    use churnkit::train::{RowsFit, Sample, StreamTrained, TrainingData, sample_row_indices};

    use crate::input::read_labeled;
    use crate::render::{emit, emit_json, read_summary_json, read_summary_text};

    let engine = Engine::parse(&a.engine)?;
    let session_opts = session_options(&a)?;
    let algo: Algorithm = a.algo.parse()?;
    let algo_opts = a.algo_args.options(a.seed)?;
    level_wise(algo, &algo_opts)?;
    if a.duration.is_some() || a.fit.no_refit {
        return Err(Error::param(
            "engine",
            &a.engine,
            "a distributed engine fits the final model on all rows without a time-to-churn \
             model: --duration and --no-refit are in-memory only",
        ));
    }
    let pipeline = crate::train::pipeline(&a, algo)?;
    pipeline.check()?;
    if a.stream_sample < 2 {
        return Err(Error::param(
            "stream-sample",
            a.stream_sample,
            "must be at least 2",
        ));
    }
    if let Some(path) = &a.output {
        check_output_path(path, &[&a.data], a.force)?;
    }
    if is_raw_parquet(&a.data) {
        return train_raw(&a, engine, session_opts, pipeline);
    }
    let crate::input::Labeled {
        table,
        report: read_report,
        seconds: load_seconds,
        spec,
    } = read_labeled(&a.data, &a.target, &a.labels, &a.data_args)?;
    let pipeline = pipeline
        .read_spec(spec)
        .warning(crate::train::warning_spec(&a.warning, table.schema())?);
    let n = table.n_rows();
    let picked = sample_row_indices(n as u64, a.stream_sample, a.seed);
    let sample = if picked.len() == n {
        Cow::Borrowed(&table)
    } else {
        let rows: Vec<usize> = picked.iter().map(|&r| r as usize).collect();
        Cow::Owned(table.select(&rows))
    };
    let n_sample = sample.n_rows();
    say_sample(n_sample, n, a.seed, pipeline.train_options().validation);
    let mut queries = 0;
    let trained = pipeline
        .fit_sampled(
            sample,
            Sample::new(n, a.seed, "sample"),
            &mut say_stage,
            |on_sample, _| {
                let learner = level_wise_for(algo, &algo_opts, on_sample, n)?;
                let rows = table.all_rows();
                let t0 = Instant::now();
                let discretizer = Discretizer::fit(&table, &rows, learner.binning())?;
                let encoded = discretizer.encode(&table)?;
                let encode_seconds = t0.elapsed().as_secs_f64();
                let t1 = Instant::now();
                let (body, q) = fit_codes_on_engine(
                    &a,
                    &engine,
                    &session_opts,
                    &learner,
                    discretizer,
                    &encoded,
                    &table.schema().target.name,
                )?;
                queries = q;
                Ok(RowsFit::new(
                    body,
                    TrainingData::of_rows(&table, &rows),
                    encode_seconds,
                    t1.elapsed().as_secs_f64(),
                ))
            },
        )
        .map_err(|e| crate::input::with_row_line(e, &a.data, &read_report))?;
    let StreamTrained {
        model,
        validation,
        rows,
        sample_rows,
        encode_seconds,
        fit_seconds,
        validate_seconds,
        warnings,
        ..
    } = trained;
    let learner_name = model.classifier().name();
    let saved = crate::train::save(&model, a.output.as_deref())?;
    if a.json {
        let mut v = json!({
            "command": "train",
            "algo": algo.name(),
            "learner": learner_name,
            "params": model.summary().params.0.clone(),
            "seed": a.seed,
            "data": read_summary_json(&table, &read_report, load_seconds),
            "engine": { "name": a.engine, "queries": queries, "raw_parquet": false },
            "sample": { "rows": rows, "sample_rows": sample_rows, "sample_seed": a.seed },
            "train_rows": rows,
            "load_seconds": load_seconds,
            "encode_seconds": encode_seconds,
            "fit_seconds": fit_seconds,
            "validate_seconds": validate_seconds,
            "model": saved.as_ref().map(|(p, _)| p.display().to_string()),
            "warnings": warnings,
        });
        v["validation"] = validation.to_json_value()?;
        return emit_json(&v);
    }
    let mut s = format!(
        "churnkit train: {learner_name} on {} with engine {}\n",
        a.data.display(),
        a.engine
    );
    s.push_str(&read_summary_text(&table, &read_report, load_seconds));
    s.push_str(&sample_line(sample_rows, rows, a.seed, &a.engine, queries));
    let note = if sample_rows < rows {
        " (on the sample)"
    } else {
        ""
    };
    s.push_str(&crate::train::report_body(
        &model,
        &validation,
        &warnings,
        note,
    ));
    s.push_str(&format!(
        "time      reading {load_seconds:.3} s, encoding {encode_seconds:.3} s, fitting {fit_seconds:.3} s (the sample, then every row on the engine, its start included), validating {validate_seconds:.3} s\n"
    ));
    save_line(&saved, &mut s);
    emit(&s)
}

/// Says on stderr what is validated and tuned on which rows.
#[cfg(feature = "distributed")]
fn say_sample(n_sample: usize, n: usize, seed: u64, v: churnkit::train::Validation) {
    use crate::render::thousands;
    let on = if n_sample < n {
        format!(
            "a sample of {} of the {} rows (seed {seed})",
            thousands(n_sample as u64),
            thousands(n as u64)
        )
    } else {
        format!("all {} rows", thousands(n as u64))
    };
    let what = match v {
        churnkit::train::Validation::None => "tuning",
        _ => "validation and tuning",
    };
    eprintln!("sample: {what} in memory on {on}; the engine fits the model on every row");
}

/// Says each stage of the sampled fit on stderr (lines, not a spinner: the engine
/// reports its tree levels between them).
#[cfg(feature = "distributed")]
fn say_stage(st: churnkit::train::Stage) {
    use churnkit::train::{Stage, Validation};
    match st {
        Stage::Validating(Validation::KFold { k, .. }) => {
            eprintln!("validating: {k}-fold cross-validation on the sample")
        }
        Stage::Validating(_) => {
            eprintln!("validating: fitting and evaluating on the sample's held-out rows")
        }
        Stage::FittingFinal { rows } => eprintln!(
            "fitting: the learner on the sample (its tuning), then the model on {} rows on the engine",
            crate::render::thousands(rows as u64)
        ),
        _ => {}
    }
}

/// The report's line on the sample and the engine.
#[cfg(feature = "distributed")]
fn sample_line(sample_rows: usize, rows: usize, seed: u64, engine: &str, queries: usize) -> String {
    use crate::render::thousands;
    if sample_rows < rows {
        format!(
            "engine    {engine}: validation, tuning and tier thresholds on a sample of {} rows (seed {seed}); the model is fitted on all {} rows ({queries} queries)\n",
            thousands(sample_rows as u64),
            thousands(rows as u64)
        )
    } else {
        format!(
            "engine    {engine}: validation, tuning and tier thresholds on all {} rows in memory; the model is fitted on the engine ({queries} queries)\n",
            thousands(rows as u64)
        )
    }
}

/// Fits `learner` on the engine over the codes of every row (`encoded`, registered in
/// memory for DataFusion, written as Parquet under `--codes-dir` for Ballista): the
/// body and the number of queries.
#[cfg(feature = "distributed")]
fn fit_codes_on_engine(
    a: &TrainArgs,
    engine: &churnkit::count::distributed::Engine,
    session_opts: &churnkit::count::distributed::SessionOptions,
    learner: &churnkit::registry::TunedLevelWise,
    discretizer: churnkit::data::Discretizer,
    encoded: &churnkit::data::Encoded,
    target: &str,
) -> Result<(churnkit::registry::ModelBody, usize)> {
    use churnkit::count::distributed::{DistributedCounter, Session, write_codes_parquet};
    eprintln!("engine: starting {}", a.engine);
    let session = Session::start_with(engine.clone(), session_opts)?;
    let mut codes_file = None;
    let counter = if engine.is_ballista() {
        let dir = a.codes_dir.clone().unwrap_or_else(std::env::temp_dir);
        let path = dir.join(format!("churnkit-codes-{}.parquet", std::process::id()));
        write_codes_parquet(encoded, &path)?;
        codes_file = Some(path.clone());
        let p = path
            .to_str()
            .ok_or_else(|| Error::param("codes-dir", dir.display(), "is not a UTF-8 path"))?;
        DistributedCounter::from_parquet(session, p, encoded.schema().clone())
    } else {
        DistributedCounter::from_encoded(session, encoded)
    };
    let fitted = counter.and_then(|counter| {
        let body = learner.fit(discretizer, encoded, &counter, target, say_level);
        counter.check()?;
        Ok((body?, counter.queries()))
    });
    if let Some(p) = &codes_file {
        let _ = std::fs::remove_file(p);
    }
    fitted
}

/// Reports a tree level on stderr before its query.
#[cfg(feature = "distributed")]
fn say_level(l: churnkit::tree::LevelProgress) {
    eprintln!(
        "level {}: counting {} open nodes in one query ({} nodes so far)",
        l.depth, l.open_nodes, l.nodes
    )
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
/// target column, the fingerprint (and the reader's checks of every cell) from one
/// streaming pass per column, a seeded sample of at most `--stream-sample` rows read with the
/// Parquet reader's row selection (validation, tuning and tier thresholds on it, in
/// memory), then the levels, cut points (of the tuned binning) and codes as queries on
/// the engine (`count::parquet`) for the final fit on every row.
#[cfg(feature = "distributed")]
fn train_raw(
    a: &TrainArgs,
    engine: churnkit::count::distributed::Engine,
    session_opts: churnkit::count::distributed::SessionOptions,
    pipeline: churnkit::train::Pipeline,
) -> Result<()> {
    use std::borrow::Cow;
    use std::time::Instant;

    use serde_json::json;

    use churnkit::count::distributed::Session;
    use churnkit::count::parquet::{MAX_EXACT_DISTINCT, fit_raw_parquet};
    use churnkit::data::arrow::raw::{
        class_weights, parquet_files, raw_columns, read_rows, scan_labels,
    };
    use churnkit::data::{Codes, CsvOptions, Encoded, ReadSpec};
    use churnkit::model::fingerprint_parquet;
    use churnkit::registry::{Algorithm, level_wise_for};
    use churnkit::train::{RowsFit, Sample, StreamTrained, TrainingData, sample_row_indices};

    use crate::input::{data_options, label_options};
    use crate::render::{emit, emit_json, thousands};

    let algo: Algorithm = a.algo.parse()?;
    let algo_opts = a.algo_args.options(a.seed)?;
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
    eprintln!(
        "data: {} rows in {} Parquet file(s), {} features, classes {}",
        labels.rows_kept,
        raw.files.len(),
        raw.features.len(),
        labels.classes.join(", ")
    );
    // The weight of each class, summed in row order; a bad weight is the reader's
    // error, before any query.
    let class_counts: Vec<f64> = if raw.weight.is_some() {
        class_weights(&raw, &opts, &labels.classes)?
    } else {
        labels.class_rows.iter().map(|&n| n as f64).collect()
    };
    // The fingerprint: one streaming pass per column through the reader, which also
    // reports a bad cell (file, line, column) before any query.
    let t3 = Instant::now();
    let fingerprint = fingerprint_parquet(&raw, &opts, &labels.classes)?;
    let fingerprint_seconds = t3.elapsed().as_secs_f64();
    let picked = sample_row_indices(labels.rows_read, a.stream_sample, a.seed);
    let (sample, _) = read_rows(&raw, &opts, &labels.classes, &picked)?;
    let load_seconds = t0.elapsed().as_secs_f64() - fingerprint_seconds;
    let rows = labels.rows_kept as usize;
    let spec = ReadSpec::new(
        &opts,
        &churnkit::data::ReadReport {
            label_map: labels.label_map.clone(),
            ..Default::default()
        },
    );
    let pipeline = pipeline
        .read_spec(spec)
        .warning(crate::train::warning_spec(&a.warning, sample.schema())?);
    say_sample(
        sample.n_rows(),
        rows,
        a.seed,
        pipeline.train_options().validation,
    );
    let mut queries = 0;
    let trained = pipeline.fit_sampled(
        Cow::Owned(sample),
        Sample::new(rows, a.seed, "sample"),
        &mut say_stage,
        |on_sample, _| {
            let learner = level_wise_for(algo, &algo_opts, on_sample, rows)?;
            let t1 = Instant::now();
            eprintln!("engine: starting {}", a.engine);
            let session = Session::start_with(engine, &session_opts)?;
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
            let counter = fit.counter;
            let body = learner.fit(fit.discretizer, &no_rows, &counter, &a.target, say_level);
            counter.check()?;
            let body = body?;
            queries = fit.queries + counter.queries();
            drop(counter);
            let fit_seconds = t2.elapsed().as_secs_f64();
            let data = TrainingData {
                schema: fit.schema,
                rows: labels.rows_kept,
                class_counts: class_counts.clone(),
                fingerprint: fingerprint.clone(),
            };
            Ok(RowsFit::new(body, data, plan_seconds, fit_seconds))
        },
    )?;
    let StreamTrained {
        model,
        validation,
        sample_rows,
        encode_seconds,
        fit_seconds,
        validate_seconds,
        warnings,
        ..
    } = trained;
    let learner_name = model.classifier().name();
    let saved = crate::train::save(&model, a.output.as_deref())?;
    let class_counts = &model.summary().class_counts;
    if a.json {
        let mut v = json!({
            "command": "train",
            "algo": algo.name(),
            "learner": learner_name,
            "params": model.summary().params.0.clone(),
            "seed": a.seed,
            "data": {
                "file": pattern,
                "files": raw.files.len(),
                "rows": rows,
                "rows_read": labels.rows_read,
                "skipped_rows": labels.rows_read - labels.rows_kept,
                "features": raw.features.len(),
                "classes": labels.classes,
                "class_counts": class_counts,
                "label_map": labels.label_map,
                "load_seconds": load_seconds,
            },
            "engine": { "name": a.engine, "queries": queries, "raw_parquet": true },
            "sample": { "rows": rows, "sample_rows": sample_rows, "sample_seed": a.seed },
            "train_rows": rows,
            "load_seconds": load_seconds,
            "encode_seconds": encode_seconds,
            "fit_seconds": fit_seconds,
            "fingerprint_seconds": fingerprint_seconds,
            "validate_seconds": validate_seconds,
            "model": saved.as_ref().map(|(p, _)| p.display().to_string()),
            "warnings": warnings,
        });
        v["validation"] = validation.to_json_value()?;
        return emit_json(&v);
    }
    let balance: Vec<String> = labels
        .classes
        .iter()
        .zip(class_counts)
        .map(|(c, n)| format!("{c} {n}"))
        .collect();
    let mut s = format!(
        "churnkit train: {learner_name} on {} with engine {} (raw Parquet: the table is read by the engine)\n",
        a.data.display(),
        a.engine
    );
    s.push_str(&format!(
        "data      {} rows in {} file(s), {} features, target '{}' — {}\n",
        thousands(rows as u64),
        raw.files.len(),
        raw.features.len(),
        a.target,
        balance.join(", ")
    ));
    if labels.rows_read > labels.rows_kept {
        s.push_str(&format!(
            "          skipped {} rows with a missing or unknown label\n",
            labels.rows_read - labels.rows_kept
        ));
    }
    s.push_str(&sample_line(sample_rows, rows, a.seed, &a.engine, queries));
    let note = if sample_rows < rows {
        " (on the sample)"
    } else {
        ""
    };
    s.push_str(&crate::train::report_body(
        &model,
        &validation,
        &warnings,
        note,
    ));
    s.push_str(&format!(
        "time      labels and sample {load_seconds:.3} s, levels and cut points {encode_seconds:.3} s (engine start included), fitting {fit_seconds:.3} s (the sample, then every row on the engine), fingerprint {fingerprint_seconds:.3} s, validating {validate_seconds:.3} s\n"
    ));
    save_line(&saved, &mut s);
    emit(&s)
}

/// The report's line on the saved model.
#[cfg(feature = "distributed")]
fn save_line(saved: &Option<(std::path::PathBuf, u64)>, s: &mut String) {
    match saved {
        Some((path, bytes)) => s.push_str(&format!(
            "model     saved to {} ({bytes} bytes)\n",
            path.display()
        )),
        None => s.push_str("model     not saved (give -o MODEL to save it)\n"),
    }
}
