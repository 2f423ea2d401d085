-- 033: sealed ledgers (报送, SPEC section 12). A filing is a street's tickets of a campaign as
-- they stood when it filed: each ticket's content hash over its canonical form (filing.h), a
-- Merkle root over them in code order, the server's Ed25519 signature of the root, on time or
-- late against the phase's end. `ledger filing-verify` checks them against the ledger.
CREATE TABLE filings (
    id            INTEGER PRIMARY KEY,
    unit_id       INTEGER NOT NULL REFERENCES units (id),
    campaign_id   INTEGER NOT NULL REFERENCES campaigns (id),
    phase         TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('ledger', 'progress')),
    filed_at      TEXT NOT NULL,
    filed_by      INTEGER REFERENCES users (id),
    due           TEXT NOT NULL,
    on_time       INTEGER NOT NULL CHECK (on_time IN (0, 1)),
    ticket_count  INTEGER NOT NULL,
    root          TEXT NOT NULL,
    signature     TEXT NOT NULL,
    fingerprint   TEXT NOT NULL
);
CREATE INDEX filings_unit ON filings (unit_id, campaign_id);

CREATE TABLE filing_items (
    filing_id  INTEGER NOT NULL REFERENCES filings (id),
    code       TEXT NOT NULL,
    ticket_id  INTEGER NOT NULL,
    version    INTEGER NOT NULL,
    hash       TEXT NOT NULL,
    PRIMARY KEY (filing_id, code)
) WITHOUT ROWID;

-- 补报: a self-found ticket (a source marked self_found: 自查走访, 暗访) logged for a campaign
-- after its street filed the ledger for that campaign. Marked when logged, never after: a
-- filing does not make the tickets it sealed late.
ALTER TABLE sources ADD COLUMN self_found INTEGER NOT NULL DEFAULT 0 CHECK (self_found IN (0, 1));
UPDATE sources SET self_found = 1 WHERE code IN ('self_inspection', 'undercover');
ALTER TABLE tickets ADD COLUMN supplement INTEGER NOT NULL DEFAULT 0 CHECK (supplement IN (0, 1));
CREATE INDEX tickets_supplement ON tickets (created_at) WHERE supplement = 1;
CREATE TRIGGER tickets_supplement AFTER INSERT ON tickets
WHEN NEW.campaign_id IS NOT NULL AND (SELECT self_found FROM sources WHERE id = NEW.source_id) = 1
BEGIN
    UPDATE tickets SET supplement = 1
     WHERE id = NEW.id AND EXISTS (SELECT 1 FROM filings f JOIN units u ON u.id = f.unit_id
                                    WHERE f.kind = 'ledger' AND f.campaign_id = NEW.campaign_id
                                      AND substr(NEW.unit_path, 1, length(u.path)) = u.path
                                      AND f.filed_at <= NEW.created_at);
END;
