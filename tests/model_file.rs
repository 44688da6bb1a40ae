//! The model file: round trips, determinism, and every kind of bad file.

#[path = "common/schemas.rs"]
mod schemas;

use bincode::Options;
use churnkit::Error;
use churnkit::data::{Column, CsvOptions, MISSING_LEVEL, MissingTokens, Table, read_csv};
use churnkit::eval::ZeroR;
use churnkit::model::format::{DEFAULT_MAX_BYTES, HEADER_LEN, LoadOptions};
use churnkit::model::{FORMAT_VERSION, Model, ModelBody};
use churnkit::policy::{CalibrationMethod, ThresholdRule};
use churnkit::survival::{SurvivalLearner, SurvivalTune};
use churnkit::train::{ModelBuilder, TierSpec};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn table(n: usize, seed: u64) -> Table {
    let schema = schemas::contract_tenure();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut contract = Vec::new();
    let mut tenure = Vec::new();
    let mut labels = Vec::new();
    for _ in 0..n {
        let c: u32 = rng.random_range(0..3);
        contract.push(if rng.random_bool(0.05) {
            MISSING_LEVEL
        } else {
            c
        });
        let t: f64 = rng.random_range(0.0..72.0);
        tenure.push(t.round());
        let p = if c == 0 { 0.45 } else { 0.1 };
        labels.push(u8::from(rng.random_bool(p)));
    }
    let ids = (0..n).map(|i| format!("C{i:04}")).collect();
    Table::new(
        schema,
        vec![Column::Categorical(contract), Column::Numeric(tenure)],
        labels,
        None,
        Some(ids),
    )
    .unwrap()
}

fn model(seed: u64) -> Model {
    let t = table(400, seed);
    let train: Vec<usize> = (0..300).collect();
    let val: Vec<usize> = (300..400).collect();
    let body = ZeroR.fit_table(&t, &train).unwrap();
    ModelBuilder::new(body, &t, &train)
        .validation(&t, &val)
        .params(serde_json::json!({"note": "baseline"}))
        .calibrate(CalibrationMethod::Isotonic)
        .tiers(TierSpec::Choose(ThresholdRule::default()))
        .build()
        .unwrap()
}

/// An ID3 tree model and a CART model on the same kind of table.
fn tree_models(seed: u64) -> Vec<Model> {
    let t = table(400, seed);
    let train: Vec<usize> = (0..300).collect();
    let val: Vec<usize> = (300..400).collect();
    let id3 = churnkit::tree::TreeLearner::id3()
        .fit_tree(&t, &train)
        .unwrap();
    assert!(id3.tree.n_nodes() > 1);
    let cart = churnkit::tree::Cart::default()
        .fit_cart(&t, &train)
        .unwrap();
    let nb = nb_tree(&t, &train);
    [
        ModelBody::from(id3),
        ModelBody::from(cart),
        ModelBody::from(nb),
    ]
    .into_iter()
    .map(|b| {
        ModelBuilder::new(b, &t, &train)
            .validation(&t, &val)
            .tiers(TierSpec::Choose(ThresholdRule::default()))
            .build()
            .unwrap()
    })
    .collect()
}

/// A weighted-entropy tree with naive-Bayes leaves (α = 0.25).
fn nb_tree(t: &Table, rows: &[usize]) -> churnkit::tree::TreeClassifier {
    let nb = churnkit::tree::TreeLearner::id3_weighted()
        .tune(churnkit::tree::Tune::Off)
        .leaf(churnkit::tree::LeafModel::NaiveBayes { alpha: 0.25 })
        .fit_tree(t, rows)
        .unwrap();
    assert!(nb.leaves.is_some());
    nb
}

/// Every kind of body: ZeroR, ID3, CART, a tree with naive-Bayes leaves.
fn all_models(seed: u64) -> Vec<Model> {
    let mut v = vec![model(seed)];
    v.extend(tree_models(seed));
    v
}

fn model_message(e: Error) -> String {
    match e {
        Error::Model { message, .. } => message,
        other => panic!("expected a model error, got {other:?}"),
    }
}

#[test]
fn binary_and_json_round_trips_are_bit_identical() {
    let m = model(1);
    let bytes = m.to_bytes().unwrap();
    assert_eq!(&bytes[..8], b"CHURNKIT");
    assert_eq!(
        u32::from_le_bytes(bytes[8..12].try_into().unwrap()),
        FORMAT_VERSION
    );
    let back = Model::from_bytes(&bytes).unwrap();
    assert_eq!(back.to_bytes().unwrap(), bytes);
    let json = m.to_json_string().unwrap();
    assert!(
        json.contains(&format!("\"format_version\": {FORMAT_VERSION}")),
        "{json}"
    );
    assert!(
        json.contains("\"note\": \"baseline\""),
        "params stay nested JSON"
    );
    let from_json = Model::from_json_str(&json).unwrap();
    assert_eq!(from_json.to_bytes().unwrap(), bytes);
    assert_eq!(back.summary(), m.summary());
    assert_eq!(back.summary().rows, 300);
    assert!(back.summary().fingerprint.starts_with("fnv1a64w:"));
    assert!(back.summary().thresholds.is_some());
    assert!(back.summary().calibration.is_some());
}

#[test]
fn same_data_gives_same_bytes_and_other_data_another_fingerprint() {
    assert_eq!(model(7).to_bytes().unwrap(), model(7).to_bytes().unwrap());
    assert_ne!(
        model(7).summary().fingerprint,
        model(8).summary().fingerprint
    );
}

#[test]
fn save_and_load_by_path_binary_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let m = model(2);
    let bin = dir.path().join("m.churnkit");
    let json = dir.path().join("m.json");
    m.save(&bin).unwrap();
    m.save_json(&json).unwrap();
    let bytes = m.to_bytes().unwrap();
    assert_eq!(std::fs::read(&bin).unwrap(), bytes);
    assert_eq!(Model::load(&bin).unwrap().to_bytes().unwrap(), bytes);
    assert_eq!(Model::load(&json).unwrap().to_bytes().unwrap(), bytes);
    // Reader/writer forms.
    let mut buf = Vec::new();
    m.write_to(&mut buf).unwrap();
    assert_eq!(buf, bytes);
    let r = Model::read_from(&buf[..], LoadOptions::default()).unwrap();
    assert_eq!(r.to_bytes().unwrap(), bytes);
    let mut jbuf = Vec::new();
    m.write_json_to(&mut jbuf).unwrap();
    let j = Model::read_json(&jbuf[..], LoadOptions::default()).unwrap();
    assert_eq!(j.to_bytes().unwrap(), bytes);
    // Overwrite keeps a valid file; no temporary files are left behind.
    model(3).save(&bin).unwrap();
    assert_eq!(
        Model::load(&bin).unwrap().to_bytes().unwrap(),
        model(3).to_bytes().unwrap()
    );
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn failed_save_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    // The target is a non-empty directory: the rename fails, the directory and its
    // content survive, no temporary file is left.
    let target = dir.path().join("taken");
    std::fs::create_dir(&target).unwrap();
    std::fs::write(target.join("keep.txt"), "x").unwrap();
    assert!(matches!(model(1).save(&target), Err(Error::Io { .. })));
    assert_eq!(std::fs::read(target.join("keep.txt")).unwrap(), b"x");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    // A directory that does not exist.
    let missing = dir.path().join("nope").join("m.churnkit");
    assert!(matches!(model(1).save(&missing), Err(Error::Io { .. })));
    assert!(Model::load(dir.path().join("absent")).is_err());
}

#[test]
fn wrong_magic() {
    let mut b = model(1).to_bytes().unwrap();
    b[0] = b'X';
    assert!(model_message(Model::from_bytes(&b).unwrap_err()).contains("magic"));
    assert!(model_message(Model::from_bytes(b"PK\x03\x04").unwrap_err()).contains("magic"));
    let e = Model::from_bytes(b"hello, world, this is not a model at all").unwrap_err();
    assert!(model_message(e).contains("magic"));
}

#[test]
fn missing_tokens_round_trip_in_binary_and_json() {
    let t = table(100, 4);
    let rows = t.all_rows();
    let dash = MissingTokens::new(["-", "None"]);
    let m = ModelBuilder::new(ZeroR.fit_table(&t, &rows).unwrap(), &t, &rows)
        .missing_tokens(dash.clone())
        .build()
        .unwrap();
    assert_eq!(m.missing_tokens(), &dash);
    // Default: the data layer's defaults.
    assert_eq!(model(1).missing_tokens(), &MissingTokens::default());
    let bytes = m.to_bytes().unwrap();
    let back = Model::from_bytes(&bytes).unwrap();
    assert_eq!(back.missing_tokens(), &dash);
    let json = m.to_json_string().unwrap();
    assert!(
        json.contains("\"missing_tokens\": [\n      \"-\",\n      \"none\""),
        "{json}"
    );
    let from_json = Model::from_json_str(&json).unwrap();
    assert_eq!(from_json.missing_tokens(), &dash);
    assert_eq!(from_json.to_bytes().unwrap(), bytes);
}

fn framed(version: u32, body: &[u8]) -> Vec<u8> {
    let mut out = b"CHURNKIT".to_vec();
    out.extend_from_slice(&version.to_le_bytes());
    out.extend_from_slice(&(body.len() as u64).to_le_bytes());
    out.extend_from_slice(body);
    let crc = churnkit::model::crc32(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// Version-2 and version-1 files (a version-3 body without the trailing warning
/// settings, then without the missing tokens) still load, with the defaults; so does
/// a version-1 JSON document (no `missing_tokens`). Built from a real version-3 file
/// (`tests/fixtures/format3`).
#[test]
fn version_1_and_2_files_load_with_defaults() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/format3");
    let v3 = std::fs::read(format!("{dir}/zero-r-plain.ckm")).unwrap();
    let m = Model::from_bytes(&v3).unwrap();
    assert_eq!(m.missing_tokens(), &MissingTokens::default());
    let body = &v3[HEADER_LEN..v3.len() - 4];
    // Version 3 appended the warning settings: two absent options, one 0 byte each.
    assert!(body.ends_with(&[0, 0]));
    let body = &body[..body.len() - 2];
    // Without them the body is a version-2 body and loads as such.
    let older = Model::from_bytes(&framed(2, body)).unwrap();
    assert_eq!(older.missing_tokens(), m.missing_tokens());
    assert_eq!(older.warning(), &Default::default());
    assert_eq!(older.to_bytes().unwrap(), m.to_bytes().unwrap());
    // Version 2 appended the tokens: u64 count, then each as u64 length + bytes.
    let tokens = MissingTokens::default();
    let mut tail = (tokens.tokens().count() as u64).to_le_bytes().to_vec();
    for t in tokens.tokens() {
        tail.extend_from_slice(&(t.len() as u64).to_le_bytes());
        tail.extend_from_slice(t.as_bytes());
    }
    assert!(body.ends_with(&tail));
    let body = &body[..body.len() - tail.len()];
    let mut v1 = framed(1, body);
    let old = Model::from_bytes(&v1).unwrap();
    assert_eq!(old.missing_tokens(), &MissingTokens::default());
    assert_eq!(old.summary(), m.summary());
    // The same body announced as version 2 is short of its tokens: an error.
    v1[8..12].copy_from_slice(&2u32.to_le_bytes());
    let n = v1.len();
    let crc = churnkit::model::crc32(&v1[..n - 4]);
    v1[n - 4..].copy_from_slice(&crc.to_le_bytes());
    assert!(model_message(Model::from_bytes(&v1).unwrap_err()).contains("corrupt model body"));
    // A version-3 body announced as version 4 lacks the new fields: an error.
    let v3_as_4 = framed(4, &v3[HEADER_LEN..v3.len() - 4]);
    assert!(model_message(Model::from_bytes(&v3_as_4).unwrap_err()).contains("corrupt model body"));
    // JSON version 1: no missing_tokens field.
    let text = std::fs::read_to_string(format!("{dir}/tan.json")).unwrap();
    let mut doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    doc["format_version"] = 1.into();
    doc["model"]
        .as_object_mut()
        .unwrap()
        .remove("missing_tokens")
        .unwrap();
    doc["model"]
        .as_object_mut()
        .unwrap()
        .remove("warning")
        .unwrap();
    let old = Model::from_json_str(&doc.to_string()).unwrap();
    assert_eq!(old.missing_tokens(), &MissingTokens::default());
}

/// Format 4 appended the read spec, then the optional survival model: a model with
/// neither ends its body with two 0 bytes (absent read spec, absent survival model)
/// after the warning settings.
#[test]
fn format_4_ends_with_an_absent_read_spec() {
    let t = table(100, 4);
    let rows = t.all_rows();
    let m = ModelBuilder::new(ZeroR.fit_table(&t, &rows).unwrap(), &t, &rows)
        .build()
        .unwrap();
    assert!(m.read_spec().is_none() && m.survival().is_none());
    let v4 = m.to_bytes().unwrap();
    assert!(v4[HEADER_LEN..v4.len() - 4].ends_with(&[0, 0, 0, 0]));
}

fn synthetic() -> Table {
    read_csv(
        concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/synthetic-churn.csv"),
        &CsvOptions::new("status").id_column("customer_id"),
    )
    .unwrap()
}

/// The survival model is the last field of a format-4 body: `1` then the model
/// (bincode, fixed-width integers), where a model without one has a single `0`.
#[test]
fn format_4_ends_with_the_survival_model() {
    let t = synthetic();
    let rows: Vec<usize> = (0..600).collect();
    let features = t.without_feature("tenure_months").unwrap();
    let plain = ModelBuilder::new(ZeroR.fit_table(&features, &rows).unwrap(), &features, &rows)
        .build()
        .unwrap();
    let surv = SurvivalLearner::new("tenure_months")
        .tune(SurvivalTune::Off)
        .fit(&t, &rows)
        .unwrap();
    let with = plain.clone().with_survival(surv.clone()).unwrap();
    let a = plain.to_bytes().unwrap();
    let b = with.to_bytes().unwrap();
    let body_a = &a[HEADER_LEN..a.len() - 4];
    let body_b = &b[HEADER_LEN..b.len() - 4];
    let encoded = bincode::DefaultOptions::new()
        .with_fixint_encoding()
        .with_little_endian()
        .serialize(&surv)
        .unwrap();
    assert_eq!(body_a.last(), Some(&0));
    let mut expected = body_a[..body_a.len() - 1].to_vec();
    expected.push(1);
    expected.extend_from_slice(&encoded);
    assert_eq!(body_b, expected.as_slice());
    // Both formats round-trip it.
    let back = Model::from_bytes(&b).unwrap();
    assert_eq!(back.survival(), Some(&surv));
    assert_eq!(back.to_bytes().unwrap(), b);
    let json = with.to_json_string().unwrap();
    let back = Model::from_json_str(&json).unwrap();
    assert_eq!(back.survival(), Some(&surv));
    // A JSON document without the field loads with none.
    let mut doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    doc["model"].as_object_mut().unwrap().remove("survival");
    assert!(
        Model::from_json_str(&doc.to_string())
            .unwrap()
            .survival()
            .is_none()
    );
}

/// A survival tree whose hazards are shrunk toward its parents' (the default tuning
/// may choose `m > 0`) has the same layout as a grown one: both formats round-trip
/// it and its curves pass validation.
#[test]
fn a_shrunk_survival_tree_round_trips() {
    let t = synthetic();
    let rows: Vec<usize> = (0..600).collect();
    let features = t.without_feature("tenure_months").unwrap();
    let plain = ModelBuilder::new(ZeroR.fit_table(&features, &rows).unwrap(), &features, &rows)
        .build()
        .unwrap();
    let learner = SurvivalLearner::new("tenure_months").tune(SurvivalTune::Off);
    let grown = learner.fit(&t, &rows).unwrap();
    let surv = learner
        .clone()
        .params(learner.params.clone().shrinkage(20.0))
        .fit(&t, &rows)
        .unwrap();
    assert_ne!(surv.tree, grown.tree, "the curves are shrunk");
    assert_eq!(surv.tree.n_nodes(), grown.tree.n_nodes());
    let with = plain.with_survival(surv.clone()).unwrap();
    let b = with.to_bytes().unwrap();
    assert_eq!(Model::from_bytes(&b).unwrap().survival(), Some(&surv));
    let json = with.to_json_string().unwrap();
    assert_eq!(Model::from_json_str(&json).unwrap().survival(), Some(&surv));
}

/// Loading checks the survival model: its duration column must not be one of the
/// classifier's features, and its own tree and discretizer must agree.
#[test]
fn a_bad_survival_model_is_refused() {
    let t = synthetic();
    let rows: Vec<usize> = (0..600).collect();
    let surv = SurvivalLearner::new("tenure_months")
        .tune(SurvivalTune::Off)
        .fit(&t, &rows)
        .unwrap();
    // The classifier keeps the duration column as a feature: refused.
    let m = ModelBuilder::new(ZeroR.fit_table(&t, &rows).unwrap(), &t, &rows)
        .build()
        .unwrap();
    let msg = model_message(m.with_survival(surv.clone()).unwrap_err());
    assert!(
        msg.contains("'tenure_months'") && msg.contains("also a feature"),
        "{msg}"
    );
    // A survival model whose duration is one of its own features: refused on load.
    let features = t.without_feature("tenure_months").unwrap();
    let plain = ModelBuilder::new(ZeroR.fit_table(&features, &rows).unwrap(), &features, &rows)
        .build()
        .unwrap();
    let mut json: serde_json::Value =
        serde_json::from_str(&plain.with_survival(surv).unwrap().to_json_string().unwrap())
            .unwrap();
    json["model"]["survival"]["duration"] = "monthly_charge".into();
    let msg = model_message(Model::from_json_str(&json.to_string()).unwrap_err());
    assert!(msg.contains("duration column is also a feature"), "{msg}");
}

#[test]
fn newer_format_version_names_both_versions() {
    let mut b = model(1).to_bytes().unwrap();
    b[8..12].copy_from_slice(&7u32.to_le_bytes());
    let msg = model_message(Model::from_bytes(&b).unwrap_err());
    assert!(msg.contains("version 7"), "{msg}");
    assert!(msg.contains(&format!("version {FORMAT_VERSION}")), "{msg}");
    let json = model(1).to_json_string().unwrap().replace(
        &format!("\"format_version\": {FORMAT_VERSION}"),
        "\"format_version\": 9",
    );
    let msg = model_message(Model::from_json_str(&json).unwrap_err());
    assert!(
        msg.contains("version 9") && msg.contains(&format!("version {FORMAT_VERSION}")),
        "{msg}"
    );
}

#[test]
fn bad_checksum() {
    let mut b = model(1).to_bytes().unwrap();
    let n = b.len();
    b[n - 1] ^= 0x40;
    assert!(model_message(Model::from_bytes(&b).unwrap_err()).contains("checksum"));
    let mut b = model(1).to_bytes().unwrap();
    b[HEADER_LEN + 3] ^= 1;
    assert!(model_message(Model::from_bytes(&b).unwrap_err()).contains("checksum"));
}

#[test]
fn every_truncation_is_an_error() {
    for m in all_models(1) {
        let b = m.to_bytes().unwrap();
        for len in 0..b.len() {
            let e = Model::from_bytes(&b[..len]).unwrap_err();
            assert!(matches!(e, Error::Model { .. }), "{len}: {e:?}");
            let e = Model::read_from(&b[..len], LoadOptions::default()).unwrap_err();
            assert!(matches!(e, Error::Model { .. }), "{len}: {e:?}");
        }
        let mut longer = b.clone();
        longer.push(0);
        assert!(Model::from_bytes(&longer).is_err());
        // Every truncation of the JSON text, too.
        let json = m.to_json_string().unwrap();
        for len in (0..json.len())
            .filter(|&l| json.is_char_boundary(l))
            .step_by(7)
        {
            assert!(Model::from_json_str(&json[..len]).is_err(), "{len}");
        }
    }
}

/// `Model::load` streams a binary file's body instead of reading it whole: it checks
/// the same things as `from_bytes`, with the same messages — a bad checksum (in the
/// body or the trailer), every truncation, an extra byte, a body with bytes left after
/// the model under a valid checksum — and loads the same model.
#[test]
fn a_file_loaded_by_path_is_checked_as_its_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.ckm");
    let load = |bytes: &[u8]| {
        std::fs::write(&path, bytes).unwrap();
        Model::load(&path)
    };
    for m in all_models(4) {
        let b = m.to_bytes().unwrap();
        assert_eq!(load(&b).unwrap().to_bytes().unwrap(), b);
        let n = b.len();
        for at in [HEADER_LEN + 3, n / 2, n - 1] {
            let mut c = b.clone();
            c[at] ^= 0x40;
            let msg = model_message(load(&c).unwrap_err());
            assert!(msg.contains("checksum mismatch"), "{at}: {msg}");
        }
        for len in (0..n).step_by(97).chain([n - 1]) {
            let from_path = model_message(load(&b[..len]).unwrap_err());
            let from_bytes = model_message(Model::from_bytes(&b[..len]).unwrap_err());
            assert_eq!(from_path, from_bytes, "{len}");
        }
        let mut longer = b.clone();
        longer.push(0);
        assert!(model_message(load(&longer).unwrap_err()).contains("unexpected bytes"));
        // One byte more in the body, the length and checksum made to match.
        let mut body = b[HEADER_LEN..n - 4].to_vec();
        body.push(7);
        let msg = model_message(load(&framed(FORMAT_VERSION, &body)).unwrap_err());
        assert!(msg.contains("1 bytes remain after the model"), "{msg}");
    }
}

#[test]
fn length_field_claiming_gigabytes() {
    let b = model(1).to_bytes().unwrap();
    for claim in [1u64 << 32, 1 << 40, u64::MAX, DEFAULT_MAX_BYTES + 1] {
        let mut c = b.clone();
        c[12..20].copy_from_slice(&claim.to_le_bytes());
        let msg = model_message(Model::from_bytes(&c).unwrap_err());
        assert!(msg.contains("exceeds the limit"), "{msg}");
        let msg = model_message(Model::read_from(&c[..], LoadOptions::default()).unwrap_err());
        assert!(msg.contains("exceeds the limit"), "{msg}");
    }
    // Under the limit but more than is there: truncated, and the reader allocates only
    // what it actually reads.
    let mut c = b.clone();
    c[12..20].copy_from_slice(&(100u64 << 20).to_le_bytes());
    let msg = model_message(Model::read_from(&c[..], LoadOptions::default()).unwrap_err());
    assert!(msg.contains("truncated"), "{msg}");
    // A tighter limit refuses a real model.
    let tight = LoadOptions { max_bytes: 16 };
    assert!(Model::read_from(&b[..], tight).is_err());
}

#[test]
fn seeded_random_bit_flips_never_load_or_panic() {
    for m in all_models(1) {
        let b = m.to_bytes().unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(42);
        // Single-bit flips: CRC-32 detects every one, wherever it lands.
        for _ in 0..3000 {
            let mut c = b.clone();
            let bit = rng.random_range(0..c.len() * 8);
            c[bit / 8] ^= 1 << (bit % 8);
            assert!(Model::from_bytes(&c).is_err(), "bit {bit}");
        }
        // Many flips at once: an error (almost surely) and never a panic.
        let mut loaded = 0;
        for _ in 0..2000 {
            let mut c = b.clone();
            for _ in 0..rng.random_range(2..16) {
                let bit = rng.random_range(0..c.len() * 8);
                c[bit / 8] ^= 1 << (bit % 8);
            }
            if Model::from_bytes(&c).is_ok() {
                loaded += 1;
            }
        }
        assert_eq!(loaded, 0);
    }
}

/// Scores a customer with every feature set to `value` (lenient policy): must not panic.
fn exercise(m: &Model, value: &str) {
    let customer: std::collections::HashMap<String, String> = m
        .schema()
        .features
        .iter()
        .map(|f| (f.name.clone(), value.to_string()))
        .collect();
    let _ = churnkit::score::Scorer::new(m)
        .input_policy(churnkit::policy::InputPolicy::lenient())
        .score_map(&customer);
}

#[test]
fn corrupt_body_with_a_valid_checksum_is_a_clean_error() {
    // Rewrite the body and fix the CRC: decoding itself must fail safely, and a model
    // that still loads must score without panicking.
    use churnkit::model::crc32;
    for m in all_models(1) {
        let b = m.to_bytes().unwrap();
        let body_len = b.len() - HEADER_LEN - 4;
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        for _ in 0..3000 {
            let mut c = b.clone();
            for _ in 0..rng.random_range(1..6) {
                let i = HEADER_LEN + rng.random_range(0..body_len);
                c[i] = rng.random();
            }
            let end = c.len() - 4;
            let crc = crc32(&c[..end]);
            c[end..].copy_from_slice(&crc.to_le_bytes());
            if let Ok(m) = Model::from_bytes(&c) {
                for v in ["", "1", "month", "70", "-3"] {
                    exercise(&m, v);
                }
            }
        }
    }
}

#[test]
fn bad_json() {
    for text in [
        "",
        "{",
        "[]",
        "{\"format\": \"churnkit-model\"}",
        "{\"format\": \"something-else\", \"format_version\": 1, \"model\": {}}",
        "{\"format\": \"churnkit-model\", \"format_version\": 1, \"model\": {}}",
        "{\"format\": \"churnkit-model\", \"format_version\": 1, \"model\": 12}",
    ] {
        let e = Model::from_json_str(text).unwrap_err();
        assert!(matches!(e, Error::Model { .. }), "{text}: {e:?}");
    }
    // A valid document whose model is inconsistent (classes edited).
    let json = model(1)
        .to_json_string()
        .unwrap()
        .replacen("\"churned\"", "\"gone\"", 1);
    assert!(Model::from_json_str(&json).is_err());
    let big = LoadOptions { max_bytes: 10 };
    let json = model(1).to_json_string().unwrap();
    assert!(Model::read_json(json.as_bytes(), big).is_err());
}

/// Writes the fuzz corpus seeds (a real model file and its bare body, which the fuzz
/// target wraps in a valid header). Run by hand:
/// `cargo test --test model_file -- --ignored write_fuzz_corpus`.
#[test]
#[ignore]
fn write_fuzz_corpus() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fuzz/corpus/load_model");
    std::fs::create_dir_all(dir).unwrap();
    let b = model(1).to_bytes().unwrap();
    std::fs::write(format!("{dir}/zeror-file.bin"), &b).unwrap();
    std::fs::write(format!("{dir}/zeror-body.bin"), &b[HEADER_LEN..b.len() - 4]).unwrap();
    let t = table(200, 5);
    let rows = t.all_rows();
    let nb = churnkit::bayes::NaiveBayes::new()
        .fit_table(&t, &rows)
        .unwrap();
    let b = ModelBuilder::new(nb, &t, &rows)
        .build()
        .unwrap()
        .to_bytes()
        .unwrap();
    std::fs::write(format!("{dir}/nb-body.bin"), &b[HEADER_LEN..b.len() - 4]).unwrap();
    let trees = tree_models(1);
    for (m, name) in trees.iter().zip(["id3-body.bin", "cart-body.bin"]) {
        let b = m.to_bytes().unwrap();
        std::fs::write(format!("{dir}/{name}"), &b[HEADER_LEN..b.len() - 4]).unwrap();
    }
}

/// Format 4 stores how the training file was read; both formats keep it, and
/// `read_options` reads a later file with it.
#[test]
fn the_read_spec_round_trips_and_reads_a_later_file() {
    use churnkit::data::{CsvOptions, ReadSpec, read_csv_from};
    let csv = "who;plan;status\na;x;gone\nb;y;here\nc;x;here\nd;y;gone\n";
    let opts = CsvOptions::new("status")
        .positive_label("gone")
        .id_column("who");
    let (t, report) = read_csv_from(csv.as_bytes(), "train.csv", &opts).unwrap();
    let spec = ReadSpec::new(&opts, &report);
    let rows = t.all_rows();
    let m = ModelBuilder::new(ZeroR.fit_table(&t, &rows).unwrap(), &t, &rows)
        .read_spec(spec.clone())
        .build()
        .unwrap();
    assert_eq!(m.read_spec(), Some(&spec));
    let back = Model::from_bytes(&m.to_bytes().unwrap()).unwrap();
    assert_eq!(back.read_spec(), Some(&spec));
    let back = Model::from_json_str(&m.to_json_string().unwrap()).unwrap();
    assert_eq!(back.read_spec(), Some(&spec));
    // A later file: same delimiter and labels, nothing repeated; only churners.
    let later = "who;plan;status\ne;y;gone\n";
    let (t2, _) = read_csv_from(later.as_bytes(), "later.csv", &back.read_options()).unwrap();
    assert_eq!(t2.labels(), &[1]);
    assert_eq!(t2.ids().unwrap(), &["e".to_string()]);
    // A label the training file never had is a bad label, not a new class.
    let odd = "who;plan;status\nf;y;maybe\n";
    let e = read_csv_from(odd.as_bytes(), "odd.csv", &back.read_options()).unwrap_err();
    assert!(e.to_string().contains("maybe"), "{e}");
}

/// A format-4 file (`tests/fixtures/format4`, written before trees had a leaf model)
/// loads with constant leaves and scores as the churnkit that wrote it did, binary and
/// JSON; saved again it is format 5, one byte longer (the absent leaf model).
#[test]
fn format_4_files_load_and_score_as_before() {
    use churnkit::score::{BatchOptions, Scorer, score_csv_file};
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    let data = format!("{dir}/format3/customers.csv");
    let old = std::fs::read(format!("{dir}/format4/id3-weighted.ckm")).unwrap();
    assert_eq!(&old[8..12], &4u32.to_le_bytes());
    let m = Model::from_bytes(&old).unwrap();
    let json = std::fs::read_to_string(format!("{dir}/format4/id3-weighted.json")).unwrap();
    assert!(json.contains("\"format_version\": 4"));
    let j = Model::from_json_str(&json).unwrap();
    for m in [&m, &j] {
        let ModelBody::Tree(t) = m.body() else {
            panic!("a tree")
        };
        assert!(t.leaves.is_none());
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("s.csv");
        let opts = BatchOptions {
            precision: Some(4),
            ..BatchOptions::default()
        };
        score_csv_file(&Scorer::new(m), &data, &out, &opts).unwrap();
        let mut rdr = csv::Reader::from_path(&out).unwrap();
        let col = rdr
            .headers()
            .unwrap()
            .iter()
            .position(|h| h == "p_churned")
            .unwrap();
        let now: Vec<String> = rdr.records().map(|r| r.unwrap()[col].to_string()).collect();
        let then =
            std::fs::read_to_string(format!("{dir}/format4/scores-id3-weighted.txt")).unwrap();
        assert_eq!(now, then.lines().collect::<Vec<_>>());
    }
    let new = m.to_bytes().unwrap();
    assert_eq!(&new[8..12], &FORMAT_VERSION.to_le_bytes());
    assert_eq!(new.len(), old.len() + 1);
    assert_eq!(Model::from_bytes(&new).unwrap().to_bytes().unwrap(), new);
    // A format-4 header on a format-5 body of a tree with naive-Bayes leaves: the
    // leaf model is read as what follows the tree, so the body does not decode.
    let t = table(300, 2);
    let rows = t.all_rows();
    let nb = ModelBuilder::new(ModelBody::from(nb_tree(&t, &rows)), &t, &rows)
        .build()
        .unwrap()
        .to_bytes()
        .unwrap();
    let body = &nb[HEADER_LEN..nb.len() - 4];
    let msg = model_message(Model::from_bytes(&framed(4, body)).unwrap_err());
    assert!(
        msg.contains("corrupt model body") || msg.contains("invalid model"),
        "{msg}"
    );
}

/// Naive-Bayes leaves that do not fit the tree — a temper outside [0, 1], a table of
/// the wrong length, a log-probability above 0 or not finite — are refused on load
/// with an error naming the leaf model.
#[test]
fn a_bad_naive_bayes_leaf_model_is_refused() {
    let t = table(300, 3);
    let rows = t.all_rows();
    let m = ModelBuilder::new(ModelBody::from(nb_tree(&t, &rows)), &t, &rows)
        .build()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_str(&m.to_json_string().unwrap()).unwrap();
    let leaves = |d: &mut serde_json::Value| -> serde_json::Value {
        let body = d["model"]["body"].as_object_mut().unwrap();
        let (_, tree) = body.iter_mut().next().unwrap();
        tree["leaves"].take()
    };
    let set = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut d = doc.clone();
        let mut l = leaves(&mut d);
        f(&mut l);
        let body = d["model"]["body"].as_object_mut().unwrap();
        let (_, tree) = body.iter_mut().next().unwrap();
        tree["leaves"] = l;
        Model::from_json_str(&d.to_string())
    };
    // Unchanged: loads.
    set(&|_| {}).unwrap();
    type Edit<'a> = &'a dyn Fn(&mut serde_json::Value);
    let cases: [(Edit<'_>, &str); 5] = [
        (&|l| l["alpha"] = 1.5.into(), "alpha 1.5"),
        (&|l| l["alpha"] = (-0.25).into(), "alpha -0.25"),
        (
            &|l| {
                l["log_theta"].as_array_mut().unwrap().pop();
            },
            "log-conditionals",
        ),
        (
            &|l| l["log_theta"][0] = 0.5.into(),
            "not a finite log-probability",
        ),
        (
            &|l| l["log_theta"] = serde_json::json!("many"),
            "corrupt JSON model",
        ),
    ];
    for (f, want) in cases {
        let msg = model_message(set(f).unwrap_err());
        assert!(msg.contains(want), "{want}: {msg}");
    }
}

/// Files written by churnkit in format 3 (one per algorithm, `tests/fixtures/format3`)
/// load with the current reader — whose format-4 layout stores levels once — and
/// score exactly as the churnkit that wrote them did; saved again they are format 4,
/// smaller, and load to the same model.
#[test]
fn format_3_files_load_and_score_as_before() {
    use churnkit::score::{BatchOptions, Scorer, score_csv_file};
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/format3");
    let data = format!("{dir}/customers.csv");
    let tmp = tempfile::tempdir().unwrap();
    let algos = [
        "zero-r",
        "id3",
        "id3-weighted",
        "c45",
        "cart",
        "naive-bayes",
        "tan",
        "bn-hill-climb",
        "id3-weighted-forest",
    ];
    for algo in algos {
        let old = std::fs::read(format!("{dir}/{algo}.ckm")).unwrap();
        assert_eq!(&old[8..12], &3u32.to_le_bytes(), "{algo}: a format-3 file");
        let m = Model::from_bytes(&old).unwrap_or_else(|e| panic!("{algo}: {e}"));
        assert!(m.read_spec().is_none());
        let out = tmp.path().join(format!("{algo}.csv"));
        let opts = BatchOptions {
            precision: Some(4),
            ..BatchOptions::default()
        };
        score_csv_file(&Scorer::new(&m), &data, &out, &opts).unwrap();
        let mut rdr = csv::Reader::from_path(&out).unwrap();
        let col = rdr
            .headers()
            .unwrap()
            .iter()
            .position(|h| h == "p_churned")
            .unwrap();
        let now: Vec<String> = rdr.records().map(|r| r.unwrap()[col].to_string()).collect();
        let then = std::fs::read_to_string(format!("{dir}/scores-{algo}.txt")).unwrap();
        let then: Vec<&str> = then.lines().collect();
        assert_eq!(now, then, "{algo}: probabilities differ from format 3's");
        // Saved again: format 4, no larger, and the same model when read back.
        let new = m.to_bytes().unwrap();
        assert_eq!(&new[8..12], &FORMAT_VERSION.to_le_bytes());
        // (10 bytes more at most: the empty levels_in_body, the absent read spec and
        // the absent survival model.)
        assert!(
            new.len() <= old.len() + 10,
            "{algo}: {} > {}",
            new.len(),
            old.len()
        );
        let again = Model::from_bytes(&new).unwrap();
        assert_eq!(again.to_bytes().unwrap(), new, "{algo}");
        assert_eq!(again.schema(), m.schema(), "{algo}");
        assert_eq!(again.to_json_string().unwrap(), m.to_json_string().unwrap());
    }
    for algo in ["tan", "id3-weighted"] {
        let text = std::fs::read_to_string(format!("{dir}/{algo}.json")).unwrap();
        assert!(text.contains("\"format_version\": 3"), "{algo}");
        let m = Model::from_json_str(&text).unwrap_or_else(|e| panic!("{algo}.json: {e}"));
        let b = Model::from_bytes(&std::fs::read(format!("{dir}/{algo}.ckm")).unwrap()).unwrap();
        assert_eq!(m.schema(), b.schema(), "{algo}");
        let back = Model::from_json_str(&m.to_json_string().unwrap()).unwrap();
        assert_eq!(back.to_bytes().unwrap(), m.to_bytes().unwrap(), "{algo}");
    }
}

/// Format 4 stores each categorical level once: a model over a feature with 300 long
/// levels holds each level's text once in the file (format 3: four times).
#[test]
fn levels_are_stored_once() {
    let n = 900;
    let levels: Vec<String> = (0..300)
        .map(|i| format!("LEVEL-{i:04}-{}", "x".repeat(40)))
        .collect();
    let mut csv = String::from("id,big,x,churn\n");
    for i in 0..n {
        csv.push_str(&format!(
            "{i},{},{},{}\n",
            levels[(i * 7) % 300],
            i % 13,
            if i % 3 == 0 { "Yes" } else { "No" }
        ));
    }
    let opts = churnkit::data::CsvOptions::new("churn").id_column("id");
    let (t, _) = churnkit::data::read_csv_from(csv.as_bytes(), "big.csv", &opts).unwrap();
    let rows = t.all_rows();
    for algo in [
        churnkit::registry::Algorithm::Id3Weighted,
        churnkit::registry::Algorithm::Tan,
    ] {
        let fitted = churnkit::registry::fit(algo, &Default::default(), &t, &rows).unwrap();
        let m = ModelBuilder::new(fitted.body, &t, &rows).build().unwrap();
        for bytes in [
            m.to_bytes().unwrap(),
            m.to_json_string().unwrap().into_bytes(),
        ] {
            let text = String::from_utf8_lossy(&bytes);
            assert_eq!(text.matches("LEVEL-0123-").count(), 1, "{algo}");
        }
        let back = Model::from_bytes(&m.to_bytes().unwrap()).unwrap();
        assert_eq!(back.schema(), m.schema());
        assert_eq!(
            back.predict_proba(&t, &rows).unwrap(),
            m.predict_proba(&t, &rows).unwrap()
        );
    }
}

/// A crafted format-4 body whose `levels_in_body` points past the schema, or at a
/// feature whose levels are also stored, is an error, not a panic.
#[test]
fn crafted_levels_in_body_are_refused() {
    let t = table(60, 9);
    let rows = t.all_rows();
    let fitted = churnkit::registry::fit(
        churnkit::registry::Algorithm::Id3,
        &Default::default(),
        &t,
        &rows,
    )
    .unwrap();
    let m = ModelBuilder::new(fitted.body, &t, &rows).build().unwrap();
    let mut doc: serde_json::Value = serde_json::from_str(&m.to_json_string().unwrap()).unwrap();
    doc["model"]["levels_in_body"] = serde_json::json!([99]);
    let e = Model::from_json_str(&doc.to_string()).unwrap_err();
    assert!(model_message(e).contains("levels_in_body names feature 99"));
    let mut doc: serde_json::Value = serde_json::from_str(&m.to_json_string().unwrap()).unwrap();
    doc["model"]["levels_in_body"] = serde_json::json!([0, 0]);
    let e = Model::from_json_str(&doc.to_string()).unwrap_err();
    let msg = model_message(e);
    assert!(msg.contains("levels"), "{msg}");
}

/// Format-5 files with a survival model (`tests/fixtures/format5`, written before
/// survival models had hazard leaves) load without them and score the survival
/// columns as the churnkit that wrote them did, binary and JSON; saved again they are
/// format 6, one byte longer (the absent leaf model). A format-6 model with hazard
/// leaves round-trips them, and a format-5 header on its body does not decode.
#[test]
fn format_5_survival_files_load_and_score_as_before() {
    use churnkit::score::{BatchOptions, Scorer, score_csv_file};
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    let data = format!("{dir}/format3/customers.csv");
    let old = std::fs::read(format!("{dir}/format5/survival.ckm")).unwrap();
    assert_eq!(&old[8..12], &5u32.to_le_bytes());
    let m = Model::from_bytes(&old).unwrap();
    let json = std::fs::read_to_string(format!("{dir}/format5/survival.json")).unwrap();
    assert!(json.contains("\"format_version\": 5"));
    let j = Model::from_json_str(&json).unwrap();
    let then = std::fs::read_to_string(format!("{dir}/format5/scores-survival.txt")).unwrap();
    for m in [&m, &j] {
        assert!(m.survival().unwrap().leaves.is_none());
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("s.csv");
        let opts = BatchOptions {
            precision: Some(4),
            ..BatchOptions::default()
        };
        let scorer = Scorer::new(m).within(&[3.0, 6.0]).unwrap();
        score_csv_file(&scorer, &data, &out, &opts).unwrap();
        let mut rdr = csv::Reader::from_path(&out).unwrap();
        let h = rdr.headers().unwrap().clone();
        let cols: Vec<usize> = [
            "p_churn_within_3",
            "p_churn_within_6",
            "median_remaining",
            "rmst",
        ]
        .iter()
        .map(|c| h.iter().position(|x| x == *c).unwrap())
        .collect();
        let now: Vec<String> = rdr
            .records()
            .map(|r| {
                let r = r.unwrap();
                cols.iter()
                    .map(|&c| r[c].to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .collect();
        assert_eq!(now, then.lines().collect::<Vec<_>>());
    }
    let new = m.to_bytes().unwrap();
    assert_eq!(&new[8..12], &FORMAT_VERSION.to_le_bytes());
    assert_eq!(new.len(), old.len() + 1);
    assert_eq!(Model::from_bytes(&new).unwrap().to_bytes().unwrap(), new);
    // A survival model with hazard leaves: stored, read back; under a format-5
    // header the leaves are read as what follows, so the body does not decode.
    let t = synthetic();
    let rows: Vec<usize> = (0..600).collect();
    let features = t.without_feature("tenure_months").unwrap();
    let plain = ModelBuilder::new(ZeroR.fit_table(&features, &rows).unwrap(), &features, &rows)
        .build()
        .unwrap();
    let mut grid = SurvivalTune::Fast.grid().unwrap();
    grid.hazard_alphas = vec![0.1];
    let mut surv = SurvivalLearner::new("tenure_months")
        .grid(grid)
        .fit(&t, &rows)
        .unwrap();
    surv.tuning = None;
    assert_eq!(surv.leaves.as_ref().unwrap().alpha, 0.1);
    let with = plain.with_survival(surv.clone()).unwrap();
    let b = with.to_bytes().unwrap();
    assert_eq!(Model::from_bytes(&b).unwrap().survival(), Some(&surv));
    let back = Model::from_json_str(&with.to_json_string().unwrap()).unwrap();
    assert_eq!(back.survival(), Some(&surv));
    let body = &b[HEADER_LEN..b.len() - 4];
    let msg = model_message(Model::from_bytes(&framed(5, body)).unwrap_err());
    assert!(
        msg.contains("corrupt model body") || msg.contains("invalid model"),
        "{msg}"
    );
}
