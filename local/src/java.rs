//! How AWS's services, written in Java, print values in their answers and messages: a
//! double as `Double.toString` writes it, a character as a `\u` escape. A leaf: CloudWatch's alarm reasons, its query
//! protocol's XML and the models' validation messages share it.

/// A number as Java's `Double.toString` writes it: `0.0`, `21.5`, `1.0E7`.
pub fn double(value: f64) -> String {
    if !value.is_finite() {
        return if value.is_nan() {
            "NaN".into()
        } else if value > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        };
    }
    let magnitude = value.abs();
    if magnitude == 0.0 || (1e-3..1e7).contains(&magnitude) {
        return format!("{value:?}");
    }
    let text = format!("{value:e}");
    let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
    if mantissa.contains('.') {
        format!("{mantissa}E{exponent}")
    } else {
        format!("{mantissa}.0E{exponent}")
    }
}

/// `c` as Java's `\u` escapes of its UTF-16 code units (two for a character beyond the
/// Basic Multilingual Plane), the hex digits in upper or lower case.
pub fn push_unicode_escape(out: &mut String, c: char, upper: bool) {
    let mut units = [0u16; 2];
    for unit in c.encode_utf16(&mut units) {
        if upper {
            out.push_str(&format!("\\u{unit:04X}"));
        } else {
            out.push_str(&format!("\\u{unit:04x}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::double as java_double;

    #[test]
    fn numbers_are_written_as_java_writes_doubles() {
        for (value, text) in [
            (0.0, "0.0"),
            (1.0, "1.0"),
            (21.5, "21.5"),
            (0.005, "0.005"),
            (1234567.0, "1234567.0"),
            (1.0e7, "1.0E7"),
            (2.5e-4, "2.5E-4"),
            (-3.0, "-3.0"),
        ] {
            assert_eq!(java_double(value), text);
        }
    }
}
