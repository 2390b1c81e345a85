//! Reading an element's children the way the XSD declares them: an `xs:sequence` of unqualified
//! elements, in order, each at most once unless it is a list.
//!
//! The decoder accepts what the XSD accepts, element-wise: unknown, repeated, out-of-order or
//! namespace-qualified children are refused with [`DecodeError::UnexpectedElement`] (the strict
//! profile), absent required ones with [`DecodeError::MissingElement`]. Attributes other than the
//! profile's own (`Application/@id`, `Var/@name`, `Array/@name`) are ignored, so that
//! `xsi:type` annotations of RPC-style senders do no harm.

use std::borrow::Cow;

use super::cursor::{Cursor, Elem, Ns, trim_xml};
use super::error::{DecodeError, Doc};
use crate::values::{ValueError, validate_timestamp};

/// A child element's text and where its start tag is.
pub(super) struct Leaf<'a> {
    pub(super) text: Cow<'a, str>,
    pub(super) at: u64,
}

/// The allowed children of one element, in schema order.
pub(super) struct Order<'n> {
    names: &'n [&'static str],
    next: usize,
    repeatable: bool,
}

impl<'n> Order<'n> {
    /// Each name at most once, in this order.
    pub(super) fn new(names: &'n [&'static str]) -> Order<'n> {
        Order {
            names,
            next: 0,
            repeatable: false,
        }
    }

    /// Each name any number of times, in this order (`Var*` then `Array*`).
    pub(super) fn repeatable(names: &'n [&'static str]) -> Order<'n> {
        Order {
            names,
            next: 0,
            repeatable: true,
        }
    }

    /// The index of `child` in the names, if it may come now.
    pub(super) fn accept(
        &mut self,
        cur: &Cursor<'_>,
        child: &Elem<'_>,
        parent: &Elem<'_>,
    ) -> Result<usize, DecodeError> {
        let allowed = &self.names[self.next..];
        if child.ns == Ns::Unqualified
            && let Some(offset) = allowed.iter().position(|name| *name == child.local())
        {
            let index = self.next + offset;
            self.next = if self.repeatable { index } else { index + 1 };
            return Ok(index);
        }
        Err(unexpected_child(cur, child, parent, allowed))
    }
}

/// The error for a child that may not come here; `allowed` are the names that could.
pub(super) fn unexpected_child(
    cur: &Cursor<'_>,
    child: &Elem<'_>,
    parent: &Elem<'_>,
    allowed: &[&str],
) -> DecodeError {
    let mut expected = String::new();
    for (i, name) in allowed.iter().enumerate() {
        expected.push_str(if i == 0 { "" } else { ", " });
        expected.push('`');
        expected.push_str(name);
        expected.push('`');
    }
    if allowed.len() > 1 {
        expected.push_str(" (in this order)");
    }
    if !allowed.is_empty() {
        expected.push_str(" or ");
    }
    expected.push_str("the end of `");
    expected.push_str(parent.local());
    expected.push('`');
    if child.ns != Ns::Unqualified && allowed.contains(&child.local()) {
        expected.push_str("; child elements are unqualified (no namespace) in this profile");
    }
    cur.doc
        .unexpected(child.at, cur.expanded_name(child), expected)
}

/// Reads an element whose children are all values, e.g. `<logon><user/><login/></logon>`.
pub(super) fn read_fields<'a, const N: usize>(
    cur: &mut Cursor<'a>,
    parent: &Elem<'_>,
    operation: &'static str,
    names: [&'static str; N],
) -> Result<Fields<'a, N>, DecodeError> {
    let mut values: [Option<Leaf<'a>>; N] = std::array::from_fn(|_| None);
    let mut order = Order::new(&names);
    while let Some(child) = cur.next_child()? {
        let index = order.accept(cur, &child, parent)?;
        let text = cur.text()?;
        if let Some(slot) = values.get_mut(index) {
            *slot = Some(Leaf { text, at: child.at });
        }
    }
    Ok(Fields::new(cur.doc, parent.at, operation, names, values))
}

/// Reads a list element whose children are all `item`, e.g. `<remoteNumbers><number/>…`.
pub(super) fn read_list<'a, T>(
    cur: &mut Cursor<'a>,
    list: &Elem<'_>,
    item: &'static str,
    mut read: impl FnMut(&mut Cursor<'a>, &Elem<'a>) -> Result<T, DecodeError>,
) -> Result<Vec<T>, DecodeError> {
    let mut items = Vec::new();
    while let Some(child) = cur.next_child()? {
        if !child.is(Ns::Unqualified, item) {
            return Err(unexpected_child(cur, &child, list, &[item]));
        }
        items.push(read(cur, &child)?);
    }
    Ok(items)
}

/// Reads the end of an element that must have no children (`<logoffResponse/>`).
pub(super) fn expect_end(cur: &mut Cursor<'_>, elem: &Elem<'_>) -> Result<(), DecodeError> {
    match cur.next_child()? {
        None => Ok(()),
        Some(child) => Err(unexpected_child(cur, &child, elem, &[])),
    }
}

/// Enters the one required child `name` of `parent` (`attachedData/ItemAttachedData`).
pub(super) fn only_child<'a>(
    cur: &mut Cursor<'a>,
    parent: &Elem<'_>,
    operation: &'static str,
    name: &'static str,
) -> Result<Elem<'a>, DecodeError> {
    match cur.next_child()? {
        Some(child) if child.is(Ns::Unqualified, name) => Ok(child),
        Some(child) => Err(unexpected_child(cur, &child, parent, &[name])),
        None => Err(cur.doc.missing(parent.at, operation, name)),
    }
}

/// The values read by [`read_fields`], taken out by name and converted.
pub(super) struct Fields<'a, const N: usize> {
    doc: Doc<'a>,
    parent_at: u64,
    operation: &'static str,
    names: [&'static str; N],
    values: [Option<Leaf<'a>>; N],
}

impl<'a, const N: usize> Fields<'a, N> {
    pub(super) fn new(
        doc: Doc<'a>,
        parent_at: u64,
        operation: &'static str,
        names: [&'static str; N],
        values: [Option<Leaf<'a>>; N],
    ) -> Fields<'a, N> {
        Fields {
            doc,
            parent_at,
            operation,
            names,
            values,
        }
    }

    /// The value of `name`, if present (each value can be taken once).
    pub(super) fn take(&mut self, name: &'static str) -> Option<Leaf<'a>> {
        let index = self.names.iter().position(|n| *n == name)?;
        self.values.get_mut(index)?.take()
    }

    pub(super) fn required(&mut self, name: &'static str) -> Result<Leaf<'a>, DecodeError> {
        self.take(name)
            .ok_or_else(|| self.doc.missing(self.parent_at, self.operation, name))
    }

    pub(super) fn string(&mut self, name: &'static str) -> Result<String, DecodeError> {
        Ok(self.required(name)?.text.into_owned())
    }

    pub(super) fn opt_string(&mut self, name: &'static str) -> Option<String> {
        self.take(name).map(|leaf| leaf.text.into_owned())
    }

    pub(super) fn parse<T>(
        &mut self,
        name: &'static str,
        parse: impl FnOnce(&str) -> Result<T, ValueError>,
    ) -> Result<T, DecodeError> {
        let leaf = self.required(name)?;
        parse(&leaf.text).map_err(|e| self.doc.invalid(leaf.at, name, e))
    }

    pub(super) fn opt_parse<T>(
        &mut self,
        name: &'static str,
        parse: impl FnOnce(&str) -> Result<T, ValueError>,
    ) -> Result<Option<T>, DecodeError> {
        match self.take(name) {
            None => Ok(None),
            Some(leaf) => parse(&leaf.text)
                .map(Some)
                .map_err(|e| self.doc.invalid(leaf.at, name, e)),
        }
    }
}

/// Parsers for values that `values.rs` has no type for, with XSD-compatible lexical rules.
pub(super) mod parse {
    use super::*;

    pub(in crate::decode) fn value_error(
        what: &'static str,
        value: &str,
        expected: &'static str,
    ) -> ValueError {
        ValueError {
            what,
            value: value.to_owned(),
            expected,
        }
    }

    /// `xs:unsignedLong`: digits only (no sign), surrounding whitespace allowed.
    pub(in crate::decode) fn sequence(s: &str) -> Result<u64, ValueError> {
        let digits = trim_xml(s);
        let error = || value_error("sequence number", s, "an unsigned 64-bit integer");
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(error());
        }
        digits.parse().map_err(|_| error())
    }

    /// `xs:boolean`: `true`, `false`, `1`, `0`.
    pub(in crate::decode) fn boolean(s: &str) -> Result<bool, ValueError> {
        match trim_xml(s) {
            "true" | "1" => Ok(true),
            "false" | "0" => Ok(false),
            _ => Err(value_error(
                "boolean",
                s,
                "true, false, 1 or 0 (xs:boolean)",
            )),
        }
    }

    /// The XSD type `Timestamp` (see [`validate_timestamp`]).
    pub(in crate::decode) fn timestamp(s: &str) -> Result<String, ValueError> {
        let s = trim_xml(s);
        validate_timestamp(s)?;
        Ok(s.to_owned())
    }

    /// An enumeration of the profile, by its `parse` function.
    pub(in crate::decode) fn one_of<T>(
        s: &str,
        parse: fn(&str) -> Option<T>,
        what: &'static str,
        expected: &'static str,
    ) -> Result<T, ValueError> {
        parse(s).ok_or_else(|| value_error(what, s, expected))
    }
}
