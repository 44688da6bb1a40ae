//! A deterministic stand-in for the cargo-fuzz targets (`fuzz/`, which need nightly
//! and cargo-fuzz): a few thousand seeded mutations (bit flips, truncations, insertions
//! of quotes, CR, NUL, delimiters, huge numbers, invalid UTF-8, repeated or deleted
//! ranges) of real inputs — the head of every `datasets/*.csv`, `tests/fixtures/
//! asia.bif` and a BIF written by the library — fed through the very entry points the
//! fuzz targets call (`fuzz/entries.rs`). No input may panic; every failure must be an
//! error saying where (the entries check it).

use std::panic::{AssertUnwindSafe, catch_unwind};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use churnkit::model::ModelBody;
use churnkit::registry::{AlgoOptions, Algorithm};
use churnkit::synth::{self, SynthParams};
use churnkit::train::{Pipeline, Validation};

#[path = "../fuzz/entries.rs"]
mod entries;

/// Mutants per kind of input.
const MUTANTS: usize = 1500;
/// Lines kept of each dataset (the header and some rows): small inputs, many mutants.
const HEAD_LINES: usize = 25;

const CSV_TOKENS: &[&[u8]] = &[
    b"\"",
    b"\"\"",
    b"\r",
    b"\n",
    b"\r\n",
    b"\0",
    b",",
    b";",
    b"\t",
    b"1e309",
    b"-1e309",
    b"NaN",
    b"inf",
    b"99999999999999999999999999999",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"\xc3",
    b"NA",
    b"?",
    b"Yes",
    b"churned",
    b"customer_id",
    b"status",
];

const BIF_TOKENS: &[&[u8]] = &[
    b"{",
    b"}",
    b";",
    b"(",
    b")",
    b"|",
    b",",
    b"//",
    b"/*",
    b"*/",
    b"\"",
    b"\0",
    b"\r",
    b"table",
    b"default",
    b"probability ( x ) { table 0.5, 0.5; }",
    b"variable x { type discrete [ 2 ] { a, b }; }",
    b"type discrete [ 99999999999 ] { a };",
    b"property p;",
    b"1e309",
    b"-0.5",
    b"NaN",
    b"4294967296",
    b"99999999999999999999999999999",
    b"\xc3",
];

fn dataset_heads() -> Vec<(String, Vec<u8>)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".csv"))
        .collect();
    names.sort();
    assert!(names.len() >= 5, "{names:?}");
    names
        .into_iter()
        .map(|n| {
            let text = std::fs::read(format!("{dir}/{n}")).unwrap();
            let mut lines = 0;
            let end = text
                .iter()
                .position(|&b| {
                    lines += usize::from(b == b'\n');
                    lines == HEAD_LINES
                })
                .map_or(text.len(), |i| i + 1);
            (n, text[..end].to_vec())
        })
        .collect()
}

/// `tests/fixtures/asia.bif` and the BIF the library writes for a TAN network.
fn bif_seeds() -> Vec<(String, Vec<u8>)> {
    let asia = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/asia.bif"
    ))
    .unwrap();
    let table = synth::generate(&SynthParams {
        rows: 400,
        seed: 3,
        ..SynthParams::default()
    })
    .unwrap();
    let model = Pipeline::new(Algorithm::Tan, AlgoOptions::default())
        .validation(Validation::None)
        .fit(&table)
        .unwrap()
        .model;
    let ModelBody::Bayes(b) = model.body() else {
        panic!("a TAN model holds a network");
    };
    vec![
        ("asia.bif".to_string(), asia),
        (
            "tan.bif (written by the library)".to_string(),
            b.to_bif().into_bytes(),
        ),
    ]
}

/// One to four random edits of `seed`.
fn mutate(rng: &mut ChaCha8Rng, seed: &[u8], tokens: &[&[u8]]) -> Vec<u8> {
    let mut m = seed.to_vec();
    for _ in 0..rng.random_range(1..=4) {
        let len = m.len();
        let at = rng.random_range(0..=len);
        match rng.random_range(0..8) {
            // A bit flip.
            0 if len > 0 => {
                let i = rng.random_range(0..len);
                m[i] ^= 1 << rng.random_range(0..8);
            }
            // A random byte.
            1 if len > 0 => {
                let i = rng.random_range(0..len);
                m[i] = rng.random();
            }
            // Truncation.
            2 => m.truncate(at),
            // A range deleted.
            3 => {
                let end = rng.random_range(at..=len.min(at + 64));
                m.drain(at..end);
            }
            // A range repeated (a duplicated cell, line or column name).
            4 => {
                let end = rng.random_range(at..=len.min(at + 80));
                let piece = m[at..end].to_vec();
                for _ in 0..rng.random_range(1..4) {
                    m.splice(at..at, piece.iter().copied());
                }
            }
            // A run of digits replaced by a huge number.
            5 => {
                if let Some(i) = (at..len).find(|&i| m[i].is_ascii_digit()) {
                    let end = (i..len).find(|&j| !m[j].is_ascii_digit()).unwrap_or(len);
                    m.splice(i..end, b"1e400".iter().copied());
                }
            }
            // A token inserted (quote, CR, NUL, delimiter, huge number, bad UTF-8 …).
            _ => {
                let t = tokens[rng.random_range(0..tokens.len())];
                m.splice(at..at, t.iter().copied());
            }
        }
    }
    m
}

/// Printable excerpt of an input for a failure message.
fn excerpt(b: &[u8]) -> String {
    String::from_utf8_lossy(&b[..b.len().min(300)])
        .escape_debug()
        .to_string()
}

#[test]
fn mutated_csv_files_read_and_score_or_fail_saying_where() {
    let seeds = dataset_heads();
    // The seeds themselves read (the readers' errors name the source); the synthetic
    // one also scores (the model is trained on its columns).
    for (name, s) in &seeds {
        let errors: Vec<String> = entries::csv(s)
            .iter()
            .map(|(how, e)| format!("{how}: {e}"))
            .collect();
        let synthetic = name.starts_with("synthetic");
        assert!(
            errors
                .iter()
                .all(|e| !synthetic && !e.contains(entries::CSV_SOURCE)),
            "{name}: {errors:?}"
        );
    }
    let mut rng = ChaCha8Rng::seed_from_u64(15);
    let (mut failed, mut read, mut refused) = (Vec::new(), 0, 0);
    for i in 0..MUTANTS {
        let (name, seed) = &seeds[i % seeds.len()];
        let m = mutate(&mut rng, seed, CSV_TOKENS);
        match catch_unwind(AssertUnwindSafe(|| entries::csv(&m))) {
            Ok(errors) if errors.iter().any(|(how, _)| *how == "read, strict") => refused += 1,
            Ok(_) => read += 1,
            Err(p) => failed.push(format!(
                "mutant {i} of {name}: {}\n  input: {}",
                panic_text(&p),
                excerpt(&m)
            )),
        }
    }
    assert!(
        failed.is_empty(),
        "{} panics:\n{}",
        failed.len(),
        failed[..failed.len().min(3)].join("\n")
    );
    // Both outcomes occur: the mutants are neither all harmless nor all broken.
    assert!(
        read > MUTANTS / 20 && refused > MUTANTS / 20,
        "read {read}, refused {refused}"
    );
}

#[test]
fn mutated_bif_files_parse_or_fail_naming_the_line() {
    let seeds = bif_seeds();
    for (name, s) in &seeds {
        assert!(entries::bif(s).is_none(), "{name} parses");
    }
    let mut rng = ChaCha8Rng::seed_from_u64(16);
    let (mut failed, mut parsed, mut refused) = (Vec::new(), 0, 0);
    for i in 0..MUTANTS {
        let (name, seed) = &seeds[i % seeds.len()];
        let m = mutate(&mut rng, seed, BIF_TOKENS);
        match catch_unwind(AssertUnwindSafe(|| entries::bif(&m))) {
            Ok(None) => parsed += 1,
            Ok(Some(_)) => refused += 1,
            Err(p) => failed.push(format!(
                "mutant {i} of {name}: {}\n  input: {}",
                panic_text(&p),
                excerpt(&m)
            )),
        }
    }
    assert!(
        failed.is_empty(),
        "{} panics:\n{}",
        failed.len(),
        failed[..failed.len().min(3)].join("\n")
    );
    assert!(
        parsed > MUTANTS / 50 && refused > MUTANTS / 20,
        "parsed {parsed}, refused {refused}"
    );
}

fn panic_text(p: &Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "(a panic)".into())
}
