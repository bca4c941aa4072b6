//! Date parsing: fast hand-written paths for the shapes transaction exports
//! use (`YYYYMMDD`, ISO, US `M/D/YYYY H:MM`), chrono for explicit formats.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use crate::error::{Result, RfmError};
use crate::format::DateFormat;

/// A validated date format, ready to parse many values.
#[derive(Debug, Clone)]
pub(crate) struct DateParser {
    format: DateFormat,
}

impl DateParser {
    /// Checks an explicit format once, so a typo is one clear error rather
    /// than every row counted as an unparsable date.
    pub(crate) fn new(format: &DateFormat) -> Result<Self> {
        if let DateFormat::Explicit(f) = format {
            let items: Vec<_> = chrono::format::StrftimeItems::new(f).collect();
            if f.trim().is_empty()
                || items
                    .iter()
                    .any(|i| matches!(i, chrono::format::Item::Error))
            {
                return Err(RfmError::BadDateFormat(f.clone()));
            }
        }
        Ok(DateParser {
            format: format.clone(),
        })
    }

    /// The value as a date-time (midnight when it has no time), or `None`.
    pub(crate) fn parse(&self, s: &str) -> Option<NaiveDateTime> {
        let s = crate::split::trim(s);
        match &self.format {
            DateFormat::Auto => parse_ymd8(s)
                .or_else(|| parse_iso(s))
                .or_else(|| parse_mdy(s)),
            DateFormat::Iso => parse_iso(s),
            DateFormat::Ymd => parse_ymd8(s),
            DateFormat::Mdy => parse_mdy(s),
            DateFormat::Explicit(f) => NaiveDateTime::parse_from_str(s, f)
                .ok()
                .or_else(|| NaiveDate::parse_from_str(s, f).ok().map(midnight)),
        }
    }
}

fn midnight(d: NaiveDate) -> NaiveDateTime {
    d.and_time(NaiveTime::MIN)
}

/// Digits only, as a number (no sign, no spaces).
fn digits(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 9 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// `YYYYMMDD`. On bytes: the hot path of CDNOW-style logs, and a multi-byte
/// character can then never be cut (slicing the `str` could panic there).
fn parse_ymd8(s: &str) -> Option<NaiveDateTime> {
    let b: &[u8; 8] = s.as_bytes().try_into().ok()?;
    if !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = |r: std::ops::Range<usize>| b[r].iter().fold(0, |v, &c| v * 10 + u32::from(c - b'0'));
    NaiveDate::from_ymd_opt(n(0..4) as i32, n(4..6), n(6..8)).map(midnight)
}

/// `YYYY-MM-DD`, optionally followed by `T` or a space and `HH:MM[:SS[.f]]`.
fn parse_iso(s: &str) -> Option<NaiveDateTime> {
    let (date, time) = match s.find(['T', ' ']) {
        Some(i) => (&s[..i], Some(s[i + 1..].trim())),
        None => (s, None),
    };
    let mut parts = date.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(digits(y)? as i32, digits(m)?, digits(d)?)?;
    Some(date.and_time(parse_time(time)?))
}

/// `M/D/YYYY`, optionally followed by a space and `H:MM[:SS]`.
fn parse_mdy(s: &str) -> Option<NaiveDateTime> {
    let (date, time) = match s.find(' ') {
        Some(i) => (&s[..i], Some(s[i + 1..].trim())),
        None => (s, None),
    };
    let mut parts = date.split('/');
    let (m, d, y) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(digits(y)? as i32, digits(m)?, digits(d)?)?;
    Some(date.and_time(parse_time(time)?))
}

/// `H:MM[:SS[.fraction]]`; `None` input means midnight.
fn parse_time(t: Option<&str>) -> Option<NaiveTime> {
    let Some(t) = t else {
        return Some(NaiveTime::MIN);
    };
    let t = t.strip_suffix('Z').unwrap_or(t);
    let mut parts = t.split(':');
    let h = digits(parts.next()?)?;
    let m = digits(parts.next()?)?;
    let (sec, nanos) = match parts.next() {
        None => (0, 0),
        Some(sec) => {
            let (whole, frac) = sec.split_once('.').unwrap_or((sec, ""));
            let nanos = if frac.is_empty() {
                0
            } else {
                let f: String = frac.chars().chain(std::iter::repeat('0')).take(9).collect();
                digits(&f)?
            };
            (digits(whole)?, nanos)
        }
    };
    if parts.next().is_some() {
        return None;
    }
    NaiveTime::from_hms_nano_opt(h, m, sec, nanos)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dt(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, mo, d)
            .unwrap()
            .and_hms_opt(h, mi, 0)
            .unwrap()
    }

    #[test]
    fn auto_reads_each_shape() {
        let p = DateParser::new(&DateFormat::Auto).unwrap();
        assert_eq!(p.parse("19970101"), Some(dt(1997, 1, 1, 0, 0)));
        assert_eq!(p.parse("2010-12-01 08:26:00"), Some(dt(2010, 12, 1, 8, 26)));
        assert_eq!(p.parse("2010-12-01T08:26"), Some(dt(2010, 12, 1, 8, 26)));
        assert_eq!(p.parse("2010-12-01"), Some(dt(2010, 12, 1, 0, 0)));
        assert_eq!(p.parse("12/1/2010 8:26"), Some(dt(2010, 12, 1, 8, 26)));
        assert_eq!(p.parse("1/13/2011"), Some(dt(2011, 1, 13, 0, 0)));
    }

    #[test]
    fn rejects_impossible_dates_and_garbage() {
        let p = DateParser::new(&DateFormat::Auto).unwrap();
        for bad in [
            "",
            "19971301",
            "2010-02-30",
            "13/1/2010",
            "yesterday",
            "2010-12-01 25:00",
            "-1",
            "19€010",
        ] {
            assert_eq!(p.parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn fixed_formats_accept_only_their_shape() {
        let ymd = DateParser::new(&DateFormat::Ymd).unwrap();
        assert_eq!(ymd.parse("2010-12-01"), None);
        let mdy = DateParser::new(&DateFormat::Mdy).unwrap();
        assert_eq!(mdy.parse("19970101"), None);
        assert_eq!(mdy.parse("12/1/2010 8:26"), Some(dt(2010, 12, 1, 8, 26)));
    }

    #[test]
    fn explicit_format_day_first() {
        let p = DateParser::new(&DateFormat::Explicit("%d/%m/%Y %H:%M".into())).unwrap();
        assert_eq!(p.parse("01/12/2010 08:26"), Some(dt(2010, 12, 1, 8, 26)));
        let d = DateParser::new(&DateFormat::Explicit("%d.%m.%Y".into())).unwrap();
        assert_eq!(d.parse("13.01.2011"), Some(dt(2011, 1, 13, 0, 0)));
        assert!(matches!(
            DateParser::new(&DateFormat::Explicit("%Q".into())),
            Err(RfmError::BadDateFormat(_))
        ));
    }
}
