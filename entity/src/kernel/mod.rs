//! The shared kernel every domain uses: document numbering.

pub mod idempotency_key;
pub mod number_format;
pub mod number_sequence;
pub mod outbox_event;

crate::tenant_scoped!(number_format, "DocumentNumberFormat");
crate::tenant_scoped!(idempotency_key, "IdempotencyKey", unaudited);
crate::tenant_scoped!(number_sequence, "NumberSequence", unaudited);
crate::tenant_scoped!(outbox_event, "OutboxEvent", unaudited);
