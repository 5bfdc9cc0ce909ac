//! The outgoing-request policy: where onecse may send requests of its own
//! (notifications, verification requests, and every later outgoing request). A
//! subscription names its targets, so without a policy any client could make the CSE
//! probe or reach hosts on its internal network. By default only public unicast
//! addresses over http(s) are reachable; every special-purpose range of the IANA
//! registries (loopback, private, link-local, shared, multicast, documentation,
//! benchmarking, reserved, the IPv6 transition ranges that embed or tunnel to other
//! addresses, …, see [`NOT_PUBLIC_V4`] and [`NOT_PUBLIC_V6`]) needs an allowed network
//! in `notify_allowed_networks`. The check runs on the addresses DNS gives, inside the
//! HTTP client's resolver, so the address checked is the address connected to (no
//! window for a name to resolve differently between check and connect); literal IP
//! addresses are checked before the request is made. The HTTP client never uses a
//! proxy (not even one named by `HTTP_PROXY`/`ALL_PROXY`), since a proxy resolves and
//! connects by itself, out of reach of this check.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use ipnet::IpNet;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// URL schemes onecse sends requests over.
const SCHEMES: &[&str] = &["http", "https"];

/// Which destinations outgoing requests may reach.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EgressPolicy {
    /// Networks allowed although they are not public (e.g. `127.0.0.0/8` for a local
    /// test receiver, `10.0.0.0/8` for AEs on the site network).
    allowed: Vec<IpNet>,
}

impl EgressPolicy {
    /// Reads the comma-separated CIDR list of `notify_allowed_networks`.
    pub fn parse(networks: Option<&str>) -> anyhow::Result<Self> {
        let allowed = networks
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(|n| {
                n.parse::<IpNet>()
                    .or_else(|_| n.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| anyhow::anyhow!("'{n}' is not an IP network (e.g. 10.0.0.0/8)"))
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(Self { allowed })
    }

    /// Whether a request may go to `ip`: a public address, or one in an allowed
    /// network (named as it is, or as the IPv4 address it carries).
    pub fn permits(&self, ip: IpAddr) -> bool {
        let judged = canonical(ip);
        is_public(judged)
            || self
                .allowed
                .iter()
                .any(|net| net.contains(&judged) || net.contains(&ip))
    }

    /// Checks what can be checked before resolution: the scheme, and the address when
    /// the host is an IP literal. The refusal says why without touching the network.
    pub fn check_url(&self, url: &reqwest::Url) -> Result<(), String> {
        if !SCHEMES.contains(&url.scheme()) {
            return Err(format!(
                "the scheme '{}' is not one onecse sends requests over (http, https)",
                url.scheme()
            ));
        }
        let host = url.host_str().ok_or("the URL has no host")?;
        let literal = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>();
        match literal {
            Ok(ip) if !self.permits(ip) => Err(REFUSED.into()),
            _ => Ok(()),
        }
    }

    /// The HTTP client's resolver, which keeps only the addresses this policy permits.
    pub fn resolver(self: &Arc<Self>) -> Arc<PolicyResolver> {
        Arc::new(PolicyResolver {
            policy: Arc::clone(self),
        })
    }
}

/// Why a destination is refused: the same words whatever the address, so the
/// message does not tell which internal addresses exist.
pub const REFUSED: &str = "the destination is not allowed by this CSE's outgoing-request policy";

/// Addresses that carry an IPv4 address are judged as that address: IPv4-mapped
/// (`::ffff:0:0/96`, the same host) and the well-known NAT64 prefix (`64:ff9b::/96`,
/// RFC 6052: the gateway connects to the embedded address, so `64:ff9b::10.0.0.1`
/// reaches the private network like `10.0.0.1` would).
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None if in_v6(v6, NAT64) => {
                let [.., a, b, c, d] = v6.octets();
                IpAddr::V4(Ipv4Addr::new(a, b, c, d))
            }
            None => ip,
        },
        v4 => v4,
    }
}

/// The well-known NAT64 prefix (RFC 6052 §2.1).
const NAT64: (Ipv6Addr, u8) = (Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, 0, 0), 96);

/// IPv4 ranges that are not public unicast destinations (IANA IPv4 Special-Purpose
/// Address Registry, RFC 6890 and its updates), with the reason.
pub const NOT_PUBLIC_V4: &[(Ipv4Addr, u8, &str)] = &[
    (Ipv4Addr::new(0, 0, 0, 0), 8, "this network"),
    (Ipv4Addr::new(10, 0, 0, 0), 8, "private"),
    (
        Ipv4Addr::new(100, 64, 0, 0),
        10,
        "shared (carrier-grade NAT)",
    ),
    (Ipv4Addr::new(127, 0, 0, 0), 8, "loopback"),
    (Ipv4Addr::new(169, 254, 0, 0), 16, "link-local"),
    (Ipv4Addr::new(172, 16, 0, 0), 12, "private"),
    (Ipv4Addr::new(192, 0, 0, 0), 24, "IETF protocol assignments"),
    (
        Ipv4Addr::new(192, 0, 2, 0),
        24,
        "documentation (TEST-NET-1)",
    ),
    (Ipv4Addr::new(192, 88, 99, 0), 24, "6to4 relay anycast"),
    (Ipv4Addr::new(192, 168, 0, 0), 16, "private"),
    (Ipv4Addr::new(198, 18, 0, 0), 15, "benchmarking"),
    (
        Ipv4Addr::new(198, 51, 100, 0),
        24,
        "documentation (TEST-NET-2)",
    ),
    (
        Ipv4Addr::new(203, 0, 113, 0),
        24,
        "documentation (TEST-NET-3)",
    ),
    (Ipv4Addr::new(224, 0, 0, 0), 4, "multicast"),
    (Ipv4Addr::new(240, 0, 0, 0), 4, "reserved, and broadcast"),
];

/// IPv6 ranges that are not public unicast destinations (IANA IPv6 Special-Purpose
/// Address Registry), with the reason. IPv4-mapped and NAT64 addresses never reach
/// this table: they are judged by the IPv4 address they carry ([`canonical`]).
pub const NOT_PUBLIC_V6: &[(Ipv6Addr, u8, &str)] = &[
    net6([0, 0, 0], 96, "unspecified, loopback, IPv4-compatible"),
    net6([0x64, 0xff9b, 1], 48, "local-use NAT64"),
    net6([0x100, 0, 0], 64, "discard-only"),
    net6([0x2001, 0, 0], 32, "Teredo (tunnels to IPv4)"),
    net6([0x2001, 2, 0], 48, "benchmarking"),
    net6([0x2001, 0x10, 0], 28, "ORCHID (deprecated)"),
    net6([0x2001, 0x20, 0], 28, "ORCHIDv2"),
    net6([0x2001, 0xdb8, 0], 32, "documentation"),
    net6([0x2002, 0, 0], 16, "6to4 (tunnels to IPv4)"),
    net6([0x3fff, 0, 0], 20, "documentation"),
    net6([0xfc00, 0, 0], 7, "unique local"),
    net6([0xfe80, 0, 0], 10, "link-local"),
    net6([0xfec0, 0, 0], 10, "site-local (deprecated)"),
    net6([0xff00, 0, 0], 8, "multicast"),
];

/// A row of [`NOT_PUBLIC_V6`]: every range there is named by its first three groups.
const fn net6([a, b, c]: [u16; 3], len: u8, why: &'static str) -> (Ipv6Addr, u8, &'static str) {
    (Ipv6Addr::new(a, b, c, 0, 0, 0, 0, 0), len, why)
}

fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => !NOT_PUBLIC_V4
            .iter()
            .any(|&(net, len, _)| in_v4(v4, (net, len))),
        IpAddr::V6(v6) => !NOT_PUBLIC_V6
            .iter()
            .any(|&(net, len, _)| in_v6(v6, (net, len))),
    }
}

/// Whether `ip` lies in the network `net`/`len`.
fn in_v4(ip: Ipv4Addr, (net, len): (Ipv4Addr, u8)) -> bool {
    let mask = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
    u32::from(ip) & mask == u32::from(net) & mask
}

/// Whether `ip` lies in the network `net`/`len`.
fn in_v6(ip: Ipv6Addr, (net, len): (Ipv6Addr, u8)) -> bool {
    let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
    u128::from(ip) & mask == u128::from(net) & mask
}

/// Resolves names with the system resolver and drops the addresses the policy refuses;
/// a name left with none fails with [`REFUSED`].
pub struct PolicyResolver {
    policy: Arc<EgressPolicy>,
}

impl Resolve for PolicyResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = Arc::clone(&self.policy);
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((name.as_str(), 0)).await?.collect();
            let permitted: Vec<SocketAddr> = found
                .into_iter()
                .filter(|addr| policy.permits(addr.ip()))
                .collect();
            if permitted.is_empty() {
                return Err(REFUSED.into());
            }
            let addrs: Addrs = Box::new(permitted.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("test address")
    }

    #[test]
    fn only_public_addresses_pass_by_default() {
        let policy = EgressPolicy::default();
        for public in ["93.184.216.34", "8.8.8.8", "2606:2800:220:1::1"] {
            assert!(policy.permits(ip(public)), "{public}");
        }
        for special in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "0.0.0.0",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
        ] {
            assert!(!policy.permits(ip(special)), "{special}");
        }
    }

    /// One address inside each special-purpose range (its first, its last and one in
    /// the middle), and public neighbours just outside the IPv4 ones.
    #[test]
    fn every_special_purpose_range_is_refused_and_its_neighbours_pass() {
        let policy = EgressPolicy::default();
        for &(net, len, why) in NOT_PUBLIC_V4 {
            let first = u32::from(net);
            let last = first | (u32::MAX >> len);
            for inside in [first, first + (last - first) / 2, last] {
                let ip = IpAddr::V4(Ipv4Addr::from(inside));
                assert!(!policy.permits(ip), "{ip} ({why})");
                // Mapped into IPv6 and behind NAT64 it is the same destination.
                let mapped = IpAddr::V6(Ipv4Addr::from(inside).to_ipv6_mapped());
                assert!(!policy.permits(mapped), "{mapped} ({why})");
                let nat64 = IpAddr::V6(Ipv6Addr::from(u128::from(NAT64.0) | u128::from(inside)));
                assert!(!policy.permits(nat64), "{nat64} ({why})");
            }
        }
        for neighbour in [
            "1.0.0.1",
            "9.255.255.255",
            "11.0.0.0",
            "100.63.255.255",
            "100.128.0.0",
            "172.32.0.0",
            "192.0.1.1",
            "192.0.3.0",
            "198.17.255.255",
            "198.20.0.0",
            "198.51.99.255",
            "198.51.101.0",
            "203.0.112.255",
            "203.0.114.0",
            "223.255.255.255",
            "64:ff9b::808:808",
            "::ffff:8.8.8.8",
        ] {
            assert!(policy.permits(ip(neighbour)), "{neighbour}");
        }
        for &(net, len, why) in NOT_PUBLIC_V6 {
            let first = u128::from(net);
            let last = first | (u128::MAX >> len);
            for inside in [first, first + (last - first) / 2, last] {
                let ip = IpAddr::V6(Ipv6Addr::from(inside));
                // The mapped and NAT64 ranges inside ::/96 are judged by IPv4 above.
                if canonical(ip).is_ipv6() {
                    assert!(!policy.permits(ip), "{ip} ({why})");
                }
            }
        }
        for named in [
            "64:ff9b::a00:1",
            "64:ff9b::7f00:1",
            "64:ff9b:1::808:808",
            "2002:808:808::1",
            "2001:0:4136:e378::1",
            "::8.8.8.8",
            "fec0::1",
            "2001:db8::1",
            "2001:2::1",
            "2001:10::1",
            "100::1",
            "3fff::1",
        ] {
            assert!(!policy.permits(ip(named)), "{named}");
        }
        for public in [
            "2001:4860:4860::8888",
            "2a00:1450::1",
            "2001:200::1",
            "2003::1",
        ] {
            assert!(policy.permits(ip(public)), "{public}");
        }
    }

    #[test]
    fn an_allowed_network_opens_a_special_purpose_range() {
        let policy = EgressPolicy::parse(Some("192.0.2.0/24,2001:db8::/32")).expect("valid");
        assert!(policy.permits(ip("192.0.2.7")));
        assert!(policy.permits(ip("2001:db8::7")));
        assert!(!policy.permits(ip("198.51.100.7")));
    }

    #[test]
    fn allowed_networks_open_exactly_those_ranges() {
        let policy = EgressPolicy::parse(Some("127.0.0.0/8, 10.0.0.0/8,::1")).expect("valid");
        assert!(policy.permits(ip("127.0.0.1")));
        assert!(policy.permits(ip("::ffff:127.0.0.1")));
        assert!(policy.permits(ip("10.9.9.9")));
        assert!(policy.permits(ip("::1")));
        assert!(!policy.permits(ip("192.168.1.1")));
        assert!(EgressPolicy::parse(Some("10.0.0.0/33")).is_err());
        assert!(EgressPolicy::parse(Some("intranet")).is_err());
    }

    #[test]
    fn urls_are_checked_for_scheme_and_literal_address() {
        let policy = EgressPolicy::default();
        let url = |s: &str| reqwest::Url::parse(s).expect("test URL");
        assert!(policy.check_url(&url("http://example.com/n")).is_ok());
        assert!(policy.check_url(&url("https://93.184.216.34/n")).is_ok());
        assert!(policy.check_url(&url("http://127.0.0.1:9/n")).is_err());
        assert!(policy.check_url(&url("http://[::1]:9/n")).is_err());
        assert!(policy.check_url(&url("ftp://example.com/n")).is_err());
        assert!(policy.check_url(&url("mqtt://example.com/n")).is_err());
    }
}
