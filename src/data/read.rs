//! [`read_table_report`]: any data file (CSV, Parquet, Arrow IPC) into a [`Table`],
//! dispatched on its [`DataFormat`] (kept apart from `format` so that the Arrow
//! readers, which take a `DataFormat`, and this dispatcher do not import each other).

use std::path::Path;

use super::csv::{CsvOptions, ReadReport, read_csv_report};
use super::format::DataFormat;
use super::table::Table;
use crate::error::{Error, Location, Result};

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
