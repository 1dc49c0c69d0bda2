ALTER TABLE "contact" ADD COLUMN "parent_external_id" text;--> statement-breakpoint
ALTER TABLE "invoice" ADD COLUMN "bill_email" text;