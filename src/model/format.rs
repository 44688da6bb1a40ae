//! The model file formats and safe loading.
//!
//! # Binary format (version 6)
//!
//! All integers little-endian.
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 8 | magic `CHURNKIT` (ASCII) |
//! | 8 | 4 | format version, `u32` (currently [`FORMAT_VERSION`]) |
//! | 12 | 8 | body length `L`, `u64` |
//! | 20 | `L` | body: the [`Model`] encoded by bincode 1.3.3 through serde |
//! | 20 + `L` | 4 | CRC-32 (IEEE, see [`crc32`]) of bytes `0 .. 20 + L` |
//!
//! The body uses bincode's `DefaultOptions` with **fixed-width integers**
//! (`with_fixint_encoding`: every `u64`/length is 8 bytes, every `u32`/enum tag 4),
//! little-endian, trailing bytes rejected. Fixint was chosen over varint because it
//! is what `bincode::serialize` uses, is simpler for other tools to read, and costs
//! little here (models are small); it never changes within a format version.
//!
//! Versions: 2 appended the training reader's missing tokens (a list of strings,
//! [`Model::missing_tokens`]) to the body; a version-1 body is the same without them
//! and loads with the default tokens. 3 appended the churn-warning settings
//! ([`Model::warning`]: playbook and lifecycle stages); a version-2 body is the same
//! without them and loads with none (the built-in playbook, no stages). 4 appended how
//! the training file was read ([`Model::read_spec`]: an optional
//! [`ReadSpec`](crate::data::ReadSpec) — delimiter, label rule, weight column, dropped
//! columns, bad-row policies), and stores every categorical level **once**: versions
//! 1–3 wrote each level up to four times (the schema, the discretizer's encoders, the
//! discretizer's derived schema, and a tree's schema or a network's state names), so a
//! model with a large level could be saved over the load limit. From version 4 the
//! discretizer writes its encoders, binning and class names only; a tree classifier
//! writes its tree without a schema (it is the discretizer's); a network classifier
//! writes the class node's name, parents and CPTs (names and states are the
//! discretizer's); and the model writes its schema without the levels its body holds,
//! followed by `levels_in_body`, the list (`u64` count, `u32` each) of the features
//! whose levels are read back from the body's discretizer. Each derived part is
//! rebuilt when read and checked by validation as before. Last in a version-4 body
//! comes the optional time-to-churn model ([`Model::survival`]: a
//! [`SurvivalModel`](crate::survival::SurvivalModel) — its discretizer, in the
//! version-4 layout, the survival tree with a Kaplan–Meier curve per node, and the
//! duration column), written as bincode's option: one byte `0` when absent, `1` then
//! the model. Version 1–3 bodies are read in their own layout
//! ([`compat::LegacyLayout`](crate::data::compat::LegacyLayout)) and load without one.
//! 5 appended to a tree classifier (after its name) its leaf model: bincode's option,
//! one byte `0` for constant leaves, or `1` then the
//! [`NaiveBayesLeaves`](crate::tree::NaiveBayesLeaves) (the temper `α`, f64, then the
//! `ln θ` table, a `u64` count and the f64s). A version-4 body is the same without that
//! byte and loads with constant leaves (read under
//! [`LegacyLayout::version`](crate::data::compat::LegacyLayout::version)`(4)`), so a
//! version-4 tree model saved again is one byte longer; its scores are unchanged.
//! 6 appended to a survival model (after its name) its leaf model: bincode's option,
//! one byte `0` for the leaf curves as they are, or `1` then the
//! [`HazardLeaves`](crate::survival::HazardLeaves) (the temper `α`, f64, then the
//! log hazard ratios, a `u64` count and the f64s). A version-4 or -5 body with a
//! survival model is the same without that byte and loads without hazard leaves (read
//! under [`LegacyLayout::version`](crate::data::compat::LegacyLayout::version)); a
//! version-5 model without a survival model has the same bytes in version 6.
//!
//! # JSON format
//!
//! `{"format": "churnkit-model", "format_version": 6, "crate_version": "…",
//! "model": {…}}` — the same content as the binary body, through `serde_json`
//! (floats round-trip exactly). A version-1 document has no `missing_tokens` and loads
//! with the default tokens; a version-2 document has no `warning` and loads with none;
//! a version-3 document has no `read_spec` and loads with none; a document without
//! `survival` loads with no time-to-churn model; a tree without `leaves` (version 4)
//! loads with constant leaves, a survival model without `leaves` (versions 4–5)
//! without hazard leaves.
//!
//! # Loading untrusted bytes
//!
//! [`Model::from_bytes`], [`Model::read_from`] and [`Model::load`] check, in order: the
//! magic; the format version (a newer one is refused with an error naming both
//! versions); the body length against the remaining bytes and a size limit
//! ([`DEFAULT_MAX_BYTES`], adjustable with [`LoadOptions`]) *before* allocating; the
//! checksum; then decode with bincode under the same size limit (so no length prefix
//! inside the body can allocate beyond it) and validate the decoded model
//! ([`Model::validate`]). Every failure is an [`Error::Model`], never a panic.
//!
//! # Memory
//!
//! [`Model::load`] uses at most [`LOAD_HEAP_FACTOR`] (2) × the file's size of heap at
//! its peak, the loaded model included, plus a small fixed amount for the envelope's
//! own parts (`tests/load_memory.rs` measures it with a counting allocator, allowing
//! 256 KiB). A binary file is not held in memory: its checksum is computed in a first
//! pass over fixed-size pieces, then the body is decoded as it is read (checksummed
//! again; a file changed in between is refused). A JSON file is read into a buffer of
//! exactly its size and decoded from it without an intermediate value. In memory
//! each categorical level is held once, as in the file
//! ([`Levels`](crate::data::Levels) are shared by the schema, the discretizer, the
//! encoded schema and a network's variables), and a tree's child slots are kept
//! plainly or run-length coded, whichever is smaller (a forest's ordered binary splits
//! stay runs, as in the file). [`Model::read_from`] (any reader) holds the bytes it
//! reads, up to the body length, while decoding; [`Model::from_bytes`] decodes the
//! caller's bytes. The factor holds for files as churnkit writes them (binary, or
//! pretty-printed JSON); a hand-made compact JSON document of tiny elements (`0,`
//! for an 8-byte probability, `"a",` for a level) decodes to more than its text, within
//! the size limit ([`LoadOptions::max_bytes`]).
//!
//! Compatibility: a file of an older format version keeps loading in later versions
//! (their readers keep the old decoders); a file newer than the reader fails with
//! an error naming both versions.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom, Write};
use std::path::Path;

use bincode::Options;

use super::hash::{Crc32, crc32};
use super::{Model, ModelV1, ModelV2, ModelV3};
use crate::error::{Error, Location, Result};

/// The magic bytes at the start of every binary model file.
pub const MAGIC: [u8; 8] = *b"CHURNKIT";
/// The format version this churnkit writes and the newest it reads.
pub const FORMAT_VERSION: u32 = 6;
/// Bytes before the body: magic, version, length.
pub const HEADER_LEN: usize = 20;
/// Bytes after the body: the CRC-32.
pub const TRAILER_LEN: usize = 4;
/// The default limit on a model's body (binary) or text (JSON): 256 MiB.
pub const DEFAULT_MAX_BYTES: u64 = 256 << 20;
/// The bound on the heap a load uses: loading a model file ([`Model::load`] and the
/// other readers, binary or JSON) takes at most this many times the file's size of
/// heap at its peak, the loaded model included, plus a small fixed amount for the
/// envelope (`tests/load_memory.rs` measures it with a counting allocator on a giant
/// level, thousands of levels, a 150-tree forest and TAN networks).
pub const LOAD_HEAP_FACTOR: u64 = 2;
/// The `format` field of the JSON format.
pub const JSON_FORMAT_NAME: &str = "churnkit-model";

/// Options for loading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadOptions {
    /// The largest body (binary) or document (JSON) accepted, in bytes.
    pub max_bytes: u64,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            max_bytes: DEFAULT_MAX_BYTES,
        }
    }
}

fn bincode_options(limit: u64) -> impl Options {
    bincode::DefaultOptions::new()
        .with_fixint_encoding()
        .with_little_endian()
        .reject_trailing_bytes()
        .with_limit(limit)
}

fn err(location: &Location, message: impl Into<String>) -> Error {
    Error::Model {
        location: location.clone(),
        message: message.into(),
    }
}

fn io_err(location: &Location, source: std::io::Error) -> Error {
    Error::Io {
        location: location.clone(),
        source,
    }
}

fn check_version(version: u32, location: &Location) -> Result<()> {
    if version > FORMAT_VERSION {
        return Err(err(
            location,
            format!(
                "file format version {version} is newer than this churnkit {} reads (up to version {FORMAT_VERSION}); upgrade churnkit to load it",
                env!("CARGO_PKG_VERSION")
            ),
        ));
    }
    if version == 0 {
        return Err(err(location, "file format version 0 does not exist"));
    }
    Ok(())
}

/// Checks that exactly the body the header announces (`len` bytes) and the checksum
/// follow the header (`available` bytes do): fewer is a truncated file, more is
/// trailing garbage.
fn check_body_length(len: u64, available: u64, location: &Location) -> Result<()> {
    let needed = len.saturating_add(TRAILER_LEN as u64);
    if available < needed {
        return Err(err(
            location,
            format!(
                "truncated: the header announces {len} body bytes + {TRAILER_LEN} checksum bytes, only {available} follow"
            ),
        ));
    }
    if available > needed {
        return Err(err(
            location,
            format!("{} unexpected bytes after the checksum", available - needed),
        ));
    }
    Ok(())
}

/// Parses and checks the 20-byte header; returns (version, body length).
fn parse_header(h: &[u8; HEADER_LEN], max: u64, location: &Location) -> Result<(u32, u64)> {
    if h[..8] != MAGIC {
        return Err(err(
            location,
            "not a churnkit model (wrong magic bytes; expected 'CHURNKIT')",
        ));
    }
    let version = u32::from_le_bytes([h[8], h[9], h[10], h[11]]);
    check_version(version, location)?;
    let mut len = [0u8; 8];
    len.copy_from_slice(&h[12..20]);
    let len = u64::from_le_bytes(len);
    if len > max {
        return Err(err(
            location,
            format!("body length {len} bytes exceeds the limit of {max} bytes"),
        ));
    }
    Ok((version, len))
}

/// Where a body is decoded from: a slice holding it whole, or a reader streaming it
/// (a file, read without a copy of its bytes in memory).
trait BodySource {
    fn decode<T: serde::de::DeserializeOwned>(&mut self) -> bincode::Result<T>;
}

impl BodySource for &[u8] {
    fn decode<T: serde::de::DeserializeOwned>(&mut self) -> bincode::Result<T> {
        bincode_options(self.len() as u64).deserialize(self)
    }
}

/// A body of `len` bytes streamed from `reader` (bincode's size limit is `len`, so no
/// length prefix allocates beyond the body).
struct StreamedBody<R> {
    reader: R,
    len: u64,
}

impl<R: Read> BodySource for StreamedBody<R> {
    fn decode<T: serde::de::DeserializeOwned>(&mut self) -> bincode::Result<T> {
        bincode_options(self.len).deserialize_from(&mut self.reader)
    }
}

fn decode_body(body: &[u8], version: u32, location: &Location) -> Result<Model> {
    let mut body = body;
    decode_from(&mut body, version, location)
}

fn decode_from(src: &mut impl BodySource, version: u32, location: &Location) -> Result<Model> {
    let corrupt = |e: bincode::Error| err(location, format!("corrupt model body: {e}"));
    // Older bodies have an older nested layout: before version 4 derived data was
    // stored in nested types, before version 5 a tree had no leaf model (see
    // data::compat).
    let _legacy =
        (version < FORMAT_VERSION).then(|| crate::data::compat::LegacyLayout::version(version));
    let model: Model = if version == 1 {
        src.decode::<ModelV1>().map_err(corrupt)?.into()
    } else if version == 2 {
        src.decode::<ModelV2>().map_err(corrupt)?.into()
    } else if version == 3 {
        src.decode::<ModelV3>().map_err(corrupt)?.into()
    } else {
        src.decode::<Model>().map_err(corrupt)?
    };
    Ok(model)
}

fn validated(model: Model, location: &Location) -> Result<Model> {
    model
        .validate()
        .map_err(|e| err(location, format!("invalid model: {e}")))?;
    Ok(model)
}

/// A reader that counts and checksums the bytes read through it.
struct Tally<R> {
    inner: R,
    crc: Crc32,
    read: u64,
}

impl<R: Read> Read for Tally<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.crc.update(&buf[..n]);
        self.read += n as u64;
        Ok(n)
    }
}

/// What a JSON document starts with, read before the model itself.
#[derive(serde::Deserialize)]
struct JsonHead {
    format: String,
    format_version: u32,
}

#[derive(serde::Serialize)]
struct JsonOut<'a> {
    format: &'static str,
    format_version: u32,
    crate_version: &'static str,
    model: &'a Model,
}

#[derive(serde::Deserialize)]
struct JsonIn<M> {
    model: M,
}

impl Model {
    /// The model in the binary format.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let body = bincode_options(u64::MAX)
            .serialize(self)
            .map_err(|e| err(&Location::default(), format!("cannot encode: {e}")))?;
        let mut out = Vec::with_capacity(HEADER_LEN + body.len() + TRAILER_LEN);
        out.extend_from_slice(&MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&(body.len() as u64).to_le_bytes());
        out.extend_from_slice(&body);
        let crc = crc32(&out);
        out.extend_from_slice(&crc.to_le_bytes());
        Ok(out)
    }

    /// Writes the binary format to `w`.
    pub fn write_to<W: Write>(&self, mut w: W) -> Result<()> {
        let bytes = self.to_bytes()?;
        w.write_all(&bytes)
            .and_then(|_| w.flush())
            .map_err(|e| io_err(&Location::default(), e))
    }

    /// Loads a model from bytes in the binary format (default limits).
    pub fn from_bytes(bytes: &[u8]) -> Result<Model> {
        Self::from_bytes_with(bytes, LoadOptions::default(), &Location::default())
    }

    fn from_bytes_with(bytes: &[u8], opts: LoadOptions, location: &Location) -> Result<Model> {
        if bytes.len() < HEADER_LEN {
            let m = bytes.len().min(MAGIC.len());
            if bytes[..m] != MAGIC[..m] {
                return Err(err(location, "not a churnkit model (wrong magic bytes)"));
            }
            return Err(err(
                location,
                format!(
                    "truncated: {} bytes, the header alone needs {HEADER_LEN}",
                    bytes.len()
                ),
            ));
        }
        let mut h = [0u8; HEADER_LEN];
        h.copy_from_slice(&bytes[..HEADER_LEN]);
        let (version, len) = parse_header(&h, opts.max_bytes, location)?;
        check_body_length(len, (bytes.len() - HEADER_LEN) as u64, location)?;
        let end = HEADER_LEN + len as usize;
        let stored =
            u32::from_le_bytes([bytes[end], bytes[end + 1], bytes[end + 2], bytes[end + 3]]);
        let actual = crc32(&bytes[..end]);
        if stored != actual {
            return Err(err(
                location,
                format!(
                    "checksum mismatch (stored {stored:08x}, computed {actual:08x}): the file is corrupt"
                ),
            ));
        }
        validated(
            decode_body(&bytes[HEADER_LEN..end], version, location)?,
            location,
        )
    }

    /// Loads a binary model from a regular file without holding its bytes in memory:
    /// the header and the size are checked, the checksum is computed in a first pass
    /// over the file (in fixed-size pieces), then the body is decoded as it is read
    /// in a second pass (checksummed again, so a file changed in between is refused).
    /// The heap used is the model's and the decoding's own, not the file's
    /// ([`LOAD_HEAP_FACTOR`]).
    fn load_file(
        mut file: File,
        size: u64,
        opts: LoadOptions,
        location: &Location,
    ) -> Result<Model> {
        let io = |e| io_err(location, e);
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        let mut h = [0u8; HEADER_LEN];
        let got = read_up_to(&mut file, &mut h).map_err(io)?;
        if got < HEADER_LEN {
            return Self::from_bytes_with(&h[..got], opts, location);
        }
        let (version, len) = parse_header(&h, opts.max_bytes, location)?;
        check_body_length(len, size.saturating_sub(HEADER_LEN as u64), location)?;
        let mut header_crc = Crc32::new();
        header_crc.update(&h);
        let mut crc = header_crc;
        let mut piece = vec![0u8; (64 << 10).min(len as usize).max(TRAILER_LEN)];
        let mut left = len;
        while left > 0 {
            let n = (left as usize).min(piece.len());
            file.read_exact(&mut piece[..n]).map_err(io)?;
            crc.update(&piece[..n]);
            left -= n as u64;
        }
        let mut trailer = [0u8; TRAILER_LEN];
        file.read_exact(&mut trailer).map_err(io)?;
        drop(piece);
        let stored = u32::from_le_bytes(trailer);
        let actual = crc.finish();
        if stored != actual {
            return Err(err(
                location,
                format!(
                    "checksum mismatch (stored {stored:08x}, computed {actual:08x}): the file is corrupt"
                ),
            ));
        }
        file.seek(SeekFrom::Start(HEADER_LEN as u64)).map_err(io)?;
        let mut body = StreamedBody {
            reader: Tally {
                inner: BufReader::new(file.take(len)),
                crc: header_crc,
                read: 0,
            },
            len,
        };
        let model = decode_from(&mut body, version, location)?;
        let tally = &mut body.reader;
        let decoded = tally.read;
        // What the decoder left is read too, so the checksum covers the whole body.
        std::io::copy(&mut *tally, &mut std::io::sink()).map_err(io)?;
        let unchanged = tally.read == len && tally.crc.finish() == stored;
        if unchanged && decoded < len {
            return Err(err(
                location,
                format!(
                    "corrupt model body: {} bytes remain after the model",
                    len - decoded
                ),
            ));
        }
        if !unchanged {
            return Err(err(location, "the file changed while it was read"));
        }
        validated(model, location)
    }

    /// Reads a model in the binary format from `r`, allocating no more than the body
    /// length announced by the header (itself limited by `opts`).
    pub fn read_from<R: Read>(r: R, opts: LoadOptions) -> Result<Model> {
        Self::read_from_at(r, opts, &Location::default())
    }

    fn read_from_at<R: Read>(mut r: R, opts: LoadOptions, location: &Location) -> Result<Model> {
        let mut h = [0u8; HEADER_LEN];
        let got = read_up_to(&mut r, &mut h).map_err(|e| io_err(location, e))?;
        if got < HEADER_LEN {
            return Self::from_bytes_with(&h[..got], opts, location);
        }
        let (_, len) = parse_header(&h, opts.max_bytes, location)?;
        let mut all = h.to_vec();
        // `take` bounds the allocation by what is actually there, whatever the header
        // claims (itself bounded by the limit); the bytes are read once, into one
        // buffer.
        (&mut r)
            .take(len + TRAILER_LEN as u64 + 1)
            .read_to_end(&mut all)
            .map_err(|e| io_err(location, e))?;
        Self::from_bytes_with(&all, opts, location)
    }

    /// Saves in the binary format. The file is written to a temporary file in the same
    /// directory, synced, then renamed over `path` (an [`AtomicFile`](crate::output::AtomicFile)),
    /// so an existing file is never left half-written. `path` is not checked: callers
    /// that take it from a user run [`check_output_path`](crate::output::check_output_path)
    /// first.
    ///
    /// A model the default reader would refuse — a body (or JSON document) over
    /// [`DEFAULT_MAX_BYTES`] — is an error naming its size, and nothing is written:
    /// churnkit never saves a file it cannot load.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let bytes = self.to_bytes()?;
        check_loadable(
            (bytes.len() - HEADER_LEN - TRAILER_LEN) as u64,
            DEFAULT_MAX_BYTES,
            path.as_ref(),
        )?;
        write_atomic(path.as_ref(), &bytes)
    }

    /// Loads a model file, binary or JSON (told apart by the first byte: `{` or
    /// whitespace means JSON), with default limits. The heap it uses at its peak, the
    /// model included, is at most [`LOAD_HEAP_FACTOR`] × the file's size plus a small
    /// fixed amount (see [Memory](crate::model::format#memory)).
    pub fn load(path: impl AsRef<Path>) -> Result<Model> {
        Self::load_with(path, LoadOptions::default())
    }

    /// Loads a model file with the given limits.
    pub fn load_with(path: impl AsRef<Path>, opts: LoadOptions) -> Result<Model> {
        let path = path.as_ref();
        let location = Location::file(path);
        let file = File::open(path).map_err(|e| io_err(&location, e))?;
        let meta = file.metadata().map_err(|e| io_err(&location, e))?;
        // A regular file's size is known: the JSON text is read into a buffer of
        // exactly that size, a binary body is streamed (see `load_file`).
        let size = meta.is_file().then_some(meta.len());
        let mut r = BufReader::new(file);
        let first = {
            use std::io::BufRead;
            let buf = r.fill_buf().map_err(|e| io_err(&location, e))?;
            buf.first().copied()
        };
        match first {
            Some(b'{') | Some(b' ') | Some(b'\n') | Some(b'\r') | Some(b'\t') => {
                Self::read_json_sized(r, size, opts, &location)
            }
            _ => match size {
                Some(size) => Self::load_file(r.into_inner(), size, opts, &location),
                None => Self::read_from_at(r, opts, &location),
            },
        }
    }

    /// The model as a JSON document (pretty-printed).
    pub fn to_json_string(&self) -> Result<String> {
        serde_json::to_string_pretty(&JsonOut {
            format: JSON_FORMAT_NAME,
            format_version: FORMAT_VERSION,
            crate_version: env!("CARGO_PKG_VERSION"),
            model: self,
        })
        .map_err(|e| err(&Location::default(), format!("cannot encode JSON: {e}")))
    }

    /// Saves as JSON, atomically as [`Model::save`].
    pub fn save_json(&self, path: impl AsRef<Path>) -> Result<()> {
        let mut text = self.to_json_string()?;
        text.push('\n');
        check_loadable(text.len() as u64, DEFAULT_MAX_BYTES, path.as_ref())?;
        write_atomic(path.as_ref(), text.as_bytes())
    }

    /// Writes the JSON format to `w`.
    pub fn write_json_to<W: Write>(&self, mut w: W) -> Result<()> {
        let text = self.to_json_string()?;
        w.write_all(text.as_bytes())
            .and_then(|_| w.flush())
            .map_err(|e| io_err(&Location::default(), e))
    }

    /// Loads a model from a JSON document.
    pub fn from_json_str(text: &str) -> Result<Model> {
        Self::read_json_at(
            text.as_bytes(),
            LoadOptions::default(),
            &Location::default(),
        )
    }

    /// Reads a JSON model from `r`, reading at most `opts.max_bytes`.
    pub fn read_json<R: Read>(r: R, opts: LoadOptions) -> Result<Model> {
        Self::read_json_at(r, opts, &Location::default())
    }

    fn read_json_at<R: Read>(r: R, opts: LoadOptions, location: &Location) -> Result<Model> {
        Self::read_json_sized(r, None, opts, location)
    }

    /// Reads a JSON model of `size` bytes if known (the buffer then has exactly that
    /// capacity: no growth past the text), at most `opts.max_bytes`.
    fn read_json_sized<R: Read>(
        r: R,
        size: Option<u64>,
        opts: LoadOptions,
        location: &Location,
    ) -> Result<Model> {
        let capacity = size.map_or(0, |s| s.min(opts.max_bytes.saturating_add(1)));
        let mut text = Vec::with_capacity(capacity as usize);
        r.take(opts.max_bytes.saturating_add(1))
            .read_to_end(&mut text)
            .map_err(|e| io_err(location, e))?;
        if text.len() as u64 > opts.max_bytes {
            return Err(err(
                location,
                format!(
                    "JSON model larger than the limit of {} bytes",
                    opts.max_bytes
                ),
            ));
        }
        let head: JsonHead = serde_json::from_slice(&text)
            .map_err(|e| err(location, format!("not a churnkit JSON model: {e}")))?;
        if head.format != JSON_FORMAT_NAME {
            return Err(err(
                location,
                format!("format is '{}', expected '{JSON_FORMAT_NAME}'", head.format),
            ));
        }
        check_version(head.format_version, location)?;
        let corrupt = |e: serde_json::Error| err(location, format!("corrupt JSON model: {e}"));
        let model: Model = if head.format_version <= 3 {
            let _legacy = crate::data::compat::LegacyLayout::version(head.format_version);
            let JsonIn { model } =
                serde_json::from_slice::<JsonIn<ModelV3>>(&text).map_err(corrupt)?;
            model.into()
        } else {
            serde_json::from_slice::<JsonIn<Model>>(&text)
                .map_err(corrupt)?
                .model
        };
        model
            .validate()
            .map_err(|e| err(location, format!("invalid model: {e}")))?;
        Ok(model)
    }
}

/// Refuses to save `len` bytes of body (or JSON) that a reader with `limit` would not
/// load.
fn check_loadable(len: u64, limit: u64, path: &Path) -> Result<()> {
    if len > limit {
        return Err(err(
            &Location::file(path),
            format!(
                "the model is {len} bytes, over the {limit}-byte limit models are loaded with; not saved (fewer trees, fewer levels or --drop of a text column make it smaller)"
            ),
        ));
    }
    Ok(())
}

fn read_up_to<R: Read>(r: &mut R, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

/// Writes `bytes` to a temporary file beside `path`, syncs it, and renames it over
/// `path`; on failure the temporary file is removed and `path` is untouched. The same
/// as [`output::write_atomic`](crate::output::write_atomic).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    crate::output::write_atomic(path, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_model_over_the_load_limit_is_not_saved() {
        let p = Path::new("m.ckm");
        assert!(check_loadable(100, 100, p).is_ok());
        let e = check_loadable(101, 100, p).unwrap_err().to_string();
        assert!(e.contains("101 bytes") && e.contains("m.ckm"), "{e}");
    }
}
