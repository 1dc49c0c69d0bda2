ALTER TABLE "webhook_event" DROP CONSTRAINT "webhook_event_firm_id_firm_id_fk";
--> statement-breakpoint
ALTER TABLE "webhook_event" DROP CONSTRAINT "webhook_event_ledger_id_ledger_id_fk";
--> statement-breakpoint
ALTER TABLE "webhook_event" DROP COLUMN "firm_id";--> statement-breakpoint
ALTER TABLE "webhook_event" DROP COLUMN "ledger_id";--> statement-breakpoint
ALTER TABLE "webhook_event" DROP COLUMN "raw_body";--> statement-breakpoint
ALTER TABLE "webhook_event" DROP COLUMN "headers";