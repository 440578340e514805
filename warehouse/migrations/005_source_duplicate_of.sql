-- 005: which article each development source is a syndicated copy of, so that an original read
-- after its copy (a copy published before it) is still counted once with it.
ALTER TABLE development_sources ADD COLUMN duplicate_of VARCHAR;   -- NULL: not a copy
