//! Hand-built schemas shared by integration tests (built with `Schema::builder`, so
//! each test file does not carry its own copy).
#![allow(dead_code)]

use std::sync::Arc;

use churnkit::data::Schema;

/// `contract` (levels `month`, `two-year`, `year`) and numeric `tenure`; binary target
/// `churn`; id column `id`.
pub fn contract_tenure() -> Arc<Schema> {
    let schema = Schema::builder("churn")
        .categorical("contract", ["month", "two-year", "year"])
        .numeric("tenure")
        .id_column("id")
        .build()
        .expect("a valid schema");
    Arc::new(schema)
}
