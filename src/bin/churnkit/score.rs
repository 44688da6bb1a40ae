//! `churnkit score`: stream a CSV (or Parquet, Arrow file) of customers through a
//! saved model.

use std::io::IsTerminal;
use std::time::Instant;

use serde_json::json;

use churnkit::Location;
use churnkit::data::{
    DataFormat, MissingTokens, binary_input_error, delimiter_name, detect_delimiter_hinted,
};
use churnkit::model::Model;
use churnkit::output::check_output_path;
use churnkit::policy::{Playbook, StageSpec, TierSpec};
use churnkit::score::{BatchOptions, OutputFormat, Scorer, score_file};
use churnkit::{Error, Result};

use crate::args::ScoreArgs;
use crate::input::{load_model, parse_delimiter};
use crate::render::{BatchBar, emit, emit_json, thousands};

pub fn score(a: ScoreArgs) -> Result<()> {
    // Before reading anything: never the input or the model, never a device.
    check_output_path(&a.output, &[&a.data, &a.model], a.force)?;
    let model = load_model(&a.model)?;
    let mut scorer = Scorer::new(&model); // reads cells with the model's missing tokens
    if let Some(tokens) = &a.missing {
        scorer = scorer.missing_tokens(MissingTokens::new(tokens));
    }
    if let Some(text) = &a.tiers {
        match TierSpec::parse(text)? {
            TierSpec::Auto => {}
            TierSpec::Given(policy) => scorer = scorer.tier_policy(policy)?,
            _ => {
                return Err(Error::param(
                    "--tiers",
                    text,
                    "top: and chosen thresholds need out-of-sample predictions: give them to `train`",
                ));
            }
        }
    }
    if let Some(path) = &a.warning.playbook {
        let p = Playbook::load(path)?;
        let features: Vec<&str> = model
            .schema()
            .features
            .iter()
            .map(|f| f.name.as_str())
            .collect();
        for c in p.unknown_columns(&features) {
            eprintln!(
                "warning: playbook {}: column '{c}' is not a feature of the model",
                path.display()
            );
        }
        scorer = scorer.playbook(p);
    }
    let w = &a.warning;
    if w.tenure.is_some() || w.stage_cuts.is_some() || w.stage_success.is_some() {
        let mut st = match (&w.tenure, &model.warning().stages) {
            (Some(c), _) => StageSpec::new(c.clone()),
            (None, Some(st)) => st.clone(),
            (None, None) => {
                return Err(Error::param(
                    "--stage-cuts/--stage-success",
                    "",
                    "the model has no tenure column: give --tenure COL",
                ));
            }
        };
        let numeric = model
            .schema()
            .feature_index(&st.column)
            .is_some_and(|j| model.schema().features[j].is_numeric())
            || model.survival().is_some_and(|s| s.duration == st.column);
        if !numeric {
            return Err(Error::param(
                "--tenure",
                &st.column,
                "must be a numeric feature of the model",
            ));
        }
        if let Some(cuts) = &w.stage_cuts {
            st.cuts = StageSpec::parse_cuts(cuts)?;
        }
        if let Some(l) = &w.stage_success {
            st.success = StageSpec::parse_success(l)?;
        }
        scorer = scorer.stages(Some(st))?;
    }
    if let Some(econ) = a.econ.economics() {
        scorer = scorer.economics(econ)?;
    }
    if let Some(h) = &a.within {
        if model.survival().is_none() {
            return Err(Error::param(
                "--within",
                format!("{h:?}"),
                "the model has no time-to-churn model (train it with --duration COL)",
            ));
        }
        scorer = scorer.within(h)?;
    }
    let input_format = a
        .format
        .map(DataFormat::from)
        .unwrap_or_else(|| DataFormat::from_path(&a.data));
    input_format.check_available(&Location::file(&a.data))?;
    let mut opts = BatchOptions {
        delimiter: match input_format {
            DataFormat::Csv => input_delimiter(&a.data, a.delimiter.as_deref(), &model)?,
            _ => b',',
        },
        input_format: Some(input_format),
        id_column: a.id.clone(),
        skip_bad_rows: a.skip_bad_rows,
        precision: Some(a.precision),
        format: match OutputFormat::from_path(&a.output) {
            _ if a.json_lines => OutputFormat::JsonLines,
            // Only --json-lines chooses JSON Lines (a .jsonl name stays CSV, as before).
            OutputFormat::JsonLines => OutputFormat::Csv,
            f => f,
        },
        // More than half a column unusable fails before the output is replaced.
        max_unusable_percent: (!a.allow_drift).then_some(50),
        ..BatchOptions::default()
    };
    let _ = a.progress; // the bar is drawn whenever stderr is a terminal
    let bar = std::io::stderr().is_terminal().then(BatchBar::default);
    if let Some(bar) = &bar {
        let bar = bar.clone();
        opts = opts.on_progress(move |p| bar.update(p));
    }
    let start = Instant::now();
    let report = score_file(&scorer, &a.data, &a.output, &opts);
    if let Some(bar) = &bar {
        bar.clear();
    }
    let report = report?;
    if !report.ignored_columns.is_empty() {
        eprintln!(
            "churnkit: ignoring columns the model does not use: {}",
            report.ignored_columns.join(", ")
        );
    }
    let seconds = start.elapsed().as_secs_f64();
    if a.json {
        let mut v = serde_json::to_value(&report).map_err(|e| Error::Fit(e.to_string()))?;
        v["command"] = "score".into();
        v["output"] = json!(a.output);
        v["seconds"] = json!(seconds);
        return emit_json(&v);
    }
    let mut s = format!(
        "scored {} of {} customers with {} ({}) into {} in {:.2} s ({} rows/s)\n",
        report.rows_out,
        report.rows_in,
        a.model.display(),
        model.summary().learner,
        a.output.display(),
        seconds,
        thousands((report.rows_in as f64 / seconds.max(1e-9)).round() as u64)
    );
    if report.rows_skipped > 0 {
        s.push_str(&format!("skipped {} rows:\n", report.rows_skipped));
        for e in report.errors.iter().take(5) {
            s.push_str(&format!("  {e}\n"));
        }
    }
    for w in &report.column_warnings {
        s.push_str(&format!("warning: {w}\n"));
    }
    for c in &report.columns {
        s.push_str(&format!("warning: {c}\n"));
    }
    if report.rows_with_warnings > 0 {
        s.push_str(&format!(
            "{} rows carry warnings (see the `warning` column)\n",
            report.rows_with_warnings
        ));
    }
    emit(&s)?;
    Ok(())
}

/// The input's delimiter: `--delimiter`, else the training file's (stored in the
/// model) when the header line holds it, else detected as the training reader does. Refuses a compressed or binary file, and a header that splits
/// into one column lacking the model's features (most likely the wrong delimiter).
fn input_delimiter(path: &std::path::Path, given: Option<&str>, model: &Model) -> Result<u8> {
    use std::io::Read;
    let location = Location::file(path);
    let mut head = Vec::with_capacity(64 * 1024);
    std::fs::File::open(path)
        .and_then(|f| f.take(64 * 1024).read_to_end(&mut head))
        .map_err(|e| crate::input::io_error(path, e))?;
    if let Some(e) = binary_input_error(&location, &head) {
        return Err(e);
    }
    let first = head
        .split(|&b| b == b'\n' || b == b'\r')
        .next()
        .unwrap_or_default();
    // The training file's delimiter when the header holds it, else detected.
    let hint = model.read_spec().and_then(|s| s.delimiter);
    let delimiter = match given {
        Some(d) => {
            let d = parse_delimiter(d)?;
            if let Some(h) = hint.filter(|&h| h != d) {
                eprintln!(
                    "note: --delimiter {} overrides the model's delimiter {} (from training)",
                    delimiter_name(d),
                    delimiter_name(h)
                );
            }
            d
        }
        None => detect_delimiter_hinted(first, hint),
    };
    let header = String::from_utf8_lossy(first);
    let header = header.trim_start_matches('\u{feff}');
    let features = &model.schema().features;
    if !header.as_bytes().contains(&delimiter)
        && features.len() > 1
        && let Some(f) = features.iter().find(|f| f.name != header.trim())
    {
        return Err(Error::Schema {
            location: location.at_line(1).at_column(&f.name),
            message: format!(
                "the model needs this column; the header split on {} gives one column, '{}'",
                delimiter_name(delimiter),
                header.trim()
            ),
        });
    }
    Ok(delimiter)
}
