//! Dates without a date crate: the civil calendar (Howard Hinnant's algorithms), RFC 3339 out
//! and in. One place for every date the library prints or reads (reports, validation, the
//! inventory).

#[cfg(feature = "validate")]
use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch, now (0 if the clock is before 1970).
#[cfg(feature = "validate")]
pub(crate) fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// (year, month, day) of a day number since 1970-01-01.
pub(crate) fn civil(days: i64) -> (i64, u32, u32) {
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

/// Day number since 1970-01-01 of a civil date (the inverse of [`civil`]).
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `YYYY-MM-DD` for a Unix time (UTC).
pub fn format_date(unix: i64) -> String {
    let (y, m, d) = civil(unix.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

/// RFC 3339 (UTC, seconds) for a Unix time: `2024-05-01T12:00:00Z`.
pub fn format_time(unix: i64) -> String {
    let (y, m, d) = civil(unix.div_euclid(86_400));
    let s = unix.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// Parses an RFC 3339 date-time (`2024-05-01T12:00:00Z`, `...T12:00:00.123+02:00`, or a bare
/// `2024-05-01`) into Unix seconds.
pub fn parse_time(s: &str) -> Option<i64> {
    let s = s.trim();
    // Fixed widths (a four-digit year, two-digit fields): dates come from image configs and
    // merged files anyone may have written, and must not overflow the arithmetic below.
    let num = |t: &str| -> Option<i64> {
        (matches!(t.len(), 1..=4) && t.bytes().all(|b| b.is_ascii_digit()))
            .then(|| t.parse().ok())
            .flatten()
    };
    let (date, rest) = match s.find(['T', 't', ' ']) {
        Some(i) => (&s[..i], &s[i + 1..]),
        None => (s, ""),
    };
    let mut d = date.splitn(3, '-');
    let (y, m, day) = (num(d.next()?)?, num(d.next()?)?, num(d.next()?)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&day) {
        return None;
    }
    let mut secs = 0;
    if !rest.is_empty() {
        let tz_at = rest.find(['Z', 'z', '+', '-']).unwrap_or(rest.len());
        let (clock, tz) = rest.split_at(tz_at);
        let clock = clock.split('.').next()?;
        let mut c = clock.splitn(3, ':');
        let (h, mi, se) = (
            num(c.next()?)?,
            num(c.next()?)?,
            num(c.next().unwrap_or("0"))?,
        );
        if h > 23 || mi > 59 || se > 60 {
            return None;
        }
        secs = h * 3600 + mi * 60 + se;
        if let Some(sign) = tz.chars().next().filter(|c| *c == '+' || *c == '-') {
            let (oh, om) = tz[1..].split_once(':').unwrap_or((&tz[1..], "0"));
            let offset = num(oh)? * 3600 + num(om)? * 60;
            secs -= if sign == '+' { offset } else { -offset };
        }
    }
    Some(days_from_civil(y, m as u32, day as u32) * 86_400 + secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_format_in_utc_and_parse_back() {
        assert_eq!(format_date(0), "1970-01-01");
        assert_eq!(format_date(1_700_000_000), "2023-11-14");
        assert_eq!(format_date(951_782_400), "2000-02-29");
        assert_eq!(format_time(1_700_000_000), "2023-11-14T22:13:20Z");
        for t in [0, 951_782_400, 1_700_000_000, -86_400 * 365] {
            assert_eq!(parse_time(&format_time(t)), Some(t));
            let (y, m, d) = civil(t.div_euclid(86_400));
            assert_eq!(days_from_civil(y, m, d), t.div_euclid(86_400));
        }
        assert_eq!(parse_time("2023-11-14T23:13:20+01:00"), Some(1_700_000_000));
    }
}
