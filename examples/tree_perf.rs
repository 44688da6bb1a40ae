//! Tree fit time, peak memory and scoring speed on `synth::generate` data, with a
//! fingerprint of every fitted tree (to check that an optimisation changed no tree).
//!
//! ```text
//! cargo run --release --example tree_perf -- [ROWS] [REPEATS] [VARIANT | fit]
//! ```
//!
//! Defaults: 1,000,000 rows, 3 repeats (the minimum time is printed). A third
//! argument keeps one variant by name, or `fit` skips scoring. Peak memory is
//! measured by a counting global allocator: the largest number of live heap bytes
//! during the fit, above what was live before it (the encoded data and the generator's
//! leftovers), printed next to the encoded data's own size.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use churnkit::data::{Binning, Discretizer};
use churnkit::synth::{SynthParams, generate};
use churnkit::tree::{Criterion as Crit, DecisionTree, Id3, Id3Params, WeightedEntropy};

/// Counts live heap bytes and their high-water mark.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(l) };
        if !p.is_null() {
            let now = LIVE.fetch_add(l.size(), Ordering::Relaxed) + l.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) };
        LIVE.fetch_sub(l.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        let q = unsafe { System.realloc(p, l, new) };
        if !q.is_null() {
            if new >= l.size() {
                let now = LIVE.fetch_add(new - l.size(), Ordering::Relaxed) + new - l.size();
                PEAK.fetch_max(now, Ordering::Relaxed);
            } else {
                LIVE.fetch_sub(l.size() - new, Ordering::Relaxed);
            }
        }
        q
    }
}

#[global_allocator]
static A: Counting = Counting;

/// A hash of everything a tree is made of (nodes, slots, counts: bit patterns).
fn fingerprint(t: &DecisionTree) -> u64 {
    let mut h = DefaultHasher::new();
    serde_json::to_string(t).expect("serializes").hash(&mut h);
    h.finish()
}

/// CPU time of every thread of this process so far (ns, Linux `schedstat`; 0
/// elsewhere): less sensitive than wall time to other jobs sharing the cores.
fn cpu_ns() -> u64 {
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    dir.filter_map(|e| e.ok())
        .filter_map(|e| std::fs::read_to_string(e.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let rows: usize = args
        .get(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let reps: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(3);
    let table = generate(&SynthParams {
        rows,
        seed: 1,
        ..SynthParams::default()
    })
    .expect("synthetic table");
    let all = table.all_rows();
    let d =
        Discretizer::fit(&table, &all, &Binning::EqualFrequency { bins: 16 }).expect("discretizer");
    let enc = d.encode(&table).expect("encodes");
    drop(table);
    drop(all);
    let data = enc.heap_bytes();
    println!("{rows} rows, encoded data {:.1} MB", data as f64 / 1e6);
    let dd = Some(12);
    let variants: Vec<(&str, Id3Params)> = vec![
        ("id3", Id3::params().max_depth(dd)),
        (
            "id3-weighted",
            Id3::params()
                .criterion(Crit::WeightedEntropy(WeightedEntropy::default()))
                .max_depth(dd),
        ),
        (
            "gain-ratio",
            Id3::params().criterion(Crit::GainRatio).max_depth(dd),
        ),
        ("id3-weighted-defaults", Id3::weighted().max_depth(dd)),
        ("c45-defaults", Id3::c45().max_depth(dd)),
    ];
    let only = args.get(3).cloned();
    for (name, p) in &variants {
        if only.as_deref().is_some_and(|o| o != *name && o != "fit") {
            continue;
        }
        let mut best = f64::INFINITY;
        let mut best_cpu = f64::INFINITY;
        let mut peak = 0;
        let mut tree = None;
        for _ in 0..reps {
            let before = LIVE.load(Ordering::Relaxed);
            PEAK.store(before, Ordering::Relaxed);
            let c = cpu_ns();
            let t = Instant::now();
            let fitted = p.clone().fit(&enc).expect("fits");
            best = best.min(t.elapsed().as_secs_f64());
            best_cpu = best_cpu.min((cpu_ns() - c) as f64 / 1e9);
            peak = peak.max(PEAK.load(Ordering::Relaxed) - before);
            tree = Some(fitted);
        }
        let tree = tree.expect("at least one repeat");
        let inner: Vec<f64> = tree
            .nodes()
            .iter()
            .filter(|n| !n.is_leaf())
            .map(|n| n.weight)
            .collect();
        let small = inner.iter().filter(|&&w| w < 1000.0).count();
        println!(
            "{:>22}  internal nodes {} ({} under 1000 rows), rows summed over them {:.1} M",
            "",
            inner.len(),
            small,
            inner.iter().sum::<f64>() / 1e6
        );
        println!(
            "{name:>22}: fit {best:.4} s (cpu {best_cpu:.4} s), peak extra heap {:.1} MB ({:.2}× the data; \
             the tree itself {:.1} MB), nodes {}, fingerprint {:016x}",
            peak as f64 / 1e6,
            peak as f64 / data as f64,
            tree.heap_bytes() as f64 / 1e6,
            tree.n_nodes(),
            fingerprint(&tree)
        );
        if only.as_deref() != Some("fit")
            && matches!(*name, "id3-weighted" | "id3-weighted-defaults")
        {
            let mut out = vec![0u8; enc.n_rows()];
            let mut proba = vec![0.0; enc.n_rows() * enc.n_classes()];
            let (mut tp, mut tq) = (f64::INFINITY, f64::INFINITY);
            for _ in 0..reps.max(3) {
                let t = Instant::now();
                tree.predict_into(&enc, &mut out).expect("predicts");
                tp = tp.min(t.elapsed().as_secs_f64());
                let t = Instant::now();
                tree.predict_proba_into(&enc, &mut proba).expect("predicts");
                tq = tq.min(t.elapsed().as_secs_f64());
            }
            let mut h = DefaultHasher::new();
            out.hash(&mut h);
            proba.iter().for_each(|x| x.to_bits().hash(&mut h));
            println!(
                "{:>22}  (one thread, per CPU second) predict {:.1} M rows/s, predict_proba {:.1} M rows/s, output hash {:016x}",
                "",
                enc.n_rows() as f64 / tp / 1e6,
                enc.n_rows() as f64 / tq / 1e6,
                h.finish()
            );
        }
    }
}
