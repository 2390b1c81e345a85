//! SOAP 1.1 faults with the profile's `iciError` detail.

use super::cursor::{Cursor, Elem, Ns, trim_xml};
use super::error::DecodeError;
use super::fields::{Order, parse, read_fields, unexpected_child};
use crate::catalog::{Interface, el};
use crate::message::{Fault, FaultCode, IciError};

const OPERATION: &str = "fault";
/// SOAP 1.1's optional `faultactor`: accepted and dropped (the profile has no use for it).
const FAULT_ACTOR: &str = "faultactor";

pub(super) fn read(cur: &mut Cursor<'_>, fault: &Elem<'_>) -> Result<Fault, DecodeError> {
    let names = [
        el::FAULT_CODE,
        el::FAULT_STRING,
        FAULT_ACTOR,
        el::FAULT_DETAIL,
    ];
    let mut order = Order::new(&names);
    let (mut code, mut reason, mut error) = (None, None, None);
    while let Some(child) = cur.next_child()? {
        match order.accept(cur, &child, fault)? {
            0 => code = Some(fault_code(cur, &child)?),
            1 => reason = Some(cur.text()?.into_owned()),
            2 => drop(cur.text()?),
            _ => error = detail(cur, &child)?,
        }
    }
    let missing = |element| cur.doc.missing(fault.at, OPERATION, element);
    Ok(Fault {
        code: code.ok_or_else(|| missing(el::FAULT_CODE))?,
        reason: reason.ok_or_else(|| missing(el::FAULT_STRING))?,
        error,
    })
}

/// `faultcode` is an `xs:QName`: its prefix is resolved against the declarations in scope, so
/// `SOAP-ENV:Client` is as good as `soapenv:Client`. SOAP 1.1's dotted refinements
/// (`Client.Authentication`) count as their base code.
fn fault_code(cur: &mut Cursor<'_>, elem: &Elem<'_>) -> Result<FaultCode, DecodeError> {
    let text = cur.text()?;
    let qname = trim_xml(&text);
    let (ns, local) = cur.resolve_qname(qname);
    let base = local.split('.').next().unwrap_or_default();
    let code = FaultCode::ALL.into_iter().find(|c| c.as_str() == base);
    match (ns, code) {
        (Ns::Soap, Some(code)) => Ok(code),
        _ => Err(cur.doc.invalid(
            elem.at,
            el::FAULT_CODE,
            parse::value_error(
                "fault code",
                qname,
                "Client or Server in the SOAP 1.1 envelope namespace, e.g. soapenv:Client",
            ),
        )),
    }
}

/// `detail` may hold anything (SOAP 1.1); the profile's `sys:iciError` is read, at most once,
/// and other entries are skipped.
fn detail(cur: &mut Cursor<'_>, detail: &Elem<'_>) -> Result<Option<IciError>, DecodeError> {
    let mut error = None;
    while let Some(child) = cur.next_child()? {
        if !child.is(Ns::Interface(Interface::System), el::ICI_ERROR) {
            cur.skip(&child)?;
            continue;
        }
        if error.is_some() {
            return Err(unexpected_child(cur, &child, detail, &[]));
        }
        let mut f = read_fields(cur, &child, OPERATION, [el::ERROR_CODE])?;
        error = Some(f.parse(el::ERROR_CODE, |s| {
            parse::one_of(
                s,
                IciError::parse,
                "ICI error code",
                "one of malformedRequest, unknownOperation, notLoggedOn, alreadyLoggedOn, \
                 invalidLogin, unknownCall, invalidCallState, invalidWorkMode, unavailable",
            )
        })?);
    }
    Ok(error)
}
