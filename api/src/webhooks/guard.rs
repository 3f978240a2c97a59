//! Where webhooks may go (SSRF): http(s) only, and never to this machine or a private network
//! unless the server is started with `--webhooks-allow-private`. URLs are checked when an
//! endpoint is saved; the addresses a name resolves to are checked again on every delivery (a
//! name can be pointed at 127.0.0.1 after it was saved), by the resolver the sender uses.

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::pin::Pin;
use std::task::{Context, Poll};

use hyper_util::client::legacy::connect::dns::Name;
use url::{Host, Url};

/// The longest URL accepted.
pub const URL_MAX_CHARS: usize = 2000;

/// Checks an endpoint URL; returns it parsed, or why it is refused.
pub fn check_url(text: &str, allow_private: bool) -> Result<Url, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("enter the URL to send to".into());
    }
    if text.chars().count() > URL_MAX_CHARS {
        return Err(format!("at most {URL_MAX_CHARS} characters"));
    }
    let url = Url::parse(text).map_err(|e| format!("not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("only http:// and https:// URLs".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("put no user name or password in the URL; the signature authenticates us".into());
    }
    if url.fragment().is_some() {
        return Err("a URL with a #fragment is not sent to a server".into());
    }
    if allow_private {
        return Ok(url);
    }
    match url.host() {
        None => Err("the URL has no host".into()),
        Some(Host::Ipv4(ip)) if !is_public(IpAddr::V4(ip)) => Err(private_refusal(&ip.to_string())),
        Some(Host::Ipv6(ip)) if !is_public(IpAddr::V6(ip)) => Err(private_refusal(&ip.to_string())),
        Some(Host::Domain(name)) if is_local_name(name) => Err(private_refusal(name)),
        Some(_) => Ok(url),
    }
}

fn private_refusal(host: &str) -> String {
    format!(
        "{host} is this machine or a private network; the server refuses such addresses \
         (start it with --webhooks-allow-private to allow them)"
    )
}

/// Names that always mean this machine or the local network.
fn is_local_name(name: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    let last_label = name.rsplit('.').next().unwrap_or_default();
    matches!(last_label, "localhost" | "local" | "internal")
}

/// Whether `ip` is an address on the public internet: not loopback, private, link-local,
/// shared (CGNAT), documentation, benchmarking, multicast, broadcast or unspecified.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (first & 0xffc0) == 0xfe80 // link-local fe80::/10
                || (first == 0x2001 && v6.segments()[1] == 0x0db8) // documentation
                || (first == 0x0064 && v6.segments()[1] == 0xff9b) // NAT64: may reach private v4
                || v6 == Ipv6Addr::UNSPECIFIED)
        }
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || a >= 240
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || (a == 192 && b == 0 && c == 0)) // IETF protocol assignments
}

/// The resolver deliveries use: the system's, refusing a name when any of its addresses is not
/// public (unless private targets are allowed).
#[derive(Clone, Copy, Debug)]
pub struct GuardedResolver {
    pub allow_private: bool,
}

type Resolved = Result<std::vec::IntoIter<SocketAddr>, std::io::Error>;

impl tower_service::Service<Name> for GuardedResolver {
    type Response = std::vec::IntoIter<SocketAddr>;
    type Error = std::io::Error;
    type Future = Pin<Box<dyn Future<Output = Resolved> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, name: Name) -> Self::Future {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if !allow_private && (is_local_name(&host) || addrs.iter().any(|a| !is_public(a.ip()))) {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::PermissionDenied,
                    format!("{host} resolves to a private address, which webhooks may not reach"),
                ));
            }
            Ok(addrs.into_iter())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_http_urls_pass() {
        for ok in
            ["https://shop.example.com/hooks/starcrm", "http://203.0.114.9:8080/x", "https://[2606:4700::1]/"]
        {
            assert!(check_url(ok, false).is_ok(), "{ok}");
        }
        for (bad, why) in [
            ("ftp://shop.example.com/", "only http"),
            ("https://user:pw@shop.example.com/", "user name"),
            ("http://127.0.0.1:8080/", "private"),
            ("http://localhost/", "private"),
            ("http://api.localhost/", "private"),
            ("http://10.1.2.3/", "private"),
            ("http://172.16.0.1/", "private"),
            ("http://192.168.1.1/", "private"),
            ("http://169.254.169.254/latest/meta-data", "private"),
            ("http://100.64.0.1/", "private"),
            ("http://0.0.0.0/", "private"),
            ("http://[::1]/", "private"),
            ("http://[fd00::1]/", "private"),
            ("http://[fe80::1]/", "private"),
            ("http://[::ffff:127.0.0.1]/", "private"),
            ("not a url", "not a URL"),
            ("", "enter"),
        ] {
            let refused = check_url(bad, false).expect_err(bad);
            assert!(refused.contains(why), "{bad}: {refused}");
        }
    }

    #[test]
    fn private_targets_pass_when_the_server_allows_them() {
        assert!(check_url("http://127.0.0.1:9000/hook", true).is_ok());
        assert!(check_url("ftp://127.0.0.1/", true).is_err());
    }
}
