-- 003: the problem ledger: taxonomies, tickets, their progress, evidence and callbacks,
-- and full-text search.

CREATE TABLE sources (
    id      INTEGER PRIMARY KEY,
    code    TEXT NOT NULL UNIQUE,
    name    TEXT NOT NULL,
    sort    INTEGER NOT NULL DEFAULT 0,
    active  INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE categories (
    id      INTEGER PRIMARY KEY,
    code    TEXT NOT NULL UNIQUE,
    name    TEXT NOT NULL,
    sort    INTEGER NOT NULL DEFAULT 0,
    active  INTEGER NOT NULL DEFAULT 1
);
-- Domains form a tree; a domain may name the unit usually responsible for it.
CREATE TABLE domains (
    id               INTEGER PRIMARY KEY,
    code             TEXT NOT NULL UNIQUE,
    name             TEXT NOT NULL,
    parent_id        INTEGER REFERENCES domains (id),
    default_unit_id  INTEGER REFERENCES units (id),
    sort             INTEGER NOT NULL DEFAULT 0,
    active           INTEGER NOT NULL DEFAULT 1
);

-- The directives' vocabulary (seeds 000-004).
INSERT INTO sources (code, name, sort) VALUES
    ('hotline12345', '12345政务服务热线', 1),
    ('env_hotline', '省环保督查热线', 2),
    ('eco_platform', '全国生态环境信访投诉举报管理平台', 3),
    ('letters_visits', '群众来信来访', 4),
    ('self_inspection', '自查走访', 5),
    ('survey_feedback', '满意度调查反馈', 6),
    ('undercover', '暗访', 7),
    ('style_hotline', '政风行风热线', 8),
    ('opinion_platform', '民意收集平台', 9),
    ('other', '其他', 10);
INSERT INTO categories (code, name, sort) VALUES
    ('complaint', '投诉举报', 1), ('consultation', '咨询', 2), ('suggestion', '建议', 3);
INSERT INTO domains (code, name, sort) VALUES
    ('water', '水务', 1), ('environment', '生态环境', 2), ('survey', '基本公共服务', 3), ('livelihood', '民生服务', 4);
INSERT INTO domains (code, name, parent_id, sort) VALUES
    ('rural_water', '农村供水保障', (SELECT id FROM domains WHERE code = 'water'), 1),
    ('river_lake', '河湖管护', (SELECT id FROM domains WHERE code = 'water'), 2),
    ('urban_water', '城市供水服务', (SELECT id FROM domains WHERE code = 'water'), 3),
    ('air', '大气', (SELECT id FROM domains WHERE code = 'environment'), 1),
    ('water_pollution', '水污染', (SELECT id FROM domains WHERE code = 'environment'), 2),
    ('industrial_noise', '工业噪声', (SELECT id FROM domains WHERE code = 'environment'), 3),
    ('solid_waste', '固体废物', (SELECT id FROM domains WHERE code = 'environment'), 4),
    ('rural_sewage', '农村生活污水', (SELECT id FROM domains WHERE code = 'environment'), 5),
    ('gov_efficiency', '政府办事效率和服务态度', (SELECT id FROM domains WHERE code = 'survey'), 1),
    ('education', '教育', (SELECT id FROM domains WHERE code = 'survey'), 2),
    ('employment', '就业', (SELECT id FROM domains WHERE code = 'survey'), 3),
    ('social_security', '社会保障', (SELECT id FROM domains WHERE code = 'survey'), 4),
    ('medical', '医疗', (SELECT id FROM domains WHERE code = 'survey'), 5),
    ('income', '收入', (SELECT id FROM domains WHERE code = 'survey'), 6),
    ('living_env', '居住环境', (SELECT id FROM domains WHERE code = 'survey'), 7),
    ('public_security', '社会治安', (SELECT id FROM domains WHERE code = 'survey'), 8),
    ('food_safety', '食品安全', (SELECT id FROM domains WHERE code = 'survey'), 9),
    ('old_housing', '老旧小区改造', (SELECT id FROM domains WHERE code = 'livelihood'), 1),
    ('property_service', '物业服务', (SELECT id FROM domains WHERE code = 'livelihood'), 2),
    ('wage_arrears', '农民工欠薪', (SELECT id FROM domains WHERE code = 'livelihood'), 3);

-- The next sequence number of ticket codes per owning unit and year: codes are never reused.
CREATE TABLE ticket_seq (
    unit_id  INTEGER NOT NULL REFERENCES units (id),
    year     INTEGER NOT NULL,
    next     INTEGER NOT NULL,
    PRIMARY KEY (unit_id, year)
) WITHOUT ROWID;

CREATE TABLE tickets (
    id                   INTEGER PRIMARY KEY,
    code                 TEXT NOT NULL UNIQUE,
    campaign_id          INTEGER REFERENCES campaigns (id),
    source_id            INTEGER NOT NULL REFERENCES sources (id),
    source_ref           TEXT,
    category_id          INTEGER NOT NULL REFERENCES categories (id),
    domain_id            INTEGER NOT NULL REFERENCES domains (id),
    title                TEXT NOT NULL,
    description          TEXT NOT NULL DEFAULT '',
    location_unit_id     INTEGER REFERENCES units (id),
    address              TEXT NOT NULL DEFAULT '',
    reporter_name        TEXT NOT NULL DEFAULT '',
    reporter_phone       TEXT NOT NULL DEFAULT '',
    unit_id              INTEGER NOT NULL REFERENCES units (id),
    responsible_unit_id  INTEGER NOT NULL REFERENCES units (id),
    responsible_person   TEXT NOT NULL DEFAULT '',
    responsible_phone    TEXT NOT NULL DEFAULT '',
    urgency              TEXT NOT NULL CHECK (urgency IN ('urgent', 'normal', 'complex')),
    urgency_rank         INTEGER NOT NULL,            -- urgent 0, complex 1, normal 2: lists sort urgent first
    measures             TEXT NOT NULL DEFAULT '',
    requirement          TEXT NOT NULL DEFAULT '',
    deadline             TEXT NOT NULL CHECK (date(deadline) = deadline),
    original_deadline    TEXT NOT NULL CHECK (date(original_deadline) = original_deadline),
    commitment           TEXT NOT NULL DEFAULT '',
    interim_measures     TEXT NOT NULL DEFAULT '',
    status               TEXT NOT NULL CHECK (status IN ('open', 'rectifying', 'verifying', 'closed')),
    return_count         INTEGER NOT NULL DEFAULT 0,
    unsatisfied_count    INTEGER NOT NULL DEFAULT 0,
    callback_count       INTEGER NOT NULL DEFAULT 0,
    color                TEXT CHECK (color IN ('green', 'yellow', 'red')),
    supervised           INTEGER NOT NULL DEFAULT 0,
    relapsed             INTEGER NOT NULL DEFAULT 0,
    extension_deadline   TEXT,                        -- a pending extension request
    extension_reason     TEXT,
    last_progress_on     TEXT NOT NULL,               -- date of the latest progress note (or creation)
    closed_on            TEXT,
    created_at           TEXT NOT NULL,
    created_by           INTEGER REFERENCES users (id),
    updated_at           TEXT NOT NULL,
    version              INTEGER NOT NULL DEFAULT 1,
    unit_path            TEXT NOT NULL,               -- copies of the units' paths, for scope filters
    responsible_path     TEXT NOT NULL
);
CREATE UNIQUE INDEX tickets_source_ref ON tickets (source_id, source_ref) WHERE source_ref IS NOT NULL AND source_ref <> '';
CREATE INDEX tickets_order ON tickets (urgency_rank, deadline, id);
CREATE INDEX tickets_status ON tickets (status, urgency_rank, deadline, id);
CREATE INDEX tickets_unit ON tickets (unit_id, urgency_rank, deadline, id);
CREATE INDEX tickets_responsible ON tickets (responsible_unit_id, urgency_rank, deadline, id);
CREATE INDEX tickets_unit_path ON tickets (unit_path);
CREATE INDEX tickets_responsible_path ON tickets (responsible_path);
CREATE INDEX tickets_repeat ON tickets (location_unit_id, domain_id, created_at);
CREATE INDEX tickets_domain ON tickets (domain_id);

CREATE TABLE progress (
    id         INTEGER PRIMARY KEY,
    ticket_id  INTEGER NOT NULL REFERENCES tickets (id),
    on_date    TEXT NOT NULL,
    at         TEXT NOT NULL,
    author_id  INTEGER REFERENCES users (id),
    kind       TEXT NOT NULL DEFAULT 'progress' CHECK (kind IN ('progress', 'statement', 'verification')),
    note       TEXT NOT NULL
);
CREATE INDEX progress_ticket ON progress (ticket_id, id);

CREATE TABLE attachments (
    id           INTEGER PRIMARY KEY,
    ticket_id    INTEGER NOT NULL REFERENCES tickets (id),
    sha256       TEXT NOT NULL,
    name         TEXT NOT NULL,
    mime         TEXT NOT NULL,
    size         INTEGER NOT NULL,
    has_thumb    INTEGER NOT NULL DEFAULT 0,
    at           TEXT NOT NULL,
    uploaded_by  INTEGER REFERENCES users (id)
);
CREATE INDEX attachments_ticket ON attachments (ticket_id);

CREATE TABLE callbacks (
    id         INTEGER PRIMARY KEY,
    ticket_id  INTEGER NOT NULL REFERENCES tickets (id),
    at         TEXT NOT NULL,
    by_id      INTEGER REFERENCES users (id),
    result     TEXT NOT NULL CHECK (result IN ('satisfied', 'basically_satisfied', 'unsatisfied')),
    method     TEXT NOT NULL CHECK (method IN ('phone', 'visit', 'sms', 'other')),
    note       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX callbacks_ticket ON callbacks (ticket_id);

-- Repeat complaints: the same location and domain within 90 days.
CREATE TABLE ticket_links (
    ticket_id  INTEGER NOT NULL REFERENCES tickets (id),
    other_id   INTEGER NOT NULL REFERENCES tickets (id),
    reason     TEXT NOT NULL,
    PRIMARY KEY (ticket_id, other_id)
) WITHOUT ROWID;

-- Full text over titles, descriptions and progress notes; the trigram tokenizer finds Chinese
-- words of three characters or more through the index (shorter ones by a scan).
CREATE VIRTUAL TABLE tickets_fts USING fts5 (title, description, notes, tokenize = 'trigram');
