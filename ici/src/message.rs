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
        /// With a user, the connector also checks that this agent's session exists (SAP's
        /// CMS-session-availability check) and faults `notLoggedOn` when it does not.
        user: Option<String>,
    },
    /// Log an agent on with its login string (from the IC work-center ID). The string travels
    /// as written; only the connector knows its `AgentLoginType` and so how to read it
    /// ([`LoginString::parse`]). The decoder checks its shape only ([`check_login_shape`]).
    ///
    /// [`LoginString::parse`]: crate::values::LoginString::parse
    /// [`check_login_shape`]: crate::values::check_login_shape
    Logon {
        /// The agent's IC WebClient user, the key the connector keeps its session under.
        user: String,
        /// The login string, e.g. `agentid;password;device;p`, as the work-center ID holds it.
        login: String,
        /// The agent's logon language (e.g. `EN`), when SAP sends one.
        language: Option<String>,
    },
    /// Log the agent off; the connector refuses it (`invalidWorkMode`) while the agent
    /// has a call, and sends `userChanged` with `loggedOff`.
    Logoff {
        /// The agent's IC WebClient user, the key the connector keeps its session under.
        user: String,
    },
    /// Ready, not ready (with a reason code), or wrap-up.
    SetWorkMode {
        /// The agent's IC WebClient user, the key the connector keeps its session under.
        user: String,
        /// The mode asked for: `ready`, `notReady` or `wrapUp` (`busy` and `loggedOff` are
        /// the connector's to set and are refused).
        mode: WorkMode,
        /// Why the agent is not ready (`notReady` only).
        reason: Option<ReasonCode>,
    },
    /// Subscribe the CRM's event sink to the agent's user events.
    UserSubscribe {
        /// The agent's IC WebClient user, the key the connector keeps its session under.
        user: String,
        /// The URL of the CRM's event sink the connector posts `userChanged` to.
        sink_url: String,
    },
    /// Stop sending the agent's user events to the CRM's event sink.
    UserUnsubscribe {
        /// The agent's IC WebClient user, the key the connector keeps its session under.
        user: String,
        /// The event sink the subscription was made with.
        sink_url: String,
    },
    /// Subscribe the CRM's event sink to a channel address (the phone device).
    ContainerSubscribe {
        /// The agent's IC WebClient user, the key the connector keeps its session under.
        user: String,
        /// The channel address: the agent's device from its login string (another one is
        /// refused with `invalidLogin`).
        address: String,
        /// The URL of the CRM's event sink the connector posts `containerChanged` and
        /// `callChanged` to.
        sink_url: String,
    },
    /// Stop sending the channel's container and call events to the CRM's event sink.
    ContainerUnsubscribe {
        /// The agent's IC WebClient user, the key the connector keeps its session under.
        user: String,
        /// The channel address subscribed to: the agent's device.
        address: String,
        /// The event sink the subscription was made with.
        sink_url: String,
    },
    /// Dial an outbound call from the agent's device; the answer carries the new call's id.
    MakeCall {
        /// The agent's IC WebClient user, the key the connector keeps its session under.
        user: String,
        /// The device to dial from: the agent's own (another one is refused with
        /// `invalidLogin`).
        address: String,
        /// The number to dial.
        destination: E164,
    },
    /// Answer a call alerting at the agent's device.
    Answer {
        /// The agent's IC WebClient user, the key the connector keeps its session under.
        user: String,
        /// The call, as the connector's `callChanged` events and `makeCall` named it.
        call_id: String,
    },
    /// End the agent's connected, held or dialling call.
    HangUp {
        /// The agent's IC WebClient user, the key the connector keeps its session under.
        user: String,
        /// The call, as the connector's `callChanged` events and `makeCall` named it.
        call_id: String,
    },
    /// Put the agent's connected call on hold.
    Hold {
        /// The agent's IC WebClient user, the key the connector keeps its session under.
        user: String,
        /// The call, as the connector's `callChanged` events and `makeCall` named it.
        call_id: String,
    },
    /// Take the agent's held call back (connected again).
    Retrieve {
        /// The agent's IC WebClient user, the key the connector keeps its session under.
        user: String,
        /// The call, as the connector's `callChanged` events and `makeCall` named it.
        call_id: String,
    },
    /// Hand the agent's connected or held call to another number; for the agent the
    /// call ends `transferred`.
    Transfer {
        /// The agent's IC WebClient user, the key the connector keeps its session under.
        user: String,
        /// The call, as the connector's `callChanged` events and `makeCall` named it.
        call_id: String,
        /// The number the call is handed to.
        destination: E164,
        /// Blind or consultative.
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
    /// Every mode, in the order of the dialect's `transfer_mode` vocabulary.
    pub const ALL: [TransferMode; 2] = [TransferMode::Blind, TransferMode::Consult];

    /// crmsim's word for the mode, the vocabulary key and the default wire word.
    pub fn as_str(self) -> &'static str {
        match self {
            TransferMode::Blind => "blind",
            TransferMode::Consult => "consult",
        }
    }

    /// The mode crmsim's word names, if any.
    pub fn parse(s: &str) -> Option<TransferMode> {
        TransferMode::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

/// A successful response from the connector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Response {
    /// `getVersion` returns the connector's version and vendor.
    Version {
        /// The connector's version string (free text).
        version: String,
        /// Who makes the connector (free text).
        vendor: String,
    },
    /// `status` is `ok` when the connector is healthy (the CMS-session-availability check).
    Heartbeat {
        /// The connector's health word, `ok` when healthy.
        status: String,
        /// The connector's clock when it answered, RFC 3339 UTC.
        timestamp: String,
    },
    /// `logon` returns the connector's session id for the agent.
    Logon {
        /// The connector's session id for the agent; events carry it back (`Event::session`).
        session: String,
    },
    /// `makeCall` returns the new call's id.
    MakeCall {
        /// The id the connector gave the new call; later requests and events name it.
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
    /// What changed, and for which agent.
    pub body: EventBody,
}

/// What changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventBody {
    /// An item was added to or removed from a channel's container.
    ContainerChanged {
        /// The agent the event is for.
        user: String,
        /// The channel address whose container changed: the agent's device.
        container: String,
        /// Whether the item arrived or left.
        change: ContainerChange,
        /// The item's id; for a call, its call id.
        item_id: String,
        /// What kind of item it is.
        item_type: ItemType,
    },
    /// A call changed state (see [`CallChanged`]).
    CallChanged(Box<CallChanged>),
    /// The agent's work mode changed.
    UserChanged {
        /// The agent the event is for.
        user: String,
        /// False once the agent has logged off (the mode is then `loggedOff`).
        logged_on: bool,
        /// The agent's work mode now.
        mode: WorkMode,
        /// The not-ready reason code, when the agent is not ready for one.
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
    /// The agent whose call it is.
    pub user: String,
    /// The call's id, as the connector gave it.
    pub call_id: String,
    /// The call's new state.
    pub state: CallState,
    /// Why the call reached this state (e.g. `normal`, `callerHangUp`, `connectorFailover`).
    pub cause: Option<String>,
    /// The parties of the call, each with its role and state.
    pub participants: Vec<Participant>,
    /// The caller's numbers (ANI), E.164; SAP looks the caller up by them.
    pub remote_numbers: Vec<E164>,
    /// The call's attached data (`attachedData`, application `SAP-IC`), when the
    /// event carries it.
    pub attached: Option<AttachedData>,
}

/// One party of a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    /// The party's device or phone number.
    pub address: String,
    /// What the party is to the call.
    pub role: ParticipantRole,
    /// The party's state in the call.
    pub state: CallState,
}

/// What a participant is to the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParticipantRole {
    /// The party that called in (the remote side of an inbound call).
    Caller,
    /// The agent's device.
    Agent,
    /// The number an outbound call dials.
    Destination,
}

impl ParticipantRole {
    /// Every role, in the order of the dialect's `participant_role` vocabulary.
    pub const ALL: [ParticipantRole; 3] = [
        ParticipantRole::Caller,
        ParticipantRole::Agent,
        ParticipantRole::Destination,
    ];

    /// crmsim's word for the role, the vocabulary key and the default wire word.
    pub fn as_str(self) -> &'static str {
        match self {
            ParticipantRole::Caller => "caller",
            ParticipantRole::Agent => "agent",
            ParticipantRole::Destination => "destination",
        }
    }

    /// The role crmsim's word names, if any.
    pub fn parse(s: &str) -> Option<ParticipantRole> {
        ParticipantRole::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// What happened to an item of a channel's container (`containerChanged`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerChange {
    /// The item arrived: a call offered to the agent or dialled by it.
    ItemAdded,
    /// The item left the channel: the call ended, was transferred or was not answered.
    ItemRemoved,
}

impl ContainerChange {
    /// Every change, in the order of the dialect's `container_change` vocabulary.
    pub const ALL: [ContainerChange; 2] =
        [ContainerChange::ItemAdded, ContainerChange::ItemRemoved];

    /// crmsim's word for the change, the vocabulary key and the default wire word.
    pub fn as_str(self) -> &'static str {
        match self {
            ContainerChange::ItemAdded => "itemAdded",
            ContainerChange::ItemRemoved => "itemRemoved",
        }
    }

    /// The change crmsim's word names, if any.
    pub fn parse(s: &str) -> Option<ContainerChange> {
        ContainerChange::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// The kind of item a container holds, one per medium of the agent's login string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemType {
    /// A phone call (medium `p`).
    Call,
    /// A chat (medium `c`).
    Chat,
    /// An action item (medium `m`).
    ActionItem,
}

impl ItemType {
    /// Every item type, in the order of the dialect's `item_type` vocabulary.
    pub const ALL: [ItemType; 3] = [ItemType::Call, ItemType::Chat, ItemType::ActionItem];

    /// crmsim's word for the item type, the vocabulary key and the default wire word.
    pub fn as_str(self) -> &'static str {
        match self {
            ItemType::Call => "call",
            ItemType::Chat => "chat",
            ItemType::ActionItem => "actionItem",
        }
    }

    /// The item type crmsim's word names, if any.
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
    /// A `Client` fault: the request was wrong or is not allowed now.
    pub fn client(error: IciError, reason: impl Into<String>) -> Fault {
        Fault {
            code: FaultCode::Client,
            reason: reason.into(),
            error: Some(error),
        }
    }

    /// A `Server` fault: the answering side failed, not the request.
    pub fn server(error: IciError, reason: impl Into<String>) -> Fault {
        Fault {
            code: FaultCode::Server,
            reason: reason.into(),
            error: Some(error),
        }
    }
}

/// Whose fault it is: the sender's or the receiver's (`faultcode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultCode {
    /// `soap:Client` (`Sender` in SOAP 1.2): the message was wrong or not allowed now.
    Client,
    /// `soap:Server` (`Receiver` in SOAP 1.2): the receiver failed to handle it.
    Server,
}

impl FaultCode {
    /// Both codes, in the order of the dialect's `fault_code` vocabulary.
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
    /// Every error, in the order of the dialect's `error` vocabulary.
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

    /// crmsim's code word, the vocabulary key and the default `iciError/code`.
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

    /// The error crmsim's code names, if any.
    pub fn parse(s: &str) -> Option<IciError> {
        IciError::ALL.into_iter().find(|e| e.as_str() == s)
    }
}

/// What a body holds, once decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A request, CRM → connector.
    Request(Request),
    /// A successful response, connector → CRM.
    Response(Response),
    /// An event, connector → CRM.
    Event(Event),
    /// The acknowledgement of an event (`<callChangedResponse/>` etc.).
    EventAck(Operation),
    /// A SOAP fault, from either side.
    Fault(Fault),
}
