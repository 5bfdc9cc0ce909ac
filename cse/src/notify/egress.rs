//! The outgoing-request policy: where onecse may send requests of its own
//! (notifications, verification requests, and every later outgoing request). A
//! subscription names its targets, so without a policy any client could make the CSE
//! probe or reach hosts on its internal network. By default only public unicast
//! addresses over http(s) are reachable; loopback, private, link-local, shared,
//! multicast and unspecified destinations need an allowed network in
//! `notify_allowed_networks`. The check runs on the addresses DNS gives, inside the
//! HTTP client's resolver, so the address checked is the address connected to (no
//! window for a name to resolve differently between check and connect); literal IP
//! addresses are checked before the request is made.

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

    /// Whether a request may go to `ip`.
    pub fn permits(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        is_public(ip) || self.allowed.iter().any(|net| net.contains(&ip))
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

/// IPv4-mapped IPv6 addresses are judged as the IPv4 address they carry.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    let shared = a == 100 && (64..128).contains(&b); // 100.64.0.0/10, carrier-grade NAT
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_unspecified()
        || ip.is_documentation()
        || shared
        || a == 0)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || ip.is_unique_local()
        || ip.is_unicast_link_local())
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
