// Exact in-process caches. A cached answer is tagged with the epoch (migration 0018,
// `cache_epochs`) read at the start of the request that computed it; the epochs move in the same
// transaction as every change the answers depend on (triggers: whoever writes, on whichever
// server), so a request that reads a newer epoch never sees an older answer.
//
// Why reading the epoch FIRST is exact: the request's data reads come after its epoch read, so an
// answer stored under epoch E reflects at least the data of E (perhaps newer). A change commits
// its data and E+1 together; every request that starts after that commit reads E+1 or later and
// misses every entry stored under E.
#pragma once
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "store/db.h"

namespace zg::cache {

struct Epochs {
  int64_t auth = 0;     // sessions, users, organizations
  int64_t members = 0;  // member rows, organizations
};

// One query (two rows of `cache_epochs`).
Epochs read(store::Connection& c);

// PostgreSQL: the epoch triggers are deferred to COMMIT, and a table with pending trigger events
// cannot be ALTERed in the same transaction. Fires the events queued so far (one bump at most,
// see migration 0018) and defers the rest again. For a transaction that ALTERs a table after
// writing members, organizations, users or sessions (the demo loader's foreign keys). SQLite: no-op.
void firePendingBumps(store::Connection& c);

// A bounded map valid for one epoch at a time: a lookup or store with another epoch than the
// map's drops every entry and adopts that epoch, so an entry is only ever served to a request
// that read the very epoch it was stored under. (A slow request still on the old epoch may thus
// empty the map once more after a change: a miss, never a stale answer.) Epochs start at a random
// value per database (0018), so two databases in one process (tests) do not share entries. When
// full the map is emptied: no eviction order to keep, the next requests rebuild it.
template <class V>
class EpochMap {
 public:
  explicit EpochMap(size_t capacity) : capacity_(capacity) {}

  std::optional<V> get(int64_t epoch, const std::string& key) {
    std::lock_guard lock(mu_);
    adopt(epoch);
    auto it = map_.find(key);
    if (it == map_.end()) return std::nullopt;
    return it->second;
  }

  void put(int64_t epoch, const std::string& key, V value) {
    std::lock_guard lock(mu_);
    adopt(epoch);
    if (map_.size() >= capacity_) map_.clear();
    map_.insert_or_assign(key, std::move(value));
  }

  void erase(const std::string& key) {
    std::lock_guard lock(mu_);
    map_.erase(key);
  }

  void clear() {
    std::lock_guard lock(mu_);
    map_.clear();
  }

  size_t size() {
    std::lock_guard lock(mu_);
    return map_.size();
  }

 private:
  // Adopts `epoch`, dropping the entries of any other.
  void adopt(int64_t epoch) {
    if (epoch != epoch_) {
      map_.clear();
      epoch_ = epoch;
    }
  }

  std::mutex mu_;
  int64_t epoch_ = 0;
  size_t capacity_;
  std::unordered_map<std::string, V> map_;
};

}  // namespace zg::cache
