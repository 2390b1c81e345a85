//! Every wire name of the profile, in one place.
//!
//! SAP's ICI WSDLs for the user, call, container and event interfaces are not public (see
//! `ICI-FACTS.md`). Only `urn:IciSystemInterface` is confirmed. Everything else here is *crmsim's
//! profile*: names chosen to follow the confirmed `urn:Ici<Name>Interface` pattern. Keeping them in
//! one table means a dialect captured from a real system replaces this file and nothing else: the
//! codec and the simulators only ever refer to [`Operation`] and the element-name constants.

/// The SOAP 1.1 envelope namespace.
pub const SOAP_ENV_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";
/// The `Content-Type` every ICI message travels with (confirmed from public client code).
pub const CONTENT_TYPE: &str = "text/xml; charset=UTF-8";
/// Default path of the connector's ICI endpoint (our profile; SAP is given one full URL).
pub const CONNECTOR_PATH: &str = "/ici";
/// Default path of the CRM's event sink (our profile; SAP's real path is not public).
pub const CRM_EVENT_PATH: &str = "/sap/bc/crm/ici/events";

/// One ICI interface, each with its own namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Interface {
    /// Version and heartbeat. The only interface whose namespace is confirmed.
    System,
    /// Agent session: log on/off, work mode, subscription to user events.
    User,
    /// Subscription to a channel's container (the phone device's items).
    Container,
    /// Call control.
    Call,
    /// Events connector → CRM.
    Event,
}

impl Interface {
    /// All interfaces, in the order the WSDL lists them.
    pub const ALL: [Interface; 5] = [
        Interface::System,
        Interface::User,
        Interface::Container,
        Interface::Call,
        Interface::Event,
    ];

    /// The interface's XML namespace.
    pub fn namespace(self) -> &'static str {
        match self {
            Interface::System => "urn:IciSystemInterface",
            Interface::User => "urn:IciUserInterface",
            Interface::Container => "urn:IciContainerInterface",
            Interface::Call => "urn:IciCallInterface",
            Interface::Event => "urn:IciEventInterface",
        }
    }

    /// The namespace prefix our encoder uses (decoders accept any prefix).
    pub fn prefix(self) -> &'static str {
        match self {
            Interface::System => "sys",
            Interface::User => "usr",
            Interface::Container => "con",
            Interface::Call => "cal",
            Interface::Event => "evt",
        }
    }

    /// Looks an interface up by namespace URI.
    pub fn from_namespace(ns: &str) -> Option<Interface> {
        Interface::ALL.into_iter().find(|i| i.namespace() == ns)
    }
}

/// Every operation of the profile: requests CRM → connector and events connector → CRM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum Operation {
    GetVersion,
    Heartbeat,
    Logon,
    Logoff,
    SetWorkMode,
    UserSubscribe,
    UserUnsubscribe,
    ContainerSubscribe,
    ContainerUnsubscribe,
    MakeCall,
    Answer,
    HangUp,
    Hold,
    Retrieve,
    Transfer,
    ContainerChanged,
    CallChanged,
    UserChanged,
}

impl Operation {
    /// All operations, requests first, then events.
    pub const ALL: [Operation; 18] = [
        Operation::GetVersion,
        Operation::Heartbeat,
        Operation::Logon,
        Operation::Logoff,
        Operation::SetWorkMode,
        Operation::UserSubscribe,
        Operation::UserUnsubscribe,
        Operation::ContainerSubscribe,
        Operation::ContainerUnsubscribe,
        Operation::MakeCall,
        Operation::Answer,
        Operation::HangUp,
        Operation::Hold,
        Operation::Retrieve,
        Operation::Transfer,
        Operation::ContainerChanged,
        Operation::CallChanged,
        Operation::UserChanged,
    ];

    /// The interface the operation belongs to.
    pub fn interface(self) -> Interface {
        use Operation::*;
        match self {
            GetVersion | Heartbeat => Interface::System,
            Logon | Logoff | SetWorkMode | UserSubscribe | UserUnsubscribe => Interface::User,
            ContainerSubscribe | ContainerUnsubscribe => Interface::Container,
            MakeCall | Answer | HangUp | Hold | Retrieve | Transfer => Interface::Call,
            ContainerChanged | CallChanged | UserChanged => Interface::Event,
        }
    }

    /// The request element's local name. User and container share `subscribe`/`unsubscribe`;
    /// their namespaces tell them apart.
    pub fn element(self) -> &'static str {
        use Operation::*;
        match self {
            GetVersion => "getVersion",
            Heartbeat => "heartbeat",
            Logon => "logon",
            Logoff => "logoff",
            SetWorkMode => "setWorkMode",
            UserSubscribe | ContainerSubscribe => "subscribe",
            UserUnsubscribe | ContainerUnsubscribe => "unsubscribe",
            MakeCall => "makeCall",
            Answer => "answer",
            HangUp => "hangUp",
            Hold => "hold",
            Retrieve => "retrieve",
            Transfer => "transfer",
            ContainerChanged => "containerChanged",
            CallChanged => "callChanged",
            UserChanged => "userChanged",
        }
    }

    /// The response element's local name.
    pub fn response_element(self) -> String {
        format!("{}Response", self.element())
    }

    /// The quoted `SOAPAction` header value, `"<namespace>#<element>"`.
    pub fn soap_action(self) -> String {
        format!("\"{}#{}\"", self.interface().namespace(), self.element())
    }

    /// Checks a received `SOAPAction` header against the operation found in the body. The
    /// profile sends it quoted, `"urn:IciUserInterface#logon"` (quoting is confirmed from public
    /// client code), and a header that names another operation, is unquoted or is missing is
    /// refused: the error says what was received and what was expected.
    pub fn check_soap_action(self, header: Option<&str>) -> Result<(), String> {
        let expected = self.soap_action();
        match header.map(str::trim) {
            Some(value) if value == expected => Ok(()),
            Some(value) => Err(format!(
                "SOAPAction {value} does not match the body's operation {}: expected {expected}",
                self.key()
            )),
            None => Err(format!(
                "no SOAPAction header for {}: expected {expected}",
                self.key()
            )),
        }
    }

    /// A stable, human-readable key for reports and metrics (`user.logon`, `event.callChanged`).
    pub fn key(self) -> &'static str {
        use Operation::*;
        match self {
            GetVersion => "system.getVersion",
            Heartbeat => "system.heartbeat",
            Logon => "user.logon",
            Logoff => "user.logoff",
            SetWorkMode => "user.setWorkMode",
            UserSubscribe => "user.subscribe",
            UserUnsubscribe => "user.unsubscribe",
            ContainerSubscribe => "container.subscribe",
            ContainerUnsubscribe => "container.unsubscribe",
            MakeCall => "call.makeCall",
            Answer => "call.answer",
            HangUp => "call.hangUp",
            Hold => "call.hold",
            Retrieve => "call.retrieve",
            Transfer => "call.transfer",
            ContainerChanged => "event.containerChanged",
            CallChanged => "event.callChanged",
            UserChanged => "event.userChanged",
        }
    }

    /// True when the response (or, for events, the acknowledgement) is an empty element:
    /// everything except `getVersion`, `heartbeat`, `logon` and `makeCall`, which return data.
    pub fn response_is_empty(self) -> bool {
        !matches!(
            self,
            Operation::GetVersion | Operation::Heartbeat | Operation::Logon | Operation::MakeCall
        )
    }

    /// Finds the operation of an interface by request element name (no namespace string
    /// comparison: the decoder has already classified the namespace).
    pub fn find(interface: Interface, element: &str) -> Option<Operation> {
        Operation::ALL
            .into_iter()
            .find(|op| op.interface() == interface && op.element() == element)
    }

    /// True for events (connector → CRM).
    pub fn is_event(self) -> bool {
        self.interface() == Interface::Event
    }

    /// Finds the operation for a namespace and request element name.
    pub fn lookup(namespace: &str, element: &str) -> Option<Operation> {
        Operation::find(Interface::from_namespace(namespace)?, element)
    }

    /// Finds the operation for a namespace and response element name.
    pub fn lookup_response(namespace: &str, element: &str) -> Option<Operation> {
        let request = element.strip_suffix("Response")?;
        Operation::lookup(namespace, request)
    }
}

/// Element names inside the operations (our profile, except where noted).
pub mod el {
    pub const USER: &str = "user"; // confirmed in urn:IciSystemInterface
    pub const LANGUAGE: &str = "language"; // confirmed in urn:IciSystemInterface
    pub const VERSION: &str = "version";
    pub const VENDOR: &str = "vendor";
    pub const STATUS: &str = "status";
    pub const TIMESTAMP: &str = "timestamp";
    pub const LOGIN: &str = "login";
    pub const SESSION: &str = "session";
    pub const WORK_MODE: &str = "workMode";
    pub const REASON_CODE: &str = "reasonCode";
    pub const SINK_URL: &str = "sinkUrl";
    pub const ADDRESS: &str = "address";
    pub const CALL_ID: &str = "callId";
    pub const DESTINATION: &str = "destination";
    pub const TRANSFER_MODE: &str = "mode";
    pub const SEQUENCE: &str = "sequence";
    pub const CONTAINER: &str = "container";
    pub const CHANGE: &str = "change";
    pub const ITEM_ID: &str = "itemId";
    pub const ITEM_TYPE: &str = "itemType";
    pub const STATE: &str = "state";
    pub const CAUSE: &str = "cause";
    pub const PARTICIPANTS: &str = "participants";
    pub const PARTICIPANT: &str = "participant";
    pub const ROLE: &str = "role";
    pub const REMOTE_NUMBERS: &str = "remoteNumbers"; // documented by the connector vendor
    pub const NUMBER: &str = "number";
    pub const LOGGED_ON: &str = "loggedOn";
    pub const RESULT: &str = "result";
    // The attached-data block as the connector vendor documents it.
    pub const ATTACHED_DATA: &str = "attachedData";
    pub const ITEM_ATTACHED_DATA: &str = "ItemAttachedData";
    pub const APPLICATION: &str = "Application";
    pub const APPLICATION_ID_ATTR: &str = "id";
    pub const APPLICATION_SAP_IC: &str = "SAP-IC";
    pub const MID: &str = "MID";
    pub const ECC: &str = "ECC";
    pub const ECC_VAR: &str = "Var";
    pub const ECC_ARRAY: &str = "Array";
    pub const ECC_ITEM: &str = "Item";
    pub const NAME_ATTR: &str = "name";
    // SOAP faults (SOAP 1.1 names).
    pub const FAULT: &str = "Fault";
    pub const FAULT_CODE: &str = "faultcode";
    pub const FAULT_STRING: &str = "faultstring";
    pub const FAULT_DETAIL: &str = "detail";
    pub const ICI_ERROR: &str = "iciError";
    pub const ERROR_CODE: &str = "code";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_is_found_back_by_namespace_and_element() {
        for op in Operation::ALL {
            assert_eq!(
                Operation::lookup(op.interface().namespace(), op.element()),
                Some(op)
            );
            assert_eq!(
                Operation::lookup_response(op.interface().namespace(), &op.response_element()),
                Some(op)
            );
        }
    }

    #[test]
    fn soap_actions_are_checked_quoted_and_per_operation() {
        let logon = Operation::Logon;
        assert_eq!(logon.soap_action(), "\"urn:IciUserInterface#logon\"");
        assert_eq!(
            logon.check_soap_action(Some("\"urn:IciUserInterface#logon\"")),
            Ok(())
        );
        for bad in [
            Some("urn:IciUserInterface#logon"),
            Some("\"urn:IciUserInterface#logoff\""),
            Some("\"\""),
            None,
        ] {
            let why = logon.check_soap_action(bad).unwrap_err();
            assert!(why.contains("\"urn:IciUserInterface#logon\""), "{why}");
        }
    }

    #[test]
    fn find_and_response_emptiness() {
        assert_eq!(
            Operation::find(Interface::Container, "subscribe"),
            Some(Operation::ContainerSubscribe)
        );
        assert_eq!(Operation::find(Interface::Event, "subscribe"), None);
        let with_data: Vec<_> = Operation::ALL
            .into_iter()
            .filter(|o| !o.response_is_empty())
            .collect();
        assert_eq!(
            with_data,
            [
                Operation::GetVersion,
                Operation::Heartbeat,
                Operation::Logon,
                Operation::MakeCall
            ]
        );
    }

    #[test]
    fn keys_are_unique() {
        let mut keys: Vec<_> = Operation::ALL.iter().map(|o| o.key()).collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), Operation::ALL.len());
    }
}
