//! Bayesian-network learning and scoring on synthetic churn tables (`synth::generate`,
//! 20 features: numeric ones cut into 10 equal-frequency bins), 100k and 1M rows.
//!
//! Baselines measured in the same run: one `contingency` pass of a pairwise table
//! (`[Xi, Xj, class]`, the unit of TAN's work) and the naive Bayes fit (21 family
//! tables). After criterion, a summary prints every operation as a ratio to them
//! (median of 5 timed runs).
//!
//! `cargo bench --bench bayes_fit -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;
use std::time::Instant;

use churnkit::bayes::{BayesClassifier, HillClimb, NaiveBayes, StructureScore, Tan};
use churnkit::count::{CountTable, Counter, InMemory, Rows, Var};
use churnkit::data::{Binning, Discretizer, Encoded};
use churnkit::synth::{SynthParams, generate};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group};

fn data(rows: usize, missing_rate: f64) -> (Discretizer, Encoded) {
    let t = generate(&SynthParams {
        rows,
        seed: 7,
        missing_rate,
        ..SynthParams::default()
    })
    .expect("synthetic table");
    let all = t.all_rows();
    let d = Discretizer::fit(&t, &all, &Binning::EqualFrequency { bins: 10 }).expect("fit");
    let e = d.encode(&t).expect("encode");
    (d, e)
}

fn pass(e: &Encoded, buf: &mut CountTable) {
    InMemory::new(e).contingency(
        Rows::All,
        &[Var::Feature(0), Var::Feature(1), Var::Class],
        buf,
    );
}

fn median(mut f: impl FnMut()) -> f64 {
    let mut t: Vec<f64> = (0..5)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed().as_secs_f64()
        })
        .collect();
    t.sort_by(f64::total_cmp);
    t[2]
}

fn bench(c: &mut Criterion) {
    for (label, rows) in [("100k", 100_000), ("1M", 1_000_000)] {
        let (disc, e) = data(rows, 0.0);
        let mut g = c.benchmark_group(format!("bayes_{label}"));
        g.sample_size(10);
        g.throughput(Throughput::Elements(rows as u64));
        let mut buf = CountTable::default();
        g.bench_function("baseline_one_pairwise_contingency", |b| {
            b.iter(|| pass(black_box(&e), &mut buf))
        });
        g.bench_function("baseline_naive_bayes_fit", |b| {
            b.iter(|| {
                NaiveBayes::new()
                    .fit_encoded(black_box(&e), "Churn")
                    .unwrap()
            })
        });
        g.bench_function("tan_fit_structure_and_parameters", |b| {
            b.iter(|| Tan::new().fit_encoded(black_box(&e), "Churn").unwrap())
        });
        if rows <= 100_000 {
            g.bench_function("hill_climb_fit_bic", |b| {
                b.iter(|| {
                    HillClimb::new()
                        .fit_encoded(black_box(&e), "Churn")
                        .unwrap()
                })
            });
        }
        let net = Tan::new().fit_encoded(&e, "Churn").unwrap();
        let model = BayesClassifier::new("tan".into(), disc.clone(), net).unwrap();
        let mut out = vec![0.0; rows * e.n_classes()];
        g.bench_with_input(
            BenchmarkId::new("tan_batch_score_encoded", label),
            &e,
            |b, e| b.iter(|| model.predict_encoded(black_box(e), &mut out).unwrap()),
        );
        g.finish();
    }
}

/// Ratios against the baselines, timed in this run.
fn summary() {
    println!("\n== bayes_fit summary (median of 5; ratios to baselines of the same run) ==");
    for rows in [100_000usize, 1_000_000] {
        let (disc, e) = data(rows, 0.0);
        let mut buf = CountTable::default();
        let base = median(|| pass(&e, &mut buf));
        let nb = median(|| {
            NaiveBayes::new().fit_encoded(&e, "Churn").unwrap();
        });
        let tan = median(|| {
            Tan::new().fit_encoded(&e, "Churn").unwrap();
        });
        let net = Tan::new().fit_encoded(&e, "Churn").unwrap();
        let model = BayesClassifier::new("tan".into(), disc.clone(), net).unwrap();
        let mut out = vec![0.0; rows * e.n_classes()];
        let score = median(|| model.predict_encoded(&e, &mut out).unwrap());
        println!(
            "{rows} rows × 20: pairwise pass {:.1} ms | NB fit {:.1} ms ({:.1}× pass) | TAN fit {:.1} ms ({:.1}× pass, {:.1}× NB) | TAN batch scoring {:.1} ms = {:.2} M rows/s ({:.2}× pass)",
            base * 1e3,
            nb * 1e3,
            nb / base,
            tan * 1e3,
            tan / base,
            tan / nb,
            score * 1e3,
            rows as f64 / score / 1e6,
            score / base
        );
        if rows == 100_000 {
            let hc = median(|| {
                HillClimb::new()
                    .score(StructureScore::Bic)
                    .fit_encoded(&e, "Churn")
                    .unwrap();
            });
            println!(
                "{rows} rows × 20: hill climbing (BIC) {:.1} ms ({:.1}× pass, {:.1}× NB)",
                hc * 1e3,
                hc / base,
                hc / nb
            );
        }
        let (disc_m, e_m) = data(rows, 0.02);
        let net = Tan::new().fit_encoded(&e_m, "Churn").unwrap();
        let model = BayesClassifier::new("tan".into(), disc_m, net).unwrap();
        let mut out = vec![0.0; rows * e_m.n_classes()];
        let s = median(|| model.predict_encoded(&e_m, &mut out).unwrap());
        println!(
            "{rows} rows, 2% missing cells: TAN batch scoring {:.2} M rows/s (rows with a missing blanket value: exact forest message passing)",
            rows as f64 / s / 1e6
        );
    }
}

criterion_group!(benches, bench);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    summary();
}
