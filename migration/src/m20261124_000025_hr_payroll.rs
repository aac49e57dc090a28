//! HR, second part: payroll. Settings (social-insurance rates, overtime multipliers, accounts),
//! social-insurance enrolments, the withholding tax table, salary components and structures,
//! their assignment to employees, payroll runs and payslips with their lines.

use sea_orm_migration::prelude::*;

use crate::{protect_tenant_table, tenant_fk, tenant_index, tenant_table, tenant_unique};

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: [&str; 10] = [
    "payroll_settings",
    "social_insurance_enrolments",
    "withholding_tax_brackets",
    "salary_components",
    "salary_structures",
    "salary_structure_components",
    "salary_structure_assignments",
    "payroll_runs",
    "payslips",
    "payslip_lines",
];

fn int(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).integer().not_null().to_owned()
}

fn money(name: &'static str) -> ColumnDef {
    ColumnDef::new(name)
        .decimal_len(18, 2)
        .not_null()
        .to_owned()
}

fn rate(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).decimal_len(9, 4).not_null().to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                tenant_table("payroll_settings")
                    .col(rate("health_rate"))
                    .col(rate("care_rate"))
                    .col(rate("pension_rate"))
                    .col(rate("employment_rate"))
                    .col(int("standard_monthly_hours"))
                    .col(rate("overtime_multiplier"))
                    .col(rate("holiday_multiplier"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_unique("payroll_settings", &[]))
            .await?;
        manager
            .create_table(
                tenant_table("social_insurance_enrolments")
                    .col(ColumnDef::new("employee_id").uuid().not_null())
                    .col(ColumnDef::new("scheme").string_len(16).not_null())
                    .col(ColumnDef::new("effective_from").date().not_null())
                    .col(ColumnDef::new("left_on").date().null())
                    .col(
                        ColumnDef::new("standard_monthly_remuneration")
                            .decimal_len(18, 2)
                            .null(),
                    )
                    .col(ColumnDef::new("insured_number").string_len(40).null())
                    .foreign_key(&mut tenant_fk(
                        "social_insurance_enrolments",
                        "employee_id",
                        "employees",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_unique(
                "social_insurance_enrolments",
                &["employee_id", "scheme", "effective_from"],
            ))
            .await?;
        manager
            .create_table(
                tenant_table("withholding_tax_brackets")
                    .col(ColumnDef::new("valid_from").date().not_null())
                    .col(ColumnDef::new("tax_column").string_len(8).not_null())
                    .col(int("dependents"))
                    .col(money("lower"))
                    .col(money("upper"))
                    .col(money("amount"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_unique(
                "withholding_tax_brackets",
                &["valid_from", "tax_column", "dependents", "lower"],
            ))
            .await?;
        manager
            .create_table(
                tenant_table("salary_components")
                    .col(ColumnDef::new("code").string_len(30).not_null())
                    .col(ColumnDef::new("name").string_len(200).not_null())
                    .col(ColumnDef::new("kind").string_len(16).not_null())
                    .col(ColumnDef::new("calc").string_len(20).not_null())
                    .col(ColumnDef::new("amount").decimal_len(18, 2).null())
                    .col(ColumnDef::new("formula").string_len(500).null())
                    .col(int("sequence"))
                    .col(ColumnDef::new("rounding").string_len(16).not_null())
                    .col(ColumnDef::new("taxable").boolean().not_null())
                    .col(ColumnDef::new("in_overtime_base").boolean().not_null())
                    .col(ColumnDef::new("in_insurance_base").boolean().not_null())
                    .col(ColumnDef::new("account_id").uuid().null())
                    .foreign_key(&mut tenant_fk(
                        "salary_components",
                        "account_id",
                        "accounts",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_unique("salary_components", &["code"]))
            .await?;
        manager
            .create_table(
                tenant_table("salary_structures")
                    .col(ColumnDef::new("code").string_len(30).not_null())
                    .col(ColumnDef::new("name").string_len(200).not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_unique("salary_structures", &["code"]))
            .await?;
        manager
            .create_table(
                tenant_table("salary_structure_components")
                    .col(ColumnDef::new("structure_id").uuid().not_null())
                    .col(ColumnDef::new("component_id").uuid().not_null())
                    .foreign_key(&mut tenant_fk(
                        "salary_structure_components",
                        "structure_id",
                        "salary_structures",
                    ))
                    .foreign_key(&mut tenant_fk(
                        "salary_structure_components",
                        "component_id",
                        "salary_components",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_unique(
                "salary_structure_components",
                &["structure_id", "component_id"],
            ))
            .await?;
        manager
            .create_table(
                tenant_table("salary_structure_assignments")
                    .col(ColumnDef::new("employee_id").uuid().not_null())
                    .col(ColumnDef::new("structure_id").uuid().not_null())
                    .col(ColumnDef::new("from_date").date().not_null())
                    .col(ColumnDef::new("to_date").date().null())
                    .col(ColumnDef::new("amounts").string_len(4000).not_null())
                    .col(int("dependents"))
                    .col(ColumnDef::new("tax_column").string_len(8).not_null())
                    .foreign_key(&mut tenant_fk(
                        "salary_structure_assignments",
                        "employee_id",
                        "employees",
                    ))
                    .foreign_key(&mut tenant_fk(
                        "salary_structure_assignments",
                        "structure_id",
                        "salary_structures",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_unique(
                "salary_structure_assignments",
                &["employee_id", "from_date"],
            ))
            .await?;
        manager
            .create_table(
                tenant_table("payroll_runs")
                    .col(ColumnDef::new("number").string_len(60).not_null())
                    .col(ColumnDef::new("period_start").date().not_null())
                    .col(ColumnDef::new("period_end").date().not_null())
                    .col(ColumnDef::new("pay_date").date().not_null())
                    .col(ColumnDef::new("status").string_len(16).not_null())
                    .col(int("employees"))
                    .col(money("gross_total"))
                    .col(money("deductions_total"))
                    .col(money("net_total"))
                    .col(ColumnDef::new("entry_id").uuid().null())
                    .col(ColumnDef::new("reversal_entry_id").uuid().null())
                    .foreign_key(&mut tenant_fk(
                        "payroll_runs",
                        "entry_id",
                        "journal_entries",
                    ))
                    .foreign_key(&mut tenant_fk(
                        "payroll_runs",
                        "reversal_entry_id",
                        "journal_entries",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_unique("payroll_runs", &["number"]))
            .await?;
        // One live run per month: a cancelled run frees its period to run again.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX ux_payroll_runs_period \
                 ON payroll_runs (tenant_id, period_start) WHERE status <> 'cancelled'",
            )
            .await?;
        manager
            .create_table(
                tenant_table("payslips")
                    .col(ColumnDef::new("run_id").uuid().not_null())
                    .col(ColumnDef::new("employee_id").uuid().not_null())
                    .col(ColumnDef::new("contract_id").uuid().not_null())
                    .col(ColumnDef::new("structure_id").uuid().not_null())
                    .col(ColumnDef::new("period_start").date().not_null())
                    .col(ColumnDef::new("pay_date").date().not_null())
                    .col(int("working_days"))
                    .col(ColumnDef::new("payment_days").decimal_len(6, 1).not_null())
                    .col(ColumnDef::new("unpaid_days").decimal_len(6, 1).not_null())
                    .col(ColumnDef::new("absent_days").decimal_len(6, 1).not_null())
                    .col(int("overtime_minutes"))
                    .col(int("holiday_minutes"))
                    .col(money("gross"))
                    .col(money("taxable"))
                    .col(money("social_insurance"))
                    .col(money("income_tax"))
                    .col(money("deductions"))
                    .col(money("net"))
                    .col(money("ytd_gross"))
                    .col(money("ytd_taxable"))
                    .col(money("ytd_social_insurance"))
                    .col(money("ytd_income_tax"))
                    .col(money("ytd_net"))
                    .col(ColumnDef::new("status").string_len(16).not_null())
                    .col(
                        ColumnDef::new("published_at")
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .foreign_key(&mut tenant_fk("payslips", "run_id", "payroll_runs"))
                    .foreign_key(&mut tenant_fk("payslips", "employee_id", "employees"))
                    .foreign_key(&mut tenant_fk(
                        "payslips",
                        "contract_id",
                        "employment_contracts",
                    ))
                    .foreign_key(&mut tenant_fk(
                        "payslips",
                        "structure_id",
                        "salary_structures",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_unique("payslips", &["run_id", "employee_id"]))
            .await?;
        manager
            .create_index(tenant_index("payslips", &["employee_id", "pay_date"]))
            .await?;
        manager
            .create_table(
                tenant_table("payslip_lines")
                    .col(ColumnDef::new("payslip_id").uuid().not_null())
                    .col(int("seq"))
                    .col(ColumnDef::new("component_id").uuid().not_null())
                    .col(ColumnDef::new("code").string_len(30).not_null())
                    .col(ColumnDef::new("name").string_len(200).not_null())
                    .col(ColumnDef::new("kind").string_len(16).not_null())
                    .col(money("amount"))
                    .col(ColumnDef::new("account_id").uuid().null())
                    .foreign_key(&mut tenant_fk("payslip_lines", "payslip_id", "payslips"))
                    .foreign_key(&mut tenant_fk(
                        "payslip_lines",
                        "component_id",
                        "salary_components",
                    ))
                    .foreign_key(&mut tenant_fk("payslip_lines", "account_id", "accounts"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_index("payslip_lines", &["payslip_id", "seq"]))
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
