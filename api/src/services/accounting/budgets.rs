//! Budgets and budget versus actual.
//!
//! Invariants:
//! - a budget is for a postable income or expense account, for one fiscal year, optionally one
//!   cost centre; no two live budgets cover the same account, cost centre and year;
//! - its monthly distribution is twelve non-negative percents adding up to 100 (equal months
//!   when not given);
//! - posting an entry that takes an expense account beyond its `stop` budget for the year is
//!   refused (`BUDGET_EXCEEDED`) unless the poster is a finance manager (`CLOSE_PERIODS`);
//!   `warn` and `ignore` budgets never block, and budget versus actual shows them exceeded.

use crate::graphql::list::List;
use std::collections::HashMap;

use async_graphql::SimpleObject;
use chrono::{Datelike, NaiveDate};
use entity::TenantTx;
use entity::accounting::{account, budget, fiscal_year, journal_line};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, FromQueryResult, IntoActiveModel, QueryFilter, QuerySelect,
};
use uuid::Uuid;

use super::{AccountingErrorCode as E, P};
use crate::auth::Permission;
use crate::error::AppResult;
use crate::graphql::accounting::{Account, FiscalYear};
use crate::graphql::budgets::{
    Budget, BudgetAction, BudgetFilter, BudgetOrder, BudgetPatch, CreateBudgetInput,
};
use crate::graphql::listing::DbEnum;
use crate::graphql::org::CostCentre;
use crate::graphql::resource::{Editable, Resource};
use crate::graphql::scalars::Decimal as Dec;

impl Resource for budget::Entity {
    type Node = Budget;
    type Filter = BudgetFilter;
    type Order = BudgetOrder;
    const VIEW: Permission = Permission::ViewBudgets;
}

fn distribution(p: &mut P, path: &str, values: Option<&[Dec]>) -> Option<serde_json::Value> {
    let values = values?;
    if values.len() != 12 {
        p.row(
            path,
            E::Invalid,
            "twelve percents, one per month of the year",
        );
        return None;
    }
    if values.iter().any(|v| v.0 < Decimal::ZERO) {
        p.row(path, E::Invalid, "percents are not negative");
    }
    let sum: Decimal = values.iter().map(|v| v.0).sum();
    if sum != Decimal::ONE_HUNDRED {
        p.row(
            path,
            E::Invalid,
            format!("the percents add up to {sum}, not 100"),
        );
    }
    Some(serde_json::Value::Array(
        values
            .iter()
            .map(|v| serde_json::Value::String(v.0.to_string()))
            .collect(),
    ))
}

async fn overlapping(
    tx: &TenantTx,
    fy: Uuid,
    account: Uuid,
    cc: Option<Uuid>,
    except: Option<Uuid>,
) -> AppResult<bool> {
    let rows = tx
        .all(tx.select::<budget::Entity>().refine(|q| {
            q.filter(budget::Column::FiscalYearId.eq(fy))
                .filter(budget::Column::AccountId.eq(account))
                .filter(budget::Column::ArchivedAt.is_null())
        }))
        .await?;
    Ok(rows
        .iter()
        .any(|b| b.cost_centre_id == cc && Some(b.id) != except))
}

impl Editable for budget::Entity {
    type Create = CreateBudgetInput;
    type Patch = BudgetPatch;
    type Code = E;
    const MANAGE: Permission = Permission::ManageBudgets;

    async fn create(
        tx: &TenantTx,
        input: &CreateBudgetInput,
        p: &mut P,
    ) -> AppResult<budget::ActiveModel> {
        let fy = p
            .reference::<fiscal_year::Entity>(tx, "fiscalYearId", Some(&input.fiscal_year_id))
            .await?;
        let account = p
            .reference::<account::Entity>(tx, "accountId", Some(&input.account_id))
            .await?;
        let cc = p
            .reference::<entity::org::cost_centre::Entity>(
                tx,
                "costCentreId",
                input.cost_centre_id.as_ref(),
            )
            .await?;
        if let Some(a) = account
            && let Some(row) = tx.get::<account::Entity>(a).await?
            && (row.is_group || !matches!(row.account_type.as_str(), "income" | "expense"))
        {
            p.row(
                "accountId",
                E::Invalid,
                "budgets are for postable income and expense accounts",
            );
        }
        if let (Some(fy), Some(a)) = (fy, account)
            && overlapping(tx, fy, a, cc, None).await?
        {
            p.row(
                "accountId",
                E::Duplicate,
                "a budget for this account, cost centre and year exists",
            );
        }
        let base = super::base_currency(tx).await?;
        if input.amount.0 <= Decimal::ZERO {
            p.row("amount", E::Invalid, "must be more than zero");
        }
        super::money_in(p, "amount", input.amount.0, &base);
        Ok(budget::ActiveModel {
            name: Set(p.required_text("name", &input.name, 200)),
            fiscal_year_id: Set(fy.unwrap_or_default()),
            account_id: Set(account.unwrap_or_default()),
            cost_centre_id: Set(cc),
            amount: Set(input.amount.0),
            action: Set(input.action.unwrap_or(BudgetAction::Warn).db().into()),
            distribution: Set(distribution(
                p,
                "distribution",
                input.distribution.as_deref(),
            )),
            archived_at: Set(None),
            ..Default::default()
        })
    }

    async fn patch(
        tx: &TenantTx,
        row: &budget::Model,
        patch: &BudgetPatch,
        p: &mut P,
    ) -> AppResult<budget::ActiveModel> {
        let mut am = row.clone().into_active_model();
        if let Some(n) = &patch.name {
            am.name = Set(p.required_text("patch.name", n, 200));
        }
        if let Some(a) = patch.amount {
            if a.0 <= Decimal::ZERO {
                p.row("patch.amount", E::Invalid, "must be more than zero");
            }
            super::money_in(p, "patch.amount", a.0, &super::base_currency(tx).await?);
            am.amount = Set(a.0);
        }
        if let Some(a) = patch.action {
            am.action = Set(a.db().into());
        }
        if let Some(d) = &patch.distribution {
            am.distribution = Set(distribution(p, "patch.distribution", Some(d)));
        }
        Ok(am)
    }

    async fn check_restore(tx: &TenantTx, row: &budget::Model, p: &mut P) -> AppResult<()> {
        if overlapping(
            tx,
            row.fiscal_year_id,
            row.account_id,
            row.cost_centre_id,
            Some(row.id),
        )
        .await?
        {
            p.row(
                "id",
                E::Duplicate,
                "another budget covers this account, cost centre and year",
            );
        }
        Ok(())
    }
}

#[derive(FromQueryResult)]
struct Actual {
    debit: Option<Decimal>,
    credit: Option<Decimal>,
}

/// Posted debits less credits on an account (and cost centre) over a period.
async fn actual(
    tx: &TenantTx,
    account: Uuid,
    cc: Option<Uuid>,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Decimal> {
    use journal_line::Column as L;
    let rows: Vec<Actual> = tx
        .rows(tx.select::<journal_line::Entity>().refine(|q| {
            let q = q
                .select_only()
                .column_as(L::Debit.sum(), "debit")
                .column_as(L::Credit.sum(), "credit")
                .filter(L::Posted.eq(true))
                .filter(L::Closing.eq(false))
                .filter(L::AccountId.eq(account))
                .filter(L::Date.between(from, to));
            match cc {
                Some(cc) => q.filter(L::CostCentreId.eq(cc)),
                None => q,
            }
        }))
        .await?;
    Ok(rows
        .first()
        .map(|r| r.debit.unwrap_or_default().round_dp(2) - r.credit.unwrap_or_default().round_dp(2))
        .unwrap_or_default())
}

/// Refuses an entry that would take an expense account beyond a `stop` budget for its year
/// (finance managers may go beyond). Called by the ledger while posting, before anything is
/// written.
pub async fn check_entry(
    tx: &TenantTx,
    date: NaiveDate,
    lines: &[journal_line::Model],
    accounts: &HashMap<Uuid, account::Model>,
    privileged: bool,
    path: &str,
    p: &mut P,
) -> AppResult<()> {
    if privileged {
        return Ok(());
    }
    let Some(fy) = super::ledger::fiscal_year_of(tx, date).await? else {
        return Ok(());
    };
    // What the entry adds per expense account (and per cost centre).
    let mut added: HashMap<(Uuid, Option<Uuid>), Decimal> = HashMap::new();
    for l in lines {
        if accounts
            .get(&l.account_id)
            .is_some_and(|a| a.account_type == "expense")
        {
            *added.entry((l.account_id, l.cost_centre_id)).or_default() += l.debit - l.credit;
        }
    }
    if added.values().all(|v| *v <= Decimal::ZERO) {
        return Ok(());
    }
    let ids: Vec<Uuid> = added.keys().map(|(a, _)| *a).collect();
    let budgets = tx
        .all(tx.select::<budget::Entity>().refine(|q| {
            q.filter(budget::Column::FiscalYearId.eq(fy.id))
                .filter(budget::Column::AccountId.is_in(ids))
                .filter(budget::Column::Action.eq("stop"))
                .filter(budget::Column::ArchivedAt.is_null())
        }))
        .await?;
    for b in budgets {
        let more: Decimal = added
            .iter()
            .filter(|((a, cc), _)| {
                *a == b.account_id && (b.cost_centre_id.is_none() || *cc == b.cost_centre_id)
            })
            .map(|(_, v)| *v)
            .sum();
        if more <= Decimal::ZERO {
            continue;
        }
        let spent = actual(tx, b.account_id, b.cost_centre_id, fy.starts_on, fy.ends_on).await?;
        if spent + more > b.amount {
            p.row(
                &format!("{path}lines"),
                E::BudgetExceeded,
                format!(
                    "budget `{}` is {}; {} is spent and this entry adds {}",
                    b.name, b.amount, spent, more
                ),
            );
        }
    }
    Ok(())
}

/// One budget against what was posted.
#[derive(SimpleObject)]
pub struct BudgetVsActualRow {
    /// The budget.
    pub budget: Option<Budget>,
    /// Its account.
    pub account: Option<Account>,
    /// Its cost centre (`null`: every cost centre).
    pub cost_centre: Option<CostCentre>,
    /// The budget for the months up to the date (by its distribution).
    pub budget_to_date: Dec,
    /// The whole year's budget.
    pub budget_for_year: Dec,
    /// Posted up to the date (expenses as debits, income as credits).
    pub actual: Dec,
    /// Budget to date less actual (negative: over budget).
    pub variance: Dec,
    /// Actual as a percent of the budget to date.
    pub percent: Option<Dec>,
    /// Whether actual is beyond the budget to date.
    pub exceeded: bool,
}

/// Budgets against actuals for a fiscal year.
#[derive(SimpleObject)]
pub struct BudgetVsActual {
    /// The year.
    pub fiscal_year: Option<FiscalYear>,
    /// Up to which date.
    pub to: NaiveDate,
    /// One row per budget.
    pub rows: crate::graphql::list::List<BudgetVsActualRow>,
}

/// The share of a year's budget that falls on its months up to `to`.
fn share_to(b: &budget::Model, fy: &fiscal_year::Model, to: NaiveDate) -> Decimal {
    if to >= fy.ends_on {
        return b.amount;
    }
    if to < fy.starts_on {
        return Decimal::ZERO;
    }
    let months = (to.year() - fy.starts_on.year()) * 12 + to.month() as i32
        - fy.starts_on.month() as i32
        + 1;
    let months = months.clamp(0, 12) as usize;
    let percents: Vec<Decimal> = match &b.distribution {
        Some(serde_json::Value::Array(v)) => v
            .iter()
            .filter_map(|x| x.as_str().and_then(|s| s.parse().ok()))
            .collect(),
        _ => vec![Decimal::ONE_HUNDRED / Decimal::from(12); 12],
    };
    let pct: Decimal = percents.iter().take(months).copied().sum();
    (b.amount * pct / Decimal::ONE_HUNDRED).round_dp(0)
}

/// Budget versus actual for a year, up to `to` (the year's end when `None`).
pub async fn budget_vs_actual(
    tx: &TenantTx,
    fy_id: Uuid,
    to: Option<NaiveDate>,
) -> AppResult<Option<BudgetVsActual>> {
    let Some(fy) = tx.get::<fiscal_year::Entity>(fy_id).await? else {
        return Ok(None);
    };
    let to = to.unwrap_or(fy.ends_on).min(fy.ends_on);
    let budgets = tx
        .all(tx.select::<budget::Entity>().refine(|q| {
            q.filter(budget::Column::FiscalYearId.eq(fy_id))
                .filter(budget::Column::ArchivedAt.is_null())
        }))
        .await?;
    let accounts = super::chart::accounts_by_id(tx).await?;
    let mut rows = Vec::new();
    for b in budgets {
        let income = accounts
            .get(&b.account_id)
            .is_some_and(|a| a.account_type == "income");
        let mut spent = actual(tx, b.account_id, b.cost_centre_id, fy.starts_on, to).await?;
        if income {
            spent = -spent;
        }
        let planned = share_to(&b, &fy, to);
        let exceeded = if income { false } else { spent > planned };
        rows.push(BudgetVsActualRow {
            account: accounts.get(&b.account_id).cloned().map(Account),
            cost_centre: match b.cost_centre_id {
                Some(id) => tx
                    .get::<entity::org::cost_centre::Entity>(id)
                    .await?
                    .map(CostCentre),
                None => None,
            },
            budget_to_date: Dec(planned),
            budget_for_year: Dec(b.amount),
            actual: Dec(spent),
            variance: Dec(planned - spent),
            percent: (!planned.is_zero())
                .then(|| Dec((spent / planned * Decimal::ONE_HUNDRED).round_dp(1))),
            exceeded,
            budget: Some(Budget(b)),
        });
    }
    Ok(Some(BudgetVsActual {
        fiscal_year: Some(FiscalYear(fy)),
        to,
        rows: List(rows),
    }))
}
