#include "core/loadable_module.hpp"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <vector>

#include <fmt/format.h>

namespace kestrel::core {

void* LoadedModule::symbol(const char* name) const { return handle == nullptr ? nullptr : dlsym(handle, name); }

LoadedModule load_module(std::string_view file_name, const char* env_var, std::string_view build_path) {
  std::vector<std::filesystem::path> candidates;
  if (const char* env = std::getenv(env_var); env != nullptr && *env != '\0') candidates.emplace_back(env);
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    candidates.push_back(exe.parent_path() / file_name);
    candidates.push_back(exe.parent_path() / ".." / "lib" / "kestrel" / file_name);
  }
  if (!build_path.empty()) candidates.emplace_back(build_path);
  LoadedModule m;
  std::string tried;
  for (const auto& path : candidates) {
    tried += (tried.empty() ? "" : ", ") + path.string();
    if (!std::filesystem::exists(path, ec)) continue;
    m.handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (m.handle == nullptr) m.error = fmt::format("{}: {}", path.string(), dlerror());
    return m;
  }
  m.error = fmt::format("{} not found (looked in: {}); set {}", file_name, tried, env_var);
  return m;
}

}  // namespace kestrel::core
