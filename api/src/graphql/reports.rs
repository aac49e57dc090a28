//! Financial statements and KPIs as queries (`VIEW_FINANCIAL_REPORTS`), computed by
//! `services::accounting::reports` from posted entries only.

use async_graphql::{Context, ID, Object};
use chrono::NaiveDate;
use entity::accounting::account;

use crate::auth::Permission;
use crate::error::{AppError, AppResult, GqlResult};
use crate::graphql::core::{ContextExt, GlobalId, db_err};
use crate::services::accounting::reports::{
    self, AgedBalances, BalanceSheet, CashFlow, FinanceKpis, GeneralLedger, ProfitAndLoss,
    TaxSummary, TrialBalance,
};

fn period(from: NaiveDate, to: NaiveDate) -> AppResult<()> {
    if to < from {
        return Err(AppError::BadRequest("`to` is before `from`".into()));
    }
    if (to - from).num_days() > 366 * 10 {
        return Err(AppError::BadRequest(
            "a report covers at most ten years".into(),
        ));
    }
    Ok(())
}

/// The statements and KPIs.
#[derive(Default)]
pub struct ReportQuery;

#[Object]
impl ReportQuery {
    /// The trial balance of a period: per account, the opening balance, the period's debits and
    /// credits and the closing balance. Needs `VIEW_FINANCIAL_REPORTS`.
    async fn trial_balance(
        &self,
        ctx: &Context<'_>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> GqlResult<TrialBalance> {
        let session = ctx.authorize(Permission::ViewFinancialReports)?;
        period(from, to)?;
        Ok(session
            .db
            .read(async |tx| reports::trial_balance(tx, from, to).await.map_err(db_err))
            .await?)
    }

    /// One account's posted lines over a period with a running balance (at most 2,000 lines).
    /// Needs `VIEW_FINANCIAL_REPORTS`.
    async fn general_ledger(
        &self,
        ctx: &Context<'_>,
        account_id: ID,
        from: NaiveDate,
        to: NaiveDate,
    ) -> GqlResult<Option<GeneralLedger>> {
        let session = ctx.authorize(Permission::ViewFinancialReports)?;
        period(from, to)?;
        let Some(id) = GlobalId::decode_for::<account::Entity>(&account_id) else {
            return Ok(None);
        };
        Ok(session
            .db
            .read(async |tx| {
                if tx.get::<account::Entity>(id).await?.is_none() {
                    return Ok(None);
                }
                reports::general_ledger(tx, id, from, to)
                    .await
                    .map(Some)
                    .map_err(db_err)
            })
            .await?)
    }

    /// Profit and loss of a period (closing entries left out). Needs `VIEW_FINANCIAL_REPORTS`.
    async fn profit_and_loss(
        &self,
        ctx: &Context<'_>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> GqlResult<ProfitAndLoss> {
        let session = ctx.authorize(Permission::ViewFinancialReports)?;
        period(from, to)?;
        Ok(session
            .db
            .read(async |tx| reports::profit_and_loss(tx, from, to).await.map_err(db_err))
            .await?)
    }

    /// The balance sheet at a date; assets equal liabilities plus equity. Needs
    /// `VIEW_FINANCIAL_REPORTS`.
    async fn balance_sheet(&self, ctx: &Context<'_>, at: NaiveDate) -> GqlResult<BalanceSheet> {
        let session = ctx.authorize(Permission::ViewFinancialReports)?;
        Ok(session
            .db
            .read(async |tx| reports::balance_sheet(tx, at).await.map_err(db_err))
            .await?)
    }

    /// The cash-flow statement of a period (direct method). Needs `VIEW_FINANCIAL_REPORTS`.
    async fn cash_flow(
        &self,
        ctx: &Context<'_>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> GqlResult<CashFlow> {
        let session = ctx.authorize(Permission::ViewFinancialReports)?;
        period(from, to)?;
        Ok(session
            .db
            .read(async |tx| reports::cash_flow(tx, from, to).await.map_err(db_err))
            .await?)
    }

    /// What customers owed at a date, by party and age. Needs `VIEW_FINANCIAL_REPORTS`.
    async fn aged_receivables(&self, ctx: &Context<'_>, at: NaiveDate) -> GqlResult<AgedBalances> {
        let session = ctx.authorize(Permission::ViewFinancialReports)?;
        Ok(session
            .db
            .read(async |tx| reports::aged(tx, true, at).await.map_err(db_err))
            .await?)
    }

    /// What was owed to suppliers at a date, by party and age. Needs `VIEW_FINANCIAL_REPORTS`.
    async fn aged_payables(&self, ctx: &Context<'_>, at: NaiveDate) -> GqlResult<AgedBalances> {
        let session = ctx.authorize(Permission::ViewFinancialReports)?;
        Ok(session
            .db
            .read(async |tx| reports::aged(tx, false, at).await.map_err(db_err))
            .await?)
    }

    /// Consumption tax by rate over a period. Needs `VIEW_FINANCIAL_REPORTS`.
    async fn tax_summary(
        &self,
        ctx: &Context<'_>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> GqlResult<TaxSummary> {
        let session = ctx.authorize(Permission::ViewFinancialReports)?;
        period(from, to)?;
        Ok(session
            .db
            .read(async |tx| reports::tax_summary(tx, from, to).await.map_err(db_err))
            .await?)
    }

    /// DSO, DPO, invoice processing time and the error rate over a period. Needs
    /// `VIEW_FINANCIAL_REPORTS`.
    async fn finance_kpis(
        &self,
        ctx: &Context<'_>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> GqlResult<FinanceKpis> {
        let session = ctx.authorize(Permission::ViewFinancialReports)?;
        period(from, to)?;
        Ok(session
            .db
            .read(async |tx| reports::finance_kpis(tx, from, to).await.map_err(db_err))
            .await?)
    }
}
