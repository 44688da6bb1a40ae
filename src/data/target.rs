//! Label mapping: from the texts a CSV's target column holds to churn classes (the
//! rules are documented on `CsvOptions`).

use super::schema::{AT_RISK, CHURNED, RETAINED};
use crate::error::{Error, Result};

/// The canonical classes in churn order.
pub(crate) const CHURN_ORDER: [&str; 3] = [RETAINED, AT_RISK, CHURNED];

/// Recognised binary pairs: (positive, negative), lower case.
const PAIRS: [(&str, &str); 4] = [("yes", "no"), ("y", "n"), ("true", "false"), ("1", "0")];

/// A label text's class index, or why it maps to none.
pub(crate) type LabelIndex = Result<u8, String>;

/// How label texts become classes, as the user configured it.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct LabelRule {
    /// `(label text, canonical class)` pairs.
    pub class_map: Vec<(String, String)>,
    /// The text meaning `churned`.
    pub positive: Option<String>,
    /// The text meaning `retained`.
    pub negative: Option<String>,
}

/// Normalises a label for recognition: lower case, and numbers equal to 0 or 1
/// written as `0`/`1`.
fn normalise(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    match lower.parse::<f64>() {
        Ok(1.0) => "1".into(),
        Ok(0.0) => "0".into(),
        _ => lower,
    }
}

fn recognise(text: &str) -> Option<&'static str> {
    let t = normalise(text);
    if let Some(c) = CHURN_ORDER.iter().find(|c| **c == t) {
        return Some(c);
    }
    if t == "at-risk" {
        return Some(AT_RISK);
    }
    for (pos, neg) in PAIRS {
        if t == pos {
            return Some(CHURNED);
        }
        if t == neg {
            return Some(RETAINED);
        }
    }
    None
}

fn partner(text: &str) -> Option<&'static str> {
    let t = normalise(text);
    PAIRS.iter().find(|(p, _)| *p == t).map(|(_, n)| *n)
}

fn same_label(a: &str, b: &str) -> bool {
    a == b || a.eq_ignore_ascii_case(b) || normalise(a) == normalise(b)
}

impl LabelRule {
    /// Checks the rule once: class-map targets must be canonical class names.
    pub fn validate(&self) -> Result<()> {
        for (from, to) in &self.class_map {
            if !CHURN_ORDER.contains(&to.as_str()) {
                return Err(Error::param(
                    "class_map",
                    format!("{from} -> {to}"),
                    "classes must be retained, at_risk or churned",
                ));
            }
        }
        if let (Some(p), Some(n)) = (&self.positive, &self.negative)
            && same_label(p, n)
        {
            return Err(Error::param(
                "negative_label",
                n,
                "must differ from the positive label",
            ));
        }
        Ok(())
    }

    /// The classes a table read with this rule has when the caller fixed none.
    fn classes_from_map(&self) -> Vec<String> {
        CHURN_ORDER
            .iter()
            .filter(|c| self.class_map.iter().any(|(_, to)| to == *c))
            .map(|c| c.to_string())
            .collect()
    }

    /// Maps the distinct label texts of a file to class names.
    ///
    /// `texts` are the distinct non-missing labels. Returns, per text, the canonical
    /// class or why it is bad. Errors when the labels cannot be interpreted at all.
    fn map_texts(
        &self,
        target: &str,
        texts: &[String],
    ) -> Result<Vec<Result<&'static str, String>>> {
        if !self.class_map.is_empty() {
            return Ok(texts
                .iter()
                .map(|t| {
                    self.class_map
                        .iter()
                        .find(|(from, _)| from == t)
                        .or_else(|| self.class_map.iter().find(|(from, _)| same_label(from, t)))
                        .and_then(|(_, to)| {
                            CHURN_ORDER.iter().find(|c| **c == to.as_str()).copied()
                        })
                        .ok_or_else(|| "not named in the class map".to_string())
                })
                .collect());
        }
        if let Some(pos) = &self.positive {
            let negative: Option<String> = match (&self.negative, partner(pos)) {
                (Some(n), _) => Some(n.clone()),
                (None, Some(n)) => texts.iter().find(|t| same_label(t, n)).cloned(),
                (None, None) => {
                    let others: Vec<&String> =
                        texts.iter().filter(|t| !same_label(t, pos)).collect();
                    match others.as_slice() {
                        [] => None,
                        [one] => Some((*one).clone()),
                        many => {
                            return Err(Error::Label {
                                location: crate::error::Location::default().at_column(target),
                                value: many
                                    .iter()
                                    .take(10)
                                    .map(|s| s.as_str())
                                    .collect::<Vec<_>>()
                                    .join("', '"),
                                message: format!(
                                    "ambiguous: which of these means 'retained' (the positive label is '{pos}')? Name the negative label, or map the labels to classes"
                                ),
                            });
                        }
                    }
                }
            };
            return Ok(texts
                .iter()
                .map(|t| {
                    if same_label(t, pos) {
                        Ok(CHURNED)
                    } else if negative.as_deref().is_some_and(|n| same_label(t, n)) {
                        Ok(RETAINED)
                    } else {
                        Err(format!(
                            "neither the positive label '{pos}' nor the negative label{}",
                            negative
                                .as_deref()
                                .map(|n| format!(" '{n}'"))
                                .unwrap_or_default()
                        ))
                    }
                })
                .collect());
        }
        let mapped: Vec<Option<&'static str>> = texts.iter().map(|t| recognise(t)).collect();
        if !texts.is_empty() && mapped.iter().all(Option::is_none) {
            return Err(Error::Label {
                location: crate::error::Location::default().at_column(target),
                value: texts.iter().take(10).cloned().collect::<Vec<_>>().join("', '"),
                message: "not a recognised churn label (Yes/No, True/False, 1/0, retained/at_risk/churned): say which label means churned (the positive label), or map the labels to classes retained, at_risk, churned".into(),
            });
        }
        Ok(mapped
            .into_iter()
            .map(|m| {
                m.ok_or_else(|| {
                    "neither a positive (Yes/True/1) nor a negative (No/False/0) label; name the positive label or map the labels to classes if it is one".to_string()
                })
            })
            .collect())
    }

    /// Resolves the classes and the per-text class index.
    ///
    /// With `fixed` classes (e.g. a training schema's), texts map into them and a text
    /// mapping to a class outside them is bad. Without, the classes are the class map's
    /// (rule 1) or binary, or three-state when a text maps to `at_risk`.
    pub fn resolve(
        &self,
        target: &str,
        texts: &[String],
        fixed: Option<&[String]>,
    ) -> Result<(Vec<String>, Vec<LabelIndex>)> {
        let mapped = self.map_texts(target, texts)?;
        let classes: Vec<String> = match fixed {
            Some(f) => f.to_vec(),
            None if !self.class_map.is_empty() => self.classes_from_map(),
            None => {
                if mapped.iter().any(|m| matches!(m, Ok(c) if *c == AT_RISK)) {
                    CHURN_ORDER.iter().map(|c| c.to_string()).collect()
                } else {
                    vec![RETAINED.into(), CHURNED.into()]
                }
            }
        };
        let index = mapped
            .into_iter()
            .map(|m| {
                m.and_then(|c| {
                    classes
                        .iter()
                        .position(|k| k == c)
                        .map(|p| p as u8)
                        .ok_or_else(|| {
                            format!("maps to '{c}', which is not one of the classes {classes:?}")
                        })
                })
            })
            .collect();
        Ok((classes, index))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn recognises_common_binary_labels() {
        let r = LabelRule::default();
        for (texts, expect) in [
            (s(&["No", "Yes"]), vec![0, 1]),
            (s(&["False", "True"]), vec![0, 1]),
            (s(&["1", "0"]), vec![1, 0]),
            (s(&["1.0", "0.0"]), vec![1, 0]),
            (s(&["YES", "no"]), vec![1, 0]),
        ] {
            let (classes, idx) = r.resolve("Churn", &texts, None).unwrap();
            assert_eq!(classes, s(&["retained", "churned"]));
            let got: Vec<u8> = idx.into_iter().map(|x| x.unwrap()).collect();
            assert_eq!(got, expect, "{texts:?}");
        }
    }

    #[test]
    fn canonical_three_state_names_map_without_a_class_map() {
        let r = LabelRule::default();
        let (classes, idx) = r
            .resolve("status", &s(&["churned", "retained", "at_risk"]), None)
            .unwrap();
        assert_eq!(classes, s(&["retained", "at_risk", "churned"]));
        let got: Vec<u8> = idx.into_iter().map(|x| x.unwrap()).collect();
        assert_eq!(got, vec![2, 0, 1]);
    }

    #[test]
    fn unrecognised_labels_ask_for_a_positive_label() {
        let r = LabelRule::default();
        let e = r
            .resolve("Churn", &s(&["stay", "leave"]), None)
            .unwrap_err();
        assert!(e.to_string().contains("the positive label"), "{e}");
    }

    #[test]
    fn positive_label_with_one_other_value() {
        let r = LabelRule {
            positive: Some("leave".into()),
            ..LabelRule::default()
        };
        let (_, idx) = r.resolve("Churn", &s(&["stay", "leave"]), None).unwrap();
        assert_eq!(idx, vec![Ok(0), Ok(1)]);
        let e = r.resolve("Churn", &s(&["stay", "leave", "gone"]), None);
        assert!(
            e.is_err(),
            "two candidates for the negative label must be an error"
        );
        let r2 = LabelRule {
            positive: Some("Yes".into()),
            ..LabelRule::default()
        };
        let (_, idx) = r2
            .resolve("Churn", &s(&["No", "Yes", "Maybe"]), None)
            .unwrap();
        assert_eq!(idx[0], Ok(0));
        assert_eq!(idx[1], Ok(1));
        assert!(idx[2].is_err());
    }

    #[test]
    fn class_map_gives_classes_in_churn_order() {
        let r = LabelRule {
            class_map: vec![
                ("gone".into(), "churned".into()),
                ("stay".into(), "retained".into()),
                ("wobbly".into(), "at_risk".into()),
            ],
            ..LabelRule::default()
        };
        r.validate().unwrap();
        let (classes, idx) = r
            .resolve("s", &s(&["Stay", "gone", "wobbly", "what"]), None)
            .unwrap();
        assert_eq!(classes, s(&["retained", "at_risk", "churned"]));
        assert_eq!(&idx[..3], &[Ok(0), Ok(2), Ok(1)]);
        assert!(idx[3].is_err());
        let bad = LabelRule {
            class_map: vec![("x".into(), "lost".into())],
            ..LabelRule::default()
        };
        assert!(bad.validate().is_err());
    }

    #[test]
    fn fixed_classes_reject_classes_outside_them() {
        let r = LabelRule::default();
        let fixed = s(&["retained", "churned"]);
        let (classes, idx) = r
            .resolve("s", &s(&["retained", "at_risk"]), Some(&fixed))
            .unwrap();
        assert_eq!(classes, fixed);
        assert_eq!(idx[0], Ok(0));
        assert!(idx[1].is_err());
    }
}
