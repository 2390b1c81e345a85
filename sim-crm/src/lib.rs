//! sim-crm
