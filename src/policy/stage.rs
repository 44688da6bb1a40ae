//! Lifecycle stages from a tenure column and λ per stage (see [`StageSpec`]).

use serde::{Deserialize, Serialize};

use super::playbook::Playbook;
use crate::error::{Error, Result};

/// A lifecycle stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Stage {
    /// The first periods: trying the service out.
    Trial,
    /// The relationship is forming.
    Formation,
    /// An established relationship.
    Stable,
    /// A long relationship, past its peak.
    Decline,
}

impl Stage {
    /// The four stages in order.
    pub const ALL: [Stage; 4] = [
        Stage::Trial,
        Stage::Formation,
        Stage::Stable,
        Stage::Decline,
    ];

    /// The stage's name in outputs: `trial`, `formation`, `stable`, `decline`.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Trial => "trial",
            Stage::Formation => "formation",
            Stage::Stable => "stable",
            Stage::Decline => "decline",
        }
    }
}

impl std::fmt::Display for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The default cut points: trial `< 3`, formation `< 12`, stable `< 48`, decline
/// from 48 (months).
pub const DEFAULT_STAGE_CUTS: [f64; 3] = [3.0, 12.0, 48.0];

/// The default rescue-success probabilities λ of trial, formation, stable and decline
/// (assumptions, see the [`StageSpec`]).
pub const DEFAULT_STAGE_SUCCESS: [f64; 4] = [0.45, 0.35, 0.25, 0.20];

/// Lifecycle stages: where a customer is in the relationship, from the length of the
/// relationship (a tenure column), and the rescue-success probability `λ` of each
/// stage.
///
/// Relationships pass through stages (Dwyer, Schurr & Oh, "Developing Buyer-Seller
/// Relationships", *Journal of Marketing* 51(2), 1987: exploration, expansion,
/// commitment, dissolution). churnkit uses four, cut on tenure (in the tenure
/// column's unit, usually months):
///
/// | stage | tenure (default cuts) | default λ |
/// |---|---|---|
/// | [`Stage::Trial`] | `< 3` | 0.45 |
/// | [`Stage::Formation`] | `3 ≤ t < 12` | 0.35 |
/// | [`Stage::Stable`] | `12 ≤ t < 48` | 0.25 |
/// | [`Stage::Decline`] | `≥ 48` | 0.20 |
///
/// A rescue succeeds more often early in the relationship, when the relationship is
/// short and switching costs are low, than in the stable and declining stages. The
/// default λs are **assumptions** that follow this ordering around the mean
/// offer-acceptance rate of 0.3 used in the churn-profit literature (Verbeke et al.
/// 2012, Verbraken et al. 2013); they are not measured. Set them from your own
/// campaigns' results ([`StageSpec::success`]).
///
/// How stages are read from a tenure column and what λ each has.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageSpec {
    /// The numeric tenure column (a feature of the model).
    pub column: String,
    /// Cut points `[c1, c2, c3]`, increasing: tenure `< c1` is trial, `< c2`
    /// formation, `< c3` stable, the rest decline.
    pub cuts: [f64; 3],
    /// λ of trial, formation, stable and decline, each in `[0, 1]`.
    pub success: [f64; 4],
}

impl StageSpec {
    /// Stages from `column` with the default cuts and λs.
    pub fn new(column: impl Into<String>) -> StageSpec {
        StageSpec {
            column: column.into(),
            cuts: DEFAULT_STAGE_CUTS,
            success: DEFAULT_STAGE_SUCCESS,
        }
    }

    /// Checks the cuts (finite, strictly increasing) and the λs (in `[0, 1]`).
    pub fn validate(&self) -> Result<()> {
        let c = self.cuts;
        if c.iter().any(|x| !x.is_finite()) || !(c[0] < c[1] && c[1] < c[2]) {
            return Err(Error::param(
                "stage cuts",
                format!("{c:?}"),
                "need three finite, strictly increasing cut points",
            ));
        }
        if self.success.iter().any(|l| !(0.0..=1.0).contains(l)) {
            return Err(Error::param(
                "stage rescue success",
                format!("{:?}", self.success),
                "each λ must be in [0, 1]",
            ));
        }
        Ok(())
    }

    /// The stage of a tenure (None when it is missing or not a number).
    ///
    /// ```
    /// use churnkit::policy::{Stage, StageSpec};
    /// let s = StageSpec::new("tenure");
    /// assert_eq!(s.stage(2.9), Some(Stage::Trial));
    /// assert_eq!(s.stage(3.0), Some(Stage::Formation));
    /// assert_eq!(s.stage(48.0), Some(Stage::Decline));
    /// assert_eq!(s.stage(f64::NAN), None);
    /// ```
    pub fn stage(&self, tenure: f64) -> Option<Stage> {
        if tenure.is_nan() {
            return None;
        }
        let i = self.cuts.iter().take_while(|&&c| tenure >= c).count();
        Some(Stage::ALL[i])
    }

    /// The λ of a stage.
    pub fn success_of(&self, stage: Stage) -> f64 {
        self.success[stage as usize]
    }

    /// Parses three comma-separated cut points (`3,12,48`).
    pub fn parse_cuts(text: &str) -> Result<[f64; 3]> {
        parse_n::<3>(text, "stage cuts")
    }

    /// Parses four comma-separated λs (`0.45,0.35,0.25,0.2`).
    pub fn parse_success(text: &str) -> Result<[f64; 4]> {
        parse_n::<4>(text, "stage rescue success")
    }
}

/// The churn-warning settings a model carries besides its tiers: the playbook (None:
/// the built-in [`Playbook::default`]) and the lifecycle stages (None: no stages, one
/// λ for everybody from the economics).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct WarningSpec {
    /// The playbook; None uses the built-in one.
    pub playbook: Option<Playbook>,
    /// The stages and their λs; None gives no stage.
    pub stages: Option<StageSpec>,
}

impl WarningSpec {
    /// Checks the stages.
    pub fn validate(&self) -> Result<()> {
        self.stages.as_ref().map_or(Ok(()), StageSpec::validate)
    }
}

fn parse_n<const N: usize>(text: &str, what: &str) -> Result<[f64; N]> {
    let v: Vec<f64> = text
        .split(',')
        .map(|x| x.trim().parse::<f64>())
        .collect::<std::result::Result<_, _>>()
        .map_err(|_| Error::param(what, text, "expected numbers separated by commas"))?;
    v.try_into()
        .map_err(|_| Error::param(what, text, format!("expected {N} numbers")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_points_at_their_edges() {
        let s = StageSpec {
            column: "t".into(),
            cuts: [1.0, 5.0, 10.0],
            success: [0.4, 0.3, 0.2, 0.1],
        };
        s.validate().unwrap();
        for (t, want) in [
            (f64::NEG_INFINITY, Stage::Trial),
            (0.0, Stage::Trial),
            (0.999, Stage::Trial),
            (1.0, Stage::Formation),
            (4.999, Stage::Formation),
            (5.0, Stage::Stable),
            (9.999, Stage::Stable),
            (10.0, Stage::Decline),
            (1e9, Stage::Decline),
        ] {
            assert_eq!(s.stage(t), Some(want), "tenure {t}");
        }
        assert_eq!(s.success_of(Stage::Trial), 0.4);
        assert_eq!(s.success_of(Stage::Decline), 0.1);
        let mut bad = s.clone();
        bad.cuts = [5.0, 5.0, 10.0];
        assert!(bad.validate().is_err());
        bad.cuts = [1.0, 5.0, f64::NAN];
        assert!(bad.validate().is_err());
        let mut bad = s;
        bad.success[2] = 1.5;
        assert!(bad.validate().is_err());
        assert_eq!(
            StageSpec::parse_cuts("3, 12,48").unwrap(),
            [3.0, 12.0, 48.0]
        );
        assert!(StageSpec::parse_cuts("3,12").is_err());
        assert!(StageSpec::parse_success("0.5,0.4,0.3,x").is_err());
        // The defaults fall as the relationship ages.
        assert!(DEFAULT_STAGE_SUCCESS.windows(2).all(|w| w[0] > w[1]));
    }
}
