#include "analysis/pdf_printer.hpp"

#include <fmt/format.h>

#include <unistd.h>

#include "core/subprocess.hpp"

namespace kestrel::analysis {
namespace {

std::filesystem::path find_chromium() {
  for (const char* candidate : {"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"}) {
    if (std::filesystem::exists(candidate)) return candidate;
  }
  return {};
}

}  // namespace

core::Status print_to_pdf(const std::filesystem::path& html, const std::filesystem::path& pdf, const PdfOptions& options) {
  const auto chromium = find_chromium();
  if (chromium.empty()) {
    return core::fail_as(core::ErrorKind::Config, "PDF: chromium is not installed (scripts/install-deps.sh installs it)");
  }
  std::error_code ec;
  const auto source = std::filesystem::absolute(html, ec);
  const auto partial = std::filesystem::path(pdf.string() + ".partial");
  const auto profile = std::filesystem::temp_directory_path() / fmt::format("kestrel-pdf-{}", ::getpid());
  std::vector<std::string> argv = {"timeout", std::to_string(options.timeout.count()), chromium.string(),
                                   "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                   "--disable-background-networking", "--disable-component-update", "--disable-sync",
                                   "--host-resolver-rules=MAP * ~NOTFOUND", "--user-data-dir=" + profile.string(),
                                   "--no-pdf-header-footer", "--print-to-pdf=" + partial.string()};
  if (options.script_budget.count() > 0) {
    argv.push_back("--virtual-time-budget=" + std::to_string(options.script_budget.count()));
  }
  argv.push_back("file://" + source.string());
  auto result = core::run_program(argv);
  std::filesystem::remove_all(profile, ec);
  if (!result) return std::unexpected(result.error());
  if (result->exit_code != 0 || !std::filesystem::exists(partial) || std::filesystem::file_size(partial, ec) < 100) {
    std::filesystem::remove(partial, ec);
    std::string said = result->output;
    if (said.size() > 600) said = said.substr(said.size() - 600);
    return core::fail_as(core::ErrorKind::Io, "PDF of {}: chromium exited with {} and wrote no PDF: {}", html.string(),
                         result->exit_code, said);
  }
  std::filesystem::rename(partial, pdf, ec);
  if (ec) return core::fail_as(core::ErrorKind::Io, "PDF: cannot move {} into place: {}", pdf.string(), ec.message());
  return {};
}

}  // namespace kestrel::analysis
