//! The plain payroll records: social-insurance enrolments, the withholding tax table, salary
//! components, structures and their components, structure assignments, and the settings.

use entity::TenantTx;
use entity::accounting::account;
use entity::hr::{
    payroll_settings, salary_component, salary_structure, salary_structure_assignment,
    salary_structure_component, social_insurance_enrolment, withholding_tax_bracket,
};
use entity::org::employee;
use rust_decimal::Decimal;
use sea_orm::{ActiveValue::Set, ColumnTrait, Condition, IntoActiveModel, QueryFilter};
use uuid::Uuid;

use super::payroll::{ComponentCalc, Rounding};
use super::{Checked, HrErrorCode as E};
use crate::auth::Permission;
use crate::error::AppResult;
use crate::graphql::listing::DbEnum;
use crate::graphql::payroll::*;
use crate::graphql::resource::{Editable, Problems, Resource};

type P = Problems<E>;

macro_rules! payroll_resource {
    ($module:ident, $node:ident) => {
        paste::paste! {
            impl Resource for $module::Entity {
                type Node = $node;
                type Filter = [<$node Filter>];
                type Order = [<$node Order>];
                const VIEW: Permission = Permission::ViewPayroll;
            }
        }
    };
}

payroll_resource!(social_insurance_enrolment, SocialInsuranceEnrolment);
payroll_resource!(withholding_tax_bracket, WithholdingTaxBracket);
payroll_resource!(salary_component, SalaryComponent);
payroll_resource!(salary_structure, SalaryStructure);
payroll_resource!(salary_structure_component, SalaryStructureComponent);
payroll_resource!(salary_structure_assignment, SalaryStructureAssignment);

fn money(p: &mut P, path: &str, v: Decimal, positive: bool) {
    if v < Decimal::ZERO
        || (positive && v == Decimal::ZERO)
        || v > Decimal::from(1_000_000_000_000i64)
    {
        p.row(
            path,
            E::Invalid,
            if positive {
                "more than zero"
            } else {
                "zero or more"
            },
        );
    }
}

impl Editable for social_insurance_enrolment::Entity {
    type Create = CreateSocialInsuranceEnrolmentInput;
    type Patch = SocialInsuranceEnrolmentPatch;
    type Code = E;
    const MANAGE: Permission = Permission::ManagePayroll;

    async fn create(
        tx: &TenantTx,
        input: &CreateSocialInsuranceEnrolmentInput,
        p: &mut P,
    ) -> AppResult<social_insurance_enrolment::ActiveModel> {
        let employee = p
            .reference::<employee::Entity>(tx, "employeeId", Some(&input.employee_id))
            .await?;
        let smr = input.standard_monthly_remuneration.map(|d| d.0);
        match (input.scheme, smr) {
            (InsuranceScheme::Employment, _) => {}
            (_, None) => p.row(
                "standardMonthlyRemuneration",
                E::Required,
                "health, care and pension premiums are computed on it",
            ),
            (_, Some(v)) => money(p, "standardMonthlyRemuneration", v, true),
        }
        if let Some(e) = employee {
            use social_insurance_enrolment::Column as S;
            let scheme = input.scheme.db();
            let from = input.effective_from;
            let taken = tx
                .one(
                    tx.select::<social_insurance_enrolment::Entity>()
                        .refine(|q| {
                            q.filter(S::EmployeeId.eq(e))
                                .filter(S::Scheme.eq(scheme))
                                .filter(S::EffectiveFrom.eq(from))
                        }),
                )
                .await?;
            if taken.is_some() {
                p.row(
                    "effectiveFrom",
                    E::Duplicate,
                    "an enrolment in this scheme starts that day",
                );
            }
        }
        Ok(social_insurance_enrolment::ActiveModel {
            employee_id: Set(employee.unwrap_or_default()),
            scheme: Set(input.scheme.db().into()),
            effective_from: Set(input.effective_from),
            left_on: Set(None),
            standard_monthly_remuneration: Set(if input.scheme == InsuranceScheme::Employment {
                None
            } else {
                smr
            }),
            insured_number: Set(None),
            archived_at: Set(None),
            ..Default::default()
        })
    }

    async fn patch(
        _tx: &TenantTx,
        row: &social_insurance_enrolment::Model,
        patch: &SocialInsuranceEnrolmentPatch,
        p: &mut P,
    ) -> AppResult<social_insurance_enrolment::ActiveModel> {
        let mut am = row.clone().into_active_model();
        match patch.left_on {
            async_graphql::MaybeUndefined::Undefined => {}
            async_graphql::MaybeUndefined::Null => am.left_on = Set(None),
            async_graphql::MaybeUndefined::Value(d) => {
                if d < row.effective_from {
                    p.row("patch.leftOn", E::Invalid, "on or after effectiveFrom");
                }
                am.left_on = Set(Some(d));
            }
        }
        Ok(am)
    }
}

impl Editable for withholding_tax_bracket::Entity {
    type Create = CreateWithholdingTaxBracketInput;
    type Patch = WithholdingTaxBracketPatch;
    type Code = E;
    const MANAGE: Permission = Permission::ManagePayroll;

    async fn create(
        tx: &TenantTx,
        input: &CreateWithholdingTaxBracketInput,
        p: &mut P,
    ) -> AppResult<withholding_tax_bracket::ActiveModel> {
        let column = input.tax_column.unwrap_or(TaxColumn::Kou);
        let dependents = input.dependents.unwrap_or(0);
        if !(0..=7).contains(&dependents) {
            p.row("dependents", E::Invalid, "0 to 7");
        }
        money(p, "lower", input.lower.0, false);
        money(p, "amount", input.amount.0, false);
        if input.upper.0 <= input.lower.0 {
            p.row("upper", E::Invalid, "more than lower");
        }
        use withholding_tax_bracket::Column as W;
        let (from, lower) = (input.valid_from, input.lower.0);
        let taken = tx
            .one(tx.select::<withholding_tax_bracket::Entity>().refine(|q| {
                q.filter(W::ValidFrom.eq(from))
                    .filter(W::TaxColumn.eq(column.db()))
                    .filter(W::Dependents.eq(dependents))
                    .filter(W::Lower.eq(lower))
            }))
            .await?;
        if taken.is_some() {
            p.row("lower", E::Duplicate, "the table has this row already");
        }
        Ok(withholding_tax_bracket::ActiveModel {
            valid_from: Set(input.valid_from),
            tax_column: Set(column.db().into()),
            dependents: Set(dependents),
            lower: Set(input.lower.0),
            upper: Set(input.upper.0),
            amount: Set(input.amount.0),
            archived_at: Set(None),
            ..Default::default()
        })
    }

    async fn patch(
        _tx: &TenantTx,
        row: &withholding_tax_bracket::Model,
        patch: &WithholdingTaxBracketPatch,
        p: &mut P,
    ) -> AppResult<withholding_tax_bracket::ActiveModel> {
        let mut am = row.clone().into_active_model();
        if let Some(a) = patch.amount {
            money(p, "patch.amount", a.0, false);
            am.amount = Set(a.0);
        }
        Ok(am)
    }
}

fn code(p: &mut P, path: &str, value: &str) -> String {
    let code = p.required_text(path, value, 30);
    if !code
        .chars()
        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
    {
        p.row(path, E::Invalid, "capital letters, digits and `_`");
    }
    code
}

fn formula(p: &mut P, path: &str, text: &str) {
    if let Err(e) = super::formula::Formula::parse(text) {
        p.row(path, E::InvalidFormula, e.to_string());
    }
}

impl Editable for salary_component::Entity {
    type Create = CreateSalaryComponentInput;
    type Patch = SalaryComponentPatch;
    type Code = E;
    const MANAGE: Permission = Permission::ManagePayroll;

    async fn create(
        tx: &TenantTx,
        input: &CreateSalaryComponentInput,
        p: &mut P,
    ) -> AppResult<salary_component::ActiveModel> {
        let code = code(p, "code", &input.code);
        p.unique::<salary_component::Entity>(
            tx,
            "code",
            salary_component::Column::Code,
            &code,
            None,
        )
        .await?;
        let earning = input.kind == ComponentKind::Earning;
        if input.calc.statutory() && earning {
            p.row(
                "calc",
                E::Invalid,
                "the statutory components are deductions",
            );
        }
        match input.calc {
            ComponentCalc::Fixed => match input.amount {
                None => p.row("amount", E::Required, "a fixed component has an amount"),
                Some(a) => money(p, "amount", a.0, false),
            },
            ComponentCalc::Formula => match input.formula.as_deref() {
                None => p.row("formula", E::Required, "a formula component has a formula"),
                Some(f) => formula(p, "formula", f),
            },
            _ => {}
        }
        let account = p
            .reference::<account::Entity>(tx, "accountId", input.account_id.as_ref())
            .await?;
        Ok(salary_component::ActiveModel {
            code: Set(code),
            name: Set(p.required_text("name", &input.name, 200)),
            kind: Set(input.kind.db().into()),
            calc: Set(input.calc.db().into()),
            amount: Set(input.amount.map(|a| a.0)),
            formula: Set(input.formula.as_deref().map(|f| f.trim().to_owned())),
            sequence: Set(input.sequence.unwrap_or(100)),
            rounding: Set(input.rounding.unwrap_or(Rounding::HalfUp).db().into()),
            taxable: Set(input.taxable.unwrap_or(earning) && earning),
            in_overtime_base: Set(input.in_overtime_base.unwrap_or(false) && earning),
            in_insurance_base: Set(input.in_insurance_base.unwrap_or(earning) && earning),
            account_id: Set(account),
            archived_at: Set(None),
            ..Default::default()
        })
    }

    async fn patch(
        _tx: &TenantTx,
        row: &salary_component::Model,
        patch: &SalaryComponentPatch,
        p: &mut P,
    ) -> AppResult<salary_component::ActiveModel> {
        let mut am = row.clone().into_active_model();
        if let Some(n) = &patch.name {
            am.name = Set(p.required_text("patch.name", n, 200));
        }
        if let Some(a) = patch.amount {
            money(p, "patch.amount", a.0, false);
            am.amount = Set(Some(a.0));
        }
        if let Some(f) = &patch.formula {
            formula(p, "patch.formula", f);
            am.formula = Set(Some(f.trim().to_owned()));
        }
        if let Some(s) = patch.sequence {
            am.sequence = Set(s);
        }
        if let Some(r) = patch.rounding {
            am.rounding = Set(r.db().into());
        }
        Ok(am)
    }
}

impl Editable for salary_structure::Entity {
    type Create = CreateSalaryStructureInput;
    type Patch = SalaryStructurePatch;
    type Code = E;
    const MANAGE: Permission = Permission::ManagePayroll;

    async fn create(
        tx: &TenantTx,
        input: &CreateSalaryStructureInput,
        p: &mut P,
    ) -> AppResult<salary_structure::ActiveModel> {
        let code = code(p, "code", &input.code);
        p.unique::<salary_structure::Entity>(
            tx,
            "code",
            salary_structure::Column::Code,
            &code,
            None,
        )
        .await?;
        Ok(salary_structure::ActiveModel {
            code: Set(code),
            name: Set(p.required_text("name", &input.name, 200)),
            archived_at: Set(None),
            ..Default::default()
        })
    }

    async fn patch(
        _tx: &TenantTx,
        row: &salary_structure::Model,
        patch: &SalaryStructurePatch,
        p: &mut P,
    ) -> AppResult<salary_structure::ActiveModel> {
        let mut am = row.clone().into_active_model();
        if let Some(n) = &patch.name {
            am.name = Set(p.required_text("patch.name", n, 200));
        }
        Ok(am)
    }
}

impl Editable for salary_structure_component::Entity {
    type Create = CreateSalaryStructureComponentInput;
    type Patch = SalaryStructureComponentPatch;
    type Code = E;
    const MANAGE: Permission = Permission::ManagePayroll;

    async fn create(
        tx: &TenantTx,
        input: &CreateSalaryStructureComponentInput,
        p: &mut P,
    ) -> AppResult<salary_structure_component::ActiveModel> {
        let structure = p
            .reference::<salary_structure::Entity>(tx, "structureId", Some(&input.structure_id))
            .await?;
        let component = p
            .reference::<salary_component::Entity>(tx, "componentId", Some(&input.component_id))
            .await?;
        if let (Some(s), Some(c)) = (structure, component) {
            use salary_structure_component::Column as SC;
            let taken = tx
                .one(
                    tx.select::<salary_structure_component::Entity>()
                        .refine(|q| {
                            q.filter(SC::StructureId.eq(s))
                                .filter(SC::ComponentId.eq(c))
                        }),
                )
                .await?;
            if taken.is_some() {
                p.row("componentId", E::Duplicate, "the structure has it already");
            }
        }
        Ok(salary_structure_component::ActiveModel {
            structure_id: Set(structure.unwrap_or_default()),
            component_id: Set(component.unwrap_or_default()),
            archived_at: Set(None),
            ..Default::default()
        })
    }

    async fn patch(
        _tx: &TenantTx,
        row: &salary_structure_component::Model,
        _patch: &SalaryStructureComponentPatch,
        _p: &mut P,
    ) -> AppResult<salary_structure_component::ActiveModel> {
        Ok(row.clone().into_active_model())
    }
}

/// The per-employee amounts as stored (JSON of code → amount), checked against the tenant's
/// components.
async fn amounts_json(
    tx: &TenantTx,
    p: &mut P,
    path: &str,
    amounts: &[ComponentAmount],
) -> AppResult<String> {
    let known: std::collections::BTreeSet<String> = tx
        .all(tx.select::<salary_component::Entity>())
        .await?
        .into_iter()
        .map(|c| c.code)
        .collect();
    let mut map = std::collections::BTreeMap::new();
    for (i, a) in amounts.iter().enumerate() {
        if !known.contains(&a.code) {
            p.row(
                &format!("{path}.{i}.code"),
                E::NotFound,
                "no component has this code",
            );
        }
        money(p, &format!("{path}.{i}.amount"), a.amount.0, false);
        if map.insert(a.code.clone(), a.amount.0.to_string()).is_some() {
            p.row(
                &format!("{path}.{i}.code"),
                E::Duplicate,
                "one amount per component",
            );
        }
    }
    Ok(serde_json::to_string(&map).unwrap_or_else(|_| "{}".into()))
}

async fn overlapping(
    tx: &TenantTx,
    employee: Uuid,
    from: chrono::NaiveDate,
    to: Option<chrono::NaiveDate>,
    except: Option<Uuid>,
) -> AppResult<bool> {
    use salary_structure_assignment::Column as S;
    let rows = tx
        .all(
            tx.select::<salary_structure_assignment::Entity>()
                .refine(|q| {
                    let q = q
                        .filter(S::EmployeeId.eq(employee))
                        .filter(S::ArchivedAt.is_null())
                        .filter(
                            Condition::any()
                                .add(S::ToDate.is_null())
                                .add(S::ToDate.gte(from)),
                        );
                    let q = match to {
                        Some(t) => q.filter(S::FromDate.lte(t)),
                        None => q,
                    };
                    match except {
                        Some(id) => q.filter(S::Id.ne(id)),
                        None => q,
                    }
                }),
        )
        .await?;
    Ok(!rows.is_empty())
}

impl Editable for salary_structure_assignment::Entity {
    type Create = CreateSalaryStructureAssignmentInput;
    type Patch = SalaryStructureAssignmentPatch;
    type Code = E;
    const MANAGE: Permission = Permission::ManagePayroll;

    async fn create(
        tx: &TenantTx,
        input: &CreateSalaryStructureAssignmentInput,
        p: &mut P,
    ) -> AppResult<salary_structure_assignment::ActiveModel> {
        let employee = p
            .reference::<employee::Entity>(tx, "employeeId", Some(&input.employee_id))
            .await?;
        let structure = p
            .reference::<salary_structure::Entity>(tx, "structureId", Some(&input.structure_id))
            .await?;
        if input.to_date.is_some_and(|t| t < input.from_date) {
            p.row("toDate", E::Invalid, "on or after fromDate");
        }
        if let Some(e) = employee
            && overlapping(tx, e, input.from_date, input.to_date, None).await?
        {
            p.row(
                "fromDate",
                E::Overlap,
                "another assignment covers some of these days",
            );
        }
        let dependents = input.dependents.unwrap_or(0);
        if !(0..=7).contains(&dependents) {
            p.row("dependents", E::Invalid, "0 to 7");
        }
        let amounts =
            amounts_json(tx, p, "amounts", input.amounts.as_deref().unwrap_or(&[])).await?;
        Ok(salary_structure_assignment::ActiveModel {
            employee_id: Set(employee.unwrap_or_default()),
            structure_id: Set(structure.unwrap_or_default()),
            from_date: Set(input.from_date),
            to_date: Set(input.to_date),
            amounts: Set(amounts),
            dependents: Set(dependents),
            tax_column: Set(input.tax_column.unwrap_or(TaxColumn::Kou).db().into()),
            archived_at: Set(None),
            ..Default::default()
        })
    }

    async fn patch(
        tx: &TenantTx,
        row: &salary_structure_assignment::Model,
        patch: &SalaryStructureAssignmentPatch,
        p: &mut P,
    ) -> AppResult<salary_structure_assignment::ActiveModel> {
        let mut am = row.clone().into_active_model();
        let to = match patch.to_date {
            async_graphql::MaybeUndefined::Undefined => row.to_date,
            async_graphql::MaybeUndefined::Null => None,
            async_graphql::MaybeUndefined::Value(d) => Some(d),
        };
        if to.is_some_and(|t| t < row.from_date) {
            p.row("patch.toDate", E::Invalid, "on or after fromDate");
        }
        if overlapping(tx, row.employee_id, row.from_date, to, Some(row.id)).await? {
            p.row(
                "patch.toDate",
                E::Overlap,
                "another assignment covers some of these days",
            );
        }
        am.to_date = Set(to);
        if let Some(a) = &patch.amounts {
            am.amounts = Set(amounts_json(tx, p, "patch.amounts", a).await?);
        }
        if let Some(d) = patch.dependents {
            if !(0..=7).contains(&d) {
                p.row("patch.dependents", E::Invalid, "0 to 7");
            }
            am.dependents = Set(d);
        }
        if let Some(c) = patch.tax_column {
            am.tax_column = Set(c.db().into());
        }
        Ok(am)
    }
}

/// Changes the payroll settings at the expected version.
pub async fn update_settings(
    tx: &TenantTx,
    actor: Uuid,
    input: &PayrollSettingsInput,
) -> AppResult<Checked<payroll_settings::Model>> {
    let current = super::payroll::settings(tx).await?;
    crate::services::access::check_version(current.version, input.expected_version)?;
    let mut p = P::default();
    let pct = |p: &mut P, path: &str, v: Option<crate::graphql::scalars::Decimal>| {
        if v.is_some_and(|v| v.0 < Decimal::ZERO || v.0 > Decimal::from(50)) {
            p.row(path, E::Invalid, "0 to 50 percent");
        }
    };
    pct(&mut p, "healthRate", input.health_rate);
    pct(&mut p, "careRate", input.care_rate);
    pct(&mut p, "pensionRate", input.pension_rate);
    pct(&mut p, "employmentRate", input.employment_rate);
    if input
        .standard_monthly_hours
        .is_some_and(|h| !(1..=300).contains(&h))
    {
        p.row("standardMonthlyHours", E::Invalid, "1 to 300");
    }
    for (path, v) in [
        ("overtimeMultiplier", input.overtime_multiplier),
        ("holidayMultiplier", input.holiday_multiplier),
    ] {
        if v.is_some_and(|v| v.0 < Decimal::ONE || v.0 > Decimal::from(3)) {
            p.row(path, E::Invalid, "1 to 3");
        }
    }
    if !p.is_empty() {
        return Ok(Err(p.into_errors()));
    }
    let mut am = current.clone().into_active_model();
    if let Some(v) = input.health_rate {
        am.health_rate = Set(v.0);
    }
    if let Some(v) = input.care_rate {
        am.care_rate = Set(v.0);
    }
    if let Some(v) = input.pension_rate {
        am.pension_rate = Set(v.0);
    }
    if let Some(v) = input.employment_rate {
        am.employment_rate = Set(v.0);
    }
    if let Some(v) = input.standard_monthly_hours {
        am.standard_monthly_hours = Set(v);
    }
    if let Some(v) = input.overtime_multiplier {
        am.overtime_multiplier = Set(v.0);
    }
    if let Some(v) = input.holiday_multiplier {
        am.holiday_multiplier = Set(v.0);
    }
    if current.version == 0 {
        crate::graphql::resource::stamp_new::<payroll_settings::Entity>(&mut am, Some(actor))?;
        return Ok(Ok(tx.insert::<payroll_settings::Entity, _>(am).await?));
    }
    crate::services::stamp(
        &mut am.version,
        &mut am.updated_at,
        &mut am.updated_by,
        current.version,
        actor,
    );
    Ok(Ok(tx.update::<payroll_settings::Entity, _>(am).await?))
}
