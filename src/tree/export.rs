//! Exports of a fitted tree: an indented text tree, if-then rules (one per leaf, with
//! support and confidence — the form business users read), Graphviz DOT, and a canonical
//! dump of the arena for fingerprinting trees in tests.

use std::fmt::Write;

use super::node::NO_CHILD;
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
    ///
    /// The text of a chain `d` deep is `Θ(d²)` bytes (each line repeats the path's
    /// indentation): at most about 4 MB at [`MAX_DEPTH`](super::MAX_DEPTH).
    /// [`DecisionTree::write_text`] writes it without holding it.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let _ = self.write_text(&mut s);
        s
    }

    /// Writes [`DecisionTree::to_text`] to `out` line by line. A depth-first walk with
    /// an explicit stack (no recursion over the depth); besides what it writes it
    /// holds `O(depth)` memory: one frame per level and the current indentation.
    pub fn write_text<W: Write>(&self, out: &mut W) -> std::fmt::Result {
        if self.nodes.is_empty() {
            return Ok(());
        }
        if self.nodes[0].is_leaf() {
            return writeln!(out, "{}", self.leaf_text(0));
        }
        /// A node whose branches are being written, and the next one.
        struct Frame {
            node: usize,
            branches: Vec<(usize, Vec<u16>)>,
            next: usize,
        }
        const PAD: &str = "|   ";
        // The indentation of the top frame's branches: PAD once per level.
        let mut pad = String::new();
        let mut stack = vec![Frame {
            node: 0,
            branches: self.branches(0),
            next: 0,
        }];
        while let Some(top) = stack.last_mut() {
            let Some((child, codes)) = top.branches.get(top.next) else {
                stack.pop();
                pad.truncate(pad.len().saturating_sub(PAD.len()));
                continue;
            };
            top.next += 1;
            let (child, f) = (*child, self.nodes[top.node].feature as usize);
            let cond = super::tree::group_condition(&self.schema.features[f], codes);
            if self.nodes[child].is_leaf() {
                writeln!(out, "{pad}{cond}: {}", self.leaf_text(child))?;
            } else {
                writeln!(out, "{pad}{cond}")?;
                pad.push_str(PAD);
                stack.push(Frame {
                    node: child,
                    branches: self.branches(child),
                    next: 0,
                });
            }
        }
        Ok(())
    }

    fn leaf_text(&self, n: usize) -> String {
        format!(
            "{} ({})",
            self.schema.classes[self.node_class(n)],
            self.counts_text(n)
        )
    }

    /// One rule per leaf, in depth-first order.
    ///
    /// A feature tested more than once on a path (binary splits on a binned numeric can
    /// reuse it) appears once, as the tightest condition: the intersection of the codes
    /// its branches allow, rendered where the feature was first tested — so
    /// `satisfaction < 4` then `satisfaction < 3` reads `satisfaction < 3`.
    pub fn rules(&self) -> Vec<Rule> {
        let mut out = Vec::new();
        self.each_rule(|r| out.push(r));
        out
    }

    /// Calls `emit` with each rule of [`DecisionTree::rules`], in order: a depth-first
    /// walk with an explicit stack (no recursion over the depth) that keeps the path's
    /// conditions, `O(depth)` of them, and builds one rule at a time.
    fn each_rule(&self, mut emit: impl FnMut(Rule)) {
        if self.nodes.is_empty() {
            return;
        }
        /// How to undo, once a subtree is done, what entering it did to the path.
        enum Undo {
            /// Nothing (the root).
            Nothing,
            /// Remove the last condition (the feature was new on the path).
            Pop,
            /// Restore the codes of condition `i` (the feature was tested before).
            Restore(usize, Vec<u16>),
        }
        /// An internal node whose branches are being walked.
        struct Frame {
            node: usize,
            branches: Vec<(usize, Vec<u16>)>,
            next: usize,
            /// Where the node's feature already is on the path.
            earlier: Option<usize>,
            /// Undoes the branch that led here.
            undo: Undo,
        }
        // The path's conditions: (feature, codes it allows).
        let mut path: Vec<(u32, Vec<u16>)> = Vec::new();
        let undo = |path: &mut Vec<(u32, Vec<u16>)>, u: Undo| match u {
            Undo::Nothing => {}
            Undo::Pop => {
                path.pop();
            }
            Undo::Restore(i, codes) => path[i].1 = codes,
        };
        let mut stack: Vec<Frame> = Vec::new();
        // Enters `n` by a branch undone with `u`: a leaf's rule is emitted at once, an
        // internal node gets a frame.
        let mut enter =
            |n: usize, u: Undo, path: &mut Vec<(u32, Vec<u16>)>, stack: &mut Vec<Frame>| {
                if self.nodes[n].is_leaf() {
                    emit(self.leaf_rule(n, path));
                    undo(path, u);
                } else {
                    let feature = self.nodes[n].feature;
                    stack.push(Frame {
                        node: n,
                        branches: self.branches(n),
                        next: 0,
                        earlier: path.iter().position(|(f, _)| *f == feature),
                        undo: u,
                    });
                }
            };
        enter(0, Undo::Nothing, &mut path, &mut stack);
        while let Some(top) = stack.last_mut() {
            if top.next == top.branches.len() {
                if let Some(done) = stack.pop() {
                    undo(&mut path, done.undo);
                }
                continue;
            }
            let (child, codes) = std::mem::take(&mut top.branches[top.next]);
            top.next += 1;
            let u = match top.earlier {
                Some(i) => {
                    let before = std::mem::take(&mut path[i].1);
                    path[i].1 = before
                        .iter()
                        .copied()
                        .filter(|x| codes.contains(x))
                        .collect();
                    Undo::Restore(i, before)
                }
                None => {
                    path.push((self.nodes[top.node].feature, codes));
                    Undo::Pop
                }
            };
            enter(child, u, &mut path, &mut stack);
        }
    }

    /// The rule of leaf `n` reached by `path`.
    fn leaf_rule(&self, n: usize, path: &[(u32, Vec<u16>)]) -> Rule {
        let c = self.node_counts(n);
        let total: f64 = c.iter().sum();
        let cls = self.node_class(n);
        Rule {
            conditions: path
                .iter()
                .map(|(f, codes)| {
                    super::tree::group_condition(&self.schema.features[*f as usize], codes)
                })
                .collect(),
            class: self.schema.classes[cls].clone(),
            support: total,
            confidence: if total > 0.0 { c[cls] / total } else { 0.0 },
        }
    }

    /// The rules as text, one per line (built one rule at a time).
    pub fn rules_text(&self) -> String {
        let mut s = String::new();
        self.each_rule(|r| {
            let _ = writeln!(s, "{r}");
        });
        s
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
            for (c, codes) in self.branches(i) {
                let cond = super::tree::group_condition(f, &codes);
                let edge = cond.strip_prefix(&f.name).unwrap_or(&cond).trim();
                let _ = writeln!(s, "  n{i} -> n{c} [label=\"{}\"];", esc(edge));
            }
        }
        s.push_str("}\n");
        s
    }
}

impl DecisionTree {
    /// A canonical text dump of the fitted tree, independent of serde: one header line
    /// (criterion, missing policy, Laplace flag, number of classes, every feature's name
    /// and cardinality), then one line per node in arena order (depth-first
    /// pre-order) with its depth, feature (`leaf` for a leaf), gain, weight, class
    /// counts and, for an internal node, its children per code (`-` for an empty slot).
    /// Floats are written in Rust's shortest round-trip form, so two trees have the same
    /// dump exactly when they have the same splits, slots and counts, bit for bit.
    /// Tests fingerprint it (FNV-1a) to pin trees without pinning the model format.
    pub fn canonical_dump(&self) -> String {
        let k = self.n_classes();
        let mut s = String::new();
        let _ = write!(
            s,
            "criterion={} missing={:?} laplace={}",
            self.criterion,
            self.missing,
            self.laplace()
        );
        if let super::tree::Smoothing::MEstimate(m) = self.smoothing {
            // Only m-estimate trees carry this, so older dumps are unchanged.
            let _ = write!(s, " m_estimate={m}");
        }
        let _ = write!(s, " classes={k} features=");
        for (j, f) in self.schema.features.iter().enumerate() {
            let sep = if j == 0 { "" } else { "," };
            let _ = write!(s, "{sep}{}:{}", f.name, f.cardinality());
        }
        s.push('\n');
        for (i, n) in self.nodes.iter().enumerate() {
            let _ = write!(s, "{i} d={} ", n.depth);
            if n.is_leaf() {
                s.push_str("leaf");
            } else {
                let _ = write!(s, "f={}", n.feature);
            }
            let _ = write!(
                s,
                " gain={:?} w={:?} counts={:?}",
                n.gain,
                n.weight,
                &self.counts[i * k..(i + 1) * k]
            );
            if !n.is_leaf() {
                let card = self.schema.features[n.feature as usize].cardinality();
                s.push_str(" children=[");
                for (c, slot) in self
                    .slots
                    .block(n.first_slot as usize, card)
                    .into_iter()
                    .flatten()
                    .enumerate()
                {
                    if c > 0 {
                        s.push(',');
                    }
                    if slot == NO_CHILD {
                        s.push('-');
                    } else {
                        let _ = write!(s, "{slot}");
                    }
                }
                s.push(']');
            }
            s.push('\n');
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use crate::data::{Codes, Encoded, EncodedFeature, EncodedSchema};
    use crate::tree::Id3;

    #[test]
    fn canonical_dump_lists_every_node_with_its_children_and_counts() {
        let schema = Arc::new(EncodedSchema {
            features: vec![EncodedFeature {
                name: "Contract".into(),
                levels: vec!["Month-to-month".into(), "Two year".into()].into(),
                numeric: false,
            }],
            classes: vec!["retained".into(), "churned".into()],
        });
        let enc = Encoded::new(
            schema,
            vec![Codes::U8(vec![0, 0, 0, 1, 1])],
            vec![1, 1, 0, 0, 0],
            None,
        )
        .unwrap();
        let t = Id3::params().fit(&enc).unwrap();
        let dump = t.canonical_dump();
        let lines: Vec<&str> = dump.lines().collect();
        assert_eq!(
            lines[0],
            "criterion=id3 missing=OwnBranch laplace=false classes=2 features=Contract:3"
        );
        assert_eq!(lines.len(), 1 + t.n_nodes());
        assert!(lines[1].starts_with("0 d=0 f=0 gain="), "{}", lines[1]);
        assert!(
            lines[1].ends_with("w=5.0 counts=[3.0, 2.0] children=[1,2,-]"),
            "{}",
            lines[1]
        );
        assert_eq!(lines[2], "1 d=1 leaf gain=0.0 w=3.0 counts=[1.0, 2.0]");
        assert_eq!(lines[3], "2 d=1 leaf gain=0.0 w=2.0 counts=[2.0, 0.0]");
        // Equal trees, equal dumps; a different tree, a different dump.
        let back: crate::tree::DecisionTree =
            bincode::deserialize(&bincode::serialize(&t).unwrap()).unwrap();
        assert_eq!(back.canonical_dump(), dump);
        let stump = Id3::params().max_depth(Some(0)).fit(&enc).unwrap();
        assert_ne!(stump.canonical_dump(), dump);
    }
}
