//! The organisation core: units and employees.
//!
//! Units and employees point at each other (a unit's manager is an employee, an employee sits in
//! a unit). SQLite only accepts foreign keys inside `CREATE TABLE` but lets them name a table
//! that does not exist yet; PostgreSQL wants the target to exist but can add the key later. So
//! the unit-to-manager key is declared inline on SQLite and added with `ALTER TABLE` on
//! PostgreSQL.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::{tenant_fk, tenant_index, tenant_table, tenant_unique};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let sqlite = manager.get_database_backend() == DbBackend::Sqlite;
        let mut units = tenant_table("org_units");
        units
            .col(ColumnDef::new("code").string_len(32).not_null())
            .col(ColumnDef::new("name").string_len(200).not_null())
            .col(ColumnDef::new("parent_id").uuid().null())
            .col(ColumnDef::new("manager_id").uuid().null())
            .foreign_key(&mut tenant_fk("org_units", "parent_id", "org_units"));
        if sqlite {
            units.foreign_key(&mut tenant_fk("org_units", "manager_id", "employees"));
        }
        manager.create_table(units).await?;
        manager
            .create_index(tenant_unique("org_units", &["code"]))
            .await?;
        manager
            .create_index(tenant_index("org_units", &["parent_id"]))
            .await?;

        manager
            .create_table(
                tenant_table("employees")
                    .col(ColumnDef::new("employee_number").string_len(32).not_null())
                    .col(ColumnDef::new("family_name").string_len(100).not_null())
                    .col(ColumnDef::new("given_name").string_len(100).not_null())
                    .col(ColumnDef::new("work_email").string_len(254).not_null())
                    .col(ColumnDef::new("org_unit_id").uuid().null())
                    .col(ColumnDef::new("manager_id").uuid().null())
                    .col(
                        ColumnDef::new("status")
                            .string_len(16)
                            .not_null()
                            .default("active"),
                    )
                    .col(ColumnDef::new("hire_date").date().not_null())
                    .col(ColumnDef::new("user_id").uuid().null())
                    .foreign_key(&mut tenant_fk("employees", "org_unit_id", "org_units"))
                    .foreign_key(&mut tenant_fk("employees", "manager_id", "employees"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_unique("employees", &["employee_number"]))
            .await?;
        manager
            .create_index(tenant_index("employees", &["org_unit_id"]))
            .await?;
        manager
            .create_index(tenant_index("employees", &["manager_id"]))
            .await?;
        if !sqlite {
            manager
                .create_foreign_key(tenant_fk("org_units", "manager_id", "employees"))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Sqlite {
            manager
                .drop_foreign_key(
                    ForeignKey::drop()
                        .name("fk_org_units_manager_id")
                        .table("org_units")
                        .to_owned(),
                )
                .await?;
        }
        for t in ["employees", "org_units"] {
            manager
                .drop_table(Table::drop().table(t).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
