//! Tags, comments and attachments on any record, in the schema. File content goes over plain
//! HTTP (`POST /attachments`, `GET /attachments/{id}`); everything else is here.

use crate::graphql::list::List;
use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::TenantDb;
use entity::org::{attachment, comment, tag, tagging};
use sea_orm::{ColumnTrait, QueryFilter};
use uuid::Uuid;

use crate::error::{AppError, AppResult, GqlResult};
use crate::graphql::core::{
    ContextExt, GlobalId, Node, Page, PageArgs, list, load_one, page_complexity, resolve_node,
};
use crate::graphql::org::Tag;
use crate::services::collab::{self, CollabError};

/// Loads the tags of many records in one statement pair, for one request.
pub struct TagsLoader {
    db: TenantDb,
}

impl Loader<Uuid> for TagsLoader {
    type Value = Vec<tag::Model>;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Vec<tag::Model>>, Self::Error> {
        let keys = keys.to_vec();
        let (taggings, tags) = self
            .db
            .read(async |tx| {
                let taggings = tx
                    .all(
                        tx.select::<tagging::Entity>()
                            .refine(|q| q.filter(tagging::Column::SubjectId.is_in(keys))),
                    )
                    .await?;
                let ids: Vec<Uuid> = taggings.iter().map(|t| t.tag_id).collect();
                let tags = tx.get_many::<tag::Entity>(&ids).await?;
                Ok((taggings, tags))
            })
            .await
            .map_err(|e| Arc::new(e.into()))?;
        let tags: HashMap<Uuid, tag::Model> = tags.into_iter().map(|t| (t.id, t)).collect();
        let mut out: HashMap<Uuid, Vec<tag::Model>> = HashMap::new();
        for t in taggings {
            if let Some(tag) = tags.get(&t.tag_id).filter(|t| t.archived_at.is_none()) {
                out.entry(t.subject_id).or_default().push(tag.clone());
            }
        }
        for list in out.values_mut() {
            list.sort_by(|a, b| a.name.cmp(&b.name));
        }
        Ok(out)
    }
}

/// The tags on a record, through the request's loader (one batch for a whole page).
pub async fn tags_of(ctx: &Context<'_>, subject: Uuid) -> AppResult<Vec<Tag>> {
    let session = ctx.session()?;
    let loader = session.loader_with(|| TagsLoader {
        db: session.db.clone(),
    });
    Ok(loader
        .load_one(subject)
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{e:?}")))?
        .unwrap_or_default()
        .into_iter()
        .map(Tag)
        .collect())
}

/// A comment on a record. Readable by whoever may read the record.
pub struct Comment(pub comment::Model);

/// A comment on a record. Readable by whoever may read the record.
#[Object]
impl Comment {
    /// The opaque global id.
    pub async fn id(&self) -> ID {
        GlobalId::of::<comment::Entity>(self.0.id)
    }
    /// The record commented on.
    async fn subject(&self, ctx: &Context<'_>) -> GqlResult<Option<Node>> {
        subject_node(ctx, &self.0.subject_type, self.0.subject_id).await
    }
    /// The text.
    async fn body(&self) -> &str {
        &self.0.body
    }
    /// Optimistic-concurrency version; pass it as `expectedVersion` when editing.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// The user or app that wrote it (its id).
    async fn author_id(&self) -> Option<Uuid> {
        self.0.created_by
    }
    /// When it was written.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it was last edited (equal to `createdAt` when never edited).
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// A file attached to a record. Readable by whoever may read the record; the content is at
/// `downloadUrl`, for the same credential.
pub struct Attachment(pub attachment::Model);

/// A file attached to a record. Readable by whoever may read the record; the content is at
/// `downloadUrl`, for the same credential.
#[Object]
impl Attachment {
    /// The opaque global id.
    pub async fn id(&self) -> ID {
        GlobalId::of::<attachment::Entity>(self.0.id)
    }
    /// The record the file is attached to.
    async fn subject(&self, ctx: &Context<'_>) -> GqlResult<Option<Node>> {
        subject_node(ctx, &self.0.subject_type, self.0.subject_id).await
    }
    /// The file's name.
    async fn file_name(&self) -> &str {
        &self.0.file_name
    }
    /// Its content type, e.g. `application/pdf`.
    async fn content_type(&self) -> &str {
        &self.0.content_type
    }
    /// Its size in bytes.
    async fn size_bytes(&self) -> i64 {
        self.0.size_bytes
    }
    /// Hex SHA-256 of the content, to verify a download.
    async fn sha256(&self) -> &str {
        &self.0.sha256
    }
    /// Where to `GET` the content (send the same credential).
    async fn download_url(&self) -> String {
        format!("/attachments/{}", self.0.id)
    }
    /// The user or app that attached it (its id).
    async fn uploaded_by(&self) -> Option<Uuid> {
        self.0.created_by
    }
    /// When it was attached.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// Resolves a comment id for `node(id:)`.
pub async fn comment_node(ctx: &Context<'_>, id: Uuid) -> AppResult<Option<Comment>> {
    let session = ctx.session()?;
    Ok(load_one::<comment::Entity>(ctx, Some(id))
        .await?
        .filter(|c| collab::may_read(&session.principal, &c.subject_type))
        .map(Comment))
}

/// Resolves an attachment id for `node(id:)`.
pub async fn attachment_node(ctx: &Context<'_>, id: Uuid) -> AppResult<Option<Attachment>> {
    let session = ctx.session()?;
    Ok(load_one::<attachment::Entity>(ctx, Some(id))
        .await?
        .filter(|a| collab::may_read(&session.principal, &a.subject_type))
        .map(Attachment))
}

/// The record a comment or attachment is on, resolved like `node(id:)`.
async fn subject_node(ctx: &Context<'_>, subject_type: &str, id: Uuid) -> GqlResult<Option<Node>> {
    resolve_node(ctx, &GlobalId::encode(subject_type, id)).await
}

/// The queries of comments and attachments.
#[derive(Default)]
pub struct CollabQuery;

#[Object]
impl CollabQuery {
    /// Comments, oldest first: on one record (`subjectId`), or on every record the caller may
    /// read. An unknown or unreadable record gives an empty list.
    #[graphql(complexity = "page_complexity(first, last, child_complexity)")]
    async fn comments(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only the comments on this record.")] subject_id: Option<ID>,
        #[graphql(desc = "Page size from the start (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
    ) -> GqlResult<Page<Comment>> {
        let args = PageArgs::parse(first, after, last, before)?;
        Ok(subject_list::<comment::Entity, _>(
            ctx,
            subject_id.as_ref(),
            args,
            (comment::Column::SubjectType, comment::Column::SubjectId),
            Comment,
        )
        .await?)
    }

    /// Attachments, oldest first: on one record (`subjectId`), or on every record the caller may
    /// read. An unknown or unreadable record gives an empty list.
    #[graphql(complexity = "page_complexity(first, last, child_complexity)")]
    async fn attachments(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only the files attached to this record.")] subject_id: Option<ID>,
        #[graphql(desc = "Page size from the start (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
    ) -> GqlResult<Page<Attachment>> {
        let args = PageArgs::parse(first, after, last, before)?;
        Ok(subject_list::<attachment::Entity, _>(
            ctx,
            subject_id.as_ref(),
            args,
            (
                attachment::Column::SubjectType,
                attachment::Column::SubjectId,
            ),
            Attachment,
        )
        .await?)
    }
}

/// Lists the comments or attachments of one record, or of every record the caller may read.
async fn subject_list<E, N>(
    ctx: &Context<'_>,
    subject_id: Option<&ID>,
    args: PageArgs,
    columns: (E::Column, E::Column),
    wrap: impl Fn(E::Model) -> N,
) -> AppResult<Page<N>>
where
    E: entity::TenantScoped,
    E::Model: Sync,
    N: async_graphql::OutputType,
{
    let session = ctx.session()?;
    let only = match subject_filter(ctx, subject_id).await? {
        Filter::Nothing => return Ok(Page::empty()),
        Filter::Subject(s) => Some(s),
        Filter::All => None,
    };
    let condition = collab::visible(&session.principal, columns.0, columns.1, only);
    list::<E, _>(ctx, session, args, |q| q.filter(condition.clone()), wrap).await
}

enum Filter {
    All,
    Subject((&'static str, Uuid)),
    Nothing,
}

async fn subject_filter(ctx: &Context<'_>, id: Option<&ID>) -> AppResult<Filter> {
    let Some(id) = id else { return Ok(Filter::All) };
    let session = ctx.session()?;
    let principal = &session.principal;
    let found = session
        .db
        .read(async |tx| {
            collab::subject(tx, principal, id)
                .await
                .map_err(crate::graphql::core::db_err)
        })
        .await?;
    Ok(found.map_or(Filter::Nothing, Filter::Subject))
}

/// Which record and which tag.
#[derive(InputObject)]
pub struct TaggingInput {
    /// The record (any type that carries tags).
    pub subject_id: ID,
    /// The tag.
    pub tag_id: ID,
}

/// The result of tagging or untagging a record.
#[derive(SimpleObject)]
pub struct TaggingPayload {
    /// The record, with its tags as they are now; `null` when the input had problems.
    pub subject: Option<Node>,
    /// Problems with the input; empty when it was done.
    pub errors: crate::graphql::list::List<CollabError>,
}

/// A new comment.
#[derive(InputObject)]
pub struct AddCommentInput {
    /// The record to comment on.
    pub subject_id: ID,
    /// The text, at most 10000 characters.
    pub body: String,
}

/// A changed comment.
#[derive(InputObject)]
pub struct EditCommentInput {
    /// The comment.
    pub id: ID,
    /// The `version` the edit was made against; a stale one fails with `CONFLICT`.
    pub expected_version: i32,
    /// The new text.
    pub body: String,
}

/// Which comment or attachment to delete.
#[derive(InputObject)]
pub struct DeleteInput {
    /// Its global id.
    pub id: ID,
}

/// The result of adding or editing a comment.
#[derive(SimpleObject)]
pub struct CommentPayload {
    /// The comment as saved; `null` when the input had problems.
    pub comment: Option<Comment>,
    /// Problems with the input; empty when it was saved.
    pub errors: crate::graphql::list::List<CollabError>,
}

/// The result of deleting a comment or attachment.
#[derive(SimpleObject)]
pub struct DeletePayload {
    /// The id of what was deleted; `null` when it was not.
    pub deleted_id: Option<ID>,
    /// Problems with the input; empty when it was deleted.
    pub errors: crate::graphql::list::List<CollabError>,
}

/// The mutations of tags, comments and attachments.
#[derive(Default)]
pub struct CollabMutation;

#[Object]
impl CollabMutation {
    /// Puts a tag on a record the caller may read.
    async fn add_tag(&self, ctx: &Context<'_>, input: TaggingInput) -> GqlResult<TaggingPayload> {
        let session = ctx.session()?;
        let tx = session.begin_write(ctx).await?;
        let out =
            collab::add_tag(&tx, &session.principal, &input.subject_id, &input.tag_id).await?;
        tagging_payload(ctx, tx, out, &input.subject_id).await
    }

    /// Takes a tag off a record the caller may read.
    async fn remove_tag(
        &self,
        ctx: &Context<'_>,
        input: TaggingInput,
    ) -> GqlResult<TaggingPayload> {
        let session = ctx.session()?;
        let tx = session.begin_write(ctx).await?;
        let out =
            collab::remove_tag(&tx, &session.principal, &input.subject_id, &input.tag_id).await?;
        tagging_payload(ctx, tx, out, &input.subject_id).await
    }

    /// Comments on a record the caller may read.
    async fn add_comment(
        &self,
        ctx: &Context<'_>,
        input: AddCommentInput,
    ) -> GqlResult<CommentPayload> {
        let session = ctx.session()?;
        let tx = session.begin_write(ctx).await?;
        let out =
            collab::add_comment(&tx, &session.principal, &input.subject_id, &input.body).await?;
        let (comment, errors) = crate::graphql::core::settle(tx, out).await?;
        Ok(CommentPayload {
            comment: comment.map(Comment),
            errors: List(errors),
        })
    }

    /// Edits one's own comment (a tenant administrator may edit any).
    async fn edit_comment(
        &self,
        ctx: &Context<'_>,
        input: EditCommentInput,
    ) -> GqlResult<CommentPayload> {
        let session = ctx.session()?;
        let tx = session.begin_write(ctx).await?;
        let out = collab::edit_comment(
            &tx,
            &session.principal,
            &input.id,
            input.expected_version,
            &input.body,
        )
        .await?;
        let (comment, errors) = crate::graphql::core::settle(tx, out).await?;
        Ok(CommentPayload {
            comment: comment.map(Comment),
            errors: List(errors),
        })
    }

    /// Deletes one's own comment (a tenant administrator may delete any); the audit trail keeps
    /// what it said.
    async fn delete_comment(
        &self,
        ctx: &Context<'_>,
        input: DeleteInput,
    ) -> GqlResult<DeletePayload> {
        let session = ctx.session()?;
        let tx = session.begin_write(ctx).await?;
        let out = collab::delete_comment(&tx, &session.principal, &input.id).await?;
        let (id, errors) = crate::graphql::core::settle(tx, out).await?;
        Ok(DeletePayload {
            deleted_id: id.map(GlobalId::of::<comment::Entity>),
            errors: List(errors),
        })
    }

    /// Deletes one's own attachment (a tenant administrator may delete any), content included.
    async fn delete_attachment(
        &self,
        ctx: &Context<'_>,
        input: DeleteInput,
    ) -> GqlResult<DeletePayload> {
        let session = ctx.session()?;
        let tx = session.begin_write(ctx).await?;
        let out = collab::delete_attachment(&tx, &session.principal, &input.id).await?;
        let (row, errors) = crate::graphql::core::settle(tx, out).await?;
        if let Some(row) = &row {
            // The row is gone for good; content left behind by a failed delete is unreachable.
            let storage = &ctx.data::<crate::state::AppState>()?.storage;
            if let Err(e) = storage.delete(&row.storage_key).await {
                tracing::warn!(error = ?e, "attachment content could not be removed");
            }
        }
        Ok(DeletePayload {
            deleted_id: row.map(|r| GlobalId::of::<attachment::Entity>(r.id)),
            errors: List(errors),
        })
    }
}

async fn tagging_payload(
    ctx: &Context<'_>,
    tx: entity::TenantTx,
    out: Result<Uuid, Vec<CollabError>>,
    subject: &ID,
) -> GqlResult<TaggingPayload> {
    let (done, errors) = crate::graphql::core::settle(tx, out).await?;
    let subject = match done {
        Some(_) => resolve_node(ctx, subject).await?,
        None => None,
    };
    Ok(TaggingPayload {
        subject,
        errors: List(errors),
    })
}
