//! The header plan: which CSV field is the target, the id, the weight, a dropped column
//! or a feature, and each feature's kind (declared, from a schema, or inferred).

use std::io::Read;

use ::csv::ByteRecord;

use super::options::CsvOptions;
use super::source::{Lines, Source, csv_error, non_utf8};
use crate::data::cell;
use crate::data::missing::MissingTokens;
use crate::error::{Error, Location, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// Numbers; `declared` when the user (or a schema) said so, else inferred so far.
    Numeric { declared: bool },
    /// Text levels.
    Categorical,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    /// A whole file, kinds inferred, classes checked.
    Read,
    /// A chunk of a stream: kinds fixed up front, no class-count check.
    Stream,
}

#[derive(Debug, Clone)]
pub(super) struct Plan {
    pub(super) location: Location,
    pub(super) delimiter: u8,
    pub(super) n_fields: usize,
    /// (CSV field index, name, kind) per feature.
    pub(super) features: Vec<(usize, String, Kind)>,
    pub(super) target: Option<usize>,
    pub(super) target_name: String,
    pub(super) id_name: Option<String>,
    pub(super) weight_name: Option<String>,
    pub(super) id: Option<usize>,
    pub(super) weight: Option<usize>,
    pub(super) missing: MissingTokens,
}

impl Plan {
    pub(super) fn new<R: Read>(
        reader: &mut Source<R>,
        delimiter: u8,
        location: &Location,
        opts: &CsvOptions,
        mode: Mode,
        forced_text: &[String],
        lines: &mut Lines,
    ) -> Result<Plan> {
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
        let mut names: Vec<String> = Vec::with_capacity(header.len());
        lines.of(&header);
        for field in header.iter().map(cell::trim) {
            let name = std::str::from_utf8(field).map_err(|_| non_utf8(at1.clone(), field))?;
            if names.iter().any(|n| n == name) {
                return Err(Error::Schema {
                    location: at1.clone().at_column(name),
                    message: "duplicate column name in the header (rename one of them)".into(),
                });
            }
            names.push(name.to_string());
        }
        let no_such = |what: &str, name: &str| Error::Schema {
            location: at1.clone().at_column(name),
            message: format!(
                "no such column (given as {what}); the header has: {}",
                names.join(", ")
            ),
        };
        let find = |what: &str, name: &str| -> Result<usize> {
            names
                .iter()
                .position(|n| n == name)
                .ok_or_else(|| no_such(what, name))
        };
        let target = match names.iter().position(|n| *n == opts.target) {
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
        let mut features = Vec::new();
        for (i, name) in names.iter().enumerate() {
            if dropped[i] || Some(i) == target || Some(i) == id || Some(i) == weight {
                continue;
            }
            let from_schema = opts
                .schema_kinds
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, num)| *num);
            let kind = if opts.numeric.contains(name) {
                Kind::Numeric { declared: true }
            } else if opts.categorical.contains(name) || forced_text.contains(name) {
                Kind::Categorical
            } else {
                match (from_schema, mode) {
                    (Some(true), _) => Kind::Numeric { declared: true },
                    (Some(false), _) | (None, Mode::Stream) => Kind::Categorical,
                    (None, Mode::Read) => Kind::Numeric { declared: false },
                }
            };
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

    pub(super) fn at(&self, line: u64, column: &str) -> Location {
        self.location.clone().at_line(line).at_column(column)
    }
}

pub(super) fn opts_name(name: &Option<String>) -> &str {
    name.as_deref().unwrap_or_default()
}
