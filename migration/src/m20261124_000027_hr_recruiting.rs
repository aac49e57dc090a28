//! HR, hire to retire: headcount plans, job requisitions (approved through the kernel), job
//! openings, applicants and their interviews with scored feedback, offers, onboarding and
//! separation checklists, severance schemes and final settlements; and the day an employee
//! left, on the employee.

use sea_orm_migration::prelude::*;

use crate::{protect_tenant_table, tenant_fk, tenant_index, tenant_table, tenant_unique};

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: [&str; 13] = [
    "headcount_plans",
    "job_requisitions",
    "job_openings",
    "applicants",
    "interviews",
    "interview_feedback",
    "job_offers",
    "checklist_templates",
    "onboardings",
    "separations",
    "hr_checklist_tasks",
    "severance_schemes",
    "final_settlements",
];

fn int(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).integer().not_null().to_owned()
}

fn text(name: &'static str, len: u32) -> ColumnDef {
    ColumnDef::new(name).string_len(len).not_null().to_owned()
}

fn money(name: &'static str) -> ColumnDef {
    ColumnDef::new(name)
        .decimal_len(18, 2)
        .not_null()
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // A nullable column without a foreign key: the one change SQLite's ALTER TABLE allows.
        manager
            .alter_table(
                Table::alter()
                    .table("employees")
                    .add_column(ColumnDef::new("left_on").date().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                tenant_table("headcount_plans")
                    .col(ColumnDef::new("org_unit_id").uuid().not_null())
                    .col(ColumnDef::new("period_start").date().not_null())
                    .col(ColumnDef::new("period_end").date().not_null())
                    .col(int("planned_headcount"))
                    .col(ColumnDef::new("note").string_len(1000).null())
                    .foreign_key(&mut tenant_fk(
                        "headcount_plans",
                        "org_unit_id",
                        "org_units",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_unique(
                "headcount_plans",
                &["org_unit_id", "period_start"],
            ))
            .await?;
        manager
            .create_table(
                tenant_table("job_requisitions")
                    .col(text("number", 60))
                    .col(ColumnDef::new("requester_user_id").uuid().not_null())
                    .col(ColumnDef::new("org_unit_id").uuid().not_null())
                    .col(ColumnDef::new("headcount_plan_id").uuid().null())
                    .col(text("title", 200))
                    .col(int("vacancies"))
                    .col(int("filled"))
                    .col(money("salary_max"))
                    .col(text("currency", 3))
                    .col(ColumnDef::new("reason").string_len(1000).null())
                    .col(text("status", 16))
                    .col(
                        ColumnDef::new("submitted_at")
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new("approved_at")
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .foreign_key(&mut tenant_fk(
                        "job_requisitions",
                        "org_unit_id",
                        "org_units",
                    ))
                    .foreign_key(&mut tenant_fk(
                        "job_requisitions",
                        "headcount_plan_id",
                        "headcount_plans",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_unique("job_requisitions", &["number"]))
            .await?;
        manager
            .create_index(tenant_index("job_requisitions", &["org_unit_id", "status"]))
            .await?;
        manager
            .create_table(
                tenant_table("job_openings")
                    .col(ColumnDef::new("requisition_id").uuid().not_null())
                    .col(text("title", 200))
                    .col(ColumnDef::new("description").string_len(4000).null())
                    .col(ColumnDef::new("closes_on").date().null())
                    .col(text("status", 16))
                    .foreign_key(&mut tenant_fk(
                        "job_openings",
                        "requisition_id",
                        "job_requisitions",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_index("job_openings", &["requisition_id"]))
            .await?;
        manager
            .create_table(
                tenant_table("applicants")
                    .col(ColumnDef::new("opening_id").uuid().not_null())
                    .col(text("family_name", 100))
                    .col(text("given_name", 100))
                    .col(text("email", 254))
                    .col(ColumnDef::new("phone").string_len(40).null())
                    .col(ColumnDef::new("source").string_len(100).null())
                    .col(text("stage", 16))
                    .col(ColumnDef::new("note").string_len(2000).null())
                    .foreign_key(&mut tenant_fk("applicants", "opening_id", "job_openings"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_unique("applicants", &["opening_id", "email"]))
            .await?;
        manager
            .create_table(
                tenant_table("interviews")
                    .col(ColumnDef::new("applicant_id").uuid().not_null())
                    .col(int("round"))
                    .col(
                        ColumnDef::new("scheduled_at")
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new("location").string_len(200).null())
                    .col(text("status", 16))
                    .foreign_key(&mut tenant_fk("interviews", "applicant_id", "applicants"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_index("interviews", &["applicant_id"]))
            .await?;
        manager
            .create_table(
                tenant_table("interview_feedback")
                    .col(ColumnDef::new("interview_id").uuid().not_null())
                    .col(ColumnDef::new("interviewer_user_id").uuid().not_null())
                    .col(int("score"))
                    .col(text("recommendation", 16))
                    .col(ColumnDef::new("comments").string_len(4000).null())
                    .foreign_key(&mut tenant_fk(
                        "interview_feedback",
                        "interview_id",
                        "interviews",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_unique(
                "interview_feedback",
                &["interview_id", "interviewer_user_id"],
            ))
            .await?;
        manager
            .create_table(
                tenant_table("job_offers")
                    .col(ColumnDef::new("applicant_id").uuid().not_null())
                    .col(ColumnDef::new("requisition_id").uuid().not_null())
                    .col(text("contract_type", 20))
                    .col(ColumnDef::new("proposed_start").date().not_null())
                    .col(ColumnDef::new("end_date").date().null())
                    .col(ColumnDef::new("trial_end").date().null())
                    .col(money("wage"))
                    .col(ColumnDef::new("work_schedule_id").uuid().not_null())
                    .col(ColumnDef::new("structure_id").uuid().null())
                    .col(text("status", 16))
                    .col(
                        ColumnDef::new("decided_at")
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .foreign_key(&mut tenant_fk("job_offers", "applicant_id", "applicants"))
                    .foreign_key(&mut tenant_fk(
                        "job_offers",
                        "requisition_id",
                        "job_requisitions",
                    ))
                    .foreign_key(&mut tenant_fk(
                        "job_offers",
                        "work_schedule_id",
                        "work_schedules",
                    ))
                    .foreign_key(&mut tenant_fk(
                        "job_offers",
                        "structure_id",
                        "salary_structures",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_index("job_offers", &["applicant_id"]))
            .await?;
        // One live offer per applicant.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX ux_job_offers_live ON job_offers (tenant_id, applicant_id) \
                 WHERE status IN ('draft', 'sent', 'accepted')",
            )
            .await?;
        manager
            .create_table(
                tenant_table("checklist_templates")
                    .col(text("code", 30))
                    .col(text("name", 200))
                    .col(text("kind", 16))
                    .col(ColumnDef::new("items").text().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_unique("checklist_templates", &["code"]))
            .await?;
        manager
            .create_table(
                tenant_table("onboardings")
                    .col(ColumnDef::new("offer_id").uuid().not_null())
                    .col(ColumnDef::new("applicant_id").uuid().not_null())
                    .col(ColumnDef::new("employee_id").uuid().null())
                    .col(text("status", 16))
                    .col(
                        ColumnDef::new("completed_at")
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .foreign_key(&mut tenant_fk("onboardings", "offer_id", "job_offers"))
                    .foreign_key(&mut tenant_fk("onboardings", "applicant_id", "applicants"))
                    .foreign_key(&mut tenant_fk("onboardings", "employee_id", "employees"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_unique("onboardings", &["offer_id"]))
            .await?;
        manager
            .create_table(
                tenant_table("separations")
                    .col(ColumnDef::new("employee_id").uuid().not_null())
                    .col(ColumnDef::new("last_working_day").date().not_null())
                    .col(text("reason", 20))
                    .col(ColumnDef::new("note").string_len(2000).null())
                    .col(text("status", 16))
                    .col(
                        ColumnDef::new("completed_at")
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .foreign_key(&mut tenant_fk("separations", "employee_id", "employees"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_index("separations", &["employee_id"]))
            .await?;
        // One open separation per employee.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX ux_separations_open ON separations (tenant_id, employee_id) \
                 WHERE status = 'open'",
            )
            .await?;
        manager
            .create_table(
                tenant_table("hr_checklist_tasks")
                    .col(ColumnDef::new("onboarding_id").uuid().null())
                    .col(ColumnDef::new("separation_id").uuid().null())
                    .col(int("seq"))
                    .col(text("kind", 16))
                    .col(text("title", 200))
                    .col(ColumnDef::new("required").boolean().not_null())
                    .col(ColumnDef::new("reference").string_len(200).null())
                    .col(ColumnDef::new("done_at").timestamp_with_time_zone().null())
                    .col(ColumnDef::new("done_by").uuid().null())
                    .foreign_key(&mut tenant_fk(
                        "hr_checklist_tasks",
                        "onboarding_id",
                        "onboardings",
                    ))
                    .foreign_key(&mut tenant_fk(
                        "hr_checklist_tasks",
                        "separation_id",
                        "separations",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_index("hr_checklist_tasks", &["onboarding_id"]))
            .await?;
        manager
            .create_index(tenant_index("hr_checklist_tasks", &["separation_id"]))
            .await?;
        manager
            .create_table(
                tenant_table("severance_schemes")
                    .col(text("code", 30))
                    .col(text("name", 200))
                    .col(ColumnDef::new("bands").text().not_null())
                    .col(ColumnDef::new("reason_factors").text().not_null())
                    .col(ColumnDef::new("active").boolean().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_unique("severance_schemes", &["code"]))
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX ux_severance_schemes_active ON severance_schemes (tenant_id) \
                 WHERE active AND archived_at IS NULL",
            )
            .await?;
        manager
            .create_table(
                tenant_table("final_settlements")
                    .col(ColumnDef::new("separation_id").uuid().not_null())
                    .col(ColumnDef::new("employee_id").uuid().not_null())
                    .col(ColumnDef::new("scheme_id").uuid().null())
                    .col(int("service_months"))
                    .col(money("base_wage"))
                    .col(money("severance"))
                    .col(money("retirement_deduction"))
                    .col(money("taxable_income"))
                    .col(money("income_tax"))
                    .col(money("resident_tax"))
                    .col(money("net"))
                    .col(ColumnDef::new("declaration_submitted").boolean().not_null())
                    .col(text("status", 16))
                    .col(ColumnDef::new("entry_id").uuid().null())
                    .foreign_key(&mut tenant_fk(
                        "final_settlements",
                        "separation_id",
                        "separations",
                    ))
                    .foreign_key(&mut tenant_fk(
                        "final_settlements",
                        "employee_id",
                        "employees",
                    ))
                    .foreign_key(&mut tenant_fk(
                        "final_settlements",
                        "scheme_id",
                        "severance_schemes",
                    ))
                    .foreign_key(&mut tenant_fk(
                        "final_settlements",
                        "entry_id",
                        "journal_entries",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_unique("final_settlements", &["separation_id"]))
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
        manager
            .alter_table(
                Table::alter()
                    .table("employees")
                    .drop_column("left_on")
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
