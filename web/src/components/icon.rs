//! Inline SVG icons (24x24, stroked), so the bundle needs no icon font or extra request.

use leptos::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IconName {
    Dashboard,
    Customers,
    Star,
    Headset,
    Megaphone,
    Settings,
    Menu,
    Close,
    Alert,
    Database,
    Tag,
    Gauge,
    Search,
    Bell,
    Feedback,
    Gift,
    Pulse,
}

impl IconName {
    const fn paths(self) -> &'static [&'static str] {
        match self {
            Self::Dashboard => &["M4 13h6V4H4z", "M14 20h6v-9h-6z", "M4 20h6v-3H4z", "M14 7h6V4h-6z"],
            Self::Customers => &[
                "M16 19v-1.5a3.5 3.5 0 0 0-3.5-3.5h-5A3.5 3.5 0 0 0 4 17.5V19",
                "M10 10.5a3.25 3.25 0 1 0 0-6.5 3.25 3.25 0 0 0 0 6.5z",
                "M20 19v-1.5a3.5 3.5 0 0 0-2.6-3.4",
                "M15.5 4.2a3.25 3.25 0 0 1 0 6.1",
            ],
            Self::Star => &["M12 3.5l2.6 5.3 5.9.9-4.3 4.1 1 5.8L12 16.9l-5.2 2.7 1-5.8-4.3-4.1 5.9-.9z"],
            Self::Headset => &[
                "M4 14v-2a8 8 0 0 1 16 0v2",
                "M4 14h3v5H5.5A1.5 1.5 0 0 1 4 17.5z",
                "M20 14h-3v5h1.5a1.5 1.5 0 0 0 1.5-1.5z",
            ],
            Self::Megaphone => {
                &["M4 10v4h3l8 4V6L7 10z", "M18 9.5a3.5 3.5 0 0 1 0 5", "M7 14l1.5 5h2.5l-1-5"]
            }
            Self::Settings => &[
                "M12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6z",
                "M19.4 13.5l1.6 1.2-2 3.4-1.9-.7a7.5 7.5 0 0 1-2.2 1.3L14.5 21h-5l-.4-2.3a7.5 7.5 0 0 1-2.2-1.3l-1.9.7-2-3.4 1.6-1.2a7.6 7.6 0 0 1 0-3L3 9.3l2-3.4 1.9.7a7.5 7.5 0 0 1 2.2-1.3L9.5 3h5l.4 2.3a7.5 7.5 0 0 1 2.2 1.3l1.9-.7 2 3.4-1.6 1.2a7.6 7.6 0 0 1 0 3z",
            ],
            Self::Menu => &["M4 7h16", "M4 12h16", "M4 17h16"],
            Self::Close => &["M6 6l12 12", "M18 6L6 18"],
            Self::Alert => &["M12 3.5l9 16H3z", "M12 10v4", "M12 17h.01"],
            Self::Database => &[
                "M5 6c0-1.4 3.1-2.5 7-2.5s7 1.1 7 2.5-3.1 2.5-7 2.5S5 7.4 5 6z",
                "M5 6v12c0 1.4 3.1 2.5 7 2.5s7-1.1 7-2.5V6",
                "M5 12c0 1.4 3.1 2.5 7 2.5s7-1.1 7-2.5",
            ],
            Self::Tag => &["M3.5 12.5l8-8H20v8.5l-8 8z", "M15.5 8.5h.01"],
            Self::Gauge => &["M4.5 17a8.5 8.5 0 1 1 15 0", "M12 13l3.5-4"],
            Self::Search => &["M11 18a7 7 0 1 0 0-14 7 7 0 0 0 0 14z", "M20 20l-4-4"],
            Self::Bell => &["M6 16V11a6 6 0 0 1 12 0v5l1.5 2h-15z", "M10 20.5a2 2 0 0 0 4 0"],
            Self::Feedback => &[
                "M4 5.5h16v11H10l-4.5 3.5v-3.5H4z",
                "M9 11.5a3.5 3.5 0 0 0 6 0",
                "M9.5 8.5h.01",
                "M14.5 8.5h.01",
            ],
            Self::Pulse => &["M3 12h4l3-7 4 14 3-7h4"],
            Self::Gift => &[
                "M4 9.5h16v3.5H4z",
                "M5.5 13v7h13v-7",
                "M12 9.5V20",
                "M12 9.5C10.5 6 7.5 5 7 7s2.5 2.5 5 2.5",
                "M12 9.5c1.5-3.5 4.5-4.5 5-2.5s-2.5 2.5-5 2.5",
            ],
        }
    }
}

#[component]
pub fn Icon(name: IconName, #[prop(optional, into)] class: Option<&'static str>) -> impl IntoView {
    view! {
        <svg
            class=format!("icon {}", class.unwrap_or_default())
            viewBox="0 0 24 24"
            fill="none"
            stroke="currentColor"
            stroke-width="1.8"
            stroke-linecap="round"
            stroke-linejoin="round"
            aria-hidden="true"
        >
            {name.paths().iter().map(|d| view! { <path d=*d /> }).collect_view()}
        </svg>
    }
}
