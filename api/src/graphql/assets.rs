//! Fixed assets in the schema: the register (a plain resource, `VIEW_FIXED_ASSETS` /
//! `MANAGE_FIXED_ASSETS`) with each asset's depreciation schedule, the depreciation run and
//! disposal.

use crate::graphql::list::List;
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::NaiveDate;
use entity::accounting::{account, fixed_asset, journal_entry};
use entity::org::cost_centre;

use crate::auth::Permission;
use crate::error::{GqlResult, InputError};
use crate::graphql::accounting::{Account, JournalEntry};
use crate::graphql::core::{ContextExt, GlobalId, db_err, load_one, settle};
use crate::graphql::listing::{DateFilter, DbEnum, DecimalFilter, TextFilter};
use crate::graphql::org::CostCentre;
use crate::graphql::scalars::Decimal;
use crate::services::accounting::assets;
use crate::services::accounting::{self as acc, AccountingErrorCode};
use crate::{db_enum, enum_filter, filter_input, node_object, order_field, resource};

db_enum! {
    /// How a fixed asset is depreciated over its useful life.
    DepreciationMethod {
        /// The same amount every month: cost less salvage value divided by the months of life.
        StraightLine = "straight_line",
        /// A fixed percent per year of the remaining book value, a twelfth each month, down to
        /// the salvage value in the last month of life.
        DecliningBalance = "declining_balance",
    }
}
enum_filter!(DepreciationMethod);

db_enum! {
    /// Where a fixed asset is in its life.
    FixedAssetStatus {
        /// Not yet in use (not depreciated).
        Draft = "draft",
        /// In use and being depreciated month by month.
        InUse = "in_use",
        /// Depreciated down to its salvage value; still in the books until disposed of.
        FullyDepreciated = "fully_depreciated",
        /// Sold or otherwise disposed of; out of the books.
        Disposed = "disposed",
        /// Scrapped without proceeds; out of the books.
        Scrapped = "scrapped",
    }
}
enum_filter!(FixedAssetStatus);

/// One month of a fixed asset's depreciation schedule.
#[derive(SimpleObject)]
pub struct DepreciationLine {
    /// The month end the depreciation is posted on.
    pub date: NaiveDate,
    /// The month's depreciation, in the base currency.
    pub amount: Decimal,
    /// The depreciation up to and including this month.
    pub accumulated: Decimal,
    /// The cost less the accumulated depreciation after this month.
    pub book_value: Decimal,
    /// Whether this month's depreciation is posted.
    pub posted: bool,
}

node_object! {
    /// A fixed asset of the register, with its depreciation. Needs `VIEW_FIXED_ASSETS`.
    FixedAsset(fixed_asset) {
        /// A code unique in the tenant, e.g. `FA-0001`.
        async fn code(&self) -> &str {
            &self.0.code
        }
        /// The name.
        async fn name(&self) -> &str {
            &self.0.name
        }
        /// The asset account its cost stands on.
        async fn asset_account(&self, ctx: &Context<'_>) -> GqlResult<Option<Account>> {
            Ok(load_one::<account::Entity>(ctx, Some(self.0.asset_account_id)).await?.map(Account))
        }
        /// The contra account its depreciation is credited to.
        async fn accumulated_account(&self, ctx: &Context<'_>) -> GqlResult<Option<Account>> {
            Ok(load_one::<account::Entity>(ctx, Some(self.0.accumulated_account_id)).await?.map(Account))
        }
        /// The expense account its depreciation (and a loss on disposal) is debited to.
        async fn expense_account(&self, ctx: &Context<'_>) -> GqlResult<Option<Account>> {
            Ok(load_one::<account::Entity>(ctx, Some(self.0.expense_account_id)).await?.map(Account))
        }
        /// The gross cost, in the base currency.
        async fn cost(&self) -> Decimal {
            Decimal(self.0.cost)
        }
        /// What it is expected to be worth at the end of its life; never written below.
        async fn salvage_value(&self) -> Decimal {
            Decimal(self.0.salvage_value)
        }
        /// Depreciation starts with the month of this date.
        async fn in_use_date(&self) -> NaiveDate {
            self.0.in_use_date
        }
        /// Straight line or declining balance.
        async fn method(&self) -> DepreciationMethod {
            DepreciationMethod::from_db(&self.0.method)
        }
        /// The useful life in months.
        async fn useful_life_months(&self) -> i32 {
            self.0.useful_life_months
        }
        /// The percent per year a declining-balance asset is written down by (double the
        /// straight-line rate unless set); `null` for straight line.
        async fn declining_rate(&self) -> Option<Decimal> {
            (self.0.method == DepreciationMethod::DecliningBalance.db())
                .then(|| Decimal(assets::effective_rate(&self.0).round_dp(4)))
        }
        /// The last month end whose depreciation is posted; `null` before the first.
        async fn depreciated_until(&self) -> Option<NaiveDate> {
            self.0.depreciated_until
        }
        /// The depreciation posted so far.
        async fn accumulated(&self) -> Decimal {
            Decimal(self.0.accumulated)
        }
        /// The cost less the depreciation posted so far.
        async fn book_value(&self) -> Decimal {
            Decimal(self.0.cost - self.0.accumulated)
        }
        /// Where it is in its life.
        async fn status(&self) -> FixedAssetStatus {
            FixedAssetStatus::from_db(&self.0.status)
        }
        /// When it was disposed of or scrapped.
        async fn disposed_on(&self) -> Option<NaiveDate> {
            self.0.disposed_on
        }
        /// The entry that took it out of the books.
        async fn disposal_entry(&self, ctx: &Context<'_>) -> GqlResult<Option<JournalEntry>> {
            Ok(load_one::<journal_entry::Entity>(ctx, self.0.disposal_entry_id).await?.map(JournalEntry))
        }
        /// The cost centre its depreciation is charged to.
        async fn cost_centre(&self, ctx: &Context<'_>) -> GqlResult<Option<CostCentre>> {
            Ok(load_one::<cost_centre::Entity>(ctx, self.0.cost_centre_id).await?.map(CostCentre))
        }
        /// The depreciation month by month over its whole life, with what is posted so far.
        async fn schedule(&self, ctx: &Context<'_>) -> GqlResult<List<DepreciationLine>> {
            let base = ctx
                .session()?
                .db
                .read(async |tx| acc::base_currency(tx).await.map_err(db_err))
                .await?;
            let posted_until = self.0.depreciated_until;
            Ok(assets::schedule(&self.0, &base)
                .into_iter()
                .map(|l| DepreciationLine {
                    date: l.date,
                    amount: Decimal(l.amount),
                    accumulated: Decimal(l.accumulated),
                    book_value: Decimal(l.book_value),
                    posted: posted_until.is_some_and(|d| l.date <= d),
                })
                .collect())
        }
    }
}

filter_input! {
    /// Conditions on fixed assets; every field given must hold.
    FixedAssetFilter for fixed_asset {
        /// The code.
        code: TextFilter => Code,
        /// The name.
        name: TextFilter => Name,
        /// The status.
        status: FixedAssetStatusFilter => Status,
        /// The depreciation method.
        method: DepreciationMethodFilter => Method,
        /// The in-use date.
        in_use_date: DateFilter => InUseDate,
        /// The cost.
        cost: DecimalFilter => Cost,
    }
}

order_field! {
    /// What fixed assets can be sorted by.
    FixedAsset for fixed_asset {
        /// The code.
        Code => Code,
        /// The name.
        Name => Name,
        /// The in-use date.
        InUseDate => InUseDate,
        /// The cost.
        Cost => Cost,
    }
}

/// A new fixed asset, in use (and depreciated) from the month of its in-use date. Registering
/// it posts nothing: its purchase came in through a bill or an entry to the asset account.
#[derive(InputObject)]
pub struct CreateFixedAssetInput {
    /// A code unique in the tenant, at most 30 characters.
    pub code: String,
    /// The name, at most 200 characters.
    pub name: String,
    /// The postable asset account its cost stands on (e.g. `1500 Equipment`).
    pub asset_account_id: ID,
    /// The postable asset (contra) account depreciation is credited to (e.g. `1510
    /// Accumulated depreciation`); not the asset account.
    pub accumulated_account_id: ID,
    /// The postable expense account depreciation is debited to (e.g. `6070 Depreciation`).
    pub expense_account_id: ID,
    /// The gross cost in the base currency, more than zero.
    pub cost: Decimal,
    /// What it is expected to be worth at the end of its life: from zero (the default) to less
    /// than the cost.
    pub salvage_value: Option<Decimal>,
    /// The day it was put in use; depreciation starts with its month.
    pub in_use_date: NaiveDate,
    /// How it is depreciated.
    pub method: DepreciationMethod,
    /// The useful life, 1 to 600 months.
    pub useful_life_months: i32,
    /// For declining balance: the percent per year, above 0 and at most 100 (default double
    /// the straight-line rate, 200% divided by the years of life).
    pub declining_rate: Option<Decimal>,
    /// The cost centre its depreciation is charged to.
    pub cost_centre_id: Option<ID>,
}

/// Changes to a fixed asset; fields left out keep their value. Cost, salvage value, life and
/// method are fixed once registered: they decide the schedule.
#[derive(InputObject)]
pub struct FixedAssetPatch {
    /// New name.
    pub name: Option<String>,
    /// New cost centre for the months still to depreciate (`null` clears).
    pub cost_centre_id: MaybeUndefined<ID>,
}

resource! {
    entity: fixed_asset::Entity, node: FixedAsset, one: fixed_asset, many: fixed_assets,
    what: "fixed asset", view: ViewFixedAssets, manage: ManageFixedAssets,
    query: FixedAssetQuery, mutation: FixedAssetResourceMutation,
}

/// A disposal of a fixed asset: a sale, or scrapping without proceeds.
#[derive(InputObject)]
pub struct DisposeFixedAssetInput {
    /// The asset (in use or fully depreciated).
    pub id: ID,
    /// The version the decision was made against; a stale one fails with `CONFLICT`.
    pub expected_version: i32,
    /// The day it left; the months before are depreciated first, its own month is not.
    pub date: NaiveDate,
    /// What it was sold for, in the base currency (default 0).
    pub proceeds: Option<Decimal>,
    /// The asset account the proceeds were received on, e.g. the bank (required with
    /// proceeds).
    pub proceeds_account_id: Option<ID>,
    /// Scrapped rather than sold: no proceeds (default false).
    pub scrap: Option<bool>,
}

/// The result of a depreciation run.
#[derive(SimpleObject)]
pub struct DepreciationPayload {
    /// The entries posted, one per asset and month; empty when there are errors.
    pub entries: crate::graphql::list::List<JournalEntry>,
    /// What was wrong (with the asset and month in the message); nothing was posted when not
    /// empty.
    pub errors: crate::graphql::list::List<InputError<AccountingErrorCode>>,
}

/// Whether the caller may post into the soft-locked period (and beyond a `STOP` budget).
fn finance_manager(ctx: &Context<'_>) -> bool {
    ctx.session()
        .is_ok_and(|s| s.principal.can(Permission::ClosePeriods))
}

/// Depreciation and disposal.
#[derive(Default)]
pub struct FixedAssetMutation;

#[Object]
impl FixedAssetMutation {
    /// Posts the depreciation of every asset in use for each month end up to `upTo` not posted
    /// yet: one entry per asset and month in the general journal (debit the expense account,
    /// credit accumulated depreciation). All or nothing: a locked period or a month without a
    /// fiscal year refuses the run (`PERIOD_LOCKED`, `NO_FISCAL_YEAR`). Needs
    /// `MANAGE_FIXED_ASSETS`.
    async fn run_depreciation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The last day to depreciate up to; at most the end of this month.")]
        up_to: NaiveDate,
    ) -> GqlResult<DepreciationPayload> {
        let session = ctx.authorize(Permission::ManageFixedAssets)?;
        let tx = session.begin_write(ctx).await?;
        let out = assets::depreciate(&tx, session.principal.actor_id, up_to, finance_manager(ctx))
            .await?;
        let (entries, errors) = settle(tx, out).await?;
        Ok(DepreciationPayload {
            entries: entries
                .unwrap_or_default()
                .into_iter()
                .map(JournalEntry)
                .collect(),
            errors: List(errors),
        })
    }

    /// Disposes of or scraps a fixed asset: depreciates it up to the month before, then one
    /// entry takes out its cost and accumulated depreciation, debits the proceeds, and books a
    /// gain (account 4900) or a loss (its expense account). Needs `MANAGE_FIXED_ASSETS`.
    async fn dispose_fixed_asset(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which asset, at which version, when, and for what.")]
        input: DisposeFixedAssetInput,
    ) -> GqlResult<FixedAssetPayload> {
        let session = ctx.authorize(Permission::ManageFixedAssets)?;
        let tx = session.begin_write(ctx).await?;
        let mut problems = Vec::new();
        let proceeds_account = match &input.proceeds_account_id {
            None => None,
            Some(id) => {
                let found = GlobalId::decode_for::<account::Entity>(id);
                if found.is_none() {
                    problems.push(InputError::new(
                        "proceedsAccountId",
                        AccountingErrorCode::NotFound,
                        "no such account",
                    ));
                }
                found
            }
        };
        let out = match GlobalId::decode_for::<fixed_asset::Entity>(&input.id) {
            None => acc::refuse("id", AccountingErrorCode::NotFound, "no such fixed asset"),
            Some(_) if !problems.is_empty() => Err(problems),
            Some(id) => {
                assets::dispose(
                    &tx,
                    session.principal.actor_id,
                    id,
                    input.expected_version,
                    input.date,
                    input.proceeds.map(|p| p.0).unwrap_or_default(),
                    proceeds_account,
                    input.scrap.unwrap_or(false),
                    finance_manager(ctx),
                )
                .await?
            }
        };
        let (row, errors) = settle(tx, out).await?;
        Ok(FixedAssetPayload {
            fixed_asset: row.map(FixedAsset),
            errors: List(errors),
        })
    }
}

/// Every fixed-asset query.
#[derive(async_graphql::MergedObject, Default)]
pub struct AssetsQuery(FixedAssetQuery);

/// Every fixed-asset mutation.
#[derive(async_graphql::MergedObject, Default)]
pub struct AssetsMutation(FixedAssetResourceMutation, FixedAssetMutation);
