-- 035: the outside channels whose tickets can be 漏报 leads (SPEC section 12: 12345, the
-- environmental hotline and platform, letters and visits), a row's mark rather than a list in
-- code; and a filing being stored: a large filing's items go in by parts so that the writer
-- keeps serving between them (filing.c), and it counts only once its last part is in.
ALTER TABLE sources ADD COLUMN outside INTEGER NOT NULL DEFAULT 0 CHECK (outside IN (0, 1));
UPDATE sources SET outside = 1 WHERE code IN ('hotline12345', 'env_hotline', 'eco_platform', 'letters_visits');
ALTER TABLE filings ADD COLUMN pending INTEGER NOT NULL DEFAULT 0 CHECK (pending IN (0, 1));
-- The leads' reading: a street's outside-channel tickets of a campaign by their day received.
CREATE INDEX tickets_received ON tickets (campaign_id, received_on) WHERE received_on IS NOT NULL;
