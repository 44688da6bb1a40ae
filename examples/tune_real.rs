//! Test ROC AUC of `id3-weighted` fitted on every training row with tuning off, fast
//! and thorough, on the fixed splits (Telco, Orange; ISP when
//! `datasets/isp-*.csv` or `$ISP_DIR/isp-*.csv` exist), with the time of
//! each fit and what the tuning chose. The test files are only scored, never used to
//! choose anything.
//!
//! `cargo run --release --example tune_real [off|fast|thorough ...]` (each tuned mode
//! with constant leaves and with naive-Bayes leaves, `LeafModel::Tuned`, the default:
//! constant, unweighted or weighted naive-Bayes leaves by CV), and the born-again
//! tree of each tuned mode (`TreeLearner::id3_weighted_distilled`). `$DATA_DIR` replaces
//! `datasets/` for the Telco and Orange files (e.g. copies with constructed columns).

use std::time::Instant;

use churnkit::Classifier;
use churnkit::data::{CsvOptions, Table, read_csv};
use churnkit::eval::evaluate;
use churnkit::tree::{LeafModel, TreeLearner, Tune};

fn load(path: &str, opts: &CsvOptions) -> Option<Table> {
    std::path::Path::new(path)
        .exists()
        .then(|| read_csv(path, opts).unwrap_or_else(|e| panic!("{path}: {e}")))
}

fn main() {
    let root = env!("CARGO_MANIFEST_DIR");
    let isp = std::env::var("ISP_DIR").unwrap_or_else(|_| format!("{root}/datasets"));
    let data = std::env::var("DATA_DIR").unwrap_or_else(|_| format!("{root}/datasets"));
    let sets = [
        (
            "Telco",
            format!("{data}/telco-train.csv"),
            format!("{data}/telco-test.csv"),
            CsvOptions::new("Churn").id_column("customerID"),
        ),
        (
            "Orange",
            format!("{data}/orange-telecom-churn-train.csv"),
            format!("{data}/orange-telecom-churn-test.csv"),
            CsvOptions::new("Churn"),
        ),
        (
            "ISP",
            format!("{isp}/isp-train.csv"),
            format!("{isp}/isp-test.csv"),
            CsvOptions::new("churn").id_column("id"),
        ),
    ];
    let modes: Vec<Tune> = {
        let m: Vec<Tune> = std::env::args()
            .skip(1)
            .filter_map(|a| a.parse().ok())
            .collect();
        if m.is_empty() {
            vec![Tune::Off, Tune::Fast, Tune::Thorough]
        } else {
            m
        }
    };
    println!("| data | tune | test AUC | accuracy | leaves | fit s | chosen |");
    println!("|---|---|---|---|---|---|---|");
    for (name, tr, te, opts) in &sets {
        let (Some(train), Some(test)) = (load(tr, opts), load(te, opts)) else {
            eprintln!("{name}: files not found, skipped");
            continue;
        };
        let runs = modes.iter().flat_map(|&m| {
            let leaves: &[(LeafModel, bool)] = if m == Tune::Off {
                &[(LeafModel::Constant, false)]
            } else {
                &[
                    (LeafModel::Constant, false),
                    (LeafModel::Tuned, false),
                    (LeafModel::Constant, true),
                ]
            };
            leaves.iter().map(move |&(l, d)| (m, l, d))
        });
        for (mode, leaf, distilled) in runs {
            let l = if distilled {
                TreeLearner::id3_weighted_distilled().tune(mode)
            } else {
                TreeLearner::id3_weighted().tune(mode).leaf(leaf)
            };
            let t = Instant::now();
            let m = l.fit_tree(&train, &train.all_rows()).unwrap();
            let secs = t.elapsed().as_secs_f64();
            let r = evaluate(&m as &dyn Classifier, &test, &test.all_rows()).unwrap();
            let chosen = m.tuning.as_ref().map_or(String::from("-"), |t| {
                let c = &t.chosen;
                format!(
                    "{:?} {} leaf {} depth {:?} {:?} smooth {} α {:?}{} (cv {:.4}±{:.4}; best {:.4})",
                    c.setting.binning,
                    c.setting.criterion.name(),
                    c.setting.min_leaf,
                    c.setting.max_depth,
                    c.setting.pruning,
                    c.setting.smoothing,
                    t.leaf_alpha,
                    if t.leaf_weighted { " weighted" } else { "" },
                    c.auc,
                    c.auc_se,
                    t.best.auc
                )
            });
            if std::env::var_os("CURVE").is_some()
                && let Some(t) = &m.tuning
            {
                for c in t.curve.iter().take(12) {
                    eprintln!(
                        "  {:?} {} leaf {} depth {:?} {:?} m {} auc {:.4}±{:.4} ll {:.4} leaves {:.0}",
                        c.setting.binning,
                        c.setting.criterion.name(),
                        c.setting.min_leaf,
                        c.setting.max_depth,
                        c.setting.pruning,
                        c.setting.smoothing,
                        c.auc,
                        c.auc_se,
                        c.log_loss,
                        c.leaves
                    );
                }
            }
            println!(
                "| {name} | {}{} | {:.4} | {:.4} | {} | {:.2} | {chosen} |",
                mode.name(),
                if distilled {
                    " (distilled)"
                } else if leaf == LeafModel::Constant && mode != Tune::Off {
                    " (constant leaves)"
                } else {
                    ""
                },
                r.roc_auc.unwrap_or(f64::NAN),
                r.accuracy,
                m.tree.n_leaves(),
                secs
            );
        }
    }
}
