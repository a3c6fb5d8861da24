// Composition: builds the router with every module's routes and the platform's own (auth,
// meta, audit, settings, users, jobs, files). The only place that knows every module.
#pragma once
#include <memory>

#include "http/http.h"
#include "platform/api.h"
#include "platform/crypto.h"
#include "platform/jobs.h"
#include "store/db.h"

namespace zg::app {

// Declares every module's settings (idempotent). Call before reading settings.
void registerSettings();
// Defines every module's figures (idempotent); the App constructor calls it.
void registerFigures();

struct App {
  App(store::Database& db, crypto::FieldCipher cipher);
  store::Database& db;
  crypto::FieldCipher cipher;
  platform::Jobs jobs;
  http::Router router;
};

// Loads the 32-byte field key: ZUGONG_DATA_KEY (64 hex chars), else the file `keyFile`
// (created with a random key, mode 0600, when missing).
std::string loadDataKey(const std::string& keyFile);

}  // namespace zg::app
