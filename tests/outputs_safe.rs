//! Outputs never destroy inputs, never leave a partial file, never replace a symbolic
//! link or a device unasked, and a failed write to standard output is an error.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use assert_cmd::Command;

fn churnkit() -> Command {
    Command::cargo_bin("churnkit").expect("the churnkit binary is built")
}

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("churnkit")
}

/// Runs `args`, expecting exit code `code`; returns (stdout, stderr).
fn run(args: &[&str], code: i32) -> (String, String) {
    let out = churnkit().args(args).output().expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        out.status.code(),
        Some(code),
        "churnkit {args:?}\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    (stdout, stderr)
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn generate(dir: &Path, name: &str, rows: usize) -> PathBuf {
    let p = dir.join(name);
    let n = rows.to_string();
    run(&["generate", "--rows", &n, "--seed", "3", "-o", s(&p)], 0);
    p
}

fn train(dir: &Path, data: &Path) -> PathBuf {
    let m = dir.join("m.model");
    run(
        &[
            "train",
            "--data",
            s(data),
            "--target",
            "status",
            "--id",
            "customer_id",
            "--algo",
            "id3-weighted",
            "-o",
            s(&m),
        ],
        0,
    );
    m
}

/// Names in `dir` that look like temporary output files.
fn temp_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp-"))
        .collect()
}

fn train_args<'a>(data: &'a str, out: &'a str) -> Vec<&'a str> {
    vec![
        "train", "--data", data, "--target", "status", "--algo", "zero-r", "-o", out,
    ]
}

// Finding 1: the output is the input.

#[test]
fn score_output_equal_to_data_leaves_the_input_intact() {
    let dir = tempfile::tempdir().unwrap();
    let data = generate(dir.path(), "d.csv", 600);
    let model = train(dir.path(), &data);
    let before = std::fs::read(&data).unwrap();
    let (_, err) = run(
        &[
            "score",
            "--model",
            s(&model),
            "--data",
            s(&data),
            "-o",
            s(&data),
        ],
        2,
    );
    assert!(err.contains("same file as the input"), "{err}");
    assert!(err.contains("d.csv"), "{err}");
    assert_eq!(std::fs::read(&data).unwrap(), before);
    // The model is an input too.
    let (_, err) = run(
        &[
            "score",
            "--model",
            s(&model),
            "--data",
            s(&data),
            "-o",
            s(&model),
        ],
        2,
    );
    assert!(err.contains("same file as the input"), "{err}");
    assert!(temp_files(dir.path()).is_empty());
}

#[test]
fn train_output_equal_to_data_leaves_the_input_intact() {
    let dir = tempfile::tempdir().unwrap();
    let data = generate(dir.path(), "d.csv", 600);
    let before = std::fs::read(&data).unwrap();
    let (_, err) = run(&train_args(s(&data), s(&data)), 2);
    assert!(err.contains("same file as the input"), "{err}");
    assert_eq!(std::fs::read(&data).unwrap(), before);
    // Also when spelled differently.
    let other = format!("{}/./d.csv", s(dir.path()));
    run(&train_args(s(&data), &other), 2);
    assert_eq!(std::fs::read(&data).unwrap(), before);
}

#[test]
fn a_hard_link_of_the_input_is_refused_as_output() {
    let dir = tempfile::tempdir().unwrap();
    let data = generate(dir.path(), "d.csv", 600);
    let model = train(dir.path(), &data);
    let link = dir.path().join("link.csv");
    std::fs::hard_link(&data, &link).unwrap();
    let before = std::fs::read(&data).unwrap();
    let (_, err) = run(
        &[
            "score",
            "--model",
            s(&model),
            "--data",
            s(&data),
            "-o",
            s(&link),
        ],
        2,
    );
    assert!(err.contains("link.csv"), "{err}");
    run(&train_args(s(&data), s(&link)), 2);
    assert_eq!(std::fs::read(&data).unwrap(), before);
}

// Finding 2: a failing score run keeps the old output; concurrent runs never mix.

#[test]
fn a_failing_score_run_leaves_the_old_output_intact() {
    let dir = tempfile::tempdir().unwrap();
    let data = generate(dir.path(), "d.csv", 600);
    let model = train(dir.path(), &data);
    let out = dir.path().join("scores.csv");
    std::fs::write(&out, "previous results\n").unwrap();

    // A ragged row late in the file (after the first chunks were written).
    let big = generate(dir.path(), "big.csv", 20_000);
    let mut text = std::fs::read_to_string(&big).unwrap();
    text.push_str("x,1,2\n");
    let ragged = dir.path().join("ragged.csv");
    std::fs::write(&ragged, text).unwrap();
    let (_, err) = run(
        &[
            "score",
            "--model",
            s(&model),
            "--data",
            s(&ragged),
            "-o",
            s(&out),
        ],
        2,
    );
    assert!(err.contains("ragged.csv"), "{err}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "previous results\n");

    // A header the model cannot use.
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "a,b\n1,2\n").unwrap();
    run(
        &[
            "score",
            "--model",
            s(&model),
            "--data",
            s(&bad),
            "-o",
            s(&out),
        ],
        2,
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "previous results\n");
    assert!(
        temp_files(dir.path()).is_empty(),
        "{:?}",
        temp_files(dir.path())
    );
}

#[test]
fn concurrent_score_runs_to_one_path_leave_one_whole_output() {
    let dir = tempfile::tempdir().unwrap();
    let data = generate(dir.path(), "d.csv", 30_000);
    let model = train(dir.path(), &generate(dir.path(), "t.csv", 600));
    let out = dir.path().join("scores.csv");
    let spawn = || {
        std::process::Command::new(bin())
            .args([
                "score",
                "--model",
                s(&model),
                "--data",
                s(&data),
                "-o",
                s(&out),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let (mut a, mut b) = (spawn(), spawn());
    assert!(a.wait().unwrap().success());
    assert!(b.wait().unwrap().success());
    let text = std::fs::read_to_string(&out).unwrap();
    let mut rdr = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let width = rdr.headers().unwrap().len();
    let mut rows = 0;
    for rec in rdr.records() {
        assert_eq!(rec.unwrap().len(), width);
        rows += 1;
    }
    assert_eq!(rows, 30_000);
    assert_eq!(text.lines().count(), 30_001);
    assert!(temp_files(dir.path()).is_empty());
}

#[cfg(unix)]
#[test]
fn a_sigtermed_score_run_leaves_the_old_output_and_no_temp_file() {
    let dir = tempfile::tempdir().unwrap();
    let data = generate(dir.path(), "d.csv", 200_000);
    let model = train(dir.path(), &generate(dir.path(), "t.csv", 600));
    let out = dir.path().join("scores.csv");
    std::fs::write(&out, "previous results\n").unwrap();
    let mut child = std::process::Command::new(bin())
        .args([
            "score",
            "--model",
            s(&model),
            "--data",
            s(&data),
            "-o",
            s(&out),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the temporary output exists (the run is under way), then TERM it.
    let start = Instant::now();
    while temp_files(dir.path()).is_empty() && start.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(Duration::from_millis(200));
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    if status.success() {
        // Finished before the signal: then the output is whole.
        let text = std::fs::read_to_string(&out).unwrap();
        assert_eq!(text.lines().count(), 200_001);
    } else {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(status.signal(), Some(15), "{status:?}");
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "previous results\n");
    }
    assert!(
        temp_files(dir.path()).is_empty(),
        "{:?}",
        temp_files(dir.path())
    );
}

// Finding 3: symbolic links, devices, missing directories.

#[cfg(unix)]
#[test]
fn train_refuses_a_symlink_output_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let data = generate(dir.path(), "d.csv", 600);
    let target = dir.path().join("precious.txt");
    std::fs::write(&target, "keep me\n").unwrap();
    let link = dir.path().join("link.model");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let (_, err) = run(&train_args(s(&data), s(&link)), 2);
    assert!(
        err.contains("symbolic link") && err.contains("--force"),
        "{err}"
    );
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me\n");

    // With --force the link itself is replaced; its target is untouched.
    let mut args = train_args(s(&data), s(&link));
    args.push("--force");
    run(&args, 0);
    assert!(std::fs::symlink_metadata(&link).unwrap().is_file());
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me\n");
    assert!(temp_files(dir.path()).is_empty());
}

#[cfg(unix)]
#[test]
fn train_refuses_a_device_like_output_even_with_force() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let data = generate(dir.path(), "d.csv", 600);
    let fifo = dir.path().join("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    for force in [false, true] {
        let mut args = train_args(s(&data), s(&fifo));
        if force {
            args.push("--force");
        }
        let (_, err) = run(&args, 2);
        assert!(err.contains("not a regular file"), "{err}");
        assert!(
            std::fs::symlink_metadata(&fifo)
                .unwrap()
                .file_type()
                .is_fifo()
        );
    }
    // A symbolic link to it too, even with --force (the link would be replaced).
    let link = dir.path().join("link-to-fifo");
    std::os::unix::fs::symlink(&fifo, &link).unwrap();
    let mut args = train_args(s(&data), s(&link));
    args.push("--force");
    let (_, err) = run(&args, 2);
    assert!(err.contains("not a regular file"), "{err}");
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    // A directory is refused too.
    let (_, err) = run(&train_args(s(&data), s(dir.path())), 2);
    assert!(err.contains("output"), "{err}");
    assert!(temp_files(dir.path()).is_empty());
}

#[test]
fn a_missing_output_directory_fails_before_reading_or_fitting() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("no/such/dir/m.model");
    // The data does not even exist: the output is checked first.
    let data = dir.path().join("absent.csv");
    let start = Instant::now();
    let (_, err) = run(&train_args(s(&data), s(&out)), 2);
    assert!(err.contains("no/such/dir"), "{err}");
    assert!(!err.contains("absent.csv"), "{err}");
    assert!(start.elapsed() < Duration::from_secs(5));
    let (_, err) = run(&["generate", "--rows", "10", "-o", s(&out)], 2);
    assert!(err.contains("no/such/dir"), "{err}");
}

// Finding 4: a failed write to standard output is an error.

#[cfg(target_os = "linux")]
#[test]
fn stdout_to_a_full_disk_exits_1_naming_standard_output() {
    let dir = tempfile::tempdir().unwrap();
    let data = generate(dir.path(), "d.csv", 600);
    let model = train(dir.path(), &data);
    let scores = dir.path().join("scores.csv");
    let runs: Vec<Vec<&str>> = vec![
        vec![
            "train",
            "--data",
            s(&data),
            "--target",
            "status",
            "--algo",
            "zero-r",
        ],
        vec![
            "score",
            "--model",
            s(&model),
            "--data",
            s(&data),
            "-o",
            s(&scores),
            "--json",
        ],
        vec!["inspect", "--model", s(&model), "--rules"],
    ];
    for args in runs {
        let out = std::process::Command::new(bin())
            .args(&args)
            .stdout(File::create("/dev/full").unwrap())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains("writing to standard output"), "{err}");
    }
}

#[cfg(unix)]
#[test]
fn a_closed_pipe_on_stdout_is_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let data = generate(dir.path(), "d.csv", 600);
    let model = train(dir.path(), &data);
    let mut child = std::process::Command::new(bin())
        .args(["inspect", "--model", s(&model), "--rules"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader is gone before anything is written
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
