//! Which model-file layout the serde impls of nested types read.
//!
//! Model files up to format version 3 stored derived data inside the body — the
//! discretizer's schema, each tree's schema, a network's state names — so every
//! categorical level was written up to four times. From version 4 the nested types
//! ([`Discretizer`](crate::data::Discretizer), the tree and network classifiers) write
//! only what they cannot derive, and rebuild the rest when read. Their deserializers
//! read the older layout while a [`LegacyLayout`] guard is alive on the current
//! thread; the model envelope holds one while it decodes a version 1–3 body.

use std::cell::Cell;

thread_local! {
    /// The format version being read (0: the current one).
    static LAYOUT: Cell<u32> = const { Cell::new(0) };
}

/// While alive, nested types on this thread deserialize the layout of model format
/// versions 1–3 (derived data stored). Restores the previous state when dropped.
#[derive(Debug)]
pub struct LegacyLayout {
    before: u32,
}

impl LegacyLayout {
    /// Switches this thread to the old layout until the guard is dropped.
    pub fn enter() -> Self {
        Self::version(3)
    }

    /// Switches this thread to the layout of format `version` (a version older than
    /// the current one) until the guard is dropped.
    pub fn version(version: u32) -> Self {
        LegacyLayout {
            before: LAYOUT.with(|l| l.replace(version)),
        }
    }
}

impl Drop for LegacyLayout {
    fn drop(&mut self) {
        LAYOUT.with(|l| l.set(self.before));
    }
}

/// True while a [`LegacyLayout`] guard of format 1–3 is alive on this thread.
pub fn legacy_layout() -> bool {
    LAYOUT.with(|l| matches!(l.get(), 1..=3))
}

/// True while a guard of a format version older than `version` is alive on this
/// thread: a nested type that gained a field in format `version` reads the older
/// layout without it. (Format 5 added a tree's leaf model,
/// [`NaiveBayesLeaves`](crate::tree::NaiveBayesLeaves); format 6 a survival model's,
/// [`HazardLeaves`](crate::survival::HazardLeaves).)
pub fn layout_before(version: u32) -> bool {
    LAYOUT.with(|l| matches!(l.get(), v if v != 0 && v < version))
}
