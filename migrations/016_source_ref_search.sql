-- 016: a 12345 工单号 (原工单号) is looked up by itself, exactly or by its first characters, from
-- any source: the unique index on (source, 原工单号) serves only a lookup that names the source.
CREATE INDEX tickets_source_ref_alone ON tickets (source_ref);
