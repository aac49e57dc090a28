//! HR reports: headcount and turnover, time to fill, overtime by employee and unit, leave
//! balances, the payroll register and labour cost by cost centre.
//!
//! Each report reads within one read transaction of the caller's tenant and computes from the
//! records themselves (no stored aggregates), so it is exact at the moment it is read.

use std::collections::{BTreeMap, HashMap};

use chrono::{Months, NaiveDate};
use entity::TenantTx;
use entity::hr::{
    job_offer, job_requisition, leave_allocation, leave_request, leave_type, onboarding,
    payroll_run, payslip,
};
use entity::org::{cost_centre, employee};
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::error::AppResult;

/// Headcount of one unit (or of everyone, `unit` none) over a period.
#[derive(Clone, Debug, Default)]
pub struct Headcount {
    /// The unit (none: the total, or employees without a unit in the per-unit rows).
    pub unit: Option<Uuid>,
    /// Employed on the day before the period.
    pub opening: i64,
    /// Hired in the period.
    pub hires: i64,
    /// Left in the period.
    pub leavers: i64,
    /// Employed on the last day.
    pub closing: i64,
}

impl Headcount {
    /// Leavers over the average of opening and closing headcount (0 with nobody employed).
    pub fn turnover(&self) -> Decimal {
        let average = Decimal::from(self.opening + self.closing) / Decimal::TWO;
        if average.is_zero() {
            return Decimal::ZERO;
        }
        (Decimal::from(self.leavers) / average).round_dp(4)
    }
}

/// Headcount and turnover over a period, in total and by the employees' current unit.
pub async fn headcount(
    tx: &TenantTx,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<(Headcount, Vec<Headcount>)> {
    let all = tx
        .all(
            tx.select::<employee::Entity>()
                .refine(|q| q.filter(employee::Column::ArchivedAt.is_null())),
        )
        .await?;
    // Employed at the end of a day: hired by then and not gone by then (someone whose last
    // day is `d` has left at its end), so opening + hires − leavers = closing.
    let employed_on =
        |e: &employee::Model, d: NaiveDate| e.hire_date <= d && e.left_on.is_none_or(|l| l > d);
    let before = from.pred_opt().unwrap_or(from);
    let mut total = Headcount::default();
    let mut by_unit: BTreeMap<Option<Uuid>, Headcount> = BTreeMap::new();
    for e in &all {
        let row = by_unit.entry(e.org_unit_id).or_insert_with(|| Headcount {
            unit: e.org_unit_id,
            ..Default::default()
        });
        for h in [&mut total, row] {
            h.opening += i64::from(employed_on(e, before));
            h.hires += i64::from(from <= e.hire_date && e.hire_date <= to);
            h.leavers += i64::from(e.left_on.is_some_and(|l| from <= l && l <= to));
            h.closing += i64::from(employed_on(e, to));
        }
    }
    Ok((total, by_unit.into_values().collect()))
}

/// One filled vacancy: its requisition, the onboarding that filled it and the days between
/// the requisition's approval and the onboarding's completion.
pub struct Fill {
    /// The requisition.
    pub requisition: job_requisition::Model,
    /// The employee hired.
    pub employee: Option<Uuid>,
    /// Days from approval to completed onboarding.
    pub days: i64,
}

/// Vacancies filled by onboardings completed in a period.
pub async fn time_to_fill(tx: &TenantTx, from: NaiveDate, to: NaiveDate) -> AppResult<Vec<Fill>> {
    let done = tx
        .all(tx.select::<onboarding::Entity>().refine(|q| {
            q.filter(onboarding::Column::Status.eq("completed"))
                .order_by_asc(onboarding::Column::CompletedAt)
        }))
        .await?;
    let settings = super::settings(tx).await?;
    let done: Vec<(onboarding::Model, chrono::DateTime<chrono::Utc>)> = done
        .into_iter()
        .filter_map(|o| o.completed_at.map(|at| (o, at)))
        .filter(|(_, at)| {
            let day = super::local_date(&settings, *at);
            from <= day && day <= to
        })
        .collect();
    // The offers and requisitions of the period's onboardings, two reads in all.
    let offer_ids: Vec<Uuid> = done.iter().map(|(o, _)| o.offer_id).collect();
    let offers: HashMap<Uuid, job_offer::Model> =
        tx.get_map::<job_offer::Entity>(&offer_ids).await?;
    let req_ids: Vec<Uuid> = offers.values().map(|o| o.requisition_id).collect();
    let reqs: HashMap<Uuid, job_requisition::Model> =
        tx.get_map::<job_requisition::Entity>(&req_ids).await?;
    Ok(done
        .into_iter()
        .filter_map(|(o, at)| {
            let req = reqs.get(&offers.get(&o.offer_id)?.requisition_id)?;
            let approved = req.approved_at?;
            Some(Fill {
                days: (at - approved).num_days().max(0),
                employee: o.employee_id,
                requisition: req.clone(),
            })
        })
        .collect())
}

/// An employee's statutory annual leave in the grant year running on a day.
pub struct LeaveLine {
    /// The employee.
    pub employee: employee::Model,
    /// Days granted by the allocation valid on the day that started last.
    pub granted: Decimal,
    /// Days taken in that allocation's first year (approved requests).
    pub taken_in_grant_year: Decimal,
    /// Days left across the allocations valid on the day.
    pub available: Decimal,
    /// Granted at least ten days and taken fewer than five in the grant year (LSA art. 39 (7)).
    pub owes_five_days: bool,
}

/// Annual leave balances on a day, for everyone who has not left.
pub async fn leave_balances(tx: &TenantTx, on: NaiveDate) -> AppResult<Vec<LeaveLine>> {
    let Some(annual) = tx
        .one(tx.select::<leave_type::Entity>().refine(|q| {
            q.filter(leave_type::Column::StatutoryAccrual.eq(true))
                .filter(leave_type::Column::ArchivedAt.is_null())
                .order_by_asc(leave_type::Column::Code)
        }))
        .await?
    else {
        return Ok(Vec::new());
    };
    let people = tx
        .all(tx.select::<employee::Entity>().refine(|q| {
            q.filter(employee::Column::Status.ne("left"))
                .filter(employee::Column::ArchivedAt.is_null())
                .order_by_asc(employee::Column::EmployeeNumber)
        }))
        .await?;
    let mut out = Vec::new();
    for e in people {
        let balance = super::leave::balances(tx, e.id, on)
            .await?
            .into_iter()
            .find(|b| b.leave_type.id == annual.id);
        use leave_allocation::Column as A;
        let latest = tx
            .one(tx.select::<leave_allocation::Entity>().refine(|q| {
                q.filter(A::EmployeeId.eq(e.id))
                    .filter(A::LeaveTypeId.eq(annual.id))
                    .filter(A::ValidFrom.lte(on))
                    .filter(A::ValidTo.gte(on))
                    .filter(A::ArchivedAt.is_null())
                    .order_by_desc(A::ValidFrom)
            }))
            .await?;
        let (granted, taken) = match &latest {
            Some(a) => {
                let year_end = a
                    .valid_from
                    .checked_add_months(Months::new(12))
                    .and_then(|d| d.pred_opt())
                    .unwrap_or(a.valid_to);
                use leave_request::Column as R;
                let (start, id) = (a.valid_from, annual.id);
                let taken: Decimal = tx
                    .all(tx.select::<leave_request::Entity>().refine(|q| {
                        q.filter(R::EmployeeId.eq(e.id))
                            .filter(R::LeaveTypeId.eq(id))
                            .filter(R::Status.eq("approved"))
                            .filter(R::FromDate.between(start, year_end))
                    }))
                    .await?
                    .iter()
                    .map(|r| r.days)
                    .sum();
                (a.days, taken)
            }
            None => (Decimal::ZERO, Decimal::ZERO),
        };
        out.push(LeaveLine {
            employee: e,
            granted,
            taken_in_grant_year: taken,
            available: balance.map_or(Decimal::ZERO, |b| b.available.0),
            owes_five_days: granted >= Decimal::TEN && taken < Decimal::from(5),
        });
    }
    Ok(out)
}

/// The payslips of a run with their employees, by employee number.
pub async fn register(
    tx: &TenantTx,
    run: Uuid,
) -> AppResult<
    Option<(
        payroll_run::Model,
        Vec<(payslip::Model, Option<employee::Model>)>,
    )>,
> {
    let Some(r) = tx.get::<payroll_run::Entity>(run).await? else {
        return Ok(None);
    };
    let slips = tx
        .all(
            tx.select::<payslip::Entity>()
                .refine(|q| q.filter(payslip::Column::RunId.eq(run))),
        )
        .await?;
    let ids: Vec<Uuid> = slips.iter().map(|s| s.employee_id).collect();
    let people: HashMap<Uuid, employee::Model> = tx.get_map::<employee::Entity>(&ids).await?;
    let mut rows: Vec<(payslip::Model, Option<employee::Model>)> = slips
        .into_iter()
        .map(|s| {
            let e = people.get(&s.employee_id).cloned();
            (s, e)
        })
        .collect();
    rows.sort_by(|a, b| {
        let key = |r: &(payslip::Model, Option<employee::Model>)| {
            r.1.as_ref().map(|e| e.employee_number.clone())
        };
        key(a).cmp(&key(b))
    });
    Ok(Some((r, rows)))
}

/// Labour cost of one cost centre.
pub struct Cost {
    /// The cost centre (none: units without one).
    pub cost_centre: Option<cost_centre::Model>,
    /// Employees paid.
    pub employees: i64,
    /// Gross pay.
    pub gross: Decimal,
}

/// Gross pay of the posted and published payslips of runs for months in a range, by the cost
/// centre of each employee's unit (the first by code when a unit has several).
pub async fn labour_cost(tx: &TenantTx, from: NaiveDate, to: NaiveDate) -> AppResult<Vec<Cost>> {
    let slips = tx
        .all(tx.select::<payslip::Entity>().refine(|q| {
            q.filter(payslip::Column::Status.is_in(["posted", "published"]))
                .filter(payslip::Column::PeriodStart.between(from, to))
        }))
        .await?;
    let ids: Vec<Uuid> = slips.iter().map(|s| s.employee_id).collect();
    let units: BTreeMap<Uuid, Option<Uuid>> = tx
        .get_many::<employee::Entity>(&ids)
        .await?
        .into_iter()
        .map(|e| (e.id, e.org_unit_id))
        .collect();
    let centres = tx
        .all(tx.select::<cost_centre::Entity>().refine(|q| {
            q.filter(cost_centre::Column::ArchivedAt.is_null())
                .order_by_asc(cost_centre::Column::Code)
        }))
        .await?;
    let centre_of = |unit: Option<Uuid>| {
        unit.and_then(|u| centres.iter().find(|c| c.org_unit_id == Some(u)).cloned())
    };
    let mut by: BTreeMap<
        Option<Uuid>,
        (
            Option<cost_centre::Model>,
            std::collections::BTreeSet<Uuid>,
            Decimal,
        ),
    > = BTreeMap::new();
    for s in slips {
        let c = centre_of(units.get(&s.employee_id).copied().flatten());
        let row = by
            .entry(c.as_ref().map(|c| c.id))
            .or_insert_with(|| (c, Default::default(), Decimal::ZERO));
        row.1.insert(s.employee_id);
        row.2 += s.gross;
    }
    Ok(by
        .into_values()
        .map(|(c, people, gross)| Cost {
            cost_centre: c,
            employees: people.len() as i64,
            gross,
        })
        .collect())
}

/// The 36-agreement assessment of a month for everyone with a contract in it.
pub async fn overtime(
    tx: &TenantTx,
    month: NaiveDate,
) -> AppResult<Vec<(employee::Model, super::overtime::Assessment)>> {
    let start = super::calendar::month_start(month);
    let end = super::calendar::month_end(month);
    let contracts = super::calendar::contracts_of(tx, None, start, end).await?;
    let ids: Vec<Uuid> = contracts.iter().map(|c| c.employee_id).collect();
    let mut people = tx.get_many::<employee::Entity>(&ids).await?;
    people.sort_by(|a, b| a.employee_number.cmp(&b.employee_number));
    people.dedup_by_key(|e| e.id);
    let mut out = Vec::new();
    for e in people {
        let a = super::overtime::summary(tx, e.id, start).await?;
        out.push((e, a));
    }
    Ok(out)
}
