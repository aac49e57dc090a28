//! The shared kernel every domain uses: document numbering.

pub mod idempotency_key;
pub mod number_format;
pub mod number_sequence;

crate::tenant_scoped!(number_format, "DocumentNumberFormat");
crate::tenant_scoped!(idempotency_key, "IdempotencyKey", unaudited);
crate::tenant_scoped!(number_sequence, "NumberSequence", unaudited);
