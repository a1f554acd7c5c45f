-- Uploaded import files live in the database, not on the node that took
-- the upload: any node can run or resume the job. Chunks 1.. hold the
-- bytes in order; chunk 0 marks an upload stored whole (its data is the
-- chunk count).
CREATE TABLE import_files (
  job_id TEXT NOT NULL REFERENCES import_jobs(id) ON DELETE CASCADE,
  upload TEXT NOT NULL,
  n      INTEGER NOT NULL,
  data   BYTEA NOT NULL,
  PRIMARY KEY (job_id, upload, n)
);
ALTER TABLE import_jobs ADD COLUMN active INTEGER NOT NULL DEFAULT 0;
CREATE INDEX import_jobs_active ON import_jobs(active, seq) WHERE active = 1;
