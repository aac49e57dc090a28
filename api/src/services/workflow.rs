//! State machines: each document workflow declares its states and transitions once, with
//! [`state_machine!`], and every status change goes through [`transition`]. Status is never a
//! writable field; transitions are mutations, and an illegal one is a payload error
//! (`ILLEGAL_TRANSITION`) that names the current state.

use std::fmt::Debug;

use entity::{TenantScoped, TenantTx};
use sea_orm::{ActiveModelBehavior, ActiveModelTrait, IntoActiveModel};
use uuid::Uuid;

use crate::error::{AppResult, InputError};
use crate::graphql::resource::ErrorCodes;

/// Changes one row of any tenant-owned entity in one audited update: `change` sets its columns
/// (a new status, a flag), and the row moves to the next version with who and when, recorded as
/// `action` (a transition's past tense: `approved`, `validated`). Every workflow transition and
/// every single-row bookkeeping change of the domain services goes through here.
pub async fn advance<E, A>(
    tx: &TenantTx,
    actor: Option<Uuid>,
    row: &E::Model,
    action: &str,
    change: impl FnOnce(&mut A),
) -> AppResult<E::Model>
where
    E: TenantScoped,
    E::Model: Clone + IntoActiveModel<A>,
    A: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Send,
{
    let version = crate::graphql::resource::version::<E>(row)?;
    let mut am = row.clone().into_active_model();
    change(&mut am);
    crate::graphql::resource::stamp_update::<E, A>(&mut am, version, actor)?;
    Ok(tx.update_as::<E, A>(am, action).await?)
}

/// A workflow's states and its transitions between them.
pub trait StateMachine: Copy + Eq + Debug + Send + Sync + 'static {
    /// The transitions (`Submit`, `Approve`, ...).
    type Action: Copy + Eq + Debug + Send + Sync + 'static;
    /// What the document is called in messages (`purchase request`).
    const WHAT: &'static str;
    /// Every transition, in declaration order.
    const ACTIONS: &'static [Self::Action];
    /// The state an action leads to from this one; `None` when it is not allowed here.
    fn next(self, action: Self::Action) -> Option<Self>;
    /// The state as stored and shown (`TO_APPROVE`).
    fn name(self) -> &'static str;
    /// The action as a verb (`submit`).
    fn verb(action: Self::Action) -> &'static str;
    /// The action in the past tense, as the event verb (`submitted`).
    fn past(action: Self::Action) -> &'static str;

    /// The actions allowed from this state.
    fn allowed(self) -> Vec<Self::Action> {
        Self::ACTIONS
            .iter()
            .copied()
            .filter(|a| self.next(*a).is_some())
            .collect()
    }
}

/// The codes of a domain whose documents have workflows.
pub trait WorkflowCodes: ErrorCodes {
    /// The transition is not allowed from the document's current state.
    const ILLEGAL_TRANSITION: Self;
}

/// The state `action` leads to from `current`, or the payload error naming the current state.
pub fn transition<S: StateMachine, C: WorkflowCodes>(
    current: S,
    action: S::Action,
) -> Result<S, InputError<C>> {
    current.next(action).ok_or_else(|| {
        InputError::new(
            "id",
            C::ILLEGAL_TRANSITION,
            format!(
                "cannot {} a {} that is {}",
                S::verb(action),
                S::WHAT,
                current.name()
            ),
        )
    })
}

/// Declares a workflow: its state enum (stored as lower-case text, shown in SCREAMING_CASE), its
/// action enum, and the one table of allowed transitions.
///
/// ```ignore
/// state_machine! {
///     /// The states of a purchase request.
///     PurchaseRequestState / PurchaseRequestAction for "purchase request" {
///         states { /// Being written. Draft = "draft", ... }
///         transitions { /// Send it for approval. Submit "submitted": [Draft] => ToApprove, ... }
///     }
/// }
/// ```
#[macro_export]
macro_rules! state_machine {
    (
        $(#[doc = $doc:literal])+
        $state:ident / $action:ident for $what:literal {
            states { $( $(#[doc = $sdoc:literal])+ $s:ident = $db:literal ),+ $(,)? }
            transitions { $( $(#[doc = $adoc:literal])+ $a:ident $past:literal : [$($from:ident),+] => $to:ident ),+ $(,)? }
        }
    ) => {
        $(#[doc = $doc])+
        #[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq, Debug)]
        pub enum $state {
            $( $(#[doc = $sdoc])+ $s, )+
        }

        #[doc = concat!("The transitions of a ", $what, ".")]
        #[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq, Debug)]
        pub enum $action {
            $( $(#[doc = $adoc])+ $a, )+
        }

        impl $state {
            /// The state as stored.
            pub fn db(self) -> &'static str {
                match self { $( Self::$s => $db, )+ }
            }

            /// The stored state; `None` for text that is no state.
            pub fn from_db(text: &str) -> Option<Self> {
                match text { $( $db => Some(Self::$s), )+ _ => None }
            }
        }

        impl $crate::graphql::listing::DbEnum for $state {
            fn db(self) -> &'static str {
                $state::db(self)
            }
        }

        impl $crate::services::workflow::StateMachine for $state {
            type Action = $action;
            const WHAT: &'static str = $what;
            const ACTIONS: &'static [$action] = &[ $( $action::$a, )+ ];

            fn next(self, action: $action) -> Option<Self> {
                match action {
                    $( $action::$a => matches!(self, $( Self::$from )|+).then_some(Self::$to), )+
                }
            }

            fn name(self) -> &'static str {
                match self { $( Self::$s => paste::paste!(stringify!([<$s:snake:upper>])), )+ }
            }

            fn verb(action: $action) -> &'static str {
                match action { $( $action::$a => paste::paste!(stringify!([<$a:snake>])), )+ }
            }

            fn past(action: $action) -> &'static str {
                match action { $( $action::$a => $past, )+ }
            }
        }
    };
}
