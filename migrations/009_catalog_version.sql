-- 009: a counter that moves whenever the catalog a page's choices come from changes (units,
-- domains, sources, categories, campaigns), so that those choices can be kept between requests
-- and rebuilt only when it moves.
CREATE TABLE catalog_version (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    v   INTEGER NOT NULL
);
INSERT INTO catalog_version (id, v) VALUES (1, 0);
CREATE TRIGGER units_catalog_insert AFTER INSERT ON units BEGIN UPDATE catalog_version SET v = v + 1; END;
CREATE TRIGGER units_catalog_update AFTER UPDATE ON units BEGIN UPDATE catalog_version SET v = v + 1; END;
CREATE TRIGGER units_catalog_delete AFTER DELETE ON units BEGIN UPDATE catalog_version SET v = v + 1; END;
CREATE TRIGGER domains_catalog_insert AFTER INSERT ON domains BEGIN UPDATE catalog_version SET v = v + 1; END;
CREATE TRIGGER domains_catalog_update AFTER UPDATE ON domains BEGIN UPDATE catalog_version SET v = v + 1; END;
CREATE TRIGGER domains_catalog_delete AFTER DELETE ON domains BEGIN UPDATE catalog_version SET v = v + 1; END;
CREATE TRIGGER sources_catalog_insert AFTER INSERT ON sources BEGIN UPDATE catalog_version SET v = v + 1; END;
CREATE TRIGGER sources_catalog_update AFTER UPDATE ON sources BEGIN UPDATE catalog_version SET v = v + 1; END;
CREATE TRIGGER sources_catalog_delete AFTER DELETE ON sources BEGIN UPDATE catalog_version SET v = v + 1; END;
CREATE TRIGGER categories_catalog_insert AFTER INSERT ON categories BEGIN UPDATE catalog_version SET v = v + 1; END;
CREATE TRIGGER categories_catalog_update AFTER UPDATE ON categories BEGIN UPDATE catalog_version SET v = v + 1; END;
CREATE TRIGGER categories_catalog_delete AFTER DELETE ON categories BEGIN UPDATE catalog_version SET v = v + 1; END;
CREATE TRIGGER campaigns_catalog_insert AFTER INSERT ON campaigns BEGIN UPDATE catalog_version SET v = v + 1; END;
CREATE TRIGGER campaigns_catalog_update AFTER UPDATE ON campaigns BEGIN UPDATE catalog_version SET v = v + 1; END;
CREATE TRIGGER campaigns_catalog_delete AFTER DELETE ON campaigns BEGIN UPDATE catalog_version SET v = v + 1; END;
