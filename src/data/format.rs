//! [`DataFormat`]: which reader a data file needs (CSV, Parquet, Arrow IPC), chosen by
//! its extension or given (`data::read_table_report` reads any of them into a
//! `Table`).

use std::path::Path;

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
