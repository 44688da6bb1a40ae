//! Scratch: CV (training rows only) of survival-tree variants.
use churnkit::data::{CsvOptions, read_csv};
use churnkit::survival::*;
fn main() {
    let d = format!("{}/datasets/", env!("CARGO_MANIFEST_DIR"));
    let sets = [
        (
            "telco-train.csv",
            CsvOptions::new("Churn").id_column("customerID"),
            "Tenure",
        ),
        (
            "orange-telecom-churn-train.csv",
            CsvOptions::new("Churn"),
            "Account length",
        ),
        (
            "isp-train.csv",
            CsvOptions::new("churn").id_column("id"),
            "subscription_age",
        ),
    ];
    for (f, o, dur) in sets {
        let train = read_csv(format!("{d}{f}"), &o).unwrap();
        for sel in [SplitSelection::AdjustedPValue] {
            let t = std::time::Instant::now();
            let m = SurvivalLearner::new(dur)
                .params(SurvivalTreeParams::new().selection(sel))
                .fit(&train, &train.all_rows())
                .unwrap();
            let r = m.tuning.as_ref().unwrap();
            println!(
                "{f} {sel:?}: CV C best {:.4} chosen {:.4} ({:?} leaf {} depth {:?}, {:.0} leaves) {:.1}s",
                r.best.c_index,
                r.chosen.c_index,
                r.chosen.setting.binning,
                r.chosen.setting.min_leaf_fraction,
                r.chosen.setting.max_depth,
                r.chosen.leaves,
                t.elapsed().as_secs_f64()
            );
        }
    }
}
