//! Permissions and the built-in roles.
//!
//! A permission is one domain action (view, manage or approve in an area). Roles are named sets
//! of permissions: eighteen are built in, and tenants define their own (`entity::access::role`).
//! The whole list is declared once, in the [`permissions!`] table below, with each permission's
//! area and meaning; the schema's descriptions come from it.

use async_graphql::Enum;

macro_rules! permissions {
    ($( $area:literal => { $( $(#[doc = $doc:literal])+ $name:ident ),+ $(,)? } )+) => {
        /// What a principal may do: one value per domain action. Built-in and tenant-defined roles
        /// are named sets of these.
        #[derive(
            Enum, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize,
            serde::Deserialize,
        )]
        pub enum Permission {
            $( $( $(#[doc = $doc])+ $name, )+ )+
        }

        impl Permission {
            /// Every permission, in declaration order.
            pub const ALL: &'static [Permission] = &[ $( $( Permission::$name, )+ )+ ];

            /// The area (domain) the permission belongs to.
            pub fn area(self) -> &'static str {
                match self { $( $( Permission::$name => $area, )+ )+ }
            }

            /// What the permission allows, in one sentence.
            pub fn description(self) -> &'static str {
                match self { $( $( Permission::$name => concat!($($doc),+).trim_ascii(), )+ )+ }
            }
        }
    };
}

permissions! {
    "platform" => {
        /// Read the tenant's settings.
        ViewTenant,
        /// Change the tenant's settings.
        ManageTenant,
        /// Invite members, suspend them and assign their roles.
        ManageMembers,
        /// Define the tenant's own roles.
        ManageRoles,
        /// Create partner apps and their API keys.
        ManageApps,
        /// Read the audit trail of every change.
        ViewAuditTrail,
        /// Read the log of who read which personal data.
        ViewPersonalDataAccessLog,
        /// Use GraphiQL and schema introspection.
        ExploreSchema,
        /// Register webhooks.
        ManageWebhooks,
        /// Submit one's own requests (expenses, leave, travel, purchases) for approval.
        SubmitRequests,
        /// Define approval rules, set delegations for anyone, and see every approval.
        ManageApprovalRules,
    }
    "organisation" => {
        /// Read organisation units and cost centres.
        ViewOrganisation,
        /// Create and change organisation units and cost centres.
        ManageOrganisation,
        /// Read the core employee records (the directory).
        ViewEmployees,
        /// Create and change the core employee records.
        ManageEmployees,
        /// Read customers, suppliers and other parties.
        ViewParties,
        /// Create and change parties.
        ManageParties,
    }
    "accounting" => {
        /// Read the chart of accounts, journals and journal entries.
        ViewLedger,
        /// Draft journal entries and maintain the chart of accounts.
        ManageLedger,
        /// Post journal entries (posted entries are immutable).
        PostJournalEntries,
        /// Read customer invoices and supplier bills.
        ViewInvoices,
        /// Draft and post invoices, bills and credit notes.
        ManageInvoices,
        /// Approve invoices and bills.
        ApproveInvoices,
        /// Read payments and bank reconciliations.
        ViewPayments,
        /// Record payments and reconcile bank transactions.
        ManagePayments,
        /// Read budgets and budget-versus-actual.
        ViewBudgets,
        /// Set budgets.
        ManageBudgets,
        /// Read every expense claim (one's own are always readable).
        ViewExpenses,
        /// Approve expense claims of others.
        ApproveExpenses,
        /// Read fixed assets and depreciation.
        ViewFixedAssets,
        /// Register, depreciate and dispose of fixed assets.
        ManageFixedAssets,
        /// Lock periods and close fiscal years.
        ClosePeriods,
        /// Read financial statements and reports.
        ViewFinancialReports,
    }
    "hr" => {
        /// Read HR records beyond the directory: contracts, positions, grades.
        ViewHr,
        /// Maintain HR records, contracts and offboarding.
        ManageHr,
        /// Read requisitions, openings and applicants.
        ViewRecruiting,
        /// Run recruiting: openings, applicants, interviews, offers, onboarding.
        ManageRecruiting,
        /// Read attendance and leave of everyone.
        ViewAttendance,
        /// Correct attendance and manage leave allocations.
        ManageAttendance,
        /// Record check-ins and check-outs for anyone (time clocks and devices).
        RecordTimeEvents,
        /// Approve leave requests.
        ApproveLeave,
        /// Read payroll runs and payslips of everyone.
        ViewPayroll,
        /// Prepare payroll runs and salary structures.
        ManagePayroll,
        /// Approve and post payroll runs.
        ApprovePayroll,
        /// Read performance cycles and reviews.
        ViewPerformance,
        /// Run performance cycles and training.
        ManagePerformance,
    }
    "sensitive" => {
        /// Read pay (wages, salary components) of others.
        ViewPay,
        /// Read bank account numbers of others.
        ViewBankAccounts,
        /// Read national ID numbers (My Number) of others.
        ViewNationalIds,
        /// Read health-check and stress-check results of others (occupational health only).
        ViewHealthResults,
        /// Record health checks and stress checks and their results (occupational health only).
        ManageHealthChecks,
        /// Read the identity of whistleblowers.
        ViewWhistleblowerIdentity,
    }
    "it" => {
        /// Read IT assets and software licenses.
        ViewItAssets,
        /// Manage IT assets, assignments and licenses.
        ManageItAssets,
        /// Read every helpdesk ticket (one's own are always readable).
        ViewTickets,
        /// Work tickets, incidents and problems.
        ManageTickets,
        /// Approve changes.
        ApproveChanges,
        /// Read security risks and incidents.
        ViewSecurity,
        /// Manage security risks, controls and incidents.
        ManageSecurity,
    }
    "supply_chain" => {
        /// Read items, warehouses and stock.
        ViewInventory,
        /// Move stock, run transfers and production orders.
        ManageInventory,
        /// Read and manage shipments and carriers.
        ManageShipments,
    }
    "purchasing" => {
        /// Read purchase requests, RFQs, orders and receipts.
        ViewPurchasing,
        /// Run purchasing: requests, RFQs, orders, receipts and supplier evaluation.
        ManagePurchasing,
        /// Approve purchase orders.
        ApprovePurchaseOrders,
    }
    "legal" => {
        /// Read contracts and obligations.
        ViewContracts,
        /// Manage contracts, renewals and obligations.
        ManageContracts,
        /// Read and manage legal matters, IP rights and corporate entities.
        ManageLegalMatters,
        /// Read and manage compliance programmes and internal rules.
        ManageCompliance,
        /// Handle whistleblowing reports (without the reporter's identity).
        HandleWhistleblowing,
    }
    "secretariat" => {
        /// Read calendars, meetings and rooms.
        ViewCalendars,
        /// Arrange meetings, rooms, minutes, visitors and correspondence.
        ManageMeetings,
        /// Approve travel requests.
        ApproveTravel,
    }
    "facilities" => {
        /// Read sites, spaces, equipment and work orders.
        ViewFacilities,
        /// Manage facilities, maintenance, inspections and work orders.
        ManageFacilities,
    }
    "general_affairs" => {
        /// Read the shareholder register and company events.
        ViewShareholders,
        /// Maintain the shareholder register, shareholder meetings and company events.
        ManageShareholders,
    }
}

/// The built-in roles.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BuiltinRole {
    /// Everything in the tenant except the most sensitive personal data.
    TenantAdmin,
    /// Read-only access to everything that is not sensitive, including the audit trail.
    Auditor,
    /// Runs finance: ledger, invoices, payments, budgets, close.
    FinanceManager,
    /// Day-to-day bookkeeping.
    Accountant,
    /// Runs HR, recruiting and performance.
    HrManager,
    /// Day-to-day HR work.
    HrStaff,
    /// Runs payroll, with access to pay and bank data.
    PayrollAdmin,
    /// Runs IT assets, tickets, changes and security.
    ItAdmin,
    /// Works helpdesk tickets.
    HelpdeskAgent,
    /// Runs inventory, production and shipments.
    SupplyChainManager,
    /// Moves stock.
    WarehouseStaff,
    /// Runs purchasing and approves purchase orders.
    PurchasingManager,
    /// Buys.
    Buyer,
    /// Contracts and legal matters.
    LegalCounsel,
    /// Compliance programmes and whistleblowing.
    ComplianceOfficer,
    /// Calendars, meetings, travel and visitors.
    Secretary,
    /// Sites, equipment and maintenance.
    FacilityManager,
    /// Self-service: the directory, one's own requests and records.
    Employee,
}

impl BuiltinRole {
    /// Every built-in role.
    pub const ALL: [BuiltinRole; 18] = [
        BuiltinRole::TenantAdmin,
        BuiltinRole::Auditor,
        BuiltinRole::FinanceManager,
        BuiltinRole::Accountant,
        BuiltinRole::HrManager,
        BuiltinRole::HrStaff,
        BuiltinRole::PayrollAdmin,
        BuiltinRole::ItAdmin,
        BuiltinRole::HelpdeskAgent,
        BuiltinRole::SupplyChainManager,
        BuiltinRole::WarehouseStaff,
        BuiltinRole::PurchasingManager,
        BuiltinRole::Buyer,
        BuiltinRole::LegalCounsel,
        BuiltinRole::ComplianceOfficer,
        BuiltinRole::Secretary,
        BuiltinRole::FacilityManager,
        BuiltinRole::Employee,
    ];

    /// The key stored in memberships: `tenant_admin`, `hr_manager`, ...
    pub fn key(self) -> String {
        snake(&format!("{self:?}"))
    }

    /// Finds a built-in role by key.
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.key() == key)
    }

    /// The permissions the role grants.
    pub fn permissions(self) -> Vec<Permission> {
        use Permission::*;
        let base = [
            ViewTenant,
            ViewOrganisation,
            ViewEmployees,
            SubmitRequests,
            ViewCalendars,
        ];
        let extra: &[Permission] = match self {
            BuiltinRole::TenantAdmin => {
                return Permission::ALL
                    .iter()
                    .copied()
                    .filter(|p| {
                        !matches!(
                            p,
                            ViewHealthResults | ManageHealthChecks | ViewWhistleblowerIdentity
                        )
                    })
                    .collect();
            }
            BuiltinRole::Auditor => {
                return Permission::ALL
                    .iter()
                    .copied()
                    .filter(|p| {
                        p.area() != "sensitive"
                            && (permission_name(*p).starts_with("VIEW_") || *p == ExploreSchema)
                    })
                    .collect();
            }
            BuiltinRole::FinanceManager => &[
                ViewParties,
                ManageParties,
                ViewLedger,
                ManageLedger,
                PostJournalEntries,
                ViewInvoices,
                ManageInvoices,
                ApproveInvoices,
                ViewPayments,
                ManagePayments,
                ViewBudgets,
                ManageBudgets,
                ViewExpenses,
                ApproveExpenses,
                ViewFixedAssets,
                ManageFixedAssets,
                ClosePeriods,
                ViewFinancialReports,
                ViewPurchasing,
                ViewContracts,
                ExploreSchema,
            ],
            BuiltinRole::Accountant => &[
                ViewParties,
                ManageParties,
                ViewLedger,
                ManageLedger,
                PostJournalEntries,
                ViewInvoices,
                ManageInvoices,
                ViewPayments,
                ManagePayments,
                ViewBudgets,
                ViewExpenses,
                ViewFixedAssets,
                ManageFixedAssets,
                ViewFinancialReports,
            ],
            BuiltinRole::HrManager => &[
                ManageEmployees,
                ViewHr,
                ManageHr,
                ViewRecruiting,
                ManageRecruiting,
                ViewAttendance,
                ManageAttendance,
                RecordTimeEvents,
                ApproveLeave,
                ViewPayroll,
                ViewPerformance,
                ManagePerformance,
                ViewPay,
                ExploreSchema,
            ],
            BuiltinRole::HrStaff => &[
                ManageEmployees,
                ViewHr,
                ViewRecruiting,
                ManageRecruiting,
                ViewAttendance,
                ManageAttendance,
                RecordTimeEvents,
                ViewPerformance,
            ],
            BuiltinRole::PayrollAdmin => &[
                ViewHr,
                ViewAttendance,
                ViewPayroll,
                ManagePayroll,
                ApprovePayroll,
                ViewPay,
                ViewBankAccounts,
                ViewNationalIds,
                ViewLedger,
            ],
            BuiltinRole::ItAdmin => &[
                ViewItAssets,
                ManageItAssets,
                ViewTickets,
                ManageTickets,
                ApproveChanges,
                ViewSecurity,
                ManageSecurity,
                ExploreSchema,
            ],
            BuiltinRole::HelpdeskAgent => &[ViewItAssets, ViewTickets, ManageTickets],
            BuiltinRole::SupplyChainManager => &[
                ViewParties,
                ViewInventory,
                ManageInventory,
                ManageShipments,
                ViewPurchasing,
            ],
            BuiltinRole::WarehouseStaff => &[ViewInventory, ManageInventory],
            BuiltinRole::PurchasingManager => &[
                ViewParties,
                ManageParties,
                ViewPurchasing,
                ManagePurchasing,
                ApprovePurchaseOrders,
                ViewInventory,
                ViewContracts,
                ViewBudgets,
            ],
            BuiltinRole::Buyer => &[ViewParties, ViewPurchasing, ManagePurchasing, ViewInventory],
            BuiltinRole::LegalCounsel => &[
                ViewParties,
                ViewContracts,
                ManageContracts,
                ManageLegalMatters,
                ManageCompliance,
            ],
            BuiltinRole::ComplianceOfficer => &[
                ViewContracts,
                ManageCompliance,
                HandleWhistleblowing,
                ViewAuditTrail,
                ViewPersonalDataAccessLog,
            ],
            BuiltinRole::Secretary => &[ManageMeetings, ApproveTravel, ViewShareholders],
            BuiltinRole::FacilityManager => &[ViewFacilities, ManageFacilities, ViewParties],
            BuiltinRole::Employee => &[],
        };
        let mut all: Vec<Permission> = base.iter().chain(extra).copied().collect();
        all.sort();
        all.dedup();
        all
    }
}

/// The SCREAMING_CASE name of a permission, as in the schema.
/// The permissions a set of role keys grants: built-in roles by key, the tenant's own roles from
/// `custom` (keys without a row there, or of archived roles, grant nothing).
pub fn granted_by(
    roles: &[String],
    custom: &[entity::access::role::Model],
) -> std::collections::BTreeSet<Permission> {
    roles
        .iter()
        .filter_map(|r| BuiltinRole::from_key(r))
        .flat_map(|r| r.permissions())
        .chain(
            custom
                .iter()
                .filter(|c| c.archived_at.is_none() && roles.contains(&c.key))
                .flat_map(|c| {
                    c.permissions
                        .0
                        .iter()
                        .filter_map(|p| permission_from_name(p))
                }),
        )
        .collect()
}

pub fn permission_name(p: Permission) -> String {
    snake(&format!("{p:?}")).to_ascii_uppercase()
}

/// Finds a permission by its schema name (`VIEW_LEDGER`).
pub fn permission_from_name(name: &str) -> Option<Permission> {
    Permission::ALL
        .iter()
        .copied()
        .find(|p| permission_name(*p) == name)
}

fn snake(camel: &str) -> String {
    let mut out = String::with_capacity(camel.len() + 4);
    for (i, ch) in camel.chars().enumerate() {
        if ch.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(ch.to_ascii_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for p in Permission::ALL {
            assert_eq!(permission_from_name(&permission_name(*p)), Some(*p));
            assert!(!p.description().is_empty());
        }
        assert_eq!(
            permission_name(Permission::ManageOrganisation),
            "MANAGE_ORGANISATION"
        );
        for r in BuiltinRole::ALL {
            assert_eq!(BuiltinRole::from_key(&r.key()), Some(r));
        }
        assert_eq!(BuiltinRole::HrManager.key(), "hr_manager");
    }

    #[test]
    fn sensitive_data_is_not_granted_broadly() {
        let health = |r: BuiltinRole| {
            let p = r.permissions();
            p.contains(&Permission::ViewHealthResults)
                || p.contains(&Permission::ManageHealthChecks)
        };
        assert!(
            BuiltinRole::ALL.iter().all(|r| !health(*r)),
            "only tenant-defined occupational-health roles"
        );
        assert!(
            !BuiltinRole::Auditor
                .permissions()
                .iter()
                .any(|p| p.area() == "sensitive")
        );
        assert!(
            BuiltinRole::PayrollAdmin
                .permissions()
                .contains(&Permission::ViewBankAccounts)
        );
        assert!(
            !BuiltinRole::Employee
                .permissions()
                .contains(&Permission::ViewPay)
        );
        assert!(
            BuiltinRole::Auditor
                .permissions()
                .contains(&Permission::ViewAuditTrail)
        );
        assert!(
            !BuiltinRole::Auditor
                .permissions()
                .iter()
                .any(|p| permission_name(*p).starts_with("MANAGE_"))
        );
    }
}
