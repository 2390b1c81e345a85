//! WSDL and XSD *for a dialect*, generated from its compiled templates, so that any message
//! crmsim emits in that dialect can be checked by a standard validator, and a SOAP toolkit can be
//! pointed at the same contract the simulators follow.
//!
//! The schemas describe what the dialect's templates write (and the decoder reads): they are as
//! strict as XSD 1.0 allows a template to be stated, and looser only where XSD forces it (see
//! [`shape`]). Nothing here does I/O; the caller writes the files.

mod shape;
mod wsdl;
mod xsd;

use std::collections::BTreeMap;

use super::Dialect;
use crate::catalog::Operation;

/// The schema to validate a whole message (a SOAP envelope) against.
pub const SCHEMA_DRIVER: &str = "envelope.xsd";

/// One generated file: its name (the files refer to each other by these names, so they belong
/// in one folder) and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaFile {
    /// The file name, e.g. `envelope.xsd`, `ns-usr.xsd` or `crmsim.wsdl`.
    pub name: String,
    /// The file's contents.
    pub text: String,
}

/// Global elements → the messages they are (`request of user.logon`), for the schemas' docs.
type Uses = BTreeMap<(shape::NsKey, String), Vec<String>>;

impl Dialect {
    /// The dialect's WSDL (one file, named after the dialect) and XSDs: [`SCHEMA_DRIVER`] (the
    /// SOAP envelope, importing the rest), one `ns-<prefix>.xsd` per namespace, and `xml.xsd`
    /// when templates use `xml:` attributes.
    pub fn schema_files(&self) -> Vec<SchemaFile> {
        let mut globals = shape::Globals::default();
        let mut uses = Uses::new();
        for op in Operation::ALL {
            let o = self.op(op);
            let roles = if op.is_event() {
                ["event", "acknowledgement"]
            } else {
                ["request", "response"]
            };
            for (node, role) in [(&o.message, roles[0]), (&o.reply, roles[1])] {
                if let Some(node) = node {
                    globals.add_root(self, node);
                    uses.entry((shape::key(node.ns), node.local.to_string()))
                        .or_default()
                        .push(format!("{role} of {}", op.key()));
                }
            }
        }
        globals.add_root(self, &self.fault);
        uses.entry((shape::key(self.fault.ns), self.fault.local.to_string()))
            .or_default()
            .push("the SOAP fault".to_owned());
        let ctx = xsd::Ctx::new(self);
        let mut files = xsd::render(&ctx, &globals, &uses);
        files.push(wsdl::render(&ctx, &globals));
        files
    }

    /// The name of the WSDL file [`Dialect::schema_files`] writes.
    pub fn wsdl_file_name(&self) -> String {
        wsdl::file_name(self)
    }
}
