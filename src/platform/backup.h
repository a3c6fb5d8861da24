// Backup and restore of a whole deployment's database (issue 6, item 7), for `zugong backup`
// and `zugong restore`.
//
// A backup is one file plus its manifest `<file>.manifest.json`:
//  - SQLite: a copy made with the online backup API in one step (a read snapshot; writers go on
//    in WAL mode), checked with PRAGMA integrity_check;
//  - PostgreSQL: `pg_dump` (plain SQL) run on a snapshot exported by a REPEATABLE READ
//    transaction that stays open meanwhile, so the manifest's figures are those of the dump.
// The manifest records the audit chain head (last id and hash) as of the backup, the row count
// of every table, the schema version and the SHA-256 of the file. Restore checks the file
// against its manifest, refuses a non-empty target unless forced, loads it, and then proves the
// result: the audit chain verifies, its head and every table's row count equal the manifest.
// Both are recorded in the audit log (backup: in the source after the copy; restore: in the
// restored database after the checks, so its chain ends with exactly one "restore" entry past
// the backup's head). The field-encryption key is NOT in the backup: keep it apart.
#pragma once
#include <cstdint>
#include <map>
#include <string>

namespace zg::backup {

struct Manifest {
  std::string backend;  // "sqlite" or "postgres"
  std::string file;     // file name (no directory)
  int64_t bytes = 0;
  std::string sha256;
  std::string createdAt;
  int schemaVersion = 0;
  int64_t auditHeadId = 0;  // 0 when the audit log is empty
  std::string auditHeadHash;
  std::map<std::string, int64_t> tables;  // every table → rows
  double seconds = 0;
};

// Writes `out` and `out + ".manifest.json"` from the database at `dbUrl` while it is in use.
Manifest take(const std::string& dbUrl, const std::string& out);

struct Restored {
  Manifest manifest;
  bool hadManifest = false;
  int64_t auditChecked = 0;
  double seconds = 0;
};
// Loads the backup `from` into the database at `dbUrl` (a SQLite path, created if missing, or a
// PostgreSQL database that exists). Throws Invalid("db") when the target holds tables and
// `force` is false, Invalid("from") for a missing, unreadable, altered or wrong-kind file, and
// Internal when the restored copy does not match its manifest.
Restored restore(const std::string& dbUrl, const std::string& from, bool force);

}  // namespace zg::backup
