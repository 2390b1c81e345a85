//! Requests CRM → connector, one function per message shape.

use super::cursor::{Cursor, Elem};
use super::error::DecodeError;
use super::fields::{expect_end, parse, read_fields};
use crate::catalog::{Operation, el};
use crate::message::{Request, TransferMode};
use crate::values::{E164, check_login_shape};

type Result<T> = std::result::Result<T, DecodeError>;

pub(super) fn get_version(cur: &mut Cursor<'_>, elem: &Elem<'_>) -> Result<Request> {
    expect_end(cur, elem)?;
    Ok(Request::GetVersion)
}

pub(super) fn heartbeat(cur: &mut Cursor<'_>, elem: &Elem<'_>) -> Result<Request> {
    let mut f = read_fields(cur, elem, Operation::Heartbeat.key(), [el::USER])?;
    Ok(Request::Heartbeat {
        user: f.opt_string(el::USER),
    })
}

/// The login string's meaning depends on the connector's `AgentLoginType`, so only its shape is
/// checked here; the connector parses it.
pub(super) fn logon(cur: &mut Cursor<'_>, elem: &Elem<'_>) -> Result<Request> {
    let names = [el::USER, el::LOGIN, el::LANGUAGE];
    let mut f = read_fields(cur, elem, Operation::Logon.key(), names)?;
    Ok(Request::Logon {
        user: f.string(el::USER)?,
        login: f.parse(el::LOGIN, |s| check_login_shape(s).map(|()| s.to_owned()))?,
        language: f.opt_string(el::LANGUAGE),
    })
}

pub(super) fn logoff(cur: &mut Cursor<'_>, elem: &Elem<'_>) -> Result<Request> {
    let mut f = read_fields(cur, elem, Operation::Logoff.key(), [el::USER])?;
    Ok(Request::Logoff {
        user: f.string(el::USER)?,
    })
}

pub(super) fn set_work_mode(cur: &mut Cursor<'_>, elem: &Elem<'_>) -> Result<Request> {
    let names = [el::USER, el::WORK_MODE, el::REASON_CODE];
    let mut f = read_fields(cur, elem, Operation::SetWorkMode.key(), names)?;
    Ok(Request::SetWorkMode {
        user: f.string(el::USER)?,
        mode: f.parse(el::WORK_MODE, str::parse)?,
        reason: f.opt_parse(el::REASON_CODE, str::parse)?,
    })
}

/// `subscribe` / `unsubscribe` of `urn:IciUserInterface`.
pub(super) fn user_subscription(
    cur: &mut Cursor<'_>,
    elem: &Elem<'_>,
    op: Operation,
) -> Result<Request> {
    let mut f = read_fields(cur, elem, op.key(), [el::USER, el::SINK_URL])?;
    let user = f.string(el::USER)?;
    let sink_url = f.string(el::SINK_URL)?;
    Ok(match op {
        Operation::UserUnsubscribe => Request::UserUnsubscribe { user, sink_url },
        _ => Request::UserSubscribe { user, sink_url },
    })
}

/// `subscribe` / `unsubscribe` of `urn:IciContainerInterface`.
pub(super) fn container_subscription(
    cur: &mut Cursor<'_>,
    elem: &Elem<'_>,
    op: Operation,
) -> Result<Request> {
    let names = [el::USER, el::ADDRESS, el::SINK_URL];
    let mut f = read_fields(cur, elem, op.key(), names)?;
    let user = f.string(el::USER)?;
    let address = f.string(el::ADDRESS)?;
    let sink_url = f.string(el::SINK_URL)?;
    Ok(match op {
        Operation::ContainerUnsubscribe => Request::ContainerUnsubscribe {
            user,
            address,
            sink_url,
        },
        _ => Request::ContainerSubscribe {
            user,
            address,
            sink_url,
        },
    })
}

pub(super) fn make_call(cur: &mut Cursor<'_>, elem: &Elem<'_>) -> Result<Request> {
    let names = [el::USER, el::ADDRESS, el::DESTINATION];
    let mut f = read_fields(cur, elem, Operation::MakeCall.key(), names)?;
    Ok(Request::MakeCall {
        user: f.string(el::USER)?,
        address: f.string(el::ADDRESS)?,
        destination: f.parse(el::DESTINATION, str::parse::<E164>)?,
    })
}

/// `answer`, `hangUp`, `hold`, `retrieve`: a user and a call id.
pub(super) fn call_control(
    cur: &mut Cursor<'_>,
    elem: &Elem<'_>,
    op: Operation,
) -> Result<Request> {
    let mut f = read_fields(cur, elem, op.key(), [el::USER, el::CALL_ID])?;
    let user = f.string(el::USER)?;
    let call_id = f.string(el::CALL_ID)?;
    Ok(match op {
        Operation::HangUp => Request::HangUp { user, call_id },
        Operation::Hold => Request::Hold { user, call_id },
        Operation::Retrieve => Request::Retrieve { user, call_id },
        _ => Request::Answer { user, call_id },
    })
}

pub(super) fn transfer(cur: &mut Cursor<'_>, elem: &Elem<'_>) -> Result<Request> {
    let names = [el::USER, el::CALL_ID, el::DESTINATION, el::TRANSFER_MODE];
    let mut f = read_fields(cur, elem, Operation::Transfer.key(), names)?;
    Ok(Request::Transfer {
        user: f.string(el::USER)?,
        call_id: f.string(el::CALL_ID)?,
        destination: f.parse(el::DESTINATION, str::parse::<E164>)?,
        mode: f.parse(el::TRANSFER_MODE, |s| {
            parse::one_of(s, TransferMode::parse, "transfer mode", "blind or consult")
        })?,
    })
}
