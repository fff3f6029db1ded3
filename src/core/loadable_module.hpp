#pragma once
// Separately built modules the kestrel executable loads only when they are needed, so that
// commands that do not need them never load their libraries: kestrel-models.so (LibTorch,
// XGBoost; ~290 shared libraries) and kestrel-postgres.so (libpq with Kerberos, LDAP and GnuTLS;
// ~20). A module is looked for in $<env_var>, beside the executable, in ../lib/kestrel beside
// it, then at the path it was built at; it is loaded once and never unloaded (objects it made
// may live to the end of the process).
#include <string>
#include <string_view>

namespace kestrel::core {

struct LoadedModule {
  void* handle = nullptr;  // null when it could not be loaded
  std::string error;       // why, naming every place looked in
  void* symbol(const char* name) const;
};

LoadedModule load_module(std::string_view file_name, const char* env_var, std::string_view build_path);

}  // namespace kestrel::core
