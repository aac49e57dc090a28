//! HR, development and the organisation of work: grades, positions and employee profiles,
//! shift assignments, training (programmes, sessions, enrolments, requirements per position),
//! performance cycles (goals and reviews) and satisfaction surveys with anonymous answers.

use sea_orm_migration::prelude::*;

use crate::{protect_tenant_table, tenant_fk, tenant_index, tenant_table, tenant_unique};

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: [&str; 15] = [
    "grades",
    "positions",
    "employee_profiles",
    "shift_assignments",
    "training_programmes",
    "training_sessions",
    "training_enrolments",
    "position_required_trainings",
    "performance_cycles",
    "performance_goals",
    "performance_reviews",
    "surveys",
    "survey_questions",
    "survey_participations",
    "survey_responses",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                tenant_table("grades")
                    .col(ColumnDef::new("code").string_len(30).not_null())
                    .col(ColumnDef::new("name").string_len(200).not_null())
                    .col(ColumnDef::new("rank").integer().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_unique("grades", &["code"]))
            .await?;
        manager
            .create_table(
                tenant_table("positions")
                    .col(ColumnDef::new("code").string_len(30).not_null())
                    .col(ColumnDef::new("name").string_len(200).not_null())
                    .col(ColumnDef::new("org_unit_id").uuid().null())
                    .col(ColumnDef::new("grade_id").uuid().null())
                    .foreign_key(&mut tenant_fk("positions", "org_unit_id", "org_units"))
                    .foreign_key(&mut tenant_fk("positions", "grade_id", "grades"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_unique("positions", &["code"]))
            .await?;
        manager
            .create_index(tenant_index("positions", &["org_unit_id"]))
            .await?;
        manager
            .create_index(tenant_index("positions", &["grade_id"]))
            .await?;
        manager
            .create_table(
                tenant_table("employee_profiles")
                    .col(ColumnDef::new("employee_id").uuid().not_null())
                    .col(ColumnDef::new("grade_id").uuid().null())
                    .col(ColumnDef::new("position_id").uuid().null())
                    .col(ColumnDef::new("emergency_contact").string_len(500).null())
                    .foreign_key(&mut tenant_fk(
                        "employee_profiles",
                        "employee_id",
                        "employees",
                    ))
                    .foreign_key(&mut tenant_fk("employee_profiles", "grade_id", "grades"))
                    .foreign_key(&mut tenant_fk(
                        "employee_profiles",
                        "position_id",
                        "positions",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_unique("employee_profiles", &["employee_id"]))
            .await?;
        manager
            .create_index(tenant_index("employee_profiles", &["grade_id"]))
            .await?;
        manager
            .create_index(tenant_index("employee_profiles", &["position_id"]))
            .await?;
        manager
            .create_table(
                tenant_table("shift_assignments")
                    .col(ColumnDef::new("employee_id").uuid().not_null())
                    .col(ColumnDef::new("work_date").date().not_null())
                    .col(ColumnDef::new("work_schedule_id").uuid().not_null())
                    .foreign_key(&mut tenant_fk(
                        "shift_assignments",
                        "employee_id",
                        "employees",
                    ))
                    .foreign_key(&mut tenant_fk(
                        "shift_assignments",
                        "work_schedule_id",
                        "work_schedules",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_unique(
                "shift_assignments",
                &["employee_id", "work_date"],
            ))
            .await?;
        manager
            .create_index(tenant_index("shift_assignments", &["work_schedule_id"]))
            .await?;
        manager
            .create_table(
                tenant_table("training_programmes")
                    .col(ColumnDef::new("code").string_len(30).not_null())
                    .col(ColumnDef::new("name").string_len(200).not_null())
                    .col(ColumnDef::new("validity_months").integer().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_unique("training_programmes", &["code"]))
            .await?;
        manager
            .create_table(
                tenant_table("training_sessions")
                    .col(ColumnDef::new("programme_id").uuid().not_null())
                    .col(ColumnDef::new("starts_on").date().not_null())
                    .col(ColumnDef::new("ends_on").date().not_null())
                    .col(ColumnDef::new("capacity").integer().not_null())
                    .col(ColumnDef::new("location").string_len(200).null())
                    .foreign_key(&mut tenant_fk(
                        "training_sessions",
                        "programme_id",
                        "training_programmes",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_index("training_sessions", &["programme_id"]))
            .await?;
        manager
            .create_table(
                tenant_table("training_enrolments")
                    .col(ColumnDef::new("session_id").uuid().not_null())
                    .col(ColumnDef::new("employee_id").uuid().not_null())
                    .col(ColumnDef::new("status").string_len(16).not_null())
                    .col(ColumnDef::new("completed_on").date().null())
                    .col(ColumnDef::new("score").integer().null())
                    .foreign_key(&mut tenant_fk(
                        "training_enrolments",
                        "session_id",
                        "training_sessions",
                    ))
                    .foreign_key(&mut tenant_fk(
                        "training_enrolments",
                        "employee_id",
                        "employees",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_unique(
                "training_enrolments",
                &["session_id", "employee_id"],
            ))
            .await?;
        manager
            .create_index(tenant_index("training_enrolments", &["employee_id"]))
            .await?;
        manager
            .create_table(
                tenant_table("position_required_trainings")
                    .col(ColumnDef::new("position_id").uuid().not_null())
                    .col(ColumnDef::new("programme_id").uuid().not_null())
                    .foreign_key(&mut tenant_fk(
                        "position_required_trainings",
                        "position_id",
                        "positions",
                    ))
                    .foreign_key(&mut tenant_fk(
                        "position_required_trainings",
                        "programme_id",
                        "training_programmes",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_unique(
                "position_required_trainings",
                &["position_id", "programme_id"],
            ))
            .await?;
        manager
            .create_index(tenant_index(
                "position_required_trainings",
                &["programme_id"],
            ))
            .await?;
        manager
            .create_table(
                tenant_table("performance_cycles")
                    .col(ColumnDef::new("name").string_len(200).not_null())
                    .col(ColumnDef::new("period_start").date().not_null())
                    .col(ColumnDef::new("period_end").date().not_null())
                    .col(ColumnDef::new("status").string_len(16).not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                tenant_table("performance_goals")
                    .col(ColumnDef::new("cycle_id").uuid().not_null())
                    .col(ColumnDef::new("employee_id").uuid().not_null())
                    .col(ColumnDef::new("title").string_len(500).not_null())
                    .col(ColumnDef::new("weight").integer().not_null())
                    .foreign_key(&mut tenant_fk(
                        "performance_goals",
                        "cycle_id",
                        "performance_cycles",
                    ))
                    .foreign_key(&mut tenant_fk(
                        "performance_goals",
                        "employee_id",
                        "employees",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_index("performance_goals", &["cycle_id"]))
            .await?;
        manager
            .create_index(tenant_index("performance_goals", &["employee_id"]))
            .await?;
        manager
            .create_table(
                tenant_table("performance_reviews")
                    .col(ColumnDef::new("cycle_id").uuid().not_null())
                    .col(ColumnDef::new("employee_id").uuid().not_null())
                    .col(ColumnDef::new("self_score").integer().null())
                    .col(ColumnDef::new("self_comment").string_len(4000).null())
                    .col(ColumnDef::new("manager_score").integer().null())
                    .col(ColumnDef::new("manager_comment").string_len(4000).null())
                    .col(ColumnDef::new("final_score").integer().null())
                    .col(ColumnDef::new("status").string_len(16).not_null())
                    .foreign_key(&mut tenant_fk(
                        "performance_reviews",
                        "cycle_id",
                        "performance_cycles",
                    ))
                    .foreign_key(&mut tenant_fk(
                        "performance_reviews",
                        "employee_id",
                        "employees",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_unique(
                "performance_reviews",
                &["cycle_id", "employee_id"],
            ))
            .await?;
        manager
            .create_index(tenant_index("performance_reviews", &["employee_id"]))
            .await?;
        manager
            .create_table(
                tenant_table("surveys")
                    .col(ColumnDef::new("title").string_len(200).not_null())
                    .col(ColumnDef::new("min_group_size").integer().not_null())
                    .col(ColumnDef::new("status").string_len(16).not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                tenant_table("survey_questions")
                    .col(ColumnDef::new("survey_id").uuid().not_null())
                    .col(ColumnDef::new("seq").integer().not_null())
                    .col(ColumnDef::new("text").string_len(500).not_null())
                    .foreign_key(&mut tenant_fk("survey_questions", "survey_id", "surveys"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_unique("survey_questions", &["survey_id", "seq"]))
            .await?;
        manager
            .create_table(
                tenant_table("survey_participations")
                    .col(ColumnDef::new("survey_id").uuid().not_null())
                    .col(ColumnDef::new("employee_id").uuid().not_null())
                    .foreign_key(&mut tenant_fk(
                        "survey_participations",
                        "survey_id",
                        "surveys",
                    ))
                    .foreign_key(&mut tenant_fk(
                        "survey_participations",
                        "employee_id",
                        "employees",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_unique(
                "survey_participations",
                &["survey_id", "employee_id"],
            ))
            .await?;
        manager
            .create_index(tenant_index("survey_participations", &["employee_id"]))
            .await?;
        manager
            .create_table(
                tenant_table("survey_responses")
                    .col(ColumnDef::new("survey_id").uuid().not_null())
                    .col(ColumnDef::new("org_unit_id").uuid().null())
                    .col(ColumnDef::new("answers").text().not_null())
                    .foreign_key(&mut tenant_fk("survey_responses", "survey_id", "surveys"))
                    .foreign_key(&mut tenant_fk(
                        "survey_responses",
                        "org_unit_id",
                        "org_units",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_index("survey_responses", &["survey_id"]))
            .await?;
        manager
            .create_index(tenant_index("survey_responses", &["org_unit_id"]))
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
