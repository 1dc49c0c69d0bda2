-- Custom SQL migration file, put your code below! --
-- Links already sent carried the contact's one stored token: each keeps working as a digest
-- (hex SHA-256 of the token's UTF-8 bytes, as src/lib/secrets.ts computes it), and the plain
-- token leaves the database with the next migration.
INSERT INTO "opt_out_link" ("digest", "contact_id", "firm_id")
SELECT encode(sha256(convert_to("opt_out_token", 'UTF8')), 'hex'), "contact_id", "firm_id"
FROM "contact_state"
WHERE "opt_out_token" IS NOT NULL
ON CONFLICT DO NOTHING;
