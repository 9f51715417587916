-- spans.is_open: whether a span is still running (POST /api/spans without an end sets the
-- `spanhouse.span.open` attribute; the PATCH that ends it removes it), kept as a column of
-- its own that ClickHouse derives from the attributes on insert.
--
-- Every light span read (a trace by id, a span page) says whether each span is running.
-- Looked up in the attribute map, that read the map's keys and values for every row of
-- each granule it touched: at 10M spans, 18 of a span page's ~120 ms (one part, 51 spans;
-- see README "Storage"). The flag is one byte a row, compressed to almost nothing.
ALTER TABLE spans ADD COLUMN IF NOT EXISTS is_open Bool MATERIALIZED span_attributes['spanhouse.span.open'] = 'true';
ALTER TABLE spans MATERIALIZE COLUMN is_open SETTINGS mutations_sync = 2;
