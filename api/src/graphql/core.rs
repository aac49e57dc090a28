//! What every entity gets, written once: the per-request session, opaque global ids, Relay
//! connections with keyset cursors, and DataLoaders.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use std::borrow::Cow;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};

/// A DataLoader of one request, with a per-request cache.
pub type RequestLoader<L> = DataLoader<L, HashMapCache>;
use async_graphql::{Context, ID, Interface, Object, OutputType, SimpleObject, TypeName};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use entity::{Actor, TenantDb, TenantScoped, TenantTx};
use sea_orm::{ModelTrait, QueryFilter, QueryOrder, QuerySelect, Value};
use uuid::Uuid;

use crate::auth::{Permission, Principal};
use crate::error::{AppError, AppResult, GqlResult};
use crate::graphql::access::{self, CustomRole, Member};
use crate::graphql::accounting::{
    Account, BankTransaction, FiscalYear, Invoice, Journal, JournalEntry, Payment, TaxRate,
};
use crate::graphql::approvals::{self, ApprovalDelegation, ApprovalRequest, ApprovalRule};
use crate::graphql::apps::{self, ApiKey, App};
use crate::graphql::assets::FixedAsset;
use crate::graphql::attendance::{AttendanceDay, OvertimeRequest, TimeEvent};
use crate::graphql::audit::{self, AuditEntry, PersonalDataAccess};
use crate::graphql::budgets::Budget;
use crate::graphql::collab::{self, Attachment, Comment};
use crate::graphql::development::{
    EmployeeProfile, Grade, PerformanceCycle, PerformanceGoal, PerformanceReview, Position,
    PositionRequiredTraining, ShiftAssignment, TrainingEnrolment, TrainingProgramme,
    TrainingSession,
};
use crate::graphql::events::Notification;
use crate::graphql::expenses::ExpenseClaim;
use crate::graphql::health::HealthCheck;
use crate::graphql::hr::{EmploymentContract, Holiday, LeaveAllocation, LeaveType, WorkSchedule};
use crate::graphql::hr_reports::Survey;
use crate::graphql::idp::{self, IdentityProvider};
use crate::graphql::leave::LeaveRequest;
use crate::graphql::list::Items;
use crate::graphql::listing::{Cursor, SortKey, keyset_condition, ordering_name};
use crate::graphql::offboarding::{FinalSettlement, Separation, SeveranceScheme};
use crate::graphql::org::{CostCentre, Employee, Location, OrgUnit, Party, Tag};
use crate::graphql::payroll::{
    PayrollRun, Payslip, SalaryComponent, SalaryStructure, SalaryStructureAssignment,
    SalaryStructureComponent, SocialInsuranceEnrolment, WithholdingTaxBracket,
};
use crate::graphql::persisted::PersistedOperation;
use crate::graphql::purchasing::PurchaseRequest;
use crate::graphql::recruiting::{
    Applicant, ChecklistTemplate, HeadcountPlan, HrChecklistTask, Interview, JobOffer, JobOpening,
    JobRequisition, Onboarding,
};
use crate::graphql::resource::{Resource, resource_node};
use crate::graphql::webhooks::{WebhookDelivery, WebhookEndpoint};

/// Default page size of every connection.
pub const DEFAULT_PAGE: usize = 20;
/// Largest page a client may ask for; more is an error, not a silent cap.
pub const MAX_PAGE: usize = 100;

/// Everything a signed-in request carries. Present in the request data only when the credential
/// was verified; the tenant inside comes from that credential and nowhere else.
pub struct Session {
    /// Who is calling.
    pub principal: Principal,
    /// The database bound to the principal's tenant.
    pub db: TenantDb,
    /// Reads of sensitive fields in this request, logged before the response is sent.
    pub reads: Arc<crate::services::personal_data::Reads>,
    /// The shared read cache (rows by id, through [`RowLoader`]).
    pub cache: Arc<crate::cache::ReadCache>,
    loaders: Mutex<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>,
    /// The caller's own employee record, looked up once per request when a read needs it.
    own_employee: tokio::sync::OnceCell<Option<Uuid>>,
}

impl Session {
    /// A session for a verified principal.
    pub fn new(principal: Principal, db: TenantDb, cache: Arc<crate::cache::ReadCache>) -> Self {
        Self {
            principal,
            db,
            cache,
            reads: Arc::default(),
            loaders: Mutex::new(HashMap::new()),
            own_employee: tokio::sync::OnceCell::new(),
        }
    }

    /// The employee record linked to the calling user (`None` for apps and for users without
    /// one), looked up on first use and kept for the rest of the request.
    pub async fn own_employee(&self) -> AppResult<Option<Uuid>> {
        if self.principal.kind != crate::auth::PrincipalKind::User {
            return Ok(None);
        }
        let user = self.principal.actor_id;
        self.own_employee
            .get_or_try_init(|| async {
                self.db
                    .read(async |tx| {
                        use entity::org::employee;
                        use sea_orm::ColumnTrait;
                        Ok(tx
                            .one(
                                tx.select::<employee::Entity>()
                                    .refine(|q| q.filter(employee::Column::UserId.eq(user))),
                            )
                            .await?
                            .map(|e| e.id))
                    })
                    .await
                    .map_err(AppError::from)
            })
            .await
            .copied()
    }

    /// The caller's own employee record if [`Session::own_employee`] looked it up already in
    /// this request; the synchronous visibility checks use it.
    pub fn own_employee_loaded(&self) -> Option<Uuid> {
        self.own_employee.get().copied().flatten()
    }

    /// The by-id loader of every entity, created on first use and shared for the rest of the
    /// request so that sibling resolvers batch into one query per type.
    pub fn rows(&self) -> Arc<RequestLoader<RowLoader>> {
        self.loader_with(|| RowLoader {
            db: self.db.clone(),
            cache: self.cache.clone(),
            loaded: Default::default(),
        })
    }

    /// Starts the write transaction of a mutation, audited as the principal's and named after
    /// the mutation's field (`createCustomRole`, ...).
    pub async fn begin_write(&self, ctx: &Context<'_>) -> AppResult<TenantTx> {
        let request_id = ctx.data_opt::<RequestInfo>().map(|r| r.request_id.clone());
        let actor = Actor {
            kind: match self.principal.kind {
                crate::auth::PrincipalKind::User => "user",
                crate::auth::PrincipalKind::App => "app",
            },
            id: Some(self.principal.actor_id),
            request_id,
            operation: Some(ctx.field().name().to_owned()),
        };
        Ok(self.db.acting_as(actor).begin().await?)
    }

    /// The request's loader of type `L`, made by `make` on first use.
    pub fn loader_with<L: Send + Sync + 'static>(
        &self,
        make: impl FnOnce() -> L,
    ) -> Arc<RequestLoader<L>> {
        // Each loader caches what it loaded for the rest of the request: a row reached through
        // two paths (a unit as a parent and as a manager's unit) is loaded once, and the batch
        // count does not depend on which path resolves first.
        let fresh = |make: Box<dyn FnOnce() -> L + '_>| {
            Arc::new(DataLoader::with_cache(
                make(),
                tokio::spawn,
                HashMapCache::default(),
            ))
        };
        let Ok(mut map) = self.loaders.lock() else {
            return fresh(Box::new(make));
        };
        if let Some(found) = map
            .get(&TypeId::of::<L>())
            .and_then(|l| l.clone().downcast::<RequestLoader<L>>().ok())
        {
            return found;
        }
        let loader = fresh(Box::new(make));
        map.insert(TypeId::of::<L>(), loader.clone());
        loader
    }
}

/// An application error inside a `TenantDb::read` unit of work, which speaks `DbErr`; the
/// detail stays in the error for the log and is scrubbed from the response like any internal
/// error.
pub fn db_err(e: AppError) -> sea_orm::DbErr {
    sea_orm::DbErr::Custom(format!("{e:?}"))
}

/// Ends a mutation's transaction: commits when the service succeeded, drops it (so nothing
/// changes) when the input had problems. Returns the payload's two halves.
pub async fn settle<T, C: OutputType>(
    tx: TenantTx,
    out: Result<T, Vec<crate::error::InputError<C>>>,
) -> AppResult<(Option<T>, Vec<crate::error::InputError<C>>)> {
    match out {
        Ok(value) => {
            tx.commit().await?;
            Ok((Some(value), Vec::new()))
        }
        Err(errors) => Ok((None, errors)),
    }
}

/// Per-request data every request has, signed in or not.
pub struct RequestInfo {
    /// The request id, also in the `x-request-id` header and in error extensions.
    pub request_id: String,
}

/// Shortcuts on the resolver context.
pub trait ContextExt {
    /// The signed-in session, or `UNAUTHENTICATED`.
    fn session(&self) -> AppResult<&Session>;
    /// The session if the principal holds `permission`, else `FORBIDDEN`.
    fn authorize(&self, permission: Permission) -> AppResult<&Session>;
}

impl ContextExt for Context<'_> {
    fn session(&self) -> AppResult<&Session> {
        self.data_opt::<Session>()
            .ok_or_else(|| AppError::Unauthenticated("sign in to use this field".into()))
    }

    fn authorize(&self, permission: Permission) -> AppResult<&Session> {
        let session = self.session()?;
        session.principal.require(permission)?;
        Ok(session)
    }
}

/// Opaque global ids: base64url of `Type:uuid`.
pub struct GlobalId;

impl GlobalId {
    /// Encodes a type name and UUID.
    pub fn encode(type_name: &str, id: Uuid) -> ID {
        ID(URL_SAFE_NO_PAD.encode(format!("{type_name}:{id}")))
    }

    /// The global id of a row of entity `E` (its GraphQL type name comes from `TenantScoped`).
    pub fn of<E: TenantScoped>(id: Uuid) -> ID {
        Self::encode(E::TYPE_NAME, id)
    }

    /// Decodes a global id into its type name and UUID; `None` when malformed.
    pub fn decode(id: &str) -> Option<(String, Uuid)> {
        let raw = URL_SAFE_NO_PAD.decode(id).ok()?;
        let text = String::from_utf8(raw).ok()?;
        let (ty, uuid) = text.split_once(':')?;
        Some((ty.to_owned(), Uuid::parse_str(uuid).ok()?))
    }

    /// Decodes a global id that must be of entity `E`. Malformed ids and ids of another type
    /// answer `None`, exactly like ids that do not exist.
    pub fn decode_for<E: TenantScoped>(id: &str) -> Option<Uuid> {
        Self::decode(id)
            .filter(|(ty, _)| ty == E::TYPE_NAME)
            .map(|(_, uuid)| uuid)
    }
}

/// Reads the `id` of a tenant-owned model (the seam's).
pub use entity::model_id;

/// A tenant-owned row as the by-id loader holds it: the entity's model behind `Any`, so that one
/// loader serves every entity type.
pub type Row = Arc<dyn Any + Send + Sync>;

/// What the by-id loader needs of one entity type: its identity (for keys) and the function that
/// fetches its rows.
#[derive(Clone, Copy)]
pub struct RowKind {
    ty: TypeId,
    fetch: for<'a> fn(&'a RowLoader, Vec<Uuid>) -> RowFetch<'a>,
}

/// The rows one fetch of one entity type returns, by id.
type RowFetch<'a> = futures_util::future::BoxFuture<'a, Result<Vec<(Uuid, Row)>, Arc<AppError>>>;

impl RowKind {
    /// The kind of entity `E`.
    pub fn of<E>() -> Self
    where
        E: TenantScoped,
        E::Model: Clone + Send + Sync + serde::Serialize + serde::de::DeserializeOwned,
    {
        Self {
            ty: TypeId::of::<E>(),
            fetch: fetch_rows::<E>,
        }
    }
}

/// A row asked of the by-id loader: its entity type and id.
#[derive(Clone, Copy)]
pub struct RowKey {
    kind: RowKind,
    id: Uuid,
}

impl PartialEq for RowKey {
    fn eq(&self, other: &Self) -> bool {
        self.kind.ty == other.kind.ty && self.id == other.id
    }
}

impl Eq for RowKey {}

impl std::hash::Hash for RowKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.kind.ty.hash(state);
        self.id.hash(state);
    }
}

/// Loads tenant-owned rows by id for one request, inside the request's tenant.
///
/// Its batches run one at a time and remember what they loaded, so a row asked for while a batch
/// that holds it was still running comes from that batch, not from another query: the number of
/// statements depends on the shape of the query, never on timing or page size.
///
/// One loader serves every entity type (a batch fetches each type it holds with one query, the
/// types concurrently). What is generic per type is only [`fetch_rows`]: a loader per type
/// instantiated the DataLoader's whole batching machinery for each of some eighty entities, a
/// tenth of the server's machine code and of its release build time.
pub struct RowLoader {
    db: TenantDb,
    cache: Arc<crate::cache::ReadCache>,
    loaded: tokio::sync::Mutex<HashMap<(TypeId, Uuid), Row>>,
}

impl Loader<RowKey> for RowLoader {
    type Value = Row;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[RowKey]) -> Result<HashMap<RowKey, Row>, Self::Error> {
        let mut loaded = self.loaded.lock().await;
        // The missing ids by type, in the order the types were first asked for.
        let mut missing: Vec<(RowKind, Vec<Uuid>)> = Vec::new();
        for key in keys {
            if loaded.contains_key(&(key.kind.ty, key.id)) {
                continue;
            }
            match missing.iter_mut().find(|(kind, _)| kind.ty == key.kind.ty) {
                Some((_, ids)) => ids.push(key.id),
                None => missing.push((key.kind, vec![key.id])),
            }
        }
        let fetched =
            futures_util::future::try_join_all(missing.into_iter().map(|(kind, ids)| async move {
                Ok::<_, Arc<AppError>>((kind, (kind.fetch)(self, ids).await?))
            }))
            .await?;
        for (kind, rows) in fetched {
            loaded.extend(rows.into_iter().map(|(id, row)| ((kind.ty, id), row)));
        }
        Ok(keys
            .iter()
            .filter_map(|k| loaded.get(&(k.kind.ty, k.id)).map(|row| (*k, row.clone())))
            .collect())
    }
}

/// Fetches rows of `E` by id, through the shared read cache unless the type has sensitive
/// columns: rows are cached raw, under the tenant and the type's generation, and every check of
/// who may see what runs on them afterwards, so the cache is the same for everyone. Rows with
/// sensitive columns (personal data, secrets) never leave the database.
fn fetch_rows<E>(loader: &RowLoader, ids: Vec<Uuid>) -> RowFetch<'_>
where
    E: TenantScoped,
    E::Model: Clone + Send + Sync + serde::Serialize + serde::de::DeserializeOwned,
{
    Box::pin(async move {
        let fetch = async |ids: Vec<Uuid>| {
            let rows = loader
                .db
                .read(async |tx| tx.get_many::<E>(&ids).await)
                .await
                .map_err(|e| Arc::new(AppError::from(e)))?;
            Ok::<HashMap<Uuid, E::Model>, Arc<AppError>>(
                rows.into_iter()
                    .filter_map(|m| model_id::<E>(&m).map(|id| (id, m)))
                    .collect(),
            )
        };
        let rows = if E::SENSITIVE.is_empty() {
            loader
                .cache
                .read_through(
                    loader.db.tenant(),
                    &[E::TYPE_NAME],
                    E::TYPE_NAME,
                    &ids,
                    fetch,
                )
                .await?
        } else {
            fetch(ids).await?
        };
        Ok(rows
            .into_iter()
            .map(|(id, model)| (id, Arc::new(model) as Row))
            .collect())
    })
}

/// Loads one row through the request's loader; `None` when missing or in another tenant.
pub async fn load_one<E>(ctx: &Context<'_>, id: Option<Uuid>) -> AppResult<Option<E::Model>>
where
    E: TenantScoped,
    E::Model: Clone + Send + Sync + serde::Serialize + serde::de::DeserializeOwned,
{
    let Some(id) = id else { return Ok(None) };
    let row = ctx
        .session()?
        .rows()
        .load_one(RowKey {
            kind: RowKind::of::<E>(),
            id,
        })
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{:?}", e)))?;
    Ok(row.and_then(|row| row.downcast_ref::<E::Model>().cloned()))
}

/// A page of a list, Relay style. Its GraphQL name is the node's name plus `Connection`
/// (`EmployeeConnection`), so one generic type serves every entity.
pub struct Page<N> {
    edges: Vec<PageEdge<N>>,
    page_info: PageInfo,
    total_count: u64,
}

impl<N> Page<N> {
    /// A page with no rows (a list the caller may not see anything of).
    pub fn empty() -> Self {
        Self {
            edges: Vec::new(),
            page_info: PageInfo {
                has_next_page: false,
                has_previous_page: false,
                start_cursor: None,
                end_cursor: None,
            },
            total_count: 0,
        }
    }
}

impl<N: OutputType> TypeName for Page<N> {
    fn type_name() -> Cow<'static, str> {
        format!("{}Connection", N::type_name()).into()
    }
}

/// A page of results with Relay cursors, and the total across all pages.
#[Object(name_type)]
impl<N: OutputType> Page<N> {
    /// The rows of this page with their cursors.
    async fn edges(&self) -> Items<'_, PageEdge<N>> {
        self.edges.iter().collect()
    }
    /// The rows of this page, without cursors.
    async fn nodes(&self) -> Items<'_, N> {
        self.edges.iter().map(|e| &e.node).collect()
    }
    /// Where this page sits in the whole list.
    async fn page_info(&self) -> &PageInfo {
        &self.page_info
    }
    /// How many rows match, across all pages. Counted only when selected.
    async fn total_count(&self) -> u64 {
        self.total_count
    }
}

/// One row of a page and its cursor. Its GraphQL name is the node's name plus `Edge`.
pub struct PageEdge<N> {
    /// The ordering's name and the row's sort-key values: the cursor is encoded only when a
    /// client selects it (most pages are read through `nodes`).
    ordering: Arc<str>,
    key: Vec<Value>,
    node: N,
}

impl<N: OutputType> TypeName for PageEdge<N> {
    fn type_name() -> Cow<'static, str> {
        format!("{}Edge", N::type_name()).into()
    }
}

/// A row of a page with the cursor that points at it.
#[Object(name_type)]
impl<N: OutputType> PageEdge<N> {
    /// Opaque cursor: pass it as `after` or `before` to continue from this row.
    async fn cursor(&self) -> GqlResult<String> {
        Ok(Cursor::encode(&self.ordering, &self.key).ok_or_else(|| {
            AppError::internal(anyhow::anyhow!("a sort key is null or not encodable"))
        })?)
    }
    /// The row.
    async fn node(&self) -> &N {
        &self.node
    }
}

/// Where a page sits in the whole list.
#[derive(SimpleObject)]
pub struct PageInfo {
    /// Whether rows follow this page.
    pub has_next_page: bool,
    /// Whether rows precede this page.
    pub has_previous_page: bool,
    /// The first row's cursor; `null` for an empty page.
    pub start_cursor: Option<String>,
    /// The last row's cursor; `null` for an empty page.
    pub end_cursor: Option<String>,
}

/// The complexity of a page: its rows' complexity times the page size asked for (the default
/// when none is). Every connection field declares
/// `#[graphql(complexity = "page_complexity(first, last, child_complexity)")]`.
pub fn page_complexity(first: Option<i32>, last: Option<i32>, child_complexity: usize) -> usize {
    let size = first.or(last).map_or(DEFAULT_PAGE, |n| {
        usize::try_from(n).unwrap_or(0).min(MAX_PAGE)
    });
    size.max(1).saturating_mul(child_complexity.max(1))
}

/// Pagination arguments, validated.
pub struct PageArgs {
    /// `first` or `last`, whichever was given (default 20).
    pub size: usize,
    /// Whether the page counts backwards from `before` (or from the end).
    pub backwards: bool,
    /// The cursor to start after (forwards) or before (backwards).
    pub cursor: Option<Cursor>,
}

impl PageArgs {
    /// Checks the Relay arguments: not both directions, sizes within `0..=100`, cursors
    /// well-formed.
    pub fn parse(
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> AppResult<Self> {
        if first.is_some() && last.is_some() {
            return Err(AppError::BadRequest(
                "pass either `first` or `last`, not both".into(),
            ));
        }
        if (first.is_some() && before.is_some()) || (last.is_some() && after.is_some()) {
            return Err(AppError::BadRequest(
                "`first` goes with `after`, `last` with `before`".into(),
            ));
        }
        if after.is_some() && before.is_some() {
            return Err(AppError::BadRequest(
                "pass either `after` or `before`, not both".into(),
            ));
        }
        let backwards = last.is_some() || before.is_some();
        let size = match first.or(last) {
            None => DEFAULT_PAGE,
            Some(n) if n < 0 => {
                return Err(AppError::BadRequest(
                    "page size must not be negative".into(),
                ));
            }
            Some(n) if n as usize > MAX_PAGE => {
                return Err(AppError::BadRequest(format!(
                    "page size {n} is above the maximum of {MAX_PAGE}"
                )));
            }
            Some(n) => n as usize,
        };
        let cursor = match after.or(before) {
            None => None,
            Some(c) => Some(
                Cursor::decode(&c)
                    .ok_or_else(|| AppError::BadRequest("malformed cursor".into()))?,
            ),
        };
        Ok(Self {
            size,
            backwards,
            cursor,
        })
    }
}

/// Lists the tenant's rows of `E` as a connection ordered by id (ids are UUIDv7, so this is
/// creation order), with keyset cursors. `refine` adds the caller's filters; `wrap` turns a row
/// into its GraphQL type.
pub async fn list<E, N>(
    ctx: &Context<'_>,
    session: &Session,
    args: PageArgs,
    refine: impl Fn(sea_orm::Select<E>) -> sea_orm::Select<E> + Send + Sync,
    wrap: impl Fn(E::Model) -> N,
) -> AppResult<Page<N>>
where
    E: TenantScoped,
    E::Model: Sync,
    N: async_graphql::OutputType,
{
    list_sorted(ctx, session, args, Vec::new(), refine, wrap).await
}

/// Lists the tenant's rows of `E` as a connection sorted by `keys` and then by id (so ties in
/// the sort keys always break the same way), with keyset cursors that carry the row's sort-key
/// values: every page is one indexed range scan, never an `OFFSET`.
pub async fn list_sorted<E, N>(
    ctx: &Context<'_>,
    session: &Session,
    args: PageArgs,
    keys: Vec<SortKey<E::Column>>,
    refine: impl Fn(sea_orm::Select<E>) -> sea_orm::Select<E> + Send + Sync,
    wrap: impl Fn(E::Model) -> N,
) -> AppResult<Page<N>>
where
    E: TenantScoped,
    E::Model: Sync,
    N: async_graphql::OutputType,
{
    let want_total = ctx.look_ahead().field("totalCount").exists();
    let id_col = E::id_column();
    let PageArgs {
        size,
        backwards,
        cursor,
    } = args;
    let ordering = ordering_name(&keys);
    let after = match &cursor {
        Some(c) if c.ordering != ordering => {
            return Err(AppError::BadRequest(
                "the cursor belongs to another ordering; pass the same `orderBy` as the page it came from".into(),
            ));
        }
        Some(c) => Some(keyset_condition(&keys, id_col, &c.values, backwards)?),
        None => None,
    };
    let (rows, total) = session
        .db
        .read(async |tx| {
            let page = tx.select::<E>().refine(|q| {
                let mut q = refine(q);
                if let Some(after) = after.clone() {
                    q = q.filter(after);
                }
                for key in &keys {
                    q = if key.desc != backwards {
                        q.order_by_desc(key.column)
                    } else {
                        q.order_by_asc(key.column)
                    };
                }
                let q = if backwards {
                    q.order_by_desc(id_col)
                } else {
                    q.order_by_asc(id_col)
                };
                q.limit(size as u64 + 1)
            });
            let rows = tx.all(page).await?;
            let total = if want_total {
                tx.count(tx.select::<E>().refine(&refine)).await?
            } else {
                0
            };
            Ok((rows, total))
        })
        .await?;
    let has_more = rows.len() > size;
    let mut rows: Vec<_> = rows.into_iter().take(size).collect();
    if backwards {
        rows.reverse();
    }
    let (has_previous, has_next) = if backwards {
        (has_more, cursor.is_some())
    } else {
        (cursor.is_some(), has_more)
    };
    let ordering: Arc<str> = ordering.into();
    let edges: Vec<PageEdge<N>> = rows
        .into_iter()
        .map(|row| PageEdge {
            ordering: ordering.clone(),
            key: keys
                .iter()
                .map(|k| row.get(k.column))
                .chain(std::iter::once(row.get(id_col)))
                .collect(),
            node: wrap(row),
        })
        .collect();
    let encode = |edge: Option<&PageEdge<N>>| -> AppResult<Option<String>> {
        edge.map(|e| {
            Cursor::encode(&ordering, &e.key).ok_or_else(|| {
                AppError::internal(anyhow::anyhow!(
                    "a sort key of {} is null or not encodable",
                    E::TYPE_NAME
                ))
            })
        })
        .transpose()
    };
    let page_info = PageInfo {
        has_next_page: has_next,
        has_previous_page: has_previous,
        start_cursor: encode(edges.first())?,
        end_cursor: encode(edges.last())?,
    };
    Ok(Page {
        edges,
        page_info,
        total_count: total,
    })
}

/// Declares the `Node` interface and the dispatch of `node(id:)`: one line per node type,
/// `Variant(Type) for Entity` for a plain resource (read with its view permission through the
/// request's loader) or `... => resolver` for a type with its own rules.
macro_rules! nodes {
    ($( $(#[doc = $doc:literal])+ $variant:ident($ty:ident) for $entity:ty $(=> $resolve:path)? ),+ $(,)?) => {
        /// Any object with a global id.
        #[derive(Interface)]
        #[graphql(field(name = "id", ty = "ID", desc = "The opaque global id."))]
        pub enum Node {
            $( $(#[doc = $doc])+ $variant($ty), )+
        }

        /// Resolves a global id inside the caller's tenant, with the view permission of its type.
        pub async fn resolve_node(ctx: &Context<'_>, id: &ID) -> GqlResult<Option<Node>> {
            let session = ctx.session()?;
            let Some((ty, uuid)) = GlobalId::decode(id) else {
                return Ok(None);
            };
            $(
                if ty == <$entity as TenantScoped>::TYPE_NAME {
                    return Ok(nodes!(@resolve ctx, session, uuid, $variant, $entity $(, $resolve)?));
                }
            )+
            Ok(None)
        }

        /// The permission that reads records of a type that can carry tags, comments and
        /// attachments (the plain resources); `None` for any other type.
        pub fn subject_view_permission(type_name: &str) -> Option<(&'static str, Permission)> {
            $(
                if type_name == <$entity as TenantScoped>::TYPE_NAME {
                    return nodes!(@subject $entity $(, $resolve)?);
                }
            )+
            None
        }

        /// Every type that can carry tags, comments and attachments.
        pub fn subject_types() -> Vec<&'static str> {
            let mut types = Vec::new();
            $(
                if let Some((t, _)) = nodes!(@subject $entity $(, $resolve)?) {
                    types.push(t);
                }
            )+
            types
        }

        /// Whether the tenant has a row of a subject type (see [`subject_view_permission`]).
        pub async fn subject_exists(tx: &TenantTx, type_name: &str, id: uuid::Uuid) -> AppResult<bool> {
            $(
                if type_name == <$entity as TenantScoped>::TYPE_NAME {
                    return nodes!(@exists tx, id, $entity $(, $resolve)?);
                }
            )+
            Ok(false)
        }
    };
    (@subject $entity:ty) => {
        Some((<$entity as TenantScoped>::TYPE_NAME, <$entity as Resource>::VIEW))
    };
    (@subject $entity:ty, $resolve:path) => { None::<(&'static str, Permission)> };
    (@exists $tx:ident, $id:ident, $entity:ty) => {
        Ok($tx.get::<$entity>($id).await?.is_some())
    };
    (@exists $tx:ident, $id:ident, $entity:ty, $resolve:path) => { Ok(false) };
    (@resolve $ctx:ident, $session:ident, $uuid:ident, $variant:ident, $entity:ty) => {{
        let _ = $session;
        crate::graphql::resource::get::<$entity>($ctx, &GlobalId::of::<$entity>($uuid))
            .await?
            .map(Node::$variant)
    }};
    (@resolve $ctx:ident, $session:ident, $uuid:ident, $variant:ident, $entity:ty, $resolve:path) => {{
        let _ = $session;
        $resolve($ctx, $uuid).await?.map(Node::$variant)
    }};
}

nodes! {
    /// An account of the chart.
    Account(Account) for entity::accounting::account::Entity,
    /// A journal.
    Journal(Journal) for entity::accounting::journal::Entity,
    /// A tax rate.
    TaxRate(TaxRate) for entity::accounting::tax_rate::Entity,
    /// A fiscal year.
    FiscalYear(FiscalYear) for entity::accounting::fiscal_year::Entity,
    /// A journal entry.
    JournalEntry(JournalEntry) for entity::accounting::journal_entry::Entity,
    /// An invoice, bill or credit note.
    Invoice(Invoice) for entity::accounting::invoice::Entity,
    /// A payment.
    Payment(Payment) for entity::accounting::payment::Entity,
    /// A budget.
    Budget(Budget) for entity::accounting::budget::Entity,
    /// A fixed asset.
    FixedAsset(FixedAsset) for entity::accounting::fixed_asset::Entity,
    /// An expense claim.
    ExpenseClaim(ExpenseClaim) for entity::accounting::expense_claim::Entity,
    /// A work schedule.
    WorkSchedule(WorkSchedule) for entity::hr::work_schedule::Entity,
    /// A holiday.
    Holiday(Holiday) for entity::hr::holiday::Entity,
    /// A leave type.
    LeaveType(LeaveType) for entity::hr::leave_type::Entity,
    /// A leave allocation.
    LeaveAllocation(LeaveAllocation) for entity::hr::leave_allocation::Entity,
    /// An employment contract.
    EmploymentContract(EmploymentContract) for entity::hr::employment_contract::Entity,
    /// A time event.
    TimeEvent(TimeEvent) for entity::hr::time_event::Entity,
    /// An attendance day.
    AttendanceDay(AttendanceDay) for entity::hr::attendance_day::Entity,
    /// An overtime request.
    OvertimeRequest(OvertimeRequest) for entity::hr::overtime_request::Entity,
    /// A leave request.
    LeaveRequest(LeaveRequest) for entity::hr::leave_request::Entity,
    /// A social-insurance enrolment.
    SocialInsuranceEnrolment(SocialInsuranceEnrolment) for entity::hr::social_insurance_enrolment::Entity,
    /// A row of the withholding tax table.
    WithholdingTaxBracket(WithholdingTaxBracket) for entity::hr::withholding_tax_bracket::Entity,
    /// A salary component.
    SalaryComponent(SalaryComponent) for entity::hr::salary_component::Entity,
    /// A salary structure.
    SalaryStructure(SalaryStructure) for entity::hr::salary_structure::Entity,
    /// A component of a salary structure.
    SalaryStructureComponent(SalaryStructureComponent) for entity::hr::salary_structure_component::Entity,
    /// A salary structure assignment.
    SalaryStructureAssignment(SalaryStructureAssignment) for entity::hr::salary_structure_assignment::Entity,
    /// A payroll run.
    PayrollRun(PayrollRun) for entity::hr::payroll_run::Entity,
    /// A headcount plan.
    HeadcountPlan(HeadcountPlan) for entity::hr::headcount_plan::Entity,
    /// A job requisition.
    JobRequisition(JobRequisition) for entity::hr::job_requisition::Entity,
    /// A job opening.
    JobOpening(JobOpening) for entity::hr::job_opening::Entity,
    /// An applicant.
    Applicant(Applicant) for entity::hr::applicant::Entity,
    /// An interview.
    Interview(Interview) for entity::hr::interview::Entity,
    /// A job offer.
    JobOffer(JobOffer) for entity::hr::job_offer::Entity,
    /// A checklist template.
    ChecklistTemplate(ChecklistTemplate) for entity::hr::checklist_template::Entity,
    /// An onboarding.
    Onboarding(Onboarding) for entity::hr::onboarding::Entity,
    /// A task of an onboarding or separation.
    HrChecklistTask(HrChecklistTask) for entity::hr::hr_checklist_task::Entity,
    /// A separation.
    Separation(Separation) for entity::hr::separation::Entity,
    /// A severance scheme.
    SeveranceScheme(SeveranceScheme) for entity::hr::severance_scheme::Entity,
    /// A final settlement.
    FinalSettlement(FinalSettlement) for entity::hr::final_settlement::Entity,
    /// A grade.
    Grade(Grade) for entity::hr::grade::Entity,
    /// A position.
    Position(Position) for entity::hr::position::Entity,
    /// An employee profile.
    EmployeeProfile(EmployeeProfile) for entity::hr::employee_profile::Entity,
    /// A shift assignment.
    ShiftAssignment(ShiftAssignment) for entity::hr::shift_assignment::Entity,
    /// A training programme.
    TrainingProgramme(TrainingProgramme) for entity::hr::training_programme::Entity,
    /// A training session.
    TrainingSession(TrainingSession) for entity::hr::training_session::Entity,
    /// A training enrolment.
    TrainingEnrolment(TrainingEnrolment) for entity::hr::training_enrolment::Entity,
    /// A training a position requires.
    PositionRequiredTraining(PositionRequiredTraining) for entity::hr::position_required_training::Entity,
    /// A performance cycle.
    PerformanceCycle(PerformanceCycle) for entity::hr::performance_cycle::Entity,
    /// A performance goal.
    PerformanceGoal(PerformanceGoal) for entity::hr::performance_goal::Entity,
    /// A performance review.
    PerformanceReview(PerformanceReview) for entity::hr::performance_review::Entity,
    /// A survey.
    Survey(Survey) for entity::hr::survey::Entity,
    /// A payslip.
    Payslip(Payslip) for entity::hr::payslip::Entity,
    /// A health check.
    HealthCheck(HealthCheck) for entity::hr::health_check::Entity,
    /// A bank statement line.
    BankTransaction(BankTransaction) for entity::accounting::bank_transaction::Entity,
    /// An organisation unit.
    OrgUnit(OrgUnit) for entity::org::org_unit::Entity,
    /// An employee.
    Employee(Employee) for entity::org::employee::Entity,
    /// A cost centre.
    CostCentre(CostCentre) for entity::org::cost_centre::Entity,
    /// A location.
    Location(Location) for entity::org::location::Entity,
    /// A customer, supplier or other counterparty.
    Party(Party) for entity::org::party::Entity,
    /// A tag.
    Tag(Tag) for entity::org::tag::Entity,
    /// A role the tenant defined.
    CustomRole(CustomRole) for entity::access::role::Entity => access::custom_role_node,
    /// A member of the tenant.
    Member(Member) for entity::platform::membership::Entity => access::member_node,
    /// An entry of the audit trail.
    AuditEntry(AuditEntry) for entity::audit::entry::Entity => audit::audit_entry_node,
    /// A partner app.
    App(App) for entity::access::app::Entity => apps::app_node,
    /// An API key of a partner app.
    ApiKey(ApiKey) for entity::access::api_key::Entity => apps::api_key_node,
    /// An external identity provider.
    IdentityProvider(IdentityProvider) for entity::access::identity_provider::Entity => idp::idp_node,
    /// A comment on a record.
    Comment(Comment) for entity::org::comment::Entity => collab::comment_node,
    /// A file attached to a record.
    Attachment(Attachment) for entity::org::attachment::Entity => collab::attachment_node,
    /// A read of a sensitive personal field.
    PersonalDataAccess(PersonalDataAccess) for entity::audit::personal_data_access::Entity => audit::personal_data_access_node,
    /// A webhook endpoint.
    WebhookEndpoint(WebhookEndpoint) for entity::kernel::webhook_endpoint::Entity,
    /// A webhook delivery.
    WebhookDelivery(WebhookDelivery) for entity::kernel::webhook_delivery::Entity => resource_node::<entity::kernel::webhook_delivery::Entity>,
    /// A purchase request.
    PurchaseRequest(PurchaseRequest) for entity::purchasing::purchase_request::Entity,
    /// An approval rule.
    ApprovalRule(ApprovalRule) for entity::kernel::approval_rule::Entity,
    /// The approval of one submitted document.
    ApprovalRequest(ApprovalRequest) for entity::kernel::approval_request::Entity => approvals::approval_request_node,
    /// A delegation of approvals.
    ApprovalDelegation(ApprovalDelegation) for entity::kernel::approval_delegation::Entity => resource_node::<entity::kernel::approval_delegation::Entity>,
    /// A notification of the signed-in user.
    Notification(Notification) for entity::kernel::notification::Entity => resource_node::<entity::kernel::notification::Entity>,
    /// An operation on the API keys' allow-list.
    PersistedOperation(PersistedOperation) for entity::kernel::persisted_operation::Entity,
}

/// `node` and `nodes`: resolve any global id inside the caller's tenant.
#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Fetches any object by its global id. Ids of other tenants, of unknown types and malformed
    /// ids all answer `null`, like ids that do not exist. Needs the view permission of the
    /// object's type.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Option<Node>> {
        Ok(resolve_node(ctx, &id).await?)
    }

    /// Fetches several objects by global id, in the order asked; unknown ids give `null`.
    async fn nodes(&self, ctx: &Context<'_>, ids: Vec<ID>) -> GqlResult<Vec<Option<Node>>> {
        if ids.len() > MAX_PAGE {
            return Err(AppError::BadRequest(format!("at most {MAX_PAGE} ids per call")).into());
        }
        let mut out = Vec::with_capacity(ids.len());
        for id in &ids {
            out.push(resolve_node(ctx, id).await?);
        }
        Ok(out)
    }
}

/// Marks the data of a WebSocket connection.
pub struct OverWebSocket;

/// The credential a WebSocket connection was opened with (the `Authorization` value), kept so
/// that live streams can check it is still good; never logged.
pub struct LiveCredential(pub String);

/// Ends a subscription's stream once its credential stops being good — a signed-out session, a
/// revoked key, a suspended member or tenant — or its permissions change: checked, through the
/// principal cache, before every item and every second. The stream then yields one
/// `UNAUTHENTICATED` error and ends, and the client resubscribes with a fresh credential.
pub fn while_credential_holds<T, S>(
    ctx: &Context<'_>,
    stream: S,
) -> impl futures_util::Stream<Item = Result<T, async_graphql::Error>> + Send + use<T, S>
where
    T: Send + 'static,
    S: futures_util::Stream<Item = T> + Send + 'static,
{
    use futures_util::StreamExt;
    let check = match (
        ctx.data_opt::<LiveCredential>(),
        ctx.data_opt::<crate::state::AppState>(),
        ctx.data_opt::<Session>(),
    ) {
        (Some(cred), Some(state), Some(session)) => Some((
            cred.0.clone(),
            state.clone(),
            session.principal.permissions.clone(),
        )),
        _ => None,
    };
    let ticks = futures_util::stream::unfold((), |()| async {
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        Some((None, ()))
    });
    let merged = futures_util::stream::select(stream.map(Some), ticks);
    futures_util::stream::unfold(
        (Box::pin(merged), check, false),
        |(mut merged, check, ended)| async move {
            if ended {
                return None;
            }
            loop {
                let next = merged.next().await?;
                if let Some((cred, state, permissions)) = &check {
                    let holds = match crate::http::reauthenticate(state, cred).await {
                        Ok(p) => p.permissions == *permissions,
                        Err(_) => false,
                    };
                    if !holds {
                        let err = AppError::Unauthenticated(
                            "the credential of this subscription was revoked or changed; \
                             subscribe again"
                                .into(),
                        );
                        return Some((Err(err.into()), (merged, check, true)));
                    }
                }
                if let Some(item) = next {
                    return Some((Ok(item), (merged, check, false)));
                }
            }
        },
    )
}

/// Lets only subscriptions travel over WebSocket. Queries and mutations go over HTTP, where every
/// request-level control applies (limits, deadline, introspection guard, error scrubbing, the
/// personal-data log).
pub struct SubscriptionsOnlyOverWebSocket;

impl async_graphql::extensions::ExtensionFactory for SubscriptionsOnlyOverWebSocket {
    fn create(&self) -> Arc<dyn async_graphql::extensions::Extension> {
        Arc::new(SubscriptionsOnlyOverWebSocket)
    }
}

#[async_trait::async_trait]
impl async_graphql::extensions::Extension for SubscriptionsOnlyOverWebSocket {
    async fn parse_query(
        &self,
        ctx: &async_graphql::extensions::ExtensionContext<'_>,
        query: &str,
        variables: &async_graphql::Variables,
        next: async_graphql::extensions::NextParseQuery<'_>,
    ) -> async_graphql::ServerResult<async_graphql::parser::types::ExecutableDocument> {
        use async_graphql::parser::types::OperationType;
        let doc = next.run(ctx, query, variables).await?;
        // Over HTTP the allow-list was applied before parsing; subscriptions are checked here.
        if ctx.data_opt::<OverWebSocket>().is_some()
            && let (Some(session), Some(state)) = (
                ctx.data_opt::<Session>(),
                ctx.data_opt::<crate::state::AppState>(),
            )
            && !crate::services::persisted::may_run(state, session, query)
                .await
                .map_err(|e| async_graphql::Error::from(e).into_server_error(Default::default()))?
        {
            let mut err = async_graphql::ServerError::new(
                "this tenant's API keys may run only registered persisted operations",
                None,
            );
            err.extensions.get_or_insert_with(Default::default).set(
                "code",
                crate::error::ErrorCode::OperationNotAllowed.as_str(),
            );
            return Err(err);
        }
        if ctx.data_opt::<OverWebSocket>().is_some()
            && doc
                .operations
                .iter()
                .any(|(_, op)| op.node.ty != OperationType::Subscription)
        {
            let mut err = async_graphql::ServerError::new(
                "only subscriptions travel over WebSocket; send queries and mutations over HTTP",
                None,
            );
            err.extensions
                .get_or_insert_with(Default::default)
                .set("code", crate::error::ErrorCode::BadRequest.as_str());
            return Err(err);
        }
        Ok(doc)
    }
}
