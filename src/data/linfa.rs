//! linfa interop: an [`Encoded`] table from a linfa `Dataset` of codes, shared by the
//! tree's and the networks' linfa `Fit` implementations.

use std::sync::Arc;

use linfa::dataset::{AsSingleTargets, DatasetBase, Records};
use ndarray::{ArrayBase, Data, Ix2};

use super::encoded::{Codes, Encoded, EncodedFeature, EncodedSchema};

/// Builds an [`Encoded`] table from a matrix of codes (rows × features) and labels,
/// as given to linfa: feature `j` gets levels `0..=max code` and the codes are used as
/// they are (no code means missing).
fn encoded_from_codes<D: Data<Elem = u16>>(
    x: &ArrayBase<D, Ix2>,
    labels: &[usize],
    names: &[String],
) -> std::result::Result<Encoded, linfa::Error> {
    let bad = |m: String| linfa::Error::Parameters(m);
    let k = labels.iter().copied().max().map_or(0, |m| m + 1).max(2);
    if k > u8::MAX as usize {
        return Err(bad(format!("{k} classes; at most 255 are supported")));
    }
    let features = (0..x.ncols())
        .map(|j| {
            let max = x.column(j).iter().copied().max().unwrap_or(0) as usize;
            EncodedFeature {
                name: names
                    .get(j)
                    .cloned()
                    .unwrap_or_else(|| format!("feature-{j}")),
                levels: (0..=max).map(|v| v.to_string()).collect(),
                numeric: false,
            }
        })
        .collect::<Vec<_>>();
    if features.iter().any(|f| f.n_levels() >= u16::MAX as usize) {
        return Err(bad(
            "a code of 65535 leaves no room for the missing code".into()
        ));
    }
    let columns = (0..x.ncols())
        .map(|j| {
            let card = features[j].cardinality();
            Codes::from_u16(x.column(j).to_vec(), card)
        })
        .collect();
    let schema = Arc::new(EncodedSchema {
        features,
        classes: (0..k).map(|c| c.to_string()).collect(),
    });
    let labels = labels.iter().map(|&l| l as u8).collect();
    Encoded::new(schema, columns, labels, None).map_err(|e| bad(e.to_string()))
}

/// The [`Encoded`] table of a linfa `Dataset` of codes (see [`encoded_from_codes`]),
/// checking that it has rows and one target per row.
pub(crate) fn encoded_from_dataset<D, T>(
    dataset: &DatasetBase<ArrayBase<D, Ix2>, T>,
) -> std::result::Result<Encoded, linfa::Error>
where
    D: Data<Elem = u16>,
    T: AsSingleTargets<Elem = usize>,
{
    let x = dataset.records();
    if x.nsamples() == 0 {
        return Err(linfa::Error::NotEnoughSamples);
    }
    let y = dataset.as_single_targets();
    if y.len() != x.nrows() {
        return Err(linfa::Error::MismatchedShapes(x.nrows(), y.len()));
    }
    let labels: Vec<usize> = y.iter().copied().collect();
    encoded_from_codes(x, &labels, dataset.feature_names())
}
