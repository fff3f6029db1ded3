#include "ml_backends/in_process.hpp"

#include "ml_backends/neural_model.hpp"
#include "ml_backends/xgboost_model.hpp"

namespace kestrel::ml {

core::Result<std::unique_ptr<Model>> make_backend_model_in_process(const std::string& name, const ModelConfig& config) {
  if (name == "xgboost") return std::make_unique<XGBoostModel>(config);
  if (name == "mlp" || name == "lstm" || name == "transformer") return std::make_unique<NeuralModel>(name, config);
  return core::fail("the models module has no model '{}'", name);
}

}  // namespace kestrel::ml
