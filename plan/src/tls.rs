//! A side's TLS, ready to use: what a launcher hands a component after loading its material.

use std::sync::Arc;

use transport::ClientTls;

/// Both TLS roles of one side, ready to use.
#[derive(Clone)]
pub struct SideTls {
    /// As a TLS server.
    pub server: Arc<rustls::ServerConfig>,
    /// As a TLS client.
    pub client: ClientTls,
}

impl SideTls {
    /// The same side, with a server that neither caches sessions nor issues tickets: for a
    /// direction whose clients open a new connection with a full handshake per message, tickets
    /// would be work for nothing.
    pub fn without_server_resumption(mut self) -> SideTls {
        let mut server = (*self.server).clone();
        server.send_tls13_tickets = 0;
        server.session_storage = Arc::new(rustls::server::NoServerSessionStorage {});
        self.server = Arc::new(server);
        self
    }

    /// As [`Self::without_server_resumption`] when the side's clients connect with `mode`.
    pub fn for_clients(self, mode: transport::ConnectionMode) -> SideTls {
        if mode == transport::ConnectionMode::NewConnectionFull {
            self.without_server_resumption()
        } else {
            self
        }
    }
}
