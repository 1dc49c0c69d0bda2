-- Custom SQL migration file, put your code below! --
-- Derived dedupe keys (Xero, Intuit's legacy format) become the provider's prefix and 128 bits
-- of the SHA-256 of the key they replace, as webhooks/events.ts derives them from now on, so a
-- redelivery of an event stored before this migration is still recognised.
UPDATE "webhook_event"
SET "dedupe_key" = split_part("dedupe_key", ':', 1) || ':' || left(translate(encode(sha256(convert_to("dedupe_key", 'UTF8')), 'base64'), '+/', '-_'), 22)
WHERE ("provider" = 'xero' AND "dedupe_key" LIKE 'xero:%:%') OR ("provider" = 'quickbooks' AND "dedupe_key" LIKE 'qbo:%:%');
