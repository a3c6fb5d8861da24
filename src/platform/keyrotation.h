// Rotation of the field-encryption key (issue 6, item 3), for `zugong rotate-key`.
//
// Every encrypted column (AES-256-GCM, crypto::FieldCipher) is decrypted with the old key and
// encrypted again with the new one, and every keyed lookup hash (HMAC under a key derived from
// the field key) is recomputed from the decrypted value — all in ONE transaction on the
// caller's connection, with one audit entry. Before anything is written each stored hash is
// checked against the old key, and each new value is decrypted again with the new key and
// compared, so a wrong old key or a fault aborts the whole rotation with nothing changed.
//
// The columns are listed in keyrotation.cpp (kSealed). The schema is checked against the list
// first: a column named *_enc, or a *_hash column that is not a known unkeyed digest, that the
// list does not know stops the rotation, so a new module's encrypted column cannot be skipped.
// Afterwards the old ciphertexts are wiped from the live database (SQLite: secure_delete and a
// TRUNCATE checkpoint; PostgreSQL: VACUUM FULL and ANALYZE of the rewritten tables, VACUUM FULL
// of pg_statistic, which samples column values); backups taken before
// still hold them and need the old key.
// Run it with the server stopped (a running server would go on writing with the old key): on
// PostgreSQL it refuses (Conflict "in_use") while other sessions are connected to the database;
// on SQLite the operator must make sure.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "platform/auth.h"
#include "platform/crypto.h"
#include "store/db.h"

namespace zg::keys {

// A short public fingerprint of a raw 32-byte key (16 hex characters of an HMAC), for logs and
// the audit entry; it does not reveal the key.
std::string keyId(const std::string& rawKey);

// Writes the raw 32-byte key `rawKey` as hex and a newline to `path`, created with mode 0600
// from the start (no moment readable by others), and fsyncs it. Throws Invalid(`field`).
void writeKeyFile(const std::string& path, const std::string& rawKey, const std::string& field = "new-key-file");
// The raw 32-byte key of a key file (64 hex characters, surrounding white space ignored).
// Throws Invalid(`field`) for a missing or malformed file.
std::string readKeyFile(const std::string& path, const std::string& field = "new-key-file");

struct ColumnCount {
  std::string table;
  std::string column;
  int64_t values = 0;  // non-NULL values re-encrypted or recomputed
};
struct RotateResult {
  std::vector<ColumnCount> columns;
  int64_t rows = 0;        // rows rewritten
  int64_t sealed = 0;      // values re-encrypted
  int64_t hashes = 0;      // lookup hashes recomputed
  std::string oldKeyId, newKeyId;
  double seconds = 0;
  bool statisticsLeft = false;  // PostgreSQL: pg_statistic could not be rewritten (not its owner)
};

// Opens its own transaction on `c` and commits it. Throws Invalid("new-key-file") when both
// keys are the same, Invalid("data-key-file") when a value does not open with the old key, and
// Internal for a schema the list does not cover.
RotateResult rotate(store::Connection& c, const std::string& oldRawKey, const std::string& newRawKey,
                    const auth::Actor& actor);

}  // namespace zg::keys
