-- Marks (where each granule starts in each column file) are loaded into the mark cache the
-- first time a query reads that column of that part. A trace opened by id reads ~60 columns
-- in the one part that holds it, so each trace in a part not read before paid for loading
-- ~60 mark files: 85-100 ms for a first read at 10M spans against ~25 ms with marks cached.
-- With prewarm_mark_cache, parts load their marks when they are written or merged and when
-- the store opens (200 ms and ~20 MB for `spans` at 10M spans), so no read waits for them.
ALTER TABLE spans MODIFY SETTING prewarm_mark_cache = 1;
ALTER TABLE traces MODIFY SETTING prewarm_mark_cache = 1;
ALTER TABLE scores MODIFY SETTING prewarm_mark_cache = 1;
