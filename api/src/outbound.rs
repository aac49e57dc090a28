//! Requests to addresses that tenants choose (JWKS documents, webhook endpoints): https only and
//! public addresses only unless the operator allows private networks, the address checked is the
//! one connected to (so DNS rebinding cannot swap it), and redirects are not followed.

use std::time::Duration;

/// A client pinned to the checked address of `url`'s host, and the parsed URL.
pub async fn pinned_client(
    url: &str,
    allow_private_networks: bool,
    timeout: Duration,
) -> anyhow::Result<(reqwest::Client, reqwest::Url)> {
    let parsed = reqwest::Url::parse(url)?;
    let scheme_ok =
        parsed.scheme() == "https" || (allow_private_networks && parsed.scheme() == "http");
    if !scheme_ok {
        anyhow::bail!("the URL must use https");
    }
    let host = parsed
        .host_str()
        .ok_or_else(|| anyhow::anyhow!("the URL has no host"))?
        .to_owned();
    let port = parsed.port_or_known_default().unwrap_or(443);
    let addrs: Vec<std::net::SocketAddr> = tokio::time::timeout(
        Duration::from_secs(3).min(timeout),
        tokio::net::lookup_host((host.as_str(), port)),
    )
    .await
    .map_err(|_| anyhow::anyhow!("resolving the host timed out"))??
    .collect();
    let addr = *addrs
        .first()
        .ok_or_else(|| anyhow::anyhow!("the host does not resolve"))?;
    if !allow_private_networks && addrs.iter().any(|a| !is_public(a.ip())) {
        anyhow::bail!("the host resolves to a non-public address");
    }
    let client = reqwest::Client::builder()
        .resolve(&host, addr)
        .redirect(reqwest::redirect::Policy::none())
        // A proxy would resolve the host itself and undo the pinning.
        .no_proxy()
        .connect_timeout(Duration::from_secs(3).min(timeout))
        .timeout(timeout)
        .user_agent(concat!("Urakata/", env!("CARGO_PKG_VERSION")))
        .build()?;
    Ok((client, parsed))
}

/// Whether an address is on the public internet (not loopback, private, link-local, shared,
/// multicast, documentation or unspecified, in either IP version).
pub fn is_public(ip: std::net::IpAddr) -> bool {
    use std::net::IpAddr;
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.is_unspecified()
                || v4.is_multicast()
                || (o[0] == 100 && (o[1] & 0xc0) == 64)
                || o[0] == 0
                // Reserved (240/4), benchmarking (198.18/15) and IETF protocol assignments.
                || o[0] >= 240
                || (o[0] == 198 && (o[1] & 0xfe) == 18)
                || (o[0] == 192 && o[1] == 0 && o[2] == 0))
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            // Addresses that embed an IPv4 address are judged by it: mapped, NAT64
            // (64:ff9b::/96), 6to4 (2002::/16) and the deprecated compatible form (::/96).
            let embedded = if let Some(v4) = v6.to_ipv4_mapped() {
                Some(v4)
            } else if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
                Some(std::net::Ipv4Addr::from(
                    ((s[6] as u32) << 16) | s[7] as u32,
                ))
            } else if s[0] == 0x2002 {
                Some(std::net::Ipv4Addr::from(
                    ((s[1] as u32) << 16) | s[2] as u32,
                ))
            } else if s[..6] == [0, 0, 0, 0, 0, 0] && !(v6.is_loopback() || v6.is_unspecified()) {
                Some(std::net::Ipv4Addr::from(
                    ((s[6] as u32) << 16) | s[7] as u32,
                ))
            } else {
                None
            };
            match embedded {
                Some(v4) => is_public(IpAddr::V4(v4)),
                None => {
                    !(v6.is_loopback()
                        || v6.is_unspecified()
                        || v6.is_multicast()
                        || v6.is_unique_local()
                        || v6.is_unicast_link_local()
                        // Deprecated site-local (fec0::/10).
                        || (s[0] & 0xffc0) == 0xfec0)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_public;

    #[test]
    fn only_public_addresses_are_fetched() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fc00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "2002:7f00:1::",
            "::7f00:1",
            "fec0::1",
            "240.0.0.1",
            "198.18.0.1",
            "192.0.0.8",
        ] {
            assert!(!is_public(private.parse().expect("ip")), "{private}");
        }
        for public in [
            "8.8.8.8",
            "203.0.114.1",
            "2606:4700::1111",
            "64:ff9b::808:808",
        ] {
            assert!(is_public(public.parse().expect("ip")), "{public}");
        }
    }
}
