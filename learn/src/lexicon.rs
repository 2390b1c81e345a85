//! Words CTI systems use for the things crmsim models: operation names (CSTA's and the
//! vendors' usual ones) and vocabulary words. A name match is evidence, never proof: learning
//! weighs it with what the traffic shows, and says which it used.

use ici::Operation;

/// Names an operation's body element goes by, normalised (see [`crate::shapes::norm`]).
pub fn op_words(op: Operation) -> &'static [&'static str] {
    use Operation::*;
    match op {
        GetVersion => &[
            "getversion",
            "version",
            "queryversion",
            "versioninfo",
            "getinfo",
            "info",
        ],
        Heartbeat => &[
            "heartbeat",
            "keepalive",
            "ping",
            "alive",
            "echo",
            "watchdog",
        ],
        Logon => &[
            "logon",
            "login",
            "signin",
            "signon",
            "agentlogin",
            "agentlogon",
        ],
        Logoff => &[
            "logoff",
            "logout",
            "signout",
            "signoff",
            "agentlogout",
            "agentlogoff",
        ],
        SetWorkMode => &[
            "setworkmode",
            "workmode",
            "changestate",
            "setstate",
            "setagentstate",
            "agentstate",
            "changeworkmode",
            "setstatus",
        ],
        UserSubscribe => &[
            "subscribe",
            "listen",
            "register",
            "startmonitor",
            "monitorstart",
        ],
        UserUnsubscribe => &[
            "unsubscribe",
            "stoplistening",
            "unregister",
            "stopmonitor",
            "monitorstop",
        ],
        ContainerSubscribe => &["subscribe", "attach", "monitordevice", "startdevicemonitor"],
        ContainerUnsubscribe => &["unsubscribe", "detach", "stopdevicemonitor"],
        MakeCall => &[
            "makecall",
            "dial",
            "originate",
            "placecall",
            "call",
            "outbound",
        ],
        Answer => &["answer", "answercall", "pickup", "accept", "acceptcall"],
        HangUp => &[
            "hangup",
            "release",
            "clear",
            "clearconnection",
            "clearcall",
            "disconnect",
            "drop",
            "endcall",
        ],
        Hold => &["hold", "holdcall", "park"],
        Retrieve => &["retrieve", "retrievecall", "unhold", "unpark", "resume"],
        Transfer => &[
            "transfer",
            "singlesteptransfer",
            "redirect",
            "deflect",
            "blindtransfer",
            "transfercall",
        ],
        ContainerChanged => &[
            "containerchanged",
            "devicenotice",
            "itemchanged",
            "workitem",
        ],
        CallChanged => &[
            "callchanged",
            "callnotice",
            "callevent",
            "callstate",
            "callupdate",
        ],
        UserChanged => &[
            "userchanged",
            "agentnotice",
            "agentevent",
            "agentchanged",
            "agentstate",
        ],
    }
}

/// How well `local` (a body element's name) names `op`: 1 for one of its words, 0.6 when it
/// contains one (of 4 letters or more) or is contained in one, else 0.
pub fn op_score(op: Operation, local: &str) -> f64 {
    let name = crate::shapes::norm(local);
    let mut best: f64 = 0.0;
    for w in op_words(op) {
        if name == *w {
            return 1.0;
        }
        if w.len() >= 4 && (name.contains(w) || (name.len() >= 4 && w.contains(&name))) {
            best = best.max(0.6);
        }
    }
    best
}

/// Words a vocabulary's values go by, normalised; `(crmsim value, words)`.
pub fn vocab_words(vocab: &str) -> &'static [(&'static str, &'static [&'static str])] {
    match vocab {
        "call_state" => &[
            (
                "initiated",
                &[
                    "initiated",
                    "dialing",
                    "dialling",
                    "originated",
                    "initiating",
                    "outgoing",
                ],
            ),
            (
                "alerting",
                &[
                    "alerting",
                    "ringing",
                    "offered",
                    "delivered",
                    "ring",
                    "incoming",
                ],
            ),
            (
                "connected",
                &[
                    "connected",
                    "talking",
                    "established",
                    "active",
                    "answered",
                    "incall",
                ],
            ),
            ("held", &["held", "onhold", "hold", "parked"]),
            ("transferred", &["transferred", "redirected", "deflected"]),
            (
                "disconnected",
                &[
                    "disconnected",
                    "released",
                    "cleared",
                    "ended",
                    "dropped",
                    "terminated",
                    "hungup",
                    "idle",
                ],
            ),
        ],
        "work_mode" => &[
            (
                "loggedOff",
                &[
                    "loggedoff",
                    "loggedout",
                    "logout",
                    "logoff",
                    "offline",
                    "signedout",
                ],
            ),
            (
                "notReady",
                &[
                    "notready",
                    "pause",
                    "paused",
                    "unavailable",
                    "aux",
                    "break",
                    "away",
                ],
            ),
            ("ready", &["ready", "available", "idle", "waiting"]),
            ("busy", &["busy", "oncall", "incall", "talking", "occupied"]),
            (
                "wrapUp",
                &["wrapup", "aftercallwork", "acw", "workready", "postcall"],
            ),
        ],
        "boolean" => &[
            ("false", &["false", "0", "n", "no", "off"]),
            ("true", &["true", "1", "y", "yes", "on"]),
        ],
        "participant_role" => &[
            (
                "caller",
                &["caller", "calling", "originator", "from", "ani"],
            ),
            ("agent", &["agent", "called", "callee", "to", "answering"]),
            (
                "destination",
                &["destination", "target", "transferee", "third", "consulted"],
            ),
        ],
        "transfer_mode" => &[
            ("blind", &["blind", "singlestep", "direct", "unattended"]),
            (
                "consult",
                &["consult", "consultation", "supervised", "attended", "warm"],
            ),
        ],
        "container_change" => &[
            (
                "itemAdded",
                &[
                    "itemadded",
                    "add",
                    "added",
                    "new",
                    "create",
                    "created",
                    "insert",
                ],
            ),
            (
                "itemRemoved",
                &[
                    "itemremoved",
                    "remove",
                    "removed",
                    "delete",
                    "deleted",
                    "gone",
                    "end",
                ],
            ),
        ],
        "item_type" => &[
            ("call", &["call", "voice", "phone", "telephony", "audio"]),
            ("chat", &["chat", "im", "message", "webchat"]),
            ("actionItem", &["actionitem", "task", "workitem", "email"]),
        ],
        _ => &[],
    }
}

/// Whether `word` is one of `vocab`'s words exactly (normalised).
pub fn vocab_exact(vocab: &str, word: &str) -> bool {
    let w = crate::shapes::norm(word);
    vocab_words(vocab)
        .iter()
        .any(|(_, words)| words.contains(&w.as_str()))
}

/// Whether a namespace URI names `op`'s interface (`urn:IciUserInterface`, `…/agent/…`).
pub fn namespace_names(op: Operation, ns: &str) -> bool {
    let ns = crate::shapes::norm(ns);
    let words: &[&str] = match op.interface() {
        ici::Interface::System => &["system"],
        ici::Interface::User => &["user", "agent"],
        ici::Interface::Container => &["container", "channel", "device"],
        ici::Interface::Call => &["call"],
        ici::Interface::Event => &["event", "notify", "notification"],
    };
    words.iter().any(|w| ns.contains(w))
}

/// The crmsim value a wire word most likely stands for in `vocab`, by name alone.
pub fn vocab_guess(vocab: &str, word: &str) -> Option<&'static str> {
    let w = crate::shapes::norm(word);
    let table = vocab_words(vocab);
    if let Some((value, _)) = table.iter().find(|(_, words)| words.contains(&w.as_str())) {
        return Some(value);
    }
    // Longer matches first, so "notready" is not read as "ready".
    let mut best: Option<(&'static str, usize)> = None;
    for (value, words) in table {
        for cand in *words {
            if cand.len() >= 3 && w.contains(cand) && best.is_none_or(|(_, l)| cand.len() > l) {
                best = Some((value, cand.len()));
            }
        }
    }
    best.map(|(v, _)| v)
}

/// The ICI error an error word of a fault most likely is, by name.
pub fn error_guess(word: &str) -> Option<&'static str> {
    let w = crate::shapes::norm(word);
    let table: &[(&str, &[&str])] = &[
        (
            "invalidCallState",
            &["callstate", "invalidstate", "wrongstate"],
        ),
        (
            "unknownCall",
            &["nosuchcall", "unknowncall", "callnotfound", "invalidcall"],
        ),
        (
            "notLoggedOn",
            &["notloggedin", "notloggedon", "notsignedin", "notlogged"],
        ),
        (
            "alreadyLoggedOn",
            &[
                "alreadyloggedin",
                "alreadyloggedon",
                "alreadysignedin",
                "alreadylogged",
            ],
        ),
        (
            "invalidLogin",
            &["login", "credential", "password", "authentication"],
        ),
        (
            "malformedRequest",
            &["badrequest", "malformed", "invalidrequest", "syntax"],
        ),
        (
            "unknownOperation",
            &[
                "nosuchoperation",
                "unknownoperation",
                "notsupported",
                "unsupported",
            ],
        ),
        (
            "invalidWorkMode",
            &["agentstate", "workmode", "invalidmode"],
        ),
        ("unavailable", &["unavailable", "busy", "overload", "retry"]),
    ];
    table
        .iter()
        .find(|(_, words)| words.iter().any(|x| w.contains(x)))
        .map(|(e, _)| *e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_words_are_matched() {
        assert_eq!(op_score(Operation::Answer, "Pickup"), 1.0);
        assert_eq!(op_score(Operation::HangUp, "ClearConnection"), 1.0);
        assert!(op_score(Operation::Answer, "AnswerCallRequest") > 0.5);
        assert_eq!(op_score(Operation::Hold, "Release"), 0.0);
        assert_eq!(vocab_guess("call_state", "RINGING"), Some("alerting"));
        assert_eq!(vocab_guess("work_mode", "NOT_READY"), Some("notReady"));
        assert_eq!(vocab_guess("work_mode", "AFTER_CALL_WORK"), Some("wrapUp"));
        assert_eq!(vocab_guess("work_mode", "READY"), Some("ready"));
        assert_eq!(vocab_guess("boolean", "Y"), Some("true"));
        assert_eq!(error_guess("E_CALL_STATE"), Some("invalidCallState"));
        assert_eq!(error_guess("E_NO_SUCH_CALL"), Some("unknownCall"));
        assert_eq!(error_guess("E_NOT_LOGGED_IN"), Some("notLoggedOn"));
    }
}
