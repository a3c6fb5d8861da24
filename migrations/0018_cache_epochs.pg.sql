-- Exact in-process caches (src/platform/cache.h; docs/performance.md, "Member list and memory (S)").
-- Each server keeps resumed sessions and member-list pages in memory, tagged with the epoch it read
-- at the start of the request. These counters move in the same transaction as every change the
-- cached answers depend on, whoever writes (module code, imports, the demo, key rotation, another
-- server on the same database), so a server that reads a newer epoch drops what it cached before.
--   auth:    sessions ended (sign-out, password reset, deactivation, expiry purge), users changed,
--            organizations changed (a user's scope path and name come from them);
--   members: any member row written, organizations changed (a page names each member's branch).
--
-- The bump is a deferred constraint trigger: it runs at COMMIT, so the counter's row is locked
-- only from then to the end of the commit — after every other lock the transaction took (no lock
-- order to deadlock on, and a long import does not block other writers on it for its whole
-- length). Row-level (constraint triggers are), but only the first row of a transaction writes:
-- a transaction-local setting remembers the bump, so a COPY of 20,000 members bumps once.
-- PostgreSQL refuses to ALTER a table with pending trigger events: a transaction that ALTERs one
-- of these tables after writing it first calls cache::firePendingBumps() (the demo loader does).
CREATE TABLE cache_epochs (
  name TEXT PRIMARY KEY,
  n    BIGINT NOT NULL
);
-- A random start per database: two databases in one process (tests) never share an epoch.
INSERT INTO cache_epochs (name, n) VALUES ('auth', floor(random() * 1e12)::bigint), ('members', floor(random() * 1e12)::bigint);

CREATE FUNCTION cache_epoch_bump() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  flag TEXT;
  tx TEXT := txid_current()::text;
  nm TEXT;
BEGIN
  FOREACH nm IN ARRAY TG_ARGV LOOP
    flag := 'zugong.cache_epoch_' || nm;
    IF COALESCE(current_setting(flag, true), '') <> tx THEN
      UPDATE cache_epochs SET n = n + 1 WHERE name = nm;
      PERFORM set_config(flag, tx, true);
    END IF;
  END LOOP;
  RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER cache_epoch_sessions AFTER UPDATE OR DELETE ON sessions
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION cache_epoch_bump('auth');
CREATE CONSTRAINT TRIGGER cache_epoch_users AFTER UPDATE OR DELETE ON users
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION cache_epoch_bump('auth');
CREATE CONSTRAINT TRIGGER cache_epoch_orgs AFTER UPDATE OR DELETE ON orgs
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION cache_epoch_bump('auth', 'members');
CREATE CONSTRAINT TRIGGER cache_epoch_members AFTER INSERT OR UPDATE OR DELETE ON members
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION cache_epoch_bump('members');
