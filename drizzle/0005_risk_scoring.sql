CREATE TABLE "history_import" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"firm_id" uuid NOT NULL,
	"ledger_id" uuid NOT NULL,
	"filename" text,
	"rows" integer NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "history_invoice" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"firm_id" uuid NOT NULL,
	"ledger_id" uuid NOT NULL,
	"import_id" uuid NOT NULL,
	"customer_ref" text NOT NULL,
	"invoice_ref" text NOT NULL,
	"issue_date" date NOT NULL,
	"due_date" date NOT NULL,
	"amount" numeric(19, 4) NOT NULL,
	"currency" text,
	"paid_date" date,
	"disputed" boolean DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE TABLE "risk_model" (
	"ledger_id" uuid PRIMARY KEY NOT NULL,
	"firm_id" uuid NOT NULL,
	"version" text NOT NULL,
	"params" jsonb NOT NULL,
	"fitted_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "history_import" ADD CONSTRAINT "history_import_firm_id_firm_id_fk" FOREIGN KEY ("firm_id") REFERENCES "public"."firm"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "history_import" ADD CONSTRAINT "history_import_ledger_id_ledger_id_fk" FOREIGN KEY ("ledger_id") REFERENCES "public"."ledger"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "history_invoice" ADD CONSTRAINT "history_invoice_firm_id_firm_id_fk" FOREIGN KEY ("firm_id") REFERENCES "public"."firm"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "history_invoice" ADD CONSTRAINT "history_invoice_ledger_id_ledger_id_fk" FOREIGN KEY ("ledger_id") REFERENCES "public"."ledger"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "history_invoice" ADD CONSTRAINT "history_invoice_import_id_history_import_id_fk" FOREIGN KEY ("import_id") REFERENCES "public"."history_import"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "risk_model" ADD CONSTRAINT "risk_model_ledger_id_ledger_id_fk" FOREIGN KEY ("ledger_id") REFERENCES "public"."ledger"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "risk_model" ADD CONSTRAINT "risk_model_firm_id_firm_id_fk" FOREIGN KEY ("firm_id") REFERENCES "public"."firm"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "history_invoice_ledger_ref_uq" ON "history_invoice" USING btree ("ledger_id","invoice_ref");--> statement-breakpoint
CREATE INDEX "history_invoice_customer_idx" ON "history_invoice" USING btree ("ledger_id","customer_ref");--> statement-breakpoint
CREATE INDEX "risk_score_ledger_idx" ON "risk_score" USING btree ("ledger_id","subject_type","p_late");