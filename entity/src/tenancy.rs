//! The one typed seam for tenant-owned data.
//!
//! A [`TenantTx`] is a database transaction bound to exactly one tenant. It is the only place that
//! executes queries against tenant-owned entities, so the tenant predicate cannot be forgotten:
//! selects are filtered by `tenant_id`, inserts have their `tenant_id` overwritten, updates and
//! deletes are filtered by the tenant as well as the primary key. On PostgreSQL the transaction
//! also carries `urakata.tenant_id` (via `set_config(.., true)`), which the row-level security
//! policies read, so a query that somehow escaped the seam would still see no foreign rows.
#![allow(clippy::disallowed_methods)] // This module is the seam the lint protects.

use std::collections::BTreeSet;
use std::fmt;
use std::pin::Pin;
use std::sync::{Arc, Mutex, RwLock, Weak};

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    DbBackend, DbErr, EntityTrait, IntoActiveModel, ModelTrait, PaginatorTrait, QueryFilter,
    QuerySelect, Select, SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
    Value,
};
use uuid::Uuid;

/// The identifier of a tenant. It only ever comes from a verified credential (or from the
/// platform operator's own commands), never from a GraphQL argument.
#[derive(
    Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct TenantId(pub Uuid);

impl TenantId {
    /// The UUID inside, for binding into queries.
    pub fn uuid(self) -> Uuid {
        self.0
    }
}

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Debug for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TenantId({})", self.0)
    }
}

/// The start of the error a write built from a stale read fails with; the API answers it as
/// `CONFLICT`.
pub const STALE_VERSION: &str = "stale version";

/// Who makes the changes of a transaction, for the audit trail.
#[derive(Clone, Debug, Default)]
pub struct Actor {
    /// `user`, `app` or `system` (the default: seeding, operator commands).
    pub kind: &'static str,
    /// The user or app id.
    pub id: Option<Uuid>,
    /// The HTTP request id, so an audit entry leads to the request's log lines.
    pub request_id: Option<String>,
    /// The GraphQL mutation (or command) being run.
    pub operation: Option<String>,
}

impl Actor {
    /// Changes made by the platform itself (seeding, operator commands).
    pub fn system(operation: &str) -> Self {
        Self {
            kind: "system",
            id: None,
            request_id: None,
            operation: Some(operation.to_owned()),
        }
    }
}

/// An entity whose rows belong to one tenant. Implemented with [`tenant_scoped!`] next to the
/// entity; the seam uses the column to scope every statement.
/// Its rows serialize both ways: the audit trail records them and the read cache stores them.
pub trait TenantScoped: EntityTrait<Model: serde::Serialize + serde::de::DeserializeOwned> {
    /// The `tenant_id` column of this entity.
    fn tenant_column() -> Self::Column;
    /// The `id` column (the second half of the composite primary key `(tenant_id, id)`).
    fn id_column() -> Self::Column;
    /// The GraphQL type name the entity is exposed as; also its name in audit entries.
    const TYPE_NAME: &'static str;
    /// Columns holding sensitive personal data. The audit trail records that they changed, never
    /// their values.
    const SENSITIVE: &'static [&'static str] = &[];
    /// Whether the seam records changes in the audit trail. Off only for logs that are
    /// append-only records themselves (auditing them would just duplicate them).
    const AUDITED: bool = true;
}

/// Declares an entity tenant-owned: `tenant_scoped!(employee, "Employee");`.
#[macro_export]
macro_rules! tenant_scoped {
    ($module:ident, $type_name:literal) => {
        $crate::tenant_scoped!($module, $type_name, sensitive = []);
    };
    ($module:ident, $type_name:literal, unaudited) => {
        impl $crate::tenancy::TenantScoped for $module::Entity {
            fn tenant_column() -> $module::Column {
                $module::Column::TenantId
            }
            fn id_column() -> $module::Column {
                $module::Column::Id
            }
            const TYPE_NAME: &'static str = $type_name;
            const AUDITED: bool = false;
        }
    };
    ($module:ident, $type_name:literal, sensitive = [$($col:literal),* $(,)?]) => {
        impl $crate::tenancy::TenantScoped for $module::Entity {
            fn tenant_column() -> $module::Column {
                $module::Column::TenantId
            }
            fn id_column() -> $module::Column {
                $module::Column::Id
            }
            const TYPE_NAME: &'static str = $type_name;
            const SENSITIVE: &'static [&'static str] = &[$($col),*];
        }
    };
}

/// A select on a tenant-owned entity that is already scoped to the tenant. It can be refined
/// (filters are added with AND, so the tenant predicate stays) but only executed by a
/// [`TenantTx`].
pub struct Scoped<E: TenantScoped> {
    select: Select<E>,
    lock: Lock,
}

/// How a scoped select locks what it reads (PostgreSQL only; SQLite serialises writers).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Lock {
    None,
    Update,
    SkipLocked,
}

impl<E: TenantScoped> Scoped<E> {
    /// Refines the query: `scoped.refine(|q| q.filter(..).order_by_asc(..).limit(..))`.
    /// Conditions added here are AND-ed with the tenant predicate and cannot remove it.
    pub fn refine(self, f: impl FnOnce(Select<E>) -> Select<E>) -> Self {
        Self {
            select: f(self.select),
            lock: self.lock,
        }
    }

    /// Locks the selected rows until the transaction ends (`FOR UPDATE` on PostgreSQL; SQLite's
    /// write transactions are serialized already). Use it when what is read decides what is
    /// written: a token about to be spent, the last administrator, a counted limit.
    pub fn for_update(self) -> Self {
        Self {
            select: self.select,
            lock: Lock::Update,
        }
    }

    /// Locks the selected rows like [`Scoped::for_update`], but skips rows another transaction
    /// holds instead of waiting (`FOR UPDATE SKIP LOCKED`): how several workers share a queue
    /// without taking the same item twice.
    pub fn skip_locked(self) -> Self {
        Self {
            select: self.select,
            lock: Lock::SkipLocked,
        }
    }
}

/// A handle to the database for one tenant: cheap to clone, one per request.
#[derive(Clone)]
pub struct TenantDb {
    db: DatabaseConnection,
    tenant: TenantId,
    actor: Actor,
}

impl TenantDb {
    /// Binds the connection pool to a tenant. Only the authentication layer and the platform
    /// operator's commands call this, with a tenant taken from a verified credential.
    pub fn new(db: DatabaseConnection, tenant: TenantId) -> Self {
        Self {
            db,
            tenant,
            actor: Actor {
                kind: "system",
                ..Actor::default()
            },
        }
    }

    /// The same handle acting for `actor`: its write transactions are audited as theirs.
    pub fn acting_as(&self, actor: Actor) -> Self {
        Self {
            db: self.db.clone(),
            tenant: self.tenant,
            actor,
        }
    }

    /// The tenant this handle is bound to.
    pub fn tenant(&self) -> TenantId {
        self.tenant
    }

    /// Starts a write transaction scoped to the tenant.
    pub async fn begin(&self) -> Result<TenantTx, DbErr> {
        Ok(TenantTx::begin(&self.db, self.tenant)
            .await?
            .acting_as(self.actor.clone()))
    }

    /// Runs a read-only unit of work in its own tenant transaction.
    pub async fn read<T, F>(&self, f: F) -> Result<T, DbErr>
    where
        F: AsyncFnOnce(&TenantTx) -> Result<T, DbErr>,
    {
        let tx = TenantTx::begin_read(&self.db, self.tenant).await?;
        let out = f(&tx).await?;
        tx.finish_read().await?;
        Ok(out)
    }
}

/// A transaction bound to one tenant; the only executor of tenant-owned statements.
pub struct TenantTx {
    tx: DatabaseTransaction,
    tenant: TenantId,
    actor: Actor,
    /// The entity types written so far, shared with savepoints; told to the commit listeners.
    touched: Arc<Mutex<BTreeSet<String>>>,
    /// A savepoint: its commit is not the end of the transaction.
    nested: bool,
}

/// Told, after a tenant transaction commits, which entity types (GraphQL type names) it wrote:
/// how read caches learn, before the write returns, that what they hold is stale.
pub type CommitListener =
    dyn Fn(TenantId, Vec<String>) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync;

/// Every live listener of this process. Process-wide on purpose: each commit anywhere (a
/// mutation, a background worker, a sign-in) must reach the caches without each call site
/// passing them along. Two servers in one process (as in tests) both hear every commit, which
/// only invalidates more than needed, never less.
static LISTENERS: RwLock<Vec<Weak<CommitListener>>> = RwLock::new(Vec::new());

/// Registers a commit listener for as long as `listener` lives.
pub fn on_commit(listener: &Arc<CommitListener>) {
    if let Ok(mut all) = LISTENERS.write() {
        all.retain(|l| l.strong_count() > 0);
        all.push(Arc::downgrade(listener));
    }
}

async fn notify_commit(tenant: TenantId, touched: Vec<String>) {
    let live: Vec<Arc<CommitListener>> = LISTENERS
        .read()
        .map(|all| all.iter().filter_map(Weak::upgrade).collect())
        .unwrap_or_default();
    for listener in live {
        listener(tenant, touched.clone()).await;
    }
}

/// Reads the `id` of a tenant-owned model.
pub fn model_id<E: TenantScoped>(model: &E::Model) -> Option<Uuid> {
    match model.get(E::id_column()) {
        Value::Uuid(Some(u)) => Some(u),
        _ => None,
    }
}

impl TenantTx {
    /// Begins a write transaction and, on PostgreSQL, sets the tenant for row-level security.
    /// The setting is transaction-local (`is_local = true`), so a pooled connection never
    /// carries it into another request. On SQLite the transaction takes the write lock at once
    /// (`BEGIN IMMEDIATE`): a deferred transaction that read first could not become a writer
    /// after another writer committed, and would fail instead of waiting its turn.
    pub async fn begin(db: &DatabaseConnection, tenant: TenantId) -> Result<Self, DbErr> {
        Self::start(db, tenant, true).await
    }

    /// Begins a read-only unit of work (a deferred transaction on SQLite).
    pub async fn begin_read(db: &DatabaseConnection, tenant: TenantId) -> Result<Self, DbErr> {
        Self::start(db, tenant, false).await
    }

    async fn start(db: &DatabaseConnection, tenant: TenantId, write: bool) -> Result<Self, DbErr> {
        let tx = if write && db.get_database_backend() == DbBackend::Sqlite {
            db.begin_with_options(TransactionOptions {
                isolation_level: None,
                access_mode: None,
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            })
            .await?
        } else {
            db.begin().await?
        };
        if tx.get_database_backend() == DbBackend::Postgres {
            tx.execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT set_config('urakata.tenant_id', $1, true)",
                [Value::from(tenant.0.to_string())],
            ))
            .await?;
        }
        Ok(Self {
            tx,
            tenant,
            actor: Actor {
                kind: "system",
                ..Actor::default()
            },
            touched: Arc::default(),
            nested: false,
        })
    }

    /// The same transaction, its changes audited as `actor`'s.
    pub fn acting_as(mut self, actor: Actor) -> Self {
        self.actor = actor;
        self
    }

    /// The tenant this transaction is bound to.
    pub fn tenant(&self) -> TenantId {
        self.tenant
    }

    /// Who the transaction's changes are recorded as made by.
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// The database backend, for the few places that must differ between SQLite and PostgreSQL.
    pub fn backend(&self) -> DbBackend {
        self.tx.get_database_backend()
    }

    /// Ends a unit of work that only read. On PostgreSQL the transaction is not committed but
    /// dropped: the driver queues its `ROLLBACK` and sends it with the health check it makes when
    /// the connection goes back to the pool, so a read saves a round trip and the request does
    /// not wait for it. (Nothing was written, so there is nothing to commit; should something
    /// have been, it is committed as usual.)
    pub async fn finish_read(self) -> Result<(), DbErr> {
        let wrote = self.touched.lock().map_or(true, |t| !t.is_empty());
        if wrote || self.nested || self.backend() != DbBackend::Postgres {
            return self.commit().await;
        }
        drop(self);
        Ok(())
    }

    /// Commits the transaction, then tells the commit listeners which entity types it wrote
    /// (a savepoint's commit leaves that to its parent's).
    pub async fn commit(self) -> Result<(), DbErr> {
        self.tx.commit().await?;
        if !self.nested {
            let touched: Vec<String> = self
                .touched
                .lock()
                .map(|t| t.iter().cloned().collect())
                .unwrap_or_default();
            if !touched.is_empty() {
                notify_commit(self.tenant, touched).await;
            }
        }
        Ok(())
    }

    /// Notes that this transaction writes rows of `type_name`. The seam's own writes call it; a
    /// raw write through [`TenantTx::connection`] to a cached type must call it too.
    pub fn touch(&self, type_name: &str) {
        if let Ok(mut t) = self.touched.lock()
            && !t.contains(type_name)
        {
            t.insert(type_name.to_owned());
        }
    }

    /// A savepoint inside this transaction: a nested transaction whose rollback undoes only its
    /// own statements (bulk mutations give each row one). Use the parent again only after the
    /// savepoint is committed or rolled back.
    pub async fn savepoint(&self) -> Result<TenantTx, DbErr> {
        Ok(Self {
            tx: self.tx.begin().await?,
            tenant: self.tenant,
            actor: self.actor.clone(),
            touched: self.touched.clone(),
            nested: true,
        })
    }

    /// Rolls the transaction back. Dropping it without commit does the same.
    pub async fn rollback(self) -> Result<(), DbErr> {
        self.tx.rollback().await
    }

    /// A select over the tenant's rows of `E`.
    pub fn select<E: TenantScoped>(&self) -> Scoped<E> {
        Scoped {
            select: E::find().filter(E::tenant_column().eq(self.tenant.0)),
            lock: Lock::None,
        }
    }

    /// Runs a scoped select and returns all rows.
    pub async fn all<E: TenantScoped>(&self, q: Scoped<E>) -> Result<Vec<E::Model>, DbErr> {
        self.finish(q).all(&self.tx).await
    }

    fn finish<E: TenantScoped>(&self, q: Scoped<E>) -> Select<E> {
        match (q.lock, self.backend()) {
            (Lock::Update, DbBackend::Postgres) => q.select.lock_exclusive(),
            (Lock::SkipLocked, DbBackend::Postgres) => q.select.lock_with_behavior(
                sea_orm::sea_query::LockType::Update,
                sea_orm::sea_query::LockBehavior::SkipLocked,
            ),
            _ => q.select,
        }
    }

    /// Finds one row by id and locks it until the transaction ends (see [`Scoped::for_update`]).
    pub async fn get_for_update<E: TenantScoped>(
        &self,
        id: Uuid,
    ) -> Result<Option<E::Model>, DbErr> {
        self.one(
            self.select::<E>()
                .refine(|q| q.filter(E::id_column().eq(id)))
                .for_update(),
        )
        .await
    }

    /// Runs a scoped select and returns the first row.
    pub async fn one<E: TenantScoped>(&self, q: Scoped<E>) -> Result<Option<E::Model>, DbErr> {
        self.finish(q).one(&self.tx).await
    }

    /// Runs a scoped select shaped into something other than the entity's rows: an aggregate
    /// (`select_only().column_as(sum(..)).group_by(..)`) read into `T`. The tenant predicate
    /// stays, whatever the refinement selects.
    pub async fn rows<E: TenantScoped, T: sea_orm::FromQueryResult + Send + Sync>(
        &self,
        q: Scoped<E>,
    ) -> Result<Vec<T>, DbErr> {
        self.finish(q).into_model::<T>().all(&self.tx).await
    }

    /// Sets columns on the tenant's rows of `E` matching `filter` in one statement. Only for
    /// unaudited types (a journal entry's lines, whose entry is audited and whose posted state is
    /// guarded by the database): an audited type goes through [`TenantTx::update`], which
    /// records each change.
    pub async fn update_columns<E: TenantScoped>(
        &self,
        filter: sea_orm::Condition,
        values: Vec<(E::Column, sea_orm::sea_query::SimpleExpr)>,
    ) -> Result<u64, DbErr> {
        if E::AUDITED {
            return Err(DbErr::Custom(format!(
                "{} is audited; update its rows one by one",
                E::TYPE_NAME
            )));
        }
        self.touch(E::TYPE_NAME);
        let mut q = E::update_many()
            .filter(E::tenant_column().eq(self.tenant.0))
            .filter(filter);
        for (col, value) in values {
            q = q.col_expr(col, value);
        }
        Ok(q.exec(&self.tx).await?.rows_affected)
    }

    /// Counts the rows a scoped select matches.
    pub async fn count<E: TenantScoped>(&self, q: Scoped<E>) -> Result<u64, DbErr>
    where
        E::Model: Sync,
    {
        q.select.count(&self.tx).await
    }

    /// Finds one row by id inside the tenant. A row of another tenant is indistinguishable from a
    /// missing one.
    pub async fn get<E: TenantScoped>(&self, id: Uuid) -> Result<Option<E::Model>, DbErr> {
        self.one(
            self.select::<E>()
                .refine(|q| q.filter(E::id_column().eq(id))),
        )
        .await
    }

    /// Finds the rows with the given ids inside the tenant (in no particular order).
    pub async fn get_many<E: TenantScoped>(&self, ids: &[Uuid]) -> Result<Vec<E::Model>, DbErr> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids = ids.to_vec();
        self.all(
            self.select::<E>()
                .refine(|q| q.filter(E::id_column().is_in(ids))),
        )
        .await
    }

    /// Finds the rows with the given ids inside the tenant, by id (ids not found are left out).
    pub async fn get_map<E: TenantScoped>(
        &self,
        ids: &[Uuid],
    ) -> Result<std::collections::HashMap<Uuid, E::Model>, DbErr> {
        Ok(self
            .get_many::<E>(ids)
            .await?
            .into_iter()
            .filter_map(|m| model_id::<E>(&m).map(|id| (id, m)))
            .collect())
    }

    /// Inserts a row, overwriting whatever `tenant_id` the caller set with the transaction's,
    /// and records it in the audit trail.
    pub async fn insert<E, A>(&self, mut am: A) -> Result<E::Model, DbErr>
    where
        E: TenantScoped,
        E::Model: serde::Serialize,
        A: ActiveModelTrait<Entity = E> + sea_orm::ActiveModelBehavior + Send,
        E::Model: IntoActiveModel<A>,
    {
        am.set(E::tenant_column(), self.tenant.0.into());
        self.touch(E::TYPE_NAME);
        let created = am.insert(&self.tx).await?;
        if E::AUDITED {
            self.audit_change::<E>(None, Some(&created), "create")
                .await?;
        }
        Ok(created)
    }

    /// Updates a row by its primary key and records each changed field, before and after, in
    /// the audit trail. The tenant is forced, so an active model carrying another tenant's key
    /// updates nothing and answers `RecordNotFound`.
    pub async fn update<E, A>(&self, am: A) -> Result<E::Model, DbErr>
    where
        E: TenantScoped,
        E::Model: serde::Serialize,
        A: ActiveModelTrait<Entity = E> + sea_orm::ActiveModelBehavior + Send,
        E::Model: IntoActiveModel<A>,
    {
        self.update_as(am, "update").await
    }

    /// Updates a row like [`TenantTx::update`], recording the change as a workflow transition:
    /// its audit action and domain event verb are `action` (`submitted`, `approved`, ...), so
    /// the event reads `PurchaseRequest.approved` rather than `PurchaseRequest.updated`.
    pub async fn update_as<E, A>(&self, mut am: A, action: &str) -> Result<E::Model, DbErr>
    where
        E: TenantScoped,
        E::Model: serde::Serialize,
        A: ActiveModelTrait<Entity = E> + sea_orm::ActiveModelBehavior + Send,
        E::Model: IntoActiveModel<A>,
    {
        am.set(E::tenant_column(), self.tenant.0.into());
        let id = match am.get(E::id_column()).into_value() {
            Some(Value::Uuid(Some(id))) => id,
            _ => return Err(DbErr::Custom("an update needs the row's id".into())),
        };
        // The row is locked until commit, and a write built from a stale read is refused: if the
        // active model moves `version` to v, the row must still be at v - 1.
        let before = self
            .get_for_update::<E>(id)
            .await?
            .ok_or_else(|| DbErr::RecordNotFound(format!("{} {id}", E::TYPE_NAME)))?;
        if let Ok(version_col) = <E::Column as std::str::FromStr>::from_str("version")
            && let sea_orm::ActiveValue::Set(Value::Int(Some(next))) = am.get(version_col)
            && before.get(version_col) != Value::Int(Some(next - 1))
        {
            return Err(DbErr::Custom(format!(
                "{STALE_VERSION}: {} {id}",
                E::TYPE_NAME
            )));
        }
        self.touch(E::TYPE_NAME);
        let after = am.update(&self.tx).await?;
        let changes = field_changes(Some(&before), Some(&after), E::SENSITIVE)?;
        // Bookkeeping alone (a key's last use, say) is not a change worth an entry.
        if E::AUDITED && changes.as_object().is_some_and(|c| !c.is_empty()) {
            self.audit_raw(E::TYPE_NAME, Some(id), action, changes)
                .await?;
        }
        Ok(after)
    }

    /// Records a change the seam did not make itself, such as one to a platform table (a
    /// tenant's settings) made in this transaction.
    pub async fn audit_change<E: TenantScoped>(
        &self,
        before: Option<&E::Model>,
        after: Option<&E::Model>,
        action: &str,
    ) -> Result<(), DbErr>
    where
        E::Model: serde::Serialize,
    {
        let id = after.or(before).and_then(|m| match m.get(E::id_column()) {
            Value::Uuid(Some(u)) => Some(u),
            _ => None,
        });
        self.audit_raw(
            E::TYPE_NAME,
            id,
            action,
            field_changes(before, after, E::SENSITIVE)?,
        )
        .await
    }

    /// Appends one audit entry and the matching domain event to the outbox.
    pub async fn audit_raw(
        &self,
        entity_type: &str,
        entity_id: Option<Uuid>,
        action: &str,
        changes: serde_json::Value,
    ) -> Result<(), DbErr> {
        use sea_orm::ActiveValue::Set;
        self.touch(entity_type);
        let entry = crate::audit::entry::ActiveModel {
            tenant_id: Set(self.tenant.0),
            id: Set(Uuid::now_v7()),
            occurred_at: Set(chrono::Utc::now()),
            actor_kind: Set(if self.actor.kind.is_empty() {
                "system"
            } else {
                self.actor.kind
            }
            .to_owned()),
            actor_id: Set(self.actor.id),
            request_id: Set(self.actor.request_id.clone()),
            operation: Set(self.actor.operation.clone()),
            entity_type: Set(entity_type.to_owned()),
            entity_id: Set(entity_id),
            action: Set(action.to_owned()),
            changes: Set(changes.clone()),
        };
        entry.insert(&self.tx).await?;
        // The same change as a domain event, in the same transaction (the transactional outbox):
        // an event exists exactly when its change committed.
        // Workflow transitions pass their own verb (`submitted`, `approved`, ...).
        let past = match action {
            "create" => "created",
            "delete" => "deleted",
            "update" => "updated",
            other => other,
        };
        let event = crate::kernel::outbox_event::ActiveModel {
            tenant_id: Set(self.tenant.0),
            id: Set(Uuid::now_v7()),
            occurred_at: Set(chrono::Utc::now()),
            event_type: Set(format!("{entity_type}.{past}")),
            entity_type: Set(entity_type.to_owned()),
            entity_id: Set(entity_id),
            actor_kind: Set(if self.actor.kind.is_empty() {
                "system"
            } else {
                self.actor.kind
            }
            .to_owned()),
            actor_id: Set(self.actor.id),
            request_id: Set(self.actor.request_id.clone()),
            payload: Set(changes),
            published_at: Set(None),
            attempts: Set(0),
        };
        event.insert(&self.tx).await?;
        Ok(())
    }

    /// Deletes the tenant's rows of `E` matching `filter`, recording each in the audit trail;
    /// returns how many went.
    pub async fn delete_where<E: TenantScoped>(
        &self,
        filter: sea_orm::Condition,
    ) -> Result<u64, DbErr>
    where
        E::Model: serde::Serialize + Sync,
    {
        // Only audited rows need reading first (a log being expired can be large).
        let doomed = if E::AUDITED {
            self.all(self.select::<E>().refine(|q| q.filter(filter.clone())))
                .await?
        } else {
            Vec::new()
        };
        self.touch(E::TYPE_NAME);
        let res = E::delete_many()
            .filter(E::tenant_column().eq(self.tenant.0))
            .filter(filter)
            .exec(&self.tx)
            .await?;
        for row in doomed.iter().filter(|_| E::AUDITED) {
            self.audit_change::<E>(Some(row), None, "delete").await?;
        }
        Ok(res.rows_affected)
    }
}

/// The changed fields of a row as `{"field": {"before": .., "after": ..}}`. Bookkeeping columns
/// that change on every write, and hashes of secrets, are left out.
pub fn field_changes<M: serde::Serialize>(
    before: Option<&M>,
    after: Option<&M>,
    sensitive: &[&str],
) -> Result<serde_json::Value, DbErr> {
    const SKIP: [&str; 5] = [
        "tenant_id",
        "version",
        "updated_at",
        "updated_by",
        "last_used_at",
    ];
    let to_map = |m: Option<&M>| -> Result<serde_json::Map<String, serde_json::Value>, DbErr> {
        match m
            .map(serde_json::to_value)
            .transpose()
            .map_err(|e| DbErr::Custom(e.to_string()))?
        {
            Some(serde_json::Value::Object(map)) => Ok(map),
            _ => Ok(serde_json::Map::new()),
        }
    };
    let (b, a) = (to_map(before)?, to_map(after)?);
    let mut out = serde_json::Map::new();
    let keys: std::collections::BTreeSet<&String> = b.keys().chain(a.keys()).collect();
    for key in keys {
        if SKIP.contains(&key.as_str()) {
            continue;
        }
        let (old, new) = (b.get(key), a.get(key));
        if old != new {
            let shown = |v: Option<&serde_json::Value>| match v {
                // A changed secret hash or sensitive value is recorded as changed, never shown.
                Some(v)
                    if !v.is_null()
                        && (sensitive.contains(&key.as_str()) || key.ends_with("_hash")) =>
                {
                    serde_json::json!("[redacted]")
                }
                Some(v) => v.clone(),
                None => serde_json::Value::Null,
            };
            out.insert(
                key.clone(),
                serde_json::json!({ "before": shown(old), "after": shown(new) }),
            );
        }
    }
    Ok(serde_json::Value::Object(out))
}

impl TenantTx {
    /// The underlying transaction, for the platform tables (tenants, users) that live outside any
    /// tenant and are written in the same transaction as a new tenant's first rows. Executing
    /// tenant-owned statements on it directly is what `clippy.toml` forbids.
    pub fn connection(&self) -> &DatabaseTransaction {
        &self.tx
    }
}

impl TenantTx {
    /// Takes the next number of a document type in a period, gaplessly: the counter row is
    /// created on first use, then incremented with `UPDATE .. RETURNING`, which holds the row's
    /// lock (PostgreSQL) or the database's write lock (SQLite) until this transaction ends. So
    /// concurrent transactions queue, each gets a distinct number, and a transaction that rolls
    /// back gives its number back.
    pub async fn next_number(&self, document_type: &str, period: &str) -> Result<i64, DbErr> {
        use crate::kernel::number_sequence as seq;
        use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
        let now = chrono::Utc::now();
        let insert = Query::insert()
            .into_table(seq::Entity)
            .columns([
                seq::Column::TenantId,
                seq::Column::Id,
                seq::Column::DocumentType,
                seq::Column::Period,
                seq::Column::NextValue,
                seq::Column::Version,
                seq::Column::CreatedAt,
                seq::Column::UpdatedAt,
            ])
            .values_panic([
                self.tenant.0.into(),
                Uuid::now_v7().into(),
                document_type.into(),
                period.into(),
                1i64.into(),
                1i32.into(),
                now.into(),
                now.into(),
            ])
            .on_conflict(
                OnConflict::columns([
                    seq::Column::TenantId,
                    seq::Column::DocumentType,
                    seq::Column::Period,
                ])
                .do_nothing()
                .to_owned(),
            )
            .to_owned();
        self.tx.execute(&insert).await?;
        let bump = Query::update()
            .table(seq::Entity)
            .value(
                seq::Column::NextValue,
                Expr::col(seq::Column::NextValue).add(1),
            )
            .value(seq::Column::UpdatedAt, now)
            .and_where(Expr::col(seq::Column::TenantId).eq(self.tenant.0))
            .and_where(Expr::col(seq::Column::DocumentType).eq(document_type))
            .and_where(Expr::col(seq::Column::Period).eq(period))
            .returning(Query::returning().column(seq::Column::NextValue))
            .to_owned();
        let row = self
            .tx
            .query_one(&bump)
            .await?
            .ok_or_else(|| DbErr::RecordNotFound("number sequence".into()))?;
        let next: i64 = row.try_get_by_index(0)?;
        Ok(next - 1)
    }
}
