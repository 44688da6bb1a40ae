//! Fuzzes the CSV readers: arbitrary bytes read as a churn CSV (whole-file reading,
//! strict and lenient; streaming in chunks; batch scoring with a model) must give a
//! table or errors that name the source and line, never a panic, a hang or an
//! allocation beyond the documented limits. The calls are those of `../entries.rs`,
//! which `tests/fuzz_smoke.rs` also drives with seeded mutations of `datasets/`.
//!
//! Run: `cargo +nightly fuzz run read_csv` (from the crate root; seeds: any of
//! `datasets/*.csv`, e.g. `cargo +nightly fuzz run read_csv ../datasets`).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code)] // each target uses one of the entries
#[path = "../entries.rs"]
mod entries;

fuzz_target!(|data: &[u8]| {
    let _ = entries::csv(data);
});
