//! Declares the `erase_components` cfg (set for wasm32 in `.cargo/config.toml`), which the
//! `#[component]` and `view!` macros expand into this crate's code.
fn main() {
    println!("cargo::rustc-check-cfg=cfg(erase_components)");
}
