CREATE TABLE "webhook_delivery" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"provider" "provider" NOT NULL,
	"body_sha256" text NOT NULL,
	"raw_body" "bytea" NOT NULL,
	"headers" jsonb NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"event_count" integer DEFAULT 0 NOT NULL,
	"status" "webhook_status" DEFAULT 'received' NOT NULL,
	"error" text
);
--> statement-breakpoint
DROP INDEX "webhook_event_status_idx";--> statement-breakpoint
ALTER TABLE "webhook_event" ADD COLUMN "delivery_id" uuid NOT NULL;--> statement-breakpoint
ALTER TABLE "webhook_event" ADD COLUMN "account_ref" text NOT NULL;--> statement-breakpoint
ALTER TABLE "webhook_event" ADD COLUMN "entity" text NOT NULL;--> statement-breakpoint
ALTER TABLE "webhook_event" ADD COLUMN "entity_id" text NOT NULL;--> statement-breakpoint
ALTER TABLE "webhook_event" ADD COLUMN "operation" text NOT NULL;--> statement-breakpoint
ALTER TABLE "webhook_event" ADD COLUMN "occurred_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "webhook_event" ADD COLUMN "payload" jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "webhook_event" ADD COLUMN "next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "webhook_delivery_body_uq" ON "webhook_delivery" USING btree ("provider","body_sha256");--> statement-breakpoint
CREATE INDEX "webhook_delivery_status_idx" ON "webhook_delivery" USING btree ("status","received_at");--> statement-breakpoint
ALTER TABLE "webhook_event" ADD CONSTRAINT "webhook_event_delivery_id_webhook_delivery_id_fk" FOREIGN KEY ("delivery_id") REFERENCES "public"."webhook_delivery"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "webhook_event_account_idx" ON "webhook_event" USING btree ("provider","account_ref","status");--> statement-breakpoint
CREATE INDEX "webhook_event_status_idx" ON "webhook_event" USING btree ("status","next_attempt_at");