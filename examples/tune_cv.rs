//! Nested cross-validation of the learners' self-tuning, on TRAINING rows only: each
//! learner (tuning included) is fitted on the training part of an outer stratified
//! 5-fold split and scored (ROC AUC of the churn class) on the fold's held-out part;
//! no test file is read. This is how the defaults of `id3-weighted` (its tuning grid)
//! and `id3-weighted-forest` (its out-of-bag grid) were chosen.
//!
//! Tables: `telco-train.csv`, `orange-telecom-churn-train.csv`, `isp-train.csv` (from
//! `datasets/` or `$ISP_DIR`) and three `synth` tables (3,000, 6,000 and 10,000 rows,
//! seeds 11–13; the AUC of `churned` against the rest).
//!
//! `cargo run --release --example tune_cv -- tree VARIANT...` or
//! `-- forest VARIANT...` (names below); `SETS=telco,orange` limits the tables,
//! `FOLDS=5` the outer folds, `DATA_DIR` replaces `datasets/` for Telco and Orange.
//! Tree variants: `distilled` the born-again tree (`id3-weighted-distilled`); `fast`
//! is the library's default
//! (`TreeLearner::id3_weighted()`: constant, unweighted or weighted naive-Bayes leaves
//! by CV), `+const` constant leaves, `+unw` naive-Bayes leaves without the weighted
//! candidates (the default before them), `+wlL` the weighted candidates with the
//! penalty λ = L, `+nbA` a fixed temper `A`, `+wnbA` weighted leaves with the fixed
//! temper `A` (λ from `$LAMBDA`, 10 by default); `fix-D-L-M` an untuned tree (depth D,
//! min leaf L, m-estimate M). A variant's parts are joined by `+` (`+const` alone is
//! `fast+const`).
//!
//! `-- nb TREE...`: the prototype the naive-Bayes leaves were chosen with — over each
//! outer fold's fitted TREE, naive-Bayes leaves with per-node tables shrunk toward the
//! parent's (m; `inf` = the root's tables) and tempers α, every variant scored on the
//! outer fold (`INNER=1` adds the variant an inner 5-fold CV picks).

use std::time::Instant;

use churnkit::data::{Binning, CsvOptions, Table, read_csv, stratified_kfold};
use churnkit::eval::roc_auc;
use churnkit::learner::Classifier;
use churnkit::synth::{SynthParams, generate};
use churnkit::tree::{
    AttributeWeights, ClassWeights, Criterion, Forest, ForestTune, LEAF_WEIGHT_LAMBDA, LeafModel,
    Pruning, TreeLearner, Tune, TuneScore, WeightedEntropy,
};

fn tables() -> Vec<(String, Table)> {
    let root = env!("CARGO_MANIFEST_DIR");
    let isp = std::env::var("ISP_DIR").unwrap_or_else(|_| format!("{root}/datasets"));
    let data = std::env::var("DATA_DIR").unwrap_or_else(|_| format!("{root}/datasets"));
    let only: Option<Vec<String>> = std::env::var("SETS")
        .ok()
        .map(|s| s.split(',').map(str::to_string).collect());
    let want = |n: &str| only.as_ref().is_none_or(|o| o.iter().any(|x| x == n));
    let mut v = Vec::new();
    let files = [
        (
            "telco",
            format!("{data}/telco-train.csv"),
            "Churn",
            Some("customerID"),
        ),
        (
            "orange",
            format!("{data}/orange-telecom-churn-train.csv"),
            "Churn",
            None,
        ),
        ("isp", format!("{isp}/isp-train.csv"), "churn", Some("id")),
    ];
    for (name, path, target, id) in files {
        if !want(name) || !std::path::Path::new(&path).exists() {
            continue;
        }
        let mut o = CsvOptions::new(target);
        if let Some(id) = id {
            o = o.id_column(id);
        }
        v.push((name.to_string(), read_csv(&path, &o).expect("reads")));
    }
    for (rows, seed) in [(3000, 11), (6000, 12), (10_000, 13)] {
        let name = format!("synth{}k", rows / 1000);
        if want(&name) || want("synth") {
            let t = generate(&SynthParams {
                rows,
                seed,
                ..SynthParams::default()
            })
            .expect("generates");
            v.push((name, t));
        }
    }
    v
}

fn weighted(attributes: AttributeWeights) -> Criterion {
    Criterion::WeightedEntropy(WeightedEntropy {
        attributes,
        classes: ClassWeights::One,
    })
}

/// The tree variants compared: each a grid over the fast grid.
fn tree_variant(name: &str) -> Option<TreeLearner> {
    let base = TreeLearner::id3_weighted();
    let fast = Tune::Fast.grid().expect("fast grid");
    let ef = |bins| Binning::EqualFrequency { bins };
    let mdl = |max_bins| Binning::Mdl {
        min_bins: 1,
        max_bins,
    };
    let cf = |confidence| Pruning::Pessimistic { confidence };
    let ccp = |alpha| Pruning::CostComplexity { alpha };
    if let Some(rest) = name.strip_prefix("fix-") {
        // fix-D-L-M: untuned, depth D (0 = unlimited), min leaf L rows, m-estimate M.
        let v: Vec<f64> = rest.split('-').filter_map(|x| x.parse().ok()).collect();
        if v.len() != 3 {
            return None;
        }
        let d = (v[0] > 0.0).then_some(v[0] as usize);
        let p = base
            .params
            .clone()
            .max_depth(d)
            .min_rows_leaf(v[1])
            .pruning(Pruning::None)
            .m_estimate(v[2]);
        return Some(TreeLearner::new(p, ef(16)).tune(Tune::Off));
    }
    if name == "distilled" {
        return Some(TreeLearner::id3_weighted_distilled());
    }
    let mut g = fast.clone();
    let mut leaf = LeafModel::Tuned;
    for part in name.split('+') {
        if let Some(a) = part.strip_prefix("nb").and_then(|a| a.parse::<f64>().ok()) {
            leaf = LeafModel::NaiveBayes { alpha: a };
            continue;
        }
        if let Some(a) = part.strip_prefix("wnb").and_then(|a| a.parse::<f64>().ok()) {
            let lambda = std::env::var("LAMBDA")
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(LEAF_WEIGHT_LAMBDA);
            leaf = LeafModel::WeightedNaiveBayes { alpha: a, lambda };
            continue;
        }
        if let Some(l) = part.strip_prefix("wl").and_then(|a| a.parse::<f64>().ok()) {
            leaf = LeafModel::TunedWeighted { lambda: l };
            continue;
        }
        match part {
            "off" => return Some(base.tune(Tune::Off)),
            // `fast` and an empty part (`+const` alone) are the library's default.
            "fast" | "" => {}
            "const" => leaf = LeafModel::Constant,
            "unw" => leaf = LeafModel::TunedUnweighted,
            "thorough" => g = Tune::Thorough.grid().expect("thorough grid"),
            "k0" => g.one_se = 0.0,
            "ll" => g.score = TuneScore::LogLoss,
            "k05" => g.one_se = 0.5,
            "rep1" => g.small_repeats = 1,
            "rep3" => g.small_repeats = 3,
            "ef64" => g.binnings.push(ef(64)),
            "ef128" => g.binnings.push(ef(128)),
            "ef8" => g.binnings.insert(0, ef(8)),
            "ef64only" => g.binnings = vec![ef(64)],
            "ef32only" => g.binnings = vec![ef(32)],
            "mdl" => g.binnings.push(mdl(32)),
            "mdl64" => g.binnings.push(mdl(64)),
            "attr" => {
                g.criteria = vec![
                    weighted(AttributeWeights::InverseValues),
                    weighted(AttributeWeights::One),
                ]
            }
            "gr" => {
                g.criteria = vec![
                    weighted(AttributeWeights::InverseValues),
                    Criterion::GainRatio,
                ]
            }
            "ccp" => g
                .prunings
                .extend([ccp(0.0005), ccp(0.001), ccp(0.002), ccp(0.005)]),
            "nocf" => g.prunings = vec![Pruning::None],
            "cf4" => g.prunings = vec![Pruning::None, cf(0.5), cf(0.25), cf(0.1)],
            "leaf8" => g.min_leaf = vec![0.00025, 0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.032],
            "m1000" => g.smoothing.push(1000.0),
            "folds10" => g.folds = 10,
            _ => return None,
        }
    }
    Some(base.tune_grid(g).leaf(leaf))
}

fn forest_variant(name: &str) -> Option<Forest> {
    let mut f = Forest::default();
    for part in name.split('+') {
        match part {
            "default" => {}
            "oob" => f = f.tune(ForestTune::Oob),
            "off" => f = f.tune(ForestTune::Off),
            "frac1" => f = f.sample_fraction(1.0),
            "leaf5" => f = f.min_rows_leaf(5.0),
            "leaf20" => f = f.min_rows_leaf(20.0),
            "t200" => f = f.n_trees(200),
            "ef128" => f = f.binning(Binning::EqualFrequency { bins: 128 }),
            "ef32" => f = f.binning(Binning::EqualFrequency { bins: 32 }),
            "nobatch" => f.grid.batch = 0,
            "tt60" => f.grid.tune_trees = 60,
            "tt25" => f.grid.tune_trees = 25,
            "gfrac" => f.grid.sample_fractions = vec![0.5, 1.0],
            "gleaf4" => f.grid.min_leaf = vec![10.0, 3.0, 30.0, 1.0],
            "gmf2" => f.grid.max_features = vec![1.0, 2.0],
            _ => return None,
        }
    }
    Some(f)
}

/// Fits a variant on rows of a table.
type FitFn<'a> = dyn Fn(&Table, &[usize]) -> Box<dyn Classifier> + 'a;

fn auc_of(c: &dyn Classifier, t: &Table, rows: &[usize]) -> f64 {
    let k = c.classes().len();
    let mut p = vec![0.0; rows.len() * k];
    c.predict_proba_into(t, rows, &mut p).expect("predicts");
    let churn = t.schema().target.churn_class();
    let s: Vec<f64> = p.chunks_exact(k).map(|r| r[churn]).collect();
    let pos: Vec<bool> = rows
        .iter()
        .map(|&r| t.labels()[r] as usize == churn)
        .collect();
    roc_auc(&s, &pos, None).unwrap_or(f64::NAN)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((kind, variants)) = args.split_first() else {
        eprintln!("usage: tune_cv tree|forest VARIANT...");
        return;
    };
    let k: usize = std::env::var("FOLDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    if kind == "nb" {
        for v in variants {
            nb_main(k, v);
        }
        return;
    }
    if kind == "wnb" {
        for v in variants {
            wnb_main(k, v);
        }
        return;
    }
    if kind == "distill" {
        distill_main(k);
        return;
    }
    if kind == "soft" {
        for v in variants {
            soft_main(k, v);
        }
        return;
    }
    let tables = tables();
    println!(
        "| variant | {} | mean | seconds |",
        tables
            .iter()
            .map(|t| t.0.as_str())
            .collect::<Vec<_>>()
            .join(" | ")
    );
    println!("|---|{}---:|---:|", "---:|".repeat(tables.len()));
    for v in variants {
        let debug = std::env::var_os("DEBUG").is_some();
        let fit: Box<FitFn<'_>> = match kind.as_str() {
            "tree" => match tree_variant(v) {
                Some(l) => Box::new(move |t: &Table, rows: &[usize]| {
                    let m = l.fit_tree(t, rows).expect("fits");
                    if debug && let Some(r) = &m.tuning {
                        let c = &r.chosen.setting;
                        eprintln!(
                            "  {v}: {:?} {:?} leaf {} depth {:?} {:?} m {} α {:?} (cv {:.4}, best {:.4}, {} leaves)",
                            c.binning,
                            c.criterion,
                            c.min_leaf,
                            c.max_depth,
                            c.pruning,
                            c.smoothing,
                            r.leaf_alpha,
                            r.chosen.auc,
                            r.best.auc,
                            m.tree.n_leaves()
                        );
                    }
                    Box::new(m) as Box<dyn Classifier>
                }),
                None => {
                    eprintln!("unknown tree variant {v}");
                    continue;
                }
            },
            _ => match forest_variant(v) {
                Some(f) => Box::new(move |t: &Table, rows: &[usize]| {
                    let m = f.fit_forest(t, rows).expect("fits");
                    if debug && let Some(r) = &m.tuning {
                        let c = &r.candidates[r.chosen];
                        eprintln!(
                            "  {v}: mf {} leaf {} frac {} oob {:?}; trees {:?}",
                            c.max_features, c.min_leaf, c.sample_fraction, c.oob_auc, r.trees_curve
                        );
                    }
                    Box::new(m) as Box<dyn Classifier>
                }),
                None => {
                    eprintln!("unknown forest variant {v}");
                    continue;
                }
            },
        };
        let t0 = Instant::now();
        let mut cells = Vec::new();
        let mut sum = 0.0;
        for (_, t) in &tables {
            let folds = stratified_kfold(t.labels(), k, 2024).expect("folds");
            let mut a = 0.0;
            for f in &folds {
                let c = fit(t, &f.train);
                a += auc_of(c.as_ref(), t, &f.test);
            }
            a /= folds.len() as f64;
            sum += a;
            cells.push(format!("{a:.4}"));
        }
        println!(
            "| {v} | {} | {:.4} | {:.0} |",
            cells.join(" | "),
            sum / tables.len() as f64,
            t0.elapsed().as_secs_f64()
        );
    }
}

// ---------------------------------------------------------------------------
// Prototype: naive-Bayes leaves (NBTree, Kohavi 1996) over a fitted tree.
// `cargo run --release --example tune_cv -- nb`
// ---------------------------------------------------------------------------

use churnkit::data::Encoded;
use churnkit::tree::{DecisionTree, TreeClassifier};

/// Per-node (feature × value × class) counts of the training rows that pass each node.
struct NbCounts {
    k: usize,
    offs: Vec<usize>,
    block: usize,
    counts: Vec<f64>,
    parent: Vec<usize>,
}

fn final_node(tree: &DecisionTree, enc: &Encoded, r: usize) -> (Vec<usize>, Vec<usize>) {
    let steps = tree.path(enc, r).expect("path");
    let mut nodes = vec![0];
    let mut feats = Vec::new();
    for s in &steps {
        feats.push(s.feature);
        if let Some(c) = s.child {
            nodes.push(c);
        }
    }
    (nodes, feats)
}

fn nb_counts(tree: &DecisionTree, enc: &Encoded, rows: &[usize]) -> NbCounts {
    let k = tree.n_classes();
    let mut offs = Vec::new();
    let mut block = 0;
    for f in 0..enc.n_features() {
        offs.push(block);
        block += enc.schema().features[f].cardinality() * k;
    }
    let nn = tree.n_nodes();
    let mut counts = vec![0.0; nn * block];
    let mut parent = vec![usize::MAX; nn];
    for n in 0..nn {
        for (_, c) in tree.children(n) {
            parent[c] = n;
        }
    }
    for &r in rows {
        let (nodes, _) = final_node(tree, enc, r);
        let y = enc.labels()[r] as usize;
        for &n in &nodes {
            let b = &mut counts[n * block..(n + 1) * block];
            for f in 0..enc.n_features() {
                b[offs[f] + enc.code(r, f) as usize * k + y] += 1.0;
            }
        }
    }
    NbCounts {
        k,
        offs,
        block,
        counts,
        parent,
    }
}

/// (Index loops mirror the formula; a prototype kept for its measurements.)
#[allow(clippy::needless_range_loop)]
/// log θ per node: root Laplace, children m-estimate toward the parent's θ
/// (m = inf: every node uses the root's).
fn nb_log_theta(nc: &NbCounts, tree: &DecisionTree, m: f64) -> Vec<f64> {
    let k = nc.k;
    let nn = tree.n_nodes();
    let mut theta = vec![0.0; nn * nc.block];
    let nf = nc.offs.len();
    let card = |f: usize| {
        let end = if f + 1 < nf { nc.offs[f + 1] } else { nc.block };
        (end - nc.offs[f]) / k
    };
    // Nodes are in depth-first order: a parent before its children.
    for n in 0..nn {
        let cnt = tree.node_counts(n).to_vec();
        for f in 0..nf {
            let o = nc.offs[f];
            let cf = card(f);
            for v in 0..cf {
                for c in 0..k {
                    let i = o + v * k + c;
                    let x = nc.counts[n * nc.block + i];
                    let t = if n == 0 {
                        (x + 1.0) / (cnt[c] + cf as f64)
                    } else if m.is_infinite() {
                        theta[nc.parent[n] * nc.block + i]
                    } else {
                        (x + m * theta[nc.parent[n] * nc.block + i]) / (cnt[c] + m)
                    };
                    theta[n * nc.block + i] = t;
                }
            }
        }
    }
    theta
}

#[allow(clippy::needless_range_loop)]
/// Churn scores of `rows` under NB leaves: log π_node(c) + α Σ_{f off path} log θ.
fn nb_scores(
    tree: &DecisionTree,
    nc: &NbCounts,
    theta: &[f64],
    enc: &Encoded,
    rows: &[usize],
    alpha: f64,
    churn: usize,
) -> Vec<f64> {
    let k = nc.k;
    let mut pi = vec![0.0; k];
    rows.iter()
        .map(|&r| {
            let (nodes, feats) = final_node(tree, enc, r);
            let n = *nodes.last().expect("root");
            tree.node_proba_into(n, &mut pi);
            let mut s: Vec<f64> = pi.iter().map(|p| p.max(1e-12).ln()).collect();
            for f in 0..enc.n_features() {
                if alpha == 0.0 || feats.contains(&f) {
                    continue;
                }
                let o = n * nc.block + nc.offs[f] + enc.code(r, f) as usize * k;
                for c in 0..k {
                    s[c] += alpha * theta[o + c].ln();
                }
            }
            let mx = s.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let z: f64 = s.iter().map(|x| (x - mx).exp()).sum();
            (s[churn] - mx).exp() / z
        })
        .collect()
}

fn auc_scores(s: &[f64], t: &Table, rows: &[usize]) -> f64 {
    let churn = t.schema().target.churn_class();
    let pos: Vec<bool> = rows
        .iter()
        .map(|&r| t.labels()[r] as usize == churn)
        .collect();
    roc_auc(s, &pos, None).unwrap_or(f64::NAN)
}

/// The NB variants: (m, alpha); alpha 0 = the tree's own leaves.
const NB_VARIANTS: [(f64, f64); 13] = [
    (0.0, 0.0),
    (f64::INFINITY, 0.05),
    (f64::INFINITY, 0.1),
    (f64::INFINITY, 0.15),
    (f64::INFINITY, 0.25),
    (1000.0, 0.05),
    (1000.0, 0.1),
    (1000.0, 0.25),
    (200.0, 0.1),
    (200.0, 0.25),
    (50.0, 0.1),
    (50.0, 0.25),
    (50.0, 0.5),
];

fn nb_all(
    tc: &TreeClassifier,
    t: &Table,
    enc: &Encoded,
    train: &[usize],
    test: &[usize],
) -> Vec<f64> {
    let churn = t.schema().target.churn_class();
    let nc = nb_counts(&tc.tree, enc, train);
    let mut out = Vec::new();
    let mut cache: Vec<(f64, Vec<f64>)> = Vec::new();
    for &(m, a) in &NB_VARIANTS {
        if a == 0.0 {
            let s = nb_scores(&tc.tree, &nc, &[], enc, test, 0.0, churn);
            out.push(auc_scores(&s, t, test));
            continue;
        }
        if !cache.iter().any(|(x, _)| *x == m) {
            cache.push((m, nb_log_theta(&nc, &tc.tree, m)));
        }
        let th = &cache.iter().find(|(x, _)| *x == m).expect("cached").1;
        let s = nb_scores(&tc.tree, &nc, th, enc, test, a, churn);
        out.push(auc_scores(&s, t, test));
    }
    out
}

pub fn nb_main(k: usize, tree_name: &str) {
    let tables = tables();
    let base = tree_variant(tree_name).expect("tree variant");
    let inner = std::env::var_os("INNER").is_some();
    println!(
        "| NB leaves on `{tree_name}` (m, α) | {} | mean |",
        tables
            .iter()
            .map(|t| t.0.as_str())
            .collect::<Vec<_>>()
            .join(" | ")
    );
    let nv = NB_VARIANTS.len() + 1;
    let mut grid = vec![vec![0.0; tables.len()]; nv];
    for (ti, (_, t)) in tables.iter().enumerate() {
        let folds = stratified_kfold(t.labels(), k, 2024).expect("folds");
        for f in &folds {
            let tc = base.fit_tree(t, &f.train).expect("fits");
            let enc = tc.discretizer.encode(t).expect("encodes");
            let a = nb_all(&tc, t, &enc, &f.train, &f.test);
            for (i, x) in a.iter().enumerate() {
                grid[i][ti] += x / folds.len() as f64;
            }
            // Inner CV choice of the variant, on the tuned setting refitted per inner fold.
            if inner {
                let learner = match &tc.tuning {
                    Some(r) => base.tuned_for(r, f.train.len()),
                    None => base.clone(),
                };
                let lab: Vec<u8> = f.train.iter().map(|&r| t.labels()[r]).collect();
                let ifolds = stratified_kfold(&lab, 5, 7).expect("inner folds");
                let mut sc = vec![0.0; NB_VARIANTS.len()];
                for g in &ifolds {
                    let tr: Vec<usize> = g.train.iter().map(|&i| f.train[i]).collect();
                    let te: Vec<usize> = g.test.iter().map(|&i| f.train[i]).collect();
                    let itc = learner
                        .clone()
                        .tune(churnkit::tree::Tune::Off)
                        .fit_tree(t, &tr)
                        .expect("inner fit");
                    let ienc = itc.discretizer.encode(t).expect("encodes");
                    for (i, x) in nb_all(&itc, t, &ienc, &tr, &te).iter().enumerate() {
                        sc[i] += x;
                    }
                }
                let best = (0..sc.len())
                    .max_by(|&a, &b| sc[a].total_cmp(&sc[b]))
                    .expect("variants");
                eprintln!("  {}: inner pick {:?}", tables[ti].0, NB_VARIANTS[best]);
                grid[nv - 1][ti] += a[best] / folds.len() as f64;
            }
        }
    }
    for (i, row) in grid.iter().enumerate() {
        let name = if i < NB_VARIANTS.len() {
            format!("{:?}", NB_VARIANTS[i])
        } else {
            "inner-CV pick".to_string()
        };
        println!(
            "| {name} | {} | {:.4} |",
            row.iter()
                .map(|x| format!("{x:.4}"))
                .collect::<Vec<_>>()
                .join(" | "),
            row.iter().sum::<f64>() / row.len() as f64
        );
    }
}

// ---------------------------------------------------------------------------
// Prototype: soft thresholds over a fitted tree (Quinlan's C4.5 probabilistic
// thresholds; Ling & Yan 2003). A numeric feature's row is spread over the codes
// `c − w ..= c + w` with triangular weights, each going down its own child; the
// row's probability is the weighted mixture of the (naive-Bayes refined) leaves.
// `cargo run --release --example tune_cv -- soft`
// ---------------------------------------------------------------------------

/// The churn probability of `row` with soft width `w` (codes).
fn soft_score(tc: &TreeClassifier, enc: &Encoded, row: usize, w: usize, churn: usize) -> f64 {
    let tree = &tc.tree;
    let k = tree.n_classes();
    let nf = enc.n_features();
    let mut offs = Vec::new();
    let mut at = 0;
    for f in 0..nf {
        offs.push(at);
        at += enc.schema().features[f].cardinality() * k;
    }
    let mut out = vec![0.0; k];
    let mut pi = vec![0.0; k];
    let mut s = vec![0.0; k];
    let mut stack: Vec<(usize, f64, Vec<bool>)> = vec![(0, 1.0, vec![false; nf])];
    while let Some((n, wt, mut path)) = stack.pop() {
        let node = &tree.nodes()[n];
        if !node.is_leaf() {
            let f = node.feature as usize;
            path[f] = true;
            let feat = &enc.schema().features[f];
            let c = enc.code(row, f);
            if feat.numeric && c != feat.missing_code() && w > 0 {
                let lo = (c as usize).saturating_sub(w);
                let hi = (c as usize + w).min(feat.n_levels() - 1);
                let mut parts: Vec<(Option<usize>, f64)> = Vec::new();
                for code in lo..=hi {
                    let kw = (w + 1 - code.abs_diff(c as usize)) as f64;
                    let ch = tree.child(n, code as u16);
                    match parts.iter_mut().find(|(x, _)| *x == ch) {
                        Some(p) => p.1 += kw,
                        None => parts.push((ch, kw)),
                    }
                }
                let tot: f64 = parts.iter().map(|p| p.1).sum();
                let mut own = 0.0;
                for (ch, kw) in parts {
                    match ch {
                        Some(ch) => stack.push((ch, wt * kw / tot, path.clone())),
                        None => own += kw / tot,
                    }
                }
                if own == 0.0 {
                    continue;
                }
                // The empty-slot share stops here.
                tree.node_proba_into(n, &mut pi);
                mix(tc, enc, row, &offs, &path, &pi, &mut s, wt * own, &mut out);
                continue;
            }
            if let Some(ch) = tree.child(n, c) {
                stack.push((ch, wt, path));
                continue;
            }
        }
        {
            tree.node_proba_into(n, &mut pi);
            mix(tc, enc, row, &offs, &path, &pi, &mut s, wt, &mut out);
        }
    }
    out[churn] / out.iter().sum::<f64>()
}

#[allow(clippy::too_many_arguments, clippy::needless_range_loop)]
fn mix(
    tc: &TreeClassifier,
    enc: &Encoded,
    row: usize,
    offs: &[usize],
    path: &[bool],
    pi: &[f64],
    s: &mut [f64],
    wt: f64,
    out: &mut [f64],
) {
    let k = pi.len();
    for c in 0..k {
        s[c] = pi[c].max(1e-300).ln();
    }
    if let Some(nb) = &tc.leaves {
        for f in 0..offs.len() {
            if path[f] {
                continue;
            }
            let o = offs[f] + enc.code(row, f) as usize * k;
            for c in 0..k {
                s[c] += nb.alpha * nb.log_theta[o + c];
            }
        }
    }
    let mx = s.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let z: f64 = s.iter().map(|x| (x - mx).exp()).sum();
    for c in 0..k {
        out[c] += wt * (s[c] - mx).exp() / z;
    }
}

const SOFT_W: [usize; 6] = [0, 1, 2, 3, 4, 6];

fn soft_all(tc: &TreeClassifier, t: &Table, enc: &Encoded, test: &[usize]) -> Vec<f64> {
    let churn = t.schema().target.churn_class();
    SOFT_W
        .iter()
        .map(|&w| {
            let s: Vec<f64> = test
                .iter()
                .map(|&r| soft_score(tc, enc, r, w, churn))
                .collect();
            auc_scores(&s, t, test)
        })
        .collect()
}

pub fn soft_main(k: usize, tree_name: &str) {
    let tables = tables();
    let base = tree_variant(tree_name).expect("tree variant");
    let inner = std::env::var_os("INNER").is_some();
    println!(
        "| soft width on `{tree_name}` | {} | mean |",
        tables
            .iter()
            .map(|t| t.0.as_str())
            .collect::<Vec<_>>()
            .join(" | ")
    );
    let nv = SOFT_W.len() + 1;
    let mut grid = vec![vec![0.0; tables.len()]; nv];
    for (ti, (_, t)) in tables.iter().enumerate() {
        let folds = stratified_kfold(t.labels(), k, 2024).expect("folds");
        for f in &folds {
            let tc = base.fit_tree(t, &f.train).expect("fits");
            let enc = tc.discretizer.encode(t).expect("encodes");
            let a = soft_all(&tc, t, &enc, &f.test);
            for (i, x) in a.iter().enumerate() {
                grid[i][ti] += x / folds.len() as f64;
            }
            if inner {
                let learner = match &tc.tuning {
                    Some(r) => base.tuned_for(r, f.train.len()),
                    None => base.clone(),
                };
                let lab: Vec<u8> = f.train.iter().map(|&r| t.labels()[r]).collect();
                let ifolds = stratified_kfold(&lab, 5, 7).expect("inner folds");
                let mut sc = vec![0.0; SOFT_W.len()];
                for g in &ifolds {
                    let tr: Vec<usize> = g.train.iter().map(|&i| f.train[i]).collect();
                    let te: Vec<usize> = g.test.iter().map(|&i| f.train[i]).collect();
                    let itc = learner
                        .clone()
                        .tune(churnkit::tree::Tune::Off)
                        .fit_tree(t, &tr)
                        .expect("inner fit");
                    let ienc = itc.discretizer.encode(t).expect("encodes");
                    for (i, x) in soft_all(&itc, t, &ienc, &te).iter().enumerate() {
                        sc[i] += x;
                    }
                }
                let best = (0..sc.len())
                    .max_by(|&a, &b| sc[a].total_cmp(&sc[b]))
                    .expect("variants");
                eprintln!("  {}: inner pick w {}", tables[ti].0, SOFT_W[best]);
                grid[nv - 1][ti] += a[best] / folds.len() as f64;
            }
        }
    }
    for (i, row) in grid.iter().enumerate() {
        let name = if i < SOFT_W.len() {
            format!("w = {}", SOFT_W[i])
        } else {
            "inner-CV pick".to_string()
        };
        println!(
            "| {name} | {} | {:.4} |",
            row.iter()
                .map(|x| format!("{x:.4}"))
                .collect::<Vec<_>>()
                .join(" | "),
            row.iter().sum::<f64>() / row.len() as f64
        );
    }
}

// ---------------------------------------------------------------------------
// Prototype: discriminatively weighted naive-Bayes leaves (WANBIA, Zaidi et al.
// 2013): per-feature weights w_f of the root naive Bayes maximise the conditional
// log-likelihood of the training rows (L2 toward 0, Newton); the leaves then refine
// by α Σ_{f ∉ path} w_f ln θ. `cargo run --release --example tune_cv -- wnb`
// ---------------------------------------------------------------------------

/// ln θ(f, x_f, c) of `row`, flat [feature][class].
fn wnb_logs(
    nb: &churnkit::tree::NaiveBayesLeaves,
    enc: &Encoded,
    row: usize,
    offs: &[usize],
    k: usize,
    l: &mut [f64],
) {
    for f in 0..offs.len() {
        let o = offs[f] + enc.code(row, f) as usize * k;
        l[f * k..(f + 1) * k].copy_from_slice(&nb.log_theta[o..o + k]);
    }
}

fn offsets_of(enc: &Encoded, k: usize) -> Vec<usize> {
    let mut offs = Vec::new();
    let mut at = 0;
    for f in 0..enc.n_features() {
        offs.push(at);
        at += enc.schema().features[f].cardinality() * k;
    }
    offs
}

/// The weights by Newton's method.
#[allow(clippy::needless_range_loop)]
fn wnb_weights(tc: &TreeClassifier, enc: &Encoded, rows: &[usize], lambda: f64) -> Vec<f64> {
    let nb = tc.leaves.as_ref().expect("nb leaves");
    let k = tc.tree.n_classes();
    let d = enc.n_features();
    let offs = offsets_of(enc, k);
    let mut prior = vec![0.0; k];
    for &r in rows {
        prior[enc.labels()[r] as usize] += 1.0;
    }
    let n = rows.len() as f64;
    let lp: Vec<f64> = prior
        .iter()
        .map(|x| ((x + 1.0) / (n + k as f64)).ln())
        .collect();
    let mut ls = vec![0.0; rows.len() * d * k];
    for (i, &r) in rows.iter().enumerate() {
        wnb_logs(nb, enc, r, &offs, k, &mut ls[i * d * k..(i + 1) * d * k]);
    }
    let mut w = vec![0.0; d];
    let obj = |w: &[f64]| -> f64 {
        let mut s = 0.0;
        let mut a = vec![0.0; k];
        for (i, &r) in rows.iter().enumerate() {
            let l = &ls[i * d * k..(i + 1) * d * k];
            for c in 0..k {
                a[c] = lp[c] + (0..d).map(|f| w[f] * l[f * k + c]).sum::<f64>();
            }
            let mx = a.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let z: f64 = a.iter().map(|x| (x - mx).exp()).sum();
            s += a[enc.labels()[r] as usize] - mx - z.ln();
        }
        s - 0.5 * lambda * w.iter().map(|x| x * x).sum::<f64>()
    };
    let mut cur = obj(&w);
    for _ in 0..30 {
        let mut g = vec![0.0; d];
        let mut h = vec![0.0; d * d];
        let mut a = vec![0.0; k];
        let mut p = vec![0.0; k];
        let mut m = vec![0.0; d];
        for (i, &r) in rows.iter().enumerate() {
            let l = &ls[i * d * k..(i + 1) * d * k];
            for c in 0..k {
                a[c] = lp[c] + (0..d).map(|f| w[f] * l[f * k + c]).sum::<f64>();
            }
            let mx = a.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let z: f64 = a.iter().map(|x| (x - mx).exp()).sum();
            for c in 0..k {
                p[c] = (a[c] - mx).exp() / z;
            }
            let y = enc.labels()[r] as usize;
            for f in 0..d {
                m[f] = (0..k).map(|c| p[c] * l[f * k + c]).sum();
                g[f] += l[f * k + y] - m[f];
            }
            for f in 0..d {
                for e in 0..d {
                    let cov: f64 = (0..k)
                        .map(|c| p[c] * (l[f * k + c] - m[f]) * (l[e * k + c] - m[e]))
                        .sum();
                    h[f * d + e] += cov;
                }
            }
        }
        for f in 0..d {
            g[f] -= lambda * w[f];
            h[f * d + f] += lambda;
        }
        // Solve h · step = g (h positive definite) by Cholesky-free Gaussian elimination.
        let mut aug = h.clone();
        let mut b = g.clone();
        for i in 0..d {
            let piv = aug[i * d + i].max(1e-12);
            for j in i + 1..d {
                let fct = aug[j * d + i] / piv;
                for q in i..d {
                    aug[j * d + q] -= fct * aug[i * d + q];
                }
                b[j] -= fct * b[i];
            }
        }
        let mut step = vec![0.0; d];
        for i in (0..d).rev() {
            let s: f64 = (i + 1..d).map(|q| aug[i * d + q] * step[q]).sum();
            step[i] = (b[i] - s) / aug[i * d + i].max(1e-12);
        }
        let mut t = 1.0;
        let mut improved = false;
        for _ in 0..20 {
            let cand: Vec<f64> = w.iter().zip(&step).map(|(a, s)| a + t * s).collect();
            let o = obj(&cand);
            if o > cur {
                if o - cur < 1e-7 {
                    w = cand;
                    cur = o;
                    improved = false;
                    break;
                }
                w = cand;
                cur = o;
                improved = true;
                break;
            }
            t *= 0.5;
        }
        if !improved {
            break;
        }
    }
    w
}

const WNB_ALPHA: [f64; 6] = [0.1, 0.25, 0.5, 0.75, 1.0, 1.5];

/// AUCs: the tree as fitted, then per α the weighted refinement.
fn wnb_all(
    tc: &TreeClassifier,
    t: &Table,
    enc: &Encoded,
    train: &[usize],
    test: &[usize],
    lambda: f64,
) -> Vec<f64> {
    let churn = t.schema().target.churn_class();
    let mut out = vec![auc_of(tc, t, test)];
    let Some(nb) = &tc.leaves else {
        out.extend(WNB_ALPHA.iter().map(|_| f64::NAN));
        return out;
    };
    let k = tc.tree.n_classes();
    let d = enc.n_features();
    let offs = offsets_of(enc, k);
    let w = wnb_weights(tc, enc, train, lambda);
    if std::env::var_os("DEBUG").is_some() {
        eprintln!("    w {:.2?} (α {})", w, nb.alpha);
    }
    let mut pi = vec![0.0; k];
    let mut l = vec![0.0; d * k];
    for &a in &WNB_ALPHA {
        let s: Vec<f64> = test
            .iter()
            .map(|&r| {
                let (nodes, feats) = final_node(&tc.tree, enc, r);
                tc.tree
                    .node_proba_into(*nodes.last().expect("root"), &mut pi);
                wnb_logs(nb, enc, r, &offs, k, &mut l);
                let mut sc: Vec<f64> = pi.iter().map(|p| p.max(1e-300).ln()).collect();
                for f in 0..d {
                    if feats.contains(&f) {
                        continue;
                    }
                    for c in 0..k {
                        sc[c] += a * w[f] * l[f * k + c];
                    }
                }
                let mx = sc.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                let z: f64 = sc.iter().map(|x| (x - mx).exp()).sum();
                (sc[churn] - mx).exp() / z
            })
            .collect();
        out.push(auc_scores(&s, t, test));
    }
    out
}

pub fn wnb_main(k: usize, tree_name: &str) {
    let tables = tables();
    let base = tree_variant(tree_name).expect("tree variant");
    let lambda: f64 = std::env::var("LAMBDA")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0);
    println!(
        "| weighted NB leaves on `{tree_name}`, λ {lambda} | {} | mean |",
        tables
            .iter()
            .map(|t| t.0.as_str())
            .collect::<Vec<_>>()
            .join(" | ")
    );
    let nv = WNB_ALPHA.len() + 1;
    let mut grid = vec![vec![0.0; tables.len()]; nv];
    for (ti, (_, t)) in tables.iter().enumerate() {
        let folds = stratified_kfold(t.labels(), k, 2024).expect("folds");
        for f in &folds {
            let tc = base.fit_tree(t, &f.train).expect("fits");
            let enc = tc.discretizer.encode(t).expect("encodes");
            for (i, x) in wnb_all(&tc, t, &enc, &f.train, &f.test, lambda)
                .iter()
                .enumerate()
            {
                grid[i][ti] += x / folds.len() as f64;
            }
        }
    }
    for (i, row) in grid.iter().enumerate() {
        let name = if i == 0 {
            "as fitted".to_string()
        } else {
            format!("α = {}", WNB_ALPHA[i - 1])
        };
        println!(
            "| {name} | {} | {:.4} |",
            row.iter()
                .map(|x| format!("{x:.4}"))
                .collect::<Vec<_>>()
                .join(" | "),
            row.iter().sum::<f64>() / row.len() as f64
        );
    }
}

/// `-- distill`: the tuned tree (constant leaves) against the same setting fitted on
/// soft labels — each training row split into one weighted copy per class, the
/// weights the out-of-bag class distribution of a default forest grown on the fold's
/// training rows, mixed with the row's own label (β) — Breiman & Shang's "born-again"
/// trees, the forest's knowledge distilled into one tree.
fn distill_main(k: usize) {
    use churnkit::tree::ForestTune;
    let tables = tables();
    let variants = [
        "tuned",
        "β0 np d+4",
        "β0 np d+4 leaf/2",
        "β0 np dinf",
        "β0 np dinf leaf/2",
        "β0 np d+8 leaf/4",
    ];
    let only: Option<Vec<String>> = std::env::var("VARIANTS")
        .ok()
        .map(|s| s.split(',').map(str::to_string).collect());
    let variants: Vec<&str> = variants
        .into_iter()
        .filter(|v| *v == "tuned" || only.as_ref().is_none_or(|o| o.iter().any(|x| x == v)))
        .collect();
    println!("| table | {} |", variants.join(" | "));
    for (name, t) in &tables {
        let folds = stratified_kfold(t.labels(), k, 2024).expect("folds");
        let mut sums = vec![0.0; variants.len()];
        for f in &folds {
            let learner = TreeLearner::id3_weighted().leaf(LeafModel::Constant);
            let m = learner.fit_tree(t, &f.train).expect("fits");
            let enc = m.discretizer.encode_rows(t, &f.train).expect("enc").0;
            let te = m.discretizer.encode_rows(t, &f.test).expect("enc").0;
            let kc = enc.n_classes();
            let churn = t.schema().target.churn_class();
            let pos: Vec<bool> = f
                .test
                .iter()
                .map(|&r| t.labels()[r] as usize == churn)
                .collect();
            let score = |tree: &DecisionTree| {
                let mut p = vec![0.0; te.n_rows() * kc];
                tree.predict_proba_into(&te, &mut p).expect("predicts");
                let s: Vec<f64> = p.chunks_exact(kc).map(|r| r[churn]).collect();
                roc_auc(&s, &pos, None).unwrap()
            };
            sums[0] += score(&m.tree);
            let forest = Forest::params().tune(ForestTune::Off);
            let (dist, cnt) = forest.oob_distributions(&enc).expect("oob");
            let n = enc.n_rows();
            let rows: Vec<usize> = (0..kc).flat_map(|_| 0..n).collect();
            let sel = enc.select(&rows);
            let labels: Vec<u8> = (0..kc)
                .flat_map(|c| std::iter::repeat_n(c as u8, n))
                .collect();
            let report = m.tuning.as_ref().expect("tuned");
            let base = learner.tuned_for(report, n).params;
            for (vi, v) in variants.iter().enumerate().skip(1) {
                let beta: f64 = v[2..].split(' ').next().unwrap().parse().unwrap();
                let div = if v.ends_with("/2") {
                    2.0
                } else if v.ends_with("/4") {
                    4.0
                } else {
                    1.0
                };
                let w: Vec<f64> = (0..kc)
                    .flat_map(|c| {
                        let (dist, cnt, enc) = (&dist, &cnt, &enc);
                        (0..n).map(move |i| {
                            let y = (enc.labels()[i] as usize == c) as u8 as f64;
                            if cnt[i] == 0 {
                                y
                            } else {
                                (1.0 - beta) * dist[i * kc + c] + beta * y
                            }
                        })
                    })
                    .collect();
                let soft = Encoded::new(
                    sel.schema().clone(),
                    sel.columns().to_vec(),
                    labels.clone(),
                    Some(w),
                )
                .expect("soft");
                let mut p = base.clone();
                if v.contains("np") {
                    p = p.pruning(Pruning::None);
                }
                if v.contains("d+4") {
                    p = p.max_depth(report.chosen.setting.max_depth.map(|d| d + 4));
                }
                if v.contains("d+8") {
                    p = p.max_depth(report.chosen.setting.max_depth.map(|d| d + 8));
                }
                if v.contains("dinf") {
                    p = p.max_depth(None);
                }
                let p = p.min_rows_leaf(
                    (report.chosen.setting.min_leaf_fraction * n as f64 / div)
                        .round()
                        .max(2.0),
                );
                let tree = p.fit(&soft).expect("fits");
                sums[vi] += score(&tree);
            }
        }
        let cells: Vec<String> = sums
            .iter()
            .map(|s| format!("{:.4}", s / folds.len() as f64))
            .collect();
        println!("| {name} | {} |", cells.join(" | "));
    }
}
