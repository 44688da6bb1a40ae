//! Shared helpers for the Bayesian-network integration tests: tables and encoded
//! tables built from sampled state columns.
#![allow(dead_code)]

use std::sync::Arc;

use churnkit::bayes::BayesNet;
use churnkit::data::{Codes, Column, Encoded, EncodedFeature, EncodedSchema, Schema, Table};

/// An encoded table whose features are nodes `0..class` of `net` and whose class is
/// node `class` (binary), from column-major states.
pub fn encoded(net: &BayesNet, cols: &[Vec<u16>], class: usize) -> Encoded {
    let features: Vec<EncodedFeature> = (0..net.n_vars())
        .filter(|&v| v != class)
        .map(|v| EncodedFeature {
            name: net.variable(v).name.clone(),
            levels: net.variable(v).states.clone(),
            numeric: false,
        })
        .collect();
    let columns = (0..net.n_vars())
        .filter(|&v| v != class)
        .map(|v| Codes::U8(cols[v].iter().map(|&s| s as u8).collect()))
        .collect();
    let labels = cols[class].iter().map(|&s| s as u8).collect();
    Encoded::new(
        Arc::new(EncodedSchema {
            features,
            classes: vec!["retained".into(), "churned".into()],
        }),
        columns,
        labels,
        None,
    )
    .unwrap()
}

/// A categorical table with features `names` (levels `s0..`), binary target "Churn".
pub fn table(names: &[String], cards: &[usize], cols: &[Vec<u32>], labels: Vec<u8>) -> Table {
    let schema = names
        .iter()
        .zip(cards)
        .fold(Schema::builder("Churn"), |b, (n, &c)| {
            b.categorical(n.clone(), (0..c).map(|i| format!("s{i}")))
        })
        .build()
        .unwrap();
    let schema = Arc::new(schema);
    Table::new(
        schema,
        cols.iter()
            .map(|c| Column::Categorical(c.clone()))
            .collect(),
        labels,
        None,
        None,
    )
    .unwrap()
}

/// Area under the ROC curve of scores for the positive class (ties counted half),
/// by the rank-sum (Mann–Whitney) formula.
pub fn roc_auc(scores: &[f64], positive: &[bool]) -> f64 {
    let mut idx: Vec<usize> = (0..scores.len()).collect();
    idx.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let mut rank = vec![0.0; scores.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && scores[idx[j + 1]] == scores[idx[i]] {
            j += 1;
        }
        let r = (i + j) as f64 / 2.0 + 1.0;
        for &k in &idx[i..=j] {
            rank[k] = r;
        }
        i = j + 1;
    }
    let np = positive.iter().filter(|&&p| p).count() as f64;
    let nn = positive.len() as f64 - np;
    let sum: f64 = rank
        .iter()
        .zip(positive)
        .filter(|(_, p)| **p)
        .map(|(r, _)| r)
        .sum();
    (sum - np * (np + 1.0) / 2.0) / (np * nn)
}
