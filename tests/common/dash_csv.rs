//! A small customer file whose missing cells are written `-` (in the categorical
//! `plan` and the numeric `tenure`), shared by the missing-token tests.

/// `rows` customers: columns `id,plan,tenure,churn` (churn `yes`/`no`); every 4th plan
/// and every 7th tenure is `-`.
pub fn dash_missing_csv(rows: usize) -> String {
    let mut s = String::from("id,plan,tenure,churn\n");
    for i in 0..rows {
        let plan = ["basic", "plus", "pro", "-"][i % 4];
        let tenure = if i % 7 == 0 {
            "-".to_string()
        } else {
            ((i * 13) % 60).to_string()
        };
        let churn = if (plan == "basic" && i % 3 != 0) || i % 11 == 0 {
            "yes"
        } else {
            "no"
        };
        s.push_str(&format!("C{i},{plan},{tenure},{churn}\n"));
    }
    s
}
