//! StarCRM's single-page app. `main` only mounts; the app lives in `app.rs`.

mod api;
mod app;
mod components;
mod i18n;
mod pages;
mod state;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
    // The static splash in index.html covers the time the wasm takes to load; the app is up now.
    if let Some(boot) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("boot"))
    {
        boot.remove();
    }
}
