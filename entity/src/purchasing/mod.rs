//! Purchasing: purchase requests (RFQs, orders and receipts come later).

pub mod purchase_request;

crate::tenant_scoped!(purchase_request, "PurchaseRequest");
