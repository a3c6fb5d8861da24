-- Figures 统计: dues collected in a period on the books of a subtree (org_path range, then the
-- date paid) read from the index alone.
CREATE INDEX dues_payments_books ON dues_payments(org_path, paid_on, month, amount_fen);
