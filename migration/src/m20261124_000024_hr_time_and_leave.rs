//! HR, first part: employment contracts, work schedules and holidays, time events and the one
//! attendance row per employee and day they make, overtime requests under the 36 agreement,
//! and leave (types, allocations, requests and the ledger of what was taken).

use sea_orm_migration::prelude::*;

use crate::{protect_tenant_table, tenant_fk, tenant_index, tenant_table, tenant_unique};

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: [&str; 11] = [
    "hr_settings",
    "work_schedules",
    "holidays",
    "employment_contracts",
    "time_events",
    "attendance_days",
    "overtime_requests",
    "leave_types",
    "leave_allocations",
    "leave_requests",
    "leave_ledger_entries",
];

fn int(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).integer().not_null().to_owned()
}

fn employee_fk(table: &'static str) -> ForeignKeyCreateStatement {
    tenant_fk(table, "employee_id", "employees")
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Limits are in minutes; the defaults are the statutory ones of a 36 agreement.
        manager
            .create_table(
                tenant_table("hr_settings")
                    .col(int("ot_month_limit"))
                    .col(int("ot_year_limit"))
                    .col(int("ot_warn_percent"))
                    .col(ColumnDef::new("special_clause").boolean().not_null())
                    .col(int("special_month_max"))
                    .col(int("special_year_max"))
                    .col(int("special_months_max"))
                    .col(int("special_average_max"))
                    .col(int("agreement_year_start_month"))
                    .col(int("utc_offset_minutes"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_unique("hr_settings", &[]))
            .await?;
        manager
            .create_table(
                tenant_table("work_schedules")
                    .col(ColumnDef::new("code").string_len(30).not_null())
                    .col(ColumnDef::new("name").string_len(200).not_null())
                    .col(ColumnDef::new("start_time").time().not_null())
                    .col(ColumnDef::new("end_time").time().not_null())
                    .col(int("break_minutes"))
                    .col(int("daily_minutes"))
                    .col(int("grace_minutes"))
                    .col(int("half_day_minutes"))
                    .col(ColumnDef::new("weekdays").string_len(7).not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_unique("work_schedules", &["code"]))
            .await?;
        manager
            .create_table(
                tenant_table("holidays")
                    .col(ColumnDef::new("date").date().not_null())
                    .col(ColumnDef::new("name").string_len(200).not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_unique("holidays", &["date"]))
            .await?;
        manager
            .create_table(
                tenant_table("employment_contracts")
                    .col(ColumnDef::new("number").string_len(60).not_null())
                    .col(ColumnDef::new("employee_id").uuid().not_null())
                    .col(ColumnDef::new("contract_type").string_len(20).not_null())
                    .col(ColumnDef::new("status").string_len(16).not_null())
                    .col(ColumnDef::new("start_date").date().not_null())
                    .col(ColumnDef::new("end_date").date().null())
                    .col(ColumnDef::new("trial_end").date().null())
                    .col(ColumnDef::new("wage_type").string_len(16).not_null())
                    .col(ColumnDef::new("wage").decimal_len(18, 2).not_null())
                    .col(ColumnDef::new("work_schedule_id").uuid().not_null())
                    .col(ColumnDef::new("renewal_of_id").uuid().null())
                    .col(ColumnDef::new("end_reason").string_len(500).null())
                    .foreign_key(&mut employee_fk("employment_contracts"))
                    .foreign_key(&mut tenant_fk(
                        "employment_contracts",
                        "work_schedule_id",
                        "work_schedules",
                    ))
                    .foreign_key(&mut tenant_fk(
                        "employment_contracts",
                        "renewal_of_id",
                        "employment_contracts",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_unique("employment_contracts", &["number"]))
            .await?;
        manager
            .create_index(tenant_index(
                "employment_contracts",
                &["employee_id", "start_date"],
            ))
            .await?;
        // At most one running contract per employee: the service checks it under the employee's
        // row lock, and this partial index (the same SQL on both backends) is the last word.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX ux_employment_contracts_running \
                 ON employment_contracts (tenant_id, employee_id) WHERE status = 'running'",
            )
            .await?;
        manager
            .create_table(
                tenant_table("time_events")
                    .col(ColumnDef::new("employee_id").uuid().not_null())
                    .col(ColumnDef::new("kind").string_len(8).not_null())
                    .col(
                        ColumnDef::new("occurred_at")
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new("work_date").date().not_null())
                    .col(ColumnDef::new("source").string_len(16).not_null())
                    .col(ColumnDef::new("remote").boolean().not_null())
                    .foreign_key(&mut employee_fk("time_events"))
                    .to_owned(),
            )
            .await?;
        // The same event twice (a device retrying) is one event.
        manager
            .create_index(tenant_unique(
                "time_events",
                &["employee_id", "occurred_at", "kind"],
            ))
            .await?;
        manager
            .create_index(tenant_index("time_events", &["employee_id", "work_date"]))
            .await?;
        manager
            .create_table(
                tenant_table("attendance_days")
                    .col(ColumnDef::new("employee_id").uuid().not_null())
                    .col(ColumnDef::new("work_date").date().not_null())
                    .col(ColumnDef::new("work_schedule_id").uuid().null())
                    .col(ColumnDef::new("status").string_len(16).not_null())
                    .col(ColumnDef::new("first_in").timestamp_with_time_zone().null())
                    .col(ColumnDef::new("last_out").timestamp_with_time_zone().null())
                    .col(int("worked_minutes"))
                    .col(int("late_minutes"))
                    .col(int("overtime_minutes"))
                    .col(int("holiday_minutes"))
                    .col(ColumnDef::new("remote").boolean().not_null())
                    .col(ColumnDef::new("source").string_len(16).not_null())
                    .col(ColumnDef::new("validated").boolean().not_null())
                    .col(ColumnDef::new("note").string_len(500).null())
                    .foreign_key(&mut employee_fk("attendance_days"))
                    .foreign_key(&mut tenant_fk(
                        "attendance_days",
                        "work_schedule_id",
                        "work_schedules",
                    ))
                    .to_owned(),
            )
            .await?;
        // One attendance row per employee and day.
        manager
            .create_index(tenant_unique(
                "attendance_days",
                &["employee_id", "work_date"],
            ))
            .await?;
        manager
            .create_table(
                tenant_table("overtime_requests")
                    .col(ColumnDef::new("employee_id").uuid().not_null())
                    .col(ColumnDef::new("requester_user_id").uuid().not_null())
                    .col(ColumnDef::new("work_date").date().not_null())
                    .col(int("planned_minutes"))
                    .col(ColumnDef::new("reason").string_len(500).not_null())
                    .col(ColumnDef::new("status").string_len(16).not_null())
                    .col(ColumnDef::new("decided_by").uuid().null())
                    .col(
                        ColumnDef::new("decided_at")
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .foreign_key(&mut employee_fk("overtime_requests"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_index(
                "overtime_requests",
                &["employee_id", "work_date"],
            ))
            .await?;
        manager
            .create_table(
                tenant_table("leave_types")
                    .col(ColumnDef::new("code").string_len(30).not_null())
                    .col(ColumnDef::new("name").string_len(200).not_null())
                    .col(ColumnDef::new("paid").boolean().not_null())
                    .col(ColumnDef::new("requires_allocation").boolean().not_null())
                    .col(ColumnDef::new("allow_negative").boolean().not_null())
                    .col(ColumnDef::new("half_day_allowed").boolean().not_null())
                    .col(ColumnDef::new("max_consecutive_days").integer().null())
                    .col(ColumnDef::new("statutory_accrual").boolean().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_unique("leave_types", &["code"]))
            .await?;
        manager
            .create_table(
                tenant_table("leave_allocations")
                    .col(ColumnDef::new("employee_id").uuid().not_null())
                    .col(ColumnDef::new("leave_type_id").uuid().not_null())
                    .col(ColumnDef::new("valid_from").date().not_null())
                    .col(ColumnDef::new("valid_to").date().not_null())
                    .col(ColumnDef::new("days").decimal_len(6, 1).not_null())
                    .col(ColumnDef::new("source").string_len(16).not_null())
                    .col(ColumnDef::new("note").string_len(500).null())
                    .foreign_key(&mut employee_fk("leave_allocations"))
                    .foreign_key(&mut tenant_fk(
                        "leave_allocations",
                        "leave_type_id",
                        "leave_types",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_index(
                "leave_allocations",
                &["employee_id", "leave_type_id", "valid_to"],
            ))
            .await?;
        manager
            .create_table(
                tenant_table("leave_requests")
                    .col(ColumnDef::new("number").string_len(60).not_null())
                    .col(ColumnDef::new("employee_id").uuid().not_null())
                    .col(ColumnDef::new("requester_user_id").uuid().not_null())
                    .col(ColumnDef::new("leave_type_id").uuid().not_null())
                    .col(ColumnDef::new("from_date").date().not_null())
                    .col(ColumnDef::new("to_date").date().not_null())
                    .col(ColumnDef::new("half").string_len(4).not_null())
                    .col(ColumnDef::new("days").decimal_len(6, 1).not_null())
                    .col(ColumnDef::new("reason").string_len(1000).null())
                    .col(ColumnDef::new("status").string_len(16).not_null())
                    .col(
                        ColumnDef::new("submitted_at")
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .foreign_key(&mut employee_fk("leave_requests"))
                    .foreign_key(&mut tenant_fk(
                        "leave_requests",
                        "leave_type_id",
                        "leave_types",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_unique("leave_requests", &["number"]))
            .await?;
        manager
            .create_index(tenant_index(
                "leave_requests",
                &["employee_id", "from_date"],
            ))
            .await?;
        manager
            .create_table(
                tenant_table("leave_ledger_entries")
                    .col(ColumnDef::new("employee_id").uuid().not_null())
                    .col(ColumnDef::new("leave_type_id").uuid().not_null())
                    .col(ColumnDef::new("allocation_id").uuid().null())
                    .col(ColumnDef::new("leave_request_id").uuid().not_null())
                    .col(ColumnDef::new("on_date").date().not_null())
                    .col(ColumnDef::new("days").decimal_len(6, 1).not_null())
                    .col(ColumnDef::new("kind").string_len(16).not_null())
                    .foreign_key(&mut employee_fk("leave_ledger_entries"))
                    .foreign_key(&mut tenant_fk(
                        "leave_ledger_entries",
                        "leave_type_id",
                        "leave_types",
                    ))
                    .foreign_key(&mut tenant_fk(
                        "leave_ledger_entries",
                        "allocation_id",
                        "leave_allocations",
                    ))
                    .foreign_key(&mut tenant_fk(
                        "leave_ledger_entries",
                        "leave_request_id",
                        "leave_requests",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_index(
                "leave_ledger_entries",
                &["employee_id", "leave_type_id"],
            ))
            .await?;
        for t in TABLES {
            protect_tenant_table(manager, t).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in TABLES.iter().rev() {
            manager
                .drop_table(Table::drop().table(*t).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
