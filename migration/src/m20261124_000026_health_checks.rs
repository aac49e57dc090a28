//! HR, third part: health checks and stress checks, whose results only occupational-health
//! staff and the employee read.

use sea_orm_migration::prelude::*;

use crate::{protect_tenant_table, tenant_fk, tenant_index, tenant_table};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                tenant_table("health_checks")
                    .col(ColumnDef::new("employee_id").uuid().not_null())
                    .col(ColumnDef::new("kind").string_len(16).not_null())
                    .col(ColumnDef::new("checked_on").date().not_null())
                    .col(ColumnDef::new("provider").string_len(200).null())
                    .col(ColumnDef::new("result").string_len(2000).null())
                    .col(ColumnDef::new("findings_level").string_len(8).null())
                    .col(ColumnDef::new("follow_up_required").boolean().null())
                    .col(ColumnDef::new("high_stress").boolean().null())
                    .foreign_key(&mut tenant_fk("health_checks", "employee_id", "employees"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_index(
                "health_checks",
                &["employee_id", "checked_on"],
            ))
            .await?;
        protect_tenant_table(manager, "health_checks").await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("health_checks").if_exists().to_owned())
            .await
    }
}
