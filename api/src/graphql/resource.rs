//! Plain entities, written once: list and by-id queries with filters and ordering, create,
//! update, archive and restore mutations with field-level validation and optimistic
//! concurrency, and bulk create and update with an error policy.
//!
//! An entity opts in by implementing [`Resource`] (how it is read) and [`Editable`] (how its
//! input becomes a row: the only code that is really the entity's own), and by naming its
//! fields in one [`resource!`] invocation, which generates the GraphQL query and mutation
//! objects. Bookkeeping (`id`, `version`, `createdAt`, `createdBy`, `updatedAt`, `updatedBy`,
//! `archivedAt`) is set here, audit entries and domain events come from the seam, and node
//! types get their common fields from [`node_object!`].

use std::future::Future;
use std::str::FromStr;

use async_graphql::{Context, Enum, ID, InputObject, InputType, OutputType};
use entity::{TenantScoped, TenantTx};
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, ModelTrait,
    QueryFilter, Value,
};
use uuid::Uuid;

use crate::auth::Permission;
use crate::error::{AppError, AppResult, InputError};
use crate::graphql::core::{
    ContextExt, GlobalId, MAX_PAGE, Page, PageArgs, Session, list_sorted, load_one, model_id,
    settle,
};
use crate::graphql::listing::{Budget, FilterInput, Ordering, sort_keys};

/// The codes every domain's payload-error enum has, so the shared mutations can report
/// problems in the entity's own error type.
pub trait ErrorCodes: OutputType + Copy + Send + Sync + 'static {
    /// A required field is missing or blank.
    const REQUIRED: Self;
    /// A value is malformed or out of range.
    const INVALID: Self;
    /// A text is longer than its field allows.
    const TOO_LONG: Self;
    /// A value that must be unique in the tenant is taken.
    const DUPLICATE: Self;
    /// A referenced object does not exist in the tenant.
    const NOT_FOUND: Self;
    /// The object (or the one referenced) is archived.
    const ARCHIVED: Self;
    /// Another change won: the expected version is stale (bulk rows only; a single mutation
    /// answers `CONFLICT`).
    const CONFLICT: Self;
    /// A valid row of a bulk mutation that was not saved because another row failed under
    /// `REJECT_EVERYTHING`.
    const NOT_SAVED: Self;
}

/// Declares a domain's payload-error codes: the eight every shared mutation reports
/// ([`ErrorCodes`]) followed by the domain's own, and the `ErrorCodes` impl.
#[macro_export]
macro_rules! error_codes {
    (
        $(#[doc = $doc:literal])+
        $name:ident { $( $(#[doc = $vdoc:literal])+ $variant:ident ),* $(,)? }
    ) => {
        $(#[doc = $doc])+
        #[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq, Debug)]
        pub enum $name {
            /// A required field is missing or blank.
            Required,
            /// A value is malformed or out of range.
            Invalid,
            /// A text is longer than its field allows.
            TooLong,
            /// A value that must be unique is taken, or the same thing exists already.
            Duplicate,
            /// A referenced record does not exist.
            NotFound,
            /// The record, or one it refers to, is archived.
            Archived,
            /// Another change came first (bulk rows).
            Conflict,
            /// A valid bulk row not saved because another row failed.
            NotSaved,
            $( $(#[doc = $vdoc])+ $variant, )*
        }

        impl $crate::graphql::resource::ErrorCodes for $name {
            const REQUIRED: Self = Self::Required;
            const INVALID: Self = Self::Invalid;
            const TOO_LONG: Self = Self::TooLong;
            const DUPLICATE: Self = Self::Duplicate;
            const NOT_FOUND: Self = Self::NotFound;
            const ARCHIVED: Self = Self::Archived;
            const CONFLICT: Self = Self::Conflict;
            const NOT_SAVED: Self = Self::NotSaved;
        }
    };
}

/// The problems found in one input. Problems with an optional field can be skipped (bulk
/// `IGNORE_FAILED` saves the row without that field); problems with the row cannot.
pub struct Problems<C: OutputType> {
    list: Vec<InputError<C>>,
    blocking: bool,
}

impl<C: ErrorCodes> Default for Problems<C> {
    fn default() -> Self {
        Self {
            list: Vec::new(),
            blocking: false,
        }
    }
}

impl<C: ErrorCodes> Problems<C> {
    /// A problem that makes the row unsavable.
    pub fn row(&mut self, path: &str, code: C, message: impl Into<String>) {
        self.list.push(InputError::new(path, code, message));
        self.blocking = true;
    }

    /// A problem with an optional field: the row could be saved without it.
    pub fn field(&mut self, path: &str, code: C, message: impl Into<String>) {
        self.list.push(InputError::new(path, code, message));
    }

    /// Whether nothing is wrong.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The problems found.
    pub fn into_errors(self) -> Vec<InputError<C>> {
        self.list
    }

    /// A required text: trimmed, not blank, at most `max` characters.
    pub fn required_text(&mut self, path: &str, value: &str, max: usize) -> String {
        let value = value.trim();
        if value.is_empty() {
            self.row(path, C::REQUIRED, "must not be blank");
        } else if value.chars().count() > max {
            self.row(path, C::TOO_LONG, format!("at most {max} characters"));
        }
        value.to_owned()
    }

    /// An optional text: trimmed, blank means none, at most `max` characters.
    pub fn optional_text(&mut self, path: &str, value: Option<&str>, max: usize) -> Option<String> {
        let value = value.map(str::trim).filter(|v| !v.is_empty())?;
        if value.chars().count() > max {
            self.field(path, C::TOO_LONG, format!("at most {max} characters"));
            return None;
        }
        Some(value.to_owned())
    }

    /// An optional reference to a live row of `T` by global id: `NOT_FOUND` when it is not in
    /// the tenant, `ARCHIVED` when it is archived.
    pub async fn reference<T>(
        &mut self,
        tx: &TenantTx,
        path: &str,
        id: Option<&ID>,
    ) -> AppResult<Option<Uuid>>
    where
        T: TenantScoped,
    {
        let Some(id) = id else { return Ok(None) };
        let Some(uuid) = GlobalId::decode_for::<T>(id) else {
            self.field(path, C::NOT_FOUND, format!("no such {}", T::TYPE_NAME));
            return Ok(None);
        };
        match tx.get::<T>(uuid).await? {
            None => {
                self.field(path, C::NOT_FOUND, format!("no such {}", T::TYPE_NAME));
                Ok(None)
            }
            Some(row) if archived_at::<T>(&row).is_some() => {
                self.field(
                    path,
                    C::ARCHIVED,
                    format!("that {} is archived", T::TYPE_NAME),
                );
                Ok(None)
            }
            Some(_) => Ok(Some(uuid)),
        }
    }

    /// A patch of an optional reference: `None` leaves the field as it is (also when the new
    /// reference is not valid, so `IGNORE_FAILED` keeps the old value), `Some(None)` clears it,
    /// `Some(Some(id))` points it at a live row of `T`.
    pub async fn reference_patch<T>(
        &mut self,
        tx: &TenantTx,
        path: &str,
        patch: &async_graphql::MaybeUndefined<ID>,
    ) -> AppResult<Option<Option<Uuid>>>
    where
        T: TenantScoped,
    {
        use async_graphql::MaybeUndefined;
        Ok(match patch {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(id) => self.reference::<T>(tx, path, Some(id)).await?.map(Some),
        })
    }

    /// Refuses `value` in `column` when another row of `E` (archived ones included) has it.
    pub async fn unique<E>(
        &mut self,
        tx: &TenantTx,
        path: &str,
        column: E::Column,
        value: &str,
        except: Option<Uuid>,
    ) -> AppResult<()>
    where
        E: TenantScoped,
    {
        let mut taken = sea_orm::Condition::all().add(column.eq(value.to_owned()));
        if let Some(id) = except {
            taken = taken.add(E::id_column().ne(id));
        }
        self.taken::<E>(tx, path, taken, "already used by another record")
            .await
    }

    /// Refuses (`DUPLICATE`, with `message`) when a row of `E` (archived ones included)
    /// matches `condition`: the check behind every "one per …" rule that spans columns.
    pub async fn taken<E>(
        &mut self,
        tx: &TenantTx,
        path: &str,
        condition: sea_orm::Condition,
        message: &str,
    ) -> AppResult<()>
    where
        E: TenantScoped,
    {
        if tx
            .one(tx.select::<E>().refine(|q| q.filter(condition)))
            .await?
            .is_some()
        {
            self.row(path, C::DUPLICATE, message);
        }
        Ok(())
    }
}

/// How a list treats archived rows.
#[derive(Enum, Clone, Copy, Default, PartialEq, Eq)]
pub enum ArchiveState {
    /// Only rows in use (the default).
    #[default]
    Active,
    /// Only archived rows.
    Archived,
    /// Both.
    Any,
}

/// What a bulk mutation does with rows that fail.
#[derive(Enum, Clone, Copy, Default, PartialEq, Eq)]
pub enum ErrorPolicy {
    /// If any row fails, nothing is saved (the default).
    #[default]
    RejectEverything,
    /// Rows that fail are not saved; the others are.
    RejectFailedRows,
    /// Like `REJECT_FAILED_ROWS`, but a row whose only problems are in optional fields is
    /// saved without those fields (the problems are still reported).
    IgnoreFailed,
}

/// An update as the shared layer sees it: which object, the version the change was made
/// against, and the entity's patch. `resource!` generates the GraphQL input
/// (`UpdateOrgUnitInput`) that becomes this.
pub struct UpdateInput<P> {
    /// The object to change.
    pub id: ID,
    /// The `version` the change was made against.
    pub expected_version: i32,
    /// The fields to change.
    pub patch: P,
}

/// Which object to archive or restore, and the version the change was made against.
#[derive(InputObject)]
pub struct ArchiveInput {
    /// The object.
    pub id: ID,
    /// The `version` the change was made against; a stale one fails with `CONFLICT`.
    pub expected_version: i32,
}

/// An entity readable through the shared list and by-id queries.
pub trait Resource:
    TenantScoped<
        Model: Clone + Send + Sync + serde::Serialize + IntoActiveModel<Self::ActiveModel>,
        ActiveModel: ActiveModelTrait<Entity = Self> + ActiveModelBehavior + Send + Sync,
    > + Send
    + Sync
    + 'static
{
    /// The GraphQL object of a row.
    type Node: OutputType + Send + Sync + From<Self::Model>;
    /// The list's filter input.
    type Filter: FilterInput;
    /// One sort key of the list.
    type Order: Ordering<Entity = Self>;
    /// The permission that reads it.
    const VIEW: Permission;

    /// Checks that the caller may list and read it (by default: holds `VIEW`).
    fn authorize<'a>(ctx: &'a Context<'_>) -> AppResult<&'a crate::graphql::core::Session> {
        ctx.authorize(Self::VIEW)
    }

    /// The rows an authorized caller sees, when that is not all of the tenant's (one's own
    /// notifications, one's own requests without the view permission): a condition every list
    /// adds. Keep it in step with [`Resource::may_see`].
    fn visible(_session: &crate::graphql::core::Session) -> Option<sea_orm::Condition> {
        None
    }

    /// Whether an authorized caller sees one row (by-id reads); the row-wise twin of
    /// [`Resource::visible`].
    fn may_see(_session: &crate::graphql::core::Session, _row: &Self::Model) -> bool {
        true
    }

    /// Loads what [`Resource::visible`] and [`Resource::may_see`] need beyond the session
    /// (such as the caller's own employee record), before either is called.
    fn prepare(
        _session: &crate::graphql::core::Session,
    ) -> impl Future<Output = AppResult<()>> + Send {
        async { Ok(()) }
    }
}

/// An entity with the shared create, update, archive and restore mutations.
pub trait Editable: Resource {
    /// The create input.
    type Create: InputType + Send + Sync;
    /// The update patch.
    type Patch: InputType + Send + Sync;
    /// The domain's payload-error codes.
    type Code: ErrorCodes;
    /// The permission that changes it.
    const MANAGE: Permission;

    /// Validates a create input into a new row (the shared layer sets the id and bookkeeping).
    fn create(
        tx: &TenantTx,
        input: &Self::Create,
        problems: &mut Problems<Self::Code>,
    ) -> impl Future<Output = AppResult<Self::ActiveModel>> + Send;

    /// Validates a patch against the current row into its changes.
    fn patch(
        tx: &TenantTx,
        row: &Self::Model,
        patch: &Self::Patch,
        problems: &mut Problems<Self::Code>,
    ) -> impl Future<Output = AppResult<Self::ActiveModel>> + Send;

    /// Checks that a row may be archived (nothing live depends on it).
    fn check_archive(
        _tx: &TenantTx,
        _row: &Self::Model,
        _problems: &mut Problems<Self::Code>,
    ) -> impl Future<Output = AppResult<()>> + Send {
        async { Ok(()) }
    }

    /// Checks that an archived row may be restored (by default anyone with `MANAGE` may).
    fn check_restore(
        _tx: &TenantTx,
        _row: &Self::Model,
        _problems: &mut Problems<Self::Code>,
    ) -> impl Future<Output = AppResult<()>> + Send {
        async { Ok(()) }
    }
}

fn column<E: EntityTrait>(name: &str) -> AppResult<E::Column> {
    E::Column::from_str(name).map_err(|_| {
        AppError::internal(anyhow::anyhow!(
            "an entity lacks the bookkeeping column `{name}`"
        ))
    })
}

/// When a row was archived; `None` while it is in use.
pub fn archived_at<E: EntityTrait>(row: &E::Model) -> Option<chrono::DateTime<chrono::Utc>> {
    let col = E::Column::from_str("archived_at").ok()?;
    match row.get(col) {
        Value::ChronoDateTimeUtc(at) => at,
        _ => None,
    }
}

/// A row's optimistic-concurrency version.
pub fn version<E: EntityTrait>(row: &E::Model) -> AppResult<i32> {
    match row.get(column::<E>("version")?) {
        Value::Int(Some(v)) => Ok(v),
        _ => Err(AppError::internal(anyhow::anyhow!("row without a version"))),
    }
}

/// Sets the bookkeeping of a new row of any tenant-owned entity: id, version 1, who and when.
pub fn stamp_new<R: TenantScoped>(am: &mut R::ActiveModel, actor: Option<Uuid>) -> AppResult<()> {
    let now = chrono::Utc::now();
    am.set(R::id_column(), Uuid::now_v7().into());
    am.set(column::<R>("version")?, 1i32.into());
    am.set(column::<R>("created_at")?, now.into());
    am.set(column::<R>("updated_at")?, now.into());
    am.set(column::<R>("created_by")?, actor.into());
    am.set(column::<R>("updated_by")?, actor.into());
    Ok(())
}

/// Moves a changed row to the next version, recording who and when. The seam refuses the write
/// when the row moved on meanwhile.
fn stamp_change<R: Resource>(am: &mut R::ActiveModel, current: i32, actor: Uuid) -> AppResult<()> {
    stamp_update::<R, R::ActiveModel>(am, current, Some(actor))
}

/// Moves a changed row of any tenant-owned entity to the next version, recording who and when.
pub fn stamp_update<E, A>(am: &mut A, current: i32, actor: Option<Uuid>) -> AppResult<()>
where
    E: TenantScoped,
    A: ActiveModelTrait<Entity = E>,
{
    am.set(column::<E>("version")?, (current + 1).into());
    am.set(column::<E>("updated_at")?, chrono::Utc::now().into());
    am.set(column::<E>("updated_by")?, actor.into());
    Ok(())
}

/// The list query of a resource.
#[allow(clippy::too_many_arguments)]
pub async fn list<R: Resource>(
    ctx: &Context<'_>,
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
    filter: Option<R::Filter>,
    order_by: Option<Vec<R::Order>>,
    archived: ArchiveState,
) -> AppResult<Page<R::Node>> {
    let session = R::authorize(ctx)?;
    let args = PageArgs::parse(first, after, last, before)?;
    let keys = sort_keys(order_by.as_deref().unwrap_or_default())?;
    let condition = filter
        .map(|f| f.condition(&mut Budget::default()))
        .transpose()?;
    let archived_col = column::<R>("archived_at")?;
    R::prepare(session).await?;
    let scope = R::visible(session);
    list_sorted::<R, _>(
        ctx,
        session,
        args,
        keys,
        |q| {
            let q = match &scope {
                Some(c) => q.filter(c.clone()),
                None => q,
            };
            let q = match archived {
                ArchiveState::Active => q.filter(archived_col.is_null()),
                ArchiveState::Archived => q.filter(archived_col.is_not_null()),
                ArchiveState::Any => q,
            };
            match &condition {
                Some(c) => q.filter(c.clone()),
                None => q,
            }
        },
        R::Node::from,
    )
    .await
}

/// The by-id query of a resource (archived rows included: a link to one still resolves).
pub async fn get<R: Resource>(ctx: &Context<'_>, id: &ID) -> AppResult<Option<R::Node>> {
    let session = R::authorize(ctx)?;
    R::prepare(session).await?;
    Ok(load_one::<R>(ctx, GlobalId::decode_for::<R>(id))
        .await?
        .filter(|row| R::may_see(session, row))
        .map(R::Node::from))
}

/// A resource row as a node, for the `nodes!` entries of resources that are not subjects of
/// tags and comments (their reads have rules of their own).
pub async fn resource_node<R: Resource>(ctx: &Context<'_>, id: Uuid) -> AppResult<Option<R::Node>> {
    get::<R>(ctx, &GlobalId::of::<R>(id)).await
}

/// What a mutation of one row gives back: the row, or the problems with the input.
pub type Outcome<R> = (
    Option<<R as Resource>::Node>,
    Vec<InputError<<R as Editable>::Code>>,
);

async fn create_row<R: Editable>(
    tx: &TenantTx,
    actor: Option<Uuid>,
    input: &R::Create,
    policy: Option<ErrorPolicy>,
) -> AppResult<Result<(R::Model, Vec<InputError<R::Code>>), Vec<InputError<R::Code>>>> {
    let mut problems = Problems::default();
    let mut am = R::create(tx, input, &mut problems).await?;
    if !accepted(&problems, policy) {
        return Ok(Err(problems.into_errors()));
    }
    stamp_new::<R>(&mut am, actor)?;
    let row = tx.insert::<R, _>(am).await?;
    Ok(Ok((row, problems.into_errors())))
}

fn accepted<C: ErrorCodes>(problems: &Problems<C>, policy: Option<ErrorPolicy>) -> bool {
    problems.is_empty() || (policy == Some(ErrorPolicy::IgnoreFailed) && !problems.blocking)
}

/// Loads the row an update or archive is about, locked, at the expected version.
async fn target<R: Editable>(
    tx: &TenantTx,
    session: &Session,
    id: &ID,
    expected: i32,
) -> AppResult<R::Model> {
    let uuid = GlobalId::decode_for::<R>(id).ok_or(AppError::NotFound(R::TYPE_NAME))?;
    R::prepare(session).await?;
    // A row the caller may not see answers like a missing one (no version, no existence).
    let row = tx
        .get_for_update::<R>(uuid)
        .await?
        .filter(|row| R::may_see(session, row))
        .ok_or(AppError::NotFound(R::TYPE_NAME))?;
    if version::<R>(&row)? != expected {
        return Err(AppError::Conflict(format!(
            "the {} is at version {}, not {expected}; reload and retry",
            R::TYPE_NAME,
            version::<R>(&row)?
        )));
    }
    Ok(row)
}

async fn update_row<R: Editable>(
    tx: &TenantTx,
    session: &Session,
    input: &UpdateInput<R::Patch>,
    policy: Option<ErrorPolicy>,
) -> AppResult<Result<(R::Model, Vec<InputError<R::Code>>), Vec<InputError<R::Code>>>> {
    let actor = session.principal.actor_id;
    let row = target::<R>(tx, session, &input.id, input.expected_version).await?;
    let mut problems = Problems::default();
    if archived_at::<R>(&row).is_some() {
        problems.row(
            "id",
            R::Code::ARCHIVED,
            format!("the {} is archived; restore it first", R::TYPE_NAME),
        );
        return Ok(Err(problems.into_errors()));
    }
    let mut am = R::patch(tx, &row, &input.patch, &mut problems).await?;
    if !accepted(&problems, policy) {
        return Ok(Err(problems.into_errors()));
    }
    stamp_change::<R>(&mut am, version::<R>(&row)?, actor)?;
    let row = tx.update::<R, _>(am).await?;
    Ok(Ok((row, problems.into_errors())))
}

/// `create<Entity>`: validates and inserts one row.
pub async fn create<R: Editable>(ctx: &Context<'_>, input: R::Create) -> AppResult<Outcome<R>> {
    let session = ctx.authorize(R::MANAGE)?;
    let tx = session.begin_write(ctx).await?;
    let out = create_row::<R>(&tx, Some(session.principal.actor_id), &input, None).await?;
    let (row, errors) = settle(tx, out.map(|(row, _)| row)).await?;
    Ok((row.map(Into::into), errors))
}

/// Creates a row through its validation, as the platform (seeding, imports): problems are an
/// error here, because the caller's data is meant to be valid.
pub async fn create_valid<R: Editable>(tx: &TenantTx, input: &R::Create) -> AppResult<R::Model>
where
    R::Code: std::fmt::Debug,
{
    match create_row::<R>(tx, None, input, None).await? {
        Ok((row, _)) => Ok(row),
        Err(errors) => Err(AppError::internal(anyhow::anyhow!(
            "invalid {} for seeding: {errors:?}",
            R::TYPE_NAME
        ))),
    }
}

/// Creates a row through its validation inside a larger change (a workflow that creates a
/// record of another domain), with the problems in the caller's own codes: a code the caller's
/// type also has (by name) keeps it, other shared codes keep their meaning, and a domain's own
/// become `INVALID`, with its message. The caller must hold the record's own `MANAGE`
/// permission, as if it had created the row directly.
pub async fn create_in<R: Editable, C: ErrorCodes + InputType>(
    tx: &TenantTx,
    principal: &crate::auth::Principal,
    input: &R::Create,
) -> AppResult<Result<R::Model, Vec<InputError<C>>>>
where
    R::Code: PartialEq + InputType,
{
    principal.require(R::MANAGE)?;
    Ok(create_row::<R>(tx, Some(principal.actor_id), input, None)
        .await?
        .map(|(row, _)| row)
        .map_err(|errors| {
            errors
                .into_iter()
                .map(|e| InputError {
                    field: e.field,
                    code: recode::<R::Code, C>(e.code),
                    message: e.message,
                })
                .collect()
        }))
}

/// A code in another domain's terms: the same name when it has one, else the shared code's
/// counterpart (`INVALID` for a domain's own).
fn recode<A: ErrorCodes + PartialEq + InputType, B: ErrorCodes + InputType>(code: A) -> B {
    if let Ok(same) = B::parse(Some(code.to_value())) {
        return same;
    }
    [
        (A::REQUIRED, B::REQUIRED),
        (A::TOO_LONG, B::TOO_LONG),
        (A::DUPLICATE, B::DUPLICATE),
        (A::NOT_FOUND, B::NOT_FOUND),
        (A::ARCHIVED, B::ARCHIVED),
        (A::CONFLICT, B::CONFLICT),
        (A::NOT_SAVED, B::NOT_SAVED),
    ]
    .into_iter()
    .find(|(a, _)| *a == code)
    .map_or(B::INVALID, |(_, b)| b)
}

/// `update<Entity>`: validates and applies a patch at the expected version.
pub async fn update<R: Editable>(
    ctx: &Context<'_>,
    input: UpdateInput<R::Patch>,
) -> AppResult<Outcome<R>> {
    let session = ctx.authorize(R::MANAGE)?;
    let tx = session.begin_write(ctx).await?;
    let out = update_row::<R>(&tx, session, &input, None).await?;
    let (row, errors) = settle(tx, out.map(|(row, _)| row)).await?;
    Ok((row.map(Into::into), errors))
}

/// `archive<Entity>` and `restore<Entity>`: a soft delete and its undo.
pub async fn set_archived<R: Editable>(
    ctx: &Context<'_>,
    input: ArchiveInput,
    archive: bool,
) -> AppResult<Outcome<R>> {
    let session = ctx.authorize(R::MANAGE)?;
    let tx = session.begin_write(ctx).await?;
    let row = target::<R>(&tx, session, &input.id, input.expected_version).await?;
    let mut problems = Problems::default();
    match (archive, archived_at::<R>(&row).is_some()) {
        (true, true) => problems.row("id", R::Code::ARCHIVED, "already archived"),
        (false, false) => problems.row("id", R::Code::INVALID, "not archived"),
        (true, false) => R::check_archive(&tx, &row, &mut problems).await?,
        (false, true) => R::check_restore(&tx, &row, &mut problems).await?,
    }
    if !problems.is_empty() {
        return Ok((None, problems.into_errors()));
    }
    let mut am: R::ActiveModel = row.clone().into_active_model();
    let at = archive.then(chrono::Utc::now);
    am.set(column::<R>("archived_at")?, at.into());
    stamp_change::<R>(&mut am, version::<R>(&row)?, session.principal.actor_id)?;
    let row = tx.update::<R, _>(am).await?;
    tx.commit().await?;
    Ok((Some(row.into()), Vec::new()))
}

/// One row's result in a bulk mutation.
pub struct BulkRow<R: Editable> {
    /// The row's position in the input list, from 0.
    pub index: usize,
    /// The saved object; `null` when the row was not saved.
    pub node: Option<R::Node>,
    /// The row's problems (with `IGNORE_FAILED`, a saved row may have some).
    pub errors: Vec<InputError<R::Code>>,
}

/// What a bulk mutation gives back.
pub struct BulkOutcome<R: Editable> {
    /// One result per input row, in input order.
    pub rows: Vec<BulkRow<R>>,
    /// How many rows were saved.
    pub saved: usize,
    /// How many rows failed.
    pub failed: usize,
}

/// The rows of a bulk mutation.
enum BulkInputs<R: Editable> {
    Create(Vec<R::Create>),
    Update(Vec<UpdateInput<R::Patch>>),
}

/// Runs a bulk mutation: each row in its own savepoint inside one transaction, so a failed row
/// leaves no trace, and the policy decides whether the others are kept.
async fn bulk<R: Editable>(
    ctx: &Context<'_>,
    inputs: BulkInputs<R>,
    policy: ErrorPolicy,
) -> AppResult<BulkOutcome<R>> {
    let session = ctx.authorize(R::MANAGE)?;
    let count = match &inputs {
        BulkInputs::Create(v) => v.len(),
        BulkInputs::Update(v) => v.len(),
    };
    if count > MAX_PAGE {
        return Err(AppError::BadRequest(format!(
            "a bulk mutation takes at most {MAX_PAGE} rows"
        )));
    }
    let actor = session.principal.actor_id;
    let tx = session.begin_write(ctx).await?;
    let mut rows = Vec::with_capacity(count);
    for index in 0..count {
        let savepoint = tx.savepoint().await?;
        let outcome = match &inputs {
            BulkInputs::Create(v) => {
                create_row::<R>(&savepoint, Some(actor), &v[index], Some(policy)).await
            }
            BulkInputs::Update(v) => {
                update_row::<R>(&savepoint, session, &v[index], Some(policy)).await
            }
        };
        let result = match outcome {
            Ok(r) => r,
            // A vanished or concurrently changed row fails alone; anything else fails the call.
            Err(AppError::NotFound(what)) => Err(vec![InputError::new(
                "id",
                R::Code::NOT_FOUND,
                format!("no such {what}"),
            )]),
            Err(AppError::Conflict(message)) => Err(vec![InputError::new(
                "expectedVersion",
                R::Code::CONFLICT,
                message,
            )]),
            Err(e) => return Err(e),
        };
        match result {
            Ok((row, errors)) => {
                savepoint.commit().await?;
                rows.push(BulkRow {
                    index,
                    node: Some(row.into()),
                    errors,
                });
            }
            Err(errors) => {
                savepoint.rollback().await?;
                rows.push(BulkRow {
                    index,
                    node: None,
                    errors,
                });
            }
        }
    }
    let failed = rows.iter().filter(|r| r.node.is_none()).count();
    if failed > 0 && policy == ErrorPolicy::RejectEverything {
        tx.rollback().await?;
        for row in rows.iter_mut().filter(|r| r.node.is_some()) {
            row.node = None;
            row.errors.push(InputError::new(
                "",
                R::Code::NOT_SAVED,
                "not saved: another row failed and the error policy is REJECT_EVERYTHING",
            ));
        }
        return Ok(BulkOutcome {
            rows,
            saved: 0,
            failed,
        });
    }
    tx.commit().await?;
    let saved = rows.len() - failed;
    Ok(BulkOutcome {
        rows,
        saved,
        failed,
    })
}

/// `bulkCreate<Entities>`.
pub async fn bulk_create<R: Editable>(
    ctx: &Context<'_>,
    inputs: Vec<R::Create>,
    policy: ErrorPolicy,
) -> AppResult<BulkOutcome<R>> {
    bulk::<R>(ctx, BulkInputs::Create(inputs), policy).await
}

/// `bulkUpdate<Entities>`.
pub async fn bulk_update<R: Editable>(
    ctx: &Context<'_>,
    inputs: Vec<UpdateInput<R::Patch>>,
    policy: ErrorPolicy,
) -> AppResult<BulkOutcome<R>> {
    bulk::<R>(ctx, BulkInputs::Update(inputs), policy).await
}

/// The global id of a row, for node types.
pub fn node_id<R: TenantScoped>(row: &R::Model) -> ID {
    GlobalId::of::<R>(model_id::<R>(row).unwrap_or_default())
}

/// Declares a node type over an entity's model, with the fields every record has (`id`,
/// `version`, `createdAt`, `createdBy`, `updatedAt`, `updatedBy`, `archivedAt`) followed by
/// the entity's own resolvers.
#[macro_export]
macro_rules! node_object {
    (
        $(#[doc = $doc:literal])+
        $name:ident($module:ident) { $($body:tt)* }
    ) => {
        $(#[doc = $doc])+
        #[derive(Clone)]
        pub struct $name(pub $module::Model);

        impl From<$module::Model> for $name {
            fn from(m: $module::Model) -> Self {
                Self(m)
            }
        }

        $(#[doc = $doc])+
        #[async_graphql::Object]
        impl $name {
            /// The opaque global id.
            pub async fn id(&self) -> async_graphql::ID {
                $crate::graphql::resource::node_id::<$module::Entity>(&self.0)
            }
            /// Optimistic-concurrency version: 1 at creation, incremented by every change. Pass
            /// it as `expectedVersion` when changing the record.
            async fn version(&self) -> i32 {
                self.0.version
            }
            /// When the record was created.
            async fn created_at(&self) -> chrono::DateTime<chrono::Utc> {
                self.0.created_at
            }
            /// The user or app that created the record (its id); `null` when the platform did.
            async fn created_by(&self) -> Option<uuid::Uuid> {
                self.0.created_by
            }
            /// When the record last changed.
            async fn updated_at(&self) -> chrono::DateTime<chrono::Utc> {
                self.0.updated_at
            }
            /// The user or app that last changed the record (its id); `null` when the platform
            /// did.
            async fn updated_by(&self) -> Option<uuid::Uuid> {
                self.0.updated_by
            }
            /// When the record was archived; `null` while it is in use.
            async fn archived_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
                self.0.archived_at
            }
            /// The tags on the record, by name.
            async fn tags(
                &self,
                ctx: &async_graphql::Context<'_>,
            ) -> $crate::error::GqlResult<Vec<$crate::graphql::org::Tag>> {
                Ok($crate::graphql::collab::tags_of(ctx, self.0.id).await?)
            }
            $($body)*
        }
    };
}

/// Generates the GraphQL queries and mutations of an [`Editable`] resource:
///
/// ```ignore
/// resource! {
///     entity: org_unit::Entity, node: OrgUnit, one: org_unit, many: org_units,
///     what: "organisation unit", view: ViewOrganisation, manage: ManageOrganisation,
///     query: OrgUnitQuery, mutation: OrgUnitMutation,
/// }
/// ```
///
/// gives `orgUnits(first, after, last, before, filter, orderBy, archived)`, `orgUnit(id)`,
/// `createOrgUnit`, `updateOrgUnit`, `archiveOrgUnit`, `restoreOrgUnit`,
/// `bulkCreateOrgUnits` and `bulkUpdateOrgUnits`, with `OrgUnitPayload`,
/// `OrgUnitBulkPayload` and `OrgUnitBulkResult`.
#[macro_export]
macro_rules! resource {
    (
        entity: $entity:ty, node: $node:ident, one: $one:ident, many: $many:ident,
        what: $what:literal, view: $view:ident, manage: $manage:ident,
        query: $query:ident, mutation: $mutation:ident $(,)?
    ) => {
        // The permissions named for the descriptions are the ones the resource checks.
        const _: () = assert!(matches!(
            <$entity as $crate::graphql::resource::Resource>::VIEW,
            $crate::auth::Permission::$view
        ));
        const _: () = assert!(matches!(
            <$entity as $crate::graphql::resource::Editable>::MANAGE,
            $crate::auth::Permission::$manage
        ));
        paste::paste! {
            $crate::list_query! {
                entity: $entity, node: $node, many: $many, what: $what,
                needs: ["`" $view:snake:upper "`"], query: [<$node ListQuery>],
            }

            #[doc = "The by-id query of " $what " records."]
            #[derive(Default)]
            pub struct [<$node OneQuery>];

            #[doc = "The by-id query of " $what " records."]
            #[async_graphql::Object]
            impl [<$node OneQuery>] {
                #[doc = "One " $what " by global id (archived ones included); `null` when unknown. Needs `" $view:snake:upper "`."]
                async fn $one(
                    &self,
                    ctx: &async_graphql::Context<'_>,
                    #[graphql(desc = "The global id.")] id: async_graphql::ID,
                ) -> $crate::error::GqlResult<Option<$node>> {
                    Ok($crate::graphql::resource::get::<$entity>(ctx, &id).await?)
                }
            }

            #[doc = "The queries of " $what " records."]
            #[derive(async_graphql::MergedObject, Default)]
            pub struct $query([<$node ListQuery>], [<$node OneQuery>]);

            #[doc = "Which " $what " to change, the version the change was made against, and the changes."]
            #[derive(async_graphql::InputObject)]
            pub struct [<Update $node Input>] {
                /// The object to change.
                pub id: async_graphql::ID,
                /// The `version` the change was made against; a stale one fails with `CONFLICT`.
                pub expected_version: i32,
                /// The fields to change; fields left out keep their value.
                pub patch: <$entity as $crate::graphql::resource::Editable>::Patch,
            }

            impl From<[<Update $node Input>]> for $crate::graphql::resource::UpdateInput<<$entity as $crate::graphql::resource::Editable>::Patch> {
                fn from(i: [<Update $node Input>]) -> Self {
                    Self { id: i.id, expected_version: i.expected_version, patch: i.patch }
                }
            }

            #[doc = "The result of a mutation of one " $what "."]
            #[derive(async_graphql::SimpleObject)]
            pub struct [<$node Payload>] {
                #[doc = "The " $what " as saved; `null` when the input had problems."]
                pub $one: Option<$node>,
                /// Problems with the input; empty when it was saved.
                pub errors: $crate::graphql::list::List<$crate::error::InputError<<$entity as $crate::graphql::resource::Editable>::Code>>,
            }

            #[doc = "One row's result in a bulk mutation of " $what " records."]
            #[derive(async_graphql::SimpleObject)]
            pub struct [<$node BulkResult>] {
                /// The row's position in the input list, from 0.
                pub index: i32,
                #[doc = "The " $what " as saved; `null` when the row was not saved."]
                pub $one: Option<$node>,
                /// The row's problems (a row saved under `IGNORE_FAILED` may have some).
                pub errors: $crate::graphql::list::List<$crate::error::InputError<<$entity as $crate::graphql::resource::Editable>::Code>>,
            }

            #[doc = "The result of a bulk mutation of " $what " records."]
            #[derive(async_graphql::SimpleObject)]
            pub struct [<$node BulkPayload>] {
                /// One result per input row, in input order.
                pub results: $crate::graphql::list::List<[<$node BulkResult>]>,
                /// How many rows were saved.
                pub saved_count: i32,
                /// How many rows failed.
                pub failed_count: i32,
            }

            impl From<$crate::graphql::resource::BulkOutcome<$entity>> for [<$node BulkPayload>] {
                fn from(o: $crate::graphql::resource::BulkOutcome<$entity>) -> Self {
                    Self {
                        saved_count: o.saved as i32,
                        failed_count: o.failed as i32,
                        results: o.rows.into_iter().map(|r| [<$node BulkResult>] {
                            index: r.index as i32,
                            $one: r.node,
                            errors: $crate::graphql::list::List(r.errors),
                        }).collect(),
                    }
                }
            }

            #[doc = "The mutations of " $what " records."]
            #[derive(Default)]
            pub struct $mutation;

            #[doc = "The mutations of " $what " records."]
            #[async_graphql::Object]
            impl $mutation {
                #[doc = "Creates one " $what " record. Needs `" $manage:snake:upper "`."]
                async fn [<create_ $one>](
                    &self,
                    ctx: &async_graphql::Context<'_>,
                    #[graphql(desc = "The new record.")] input: <$entity as $crate::graphql::resource::Editable>::Create,
                ) -> $crate::error::GqlResult<[<$node Payload>]> {
                    let ($one, errors) = $crate::graphql::resource::create::<$entity>(ctx, input).await?;
                    Ok([<$node Payload>] { $one, errors: $crate::graphql::list::List(errors) })
                }

                #[doc = "Changes one " $what " record at the version it was read at (`CONFLICT` when another change came first). Needs `" $manage:snake:upper "`."]
                async fn [<update_ $one>](
                    &self,
                    ctx: &async_graphql::Context<'_>,
                    #[graphql(desc = "Which record, at which version, and the changes.")] input: [<Update $node Input>],
                ) -> $crate::error::GqlResult<[<$node Payload>]> {
                    let ($one, errors) = $crate::graphql::resource::update::<$entity>(ctx, input.into()).await?;
                    Ok([<$node Payload>] { $one, errors: $crate::graphql::list::List(errors) })
                }

                #[doc = "Archives one " $what " record (a soft delete: it leaves the lists but keeps its history and references). Needs `" $manage:snake:upper "`."]
                async fn [<archive_ $one>](
                    &self,
                    ctx: &async_graphql::Context<'_>,
                    #[graphql(desc = "Which record, at which version.")] input: $crate::graphql::resource::ArchiveInput,
                ) -> $crate::error::GqlResult<[<$node Payload>]> {
                    let ($one, errors) = $crate::graphql::resource::set_archived::<$entity>(ctx, input, true).await?;
                    Ok([<$node Payload>] { $one, errors: $crate::graphql::list::List(errors) })
                }

                #[doc = "Restores one archived " $what " record. Needs `" $manage:snake:upper "`."]
                async fn [<restore_ $one>](
                    &self,
                    ctx: &async_graphql::Context<'_>,
                    #[graphql(desc = "Which record, at which version.")] input: $crate::graphql::resource::ArchiveInput,
                ) -> $crate::error::GqlResult<[<$node Payload>]> {
                    let ($one, errors) = $crate::graphql::resource::set_archived::<$entity>(ctx, input, false).await?;
                    Ok([<$node Payload>] { $one, errors: $crate::graphql::list::List(errors) })
                }

                #[doc = "Creates up to 100 " $what " records in one transaction, with per-row results. Needs `" $manage:snake:upper "`."]
                async fn [<bulk_create_ $many>](
                    &self,
                    ctx: &async_graphql::Context<'_>,
                    #[graphql(desc = "The new records (at most 100).")] inputs: Vec<<$entity as $crate::graphql::resource::Editable>::Create>,
                    #[graphql(desc = "What to do with rows that fail (default `REJECT_EVERYTHING`).", default)] error_policy: $crate::graphql::resource::ErrorPolicy,
                ) -> $crate::error::GqlResult<[<$node BulkPayload>]> {
                    Ok($crate::graphql::resource::bulk_create::<$entity>(ctx, inputs, error_policy).await?.into())
                }

                #[doc = "Changes up to 100 " $what " records in one transaction, with per-row results. Needs `" $manage:snake:upper "`."]
                async fn [<bulk_update_ $many>](
                    &self,
                    ctx: &async_graphql::Context<'_>,
                    #[graphql(desc = "The changes (at most 100).")] inputs: Vec<[<Update $node Input>]>,
                    #[graphql(desc = "What to do with rows that fail (default `REJECT_EVERYTHING`).", default)] error_policy: $crate::graphql::resource::ErrorPolicy,
                ) -> $crate::error::GqlResult<[<$node BulkPayload>]> {
                    let inputs = inputs.into_iter().map(Into::into).collect();
                    Ok($crate::graphql::resource::bulk_update::<$entity>(ctx, inputs, error_policy).await?.into())
                }
            }
        }
    };
}

/// Generates the list query of a [`Resource`] as its own query object: `many(first, after,
/// last, before, filter, orderBy, archived)`. `needs` is the description's permission text.
/// [`resource!`] uses it; read-only resources (members, apps, ...) use it alone.
#[macro_export]
macro_rules! list_query {
    (
        entity: $entity:ty, node: $node:ident, many: $many:ident, what: $what:literal,
        needs: [$($needs:tt)*], query: $query:ident $(,)?
    ) => {
        paste::paste! {
            #[doc = "The list of " $what " records."]
            #[derive(Default)]
            pub struct $query;

            #[doc = "The list of " $what " records."]
            #[async_graphql::Object]
            impl $query {
                #[doc = "The tenant's " $what " records, oldest first unless `orderBy` says otherwise. Needs " $($needs)* "."]
                #[graphql(complexity = "crate::graphql::core::page_complexity(first, last, child_complexity)")]
                #[allow(clippy::too_many_arguments)]
                async fn $many(
                    &self,
                    ctx: &async_graphql::Context<'_>,
                    #[graphql(desc = "Page size from the start (default 20, at most 100).")] first: Option<i32>,
                    #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
                    #[graphql(desc = "Page size from the end (at most 100).")] last: Option<i32>,
                    #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
                    #[graphql(desc = "Conditions the rows must meet.")] filter: Option<<$entity as $crate::graphql::resource::Resource>::Filter>,
                    #[graphql(desc = "Sort keys, most significant first (at most five); the id breaks ties.")] order_by: Option<Vec<<$entity as $crate::graphql::resource::Resource>::Order>>,
                    #[graphql(desc = "Whether to list rows in use (the default), archived rows, or both.")] archived: Option<$crate::graphql::resource::ArchiveState>,
                ) -> $crate::error::GqlResult<$crate::graphql::core::Page<$node>> {
                    Ok($crate::graphql::resource::list::<$entity>(ctx, first, after, last, before, filter, order_by, archived.unwrap_or_default()).await?)
                }
            }
        }
    };
}
