//! A connector side's serve config: the scenario's calls, contact-center rules and event
//! delivery, sending events to the CRM (or the proxy's static route) by the plan's names.

use std::net::IpAddr;
use std::path::PathBuf;

use super::{ContainerPlan, EVENT_PORT, ICI_PORT};
use crate::serve::config::Hosts;
use crate::serve::connector_config::{AcdTable, ConnectorFile, EventsTable};
use scenario::Deployment;

impl ContainerPlan {
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
        let static_route = self.deployment == Deployment::ProxyStaticRoute;
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
        let c = &s.connector;
        ConnectorFile {
            name: side.to_owned(),
            listen: self.listen(side, ICI_PORT),
            path: None,
            dialect: Some("dialects/connector.toml".into()),
            duration: None,
            seed: s.run.seed,
            config_dir: folder.cloned(),
            tls: Some(self.protocol_tls()),
            events: EventsTable {
                mode: s.tls.events,
                retries: c.event_retries,
                timeout: c.event_timeout,
                connections: c.event_connections,
                hosts,
                proxy_route,
            },
            acd: AcdTable {
                // The generated folder's ini says no AgentLoginType: the scenario's holds.
                login_type: Some(s.crm.login_type),
                wrap_up: c.wrap_up,
                wrap_up_timer: c.wrap_up_timer,
                ring_no_answer: c.ring_no_answer,
                ring_no_answer_reason: c.ring_no_answer_reason,
                session_timeout: c.session_timeout,
            },
            calls: s.calls.clone(),
            server: s.server.clone(),
        }
    }
}
