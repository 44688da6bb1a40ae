//! Loading a model stays within twice the file's size of heap (issue 15, finding 9).
//!
//! A counting global allocator tracks the bytes in use and their peak. Each case saves
//! a model (binary and JSON), then measures the peak heap growth while
//! [`Model::load`] reads it back — the transient copies of decoding plus everything
//! the loaded model keeps — and asserts it is at most
//! [`LOAD_HEAP_FACTOR`](churnkit::model::format::LOAD_HEAP_FACTOR) × the file size +
//! [`SLACK`]. The cases: one giant categorical level, thousands of levels, a forest
//! of 150 trees on Telco, and TAN networks (on Telco and over a giant level).
//!
//! The measurements share one allocator, so every test holds [`LOCK`] for its whole
//! body: no other test allocates while one measures.

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::Path;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use churnkit::data::{Column, CsvOptions, Schema, Table, read_csv};
use churnkit::model::Model;
use churnkit::model::format::LOAD_HEAP_FACTOR;
use churnkit::registry::{self, AlgoOptions, Algorithm, ModelBody};
use churnkit::train::ModelBuilder;
use churnkit::tree::{Forest, ForestTune};

/// Counts the bytes allocated through it (current and peak); allocates with
/// [`System`].
struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(n: usize) {
    let now = CURRENT.fetch_add(n, Ordering::SeqCst) + n;
    PEAK.fetch_max(now, Ordering::SeqCst);
}

// SAFETY: every call is forwarded to `System` with the same arguments; the counters
// only observe sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::SeqCst);
    }

    /// A growing `realloc` counts its growth only (the allocator may move the block,
    /// large blocks are remapped, not copied).
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                grew(new_size - layout.size());
            } else {
                CURRENT.fetch_sub(layout.size() - new_size, Ordering::SeqCst);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

static LOCK: Mutex<()> = Mutex::new(());

/// A fixed allowance on top of the factor: the allocations of opening a file and of
/// the envelope's small parts (summary, policies, the parameters' JSON), which do not
/// grow with the model. 256 KiB.
const SLACK: usize = 256 << 10;

/// The peak heap growth while `f` runs (what `f` returns is still alive at the end,
/// so it is included), and the growth kept at the end (what `f` returned).
fn peak_growth<T>(f: impl FnOnce() -> T) -> (T, usize, usize) {
    let before = CURRENT.load(Ordering::SeqCst);
    PEAK.store(before, Ordering::SeqCst);
    let out = f();
    let peak = PEAK.load(Ordering::SeqCst);
    let kept = CURRENT.load(Ordering::SeqCst);
    (
        out,
        peak.saturating_sub(before),
        kept.saturating_sub(before),
    )
}

/// Saves `m` in both formats under `dir`, loads each back while measuring, checks the
/// bound and that the loaded model is the same; returns (format, file bytes, peak
/// growth) per format.
fn check_load(name: &str, m: &Model) -> Vec<(&'static str, u64, usize)> {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join(format!("{name}.ckm"));
    let json = dir.path().join(format!("{name}.json"));
    m.save(&bin).unwrap();
    m.save_json(&json).unwrap();
    let mut out = Vec::new();
    for (format, path) in [("binary", &bin), ("json", &json)] {
        let size = std::fs::metadata(path).unwrap().len();
        let (loaded, peak, kept) = peak_growth(|| Model::load(path).unwrap());
        let ratio = peak as f64 / size as f64;
        eprintln!(
            "{name} {format}: file {size} bytes, peak heap growth {peak} bytes ({ratio:.2}x), the model keeps {kept} bytes ({:.2}x)",
            kept as f64 / size as f64
        );
        assert_eq!(loaded.schema(), m.schema(), "{name} {format}");
        assert_eq!(
            loaded.to_bytes().unwrap(),
            m.to_bytes().unwrap(),
            "{name} {format}"
        );
        drop(loaded);
        let bound = LOAD_HEAP_FACTOR as usize * size as usize + SLACK;
        assert!(
            peak <= bound,
            "{name} {format}: loading a {size}-byte file grew the heap by {peak} bytes ({ratio:.2}x), over {LOAD_HEAP_FACTOR}x + {SLACK}"
        );
        out.push((format, size, peak));
    }
    out
}

fn model(algo: Algorithm, opts: &AlgoOptions, t: &Table) -> Model {
    let rows = t.all_rows();
    let fitted = registry::fit(algo, opts, t, &rows).unwrap();
    ModelBuilder::new(fitted.body, t, &rows).build().unwrap()
}

/// A table with a categorical `big` column of the given levels (row `i` has level
/// `i % levels.len()`), a numeric `x` and a label depending on both.
fn table_with_levels(levels: Vec<String>, rows: usize) -> Table {
    let n_levels = levels.len();
    let schema = Arc::new(
        Schema::builder("churn")
            .categorical("big", levels)
            .numeric("x")
            .build()
            .unwrap(),
    );
    let big: Vec<u32> = (0..rows).map(|i| (i % n_levels) as u32).collect();
    let x: Vec<f64> = (0..rows).map(|i| ((i * 7919) % 101) as f64).collect();
    let labels: Vec<u8> = (0..rows)
        .map(|i| u8::from((i % n_levels) % 3 == 0 || (i * 7919) % 101 < 20))
        .collect();
    Table::new(
        schema,
        vec![Column::Categorical(big), Column::Numeric(x)],
        labels,
        None,
        None,
    )
    .unwrap()
}

/// Three levels, one of them 6 MiB long.
fn giant_level_table() -> Table {
    let giant = "g".repeat(6 << 20);
    table_with_levels(vec!["a".into(), "b".into(), giant], 300)
}

fn telco() -> Table {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/telco-train.csv");
    read_csv(&path, &CsvOptions::new("Churn").id_column("customerID")).unwrap()
}

#[test]
fn a_giant_level_loads_within_the_bound() {
    let _g = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let m = model(
        Algorithm::Id3,
        &AlgoOptions::default(),
        &giant_level_table(),
    );
    check_load("giant-level-id3", &m);
}

#[test]
fn thousands_of_levels_load_within_the_bound() {
    let _g = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let levels: Vec<String> = (0..20_000).map(|i| format!("{i:05}-CUSTOMER")).collect();
    let t = table_with_levels(levels, 40_000);
    let m = model(Algorithm::Id3, &AlgoOptions::default(), &t);
    check_load("many-levels-id3", &m);
}

#[test]
fn a_forest_of_150_trees_loads_within_the_bound() {
    let _g = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let t = telco();
    let rows = t.all_rows();
    let forest = Forest::params()
        .tune(ForestTune::Off)
        .n_trees(150)
        .seed(5)
        .fit_forest(&t, &rows)
        .unwrap();
    let m = ModelBuilder::new(ModelBody::from(forest), &t, &rows)
        .build()
        .unwrap();
    check_load("telco-forest-150", &m);
}

#[test]
fn tan_networks_load_within_the_bound() {
    let _g = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let opts = AlgoOptions::default();
    check_load("telco-tan", &model(Algorithm::Tan, &opts, &telco()));
    check_load(
        "giant-level-tan",
        &model(Algorithm::Tan, &opts, &giant_level_table()),
    );
    let levels: Vec<String> = (0..5_000).map(|i| format!("{i:05}-CUSTOMER")).collect();
    check_load(
        "many-levels-tan",
        &model(Algorithm::Tan, &opts, &table_with_levels(levels, 20_000)),
    );
}
