ALTER TABLE "handoff" ADD COLUMN "reference" text;--> statement-breakpoint
ALTER TABLE "handoff" ADD COLUMN "origin" text DEFAULT 'user' NOT NULL;--> statement-breakpoint
ALTER TABLE "handoff" ADD COLUMN "agency_ref" text;--> statement-breakpoint
ALTER TABLE "handoff" ADD COLUMN "delivery_attempts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "handoff" ADD COLUMN "next_attempt_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "handoff" ADD COLUMN "last_error" text;--> statement-breakpoint
ALTER TABLE "handoff" ADD COLUMN "ended_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "handoff_event" ADD COLUMN "dedupe_key" text;--> statement-breakpoint
CREATE INDEX "handoff_delivery_idx" ON "handoff" USING btree ("next_attempt_at");--> statement-breakpoint
CREATE UNIQUE INDEX "handoff_active_uq" ON "handoff" USING btree ("contact_id","currency") WHERE status in ('pending_approval', 'sent', 'acknowledged', 'collecting');--> statement-breakpoint
CREATE UNIQUE INDEX "handoff_event_dedupe_uq" ON "handoff_event" USING btree ("handoff_id","dedupe_key");