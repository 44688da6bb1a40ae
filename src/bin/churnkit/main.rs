//! `churnkit`: the command-line face of the churnkit library.
//!
//! A thin layer: every command parses its flags, calls the library, and prints what
//! came back (text for people, `--json` for programs). Exit codes: 0 success, 2 bad
//! usage or bad input (the message names the file, line and column), 1 internal
//! failure (also a failed write to standard output; a closed pipe is not a failure).
//!
//! Outputs (`-o`, `--dot`, `--bif`) are checked before any input is read (never an
//! input, never a directory or device, a symbolic link only with `--force`) and
//! written to a temporary file renamed into place when complete, so a failed or
//! interrupted run leaves an existing output as it was. SIGINT, SIGTERM and SIGHUP
//! remove the temporary file; after SIGKILL, which cannot be caught, at most a
//! `.NAME.tmp-*` file remains beside the output, never a damaged output.

mod args;
mod compare;
mod distributed;
mod evaluate;
mod generate;
mod input;
mod inspect;
mod render;
#[cfg(feature = "report")]
mod report;
mod score;
mod train;

use std::process::ExitCode;

use clap::Parser;

use churnkit::{Error, Result};

use args::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse(); // usage errors exit 2, --help and --version 0
    #[cfg(unix)]
    clean_up_on_signals();
    let outcome = std::panic::catch_unwind(|| run(cli));
    match outcome {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(e)) => {
            eprintln!("churnkit: error: {e}");
            if let Some(hint) = cli_hint(&e) {
                eprintln!("churnkit: hint: {hint}");
            }
            ExitCode::from(exit_code(&e))
        }
        Err(_) => {
            eprintln!("churnkit: internal error (a bug): please report it with the command line");
            ExitCode::from(1)
        }
    }
}

/// On SIGINT, SIGTERM or SIGHUP: removes the temporary files of unfinished outputs,
/// then ends the process as the signal would have.
#[cfg(unix)]
fn clean_up_on_signals() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
        return;
    };
    std::thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            churnkit::output::remove_temp_files();
            let _ = signal_hook::low_level::emulate_default_handler(signal);
            std::process::exit(128 + signal);
        }
    });
}

/// 2 for what the user can fix (input, parameters, model files), 1 for the rest.
fn exit_code(e: &Error) -> u8 {
    match e {
        Error::Io { .. }
        | Error::Csv { .. }
        | Error::Format { .. }
        | Error::Schema { .. }
        | Error::Value { .. }
        | Error::Label { .. }
        | Error::Param { .. }
        | Error::Model { .. }
        | Error::Output { .. } => 2,
        _ => 1,
    }
}

/// The flags that fix what a library error describes in CLI-neutral words.
fn cli_hint(e: &Error) -> Option<String> {
    match e {
        Error::Label { message, .. } => {
            let mut flags = Vec::new();
            if message.contains("positive label") {
                flags.push("--positive LABEL (the label meaning churned)");
            }
            if message.contains("map the labels") || message.contains("negative label") {
                flags.push("--map LABEL=CLASS,... (classes retained, at_risk, churned)");
            }
            if message.contains("skip rows") {
                flags.push("--on-bad-label skip (skip such rows and count them)");
            }
            (!flags.is_empty()).then(|| format!("use {}", flags.join(", or ")))
        }
        Error::Value { message, .. } if message.contains("read such cells as missing") => Some(
            "use --missing TOKENS to list it as missing, or --on-bad-cell missing to read such \
             cells as missing"
                .into(),
        ),
        Error::Schema { message, .. } if message.contains("of the column cannot be used") => Some(
            "fix the file (or retrain), or give --allow-drift to score anyway (such values \
                 are scored as missing)"
                .into(),
        ),
        Error::Schema { message, .. } if message.contains("gives one column") => {
            Some("give the delimiter: --delimiter ';' (or --delimiter tab, --delimiter '|')".into())
        }
        _ => None,
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Generate(a) => generate::generate(a),
        Command::Train(a) => train::train(*a),
        Command::Compare(a) => compare::compare(*a),
        Command::Evaluate(a) => evaluate::evaluate(*a),
        Command::Score(a) => score::score(*a),
        Command::Inspect(a) => inspect::inspect(a),
        #[cfg(feature = "report")]
        Command::Report(a) => report::report(*a),
        Command::Completions(a) => {
            use clap::CommandFactory;
            let mut out = Vec::new();
            clap_complete::generate(a.shell, &mut Cli::command(), "churnkit", &mut out);
            render::emit(&String::from_utf8_lossy(&out))
        }
    }
}
