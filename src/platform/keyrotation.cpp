#include "platform/keyrotation.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <set>
#include <sstream>

#include "core/error.h"
#include "platform/audit.h"

namespace zg::keys {
namespace {

namespace bj = boost::json;

// One keyed lookup hash: `column` = lookupHash(the plaintext of `from`), or of the JSON field
// `jsonField` inside it when that column holds an encrypted JSON object.
struct Hash {
  const char* column;
  const char* from;
  const char* jsonField = nullptr;
};
struct Sealed {
  const char* table;
  std::vector<const char*> encrypted;
  std::vector<Hash> hashes;
};

// Every encrypted column of the schema (migrations 0001–0013) and the hashes derived from them.
const std::vector<Sealed> kSealed = {
    {"members", {"id_number_enc", "phone_enc", "landline_enc"}, {{"id_number_hash", "id_number_enc"}}},
    {"mobility_records", {"phone_enc"}, {}},
    {"transfer_cases", {"in_member_enc"}, {{"in_id_hash", "in_member_enc", "idNumber"}}},
    {"pipeline_applicants", {"id_enc"}, {{"id_hash", "id_enc"}}},
    {"households", {"phone_enc"}, {}},
    {"household_people", {"phone_enc"}, {}},
    {"resident_problems", {"phone_enc"}, {}},
    {"notify_outbox", {"phone_enc", "body_enc"}, {}},
    {"user_totp", {"secret_enc", "pending_enc"}, {}},
};

// Columns named like secrets that are NOT under the field key: password hashes (Argon2id, current
// and history), session token digests, recovery-code digests and the audit chain (plain SHA-256).
const std::set<std::string> kUnkeyed = {"users.password_hash", "sessions.token_hash", "audit_log.prev_hash",
                                        "password_history.password_hash", "totp_recovery_codes.code_hash"};

bool endsWith(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// Stops when the schema has an encrypted-looking column the list above does not cover.
void checkCoverage(store::Connection& c) {
  std::set<std::string> known(kUnkeyed);
  for (auto& s : kSealed) {
    for (auto* e : s.encrypted) known.insert(std::string(s.table) + "." + e);
    for (auto& h : s.hashes) known.insert(std::string(s.table) + "." + h.column);
  }
  store::Result r =
      c.dialect() == store::Dialect::Postgres
          ? c.query("SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'")
          : c.query("SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p "
                    "WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'");
  std::set<std::string> present;
  for (auto row : r) {
    std::string name = row.text(0) + "." + row.text(1);
    present.insert(name);
    if ((endsWith(name, "_enc") || endsWith(name, "_hash")) && !known.count(name))
      throw Error::internal("rotate-key: column " + name +
                            " looks encrypted or keyed but is not in keys::kSealed; teach keyrotation.cpp about it");
  }
  for (auto& k : known)
    if (!present.count(k)) throw Error::internal("rotate-key: column " + k + " of keys::kSealed is not in the schema");
}

}  // namespace

void writeKeyFile(const std::string& path, const std::string& rawKey, const std::string& field) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char ch : rawKey) {
    hex += kHex[ch >> 4];
    hex += kHex[ch & 15];
  }
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) throw Error::invalid(field, "无法写入密钥文件：" + path);
  std::string text = hex + "\n";
  bool ok = ::fchmod(fd, 0600) == 0 && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) throw Error::invalid(field, "无法写入密钥文件：" + path);
}

std::string readKeyFile(const std::string& path, const std::string& field) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error::invalid(field, "无法读取密钥文件：" + path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string hex = ss.str();
  auto blank = [](char ch) { return ch == '\n' || ch == '\r' || ch == ' ' || ch == '\t'; };
  while (!hex.empty() && blank(hex.back())) hex.pop_back();
  while (!hex.empty() && blank(hex.front())) hex.erase(0, 1);
  std::string key;
  try {
    key = crypto::hexDecode(hex);
  } catch (const Error&) {
  }
  if (key.size() != 32) throw Error::invalid(field, "密钥文件应含64位十六进制字符：" + path);
  return key;
}

std::string keyId(const std::string& rawKey) { return crypto::hmacHex(rawKey, "zugong-key-id").substr(0, 16); }

RotateResult rotate(store::Connection& c, const std::string& oldRawKey, const std::string& newRawKey,
                    const auth::Actor& actor) {
  auto t0 = std::chrono::steady_clock::now();
  if (oldRawKey == newRawKey) throw Error::invalid("new-key-file", "新密钥与当前密钥相同，无需轮换");
  crypto::FieldCipher oldC(oldRawKey), newC(newRawKey);
  RotateResult res;
  res.oldKeyId = keyId(oldRawKey);
  res.newKeyId = keyId(newRawKey);

  // SQLite: space freed by the rewrite is zeroed, so the old ciphertexts do not linger in free
  // pages of the file.
  if (c.dialect() == store::Dialect::Sqlite) c.execScript("PRAGMA secure_delete = ON");
  // PostgreSQL: a server still connected would go on writing with the old key after the swap.
  if (c.dialect() == store::Dialect::Postgres) {
    int64_t others = c.scalar("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() "
                              "AND pid <> pg_backend_pid() AND backend_type = 'client backend'")
                         ->asInt();
    if (others > 0)
      throw Error::conflict("in_use", "还有 " + std::to_string(others) + " 个连接在使用该数据库：请先停止服务器再轮换密钥");
  }
  store::Transaction tx(c);  // SQLite: BEGIN IMMEDIATE holds off every other writer
  checkCoverage(c);
  if (c.dialect() == store::Dialect::Postgres) {
    for (auto& s : kSealed) c.exec(std::string("LOCK TABLE ") + s.table + " IN EXCLUSIVE MODE");
  }
  for (auto& s : kSealed) {
    std::vector<std::string> cols(s.encrypted.begin(), s.encrypted.end());
    for (auto& h : s.hashes) cols.push_back(h.column);
    std::string select = "SELECT id";
    for (auto& col : cols) select += ", " + col;
    select += std::string(" FROM ") + s.table + " ORDER BY id";
    std::string update = std::string("UPDATE ") + s.table + " SET ";
    for (size_t i = 0; i < cols.size(); ++i) update += (i ? ", " : "") + cols[i] + " = ?";
    update += " WHERE id = ?";
    std::vector<int64_t> counts(cols.size(), 0);

    store::Result rows = c.query(select);
    for (auto row : rows) {
      int64_t id = row.i64(0);
      std::vector<std::optional<std::string>> plain(s.encrypted.size());
      store::Params p;
      for (size_t i = 0; i < s.encrypted.size(); ++i) {
        if (row.isNull(1 + i)) {
          p.emplace_back(nullptr);
          continue;
        }
        try {
          plain[i] = oldC.decrypt(row.text(1 + i));
        } catch (const Error&) {
          throw Error::invalid("data-key-file", std::string("当前密钥无法解密 ") + s.table + "." + s.encrypted[i] + "（第 " +
                                                    std::to_string(id) + " 行）：密钥不对或数据已损坏，未做任何改动");
        }
        std::string sealed = newC.encrypt(*plain[i]);
        if (newC.decrypt(sealed) != *plain[i]) throw Error::internal("rotate-key: re-encrypted value does not read back");
        p.emplace_back(sealed);
        ++counts[i];
      }
      for (size_t k = 0; k < s.hashes.size(); ++k) {
        const Hash& h = s.hashes[k];
        size_t col = 1 + s.encrypted.size() + k;
        size_t src = 0;
        while (std::string(s.encrypted[src]) != h.from) ++src;
        if (row.isNull(col) || !plain[src]) {
          p.emplace_back(row.isNull(col) ? store::Value() : row[col]);
          continue;
        }
        std::string input = *plain[src];
        if (h.jsonField) {
          bj::value v = bj::parse(input);
          auto* f = v.is_object() ? v.as_object().if_contains(h.jsonField) : nullptr;
          if (!f || !f->is_string()) throw Error::internal(std::string("rotate-key: no ") + h.jsonField + " in " + s.table);
          input = std::string(f->as_string());
        }
        if (oldC.lookupHash(input) != row.text(col))
          throw Error::invalid("data-key-file", std::string("") + s.table + "." + h.column + "（第 " + std::to_string(id) +
                                                    " 行）与当前密钥算出的值不符，未做任何改动");
        p.emplace_back(newC.lookupHash(input));
        ++counts[s.encrypted.size() + k];
      }
      p.emplace_back(id);
      if (c.exec(update, p) != 1) throw Error::internal(std::string("rotate-key: row vanished in ") + s.table);
      ++res.rows;
    }
    for (size_t i = 0; i < cols.size(); ++i) {
      res.columns.push_back({s.table, cols[i], counts[i]});
      (i < s.encrypted.size() ? res.sealed : res.hashes) += counts[i];
    }
  }

  bj::object cols;
  for (auto& cc : res.columns) cols[cc.table + "." + cc.column] = cc.values;
  audit::Entry e;
  e.action = "rotate-key";
  e.entity = "data_key";
  e.summary = "轮换数据加密密钥：" + std::to_string(res.sealed) + " 个加密值重新加密，" + std::to_string(res.hashes) +
              " 个检索散列重新计算（" + std::to_string(res.rows) + " 行）";
  e.before = bj::object{{"keyId", res.oldKeyId}};
  e.after = bj::object{{"keyId", res.newKeyId}, {"rows", res.rows}, {"columns", cols}};
  audit::record(c, actor, e);
  tx.commit();
  // Nor in the write-ahead log (SQLite) or in dead row versions (PostgreSQL: VACUUM FULL writes
  // each table afresh). Old backups and WAL archives still hold them: they need the old key.
  if (c.dialect() == store::Dialect::Sqlite) {
    c.execScript("PRAGMA wal_checkpoint(TRUNCATE)");
  } else {
    // ANALYZE replaces the planner's samples of the old values (pg_statistic keeps column
    // values); VACUUM FULL of pg_statistic then drops the replaced rows (owner or superuser).
    for (auto& s : kSealed) c.execScript(std::string("VACUUM (FULL, ANALYZE) ") + s.table);
    try {
      c.execScript("VACUUM FULL pg_catalog.pg_statistic");
    } catch (const Error&) {
      res.statisticsLeft = true;
    }
  }
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return res;
}

}  // namespace zg::keys
