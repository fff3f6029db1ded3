#include "live/scheduled_retrain.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "pipeline/pipeline_config.hpp"
#include "pipeline/retrain.hpp"

namespace kestrel::live {

std::string RetrainDecision::to_json() const {
  return nlohmann::json{{"as_of", as_of.to_string()},
                        {"promoted", promoted},
                        {"model", model_folder},
                        {"verdict", verdict},
                        {"failed", failed}}
      .dump();
}

core::Result<RetrainDecision> RetrainDecision::parse(const std::string& detail) {
  try {
    const auto j = nlohmann::json::parse(detail);
    RetrainDecision d;
    auto date = core::Date::parse(j.at("as_of").get<std::string>());
    if (!date) return core::fail("a retraining decision with the date '{}'", j.at("as_of").get<std::string>());
    d.as_of = *date;
    d.promoted = j.at("promoted").get<bool>();
    d.model_folder = j.at("model").get<std::string>();
    d.verdict = j.at("verdict").get<std::string>();
    d.failed = j.at("failed").get<bool>();
    if (d.promoted && d.model_folder.empty()) return core::fail("a promoted model without its folder");
    return d;
  } catch (const nlohmann::json::exception& e) {
    return core::fail("not a retraining decision ({}): {}", e.what(), detail);
  }
}

bool ends_month(core::Date date, core::Date next_session) {
  return next_session.month() != date.month() || next_session.year() != date.year();
}

RetrainDecision run_scheduled_retrain(const backtest::RetrainSettings& settings, core::Date as_of,
                                      const std::function<void(const std::string&)>& log) {
  RetrainDecision d{.as_of = as_of, .promoted = false, .model_folder = {}, .verdict = {}, .failed = false};
  auto fail = [&](const std::string& why) {
    d.failed = true;
    d.verdict = why;
    return d;
  };
  auto config = pipeline::read_pipeline_config(settings.pipeline);
  if (!config) return fail(config.error().message);
  pipeline::RetrainOptions options{.model = settings.model,
                                   .shadow_days = settings.shadow_days,
                                   .valid_days = settings.valid_days,
                                   .margin_z = settings.margin_z,
                                   .as_of = as_of,
                                   .show_progress = false,
                                   .log = log};
  auto result = pipeline::retrain(*config, settings.out, options);
  if (!result) return fail(result.error().message);
  d.promoted = result->promoted;
  d.model_folder = result->promoted ? result->challenger.folder : result->champion.folder;
  d.verdict = result->verdict;
  return d;
}

}  // namespace kestrel::live
