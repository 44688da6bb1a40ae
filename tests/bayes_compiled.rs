//! The class query compiled per missing pattern (networks that are not forests given
//! the class, e.g. hill climbing's) equals exact variable elimination, `bayes::query`,
//! to 1e-12: on a network learned by hill climbing from real data (Telco), on test rows
//! as they are and with attributes withdrawn at random (seeded), in batch prediction,
//! one-row posteriors and the explanations' withdrawal weights.

use churnkit::bayes::{BayesClassifier, HillClimb, query};
use churnkit::data::{Codes, CsvOptions, Encoded, Table, read_csv};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng;

fn telco(part: &str) -> Table {
    read_csv(
        format!("{}/datasets/telco-{part}.csv", env!("CARGO_MANIFEST_DIR")),
        &CsvOptions::new("Churn").id_column("customerID"),
    )
    .unwrap()
}

/// A network learned by hill climbing on Telco's training rows, in which the class has
/// parents (so neither the forest pass nor local withdrawal applies).
fn hill_climb() -> BayesClassifier {
    let train = telco("train");
    let c = HillClimb::new()
        .fit_table(&train, &train.all_rows())
        .unwrap();
    assert!(!c.has_forest_inference());
    assert!(!c.net().parents(c.class_node()).is_empty());
    c
}

/// `enc` with each code withdrawn (set to its missing code) with probability `rate`,
/// every attribute withdrawn in every 50th row.
fn withdraw(enc: &Encoded, rate: f64, seed: u64) -> Encoded {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let schema = enc.schema();
    let columns = (0..enc.n_features())
        .map(|j| {
            let missing = schema.features[j].missing_code();
            let v: Vec<u16> = (0..enc.n_rows())
                .map(|r| {
                    if r % 50 == 0 || rng.random_bool(rate) {
                        missing
                    } else {
                        enc.code(r, j)
                    }
                })
                .collect();
            Codes::from_u16(v, schema.features[j].cardinality())
        })
        .collect();
    Encoded::new(
        schema.clone(),
        columns,
        enc.labels().to_vec(),
        enc.weights().map(<[f64]>::to_vec),
    )
    .unwrap()
}

/// `P(class | observed attributes of row)` by variable elimination, optionally without
/// attribute `skip`.
fn exact(c: &BayesClassifier, enc: &Encoded, row: usize, skip: Option<usize>) -> Vec<f64> {
    let schema = enc.schema();
    let ev: Vec<(usize, usize)> = (0..enc.n_features())
        .filter(|&j| Some(j) != skip)
        .map(|j| (j, enc.code(row, j) as usize))
        .filter(|&(j, code)| code < schema.features[j].n_levels())
        .collect();
    query(c.net(), &[c.class_node()], &ev).unwrap().values
}

fn close(a: &[f64], b: &[f64], what: &str) {
    assert_eq!(a.len(), b.len(), "{what}");
    for (x, y) in a.iter().zip(b) {
        assert!((x - y).abs() < 1e-12, "{what}: {a:?} vs {b:?}");
    }
}

#[test]
fn hill_climb_posteriors_equal_variable_elimination() {
    let c = hill_climb();
    let test = telco("test");
    let complete = c.discretizer().encode(&test).unwrap();
    let k = c.net().cardinality(c.class_node());
    for (rate, seed) in [(0.0, 1), (0.1, 2), (0.4, 3)] {
        let enc = if rate == 0.0 {
            complete.clone()
        } else {
            withdraw(&complete, rate, seed)
        };
        let mut out = vec![0.0; enc.n_rows() * k];
        c.predict_encoded(&enc, &mut out).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut with_missing = 0;
        for row in 0..enc.n_rows() {
            let want = exact(&c, &enc, row, None);
            close(&out[row * k..(row + 1) * k], &want, &format!("row {row}"));
            with_missing += usize::from(
                (0..enc.n_features())
                    .any(|j| enc.code(row, j) == enc.schema().features[j].missing_code()),
            );
            // One-row posteriors, with and without a random attribute.
            if row % 7 == 0 {
                close(&c.posterior(&enc, row, None).unwrap(), &want, "posterior");
                let j = rng.random_range(0..enc.n_features());
                close(
                    &c.posterior(&enc, row, Some(j)).unwrap(),
                    &exact(&c, &enc, row, Some(j)),
                    &format!("row {row} without {j}"),
                );
            }
        }
        if rate > 0.0 {
            assert!(with_missing > enc.n_rows() / 2, "{with_missing}");
        }
    }
}

/// Each explanation weight is `LO(e) − LO(e \ {X})` (log-odds of churned vs retained),
/// here checked against variable elimination.
#[test]
fn hill_climb_explanations_equal_variable_elimination() {
    let c = hill_climb();
    let test = telco("test");
    let enc = withdraw(&c.discretizer().encode(&test).unwrap(), 0.1, 9);
    let schema = enc.schema();
    let churn = schema.churn_class();
    let lo = |p: &[f64]| p[churn].ln() - p[0].ln();
    let mut checked = 0;
    for row in (0..enc.n_rows()).step_by(10) {
        let full = lo(&exact(&c, &enc, row, None));
        for r in &c.explain_encoded(&enc, row).unwrap().reasons {
            let j = schema
                .features
                .iter()
                .position(|f| f.name == r.feature)
                .unwrap();
            let want = full - lo(&exact(&c, &enc, row, Some(j)));
            assert!(
                (r.weight - want).abs() < 1e-10,
                "row {row} {}: {} vs {want}",
                r.feature,
                r.weight
            );
            checked += 1;
        }
    }
    assert!(checked > 100, "{checked}");
}
