//! The audit trail in the schema: auditors page through every change with filters.

use async_graphql::{Context, Enum, ID, InputObject, Json, Object};
use chrono::{DateTime, Utc};
use entity::audit::entry;
use sea_orm::{ColumnTrait, QueryFilter};

use crate::error::{AppError, GqlResult};
use crate::graphql::core::{ContextExt, GlobalId, Page, PageArgs, list, load_one, page_complexity};
use crate::permissions::Permission;

/// Who made a change.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum ActorKind {
    /// A signed-in person.
    User,
    /// A partner app with an API key.
    App,
    /// The platform itself (seeding, operator commands).
    System,
}

/// What happened to the row.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    /// The row was created.
    Create,
    /// Fields of the row changed (workflow transitions included; `verb` names them).
    Update,
    /// The row was deleted.
    Delete,
}

impl AuditAction {
    fn key(self) -> &'static str {
        match self {
            AuditAction::Create => "create",
            AuditAction::Update => "update",
            AuditAction::Delete => "delete",
        }
    }
}

/// One change to one record: append-only, written in the same transaction as the change.
/// Needs `VIEW_AUDIT_TRAIL`.
pub struct AuditEntry(pub entry::Model);

/// One change to one record, with each changed field before and after.
#[Object]
impl AuditEntry {
    /// The opaque global id.
    pub async fn id(&self) -> ID {
        GlobalId::of::<entry::Entity>(self.0.id)
    }
    /// When the change was committed.
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }
    /// Who made it.
    async fn actor_kind(&self) -> ActorKind {
        match self.0.actor_kind.as_str() {
            "user" => ActorKind::User,
            "app" => ActorKind::App,
            _ => ActorKind::System,
        }
    }
    /// The user's or app's global id; `null` for the system.
    async fn actor_id(&self) -> Option<ID> {
        let ty = if self.0.actor_kind == "app" {
            "App"
        } else {
            "User"
        };
        self.0.actor_id.map(|id| GlobalId::encode(ty, id))
    }
    /// The request that made the change (it is also on the server's log lines).
    async fn request_id(&self) -> Option<&str> {
        self.0.request_id.as_deref()
    }
    /// The mutation or command that made the change, e.g. `updateTenantSettings`.
    async fn operation(&self) -> Option<&str> {
        self.0.operation.as_deref()
    }
    /// The type of the changed record, e.g. `Employee`.
    async fn entity_type(&self) -> &str {
        &self.0.entity_type
    }
    /// The changed record's global id.
    async fn entity_id(&self) -> Option<ID> {
        self.0
            .entity_id
            .map(|id| GlobalId::encode(&self.0.entity_type, id))
    }
    /// What happened.
    async fn action(&self) -> AuditAction {
        match self.0.action.as_str() {
            "create" => AuditAction::Create,
            "delete" => AuditAction::Delete,
            _ => AuditAction::Update,
        }
    }
    /// The change as recorded: `create`, `update`, `delete`, or a workflow transition's verb
    /// (`submitted`, `approved`, `rejected`, `cancelled`, ...), which is also the domain event's.
    async fn verb(&self) -> &str {
        &self.0.action
    }
    /// Each changed field: `{"field": {"before": .., "after": ..}}` (field names as stored).
    /// Bookkeeping fields and hashes of secrets are left out.
    async fn changes(&self) -> Json<serde_json::Value> {
        Json(self.0.changes.clone())
    }
}

/// Narrows the audit trail; all given conditions must hold.
#[derive(InputObject, Default)]
pub struct AuditTrailFilter {
    /// Only changes to records of this type, e.g. `Employee`.
    pub entity_type: Option<String>,
    /// Only changes to this record (its global id).
    pub entity_id: Option<ID>,
    /// Only changes by this user or app (its global id).
    pub actor_id: Option<ID>,
    /// Only changes made by this mutation, e.g. `updateTenantSettings`.
    pub operation: Option<String>,
    /// Only this kind of change.
    pub action: Option<AuditAction>,
    /// Only changes at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Only changes before this instant.
    pub to: Option<DateTime<Utc>>,
}

/// The audit queries.
#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// Every change in the tenant, oldest first (page from the newest with `last`). Needs
    /// `VIEW_AUDIT_TRAIL`.
    #[graphql(complexity = "page_complexity(first, last, child_complexity)")]
    async fn audit_trail(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Conditions every returned entry meets.")] filter: Option<
            AuditTrailFilter,
        >,
        #[graphql(desc = "Page size from the start (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
    ) -> GqlResult<Page<AuditEntry>> {
        let session = ctx.authorize(Permission::ViewAuditTrail)?;
        let args = PageArgs::parse(first, after, last, before)?;
        let f = filter.unwrap_or_default();
        let decode = |id: &Option<ID>| -> Result<Option<uuid::Uuid>, AppError> {
            match id {
                None => Ok(None),
                Some(id) => GlobalId::decode(id)
                    .map(|(_, u)| Some(u))
                    .ok_or_else(|| AppError::BadRequest("malformed id in the filter".into())),
            }
        };
        let (entity_id, actor_id) = (decode(&f.entity_id)?, decode(&f.actor_id)?);
        let refine = move |mut q: sea_orm::Select<entry::Entity>| {
            if let Some(v) = &f.entity_type {
                q = q.filter(entry::Column::EntityType.eq(v.clone()));
            }
            if let Some(v) = entity_id {
                q = q.filter(entry::Column::EntityId.eq(v));
            }
            if let Some(v) = actor_id {
                q = q.filter(entry::Column::ActorId.eq(v));
            }
            if let Some(v) = &f.operation {
                q = q.filter(entry::Column::Operation.eq(v.clone()));
            }
            if let Some(v) = f.action {
                // Transitions are updates with a verb of their own.
                q = match v {
                    AuditAction::Update => {
                        q.filter(entry::Column::Action.is_not_in(["create", "delete"]))
                    }
                    other => q.filter(entry::Column::Action.eq(other.key())),
                };
            }
            if let Some(v) = f.from {
                q = q.filter(entry::Column::OccurredAt.gte(v));
            }
            if let Some(v) = f.to {
                q = q.filter(entry::Column::OccurredAt.lt(v));
            }
            q
        };
        Ok(list::<entry::Entity, _>(ctx, session, args, refine, AuditEntry).await?)
    }
}

/// Loads an audit entry through the request's loader (for `node`).
pub async fn audit_entry_node(
    ctx: &Context<'_>,
    id: uuid::Uuid,
) -> Result<Option<AuditEntry>, AppError> {
    ctx.authorize(Permission::ViewAuditTrail)?;
    Ok(load_one::<entry::Entity>(ctx, Some(id))
        .await?
        .map(AuditEntry))
}

/// One read of a sensitive personal field. Needs `VIEW_PERSONAL_DATA_ACCESS_LOG`.
pub struct PersonalDataAccess(pub entity::audit::personal_data_access::Model);

/// One read of a sensitive personal field: who read whose what, when, and whether it was their
/// own. The value itself is never logged.
#[Object]
impl PersonalDataAccess {
    /// The opaque global id.
    pub async fn id(&self) -> ID {
        GlobalId::of::<entity::audit::personal_data_access::Entity>(self.0.id)
    }
    /// When the field was read.
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }
    /// Who read it.
    async fn actor_kind(&self) -> ActorKind {
        if self.0.actor_kind == "app" {
            ActorKind::App
        } else {
            ActorKind::User
        }
    }
    /// The user's or app's global id.
    async fn actor_id(&self) -> ID {
        GlobalId::encode(
            if self.0.actor_kind == "app" {
                "App"
            } else {
                "User"
            },
            self.0.actor_id,
        )
    }
    /// The request that read it.
    async fn request_id(&self) -> Option<&str> {
        self.0.request_id.as_deref()
    }
    /// The global id of the person's record.
    async fn subject_id(&self) -> ID {
        GlobalId::encode(&self.0.subject_type, self.0.subject_id)
    }
    /// The field read, e.g. `nationalIdNumber`.
    async fn field(&self) -> &str {
        &self.0.field
    }
    /// Whether the person read their own data.
    async fn self_access(&self) -> bool {
        self.0.self_access
    }
}

/// Narrows the personal-data access log; all given conditions must hold.
#[derive(InputObject, Default)]
pub struct PersonalDataAccessFilter {
    /// Only reads of this person's record (its global id).
    pub subject_id: Option<ID>,
    /// Only reads by this user or app (its global id).
    pub actor_id: Option<ID>,
    /// Only reads of this field, e.g. `bankAccount`.
    pub field: Option<String>,
    /// Only reads at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Only reads before this instant.
    pub to: Option<DateTime<Utc>>,
}

/// The personal-data access log query.
#[derive(Default)]
pub struct PersonalDataQuery;

#[Object]
impl PersonalDataQuery {
    /// Every read of a sensitive personal field, oldest first (page from the newest with
    /// `last`). Needs `VIEW_PERSONAL_DATA_ACCESS_LOG`.
    #[graphql(complexity = "page_complexity(first, last, child_complexity)")]
    async fn personal_data_access_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Conditions every returned entry meets.")] filter: Option<
            PersonalDataAccessFilter,
        >,
        #[graphql(desc = "Page size from the start (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
    ) -> GqlResult<Page<PersonalDataAccess>> {
        use entity::audit::personal_data_access as log;
        let session = ctx.authorize(Permission::ViewPersonalDataAccessLog)?;
        let args = PageArgs::parse(first, after, last, before)?;
        let f = filter.unwrap_or_default();
        let decode = |id: &Option<ID>| -> Result<Option<uuid::Uuid>, AppError> {
            match id {
                None => Ok(None),
                Some(id) => GlobalId::decode(id)
                    .map(|(_, u)| Some(u))
                    .ok_or_else(|| AppError::BadRequest("malformed id in the filter".into())),
            }
        };
        let (subject, actor) = (decode(&f.subject_id)?, decode(&f.actor_id)?);
        let refine = move |mut q: sea_orm::Select<log::Entity>| {
            if let Some(v) = subject {
                q = q.filter(log::Column::SubjectId.eq(v));
            }
            if let Some(v) = actor {
                q = q.filter(log::Column::ActorId.eq(v));
            }
            if let Some(v) = &f.field {
                q = q.filter(log::Column::Field.eq(v.clone()));
            }
            if let Some(v) = f.from {
                q = q.filter(log::Column::OccurredAt.gte(v));
            }
            if let Some(v) = f.to {
                q = q.filter(log::Column::OccurredAt.lt(v));
            }
            q
        };
        Ok(list::<log::Entity, _>(ctx, session, args, refine, PersonalDataAccess).await?)
    }
}

/// Loads an access-log entry through the request's loader (for `node`).
pub async fn personal_data_access_node(
    ctx: &Context<'_>,
    id: uuid::Uuid,
) -> Result<Option<PersonalDataAccess>, AppError> {
    ctx.authorize(Permission::ViewPersonalDataAccessLog)?;
    Ok(
        load_one::<entity::audit::personal_data_access::Entity>(ctx, Some(id))
            .await?
            .map(PersonalDataAccess),
    )
}
