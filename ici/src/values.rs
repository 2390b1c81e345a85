//! Validated value types that travel inside messages.
//!
//! Each type refuses what the documentation says is wrong (a number without `+`, a reason code
//! below 1000), so a simulator cannot emit what a real peer would reject.

use std::fmt;
use std::str::FromStr;

/// A value failed validation; says what was wrong and what is expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {what} {value:?}: {expected}")]
pub struct ValueError {
    /// What was being checked (`E.164 number`, `work mode`, `login string`…).
    pub what: &'static str,
    /// The refused value, as given.
    pub value: String,
    /// What would have been accepted: a fixed text, or one built from a dialect's vocabulary.
    pub expected: std::borrow::Cow<'static, str>,
}

pub(crate) fn invalid(
    what: &'static str,
    value: &str,
    expected: impl Into<std::borrow::Cow<'static, str>>,
) -> ValueError {
    ValueError {
        what,
        value: value.to_owned(),
        expected: expected.into(),
    }
}

/// A phone number in E.164 form with a leading `+` (what SAP expects in `remoteNumbers`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct E164(String);

impl E164 {
    /// The number as written, `+41315550100`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for E164 {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, ValueError> {
        const EXPECTED: &str =
            "E.164 needs '+', a country code not starting with 0, 15 digits at most";
        let digits = s
            .strip_prefix('+')
            .ok_or_else(|| invalid("E.164 number", s, EXPECTED))?;
        let ok = (2..=15).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0');
        if ok {
            Ok(E164(s.to_owned()))
        } else {
            Err(invalid("E.164 number", s, EXPECTED))
        }
    }
}

impl fmt::Display for E164 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A not-ready reason code. The connector documents codes above 999 (offset
/// `TpiNotReadyReasonCodeOffset`, default 1000), configured in `[workModeSupplementary]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReasonCode(u16);

impl ReasonCode {
    /// Accepts 1000..=65535; the connector's language file keeps at most 47 of them, which is a
    /// configuration limit, not a per-code one.
    pub fn new(code: u16) -> Result<ReasonCode, ValueError> {
        if code > 999 {
            Ok(ReasonCode(code))
        } else {
            Err(invalid(
                "not-ready reason code",
                &code.to_string(),
                "codes above 999 (the connector's offset is 1000), e.g. 1001=Lunch",
            ))
        }
    }

    /// The code as a number.
    pub fn get(self) -> u16 {
        self.0
    }
}

impl FromStr for ReasonCode {
    type Err = ValueError;
    /// Digits only, surrounding whitespace allowed: the lexical space of the XSD's
    /// `xs:unsignedShort` (no sign, unlike `u16::from_str`, which would take `+1001`).
    fn from_str(s: &str) -> Result<Self, ValueError> {
        let digits = s.trim();
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid("not-ready reason code", s, "a number above 999"));
        }
        let code: u16 = digits
            .parse()
            .map_err(|_| invalid("not-ready reason code", s, "a number from 1000 to 65535"))?;
        ReasonCode::new(code)
    }
}

impl fmt::Display for ReasonCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// An agent's work mode as carried by `setWorkMode` and `userChanged`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum WorkMode {
    /// Not logged on: what `userChanged` reports after a log-off; `setWorkMode` cannot set it.
    LoggedOff,
    /// Logged on but taking no calls, optionally with a reason code; the mode after logon.
    NotReady,
    /// Available: the connector may route calls to the agent.
    Ready,
    /// A call is alerting or connected for the agent.
    Busy,
    /// After-call work, entered when an answered call ends; `setWorkMode` ready or not ready
    /// ends it.
    WrapUp,
}

impl WorkMode {
    /// Every mode, in the order of the dialect's `work_mode` vocabulary.
    pub const ALL: [WorkMode; 5] = [
        WorkMode::LoggedOff,
        WorkMode::NotReady,
        WorkMode::Ready,
        WorkMode::Busy,
        WorkMode::WrapUp,
    ];

    /// crmsim's word for the mode, the vocabulary key and the default wire word.
    pub fn as_str(self) -> &'static str {
        match self {
            WorkMode::LoggedOff => "loggedOff",
            WorkMode::NotReady => "notReady",
            WorkMode::Ready => "ready",
            WorkMode::Busy => "busy",
            WorkMode::WrapUp => "wrapUp",
        }
    }
}

impl FromStr for WorkMode {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, ValueError> {
        WorkMode::ALL
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| {
                invalid(
                    "work mode",
                    s,
                    "one of loggedOff, notReady, ready, busy, wrapUp",
                )
            })
    }
}

/// The state of a call as carried by `callChanged`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum CallState {
    /// Outbound call being dialled.
    Initiated,
    /// Ringing at the agent's device.
    Alerting,
    /// Talking: answered, the dialled party answered, or retrieved from hold.
    Connected,
    /// On hold (`hold`); `retrieve` connects it again.
    Held,
    /// Handed to another destination; terminal for this agent.
    Transferred,
    /// Ended; terminal.
    Disconnected,
}

impl CallState {
    /// Every state, in the order of the dialect's `call_state` vocabulary.
    pub const ALL: [CallState; 6] = [
        CallState::Initiated,
        CallState::Alerting,
        CallState::Connected,
        CallState::Held,
        CallState::Transferred,
        CallState::Disconnected,
    ];

    /// crmsim's word for the state, the vocabulary key and the default wire word.
    pub fn as_str(self) -> &'static str {
        match self {
            CallState::Initiated => "initiated",
            CallState::Alerting => "alerting",
            CallState::Connected => "connected",
            CallState::Held => "held",
            CallState::Transferred => "transferred",
            CallState::Disconnected => "disconnected",
        }
    }

    /// A call in a terminal state never changes again.
    pub fn is_terminal(self) -> bool {
        matches!(self, CallState::Transferred | CallState::Disconnected)
    }
}

impl FromStr for CallState {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, ValueError> {
        CallState::ALL
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| {
                invalid(
                    "call state",
                    s,
                    "one of initiated, alerting, connected, held, transferred, disconnected",
                )
            })
    }
}

/// Checks a timestamp (`Event::timestamp`, the heartbeat's `timestamp`): an XSD `dateTime` with
/// a time zone, the way RFC 3339 writes it, e.g. `2026-11-27T10:15:30.123Z`.
///
/// Timestamps stay `String`s in the messages (the simulators format them with their clock
/// library); this check is what the decoder applies, and the XSD type `Timestamp` enforces the
/// same shape, so a timestamp that passes here also passes `xmllint`.
pub fn validate_timestamp(s: &str) -> Result<(), ValueError> {
    const EXPECTED: &str =
        "an RFC 3339 / xs:dateTime timestamp with time zone, e.g. 2026-11-27T10:15:30.123Z";
    if timestamp_ok(s.as_bytes()) {
        Ok(())
    } else {
        Err(invalid("timestamp", s, EXPECTED))
    }
}

fn timestamp_ok(b: &[u8]) -> bool {
    let num = |range: std::ops::Range<usize>| -> Option<u32> {
        let digits = b.get(range)?;
        digits.iter().try_fold(0u32, |n, d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    let at = |i: usize, c: u8| b.get(i) == Some(&c);
    let fields = (
        num(0..4),
        num(5..7),
        num(8..10),
        num(11..13),
        num(14..16),
        num(17..19),
    );
    let (Some(year), Some(month), Some(day), Some(hour), Some(minute), Some(second)) = fields
    else {
        return false;
    };
    let separators = at(4, b'-') && at(7, b'-') && at(10, b'T') && at(13, b':') && at(16, b':');
    let ranges = year >= 1
        && (1..=12).contains(&month)
        && day >= 1
        && day <= days_in_month(year, month)
        && hour <= 23
        && minute <= 59
        && second <= 59;
    let mut rest = b.get(19..).unwrap_or_default();
    if let Some(fraction) = rest.strip_prefix(b".") {
        let digits = fraction.iter().take_while(|d| d.is_ascii_digit()).count();
        if digits == 0 {
            return false;
        }
        rest = &fraction[digits..];
    }
    let zone = match rest {
        [b'Z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => {
            let two = |a: u8, b: u8| {
                (a.is_ascii_digit() && b.is_ascii_digit())
                    .then(|| u32::from(a - b'0') * 10 + u32::from(b - b'0'))
            };
            match (two(*h1, *h2), two(*m1, *m2)) {
                (Some(h), Some(m)) => m <= 59 && (h < 14 || (h == 14 && m == 0)),
                _ => false,
            }
        }
        _ => false,
    };
    separators && ranges && zone
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        _ => 31,
    }
}

/// Checks what every `AgentLoginType` has in common: one to four `;`-separated fields, the
/// device field not empty. Which field is which is the connector's business
/// ([`LoginString::parse`] with its `AgentLoginType`).
pub fn check_login_shape(s: &str) -> Result<(), ValueError> {
    const EXPECTED: &str =
        "1 to 4 fields separated by ';', e.g. agentid;password;device;p (AgentLoginType 0)";
    let fields = s.split(';').count();
    if s.is_empty() || fields > 4 || s.split(';').all(str::is_empty) {
        Err(invalid("login string", s, EXPECTED))
    } else {
        Ok(())
    }
}

/// The media an agent logs on with, the login string's trailing flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Media {
    /// `p`: phone.
    pub phone: bool,
    /// `m[2-6]`: action items, with the number of parallel items (1 when no digit).
    pub action_items: Option<u8>,
    /// `c[2-5]`: chat, with the number of parallel chats (1 when no digit).
    pub chat: Option<u8>,
}

/// The agent login string, as the connector reads it from the IC work-center ID.
///
/// Its shape depends on `AgentLoginType` in the connector's `[Config]`:
/// `0` → `agentid;password;device[;p][m[2-6]][c[2-5]]`, `1` → `password;device…`,
/// `2` → `device…`, `5` → `agentname;password;device…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginString {
    /// The agent id (type 0) or agent name (type 5); `None` for types 1 and 2.
    pub agent: Option<String>,
    /// The agent's password; `None` for type 2.
    pub password: Option<String>,
    /// The agent's phone device, also its channel address in container requests.
    pub device: String,
    /// The media flags; phone only when the string has none.
    pub media: Media,
    /// `AgentLoginType` the string was parsed with or will be written for.
    pub login_type: u8,
}

impl LoginString {
    /// The type-0 login string `agentid;password;device;p` (phone only).
    pub fn phone(agent: &str, password: &str, device: &str) -> LoginString {
        LoginString {
            agent: Some(agent.to_owned()),
            password: Some(password.to_owned()),
            device: device.to_owned(),
            media: Media {
                phone: true,
                ..Media::default()
            },
            login_type: 0,
        }
    }

    /// Parses a login string for the given `AgentLoginType` (0, 1, 2 or 5).
    pub fn parse(s: &str, login_type: u8) -> Result<LoginString, ValueError> {
        const EXPECTED: &str = "AgentLoginType 0: agentid;password;device[;p][m[2-6]][c[2-5]]";
        let fields: Vec<&str> = s.split(';').collect();
        let (agent, password, rest) = match login_type {
            0 | 5 if fields.len() >= 3 => (Some(fields[0]), Some(fields[1]), &fields[2..]),
            1 if fields.len() >= 2 => (None, Some(fields[0]), &fields[1..]),
            2 if !fields.is_empty() => (None, None, &fields[..]),
            0 | 1 | 2 | 5 => return Err(invalid("login string", s, EXPECTED)),
            _ => {
                return Err(invalid(
                    "AgentLoginType",
                    &login_type.to_string(),
                    "0, 1, 2 or 5 (see the connector's [Config])",
                ));
            }
        };
        let device = rest[0];
        if device.is_empty() || agent.is_some_and(str::is_empty) {
            return Err(invalid("login string", s, EXPECTED));
        }
        let media = match rest.get(1) {
            None => Media {
                phone: true,
                ..Media::default()
            },
            Some(flags) => parse_media(flags).ok_or_else(|| {
                invalid(
                    "login string media flags",
                    flags,
                    "p, m[2-6], c[2-5] in that order, e.g. 'p', 'pm3', 'pc2'",
                )
            })?,
        };
        if rest.len() > 2 {
            return Err(invalid("login string", s, EXPECTED));
        }
        Ok(LoginString {
            agent: agent.map(str::to_owned),
            password: password.map(str::to_owned),
            device: device.to_owned(),
            media,
            login_type,
        })
    }
}

fn parse_media(flags: &str) -> Option<Media> {
    let mut media = Media::default();
    let mut rest = flags;
    if let Some(r) = rest.strip_prefix('p') {
        media.phone = true;
        rest = r;
    }
    if let Some(r) = rest.strip_prefix('m') {
        let (n, r) = take_digit(r, 2..=6)?;
        media.action_items = Some(n);
        rest = r;
    }
    if let Some(r) = rest.strip_prefix('c') {
        let (n, r) = take_digit(r, 2..=5)?;
        media.chat = Some(n);
        rest = r;
    }
    (rest.is_empty() && !flags.is_empty()).then_some(media)
}

fn take_digit(s: &str, range: std::ops::RangeInclusive<u8>) -> Option<(u8, &str)> {
    match s.as_bytes().first() {
        Some(b) if b.is_ascii_digit() => {
            let n = b - b'0';
            range.contains(&n).then_some((n, &s[1..]))
        }
        _ => Some((1, s)),
    }
}

impl fmt::Display for LoginString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(agent) = &self.agent {
            write!(f, "{agent};")?;
        }
        if let Some(password) = &self.password {
            write!(f, "{password};")?;
        }
        f.write_str(&self.device)?;
        let m = self.media;
        if m.phone || m.action_items.is_some() || m.chat.is_some() {
            f.write_str(";")?;
            if m.phone {
                f.write_str("p")?;
            }
            for (flag, n) in [("m", m.action_items), ("c", m.chat)] {
                match n {
                    Some(1) => f.write_str(flag)?,
                    Some(n) => write!(f, "{flag}{n}")?,
                    None => {}
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e164_needs_plus_and_digits() {
        assert!("+41315550100".parse::<E164>().is_ok());
        for bad in [
            "0315550100",
            "+0315550100",
            "+41 31",
            "+",
            "+1234567890123456",
        ] {
            assert!(bad.parse::<E164>().is_err(), "{bad}");
        }
    }

    #[test]
    fn timestamps_need_rfc3339_shape_and_a_zone() {
        for ok in [
            "2026-11-27T10:15:30.123Z",
            "2026-11-27T10:15:30Z",
            "2024-02-29T23:59:59+14:00",
            "2026-01-01T00:00:00.1-05:30",
        ] {
            assert_eq!(validate_timestamp(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "2026-11-27T10:15:30",
            "2026-11-27 10:15:30Z",
            "2026-13-01T00:00:00Z",
            "2025-02-29T00:00:00Z",
            "2026-11-27T24:00:00Z",
            "2026-11-27T10:15:30.Z",
            "2026-11-27T10:15:30+15:00",
            "0000-01-01T00:00:00Z",
            "2026-11-27T10:15:30Zjunk",
        ] {
            assert!(validate_timestamp(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn reason_codes_start_above_999() {
        assert!(ReasonCode::new(999).is_err());
        assert_eq!(ReasonCode::new(1001).map(ReasonCode::get), Ok(1001));
        assert!("12".parse::<ReasonCode>().is_err());
        assert_eq!(
            " 1001\n".parse::<ReasonCode>().map(ReasonCode::get),
            Ok(1001)
        );
        for bad in ["+1001", "-1001", "1001.0", "", "70000"] {
            assert!(bad.parse::<ReasonCode>().is_err(), "{bad}");
        }
    }

    #[test]
    fn login_strings_of_every_type_round_trip() {
        for (s, t) in [
            ("4711;secret;3001;p", 0),
            ("4711;secret;3001;pm3c2", 0),
            ("4711;secret;3001", 0),
            ("secret;3001;p", 1),
            ("3001;pc", 2),
            ("Jane Doe;secret;3001;p", 5),
        ] {
            let parsed = LoginString::parse(s, t).unwrap_or_else(|e| panic!("{s}: {e}"));
            let again = LoginString::parse(&parsed.to_string(), t);
            assert_eq!(again.as_ref(), Ok(&parsed), "{s}");
        }
        assert_eq!(
            LoginString::phone("4711", "pw", "3001").to_string(),
            "4711;pw;3001;p"
        );
    }

    #[test]
    fn login_shapes_of_every_login_type_pass_and_nonsense_does_not() {
        for ok in [
            "4711;pw;3001;p",
            "pw;3001",
            "3001",
            "Jane;pw;3001",
            ";;3001",
        ] {
            assert_eq!(check_login_shape(ok), Ok(()), "{ok}");
        }
        for bad in ["", ";", ";;;", "a;b;c;d;e"] {
            assert!(check_login_shape(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn bad_login_strings_say_what_is_expected() {
        for (s, t) in [
            ("4711;3001", 0),
            ("4711;pw;3001;x", 0),
            ("4711;pw;3001;m7", 0),
            (";pw;3001", 0),
        ] {
            let err = LoginString::parse(s, t).expect_err(s);
            assert!(err.to_string().contains("expected") || err.to_string().contains(':'));
        }
        assert!(LoginString::parse("a;b;c", 3).is_err());
    }
}
