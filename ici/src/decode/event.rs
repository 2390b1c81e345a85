//! Events connector → CRM.

use super::attached;
use super::cursor::{Cursor, Elem};
use super::error::DecodeError;
use super::fields::{Fields, Leaf, Order, parse, read_fields, read_list};
use crate::catalog::{Operation, el};
use crate::message::{
    CallChanged, ContainerChange, Event, EventBody, ItemType, Participant, ParticipantRole,
};
use crate::values::E164;

type Result<T> = std::result::Result<T, DecodeError>;

pub(super) fn container_changed(cur: &mut Cursor<'_>, elem: &Elem<'_>) -> Result<Event> {
    let names = [
        el::SEQUENCE,
        el::TIMESTAMP,
        el::USER,
        el::SESSION,
        el::CONTAINER,
        el::CHANGE,
        el::ITEM_ID,
        el::ITEM_TYPE,
    ];
    let mut f = read_fields(cur, elem, Operation::ContainerChanged.key(), names)?;
    let (sequence, timestamp, session) = header(&mut f)?;
    let body = EventBody::ContainerChanged {
        user: f.string(el::USER)?,
        container: f.string(el::CONTAINER)?,
        change: f.parse(el::CHANGE, |s| {
            parse::one_of(
                s,
                ContainerChange::parse,
                "container change",
                "itemAdded or itemRemoved",
            )
        })?,
        item_id: f.string(el::ITEM_ID)?,
        item_type: f.parse(el::ITEM_TYPE, |s| {
            parse::one_of(s, ItemType::parse, "item type", "call, chat or actionItem")
        })?,
    };
    Ok(Event {
        sequence,
        session,
        timestamp,
        body,
    })
}

pub(super) fn user_changed(cur: &mut Cursor<'_>, elem: &Elem<'_>) -> Result<Event> {
    let names = [
        el::SEQUENCE,
        el::TIMESTAMP,
        el::USER,
        el::SESSION,
        el::LOGGED_ON,
        el::WORK_MODE,
        el::REASON_CODE,
    ];
    let mut f = read_fields(cur, elem, Operation::UserChanged.key(), names)?;
    let (sequence, timestamp, session) = header(&mut f)?;
    let body = EventBody::UserChanged {
        user: f.string(el::USER)?,
        logged_on: f.parse(el::LOGGED_ON, parse::boolean)?,
        mode: f.parse(el::WORK_MODE, str::parse)?,
        reason: f.opt_parse(el::REASON_CODE, str::parse)?,
    };
    Ok(Event {
        sequence,
        session,
        timestamp,
        body,
    })
}

/// `callChanged`: six values, then the optional `participants`, `remoteNumbers` and
/// `attachedData` structures.
pub(super) fn call_changed<'a>(cur: &mut Cursor<'a>, elem: &Elem<'_>) -> Result<Event> {
    const VALUES: [&str; 7] = [
        el::SEQUENCE,
        el::TIMESTAMP,
        el::USER,
        el::SESSION,
        el::CALL_ID,
        el::STATE,
        el::CAUSE,
    ];
    const ALL: [&str; 10] = [
        VALUES[0],
        VALUES[1],
        VALUES[2],
        VALUES[3],
        VALUES[4],
        VALUES[5],
        VALUES[6],
        el::PARTICIPANTS,
        el::REMOTE_NUMBERS,
        el::ATTACHED_DATA,
    ];
    let key = Operation::CallChanged.key();
    let mut values: [Option<Leaf<'a>>; 7] = std::array::from_fn(|_| None);
    let (mut participants, mut remote_numbers, mut attached) = (Vec::new(), Vec::new(), None);
    let mut order = Order::new(&ALL);
    while let Some(child) = cur.next_child()? {
        match order.accept(cur, &child, elem)? {
            7 => participants = read_list(cur, &child, el::PARTICIPANT, participant)?,
            8 => remote_numbers = read_list(cur, &child, el::NUMBER, number)?,
            9 => attached = Some(attached::read(cur, &child, key)?),
            index => {
                let text = cur.text()?;
                if let Some(slot) = values.get_mut(index) {
                    *slot = Some(Leaf { text, at: child.at });
                }
            }
        }
    }
    let mut f = Fields::new(cur.doc, elem.at, key, VALUES, values);
    let (sequence, timestamp, session) = header(&mut f)?;
    let call = CallChanged {
        user: f.string(el::USER)?,
        call_id: f.string(el::CALL_ID)?,
        state: f.parse(el::STATE, str::parse)?,
        cause: f.opt_string(el::CAUSE),
        participants,
        remote_numbers,
        attached,
    };
    Ok(Event {
        sequence,
        session,
        timestamp,
        body: EventBody::CallChanged(Box::new(call)),
    })
}

/// `sequence` and `timestamp`, the first two children of every event, and the optional
/// `session` after `user`.
fn header<const N: usize>(f: &mut Fields<'_, N>) -> Result<(u64, String, Option<String>)> {
    Ok((
        f.parse(el::SEQUENCE, parse::sequence)?,
        f.parse(el::TIMESTAMP, parse::timestamp)?,
        f.opt_string(el::SESSION),
    ))
}

fn participant<'a>(cur: &mut Cursor<'a>, elem: &Elem<'a>) -> Result<Participant> {
    let names = [el::ADDRESS, el::ROLE, el::STATE];
    let mut f = read_fields(cur, elem, Operation::CallChanged.key(), names)?;
    Ok(Participant {
        address: f.string(el::ADDRESS)?,
        role: f.parse(el::ROLE, |s| {
            parse::one_of(
                s,
                ParticipantRole::parse,
                "participant role",
                "caller, agent or destination",
            )
        })?,
        state: f.parse(el::STATE, str::parse)?,
    })
}

fn number<'a>(cur: &mut Cursor<'a>, elem: &Elem<'a>) -> Result<E164> {
    let text = cur.text()?;
    text.parse()
        .map_err(|e| cur.doc.invalid(elem.at, el::NUMBER, e))
}
