//! Reads one CSV file once with `read_csv` (target `status`, id `customer_id`, as
//! `churnkit generate` writes them) and prints its shape: a fixed workload for
//! instruction counts, e.g.
//! `valgrind --tool=callgrind target/release/examples/csv_read_once file.csv`.

use churnkit::data::{CsvOptions, read_csv};

fn main() -> churnkit::Result<()> {
    let path = std::env::args().nth(1).unwrap_or_else(|| "c.csv".into());
    let opts = CsvOptions::new("status").id_column("customer_id");
    let t = read_csv(&path, &opts)?;
    println!(
        "{} rows, {} features",
        t.n_rows(),
        t.schema().features.len()
    );
    Ok(())
}
