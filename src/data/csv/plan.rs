//! The header plan: which CSV field is the target, the id, the weight, a dropped column
//! or a feature, and each feature's kind (declared, from a schema, or inferred).

use std::collections::{HashMap, HashSet};
use std::io::Read;

use ::csv::ByteRecord;

use super::options::{CsvOptions, MAX_COLUMNS};
use super::source::{Lines, Source, closest_name, csv_error, delimiter_name, non_utf8};
use crate::data::cell;
use crate::data::missing::MissingTokens;
use crate::error::{Error, Location, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::data) enum Kind {
    /// Numbers; `declared` when the user (or a schema) said so, else inferred so far.
    Numeric { declared: bool },
    /// Text levels.
    Categorical,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::data) enum Mode {
    /// A whole file, kinds inferred, classes checked.
    Read,
    /// A chunk of a stream: kinds fixed up front, no class-count check.
    Stream,
}

#[derive(Debug, Clone)]
pub(in crate::data) struct Plan {
    pub(in crate::data) location: Location,
    pub(super) delimiter: u8,
    pub(super) n_fields: usize,
    /// (CSV field index, name, kind) per feature.
    pub(in crate::data) features: Vec<(usize, String, Kind)>,
    pub(in crate::data) target: Option<usize>,
    pub(in crate::data) target_name: String,
    pub(in crate::data) id_name: Option<String>,
    pub(in crate::data) weight_name: Option<String>,
    pub(in crate::data) id: Option<usize>,
    pub(in crate::data) weight: Option<usize>,
    pub(in crate::data) missing: MissingTokens,
}

impl Plan {
    /// Reads the header and decides each column's role and each feature's kind.
    pub(super) fn new<R: Read>(
        reader: &mut Source<R>,
        delimiter: u8,
        location: &Location,
        opts: &CsvOptions,
        mode: Mode,
        forced_text: &[String],
        lines: &mut Lines,
    ) -> Result<Plan> {
        let names = read_header(reader, location, lines)?;
        Plan::from_names(names, delimiter, location, opts, mode, forced_text)
    }

    /// Decides each column's role and each feature's kind from the column names
    /// (unique; a CSV header's, or an Arrow schema's with `delimiter` 0: no delimiter
    /// to blame for a one-column header).
    pub(in crate::data) fn from_names(
        names: Vec<String>,
        delimiter: u8,
        location: &Location,
        opts: &CsvOptions,
        mode: Mode,
        forced_text: &[String],
    ) -> Result<Plan> {
        // Every lookup by name goes through this index: the plan costs one pass over
        // the header, whatever the number of columns (names are unique).
        let index: HashMap<&str, usize> = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.as_str(), i))
            .collect();
        let at1 = location.clone().at_line(1);
        let no_such = |what: &str, name: &str| Error::Schema {
            location: at1.clone().at_column(name),
            message: match (closest_name(name, &names), names.as_slice()) {
                (Some(close), _) => format!(
                    "no such column (given as {what}); did you mean '{close}'? The header has: {}",
                    header_list(&names)
                ),
                // One column: most likely the wrong delimiter.
                (None, [only]) if delimiter != 0 => format!(
                    "no such column (given as {what}); the header split on {} gives one \
                     column, '{only}': is the delimiter another one (give it)?",
                    delimiter_name(delimiter)
                ),
                _ => format!(
                    "no such column (given as {what}); the header has: {}",
                    header_list(&names)
                ),
            },
        };
        let find = |what: &str, name: &str| -> Result<usize> {
            index.get(name).copied().ok_or_else(|| no_such(what, name))
        };
        let target = match index.get(opts.target.as_str()).copied() {
            Some(t) => Some(t),
            None if opts.target_optional => None,
            None => return Err(no_such("the target", &opts.target)),
        };
        let id = opts
            .id_column
            .as_deref()
            .map(|c| find("the id column", c))
            .transpose()?;
        let weight = opts
            .weight_column
            .as_deref()
            .map(|c| find("the weight column", c))
            .transpose()?;
        let mut dropped = vec![false; names.len()];
        for c in &opts.drop_columns {
            dropped[find("a column to drop", c)?] = true;
        }
        for c in opts.numeric.iter().chain(&opts.categorical) {
            find("a numeric/categorical override", c)?;
        }
        let kinds = KindLookup::new(opts, forced_text);
        let mut features = Vec::with_capacity(names.len());
        for (i, name) in names.iter().enumerate() {
            if dropped[i] || Some(i) == target || Some(i) == id || Some(i) == weight {
                continue;
            }
            let kind = kinds.kind(name, mode);
            features.push((i, name.clone(), kind));
        }
        let missing = opts.missing();
        Ok(Plan {
            location: location.clone(),
            delimiter,
            n_fields: names.len(),
            features,
            target,
            target_name: opts.target.clone(),
            id_name: opts.id_column.clone(),
            weight_name: opts.weight_column.clone(),
            id,
            weight,
            missing,
        })
    }

    pub(in crate::data) fn at(&self, line: u64, column: &str) -> Location {
        self.location.clone().at_line(line).at_column(column)
    }
}

/// The header's column names (trimmed, UTF-8, unique); counts the header's lines.
fn read_header<R: Read>(
    reader: &mut Source<R>,
    location: &Location,
    lines: &mut Lines,
) -> Result<Vec<String>> {
    let mut header = ByteRecord::new();
    if !reader
        .read_byte_record(&mut header)
        .map_err(|e| csv_error(location, e))?
    {
        return Err(Error::Csv {
            location: location.clone(),
            message: "the file is empty: expected a header row naming the columns".into(),
        });
    }
    let at1 = location.clone().at_line(1);
    if header.len() > MAX_COLUMNS {
        return Err(Error::Csv {
            location: at1,
            message: format!(
                "the header has {} columns (at most {MAX_COLUMNS})",
                header.len()
            ),
        });
    }
    let mut names: Vec<String> = Vec::with_capacity(header.len());
    let mut seen: HashSet<&[u8]> = HashSet::with_capacity(header.len());
    lines.of(&header);
    for field in header.iter().map(cell::trim) {
        let name = std::str::from_utf8(field).map_err(|_| non_utf8(at1.clone(), field))?;
        if !seen.insert(field) {
            return Err(Error::Schema {
                location: at1.clone().at_column(name),
                message: "duplicate column name in the header (rename one of them)".into(),
            });
        }
        names.push(name.to_string());
    }
    Ok(names)
}

/// How many names an error message lists before "and N more".
const LISTED_NAMES: usize = 30;

/// The header's names for an error message: all of them up to [`LISTED_NAMES`], else
/// the first ones and how many more (a 100,000-column header stays a short message).
fn header_list(names: &[String]) -> String {
    if names.len() <= LISTED_NAMES {
        return names.join(", ");
    }
    format!(
        "{}, … and {} more",
        names[..LISTED_NAMES].join(", "),
        names.len() - LISTED_NAMES
    )
}

/// The declared kinds by name, hashed once per plan so that deciding every feature's
/// kind is linear in the number of columns.
struct KindLookup<'a> {
    numeric: HashSet<&'a str>,
    text: HashSet<&'a str>,
    /// From the schema; the first entry of a name wins.
    schema: HashMap<&'a str, bool>,
}

impl<'a> KindLookup<'a> {
    fn new(opts: &'a CsvOptions, forced_text: &'a [String]) -> Self {
        let mut schema = HashMap::with_capacity(opts.schema_kinds.len());
        for (n, num) in &opts.schema_kinds {
            schema.entry(n.as_str()).or_insert(*num);
        }
        KindLookup {
            numeric: opts.numeric.iter().map(String::as_str).collect(),
            text: opts
                .categorical
                .iter()
                .chain(forced_text)
                .map(String::as_str)
                .collect(),
            schema,
        }
    }

    /// A feature's kind: declared numeric/categorical, then forced to text by an
    /// earlier pass, then from the schema; else inferred (a whole file) or text (a
    /// stream).
    fn kind(&self, name: &str, mode: Mode) -> Kind {
        if self.numeric.contains(name) {
            Kind::Numeric { declared: true }
        } else if self.text.contains(name) {
            Kind::Categorical
        } else {
            match (self.schema.get(name).copied(), mode) {
                (Some(true), _) => Kind::Numeric { declared: true },
                (Some(false), _) | (None, Mode::Stream) => Kind::Categorical,
                (None, Mode::Read) => Kind::Numeric { declared: false },
            }
        }
    }
}

pub(in crate::data) fn opts_name(name: &Option<String>) -> &str {
    name.as_deref().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::super::batch::Batch;
    use super::super::options::BadCellPolicy;
    use super::super::source::open_source;
    use super::*;
    use crate::data::schema::Schema;

    fn plan(csv: &str, opts: &CsvOptions, mode: Mode) -> Result<Plan> {
        let loc = Location::file("t.csv");
        let (mut reader, delim) = open_source(csv.as_bytes(), None, None, &loc)?;
        Plan::new(
            &mut reader,
            delim,
            &loc,
            opts,
            mode,
            &[],
            &mut Lines::default(),
        )
    }

    const CSV: &str = "id;tenure;plan;w;leak;Churn\na;1;x;1;q;Yes\n";

    #[test]
    fn roles_id_weight_label_dropped_and_features() {
        let opts = CsvOptions::new("Churn")
            .id_column("id")
            .weight_column("w")
            .drop_columns(["leak"])
            .categorical(["plan"]);
        let p = plan(CSV, &opts, Mode::Read).unwrap();
        assert_eq!(p.delimiter, b';');
        assert_eq!(p.n_fields, 6);
        assert_eq!((p.id, p.weight, p.target), (Some(0), Some(3), Some(5)));
        let features: Vec<(usize, &str, Kind)> = p
            .features
            .iter()
            .map(|(i, n, k)| (*i, n.as_str(), *k))
            .collect();
        assert_eq!(
            features,
            [
                (1, "tenure", Kind::Numeric { declared: false }),
                (2, "plan", Kind::Categorical)
            ]
        );
    }

    #[test]
    fn kinds_come_from_declarations_schemas_or_inference() {
        let schema = Schema::builder("Churn").numeric("tenure").build().unwrap();
        let declared = CsvOptions::new("Churn")
            .numeric(["w"])
            .with_schema_kinds(&schema);
        let p = plan(CSV, &declared, Mode::Stream).unwrap();
        let kinds: Vec<Kind> = p.features.iter().map(|f| f.2).collect();
        // tenure from the schema, w declared, the rest text in a stream.
        assert_eq!(
            kinds,
            [
                Kind::Categorical,
                Kind::Numeric { declared: true },
                Kind::Categorical,
                Kind::Numeric { declared: true },
                Kind::Categorical
            ]
        );
    }

    #[test]
    fn a_column_of_text_is_inferred_categorical_numbers_stay_numeric() {
        let opts = CsvOptions::new("Churn");
        let p = plan("n;t;Churn\n1;x;Yes\n", &opts, Mode::Read).unwrap();
        let mut batch = Batch::new(&p, 4);
        let mut rec = ByteRecord::new();
        for row in [
            &["2", "NA", "No"][..],
            &[" 3.5 ", "y", "Yes"],
            &["?", "3", "No"],
        ] {
            rec.clear();
            for f in row {
                rec.push_field(f.as_bytes());
            }
            batch.push(&p, BadCellPolicy::Error, &rec, 2).unwrap();
        }
        // `t` met text: one cell in three, it switches to categorical when the pass
        // ends (a second pass reads it).
        assert!(!batch.any_switched);
        batch.settle_inference(&p, BadCellPolicy::Error).unwrap();
        assert!(batch.any_switched);
        assert_eq!(batch.switched, [false, true]);
    }

    #[test]
    fn a_missing_target_column_is_an_error_naming_it() {
        let e = plan(CSV, &CsvOptions::new("Exited"), Mode::Read).unwrap_err();
        match e {
            Error::Schema { location, message } => {
                assert_eq!(location.column.as_deref(), Some("Exited"));
                assert_eq!(location.line, Some(1));
                assert!(
                    message.starts_with("no such column (given as the target)"),
                    "{message}"
                );
                assert!(
                    message.contains("id, tenure, plan, w, leak, Churn"),
                    "{message}"
                );
            }
            other => panic!("{other:?}"),
        }
        // Unless the target is optional (data to score).
        let p = plan(
            CSV,
            &CsvOptions::new("Exited").target_optional(true),
            Mode::Read,
        )
        .unwrap();
        assert_eq!(p.target, None);
        assert_eq!(p.features.len(), 6);
        let e = plan(CSV, &CsvOptions::new("Churn").id_column("cust"), Mode::Read).unwrap_err();
        assert!(e.to_string().contains("given as the id column"), "{e}");
    }
}
