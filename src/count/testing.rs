//! Test fixtures of the counting module, shared by its unit tests.

use std::sync::Arc;

use crate::data::{Codes, Encoded, EncodedFeature, EncodedSchema};

/// `n` rows of synthetic codes: features `a` (2 levels), `b` (3 levels) and `c`
/// (`c_levels` levels), whose codes cycle through every level and the missing code
/// (`a`: `i mod 3`, `b`: `7i mod 4`, `c`: `13i mod (c_levels + 1)`, stored as `u16`
/// codes when `c` has more than 255 levels), labels `5i mod n_classes` over 2
/// (`retained`, `churned`) or 3 classes (`retained`, `at_risk`, `churned`), and the
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
    Encoded::new(
        Arc::new(EncodedSchema {
            features: vec![f("a", 2), f("b", 3), f("c", c_levels)],
            classes: classes.iter().map(|c| c.to_string()).collect(),
        }),
        vec![
            Codes::U8((0..n).map(|i| (i % 3) as u8).collect()),
            Codes::U8((0..n).map(|i| ((i * 7) % 4) as u8).collect()),
            Codes::from_u16(
                (0..n).map(|i| ((i * 13) % (c_levels + 1)) as u16).collect(),
                c_levels + 1,
            ),
        ],
        (0..n).map(|i| ((i * 5) % classes.len()) as u8).collect(),
        weights,
    )
    .expect("valid synthetic codes")
}
