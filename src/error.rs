//! The one error type of churnkit.
//!
//! Every variant says what to fix: which file, which line (1-based, counting the
//! header as line 1), which column and which value. Library code returns these instead
//! of panicking on anything that came from outside (files, user parameters, model bytes).

use std::path::PathBuf;

/// Where in an input something went wrong. Every field is optional because not every
/// input is a file (rows may come from memory) and not every problem is in one cell.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Location {
    /// The file, when the input came from one.
    pub file: Option<PathBuf>,
    /// 1-based line number in the file (the header is line 1).
    pub line: Option<u64>,
    /// The column's name (as in the header).
    pub column: Option<String>,
}

impl Location {
    /// A location in a file, at no line in particular.
    pub fn file(file: impl Into<PathBuf>) -> Self {
        Location {
            file: Some(file.into()),
            ..Self::default()
        }
    }

    /// This location, at a line.
    pub fn at_line(mut self, line: u64) -> Self {
        self.line = Some(line);
        self
    }

    /// This location, at a column.
    pub fn at_column(mut self, column: impl Into<String>) -> Self {
        self.column = Some(column.into());
        self
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut parts = Vec::new();
        if let Some(file) = &self.file {
            parts.push(format!("file {}", file.display()));
        }
        if let Some(line) = self.line {
            parts.push(format!("line {line}"));
        }
        if let Some(col) = &self.column {
            parts.push(format!("column '{col}'"));
        }
        if parts.is_empty() {
            f.write_str("input")
        } else {
            f.write_str(&parts.join(", "))
        }
    }
}

/// Everything that can go wrong in churnkit.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An I/O failure (file missing, permission, disk full).
    #[error("{location}: {source}")]
    Io {
        /// Where.
        location: Location,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The CSV could not be parsed (ragged row, bad quoting, non-UTF-8 bytes, ...).
    #[error("{location}: {message}")]
    Csv {
        /// Where.
        location: Location,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// A Parquet or Arrow file that cannot be read (corrupt, truncated, compressed
    /// with a codec this build lacks), or a file format this build cannot read (built
    /// without the `parquet` or `arrow` feature).
    #[error("{location}: {message}")]
    Format {
        /// Where.
        location: Location,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// The data does not fit the expected schema (missing column, duplicate names,
    /// a feature with too many levels, a target with one class, ...).
    #[error("{location}: {message}")]
    Schema {
        /// Where.
        location: Location,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// A cell holds a value that cannot be used (text in a numeric column, NaN,
    /// a category never seen in training, ...).
    #[error("{location}: bad value '{value}': {message}")]
    Value {
        /// Where.
        location: Location,
        /// The offending cell, as read.
        value: String,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// A label that maps to no churn class.
    #[error("{location}: label '{value}' is {message}")]
    Label {
        /// Where.
        location: Location,
        /// The label as read.
        value: String,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// A parameter outside its valid range.
    #[error("invalid parameter {name} = {value}: {message}")]
    Param {
        /// The parameter's name.
        name: String,
        /// Its value, rendered.
        value: String,
        /// The valid range, or why it is invalid.
        message: String,
    },
    /// A model file or model bytes that cannot be loaded.
    #[error("model {location}: {message}")]
    Model {
        /// Where (usually the file).
        location: Location,
        /// What is wrong.
        message: String,
    },
    /// An output path that cannot be written safely: it is one of the inputs, a
    /// directory, a device or a symbolic link, or its directory is missing (see
    /// [`output::check_output_path`](crate::output::check_output_path)).
    #[error("output {}: {message}", path.display())]
    Output {
        /// The output path.
        path: PathBuf,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// A learner was asked to do something it cannot do with this data (e.g. fit on
    /// zero rows).
    #[error("{0}")]
    Fit(String),
}

impl Error {
    /// A schema error with no particular location.
    pub fn schema(message: impl Into<String>) -> Self {
        Error::Schema {
            location: Location::default(),
            message: message.into(),
        }
    }

    /// A parameter error.
    pub fn param(name: &str, value: impl std::fmt::Display, message: impl Into<String>) -> Self {
        Error::Param {
            name: name.to_string(),
            value: value.to_string(),
            message: message.into(),
        }
    }
}

/// churnkit's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_file_line_column_and_value() {
        let e = Error::Value {
            location: Location::file("data.csv").at_line(7).at_column("tenure"),
            value: "abc".into(),
            message: "column was declared numeric".into(),
        };
        let s = e.to_string();
        assert!(s.contains("data.csv"), "{s}");
        assert!(s.contains("line 7"), "{s}");
        assert!(s.contains("'tenure'"), "{s}");
        assert!(s.contains("'abc'"), "{s}");
    }
}
