//! Calendar formatting for the relay's date and timestamp values, without a date library
//! (the browser app stays small): days since 1970 to a civil date by Howard Hinnant's
//! algorithm (https://howardhinnant.github.io/date_algorithms.html#civil_from_days).

const MICROS_PER_DAY: i64 = 86_400_000_000;

/// `(year, month, day)` of the day `days` after 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// `2024-03-01`.
pub fn format_date(days: i32) -> String {
    let (year, month, day) = civil_from_days(i64::from(days));
    format!("{year:04}-{month:02}-{day:02}")
}

/// `2024-03-01 13:45:00`, with microseconds only when there are any.
pub fn format_timestamp(micros: i64) -> String {
    let days = micros.div_euclid(MICROS_PER_DAY);
    let in_day = micros.rem_euclid(MICROS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    let seconds = in_day / 1_000_000;
    let fraction = in_day % 1_000_000;
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    if fraction == 0 {
        format!("{year:04}-{month:02}-{day:02} {h:02}:{m:02}:{s:02}")
    } else {
        format!("{year:04}-{month:02}-{day:02} {h:02}:{m:02}:{s:02}.{fraction:06}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_map_to_the_proleptic_gregorian_calendar() {
        assert_eq!(format_date(0), "1970-01-01");
        assert_eq!(format_date(-1), "1969-12-31");
        assert_eq!(format_date(11_016), "2000-02-29");
        assert_eq!(format_date(19_782), "2024-02-29");
        assert_eq!(format_date(-719_528), "0000-01-01");
    }

    #[test]
    fn timestamps_keep_microseconds_only_when_present() {
        assert_eq!(format_timestamp(951_782_400_000_000), "2000-02-29 00:00:00");
        assert_eq!(format_timestamp(951_782_400_000_042), "2000-02-29 00:00:00.000042");
        assert_eq!(format_timestamp(-86_400_000_000 + 3_600_000_000), "1969-12-31 01:00:00");
    }
}
