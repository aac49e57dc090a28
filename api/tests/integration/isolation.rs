//! The database walls of tenant isolation: composite foreign keys everywhere, and row-level
//! security on PostgreSQL for a role that cannot bypass it.
// These tests talk to the database directly, on purpose around the seam.
#![allow(clippy::disallowed_methods)]

use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement,
};

use crate::helpers::{Backend, backend, shared};

/// One session (so `SET ROLE` sticks) as the API's role, like the server's own connections.
async fn app_role_session(url: &str) -> DatabaseConnection {
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.max_connections(1)
        .min_connections(1)
        .sqlx_logging(false);
    let db = Database::connect(opts).await.expect("connect");
    db.execute_unprepared(&format!("SET ROLE {}", migration::APP_ROLE))
        .await
        .expect("set role");
    db
}

async fn scalar_i64(db: &DatabaseConnection, sql: &str) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(DbBackend::Postgres, sql))
        .await
        .expect("query")
        .expect("row");
    row.try_get_by_index::<i64>(0).expect("number")
}

#[tokio::test]
async fn row_level_security_shows_only_the_tenant_in_the_setting() {
    let Backend::Postgres { url, .. } = backend() else {
        return;
    };
    let app = shared();
    let a = app.new_tenant().await;
    let b = app.new_tenant().await;
    let db = app_role_session(&url).await;

    // A query issued without the tenant setting sees nothing at all.
    assert_eq!(scalar_i64(&db, "SELECT count(*) FROM employees").await, 0);
    assert_eq!(scalar_i64(&db, "SELECT count(*) FROM memberships").await, 0);

    db.execute_unprepared(&format!(
        "SELECT set_config('urakata.tenant_id', '{}', false)",
        a.id
    ))
    .await
    .expect("set");
    assert_eq!(scalar_i64(&db, "SELECT count(*) FROM employees").await, 5);
    assert_eq!(
        scalar_i64(
            &db,
            &format!(
                "SELECT count(*) FROM employees WHERE tenant_id = '{}'",
                b.id
            )
        )
        .await,
        0,
        "naming another tenant explicitly does not help"
    );

    // Writing a row for another tenant is refused by the policy's WITH CHECK.
    let insert = format!(
        "INSERT INTO org_units (tenant_id, id, version, created_at, updated_at, code, name)
         VALUES ('{}', gen_random_uuid(), 1, now(), now(), 'X', 'Smuggled')",
        b.id
    );
    let err = db
        .execute_unprepared(&insert)
        .await
        .expect_err("cross-tenant insert");
    assert!(err.to_string().contains("row-level security"), "{err}");

    // Moving a row into another tenant is refused too.
    let update = format!("UPDATE employees SET tenant_id = '{}'", b.id);
    assert!(db.execute_unprepared(&update).await.is_err());

    // The API's role owns nothing, so it cannot switch the wall off.
    let err = db
        .execute_unprepared("ALTER TABLE employees DISABLE ROW LEVEL SECURITY")
        .await
        .expect_err("not owner");
    assert!(err.to_string().contains("owner"), "{err}");
    db.close().await.ok();
}

#[tokio::test]
async fn every_tenant_table_is_protected_by_row_level_security() {
    let Backend::Postgres { url, .. } = backend() else {
        return;
    };
    shared();
    let db = Database::connect(url.as_str()).await.expect("connect");
    let unprotected = db
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT c.relname::text FROM pg_class c
               JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
               JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
              WHERE c.relkind = 'r'
                AND NOT (c.relrowsecurity AND c.relforcerowsecurity
                         AND EXISTS (SELECT 1 FROM pg_policies p WHERE p.tablename = c.relname))",
        ))
        .await
        .expect("query");
    let names: Vec<String> = unprotected
        .iter()
        .map(|r| r.try_get_by_index(0).expect("name"))
        .collect();
    // The one routing table: it maps an external issuer to its tenant before any tenant is known,
    // and holds nothing else (checked below).
    let names: Vec<String> = names.into_iter().filter(|n| n != "idp_routes").collect();
    assert!(
        names.is_empty(),
        "tables with tenant_id but no row-level security: {names:?}"
    );
    let columns = db
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT column_name::text FROM information_schema.columns WHERE table_name = 'idp_routes' ORDER BY 1",
        ))
        .await
        .expect("query");
    let columns: Vec<String> = columns
        .iter()
        .map(|r| r.try_get_by_index(0).expect("column"))
        .collect();
    assert_eq!(
        columns,
        ["issuer", "tenant_id"],
        "the routing table must hold nothing but the route"
    );
    let owned = scalar_i64(
        &db,
        &format!(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = '{}'",
            migration::APP_ROLE
        ),
    )
    .await;
    assert_eq!(owned, 0, "the API's role must own no table");
    db.close().await.ok();

    // The server's own pool runs as that role.
    let pool = shared().db().await;
    let row = pool
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT current_user::text",
        ))
        .await
        .expect("query")
        .expect("row");
    assert_eq!(
        row.try_get_by_index::<String>(0).expect("name"),
        migration::APP_ROLE
    );
    pool.close().await.ok();
}

#[tokio::test]
async fn every_foreign_key_between_tenant_tables_includes_the_tenant() {
    let app = shared();
    let db = app.db().await;
    // The seam's own tables are listed from the migrations' naming: composite keys are named
    // fk_<table>_<column> and must have two columns, the first being tenant_id.
    if let Backend::Postgres { .. } = backend() {
        let single = db
            .query_all_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT con.conname::text FROM pg_constraint con
                   JOIN pg_class c ON c.oid = con.conrelid
                   JOIN pg_class r ON r.oid = con.confrelid
                  WHERE con.contype = 'f'
                    AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = r.oid AND a.attname = 'tenant_id')
                    AND NOT (array_length(con.conkey, 1) >= 2 AND
                             (SELECT attname FROM pg_attribute WHERE attrelid = c.oid AND attnum = con.conkey[1]) = 'tenant_id')",
            ))
            .await
            .expect("query");
        let names: Vec<String> = single
            .iter()
            .map(|r| r.try_get_by_index(0).expect("name"))
            .collect();
        assert!(
            names.is_empty(),
            "foreign keys into tenant tables without tenant_id first: {names:?}"
        );
    }
    db.close().await.ok();
}
