//! Addresses for in-process deployments.
//!
//! Each component gets its own loopback address (127.0.0.2, 127.0.0.3…) and a free port, so the
//! static proxy route can listen on "port xy" of its own address and forward to port xy of the
//! CRM, exactly as the seed describes. Where only 127.0.0.1 exists (macOS), everything shares it.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener};

/// Hands out one loopback IP per component.
#[derive(Debug)]
pub struct Loopback {
    next: u8,
    spread: bool,
}

impl Loopback {
    /// Probes once whether 127.0.0.x beyond .1 can be bound here.
    pub fn new() -> Loopback {
        let spread = TcpListener::bind((Ipv4Addr::new(127, 0, 0, 2), 0)).is_ok();
        Loopback { next: 2, spread }
    }

    /// Whether each component gets its own address (false: all share 127.0.0.1).
    pub fn spread(&self) -> bool {
        self.spread
    }

    /// The next component's IP.
    pub fn next_ip(&mut self) -> IpAddr {
        if !self.spread {
            return IpAddr::V4(Ipv4Addr::LOCALHOST);
        }
        let ip = Ipv4Addr::new(127, 0, 0, self.next);
        self.next = self.next.saturating_add(1);
        IpAddr::V4(ip)
    }

    /// The next component's address with an OS-chosen port.
    pub fn next_addr(&mut self) -> SocketAddr {
        SocketAddr::new(self.next_ip(), 0)
    }
}

impl Default for Loopback {
    fn default() -> Self {
        Loopback::new()
    }
}
