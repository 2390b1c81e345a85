//! Which server of a backend gets the next connection: a pure function of the servers' states,
//! the fail-back mode and the backup that traffic currently sticks to, so the rules can be tested
//! without sockets.

use crate::config::Failback;

/// What [`choose`] needs to know about one server, in config order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Candidate {
    pub up: bool,
    pub backup: bool,
}

/// The outcome of [`choose`]: the server for new connections and the backup traffic now sticks
/// to (only ever `Some` in [`Failback::Manual`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Choice {
    pub server: Option<usize>,
    pub sticky: Option<usize>,
}

/// HAProxy's active/backup order: the first UP primary, else the first UP backup, else none.
///
/// With [`Failback::Manual`], a backup that was chosen stays chosen while it is UP, even when a
/// primary is UP again; `sticky` carries that memory from one call to the next (the caller keeps
/// it, and clears it for a manual fail-back).
pub(crate) fn choose(servers: &[Candidate], failback: Failback, sticky: Option<usize>) -> Choice {
    if failback == Failback::Manual
        && let Some(i) = sticky
        && servers.get(i).is_some_and(|s| s.up && s.backup)
    {
        return Choice {
            server: Some(i),
            sticky: Some(i),
        };
    }
    let first = |backup: bool| servers.iter().position(|s| s.up && s.backup == backup);
    let server = first(false).or_else(|| first(true));
    let on_backup = server.filter(|&i| servers[i].backup);
    Choice {
        server,
        sticky: match failback {
            Failback::Manual => on_backup,
            Failback::Auto => None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const fn s(up: bool, backup: bool) -> Candidate {
        Candidate { up, backup }
    }

    #[test]
    fn primaries_first_in_config_order_then_backups() {
        let servers = [
            s(false, false),
            s(true, true),
            s(true, false),
            s(true, true),
        ];
        let c = choose(&servers, Failback::Auto, None);
        assert_eq!(c.server, Some(2));
        let servers = [s(false, false), s(false, true), s(true, true)];
        assert_eq!(choose(&servers, Failback::Auto, None).server, Some(2));
        let servers = [s(false, false), s(false, true)];
        assert_eq!(choose(&servers, Failback::Auto, None).server, None);
    }

    #[test]
    fn auto_fails_back_as_soon_as_a_primary_is_up() {
        let down = [s(false, false), s(true, true)];
        let c = choose(&down, Failback::Auto, None);
        assert_eq!(
            c,
            Choice {
                server: Some(1),
                sticky: None
            }
        );
        let up_again = [s(true, false), s(true, true)];
        assert_eq!(choose(&up_again, Failback::Auto, c.sticky).server, Some(0));
    }

    #[test]
    fn manual_sticks_to_the_backup_until_it_goes_down_or_is_released() {
        let down = [s(false, false), s(true, true)];
        let c = choose(&down, Failback::Manual, None);
        assert_eq!(
            c,
            Choice {
                server: Some(1),
                sticky: Some(1)
            }
        );

        let up_again = [s(true, false), s(true, true)];
        let stays = choose(&up_again, Failback::Manual, c.sticky);
        assert_eq!(
            stays,
            Choice {
                server: Some(1),
                sticky: Some(1)
            }
        );

        // A manual fail-back is a call without the sticky memory.
        let released = choose(&up_again, Failback::Manual, None);
        assert_eq!(
            released,
            Choice {
                server: Some(0),
                sticky: None
            }
        );

        // The sticky backup going DOWN releases it too.
        let backup_down = [s(true, false), s(false, true)];
        let moved = choose(&backup_down, Failback::Manual, Some(1));
        assert_eq!(
            moved,
            Choice {
                server: Some(0),
                sticky: None
            }
        );
    }

    #[test]
    fn manual_moves_between_backups_when_no_primary_is_up() {
        let servers = [s(false, false), s(false, true), s(true, true)];
        let c = choose(&servers, Failback::Manual, Some(1));
        assert_eq!(
            c,
            Choice {
                server: Some(2),
                sticky: Some(2)
            }
        );
        assert_eq!(choose(&servers, Failback::Manual, Some(9)).server, Some(2));
    }
}
