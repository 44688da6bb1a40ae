//! linfa's `Fit` / `Predict` for the Bayesian-network learners, on a linfa `Dataset`
//! of codes, as the trees have them: records are `u16` codes (rows × features), every
//! column categorical with levels `0..=max code` seen in training, targets `usize`
//! classes `0..=max label`. The fitted object is a [`BayesClassifier`] whose
//! discretizer names those levels `"0"`, `"1"`, …
//!
//! At prediction a code the training data never reached (above the column's largest
//! training code) is unobserved evidence and is marginalised, like a missing value;
//! a short row leaves its last features unobserved.
//!
//! ```
//! use churnkit::bayes::Tan;
//! use linfa::prelude::*;
//! use ndarray::{Array1, array};
//!
//! let x = array![[0u16, 1], [1, 1], [1, 0], [0, 0], [1, 1], [0, 1]];
//! let y = Array1::from(vec![0usize, 1, 1, 0, 1, 0]);
//! let model = Fit::fit(&Tan::new(), &Dataset::new(x.clone(), y)).unwrap();
//! let classes: Array1<usize> = Predict::predict(&model, &x);
//! let proba = model.predict_proba_codes(&x); // rows × classes
//! # let _ = (classes, proba);
//! ```

use linfa::dataset::{AsSingleTargets, DatasetBase};
use linfa::traits::{Fit, PredictInplace};
use ndarray::{Array1, Array2, ArrayBase, Data, Ix2};

use super::classifier::BayesClassifier;
use super::learn::{HillClimb, NaiveBayes, Tan};
use crate::data::encoded_from_dataset;
use crate::data::{Binning, Codes, Discretizer, Encoded, FeatureEncoder};
use crate::math::argmax;

/// The target's name in networks fitted through linfa.
const CLASS: &str = "class";

/// Fits `learn` on a linfa dataset of codes and wraps the network with a
/// discretizer of categorical levels `"0"..="max code"` per column.
fn fit_codes<D, T>(
    dataset: &DatasetBase<ArrayBase<D, Ix2>, T>,
    name: &str,
    learn: impl FnOnce(&Encoded) -> crate::Result<super::BayesNet>,
) -> Result<BayesClassifier, linfa::Error>
where
    D: Data<Elem = u16>,
    T: AsSingleTargets<Elem = usize>,
{
    let enc = encoded_from_dataset(dataset)?;
    let bad = |e: crate::Error| linfa::Error::Parameters(e.to_string());
    let net = learn(&enc).map_err(bad)?;
    let schema = enc.schema();
    let encoders = schema
        .features
        .iter()
        .map(|f| FeatureEncoder::Categorical {
            name: f.name.clone(),
            levels: f.levels.clone(),
        })
        .collect();
    let disc = Discretizer::from_encoders(
        encoders,
        Binning::EqualFrequency { bins: 1 },
        schema.classes.clone(),
    );
    BayesClassifier::new(name.to_string(), disc, net).map_err(bad)
}

macro_rules! linfa_fit {
    ($ty:ty, $name:literal) => {
        /// linfa's `Fit` on a `Dataset` of codes (`u16`, rows × features) with `usize`
        /// labels: every column categorical with levels `0..=max code` seen in
        /// training, classes `0..=max label`.
        impl<D, T> Fit<ArrayBase<D, Ix2>, T, linfa::Error> for $ty
        where
            D: Data<Elem = u16>,
            T: AsSingleTargets<Elem = usize>,
        {
            type Object = BayesClassifier;

            fn fit(
                &self,
                dataset: &DatasetBase<ArrayBase<D, Ix2>, T>,
            ) -> Result<BayesClassifier, linfa::Error> {
                fit_codes(dataset, $name, |enc| self.fit_encoded(enc, CLASS))
            }
        }
    };
}

linfa_fit!(NaiveBayes, "naive-bayes");
linfa_fit!(Tan, "tan");
linfa_fit!(HillClimb, "hill-climb");

impl BayesClassifier {
    /// The codes of `x` (rows × features, as given to linfa's `Fit`) as an [`Encoded`]
    /// table of this model's schema: codes past a column's levels, and columns past
    /// the row's end, become the missing code.
    fn encode_codes<D: Data<Elem = u16>>(&self, x: &ArrayBase<D, Ix2>) -> crate::Result<Encoded> {
        let schema = self.discretizer().schema();
        let columns = schema
            .features
            .iter()
            .enumerate()
            .map(|(j, f)| {
                let miss = f.missing_code();
                let codes: Vec<u16> = if j < x.ncols() {
                    x.column(j).iter().map(|&c| c.min(miss)).collect()
                } else {
                    vec![miss; x.nrows()]
                };
                Codes::from_u16(codes, f.cardinality())
            })
            .collect();
        Encoded::new(schema.clone(), columns, vec![0; x.nrows()], None)
    }

    /// Class probabilities (rows × classes) for a matrix of codes laid out as in
    /// linfa's `Fit`. A code above a column's largest training code is unobserved
    /// evidence (marginalised, like a missing value); rows whose codes are all past the
    /// training levels get the class prior.
    pub fn predict_proba_codes<D: Data<Elem = u16>>(&self, x: &ArrayBase<D, Ix2>) -> Array2<f64> {
        let k = self.classes_len();
        let mut out = Array2::zeros((x.nrows(), k));
        let done = self.encode_codes(x).and_then(|enc| {
            let flat = out
                .as_slice_mut()
                .ok_or_else(|| crate::Error::schema("output not contiguous"))?;
            self.predict_encoded(&enc, flat)
        });
        if done.is_err() {
            // Unreachable: the table is built from this model's own schema and the
            // output has the right shape; NaN marks the rows rather than panicking.
            out.fill(f64::NAN);
        }
        out
    }

    fn classes_len(&self) -> usize {
        self.discretizer().schema().n_classes()
    }
}

/// linfa's `Predict` (through `PredictInplace`) on a matrix of codes: the most
/// probable class of each row (ties: the lower class index).
impl<D: Data<Elem = u16>> PredictInplace<ArrayBase<D, Ix2>, Array1<usize>> for BayesClassifier {
    fn predict_inplace(&self, x: &ArrayBase<D, Ix2>, y: &mut Array1<usize>) {
        let p = self.predict_proba_codes(x);
        for (row, out) in p.rows().into_iter().zip(y.iter_mut()) {
            *out = argmax(&row.to_vec());
        }
    }

    fn default_target(&self, x: &ArrayBase<D, Ix2>) -> Array1<usize> {
        Array1::zeros(x.nrows())
    }
}
