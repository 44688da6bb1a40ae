//! Turning arguments into library options, and reading inputs (CSV, model files)
//! with a spinner.

use std::path::Path;

use churnkit::data::{
    BadCellPolicy, BadLabelPolicy, CsvOptions, ReadReport, ReadSpec, Table, read_table_report,
};
use churnkit::model::Model;
use churnkit::{Error, Location, Result};

use crate::args::{DataArgs, LabelArgs, OnBadCell, OnBadLabel};
use crate::render::phase;

pub fn io_error(path: &Path, source: std::io::Error) -> Error {
    Error::Io {
        location: Location::file(path),
        source,
    }
}

pub fn parse_delimiter(s: &str) -> Result<u8> {
    match s {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        _ if s.len() == 1 && s.is_ascii() => Ok(s.as_bytes()[0]),
        _ => Err(Error::param(
            "--delimiter",
            s,
            "must be one ASCII character (e.g. ';') or 'tab'",
        )),
    }
}

/// `--map a=retained,b=churned` as pairs.
pub fn parse_map(items: &[String]) -> Result<Vec<(String, String)>> {
    items
        .iter()
        .map(|item| match item.split_once('=') {
            Some((from, to)) if !from.trim().is_empty() && !to.trim().is_empty() => {
                Ok((from.trim().to_string(), to.trim().to_string()))
            }
            _ => Err(Error::param(
                "--map",
                item,
                "expected LABEL=CLASS with CLASS one of retained, at_risk, churned",
            )),
        })
        .collect()
}

pub fn data_options(mut o: CsvOptions, data: &DataArgs) -> Result<CsvOptions> {
    if let Some(d) = &data.delimiter {
        o = o.delimiter(parse_delimiter(d)?);
    }
    if let Some(tokens) = &data.missing {
        o = o.missing_tokens(tokens);
    }
    o = o.categorical(&data.categorical).numeric(&data.numeric);
    if let Some(w) = &data.weight {
        o = o.weight_column(w);
    }
    Ok(match data.on_bad_cell {
        None => o, // the default, or what the model's training did
        Some(OnBadCell::Error) => o.on_bad_cell(BadCellPolicy::Error),
        Some(OnBadCell::Missing) => o.on_bad_cell(BadCellPolicy::Missing),
    })
}

pub fn label_options(mut o: CsvOptions, labels: &LabelArgs) -> Result<CsvOptions> {
    if let Some(p) = &labels.positive {
        o = o.positive_label(p);
    }
    if !labels.map.is_empty() {
        let pairs = parse_map(&labels.map)?;
        let refs: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        o = o.class_map(&refs);
    }
    o = o.drop_columns(&labels.drop);
    if let Some(id) = &labels.id {
        o = o.id_column(id);
    }
    Ok(match labels.on_bad_label {
        None => o,
        Some(OnBadLabel::Error) => o.on_bad_label(BadLabelPolicy::Error),
        Some(OnBadLabel::Skip) => o.on_bad_label(BadLabelPolicy::Skip),
    })
}

/// A labeled CSV as read: the table, the read report, the seconds it took and how it
/// was read (stored in a model trained on it).
pub struct Labeled {
    pub table: Table,
    pub report: ReadReport,
    pub seconds: f64,
    pub spec: ReadSpec,
}

/// Reads a labeled CSV (or Parquet, Arrow file) with a spinner.
pub fn read_labeled(
    path: &Path,
    target: &str,
    labels: &LabelArgs,
    data: &DataArgs,
) -> Result<Labeled> {
    let opts = label_options(data_options(CsvOptions::new(target), data)?, labels)?;
    let ((table, report), seconds) = phase(&format!("reading {}", path.display()), || {
        read_table_report(path, data.format.map(Into::into), &opts)
    })?;
    let spec = ReadSpec::new(&opts, &report);
    Ok(Labeled {
        table,
        report,
        seconds,
        spec,
    })
}

pub fn load_model(path: &Path) -> Result<Model> {
    let (model, _) = phase(&format!("loading {}", path.display()), || Model::load(path))?;
    Ok(model)
}
/// Writes a whole text file atomically (the old file stays if anything fails).
pub fn write_text(path: &Path, text: &str) -> Result<()> {
    churnkit::output::write_atomic(path, text.as_bytes())
}

/// A library error naming a table row ("row N: ...", as the time-to-churn checks of
/// a duration do) made to name the file and the line of that row too, when the rows
/// of the table are the file's data records one for one (no row was skipped). The
/// line is the one the record starts on (the header is line 1), found by reading the
/// file again with its delimiter; any other error comes back as it was.
pub fn with_row_line(e: Error, path: &Path, report: &ReadReport) -> Error {
    let Error::Value {
        mut location,
        value,
        message,
    } = e
    else {
        return e;
    };
    let row: Option<u64> = message
        .strip_prefix("row ")
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|digits| digits.parse().ok());
    // Only a CSV has lines to count (a Parquet or Arrow error keeps its row).
    let csv = churnkit::data::DataFormat::from_path(path) == churnkit::data::DataFormat::Csv;
    if let (true, Some(row), None, 0) = (csv, row, location.line, report.skipped_rows)
        && let Some(line) = record_line(path, report.delimiter, row)
    {
        location.file = Some(path.to_path_buf());
        location.line = Some(line);
    }
    Error::Value {
        location,
        value,
        message,
    }
}

/// The line on which data record `row` (0-based, after the header) of a CSV starts.
fn record_line(path: &Path, delimiter: u8, row: u64) -> Option<u64> {
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_path(path)
        .ok()?;
    let mut record = csv::ByteRecord::new();
    let mut i = 0;
    while rdr.read_byte_record(&mut record).ok()? {
        if i == row {
            return record.position().map(|p| p.line());
        }
        i += 1;
    }
    None
}
