//! The optimised grower builds exactly the trees the first (straightforward) grower
//! built: same splits, same slots, same counts, bit for bit.
//!
//! The fingerprints below are FNV-1a hashes of the bincode bytes of trees fitted by the
//! grower as it was at commit 27e3a7f (before the speed work: per-feature counting,
//! column-major compact copies), on `synth::generate` data. They cover every variant
//! the bench fits, sample weights (the `f64` counting paths), reduced-error pruning, and
//! a table large enough (120k rows) that nodes above the grower's local-copy size are
//! split in the shared row buffer.
//!
//! Each tree is pinned twice: by its bincode bytes (the model format must not change)
//! and by its [`DecisionTree::canonical_dump`] (the nodes themselves: features,
//! children, counts), which does not depend on serde.

use churnkit::data::{Binning, Discretizer, Encoded};
use churnkit::synth::{SynthParams, generate};
use churnkit::tree::{
    ClassWeights, Criterion, DecisionTree, Id3, Id3Params, MissingPolicy, Pruning, WeightedEntropy,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn synthetic(n: usize, seed: u64, weighted: bool) -> Encoded {
    let table = generate(&SynthParams {
        rows: n,
        seed,
        ..SynthParams::default()
    })
    .expect("synthetic table");
    let rows = table.all_rows();
    let d = Discretizer::fit(&table, &rows, &Binning::EqualFrequency { bins: 16 })
        .expect("discretizer");
    let enc = d.encode(&table).expect("encodes");
    if !weighted {
        return enc;
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let w = (0..n).map(|_| rng.random_range(0.25..2.0)).collect();
    Encoded::new(
        enc.schema().clone(),
        enc.columns().to_vec(),
        enc.labels().to_vec(),
        Some(w),
    )
    .expect("weighted table")
}

/// FNV-1a (64-bit) of the tree's bincode bytes.
fn fingerprint(t: &DecisionTree) -> u64 {
    fnv1a(&bincode::serialize(t).expect("serializes"))
}

/// FNV-1a (64-bit) of the tree's canonical dump.
fn dump_fingerprint(t: &DecisionTree) -> u64 {
    fnv1a(t.canonical_dump().as_bytes())
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

fn variants() -> Vec<(&'static str, Id3Params)> {
    let d = Some(12);
    vec![
        ("id3", Id3::params().max_depth(d)),
        (
            "id3-weighted",
            Id3::params()
                .criterion(Criterion::WeightedEntropy(WeightedEntropy::default()))
                .max_depth(d),
        ),
        (
            "gain-ratio",
            Id3::params().criterion(Criterion::GainRatio).max_depth(d),
        ),
        ("id3-weighted-defaults", Id3::weighted().max_depth(d)),
        ("c45-defaults", Id3::c45().max_depth(d)),
        (
            "balanced-reduced-error",
            Id3::params()
                .criterion(Criterion::WeightedEntropy(WeightedEntropy {
                    classes: ClassWeights::Balanced,
                    ..WeightedEntropy::default()
                }))
                .min_rows_leaf(3.0)
                .pruning(Pruning::ReducedError { fraction: 0.2 })
                .seed(7),
        ),
        (
            "fractional-unlimited",
            Id3::params()
                .missing(MissingPolicy::Fractional)
                .min_rows_split(4.0),
        ),
    ]
}

fn check(enc: &Encoded, expected: &[(&str, u64, u64)]) {
    let mut got = Vec::new();
    for (name, p) in variants() {
        let t = p.fit(enc).expect("fits");
        got.push((name, fingerprint(&t), dump_fingerprint(&t)));
    }
    let show: Vec<String> = got
        .iter()
        .map(|(n, f, d)| format!("(\"{n}\", 0x{f:016x}, 0x{d:016x}),"))
        .collect();
    assert_eq!(got, expected, "\n{}", show.join("\n"));
}

#[test]
fn same_trees_on_120k_unweighted_rows() {
    check(
        &synthetic(120_000, 11, false),
        &[
            ("id3", 0xc6e77c57312a8f42, 0x2f8d3e278b3c7dbd),
            ("id3-weighted", 0x9f500af130173757, 0x803a694fee52664a),
            ("gain-ratio", 0xa4dbd9308e1fbefe, 0xabe0aaf2446ba9a8),
            (
                "id3-weighted-defaults",
                0x14c27197e28fb180,
                0x8bed9cb85c5074c7,
            ),
            ("c45-defaults", 0x7cd914b690c5493f, 0xa571506f05bdfb5b),
            (
                "balanced-reduced-error",
                0xfb5216ff0a0532e5,
                0xa52727f979000bf7,
            ),
            (
                "fractional-unlimited",
                0xff9b428b35f8b21e,
                0xb43112cf50a57dd5,
            ),
        ],
    );
}

#[test]
fn same_trees_on_30k_weighted_rows() {
    check(
        &synthetic(30_000, 12, true),
        &[
            ("id3", 0x6c2bd1f7c00a7287, 0xe5ef0b6de45c0a99),
            ("id3-weighted", 0x36bd4c592e3d8b9b, 0xa802be64d422f614),
            ("gain-ratio", 0x0ab31cd6402c003e, 0xed8da52f6447060d),
            (
                "id3-weighted-defaults",
                0x38e9793d74cad952,
                0x9716d9e79d595270,
            ),
            ("c45-defaults", 0x4cef2820d5357015, 0xf89ff5606dd4c227),
            (
                "balanced-reduced-error",
                0x1ee1cb8e45882a80,
                0x6947c6ae1f1575a8,
            ),
            (
                "fractional-unlimited",
                0x7916bcedc125b1f4,
                0xaa15d77164716a99,
            ),
        ],
    );
}
