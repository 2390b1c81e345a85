//! The proxy's serve config: the scenario's engine, health check and fail-over rules, in front
//! of the plan's sides.

use std::time::Duration;

use super::{ContainerPlan, EVENT_PORT, ICI_PORT};
use crate::serve::config::TlsTable;
use crate::serve::proxy_config::{
    BackendTable, CheckKindName, CheckTable, EngineName, FrontendTable, ProxyFile, RouteTable,
    ServerTable,
};
use scenario::{self, Deployment, ProxyCheck, ProxyEngine};

impl ContainerPlan {
    pub(super) fn proxy_file(&self) -> ProxyFile {
        let s = &self.scenario;
        let p = &s.proxy;
        let servers = self
            .sides()
            .iter()
            .enumerate()
            .map(|(i, side)| ServerTable {
                name: side.clone(),
                address: self.dial(&format!("proxy->{side}")).map_or_else(
                    || format!("{}:{ICI_PORT}", self.host(side)),
                    |a| a.to_string(),
                ),
                backup: i > 0,
            })
            .collect();
        // A TLS check needs certificates: with SSL off the proxy can only connect.
        let kind = if self.tls && p.check == ProxyCheck::Tls {
            CheckKindName::Tls
        } else {
            CheckKindName::Tcp
        };
        let route = (self.deployment == Deployment::ProxyStaticRoute).then(|| RouteTable {
            name: "events".to_owned(),
            listen: self.listen("route", EVENT_PORT),
            target: self.dial("proxy->crm").map_or_else(
                || format!("{}:{EVENT_PORT}", self.host("crm")),
                |a| a.to_string(),
            ),
        });
        ProxyFile {
            name: "proxy".to_owned(),
            engine: match p.engine {
                ProxyEngine::Embedded => EngineName::Embedded,
                ProxyEngine::Haproxy => EngineName::Haproxy,
            },
            duration: None,
            // Peers' names appear as their containers start, which may take a while.
            resolve_timeout: Duration::from_secs(60),
            // The checker presents the CRM's certificate, which both sides trust.
            tls: self.tls.then(|| TlsTable {
                enabled: None,
                cert: Some("pki/crm/crm.crt.pem".into()),
                key: Some("pki/crm/crm.key.pem".into()),
                ca: Some("pki/crm/trust-ca.pem".into()),
                ..self.protocol_tls()
            }),
            frontend: vec![FrontendTable {
                name: "ici".to_owned(),
                listen: self.listen("proxy", ICI_PORT),
                backend: "connectors".to_owned(),
            }],
            backend: vec![BackendTable {
                name: "connectors".to_owned(),
                servers,
                check: CheckTable {
                    kind,
                    inter: p.inter,
                    fall: p.fall,
                    rise: p.rise,
                    timeout: p.check_timeout,
                    server_name: (kind == CheckKindName::Tls).then(|| self.host("proxy")),
                },
                on_marked_down: match p.on_marked_down {
                    scenario::OnMarkedDown::Keep => proxy::OnMarkedDown::Keep,
                    scenario::OnMarkedDown::ShutdownSessions => {
                        proxy::OnMarkedDown::ShutdownSessions
                    }
                },
                on_marked_up: match p.on_marked_up {
                    scenario::OnMarkedUp::Keep => proxy::OnMarkedUp::Keep,
                    scenario::OnMarkedUp::ShutdownBackupSessions => {
                        proxy::OnMarkedUp::ShutdownBackupSessions
                    }
                },
                failback: match p.failback {
                    scenario::Failback::Auto => proxy::Failback::Auto,
                    scenario::Failback::Manual => proxy::Failback::Manual,
                },
                // As the in-process proxy's.
                connect_timeout: Duration::from_secs(2),
            }],
            route: route.into_iter().collect(),
        }
    }
}
