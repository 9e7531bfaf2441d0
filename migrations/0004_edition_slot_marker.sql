-- The marker an edition's per-reader slots carry ([[MARKER:name]]), drawn when it is rendered so no
-- article text can form a slot. Editions stored before have none (NULL) and keep the [[name]] form.
ALTER TABLE editions ADD COLUMN slot_marker TEXT;
