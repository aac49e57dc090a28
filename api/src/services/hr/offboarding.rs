//! Offboarding: separations with their checklist (and the assets to return), the final
//! settlement with the tenant's severance formula and the retirement income taxes withheld,
//! and re-employment after retirement.
//!
//! Invariants:
//! - an employee has at most one open separation (checked under the employee's lock, and a
//!   partial unique index);
//! - a separation completes only when every required task is done (`CHECKLIST_INCOMPLETE`)
//!   and its last working day has come (`FUTURE_DATE`); completing ends the running contract
//!   and the structure assignment on that day, closes the social-insurance enrolments (so the
//!   month's premiums follow the loss date) and marks the employee `LEFT`, in one transaction;
//! - severance = last monthly wage × Σ(years of service in a band × its months per year) ×
//!   the reason's factor, floored to the unit; the retirement income deduction, the taxable
//!   half and the taxes follow the Income Tax Act (art. 30, 89, 201) and the local tax on
//!   retirement income; a settlement is posted once, as one balanced entry through the ledger;
//! - re-employment follows a completed retirement only, as a new `RE_EMPLOYMENT` contract that
//!   renews the last one.

use chrono::{Datelike, Months, NaiveDate, Utc};
use entity::TenantTx;
use entity::hr::{
    employment_contract, final_settlement, salary_structure_assignment, separation,
    severance_scheme, social_insurance_enrolment,
};
use entity::org::employee;
use rust_decimal::Decimal;
use sea_orm::{ActiveValue::Set, ColumnTrait, IntoActiveModel, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::onboarding::{NewTask, from_template, incomplete, tasks_of, template, write_tasks};
use super::{Checked, HrErrorCode as E, refuse};
use crate::auth::Permission;
use crate::error::AppResult;
use crate::graphql::core::GlobalId;
use crate::graphql::listing::DbEnum;
use crate::graphql::offboarding::{
    CreateSeveranceSchemeInput, FinalSettlement, FinalSettlementFilter, FinalSettlementOrder,
    ReemployInput, Separation, SeparationFilter, SeparationOrder, SeparationReason,
    SeveranceBandInput, SeveranceFactorInput, SeveranceScheme, SeveranceSchemeFilter,
    SeveranceSchemeOrder, SeveranceSchemePatch, StartSeparationInput,
};
use crate::graphql::recruiting::ChecklistKind;
use crate::graphql::resource::{Editable, Problems, Resource};
use crate::services::accounting::ledger::{self, EntryIn, LineIn};
use crate::services::workflow::advance;

type P = Problems<E>;

/// An asset the leaver holds and must return: what the IT domain will report.
pub struct AssetToReturn {
    /// What it is, e.g. "Laptop".
    pub title: String,
    /// Its tag or serial number.
    pub reference: String,
}

/// The assets an employee holds, each of which becomes a required `ASSET_RETURN` task of their
/// separation. The IT domain fills this hook; until it exists, nobody holds anything.
pub async fn assets_to_return(_tx: &TenantTx, _employee: Uuid) -> AppResult<Vec<AssetToReturn>> {
    Ok(Vec::new())
}

/// One band of a severance scheme, as stored.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Band {
    /// Years of service where the band starts.
    pub from_years: i32,
    /// Where it ends (open-ended when none).
    pub to_years: Option<i32>,
    /// Months of wage per year of service in the band.
    pub months_per_year: Decimal,
}

/// A scheme's bands (an unreadable list is empty).
pub fn bands(row: &severance_scheme::Model) -> Vec<Band> {
    serde_json::from_str(&row.bands).unwrap_or_default()
}

/// A scheme's factors by reason (a reason not named counts 1).
pub fn factors(row: &severance_scheme::Model) -> std::collections::BTreeMap<String, Decimal> {
    serde_json::from_str(&row.reason_factors).unwrap_or_default()
}

fn check_bands(p: &mut P, path: &str, input: &[SeveranceBandInput]) -> String {
    let mut expect = 0;
    let mut open_ended = false;
    for (i, b) in input.iter().enumerate() {
        if open_ended || b.from_years != expect {
            p.row(
                &format!("{path}.{i}.fromYears"),
                E::Invalid,
                format!("bands start at 0 and follow each other without gaps: expected {expect}"),
            );
        }
        match b.to_years {
            Some(t) if t <= b.from_years || t > 60 => p.row(
                &format!("{path}.{i}.toYears"),
                E::Invalid,
                "after fromYears, at most 60",
            ),
            Some(t) => expect = t,
            None => open_ended = true,
        }
        if b.months_per_year.0 < Decimal::ZERO || b.months_per_year.0 > Decimal::from(12) {
            p.row(
                &format!("{path}.{i}.monthsPerYear"),
                E::Invalid,
                "0 to 12 months per year",
            );
        }
    }
    let stored: Vec<Band> = input
        .iter()
        .map(|b| Band {
            from_years: b.from_years,
            to_years: b.to_years,
            months_per_year: b.months_per_year.0.normalize(),
        })
        .collect();
    serde_json::to_string(&stored).unwrap_or_else(|_| "[]".into())
}

fn check_factors(p: &mut P, path: &str, input: &[SeveranceFactorInput]) -> String {
    let mut map = std::collections::BTreeMap::new();
    for (i, f) in input.iter().enumerate() {
        if f.factor.0 < Decimal::ZERO || f.factor.0 > Decimal::from(3) {
            p.row(&format!("{path}.{i}.factor"), E::Invalid, "0 to 3");
        }
        if map
            .insert(f.reason.db().to_owned(), f.factor.0.normalize())
            .is_some()
        {
            p.row(
                &format!("{path}.{i}.reason"),
                E::Duplicate,
                "one factor per reason",
            );
        }
    }
    serde_json::to_string(&map).unwrap_or_else(|_| "{}".into())
}

async fn one_active(tx: &TenantTx, p: &mut P, path: &str, except: Option<Uuid>) -> AppResult<()> {
    use severance_scheme::Column as S;
    let other = tx
        .one(tx.select::<severance_scheme::Entity>().refine(|q| {
            let q = q.filter(S::Active.eq(true)).filter(S::ArchivedAt.is_null());
            match except {
                Some(id) => q.filter(S::Id.ne(id)),
                None => q,
            }
        }))
        .await?;
    if let Some(o) = other {
        p.row(
            path,
            E::Duplicate,
            format!("{} is the active scheme; deactivate it first", o.code),
        );
    }
    Ok(())
}

impl Resource for severance_scheme::Entity {
    type Node = SeveranceScheme;
    type Filter = SeveranceSchemeFilter;
    type Order = SeveranceSchemeOrder;
    const VIEW: Permission = Permission::ViewPayroll;
}

impl Editable for severance_scheme::Entity {
    type Create = CreateSeveranceSchemeInput;
    type Patch = SeveranceSchemePatch;
    type Code = E;
    const MANAGE: Permission = Permission::ManagePayroll;

    async fn create(
        tx: &TenantTx,
        input: &CreateSeveranceSchemeInput,
        p: &mut P,
    ) -> AppResult<severance_scheme::ActiveModel> {
        let code = p.required_text("code", &input.code, 30);
        p.unique::<severance_scheme::Entity>(
            tx,
            "code",
            severance_scheme::Column::Code,
            &code,
            None,
        )
        .await?;
        let active = input.active.unwrap_or(true);
        if active {
            one_active(tx, p, "active", None).await?;
        }
        Ok(severance_scheme::ActiveModel {
            code: Set(code),
            name: Set(p.required_text("name", &input.name, 200)),
            bands: Set(check_bands(p, "bands", &input.bands)),
            reason_factors: Set(check_factors(
                p,
                "reasonFactors",
                input.reason_factors.as_deref().unwrap_or_default(),
            )),
            active: Set(active),
            archived_at: Set(None),
            ..Default::default()
        })
    }

    async fn patch(
        tx: &TenantTx,
        row: &severance_scheme::Model,
        patch: &SeveranceSchemePatch,
        p: &mut P,
    ) -> AppResult<severance_scheme::ActiveModel> {
        let mut am = row.clone().into_active_model();
        if let Some(n) = &patch.name {
            am.name = Set(p.required_text("patch.name", n, 200));
        }
        if let Some(b) = &patch.bands {
            am.bands = Set(check_bands(p, "patch.bands", b));
        }
        if let Some(f) = &patch.reason_factors {
            am.reason_factors = Set(check_factors(p, "patch.reasonFactors", f));
        }
        if let Some(a) = patch.active {
            if a && !row.active {
                one_active(tx, p, "patch.active", Some(row.id)).await?;
            }
            am.active = Set(a);
        }
        Ok(am)
    }
}

impl Resource for separation::Entity {
    type Node = Separation;
    type Filter = SeparationFilter;
    type Order = SeparationOrder;
    const VIEW: Permission = Permission::ViewHr;
}

impl Resource for final_settlement::Entity {
    type Node = FinalSettlement;
    type Filter = FinalSettlementFilter;
    type Order = FinalSettlementOrder;
    const VIEW: Permission = Permission::ViewPayroll;
    crate::employee_rows!(final_settlement, ViewPayroll);
}

/// Starts a separation: the checklist from the template (default: the first offboarding
/// template by code) and a required return task per asset the employee holds.
pub async fn start(
    tx: &TenantTx,
    actor: Uuid,
    input: &StartSeparationInput,
) -> AppResult<Checked<separation::Model>> {
    let Some(id) = GlobalId::decode_for::<employee::Entity>(&input.employee_id) else {
        return Ok(refuse("employeeId", E::NotFound, "no such employee"));
    };
    let Some(emp) = super::lock_employee(tx, id).await? else {
        return Ok(refuse("employeeId", E::NotFound, "no such employee"));
    };
    if emp.status == "left" {
        return Ok(refuse(
            "employeeId",
            E::EmployeeInactive,
            "the employee has left",
        ));
    }
    if input.last_working_day < emp.hire_date {
        return Ok(refuse(
            "lastWorkingDay",
            E::BeforeHire,
            format!("the employee was hired on {}", emp.hire_date),
        ));
    }
    let open = tx
        .one(tx.select::<separation::Entity>().refine(|q| {
            q.filter(separation::Column::EmployeeId.eq(emp.id))
                .filter(separation::Column::Status.eq("open"))
        }))
        .await?;
    if open.is_some() {
        return Ok(refuse(
            "employeeId",
            E::Duplicate,
            "the employee's separation is open already",
        ));
    }
    let note = input
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().count() > 2000) {
        return Ok(refuse("note", E::TooLong, "at most 2000 characters"));
    }
    let named = match &input.checklist_template_id {
        Some(t) => match GlobalId::decode_for::<entity::hr::checklist_template::Entity>(t) {
            Some(t) => Some(t),
            None => {
                return Ok(refuse(
                    "checklistTemplateId",
                    E::NotFound,
                    "no such checklist template",
                ));
            }
        },
        None => None,
    };
    let tpl = match template(tx, ChecklistKind::Offboarding, named).await? {
        Ok(t) => t,
        Err(e) => return Ok(Err(e)),
    };
    let mut am = separation::ActiveModel {
        employee_id: Set(emp.id),
        last_working_day: Set(input.last_working_day),
        reason: Set(input.reason.db().into()),
        note: Set(note.map(str::to_owned)),
        status: Set("open".into()),
        completed_at: Set(None),
        archived_at: Set(None),
        ..Default::default()
    };
    crate::graphql::resource::stamp_new::<separation::Entity>(&mut am, Some(actor))?;
    let row = tx.insert::<separation::Entity, _>(am).await?;
    let mut tasks = from_template(tpl.as_ref());
    for a in assets_to_return(tx, emp.id).await? {
        tasks.push(NewTask {
            kind: "asset_return",
            title: format!("Return {}", a.title),
            required: true,
            reference: Some(a.reference),
        });
    }
    write_tasks(tx, actor, (None, Some(row.id)), tasks).await?;
    Ok(Ok(row))
}

/// Completes a separation: the contract and structure assignment end on the last working
/// day, the social-insurance enrolments close, and the employee has left.
pub async fn complete(
    tx: &TenantTx,
    actor: Uuid,
    id: Uuid,
    expected_version: i32,
) -> AppResult<Checked<separation::Model>> {
    let Some(peek) = tx.get::<separation::Entity>(id).await? else {
        return Ok(refuse("id", E::NotFound, "no such separation"));
    };
    let Some(emp) = super::lock_employee(tx, peek.employee_id).await? else {
        return Ok(refuse("id", E::NotFound, "no such employee"));
    };
    let Some(row) = tx.get_for_update::<separation::Entity>(id).await? else {
        return Ok(refuse("id", E::NotFound, "no such separation"));
    };
    crate::services::access::check_version(row.version, expected_version)?;
    if row.status != "open" {
        return Ok(refuse(
            "id",
            E::IllegalTransition,
            "the separation is closed",
        ));
    }
    if let Some(refusal) = incomplete(&tasks_of(tx, (None, Some(row.id))).await?) {
        return Ok(refusal);
    }
    let last = row.last_working_day;
    let today = super::today(&super::settings(tx).await?);
    if last > today {
        return Ok(refuse(
            "id",
            E::FutureDate,
            format!("the last working day is {last}; complete the separation from then on"),
        ));
    }
    if let Some(c) = super::contracts::running(tx, emp.id).await? {
        if c.start_date > last {
            return Ok(refuse(
                "id",
                E::Invalid,
                format!(
                    "{} starts after the last working day; cancel it first",
                    c.number
                ),
            ));
        }
        let reason = format!("separation: {}", row.reason);
        let ending = super::contracts::Ending {
            end_date: last,
            reason: &reason,
        };
        if let Err(e) = super::contracts::act(
            tx,
            actor,
            c.id,
            c.version,
            super::contracts::EmploymentContractAction::End,
            Some(ending),
        )
        .await?
        {
            return Ok(Err(e));
        }
    }
    use salary_structure_assignment::Column as A;
    let assignments = tx
        .all(
            tx.select::<salary_structure_assignment::Entity>()
                .refine(|q| {
                    q.filter(A::EmployeeId.eq(emp.id))
                        .filter(A::FromDate.lte(last))
                        .filter(
                            sea_orm::Condition::any()
                                .add(A::ToDate.is_null())
                                .add(A::ToDate.gt(last)),
                        )
                }),
        )
        .await?;
    for a in assignments {
        advance::<salary_structure_assignment::Entity, _>(tx, Some(actor), &a, "ended", |am| {
            am.to_date = Set(Some(last));
        })
        .await?;
    }
    use social_insurance_enrolment::Column as S;
    let enrolments = tx
        .all(
            tx.select::<social_insurance_enrolment::Entity>()
                .refine(|q| {
                    q.filter(S::EmployeeId.eq(emp.id))
                        .filter(S::EffectiveFrom.lte(last))
                        .filter(
                            sea_orm::Condition::any()
                                .add(S::LeftOn.is_null())
                                .add(S::LeftOn.gt(last)),
                        )
                }),
        )
        .await?;
    for e in enrolments {
        advance::<social_insurance_enrolment::Entity, _>(tx, Some(actor), &e, "ended", |am| {
            am.left_on = Set(Some(last));
        })
        .await?;
    }
    advance::<employee::Entity, _>(tx, Some(actor), &emp, "left", |am| {
        am.status = Set("left".into());
        am.left_on = Set(Some(last));
    })
    .await?;
    Ok(Ok(advance::<separation::Entity, _>(
        tx,
        Some(actor),
        &row,
        "completed",
        |am| {
            am.status = Set("completed".into());
            am.completed_at = Set(Some(Utc::now()));
        },
    )
    .await?))
}

/// Cancels an open separation (the employee stays).
pub async fn cancel(
    tx: &TenantTx,
    actor: Uuid,
    id: Uuid,
    expected_version: i32,
) -> AppResult<Checked<separation::Model>> {
    let Some(row) = tx.get_for_update::<separation::Entity>(id).await? else {
        return Ok(refuse("id", E::NotFound, "no such separation"));
    };
    crate::services::access::check_version(row.version, expected_version)?;
    if row.status != "open" {
        return Ok(refuse(
            "id",
            E::IllegalTransition,
            "the separation is closed",
        ));
    }
    // A settlement computed for it is void (a posted one cannot exist: posting needs the
    // separation, and a completed separation is not cancelled).
    use final_settlement::Column as F;
    let computed = tx
        .all(tx.select::<final_settlement::Entity>().refine(|q| {
            q.filter(F::SeparationId.eq(row.id))
                .filter(F::Status.eq("computed"))
        }))
        .await?;
    for f in computed {
        advance::<final_settlement::Entity, _>(tx, Some(actor), &f, "cancelled", |am| {
            am.status = Set("cancelled".into());
        })
        .await?;
    }
    Ok(Ok(advance::<separation::Entity, _>(
        tx,
        Some(actor),
        &row,
        "cancelled",
        |am| am.status = Set("cancelled".into()),
    )
    .await?))
}

/// Completed months of service from the hire date through the last working day.
pub fn service_months(hire: NaiveDate, last: NaiveDate) -> i32 {
    let Some(after) = last.succ_opt() else {
        return 0;
    };
    let mut months = (after.year() - hire.year()) * 12 + after.month() as i32 - hire.month() as i32;
    if after.day() < hire.day() {
        months -= 1;
    }
    months.max(0)
}

/// Severance: wage × Σ(years in each band × its months per year) × factor, floored to the
/// unit. Years are completed months / 12.
pub fn severance(wage: Decimal, months: i32, bands: &[Band], factor: Decimal) -> Decimal {
    let years = Decimal::from(months) / Decimal::from(12);
    let months_of_wage: Decimal = bands
        .iter()
        .map(|b| {
            let from = Decimal::from(b.from_years);
            let to = b.to_years.map_or(years, |t| Decimal::from(t).min(years));
            (to - from).max(Decimal::ZERO) * b.months_per_year
        })
        .sum();
    (wage * months_of_wage * factor).floor()
}

/// The retirement income deduction (退職所得控除, Income Tax Act art. 30): 400,000 yen a year
/// up to 20 years, 700,000 a year beyond, at least 800,000; a started year counts whole.
pub fn retirement_deduction(years: i32) -> Decimal {
    let years = i64::from(years).max(1);
    let d = if years <= 20 {
        400_000 * years
    } else {
        8_000_000 + 700_000 * (years - 20)
    };
    Decimal::from(d.max(800_000))
}

/// Years of service for the retirement income deduction (art. 30): whole years from the start
/// through the last day, a started year counting whole.
pub fn service_years(start: NaiveDate, last: NaiveDate) -> i32 {
    let Some(after) = last.succ_opt() else {
        return 0;
    };
    let whole = service_months(start, last) / 12;
    let anniversary = start.checked_add_months(Months::new(u32::try_from(whole * 12).unwrap_or(0)));
    whole + i32::from(anniversary.is_some_and(|a| a < after))
}

/// Taxable retirement income: half of what exceeds the deduction, floored to 1,000 yen. For
/// five years of service or less only the first 3,000,000 of the excess is halved (art. 30
/// (2), short-service retirement allowance, since 2022).
pub fn taxable_retirement_income(severance: Decimal, deduction: Decimal, years: i32) -> Decimal {
    if severance <= deduction {
        return Decimal::ZERO;
    }
    let excess = severance - deduction;
    let cap = Decimal::from(3_000_000);
    let taxable = if years <= 5 && excess > cap {
        cap / Decimal::TWO + (excess - cap)
    } else {
        excess / Decimal::TWO
    };
    (taxable / Decimal::from(1000)).floor() * Decimal::from(1000)
}

/// Income tax on taxable retirement income with the declaration: the progressive rates of
/// art. 89 and the 2.1 % reconstruction surtax, floored to the yen.
pub fn retirement_income_tax(taxable: Decimal) -> Decimal {
    let brackets: [(i64, i64, i64); 7] = [
        (1_949_000, 5, 0),
        (3_299_000, 10, 97_500),
        (6_949_000, 20, 427_500),
        (8_999_000, 23, 636_000),
        (17_999_000, 33, 1_536_000),
        (39_999_000, 40, 2_796_000),
        (i64::MAX, 45, 4_796_000),
    ];
    let Some((_, rate, less)) = brackets
        .iter()
        .find(|(upto, _, _)| taxable <= Decimal::from(*upto))
    else {
        return Decimal::ZERO;
    };
    let base = (taxable * Decimal::from(*rate) / Decimal::ONE_HUNDRED - Decimal::from(*less))
        .max(Decimal::ZERO);
    (base * Decimal::new(1021, 3)).floor()
}

/// Income tax without the declaration: 20.42 % of the whole payment (art. 201 (3)).
pub fn undeclared_income_tax(severance: Decimal) -> Decimal {
    (severance * Decimal::new(2042, 4)).floor()
}

/// Resident tax on retirement income, collected with it: 6 % municipal and 4 % prefectural of
/// the taxable income, each floored to 100 yen.
pub fn retirement_resident_tax(taxable: Decimal) -> Decimal {
    let hundred = Decimal::ONE_HUNDRED;
    let part = |pct: i64| (taxable * Decimal::from(pct) / hundred / hundred).floor() * hundred;
    part(6) + part(4)
}

/// Computes (or recomputes) a separation's final settlement with the active severance scheme.
pub async fn compute_settlement(
    tx: &TenantTx,
    actor: Uuid,
    separation_id: Uuid,
    declaration_submitted: bool,
) -> AppResult<Checked<final_settlement::Model>> {
    let Some(sep) = tx
        .get_for_update::<separation::Entity>(separation_id)
        .await?
    else {
        return Ok(refuse("separationId", E::NotFound, "no such separation"));
    };
    if sep.status == "cancelled" {
        return Ok(refuse(
            "separationId",
            E::IllegalTransition,
            "the separation was cancelled",
        ));
    }
    let Some(emp) = tx.get::<employee::Entity>(sep.employee_id).await? else {
        return Ok(refuse("separationId", E::NotFound, "no such employee"));
    };
    use final_settlement::Column as F;
    let existing = tx
        .one(
            tx.select::<final_settlement::Entity>()
                .refine(|q| q.filter(F::SeparationId.eq(sep.id))),
        )
        .await?;
    if existing.as_ref().is_some_and(|s| s.status == "posted") {
        return Ok(refuse(
            "separationId",
            E::Locked,
            "the settlement is posted",
        ));
    }
    let Some(scheme) = tx
        .one(tx.select::<severance_scheme::Entity>().refine(|q| {
            q.filter(severance_scheme::Column::Active.eq(true))
                .filter(severance_scheme::Column::ArchivedAt.is_null())
        }))
        .await?
    else {
        return Ok(refuse(
            "separationId",
            E::NotFound,
            "no active severance scheme (a scheme without bands pays nothing)",
        ));
    };
    // The wage of the contract in force on the last working day (or the latest before it).
    use employment_contract::Column as C;
    let Some(contract) = tx
        .one(tx.select::<employment_contract::Entity>().refine(|q| {
            q.filter(C::EmployeeId.eq(emp.id))
                .filter(C::Status.is_in(["running", "ended"]))
                .filter(C::StartDate.lte(sep.last_working_day))
                .order_by_desc(C::StartDate)
        }))
        .await?
    else {
        return Ok(refuse(
            "separationId",
            E::NoContract,
            "no contract gives the last wage",
        ));
    };
    if contract.wage_type != "monthly" {
        return Ok(refuse(
            "separationId",
            E::Invalid,
            "severance is computed from a monthly wage",
        ));
    }
    // Service runs from the start of the current employment: the day after an earlier completed
    // separation (a retirement before re-employment, settled then), else the hire date.
    use separation::Column as SP;
    let start = tx
        .one(tx.select::<separation::Entity>().refine(|q| {
            q.filter(SP::EmployeeId.eq(emp.id))
                .filter(SP::Status.eq("completed"))
                .filter(SP::LastWorkingDay.lt(sep.last_working_day))
                .order_by_desc(SP::LastWorkingDay)
        }))
        .await?
        .and_then(|s| s.last_working_day.succ_opt())
        .unwrap_or(emp.hire_date)
        .max(emp.hire_date);
    let months = service_months(start, sep.last_working_day);
    let years = service_years(start, sep.last_working_day);
    let factor = factors(&scheme)
        .get(&sep.reason)
        .copied()
        .unwrap_or(Decimal::ONE);
    let pay = severance(contract.wage, months, &bands(&scheme), factor);
    let deduction = retirement_deduction(years);
    let taxable = taxable_retirement_income(pay, deduction, years);
    let income_tax = if declaration_submitted {
        retirement_income_tax(taxable)
    } else {
        undeclared_income_tax(pay)
    };
    let resident_tax = retirement_resident_tax(taxable);
    let net = pay - income_tax - resident_tax;
    let fill = |am: &mut final_settlement::ActiveModel| {
        am.scheme_id = Set(Some(scheme.id));
        am.service_months = Set(months);
        am.base_wage = Set(contract.wage);
        am.severance = Set(pay);
        am.retirement_deduction = Set(deduction);
        am.taxable_income = Set(taxable);
        am.income_tax = Set(income_tax);
        am.resident_tax = Set(resident_tax);
        am.net = Set(net);
        am.declaration_submitted = Set(declaration_submitted);
        am.status = Set("computed".into());
    };
    let row = match existing {
        Some(old) => {
            advance::<final_settlement::Entity, _>(tx, Some(actor), &old, "computed", fill).await?
        }
        None => {
            let mut am = final_settlement::ActiveModel {
                separation_id: Set(sep.id),
                employee_id: Set(emp.id),
                entry_id: Set(None),
                archived_at: Set(None),
                ..Default::default()
            };
            fill(&mut am);
            crate::graphql::resource::stamp_new::<final_settlement::Entity>(&mut am, Some(actor))?;
            tx.insert::<final_settlement::Entity, _>(am).await?
        }
    };
    Ok(Ok(row))
}

/// Posts a computed settlement: Dr salaries (6010) the severance; Cr withholdings (2200) the
/// taxes; Cr owed to employees (2020) the net, dated the last working day.
pub async fn post_settlement(
    tx: &TenantTx,
    actor: Uuid,
    id: Uuid,
    expected_version: i32,
    privileged: bool,
) -> AppResult<Checked<final_settlement::Model>> {
    let Some(row) = tx.get_for_update::<final_settlement::Entity>(id).await? else {
        return Ok(refuse("id", E::NotFound, "no such final settlement"));
    };
    crate::services::access::check_version(row.version, expected_version)?;
    if row.status != "computed" {
        return Ok(refuse(
            "id",
            E::IllegalTransition,
            "only a computed settlement is posted",
        ));
    }
    let Some(sep) = tx.get::<separation::Entity>(row.separation_id).await? else {
        return Ok(refuse("id", E::NotFound, "no such separation"));
    };
    if sep.status == "cancelled" {
        return Ok(refuse(
            "id",
            E::IllegalTransition,
            "the separation was cancelled: the employee stays",
        ));
    }
    if row.severance <= Decimal::ZERO {
        // Nothing to pay: the settlement closes without an entry.
        return Ok(Ok(advance::<final_settlement::Entity, _>(
            tx,
            Some(actor),
            &row,
            "posted",
            |am| am.status = Set("posted".into()),
        )
        .await?));
    }
    use super::payroll::account_by_code;
    let (Some(salaries), Some(withheld), Some(owed), Some(general)) = (
        account_by_code(tx, "6010").await?,
        account_by_code(tx, "2200").await?,
        account_by_code(tx, "2020").await?,
        crate::services::accounting::chart::journal_of_type(tx, "general").await?,
    ) else {
        return Ok(refuse(
            "id",
            E::NotFound,
            "the chart needs accounts 6010, 2200 and 2020 and a general journal",
        ));
    };
    let mut lines = vec![LineIn::new(salaries, row.severance, Decimal::ZERO)];
    if row.income_tax > Decimal::ZERO {
        let mut l = LineIn::new(withheld, Decimal::ZERO, row.income_tax);
        l.description = Some("Retirement income tax withheld".into());
        lines.push(l);
    }
    if row.resident_tax > Decimal::ZERO {
        let mut l = LineIn::new(withheld, Decimal::ZERO, row.resident_tax);
        l.description = Some("Resident tax on retirement income withheld".into());
        lines.push(l);
    }
    if row.net > Decimal::ZERO {
        lines.push(LineIn::new(owed, Decimal::ZERO, row.net));
    }
    let input = EntryIn {
        journal: general.id,
        date: sep.last_working_day,
        kind: "entry",
        reference: None,
        narration: Some("Severance pay (final settlement)".into()),
        lines,
        reversal_of: None,
        source: Some(("FinalSettlement", row.id)),
        closing: false,
    };
    let entry = match ledger::record(tx, Some(actor), &input, privileged).await? {
        Ok(e) => e,
        Err(e) => return Ok(Err(super::payroll::from_ledger(e))),
    };
    Ok(Ok(advance::<final_settlement::Entity, _>(
        tx,
        Some(actor),
        &row,
        "posted",
        |am| {
            am.status = Set("posted".into());
            am.entry_id = Set(Some(entry.id));
        },
    )
    .await?))
}

/// Re-employs a retiree (定年後再雇用): a new `RE_EMPLOYMENT` contract, started, that renews
/// the last one; the employee is active again.
pub async fn reemploy(
    tx: &TenantTx,
    principal: &crate::auth::Principal,
    input: &ReemployInput,
) -> AppResult<Checked<employment_contract::Model>> {
    let actor = principal.actor_id;
    let Some(id) = GlobalId::decode_for::<separation::Entity>(&input.separation_id) else {
        return Ok(refuse("separationId", E::NotFound, "no such separation"));
    };
    let Some(sep) = tx.get::<separation::Entity>(id).await? else {
        return Ok(refuse("separationId", E::NotFound, "no such separation"));
    };
    if sep.status != "completed" || sep.reason != SeparationReason::Retirement.db() {
        return Ok(refuse(
            "separationId",
            E::IllegalTransition,
            "re-employment follows a completed retirement",
        ));
    }
    let Some(emp) = super::lock_employee(tx, sep.employee_id).await? else {
        return Ok(refuse("separationId", E::NotFound, "no such employee"));
    };
    if emp.status != "left" {
        return Ok(refuse(
            "separationId",
            E::ContractRunning,
            "the employee is employed again already",
        ));
    }
    if input.start_date <= sep.last_working_day {
        return Ok(refuse(
            "startDate",
            E::Invalid,
            "after the last working day",
        ));
    }
    if input
        .start_date
        .checked_sub_months(Months::new(12))
        .is_some_and(|d| d > sep.last_working_day)
    {
        return Ok(refuse(
            "startDate",
            E::Invalid,
            "within a year of retiring (otherwise it is a new hire)",
        ));
    }
    use employment_contract::Column as C;
    let last = tx
        .one(tx.select::<employment_contract::Entity>().refine(|q| {
            q.filter(C::EmployeeId.eq(emp.id))
                .filter(C::Status.eq("ended"))
                .order_by_desc(C::StartDate)
        }))
        .await?;
    advance::<employee::Entity, _>(tx, Some(actor), &emp, "reemployed", |am| {
        am.status = Set("active".into());
        am.left_on = Set(None);
    })
    .await?;
    let terms = crate::graphql::hr::CreateEmploymentContractInput {
        employee_id: GlobalId::of::<employee::Entity>(emp.id),
        contract_type: crate::graphql::hr::ContractType::ReEmployment,
        start_date: input.start_date,
        end_date: input.end_date,
        trial_end: None,
        wage_type: None,
        wage: input.wage,
        work_schedule_id: input.work_schedule_id.clone(),
        renewal_of_id: last.map(|c| GlobalId::of::<employment_contract::Entity>(c.id)),
    };
    let contract = match crate::graphql::resource::create_in::<employment_contract::Entity, E>(
        tx, principal, &terms,
    )
    .await?
    {
        Ok(c) => c,
        Err(e) => return Ok(Err(e)),
    };
    let started = match super::contracts::act(
        tx,
        actor,
        contract.id,
        contract.version,
        super::contracts::EmploymentContractAction::Start,
        None,
    )
    .await?
    {
        Ok(c) => c,
        Err(e) => return Ok(Err(e)),
    };
    if let Some(structure) = &input.structure_id {
        let assignment = crate::graphql::payroll::CreateSalaryStructureAssignmentInput {
            employee_id: GlobalId::of::<employee::Entity>(emp.id),
            structure_id: structure.clone(),
            from_date: input.start_date,
            to_date: input.end_date,
            amounts: None,
            dependents: None,
            tax_column: None,
        };
        if let Err(e) =
            crate::graphql::resource::create_in::<salary_structure_assignment::Entity, E>(
                tx,
                principal,
                &assignment,
            )
            .await?
        {
            return Ok(Err(e));
        }
    }
    Ok(Ok(started))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn scheme() -> Vec<Band> {
        vec![
            Band {
                from_years: 0,
                to_years: Some(3),
                months_per_year: Decimal::ZERO,
            },
            Band {
                from_years: 3,
                to_years: Some(10),
                months_per_year: Decimal::ONE,
            },
            Band {
                from_years: 10,
                to_years: None,
                months_per_year: Decimal::new(15, 1),
            },
        ]
    }

    #[test]
    fn service_is_counted_in_completed_months() {
        assert_eq!(service_months(d(2014, 1, 1), d(2026, 6, 30)), 150);
        assert_eq!(service_months(d(2014, 1, 15), d(2026, 6, 30)), 149);
        assert_eq!(service_months(d(2026, 4, 1), d(2026, 4, 30)), 1);
        assert_eq!(service_months(d(2026, 4, 1), d(2026, 4, 20)), 0);
    }

    #[test]
    fn severance_follows_the_bands_and_the_reason() {
        let wage = Decimal::from(300_000);
        // 12 years 6 months: 0 + 7 × 1 + 2.5 × 1.5 = 10.75 months of wage.
        assert_eq!(
            severance(wage, 150, &scheme(), Decimal::ONE),
            Decimal::from(3_225_000)
        );
        assert_eq!(
            severance(wage, 150, &scheme(), Decimal::new(8, 1)),
            Decimal::from(2_580_000)
        );
        assert_eq!(severance(wage, 30, &scheme(), Decimal::ONE), Decimal::ZERO);
    }

    #[test]
    fn retirement_income_is_taxed_as_the_act_says() {
        // 12 y 6 m counts 13 years: 5,200,000 deducted; 3,225,000 is tax-free.
        assert_eq!(service_years(d(2014, 1, 1), d(2026, 6, 30)), 13);
        assert_eq!(retirement_deduction(13), Decimal::from(5_200_000));
        assert_eq!(
            taxable_retirement_income(Decimal::from(3_225_000), Decimal::from(5_200_000), 13),
            Decimal::ZERO
        );
        // Two years still deduct the 800,000 minimum; 25 years: 8,000,000 + 5 × 700,000.
        assert_eq!(retirement_deduction(2), Decimal::from(800_000));
        assert_eq!(retirement_deduction(25), Decimal::from(11_500_000));
        // Ten years and ten days count eleven; exactly ten years count ten.
        assert_eq!(service_years(d(2016, 4, 1), d(2026, 4, 10)), 11);
        assert_eq!(service_years(d(2016, 4, 1), d(2026, 3, 31)), 10);
        // 6,000,000 after 10 years: (6,000,000 − 4,000,000) / 2 = 1,000,000 taxable.
        let taxable =
            taxable_retirement_income(Decimal::from(6_000_000), retirement_deduction(10), 10);
        assert_eq!(taxable, Decimal::from(1_000_000));
        assert_eq!(retirement_income_tax(taxable), Decimal::from(51_050));
        assert_eq!(retirement_resident_tax(taxable), Decimal::from(100_000));
        // Without the declaration, 20.42 % of the whole.
        assert_eq!(
            undeclared_income_tax(Decimal::from(6_000_000)),
            Decimal::from(1_225_200)
        );
        // The half is floored to 1,000 yen; a higher bracket takes off its deduction.
        assert_eq!(
            taxable_retirement_income(Decimal::from(10_001_999), Decimal::from(2_000_000), 10),
            Decimal::from(4_000_000)
        );
        // Four years: only the first 3,000,000 of the 8,400,000 excess is halved.
        assert_eq!(
            taxable_retirement_income(Decimal::from(10_000_000), retirement_deduction(4), 4),
            Decimal::from(6_900_000)
        );
        // 4,000,000 × 20 % − 427,500 = 372,500; × 1.021 = 380,322.5 → 380,322.
        assert_eq!(
            retirement_income_tax(Decimal::from(4_000_000)),
            Decimal::from(380_322)
        );
    }
}
