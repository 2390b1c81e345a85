//! Addresses of a deployment as processes on this machine, and the relays on faulted hops.
//!
//! Every component gets its own loopback IP (127.0.0.2, .3 …), so the proxy's static route can
//! listen on "port xy" of its own address and forward to port xy of the CRM, as the guide
//! describes. A relay on a hop listens on its own IP and the *peer's port*: the component that
//! dials the hop maps the peer's name to the relay's IP, so names, certificates and the
//! `TpiDllParameter=SSL PROXY=<host>:<xy>` port stay what they would be without it.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, SocketAddr, TcpListener};

use proxy::Relay;

use crate::containers::LocalNet;
use harness::topology::Loopback;
use scenario::{Deployment, Scenario};

/// The addresses, and the relays already listening.
pub struct Net {
    pub local: LocalNet,
    pub relays: BTreeMap<String, Relay>,
}

/// Picks the addresses of `s`'s deployment and starts a relay on each hop in `faulted`.
pub async fn build(s: &Scenario, faulted: &BTreeSet<String>) -> Result<Net, String> {
    let mut loopback = Loopback::new();
    let shared = !loopback.spread();
    let proxied = s.run.deployment != Deployment::Direct;
    let static_route = s.run.deployment == Deployment::ProxyStaticRoute;
    if shared && (static_route || !faulted.is_empty()) {
        return Err(
            "this machine has only 127.0.0.1: the static route and relays on hops need one loopback address per component (127.0.0.2, .3 …)"
                .to_owned(),
        );
    }
    let sides: Vec<String> = if proxied {
        vec!["connector-a".to_owned(), "connector-b".to_owned()]
    } else {
        vec!["connector".to_owned()]
    };
    let mut ips: BTreeMap<String, IpAddr> = BTreeMap::new();
    ips.insert("crm".to_owned(), loopback.next_ip());
    for side in &sides {
        ips.insert(side.clone(), loopback.next_ip());
    }
    if proxied {
        ips.insert("proxy".to_owned(), loopback.next_ip());
    }
    let relay_ips: BTreeMap<String, IpAddr> = faulted
        .iter()
        .map(|hop| (hop.clone(), loopback.next_ip()))
        .collect();
    let every_ip: Vec<IpAddr> = ips.values().chain(relay_ips.values()).copied().collect();
    let mut used = BTreeSet::new();
    let mut listen = BTreeMap::new();
    for (component, ip) in &ips {
        let port = free_port(*ip, &every_ip, &mut used)?;
        listen.insert(component.clone(), SocketAddr::new(*ip, port));
    }
    let crm = listen["crm"];
    if static_route {
        // "port xy": the route listens on the CRM's port, on the proxy's address.
        listen.insert(
            "route".to_owned(),
            SocketAddr::new(ips["proxy"], crm.port()),
        );
    }
    // Each hop and the address it reaches without a relay.
    let mut hops: Vec<(String, SocketAddr)> = Vec::new();
    if proxied {
        hops.push(("crm->proxy".to_owned(), listen["proxy"]));
        for side in &sides {
            hops.push((format!("proxy->{side}"), listen[side]));
            if static_route {
                hops.push((format!("{side}->proxy"), listen["route"]));
            } else {
                hops.push((format!("{side}->crm"), crm));
            }
        }
        if static_route {
            hops.push(("proxy->crm".to_owned(), crm));
        }
    } else {
        hops.push(("crm->connector".to_owned(), listen["connector"]));
        hops.push(("connector->crm".to_owned(), crm));
    }
    let mut dial = BTreeMap::new();
    let mut relays = BTreeMap::new();
    for (hop, target) in hops {
        let to = match relay_ips.get(&hop) {
            Some(ip) => {
                let at = SocketAddr::new(*ip, target.port());
                let relay = Relay::start(&hop, at, target)
                    .await
                    .map_err(|e| format!("relay on {hop} at {at}: {e}"))?;
                relays.insert(hop.clone(), relay);
                at
            }
            None => target,
        };
        dial.insert(hop, to);
    }
    if let Some(unknown) = faulted.iter().find(|h| !dial.contains_key(*h)) {
        return Err(format!(
            "no hop {unknown} in the {} deployment",
            s.run.deployment.as_str()
        ));
    }
    Ok(Net {
        local: LocalNet { listen, dial },
        relays,
    })
}

/// A port free on every address of the run (a relay takes its peer's port on another IP).
fn free_port(ip: IpAddr, every: &[IpAddr], used: &mut BTreeSet<u16>) -> Result<u16, String> {
    for _ in 0..100 {
        let port = TcpListener::bind((ip, 0))
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("cannot bind {ip}: {e}"))?
            .port();
        if used.contains(&port) {
            continue;
        }
        if every
            .iter()
            .all(|other| TcpListener::bind((*other, port)).is_ok())
        {
            used.insert(port);
            return Ok(port);
        }
    }
    Err(format!("no port free on all of {every:?} after 100 tries"))
}
