//! The audit trail: one append-only entry per change, written by the tenancy seam in the same
//! transaction as the change.

pub mod entry;
pub mod personal_data_access;

crate::tenant_scoped!(entry, "AuditEntry");
crate::tenant_scoped!(personal_data_access, "PersonalDataAccess", unaudited);
