//! Budgets in the schema: a plain resource (`VIEW_BUDGETS` / `MANAGE_BUDGETS`) and the
//! budget-versus-actual query.

use crate::graphql::list::List;
use async_graphql::{Context, ID, InputObject, Object};
use entity::accounting::{account, budget, fiscal_year};
use entity::org::cost_centre;

use crate::auth::Permission;
use crate::error::GqlResult;
use crate::graphql::accounting::{Account, FiscalYear};
use crate::graphql::core::{ContextExt, GlobalId, db_err, load_one};
use crate::graphql::listing::{DecimalFilter, IdFilter, TextFilter};
use crate::graphql::org::CostCentre;
use crate::graphql::scalars::Decimal;
use crate::services::accounting::budgets::{self, BudgetVsActual};
use crate::{db_enum, enum_filter, filter_input, node_object, order_field, resource};

db_enum! {
    /// What posting beyond a budget does.
    BudgetAction {
        /// The posting is refused (`BUDGET_EXCEEDED`) unless a finance manager posts it.
        Stop = "stop",
        /// The posting goes through; budget versus actual shows the budget exceeded.
        Warn = "warn",
        /// The budget is for reporting only.
        Ignore = "ignore",
    }
}
enum_filter!(BudgetAction);

node_object! {
    /// A budget for an income or expense account (and cost centre) for a fiscal year. Needs
    /// `VIEW_BUDGETS`.
    Budget(budget) {
        /// The name.
        async fn name(&self) -> &str {
            &self.0.name
        }
        /// The fiscal year.
        async fn fiscal_year(&self, ctx: &Context<'_>) -> GqlResult<Option<FiscalYear>> {
            Ok(load_one::<fiscal_year::Entity>(ctx, Some(self.0.fiscal_year_id)).await?.map(FiscalYear))
        }
        /// The account.
        async fn account(&self, ctx: &Context<'_>) -> GqlResult<Option<Account>> {
            Ok(load_one::<account::Entity>(ctx, Some(self.0.account_id)).await?.map(Account))
        }
        /// The cost centre (`null`: every cost centre).
        async fn cost_centre(&self, ctx: &Context<'_>) -> GqlResult<Option<CostCentre>> {
            Ok(load_one::<cost_centre::Entity>(ctx, self.0.cost_centre_id).await?.map(CostCentre))
        }
        /// The amount for the whole year, in the base currency.
        async fn amount(&self) -> Decimal {
            Decimal(self.0.amount)
        }
        /// What posting beyond it does.
        async fn action(&self) -> BudgetAction {
            BudgetAction::from_db(&self.0.action)
        }
        /// The percent of the year per month (twelve, adding up to 100).
        async fn distribution(&self) -> List<Decimal> {
            match &self.0.distribution {
                Some(serde_json::Value::Array(v)) => v
                    .iter()
                    .filter_map(|x| x.as_str().and_then(|s| s.parse().ok()))
                    .map(Decimal)
                    .collect(),
                _ => vec![Decimal(rust_decimal::Decimal::ONE_HUNDRED / rust_decimal::Decimal::from(12)); 12].into(),
            }
        }
    }
}

filter_input! {
    /// Conditions on budgets.
    BudgetFilter for budget {
        /// The name.
        name: TextFilter => Name,
        /// The fiscal year.
        fiscal_year: IdFilter => FiscalYearId ref fiscal_year::Entity,
        /// The account.
        account: IdFilter => AccountId ref account::Entity,
        /// The amount.
        amount: DecimalFilter => Amount,
        /// The action.
        action: BudgetActionFilter => Action,
    }
}

order_field! {
    /// What budgets can be sorted by.
    Budget for budget {
        /// The name.
        Name => Name,
        /// The amount.
        Amount => Amount,
    }
}

/// A new budget.
#[derive(InputObject)]
pub struct CreateBudgetInput {
    /// The name, at most 200 characters.
    pub name: String,
    /// The fiscal year.
    pub fiscal_year_id: ID,
    /// A postable income or expense account.
    pub account_id: ID,
    /// A cost centre (default: the account in every cost centre).
    pub cost_centre_id: Option<ID>,
    /// The amount for the year, in the base currency.
    pub amount: Decimal,
    /// What posting beyond it does (default `WARN`).
    pub action: Option<BudgetAction>,
    /// Twelve percents adding up to 100 (default: equal months).
    pub distribution: Option<Vec<Decimal>>,
}

/// Changes to a budget.
#[derive(InputObject)]
pub struct BudgetPatch {
    /// New name.
    pub name: Option<String>,
    /// New amount.
    pub amount: Option<Decimal>,
    /// New action.
    pub action: Option<BudgetAction>,
    /// New distribution.
    pub distribution: Option<Vec<Decimal>>,
}

resource! {
    entity: budget::Entity, node: Budget, one: budget, many: budgets, what: "budget",
    view: ViewBudgets, manage: ManageBudgets, query: BudgetQuery, mutation: BudgetMutation,
}

/// Budget versus actual.
#[derive(Default)]
pub struct BudgetReportQuery;

#[Object]
impl BudgetReportQuery {
    /// Every budget of a fiscal year against what was posted up to a date (the year's end by
    /// default), with the variance and the percent used. Needs `VIEW_BUDGETS`.
    async fn budget_vs_actual(
        &self,
        ctx: &Context<'_>,
        fiscal_year_id: ID,
        to: Option<chrono::NaiveDate>,
    ) -> GqlResult<Option<BudgetVsActual>> {
        let session = ctx.authorize(Permission::ViewBudgets)?;
        let Some(id) = GlobalId::decode_for::<fiscal_year::Entity>(&fiscal_year_id) else {
            return Ok(None);
        };
        Ok(session
            .db
            .read(async |tx| budgets::budget_vs_actual(tx, id, to).await.map_err(db_err))
            .await?)
    }
}
