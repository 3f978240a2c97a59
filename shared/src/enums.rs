//! `stored_enum!`: a closed set of values with one stored form each (the string the database
//! holds), a GraphQL enum behind the `graphql` feature, and `SCREAMING_SNAKE_CASE` on the wire.

/// Declares an enum whose variants have a stored form, with `ALL`, `as_str` and `parse`.
///
/// ```
/// starcrm_shared::stored_enum! {
///     /// A colour.
///     pub enum Colour { Red => "red", Green => "green" }
/// }
/// assert_eq!(Colour::parse("green"), Some(Colour::Green));
/// assert_eq!(Colour::Red.as_str(), "red");
/// ```
#[macro_export]
macro_rules! stored_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident { $( $(#[$vmeta:meta])* $variant:ident => $stored:literal ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
        pub enum $name { $( $(#[$vmeta])* $variant ),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The stored form.
            pub const fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $stored),+ }
            }

            /// The value for a stored form.
            pub fn parse(value: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == value)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
