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
    let addrs: Vec<std::net::SocketAddr> = tokio::net::lookup_host((host.as_str(), port))
        .await?
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
                || o[0] == 0)
        }
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public(IpAddr::V4(v4)),
            None => {
                !(v6.is_loopback()
                    || v6.is_unspecified()
                    || v6.is_multicast()
                    || v6.is_unique_local()
                    || v6.is_unicast_link_local())
            }
        },
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
        ] {
            assert!(!is_public(private.parse().expect("ip")), "{private}");
        }
        for public in ["8.8.8.8", "203.0.114.1", "2606:4700::1111"] {
            assert!(is_public(public.parse().expect("ip")), "{public}");
        }
    }
}
