//! # ici: crmsim's profile of SAP's Integrated Communication Interface
//!
//! SAP CRM and a CTI connector talk SOAP 1.1 over HTTP(S): SAP sends requests (log on, set work
//! mode, answer, hang up…), the connector sends events (call changed, container changed, user
//! changed) back. SAP has not published the WSDLs of these interfaces, so this crate defines and
//! ships *our profile* of them: typed messages ([`message`]), every wire name in one table
//! ([`catalog`]), the encoder and decoder, and a WSDL + XSD ([`schema`]) that every message we emit
//! validates against.
//!
//! No I/O happens here: bytes in, typed messages out, and back. The simulators and the harness do
//! the networking.
//!
//! ## Wire conventions of the profile
//! - SOAP 1.1, `soapenv` prefix, UTF-8, one body element per message, declared in its
//!   interface's namespace on itself: `<usr:logon xmlns:usr="urn:IciUserInterface">`.
//! - Child elements are **unqualified** (`elementFormDefault="unqualified"`), the SOAP RPC
//!   convention of SAP's old BCB dispatcher, which also keeps the vendor-documented attached-data
//!   block verbatim: `<attachedData><ItemAttachedData><Application id="SAP-IC"><CV01/>…`.
//! - Responses are `<opResponse>`, empty (`<logoffResponse/>`) unless the operation returns data;
//!   an event is acknowledged with its empty `<callChangedResponse/>`.
//! - Errors are SOAP 1.1 faults whose `detail` holds `<sys:iciError><code>…</code></sys:iciError>`
//!   in `urn:IciSystemInterface`.
//! - Every event starts with `sequence` and `timestamp`.
//!
//! [`encode_request`] and friends write these; [`decode`] reads them from any sender (any
//! prefixes, headers, pretty printing, CDATA) and refuses, with a located [`DecodeError`], what
//! the shipped XSD refuses. [`schema`] holds the XSDs and the WSDL.
//!
//! [`encode_request`]: Dialect::encode_request
//! [`decode`]: Dialect::decode
#![warn(missing_docs)]

pub mod attached;
pub mod catalog;
pub mod dialect;
pub mod message;
pub mod schema;
pub mod values;

pub use attached::AttachedData;
pub use catalog::{Interface, Operation};
pub use dialect::{
    ActionRule, Dialect, DialectError, EncodeError, Expect, SoapVersion, TimeFormat, UnknownAnswer,
};
pub use dialect::{DecodeError, Location, SCHEMA_DRIVER, SchemaFile};
pub use message::{
    CallChanged, ContainerChange, Event, EventBody, Fault, FaultCode, IciError, ItemType, Message,
    Participant, ParticipantRole, Request, Response, TransferMode,
};
pub use values::{
    CallState, E164, LoginString, Media, ReasonCode, ValueError, WorkMode, check_login_shape,
};
