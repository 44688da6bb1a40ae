//! One Arrow column read cell by cell ([`Cells`]): each supported type gives a
//! [`Value`] per row, which the table reader and the scoring reader turn into numbers,
//! levels, labels, ids or text exactly as they turn CSV cells.

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Decimal128Type, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type,
    UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{
    Array, BooleanArray, Decimal128Array, LargeStringArray, PrimitiveArray, StringArray,
    StringViewArray,
};
use arrow_schema::DataType;

/// What one Arrow cell holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Value<'a> {
    /// A null.
    Null,
    /// A signed integer.
    Int(i64),
    /// An unsigned integer.
    UInt(u64),
    /// A floating-point number (may be NaN or infinite).
    Float(f64),
    /// A decimal: the unscaled value and the scale.
    Decimal(i128, i8),
    /// Text.
    Text(&'a str),
    /// A boolean.
    Bool(bool),
}

impl Value<'_> {
    /// The number a numeric or boolean cell holds (`true` is 1); None for a null or
    /// text. NaN stays NaN.
    #[inline]
    pub(crate) fn number(self) -> Option<f64> {
        match self {
            Value::Int(x) => Some(x as f64),
            Value::UInt(x) => Some(x as f64),
            Value::Float(x) => Some(x),
            Value::Decimal(v, scale) => Some(v as f64 / 10f64.powi(i32::from(scale))),
            Value::Bool(b) => Some(if b { 1.0 } else { 0.0 }),
            Value::Null | Value::Text(_) => None,
        }
    }

    /// Writes a non-text cell as text into `buf` (cleared first): integers in full,
    /// floats in Rust's shortest round-trip form (`1.5`, `2`), decimals with their
    /// scale's digits (`12.50`), booleans as `true` / `false`; a null or a NaN as the
    /// empty text (missing). Text cells are returned as they are, without copying.
    pub(crate) fn text<'b>(self, buf: &'b mut String) -> &'b str
    where
        Self: 'b,
    {
        use std::fmt::Write as _;
        buf.clear();
        // Writing to a String cannot fail.
        let _ = match self {
            Value::Null => Ok(()),
            Value::Int(x) => write!(buf, "{x}"),
            Value::UInt(x) => write!(buf, "{x}"),
            Value::Float(x) if x.is_nan() => Ok(()),
            Value::Float(x) => write!(buf, "{x}"),
            Value::Decimal(v, scale) => write_decimal(buf, v, scale),
            Value::Bool(b) => buf.write_str(if b { "true" } else { "false" }),
            Value::Text(t) => return t,
        };
        buf
    }
}

/// `v × 10^-scale` written exactly (`1250`, scale 2: `12.50`).
fn write_decimal(buf: &mut String, v: i128, scale: i8) -> std::fmt::Result {
    use std::fmt::Write as _;
    if scale <= 0 {
        write!(buf, "{v}")?;
        for _ in 0..(-i32::from(scale)) {
            buf.push('0');
        }
        return Ok(());
    }
    let digits = v.unsigned_abs().to_string();
    let scale = scale as usize;
    if v < 0 {
        buf.push('-');
    }
    if digits.len() <= scale {
        buf.push_str("0.");
        for _ in digits.len()..scale {
            buf.push('0');
        }
        buf.push_str(&digits);
    } else {
        let (int, frac) = digits.split_at(digits.len() - scale);
        write!(buf, "{int}.{frac}")?;
    }
    Ok(())
}

/// The kind of values a column of an Arrow type holds, or None when churnkit cannot
/// read the type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TypeKind {
    /// Integers, floats, decimals: a numeric feature unless declared categorical.
    Number,
    /// Text, booleans, dictionaries of text: a categorical feature unless declared
    /// numeric.
    Text,
    /// A column of nulls only (Arrow's `Null` type): a numeric feature, all missing.
    Null,
}

/// How churnkit reads a column of `data_type` (None: unsupported).
pub(crate) fn type_kind(data_type: &DataType) -> Option<TypeKind> {
    use DataType as D;
    match data_type {
        D::Int8
        | D::Int16
        | D::Int32
        | D::Int64
        | D::UInt8
        | D::UInt16
        | D::UInt32
        | D::UInt64
        | D::Float32
        | D::Float64
        | D::Decimal128(_, _) => Some(TypeKind::Number),
        D::Utf8 | D::LargeUtf8 | D::Utf8View | D::Boolean => Some(TypeKind::Text),
        D::Null => Some(TypeKind::Null),
        D::Dictionary(key, value) if key.is_dictionary_key_type() => type_kind(value),
        _ => None,
    }
}

/// One column of a record batch, readable cell by cell.
pub(crate) enum Cells<'a> {
    I8(&'a PrimitiveArray<Int8Type>),
    I16(&'a PrimitiveArray<Int16Type>),
    I32(&'a PrimitiveArray<Int32Type>),
    I64(&'a PrimitiveArray<Int64Type>),
    U8(&'a PrimitiveArray<UInt8Type>),
    U16(&'a PrimitiveArray<UInt16Type>),
    U32(&'a PrimitiveArray<UInt32Type>),
    U64(&'a PrimitiveArray<UInt64Type>),
    F32(&'a PrimitiveArray<Float32Type>),
    F64(&'a PrimitiveArray<Float64Type>),
    Dec(&'a Decimal128Array, i8),
    Bool(&'a BooleanArray),
    Str(&'a StringArray),
    LargeStr(&'a LargeStringArray),
    View(&'a StringViewArray),
    /// All null (Arrow's `Null` type), this many rows.
    Nulls(usize),
    /// A dictionary: each row's key (None for a null) into the values' cells.
    Dict(Vec<Option<u32>>, Box<Cells<'a>>),
}

impl<'a> Cells<'a> {
    /// The cells of `array`; None when its type is not one [`type_kind`] accepts.
    pub(crate) fn of(array: &'a dyn Array) -> Option<Cells<'a>> {
        use DataType as D;
        Some(match array.data_type() {
            D::Int8 => Cells::I8(array.as_primitive()),
            D::Int16 => Cells::I16(array.as_primitive()),
            D::Int32 => Cells::I32(array.as_primitive()),
            D::Int64 => Cells::I64(array.as_primitive()),
            D::UInt8 => Cells::U8(array.as_primitive()),
            D::UInt16 => Cells::U16(array.as_primitive()),
            D::UInt32 => Cells::U32(array.as_primitive()),
            D::UInt64 => Cells::U64(array.as_primitive()),
            D::Float32 => Cells::F32(array.as_primitive()),
            D::Float64 => Cells::F64(array.as_primitive()),
            D::Decimal128(_, scale) => Cells::Dec(array.as_primitive::<Decimal128Type>(), *scale),
            D::Boolean => Cells::Bool(array.as_boolean()),
            D::Utf8 => Cells::Str(array.as_string::<i32>()),
            D::LargeUtf8 => Cells::LargeStr(array.as_string::<i64>()),
            D::Utf8View => Cells::View(array.as_string_view()),
            D::Null => Cells::Nulls(array.len()),
            D::Dictionary(_, value) => {
                type_kind(value)?;
                let dict = array.as_any_dictionary();
                let values = Cells::of(dict.values().as_ref())?;
                let keys: Vec<Option<u32>> = if dict.values().is_empty() {
                    vec![None; array.len()]
                } else {
                    let nulls = dict.keys().logical_nulls();
                    dict.normalized_keys()
                        .into_iter()
                        .enumerate()
                        .map(|(i, k)| {
                            (!nulls.as_ref().is_some_and(|n| n.is_null(i))).then_some(k as u32)
                        })
                        .collect()
                };
                Cells::Dict(keys, Box::new(values))
            }
            _ => return None,
        })
    }

    /// Number of rows.
    pub(crate) fn len(&self) -> usize {
        match self {
            Cells::I8(a) => a.len(),
            Cells::I16(a) => a.len(),
            Cells::I32(a) => a.len(),
            Cells::I64(a) => a.len(),
            Cells::U8(a) => a.len(),
            Cells::U16(a) => a.len(),
            Cells::U32(a) => a.len(),
            Cells::U64(a) => a.len(),
            Cells::F32(a) => a.len(),
            Cells::F64(a) => a.len(),
            Cells::Dec(a, _) => a.len(),
            Cells::Bool(a) => a.len(),
            Cells::Str(a) => a.len(),
            Cells::LargeStr(a) => a.len(),
            Cells::View(a) => a.len(),
            Cells::Nulls(n) => *n,
            Cells::Dict(k, _) => k.len(),
        }
    }

    /// The cell of row `i` (`i < len()`).
    #[inline]
    pub(crate) fn get(&self, i: usize) -> Value<'a> {
        macro_rules! prim {
            ($a:expr, $v:ident, $conv:expr) => {
                if $a.is_null(i) {
                    Value::Null
                } else {
                    Value::$v($conv($a.value(i)))
                }
            };
        }
        match self {
            Cells::I8(a) => prim!(a, Int, i64::from),
            Cells::I16(a) => prim!(a, Int, i64::from),
            Cells::I32(a) => prim!(a, Int, i64::from),
            Cells::I64(a) => prim!(a, Int, |x| x),
            Cells::U8(a) => prim!(a, UInt, u64::from),
            Cells::U16(a) => prim!(a, UInt, u64::from),
            Cells::U32(a) => prim!(a, UInt, u64::from),
            Cells::U64(a) => prim!(a, UInt, |x| x),
            Cells::F32(a) => prim!(a, Float, f64::from),
            Cells::F64(a) => prim!(a, Float, |x| x),
            Cells::Dec(a, scale) => {
                if a.is_null(i) {
                    Value::Null
                } else {
                    Value::Decimal(a.value(i), *scale)
                }
            }
            Cells::Bool(a) => prim!(a, Bool, |x| x),
            Cells::Str(a) => prim!(a, Text, |x| x),
            Cells::LargeStr(a) => prim!(a, Text, |x| x),
            Cells::View(a) => prim!(a, Text, |x| x),
            Cells::Nulls(_) => Value::Null,
            Cells::Dict(keys, values) => match keys[i] {
                Some(k) => values.get(k as usize),
                None => Value::Null,
            },
        }
    }

    /// For a dictionary: each row's key (None for a null) and the number of values,
    /// so a reader can convert each distinct value once.
    pub(crate) fn dictionary(&self) -> Option<(&[Option<u32>], &Cells<'a>)> {
        match self {
            Cells::Dict(k, v) => Some((k, v)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_as_text_and_numbers() {
        let mut buf = String::new();
        assert_eq!(Value::Int(-3).text(&mut buf), "-3");
        assert_eq!(Value::Float(2.0).text(&mut buf), "2");
        assert_eq!(Value::Float(f64::NAN).text(&mut buf), "");
        assert_eq!(Value::Decimal(1250, 2).text(&mut buf), "12.50");
        assert_eq!(Value::Decimal(-5, 3).text(&mut buf), "-0.005");
        assert_eq!(Value::Decimal(7, -2).text(&mut buf), "700");
        assert_eq!(Value::Bool(true).text(&mut buf), "true");
        assert_eq!(Value::Null.text(&mut buf), "");
        assert_eq!(Value::Decimal(1250, 2).number(), Some(12.5));
        assert_eq!(Value::UInt(7).number(), Some(7.0));
        assert_eq!(Value::Text("7").number(), None);
    }
}
