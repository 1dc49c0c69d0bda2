ALTER TABLE "webhook_delivery" ALTER COLUMN "body_sha256" SET DATA TYPE text COLLATE "C";--> statement-breakpoint
ALTER TABLE "webhook_event" ALTER COLUMN "dedupe_key" SET DATA TYPE text COLLATE "C";--> statement-breakpoint
ALTER TABLE "webhook_event" ALTER COLUMN "account_ref" SET DATA TYPE text COLLATE "C";