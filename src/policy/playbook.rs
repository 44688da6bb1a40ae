//! The churn playbook: columns → churn drivers → reason class and strategy (see [`Playbook`]).

use serde::{Deserialize, Serialize};

use super::economics::ChurnReason;
use crate::error::{Error, Result};
use crate::learner::Reason;

/// A churn driver (Keaveney 1995).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Driver {
    /// High, rising or unfair prices.
    Price,
    /// Location, hours, waiting, payment or billing hassle.
    Inconvenience,
    /// Mistakes, billing errors, service breakdowns.
    CoreServiceFailure,
    /// Uncaring, impolite or unknowledgeable staff.
    ServiceEncounterFailure,
    /// A failure handled badly or not at all (complaints, support calls).
    ResponseToFailure,
    /// A better offer elsewhere; low switching costs.
    Competition,
    /// Dishonesty, intimidation, conflicts of interest.
    Ethics,
    /// The customer moved, the provider closed, life changed.
    Involuntary,
}

impl Driver {
    /// Every driver, in Keaveney's order.
    pub const ALL: [Driver; 8] = [
        Driver::Price,
        Driver::Inconvenience,
        Driver::CoreServiceFailure,
        Driver::ServiceEncounterFailure,
        Driver::ResponseToFailure,
        Driver::Competition,
        Driver::Ethics,
        Driver::Involuntary,
    ];

    /// The driver's name in outputs and playbook files (`price`, `core_service_failure`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Driver::Price => "price",
            Driver::Inconvenience => "inconvenience",
            Driver::CoreServiceFailure => "core_service_failure",
            Driver::ServiceEncounterFailure => "service_encounter_failure",
            Driver::ResponseToFailure => "response_to_failure",
            Driver::Competition => "competition",
            Driver::Ethics => "ethics",
            Driver::Involuntary => "involuntary",
        }
    }
}

/// A driver's reason class and strategy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriverEntry {
    /// The driver.
    pub driver: Driver,
    /// Its reason class.
    pub reason_class: ChurnReason,
    /// What to do about it.
    pub strategy: String,
}

/// How a column rule matches column names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ColumnMatch {
    /// The exact column name.
    Exact(String),
    /// A substring of the normalized name (lower case, letters and digits only).
    Contains(String),
}

/// One column rule of a [`Playbook`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnRule {
    /// Which columns it maps.
    pub matches: ColumnMatch,
    /// Their driver.
    pub driver: Driver,
    /// A reason class other than the driver's, if any.
    pub reason_class: Option<ChurnReason>,
    /// A strategy other than the driver's, if any.
    pub strategy: Option<String>,
}

/// A customer's dominant churn driver and what to do about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriverCall {
    /// The dominant driver among the churn-ward reasons; None = unmapped.
    pub driver: Option<Driver>,
    /// Its reason class (None when unmapped).
    pub reason_class: Option<ChurnReason>,
    /// Whether the reason class is worth a rescue (natural and changed needs are not;
    /// unmapped customers are not ruled out).
    pub worth_rescue: bool,
    /// The strategy text.
    pub strategy: String,
    /// Whether the customer had any churn-ward reason at all.
    pub has_risk: bool,
}

impl DriverCall {
    /// The driver's name; `unmapped` when no churn-ward reason is in the playbook,
    /// `none` when there is no churn-ward reason.
    pub fn driver_name(&self) -> &'static str {
        match self.driver {
            Some(d) => d.as_str(),
            None if self.has_risk => "unmapped",
            None => "none",
        }
    }

    /// The reason class's name, or `unknown`.
    pub fn reason_class_name(&self) -> &'static str {
        self.reason_class.map_or("unknown", ChurnReason::as_str)
    }
}

/// The churn playbook: which churn driver a feature column speaks for, each driver's
/// reason class and the strategy against it.
///
/// # Drivers
///
/// The eight causes of service switching of Keaveney ("Customer Switching Behavior
/// in Service Industries: An Exploratory Study", *Journal of Marketing* 59(2), 1995),
/// each with the [reason class](ChurnReason) it belongs to by default:
///
/// | driver | reason class | worth a rescue |
/// |---|---|---|
/// | `price` | competitor | yes |
/// | `inconvenience` | disappointed | yes |
/// | `core_service_failure` | disappointed | yes |
/// | `service_encounter_failure` | disappointed | yes |
/// | `response_to_failure` | disappointed | yes |
/// | `competition` | competitor | yes |
/// | `ethics` | disappointed | yes |
/// | `involuntary` | natural | no |
///
/// A column rule may give its own reason class and strategy: the built-in playbook
/// maps activity and household columns (`IsActiveMember`, `Dependents`, `Age`, …) to
/// `involuntary` with the class `changed_needs`, which is not worth a rescue either.
///
/// # Per customer
///
/// The dominant driver is the driver whose columns carry the largest total weight
/// among the customer's churn-ward (risk) reasons; its reason class, whether that
/// class is worth a rescue, and the strategy come with it. A customer none of whose
/// risk reasons is mapped gets `unmapped`.
///
/// # The playbook file (JSON)
///
/// ```json
/// {
///   "columns": [
///     {"column": "MonthlyCharges", "driver": "price"},
///     {"pattern": "complaint", "driver": "response_to_failure"},
///     {"column": "Dependents", "driver": "involuntary", "class": "changed_needs",
///      "strategy": "Offer a family plan"}
///   ],
///   "drivers": [
///     {"driver": "price", "class": "competitor", "strategy": "Offer a loyalty discount"}
///   ]
/// }
/// ```
///
/// `column` matches a column by its exact name; `pattern` matches every column whose
/// name, lower-cased and stripped of everything but letters and digits, contains the
/// pattern (stripped the same way). Exact rules win over patterns; patterns are tried
/// in file order. `drivers` replaces the built-in class and strategy of the drivers
/// it lists. Errors: an unknown driver or class, or malformed JSON, names the line; a
/// column mapped twice is an error naming it. A `column` the model does not have is
/// a warning naming it ([`Playbook::unknown_columns`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Playbook {
    /// Column rules: exact names first, then patterns in order.
    pub columns: Vec<ColumnRule>,
    /// Every driver's reason class and strategy.
    pub drivers: Vec<DriverEntry>,
}

fn normalize(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

fn default_entries() -> Vec<DriverEntry> {
    use ChurnReason::*;
    let e = |driver, reason_class, strategy: &str| DriverEntry {
        driver,
        reason_class,
        strategy: strategy.to_string(),
    };
    vec![
        e(
            Driver::Price,
            Competitor,
            "review the price: a loyalty discount or a cheaper plan that fits their use",
        ),
        e(
            Driver::Inconvenience,
            Disappointed,
            "remove the friction: automatic payment, simpler billing, easier access",
        ),
        e(
            Driver::CoreServiceFailure,
            Disappointed,
            "fix the service: a technical check, an upgrade or the missing support bundle",
        ),
        e(
            Driver::ServiceEncounterFailure,
            Disappointed,
            "a personal call from a senior agent who apologises and follows up",
        ),
        e(
            Driver::ResponseToFailure,
            Disappointed,
            "close their open problems fast, with a named contact and a goodwill gesture",
        ),
        e(
            Driver::Competition,
            Competitor,
            "match the competition: a loyalty offer for a longer commitment",
        ),
        e(
            Driver::Ethics,
            Disappointed,
            "escalate to customer care: explain, correct and compensate openly",
        ),
        e(
            Driver::Involuntary,
            Natural,
            "nothing an offer can change: stay in touch and make returning easy; no rescue spend",
        ),
    ]
}

impl Default for Playbook {
    /// The built-in playbook: name patterns for the common telecom, bank and
    /// subscription columns (see the source for the list).
    fn default() -> Self {
        use ColumnMatch::Contains;
        use Driver::*;
        let changed = "their needs changed: offer a plan that fits them now; no rescue spend";
        let mut columns = Vec::new();
        // Household and activity: changed needs (exact normalized names).
        for name in [
            "age",
            "seniorcitizen",
            "dependents",
            "partner",
            "isactivemember",
            "numofproducts",
        ] {
            columns.push(ColumnRule {
                matches: Contains(format!("^{name}$")),
                driver: Involuntary,
                reason_class: Some(ChurnReason::ChangedNeeds),
                strategy: Some(changed.to_string()),
            });
        }
        let plain = |pattern: &str, driver| ColumnRule {
            matches: Contains(pattern.to_string()),
            driver,
            reason_class: None,
            strategy: None,
        };
        for (pattern, driver) in [
            ("servicecall", ResponseToFailure),
            ("complain", ResponseToFailure),
            ("ticket", ResponseToFailure),
            ("techsupport", ResponseToFailure),
            ("support", ServiceEncounterFailure),
            ("agent", ServiceEncounterFailure),
            ("satisf", CoreServiceFailure),
            ("internationalplan", Price),
            ("paperless", Inconvenience),
            ("payment", Inconvenience),
            ("delivery", Inconvenience),
            ("wait", Inconvenience),
            ("charge", Price),
            ("price", Price),
            ("fee", Price),
            ("cost", Price),
            ("bill", Price),
            ("discount", Price),
            ("balance", Price),
            ("minutes", Price),
            ("contract", Competition),
            ("tenure", Competition),
            ("accountlength", Competition),
            ("competitor", Competition),
            ("security", CoreServiceFailure),
            ("backup", CoreServiceFailure),
            ("protection", CoreServiceFailure),
            ("internetservice", CoreServiceFailure),
            ("phoneservice", CoreServiceFailure),
            ("multiplelines", CoreServiceFailure),
            ("streaming", CoreServiceFailure),
            ("outage", CoreServiceFailure),
            ("downtime", CoreServiceFailure),
            ("dropped", CoreServiceFailure),
            ("vmail", CoreServiceFailure),
            ("voicemail", CoreServiceFailure),
            ("calls", CoreServiceFailure),
            ("usage", Involuntary),
            ("creditscore", Involuntary),
            ("ethic", Ethics),
            ("privacy", Ethics),
            ("fraud", Ethics),
        ] {
            columns.push(plain(pattern, driver));
        }
        Playbook {
            columns,
            drivers: default_entries(),
        }
    }
}

/// The file form of a column rule.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileColumn {
    column: Option<String>,
    pattern: Option<String>,
    driver: Driver,
    class: Option<String>,
    strategy: Option<String>,
}

/// The file form of a driver entry.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDriver {
    driver: Driver,
    class: Option<String>,
    strategy: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FilePlaybook {
    #[serde(default)]
    columns: Vec<FileColumn>,
    #[serde(default)]
    drivers: Vec<FileDriver>,
}

/// The 1-based line of the `n`-th (0-based) occurrence of `needle` in `text`.
fn line_of(text: &str, needle: &str, n: usize) -> Option<usize> {
    let at = text.match_indices(needle).nth(n)?.0;
    Some(text[..at].matches('\n').count() + 1)
}

impl Playbook {
    /// Reads a playbook file (JSON, see the [`Playbook`]).
    pub fn load(path: impl AsRef<std::path::Path>) -> Result<Playbook> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| Error::Io {
            location: crate::error::Location::file(path),
            source: e,
        })?;
        Playbook::parse(&text).map_err(|e| match e {
            Error::Param { name, message, .. } => Error::Param {
                name,
                value: path.display().to_string(),
                message,
            },
            other => other,
        })
    }

    /// Parses a playbook from JSON text. Errors name the line.
    ///
    /// ```
    /// use churnkit::policy::{Driver, Playbook};
    /// let p = Playbook::parse(r#"{"columns": [{"column": "fee", "driver": "price"}]}"#).unwrap();
    /// assert_eq!(p.driver_of("fee").unwrap().driver, Driver::Price);
    /// let e = Playbook::parse("{\"columns\": [\n {\"column\": \"x\", \"driver\": \"cost\"}]}");
    /// assert!(e.unwrap_err().to_string().contains("line 2"));
    /// ```
    pub fn parse(text: &str) -> Result<Playbook> {
        let bad = |line: Option<usize>, why: String| {
            let at = line.map_or(String::new(), |l| format!("line {l}: "));
            Error::param("playbook", "(text)", format!("{at}{why}"))
        };
        let file: FilePlaybook =
            serde_json::from_str(text).map_err(|e| bad(Some(e.line()), e.to_string()))?;
        let class = |c: &Option<String>| -> Result<Option<ChurnReason>> {
            match c {
                None => Ok(None),
                Some(c) => ChurnReason::parse(c)
                    .map_err(|why| bad(line_of(text, &format!("\"{c}\""), 0), why)),
            }
        };
        let mut drivers = default_entries();
        for d in &file.drivers {
            let entry = drivers
                .iter_mut()
                .find(|e| e.driver == d.driver)
                .expect("every driver has an entry");
            if let Some(c) = class(&d.class)? {
                entry.reason_class = c;
            }
            if let Some(s) = &d.strategy {
                entry.strategy = s.clone();
            }
        }
        let mut exact: Vec<ColumnRule> = Vec::new();
        let mut patterns: Vec<ColumnRule> = Vec::new();
        let mut seen: Vec<(bool, String)> = Vec::new();
        for c in &file.columns {
            let (is_exact, key) = match (&c.column, &c.pattern) {
                (Some(col), None) => (true, col.clone()),
                (None, Some(p)) => (false, normalize(p)),
                _ => {
                    return Err(bad(
                        None,
                        format!(
                            "a column rule (driver {}) needs exactly one of \"column\" and \"pattern\"",
                            c.driver.as_str()
                        ),
                    ));
                }
            };
            if seen.contains(&(is_exact, key.clone())) {
                let shown = c.column.as_ref().or(c.pattern.as_ref()).unwrap_or(&key);
                return Err(bad(
                    line_of(text, &format!("\"{shown}\""), 1),
                    format!("'{shown}' is mapped twice"),
                ));
            }
            seen.push((is_exact, key.clone()));
            let rule = ColumnRule {
                matches: if is_exact {
                    ColumnMatch::Exact(key)
                } else {
                    ColumnMatch::Contains(key)
                },
                driver: c.driver,
                reason_class: class(&c.class)?,
                strategy: c.strategy.clone(),
            };
            if is_exact {
                exact.push(rule);
            } else {
                patterns.push(rule);
            }
        }
        exact.extend(patterns);
        Ok(Playbook {
            columns: exact,
            drivers,
        })
    }

    /// The exact column names of the rules that are not among `features` (to warn
    /// about: a misspelt column maps nothing).
    pub fn unknown_columns<'a>(&'a self, features: &[&str]) -> Vec<&'a str> {
        self.columns
            .iter()
            .filter_map(|r| match &r.matches {
                ColumnMatch::Exact(c) if !features.contains(&c.as_str()) => Some(c.as_str()),
                _ => None,
            })
            .collect()
    }

    /// The rule that maps a column: the first exact rule naming it, else the first
    /// pattern its normalized name contains (`^name$` patterns must equal it).
    pub fn driver_of(&self, column: &str) -> Option<&ColumnRule> {
        let norm = normalize(column);
        self.columns
            .iter()
            .find(|r| matches!(&r.matches, ColumnMatch::Exact(c) if c == column))
            .or_else(|| {
                self.columns.iter().find(|r| match &r.matches {
                    ColumnMatch::Contains(p) => match p.strip_prefix('^') {
                        Some(whole) => whole.strip_suffix('$') == Some(norm.as_str()),
                        None => norm.contains(p.as_str()),
                    },
                    ColumnMatch::Exact(_) => false,
                })
            })
    }

    /// The entry of a driver.
    pub fn entry(&self, driver: Driver) -> Option<&DriverEntry> {
        self.drivers.iter().find(|e| e.driver == driver)
    }

    /// The dominant driver of a customer's churn-ward reasons (positive weights; the
    /// driver with the largest total weight, ties to the strongest single reason),
    /// its reason class, whether that is worth a rescue, and the strategy.
    ///
    /// ```
    /// use churnkit::learner::Reason;
    /// use churnkit::policy::{Driver, Playbook};
    /// let r = |f: &str, w| Reason { feature: f.into(), condition: format!("{f} = x"), weight: w };
    /// let call = Playbook::default().call(&[r("Contract", 0.2), r("MonthlyCharges", 0.1), r("gender", 0.3)]);
    /// assert_eq!(call.driver, Some(Driver::Competition));
    /// assert!(call.worth_rescue);
    /// assert_eq!(Playbook::default().call(&[r("gender", 0.3)]).driver_name(), "unmapped");
    /// ```
    pub fn call(&self, reasons: &[Reason]) -> DriverCall {
        self.call_resolved(
            reasons
                .iter()
                .filter(|r| r.weight > 0.0)
                .map(|r| (self.driver_of(&r.feature), r.weight)),
        )
    }

    /// [`call`](Self::call) on reasons given as (the rule of their feature, weight),
    /// the rule as [`driver_of`](Self::driver_of) gives it: for callers that look
    /// each feature's rule up once rather than for every customer. The conditions
    /// play no part in the call.
    ///
    /// ```
    /// use churnkit::policy::{Driver, Playbook};
    /// let p = Playbook::default();
    /// let call = p.call_resolved([(p.driver_of("Contract"), 0.2), (p.driver_of("gender"), 0.3)]);
    /// assert_eq!(call.driver, Some(Driver::Competition));
    /// ```
    pub fn call_resolved<'p>(
        &'p self,
        reasons: impl IntoIterator<Item = (Option<&'p ColumnRule>, f64)>,
    ) -> DriverCall {
        // (rule, total weight, strongest weight) per driver, in first-seen order.
        let mut by_driver: Vec<(&ColumnRule, f64, f64)> = Vec::new();
        let mut has_risk = false;
        for (rule, weight) in reasons.into_iter().filter(|r| r.1 > 0.0) {
            has_risk = true;
            let Some(rule) = rule else {
                continue;
            };
            match by_driver
                .iter_mut()
                .find(|(x, _, _)| x.driver == rule.driver)
            {
                Some((best, total, strongest)) => {
                    *total += weight;
                    if weight > *strongest {
                        *strongest = weight;
                        *best = rule;
                    }
                }
                None => by_driver.push((rule, weight, weight)),
            }
        }
        let top = by_driver
            .iter()
            .fold(None::<&(&ColumnRule, f64, f64)>, |acc, x| match acc {
                Some(a) if (a.1, a.2) >= (x.1, x.2) => Some(a),
                _ => Some(x),
            });
        match top {
            None => DriverCall {
                has_risk,
                driver: None,
                reason_class: None,
                worth_rescue: true,
                strategy: if has_risk {
                    "no playbook entry for these reasons: review by hand".to_string()
                } else {
                    "no churn-ward reasons: keep the relationship as it is".to_string()
                },
            },
            Some((rule, _, _)) => {
                let entry = self.entry(rule.driver);
                let class = rule
                    .reason_class
                    .or(entry.map(|e| e.reason_class))
                    .unwrap_or(ChurnReason::Disappointed);
                DriverCall {
                    has_risk,
                    driver: Some(rule.driver),
                    reason_class: Some(class),
                    worth_rescue: class.worth_rescue(),
                    strategy: rule
                        .strategy
                        .clone()
                        .or(entry.map(|e| e.strategy.clone()))
                        .unwrap_or_default(),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(f: &str, w: f64) -> Reason {
        Reason {
            feature: f.into(),
            condition: format!("{f} = x"),
            weight: w,
        }
    }

    #[test]
    fn default_playbook_maps_common_columns() {
        let p = Playbook::default();
        for (col, d) in [
            ("MonthlyCharges", Driver::Price),
            ("TotalCharges", Driver::Price),
            ("Contract", Driver::Competition),
            ("Tenure", Driver::Competition),
            ("TechSupport", Driver::ResponseToFailure),
            ("Customer service calls", Driver::ResponseToFailure),
            ("International plan", Driver::Price),
            ("PaymentMethod", Driver::Inconvenience),
            ("PaperlessBilling", Driver::Inconvenience),
            ("InternetService", Driver::CoreServiceFailure),
            ("IsActiveMember", Driver::Involuntary),
        ] {
            assert_eq!(p.driver_of(col).map(|r| r.driver), Some(d), "{col}");
        }
        assert!(p.driver_of("gender").is_none());
        assert!(p.driver_of("State").is_none());
        // Age is whole-name only: not "Average …" or "Usage".
        assert_eq!(
            p.driver_of("Age").unwrap().reason_class,
            Some(ChurnReason::ChangedNeeds)
        );
        assert_ne!(
            p.driver_of("Usage").unwrap().reason_class,
            Some(ChurnReason::ChangedNeeds)
        );
        let call = p.call(&[reason("IsActiveMember", 0.3), reason("Balance", 0.1)]);
        assert_eq!(call.reason_class, Some(ChurnReason::ChangedNeeds));
        assert!(!call.worth_rescue);
        // Protective reasons never pick the driver.
        let call = p.call(&[reason("Contract", -0.5), reason("MonthlyCharges", 0.1)]);
        assert_eq!(call.driver, Some(Driver::Price));
    }

    #[test]
    fn playbook_file_errors() {
        // Unknown driver: the line is named.
        let text = "{\"columns\": [\n  {\"column\": \"a\", \"driver\": \"price\"},\n  {\"column\": \"b\", \"driver\": \"greed\"}\n]}";
        let e = Playbook::parse(text).unwrap_err().to_string();
        assert!(e.contains("line 3") && e.contains("greed"), "{e}");
        // Unknown class: the line is named.
        let text = "{\"drivers\": [\n {\"driver\": \"price\", \"class\": \"bored\"}]}";
        let e = Playbook::parse(text).unwrap_err().to_string();
        assert!(e.contains("line 2") && e.contains("bored"), "{e}");
        // A column mapped twice.
        let text = "{\"columns\": [\n {\"column\": \"a\", \"driver\": \"price\"},\n {\"column\": \"a\", \"driver\": \"ethics\"}]}";
        let e = Playbook::parse(text).unwrap_err().to_string();
        assert!(
            e.contains("'a' is mapped twice") && e.contains("line 3"),
            "{e}"
        );
        // Neither column nor pattern; unknown fields; bad JSON.
        assert!(Playbook::parse(r#"{"columns": [{"driver": "price"}]}"#).is_err());
        assert!(Playbook::parse(r#"{"colums": []}"#).is_err());
        assert!(Playbook::parse("{").is_err());
        // Unknown columns are warnings, named.
        let p = Playbook::parse(
            r#"{"columns": [{"column": "Fee", "driver": "price"}, {"column": "Nope", "driver": "ethics", "class": "changed needs"}, {"pattern": "zz", "driver": "ethics"}],
                "drivers": [{"driver": "price", "strategy": "call them"}]}"#,
        )
        .unwrap();
        assert_eq!(p.unknown_columns(&["Fee", "Other"]), ["Nope"]);
        let call = p.call(&[reason("Fee", 0.2)]);
        assert_eq!(call.strategy, "call them");
        assert_eq!(
            p.driver_of("Nope").unwrap().reason_class,
            Some(ChurnReason::ChangedNeeds)
        );
        assert_eq!(p.driver_of("a_ZZ_b").unwrap().driver, Driver::Ethics);
    }
}
