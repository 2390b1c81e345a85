//! The shipped WSDL is generated from the built-in dialect, so its operations and `soapAction`s cannot
//! drift from what the simulators send. Regenerate with `ICI_BLESS=1 cargo test -p ici --test wsdl`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use std::fmt::Write as _;

use ici::{Dialect, Interface, Operation};

trait Wire {
    fn namespace(self) -> String;
    fn prefix(self) -> &'static str;
}

impl Wire for Interface {
    /// The namespace of the interface's operations in the built-in dialect.
    fn namespace(self) -> String {
        let op = Operation::ALL
            .into_iter()
            .find(|op| op.interface() == self)
            .unwrap();
        crate::common::builtin_element(op).0
    }

    /// The prefix the WSDL declares for it (the built-in dialect's `[namespaces]` keys).
    fn prefix(self) -> &'static str {
        match self {
            Interface::System => "sys",
            Interface::User => "usr",
            Interface::Container => "con",
            Interface::Call => "cal",
            Interface::Event => "evt",
        }
    }
}

fn element(op: Operation) -> String {
    crate::common::builtin_element(op).1
}

fn response_element(op: Operation) -> String {
    crate::common::builtin_reply_element(op).1
}

fn soap_action(op: Operation) -> String {
    Dialect::builtin().soap_action(op).unwrap().to_owned()
}

const TNS: &str = "urn:crmsim:ici-profile";
const CONNECTOR_LOCATION: &str = "http://connector.example:8443";
const CRM_LOCATION: &str = "http://crm.example:8443";

fn name(interface: Interface) -> String {
    format!("Ici{interface:?}")
}

fn schema_file(interface: Interface) -> String {
    format!("ici-{}.xsd", format!("{interface:?}").to_lowercase())
}

fn operations(interface: Interface) -> impl Iterator<Item = Operation> {
    Operation::ALL
        .into_iter()
        .filter(move |op| op.interface() == interface)
}

fn render() -> String {
    let mut w = String::new();
    let o = &mut w;
    o.push_str(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<!--
  crmsim ICI profile: WSDL 1.1, document/literal, SOAP 1.1 over HTTP.

  Generated from the built-in dialect (ici/dialects/crmsim.toml) by ici/tests/wsdl.rs (ICI_BLESS=1 regenerates it); do not edit
  by hand. SAP's own ICI WSDLs are not public: only the namespace urn:IciSystemInterface is
  confirmed, everything else is crmsim's profile following its urn:Ici<Name>Interface pattern.
  Messages travel with Content-Type text/xml; charset=UTF-8 and a quoted SOAPAction header whose
  value is the soapAction below. Body children are unqualified (see the XSDs).
-->
"#,
    );
    writeln!(
        o,
        r#"<wsdl:definitions name="IciProfile" targetNamespace="{TNS}""#
    )
    .unwrap();
    o.push_str(
        r#"    xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/"
    xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
    xmlns:xs="http://www.w3.org/2001/XMLSchema"
"#,
    );
    writeln!(o, r#"    xmlns:tns="{TNS}""#).unwrap();
    for (i, interface) in Interface::ALL.into_iter().enumerate() {
        let end = if i + 1 == Interface::ALL.len() {
            ">"
        } else {
            ""
        };
        writeln!(
            o,
            r#"    xmlns:{}="{}"{end}"#,
            interface.prefix(),
            interface.namespace()
        )
        .unwrap();
    }
    o.push_str("\n  <wsdl:types>\n    <xs:schema>\n");
    for interface in Interface::ALL {
        writeln!(
            o,
            r#"      <xs:import namespace="{}" schemaLocation="{}"/>"#,
            interface.namespace(),
            schema_file(interface)
        )
        .unwrap();
    }
    o.push_str("    </xs:schema>\n  </wsdl:types>\n\n");

    o.push_str(
        r#"  <wsdl:message name="iciFault">
    <wsdl:part name="fault" element="sys:iciError"/>
  </wsdl:message>
"#,
    );
    for op in Operation::ALL {
        let prefix = op.interface().prefix();
        for (kind, element) in [("request", element(op)), ("response", response_element(op))] {
            writeln!(o, r#"  <wsdl:message name="{}.{kind}">"#, op.key()).unwrap();
            writeln!(
                o,
                r#"    <wsdl:part name="parameters" element="{prefix}:{element}"/>"#
            )
            .unwrap();
            o.push_str("  </wsdl:message>\n");
        }
    }

    for interface in Interface::ALL {
        writeln!(
            o,
            "\n  <wsdl:portType name=\"{}Interface\">",
            name(interface)
        )
        .unwrap();
        for op in operations(interface) {
            writeln!(o, r#"    <wsdl:operation name="{}">"#, element(op)).unwrap();
            writeln!(
                o,
                r#"      <wsdl:input message="tns:{}.request"/>"#,
                op.key()
            )
            .unwrap();
            writeln!(
                o,
                r#"      <wsdl:output message="tns:{}.response"/>"#,
                op.key()
            )
            .unwrap();
            o.push_str("      <wsdl:fault name=\"iciError\" message=\"tns:iciFault\"/>\n");
            o.push_str("    </wsdl:operation>\n");
        }
        o.push_str("  </wsdl:portType>\n");
    }

    for interface in Interface::ALL {
        let n = name(interface);
        writeln!(
            o,
            "\n  <wsdl:binding name=\"{n}Binding\" type=\"tns:{n}Interface\">"
        )
        .unwrap();
        o.push_str("    <soap:binding style=\"document\" transport=\"http://schemas.xmlsoap.org/soap/http\"/>\n");
        for op in operations(interface) {
            let action = soap_action(op);
            let action = action.trim_matches('"');
            writeln!(o, r#"    <wsdl:operation name="{}">"#, element(op)).unwrap();
            writeln!(
                o,
                r#"      <soap:operation soapAction="{action}" style="document"/>"#
            )
            .unwrap();
            o.push_str(
                r#"      <wsdl:input><soap:body use="literal"/></wsdl:input>
      <wsdl:output><soap:body use="literal"/></wsdl:output>
      <wsdl:fault name="iciError"><soap:fault name="iciError" use="literal"/></wsdl:fault>
    </wsdl:operation>
"#,
            );
        }
        o.push_str("  </wsdl:binding>\n");
    }

    let services = [
        (
            "IciConnectorService",
            "The CTI connector's ICI endpoint (requests CRM → connector).",
            format!(
                "{CONNECTOR_LOCATION}{}",
                Dialect::builtin().connector_path()
            ),
            &Interface::ALL[..4],
        ),
        (
            "IciCrmEventService",
            "The CRM's event sink (events connector → CRM).",
            format!("{CRM_LOCATION}{}", Dialect::builtin().event_path()),
            &Interface::ALL[4..],
        ),
    ];
    for (service, doc, location, interfaces) in services {
        writeln!(o, "\n  <wsdl:service name=\"{service}\">").unwrap();
        writeln!(o, "    <wsdl:documentation>{doc}</wsdl:documentation>").unwrap();
        for interface in interfaces {
            let n = name(*interface);
            writeln!(
                o,
                "    <wsdl:port name=\"{n}Port\" binding=\"tns:{n}Binding\">"
            )
            .unwrap();
            writeln!(o, "      <soap:address location=\"{location}\"/>").unwrap();
            o.push_str("    </wsdl:port>\n");
        }
        o.push_str("  </wsdl:service>\n");
    }
    o.push_str("</wsdl:definitions>\n");
    w
}

#[test]
fn shipped_wsdl_is_generated_from_the_catalog() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/ici-profile.wsdl");
    let expected = render();
    if std::env::var_os("ICI_BLESS").is_some() {
        std::fs::write(&path, &expected).unwrap();
    }
    let shipped = std::fs::read_to_string(&path).unwrap();
    assert!(
        shipped == expected,
        "{} is out of date with the catalog: run ICI_BLESS=1 cargo test -p ici --test wsdl",
        path.display()
    );
    assert!(
        ici::schema::WSDL == shipped,
        "rebuild: the embedded WSDL is stale"
    );
}

#[test]
fn every_operation_has_its_soap_action_and_both_services_exist() {
    let wsdl = ici::schema::WSDL;
    for op in Operation::ALL {
        let action = soap_action(op);
        let unquoted = action.trim_matches('"');
        assert!(
            wsdl.contains(&format!("soapAction=\"{unquoted}\"")),
            "{op:?}"
        );
    }
    assert!(wsdl.contains(r#"<wsdl:service name="IciConnectorService">"#));
    assert!(wsdl.contains(r#"<wsdl:service name="IciCrmEventService">"#));
    assert!(wsdl.contains(r#"location="http://connector.example:8443/ici""#));
}
