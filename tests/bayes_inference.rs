//! Exact inference on the Asia network against brute-force enumeration of the joint,
//! and the BIF reader/writer.

use churnkit::bayes::{
    BayesNet, query, read_bif, read_bif_file, to_dot, write_bif, write_bif_file,
};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng;

const ASIA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/asia.bif");

fn asia() -> BayesNet {
    read_bif_file(ASIA).expect("the Asia fixture parses")
}

/// P(query | evidence) by summing the full joint over all 2^8 assignments; None when
/// the evidence has probability zero.
fn brute_force(net: &BayesNet, query: &[usize], evidence: &[(usize, usize)]) -> Option<Vec<f64>> {
    let n = net.n_vars();
    let cards: Vec<usize> = (0..n).map(|v| net.cardinality(v)).collect();
    let qsize: usize = query.iter().map(|&q| cards[q]).product();
    let mut out = vec![0.0; qsize];
    let mut a = vec![0usize; n];
    let total: usize = cards.iter().product();
    for _ in 0..total {
        if evidence.iter().all(|&(v, s)| a[v] == s) {
            let mut qi = 0;
            for &q in query {
                qi = qi * cards[q] + a[q];
            }
            out[qi] += net.joint(&a);
        }
        for l in (0..n).rev() {
            a[l] += 1;
            if a[l] < cards[l] {
                break;
            }
            a[l] = 0;
        }
    }
    let z: f64 = out.iter().sum();
    (z > 0.0).then(|| out.iter().map(|x| x / z).collect())
}

#[test]
fn fixture_has_the_asia_structure() {
    let net = asia();
    assert_eq!(net.n_vars(), 8);
    let either = net.index_of("either").unwrap();
    let names: Vec<&str> = net
        .parents(either)
        .iter()
        .map(|&p| net.variable(p).name.as_str())
        .collect();
    assert_eq!(names, ["lung", "tub"]);
    assert_eq!(net.edges().len(), 8);
    // P(lung = yes | smoke = no) from the row "(no) 0.01, 0.99".
    let (lung, smoke) = (
        net.index_of("lung").unwrap(),
        net.index_of("smoke").unwrap(),
    );
    assert_eq!(net.prob(lung, 0, &[1]), 0.01);
    let _ = smoke;
}

#[test]
fn variable_elimination_equals_enumeration_on_asia() {
    let net = asia();
    let n = net.n_vars();
    let mut rng = ChaCha8Rng::seed_from_u64(2024);
    let mut checked = 0;
    let mut impossible = 0;
    // Every subset of observed variables (incl. the empty set), with random states.
    for mask in 0u32..(1 << n) {
        for _ in 0..3 {
            let evidence: Vec<(usize, usize)> = (0..n)
                .filter(|v| mask & (1 << v) != 0)
                .map(|v| (v, rng.random_range(0..2)))
                .collect();
            let hidden: Vec<usize> = (0..n).filter(|v| mask & (1 << v) == 0).collect();
            let mut queries: Vec<Vec<usize>> = hidden.iter().map(|&h| vec![h]).collect();
            if hidden.len() >= 2 {
                queries.push(vec![hidden[hidden.len() - 1], hidden[0]]);
            }
            for q in queries {
                let want = brute_force(&net, &q, &evidence);
                let got = query(&net, &q, &evidence);
                match want {
                    None => {
                        assert!(
                            got.is_err(),
                            "impossible evidence {evidence:?} must be an error"
                        );
                        impossible += 1;
                    }
                    Some(want) => {
                        let got = got.unwrap();
                        assert_eq!(got.vars, q);
                        for (g, w) in got.values.iter().zip(&want) {
                            assert!((g - w).abs() < 1e-12, "q {q:?} e {evidence:?}: {g} vs {w}");
                        }
                        checked += 1;
                    }
                }
            }
        }
    }
    assert!(checked > 2000, "{checked}");
    assert!(
        impossible > 0,
        "the deterministic 'either' node makes some evidence impossible"
    );
}

#[test]
fn textbook_asia_posteriors() {
    // Known values: P(lung = yes) = 0.055, P(either = yes) = 0.0648,
    // P(dysp = yes) = 0.4359706 (marginals of the standard Asia network; the last
    // checked by summing the joint by hand in Python).
    let net = asia();
    let q = |name: &str| {
        query(&net, &[net.index_of(name).unwrap()], &[])
            .unwrap()
            .values[0]
    };
    assert!((q("lung") - 0.055).abs() < 1e-12);
    assert!((q("either") - 0.064_828).abs() < 1e-12);
    assert!((q("dysp") - 0.435_970_6).abs() < 1e-12);
}

#[test]
fn bif_round_trip_gives_identical_cpts() {
    let net = asia();
    let text = write_bif(&net);
    let back = read_bif(&text).unwrap();
    assert_eq!(back, net);
    // Awkward numbers survive bit for bit.
    let mut net2 = net.clone();
    let x = 1.0 / 3.0;
    net2.set_cpt(0, vec![x, 1.0 - x]).unwrap();
    let back2 = read_bif(&write_bif(&net2)).unwrap();
    assert_eq!(back2.cpt(0), net2.cpt(0));
    // And through a file.
    let dir = std::env::temp_dir().join(format!("churnkit-bif-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("asia.bif");
    write_bif_file(&net, &path).unwrap();
    assert_eq!(read_bif_file(&path).unwrap(), net);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bif_dialects_table_default_comments_properties() {
    let text = r#"
        /* block comment */ network "x" { property "software = test"; }
        variable A { type discrete [ 2 ] { a0, a1 }; property position = (1, 2); }
        variable "B" { type discrete [ 3 ] { b0 b1 b2 }; }
        probability ( A ) { table 0.3 0.7 ; }
        // JavaBayes 'table' order for a child with parents: child slowest.
        probability ( B | A ) {
            table 0.1, 0.2, 0.3, 0.4, 0.6, 0.4;
        }
    "#;
    let net = read_bif(text).unwrap();
    // P(B = b0 | a0) = 0.1, P(B = b0 | a1) = 0.2, P(B = b1 | a0) = 0.3, ...
    assert_eq!(net.prob(1, 0, &[0]), 0.1);
    assert_eq!(net.prob(1, 0, &[1]), 0.2);
    assert_eq!(net.prob(1, 2, &[1]), 0.4);
    let with_default = r#"
        variable A { type discrete [ 2 ] { a0, a1 }; }
        variable B { type discrete [ 2 ] { b0, b1 }; }
        probability ( A ) { table 0.5, 0.5; }
        probability ( B | A ) { (a1) 0.9, 0.1; default 0.2, 0.8; }
    "#;
    let net = read_bif(with_default).unwrap();
    assert_eq!(net.cpt(1), &[0.2, 0.8, 0.9, 0.1]);
}

#[test]
fn bad_bif_input_gives_errors_not_panics() {
    let good = std::fs::read_to_string(ASIA).unwrap();
    let cases: Vec<(&str, String)> = vec![
        (
            "empty variable list is fine, but a probability for nothing",
            "probability ( x ) { table 1.0; }".into(),
        ),
        ("unterminated comment", "/* never closed".into()),
        ("unterminated quote", "variable \"abc { }".into()),
        ("truncated", good[..good.len() / 2].to_string()),
        ("bad number", good.replace("0.05, 0.95", "0.05, zero")),
        (
            "row does not sum to one",
            good.replace("0.05, 0.95", "0.05, 0.5"),
        ),
        (
            "negative probability",
            good.replace("0.05, 0.95", "-0.05, 1.05"),
        ),
        (
            "unknown parent state",
            good.replace("(yes) 0.05, 0.95", "(maybe) 0.05, 0.95"),
        ),
        (
            "wrong number of values",
            good.replace("0.05, 0.95", "0.05, 0.9, 0.05"),
        ),
        (
            "state count mismatch",
            good.replacen("[ 2 ] { yes, no }", "[ 3 ] { yes, no }", 1),
        ),
        (
            "missing row",
            good.replace(
                "(no) 0.01, 0.99;\n}\nprobability ( smoke )",
                "}\nprobability ( smoke )",
            ),
        ),
        (
            "undeclared parent",
            good.replace("( tub | asia )", "( tub | asai )"),
        ),
        (
            "duplicate block",
            format!("{good}\nprobability ( asia ) {{ table 0.5, 0.5; }}"),
        ),
        (
            "missing block",
            good.replace("probability ( smoke ) {\n  table 0.5, 0.5;\n}", ""),
        ),
        (
            "cycle",
            good.replace(
                "probability ( asia ) {\n  table 0.01, 0.99;\n}",
                "probability ( asia | dysp ) {\n (yes) 0.01, 0.99;\n (no) 0.01, 0.99;\n}",
            ),
        ),
        (
            "continuous variable",
            "variable a { type continuous; }".into(),
        ),
        ("junk keyword", "banana { }".into()),
        (
            "duplicate variable",
            "variable a { type discrete [1] { x }; } variable a { type discrete [1] { x }; }"
                .into(),
        ),
        ("no type", "variable a { }".into()),
        ("huge parents", {
            let mut s = String::new();
            for i in 0..12 {
                s += &format!(
                    "variable v{i} {{ type discrete [ 8 ] {{ a, b, c, d, e, f, g, h }}; }}\n"
                );
            }
            s += "probability ( v0 | v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11 ) { default 0.125, 0.125, 0.125, 0.125, 0.125, 0.125, 0.125, 0.125; }";
            s
        }),
    ];
    for (what, text) in cases {
        let r = read_bif(&text);
        assert!(r.is_err(), "{what}: expected an error");
        let msg = r.unwrap_err().to_string();
        assert!(
            msg.contains("line"),
            "{what}: the message names a line: {msg}"
        );
    }
    assert!(read_bif_file("/nonexistent/asia.bif").is_err());
}

#[test]
fn dot_highlights_the_class() {
    let net = asia();
    let dot = to_dot(&net, net.index_of("dysp"));
    assert!(dot.starts_with("digraph"));
    assert!(dot.contains("\"dysp\" [shape=doublecircle"));
    assert!(dot.contains("\"either\" -> \"xray\";"));
    assert_eq!(dot.matches("->").count(), 8);
}
