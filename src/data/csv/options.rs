//! The options of the CSV reader ([`CsvOptions`] and its policies) and what reading
//! reports ([`ReadReport`]).

use crate::data::missing::MissingTokens;
use crate::data::schema::{CHURNED, RETAINED, Schema};
use crate::data::target::{CHURN_ORDER, LabelRule};
use crate::error::{Error, Result};

/// How many line numbers a [`ReadReport`] keeps per kind of problem.
pub const REPORTED_LINES: usize = 10;

/// The longest record a CSV reader accepts, in bytes: 16 MiB. A record is one line,
/// or several when a quoted field holds line breaks; LF, CRLF and a lone CR all end a
/// line. A longer one — a file with no line breaks (`/dev/zero`, a binary file), an
/// unbalanced quote — is an error naming the file and the line it starts on, raised
/// once the limit is passed, so reading never holds more than this much of one record.
pub const MAX_RECORD_BYTES: usize = 16 << 20;

/// The most columns a CSV header may name: 100,000. A wider header is an error
/// naming the file (line 1).
pub const MAX_COLUMNS: usize = 100_000;

/// A feature column without a declared kind is **numeric** when at most 5 % of its
/// non-missing cells (1 in 20) are not finite numbers, else categorical (text levels).
/// In a column read as numeric, a cell that is not a finite number (`inf`, `NaN`,
/// `1e309`, text, a NUL byte) follows the bad-cell policy
/// ([`BadCellPolicy`](crate::data::BadCellPolicy)): an error naming the file, line,
/// column and cell by default, or a missing value counted in the read report. So one
/// stray cell never turns a column of numbers into hundreds of levels.
pub const MAX_BAD_NUMERIC_SHARE: f64 = 0.05;

/// What to do with a row whose label is missing or maps to no class.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum BadLabelPolicy {
    /// Stop with an error naming the line (the default).
    #[default]
    Error,
    /// Skip the row and count it (with the first few line numbers) in the
    /// [`ReadReport`].
    Skip,
}

/// What to do with a cell that is not a number in a column declared numeric (with
/// [`CsvOptions::numeric`] or [`CsvOptions::with_schema_kinds`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum BadCellPolicy {
    /// Stop with an error naming the line, column and value (the default).
    #[default]
    Error,
    /// Treat the cell as missing and count it in the [`ReadReport`].
    Missing,
}

/// How to read a churn CSV: the target column and the file's quirks.
///
/// A builder; every setter returns the options. Defaults: delimiter detected from the
/// header; missing tokens `NA`, `N/A`, `?`, `null` (plus empty cells); no dropped, id
/// or weight column; kinds inferred; labels recognised (Yes/No, True/False, 1/0,
/// retained/at_risk/churned); bad labels and bad cells are errors; the target must be
/// present.
///
/// # Labels
///
/// The rules, in order (the first that applies decides):
///
/// 1. **A class map** ([`CsvOptions::class_map`](crate::data::CsvOptions::class_map)):
///    each label text is looked up (exactly, then ignoring ASCII case) and mapped to
///    `retained`, `at_risk` or `churned`. The schema's classes are the mapped-to classes,
///    in churn order. A label the map does not name is a bad label.
/// 2. **A positive label** ([`CsvOptions::positive_label`](crate::data::CsvOptions::positive_label)):
///    that text (ignoring case) is `churned`; the negative text is the one given with
///    [`CsvOptions::negative_label`](crate::data::CsvOptions::negative_label), else the
///    partner of a recognised pair (`Yes`/`No`, `Y`/`N`, `True`/`False`, `1`/`0`), else
///    the only other text in the data. Anything else is a bad label.
/// 3. **Recognised labels**: ignoring case, `yes`, `y`, `true` and `1` (also `1.0`) are
///    `churned`; `no`, `n`, `false` and `0` (also `0.0`) are `retained`; the canonical names
///    `retained`, `at_risk` (or `at-risk`) and `churned` map to themselves. When no text
///    is recognised the reader cannot guess and asks for a positive label or a class map;
///    when some are, the others are bad labels.
///
/// A bad or missing label is an error naming its line, or (with
/// [`BadLabelPolicy::Skip`](crate::data::BadLabelPolicy::Skip)) a skipped row counted
/// in the [`ReadReport`](crate::data::ReadReport).
///
/// # Example
///
/// ```
/// use churnkit::data::{BadLabelPolicy, CsvOptions};
///
/// // IBM Telco: Yes/No labels are recognised; the id is kept for output.
/// let telco = CsvOptions::new("Churn").id_column("customerID");
/// // Orange: True/False labels; `Area code` is a code, not a quantity.
/// let orange = CsvOptions::new("Churn").categorical(&["Area code"]);
/// // Three-state data with house labels, skipping rows with unknown labels.
/// let custom = CsvOptions::new("status")
///     .class_map(&[("active", "retained"), ("warned", "at_risk"), ("closed", "churned")])
///     .on_bad_label(BadLabelPolicy::Skip);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct CsvOptions {
    pub(super) target: String,
    pub(super) delimiter: Option<u8>,
    pub(super) delimiter_hint: Option<u8>,
    pub(super) missing_tokens: Vec<String>,
    pub(in crate::data) drop_columns: Vec<String>,
    pub(in crate::data) id_column: Option<String>,
    pub(in crate::data) weight_column: Option<String>,
    pub(super) numeric: Vec<String>,
    pub(super) categorical: Vec<String>,
    pub(super) schema_kinds: Vec<(String, bool)>,
    pub(super) classes: Option<Vec<String>>,
    pub(super) labels: LabelRule,
    pub(super) on_bad_label: BadLabelPolicy,
    pub(in crate::data) on_bad_cell: BadCellPolicy,
    pub(super) target_optional: bool,
}

fn strings<I>(items: I) -> Vec<String>
where
    I: IntoIterator,
    I::Item: AsRef<str>,
{
    items.into_iter().map(|s| s.as_ref().to_string()).collect()
}

impl CsvOptions {
    /// Options for a file whose churn label is in column `target`.
    pub fn new(target: impl Into<String>) -> Self {
        CsvOptions {
            target: target.into(),
            delimiter: None,
            delimiter_hint: None,
            missing_tokens: strings(MissingTokens::DEFAULT),
            drop_columns: Vec::new(),
            id_column: None,
            weight_column: None,
            numeric: Vec::new(),
            categorical: Vec::new(),
            schema_kinds: Vec::new(),
            classes: None,
            labels: LabelRule::default(),
            on_bad_label: BadLabelPolicy::Error,
            on_bad_cell: BadCellPolicy::Error,
            target_optional: false,
        }
    }

    /// The target column's name.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// The field delimiter (instead of detecting `,`, `;` or tab from the header).
    pub fn delimiter(mut self, delimiter: u8) -> Self {
        self.delimiter = Some(delimiter);
        self
    }

    /// A delimiter to prefer when no delimiter is given: used when the header line
    /// contains it, else the delimiter is detected ([`detect_delimiter`](crate::data::detect_delimiter)).
    /// [`ReadSpec::apply`](crate::data::ReadSpec::apply) sets it to the training
    /// file's delimiter, so a `|`-separated export is read again without `--delimiter`.
    pub fn delimiter_hint(mut self, delimiter: u8) -> Self {
        self.delimiter_hint = Some(delimiter);
        self
    }

    /// The texts that mean "missing" (replacing the defaults; compared after trimming,
    /// ignoring ASCII case). Empty and whitespace-only cells are always missing.
    pub fn missing_tokens<I>(mut self, tokens: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.missing_tokens = strings(tokens);
        self
    }

    /// The missing tokens in force, as the shared [`MissingTokens`] (give it to
    /// batch scoring so scored files are read like training files).
    pub fn missing(&self) -> MissingTokens {
        MissingTokens::new(&self.missing_tokens)
    }

    /// Columns to ignore (identifiers, columns that leak the label). Each must exist.
    pub fn drop_columns<I>(mut self, columns: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.drop_columns.extend(strings(columns));
        self
    }

    /// A column of customer ids, kept in [`Table::ids`](crate::data::Table::ids) for output, never a feature.
    pub fn id_column(mut self, column: impl Into<String>) -> Self {
        self.id_column = Some(column.into());
        self
    }

    /// A column of sample weights (finite numbers `>= 0`), never a feature.
    pub fn weight_column(mut self, column: impl Into<String>) -> Self {
        self.weight_column = Some(column.into());
        self
    }

    /// Columns to read as numbers whatever they hold; a cell that is not a number is
    /// then an error (or missing, see [`CsvOptions::on_bad_cell`]).
    pub fn numeric<I>(mut self, columns: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.numeric.extend(strings(columns));
        self
    }

    /// Columns to read as categories even when every cell is a number (codes such as
    /// area codes or zip codes).
    pub fn categorical<I>(mut self, columns: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.categorical.extend(strings(columns));
        self
    }

    /// Fixes column kinds and classes from a training schema, so data read later (to
    /// test or score) has the same kinds: the schema's numeric features are read as
    /// numbers, its categorical features as text, and labels map into its classes.
    /// Schema features absent from the file are not an error here (the discretizer
    /// reports them when encoding). Explicit [`CsvOptions::numeric`] /
    /// [`CsvOptions::categorical`] still take precedence.
    pub fn with_schema_kinds(mut self, schema: &Schema) -> Self {
        self.schema_kinds = schema
            .features
            .iter()
            .map(|f| (f.name.clone(), f.is_numeric()))
            .collect();
        self.classes = Some(schema.target.classes.clone());
        self
    }

    /// Fixes the target's classes (canonical names in churn order, e.g.
    /// `["retained", "churned"]`) instead of deriving them from the labels.
    pub fn classes<I>(mut self, classes: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.classes = Some(strings(classes));
        self
    }

    /// The label meaning `churned` in a binary target (compared ignoring ASCII case).
    /// The other label is the recognised partner (`Yes`→`No`, `True`→`False`, `1`→`0`),
    /// the one given with [`CsvOptions::negative_label`], or the only other label.
    pub fn positive_label(mut self, label: impl Into<String>) -> Self {
        self.labels.positive = Some(label.into());
        self
    }

    /// The label meaning `retained` in a binary target (with
    /// [`CsvOptions::positive_label`]).
    pub fn negative_label(mut self, label: impl Into<String>) -> Self {
        self.labels.negative = Some(label.into());
        self
    }

    /// Maps label texts to churn classes (`retained`, `at_risk`, `churned`), e.g.
    /// `&[("active", "retained"), ("warned", "at_risk"), ("closed", "churned")]`. The
    /// table's classes are the mapped-to classes, in churn order.
    pub fn class_map(mut self, map: &[(&str, &str)]) -> Self {
        self.labels.class_map = map
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        self
    }

    /// What to do with a row whose label is missing or maps to no class.
    pub fn on_bad_label(mut self, policy: BadLabelPolicy) -> Self {
        self.on_bad_label = policy;
        self
    }

    /// What to do with a non-number in a column declared numeric.
    pub fn on_bad_cell(mut self, policy: BadCellPolicy) -> Self {
        self.on_bad_cell = policy;
        self
    }

    /// When true, a file without the target column is read as data to score
    /// ([`Table::new_unlabeled`](crate::data::Table::new_unlabeled)); its classes are those fixed by
    /// [`CsvOptions::with_schema_kinds`] / [`CsvOptions::classes`], else the class
    /// map's, else `retained`, `churned`.
    pub fn target_optional(mut self, optional: bool) -> Self {
        self.target_optional = optional;
        self
    }

    /// These options for a file holding only the target and (optionally) the feature
    /// `column`, with the classes fixed to `classes`: no id, weight or dropped column,
    /// only `column`'s declared kind kept (the raw-Parquet streaming passes read one
    /// feature at a time, the same cells as the whole file's read).
    #[cfg(feature = "parquet")]
    pub(in crate::data) fn narrowed(&self, column: Option<&str>, classes: &[String]) -> CsvOptions {
        let keep = |n: &String| Some(n.as_str()) == column;
        let mut o = self.clone();
        o.id_column = None;
        o.weight_column = None;
        o.drop_columns.clear();
        o.numeric.retain(keep);
        o.categorical.retain(keep);
        o.schema_kinds.retain(|(n, _)| keep(n));
        o.classes = Some(classes.to_vec());
        o
    }

    /// The classes and each label text's class index (or why it maps to none) under
    /// these options' label rules (`texts`: the distinct non-missing label texts).
    #[cfg(feature = "parquet")]
    pub(in crate::data) fn resolve_labels(
        &self,
        texts: &[String],
    ) -> Result<(Vec<String>, Vec<crate::data::target::LabelIndex>)> {
        self.labels
            .resolve(&self.target, texts, self.classes.as_deref())
    }

    /// The bad-label policy.
    #[cfg(feature = "parquet")]
    pub(in crate::data) fn bad_label_policy(&self) -> BadLabelPolicy {
        self.on_bad_label
    }

    pub(in crate::data) fn validate(&self) -> Result<()> {
        self.labels.validate()?;
        if let Some(name) = self.numeric.iter().find(|n| self.categorical.contains(n)) {
            return Err(Error::param(
                "numeric/categorical",
                name,
                "a column cannot be declared both numeric and categorical",
            ));
        }
        for (what, col) in [
            ("id_column", &self.id_column),
            ("weight_column", &self.weight_column),
        ] {
            if col.as_deref() == Some(self.target.as_str()) {
                return Err(Error::param(what, &self.target, "is the target column"));
            }
        }
        if self.id_column.is_some() && self.id_column == self.weight_column {
            return Err(Error::param(
                "weight_column",
                self.weight_column.as_deref().unwrap_or_default(),
                "is also the id column",
            ));
        }
        if self.drop_columns.contains(&self.target) {
            return Err(Error::param(
                "drop_columns",
                &self.target,
                "the target column cannot be dropped",
            ));
        }
        if let Some(classes) = &self.classes {
            let order = CHURN_ORDER;
            let ok = classes.len() >= 2
                && classes.iter().all(|c| order.contains(&c.as_str()))
                && classes.windows(2).all(|w| {
                    order.iter().position(|c| *c == w[0]) < order.iter().position(|c| *c == w[1])
                });
            if !ok {
                return Err(Error::param(
                    "classes",
                    format!("{classes:?}"),
                    "must be two or three of retained, at_risk, churned, in that order",
                ));
            }
        }
        Ok(())
    }

    pub(super) fn unlabeled_classes(&self) -> Vec<String> {
        if let Some(c) = &self.classes {
            return c.clone();
        }
        let mapped: Vec<&str> = CHURN_ORDER
            .iter()
            .copied()
            .filter(|c| self.labels.class_map.iter().any(|(_, to)| to == c))
            .collect();
        if mapped.len() >= 2 {
            mapped.into_iter().map(String::from).collect()
        } else {
            vec![RETAINED.into(), CHURNED.into()]
        }
    }
}

/// Cells of one column that were not finite numbers in a numeric column (declared or
/// inferred) and were read as missing ([`BadCellPolicy::Missing`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BadCells {
    /// The column.
    pub column: String,
    /// How many cells.
    pub count: usize,
    /// Lines of the first few (at most [`REPORTED_LINES`]).
    pub lines: Vec<u64>,
    /// The first offending value, as read.
    pub first_value: String,
}

/// What reading a CSV found besides the table: what was skipped or treated as missing
/// (only ever at the caller's request) and how labels were mapped.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReadReport {
    /// The source (file path or the name given to [`read_csv_from`](crate::data::read_csv_from)).
    pub source: String,
    /// The delimiter used.
    pub delimiter: u8,
    /// Data rows read (including skipped ones).
    pub rows_read: usize,
    /// Rows in the table.
    pub rows: usize,
    /// Rows skipped because their label was missing or maps to no class
    /// ([`BadLabelPolicy::Skip`]).
    pub skipped_rows: usize,
    /// Lines of the first few skipped rows (at most [`REPORTED_LINES`]).
    pub skipped_lines: Vec<u64>,
    /// Non-numbers in declared-numeric columns read as missing
    /// ([`BadCellPolicy::Missing`]), per column.
    pub bad_cells: Vec<BadCells>,
    /// Missing cells per feature (features with none are left out).
    pub missing: Vec<(String, usize)>,
    /// How each distinct label text was mapped (`text`, `class`), in first-seen order.
    pub label_map: Vec<(String, String)>,
}
