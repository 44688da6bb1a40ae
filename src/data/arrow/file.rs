//! Parquet and Arrow IPC files as record batches: whole (row groups decoded in
//! parallel) or one batch at a time ([`BatchReader`], for streaming).

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;
#[cfg(feature = "parquet")]
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::{ArrowError, SchemaRef};

use crate::data::format::DataFormat;
use crate::error::{Error, Location, Result};

/// An Arrow error reading `location` as an [`Error::Format`].
pub(crate) fn arrow_error(location: &Location, what: &str, e: ArrowError) -> Error {
    match e {
        ArrowError::IoError(_, source) => Error::Io {
            location: location.clone(),
            source,
        },
        e => Error::Format {
            location: location.clone(),
            message: format!("cannot read it as {what}: {e}"),
        },
    }
}

#[cfg(feature = "parquet")]
fn parquet_error(location: &Location, e: parquet::errors::ParquetError) -> Error {
    Error::Format {
        location: location.clone(),
        message: format!(
            "cannot read it as a Parquet file: {e} (churnkit reads the snappy and zstd codecs and uncompressed files)"
        ),
    }
}

fn open(path: &Path, location: &Location) -> Result<File> {
    File::open(path).map_err(|e| Error::Io {
        location: location.clone(),
        source: e,
    })
}

/// A data file read one record batch at a time, in bounded memory: a Parquet file
/// (batches within its row groups), or an Arrow IPC file or stream.
///
/// An iterator of `Result<RecordBatch>`; errors name the file.
pub struct BatchReader {
    schema: SchemaRef,
    location: Location,
    what: &'static str,
    inner: Inner,
}

enum Inner {
    #[cfg(feature = "parquet")]
    Parquet(parquet::arrow::arrow_reader::ParquetRecordBatchReader),
    IpcFile(arrow_ipc::reader::FileReader<BufReader<File>>),
    IpcStream(arrow_ipc::reader::StreamReader<BufReader<File>>),
}

impl BatchReader {
    /// Opens `path` as `format` (Parquet or Arrow; CSV is read by
    /// [`read_csv`](crate::data::read_csv)), reading batches of at most `batch_rows`
    /// rows (Parquet; an IPC file's batches are those it was written with).
    ///
    /// # Errors
    /// [`Error::Io`] when the file cannot be opened, [`Error::Format`] when it is not
    /// a file of that format (or this build lacks the format's feature), or for CSV.
    // Only Parquet batches are cut to `batch_rows`.
    #[cfg_attr(not(feature = "parquet"), allow(unused_variables))]
    pub fn open(path: impl AsRef<Path>, format: DataFormat, batch_rows: usize) -> Result<Self> {
        let path = path.as_ref();
        let location = Location::file(path);
        format.check_available(&location)?;
        match format {
            #[cfg(feature = "parquet")]
            DataFormat::Parquet => {
                use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
                let file = open(path, &location)?;
                let builder = ParquetRecordBatchReaderBuilder::try_new(file)
                    .map_err(|e| parquet_error(&location, e))?;
                let schema = builder.schema().clone();
                let reader = builder
                    .with_batch_size(batch_rows.max(1))
                    .build()
                    .map_err(|e| parquet_error(&location, e))?;
                Ok(BatchReader {
                    schema,
                    location,
                    what: "a Parquet file",
                    inner: Inner::Parquet(reader),
                })
            }
            DataFormat::Arrow => {
                let mut file = open(path, &location)?;
                let mut magic = [0u8; 6];
                let n = file.read(&mut magic).map_err(|e| Error::Io {
                    location: location.clone(),
                    source: e,
                })?;
                file.seek(SeekFrom::Start(0)).map_err(|e| Error::Io {
                    location: location.clone(),
                    source: e,
                })?;
                let reader = BufReader::with_capacity(1 << 20, file);
                if n == 6 && &magic == b"ARROW1" {
                    let what = "an Arrow IPC file";
                    let r = arrow_ipc::reader::FileReader::try_new(reader, None)
                        .map_err(|e| arrow_error(&location, what, e))?;
                    Ok(BatchReader {
                        schema: r.schema(),
                        location,
                        what,
                        inner: Inner::IpcFile(r),
                    })
                } else {
                    let what = "an Arrow IPC stream";
                    let r = arrow_ipc::reader::StreamReader::try_new(reader, None)
                        .map_err(|e| arrow_error(&location, what, e))?;
                    Ok(BatchReader {
                        schema: r.schema(),
                        location,
                        what,
                        inner: Inner::IpcStream(r),
                    })
                }
            }
            _ => Err(Error::Format {
                location,
                message: format!("not a file of record batches ({format}): read it as CSV"),
            }),
        }
    }

    /// The file's schema (its columns and their Arrow types).
    pub fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    /// The file, for errors.
    pub fn location(&self) -> &Location {
        &self.location
    }
}

impl Iterator for BatchReader {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        let next = match &mut self.inner {
            #[cfg(feature = "parquet")]
            Inner::Parquet(r) => r.next(),
            Inner::IpcFile(r) => r.next(),
            Inner::IpcStream(r) => r.next(),
        };
        next.map(|b| b.map_err(|e| arrow_error(&self.location, self.what, e)))
    }
}

/// Rows per batch when a whole file is read.
const WHOLE_FILE_BATCH_ROWS: usize = 64 * 1024;

/// All record batches of a Parquet file, its row groups decoded in parallel (in
/// order).
///
/// The top-level text columns `as_dictionary` names are decoded as dictionaries (their
/// Parquet dictionary pages kept, not expanded into one string per row): a column of
/// a few levels then costs one conversion per level, not per row.
#[cfg(feature = "parquet")]
pub(crate) fn parquet_batches(
    path: &Path,
    as_dictionary: &dyn Fn(&str) -> bool,
) -> Result<(SchemaRef, Vec<RecordBatch>)> {
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    use rayon::prelude::*;
    let location = Location::file(path);
    let meta = dictionary_metadata(path, as_dictionary)?;
    let schema = meta.schema().clone();
    let groups = meta.metadata().num_row_groups();
    let parts: Vec<Result<Vec<RecordBatch>>> = (0..groups)
        .into_par_iter()
        .map(|g| {
            let file = open(path, &location)?;
            let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(file, meta.clone())
                .with_row_groups(vec![g])
                .with_batch_size(WHOLE_FILE_BATCH_ROWS)
                .build()
                .map_err(|e| parquet_error(&location, e))?;
            reader
                .map(|b| b.map_err(|e| arrow_error(&location, "a Parquet file", e)))
                .collect()
        })
        .collect();
    let mut batches = Vec::new();
    for p in parts {
        batches.extend(p?);
    }
    Ok((schema, batches))
}

/// The reader metadata of the Parquet file at `path`, the top-level text columns
/// `as_dictionary` names decoded as dictionaries (see [`parquet_batches`]).
#[cfg(feature = "parquet")]
pub(crate) fn dictionary_metadata(
    path: &Path,
    as_dictionary: &dyn Fn(&str) -> bool,
) -> Result<parquet::arrow::arrow_reader::ArrowReaderMetadata> {
    use arrow_schema::{DataType, Field, Schema};
    use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions};
    let location = Location::file(path);
    let file = open(path, &location)?;
    let meta = ArrowReaderMetadata::load(&file, Default::default())
        .map_err(|e| parquet_error(&location, e))?;
    let hinted: Vec<Field> = meta
        .schema()
        .fields()
        .iter()
        .map(|f| match f.data_type() {
            t @ (DataType::Utf8 | DataType::LargeUtf8) if as_dictionary(f.name()) => {
                f.as_ref().clone().with_data_type(DataType::Dictionary(
                    Box::new(DataType::Int32),
                    Box::new(t.clone()),
                ))
            }
            _ => f.as_ref().clone(),
        })
        .collect();
    let meta = if hinted
        .iter()
        .zip(meta.schema().fields())
        .any(|(h, f)| h != f.as_ref())
    {
        let hint = Arc::new(Schema::new_with_metadata(
            hinted,
            meta.schema().metadata().clone(),
        ));
        ArrowReaderMetadata::try_new(
            meta.metadata().clone(),
            ArrowReaderOptions::new().with_schema(hint),
        )
        .map_err(|e| parquet_error(&location, e))?
    } else {
        meta
    };
    Ok(meta)
}

/// All record batches of an Arrow IPC file or stream.
pub(crate) fn ipc_batches(path: &Path) -> Result<(SchemaRef, Vec<RecordBatch>)> {
    let reader = BatchReader::open(path, DataFormat::Arrow, WHOLE_FILE_BATCH_ROWS)?;
    let schema = reader.schema().clone();
    let batches = reader.collect::<Result<Vec<_>>>()?;
    Ok((schema, batches))
}
