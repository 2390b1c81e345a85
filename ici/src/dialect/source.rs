//! The typed messages seen through the field names of [`super::fields`], for the encoder.
//!
//! The encoder walks a template and asks the message for each placeholder's value; answering
//! with borrowed strings and small numbers keeps encoding free of temporary allocations, as the
//! hand-written encoder was.

use super::fields::{F, L, R};
use crate::attached::AttachedData;
use crate::message::{CallChanged, Event, EventBody, Fault, Participant, Request, Response};
use crate::values::E164;

/// A field's value, before the dialect's vocabulary and time format turn it into text.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Val<'a> {
    Absent,
    Str(&'a str),
    /// The index of a typed enum value in its type's `ALL` (see [`super::fields::Vocab::values`]).
    Enum(usize),
    U64(u64),
}

/// Something a template can be rendered from: a message, or one item of one of its lists.
pub(crate) trait Source {
    fn get(&self, field: F) -> Val<'_>;

    fn len(&self, _list: L) -> usize {
        0
    }

    fn item(&self, _list: L, _index: usize) -> Option<&dyn Source> {
        None
    }

    fn record(&self, _record: R) -> Option<&dyn Source> {
        None
    }
}

fn pos<T: PartialEq>(all: &[T], value: &T) -> Val<'static> {
    all.iter()
        .position(|v| v == value)
        .map_or(Val::Absent, Val::Enum)
}

fn opt(s: &Option<String>) -> Val<'_> {
    s.as_deref().map_or(Val::Absent, Val::Str)
}

impl Source for () {
    fn get(&self, _field: F) -> Val<'_> {
        Val::Absent
    }
}

impl Source for Request {
    fn get(&self, field: F) -> Val<'_> {
        use crate::WorkMode;
        use crate::message::TransferMode;
        match (self, field) {
            (Request::Heartbeat { user }, F::User) => opt(user),
            (_, F::User) => self.user().map_or(Val::Absent, Val::Str),
            (Request::Logon { login, .. }, F::Login) => Val::Str(login),
            (Request::Logon { language, .. }, F::Language) => opt(language),
            (Request::SetWorkMode { mode, .. }, F::WorkMode) => pos(&WorkMode::ALL, mode),
            (Request::SetWorkMode { reason, .. }, F::Reason) => {
                reason.map_or(Val::Absent, |r| Val::U64(u64::from(r.get())))
            }
            (
                Request::UserSubscribe { sink_url, .. }
                | Request::UserUnsubscribe { sink_url, .. }
                | Request::ContainerSubscribe { sink_url, .. }
                | Request::ContainerUnsubscribe { sink_url, .. },
                F::SinkUrl,
            ) => Val::Str(sink_url),
            (
                Request::ContainerSubscribe { address, .. }
                | Request::ContainerUnsubscribe { address, .. }
                | Request::MakeCall { address, .. },
                F::Address,
            ) => Val::Str(address),
            (
                Request::MakeCall { destination, .. } | Request::Transfer { destination, .. },
                F::Destination,
            ) => Val::Str(destination.as_str()),
            (
                Request::Answer { call_id, .. }
                | Request::HangUp { call_id, .. }
                | Request::Hold { call_id, .. }
                | Request::Retrieve { call_id, .. }
                | Request::Transfer { call_id, .. },
                F::CallId,
            ) => Val::Str(call_id),
            (Request::Transfer { mode, .. }, F::TransferMode) => pos(&TransferMode::ALL, mode),
            _ => Val::Absent,
        }
    }
}

impl Source for Response {
    fn get(&self, field: F) -> Val<'_> {
        match (self, field) {
            (Response::Version { version, .. }, F::Version) => Val::Str(version),
            (Response::Version { vendor, .. }, F::Vendor) => Val::Str(vendor),
            (Response::Heartbeat { status, .. }, F::Status) => Val::Str(status),
            (Response::Heartbeat { timestamp, .. }, F::Timestamp) => Val::Str(timestamp),
            (Response::Logon { session }, F::Session) => Val::Str(session),
            (Response::MakeCall { call_id }, F::CallId) => Val::Str(call_id),
            _ => Val::Absent,
        }
    }
}

impl Source for Event {
    fn get(&self, field: F) -> Val<'_> {
        use crate::message::{ContainerChange, ItemType};
        use crate::values::{CallState, WorkMode};
        match field {
            F::Sequence => return self.sequence.map_or(Val::Absent, Val::U64),
            F::Timestamp => return opt(&self.timestamp),
            F::Session => return opt(&self.session),
            F::User => return Val::Str(self.body.user()),
            _ => {}
        }
        match (&self.body, field) {
            (EventBody::ContainerChanged { container, .. }, F::Container) => Val::Str(container),
            (EventBody::ContainerChanged { change, .. }, F::Change) => {
                pos(&ContainerChange::ALL, change)
            }
            (EventBody::ContainerChanged { item_id, .. }, F::ItemId) => Val::Str(item_id),
            (EventBody::ContainerChanged { item_type, .. }, F::ItemType) => {
                pos(&ItemType::ALL, item_type)
            }
            (EventBody::UserChanged { logged_on, .. }, F::LoggedOn) => {
                Val::Enum(usize::from(*logged_on))
            }
            (EventBody::UserChanged { mode, .. }, F::WorkMode) => pos(&WorkMode::ALL, mode),
            (EventBody::UserChanged { reason, .. }, F::Reason) => {
                reason.map_or(Val::Absent, |r| Val::U64(u64::from(r.get())))
            }
            (EventBody::CallChanged(call), F::CallId) => Val::Str(&call.call_id),
            (EventBody::CallChanged(call), F::State) => pos(&CallState::ALL, &call.state),
            (EventBody::CallChanged(call), F::Cause) => opt(&call.cause),
            _ => Val::Absent,
        }
    }

    fn len(&self, list: L) -> usize {
        match &self.body {
            EventBody::CallChanged(call) => call.len(list),
            _ => 0,
        }
    }

    fn item(&self, list: L, index: usize) -> Option<&dyn Source> {
        match &self.body {
            EventBody::CallChanged(call) => call.item(list, index),
            _ => None,
        }
    }

    fn record(&self, record: R) -> Option<&dyn Source> {
        match (&self.body, record) {
            (EventBody::CallChanged(call), R::Attached) => {
                call.attached.as_ref().map(|a| a as &dyn Source)
            }
            _ => None,
        }
    }
}

impl CallChanged {
    fn len(&self, list: L) -> usize {
        match list {
            L::Participants => self.participants.len(),
            L::RemoteNumbers => self.remote_numbers.len(),
            _ => 0,
        }
    }

    fn item(&self, list: L, index: usize) -> Option<&dyn Source> {
        match list {
            L::Participants => self.participants.get(index).map(|p| p as &dyn Source),
            L::RemoteNumbers => self.remote_numbers.get(index).map(|n| n as &dyn Source),
            _ => None,
        }
    }
}

impl Source for Participant {
    fn get(&self, field: F) -> Val<'_> {
        use crate::message::ParticipantRole;
        use crate::values::CallState;
        match field {
            F::Address => Val::Str(&self.address),
            F::Role => pos(&ParticipantRole::ALL, &self.role),
            F::State => pos(&CallState::ALL, &self.state),
            _ => Val::Absent,
        }
    }
}

impl Source for E164 {
    fn get(&self, field: F) -> Val<'_> {
        match field {
            F::Number => Val::Str(self.as_str()),
            _ => Val::Absent,
        }
    }
}

impl Source for AttachedData {
    fn get(&self, field: F) -> Val<'_> {
        match field {
            F::Cv(i) => self
                .call_variables
                .get(usize::from(i))
                .map_or(Val::Absent, opt),
            F::MediaId => opt(&self.media_id),
            _ => Val::Absent,
        }
    }

    fn len(&self, list: L) -> usize {
        match list {
            L::Ecc => self.ecc.len(),
            L::EccArrays => self.ecc_arrays.len(),
            _ => 0,
        }
    }

    fn item(&self, list: L, index: usize) -> Option<&dyn Source> {
        match list {
            L::Ecc => self.ecc.get(index).map(|v| v as &dyn Source),
            L::EccArrays => self.ecc_arrays.get(index).map(|a| a as &dyn Source),
            _ => None,
        }
    }
}

impl Source for (String, String) {
    fn get(&self, field: F) -> Val<'_> {
        match field {
            F::Name => Val::Str(&self.0),
            F::Value => Val::Str(&self.1),
            _ => Val::Absent,
        }
    }
}

impl Source for (String, Vec<String>) {
    fn get(&self, field: F) -> Val<'_> {
        match field {
            F::Name => Val::Str(&self.0),
            _ => Val::Absent,
        }
    }

    fn len(&self, list: L) -> usize {
        match list {
            L::Items => self.1.len(),
            _ => 0,
        }
    }

    fn item(&self, list: L, index: usize) -> Option<&dyn Source> {
        match list {
            L::Items => self.1.get(index).map(|v| v as &dyn Source),
            _ => None,
        }
    }
}

impl Source for String {
    fn get(&self, field: F) -> Val<'_> {
        match field {
            F::Value => Val::Str(self),
            _ => Val::Absent,
        }
    }
}

impl Source for Fault {
    fn get(&self, field: F) -> Val<'_> {
        use crate::message::{FaultCode, IciError};
        match field {
            F::FaultCode => pos(&FaultCode::ALL, &self.code),
            F::FaultReason => Val::Str(&self.reason),
            F::Error => self
                .error
                .as_ref()
                .map_or(Val::Absent, |e| pos(&IciError::ALL, e)),
            _ => Val::Absent,
        }
    }
}
