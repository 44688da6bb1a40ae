//! `churnkit report`: the self-contained HTML report of a saved model on labeled data.

use serde_json::json;

use churnkit::Result;
use churnkit::output::check_output_path;
use churnkit::report::HtmlReport;

use crate::args::ReportArgs;
use crate::evaluate::read_for_model;
use crate::input::load_model;
use crate::render::{emit, emit_json, phase};

pub fn report(a: ReportArgs) -> Result<()> {
    // Before reading anything: never the input or the model, never a device.
    check_output_path(&a.output, &[&a.data, &a.model], a.force)?;
    let model = load_model(&a.model)?;
    let (table, _, _) = read_for_model(
        &model,
        &a.data,
        a.target.as_deref(),
        &a.labels,
        &a.data_args,
    )?;
    let title = a.title.clone().unwrap_or_else(|| {
        format!(
            "churnkit report: {} on {}",
            a.model.display(),
            a.data.display()
        )
    });
    let source = format!(
        "model {} ({}), data {} ({} rows)",
        a.model.display(),
        model.summary().learner,
        a.data.display(),
        table.n_rows()
    );
    let html = HtmlReport::new(&model, &table).title(title).source(source);
    let sections = html.sections();
    let ((), seconds) = phase("drawing the report", || html.write_to(&a.output))?;
    if a.json {
        return emit_json(&json!({
            "command": "report",
            "model": a.model,
            "data": a.data,
            "rows": table.n_rows(),
            "output": a.output,
            "sections": sections.iter().map(|s| s.0).collect::<Vec<_>>(),
            "seconds": seconds,
        }));
    }
    emit(&format!(
        "wrote {} ({} rows, {} sections) in {:.2} s\n",
        a.output.display(),
        table.n_rows(),
        sections.len(),
        seconds
    ))
}
