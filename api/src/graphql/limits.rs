//! Limits on what one GraphQL request may ask for. They bound the work a single request can cause;
//! the numbers are documented in the README's API section.

/// Deepest selection nesting allowed. Large enough for GraphiQL's introspection query.
pub const MAX_DEPTH: usize = 15;

/// Highest complexity (one point per field, multiplied by list sizes once connections exist).
pub const MAX_COMPLEXITY: usize = 2_000;

/// Largest page a list query returns (`first`).
pub const MAX_PAGE_SIZE: u32 = 100;

/// Most fields at the top of one operation: bounds batches of aliased calls (each aliased
/// `login` also counts against the sign-in rate limit).
pub const MAX_ROOT_FIELDS: usize = 10;

/// Most aliased fields anywhere in one document.
pub const MAX_ALIASES: usize = 30;

use std::collections::HashSet;
use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Positioned, ServerError, ServerResult, Variables};

/// Refuses documents with too many root fields or aliases, before anything executes.
pub struct ShapeLimits;

impl ExtensionFactory for ShapeLimits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ShapeLimits)
    }
}

#[async_trait::async_trait]
impl Extension for ShapeLimits {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        let operations: Vec<&SelectionSet> = match &document.operations {
            DocumentOperations::Single(op) => vec![&op.node.selection_set.node],
            DocumentOperations::Multiple(ops) => ops.values().map(|op| &op.node.selection_set.node).collect(),
        };
        for selection in operations {
            let roots = count_fields(&document, selection, &mut HashSet::new());
            if roots > MAX_ROOT_FIELDS {
                return Err(ServerError::new(
                    format!(
                        "an operation may select at most {MAX_ROOT_FIELDS} top-level fields, this one selects {roots}"
                    ),
                    None,
                ));
            }
        }
        let aliases = count_aliases(&document);
        if aliases > MAX_ALIASES {
            return Err(ServerError::new(
                format!("a document may use at most {MAX_ALIASES} aliases, this one uses {aliases}"),
                None,
            ));
        }
        Ok(document)
    }
}

/// Fields selected directly in `set`, looking through fragments (each fragment counted once per
/// path, so a fragment cycle cannot loop).
fn count_fields<'a>(
    document: &'a ExecutableDocument,
    set: &'a SelectionSet,
    seen: &mut HashSet<&'a str>,
) -> usize {
    set.items
        .iter()
        .map(|item| match &item.node {
            Selection::Field(_) => 1,
            Selection::InlineFragment(fragment) => {
                count_fields(document, &fragment.node.selection_set.node, seen)
            }
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.as_str();
                match document.fragments.get(name) {
                    Some(fragment) if seen.insert(name) => {
                        let n = count_fields(document, &fragment.node.selection_set.node, seen);
                        seen.remove(name);
                        n
                    }
                    _ => 0,
                }
            }
        })
        .sum()
}

fn count_aliases(document: &ExecutableDocument) -> usize {
    fn in_set(set: &Positioned<SelectionSet>) -> usize {
        set.node
            .items
            .iter()
            .map(|item| match &item.node {
                Selection::Field(field) => {
                    usize::from(field.node.alias.is_some()) + in_set(&field.node.selection_set)
                }
                Selection::InlineFragment(fragment) => in_set(&fragment.node.selection_set),
                Selection::FragmentSpread(_) => 0,
            })
            .sum()
    }
    let operations: usize = match &document.operations {
        DocumentOperations::Single(op) => in_set(&op.node.selection_set),
        DocumentOperations::Multiple(ops) => ops.values().map(|op| in_set(&op.node.selection_set)).sum(),
    };
    operations + document.fragments.values().map(|f| in_set(&f.node.selection_set)).sum::<usize>()
}
