//! Fuzzes BIF parsing: arbitrary text must parse into a network or fail with an error
//! naming the line, never panic; a network that parses must survive writing and
//! reading back (same structure, bit-identical CPTs). The calls are those of
//! `../entries.rs`, which `tests/fuzz_smoke.rs` also drives with seeded mutations.
//!
//! Run: `cargo +nightly fuzz run read_bif` (seeds: `tests/fixtures/asia.bif`, e.g.
//! `cargo +nightly fuzz run read_bif ../tests/fixtures`).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code)] // each target uses one of the entries
#[path = "../entries.rs"]
mod entries;

fuzz_target!(|data: &[u8]| {
    let _ = entries::bif(data);
});
