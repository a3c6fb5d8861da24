-- Exact in-process caches (src/platform/cache.h; docs/performance.md, "Member list and memory (S)").
-- Each server keeps resumed sessions and member-list pages in memory, tagged with the epoch it read
-- at the start of the request. These counters move in the same transaction as every change the
-- cached answers depend on, whoever writes (module code, imports, the demo, key rotation, another
-- server on the same database), so a server that reads a newer epoch drops what it cached before.
--   auth:    sessions ended (sign-out, password reset, deactivation, expiry purge), users changed,
--            organizations changed (a user's scope path and name come from them);
--   members: any member row written, organizations changed (a page names each member's branch).
CREATE TABLE cache_epochs (
  name TEXT PRIMARY KEY,
  n    INTEGER NOT NULL
);
-- A random start per database: two databases in one process (tests) never share an epoch.
INSERT INTO cache_epochs (name, n) SELECT 'auth', abs(random() % 1000000000000);
INSERT INTO cache_epochs (name, n) SELECT 'members', abs(random() % 1000000000000);

CREATE TRIGGER cache_epoch_sessions_del AFTER DELETE ON sessions BEGIN
  UPDATE cache_epochs SET n = n + 1 WHERE name = 'auth';
END;
CREATE TRIGGER cache_epoch_sessions_upd AFTER UPDATE ON sessions BEGIN
  UPDATE cache_epochs SET n = n + 1 WHERE name = 'auth';
END;
CREATE TRIGGER cache_epoch_users_upd AFTER UPDATE ON users BEGIN
  UPDATE cache_epochs SET n = n + 1 WHERE name = 'auth';
END;
CREATE TRIGGER cache_epoch_users_del AFTER DELETE ON users BEGIN
  UPDATE cache_epochs SET n = n + 1 WHERE name = 'auth';
END;
CREATE TRIGGER cache_epoch_orgs_upd AFTER UPDATE ON orgs BEGIN
  UPDATE cache_epochs SET n = n + 1;
END;
CREATE TRIGGER cache_epoch_orgs_del AFTER DELETE ON orgs BEGIN
  UPDATE cache_epochs SET n = n + 1;
END;
CREATE TRIGGER cache_epoch_members_ins AFTER INSERT ON members BEGIN
  UPDATE cache_epochs SET n = n + 1 WHERE name = 'members';
END;
CREATE TRIGGER cache_epoch_members_upd AFTER UPDATE ON members BEGIN
  UPDATE cache_epochs SET n = n + 1 WHERE name = 'members';
END;
CREATE TRIGGER cache_epoch_members_del AFTER DELETE ON members BEGIN
  UPDATE cache_epochs SET n = n + 1 WHERE name = 'members';
END;
