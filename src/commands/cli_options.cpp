#include "commands/cli_options.hpp"

#include <algorithm>
#include <boost/program_options.hpp>
#include <deque>
#include <functional>
#include <iterator>
#include <sstream>
#include <string_view>
#include <utility>

#include "commands/help_printer.hpp"
#include "commands/help_writers.hpp"
#include "commands/option_suggestion.hpp"
#include "mpinmf/error.hpp"

namespace mpinmf {
namespace po = boost::program_options;

namespace {

constexpr const char* kUsage = R"(mpinmf — distributed non-negative matrix factorization, V ≈ W H

Usage:
  mpirun -np P mpinmf --input FILE.h5 --rank K --output RESULT.h5 [options]

V (m × n, every entry ≥ 0, dense or sparse) is read from an HDF5 dataset or sparse
group, an AnnData .h5ad, a 10x Genomics .h5 or a Matrix Market .mtx file; each of the P
ranks reads and updates its own block of rows (for sparse V, an equal share of the
nonzeros). W (m × k) and H (k × n) are written to RESULT.h5 as /W and /H, with /history
(iteration, seconds, relative error, objective per iteration), the input's row and column
names when it has them, and attributes describing the run.

Examples:
  mpirun -np 4 mpinmf --input expr.h5 --dataset /V --rank 20 --algorithm mu \
         --output factors.h5
  mpirun -np 8 mpinmf --input pbmc.h5ad --rank 12 --algorithm hals --output programs.h5 \
         --checkpoint-every 100

)";  // then a line per subcommand, from subcommands()

// The help's closing sections: the rules and the penalties (the main command and the survey),
// the penalties alone (project), precision and exit status (the main command).
/// "Rules": a paragraph a rule from kAlgorithms, its name in the margin and its help wrapped
/// beside it, so that a rule added to the table is described here too.
std::string rules_footer() {
  constexpr std::size_t kWidth = 90;
  constexpr std::size_t kIndent = 12;
  std::string text =
      "\nRules (the Frobenius rules minimize ½‖V − WH‖² plus the penalties, kl the divergence;\n"
      "each never increases its objective):\n";
  for (const AlgorithmInfo& rule : kAlgorithms) {
    std::string margin = "  " + std::string(rule.name);
    margin.resize(kIndent, ' ');
    for (const std::string& line : wrapped(rule.help, kWidth - kIndent)) {
      text += margin + line + "\n";
      margin.assign(kIndent, ' ');
    }
  }
  return text;
}

constexpr const char* kPenaltiesFooter = R"(
Penalties (scikit-learn's names and scaling, so settings carry across):
  α_W·ρ·n·‖W‖₁ + ½·α_W·(1 − ρ)·n·‖W‖² + α_H·ρ·m·‖H‖₁ + ½·α_H·(1 − ρ)·m·‖H‖²
  with α = --alpha-W / --alpha-H, ρ = --l1-ratio, V m × n. L1 (ρ = 1) makes factors
  sparse, L2 (ρ = 0) keeps them small.
)";

constexpr const char* kRunFooter = R"(
Precision (--precision single): V is held in single precision, and the loop's copies of
W and H, its products and its rules work in float (kl's loop stays double); the objective,
the Grams and the gradient norms that decide convergence stay double. Dense V takes half
the memory and an iteration runs about twice as fast (1.6-1.8 times with BLAS's float
products, 2.1-2.3 with mpinmf's own on AVX-512 for k <= 64); sparse V saves a quarter of
its memory. The result is a factorization of V rounded to 7 digits: its relative error
stays within about 1e-5 of double's. The factors are written in double either way.

Exit status: 0 on success, 1 when the run fails (bad input, I/O error), 2 for a usage
error, 75 when a signal (SIGTERM, SIGINT, SIGUSR1) stopped the run after it wrote a
checkpoint: run again with --resume. Every rank exits with the same status.
)";

}  // namespace

namespace {

constexpr const char* kProjectUsage = R"(mpinmf project — express new data in a learned basis

Usage:
  mpirun -np P mpinmf project --model factors.h5 --input new.h5 --output coeffs.h5

--axis columns (default): new samples are columns of V' (m × n', the model's m rows);
  solves H' ≥ 0 minimizing ½‖V' − W H'‖² with the model's W fixed, writes /H (k × n').
--axis rows: new rows of V'' (m'' × n, the model's n columns); solves W'' ≥ 0 with the
  model's H fixed, writes /W (m'' × k).
Each column (or row) is solved exactly by block principal pivoting, with the same
penalties as factorization (--alpha-W, --alpha-H, --l1-ratio). The new data is read as
the main command reads V: a dense HDF5 dataset, a CSR/CSC group, AnnData .h5ad, 10x
Genomics .h5 or Matrix Market .mtx, with the same --dataset, --format and --transpose.
)";

constexpr const char* kConvertUsage =
    R"(mpinmf convert — rewrite a matrix as the HDF5 file mpinmf reads fastest

Usage:
  mpirun -np P mpinmf convert --input FILE --output MATRIX.h5 [options]

Reads any input the main command reads (a dense HDF5 dataset, a CSR/CSC group, AnnData
.h5ad, 10x Genomics .h5, Matrix Market .mtx/.mtx.gz), with the same --dataset, --format
and --transpose, and writes it as one HDF5 file:
  --layout csr (default for sparse inputs): a group (/V unless --output-dataset) holding
    data (float64), indices and indptr (int64), with a `shape` attribute and AnnData's
    encoding-type "csr_matrix": every rank reads just its rows' slice of it, and no
    all-to-all exchange is needed as for CSC, 10x or Matrix Market.
  --layout dense (default for dense inputs): a 2-D float64 dataset. A sparse matrix is
    written dense only if that takes at most 1 GiB or 4 times its CSR size (at least one
    entry in 8 nonzero), unless --force-dense.
Row and column names (AnnData obs/var, 10x features/barcodes) go to /row_names and
/col_names. Each rank reads and writes its own rows, in parallel; entries are checked as
when factorizing (finite, >= 0). The output is written as OUTPUT.partial and renamed when
complete: a failed conversion leaves no file.

Then factorize it with: mpirun -np P mpinmf --input MATRIX.h5 --rank K --output W_H.h5

Example:
  mpirun -np 4 mpinmf convert --input filtered_feature_bc_matrix.h5 --transpose \
         --output cells.h5
)";

constexpr const char* kGenerateUsage =
    R"(mpinmf generate — write a test matrix whose factors and column clusters are known

Usage:
  mpirun -np P mpinmf generate --rows M --columns N --rank K --output V.h5 [options]

Writes V = W H + noise (m × n, every entry ≥ 0) for demos, benchmarks and tests, at any
size: each rank makes and writes its own rows, straight to HDF5, and the same --seed gives
the same file for any number of ranks.
  W (m × k): independent exponential entries (mean 1).
  H (k × n): each column belongs to one of --clusters planted clusters and is its
    cluster's profile (one dominant component over a background below 0.3), each entry
    scaled by a random 0.75–1.25. With clusters ≤ k, a column's cluster is the component
    that dominates it, which is what NMF's consensus clustering recovers.
  noise: Gaussian, standard deviation --noise × the mean entry of W H, clipped at 0.
  --density below 1 keeps each entry with that probability and writes V as a CSR group
    (the layout AnnData and mpinmf read); the work is proportional to the nonzeros.
The file also holds the truth: /truth/W, /truth/H and /truth/column_cluster (int64, one
per column), with the settings as attributes of /.

Then factorize it: mpirun -np P mpinmf --input V.h5 --rank K --output W_H.h5

Examples:
  mpirun -np 4 mpinmf generate --rows 20000 --columns 2000 --rank 20 --output dense.h5
  mpirun -np 4 mpinmf generate --rows 1000000 --columns 20000 --rank 20 --density 0.001 \
         --output sparse.h5
)";

constexpr const char* kSurveyUsage =
    R"(mpinmf survey — which k? Many restarts of each candidate rank, and how well they agree

Usage:
  mpirun -np P mpinmf survey --input V.h5 --ranks 2:10 --restarts 30 --output survey.h5

For each k in --ranks, --restarts factorizations from different starts (--init). Each
restart assigns every column (sample) to the component that dominates it; the consensus
matrix holds, for each pair of columns, the share of restarts that put them together, and
is clustered by average linkage (as R's NMF package does). For each k it reports:
  best and mean objective, relative error and explained variance (1 − error²) of the best;
  cophenetic correlation of the consensus clustering (1: the restarts always agree) — the
    usual choice is the largest k before it drops (Brunet et al., 2004);
  dispersion of the consensus (Kim & Park, 2007; 1: all 0s and 1s);
  mean silhouette width of the consensus clustering cut at k.
The P ranks are split into groups of --group-size; each group reads V once (split by rows
as the main command does) and factors whole restarts, so a survey keeps every rank busy
even where one factorization would not scale further. Use a larger --group-size when one
rank cannot hold V. The same --seed gives the same restarts for any P and group size, and
the same table up to rounding (the best restart of each k is chosen to one part in 10⁹).

Output: /survey (one row per k: k, restarts, best_objective, mean_objective,
best_relative_error, explained_variance, cophenetic, dispersion, silhouette,
mean_iterations, best_seed), and per k a group /k<K> with the best restart's W and H, the
consensus matrix, the consensus clustering (cluster per column) and every restart's
objective, relative error, iterations and seed. A tab-separated copy of /survey is written
next to it (OUTPUT with .tsv). The best restart of a k is repeated by the main command
with --rank K --seed <best_seed>, the same rule and the same --init.

Above --consensus-columns columns, the consensus is computed on that many evenly spaced
columns (rank 0 holds three n × n matrices); /k<K>/consensus_columns says which.
)";

/// A copy of an option error whose substituted values (the option and value as typed) have
/// their '%' escaped where two of them could enclose a placeholder. Boost 1.74 replaces each
/// %placeholder% of the message until none is left, so a value holding its own placeholder
/// (`--seed %value%`) made what() loop forever (found by tests/fuzz/cli_options_fuzz.cpp).
class EscapedOptionError : public po::error_with_option_name {
 public:
  explicit EscapedOptionError(const po::error_with_option_name& original)
      : po::error_with_option_name(original) {
    for (auto& substitution : m_substitutions) {
      std::string& value = substitution.second;
      if (std::ranges::count(value, '%') < 2) {
        continue;
      }
      for (std::size_t at = value.find('%'); at != std::string::npos;
           at = value.find('%', at + 2)) {
        value.insert(at, 1, '\\');
      }
      escaped_ = true;
    }
  }
  /// Whether any value was escaped; if none was, the original's what() is safe and complete.
  [[nodiscard]] bool escaped() const { return escaped_; }

 private:
  bool escaped_ = false;
};

std::string message_of(const po::error_with_option_name& error) {
  const EscapedOptionError escaped(error);
  return escaped.escaped() ? escaped.what() : error.what();
}

/// Runs `parse`, turning what it throws into a usage error with its message.
void reporting_usage_errors(CommandLine& result, const std::function<void()>& parse) {
  try {
    parse();
  } catch (const po::error_with_option_name& error) {
    result.action = CommandLine::Action::usage_error;
    result.message = message_of(error);
  } catch (const po::error& error) {
    result.action = CommandLine::Action::usage_error;
    result.message = error.what();
  } catch (const Error& error) {
    result.action = CommandLine::Action::usage_error;
    result.message = error.what();
  }
}

/// Refuses a word that no option takes: Boost keeps such words as positional and drops
/// them, so `--transpose false` transposed and a stray word passed unseen.
void refuse_stray_words(const po::parsed_options& parsed, const po::options_description& all) {
  std::string before;  // the option just before the word
  for (const po::option& option : parsed.options) {
    if (option.position_key < 0) {
      before = option.string_key;
      continue;
    }
    const std::string word = option.value.empty() ? std::string() : option.value.front();
    const po::option_description* previous = all.find_nothrow(before, false);
    if (previous != nullptr && previous->semantic()->max_tokens() == 0) {
      std::string message = "--" + before;
      message += " takes no value (give it for yes, leave it out for no): '" + word;
      throw Error(message + "' is not an option");
    }
    throw Error("unexpected word '" + word +
                "' on the command line: every value follows its option (--name VALUE)");
  }
}

std::string joined(const std::string& program, const std::vector<std::string>& arguments) {
  std::string command = program;
  for (const std::string& argument : arguments) {
    command += " " + argument;
  }
  return command;
}

// Hidden arguments: `mpinmf [SUBCOMMAND] --man` writes the command's man page, `mpinmf
// --completion bash` the completion script; --completion-arm is the script's part for one
// command.
constexpr const char* kManRequest = "--man";
constexpr const char* kCompletionArmRequest = "--completion-arm";

/// What completes a command's settings once the values are stored: a choice parsed from its
/// name, an optional value set only when given.
using Step = std::function<void(const po::variables_map&)>;

/// A command's options: the sections its --help lists, each filled by the option groups
/// below and the command's own options, and the steps the groups leave for after parsing.
class OptionTable {
 public:
  /// A new section of the help, under `caption`.
  po::options_description& section(const std::string& caption) {
    return sections_.emplace_back(caption).options;
  }

  /// A step to run once the values are stored, after those added before it.
  void then(Step step) { steps_.push_back(std::move(step)); }

  /// Parses `arguments` into `result`: the help (`usage`, the sections, `footer`) or the
  /// version when asked, or else the values, completed by the steps and then by `finish`
  /// (which validates). Errors become usage errors.
  void parse(CommandLine& result, const std::vector<std::string>& arguments,
             const std::string& usage, const std::string& footer, const Step& finish) const {
    // Hidden requests, for the build and the package rather than for users: this command's
    // man page, and its arm of the completion script (parse_command_line joins the arms).
    if (arguments == std::vector<std::string>{kManRequest}) {
      result.action = CommandLine::Action::help;
      result.message = man_page(usage, sections_, footer, MPINMF_VERSION);
      return;
    }
    if (arguments == std::vector<std::string>{kCompletionArmRequest}) {
      result.action = CommandLine::Action::help;
      result.message = completion_arm(usage, sections_);
      return;
    }
    po::options_description all;
    for (const HelpSection& group : sections_) {
      all.add(group.options);
    }
    std::string unknown;
    reporting_usage_errors(result, [&] {
      po::variables_map values;
      try {
        const po::parsed_options parsed = po::command_line_parser(arguments).options(all).run();
        refuse_stray_words(parsed, all);
        po::store(parsed, values);
      } catch (const po::unknown_option& error) {
        unknown = error.get_option_name();
        throw;
      }
      po::notify(values);
      if (values.count("help") != 0U) {
        result.action = CommandLine::Action::help;
        result.message = usage + "\n" + format_option_sections(sections_) + footer;
      } else if (values.count("version") != 0U) {
        result.action = CommandLine::Action::version;
        result.message = std::string("mpinmf ") + MPINMF_VERSION + "\n";
      } else {
        for (const Step& step : steps_) {
          step(values);
        }
        finish(values);
      }
    });
    if (!unknown.empty()) {
      if (const auto suggestion = nearest_option(unknown, long_names())) {
        result.message += " (did you mean --" + *suggestion + "?)";
      }
    }
  }

  /// Every option's long name, in the order the help lists them.
  [[nodiscard]] std::vector<std::string> long_names() const {
    std::vector<std::string> names;
    for (const HelpSection& group : sections_) {
      std::ranges::transform(group.options.options(), std::back_inserter(names),
                             [](const auto& option) { return option->long_name(); });
    }
    return names;
  }

 private:
  std::deque<HelpSection> sections_;  // stable: the groups hold references
  std::vector<Step> steps_;
};

/// A default as people write it: 1e-6 rather than 1e-06 or 9.9999999999999995e-07.
std::string shown(double value) {
  std::ostringstream text;
  text << value;
  std::string written = text.str();
  if (const auto exponent = written.find("e-0"); exponent != std::string::npos) {
    written.erase(exponent + 2, 1);
  }
  return written;
}

// The option groups: each declares its options once, bound to the settings they fill, for
// every command that takes them.

constexpr const char* kMatrixFileHelp =
    "file holding V (required): HDF5 (dense dataset or sparse group), AnnData .h5ad, 10x "
    "Genomics .h5, or Matrix Market .mtx / .mtx.gz";

/// --input, --dataset, --format and --transpose (InputSettings; --precision is a resource).
void add_input_options(OptionTable& table, po::options_description& section, InputSettings& input,
                       const char* input_help, const char* transpose_help) {
  section.add_options()("input,i", po::value(&input.input)->value_name("FILE"), input_help)(
      "dataset,d", po::value(&input.dataset)->value_name("PATH")->default_value(input.dataset),
      "inside an HDF5 input: a 2-D dataset (float64, float32 or integer) or a sparse group "
      "(data, indices, indptr). .h5ad files use /X and 10x files /matrix unless told")(
      "format", po::value<std::string>()->value_name("FORMAT")->default_value("auto"),
      "auto (from the file), dense, csr, csc, h5ad, 10x or mtx")(
      "transpose", po::bool_switch(&input.transpose), transpose_help);
  table.then([&input](const po::variables_map& values) {
    input.format = parse_input_format(values["format"].as<std::string>());
  });
}

/// --output, --overwrite and --quiet (OutputSettings).
void add_output_options(po::options_description& section, OutputSettings& output,
                        const char* output_help) {
  section.add_options()("output,o", po::value(&output.output)->value_name("FILE"), output_help)(
      "overwrite", po::bool_switch(&output.overwrite), "replace the output file(s) if they exist")(
      "quiet,q", po::bool_switch(&output.quiet),
      "print nothing on standard output (progress, summary, the line saying what was written); "
      "errors and warnings still go to standard error");
}

/// --output-dataset and --layout: where and how a command that writes a matrix writes it.
void add_layout_options(OptionTable& table, po::options_description& section,
                        std::string& output_dataset, OutputLayout& layout,
                        const char* layout_help) {
  section.add_options()(
      "output-dataset",
      po::value(&output_dataset)->value_name("PATH")->default_value(output_dataset),
      "the group (csr) or dataset (dense) to write V to")(
      "layout", po::value<std::string>()->value_name("LAYOUT")->default_value("auto"), layout_help);
  table.then([&layout](const po::variables_map& values) {
    layout = parse_output_layout(values["layout"].as<std::string>());
  });
}

/// --alpha-W, --alpha-H and --l1-ratio: the penalties, which every Frobenius rule and
/// `project` apply.
void add_penalty_options(OptionTable& table, po::options_description& section, RuleSettings& rule) {
  section.add_options()("alpha-W",
                        po::value(&rule.alpha_W)->value_name("α")->default_value(rule.alpha_W),
                        "penalty weight on W (see Penalties below)")(
      "alpha-H", po::value<double>()->value_name("α"),
      "penalty weight on H; default: the same as --alpha-W")(
      "l1-ratio", po::value(&rule.l1_ratio)->value_name("ρ")->default_value(rule.l1_ratio),
      "share of L1 in the penalties: 0 pure L2, 1 pure L1 (sparse factors)");
  table.then([&rule](const po::variables_map& values) {
    if (values.count("alpha-H") != 0U) {
      rule.alpha_H = values["alpha-H"].as<double>();
    }
  });
}

/// --algorithm and every rule's settings (RuleSettings), the penalties among them.
void add_rule_options(OptionTable& table, po::options_description& section, RuleSettings& rule) {
  section.add_options()(
      "algorithm,a",
      po::value<std::string>()->value_name("RULE")->default_value(algorithm_name(rule.algorithm)),
      ("update rule: " + algorithm_choices() + " (see Rules below)").c_str())(
      "delta", po::value(&rule.delta)->value_name("δ")->default_value(rule.delta, "2.2e-16"),
      "mu and kl: added to denominators; the default only guards against 0/0, larger values "
      "(the R write-up uses 0.001) damp the updates")(
      "lambda", po::value(&rule.lambda)->value_name("λ")->default_value(rule.lambda),
      "pgd: L2 penalty, minimizes ½‖V − WH‖² + λ/2 (‖W‖² + ‖H‖²)")(
      "learning-rate", po::value<double>()->value_name("η"),
      "pgd: fixed step; default: 1 / (largest eigenvalue of the k × k Gram + λ), "
      "which never increases the objective");
  add_penalty_options(table, section, rule);
  section.add_options()(
      "inner-sweeps",
      po::value(&rule.inner_sweeps)->value_name("N")->default_value(rule.inner_sweeps),
      "hals: sweeps over the components per half-iteration (0: chosen from the sizes, "
      "at most 5)");
  table.then([&rule](const po::variables_map& values) {
    rule.algorithm = parse_algorithm(values["algorithm"].as<std::string>());
    if (values.count("learning-rate") != 0U) {
      rule.learning_rate = values["learning-rate"].as<double>();
    }
  });
}

/// --max-iter, --tol, --pg-tol and --time-limit (StoppingCriteria), for each factorization.
void add_stopping_options(po::options_description& section, StoppingCriteria& stopping) {
  section.add_options()(
      "max-iter",
      po::value(&stopping.max_iterations)->value_name("N")->default_value(stopping.max_iterations),
      "at most this many iterations")(
      "tol",
      po::value(&stopping.tolerance)
          ->value_name("T")
          ->default_value(stopping.tolerance, shown(stopping.tolerance)),
      "stop when one iteration lowers the objective by less than this fraction (0: never)")(
      "pg-tol",
      po::value(&stopping.gradient_tolerance)
          ->value_name("T")
          ->default_value(stopping.gradient_tolerance, shown(stopping.gradient_tolerance)),
      "stop when the projected gradient's norm is below this fraction of its start, the "
      "ANLS literature's test (Frobenius rules; 0: off). Reported in /history either way")(
      "time-limit",
      po::value(&stopping.time_limit_seconds)
          ->value_name("SECONDS")
          ->default_value(stopping.time_limit_seconds),
      "stop after this many seconds of iterations (0: no limit)");
}

/// Which resource options a command takes besides --skip-resource-check: --threads where it
/// computes, --precision (of its InputSettings) where it factorizes.
struct ResourceOffer {
  bool threads = false;
  InputSettings* precision = nullptr;
};

/// --threads, --precision and --skip-resource-check (ResourceSettings), as `offer` says.
void add_resource_options(OptionTable& table, po::options_description& section,
                          ResourceSettings& resources, const ResourceOffer& offer) {
  if (offer.threads) {
    section.add_options()(
        "threads", po::value(&resources.threads)->value_name("N")->default_value(0),
        "threads per rank, for BLAS and mpinmf's own loops (0: the cores this rank may use, "
        "shared among the node's ranks)");
  }
  if (InputSettings* input = offer.precision) {
    section.add_options()(
        "precision",
        po::value<std::string>()->value_name("P")->default_value(precision_name(input->precision)),
        "double, or single: V and the loop's factors in single precision, half V's memory and "
        "about twice the speed for dense V; the sums that decide convergence stay double (see "
        "Precision in mpinmf --help)");
    table.then([input](const po::variables_map& values) {
      input->precision = parse_precision(values["precision"].as<std::string>());
    });
  }
  section.add_options()(
      "skip-resource-check", po::bool_switch(&resources.skip_resource_check),
      "run even when the check made before V is read says the memory of a node or the disk "
      "space for the output falls short: for when its estimate is too cautious (it counts "
      "OpenBLAS's largest buffers, for instance) or the memory reported free is not what "
      "the job may really use");
}

/// --help, and for the main command --version.
void add_help_options(po::options_description& section, bool version = false) {
  section.add_options()("help,h", "show this help");
  if (version) {
    section.add_options()("version", "show the version");
  }
}

// The commands: each its own options, and the groups it shares.

CommandLine parse_project(const std::vector<std::string>& arguments) {
  CommandLine result;
  ProjectOptions& o = result.settings.emplace<ProjectOptions>();
  OptionTable table;
  po::options_description& options = table.section("Options");
  options.add_options()("model,m", po::value(&o.model)->value_name("FILE"),
                        "result file of mpinmf holding /W and /H (required)");
  add_input_options(table, options, o,
                    "file holding the new data (required), in any format the main command reads",
                    "project Vᵀ (10x files store genes × cells; AnnData cells × genes)");
  add_output_options(options, o, "HDF5 file to write /H (or /W with --axis rows) to (required)");
  options.add_options()("axis", po::value(&o.axis)->value_name("AXIS")->default_value(o.axis),
                        "columns: solve for H' with W fixed; rows: solve for W'' with H fixed");
  add_penalty_options(table, options, o.rule);
  add_resource_options(table, options, o, {.threads = true});
  add_help_options(options);
  table.parse(result, arguments, kProjectUsage, kPenaltiesFooter,
              [&](const po::variables_map&) { validate(o); });
  return result;
}

CommandLine parse_convert(const std::vector<std::string>& arguments) {
  CommandLine result;
  ConvertOptions& o = result.settings.emplace<ConvertOptions>();
  OptionTable table;
  po::options_description& options = table.section("Options");
  add_input_options(table, options, o, kMatrixFileHelp,
                    "write Vᵀ (10x files store genes × cells; pass this to get cells as rows)");
  add_output_options(options, o, "HDF5 file to write (required)");
  add_layout_options(table, options, o.output_dataset, o.layout,
                     "csr, dense, or auto: csr for sparse inputs, dense for dense ones");
  options.add_options()("force-dense", po::bool_switch(&o.force_dense),
                        "write --layout dense even when it is far larger than the nonzeros");
  add_resource_options(table, options, o, {});
  add_help_options(options);
  table.parse(result, arguments, kConvertUsage, "", [&](const po::variables_map&) { validate(o); });
  return result;
}

CommandLine parse_generate(const std::vector<std::string>& arguments) {
  CommandLine result;
  GenerateOptions& o = result.settings.emplace<GenerateOptions>();
  OptionTable table;
  po::options_description& options = table.section("Options");
  options.add_options()("rows,m", po::value(&o.rows)->value_name("M"), "rows of V (required)")(
      "columns,n", po::value(&o.columns)->value_name("N"), "columns of V (required)")(
      "rank,k", po::value(&o.rank)->value_name("K"),
      "components of the planted W and H (required)")(
      "clusters", po::value(&o.clusters)->value_name("C")->default_value(o.clusters),
      "planted column clusters (0: as many as --rank)")(
      "density", po::value(&o.density)->value_name("D")->default_value(o.density),
      "share of entries kept, in (0, 1]; below 1, V is written sparse (CSR)")(
      "noise", po::value(&o.noise)->value_name("σ")->default_value(o.noise, shown(o.noise)),
      "noise standard deviation, relative to the mean entry of W H")(
      "seed", po::value(&o.seed)->value_name("N")->default_value(o.seed),
      "the same seed gives the same matrix for any number of ranks");
  add_output_options(options, o, "HDF5 file to write (required)");
  add_layout_options(table, options, o.output_dataset, o.layout,
                     "csr, dense, or auto: csr when --density is below 1, dense otherwise");
  add_help_options(options);
  table.parse(result, arguments, kGenerateUsage, "", [&](const po::variables_map&) {
    if (o.clusters == 0) {
      o.clusters = o.rank;
    }
    validate(o);
  });
  return result;
}

CommandLine parse_survey(const std::vector<std::string>& arguments) {
  CommandLine result;
  SurveyOptions& o = result.settings.emplace<SurveyOptions>();
  std::string ranks;
  OptionTable table;
  po::options_description& data = table.section("Input and output");
  add_input_options(table, data, o, kMatrixFileHelp,
                    "survey Vᵀ: its columns are V's rows (cluster genes instead of samples)");
  add_output_options(data, o, "HDF5 file to write the survey to (required)");
  table.section("Survey").add_options()("ranks,r", po::value(&ranks)->value_name("LIST"),
                                        "candidate k: FIRST:LAST (2:10) or a list (2,4,8) "
                                        "(required)")(
      "restarts", po::value(&o.restarts)->value_name("N")->default_value(o.restarts),
      "restarts per k (R's NMF uses 30 to 100 for a survey)")(
      "group-size", po::value(&o.group_size)->value_name("G")->default_value(o.group_size),
      "MPI ranks per restart; must divide the number of ranks")(
      "seed", po::value(&o.seed)->value_name("N")->default_value(o.seed),
      "the same seed gives the same survey for any number of ranks")(
      "init", po::value(&o.init)->value_name("HOW")->default_value(o.init),
      "each restart's start, from its own seed: random, or nndsvdar (NNDSVD from a randomized "
      "SVD of V, its zeros filled with small random values: restarts then differ less than "
      "random ones). nndsvd and nndsvda give every restart the same start and are refused")(
      "consensus-columns",
      po::value(&o.consensus_columns)->value_name("N")->default_value(o.consensus_columns),
      "compute the consensus on at most this many columns (it needs n² memory on rank 0)");
  add_rule_options(table, table.section("Model"), o.rule);
  add_stopping_options(table.section("Stopping (each restart)"), o.stopping);
  po::options_description& running = table.section("Running");
  add_resource_options(table, running, o, {.threads = true, .precision = &o});
  add_help_options(running);
  table.parse(result, arguments, kSurveyUsage, rules_footer() + kPenaltiesFooter,
              [&](const po::variables_map&) {
                if (!ranks.empty()) {
                  o.ranks = parse_rank_list(ranks);
                }
                validate(o);
              });
  return result;
}

}  // namespace

const std::vector<Subcommand>& subcommands() {
  static const std::vector<Subcommand> table{
      {"project", "New data in a learned basis", parse_project},
      {"convert", "Any input rewritten as the HDF5 layout read fastest (CSR or dense)",
       parse_convert},
      {"generate", "A test matrix with a known answer (planted factors and clusters)",
       parse_generate},
      {"survey", "Which k? Restarts of each candidate, consensus and cophenetic correlation",
       parse_survey},
  };
  return table;
}

namespace {

/// The main command's usage: what it does, then a line for each subcommand.
std::string main_usage() {
  std::string usage = kUsage;
  for (const Subcommand& subcommand : subcommands()) {
    usage += std::string(subcommand.summary) + ": mpinmf " + subcommand.name + " --help\n";
  }
  return usage;
}

CommandLine parse_main_command(const std::vector<std::string>& arguments) {
  CommandLine result;
  RunOptions& o = result.settings.emplace<RunOptions>();
  OptionTable table;
  po::options_description& data = table.section("Input and output");
  add_input_options(
      table, data, o, kMatrixFileHelp,
      "factor Vᵀ instead of V (10x files store genes × cells; AnnData cells × genes)");
  add_output_options(data, o, "HDF5 file to write W, H and the history to (required)");
  data.add_options()("summary-json", po::value(&o.summary_json)->value_name("FILE"),
                     "also write the closing summary as JSON (for scripts)");

  po::options_description& model = table.section("Model");
  model.add_options()("rank,k", po::value(&o.rank)->value_name("K"),
                      "number of components k, 1 ≤ k ≤ min(m, n) (required)");
  add_rule_options(table, model, o.rule);
  model.add_options()(
      "normalize", po::value(&o.normalize)->value_name("HOW")->default_value(o.normalize),
      "rescale the result: l1 makes each column of W sum to 1 (topic-model style), l2 gives "
      "each unit length; H's rows absorb the scale so WH is unchanged. none (default) keeps "
      "the factors as the rule left them, as scikit-learn and R's NMF do");

  table.section("Start").add_options()(
      "seed", po::value(&o.seed)->value_name("N")->default_value(o.seed),
      "random start: the same seed gives the same factors for any number of ranks")(
      "init", po::value(&o.init)->value_name("HOW")->default_value(o.init),
      "random, or an SVD-based start (Boutsidis & Gallopoulos) computed distributed from a "
      "randomized SVD of V: nndsvd (zeros kept: good for sparse factors, with hals or "
      "anls-bpp), nndsvda (zeros filled with mean(V): use with mu), nndsvdar (zeros filled "
      "with small random values)")("init-file", po::value(&o.init_file)->value_name("FILE"),
                                   "start from /W and /H of an earlier result (a warm start)");

  add_stopping_options(table.section("Stopping"), o.stopping);

  table.section("Checkpoints (see docs/checkpoints.md)")
      .add_options()("checkpoint", po::value(&o.checkpoint)->value_name("FILE"),
                     "where checkpoints go; default: the output's name with .checkpoint before its "
                     "extension")("checkpoint-every",
                                  po::value(&o.checkpoint_every)->value_name("N")->default_value(0),
                                  "write a checkpoint every N iterations (0: off)")(
          "checkpoint-interval",
          po::value(&o.checkpoint_interval)->value_name("SECONDS")->default_value(0.0),
          "write a checkpoint when this many seconds have passed since the last (0: off). "
          "Whatever these say, SIGTERM, SIGINT or SIGUSR1 make every rank finish its "
          "iteration, write a checkpoint and exit with status 75; a second SIGINT exits at "
          "once")("resume", po::value(&o.resume)->value_name("FILE"),
                  "continue from a checkpoint: same input, k, rule and rule settings; any "
                  "number of ranks (the same number gives the uninterrupted run's result bit "
                  "for bit)");

  po::options_description& running = table.section("Running");
  add_resource_options(table, running, o, {.threads = true, .precision = &o});
  running.add_options()("print-every",
                        po::value(&o.print_every)->value_name("N")->default_value(o.print_every),
                        "print a progress line every N iterations (0: only the summary)");
  add_help_options(running, /*version=*/true);

  table.parse(result, arguments, main_usage(), rules_footer() + kPenaltiesFooter + kRunFooter,
              [&](const po::variables_map&) { validate(o); });
  return result;
}

}  // namespace

CommandLine parse_command_line(const std::vector<std::string>& arguments) {
  const std::string first = arguments.empty() ? "" : arguments.front();
  const auto& table = subcommands();
  if (arguments == std::vector<std::string>{"--completion", "bash"}) {
    CommandLine script;
    script.action = CommandLine::Action::help;
    std::string arms = parse_main_command({kCompletionArmRequest}).message;
    std::vector<std::string> names;
    for (const Subcommand& subcommand : table) {
      names.emplace_back(subcommand.name);
      arms += subcommand.parse({kCompletionArmRequest}).message;
    }
    script.message = bash_completion(names, arms);
    return script;
  }
  const auto subcommand =
      std::find_if(std::begin(table), std::end(table),
                   [&](const Subcommand& entry) { return first == entry.name; });
  if (subcommand != std::end(table)) {
    const std::vector<std::string> rest(arguments.begin() + 1, arguments.end());
    CommandLine command = subcommand->parse(rest);
    command.command = std::string("mpinmf ") + subcommand->name;
    std::visit([&](auto& settings) { settings.command_line = joined(command.command, rest); },
               command.settings);
    return command;
  }
  if (!first.empty() && first.front() != '-') {
    // Not an option, so meant as a subcommand: the main command's options all start with '-'.
    std::vector<std::string> names;
    std::ranges::transform(table, std::back_inserter(names),
                           [](const Subcommand& entry) { return std::string(entry.name); });
    CommandLine unknown;
    unknown.action = CommandLine::Action::usage_error;
    unknown.message = "unknown subcommand '" + first + "'";
    if (const auto suggestion = nearest_option(first, names)) {
      unknown.message += " (did you mean " + *suggestion + "?)";
    } else {
      unknown.message +=
          joined(" (the subcommands:", names) + "; the main command takes only options)";
    }
    return unknown;
  }
  CommandLine command = parse_main_command(arguments);
  std::get<RunOptions>(command.settings).command_line = joined(command.command, arguments);
  return command;
}

}  // namespace mpinmf
