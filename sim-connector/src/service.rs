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
    let d = &shared.dialect;
    match decode_request(d, &headers, &body) {
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
            match result.and_then(|response| {
                d.encode_response(&response)
                    .map_err(|e| Fault::server(IciError::UnknownOperation, e.to_string()))
            }) {
                Ok(xml) => soap(d, StatusCode::OK, xml),
                Err(fault) => fault_reply(d, &fault),
            }
        }
        Err(fault) => {
            shared.metrics.errors.record(
                "request.refused",
                format!("{}: {}", shared.name, fault.reason),
            );
            if shared.unknown == ici::UnknownAnswer::Empty
                && fault.error == Some(IciError::UnknownOperation)
            {
                // Discovery: a peer that insists on an answer gets an empty one and goes on
                // talking; the refusal above still counts it.
                return soap(d, StatusCode::OK, d.encode_empty_body());
            }
            fault_reply(d, &fault)
        }
    }
}

/// Checks the HTTP envelope of a request (content type, SOAPAction) and decodes it.
fn decode_request(d: &ici::Dialect, headers: &HeaderMap, body: &[u8]) -> Result<Request, Fault> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    d.check_content_type(header("content-type"))
        .map_err(|why| Fault::client(IciError::MalformedRequest, why))?;
    let request = match d.decode_as(body, ici::Expect::Message) {
        Ok(Message::Request(request)) => request,
        Ok(other) => {
            return Err(Fault::client(
                IciError::MalformedRequest,
                format!("expected an ICI request, got {}", describe(&other)),
            ));
        }
        Err(e) => {
            return Err(Fault::client(
                e.ici_error(),
                format!(
                    "dialect mismatch: not a request of dialect {}: {e}",
                    d.name()
                ),
            ));
        }
    };
    d.check_headers(
        request.operation(),
        header("content-type"),
        header("soapaction"),
    )
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

fn soap(d: &ici::Dialect, status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, d.reply_content_type())],
        body,
    )
        .into_response()
}

fn fault_reply(d: &ici::Dialect, fault: &Fault) -> Response {
    let status =
        StatusCode::from_u16(d.fault_status(fault)).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    soap(d, status, d.encode_fault(fault))
}
