//! The CRM's serve config: the scenario's agents and requests, dialling the connector (or the
//! proxy) by the plan's names.

use sim_crm::CmsProfile;

use super::{ContainerPlan, EVENT_PORT, ICI_PORT};
use crate::serve::config::Hosts;
use crate::serve::crm_config::{AgentsTable, CrmFile, RequestsTable};

impl ContainerPlan {
    pub(super) fn crm_file(&self) -> CrmFile {
        let s = &self.scenario;
        let (peer, hop) = if self.proxied() {
            ("proxy", "crm->proxy")
        } else {
            ("connector", "crm->connector")
        };
        let dial = self.host(peer);
        let to = self.dial(hop);
        let scheme = if self.tls { "https" } else { "http" };
        let mut hosts = Hosts::new();
        if let Some(to) = to {
            hosts.insert(dial.clone(), to.ip());
        }
        // Who the agents are (user names, ids, devices) is not the scenario's to say: the
        // serve config's defaults are the in-process CRM's.
        let who = AgentsTable::default();
        CrmFile {
            name: "crm".to_owned(),
            listen: self.listen("crm", EVENT_PORT),
            sink_url: format!(
                "{scheme}://{}:{{port}}{}",
                self.host("crm"),
                self.dialects.crm.event_path()
            ),
            dialect: Some("dialects/crm.toml".into()),
            duration: Some(self.crm_duration),
            // The steady phase starts when the runner's does: its faults are timed from it.
            warmup: Some(s.run.warmup),
            // The scenario's drain: how long calls may take to end once the work is over.
            logoff_timeout: s.run.drain,
            seed: s.run.seed,
            material_dir: self.tls.then(|| "pki/crm".into()),
            tls: Some(self.protocol_tls()),
            cms: CmsProfile::for_connector(
                &dial,
                to.map_or(ICI_PORT, |a| a.port()),
                self.tls,
                self.dialects.crm.connector_path(),
            ),
            requests: RequestsTable {
                mode: s.tls.requests,
                timeout: s.crm.request_timeout,
                connections: s.crm.connections,
                hosts,
                user_header: s.crm.user_header.clone(),
                client_certificate: s.crm.client_certificate,
            },
            agents: AgentsTable {
                count: s.crm.agents,
                logon: s.run.logon,
                login_type: s.crm.login_type,
                ring_delay: s.crm.ring_delay,
                talk_time: s.crm.talk_time,
                hangup: s.calls.hangup,
                wrap_up: s.crm.wrap_up,
                not_ready_ratio: s.crm.not_ready_ratio,
                not_ready_reasons: s.crm.not_ready_reasons.clone(),
                not_ready_time: s.crm.not_ready_time,
                outbound_ratio: s.crm.outbound_ratio,
                heartbeat: s.crm.heartbeat,
                watchdog: s.crm.watchdog,
                ..who
            },
            server: s.server.clone(),
        }
    }
}
