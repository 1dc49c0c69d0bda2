ALTER TABLE "contact_state" DROP CONSTRAINT "contact_state_opt_out_token_unique";--> statement-breakpoint
ALTER TABLE "contact_state" DROP COLUMN "opt_out_token";