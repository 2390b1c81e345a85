//! The ICI endpoint: HTTP in, SOAP decoded, the ACD asked, SOAP out.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ici::{Fault, IciError, Message, Request};

use crate::Shared;
use crate::lock;

/// `POST <path>`: one ICI request.
pub(crate) async fn ici_request(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let now = Instant::now();
    match decode_request(&headers, &body) {
        Ok(request) => {
            let op = request.operation();
            let (result, timers) = {
                let mut acd = lock(&shared.acd);
                let result = acd.handle(request, now);
                (result, acd.take_timers())
            };
            shared.timers.arm(timers);
            shared
                .metrics
                .latency
                .record(&format!("server.{}", op.key()), now.elapsed());
            match result {
                Ok(response) => soap(StatusCode::OK, ici::encode_response(&response)),
                Err(fault) => soap(StatusCode::INTERNAL_SERVER_ERROR, ici::encode_fault(&fault)),
            }
        }
        Err(fault) => {
            shared.metrics.errors.record(
                "request.refused",
                format!("{}: {}", shared.name, fault.reason),
            );
            soap(StatusCode::INTERNAL_SERVER_ERROR, ici::encode_fault(&fault))
        }
    }
}

/// Checks the HTTP envelope of a request (content type, SOAPAction) and decodes it.
fn decode_request(headers: &HeaderMap, body: &[u8]) -> Result<Request, Fault> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !content_type.to_ascii_lowercase().starts_with("text/xml") {
        return Err(Fault::client(
            IciError::MalformedRequest,
            format!(
                "Content-Type {content_type:?} is not SOAP 1.1; send {:?}",
                ici::catalog::CONTENT_TYPE
            ),
        ));
    }
    let request = match ici::decode(body) {
        Ok(Message::Request(request)) => request,
        Ok(other) => {
            return Err(Fault::client(
                IciError::MalformedRequest,
                format!("expected an ICI request, got {}", describe(&other)),
            ));
        }
        Err(e) => return Err(Fault::client(IciError::MalformedRequest, e.to_string())),
    };
    let action = headers.get("soapaction").and_then(|v| v.to_str().ok());
    request
        .operation()
        .check_soap_action(action)
        .map_err(|why| Fault::client(IciError::MalformedRequest, why))?;
    if let Request::UserSubscribe { sink_url, .. } | Request::ContainerSubscribe { sink_url, .. } =
        &request
    {
        check_sink(sink_url)?;
    }
    Ok(request)
}

/// A sink URL the connector could never send to is refused at subscription, not at the first
/// event.
fn check_sink(sink: &str) -> Result<(), Fault> {
    match reqwest::Url::parse(sink) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host_str().is_some() => Ok(()),
        Ok(url) => Err(Fault::client(
            IciError::MalformedRequest,
            format!(
                "sinkUrl {sink:?} must be http:// or https:// with a host, not {}:",
                url.scheme()
            ),
        )),
        Err(e) => Err(Fault::client(
            IciError::MalformedRequest,
            format!("sinkUrl {sink:?} is not a URL: {e}"),
        )),
    }
}

fn describe(message: &Message) -> String {
    match message {
        Message::Request(r) => format!("request {}", r.operation().key()),
        Message::Response(r) => format!("response {}", r.operation().key()),
        Message::Event(e) => format!("event {}", e.body.operation().key()),
        Message::EventAck(op) => format!("acknowledgement of {}", op.key()),
        Message::Fault(f) => format!("fault {f}"),
    }
}

fn soap(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, ici::catalog::CONTENT_TYPE)],
        body,
    )
        .into_response()
}
