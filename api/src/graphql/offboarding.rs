//! Offboarding in the schema: separations and their checklists, severance schemes, final
//! settlements and re-employment after retirement.

use crate::graphql::list::List;
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use entity::hr::{final_settlement, separation, severance_scheme};
use entity::org::employee;

use crate::auth::Permission;
use crate::error::{GqlResult, InputError};
use crate::graphql::core::{ContextExt, GlobalId, load_one, settle};
use crate::graphql::hr::EmploymentContract;
use crate::graphql::listing::{BoolFilter, DateFilter, IdFilter, TextFilter};
use crate::graphql::org::Employee;
use crate::graphql::recruiting::{
    ChecklistStatus, ChecklistStatusFilter, HrChecklistTask, HrTransitionInput, tx_read,
};
use crate::graphql::scalars::Decimal;
use crate::services::hr::offboarding::{self, bands, factors};
use crate::services::hr::{HrErrorCode, onboarding as onboard, refuse};
use crate::{db_enum, enum_filter, filter_input, list_query, node_object, order_field, resource};

db_enum! {
    /// Why an employee leaves.
    SeparationReason {
        /// The employee resigned (自己都合).
        Resignation = "resignation",
        /// The company ended the employment (会社都合).
        Company = "company",
        /// Retirement at the retirement age (定年).
        Retirement = "retirement",
        /// A fixed term ran out.
        ContractEnd = "contract_end",
        /// Anything else.
        Other = "other",
    }
}

enum_filter!(SeparationReason);

db_enum! {
    /// Where a final settlement is.
    SettlementStatus {
        /// Computed; it may be computed again.
        Computed = "computed",
        /// In the books; it no longer changes.
        Posted = "posted",
        /// Void: its separation was cancelled before it was posted.
        Cancelled = "cancelled",
    }
}

node_object! {
    /// An employee's leaving: last working day, reason and checklist. Needs `VIEW_HR`.
    Separation(separation) {
        /// The employee.
        async fn employee(&self, ctx: &Context<'_>) -> GqlResult<Option<Employee>> {
            Ok(load_one::<employee::Entity>(ctx, Some(self.0.employee_id)).await?.map(Employee))
        }
        /// The last day of employment.
        async fn last_working_day(&self) -> NaiveDate {
            self.0.last_working_day
        }
        /// Why.
        async fn reason(&self) -> SeparationReason {
            SeparationReason::from_db(&self.0.reason)
        }
        /// A note.
        async fn note(&self) -> Option<&str> {
            self.0.note.as_deref()
        }
        /// Where it is.
        async fn status(&self) -> ChecklistStatus {
            ChecklistStatus::from_db(&self.0.status)
        }
        /// When completed.
        async fn completed_at(&self) -> Option<DateTime<Utc>> {
            self.0.completed_at
        }
        /// Its tasks, in order (asset returns included).
        async fn tasks(&self, ctx: &Context<'_>) -> GqlResult<List<HrChecklistTask>> {
            let owner = (None, Some(self.0.id));
            let rows = tx_read!(ctx, tx => onboard::tasks_of(tx, owner).await);
            Ok(rows.into_iter().map(HrChecklistTask).collect())
        }
    }
}

filter_input! {
    /// Conditions on separations.
    SeparationFilter for separation {
        /// The employee.
        employee: IdFilter => EmployeeId ref employee::Entity,
        /// The last working day.
        last_working_day: DateFilter => LastWorkingDay,
        /// The reason.
        reason: SeparationReasonFilter => Reason,
        /// The status.
        status: ChecklistStatusFilter => Status,
    }
}

order_field! {
    /// What separations can be sorted by.
    Separation for separation {
        /// The last working day.
        LastWorkingDay => LastWorkingDay,
    }
}

list_query! {
    entity: separation::Entity, node: Separation, many: separations,
    what: "separation",
    needs: [ "`VIEW_HR`" ],
    query: SeparationListQuery,
}

/// A band of a severance scheme.
#[derive(SimpleObject)]
pub struct SeveranceBand {
    /// Years of service where the band starts.
    pub from_years: i32,
    /// Where it ends (open-ended when null).
    pub to_years: Option<i32>,
    /// Months of wage per year of service in the band.
    pub months_per_year: Decimal,
}

/// The factor applied for a reason of leaving.
#[derive(SimpleObject)]
pub struct SeveranceFactor {
    /// The reason.
    pub reason: SeparationReason,
    /// The factor (1 for a reason not listed).
    pub factor: Decimal,
}

node_object! {
    /// The tenant's severance formula: months of wage per year of service by band, times a
    /// factor for the reason of leaving. One scheme is active. Needs `VIEW_PAYROLL`.
    SeveranceScheme(severance_scheme) {
        /// Unique code.
        async fn code(&self) -> &str {
            &self.0.code
        }
        /// Name.
        async fn name(&self) -> &str {
            &self.0.name
        }
        /// The bands, from 0 years.
        async fn bands(&self) -> List<SeveranceBand> {
            bands(&self.0).into_iter().map(|b| SeveranceBand {
                from_years: b.from_years,
                to_years: b.to_years,
                months_per_year: Decimal(b.months_per_year),
            }).collect()
        }
        /// The factors by reason.
        async fn reason_factors(&self) -> List<SeveranceFactor> {
            factors(&self.0).into_iter().map(|(r, f)| SeveranceFactor {
                reason: SeparationReason::from_db(&r),
                factor: Decimal(f),
            }).collect()
        }
        /// The scheme settlements use.
        async fn active(&self) -> bool {
            self.0.active
        }
    }
}

filter_input! {
    /// Conditions on severance schemes.
    SeveranceSchemeFilter for severance_scheme {
        /// The code.
        code: TextFilter => Code,
        /// Active or not.
        active: BoolFilter => Active,
    }
}

order_field! {
    /// What severance schemes can be sorted by.
    SeveranceScheme for severance_scheme {
        /// The code.
        Code => Code,
    }
}

/// A band of a severance scheme.
#[derive(InputObject)]
pub struct SeveranceBandInput {
    /// Years of service where the band starts: 0 for the first, then the previous band's end.
    pub from_years: i32,
    /// Where it ends, at most 60 (open-ended when null; only the last band).
    pub to_years: Option<i32>,
    /// Months of wage per year of service in the band, 0 to 12.
    pub months_per_year: Decimal,
}

/// The factor for a reason of leaving.
#[derive(InputObject)]
pub struct SeveranceFactorInput {
    /// The reason.
    pub reason: SeparationReason,
    /// The factor, 0 to 3 (e.g. 0.8 for a resignation).
    pub factor: Decimal,
}

/// A new severance scheme.
#[derive(InputObject)]
pub struct CreateSeveranceSchemeInput {
    /// Unique code, at most 30 characters.
    pub code: String,
    /// Name, at most 200 characters.
    pub name: String,
    /// The bands, from 0 years without gaps (none: nothing is paid).
    pub bands: Vec<SeveranceBandInput>,
    /// Factors by reason (a reason not listed counts 1).
    pub reason_factors: Option<Vec<SeveranceFactorInput>>,
    /// The scheme settlements use (default true; one at a time).
    pub active: Option<bool>,
}

/// Changes to a severance scheme (posted settlements keep their figures).
#[derive(InputObject)]
pub struct SeveranceSchemePatch {
    /// New name.
    pub name: Option<String>,
    /// New bands (replace all).
    pub bands: Option<Vec<SeveranceBandInput>>,
    /// New factors (replace all).
    pub reason_factors: Option<Vec<SeveranceFactorInput>>,
    /// Make it the active scheme, or not.
    pub active: Option<bool>,
}

resource! {
    entity: severance_scheme::Entity, node: SeveranceScheme, one: severance_scheme, many: severance_schemes,
    what: "severance scheme", view: ViewPayroll, manage: ManagePayroll,
    query: SeveranceSchemeQuery, mutation: SeveranceSchemeMutation,
}

node_object! {
    /// What a leaver is paid on leaving: severance by the active scheme, and the retirement
    /// income taxes withheld. Payroll (`VIEW_PAYROLL`) reads all and the employee their own;
    /// the amounts need `VIEW_PAY` unless they are your own, and every read is logged.
    FinalSettlement(final_settlement) {
        /// The separation.
        async fn separation(&self, ctx: &Context<'_>) -> GqlResult<Option<Separation>> {
            Ok(crate::graphql::resource::resource_node::<separation::Entity>(ctx, self.0.separation_id).await?)
        }
        /// The employee.
        async fn employee(&self, ctx: &Context<'_>) -> GqlResult<Option<Employee>> {
            Ok(load_one::<employee::Entity>(ctx, Some(self.0.employee_id)).await?.map(Employee))
        }
        /// The severance scheme applied.
        async fn scheme(&self, ctx: &Context<'_>) -> GqlResult<Option<SeveranceScheme>> {
            let Some(id) = self.0.scheme_id else { return Ok(None) };
            Ok(crate::graphql::resource::resource_node::<severance_scheme::Entity>(ctx, id).await?)
        }
        /// Completed months of service.
        async fn service_months(&self) -> i32 {
            self.0.service_months
        }
        /// The last monthly wage.
        async fn base_wage(&self, ctx: &Context<'_>) -> GqlResult<Option<Decimal>> {
            self.amount(ctx, "base_wage", self.0.base_wage).await
        }
        /// The severance pay.
        async fn severance(&self, ctx: &Context<'_>) -> GqlResult<Option<Decimal>> {
            self.amount(ctx, "severance", self.0.severance).await
        }
        /// The retirement income deduction (退職所得控除).
        async fn retirement_deduction(&self, ctx: &Context<'_>) -> GqlResult<Option<Decimal>> {
            self.amount(ctx, "retirement_deduction", self.0.retirement_deduction).await
        }
        /// Taxable retirement income: half of what exceeds the deduction.
        async fn taxable_income(&self, ctx: &Context<'_>) -> GqlResult<Option<Decimal>> {
            self.amount(ctx, "taxable_income", self.0.taxable_income).await
        }
        /// Income tax withheld (reconstruction surtax included).
        async fn income_tax(&self, ctx: &Context<'_>) -> GqlResult<Option<Decimal>> {
            self.amount(ctx, "income_tax", self.0.income_tax).await
        }
        /// Resident tax withheld.
        async fn resident_tax(&self, ctx: &Context<'_>) -> GqlResult<Option<Decimal>> {
            self.amount(ctx, "resident_tax", self.0.resident_tax).await
        }
        /// Paid out.
        async fn net(&self, ctx: &Context<'_>) -> GqlResult<Option<Decimal>> {
            self.amount(ctx, "net", self.0.net).await
        }
        /// Whether the retirement income declaration was submitted (without it, 20.42 % of
        /// the whole is withheld).
        async fn declaration_submitted(&self) -> bool {
            self.0.declaration_submitted
        }
        /// Computed or posted.
        async fn status(&self) -> SettlementStatus {
            SettlementStatus::from_db(&self.0.status)
        }
        /// The journal entry, once posted.
        async fn entry_id(&self) -> Option<ID> {
            self.0.entry_id.map(GlobalId::of::<entity::accounting::journal_entry::Entity>)
        }
    }
}

impl FinalSettlement {
    async fn amount(
        &self,
        ctx: &Context<'_>,
        field: &'static str,
        value: rust_decimal::Decimal,
    ) -> GqlResult<Option<Decimal>> {
        crate::graphql::payroll::pay_field(
            ctx,
            "FinalSettlement",
            self.0.id,
            self.0.employee_id,
            field,
            Some(value.normalize()),
        )
        .await
    }
}

filter_input! {
    /// Conditions on final settlements.
    FinalSettlementFilter for final_settlement {
        /// The employee.
        employee: IdFilter => EmployeeId ref employee::Entity,
        /// The separation.
        separation: IdFilter => SeparationId ref separation::Entity,
    }
}

order_field! {
    /// What final settlements can be sorted by.
    FinalSettlement for final_settlement {
        /// When written.
        CreatedAt => CreatedAt,
    }
}

list_query! {
    entity: final_settlement::Entity, node: FinalSettlement, many: final_settlements,
    what: "final settlement",
    needs: [ "`VIEW_PAYROLL` (or `SUBMIT_REQUESTS` for one's own)" ],
    query: FinalSettlementListQuery,
}

/// A separation to start.
#[derive(InputObject)]
pub struct StartSeparationInput {
    /// The employee.
    pub employee_id: ID,
    /// The last day of employment.
    pub last_working_day: NaiveDate,
    /// Why.
    pub reason: SeparationReason,
    /// A note, at most 2000 characters.
    pub note: Option<String>,
    /// The offboarding checklist (default: the first offboarding template by code).
    pub checklist_template_id: Option<ID>,
}

/// A settlement to compute.
#[derive(InputObject)]
pub struct ComputeFinalSettlementInput {
    /// The separation.
    pub separation_id: ID,
    /// Whether the retirement income declaration (退職所得の受給に関する申告書) was submitted.
    pub declaration_submitted: bool,
}

/// A retiree to employ again.
#[derive(InputObject)]
pub struct ReemployInput {
    /// The completed retirement.
    pub separation_id: ID,
    /// First day, after the last working day and within a year of it.
    pub start_date: NaiveDate,
    /// Last day of the (fixed) term.
    pub end_date: Option<NaiveDate>,
    /// The monthly wage.
    pub wage: Decimal,
    /// The work schedule.
    pub work_schedule_id: ID,
    /// The salary structure to assign.
    pub structure_id: Option<ID>,
}

/// The result of a separation mutation.
#[derive(SimpleObject)]
pub struct SeparationPayload {
    /// The separation; `null` when there are errors.
    pub separation: Option<Separation>,
    /// What was wrong; nothing changed when not empty.
    pub errors: crate::graphql::list::List<InputError<HrErrorCode>>,
}

/// The result of a settlement mutation.
#[derive(SimpleObject)]
pub struct FinalSettlementPayload {
    /// The settlement; `null` when there are errors.
    pub final_settlement: Option<FinalSettlement>,
    /// What was wrong; nothing changed when not empty.
    pub errors: crate::graphql::list::List<InputError<HrErrorCode>>,
}

/// The result of re-employing a retiree.
#[derive(SimpleObject)]
pub struct ReemployPayload {
    /// The new, running contract; `null` when there are errors.
    pub contract: Option<EmploymentContract>,
    /// What was wrong; nothing changed when not empty.
    pub errors: crate::graphql::list::List<InputError<HrErrorCode>>,
}

/// The offboarding mutations.
#[derive(Default)]
pub struct OffboardingFlowMutation;

#[Object]
impl OffboardingFlowMutation {
    /// Starts an employee's separation with its checklist and a return task for every asset
    /// they hold. Needs `MANAGE_HR`.
    async fn start_separation(
        &self,
        ctx: &Context<'_>,
        input: StartSeparationInput,
    ) -> GqlResult<SeparationPayload> {
        let session = ctx.authorize(Permission::ManageHr)?;
        let tx = session.begin_write(ctx).await?;
        let out = offboarding::start(&tx, session.principal.actor_id, &input).await?;
        let (row, errors) = settle(tx, out).await?;
        Ok(SeparationPayload {
            separation: row.map(Separation),
            errors: List(errors),
        })
    }

    /// Completes a separation once its required tasks are done and its last working day has
    /// come: the contract and structure assignment end, the social-insurance enrolments close
    /// and the employee has left. Needs `MANAGE_HR`.
    async fn complete_separation(
        &self,
        ctx: &Context<'_>,
        input: HrTransitionInput,
    ) -> GqlResult<SeparationPayload> {
        separation_action(ctx, input, true).await
    }

    /// Calls off an open separation. Needs `MANAGE_HR`.
    async fn cancel_separation(
        &self,
        ctx: &Context<'_>,
        input: HrTransitionInput,
    ) -> GqlResult<SeparationPayload> {
        separation_action(ctx, input, false).await
    }

    /// Computes (or recomputes, until posted) a separation's final settlement with the active
    /// severance scheme. Needs `MANAGE_PAYROLL`.
    async fn compute_final_settlement(
        &self,
        ctx: &Context<'_>,
        input: ComputeFinalSettlementInput,
    ) -> GqlResult<FinalSettlementPayload> {
        let session = ctx.authorize(Permission::ManagePayroll)?;
        let tx = session.begin_write(ctx).await?;
        let out = match GlobalId::decode_for::<separation::Entity>(&input.separation_id) {
            None => refuse("separationId", HrErrorCode::NotFound, "no such separation"),
            Some(id) => {
                offboarding::compute_settlement(
                    &tx,
                    session.principal.actor_id,
                    id,
                    input.declaration_submitted,
                )
                .await?
            }
        };
        let (row, errors) = settle(tx, out).await?;
        Ok(FinalSettlementPayload {
            final_settlement: row.map(FinalSettlement),
            errors: List(errors),
        })
    }

    /// Posts a computed settlement as one journal entry (severance to salaries, taxes to
    /// withholdings, the net to what is owed to employees). Needs `APPROVE_PAYROLL`.
    async fn post_final_settlement(
        &self,
        ctx: &Context<'_>,
        input: HrTransitionInput,
    ) -> GqlResult<FinalSettlementPayload> {
        let session = ctx.authorize(Permission::ApprovePayroll)?;
        let privileged = crate::graphql::accounting::finance_manager(ctx);
        let tx = session.begin_write(ctx).await?;
        let out = match GlobalId::decode_for::<final_settlement::Entity>(&input.id) {
            None => refuse("id", HrErrorCode::NotFound, "no such final settlement"),
            Some(id) => {
                offboarding::post_settlement(
                    &tx,
                    session.principal.actor_id,
                    id,
                    input.expected_version,
                    privileged,
                )
                .await?
            }
        };
        let (row, errors) = settle(tx, out).await?;
        Ok(FinalSettlementPayload {
            final_settlement: row.map(FinalSettlement),
            errors: List(errors),
        })
    }

    /// Employs a retiree again (定年後再雇用) on a new, started `RE_EMPLOYMENT` contract that
    /// renews their last one. Needs `MANAGE_HR`.
    async fn reemploy_employee(
        &self,
        ctx: &Context<'_>,
        input: ReemployInput,
    ) -> GqlResult<ReemployPayload> {
        let session = ctx.authorize(Permission::ManageHr)?;
        let tx = session.begin_write(ctx).await?;
        let out = offboarding::reemploy(&tx, &session.principal, &input).await?;
        let (row, errors) = settle(tx, out).await?;
        Ok(ReemployPayload {
            contract: row.map(EmploymentContract),
            errors: List(errors),
        })
    }
}

async fn separation_action(
    ctx: &Context<'_>,
    input: HrTransitionInput,
    complete: bool,
) -> GqlResult<SeparationPayload> {
    let session = ctx.authorize(Permission::ManageHr)?;
    let tx = session.begin_write(ctx).await?;
    let actor = session.principal.actor_id;
    let out = match GlobalId::decode_for::<separation::Entity>(&input.id) {
        None => refuse("id", HrErrorCode::NotFound, "no such separation"),
        Some(id) if complete => {
            offboarding::complete(&tx, actor, id, input.expected_version).await?
        }
        Some(id) => offboarding::cancel(&tx, actor, id, input.expected_version).await?,
    };
    let (row, errors) = settle(tx, out).await?;
    Ok(SeparationPayload {
        separation: row.map(Separation),
        errors: List(errors),
    })
}

/// Every offboarding query.
#[derive(async_graphql::MergedObject, Default)]
pub struct OffboardingQuery(
    SeparationListQuery,
    SeveranceSchemeQuery,
    FinalSettlementListQuery,
);

/// Every offboarding mutation.
#[derive(async_graphql::MergedObject, Default)]
pub struct OffboardingMutation(SeveranceSchemeMutation, OffboardingFlowMutation);
