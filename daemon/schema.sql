-- rotwatch database schema.
--
-- One SQLite file in WAL mode holds everything rotwatch knows.  The file is
-- tagged with PRAGMA application_id; PRAGMA user_version counts the
-- migrations applied.  Each "-- migration N" block below runs once, in its
-- own transaction, when a database is older than N; blocks are only ever
-- appended, never edited.  All times are INTEGER milliseconds since the Unix
-- epoch, UTC.

-- migration 1: sources, their tags and citations, checks and state changes
CREATE TABLE sources (
	id		INTEGER PRIMARY KEY,
	url		TEXT NOT NULL UNIQUE,	-- canonical form (see url.c)
	host		TEXT NOT NULL,		-- lowercase, punycode, no port
	added_at	INTEGER NOT NULL,
	interval_s	INTEGER,		-- NULL: [schedule] interval
	note		TEXT,			-- free text from "add --note"
	state		TEXT NOT NULL DEFAULT 'new',	-- new, up, down, error
	next_due	INTEGER NOT NULL,	-- when the next check is due
	fails		INTEGER NOT NULL DEFAULT 0,	-- consecutive failures
	last_check	INTEGER			-- checks.id of the latest check
);
CREATE INDEX sources_due ON sources (next_due, id);

CREATE TABLE source_tags (
	source_id	INTEGER NOT NULL REFERENCES sources (id)
			    ON DELETE CASCADE,
	tag		TEXT NOT NULL,
	PRIMARY KEY (source_id, tag)
) WITHOUT ROWID;
CREATE INDEX source_tags_tag ON source_tags (tag, source_id);

-- Where a source is cited: one row per endnote ('' when the URL was found
-- outside any numbered note), with the text of that note.
CREATE TABLE source_notes (
	source_id	INTEGER NOT NULL REFERENCES sources (id)
			    ON DELETE CASCADE,
	note		TEXT NOT NULL,
	citation	TEXT NOT NULL,
	PRIMARY KEY (source_id, note)
) WITHOUT ROWID;

-- One row per observation; never updated, never deleted.
CREATE TABLE checks (
	id		INTEGER PRIMARY KEY,
	source_id	INTEGER NOT NULL REFERENCES sources (id)
			    ON DELETE CASCADE,
	started_at	INTEGER NOT NULL,
	duration_ms	INTEGER NOT NULL,
	dns_ms		INTEGER,		-- phase times, from the start
	connect_ms	INTEGER,
	tls_ms		INTEGER,
	ttfb_ms		INTEGER,
	class		TEXT NOT NULL,		-- see check_class in types.h
	curl_code	INTEGER NOT NULL,
	error		TEXT,			-- reason, for failures
	http_status	INTEGER,		-- of the last response
	final_url	TEXT,
	redirects	INTEGER NOT NULL DEFAULT 0,
	hops		TEXT,			-- JSON [{"url":..,"status":..}]
	content_type	TEXT,
	body_bytes	INTEGER,		-- decompressed bytes read
	sha256		TEXT,			-- of the whole body, else NULL
	etag		TEXT,
	last_modified	TEXT,
	content_length	INTEGER,		-- as declared by the server
	retry_after	TEXT,
	ip		TEXT			-- address of the last connection
);
CREATE INDEX checks_source ON checks (source_id, id);

-- A source's state changed (state is derived from the check classes).
CREATE TABLE events (
	id		INTEGER PRIMARY KEY,
	source_id	INTEGER NOT NULL REFERENCES sources (id)
			    ON DELETE CASCADE,
	at		INTEGER NOT NULL,
	from_state	TEXT NOT NULL,
	to_state	TEXT NOT NULL,
	class		TEXT NOT NULL,
	check_id	INTEGER REFERENCES checks (id)
);
CREATE INDEX events_source ON events (source_id, id);

-- migration 2: the web archive: capture jobs and known snapshots
-- One row per decision to archive a URL.  state: queued (waiting for its
-- turn, or for a retry), submitting (sent; if we stop here, the archive is
-- asked before sending again), submitted (the archive gave a job id),
-- done (a snapshot is recorded) or failed (error says why, for good).
CREATE TABLE archive_jobs (
	id		INTEGER PRIMARY KEY,
	source_id	INTEGER NOT NULL REFERENCES sources (id)
			    ON DELETE CASCADE,
	url		TEXT NOT NULL,		-- what is archived
	reason		TEXT NOT NULL,		-- new, changed, every, moved,
						-- manual
	state		TEXT NOT NULL DEFAULT 'queued',
	sha256		TEXT,			-- body that led to the decision
	lookup_from	INTEGER,		-- ask CDX for a capture since
						-- this time before submitting
	queued_at	INTEGER NOT NULL,
	next_at		INTEGER NOT NULL,	-- next step due
	attempts	INTEGER NOT NULL DEFAULT 0,	-- submissions made
	job_id		TEXT,			-- the archive's
	submitted_at	INTEGER,
	status_ext	TEXT,			-- the archive's last error code
	error		TEXT,
	settled_at	INTEGER,
	snapshot_id	INTEGER,
	leased		INTEGER NOT NULL DEFAULT 0,	-- 1: a request is in flight
	verified	INTEGER NOT NULL DEFAULT 0	-- submitting: the index was
							-- asked since the last send
);
CREATE INDEX archive_jobs_due ON archive_jobs (state, next_at, id)
    WHERE state IN ('queued', 'submitting', 'submitted');
CREATE UNIQUE INDEX archive_jobs_open ON archive_jobs (url)
    WHERE state IN ('queued', 'submitting', 'submitted');
CREATE INDEX archive_jobs_source ON archive_jobs (source_id, id);

-- Snapshots of a source's URL (or of where it moved), ours and those the
-- archive's CDX index showed.
CREATE TABLE snapshots (
	id		INTEGER PRIMARY KEY,
	source_id	INTEGER NOT NULL REFERENCES sources (id)
			    ON DELETE CASCADE,
	url		TEXT NOT NULL,		-- the memento's address
	timestamp	TEXT NOT NULL,		-- 14 digits, UTC
	original_url	TEXT NOT NULL,		-- as the archive reports it
	origin		TEXT NOT NULL,		-- spn (ours) or cdx (found)
	job_id		TEXT,
	found_at	INTEGER NOT NULL
);
CREATE INDEX snapshots_source ON snapshots (source_id, timestamp);

-- The body hash of the source when it was last archived.
ALTER TABLE sources ADD COLUMN archived_sha256 TEXT;

-- migration 3: verdicts, text versions, probes and monitor health
-- A source's state is now a verdict: new, alive, moved, suspect, dead,
-- blocked, soft404 or parked (see rotwatch(1), "States").  A failing run is
-- the consecutive checks since the last alive, moved or blocked one that
-- failed, looked like a not-found page, or looked parked; it confirms the
-- verdict once it is long enough in checks and in time.
ALTER TABLE sources ADD COLUMN state_since INTEGER;
ALTER TABLE sources ADD COLUMN confirmed_at INTEGER;	-- dead/soft404/parked
ALTER TABLE sources ADD COLUMN run_first INTEGER;	-- checks.id opening the run
ALTER TABLE sources ADD COLUMN run_since INTEGER;	-- its time
ALTER TABLE sources ADD COLUMN run_n INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sources ADD COLUMN observed TEXT;	-- of the latest judged check
ALTER TABLE sources ADD COLUMN reason TEXT;	-- why it is in its state
ALTER TABLE sources ADD COLUMN moved_to TEXT;	-- moved: where
ALTER TABLE sources ADD COLUMN text_hash TEXT;	-- current text version
ALTER TABLE sources ADD COLUMN body_sha256 TEXT;	-- current body (binaries)
ALTER TABLE sources ADD COLUMN etag TEXT;	-- validators for conditional
ALTER TABLE sources ADD COLUMN last_modified TEXT;	-- requests
ALTER TABLE sources ADD COLUMN last_change INTEGER;	-- events.id
UPDATE sources SET state = CASE state WHEN 'up' THEN 'alive'
    WHEN 'down' THEN 'suspect' WHEN 'error' THEN 'new' ELSE state END;
UPDATE sources SET state_since = coalesce((SELECT max(at) FROM events
    WHERE events.source_id = sources.id), added_at);

-- What each check was judged to show, and the text version it carried.
ALTER TABLE checks ADD COLUMN observed TEXT;	-- alive, moved, blocked,
						-- fail, soft404, parked,
						-- local, offline
ALTER TABLE checks ADD COLUMN why TEXT;
ALTER TABLE checks ADD COLUMN text_hash TEXT;	-- versions.hash

-- Events: state changes, content changes and the monitor's own health.
-- proof holds the ids of the checks that show the change (a JSON array).
CREATE TABLE events_new (
	id		INTEGER PRIMARY KEY,
	source_id	INTEGER REFERENCES sources (id) ON DELETE CASCADE,
	at		INTEGER NOT NULL,
	type		TEXT NOT NULL,	-- state, changed, monitor_offline,
					-- monitor_online
	from_state	TEXT,
	to_state	TEXT,
	class		TEXT,		-- of the deciding check
	check_id	INTEGER REFERENCES checks (id),
	proof		TEXT,
	change		TEXT,		-- changed: minor or substantial
	similarity	REAL,		-- changed: 0..1, NULL for binaries
	from_version	TEXT,		-- changed: text hashes (or body
	to_version	TEXT,		-- SHA-256 for binaries)
	detail		TEXT
);
INSERT INTO events_new (id, source_id, at, type, from_state, to_state,
    class, check_id, proof)
    SELECT id, source_id, at, 'state',
	CASE from_state WHEN 'up' THEN 'alive' WHEN 'down' THEN 'suspect'
	    WHEN 'error' THEN 'new' ELSE from_state END,
	CASE to_state WHEN 'up' THEN 'alive' WHEN 'down' THEN 'suspect'
	    WHEN 'error' THEN 'new' ELSE to_state END,
	class, check_id, json_array(check_id) FROM events;
DROP TABLE events;
ALTER TABLE events_new RENAME TO events;
CREATE INDEX events_source ON events (source_id, id);
CREATE INDEX events_at ON events (at);

-- Each distinct text of a page, once: hash is the SHA-256 of its title
-- and text with volatile parts (dates, times, tokens, counters) removed;
-- text is the normalised text as first seen, zlib-compressed.
CREATE TABLE versions (
	hash		TEXT PRIMARY KEY,
	title		TEXT NOT NULL,
	text		BLOB NOT NULL,
	size		INTEGER NOT NULL,	-- uncompressed bytes
	first_seen	INTEGER NOT NULL
) WITHOUT ROWID;

-- What a site answers for a random path that cannot exist (soft-404
-- probe), one row per origin (scheme://host:port).
CREATE TABLE probes (
	origin		TEXT PRIMARY KEY,
	url		TEXT NOT NULL,
	probed_at	INTEGER NOT NULL,
	class		TEXT NOT NULL,
	http_status	INTEGER,
	final_url	TEXT,
	text_hash	TEXT			-- versions.hash, 2xx only
) WITHOUT ROWID;

-- The monitor's own health: one row.
CREATE TABLE monitor (
	id		INTEGER PRIMARY KEY CHECK (id = 1),
	state		TEXT NOT NULL,		-- online or offline
	since		INTEGER NOT NULL,
	event_id	INTEGER
);

-- migration 4: the alert outbox
-- One row per (event, channel) that must be told; written in the same
-- transaction as its event.  Delivery is at least once: a row becomes
-- 'sent' only after the receiver said 2xx, and uid lets it drop repeats.
CREATE TABLE alerts (
	id		INTEGER PRIMARY KEY,
	uid		TEXT NOT NULL UNIQUE,
	event_id	INTEGER NOT NULL REFERENCES events (id)
			    ON DELETE CASCADE,
	channel		TEXT NOT NULL,		-- [channel NAME]
	kind		TEXT NOT NULL,		-- dead, moved, blocked, soft404,
						-- parked, changed, minor,
						-- recovered, monitor
	state		TEXT NOT NULL DEFAULT 'pending',	-- or sent
	attempts	INTEGER NOT NULL DEFAULT 0,
	next_at		INTEGER NOT NULL,
	created_at	INTEGER NOT NULL,
	sent_at		INTEGER,
	error		TEXT			-- of the last failed try
);
CREATE INDEX alerts_due ON alerts (channel, next_at, id)
    WHERE state = 'pending';

-- migration 5: local WARC captures
-- The WARC records of a check: where its request and its response (or
-- revisit) records are, each a gzip member (file, offset, length) in the
-- WARC folder.
CREATE TABLE captures (
	check_id	INTEGER PRIMARY KEY REFERENCES checks (id)
			    ON DELETE CASCADE,
	source_id	INTEGER NOT NULL REFERENCES sources (id)
			    ON DELETE CASCADE,
	at		INTEGER NOT NULL,		-- its WARC-Date, ms
	kind		TEXT NOT NULL,			-- response or revisit
	file		TEXT NOT NULL,
	offset		INTEGER NOT NULL,
	length		INTEGER NOT NULL,
	record_id	TEXT NOT NULL,
	req_file	TEXT NOT NULL,
	req_offset	INTEGER NOT NULL,
	req_length	INTEGER NOT NULL,
	payload_digest	TEXT NOT NULL,			-- sha256:BASE32
	uri		TEXT NOT NULL
);
CREATE INDEX captures_payload ON captures (source_id, payload_digest)
    WHERE kind = 'response';

-- migration 6: evidence: revisits without a request record, TLS chains,
-- trusted timestamps
-- A revisit record (a body already kept) is written alone: its request
-- fields are NULL.  The table is rebuilt to drop their NOT NULL.
CREATE TABLE captures6 (
	check_id	INTEGER PRIMARY KEY REFERENCES checks (id)
			    ON DELETE CASCADE,
	source_id	INTEGER NOT NULL REFERENCES sources (id)
			    ON DELETE CASCADE,
	at		INTEGER NOT NULL,		-- its WARC-Date, ms
	kind		TEXT NOT NULL,			-- response or revisit
	file		TEXT NOT NULL,
	offset		INTEGER NOT NULL,
	length		INTEGER NOT NULL,
	record_id	TEXT NOT NULL,
	req_file	TEXT,				-- NULL for a revisit
	req_offset	INTEGER,
	req_length	INTEGER,
	payload_digest	TEXT NOT NULL,			-- sha256:BASE32
	uri		TEXT NOT NULL
);
INSERT INTO captures6 SELECT * FROM captures;
DROP TABLE captures;
ALTER TABLE captures6 RENAME TO captures;
CREATE INDEX captures_payload ON captures (source_id, payload_digest)
    WHERE kind = 'response';
CREATE INDEX captures_source ON captures (source_id, check_id);

-- The certificates servers presented, each once (SHA-256 of its DER).
CREATE TABLE certs (
	id		INTEGER PRIMARY KEY,
	sha256		TEXT NOT NULL UNIQUE,		-- hex, of the DER
	subject		TEXT NOT NULL,
	issuer		TEXT NOT NULL,
	not_before	INTEGER,			-- ms
	not_after	INTEGER,			-- ms
	der		BLOB NOT NULL
);
-- A chain as presented, leaf first: the certs ids, comma-separated.
CREATE TABLE tls_chains (
	id		INTEGER PRIMARY KEY,
	certs		TEXT NOT NULL UNIQUE
);
ALTER TABLE checks ADD COLUMN tls_chain INTEGER REFERENCES tls_chains (id);

-- RFC 3161 timestamps of new content: one per response record, asked of
-- [warc] tsa until it answers.
CREATE TABLE stamps (
	check_id	INTEGER PRIMARY KEY REFERENCES captures (check_id)
			    ON DELETE CASCADE,
	digest		TEXT NOT NULL,			-- hex SHA-256 stamped
	state		TEXT NOT NULL DEFAULT 'pending',	-- or done
	attempts	INTEGER NOT NULL DEFAULT 0,
	next_at		INTEGER NOT NULL,
	tsa		TEXT,				-- URL that answered
	gen_time	INTEGER,			-- the token's, ms
	token		BLOB,				-- DER TimeStampToken
	error		TEXT				-- of the last failed try
);
CREATE INDEX stamps_due ON stamps (next_at) WHERE state = 'pending';

-- migration 7: the redirect records of a capture
-- A check that was redirected has, before its final request, a request and
-- a response record (head only) per hop: hops_length bytes from hops_offset
-- in the same file; NULL: none.
ALTER TABLE captures ADD COLUMN hops_offset INTEGER;
ALTER TABLE captures ADD COLUMN hops_length INTEGER;
