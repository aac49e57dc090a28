//! Employment contracts.
//!
//! Invariants:
//! - an employee has at most one running contract: starting a second one is
//!   `CONTRACT_RUNNING` (checked under the employee's row lock, and a partial unique index is
//!   the last word);
//! - a contract starts on or after the hire date (`BEFORE_HIRE`), ends on or after its start, a
//!   fixed term has an end, and the trial period lies inside the contract;
//! - only a draft's terms change (`LOCKED` otherwise); a running contract ends on a date with a
//!   reason; a renewal is a new draft that, when started, ends its predecessor the day before.

use chrono::NaiveDate;
use entity::TenantTx;
use entity::hr::{employment_contract, work_schedule};
use entity::org::employee;
use rust_decimal::Decimal;
use sea_orm::{ActiveValue::Set, ColumnTrait, IntoActiveModel, QueryFilter};
use uuid::Uuid;

use super::{Checked, HrErrorCode as E, refuse};
use crate::auth::Permission;
use crate::error::AppResult;
use crate::graphql::hr::{
    ContractType, CreateEmploymentContractInput, EmploymentContract, EmploymentContractFilter,
    EmploymentContractOrder, EmploymentContractPatch, WageType,
};
use crate::graphql::listing::DbEnum;
use crate::graphql::resource::{Editable, Problems, Resource};
use crate::services::numbering::{self, DocumentType};
use crate::services::workflow::{StateMachine, transition};

type P = Problems<E>;

crate::state_machine! {
    /// Where an employment contract is.
    EmploymentContractState / EmploymentContractAction for "employment contract" {
        states {
            /// Being prepared; the only state in which its terms change.
            Draft = "draft",
            /// In force.
            Running = "running",
            /// Ended (expired, terminated or renewed).
            Ended = "ended",
            /// Never took effect.
            Cancelled = "cancelled",
        }
        transitions {
            /// Put it in force.
            Start "started": [Draft] => Running,
            /// End it on a date.
            End "ended": [Running] => Ended,
            /// Drop a draft.
            Cancel "cancelled": [Draft] => Cancelled,
        }
    }
}

/// The state of a stored contract.
pub fn state(row: &employment_contract::Model) -> EmploymentContractState {
    EmploymentContractState::from_db(&row.status).unwrap_or(EmploymentContractState::Cancelled)
}

impl Resource for employment_contract::Entity {
    type Node = EmploymentContract;
    type Filter = EmploymentContractFilter;
    type Order = EmploymentContractOrder;
    const VIEW: Permission = Permission::ViewHr;
    crate::employee_rows!(employment_contract, ViewHr);
}

/// The terms a contract is checked on, at creation and after a patch.
struct Terms {
    employee: Option<Uuid>,
    contract_type: ContractType,
    start: NaiveDate,
    end: Option<NaiveDate>,
    trial_end: Option<NaiveDate>,
    wage: Decimal,
}

async fn check(tx: &TenantTx, p: &mut P, t: &Terms) -> AppResult<()> {
    if let Some(e) = t.employee
        && let Some(emp) = tx.get::<employee::Entity>(e).await?
    {
        if t.start < emp.hire_date {
            p.row(
                "startDate",
                E::BeforeHire,
                format!("the employee was hired on {}", emp.hire_date),
            );
        }
        if emp.status == "left" {
            p.row("employeeId", E::EmployeeInactive, "the employee has left");
        }
    }
    if let Some(end) = t.end
        && end < t.start
    {
        p.row("endDate", E::Invalid, "ends on or after its start");
    }
    if t.contract_type == ContractType::FixedTerm && t.end.is_none() {
        p.row("endDate", E::Required, "a fixed-term contract has an end");
    }
    if let Some(trial) = t.trial_end
        && (trial < t.start || t.end.is_some_and(|e| trial > e))
    {
        p.row("trialEnd", E::Invalid, "the trial ends inside the contract");
    }
    let base = crate::services::accounting::base_currency(tx).await?;
    if t.wage <= Decimal::ZERO
        || t.wage.normalize().scale() > crate::services::accounting::currency_decimals(&base)
    {
        p.row(
            "wage",
            E::Invalid,
            format!("more than zero, in whole {base} minor units"),
        );
    }
    Ok(())
}

async fn schedule(tx: &TenantTx, p: &mut P, path: &str, id: &async_graphql::ID) -> AppResult<Uuid> {
    Ok(p.reference::<work_schedule::Entity>(tx, path, Some(id))
        .await?
        .unwrap_or_default())
}

impl Editable for employment_contract::Entity {
    type Create = CreateEmploymentContractInput;
    type Patch = EmploymentContractPatch;
    type Code = E;
    const MANAGE: Permission = Permission::ManageHr;

    async fn create(
        tx: &TenantTx,
        input: &CreateEmploymentContractInput,
        p: &mut P,
    ) -> AppResult<employment_contract::ActiveModel> {
        let employee = p
            .reference::<employee::Entity>(tx, "employeeId", Some(&input.employee_id))
            .await?;
        if employee.is_none() && p.is_empty() {
            p.row("employeeId", E::NotFound, "no such employee");
        }
        let renewal_of = p
            .reference::<employment_contract::Entity>(
                tx,
                "renewalOfId",
                input.renewal_of_id.as_ref(),
            )
            .await?;
        if let Some(r) = renewal_of
            && let Some(prev) = tx.get::<employment_contract::Entity>(r).await?
            && Some(prev.employee_id) != employee
        {
            p.row(
                "renewalOfId",
                E::Invalid,
                "renews a contract of the same employee",
            );
        }
        let terms = Terms {
            employee,
            contract_type: input.contract_type,
            start: input.start_date,
            end: input.end_date,
            trial_end: input.trial_end,
            wage: input.wage.0,
        };
        check(tx, p, &terms).await?;
        let schedule = schedule(tx, p, "workScheduleId", &input.work_schedule_id).await?;
        let number = if p.is_empty() {
            numbering::allocate(tx, DocumentType::EmploymentContract, input.start_date).await?
        } else {
            String::new()
        };
        Ok(employment_contract::ActiveModel {
            number: Set(number),
            employee_id: Set(employee.unwrap_or_default()),
            contract_type: Set(input.contract_type.db().into()),
            status: Set(EmploymentContractState::Draft.db().into()),
            start_date: Set(input.start_date),
            end_date: Set(input.end_date),
            trial_end: Set(input.trial_end),
            wage_type: Set(input.wage_type.unwrap_or(WageType::Monthly).db().into()),
            wage: Set(input.wage.0),
            work_schedule_id: Set(schedule),
            renewal_of_id: Set(renewal_of),
            end_reason: Set(None),
            archived_at: Set(None),
            ..Default::default()
        })
    }

    async fn patch(
        tx: &TenantTx,
        row: &employment_contract::Model,
        patch: &EmploymentContractPatch,
        p: &mut P,
    ) -> AppResult<employment_contract::ActiveModel> {
        let mut am = row.clone().into_active_model();
        if state(row) != EmploymentContractState::Draft {
            p.row(
                "id",
                E::Locked,
                "only a draft's terms change; end it and renew instead",
            );
            return Ok(am);
        }
        let contract_type = patch
            .contract_type
            .unwrap_or_else(|| ContractType::from_db(&row.contract_type));
        let start = patch.start_date.unwrap_or(row.start_date);
        let end = match &patch.end_date {
            async_graphql::MaybeUndefined::Undefined => row.end_date,
            async_graphql::MaybeUndefined::Null => None,
            async_graphql::MaybeUndefined::Value(d) => Some(*d),
        };
        let trial_end = match &patch.trial_end {
            async_graphql::MaybeUndefined::Undefined => row.trial_end,
            async_graphql::MaybeUndefined::Null => None,
            async_graphql::MaybeUndefined::Value(d) => Some(*d),
        };
        let wage = patch.wage.map(|w| w.0).unwrap_or(row.wage);
        let terms = Terms {
            employee: Some(row.employee_id),
            contract_type,
            start,
            end,
            trial_end,
            wage,
        };
        check(tx, p, &terms).await?;
        if let Some(s) = &patch.work_schedule_id {
            am.work_schedule_id = Set(schedule(tx, p, "patch.workScheduleId", s).await?);
        }
        if let Some(w) = patch.wage_type {
            am.wage_type = Set(w.db().into());
        }
        am.contract_type = Set(contract_type.db().into());
        am.start_date = Set(start);
        am.end_date = Set(end);
        am.trial_end = Set(trial_end);
        am.wage = Set(wage);
        Ok(am)
    }

    async fn check_archive(
        _tx: &TenantTx,
        row: &employment_contract::Model,
        p: &mut P,
    ) -> AppResult<()> {
        if matches!(
            state(row),
            EmploymentContractState::Running | EmploymentContractState::Ended
        ) {
            p.row(
                "id",
                E::Locked,
                "a contract that took effect stays on the record",
            );
        }
        Ok(())
    }
}

async fn apply(
    tx: &TenantTx,
    actor: Uuid,
    row: &employment_contract::Model,
    action: EmploymentContractAction,
    change: impl FnOnce(&mut employment_contract::ActiveModel),
) -> AppResult<employment_contract::Model> {
    let to = row_next(row, action);
    crate::services::workflow::advance::<employment_contract::Entity, _>(
        tx,
        Some(actor),
        row,
        EmploymentContractState::past(action),
        |am| {
            am.status = Set(to.db().into());
            change(am);
        },
    )
    .await
}

fn row_next(
    row: &employment_contract::Model,
    action: EmploymentContractAction,
) -> EmploymentContractState {
    state(row).next(action).unwrap_or(state(row))
}

/// The running contract of an employee, if any.
pub async fn running(
    tx: &TenantTx,
    employee: Uuid,
) -> AppResult<Option<employment_contract::Model>> {
    use employment_contract::Column as C;
    Ok(tx
        .one(tx.select::<employment_contract::Entity>().refine(|q| {
            q.filter(C::EmployeeId.eq(employee))
                .filter(C::Status.eq("running"))
        }))
        .await?)
}

/// What ending a contract needs.
pub struct Ending<'a> {
    /// The last day.
    pub end_date: NaiveDate,
    /// Why.
    pub reason: &'a str,
}

/// Starts, ends or cancels a contract.
pub async fn act(
    tx: &TenantTx,
    actor: Uuid,
    id: Uuid,
    expected_version: i32,
    action: EmploymentContractAction,
    ending: Option<Ending<'_>>,
) -> AppResult<Checked<employment_contract::Model>> {
    let Some(peek) = tx.get::<employment_contract::Entity>(id).await? else {
        return Ok(refuse("id", E::NotFound, "no such employment contract"));
    };
    // Lock order: the employee, then the contract, as everywhere in HR.
    let Some(emp) = super::lock_employee(tx, peek.employee_id).await? else {
        return Ok(refuse("id", E::NotFound, "no such employee"));
    };
    let Some(row) = tx.get_for_update::<employment_contract::Entity>(id).await? else {
        return Ok(refuse("id", E::NotFound, "no such employment contract"));
    };
    crate::services::access::check_version(row.version, expected_version)?;
    if let Err(e) = transition::<_, E>(state(&row), action) {
        return Ok(Err(vec![e]));
    }
    match action {
        EmploymentContractAction::Start => {
            if emp.status == "left" {
                return Ok(refuse("id", E::EmployeeInactive, "the employee has left"));
            }
            if row.start_date < emp.hire_date {
                return Ok(refuse(
                    "id",
                    E::BeforeHire,
                    format!("the employee was hired on {}", emp.hire_date),
                ));
            }
            if let Some(current) = running(tx, row.employee_id).await? {
                // A renewal ends what it renews the day before it starts.
                let Some(prev_end) = row.start_date.pred_opt() else {
                    return Ok(refuse("id", E::Invalid, "no day before the start"));
                };
                if row.renewal_of_id != Some(current.id) {
                    return Ok(refuse(
                        "id",
                        E::ContractRunning,
                        format!("{} is running; end it first (or renew it)", current.number),
                    ));
                }
                if prev_end < current.start_date {
                    return Ok(refuse(
                        "id",
                        E::Invalid,
                        "the renewal starts after the contract it renews",
                    ));
                }
                // It ends on its own end date when that comes first (a gap between the two).
                let end = current.end_date.map_or(prev_end, |e| e.min(prev_end));
                apply(tx, actor, &current, EmploymentContractAction::End, |am| {
                    am.end_date = Set(Some(end));
                    am.end_reason = Set(Some(format!("renewed by {}", row.number)));
                })
                .await?;
            }
            // Contracts that took effect never overlap: each day has one contract's terms.
            let ended = super::calendar::contracts_in(
                tx,
                row.employee_id,
                row.start_date,
                row.end_date
                    .unwrap_or(NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or_default()),
            )
            .await?;
            if let Some(c) = ended.iter().find(|c| c.id != row.id) {
                return Ok(refuse(
                    "id",
                    E::Overlap,
                    format!("{} covers some of these days", c.number),
                ));
            }
            Ok(Ok(apply(tx, actor, &row, action, |_| {}).await?))
        }
        EmploymentContractAction::End => {
            let Some(ending) = ending else {
                return Ok(refuse("endDate", E::Required, "the last day"));
            };
            if ending.end_date < row.start_date {
                return Ok(refuse("endDate", E::Invalid, "ends on or after its start"));
            }
            let reason = ending.reason.trim();
            if reason.is_empty() {
                return Ok(refuse("reason", E::Required, "why it ends"));
            }
            if reason.chars().count() > 500 {
                return Ok(refuse("reason", E::TooLong, "at most 500 characters"));
            }
            Ok(Ok(apply(tx, actor, &row, action, |am| {
                am.end_date = Set(Some(ending.end_date));
                am.end_reason = Set(Some(reason.to_owned()));
            })
            .await?))
        }
        EmploymentContractAction::Cancel => Ok(Ok(apply(tx, actor, &row, action, |_| {}).await?)),
    }
}
