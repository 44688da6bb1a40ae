//! Exports of a fitted tree: an indented text tree, if-then rules (one per leaf, with
//! support and confidence — the form business users read) and Graphviz DOT.

use std::fmt::Write;

use super::tree::{DecisionTree, fmt_count};

/// One if-then rule: the conditions on the path to a leaf and what the leaf predicts.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// The path's conditions, in the user's names (`Contract = Month-to-month`).
    pub conditions: Vec<String>,
    /// The predicted (majority) class.
    pub class: String,
    /// Support: the leaf's training weight.
    pub support: f64,
    /// Confidence: the predicted class's share of the leaf's weight.
    pub confidence: f64,
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let cond = if self.conditions.is_empty() {
            "TRUE".to_string()
        } else {
            self.conditions.join(" AND ")
        };
        write!(
            f,
            "IF {cond} THEN {} (support {}, confidence {:.3})",
            self.class,
            fmt_count(self.support),
            self.confidence
        )
    }
}

impl DecisionTree {
    /// The tree as indented text, one line per branch:
    ///
    /// ```text
    /// Outlook = Overcast: yes (no 0, yes 4)
    /// Outlook = Rain
    /// |   Wind = Strong: no (no 2, yes 0)
    /// ```
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        if self.nodes.is_empty() {
            return s;
        }
        if self.nodes[0].is_leaf() {
            let _ = writeln!(s, "{}", self.leaf_text(0));
            return s;
        }
        self.text_rec(0, 0, &mut s);
        s
    }

    fn leaf_text(&self, n: usize) -> String {
        format!(
            "{} ({})",
            self.schema.classes[self.node_class(n)],
            self.counts_text(n)
        )
    }

    fn text_rec(&self, n: usize, indent: usize, s: &mut String) {
        for (code, c) in self.children(n) {
            let pad = "|   ".repeat(indent);
            let cond = self.branch_condition(n, code);
            if self.nodes[c].is_leaf() {
                let _ = writeln!(s, "{pad}{cond}: {}", self.leaf_text(c));
            } else {
                let _ = writeln!(s, "{pad}{cond}");
                self.text_rec(c, indent + 1, s);
            }
        }
    }

    /// One rule per leaf, in depth-first order.
    ///
    /// A feature tested more than once on a path (binary splits on a binned numeric can
    /// reuse it) appears once, as the tightest condition: the intersection of the codes
    /// its branches allow, rendered where the feature was first tested — so
    /// `satisfaction < 4` then `satisfaction < 3` reads `satisfaction < 3`.
    pub fn rules(&self) -> Vec<Rule> {
        let mut out = Vec::new();
        let mut path: Vec<(u32, Vec<u16>)> = Vec::new();
        if !self.nodes.is_empty() {
            self.rules_rec(0, &mut path, &mut out);
        }
        out
    }

    fn rules_rec(&self, n: usize, path: &mut Vec<(u32, Vec<u16>)>, out: &mut Vec<Rule>) {
        if self.nodes[n].is_leaf() {
            let c = self.node_counts(n);
            let total: f64 = c.iter().sum();
            let cls = self.node_class(n);
            out.push(Rule {
                conditions: path
                    .iter()
                    .map(|(f, codes)| {
                        super::tree::group_condition(&self.schema.features[*f as usize], codes)
                    })
                    .collect(),
                class: self.schema.classes[cls].clone(),
                support: total,
                confidence: if total > 0.0 { c[cls] / total } else { 0.0 },
            });
            return;
        }
        let feature = self.nodes[n].feature;
        let earlier = path.iter().position(|(f, _)| *f == feature);
        for (code, c) in self.children(n) {
            let codes = self.branch_codes(n, code);
            match earlier {
                Some(i) => {
                    let before = std::mem::take(&mut path[i].1);
                    path[i].1 = before
                        .iter()
                        .copied()
                        .filter(|x| codes.contains(x))
                        .collect();
                    self.rules_rec(c, path, out);
                    path[i].1 = before;
                }
                None => {
                    path.push((feature, codes));
                    self.rules_rec(c, path, out);
                    path.pop();
                }
            }
        }
    }

    /// The rules as text, one per line.
    pub fn rules_text(&self) -> String {
        self.rules().iter().map(|r| format!("{r}\n")).collect()
    }

    /// The tree in Graphviz DOT: internal nodes show the feature tested, leaves the
    /// predicted class and counts, edges the condition.
    pub fn to_dot(&self) -> String {
        let esc = |t: &str| t.replace('\\', "\\\\").replace('"', "\\\"");
        let mut s = String::from("digraph tree {\n  node [shape=box, fontname=\"Helvetica\"];\n");
        for (i, node) in self.nodes.iter().enumerate() {
            let label = if node.is_leaf() {
                self.leaf_text(i)
            } else {
                format!(
                    "{}\\n({})",
                    esc(&self.schema.features[node.feature as usize].name),
                    self.counts_text(i)
                )
            };
            let style = if node.is_leaf() {
                ", style=rounded"
            } else {
                ""
            };
            let _ = writeln!(
                s,
                "  n{i} [label=\"{}\"{style}];",
                esc(&label).replace("\\\\n", "\\n")
            );
        }
        for (i, node) in self.nodes.iter().enumerate() {
            if node.is_leaf() {
                continue;
            }
            let f = &self.schema.features[node.feature as usize];
            for (code, c) in self.children(i) {
                let cond = self.branch_condition(i, code);
                let edge = cond.strip_prefix(&f.name).unwrap_or(&cond).trim();
                let _ = writeln!(s, "  n{i} -> n{c} [label=\"{}\"];", esc(edge));
            }
        }
        s.push_str("}\n");
        s
    }
}
