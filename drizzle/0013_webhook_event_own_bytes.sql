ALTER TABLE "webhook_event" ALTER COLUMN "delivery_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "webhook_event" ADD COLUMN "raw_body" "bytea";--> statement-breakpoint
ALTER TABLE "webhook_event" ADD COLUMN "headers" jsonb;--> statement-breakpoint
ALTER TABLE "webhook_event" ADD CONSTRAINT "webhook_event_bytes_ck" CHECK ("webhook_event"."delivery_id" is not null or ("webhook_event"."raw_body" is not null and "webhook_event"."headers" is not null));