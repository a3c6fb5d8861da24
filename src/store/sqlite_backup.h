// SQLite file copies through the online backup API (sqlite3_backup_*), for `zugong backup` and
// `zugong restore` (platform/backup.h drives them and checks the result).
#pragma once
#include <string>
#include <vector>

namespace zg::store {

// Copies the SQLite database at `srcPath` into a new file `outPath` (removed first if it
// exists) in ONE backup step: the step reads inside one read transaction, so the copy is the
// database as of one commit, and in WAL mode writers on other connections go on meanwhile. The
// copy is switched to a self-contained rollback journal (no -wal file) and must pass
// PRAGMA integrity_check; throws zg::Error (Internal) otherwise.
void sqliteOnlineBackup(const std::string& srcPath, const std::string& outPath);

// Replaces the whole content of the SQLite database at `toPath` (created if missing) with the
// database in `fromPath` (which must pass PRAGMA integrity_check), and puts `toPath` back into
// WAL mode. The caller decides whether `toPath` may be overwritten.
void sqliteRestore(const std::string& fromPath, const std::string& toPath);

// True when the file starts with the SQLite header ("SQLite format 3\0").
bool isSqliteFile(const std::string& path);

// Runs one read-only query on the SQLite file at `path` (opened read-only, journal mode
// untouched) and returns every row as text (NULL as "").
std::vector<std::vector<std::string>> sqliteReadOnlyQuery(const std::string& path, const std::string& sql);

// The file path of a SQLite URL as store::open() reads it ("sqlite:", "sqlite://" prefixes).
std::string sqlitePathOf(const std::string& url);

}  // namespace zg::store
