//! Naive Bayes: the class is the only parent of every attribute,
//!
//! ```text
//! P(c | x) ∝ P(c) · Π_i P(x_i | c)
//! ```
//!
//! (Duda & Hart 1973; Domingos & Pazzani 1997 on why it ranks well even when the
//! attributes are dependent). A missing attribute simply drops out of the product.

use serde::{Deserialize, Serialize};

use super::{Common, Prior, build};
use crate::bayes::classifier::{BayesClassifier, fit_classifier};
use crate::bayes::network::BayesNet;
use crate::data::{Binning, Encoded, Table};
use crate::error::Result;
use crate::learner::{Classifier, Learner};

/// The naive Bayes learner.
///
/// Defaults: `binning = EqualFrequency { bins: 10 }`, `prior = Laplace { alpha: 1.0 }`
/// (chosen by 5-fold cross-validation on the training files; see
/// [`Common::naive_bayes`]).
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
    common: Common,
}

impl Default for NaiveBayes {
    fn default() -> Self {
        NaiveBayes {
            common: Common::naive_bayes(),
        }
    }
}

impl NaiveBayes {
    /// The learner with default parameters.
    pub fn new() -> Self {
        Self::default()
    }

    /// How numeric features are binned (fitted on the training rows).
    pub fn binning(mut self, binning: Binning) -> Self {
        self.common.binning = binning;
        self
    }

    /// The Dirichlet prior of the CPTs.
    pub fn prior(mut self, prior: Prior) -> Self {
        self.common.prior = prior;
        self
    }

    fn validate(&self) -> Result<()> {
        self.common.validate()
    }

    /// The naive Bayes parent lists for `n_features` features and the class (last):
    /// the class is the only parent of every feature.
    pub fn structure(n_features: usize) -> Vec<Vec<usize>> {
        let mut p = vec![vec![n_features]; n_features];
        p.push(Vec::new());
        p
    }

    /// Fits the discretizer on `rows` of `table`, then the network: the concrete
    /// [`BayesClassifier`] ([`Learner::fit`] boxes it).
    pub fn fit_table(&self, table: &Table, rows: &[usize]) -> Result<BayesClassifier> {
        self.validate()?;
        fit_classifier(&self.common, table, rows, "naive-bayes", |enc, class| {
            self.fit_encoded(enc, class)
        })
    }

    /// Learns the network from an encoded table (all rows are training rows); the
    /// class node is called `class_name`.
    pub fn fit_encoded(&self, enc: &Encoded, class_name: &str) -> Result<BayesNet> {
        self.common.validate()?;
        build(
            enc,
            class_name,
            Self::structure(enc.n_features()),
            &self.common.prior,
        )
    }
}

impl Learner for NaiveBayes {
    fn name(&self) -> String {
        "naive-bayes".into()
    }

    fn fit(&self, table: &Table, rows: &[usize]) -> Result<Box<dyn Classifier>> {
        Ok(Box::new(self.fit_table(table, rows)?))
    }
}
