//! Who is signed in. The API client reports every change (sign-in, refresh, expiry, sign-out);
//! the UI reads it from here.

use leptos::prelude::*;
use starcrm_shared::Permission;
use starcrm_shared::account::Viewer;

use crate::api::{self, SessionChange};

/// Where the session stands. Changes rarely (a refresh keeps `SignedIn`), so pages gated on it
/// are not re-created by background refreshes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Looking for a session cookie after the page loaded.
    Checking,
    /// `expired`: the session ended by itself, not by signing out.
    SignedOut {
        expired: bool,
    },
    SignedIn,
}

/// Handle to the session; `Copy`, get it with [`use_session`].
#[derive(Clone, Copy)]
pub struct Session {
    phase: RwSignal<Phase>,
    viewer: RwSignal<Option<Viewer>>,
}

impl Session {
    pub fn phase(self) -> Phase {
        self.phase.get()
    }

    pub fn viewer(self) -> Option<Viewer> {
        self.viewer.get()
    }

    /// Whether the signed-in user holds `permission` (reactive).
    pub fn can(self, permission: Permission) -> bool {
        self.viewer.with(|v| v.as_ref().is_some_and(|v| v.can(permission)))
    }

    fn apply(self, change: SessionChange) {
        match change {
            SessionChange::SignedIn(viewer) => {
                if self.viewer.with_untracked(|v| v.as_ref() != Some(&viewer)) {
                    self.viewer.set(Some(viewer));
                }
                set_if_changed(self.phase, Phase::SignedIn);
            }
            SessionChange::SignedOut { expired } => {
                self.viewer.set(None);
                set_if_changed(self.phase, Phase::SignedOut { expired });
            }
        }
    }
}

fn set_if_changed(signal: RwSignal<Phase>, phase: Phase) {
    if signal.get_untracked() != phase {
        signal.set(phase);
    }
}

/// Creates the session context and looks for a session to resume (the refresh cookie).
pub fn provide_session() -> Session {
    let session = Session { phase: RwSignal::new(Phase::Checking), viewer: RwSignal::new(None) };
    api::set_session_listener(move |change| session.apply(change));
    leptos::task::spawn_local(async move {
        if api::accounts::resume().await.is_err() && session.phase.get_untracked() == Phase::Checking {
            session.apply(SessionChange::SignedOut { expired: false });
        }
    });
    provide_context(session);
    session
}

pub fn use_session() -> Session {
    expect_context::<Session>()
}
