//! Dates without a date crate: RFC 3339 for reports, the compact form SigV4 signs, the HTTP date
//! Azure signs and `Retry-After` may carry.

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch, now.
pub(crate) fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// (year, month, day) of a day number since 1970-01-01 (Howard Hinnant's algorithm).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Day number since 1970-01-01 of a civil date.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

struct Parts {
    y: i64,
    mo: u32,
    d: u32,
    h: i64,
    mi: i64,
    s: i64,
    weekday: usize,
}

fn parts(unix: i64) -> Parts {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let (y, mo, d) = civil(days);
    Parts {
        y,
        mo,
        d,
        h: secs / 3600,
        mi: secs % 3600 / 60,
        s: secs % 60,
        // 1970-01-01 was a Thursday.
        weekday: (days + 4).rem_euclid(7) as usize,
    }
}

/// `2024-05-01T12:00:00Z`.
pub(crate) fn rfc3339(unix: i64) -> String {
    let p = parts(unix);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        p.y, p.mo, p.d, p.h, p.mi, p.s
    )
}

/// `20150830T123600Z` and `20150830`, as SigV4 signs them.
pub(crate) fn amz_date(unix: i64) -> (String, String) {
    let p = parts(unix);
    let day = format!("{:04}{:02}{:02}", p.y, p.mo, p.d);
    (format!("{day}T{:02}{:02}{:02}Z", p.h, p.mi, p.s), day)
}

const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `Sun, 06 Nov 1994 08:49:37 GMT` (RFC 9110 IMF-fixdate).
pub(crate) fn http_date(unix: i64) -> String {
    let p = parts(unix);
    format!(
        "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
        DAYS[p.weekday],
        p.d,
        MONTHS[(p.mo - 1) as usize],
        p.y,
        p.h,
        p.mi,
        p.s
    )
}

/// Parses an IMF-fixdate (`Retry-After: Sun, 06 Nov 1994 08:49:37 GMT`).
pub(crate) fn parse_http_date(s: &str) -> Option<i64> {
    let rest = s.trim().split_once(", ")?.1;
    let mut it = rest.split_whitespace();
    let d: u32 = it.next()?.parse().ok()?;
    let mon = it.next()?;
    let mo = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(mon))? as u32 + 1;
    let y: i64 = it.next()?.parse().ok()?;
    let mut hms = it.next()?.split(':');
    let h: i64 = hms.next()?.parse().ok()?;
    let mi: i64 = hms.next()?.parse().ok()?;
    let sec: i64 = hms.next()?.parse().ok()?;
    Some(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + sec)
}

/// Normalises a provider's expiry to RFC 3339 where its form is recognised: Unix seconds or
/// milliseconds, `YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS[ UTC]`. Anything else is kept as given.
pub(crate) fn normalize_expiry(v: &serde_json::Value) -> Option<serde_json::Value> {
    use serde_json::Value;
    match v {
        Value::Number(n) => {
            let x = n.as_f64()?;
            if x <= 0.0 {
                return None;
            }
            let secs = if x > 1e11 { x / 1000.0 } else { x };
            Some(Value::String(rfc3339(secs as i64)))
        }
        Value::String(s) => {
            let s = s.trim();
            if s.is_empty() {
                return None;
            }
            if s.len() >= 9 && s.bytes().all(|b| b.is_ascii_digit()) {
                return normalize_expiry(&Value::Number(s.parse::<u64>().ok()?.into()));
            }
            let b = s.as_bytes();
            let date_ok = b.len() >= 10
                && b[4] == b'-'
                && b[7] == b'-'
                && b[..4]
                    .iter()
                    .chain(&b[5..7])
                    .chain(&b[8..10])
                    .all(u8::is_ascii_digit);
            if date_ok && b.len() == 10 {
                return Some(Value::String(format!("{s}T00:00:00Z")));
            }
            if date_ok && b.len() >= 19 && b[10] == b' ' {
                let tail = s[19..].trim();
                if tail.is_empty() || tail.eq_ignore_ascii_case("utc") || tail == "+0000" {
                    return Some(Value::String(format!("{}T{}Z", &s[..10], &s[11..19])));
                }
            }
            Some(Value::String(s.to_string()))
        }
        Value::Null => None,
        other => Some(other.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_440_938_160), "2015-08-30T12:36:00Z");
        assert_eq!(
            amz_date(1_440_938_160),
            ("20150830T123600Z".to_string(), "20150830".to_string())
        );
        assert_eq!(http_date(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777)
        );
        assert_eq!(parse_http_date("soon"), None);
    }

    #[test]
    fn expiries_become_rfc3339() {
        use serde_json::json;
        assert_eq!(
            normalize_expiry(&json!(1_440_938_160)),
            Some(json!("2015-08-30T12:36:00Z"))
        );
        assert_eq!(
            normalize_expiry(&json!(1_440_938_160_000u64)),
            Some(json!("2015-08-30T12:36:00Z"))
        );
        assert_eq!(
            normalize_expiry(&json!("2025-01-31")),
            Some(json!("2025-01-31T00:00:00Z"))
        );
        assert_eq!(
            normalize_expiry(&json!("2025-01-31 10:00:00 UTC")),
            Some(json!("2025-01-31T10:00:00Z"))
        );
        assert_eq!(normalize_expiry(&json!(null)), None);
    }
}
