// The C entry points of kestrel-postgres.so (store/journal_database.cpp loads it on first use).
// Same compiler, same standard library on both sides: C++ types pass by pointer; the C linkage
// only fixes the names.
#include <string>

#include "store_postgres/journal_postgres.hpp"

extern "C" {

int kestrel_postgres_abi_version() { return 1; }

// A new database connection, or null with `error` and `kind` (a core::ErrorKind) set.
kestrel::store::JournalDatabase* kestrel_postgres_open(const std::string* url, int durability, std::string* error,
                                                       int* kind) {
  auto db = kestrel::store::open_postgres_in_process(*url, static_cast<kestrel::store::JournalDatabase::Durability>(durability));
  if (!db) {
    *error = db.error().message;
    *kind = static_cast<int>(db.error().kind);
    return nullptr;
  }
  return db->release();
}

}  // extern "C"
