//! A model's summary as text, as `churnkit inspect` prints it.

use std::fmt;

use super::Model;
use crate::data::MissingTokens;

/// A printable summary of a [`Model`], one fact per line: learner and parameters,
/// training rows and class balance, validation metrics, target and id column, the
/// texts read as missing, and the features.
///
/// Describing a learner's body (its structure in one line, e.g. `tree: 41 nodes, 23
/// leaves, depth 6`, and a longer text such as the tree itself) belongs to the
/// learners, so the caller passes those in; without them the summary holds what the
/// model's schema and training summary say.
///
/// ```
/// use std::sync::Arc;
/// use churnkit::data::{Column, Feature, FeatureKind, Schema, Table, Target};
/// use churnkit::eval::ZeroR;
/// use churnkit::model::ModelSummary;
/// use churnkit::train::ModelBuilder;
///
/// let schema = Arc::new(Schema {
///     features: vec![Feature { name: "tenure".into(), kind: FeatureKind::Numeric }],
///     target: Target::binary("Churn"),
///     id_column: None,
///     weight_column: None,
/// });
/// let table = Table::new(schema, vec![Column::Numeric(vec![1.0, 20.0, 3.0])],
///                        vec![1, 0, 0], None, None)?;
/// let rows = table.all_rows();
/// let model = ModelBuilder::new(ZeroR.fit_table(&table, &rows)?, &table, &rows).build()?;
/// let text = ModelSummary::new(&model).source("churn.model").to_string();
/// assert!(text.starts_with("model     churn.model\nlearner   zero-r\n"));
/// assert!(text.contains("features  1:\n  tenure"));
/// # Ok::<(), churnkit::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ModelSummary<'a> {
    model: &'a Model,
    source: Option<String>,
    structure: Option<String>,
    detail: Option<String>,
}

impl<'a> ModelSummary<'a> {
    /// The summary of `model`.
    pub fn new(model: &'a Model) -> Self {
        ModelSummary {
            model,
            source: None,
            structure: None,
            detail: None,
        }
    }

    /// Where the model came from (e.g. its file), printed first as `model     ...`.
    pub fn source(mut self, source: impl fmt::Display) -> Self {
        self.source = Some(source.to_string());
        self
    }

    /// One line about the body's structure, printed after the learner's name.
    pub fn structure(mut self, structure: impl Into<String>) -> Self {
        self.structure = Some(structure.into());
        self
    }

    /// A longer text about the body (e.g. a tree as indented text), printed last
    /// after a blank line.
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

/// "'na', 'n/a', '?', 'null'" (or "no other tokens").
/// How the training file was read, in the CLI's words: the delimiter, the label rule
/// and mapping, the weight column, dropped columns and bad-row policies.
fn read_line(spec: &crate::data::ReadSpec) -> String {
    let mut parts = Vec::new();
    if let Some(d) = spec.delimiter {
        parts.push(format!("delimiter {}", crate::data::delimiter_name(d)));
    }
    let mapping: Vec<String> = spec
        .label_map
        .iter()
        .map(|(text, class)| format!("'{text}' → {class}"))
        .collect();
    let rule = spec
        .label_flags()
        .unwrap_or_else(|| "recognised labels".to_string());
    if mapping.is_empty() {
        parts.push(rule);
    } else {
        parts.push(format!("{rule} ({})", mapping.join(", ")));
    }
    if let Some(w) = &spec.weight_column {
        parts.push(format!("weight column '{w}'"));
    }
    if !spec.dropped.is_empty() {
        parts.push(format!("dropped {}", spec.dropped.join(", ")));
    }
    if spec.skip_bad_labels {
        parts.push("--on-bad-label skip".into());
    }
    if spec.bad_cells_missing {
        parts.push("--on-bad-cell missing".into());
    }
    parts.join("; ")
}

fn missing_list(m: &MissingTokens) -> String {
    let quoted: Vec<String> = m.tokens().map(|t| format!("'{t}'")).collect();
    if quoted.is_empty() {
        "no other tokens".to_string()
    } else {
        quoted.join(", ")
    }
}

impl fmt::Display for ModelSummary<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let summary = self.model.summary();
        let schema = self.model.schema();
        if let Some(source) = &self.source {
            writeln!(f, "model     {source}")?;
        }
        match &self.structure {
            Some(structure) => writeln!(f, "learner   {} — {structure}", summary.learner)?,
            None => writeln!(f, "learner   {}", summary.learner)?,
        }
        writeln!(f, "params    {}", summary.params.0)?;
        let balance: Vec<String> = summary
            .classes
            .iter()
            .zip(&summary.class_counts)
            .map(|(c, n)| format!("{c} {n}"))
            .collect();
        writeln!(
            f,
            "trained   on {} rows ({}), churnkit {}, data {}",
            summary.rows,
            balance.join(", "),
            summary.crate_version,
            summary.fingerprint
        )?;
        if !summary.metrics.is_empty() {
            let m: Vec<String> = summary
                .metrics
                .iter()
                .map(|(k, v)| format!("{k} {v:.4}"))
                .collect();
            writeln!(
                f,
                "validated on {} rows: {}",
                summary.validation_rows,
                m.join(", ")
            )?;
        }
        write_tiers(f, self.model)?;
        writeln!(
            f,
            "target    '{}' ({}){}",
            schema.target.name,
            schema.target.classes.join(", "),
            schema
                .id_column
                .as_ref()
                .map_or(String::new(), |id| format!(", id column '{id}'"))
        )?;
        writeln!(
            f,
            "missing   empty cells and {}",
            missing_list(self.model.missing_tokens())
        )?;
        if let Some(spec) = self.model.read_spec() {
            writeln!(f, "read as   {}", read_line(spec))?;
        }
        writeln!(f, "features  {}:", schema.features.len())?;
        for feature in &schema.features {
            if feature.is_numeric() {
                writeln!(f, "  {:<24} numeric", feature.name)?;
            } else {
                writeln!(
                    f,
                    "  {:<24} categorical, {} levels",
                    feature.name,
                    feature.levels().len()
                )?;
            }
        }
        if let Some(detail) = &self.detail {
            write!(f, "\n{detail}")?;
        }
        Ok(())
    }
}

/// The `tiers` lines: the policy, and per tier the out-of-sample share and churn rate
/// when the summary has them (`tier_share_<tier>`, `tier_churn_rate_<tier>`).
fn write_tiers(f: &mut fmt::Formatter<'_>, model: &crate::model::Model) -> fmt::Result {
    use crate::policy::TierPolicy;
    let policy = match model.tier_policy() {
        TierPolicy::MostProbable => "the most probable class".to_string(),
        TierPolicy::MinExpectedCost { cost } => format!("minimum expected cost {cost:?}"),
        TierPolicy::Thresholds { at_risk, churned } => {
            format!("P(churn) >= {churned:.4} churned, >= {at_risk:.4} at_risk")
        }
    };
    writeln!(f, "tiers     {policy}")?;
    let m = &model.summary().metrics;
    if m.keys().any(|k| k.starts_with("tier_share_")) {
        writeln!(f, "  tier       customers  churn rate  (out of sample)")?;
        for t in ["retained", "at_risk", "churned"] {
            let share = m.get(&format!("tier_share_{t}")).copied().unwrap_or(0.0);
            let rate = m
                .get(&format!("tier_churn_rate_{t}"))
                .map_or("-".to_string(), |r| format!("{:.1} %", r * 100.0));
            writeln!(f, "  {t:<10} {:>7.1} %  {rate:>10}", share * 100.0)?;
        }
    }
    let w = model.warning();
    match &w.playbook {
        Some(p) => writeln!(
            f,
            "playbook  {} column rules (stored in the model)",
            p.columns.len()
        )?,
        None => writeln!(
            f,
            "playbook  built-in (telecom, bank and subscription column names)"
        )?,
    }
    match &w.stages {
        Some(st) => writeln!(
            f,
            "stages    from '{}': trial < {}, formation < {}, stable < {}, decline; λ {} / {} / {} / {}",
            st.column,
            st.cuts[0],
            st.cuts[1],
            st.cuts[2],
            st.success[0],
            st.success[1],
            st.success[2],
            st.success[3]
        )?,
        None => writeln!(f, "stages    none (one λ for everybody)")?,
    }
    Ok(())
}
