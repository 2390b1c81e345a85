//! A dialect: everything about the wire that differs between one ICI system and another, loaded
//! from a file and compiled once into node trees that the codec walks.
//!
//! crmsim's own profile is one dialect like any other (`ici/dialects/crmsim.toml`, embedded as
//! [`Dialect::builtin`]); a dialect written down from a real system's capture makes both
//! simulators speak that system's wire without a line of code changing.

mod build;
mod compile;
mod cursor;
mod decode;
mod encode;
mod error;
mod escape;
mod fields;
mod file;
mod schema;
mod soap;
mod source;
mod template;
mod vocab;

use std::sync::{Arc, LazyLock};

pub use decode::Expect;
pub use encode::EncodeError;
pub use error::{DecodeError, Location};
pub use file::DialectError;
pub use schema::{SCHEMA_DRIVER, SchemaFile};
pub use soap::{ActionRule, SoapVersion, TimeFormat};

use crate::catalog::Operation;
use template::Node;
use vocab::VocabTable;

/// The built-in dialect's file, as shipped in the repository.
pub const BUILTIN_TOML: &str = include_str!("../../dialects/crmsim.toml");

static BUILTIN: LazyLock<Arc<Dialect>> =
    LazyLock::new(
        || match Dialect::from_toml(BUILTIN_TOML, "built-in dialect crmsim") {
            Ok(d) => Arc::new(d),
            // The file is part of the binary and a unit test loads it; reaching this is a build defect.
            Err(e) => panic!("the embedded dialect does not compile: {e}"),
        },
    );

/// What a simulator answers a message its dialect does not know (discovery mode facing a real
/// peer): a SOAP fault naming the element (the default, what a strict peer would say), or an
/// empty SOAP body with 200, so that a peer that insists on an answer goes on talking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum UnknownAnswer {
    /// A SOAP fault naming the element.
    #[default]
    Fault,
    /// An empty SOAP body with HTTP 200.
    Empty,
}

/// One compiled dialect.
#[derive(Debug)]
pub struct Dialect {
    name: String,
    description: String,
    origin: String,
    text: String,
    soap: SoapVersion,
    env_prefix: String,
    /// Everything written before the body element (declaration, `Envelope`, the fixed header
    /// block, `Body`), and after it: the same for every message, so built once.
    envelope_open: String,
    envelope_close: String,
    connector_path: String,
    event_path: String,
    user_header: Option<String>,
    timestamp: TimeFormat,
    /// Local names whose values are secret (`values.secret`).
    secret: Vec<String>,
    /// `(prefix, uri)`; index 0 is the SOAP envelope's.
    namespaces: Vec<(String, String)>,
    vocab: Vec<VocabTable>,
    ops: Vec<OpDialect>,
    fault: Node,
    /// Body elements by namespace and local name, for telling messages apart.
    candidates: Vec<Candidate>,
}

#[derive(Debug)]
struct OpDialect {
    /// The request (or event) template; `None` when the dialect marks the operation unsupported.
    message: Option<Node>,
    /// The response (or acknowledgement) template.
    reply: Option<Node>,
    action: Option<String>,
    content_type: String,
    /// The action URI before the rule shapes it into a header (for the WSDL); empty when the
    /// rule sends none.
    action_uri: String,
}

/// What a body element can be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Message(Operation),
    Reply(Operation),
    Fault,
}

#[derive(Debug)]
struct Candidate {
    ns: template::NsId,
    local: Box<str>,
    role: Role,
}

impl Dialect {
    /// crmsim's own profile.
    pub fn builtin() -> Arc<Dialect> {
        Arc::clone(&BUILTIN)
    }

    /// Loads and compiles a dialect file.
    pub fn load(path: &std::path::Path) -> Result<Dialect, DialectError> {
        let text = std::fs::read_to_string(path).map_err(|e| DialectError {
            file: path.display().to_string(),
            line: 0,
            column: 0,
            message: format!("cannot read the dialect file: {e}"),
        })?;
        Dialect::from_toml(&text, &path.display().to_string())
    }

    /// Compiles a dialect from its TOML text; `origin` names it in errors.
    pub fn from_toml(text: &str, origin: &str) -> Result<Dialect, DialectError> {
        compile::compile(text, origin)
    }

    /// The dialect's name (`dialect.name`), shown in reports and errors.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The file's `dialect.description`, empty when it gives none.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// The file it was loaded from (or `built-in dialect crmsim`).
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The dialect file's text, to carry it into another process or container.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The SOAP version its messages use (`soap.version`).
    pub fn soap_version(&self) -> SoapVersion {
        self.soap
    }

    /// The path of the connector's ICI endpoint.
    pub fn connector_path(&self) -> &str {
        &self.connector_path
    }

    /// The path of the CRM's event sink.
    pub fn event_path(&self) -> &str {
        &self.event_path
    }

    /// The HTTP header SAP copies the agent's user into (SAP Note 1640673), if the dialect sets one.
    pub fn user_header(&self) -> Option<&str> {
        self.user_header.as_deref()
    }

    /// Local names of elements and attributes whose values a recorder must mask: those the
    /// file marks secret (`values.secret`).
    pub fn secret_names(&self) -> &[String] {
        &self.secret
    }

    /// Local names of the elements or attributes that carry agents' login strings, whose
    /// password part a recorder masks.
    pub fn login_carriers(&self) -> Vec<String> {
        let mut out = Vec::new();
        for op in &self.ops {
            if let Some(node) = &op.message {
                node.carriers_of(fields::F::Login, &mut out);
            }
        }
        out.sort();
        out.dedup();
        out
    }

    /// False when the dialect marks the operation unsupported (it is never sent).
    pub fn supports(&self, op: Operation) -> bool {
        self.op(op).message.is_some()
    }

    /// The operations the dialect does not support.
    pub fn unsupported(&self) -> Vec<Operation> {
        Operation::ALL
            .into_iter()
            .filter(|op| !self.supports(*op))
            .collect()
    }

    /// The `Content-Type` a request or event of `op` is posted with.
    pub fn content_type(&self, op: Operation) -> &str {
        &self.op(op).content_type
    }

    /// An envelope with an empty body: the [`UnknownAnswer::Empty`] answer.
    pub fn encode_empty_body(&self) -> String {
        let mut out = String::with_capacity(self.envelope_open.len() + self.envelope_close.len());
        out.push_str(&self.envelope_open);
        out.push_str(&self.envelope_close);
        out
    }

    /// The `Content-Type` of answers (responses, acknowledgements, faults).
    pub fn reply_content_type(&self) -> &'static str {
        self.soap.content_type()
    }

    /// The HTTP status a fault travels with: SOAP 1.1 answers every fault with 500, SOAP 1.2 the
    /// sender's faults with 400 (SOAP 1.2 part 2, 7.5.1).
    pub fn fault_status(&self, fault: &crate::Fault) -> u16 {
        match (self.soap, fault.code) {
            (SoapVersion::V12, crate::FaultCode::Client) => 400,
            _ => 500,
        }
    }

    /// The `SOAPAction` header a request or event of `op` carries, `None` when the dialect sends
    /// none (SOAP 1.2 carries the action in the content type, or the rule is `absent`).
    pub fn soap_action(&self, op: Operation) -> Option<&str> {
        self.op(op).action.as_deref()
    }

    /// Checks a received message's `Content-Type` and `SOAPAction` headers for the operation found
    /// in its body; the error says what arrived and what the dialect expects.
    pub fn check_headers(
        &self,
        op: Operation,
        content_type: Option<&str>,
        soap_action: Option<&str>,
    ) -> Result<(), String> {
        soap::check_headers(self, op, content_type, soap_action)
    }

    /// Checks only a received `Content-Type` (before the body is read).
    pub fn check_content_type(&self, content_type: Option<&str>) -> Result<(), String> {
        soap::check_content_type(self.soap, content_type)
    }

    /// The request or event whose body element is `{ns}local` in this dialect, if any: what a
    /// message is meant to be even when its values do not read (a replay names the difference).
    pub fn message_operation(&self, ns: &str, local: &str) -> Option<Operation> {
        self.candidates.iter().find_map(|c| {
            let uri = match c.ns {
                template::NsId::Unqualified => "",
                template::NsId::Known(i) => self.ns_uri(i),
            };
            match c.role {
                Role::Message(op) if uri == ns && &*c.local == local => Some(op),
                _ => None,
            }
        })
    }

    /// The body element's expanded name of the request (or event) of `op`, `{ns}local`.
    pub fn message_element(&self, op: Operation) -> Option<String> {
        self.op(op).message.as_ref().map(|n| self.expanded(n))
    }

    /// The body element's expanded name of the response (or acknowledgement) of `op`.
    pub fn reply_element(&self, op: Operation) -> Option<String> {
        self.op(op).reply.as_ref().map(|n| self.expanded(n))
    }

    fn expanded(&self, node: &Node) -> String {
        match node.ns {
            template::NsId::Unqualified => node.local.to_string(),
            template::NsId::Known(i) => format!("{{{}}}{}", self.ns_uri(i), node.local),
        }
    }

    fn ns_uri(&self, id: u16) -> &str {
        self.namespaces
            .get(usize::from(id))
            .map_or("", |(_, u)| u.as_str())
    }

    fn op(&self, op: Operation) -> &OpDialect {
        // `ops` is built with one entry per `Operation::ALL`, in that order.
        &self.ops[op as usize]
    }

    /// The namespaces the dialect's messages use, for error messages.
    fn known_namespaces(&self) -> String {
        let names: Vec<&str> = self
            .namespaces
            .iter()
            .skip(1)
            .map(|(_, u)| u.as_str())
            .collect();
        names.join(", ")
    }
}
