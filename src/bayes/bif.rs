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

use std::path::Path;

use super::network::{BayesNet, Variable};
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

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Punct(char),
}

struct Lexer {
    toks: Vec<(Tok, u64)>,
    pos: usize,
    file: Option<std::path::PathBuf>,
}

impl Lexer {
    fn err(&self, line: u64, message: impl Into<String>) -> Error {
        Error::Model {
            location: Location {
                file: self.file.clone(),
                line: Some(line),
                column: None,
            },
            message: message.into(),
        }
    }

    fn new(text: &str, file: Option<std::path::PathBuf>) -> Result<Lexer> {
        let mut lx = Lexer {
            toks: Vec::new(),
            pos: 0,
            file,
        };
        let chars: Vec<char> = text.chars().collect();
        let mut i = 0;
        let mut line = 1u64;
        while i < chars.len() {
            let c = chars[i];
            if c == '\n' {
                line += 1;
                i += 1;
            } else if c.is_whitespace() {
                i += 1;
            } else if c == '/' && chars.get(i + 1) == Some(&'/') {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            } else if c == '/' && chars.get(i + 1) == Some(&'*') {
                let start = line;
                i += 2;
                loop {
                    if i + 1 >= chars.len() {
                        return Err(lx.err(start, "unterminated /* comment"));
                    }
                    if chars[i] == '*' && chars[i + 1] == '/' {
                        i += 2;
                        break;
                    }
                    if chars[i] == '\n' {
                        line += 1;
                    }
                    i += 1;
                }
            } else if c == '"' {
                let start = line;
                i += 1;
                let mut s = String::new();
                loop {
                    match chars.get(i) {
                        None => return Err(lx.err(start, "unterminated quoted name")),
                        Some('"') => {
                            i += 1;
                            break;
                        }
                        Some(&ch) => {
                            if ch == '\n' {
                                line += 1;
                            }
                            s.push(ch);
                            i += 1;
                        }
                    }
                }
                lx.toks.push((Tok::Word(s), start));
            } else if "{}()[];,|".contains(c) {
                lx.toks.push((Tok::Punct(c), line));
                i += 1;
            } else {
                let mut s = String::new();
                let ends_word = |i: usize| {
                    chars[i].is_whitespace()
                        || "{}()[];,|\"".contains(chars[i])
                        || (chars[i] == '/' && matches!(chars.get(i + 1), Some('/') | Some('*')))
                };
                while i < chars.len() && !ends_word(i) {
                    s.push(chars[i]);
                    i += 1;
                }
                lx.toks.push((Tok::Word(s), line));
            }
        }
        Ok(lx)
    }

    fn line(&self) -> u64 {
        self.toks
            .get(self.pos)
            .or(self.toks.last())
            .map_or(1, |t| t.1)
    }

    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.0)
    }

    fn next(&mut self) -> Result<Tok> {
        let t = self
            .toks
            .get(self.pos)
            .map(|t| t.0.clone())
            .ok_or_else(|| self.err(self.line(), "unexpected end of input"))?;
        self.pos += 1;
        Ok(t)
    }

    fn word(&mut self, what: &str) -> Result<String> {
        let line = self.line();
        match self.next()? {
            Tok::Word(w) => Ok(w),
            Tok::Punct(p) => Err(self.err(line, format!("expected {what}, found '{p}'"))),
        }
    }

    fn expect(&mut self, p: char) -> Result<()> {
        let line = self.line();
        match self.next()? {
            Tok::Punct(q) if q == p => Ok(()),
            Tok::Punct(q) => Err(self.err(line, format!("expected '{p}', found '{q}'"))),
            Tok::Word(w) => Err(self.err(line, format!("expected '{p}', found '{w}'"))),
        }
    }

    fn eat(&mut self, p: char) -> bool {
        if self.peek() == Some(&Tok::Punct(p)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn skip_to_semicolon(&mut self) -> Result<()> {
        while self.next()? != Tok::Punct(';') {}
        Ok(())
    }

    fn skip_block(&mut self) -> Result<()> {
        self.expect('{')?;
        let mut depth = 1;
        while depth > 0 {
            match self.next()? {
                Tok::Punct('{') => depth += 1,
                Tok::Punct('}') => depth -= 1,
                _ => {}
            }
        }
        Ok(())
    }

    /// Numbers up to `;` (commas optional).
    fn numbers(&mut self) -> Result<Vec<f64>> {
        let mut out = Vec::new();
        loop {
            let line = self.line();
            match self.next()? {
                Tok::Punct(';') => return Ok(out),
                Tok::Punct(',') => {}
                Tok::Word(w) => out.push(
                    w.parse::<f64>()
                        .map_err(|_| self.err(line, format!("'{w}' is not a number")))?,
                ),
                Tok::Punct(p) => return Err(self.err(line, format!("unexpected '{p}' in numbers"))),
            }
        }
    }
}

struct ProbBlock {
    line: u64,
    child: String,
    parents: Vec<String>,
    rows: Vec<(u64, Vec<String>, Vec<f64>)>,
    table: Option<(u64, Vec<f64>)>,
    default: Option<(u64, Vec<f64>)>,
}

/// Parses BIF text into a network. Accepts [`write_bif`](write())'s output and the common dialects:
/// `//` and `/* */` comments, quoted names, `property` lines (ignored),
/// `(states) values;` rows, `default values;`, and `table` for a variable with parents
/// (JavaBayes order: the child's state varies slowest, the last parent fastest).
/// Malformed input gives an [`Error::Model`] naming the line, never a panic.
pub fn read(text: &str) -> Result<BayesNet> {
    parse(text, None)
}

/// Reads a BIF file.
pub fn read_file(path: impl AsRef<Path>) -> Result<BayesNet> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        location: Location::file(path),
        source,
    })?;
    parse(&text, Some(path.to_path_buf()))
}

fn parse(text: &str, file: Option<std::path::PathBuf>) -> Result<BayesNet> {
    let mut lx = Lexer::new(text, file)?;
    let mut vars: Vec<(u64, Variable)> = Vec::new();
    let mut probs: Vec<ProbBlock> = Vec::new();
    while lx.peek().is_some() {
        let line = lx.line();
        let kw = lx.word("'network', 'variable' or 'probability'")?;
        match kw.as_str() {
            "network" => {
                lx.word("a network name")?;
                lx.skip_block()?;
            }
            "variable" => {
                let name = lx.word("a variable name")?;
                lx.expect('{')?;
                let mut states: Option<Vec<String>> = None;
                loop {
                    let l = lx.line();
                    if lx.eat('}') {
                        break;
                    }
                    match lx.word("'type' or 'property'")?.as_str() {
                        "property" => lx.skip_to_semicolon()?,
                        "type" => {
                            let t = lx.word("'discrete'")?;
                            if t != "discrete" {
                                return Err(lx.err(l, format!("variable '{name}': only discrete variables are supported, not '{t}'")));
                            }
                            lx.expect('[')?;
                            let nl = lx.line();
                            let n_text = lx.word("the number of states")?;
                            let n: usize = n_text.parse().map_err(|_| {
                                lx.err(nl, format!("'{n_text}' is not a number of states"))
                            })?;
                            lx.expect(']')?;
                            lx.expect('{')?;
                            let mut s = Vec::new();
                            loop {
                                if lx.eat('}') {
                                    break;
                                }
                                if lx.eat(',') {
                                    continue;
                                }
                                s.push(lx.word("a state name")?);
                            }
                            lx.expect(';')?;
                            if s.len() != n {
                                return Err(lx.err(
                                    l,
                                    format!(
                                        "variable '{name}' declares {n} states but lists {}",
                                        s.len()
                                    ),
                                ));
                            }
                            states = Some(s);
                        }
                        other => {
                            return Err(
                                lx.err(l, format!("unexpected '{other}' in variable '{name}'"))
                            );
                        }
                    }
                }
                let states = states
                    .ok_or_else(|| lx.err(line, format!("variable '{name}' has no type line")))?;
                vars.push((line, Variable { name, states }));
            }
            "probability" => {
                lx.expect('(')?;
                let child = lx.word("a variable name")?;
                let mut parents = Vec::new();
                if lx.eat('|') {
                    loop {
                        if lx.eat(',') {
                            continue;
                        }
                        if lx.peek() == Some(&Tok::Punct(')')) {
                            break;
                        }
                        parents.push(lx.word("a parent name")?);
                    }
                }
                lx.expect(')')?;
                lx.expect('{')?;
                let mut block = ProbBlock {
                    line,
                    child,
                    parents,
                    rows: Vec::new(),
                    table: None,
                    default: None,
                };
                loop {
                    let l = lx.line();
                    if lx.eat('}') {
                        break;
                    }
                    if lx.eat('(') {
                        let mut states = Vec::new();
                        loop {
                            if lx.eat(')') {
                                break;
                            }
                            if lx.eat(',') {
                                continue;
                            }
                            states.push(lx.word("a parent state")?);
                        }
                        let nums = lx.numbers()?;
                        block.rows.push((l, states, nums));
                        continue;
                    }
                    match lx.word("'table', 'default', '(' or 'property'")?.as_str() {
                        "table" => block.table = Some((l, lx.numbers()?)),
                        "default" => block.default = Some((l, lx.numbers()?)),
                        "property" => lx.skip_to_semicolon()?,
                        other => {
                            return Err(
                                lx.err(l, format!("unexpected '{other}' in probability block"))
                            );
                        }
                    }
                }
                probs.push(block);
            }
            other => {
                return Err(lx.err(
                    line,
                    format!("expected 'network', 'variable' or 'probability', found '{other}'"),
                ));
            }
        }
    }
    let err = |line: u64, m: String| lx.err(line, m);
    let names: Vec<String> = vars.iter().map(|v| v.1.name.clone()).collect();
    let net0 = BayesNet::new(vars.iter().map(|v| v.1.clone()).collect())
        .map_err(|e| err(vars.first().map_or(1, |v| v.0), e.to_string()))?;
    let n = names.len();
    let mut parents: Vec<Option<Vec<usize>>> = vec![None; n];
    let mut cpts: Vec<Vec<f64>> = vec![Vec::new(); n];
    for b in &probs {
        let v = names.iter().position(|x| *x == b.child).ok_or_else(|| {
            err(
                b.line,
                format!("probability for undeclared variable '{}'", b.child),
            )
        })?;
        if parents[v].is_some() {
            return Err(err(
                b.line,
                format!("two probability blocks for '{}'", b.child),
            ));
        }
        let mut ps = Vec::new();
        for p in &b.parents {
            ps.push(names.iter().position(|x| x == p).ok_or_else(|| {
                err(b.line, format!("'{}' has undeclared parent '{p}'", b.child))
            })?);
        }
        let r = net0.cardinality(v);
        let cards: Vec<usize> = ps.iter().map(|&p| net0.cardinality(p)).collect();
        let q = cards
            .iter()
            .try_fold(1usize, |a, &c| a.checked_mul(c))
            .filter(|&q| q.saturating_mul(r) <= super::network::MAX_CPT_ENTRIES)
            .ok_or_else(|| err(b.line, format!("the CPT of '{}' is too large", b.child)))?;
        let mut cpt: Vec<Option<f64>> = vec![None; q * r];
        if let Some((l, t)) = &b.table {
            if t.len() != q * r {
                return Err(err(
                    *l,
                    format!(
                        "table of '{}' has {} values; needs {}",
                        b.child,
                        t.len(),
                        q * r
                    ),
                ));
            }
            // JavaBayes order: child slowest.
            for s in 0..r {
                for j in 0..q {
                    cpt[j * r + s] = Some(t[s * q + j]);
                }
            }
        }
        for (l, states, nums) in &b.rows {
            if states.len() != ps.len() {
                return Err(err(
                    *l,
                    format!(
                        "row of '{}' names {} parent states; there are {} parents",
                        b.child,
                        states.len(),
                        ps.len()
                    ),
                ));
            }
            if nums.len() != r {
                return Err(err(
                    *l,
                    format!(
                        "row of '{}' has {} values; '{}' has {r} states",
                        b.child,
                        nums.len(),
                        b.child
                    ),
                ));
            }
            let mut j = 0;
            for ((&p, s), &c) in ps.iter().zip(states).zip(&cards) {
                let i = net0
                    .variable(p)
                    .states
                    .iter()
                    .position(|x| x == s)
                    .ok_or_else(|| err(*l, format!("'{s}' is not a state of '{}'", names[p])))?;
                j = j * c + i;
            }
            for (k, &x) in nums.iter().enumerate() {
                cpt[j * r + k] = Some(x);
            }
        }
        if let Some((l, d)) = &b.default {
            if d.len() != r {
                return Err(err(
                    *l,
                    format!(
                        "default row of '{}' has {} values; needs {r}",
                        b.child,
                        d.len()
                    ),
                ));
            }
            for (i, x) in cpt.iter_mut().enumerate() {
                x.get_or_insert(d[i % r]);
            }
        }
        let values: Option<Vec<f64>> = cpt.into_iter().collect();
        cpts[v] = values.ok_or_else(|| {
            err(
                b.line,
                format!(
                    "the CPT of '{}' does not cover every parent configuration",
                    b.child
                ),
            )
        })?;
        parents[v] = Some(ps);
    }
    let mut plist = Vec::with_capacity(n);
    for (v, p) in parents.into_iter().enumerate() {
        plist.push(p.ok_or_else(|| {
            err(
                vars[v].0,
                format!("variable '{}' has no probability block", names[v]),
            )
        })?);
    }
    BayesNet::from_parts(vars.into_iter().map(|v| v.1).collect(), plist, cpts).map_err(
        |e| match e {
            Error::Model { message, .. } => err(1, message),
            other => other,
        },
    )
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
