"""Expense claims: receipts, mileage, attestation, approval and export to bookkeeping."""
