//! The tree's renderings (text, rules, DOT) and its fractional-missing scoring walk:
//! byte for byte what the recursive renderers wrote (snapshots taken from them, in
//! `tests/fixtures/render/`), and no recursion over the tree's depth — a chain
//! [`MAX_DEPTH`] deep renders and scores in a thread with a 64 KiB stack.
//!
//! `CHURNKIT_BLESS=1 cargo test --test tree_render` rewrites the snapshots (only after
//! checking that a change of rendering is wanted).

use std::sync::Arc;

use churnkit::data::{Codes, CsvOptions, Encoded, EncodedFeature, EncodedSchema, Table, read_csv};
use churnkit::tree::{DecisionTree, Id3Params, MAX_DEPTH, TreeLearner};

fn dataset(file: &str, opts: &CsvOptions) -> Table {
    let path = format!("{}/datasets/{file}", env!("CARGO_MANIFEST_DIR"));
    read_csv(&path, opts).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// FNV-1a, to pin long renderings without storing them.
fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Compares `text` with the snapshot `name` (or writes it when blessing).
fn snapshot(name: &str, text: &str) {
    let path = format!(
        "{}/tests/fixtures/render/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    if std::env::var_os("CHURNKIT_BLESS").is_some() {
        std::fs::create_dir_all(std::path::Path::new(&path).parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    if text != want {
        let at = text
            .lines()
            .zip(want.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(text.lines().count().min(want.lines().count()));
        panic!(
            "{name} differs from its snapshot at line {}:\n  now:  {:?}\n  then: {:?}",
            at + 1,
            text.lines().nth(at),
            want.lines().nth(at)
        );
    }
}

/// A few fitted trees: plain ID3 (multiway splits), weighted-entropy ID3 (binary
/// numeric splits that test a feature again, merged in the rules), C4.5 (fractional
/// missing values).
fn fitted() -> Vec<(&'static str, DecisionTree)> {
    let telco = dataset(
        "telco-train.csv",
        &CsvOptions::new("Churn").id_column("customerID"),
    );
    let synthetic = dataset(
        "synthetic-churn.csv",
        &CsvOptions::new("status").id_column("customer_id"),
    );
    let fit = |l: TreeLearner, t: &Table| l.fit_tree(t, &t.all_rows()).unwrap().tree;
    let id3 = TreeLearner::new(
        Id3Params::default().max_depth(Some(4)),
        churnkit::data::Binning::EqualFrequency { bins: 5 },
    );
    vec![
        ("telco-id3", fit(id3, &telco)),
        (
            "synthetic-weighted",
            fit(
                TreeLearner::id3_weighted().tune(churnkit::tree::Tune::Off),
                &synthetic,
            ),
        ),
        ("telco-c45", fit(TreeLearner::c45(), &telco)),
    ]
}

#[test]
fn renderings_are_those_of_the_recursive_renderers() {
    for (name, tree) in fitted() {
        let text = tree.to_text();
        let rules = tree.rules_text();
        let dot = tree.to_dot();
        assert!(text.lines().count() > 5, "{name}: {text}");
        snapshot(&format!("{name}.txt"), &text);
        snapshot(&format!("{name}.rules"), &rules);
        snapshot(&format!("{name}.dot"), &dot);
        // The structured rules are the text's.
        let joined: String = tree.rules().iter().map(|r| format!("{r}\n")).collect();
        assert_eq!(joined, rules);
    }
}

/// A chain `MAX_DEPTH` deep: internal node `d` tests feature `f{d}`; code 0 goes to a
/// leaf, code 1 deeper; the last internal node has two leaves. Leaves alternate
/// between the classes; every internal node's counts are its children's sums. C4.5's
/// fractional policy, so a row missing everything is spread over all 1,001 leaves.
fn chain() -> DecisionTree {
    let depth = MAX_DEPTH;
    let features: Vec<serde_json::Value> = (0..depth)
        .map(|d| serde_json::json!({"name": format!("f{d}"), "levels": ["lo", "hi"], "numeric": false}))
        .collect();
    // Nodes in depth-first pre-order: I0, L1, I1, L2, I2, …, I(depth-1), L, L.
    let mut nodes = Vec::new();
    let mut slots: Vec<u32> = Vec::new();
    let mut counts: Vec<[f64; 2]> = Vec::new();
    let node = |feature: u32, first: usize, d: usize, w: f64| {
        serde_json::json!({"feature": feature, "first_slot": first, "depth": d,
                           "gain": if feature == u32::MAX { 0.0 } else { 0.5 }, "weight": w})
    };
    // Leaf `i` (0-based, 1,001 of them): class i % 2, weight 1 + i % 3.
    let leaf = |i: usize| {
        let w = 1.0 + (i % 3) as f64;
        if i % 2 == 0 { [w, 0.0] } else { [0.0, w] }
    };
    let n_leaves = depth + 1;
    // Internal node d covers leaves d..n_leaves.
    let below = |d: usize| {
        (d..n_leaves).fold([0.0, 0.0], |a, i| {
            let l = leaf(i);
            [a[0] + l[0], a[1] + l[1]]
        })
    };
    for d in 0..depth {
        let c = below(d);
        nodes.push(node(d as u32, slots.len(), d, c[0] + c[1]));
        counts.push(c);
        // Code 0: the leaf right after; code 1: the next internal node (or the last
        // leaf); the missing code: no branch.
        slots.extend([2 * d as u32 + 1, 2 * d as u32 + 2, u32::MAX]);
        let l = leaf(d);
        nodes.push(node(u32::MAX, 0, d + 1, l[0] + l[1]));
        counts.push(l);
    }
    let l = leaf(depth);
    nodes.push(node(u32::MAX, 0, depth, l[0] + l[1]));
    counts.push(l);
    let v = serde_json::json!({
        "schema": {"features": features, "classes": ["retained", "churned"]},
        "nodes": nodes,
        "slots": slots,
        "counts": counts.concat(),
        "missing": "Fractional",
        "laplace": false,
        "criterion": "id3",
    });
    let tree: DecisionTree = serde_json::from_value(v).unwrap();
    tree.validate().unwrap();
    tree
}

/// Runs `f` in a thread with a 64 KiB stack: a walk that recursed once per level of a
/// 1,000-deep tree would overflow it.
fn small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(64 << 10)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

#[test]
fn a_max_depth_chain_renders_and_scores_without_recursion() {
    let tree = Arc::new(chain());
    let t = Arc::clone(&tree);
    let (text, rules, structured, dot) =
        small_stack(move || (t.to_text(), t.rules_text(), t.rules(), t.to_dot()));
    // Two lines per internal node, the deepest indented 999 times.
    assert_eq!(text.lines().count(), 2 * MAX_DEPTH);
    let last = text.lines().last().unwrap();
    assert!(
        last.starts_with(&"|   ".repeat(MAX_DEPTH - 1)),
        "{}",
        &last[last.len().saturating_sub(80)..]
    );
    assert!(
        last.ends_with("f999 = hi: retained (retained 2, churned 0)"),
        "{last}"
    );
    // One rule per leaf; the deepest has one condition per level.
    assert_eq!(structured.len(), MAX_DEPTH + 1);
    assert_eq!(structured[MAX_DEPTH].conditions.len(), MAX_DEPTH);
    assert_eq!(structured[0].conditions, ["f0 = lo"]);
    assert_eq!(rules.lines().count(), MAX_DEPTH + 1);
    assert_eq!(dot.matches(" -> ").count(), 2 * MAX_DEPTH);
    // The same bytes as the recursive renderers wrote (FNV-1a and length of their
    // output for this chain).
    assert_eq!((fnv(&text), text.len()), CHAIN_TEXT, "text");
    assert_eq!((fnv(&rules), rules.len()), CHAIN_RULES, "rules");
    assert_eq!((fnv(&dot), dot.len()), CHAIN_DOT, "dot");

    // Fractional scoring: a row missing every feature is spread over every leaf by
    // weight, which gives the root's class distribution; a row of all `hi` reaches
    // the last leaf (1,000: retained); a row `lo` at level 501 stops at leaf 501
    // (churned).
    let schema = Arc::new(EncodedSchema {
        features: (0..MAX_DEPTH)
            .map(|d| EncodedFeature {
                name: format!("f{d}"),
                levels: vec!["lo".into(), "hi".into()].into(),
                numeric: false,
            })
            .collect(),
        classes: vec!["retained".into(), "churned".into()],
    });
    let columns: Vec<Codes> = (0..MAX_DEPTH)
        .map(|d| Codes::U8(vec![2, 1, if d == 501 { 0 } else { 1 }]))
        .collect();
    let enc = Encoded::new(schema, columns, vec![0, 0, 0], None).unwrap();
    let t = Arc::clone(&tree);
    let p = small_stack(move || t.predict_proba(&enc).unwrap());
    let root: f64 = (0..=MAX_DEPTH).map(|i| 1.0 + (i % 3) as f64).sum();
    let root_retained: f64 = (0..=MAX_DEPTH)
        .filter(|i| i % 2 == 0)
        .map(|i| 1.0 + (i % 3) as f64)
        .sum();
    assert!((p[0] - root_retained / root).abs() < 1e-12, "{:?}", &p[..2]);
    assert!((p[0] + p[1] - 1.0).abs() < 1e-12);
    assert_eq!(&p[2..4], [1.0, 0.0], "leaf 1000 is retained");
    assert_eq!(&p[4..6], [0.0, 1.0], "leaf 501 is churned");
}

const CHAIN_TEXT: (u64, usize) = (16_970_843_073_784_885_290, 4_049_314);
const CHAIN_RULES: (u64, usize) = (14_828_486_637_504_789_804, 6_958_428);
const CHAIN_DOT: (u64, usize) = (7_112_793_401_904_608_949, 181_978);
