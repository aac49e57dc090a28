//! Document-number formats in the schema: a tenant setting per document type.

use crate::graphql::list::List;
use async_graphql::{Context, InputObject, Object, SimpleObject};
use chrono::Utc;

use crate::error::{AppError, GqlResult, InputError};
use crate::graphql::core::{ContextExt, settle};
use crate::permissions::Permission;
use crate::services::numbering::{self, DocumentType};
use crate::services::tenants::PlatformErrorCode;

/// How one document type is numbered.
#[derive(SimpleObject)]
pub struct DocumentNumberFormat {
    /// The document type.
    pub document_type: DocumentType,
    /// The format, e.g. `INV-{YYYY}-{SEQ:6}`.
    pub format: String,
    /// Whether this is the built-in default (the tenant has not set its own).
    pub is_default: bool,
    /// What a number in this format looks like today (an example; no number is taken).
    pub example: String,
}

/// A new format for one document type.
#[derive(InputObject)]
pub struct SetDocumentNumberFormatInput {
    /// The document type.
    pub document_type: DocumentType,
    /// Text with `{YYYY}`, `{YY}`, `{MM}` and exactly one `{SEQ}` or `{SEQ:n}`; the counter
    /// restarts when the period the format shows changes.
    pub format: String,
}

/// The result of `setDocumentNumberFormat`.
#[derive(SimpleObject)]
pub struct DocumentNumberFormatPayload {
    /// The format after the change; `null` when there were errors.
    pub document_number_format: Option<DocumentNumberFormat>,
    /// Problems with the input; empty on success. Nothing changes when there are any.
    pub errors: crate::graphql::list::List<InputError<PlatformErrorCode>>,
}

fn describe(doc: DocumentType, format: String) -> DocumentNumberFormat {
    DocumentNumberFormat {
        document_type: doc,
        is_default: format == doc.default_format(),
        example: numbering::render(&format, Utc::now().date_naive(), 1),
        format,
    }
}

/// The numbering queries.
#[derive(Default)]
pub struct NumberingQuery;

#[Object]
impl NumberingQuery {
    /// How each document type is numbered in this tenant. Needs `VIEW_TENANT`.
    async fn document_number_formats(
        &self,
        ctx: &Context<'_>,
    ) -> GqlResult<Vec<DocumentNumberFormat>> {
        let session = ctx.authorize(Permission::ViewTenant)?;
        let formats = session
            .db
            .read(async |tx| {
                let mut out = Vec::new();
                for doc in DocumentType::ALL {
                    out.push((
                        doc,
                        numbering::format_of(tx, doc)
                            .await
                            .map_err(|e| sea_orm::DbErr::Custom(e.message()))?,
                    ));
                }
                Ok(out)
            })
            .await
            .map_err(AppError::from)?;
        Ok(formats
            .into_iter()
            .map(|(doc, f)| describe(doc, f))
            .collect())
    }
}

/// The numbering mutations.
#[derive(Default)]
pub struct NumberingMutation;

#[Object]
impl NumberingMutation {
    /// Sets how a document type is numbered from now on; numbers already given keep theirs.
    /// Needs `MANAGE_TENANT`.
    async fn set_document_number_format(
        &self,
        ctx: &Context<'_>,
        input: SetDocumentNumberFormatInput,
    ) -> GqlResult<DocumentNumberFormatPayload> {
        let session = ctx.authorize(Permission::ManageTenant)?;
        let tx = session.begin_write(ctx).await?;
        let out = numbering::set_format(
            &tx,
            session.principal.actor_id,
            input.document_type,
            input.format.trim(),
        )
        .await?;
        let (format, errors) = settle(tx, out).await?;
        Ok(DocumentNumberFormatPayload {
            document_number_format: format.map(|f| describe(input.document_type, f)),
            errors: List(errors),
        })
    }
}
