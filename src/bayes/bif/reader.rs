//! The BIF reader: block parsers (`network`, `variable`, `probability`) over the
//! [`Lexer`]'s tokens, then assembly of the declared blocks into a [`BayesNet`]
//! (names resolved, CPTs laid out and checked).

use super::lexer::{Lexer, Tok};
use crate::bayes::network::{BayesNet, MAX_CPT_ENTRIES, Variable};
use crate::error::{Error, Result};

/// The expected keywords at the top level.
const TOP_LEVEL: &str = "'network', 'variable' or 'probability'";

/// A `probability` block as written: names unresolved, values in file order.
#[derive(Debug, Default, PartialEq)]
struct ProbBlock {
    /// The line of the `probability` keyword.
    line: u64,
    child: String,
    parents: Vec<String>,
    /// `(parent states) values;` rows: line, parent state names, values.
    rows: Vec<(u64, Vec<String>, Vec<f64>)>,
    /// `table values;`: line, values (JavaBayes order).
    table: Option<(u64, Vec<f64>)>,
    /// `default values;`: line, one row of values.
    default: Option<(u64, Vec<f64>)>,
}

/// The blocks of a BIF text in file order: variables with the line of their keyword,
/// and probability blocks.
#[derive(Debug, Default)]
struct Blocks {
    vars: Vec<(u64, Variable)>,
    probs: Vec<ProbBlock>,
}

/// Parses BIF text (read from `file`, if any) into a network.
pub(super) fn parse(text: &str, file: Option<std::path::PathBuf>) -> Result<BayesNet> {
    let mut lx = Lexer::new(text, file)?;
    let blocks = parse_blocks(&mut lx)?;
    assemble(&lx, blocks)
}

/// Every top-level block up to the end of the input.
fn parse_blocks(lx: &mut Lexer) -> Result<Blocks> {
    let mut blocks = Blocks::default();
    while lx.peek().is_some() {
        let line = lx.line();
        let kw = lx.word(TOP_LEVEL)?;
        match kw.as_str() {
            "network" => {
                lx.word("a network name")?;
                lx.skip_block()?;
            }
            "variable" => blocks.vars.push((line, parse_variable(lx, line)?)),
            "probability" => blocks.probs.push(parse_probability(lx, line)?),
            other => {
                return Err(lx.err(line, format!("expected {TOP_LEVEL}, found '{other}'")));
            }
        }
    }
    Ok(blocks)
}

/// A `variable` block after its keyword (on `line`): `name { type …; property …; }`.
fn parse_variable(lx: &mut Lexer, line: u64) -> Result<Variable> {
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
            "type" => states = Some(parse_type(lx, &name, l)?),
            other => {
                return Err(lx.err(l, format!("unexpected '{other}' in variable '{name}'")));
            }
        }
    }
    let states =
        states.ok_or_else(|| lx.err(line, format!("variable '{name}' has no type line")))?;
    Ok(Variable {
        name,
        states: states.into(),
    })
}

/// A type line after `type` (on `line`) of variable `name`:
/// `discrete [ n ] { s1, …, sn };`, giving the state names.
fn parse_type(lx: &mut Lexer, name: &str, line: u64) -> Result<Vec<String>> {
    let t = lx.word("'discrete'")?;
    if t != "discrete" {
        return Err(lx.err(
            line,
            format!("variable '{name}': only discrete variables are supported, not '{t}'"),
        ));
    }
    lx.expect('[')?;
    let nl = lx.line();
    let n_text = lx.word("the number of states")?;
    let n: usize = n_text
        .parse()
        .map_err(|_| lx.err(nl, format!("'{n_text}' is not a number of states")))?;
    lx.expect(']')?;
    lx.expect('{')?;
    let states = names_until(lx, '}', "a state name")?;
    lx.expect(';')?;
    if states.len() != n {
        return Err(lx.err(
            line,
            format!(
                "variable '{name}' declares {n} states but lists {}",
                states.len()
            ),
        ));
    }
    Ok(states)
}

/// Names separated by optional commas, up to and including `close`.
fn names_until(lx: &mut Lexer, close: char, what: &str) -> Result<Vec<String>> {
    let mut out = Vec::new();
    loop {
        if lx.eat(close) {
            return Ok(out);
        }
        if lx.eat(',') {
            continue;
        }
        out.push(lx.word(what)?);
    }
}

/// A `probability` block after its keyword (on `line`):
/// `( child | parents ) { rows, table, default, property }`.
fn parse_probability(lx: &mut Lexer, line: u64) -> Result<ProbBlock> {
    let (child, parents) = parse_family(lx)?;
    lx.expect('{')?;
    let mut block = ProbBlock {
        line,
        child,
        parents,
        ..ProbBlock::default()
    };
    loop {
        let l = lx.line();
        if lx.eat('}') {
            return Ok(block);
        }
        if lx.eat('(') {
            let states = names_until(lx, ')', "a parent state")?;
            block.rows.push((l, states, lx.numbers()?));
            continue;
        }
        match lx.word("'table', 'default', '(' or 'property'")?.as_str() {
            "table" => block.table = Some((l, lx.numbers()?)),
            "default" => block.default = Some((l, lx.numbers()?)),
            "property" => lx.skip_to_semicolon()?,
            other => {
                return Err(lx.err(l, format!("unexpected '{other}' in probability block")));
            }
        }
    }
}

/// `( child )` or `( child | p1, p2 … )`: the child's and the parents' names.
fn parse_family(lx: &mut Lexer) -> Result<(String, Vec<String>)> {
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
    Ok((child, parents))
}

/// The network of the parsed blocks: every variable needs exactly one probability
/// block naming declared variables and states, covering every parent configuration.
fn assemble(lx: &Lexer, blocks: Blocks) -> Result<BayesNet> {
    let Blocks { vars, probs } = blocks;
    let names: Vec<String> = vars.iter().map(|v| v.1.name.clone()).collect();
    let net0 = BayesNet::new(vars.iter().map(|v| v.1.clone()).collect())
        .map_err(|e| lx.err(vars.first().map_or(1, |v| v.0), e.to_string()))?;
    let n = names.len();
    let mut parents: Vec<Option<Vec<usize>>> = vec![None; n];
    let mut cpts: Vec<Vec<f64>> = vec![Vec::new(); n];
    for b in &probs {
        let v = position(&names, &b.child).ok_or_else(|| {
            lx.err(
                b.line,
                format!("probability for undeclared variable '{}'", b.child),
            )
        })?;
        if parents[v].is_some() {
            return Err(lx.err(b.line, format!("two probability blocks for '{}'", b.child)));
        }
        let ps = b
            .parents
            .iter()
            .map(|p| {
                position(&names, p).ok_or_else(|| {
                    lx.err(b.line, format!("'{}' has undeclared parent '{p}'", b.child))
                })
            })
            .collect::<Result<Vec<usize>>>()?;
        cpts[v] = block_cpt(lx, &net0, b, v, &ps)?;
        parents[v] = Some(ps);
    }
    let mut plist = Vec::with_capacity(n);
    for (v, p) in parents.into_iter().enumerate() {
        plist.push(p.ok_or_else(|| {
            lx.err(
                vars[v].0,
                format!("variable '{}' has no probability block", names[v]),
            )
        })?);
    }
    BayesNet::from_parts(vars.into_iter().map(|v| v.1).collect(), plist, cpts).map_err(
        |e| match e {
            Error::Model { message, .. } => lx.err(1, message),
            other => other,
        },
    )
}

/// The index of `name` among `names`.
fn position(names: &[String], name: &str) -> Option<usize> {
    names.iter().position(|x| x == name)
}

/// The CPT of block `b` for variable `v` with parents `ps` (indices into `net0`'s
/// variables): the `table` first, then the rows, then `default` for the cells still
/// empty. Errors when a part has the wrong length or names an unknown state, or when
/// cells stay empty.
fn block_cpt(
    lx: &Lexer,
    net0: &BayesNet,
    b: &ProbBlock,
    v: usize,
    ps: &[usize],
) -> Result<Vec<f64>> {
    let r = net0.cardinality(v);
    let cards: Vec<usize> = ps.iter().map(|&p| net0.cardinality(p)).collect();
    let q = cards
        .iter()
        .try_fold(1usize, |a, &c| a.checked_mul(c))
        .filter(|&q| q.saturating_mul(r) <= MAX_CPT_ENTRIES)
        .ok_or_else(|| lx.err(b.line, format!("the CPT of '{}' is too large", b.child)))?;
    let mut cpt: Vec<Option<f64>> = vec![None; q * r];
    if let Some((l, t)) = &b.table {
        fill_table(&mut cpt, t, q, r)
            .map_err(|need| lx.err(*l, table_len_message(&b.child, t.len(), need)))?;
    }
    for (l, states, nums) in &b.rows {
        fill_row(lx, net0, &mut cpt, r, &b.child, ps, (*l, states, nums))?;
    }
    if let Some((l, d)) = &b.default {
        if d.len() != r {
            return Err(lx.err(
                *l,
                format!(
                    "default row of '{}' has {} values; needs {r}",
                    b.child,
                    d.len()
                ),
            ));
        }
        fill_default(&mut cpt, d);
    }
    let values: Option<Vec<f64>> = cpt.into_iter().collect();
    values.ok_or_else(|| {
        lx.err(
            b.line,
            format!(
                "the CPT of '{}' does not cover every parent configuration",
                b.child
            ),
        )
    })
}

/// The error message of a `table` of `len` values where `need` are needed.
fn table_len_message(child: &str, len: usize, need: usize) -> String {
    format!("table of '{child}' has {len} values; needs {need}")
}

/// Fills every cell of `cpt` (`q` rows of `r`) from a `table` in JavaBayes order
/// (the child's state slowest). `Err(cells)` when `t` does not have one value a cell.
fn fill_table(
    cpt: &mut [Option<f64>],
    t: &[f64],
    q: usize,
    r: usize,
) -> std::result::Result<(), usize> {
    if t.len() != q * r {
        return Err(q * r);
    }
    for s in 0..r {
        for j in 0..q {
            cpt[j * r + s] = Some(t[s * q + j]);
        }
    }
    Ok(())
}

/// Fills the CPT row (`r` child states) of one `(parent states) values;` line of
/// `child`'s block.
fn fill_row(
    lx: &Lexer,
    net0: &BayesNet,
    cpt: &mut [Option<f64>],
    r: usize,
    child: &str,
    ps: &[usize],
    (l, states, nums): (u64, &[String], &[f64]),
) -> Result<()> {
    if states.len() != ps.len() {
        return Err(lx.err(
            l,
            format!(
                "row of '{child}' names {} parent states; there are {} parents",
                states.len(),
                ps.len()
            ),
        ));
    }
    if nums.len() != r {
        return Err(lx.err(
            l,
            format!(
                "row of '{child}' has {} values; '{child}' has {r} states",
                nums.len(),
            ),
        ));
    }
    let mut j = 0;
    for (&p, s) in ps.iter().zip(states) {
        let var = net0.variable(p);
        let i = position(&var.states, s)
            .ok_or_else(|| lx.err(l, format!("'{s}' is not a state of '{}'", var.name)))?;
        j = j * var.cardinality() + i;
    }
    for (k, &x) in nums.iter().enumerate() {
        cpt[j * r + k] = Some(x);
    }
    Ok(())
}

/// Fills the empty cells of `cpt` from the `default` row `d` (one value per child
/// state).
fn fill_default(cpt: &mut [Option<f64>], d: &[f64]) {
    let r = d.len();
    for (i, x) in cpt.iter_mut().enumerate() {
        x.get_or_insert(d[i % r]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lexer(text: &str) -> Lexer {
        Lexer::new(text, None).unwrap()
    }

    fn err_text(r: Result<impl std::fmt::Debug>) -> String {
        r.unwrap_err().to_string()
    }

    #[test]
    fn variable_block_with_properties() {
        let mut lx = lexer("a { property p = (1, 2); type discrete [ 2 ] { x y }; }");
        let v = parse_variable(&mut lx, 1).unwrap();
        assert_eq!(v, Variable::new("a", &["x", "y"]));
        assert!(lx.peek().is_none());
    }

    #[test]
    fn variable_block_errors() {
        let e = err_text(parse_variable(&mut lexer("a { }"), 7));
        assert!(
            e.contains("line 7") && e.contains("'a' has no type line"),
            "{e}"
        );
        let e = err_text(parse_variable(&mut lexer("a { type continuous; }"), 1));
        assert!(e.contains("only discrete variables are supported, not 'continuous'"));
        let e = err_text(parse_variable(
            &mut lexer("a {\n type discrete [ 3 ] { x, y }; }"),
            1,
        ));
        assert!(
            e.contains("line 2") && e.contains("declares 3 states but lists 2"),
            "{e}"
        );
        let e = err_text(parse_variable(
            &mut lexer("a { type discrete [ two ] { x }; }"),
            1,
        ));
        assert!(e.contains("'two' is not a number of states"), "{e}");
        let e = err_text(parse_variable(&mut lexer("a { size 2; }"), 1));
        assert!(e.contains("unexpected 'size' in variable 'a'"), "{e}");
    }

    #[test]
    fn probability_block_parts() {
        let mut lx =
            lexer("( c | a, b ) { (x, y) 0.1, 0.9; table 1 0; default 0.5 0.5; property q; }");
        let b = parse_probability(&mut lx, 3).unwrap();
        assert_eq!(
            b,
            ProbBlock {
                line: 3,
                child: "c".into(),
                parents: vec!["a".into(), "b".into()],
                rows: vec![(1, vec!["x".into(), "y".into()], vec![0.1, 0.9])],
                table: Some((1, vec![1.0, 0.0])),
                default: Some((1, vec![0.5, 0.5])),
            }
        );
        let (child, parents) = parse_family(&mut lexer("( c )")).unwrap();
        assert_eq!((child.as_str(), parents.len()), ("c", 0));
        let e = err_text(parse_probability(&mut lexer("( c ) { mean 0; }"), 1));
        assert!(e.contains("unexpected 'mean' in probability block"), "{e}");
    }

    #[test]
    fn top_level_skips_networks_and_rejects_junk() {
        let mut lx =
            lexer("network n { property a { b }; } variable a { type discrete [1] { x }; }");
        let blocks = parse_blocks(&mut lx).unwrap();
        assert_eq!(blocks.vars.len(), 1);
        assert!(blocks.probs.is_empty());
        let e = err_text(parse_blocks(&mut lexer("\nbanana { }")));
        assert!(
            e.contains("line 2")
                && e.contains("expected 'network', 'variable' or 'probability', found 'banana'"),
            "{e}"
        );
    }

    #[test]
    fn table_is_child_slowest_and_default_fills_the_gaps() {
        // Two parent configurations, three child states.
        let mut cpt = vec![None; 6];
        fill_table(&mut cpt, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 2, 3).unwrap();
        let got: Vec<f64> = cpt.iter().map(|x| x.unwrap()).collect();
        assert_eq!(got, [1.0, 3.0, 5.0, 2.0, 4.0, 6.0]);
        assert_eq!(fill_table(&mut cpt, &[1.0], 2, 3), Err(6));
        let mut cpt = vec![None, None, Some(0.9), Some(0.1)];
        fill_default(&mut cpt, &[0.2, 0.8]);
        assert_eq!(cpt, [Some(0.2), Some(0.8), Some(0.9), Some(0.1)]);
    }

    fn two_nodes(probs: &str) -> Result<BayesNet> {
        parse(
            &format!(
                "variable a {{ type discrete [2] {{ x, y }}; }}
                 variable b {{ type discrete [2] {{ u, v }}; }}
                 probability ( a ) {{ table 0.5, 0.5; }}
                 {probs}"
            ),
            None,
        )
    }

    #[test]
    fn assembly_resolves_rows_by_state_name() {
        let net = two_nodes("probability ( b | a ) { (y) 0.9, 0.1; (x) 0.3, 0.7; }").unwrap();
        assert_eq!(net.parents(1), &[0]);
        assert_eq!(net.cpt(1), &[0.3, 0.7, 0.9, 0.1]);
    }

    #[test]
    fn assembly_errors_name_the_problem() {
        let cases = [
            (
                "probability ( c ) { table 1; }",
                "probability for undeclared variable 'c'",
            ),
            (
                "probability ( a ) { table 1, 0; }",
                "two probability blocks for 'a'",
            ),
            (
                "probability ( b | c ) { table 1, 0; }",
                "'b' has undeclared parent 'c'",
            ),
            (
                "probability ( b | a ) { table 1, 0; }",
                "table of 'b' has 2 values; needs 4",
            ),
            (
                "probability ( b | a ) { (x, y) 1, 0; }",
                "names 2 parent states; there are 1",
            ),
            (
                "probability ( b | a ) { (x) 1; }",
                "row of 'b' has 1 values; 'b' has 2 states",
            ),
            (
                "probability ( b | a ) { (z) 1, 0; }",
                "'z' is not a state of 'a'",
            ),
            (
                "probability ( b | a ) { default 1; }",
                "default row of 'b' has 1 values; needs 2",
            ),
            (
                "probability ( b | a ) { (x) 1, 0; }",
                "does not cover every parent configuration",
            ),
            ("", "variable 'b' has no probability block"),
        ];
        for (probs, want) in cases {
            let e = err_text(two_nodes(probs));
            assert!(e.contains(want), "{probs}: {e}");
        }
    }
}
