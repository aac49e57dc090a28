//! Tags, comments and attachments on any record: the rules.
//!
//! A subject is a row of any plain resource type (units, employees, parties, and every domain
//! entity built on the shared data layer). Whoever may read the subject may tag it, comment on
//! it and attach files to it; only the author of a comment or attachment (or a tenant
//! administrator) may change or remove it.

use async_graphql::{Enum, ID};
use entity::TenantTx;
use entity::org::{attachment, comment, tag, tagging};
use sea_orm::{ActiveValue::Set, ColumnTrait, IntoActiveModel, QueryFilter, sea_query::Condition};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::auth::{Permission, Principal};
use crate::error::{AppError, AppResult, InputError};
use crate::graphql::core::{GlobalId, subject_exists, subject_view_permission};
use crate::graphql::resource::stamp_new;

/// What can be wrong with a tag, comment or attachment.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum CollabErrorCode {
    /// A required field is missing or blank.
    Required,
    /// A value is malformed.
    Invalid,
    /// A text is too long.
    TooLong,
    /// The record or tag does not exist, or the caller may not see it.
    NotFound,
    /// The record already carries the tag.
    Duplicate,
    /// Only the author (or a tenant administrator) may do this.
    NotAuthor,
    /// The file is larger than allowed.
    TooLarge,
    /// The file's type is not accepted, or its content does not match its type.
    UnsupportedType,
}

/// A problem with a collaboration input.
pub type CollabError = InputError<CollabErrorCode>;

fn err(path: &str, code: CollabErrorCode, message: &str) -> Vec<CollabError> {
    vec![InputError::new(path, code, message)]
}

/// The record a global id names, when it can carry tags, comments and attachments, exists in
/// the tenant, and the principal may read it.
pub async fn subject(
    tx: &TenantTx,
    principal: &Principal,
    id: &ID,
) -> AppResult<Option<(&'static str, Uuid)>> {
    let Some((ty, uuid)) = GlobalId::decode(id) else {
        return Ok(None);
    };
    let Some((ty, permission)) = subject_view_permission(&ty) else {
        return Ok(None);
    };
    if !principal.can(permission) || !subject_exists(tx, ty, uuid).await? {
        return Ok(None);
    }
    Ok(Some((ty, uuid)))
}

/// Whether the principal may read records of a subject type (and so their tags, comments and
/// attachments).
pub fn may_read(principal: &Principal, subject_type: &str) -> bool {
    subject_view_permission(subject_type).is_some_and(|(_, p)| principal.can(p))
}

/// The subject types the principal may read, for lists across subjects.
pub fn readable_types(principal: &Principal, types: &[&'static str]) -> Vec<&'static str> {
    types
        .iter()
        .copied()
        .filter(|t| may_read(principal, t))
        .collect()
}

/// The condition "the row's subject is one the principal may read" (and, when given, is the
/// one named).
pub fn visible(
    principal: &Principal,
    type_col: impl ColumnTrait,
    id_col: impl ColumnTrait,
    only: Option<(&'static str, Uuid)>,
) -> Condition {
    match only {
        Some((ty, id)) => Condition::all().add(type_col.eq(ty)).add(id_col.eq(id)),
        None => {
            let types = readable_types(principal, &crate::graphql::core::subject_types());
            Condition::all().add(type_col.is_in(types))
        }
    }
}

/// Puts a tag on a record.
pub async fn add_tag(
    tx: &TenantTx,
    principal: &Principal,
    subject_id: &ID,
    tag_id: &ID,
) -> AppResult<Result<Uuid, Vec<CollabError>>> {
    let Some((ty, sid)) = subject(tx, principal, subject_id).await? else {
        return Ok(Err(err(
            "subjectId",
            CollabErrorCode::NotFound,
            "no such record",
        )));
    };
    let tag = match GlobalId::decode_for::<tag::Entity>(tag_id) {
        Some(t) => tx.get::<tag::Entity>(t).await?,
        None => None,
    };
    let Some(tag) = tag.filter(|t| t.archived_at.is_none()) else {
        return Ok(Err(err("tagId", CollabErrorCode::NotFound, "no such tag")));
    };
    let existing = tx
        .one(tx.select::<tagging::Entity>().refine(|q| {
            q.filter(tagging::Column::SubjectType.eq(ty))
                .filter(tagging::Column::SubjectId.eq(sid))
                .filter(tagging::Column::TagId.eq(tag.id))
        }))
        .await?;
    if existing.is_some() {
        return Ok(Err(err(
            "tagId",
            CollabErrorCode::Duplicate,
            "the record already has this tag",
        )));
    }
    let mut am = tagging::ActiveModel {
        tag_id: Set(tag.id),
        subject_type: Set(ty.to_owned()),
        subject_id: Set(sid),
        archived_at: Set(None),
        ..Default::default()
    };
    stamp_new::<tagging::Entity>(&mut am, Some(principal.actor_id))?;
    tx.insert(am).await?;
    Ok(Ok(sid))
}

/// Takes a tag off a record.
pub async fn remove_tag(
    tx: &TenantTx,
    principal: &Principal,
    subject_id: &ID,
    tag_id: &ID,
) -> AppResult<Result<Uuid, Vec<CollabError>>> {
    let Some((ty, sid)) = subject(tx, principal, subject_id).await? else {
        return Ok(Err(err(
            "subjectId",
            CollabErrorCode::NotFound,
            "no such record",
        )));
    };
    let Some(tag) = GlobalId::decode_for::<tag::Entity>(tag_id) else {
        return Ok(Err(err("tagId", CollabErrorCode::NotFound, "no such tag")));
    };
    let gone = tx
        .delete_where::<tagging::Entity>(
            Condition::all()
                .add(tagging::Column::SubjectType.eq(ty))
                .add(tagging::Column::SubjectId.eq(sid))
                .add(tagging::Column::TagId.eq(tag)),
        )
        .await?;
    if gone == 0 {
        return Ok(Err(err(
            "tagId",
            CollabErrorCode::NotFound,
            "the record does not have this tag",
        )));
    }
    Ok(Ok(sid))
}

/// The longest comment, in characters.
pub const MAX_COMMENT: usize = 10_000;

fn comment_body(body: &str) -> Result<String, Vec<CollabError>> {
    let body = body.trim();
    if body.is_empty() {
        return Err(err("body", CollabErrorCode::Required, "must not be blank"));
    }
    if body.chars().count() > MAX_COMMENT {
        return Err(err(
            "body",
            CollabErrorCode::TooLong,
            "at most 10000 characters",
        ));
    }
    Ok(body.to_owned())
}

/// Adds a comment to a record.
pub async fn add_comment(
    tx: &TenantTx,
    principal: &Principal,
    subject_id: &ID,
    body: &str,
) -> AppResult<Result<comment::Model, Vec<CollabError>>> {
    let Some((ty, sid)) = subject(tx, principal, subject_id).await? else {
        return Ok(Err(err(
            "subjectId",
            CollabErrorCode::NotFound,
            "no such record",
        )));
    };
    let body = match comment_body(body) {
        Ok(b) => b,
        Err(e) => return Ok(Err(e)),
    };
    let mut am = comment::ActiveModel {
        subject_type: Set(ty.to_owned()),
        subject_id: Set(sid),
        body: Set(body),
        archived_at: Set(None),
        ..Default::default()
    };
    stamp_new::<comment::Entity>(&mut am, Some(principal.actor_id))?;
    Ok(Ok(tx.insert(am).await?))
}

/// Loads a comment or attachment the principal may change: it must exist, its subject must be
/// readable, and the principal must be its author or a tenant administrator.
async fn own<E>(
    tx: &TenantTx,
    principal: &Principal,
    id: &ID,
    subject_of: impl Fn(&E::Model) -> (String, Option<Uuid>),
) -> AppResult<Result<E::Model, Vec<CollabError>>>
where
    E: entity::TenantScoped,
{
    let row = match GlobalId::decode_for::<E>(id) {
        Some(uuid) => tx.get_for_update::<E>(uuid).await?,
        None => None,
    };
    let Some(row) = row else {
        return Err(AppError::NotFound(E::TYPE_NAME));
    };
    let (ty, author) = subject_of(&row);
    if !may_read(principal, &ty) {
        return Err(AppError::NotFound(E::TYPE_NAME));
    }
    if author != Some(principal.actor_id) && !principal.can(Permission::ManageTenant) {
        return Ok(Err(err(
            "id",
            CollabErrorCode::NotAuthor,
            "only its author or a tenant administrator may change it",
        )));
    }
    Ok(Ok(row))
}

/// Edits a comment at the version it was read at.
pub async fn edit_comment(
    tx: &TenantTx,
    principal: &Principal,
    id: &ID,
    expected_version: i32,
    body: &str,
) -> AppResult<Result<comment::Model, Vec<CollabError>>> {
    let row = match own::<comment::Entity>(tx, principal, id, |c| {
        (c.subject_type.clone(), c.created_by)
    })
    .await?
    {
        Ok(r) => r,
        Err(e) => return Ok(Err(e)),
    };
    if row.version != expected_version {
        return Err(AppError::Conflict(format!(
            "the comment is at version {}, not {expected_version}; reload and retry",
            row.version
        )));
    }
    let body = match comment_body(body) {
        Ok(b) => b,
        Err(e) => return Ok(Err(e)),
    };
    let version = row.version;
    let mut am = row.into_active_model();
    am.body = Set(body);
    crate::services::stamp(
        &mut am.version,
        &mut am.updated_at,
        &mut am.updated_by,
        version,
        principal.actor_id,
    );
    Ok(Ok(tx.update(am).await?))
}

/// Deletes a comment (the audit trail keeps what it said).
pub async fn delete_comment(
    tx: &TenantTx,
    principal: &Principal,
    id: &ID,
) -> AppResult<Result<Uuid, Vec<CollabError>>> {
    let row = match own::<comment::Entity>(tx, principal, id, |c| {
        (c.subject_type.clone(), c.created_by)
    })
    .await?
    {
        Ok(r) => r,
        Err(e) => return Ok(Err(e)),
    };
    tx.delete_where::<comment::Entity>(Condition::all().add(comment::Column::Id.eq(row.id)))
        .await?;
    Ok(Ok(row.id))
}

/// A file to attach.
pub struct Upload<'a> {
    /// The record to attach it to.
    pub subject_id: &'a ID,
    /// The file's name as the user knows it.
    pub file_name: &'a str,
    /// Its declared content type.
    pub content_type: &'a str,
    /// The bytes.
    pub content: &'a [u8],
}

/// Checks an upload and records its row; the caller stores the content under the returned
/// row's `storage_key` before committing.
pub async fn add_attachment(
    tx: &TenantTx,
    principal: &Principal,
    storage: &crate::storage::Storage,
    upload: Upload<'_>,
) -> AppResult<Result<attachment::Model, Vec<CollabError>>> {
    let Some((ty, sid)) = subject(tx, principal, upload.subject_id).await? else {
        return Ok(Err(err(
            "subjectId",
            CollabErrorCode::NotFound,
            "no such record",
        )));
    };
    let name = upload.file_name.trim();
    if name.is_empty() {
        return Ok(Err(err(
            "fileName",
            CollabErrorCode::Required,
            "must not be blank",
        )));
    }
    if name.chars().count() > 255 || name.contains(['/', '\\', '\0']) {
        return Ok(Err(err(
            "fileName",
            CollabErrorCode::Invalid,
            "at most 255 characters, without path separators",
        )));
    }
    let content_type = upload
        .content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_lowercase();
    if !storage.allowed_types.contains(&content_type) {
        return Ok(Err(err(
            "contentType",
            CollabErrorCode::UnsupportedType,
            "this type of file is not accepted",
        )));
    }
    if upload.content.is_empty() {
        return Ok(Err(err(
            "content",
            CollabErrorCode::Required,
            "the file is empty",
        )));
    }
    if upload.content.len() > storage.max_file_bytes {
        return Ok(Err(err(
            "content",
            CollabErrorCode::TooLarge,
            &format!("at most {} bytes", storage.max_file_bytes),
        )));
    }
    if !crate::storage::content_matches(&content_type, upload.content) {
        return Ok(Err(err(
            "content",
            CollabErrorCode::UnsupportedType,
            "the content does not match the declared type",
        )));
    }
    let mut am = attachment::ActiveModel {
        subject_type: Set(ty.to_owned()),
        subject_id: Set(sid),
        file_name: Set(name.to_owned()),
        content_type: Set(content_type),
        size_bytes: Set(upload.content.len() as i64),
        sha256: Set(hex(&Sha256::digest(upload.content))),
        archived_at: Set(None),
        ..Default::default()
    };
    stamp_new::<attachment::Entity>(&mut am, Some(principal.actor_id))?;
    let sea_orm::ActiveValue::Set(id) = am.id else {
        return Err(AppError::internal(anyhow::anyhow!(
            "an attachment without an id"
        )));
    };
    am.storage_key = Set(format!("{}/{id}", tx.tenant()));
    let row = tx.insert(am).await?;
    Ok(Ok(row))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Deletes an attachment's row; the caller removes the content after the commit.
pub async fn delete_attachment(
    tx: &TenantTx,
    principal: &Principal,
    id: &ID,
) -> AppResult<Result<attachment::Model, Vec<CollabError>>> {
    let row = match own::<attachment::Entity>(tx, principal, id, |a| {
        (a.subject_type.clone(), a.created_by)
    })
    .await?
    {
        Ok(r) => r,
        Err(e) => return Ok(Err(e)),
    };
    tx.delete_where::<attachment::Entity>(Condition::all().add(attachment::Column::Id.eq(row.id)))
        .await?;
    Ok(Ok(row))
}

/// An attachment the principal may download: it exists in the tenant and its subject type is
/// readable.
pub async fn readable_attachment(
    tx: &TenantTx,
    principal: &Principal,
    id: Uuid,
) -> AppResult<Option<attachment::Model>> {
    let row = tx.get::<attachment::Entity>(id).await?;
    Ok(row.filter(|a| may_read(principal, &a.subject_type)))
}
