//! The CRM's ICI client: sends a request, times it from its intended start, sorts the answer.

use std::sync::Arc;
use std::time::Instant;

use ici::{Fault, IciError, Message, Request, Response};
use transport::{CallError, SoapClient};

use crate::metrics::CrmMetrics;

/// A request that did not get a result.
#[derive(Debug, Clone, thiserror::Error)]
pub enum RequestError {
    /// The connector answered with a SOAP fault.
    #[error("{0}")]
    Fault(Fault),
    /// No usable answer: connection, TLS, timeout, HTTP status.
    #[error("{0}")]
    Transport(CallError),
    /// An answer we cannot read, or the answer to another operation.
    #[error("{0}")]
    BadAnswer(String),
}

impl RequestError {
    /// The connector does not know the agent's session (e.g. after failover to the other side).
    pub fn is_not_logged_on(&self) -> bool {
        matches!(self, RequestError::Fault(f) if f.error == Some(IciError::NotLoggedOn))
    }
}

/// Sends the agents' and the heartbeat's ICI requests to the connector URL in the CRM's dialect,
/// and counts each one in the CRM's metrics.
pub struct IciClient {
    soap: SoapClient,
    url: String,
    metrics: Arc<CrmMetrics>,
    user_header: Option<String>,
    dialect: Arc<ici::Dialect>,
}

impl IciClient {
    /// A client for the connector at `url`. `user_header`, when set, names the HTTP header that
    /// carries each request's user (SAP Note 1640673).
    pub fn new(
        soap: SoapClient,
        url: String,
        metrics: Arc<CrmMetrics>,
        user_header: Option<String>,
        dialect: Arc<ici::Dialect>,
    ) -> IciClient {
        IciClient {
            soap,
            url,
            metrics,
            user_header,
            dialect,
        }
    }

    /// The connector URL requests go to (from the CMS profile's RFC destination).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The SOAP client underneath, for its connection and handshake counts.
    pub fn soap(&self) -> &SoapClient {
        &self.soap
    }

    /// Asks the connector for its version in the CRM's dialect, outside the metrics, so that a
    /// connector speaking another dialect is found in one round trip instead of a minute of
    /// failed logons. `Err` names what differs; a transport problem is not a dialect matter
    /// (the run reports it as usual) and passes.
    pub async fn probe_dialect(&self) -> Result<(), String> {
        let d = &self.dialect;
        let op = ici::Operation::GetVersion;
        let Ok(xml) = d.encode_request(&Request::GetVersion) else {
            return Ok(()); // the dialect has no getVersion to probe with
        };
        let (url, name) = (&self.url, d.name());
        let reply = match self
            .soap
            .post(url, d.content_type(op), d.soap_action(op), xml, &[])
            .await
        {
            Ok(reply) => reply,
            Err(CallError::Status { status: 404, .. }) => {
                return Err(format!(
                    "dialect mismatch: {url} answered HTTP 404 to the connector path {} of dialect {name}: the connector serves another path (another dialect?)",
                    d.connector_path()
                ));
            }
            Err(_) => return Ok(()),
        };
        match d.decode_as(&reply.body, ici::Expect::Reply(op)) {
            Ok(Message::Response(_)) => Ok(()),
            Ok(Message::Fault(f))
                if matches!(
                    f.error,
                    Some(IciError::MalformedRequest | IciError::UnknownOperation)
                ) =>
            {
                Err(format!(
                    "dialect mismatch: {url} refused system.getVersion of dialect {name}: {}",
                    f.reason
                ))
            }
            Ok(_) => Ok(()),
            Err(e) => Err(format!(
                "dialect mismatch: the answer of {url} to system.getVersion does not read in dialect {name}: {e}"
            )),
        }
    }

    /// Sends `request`. Latency is measured from `intended`, the moment the agent meant to act,
    /// so that a slow system shows up in the numbers instead of silently slowing the agents.
    pub async fn send(
        &self,
        request: &Request,
        intended: Instant,
    ) -> Result<Response, RequestError> {
        let op = request.operation();
        let metrics = &self.metrics;
        CrmMetrics::count(&metrics.counters.requests);
        metrics.request_started();
        let xml = match self.dialect.encode_request(request) {
            Ok(xml) => xml,
            Err(e) => {
                metrics.request_ended();
                return Err(RequestError::BadAnswer(format!("{}: {e}", self.url)));
            }
        };
        let header;
        let extra: &[(&str, &str)] = match (&self.user_header, request.user()) {
            (Some(name), Some(user)) => {
                header = [(name.as_str(), user)];
                &header
            }
            _ => &[],
        };
        let result = self
            .soap
            .post(
                &self.url,
                self.dialect.content_type(op),
                self.dialect.soap_action(op),
                xml,
                extra,
            )
            .await;
        metrics.request_ended();
        let now = Instant::now();
        let outcome = match result {
            Err(e) => Err(RequestError::Transport(e)),
            Ok(reply) => match self.dialect.decode_as(&reply.body, ici::Expect::Reply(op)) {
                Ok(Message::Response(r)) if r.operation() == op => Ok(r),
                Ok(Message::Fault(f)) => Err(RequestError::Fault(f)),
                Ok(other) => Err(RequestError::BadAnswer(format!(
                    "{}: {} answered with {other:?}",
                    self.url,
                    op.key()
                ))),
                Err(e) => Err(RequestError::BadAnswer(format!(
                    "{}: dialect mismatch: the answer to {} does not read in dialect {}: {e}",
                    self.url,
                    op.key(),
                    self.dialect.name()
                ))),
            },
        };
        let answered = matches!(&outcome, Ok(_) | Err(RequestError::Fault(_)));
        metrics.reachable.set(now, answered);
        if !answered {
            metrics.request_failures.record(now);
        }
        match &outcome {
            Ok(_) | Err(RequestError::Fault(_)) => {
                let latency = now.saturating_duration_since(intended);
                metrics.latency.record(op.key(), latency);
                metrics.timeline.latency("request", now, latency);
                metrics.timeline.count("requests", now, 1);
            }
            Err(_) => metrics.timeline.count("request_errors", now, 1),
        }
        let tallied = match &outcome {
            Ok(_) => stats::Outcome::Ok,
            Err(RequestError::Fault(_)) => stats::Outcome::Fault,
            Err(_) => stats::Outcome::Error,
        };
        metrics.outcomes.add(op.index(), tallied);
        match &outcome {
            Ok(_) => CrmMetrics::count(&metrics.counters.responses),
            Err(RequestError::Fault(f)) => {
                CrmMetrics::count(&metrics.counters.faults);
                let code = f.error.map_or("unspecified", |e| e.as_str());
                metrics.errors.record(
                    &format!("fault.{code}"),
                    format!(
                        "{} {} for {}: {f}",
                        self.url,
                        op.key(),
                        request.user().unwrap_or("-")
                    ),
                );
            }
            Err(RequestError::Transport(e)) => {
                CrmMetrics::count(&metrics.counters.request_errors);
                metrics.errors.record(
                    &format!("request.{}", e.key()),
                    format!("{} {}: {e}", op.key(), request.user().unwrap_or("-")),
                );
            }
            Err(RequestError::BadAnswer(why)) => {
                CrmMetrics::count(&metrics.counters.request_errors);
                metrics.errors.record("request.bad-answer", why.clone());
            }
        }
        outcome
    }
}
