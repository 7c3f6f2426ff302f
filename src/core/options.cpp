#include "mpinmf/options.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iterator>
#include <type_traits>
#include <utility>

#include "mpinmf/error.hpp"

namespace mpinmf {

std::string algorithm_choices() {
  std::string listed;
  const std::size_t count = std::size(kAlgorithms);
  for (std::size_t i = 0; i < count; ++i) {
    listed += (i == 0 ? "" : i + 1 == count ? " or " : ", ") + std::string(kAlgorithms[i].name);
  }
  return listed;
}

Algorithm parse_algorithm(const std::string& name) {
  const auto* found = std::ranges::find_if(
      kAlgorithms, [&](const AlgorithmInfo& info) { return name == info.name; });
  if (found == std::end(kAlgorithms)) {
    throw Error("--algorithm: unknown rule '" + name + "' (choose " + algorithm_choices() + ")");
  }
  return found->algorithm;
}

std::string algorithm_name(Algorithm algorithm) {
  const auto* found = std::ranges::find_if(
      kAlgorithms, [&](const AlgorithmInfo& info) { return info.algorithm == algorithm; });
  return found == std::end(kAlgorithms) ? "unknown" : found->name;
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

/// `name` is one of `names`.
template <std::size_t N>
bool is_one_of(const std::string& name, const char* const (&names)[N]) {
  return std::ranges::find(names, name) != std::end(names);
}

// The names of each option with a fixed set of values: parsed from here, and listed by
// choices_of for the shell completion.
constexpr std::pair<const char*, InputFormat> kFormats[] = {
    {"auto", InputFormat::automatic},   {"dense", InputFormat::dense}, {"csr", InputFormat::csr},
    {"csc", InputFormat::csc},          {"h5ad", InputFormat::h5ad},   {"10x", InputFormat::tenx},
    {"mtx", InputFormat::matrix_market}};
constexpr std::pair<const char*, Precision> kPrecisions[] = {
    {"double", Precision::double_precision}, {"single", Precision::single_precision}};
constexpr std::pair<const char*, OutputLayout> kLayouts[] = {
    {"auto", OutputLayout::automatic}, {"csr", OutputLayout::csr}, {"dense", OutputLayout::dense}};
constexpr const char* kStarts[] = {"random", "nndsvd", "nndsvda", "nndsvdar"};
constexpr const char* kScalings[] = {"none", "l1", "l2"};
constexpr const char* kAxes[] = {"columns", "rows"};

}  // namespace

InputFormat parse_input_format(const std::string& name) {
  return parse_choice(name, kFormats, "--format", "format");
}

Precision parse_precision(const std::string& name) {
  return parse_choice(name, kPrecisions, "--precision", "precision");
}

std::string precision_name(Precision precision) {
  return precision == Precision::single_precision ? "single" : "double";
}

OutputLayout parse_output_layout(const std::string& name) {
  return parse_choice(name, kLayouts, "--layout", "layout");
}

std::vector<std::string> choices_of(const std::string& option) {
  std::vector<std::string> names;
  const auto take = [&names](const auto& table) {
    for (const auto& entry : table) {
      if constexpr (std::is_convertible_v<decltype(entry), const char*>) {
        names.emplace_back(entry);
      } else {
        names.emplace_back(entry.first);
      }
    }
  };
  if (option == "algorithm") {
    std::ranges::transform(kAlgorithms, std::back_inserter(names),
                           [](const AlgorithmInfo& rule) { return std::string(rule.name); });
  } else if (option == "format") {
    take(kFormats);
  } else if (option == "precision") {
    take(kPrecisions);
  } else if (option == "layout") {
    take(kLayouts);
  } else if (option == "init") {
    take(kStarts);
  } else if (option == "normalize") {
    take(kScalings);
  } else if (option == "axis") {
    take(kAxes);
  }
  return names;
}

void validate(const RuleSettings& rule) {
  if (!(rule.delta > 0.0) || !std::isfinite(rule.delta)) {
    throw Error("--delta must be a positive number (it keeps denominators away from zero)");
  }
  if (!(rule.lambda >= 0.0) || !std::isfinite(rule.lambda)) {
    throw Error("--lambda must be 0 or more");
  }
  if (rule.learning_rate && (!(*rule.learning_rate > 0.0) || !std::isfinite(*rule.learning_rate))) {
    throw Error("--learning-rate must be a positive number");
  }
  if (!(rule.alpha_W >= 0.0) || !std::isfinite(rule.alpha_W)) {
    throw Error("--alpha-W must be 0 or more");
  }
  if (rule.alpha_H && (!(*rule.alpha_H >= 0.0) || !std::isfinite(*rule.alpha_H))) {
    throw Error("--alpha-H must be 0 or more");
  }
  if (!(rule.l1_ratio >= 0.0 && rule.l1_ratio <= 1.0)) {
    throw Error("--l1-ratio must be between 0 (pure L2) and 1 (pure L1)");
  }
  if (rule.algorithm == Algorithm::kullback_leibler &&
      (rule.alpha_W > 0.0 || rule.alpha_H.value_or(0.0) > 0.0)) {
    throw Error("--alpha-W and --alpha-H apply to the Frobenius rules only, not to kl");
  }
  // The automatic count is at most 5; a half-iteration of thousands of sweeps only delays
  // the next stop request and checkpoint.
  constexpr int kMostInnerSweeps = 1000;
  if (rule.inner_sweeps < 0 || rule.inner_sweeps > kMostInnerSweeps) {
    throw Error("--inner-sweeps must be 0 (automatic) to " + std::to_string(kMostInnerSweeps));
  }
}

namespace {

/// --pg-tol and --time-limit, as every command that factorizes takes them.
void validate_limits(const StoppingCriteria& stopping) {
  if (!(stopping.gradient_tolerance >= 0.0)) {
    throw Error("--pg-tol must be 0 or more");
  }
  if (!(stopping.time_limit_seconds >= 0.0)) {
    throw Error("--time-limit must be 0 (no limit) or more seconds");
  }
}

}  // namespace

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
  validate_limits(options.stopping);
  validate(options.rule);
  if (!is_one_of(options.normalize, kScalings)) {
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
  if (!is_one_of(options.init, kStarts)) {
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
  if (!is_one_of(options.axis, kAxes)) {
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

void validate(const GenerateOptions& options) {
  if (options.rows < 1 || options.columns < 1) {
    throw Error("--rows and --columns are required and must be at least 1");
  }
  if (options.rank < 1 || options.rank > std::min(options.rows, options.columns)) {
    throw Error("--rank must be between 1 and min(rows, columns) = " +
                std::to_string(std::min(options.rows, options.columns)));
  }
  if (options.clusters < 0 || options.clusters > options.columns) {
    throw Error("--clusters must be between 1 and the number of columns (0: as many as --rank)");
  }
  if (!(options.density > 0.0 && options.density <= 1.0)) {
    throw Error("--density must be in (0, 1]: the share of entries kept (1: dense)");
  }
  if (!(options.noise >= 0.0) || !std::isfinite(options.noise)) {
    throw Error("--noise must be a finite number ≥ 0");
  }
  if (options.output.empty()) {
    throw Error("--output is required: the HDF5 file to write");
  }
  const std::string& target = options.output_dataset;
  if (target.size() < 2 || target.front() != '/' || target.back() == '/' ||
      target.rfind("/truth", 0) == 0 || target == "/row_names" || target == "/col_names") {
    throw Error("--output-dataset must be a path inside the file other than /truth, such as /V");
  }
}

std::vector<Index> parse_rank_list(const std::string& text) {
  const std::string why =
      "--ranks " + text +
      ": expected FIRST:LAST (such as 2:10) or a list (2,4,8) of k ≥ 1, increasing";
  std::vector<Index> ranks;
  auto number = [&](const std::string& part) {
    std::size_t used = 0;
    long long value = 0;
    try {
      value = std::stoll(part, &used);
    } catch (const std::exception&) {
      throw Error(why);
    }
    if (used != part.size() || value < 1 || value > 1000000) {
      throw Error(why);
    }
    return static_cast<Index>(value);
  };
  if (const auto colon = text.find(':'); colon != std::string::npos) {
    const Index first = number(text.substr(0, colon));
    const Index last = number(text.substr(colon + 1));
    if (last < first) {
      throw Error(why);
    }
    for (Index k = first; k <= last; ++k) {
      ranks.push_back(k);
    }
    return ranks;
  }
  std::size_t begin = 0;
  while (begin <= text.size()) {
    const std::size_t comma = std::min(text.find(',', begin), text.size());
    ranks.push_back(number(text.substr(begin, comma - begin)));
    begin = comma + 1;
  }
  if (!std::is_sorted(ranks.begin(), ranks.end()) ||
      std::adjacent_find(ranks.begin(), ranks.end()) != ranks.end()) {
    throw Error(why);
  }
  return ranks;
}

std::uint64_t restart_seed(std::uint64_t seed, Index k, int restart) {
  constexpr std::uint64_t kRestartsPerRank = 1000003;  // a prime above any --restarts
  constexpr std::uint64_t kSeedsPerSurvey = 1000003ULL * 1000003ULL;
  // Kept below 2⁶³, so that it reads the same as a signed 64-bit number (HDF5, R, Julia).
  constexpr std::uint64_t kBelowTwoTo63 = (std::uint64_t{1} << 63U) - 1;
  return (seed * kSeedsPerSurvey + static_cast<std::uint64_t>(k) * kRestartsPerRank +
          static_cast<std::uint64_t>(restart)) &
         kBelowTwoTo63;
}

void validate(const SurveyOptions& options) {
  if (options.input.empty()) {
    throw Error("--input is required: the file holding V");
  }
  if (options.output.empty()) {
    throw Error("--output is required: the HDF5 file to write the survey to");
  }
  if (std::filesystem::path(options.output).extension() == ".tsv") {
    throw Error("--output " + options.output +
                ": the survey's table goes next to it with the extension .tsv; name the HDF5 "
                "file otherwise, such as survey.h5");
  }
  if (options.ranks.empty()) {
    throw Error("--ranks is required: the candidate k, such as 2:10");
  }
  if (options.ranks.front() < 2) {
    throw Error(
        "--ranks: a survey compares how restarts cluster the columns, and k = 1 puts "
        "them all in one cluster; start at 2");
  }
  if (options.restarts < 2 || options.restarts > 100000) {
    throw Error("--restarts must be between 2 and 100000: the consensus compares restarts");
  }
  if (options.group_size < 1) {
    throw Error("--group-size must be at least 1");
  }
  if (options.consensus_columns < 2) {
    throw Error("--consensus-columns must be at least 2");
  }
  if (options.stopping.max_iterations < 1) {
    throw Error("--max-iter must be at least 1");
  }
  if (!(options.stopping.tolerance >= 0.0)) {
    throw Error("--tol must be ≥ 0");
  }
  validate_limits(options.stopping);
  validate(options.rule);
  if (options.init == "nndsvd" || options.init == "nndsvda") {
    throw Error("--init " + options.init +
                " gives every restart the same start, up to its randomized SVD's rounding, so "
                "the restarts could not disagree; a survey takes random (the default) or "
                "nndsvdar, whose zeros are filled at random from each restart's seed");
  }
  if (options.init != "random" && options.init != "nndsvdar") {
    throw Error("--init: unknown start '" + options.init + "' (choose random or nndsvdar)");
  }
}

}  // namespace mpinmf
