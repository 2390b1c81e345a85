//! The CRM's serve config: its value in the deployment plan, dialling the connector (or the
//! proxy) by the plan's names.

use plan::{CrmFile, CrmPlace};

use super::{EVENT_PORT, ICI_PORT, Placement};
use crate::serve::config::Hosts;

impl Placement {
    pub(super) fn crm_file(&self) -> CrmFile {
        let s = &self.scenario;
        let (peer, hop) = if self.proxied() {
            ("proxy", "crm->proxy")
        } else {
            ("connector", "crm->connector")
        };
        let dial = self.host(peer);
        let to = self.dial(hop);
        let mut hosts = Hosts::new();
        if let Some(to) = to {
            hosts.insert(dial.clone(), to.ip());
        }
        let place = CrmPlace {
            name: "crm".to_owned(),
            instance: 0,
            listen: self.listen("crm", EVENT_PORT),
            host: self.host("crm"),
            dial_host: dial,
            dial_port: to.map_or(ICI_PORT, |a| a.port()),
            hosts,
            material_dir: self.tls().then(|| "pki/crm".into()),
            dialect: Some("dialects/crm.toml".into()),
            // The generated folders say no AgentLoginType: the scenario's holds.
            login_type: s.crm.login_type,
        };
        CrmFile::for_scenario(s, place)
    }
}
