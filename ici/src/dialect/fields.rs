//! What each message shape carries, by name: the vocabulary a dialect's templates are written in.
//!
//! A template says *where* a value sits on the wire (`<user>{user}</user>`, `id="{call_id}"`);
//! this table says *which* values exist, what kind each is, and whether a message is whole without
//! it. It is the one place where crmsim's typed messages meet the dialect's placeholders, so a
//! template naming a field that does not exist, or leaving out one that must travel, is refused
//! when the dialect is loaded rather than when a message is sent.

/// One value a template can place. Names are global so that `user` means the same in every shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum F {
    User,
    Login,
    Language,
    WorkMode,
    Reason,
    SinkUrl,
    Address,
    CallId,
    Destination,
    TransferMode,
    Version,
    Vendor,
    Status,
    Timestamp,
    Session,
    Sequence,
    Container,
    Change,
    ItemId,
    ItemType,
    State,
    Cause,
    LoggedOn,
    Role,
    Number,
    /// `CV01`..`CV10`, 0-based.
    Cv(u8),
    MediaId,
    Name,
    Value,
    FaultCode,
    FaultReason,
    Error,
}

/// A repeated sub-record (`crmsim:each`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum L {
    Participants,
    RemoteNumbers,
    Ecc,
    EccArrays,
    Items,
}

/// An optional sub-record (`crmsim:if`): present or not as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum R {
    Attached,
}

/// A value vocabulary of the dialect (`[vocabulary.<name>]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Vocab {
    CallState,
    WorkMode,
    ContainerChange,
    ItemType,
    ParticipantRole,
    TransferMode,
    Error,
    FaultCode,
    Boolean,
}

impl Vocab {
    pub(crate) const ALL: [Vocab; 9] = [
        Vocab::CallState,
        Vocab::WorkMode,
        Vocab::ContainerChange,
        Vocab::ItemType,
        Vocab::ParticipantRole,
        Vocab::TransferMode,
        Vocab::Error,
        Vocab::FaultCode,
        Vocab::Boolean,
    ];

    /// The table name in the dialect file.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Vocab::CallState => "call_state",
            Vocab::WorkMode => "work_mode",
            Vocab::ContainerChange => "container_change",
            Vocab::ItemType => "item_type",
            Vocab::ParticipantRole => "participant_role",
            Vocab::TransferMode => "transfer_mode",
            Vocab::Error => "error",
            Vocab::FaultCode => "fault_code",
            Vocab::Boolean => "boolean",
        }
    }

    /// crmsim's values, in the order of their type's `ALL` (an index is the typed value).
    pub(crate) fn values(self) -> Vec<&'static str> {
        use crate::message::{ContainerChange, IciError, ItemType, ParticipantRole, TransferMode};
        use crate::values::{CallState, WorkMode};
        match self {
            Vocab::CallState => CallState::ALL.iter().map(|v| v.as_str()).collect(),
            Vocab::WorkMode => WorkMode::ALL.iter().map(|v| v.as_str()).collect(),
            Vocab::ContainerChange => ContainerChange::ALL.iter().map(|v| v.as_str()).collect(),
            Vocab::ItemType => ItemType::ALL.iter().map(|v| v.as_str()).collect(),
            Vocab::ParticipantRole => ParticipantRole::ALL.iter().map(|v| v.as_str()).collect(),
            Vocab::TransferMode => TransferMode::ALL.iter().map(|v| v.as_str()).collect(),
            Vocab::Error => IciError::ALL.iter().map(|v| v.as_str()).collect(),
            Vocab::FaultCode => vec!["client", "server"],
            Vocab::Boolean => vec!["false", "true"],
        }
    }

    /// How the value is named in a decoding error (`invalid call state "x"`).
    pub(crate) fn what(self) -> &'static str {
        match self {
            Vocab::CallState => "call state",
            Vocab::WorkMode => "work mode",
            Vocab::ContainerChange => "container change",
            Vocab::ItemType => "item type",
            Vocab::ParticipantRole => "participant role",
            Vocab::TransferMode => "transfer mode",
            Vocab::Error => "ICI error code",
            Vocab::FaultCode => "fault code",
            Vocab::Boolean => "boolean",
        }
    }
}

/// How a field's text is written and read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A free string, kept exactly (every space).
    Str,
    /// A login string: shape checked ([`crate::check_login_shape`]), content the connector's.
    Login,
    /// An E.164 number.
    E164,
    /// A reason code, 1000 and above.
    Reason,
    /// An unsigned 64-bit sequence number.
    Sequence,
    /// A point in time, written in the dialect's time format.
    Timestamp,
    /// A word of a vocabulary.
    Enum(Vocab),
    /// Written even when unset (as an empty element), read back as unset when empty or absent:
    /// the vendor's attached-data block always carries all its variables.
    EmptyAsNone,
    /// An ECC variable name (`ECC.` prefix).
    EccVarName,
    /// An ECC array name (`ECCA.` prefix).
    EccArrayName,
    /// The SOAP fault code: a QName in the envelope's namespace whose local part is a word of
    /// the `fault_code` vocabulary (`soapenv:Client`, `env:Sender`).
    FaultCode,
}

/// One field of a shape.
#[derive(Debug)]
pub(crate) struct FieldSpec {
    pub(crate) name: &'static str,
    pub(crate) field: F,
    pub(crate) kind: Kind,
    /// A message is not whole without it: the template must place it outside any optional part.
    pub(crate) required: bool,
    /// A dialect may leave it out of its template altogether (an event's sequence number and
    /// timestamp, which a real system may not send); where the template places it, `{f}` is
    /// required on the wire and `{f?}` optional, as written.
    pub(crate) leavable: bool,
}

/// The fields, lists and records one scope of a message offers to its template.
#[derive(Debug)]
pub(crate) struct Scope {
    pub(crate) fields: &'static [FieldSpec],
    pub(crate) lists: &'static [(&'static str, L, &'static Scope)],
    pub(crate) records: &'static [(&'static str, R, &'static Scope)],
}

impl Scope {
    pub(crate) fn field(&self, name: &str) -> Option<&'static FieldSpec> {
        self.fields.iter().find(|f| f.name == name)
    }

    pub(crate) fn list(&self, name: &str) -> Option<(L, &'static Scope)> {
        self.lists
            .iter()
            .find(|(n, _, _)| *n == name)
            .map(|(_, l, s)| (*l, *s))
    }

    pub(crate) fn record(&self, name: &str) -> Option<(R, &'static Scope)> {
        self.records
            .iter()
            .find(|(n, _, _)| *n == name)
            .map(|(_, r, s)| (*r, *s))
    }

    /// Every name usable here, for "what to write instead" in errors.
    pub(crate) fn names(&self) -> String {
        let mut names: Vec<String> = self
            .fields
            .iter()
            .map(|f| format!("{{{}}}", f.name))
            .collect();
        names.extend(
            self.lists
                .iter()
                .map(|(n, _, _)| format!("crmsim:each=\"{n}\"")),
        );
        names.extend(
            self.records
                .iter()
                .map(|(n, _, _)| format!("crmsim:if=\"{n}\"")),
        );
        if names.is_empty() {
            "none: this message carries no values".to_owned()
        } else {
            names.join(", ")
        }
    }
}

const fn req(name: &'static str, field: F, kind: Kind) -> FieldSpec {
    FieldSpec {
        name,
        field,
        kind,
        required: true,
        leavable: false,
    }
}

const fn opt(name: &'static str, field: F, kind: Kind) -> FieldSpec {
    FieldSpec {
        name,
        field,
        kind,
        required: false,
        leavable: false,
    }
}

const fn leavable(name: &'static str, field: F, kind: Kind) -> FieldSpec {
    FieldSpec {
        name,
        field,
        kind,
        required: false,
        leavable: true,
    }
}

const fn scope(fields: &'static [FieldSpec]) -> Scope {
    Scope {
        fields,
        lists: &[],
        records: &[],
    }
}

pub(crate) static EMPTY: Scope = scope(&[]);
pub(crate) static HEARTBEAT: Scope = scope(&[opt("user", F::User, Kind::Str)]);
pub(crate) static LOGON: Scope = scope(&[
    req("user", F::User, Kind::Str),
    req("login", F::Login, Kind::Login),
    opt("language", F::Language, Kind::Str),
]);
pub(crate) static USER_ONLY: Scope = scope(&[req("user", F::User, Kind::Str)]);
pub(crate) static SET_WORK_MODE: Scope = scope(&[
    req("user", F::User, Kind::Str),
    req("work_mode", F::WorkMode, Kind::Enum(Vocab::WorkMode)),
    opt("reason", F::Reason, Kind::Reason),
]);
pub(crate) static USER_SUBSCRIPTION: Scope = scope(&[
    req("user", F::User, Kind::Str),
    req("sink_url", F::SinkUrl, Kind::Str),
]);
pub(crate) static CONTAINER_SUBSCRIPTION: Scope = scope(&[
    req("user", F::User, Kind::Str),
    req("address", F::Address, Kind::Str),
    req("sink_url", F::SinkUrl, Kind::Str),
]);
pub(crate) static MAKE_CALL: Scope = scope(&[
    req("user", F::User, Kind::Str),
    req("address", F::Address, Kind::Str),
    req("destination", F::Destination, Kind::E164),
]);
pub(crate) static CALL_CONTROL: Scope = scope(&[
    req("user", F::User, Kind::Str),
    req("call_id", F::CallId, Kind::Str),
]);
pub(crate) static TRANSFER: Scope = scope(&[
    req("user", F::User, Kind::Str),
    req("call_id", F::CallId, Kind::Str),
    req("destination", F::Destination, Kind::E164),
    req(
        "transfer_mode",
        F::TransferMode,
        Kind::Enum(Vocab::TransferMode),
    ),
]);

pub(crate) static VERSION_RESPONSE: Scope = scope(&[
    req("version", F::Version, Kind::Str),
    req("vendor", F::Vendor, Kind::Str),
]);
pub(crate) static HEARTBEAT_RESPONSE: Scope = scope(&[
    req("status", F::Status, Kind::Str),
    req("timestamp", F::Timestamp, Kind::Timestamp),
]);
pub(crate) static LOGON_RESPONSE: Scope = scope(&[req("session", F::Session, Kind::Str)]);
pub(crate) static MAKE_CALL_RESPONSE: Scope = scope(&[req("call_id", F::CallId, Kind::Str)]);

pub(crate) static CONTAINER_CHANGED: Scope = scope(&[
    leavable("sequence", F::Sequence, Kind::Sequence),
    leavable("timestamp", F::Timestamp, Kind::Timestamp),
    req("user", F::User, Kind::Str),
    opt("session", F::Session, Kind::Str),
    req("container", F::Container, Kind::Str),
    req("change", F::Change, Kind::Enum(Vocab::ContainerChange)),
    req("item_id", F::ItemId, Kind::Str),
    req("item_type", F::ItemType, Kind::Enum(Vocab::ItemType)),
]);
pub(crate) static USER_CHANGED: Scope = scope(&[
    leavable("sequence", F::Sequence, Kind::Sequence),
    leavable("timestamp", F::Timestamp, Kind::Timestamp),
    req("user", F::User, Kind::Str),
    opt("session", F::Session, Kind::Str),
    req("logged_on", F::LoggedOn, Kind::Enum(Vocab::Boolean)),
    req("work_mode", F::WorkMode, Kind::Enum(Vocab::WorkMode)),
    opt("reason", F::Reason, Kind::Reason),
]);

static PARTICIPANT: Scope = scope(&[
    req("address", F::Address, Kind::Str),
    req("role", F::Role, Kind::Enum(Vocab::ParticipantRole)),
    req("state", F::State, Kind::Enum(Vocab::CallState)),
]);
static REMOTE_NUMBER: Scope = scope(&[req("number", F::Number, Kind::E164)]);
static ECC_VAR: Scope = scope(&[
    req("name", F::Name, Kind::EccVarName),
    req("value", F::Value, Kind::Str),
]);
static ECC_ITEM: Scope = scope(&[req("value", F::Value, Kind::Str)]);
static ECC_ARRAY: Scope = Scope {
    fields: &[req("name", F::Name, Kind::EccArrayName)],
    lists: &[("items", L::Items, &ECC_ITEM)],
    records: &[],
};
static ATTACHED: Scope = Scope {
    fields: &[
        opt("cv01", F::Cv(0), Kind::EmptyAsNone),
        opt("cv02", F::Cv(1), Kind::EmptyAsNone),
        opt("cv03", F::Cv(2), Kind::EmptyAsNone),
        opt("cv04", F::Cv(3), Kind::EmptyAsNone),
        opt("cv05", F::Cv(4), Kind::EmptyAsNone),
        opt("cv06", F::Cv(5), Kind::EmptyAsNone),
        opt("cv07", F::Cv(6), Kind::EmptyAsNone),
        opt("cv08", F::Cv(7), Kind::EmptyAsNone),
        opt("cv09", F::Cv(8), Kind::EmptyAsNone),
        opt("cv10", F::Cv(9), Kind::EmptyAsNone),
        opt("media_id", F::MediaId, Kind::EmptyAsNone),
    ],
    lists: &[
        ("ecc", L::Ecc, &ECC_VAR),
        ("ecc_arrays", L::EccArrays, &ECC_ARRAY),
    ],
    records: &[],
};
pub(crate) static CALL_CHANGED: Scope = Scope {
    fields: &[
        leavable("sequence", F::Sequence, Kind::Sequence),
        leavable("timestamp", F::Timestamp, Kind::Timestamp),
        req("user", F::User, Kind::Str),
        opt("session", F::Session, Kind::Str),
        req("call_id", F::CallId, Kind::Str),
        req("state", F::State, Kind::Enum(Vocab::CallState)),
        opt("cause", F::Cause, Kind::Str),
    ],
    lists: &[
        ("participants", L::Participants, &PARTICIPANT),
        ("remote_numbers", L::RemoteNumbers, &REMOTE_NUMBER),
    ],
    records: &[("attached", R::Attached, &ATTACHED)],
};

pub(crate) static FAULT: Scope = scope(&[
    req("code", F::FaultCode, Kind::FaultCode),
    req("reason", F::FaultReason, Kind::Str),
    opt("error", F::Error, Kind::Enum(Vocab::Error)),
]);

/// The scope of an operation's request (or event) and of its response (or acknowledgement).
pub(crate) fn scopes(op: crate::Operation) -> (&'static Scope, &'static Scope) {
    use crate::Operation::*;
    match op {
        GetVersion => (&EMPTY, &VERSION_RESPONSE),
        Heartbeat => (&HEARTBEAT, &HEARTBEAT_RESPONSE),
        Logon => (&LOGON, &LOGON_RESPONSE),
        Logoff => (&USER_ONLY, &EMPTY),
        SetWorkMode => (&SET_WORK_MODE, &EMPTY),
        UserSubscribe | UserUnsubscribe => (&USER_SUBSCRIPTION, &EMPTY),
        ContainerSubscribe | ContainerUnsubscribe => (&CONTAINER_SUBSCRIPTION, &EMPTY),
        MakeCall => (&MAKE_CALL, &MAKE_CALL_RESPONSE),
        Answer | HangUp | Hold | Retrieve => (&CALL_CONTROL, &EMPTY),
        Transfer => (&TRANSFER, &EMPTY),
        ContainerChanged => (&CONTAINER_CHANGED, &EMPTY),
        CallChanged => (&CALL_CHANGED, &EMPTY),
        UserChanged => (&USER_CHANGED, &EMPTY),
    }
}
