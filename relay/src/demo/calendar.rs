//! Just enough calendar for the generator: civil dates from day numbers, and the demand curve.

use std::fmt;

/// 2022-01-01 and 2025-12-31 as days since 1970-01-01: four full years of orders.
pub const FIRST_ORDER_DAY: i64 = 18_993;
pub const LAST_ORDER_DAY: i64 = 20_453;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date {
    year: i64,
    month: u32,
    day: u32,
}

impl Date {
    pub fn from_ymd(year: i64, month: u32, day: u32) -> Self {
        Date { year, month, day }
    }

    /// Days since 1970-01-01, after Howard Hinnant's `days_from_civil`
    /// (https://howardhinnant.github.io/date_algorithms.html).
    pub fn days(self) -> i64 {
        let y = if self.month <= 2 { self.year - 1 } else { self.year };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The inverse of [`Date::days`] (Hinnant's `civil_from_days`, shared with the result
    /// format's date display).
    pub fn from_days(days: i64) -> Self {
        let (year, month, day) = vizkraft_domain::result::civil_from_days(days);
        Date { year, month, day }
    }

    pub fn month(self) -> u32 {
        self.month
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// Demand by month: a quiet summer and a strong fourth quarter, as in most B2B trade.
pub fn seasonality(month: u32) -> f64 {
    const FACTORS: [f64; 12] = [0.85, 0.9, 1.0, 1.0, 1.02, 0.95, 0.8, 0.78, 1.05, 1.1, 1.25, 1.3];
    FACTORS[(month as usize + 11) % 12]
}

/// Businesses order on weekdays; 1970-01-01 was a Thursday.
pub fn weekday_factor(days: i64) -> f64 {
    match (days + 3).rem_euclid(7) {
        5 => 0.35, // Saturday
        6 => 0.2,  // Sunday
        _ => 1.22,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_numbers_round_trip_through_civil_dates() {
        assert_eq!(Date::from_ymd(2022, 1, 1).days(), FIRST_ORDER_DAY);
        assert_eq!(Date::from_ymd(2025, 12, 31).days(), LAST_ORDER_DAY);
        for d in FIRST_ORDER_DAY - 800..LAST_ORDER_DAY {
            assert_eq!(Date::from_days(d).days(), d);
        }
        assert_eq!(Date::from_days(19_417).to_string(), "2023-03-01");
    }

    #[test]
    fn weekends_are_quiet() {
        // 2024-06-01 was a Saturday.
        assert_eq!(weekday_factor(Date::from_ymd(2024, 6, 1).days()), 0.35);
    }
}
