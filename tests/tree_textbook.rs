//! Known answers for the ID3 family: Quinlan's play-tennis tree, weighted entropy with
//! unit weights = ID3, the many-values bias, determinism, pruning guarantees, missing
//! values, exports and parameter errors.

use std::sync::Arc;

use churnkit::count::{CountTable, Counter, InMemory, Rows, Var};
use churnkit::data::{Codes, Encoded, EncodedFeature, EncodedSchema, stratified_holdout};
use churnkit::tree::{
    AttributeWeights, ClassWeights, Criterion, DecisionTree, Id3, MissingPolicy, Pruning,
    WeightedEntropy,
};
use churnkit::tree::{NLogN, SplitCriterion, estimated_errors};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const TENNIS: [[&str; 5]; 14] = [
    ["Sunny", "Hot", "High", "Weak", "no"],
    ["Sunny", "Hot", "High", "Strong", "no"],
    ["Overcast", "Hot", "High", "Weak", "yes"],
    ["Rain", "Mild", "High", "Weak", "yes"],
    ["Rain", "Cool", "Normal", "Weak", "yes"],
    ["Rain", "Cool", "Normal", "Strong", "no"],
    ["Overcast", "Cool", "Normal", "Strong", "yes"],
    ["Sunny", "Mild", "High", "Weak", "no"],
    ["Sunny", "Cool", "Normal", "Weak", "yes"],
    ["Rain", "Mild", "Normal", "Weak", "yes"],
    ["Sunny", "Mild", "Normal", "Strong", "yes"],
    ["Overcast", "Mild", "High", "Strong", "yes"],
    ["Overcast", "Hot", "Normal", "Weak", "yes"],
    ["Rain", "Mild", "High", "Strong", "no"],
];

/// Builds an encoded table from text columns (levels sorted; `None` cells missing).
fn encode(names: &[&str], cols: &[Vec<Option<String>>], labels: Vec<u8>) -> Encoded {
    let mut features = Vec::new();
    let mut columns = Vec::new();
    for (name, col) in names.iter().zip(cols) {
        let mut levels: Vec<String> = col.iter().flatten().cloned().collect();
        levels.sort();
        levels.dedup();
        let missing = levels.len() as u16;
        let codes: Vec<u16> = col
            .iter()
            .map(|c| match c {
                Some(v) => levels.iter().position(|l| l == v).unwrap() as u16,
                None => missing,
            })
            .collect();
        let card = levels.len() + 1;
        features.push(EncodedFeature {
            name: name.to_string(),
            levels: levels.into(),
            numeric: false,
        });
        columns.push(Codes::from_u16(codes, card));
    }
    let schema = Arc::new(EncodedSchema {
        features,
        classes: vec!["no".into(), "yes".into()],
    });
    Encoded::new(schema, columns, labels, None).unwrap()
}

fn tennis(with_id: bool) -> Encoded {
    let mut names = vec!["Outlook", "Temperature", "Humidity", "Wind"];
    let mut cols: Vec<Vec<Option<String>>> = (0..4)
        .map(|j| TENNIS.iter().map(|r| Some(r[j].to_string())).collect())
        .collect();
    if with_id {
        names.push("CustomerID");
        cols.push((0..14).map(|i| Some(format!("C{i:02}"))).collect());
    }
    let labels = TENNIS.iter().map(|r| (r[4] == "yes") as u8).collect();
    encode(&names, &cols, labels)
}

fn feature_of(tree: &DecisionTree, node: usize) -> &str {
    &tree.schema().features[tree.nodes()[node].feature as usize].name
}

fn child_by_level(tree: &DecisionTree, node: usize, level: &str) -> usize {
    let f = &tree.schema().features[tree.nodes()[node].feature as usize];
    let code = f.levels.iter().position(|l| l == level).unwrap() as u16;
    tree.child(node, code).unwrap()
}

fn assert_textbook(tree: &DecisionTree) {
    assert_eq!(feature_of(tree, 0), "Outlook");
    let sunny = child_by_level(tree, 0, "Sunny");
    let rain = child_by_level(tree, 0, "Rain");
    let overcast = child_by_level(tree, 0, "Overcast");
    assert_eq!(feature_of(tree, sunny), "Humidity");
    assert_eq!(feature_of(tree, rain), "Wind");
    assert!(tree.nodes()[overcast].is_leaf());
    assert_eq!(tree.node_counts(overcast), &[0.0, 4.0]);
    // Humidity and Wind branches are pure leaves.
    for n in [sunny, rain] {
        for (_, c) in tree.children(n) {
            assert!(tree.nodes()[c].is_leaf());
            assert!(tree.node_counts(c).contains(&0.0));
        }
    }
    assert_eq!(tree.n_leaves(), 5);
    assert_eq!(tree.n_nodes(), 8);
}

#[test]
fn play_tennis_gives_quinlans_tree_and_root_gains() {
    let enc = tennis(false);
    let tree = Id3::params().fit(&enc).unwrap();
    assert_textbook(&tree);
    assert_eq!(tree.predict(&enc).unwrap(), enc.labels());

    // Root gains to three decimals (Mitchell 1997, Table 3.2 / Quinlan 1986).
    let crit = Criterion::InformationGain
        .resolve(enc.schema(), &[5.0, 9.0])
        .unwrap();
    let lg = NLogN::new(15);
    let mut t = CountTable::default();
    let mut gains = Vec::new();
    for j in 0..4 {
        InMemory::new(&enc).contingency(Rows::All, &[Var::Feature(j), Var::Class], &mut t);
        gains.push(crit.candidate(&lg, j, t.counts(), 2, None).gain);
    }
    let r3 = |x: f64| (x * 1000.0).round() / 1000.0;
    assert_eq!(r3(gains[0]), 0.247); // 0.2467: the textbook's 0.246 truncates
    assert!((gains[0] - 0.246).abs() < 0.001);
    assert_eq!(r3(gains[1]), 0.029);
    assert_eq!(r3(gains[2]), 0.152); // 0.1518 (textbook 0.151)
    assert!((gains[2] - 0.151).abs() < 0.001);
    assert_eq!(r3(gains[3]), 0.048);
    assert_eq!(tree.nodes()[0].gain, gains[0]);

    // Exports and explanations in the user's words.
    let text = tree.to_text();
    assert!(
        text.contains("Outlook = Overcast: yes (no 0, yes 4)"),
        "{text}"
    );
    assert!(
        text.contains("|   Humidity = High: no (no 3, yes 0)"),
        "{text}"
    );
    let rules = tree.rules();
    assert_eq!(rules.len(), 5);
    let r = rules
        .iter()
        .find(|r| r.conditions == ["Outlook = Rain", "Wind = Strong"])
        .unwrap();
    assert_eq!(
        (r.class.as_str(), r.support, r.confidence),
        ("no", 2.0, 1.0)
    );
    assert!(
        tree.rules_text()
            .contains("IF Outlook = Overcast THEN yes (support 4, confidence 1.000)")
    );
    let dot = tree.to_dot();
    assert!(dot.starts_with("digraph tree {") && dot.contains("-> n") && dot.contains("Humidity"));
    assert_eq!(
        tree.explain(&enc, 0).unwrap(),
        "Outlook = Sunny → Humidity = High ⇒ no 3, yes 0"
    );
    let imp = tree.importance();
    assert!((imp.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    // Outlook: 1 × 0.2467; Humidity and Wind: 5/14 × 0.971 each; Temperature unused.
    let h = |a: f64, b: f64| {
        let n = a + b;
        -(a / n) * (a / n).log2() - (b / n) * (b / n).log2()
    };
    let (o, hw) = (gains[0], 5.0 / 14.0 * h(3.0, 2.0));
    let total = o + 2.0 * hw;
    assert!((imp[0] - o / total).abs() < 1e-12);
    assert!((imp[2] - hw / total).abs() < 1e-12 && (imp[3] - hw / total).abs() < 1e-12);
    assert_eq!(imp[1], 0.0);
}

#[test]
fn weighted_entropy_with_unit_weights_is_exactly_id3() {
    let enc = tennis(true);
    let id3 = Id3::params().fit(&enc).unwrap();
    let w = Id3::params()
        .criterion(Criterion::WeightedEntropy(WeightedEntropy::unweighted()))
        .fit(&enc)
        .unwrap();
    let (a, b) = (
        bincode::serialize(&id3).unwrap(),
        bincode::serialize(&w).unwrap(),
    );
    // Same arena byte for byte except the criterion's name at the end.
    assert_eq!(id3.nodes(), w.nodes());
    assert_eq!(a.len() + "id3-weighted".len() - "id3".len(), b.len());
    let plain = tennis(false);
    let w2 = Id3::params()
        .criterion(Criterion::WeightedEntropy(WeightedEntropy::unweighted()))
        .fit(&plain)
        .unwrap();
    assert_textbook(&w2);
}

#[test]
fn an_id_column_fools_id3_but_not_weighted_entropy() {
    let enc = tennis(true);
    let id3 = Id3::params().fit(&enc).unwrap();
    assert_eq!(feature_of(&id3, 0), "CustomerID");
    assert_eq!(id3.n_leaves(), 14);
    let w = Id3::params()
        .criterion(Criterion::WeightedEntropy(WeightedEntropy::default()))
        .fit(&enc)
        .unwrap();
    assert_ne!(feature_of(&w, 0), "CustomerID");
    // C4.5's gain ratio does not: the id's gain (0.940) is the only one above the
    // average gain, so the average-gain filter leaves it alone (a known weakness).
    let gr = Id3::params()
        .criterion(Criterion::GainRatio)
        .fit(&enc)
        .unwrap();
    assert_eq!(feature_of(&gr, 0), "CustomerID");
    // An analyst prior of 0 on the id column also removes it.
    let prior = Id3::params()
        .criterion(Criterion::WeightedEntropy(WeightedEntropy {
            attributes: AttributeWeights::Priors(vec![("CustomerID".into(), 0.0)]),
            classes: ClassWeights::One,
        }))
        .fit(&enc)
        .unwrap();
    assert_textbook(&prior);
}

/// Noisy synthetic codes: the label depends on a few features plus noise.
fn noisy(n: usize, seed: u64, missing_rate: f64) -> Encoded {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let nf = 6;
    let card = [3usize, 4, 2, 5, 3, 6];
    let mut cols: Vec<Vec<Option<String>>> = vec![Vec::new(); nf];
    let mut labels = Vec::new();
    for _ in 0..n {
        let v: Vec<usize> = card.iter().map(|&c| rng.random_range(0..c)).collect();
        let score = (v[0] == 0) as u8 + (v[1] >= 2) as u8 + (v[3] == 4) as u8;
        let mut y = (score >= 2) as u8;
        if rng.random::<f64>() < 0.15 {
            y = 1 - y;
        }
        labels.push(y);
        for j in 0..nf {
            let cell = if rng.random::<f64>() < missing_rate {
                None
            } else {
                Some(format!("v{}", v[j]))
            };
            cols[j].push(cell);
        }
    }
    let names: Vec<String> = (0..nf).map(|j| format!("f{j}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    encode(&names, &cols, labels)
}

#[test]
fn same_data_and_parameters_give_the_same_tree_bytes() {
    let enc = noisy(3000, 7, 0.05);
    for p in [
        Id3::params(),
        Id3::weighted(),
        Id3::c45(),
        Id3::weighted().pruning(Pruning::Pessimistic { confidence: 0.25 }),
    ] {
        let a = p.clone().fit(&enc).unwrap();
        let b = p.fit(&enc).unwrap();
        assert_eq!(
            bincode::serialize(&a).unwrap(),
            bincode::serialize(&b).unwrap()
        );
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            serde_json::to_string(&b).unwrap()
        );
        let back: DecisionTree = bincode::deserialize(&bincode::serialize(&a).unwrap()).unwrap();
        assert!(back == a, "bincode round trip changed the tree");
    }
}

fn error_on(tree: &DecisionTree, enc: &Encoded, rows: &[usize]) -> usize {
    let pred = tree.predict(enc).unwrap();
    rows.iter().filter(|&&r| pred[r] != enc.labels()[r]).count()
}

#[test]
fn reduced_error_pruning_never_raises_error_on_its_pruning_rows() {
    for seed in 0..4 {
        let enc = noisy(2000, seed, 0.03);
        let p = Id3::params()
            .pruning(Pruning::ReducedError { fraction: 0.3 })
            .seed(seed);
        let pruned = p.clone().fit(&enc).unwrap();
        // The same hold-out, grown without pruning.
        let h = stratified_holdout(enc.labels(), 0.3, seed).unwrap();
        let grown = Id3::params()
            .check()
            .unwrap()
            .fit_rows(&enc, h.train.iter().map(|&r| r as u32).collect())
            .unwrap();
        assert!(pruned.n_nodes() < grown.n_nodes());
        let (e_pruned, e_grown) = (
            error_on(&pruned, &enc, &h.test),
            error_on(&grown, &enc, &h.test),
        );
        assert!(e_pruned <= e_grown, "seed {seed}: {e_pruned} > {e_grown}");
    }
}

#[test]
fn pessimistic_pruning_never_raises_the_estimated_error() {
    for seed in 0..4 {
        let enc = noisy(2000, seed, 0.03);
        let grown = Id3::params().fit(&enc).unwrap();
        let pruned = Id3::params()
            .pruning(Pruning::Pessimistic { confidence: 0.25 })
            .fit(&enc)
            .unwrap();
        assert!(pruned.n_nodes() < grown.n_nodes());
        let (a, b) = (
            estimated_errors(&pruned, 0.25),
            estimated_errors(&grown, 0.25),
        );
        assert!(a <= b + 1e-9, "seed {seed}: {a} > {b}");
    }
}

#[test]
fn unseen_or_missing_values_stop_at_the_node_with_its_distribution() {
    // Training has no missing Outlook; a row with missing Outlook stops at the root.
    let enc = tennis(false);
    let tree = Id3::params().fit(&enc).unwrap();
    let s = enc.schema().clone();
    let missing: Vec<Codes> = s
        .features
        .iter()
        .map(|f| Codes::U8(vec![f.missing_code() as u8]))
        .collect();
    let row = Encoded::new(s.clone(), missing, vec![0], None).unwrap();
    let p = tree.predict_proba(&row).unwrap();
    assert_eq!(p, vec![5.0 / 14.0, 9.0 / 14.0]);
    assert!(
        tree.explain(&row, 0)
            .unwrap()
            .contains("Outlook is missing (not seen here")
    );
    // Sunny with Humidity missing stops at the Humidity node: 3 no, 2 yes.
    let mut codes: Vec<Codes> = s
        .features
        .iter()
        .map(|f| Codes::U8(vec![f.missing_code() as u8]))
        .collect();
    codes[0] = Codes::U8(vec![2]); // Sunny
    let row = Encoded::new(s, codes, vec![0], None).unwrap();
    assert_eq!(tree.predict_proba(&row).unwrap(), vec![0.6, 0.4]);
    // Laplace smoothing: (n_k + 1) / (N + K).
    let mut t2 = tree.clone();
    t2.set_laplace(true);
    assert_eq!(t2.predict_proba(&row).unwrap(), vec![4.0 / 7.0, 3.0 / 7.0]);
}

#[test]
fn missing_values_are_their_own_branch_when_training_saw_them() {
    let enc = noisy(3000, 3, 0.2);
    let tree = Id3::params().max_depth(Some(1)).fit(&enc).unwrap();
    let f = tree.nodes()[0].feature as usize;
    let m = enc.schema().features[f].missing_code();
    assert!(tree.child(0, m).is_some());
}

#[test]
fn fractional_missing_values_spread_rows_over_branches() {
    let enc = noisy(3000, 5, 0.2);
    let tree = Id3::params()
        .missing(MissingPolicy::Fractional)
        .max_depth(Some(1))
        .fit(&enc)
        .unwrap();
    let f = tree.nodes()[0].feature as usize;
    let m = enc.schema().features[f].missing_code();
    assert!(
        tree.child(0, m).is_none(),
        "missing is not a branch under C4.5"
    );
    // Training weight is conserved: the children hold all of the root's weight.
    let kids: f64 = tree
        .children(0)
        .iter()
        .map(|&(_, c)| tree.nodes()[c].weight)
        .sum();
    assert!((kids - 3000.0).abs() < 1e-9);
    // A row missing the root feature gets the branch-weighted mix of the children.
    let rows: Vec<usize> = (0..enc.n_rows()).filter(|&r| enc.code(r, f) == m).collect();
    let sub = enc.select(&rows[..1]);
    let p = tree.predict_proba(&sub).unwrap();
    let mut expect = [0.0; 2];
    for (_, c) in tree.children(0) {
        let w = tree.nodes()[c].weight / kids;
        let cc = tree.node_counts(c);
        let n: f64 = cc.iter().sum();
        for k in 0..2 {
            expect[k] += w * cc[k] / n;
        }
    }
    assert!((p[0] - expect[0]).abs() < 1e-12 && (p[1] - expect[1]).abs() < 1e-12);
    // C4.5 defaults fit and predict the whole table.
    let c45 = Id3::c45().fit(&enc).unwrap();
    let acc = c45
        .predict(&enc)
        .unwrap()
        .iter()
        .zip(enc.labels())
        .filter(|(a, b)| a == b)
        .count() as f64
        / 3000.0;
    assert!(acc > 0.75, "{acc}");
}

#[test]
fn class_weights_change_the_split_toward_the_rare_class() {
    // f0 isolates the rare class perfectly but only a few rows; f1 splits the common
    // class better. Balanced class weights should prefer f0.
    let mut c0 = Vec::new();
    let mut c1 = Vec::new();
    let mut y = Vec::new();
    for i in 0..100 {
        let rare = i < 10;
        y.push(rare as u8);
        c0.push(Some(if i < 8 { "a" } else { "b" }.to_string()));
        c1.push(Some(
            if (10..60).contains(&i) || i < 4 {
                "x"
            } else {
                "z"
            }
            .to_string(),
        ));
    }
    let enc = encode(&["f0", "f1"], &[c0, c1], y);
    let bal = Id3::params()
        .criterion(Criterion::WeightedEntropy(WeightedEntropy {
            attributes: AttributeWeights::One,
            classes: ClassWeights::Balanced,
        }))
        .max_depth(Some(1))
        .fit(&enc)
        .unwrap();
    assert_eq!(feature_of(&bal, 0), "f0");
}

#[test]
fn bad_parameters_are_errors_not_panics() {
    let enc = tennis(false);
    assert!(Id3::params().min_rows_split(1.0).fit(&enc).is_err());
    assert!(Id3::params().min_rows_leaf(0.0).fit(&enc).is_err());
    assert!(Id3::params().min_gain(f64::NAN).fit(&enc).is_err());
    assert!(
        Id3::params()
            .pruning(Pruning::ReducedError { fraction: 1.0 })
            .fit(&enc)
            .is_err()
    );
    assert!(
        Id3::params()
            .pruning(Pruning::Pessimistic { confidence: 0.9 })
            .fit(&enc)
            .is_err()
    );
    let e = Id3::params()
        .criterion(Criterion::WeightedEntropy(WeightedEntropy {
            attributes: AttributeWeights::Priors(vec![("Nope".into(), 1.0)]),
            classes: ClassWeights::One,
        }))
        .fit(&enc)
        .unwrap_err();
    assert!(e.to_string().contains("Nope"), "{e}");
    assert!(
        Id3::params()
            .check()
            .unwrap()
            .fit_rows(&enc, vec![])
            .is_err()
    );
    assert!(
        Id3::params()
            .check()
            .unwrap()
            .fit_rows(&enc, vec![99])
            .is_err()
    );
    // Encoded rows of another schema are rejected at prediction.
    let tree = Id3::params().fit(&enc).unwrap();
    assert!(tree.predict(&tennis(true)).is_err());
}

#[test]
fn linfa_fit_and_predict_on_codes() {
    use linfa::prelude::*;
    use ndarray::{Array1, Array2};
    let enc = tennis(false);
    let x = Array2::from_shape_fn((14, 4), |(r, j)| enc.code(r, j));
    let y: Array1<usize> = enc.labels().iter().map(|&l| l as usize).collect();
    let ds = Dataset::new(x.clone(), y.clone()).with_feature_names(vec![
        "Outlook",
        "Temperature",
        "Humidity",
        "Wind",
    ]);
    // The inherent `fit`/`predict` (on `Encoded`) shadow linfa's: call the traits.
    let valid = Id3::params().check().unwrap();
    let tree = Fit::fit(&valid, &ds).unwrap();
    // Same shape as the textbook tree; levels are the codes' numbers here.
    let reference = Id3::params().fit(&enc).unwrap();
    assert_eq!(tree.nodes(), reference.nodes());
    assert_eq!(feature_of(&tree, 0), "Outlook");
    let pred: Array1<usize> = Predict::predict(&tree, &x);
    assert_eq!(pred, y);
}

/// Binary splits on a binned numeric may test the same feature twice on a path; the
/// rule for that leaf names the feature once, with the intersection of the branches.
#[test]
fn rules_merge_repeated_numeric_tests_into_the_tightest_condition() {
    let table = churnkit::data::read_csv(
        concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/synthetic-churn.csv"),
        &churnkit::data::CsvOptions::new("status").id_column("customer_id"),
    )
    .unwrap();
    let clf = churnkit::tree::TreeLearner::id3_weighted()
        .fit_tree(&table, &table.all_rows())
        .unwrap();
    let tree = &clf.tree;
    // Leaves in depth-first order with their path's features, as `rules()` walks them.
    fn walk(t: &DecisionTree, n: usize, path: &mut Vec<u32>, out: &mut Vec<Vec<u32>>) {
        if t.nodes()[n].is_leaf() {
            out.push(path.clone());
            return;
        }
        for (_, c) in t.children(n) {
            path.push(t.nodes()[n].feature);
            walk(t, c, path, out);
            path.pop();
        }
    }
    let mut paths = Vec::new();
    walk(tree, 0, &mut Vec::new(), &mut paths);
    let rules = tree.rules();
    assert_eq!(rules.len(), paths.len());
    let mut merged = 0;
    for (rule, path) in rules.iter().zip(&paths) {
        let mut distinct = path.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(rule.conditions.len(), distinct.len(), "{rule}");
        if distinct.len() < path.len() {
            merged += 1;
        }
        // Each feature named once.
        let mut names: Vec<&str> = rule
            .conditions
            .iter()
            .map(|c| c.split(' ').next().unwrap())
            .collect();
        names.sort_unstable();
        let n = names.len();
        names.dedup();
        assert_eq!(names.len(), n, "{rule}");
    }
    assert!(
        merged > 0,
        "the fixture should reuse a numeric feature on some path"
    );
}
