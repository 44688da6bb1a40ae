//! Fuzzes model loading: arbitrary bytes must load or fail with an error, never panic
//! or allocate beyond the limit. The input is tried three ways: as a whole file, as a
//! body wrapped in a valid header and checksum (so the bincode decoder and the model
//! checks behind the checksum are reached), and as JSON. A model that loads is also
//! used to score a customer, so tampered learner parameters are exercised too.
#![no_main]

use std::collections::HashMap;

use churnkit::model::crc32;
use churnkit::model::{FORMAT_VERSION, MAGIC, Model};
use churnkit::score::{Scorer};
use churnkit::policy::{InputPolicy};
use libfuzzer_sys::fuzz_target;

fn exercise(m: &Model) {
    let customer: HashMap<String, String> = m
        .schema()
        .features
        .iter()
        .map(|f| (f.name.clone(), "1".to_string()))
        .collect();
    let _ = Scorer::new(m)
        .input_policy(InputPolicy::lenient())
        .score_map(&customer);
    let _ = m.to_bytes();
}

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = Model::from_bytes(data) {
        exercise(&m);
    }
    let mut file = Vec::with_capacity(data.len() + 24);
    file.extend_from_slice(&MAGIC);
    file.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    file.extend_from_slice(&(data.len() as u64).to_le_bytes());
    file.extend_from_slice(data);
    let crc = crc32(&file);
    file.extend_from_slice(&crc.to_le_bytes());
    if let Ok(m) = Model::from_bytes(&file) {
        exercise(&m);
    }
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(m) = Model::from_json_str(text)
    {
        exercise(&m);
    }
});
