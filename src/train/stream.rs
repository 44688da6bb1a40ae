//! Streaming training: [`StreamSample`] (pass 1) and [`Pipeline::fit_stream`]; the
//! design is documented in the `train` module docs (section *Streaming training*).

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::builder::{ModelBuilder, TrainingData};
use super::leakage::{LeakageWarning, leakage_warnings};
use super::pipeline::{FinalFit, Pipeline, Stage, Validated, ValidationReport};
use crate::data::{
    Column, CsvChunks, CsvOptions, DataFormat, Discretizer, Encoded, FeatureEncoder, FeatureKind,
    MAX_LEVELS, MISSING_LEVEL, ReadReport, ReadSpec, Schema, Table, stream_options,
};
use crate::error::{Error, Location, Result};
use crate::model::{Fingerprinter, Model};
use crate::policy::tier::TierSpec;
use crate::registry::{self, ModelBody};

/// CSV files larger than this many bytes (512 MiB) are trained by streaming unless
/// told otherwise ([`streams_by_default`]).
pub const STREAM_AUTO_BYTES: u64 = 512 << 20;

/// The default size of the sample validation, tuning and binning run on.
pub const DEFAULT_SAMPLE_ROWS: usize = 500_000;

/// True when `path` is a CSV file (by extension, [`DataFormat::from_path`]) larger
/// than [`STREAM_AUTO_BYTES`]: what `churnkit train --stream auto` streams.
pub fn streams_by_default(path: &Path) -> bool {
    DataFormat::from_path(path) == DataFormat::Csv
        && std::fs::metadata(path).is_ok_and(|m| m.len() > STREAM_AUTO_BYTES)
}

/// How a file is streamed: the sample's size and seed, the chunk size, the rows the
/// column kinds are decided on.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StreamOptions {
    /// Rows of the sample (default [`DEFAULT_SAMPLE_ROWS`]); a file of at most this
    /// many rows is sampled whole.
    pub sample_rows: usize,
    /// Seed of the sample (default 42).
    pub seed: u64,
    /// Rows per chunk read (default 65,536).
    pub chunk_rows: usize,
    /// Rows the column kinds and classes are decided on (default 100,000;
    /// [`stream_options`]).
    pub head_rows: usize,
}

impl Default for StreamOptions {
    fn default() -> Self {
        StreamOptions {
            sample_rows: DEFAULT_SAMPLE_ROWS,
            seed: 42,
            chunk_rows: 1 << 16,
            head_rows: 100_000,
        }
    }
}

impl StreamOptions {
    /// Sets the sample's size.
    pub fn sample_rows(mut self, n: usize) -> Self {
        self.sample_rows = n;
        self
    }

    /// Sets the sample's seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Sets the rows per chunk.
    pub fn chunk_rows(mut self, n: usize) -> Self {
        self.chunk_rows = n;
        self
    }

    /// Sets the rows the column kinds are decided on.
    pub fn head_rows(mut self, n: usize) -> Self {
        self.head_rows = n;
        self
    }

    /// Checks the sizes: a sample of at least 2 rows, chunks and head of at least 1.
    pub fn check(&self) -> Result<()> {
        if self.sample_rows < 2 {
            return Err(Error::param(
                "sample_rows",
                self.sample_rows,
                "must be at least 2",
            ));
        }
        if self.chunk_rows == 0 {
            return Err(Error::param("chunk_rows", 0, "must be at least 1"));
        }
        if self.head_rows == 0 {
            return Err(Error::param("head_rows", 0, "must be at least 1"));
        }
        Ok(())
    }
}

/// Pass 1 over a file (see the [`train`](crate::train) module docs, *Streaming
/// training*): a seeded sample of its rows and what
/// the model's summary needs of all of them.
#[derive(Debug, Clone)]
pub struct StreamSample {
    /// The sample, in file order, without ids; its schema has every categorical level
    /// of the file's rows (sorted in byte order), as the whole-file reader's has.
    pub table: Table,
    /// Rows of the file (rows skipped for a bad label not counted).
    pub rows: usize,
    /// The weighted count of each class over all rows.
    pub class_counts: Vec<f64>,
    /// The fingerprint of all rows, as [`fingerprint`](crate::model::fingerprint) of
    /// the whole table gives.
    pub fingerprint: String,
    /// The read report of the whole file.
    pub report: ReadReport,
    /// The options the chunks are read with: the caller's, with kinds and classes
    /// fixed from the head ([`stream_options`]).
    pub read_options: CsvOptions,
    /// Seconds pass 1 took.
    pub seconds: f64,
    options: CsvOptions,
    path: PathBuf,
    stream: StreamOptions,
}

/// A column of the sample: numbers, or global level ids (`MISSING_LEVEL` = missing).
enum SampleColumn {
    Num(Vec<f64>),
    Cat(Vec<u32>),
}

/// Every level of one categorical column, interned in first-use order.
#[derive(Default)]
struct Levels {
    ids: HashMap<String, u32>,
    texts: Vec<String>,
}

impl Levels {
    fn id(&mut self, text: &str) -> u32 {
        if let Some(&i) = self.ids.get(text) {
            return i;
        }
        let i = self.texts.len() as u32;
        self.ids.insert(text.to_string(), i);
        self.texts.push(text.to_string());
        i
    }
}

/// Where a row of a chunk goes in the reservoir.
#[derive(Clone, Copy)]
enum Slot {
    Skip,
    Push,
    Replace(usize),
}

/// Vitter's Algorithm R over rows seen in order: the first `cap` rows fill the
/// reservoir, row `i ≥ cap` replaces slot `j ~ U{0..i}` when `j < cap`.
struct Reservoir {
    rng: ChaCha8Rng,
    cap: usize,
    filled: usize,
}

impl Reservoir {
    fn new(cap: usize, seed: u64) -> Reservoir {
        Reservoir {
            rng: ChaCha8Rng::seed_from_u64(seed),
            cap,
            filled: 0,
        }
    }

    /// Where row `i` (the rows before it offered in order) goes.
    fn slot(&mut self, i: u64) -> Slot {
        if self.filled < self.cap {
            self.filled += 1;
            Slot::Push
        } else {
            let j = self.rng.random_range(0..=i);
            if j < self.cap as u64 {
                Slot::Replace(j as usize)
            } else {
                Slot::Skip
            }
        }
    }
}

/// The rows a seeded uniform sample of at most `sample_rows` of `n_rows` rows keeps,
/// in row order: the rows [`StreamSample::read`] keeps of a file of `n_rows` rows with
/// that seed (the same reservoir and generator); every row when `n_rows ≤
/// sample_rows`. It depends on the number of rows only, so a sample can be read
/// straight from the data (the engine paths of `churnkit train`).
pub fn sample_row_indices(n_rows: u64, sample_rows: usize, seed: u64) -> Vec<u64> {
    let mut reservoir = Reservoir::new(sample_rows, seed);
    let mut index: Vec<u64> = Vec::with_capacity(sample_rows.min(n_rows as usize));
    for i in 0..n_rows {
        match reservoir.slot(i) {
            Slot::Push => index.push(i),
            Slot::Replace(j) => index[j] = i,
            Slot::Skip => {}
        }
    }
    index.sort_unstable();
    index
}

impl StreamSample {
    /// Pass 1: reads the CSV file at `path` with `opts` as a stream of chunks (kinds
    /// and classes fixed from its head, [`stream_options`]) and keeps a seeded sample
    /// of `stream.sample_rows` rows, the levels, class counts, fingerprint and read
    /// report of all rows.
    ///
    /// # Errors
    /// Bad options; every error of reading the file (file, line, column), as
    /// [`CsvChunks`] reports it; [`Error::Csv`] when no row is left or the rows hold
    /// one class only.
    pub fn read(
        path: impl AsRef<Path>,
        opts: &CsvOptions,
        stream: &StreamOptions,
    ) -> Result<StreamSample> {
        stream.check()?;
        let t0 = Instant::now();
        let path = path.as_ref();
        let read_options = stream_options(path, opts, stream.head_rows)?;
        let mut reservoir = Reservoir::new(stream.sample_rows, stream.seed);
        let mut report = ReadReport::default();
        let mut template: Option<Arc<Schema>> = None;
        let mut finger: Option<Fingerprinter> = None;
        let mut levels: Vec<Levels> = Vec::new();
        let mut cols: Vec<SampleColumn> = Vec::new();
        let mut labels: Vec<u8> = Vec::new();
        let mut weights: Option<Vec<f64>> = None;
        let mut index: Vec<u64> = Vec::new();
        let mut class_counts: Vec<f64> = Vec::new();
        let mut seen: u64 = 0;
        let mut slots: Vec<Slot> = Vec::new();
        for chunk in CsvChunks::open(path, &read_options, stream.chunk_rows)? {
            let chunk = chunk?;
            report.absorb(&chunk.report);
            let t = &chunk.table;
            let n = t.n_rows();
            if n == 0 {
                continue;
            }
            if template.is_none() {
                let s = t.schema();
                levels = s.features.iter().map(|_| Levels::default()).collect();
                cols = s
                    .features
                    .iter()
                    .map(|f| match f.kind {
                        FeatureKind::Numeric => SampleColumn::Num(Vec::new()),
                        _ => SampleColumn::Cat(Vec::new()),
                    })
                    .collect();
                weights = t.weights().map(|_| Vec::new());
                class_counts = vec![0.0; s.target.classes.len()];
                finger = Some(Fingerprinter::new(t));
            }
            let schema = template.get_or_insert_with(|| Arc::clone(t.schema()));
            let names_match = schema.features.len() == t.schema().features.len()
                && schema
                    .features
                    .iter()
                    .zip(&t.schema().features)
                    .all(|(a, b)| a.name == b.name && a.is_numeric() == b.is_numeric());
            if !names_match || schema.target.classes != t.schema().target.classes {
                return Err(Error::Csv {
                    location: Location::file(path).at_line(chunk.first_line()),
                    message: "a chunk of the stream has other columns than the first".into(),
                });
            }
            let rows: Vec<usize> = (0..n).collect();
            if let Some(f) = &mut finger {
                f.add(t, &rows);
            }
            for (r, &l) in t.labels().iter().enumerate() {
                class_counts[l as usize] += t.weight(r);
            }
            // Where each row goes (Algorithm R), decided in row order.
            slots.clear();
            slots.extend((0..n).map(|r| reservoir.slot(seen + r as u64)));
            fn place<T: Copy>(slots: &[Slot], dst: &mut Vec<T>, value: impl Fn(usize) -> T) {
                for (r, &s) in slots.iter().enumerate() {
                    match s {
                        Slot::Push => dst.push(value(r)),
                        Slot::Replace(j) => dst[j] = value(r),
                        Slot::Skip => {}
                    }
                }
            }
            place(&slots, &mut index, |r| seen + r as u64);
            place(&slots, &mut labels, |r| t.labels()[r]);
            if let (Some(w), Some(tw)) = (&mut weights, t.weights()) {
                place(&slots, w, |r| tw[r]);
            }
            for (j, (col, lv)) in cols.iter_mut().zip(&mut levels).enumerate() {
                match (col, t.column(j)) {
                    (SampleColumn::Num(dst), Column::Numeric(src)) => {
                        place(&slots, dst, |r| src[r]);
                    }
                    (SampleColumn::Cat(dst), Column::Categorical(src)) => {
                        // Every level a row of the chunk uses, interned once.
                        let texts = t.schema().features[j].levels();
                        let mut map = vec![MISSING_LEVEL; texts.len()];
                        for (r, &c) in src.iter().enumerate() {
                            if c != MISSING_LEVEL && map[c as usize] == MISSING_LEVEL {
                                map[c as usize] = lv.id(&texts[c as usize]);
                                if lv.texts.len() > MAX_LEVELS {
                                    // The whole-file reader's error, at the same line.
                                    let name = &t.schema().features[j].name;
                                    return Err(Error::Schema {
                                        location: Location::file(path)
                                            .at_line(chunk.lines[r])
                                            .at_column(name),
                                        message: format!(
                                            "more than {MAX_LEVELS} distinct values; a categorical feature may have at most {MAX_LEVELS} levels (drop the column, make it the id column, or declare it numeric)"
                                        ),
                                    });
                                }
                            }
                        }
                        place(&slots, dst, |r| {
                            let c = src[r];
                            if c == MISSING_LEVEL {
                                MISSING_LEVEL
                            } else {
                                map[c as usize]
                            }
                        });
                    }
                    _ => {
                        return Err(Error::Csv {
                            location: Location::file(path).at_line(chunk.first_line()),
                            message: "a chunk of the stream has other column kinds than the first"
                                .into(),
                        });
                    }
                }
            }
            seen += n as u64;
        }
        let (Some(template), Some(finger)) = (template, finger) else {
            return Err(Error::Csv {
                location: Location::file(path),
                message: format!(
                    "no rows left: all {} rows had a missing or unknown label in column '{}'",
                    report.rows_read,
                    opts.target()
                ),
            });
        };
        if class_counts.iter().filter(|&&c| c > 0.0).count() < 2 {
            return Err(Error::Csv {
                location: Location::file(path).at_column(opts.target()),
                message: "the target has one class only: a model needs rows of two classes".into(),
            });
        }
        // The sample in file order; levels sorted in byte order (as the reader does).
        let mut order: Vec<usize> = (0..index.len()).collect();
        order.sort_by_key(|&i| index[i]);
        let mut schema: Schema = (*template).clone();
        let mut columns = Vec::with_capacity(cols.len());
        for ((col, lv), f) in cols.into_iter().zip(levels).zip(&mut schema.features) {
            columns.push(match col {
                SampleColumn::Num(v) => Column::Numeric(order.iter().map(|&i| v[i]).collect()),
                SampleColumn::Cat(v) => {
                    let mut sorted: Vec<u32> = (0..lv.texts.len() as u32).collect();
                    sorted.sort_by(|&a, &b| lv.texts[a as usize].cmp(&lv.texts[b as usize]));
                    let mut new_id = vec![0u32; sorted.len()];
                    for (pos, &old) in sorted.iter().enumerate() {
                        new_id[old as usize] = pos as u32;
                    }
                    let texts: Vec<String> = sorted
                        .iter()
                        .map(|&i| lv.texts[i as usize].clone())
                        .collect();
                    f.kind = FeatureKind::Categorical {
                        levels: texts.into(),
                    };
                    Column::Categorical(
                        order
                            .iter()
                            .map(|&i| match v[i] {
                                MISSING_LEVEL => MISSING_LEVEL,
                                c => new_id[c as usize],
                            })
                            .collect(),
                    )
                }
            });
        }
        let labels = order.iter().map(|&i| labels[i]).collect();
        let weights = weights.map(|w| order.iter().map(|&i| w[i]).collect());
        let table = Table::new(Arc::new(schema), columns, labels, weights, None)?;
        report.sort_columns(table.schema());
        Ok(StreamSample {
            rows: seen as usize,
            class_counts,
            fingerprint: finger.finish(),
            report,
            read_options,
            seconds: t0.elapsed().as_secs_f64(),
            options: opts.clone(),
            path: path.to_path_buf(),
            stream: stream.clone(),
            table,
        })
    }

    /// True when the sample is every row of the file (in file order).
    pub fn is_whole(&self) -> bool {
        self.table.n_rows() == self.rows
    }

    /// The file read.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How the whole file was read ([`ReadSpec::new`] of the caller's options and the
    /// whole file's report).
    pub fn read_spec(&self) -> ReadSpec {
        ReadSpec::new(&self.options, &self.report)
    }
}

/// Pass 2: every row of the file encoded by `discretizer`, chunk by chunk, into
/// buffers sized for `sample.rows` rows.
fn encode_file(sample: &StreamSample, discretizer: &Discretizer) -> Result<Encoded> {
    let weighted = sample.table.weights().is_some();
    let mut encoded =
        Encoded::with_capacity(Arc::clone(discretizer.schema()), sample.rows, weighted);
    let chunks = CsvChunks::open(&sample.path, &sample.read_options, sample.stream.chunk_rows)?;
    let mut rows: Vec<usize> = Vec::new();
    for chunk in chunks {
        let chunk = chunk?;
        let n = chunk.table.n_rows();
        rows.clear();
        rows.extend(0..n);
        let (codes, _) = discretizer.encode_rows(&chunk.table, &rows)?;
        encoded.append(&codes)?;
    }
    if encoded.n_rows() != sample.rows {
        return Err(Error::Csv {
            location: Location::file(&sample.path),
            message: format!(
                "the file changed while it was read: {} rows in the first pass, {} in the second",
                sample.rows,
                encoded.n_rows()
            ),
        });
    }
    Ok(encoded)
}

/// `discretizer` with the categorical levels of `schema` (every level of the file)
/// in place of the ones seen in the rows it was fitted on; cut points unchanged.
fn with_all_levels(discretizer: &Discretizer, schema: &Schema) -> Discretizer {
    let encoders = discretizer
        .encoders()
        .iter()
        .map(|e| match e {
            FeatureEncoder::Categorical { name, levels } => FeatureEncoder::Categorical {
                name: name.clone(),
                levels: match schema.feature_index(name).map(|j| &schema.features[j].kind) {
                    Some(FeatureKind::Categorical { levels: all }) => all.clone(),
                    _ => levels.clone(),
                },
            },
            other => other.clone(),
        })
        .collect();
    Discretizer::from_encoders(
        encoders,
        discretizer.binning().clone(),
        discretizer.schema().classes.clone(),
    )
}

/// The result of [`Pipeline::fit_stream`] and [`Pipeline::fit_sampled`]: the model and
/// how good it is.
#[derive(Debug)]
#[non_exhaustive]
pub struct StreamTrained {
    /// The assembled model, fitted on every row of the data.
    pub model: Model,
    /// The validation's report, on the sample (out-of-sample, before calibration).
    pub validation: ValidationReport,
    /// Rows of the data, all of which the model was fitted on.
    pub rows: usize,
    /// Rows of the sample validation, tuning and binning ran on.
    pub sample_rows: usize,
    /// Seconds of encoding every row with the sample's discretizer (pass 2 of
    /// streaming; the engines' codes and cut points).
    pub encode_seconds: f64,
    /// Seconds of fitting: the learner on the sample (its tuning and discretizer),
    /// then the final model on every row.
    pub fit_seconds: f64,
    /// Seconds spent validating on the sample.
    pub validate_seconds: f64,
    /// Leakage and identifier warnings, computed on the sample.
    pub warnings: Vec<LeakageWarning>,
}

impl Pipeline {
    /// Checks that this pipeline can be trained by streaming, before any file is
    /// read: [`check`](Self::check), a learner [`registry::STREAMED`] lists, no
    /// duration column and the final model fitted on all rows.
    pub fn check_stream(&self) -> Result<()> {
        self.check()?;
        registry::check_streamed(self.algo)?;
        if self.options.duration.is_some() {
            return Err(Error::param(
                "duration",
                self.options.duration.as_deref().unwrap_or_default(),
                "streaming training fits no time-to-churn model; train in memory (--stream off)",
            ));
        }
        if self.options.final_fit != FinalFit::AllRows {
            return Err(Error::param(
                "final_fit",
                "training part",
                "streaming training fits the model on every row; train in memory (--stream off)",
            ));
        }
        Ok(())
    }

    /// Trains on every row of the file pass 1 read into `sample` (see the
    /// [`train`](crate::train) module docs, *Streaming training*): validates on the sample, fits the learner on the sample (its
    /// tuning and discretizer), encodes every row of the file (pass 2), fits the final
    /// model on all the codes and assembles the model with the training summary of
    /// all rows. Same file, options and seeds → the same model bytes; with a sample of
    /// every row, the bytes [`fit`](Self::fit) gives on the file's table.
    ///
    /// # Errors
    /// [`check_stream`](Self::check_stream)'s; those of [`fit`](Self::fit); reading
    /// errors of pass 2 (the file changed since pass 1).
    pub fn fit_stream(&self, sample: StreamSample) -> Result<StreamTrained> {
        self.fit_stream_with_progress(sample, &mut |_| {})
    }

    /// [`fit_stream`](Self::fit_stream), announcing each [`Stage`] to `progress` as it
    /// starts ([`Stage::FittingFinal`] counts every row of the file).
    pub fn fit_stream_with_progress(
        &self,
        mut sample: StreamSample,
        progress: &mut dyn FnMut(Stage),
    ) -> Result<StreamTrained> {
        self.check_stream()?;
        let this;
        let pipeline = if self.options.read_spec.is_none() {
            this = self.clone().read_spec(sample.read_spec());
            &this
        } else {
            self
        };
        // The sample's table goes to the pipeline, which drops it before pass 2; only
        // its schema stays here.
        let empty = sample.table.select(&[]);
        let table = std::mem::replace(&mut sample.table, empty);
        let of = Sample {
            rows: sample.rows,
            seed: sample.stream.seed,
            record: "stream",
        };
        pipeline.fit_sampled(Cow::Owned(table), of, progress, |on_sample, schema_of| {
            let discretizer = match on_sample.discretizer() {
                Some(d) => with_all_levels(d, schema_of.schema()),
                None => {
                    return Err(Error::Fit(format!(
                        "{}: streaming training needs a learner that encodes its rows",
                        self.algo
                    )));
                }
            };
            let t = Instant::now();
            let encoded = encode_file(&sample, &discretizer)?;
            let encode_seconds = t.elapsed().as_secs_f64();
            let t = Instant::now();
            let body = registry::fit_on_codes(
                self.algo,
                &self.algo_options,
                on_sample,
                discretizer,
                encoded,
                schema_of,
            )?;
            Ok(RowsFit {
                body,
                data: TrainingData {
                    schema: Arc::clone(schema_of.schema()),
                    rows: sample.rows as u64,
                    class_counts: sample.class_counts.clone(),
                    fingerprint: sample.fingerprint.clone(),
                },
                encode_seconds,
                fit_seconds: t.elapsed().as_secs_f64(),
            })
        })
    }

    /// Trains on every row of a data set from a seeded `sample` of its rows, the
    /// final fit made elsewhere — the step streaming training
    /// ([`fit_stream`](Self::fit_stream)) and the distributed engines of `churnkit
    /// train --engine` share: leakage warnings, validation ([`TrainOptions::validation`](super::TrainOptions::validation))
    /// and one fit of the learner on the whole sample (its self-tuning and
    /// discretizer) run here, through the code [`fit`](Self::fit) runs; the sample's
    /// table is then dropped and `fit_all` fits the final model on every row with
    /// what that fit chose (it is handed the sample's body and an empty table with
    /// the sample's schema), e.g. with [`registry::fit_on_codes`] or
    /// [`registry::level_wise_for`]. The model is assembled as in memory, calibration
    /// and tier thresholds chosen on the sample's out-of-sample predictions, the
    /// summary counting the rows `fit_all` describes; with fewer sample rows than
    /// [`Sample::rows`] the summary's parameters record the sample under
    /// [`Sample::record`] (`rows`, `sample_rows`, `sample_seed`).
    ///
    /// # Errors
    /// [`check`](Self::check)'s; a duration column or a holdout's training-part model
    /// ([`Error::Param`]: the model is fitted on every row, without a survival
    /// model); those of [`fit`](Self::fit) on the sample; `fit_all`'s.
    pub fn fit_sampled(
        &self,
        sample: Cow<'_, Table>,
        of: Sample,
        progress: &mut dyn FnMut(Stage),
        fit_all: impl FnOnce(&ModelBody, &Table) -> Result<RowsFit>,
    ) -> Result<StreamTrained> {
        self.check()?;
        let o = &self.options;
        if let Some(d) = &o.duration {
            return Err(Error::param(
                "duration",
                d,
                "a model fitted on every row from a sample fits no time-to-churn model; train in memory",
            ));
        }
        if o.final_fit != FinalFit::AllRows {
            return Err(Error::param(
                "final_fit",
                "training part",
                "a model fitted from a sample is fitted on every row; train in memory",
            ));
        }
        if let TierSpec::Given(policy) = &o.tiers {
            policy.validate(sample.schema().target.n_classes())?;
        }
        let table: &Table = &sample;
        let all = table.all_rows();
        let warnings = leakage_warnings(table, &all);
        let t = Instant::now();
        let Validated {
            report: validation,
            held,
            holdout_fit,
        } = self.validate_on(table, &all, progress)?;
        let validate_seconds = t.elapsed().as_secs_f64();
        progress(Stage::FittingFinal { rows: of.rows });
        let t = Instant::now();
        // The sample's fit, whose settings the final fit on every row takes (a large
        // sample keeps its hold-out fit's tuned setting, as in memory).
        let on_sample = self.fit_final(table, &all, holdout_fit.as_ref())?;
        let sample_seconds = t.elapsed().as_secs_f64();
        let sample_rows = table.n_rows();
        // The sample's rows are not needed any more: only its schema.
        let schema_of = table.select(&[]);
        drop(sample);
        let RowsFit {
            body,
            data,
            encode_seconds,
            fit_seconds,
        } = fit_all(&on_sample.body, &schema_of)?;
        progress(Stage::Assembling);
        let mut params = self.params_json(&body);
        if sample_rows < of.rows
            && let serde_json::Value::Object(map) = &mut params
        {
            map.insert(
                of.record.into(),
                serde_json::json!({
                    "rows": of.rows,
                    "sample_rows": sample_rows,
                    "sample_seed": of.seed,
                }),
            );
        }
        let rows = data.rows as usize;
        let model = self
            .configure(
                ModelBuilder::from_training_data(body, data),
                held,
                &validation,
                true,
            )
            .params(params)
            .build()?;
        Ok(StreamTrained {
            model,
            validation,
            rows,
            sample_rows,
            encode_seconds,
            fit_seconds: sample_seconds + fit_seconds,
            validate_seconds,
            warnings,
        })
    }
}

/// The sample [`Pipeline::fit_sampled`] is given: how it was drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Sample {
    /// Rows of the data the sample was drawn from (all of which the final model is
    /// fitted on).
    pub rows: usize,
    /// The sample's seed.
    pub seed: u64,
    /// The key the summary's parameters record the sample under when it is smaller
    /// than the data (`stream` for streaming training, `sample` for the engines).
    pub record: &'static str,
}

impl Sample {
    /// A sample of `rows` rows drawn with `seed`, recorded under `record`.
    pub fn new(rows: usize, seed: u64, record: &'static str) -> Sample {
        Sample { rows, seed, record }
    }
}

/// The final fit of [`Pipeline::fit_sampled`] on every row: the body and what the
/// summary says of the rows it was fitted on.
#[derive(Debug)]
#[non_exhaustive]
pub struct RowsFit {
    /// The fitted body.
    pub body: ModelBody,
    /// The rows it was fitted on (schema, count, class counts, fingerprint).
    pub data: TrainingData,
    /// Seconds spent encoding (or planning the codes of) every row.
    pub encode_seconds: f64,
    /// Seconds spent fitting on every row.
    pub fit_seconds: f64,
}

impl RowsFit {
    /// A final fit's result.
    pub fn new(
        body: ModelBody,
        data: TrainingData,
        encode_seconds: f64,
        fit_seconds: f64,
    ) -> RowsFit {
        RowsFit {
            body,
            data,
            encode_seconds,
            fit_seconds,
        }
    }
}
