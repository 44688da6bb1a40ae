//! The learner registry: every algorithm name parses back, fits through the one
//! generic two-phase path (`registry::fit`), gives the same model bytes as its
//! learner's own builder fitted through the two-phase contract
//! (`learner::fit_two_phase`), and the same bytes as the per-algorithm fit the
//! registry replaced (golden fingerprints computed with the old `learners::fit_timed`
//! on the commit before the registry).

use churnkit::bayes::{HillClimb, NaiveBayes, Tan};
use churnkit::data::{CsvOptions, Table, read_csv, stratified_holdout};
use churnkit::eval::ZeroR;
use churnkit::learner::{EncodedLearner, fit_two_phase};
use churnkit::model::ModelBody;
use churnkit::model::{crc32, fnv1a64};
use churnkit::registry::{self, AlgoOptions, Algorithm};
use churnkit::train::ModelBuilder;
use churnkit::tree::{Cart, Forest, TreeLearner};

const SYNTHETIC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/synthetic-churn.csv");

/// FNV-1a 64 of the model bytes (`ModelBuilder::new(body).params(opts)` on the
/// training part of a 30 % stratified holdout, seed 42), per algorithm and options,
/// as the old per-algorithm `fit_timed` gave them. CART is left out: linfa-trees is
/// not bit-deterministic.
///
/// Re-recorded in format 4 (levels stored once, a new body layout): at that commit
/// each model of the previous goldens was written by the format-3 churnkit (commit
/// bceedf2), read by the new reader's format-3 path and saved again, and gave exactly
/// the bytes below — the models themselves did not change. Since the survival model
/// was appended to format 4 (one more `0` byte in a body without one) they are
/// compared on [`without_survival`] of the bytes, not re-recorded. Since the training
/// fingerprint became word-wise, the bytes are compared with the byte-wise fingerprint
/// the goldens hold put back ([`with_byte_wise_fingerprint`]): the models themselves
/// did not change.
const GOLDEN: &[(&str, &str, u64)] = &[
    ("id3", "default", 0x79d51df39b69a79c),
    ("id3", "flagged", 0xdd7e1bb1889bc295),
    // The id3-weighted default is self-tuned (Tune::Fast) since the tune branch: a
    // new default, new bytes. Its flagged options turn tuning off: bytes unchanged.
    // Since format 5 it also chooses naive-Bayes leaves by CV (LeafModel::Tuned): a
    // new default, its bytes in GOLDEN_5.
    ("id3-weighted", "default", 0x9ad939e2c5f86a20),
    ("id3-weighted", "flagged", 0x3e584973f7095708),
    ("c45", "default", 0x829b5c60c97123b8),
    ("c45", "flagged", 0x8bb50b0f4481a2f4),
    ("naive-bayes", "default", 0xfa3252ca340b73af),
    ("naive-bayes", "flagged", 0x457fb948062b1f47),
    ("tan", "default", 0x5f77a5e3c286784a),
    ("tan", "flagged", 0x8d1be785e7ebad3c),
    ("bn-hill-climb", "default", 0xdb955589827fdc11),
    ("bn-hill-climb", "flagged", 0xd2eca626e2f2c8c2),
    ("zero-r", "default", 0x457fc96589414ee7),
    ("zero-r", "flagged", 0x457fc96589414ee7),
    // The forest's default tunes its features per node and leaf size by out-of-bag
    // AUC since the tune2 work: new default bytes; its flagged options (explicit
    // features per node and leaf size) turn the tuning off: bytes unchanged.
    ("id3-weighted-forest", "default", 0x6d544840f0d4b7e2),
    ("id3-weighted-forest", "flagged", 0xccc53389fd026b4b),
    // The born-again tree (distill work): its first bytes.
    ("id3-weighted-distilled", "default", 0xb467ae0642285dbf),
    ("id3-weighted-distilled", "flagged", 0xa8f116fb4ddb0f14),
];

/// Models whose bytes changed in format 5 (not only its layout): the id3-weighted
/// default with the naive-Bayes leaves its tuning chose. Compared on
/// [`without_survival`] and the byte-wise fingerprint, as the others, in format 5.
const GOLDEN_5: &[(&str, &str, u64)] = &[("id3-weighted", "default", 0x2aeedafa90d1860c)];

/// The format-5 file `bytes` as format 4 wrote it: version 4 in the header and, for a
/// tree classifier with constant leaves (`tree`: its format-5 bytes, ending with the
/// absent leaf model's `0`), that byte dropped; the length and checksum recomputed.
/// Nothing else changed from format 4 to 5, so the format-4 goldens still prove the
/// models did not change.
fn as_format_4(bytes: &[u8], tree: Option<&[u8]>) -> Vec<u8> {
    const HEADER: usize = 20;
    let mut body = bytes[HEADER..bytes.len() - 4].to_vec();
    if let Some(tree) = tree {
        assert_eq!(tree.last(), Some(&0), "constant leaves: a trailing 0 byte");
        let at = body
            .windows(tree.len())
            .position(|w| w == tree)
            .expect("the model holds its tree");
        body.remove(at + tree.len() - 1);
    }
    let mut out = bytes[..8].to_vec();
    out.extend_from_slice(&4u32.to_le_bytes());
    out.extend_from_slice(&(body.len() as u64).to_le_bytes());
    out.extend_from_slice(&body);
    let crc = crc32(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// The file `bytes` as format 4 wrote it before the survival model was appended to
/// its body: the goldens were recorded then. A model without a survival model ends
/// its body with the option's `0` byte (asserted); dropping it, shortening the body
/// length and recomputing the checksum gives the earlier file exactly, so the goldens
/// stand unchanged and prove the models did not change.
/// The format-6 file `bytes` of a model without a survival model as format 5 wrote
/// it: version 5 in the header, the checksum recomputed (format 6 changed only a
/// survival model's layout, so the format-5 goldens still prove the models did not
/// change).
fn as_format_5(bytes: &[u8]) -> Vec<u8> {
    let mut out = bytes[..bytes.len() - 4].to_vec();
    out[8..12].copy_from_slice(&5u32.to_le_bytes());
    let crc = crc32(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

fn without_survival(bytes: &[u8]) -> Vec<u8> {
    const HEADER: usize = 20;
    let body = &bytes[HEADER..bytes.len() - 4];
    assert_eq!(
        body.last(),
        Some(&0),
        "no survival model: a trailing 0 byte"
    );
    let body = &body[..body.len() - 1];
    let mut out = bytes[..12].to_vec();
    out.extend_from_slice(&(body.len() as u64).to_le_bytes());
    out.extend_from_slice(body);
    let crc = crc32(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// The training-data fingerprint as churnkit wrote it when the goldens were recorded
/// (before the word-wise [`churnkit::model::Fingerprinter`]): byte-wise FNV-1a 64 over
/// the row and feature counts (u64 LE), then per feature its name (length as u64 LE,
/// then UTF-8) and its cells in row order (numeric: f64 bits, NaN canonical;
/// categorical: the level's text, length-prefixed, or `u64::MAX` for missing), then
/// each label as one byte (the synthetic table has no weights).
fn byte_wise_fingerprint(t: &Table, rows: &[usize]) -> String {
    use churnkit::data::{Column, MISSING_LEVEL};
    let mut s: Vec<u8> = Vec::new();
    let str = |s: &mut Vec<u8>, x: &str| {
        s.extend_from_slice(&(x.len() as u64).to_le_bytes());
        s.extend_from_slice(x.as_bytes());
    };
    s.extend_from_slice(&(rows.len() as u64).to_le_bytes());
    s.extend_from_slice(&(t.schema().features.len() as u64).to_le_bytes());
    for (j, f) in t.schema().features.iter().enumerate() {
        str(&mut s, &f.name);
        match t.column(j) {
            Column::Numeric(v) => {
                for &r in rows {
                    let x = if v[r].is_nan() { f64::NAN } else { v[r] };
                    s.extend_from_slice(&x.to_bits().to_le_bytes());
                }
            }
            Column::Categorical(v) => {
                for &r in rows {
                    match f.levels().get(v[r] as usize) {
                        Some(l) if v[r] != MISSING_LEVEL => str(&mut s, l),
                        _ => s.extend_from_slice(&u64::MAX.to_le_bytes()),
                    }
                }
            }
        }
    }
    s.extend(rows.iter().map(|&r| t.labels()[r]));
    assert!(t.weights().is_none());
    format!("fnv1a64:{:016x}", fnv1a64(&s))
}

/// `bytes` (a model file without a survival model, see [`without_survival`]) with the
/// word-wise fingerprint of `rows` of `t` put back to the byte-wise one the goldens
/// were recorded with: only that string (a u64 LE length, then its bytes) changes, and
/// the header's body length and the CRC are recomputed.
fn with_byte_wise_fingerprint(bytes: &[u8], t: &Table, rows: &[usize]) -> Vec<u8> {
    const HEADER: usize = 20;
    let encode = |fp: &str| {
        let mut v = (fp.len() as u64).to_le_bytes().to_vec();
        v.extend_from_slice(fp.as_bytes());
        v
    };
    let new = encode(&churnkit::model::fingerprint(t, rows));
    let old = encode(&byte_wise_fingerprint(t, rows));
    let body = &bytes[HEADER..bytes.len() - 4];
    let at = body
        .windows(new.len())
        .position(|w| w == new)
        .expect("the model holds its training fingerprint");
    assert_eq!(body.windows(new.len()).filter(|w| *w == new).count(), 1);
    let mut replaced = body[..at].to_vec();
    replaced.extend_from_slice(&old);
    replaced.extend_from_slice(&body[at + new.len()..]);
    let mut out = bytes[..12].to_vec();
    out.extend_from_slice(&(replaced.len() as u64).to_le_bytes());
    out.extend_from_slice(&replaced);
    let crc = crc32(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

fn synthetic() -> Table {
    read_csv(
        SYNTHETIC,
        &CsvOptions::new("status").id_column("customer_id"),
    )
    .unwrap()
}

/// Options that set flags each algorithm accepts (growth, pruning, binning, prior,
/// search).
fn flagged(a: Algorithm) -> AlgoOptions {
    let mut o = AlgoOptions::default();
    match a {
        Algorithm::Id3
        | Algorithm::Id3Weighted
        | Algorithm::C45
        | Algorithm::Id3WeightedDistilled => {
            o.max_depth = Some(3);
            o.prune = Some("reduced-error".parse().unwrap());
            o.seed = Some(7);
            o.bins = Some(6);
        }
        Algorithm::Cart => o.max_depth = Some(3),
        Algorithm::NaiveBayes | Algorithm::Tan => {
            o.alpha = Some(0.5);
            o.binning = Some("mdl".parse().unwrap());
        }
        Algorithm::BnHillClimb => {
            o.max_parents = Some(1);
            o.score = Some("bdeu".parse().unwrap());
            o.seed = Some(3);
        }
        Algorithm::ZeroR => {}
        Algorithm::Id3WeightedForest => {
            o.trees = Some(8);
            o.max_features = Some(3);
            o.min_leaf = Some(5.0);
            o.seed = Some(7);
            o.bins = Some(6);
        }
    }
    o
}

fn model_bytes(
    body: impl Into<ModelBody>,
    t: &Table,
    rows: &[usize],
    algo: Algorithm,
    opts: &AlgoOptions,
) -> Vec<u8> {
    ModelBuilder::new(body, t, rows)
        .params(opts.to_json(algo))
        .build()
        .unwrap()
        .to_bytes()
        .unwrap()
}

/// The learner's own builder, fitted through the two-phase contract under the
/// algorithm's name, as model bytes.
fn own<L>(l: L, algo: Algorithm, t: &Table, rows: &[usize], opts: &AlgoOptions) -> Vec<u8>
where
    L: EncodedLearner,
    L::Fitted: Into<ModelBody>,
{
    let timed = fit_two_phase(&l, algo.name().to_string(), t, rows).unwrap();
    model_bytes(timed.fitted, t, rows, algo, opts)
}

#[test]
fn every_name_parses_back() {
    assert_eq!(Algorithm::names().len(), Algorithm::ALL.len());
    for (name, &algo) in Algorithm::names().into_iter().zip(Algorithm::ALL) {
        let back: Algorithm = name.parse().unwrap();
        assert_eq!(back, algo);
        assert_eq!(back.name(), name);
        assert_eq!(back.to_string(), name);
        assert!(!back.describe().is_empty());
    }
}

#[test]
fn registry_fit_equals_the_learners_own_builder_and_the_old_bytes() {
    let t = synthetic();
    let train = stratified_holdout(t.labels(), 0.3, 42).unwrap().train;
    let mut checked = 0;
    for &algo in Algorithm::ALL {
        for (kind, opts) in [
            ("default", AlgoOptions::default()),
            ("flagged", flagged(algo)),
        ] {
            let fitted = registry::fit(algo, &opts, &t, &train).unwrap();
            assert_eq!(fitted.classifier().name(), algo.name(), "{algo} {kind}");
            assert!(fitted.encode_seconds >= 0.0 && fitted.fit_seconds >= 0.0);
            if algo == Algorithm::ZeroR {
                assert_eq!(fitted.encode_seconds, 0.0, "zero-r has no phase 1");
            }
            use bincode::Options;
            let (tree, leaves) = match &fitted.body {
                ModelBody::Tree(c) => (
                    Some(
                        bincode::DefaultOptions::new()
                            .with_fixint_encoding()
                            .serialize(c)
                            .unwrap(),
                    ),
                    c.leaves.is_some(),
                ),
                _ => (None, false),
            };
            let bytes = model_bytes(fitted.body, &t, &train, algo, &opts);
            if algo == Algorithm::Cart {
                continue; // not bit-deterministic (linfa-trees)
            }
            let (goldens, file) = if leaves {
                (GOLDEN_5, as_format_5(&bytes))
            } else {
                (GOLDEN, as_format_4(&bytes, tree.as_deref()))
            };
            let golden = goldens
                .iter()
                .find(|(n, k, _)| *n == algo.name() && *k == kind)
                .unwrap_or_else(|| panic!("no golden bytes for {algo} {kind}"))
                .2;
            let got = fnv1a64(&with_byte_wise_fingerprint(
                &without_survival(&file),
                &t,
                &train,
            ));
            assert_eq!(
                got, golden,
                "{algo} {kind}: model bytes changed (got {got:#018x})"
            );
            checked += 1;
            if kind == "default" {
                let reference = match algo {
                    Algorithm::Id3 => own(TreeLearner::id3(), algo, &t, &train, &opts),
                    Algorithm::Id3Weighted => {
                        own(TreeLearner::id3_weighted(), algo, &t, &train, &opts)
                    }
                    Algorithm::C45 => own(TreeLearner::c45(), algo, &t, &train, &opts),
                    Algorithm::NaiveBayes => own(NaiveBayes::new(), algo, &t, &train, &opts),
                    Algorithm::Tan => own(Tan::new(), algo, &t, &train, &opts),
                    Algorithm::BnHillClimb => own(HillClimb::new(), algo, &t, &train, &opts),
                    Algorithm::ZeroR => own(ZeroR, algo, &t, &train, &opts),
                    Algorithm::Id3WeightedForest => own(Forest::default(), algo, &t, &train, &opts),
                    Algorithm::Id3WeightedDistilled => own(
                        TreeLearner::id3_weighted_distilled(),
                        algo,
                        &t,
                        &train,
                        &opts,
                    ),
                    Algorithm::Cart => unreachable!(),
                };
                assert_eq!(bytes, reference, "{algo}: registry vs own builder");
            }
        }
    }
    assert_eq!(checked, GOLDEN.len());
    assert!(
        GOLDEN_5
            .iter()
            .all(|g| GOLDEN.iter().any(|o| o.0 == g.0 && o.1 == g.1))
    );
}

#[test]
fn cart_fits_through_the_registry_and_its_own_builder() {
    let t = synthetic();
    let rows = t.all_rows();
    let fitted = registry::fit(Algorithm::Cart, &AlgoOptions::default(), &t, &rows).unwrap();
    assert_eq!(fitted.classifier().name(), "cart");
    let own = Cart::default().fit_timed(&t, &rows).unwrap();
    assert_eq!(EncodedLearner::name(&Cart::default()), "cart-gini");
    assert_eq!(own.fitted.name, "cart-gini");
    // the same binning, so the same discretizer
    match fitted.body {
        ModelBody::Cart(c) => assert_eq!(c.discretizer, own.fitted.discretizer),
        other => panic!("expected a CART body, got {other:?}"),
    }
}

#[test]
fn empty_rows_and_wrong_flags_are_errors() {
    let t = synthetic();
    for &algo in Algorithm::ALL {
        let e = registry::fit(algo, &AlgoOptions::default(), &t, &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("no training rows"), "{algo}: {e}");
    }
    let opts = AlgoOptions {
        alpha: Some(1.0),
        ..AlgoOptions::default()
    };
    assert!(registry::fit(Algorithm::Id3, &opts, &t, &t.all_rows()).is_err());
}
