-- Accounts hardening (issue 6, item 2): TOTP second factor, password history, sign-in log,
-- idle timeout. See docs/accounts.md.

-- One row per user that has begun or finished enrolment. Secrets are sealed with the field key
-- (crypto::FieldCipher; re-encrypted by `zugong rotate-key`). last_step = the newest time step
-- accepted, so a code (or an older one) cannot be used twice.
CREATE TABLE user_totp (
  id           INTEGER PRIMARY KEY,
  user_id      INTEGER NOT NULL UNIQUE REFERENCES users(id),
  secret_enc   TEXT,                       -- confirmed secret; NULL while only pending
  pending_enc  TEXT,                       -- secret shown for enrolment, not yet confirmed
  last_step    INTEGER NOT NULL DEFAULT 0,
  enrolled_at  TEXT,
  updated_at   TEXT NOT NULL
);

-- One-time recovery codes: SHA-256 of the user id and the code (60 random bits each).
CREATE TABLE totp_recovery_codes (
  id         INTEGER PRIMARY KEY,
  user_id    INTEGER NOT NULL REFERENCES users(id),
  code_hash  TEXT NOT NULL,
  used_at    TEXT
);
CREATE INDEX totp_recovery_codes_user ON totp_recovery_codes(user_id);

-- Earlier Argon2id hashes of each user's password (the current one is users.password_hash).
CREATE TABLE password_history (
  id             INTEGER PRIMARY KEY,
  user_id        INTEGER NOT NULL REFERENCES users(id),
  password_hash  TEXT NOT NULL,
  replaced_at    TEXT NOT NULL
);
CREATE INDEX password_history_user ON password_history(user_id, id);

-- Every sign-in and failed attempt (also an audit entry); user_id NULL for unknown names.
CREATE TABLE sign_ins (
  id         INTEGER PRIMARY KEY,
  user_id    INTEGER REFERENCES users(id),
  username   TEXT NOT NULL,
  signed_at  TEXT NOT NULL,
  ip         TEXT NOT NULL DEFAULT '',
  result     TEXT NOT NULL               -- see auth::SignInResult
);
CREATE INDEX sign_ins_user ON sign_ins(user_id, id);

-- Idle timeout: the last time the session was used (NULL = never since created_at).
ALTER TABLE sessions ADD COLUMN last_seen_at TEXT;

-- Recording a session's use (last_seen_at, at most once a minute) must not move the `auth` cache
-- epoch of 0018, or every active user would empty every server's session cache once a minute.
DROP TRIGGER cache_epoch_sessions_upd;
CREATE TRIGGER cache_epoch_sessions_upd AFTER UPDATE OF token_hash, user_id, csrf_token, created_at, expires_at, ip
ON sessions BEGIN
  UPDATE cache_epochs SET n = n + 1 WHERE name = 'auth';
END;
