//! Sign-in rate limiting per account and per client address, with exponential backoff.
//!
//! After the free failures, each further attempt must wait `FIRST_BACKOFF_SECS` after the last
//! failure, doubling with every further failure up to `MAX_BACKOFF_SECS`; failures older than
//! `WINDOW_SECS` are forgotten. Kept in memory: several relays behind a load balancer each
//! limit on their own (documented in the README).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

use crate::error::RelayError;

const ACCOUNT_FREE_FAILURES: u32 = 5;
const ADDRESS_FREE_FAILURES: u32 = 20;
const FIRST_BACKOFF_SECS: i64 = 30;
const MAX_BACKOFF_SECS: i64 = 15 * 60;
const WINDOW_SECS: i64 = 60 * 60;
/// Bound on remembered keys, so a flood of made-up e-mails cannot grow memory without end.
const MAX_TRACKED: usize = 100_000;

#[derive(Clone, Copy)]
struct Failures {
    count: u32,
    last_at: i64,
}

#[derive(Default)]
pub struct LoginThrottle {
    accounts: Mutex<HashMap<String, Failures>>,
    addresses: Mutex<HashMap<IpAddr, Failures>>,
}

fn wait_secs(f: Failures, free: u32, now: i64) -> i64 {
    if now - f.last_at > WINDOW_SECS || f.count < free {
        return 0;
    }
    let backoff = FIRST_BACKOFF_SECS.checked_shl(f.count - free).unwrap_or(MAX_BACKOFF_SECS).min(MAX_BACKOFF_SECS);
    (f.last_at + backoff - now).max(0)
}

impl LoginThrottle {
    /// Refuses the attempt while the account or the address must still wait.
    pub fn check(&self, account: &str, address: Option<IpAddr>, now: i64) -> Result<(), RelayError> {
        let account_wait = self
            .accounts
            .lock()
            .map(|m| m.get(account).map_or(0, |f| wait_secs(*f, ACCOUNT_FREE_FAILURES, now)))
            .unwrap_or(0);
        let address_wait = match address {
            Some(ip) => self
                .addresses
                .lock()
                .map(|m| m.get(&ip).map_or(0, |f| wait_secs(*f, ADDRESS_FREE_FAILURES, now)))
                .unwrap_or(0),
            None => 0,
        };
        let wait = account_wait.max(address_wait);
        if wait > 0 {
            return Err(RelayError::RateLimited { retry_after_secs: wait as u64 });
        }
        Ok(())
    }

    pub fn record_failure(&self, account: &str, address: Option<IpAddr>, now: i64) {
        fn bump<K: std::hash::Hash + Eq>(map: &mut HashMap<K, Failures>, key: K, now: i64) {
            if map.len() >= MAX_TRACKED {
                map.retain(|_, f| now - f.last_at <= WINDOW_SECS);
            }
            let entry = map.entry(key).or_insert(Failures { count: 0, last_at: now });
            if now - entry.last_at > WINDOW_SECS {
                entry.count = 0;
            }
            entry.count += 1;
            entry.last_at = now;
        }
        if let Ok(mut m) = self.accounts.lock() {
            bump(&mut m, account.to_owned(), now);
        }
        if let (Some(ip), Ok(mut m)) = (address, self.addresses.lock()) {
            bump(&mut m, ip, now);
        }
    }

    pub fn record_success(&self, account: &str) {
        if let Ok(mut m) = self.accounts.lock() {
            m.remove(account);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_are_free_then_waits_double() {
        let t = LoginThrottle::default();
        for _ in 0..5 {
            assert!(t.check("a@x", None, 100).is_ok());
            t.record_failure("a@x", None, 100);
        }
        assert!(matches!(t.check("a@x", None, 100), Err(RelayError::RateLimited { retry_after_secs: 30 })));
        assert!(matches!(t.check("a@x", None, 120), Err(RelayError::RateLimited { retry_after_secs: 10 })));
        assert!(t.check("a@x", None, 130).is_ok());
        t.record_failure("a@x", None, 130);
        assert!(matches!(t.check("a@x", None, 130), Err(RelayError::RateLimited { retry_after_secs: 60 })));
        // Another account is not affected; success clears the account.
        assert!(t.check("b@x", None, 130).is_ok());
        t.record_success("a@x");
        assert!(t.check("a@x", None, 130).is_ok());
    }

    #[test]
    fn one_address_failing_on_many_accounts_is_slowed_too() {
        let t = LoginThrottle::default();
        let ip: IpAddr = "192.0.2.7".parse().unwrap();
        for i in 0..20 {
            t.record_failure(&format!("user{i}@x"), Some(ip), 100);
        }
        assert!(t.check("fresh@x", Some(ip), 100).is_err());
        assert!(t.check("fresh@x", None, 100).is_ok());
    }

    #[test]
    fn backoff_is_capped() {
        let f = Failures { count: 200, last_at: 0 };
        assert_eq!(wait_secs(f, 5, 0), MAX_BACKOFF_SECS);
    }
}
