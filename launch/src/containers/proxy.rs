//! The proxy's serve config: its value in the deployment plan, in front of the placement's
//! sides.

use plan::{ProxyFile, ProxyPlace, TlsTable};

use super::{EVENT_PORT, ICI_PORT, Placement};

impl Placement {
    pub(super) fn proxy_file(&self) -> ProxyFile {
        let servers = self
            .sides()
            .into_iter()
            .map(|side| {
                let address = self.dial(&format!("proxy->{side}")).map_or_else(
                    || format!("{}:{ICI_PORT}", self.host(&side)),
                    |a| a.to_string(),
                );
                (side, address)
            })
            .collect();
        let route_target = self.dial("proxy->crm").map_or_else(
            || format!("{}:{EVENT_PORT}", self.host("crm")),
            |a| a.to_string(),
        );
        let place = ProxyPlace {
            frontend: self.listen("proxy", ICI_PORT),
            servers,
            route: Some((self.listen("route", EVENT_PORT), route_target)),
            // The checker presents the CRM's certificate, which both sides trust.
            checker: self.tls().then(|| TlsTable {
                cert: Some("pki/crm/crm.crt.pem".into()),
                key: Some("pki/crm/crm.key.pem".into()),
                ca: Some("pki/crm/trust-ca.pem".into()),
                ..TlsTable::protocol(&self.scenario.tls)
            }),
            // Both sides present the proxy's name, the one the CRM dials.
            server_name: self.host("proxy"),
        };
        ProxyFile::for_scenario(&self.scenario, place)
    }
}
