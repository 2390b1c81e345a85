//! Values read by the decoder → crmsim's typed messages, with the dialect's vocabularies and
//! time format applied and every value validated as the typed message requires.

use super::cursor::trim_xml;
use super::decode::{Cap, Captured, role_key};
use super::error::{DecodeError, Doc};
use super::fields::{F, Kind, L, R, Vocab};
use super::soap::TimeFormat;
use super::{Dialect, Role};
use crate::attached::{AttachedData, ECC_ARRAY_PREFIX, ECC_VAR_PREFIX};
use crate::catalog::Operation;
use crate::message::{
    CallChanged, ContainerChange, Event, EventBody, Fault, FaultCode, IciError, ItemType, Message,
    Participant, ParticipantRole, Request, Response, TransferMode,
};
use crate::values::{
    CallState, E164, ReasonCode, ValueError, WorkMode, check_login_shape, invalid,
    validate_timestamp,
};

type Result<T> = std::result::Result<T, DecodeError>;

/// Reads typed values out of one scope.
struct Reader<'c, 'a, 'd> {
    d: &'d Dialect,
    doc: Doc<'a>,
    scope: &'c Captured<'a>,
    at: u64,
    key: &'static str,
}

impl<'c, 'a> Reader<'c, 'a, '_> {
    fn cap(&self, field: F) -> Option<&'c Cap<'a>> {
        self.scope.vals.iter().find(|c| c.spec.field == field)
    }

    fn missing(&self, name: &str) -> DecodeError {
        self.doc.missing(self.at, self.key, name)
    }

    fn bad(&self, cap: &Cap<'_>, e: ValueError) -> DecodeError {
        self.doc.invalid(cap.at, &cap.element.to_string(), e)
    }

    fn opt_str(&self, field: F) -> Result<Option<String>> {
        let Some(cap) = self.cap(field) else {
            return Ok(None);
        };
        match cap.spec.kind {
            Kind::EmptyAsNone if cap.text.is_empty() => Ok(None),
            Kind::Login => {
                check_login_shape(&cap.text).map_err(|e| self.bad(cap, e))?;
                Ok(Some(cap.text.to_string()))
            }
            Kind::EccVarName | Kind::EccArrayName => {
                let (prefix, expected) = if cap.spec.kind == Kind::EccVarName {
                    (ECC_VAR_PREFIX, "an ECC variable name starting with ECC.")
                } else {
                    (ECC_ARRAY_PREFIX, "an ECC array name starting with ECCA.")
                };
                if cap.text.starts_with(prefix) && cap.text.len() > prefix.len() {
                    Ok(Some(cap.text.to_string()))
                } else {
                    Err(self.bad(cap, invalid("ECC name", &cap.text, expected)))
                }
            }
            Kind::Timestamp => self.timestamp(cap).map(Some),
            _ => Ok(Some(cap.text.to_string())),
        }
    }

    fn str(&self, field: F, name: &str) -> Result<String> {
        self.opt_str(field)?.ok_or_else(|| self.missing(name))
    }

    fn timestamp(&self, cap: &Cap<'_>) -> Result<String> {
        let s = trim_xml(&cap.text);
        match self.d.timestamp {
            TimeFormat::Rfc3339 => {
                validate_timestamp(s).map_err(|e| self.bad(cap, e))?;
                Ok(s.to_owned())
            }
            TimeFormat::UnixMillis => millis_to_rfc3339(s).ok_or_else(|| {
                self.bad(
                    cap,
                    invalid(
                        "timestamp",
                        s,
                        "milliseconds since 1970 (values.timestamp = \"unix-ms\")",
                    ),
                )
            }),
        }
    }

    fn word(&self, field: F, vocab: Vocab) -> Result<Option<usize>> {
        let Some(cap) = self.cap(field) else {
            return Ok(None);
        };
        let table = self.d.table(vocab);
        let text = if vocab == Vocab::Boolean {
            trim_xml(&cap.text)
        } else {
            &cap.text
        };
        match table.lookup(text) {
            Some(i) => Ok(Some(i)),
            None => Err(self.bad(cap, invalid(vocab.what(), &cap.text, table.expected()))),
        }
    }

    fn enum_of<T: Copy>(&self, field: F, vocab: Vocab, all: &[T], name: &str) -> Result<T> {
        self.opt_enum(field, vocab, all)?
            .ok_or_else(|| self.missing(name))
    }

    fn opt_enum<T: Copy>(&self, field: F, vocab: Vocab, all: &[T]) -> Result<Option<T>> {
        Ok(self.word(field, vocab)?.and_then(|i| all.get(i).copied()))
    }

    fn reason(&self) -> Result<Option<ReasonCode>> {
        let Some(cap) = self.cap(F::Reason) else {
            return Ok(None);
        };
        cap.text
            .parse::<ReasonCode>()
            .map(Some)
            .map_err(|e| self.bad(cap, e))
    }

    fn e164(&self, field: F, name: &str) -> Result<E164> {
        let cap = self.cap(field).ok_or_else(|| self.missing(name))?;
        cap.text.parse::<E164>().map_err(|e| self.bad(cap, e))
    }

    /// The event's sequence number; `None` when the dialect's template does not place one (or
    /// places it as `{sequence?}` and it did not come).
    fn sequence(&self) -> Result<Option<u64>> {
        let Some(cap) = self.cap(F::Sequence) else {
            return Ok(None);
        };
        let digits = trim_xml(&cap.text);
        let error = || {
            self.bad(
                cap,
                invalid("sequence number", &cap.text, "an unsigned 64-bit integer"),
            )
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(error());
        }
        digits.parse().map(Some).map_err(|_| error())
    }

    /// A reader of a sub-scope (a list item or a record), reporting at the same place.
    fn within(&self, scope: &'c Captured<'a>) -> Reader<'c, 'a, '_> {
        Reader {
            d: self.d,
            doc: self.doc,
            scope,
            at: self.at,
            key: self.key,
        }
    }

    fn items(&self, list: L) -> impl Iterator<Item = Reader<'c, 'a, '_>> {
        self.scope
            .items
            .iter()
            .filter(move |(l, _)| *l == list)
            .map(|(_, scope)| self.within(scope))
    }

    fn record(&self, record: R) -> Option<Reader<'c, 'a, '_>> {
        self.scope
            .records
            .iter()
            .find(|(r, _)| *r == record)
            .map(|(_, scope)| self.within(scope))
    }
}

impl Dialect {
    pub(super) fn build(
        &self,
        role: Role,
        scope: Captured<'_>,
        doc: Doc<'_>,
        at: u64,
    ) -> Result<Message> {
        let r = Reader {
            d: self,
            doc,
            scope: &scope,
            at,
            key: role_key(role),
        };
        match role {
            Role::Message(op) if op.is_event() => Ok(Message::Event(event(&r, op)?)),
            Role::Message(op) => Ok(Message::Request(request(&r, op)?)),
            Role::Reply(op) if op.is_event() => Ok(Message::EventAck(op)),
            Role::Reply(op) => Ok(Message::Response(response(&r, op)?)),
            Role::Fault => Ok(Message::Fault(fault(&r)?)),
        }
    }
}

fn request(r: &Reader<'_, '_, '_>, op: Operation) -> Result<Request> {
    use Operation::*;
    let user = || r.str(F::User, "user");
    Ok(match op {
        GetVersion => Request::GetVersion,
        Heartbeat => Request::Heartbeat {
            user: r.opt_str(F::User)?,
        },
        Logon => Request::Logon {
            user: user()?,
            login: r.str(F::Login, "login")?,
            language: r.opt_str(F::Language)?,
        },
        Logoff => Request::Logoff { user: user()? },
        SetWorkMode => Request::SetWorkMode {
            user: user()?,
            mode: r.enum_of(F::WorkMode, Vocab::WorkMode, &WorkMode::ALL, "work_mode")?,
            reason: r.reason()?,
        },
        UserSubscribe => Request::UserSubscribe {
            user: user()?,
            sink_url: r.str(F::SinkUrl, "sink_url")?,
        },
        UserUnsubscribe => Request::UserUnsubscribe {
            user: user()?,
            sink_url: r.str(F::SinkUrl, "sink_url")?,
        },
        ContainerSubscribe => Request::ContainerSubscribe {
            user: user()?,
            address: r.str(F::Address, "address")?,
            sink_url: r.str(F::SinkUrl, "sink_url")?,
        },
        ContainerUnsubscribe => Request::ContainerUnsubscribe {
            user: user()?,
            address: r.str(F::Address, "address")?,
            sink_url: r.str(F::SinkUrl, "sink_url")?,
        },
        MakeCall => Request::MakeCall {
            user: user()?,
            address: r.str(F::Address, "address")?,
            destination: r.e164(F::Destination, "destination")?,
        },
        Answer | HangUp | Hold | Retrieve => {
            let user = user()?;
            let call_id = r.str(F::CallId, "call_id")?;
            match op {
                Answer => Request::Answer { user, call_id },
                HangUp => Request::HangUp { user, call_id },
                Hold => Request::Hold { user, call_id },
                _ => Request::Retrieve { user, call_id },
            }
        }
        Transfer => Request::Transfer {
            user: user()?,
            call_id: r.str(F::CallId, "call_id")?,
            destination: r.e164(F::Destination, "destination")?,
            mode: r.enum_of(
                F::TransferMode,
                Vocab::TransferMode,
                &TransferMode::ALL,
                "transfer_mode",
            )?,
        },
        ContainerChanged | CallChanged | UserChanged => {
            return Err(r.missing("a request template"));
        }
    })
}

fn response(r: &Reader<'_, '_, '_>, op: Operation) -> Result<Response> {
    Ok(match op {
        Operation::GetVersion => Response::Version {
            version: r.str(F::Version, "version")?,
            vendor: r.str(F::Vendor, "vendor")?,
        },
        Operation::Heartbeat => Response::Heartbeat {
            status: r.str(F::Status, "status")?,
            timestamp: r.str(F::Timestamp, "timestamp")?,
        },
        Operation::Logon => Response::Logon {
            session: r.str(F::Session, "session")?,
        },
        Operation::MakeCall => Response::MakeCall {
            call_id: r.str(F::CallId, "call_id")?,
        },
        other => Response::Ack(other),
    })
}

fn event(r: &Reader<'_, '_, '_>, op: Operation) -> Result<Event> {
    let sequence = r.sequence()?;
    let timestamp = r.opt_str(F::Timestamp)?;
    let session = r.opt_str(F::Session)?;
    let user = r.str(F::User, "user")?;
    let body = match op {
        Operation::ContainerChanged => EventBody::ContainerChanged {
            user,
            container: r.str(F::Container, "container")?,
            change: r.enum_of(
                F::Change,
                Vocab::ContainerChange,
                &ContainerChange::ALL,
                "change",
            )?,
            item_id: r.str(F::ItemId, "item_id")?,
            item_type: r.enum_of(F::ItemType, Vocab::ItemType, &ItemType::ALL, "item_type")?,
        },
        Operation::UserChanged => EventBody::UserChanged {
            user,
            logged_on: r.enum_of(F::LoggedOn, Vocab::Boolean, &[false, true], "logged_on")?,
            mode: r.enum_of(F::WorkMode, Vocab::WorkMode, &WorkMode::ALL, "work_mode")?,
            reason: r.reason()?,
        },
        _ => EventBody::CallChanged(Box::new(call_changed(r, user)?)),
    };
    Ok(Event {
        sequence,
        session,
        timestamp,
        body,
    })
}

fn call_changed(r: &Reader<'_, '_, '_>, user: String) -> Result<CallChanged> {
    let participants = r
        .items(L::Participants)
        .map(|p| {
            Ok(Participant {
                address: p.str(F::Address, "address")?,
                role: p.enum_of(
                    F::Role,
                    Vocab::ParticipantRole,
                    &ParticipantRole::ALL,
                    "role",
                )?,
                state: p.enum_of(F::State, Vocab::CallState, &CallState::ALL, "state")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let remote_numbers = r
        .items(L::RemoteNumbers)
        .map(|n| n.e164(F::Number, "number"))
        .collect::<Result<Vec<_>>>()?;
    let attached = match r.record(R::Attached) {
        None => None,
        Some(a) => Some(attached(&a)?),
    };
    Ok(CallChanged {
        user,
        call_id: r.str(F::CallId, "call_id")?,
        state: r.enum_of(F::State, Vocab::CallState, &CallState::ALL, "state")?,
        cause: r.opt_str(F::Cause)?,
        participants,
        remote_numbers,
        attached,
    })
}

fn attached(a: &Reader<'_, '_, '_>) -> Result<AttachedData> {
    let mut data = AttachedData::default();
    for (i, slot) in data.call_variables.iter_mut().enumerate() {
        let index = u8::try_from(i).unwrap_or(u8::MAX);
        *slot = a.opt_str(F::Cv(index))?;
    }
    data.media_id = a.opt_str(F::MediaId)?;
    data.ecc = a
        .items(L::Ecc)
        .map(|v| Ok((v.str(F::Name, "name")?, v.str(F::Value, "value")?)))
        .collect::<Result<Vec<_>>>()?;
    data.ecc_arrays = a
        .items(L::EccArrays)
        .map(|arr| {
            let items = arr
                .items(L::Items)
                .map(|i| i.str(F::Value, "value"))
                .collect::<Result<Vec<_>>>()?;
            Ok((arr.str(F::Name, "name")?, items))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(data)
}

fn fault(r: &Reader<'_, '_, '_>) -> Result<Fault> {
    let cap = r.cap(F::FaultCode).ok_or_else(|| r.missing("code"))?;
    let text = trim_xml(&cap.text);
    let local = text.split_once(':').map_or(text, |(_, l)| l);
    // A dotted subcode (`Server.Overload`) keeps its class.
    let class = local.split('.').next().unwrap_or_default();
    let table = r.d.table(Vocab::FaultCode);
    let code = match (cap.in_envelope, table.lookup(class)) {
        (true, Some(i)) => FaultCode::ALL.get(i).copied(),
        _ => None,
    };
    let Some(code) = code else {
        let expected = format!(
            "a QName in the envelope namespace whose local part is {}",
            table.expected()
        );
        return Err(r.bad(cap, invalid("fault code", &cap.text, expected)));
    };
    Ok(Fault {
        code,
        reason: r.str(F::FaultReason, "reason")?,
        error: r.opt_enum(F::Error, Vocab::Error, &IciError::ALL)?,
    })
}

/// RFC 3339 text → milliseconds since the epoch.
pub(super) fn rfc3339_to_millis(s: &str) -> Option<i128> {
    let t = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()?;
    Some(t.unix_timestamp_nanos() / 1_000_000)
}

/// Milliseconds since the epoch → RFC 3339 UTC with milliseconds.
pub(super) fn millis_to_rfc3339(s: &str) -> Option<String> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
        return None;
    }
    let ms: i128 = s.parse().ok()?;
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(ms.checked_mul(1_000_000)?).ok()?;
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    t.format(&format).ok()
}
