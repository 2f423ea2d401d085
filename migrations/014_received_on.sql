-- 014: 受理日期, the day the outside channel (12345, the environmental hotline, letters and
-- visits) received the problem, as the channel gives it (SPEC section 12: the 漏报 leads
-- compare it with a street's filing). Given on the form, the API or the import; none for
-- tickets logged before.
ALTER TABLE tickets ADD COLUMN received_on TEXT CHECK (received_on IS NULL OR date(received_on) = received_on);
