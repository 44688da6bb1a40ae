//! The learner registry: algorithm names (the CLI's `--algo` and `--algos`) ↔ each
//! learner's own builder, the generic fit behind them, and [`ModelBody`], the fitted
//! learner as a model file stores it.
//!
//! An [`Algorithm`] is a name (`id3`, `zero-r`, ...); [`AlgoOptions`] are the optional
//! parameters a user may set on top of the algorithm's defaults (growth limits,
//! pruning, binning, smoothing, structure score). Each algorithm has **one registry
//! entry** (in `ENTRIES`, this file): its name, description, the flags it accepts and
//! how [`AlgoOptions`] become its learner's own parameters — an [`EncodedLearner`]
//! from the learner's module. [`fit`] fits any of them through the one two-phase
//! path, [`fit_two_phase`] (the discretizer fitted on the training rows and the rows
//! encoded, timed apart from the learning itself); [`learner`] gives the same fit as
//! a [`Learner`] for `eval`.
//!
//! A flag that does not apply to the chosen algorithm is an error
//! ([`Error::Param`]), never silently ignored.
//!
//! Adding a learner: implement [`EncodedLearner`] in its own module, then in this
//! file add its [`Algorithm`] variant, its entry in `ENTRIES`, and — when its fitted classifier is a new type — a [`ModelBody`] variant
//! (at the end) with its arms in [`ModelBody::classifier`] / `validate` and a `From`
//! impl.
//!
//! ```
//! use churnkit::registry::{AlgoOptions, Algorithm, learner};
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

use serde::{Deserialize, Serialize};

use crate::bayes::{BayesClassifier, HillClimb, NaiveBayes, Prior, Tan};
use crate::count::LevelCounter;
use crate::data::{Binning, Discretizer, Encoded, Table};
use crate::error::{Error, Location, Result};
use crate::eval::{ZeroR, ZeroRModel};
use crate::learner::{
    Classifier, EncodedLearner, Encoding, Explanation, FitInput, Learner, RawExplainer, Reason,
    fit_two_phase,
};
use crate::tree::{
    Cart, CartClassifier, Forest, ForestClassifier, ForestTune, Id3Params, LevelProgress,
    NaiveBayesLeaves, Pruning, TreeClassifier, TreeLearner, Tune, TuneReport,
};

/// A learning algorithm, by the name the CLI uses. Its name, description and
/// accepted flags come from its registry entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Algorithm {
    /// Quinlan's ID3: information gain, no pruning (`id3`).
    Id3,
    /// ID3 with weighted entropy, binary numeric splits, depth ≤ 8, at least 5 rows per
    /// leaf and C4.5's pessimistic pruning with CF 0.25 ([`Id3Params::weighted`])
    /// (`id3-weighted`).
    Id3Weighted,
    /// C4.5-style gain ratio, fractional missing values, pessimistic pruning (`c45`).
    C45,
    /// linfa-trees' CART with the Gini index (`cart`).
    Cart,
    /// Naive Bayes (`naive-bayes`).
    NaiveBayes,
    /// Tree-augmented naive Bayes (`tan`).
    Tan,
    /// A Bayesian network found by hill climbing on BIC or BDeu (`bn-hill-climb`).
    BnHillClimb,
    /// The majority-class baseline (`zero-r`).
    ZeroR,
    /// Bagged weighted-entropy trees with random feature subsets per node
    /// ([`Forest`]) (`id3-weighted-forest`).
    Id3WeightedForest,
    /// One weighted-entropy tree distilled from the churn forest's out-of-bag
    /// probabilities ([`TreeLearner::id3_weighted_distilled`])
    /// (`id3-weighted-distilled`).
    Id3WeightedDistilled,
}

/// One algorithm's registry entry.
struct Entry {
    algo: Algorithm,
    name: &'static str,
    describe: &'static str,
    accepts: &'static [Flag],
    /// The learner's own builder, from the options over its defaults.
    build: fn(&AlgoOptions) -> Box<dyn BodyLearner>,
}

const TREE_FLAGS: &[Flag] = &[
    Flag::MaxDepth,
    Flag::MinSplit,
    Flag::MinLeaf,
    Flag::MinGain,
    Flag::Prune,
    Flag::Bins,
    Flag::Binning,
    Flag::Tune,
];
const CART_FLAGS: &[Flag] = &[
    Flag::MaxDepth,
    Flag::MinSplit,
    Flag::MinLeaf,
    Flag::Bins,
    Flag::Binning,
];
const FOREST_FLAGS: &[Flag] = &[
    Flag::Tune,
    Flag::Trees,
    Flag::MaxFeatures,
    Flag::MaxDepth,
    Flag::MinSplit,
    Flag::MinLeaf,
    Flag::Bins,
    Flag::Binning,
];
const BAYES_FLAGS: &[Flag] = &[Flag::Bins, Flag::Binning, Flag::Alpha];
const SEARCH_FLAGS: &[Flag] = &[
    Flag::Bins,
    Flag::Binning,
    Flag::Alpha,
    Flag::MaxParents,
    Flag::Score,
];

/// The registry, in the order help texts list the algorithms: one entry per
/// algorithm.
const ENTRIES: &[Entry] = &[
    Entry {
        algo: Algorithm::Id3,
        name: "id3",
        describe: "Quinlan's ID3 (information gain, no pruning)",
        accepts: TREE_FLAGS,
        build: |o| Box::new(o.tree(TreeLearner::id3())),
    },
    Entry {
        algo: Algorithm::Id3Weighted,
        name: "id3-weighted",
        describe: "weighted-entropy ID3, self-tuning: depth, leaf size, pruning, binning, \
                   smoothing and naive-Bayes leaves chosen by 5-fold CV on the training rows \
                   (--tune off: constant leaves, pessimistic pruning CF 0.25, depth <= 8, \
                   >= 5 rows per leaf)",
        accepts: TREE_FLAGS,
        build: |o| Box::new(o.tree(TreeLearner::id3_weighted())),
    },
    Entry {
        algo: Algorithm::C45,
        name: "c45",
        describe: "C4.5-style: gain ratio, fractional missing values, pessimistic pruning",
        accepts: TREE_FLAGS,
        build: |o| Box::new(o.tree(TreeLearner::c45())),
    },
    Entry {
        algo: Algorithm::Cart,
        name: "cart",
        describe: "linfa-trees' CART (Gini), the reference implementation",
        accepts: CART_FLAGS,
        build: |o| {
            let mut cart = Cart::default();
            if let Some(d) = o.max_depth {
                cart.max_depth = Some(d);
            }
            if let Some(n) = o.min_leaf {
                cart.min_weight_leaf = n as f32;
            }
            if let Some(n) = o.min_split {
                cart.min_weight_split = n as f32;
            }
            cart.binning = o.binning_or(&cart.binning);
            Box::new(cart)
        },
    },
    Entry {
        algo: Algorithm::Id3WeightedForest,
        name: "id3-weighted-forest",
        describe: "churn forest: 100 bagged weighted-entropy trees (half-size bootstraps, \
                   sqrt(p) features per node, >= 10 rows per leaf), out-of-bag AUC and error",
        accepts: FOREST_FLAGS,
        build: |o| Box::new(o.forest(Forest::default())),
    },
    Entry {
        algo: Algorithm::Id3WeightedDistilled,
        name: "id3-weighted-distilled",
        describe: "one weighted-entropy tree born again from the churn forest: the \
                   id3-weighted setting tuned by CV, grown deeper and unpruned on the \
                   forest's out-of-bag probabilities (a forest fit slower; in memory only)",
        accepts: TREE_FLAGS,
        build: |o| Box::new(o.tree(TreeLearner::id3_weighted_distilled())),
    },
    Entry {
        algo: Algorithm::NaiveBayes,
        name: "naive-bayes",
        describe: "naive Bayes",
        accepts: BAYES_FLAGS,
        build: |o| {
            let l = NaiveBayes::new().prior(o.prior());
            let binning = o.binning_or(binning_of(&l));
            Box::new(l.binning(binning))
        },
    },
    Entry {
        algo: Algorithm::Tan,
        name: "tan",
        describe: "tree-augmented naive Bayes (Chow-Liu tree over the features)",
        accepts: BAYES_FLAGS,
        build: |o| {
            let l = Tan::new().prior(o.prior());
            let binning = o.binning_or(binning_of(&l));
            Box::new(l.binning(binning))
        },
    },
    Entry {
        algo: Algorithm::BnHillClimb,
        name: "bn-hill-climb",
        describe: "Bayesian network by hill climbing (BIC or BDeu)",
        accepts: SEARCH_FLAGS,
        build: |o| {
            let mut l = HillClimb::new().prior(o.prior());
            if let Some(k) = o.max_parents {
                l = l.max_parents(k);
            }
            if let Some(s) = o.score {
                l = l.score(s);
            }
            if let Some(s) = o.seed {
                l = l.seed(s);
            }
            let binning = o.binning_or(binning_of(&l));
            Box::new(l.binning(binning))
        },
    },
    Entry {
        algo: Algorithm::ZeroR,
        name: "zero-r",
        describe: "majority-class baseline: the floor a model must beat",
        accepts: &[],
        build: |_| Box::new(ZeroR),
    },
];

/// The default binning of a learner that has one.
fn binning_of<L: EncodedLearner>(l: &L) -> &Binning {
    l.binning()
        .expect("the Bayesian-network learners always bin numerics")
}

/// Every registered algorithm, in registry order.
const ALL: [Algorithm; ENTRIES.len()] = {
    let mut all = [Algorithm::ZeroR; ENTRIES.len()];
    let mut i = 0;
    while i < ENTRIES.len() {
        all[i] = ENTRIES[i].algo;
        i += 1;
    }
    all
};

impl Algorithm {
    /// Every algorithm, in the order help texts list them (the registry's order).
    pub const ALL: &'static [Algorithm] = &ALL;

    fn entry(self) -> &'static Entry {
        ENTRIES
            .iter()
            .find(|e| e.algo == self)
            .expect("every algorithm has a registry entry")
    }

    /// The algorithm's name (`--algo` value).
    pub fn name(self) -> &'static str {
        self.entry().name
    }

    /// Every algorithm's name, in [`Algorithm::ALL`] order.
    pub fn names() -> Vec<&'static str> {
        Self::ALL.iter().map(|a| a.name()).collect()
    }

    /// A one-line description for help texts.
    pub fn describe(self) -> &'static str {
        self.entry().describe
    }

    /// The [`AlgoOptions`] flags this algorithm accepts.
    pub fn accepts(self) -> &'static [Flag] {
        self.entry().accepts
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

/// The structure score of Bayesian-network search (`--score`): `bic`, or `bdeu` with
/// equivalent sample size 10.
pub use crate::bayes::StructureScore;

/// (De)serializes `--score` by its command-line name (`"bic"`, `"bdeu"`).
mod score_by_name {
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::StructureScore;

    pub fn serialize<S: Serializer>(v: &Option<StructureScore>, s: S) -> Result<S::Ok, S::Error> {
        v.map(StructureScore::name).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<StructureScore>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|n| n.parse().map_err(D::Error::custom))
            .transpose()
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
    /// `--trees`.
    Trees,
    /// `--max-features`.
    MaxFeatures,
    /// `--tune`.
    Tune,
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
            Flag::Trees => "--trees",
            Flag::MaxFeatures => "--max-features",
            Flag::Tune => "--tune",
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
    #[serde(default, with = "score_by_name")]
    pub score: Option<StructureScore>,
    /// Seed of the learner's own random choices (pruning hold-out, search restarts,
    /// tuning folds).
    pub seed: Option<u64>,
    /// Number of trees of a forest.
    #[serde(default)]
    pub trees: Option<usize>,
    /// Features considered per node of a forest's trees.
    #[serde(default)]
    pub max_features: Option<usize>,
    /// Self-tuning (`--tune`): a tree's by cross-validation, a forest's by out-of-bag
    /// AUC (`fast` and `thorough` both turn it on). Unset: the algorithm's default
    /// (`fast` for `id3-weighted`, out-of-bag tuning for `id3-weighted-forest`, `off`
    /// for the others) — `off` as soon as a growth, pruning or binning flag is given
    /// (for the forest: features per node or a growth limit), so explicit settings
    /// are honoured.
    #[serde(default)]
    pub tune: Option<Tune>,
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
            (Flag::Trees, show(&self.trees)),
            (Flag::MaxFeatures, show(&self.max_features)),
            (Flag::Tune, self.tune.map(|t| t.name().to_string())),
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

impl AlgoOptions {
    /// The binning of numeric features: the algorithm's `default` unless `--binning`
    /// or `--bins` say otherwise (`--bins` alone keeps the default method).
    pub fn binning_or(&self, default: &Binning) -> Binning {
        let default_bins = match *default {
            Binning::EqualFrequency { bins } => bins,
            Binning::Mdl { max_bins, .. } => max_bins,
        };
        let bins = self.bins.unwrap_or(default_bins);
        match (self.binning, default) {
            (None, _) if self.bins.is_none() => default.clone(),
            (Some(BinningKind::EqualFrequency), _) | (None, Binning::EqualFrequency { .. }) => {
                Binning::EqualFrequency { bins }
            }
            (Some(BinningKind::Mdl), _) | (None, Binning::Mdl { .. }) => {
                let min_bins = match *default {
                    Binning::Mdl { min_bins, .. } => min_bins.min(bins),
                    Binning::EqualFrequency { .. } => 1,
                };
                Binning::Mdl {
                    min_bins,
                    max_bins: bins,
                }
            }
        }
    }

    fn tree_params(&self, base: Id3Params) -> Id3Params {
        let mut p = base;
        if let Some(d) = self.max_depth {
            p = p.max_depth(Some(d));
        }
        if let Some(n) = self.min_split {
            p = p.min_rows_split(n);
        }
        if let Some(n) = self.min_leaf {
            p = p.min_rows_leaf(n);
        }
        if let Some(g) = self.min_gain {
            p = p.min_gain(g);
        }
        if let Some(prune) = self.prune {
            p = p.pruning(match prune {
                Prune::None => Pruning::None,
                Prune::ReducedError => Pruning::ReducedError { fraction: 0.2 },
                Prune::Pessimistic => Pruning::Pessimistic { confidence: 0.25 },
            });
        }
        if let Some(s) = self.seed {
            p = p.seed(s);
        }
        p
    }

    /// A tree learner: `base` with the tree flags and the binning flags over its own
    /// defaults, named as `base`.
    fn tree(&self, base: TreeLearner) -> TreeLearner {
        let explicit = self.max_depth.is_some()
            || self.min_split.is_some()
            || self.min_leaf.is_some()
            || self.min_gain.is_some()
            || self.prune.is_some()
            || self.bins.is_some()
            || self.binning.is_some();
        let tune = match self.tune {
            Some(t) => t,
            None if explicit => Tune::Off,
            None => base.tune,
        };
        TreeLearner {
            params: self.tree_params(base.params),
            binning: self.binning_or(&base.binning),
            name: base.name,
            tune,
            grid: base.grid,
            leaf: base.leaf,
            distill: base.distill,
        }
    }

    /// A forest: `base` with the forest, growth-limit and binning flags over its
    /// defaults. Out-of-bag tuning (the default) is turned off by `--tune off`, or by
    /// an explicit `--max-features`, `--min-leaf`, `--min-split` or `--max-depth`
    /// unless `--tune` is given; `--trees N` keeps the tuning but grows exactly N
    /// trees.
    fn forest(&self, base: Forest) -> Forest {
        let explicit = self.max_features.is_some()
            || self.min_leaf.is_some()
            || self.min_split.is_some()
            || self.max_depth.is_some();
        let tune = match self.tune {
            Some(Tune::Off) => ForestTune::Off,
            Some(_) => ForestTune::Oob,
            None if explicit => ForestTune::Off,
            None => base.tune,
        };
        let mut f = base.tune(tune);
        if let Some(n) = self.trees {
            f = f.n_trees(n);
            f.grid.batch = 0;
            f.grid.max_trees = f.grid.max_trees.max(n);
        }
        if self.max_features.is_some() {
            f = f.max_features(self.max_features);
        }
        if let Some(d) = self.max_depth {
            f = f.max_depth(Some(d));
        }
        if let Some(n) = self.min_split {
            f = f.min_rows_split(n);
        }
        if let Some(n) = self.min_leaf {
            f = f.min_rows_leaf(n);
        }
        if let Some(s) = self.seed {
            f = f.seed(s);
        }
        f.binning = self.binning_or(&f.binning);
        f
    }

    fn prior(&self) -> Prior {
        Prior::Laplace {
            alpha: self.alpha.unwrap_or(1.0),
        }
    }
}

/// The learner for `algo` with `opts` over its defaults. Its name is the algorithm's
/// name, and it fits exactly as [`fit`] does.
///
/// # Errors
/// [`Error::Param`] when a flag does not apply to `algo` or a value is out of range.
pub fn learner(algo: Algorithm, opts: &AlgoOptions) -> Result<Box<dyn Learner>> {
    opts.check(algo)?;
    if let Some(b) = opts.bins {
        opts.binning_or(&Binning::EqualFrequency { bins: b })
            .validate()?;
    }
    Ok(Box::new(Registered {
        algo,
        opts: opts.clone(),
    }))
}

/// A registry learner: an algorithm and its options.
#[derive(Debug, Clone)]
struct Registered {
    algo: Algorithm,
    opts: AlgoOptions,
}

impl Learner for Registered {
    fn name(&self) -> String {
        self.algo.name().to_string()
    }

    fn fit(&self, table: &Table, rows: &[usize]) -> Result<Box<dyn Classifier>> {
        Ok(Box::new(BodyClassifier(
            fit(self.algo, &self.opts, table, rows)?.body,
        )))
    }
}

/// A model body as a boxed [`Classifier`].
struct BodyClassifier(ModelBody);

impl Classifier for BodyClassifier {
    fn name(&self) -> String {
        self.0.classifier().name()
    }
    fn classes(&self) -> &[String] {
        self.0.classifier().classes()
    }
    fn predict_proba_into(&self, table: &Table, rows: &[usize], out: &mut [f64]) -> Result<()> {
        self.0.classifier().predict_proba_into(table, rows, out)
    }
    fn explain(&self, table: &Table, row: usize) -> Result<Explanation> {
        self.0.classifier().explain(table, row)
    }
    fn explain_top(&self, table: &Table, rows: &[usize], n: usize) -> Result<Vec<Vec<Reason>>> {
        self.0.classifier().explain_top(table, rows, n)
    }
    fn raw_explainer(&self) -> Option<&dyn RawExplainer> {
        self.0.classifier().raw_explainer()
    }
}

/// A model body fitted by [`fit`], with where the time went.
pub struct Fitted {
    /// The fitted learner, ready for [`train::ModelBuilder`](crate::train::ModelBuilder).
    pub body: ModelBody,
    /// Seconds spent fitting the discretizer on the training rows and encoding them.
    pub encode_seconds: f64,
    /// Seconds spent learning from the encoded rows.
    pub fit_seconds: f64,
}

impl Fitted {
    /// The fitted learner as a [`Classifier`].
    pub fn classifier(&self) -> &dyn Classifier {
        self.body.classifier()
    }
}

impl std::fmt::Debug for Fitted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fitted")
            .field("classifier", &self.classifier().name())
            .field("encode_seconds", &self.encode_seconds)
            .field("fit_seconds", &self.fit_seconds)
            .finish()
    }
}

/// A registered learner with its fitted classifier type erased into a [`ModelBody`].
trait BodyLearner {
    /// [`fit_two_phase`] under `name`, the classifier turned into its body.
    fn fit_body(&self, name: String, table: &Table, rows: &[usize]) -> Result<Fitted>;

    /// Phase 2 alone ([`EncodedLearner::fit_codes`]) under `name` on codes given
    /// (no training rows of `table`, whose schema names the target).
    fn fit_body_codes(&self, name: String, table: &Table, encoding: Encoding) -> Result<ModelBody>;
}

impl<L> BodyLearner for L
where
    L: EncodedLearner,
    L::Fitted: Into<ModelBody>,
{
    fn fit_body(&self, name: String, table: &Table, rows: &[usize]) -> Result<Fitted> {
        let t = fit_two_phase(self, name, table, rows)?;
        Ok(Fitted {
            body: t.fitted.into(),
            encode_seconds: t.encode_seconds,
            fit_seconds: t.fit_seconds,
        })
    }

    fn fit_body_codes(&self, name: String, table: &Table, encoding: Encoding) -> Result<ModelBody> {
        self.check()?;
        let fitted = self.fit_codes(FitInput {
            name,
            table,
            rows: &[],
            encoding: Some(encoding),
        })?;
        Ok(fitted.into())
    }
}

/// The algorithms [`fit_on_codes`] fits (streaming training): the ID3 family and the
/// Bayesian networks, whose phase 2 reads nothing but the codes once their settings
/// are fixed. The others need the raw training rows (ZeroR, CART through linfa) or
/// tune on the rows themselves (the forest's out-of-bag tuning).
pub const STREAMED: &[Algorithm] = &[
    Algorithm::Id3,
    Algorithm::Id3Weighted,
    Algorithm::C45,
    Algorithm::NaiveBayes,
    Algorithm::Tan,
    Algorithm::BnHillClimb,
];

/// Checks that `algo` is one [`fit_on_codes`] fits ([`STREAMED`]).
///
/// # Errors
/// [`Error::Param`] naming the algorithms it fits.
pub fn check_streamed(algo: Algorithm) -> Result<()> {
    if STREAMED.contains(&algo) {
        return Ok(());
    }
    let names: Vec<&str> = STREAMED.iter().map(|a| a.name()).collect();
    Err(Error::param(
        "algo",
        algo,
        format!(
            "streaming training fits {}; train this one in memory (--stream off)",
            names.join(", ")
        ),
    ))
}

/// Fits `algo` on the codes of rows that are not held as a table (streaming training:
/// `encoded` are every row of a file, encoded chunk by chunk by `discretizer`), with
/// the settings `sample_fit` — the body [`fit`] gave on a sample of those rows — chose:
///
/// - a self-tuned tree is refitted with the tuned setting
///   ([`TreeLearner::tuned_for`]: criterion, depth, pruning, smoothing; the minimum
///   leaf carried over as the same fraction of the rows, `max(2, round(f · n))` with
///   `n` the rows of `encoded`, as a tuned fit on `n` rows does), its tuning report
///   kept with that leaf size; an untuned tree with its own parameters;
/// - a Bayesian network is learned from the codes with its own settings.
///
/// `discretizer` must be fitted with the binning `sample_fit` used (the tuned
/// binning). `schema_of` is a table with the training schema (its rows are not read:
/// an empty table does). The classifier is named after the algorithm. With a sample
/// that is every row (in order) and that sample's codes, the body is the one [`fit`]
/// gives on all rows.
///
/// # Errors
/// [`check_streamed`]'s error for another algorithm; [`Error::Fit`] when `sample_fit`
/// is not the body of `algo`, or the fit fails.
pub fn fit_on_codes(
    algo: Algorithm,
    opts: &AlgoOptions,
    sample_fit: &ModelBody,
    discretizer: Discretizer,
    encoded: Encoded,
    schema_of: &Table,
) -> Result<ModelBody> {
    check_streamed(algo)?;
    opts.check(algo)?;
    let entry = algo.entry();
    let name = entry.name.to_string();
    let n = encoded.n_rows();
    let encoding = Encoding {
        discretizer,
        encoded,
    };
    let Some((learner, tuning)) = tree_for_rows(algo, opts, sample_fit, n)? else {
        return (entry.build)(opts).fit_body_codes(name, schema_of, encoding);
    };
    let mut body = learner.fit_body_codes(name, schema_of, encoding)?;
    if let ModelBody::Tree(t) = &mut body {
        t.tuning = tuning;
    }
    Ok(body)
}

/// The ID3-family tree learner of `algo` with `opts` that fits on `n` rows what
/// `tuned_fit` (a [`fit`] of the same algorithm on other rows) chose: the tuned
/// setting ([`TreeLearner::tuned_for`]) with its tuning report, the minimum leaf
/// carried over as a fraction of the rows; an untuned tree's own learner without
/// report. None for an algorithm outside the ID3 family.
fn tree_for_rows(
    algo: Algorithm,
    opts: &AlgoOptions,
    tuned_fit: &ModelBody,
    n: usize,
) -> Result<Option<(TreeLearner, Option<Box<TuneReport>>)>> {
    let Some(base) = tree_base(algo) else {
        return Ok(None);
    };
    let ModelBody::Tree(tree) = tuned_fit else {
        return Err(Error::Fit(format!(
            "{algo}: the sample's fit is not a tree"
        )));
    };
    let learner = opts.tree(base);
    Ok(Some(match &tree.tuning {
        Some(report) => {
            let l = learner.tuned_for(report, n);
            let mut report = report.clone();
            report.final_min_leaf = l.params.min_rows_leaf;
            (l, Some(report))
        }
        None => (learner.tune(Tune::Off), None),
    }))
}

/// The base learner of an ID3-family `algo` (before its options), None for others.
fn tree_base(algo: Algorithm) -> Option<TreeLearner> {
    match algo {
        Algorithm::Id3 => Some(TreeLearner::id3()),
        Algorithm::Id3Weighted => Some(TreeLearner::id3_weighted()),
        Algorithm::C45 => Some(TreeLearner::c45()),
        _ => None,
    }
}

/// Refits `algo` on `rows` of `table` with the setting `tuned_fit` — a self-tuned
/// tree fitted by [`fit`] on a part of those rows, e.g. a hold-out validation's
/// training part — chose, instead of tuning again, when a new tuning would add time
/// and no information: the tuner cross-validates on a stratified sample of at most
/// [`Grid::max_rows`](crate::tree::Grid::max_rows) rows (30,000 by default), so when
/// both the part `tuned_fit` was tuned on and `rows` exceed it, both tunings would
/// run on a sample of the same size. The refit is the tuned setting on every row
/// ([`TreeLearner::tuned_for`], the minimum leaf carried over as the same fraction of
/// the rows, as a tuned fit does from its own sample) with `tuned_fit`'s tuning
/// report, and a discretizer fitted on `rows` with the tuned binning.
///
/// None when the shortcut does not apply (another algorithm, an untuned fit, or
/// either part at most the tuner's sample size): then [`fit`] tunes on `rows`.
///
/// # Errors
/// As [`fit`].
pub fn refit_tuned(
    algo: Algorithm,
    opts: &AlgoOptions,
    tuned_fit: &ModelBody,
    table: &Table,
    rows: &[usize],
) -> Result<Option<Fitted>> {
    opts.check(algo)?;
    let ModelBody::Tree(tree) = tuned_fit else {
        return Ok(None);
    };
    let Some(report) = &tree.tuning else {
        return Ok(None);
    };
    let Some(base) = tree_base(algo).map(|b| opts.tree(b)) else {
        return Ok(None);
    };
    let Some(max_rows) = base.grid.or_else(|| base.tune.grid()).map(|g| g.max_rows) else {
        return Ok(None);
    };
    // The tuned part was sampled down to the tuner's size, and so would `rows` be.
    if report.cv_rows < max_rows || rows.len() <= max_rows {
        return Ok(None);
    }
    let Some((learner, tuning)) = tree_for_rows(algo, opts, tuned_fit, rows.len())? else {
        return Ok(None);
    };
    let mut fitted = learner.fit_body(algo.entry().name.to_string(), table, rows)?;
    if let ModelBody::Tree(t) = &mut fitted.body {
        t.tuning = tuning;
    }
    Ok(Some(fitted))
}

/// Fits `algo` with `opts` on `rows` of `table`: its registry entry builds the
/// learner's own parameters, then the one two-phase fit
/// ([`fit_two_phase`]) fits the discretizer on those rows and encodes them (timed as
/// `encode_seconds`) and learns from the codes (timed as `fit_seconds`). The
/// classifier is named after the algorithm; otherwise it is the one the learner's own
/// [`EncodedLearner::fit_timed`] gives.
///
/// # Errors
/// [`Error::Param`] when a flag does not apply to `algo` or a value is out of range;
/// [`Error::Fit`] for no rows or a failed fit.
pub fn fit(algo: Algorithm, opts: &AlgoOptions, table: &Table, rows: &[usize]) -> Result<Fitted> {
    opts.check(algo)?;
    if rows.is_empty() {
        return Err(Error::Fit(format!("{algo}: no training rows")));
    }
    let entry = algo.entry();
    (entry.build)(opts).fit_body(entry.name.to_string(), table, rows)
}

/// A learner whose fit counts only through a [`LevelCounter`] (all rows, tree levels,
/// family and pair tables): what a distributed engine can train
/// ([`level_wise`]). Trees fit with their fixed parameters: self-tuning
/// cross-validates on row subsets in memory, so a tuned algorithm's untuned
/// parameters are used.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum LevelWise {
    /// An ID3-family tree (own-branch missing values; not reduced-error pruning).
    Tree(Box<TreeLearner>),
    /// Naive Bayes.
    NaiveBayes(NaiveBayes),
    /// Tree-augmented naive Bayes.
    Tan(Tan),
}

/// The [`LevelWise`] learner of `algo` with `opts`: `id3`, `id3-weighted`, `c45`
/// (whose fractional missing values the level-wise grower refuses), `naive-bayes`,
/// `tan`; any other algorithm is an error naming them.
pub fn level_wise(algo: Algorithm, opts: &AlgoOptions) -> Result<LevelWise> {
    opts.check(algo)?;
    if let Some(b) = opts.bins {
        opts.binning_or(&Binning::EqualFrequency { bins: b })
            .validate()?;
    }
    Ok(match algo {
        Algorithm::Id3 => LevelWise::Tree(Box::new(opts.tree(TreeLearner::id3()))),
        Algorithm::Id3Weighted => LevelWise::Tree(Box::new(opts.tree(TreeLearner::id3_weighted()))),
        Algorithm::C45 => LevelWise::Tree(Box::new(opts.tree(TreeLearner::c45()))),
        Algorithm::NaiveBayes => {
            let l = NaiveBayes::new().prior(opts.prior());
            let b = opts.binning_or(binning_of(&l));
            LevelWise::NaiveBayes(l.binning(b))
        }
        Algorithm::Tan => {
            let l = Tan::new().prior(opts.prior());
            let b = opts.binning_or(binning_of(&l));
            LevelWise::Tan(l.binning(b))
        }
        other => {
            return Err(Error::param(
                "algo",
                other,
                "a distributed engine trains id3, id3-weighted, c45, naive-bayes or tan",
            ));
        }
    })
}

/// A [`LevelWise`] learner with the settings a fit on a sample chose
/// ([`level_wise_for`]): what a distributed engine fits on every row after validation
/// and self-tuning ran on a sample in memory.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TunedLevelWise {
    /// The learner, with the chosen settings (a tuned tree's setting, its minimum
    /// leaf carried over as a fraction of the rows).
    pub learner: LevelWise,
    /// The self-tuning's report kept with the fitted tree (None when untuned).
    pub tuning: Option<Box<TuneReport>>,
}

/// The [`LevelWise`] learner of `algo` with `opts` that fits on `n_rows` rows what
/// `sample_fit` — the body [`fit`] gave on a sample of those rows — chose, as
/// [`fit_on_codes`] does for streaming: a self-tuned tree's setting (criterion,
/// depth, pruning, smoothing, binning) with the minimum leaf carried over as the same
/// fraction of the rows (`max(2, round(f · n_rows))`, [`TreeLearner::tuned_for`]), its
/// tuning report kept; an untuned tree, naive Bayes or TAN with their own settings.
/// With a sample of every row the fit is the one [`fit`] gives on all rows.
///
/// # Errors
/// [`level_wise`]'s; [`Error::Fit`] when `sample_fit` is not the body of `algo`.
pub fn level_wise_for(
    algo: Algorithm,
    opts: &AlgoOptions,
    sample_fit: &ModelBody,
    n_rows: usize,
) -> Result<TunedLevelWise> {
    let learner = level_wise(algo, opts)?;
    Ok(match tree_for_rows(algo, opts, sample_fit, n_rows)? {
        Some((tree, tuning)) => TunedLevelWise {
            learner: LevelWise::Tree(Box::new(tree)),
            tuning,
        },
        None => TunedLevelWise {
            learner,
            tuning: None,
        },
    })
}

impl TunedLevelWise {
    /// How numeric columns are cut before counting (the chosen binning).
    pub fn binning(&self) -> &Binning {
        self.learner.binning()
    }

    /// [`LevelWise::fit`], the tuning report kept with a tree.
    pub fn fit<C: LevelCounter>(
        &self,
        discretizer: Discretizer,
        encoded: &Encoded,
        counter: &C,
        class_name: &str,
        on_level: impl FnMut(LevelProgress),
    ) -> Result<ModelBody> {
        // Weighted leaves keep the weights the sample's fit chose (the engine's rows
        // are not in memory to fit them again); the tables are every row's.
        let weights = self.tuning.as_ref().map(|t| &t.leaf_weights[..]);
        let mut body = self.learner.fit_weighted(
            discretizer,
            encoded,
            counter,
            class_name,
            on_level,
            weights.filter(|w| !w.is_empty()),
        )?;
        if let ModelBody::Tree(t) = &mut body {
            t.tuning = self.tuning.clone();
        }
        Ok(body)
    }
}

impl LevelWise {
    /// How numeric columns are cut before counting.
    pub fn binning(&self) -> &Binning {
        match self {
            LevelWise::Tree(t) => &t.binning,
            LevelWise::NaiveBayes(l) => binning_of(l),
            LevelWise::Tan(l) => binning_of(l),
        }
    }

    /// The learner's name in reports.
    pub fn name(&self) -> String {
        match self {
            LevelWise::Tree(t) => t.name.clone(),
            LevelWise::NaiveBayes(l) => EncodedLearner::name(l),
            LevelWise::Tan(l) => EncodedLearner::name(l),
        }
    }

    /// Fits the model body from `counter`, which counts the codes `discretizer` gives
    /// (`encoded`: those codes' schema for the networks, which read no rows from it);
    /// `on_level` reports each tree level before its query. The class node of a
    /// network is `class_name`. A tree with weighted naive-Bayes leaves
    /// ([`LeafModel::WeightedNaiveBayes`](crate::tree::LeafModel::WeightedNaiveBayes)) needs its feature weights, fitted on rows
    /// in memory: [`TunedLevelWise::fit`] carries them over from the sample's fit; here
    /// it is an error.
    pub fn fit<C: LevelCounter>(
        &self,
        discretizer: Discretizer,
        encoded: &Encoded,
        counter: &C,
        class_name: &str,
        on_level: impl FnMut(LevelProgress),
    ) -> Result<ModelBody> {
        self.fit_weighted(discretizer, encoded, counter, class_name, on_level, None)
    }

    /// [`LevelWise::fit`] with the feature weights of weighted naive-Bayes leaves.
    fn fit_weighted<C: LevelCounter>(
        &self,
        discretizer: Discretizer,
        encoded: &Encoded,
        counter: &C,
        class_name: &str,
        on_level: impl FnMut(LevelProgress),
        weights: Option<&[f64]>,
    ) -> Result<ModelBody> {
        Ok(match self {
            LevelWise::Tree(t) => {
                let tree = t.params.clone().check()?.fit_level_wise_with_progress(
                    encoded.schema(),
                    counter,
                    on_level,
                )?;
                // Naive-Bayes leaves (a sample's tuning chose them) from the root's
                // [feature, class] tables, counted over every row by the engine.
                let nb = |alpha| NaiveBayesLeaves::fit(counter, encoded.n_features(), None, alpha);
                let leaves = match t.leaf.resolve(None).temper() {
                    (alpha, None) if alpha > 0.0 => Some(nb(alpha)),
                    (alpha, Some(_)) if alpha > 0.0 => {
                        let Some(w) = weights else {
                            return Err(Error::param(
                                "leaf model",
                                "weighted naive Bayes",
                                "a distributed fit needs the feature weights of a fit on a \
                                 sample in memory (fit it through TunedLevelWise)",
                            ));
                        };
                        Some(nb(alpha).weighted(encoded.schema(), w, alpha)?)
                    }
                    _ => None,
                };
                ModelBody::Tree(TreeClassifier {
                    discretizer,
                    tree,
                    name: t.name.clone(),
                    tuning: None,
                    leaves,
                })
            }
            LevelWise::NaiveBayes(l) => {
                let net = l.fit_encoded_with(encoded, counter, class_name)?;
                ModelBody::Bayes(BayesClassifier::new(self.name(), discretizer, net)?)
            }
            LevelWise::Tan(l) => {
                let net = l.fit_encoded_with(encoded, counter, class_name)?;
                ModelBody::Bayes(BayesClassifier::new(self.name(), discretizer, net)?)
            }
        })
    }
}

/// The fitted learner inside a model. One variant per classifier type; each carries
/// its own fitted discretizer.
///
/// **Append new variants at the end only, never reorder or remove**: the binary format
/// stores the variant's position, so reordering would make old files load as the wrong
/// learner. A learner with a new classifier type adds one variant here, its arms in
/// [`ModelBody::classifier`] and `validate`, and a `From` impl — next to its registry
/// entry. (`churnkit::model::ModelBody` is this type.)
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub enum ModelBody {
    /// The majority-class baseline.
    ZeroR(ZeroRModel),
    /// A Bayesian-network classifier (naive Bayes, TAN, hill climbing); validated by
    /// its own deserializer.
    Bayes(BayesClassifier),
    /// An ID3-family decision tree (ID3, weighted-entropy ID3, gain ratio / C4.5)
    /// with its discretizer; checked by [`TreeClassifier::validate`] on load.
    Tree(TreeClassifier),
    /// linfa-trees' CART copied into a flat tree with its discretizer; checked by
    /// [`CartClassifier::validate`] on load.
    Cart(CartClassifier),
    /// A churn forest with its discretizer; checked by [`ForestClassifier::validate`]
    /// on load.
    Forest(ForestClassifier),
}

impl ModelBody {
    /// What a self-tuned tree's cross-validation chose and its CV curve
    /// ([`TuneReport`]) as JSON; None for other bodies and
    /// untuned trees. The training pipeline stores it in the summary's parameters
    /// under `tuning`.
    pub fn tuning_json(&self) -> Option<serde_json::Value> {
        match self {
            ModelBody::Tree(t) => t.tuning.as_ref().and_then(|r| serde_json::to_value(r).ok()),
            ModelBody::Forest(f) => f.tuning.as_ref().and_then(|r| serde_json::to_value(r).ok()),
            _ => None,
        }
    }

    /// The body's fitted discretizer (None for ZeroR, which reads no features).
    pub fn discretizer(&self) -> Option<&Discretizer> {
        match self {
            ModelBody::ZeroR(_) => None,
            ModelBody::Bayes(m) => Some(m.discretizer()),
            ModelBody::Tree(m) => Some(&m.discretizer),
            ModelBody::Cart(m) => Some(&m.discretizer),
            ModelBody::Forest(m) => Some(&m.discretizer),
        }
    }

    /// The body as a [`Classifier`].
    pub fn classifier(&self) -> &dyn Classifier {
        match self {
            ModelBody::ZeroR(m) => m,
            ModelBody::Bayes(m) => m,
            ModelBody::Tree(m) => m,
            ModelBody::Cart(m) => m,
            ModelBody::Forest(m) => m,
        }
    }

    /// Structural checks beyond what decoding guarantees (run on every load), so a
    /// crafted file cannot make scoring panic.
    pub(crate) fn validate(&self, n_classes: usize) -> Result<()> {
        let ok = match self {
            ModelBody::ZeroR(m) => {
                let p = m.proba();
                p.len() == n_classes
                    && p.iter().all(|x| (0.0..=1.0).contains(x))
                    && (p.iter().sum::<f64>() - 1.0).abs() <= 1e-6
            }
            ModelBody::Bayes(m) => {
                m.discretizer().validate()?;
                true
            }
            ModelBody::Tree(m) => {
                m.validate()?;
                true
            }
            ModelBody::Cart(m) => {
                m.validate()?;
                true
            }
            ModelBody::Forest(m) => {
                m.validate()?;
                true
            }
        };
        if ok {
            Ok(())
        } else {
            Err(Error::Model {
                location: Location::default(),
                message: "the learner's parameters are inconsistent".into(),
            })
        }
    }
}

impl From<ZeroRModel> for ModelBody {
    fn from(m: ZeroRModel) -> Self {
        ModelBody::ZeroR(m)
    }
}

impl From<TreeClassifier> for ModelBody {
    fn from(m: TreeClassifier) -> Self {
        ModelBody::Tree(m)
    }
}

impl From<CartClassifier> for ModelBody {
    fn from(m: CartClassifier) -> Self {
        ModelBody::Cart(m)
    }
}

impl From<ForestClassifier> for ModelBody {
    fn from(m: ForestClassifier) -> Self {
        ModelBody::Forest(m)
    }
}

impl From<BayesClassifier> for ModelBody {
    fn from(m: BayesClassifier) -> Self {
        ModelBody::Bayes(m)
    }
}

/// The line saying a tree's leaves are naive-Bayes leaves (empty for constant
/// leaves), after `prefix` (a comment marker of the export).
fn nb_note(t: &TreeClassifier, prefix: &str) -> String {
    match &t.leaves {
        Some(_) => format!(
            "{prefix}{}: the counts shown are each leaf's constant part, refined per row\n",
            t.leaf_model_text()
        ),
        None => String::new(),
    }
}

/// What a fitted model body can be exported as: a short structural description,
/// if-then rules and an indented tree (trees), Graphviz DOT (trees and networks) and
/// BIF (networks). Each export is `None` when the body's kind has no such form.
#[derive(Debug, Clone, Copy)]
pub struct Exports<'a>(pub &'a ModelBody);

impl Exports<'_> {
    /// One line about the body's structure, e.g. `tree: 41 nodes, 23 leaves, depth 6`.
    pub fn structure(&self) -> String {
        match self.0 {
            ModelBody::Tree(t) => format!(
                "tree: {} nodes, {} leaves, depth {}; {}",
                t.tree.n_nodes(),
                t.tree.n_leaves(),
                t.tree.depth(),
                t.leaf_model_text()
            ),
            ModelBody::Cart(c) => format!("CART tree: {} nodes", c.tree.n_nodes()),
            ModelBody::Bayes(b) => format!(
                "Bayesian network: {} nodes, {} edges",
                b.net().n_vars(),
                b.net().edges().len()
            ),
            ModelBody::ZeroR(m) => format!("constant distribution {:?}", m.proba()),
            ModelBody::Forest(m) => {
                let oob = m.oob.as_ref().map_or_else(String::new, |o| {
                    format!(
                        ", out-of-bag AUC {} error {:.4} ({} rows)",
                        o.auc.map_or("n/a".into(), |a| format!("{a:.4}")),
                        o.error,
                        o.rows
                    )
                });
                format!(
                    "forest: {} trees, {} nodes, {} features per node{oob}",
                    m.trees.len(),
                    m.n_nodes(),
                    m.features_per_node
                )
            }
            #[allow(unreachable_patterns)]
            _ => "(no description)".into(),
        }
    }

    /// The tree as if-then rules, one per leaf (ID3-family trees). With naive-Bayes
    /// leaves a rule's class counts are the leaf's constant part only (the per-row
    /// naive Bayes has no rule form): [`Exports::leaf_note`] says so, apart from the
    /// rules, which stay one `IF …` line each.
    pub fn rules(&self) -> Option<String> {
        match self.0 {
            ModelBody::Tree(t) => Some(t.tree.rules_text()),
            _ => None,
        }
    }

    /// For a tree with naive-Bayes leaves, the line saying that its rules, text and
    /// DOT show each leaf's constant part, refined per row (None otherwise).
    pub fn leaf_note(&self) -> Option<String> {
        match self.0 {
            ModelBody::Tree(t) if t.leaves.is_some() => Some(nb_note(t, "")),
            _ => None,
        }
    }

    /// The tree as indented text (ID3-family trees), followed by the leaf model when
    /// it is not constant.
    pub fn text(&self) -> Option<String> {
        match self.0 {
            ModelBody::Tree(t) => Some(format!("{}{}", t.tree.to_text(), nb_note(t, ""))),
            _ => None,
        }
    }

    /// Graphviz DOT of a tree or a network (the class highlighted). A tree with
    /// naive-Bayes leaves is drawn with its leaves' constant part, a `//` comment after
    /// the `digraph` line saying so.
    pub fn dot(&self) -> Option<String> {
        match self.0 {
            ModelBody::Tree(t) => {
                let dot = t.tree.to_dot();
                Some(match dot.split_once('\n') {
                    Some((first, rest)) if t.leaves.is_some() => {
                        format!("{first}\n  {}{rest}", nb_note(t, "// "))
                    }
                    _ => dot,
                })
            }
            ModelBody::Bayes(b) => Some(b.to_dot()),
            _ => None,
        }
    }

    /// The network in BIF (Bayesian networks).
    pub fn bif(&self) -> Option<String> {
        match self.0 {
            ModelBody::Bayes(b) => Some(b.to_bif()),
            _ => None,
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
            StructureScore::Bdeu { ess: 10.0 }
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

    fn synthetic() -> Table {
        crate::synth::generate(&crate::synth::SynthParams {
            rows: 1500,
            seed: 5,
            ..Default::default()
        })
        .unwrap()
    }

    fn proba(c: &dyn Classifier, t: &Table) -> Vec<f64> {
        crate::eval::predict_rows(c, t, &t.all_rows()).unwrap()
    }

    #[test]
    fn registry_fits_equal_the_algorithms_own_learners() {
        let t = synthetic();
        let train: Vec<usize> = (0..1000).collect();
        let own: [(Algorithm, Box<dyn Learner>); 5] = [
            (Algorithm::Id3, Box::new(TreeLearner::id3())),
            (
                Algorithm::Id3Weighted,
                Box::new(TreeLearner::id3_weighted()),
            ),
            (Algorithm::C45, Box::new(TreeLearner::c45())),
            (Algorithm::NaiveBayes, Box::new(NaiveBayes::new())),
            (Algorithm::Tan, Box::new(Tan::new())),
        ];
        for (algo, l) in own {
            let fitted = fit(algo, &AlgoOptions::default(), &t, &train).unwrap();
            let reference = l.fit(&t, &train).unwrap();
            assert_eq!(
                proba(fitted.classifier(), &t),
                proba(reference.as_ref(), &t),
                "{algo}"
            );
            assert!(fitted.encode_seconds >= 0.0 && fitted.fit_seconds >= 0.0);
        }
    }

    #[test]
    fn flags_reach_the_learner() {
        let t = synthetic();
        let rows = t.all_rows();
        let opts = AlgoOptions {
            max_depth: Some(1),
            prune: Some(Prune::None),
            ..AlgoOptions::default()
        };
        let f = fit(Algorithm::Id3, &opts, &t, &rows).unwrap();
        let reference = TreeLearner::new(
            Id3Params::default().max_depth(Some(1)),
            TreeLearner::id3().binning,
        )
        .fit(&t, &rows)
        .unwrap();
        assert_eq!(proba(f.classifier(), &t), proba(reference.as_ref(), &t));
        // --bins alone keeps the default method; --binning mdl with --bins caps MDL
        let ef = AlgoOptions {
            bins: Some(4),
            ..AlgoOptions::default()
        };
        assert_eq!(
            ef.binning_or(&Binning::EqualFrequency { bins: 10 }),
            Binning::EqualFrequency { bins: 4 }
        );
        let mdl = AlgoOptions {
            bins: Some(8),
            binning: Some(BinningKind::Mdl),
            ..AlgoOptions::default()
        };
        assert_eq!(
            mdl.binning_or(&Binning::EqualFrequency { bins: 10 }),
            Binning::Mdl {
                min_bins: 1,
                max_bins: 8
            }
        );
        let bad = AlgoOptions {
            bins: Some(0),
            ..AlgoOptions::default()
        };
        assert!(learner(Algorithm::Tan, &bad).is_err());
        let wrong = AlgoOptions {
            max_parents: Some(2),
            ..AlgoOptions::default()
        };
        let e = learner(Algorithm::Tan, &wrong).err().unwrap().to_string();
        assert!(e.contains("--max-parents") && e.contains("--alpha"), "{e}");
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

    #[test]
    fn options_json_names_the_score() {
        let opts = AlgoOptions {
            score: Some("bdeu".parse().unwrap()),
            ..AlgoOptions::default()
        };
        let v = opts.to_json(Algorithm::BnHillClimb);
        assert_eq!(v["score"], "bdeu");
        let back: AlgoOptions = serde_json::from_value(v).unwrap();
        assert_eq!(back.score, Some(StructureScore::Bdeu { ess: 10.0 }));
        let none: AlgoOptions = serde_json::from_str("{}").unwrap();
        assert_eq!(none.score, None);
    }
}
