-- Custom SQL migration file, put your code below! --
-- A ledger's link at its provider (a Xero connection id) is kept under a provider-neutral key:
-- services read settings.connectionRef whichever provider holds the ledger.
UPDATE "ledger"
SET "settings" = ("settings" - 'xeroConnectionRef') || jsonb_build_object('connectionRef', "settings" -> 'xeroConnectionRef')
WHERE "settings" ? 'xeroConnectionRef';
