ALTER TABLE "risk_score" ADD COLUMN "pay_date_from" date;--> statement-breakpoint
ALTER TABLE "risk_score" ADD COLUMN "pay_date_to" date;--> statement-breakpoint
ALTER TABLE "risk_score" ADD COLUMN "p_paid_within_90" numeric(5, 4);