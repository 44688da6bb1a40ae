//! Learners by name: the registry behind the CLI's `--algo` and `--algos`, and a fit
//! that reports where the time went.
//!
//! An [`Algorithm`] is a name (`id3`, `zero-r`, ...); [`AlgoOptions`] are the optional
//! parameters a user may set on top of the algorithm's defaults (growth limits,
//! pruning, binning, smoothing, structure score). [`learner`] turns both into a
//! [`Learner`]; [`fit_timed`] fits one on training rows and measures the encoding (the
//! discretizer fitted on those rows, then the rows encoded) apart from the learning
//! itself.
//!
//! A flag that does not apply to the chosen algorithm is an error
//! ([`Error::Param`]), never silently ignored.
//!
//! ```
//! use churnkit::learners::{AlgoOptions, Algorithm, learner};
//!
//! let algo: Algorithm = "zero-r".parse()?;
//! let l = learner(algo, &AlgoOptions::default())?;
//! assert_eq!(l.name(), "zero-r");
//! // a growth limit means nothing to the baseline:
//! let opts = AlgoOptions { max_depth: Some(4), ..AlgoOptions::default() };
//! assert!(learner(algo, &opts).is_err());
//! # Ok::<(), churnkit::Error>(())
//! ```

use std::str::FromStr;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::data::Table;
use crate::error::{Error, Result};
use crate::eval::ZeroR;
use crate::learner::{Classifier, Learner};

/// A learning algorithm, by the name the CLI uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Algorithm {
    /// The majority-class baseline (`zero-r`).
    ZeroR,
}

impl Algorithm {
    /// Every algorithm, in the order help texts list them.
    pub const ALL: &'static [Algorithm] = &[Algorithm::ZeroR];

    /// The algorithm's name (`--algo` value).
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::ZeroR => "zero-r",
        }
    }

    /// Every algorithm's name, in [`Algorithm::ALL`] order.
    pub fn names() -> Vec<&'static str> {
        Self::ALL.iter().map(|a| a.name()).collect()
    }

    /// A one-line description for help texts.
    pub fn describe(self) -> &'static str {
        match self {
            Algorithm::ZeroR => "majority-class baseline: the floor a model must beat",
        }
    }

    /// The [`AlgoOptions`] flags this algorithm accepts.
    pub fn accepts(self) -> &'static [Flag] {
        match self {
            Algorithm::ZeroR => &[],
        }
    }
}

impl std::fmt::Display for Algorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Algorithm {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|a| a.name() == s)
            .ok_or_else(|| {
                Error::param(
                    "algo",
                    s,
                    format!("expected one of {}", Self::names().join(", ")),
                )
            })
    }
}

/// Parses `s` as one of `names` (for the small option enums).
fn parse_choice<T: Copy>(what: &str, s: &str, choices: &[(&str, T)]) -> Result<T> {
    choices
        .iter()
        .find(|(n, _)| *n == s)
        .map(|(_, v)| *v)
        .ok_or_else(|| {
            let names: Vec<&str> = choices.iter().map(|(n, _)| *n).collect();
            Error::param(what, s, format!("expected one of {}", names.join(", ")))
        })
}

/// Post-pruning of a tree (`--prune`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Prune {
    /// No post-pruning.
    None,
    /// Reduced-error pruning on a held-out fifth of the training rows.
    ReducedError,
    /// C4.5's pessimistic (error-based) pruning with CF 0.25.
    Pessimistic,
}

impl Prune {
    /// The accepted names.
    pub const NAMES: [&'static str; 3] = ["none", "reduced-error", "pessimistic"];

    /// The name as typed on the command line.
    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }
}

impl FromStr for Prune {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        parse_choice(
            "prune",
            s,
            &[
                ("none", Prune::None),
                ("reduced-error", Prune::ReducedError),
                ("pessimistic", Prune::Pessimistic),
            ],
        )
    }
}

/// How numeric features are binned (`--binning`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BinningKind {
    /// Fayyad–Irani MDL (supervised), at most `--bins` bins.
    Mdl,
    /// `--bins` equal-frequency bins.
    EqualFrequency,
}

impl BinningKind {
    /// The accepted names.
    pub const NAMES: [&'static str; 2] = ["mdl", "equal-frequency"];

    /// The name as typed on the command line.
    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }
}

impl FromStr for BinningKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        parse_choice(
            "binning",
            s,
            &[
                ("mdl", BinningKind::Mdl),
                ("equal-frequency", BinningKind::EqualFrequency),
            ],
        )
    }
}

/// The structure score of Bayesian-network search (`--score`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StructureScore {
    /// The Bayesian information criterion.
    Bic,
    /// BDeu with equivalent sample size 10.
    Bdeu,
}

impl StructureScore {
    /// The accepted names.
    pub const NAMES: [&'static str; 2] = ["bic", "bdeu"];

    /// The name as typed on the command line.
    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }
}

impl FromStr for StructureScore {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        parse_choice(
            "score",
            s,
            &[("bic", StructureScore::Bic), ("bdeu", StructureScore::Bdeu)],
        )
    }
}

/// One optional parameter of [`AlgoOptions`], named as the CLI flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    /// `--max-depth`.
    MaxDepth,
    /// `--min-split`.
    MinSplit,
    /// `--min-leaf`.
    MinLeaf,
    /// `--min-gain`.
    MinGain,
    /// `--prune`.
    Prune,
    /// `--bins`.
    Bins,
    /// `--binning`.
    Binning,
    /// `--alpha`.
    Alpha,
    /// `--max-parents`.
    MaxParents,
    /// `--score`.
    Score,
}

impl Flag {
    /// The flag as typed on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Flag::MaxDepth => "--max-depth",
            Flag::MinSplit => "--min-split",
            Flag::MinLeaf => "--min-leaf",
            Flag::MinGain => "--min-gain",
            Flag::Prune => "--prune",
            Flag::Bins => "--bins",
            Flag::Binning => "--binning",
            Flag::Alpha => "--alpha",
            Flag::MaxParents => "--max-parents",
            Flag::Score => "--score",
        }
    }
}

/// Optional parameters on top of an algorithm's defaults (None = the default).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AlgoOptions {
    /// Maximum tree depth (root = 0).
    pub max_depth: Option<usize>,
    /// A node with fewer (weighted) rows is not split.
    pub min_split: Option<f64>,
    /// Minimum (weighted) rows in a leaf.
    pub min_leaf: Option<f64>,
    /// A node splits only on a gain above this.
    pub min_gain: Option<f64>,
    /// Post-pruning.
    pub prune: Option<Prune>,
    /// Number of bins of numeric features (equal-frequency: exactly; MDL: at most).
    pub bins: Option<usize>,
    /// How numeric features are binned.
    pub binning: Option<BinningKind>,
    /// Dirichlet pseudo-count of the CPTs (Laplace α).
    pub alpha: Option<f64>,
    /// Maximum parents per node in structure search.
    pub max_parents: Option<usize>,
    /// Structure score.
    pub score: Option<StructureScore>,
    /// Seed of the learner's own random choices (pruning hold-out, search restarts).
    pub seed: Option<u64>,
}

impl AlgoOptions {
    /// The flags that are set, with their values rendered.
    pub fn given(&self) -> Vec<(Flag, String)> {
        fn show<T: std::fmt::Debug>(v: &Option<T>) -> Option<String> {
            v.as_ref().map(|x| format!("{x:?}"))
        }
        let set = [
            (Flag::MaxDepth, show(&self.max_depth)),
            (Flag::MinSplit, show(&self.min_split)),
            (Flag::MinLeaf, show(&self.min_leaf)),
            (Flag::MinGain, show(&self.min_gain)),
            (Flag::Prune, self.prune.map(|p| p.name().to_string())),
            (Flag::Bins, show(&self.bins)),
            (Flag::Binning, self.binning.map(|p| p.name().to_string())),
            (Flag::Alpha, show(&self.alpha)),
            (Flag::MaxParents, show(&self.max_parents)),
            (Flag::Score, self.score.map(|p| p.name().to_string())),
        ];
        set.into_iter()
            .filter_map(|(f, v)| v.map(|v| (f, v)))
            .collect()
    }

    /// Checks that every given flag applies to `algo`.
    pub fn check(&self, algo: Algorithm) -> Result<()> {
        let accepted = algo.accepts();
        if let Some((flag, value)) = self
            .given()
            .into_iter()
            .find(|(f, _)| !accepted.contains(f))
        {
            let names: Vec<&str> = accepted.iter().map(|f| f.name()).collect();
            let takes = if names.is_empty() {
                "takes no parameters".to_string()
            } else {
                format!("takes {}", names.join(", "))
            };
            return Err(Error::param(
                flag.name(),
                value,
                format!("does not apply to --algo {algo}, which {takes}"),
            ));
        }
        Ok(())
    }

    /// The options as JSON (only the given ones), for the model's training summary.
    pub fn to_json(&self, algo: Algorithm) -> serde_json::Value {
        let mut v = serde_json::to_value(self).unwrap_or(serde_json::Value::Null);
        if let serde_json::Value::Object(map) = &mut v {
            map.retain(|_, x| !x.is_null());
            map.insert("algo".into(), algo.name().into());
        }
        v
    }
}

/// The learner for `algo` with `opts` over its defaults.
///
/// # Errors
/// [`Error::Param`] when a flag does not apply to `algo` or a value is out of range.
pub fn learner(algo: Algorithm, opts: &AlgoOptions) -> Result<Box<dyn Learner>> {
    opts.check(algo)?;
    Ok(match algo {
        Algorithm::ZeroR => Box::new(ZeroR),
    })
}

/// A classifier fitted by [`fit_timed`], with where the time went.
pub struct Fitted {
    /// The fitted classifier.
    pub classifier: Box<dyn Classifier>,
    /// Seconds spent fitting the discretizer on the training rows and encoding them.
    pub encode_seconds: f64,
    /// Seconds spent learning from the encoded rows.
    pub fit_seconds: f64,
}

impl std::fmt::Debug for Fitted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fitted")
            .field("classifier", &self.classifier.name())
            .field("encode_seconds", &self.encode_seconds)
            .field("fit_seconds", &self.fit_seconds)
            .finish()
    }
}

/// Fits `algo` on `rows` of `table`, timing the encoding apart from the learning.
pub fn fit_timed(
    algo: Algorithm,
    opts: &AlgoOptions,
    table: &Table,
    rows: &[usize],
) -> Result<Fitted> {
    opts.check(algo)?;
    match algo {
        Algorithm::ZeroR => {
            let t = Instant::now();
            let m = ZeroR.fit_table(table, rows)?;
            Ok(Fitted {
                classifier: Box::new(m),
                encode_seconds: 0.0,
                fit_seconds: t.elapsed().as_secs_f64(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for &a in Algorithm::ALL {
            assert_eq!(a.name().parse::<Algorithm>().unwrap(), a);
        }
        let e = "id4".parse::<Algorithm>().unwrap_err().to_string();
        assert!(e.contains("id4") && e.contains("zero-r"), "{e}");
        assert_eq!("mdl".parse::<BinningKind>().unwrap(), BinningKind::Mdl);
        assert_eq!("pessimistic".parse::<Prune>().unwrap(), Prune::Pessimistic);
        assert_eq!(
            "bdeu".parse::<StructureScore>().unwrap(),
            StructureScore::Bdeu
        );
        assert!("gini".parse::<StructureScore>().is_err());
    }

    #[test]
    fn flags_that_do_not_apply_are_errors() {
        let opts = AlgoOptions {
            alpha: Some(1.0),
            ..AlgoOptions::default()
        };
        let e = opts.check(Algorithm::ZeroR).unwrap_err().to_string();
        assert!(e.contains("--alpha") && e.contains("zero-r"), "{e}");
        assert!(AlgoOptions::default().check(Algorithm::ZeroR).is_ok());
    }

    #[test]
    fn options_json_keeps_given_values() {
        let opts = AlgoOptions {
            max_depth: Some(3),
            ..AlgoOptions::default()
        };
        let v = opts.to_json(Algorithm::ZeroR);
        assert_eq!(v["max_depth"], 3);
        assert_eq!(v["algo"], "zero-r");
        assert!(v.get("alpha").is_none());
    }
}
