//! [`DataFormat`]: which reader a data file needs (CSV, Parquet, Arrow IPC), chosen by
//! its extension or given; [`read_table_report`] reads any of them into a [`Table`].

use std::path::Path;

use super::csv::{CsvOptions, ReadReport, read_csv_report};
use super::table::Table;
use crate::error::{Error, Location, Result};

/// The format of a data file.
///
/// ```
/// use std::path::Path;
/// use churnkit::data::DataFormat;
///
/// assert_eq!(DataFormat::from_path(Path::new("exports/customers.parquet")), DataFormat::Parquet);
/// assert_eq!(DataFormat::from_path(Path::new("c.feather")), DataFormat::Arrow);
/// assert_eq!(DataFormat::from_path(Path::new("c.tsv")), DataFormat::Csv);
/// assert_eq!("parquet".parse::<DataFormat>()?, DataFormat::Parquet);
/// # Ok::<(), churnkit::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DataFormat {
    /// Delimited text (any extension not listed below).
    Csv,
    /// Apache Parquet (`.parquet`, `.pq`): needs the `parquet` feature.
    Parquet,
    /// Apache Arrow IPC, file or stream (`.arrow`, `.feather`, `.ipc`, `.arrows`):
    /// needs the `arrow` feature.
    Arrow,
}

impl DataFormat {
    /// The format a file's extension says (case-insensitive); CSV for any other.
    pub fn from_path(path: &Path) -> DataFormat {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("parquet" | "pq") => DataFormat::Parquet,
            Some("arrow" | "feather" | "ipc" | "arrows") => DataFormat::Arrow,
            _ => DataFormat::Csv,
        }
    }

    /// `csv`, `parquet` or `arrow`.
    pub fn name(self) -> &'static str {
        match self {
            DataFormat::Csv => "csv",
            DataFormat::Parquet => "parquet",
            DataFormat::Arrow => "arrow",
        }
    }

    /// True when this build reads (and writes) the format.
    pub fn is_available(self) -> bool {
        match self {
            DataFormat::Csv => true,
            DataFormat::Parquet => cfg!(feature = "parquet"),
            DataFormat::Arrow => cfg!(feature = "arrow"),
        }
    }

    /// Ok when this build reads the format; else an [`Error::Format`] naming the file
    /// and the cargo feature to build with.
    pub fn check_available(self, location: &Location) -> Result<()> {
        if self.is_available() {
            return Ok(());
        }
        let (what, feature) = match self {
            DataFormat::Parquet => ("a Parquet file", "parquet"),
            _ => ("an Arrow IPC file", "arrow"),
        };
        Err(Error::Format {
            location: location.clone(),
            message: format!(
                "{what} (by its extension or --format), and this churnkit was built without {} support: build it with `--features {feature}` (e.g. `cargo install churnkit --features {feature}`), or export the table as CSV",
                self.name()
            ),
        })
    }
}

impl std::str::FromStr for DataFormat {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "csv" => Ok(DataFormat::Csv),
            "parquet" => Ok(DataFormat::Parquet),
            "arrow" | "ipc" | "feather" => Ok(DataFormat::Arrow),
            _ => Err(Error::param("format", s, "must be csv, parquet or arrow")),
        }
    }
}

impl std::fmt::Display for DataFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Reads a churn table from a CSV, Parquet or Arrow IPC file: `format`, else the one
/// the extension says ([`DataFormat::from_path`]). The options are the CSV reader's
/// ([`CsvOptions`]: target, label rules, id, weight, dropped columns, declared kinds,
/// missing tokens, bad-cell and bad-label policies); a Parquet or Arrow file is read
/// as `data::arrow` documents (with the `arrow` / `parquet` features).
///
/// # Errors
/// Those of [`read_csv_report`], or of the Arrow reader; an [`Error::Format`] when
/// this build lacks the format's feature.
pub fn read_table_report(
    path: impl AsRef<Path>,
    format: Option<DataFormat>,
    opts: &CsvOptions,
) -> Result<(Table, ReadReport)> {
    let path = path.as_ref();
    let format = format.unwrap_or_else(|| DataFormat::from_path(path));
    format.check_available(&Location::file(path))?;
    match format {
        DataFormat::Csv => read_csv_report(path, opts),
        #[cfg(feature = "parquet")]
        DataFormat::Parquet => super::arrow::read_parquet(path, opts),
        #[cfg(feature = "arrow")]
        DataFormat::Arrow => super::arrow::read_ipc(path, opts),
        #[allow(unreachable_patterns)]
        _ => unreachable_format(path, format),
    }
}

/// The formats this build lacks were refused by `check_available`.
#[allow(dead_code)]
fn unreachable_format(path: &Path, format: DataFormat) -> Result<(Table, ReadReport)> {
    Err(Error::Format {
        location: Location::file(path),
        message: format!("this build cannot read {format} files"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_by_extension_and_name() {
        assert_eq!(
            DataFormat::from_path(Path::new("a/B.PARQUET")),
            DataFormat::Parquet
        );
        assert_eq!(DataFormat::from_path(Path::new("x.ipc")), DataFormat::Arrow);
        assert_eq!(DataFormat::from_path(Path::new("noext")), DataFormat::Csv);
        assert!("xlsx".parse::<DataFormat>().is_err());
        assert_eq!(" Arrow ".parse::<DataFormat>().unwrap(), DataFormat::Arrow);
    }

    #[cfg(not(feature = "parquet"))]
    #[test]
    fn a_parquet_file_without_the_feature_says_how_to_build() {
        let e = read_table_report("x.parquet", None, &CsvOptions::new("Churn")).unwrap_err();
        let s = e.to_string();
        assert!(matches!(e, Error::Format { .. }), "{e:?}");
        assert!(
            s.contains("x.parquet") && s.contains("--features parquet"),
            "{s}"
        );
    }
}
