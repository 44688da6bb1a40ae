//! The decisions a model carries besides its learner: how probabilities become
//! [`Tier`]s ([`TierPolicy`]), how they are [calibrated](Calibration), what a rescue is
//! worth ([`Economics`]) and how raw input is checked ([`InputPolicy`]).
//!
//! This layer sits below [`eval`](crate::eval), [`model`](crate::model),
//! [`train`](crate::train) and [`score`](crate::score): it depends on the data layer
//! only, so each of those can use it without depending on one another. A
//! [`Model`](crate::model::Model) stores one of each; the
//! [training pipeline](crate::train) decides them (calibration and thresholds on
//! out-of-sample predictions); a [`Scorer`](crate::score::Scorer) applies them.
//!
//! | what | where |
//! |---|---|
//! | tiers from probabilities, cost matrices, thresholds and their choice | [`TierPolicy`], [`choose_thresholds`] |
//! | Platt and isotonic calibration, the before/after reliability table | [`Calibration`], [`CalibrationTable`] |
//! | Brier score and reliability (calibration) tables | [`calibration_table`], [`brier_score_binary`] |
//! | CLV, value at risk, rescue ceilings and decisions | [`Economics`], [`Retention`] |
//! | survival-based CLV from a time-to-churn curve | [`survival_clv`] |
//! | raw input checked against a schema | [`InputPolicy`] |
//! | churn drivers, reason classes and strategies of feature columns | [`Playbook`] |
//! | lifecycle stages from tenure and λ per stage | [`StageSpec`] |

pub(crate) mod calibrate;
pub(crate) mod economics;
pub(crate) mod input;
pub(crate) mod playbook;
pub(crate) mod reliability;
pub(crate) mod stage;
pub(crate) mod tier;

pub use calibrate::{Calibration, CalibrationMethod, CalibrationTable, Calibrator};
pub use economics::{
    Amount, ChurnReason, ClvSpec, CustomerFacts, Economics, MAX_HORIZON, Margin, ReasonRule,
    ReasonSource, RescueSpec, Retention, ValueSpec, survival_clv,
};
pub use input::{InputPolicy, OnBad};
pub use playbook::{ColumnMatch, ColumnRule, Driver, DriverCall, DriverEntry, Playbook};
pub use reliability::{
    CalibrationBin, brier_score_binary, calibration_table, expected_calibration_error,
};
pub use stage::{DEFAULT_STAGE_CUTS, DEFAULT_STAGE_SUCCESS, Stage, StageSpec, WarningSpec};
pub use tier::{
    AUTO_CHURNED_PRECISION, ThresholdReport, ThresholdRule, Tier, TierPolicy, TierSpec,
    choose_auto, choose_thresholds, choose_top,
};
