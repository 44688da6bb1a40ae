//! Measures batch-scoring throughput: writes N synthetic customers as CSV (synth,
//! seed 7), trains a model on 100k other synthetic customers (seed 1), and scores the
//! file CSV → CSV with `score_csv_file`, reporting rows per second.
//!
//! ```text
//! cargo run --release --example score_throughput -- [ROWS] [--model tree|tan|cart|zeror]
//!     [--progress] [--no-reasons]
//! ```
//!
//! `tree` is weighted-entropy ID3 ([`TreeLearner::id3_weighted`]), `tan` (the default)
//! tree-augmented naive Bayes, `cart` linfa-trees' CART, `zeror` the majority class.

use std::io::BufWriter;
use std::time::Instant;

use churnkit::bayes::Tan;
use churnkit::eval::ZeroR;
use churnkit::model::ModelBody;
use churnkit::score::{BatchOptions, Scorer, score_csv_file};
use churnkit::synth::{SynthParams, generate, write_csv};
use churnkit::train::ModelBuilder;
use churnkit::tree::{Cart, TreeLearner};

fn body(kind: &str, train: &churnkit::data::Table, rows: &[usize]) -> churnkit::Result<ModelBody> {
    Ok(match kind {
        "tree" => TreeLearner::id3_weighted().fit_tree(train, rows)?.into(),
        "cart" => Cart::default().fit_cart(train, rows)?.into(),
        "zeror" => ZeroR.fit_table(train, rows)?.into(),
        _ => Tan::new().fit_table(train, rows)?.into(),
    })
}

fn main() -> churnkit::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rows: usize = args
        .iter()
        .find_map(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let progress = args.iter().any(|a| a == "--progress");
    let kind = args
        .iter()
        .position(|a| a == "--model")
        .and_then(|i| args.get(i + 1))
        .map_or("tan", String::as_str);
    let reasons = !args.iter().any(|a| a == "--no-reasons");
    let dir = std::env::temp_dir().join(format!("churnkit-throughput-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| churnkit::Error::Io {
        location: churnkit::Location::file(&dir),
        source: e,
    })?;
    let input = dir.join("customers.csv");
    let output = dir.join("scores.csv");
    let t0 = Instant::now();
    let f = std::fs::File::create(&input).map_err(|e| churnkit::Error::Io {
        location: churnkit::Location::file(&input),
        source: e,
    })?;
    write_csv(
        &SynthParams {
            rows,
            seed: 7,
            ..SynthParams::default()
        },
        BufWriter::with_capacity(1 << 20, f),
    )?;
    eprintln!("wrote {rows} customers in {:.2?}", t0.elapsed());
    let train = generate(&SynthParams {
        rows: 100_000,
        seed: 1,
        ..SynthParams::default()
    })?;
    let all = train.all_rows();
    let t1 = Instant::now();
    let model = ModelBuilder::new(body(kind, &train, &all)?, &train, &all).build()?;
    eprintln!(
        "trained {} on 100000 rows in {:.2?}",
        model.summary().learner,
        t1.elapsed()
    );
    let scorer = Scorer::new(&model).reasons(reasons);
    let mut opts = BatchOptions::default();
    if progress {
        // The library draws nothing: report progress on one stderr line.
        opts = opts.on_progress(|p| {
            let share = p
                .bytes_total
                .map_or(0.0, |t| 100.0 * p.bytes_done as f64 / t.max(1) as f64);
            eprint!("\rscored {} rows ({share:.0} % of the file)", p.rows_done);
        });
    }
    let t2 = Instant::now();
    let report = score_csv_file(&scorer, &input, &output, &opts)?;
    if progress {
        eprintln!();
    }
    let secs = t2.elapsed().as_secs_f64();
    println!(
        "learner {} | rows in {} out {} | {:.2} s | {:.0} rows/s | reasons {} | threads {}",
        model.summary().learner,
        report.rows_in,
        report.rows_out,
        secs,
        report.rows_out as f64 / secs,
        reasons,
        rayon::current_num_threads()
    );
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
