-- 021: the working-day calendar (SPEC section 8). A year's holiday notice is stored as its
-- exceptions to Monday–Friday: weekdays off (off = 1) and weekend days worked (off = 0), each
-- with the holiday's name; calendar_years says which years are in, so that a year without a
-- row is counted Monday–Friday and said to be an estimate. A change to either counts
-- catalog_version up (009), so that every connection's kept calendar is rebuilt.
CREATE TABLE calendar_years (
    year        INTEGER PRIMARY KEY CHECK (year BETWEEN 2000 AND 2099),
    source      TEXT NOT NULL,
    loaded_at   TEXT NOT NULL,
    exceptions  INTEGER NOT NULL
);
CREATE TABLE calendar_days (
    day   TEXT PRIMARY KEY CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]'),
    off   INTEGER NOT NULL CHECK (off IN (0, 1)),
    name  TEXT NOT NULL
) WITHOUT ROWID;
CREATE TRIGGER calendar_years_catalog_insert AFTER INSERT ON calendar_years BEGIN UPDATE catalog_version SET v = v + 1; END;
CREATE TRIGGER calendar_years_catalog_update AFTER UPDATE ON calendar_years BEGIN UPDATE catalog_version SET v = v + 1; END;
CREATE TRIGGER calendar_years_catalog_delete AFTER DELETE ON calendar_years BEGIN UPDATE catalog_version SET v = v + 1; END;
