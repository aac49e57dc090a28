//! Access control: the roles a tenant defines for itself, and partner apps with their API keys.

pub mod api_key;
pub mod app;
pub mod identity_provider;
pub mod invitation;
pub mod role;

crate::tenant_scoped!(role, "CustomRole");
crate::tenant_scoped!(app, "App");
crate::tenant_scoped!(api_key, "ApiKey");
crate::tenant_scoped!(identity_provider, "IdentityProvider");
crate::tenant_scoped!(invitation, "Invitation");
