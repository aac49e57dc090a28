//! Payroll: from validated attendance and leave to payslips and one journal entry per run.
//!
//! Invariants:
//! - one live run per month (`ALREADY_RUN`; a partial unique index is the last word); a run
//!   pays everyone with a contract in the month, and each of them needs a salary structure
//!   (`NO_CONTRACT` otherwise) and every working day of the month validated
//!   (`ATTENDANCE_UNVALIDATED`, naming up to ten days);
//! - payment days = working days inside the contract − unpaid leave − absences; components run
//!   in order: earnings, then health, care, pension and employment insurance, then income tax
//!   on taxable pay less social insurance, then the other deductions; each is rounded once by
//!   its own rule; net pay is never negative (`NEGATIVE_NET`);
//! - posting writes one balanced journal entry through `ledger::record` (earnings debited to
//!   their accounts, deductions credited to theirs, net pay credited to `2020`), in the
//!   transaction that moves the run to posted; cancelling a posted run reverses that entry;
//! - payslips are readable by their employee only once published, and their amounts need
//!   `VIEW_PAY` or to be one's own (every read logged).

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate, Utc};
use entity::TenantTx;
use entity::accounting::account;
use entity::hr::{
    attendance_day, employment_contract, leave_request, leave_type, payroll_run, payroll_settings,
    payslip, payslip_line, salary_component, salary_structure_assignment,
    salary_structure_component, social_insurance_enrolment, withholding_tax_bracket,
};
use entity::org::employee;
use rust_decimal::{Decimal, RoundingStrategy};
use sea_orm::{ActiveValue::Set, ColumnTrait, Condition, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::formula::Formula;
use super::{Checked, HrErrorCode as E, refuse};
use crate::error::{AppError, AppResult, InputError};
use crate::services::accounting::ledger::{self, EntryIn, LineIn};
use crate::services::workflow::{StateMachine, transition};

crate::state_machine! {
    /// Where a payroll run is.
    PayrollRunState / PayrollRunAction for "payroll run" {
        states {
            /// Created; nothing computed yet.
            Draft = "draft",
            /// Payslips computed; can be computed again.
            Computed = "computed",
            /// In the books.
            Posted = "posted",
            /// Payslips published to the employees.
            Published = "published",
            /// Cancelled (a posted run's entry reversed); the month can run again.
            Cancelled = "cancelled",
        }
        transitions {
            /// Compute (or recompute) the payslips.
            Compute "computed": [Draft, Computed] => Computed,
            /// Post the run's journal entry.
            Post "posted": [Computed] => Posted,
            /// Publish the payslips to the employees.
            Publish "published": [Posted] => Published,
            /// Cancel the run.
            Cancel "cancelled": [Draft, Computed, Posted, Published] => Cancelled,
        }
    }
}

/// The state of a stored run.
pub fn state(row: &payroll_run::Model) -> PayrollRunState {
    PayrollRunState::from_db(&row.status).unwrap_or(PayrollRunState::Cancelled)
}

/// How a component's amount is computed.
#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum ComponentCalc {
    /// The component's amount.
    Fixed,
    /// The employee's own amount (in their structure assignment).
    PerEmployee,
    /// The component's formula.
    Formula,
    /// Health insurance: the standard monthly remuneration × the rate.
    Health,
    /// Long-term care insurance (ages 40 to 64): the standard monthly remuneration × the rate.
    Care,
    /// Welfare pension: the standard monthly remuneration × the rate.
    Pension,
    /// Employment insurance: the insurance-base earnings × the rate.
    EmploymentInsurance,
    /// Withholding income tax from the tenant's table.
    IncomeTax,
}

impl crate::graphql::listing::DbEnum for ComponentCalc {
    fn db(self) -> &'static str {
        match self {
            Self::Fixed => "fixed",
            Self::PerEmployee => "per_employee",
            Self::Formula => "formula",
            Self::Health => "health",
            Self::Care => "care",
            Self::Pension => "pension",
            Self::EmploymentInsurance => "employment_insurance",
            Self::IncomeTax => "income_tax",
        }
    }
}

impl ComponentCalc {
    /// The stored value; `Fixed` for anything unknown.
    pub fn from_db(text: &str) -> Self {
        use crate::graphql::listing::DbEnum;
        [
            Self::Fixed,
            Self::PerEmployee,
            Self::Formula,
            Self::Health,
            Self::Care,
            Self::Pension,
            Self::EmploymentInsurance,
            Self::IncomeTax,
        ]
        .into_iter()
        .find(|c| c.db() == text)
        .unwrap_or(Self::Fixed)
    }

    /// Whether it is a statutory deduction computed by the system.
    pub fn statutory(self) -> bool {
        matches!(
            self,
            Self::Health | Self::Care | Self::Pension | Self::EmploymentInsurance | Self::IncomeTax
        )
    }
}

/// How a component is rounded to whole currency units.
#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum Rounding {
    /// Half up (earnings).
    HalfUp,
    /// Half down: 50 sen or less down, more up (the employee's social-insurance share).
    HalfDown,
    /// Always up (in the employee's favour for earnings).
    Up,
    /// Always down.
    Down,
}

impl crate::graphql::listing::DbEnum for Rounding {
    fn db(self) -> &'static str {
        match self {
            Self::HalfUp => "half_up",
            Self::HalfDown => "half_down",
            Self::Up => "up",
            Self::Down => "down",
        }
    }
}

impl Rounding {
    /// The stored value; `HalfUp` for anything unknown.
    pub fn from_db(text: &str) -> Self {
        match text {
            "half_down" => Self::HalfDown,
            "up" => Self::Up,
            "down" => Self::Down,
            _ => Self::HalfUp,
        }
    }

    /// Rounds to `dp` decimals.
    pub fn apply(self, v: Decimal, dp: u32) -> Decimal {
        let s = match self {
            Self::HalfUp => RoundingStrategy::MidpointAwayFromZero,
            Self::HalfDown => RoundingStrategy::MidpointTowardZero,
            Self::Up => RoundingStrategy::AwayFromZero,
            Self::Down => RoundingStrategy::ToZero,
        };
        v.round_dp_with_strategy(dp, s)
    }
}

/// The settings a tenant has until it changes them: the 2026 employee shares for Tokyo (health
/// 4.990 %, pension 9.150 %, employment 0.600 %; care 0.795 % for ages 40 to 64), 160 prescribed
/// hours a month, overtime × 1.25 and holiday work × 1.35.
pub fn default_settings(tenant: Uuid) -> payroll_settings::Model {
    let now = Utc::now();
    let d = |s: &str| s.parse::<Decimal>().unwrap_or_default();
    payroll_settings::Model {
        tenant_id: tenant,
        id: Uuid::nil(),
        health_rate: d("4.990"),
        care_rate: d("0.795"),
        pension_rate: d("9.150"),
        employment_rate: d("0.600"),
        standard_monthly_hours: 160,
        overtime_multiplier: d("1.25"),
        holiday_multiplier: d("1.35"),
        version: 0,
        created_at: now,
        updated_at: now,
        created_by: None,
        updated_by: None,
        archived_at: None,
    }
}

/// The tenant's payroll settings (the defaults while it has stored none).
pub async fn settings(tx: &TenantTx) -> AppResult<payroll_settings::Model> {
    Ok(tx
        .one(tx.select::<payroll_settings::Entity>())
        .await?
        .unwrap_or_else(|| default_settings(tx.tenant().uuid())))
}

/// Per-employee amounts of an assignment, by component code.
pub fn amounts(row: &salary_structure_assignment::Model) -> BTreeMap<String, Decimal> {
    serde_json::from_str::<BTreeMap<String, String>>(&row.amounts)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(k, v)| v.parse().ok().map(|v| (k, v)))
        .collect()
}

/// Creates a draft run for the month of `period_start` (`ALREADY_RUN` when it has a live one).
pub async fn create_run(
    tx: &TenantTx,
    actor: Uuid,
    month: NaiveDate,
    pay_date: Option<NaiveDate>,
) -> AppResult<Checked<payroll_run::Model>> {
    let start = super::calendar::month_start(month);
    let end = super::calendar::month_end(month);
    // The ledger settings row, locked, serialises run creation per tenant (the partial unique
    // index would refuse the second anyway, but with a database error, not a payload one).
    crate::services::accounting::settings(tx).await?;
    tx.one(
        tx.select::<entity::accounting::ledger_settings::Entity>()
            .for_update(),
    )
    .await?;
    let live = tx
        .one(tx.select::<payroll_run::Entity>().refine(|q| {
            q.filter(payroll_run::Column::PeriodStart.eq(start))
                .filter(payroll_run::Column::Status.ne("cancelled"))
        }))
        .await?;
    if let Some(r) = live {
        return Ok(refuse(
            "periodStart",
            E::AlreadyRun,
            format!("{} is this month's run; cancel it to run again", r.number),
        ));
    }
    let pay_date = pay_date.unwrap_or_else(|| start.with_day(25).unwrap_or(end));
    if pay_date < start {
        return Ok(refuse("payDate", E::Invalid, "not before the month"));
    }
    let number = crate::services::numbering::allocate(
        tx,
        crate::services::numbering::DocumentType::PayrollRun,
        start,
    )
    .await?;
    let mut am = payroll_run::ActiveModel {
        number: Set(number),
        period_start: Set(start),
        period_end: Set(end),
        pay_date: Set(pay_date),
        status: Set(PayrollRunState::Draft.db().into()),
        employees: Set(0),
        gross_total: Set(Decimal::ZERO),
        deductions_total: Set(Decimal::ZERO),
        net_total: Set(Decimal::ZERO),
        entry_id: Set(None),
        reversal_entry_id: Set(None),
        archived_at: Set(None),
        ..Default::default()
    };
    crate::graphql::resource::stamp_new::<payroll_run::Entity>(&mut am, Some(actor))?;
    Ok(Ok(tx.insert::<payroll_run::Entity, _>(am).await?))
}

/// One computed line.
struct Line {
    component: salary_component::Model,
    amount: Decimal,
}

/// One computed payslip, before it is written.
struct Slip {
    employee: employee::Model,
    contract: Uuid,
    structure: Uuid,
    working_days: i32,
    payment_days: Decimal,
    unpaid_days: Decimal,
    absent_days: Decimal,
    overtime: i32,
    holiday: i32,
    lines: Vec<Line>,
    gross: Decimal,
    taxable: Decimal,
    social_insurance: Decimal,
    income_tax: Decimal,
    deductions: Decimal,
}

/// What an employee's month comes to, from attendance and leave.
struct Month {
    working_days: i32,
    covered_days: i32,
    unpaid: Decimal,
    absent: Decimal,
    worked: i64,
    overtime: i64,
    holiday: i64,
    late: i64,
    unvalidated: Vec<NaiveDate>,
}

async fn month_of(
    tx: &TenantTx,
    emp: &employee::Model,
    schedule: &entity::hr::work_schedule::Model,
    start: NaiveDate,
    end: NaiveDate,
) -> AppResult<Month> {
    let days = super::calendar::days(tx, emp.id, start, end).await?;
    // The month's working days (the proration base): the calendar's inside a contract (shifts
    // included), the schedule's outside it, so a joiner or leaver is prorated and a shift
    // worked on a weekend never pays more than the month.
    let working_days = days
        .iter()
        .filter(|d| {
            if d.contract.is_some() {
                d.working
            } else {
                !d.holiday && super::calendar::on_weekday(schedule, d.date)
            }
        })
        .count();
    use attendance_day::Column as A;
    let rows: HashMap<NaiveDate, attendance_day::Model> = tx
        .all(tx.select::<attendance_day::Entity>().refine(|q| {
            q.filter(A::EmployeeId.eq(emp.id))
                .filter(A::WorkDate.between(start, end))
        }))
        .await?
        .into_iter()
        .map(|r| (r.work_date, r))
        .collect();
    let leave = super::time::approved_leave(tx, emp.id, start, end).await?;
    let types: HashMap<Uuid, leave_type::Model> = {
        let ids: Vec<Uuid> = leave.iter().map(|l| l.leave_type_id).collect();
        tx.get_map::<leave_type::Entity>(&ids).await?
    };
    let covering = |d: NaiveDate| -> Option<&leave_request::Model> {
        leave.iter().find(|l| l.from_date <= d && d <= l.to_date)
    };
    let mut m = Month {
        working_days: i32::try_from(working_days).unwrap_or(0),
        covered_days: 0,
        unpaid: Decimal::ZERO,
        absent: Decimal::ZERO,
        worked: 0,
        overtime: 0,
        holiday: 0,
        late: 0,
        unvalidated: Vec::new(),
    };
    let half = Decimal::new(5, 1);
    // Only validated days are paid: a row added or reopened since validation waits for the
    // next validation.
    for r in rows.values().filter(|r| r.validated) {
        m.worked += i64::from(r.worked_minutes);
        m.overtime += i64::from(r.overtime_minutes);
        m.holiday += i64::from(r.holiday_minutes);
        m.late += i64::from(r.late_minutes);
    }
    for d in days.iter().filter(|d| d.working) {
        m.covered_days += 1;
        let Some(row) = rows.get(&d.date).filter(|r| r.validated) else {
            m.unvalidated.push(d.date);
            continue;
        };
        let leave = covering(d.date);
        let unpaid_leave =
            leave.is_some_and(|l| types.get(&l.leave_type_id).is_some_and(|t| !t.paid));
        let leave_part = match leave.map(|l| l.half.as_str()) {
            Some("am") | Some("pm") => half,
            Some(_) => Decimal::ONE,
            None => Decimal::ZERO,
        };
        match row.status.as_str() {
            "absent" => m.absent += Decimal::ONE,
            "on_leave" if leave.is_none() => m.absent += Decimal::ONE,
            // Half a day of leave on a day not worked: the other half is an absence.
            "on_leave" => {
                if unpaid_leave {
                    m.unpaid += leave_part;
                }
                m.absent += Decimal::ONE - leave_part;
            }
            "half_day" if leave.is_none() => m.absent += half,
            "half_day" if unpaid_leave => m.unpaid += leave_part,
            _ => {}
        }
    }
    Ok(m)
}

fn at_most_ten(v: &[String]) -> String {
    let mut s = v.iter().take(10).cloned().collect::<Vec<_>>().join(", ");
    if v.len() > 10 {
        s.push_str(&format!(" and {} more", v.len() - 10));
    }
    s
}

/// Computes (or recomputes) a run's payslips.
pub async fn compute(
    tx: &TenantTx,
    actor: Uuid,
    id: Uuid,
    expected_version: i32,
) -> AppResult<Checked<payroll_run::Model>> {
    let Some(run) = tx.get_for_update::<payroll_run::Entity>(id).await? else {
        return Ok(refuse("id", E::NotFound, "no such payroll run"));
    };
    crate::services::access::check_version(run.version, expected_version)?;
    if let Err(e) = transition::<_, E>(state(&run), PayrollRunAction::Compute) {
        return Ok(Err(vec![e]));
    }
    let settings = settings(tx).await?;
    let base = crate::services::accounting::base_currency(tx).await?;
    let dp = crate::services::accounting::currency_decimals(&base);
    let (start, end) = (run.period_start, run.period_end);
    // Everyone with a contract in the month.
    let contracts = super::calendar::contracts_of(tx, None, start, end).await?;
    let mut latest: BTreeMap<Uuid, employment_contract::Model> = BTreeMap::new();
    for c in contracts {
        latest.insert(c.employee_id, c);
    }
    let mut problems: Vec<InputError<E>> = Vec::new();
    let mut unvalidated: Vec<String> = Vec::new();
    let mut missing: Vec<String> = Vec::new();
    let mut slips = Vec::new();
    let all_components: HashMap<Uuid, salary_component::Model> = tx
        .all(tx.select::<salary_component::Entity>())
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let mut structures: HashMap<Uuid, Vec<salary_component::Model>> = HashMap::new();
    for (employee_id, contract) in &latest {
        let Some(emp) = super::lock_employee(tx, *employee_id).await? else {
            continue;
        };
        use salary_structure_assignment::Column as S;
        let assignment = tx
            .one(
                tx.select::<salary_structure_assignment::Entity>()
                    .refine(|q| {
                        q.filter(S::EmployeeId.eq(emp.id))
                            .filter(S::FromDate.lte(end))
                            .filter(
                                Condition::any()
                                    .add(S::ToDate.is_null())
                                    .add(S::ToDate.gte(start)),
                            )
                            .filter(S::ArchivedAt.is_null())
                            .order_by_desc(S::FromDate)
                    }),
            )
            .await?;
        let Some(assignment) = assignment else {
            missing.push(emp.employee_number.clone());
            continue;
        };
        let Some(schedule) = tx
            .get::<entity::hr::work_schedule::Entity>(contract.work_schedule_id)
            .await?
        else {
            continue;
        };
        let month = month_of(tx, &emp, &schedule, start, end).await?;
        if !month.unvalidated.is_empty() {
            unvalidated.extend(
                month
                    .unvalidated
                    .iter()
                    .map(|d| format!("{} {d}", emp.employee_number)),
            );
            continue;
        }
        // Everyone on a structure shares its components: read them once per structure.
        if let std::collections::hash_map::Entry::Vacant(slot) =
            structures.entry(assignment.structure_id)
        {
            use salary_structure_component::Column as SC;
            let mut list: Vec<salary_component::Model> = tx
                .all(
                    tx.select::<salary_structure_component::Entity>()
                        .refine(|q| q.filter(SC::StructureId.eq(assignment.structure_id))),
                )
                .await?
                .into_iter()
                .filter_map(|l| all_components.get(&l.component_id).cloned())
                .filter(|c| c.archived_at.is_none())
                .collect();
            list.sort_by_key(|c| (c.sequence, c.code.clone()));
            slot.insert(list);
        }
        let components = structures
            .get(&assignment.structure_id)
            .cloned()
            .unwrap_or_default();
        let own = amounts(&assignment);
        let payment_days = Decimal::from(month.covered_days) - month.unpaid - month.absent;
        let mut vars: HashMap<&str, Decimal> = HashMap::from([
            ("base", contract.wage),
            ("working_days", Decimal::from(month.working_days)),
            ("payment_days", payment_days),
            ("unpaid_days", month.unpaid),
            ("absent_days", month.absent),
            ("worked_min", Decimal::from(month.worked)),
            ("overtime_min", Decimal::from(month.overtime)),
            ("holiday_min", Decimal::from(month.holiday)),
            ("late_min", Decimal::from(month.late)),
            (
                "standard_hours",
                Decimal::from(settings.standard_monthly_hours),
            ),
            ("ot_multiplier", settings.overtime_multiplier),
            ("holiday_multiplier", settings.holiday_multiplier),
            ("ot_base", Decimal::ZERO),
        ]);
        let mut lines: Vec<Line> = Vec::new();
        // No component is more than a trillion: sums of components then cannot overflow.
        let limit = Decimal::from(1_000_000_000_000i64);
        let mut ot_base = Decimal::ZERO;
        let mut formula_error = None;
        let custom = |c: &salary_component::Model,
                      vars: &HashMap<&str, Decimal>|
         -> Result<Decimal, String> {
            let v = match ComponentCalc::from_db(&c.calc) {
                ComponentCalc::Fixed => c.amount.unwrap_or_default(),
                ComponentCalc::PerEmployee => own.get(&c.code).copied().unwrap_or_default(),
                ComponentCalc::Formula => Formula::parse(c.formula.as_deref().unwrap_or(""))
                    .and_then(|f| f.eval(vars))
                    .map_err(|e| format!("{}: {e}", c.code))?,
                _ => Decimal::ZERO,
            };
            if v.abs() > limit {
                return Err(format!("{}: {v} is out of range", c.code));
            }
            Ok(Rounding::from_db(&c.rounding).apply(v, dp))
        };
        // Earnings, in order; the overtime base grows as they are computed.
        for c in components.iter().filter(|c| c.kind == "earning") {
            vars.insert("ot_base", ot_base);
            match custom(c, &vars) {
                Ok(amount) => {
                    if c.in_overtime_base {
                        ot_base += amount;
                    }
                    lines.push(Line {
                        component: c.clone(),
                        amount,
                    });
                }
                Err(e) => formula_error = Some(e),
            }
        }
        let gross: Decimal = lines.iter().map(|l| l.amount).sum();
        let taxable_earnings: Decimal = lines
            .iter()
            .filter(|l| l.component.taxable)
            .map(|l| l.amount)
            .sum();
        let insurance_base: Decimal = lines
            .iter()
            .filter(|l| l.component.in_insurance_base)
            .map(|l| l.amount)
            .sum();
        // Social insurance: due for the month when enrolled at its end (a leaver's last month
        // pays none when the day after leaving falls inside it).
        use social_insurance_enrolment::Column as SI;
        let enrolments = tx
            .all(
                tx.select::<social_insurance_enrolment::Entity>()
                    .refine(|q| {
                        q.filter(SI::EmployeeId.eq(emp.id))
                            .filter(SI::EffectiveFrom.lte(end))
                            .filter(
                                Condition::any()
                                    .add(SI::LeftOn.is_null())
                                    .add(SI::LeftOn.gte(end)),
                            )
                            .filter(SI::ArchivedAt.is_null())
                            .order_by_desc(SI::EffectiveFrom)
                    }),
            )
            .await?;
        let enrolled = |scheme: &str| enrolments.iter().find(|e| e.scheme == scheme);
        // Employment insurance is charged on every wage paid while enrolled, so a leaver's
        // last month pays it too.
        let employment_enrolled = tx
            .one(
                tx.select::<social_insurance_enrolment::Entity>()
                    .refine(|q| {
                        q.filter(SI::EmployeeId.eq(emp.id))
                            .filter(SI::Scheme.eq("employment"))
                            .filter(SI::EffectiveFrom.lte(end))
                            .filter(
                                Condition::any()
                                    .add(SI::LeftOn.is_null())
                                    .add(SI::LeftOn.gte(start)),
                            )
                            .filter(SI::ArchivedAt.is_null())
                    }),
            )
            .await?
            .is_some();
        let pct = Decimal::ONE_HUNDRED;
        let mut social = Decimal::ZERO;
        for c in components.iter().filter(|c| {
            matches!(
                ComponentCalc::from_db(&c.calc),
                ComponentCalc::Health
                    | ComponentCalc::Care
                    | ComponentCalc::Pension
                    | ComponentCalc::EmploymentInsurance
            )
        }) {
            let raw = match ComponentCalc::from_db(&c.calc) {
                ComponentCalc::Health => enrolled("health")
                    .and_then(|e| e.standard_monthly_remuneration)
                    .map(|smr| smr * settings.health_rate / pct),
                ComponentCalc::Care => enrolled("care")
                    .and_then(|e| e.standard_monthly_remuneration)
                    .map(|smr| smr * settings.care_rate / pct),
                ComponentCalc::Pension => enrolled("pension")
                    .and_then(|e| e.standard_monthly_remuneration)
                    .map(|smr| smr * settings.pension_rate / pct),
                _ => employment_enrolled.then(|| insurance_base * settings.employment_rate / pct),
            };
            let amount = Rounding::from_db(&c.rounding).apply(raw.unwrap_or_default(), dp);
            social += amount;
            lines.push(Line {
                component: c.clone(),
                amount,
            });
        }
        let taxable = (taxable_earnings - social).max(Decimal::ZERO);
        let mut income_tax = Decimal::ZERO;
        if let Some(c) = components
            .iter()
            .find(|c| ComponentCalc::from_db(&c.calc) == ComponentCalc::IncomeTax)
        {
            match bracket(tx, &assignment, run.pay_date, taxable).await? {
                Some(t) => income_tax = t,
                None => problems.push(InputError::new(
                    "id",
                    E::NoTaxBracket,
                    format!(
                        "{}: no withholding table row for {taxable} ({}, {} dependents)",
                        emp.employee_number, assignment.tax_column, assignment.dependents
                    ),
                )),
            }
            lines.push(Line {
                component: c.clone(),
                amount: income_tax,
            });
        }
        for c in components
            .iter()
            .filter(|c| c.kind == "deduction" && !ComponentCalc::from_db(&c.calc).statutory())
        {
            match custom(c, &vars) {
                Ok(amount) => lines.push(Line {
                    component: c.clone(),
                    amount,
                }),
                Err(e) => formula_error = Some(e),
            }
        }
        if let Some(e) = formula_error {
            problems.push(InputError::new("id", E::InvalidFormula, e));
            continue;
        }
        lines.retain(|l| l.amount != Decimal::ZERO);
        let deductions: Decimal = lines
            .iter()
            .filter(|l| l.component.kind == "deduction")
            .map(|l| l.amount)
            .sum();
        if gross - deductions < Decimal::ZERO {
            problems.push(InputError::new(
                "id",
                E::NegativeNet,
                format!(
                    "{}: deductions {deductions} exceed gross {gross}",
                    emp.employee_number
                ),
            ));
            continue;
        }
        slips.push(Slip {
            employee: emp,
            contract: contract.id,
            structure: assignment.structure_id,
            working_days: month.working_days,
            payment_days,
            unpaid_days: month.unpaid,
            absent_days: month.absent,
            overtime: i32::try_from(month.overtime).unwrap_or(i32::MAX),
            holiday: i32::try_from(month.holiday).unwrap_or(i32::MAX),
            lines,
            gross,
            taxable,
            social_insurance: social,
            income_tax,
            deductions,
        });
    }
    if !missing.is_empty() {
        problems.push(InputError::new(
            "id",
            E::NoContract,
            format!(
                "employees with a contract but no salary structure: {}",
                at_most_ten(&missing)
            ),
        ));
    }
    if !unvalidated.is_empty() {
        problems.push(InputError::new(
            "id",
            E::AttendanceUnvalidated,
            format!("working days not validated: {}", at_most_ten(&unvalidated)),
        ));
    }
    if !problems.is_empty() {
        return Ok(Err(problems));
    }
    // Recomputing replaces the run's payslips.
    let old: Vec<Uuid> = tx
        .all(
            tx.select::<payslip::Entity>()
                .refine(|q| q.filter(payslip::Column::RunId.eq(run.id))),
        )
        .await?
        .into_iter()
        .map(|s| s.id)
        .collect();
    if !old.is_empty() {
        tx.delete_where::<payslip_line::Entity>(
            Condition::all().add(payslip_line::Column::PayslipId.is_in(old.clone())),
        )
        .await?;
        tx.delete_where::<payslip::Entity>(Condition::all().add(payslip::Column::Id.is_in(old)))
            .await?;
    }
    let (mut gross_total, mut deductions_total) = (Decimal::ZERO, Decimal::ZERO);
    let count = slips.len();
    for s in slips {
        gross_total += s.gross;
        deductions_total += s.deductions;
        let ytd = year_to_date(tx, s.employee.id, run.id, run.pay_date).await?;
        let net = s.gross - s.deductions;
        let mut am = payslip::ActiveModel {
            run_id: Set(run.id),
            employee_id: Set(s.employee.id),
            contract_id: Set(s.contract),
            structure_id: Set(s.structure),
            period_start: Set(start),
            pay_date: Set(run.pay_date),
            working_days: Set(s.working_days),
            payment_days: Set(s.payment_days),
            unpaid_days: Set(s.unpaid_days),
            absent_days: Set(s.absent_days),
            overtime_minutes: Set(s.overtime),
            holiday_minutes: Set(s.holiday),
            gross: Set(s.gross),
            taxable: Set(s.taxable),
            social_insurance: Set(s.social_insurance),
            income_tax: Set(s.income_tax),
            deductions: Set(s.deductions),
            net: Set(net),
            ytd_gross: Set(ytd.gross + s.gross),
            ytd_taxable: Set(ytd.taxable + s.taxable),
            ytd_social_insurance: Set(ytd.social_insurance + s.social_insurance),
            ytd_income_tax: Set(ytd.income_tax + s.income_tax),
            ytd_net: Set(ytd.net + net),
            status: Set("draft".into()),
            published_at: Set(None),
            archived_at: Set(None),
            ..Default::default()
        };
        crate::graphql::resource::stamp_new::<payslip::Entity>(&mut am, Some(actor))?;
        let slip = tx.insert::<payslip::Entity, _>(am).await?;
        for (i, l) in s.lines.into_iter().enumerate() {
            let mut am = payslip_line::ActiveModel {
                payslip_id: Set(slip.id),
                seq: Set(i32::try_from(i).unwrap_or(0) + 1),
                component_id: Set(l.component.id),
                code: Set(l.component.code.clone()),
                name: Set(l.component.name.clone()),
                kind: Set(l.component.kind.clone()),
                amount: Set(l.amount),
                account_id: Set(l.component.account_id),
                archived_at: Set(None),
                ..Default::default()
            };
            crate::graphql::resource::stamp_new::<payslip_line::Entity>(&mut am, Some(actor))?;
            tx.insert::<payslip_line::Entity, _>(am).await?;
        }
    }
    let run = apply(tx, actor, &run, PayrollRunAction::Compute, |am| {
        am.employees = Set(i32::try_from(count).unwrap_or(i32::MAX));
        am.gross_total = Set(gross_total);
        am.deductions_total = Set(deductions_total);
        am.net_total = Set(gross_total - deductions_total);
    })
    .await?;
    Ok(Ok(run))
}

/// The withholding tax on a month's taxable pay, from the newest table in force on the pay
/// date for the employee's column and dependents.
async fn bracket(
    tx: &TenantTx,
    a: &salary_structure_assignment::Model,
    pay_date: NaiveDate,
    taxable: Decimal,
) -> AppResult<Option<Decimal>> {
    use withholding_tax_bracket::Column as W;
    let column = a.tax_column.clone();
    let dependents = a.dependents;
    let rows = tx
        .all(tx.select::<withholding_tax_bracket::Entity>().refine(|q| {
            q.filter(W::TaxColumn.eq(column))
                .filter(W::Dependents.eq(dependents))
                .filter(W::ValidFrom.lte(pay_date))
                .filter(W::ArchivedAt.is_null())
                .order_by_desc(W::ValidFrom)
        }))
        .await?;
    let Some(newest) = rows.first().map(|r| r.valid_from) else {
        return Ok(None);
    };
    Ok(rows
        .iter()
        .filter(|r| r.valid_from == newest)
        .find(|r| r.lower <= taxable && taxable < r.upper)
        .map(|r| r.amount))
}

#[derive(Default)]
struct Ytd {
    gross: Decimal,
    taxable: Decimal,
    social_insurance: Decimal,
    income_tax: Decimal,
    net: Decimal,
}

/// The posted slips of the calendar year (the year-end adjustment's year) before this run.
async fn year_to_date(
    tx: &TenantTx,
    employee: Uuid,
    run: Uuid,
    pay_date: NaiveDate,
) -> AppResult<Ytd> {
    let from = NaiveDate::from_ymd_opt(pay_date.year(), 1, 1).unwrap_or(pay_date);
    use payslip::Column as P;
    let rows = tx
        .all(tx.select::<payslip::Entity>().refine(|q| {
            q.filter(P::EmployeeId.eq(employee))
                .filter(P::RunId.ne(run))
                .filter(P::Status.is_in(["posted", "published"]))
                .filter(P::PayDate.between(from, pay_date))
        }))
        .await?;
    let mut y = Ytd::default();
    for r in rows {
        y.gross += r.gross;
        y.taxable += r.taxable;
        y.social_insurance += r.social_insurance;
        y.income_tax += r.income_tax;
        y.net += r.net;
    }
    Ok(y)
}

async fn apply(
    tx: &TenantTx,
    actor: Uuid,
    row: &payroll_run::Model,
    action: PayrollRunAction,
    change: impl FnOnce(&mut payroll_run::ActiveModel),
) -> AppResult<payroll_run::Model> {
    let to = state(row).next(action).unwrap_or(state(row));
    crate::services::workflow::advance::<payroll_run::Entity, _>(
        tx,
        Some(actor),
        row,
        PayrollRunState::past(action),
        |am| {
            am.status = Set(to.db().into());
            change(am);
        },
    )
    .await
}

pub async fn account_by_code(tx: &TenantTx, code: &str) -> AppResult<Option<Uuid>> {
    let code = code.to_owned();
    Ok(tx
        .one(
            tx.select::<account::Entity>()
                .refine(|q| q.filter(account::Column::Code.eq(code))),
        )
        .await?
        .map(|a| a.id))
}

/// The ledger's refusals in HR's terms.
pub fn from_ledger(
    errors: Vec<InputError<crate::services::accounting::AccountingErrorCode>>,
) -> Vec<InputError<E>> {
    use crate::services::accounting::AccountingErrorCode as A;
    errors
        .into_iter()
        .map(|e| InputError {
            field: e.field,
            code: match e.code {
                A::PeriodLocked | A::NoFiscalYear => E::PeriodLocked,
                A::NotFound => E::NotFound,
                _ => E::Invalid,
            },
            message: e.message,
        })
        .collect()
}

async fn set_slips(tx: &TenantTx, run: Uuid, status: &str, published: bool) -> AppResult<()> {
    let rows = tx
        .all(
            tx.select::<payslip::Entity>()
                .refine(|q| q.filter(payslip::Column::RunId.eq(run))),
        )
        .await?;
    for r in rows {
        crate::services::workflow::advance::<payslip::Entity, _>(
            tx,
            tx.actor().id,
            &r,
            status,
            |am| {
                am.status = Set(status.into());
                if published {
                    am.published_at = Set(Some(Utc::now()));
                }
            },
        )
        .await?;
    }
    Ok(())
}

/// Posts, publishes or cancels a run. `privileged`: the poster may pass the soft lock date.
pub async fn act(
    tx: &TenantTx,
    actor: Uuid,
    id: Uuid,
    expected_version: i32,
    action: PayrollRunAction,
    privileged: bool,
) -> AppResult<Checked<payroll_run::Model>> {
    let Some(run) = tx.get_for_update::<payroll_run::Entity>(id).await? else {
        return Ok(refuse("id", E::NotFound, "no such payroll run"));
    };
    crate::services::access::check_version(run.version, expected_version)?;
    if let Err(e) = transition::<_, E>(state(&run), action) {
        return Ok(Err(vec![e]));
    }
    match action {
        PayrollRunAction::Post => {
            if let Some(changed) = changed_since(tx, &run).await? {
                return Ok(refuse(
                    "id",
                    E::AttendanceUnvalidated,
                    format!("{changed} changed since the run was computed; compute it again"),
                ));
            }
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
            let slips: Vec<Uuid> = tx
                .all(
                    tx.select::<payslip::Entity>()
                        .refine(|q| q.filter(payslip::Column::RunId.eq(run.id))),
                )
                .await?
                .into_iter()
                .map(|s| s.id)
                .collect();
            let lines = tx
                .all(tx.select::<payslip_line::Entity>().refine(|q| {
                    q.filter(payslip_line::Column::PayslipId.is_in(slips))
                        .order_by_asc(payslip_line::Column::Seq)
                }))
                .await?;
            // One debit per earning account, one credit per deduction component.
            let mut debits: BTreeMap<Uuid, Decimal> = BTreeMap::new();
            let mut credits: BTreeMap<(String, Uuid), Decimal> = BTreeMap::new();
            for l in &lines {
                if l.kind == "earning" {
                    *debits.entry(l.account_id.unwrap_or(salaries)).or_default() += l.amount;
                } else {
                    *credits
                        .entry((l.code.clone(), l.account_id.unwrap_or(withheld)))
                        .or_default() += l.amount;
                }
            }
            let mut entry_lines = Vec::new();
            for (account, amount) in debits {
                let mut l = LineIn::new(account, amount, Decimal::ZERO);
                l.description = Some(format!("Pay of {}", run.number));
                entry_lines.push(l);
            }
            for ((code, account), amount) in credits {
                let mut l = LineIn::new(account, Decimal::ZERO, amount);
                l.description = Some(format!("{code} withheld, {}", run.number));
                entry_lines.push(l);
            }
            if run.net_total > Decimal::ZERO {
                let mut l = LineIn::new(owed, Decimal::ZERO, run.net_total);
                l.description = Some(format!("Net pay owed, {}", run.number));
                entry_lines.push(l);
            }
            let input = EntryIn {
                journal: general.id,
                date: run.period_end,
                kind: "entry",
                reference: Some(run.number.clone()),
                narration: Some(format!(
                    "Payroll {} for {}",
                    run.number,
                    run.period_start.format("%Y-%m")
                )),
                lines: entry_lines,
                reversal_of: None,
                source: Some(("PayrollRun", run.id)),
                closing: false,
            };
            let entry = match ledger::record(tx, Some(actor), &input, privileged).await? {
                Ok(e) => e,
                Err(e) => return Ok(Err(from_ledger(e))),
            };
            set_slips(tx, run.id, "posted", false).await?;
            Ok(Ok(apply(tx, actor, &run, action, |am| {
                am.entry_id = Set(Some(entry.id))
            })
            .await?))
        }
        PayrollRunAction::Publish => {
            set_slips(tx, run.id, "published", true).await?;
            Ok(Ok(apply(tx, actor, &run, action, |_| {}).await?))
        }
        PayrollRunAction::Cancel => {
            let mut reversal = None;
            if let Some(entry) = run.entry_id {
                match ledger::reverse_for_source(
                    tx,
                    Some(actor),
                    entry,
                    run.period_end,
                    Some(format!("Payroll {} cancelled", run.number)),
                    privileged,
                    ("PayrollRun", run.id),
                )
                .await?
                {
                    Ok(r) => reversal = Some(r.id),
                    Err(e) => return Ok(Err(from_ledger(e))),
                }
            }
            set_slips(tx, run.id, "cancelled", false).await?;
            Ok(Ok(apply(tx, actor, &run, action, |am| {
                am.reversal_entry_id = Set(reversal)
            })
            .await?))
        }
        PayrollRunAction::Compute => Err(AppError::internal(anyhow::anyhow!(
            "computing goes through payroll::compute"
        ))),
    }
}

/// What changed in the run's month since it was computed (attendance or leave), if anything:
/// posting pays exactly what was computed, or nothing.
async fn changed_since(tx: &TenantTx, run: &payroll_run::Model) -> AppResult<Option<String>> {
    let computed = run.updated_at;
    let (start, end) = (run.period_start, run.period_end);
    use attendance_day::Column as A;
    let days = tx
        .count(tx.select::<attendance_day::Entity>().refine(|q| {
            q.filter(A::WorkDate.between(start, end))
                .filter(A::UpdatedAt.gt(computed))
        }))
        .await?;
    if days > 0 {
        return Ok(Some(format!("attendance of {days} days")));
    }
    use leave_request::Column as L;
    let leave = tx
        .count(tx.select::<leave_request::Entity>().refine(|q| {
            q.filter(L::FromDate.lte(end))
                .filter(L::ToDate.gte(start))
                .filter(L::UpdatedAt.gt(computed))
        }))
        .await?;
    Ok((leave > 0).then(|| format!("{leave} leave requests")))
}

/// Whether a posted or published payslip of the employee covers a day (its attendance is then
/// what was paid, and stays closed).
pub async fn paid_on(
    tx: &TenantTx,
    employee: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<bool> {
    use payslip::Column as P;
    let first = super::calendar::month_start(from);
    Ok(tx
        .one(tx.select::<payslip::Entity>().refine(|q| {
            q.filter(P::EmployeeId.eq(employee))
                .filter(P::Status.is_in(["posted", "published"]))
                .filter(P::PeriodStart.between(first, to))
        }))
        .await?
        .is_some())
}
