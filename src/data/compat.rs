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
    static LEGACY: Cell<bool> = const { Cell::new(false) };
}

/// While alive, nested types on this thread deserialize the layout of model format
/// versions 1–3 (derived data stored). Restores the previous state when dropped.
#[derive(Debug)]
pub struct LegacyLayout {
    before: bool,
}

impl LegacyLayout {
    /// Switches this thread to the old layout until the guard is dropped.
    pub fn enter() -> Self {
        LegacyLayout {
            before: LEGACY.with(|l| l.replace(true)),
        }
    }
}

impl Drop for LegacyLayout {
    fn drop(&mut self) {
        LEGACY.with(|l| l.set(self.before));
    }
}

/// True while a [`LegacyLayout`] guard is alive on this thread.
pub fn legacy_layout() -> bool {
    LEGACY.with(Cell::get)
}
