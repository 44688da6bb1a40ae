//! Naive Bayes: the class is the only parent of every attribute,
//!
//! ```text
//! P(c | x) ∝ P(c) · Π_i P(x_i | c)
//! ```
//!
//! (Duda & Hart 1973; Domingos & Pazzani 1997 on why it ranks well even when the
//! attributes are dependent). A missing attribute simply drops out of the product.

use serde::{Deserialize, Serialize};

use super::{BayesSettings, build};
use crate::bayes::network::BayesNet;
use crate::count::{Counter, InMemory};
use crate::data::Encoded;
use crate::error::Result;

/// The naive Bayes learner.
///
/// Defaults: `binning = EqualFrequency { bins: 10 }`, `prior = Laplace { alpha: 1.0 }`
/// (chosen by 5-fold cross-validation on the training files; see
/// [`BayesSettings::naive_bayes`]).
///
/// ```
/// use churnkit::bayes::{NaiveBayes, Prior};
/// use churnkit::data::Binning;
/// let nb = NaiveBayes::new()
///     .binning(Binning::EqualFrequency { bins: 8 })
///     .prior(Prior::Laplace { alpha: 0.5 });
/// # let _ = nb;
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NaiveBayes {
    #[serde(rename = "common")] // the serialized name, kept
    settings: BayesSettings,
}

impl Default for NaiveBayes {
    fn default() -> Self {
        NaiveBayes {
            settings: BayesSettings::naive_bayes(),
        }
    }
}

impl NaiveBayes {
    /// The learner with default parameters.
    pub fn new() -> Self {
        Self::default()
    }

    fn validate(&self) -> Result<()> {
        self.settings.validate()
    }

    /// The naive Bayes parent lists for `n_features` features and the class (last):
    /// the class is the only parent of every feature.
    pub fn structure(n_features: usize) -> Vec<Vec<usize>> {
        let mut p = vec![vec![n_features]; n_features];
        p.push(Vec::new());
        p
    }

    /// Learns the network from an encoded table (all rows are training rows); the
    /// class node is called `class_name`.
    pub fn fit_encoded(&self, enc: &Encoded, class_name: &str) -> Result<BayesNet> {
        self.fit_encoded_with(enc, &InMemory::new(enc), class_name)
    }

    /// [`NaiveBayes::fit_encoded`] with every count taken through `counter`, which
    /// must count `enc` (whose schema gives the variables). The network is the same
    /// for any counter that honours the [`Counter`] contract.
    pub fn fit_encoded_with<C: Counter>(
        &self,
        enc: &Encoded,
        counter: &C,
        class_name: &str,
    ) -> Result<BayesNet> {
        self.settings.validate()?;
        build(
            counter,
            enc,
            class_name,
            Self::structure(enc.n_features()),
            &self.settings.prior,
        )
    }
}

bayes_learner!(NaiveBayes, "naive-bayes");
