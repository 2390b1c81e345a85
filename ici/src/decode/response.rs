//! Responses connector → CRM and the CRM's event acknowledgements.

use super::cursor::{Cursor, Elem};
use super::error::DecodeError;
use super::fields::{expect_end, parse, read_fields};
use crate::catalog::{Operation, el};
use crate::message::{Message, Response};

/// Reads `<opResponse>`: typed for the four operations that return data, empty for the rest.
/// An empty response of an event operation is the CRM's acknowledgement of that event.
pub(super) fn read(
    cur: &mut Cursor<'_>,
    elem: &Elem<'_>,
    op: Operation,
) -> Result<Message, DecodeError> {
    let key = op.key();
    let response = match op {
        Operation::GetVersion => {
            let mut f = read_fields(cur, elem, key, [el::VERSION, el::VENDOR])?;
            Response::Version {
                version: f.string(el::VERSION)?,
                vendor: f.string(el::VENDOR)?,
            }
        }
        Operation::Heartbeat => {
            let mut f = read_fields(cur, elem, key, [el::STATUS, el::TIMESTAMP])?;
            Response::Heartbeat {
                status: f.string(el::STATUS)?,
                timestamp: f.parse(el::TIMESTAMP, parse::timestamp)?,
            }
        }
        Operation::Logon => {
            let mut f = read_fields(cur, elem, key, [el::SESSION])?;
            Response::Logon {
                session: f.string(el::SESSION)?,
            }
        }
        Operation::MakeCall => {
            let mut f = read_fields(cur, elem, key, [el::CALL_ID])?;
            Response::MakeCall {
                call_id: f.string(el::CALL_ID)?,
            }
        }
        op if op.is_event() => {
            expect_end(cur, elem)?;
            return Ok(Message::EventAck(op));
        }
        op => {
            expect_end(cur, elem)?;
            Response::Ack(op)
        }
    };
    Ok(Message::Response(response))
}
