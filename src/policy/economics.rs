//! Retention economics: what a customer is worth, what their leaving puts at risk, and

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Why a customer leaves (or left).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChurnReason {
    /// Death, bankruptcy, moving away: nothing an offer can change.
    Natural,
    /// The customer no longer needs the product.
    ChangedNeeds,
    /// Lured away by a competitor: worth a rescue.
    Competitor,
    /// Disappointed by the service or product: worth a rescue.
    Disappointed,
}

impl ChurnReason {
    /// True for the reasons a rescue offer can address (competitor, disappointed).
    pub fn worth_rescue(self) -> bool {
        matches!(self, ChurnReason::Competitor | ChurnReason::Disappointed)
    }

    /// The reason's name in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            ChurnReason::Natural => "natural",
            ChurnReason::ChangedNeeds => "changed_needs",
            ChurnReason::Competitor => "competitor",
            ChurnReason::Disappointed => "disappointed",
        }
    }

    /// Parses a reason written by a person, case-insensitively: `natural`, `death`,
    /// `deceased`, `bankruptcy`, `bankrupt`, `moved`, `moving`, `moving away`,
    /// `relocation` → Natural; `changed needs`, `changed_needs`, `needs changed`,
    /// `changed` → ChangedNeeds; `competitor`, `competition`, `lured`, `lured away` →
    /// Competitor; `disappointed`, `dissatisfied`, `dissatisfaction` → Disappointed.
    /// An empty text is no reason (`Ok(None)`); anything else is an error.
    pub fn parse(text: &str) -> Result<Option<ChurnReason>, String> {
        let t = text.trim().to_ascii_lowercase().replace(['-', '_'], " ");
        let r = match t.as_str() {
            "" => return Ok(None),
            "natural" | "death" | "deceased" | "bankruptcy" | "bankrupt" | "moved" | "moving"
            | "moving away" | "moved away" | "relocation" => ChurnReason::Natural,
            "changed needs" | "needs changed" | "changed" => ChurnReason::ChangedNeeds,
            "competitor" | "competition" | "lured" | "lured away" => ChurnReason::Competitor,
            "disappointed" | "dissatisfied" | "dissatisfaction" => ChurnReason::Disappointed,
            _ => {
                return Err(format!(
                    "not a churn reason (natural, changed_needs, competitor, disappointed): '{text}'"
                ));
            }
        };
        Ok(Some(r))
    }
}

/// Customer lifetime value `V0 = Σ_{t=1..T} M_t / (1 + i)^t` of a margin schedule
/// `margins = [M_1, …, M_T]` at discount rate `i` per period.
pub fn clv(margins: impl IntoIterator<Item = f64>, discount_rate: f64) -> f64 {
    let mut v = 0.0;
    let mut factor = 1.0;
    for m in margins {
        factor /= 1.0 + discount_rate;
        v += m * factor;
    }
    v
}

/// The customer's margin schedule `M_1, …, M_T` of a CLV spec: the fixed margin or
/// the margin cell (times its scale; NaN when missing) for `T` periods, or the given
/// schedule. Shared by the fixed-horizon and the survival-based CLV.
fn margin_schedule(spec: &ClvSpec, margin_value: Option<f64>) -> impl Iterator<Item = f64> + '_ {
    let t = spec.horizon as usize;
    let (each, schedule) = match &spec.margin {
        Margin::Fixed(m) => (*m, None),
        Margin::Schedule(s) => (0.0, Some(s.as_slice())),
        Margin::Column { scale, .. } => (margin_value.unwrap_or(f64::NAN) * scale, None),
    };
    let fixed = schedule.is_none().then(|| std::iter::repeat_n(each, t));
    schedule
        .into_iter()
        .flatten()
        .copied()
        .chain(fixed.into_iter().flatten())
}

/// Survival-based customer lifetime value of a customer who has stayed `t0` periods:
///
/// ```text
/// CLV = Σ_{t=1..T} M_t · S(t0 + t | x) / S(t0 | x) / (1 + i)^t
/// ```
///
/// — each future period's margin `M_t` (`margins = [M_1, …, M_T]`), weighted by the
/// probability that the customer is still there to pay it, `S(t0 + t) / S(t0)` (their
/// survival curve conditioned on having stayed `t0`), and discounted at rate `i` per
/// period (Gupta & Lehmann 2005; Fader & Hardie's "discounted expected residual
/// lifetime"). It replaces the fixed-horizon CLV's assumption that every customer
/// stays exactly `T` periods: with `S ≡ 1` the two are equal. `survival` is `t ↦ Ŝ(t | x)`, e.g.
/// `|t| curve.survival_at(t)` of a time-to-churn model's curve for the customer
/// (`churnkit::survival::SurvivalCurve`); it is read at `t0, t0 + 1, …, t0 + T`. Where
/// `S(t0) = 0` (the curve says nobody like this customer stays that long) the value is
/// 0.
///
/// *Worked example.* `M_t = 100` for `T = 3` months, `i = 0.1`, a customer 12 months
/// in with `S(12) = 0.8`, `S(13) = 0.72`, `S(14) = 0.6`, `S(15) = 0.4`: the
/// retention ratios are `0.9, 0.75, 0.5` and
/// `CLV = 100·0.9/1.1 + 100·0.75/1.21 + 100·0.5/1.331 = 81.818 + 61.983 + 37.566
/// = 181.367`, against `248.685` for the fixed horizon.
///
/// ```
/// use churnkit::policy::survival_clv;
///
/// let s = |t: f64| match t as u32 { 12 => 0.8, 13 => 0.72, 14 => 0.6, _ => 0.4 };
/// let v = survival_clv(&[100.0; 3], 0.1, 12.0, s)?;
/// assert!((v - 181.367_393).abs() < 1e-6);
/// # Ok::<(), churnkit::Error>(())
/// ```
///
/// # Errors
/// [`Error::Param`] when a margin is not finite, there are more than
/// [`MAX_HORIZON`] margins, the discount rate is not finite and `> −1`, `t0` is not
/// a finite number `>= 0`, or a survival value is not in `[0, 1]` or rises with time.
pub fn survival_clv(
    margins: &[f64],
    discount_rate: f64,
    t0: f64,
    survival: impl Fn(f64) -> f64,
) -> Result<f64> {
    survival_clv_of(margins.iter().copied(), discount_rate, t0, survival)
}

/// [`survival_clv`] over a margin schedule given as an iterator (no copy of it per
/// customer).
fn survival_clv_of(
    margins: impl IntoIterator<Item = f64>,
    discount_rate: f64,
    t0: f64,
    survival: impl Fn(f64) -> f64,
) -> Result<f64> {
    // Checked as they come (no copy of the schedule): at most MAX_HORIZON, finite.
    let mut margins = margins.into_iter().enumerate().map(|(k, m)| {
        if k >= MAX_HORIZON as usize {
            Err(Error::param(
                "horizon",
                k + 1,
                format!("must be at most {MAX_HORIZON} periods"),
            ))
        } else if !m.is_finite() {
            Err(Error::param("margin", m, "must be finite"))
        } else {
            Ok(m)
        }
    });
    if !discount_rate.is_finite() || discount_rate <= -1.0 {
        return Err(Error::param(
            "discount_rate",
            discount_rate,
            "must be finite and > -1",
        ));
    }
    if !(t0.is_finite() && t0 >= 0.0) {
        return Err(Error::param("t0", t0, "must be a finite number >= 0"));
    }
    let probability = |t: f64| {
        let s = survival(t);
        if (0.0..=1.0).contains(&s) {
            Ok(s)
        } else {
            Err(Error::param(
                "survival",
                s,
                format!("S({t}) must be a probability in [0, 1]"),
            ))
        }
    };
    let s0 = probability(t0)?;
    if s0 <= 0.0 {
        // Gone already: worth nothing, once the schedule is known to be sound.
        return margins.try_for_each(|m| m.map(|_| ())).map(|_| 0.0);
    }
    let (mut v, mut factor, mut prev) = (0.0, 1.0, s0);
    for (k, m) in margins.enumerate() {
        let m = m?;
        let t = t0 + (k + 1) as f64;
        let s = probability(t)?;
        if s > prev * (1.0 + 1e-12) {
            return Err(Error::param(
                "survival",
                s,
                format!(
                    "S({t}) rises above S({}) = {prev}: not a survival curve",
                    t - 1.0
                ),
            ));
        }
        prev = s;
        factor /= 1.0 + discount_rate;
        v += m * (s / s0) * factor;
    }
    Ok(v)
}

/// Expected value of a rescue attempt: `E(V) = λ·V1 + (1 − λ)·V2`.
pub fn expected_rescue_value(lambda: f64, v1: f64, v2: f64) -> f64 {
    lambda * v1 + (1.0 - lambda) * v2
}

/// Spend ceiling of a rescue: `E(V) − V3` for a customer known to be leaving, or
/// `p_churn · (E(V) − V3)` for one who has not left (`p_churn = None` means known to
/// be leaving).
pub fn spend_ceiling(expected_value: f64, v3: f64, p_churn: Option<f64>) -> f64 {
    let gain = expected_value - v3;
    p_churn.map_or(gain, |p| p * gain)
}

/// Where a per-customer margin comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Margin {
    /// The same margin every period for every customer.
    Fixed(f64),
    /// A margin schedule `M_1..M_T` for every customer (its length must equal the
    /// horizon).
    Schedule(Vec<f64>),
    /// Each customer's margin per period is `scale × value` of a numeric column (e.g.
    /// `MonthlyCharges` with `scale = 0.3` for a 30% margin).
    Column {
        /// The column's name in the scored data.
        name: String,
        /// Multiplier applied to the column's value.
        scale: f64,
    },
}

/// The longest CLV horizon [`Economics::validate`] accepts: 1200 periods (a century
/// of months). Training, scoring and loading a model all refuse a longer one; the CLV
/// is summed period by period, so the horizon bounds the work per customer.
pub const MAX_HORIZON: u32 = 1200;

/// How lifetime value is computed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClvSpec {
    /// The margin per period.
    pub margin: Margin,
    /// Number of future periods `T` (at most [`MAX_HORIZON`]).
    pub horizon: u32,
    /// Discount rate `i` per period (e.g. 0.01 per month).
    pub discount_rate: f64,
}

/// A value that is the customer's CLV or a fixed amount.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum ValueSpec {
    /// The customer's lifetime value.
    Clv,
    /// A fixed amount.
    Fixed(f64),
}

impl ValueSpec {
    fn value(self, clv: f64) -> f64 {
        match self {
            ValueSpec::Clv => clv,
            ValueSpec::Fixed(v) => v,
        }
    }
}

/// The rescue model `E(V) = λ·V1 + (1 − λ)·V2`, ceiling against `V3`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RescueSpec {
    /// `λ`, the probability a rescue offer succeeds (default 0.3).
    pub success_probability: f64,
    /// `V1`, the value if the rescue succeeds (default: the CLV).
    pub value_if_rescued: ValueSpec,
    /// `V2`, the value if it fails (default 0).
    pub value_if_failed: ValueSpec,
    /// `V3`, the value without a rescue (default 0).
    pub value_without_rescue: ValueSpec,
}

impl Default for RescueSpec {
    fn default() -> Self {
        RescueSpec {
            success_probability: 0.3,
            value_if_rescued: ValueSpec::Clv,
            value_if_failed: ValueSpec::Fixed(0.0),
            value_without_rescue: ValueSpec::Fixed(0.0),
        }
    }
}

/// An amount given globally or per customer from a column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Amount {
    /// The same for everyone.
    Fixed(f64),
    /// A numeric column of the scored data.
    Column(String),
}

/// One rule of a [`ReasonSource::Rules`] list: when `column` equals `equals`, the
/// reason is `reason`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReasonRule {
    /// The column to look at.
    pub column: String,
    /// The value (text, compared after trimming) that triggers the rule.
    pub equals: String,
    /// The churn reason it implies.
    pub reason: ChurnReason,
}

/// Where a customer's churn reason comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ReasonSource {
    /// A column holding reasons as text (see [`ChurnReason::parse`]); empty = unknown.
    Column(String),
    /// Rules tried in order; the first that matches gives the reason, none = unknown.
    Rules(Vec<ReasonRule>),
}

/// Retention economics: what a customer is worth, what their leaving puts at risk, and
/// how much a rescue offer may cost.
///
/// # Customer lifetime value
/// `V0 = Σ_{t=1..T} M_t / (1 + i)^t` — the margin `M_t` of each future period,
/// discounted at rate `i` per period over a horizon of `T` periods (Gupta & Lehmann,
/// *Managing Customers as Investments*, 2005). With a constant margin this is
/// `M · (1 − (1 + i)^−T) / i`.
///
/// *Worked example.* `M = 100` per month, `T = 3`, `i = 0.1`:
/// `V0 = 100/1.1 + 100/1.21 + 100/1.331 = 90.909 + 82.645 + 75.131 = 248.685`.
///
/// # The rescue decision
/// A rescue offer succeeds with probability `λ`. If it succeeds the customer is worth
/// `V1`, if it fails `V2`; without any rescue `V3`. The expected value of trying is
/// `E(V) = λ·V1 + (1 − λ)·V2`, and the most a rescue may cost (the spend ceiling) is
/// `E(V) − V3` for a customer known to be leaving. For a customer who has not left
/// yet, the rescue is only needed if they would leave, so the ceiling is weighted by
/// the churn probability: `ceiling = p_churn · (E(V) − V3)`. A rescue is recommended
/// only when the offer costs strictly less than the ceiling. Defaults: `V1 = CLV`,
/// `V2 = V3 = 0`, `λ = 0.3` (the mean offer-acceptance rate used in the churn-profit
/// literature, Verbeke et al. 2012 / Verbraken et al. 2013). The expected value at risk
/// is `p_churn · CLV`.
///
/// *Worked example (continued).* `λ = 0.3`, `V1 = 248.685`, `V2 = V3 = 0`:
/// `E(V) = 74.606`. A customer with `p_churn = 0.6` has `value_at_risk = 149.211` and
/// `ceiling = 0.6 · 74.606 = 44.763`: an offer costing 40 is worth making, one
/// costing 50 is not. Had the customer already announced leaving, the ceiling would be
/// the full `74.606`.
///
/// # Churn reasons
/// Customers leave for natural reasons (death, bankruptcy, moving away), because their
/// needs changed, because a competitor lured them away, or because they were
/// disappointed. Only the last two can be reversed by an offer: for a customer whose
/// reason is known to be natural or changed needs, the ceiling is 0, no rescue is
/// recommended and the result says why.
///
/// Everything the retention figures need; stored in the model as a default and
/// overridable on the [`Scorer`](crate::score::Scorer).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Economics {
    /// How CLV is computed; `None` leaves all retention figures out.
    pub clv: Option<ClvSpec>,
    /// The rescue model.
    pub rescue: RescueSpec,
    /// The cost of the rescue offer; without it no rescue is recommended.
    pub offer_cost: Option<Amount>,
    /// The customers' churn reasons, if known.
    pub churn_reason: Option<ReasonSource>,
    /// A column that says the customer has already left or announced leaving (`yes`,
    /// `true`, `1`, `left`, `churned`; case-insensitive): their ceiling is not weighted
    /// by the churn probability.
    pub left_column: Option<String>,
}

impl Economics {
    /// Checks the parameters (finite amounts, `λ` in [0, 1], a discount rate above −1,
    /// a horizon of at most [`MAX_HORIZON`] periods).
    pub fn validate(&self) -> Result<()> {
        if let Some(c) = &self.clv {
            if c.horizon > MAX_HORIZON {
                return Err(Error::param(
                    "horizon",
                    c.horizon,
                    format!("must be at most {MAX_HORIZON} periods"),
                ));
            }
            if !c.discount_rate.is_finite() || c.discount_rate <= -1.0 {
                return Err(Error::param(
                    "discount_rate",
                    c.discount_rate,
                    "must be finite and > -1",
                ));
            }
            match &c.margin {
                Margin::Fixed(m) if !m.is_finite() => {
                    return Err(Error::param("margin", m, "must be finite"));
                }
                Margin::Schedule(s) if s.len() != c.horizon as usize => {
                    return Err(Error::param(
                        "margin schedule",
                        s.len(),
                        format!(
                            "must have one margin per period of the horizon ({})",
                            c.horizon
                        ),
                    ));
                }
                Margin::Schedule(s) if s.iter().any(|m| !m.is_finite()) => {
                    return Err(Error::param(
                        "margin schedule",
                        format!("{s:?}"),
                        "must be finite",
                    ));
                }
                Margin::Column { scale, .. } if !scale.is_finite() => {
                    return Err(Error::param("margin scale", scale, "must be finite"));
                }
                _ => {}
            }
        }
        let l = self.rescue.success_probability;
        if !(0.0..=1.0).contains(&l) {
            return Err(Error::param(
                "success_probability (λ)",
                l,
                "must be in [0, 1]",
            ));
        }
        for (name, v) in [
            ("value_if_rescued (V1)", self.rescue.value_if_rescued),
            ("value_if_failed (V2)", self.rescue.value_if_failed),
            (
                "value_without_rescue (V3)",
                self.rescue.value_without_rescue,
            ),
        ] {
            if let ValueSpec::Fixed(x) = v
                && !x.is_finite()
            {
                return Err(Error::param(name, x, "must be finite"));
            }
        }
        if let Some(Amount::Fixed(c)) = &self.offer_cost
            && !c.is_finite()
        {
            return Err(Error::param("offer_cost", c, "must be finite"));
        }
        Ok(())
    }

    /// The columns of the scored data these economics read (never features' extra
    /// columns to warn about).
    pub fn columns(&self) -> Vec<&str> {
        let mut out = Vec::new();
        if let Some(ClvSpec {
            margin: Margin::Column { name, .. },
            ..
        }) = &self.clv
        {
            out.push(name.as_str());
        }
        if let Some(Amount::Column(c)) = &self.offer_cost {
            out.push(c.as_str());
        }
        match &self.churn_reason {
            Some(ReasonSource::Column(c)) => out.push(c.as_str()),
            Some(ReasonSource::Rules(rules)) => out.extend(rules.iter().map(|r| r.column.as_str())),
            None => {}
        }
        if let Some(c) = &self.left_column {
            out.push(c.as_str());
        }
        out
    }

    /// The customer's CLV given their margin column value (`None` without a margin
    /// column; NaN when the column's cell is missing).
    pub fn customer_clv(&self, margin_value: Option<f64>) -> Option<f64> {
        let spec = self.clv.as_ref()?;
        Some(clv(margin_schedule(spec, margin_value), spec.discount_rate))
    }

    /// The customer's survival-based CLV ([`survival_clv`]): the margin schedule of
    /// [`customer_clv`](Self::customer_clv) (`M_t` for `t = 1..T`), each period
    /// weighted by `S(t0 + t) / S(t0)` of the customer's curve `survival` given their
    /// current tenure `t0`, discounted at the CLV's rate. `None` without a CLV; NaN
    /// when the margin cell is missing or the curve is not a survival curve.
    pub fn customer_survival_clv(
        &self,
        margin_value: Option<f64>,
        t0: f64,
        survival: impl Fn(f64) -> f64,
    ) -> Option<f64> {
        let spec = self.clv.as_ref()?;
        let margins = margin_schedule(spec, margin_value);
        Some(survival_clv_of(margins, spec.discount_rate, t0, survival).unwrap_or(f64::NAN))
    }

    /// The retention figures of one customer.
    pub fn retention(&self, facts: &CustomerFacts, p_churn: f64) -> Option<Retention> {
        self.retention_at(facts, p_churn, self.rescue.success_probability)
    }

    /// The retention figures of one customer whose rescue succeeds with probability
    /// `lambda` (e.g. the λ of their lifecycle stage) instead of the economics' one.
    pub fn retention_at(
        &self,
        facts: &CustomerFacts,
        p_churn: f64,
        lambda: f64,
    ) -> Option<Retention> {
        self.retention_given(facts, p_churn, lambda, None::<(f64, fn(f64) -> f64)>)
    }

    /// The retention figures of one customer: [`retention_at`](Self::retention_at),
    /// with the CLV from the customer's survival curve when `survival` gives their
    /// current tenure `t0` and `t ↦ Ŝ(t | x)`
    /// ([`customer_survival_clv`](Self::customer_survival_clv): a time-to-churn model
    /// replaces the fixed horizon), else the fixed-horizon
    /// [`customer_clv`](Self::customer_clv). The value at risk, `E(V)` and the spend
    /// ceiling follow from that CLV. The one place scoring prices a customer.
    pub fn retention_given(
        &self,
        facts: &CustomerFacts,
        p_churn: f64,
        lambda: f64,
        survival: Option<(f64, impl Fn(f64) -> f64)>,
    ) -> Option<Retention> {
        let clv = match survival {
            Some((t0, s)) => self.customer_survival_clv(facts.margin, t0, s)?,
            None => self.customer_clv(facts.margin)?,
        };
        let r = &self.rescue;
        let ev = expected_rescue_value(
            lambda,
            r.value_if_rescued.value(clv),
            r.value_if_failed.value(clv),
        );
        let v3 = r.value_without_rescue.value(clv);
        let value_at_risk = p_churn * clv;
        let offer_cost = facts.offer_cost;
        let mut spend_ceiling =
            spend_ceiling(ev, v3, if facts.has_left { None } else { Some(p_churn) });
        let mut rescue;
        let note;
        match facts.reason {
            Some(reason) if !reason.worth_rescue() => {
                spend_ceiling = 0.0;
                rescue = false;
                note = format!("churn reason {}: not worth a rescue", reason.as_str());
            }
            _ => {
                rescue = false;
                note = match offer_cost {
                    None => "no offer cost given: no rescue recommended".to_string(),
                    Some(c) if c.is_nan() => {
                        "offer cost missing: no rescue recommended".to_string()
                    }
                    Some(c) if c < spend_ceiling => {
                        rescue = true;
                        match facts.reason {
                            Some(reason) => format!(
                                "churn reason {}: worth a rescue; offer {c} < ceiling",
                                reason.as_str()
                            ),
                            None => format!("offer {c} < ceiling"),
                        }
                    }
                    Some(c) => format!("offer {c} ≥ ceiling: no rescue"),
                };
            }
        }
        if clv.is_nan() {
            rescue = false;
        }
        Some(Retention {
            clv,
            value_at_risk,
            expected_value: ev,
            spend_ceiling,
            offer_cost,
            rescue,
            churn_reason: facts.reason,
            note,
        })
    }
}

/// What the economics know of one customer beyond the model's features.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CustomerFacts {
    /// The margin column's value (NaN if missing), when CLV comes from a column.
    pub margin: Option<f64>,
    /// The offer's cost for this customer.
    pub offer_cost: Option<f64>,
    /// The known churn reason.
    pub reason: Option<ChurnReason>,
    /// True when the customer has already left or announced leaving.
    pub has_left: bool,
}

/// A customer's retention figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Retention {
    /// Customer lifetime value `V0` (NaN when the margin was missing).
    pub clv: f64,
    /// `p_churn × CLV`.
    pub value_at_risk: f64,
    /// `E(V) = λ·V1 + (1 − λ)·V2`.
    pub expected_value: f64,
    /// The most a rescue may cost.
    pub spend_ceiling: f64,
    /// The offer's cost, if given.
    pub offer_cost: Option<f64>,
    /// Whether a rescue is recommended (offer cost < ceiling, reason worth it).
    pub rescue: bool,
    /// The churn reason, if known.
    pub churn_reason: Option<ChurnReason>,
    /// Why the rescue is or is not recommended.
    pub note: String,
}

#[cfg(test)]
mod tests {

    #[test]
    fn survival_clv_by_hand() {
        // The worked example of `survival_clv`'s docs.
        let s = |t: f64| match t as u32 {
            12 => 0.8,
            13 => 0.72,
            14 => 0.6,
            _ => 0.4,
        };
        let v = survival_clv(&[100.0; 3], 0.1, 12.0, s).unwrap();
        let want = 100.0 * 0.9 / 1.1 + 100.0 * 0.75 / 1.21 + 100.0 * 0.5 / 1.331;
        assert!(
            (v - want).abs() < 1e-9 && (v - 181.367_393).abs() < 1e-6,
            "{v}"
        );
        // Nobody leaves: the fixed-horizon CLV (248.685 in `Economics`' example).
        let stay = survival_clv(&[100.0; 3], 0.1, 5.0, |_| 1.0).unwrap();
        assert!((stay - clv([100.0; 3], 0.1)).abs() < 1e-12);
        assert!((stay - 248.685).abs() < 1e-3);
        // A margin schedule and no discounting: Σ M_t S(t0+t)/S(t0).
        let v = survival_clv(&[10.0, 20.0, 30.0], 0.0, 12.0, s).unwrap();
        assert!((v - (9.0 + 15.0 + 15.0)).abs() < 1e-12);
        // The curve says nobody stays this long: no value.
        assert_eq!(survival_clv(&[100.0], 0.1, 3.0, |_| 0.0).unwrap(), 0.0);
        assert_eq!(survival_clv(&[], 0.1, 3.0, |_| 0.5).unwrap(), 0.0);
    }

    #[test]
    fn survival_clv_refuses_bad_input() {
        let s = |_| 0.5;
        assert!(survival_clv(&[f64::NAN], 0.1, 0.0, s).is_err());
        assert!(survival_clv(&[1.0], -1.0, 0.0, s).is_err());
        assert!(survival_clv(&[1.0], 0.1, -1.0, s).is_err());
        assert!(survival_clv(&[1.0], 0.1, f64::INFINITY, s).is_err());
        assert!(survival_clv(&vec![1.0; 1201], 0.1, 0.0, s).is_err());
        assert!(survival_clv(&[1.0], 0.1, 0.0, |_| 1.5).is_err());
        assert!(survival_clv(&[1.0], 0.1, 0.0, |_| f64::NAN).is_err());
        let rising = |t: f64| if t < 1.0 { 0.5 } else { 0.6 };
        let e = survival_clv(&[1.0], 0.1, 0.0, rising)
            .unwrap_err()
            .to_string();
        assert!(e.contains("rises"), "{e}");
    }

    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-3
    }

    #[test]
    fn clv_worked_example() {
        // 100/1.1 + 100/1.21 + 100/1.331 = 248.685
        let v = clv([100.0; 3], 0.1);
        assert!(close(v, 248.685), "{v}");
        // Closed form M(1 − (1+i)^−T)/i.
        assert!((v - 100.0 * (1.0 - 1.1f64.powi(-3)) / 0.1).abs() < 1e-9);
        // A schedule: 50/1.05 + 80/1.1025 = 47.619 + 72.562 = 120.181
        assert!(close(clv([50.0, 80.0], 0.05), 120.181));
        assert_eq!(clv([10.0, 10.0], 0.0), 20.0);
    }

    #[test]
    fn retention_given_a_survival_curve() {
        // The worked example of `survival_clv` through the scorer's one pricing place:
        // M = 100 for T = 3, i = 0.1, t0 = 12, S(12..15) = 0.8, 0.72, 0.6, 0.4.
        let e = Economics {
            clv: Some(ClvSpec {
                margin: Margin::Fixed(100.0),
                horizon: 3,
                discount_rate: 0.1,
            }),
            offer_cost: Some(Amount::Fixed(40.0)),
            ..Economics::default()
        };
        let facts = CustomerFacts {
            offer_cost: Some(40.0),
            ..Default::default()
        };
        let s = |t: f64| match t as u32 {
            12 => 0.8,
            13 => 0.72,
            14 => 0.6,
            _ => 0.4,
        };
        let r = e
            .retention_given(&facts, 0.6, 0.3, Some((12.0, s)))
            .unwrap();
        assert!(close(r.clv, 181.367), "{}", r.clv);
        // Value at risk and E(V) follow the CLV: 0.6 · 181.367, 0.3 · 181.367.
        assert!(close(r.value_at_risk, 108.820), "{}", r.value_at_risk);
        assert!(close(r.expected_value, 54.410), "{}", r.expected_value);
        // Without a curve: the fixed horizon, as `retention_at`.
        let fixed = e
            .retention_given(&facts, 0.6, 0.3, None::<(f64, fn(f64) -> f64)>)
            .unwrap();
        assert_eq!(fixed, e.retention_at(&facts, 0.6, 0.3).unwrap());
        assert!(close(fixed.clv, 248.685));
        // A margin column: M_t = margin · scale; a missing cell gives NaN, no rescue.
        let col = Economics {
            clv: Some(ClvSpec {
                margin: Margin::Column {
                    name: "m".into(),
                    scale: 2.0,
                },
                horizon: 3,
                discount_rate: 0.1,
            }),
            ..Economics::default()
        };
        let v = col.customer_survival_clv(Some(50.0), 12.0, s).unwrap();
        assert!(close(v, 181.367), "{v}");
        assert!(col.customer_survival_clv(None, 12.0, s).unwrap().is_nan());
        // Not a survival curve: NaN rather than a figure.
        assert!(
            col.customer_survival_clv(Some(1.0), 0.0, |_| 1.5)
                .unwrap()
                .is_nan()
        );
        assert!(
            Economics::default()
                .customer_survival_clv(Some(1.0), 0.0, s)
                .is_none()
        );
    }

    #[test]
    fn rescue_worked_example() {
        let e = Economics {
            clv: Some(ClvSpec {
                margin: Margin::Fixed(100.0),
                horizon: 3,
                discount_rate: 0.1,
            }),
            offer_cost: Some(Amount::Fixed(40.0)),
            ..Economics::default()
        };
        e.validate().unwrap();
        let facts = CustomerFacts {
            offer_cost: Some(40.0),
            ..Default::default()
        };
        let r = e.retention(&facts, 0.6).unwrap();
        assert!(close(r.clv, 248.685));
        assert!(close(r.expected_value, 74.606), "{}", r.expected_value); // 0.3 · 248.685
        assert!(close(r.value_at_risk, 149.211));
        assert!(close(r.spend_ceiling, 44.763), "{}", r.spend_ceiling);
        assert!(r.rescue);
        let dear = CustomerFacts {
            offer_cost: Some(50.0),
            ..facts
        };
        assert!(!e.retention(&dear, 0.6).unwrap().rescue);
        // Already leaving: the full E(V) − V3.
        let left = CustomerFacts {
            offer_cost: Some(50.0),
            has_left: true,
            ..facts
        };
        let r = e.retention(&left, 0.6).unwrap();
        assert!(close(r.spend_ceiling, 74.606));
        assert!(r.rescue);
        // V2 = 20, V3 = 10, λ = 0.5: E = 0.5·248.685 + 0.5·20 = 134.343; ceiling (p=0.5)
        // = 0.5·(134.343 − 10) = 62.171.
        let e2 = Economics {
            rescue: RescueSpec {
                success_probability: 0.5,
                value_if_rescued: ValueSpec::Clv,
                value_if_failed: ValueSpec::Fixed(20.0),
                value_without_rescue: ValueSpec::Fixed(10.0),
            },
            ..e.clone()
        };
        let r = e2.retention(&facts, 0.5).unwrap();
        assert!(close(r.expected_value, 134.343));
        assert!(close(r.spend_ceiling, 62.171));
    }

    #[test]
    fn only_competitor_and_disappointed_are_worth_a_rescue() {
        let e = Economics {
            clv: Some(ClvSpec {
                margin: Margin::Fixed(100.0),
                horizon: 3,
                discount_rate: 0.1,
            }),
            ..Economics::default()
        };
        for (text, worth) in [
            ("death", false),
            ("moving away", false),
            ("bankruptcy", false),
            ("changed needs", false),
            ("Competitor", true),
            ("lured away", true),
            ("disappointed", true),
        ] {
            let reason = ChurnReason::parse(text).unwrap().unwrap();
            assert_eq!(reason.worth_rescue(), worth, "{text}");
            let facts = CustomerFacts {
                offer_cost: Some(1.0),
                reason: Some(reason),
                ..Default::default()
            };
            let r = e.retention(&facts, 0.9).unwrap();
            assert_eq!(r.rescue, worth, "{text}");
            if !worth {
                assert_eq!(r.spend_ceiling, 0.0);
                assert!(r.note.contains("not worth a rescue"), "{}", r.note);
            } else {
                assert!(r.note.contains("worth a rescue"), "{}", r.note);
            }
        }
        assert_eq!(ChurnReason::parse("  ").unwrap(), None);
        assert!(ChurnReason::parse("aliens").is_err());
    }

    #[test]
    fn margin_column_and_bad_parameters() {
        let e = Economics {
            clv: Some(ClvSpec {
                margin: Margin::Column {
                    name: "MonthlyCharges".into(),
                    scale: 0.5,
                },
                horizon: 2,
                discount_rate: 0.0,
            }),
            ..Economics::default()
        };
        assert_eq!(e.customer_clv(Some(80.0)), Some(80.0));
        assert!(e.customer_clv(None).unwrap().is_nan());
        assert_eq!(e.columns(), vec!["MonthlyCharges"]);
        let bad = Economics {
            rescue: RescueSpec {
                success_probability: 1.5,
                ..RescueSpec::default()
            },
            ..Economics::default()
        };
        assert!(bad.validate().is_err());
        let bad = Economics {
            clv: Some(ClvSpec {
                margin: Margin::Schedule(vec![1.0]),
                horizon: 3,
                discount_rate: 0.1,
            }),
            ..Economics::default()
        };
        assert!(bad.validate().is_err());
    }
}
