//! Nested cross-validation of the learners' self-tuning, on TRAINING rows only: each
//! learner (tuning included) is fitted on the training part of an outer stratified
//! 5-fold split and scored (ROC AUC of the churn class) on the fold's held-out part;
//! no test file is read. This is how the defaults of `id3-weighted` (its tuning grid)
//! and `id3-weighted-forest` (its out-of-bag grid) were chosen.
//!
//! Tables: `telco-train.csv`, `orange-telecom-churn-train.csv`, `isp-train.csv` (from
//! `datasets/` or `$ISP_DIR`) and three `synth` tables (3,000, 6,000 and 10,000 rows,
//! seeds 11–13; the AUC of `churned` against the rest).
//!
//! `cargo run --release --example tune_cv -- tree VARIANT...` or
//! `-- forest VARIANT...` (names below); `SETS=telco,orange` limits the tables,
//! `FOLDS=5` the outer folds.

use std::time::Instant;

use churnkit::data::{Binning, CsvOptions, Table, read_csv, stratified_kfold};
use churnkit::eval::roc_auc;
use churnkit::learner::Classifier;
use churnkit::synth::{SynthParams, generate};
use churnkit::tree::{
    AttributeWeights, ClassWeights, Criterion, Forest, ForestTune, Pruning, TreeLearner, Tune,
    TuneScore, WeightedEntropy,
};

fn tables() -> Vec<(String, Table)> {
    let root = env!("CARGO_MANIFEST_DIR");
    let isp = std::env::var("ISP_DIR").unwrap_or_else(|_| format!("{root}/datasets"));
    let only: Option<Vec<String>> = std::env::var("SETS")
        .ok()
        .map(|s| s.split(',').map(str::to_string).collect());
    let want = |n: &str| only.as_ref().is_none_or(|o| o.iter().any(|x| x == n));
    let mut v = Vec::new();
    let files = [
        (
            "telco",
            format!("{root}/datasets/telco-train.csv"),
            "Churn",
            Some("customerID"),
        ),
        (
            "orange",
            format!("{root}/datasets/orange-telecom-churn-train.csv"),
            "Churn",
            None,
        ),
        ("isp", format!("{isp}/isp-train.csv"), "churn", Some("id")),
    ];
    for (name, path, target, id) in files {
        if !want(name) || !std::path::Path::new(&path).exists() {
            continue;
        }
        let mut o = CsvOptions::new(target);
        if let Some(id) = id {
            o = o.id_column(id);
        }
        v.push((name.to_string(), read_csv(&path, &o).expect("reads")));
    }
    for (rows, seed) in [(3000, 11), (6000, 12), (10_000, 13)] {
        let name = format!("synth{}k", rows / 1000);
        if want(&name) || want("synth") {
            let t = generate(&SynthParams {
                rows,
                seed,
                ..SynthParams::default()
            })
            .expect("generates");
            v.push((name, t));
        }
    }
    v
}

fn weighted(attributes: AttributeWeights) -> Criterion {
    Criterion::WeightedEntropy(WeightedEntropy {
        attributes,
        classes: ClassWeights::One,
    })
}

/// The tree variants compared: each a grid over the fast grid.
fn tree_variant(name: &str) -> Option<TreeLearner> {
    let base = TreeLearner::id3_weighted();
    let fast = Tune::Fast.grid().expect("fast grid");
    let ef = |bins| Binning::EqualFrequency { bins };
    let mdl = |max_bins| Binning::Mdl {
        min_bins: 1,
        max_bins,
    };
    let cf = |confidence| Pruning::Pessimistic { confidence };
    let ccp = |alpha| Pruning::CostComplexity { alpha };
    let mut g = fast.clone();
    for part in name.split('+') {
        match part {
            "off" => return Some(base.tune(Tune::Off)),
            "fast" => {}
            "thorough" => g = Tune::Thorough.grid().expect("thorough grid"),
            "k0" => g.one_se = 0.0,
            "ll" => g.score = TuneScore::LogLoss,
            "k05" => g.one_se = 0.5,
            "rep1" => g.small_repeats = 1,
            "rep3" => g.small_repeats = 3,
            "ef64" => g.binnings.push(ef(64)),
            "ef8" => g.binnings.insert(0, ef(8)),
            "ef64only" => g.binnings = vec![ef(64)],
            "ef32only" => g.binnings = vec![ef(32)],
            "mdl" => g.binnings.push(mdl(32)),
            "mdl64" => g.binnings.push(mdl(64)),
            "attr" => {
                g.criteria = vec![
                    weighted(AttributeWeights::InverseValues),
                    weighted(AttributeWeights::One),
                ]
            }
            "gr" => {
                g.criteria = vec![
                    weighted(AttributeWeights::InverseValues),
                    Criterion::GainRatio,
                ]
            }
            "ccp" => g
                .prunings
                .extend([ccp(0.0005), ccp(0.001), ccp(0.002), ccp(0.005)]),
            "nocf" => g.prunings = vec![Pruning::None],
            "cf4" => g.prunings = vec![Pruning::None, cf(0.5), cf(0.25), cf(0.1)],
            "leaf8" => g.min_leaf = vec![0.00025, 0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.032],
            "m1000" => g.smoothing.push(1000.0),
            "folds10" => g.folds = 10,
            _ => return None,
        }
    }
    Some(base.tune_grid(g))
}

fn forest_variant(name: &str) -> Option<Forest> {
    let mut f = Forest::default();
    for part in name.split('+') {
        match part {
            "default" => {}
            "oob" => f = f.tune(ForestTune::Oob),
            "off" => f = f.tune(ForestTune::Off),
            "frac1" => f = f.sample_fraction(1.0),
            "leaf5" => f = f.min_rows_leaf(5.0),
            "leaf20" => f = f.min_rows_leaf(20.0),
            "t200" => f = f.n_trees(200),
            "ef128" => f = f.binning(Binning::EqualFrequency { bins: 128 }),
            "ef32" => f = f.binning(Binning::EqualFrequency { bins: 32 }),
            "nobatch" => f.grid.batch = 0,
            "tt60" => f.grid.tune_trees = 60,
            "tt25" => f.grid.tune_trees = 25,
            "gfrac" => f.grid.sample_fractions = vec![0.5, 1.0],
            "gleaf4" => f.grid.min_leaf = vec![10.0, 3.0, 30.0, 1.0],
            "gmf2" => f.grid.max_features = vec![1.0, 2.0],
            _ => return None,
        }
    }
    Some(f)
}

/// Fits a variant on rows of a table.
type FitFn<'a> = dyn Fn(&Table, &[usize]) -> Box<dyn Classifier> + 'a;

fn auc_of(c: &dyn Classifier, t: &Table, rows: &[usize]) -> f64 {
    let k = c.classes().len();
    let mut p = vec![0.0; rows.len() * k];
    c.predict_proba_into(t, rows, &mut p).expect("predicts");
    let churn = t.schema().target.churn_class();
    let s: Vec<f64> = p.chunks_exact(k).map(|r| r[churn]).collect();
    let pos: Vec<bool> = rows
        .iter()
        .map(|&r| t.labels()[r] as usize == churn)
        .collect();
    roc_auc(&s, &pos, None).unwrap_or(f64::NAN)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((kind, variants)) = args.split_first() else {
        eprintln!("usage: tune_cv tree|forest VARIANT...");
        return;
    };
    let k: usize = std::env::var("FOLDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let tables = tables();
    println!(
        "| variant | {} | mean | seconds |",
        tables
            .iter()
            .map(|t| t.0.as_str())
            .collect::<Vec<_>>()
            .join(" | ")
    );
    println!("|---|{}---:|---:|", "---:|".repeat(tables.len()));
    for v in variants {
        let debug = std::env::var_os("DEBUG").is_some();
        let fit: Box<FitFn<'_>> = match kind.as_str() {
            "tree" => match tree_variant(v) {
                Some(l) => Box::new(move |t: &Table, rows: &[usize]| {
                    let m = l.fit_tree(t, rows).expect("fits");
                    if debug && let Some(r) = &m.tuning {
                        let c = &r.chosen.setting;
                        eprintln!(
                            "  {v}: {:?} {:?} leaf {} depth {:?} {:?} m {} (cv {:.4}, best {:.4}, {} leaves)",
                            c.binning,
                            c.criterion,
                            c.min_leaf,
                            c.max_depth,
                            c.pruning,
                            c.smoothing,
                            r.chosen.auc,
                            r.best.auc,
                            m.tree.n_leaves()
                        );
                    }
                    Box::new(m) as Box<dyn Classifier>
                }),
                None => {
                    eprintln!("unknown tree variant {v}");
                    continue;
                }
            },
            _ => match forest_variant(v) {
                Some(f) => Box::new(move |t: &Table, rows: &[usize]| {
                    let m = f.fit_forest(t, rows).expect("fits");
                    if debug && let Some(r) = &m.tuning {
                        let c = &r.candidates[r.chosen];
                        eprintln!(
                            "  {v}: mf {} leaf {} frac {} oob {:?}; trees {:?}",
                            c.max_features, c.min_leaf, c.sample_fraction, c.oob_auc, r.trees_curve
                        );
                    }
                    Box::new(m) as Box<dyn Classifier>
                }),
                None => {
                    eprintln!("unknown forest variant {v}");
                    continue;
                }
            },
        };
        let t0 = Instant::now();
        let mut cells = Vec::new();
        let mut sum = 0.0;
        for (_, t) in &tables {
            let folds = stratified_kfold(t.labels(), k, 2024).expect("folds");
            let mut a = 0.0;
            for f in &folds {
                let c = fit(t, &f.train);
                a += auc_of(c.as_ref(), t, &f.test);
            }
            a /= folds.len() as f64;
            sum += a;
            cells.push(format!("{a:.4}"));
        }
        println!(
            "| {v} | {} | {:.4} | {:.0} |",
            cells.join(" | "),
            sum / tables.len() as f64,
            t0.elapsed().as_secs_f64()
        );
    }
}
