//! The attached-data block: `attachedData/ItemAttachedData/Application[@id="SAP-IC"]` with
//! `CV01`..`CV10`, `MID` and `ECC` (see [`crate::attached`]).

use super::cursor::{Cursor, Elem};
use super::error::DecodeError;
use super::fields::{Order, expect_end, only_child, parse, read_list};
use crate::attached::{
    AttachedData, CALL_VARIABLE_ELEMENTS as CV, ECC_ARRAY_PREFIX, ECC_VAR_PREFIX,
};
use crate::catalog::el;

type Result<T> = std::result::Result<T, DecodeError>;

/// The children of `Application`, in schema order. Each is optional on reading (a peer may
/// leave out unset call variables); our encoder always writes all of them.
const APPLICATION_CHILDREN: [&str; 12] = [
    CV[0],
    CV[1],
    CV[2],
    CV[3],
    CV[4],
    CV[5],
    CV[6],
    CV[7],
    CV[8],
    CV[9],
    el::MID,
    el::ECC,
];

/// Reads `attachedData`, the element just entered.
pub(super) fn read<'a>(
    cur: &mut Cursor<'a>,
    elem: &Elem<'_>,
    operation: &'static str,
) -> Result<AttachedData> {
    let item = only_child(cur, elem, operation, el::ITEM_ATTACHED_DATA)?;
    let application = only_child(cur, &item, operation, el::APPLICATION)?;
    check_application_id(cur, &application)?;
    let data = application_content(cur, &application)?;
    expect_end(cur, &item)?;
    expect_end(cur, elem)?;
    Ok(data)
}

fn check_application_id(cur: &Cursor<'_>, application: &Elem<'_>) -> Result<()> {
    match application.attribute(cur.doc, el::APPLICATION_ID_ATTR)? {
        Some(id) if id == el::APPLICATION_SAP_IC => Ok(()),
        Some(id) => Err(cur.doc.invalid(
            application.at,
            el::APPLICATION,
            parse::value_error(
                "application id",
                &id,
                "SAP-IC, the only application of the profile",
            ),
        )),
        None => {
            Err(cur
                .doc
                .missing_attribute(application.at, el::APPLICATION, el::APPLICATION_ID_ATTR))
        }
    }
}

fn application_content<'a>(cur: &mut Cursor<'a>, application: &Elem<'a>) -> Result<AttachedData> {
    let mut data = AttachedData::default();
    let mut order = Order::new(&APPLICATION_CHILDREN);
    while let Some(child) = cur.next_child()? {
        match order.accept(cur, &child, application)? {
            10 => data.media_id = non_empty(cur.text()?.into_owned()),
            11 => ecc(cur, &child, &mut data)?,
            index => {
                let value = non_empty(cur.text()?.into_owned());
                if let Some(slot) = data.call_variables.get_mut(index) {
                    *slot = value;
                }
            }
        }
    }
    Ok(data)
}

/// `<ECC>`: `Var*` then `Array*`.
fn ecc<'a>(cur: &mut Cursor<'a>, ecc: &Elem<'a>, data: &mut AttachedData) -> Result<()> {
    let names = [el::ECC_VAR, el::ECC_ARRAY];
    let mut order = Order::repeatable(&names);
    while let Some(child) = cur.next_child()? {
        if order.accept(cur, &child, ecc)? == 0 {
            let name = ecc_name(cur, &child, el::ECC_VAR, ECC_VAR_PREFIX)?;
            data.ecc.push((name, cur.text()?.into_owned()));
        } else {
            let name = ecc_name(cur, &child, el::ECC_ARRAY, ECC_ARRAY_PREFIX)?;
            let items = read_list(cur, &child, el::ECC_ITEM, |cur, _| {
                Ok(cur.text()?.into_owned())
            })?;
            data.ecc_arrays.push((name, items));
        }
    }
    Ok(())
}

/// The `name` attribute of a `Var` or `Array`, which must carry its prefix (`ECC.`, `ECCA.`)
/// and something after it.
fn ecc_name(
    cur: &Cursor<'_>,
    elem: &Elem<'_>,
    element: &'static str,
    prefix: &str,
) -> Result<String> {
    let Some(name) = elem.attribute(cur.doc, el::NAME_ATTR)? else {
        return Err(cur.doc.missing_attribute(elem.at, element, el::NAME_ATTR));
    };
    if name.len() > prefix.len() && name.starts_with(prefix) {
        return Ok(name);
    }
    let expected = if prefix == ECC_VAR_PREFIX {
        "a name starting with ECC., e.g. ECC.customerId"
    } else {
        "a name starting with ECCA., e.g. ECCA.orders"
    };
    Err(cur.doc.invalid(
        elem.at,
        element,
        parse::value_error("ECC name", &name, expected),
    ))
}

/// An empty element means "not set" (the vendor writes unset variables as `<CV03/>`).
fn non_empty(value: String) -> Option<String> {
    (!value.is_empty()).then_some(value)
}
