//! The churn forest on real train → test splits: Telco, Orange and (when present) the
//! ISP split in `datasets/` (or `$ISP_DIR`). Prints test ROC AUC, fit
//! time, out-of-bag AUC and model bytes per tree for the defaults.
//!
//! `cargo run --release --example forest_real` — the defaults on the test files;
//! `cargo run --release --example forest_real tune` — the grid the defaults were
//! chosen from, scored by out-of-bag AUC on the TRAINING rows only (no test file read).

use std::time::Instant;

use churnkit::data::{Binning, CsvOptions, Table, read_csv};
use churnkit::eval::roc_auc;
use churnkit::learner::Classifier;
use churnkit::registry::ModelBody;
use churnkit::tree::{AttributeWeights, ClassWeights, Criterion, Forest, WeightedEntropy};

fn load(path: &str, target: &str, id: Option<&str>) -> churnkit::Result<Table> {
    let mut o = CsvOptions::new(target);
    if let Some(id) = id {
        o = o.id_column(id);
    }
    read_csv(path, &o)
}

fn sets() -> Vec<(
    &'static str,
    String,
    String,
    &'static str,
    Option<&'static str>,
)> {
    let root = env!("CARGO_MANIFEST_DIR");
    let isp = std::env::var("ISP_DIR").unwrap_or_else(|_| format!("{root}/datasets"));
    let mut v = vec![
        (
            "telco",
            format!("{root}/datasets/telco-train.csv"),
            format!("{root}/datasets/telco-test.csv"),
            "Churn",
            Some("customerID"),
        ),
        (
            "orange",
            format!("{root}/datasets/orange-telecom-churn-train.csv"),
            format!("{root}/datasets/orange-telecom-churn-test.csv"),
            "Churn",
            None,
        ),
    ];
    if std::path::Path::new(&format!("{isp}/isp-train.csv")).exists() {
        v.push((
            "isp",
            format!("{isp}/isp-train.csv"),
            format!("{isp}/isp-test.csv"),
            "churn",
            Some("id"),
        ));
    }
    v
}

fn test_auc(c: &dyn Classifier, test: &Table) -> churnkit::Result<f64> {
    let rows = test.all_rows();
    let k = c.classes().len();
    let mut p = vec![0.0; rows.len() * k];
    c.predict_proba_into(test, &rows, &mut p)?;
    let churn = test.schema().target.churn_class();
    let s: Vec<f64> = p.chunks_exact(k).map(|r| r[churn]).collect();
    let pos: Vec<bool> = test.labels().iter().map(|&l| l as usize == churn).collect();
    Ok(roc_auc(&s, &pos, None).unwrap_or(f64::NAN))
}

/// The `forest` group of `benches/tree_fit.rs`, one shot: the defaults on 100k
/// synthetic rows, the ratio to one tree and the model bytes per tree.
fn bench() -> churnkit::Result<()> {
    use churnkit::data::Discretizer;
    use churnkit::synth::{SynthParams, generate};
    let table = generate(&SynthParams {
        rows: 100_000,
        seed: 2,
        ..SynthParams::default()
    })?;
    let forest = Forest::default().tune(churnkit::tree::ForestTune::Off);
    let d = Discretizer::fit(&table, &table.all_rows(), &forest.binning)?;
    let enc = d.encode(&table)?;
    let t = Instant::now();
    forest.clone().n_trees(1).fit_encoded(&enc)?;
    let t1 = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let (trees, oob) = forest.fit_encoded(&enc)?;
    let t100 = t.elapsed().as_secs_f64();
    let n = trees.len();
    let nodes: usize = trees.iter().map(|t| t.n_nodes()).sum::<usize>() / n;
    let c = churnkit::tree::ForestClassifier {
        discretizer: d,
        trees,
        oob,
        features_per_node: forest.features_per_node(enc.n_features()),
        name: forest.name.clone(),
        tuning: None,
    };
    let disc = bincode::serialize(&c.discretizer).map_or(0, |b| b.len());
    let bytes = bincode::serialize(&ModelBody::from(c)).map_or(0, |b| b.len());
    println!(
        "forest 100k rows: {n} trees {t100:.3} s, one tree {t1:.3} s, ratio {:.1}x; {} bytes per tree, {nodes} nodes per tree",
        t100 / t1,
        (bytes - disc) / n
    );
    Ok(())
}

fn main() -> churnkit::Result<()> {
    let tune = std::env::args().any(|a| a == "tune");
    if std::env::args().any(|a| a == "bench") {
        return bench();
    }
    if tune {
        // The grid, overridable by environment variables (comma-separated lists):
        // TUNE_SETS, TUNE_BINS, TUNE_MF (sqrt, third, 2sqrt), TUNE_LEAF, TUNE_ATTR (one,
        // inverse), TUNE_FRAC.
        let list = |var: &str, default: &str| -> Vec<String> {
            std::env::var(var)
                .unwrap_or_else(|_| default.into())
                .split(',')
                .map(str::to_string)
                .collect()
        };
        let only = list("TUNE_SETS", "telco,orange,isp");
        println!("data\tbins\tmax_features\tmin_leaf\tattr\tfrac\toob_auc\toob_err\tfit_s");
        for (name, train, _, target, id) in sets() {
            if !only.iter().any(|o| o == name) {
                continue;
            }
            let train = load(&train, target, id)?;
            let rows = train.all_rows();
            let p = train.n_features();
            let sqrt = (p as f64).sqrt().ceil() as usize;
            for bins in list("TUNE_BINS", "16,32,64") {
                for mf in list("TUNE_MF", "sqrt,third,2sqrt") {
                    for leaf in list("TUNE_LEAF", "1,3,5,10") {
                        for attr in list("TUNE_ATTR", "one") {
                            for frac in list("TUNE_FRAC", "1") {
                                let m = match mf.as_str() {
                                    "sqrt" => sqrt,
                                    "third" => (p / 3).max(1),
                                    "2sqrt" => (2 * sqrt).min(p),
                                    x => x.parse().expect("TUNE_MF"),
                                };
                                let attributes = match attr.as_str() {
                                    "one" => AttributeWeights::One,
                                    _ => AttributeWeights::InverseValues,
                                };
                                let crit = Criterion::WeightedEntropy(WeightedEntropy {
                                    attributes,
                                    classes: ClassWeights::One,
                                });
                                let base = Forest::params().tune(churnkit::tree::ForestTune::Off);
                                let tree = base.tree.clone().criterion(crit);
                                let f = base
                                    .tree_params(tree)
                                    .binning(Binning::EqualFrequency {
                                        bins: bins.parse().expect("TUNE_BINS"),
                                    })
                                    .max_features(Some(m))
                                    .min_rows_leaf(leaf.parse().expect("TUNE_LEAF"))
                                    .sample_fraction(frac.parse().expect("TUNE_FRAC"));
                                let t = Instant::now();
                                let c = f.fit_forest(&train, &rows)?;
                                let (auc, err) = c.oob.as_ref().map_or((f64::NAN, f64::NAN), |o| {
                                    (o.auc.unwrap_or(f64::NAN), o.error)
                                });
                                println!(
                                    "{name}\t{bins}\t{m}\t{leaf}\t{attr}\t{frac}\t{auc:.4}\t{err:.4}\t{:.2}",
                                    t.elapsed().as_secs_f64()
                                );
                            }
                        }
                    }
                }
            }
        }
        return Ok(());
    }
    println!("data\ttrain_rows\ttest_auc\toob_auc\tfit_s\tbytes_per_tree\tnodes_per_tree");
    for (name, train, test, target, id) in sets() {
        let train = load(&train, target, id)?;
        let test = load(&test, target, id)?;
        let rows = train.all_rows();
        let t = Instant::now();
        let c = Forest::default().fit_forest(&train, &rows)?;
        let fit_s = t.elapsed().as_secs_f64();
        let auc = test_auc(&c, &test)?;
        let n = c.trees.len();
        let nodes = c.n_nodes() / n;
        let oob = c.oob.as_ref().and_then(|o| o.auc).unwrap_or(f64::NAN);
        if let Some(r) = &c.tuning {
            let ch = &r.candidates[r.chosen];
            eprintln!(
                "{name}: chose {} features per node, min leaf {}, fraction {} (OOB AUC {:?}; {} candidates); trees curve {:?}",
                ch.max_features,
                ch.min_leaf,
                ch.sample_fraction,
                ch.oob_auc,
                r.candidates.len(),
                r.trees_curve
            );
        }
        let disc = bincode::serialize(&c.discretizer).map_or(0, |b| b.len());
        let bytes = bincode::serialize(&ModelBody::from(c)).map_or(0, |b| b.len());
        println!(
            "{name}\t{}\t{auc:.4}\t{oob:.4}\t{fit_s:.2}\t{}\t{nodes}",
            rows.len(),
            (bytes - disc) / n
        );
    }
    Ok(())
}
