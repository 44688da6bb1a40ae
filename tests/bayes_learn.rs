//! Structure and parameter learning against known answers.

mod common;

use churnkit::bayes::{
    BayesNet, HillClimb, NaiveBayes, Prior, StructureScore, Tan, Variable,
    conditional_mutual_information, structure_score,
};
use churnkit::count::Rows;
use churnkit::data::{Binning, Codes, Encoded, EncodedFeature, EncodedSchema, MISSING_LEVEL};
use churnkit::{Classifier, Learner};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng;
use std::collections::BTreeSet;
use std::sync::Arc;

/// A peaked random distribution over `r` states (seeded).
fn peaked(rng: &mut ChaCha8Rng, r: usize) -> Vec<f64> {
    let mut v: Vec<f64> = (0..r).map(|_| rng.random::<f64>().powi(3) + 0.02).collect();
    let s: f64 = v.iter().sum();
    v.iter_mut().for_each(|x| *x /= s);
    v
}

/// A network over `cards` with `parents`, random peaked CPTs.
fn random_net(cards: &[usize], parents: &[Vec<usize>], seed: u64) -> BayesNet {
    let vars = cards
        .iter()
        .enumerate()
        .map(|(i, &c)| Variable {
            name: format!("x{i}"),
            states: (0..c).map(|s| format!("s{s}")).collect(),
        })
        .collect();
    let mut net = BayesNet::new(vars).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    for (v, ps) in parents.iter().enumerate() {
        net.set_parents(v, ps).unwrap();
        let cpt: Vec<f64> = (0..net.n_configs(v))
            .flat_map(|_| peaked(&mut rng, cards[v]))
            .collect();
        net.set_cpt(v, cpt).unwrap();
    }
    net
}

fn skeleton(parents: &[Vec<usize>]) -> BTreeSet<(usize, usize)> {
    parents
        .iter()
        .enumerate()
        .flat_map(|(c, ps)| ps.iter().map(move |&p| (p.min(c), p.max(c))))
        .collect()
}

fn tiny() -> Encoded {
    // Rows (A, B, class): (0,0,0) (0,1,0) (1,1,1) (1,1,0) (0,0,1) (1,0,1).
    let f = |name: &str| EncodedFeature {
        name: name.into(),
        levels: vec!["0".into(), "1".into()].into(),
        numeric: false,
    };
    Encoded::new(
        Arc::new(EncodedSchema {
            features: vec![f("A"), f("B")],
            classes: vec!["retained".into(), "churned".into()],
        }),
        vec![
            Codes::U8(vec![0, 0, 1, 1, 0, 1]),
            Codes::U8(vec![0, 1, 1, 1, 0, 0]),
        ],
        vec![0, 0, 1, 0, 1, 1],
        None,
    )
    .unwrap()
}

#[test]
fn bic_and_bdeu_of_a_tiny_dataset_match_hand_computation() {
    let enc = tiny();
    // DAG: A -> B, class alone. Nodes: A = 0, B = 1, class = 2.
    let dag = vec![vec![], vec![0], vec![]];
    let ln = f64::ln;
    // Family A: counts (3, 3); B | A: (2, 1 | 1, 2); class: (3, 3).
    let bic_a = 3.0 * ln(0.5) * 2.0 - 0.5 * ln(6.0);
    let bic_b = 4.0 * ln(2.0 / 3.0) + 2.0 * ln(1.0 / 3.0) - 0.5 * ln(6.0) * 2.0;
    let bic = structure_score(&enc, Rows::All, &dag, StructureScore::Bic).unwrap();
    assert!((bic - (2.0 * bic_a + bic_b)).abs() < 1e-12, "{bic}");
    // BDeu, ess = 1. A (q = 1, r = 2): α_j = 1, α_jk = 1/2:
    //   lnΓ(1) − lnΓ(7) + 2·(lnΓ(3.5) − lnΓ(0.5)) = −ln 720 + 2·ln 1.875.
    // B | A (q = 2): α_j = 1/2, α_jk = 1/4, per row:
    //   lnΓ(.5) − lnΓ(3.5) + lnΓ(2.25) − lnΓ(.25) + lnΓ(1.25) − lnΓ(.25)
    //   = −ln 1.875 + ln(1.25·0.25) + ln 0.25.
    let bdeu_a = -ln(720.0) + 2.0 * ln(1.875);
    let bdeu_b = 2.0 * (-ln(1.875) + ln(0.3125) + ln(0.25));
    let bdeu = structure_score(&enc, Rows::All, &dag, StructureScore::Bdeu { ess: 1.0 }).unwrap();
    assert!((bdeu - (2.0 * bdeu_a + bdeu_b)).abs() < 1e-12, "{bdeu}");
    // (Closed forms in pgmpy's conventions: natural log, N = sample size.)
    assert!(structure_score(&enc, Rows::All, &dag[..2], StructureScore::Bic).is_err());
}

#[test]
fn tan_with_zero_conditional_mutual_information_is_naive_bayes() {
    // Within each class, n(a, b, d | c) = f_c(a)·g_c(b)·h_c(d): exact conditional
    // independence, but every attribute depends on the class.
    let f = [[1u32, 2, 3], [3, 1, 1]];
    let g = [[1u32, 2], [2, 1]];
    let h = [[2u32, 1], [1, 1]];
    let (mut a, mut b, mut d, mut y) = (vec![], vec![], vec![], vec![]);
    for c in 0..2 {
        for (ai, &fa) in f[c].iter().enumerate() {
            for (bi, &gb) in g[c].iter().enumerate() {
                for (di, &hd) in h[c].iter().enumerate() {
                    for _ in 0..fa * gb * hd {
                        a.push(ai as u32);
                        b.push(bi as u32);
                        d.push(di as u32);
                        y.push(c as u8);
                    }
                }
            }
        }
    }
    let names: Vec<String> = ["a", "b", "d"].iter().map(|s| s.to_string()).collect();
    let t = common::table(&names, &[3, 2, 2], &[a, b, d], y);
    let rows = t.all_rows();
    let disc =
        churnkit::data::Discretizer::fit(&t, &rows, &Binning::EqualFrequency { bins: 4 }).unwrap();
    let enc = disc.encode(&t).unwrap();
    let cmi = conditional_mutual_information(&enc, Rows::All);
    assert!(cmi.iter().flatten().all(|&x| x == 0.0), "{cmi:?}");
    let tan = Tan::new().fit_encoded(&enc, "Churn").unwrap();
    let nb = NaiveBayes::new().fit_encoded(&enc, "Churn").unwrap();
    assert_eq!(tan, nb);
    let (mt, mn) = (
        Tan::new().fit(&t, &rows).unwrap(),
        NaiveBayes::new().fit(&t, &rows).unwrap(),
    );
    let mut pt = vec![0.0; rows.len() * 2];
    let mut pn = pt.clone();
    mt.predict_proba_into(&t, &rows, &mut pt).unwrap();
    mn.predict_proba_into(&t, &rows, &mut pn).unwrap();
    assert_eq!(pt, pn);
}

#[test]
fn tan_recovers_the_tree_of_a_known_tan() {
    // Attributes 0..8 (3 states), class 8 (binary); tree edges below, class parent of all.
    let tree = [(0, 1), (1, 2), (1, 3), (3, 4), (0, 5), (5, 6), (6, 7)];
    let mut parents: Vec<Vec<usize>> = vec![vec![8]; 8];
    for &(p, c) in &tree {
        parents[c].insert(0, p);
    }
    parents.push(vec![]);
    let mut cards = vec![3; 8];
    cards.push(2);
    let net = random_net(&cards, &parents, 11);
    let cols = net.sample(20_000, 5);
    let enc = common::encoded(&net, &cols, 8);
    // Root it somewhere else: the skeleton is the same.
    let learned = Tan::new().root("x3").fit_encoded(&enc, "class").unwrap();
    let want: BTreeSet<(usize, usize)> = tree.iter().copied().collect();
    let got: BTreeSet<(usize, usize)> = learned
        .edges()
        .into_iter()
        .filter(|&(p, _)| p != 8)
        .map(|(p, c)| (p.min(c), p.max(c)))
        .collect();
    assert_eq!(got, want);
    assert!(learned.parents(3).iter().all(|&p| p == 8), "x3 is the root");
    for v in 0..8 {
        assert!(
            learned.parents(v).contains(&8),
            "the class is a parent of every attribute"
        );
    }
}

#[test]
fn hill_climbing_with_bic_recovers_the_skeleton_at_50k_rows() {
    // x0 -> x1, x0 -> C, x1 -> x2, C -> x2, C -> x3, x3 -> x4, x5 -> x4; C = node 6.
    let parents = vec![
        vec![],
        vec![0],
        vec![1, 6],
        vec![6],
        vec![3, 5],
        vec![],
        vec![0],
    ];
    let cards = [2, 3, 2, 3, 2, 2, 2];
    for (net_seed, data_seed) in [(3, 9), (4, 10), (5, 11)] {
        let net = random_net(&cards, &parents, net_seed);
        let cols = net.sample(50_000, data_seed);
        let enc = common::encoded(&net, &cols, 6);
        let learned = HillClimb::new()
            .score(StructureScore::Bic)
            .structure(&enc, "x6")
            .unwrap();
        let s_true = structure_score(&enc, Rows::All, &parents, StructureScore::Bic).unwrap();
        let s_learned = structure_score(&enc, Rows::All, &learned, StructureScore::Bic).unwrap();
        assert!(s_learned >= s_true - 1e-6, "{s_learned} < {s_true}");
        assert_eq!(
            skeleton(&learned),
            skeleton(&parents),
            "seeds {net_seed}/{data_seed}"
        );
    }
}

#[test]
fn hill_climbing_obeys_required_forbidden_and_tiers() {
    let parents = vec![
        vec![],
        vec![0],
        vec![1, 6],
        vec![6],
        vec![3, 5],
        vec![],
        vec![0],
    ];
    let cards = [2, 3, 2, 3, 2, 2, 2];
    let net = random_net(&cards, &parents, 3);
    let cols = net.sample(5_000, 9);
    let enc = common::encoded(&net, &cols, 6);
    // Tiers: x0, x5 (market) before everything else; x6 is the class.
    let hc = HillClimb::new()
        .tiers(&[&["x0", "x5"], &["x1", "x2", "x3", "x4", "x6"]])
        .forbid("x6", "x3")
        .require("x5", "x6")
        .max_parents(2)
        .restarts(3)
        .seed(1);
    let g = hc.structure(&enc, "x6").unwrap();
    assert!(g[6].contains(&5), "required edge x5 -> class");
    assert!(!g[3].contains(&6), "forbidden edge class -> x3");
    for late in [1, 2, 3, 4, 6] {
        for early in [0, 5] {
            assert!(
                !g[early].contains(&late),
                "tier violated: x{late} -> x{early}"
            );
        }
    }
    assert!(g.iter().all(|p| p.len() <= 2));
    // Same seed, same graph.
    assert_eq!(hc.structure(&enc, "x6").unwrap(), g);
    // Bad constraints are errors.
    assert!(
        HillClimb::new()
            .forbid("nope", "x1")
            .structure(&enc, "x6")
            .is_err()
    );
    assert!(
        HillClimb::new()
            .tiers(&[&["x1"], &["x2"]])
            .require("x2", "x1")
            .structure(&enc, "x6")
            .is_err()
    );
    assert!(
        HillClimb::new()
            .require("x1", "x2")
            .require("x2", "x1")
            .structure(&enc, "x6")
            .is_err()
    );
    assert!(
        HillClimb::new()
            .max_parents(0)
            .structure(&enc, "x6")
            .is_err()
    );
    assert!(
        HillClimb::new()
            .score(StructureScore::Bdeu { ess: -1.0 })
            .structure(&enc, "x6")
            .is_err()
    );
    assert!(Tan::new().root("nope").structure(&enc).is_err());
    assert!(Tan::new().min_cmi(-1.0).structure(&enc).is_err());
}

/// Data with missing values for the classifier-level tests.
fn sampled_table(n: usize, seed: u64) -> churnkit::data::Table {
    let tree = [(0, 1), (1, 2), (0, 3), (3, 4)];
    let mut parents: Vec<Vec<usize>> = vec![vec![5]; 5];
    for &(p, c) in &tree {
        parents[c].insert(0, p);
    }
    parents.push(vec![]);
    let net = random_net(&[3, 2, 3, 4, 2, 2], &parents, seed);
    let cols = net.sample(n, seed + 1);
    let mut rng = ChaCha8Rng::seed_from_u64(seed + 2);
    let names: Vec<String> = (0..5).map(|i| format!("x{i}")).collect();
    let fcols: Vec<Vec<u32>> = (0..5)
        .map(|v| {
            cols[v]
                .iter()
                .map(|&s| {
                    if rng.random::<f64>() < 0.1 {
                        MISSING_LEVEL
                    } else {
                        s as u32
                    }
                })
                .collect()
        })
        .collect();
    let labels = cols[5].iter().map(|&s| s as u8).collect();
    common::table(&names, &[3, 2, 3, 4, 2], &fcols, labels)
}

#[test]
fn fast_path_equals_variable_elimination_and_missing_is_marginalised() {
    let t = sampled_table(3_000, 21);
    let rows = t.all_rows();
    let learners: Vec<Box<dyn Learner>> = vec![
        Box::new(NaiveBayes::new()),
        Box::new(Tan::new().prior(Prior::Bdeu { ess: 5.0 })),
        Box::new(HillClimb::new().score(StructureScore::Bdeu { ess: 10.0 })),
    ];
    for l in learners {
        let model = l.fit(&t, &rows).unwrap();
        let mut p = vec![0.0; rows.len() * 2];
        model.predict_proba_into(&t, &rows, &mut p).unwrap();
        // Compare with VE on the concrete type.
        let bc: churnkit::bayes::BayesClassifier = match l.name().as_str() {
            "naive-bayes" => NaiveBayes::new().fit_table(&t, &rows),
            "tan" => Tan::new()
                .prior(Prior::Bdeu { ess: 5.0 })
                .fit_table(&t, &rows),
            _ => HillClimb::new()
                .score(StructureScore::Bdeu { ess: 10.0 })
                .fit_table(&t, &rows),
        }
        .unwrap();
        if l.name() != "hill-climb" {
            assert!(bc.has_forest_inference(), "{}", l.name());
        }
        let enc = bc.discretizer().encode(&t).unwrap();
        let mut fast = vec![0.0; rows.len() * 2];
        bc.predict_encoded(&enc, &mut fast).unwrap();
        assert_eq!(fast, p);
        for r in 0..rows.len() {
            let ve = bc.posterior_ve(&enc, r, None).unwrap();
            for c in 0..2 {
                assert!((ve[c] - p[r * 2 + c]).abs() < 1e-12, "{} row {r}", l.name());
            }
        }
    }
}

#[test]
fn explanations_add_up_for_tan_and_use_the_users_words() {
    let t = sampled_table(3_000, 33);
    let rows = t.all_rows();
    let bc = Tan::new().fit_table(&t, &rows).unwrap();
    let enc = bc.discretizer().encode(&t).unwrap();
    let mut checked = 0;
    for r in 0..200 {
        let e = bc.explain_encoded(&enc, r).unwrap();
        let p = bc.posterior_ve(&enc, r, None).unwrap();
        let lo = p[1].ln() - p[0].ln();
        let complete = (0..5).all(|j| enc.code(r, j) < enc.schema().features[j].missing_code());
        assert!(!e.reasons.is_empty());
        assert!(
            e.reasons
                .iter()
                .all(|x| x.condition.starts_with(&x.feature) && x.condition.contains(" = s"))
        );
        if complete {
            // Exact decomposition: prior log-odds + Σ contributions = posterior log-odds.
            let prior = {
                let pc = bc.net().cpt(5);
                pc[1].ln() - pc[0].ln()
            };
            let sum: f64 = prior + e.reasons.iter().map(|x| x.weight).sum::<f64>();
            assert!((sum - lo).abs() < 1e-9, "row {r}: {sum} vs {lo}");
            assert_eq!(e.reasons.len(), 5);
            checked += 1;
        } else {
            // Withdrawal: each weight is LO(e) − LO(e \ X).
            for reason in &e.reasons {
                let j = enc
                    .schema()
                    .features
                    .iter()
                    .position(|f| f.name == reason.feature)
                    .unwrap();
                let q = bc.posterior_ve(&enc, r, Some(j)).unwrap();
                assert!((reason.weight - (lo - (q[1].ln() - q[0].ln()))).abs() < 1e-9);
            }
        }
        for w in e.reasons.windows(2) {
            assert!(w[0].weight.abs() >= w[1].weight.abs());
        }
    }
    assert!(checked > 50);
    // The Classifier trait gives the same explanation for a raw row.
    let via_trait = Classifier::explain(&bc, &t, 3).unwrap();
    assert_eq!(via_trait, bc.explain_encoded(&enc, 3).unwrap());
}

#[test]
fn classifier_serde_round_trip_and_bif_export() {
    let t = sampled_table(2_000, 44);
    let rows = t.all_rows();
    let bc = HillClimb::new().fit_table(&t, &rows).unwrap();
    let json = serde_json::to_string(&bc).unwrap();
    let back: churnkit::bayes::BayesClassifier = serde_json::from_str(&json).unwrap();
    assert_eq!(back.net().edges(), bc.net().edges());
    for v in 0..bc.net().n_vars() {
        for (a, b) in back.net().cpt(v).iter().zip(bc.net().cpt(v)) {
            assert!((a - b).abs() < 1e-15); // serde_json's float parsing may differ by an ulp
        }
    }
    let bytes = bincode::serialize(&bc).unwrap();
    let back2: churnkit::bayes::BayesClassifier = bincode::deserialize(&bytes).unwrap();
    assert_eq!(back2, bc);
    let (mut p1, mut p2) = (vec![0.0; 4000], vec![0.0; 4000]);
    bc.predict_proba_into(&t, &rows, &mut p1).unwrap();
    back2.predict_proba_into(&t, &rows, &mut p2).unwrap();
    assert_eq!(p1, p2);
    // Corrupted model bytes are an error, not a panic.
    // (Names and states are the discretizer's, not stored: only the class node's name.)
    let mut v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(v.get("net").is_none() && v["class_name"] == "Churn", "{v}");
    v["parents"][1] = serde_json::json!([99]);
    assert!(serde_json::from_value::<churnkit::bayes::BayesClassifier>(v).is_err());
    let mut v: serde_json::Value = serde_json::from_str(&json).unwrap();
    v["cpts"][5][0] = 7.0.into();
    assert!(serde_json::from_value::<churnkit::bayes::BayesClassifier>(v).is_err());
    let mut v: serde_json::Value = serde_json::from_str(&json).unwrap();
    v["cpts"].as_array_mut().unwrap().pop();
    assert!(serde_json::from_value::<churnkit::bayes::BayesClassifier>(v).is_err());
    let net = churnkit::bayes::read_bif(&bc.to_bif()).unwrap();
    assert_eq!(net.n_vars(), 6);
    assert!(bc.to_dot().contains("\"Churn\" [shape=doublecircle"));
}

#[test]
fn learners_reject_bad_parameters_and_empty_data() {
    let t = sampled_table(100, 5);
    let rows = t.all_rows();
    assert!(
        NaiveBayes::new()
            .prior(Prior::Laplace { alpha: 0.0 })
            .fit(&t, &rows)
            .is_err()
    );
    assert!(
        Tan::new()
            .binning(Binning::EqualFrequency { bins: 0 })
            .fit(&t, &rows)
            .is_err()
    );
    assert!(HillClimb::new().max_iter(0).fit(&t, &rows).is_err());
    assert!(
        HillClimb::new()
            .restarts(2)
            .perturbation(0)
            .fit(&t, &rows)
            .is_err()
    );
    assert!(NaiveBayes::new().fit(&t, &[]).is_err());
    let model = NaiveBayes::new().fit(&t, &rows).unwrap();
    let mut out = vec![0.0; 3];
    assert!(model.predict_proba_into(&t, &[0, 1], &mut out).is_err());
    assert!(model.explain(&t, 1000).is_err());
}

#[test]
fn linfa_fit_and_predict_on_codes() {
    use churnkit::bayes::query;
    use linfa::prelude::*;
    use ndarray::{Array1, Array2};
    // A known TAN over 4 three-state attributes, binary class (node 4).
    let tree = [(0, 1), (1, 2), (0, 3)];
    let mut parents: Vec<Vec<usize>> = vec![vec![4]; 4];
    for &(p, c) in &tree {
        parents[c].insert(0, p);
    }
    parents.push(vec![]);
    let net = random_net(&[3, 3, 3, 3, 2], &parents, 31);
    let cols = net.sample(5_000, 32);
    let enc = common::encoded(&net, &cols, 4);
    let x = Array2::from_shape_fn((5_000, 4), |(r, j)| cols[j][r]);
    let y: Array1<usize> = cols[4].iter().map(|&s| s as usize).collect();
    let ds = Dataset::new(x.clone(), y.clone());
    // The inherent `Learner::fit` (on tables) shadows linfa's: call the trait.
    let fitted = [
        (
            Fit::fit(&NaiveBayes::new(), &ds).unwrap(),
            NaiveBayes::new().fit_encoded(&enc, "class").unwrap(),
        ),
        (
            Fit::fit(&Tan::new(), &ds).unwrap(),
            Tan::new().fit_encoded(&enc, "class").unwrap(),
        ),
        (
            Fit::fit(&HillClimb::new(), &ds).unwrap(),
            HillClimb::new().fit_encoded(&enc, "class").unwrap(),
        ),
    ];
    for (model, reference) in &fitted {
        // Same network as fitting the encoded table directly (state names aside).
        assert_eq!(model.net().edges(), reference.edges(), "{}", model.name());
        for v in 0..5 {
            assert_eq!(model.net().cpt(v), reference.cpt(v));
        }
        // Predict = the most probable class of the model's posteriors.
        let pred: Array1<usize> = Predict::predict(model, &x);
        let proba = model.predict_proba_codes(&x);
        assert_eq!(proba.dim(), (5_000, 2));
        for (r, &p) in pred.iter().enumerate() {
            let want = usize::from(proba[[r, 1]] > proba[[r, 0]]);
            assert_eq!(p, want);
        }
        let acc = pred.iter().zip(&y).filter(|(a, b)| a == b).count() as f64 / 5_000.0;
        assert!(acc > 0.6, "{} accuracy {acc}", model.name());
        // A code never seen in training, and a short row, are unobserved evidence.
        let odd = Array2::from_shape_vec((1, 4), vec![9u16, 1, 2, 0]).unwrap();
        let short = Array2::from_shape_vec((1, 2), vec![0u16, 1]).unwrap();
        let p = model.predict_proba_codes(&odd);
        let ve = query(model.net(), &[4], &[(1, 1), (2, 2), (3, 0)]).unwrap();
        assert!((p[[0, 0]] - ve.values[0]).abs() < 1e-12);
        let p = model.predict_proba_codes(&short);
        let ve = query(model.net(), &[4], &[(0, 0), (1, 1)]).unwrap();
        assert!((p[[0, 0]] - ve.values[0]).abs() < 1e-12);
    }
    // Bad parameters and empty data are errors, not panics.
    assert!(Fit::fit(&Tan::new().min_cmi(-1.0), &ds).is_err());
    let empty = Dataset::new(Array2::<u16>::zeros((0, 4)), Array1::<usize>::zeros(0));
    assert!(matches!(
        Fit::fit(&NaiveBayes::new(), &empty),
        Err(linfa::Error::NotEnoughSamples)
    ));
}

/// Random forests given the class over `n` attributes (1 to 4 states), class `n`
/// with `k` states: attribute `v` gets a random earlier attribute as parent (or none)
/// and the class as parent unless a 10% draw drops it; class and attribute parents in
/// random order.
fn random_forest_net(n: usize, k: usize, rng: &mut ChaCha8Rng) -> BayesNet {
    let cards: Vec<usize> = (0..n).map(|_| rng.random_range(1..5)).chain([k]).collect();
    let mut parents: Vec<Vec<usize>> = Vec::new();
    for v in 0..n {
        let mut ps = Vec::new();
        if v > 0 && rng.random::<f64>() < 0.8 {
            ps.push(rng.random_range(0..v));
        }
        if rng.random::<f64>() < 0.9 {
            ps.insert(rng.random_range(0..=ps.len()), n);
        }
        parents.push(ps);
    }
    parents.push(Vec::new());
    random_net(&cards, &parents, rng.random())
}

#[test]
fn forest_posteriors_equal_variable_elimination() {
    use churnkit::bayes::query;
    use churnkit::bayes::{ForestPosterior, ForestScratch, UNOBSERVED};
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let mut scratch = ForestScratch::default();
    for trial in 0..40 {
        let n = rng.random_range(1..12);
        let k = rng.random_range(2..4);
        let net = random_forest_net(n, k, &mut rng);
        let fp = ForestPosterior::new(&net).expect("a forest given the class");
        let miss = [0.0, 0.1, 0.5, 0.9, 1.0][trial % 5];
        for _ in 0..50 {
            let state: Vec<u32> = (0..n)
                .map(|v| {
                    if rng.random::<f64>() < miss {
                        UNOBSERVED
                    } else {
                        rng.random_range(0..net.cardinality(v) as u32)
                    }
                })
                .collect();
            let ev: Vec<(usize, usize)> = state
                .iter()
                .enumerate()
                .filter(|(_, s)| **s != UNOBSERVED)
                .map(|(v, &s)| (v, s as usize))
                .collect();
            let want = query(&net, &[n], &ev).unwrap().values;
            let mut got = vec![0.0; k];
            assert!(fp.posterior_into(&state, &mut scratch, &mut got));
            for c in 0..k {
                assert!(
                    (got[c] - want[c]).abs() < 1e-12,
                    "trial {trial}: {got:?} vs {want:?} for {state:?}"
                );
            }
        }
    }
}

#[test]
fn forest_messages_do_not_underflow_on_long_missing_chains() {
    use churnkit::bayes::query;
    use churnkit::bayes::{ForestPosterior, ForestScratch, UNOBSERVED};
    // A chain of 250 binary attributes below the class, all missing but the last:
    // unscaled messages would multiply 250 factors.
    let n = 250;
    let mut parents: Vec<Vec<usize>> = (0..n)
        .map(|v| if v == 0 { vec![n] } else { vec![n, v - 1] })
        .collect();
    parents.push(Vec::new());
    let net = random_net(&vec![2; n + 1], &parents, 9);
    let fp = ForestPosterior::new(&net).unwrap();
    let mut state = vec![UNOBSERVED; n];
    state[n - 1] = 1;
    let mut got = vec![0.0; 2];
    assert!(fp.posterior_into(&state, &mut ForestScratch::default(), &mut got));
    let want = query(&net, &[n], &[(n - 1, 1)]).unwrap().values;
    assert!((got[0] - want[0]).abs() < 1e-12, "{got:?} vs {want:?}");
    // Every attribute observed: 250 small factors, summed in log space.
    let all: Vec<u32> = (0..n).map(|v| (v % 2) as u32).collect();
    assert!(fp.posterior_into(&all, &mut ForestScratch::default(), &mut got));
    assert!(got.iter().all(|p| p.is_finite() && *p > 0.0));
}

#[test]
fn forest_inference_needs_a_parentless_class_and_one_other_parent() {
    use churnkit::bayes::ForestPosterior;
    // x2 has two attribute parents.
    let net = random_net(&[2, 2, 2, 2], &[vec![3], vec![3], vec![0, 1, 3], vec![]], 1);
    assert!(ForestPosterior::new(&net).is_none());
    // The class has a parent.
    let net = random_net(&[2, 2, 2], &[vec![], vec![2], vec![0]], 2);
    assert!(ForestPosterior::new(&net).is_none());
    let nb = random_net(&[2, 3, 2], &[vec![2], vec![2], vec![]], 3);
    let fp = ForestPosterior::new(&nb).unwrap();
    // Input that does not fit the network is refused, not a panic.
    let mut out = vec![0.0; 2];
    let mut scratch = churnkit::bayes::ForestScratch::default();
    assert!(fp.posterior_into(&[1, 2], &mut scratch, &mut out));
    assert!(!fp.posterior_into(&[2, 0], &mut scratch, &mut out));
    assert!(!fp.posterior_into(&[1], &mut scratch, &mut out));
    assert!(!fp.posterior_into(&[1, 2], &mut scratch, &mut [0.0; 3]));
}
