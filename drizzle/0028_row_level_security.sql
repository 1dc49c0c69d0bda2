ALTER TABLE "audit_log" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "cadence_policy" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "collection_state" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "contact_state" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "opt_out_link" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "connection" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "contact" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "credit_note" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "api_token" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "firm" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "invite" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "membership" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "agency" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "handoff" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "handoff_event" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "invoice" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "ledger" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "membership_ledger" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "payment" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "message" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "reminder" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "reminder_item" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "history_import" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "history_invoice" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "risk_model" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "risk_score" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "sync_cursor" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "oauth_state" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "session" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "credit_alert" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "credit_limit" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "forecast_snapshot" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "outbound_delivery" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "webhook_endpoint" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "invoice_hold" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "ledger_note" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "firm_isolation" ON "audit_log" AS PERMISSIVE FOR ALL TO public USING ("audit_log"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid) WITH CHECK ("audit_log"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "firm_isolation" ON "cadence_policy" AS PERMISSIVE FOR ALL TO public USING ("cadence_policy"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid) WITH CHECK ("cadence_policy"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "firm_isolation" ON "collection_state" AS PERMISSIVE FOR ALL TO public USING ("collection_state"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid) WITH CHECK ("collection_state"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "firm_isolation" ON "contact_state" AS PERMISSIVE FOR ALL TO public USING ("contact_state"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid) WITH CHECK ("contact_state"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "firm_isolation" ON "opt_out_link" AS PERMISSIVE FOR ALL TO public USING ("opt_out_link"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid) WITH CHECK ("opt_out_link"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "firm_isolation" ON "connection" AS PERMISSIVE FOR ALL TO public USING ("connection"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid) WITH CHECK ("connection"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "firm_isolation" ON "contact" AS PERMISSIVE FOR ALL TO public USING ("contact"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid) WITH CHECK ("contact"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "firm_isolation" ON "credit_note" AS PERMISSIVE FOR ALL TO public USING ("credit_note"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid) WITH CHECK ("credit_note"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "firm_isolation" ON "api_token" AS PERMISSIVE FOR ALL TO public USING ("api_token"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid) WITH CHECK ("api_token"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "firm_isolation" ON "firm" AS PERMISSIVE FOR ALL TO public USING ("firm"."id" = nullif(current_setting('overdue.firm_id', true), '')::uuid) WITH CHECK ("firm"."id" = nullif(current_setting('overdue.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "firm_isolation" ON "invite" AS PERMISSIVE FOR ALL TO public USING ("invite"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid) WITH CHECK ("invite"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "firm_isolation" ON "membership" AS PERMISSIVE FOR ALL TO public USING ("membership"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid) WITH CHECK ("membership"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "firm_isolation" ON "agency" AS PERMISSIVE FOR ALL TO public USING ("agency"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid) WITH CHECK ("agency"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "firm_isolation" ON "handoff" AS PERMISSIVE FOR ALL TO public USING ("handoff"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid) WITH CHECK ("handoff"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "firm_isolation" ON "handoff_event" AS PERMISSIVE FOR ALL TO public USING ("handoff_event"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid) WITH CHECK ("handoff_event"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "firm_isolation" ON "invoice" AS PERMISSIVE FOR ALL TO public USING ("invoice"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid) WITH CHECK ("invoice"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "firm_isolation" ON "ledger" AS PERMISSIVE FOR ALL TO public USING ("ledger"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid) WITH CHECK ("ledger"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "firm_isolation" ON "membership_ledger" AS PERMISSIVE FOR ALL TO public USING ("membership_ledger"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid) WITH CHECK ("membership_ledger"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "firm_isolation" ON "payment" AS PERMISSIVE FOR ALL TO public USING ("payment"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid) WITH CHECK ("payment"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "firm_isolation" ON "message" AS PERMISSIVE FOR ALL TO public USING ("message"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid) WITH CHECK ("message"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "firm_isolation" ON "reminder" AS PERMISSIVE FOR ALL TO public USING ("reminder"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid) WITH CHECK ("reminder"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "firm_isolation" ON "reminder_item" AS PERMISSIVE FOR ALL TO public USING ("reminder_item"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid) WITH CHECK ("reminder_item"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "firm_isolation" ON "history_import" AS PERMISSIVE FOR ALL TO public USING ("history_import"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid) WITH CHECK ("history_import"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "firm_isolation" ON "history_invoice" AS PERMISSIVE FOR ALL TO public USING ("history_invoice"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid) WITH CHECK ("history_invoice"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "firm_isolation" ON "risk_model" AS PERMISSIVE FOR ALL TO public USING ("risk_model"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid) WITH CHECK ("risk_model"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "firm_isolation" ON "risk_score" AS PERMISSIVE FOR ALL TO public USING ("risk_score"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid) WITH CHECK ("risk_score"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "firm_isolation" ON "sync_cursor" AS PERMISSIVE FOR ALL TO public USING ("sync_cursor"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid) WITH CHECK ("sync_cursor"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "firm_isolation" ON "oauth_state" AS PERMISSIVE FOR ALL TO public USING ("oauth_state"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid) WITH CHECK ("oauth_state"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "firm_isolation" ON "session" AS PERMISSIVE FOR ALL TO public USING ("session"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid) WITH CHECK ("session"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "firm_isolation" ON "credit_alert" AS PERMISSIVE FOR ALL TO public USING ("credit_alert"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid) WITH CHECK ("credit_alert"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "firm_isolation" ON "credit_limit" AS PERMISSIVE FOR ALL TO public USING ("credit_limit"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid) WITH CHECK ("credit_limit"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "firm_isolation" ON "forecast_snapshot" AS PERMISSIVE FOR ALL TO public USING ("forecast_snapshot"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid) WITH CHECK ("forecast_snapshot"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "firm_isolation" ON "outbound_delivery" AS PERMISSIVE FOR ALL TO public USING ("outbound_delivery"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid) WITH CHECK ("outbound_delivery"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "firm_isolation" ON "webhook_endpoint" AS PERMISSIVE FOR ALL TO public USING ("webhook_endpoint"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid) WITH CHECK ("webhook_endpoint"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "firm_isolation" ON "invoice_hold" AS PERMISSIVE FOR ALL TO public USING ("invoice_hold"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid) WITH CHECK ("invoice_hold"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "firm_isolation" ON "ledger_note" AS PERMISSIVE FOR ALL TO public USING ("ledger_note"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid) WITH CHECK ("ledger_note"."firm_id" = nullif(current_setting('overdue.firm_id', true), '')::uuid);