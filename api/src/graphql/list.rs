//! A GraphQL list whose items are joined by one non-generic function.
//!
//! async-graphql resolves `Vec<T>` through `resolve_list::<T>`, which instantiates its joining
//! machinery (`try_join_all`, and `FuturesOrdered`/`FuturesUnordered` behind it) once for every
//! item type. Every connection has two lists (`edges`, `nodes`) per entity, so that machinery was
//! compiled ~150 times over, and the list fields of objects and payloads ~130 times more: about
//! a tenth of the api crate's machine code (issue #9, build time). [`List`] (and [`Items`], a
//! list of borrowed rows for connections) keeps only what must be generic — calling the item's
//! own `resolve` — and boxes each item's future, so the join, the error path and the extension
//! hook are compiled once.
//!
//! The answer is the same as `Vec<T>`'s: the same GraphQL type (`[T!]!`), items resolved
//! concurrently (a DataLoader still sees every item's load in one batch), errors carry the
//! item's index in their path, and extensions see one `resolve` call per item.

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;

use async_graphql::extensions::ResolveInfo;
use async_graphql::parser::types::Field;
use async_graphql::registry::Registry;
use async_graphql::{ContextSelectionSet, OutputType, Positioned, ServerResult, Value};

/// A list of borrowed items (a connection's rows), answered as `[T!]!`.
pub type Items<'a, T> = List<&'a T>;

/// Schema data that says the schema has no extensions ([`super::Schemas::fast`]): a list then
/// skips the extension hook. async-graphql knows this (`Extensions::is_empty`) but keeps it to
/// itself.
pub struct NoExtensions;

/// One item's future, boxed so that one join serves every item type.
type ItemFuture<'f> = Pin<Box<dyn Future<Output = ServerResult<Value>> + Send + 'f>>;

/// The GraphQL type names a list's extension hook reports: the list's and its items'.
struct ListNames<'n> {
    list: &'n str,
    item: &'n str,
}

/// An owned list, answered as `[T!]!` like `Vec<T>` (which it dereferences to), for the list
/// fields of objects: their item types are many (invoice lines, payload errors, bulk results),
/// and each would compile async-graphql's join once more.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct List<T>(pub Vec<T>);

impl<T> Default for List<T> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<T> From<Vec<T>> for List<T> {
    fn from(items: Vec<T>) -> Self {
        Self(items)
    }
}

impl<T> FromIterator<T> for List<T> {
    fn from_iter<I: IntoIterator<Item = T>>(items: I) -> Self {
        Self(items.into_iter().collect())
    }
}

impl<T> std::ops::Deref for List<T> {
    type Target = Vec<T>;

    fn deref(&self) -> &Vec<T> {
        &self.0
    }
}

impl<T> std::ops::DerefMut for List<T> {
    fn deref_mut(&mut self) -> &mut Vec<T> {
        &mut self.0
    }
}

impl<T: OutputType> OutputType for List<T> {
    fn type_name() -> Cow<'static, str> {
        <Vec<T> as OutputType>::type_name()
    }

    fn qualified_type_name() -> String {
        <Vec<T> as OutputType>::qualified_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        T::create_type_info(registry);
        Self::qualified_type_name()
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        resolve_each(ctx, field, self.0.iter()).await
    }
}

/// The generic part of a list: each item's own `resolve`, boxed.
async fn resolve_each<'i, T: OutputType + 'i>(
    ctx: &ContextSelectionSet<'_>,
    field: &Positioned<Field>,
    items: impl Iterator<Item = &'i T> + Send,
) -> ServerResult<Value> {
    // The extension hook's two names, built once per list; none on the HTTP schema, which has no
    // hook to run.
    let names = ctx.data_opt::<NoExtensions>().is_none().then(|| {
        (
            <Vec<T> as OutputType>::type_name(),
            T::qualified_type_name(),
        )
    });
    let names = names.as_ref().map(|(list, item)| ListNames { list, item });
    let names = names.as_ref();
    let items = items
        .enumerate()
        .map(|(idx, item)| -> ItemFuture<'_> {
            Box::pin(async move {
                let ctx_idx = ctx.with_index(idx);
                let resolved = std::pin::pin!(item.resolve(&ctx_idx, field));
                resolve_item(&ctx_idx, field, names, resolved).await
            })
        })
        .collect();
    join(items).await
}

/// Puts the item's path on its error, and runs the item through the schema's extensions when it
/// has any (`names` is `None` on the extension-free schema).
async fn resolve_item(
    ctx_idx: &ContextSelectionSet<'_>,
    field: &Positioned<Field>,
    names: Option<&ListNames<'_>>,
    item: Pin<&mut (dyn Future<Output = ServerResult<Value>> + Send + '_)>,
) -> ServerResult<Value> {
    let resolved = async {
        item.await
            .map(Some)
            .map_err(|err| ctx_idx.set_error_path(err))
    };
    let (Some(names), Some(path_node)) = (names, ctx_idx.path_node.as_ref()) else {
        return resolved.await.map(Option::unwrap_or_default);
    };
    let info = ResolveInfo {
        path_node,
        parent_type: names.list,
        return_type: names.item,
        name: field.node.name.node.as_str(),
        alias: field.node.alias.as_ref().map(|alias| alias.node.as_str()),
        // Private in async-graphql; a `List` is never part of introspection's answer.
        is_for_introspection: false,
        field: &field.node,
    };
    let mut resolved = std::pin::pin!(resolved);
    ctx_idx
        .query_env
        .extensions
        .resolve(info, &mut resolved)
        .await
        .map(Option::unwrap_or_default)
}

/// Resolves every item concurrently; the first error ends the list, as for `Vec<T>`.
async fn join(items: Vec<ItemFuture<'_>>) -> ServerResult<Value> {
    Ok(Value::List(
        futures_util::future::try_join_all(items).await?,
    ))
}
