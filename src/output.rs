//! Safe output files: replace a file whole or not at all, and refuse output paths
//! that would destroy an input or something that is not a regular file.
//!
//! [`AtomicFile`] writes to a temporary file beside the destination
//! (`.NAME.tmp-PID-N`, created exclusively), and [`AtomicFile::commit`] flushes it,
//! syncs it to disk and renames it over the destination. Until the commit the old
//! file (if any) is untouched; a writer dropped without a commit (an error, a panic)
//! removes its temporary file. Two writers to one path each have their own temporary
//! file, so the last rename wins and the result is always one writer's whole output.
//!
//! Live temporary files are kept in a process-wide registry, so a signal handler can
//! remove them with [`remove_temp_files`] before the process ends (the `churnkit`
//! binary does this on SIGINT, SIGTERM and SIGHUP). A process killed with SIGKILL
//! cannot clean up: it leaves at most a `.NAME.tmp-*` file beside the output, never
//! a damaged output.
//!
//! [`check_output_path`] is the check to run *before* reading inputs or doing any
//! long work: the output must not be one of the inputs (same path, symbolic link to
//! it, or hard link to it), must not be a directory, device, FIFO or socket, may be a
//! symbolic link only when forced (the link is then replaced, not its target), and
//! its directory must exist and be writable.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use crate::error::{Error, Location, Result};

/// The live temporary files, and whether the process is ending (after which no new
/// temporary file may be created).
struct Registry {
    ending: bool,
    live: Vec<PathBuf>,
}

static REGISTRY: Mutex<Registry> = Mutex::new(Registry {
    ending: false,
    live: Vec::new(),
});

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn registry() -> MutexGuard<'static, Registry> {
    REGISTRY.lock().unwrap_or_else(|e| e.into_inner())
}

fn output_error(path: &Path, message: impl Into<String>) -> Error {
    Error::Output {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

fn io_error(path: &Path, source: std::io::Error) -> Error {
    Error::Io {
        location: Location::file(path),
        source,
    }
}

/// The directory a path's file lives in (`.` for a bare file name).
fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Removes the temporary files of every live [`AtomicFile`] and makes every later
/// [`AtomicFile::create`] and [`AtomicFile::commit`] fail: for a process about to end
/// on a signal. Not async-signal-safe (it takes a lock and calls the file system):
/// call it from an ordinary thread, such as the one `signal-hook`'s iterator runs.
pub fn remove_temp_files() {
    let mut reg = registry();
    reg.ending = true;
    for p in reg.live.drain(..) {
        let _ = std::fs::remove_file(p);
    }
}

/// A file written whole or not at all: see the [module docs](self).
///
/// ```
/// use std::io::Write;
/// use churnkit::output::AtomicFile;
///
/// # fn main() -> churnkit::Result<()> {
/// let path = std::env::temp_dir().join("churnkit-atomic-doc.txt");
/// let mut f = AtomicFile::create(&path)?;
/// writeln!(f, "hello").unwrap();
/// f.commit()?; // only now does `path` change
/// assert_eq!(std::fs::read_to_string(&path).unwrap(), "hello\n");
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct AtomicFile {
    path: PathBuf,
    temp: PathBuf,
    writer: Option<BufWriter<File>>,
}

impl AtomicFile {
    /// Creates a temporary file beside `path` (in the same directory, so the final
    /// rename stays on one file system). When `path` is an existing regular file its
    /// permissions are copied to the new file. Nothing happens to `path` itself until
    /// [`commit`](Self::commit).
    pub fn create(path: impl AsRef<Path>) -> Result<AtomicFile> {
        let path = path.as_ref();
        let name = path
            .file_name()
            .ok_or_else(|| output_error(path, "the path names no file"))?
            .to_string_lossy()
            .into_owned();
        let dir = parent_dir(path);
        let pid = std::process::id();
        let mut attempts = 0;
        let (temp, file) = loop {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let temp = dir.join(format!(".{name}.tmp-{pid}-{n}"));
            let mut reg = registry();
            if reg.ending {
                return Err(output_error(path, "the program is ending (interrupted)"));
            }
            match OpenOptions::new().write(true).create_new(true).open(&temp) {
                Ok(f) => {
                    reg.live.push(temp.clone());
                    break (temp, f);
                }
                // A stale file of an earlier process with the same id: try another name.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempts < 100 => {
                    attempts += 1;
                }
                Err(e) => return Err(io_error(path, e)),
            }
        };
        let out = AtomicFile {
            path: path.to_path_buf(),
            temp,
            writer: Some(BufWriter::with_capacity(1 << 20, file)),
        };
        if let Ok(meta) = std::fs::symlink_metadata(path)
            && meta.is_file()
        {
            let _ = std::fs::set_permissions(&out.temp, meta.permissions());
        }
        Ok(out)
    }

    /// The destination.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The temporary file being written.
    pub fn temp_path(&self) -> &Path {
        &self.temp
    }

    /// Flushes, syncs the data to disk, and renames the temporary file over the
    /// destination (then syncs the directory where the platform allows). On error the
    /// temporary file is removed and the destination is untouched.
    pub fn commit(mut self) -> Result<()> {
        let writer = self
            .writer
            .take()
            .expect("a live AtomicFile has its writer");
        let file = writer
            .into_inner()
            .map_err(|e| io_error(&self.path, e.into_error()))?;
        file.sync_all().map_err(|e| io_error(&self.path, e))?;
        drop(file);
        {
            let mut reg = registry();
            let Some(i) = reg.live.iter().position(|p| *p == self.temp) else {
                return Err(output_error(
                    &self.path,
                    "the program is ending (interrupted)",
                ));
            };
            std::fs::rename(&self.temp, &self.path).map_err(|e| io_error(&self.path, e))?;
            reg.live.swap_remove(i);
        }
        #[cfg(unix)]
        if let Ok(d) = File::open(parent_dir(&self.path)) {
            let _ = d.sync_all();
        }
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.writer
            .as_mut()
            .expect("a live AtomicFile has its writer")
            .write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.writer
            .as_mut()
            .expect("a live AtomicFile has its writer")
            .write_all(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.writer
            .as_mut()
            .expect("a live AtomicFile has its writer")
            .flush()
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        let mut reg = registry();
        if let Some(i) = reg.live.iter().position(|p| *p == self.temp) {
            reg.live.swap_remove(i);
            // Close the file (without flushing into it) before removing it.
            if let Some(w) = self.writer.take() {
                let (file, _) = w.into_parts();
                drop(file);
            }
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

/// Writes `bytes` to `path` through an [`AtomicFile`]: the file is replaced whole or,
/// on error, left untouched.
pub fn write_atomic(path: impl AsRef<Path>, bytes: &[u8]) -> Result<()> {
    let path = path.as_ref();
    let mut f = AtomicFile::create(path)?;
    f.write_all(bytes).map_err(|e| io_error(path, e))?;
    f.commit()
}

/// Whether two paths name the same file: the same canonical path, or (on Unix) the
/// same device and inode, i.e. hard links of one file.
fn same_file(a: &Path, b: &Path) -> bool {
    if let (Ok(ca), Ok(cb)) = (std::fs::canonicalize(a), std::fs::canonicalize(b))
        && ca == cb
    {
        return true;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(ma), Ok(mb)) = (std::fs::metadata(a), std::fs::metadata(b)) {
            return ma.dev() == mb.dev() && ma.ino() == mb.ino();
        }
    }
    false
}

/// Checks an output path before any work is done, so a run cannot destroy its own
/// input or something that is not a regular file, nor fail only at the end.
///
/// Refused, with an [`Error::Output`] naming the path:
///
/// - an output that is one of `inputs`: the same path, a symbolic link to it, or a
///   hard link of it (same device and inode);
/// - a directory, device, FIFO or socket (also with `force`: the output is written
///   to a new file renamed into place, which would replace the node itself);
/// - a symbolic link, unless `force`: the link itself is then replaced by a regular
///   file and its target is left untouched (a link to a directory, device, FIFO or
///   socket is refused also with `force`);
/// - a path whose directory does not exist or is not writable (tried by creating and
///   removing a temporary file there).
///
/// Inputs that do not exist are skipped (reading them reports that).
pub fn check_output_path(output: &Path, inputs: &[&Path], force: bool) -> Result<()> {
    if output.file_name().is_none() {
        return Err(output_error(output, "the path names no file"));
    }
    for input in inputs {
        if same_file(output, input) {
            return Err(output_error(
                output,
                format!(
                    "is the same file as the input {}; writing it would destroy the input \
                     (choose another output file)",
                    input.display()
                ),
            ));
        }
    }
    if let Ok(meta) = std::fs::symlink_metadata(output) {
        let kind = meta.file_type();
        if kind.is_symlink() {
            // A link to a device or directory (`/dev/stdout`, ...): replacing the link
            // is never what was meant, so not even with force.
            if let Ok(target) = std::fs::metadata(output)
                && !target.is_file()
            {
                return Err(output_error(
                    output,
                    "is a symbolic link to something that is not a regular file (a \
                     directory, device, FIFO or socket); churnkit writes outputs to a new \
                     file renamed into place, which would replace the link — choose a \
                     regular file",
                ));
            }
            if !force {
                return Err(output_error(
                    output,
                    "is a symbolic link; the output would replace the link with a regular \
                     file (its target is left untouched) — give --force to do that, or \
                     choose another output file",
                ));
            }
        } else if kind.is_dir() {
            return Err(output_error(output, "is a directory"));
        } else if !kind.is_file() {
            return Err(output_error(
                output,
                "is not a regular file (a device, FIFO or socket); churnkit writes outputs \
                 to a new file renamed into place, which would replace it — choose a \
                 regular file",
            ));
        }
    }
    let dir = parent_dir(output);
    match std::fs::metadata(&dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => {
            return Err(output_error(
                output,
                format!("{} is not a directory", dir.display()),
            ));
        }
        Err(e) => {
            return Err(output_error(
                output,
                format!("directory {}: {e}", dir.display()),
            ));
        }
    }
    // Writable? Create (and drop, which removes) a temporary file there.
    AtomicFile::create(output).map_err(|e| match e {
        Error::Io { source, .. } => output_error(
            output,
            format!("cannot write in directory {}: {source}", dir.display()),
        ),
        other => other,
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_files(dir: &Path) -> Vec<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains(".tmp-"))
            .collect()
    }

    #[test]
    fn commit_replaces_whole_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.csv");
        std::fs::write(&p, "old\n").unwrap();
        let mut f = AtomicFile::create(&p).unwrap();
        assert!(f.temp_path().exists());
        assert_eq!(f.path(), p);
        f.write_all(b"new\n").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "old\n");
        f.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "new\n");
        assert!(temp_files(dir.path()).is_empty());
    }

    #[test]
    fn drop_without_commit_keeps_old_file_and_removes_temp() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.csv");
        std::fs::write(&p, "old\n").unwrap();
        {
            let mut f = AtomicFile::create(&p).unwrap();
            f.write_all(&vec![b'x'; 3 << 20]).unwrap();
        }
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "old\n");
        assert!(temp_files(dir.path()).is_empty());
    }

    #[test]
    fn two_writers_have_their_own_temp_files_and_the_last_commit_wins() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.csv");
        let mut a = AtomicFile::create(&p).unwrap();
        let mut b = AtomicFile::create(&p).unwrap();
        assert_ne!(a.temp_path(), b.temp_path());
        a.write_all(b"a\n").unwrap();
        b.write_all(b"b\n").unwrap();
        b.commit().unwrap();
        a.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "a\n");
        assert!(temp_files(dir.path()).is_empty());
    }

    #[test]
    fn write_atomic_into_a_missing_directory_fails_naming_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("no/such/out.csv");
        let e = write_atomic(&p, b"x").unwrap_err();
        assert!(e.to_string().contains("out.csv"), "{e}");
    }

    #[test]
    fn check_refuses_an_input_a_hard_link_and_a_missing_directory() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.csv");
        std::fs::write(&input, "a\n").unwrap();
        let e = check_output_path(&input, &[&input], true).unwrap_err();
        assert!(matches!(e, Error::Output { .. }), "{e}");
        assert!(e.to_string().contains("same file as the input"), "{e}");
        let link = dir.path().join("hard.csv");
        std::fs::hard_link(&input, &link).unwrap();
        assert!(check_output_path(&link, &[&input], true).is_err());
        let missing = dir.path().join("nope/out.csv");
        let e = check_output_path(&missing, &[&input], false).unwrap_err();
        assert!(e.to_string().contains("nope"), "{e}");
        assert!(check_output_path(dir.path(), &[], true).is_err());
        let fine = dir.path().join("out.csv");
        check_output_path(&fine, &[&input, Path::new("absent.csv")], false).unwrap();
        assert!(!fine.exists());
        assert!(temp_files(dir.path()).is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn check_refuses_a_symlink_unless_forced() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target.txt");
        std::fs::write(&target, "keep\n").unwrap();
        let link = dir.path().join("link.model");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(check_output_path(&link, &[], false).is_err());
        check_output_path(&link, &[], true).unwrap();
        // A link to an input is refused even when forced.
        assert!(check_output_path(&link, &[&target], true).is_err());
        // A link to a directory or a device, too.
        let to_dir = dir.path().join("to-dir");
        std::os::unix::fs::symlink(dir.path(), &to_dir).unwrap();
        assert!(check_output_path(&to_dir, &[], true).is_err());
        // A dangling link may be replaced when forced.
        let dangling = dir.path().join("dangling");
        std::os::unix::fs::symlink(dir.path().join("absent"), &dangling).unwrap();
        assert!(check_output_path(&dangling, &[], false).is_err());
        check_output_path(&dangling, &[], true).unwrap();
    }
}
