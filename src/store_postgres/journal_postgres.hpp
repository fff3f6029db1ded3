#pragma once
// The PostgreSQL journal database, inside kestrel-postgres.so. Everything else reaches it
// through store::open_postgres_journal_database, which loads the module.
#include <memory>
#include <string>

#include "store/journal_database.hpp"

namespace kestrel::store {

core::Result<std::unique_ptr<JournalDatabase>> open_postgres_in_process(const std::string& url,
                                                                       JournalDatabase::Durability durability);

}  // namespace kestrel::store
