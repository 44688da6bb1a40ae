//! Cross-validates weighted-entropy ID3 settings on TRAINING rows only (telco-train,
//! orange-telecom-churn-train, the bundled synthetic data) — how the defaults of
//! `Id3Params::weighted` / `TreeLearner::id3_weighted` were chosen.
//!
//! `cargo run --release --example tree_cv [quick]`

use churnkit::data::{Binning, CsvOptions, Table, read_csv};
use churnkit::eval::{Metric, cross_validate};
use churnkit::tree::{
    AttributeWeights, ClassWeights, Criterion, Id3Params, NumericSplits, Pruning, TreeLearner,
    WeightedEntropy,
};

fn datasets() -> churnkit::Result<Vec<(&'static str, Table)>> {
    let root = env!("CARGO_MANIFEST_DIR");
    Ok(vec![
        (
            "telco-train",
            read_csv(
                format!("{root}/datasets/telco-train.csv"),
                &CsvOptions::new("Churn").id_column("customerID"),
            )?,
        ),
        (
            "orange-train",
            read_csv(
                format!("{root}/datasets/orange-telecom-churn-train.csv"),
                &CsvOptions::new("Churn"),
            )?,
        ),
        (
            "synthetic",
            read_csv(
                format!("{root}/datasets/synthetic-churn.csv"),
                &CsvOptions::new("status").id_column("customer_id"),
            )?,
        ),
    ])
}

fn main() -> churnkit::Result<()> {
    let data = datasets()?;
    let quick = std::env::args().any(|a| a == "quick");
    // (binning, numeric splits): multiway on coarse bins, binary on fine bins.
    let binnings = if quick {
        vec![(Binning::EqualFrequency { bins: 32 }, NumericSplits::Binary)]
    } else {
        vec![
            (Binning::EqualFrequency { bins: 5 }, NumericSplits::Multiway),
            (
                Binning::EqualFrequency { bins: 10 },
                NumericSplits::Multiway,
            ),
            (
                Binning::Mdl {
                    min_bins: 1,
                    max_bins: 16,
                },
                NumericSplits::Multiway,
            ),
            (Binning::EqualFrequency { bins: 16 }, NumericSplits::Binary),
            (Binning::EqualFrequency { bins: 32 }, NumericSplits::Binary),
            (Binning::EqualFrequency { bins: 64 }, NumericSplits::Binary),
        ]
    };
    let depths = [Some(4), Some(6), Some(8), None];
    let leaves = [2.0, 5.0, 10.0, 20.0];
    let prunings = [
        Pruning::None,
        Pruning::ReducedError { fraction: 0.2 },
        Pruning::Pessimistic { confidence: 0.25 },
    ];
    let classes = [ClassWeights::One, ClassWeights::Balanced];
    println!(
        "binning\tdepth\tmin_leaf\tpruning\tclass_w\t{}\tmean_auc\tmean_acc",
        data.iter()
            .map(|(n, _)| format!("{n}_auc\t{n}_acc"))
            .collect::<Vec<_>>()
            .join("\t")
    );
    for (b, ns) in &binnings {
        for &d in &depths {
            for &l in &leaves {
                for &p in &prunings {
                    for cw in &classes {
                        let params = Id3Params::weighted()
                            .criterion(Criterion::WeightedEntropy(WeightedEntropy {
                                attributes: AttributeWeights::InverseValues,
                                classes: cw.clone(),
                            }))
                            .max_depth(d)
                            .min_rows_leaf(l)
                            .min_rows_split(2.0 * l)
                            .numeric_splits(*ns)
                            .pruning(p)
                            .laplace(true);
                        let learner = TreeLearner::new(params, b.clone());
                        let mut cells = Vec::new();
                        let (mut sa, mut sc) = (0.0, 0.0);
                        for (_, t) in &data {
                            let cv = cross_validate(&learner, t, 5, 42)?;
                            let auc = cv.summary_of(Metric::RocAuc).map_or(f64::NAN, |m| m.mean);
                            let acc = cv.summary_of(Metric::Accuracy).map_or(f64::NAN, |m| m.mean);
                            sa += auc;
                            sc += acc;
                            cells.push(format!("{auc:.4}\t{acc:.4}"));
                        }
                        let n = data.len() as f64;
                        println!(
                            "{b:?} {ns:?}\t{d:?}\t{l}\t{p:?}\t{cw:?}\t{}\t{:.4}\t{:.4}",
                            cells.join("\t"),
                            sa / n,
                            sc / n
                        );
                    }
                }
            }
        }
    }
    Ok(())
}
