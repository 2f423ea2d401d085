-- 001: the organisation, its people and the campaigns they work in.

-- Org units form a tree: district -> street office or department -> community or village.
-- path is the chain of ids from the root, "/1/4/17/", so a unit's subtree is one range scan.
CREATE TABLE units (
    id         INTEGER PRIMARY KEY,
    code       TEXT NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 32),
    name       TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    kind       TEXT NOT NULL CHECK (kind IN ('district', 'street', 'department', 'community', 'village')),
    parent_id  INTEGER REFERENCES units (id),
    path       TEXT NOT NULL,
    sort       INTEGER NOT NULL DEFAULT 0,
    active     INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
);
CREATE INDEX units_parent ON units (parent_id);
CREATE INDEX units_path ON units (path);

CREATE TABLE users (
    id             INTEGER PRIMARY KEY,
    login          TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(login) BETWEEN 2 AND 64),
    name           TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
    phone          TEXT NOT NULL DEFAULT '',
    role           TEXT NOT NULL CHECK (role IN ('staff', 'reviewer', 'supervisor', 'admin')),
    unit_id        INTEGER NOT NULL REFERENCES units (id),
    password_hash  TEXT NOT NULL,
    active         INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at     TEXT NOT NULL
);
CREATE INDEX users_unit ON users (unit_id);

-- A campaign (e.g. the water-affairs "双月攻坚" action) and its dated phases. Phases may
-- overlap. kind 'rectify' marks the rectification phase whose end is the default deadline.
CREATE TABLE campaigns (
    id       INTEGER PRIMARY KEY,
    code     TEXT NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 32),
    name     TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    unit_id  INTEGER NOT NULL REFERENCES units (id),
    active   INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
);

CREATE TABLE campaign_phases (
    id           INTEGER PRIMARY KEY,
    campaign_id  INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    seq          INTEGER NOT NULL,
    name         TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('self_check', 'rectify', 'verify', 'consolidate', 'other')),
    start_date   TEXT NOT NULL CHECK (date(start_date) = start_date),
    end_date     TEXT NOT NULL CHECK (date(end_date) = end_date),
    due_note     TEXT NOT NULL DEFAULT '',
    CHECK (start_date <= end_date),
    UNIQUE (campaign_id, seq)
);
