//! The bundled `datasets/synthetic-churn.csv` is exactly what `synth` writes for 5,000
//! rows with seed 42 (the command in `datasets/README.md` regenerates it bit for bit),
//! and reading it with the CSV reader gives the very table `synth::generate` builds.

use churnkit::data::{CsvOptions, read_csv};
use churnkit::synth::{SynthParams, generate, write_csv};

const BUNDLED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/synthetic-churn.csv");

fn bundled_params() -> SynthParams {
    SynthParams {
        rows: 5000,
        seed: 42,
        drift: 0.0,
        missing_rate: 0.02,
    }
}

#[test]
fn bundled_csv_is_regenerated_byte_for_byte() {
    let committed = std::fs::read(BUNDLED).expect("datasets/synthetic-churn.csv is committed");
    let mut regenerated = Vec::new();
    write_csv(&bundled_params(), &mut regenerated).unwrap();
    assert_eq!(regenerated.len(), committed.len(), "file size differs");
    if let Some(pos) = regenerated.iter().zip(&committed).position(|(a, b)| a != b) {
        let line = committed[..pos].iter().filter(|&&b| b == b'\n').count() + 1;
        panic!(
            "first difference at byte {pos} (line {line}); regenerate with the command in datasets/README.md"
        );
    }
    assert_eq!(SynthParams::default(), bundled_params());
}

#[test]
fn bundled_csv_class_balance_is_as_documented() {
    // datasets/README.md states these counts.
    let table = generate(&bundled_params()).unwrap();
    assert_eq!(
        table.class_counts(&table.all_rows()),
        vec![3055.0, 1247.0, 698.0]
    );
    assert_eq!(table.ids().unwrap()[4999], "C0005000");
}

#[test]
fn reading_the_bundled_csv_gives_the_generated_table() {
    let read = read_csv(BUNDLED, &CsvOptions::new("status").id_column("customer_id")).unwrap();
    let made = generate(&bundled_params()).unwrap();
    assert_eq!(**read.schema(), **made.schema());
    assert_eq!(read.labels(), made.labels());
    assert_eq!(read.ids(), made.ids());
    assert_eq!(read.n_rows(), 5000);
    for j in 0..made.n_features() {
        assert_eq!(read.column(j).n_missing(), made.column(j).n_missing());
        for r in 0..made.n_rows() {
            // Cells compare as the user would read them (missing == missing).
            assert_eq!(read.cell(r, j), made.cell(r, j), "row {r}, feature {j}");
        }
    }
}
