//! [`ReadSpec`]: how a training file was read, kept so that files read later for the
//! same model (to evaluate or score it) are read the same way without repeating the
//! options.

use serde::{Deserialize, Serialize};

use super::options::{BadCellPolicy, BadLabelPolicy, CsvOptions, ReadReport};

/// How a training CSV was read: the reading options a model remembers (stored in the
/// model file from format version 4).
///
/// Built from the [`CsvOptions`] and the [`ReadReport`] of the training read with
/// [`ReadSpec::new`]; turned back into options for a file to evaluate or score with
/// [`ReadSpec::apply`]. The column kinds, classes and missing tokens are kept by the
/// model itself ([`CsvOptions::with_schema_kinds`], the model's missing tokens); the
/// id column by its schema.
///
/// ```
/// use churnkit::data::{CsvOptions, ReadSpec, read_csv_from};
///
/// let csv = "id;plan;status\n1;basic;gone\n2;pro;here\n3;basic;here\n";
/// let opts = CsvOptions::new("status").positive_label("gone").drop_columns(&["id"]);
/// let (_, report) = read_csv_from(csv.as_bytes(), "train.csv", &opts)?;
/// let spec = ReadSpec::new(&opts, &report);
/// assert_eq!(spec.delimiter, Some(b';'));
/// assert_eq!(spec.positive.as_deref(), Some("gone"));
///
/// // Later: a file in the same shape, read with none of the options repeated.
/// let again = spec.apply(CsvOptions::new("status"));
/// let later = "id;plan;status\n4;pro;gone\n5;pro;here\n";
/// let (t, _) = read_csv_from(later.as_bytes(), "test.csv", &again)?;
/// assert_eq!(t.labels(), &[1, 0]);
/// # Ok::<(), churnkit::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadSpec {
    /// The delimiter the training file was read with (given or detected). Files read
    /// later use it when their header line contains it, else they detect their own.
    pub delimiter: Option<u8>,
    /// The label meaning `churned`, as given (`--positive`).
    pub positive: Option<String>,
    /// The label meaning `retained`, as given.
    pub negative: Option<String>,
    /// The class map, as given (`--map`): `(label text, class)` pairs.
    pub class_map: Vec<(String, String)>,
    /// How each label text of the training file was mapped (`text`, `class`), in
    /// first-seen order: what the options above did.
    pub label_map: Vec<(String, String)>,
    /// The sample-weight column, if any.
    pub weight_column: Option<String>,
    /// Columns dropped on purpose (`--drop`): never features; files read later may
    /// hold them or not, and they are ignored without a warning.
    pub dropped: Vec<String>,
    /// Rows with a bad label were skipped (`--on-bad-label skip`) instead of an error.
    pub skip_bad_labels: bool,
    /// Non-numbers in numeric columns were read as missing (`--on-bad-cell missing`)
    /// instead of an error.
    pub bad_cells_missing: bool,
}

impl ReadSpec {
    /// What `opts` did when it read the file `report` describes.
    pub fn new(opts: &CsvOptions, report: &ReadReport) -> Self {
        ReadSpec {
            delimiter: Some(report.delimiter)
                .filter(|&d| d != 0)
                .or(opts.delimiter),
            positive: opts.labels.positive.clone(),
            negative: opts.labels.negative.clone(),
            class_map: opts.labels.class_map.clone(),
            label_map: report.label_map.clone(),
            weight_column: opts.weight_column.clone(),
            dropped: opts.drop_columns.clone(),
            skip_bad_labels: opts.on_bad_label == BadLabelPolicy::Skip,
            bad_cells_missing: opts.on_bad_cell == BadCellPolicy::Missing,
        }
    }

    /// `opts` with this spec's reading applied: the label rule (class map, positive
    /// and negative labels), the weight column, the bad-label and bad-cell policies,
    /// and the delimiter as a hint ([`CsvOptions::delimiter_hint`]). Dropped columns
    /// are not required to exist: a later file may lack them. Call it before the
    /// caller's own overrides, which then win.
    pub fn apply(&self, mut opts: CsvOptions) -> CsvOptions {
        if !self.class_map.is_empty() {
            opts.labels.class_map = self.class_map.clone();
        }
        if self.positive.is_some() {
            opts.labels.positive = self.positive.clone();
        }
        if self.negative.is_some() {
            opts.labels.negative = self.negative.clone();
        } else if self.positive.is_some() {
            // With only a positive label, the other text of the training file is the
            // negative one (a later file may hold churners only).
            opts.labels.negative = self
                .label_map
                .iter()
                .find(|(_, class)| class != super::super::schema::CHURNED)
                .map(|(text, _)| text.clone());
        }
        if let Some(w) = &self.weight_column {
            opts.weight_column = Some(w.clone());
        }
        if self.skip_bad_labels {
            opts.on_bad_label = BadLabelPolicy::Skip;
        }
        if self.bad_cells_missing {
            opts.on_bad_cell = BadCellPolicy::Missing;
        }
        if let Some(d) = self.delimiter {
            opts.delimiter_hint = Some(d);
        }
        opts
    }

    /// The label rule as the CLI would spell it (`--positive Yes`, `--map a=retained,…`),
    /// or None when the labels were recognised without help.
    pub fn label_flags(&self) -> Option<String> {
        let mut parts = Vec::new();
        if !self.class_map.is_empty() {
            let pairs: Vec<String> = self
                .class_map
                .iter()
                .map(|(a, b)| format!("{a}={b}"))
                .collect();
            parts.push(format!("--map {}", pairs.join(",")));
        }
        if let Some(p) = &self.positive {
            parts.push(format!("--positive {p}"));
        }
        (!parts.is_empty()).then(|| parts.join(" "))
    }
}
