//! Events connector → CRM, including the attached-data block.

use super::{Tag, Xml};
use crate::attached::{AttachedData, CALL_VARIABLE_ELEMENTS};
use crate::catalog::el;
use crate::message::{CallChanged, Event, EventBody};

/// Encodes an event from the connector to the CRM. Every event starts with its `sequence` and
/// `timestamp`, then the body's fields.
pub fn encode_event(event: &Event) -> String {
    let op = event.body.operation();
    let mut xml = Xml::envelope(capacity(event));
    let tag = Tag::operation(op, "");
    xml.start_operation(tag, op.interface());
    xml.leaf_display(el::SEQUENCE, &event.sequence);
    xml.leaf(el::TIMESTAMP, &event.timestamp);
    match &event.body {
        EventBody::ContainerChanged {
            user,
            container,
            change,
            item_id,
            item_type,
        } => {
            xml.leaf(el::USER, user);
            xml.leaf_opt(el::SESSION, event.session.as_deref());
            xml.leaf(el::CONTAINER, container);
            xml.leaf(el::CHANGE, change.as_str());
            xml.leaf(el::ITEM_ID, item_id);
            xml.leaf(el::ITEM_TYPE, item_type.as_str());
        }
        EventBody::CallChanged(call) => call_changed(&mut xml, call, event.session.as_deref()),
        EventBody::UserChanged {
            user,
            logged_on,
            mode,
            reason,
        } => {
            xml.leaf(el::USER, user);
            xml.leaf_opt(el::SESSION, event.session.as_deref());
            xml.leaf(el::LOGGED_ON, if *logged_on { "true" } else { "false" });
            xml.leaf(el::WORK_MODE, mode.as_str());
            if let Some(reason) = reason {
                xml.leaf_display(el::REASON_CODE, reason);
            }
        }
    }
    xml.end(tag);
    xml.finish()
}

fn call_changed(xml: &mut Xml, call: &CallChanged, session: Option<&str>) {
    xml.leaf(el::USER, &call.user);
    xml.leaf_opt(el::SESSION, session);
    xml.leaf(el::CALL_ID, &call.call_id);
    xml.leaf(el::STATE, call.state.as_str());
    xml.leaf_opt(el::CAUSE, call.cause.as_deref());
    if !call.participants.is_empty() {
        let list = Tag::plain(el::PARTICIPANTS);
        xml.start(list);
        for participant in &call.participants {
            let item = Tag::plain(el::PARTICIPANT);
            xml.start(item);
            xml.leaf(el::ADDRESS, &participant.address);
            xml.leaf(el::ROLE, participant.role.as_str());
            xml.leaf(el::STATE, participant.state.as_str());
            xml.end(item);
        }
        xml.end(list);
    }
    if !call.remote_numbers.is_empty() {
        let list = Tag::plain(el::REMOTE_NUMBERS);
        xml.start(list);
        for number in &call.remote_numbers {
            xml.leaf(el::NUMBER, number.as_str());
        }
        xml.end(list);
    }
    if let Some(attached) = &call.attached {
        attached_data(xml, attached);
    }
}

/// `<attachedData><ItemAttachedData><Application id="SAP-IC"><CV01/>…<CV10/><MID/><ECC/>…`:
/// all ten call variables, `MID` and `ECC` are always written (empty when unset), as the vendor
/// documents the block.
fn attached_data(xml: &mut Xml, data: &AttachedData) {
    let outer = Tag::plain(el::ATTACHED_DATA);
    let item = Tag::plain(el::ITEM_ATTACHED_DATA);
    let application = Tag::plain(el::APPLICATION);
    xml.start(outer);
    xml.start(item);
    xml.start(application);
    xml.attribute(el::APPLICATION_ID_ATTR, el::APPLICATION_SAP_IC);
    for (name, value) in CALL_VARIABLE_ELEMENTS.iter().zip(&data.call_variables) {
        xml.leaf(name, value.as_deref().unwrap_or_default());
    }
    xml.leaf(el::MID, data.media_id.as_deref().unwrap_or_default());
    let ecc = Tag::plain(el::ECC);
    xml.start(ecc);
    for (name, value) in &data.ecc {
        let var = Tag::plain(el::ECC_VAR);
        xml.start(var);
        xml.attribute(el::NAME_ATTR, name);
        xml.text(value);
        xml.end(var);
    }
    for (name, items) in &data.ecc_arrays {
        let array = Tag::plain(el::ECC_ARRAY);
        xml.start(array);
        xml.attribute(el::NAME_ATTR, name);
        for value in items {
            xml.leaf(el::ECC_ITEM, value);
        }
        xml.end(array);
    }
    xml.end(ecc);
    xml.end(application);
    xml.end(item);
    xml.end(outer);
}

/// A generous estimate of the encoded size, so the output `String` is allocated once.
fn capacity(event: &Event) -> usize {
    const BASE: usize = 640;
    let EventBody::CallChanged(call) = &event.body else {
        return BASE;
    };
    let participants: usize = call.participants.iter().map(|p| 96 + p.address.len()).sum();
    let numbers = call.remote_numbers.len() * 40;
    let attached = call.attached.as_ref().map_or(0, |a| {
        let cvs: usize = a.call_variables.iter().flatten().map(String::len).sum();
        let vars: usize = a.ecc.iter().map(|(n, v)| 24 + n.len() + v.len()).sum();
        let arrays: usize = a
            .ecc_arrays
            .iter()
            .map(|(n, items)| 32 + n.len() + items.iter().map(|i| 13 + i.len()).sum::<usize>())
            .sum();
        320 + cvs + vars + arrays + a.media_id.as_ref().map_or(0, String::len)
    });
    BASE + call.user.len() + call.call_id.len() + participants + numbers + attached
}
