//! `churnkit generate`: a synthetic churn table as CSV.

use serde_json::json;

use churnkit::output::{AtomicFile, check_output_path};
use churnkit::synth::{self, SynthParams};
use churnkit::{Error, Result};

use crate::args::GenerateArgs;
use crate::input::io_error;
use crate::render::{emit, emit_json, phase};

pub fn generate(a: GenerateArgs) -> Result<()> {
    let params = SynthParams {
        rows: a.rows,
        seed: a.seed,
        drift: a.drift,
        missing_rate: a.missing_rate,
    };
    params.validate()?;
    let path = a.output.as_path();
    check_output_path(path, &[], a.force)?;
    let ((), seconds) = phase(&format!("writing {} rows", a.rows), || {
        let mut file = AtomicFile::create(path)?;
        synth::write_csv(&params, &mut file).map_err(|e| match e {
            Error::Io { source, .. } => io_error(path, source),
            other => other,
        })?;
        file.commit()
    })?;
    let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    if a.json {
        emit_json(&json!({
            "output": path,
            "rows": a.rows,
            "seed": a.seed,
            "drift": a.drift,
            "missing_rate": a.missing_rate,
            "bytes": bytes,
            "seconds": seconds,
        }))
    } else {
        emit(&format!(
            "wrote {} customers to {} ({:.1} MB, seed {}, drift {}) in {:.2} s\n\
             target column 'status' (retained / at_risk / churned), id column 'customer_id'",
            a.rows,
            path.display(),
            bytes as f64 / 1e6,
            a.seed,
            a.drift,
            seconds
        ))
    }
}
