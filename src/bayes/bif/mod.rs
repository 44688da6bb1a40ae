//! Interchange: the Bayesian Interchange Format (BIF 0.15, the format of JavaBayes that
//! pgmpy, bnlearn, Weka and GeNIe read) and Graphviz DOT.
//!
//! The writer emits, per variable,
//!
//! ```text
//! variable tub {
//!   type discrete [ 2 ] { yes, no };
//! }
//! probability ( tub | asia ) {
//!   (yes) 0.05, 0.95;
//!   (no) 0.01, 0.99;
//! }
//! ```
//!
//! with `table` for a variable without parents. Numbers are written in Rust's shortest
//! round-trip form, so export → import gives bit-identical CPTs. Names are made safe
//! for the readers of other tools: `<`, `<=`, `>`, `>=` become `lt`, `le`, `gt`, `ge`,
//! other characters outside `[A-Za-z0-9_.+-]` (variables: `[A-Za-z0-9_-]`) become
//! `_`, and clashes get a numeric suffix.
//!
//! The reader accepts the writer's output and the common dialects: `//` and `/* */`
//! comments, quoted names, `property` lines (ignored), `(states) values;` rows,
//! `default values;`, and `table` for a variable with parents (JavaBayes order: the
//! child's state varies slowest, the last parent fastest). Malformed input gives an
//! [`Error::Model`] naming the line, never a panic.

mod lexer;
mod reader;

use std::path::Path;

use super::network::BayesNet;
use crate::error::{Error, Location, Result};

fn safe(name: &str, allow_dot: bool) -> String {
    let mut s = name.trim().to_string();
    for (from, to) in [(">=", "ge_"), ("<=", "le_"), ("<", "lt_"), (">", "gt_")] {
        s = s.replace(from, to);
    }
    let mut out = String::new();
    let mut last_us = false;
    for ch in s.chars() {
        let ok = ch.is_ascii_alphanumeric()
            || ch == '-'
            || ch == '_'
            || (allow_dot && (ch == '.' || ch == '+'));
        let ch = if ok { ch } else { '_' };
        if ch == '_' && last_us {
            continue;
        }
        last_us = ch == '_';
        out.push(ch);
    }
    let out = out.trim_matches('_').to_string();
    if out.is_empty() { "x".into() } else { out }
}

fn unique(names: impl Iterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for n in names {
        let mut cand = n.clone();
        let mut i = 2;
        while out.contains(&cand) {
            cand = format!("{n}_{i}");
            i += 1;
        }
        out.push(cand);
    }
    out
}

/// The network as BIF 0.15 text (the format of JavaBayes that pgmpy, bnlearn, Weka
/// and GeNIe read): a `variable` block per variable, then a `probability` block per
/// CPT. Numbers are written in Rust's shortest round-trip form, so export → import
/// gives bit-identical CPTs. Names are made safe for other tools' readers: `<`, `<=`,
/// `>`, `>=` become `lt`, `le`, `gt`, `ge`, other characters outside
/// `[A-Za-z0-9_.+-]` (variables: `[A-Za-z0-9_-]`) become `_`, and clashes get a
/// numeric suffix.
pub fn write(net: &BayesNet) -> String {
    use std::fmt::Write;
    let vnames = unique(net.variables().iter().map(|v| safe(&v.name, false)));
    let snames: Vec<Vec<String>> = net
        .variables()
        .iter()
        .map(|v| unique(v.states.iter().map(|s| safe(s, true))))
        .collect();
    let mut out = String::from("network unknown {\n}\n");
    for (v, name) in vnames.iter().enumerate() {
        let _ = writeln!(
            out,
            "variable {name} {{\n  type discrete [ {} ] {{ {} }};\n}}",
            net.cardinality(v),
            snames[v].join(", ")
        );
    }
    let nums = |xs: &[f64]| {
        xs.iter()
            .map(|x| format!("{x:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    for (v, name) in vnames.iter().enumerate() {
        let ps = net.parents(v);
        let r = net.cardinality(v);
        if ps.is_empty() {
            let _ = writeln!(
                out,
                "probability ( {name} ) {{\n  table {};\n}}",
                nums(net.cpt(v))
            );
            continue;
        }
        let pn: Vec<&str> = ps.iter().map(|&p| vnames[p].as_str()).collect();
        let _ = writeln!(out, "probability ( {name} | {} ) {{", pn.join(", "));
        let cards: Vec<usize> = ps.iter().map(|&p| net.cardinality(p)).collect();
        let mut idx = vec![0usize; ps.len()];
        for row in net.cpt(v).chunks_exact(r) {
            let states: Vec<&str> = ps
                .iter()
                .zip(&idx)
                .map(|(&p, &i)| snames[p][i].as_str())
                .collect();
            let _ = writeln!(out, "  ({}) {};", states.join(", "), nums(row));
            for l in (0..idx.len()).rev() {
                idx[l] += 1;
                if idx[l] < cards[l] {
                    break;
                }
                idx[l] = 0;
            }
        }
        out.push_str("}\n");
    }
    out
}

/// Writes the network as BIF to `path`.
pub fn write_file(net: &BayesNet, path: impl AsRef<Path>) -> Result<()> {
    let path = path.as_ref();
    std::fs::write(path, write(net)).map_err(|source| Error::Io {
        location: Location::file(path),
        source,
    })
}

/// Parses BIF text into a network. Accepts [`write_bif`](write())'s output and the common dialects:
/// `//` and `/* */` comments, quoted names, `property` lines (ignored),
/// `(states) values;` rows, `default values;`, and `table` for a variable with parents
/// (JavaBayes order: the child's state varies slowest, the last parent fastest).
/// Malformed input gives an [`Error::Model`] naming the line, never a panic.
pub fn read(text: &str) -> Result<BayesNet> {
    reader::parse(text, None)
}

/// Reads a BIF file.
pub fn read_file(path: impl AsRef<Path>) -> Result<BayesNet> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        location: Location::file(path),
        source,
    })?;
    reader::parse(&text, Some(path.to_path_buf()))
}

/// The structure in Graphviz DOT; `highlight` (the class node) is drawn filled and
/// double-bordered.
pub fn to_dot(net: &BayesNet, highlight: Option<usize>) -> String {
    use std::fmt::Write;
    let q = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
    let mut out = String::from(
        "digraph bayesnet {\n  rankdir=TB;\n  node [shape=ellipse, fontname=\"Helvetica\"];\n",
    );
    for (v, var) in net.variables().iter().enumerate() {
        if Some(v) == highlight {
            let _ = writeln!(
                out,
                "  {} [shape=doublecircle, style=filled, fillcolor=\"#f4a261\"];",
                q(&var.name)
            );
        } else {
            let _ = writeln!(out, "  {};", q(&var.name));
        }
    }
    for (p, c) in net.edges() {
        let _ = writeln!(
            out,
            "  {} -> {};",
            q(&net.variable(p).name),
            q(&net.variable(c).name)
        );
    }
    out.push_str("}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_made_safe_and_unique() {
        assert_eq!(safe("< 6", true), "lt_6");
        assert_eq!(safe(">= 20.5", true), "ge_20.5");
        assert_eq!(safe("[6, 20.5)", true), "6_20.5");
        assert_eq!(safe("Month-to-month", true), "Month-to-month");
        assert_eq!(safe("Total day minutes", false), "Total_day_minutes");
        assert_eq!(
            unique(["a".to_string(), "a".into()].into_iter()),
            vec!["a", "a_2"]
        );
    }
}
