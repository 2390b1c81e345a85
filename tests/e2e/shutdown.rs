//! A deployment's end loses nothing: agents stop first, the connector delivers the events it
//! still holds, and only then does the CRM's receiver close. In the other order a connector that
//! held events at the end (here: a logon storm's, each over a new full-handshake connection) had
//! them refused, and a run that had lost nothing failed.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use std::path::Path;
use std::time::{Duration, Instant};

use harness::topology;

const SCENARIO: &str = r#"
[run]
deployment = "direct"
logon = "storm"
steady = "1s"
[tls]
requests = "full"
events = "full"
[crm]
agents = 200
heartbeat = "0s"
[connector]
event_connections = 2
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_still_queued_at_shutdown_are_delivered_and_counted() {
    let loaded = scenario::parse(Path::new("shutdown.toml"), SCENARIO).unwrap();
    let mut t = topology::build(&loaded, None).await.unwrap();
    t.start_work();
    // Shut down in the middle of the storm: the first events are in, most are still queued.
    let deadline = Instant::now() + Duration::from_secs(20);
    while t.crms().map(|c| c.report().counts.events).sum::<u64>() < 5 {
        assert!(Instant::now() < deadline, "no event reached the CRM");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let (crms, connectors, _) = t.shut_down().await;
    let delivered: u64 = connectors.iter().map(|c| c.events.delivered).sum();
    let not_delivered: u64 = connectors
        .iter()
        .map(|c| c.events.failed + c.events.refused)
        .sum();
    let received: u64 = crms.iter().map(|c| c.counts.events).sum();
    let errors: Vec<_> = connectors.iter().flat_map(|c| &c.errors).collect();
    assert_eq!(not_delivered, 0, "{errors:?}");
    assert!(delivered > 5, "only {delivered} events delivered");
    assert_eq!(delivered, received, "the connector and the CRM disagree");
}
