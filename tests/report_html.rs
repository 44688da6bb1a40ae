//! The HTML report: (a) its structure checked in Rust — one `<section>` per report
//! section, an SVG with drawn elements in every chart section, no URL anywhere; (b)
//! the page rendered by a real browser — when `chromium` (or `chromium-browser`) is
//! on PATH, headless Chromium's `--dump-dom` must show every chart, and one screenshot
//! per section is kept in `target/report-screenshots/` for review. Without Chromium
//! the browser part prints a SKIP line (`.ci/run` installs it).

use std::path::{Path, PathBuf};
use std::process::{Command as Process, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command;

use churnkit::data::{CsvOptions, read_csv};
use churnkit::model::Model;
use churnkit::report::{HtmlReport, SECTIONS};

const SYNTH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/synthetic-churn.csv");

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn churnkit(args: &[&str], code: i32) -> String {
    let out = Command::cargo_bin("churnkit")
        .expect("the churnkit binary is built")
        .args(args)
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        out.status.code(),
        Some(code),
        "churnkit {args:?}\nstdout:\n{stdout}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// Trains `algo` on the bundled synthetic data with the CLI.
fn train(dir: &Path, algo: &str) -> PathBuf {
    let model = dir.join(format!("{algo}.model"));
    churnkit(
        &[
            "train",
            "--data",
            SYNTH,
            "--target",
            "status",
            "--id",
            "customer_id",
            "--algo",
            algo,
            "-o",
            s(&model),
        ],
        0,
    );
    model
}

/// The HTML of one `<section id="ID">…</section>`.
fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let open = format!("<section id=\"{id}\"");
    let start = html
        .find(&open)
        .unwrap_or_else(|| panic!("no section {id}"));
    let end = html[start..]
        .find("</section>")
        .unwrap_or_else(|| panic!("section {id} not closed"));
    &html[start..start + end]
}

/// Sections that must hold SVG charts: all but the summary, and the structure only
/// for a network (a tree is drawn as collapsible HTML).
fn chart_sections(network: bool) -> Vec<&'static str> {
    SECTIONS
        .iter()
        .map(|(id, _)| *id)
        .filter(|id| *id != "summary" && (network || *id != "structure"))
        .collect()
}

/// Every SVG in `part` has drawn elements with non-empty geometry.
fn assert_charts_drawn(part: &str, id: &str) {
    let svgs = part.matches("<svg").count();
    assert!(svgs >= 1, "section {id}: no <svg>");
    assert_eq!(
        svgs,
        part.matches("</svg>").count(),
        "section {id}: unbalanced <svg>"
    );
    for svg in part.split("<svg").skip(1) {
        let svg = &svg[..svg.find("</svg>").expect("closed")];
        let drawn = svg.matches("<polyline points=\"").count()
            + svg.matches("<rect").count()
            + svg.matches("<polygon points=\"").count()
            + svg.matches("<circle").count()
            + svg.matches("<path").count();
        assert!(
            drawn >= 3,
            "section {id}: an SVG with {drawn} drawn elements"
        );
        assert!(
            !svg.contains("points=\"\""),
            "section {id}: an empty polyline"
        );
        assert!(
            svg.contains("<text"),
            "section {id}: a chart without labels"
        );
    }
}

fn assert_well_formed(html: &str, network: bool) {
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.trim_end().ends_with("</html>"));
    for tag in [
        "section", "svg", "details", "table", "figure", "main", "body",
    ] {
        assert_eq!(
            html.matches(&format!("<{tag}")).count() - html.matches(&format!("<{tag}s")).count(),
            html.matches(&format!("</{tag}>")).count(),
            "unbalanced <{tag}>"
        );
    }
    assert_eq!(html.matches("<section id=").count(), SECTIONS.len());
    for (id, title) in SECTIONS {
        let part = section(html, id);
        assert!(part.contains("<h2>"), "{id}: {title} has no heading");
    }
    for id in chart_sections(network) {
        assert_charts_drawn(section(html, id), id);
    }
    // self-contained: no URL, no external resource of any kind
    assert!(!html.contains("http://") && !html.contains("https://"));
    assert!(!html.contains(" src="), "an external resource");
    assert!(!html.contains("<script"), "the report needs no script");
    for href in html.split("href=\"").skip(1) {
        assert!(
            href.starts_with('#'),
            "a link out of the page: {}",
            &href[..20.min(href.len())]
        );
    }
}

fn load(model: &Path) -> (Model, churnkit::data::Table) {
    let model = Model::load(model).unwrap();
    let table = read_csv(
        SYNTH,
        &CsvOptions::new("status")
            .id_column("customer_id")
            .with_schema_kinds(model.schema()),
    )
    .unwrap();
    (model, table)
}

#[test]
fn the_report_is_one_self_contained_page_with_every_chart() {
    let dir = tempfile::tempdir().unwrap();
    for (algo, network) in [("id3-weighted", false), ("tan", true)] {
        let (model, table) = load(&train(dir.path(), algo));
        let rows: Vec<usize> = (0..table.n_rows()).step_by(2).collect();
        let html = HtmlReport::new(&model, &table)
            .title("a <title> & more")
            .rows(&rows)
            .render()
            .unwrap();
        assert_well_formed(&html, network);
        assert!(html.contains("<title>a &lt;title&gt; &amp; more</title>"));
        let structure = section(&html, "structure");
        if network {
            assert!(structure.contains("<circle"), "the network's nodes");
            assert!(structure.contains(">status<"), "the class node's label");
        } else {
            assert!(
                structure.contains("<details open><summary>"),
                "a collapsible tree"
            );
        }
        assert!(section(&html, "summary").contains(&format!("{}", rows.len())));
        assert!(section(&html, "calibration").contains("observed rate"));
        assert!(section(&html, "tiers").contains("observed churn rate"));
    }
}

#[test]
fn the_report_command_writes_the_file_and_checks_its_output_path() {
    let dir = tempfile::tempdir().unwrap();
    let model = train(dir.path(), "id3");
    let out = dir.path().join("report.html");
    let stdout = churnkit(
        &[
            "report",
            "--model",
            s(&model),
            "--data",
            SYNTH,
            "-o",
            s(&out),
        ],
        0,
    );
    assert!(stdout.contains("wrote"), "{stdout}");
    let html = std::fs::read_to_string(&out).unwrap();
    assert_well_formed(&html, false);
    let v: serde_json::Value = serde_json::from_str(&churnkit(
        &[
            "report",
            "--model",
            s(&model),
            "--data",
            SYNTH,
            "-o",
            s(&out),
            "--title",
            "March",
            "--json",
        ],
        0,
    ))
    .unwrap();
    assert_eq!(v["sections"].as_array().map(Vec::len), Some(SECTIONS.len()));
    assert!(
        std::fs::read_to_string(&out)
            .unwrap()
            .contains("<h1>March</h1>")
    );
    // never over the model, checked before anything is read
    churnkit(
        &[
            "report",
            "--model",
            s(&model),
            "--data",
            SYNTH,
            "-o",
            s(&model),
        ],
        2,
    );
    assert!(Model::load(&model).is_ok());
}

fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser"] {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

/// Runs headless Chromium with `args` on `url`; returns its standard output.
fn headless(browser: &Path, profile: &Path, args: &[String], url: &str) -> String {
    let mut child = Process::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            "--disable-dev-shm-usage",
            &format!("--user-data-dir={}", profile.display()),
        ])
        .args(args)
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium starts");
    let mut stdout = child.stdout.take().expect("piped");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut s).ok();
        s
    });
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("waits") {
            assert!(status.success(), "chromium {args:?} {url}: {status}");
            break;
        }
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("chromium {args:?} {url}: no answer in 120 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    reader.join().expect("reader")
}

#[test]
fn a_real_browser_renders_every_chart() {
    let Some(browser) = chromium() else {
        println!(
            "SKIP a_real_browser_renders_every_chart: no chromium or chromium-browser on PATH \
             (.ci/run installs Debian's chromium)"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the target directory")
        .join("report-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    for (algo, network) in [("id3-weighted", false), ("tan", true)] {
        let model = train(dir.path(), algo);
        let page = dir.path().join(format!("{algo}.html"));
        churnkit(
            &[
                "report",
                "--model",
                s(&model),
                "--data",
                SYNTH,
                "-o",
                s(&page),
            ],
            0,
        );
        let url = format!("file://{}", page.display());
        let profile = dir.path().join(format!("profile-{algo}"));
        // the DOM as the browser built it
        let dom = headless(&browser, &profile, &["--dump-dom".into()], &url);
        assert!(dom.contains("</html>"), "no DOM from chromium:\n{dom}");
        for (id, _) in SECTIONS {
            assert!(
                dom.contains(&format!("<section id=\"{id}\"")),
                "{algo}: section {id} missing from the DOM"
            );
        }
        for id in chart_sections(network) {
            assert_charts_drawn(section(&dom, id), id);
        }
        // one screenshot per section (`#only-ID` shows that section alone); the
        // network's structure section is kept as structure-network.png
        for (id, _) in SECTIONS {
            if network && id != "structure" {
                continue;
            }
            let name = if network {
                format!("{id}-network.png")
            } else {
                format!("{id}.png")
            };
            let png = shots.join(&name);
            let _ = std::fs::remove_file(&png);
            headless(
                &browser,
                &profile,
                &[
                    format!("--screenshot={}", png.display()),
                    "--window-size=1200,900".into(),
                ],
                &format!("{url}#only-{id}"),
            );
            let bytes = std::fs::read(&png).unwrap_or_else(|e| panic!("{}: {e}", png.display()));
            assert!(bytes.starts_with(b"\x89PNG"), "{name} is not a PNG");
            assert!(
                bytes.len() > 10_000,
                "{name} looks blank ({} bytes)",
                bytes.len()
            );
        }
    }
    println!("screenshots in {}", shots.display());
}

/// A model trained with `--duration` gets the "Time to churn" section, before the model
/// structure and in the navigation: the C-index `evaluate` reports on the same file,
/// observed and predicted curves for each quarter of predicted risk, and a calibration
/// table per horizon. A model without a time-to-churn part has none (the other tests).
#[test]
fn a_time_to_churn_model_gets_its_survival_section() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("surv.model");
    churnkit(
        &[
            "train",
            "--data",
            SYNTH,
            "--target",
            "status",
            "--id",
            "customer_id",
            "--algo",
            "naive-bayes",
            "--duration",
            "tenure_months",
            "-o",
            s(&model),
        ],
        0,
    );
    let out = dir.path().join("surv.html");
    let v: serde_json::Value = serde_json::from_str(&churnkit(
        &[
            "report",
            "--model",
            s(&model),
            "--data",
            SYNTH,
            "-o",
            s(&out),
            "--json",
        ],
        0,
    ))
    .unwrap();
    let ids: Vec<&str> = v["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect();
    let mut expected: Vec<&str> = SECTIONS.iter().map(|s| s.0).collect();
    expected.insert(expected.len() - 1, "survival");
    assert_eq!(ids, expected);
    let html = std::fs::read_to_string(&out).unwrap();
    assert_eq!(html.matches("<section id=").count(), SECTIONS.len() + 1);
    assert!(html.contains("<a href=\"#survival\">Time to churn</a>"));
    assert!(
        html.find("<section id=\"survival\"").unwrap()
            < html.find("<section id=\"structure\"").unwrap()
    );
    let part = section(&html, "survival");
    assert_charts_drawn(part, "survival");
    for g in ["lowest risk", "second", "third", "highest risk"] {
        for kind in ["observed", "predicted"] {
            assert!(part.contains(&format!("{g} quarter: {kind}")), "{g} {kind}");
        }
    }
    for h in ["3", "6", "12"] {
        assert!(part.contains(&format!("<caption>churned within {h}</caption>")));
    }
    // Ten risk deciles per horizon.
    assert_eq!(part.matches("<tr><td>").count(), 30);
    // The same C-index as `churnkit evaluate` on the same file.
    let e: serde_json::Value = serde_json::from_str(&churnkit(
        &["evaluate", "--model", s(&model), "--data", SYNTH, "--json"],
        0,
    ))
    .unwrap();
    let c = e["survival"]["report"]["concordance"]["c_index"]
        .as_f64()
        .unwrap();
    assert!(c > 0.5, "{c}");
    assert!(
        part.contains(&format!("Harrell's C-index {c:.4}")),
        "{}",
        &part[..400.min(part.len())]
    );
    assert!(part.contains("integrated Brier score"));
}
