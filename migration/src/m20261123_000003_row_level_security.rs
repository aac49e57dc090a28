//! Row-level security on PostgreSQL: the second wall behind the tenancy seam.
//!
//! The API does not use the role that owns the tables: its connections run as `urakata_app`
//! (set at connection start), which owns nothing, is no superuser and cannot bypass RLS. Every
//! tenant-owned table gets a policy comparing `tenant_id` with the transaction's
//! `urakata.tenant_id` setting, which `entity::TenantTx` sets. Without the setting a query sees
//! no rows and can write none. On SQLite this migration does nothing.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::{APP_ROLE, protect_tenant_table};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The tenant-owned tables that existed before this migration. Later migrations call
/// `protect_tenant_table` for their own tables (a test checks that none is missed).
const TABLES: [&str; 3] = ["memberships", "org_units", "employees"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared(&format!(
            "DO $$ BEGIN
               IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
                 CREATE ROLE {APP_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
               END IF;
             END $$;
             GRANT {APP_ROLE} TO CURRENT_USER;
             GRANT USAGE ON SCHEMA public TO {APP_ROLE};
             GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE};
             GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE};
             ALTER DEFAULT PRIVILEGES IN SCHEMA public
               GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {APP_ROLE};
             ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {APP_ROLE};
             -- A SQL function marked STABLE is inlined by the planner, so the policy below
             -- compares tenant_id with a constant and the (tenant_id, ...) indexes stay usable.
             CREATE OR REPLACE FUNCTION urakata_current_tenant() RETURNS uuid
               LANGUAGE sql STABLE PARALLEL SAFE
               AS $f$ SELECT NULLIF(current_setting('urakata.tenant_id', true), '')::uuid $f$;"
        ))
        .await?;
        for table in TABLES {
            protect_tenant_table(manager, table).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        for table in TABLES {
            db.execute_unprepared(&format!(
                "DROP POLICY IF EXISTS tenant_isolation ON {table};
                 ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY;
                 ALTER TABLE {table} DISABLE ROW LEVEL SECURITY;"
            ))
            .await?;
        }
        db.execute_unprepared("DROP FUNCTION IF EXISTS urakata_current_tenant()")
            .await?;
        Ok(())
    }
}
