#include "commands/survey.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <limits>
#include <numeric>
#include <optional>
#include <ostream>
#include <span>
#include <sstream>

#include "analysis/consensus.hpp"
#include "commands/preamble.hpp"
#include "core/interrupt.hpp"
#include "engine/factorization.hpp"
#include "engine/preflight.hpp"
#include "io/output_file.hpp"
#include "mpinmf/error.hpp"

namespace mpinmf {
namespace {

/// One restart of one k. Task t is done by group t mod groups: the same tasks, the same
/// seeds, whatever the number of groups.
struct Task {
  Index k = 0;
  int restart = 0;
};

std::vector<Task> survey_tasks(const SurveyOptions& options) {
  std::vector<Task> tasks;
  for (const Index k : options.ranks) {
    for (int restart = 0; restart < options.restarts; ++restart) {
      tasks.push_back({k, restart});
    }
  }
  return tasks;
}

/// Evenly spaced columns, at most `limit`: the ones the consensus is computed on.
std::vector<std::int64_t> consensus_columns(Index columns, Index limit) {
  const Index count = std::min(columns, limit);
  std::vector<std::int64_t> chosen(static_cast<std::size_t>(count));
  for (Index c = 0; c < count; ++c) {
    chosen[static_cast<std::size_t>(c)] = (c * columns) / count;
  }
  return chosen;
}

/// Restarts are ranked by their exact relative error in steps of one part in 10⁹: restarts
/// that reach the same minimum differ only by rounding, which depends on how many ranks
/// summed their error, and must tie. Ties go to the earlier restart. Being a total order,
/// the best of each group's restarts and the best of all agree on every rank.
std::int64_t fit_step(double relative_error) {
  constexpr double kStep = 1e-9;
  if (!std::isfinite(relative_error)) {
    return std::numeric_limits<std::int64_t>::max();  // none yet
  }
  if (!(relative_error > std::numeric_limits<double>::min())) {
    return std::numeric_limits<std::int64_t>::min();  // an exact fit
  }
  return static_cast<std::int64_t>(std::floor(std::log(relative_error) / std::log1p(kStep)));
}

/// Whether a later restart with this relative error beats the best so far.
bool fits_better(double relative_error, double best_so_far) {
  return fit_step(relative_error) < fit_step(best_so_far);
}

/// The best restart of one k a group has seen, kept until the end for writing (H only on
/// the group's first rank, which writes it).
struct BestRestart {
  double relative_error = std::numeric_limits<double>::infinity();
  Factors factors;
};

/// What every rank learns of each restart: objective, relative error, iterations, then the
/// dominant component of each consensus column. Filled by the groups' first ranks, summed.
class RestartTable {
 public:
  RestartTable(std::size_t tasks, std::size_t columns)
      : stride_(kScalars + columns), values_(tasks * stride_, 0.0) {}
  double* row(std::size_t task) { return values_.data() + task * stride_; }
  [[nodiscard]] double objective(std::size_t task) const { return values_[task * stride_]; }
  [[nodiscard]] double relative_error(std::size_t task) const {
    return values_[task * stride_ + 1];
  }
  [[nodiscard]] double iterations(std::size_t task) const { return values_[task * stride_ + 2]; }
  [[nodiscard]] std::vector<std::int64_t> labels(std::size_t task) const {
    const auto first = values_.begin() + static_cast<std::ptrdiff_t>(task * stride_ + kScalars);
    return {first, first + static_cast<std::ptrdiff_t>(stride_ - kScalars)};
  }
  void record(std::size_t task, const EngineResult& result,
              const std::vector<std::int64_t>& labels) {
    double* values = row(task);
    values[0] = result.history.back().objective;
    values[1] = result.final_relative_error;
    values[2] = result.iterations;
    std::copy(labels.begin(), labels.end(), values + kScalars);
  }
  void sum_over(Communicator& comm) {
    comm.sum(values_.data(), static_cast<Index>(values_.size()));
  }

 private:
  static constexpr std::size_t kScalars = 3;
  std::size_t stride_;
  std::vector<double> values_;
};

/// Where each k's restarts sit in the task list, and its best one.
struct RankTasks {
  std::size_t first = 0;
  std::size_t count = 0;
  std::size_t best = 0;
};

RankTasks tasks_of(const RestartTable& table, std::size_t index, int restarts) {
  RankTasks tasks{index * static_cast<std::size_t>(restarts), static_cast<std::size_t>(restarts),
                  0};
  tasks.best = tasks.first;
  for (std::size_t t = tasks.first; t < tasks.first + tasks.count; ++t) {
    if (fits_better(table.relative_error(t), table.relative_error(tasks.best))) {
      tasks.best = t;
    }
  }
  return tasks;
}

/// "2, 3, 4" as the user reads the candidates back.
std::string rank_list(const std::vector<Index>& ranks) {
  std::ostringstream text;
  for (std::size_t i = 0; i < ranks.size(); ++i) {
    text << (i > 0 ? ", " : "") << ranks[i];
  }
  return text.str();
}

std::string tsv_path(const std::string& output) {
  std::filesystem::path path(output);
  path.replace_extension(".tsv");
  return path.string();
}

/// Writes `text` to `path`, a file that must not be left half-written: the caller renames
/// it into place once everything else is written.
void write_text_file(const std::string& path, const std::string& text) {
  std::ofstream file(path);
  if (!file.is_open()) {
    throw Error(path + ": could not write the survey table (cannot create the file)");
  }
  file << text;
  if (!file.flush()) {
    file.close();
    std::filesystem::remove(path);  // ours, and incomplete
    throw Error(path + ": could not write the survey table");
  }
}

void print_table(std::ostream& out, const std::vector<SurveyRow>& rows) {
  out << "\n     k  restarts  rel. error  expl. var.  cophenetic  dispersion  silhouette  "
         "iterations\n";
  for (const SurveyRow& row : rows) {
    out << std::setw(6) << row.k << std::setw(10) << row.restarts << std::fixed
        << std::setprecision(5) << std::setw(12) << row.best_relative_error << std::setw(12)
        << row.explained_variance << std::setw(12) << row.cophenetic << std::setw(12)
        << row.dispersion << std::setw(12) << row.silhouette << std::setprecision(1)
        << std::setw(12) << row.mean_iterations << "\n";
  }
  out.unsetf(std::ios::floatfield);
}

}  // namespace

Index suggested_rank(const std::vector<SurveyRow>& rows) {
  double highest = -std::numeric_limits<double>::infinity();
  for (const SurveyRow& row : rows) {
    highest = std::max(highest, row.cophenetic);
  }
  constexpr double kEqual = 1e-9;
  // Rows come in increasing k, so the last of the equally crisp candidates is the largest.
  const SurveyRow* suggested = std::accumulate(
      rows.begin(), rows.end(), static_cast<const SurveyRow*>(nullptr),
      [&](const SurveyRow* chosen, const SurveyRow& row) {
        const bool candidate = row.cophenetic >= highest - kSuggestionSlack;
        const bool crisper = chosen == nullptr || row.dispersion >= chosen->dispersion - kEqual;
        return candidate && crisper ? &row : chosen;
      });
  return suggested == nullptr ? 0 : suggested->k;
}

std::string survey_tsv(const std::vector<SurveyRow>& rows) {
  std::ostringstream text;
  text << "k\trestarts\tbest_objective\tmean_objective\tbest_relative_error\texplained_variance"
          "\tcophenetic\tdispersion\tsilhouette\tmean_iterations\tbest_seed\n";
  text << std::setprecision(10);
  for (const SurveyRow& row : rows) {
    text << row.k << "\t" << row.restarts << "\t" << row.best_objective << "\t"
         << row.mean_objective << "\t" << row.best_relative_error << "\t" << row.explained_variance
         << "\t" << row.cophenetic << "\t" << row.dispersion << "\t" << row.silhouette << "\t"
         << row.mean_iterations << "\t" << row.best_seed << "\n";
  }
  return text.str();
}

namespace {

/// What a survey settles before its ranks are grouped: where its table goes, and its input.
struct PreparedSurvey {
  std::string table_path;
  io::InputPlan plan;
};

void check_group_size(const Communicator& world, const SurveyOptions& options) {
  world.run_agreed([&] {
    if (world.size() % options.group_size != 0) {
      throw Error("--group-size " + std::to_string(options.group_size) +
                  " must divide the number of ranks, " + std::to_string(world.size()));
    }
  });
}

void check_ranks_fit(const Communicator& world, const SurveyOptions& options,
                     const io::InputPlan& plan) {
  world.run_agreed([&] {
    if (options.ranks.back() > std::min(plan.rows, plan.columns)) {
      throw Error("--ranks: k = " + std::to_string(options.ranks.back()) + " is too large for " +
                  plan.source + " (" + std::to_string(plan.rows) + " × " +
                  std::to_string(plan.columns) + "): k must be at most min(rows, columns)");
    }
  });
}

/// A rank's memory when its group's `ranks` ranks share V's rows, `rows` of them its own: the
/// engine's estimate for a factorization with the largest k (the restarts run one after
/// another), and the best restart of each k, kept until the end.
MemoryEstimate survey_rank_memory(const SurveyOptions& options, const io::InputPlan& plan,
                                  int threads, Index rows, int ranks) {
  Workload workload;
  workload.rows = plan.rows;
  workload.columns = plan.columns;
  workload.components = options.ranks.back();
  workload.algorithm = options.rule.algorithm;
  workload.svd_start = options.init != "random";
  workload.threads = threads;
  workload.max_iterations = options.stopping.max_iterations;
  workload.sparse_entries = plan.sparse() ? plan.stored_entries : 0;
  workload.value_bytes = options.precision == Precision::single_precision ? 4 : 8;
  MemoryEstimate memory = estimate_rank_memory(workload, rows, ranks);
  for (const Index k : options.ranks) {
    memory.factors += static_cast<std::int64_t>(sizeof(double)) * (rows + plan.columns) * k;
  }
  return memory;
}

std::string survey_memory_advice(int ranks_that_fit, int per_node) {
  if (ranks_that_fit == 0) {
    return "even one row of V per rank would not fit on a node like this one (each rank holds "
           "H and the k × n products of the largest k, and the best restart of each k); use "
           "machines with more memory, or smaller k";
  }
  return "a --group-size of " + std::to_string(ranks_that_fit) +
         " or more would fit (a group's ranks share V's rows) with " + std::to_string(per_node) +
         (per_node == 1 ? " rank" : " ranks") +
         " on each node like this one; or use fewer ranks per node, or machines with more memory";
}

/// The survey's file: per k the best restart's W and H, the consensus of the sampled columns,
/// its clusters and columns, and the restarts' four measures.
std::int64_t survey_file_bytes(const SurveyOptions& options, const io::InputPlan& plan) {
  const std::int64_t sampled = std::min(plan.columns, options.consensus_columns);
  return std::accumulate(
      options.ranks.begin(), options.ranks.end(), std::int64_t{0},
      [&](std::int64_t bytes, Index k) {
        return bytes + factor_file_bytes(plan.rows, plan.columns, k, 0) +
               static_cast<std::int64_t>(sizeof(double)) *
                   (sampled * sampled + 2 * sampled + 4 * std::int64_t{options.restarts});
      });
}

void check_survey_resources(Communicator& world, const SurveyOptions& options,
                            const io::InputPlan& plan, int threads) {
  const MemoryNeed need{[&](Index rows, int ranks) {
                          return survey_rank_memory(options, plan, threads, rows, ranks);
                        },
                        plan.rows, options.group_size, survey_memory_advice};
  check_memory(world, need);
  check_disk_space(world, options.output, survey_file_bytes(options, plan));
}

/// The survey's preamble (commands/preamble.hpp): its file and table, the groups against the
/// ranks, the largest k against V's shape, and its memory and disk.
PreparedSurvey prepare_survey(Communicator& world, const SurveyOptions& options) {
  PreparedSurvey prepared{tsv_path(options.output), {}};
  PreambleRequest request{&options};
  request.outputs = {{options.output, options.overwrite, ""},
                     {prepared.table_path, options.overwrite, "", "survey table"}};
  request.input = &options;
  request.check_input = [&](const Communicator& all, const io::InputPlan& plan) {
    check_group_size(all, options);
    check_ranks_fit(all, options, plan);
  };
  request.check_resources = [&](Communicator& all, const io::InputPlan& plan, int threads) {
    check_survey_resources(all, options, plan, threads);
  };
  prepared.plan = run_preamble(world, request).input;
  return prepared;
}

/// What the survey's steps share once its ranks are grouped.
struct Survey {
  Communicator& world;
  const SurveyOptions& options;
  std::string table_path;
  io::InputPlan plan;
  int groups = 1;
  int group_index = 0;
  Communicator group;
  std::vector<Task> tasks;
  std::vector<std::int64_t> sampled;  // the consensus columns
};

Survey group_ranks(Communicator& world, const SurveyOptions& options, PreparedSurvey prepared) {
  const int group_index = world.rank() / options.group_size;
  const Index columns = prepared.plan.columns;
  return {world,
          options,
          std::move(prepared.table_path),
          std::move(prepared.plan),
          world.size() / options.group_size,
          group_index,
          world.split(group_index),
          survey_tasks(options),
          consensus_columns(columns, options.consensus_columns)};
}

/// What the gathering and the consensus will need, refused now rather than after the
/// restarts: every rank holds the restarts' table, rank 0 three s × s matrices.
void check_consensus_fits(const Survey& survey) {
  const Communicator& world = survey.world;
  world.run_agreed([&] {
    const double entries =
        static_cast<double>(survey.tasks.size()) * static_cast<double>(3 + survey.sampled.size());
    if (entries > static_cast<double>(std::numeric_limits<int>::max())) {
      throw Error("--restarts × the number of k × the consensus columns is too large to gather (" +
                  std::to_string(static_cast<long long>(entries)) +
                  " numbers); lower --restarts or --consensus-columns");
    }
    const auto columns = static_cast<double>(survey.sampled.size());
    const double needed = 8.0 * entries + (world.is_root() ? 3.0 * 8.0 * columns * columns : 0.0);
    const std::optional<std::int64_t> available = available_memory_bytes();
    if (available && needed > static_cast<double>(*available)) {
      std::ostringstream message;
      message << std::fixed << std::setprecision(1) << "the consensus of " << survey.sampled.size()
              << " columns needs about " << needed / 0x1p30 << " GiB on rank 0 but "
              << static_cast<double>(*available) / 0x1p30
              << " GiB is available; lower --consensus-columns";
      throw Error(message.str());
    }
  });
}

void print_survey_header(std::ostream& out, const Survey& survey) {
  if (survey.world.is_root()) {
    const SurveyOptions& options = survey.options;
    const io::InputPlan& plan = survey.plan;
    out << "mpinmf survey: " << plan.source << " (" << plan.rows << " × " << plan.columns
        << "), k in {" << rank_list(options.ranks) << "}, " << options.restarts
        << " restarts each, " << survey.groups << " group(s) of " << options.group_size
        << " rank(s)\n";
  }
}

/// What the restarts leave on a rank: every restart's numbers (summed over the world once
/// all are done), the group's best restart of each k, and the group's rows of V.
struct Restarts {
  RestartTable table;
  std::vector<BestRestart> best;
  LoadedMatrix V;
};

/// The dominant component of each consensus column.
std::vector<std::int64_t> sampled_labels(const Matrix& H,
                                         const std::vector<std::int64_t>& sampled) {
  std::vector<std::int64_t> labels(sampled.size());
  const std::vector<std::int64_t> dominant = dominant_components(H);
  for (std::size_t c = 0; c < sampled.size(); ++c) {
    labels[c] = dominant[static_cast<std::size_t>(sampled[c])];
  }
  return labels;
}

void keep_if_best(BestRestart& kept, const EngineResult& result, Factors& factors,
                  bool group_root) {
  if (fits_better(result.final_relative_error, kept.relative_error)) {
    if (!group_root) {
      factors.H.resize(0, 0);
    }
    kept = {result.final_relative_error, std::move(factors)};
  }
}

/// The survey's files, as a stop names them.
std::string survey_outputs(const Survey& survey) {
  return survey.options.output + " and " + survey.table_path;
}

void print_restart(std::ostream& out, const Survey& survey, const Task& task,
                   const EngineResult& result, double start) {
  if (survey.world.is_root()) {
    out << "  k = " << task.k << ", restart " << task.restart + 1 << " of "
        << survey.options.restarts << ": relative error " << std::setprecision(6)
        << result.final_relative_error << " after " << result.iterations
        << " iterations (group 0 of " << survey.groups << ", " << std::setprecision(3)
        << MPI_Wtime() - start << " s)\n";
  }
}

void run_restart(Survey& survey, std::size_t t, Restarts& restarts, double start,
                 std::ostream& out) {
  const SurveyOptions& options = survey.options;
  const Task& task = survey.tasks[t];
  Factors factors = starting_factors(survey.group, restarts.V, task.k, options.init,
                                     restart_seed(options.seed, task.k, task.restart));
  LoopHooks hooks;
  hooks.stop_requested = [] { return interrupt_signal().has_value(); };
  const EngineResult result =
      factorize_matrix(survey.group, restarts.V, options.rule, options.stopping, factors, hooks);
  if (result.stop_reason == StopReason::interrupted) {
    throw Interrupted("");  // the group agreed on it; the world does in run_restarts
  }
  const std::vector<std::int64_t> labels = sampled_labels(factors.H, survey.sampled);
  if (survey.group.is_root()) {
    restarts.table.record(t, result, labels);
  }
  keep_if_best(restarts.best[t / static_cast<std::size_t>(options.restarts)], result, factors,
               survey.group.is_root());
  print_restart(out, survey, task, result, start);
}

void run_restarts(Survey& survey, Restarts& restarts, double start, std::ostream& out) {
  // A group's failure (say, a restart that diverges) must not leave the other groups
  // waiting in the world's next collective: each group runs to the end of its tasks or
  // its first failure, then the world agrees.
  std::optional<LocalFailure> failure;
  try {
    restarts.V = load_matrix(survey.group, survey.plan);
    const auto group_count = static_cast<std::size_t>(survey.groups);
    for (auto t = static_cast<std::size_t>(survey.group_index); t < survey.tasks.size();
         t += group_count) {
      run_restart(survey, t, restarts, start, out);
    }
  } catch (const AgreedError& error) {
    failure = LocalFailure{error.what(), 0};
  } catch (const Interrupted&) {
    // The group stopped its restart on a signal; the world agrees on the stop below.
  }
  survey.world.agree(failure);
  stop_if_signalled(survey.world, survey_outputs(survey));
  restarts.table.sum_over(survey.world);
}

/// What the survey found: a row and the restarts of each k; the consensus and the suggestion
/// on rank 0 only.
struct SurveyResults {
  std::vector<SurveyRow> rows;
  std::vector<RankTasks> rank_tasks;
  std::vector<ConsensusSummary> consensus;
  Index suggestion = 0;
};

SurveyRow summarize_rank(const Survey& survey, const RestartTable& table, std::size_t index,
                         const RankTasks& mine, ConsensusSummary& consensus) {
  const SurveyOptions& options = survey.options;
  SurveyRow row;
  row.k = options.ranks[index];
  row.restarts = options.restarts;
  row.best_objective = table.objective(mine.best);
  row.best_relative_error = table.relative_error(mine.best);
  row.explained_variance = 1.0 - row.best_relative_error * row.best_relative_error;
  row.best_seed = restart_seed(options.seed, row.k, survey.tasks[mine.best].restart);
  std::vector<std::vector<std::int64_t>> assignments;
  for (std::size_t t = mine.first; t < mine.first + mine.count; ++t) {
    row.mean_objective += table.objective(t) / static_cast<double>(mine.count);
    row.mean_iterations += table.iterations(t) / static_cast<double>(mine.count);
    assignments.push_back(table.labels(t));
  }
  if (survey.world.is_root()) {
    consensus = summarize_consensus(assignments, row.k);
    row.cophenetic = consensus.cophenetic;
    row.dispersion = consensus.dispersion;
    row.silhouette = consensus.silhouette;
  }
  return row;
}

SurveyResults summarize_restarts(const Survey& survey, const RestartTable& table) {
  const std::size_t ks = survey.options.ranks.size();
  SurveyResults results{std::vector<SurveyRow>(ks), std::vector<RankTasks>(ks),
                        std::vector<ConsensusSummary>(ks), 0};
  // Rank 0 turns the restarts into the table and the consensus; the best restart's owner
  // group is known to all from the gathered objectives.
  survey.world.run_agreed([&] {
    for (std::size_t index = 0; index < ks; ++index) {
      results.rank_tasks[index] = tasks_of(table, index, survey.options.restarts);
      results.rows[index] =
          summarize_rank(survey, table, index, results.rank_tasks[index], results.consensus[index]);
    }
  });
  results.suggestion = survey.world.is_root() ? suggested_rank(results.rows) : 0;
  return results;
}

/// `values` on rank 0, nothing on the others: what rank 0 alone writes.
template <typename Values>
auto root_only(bool root, const Values& values) {
  using Value = typename Values::value_type;
  return root ? std::span<const Value>(values) : std::span<const Value>();
}

template <typename Field>
auto column_of_rows(const std::vector<SurveyRow>& rows, Field field) {
  std::vector<std::decay_t<decltype(field(rows.front()))>> values(rows.size());
  std::transform(rows.begin(), rows.end(), values.begin(), field);
  return values;
}

void write_survey_table(const Communicator& world, hid_t file, const std::vector<SurveyRow>& rows,
                        const std::string& path) {
  const bool root = world.is_root();
  const auto total_ks = static_cast<Index>(rows.size());
  const Index first = root ? 0 : total_ks;
  io::write_range(
      world, file, "/survey/k",
      root_only(root, column_of_rows(rows, [](const SurveyRow& r) { return std::int64_t{r.k}; })),
      first, total_ks, path);
  io::write_range(
      world, file, "/survey/restarts",
      root_only(root,
                column_of_rows(rows, [](const SurveyRow& r) { return std::int64_t{r.restarts}; })),
      first, total_ks, path);
  const std::vector<std::pair<const char*, double SurveyRow::*>> doubles{
      {"best_objective", &SurveyRow::best_objective},
      {"mean_objective", &SurveyRow::mean_objective},
      {"best_relative_error", &SurveyRow::best_relative_error},
      {"explained_variance", &SurveyRow::explained_variance},
      {"cophenetic", &SurveyRow::cophenetic},
      {"dispersion", &SurveyRow::dispersion},
      {"silhouette", &SurveyRow::silhouette},
      {"mean_iterations", &SurveyRow::mean_iterations}};
  for (const auto& [name, member] : doubles) {
    io::write_range(
        world, file, std::string("/survey/") + name,
        root_only(root, column_of_rows(
                            rows, [member = member](const SurveyRow& r) { return r.*member; })),
        first, total_ks, path);
  }
  io::write_range(world, file, "/survey/best_seed",
                  root_only(root, column_of_rows(rows,
                                                 [](const SurveyRow& r) {
                                                   return static_cast<std::int64_t>(r.best_seed);
                                                 })),
                  first, total_ks, path);
}

/// One k's best restart, from the group that found it.
void write_best_factors(const Survey& survey, const BestRestart& best, std::size_t best_task,
                        Index first_row, Index k, hid_t file, const std::string& prefix) {
  const Communicator& world = survey.world;
  const io::InputPlan& plan = survey.plan;
  const std::string& path = survey.options.output;
  const bool owner =
      static_cast<int>(best_task % static_cast<std::size_t>(survey.groups)) == survey.group_index;
  const RowMatrix no_rows(0, k);
  io::write_rows(world, file, prefix + "/W", owner ? best.factors.W : no_rows,
                 owner ? first_row : plan.rows, plan.rows, k, path);
  const bool writes_H = owner && survey.group.is_root();
  const RowMatrix H_rows = writes_H ? RowMatrix(best.factors.H) : RowMatrix(0, plan.columns);
  io::write_rows(world, file, prefix + "/H", H_rows, writes_H ? 0 : k, k, plan.columns, path);
}

/// One k's consensus, from rank 0.
void write_consensus(const Survey& survey, const ConsensusSummary& consensus, hid_t file,
                     const std::string& prefix) {
  const Communicator& world = survey.world;
  const std::string& path = survey.options.output;
  const bool root = world.is_root();
  const auto n_sampled = static_cast<Index>(survey.sampled.size());
  const RowMatrix consensus_rows = root ? RowMatrix(consensus.consensus) : RowMatrix(0, n_sampled);
  io::write_rows(world, file, prefix + "/consensus", consensus_rows, root ? 0 : n_sampled,
                 n_sampled, n_sampled, path);
  io::write_range(world, file, prefix + "/consensus_cluster", root_only(root, consensus.clusters),
                  root ? 0 : n_sampled, n_sampled, path);
  io::write_range(world, file, prefix + "/consensus_columns", root_only(root, survey.sampled),
                  root ? 0 : n_sampled, n_sampled, path);
}

/// Every restart of one k, from rank 0.
void write_restart_measures(const Survey& survey, const RestartTable& table, const RankTasks& mine,
                            Index k, hid_t file, const std::string& prefix) {
  const Communicator& world = survey.world;
  const std::string& path = survey.options.output;
  const bool root = world.is_root();
  std::vector<double> objectives;
  std::vector<double> errors;
  std::vector<std::int64_t> iterations;
  std::vector<std::int64_t> seeds;
  for (std::size_t t = mine.first; t < mine.first + mine.count; ++t) {
    objectives.push_back(table.objective(t));
    errors.push_back(table.relative_error(t));
    iterations.push_back(static_cast<std::int64_t>(table.iterations(t)));
    seeds.push_back(
        static_cast<std::int64_t>(restart_seed(survey.options.seed, k, survey.tasks[t].restart)));
  }
  const auto restarts = static_cast<Index>(mine.count);
  const Index at = root ? 0 : restarts;
  io::write_range(world, file, prefix + "/restart_objective", root_only(root, objectives), at,
                  restarts, path);
  io::write_range(world, file, prefix + "/restart_relative_error", root_only(root, errors), at,
                  restarts, path);
  io::write_range(world, file, prefix + "/restart_iterations", root_only(root, iterations), at,
                  restarts, path);
  io::write_range(world, file, prefix + "/restart_seed", root_only(root, seeds), at, restarts,
                  path);
}

/// /k<K>: one k's best restart, consensus and restarts.
void write_rank_group(const Survey& survey, const Restarts& restarts, const SurveyResults& results,
                      std::size_t index, hid_t file) {
  const std::string prefix = "/k" + std::to_string(results.rows[index].k);
  const Index k = results.rows[index].k;
  const RankTasks& mine = results.rank_tasks[index];
  write_best_factors(survey, restarts.best[index], mine.best, restarts.V.local.rows.begin, k, file,
                     prefix);
  write_consensus(survey, results.consensus[index], file, prefix);
  write_restart_measures(survey, restarts.table, mine, k, file, prefix);
  io::write_attributes(
      survey.world, file, prefix,
      {{"k", static_cast<std::int64_t>(k)},
       {"best_restart", static_cast<std::int64_t>(survey.tasks[mine.best].restart)},
       {"best_seed", static_cast<std::int64_t>(results.rows[index].best_seed)}},
      survey.options.output);
}

void write_survey_attributes(const Survey& survey, Index suggestion, hid_t file) {
  Communicator& world = survey.world;
  const SurveyOptions& options = survey.options;
  io::write_attributes(
      world, file, "/",
      {{"command", std::string("mpinmf survey")},
       {"algorithm", algorithm_name(options.rule.algorithm)},
       {"restarts", static_cast<std::int64_t>(options.restarts)},
       {"seed", static_cast<std::int64_t>(options.seed)},
       {"suggested_k", static_cast<std::int64_t>(world.sum_counts(suggestion))},
       {"rows", static_cast<std::int64_t>(survey.plan.rows)},
       {"columns", static_cast<std::int64_t>(survey.plan.columns)},
       {"ranks", static_cast<std::int64_t>(world.size())},
       {"group_size", static_cast<std::int64_t>(options.group_size)},
       {"input", options.input},
       {"dataset", options.dataset},
       {"version", std::string(MPINMF_VERSION)},
       {"command_line", options.command_line},
       {"layout", std::string("C order: /k<K>/W is rows x k and /k<K>/H is k x columns as "
                              "h5py reads them; column-major readers (R, Julia) see their "
                              "transposes")}},
      options.output);
}

void write_survey_layout(const Survey& survey, const Restarts& restarts,
                         const SurveyResults& results, hid_t file) {
  write_survey_table(survey.world, file, results.rows, survey.options.output);
  for (std::size_t index = 0; index < results.rows.size(); ++index) {
    write_rank_group(survey, restarts, results, index, file);
  }
  write_survey_attributes(survey, results.suggestion, file);
}

void write_survey(const Survey& survey, const Restarts& restarts, const SurveyResults& results) {
  Communicator& world = survey.world;
  // The table first, under a temporary name; the HDF5 file is written whole, then the table
  // and the file are renamed into place (io::OutputFinish's companion). A failure at any step
  // leaves both as they were.
  const std::string table_partial = survey.table_path + ".partial";
  world.run_agreed([&] {
    if (world.is_root()) {
      write_text_file(table_partial, survey_tsv(results.rows));
    }
  });
  io::write_output_file(world, survey.options.output,
                        [&](hid_t file) { write_survey_layout(survey, restarts, results, file); },
                        {.labels = io::read_labels(world, survey.plan),
                         .stop_check = [&] { stop_if_signalled(world, survey_outputs(survey)); },
                         .companion_temporary = table_partial,
                         .companion_path = survey.table_path});
}

void print_survey_end(std::ostream& out, const Survey& survey, const SurveyResults& results,
                      double start) {
  if (survey.world.is_root()) {
    print_table(out, results.rows);
    out << "\nsuggested k = " << results.suggestion
        << " (of the k whose cophenetic correlation is within " << kSuggestionSlack
        << " of the highest, the one with the highest dispersion); wrote " << survey.options.output
        << " and " << survey.table_path << " in " << std::fixed << std::setprecision(1)
        << MPI_Wtime() - start << " s\n";
    out.unsetf(std::ios::floatfield);
  }
}

}  // namespace

void run_survey(Communicator& world, const SurveyOptions& options, std::ostream& out) {
  const double start = MPI_Wtime();
  Survey survey = group_ranks(world, options, prepare_survey(world, options));
  check_consensus_fits(survey);
  Restarts restarts{RestartTable(survey.tasks.size(), survey.sampled.size()),
                    std::vector<BestRestart>(options.ranks.size()), LoadedMatrix()};
  print_survey_header(out, survey);
  run_restarts(survey, restarts, start, out);
  const SurveyResults results = summarize_restarts(survey, restarts.table);
  write_survey(survey, restarts, results);
  print_survey_end(out, survey, results, start);
}

}  // namespace mpinmf
