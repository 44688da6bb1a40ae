//! The CSV reader on bad input (each case a clear error, never a panic) and on the
//! quirks real exports have.

use churnkit::Error;
use churnkit::data::{
    BadCellPolicy, BadLabelPolicy, Binning, Cell, CsvChunks, CsvOptions, Discretizer, FeatureKind,
    ReadReport, Table, read_csv, read_csv_from, read_csv_report,
};

fn read(text: &[u8], opts: &CsvOptions) -> churnkit::Result<(Table, ReadReport)> {
    read_csv_from(text, "inline.csv", opts)
}

fn err(text: &[u8], opts: &CsvOptions) -> Error {
    match read(text, opts) {
        Ok((t, _)) => panic!("expected an error, got a table of {} rows", t.n_rows()),
        Err(e) => e,
    }
}

fn churn() -> CsvOptions {
    CsvOptions::new("churn")
}

fn line_of(e: &Error) -> Option<u64> {
    match e {
        Error::Csv { location, .. }
        | Error::Schema { location, .. }
        | Error::Value { location, .. }
        | Error::Label { location, .. }
        | Error::Io { location, .. } => location.line,
        _ => None,
    }
}

// ------------------------------------------------------------------ bad input

#[test]
fn empty_file() {
    let e = err(b"", &churn());
    assert!(matches!(e, Error::Csv { .. }), "{e:?}");
    assert!(e.to_string().contains("empty"), "{e}");
    assert!(e.to_string().contains("inline.csv"), "{e}");
}

#[test]
fn header_only() {
    for text in [&b"a,b,churn\n"[..], b"a,b,churn", b"a,b,churn\r\n\r\n\n"] {
        let e = err(text, &churn());
        assert!(e.to_string().contains("no data rows"), "{e}");
    }
}

#[test]
fn ragged_row_names_its_line() {
    let e = err(b"a,b,churn\n1,x,Yes\n2,y\n3,z,No\n", &churn());
    assert!(matches!(e, Error::Csv { .. }), "{e:?}");
    assert_eq!(line_of(&e), Some(3), "{e}");
    assert!(e.to_string().contains("2 fields"), "{e}");
    let e = err(b"a,b,churn\n1,x,Yes,extra\n", &churn());
    assert_eq!(line_of(&e), Some(2), "{e}");
}

#[test]
fn duplicate_column_names() {
    let e = err(b"a,b,a,churn\n1,2,3,Yes\n", &churn());
    assert!(matches!(e, Error::Schema { .. }), "{e:?}");
    assert!(e.to_string().contains("duplicate"), "{e}");
    assert!(e.to_string().contains("'a'"), "{e}");
    // Names are trimmed before the comparison.
    let e = err(b"a, a ,churn\n1,2,Yes\n", &churn());
    assert!(e.to_string().contains("duplicate"), "{e}");
}

#[test]
fn unknown_target_column() {
    let e = err(b"a,b,Churn\n1,2,Yes\n", &churn());
    assert!(matches!(e, Error::Schema { .. }), "{e:?}");
    let s = e.to_string();
    assert!(s.contains("'churn'") && s.contains("a, b, Churn"), "{s}");
}

#[test]
fn target_with_one_class_only() {
    let e = err(b"a,churn\n1,No\n2,No\n3,no\n", &churn());
    assert!(matches!(e, Error::Schema { .. }), "{e:?}");
    assert!(e.to_string().contains("one class"), "{e}");
    // Also when the other class only appeared on skipped rows.
    let opts = churn().on_bad_label(BadLabelPolicy::Skip);
    let e = err(b"a,churn\n1,No\n2,Maybe\n3,No\n", &opts);
    assert!(e.to_string().contains("one class"), "{e}");
}

#[test]
fn non_utf8_bytes_name_the_line() {
    // In a categorical cell.
    let e = err(b"a,b,churn\nx,1,Yes\n\xff\xfe,2,No\n", &churn());
    assert!(matches!(e, Error::Csv { .. }), "{e:?}");
    assert_eq!(line_of(&e), Some(3), "{e}");
    assert!(e.to_string().contains("UTF-8"), "{e}");
    // In a column that looked numeric until then.
    let e = err(b"a,b,churn\nx,1,Yes\ny,2\xe9,No\n", &churn());
    assert_eq!(line_of(&e), Some(3), "{e}");
    // In a label, in an id, in the header.
    let e = err(b"a,churn\n1,Yes\n2,N\xf6\n", &churn());
    assert_eq!(line_of(&e), Some(3), "{e}");
    let e = err(b"id,a,churn\n\xc0,1,Yes\n", &churn().id_column("id"));
    assert_eq!(line_of(&e), Some(2), "{e}");
    let e = err(b"\xffa,churn\n1,Yes\n", &churn());
    assert_eq!(line_of(&e), Some(1), "{e}");
}

#[test]
fn stray_text_in_a_numeric_column() {
    let text = b"tenure,churn\n1,Yes\n2,No\nabc,No\n4,Yes\n";
    // Inferred: the column becomes categorical, keeping every cell's text.
    let (t, _) = read(text, &churn()).unwrap();
    assert_eq!(
        t.schema().features[0].kind,
        FeatureKind::Categorical {
            levels: vec!["1".into(), "2".into(), "4".into(), "abc".into()].into()
        }
    );
    assert_eq!(t.cell(2, 0), Cell::Cat("abc"));
    // Declared numeric: an error naming line, column and value.
    let e = err(text, &churn().numeric(["tenure"]));
    assert!(matches!(e, Error::Value { .. }), "{e:?}");
    assert_eq!(line_of(&e), Some(4), "{e}");
    let s = e.to_string();
    assert!(s.contains("'tenure'") && s.contains("'abc'"), "{s}");
    // Declared numeric with BadCellPolicy::Missing: missing, and counted.
    let opts = churn()
        .numeric(["tenure"])
        .on_bad_cell(BadCellPolicy::Missing);
    let (t, report) = read(text, &opts).unwrap();
    assert!(t.schema().features[0].is_numeric());
    assert_eq!(t.cell(2, 0), Cell::Missing);
    assert_eq!(t.cell(3, 0), Cell::Num(4.0));
    assert_eq!(report.bad_cells.len(), 1);
    assert_eq!(report.bad_cells[0].column, "tenure");
    assert_eq!(report.bad_cells[0].count, 1);
    assert_eq!(report.bad_cells[0].lines, vec![4]);
    assert_eq!(report.bad_cells[0].first_value, "abc");
    // Non-finite numbers do not count as numbers for inference.
    let (t, _) = read(b"x,churn\n1,Yes\ninf,No\n", &churn()).unwrap();
    assert!(!t.schema().features[0].is_numeric());
}

#[test]
fn label_neither_positive_nor_negative() {
    let text = b"a,churn\n1,Yes\n2,No\n3,Maybe\n4,No\n5,Perhaps\n6,Yes\n";
    let e = err(text, &churn());
    assert!(matches!(e, Error::Label { .. }), "{e:?}");
    assert_eq!(line_of(&e), Some(4), "{e}");
    assert!(e.to_string().contains("'Maybe'"), "{e}");
    // Skipped and counted on request, with the lines.
    let (t, report) = read(text, &churn().on_bad_label(BadLabelPolicy::Skip)).unwrap();
    assert_eq!(t.n_rows(), 4);
    assert_eq!(t.labels(), [1, 0, 0, 1]);
    assert_eq!(report.rows_read, 6);
    assert_eq!(report.rows, 4);
    assert_eq!(report.skipped_rows, 2);
    assert_eq!(report.skipped_lines, vec![4, 6]);
    // With an explicit positive label the error says which labels were expected.
    let e = err(
        b"a,churn\n1,gone\n2,stay\n3,what\n",
        &churn().positive_label("gone").negative_label("stay"),
    );
    assert!(
        e.to_string().contains("'gone'") && e.to_string().contains("'stay'"),
        "{e}"
    );
    assert_eq!(line_of(&e), Some(4));
}

#[test]
fn missing_label_is_an_error_or_skipped() {
    let text = b"a,churn\n1,Yes\n2,\n3,NA\n4,No\n";
    let e = err(text, &churn());
    assert!(matches!(e, Error::Label { .. }), "{e:?}");
    assert_eq!(line_of(&e), Some(3), "{e}");
    let (t, report) = read(text, &churn().on_bad_label(BadLabelPolicy::Skip)).unwrap();
    assert_eq!(t.n_rows(), 2);
    assert_eq!(report.skipped_lines, vec![3, 4]);
    // Every label bad: an error, not an empty table.
    let e = err(
        b"a,churn\n1,x\n2,\n",
        &churn()
            .positive_label("y")
            .negative_label("n")
            .on_bad_label(BadLabelPolicy::Skip),
    );
    assert!(e.to_string().contains("no rows left"), "{e}");
}

#[test]
fn unrecognised_labels_ask_for_a_positive_label() {
    let e = err(b"a,churn\n1,stay\n2,leave\n", &churn());
    assert!(e.to_string().contains("the positive label"), "{e}");
    // The error names the file, the line the first label is on, and the column
    // (found by tests/fuzz_smoke.rs: it named the column only).
    match &e {
        Error::Label {
            location, value, ..
        } => {
            assert_eq!(
                location.file.as_deref(),
                Some(std::path::Path::new("inline.csv"))
            );
            assert_eq!(location.line, Some(2));
            assert_eq!(location.column.as_deref(), Some("churn"));
            assert!(value.starts_with("stay"), "{value}");
        }
        other => panic!("{other:?}"),
    }
    let e = err(
        b"a,churn\n1,No\n\"2\r\n\",Yes\n3,gone\n4,left\n",
        &churn().positive_label("Yes"),
    );
    assert!(e.to_string().starts_with("file inline.csv, line "), "{e}");
    let (t, _) = read(
        b"a,churn\n1,stay\n2,leave\n",
        &churn().positive_label("leave"),
    )
    .unwrap();
    assert_eq!(t.labels(), [0, 1]);
}

#[test]
fn more_than_65535_levels() {
    let mut text = b"code,churn\n".to_vec();
    for i in 0..65_536 {
        text.extend_from_slice(
            format!("c{i},{}\n", if i % 2 == 0 { "Yes" } else { "No" }).as_bytes(),
        );
    }
    let e = err(&text, &churn());
    assert!(matches!(e, Error::Schema { .. }), "{e:?}");
    assert!(e.to_string().contains("65535"), "{e}");
    assert!(e.to_string().contains("'code'"), "{e}");
    // Exactly 65,535 levels is fine.
    let cut = text.iter().rposition(|&b| b == b'\n').unwrap();
    let cut = text[..cut].iter().rposition(|&b| b == b'\n').unwrap() + 1;
    let (t, _) = read(&text[..cut], &churn()).unwrap();
    assert_eq!(t.schema().features[0].levels().len(), 65_535);
    // As the id column it is not a feature, so no limit.
    let (t, _) = read(&text, &churn().id_column("code")).unwrap();
    assert_eq!(t.n_features(), 0);
    assert_eq!(t.ids().unwrap().len(), 65_536);
}

#[test]
fn columns_named_in_options_must_exist() {
    let text = b"a,b,churn\n1,2,Yes\n3,4,No\n";
    for opts in [
        churn().drop_columns(["c"]),
        churn().id_column("id"),
        churn().weight_column("w"),
        churn().numeric(["z"]),
        churn().categorical(["z"]),
    ] {
        let e = err(text, &opts);
        assert!(matches!(e, Error::Schema { .. }), "{e:?}");
        assert!(e.to_string().contains("no such column"), "{e}");
    }
}

#[test]
fn contradictory_options_are_parameter_errors() {
    let text = b"a,b,churn\n1,2,Yes\n3,4,No\n";
    for opts in [
        churn().numeric(["a"]).categorical(["a"]),
        churn().id_column("churn"),
        churn().weight_column("churn"),
        churn().id_column("a").weight_column("a"),
        churn().drop_columns(["churn"]),
        churn().class_map(&[("x", "lost")]),
        churn().positive_label("Yes").negative_label("yes"),
        churn().classes(["churned", "retained"]),
    ] {
        let e = err(text, &opts);
        assert!(matches!(e, Error::Param { .. }), "{opts:?}: {e:?}");
    }
}

#[test]
fn bad_weights_name_line_and_column() {
    for (cell, line) in [("-1", 3u64), ("abc", 3), ("", 3), ("inf", 3)] {
        let text = format!("a,w,churn\n1,1.5,Yes\n2,{cell},No\n");
        let e = err(text.as_bytes(), &churn().weight_column("w"));
        assert!(matches!(e, Error::Value { .. }), "{e:?}");
        assert_eq!(line_of(&e), Some(line), "{e}");
        assert!(e.to_string().contains("'w'"), "{e}");
    }
    let (t, _) = read(
        b"a,w,churn\n1,1.5,Yes\n2,0,No\n",
        &churn().weight_column("w"),
    )
    .unwrap();
    assert_eq!(t.weights(), Some(&[1.5, 0.0][..]));
    assert_eq!(t.n_features(), 1);
}

#[test]
fn missing_file_is_an_io_error() {
    let e = read_csv("/nonexistent/churn.csv", &churn()).unwrap_err();
    assert!(matches!(e, Error::Io { .. }), "{e:?}");
    assert!(e.to_string().contains("/nonexistent/churn.csv"), "{e}");
}

#[test]
fn target_optional_reads_data_to_score() {
    let text = b"id,tenure,contract\na,1,monthly\nb,30,yearly\n";
    let e = err(text, &churn().id_column("id"));
    assert!(matches!(e, Error::Schema { .. }));
    let (t, _) = read(text, &churn().id_column("id").target_optional(true)).unwrap();
    assert!(!t.is_labeled());
    assert_eq!(t.n_rows(), 2);
    assert_eq!(t.schema().target.classes, ["retained", "churned"]);
    let three = churn()
        .target_optional(true)
        .classes(["retained", "at_risk", "churned"]);
    let (t, _) = read(text, &three).unwrap();
    assert_eq!(t.schema().target.classes.len(), 3);
    // A file that has the target is still read labeled.
    let (t, _) = read(b"a,churn\n1,Yes\n2,No\n", &churn().target_optional(true)).unwrap();
    assert!(t.is_labeled());
}

// ------------------------------------------------------------------ quirks

#[test]
fn bom_semicolons_crlf_quotes_and_line_numbers() {
    // A quoted field with the delimiter, a doubled quote and a line break inside: the
    // ragged row after it must still be reported at its real line (6).
    let text = "\u{feff}name;plan;fee;churn\r\n\
                \"Smith; J\";\"Gold \"\"plus\"\"\";1,5;Yes\r\n\
                \"Two\r\nlines\";Basic;2;No\r\n\
                Lee;Basic;3;No\r\n\
                Oops;Basic\r\n";
    let e = err(text.as_bytes(), &churn());
    assert_eq!(line_of(&e), Some(6), "{e}");
    let good = &text[..text.find("Oops").unwrap()];
    let (t, report) = read(good.as_bytes(), &churn()).unwrap();
    assert_eq!(report.delimiter, b';');
    assert_eq!(t.schema().features[0].name, "name", "BOM stripped");
    assert_eq!(t.cell(0, 0), Cell::Cat("Smith; J"));
    assert_eq!(t.cell(0, 1), Cell::Cat("Gold \"plus\""));
    assert_eq!(t.cell(1, 0), Cell::Cat("Two\r\nlines"));
    // "1,5" (a decimal comma) is not a number here, so `fee` is categorical.
    assert!(!t.schema().features[2].is_numeric());
    assert_eq!(t.labels(), [1, 0, 0]);
}

#[test]
fn tabs_lf_and_a_given_delimiter() {
    let (t, report) = read(b"a\tb\tchurn\n1\tx\tTrue\n2\ty\tFalse\n", &churn()).unwrap();
    assert_eq!(report.delimiter, b'\t');
    assert_eq!(t.n_features(), 2);
    assert_eq!(t.labels(), [1, 0]);
    // Given: the header's commas are then part of the names.
    let (t, _) = read(b"a,x|churn\n1|Yes\n2|No\n", &churn().delimiter(b'|')).unwrap();
    assert_eq!(t.schema().features[0].name, "a,x");
}

#[test]
fn missing_tokens_and_trimming() {
    let text = b"x,c,churn\n 1 , a ,Yes\nNA,N/A,No\n?,null,No\n  ,  ,Yes\nn/a,NULL,No\n2,b,Yes\n";
    let (t, report) = read(text, &churn()).unwrap();
    assert!(t.schema().features[0].is_numeric());
    assert_eq!(t.cell(0, 0), Cell::Num(1.0));
    assert_eq!(t.cell(0, 1), Cell::Cat("a"));
    for r in 1..5 {
        assert_eq!(t.cell(r, 0), Cell::Missing, "row {r}");
        assert_eq!(t.cell(r, 1), Cell::Missing, "row {r}");
    }
    assert_eq!(t.schema().features[1].levels(), ["a", "b"]);
    assert_eq!(report.missing, vec![("x".into(), 4), ("c".into(), 4)]);
    // Custom tokens replace the defaults (empty cells stay missing).
    let (t, _) = read(
        b"x,churn\n-999,Yes\nNA,No\n,No\n",
        &churn().missing_tokens(["-999"]),
    )
    .unwrap();
    assert_eq!(t.cell(0, 0), Cell::Missing);
    assert_eq!(t.cell(1, 0), Cell::Cat("NA"));
    assert_eq!(t.cell(2, 0), Cell::Missing);
}

#[test]
fn levels_are_sorted_in_byte_order_and_codes_follow() {
    let (t, _) = read(b"c,churn\nb,Yes\nB,No\na,No\nb,Yes\n", &churn()).unwrap();
    assert_eq!(t.schema().features[0].levels(), ["B", "a", "b"]);
    let cells: Vec<Cell> = (0..4).map(|r| t.cell(r, 0)).collect();
    assert_eq!(
        cells,
        [
            Cell::Cat("b"),
            Cell::Cat("B"),
            Cell::Cat("a"),
            Cell::Cat("b")
        ]
    );
}

#[test]
fn label_mappings() {
    let (t, _) = read(b"a,churn\n1,1.0\n2,0.0\n3,1\n", &churn()).unwrap();
    assert_eq!(t.labels(), [1, 0, 1]);
    // Canonical three-state names need no class map.
    let (t, _) = read(b"a,churn\n1,churned\n2,at_risk\n3,retained\n", &churn()).unwrap();
    assert_eq!(
        t.schema().target.classes,
        ["retained", "at_risk", "churned"]
    );
    assert_eq!(t.labels(), [2, 1, 0]);
    // A class map, with the classes in churn order and the mapping reported.
    let opts = churn().class_map(&[
        ("closed", "churned"),
        ("active", "retained"),
        ("warned", "at_risk"),
    ]);
    let (t, report) = read(b"a,churn\n1,active\n2,warned\n3,Closed\n", &opts).unwrap();
    assert_eq!(
        t.schema().target.classes,
        ["retained", "at_risk", "churned"]
    );
    assert_eq!(t.labels(), [0, 1, 2]);
    assert_eq!(report.label_map[2], ("Closed".into(), "churned".into()));
}

#[test]
fn reads_a_file_from_disk_with_the_report() {
    let path = std::env::temp_dir().join(format!("churnkit-data-{}.csv", std::process::id()));
    std::fs::write(&path, b"a,churn\n1,Yes\n2,No\n").unwrap();
    let (t, report) = read_csv_report(&path, &churn()).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(t.n_rows(), 2);
    assert_eq!(report.source, path.display().to_string());
}

// ------------------------------------------------------------------ streaming

fn stream_text(rows: usize) -> String {
    let mut s = String::from("id,tenure,plan,churn\n");
    for i in 0..rows {
        let tenure = if i % 7 == 3 {
            "".to_string()
        } else {
            (i % 50).to_string()
        };
        let plan = ["basic", "gold", "plus"][i % 3];
        let churn = if i % 4 == 0 { "Yes" } else { "No" };
        s.push_str(&format!("c{i},{tenure},{plan},{churn}\n"));
    }
    s
}

#[test]
fn chunks_cover_the_file_and_encode_like_the_whole() {
    let text = stream_text(25);
    let opts = churn().id_column("id");
    let (whole, _) = read(text.as_bytes(), &opts).unwrap();
    let d = Discretizer::fit(
        &whole,
        &whole.all_rows(),
        &Binning::EqualFrequency { bins: 4 },
    )
    .unwrap();
    let full = d.encode(&whole).unwrap();
    let chunk_opts = opts.clone().with_schema_kinds(whole.schema());
    let chunks: Vec<_> = CsvChunks::from_reader(
        std::io::Cursor::new(text.into_bytes()),
        "s.csv",
        &chunk_opts,
        10,
    )
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap();
    assert_eq!(
        chunks.iter().map(|c| c.table.n_rows()).collect::<Vec<_>>(),
        [10, 10, 5]
    );
    assert_eq!(
        chunks.iter().map(|c| c.first_line()).collect::<Vec<_>>(),
        [2, 12, 22]
    );
    let mut row = 0;
    for c in &chunks {
        assert!(c.table.schema().features[0].is_numeric());
        assert_eq!(
            c.table.schema().target.classes,
            whole.schema().target.classes
        );
        let enc = d.encode(&c.table).unwrap();
        for r in 0..c.table.n_rows() {
            for j in 0..enc.n_features() {
                assert_eq!(enc.code(r, j), full.code(row, j), "row {row} feature {j}");
            }
            assert_eq!(c.table.labels()[r], whole.labels()[row]);
            assert_eq!(c.table.ids().unwrap()[r], whole.ids().unwrap()[row]);
            assert_eq!(c.lines[r], row as u64 + 2);
            row += 1;
        }
    }
    assert_eq!(row, 25);
}

#[test]
fn chunks_to_score_with_bad_cells_and_bad_labels() {
    let text = "id,tenure,plan\na,1,basic\nb,oops,gold\nc,3,gold\n";
    let schema_src = read(b"tenure,plan,churn\n1,basic,Yes\n2,gold,No\n", &churn())
        .unwrap()
        .0;
    let opts = churn()
        .id_column("id")
        .with_schema_kinds(schema_src.schema())
        .target_optional(true);
    // Declared numeric by the schema: text is an error naming the line...
    let mut it = CsvChunks::from_reader(std::io::Cursor::new(text), "score.csv", &opts, 2).unwrap();
    let e = it.next().unwrap().unwrap_err();
    assert_eq!(line_of(&e), Some(3), "{e}");
    assert!(it.next().is_none(), "the stream ends after an error");
    // ...or missing and counted.
    let opts = opts.on_bad_cell(BadCellPolicy::Missing);
    let chunks: Vec<_> = CsvChunks::from_reader(std::io::Cursor::new(text), "score.csv", &opts, 2)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(chunks.len(), 2);
    assert!(!chunks[0].table.is_labeled());
    assert_eq!(chunks[0].table.cell(1, 0), Cell::Missing);
    assert_eq!(chunks[0].report.bad_cells[0].lines, vec![3]);
    assert_eq!(chunks[1].lines, vec![4]);
    // Skipped labels keep the right lines.
    let labeled = "a,churn\n1,Yes\n2,Maybe\n3,No\n4,Yes\n";
    let opts = churn().on_bad_label(BadLabelPolicy::Skip);
    let chunks: Vec<_> = CsvChunks::from_reader(std::io::Cursor::new(labeled), "l.csv", &opts, 2)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(chunks[0].lines, vec![2]);
    assert_eq!(chunks[0].report.skipped_lines, vec![3]);
    assert_eq!(chunks[1].lines, vec![4, 5]);
    // Header only and zero chunk rows are errors.
    let mut it =
        CsvChunks::from_reader(std::io::Cursor::new("a,churn\n"), "h.csv", &churn(), 2).unwrap();
    assert!(it.next().unwrap().is_err());
    assert!(CsvChunks::from_reader(std::io::Cursor::new(labeled), "l.csv", &churn(), 0).is_err());
}
