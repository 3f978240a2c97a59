//! Limits on what one GraphQL request may ask for. They bound the work a single request can cause;
//! the numbers are documented in the README's API section.

/// Deepest selection nesting allowed. Large enough for GraphiQL's introspection query.
pub const MAX_DEPTH: usize = 15;

/// Highest complexity (one point per field, multiplied by list sizes once connections exist).
pub const MAX_COMPLEXITY: usize = 2_000;
