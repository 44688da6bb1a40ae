//! Turning raw customers (CSV records, maps of column → value, tables read elsewhere)

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::economics::{
    Amount, ChurnReason, ClvSpec, CustomerFacts, Economics, Margin, ReasonSource,
};
use crate::data::cell::{self, Parsed};
use crate::data::{Cell, Column, FeatureKind, MISSING_LEVEL, MissingTokens, Schema, Table};
use crate::error::{Error, Location, Result};

/// What to do when input breaks an expectation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum OnBad {
    /// Refuse: scoring returns an error naming the row, column and value.
    Error,
    /// Score with the attribute treated as missing and a warning in the result.
    Warn,
}

/// Turning raw customers (CSV records, maps of column → value, tables read elsewhere)
/// into rows the model can score, under a declared [`InputPolicy`].
///
/// Every raw value is trimmed. A cell is missing when it is empty or one of the
/// [`MissingTokens`] — by default `NA`, `N/A`, `?`, `null` (case-insensitive), the
/// same type and defaults as the training CSV reader's
/// ([`CsvOptions::missing_tokens`](crate::data::CsvOptions::missing_tokens)); set
/// other tokens with the scorer's missing tokens
/// ([`Scorer::missing_tokens`](crate::score::Scorer::missing_tokens)). For each model feature:
/// - numeric: the text must parse as a finite number, else it is a *bad number*;
/// - categorical: the text must be a level seen in the training rows, else it is an
///   *unseen category*.
///
/// The target column (if present) and the id column are never "extra".
///
/// The declared input policy: one [`OnBad`] per kind of problem. Stored in the model
/// as a default and overridable on the [`Scorer`](crate::score::Scorer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputPolicy {
    /// A category never seen in training (default: warn).
    pub unseen_category: OnBad,
    /// A feature column the input lacks (default: error).
    pub missing_column: OnBad,
    /// A column the model does not know (default: warn; the column is ignored).
    pub extra_column: OnBad,
    /// Text in a numeric column (default: warn).
    pub bad_number: OnBad,
}

impl Default for InputPolicy {
    fn default() -> Self {
        InputPolicy {
            unseen_category: OnBad::Warn,
            missing_column: OnBad::Error,
            extra_column: OnBad::Warn,
            bad_number: OnBad::Warn,
        }
    }
}

impl InputPolicy {
    /// Every problem is an error.
    pub fn strict() -> Self {
        InputPolicy {
            unseen_category: OnBad::Error,
            missing_column: OnBad::Error,
            extra_column: OnBad::Error,
            bad_number: OnBad::Error,
        }
    }

    /// Every problem is a warning.
    pub fn lenient() -> Self {
        InputPolicy {
            unseen_category: OnBad::Warn,
            missing_column: OnBad::Warn,
            extra_column: OnBad::Warn,
            bad_number: OnBad::Warn,
        }
    }
}

/// One raw record: fields by position.
pub trait Record {
    /// The field at `i`, if the record has one.
    fn field(&self, i: usize) -> Option<&str>;
}

impl Record for csv::StringRecord {
    fn field(&self, i: usize) -> Option<&str> {
        self.get(i)
    }
}

impl Record for [&str] {
    fn field(&self, i: usize) -> Option<&str> {
        self.get(i).copied()
    }
}

impl Record for Vec<&str> {
    fn field(&self, i: usize) -> Option<&str> {
        self.get(i).copied()
    }
}

impl Record for Vec<String> {
    fn field(&self, i: usize) -> Option<&str> {
        self.get(i).map(String::as_str)
    }
}

/// What converting records noticed in one model feature's cells.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeatureTally {
    /// Cells read as missing (empty, a missing token, or the column is absent).
    pub missing: u64,
    /// Categories never seen in training.
    pub unseen: u64,
    /// Texts in a numeric column that are not numbers.
    pub not_a_number: u64,
    /// Up to [`FeatureTally::EXAMPLES`] distinct unseen or non-number texts.
    pub examples: Vec<String>,
}

impl FeatureTally {
    /// How many example texts a tally keeps.
    pub const EXAMPLES: usize = 3;

    /// Adds `other`'s counts and examples to this tally.
    pub fn merge(&mut self, other: &FeatureTally) {
        self.missing += other.missing;
        self.unseen += other.unseen;
        self.not_a_number += other.not_a_number;
        for e in &other.examples {
            self.example(e);
        }
    }

    fn example(&mut self, text: &str) {
        if self.examples.len() < Self::EXAMPLES && !self.examples.iter().any(|e| e == text) {
            self.examples.push(text.to_string());
        }
    }
}

/// Rows converted to the model's schema, with what was noticed on the way.
#[derive(Debug)]
pub struct Prepared {
    /// The rows, typed by the model's schema (unlabeled).
    pub table: Table,
    /// Per row, the warnings raised.
    pub warnings: Vec<Vec<String>>,
    /// Per row, what the economics need.
    pub facts: Vec<CustomerFacts>,
    /// Per row, its id (None without an id column).
    pub ids: Vec<Option<String>>,
    /// Per model feature (in the schema's order), what its cells held that the model
    /// could not use.
    pub tallies: Vec<FeatureTally>,
}

fn value_error(loc: &Location, line: Option<u64>, col: &str, value: &str, msg: &str) -> Error {
    let mut l = loc.clone().at_column(col);
    l.line = line.or(l.line);
    Error::Value {
        location: l,
        value: value.to_string(),
        message: msg.to_string(),
    }
}

/// Where each needed column sits in a header, decided once per header.
#[derive(Debug, Clone)]
pub struct HeaderPlan {
    schema: Arc<Schema>,
    policy: InputPolicy,
    economics: Economics,
    features: Vec<Option<usize>>,
    id: Option<usize>,
    margin: Option<usize>,
    offer: Option<usize>,
    reason: Option<usize>,
    rules: Vec<usize>,
    left: Option<usize>,
    /// Warnings that apply to every row (missing or extra columns).
    pub column_warnings: Vec<String>,
    /// The header's columns the model does not use (ignored; under a Warn policy also
    /// in `column_warnings`).
    pub ignored_columns: Vec<String>,
    /// The model's feature columns the header lacks (scored as missing; under a Warn
    /// policy).
    pub absent_columns: Vec<String>,
    /// Whether every row's warnings repeat `column_warnings` (default true; batch
    /// scoring reports them once instead).
    column_warnings_per_row: bool,
    location: Location,
    missing: MissingTokens,
}

impl HeaderPlan {
    /// Plans the conversion of records with this `header`. `id_column` overrides the
    /// model schema's id column. Errors for a column name the header repeats, an
    /// `id_column` the header lacks, a missing feature column (under an Error policy),
    /// an extra column (under an Error policy), or a column the economics need that
    /// the header lacks.
    pub fn new(
        header: &[&str],
        schema: &Arc<Schema>,
        policy: InputPolicy,
        economics: &Economics,
        id_column: Option<&str>,
        location: Location,
    ) -> Result<Self> {
        // Every lookup by name goes through this index (trimmed names), so planning
        // is linear in the number of columns.
        let at1 = location.clone().at_line(1);
        let mut index: HashMap<&str, usize> = HashMap::with_capacity(header.len());
        for (i, h) in header.iter().enumerate() {
            if index.insert(h.trim(), i).is_some() {
                return Err(Error::Schema {
                    location: at1.at_column(h.trim()),
                    message: "duplicate column name in the header (rename one of them)".into(),
                });
            }
        }
        let find = |name: &str| index.get(name).copied();
        if let Some(name) = id_column
            && find(name).is_none()
        {
            return Err(Error::Schema {
                location: at1.at_column(name),
                message: match crate::data::closest_name(name, header) {
                    Some(h) => format!(
                        "the id column is not in the input's header (did you mean '{}'?)",
                        h.trim()
                    ),
                    None => "the id column is not in the input's header".into(),
                },
            });
        }
        let mut column_warnings = Vec::new();
        let mut absent_columns = Vec::new();
        let mut ignored_columns = Vec::new();
        let mut features = Vec::with_capacity(schema.features.len());
        for f in &schema.features {
            let idx = find(&f.name);
            if idx.is_none() {
                match policy.missing_column {
                    OnBad::Error => {
                        return Err(Error::Schema {
                            location: location.clone().at_column(&f.name),
                            message: match crate::data::closest_name(&f.name, header) {
                                Some(h) => format!(
                                    "the model needs this column but the input has none (did you mean '{}'? names must match exactly)",
                                    h.trim()
                                ),
                                None => "the model needs this column but the input has none".into(),
                            },
                        });
                    }
                    OnBad::Warn => {
                        absent_columns.push(f.name.clone());
                        column_warnings
                            .push(format!("column '{}' is absent: scored as missing", f.name))
                    }
                }
            }
            features.push(idx);
        }
        let id_name = id_column.or(schema.id_column.as_deref());
        let id = id_name.and_then(find);
        let need = |name: &str| {
            find(name).ok_or_else(|| Error::Schema {
                location: location.clone().at_column(name),
                message: "the retention economics need this column but the input has none".into(),
            })
        };
        let margin = match &economics.clv {
            Some(ClvSpec {
                margin: Margin::Column { name, .. },
                ..
            }) => Some(need(name)?),
            _ => None,
        };
        let offer = match &economics.offer_cost {
            Some(Amount::Column(c)) => Some(need(c)?),
            _ => None,
        };
        let (reason, rules) = match &economics.churn_reason {
            Some(ReasonSource::Column(c)) => (Some(need(c)?), Vec::new()),
            Some(ReasonSource::Rules(rs)) => (
                None,
                rs.iter().map(|r| need(&r.column)).collect::<Result<_>>()?,
            ),
            None => (None, Vec::new()),
        };
        let left = economics.left_column.as_deref().map(need).transpose()?;
        let known: HashSet<&str> = schema
            .features
            .iter()
            .map(|f| f.name.as_str())
            .chain([schema.target.name.as_str()])
            .chain(id_name)
            .chain(schema.weight_column.as_deref())
            .chain(economics.columns())
            .collect();
        for h in header {
            let h = h.trim();
            if !known.contains(h) {
                match policy.extra_column {
                    OnBad::Error => {
                        return Err(Error::Schema {
                            location: location.clone().at_column(h),
                            message: "the model does not know this column (extra columns are refused by the input policy)".into(),
                        });
                    }
                    OnBad::Warn => {
                        ignored_columns.push(h.to_string());
                        column_warnings.push(format!("extra column '{h}' ignored"));
                    }
                }
            }
        }
        Ok(HeaderPlan {
            schema: Arc::clone(schema),
            policy,
            economics: economics.clone(),
            features,
            id,
            margin,
            offer,
            reason,
            rules,
            left,
            column_warnings,
            ignored_columns,
            absent_columns,
            column_warnings_per_row: true,
            location,
            missing: MissingTokens::default(),
        })
    }

    /// Reads cells with these missing tokens instead of the defaults (use the training
    /// reader's, [`CsvOptions::missing`](crate::data::CsvOptions::missing), so a file
    /// is read the same way for scoring as for training).
    pub fn with_missing_tokens(mut self, missing: MissingTokens) -> Self {
        self.missing = missing;
        self
    }

    /// Keeps the column warnings out of the rows' warnings (a batch reports them
    /// once, with the ignored and absent columns).
    pub fn column_warnings_once(mut self) -> Self {
        self.column_warnings_per_row = false;
        self
    }

    /// The positions of the header's columns that converting a record reads (the
    /// model's features present, the id, the economics' columns), in ascending order.
    pub fn needed_fields(&self) -> Vec<usize> {
        let mut v: Vec<usize> = self
            .features
            .iter()
            .flatten()
            .copied()
            .chain(self.id)
            .chain(self.margin)
            .chain(self.offer)
            .chain(self.reason)
            .chain(self.rules.iter().copied())
            .chain(self.left)
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// Converts records (with their 1-based line numbers, when known) to the model's
    /// schema.
    pub fn convert<R: Record + ?Sized>(
        &self,
        records: &[&R],
        lines: &[Option<u64>],
    ) -> Result<Prepared> {
        let n = records.len();
        let mut warnings: Vec<Vec<String>> = if self.column_warnings_per_row {
            vec![self.column_warnings.clone(); n]
        } else {
            vec![Vec::new(); n]
        };
        let mut columns = Vec::with_capacity(self.features.len());
        let mut tallies = vec![FeatureTally::default(); self.features.len()];
        for ((f, &idx), tally) in self
            .schema
            .features
            .iter()
            .zip(&self.features)
            .zip(&mut tallies)
        {
            let cells = Cells {
                records,
                lines,
                idx,
                name: &f.name,
            };
            columns.push(match &f.kind {
                FeatureKind::Numeric => self.numeric_column(&cells, &mut warnings, tally)?,
                FeatureKind::Categorical { levels } => {
                    self.categorical_column(&cells, levels, &mut warnings, tally)?
                }
            });
        }
        let mut facts = Vec::with_capacity(n);
        let mut ids = Vec::with_capacity(n);
        for (r, rec) in records.iter().enumerate() {
            let line = lines.get(r).copied().flatten();
            ids.push(self.id.map(|i| field_text(*rec, i).to_string()));
            facts.push(self.row_facts(*rec, line, &mut warnings[r])?);
        }
        let table = Table::new_unlabeled(Arc::clone(&self.schema), columns, None, None)?;
        Ok(Prepared {
            table,
            warnings,
            facts,
            ids,
            tallies,
        })
    }

    /// One numeric feature's column: a cell that is not a number is handled by the
    /// `bad_number` policy.
    fn numeric_column<R: Record + ?Sized>(
        &self,
        cells: &Cells<'_, R>,
        warnings: &mut [Vec<String>],
        tally: &mut FeatureTally,
    ) -> Result<Column> {
        let name = cells.name;
        let mut v = Vec::with_capacity(cells.records.len());
        for (r, row_warnings) in warnings.iter_mut().enumerate() {
            let raw = cells.raw(r);
            v.push(match cell::number_text(raw, &self.missing) {
                Parsed::Missing => {
                    tally.missing += 1;
                    f64::NAN
                }
                Parsed::Value(x) => x,
                Parsed::Bad(_) => match self.policy.bad_number {
                    OnBad::Error => {
                        return Err(value_error(
                            &self.location,
                            cells.line(r),
                            name,
                            raw,
                            "the model expects a number in this column",
                        ));
                    }
                    OnBad::Warn => {
                        tally.not_a_number += 1;
                        tally.example(raw);
                        row_warnings.push(format!(
                            "{name}: '{raw}' is not a number: scored as missing"
                        ));
                        f64::NAN
                    }
                },
            });
        }
        Ok(Column::Numeric(v))
    }

    /// One categorical feature's column: a level never seen in training is handled by
    /// the `unseen_category` policy.
    fn categorical_column<R: Record + ?Sized>(
        &self,
        cells: &Cells<'_, R>,
        levels: &[String],
        warnings: &mut [Vec<String>],
        tally: &mut FeatureTally,
    ) -> Result<Column> {
        let name = cells.name;
        let mut v = Vec::with_capacity(cells.records.len());
        for (r, row_warnings) in warnings.iter_mut().enumerate() {
            let raw = cells.raw(r);
            v.push(match cell::level(raw, &self.missing, levels) {
                Parsed::Missing => {
                    tally.missing += 1;
                    MISSING_LEVEL
                }
                Parsed::Value(code) => code,
                Parsed::Bad(t) => match self.policy.unseen_category {
                    OnBad::Error => {
                        return Err(value_error(
                            &self.location,
                            cells.line(r),
                            name,
                            raw,
                            "a category never seen in training",
                        ));
                    }
                    OnBad::Warn => {
                        tally.unseen += 1;
                        tally.example(t);
                        row_warnings.push(format!(
                            "{name}: category '{t}' never seen in training: scored as missing"
                        ));
                        MISSING_LEVEL
                    }
                },
            });
        }
        Ok(Column::Categorical(v))
    }

    /// What the retention economics need from one record: margin, offer cost, churn
    /// reason, whether the customer has left.
    fn row_facts<R: Record + ?Sized>(
        &self,
        rec: &R,
        line: Option<u64>,
        warnings: &mut Vec<String>,
    ) -> Result<CustomerFacts> {
        let mut facts = CustomerFacts::default();
        if let (
            Some(i),
            Some(ClvSpec {
                margin: Margin::Column { name, .. },
                ..
            }),
        ) = (self.margin, &self.economics.clv)
        {
            facts.margin = Some(self.economics_number(field_text(rec, i), name, line, warnings)?);
        }
        if let (Some(i), Some(Amount::Column(name))) = (self.offer, &self.economics.offer_cost) {
            facts.offer_cost =
                Some(self.economics_number(field_text(rec, i), name, line, warnings)?);
        } else if let Some(Amount::Fixed(c)) = &self.economics.offer_cost {
            facts.offer_cost = Some(*c);
        }
        if let Some(i) = self.reason {
            let raw = field_text(rec, i);
            let col = match &self.economics.churn_reason {
                Some(ReasonSource::Column(c)) => c.as_str(),
                _ => "",
            };
            match ChurnReason::parse(raw) {
                Ok(reason) => facts.reason = reason,
                Err(msg) => match self.policy.unseen_category {
                    OnBad::Error => {
                        return Err(value_error(&self.location, line, col, raw, &msg));
                    }
                    OnBad::Warn => warnings.push(format!("{msg}: reason unknown")),
                },
            }
        }
        if let Some(ReasonSource::Rules(rules)) = &self.economics.churn_reason {
            facts.reason = rules
                .iter()
                .zip(&self.rules)
                .find(|(rule, i)| field_text(rec, **i) == cell::trim_text(&rule.equals))
                .map(|(rule, _)| rule.reason);
        }
        if let Some(i) = self.left {
            facts.has_left = is_truthy(field_text(rec, i));
        }
        Ok(facts)
    }

    /// A number an economics column holds (`raw` already trimmed); NaN when missing; a
    /// bad number is handled by the `bad_number` policy.
    fn economics_number(
        &self,
        raw: &str,
        col: &str,
        line: Option<u64>,
        warnings: &mut Vec<String>,
    ) -> Result<f64> {
        match cell::number_text(raw, &self.missing) {
            Parsed::Missing => Ok(f64::NAN),
            Parsed::Value(x) => Ok(x),
            Parsed::Bad(_) => match self.policy.bad_number {
                OnBad::Error => Err(value_error(
                    &self.location,
                    line,
                    col,
                    raw,
                    "the retention economics expect a number here",
                )),
                OnBad::Warn => {
                    warnings.push(format!(
                        "{col}: '{raw}' is not a number: treated as missing"
                    ));
                    Ok(f64::NAN)
                }
            },
        }
    }
}

/// One feature's cells across the records being converted.
struct Cells<'a, R: ?Sized> {
    records: &'a [&'a R],
    lines: &'a [Option<u64>],
    /// The feature's field in the records (None: the input lacks the column).
    idx: Option<usize>,
    name: &'a str,
}

impl<R: Record + ?Sized> Cells<'_, R> {
    /// Row `r`'s raw cell (empty when the column or the field is absent).
    fn raw(&self, r: usize) -> &str {
        self.idx
            .and_then(|i| self.records[r].field(i))
            .unwrap_or("")
    }

    /// Row `r`'s 1-based line, when known.
    fn line(&self, r: usize) -> Option<u64> {
        self.lines.get(r).copied().flatten()
    }
}

/// The trimmed text of field `i` (empty when the record has none).
fn field_text<R: Record + ?Sized>(rec: &R, i: usize) -> &str {
    cell::trim_text(rec.field(i).unwrap_or(""))
}

/// `yes`, `true`, `1`, `left`, `churned` (case-insensitive).
fn is_truthy(s: &str) -> bool {
    ["yes", "true", "1", "left", "churned", "y"]
        .iter()
        .any(|t| s.eq_ignore_ascii_case(t))
}

/// Converts `rows` of a table read elsewhere to the model's schema: features matched by
/// name, categorical levels by text, numbers written as text parsed; every problem
/// handled by `policy`. The economics columns must be features of the table.
pub fn from_table(
    table: &Table,
    rows: &[usize],
    schema: &Arc<Schema>,
    policy: InputPolicy,
    economics: &Economics,
) -> Result<Prepared> {
    let ts = table.schema();
    let header: Vec<&str> = ts.features.iter().map(|f| f.name.as_str()).collect();
    let plan = HeaderPlan::new(
        &header,
        schema,
        policy,
        economics,
        None,
        Location::default(),
    )?;
    // Render each needed cell as text once per row and reuse the record path, so the
    // policy is applied in exactly one place.
    let mut records: Vec<Vec<String>> = Vec::with_capacity(rows.len());
    for &r in rows {
        let rec = (0..ts.features.len())
            .map(|j| match table.cell(r, j) {
                Cell::Missing => String::new(),
                Cell::Num(x) => format!("{x}"),
                Cell::Cat(s) => s.to_string(),
            })
            .collect();
        records.push(rec);
    }
    let refs: Vec<&Vec<String>> = records.iter().collect();
    let mut prepared = plan.convert(&refs, &[])?;
    if let Some(ids) = table.ids() {
        for (out, &r) in prepared.ids.iter_mut().zip(rows) {
            *out = Some(ids[r].clone());
        }
    }
    Ok(prepared)
}
