//! The dispatcher's view across tenants: which tenants have pending events and which webhook
//! deliveries are due. These are the only cross-tenant reads of tenant-owned tables; they return
//! keys only, and all further work on a row happens in a transaction bound to its tenant.
//!
//! On PostgreSQL the transaction sets `urakata.dispatcher = on`, which the `dispatcher_scan`
//! policy (migration `000016_events`) honours for reads of exactly these two tables.

use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Statement, TransactionTrait,
};
use uuid::Uuid;

use crate::kernel::{approval_request, outbox_event, webhook_delivery};

async fn scan<T>(
    db: &DatabaseConnection,
    f: impl AsyncFnOnce(&sea_orm::DatabaseTransaction) -> Result<T, DbErr>,
) -> Result<T, DbErr> {
    let tx = db.begin().await?;
    if db.get_database_backend() == DbBackend::Postgres {
        tx.execute_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT set_config('urakata.dispatcher', 'on', true)",
        ))
        .await?;
    }
    let out = f(&tx).await?;
    tx.commit().await?;
    Ok(out)
}

/// Tenants with events not yet published, oldest event first, at most `limit`.
pub async fn tenants_with_pending_events(
    db: &DatabaseConnection,
    limit: u64,
) -> Result<Vec<Uuid>, DbErr> {
    scan(db, async |tx| {
        let rows: Vec<(Uuid, Uuid)> = outbox_event::Entity::find()
            .select_only()
            .column(outbox_event::Column::TenantId)
            .column(outbox_event::Column::Id)
            .filter(outbox_event::Column::PublishedAt.is_null())
            .order_by_asc(outbox_event::Column::Id)
            .limit(limit * 20)
            .into_tuple()
            .all(tx)
            .await?;
        let mut tenants = Vec::new();
        for (tenant, _) in rows {
            if !tenants.contains(&tenant) {
                tenants.push(tenant);
            }
            if tenants.len() as u64 >= limit {
                break;
            }
        }
        Ok(tenants)
    })
    .await
}

/// Tenants with published events or finished deliveries from before `cutoff`, at most `limit`.
pub async fn tenants_with_expired_events(
    db: &DatabaseConnection,
    cutoff: chrono::DateTime<chrono::Utc>,
    limit: u64,
) -> Result<Vec<Uuid>, DbErr> {
    scan(db, async |tx| {
        let mut tenants: Vec<Uuid> = outbox_event::Entity::find()
            .select_only()
            .column(outbox_event::Column::TenantId)
            .distinct()
            .filter(outbox_event::Column::PublishedAt.lt(cutoff))
            .limit(limit)
            .into_tuple()
            .all(tx)
            .await?;
        let deliveries: Vec<Uuid> = webhook_delivery::Entity::find()
            .select_only()
            .column(webhook_delivery::Column::TenantId)
            .distinct()
            .filter(webhook_delivery::Column::Status.ne("pending"))
            .filter(webhook_delivery::Column::CreatedAt.lt(cutoff))
            .limit(limit)
            .into_tuple()
            .all(tx)
            .await?;
        for t in deliveries {
            if !tenants.contains(&t) {
                tenants.push(t);
            }
        }
        Ok(tenants)
    })
    .await
}

/// Tenants with pending approvals due on or before `by`.
pub async fn tenants_with_due_approvals(
    db: &DatabaseConnection,
    by: chrono::NaiveDate,
) -> Result<Vec<Uuid>, DbErr> {
    scan(db, async |tx| {
        approval_request::Entity::find()
            .select_only()
            .column(approval_request::Column::TenantId)
            .distinct()
            .filter(approval_request::Column::Status.eq("pending"))
            .filter(approval_request::Column::DueOn.lte(by))
            .limit(1000)
            .into_tuple()
            .all(tx)
            .await
    })
    .await
}

/// Webhook deliveries that are pending and due, soonest first, as `(tenant, delivery)`.
pub async fn due_deliveries(
    db: &DatabaseConnection,
    now: chrono::DateTime<chrono::Utc>,
    limit: u64,
) -> Result<Vec<(Uuid, Uuid)>, DbErr> {
    scan(db, async |tx| {
        webhook_delivery::Entity::find()
            .select_only()
            .column(webhook_delivery::Column::TenantId)
            .column(webhook_delivery::Column::Id)
            .filter(webhook_delivery::Column::Status.eq("pending"))
            .filter(webhook_delivery::Column::NextAttemptAt.lte(now))
            .order_by_asc(webhook_delivery::Column::NextAttemptAt)
            .limit(limit)
            .into_tuple()
            .all(tx)
            .await
    })
    .await
}
