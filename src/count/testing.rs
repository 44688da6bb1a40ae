//! Test fixtures of the counting module, shared by its unit tests.

use std::sync::Arc;

use crate::data::{Codes, Encoded, EncodedFeature, EncodedSchema};

/// `n` rows of synthetic codes: features `a` (2 levels), `b` (3 levels) and `c`
/// (`c_levels` levels), whose codes cycle through every level and the missing code
/// (`a`: `i mod 3`, `b`: `7i mod 4`, `c`: `13i mod (c_levels + 1)`, stored as `u16`
/// codes when `c` has more than 255 levels), labels
/// `(3a + b² + c + ⌊(i mod 5) / 3⌋) mod n_classes` over 2 (`retained`, `churned`) or
/// 3 classes (`retained`, `at_risk`, `churned`) — every feature matters and none
/// decides the label alone, so trees grown on them have several levels — and the
/// given row weights.
pub(crate) fn synthetic_codes(
    n: usize,
    c_levels: usize,
    n_classes: usize,
    weights: Option<Vec<f64>>,
) -> Encoded {
    let f = |name: &str, levels: usize| EncodedFeature {
        name: name.into(),
        levels: (0..levels).map(|i| i.to_string()).collect(),
        numeric: false,
    };
    let classes: &[&str] = match n_classes {
        2 => &["retained", "churned"],
        _ => &["retained", "at_risk", "churned"],
    };
    let a = |i: usize| i % 3;
    let b = |i: usize| (i * 7) % 4;
    let c = |i: usize| (i * 13) % (c_levels + 1);
    let label = |i: usize| ((a(i) * 3 + b(i) * b(i) + c(i) + (i % 5) / 3) % classes.len()) as u8;
    Encoded::new(
        Arc::new(EncodedSchema {
            features: vec![f("a", 2), f("b", 3), f("c", c_levels)],
            classes: classes.iter().map(|c| c.to_string()).collect(),
        }),
        vec![
            Codes::U8((0..n).map(|i| a(i) as u8).collect()),
            Codes::U8((0..n).map(|i| b(i) as u8).collect()),
            Codes::from_u16((0..n).map(|i| c(i) as u16).collect(), c_levels + 1),
        ],
        (0..n).map(label).collect(),
        weights,
    )
    .expect("valid synthetic codes")
}
