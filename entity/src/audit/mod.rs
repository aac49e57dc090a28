//! The audit trail: one append-only entry per change, written by the tenancy seam in the same
//! transaction as the change.

pub mod entry;

crate::tenant_scoped!(entry, "AuditEntry");
