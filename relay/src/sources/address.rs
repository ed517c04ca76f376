//! Which network addresses a data source may point at. A source's host is typed by an admin,
//! so without this the relay could be steered at cloud metadata services, at itself, or at
//! anything else only it can reach.

use std::net::{IpAddr, SocketAddr};

use ipnet::IpNet;

/// Ranges refused unless the operator allows them explicitly: "this host" and unspecified
/// addresses, link-local (where cloud metadata services answer), multicast and broadcast,
/// and the metadata addresses that sit outside link-local.
const BUILT_IN_DENY: &[&str] = &[
    "0.0.0.0/8",
    "169.254.0.0/16",
    "224.0.0.0/4",
    "240.0.0.0/4",
    "100.100.100.200/32", // Alibaba Cloud metadata
    "::/128",
    "fe80::/10",
    "ff00::/8",
    "fd00:ec2::254/128", // AWS metadata over IPv6
];

/// The operator's allow and deny ranges plus the relay's own listening address.
#[derive(Debug, Clone, Default)]
pub struct AddressPolicy {
    /// When non-empty, the only ranges sources may reach; also lifts the built-in refusals.
    pub allow: Vec<IpNet>,
    /// Always refused, even inside `allow`.
    pub deny: Vec<IpNet>,
    /// Where this relay listens: a source there would be the relay talking to itself.
    pub relay_address: Option<SocketAddr>,
}

impl AddressPolicy {
    /// Why `address` may not be connected to, or `Ok`.
    pub fn check(&self, address: SocketAddr) -> Result<(), String> {
        let ip = canonical(address.ip());
        if self.deny.iter().any(|net| net.contains(&ip)) {
            return Err(format!("{ip} is in a range the relay's operator denies"));
        }
        if !self.allow.is_empty() && !self.allow.iter().any(|net| net.contains(&ip)) {
            return Err(format!("{ip} is outside the ranges the relay's operator allows"));
        }
        let built_in = BUILT_IN_DENY.iter().filter_map(|net| net.parse::<IpNet>().ok()).any(|net| net.contains(&ip));
        if built_in && !self.allow.iter().any(|net| net.contains(&ip)) {
            return Err(format!("{ip} is a link-local, metadata, multicast or unspecified address"));
        }
        if let Some(relay) = self.relay_address {
            let same_host = relay.ip() == ip || (relay.ip().is_unspecified() && is_local(ip));
            if same_host && relay.port() == address.port() {
                return Err(format!("{address} is this relay itself"));
            }
        }
        Ok(())
    }
}

/// An IPv4 address written as IPv6 (`::ffff:169.254.169.254`) is checked as the IPv4 it is.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

fn is_local(ip: IpAddr) -> bool {
    ip.is_loopback() || ip.is_unspecified()
}

/// Loopback: the only place an unencrypted connection may go.
pub fn is_loopback(ip: IpAddr) -> bool {
    canonical(ip).is_loopback()
}

/// `localhost` and loopback literals: hosts that cannot be re-pointed elsewhere by DNS.
pub fn is_loopback_host(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>().is_ok_and(is_loopback)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ip: &str, port: u16) -> SocketAddr {
        SocketAddr::new(ip.parse().unwrap(), port)
    }

    #[test]
    fn metadata_link_local_and_unspecified_addresses_are_refused() {
        let policy = AddressPolicy::default();
        for ip in [
            "169.254.169.254",
            "0.0.0.0",
            "::",
            "fe80::1",
            "::ffff:169.254.169.254",
            "100.100.100.200",
            "fd00:ec2::254",
            "224.0.0.1",
        ] {
            assert!(policy.check(at(ip, 5432)).is_err(), "{ip} was allowed");
        }
        for ip in ["127.0.0.1", "::1", "10.1.2.3", "192.168.1.10", "203.0.113.7"] {
            assert_eq!(policy.check(at(ip, 5432)), Ok(()), "{ip} was refused");
        }
    }

    #[test]
    fn the_relays_own_port_is_refused_on_every_local_address() {
        let policy = AddressPolicy { relay_address: Some(at("0.0.0.0", 8443)), ..AddressPolicy::default() };
        assert!(policy.check(at("127.0.0.1", 8443)).is_err());
        assert!(policy.check(at("::1", 8443)).is_err());
        assert_eq!(policy.check(at("127.0.0.1", 5432)), Ok(()));
    }

    #[test]
    fn operator_ranges_deny_first_then_allow() {
        let policy = AddressPolicy {
            allow: vec!["10.0.0.0/8".parse().unwrap(), "169.254.10.0/24".parse().unwrap()],
            deny: vec!["10.9.0.0/16".parse().unwrap()],
            relay_address: None,
        };
        assert_eq!(policy.check(at("10.1.2.3", 5432)), Ok(()));
        assert!(policy.check(at("10.9.1.1", 5432)).is_err(), "deny wins inside allow");
        assert!(policy.check(at("192.168.1.1", 5432)).is_err(), "outside allow");
        assert_eq!(policy.check(at("169.254.10.5", 5432)), Ok(()), "an explicit allow lifts the built-in refusal");
    }

    #[test]
    fn loopback_hosts_are_recognised_without_dns() {
        assert!(is_loopback_host("localhost"));
        assert!(is_loopback_host("127.0.0.1"));
        assert!(is_loopback_host("[::1]"));
        assert!(!is_loopback_host("db.example.com"));
        assert!(!is_loopback_host("10.0.0.1"));
    }
}
