ALTER TABLE "contact_state" ADD COLUMN "opt_out_token" text;--> statement-breakpoint
ALTER TABLE "reminder" ADD COLUMN "template_key" text DEFAULT 'neutral' NOT NULL;--> statement-breakpoint
ALTER TABLE "reminder" ADD COLUMN "kind" text DEFAULT 'email' NOT NULL;--> statement-breakpoint
ALTER TABLE "contact_state" ADD CONSTRAINT "contact_state_opt_out_token_unique" UNIQUE("opt_out_token");