//! A page's data fetched from the API: the value, the error of the last try, and a way to fetch
//! again (after a change, or from the error's retry button). One shape for every page that loads
//! what it shows.

use std::future::Future;

use leptos::prelude::*;

use crate::api::ApiError;

/// What `fetch` last gave. `Copy`: pass it into closures freely.
pub struct Loaded<T: Send + Sync + 'static> {
    pub value: RwSignal<Option<T>>,
    pub error: RwSignal<Option<ApiError>>,
    pub reload: Callback<()>,
}

impl<T: Send + Sync + 'static> Clone for Loaded<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for Loaded<T> {}

/// Fetches with `fetch` now and on every `reload`; a failure keeps the last value and sets the
/// error, a success clears it. `fetch` reads its arguments untracked (the caller decides what
/// fetches again, e.g. an effect calling `reload`).
pub fn load<T, F, Fut>(fetch: F) -> Loaded<T>
where
    T: Send + Sync + 'static,
    F: Fn() -> Fut + Copy + Send + Sync + 'static,
    Fut: Future<Output = Result<T, ApiError>> + 'static,
{
    let value = RwSignal::new(None::<T>);
    let error = RwSignal::new(None::<ApiError>);
    let reload = Callback::new(move |()| {
        let pending = fetch();
        leptos::task::spawn_local(async move {
            match pending.await {
                Ok(found) => {
                    error.set(None);
                    value.set(Some(found));
                }
                Err(e) => error.set(Some(e)),
            }
        });
    });
    Loaded { value, error, reload }
}
