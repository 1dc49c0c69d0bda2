ALTER TABLE "ledger" ADD COLUMN "status_reason" text;--> statement-breakpoint
ALTER TABLE "ledger" ADD COLUMN "status_changed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "ledger" ADD COLUMN "paused_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "ledger" ADD COLUMN "pause_reason" text;