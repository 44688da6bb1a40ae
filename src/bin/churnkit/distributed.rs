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
    use churnkit::registry::{Algorithm, LevelWise, level_wise};
    use churnkit::train::ModelBuilder;

    use crate::input::{data_options, read_labeled};
    use crate::render::emit;

    let engine = Engine::parse(&a.engine)?;
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
    let session = Session::start(engine.clone())?;
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
    let mut params = algo_opts.to_json(algo);
    if let (LevelWise::Tree(_), serde_json::Value::Object(map)) = (&learner, &mut params) {
        map.insert("tune".into(), "off".into());
    }
    let mut builder = ModelBuilder::new(body, &table, &rows)
        .params(params)
        .warning(crate::train::warning_spec(&a.warning, &table)?)
        .tiers(tiers)
        .missing_tokens(missing)
        .read_spec(spec);
    if let Some(econ) = a.econ.economics() {
        builder = builder.economics(econ);
    }
    let model = builder.build()?;
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
    match crate::train::save(&model, a.output.as_deref())? {
        Some((path, bytes)) => s.push_str(&format!(
            "model     saved to {} ({bytes} bytes)\n",
            path.display()
        )),
        None => s.push_str("model     not saved (give -o MODEL to save it)\n"),
    }
    emit(&s)
}
