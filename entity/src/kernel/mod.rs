//! The shared kernel every domain uses: document numbering, the outbox and its deliveries,
//! notifications, and approvals.

pub mod approval_delegation;
pub mod approval_request;
pub mod approval_rule;
pub mod approval_task;
pub mod idempotency_key;
pub mod notification;
pub mod number_format;
pub mod number_sequence;
pub mod outbox_event;
pub mod persisted_operation;
pub mod webhook_delivery;
pub mod webhook_endpoint;

crate::tenant_scoped!(number_format, "DocumentNumberFormat");
crate::tenant_scoped!(idempotency_key, "IdempotencyKey", unaudited);
crate::tenant_scoped!(number_sequence, "NumberSequence", unaudited);
crate::tenant_scoped!(outbox_event, "OutboxEvent", unaudited);
// A URL can carry a token, so the audit trail records only that it changed.
crate::tenant_scoped!(
    webhook_endpoint,
    "WebhookEndpoint",
    sensitive = ["secret", "url"]
);
crate::tenant_scoped!(webhook_delivery, "WebhookDelivery", unaudited);
// A notification is its recipient's: the audit trail and events record that it changed, not
// what it says.
crate::tenant_scoped!(notification, "Notification", sensitive = ["title", "body"]);
crate::tenant_scoped!(persisted_operation, "PersistedOperation");
crate::tenant_scoped!(approval_rule, "ApprovalRule");
crate::tenant_scoped!(approval_request, "ApprovalRequest");
crate::tenant_scoped!(approval_task, "ApprovalTask");
crate::tenant_scoped!(approval_delegation, "ApprovalDelegation");
