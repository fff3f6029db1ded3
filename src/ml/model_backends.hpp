#pragma once
// The models that need LibTorch (mlp, lstm, transformer) or XGBoost live in a separately
// loaded module, kestrel-models.so, so that the commands that use no such model — data,
// features, backtests of rule strategies, a logistic regression — never load those libraries
// (LibTorch alone brings ~290 shared libraries and most of a second of start-up). The module is
// loaded on first use (core/loadable_module.hpp; $KESTREL_MODELS_LIB overrides where).
#include <memory>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "ml/model.hpp"
#include "ml/model_config.hpp"

namespace kestrel::ml {

bool is_backend_model(std::string_view name);
core::Result<std::unique_ptr<Model>> make_backend_model(const std::string& name, const ModelConfig& config);

}  // namespace kestrel::ml
