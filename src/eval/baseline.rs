//! The majority-class baseline (Weka's ZeroR): predicts the training class

use serde::{Deserialize, Serialize};

use crate::data::{Binning, Table};
use crate::error::{Error, Result};
use crate::learner::{Classifier, EncodedLearner, FitInput, check_out_len};

/// The majority-class baseline (Weka's ZeroR): predicts the training class
/// distribution for every row, so every report shows the floor a model must beat.
///
/// The ZeroR learner: no parameters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ZeroR;

/// A fitted ZeroR: the weighted class distribution of the training rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ZeroRModel {
    classes: Vec<String>,
    proba: Vec<f64>,
}

impl ZeroR {
    /// Fits the class distribution of `rows`.
    pub fn fit_table(&self, table: &Table, rows: &[usize]) -> Result<ZeroRModel> {
        let counts = table.class_counts(rows);
        let total: f64 = counts.iter().sum();
        if rows.is_empty() || total <= 0.0 {
            return Err(Error::Fit(
                "ZeroR: no training rows (or all weights zero)".into(),
            ));
        }
        Ok(ZeroRModel {
            classes: table.schema().target.classes.clone(),
            proba: counts.iter().map(|c| c / total).collect(),
        })
    }
}

impl ZeroRModel {
    /// The predicted distribution (the training class frequencies).
    pub fn proba(&self) -> &[f64] {
        &self.proba
    }
}

/// No phase 1 (no binning): phase 2 is [`ZeroR::fit_table`].
impl EncodedLearner for ZeroR {
    type Fitted = ZeroRModel;

    fn name(&self) -> String {
        "zero-r".into()
    }

    fn binning(&self) -> Option<&Binning> {
        None
    }

    fn fit_codes(&self, input: FitInput<'_>) -> Result<ZeroRModel> {
        self.fit_table(input.table, input.rows)
    }
}

impl Classifier for ZeroRModel {
    fn name(&self) -> String {
        "zero-r".into()
    }

    fn classes(&self) -> &[String] {
        &self.classes
    }

    fn predict_proba_into(&self, _table: &Table, rows: &[usize], out: &mut [f64]) -> Result<()> {
        check_out_len(out, rows.len(), self.classes.len())?;
        for chunk in out.chunks_exact_mut(self.classes.len()) {
            chunk.copy_from_slice(&self.proba);
        }
        Ok(())
    }
}
