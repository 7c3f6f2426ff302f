#include "mpinmf/options.hpp"

#include <cmath>
#include <filesystem>
#include <utility>

#include "mpinmf/error.hpp"

namespace mpinmf {

Algorithm parse_algorithm(const std::string& name) {
  if (name == "mu") {
    return Algorithm::multiplicative;
  }
  if (name == "pgd") {
    return Algorithm::projected_gradient;
  }
  if (name == "hals") {
    return Algorithm::hals;
  }
  if (name == "anls-bpp") {
    return Algorithm::anls_bpp;
  }
  if (name == "kl") {
    return Algorithm::kullback_leibler;
  }
  throw Error("--algorithm: unknown rule '" + name + "' (choose mu, pgd, hals, anls-bpp or kl)");
}

std::string algorithm_name(Algorithm algorithm) {
  switch (algorithm) {
    case Algorithm::multiplicative:
      return "mu";
    case Algorithm::projected_gradient:
      return "pgd";
    case Algorithm::hals:
      return "hals";
    case Algorithm::anls_bpp:
      return "anls-bpp";
    case Algorithm::kullback_leibler:
      return "kl";
  }
  return "unknown";
}

namespace {

/// The value `name` stands for among `choices`; throws Error naming `option` and the choices.
template <typename T, std::size_t N>
T parse_choice(const std::string& name, const std::pair<const char*, T> (&choices)[N],
               const std::string& option, const std::string& kind) {
  std::string listed;
  for (std::size_t i = 0; i < N; ++i) {
    if (name == choices[i].first) {
      return choices[i].second;
    }
    listed += (i == 0 ? "" : i + 1 == N ? " or " : ", ") + std::string(choices[i].first);
  }
  throw Error(option + ": unknown " + kind + " '" + name + "' (choose " + listed + ")");
}

}  // namespace

InputFormat parse_input_format(const std::string& name) {
  constexpr std::pair<const char*, InputFormat> kFormats[] = {
      {"auto", InputFormat::automatic},   {"dense", InputFormat::dense}, {"csr", InputFormat::csr},
      {"csc", InputFormat::csc},          {"h5ad", InputFormat::h5ad},   {"10x", InputFormat::tenx},
      {"mtx", InputFormat::matrix_market}};
  return parse_choice(name, kFormats, "--format", "format");
}

OutputLayout parse_output_layout(const std::string& name) {
  constexpr std::pair<const char*, OutputLayout> kLayouts[] = {{"auto", OutputLayout::automatic},
                                                               {"csr", OutputLayout::csr},
                                                               {"dense", OutputLayout::dense}};
  return parse_choice(name, kLayouts, "--layout", "layout");
}

void validate(const RunOptions& options) {
  if (options.input.empty()) {
    throw Error("--input is required: the HDF5 file that holds V");
  }
  if (options.output.empty()) {
    throw Error("--output is required: the HDF5 file to write W and H to");
  }
  if (options.dataset.empty()) {
    throw Error("--dataset must name a dataset, such as /V");
  }
  if (options.rank < 1) {
    throw Error("--rank must be at least 1 (it is the number of components k)");
  }
  if (options.stopping.max_iterations < 0) {
    throw Error("--max-iter must be 0 or more");
  }
  if (!(options.stopping.tolerance >= 0.0)) {
    throw Error("--tol must be 0 or more");
  }
  if (!(options.stopping.gradient_tolerance >= 0.0)) {
    throw Error("--pg-tol must be 0 or more");
  }
  if (!(options.stopping.time_limit_seconds >= 0.0)) {
    throw Error("--time-limit must be 0 (no limit) or more seconds");
  }
  if (!(options.rule.delta > 0.0) || !std::isfinite(options.rule.delta)) {
    throw Error("--delta must be a positive number (it keeps denominators away from zero)");
  }
  if (!(options.rule.lambda >= 0.0) || !std::isfinite(options.rule.lambda)) {
    throw Error("--lambda must be 0 or more");
  }
  if (options.rule.learning_rate &&
      (!(*options.rule.learning_rate > 0.0) || !std::isfinite(*options.rule.learning_rate))) {
    throw Error("--learning-rate must be a positive number");
  }
  if (!(options.rule.alpha_W >= 0.0) || !std::isfinite(options.rule.alpha_W)) {
    throw Error("--alpha-W must be 0 or more");
  }
  if (options.rule.alpha_H &&
      (!(*options.rule.alpha_H >= 0.0) || !std::isfinite(*options.rule.alpha_H))) {
    throw Error("--alpha-H must be 0 or more");
  }
  if (!(options.rule.l1_ratio >= 0.0 && options.rule.l1_ratio <= 1.0)) {
    throw Error("--l1-ratio must be between 0 (pure L2) and 1 (pure L1)");
  }
  if (options.rule.algorithm == Algorithm::kullback_leibler &&
      (options.rule.alpha_W > 0.0 || options.rule.alpha_H.value_or(0.0) > 0.0)) {
    throw Error("--alpha-W and --alpha-H apply to the Frobenius rules only, not to kl");
  }
  if (options.rule.inner_sweeps < 0) {
    throw Error("--inner-sweeps must be 0 (automatic) or more");
  }
  if (options.normalize != "none" && options.normalize != "l1" && options.normalize != "l2") {
    throw Error("--normalize: unknown scaling '" + options.normalize + "' (choose none, l1 or l2)");
  }
  if (options.print_every < 0) {
    throw Error("--print-every must be 0 (silent) or more");
  }
  if (options.threads < 0) {
    throw Error("--threads must be 0 (automatic) or more");
  }
  if (options.input == options.output) {
    throw Error("--output must differ from --input");
  }
  if (options.init != "random" && options.init != "nndsvd" && options.init != "nndsvda" &&
      options.init != "nndsvdar") {
    throw Error("--init: unknown start '" + options.init +
                "' (choose random, nndsvd, nndsvda or nndsvdar)");
  }
  if (options.checkpoint_every < 0) {
    throw Error("--checkpoint-every must be 0 (off) or more iterations");
  }
  if (!(options.checkpoint_interval >= 0.0) || !std::isfinite(options.checkpoint_interval)) {
    throw Error("--checkpoint-interval must be 0 (off) or more seconds");
  }
  const std::string checkpoint = checkpoint_path(options);
  if (checkpoint == options.output || checkpoint == options.input) {
    throw Error("--checkpoint must differ from --input and --output");
  }
  if (!options.resume.empty() && !options.init_file.empty()) {
    throw Error("--resume and --init-file both give the start; pass one of them");
  }
}

std::string checkpoint_path(const RunOptions& options) {
  if (!options.checkpoint.empty()) {
    return options.checkpoint;
  }
  std::filesystem::path path(options.output);
  const std::string extension = path.extension().string();
  path.replace_extension(".checkpoint" + extension);
  return path.string();
}

void validate(const ProjectOptions& options) {
  if (options.model.empty()) {
    throw Error("--model is required: a result file of mpinmf holding /W and /H");
  }
  if (options.input.empty()) {
    throw Error("--input is required: the HDF5 file with the new data");
  }
  if (options.output.empty()) {
    throw Error("--output is required: the HDF5 file to write the coefficients to");
  }
  if (options.axis != "columns" && options.axis != "rows") {
    throw Error(
        "--axis must be columns (new samples as columns, solve for H) or rows (new "
        "rows, solve for W)");
  }
  if (options.output == options.input || options.output == options.model) {
    throw Error("--output must differ from --input and --model");
  }
  if (!(options.rule.alpha_W >= 0.0) || !(options.rule.alpha_H.value_or(0.0) >= 0.0) ||
      !(options.rule.l1_ratio >= 0.0 && options.rule.l1_ratio <= 1.0)) {
    throw Error("--alpha-W and --alpha-H must be 0 or more, --l1-ratio between 0 and 1");
  }
}

void validate(const ConvertOptions& options) {
  if (options.input.empty()) {
    throw Error("--input is required: the file holding the matrix to convert");
  }
  if (options.output.empty()) {
    throw Error("--output is required: the HDF5 file to write");
  }
  if (options.output == options.input) {
    throw Error("--output must differ from --input");
  }
  if (options.dataset.empty()) {
    throw Error("--dataset must name a dataset or group, such as /V");
  }
  const std::string& target = options.output_dataset;
  if (target.size() < 2 || target.front() != '/' || target.back() == '/') {
    throw Error("--output-dataset must be a path inside the file, such as /V");
  }
  if (target == "/row_names" || target == "/col_names") {
    throw Error("--output-dataset " + target +
                " is where the names go; choose another, such as /V");
  }
}

}  // namespace mpinmf
