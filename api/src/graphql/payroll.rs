//! Payroll in the schema: settings, social-insurance enrolments, the withholding tax table,
//! salary components and structures and their assignment (plain resources behind
//! `VIEW_PAYROLL` / `MANAGE_PAYROLL`), payroll runs and their transitions, and payslips, which
//! employees read once published and whose amounts need `VIEW_PAY` or to be one's own.

use crate::graphql::list::List;
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use entity::accounting::{account, journal_entry};
use entity::hr::{
    payroll_run, payslip, payslip_line, salary_component, salary_structure,
    salary_structure_assignment, salary_structure_component, social_insurance_enrolment,
    withholding_tax_bracket,
};
use entity::org::employee;
use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};

use crate::auth::Permission;
use crate::error::{AppResult, GqlResult, InputError};
use crate::graphql::accounting::{Account, JournalEntry};
use crate::graphql::core::{ContextExt, GlobalId, Session, db_err, load_one, settle};
use crate::graphql::listing::{DateFilter, IdFilter, TextFilter};
use crate::graphql::org::Employee;
use crate::graphql::resource::Resource;
use crate::graphql::scalars::Decimal;
use crate::services::hr::HrErrorCode;
use crate::services::hr::payroll::{
    self, ComponentCalc, PayrollRunAction, PayrollRunState, Rounding, state,
};
use crate::services::workflow::StateMachine;
use crate::{db_enum, enum_filter, filter_input, list_query, node_object, order_field, resource};

db_enum! {
    /// A social-insurance scheme.
    InsuranceScheme {
        /// Health insurance (健康保険).
        Health = "health",
        /// Long-term care insurance (介護保険), ages 40 to 64.
        Care = "care",
        /// Welfare pension (厚生年金).
        Pension = "pension",
        /// Employment insurance (雇用保険).
        Employment = "employment",
    }
}

db_enum! {
    /// The column of the withholding table an employee is taxed on.
    TaxColumn {
        /// 甲欄: the employee filed the dependants declaration with this employer.
        Kou = "kou",
        /// 乙欄: a second employer.
        Otsu = "otsu",
    }
}

db_enum! {
    /// Whether a component adds to pay or takes from it.
    ComponentKind {
        /// Adds to gross pay.
        Earning = "earning",
        /// Taken from gross pay.
        Deduction = "deduction",
    }
}

async fn employee_of(ctx: &Context<'_>, id: uuid::Uuid) -> GqlResult<Option<Employee>> {
    Ok(load_one::<employee::Entity>(ctx, Some(id))
        .await?
        .map(Employee))
}

/// Reads a sensitive amount of an employee's: `VIEW_PAY` or one's own, logged.
pub(crate) async fn pay_field(
    ctx: &Context<'_>,
    subject_type: &'static str,
    subject: uuid::Uuid,
    employee: uuid::Uuid,
    field: &'static str,
    value: Option<rust_decimal::Decimal>,
) -> GqlResult<Option<Decimal>> {
    let session = ctx.session()?;
    let user = load_one::<employee::Entity>(ctx, Some(employee))
        .await?
        .and_then(|e| e.user_id);
    let text = value.map(|v| v.to_string());
    let read = crate::services::personal_data::read(
        &session.principal,
        &session.reads,
        Permission::ViewPay,
        subject_type,
        subject,
        user,
        field,
        text.as_deref(),
    )?;
    Ok(read.and(value).map(Decimal))
}

node_object! {
    /// An employee's enrolment in a social-insurance scheme, with the standard monthly
    /// remuneration (標準報酬月額) premiums are computed on. Needs `VIEW_PAYROLL`.
    SocialInsuranceEnrolment(social_insurance_enrolment) {
        /// The employee.
        async fn employee(&self, ctx: &Context<'_>) -> GqlResult<Option<Employee>> {
            employee_of(ctx, self.0.employee_id).await
        }
        /// The scheme.
        async fn scheme(&self) -> InsuranceScheme {
            InsuranceScheme::from_db(&self.0.scheme)
        }
        /// First day enrolled.
        async fn effective_from(&self) -> NaiveDate {
            self.0.effective_from
        }
        /// Last day enrolled.
        async fn left_on(&self) -> Option<NaiveDate> {
            self.0.left_on
        }
        /// The standard monthly remuneration. Sensitive: `VIEW_PAY` or one's own, logged.
        async fn standard_monthly_remuneration(&self, ctx: &Context<'_>) -> GqlResult<Option<Decimal>> {
            pay_field(ctx, "SocialInsuranceEnrolment", self.0.id, self.0.employee_id, "standardMonthlyRemuneration", self.0.standard_monthly_remuneration).await
        }
    }
}

filter_input! {
    /// Conditions on social-insurance enrolments.
    SocialInsuranceEnrolmentFilter for social_insurance_enrolment {
        /// The employee.
        employee: IdFilter => EmployeeId ref employee::Entity,
        /// First day.
        effective_from: DateFilter => EffectiveFrom,
    }
}

order_field! {
    /// What enrolments can be sorted by.
    SocialInsuranceEnrolment for social_insurance_enrolment {
        /// First day.
        EffectiveFrom => EffectiveFrom,
    }
}

/// A new social-insurance enrolment.
#[derive(InputObject)]
pub struct CreateSocialInsuranceEnrolmentInput {
    /// The employee.
    pub employee_id: ID,
    /// The scheme.
    pub scheme: InsuranceScheme,
    /// First day enrolled.
    pub effective_from: NaiveDate,
    /// The standard monthly remuneration (required for health, care and pension).
    pub standard_monthly_remuneration: Option<Decimal>,
}

/// Changes to an enrolment (a new standard monthly remuneration is a new enrolment from its
/// date; this records the leaving day).
#[derive(InputObject)]
pub struct SocialInsuranceEnrolmentPatch {
    /// The last day enrolled (`null` clears it).
    pub left_on: MaybeUndefined<NaiveDate>,
}

resource! {
    entity: social_insurance_enrolment::Entity, node: SocialInsuranceEnrolment,
    one: social_insurance_enrolment, many: social_insurance_enrolments,
    what: "social-insurance enrolment", view: ViewPayroll, manage: ManagePayroll,
    query: SocialInsuranceEnrolmentQuery, mutation: SocialInsuranceEnrolmentMutation,
}

node_object! {
    /// A row of the monthly withholding tax table (源泉徴収税額表). Tenants import the National
    /// Tax Agency's table (`bulkCreateWithholdingTaxBrackets`). Needs `VIEW_PAYROLL`.
    WithholdingTaxBracket(withholding_tax_bracket) {
        /// The table's first day.
        async fn valid_from(&self) -> NaiveDate {
            self.0.valid_from
        }
        /// The column.
        async fn tax_column(&self) -> TaxColumn {
            TaxColumn::from_db(&self.0.tax_column)
        }
        /// Dependents.
        async fn dependents(&self) -> i32 {
            self.0.dependents
        }
        /// Taxable pay from (inclusive).
        async fn lower(&self) -> Decimal {
            Decimal(self.0.lower)
        }
        /// Taxable pay to (exclusive).
        async fn upper(&self) -> Decimal {
            Decimal(self.0.upper)
        }
        /// The tax.
        async fn amount(&self) -> Decimal {
            Decimal(self.0.amount)
        }
    }
}

filter_input! {
    /// Conditions on withholding table rows.
    WithholdingTaxBracketFilter for withholding_tax_bracket {
        /// The table's first day.
        valid_from: DateFilter => ValidFrom,
    }
}

order_field! {
    /// What withholding table rows can be sorted by.
    WithholdingTaxBracket for withholding_tax_bracket {
        /// The table's first day.
        ValidFrom => ValidFrom,
        /// Lower bound.
        Lower => Lower,
    }
}

/// A new withholding table row.
#[derive(InputObject)]
pub struct CreateWithholdingTaxBracketInput {
    /// The table's first day.
    pub valid_from: NaiveDate,
    /// The column (default `KOU`).
    pub tax_column: Option<TaxColumn>,
    /// Dependents (default 0).
    pub dependents: Option<i32>,
    /// Taxable pay from (inclusive).
    pub lower: Decimal,
    /// Taxable pay to (exclusive).
    pub upper: Decimal,
    /// The tax.
    pub amount: Decimal,
}

/// Changes to a withholding table row.
#[derive(InputObject)]
pub struct WithholdingTaxBracketPatch {
    /// New tax.
    pub amount: Option<Decimal>,
}

resource! {
    entity: withholding_tax_bracket::Entity, node: WithholdingTaxBracket,
    one: withholding_tax_bracket, many: withholding_tax_brackets,
    what: "withholding tax table row", view: ViewPayroll, manage: ManagePayroll,
    query: WithholdingTaxBracketQuery, mutation: WithholdingTaxBracketMutation,
}

node_object! {
    /// An earning or deduction of payslips and how it is computed. Needs `VIEW_PAYROLL`.
    SalaryComponent(salary_component) {
        /// Unique code, e.g. `BASE`.
        async fn code(&self) -> &str {
            &self.0.code
        }
        /// Name.
        async fn name(&self) -> &str {
            &self.0.name
        }
        /// Earning or deduction.
        async fn kind(&self) -> ComponentKind {
            ComponentKind::from_db(&self.0.kind)
        }
        /// How it is computed.
        async fn calc(&self) -> ComponentCalc {
            ComponentCalc::from_db(&self.0.calc)
        }
        /// The amount of a `FIXED` component.
        async fn amount(&self) -> Option<Decimal> {
            self.0.amount.map(Decimal)
        }
        /// The formula of a `FORMULA` component, over the payroll variables (`base`,
        /// `working_days`, `payment_days`, `overtime_min`, `ot_base`, ...).
        async fn formula(&self) -> Option<&str> {
            self.0.formula.as_deref()
        }
        /// Order of computation within earnings and within deductions.
        async fn sequence(&self) -> i32 {
            self.0.sequence
        }
        /// How it is rounded to whole units.
        async fn rounding(&self) -> Rounding {
            Rounding::from_db(&self.0.rounding)
        }
        /// Part of taxable pay.
        async fn taxable(&self) -> bool {
            self.0.taxable
        }
        /// Part of the overtime base (`ot_base`).
        async fn in_overtime_base(&self) -> bool {
            self.0.in_overtime_base
        }
        /// Part of the employment-insurance base.
        async fn in_insurance_base(&self) -> bool {
            self.0.in_insurance_base
        }
        /// The account it posts to (default `6010` Salaries for earnings, `2200` Withholdings
        /// for deductions).
        async fn account(&self, ctx: &Context<'_>) -> GqlResult<Option<Account>> {
            Ok(load_one::<account::Entity>(ctx, self.0.account_id).await?.map(Account))
        }
    }
}

filter_input! {
    /// Conditions on salary components.
    SalaryComponentFilter for salary_component {
        /// The code.
        code: TextFilter => Code,
        /// The name.
        name: TextFilter => Name,
    }
}

order_field! {
    /// What salary components can be sorted by.
    SalaryComponent for salary_component {
        /// The code.
        Code => Code,
        /// The sequence.
        Sequence => Sequence,
    }
}

/// A new salary component.
#[derive(InputObject)]
pub struct CreateSalaryComponentInput {
    /// Unique code, at most 30 characters (A–Z, 0–9, `_`).
    pub code: String,
    /// Name, at most 200 characters.
    pub name: String,
    /// Earning or deduction.
    pub kind: ComponentKind,
    /// How it is computed (the statutory ones are deductions).
    pub calc: ComponentCalc,
    /// The amount (`FIXED`).
    pub amount: Option<Decimal>,
    /// The formula (`FORMULA`), checked when saved.
    pub formula: Option<String>,
    /// Order of computation (default 100).
    pub sequence: Option<i32>,
    /// Rounding (default `HALF_UP`; `HALF_DOWN` suits the social-insurance shares).
    pub rounding: Option<Rounding>,
    /// Part of taxable pay (default true for earnings).
    pub taxable: Option<bool>,
    /// Part of the overtime base (default false).
    pub in_overtime_base: Option<bool>,
    /// Part of the employment-insurance base (default true for earnings).
    pub in_insurance_base: Option<bool>,
    /// A postable account (default salaries or withholdings).
    pub account_id: Option<ID>,
}

/// Changes to a salary component (they apply to runs computed from now on).
#[derive(InputObject)]
pub struct SalaryComponentPatch {
    /// New name.
    pub name: Option<String>,
    /// New amount.
    pub amount: Option<Decimal>,
    /// New formula.
    pub formula: Option<String>,
    /// New sequence.
    pub sequence: Option<i32>,
    /// New rounding.
    pub rounding: Option<Rounding>,
}

resource! {
    entity: salary_component::Entity, node: SalaryComponent, one: salary_component,
    many: salary_components, what: "salary component", view: ViewPayroll,
    manage: ManagePayroll, query: SalaryComponentQuery, mutation: SalaryComponentMutation,
}

node_object! {
    /// A set of salary components assigned to employees. Needs `VIEW_PAYROLL`.
    SalaryStructure(salary_structure) {
        /// Unique code, e.g. `MONTHLY`.
        async fn code(&self) -> &str {
            &self.0.code
        }
        /// Name.
        async fn name(&self) -> &str {
            &self.0.name
        }
        /// Its components, in computing order.
        async fn components(&self, ctx: &Context<'_>) -> GqlResult<List<SalaryComponent>> {
            let id = self.0.id;
            let rows = ctx
                .session()?
                .db
                .read(async |tx| {
                    let links = tx
                        .all(tx.select::<salary_structure_component::Entity>().refine(|q| {
                            q.filter(salary_structure_component::Column::StructureId.eq(id))
                        }))
                        .await?;
                    let ids: Vec<uuid::Uuid> = links.iter().map(|l| l.component_id).collect();
                    tx.get_many::<salary_component::Entity>(&ids).await
                })
                .await?;
            let mut rows = rows;
            rows.sort_by_key(|c| (c.kind != "earning", c.sequence, c.code.clone()));
            Ok(rows.into_iter().map(SalaryComponent).collect())
        }
    }
}

filter_input! {
    /// Conditions on salary structures.
    SalaryStructureFilter for salary_structure {
        /// The code.
        code: TextFilter => Code,
    }
}

order_field! {
    /// What salary structures can be sorted by.
    SalaryStructure for salary_structure {
        /// The code.
        Code => Code,
    }
}

/// A new salary structure (add components with `createSalaryStructureComponent`).
#[derive(InputObject)]
pub struct CreateSalaryStructureInput {
    /// Unique code, at most 30 characters.
    pub code: String,
    /// Name, at most 200 characters.
    pub name: String,
}

/// Changes to a salary structure.
#[derive(InputObject)]
pub struct SalaryStructurePatch {
    /// New name.
    pub name: Option<String>,
}

resource! {
    entity: salary_structure::Entity, node: SalaryStructure, one: salary_structure,
    many: salary_structures, what: "salary structure", view: ViewPayroll,
    manage: ManagePayroll, query: SalaryStructureQuery, mutation: SalaryStructureMutation,
}

node_object! {
    /// A component in a salary structure (archive it to take the component out). Needs
    /// `VIEW_PAYROLL`.
    SalaryStructureComponent(salary_structure_component) {
        /// The structure.
        async fn structure(&self, ctx: &Context<'_>) -> GqlResult<Option<SalaryStructure>> {
            Ok(load_one::<salary_structure::Entity>(ctx, Some(self.0.structure_id)).await?.map(SalaryStructure))
        }
        /// The component.
        async fn component(&self, ctx: &Context<'_>) -> GqlResult<Option<SalaryComponent>> {
            Ok(load_one::<salary_component::Entity>(ctx, Some(self.0.component_id)).await?.map(SalaryComponent))
        }
    }
}

filter_input! {
    /// Conditions on structure components.
    SalaryStructureComponentFilter for salary_structure_component {
        /// The structure.
        structure: IdFilter => StructureId ref salary_structure::Entity,
    }
}

order_field! {
    /// What structure components can be sorted by.
    SalaryStructureComponent for salary_structure_component {
        /// Creation time.
        CreatedAt => CreatedAt,
    }
}

/// A component added to a structure.
#[derive(InputObject)]
pub struct CreateSalaryStructureComponentInput {
    /// The structure.
    pub structure_id: ID,
    /// The component (once per structure).
    pub component_id: ID,
}

/// Nothing of a structure component changes; archive it and add another.
#[derive(InputObject)]
pub struct SalaryStructureComponentPatch {
    /// Unused.
    pub unused: Option<bool>,
}

resource! {
    entity: salary_structure_component::Entity, node: SalaryStructureComponent,
    one: salary_structure_component, many: salary_structure_components,
    what: "salary structure component", view: ViewPayroll, manage: ManagePayroll,
    query: SalaryStructureComponentQuery, mutation: SalaryStructureComponentMutation,
}

/// An employee's own amount for a `PER_EMPLOYEE` component.
#[derive(SimpleObject, InputObject, Clone)]
#[graphql(input_name = "ComponentAmountInput")]
pub struct ComponentAmount {
    /// The component's code.
    pub code: String,
    /// The amount.
    pub amount: Decimal,
}

node_object! {
    /// An employee's salary structure from a date, with their own amounts (commuting allowance,
    /// resident tax), dependents and tax column. Needs `VIEW_PAYROLL`.
    SalaryStructureAssignment(salary_structure_assignment) {
        /// The employee.
        async fn employee(&self, ctx: &Context<'_>) -> GqlResult<Option<Employee>> {
            employee_of(ctx, self.0.employee_id).await
        }
        /// The structure.
        async fn structure(&self, ctx: &Context<'_>) -> GqlResult<Option<SalaryStructure>> {
            Ok(load_one::<salary_structure::Entity>(ctx, Some(self.0.structure_id)).await?.map(SalaryStructure))
        }
        /// First day.
        async fn from_date(&self) -> NaiveDate {
            self.0.from_date
        }
        /// Last day.
        async fn to_date(&self) -> Option<NaiveDate> {
            self.0.to_date
        }
        /// The employee's own amounts. Sensitive: `VIEW_PAY` or one's own, logged.
        async fn amounts(&self, ctx: &Context<'_>) -> GqlResult<Option<List<ComponentAmount>>> {
            let session = ctx.session()?;
            let user = load_one::<employee::Entity>(ctx, Some(self.0.employee_id)).await?.and_then(|e| e.user_id);
            let read = crate::services::personal_data::read(
                &session.principal, &session.reads, Permission::ViewPay,
                "SalaryStructureAssignment", self.0.id, user, "amounts", Some(&self.0.amounts),
            )?;
            Ok(read.map(|_| payroll::amounts(&self.0).into_iter().map(|(code, amount)| ComponentAmount { code, amount: Decimal(amount) }).collect()))
        }
        /// Dependents for withholding.
        async fn dependents(&self) -> i32 {
            self.0.dependents
        }
        /// The withholding column.
        async fn tax_column(&self) -> TaxColumn {
            TaxColumn::from_db(&self.0.tax_column)
        }
    }
}

filter_input! {
    /// Conditions on structure assignments.
    SalaryStructureAssignmentFilter for salary_structure_assignment {
        /// The employee.
        employee: IdFilter => EmployeeId ref employee::Entity,
        /// The structure.
        structure: IdFilter => StructureId ref salary_structure::Entity,
        /// First day.
        from_date: DateFilter => FromDate,
    }
}

order_field! {
    /// What structure assignments can be sorted by.
    SalaryStructureAssignment for salary_structure_assignment {
        /// First day.
        FromDate => FromDate,
    }
}

/// A new structure assignment.
#[derive(InputObject)]
pub struct CreateSalaryStructureAssignmentInput {
    /// The employee.
    pub employee_id: ID,
    /// The structure.
    pub structure_id: ID,
    /// First day (assignments of one employee do not overlap).
    pub from_date: NaiveDate,
    /// Last day.
    pub to_date: Option<NaiveDate>,
    /// The employee's own amounts, by component code.
    pub amounts: Option<Vec<ComponentAmount>>,
    /// Dependents (default 0).
    pub dependents: Option<i32>,
    /// The withholding column (default `KOU`).
    pub tax_column: Option<TaxColumn>,
}

/// Changes to a structure assignment.
#[derive(InputObject)]
pub struct SalaryStructureAssignmentPatch {
    /// New last day (`null` clears it).
    pub to_date: MaybeUndefined<NaiveDate>,
    /// New amounts (replace all).
    pub amounts: Option<Vec<ComponentAmount>>,
    /// New dependents.
    pub dependents: Option<i32>,
    /// New column.
    pub tax_column: Option<TaxColumn>,
}

resource! {
    entity: salary_structure_assignment::Entity, node: SalaryStructureAssignment,
    one: salary_structure_assignment, many: salary_structure_assignments,
    what: "salary structure assignment", view: ViewPayroll, manage: ManagePayroll,
    query: SalaryStructureAssignmentQuery, mutation: SalaryStructureAssignmentMutation,
}

enum_filter!(PayrollRunState);

node_object! {
    /// A month's payroll: the payslips of everyone paid, posted as one journal entry, then
    /// published to the employees. Needs `VIEW_PAYROLL`.
    PayrollRun(payroll_run) {
        /// Gapless per tenant, e.g. `PRL-2026-0006`.
        async fn number(&self) -> &str {
            &self.0.number
        }
        /// First day of the month.
        async fn period_start(&self) -> NaiveDate {
            self.0.period_start
        }
        /// Last day of the month (the entry's date).
        async fn period_end(&self) -> NaiveDate {
            self.0.period_end
        }
        /// When it is paid.
        async fn pay_date(&self) -> NaiveDate {
            self.0.pay_date
        }
        /// Where it is.
        async fn status(&self) -> PayrollRunState {
            state(&self.0)
        }
        /// The transitions allowed from the current status.
        async fn allowed_actions(&self) -> List<PayrollRunAction> {
            List(state(&self.0).allowed())
        }
        /// Payslips.
        async fn employees(&self) -> i32 {
            self.0.employees
        }
        /// Σ gross pay (needs `VIEW_PAY`: with few payslips a total is someone's pay).
        async fn gross_total(&self, ctx: &Context<'_>) -> GqlResult<Option<Decimal>> {
            Ok(ctx.session()?.principal.can(Permission::ViewPay).then_some(Decimal(self.0.gross_total)))
        }
        /// Σ deductions (needs `VIEW_PAY`).
        async fn deductions_total(&self, ctx: &Context<'_>) -> GqlResult<Option<Decimal>> {
            Ok(ctx.session()?.principal.can(Permission::ViewPay).then_some(Decimal(self.0.deductions_total)))
        }
        /// Σ net pay (needs `VIEW_PAY`).
        async fn net_total(&self, ctx: &Context<'_>) -> GqlResult<Option<Decimal>> {
            Ok(ctx.session()?.principal.can(Permission::ViewPay).then_some(Decimal(self.0.net_total)))
        }
        /// The posted entry (needs `VIEW_LEDGER`).
        async fn journal_entry(&self, ctx: &Context<'_>) -> GqlResult<Option<JournalEntry>> {
            if !ctx.session()?.principal.can(Permission::ViewLedger) {
                return Ok(None);
            }
            Ok(load_one::<journal_entry::Entity>(ctx, self.0.entry_id).await?.map(JournalEntry))
        }
        /// The reversal of a cancelled posted run (needs `VIEW_LEDGER`).
        async fn reversal_entry(&self, ctx: &Context<'_>) -> GqlResult<Option<JournalEntry>> {
            if !ctx.session()?.principal.can(Permission::ViewLedger) {
                return Ok(None);
            }
            Ok(load_one::<journal_entry::Entity>(ctx, self.0.reversal_entry_id).await?.map(JournalEntry))
        }
        /// The payslips, by employee number.
        async fn payslips(&self, ctx: &Context<'_>) -> GqlResult<List<Payslip>> {
            let id = self.0.id;
            let rows = ctx
                .session()?
                .db
                .read(async |tx| {
                    tx.all(tx.select::<payslip::Entity>().refine(|q| {
                        q.filter(payslip::Column::RunId.eq(id)).order_by_asc(payslip::Column::Id)
                    }))
                    .await
                })
                .await?;
            Ok(rows.into_iter().map(Payslip).collect())
        }
    }
}

filter_input! {
    /// Conditions on payroll runs.
    PayrollRunFilter for payroll_run {
        /// The number.
        number: TextFilter => Number,
        /// The month.
        period_start: DateFilter => PeriodStart,
        /// The status.
        status: PayrollRunStateFilter => Status,
    }
}

order_field! {
    /// What payroll runs can be sorted by.
    PayrollRun for payroll_run {
        /// The month.
        PeriodStart => PeriodStart,
    }
}

impl Resource for payroll_run::Entity {
    type Node = PayrollRun;
    type Filter = PayrollRunFilter;
    type Order = PayrollRunOrder;
    const VIEW: Permission = Permission::ViewPayroll;
}

list_query! {
    entity: payroll_run::Entity, node: PayrollRun, many: payroll_runs, what: "payroll run",
    needs: [ "`VIEW_PAYROLL`" ], query: PayrollRunListQuery,
}

/// A line of a payslip.
#[derive(SimpleObject)]
pub struct PayslipLine {
    /// 1 for the first.
    pub seq: i32,
    /// The component's code.
    pub code: String,
    /// Its name.
    pub name: String,
    /// Earning or deduction.
    pub kind: ComponentKind,
    /// The amount.
    pub amount: Decimal,
}

node_object! {
    /// One employee's pay for one run. `VIEW_PAYROLL` reads every payslip; an employee reads
    /// their own once the run is published. Amounts and lines need `VIEW_PAY` or to be one's
    /// own, and every read is logged.
    Payslip(payslip) {
        /// The run (needs `VIEW_PAYROLL`).
        async fn run(&self, ctx: &Context<'_>) -> GqlResult<Option<PayrollRun>> {
            if !ctx.session()?.principal.can(Permission::ViewPayroll) {
                return Ok(None);
            }
            Ok(load_one::<payroll_run::Entity>(ctx, Some(self.0.run_id)).await?.map(PayrollRun))
        }
        /// The employee.
        async fn employee(&self, ctx: &Context<'_>) -> GqlResult<Option<Employee>> {
            employee_of(ctx, self.0.employee_id).await
        }
        /// The month.
        async fn period_start(&self) -> NaiveDate {
            self.0.period_start
        }
        /// Pay date.
        async fn pay_date(&self) -> NaiveDate {
            self.0.pay_date
        }
        /// Working days of the month.
        async fn working_days(&self) -> i32 {
            self.0.working_days
        }
        /// Days paid: working days inside the contract less unpaid leave and absences.
        async fn payment_days(&self) -> Decimal {
            Decimal(self.0.payment_days.normalize())
        }
        /// Unpaid leave days.
        async fn unpaid_days(&self) -> Decimal {
            Decimal(self.0.unpaid_days.normalize())
        }
        /// Absent days.
        async fn absent_days(&self) -> Decimal {
            Decimal(self.0.absent_days.normalize())
        }
        /// Overtime minutes.
        async fn overtime_minutes(&self) -> i32 {
            self.0.overtime_minutes
        }
        /// Holiday-work minutes.
        async fn holiday_minutes(&self) -> i32 {
            self.0.holiday_minutes
        }
        /// `draft`, `posted`, `published` or `cancelled`.
        async fn status(&self) -> &str {
            &self.0.status
        }
        /// When it was published.
        async fn published_at(&self) -> Option<DateTime<Utc>> {
            self.0.published_at
        }
        /// Gross pay. Sensitive.
        async fn gross(&self, ctx: &Context<'_>) -> GqlResult<Option<Decimal>> {
            self.amount(ctx, "gross", self.0.gross).await
        }
        /// Taxable pay after social insurance. Sensitive.
        async fn taxable(&self, ctx: &Context<'_>) -> GqlResult<Option<Decimal>> {
            self.amount(ctx, "taxable", self.0.taxable).await
        }
        /// The employee's social insurance. Sensitive.
        async fn social_insurance(&self, ctx: &Context<'_>) -> GqlResult<Option<Decimal>> {
            self.amount(ctx, "socialInsurance", self.0.social_insurance).await
        }
        /// Withholding income tax. Sensitive.
        async fn income_tax(&self, ctx: &Context<'_>) -> GqlResult<Option<Decimal>> {
            self.amount(ctx, "incomeTax", self.0.income_tax).await
        }
        /// All deductions. Sensitive.
        async fn deductions(&self, ctx: &Context<'_>) -> GqlResult<Option<Decimal>> {
            self.amount(ctx, "deductions", self.0.deductions).await
        }
        /// Net pay. Sensitive.
        async fn net(&self, ctx: &Context<'_>) -> GqlResult<Option<Decimal>> {
            self.amount(ctx, "net", self.0.net).await
        }
        /// Gross pay this calendar year, this slip included. Sensitive.
        async fn ytd_gross(&self, ctx: &Context<'_>) -> GqlResult<Option<Decimal>> {
            self.amount(ctx, "ytdGross", self.0.ytd_gross).await
        }
        /// Taxable pay this year. Sensitive.
        async fn ytd_taxable(&self, ctx: &Context<'_>) -> GqlResult<Option<Decimal>> {
            self.amount(ctx, "ytdTaxable", self.0.ytd_taxable).await
        }
        /// Social insurance this year. Sensitive.
        async fn ytd_social_insurance(&self, ctx: &Context<'_>) -> GqlResult<Option<Decimal>> {
            self.amount(ctx, "ytdSocialInsurance", self.0.ytd_social_insurance).await
        }
        /// Income tax this year. Sensitive.
        async fn ytd_income_tax(&self, ctx: &Context<'_>) -> GqlResult<Option<Decimal>> {
            self.amount(ctx, "ytdIncomeTax", self.0.ytd_income_tax).await
        }
        /// Net pay this year. Sensitive.
        async fn ytd_net(&self, ctx: &Context<'_>) -> GqlResult<Option<Decimal>> {
            self.amount(ctx, "ytdNet", self.0.ytd_net).await
        }
        /// The lines, in order. Sensitive like the amounts.
        async fn lines(&self, ctx: &Context<'_>) -> GqlResult<Option<List<PayslipLine>>> {
            if self.amount(ctx, "lines", self.0.net).await?.is_none() {
                return Ok(None);
            }
            let id = self.0.id;
            let rows = ctx
                .session()?
                .db
                .read(async |tx| {
                    tx.all(tx.select::<payslip_line::Entity>().refine(|q| {
                        q.filter(payslip_line::Column::PayslipId.eq(id)).order_by_asc(payslip_line::Column::Seq)
                    }))
                    .await
                })
                .await?;
            Ok(Some(rows.into_iter().map(|l| PayslipLine {
                seq: l.seq,
                code: l.code,
                name: l.name,
                kind: ComponentKind::from_db(&l.kind),
                amount: Decimal(l.amount),
            }).collect()))
        }
    }
}

impl Payslip {
    async fn amount(
        &self,
        ctx: &Context<'_>,
        field: &'static str,
        value: rust_decimal::Decimal,
    ) -> GqlResult<Option<Decimal>> {
        pay_field(
            ctx,
            "Payslip",
            self.0.id,
            self.0.employee_id,
            field,
            Some(value),
        )
        .await
    }
}

filter_input! {
    /// Conditions on payslips.
    PayslipFilter for payslip {
        /// The employee.
        employee: IdFilter => EmployeeId ref employee::Entity,
        /// The run.
        run: IdFilter => RunId ref payroll_run::Entity,
        /// The month.
        period_start: DateFilter => PeriodStart,
    }
}

order_field! {
    /// What payslips can be sorted by.
    Payslip for payslip {
        /// The month.
        PeriodStart => PeriodStart,
        /// Pay date.
        PayDate => PayDate,
    }
}

impl Resource for payslip::Entity {
    type Node = Payslip;
    type Filter = PayslipFilter;
    type Order = PayslipOrder;
    const VIEW: Permission = Permission::ViewPayroll;

    /// Payroll (`VIEW_PAYROLL`) reads every payslip; anyone who may submit requests reads
    /// their own once published.
    fn authorize<'a>(ctx: &'a Context<'_>) -> AppResult<&'a Session> {
        let session = ctx.session()?;
        if !session.principal.can(Permission::ViewPayroll) {
            session.principal.require(Permission::SubmitRequests)?;
        }
        Ok(session)
    }

    async fn prepare(session: &Session) -> AppResult<()> {
        if !session.principal.can(Permission::ViewPayroll) {
            session.own_employee().await?;
        }
        Ok(())
    }

    fn visible(session: &Session) -> Option<sea_orm::Condition> {
        (!session.principal.can(Permission::ViewPayroll)).then(|| {
            sea_orm::Condition::all()
                .add(
                    payslip::Column::EmployeeId
                        .eq(session.own_employee_loaded().unwrap_or(uuid::Uuid::nil())),
                )
                .add(payslip::Column::Status.eq("published"))
        })
    }

    fn may_see(session: &Session, row: &payslip::Model) -> bool {
        session.principal.can(Permission::ViewPayroll)
            || (session.own_employee_loaded() == Some(row.employee_id) && row.status == "published")
    }
}

list_query! {
    entity: payslip::Entity, node: Payslip, many: payslips, what: "payslip",
    needs: [ "`VIEW_PAYROLL` (or `SUBMIT_REQUESTS` for one's own, once published)" ],
    query: PayslipListQuery,
}

/// The by-id queries of runs and payslips.
#[derive(Default)]
pub struct PayrollOneQuery;

#[Object]
impl PayrollOneQuery {
    /// One payroll run by id. Needs `VIEW_PAYROLL`.
    async fn payroll_run(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Option<PayrollRun>> {
        Ok(crate::graphql::resource::get::<payroll_run::Entity>(ctx, &id).await?)
    }

    /// One payslip by id: payroll's, or one's own once published.
    async fn payslip(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Option<Payslip>> {
        Ok(crate::graphql::resource::get::<payslip::Entity>(ctx, &id).await?)
    }

    /// The tenant's payroll settings. Needs `VIEW_PAYROLL`.
    async fn payroll_settings(&self, ctx: &Context<'_>) -> GqlResult<PayrollSettings> {
        let session = ctx.authorize(Permission::ViewPayroll)?;
        Ok(session
            .db
            .read(async |tx| payroll::settings(tx).await.map_err(db_err))
            .await?
            .into())
    }
}

/// The tenant's payroll settings.
#[derive(SimpleObject)]
pub struct PayrollSettings {
    /// Health insurance, the employee's share, in percent.
    pub health_rate: Decimal,
    /// Long-term care insurance (ages 40 to 64), the employee's share, in percent.
    pub care_rate: Decimal,
    /// Welfare pension, the employee's share, in percent.
    pub pension_rate: Decimal,
    /// Employment insurance, the employee's share, in percent.
    pub employment_rate: Decimal,
    /// Prescribed hours a month (`standard_hours` in formulas).
    pub standard_monthly_hours: i32,
    /// Overtime multiplier (`ot_multiplier`).
    pub overtime_multiplier: Decimal,
    /// Holiday-work multiplier (`holiday_multiplier`).
    pub holiday_multiplier: Decimal,
    /// The settings' version (0 until first changed).
    pub version: i32,
}

impl From<entity::hr::payroll_settings::Model> for PayrollSettings {
    fn from(s: entity::hr::payroll_settings::Model) -> Self {
        Self {
            health_rate: Decimal(s.health_rate.normalize()),
            care_rate: Decimal(s.care_rate.normalize()),
            pension_rate: Decimal(s.pension_rate.normalize()),
            employment_rate: Decimal(s.employment_rate.normalize()),
            standard_monthly_hours: s.standard_monthly_hours,
            overtime_multiplier: Decimal(s.overtime_multiplier.normalize()),
            holiday_multiplier: Decimal(s.holiday_multiplier.normalize()),
            version: s.version,
        }
    }
}

/// Changes to the payroll settings.
#[derive(InputObject)]
pub struct PayrollSettingsInput {
    /// The version read (0 before the first change).
    pub expected_version: i32,
    /// Health rate in percent.
    pub health_rate: Option<Decimal>,
    /// Care rate in percent.
    pub care_rate: Option<Decimal>,
    /// Pension rate in percent.
    pub pension_rate: Option<Decimal>,
    /// Employment insurance rate in percent.
    pub employment_rate: Option<Decimal>,
    /// Prescribed hours a month, 1 to 300.
    pub standard_monthly_hours: Option<i32>,
    /// Overtime multiplier, 1 to 3.
    pub overtime_multiplier: Option<Decimal>,
    /// Holiday multiplier, 1 to 3.
    pub holiday_multiplier: Option<Decimal>,
}

/// The result of changing the payroll settings.
#[derive(SimpleObject)]
pub struct PayrollSettingsPayload {
    /// The settings; `null` when there are errors.
    pub payroll_settings: Option<PayrollSettings>,
    /// What was wrong; nothing changed when not empty.
    pub errors: crate::graphql::list::List<InputError<HrErrorCode>>,
}

/// A new payroll run.
#[derive(InputObject)]
pub struct CreatePayrollRunInput {
    /// Any day of the month paid.
    pub period_start: NaiveDate,
    /// The pay date (default the 25th).
    pub pay_date: Option<NaiveDate>,
}

/// Which run to move, at which version.
#[derive(InputObject)]
pub struct PayrollRunTransitionInput {
    /// The run.
    pub id: ID,
    /// The version read.
    pub expected_version: i32,
}

/// The result of a payroll run mutation.
#[derive(SimpleObject)]
pub struct PayrollRunPayload {
    /// The run; `null` when there are errors.
    pub payroll_run: Option<PayrollRun>,
    /// What was wrong; nothing changed when not empty.
    pub errors: crate::graphql::list::List<InputError<HrErrorCode>>,
}

/// The payroll mutations.
#[derive(Default)]
pub struct PayrollFlowMutation;

#[Object]
impl PayrollFlowMutation {
    /// Changes the payroll settings. Needs `MANAGE_PAYROLL`.
    async fn update_payroll_settings(
        &self,
        ctx: &Context<'_>,
        input: PayrollSettingsInput,
    ) -> GqlResult<PayrollSettingsPayload> {
        let session = ctx.authorize(Permission::ManagePayroll)?;
        let tx = session.begin_write(ctx).await?;
        let out = crate::services::hr::payroll_setup::update_settings(
            &tx,
            session.principal.actor_id,
            &input,
        )
        .await?;
        let (row, errors) = settle(tx, out).await?;
        Ok(PayrollSettingsPayload {
            payroll_settings: row.map(Into::into),
            errors: List(errors),
        })
    }

    /// Creates a draft run for a month (`ALREADY_RUN` when the month has one). Needs
    /// `MANAGE_PAYROLL`.
    async fn create_payroll_run(
        &self,
        ctx: &Context<'_>,
        input: CreatePayrollRunInput,
    ) -> GqlResult<PayrollRunPayload> {
        let session = ctx.authorize(Permission::ManagePayroll)?;
        let tx = session.begin_write(ctx).await?;
        let out = payroll::create_run(
            &tx,
            session.principal.actor_id,
            input.period_start,
            input.pay_date,
        )
        .await?;
        run_payload(tx, out).await
    }

    /// Computes (or recomputes) the run's payslips from validated attendance and leave. Needs
    /// `MANAGE_PAYROLL`.
    async fn compute_payroll_run(
        &self,
        ctx: &Context<'_>,
        input: PayrollRunTransitionInput,
    ) -> GqlResult<PayrollRunPayload> {
        let session = ctx.authorize(Permission::ManagePayroll)?;
        let tx = session.begin_write(ctx).await?;
        let out = match GlobalId::decode_for::<payroll_run::Entity>(&input.id) {
            None => crate::services::hr::refuse("id", HrErrorCode::NotFound, "no such payroll run"),
            Some(id) => {
                payroll::compute(&tx, session.principal.actor_id, id, input.expected_version)
                    .await?
            }
        };
        run_payload(tx, out).await
    }

    /// Posts the run's one journal entry, dated the month's last day. Needs `APPROVE_PAYROLL`.
    async fn post_payroll_run(
        &self,
        ctx: &Context<'_>,
        input: PayrollRunTransitionInput,
    ) -> GqlResult<PayrollRunPayload> {
        run_action(ctx, input, PayrollRunAction::Post).await
    }

    /// Publishes the payslips to the employees. Needs `APPROVE_PAYROLL`.
    async fn publish_payroll_run(
        &self,
        ctx: &Context<'_>,
        input: PayrollRunTransitionInput,
    ) -> GqlResult<PayrollRunPayload> {
        run_action(ctx, input, PayrollRunAction::Publish).await
    }

    /// Cancels a run; a posted one has its entry reversed, and the month can run again. Needs
    /// `APPROVE_PAYROLL`.
    async fn cancel_payroll_run(
        &self,
        ctx: &Context<'_>,
        input: PayrollRunTransitionInput,
    ) -> GqlResult<PayrollRunPayload> {
        run_action(ctx, input, PayrollRunAction::Cancel).await
    }
}

async fn run_payload(
    tx: entity::TenantTx,
    out: crate::services::hr::Checked<payroll_run::Model>,
) -> GqlResult<PayrollRunPayload> {
    let (row, errors) = settle(tx, out).await?;
    Ok(PayrollRunPayload {
        payroll_run: row.map(PayrollRun),
        errors: List(errors),
    })
}

async fn run_action(
    ctx: &Context<'_>,
    input: PayrollRunTransitionInput,
    action: PayrollRunAction,
) -> GqlResult<PayrollRunPayload> {
    let session = ctx.authorize(Permission::ApprovePayroll)?;
    let privileged = crate::graphql::accounting::finance_manager(ctx);
    let tx = session.begin_write(ctx).await?;
    let out = match GlobalId::decode_for::<payroll_run::Entity>(&input.id) {
        None => crate::services::hr::refuse("id", HrErrorCode::NotFound, "no such payroll run"),
        Some(id) => {
            payroll::act(
                &tx,
                session.principal.actor_id,
                id,
                input.expected_version,
                action,
                privileged,
            )
            .await?
        }
    };
    run_payload(tx, out).await
}

/// Every payroll query.
#[derive(async_graphql::MergedObject, Default)]
pub struct PayrollQuery(
    SocialInsuranceEnrolmentQuery,
    WithholdingTaxBracketQuery,
    SalaryComponentQuery,
    SalaryStructureQuery,
    SalaryStructureComponentQuery,
    SalaryStructureAssignmentQuery,
    PayrollRunListQuery,
    PayslipListQuery,
    PayrollOneQuery,
);

/// Every payroll mutation.
#[derive(async_graphql::MergedObject, Default)]
pub struct PayrollMutation(
    SocialInsuranceEnrolmentMutation,
    WithholdingTaxBracketMutation,
    SalaryComponentMutation,
    SalaryStructureMutation,
    SalaryStructureComponentMutation,
    SalaryStructureAssignmentMutation,
    PayrollFlowMutation,
);
