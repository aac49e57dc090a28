//! Access control: the roles a tenant defines for itself.

pub mod role;

crate::tenant_scoped!(role, "CustomRole");
