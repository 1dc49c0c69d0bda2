CREATE TABLE "provider_lease" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"provider" "provider" NOT NULL,
	"tenant" text COLLATE "C" NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "provider_pace" (
	"provider" "provider" NOT NULL,
	"tenant" text COLLATE "C" NOT NULL,
	"tat" timestamp with time zone NOT NULL,
	CONSTRAINT "provider_pace_provider_tenant_pk" PRIMARY KEY("provider","tenant")
);
--> statement-breakpoint
CREATE INDEX "provider_lease_tenant_idx" ON "provider_lease" USING btree ("provider","tenant");