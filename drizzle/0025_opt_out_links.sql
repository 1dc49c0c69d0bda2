CREATE TABLE "opt_out_link" (
	"digest" text PRIMARY KEY NOT NULL,
	"contact_id" uuid NOT NULL,
	"firm_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "opt_out_link" ADD CONSTRAINT "opt_out_link_contact_id_contact_id_fk" FOREIGN KEY ("contact_id") REFERENCES "public"."contact"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "opt_out_link" ADD CONSTRAINT "opt_out_link_firm_id_firm_id_fk" FOREIGN KEY ("firm_id") REFERENCES "public"."firm"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "opt_out_link_contact_idx" ON "opt_out_link" USING btree ("contact_id");