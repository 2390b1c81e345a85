//! crmsim's operations: what the simulators ask and tell each other, by stable key.
//!
//! The wire names of these operations (namespaces, elements, SOAPAction, paths) are not here:
//! they are a [`Dialect`](crate::Dialect)'s, loaded from a file. This module holds only what does
//! not change from one system to another: which operations exist, which interface each belongs
//! to, and the keys reports and dialect files name them by (`user.logon`).

/// One ICI interface, each with its own namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Interface {
    /// Version and heartbeat. The only interface whose namespace is confirmed.
    System,
    /// Agent session: log on/off, work mode, subscription to user events.
    User,
    /// Subscription to a channel's container (the phone device's items).
    Container,
    /// Call control.
    Call,
    /// Events connector → CRM.
    Event,
}

impl Interface {
    /// All interfaces, in the order the WSDL lists them.
    pub const ALL: [Interface; 5] = [
        Interface::System,
        Interface::User,
        Interface::Container,
        Interface::Call,
        Interface::Event,
    ];
}

/// Every operation of the profile: requests CRM → connector and events connector → CRM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum Operation {
    /// `system.getVersion`: the connector's version and vendor; crmsim's CRM asks it first to
    /// detect a dialect mismatch.
    GetVersion,
    /// `system.heartbeat`: SAP's heartbeat profile polls the connector's health (and, with a
    /// user, that agent's session).
    Heartbeat,
    /// `user.logon`: log an agent on with its login string; returns the session id.
    Logon,
    /// `user.logoff`: log the agent off.
    Logoff,
    /// `user.setWorkMode`: ready, not ready (with a reason code) or wrap-up.
    SetWorkMode,
    /// `user.subscribe`: send the agent's `userChanged` events to the CRM's event sink.
    UserSubscribe,
    /// `user.unsubscribe`: stop sending them.
    UserUnsubscribe,
    /// `container.subscribe`: send the channel's `containerChanged` and `callChanged`
    /// events to the CRM's event sink.
    ContainerSubscribe,
    /// `container.unsubscribe`: stop sending them.
    ContainerUnsubscribe,
    /// `call.makeCall`: dial out from the agent's device; returns the new call's id.
    MakeCall,
    /// `call.answer`: answer a call alerting at the agent's device.
    Answer,
    /// `call.hangUp`: end the agent's call.
    HangUp,
    /// `call.hold`: put a connected call on hold.
    Hold,
    /// `call.retrieve`: take a held call back.
    Retrieve,
    /// `call.transfer`: hand a call to another number, blind or consultative.
    Transfer,
    /// `event.containerChanged`: an item was added to or removed from a channel.
    ContainerChanged,
    /// `event.callChanged`: a call changed state.
    CallChanged,
    /// `event.userChanged`: the agent's logon state or work mode changed.
    UserChanged,
}

impl Operation {
    /// All operations, requests first, then events.
    pub const ALL: [Operation; 18] = [
        Operation::GetVersion,
        Operation::Heartbeat,
        Operation::Logon,
        Operation::Logoff,
        Operation::SetWorkMode,
        Operation::UserSubscribe,
        Operation::UserUnsubscribe,
        Operation::ContainerSubscribe,
        Operation::ContainerUnsubscribe,
        Operation::MakeCall,
        Operation::Answer,
        Operation::HangUp,
        Operation::Hold,
        Operation::Retrieve,
        Operation::Transfer,
        Operation::ContainerChanged,
        Operation::CallChanged,
        Operation::UserChanged,
    ];

    /// The operation's place in [`Operation::ALL`], for tables indexed by operation.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The interface the operation belongs to.
    pub fn interface(self) -> Interface {
        use Operation::*;
        match self {
            GetVersion | Heartbeat => Interface::System,
            Logon | Logoff | SetWorkMode | UserSubscribe | UserUnsubscribe => Interface::User,
            ContainerSubscribe | ContainerUnsubscribe => Interface::Container,
            MakeCall | Answer | HangUp | Hold | Retrieve | Transfer => Interface::Call,
            ContainerChanged | CallChanged | UserChanged => Interface::Event,
        }
    }

    /// A stable, human-readable key for reports and metrics (`user.logon`, `event.callChanged`).
    pub fn key(self) -> &'static str {
        use Operation::*;
        match self {
            GetVersion => "system.getVersion",
            Heartbeat => "system.heartbeat",
            Logon => "user.logon",
            Logoff => "user.logoff",
            SetWorkMode => "user.setWorkMode",
            UserSubscribe => "user.subscribe",
            UserUnsubscribe => "user.unsubscribe",
            ContainerSubscribe => "container.subscribe",
            ContainerUnsubscribe => "container.unsubscribe",
            MakeCall => "call.makeCall",
            Answer => "call.answer",
            HangUp => "call.hangUp",
            Hold => "call.hold",
            Retrieve => "call.retrieve",
            Transfer => "call.transfer",
            ContainerChanged => "event.containerChanged",
            CallChanged => "event.callChanged",
            UserChanged => "event.userChanged",
        }
    }

    /// True when the response (or, for events, the acknowledgement) is an empty element:
    /// everything except `getVersion`, `heartbeat`, `logon` and `makeCall`, which return data.
    pub fn response_is_empty(self) -> bool {
        !matches!(
            self,
            Operation::GetVersion | Operation::Heartbeat | Operation::Logon | Operation::MakeCall
        )
    }

    /// True for events (connector → CRM).
    pub fn is_event(self) -> bool {
        self.interface() == Interface::Event
    }

    /// Finds an operation by its key (`user.logon`).
    pub fn from_key(key: &str) -> Option<Operation> {
        Operation::ALL.into_iter().find(|op| op.key() == key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_is_the_place_in_all() {
        for (i, op) in Operation::ALL.into_iter().enumerate() {
            assert_eq!(op.index(), i, "{op:?}");
        }
    }

    #[test]
    fn keys_are_found_back() {
        for op in Operation::ALL {
            assert_eq!(Operation::from_key(op.key()), Some(op));
        }
        assert_eq!(Operation::from_key("user.logonx"), None);
    }

    #[test]
    fn keys_are_unique() {
        let mut keys: Vec<_> = Operation::ALL.iter().map(|o| o.key()).collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), Operation::ALL.len());
    }
}
