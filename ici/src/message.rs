//! The typed messages of the profile: what a request, a response and an event carry.
//!
//! These types are the simulators' whole view of the wire. They hold validated values
//! ([`E164`], [`ReasonCode`]) so that what one simulator builds, the other can
//! always read, and what a real peer sends wrong is caught at the edge.

use crate::attached::AttachedData;
use crate::catalog::Operation;
use crate::values::{CallState, E164, ReasonCode, WorkMode};

/// A request from the CRM to the connector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// `urn:IciSystemInterface` `getVersion`.
    GetVersion,
    /// `urn:IciSystemInterface` `heartbeat`: SAP's heartbeat profile polls it; the watchdog acts
    /// when it fails.
    Heartbeat {
        user: Option<String>,
    },
    /// Log an agent on with its login string (from the IC work-center ID). The string travels
    /// as written; only the connector knows its `AgentLoginType` and so how to read it
    /// ([`LoginString::parse`]). The decoder checks its shape only ([`check_login_shape`]).
    ///
    /// [`check_login_shape`]: crate::values::check_login_shape
    Logon {
        user: String,
        login: String,
        language: Option<String>,
    },
    Logoff {
        user: String,
    },
    /// Ready, not ready (with a reason code), or wrap-up.
    SetWorkMode {
        user: String,
        mode: WorkMode,
        reason: Option<ReasonCode>,
    },
    /// Subscribe the CRM's event sink to the agent's user events.
    UserSubscribe {
        user: String,
        sink_url: String,
    },
    UserUnsubscribe {
        user: String,
        sink_url: String,
    },
    /// Subscribe the CRM's event sink to a channel address (the phone device).
    ContainerSubscribe {
        user: String,
        address: String,
        sink_url: String,
    },
    ContainerUnsubscribe {
        user: String,
        address: String,
        sink_url: String,
    },
    MakeCall {
        user: String,
        address: String,
        destination: E164,
    },
    Answer {
        user: String,
        call_id: String,
    },
    HangUp {
        user: String,
        call_id: String,
    },
    Hold {
        user: String,
        call_id: String,
    },
    Retrieve {
        user: String,
        call_id: String,
    },
    Transfer {
        user: String,
        call_id: String,
        destination: E164,
        mode: TransferMode,
    },
}

impl Request {
    /// The operation this request invokes.
    pub fn operation(&self) -> Operation {
        match self {
            Request::GetVersion => Operation::GetVersion,
            Request::Heartbeat { .. } => Operation::Heartbeat,
            Request::Logon { .. } => Operation::Logon,
            Request::Logoff { .. } => Operation::Logoff,
            Request::SetWorkMode { .. } => Operation::SetWorkMode,
            Request::UserSubscribe { .. } => Operation::UserSubscribe,
            Request::UserUnsubscribe { .. } => Operation::UserUnsubscribe,
            Request::ContainerSubscribe { .. } => Operation::ContainerSubscribe,
            Request::ContainerUnsubscribe { .. } => Operation::ContainerUnsubscribe,
            Request::MakeCall { .. } => Operation::MakeCall,
            Request::Answer { .. } => Operation::Answer,
            Request::HangUp { .. } => Operation::HangUp,
            Request::Hold { .. } => Operation::Hold,
            Request::Retrieve { .. } => Operation::Retrieve,
            Request::Transfer { .. } => Operation::Transfer,
        }
    }

    /// The agent the request is about, if any (SAP can copy it into an HTTP header so that a
    /// load balancer can route by it).
    pub fn user(&self) -> Option<&str> {
        match self {
            Request::GetVersion => None,
            Request::Heartbeat { user } => user.as_deref(),
            Request::Logon { user, .. }
            | Request::Logoff { user }
            | Request::SetWorkMode { user, .. }
            | Request::UserSubscribe { user, .. }
            | Request::UserUnsubscribe { user, .. }
            | Request::ContainerSubscribe { user, .. }
            | Request::ContainerUnsubscribe { user, .. }
            | Request::MakeCall { user, .. }
            | Request::Answer { user, .. }
            | Request::HangUp { user, .. }
            | Request::Hold { user, .. }
            | Request::Retrieve { user, .. }
            | Request::Transfer { user, .. } => Some(user),
        }
    }
}

/// How a transfer is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferMode {
    /// Single-step (blind) transfer.
    Blind,
    /// Consultative transfer completed after the consultation call.
    Consult,
}

impl TransferMode {
    pub const ALL: [TransferMode; 2] = [TransferMode::Blind, TransferMode::Consult];

    pub fn as_str(self) -> &'static str {
        match self {
            TransferMode::Blind => "blind",
            TransferMode::Consult => "consult",
        }
    }

    pub fn parse(s: &str) -> Option<TransferMode> {
        TransferMode::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

/// A successful response from the connector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Response {
    Version {
        version: String,
        vendor: String,
    },
    /// `status` is `ok` when the connector is healthy (the CMS-session-availability check).
    Heartbeat {
        status: String,
        timestamp: String,
    },
    /// `logon` returns the connector's session id for the agent.
    Logon {
        session: String,
    },
    /// `makeCall` returns the new call's id.
    MakeCall {
        call_id: String,
    },
    /// Every other operation: an empty `<opResponse/>`. Only meaningful for operations whose
    /// [`Operation::response_is_empty`] is true: `Ack(Operation::Logon)` would be written as an
    /// empty `<logonResponse/>`, which the decoder and the XSD reject (no `session`). An `Ack` of
    /// an event operation is the same bytes as the event acknowledgement and decodes as
    /// [`Message::EventAck`].
    Ack(Operation),
}

impl Response {
    /// The operation this response answers.
    pub fn operation(&self) -> Operation {
        match self {
            Response::Version { .. } => Operation::GetVersion,
            Response::Heartbeat { .. } => Operation::Heartbeat,
            Response::Logon { .. } => Operation::Logon,
            Response::MakeCall { .. } => Operation::MakeCall,
            Response::Ack(op) => *op,
        }
    }
}

/// An event from the connector to the CRM. In our profile every event carries the
/// subscription's sequence number, so the receiver can prove it lost or reordered nothing; a
/// dialect may leave the number and the timestamp out (a real system's events may have none),
/// and then they read as `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Per-subscriber sequence number, starting at 1 in each session; `None` when the dialect
    /// carries none.
    pub sequence: Option<u64>,
    /// The connector's session of the agent the event is for (what `logon` returned), so that
    /// a CRM can tell events of the agent's current session from those of a session it left
    /// (another connector side after a failover). Our profile; written after `user`.
    pub session: Option<String>,
    /// When the state change happened, RFC 3339 UTC with milliseconds; `None` when the dialect
    /// carries none.
    pub timestamp: Option<String>,
    pub body: EventBody,
}

/// What changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventBody {
    /// An item was added to or removed from a channel's container.
    ContainerChanged {
        user: String,
        container: String,
        change: ContainerChange,
        item_id: String,
        item_type: ItemType,
    },
    CallChanged(Box<CallChanged>),
    /// The agent's work mode changed.
    UserChanged {
        user: String,
        logged_on: bool,
        mode: WorkMode,
        reason: Option<ReasonCode>,
    },
}

impl EventBody {
    /// The event operation.
    pub fn operation(&self) -> Operation {
        match self {
            EventBody::ContainerChanged { .. } => Operation::ContainerChanged,
            EventBody::CallChanged(_) => Operation::CallChanged,
            EventBody::UserChanged { .. } => Operation::UserChanged,
        }
    }

    /// The agent the event is for.
    pub fn user(&self) -> &str {
        match self {
            EventBody::ContainerChanged { user, .. } | EventBody::UserChanged { user, .. } => user,
            EventBody::CallChanged(c) => &c.user,
        }
    }
}

/// `callChanged`: a call's new state with everything the IC WebClient needs to show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallChanged {
    pub user: String,
    pub call_id: String,
    pub state: CallState,
    /// Why the call reached this state (e.g. `normal`, `callerHangUp`, `connectorFailover`).
    pub cause: Option<String>,
    pub participants: Vec<Participant>,
    /// The caller's numbers (ANI), E.164; SAP looks the caller up by them.
    pub remote_numbers: Vec<E164>,
    pub attached: Option<AttachedData>,
}

/// One party of a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    pub address: String,
    pub role: ParticipantRole,
    pub state: CallState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParticipantRole {
    Caller,
    Agent,
    Destination,
}

impl ParticipantRole {
    pub const ALL: [ParticipantRole; 3] = [
        ParticipantRole::Caller,
        ParticipantRole::Agent,
        ParticipantRole::Destination,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ParticipantRole::Caller => "caller",
            ParticipantRole::Agent => "agent",
            ParticipantRole::Destination => "destination",
        }
    }

    pub fn parse(s: &str) -> Option<ParticipantRole> {
        ParticipantRole::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerChange {
    ItemAdded,
    ItemRemoved,
}

impl ContainerChange {
    pub const ALL: [ContainerChange; 2] =
        [ContainerChange::ItemAdded, ContainerChange::ItemRemoved];

    pub fn as_str(self) -> &'static str {
        match self {
            ContainerChange::ItemAdded => "itemAdded",
            ContainerChange::ItemRemoved => "itemRemoved",
        }
    }

    pub fn parse(s: &str) -> Option<ContainerChange> {
        ContainerChange::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemType {
    Call,
    Chat,
    ActionItem,
}

impl ItemType {
    pub const ALL: [ItemType; 3] = [ItemType::Call, ItemType::Chat, ItemType::ActionItem];

    pub fn as_str(self) -> &'static str {
        match self {
            ItemType::Call => "call",
            ItemType::Chat => "chat",
            ItemType::ActionItem => "actionItem",
        }
    }

    pub fn parse(s: &str) -> Option<ItemType> {
        ItemType::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// A SOAP 1.1 fault with the profile's error code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("SOAP fault {code}: {reason}")]
pub struct Fault {
    /// `soap:Client` (the request was wrong) or `soap:Server` (the connector failed).
    pub code: FaultCode,
    /// A human-readable reason (`faultstring`).
    pub reason: String,
    /// The profile's machine-readable error.
    pub error: Option<IciError>,
}

impl Fault {
    pub fn client(error: IciError, reason: impl Into<String>) -> Fault {
        Fault {
            code: FaultCode::Client,
            reason: reason.into(),
            error: Some(error),
        }
    }

    pub fn server(error: IciError, reason: impl Into<String>) -> Fault {
        Fault {
            code: FaultCode::Server,
            reason: reason.into(),
            error: Some(error),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultCode {
    Client,
    Server,
}

impl FaultCode {
    pub const ALL: [FaultCode; 2] = [FaultCode::Client, FaultCode::Server];

    /// The local part after the `soap:` prefix.
    pub fn as_str(self) -> &'static str {
        match self {
            FaultCode::Client => "Client",
            FaultCode::Server => "Server",
        }
    }
}

impl std::fmt::Display for FaultCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "soap:{}", self.as_str())
    }
}

/// Error codes of the profile, carried in the fault's `detail/iciError/code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IciError {
    /// The envelope or body could not be read.
    MalformedRequest,
    /// The operation is not part of the profile.
    UnknownOperation,
    /// The agent is not logged on.
    NotLoggedOn,
    /// The agent is already logged on with another session.
    AlreadyLoggedOn,
    /// The login string does not match `AgentLoginType`.
    InvalidLogin,
    /// No such call, or not this agent's.
    UnknownCall,
    /// The call is not in a state that allows the operation.
    InvalidCallState,
    /// The work-mode change is not allowed now.
    InvalidWorkMode,
    /// The connector is shutting down or not ready.
    Unavailable,
}

impl IciError {
    pub const ALL: [IciError; 9] = [
        IciError::MalformedRequest,
        IciError::UnknownOperation,
        IciError::NotLoggedOn,
        IciError::AlreadyLoggedOn,
        IciError::InvalidLogin,
        IciError::UnknownCall,
        IciError::InvalidCallState,
        IciError::InvalidWorkMode,
        IciError::Unavailable,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            IciError::MalformedRequest => "malformedRequest",
            IciError::UnknownOperation => "unknownOperation",
            IciError::NotLoggedOn => "notLoggedOn",
            IciError::AlreadyLoggedOn => "alreadyLoggedOn",
            IciError::InvalidLogin => "invalidLogin",
            IciError::UnknownCall => "unknownCall",
            IciError::InvalidCallState => "invalidCallState",
            IciError::InvalidWorkMode => "invalidWorkMode",
            IciError::Unavailable => "unavailable",
        }
    }

    pub fn parse(s: &str) -> Option<IciError> {
        IciError::ALL.into_iter().find(|e| e.as_str() == s)
    }
}

/// What a body holds, once decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    Request(Request),
    Response(Response),
    Event(Event),
    /// The acknowledgement of an event (`<callChangedResponse/>` etc.).
    EventAck(Operation),
    Fault(Fault),
}
