//! A connector side's serve config: its value in the deployment plan, sending events to the
//! CRM (or the proxy's static route) by the plan's names.

use std::net::IpAddr;
use std::path::PathBuf;

use super::{EVENT_PORT, ICI_PORT, Placement};
use crate::serve::config::Hosts;
use plan::{ConnectorFile, SidePlace};
use scenario::Deployment;

impl Placement {
    /// `folder`: the side's connector install folder under the plan's folder (SSL on); `proxy_ip`
    /// the proxy's address in containers, for the static route.
    pub(super) fn connector_file(
        &self,
        side: &str,
        folder: Option<&PathBuf>,
        proxy_ip: Option<IpAddr>,
    ) -> ConnectorFile {
        let s = &self.scenario;
        let mut hosts = Hosts::new();
        let mut proxy_route = None;
        let static_route = self.deployment() == Deployment::ProxyStaticRoute;
        if let Some(local) = &self.local {
            let (peer, hop) = if static_route {
                ("proxy", format!("{side}->proxy"))
            } else {
                ("crm", format!("{side}->crm"))
            };
            if let Some(to) = local.dial(&hop) {
                if folder.is_none() && peer == "proxy" {
                    proxy_route = Some(to);
                } else {
                    hosts.insert(self.host(peer), to.ip());
                }
            }
        } else if let (true, Some(ip)) = (static_route, proxy_ip) {
            if folder.is_some() {
                // TpiDllParameter says PROXY=proxy.<domain>:9443; the connector takes an address.
                hosts.insert(self.host("proxy"), ip);
            } else {
                proxy_route = Some(std::net::SocketAddr::new(ip, EVENT_PORT));
            }
        }
        let place = SidePlace {
            name: side.to_owned(),
            listen: self.listen(side, ICI_PORT),
            hosts,
            proxy_route,
            config_dir: folder.cloned(),
            dialect: Some("dialects/connector.toml".into()),
            // The generated folder's ini says no AgentLoginType: the scenario's holds.
            login_type: s.crm.login_type,
        };
        ConnectorFile::for_scenario(s, place)
    }
}
