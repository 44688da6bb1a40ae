//! Cost in the number of columns: the same steps on a table of 10,000 columns and on
//! one of 100,000 (40 rows each), and their ratio. Linear work gives about 10 for
//! 10× the columns; the target is a ratio of at most 12 (issue 15, finding 12: before
//! the name lookups were hashed, 100,000 columns took 48 s to train and 62 s to score
//! 40 rows).
//!
//! Cases, per width:
//! - `read_encode/<cols>`: read the CSV (header plan, kind inference, cells), fit the
//!   discretizer (16 equal-frequency bins) and encode every row;
//! - `load/<cols>`: load a saved model from its bytes (format checks and the model's
//!   validation);
//! - `score/<cols>`: batch-score the 40 rows with that model (header plan, conversion
//!   under the input policy, encoding, prediction, reasons, writing).
//!
//! Data: `churn` + `cols - 1` features (two numeric, one categorical in every three),
//! generated deterministically in memory; the model is a weighted-entropy ID3 tree
//! (no tuning) fitted on the same rows. After criterion's measurements the bench
//! prints each step's 100k / 10k ratio of criterion's means, then (under `cargo
//! bench`; `COLUMNS_NO_PAIRS=1` skips it) the ratio from 12 interleaved pairs of runs
//! (median and range), which load from other processes during the run moves less.
//! Run: `cargo bench --bench columns -- --warm-up-time 1 --measurement-time 5`.
//!
//! Measured on the 2-core development VM shared with three other agents' builds (load
//! average 4 to 9, so absolute times move by 2× between runs), paired medians:
//! before the block-wise reader and the cheaper interval labels, `read_encode` 8.0 and
//! 9.3, `load` 7.4 and 7.8, `score` 9.8 and 10.9; with them 6.9 and 8.1, 5.2 and 7.3,
//! 10.0 and 12.2 (single pairs range from 4 to 20). Criterion's means in one
//! back-to-back run each: before `read_encode` 135 ms → 1.67 s, `load` 104 → 808 ms,
//! `score` 43 → 688 ms; after 202 ms → 1.39 s, 74 → 398 ms, 48 → 546 ms.
//! On the same machine when quiet (load average below 0.1, nothing else running;
//! 2026-12-05, with the shared level lists of `data::Levels`): criterion's means
//! `read_encode` 120.9 → 954.2 ms (7.89), `load` 57.1 → 265.7 ms (4.66), `score`
//! 52.3 → 455.5 ms (8.71); paired medians 8.91 (pairs 7.35–10.40), 9.50 (6.50–11.41)
//! and 10.56 (9.60–11.78): every ratio within the target.
//! What grows faster than the columns is the memory hierarchy: at 100,000 columns
//! the per-column structures (builders, schema entries, levels, hash tables) no
//! longer fit the caches, so each pass over them costs more per column.

use std::hint::black_box;
use std::time::Instant;

use churnkit::data::{Binning, CsvOptions, Discretizer, read_csv_from};
use churnkit::model::{Model, ModelBody};
use churnkit::score::{BatchOptions, Scorer, score_csv};
use churnkit::train::ModelBuilder;
use churnkit::tree::{Id3Params, TreeLearner};
use criterion::Criterion;

const GROUP: &str = "columns";
const ROWS: usize = 40;
const WIDTHS: [usize; 2] = [10_000, 100_000];
const STEPS: [&str; 3] = ["read_encode", "load", "score"];

/// A CSV of `cols` columns (the label first) and `ROWS` rows.
fn data(cols: usize) -> Vec<u8> {
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut s = String::from("churn");
    for j in 1..cols {
        s.push_str(&format!(",f{j}"));
    }
    s.push('\n');
    for r in 0..ROWS {
        let churned = r % 3 == 0;
        s.push_str(if churned { "Yes" } else { "No" });
        for j in 1..cols {
            let v = next();
            if j % 3 == 0 {
                s.push_str([",a", ",b", ",c"][(v % 3) as usize]);
            } else {
                // Churners a little higher, so the tree has something to split on.
                let shift = if churned { 500 } else { 0 };
                s.push_str(&format!(",{}", v % 10_000 + shift));
            }
        }
        s.push('\n');
    }
    s.into_bytes()
}

/// One width's inputs: the CSV, the saved model's bytes and the model loaded.
struct Case {
    cols: usize,
    csv: Vec<u8>,
    bytes: Vec<u8>,
    model: Model,
}

fn case(cols: usize) -> Case {
    let csv = data(cols);
    let (table, _) = read_csv_from(&csv[..], "wide.csv", &CsvOptions::new("churn")).expect("reads");
    let rows = table.all_rows();
    let tree = TreeLearner::new(Id3Params::weighted(), BINNING)
        .fit_tree(&table, &rows)
        .expect("fits");
    let bytes = ModelBuilder::new(ModelBody::from(tree), &table, &rows)
        .build()
        .expect("model")
        .to_bytes()
        .expect("bytes");
    let model = Model::from_bytes(&bytes).expect("loads");
    Case {
        cols,
        csv,
        bytes,
        model,
    }
}

const BINNING: Binning = Binning::EqualFrequency { bins: 16 };

/// Runs `step` once on `case`.
fn run(step: &str, case: &Case, scorer: &Scorer<'_>) {
    match step {
        "read_encode" => {
            let opts = CsvOptions::new("churn");
            let (t, _) = read_csv_from(&case.csv[..], "wide.csv", &opts).expect("reads");
            let rows = t.all_rows();
            let d = Discretizer::fit(&t, &rows, &BINNING).expect("fits");
            let enc = d.encode(&t).expect("encodes");
            black_box(enc.n_features());
        }
        "load" => {
            black_box(
                Model::from_bytes(&case.bytes)
                    .expect("loads")
                    .schema()
                    .n_features(),
            );
        }
        _ => {
            let mut out = Vec::new();
            let report = score_csv(scorer, &case.csv[..], &mut out, &BatchOptions::default())
                .expect("scores");
            black_box((report.rows_out, out.len()));
        }
    }
}

fn bench(c: &mut Criterion, cases: &[Case], scorers: &[Scorer<'_>]) {
    let mut g = c.benchmark_group(GROUP);
    g.sample_size(10);
    for (case, scorer) in cases.iter().zip(scorers) {
        for step in STEPS {
            g.bench_function(format!("{step}/{}", case.cols), |b| {
                b.iter(|| run(step, case, scorer))
            });
        }
    }
    g.finish();
}

/// How many interleaved pairs [`paired_ratios`] times per step.
const PAIRS: usize = 12;

/// Each step's ratio measured in interleaved pairs: the large width once, and right
/// before or after it (alternately) the small width as many times as it has fewer
/// columns; the ratio of a pair is the large run's time over the small runs' mean.
/// Load from other processes that changes within a run (the 2-core VM is shared)
/// moves both halves of a pair alike, which criterion's back-to-back groups cannot
/// ensure. Prints the median of the pairs' ratios with the lowest and highest.
fn paired_ratios(cases: &[Case], scorers: &[Scorer<'_>]) {
    let [small, large] = [&cases[0], &cases[1]];
    let times = large.cols / small.cols;
    println!(
        "\n{} / {} columns, {PAIRS} interleaved pairs per step (linear ≈ 10, target ≤ 12):",
        large.cols, small.cols
    );
    for step in STEPS {
        let time = |case: &Case, scorer: &Scorer<'_>, n: usize| {
            let t = Instant::now();
            for _ in 0..n {
                run(step, case, scorer);
            }
            t.elapsed().as_secs_f64() / n as f64
        };
        // Warm up both.
        time(small, &scorers[0], times);
        time(large, &scorers[1], 1);
        let mut ratios: Vec<f64> = (0..PAIRS)
            .map(|i| {
                let (s, l) = if i % 2 == 0 {
                    let s = time(small, &scorers[0], times);
                    (s, time(large, &scorers[1], 1))
                } else {
                    let l = time(large, &scorers[1], 1);
                    (time(small, &scorers[0], times), l)
                };
                l / s
            })
            .collect();
        ratios.sort_by(f64::total_cmp);
        let median = (ratios[PAIRS / 2 - 1] + ratios[PAIRS / 2]) / 2.0;
        println!(
            "  {step:<12} median ratio {median:.2}   (pairs: {:.2} to {:.2})",
            ratios[0],
            ratios[PAIRS - 1]
        );
    }
}

/// The mean time of a case in this run (an estimate written since `since`), from
/// criterion's `new/estimates.json`.
fn mean_ns(case: &str, since: std::time::SystemTime) -> Option<f64> {
    let dir = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into());
    let path = format!("{dir}/criterion/{GROUP}/{case}/new/estimates.json");
    if std::fs::metadata(&path).ok()?.modified().ok()? < since {
        return None;
    }
    let text = std::fs::read_to_string(path).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    v["mean"]["point_estimate"].as_f64()
}

fn main() {
    let start = std::time::SystemTime::now();
    let cases: Vec<Case> = WIDTHS.iter().map(|&cols| case(cols)).collect();
    let scorers: Vec<Scorer<'_>> = cases.iter().map(|c| Scorer::new(&c.model)).collect();
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c, &cases, &scorers);
    c.final_summary();
    let [small, large] = WIDTHS;
    println!("\ntime at {large} columns / time at {small} (criterion's means, same run):");
    for step in STEPS {
        // Criterion writes `a/b` cases to `a_b` directories.
        let at = |cols: usize| {
            mean_ns(&format!("{step}_{cols}"), start)
                .or_else(|| mean_ns(&format!("{step}/{cols}"), start))
        };
        if let (Some(a), Some(b)) = (at(small), at(large)) {
            println!(
                "  {step:<12} {:>8.1} ms → {:>9.1} ms   ratio {:.2}",
                a * 1e-6,
                b * 1e-6,
                b / a
            );
        }
    }
    // Only when the benches ran (not under `cargo test --benches` or a filter that
    // skipped them).
    if std::env::args().any(|a| a == "--bench") && std::env::var_os("COLUMNS_NO_PAIRS").is_none() {
        paired_ratios(&cases, &scorers);
    }
}
